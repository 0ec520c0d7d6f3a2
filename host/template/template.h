/* Document templates in mgeneratejs syntax, with asrun's extensions (docs/templates.md).
 * A template is JSON whose shape the generated documents keep: values are literal, except
 * "$op" strings (an operator with its default options) and {"$op": {options}} objects (one
 * key starting with '$'); options may themselves be operators; "$missing" drops the key.
 * The text is parsed once (cJSON) and compiled into a tree of generator nodes; generation then
 * appends straight into a bson_t, with no parsing and no allocation of its own per document.
 *
 * Ownership: asr_template_compile* returns a template the caller frees with
 * asr_template_free. Options are read during compile only, except refs[].tpl, which the
 * template borrows: referenced templates must outlive it. After compile (and an optional
 * asr_template_set_now) the template is read-only, so any number of threads may call
 * asr_template_generate on it at once. */
#ifndef ASR_TEMPLATE_TEMPLATE_H
#define ASR_TEMPLATE_TEMPLATE_H

#include <bson/bson.h>
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "template/rng.h" /* asr_rng_t and its draws, for custom operators */
#include "core/error.h"
#include "core/worker_env.h"

typedef struct asr_template asr_template_t;

/* Another collection a template may $ref. */
typedef struct asr_template_ref {
  const char *name;                /* collection name used in {"$ref": {"collection": ...}} */
  const struct asr_template *tpl;  /* its compiled template (borrowed) */
  uint64_t count;                  /* its number of documents */
  uint64_t seed;                   /* its seed */
} asr_template_ref_t;

typedef struct asr_template_options {
  const char *const *custom_ops; /* custom (Lua) operator names, no '$'; index = op id */
  size_t ncustom;
  const asr_template_ref_t *refs; /* collections $ref may name */
  size_t nrefs;
  uint64_t total; /* documents this run generates (unique checks); 0 unknown */
} asr_template_options_t;

/* Per-worker hooks for custom operators (implemented in host/lua/template_ops.c). */
typedef struct asr_template_ext {
  void *ud;
  /* Custom operator `op` for the current document: opts = the operator's options evaluated
   * into a BSON document (empty when none); draw randomness only from rng; append one value
   * under key (or nothing: the key is dropped). Returns 0 or ASR_E* with err set. */
  int (*call)(void *ud, uint32_t op, asr_rng_t *rng, const bson_t *opts, bson_t *dst,
              const char *key, int keylen, asr_err_t *err);
} asr_template_ext_t;

/* Where a worker's ext comes from: the generator opens one per worker, on the worker's
 * thread, inside that worker's env (the Lua layer resolves the names in the strategy it
 * evaluated there). names[i] is op id i, as compiled. A layer above provides it (the
 * strategy's custom operators: lua/template_ops.h); the template layer never sees Lua. */
typedef struct asr_template_ext_factory {
  int (*open)(asr_worker_env_t *env, const char *const *names, size_t n,
              asr_template_ext_t **out, asr_err_t *err);
  void (*close)(asr_template_ext_t *ext);
} asr_template_ext_factory_t;

/* Compiles template text. origin names it in error messages (a file path). opt may be NULL
 * (no custom operators, no references, total unknown). A custom operator name shadows a
 * built-in of the same name. Returns 0 or ASR_EINVAL (message: origin, line:column for
 * malformed JSON; the JSON path such as items[0].price and the operator name for unknown
 * operators / bad options), ASR_ENOMEM. */
int asr_template_compile(const char *json, size_t len, const char *origin,
                         const asr_template_options_t *opt, asr_template_t **out, asr_err_t *err);
/* Reads and compiles a file (ASR_EIO with the path and strerror when unreadable). */
int asr_template_compile_file(const char *path, const asr_template_options_t *opt,
                              asr_template_t **out, asr_err_t *err);
/* Compiles an already parsed template (the Lua form builds one); root is not modified. */
int asr_template_compile_cjson(const cJSON *root, const char *origin,
                               const asr_template_options_t *opt, asr_template_t **out,
                               asr_err_t *err);
/* Appends the fields of document `index` to doc (an initialized, empty bson_t).
 * Thread-safe (the template is read-only after compile); depends only on (seed, index).
 * ext may be NULL when the template has no custom operators. Returns 0, or ASR_EINVAL with a
 * message naming the JSON path of the failing node in err (an operator used as an option
 * yields a value of the wrong type, a unique range is exhausted, the document outgrows
 * BSON, ...), or what a custom operator returned. err may be NULL. */
int asr_template_generate(const asr_template_t *t, const asr_template_ext_t *ext, uint64_t seed,
                          uint64_t index, bson_t *doc, asr_err_t *err);
/* 1 when generating needs an ext (custom operators, also through a $ref), else 0. */
int asr_template_has_custom_ops(const asr_template_t *t);
/* What the value of a top-level field (such as "_id") of the generated documents depends on
 * besides the document's index, as flags: ASR_TPL_FIELD_CLOCK ($objectid, $now or anything
 * else that reads the clock: a run without --now makes other values), ASR_TPL_FIELD_SEED
 * (random draws: another seed makes other values); ASR_TPL_FIELD_ABSENT alone when the
 * documents lack it; 0 when neither (a constant, $inc) or when it cannot be told without the
 * run (custom operators). Found by generating documents at two clocks and with a few pairs
 * of seeds (t is not changed). */
enum { ASR_TPL_FIELD_ABSENT = 1, ASR_TPL_FIELD_SEED = 2, ASR_TPL_FIELD_CLOCK = 4 };
int asr_template_field_depends(const asr_template_t *t, const char *field);
/* 1 when name (without the '$') is a built-in operator, else 0. */
int asr_template_is_operator(const char *name);
/* $now and $objectid timestamps use this clock; compile sets it to the current time.
 * Call it before generating, not while other threads generate. */
void asr_template_set_now(asr_template_t *t, int64_t now_ms);
void asr_template_free(asr_template_t *t);
/* Parses a clock value for asr_template_set_now: epoch milliseconds ("1700000000000") or an
 * ISO-8601 date ("2024-05-01", "2024-05-01T12:00:00Z"; no offset means UTC). 0 or -1. */
int asr_template_parse_clock(const char *s, int64_t *out_ms);

#endif
