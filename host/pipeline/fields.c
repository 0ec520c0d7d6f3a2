/* Declarative field operations on BSON bytes (see fields.h).
 *
 * The spec is a tree of path components: a node per field an operation names, its parents
 * above it. A document is written level by level: each element is looked up among the
 * level's nodes; elements no operation names are copied in runs, whole; a named one is left
 * out, renamed, converted, replaced or walked into. What a level lacks (a set field, a copy's
 * or a moved field's value, a parent to create) is appended after its elements. Copies read
 * their sources first (gather), so a value may move anywhere in the document. */
#include "pipeline/fields.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bson/bson.h>

#include "core/doc_id.h"
#include "core/le.h"
#include "template/template.h"

#define MAX_DEPTH 100 /* path components, and levels written */

enum {
  BT_DOUBLE = 0x01, BT_STRING = 0x02, BT_DOC = 0x03, BT_OID = 0x07, BT_BOOL = 0x08,
  BT_DATE = 0x09, BT_NULL = 0x0A, BT_INT32 = 0x10, BT_INT64 = 0x12, BT_DECIMAL = 0x13,
  BT_UNDEFINED = 0x06
};

typedef struct node node_t;
struct node {
  char *name;
  uint32_t name_len, id;
  node_t **kids;
  uint32_t nkids;
  unsigned removed : 1;   /* dropped, or moved to another parent */
  unsigned dropped : 1;
  unsigned renamed : 1;   /* renamed in place (same parent): new_name */
  unsigned converted : 1; /* to */
  unsigned set : 1;       /* set_type / set_value */
  unsigned copy_dest : 1; /* written from the gathered value of copy `slot` */
  unsigned rename_dest : 1; /* a same-parent rename's new name: the input may not keep it */
  unsigned holds_targets : 1; /* some descendant is written: may have to be created */
  char *new_name;
  uint32_t new_len;
  asr_field_type_t to;
  uint8_t set_type;
  uint8_t *set_value;
  uint32_t set_len, slot;
  char *source_op; /* the drop or rename that removes this field, for messages */
  char *convert_op; /* the convert of this field (or of the field moved here) */
  char *target_op; /* the operation that writes it */
};

typedef struct copy {
  char *from;       /* dotted path in the input */
  node_t *src, *dest;
  int from_rename;  /* a move: the source's convert goes with it */
} copy_t;

struct asr_fields {
  node_t root;
  copy_t *copies;
  uint32_t ncopies, nops, nnodes;
};

typedef struct gathered {
  uint8_t type;
  const uint8_t *value;
  uint32_t len;
} gathered_t;

struct asr_fields_scratch {
  gathered_t *slots; /* one per copy */
  uint8_t *seen;     /* one per node, for the level being written */
};

static const struct {
  const char *name;
  asr_field_type_t type;
} type_names[] = {
    {"int32", ASR_FIELD_INT32},     {"int", ASR_FIELD_INT32},       {"int64", ASR_FIELD_INT64},
    {"long", ASR_FIELD_INT64},      {"double", ASR_FIELD_DOUBLE},   {"decimal", ASR_FIELD_DECIMAL},
    {"decimal128", ASR_FIELD_DECIMAL}, {"string", ASR_FIELD_STRING}, {"bool", ASR_FIELD_BOOL},
    {"boolean", ASR_FIELD_BOOL},    {"date", ASR_FIELD_DATE},       {"objectId", ASR_FIELD_OBJECTID},
};

static const char *const canonical_names[] = {"int32", "int64", "double", "decimal",
                                              "string", "bool", "date", "objectId"};

int asr_field_type_parse(const char *name, asr_field_type_t *out) {
  for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
    if (strcmp(name, type_names[i].name) == 0) return *out = type_names[i].type, 0;
  return -1;
}

/* ---- building ---------------------------------------------------------------------------- */

asr_fields_t *asr_fields_new(void) { return calloc(1, sizeof(asr_fields_t)); }

static void node_free(node_t *n) {
  for (uint32_t i = 0; i < n->nkids; i++) {
    node_free(n->kids[i]);
    free(n->kids[i]);
  }
  free(n->kids);
  free(n->name);
  free(n->new_name);
  free(n->set_value);
  free(n->source_op);
  free(n->convert_op);
  free(n->target_op);
}

void asr_fields_free(asr_fields_t *f) {
  if (!f) return;
  node_free(&f->root);
  for (uint32_t i = 0; i < f->ncopies; i++) free(f->copies[i].from);
  free(f->copies);
  free(f);
}

uint32_t asr_fields_count(const asr_fields_t *f) { return f->nops; }

static int check_path(const char *path, const char *op, asr_err_t *err) {
  size_t n = strlen(path), depth = 1;
  if (n == 0 || path[0] == '.' || path[n - 1] == '.' || strstr(path, ".."))
    return asr_err_set(err, ASR_EINVAL, "asrun.fields: %s: '%s' is not a field path (names "
                       "joined by '.', none empty)", op, path);
  for (const char *p = path; *p; p++) depth += *p == '.';
  if (depth > MAX_DEPTH)
    return asr_err_set(err, ASR_EINVAL, "asrun.fields: %s: '%s' is deeper than %d levels", op,
                       path, MAX_DEPTH);
  return 0;
}

static node_t *kid_of(node_t *parent, const char *name, size_t len, int create) {
  for (uint32_t i = 0; i < parent->nkids; i++)
    if (parent->kids[i]->name_len == len && memcmp(parent->kids[i]->name, name, len) == 0)
      return parent->kids[i];
  if (!create) return NULL;
  node_t **kids = realloc(parent->kids, (parent->nkids + 1) * sizeof *kids);
  if (!kids) return NULL;
  parent->kids = kids;
  node_t *k = calloc(1, sizeof *k);
  if (!k || !(k->name = strndup(name, len))) {
    free(k);
    return NULL;
  }
  k->name_len = (uint32_t)len;
  parent->kids[parent->nkids++] = k;
  return k;
}

/* The node of a dotted path, created with its parents; *parent gets its parent. */
static node_t *node_at(asr_fields_t *f, const char *path, node_t **parent) {
  node_t *n = &f->root;
  for (;;) {
    const char *dot = strchr(path, '.');
    size_t len = dot ? (size_t)(dot - path) : strlen(path);
    node_t *k = kid_of(n, path, len, 1);
    if (!k) return NULL;
    if (!dot) {
      if (parent) *parent = n;
      return k;
    }
    n = k;
    path = dot + 1;
  }
}

static int oom(asr_err_t *err) { return asr_err_set(err, ASR_ENOMEM, "out of memory"); }

static char *op_text(const char *fmt, const char *a, const char *b) {
  char *s = NULL;
  if (asprintf(&s, fmt, a, b) < 0) return NULL;
  return s;
}

static int clash(const char *a, const char *b, asr_err_t *err) {
  return asr_err_set(err, ASR_EINVAL, "asrun.fields: %s and %s name the same field", a, b);
}

/* The field becomes the source a drop or a rename removes: one such each, none when set. */
static int claim_source(node_t *n, char *op, asr_err_t *err) {
  if (!op) return oom(err);
  const char *other = n->source_op ? n->source_op : n->set ? n->target_op : NULL;
  if (!other && n->dropped) other = n->convert_op;
  if (other) {
    clash(other, op, err);
    free(op);
    return ASR_EINVAL;
  }
  n->source_op = op;
  return 0;
}

/* The field becomes an operation's target: one writer each. */
static int claim_target(node_t *n, char *op, asr_err_t *err) {
  if (!op) return oom(err);
  if (n->target_op) {
    asr_err_set(err, ASR_EINVAL, "asrun.fields: %s and %s both write field '%s'", n->target_op,
                op, n->name);
    free(op);
    return ASR_EINVAL;
  }
  n->target_op = op;
  return 0;
}

int asr_fields_drop(asr_fields_t *f, const char *path, asr_err_t *err) {
  int rc = check_path(path, "drop", err);
  node_t *n = rc ? NULL : node_at(f, path, NULL);
  if (rc) return rc;
  if (!n) return oom(err);
  if (n->convert_op) return clash(n->convert_op, "drop", err);
  if ((rc = claim_source(n, op_text("drop %s%s", path, ""), err))) return rc;
  n->removed = n->dropped = 1;
  f->nops++;
  return 0;
}

static int add_copy(asr_fields_t *f, const char *from, node_t *src, node_t *dest, int move,
                    asr_err_t *err) {
  copy_t *c = realloc(f->copies, (f->ncopies + 1) * sizeof *c);
  if (!c) return oom(err);
  f->copies = c;
  c = &f->copies[f->ncopies];
  if (!(c->from = strdup(from))) return oom(err);
  c->src = src;
  c->dest = dest;
  c->from_rename = move;
  dest->copy_dest = 1;
  dest->slot = f->ncopies++;
  return 0;
}

int asr_fields_rename(asr_fields_t *f, const char *from, const char *to, asr_err_t *err) {
  int rc = check_path(from, "rename", err);
  if (!rc) rc = check_path(to, "rename", err);
  if (rc) return rc;
  if (strcmp(from, to) == 0)
    return asr_err_set(err, ASR_EINVAL, "asrun.fields: rename %s -> %s: the same name", from, to);
  node_t *sp = NULL, *dp = NULL, *src = node_at(f, from, &sp), *dest = src ? node_at(f, to, &dp) : NULL;
  if (!dest) return oom(err);
  if ((rc = claim_source(src, op_text("rename %s -> %s", from, to), err))) return rc;
  if ((rc = claim_target(dest, op_text("rename %s -> %s", from, to), err))) return rc;
  f->nops++;
  if (sp == dp) { /* same parent: in place */
    src->renamed = 1;
    dest->rename_dest = 1;
    if (!(src->new_name = strdup(dest->name))) return oom(err);
    src->new_len = dest->name_len;
    return 0;
  }
  src->removed = 1; /* another parent: moved */
  return add_copy(f, from, src, dest, 1, err);
}

int asr_fields_copy(asr_fields_t *f, const char *from, const char *to, asr_err_t *err) {
  int rc = check_path(from, "copy", err);
  if (!rc) rc = check_path(to, "copy", err);
  if (rc) return rc;
  if (strcmp(from, to) == 0)
    return asr_err_set(err, ASR_EINVAL, "asrun.fields: copy %s -> %s: the same name", from, to);
  node_t *dest = node_at(f, to, NULL);
  if (!dest) return oom(err);
  if ((rc = claim_target(dest, op_text("copy %s -> %s", from, to), err))) return rc;
  f->nops++;
  return add_copy(f, from, NULL, dest, 0, err);
}

int asr_fields_set(asr_fields_t *f, const char *path, uint8_t type, const uint8_t *value,
                   uint32_t len, asr_err_t *err) {
  int rc = check_path(path, "set", err);
  node_t *n = rc ? NULL : node_at(f, path, NULL);
  if (rc) return rc;
  if (!n) return oom(err);
  if (n->source_op || n->convert_op)
    return asr_err_set(err, ASR_EINVAL, "asrun.fields: %s and set %s name the same field",
                       n->source_op ? n->source_op : n->convert_op, path);
  if ((rc = claim_target(n, op_text("set %s%s", path, ""), err))) return rc;
  if (!(n->set_value = malloc(len ? len : 1))) return oom(err);
  memcpy(n->set_value, value, len);
  n->set_len = len;
  n->set_type = type;
  n->set = 1;
  f->nops++;
  return 0;
}

int asr_fields_convert(asr_fields_t *f, const char *path, asr_field_type_t to, asr_err_t *err) {
  int rc = check_path(path, "convert", err);
  node_t *n = rc ? NULL : node_at(f, path, NULL);
  if (rc) return rc;
  if (!n) return oom(err);
  if (n->set || n->converted || n->dropped)
    return asr_err_set(err, ASR_EINVAL, "asrun.fields: %s and convert %s name the same field",
                       n->set ? n->target_op : n->converted ? n->convert_op : n->source_op, path);
  if (!(n->convert_op = op_text("convert %s to %s", path, canonical_names[to]))) return oom(err);
  n->converted = 1;
  n->to = to;
  f->nops++;
  return 0;
}

/* Marks the parents of written fields, numbers the nodes, refuses a written field with
 * written fields inside it (set a = 1 with set a.b = 2). */
static int finish_node(asr_fields_t *f, node_t *n, const char *path, asr_err_t *err) {
  n->id = f->nnodes++;
  for (uint32_t i = 0; i < n->nkids; i++) {
    node_t *k = n->kids[i];
    char sub[1024];
    snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", k->name);
    int rc = finish_node(f, k, sub, err);
    if (rc) return rc;
    if (k->target_op || k->holds_targets) {
      if (n->target_op)
        return asr_err_set(err, ASR_EINVAL, "asrun.fields: %s writes '%s', and %s writes a "
                           "field inside it", n->target_op, path, k->target_op ? k->target_op
                                                                          : "another operation");
      n->holds_targets = 1;
    }
  }
  return 0;
}

int asr_fields_finish(asr_fields_t *f, asr_err_t *err) {
  for (uint32_t i = 0; i < f->ncopies; i++) { /* a moved field takes its convert along */
    copy_t *c = &f->copies[i];
    if (c->from_rename && c->src->converted) {
      c->dest->converted = 1;
      c->dest->to = c->src->to;
      free(c->dest->convert_op);
      if (!(c->dest->convert_op = strdup(c->src->convert_op))) return oom(err);
    }
  }
  f->nnodes = 0;
  return finish_node(f, &f->root, "", err);
}

asr_fields_scratch_t *asr_fields_scratch_new(const asr_fields_t *f) {
  asr_fields_scratch_t *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->slots = calloc(f->ncopies ? f->ncopies : 1, sizeof *s->slots);
  s->seen = calloc(f->nnodes ? f->nnodes : 1, 1);
  if (!s->slots || !s->seen) {
    asr_fields_scratch_free(s);
    return NULL;
  }
  return s;
}

void asr_fields_scratch_free(asr_fields_scratch_t *s) {
  if (!s) return;
  free(s->slots);
  free(s->seen);
  free(s);
}

/* ---- walking BSON ---------------------------------------------------------------------- */

typedef struct elem {
  uint8_t type;
  const uint8_t *start, *key, *value, *end; /* the element is [start, end) */
  uint32_t key_len, value_len;
} elem_t;

/* The element at *p before end (the document's final NUL). 1, 0 at the end, -1 malformed. */
static int next_elem(const uint8_t **p, const uint8_t *end, elem_t *e) {
  if (*p >= end) return 0;
  e->start = *p;
  e->type = **p;
  e->key = *p + 1;
  const uint8_t *z = memchr(e->key, 0, (size_t)(end - e->key));
  if (!z) return -1;
  e->key_len = (uint32_t)(z - e->key);
  e->value = z + 1;
  int64_t n = asr_bson_value_size(e->type, e->value, (size_t)(end - e->value));
  if (n < 0 || n > end - e->value) return -1;
  if ((e->type == BT_DOC || e->type == 0x04) && n < 5) return -1;
  e->value_len = (uint32_t)n;
  e->end = e->value + n;
  *p = e->end;
  return 1;
}

typedef struct ctx {
  const asr_fields_t *f;
  asr_fields_scratch_t *s;
  asr_buf_t *out;
  asr_err_t *err;
} ctx_t;

static int malformed(ctx_t *c) {
  return asr_err_set(c->err, ASR_EDATA, "asrun.fields: the document is not well-formed BSON");
}

/* Finds a dotted path in doc: the value's type, bytes and length. */
static int find_path(const uint8_t *doc, uint32_t len, const char *path, gathered_t *g) {
  for (;;) {
    const char *dot = strchr(path, '.');
    size_t n = dot ? (size_t)(dot - path) : strlen(path);
    const uint8_t *p = doc + 4, *end = doc + len - 1;
    elem_t e;
    int r, found = 0;
    while ((r = next_elem(&p, end, &e)) == 1)
      if (e.key_len == n && memcmp(e.key, path, n) == 0) {
        found = 1;
        break;
      }
    if (r < 0) return -1;
    if (!found) return 0;
    if (!dot) {
      *g = (gathered_t){e.type, e.value, e.value_len};
      return 1;
    }
    if (e.type != BT_DOC) return 0;
    doc = e.value;
    len = e.value_len;
    path = dot + 1;
  }
}

static int put(ctx_t *c, const void *p, size_t n) {
  if (asr_buf_append(c->out, p, n)) return oom(c->err);
  return 0;
}

/* Starts an element: type, key, NUL. */
static int put_head(ctx_t *c, uint8_t type, const char *key, size_t len) {
  if (asr_buf_reserve(c->out, len + 2)) return oom(c->err);
  asr_buf_putc(c->out, (char)type);
  asr_buf_put(c->out, key, len);
  asr_buf_putc(c->out, 0);
  return 0;
}

/* ---- converting ------------------------------------------------------------------------ */

static const char *type_name(uint8_t t) {
  switch (t) {
  case BT_DOUBLE: return "a double";
  case BT_STRING: return "a string";
  case BT_DOC: return "a document";
  case 0x04: return "an array";
  case 0x05: return "binary data";
  case BT_OID: return "an ObjectId";
  case BT_BOOL: return "a boolean";
  case BT_DATE: return "a date";
  case BT_INT32: return "an int32";
  case BT_INT64: return "an int64";
  case BT_DECIMAL: return "a decimal128";
  case 0x11: return "a timestamp";
  case 0x0B: return "a regular expression";
  default: return "a value of another BSON type";
  }
}

static int32_t rd32(const uint8_t *p) { return (int32_t)asr_le32(p); }
static int64_t rd64(const uint8_t *p) { return (int64_t)asr_le64(p); }
static double rdd(const uint8_t *p) {
  uint64_t bits = asr_le64(p);
  double v;
  memcpy(&v, &bits, 8);
  return v;
}

/* The shortest of %.15g/%.16g/%.17g that reads back to d. */
static void format_double(double d, char *buf, size_t cap) {
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, cap, "%.*g", prec, d);
    if (strtod(buf, NULL) == d) return;
  }
}

/* A string value's text, NUL-terminated in buf (cut to fit); 0 when it holds a NUL. */
static int string_text(const uint8_t *v, char *buf, size_t cap) {
  int32_t n = rd32(v) - 1;
  if (n < 0 || memchr(v + 4, 0, (size_t)n)) return 0;
  size_t take = (size_t)n < cap - 1 ? (size_t)n : cap - 1;
  memcpy(buf, v + 4, take);
  buf[take] = '\0';
  return (size_t)n < cap;
}

/* The value as people read it, for messages. */
static void describe(uint8_t type, const uint8_t *v, char *buf, size_t cap) {
  char text[48];
  switch (type) {
  case BT_STRING:
    string_text(v, text, sizeof text);
    snprintf(buf, cap, "\"%s%s\"", text, rd32(v) - 1 > (int32_t)sizeof text - 1 ? "..." : "");
    return;
  case BT_INT32: snprintf(buf, cap, "%" PRId32, rd32(v)); return;
  case BT_INT64: snprintf(buf, cap, "%" PRId64, rd64(v)); return;
  case BT_DOUBLE: format_double(rdd(v), buf, cap); return;
  default: snprintf(buf, cap, "%s", type_name(type)); return;
  }
}

typedef struct conv {
  uint8_t type;
  uint8_t bytes[24]; /* fixed-size results */
  uint32_t len;
  const uint8_t *ref; /* or a reference to the input bytes (the value unchanged) */
  char text[64];      /* string results */
  int is_text;
} conv_t;

static int fail(ctx_t *c, const char *op, uint8_t type, const uint8_t *v, const char *why) {
  char shown[96];
  describe(type, v, shown, sizeof shown);
  return asr_err_set(c->err, ASR_EDATA, "asrun.fields: %s: %s %s", op, shown, why);
}

/* An integer from a value: 1 with *out, 0 when it is no whole number, -1 for another type. */
static int whole_number(uint8_t type, const uint8_t *v, int64_t *out) {
  char text[64], *end;
  switch (type) {
  case BT_INT32: *out = rd32(v); return 1;
  case BT_INT64: case BT_DATE: *out = rd64(v); return 1;
  case BT_BOOL: *out = v[0] != 0; return 1;
  case BT_DOUBLE: {
    double d = rdd(v);
    if (!(d == floor(d)) || d < -9223372036854775808.0 || d >= 9223372036854775808.0) return 0;
    *out = (int64_t)d;
    return 1;
  }
  case BT_STRING:
    if (!string_text(v, text, sizeof text) || !text[0]) return 0;
    errno = 0;
    long long n = strtoll(text, &end, 10);
    if (*end || errno || text[0] == ' ') return 0;
    *out = n;
    return 1;
  case BT_DECIMAL: {
    bson_decimal128_t d;
    memcpy(&d.low, v, 8);
    memcpy(&d.high, v + 8, 8);
    bson_decimal128_to_string(&d, text);
    errno = 0;
    long long n = strtoll(text, &end, 10);
    if (*end || errno) return 0;
    *out = n;
    return 1;
  }
  default: return -1;
  }
}

static int to_int(ctx_t *c, const char *op, uint8_t type, const uint8_t *v, int wide, conv_t *r) {
  int64_t n;
  int k = whole_number(type, v, &n);
  if (k < 0) return fail(c, op, type, v, "cannot be converted");
  if (k == 0) return fail(c, op, type, v, "is not a whole number");
  if (!wide && (n < INT32_MIN || n > INT32_MAX)) return fail(c, op, type, v, "does not fit in int32");
  r->type = wide ? BT_INT64 : BT_INT32;
  r->len = wide ? 8 : 4;
  if (wide) memcpy(r->bytes, &n, 8);
  else {
    int32_t m = (int32_t)n;
    memcpy(r->bytes, &m, 4);
  }
  return 0;
}

static int to_double(ctx_t *c, const char *op, uint8_t type, const uint8_t *v, conv_t *r) {
  double d;
  char text[64], *end;
  switch (type) {
  case BT_DOUBLE: d = rdd(v); break;
  case BT_INT32: d = rd32(v); break;
  case BT_INT64: case BT_DATE: d = (double)rd64(v); break;
  case BT_BOOL: d = v[0] != 0; break;
  case BT_STRING:
  case BT_DECIMAL:
    if (type == BT_STRING && !string_text(v, text, sizeof text)) return fail(c, op, type, v, "is not a number");
    if (type == BT_DECIMAL) {
      bson_decimal128_t dec;
      memcpy(&dec.low, v, 8);
      memcpy(&dec.high, v + 8, 8);
      bson_decimal128_to_string(&dec, text);
    }
    d = strtod(text, &end);
    if (!text[0] || *end || isspace((unsigned char)text[0]))
      return fail(c, op, type, v, "is not a number");
    break;
  default: return fail(c, op, type, v, "cannot be converted");
  }
  r->type = BT_DOUBLE;
  r->len = 8;
  memcpy(r->bytes, &d, 8);
  return 0;
}

static void iso_date(int64_t ms, char *buf, size_t cap) {
  time_t secs = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  int frac = (int)(ms - (int64_t)secs * 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

static int to_string(ctx_t *c, const char *op, uint8_t type, const uint8_t *v, conv_t *r) {
  r->is_text = 1;
  r->type = BT_STRING;
  switch (type) {
  case BT_INT32: snprintf(r->text, sizeof r->text, "%" PRId32, rd32(v)); break;
  case BT_INT64: snprintf(r->text, sizeof r->text, "%" PRId64, rd64(v)); break;
  case BT_DOUBLE: format_double(rdd(v), r->text, sizeof r->text); break;
  case BT_BOOL: snprintf(r->text, sizeof r->text, "%s", v[0] ? "true" : "false"); break;
  case BT_DATE: iso_date(rd64(v), r->text, sizeof r->text); break;
  case BT_OID: {
    bson_oid_t oid;
    memcpy(oid.bytes, v, 12);
    bson_oid_to_string(&oid, r->text);
    break;
  }
  case BT_DECIMAL: {
    bson_decimal128_t d;
    memcpy(&d.low, v, 8);
    memcpy(&d.high, v + 8, 8);
    bson_decimal128_to_string(&d, r->text);
    break;
  }
  default: return fail(c, op, type, v, "cannot be converted");
  }
  return 0;
}

static int to_bool(ctx_t *c, const char *op, uint8_t type, const uint8_t *v, conv_t *r) {
  int b;
  char text[16];
  int64_t n;
  if (type == BT_STRING) {
    if (!string_text(v, text, sizeof text)) return fail(c, op, type, v, "is not true, false, 1 or 0");
    if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0) b = 1;
    else if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0) b = 0;
    else return fail(c, op, type, v, "is not true, false, 1 or 0");
  } else if (type == BT_DOUBLE) {
    b = rdd(v) != 0;
  } else if (type != BT_DATE && whole_number(type, v, &n) == 1) {
    b = n != 0;
  } else {
    return fail(c, op, type, v, "cannot be converted");
  }
  r->type = BT_BOOL;
  r->len = 1;
  r->bytes[0] = (uint8_t)b;
  return 0;
}

static int to_date(ctx_t *c, const char *op, uint8_t type, const uint8_t *v, conv_t *r) {
  int64_t ms;
  char text[64];
  if (type == BT_STRING) {
    if (!string_text(v, text, sizeof text) || asr_template_parse_clock(text, &ms) != 0)
      return fail(c, op, type, v, "is not an ISO-8601 date or milliseconds since the epoch");
  } else if (type == BT_OID) {
    ms = (int64_t)(((uint32_t)v[0] << 24) | ((uint32_t)v[1] << 16) | ((uint32_t)v[2] << 8) | v[3]) *
         1000;
  } else if (type == BT_INT32 || type == BT_INT64 || type == BT_DATE || type == BT_DOUBLE) {
    if (whole_number(type, v, &ms) != 1) return fail(c, op, type, v, "is not a whole number of milliseconds");
  } else {
    return fail(c, op, type, v, "cannot be converted");
  }
  r->type = BT_DATE;
  r->len = 8;
  memcpy(r->bytes, &ms, 8);
  return 0;
}

static int to_decimal(ctx_t *c, const char *op, uint8_t type, const uint8_t *v, conv_t *r) {
  char text[64];
  switch (type) {
  case BT_INT32: snprintf(text, sizeof text, "%" PRId32, rd32(v)); break;
  case BT_INT64: snprintf(text, sizeof text, "%" PRId64, rd64(v)); break;
  case BT_DOUBLE: format_double(rdd(v), text, sizeof text); break;
  case BT_STRING:
    if (!string_text(v, text, sizeof text)) return fail(c, op, type, v, "is not a decimal number");
    break;
  default: return fail(c, op, type, v, "cannot be converted");
  }
  bson_decimal128_t d;
  if (!bson_decimal128_from_string(text, &d) || (type == BT_STRING && strcasecmp(text, "nan") != 0 &&
                                                  d.high == 0x7c00000000000000ull))
    return fail(c, op, type, v, "is not a decimal number");
  r->type = BT_DECIMAL;
  r->len = 16;
  memcpy(r->bytes, &d.low, 8);
  memcpy(r->bytes + 8, &d.high, 8);
  return 0;
}

static int to_oid(ctx_t *c, const char *op, uint8_t type, const uint8_t *v, conv_t *r) {
  char text[32];
  if (type != BT_STRING) return fail(c, op, type, v, "cannot be converted");
  if (!string_text(v, text, sizeof text) || strlen(text) != 24 || !bson_oid_is_valid(text, 24))
    return fail(c, op, type, v, "is not 24 hexadecimal digits");
  bson_oid_t oid;
  bson_oid_init_from_string(&oid, text);
  r->type = BT_OID;
  r->len = 12;
  memcpy(r->bytes, oid.bytes, 12);
  return 0;
}

/* The converted value of (type, v) in r (r->ref: unchanged). */
static int convert(ctx_t *c, const node_t *n, uint8_t type, const uint8_t *v, uint32_t len,
                   conv_t *r) {
  static const uint8_t same_type[] = {BT_INT32, BT_INT64, BT_DOUBLE, BT_DECIMAL,
                                      BT_STRING, BT_BOOL, BT_DATE,  BT_OID};
  r->is_text = 0;
  r->ref = NULL;
  if (type == same_type[n->to] || type == BT_NULL || type == BT_UNDEFINED) {
    r->type = type;
    r->ref = v;
    r->len = len;
    return 0;
  }
  const char *op = n->convert_op;
  switch (n->to) {
  case ASR_FIELD_INT32: return to_int(c, op, type, v, 0, r);
  case ASR_FIELD_INT64: return to_int(c, op, type, v, 1, r);
  case ASR_FIELD_DOUBLE: return to_double(c, op, type, v, r);
  case ASR_FIELD_DECIMAL: return to_decimal(c, op, type, v, r);
  case ASR_FIELD_STRING: return to_string(c, op, type, v, r);
  case ASR_FIELD_BOOL: return to_bool(c, op, type, v, r);
  case ASR_FIELD_DATE: return to_date(c, op, type, v, r);
  case ASR_FIELD_OBJECTID: return to_oid(c, op, type, v, r);
  }
  return fail(c, op, type, v, "cannot be converted");
}

/* Writes an element: key, then (type, value) converted when the node says so. */
static int put_value(ctx_t *c, const node_t *n, const char *key, size_t key_len, uint8_t type,
                     const uint8_t *v, uint32_t len) {
  if (!n->converted) {
    int rc = put_head(c, type, key, key_len);
    return rc ? rc : put(c, v, len);
  }
  conv_t r;
  int rc = convert(c, n, type, v, len, &r);
  if (rc) return rc;
  if ((rc = put_head(c, r.type, key, key_len))) return rc;
  if (r.ref) return put(c, r.ref, r.len);
  if (!r.is_text) return put(c, r.bytes, r.len);
  int32_t slen = (int32_t)strlen(r.text) + 1;
  if ((rc = put(c, &slen, 4))) return rc;
  return put(c, r.text, (size_t)slen);
}

/* ---- writing ------------------------------------------------------------------------------ */

static const node_t *lookup(const node_t *level, const uint8_t *key, uint32_t len) {
  for (uint32_t i = 0; i < level->nkids; i++) {
    const node_t *k = level->kids[i];
    if (k->name_len == len && memcmp(k->name, key, len) == 0) return k;
  }
  return NULL;
}

static int write_level(ctx_t *c, const node_t *level, const uint8_t *doc, uint32_t len,
                       int depth);

/* An element of the input that an operation names. *taken: k's own name is written (so
 * write_missing leaves it alone); a removed or renamed field leaves it free. */
static int write_named(ctx_t *c, const node_t *k, const elem_t *e, int depth, uint8_t *taken) {
  *taken = !k->removed && !k->renamed;
  if (k->removed) return 0;
  if ((k->copy_dest || k->rename_dest) && !k->renamed)
    return asr_err_set(c->err, ASR_EDATA, "asrun.fields: %s: the document has a field '%s' "
                       "already", k->target_op, k->name);
  if (k->set) {
    int rc = put_head(c, k->set_type, k->name, k->name_len);
    return rc ? rc : put(c, k->set_value, k->set_len);
  }
  const char *key = k->renamed ? k->new_name : k->name;
  size_t key_len = k->renamed ? k->new_len : k->name_len;
  if (k->nkids && e->type == BT_DOC) {
    int rc = put_head(c, BT_DOC, key, key_len);
    return rc ? rc : write_level(c, k, e->value, e->value_len, depth + 1);
  }
  if (k->holds_targets)
    return asr_err_set(c->err, ASR_EDATA, "asrun.fields: cannot write inside '%s': it is %s, "
                       "not a document", k->name, type_name(e->type));
  return put_value(c, k, key, key_len, e->type, e->value, e->value_len);
}

/* What the level lacks: set fields, copied and moved values, parents to create. */
static int write_missing(ctx_t *c, const node_t *level, int depth) {
  for (uint32_t i = 0; i < level->nkids; i++) {
    const node_t *k = level->kids[i];
    int rc = 0;
    if (c->s->seen[k->id]) continue;
    if (k->set) {
      if (!(rc = put_head(c, k->set_type, k->name, k->name_len)))
        rc = put(c, k->set_value, k->set_len);
    } else if (k->copy_dest) {
      const gathered_t *g = &c->s->slots[k->slot];
      if (g->value) rc = put_value(c, k, k->name, k->name_len, g->type, g->value, g->len);
    } else if (k->holds_targets) {
      size_t at = c->out->len;
      if (!(rc = put_head(c, BT_DOC, k->name, k->name_len)))
        rc = write_level(c, k, NULL, 0, depth + 1);
      if (rc == 0 && c->out->len - at == k->name_len + 2 + 5) c->out->len = at; /* empty */
    }
    if (rc) return rc;
  }
  return 0;
}

static int write_level(ctx_t *c, const node_t *level, const uint8_t *doc, uint32_t len,
                       int depth) {
  if (depth > MAX_DEPTH)
    return asr_err_set(c->err, ASR_EDATA, "asrun.fields: documents nest deeper than %d levels",
                       MAX_DEPTH);
  size_t start = c->out->len;
  int rc = put(c, "\0\0\0\0", 4);
  if (rc) return rc;
  for (uint32_t i = 0; i < level->nkids; i++) c->s->seen[level->kids[i]->id] = 0;
  if (doc) {
    const uint8_t *p = doc + 4, *end = doc + len - 1, *run = p;
    elem_t e;
    int r;
    while ((r = next_elem(&p, end, &e)) == 1) {
      const node_t *k = lookup(level, e.key, e.key_len);
      if (!k) continue;
      if ((rc = put(c, run, (size_t)(e.start - run)))) return rc;
      run = e.end;
      if ((rc = write_named(c, k, &e, depth, &c->s->seen[k->id]))) return rc;
    }
    if (r < 0) return malformed(c);
    if ((rc = put(c, run, (size_t)(end - run)))) return rc;
  }
  if ((rc = write_missing(c, level, depth))) return rc;
  if ((rc = put(c, "", 1))) return rc;
  uint32_t n = (uint32_t)(c->out->len - start);
  memcpy(c->out->data + start, &n, 4);
  return 0;
}

int asr_fields_apply(const asr_fields_t *f, asr_fields_scratch_t *s, const uint8_t *doc,
                     uint32_t len, asr_buf_t *out, asr_err_t *err) {
  ctx_t c = {f, s, out, err};
  size_t at = out->len;
  if (len < 5 || doc[len - 1] != 0) return malformed(&c);
  for (uint32_t i = 0; i < f->ncopies; i++) {
    s->slots[i].value = NULL;
    if (find_path(doc, len, f->copies[i].from, &s->slots[i]) < 0) return malformed(&c);
  }
  int rc = write_level(&c, &f->root, doc, len, 0);
  if (rc == 0 && out->len - at > BSON_MAX_SIZE)
    rc = asr_err_set(err, ASR_EDATA, "asrun.fields: the document would be %zu bytes, over "
                     "BSON's limit", out->len - at);
  if (rc) out->len = at;
  return rc;
}
