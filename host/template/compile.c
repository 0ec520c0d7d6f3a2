/* Template compiler: cJSON text → tree of generator nodes (node.h), with the error messages a
 * user needs to fix a template (file:line:column for malformed JSON; the JSON path and the
 * operator for everything else). Also the options every operator takes (nullPercentage, and
 * unique / distribution where allowed: read here, applied by the operators or by wrapper
 * nodes), custom operators (nodes that call the ext hooks), and the template's lifetime: the
 * arena that owns every node and string, compile from text, file or cJSON, set_now and free.
 * The parsed cJSON tree is freed before asr_template_compile returns: nodes copy what they
 * keep into the arena. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/json_error.h"
#include "util/closest.h"
#include "template/node.h"
#include "util/file.h"
#include "util/names.h"
#include "util/path.h"

/* ---- arena ------------------------------------------------------------------------------ */

int asr_tpl_nomem(asr_tpl_cc_t *c) {
  return asr_err_set(c->err, ASR_ENOMEM, "%s: out of memory compiling the template", c->origin);
}

struct asr_tpl_block {
  struct asr_tpl_block *next;
  size_t used, cap;
  max_align_t data[]; /* cap bytes */
};

void *asr_tpl_alloc(asr_tpl_cc_t *c, size_t size) {
  const size_t align = sizeof(max_align_t);
  size = (size + align - 1) / align * align;
  struct asr_tpl_block *b = c->t->arena;
  if (!b || b->cap - b->used < size) {
    size_t cap = size > 8192 ? size : 8192;
    b = calloc(1, sizeof *b + cap);
    if (!b) {
      asr_tpl_nomem(c);
      return NULL;
    }
    b->cap = cap;
    b->next = c->t->arena;
    c->t->arena = b;
  }
  void *p = (char *)b->data + b->used;
  b->used += size;
  return p;
}

static char *arena_strndup(asr_tpl_cc_t *c, const char *s, size_t len) {
  char *p = asr_tpl_alloc(c, len + 1);
  if (p) memcpy(p, s, len); /* the arena is zeroed: already terminated */
  return p;
}

/* ---- paths and errors ------------------------------------------------------------------- */

static const char *path_str(const asr_tpl_cc_t *c) { return c->path[0] ? c->path : "(root)"; }

/* The JSON path of the value being compiled (util/path.h). */
static size_t path_push(asr_tpl_cc_t *c, const char *key, long index) {
  return asr_path_push(c->path, &c->pathlen, sizeof c->path, key, index);
}

static void path_pop(asr_tpl_cc_t *c, size_t old) { asr_path_pop(c->path, &c->pathlen, old); }

/* A structural error: the message carries its own location. */
static int cc_error(asr_tpl_cc_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int cc_error(asr_tpl_cc_t *c, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return asr_err_set(c->err, ASR_EINVAL, "%s: %s", c->origin, msg);
}

int asr_tpl_fail(asr_tpl_cc_t *c, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (!c->opname) return asr_err_set(c->err, ASR_EINVAL, "%s: %s at %s", c->origin, msg, path_str(c));
  char at[sizeof c->path];
  memcpy(at, c->path, c->op_pathlen);
  at[c->op_pathlen] = '\0';
  return asr_err_set(c->err, ASR_EINVAL, "%s: $%s at %s: %s", c->origin, c->opname,
                     at[0] ? at : "(root)", msg);
}

/* "a string", "an array", "the number 1.5", ... for "expected X, got Y" messages. */
static const char *describe(const cJSON *v, char *buf, size_t cap) {
  switch (v->type & 0xFF) {
  case cJSON_String: snprintf(buf, cap, "the string \"%.40s\"", v->valuestring); return buf;
  case cJSON_Number: snprintf(buf, cap, "the number %.17g", v->valuedouble); return buf;
  case cJSON_Array: return "an array";
  case cJSON_Object: return "an object";
  case cJSON_True: return "true";
  case cJSON_False: return "false";
  case cJSON_NULL: return "null";
  default: return "an unsupported value";
  }
}

/* ---- unknown operators: suggest the closest known name ---------------------------------- */

/* Custom operator names come first: a custom name shadows a built-in. A Lua template with a
 * function in every field has as many custom operators as fields: they are looked up in the
 * index compile_root sorts once (the first of equal names, as a scan would find). */
static long custom_find(const asr_tpl_cc_t *c, const char *name) {
  const asr_name_t *hit = asr_names_find(c->custom_index, c->opt->ncustom, name, strlen(name));
  return hit ? (long)hit->index : -1;
}

static int index_custom(asr_tpl_cc_t *c) {
  size_t n = c->opt->ncustom;
  asr_name_t *index = n ? malloc(sizeof *index * n) : NULL;
  if (n && !index) return asr_tpl_nomem(c);
  for (size_t i = 0; i < n; i++)
    index[i] = (asr_name_t){c->opt->custom_ops[i], strlen(c->opt->custom_ops[i]), (uint32_t)i};
  asr_names_sort(index, n);
  c->custom_index = index;
  return 0;
}

static const char *op_closest(const asr_tpl_cc_t *c, const char *name) {
  const char *best = NULL;
  size_t best_d = (size_t)-1, limit = strlen(name) / 3;
  if (limit < 1) limit = 1;
  size_t nbuiltin = asr_tpl_op_count();
  for (size_t i = 0; i < nbuiltin + c->opt->ncustom; i++) {
    const char *cand = i < nbuiltin ? asr_tpl_op_at(i)->name : c->opt->custom_ops[i - nbuiltin];
    size_t d = asr_edit_distance(name, cand);
    if (d < best_d) best_d = d, best = cand;
  }
  return best_d <= limit ? best : NULL;
}

/* ---- nodes ------------------------------------------------------------------------------ */

static asr_tpl_node_t *node_new(asr_tpl_cc_t *c) {
  asr_tpl_node_t *n = asr_tpl_alloc(c, sizeof *n);
  if (!n) return NULL;
  n->id = c->next_id++;
  n->path = arena_strndup(c, c->path, c->pathlen); /* run-time errors name it */
  return n->path ? n : NULL;
}

static int num_literal(const asr_tpl_node_t *n, asr_tpl_gen_t *g, asr_tpl_num_t *out) {
  const bson_value_t *v = &n->lit;
  out->isint = v->value_type != BSON_TYPE_DOUBLE;
  out->i = v->value_type == BSON_TYPE_INT32 ? v->value.v_int32 : out->isint ? v->value.v_int64 : 0;
  out->d = out->isint ? (double)out->i : v->value.v_double;
  return 0;
}

/* The literal's BSON value bytes, so that generating it is one copy (asr_tpl_gen_literal). */
static int encode_literal(asr_tpl_cc_t *c, asr_tpl_node_t *n) {
  bson_type_t type = n->lit.value_type;
  if (type == BSON_TYPE_INT32 || type == BSON_TYPE_INT64 || type == BSON_TYPE_DOUBLE) n->num = num_literal;
  bson_t b;
  bson_init(&b);
  int rc = asr_tpl_ok(bson_append_value(&b, "", 0, &n->lit));
  uint32_t len = rc ? 0 : b.len - 7; /* header, type, empty key, ..., trailing NUL */
  uint8_t *data = rc ? NULL : asr_tpl_alloc(c, len ? len : 1);
  if (rc == 0 && !data) rc = ASR_ENOMEM;
  if (rc == 0) {
    memcpy(data, bson_get_data(&b) + 6, len);
    n->lit_data = data;
    n->lit_len = len;
  }
  bson_destroy(&b);
  return rc == ASR_EINVAL ? cc_error(c, "literal at %s is too large", path_str(c)) : rc;
}

static int check_utf8(asr_tpl_cc_t *c, const char *s, const char *what) {
  if (bson_utf8_validate(s, strlen(s), false)) return 0;
  return cc_error(c, "%s at %s is not valid UTF-8", what, path_str(c));
}

static int compile_scalar(asr_tpl_cc_t *c, const cJSON *v, asr_tpl_node_t *n) {
  n->literal = true;
  n->gen = asr_tpl_gen_literal;
  switch (v->type & 0xFF) {
  case cJSON_NULL: n->lit.value_type = BSON_TYPE_NULL; return 0;
  case cJSON_True:
  case cJSON_False:
    n->lit.value_type = BSON_TYPE_BOOL;
    n->lit.value.v_bool = (v->type & 0xFF) == cJSON_True;
    return 0;
  case cJSON_Number: {
    /* cJSON keeps no number text: integral values become int32/int64 (as mongoimport reads
     * plain JSON integers), everything else a double */
    double d = v->valuedouble;
    if (d == floor(d) && d >= -2147483648.0 && d <= 2147483647.0) {
      n->lit.value_type = BSON_TYPE_INT32;
      n->lit.value.v_int32 = (int32_t)d;
    } else if (d == floor(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
      n->lit.value_type = BSON_TYPE_INT64;
      n->lit.value.v_int64 = (int64_t)d;
    } else {
      n->lit.value_type = BSON_TYPE_DOUBLE;
      n->lit.value.v_double = d;
    }
    return 0;
  }
  case cJSON_String: {
    int rc = check_utf8(c, v->valuestring, "the string");
    if (rc) return rc;
    size_t len = strlen(v->valuestring);
    char *s = arena_strndup(c, v->valuestring, len);
    if (!s) return ASR_ENOMEM;
    n->lit.value_type = BSON_TYPE_UTF8;
    n->lit.value.v_utf8.str = s;
    n->lit.value.v_utf8.len = (uint32_t)len;
    return 0;
  }
  default: return cc_error(c, "unsupported JSON value at %s", path_str(c));
  }
}

/* Replaces an all-literal object or array by its pre-encoded bytes: generation becomes one
 * append of a constant. */
static int fold_literal(asr_tpl_cc_t *c, asr_tpl_node_t *n, bool is_array) {
  for (uint32_t i = 0; i < n->nkids; i++)
    if (!n->kids[i]->literal) return 0;
  bson_t b;
  bson_init(&b);
  int rc = 0;
  for (uint32_t i = 0; i < n->nkids && rc == 0; i++) {
    char buf[16];
    const char *key = n->keys ? n->keys[i] : NULL;
    int keylen = n->keys ? n->keylens[i] : (int)bson_uint32_to_string(i, &key, buf, sizeof buf);
    rc = asr_tpl_ok(bson_append_value(&b, key, keylen, &n->kids[i]->lit));
  }
  uint8_t *data = rc ? NULL : asr_tpl_alloc(c, b.len);
  if (!rc && !data) rc = ASR_ENOMEM;
  if (rc == ASR_EINVAL) rc = cc_error(c, "literal at %s is too large", path_str(c));
  if (rc == 0) {
    memcpy(data, bson_get_data(&b), b.len);
    n->literal = true;
    n->gen = asr_tpl_gen_literal;
    n->lit.value_type = is_array ? BSON_TYPE_ARRAY : BSON_TYPE_DOCUMENT;
    n->lit.value.v_doc.data = data;
    n->lit.value.v_doc.data_len = b.len;
    n->lit_data = data; /* a document's value bytes are the document */
    n->lit_len = b.len;
  }
  bson_destroy(&b);
  return rc;
}

int asr_tpl_key_repeats(const cJSON *obj, uint32_t **first) {
  int count = cJSON_GetArraySize(obj);
  *first = NULL;
  if (count < 2) return 0;
  asr_name_t *names = malloc(sizeof *names * (size_t)count);
  uint32_t *out = malloc(sizeof *out * (size_t)count), i = 0;
  if (names && out) {
    for (const cJSON *f = obj->child; f; f = f->next, i++)
      names[i] = (asr_name_t){f->string, strlen(f->string), i};
    asr_names_first(names, (size_t)count, out);
    *first = out;
  } else {
    free(out);
  }
  free(names);
  return *first ? 0 : ASR_ENOMEM;
}

static int compile_object(asr_tpl_cc_t *c, const cJSON *v, asr_tpl_node_t *n, bool fold) {
  int count = cJSON_GetArraySize(v);
  uint32_t *first = NULL; /* repeated keys, found with one sort: comparing pairs is quadratic */
  n->gen = asr_tpl_gen_object;
  n->kids = asr_tpl_alloc(c, sizeof *n->kids * (size_t)(count ? count : 1));
  n->keys = asr_tpl_alloc(c, sizeof *n->keys * (size_t)(count ? count : 1));
  n->keylens = asr_tpl_alloc(c, sizeof *n->keylens * (size_t)(count ? count : 1));
  if (!n->kids || !n->keys || !n->keylens) return ASR_ENOMEM;
  if (asr_tpl_key_repeats(v, &first)) return asr_tpl_nomem(c);
  int rc = 0;
  for (const cJSON *f = v->child; f && rc == 0; f = f->next) {
    size_t old = path_push(c, f->string, 0);
    if (f->string[0] == '$')
      rc = cc_error(c, "field %s starts with '$': an operator object must have exactly one key",
                    path_str(c));
    else if (first && first[n->nkids] != n->nkids)
      rc = cc_error(c, "duplicate field %s", path_str(c));
    if (rc == 0) rc = check_utf8(c, f->string, "the field name");
    if (rc == 0) {
      size_t len = strlen(f->string);
      n->keys[n->nkids] = arena_strndup(c, f->string, len);
      n->keylens[n->nkids] = (int)len;
      if (!n->keys[n->nkids]) rc = ASR_ENOMEM;
    }
    if (rc == 0) rc = asr_tpl_compile_value(c, f, &n->kids[n->nkids]);
    if (rc == 0) n->nkids++;
    path_pop(c, old);
  }
  free(first);
  if (rc == 0 && fold) rc = fold_literal(c, n, false);
  return rc;
}

static int compile_array(asr_tpl_cc_t *c, const cJSON *v, asr_tpl_node_t *n) {
  int count = cJSON_GetArraySize(v);
  n->gen = asr_tpl_gen_array;
  n->kids = asr_tpl_alloc(c, sizeof *n->kids * (size_t)(count ? count : 1));
  if (!n->kids) return ASR_ENOMEM;
  int rc = 0;
  for (const cJSON *item = v->child; item && rc == 0; item = item->next) {
    size_t old = path_push(c, NULL, (long)n->nkids);
    rc = asr_tpl_compile_value(c, item, &n->kids[n->nkids]);
    if (rc == 0) n->nkids++;
    path_pop(c, old);
  }
  if (rc == 0) rc = fold_literal(c, n, true);
  return rc;
}

/* Rejects option names the operator does not know: a typo would otherwise silently fall back
 * to the default. */
static int check_option_names(asr_tpl_cc_t *c, const asr_tpl_op_t *op, const cJSON *opts) {
  for (const cJSON *o = opts->child; o; o = o->next) {
    bool known = asr_names_in_list(op->options, o->string);
    if (!known && !op->options[0]) return asr_tpl_fail(c, "takes no options (got %s)", o->string);
    if (!known) return asr_tpl_fail(c, "unknown option %s (expected one of: %s)", o->string, op->options);
    for (const cJSON *q = opts->child; q != o; q = q->next)
      if (strcmp(q->string, o->string) == 0) return asr_tpl_fail(c, "duplicate option %s", o->string);
  }
  return 0;
}

/* ---- options every operator takes --------------------------------------------------------- */

/* Where docs/templates.md allows unique and distribution. */
static const char UNIQUE_OPS[] = "integer,number,numberInt,numberLong,string,email,uuid,guid";
static const char DIST_OPS[] = "integer,number,numberInt,numberLong,floating,float,double,numberDecimal,ref";
static const char DIST_PARAMS[] = "distribution,mean,stddev,lambda,s";

static void list_ops(char *buf, size_t cap, const char *list) {
  size_t used = 0;
  buf[0] = '\0';
  for (const char *p = list; *p && used < cap;) {
    size_t n = strcspn(p, ",");
    int w = snprintf(buf + used, cap - used, "%s$%.*s", used ? ", " : "", (int)n, p);
    used += w > 0 ? (size_t)w : 0;
    p += n + (p[n] == ',');
  }
}

typedef struct xsplit {
  const cJSON *null_pct; /* nullPercentage, or NULL */
  cJSON *rest;           /* the other options (references), when some were taken out */
} xsplit_t;

/* Takes the options the compiler handles out of opts (a row listing one keeps it). */
static int split_options(asr_tpl_cc_t *c, const asr_tpl_op_t *op, const cJSON *opts, xsplit_t *x) {
  const char *name = c->opname;
  bool dist_op = op && asr_names_in_list(DIST_OPS, name), taken = false;
  char ops[256];
  for (const cJSON *o = opts->child; o; o = o->next) {
    const char *k = o->string;
    bool take = false;
    if (op && asr_names_in_list(op->options, k)) continue;
    if (strcmp(k, "nullPercentage") == 0) {
      if (!cJSON_IsNumber(o) || !(o->valuedouble >= 0 && o->valuedouble <= 100)) {
        char buf[80];
        return asr_tpl_fail(c, "option nullPercentage must be a number between 0 and 100, got %s",
                            describe(o, buf, sizeof buf));
      }
      x->null_pct = o, take = true;
    } else if (op && strcmp(k, "unique") == 0) {
      list_ops(ops, sizeof ops, UNIQUE_OPS);
      if (!asr_names_in_list(UNIQUE_OPS, name))
        return asr_tpl_fail(c, "option unique is not supported here (only by %s)", ops);
      if (!cJSON_IsBool(o)) return asr_tpl_fail(c, "option unique must be true or false");
      c->x.unique = cJSON_IsTrue(o), take = true;
    } else if (op && asr_names_in_list(DIST_PARAMS, k) && dist_op) {
      take = true; /* read below by asr_tpl_opt_dist */
    } else if (op && strcmp(k, "distribution") == 0) {
      list_ops(ops, sizeof ops, DIST_OPS);
      return asr_tpl_fail(c, "option distribution is not supported here (only by %s)", ops);
    }
    taken |= take;
  }
  if (!taken) return 0;
  if (!(x->rest = cJSON_CreateObject())) return asr_err_set(c->err, ASR_ENOMEM, "out of memory");
  for (const cJSON *o = opts->child; o; o = o->next) {
    bool take = !(op && asr_names_in_list(op->options, o->string)) &&
                (strcmp(o->string, "nullPercentage") == 0 ||
                 (op && strcmp(o->string, "unique") == 0) || (dist_op && asr_names_in_list(DIST_PARAMS, o->string)));
    if (!take && !cJSON_AddItemReferenceToObject(x->rest, o->string, (cJSON *)o))
      return asr_err_set(c->err, ASR_ENOMEM, "out of memory");
  }
  return 0;
}

/* {"nullPercentage": P}: null in P% of documents, else the wrapped value. */
static int gen_nullable(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                        int keylen) {
  const uint64_t *below = n->aux; /* null when the 53-bit draw is below this */
  if ((asr_rng_next(&g->rng) >> 11) < *below) return asr_tpl_put_null(dst, key, keylen);
  return asr_tpl_gen_kid(n->kids[0], g, dst, key, keylen);
}

/* Makes n a wrapper around a new node (returned in *inner, same path) that gets compiled
 * in its place. */
static int wrap_node(asr_tpl_cc_t *c, asr_tpl_node_t *n, asr_tpl_gen_fn gen, asr_tpl_node_t **inner) {
  n->kids = asr_tpl_alloc(c, sizeof *n->kids);
  *inner = n->kids ? asr_tpl_alloc(c, sizeof **inner) : NULL;
  if (!*inner) return ASR_ENOMEM;
  (*inner)->id = c->next_id++;
  (*inner)->path = n->path;
  n->kids[0] = *inner;
  n->nkids = 1;
  n->gen = gen;
  return 0;
}

/* ---- custom operators --------------------------------------------------------------------- */

static const uint8_t EMPTY_DOC[5] = {5, 0, 0, 0, 0};

/* Evaluates the options (n->kids[0], an object node, or none) and calls the ext hook. */
static int gen_custom(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  const asr_tpl_node_t *o = n->nkids ? n->kids[0] : NULL;
  if (!g->ext || !g->ext->call)
    return asr_tpl_gen_fail(g, n, ASR_EINVAL, "custom operator $%s needs operator hooks",
                            (const char *)n->aux);
  bson_t opts;
  int rc = 0;
  if (!o) {
    bson_init_static(&opts, EMPTY_DOC, sizeof EMPTY_DOC);
  } else if (o->literal) { /* constant options: no per-document work */
    bson_init_static(&opts, o->lit.value.v_doc.data, o->lit.value.v_doc.data_len);
  } else {
    bson_init(&opts);
    rc = asr_tpl_gen_fields(o, g, &opts);
  }
  if (rc == 0) rc = g->ext->call(g->ext->ud, n->flags, &g->rng, &opts, dst, key, keylen, g->err);
  bson_destroy(&opts);
  if (rc) asr_tpl_gen_fail(g, n, rc, "custom operator $%s failed (%s)", (const char *)n->aux, asr_err_name(rc));
  return rc;
}

static int compile_custom(asr_tpl_cc_t *c, uint32_t id, const cJSON *opts, asr_tpl_node_t *n) {
  n->gen = gen_custom;
  n->flags = id;
  n->aux = arena_strndup(c, c->opname, strlen(c->opname)); /* the options' names are borrowed */
  if (!n->aux) return ASR_ENOMEM;
  c->t->custom_nodes++;
  if (!c->t->custom_first) c->t->custom_first = n->aux;
  if (!opts || !opts->child) return 0;
  asr_tpl_node_t *o = node_new(c);
  n->kids = asr_tpl_alloc(c, sizeof *n->kids);
  if (!o || !n->kids) return ASR_ENOMEM;
  n->kids[0] = o;
  n->nkids = 1;
  return compile_object(c, opts, o, true);
}

/* ---- operators ---------------------------------------------------------------------------- */

/* Records an unknown operator (with a did-you-mean, or what mgeneratejs does with a chance.js
 * utility of that name) and makes n a null placeholder, so that compiling goes on and the
 * error lists every unknown operator of the template (compile_root). */
static int unknown_operator(asr_tpl_cc_t *c, const char *name, asr_tpl_node_t *n) {
  const char *hint = op_closest(c, name), *utility = asr_tpl_chance_utility(name);
  char entry[sizeof c->path + 256];
  if (utility)
    snprintf(entry, sizeof entry, "$%s at %s is a chance.js utility, not a generator: mgeneratejs "
             "cannot call it either (it %s)", name, path_str(c), utility);
  else if (hint)
    snprintf(entry, sizeof entry, "unknown operator $%s at %s (did you mean $%s?)", name, path_str(c), hint);
  else
    snprintf(entry, sizeof entry, "unknown operator $%s at %s", name, path_str(c));
  size_t len = strlen(entry), room = sizeof c->unknown - c->unknown_len;
  if (len + 2 < room) {
    snprintf(c->unknown + c->unknown_len, room, "%s%s", c->nunknown ? "; " : "", entry);
    c->unknown_len += len + (c->nunknown ? 2 : 0);
    c->unknown_listed++;
  }
  c->nunknown++;
  n->literal = true;
  n->gen = asr_tpl_gen_literal;
  n->lit.value_type = BSON_TYPE_NULL;
  return 0;
}

/* The error for the unknown operators found, put before any other error compile ran into. */
static int report_unknown(asr_tpl_cc_t *c, int rc) {
  char other[sizeof c->err->msg];
  snprintf(other, sizeof other, "%s", rc ? c->err->msg : "");
  size_t skip = strlen(c->origin) + 2; /* the other message's "origin: " */
  const char *rest = rc && strncmp(other, c->origin, skip - 2) == 0 ? other + skip : other;
  asr_err_clear(c->err);
  char more[48] = "";
  if (c->unknown_listed < c->nunknown)
    snprintf(more, sizeof more, "; and %u more", c->nunknown - c->unknown_listed);
  return asr_err_set(c->err, ASR_EINVAL, "%s: %s%s%s%s", c->origin, c->unknown, more,
                     rc ? "; also: " : "", rc ? rest : "");
}

/* Compiles the operator itself into n, wrapped for nullPercentage and (for operators of other
 * files) unique. The options are checked by now. */
static int compile_op_body(asr_tpl_cc_t *c, const asr_tpl_op_t *op, long custom, const cJSON *opts,
                           const xsplit_t *x, asr_tpl_node_t *n) {
  int rc = 0;
  if (x->null_pct) {
    uint64_t *below = asr_tpl_alloc(c, sizeof *below);
    if (!below) return ASR_ENOMEM;
    *below = (uint64_t)(x->null_pct->valuedouble / 100 * 9007199254740992.0); /* of 2^53 */
    n->aux = below;
    if ((rc = wrap_node(c, n, gen_nullable, &n))) return rc;
  }
  if (custom >= 0) return compile_custom(c, (uint32_t)custom, opts, n);
  n->op = op;
  n->gen = op->gen;
  bool wrap_unique = c->x.unique && (strcmp(op->name, "email") == 0 || strcmp(op->name, "uuid") == 0 ||
                                     strcmp(op->name, "guid") == 0);
  if (c->x.dist && strcmp(op->name, "numberDecimal") == 0) return asr_tpl_compile_decimal_dist(c, opts, n);
  if (!wrap_unique) return op->compile(c, opts, n);
  asr_tpl_node_t *inner;
  if ((rc = wrap_node(c, n, NULL, &inner))) return rc;
  inner->op = op;
  inner->gen = op->gen;
  rc = op->compile(c, opts, inner);
  return rc ? rc : asr_tpl_unique_wrap(c, op->name, inner, n);
}

/* name: without the '$'. opts: the options value, or NULL for the "$op" string form. */
static int compile_operator(asr_tpl_cc_t *c, const char *name, const cJSON *opts,
                            asr_tpl_node_t *n) {
  long custom = custom_find(c, name);
  const asr_tpl_op_t *op = custom >= 0 ? NULL : asr_tpl_op_find(name);
  if (!op && custom < 0) return unknown_operator(c, name, n);
  const asr_tpl_op_t *saved_op = c->op;
  const char *saved_name = c->opname;
  asr_tpl_xopts_t saved_x = c->x;
  size_t saved_oplen = c->op_pathlen, old = c->pathlen;
  xsplit_t x = {NULL, NULL};
  c->op = op;
  c->opname = op ? op->name : c->opt->custom_ops[custom];
  c->op_pathlen = c->pathlen;
  c->x = (asr_tpl_xopts_t){false, NULL};
  int rc = 0, deeper = opts && cJSON_IsObject(opts); /* the options object is a level */
  if (opts && cJSON_IsNull(opts)) opts = NULL;
  if (opts && !cJSON_IsObject(opts)) {
    char buf[80];
    rc = asr_tpl_fail(c, "options must be an object, got %s", describe(opts, buf, sizeof buf));
  } else if ((c->depth += deeper) > ASR_TPL_MAX_DEPTH) {
    rc = cc_error(c, "nesting deeper than %d levels at %s", ASR_TPL_MAX_DEPTH, path_str(c));
  } else if (opts) {
    rc = split_options(c, op, opts, &x);
    if (rc == 0 && op) rc = check_option_names(c, op, x.rest ? x.rest : opts);
    if (rc == 0 && op && asr_names_in_list(DIST_OPS, op->name)) {
      asr_tpl_dist_t *d = NULL;
      rc = asr_tpl_opt_dist(c, opts, &d);
      c->x.dist = d;
    }
    if (rc == 0 && c->x.unique && c->x.dist)
      rc = asr_tpl_fail(c, "options unique and distribution cannot be combined");
  }
  if (rc == 0) {
    char seg[80];
    snprintf(seg, sizeof seg, "$%s", c->opname);
    path_push(c, seg, 0);
    rc = compile_op_body(c, op, custom, x.rest ? x.rest : opts, &x, n);
  }
  cJSON_Delete(x.rest); /* references only: the template's own items stay */
  c->depth -= deeper;
  path_pop(c, old);
  c->op = saved_op;
  c->opname = saved_name;
  c->x = saved_x;
  c->op_pathlen = saved_oplen;
  return rc;
}

int asr_tpl_compile_value(asr_tpl_cc_t *c, const cJSON *v, asr_tpl_node_t **out) {
  asr_tpl_node_t *n = node_new(c);
  if (!n) return ASR_ENOMEM;
  *out = n;
  int type = v->type & 0xFF, rc;
  if (type == cJSON_String && v->valuestring[0] == '$') {
    rc = compile_operator(c, v->valuestring + 1, NULL, n);
  } else if (type == cJSON_String && asr_tpl_strtpl_has_call(v->valuestring)) {
    rc = asr_tpl_compile_strtpl(c, v->valuestring, n);
  } else if (type != cJSON_Object && type != cJSON_Array) {
    rc = compile_scalar(c, v, n);
  } else {
    if (++c->depth > ASR_TPL_MAX_DEPTH) {
      rc = cc_error(c, "nesting deeper than %d levels at %s", ASR_TPL_MAX_DEPTH, path_str(c));
    } else if (type == cJSON_Array) {
      rc = compile_array(c, v, n);
    } else if (v->child && !v->child->next && v->child->string[0] == '$') {
      rc = compile_operator(c, v->child->string + 1, v->child, n);
    } else {
      rc = compile_object(c, v, n, true);
    }
    c->depth--;
  }
  if (rc == 0 && n->literal && !n->lit_data) rc = encode_literal(c, n);
  return rc;
}

/* ---- operator options ------------------------------------------------------------------- */

static bool is_operator(const cJSON *v) {
  if (cJSON_IsString(v)) return v->valuestring[0] == '$';
  return cJSON_IsObject(v) && v->child && v->child->string[0] == '$';
}

/* Compiles an operator-valued option into p->node (path: ...$op.name). */
static int opt_operator(asr_tpl_cc_t *c, const cJSON *v, const char *name, asr_tpl_param_t *p) {
  size_t old = path_push(c, name, 0);
  asr_tpl_node_t *n = NULL;
  int rc = asr_tpl_compile_value(c, v, &n);
  path_pop(c, old);
  p->node = n;
  return rc;
}

static int opt_number(asr_tpl_cc_t *c, const cJSON *opts, const char *name, double def,
                      asr_tpl_param_t *p, bool want_int) {
  const cJSON *v = opts ? cJSON_GetObjectItemCaseSensitive(opts, name) : NULL;
  double d = def;
  if (v) {
    p->present = true;
    if (is_operator(v)) return opt_operator(c, v, name, p);
    char buf[80];
    if (!cJSON_IsNumber(v))
      return asr_tpl_fail(c, "option %s must be %s, got %s", name,
                          want_int ? "an integer" : "a number", describe(v, buf, sizeof buf));
    d = v->valuedouble;
  }
  p->d = d;
  p->isint = d == floor(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0;
  p->i = p->isint ? (int64_t)d : 0;
  if (want_int && !p->isint) return asr_tpl_fail(c, "option %s must be an integer, got %.17g", name, d);
  return 0;
}

int asr_tpl_opt_int(asr_tpl_cc_t *c, const cJSON *opts, const char *name, int64_t def,
                    asr_tpl_param_t *p) {
  int rc = opt_number(c, opts, name, (double)def, p, true);
  if (rc == 0 && !p->present) p->i = def; /* exact, even beyond 2^53 */
  return rc;
}

int asr_tpl_opt_num(asr_tpl_cc_t *c, const cJSON *opts, const char *name, double def,
                    asr_tpl_param_t *p) {
  return opt_number(c, opts, name, def, p, false);
}

int asr_tpl_opt_str(asr_tpl_cc_t *c, const cJSON *opts, const char *name, const char *def,
                    asr_tpl_param_t *p) {
  const cJSON *v = opts ? cJSON_GetObjectItemCaseSensitive(opts, name) : NULL;
  const char *s = def;
  if (v) {
    p->present = true;
    if (is_operator(v)) return opt_operator(c, v, name, p);
    char buf[80];
    if (!cJSON_IsString(v))
      return asr_tpl_fail(c, "option %s must be a string, got %s", name, describe(v, buf, sizeof buf));
    if (!bson_utf8_validate(v->valuestring, strlen(v->valuestring), false))
      return asr_tpl_fail(c, "option %s is not valid UTF-8", name);
    s = v->valuestring;
  }
  p->slen = (uint32_t)strlen(s);
  p->s = arena_strndup(c, s, p->slen);
  return p->s ? 0 : ASR_ENOMEM;
}

int asr_tpl_opt_date(asr_tpl_cc_t *c, const cJSON *opts, const char *name, int64_t def_ms,
                     asr_tpl_param_t *p) {
  const cJSON *v = opts ? cJSON_GetObjectItemCaseSensitive(opts, name) : NULL;
  p->isint = true;
  p->i = def_ms;
  if (!v) return 0;
  p->present = true;
  if (is_operator(v)) return opt_operator(c, v, name, p);
  if (cJSON_IsNumber(v) && isfinite(v->valuedouble) && fabs(v->valuedouble) < 9.2e18) {
    p->i = (int64_t)v->valuedouble;
    return 0;
  }
  if (cJSON_IsString(v) && asr_tpl_parse_date(v->valuestring, strlen(v->valuestring), &p->i) == 0)
    return 0;
  char buf[80];
  return asr_tpl_fail(c, "option %s must be an ISO-8601 date (YYYY-MM-DD[THH:MM[:SS[.mmm]]][Z|+HH:MM]) "
                         "or milliseconds since 1970, got %s", name, describe(v, buf, sizeof buf));
}

int asr_tpl_opt_node(asr_tpl_cc_t *c, const cJSON *opts, const char *name, bool required,
                     asr_tpl_node_t **out) {
  const cJSON *v = opts ? cJSON_GetObjectItemCaseSensitive(opts, name) : NULL;
  *out = NULL;
  if (!v) return required ? asr_tpl_fail(c, "option %s is required", name) : 0;
  size_t old = path_push(c, name, 0);
  int rc = asr_tpl_compile_value(c, v, out);
  path_pop(c, old);
  return rc;
}

int asr_tpl_opt_items(asr_tpl_cc_t *c, const cJSON *opts, const char *name, asr_tpl_node_t *n,
                      bool *is_array) {
  const cJSON *v = opts ? cJSON_GetObjectItemCaseSensitive(opts, name) : NULL;
  *is_array = cJSON_IsArray(v);
  if (!*is_array) return 0;
  if (++c->depth > ASR_TPL_MAX_DEPTH) {
    c->depth--;
    return cc_error(c, "nesting deeper than %d levels at %s.%s", ASR_TPL_MAX_DEPTH, path_str(c), name);
  }
  int count = cJSON_GetArraySize(v), rc = 0;
  n->kids = asr_tpl_alloc(c, sizeof *n->kids * (size_t)(count ? count : 1));
  if (!n->kids) rc = ASR_ENOMEM;
  size_t old = path_push(c, name, 0);
  for (const cJSON *item = rc ? NULL : v->child; item && rc == 0; item = item->next) {
    size_t mark = path_push(c, NULL, (long)n->nkids);
    rc = asr_tpl_compile_value(c, item, &n->kids[n->nkids]);
    if (rc == 0) n->nkids++;
    path_pop(c, mark);
  }
  path_pop(c, old);
  c->depth--;
  return rc;
}

int asr_tpl_opt_const_int(asr_tpl_cc_t *c, const cJSON *opts, const char *name, int64_t lo,
                          int64_t hi, int64_t def, int64_t *out) {
  const cJSON *v = opts ? cJSON_GetObjectItemCaseSensitive(opts, name) : NULL;
  *out = def;
  if (!v) return 0;
  double d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
  if (!(d == floor(d) && d >= (double)lo && d <= (double)hi)) {
    char buf[80];
    return asr_tpl_fail(c, "option %s must be an integer between %lld and %lld, got %s", name,
                        (long long)lo, (long long)hi, describe(v, buf, sizeof buf));
  }
  *out = d >= 9223372036854775807.0 ? INT64_MAX : (int64_t)d;
  return 0;
}

/* ---- template lifetime ------------------------------------------------------------------ */


static int64_t clock_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const asr_template_options_t NO_OPTIONS = {0};

/* Compiles a parsed template (root is only read). */
static int compile_root(const cJSON *root, const char *origin, const asr_template_options_t *opt,
                        asr_template_t **out, asr_err_t *err) {
  asr_template_t *t = calloc(1, sizeof *t);
  if (!origin) origin = "template";
  asr_tpl_cc_t c = {.t = t, .err = err, .origin = origin, .depth = 1, /* the root is level 1 */
                    .opt = opt ? opt : &NO_OPTIONS};
  *out = NULL;
  if (!t) return asr_err_set(err, ASR_ENOMEM, "%s: out of memory compiling the template", origin);
  int rc = 0;
  if (!cJSON_IsObject(root)) {
    char buf[80];
    rc = asr_err_set(err, ASR_EINVAL, "%s: the template must be a JSON object, got %s", origin,
                     describe(root, buf, sizeof buf));
    goto done;
  }
  if ((c.opt->ncustom && !c.opt->custom_ops) || (c.opt->nrefs && !c.opt->refs))
    rc = asr_err_set(err, ASR_EINVAL, "%s: template options list custom operators or references "
                                      "without giving them", origin);
  for (size_t i = 0; i < c.opt->ncustom && rc == 0; i++)
    if (!c.opt->custom_ops[i] || !c.opt->custom_ops[i][0])
      rc = asr_err_set(err, ASR_EINVAL, "%s: custom operator %zu has no name", origin, i);
  if (rc == 0) rc = index_custom(&c);
  if (rc) goto done;
  t->origin = arena_strndup(&c, origin, strlen(origin));
  t->root = t->origin ? node_new(&c) : NULL;
  rc = t->root ? compile_object(&c, root, t->root, false) : ASR_ENOMEM;
  if (c.nunknown && rc != ASR_ENOMEM) rc = report_unknown(&c, rc);
  if (rc) goto done;
  t->oid_nodes = c.oid_nodes;
  t->now_ms = clock_now_ms();
  *out = t;
  t = NULL;
done:
  free(c.custom_index);
  asr_template_free(t);
  return rc;
}

int asr_template_compile_cjson(const cJSON *root, const char *origin,
                               const asr_template_options_t *opt, asr_template_t **out,
                               asr_err_t *err) {
  *out = NULL;
  if (!root) return asr_err_set(err, ASR_EINVAL, "%s: no template", origin ? origin : "template");
  return compile_root(root, origin, opt, out, err);
}

/* ---- bare keys ---------------------------------------------------------------------------
 * mgeneratejs quotes unquoted keys before JSON.parse (bin/mgenerate.js parseTemplate: a key is
 * a run of characters other than , { whitespace ' " right after { or , and before :, outside
 * strings). The same here, into a copy; the keys' places are kept so that an error found in
 * the copy is reported at its byte in the text the user wrote. */
typedef struct bare_keys {
  char *text; /* the text with quotes added, or NULL when it needs none */
  size_t len;
  size_t *at;  /* per key: its start, then its end, in the user's text */
  size_t n;
} bare_keys_t;

static size_t bare_key_end(const char *json, size_t len, size_t i) {
  while (i < len && !strchr(",{}[]:\"' \t\r\n", json[i])) i++;
  return i;
}

/* Where the keys needing quotes start and end: n pairs into at (NULL: count only). */
static size_t find_bare_keys(const char *json, size_t len, size_t *at) {
  size_t n = 0;
  bool in_string = false;
  for (size_t i = 0; i < len; i++) {
    char ch = json[i];
    if (in_string) {
      if (ch == '\\') i++;
      else if (ch == '"') in_string = false;
      continue;
    }
    if (ch == '"') in_string = true;
    if (ch != '{' && ch != ',') continue;
    size_t j = i + 1;
    while (j < len && strchr(" \t\r\n", json[j]) && json[j]) j++;
    size_t k = bare_key_end(json, len, j), m = k;
    while (m < len && strchr(" \t\r\n", json[m]) && json[m]) m++;
    if (k == j || m >= len || json[m] != ':') continue;
    if (at) at[2 * n] = j, at[2 * n + 1] = k;
    n++;
    i = k - 1;
  }
  return n;
}

static int quote_bare_keys(const char *json, size_t len, bare_keys_t *b) {
  memset(b, 0, sizeof *b);
  size_t n = find_bare_keys(json, len, NULL);
  if (n == 0) return 0;
  b->at = malloc(sizeof *b->at * 2 * n);
  b->text = malloc(len + 2 * n + 1);
  if (!b->at || !b->text) return ASR_ENOMEM;
  b->n = find_bare_keys(json, len, b->at);
  size_t from = 0;
  for (size_t i = 0; i < b->n; i++) {
    size_t j = b->at[2 * i], k = b->at[2 * i + 1];
    memcpy(b->text + b->len, json + from, j - from);
    b->len += j - from;
    b->text[b->len++] = '"';
    memcpy(b->text + b->len, json + j, k - j);
    b->len += k - j;
    b->text[b->len++] = '"';
    from = k;
  }
  memcpy(b->text + b->len, json + from, len - from);
  b->len += len - from;
  b->text[b->len] = '\0';
  return 0;
}

/* The user's byte for byte `at` of the quoted copy. */
static size_t bare_keys_origin(const bare_keys_t *b, size_t at) {
  size_t shift = 0;
  for (size_t i = 0; i < b->n; i++) {
    size_t open = b->at[2 * i] + 2 * i, close = b->at[2 * i + 1] + 2 * i + 1;
    if (at <= open) break;
    if (at <= close) return at - (2 * i + 1) < b->at[2 * i] ? b->at[2 * i] : at - (2 * i + 1);
    shift = 2 * i + 2;
  }
  return at - shift;
}

static void bare_keys_free(bare_keys_t *b) {
  free(b->text);
  free(b->at);
}

int asr_template_compile(const char *json, size_t len, const char *origin,
                         const asr_template_options_t *opt, asr_template_t **out, asr_err_t *err) {
  int rc = 0;
  const char *end = NULL;
  if (!origin) origin = "template";
  *out = NULL;
  bare_keys_t bare;
  cJSON *root = NULL;
  if (quote_bare_keys(json, len, &bare)) {
    rc = asr_err_set(err, ASR_ENOMEM, "%s: out of memory reading the template", origin);
    goto done;
  }
  /* return_parse_end, not cJSON_GetErrorPtr: the latter is a global, racy across threads */
  const char *text = bare.text ? bare.text : json;
  size_t tlen = bare.text ? bare.len : len;
  root = cJSON_ParseWithLengthOpts(text, tlen, &end, 0);
  while (root && end && end < text + tlen && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
    end++;
  if (!root || (end && end < text + tlen)) {
    const char *at = end ? json + bare_keys_origin(&bare, (size_t)(end - text)) : NULL;
    rc = asr_json_error(origin, json, len, at, root ? "unexpected text after the template" : "malformed JSON", err);
    goto done;
  }
  if ((rc = asr_json_refuse_nul(origin, json, len, err))) goto done;
  rc = compile_root(root, origin, opt, out, err);
done:
  cJSON_Delete(root);
  bare_keys_free(&bare);
  return rc;
}

int asr_template_compile_file(const char *path, const asr_template_options_t *opt,
                              asr_template_t **out, asr_err_t *err) {
  char *text = NULL;
  size_t len = 0;
  *out = NULL;
  int rc = asr_read_file(path, "template", &text, &len, err);
  if (rc == 0) rc = asr_template_compile(text, len, path, opt, out, err);
  free(text);
  return rc;
}

void asr_template_set_now(asr_template_t *t, int64_t now_ms) { t->now_ms = now_ms; }

void asr_template_free(asr_template_t *t) {
  if (!t) return;
  for (struct asr_tpl_block *b = t->arena, *next; b; b = next) {
    next = b->next;
    free(b);
  }
  free(t);
}

int asr_template_parse_clock(const char *s, int64_t *out_ms) {
  char *end;
  long long ms = strtoll(s, &end, 10);
  if (*s && *end == '\0') {
    *out_ms = ms;
    return 0;
  }
  return asr_tpl_parse_date(s, strlen(s), out_ms);
}
