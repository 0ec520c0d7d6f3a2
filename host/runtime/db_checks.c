#include "runtime/db_checks.h"

#include <stdio.h>
#include <string.h>

#include "lua/transform.h"
#include "lua/worker.h"
#include "mongo/checks.h"
#include "util/log.h"

#define VERIFY_SAMPLE 100 /* documents compared by _id */

static int is_mongo_uri(const char *s) {
  return s && (strncmp(s, "mongodb://", 10) == 0 || strncmp(s, "mongodb+srv://", 14) == 0);
}

static asr_mongo_endpoint_t source_endpoint(const asr_config_t *cfg) {
  return (asr_mongo_endpoint_t){cfg->source.path, cfg->source.database, cfg->source.collection};
}

static asr_mongo_endpoint_t target_endpoint(const asr_config_t *cfg) {
  return (asr_mongo_endpoint_t){cfg->target, cfg->target_database, cfg->target_collection};
}

int asr_db_checks_check_config(const asr_config_t *cfg, asr_err_t *err) {
  if (cfg->copy_indexes &&
      (strcmp(cfg->source.kind, "mongodb") != 0 || !is_mongo_uri(cfg->target)))
    return asr_err_set(err, ASR_EINVAL, "--copy-indexes needs a MongoDB source and target");
  return 0;
}

int asr_db_checks_copy_indexes(const asr_config_t *cfg, asr_err_t *err) {
  int rc = asr_db_checks_check_config(cfg, err);
  if (rc) return rc;
  asr_mongo_endpoint_t from = source_endpoint(cfg), to = target_endpoint(cfg);
  uint32_t copied = 0;
  rc = asr_mongo_check_copy_indexes(&from, &to, &copied, err);
  if (rc == 0) asr_log_info("mongo.indexes", "Copied %u indexes to the target", copied);
  return rc;
}

/* The strategy's transform on this (main) thread, in a Lua worker env of its own. */
typedef struct main_transform {
  asr_worker_env_t *env;
  asr_transform_t *xf;
} main_transform_t;

static int open_transform(main_transform_t *m, const asr_strategy_t *strategy, asr_err_t *err) {
  int rc = asr_lua_worker_open(strategy->path, &m->env, err);
  if (rc == 0) rc = asr_lua_transform_factory.open(NULL, m->env, &m->xf, err);
  return rc;
}

static void close_transform(main_transform_t *m) {
  if (m->xf) asr_lua_transform_factory.close(m->xf);
  asr_lua_worker_close(m->env);
}

/* asr_verify_map_fn: one sampled source document through the transform. */
static int verify_map(void *ud, const uint8_t *doc, uint32_t len, asr_docs_t *out, asr_err_t *err) {
  main_transform_t *m = ud;
  asr_docs_t in;
  asr_docs_init(&in);
  int rc = asr_docs_append(&in, doc, len);
  if (rc == 0) rc = asr_lua_transform_factory.apply(m->xf, &in, 0, out, err);
  asr_docs_free(&in);
  return rc;
}

int asr_db_checks_verify(const asr_config_t *cfg, asr_strategy_t *strategy, int64_t expected,
                         int quiet, asr_err_t *err) {
  if (!is_mongo_uri(cfg->target))
    return asr_err_set(err, ASR_EINVAL, "--verify needs a MongoDB target");
  int from_mongo = strcmp(cfg->source.kind, "mongodb") == 0;
  asr_mongo_endpoint_t from = source_endpoint(cfg), to = target_endpoint(cfg);
  main_transform_t m = {0};
  int rc = 0;
  if (from_mongo && strategy && strategy->has_transform) rc = open_transform(&m, strategy, err);
  asr_verify_result_t res = {0};
  if (rc == 0)
    rc = asr_mongo_check_verify(from_mongo ? &from : NULL, cfg->source.filter, &to, expected,
                                VERIFY_SAMPLE, m.xf ? verify_map : NULL, &m, &res, err);
  close_transform(&m);
  if (rc) return rc;
  if (res.first_problem[0])
    return asr_err_set(err, ASR_EIO, "verify failed: target holds %lld documents, expected "
                       "%lld; sampled %u: %u missing, %u different; %s",
                       (long long)res.target_count, (long long)res.expected, res.sampled,
                       res.missing, res.mismatched, res.first_problem);
  if (!quiet)
    printf("Verify: ok: target holds %lld documents as expected; %u sampled documents equal\n",
           (long long)res.target_count, res.sampled);
  return 0;
}

int asr_db_checks_after_load(const asr_config_t *cfg, asr_strategy_t *strategy, uint64_t written,
                             int quiet, asr_err_t *err) {
  int rc = 0;
  if (cfg->copy_indexes && strcmp(cfg->copy_indexes, "after") == 0 &&
      (rc = asr_db_checks_copy_indexes(cfg, err))) {
    asr_err_prefix(err, "--copy-indexes after");
    /* The documents are loaded: what fails now is the run, not its configuration (exit 1). */
    if (rc == ASR_EINVAL) err->code = rc = ASR_EIO;
    return rc;
  }
  if (cfg->verify) rc = asr_db_checks_verify(cfg, strategy, (int64_t)written, quiet, err);
  return rc;
}
