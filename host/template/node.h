/* Internal representation of a compiled template, shared by compile.c, generate.c and ops.c.
 *
 * A template is a tree of nodes. Every node has a gen function that appends its value to a
 * bson_t under a given key (or appends nothing: that is how $missing drops a key). Literal
 * subtrees are folded at compile time into one pre-encoded bson_value_t.
 *
 * Operators are rows of asr_tpl_ops[] (ops.c): a name, the option names it accepts, a compile
 * function (reads the options with the asr_tpl_opt_* helpers into the node) and a gen
 * function (reads them back per document with the asr_tpl_eval_* helpers).
 *
 * Memory: every node, string and table of a template lives in the template's arena and is
 * freed at once by asr_template_free; compile functions never free anything themselves. */
#ifndef ASR_TEMPLATE_NODE_H
#define ASR_TEMPLATE_NODE_H

#include <bson/bson.h>
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "template/rng.h"
#include "template/template.h"
#include "util/error.h"

#define ASR_TPL_MAX_DEPTH 64        /* deepest JSON nesting accepted in a template */
#define ASR_TPL_STRING_MAX 16384    /* bytes of one generated $string (built on the stack) */
#define ASR_TPL_OID_SLOTS 64        /* per-document occurrence counters for $objectid nodes */
#define ASR_TPL_MAX_PARAMS 4

typedef struct asr_tpl_node asr_tpl_node_t;
typedef struct asr_tpl_gen asr_tpl_gen_t;
typedef struct asr_tpl_cc asr_tpl_cc_t;
typedef struct asr_tpl_op asr_tpl_op_t;

/* Appends the node's value under key (keylen bytes) to dst, or nothing. 0 or ASR_E*. */
typedef int (*asr_tpl_gen_fn)(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                              const char *key, int keylen);
/* Reads the options (NULL for the "$op" string form: all defaults) into n. 0 or ASR_E*. */
typedef int (*asr_tpl_compile_fn)(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n);

struct asr_tpl_op {
  const char *name;    /* without the '$' */
  const char *options; /* accepted option names, comma-separated ("" for none) */
  asr_tpl_compile_fn compile;
  asr_tpl_gen_fn gen;
};
extern const asr_tpl_op_t asr_tpl_ops[];
extern const size_t asr_tpl_nops;

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
  const asr_tpl_op_t *op; /* NULL for literals, objects and arrays */
  uint32_t id;            /* unique within the template: salts $objectid */
  uint32_t flags;         /* operator-specific */
  bool literal;           /* the value is the constant `lit` */
  bson_value_t lit;       /* documents and arrays pre-encoded, strings in the arena */
  uint32_t nkids;
  asr_tpl_node_t **kids;  /* object fields, array items, $choose choices, ... */
  const char **keys;      /* field names when the node is an object */
  int *keylens;
  asr_tpl_param_t p[ASR_TPL_MAX_PARAMS]; /* options, in the order the operator picks */
  void *aux;                             /* operator-specific compiled data */
};

struct asr_template {
  asr_tpl_node_t *root; /* an object node: its fields are the document's */
  int64_t now_ms;
  struct asr_tpl_block *arena;
};

/* Per-document generation state, on the stack of asr_template_generate. */
struct asr_tpl_gen {
  asr_rng_t rng;
  const asr_template_t *t;
  uint64_t seed, index;
  uint32_t oid_occ[ASR_TPL_OID_SLOTS];
  char scratch[ASR_TPL_STRING_MAX];
};

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
};

/* --- compile.c: helpers for operator compile functions --------------------------------- */
void *asr_tpl_alloc(asr_tpl_cc_t *c, size_t size); /* zeroed; NULL after setting ASR_ENOMEM */
/* Sets ASR_EINVAL with "origin: $op at path: <message>" and returns ASR_EINVAL. */
int asr_tpl_fail(asr_tpl_cc_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
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

/* --- generate.c: helpers for operator gen functions ------------------------------------ */
/* gen functions of literals, objects (fields in n->keys/n->kids) and arrays (n->kids). */
int asr_tpl_gen_literal(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                        int keylen);
int asr_tpl_gen_object(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                       int keylen);
int asr_tpl_gen_array(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen);
typedef struct asr_tpl_num {
  bool isint;
  int64_t i;
  double d;
} asr_tpl_num_t;
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

#endif
