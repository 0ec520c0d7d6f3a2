/* Internal representation of a compiled template, shared by the files of host/template/.
 *
 * A template is a tree of nodes. Every node has a gen function that appends its value to a
 * bson_t under a given key (or appends nothing: that is how $missing drops a key). Literal
 * subtrees are folded at compile time into one pre-encoded bson_value_t.
 *
 * Operators are rows of operator groups (ops.c and others, listed in registry.c): a name, the option names it accepts, a compile
 * function (reads the options with the asr_tpl_opt_* helpers into the node) and a gen
 * function (reads them back per document with the asr_tpl_eval_* helpers). The options every
 * operator accepts (nullPercentage; unique and distribution where docs/templates.md allows
 * them) are taken out by the compiler before the row's compile function sees the options,
 * unless the row lists them itself.
 *
 * Memory: every node, string and table of a template lives in the template's arena and is
 * freed at once by asr_template_free; compile functions never free anything themselves. */
#ifndef ASR_TEMPLATE_NODE_H
#define ASR_TEMPLATE_NODE_H

#include <bson/bson.h>
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "template/rng.h"
#include "template/template.h"
#include "core/error.h"

#define ASR_TPL_MAX_DEPTH 64        /* deepest JSON nesting accepted in a template */
#define ASR_TPL_STRING_MAX 16384    /* bytes of one generated $string (built on the stack) */
#define ASR_TPL_OID_SLOTS 64        /* per-document occurrence counters for $objectid nodes */
#define ASR_TPL_MAX_PARAMS 4
#define ASR_TPL_REF_DEPTH 8         /* longest chain of templates reached through $ref */

typedef struct asr_tpl_node asr_tpl_node_t;
typedef struct asr_tpl_gen asr_tpl_gen_t;
typedef struct asr_tpl_cc asr_tpl_cc_t;
typedef struct asr_tpl_op asr_tpl_op_t;
typedef struct asr_tpl_dist asr_tpl_dist_t;
typedef struct asr_tpl_num asr_tpl_num_t;

/* Appends the node's value under key (keylen bytes) to dst, or nothing. 0 or ASR_E*. */
typedef int (*asr_tpl_gen_fn)(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                              const char *key, int keylen);
/* The value gen would append, as a number, without a document: the same draws, so either may
 * be used (asr_tpl_eval_num takes it for operator-valued options). 0 or ASR_E*. */
typedef int (*asr_tpl_num_fn)(const asr_tpl_node_t *n, asr_tpl_gen_t *g, asr_tpl_num_t *out);
/* Reads the options (NULL for the "$op" string form: all defaults) into n. 0 or ASR_E*. */
typedef int (*asr_tpl_compile_fn)(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n);

struct asr_tpl_op {
  const char *name;    /* without the '$' */
  const char *options; /* accepted option names, comma-separated ("" for none) */
  asr_tpl_compile_fn compile;
  asr_tpl_gen_fn gen;
};
/* A group of operator rows, defined by the file that implements them (ops.c: the core set);
 * registry.c lists every group, and names are unique across all of them. */
typedef struct asr_tpl_op_group {
  const asr_tpl_op_t *ops;
  size_t n;
} asr_tpl_op_group_t;
extern const asr_tpl_op_group_t asr_tpl_ops_core;
extern const asr_tpl_op_group_t asr_tpl_ops_people, asr_tpl_ops_finance; /* ops_people.c, ops_finance.c */
extern const asr_tpl_op_group_t asr_tpl_ops_web, asr_tpl_ops_places, asr_tpl_ops_time, asr_tpl_ops_misc;
/* registry.c: every built-in operator, by name or by position (0 .. asr_tpl_op_count()-1). */
const asr_tpl_op_t *asr_tpl_op_find(const char *name);
size_t asr_tpl_op_count(void);
const asr_tpl_op_t *asr_tpl_op_at(size_t i);

/* One option of an operator: a constant, or an operator evaluated for each document. */
typedef struct asr_tpl_param {
  const asr_tpl_node_t *node; /* non-NULL: evaluate per document */
  bool present;               /* given in the template (else the constant is the default) */
  bool isint;                 /* numeric constant is the integer i (else the double d) */
  int64_t i;
  double d;
  const char *s; /* string constant, NUL-terminated, in the arena */
  uint32_t slen;
} asr_tpl_param_t;

struct asr_tpl_node {
  asr_tpl_gen_fn gen;
  const asr_tpl_op_t *op; /* NULL for literals, objects, arrays and custom operators */
  uint32_t id;            /* unique within the template, in compile order */
  uint32_t flags;         /* operator-specific */
  bool literal;           /* the value is the constant `lit` */
  bson_value_t lit;       /* documents and arrays pre-encoded, strings in the arena */
  uint32_t nkids;
  asr_tpl_node_t **kids;  /* object fields, array items, $choose choices, ... */
  const char **keys;      /* field names when the node is an object */
  int *keylens;
  asr_tpl_param_t p[ASR_TPL_MAX_PARAMS]; /* options, in the order the operator picks */
  void *aux;                             /* operator-specific compiled data */
  const char *path;       /* JSON path of the value ("items[0].price"), for run-time errors */
  const uint8_t *lit_data; /* literal: its BSON value bytes, appended as they are */
  uint32_t lit_len;
  asr_tpl_num_fn num;      /* optional: a number-valued node's value without a document */
};

struct asr_template {
  asr_tpl_node_t *root; /* an object node: its fields are the document's */
  int64_t now_ms;
  struct asr_tpl_block *arena;
  const char *origin;       /* names the template in run-time errors */
  uint32_t oid_nodes;       /* $objectid nodes: their per-document counters are reset */
  uint32_t custom_nodes;    /* custom operator nodes, counting those reached by $ref */
  const char *custom_first; /* the name of one, for the "no hooks" error */
  int ref_depth;            /* 1 + the longest $ref chain below this template */
};

/* Per-document generation state, on the stack of asr_template_generate. Initialized field by
 * field (asr_tpl_gen_init): scratch is never cleared, only written before it is read. */
struct asr_tpl_gen {
  asr_rng_t rng;
  const asr_template_t *t;
  uint64_t seed, index;
  const asr_template_ext_t *ext; /* custom operator hooks, or NULL */
  asr_err_t *err;                /* never NULL */
  uint64_t seed_mix;             /* asr_rng_mix(seed): salts $objectid and unique values */
  int depth;                     /* $ref nesting: 0 for the document asked for */
  uint32_t oid_occ[ASR_TPL_OID_SLOTS];
  char scratch[ASR_TPL_STRING_MAX];
};

/* Options every operator may take, read by the compiler (compile.c) for the operator being
 * compiled; compile functions of the operators that support them look here. */
typedef struct asr_tpl_xopts {
  bool unique;                /* "unique": true */
  const asr_tpl_dist_t *dist; /* "distribution" other than uniform, else NULL */
} asr_tpl_xopts_t;

/* Compile state: where we are (JSON path, operator) for error messages. */
struct asr_tpl_cc {
  asr_template_t *t;
  asr_err_t *err;
  const char *origin;
  const asr_tpl_op_t *op; /* operator whose options are being read, or NULL */
  size_t op_pathlen;      /* path length at that operator */
  char path[512];
  size_t pathlen;
  int depth;
  uint32_t next_id;
  uint32_t oid_nodes;
  const asr_template_options_t *opt; /* never NULL */
  asr_tpl_xopts_t x;                 /* of the operator being compiled */
  const char *opname;                /* its name (also for custom operators), or NULL */
  uint32_t unique_nodes;
  struct asr_name *custom_index;     /* opt->custom_ops sorted (util/names.h), or NULL */
  /* Unknown operators found so far, "; "-separated: compile goes on past them so that one
   * run reports them all (compile_root turns the list into the error). */
  char unknown[768];
  size_t unknown_len;
  uint32_t nunknown, unknown_listed;
};

/* --- compile.c: helpers for operator compile functions --------------------------------- */
void *asr_tpl_alloc(asr_tpl_cc_t *c, size_t size); /* zeroed; NULL after setting ASR_ENOMEM */
int asr_tpl_nomem(asr_tpl_cc_t *c);                /* sets ASR_ENOMEM and returns it */
/* Sets ASR_EINVAL with "origin: $op at path: <message>" and returns ASR_EINVAL. */
int asr_tpl_fail(asr_tpl_cc_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* For each key of the object obj (in order), the position of the first key with the same
 * name: (*first)[k] != k marks a repeat. n log n, for objects of any size. *first is
 * malloc'd (the caller frees it), NULL for fewer than two keys; ASR_ENOMEM (err not set). */
int asr_tpl_key_repeats(const cJSON *obj, uint32_t **first);
/* Compiles any template value (literal, operator, object, array) into a node. */
int asr_tpl_compile_value(asr_tpl_cc_t *c, const cJSON *v, asr_tpl_node_t **out);
/* Options. Each returns 0 or ASR_E*; an absent option leaves the default (present=false). */
int asr_tpl_opt_int(asr_tpl_cc_t *c, const cJSON *opts, const char *name, int64_t def,
                    asr_tpl_param_t *p);
int asr_tpl_opt_num(asr_tpl_cc_t *c, const cJSON *opts, const char *name, double def,
                    asr_tpl_param_t *p);
int asr_tpl_opt_str(asr_tpl_cc_t *c, const cJSON *opts, const char *name, const char *def,
                    asr_tpl_param_t *p);
int asr_tpl_opt_date(asr_tpl_cc_t *c, const cJSON *opts, const char *name, int64_t def_ms,
                     asr_tpl_param_t *p);
/* Any value compiled as a node (NULL when absent and not required). */
int asr_tpl_opt_node(asr_tpl_cc_t *c, const cJSON *opts, const char *name, bool required,
                     asr_tpl_node_t **out);
/* A JSON array option whose items each become a node (n->kids); *is_array false when the
 * option is something else (then nothing is compiled). */
int asr_tpl_opt_items(asr_tpl_cc_t *c, const cJSON *opts, const char *name, asr_tpl_node_t *n,
                      bool *is_array);
/* A constant integer option within [lo, hi] (operators refused: the value shapes the
 * compiled node). *out keeps def when absent. */
int asr_tpl_opt_const_int(asr_tpl_cc_t *c, const cJSON *opts, const char *name, int64_t lo,
                          int64_t hi, int64_t def, int64_t *out);

/* --- generate.c: helpers for operator gen functions ------------------------------------ */
/* gen functions of literals, objects (fields in n->keys/n->kids) and arrays (n->kids). */
int asr_tpl_gen_literal(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                        int keylen);
int asr_tpl_gen_object(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                       int keylen);
int asr_tpl_gen_array(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen);
/* Appends an array of count values of node `of` (a $missing value leaves no hole). */
int asr_tpl_gen_repeat(const asr_tpl_node_t *of, uint64_t count, asr_tpl_gen_t *g, bson_t *dst,
                       const char *key, int keylen);
/* Appends the fields of object node n to dst itself (not as a subdocument). */
int asr_tpl_gen_fields(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst);
/* Calls kid->gen; when it fails without a message, records one naming the kid's path. */
int asr_tpl_gen_kid(const asr_tpl_node_t *kid, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                    int keylen);
/* A run-time error at node n: "origin: at <path>: <message> (document i)". Returns code. */
int asr_tpl_gen_fail(asr_tpl_gen_t *g, const asr_tpl_node_t *n, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Sets up g for document index of t (the RNG, counters; not the scratch). */
void asr_tpl_gen_init(asr_tpl_gen_t *g, const asr_template_t *t, const asr_template_ext_t *ext,
                      uint64_t seed, uint64_t index, asr_err_t *err);
struct asr_tpl_num {
  bool isint;
  int64_t i;
  double d;
};
int asr_tpl_eval_num(asr_tpl_gen_t *g, const asr_tpl_param_t *p, asr_tpl_num_t *out);
int asr_tpl_eval_int(asr_tpl_gen_t *g, const asr_tpl_param_t *p, int64_t *out);
int asr_tpl_eval_date(asr_tpl_gen_t *g, const asr_tpl_param_t *p, int64_t *out_ms);
/* The string lives in tmp (initialized here) or in the template; bson_destroy(tmp) after. */
int asr_tpl_eval_str(asr_tpl_gen_t *g, const asr_tpl_param_t *p, bson_t *tmp, const char **s,
                     uint32_t *len);
/* Generates n into tmp (initialized here) and points it at the value; false if $missing. */
int asr_tpl_eval_value(asr_tpl_gen_t *g, const asr_tpl_node_t *n, bson_t *tmp, bson_iter_t *it,
                       bool *found);
/* Appends a value to dst, mapping libbson's refusal (document too large) to ASR_EINVAL. */
static inline int asr_tpl_ok(bool appended) { return appended ? 0 : ASR_EINVAL; }
/* Parses an ISO-8601 date ("2015-01-01", "2016-12-31T23:59:59.999Z", "...+02:00"); times
 * without an offset are UTC. Returns 0 or -1. */
int asr_tpl_parse_date(const char *s, size_t len, int64_t *out_ms);

/* Fast appends, the hot path: they write the element straight into dst's buffer when dst is
 * a top-level document, and go through libbson for a subdocument being built with
 * bson_append_document_begin. Same bytes as the bson_append_* of the same name; 0, or
 * ASR_EINVAL when the document would outgrow BSON. Inline, so that the value's size and type
 * fold into each caller. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "BSON values are written with memcpy");

/* Grows top-level document dst by n bytes at its end (before its trailing NUL) and returns
 * them; NULL for a subdocument being built (libbson refuses to resize those) or past BSON's
 * limit. bson_reserve_buffer keeps the bytes already written (it reallocates) and only sets
 * the length; the header and the trailing NUL are rewritten here so that dst stays a valid
 * document for libbson's own appends between ours. */
static inline uint8_t *asr_tpl_put_raw(bson_t *dst, uint32_t n) {
  uint32_t len = dst->len;
  uint64_t need = (uint64_t)len + n;
  if (need > INT32_MAX) return NULL;
  uint8_t *data = bson_reserve_buffer(dst, (uint32_t)need);
  if (!data) return NULL;
  uint32_t le = (uint32_t)need;
  memcpy(data, &le, 4);
  data[need - 1] = '\0';
  return data + len - 1;
}

/* Starts element (type, key) with vlen value bytes and returns where the value goes (valid
 * until the next append), or NULL: then append with libbson instead. */
static inline uint8_t *asr_tpl_put_begin(bson_t *dst, bson_type_t type, const char *key,
                                         int keylen, uint32_t vlen) {
  if (keylen < 0) keylen = (int)strlen(key);
  if ((uint64_t)keylen + vlen > INT32_MAX) return NULL;
  uint8_t *p = asr_tpl_put_raw(dst, 2u + (uint32_t)keylen + vlen);
  if (!p) return NULL;
  *p++ = (uint8_t)type;
  memcpy(p, key, (size_t)keylen);
  p += keylen;
  *p++ = '\0';
  return p;
}

static inline int asr_tpl_put_int32(bson_t *dst, const char *key, int keylen, int32_t v) {
  uint8_t *p = asr_tpl_put_begin(dst, BSON_TYPE_INT32, key, keylen, 4);
  if (!p) return asr_tpl_ok(bson_append_int32(dst, key, keylen, v));
  memcpy(p, &v, 4);
  return 0;
}

static inline int asr_tpl_put_int64(bson_t *dst, const char *key, int keylen, int64_t v) {
  uint8_t *p = asr_tpl_put_begin(dst, BSON_TYPE_INT64, key, keylen, 8);
  if (!p) return asr_tpl_ok(bson_append_int64(dst, key, keylen, v));
  memcpy(p, &v, 8);
  return 0;
}

static inline int asr_tpl_put_int(bson_t *dst, const char *key, int keylen, int64_t v) {
  if (v >= INT32_MIN && v <= INT32_MAX) return asr_tpl_put_int32(dst, key, keylen, (int32_t)v);
  return asr_tpl_put_int64(dst, key, keylen, v);
}

static inline int asr_tpl_put_double(bson_t *dst, const char *key, int keylen, double v) {
  uint8_t *p = asr_tpl_put_begin(dst, BSON_TYPE_DOUBLE, key, keylen, 8);
  if (!p) return asr_tpl_ok(bson_append_double(dst, key, keylen, v));
  memcpy(p, &v, 8);
  return 0;
}

static inline int asr_tpl_put_bool(bson_t *dst, const char *key, int keylen, bool v) {
  uint8_t *p = asr_tpl_put_begin(dst, BSON_TYPE_BOOL, key, keylen, 1);
  if (!p) return asr_tpl_ok(bson_append_bool(dst, key, keylen, v));
  *p = v ? 1 : 0;
  return 0;
}

static inline int asr_tpl_put_null(bson_t *dst, const char *key, int keylen) {
  uint8_t *p = asr_tpl_put_begin(dst, BSON_TYPE_NULL, key, keylen, 0);
  return p ? 0 : asr_tpl_ok(bson_append_null(dst, key, keylen));
}

static inline int asr_tpl_put_date(bson_t *dst, const char *key, int keylen, int64_t ms) {
  uint8_t *p = asr_tpl_put_begin(dst, BSON_TYPE_DATE_TIME, key, keylen, 8);
  if (!p) return asr_tpl_ok(bson_append_date_time(dst, key, keylen, ms));
  memcpy(p, &ms, 8);
  return 0;
}

static inline int asr_tpl_put_utf8(bson_t *dst, const char *key, int keylen, const char *s,
                                   uint32_t len) {
  uint8_t *p = len < INT32_MAX - 5 ? asr_tpl_put_begin(dst, BSON_TYPE_UTF8, key, keylen, len + 5)
                                   : NULL;
  if (!p) return asr_tpl_ok(bson_append_utf8(dst, key, keylen, s, (int)len));
  uint32_t n = len + 1;
  memcpy(p, &n, 4);
  memcpy(p + 4, s, len);
  p[4 + len] = '\0';
  return 0;
}

int asr_tpl_put_oid(bson_t *dst, const char *key, int keylen, const uint8_t bytes[12]);
int asr_tpl_put_value(bson_t *dst, const char *key, int keylen, const bson_value_t *v);

/* --- dist.c: the "distribution" option --------------------------------------------------- */
enum { ASR_TPL_DIST_NORMAL = 1, ASR_TPL_DIST_EXPONENTIAL, ASR_TPL_DIST_ZIPF, ASR_TPL_DIST_POISSON };
struct asr_tpl_dist {
  int kind;
  double mean, stddev, lambda, s;
  bool has_mean, has_stddev; /* else derived from the bounds (when both are given) */
  bool has_zipf;             /* zipf over constant bounds: the table below is ready */
  double z_hx1, z_hn, z_sdiv;
  double z_lo;
  uint64_t z_n;
};
/* Reads distribution, mean, stddev, lambda and s from opts (all constants) into a new dist,
 * or *out = NULL for uniform / absent. Errors name the option and the accepted values. */
int asr_tpl_opt_dist(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_dist_t **out);
/* Checks what the distribution needs (zipf: both bounds given, at least one integer between
 * them) and, for bounds known at compile time (constant), precomputes zipf's constants. */
int asr_tpl_dist_prepare(asr_tpl_cc_t *c, asr_tpl_dist_t *d, double lo, double hi, bool bounded,
                         bool constant);
/* One draw, not yet clamped. [lo, hi] are the bounds in force; bounded: both were given (they
 * set the normal defaults and zipf's range). zipf yields an integer in [ceil(lo), floor(hi)]. */
double asr_tpl_dist_sample(const asr_tpl_dist_t *d, asr_rng_t *r, double lo, double hi,
                           bool bounded);
/* The draw rounded to the nearest integer, clamped to [lo, hi]. */
int64_t asr_tpl_dist_int(const asr_tpl_dist_t *d, asr_rng_t *r, int64_t lo, int64_t hi,
                         bool bounded);

/* --- unique.c: "unique": true as a keyed bijection of the document index ----------------- */
typedef struct asr_tpl_perm {
  uint64_t range; /* values 0..range-1; 0 means all 2^64 */
  int bits;       /* smallest b with 2^b >= range */
  uint64_t salt[4];
} asr_tpl_perm_t;
/* Sets up a permutation of [0, range) for the node being compiled (its own key), checking
 * range against the run's total ("what" names the range in the message). */
int asr_tpl_perm_init(asr_tpl_cc_t *c, asr_tpl_perm_t *p, uint64_t range, const char *what);
/* The index's image; ASR_EINVAL (with the node's path) once the index passes the range. */
int asr_tpl_perm_apply(const asr_tpl_perm_t *p, asr_tpl_gen_t *g, const asr_tpl_node_t *n,
                       uint64_t *out);
/* Wraps the already compiled $email / $uuid node inner into n (unique by rewriting part of
 * each value with the permuted index). */
int asr_tpl_unique_wrap(asr_tpl_cc_t *c, const char *opname, asr_tpl_node_t *inner,
                        asr_tpl_node_t *n);

/* --- ops.c -------------------------------------------------------------------------------- */
/* $numberDecimal with a distribution: min, max and fixed read as $floating reads them, values
 * appended as Decimal128 with `fixed` decimals. */
int asr_tpl_compile_decimal_dist(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n);

/* --- chance.c: what chance.js has ------------------------------------------------------------ */
/* Whether chance.js 1.1 has a function of that name (generator or utility). */
bool asr_tpl_chance_has(const char *name);
/* For a chance.js utility that is no generator (mixin, pad, ...): what mgeneratejs does when a
 * template calls it as "$name" (for the compile error); NULL for every other name. */
const char *asr_tpl_chance_utility(const char *name);

/* --- strtpl.c: strings with "{{ ... }}", expanded per document as mgeneratejs does --------- */
/* Compiles string s (it contains "{{") into n: literal text and chance.FN(...) / faker.A.B()
 * calls, each written as JavaScript's String() writes its value. */
int asr_tpl_compile_strtpl(asr_tpl_cc_t *c, const char *s, asr_tpl_node_t *n);
/* Whether s has a "{{x}}" that lodash's _.template would replace (else s is plain text). */
bool asr_tpl_strtpl_has_call(const char *s);

/* --- ref.c: $ref ---------------------------------------------------------------------------- */
int asr_tpl_compile_ref(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n);
int asr_tpl_gen_ref(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                    int keylen);

#endif
