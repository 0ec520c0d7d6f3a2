#include "runtime/db_checks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/doc_id.h"
#include "lua/fields.h"
#include "lua/worker.h"
#include "mongo/checks.h"
#include "sinks/mongo.h"
#include "sources/source.h"
#include "template/template.h"
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
  if ((cfg->verify) && asr_source_spec_reads_once(&cfg->source))
    return asr_err_set(err, ASR_EINVAL, "--verify reads the source again, and %s can be read "
                       "once only: save it to a file to verify against it",
                       strcmp(cfg->source.path, "-") == 0 ? "standard input" : cfg->source.path);
  return 0;
}

static int drop_target(const asr_config_t *cfg, asr_err_t *err) {
  if (!cfg->drop) return 0;
  asr_mongo_endpoint_t to = target_endpoint(cfg);
  int existed = 0;
  char ns[256] = "";
  int rc = asr_mongo_check_drop(&to, &existed, ns, sizeof ns, err);
  if (rc == 0 && existed)
    asr_log_info("mongo.drop", "Dropped the target collection %s before the load (--drop)", ns);
  else if (rc == 0)
    asr_log_info("mongo.drop", "--drop: the target collection %s did not exist", ns);
  return rc;
}

/* Why this generation's documents get other _ids than an earlier run's, or "": a random
 * seed that they follow (drawn from it, or derived from it where the template has none), a
 * clock that they follow without --now. */
static void new_ids_reason(const asr_config_t *cfg, int id_depends, char *out, size_t n) {
  int new_seed = cfg->seed_origin == ASR_SEED_RANDOM &&
                 (id_depends & (ASR_TPL_FIELD_ABSENT | ASR_TPL_FIELD_SEED));
  int new_clock = (id_depends & ASR_TPL_FIELD_CLOCK) && cfg->source.has_clock != ASR_CLOCK_GIVEN;
  snprintf(out, n, "%s%s%s", new_seed ? "a new random seed (no --seed)" : "",
           new_seed && new_clock ? " and " : "",
           new_clock ? "the template's _id taken from the run's clock ($objectid) with no "
                       "--now" : "");
}

static void warn_target_not_empty(asr_config_t *cfg, const char *ns, int64_t held,
                                  int id_depends) {
  char count[32], why[160] = "";
  asr_log_thousands(held, count, sizeof count);
  if (asr_config_source_generates(&cfg->source)) new_ids_reason(cfg, id_depends, why, sizeof why);
  const char *replace = "--mode upsert overwrites documents with the same _id, --drop loads "
                        "into an empty collection";
  if (why[0])
    snprintf(cfg->target_warning, sizeof cfg->target_warning, "%s already holds %s documents "
             "before this insert (no --drop); with %s this run makes new _ids, so it adds its "
             "documents beside any an earlier run wrote. To repeat a run exactly give its "
             "--seed S --now T (its summary's seed and clock); %s", ns, count, why, replace);
  else
    snprintf(cfg->target_warning, sizeof cfg->target_warning, "%s already holds %s documents "
             "before this insert (no --drop): those with the _id of a document this run sends "
             "are counted as duplicates and not rewritten; %s", ns, count, replace);
  asr_log_warn("run.target_not_empty", "%s", cfg->target_warning);
}

int asr_db_checks_before_load(asr_config_t *cfg, int resumed, int id_depends, asr_err_t *err) {
  int rc = drop_target(cfg, err);
  if (rc || cfg->drop || resumed || cfg->dry_run || !is_mongo_uri(cfg->target) ||
      cfg->write_mode != ASR_WRITE_INSERT)
    return rc;
  asr_mongo_endpoint_t to = target_endpoint(cfg);
  int64_t held = 0;
  char ns[256] = "";
  asr_err_t count_err;
  asr_err_clear(&count_err);
  if (asr_mongo_check_count(&to, &held, ns, sizeof ns, &count_err))
    asr_log_info("mongo.count", "%s (not checked whether the target was empty)", count_err.msg);
  else if (held > 0)
    warn_target_not_empty(cfg, ns, held, id_depends);
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

/* What the run did to each source document, redone on this (main) thread: the strategy's
 * transform (in a Lua worker env of its own, which also carries the template's custom
 * operators) and the deterministic _ids of a target that derives them (core/doc_id.h). */
typedef struct expect {
  const asr_config_t *cfg;
  asr_worker_env_t *env;
  asr_strategy_transform_t transform; /* without dead letters: a failure fails the check */
  asr_transform_t *xf;
  int derive_ids;
  int ids_derived; /* some expected document got its _id from the seed */
  asr_docs_t in, mapped, with_ids; /* scratch for one source document */
  asr_buf_t origins;
} expect_t;

static int expect_open(expect_t *x, const asr_config_t *cfg, const asr_strategy_t *strategy,
                       asr_err_t *err) {
  *x = (expect_t){.cfg = cfg};
  asr_docs_init(&x->in);
  asr_docs_init(&x->mapped);
  asr_docs_init(&x->with_ids);
  asr_buf_init(&x->origins);
  x->derive_ids = asr_mongo_target_derives_ids((asr_write_mode_t)cfg->write_mode,
                                              (const char *const *)cfg->keys, cfg->nkeys);
  if (!strategy || !(strategy->has_transform || cfg->source.ncustom)) return 0;
  int rc = 0;
  if (strategy->has_lua_transform || cfg->source.ncustom)
    rc = asr_lua_worker_open(strategy->path, &x->env, err);
  if (rc == 0 && asr_strategy_transform_init(&x->transform, strategy, NULL))
    rc = x->transform.factory.open(x->transform.factory.ud, x->env, &x->xf, err);
  return rc;
}

static void expect_close(expect_t *x) {
  if (x->xf) x->transform.factory.close(x->xf);
  if (x->env) asr_lua_worker_close(x->env);
  asr_docs_free(&x->in);
  asr_docs_free(&x->mapped);
  asr_docs_free(&x->with_ids);
  asr_buf_free(&x->origins);
}

/* Appends to out what the source document (stream index `index`) became in the target. */
static int expect_doc(expect_t *x, const uint8_t *doc, uint32_t len, uint64_t index,
                      asr_docs_t *out, asr_err_t *err) {
  asr_docs_reset(&x->in);
  if (asr_docs_append(&x->in, doc, len)) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  const asr_docs_t *res = &x->in;
  int rc;
  if (x->xf) {
    asr_docs_reset(&x->mapped);
    asr_buf_reset(&x->origins);
    if ((rc = x->transform.factory.apply(x->xf, &x->in, index, &x->mapped, &x->origins,
                                              err)))
      return rc;
    res = &x->mapped;
  }
  if (x->derive_ids) {
    asr_doc_origins_t from = {&x->in, index, x->xf ? (const uint32_t *)(const void *)x->origins.data
                                                   : NULL};
    asr_docs_reset(&x->with_ids);
    int n = asr_docs_assign_ids(res, &from, x->cfg->seed, &x->with_ids);
    if (n < 0) return asr_err_set(err, n, "verify: cannot give the documents their _ids");
    if (n > 0) res = &x->with_ids, x->ids_derived = 1;
  }
  if (asr_buf_append(&out->buf, res->buf.data, res->buf.len))
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  out->count += res->count;
  return 0;
}

/* asr_verify_map_fn for a MongoDB source: its documents carry their _ids (the key). */
static int verify_map(void *ud, const uint8_t *doc, uint32_t len, asr_docs_t *out,
                      asr_err_t *err) {
  return expect_doc(ud, doc, len, 0, out, err);
}

/* ---- sources read again by index (generation, files) ------------------------------------ */

/* sample_n indexes spread over [0, n): one drawn (from the seed) in each of sample_n equal
 * slices, so they are distinct and sorted; all of them when n <= sample_n. */
static uint32_t pick_indexes(uint64_t n, uint32_t sample_n, uint64_t seed, uint64_t *out) {
  if (n <= sample_n) {
    for (uint64_t i = 0; i < n; i++) out[i] = i;
    return (uint32_t)n;
  }
  uint8_t id[ASR_DOC_ID_LEN];
  for (uint32_t k = 0; k < sample_n; k++) {
    uint64_t lo = n / sample_n * k + (n % sample_n) * k / sample_n;
    uint64_t hi = n / sample_n * (k + 1) + (n % sample_n) * (k + 1) / sample_n;
    asr_doc_id_derive(seed, (const uint8_t *)"verify", 6, k, id); /* a well-mixed draw */
    uint64_t r;
    memcpy(&r, id, sizeof r);
    out[k] = lo + r % (hi - lo);
  }
  return sample_n;
}

/* The source opened again, with a worker of its own on this thread. */
typedef struct reread {
  asr_source_t *src;
  asr_source_worker_t *w;
  asr_batch_t b;
  asr_docs_t docs;
} reread_t;

static int reread_open(reread_t *r, const asr_config_t *cfg, asr_worker_env_t *env,
                       asr_err_t *err) {
  memset(r, 0, sizeof *r);
  asr_buf_init(&r->b.raw);
  asr_docs_init(&r->docs);
  int rc = asr_source_open(&cfg->source, &r->src, err);
  if (rc == 0 && r->src->vt->worker_open) rc = r->src->vt->worker_open(r->src, env, &r->w, err);
  return rc;
}

static void reread_close(reread_t *r) {
  if (r->w && r->src->vt->worker_close) r->src->vt->worker_close(r->src, r->w);
  if (r->src) asr_source_destroy(r->src);
  asr_buf_free(&r->b.raw);
  asr_docs_free(&r->docs);
}

/* Frames the next batch of up to max records: 1, 0 at the end, or ASR_E*. */
static int reread_next(reread_t *r, uint32_t max, asr_err_t *err) {
  asr_buf_reset(&r->b.raw);
  r->b.seq++;
  return r->src->vt->next(r->src, &r->b, max, err);
}

static int reread_decode(reread_t *r, asr_err_t *err) {
  asr_docs_reset(&r->docs);
  return r->src->vt->decode(r->src, r->w, &r->b, &r->docs, err);
}

/* The source's records, and (count_out) the documents the run makes of them. */
static int count_records(const asr_config_t *cfg, expect_t *x, int count_out, uint64_t *records,
                         uint64_t *outputs, asr_err_t *err) {
  reread_t r;
  asr_docs_t out;
  asr_docs_init(&out);
  int rc = reread_open(&r, cfg, x->env, err);
  *records = *outputs = 0;
  uint32_t max = count_out ? 1000 : 65536; /* framing only: large batches, bounded memory */
  while (rc == 0 && (rc = reread_next(&r, max, err)) == 1) {
    rc = 0;
    *records += r.b.count;
    if (!count_out) continue;
    if ((rc = reread_decode(&r, err))) break;
    uint64_t index = r.b.first_index;
    for (asr_docs_iter_t it = asr_docs_begin(&r.docs); rc == 0 && asr_docs_next(&it); index++) {
      asr_docs_reset(&out);
      rc = expect_doc(x, it.doc, it.len, index, &out, err);
      *outputs += out.count;
    }
  }
  if (!count_out) *outputs = *records;
  reread_close(&r);
  asr_docs_free(&out);
  return rc < 0 ? rc : 0;
}

/* The documents the run wrote for the sampled records, into want; index: per document of
 * want, the record it came from. */
static int regenerate(const asr_config_t *cfg, expect_t *x, const uint64_t *pick, uint32_t npick,
                      asr_docs_t *want, uint64_t *index, uint32_t index_cap, asr_err_t *err) {
  reread_t r;
  int rc = reread_open(&r, cfg, x->env, err);
  uint32_t k = 0;
  while (rc == 0 && k < npick && (rc = reread_next(&r, 256, err)) == 1) {
    rc = 0;
    uint64_t end = r.b.first_index + r.b.count;
    if (pick[k] >= end) continue;
    if ((rc = reread_decode(&r, err))) break;
    uint64_t at = r.b.first_index;
    for (asr_docs_iter_t it = asr_docs_begin(&r.docs);
         rc == 0 && k < npick && pick[k] < end && asr_docs_next(&it); at++) {
      if (at != pick[k]) continue;
      uint32_t before = want->count;
      rc = expect_doc(x, it.doc, it.len, at, want, err);
      for (uint32_t d = before; rc == 0 && d < want->count && d < index_cap; d++) index[d] = at;
      k++;
    }
  }
  reread_close(&r);
  return rc < 0 ? rc : 0;
}

#define MAX_FANOUT_KEPT 16 /* documents of one sampled record compared, at most */

static int verify_reread(const asr_config_t *cfg, expect_t *x, int64_t expected,
                         asr_verify_result_t *res, asr_err_t *err) {
  uint64_t records, outputs;
  int rc = count_records(cfg, x, expected < 0 && x->xf, &records, &outputs, err);
  if (rc) return rc;
  if (expected < 0) expected = (int64_t)outputs;
  uint64_t pick[VERIFY_SAMPLE];
  uint32_t npick = pick_indexes(records, VERIFY_SAMPLE, cfg->seed, pick);
  asr_docs_t want;
  asr_docs_init(&want);
  uint32_t cap = VERIFY_SAMPLE * MAX_FANOUT_KEPT;
  uint64_t *index = calloc(cap, sizeof *index);
  if (!index) rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
  if (rc == 0) rc = regenerate(cfg, x, pick, npick, &want, index, cap, err);
  if (rc == 0 && want.count > cap) { /* keep what the index covers */
    asr_docs_iter_t it = asr_docs_begin(&want);
    for (uint32_t d = 0; d < cap; d++) asr_docs_next(&it);
    want.buf.len = (size_t)(it.pos - want.buf.data);
    want.count = cap;
  }
  asr_mongo_endpoint_t to = target_endpoint(cfg);
  if (rc == 0) rc = asr_mongo_check_verify_docs(&to, expected, &want, index, res, err);
  free(index);
  asr_docs_free(&want);
  return rc;
}

int asr_db_checks_verify(const asr_config_t *cfg, asr_strategy_t *strategy, int64_t expected,
                         int quiet, asr_err_t *err) {
  if (!is_mongo_uri(cfg->target))
    return asr_err_set(err, ASR_EINVAL, "--verify needs a MongoDB target");
  int from_mongo = strcmp(cfg->source.kind, "mongodb") == 0;
  asr_mongo_endpoint_t from = source_endpoint(cfg), to = target_endpoint(cfg);
  expect_t x;
  int rc = expect_open(&x, cfg, strategy, err);
  asr_verify_result_t res = {0};
  if (rc == 0 && from_mongo)
    rc = asr_mongo_check_verify(&from, cfg->source.filter, cfg->source.projection, &to, expected,
                                VERIFY_SAMPLE, x.xf ? verify_map : NULL, &x, &res, err);
  else if (rc == 0)
    rc = verify_reread(cfg, &x, expected, &res, err);
  int ids_derived = x.ids_derived;
  expect_close(&x);
  if (rc) return rc;
  if (res.first_problem[0]) {
    /* --verify-only regenerates with the clock of --now, else the time it runs, and with
     * the seed of --seed, else a random one (a generation) or the derived one (a migration,
     * which a run given another seed did not use); _ids derived from another seed than the
     * run's are not found. */
    int regen = !from_mongo && expected < 0 && (res.mismatched > 0 || res.missing > 0);
    int clock_hint = regen && cfg->source.has_clock != ASR_CLOCK_GIVEN && res.mismatched > 0;
    int seed_pinned = cfg->seed_origin == ASR_SEED_GIVEN || cfg->seed_origin == ASR_SEED_STRATEGY;
    int seed_hint = !seed_pinned && ((regen && cfg->seed_origin == ASR_SEED_RANDOM) ||
                                     (ids_derived && res.missing > 0));
    return asr_err_set(err, ASR_EIO, "verify failed: target holds %lld documents, expected "
                       "%lld; sampled %u: %u missing, %u different; %s%s%s",
                       (long long)res.target_count, (long long)res.expected, res.sampled,
                       res.missing, res.mismatched, res.first_problem,
                       clock_hint ? " (if the template uses $now or $objectid, pass the "
                                    "run's --now)" : "",
                       seed_hint ? " (pass the run's --seed: its plan and summary show it)" : "");
  }
  if (quiet) return 0;
  if (res.sampled == 0 && res.expected > 0) /* say so rather than "0 sampled documents equal" */
    printf("Verify: ok: target holds %lld documents as expected; no document compared (they "
           "have no _id to look them up by: writes keyed by other fields)\n",
           (long long)res.target_count);
  else
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
