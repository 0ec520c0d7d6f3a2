/* $ref {collection, field, distribution...}: a value that exists in another generated
 * collection. Document j of the referenced collection is picked (uniformly over 0..count-1, or
 * with a distribution, rank 1 = document 0) and the field is regenerated from (its seed, j):
 * nothing is stored. Only the top-level fields up to the one named are generated, and those
 * before it are skipped when they draw nothing from the RNG (literals, constant $inc, ...);
 * the others must run so that the RNG reaches the named field in the same state.
 * Referenced templates are compiled before the templates naming them, so references cannot
 * form a cycle; chains are limited to ASR_TPL_REF_DEPTH templates (each level keeps a
 * generation state on the stack).
 * The fields regenerated along the way go into one reusable document per thread and depth
 * (freed when the thread exits), so there is no allocation per document. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template/node.h"

typedef struct ref {
  const asr_template_t *tpl;
  uint64_t count, seed;
  uint32_t field;     /* index of the top-level field in tpl->root */
  const char *rest;   /* the dotted path below that field, or NULL */
  const bool *skip;   /* per field before it: draws nothing, need not be generated */
  const asr_tpl_dist_t *dist;
} ref_t;

/* ---- compile ---------------------------------------------------------------------------- */

static const char *const QUIET_OPS[] = {"inc", "partition", "now", "missing"};

/* True when generating n draws nothing from the RNG and touches no counter other nodes read. */
static bool draws_nothing(const asr_tpl_node_t *n, const asr_template_t *t) {
  if (n->literal) return true;
  if (n->gen == asr_tpl_gen_object || n->gen == asr_tpl_gen_array) {
    for (uint32_t i = 0; i < n->nkids; i++)
      if (!draws_nothing(n->kids[i], t)) return false;
    return true;
  }
  if (!n->op || n->gen != n->op->gen) return false; /* wrapped (nullPercentage, ...) */
  for (int i = 0; i < ASR_TPL_MAX_PARAMS; i++)
    if (n->p[i].node) return false;
  if (strcmp(n->op->name, "objectid") == 0 || strcmp(n->op->name, "oid") == 0)
    return t->oid_nodes <= ASR_TPL_OID_SLOTS; /* its own occurrence counter only */
  for (size_t i = 0; i < sizeof QUIET_OPS / sizeof QUIET_OPS[0]; i++)
    if (strcmp(n->op->name, QUIET_OPS[i]) == 0) return true;
  return false;
}

static int const_string(asr_tpl_cc_t *c, const cJSON *opts, const char *name, const char **out) {
  const cJSON *v = opts ? cJSON_GetObjectItemCaseSensitive(opts, name) : NULL;
  if (!v) return asr_tpl_fail(c, "option %s is required", name);
  if (!cJSON_IsString(v) || !v->valuestring[0]) return asr_tpl_fail(c, "option %s must be a non-empty string", name);
  *out = v->valuestring;
  return 0;
}

static const asr_template_ref_t *find_collection(asr_tpl_cc_t *c, const char *name) {
  for (size_t i = 0; i < c->opt->nrefs; i++)
    if (c->opt->refs[i].name && strcmp(c->opt->refs[i].name, name) == 0) return &c->opt->refs[i];
  return NULL;
}

/* "a, b, c" from the names of refs or of the fields of object node n (for messages). */
static void list_names(char *buf, size_t cap, const asr_tpl_cc_t *c, const asr_tpl_node_t *n) {
  size_t used = 0, count = n ? n->nkids : c->opt->nrefs;
  buf[0] = '\0';
  for (size_t i = 0; i < count && used < cap; i++) {
    const char *name = n ? n->keys[i] : c->opt->refs[i].name;
    int w = snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", name ? name : "?");
    used += w > 0 ? (size_t)w : 0;
  }
}

/* Checks the dotted path below the top-level field as far as the template shows it (through
 * objects; an operator's output is only known at run time). */
static int check_rest(asr_tpl_cc_t *c, const asr_tpl_node_t *n, const char *rest, const char *coll) {
  while (rest && n && n->gen == asr_tpl_gen_object && n->keys) {
    size_t len = strcspn(rest, ".");
    const asr_tpl_node_t *next = NULL;
    for (uint32_t i = 0; i < n->nkids && !next; i++)
      if ((size_t)n->keylens[i] == len && memcmp(n->keys[i], rest, len) == 0) next = n->kids[i];
    if (!next) {
      char names[256];
      list_names(names, sizeof names, c, n);
      return asr_tpl_fail(c, "collection %s has no field %.*s there (fields: %s)", coll, (int)len, rest, names);
    }
    n = next;
    rest = rest[len] ? rest + len + 1 : NULL;
  }
  return 0;
}

/* The referenced collection named coll, checked usable. */
static int lookup(asr_tpl_cc_t *c, const char *coll, const asr_template_ref_t **out) {
  char names[256];
  const asr_template_ref_t *r = *out = find_collection(c, coll);
  list_names(names, sizeof names, c, NULL);
  if (!r && !c->opt->nrefs) return asr_tpl_fail(c, "unknown collection %s (no collections to reference)", coll);
  if (!r) return asr_tpl_fail(c, "unknown collection %s (known: %s)", coll, names);
  if (!r->tpl) return asr_tpl_fail(c, "collection %s has no compiled template", coll);
  if (r->count == 0 || r->count > INT64_MAX)
    return asr_tpl_fail(c, "collection %s must have between 1 and 2^63-1 documents, has %llu", coll,
                        (unsigned long long)r->count);
  if (r->tpl->ref_depth + 1 > ASR_TPL_REF_DEPTH)
    return asr_tpl_fail(c, "references chain through more than %d templates", ASR_TPL_REF_DEPTH);
  return 0;
}

/* Splits the dotted field into its top-level field (ref->field) and the rest, and marks the
 * fields before it that regeneration may skip. */
static int resolve(asr_tpl_cc_t *c, const char *coll, const char *field, ref_t *ref) {
  const asr_tpl_node_t *root = ref->tpl->root;
  size_t toplen = strcspn(field, ".");
  bool *skip = asr_tpl_alloc(c, sizeof *skip * (root->nkids + 1));
  char *rest = skip ? asr_tpl_alloc(c, strlen(field) + 1) : NULL;
  if (!rest) return ASR_ENOMEM;
  uint32_t k = 0;
  while (k < root->nkids && !((size_t)root->keylens[k] == toplen && memcmp(root->keys[k], field, toplen) == 0)) k++;
  if (k == root->nkids) {
    char names[256];
    list_names(names, sizeof names, c, root);
    return asr_tpl_fail(c, "collection %s has no field %.*s (fields: %s)", coll, (int)toplen, field, names);
  }
  strcpy(rest, field[toplen] ? field + toplen + 1 : "");
  int rc = check_rest(c, root->kids[k], rest[0] ? rest : NULL, coll);
  for (uint32_t i = 0; i < k; i++) skip[i] = draws_nothing(root->kids[i], ref->tpl);
  ref->field = k;
  ref->rest = rest[0] ? rest : NULL;
  ref->skip = skip;
  return rc;
}

int asr_tpl_compile_ref(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  const char *coll = NULL, *field = NULL;
  const asr_template_ref_t *r = NULL;
  int rc = const_string(c, opts, "collection", &coll);
  if (rc == 0) rc = const_string(c, opts, "field", &field);
  if (rc == 0) rc = lookup(c, coll, &r);
  ref_t *ref = rc ? NULL : asr_tpl_alloc(c, sizeof *ref);
  if (rc || !ref) return rc ? rc : ASR_ENOMEM;
  *ref = (ref_t){.tpl = r->tpl, .count = r->count, .seed = r->seed, .dist = c->x.dist};
  n->aux = ref;
  if ((rc = resolve(c, coll, field, ref))) return rc;
  if (c->x.dist)
    rc = asr_tpl_dist_prepare(c, (asr_tpl_dist_t *)c->x.dist, 0, (double)(r->count - 1), true, true);
  if (c->t->ref_depth < r->tpl->ref_depth + 1) c->t->ref_depth = r->tpl->ref_depth + 1;
  if (r->tpl->custom_nodes) { /* regenerating calls them: generation needs the hooks */
    c->t->custom_nodes += r->tpl->custom_nodes;
    if (!c->t->custom_first) c->t->custom_first = r->tpl->custom_first;
  }
  return rc;
}

/* ---- generate ----------------------------------------------------------------------------- */

typedef struct scratch {
  bson_t *doc[ASR_TPL_REF_DEPTH];
} scratch_t;

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static int scratch_key_rc;

static void scratch_free(void *p) {
  scratch_t *s = p;
  for (int i = 0; i < ASR_TPL_REF_DEPTH; i++)
    if (s->doc[i]) bson_destroy(s->doc[i]);
  free(s);
}

static void scratch_init(void) { scratch_key_rc = pthread_key_create(&scratch_key, scratch_free); }

/* This thread's reusable document for depth, emptied; NULL when out of memory. */
static bson_t *scratch_doc(int depth) {
  pthread_once(&scratch_once, scratch_init);
  if (scratch_key_rc) return NULL;
  scratch_t *s = pthread_getspecific(scratch_key);
  if (!s) {
    if (!(s = calloc(1, sizeof *s))) return NULL;
    if (pthread_setspecific(scratch_key, s)) {
      free(s);
      return NULL;
    }
  }
  if (!s->doc[depth]) s->doc[depth] = bson_new();
  else bson_reinit(s->doc[depth]);
  return s->doc[depth];
}

int asr_tpl_gen_ref(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                    int keylen) {
  const ref_t *r = n->aux;
  uint64_t j = r->dist ? (uint64_t)asr_tpl_dist_int(r->dist, &g->rng, 0, (int64_t)(r->count - 1), true)
                       : asr_rng_below(&g->rng, r->count);
  bson_t *doc = scratch_doc(g->depth);
  if (!doc) return asr_tpl_gen_fail(g, n, ASR_ENOMEM, "out of memory");
  asr_tpl_gen_t sub; /* document j of the referenced collection */
  asr_tpl_gen_init(&sub, r->tpl, g->ext, r->seed, j, g->err);
  sub.depth = g->depth + 1;
  const asr_tpl_node_t *root = r->tpl->root;
  int rc = 0;
  for (uint32_t i = 0; i <= r->field && rc == 0; i++) {
    if (i < r->field && r->skip[i]) continue;
    bson_reinit(doc);
    rc = asr_tpl_gen_kid(root->kids[i], &sub, doc, root->keys[i], root->keylens[i]);
  }
  if (rc) return rc;
  bson_iter_t it, below, found;
  if (!bson_iter_init(&it, doc) || !bson_iter_next(&it)) return 0; /* $missing there too */
  if (r->rest) {
    if (!(BSON_ITER_HOLDS_DOCUMENT(&it) || BSON_ITER_HOLDS_ARRAY(&it)) || !bson_iter_recurse(&it, &below) ||
        !bson_iter_find_descendant(&below, r->rest, &found))
      return 0;
    it = found;
  }
  return asr_tpl_ok(bson_append_iter(dst, key, keylen, &it));
}
