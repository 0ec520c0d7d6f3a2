/* sim: the simulated database in real time, for the auto-scaler's end-to-end tests and
 * benchmarks. `sim:key=value,...` (simdb/spec.h) or `sim:FILE.lua` / `sim:NAME` (a scenario,
 * through the loader the runtime passes in the options) configures the one model of
 * simdb/model.h, which the policy lab runs in virtual time. Each attempt of a batch asks the
 * model what a write of its remaining documents does, sleeps the service time it answers (so
 * throughput follows the Universal Scalability Law and the request-unit budget), then
 * classifies the reply a Cosmos DB for MongoDB server would send with the MongoDB sink's own
 * code (sinks/sim_reply.h): documents written, failed for good (dead-lettered as the MongoDB
 * sink dead-letters a server's permanent errors, sinks/dead_letter.h), throttled or
 * transiently failed (sent again after the wait the MongoDB sink would wait, up to
 * ASR_SIM_MAX_ATTEMPTS attempts, then the batch fails). Documents are only measured: one over
 * BSON's limit is dead-lettered as the file targets do (asr_sink_set_aside_oversized). The
 * scenario's start point and duration are for the lab; phases follow the time since the sink
 * opened.
 * Counters are lock-free atomics; the model (not thread-safe) and the request charge sit
 * under model_mu, taken once per attempt. The other mutex and the condition variable exist
 * only so that abort() wakes sleeping writers at once. */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "simdb/model.h"
#include "simdb/spec.h"
#include "sinks/dead_letter.h"
#include "sinks/sim_reply.h"
#include "sinks/sink.h"
#include "util/file.h"

typedef struct sim_sink {
  asr_sink_t base;
  uv_mutex_t model_mu;
  asr_simdb_t *model;    /* under model_mu */
  double request_charge; /* under model_mu */
  uint64_t opened_ns;    /* the model's time 0 */
  uint64_t seed;         /* of the retry jitter */
  int dry_run;
  asr_ru_governor_t *governor; /* borrowed, may be NULL: paces writes under the budget */
  asr_dead_letter_t *dead_letter; /* borrowed, may be NULL: failures are only counted */
  uv_mutex_t mu;
  uv_cond_t wake;
  _Atomic int aborted;
  _Atomic uint32_t in_flight, workers, retry_after_max;
  _Atomic uint64_t written, failed, throttles, retries, batches, latency_us;
} sim_sink_t;

/* A worker's reply buffers (a write without a worker uses a temporary one). The reply is
 * bson_new()'d: a bson_t wants 128-byte alignment, more than malloc gives the struct. */
struct asr_sink_worker {
  bson_t *reply;
  uint8_t *outcome;
  uint32_t capacity;
  asr_docs_t kept; /* a batch without its documents over BSON's limit */
};

static void worker_init(asr_sink_worker_t *w) {
  memset(w, 0, sizeof *w);
  w->reply = bson_new();
  asr_docs_init(&w->kept);
}

static void worker_fini(asr_sink_worker_t *w) {
  bson_destroy(w->reply);
  free(w->outcome);
  asr_docs_free(&w->kept);
}

static int worker_reserve(asr_sink_worker_t *w, uint32_t n) {
  if (n <= w->capacity) return 0;
  uint8_t *o = realloc(w->outcome, n);
  if (!o) return ASR_ENOMEM;
  w->outcome = o;
  w->capacity = n;
  return 0;
}

/* ---- writing ----------------------------------------------------------------------- */

/* Sleeps ns, or less when the run is aborted. Returns ASR_ECANCELED then. */
static int sim_sleep(sim_sink_t *s, uint64_t ns) {
  uint64_t deadline = uv_hrtime() + ns;
  uv_mutex_lock(&s->mu);
  while (!atomic_load(&s->aborted)) {
    uint64_t now = uv_hrtime();
    if (now >= deadline) break;
    uv_cond_timedwait(&s->wake, &s->mu, deadline - now);
  }
  uv_mutex_unlock(&s->mu);
  return atomic_load(&s->aborted) ? ASR_ECANCELED : 0;
}

static uint64_t ns_of(double seconds) {
  double ns = seconds * 1e9;
  return ns < 1e18 ? (uint64_t)ns : (uint64_t)1e18; /* ~31 years: "forever", no overflow */
}

static void note_retry_after(sim_sink_t *s, int64_t ms) {
  uint32_t v = ms < 0 ? 0 : ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
  uint32_t cur = atomic_load(&s->retry_after_max);
  while (v > cur && !atomic_compare_exchange_weak(&s->retry_after_max, &cur, v)) {
  }
}

/* Why an attempt was refused, for the message when the batch gives up. */
typedef struct refusal {
  uint32_t throttle_above; /* > 0: too many writers in flight (legacy sim:) */
  double ru_per_second;
} refusal_t;

static double seconds_open(const sim_sink_t *s) {
  return (double)(uv_hrtime() - s->opened_ns) / 1e9;
}

/* Asks the model about a write of n documents with c in flight (this one included). */
static void model_write(sim_sink_t *s, uint32_t n, uint32_t c, asr_simdb_write_t *out,
                        refusal_t *why) {
  uv_mutex_lock(&s->model_mu);
  double now_s = seconds_open(s);
  asr_simdb_write(s->model, now_s, n, c, 0, out);
  s->request_charge += out->request_charge;
  const asr_simdb_db_t *db = &asr_scenario_at(asr_simdb_scenario(s->model), now_s)->db;
  why->throttle_above = db->throttle_above && c > db->throttle_above ? db->throttle_above : 0;
  why->ru_per_second = db->ru_per_second;
  uv_mutex_unlock(&s->model_mu);
}

static int give_up(uint64_t seq, int attempts, uint32_t left, const asr_mongo_reply_t *r,
                   const refusal_t *why, asr_err_t *err) {
  unsigned long long b = (unsigned long long)seq;
  if (!r->count[ASR_MONGO_THROTTLED])
    return asr_err_set(err, ASR_EIO, "sim: batch %llu still failing after %d attempts (%u "
                       "documents; last error: %s); giving up", b, attempts, left,
                       r->command_msg);
  if (why->throttle_above)
    return asr_err_set(err, ASR_EIO, "sim: batch %llu still throttled after %d attempts (more "
                       "writers in flight than throttle_above=%u); giving up", b, attempts,
                       why->throttle_above);
  return asr_err_set(err, ASR_EIO, "sim: batch %llu still throttled after %d attempts (%u "
                     "documents over the budget of %g RU/s); giving up", b, attempts, left,
                     why->ru_per_second);
}

/* The documents of one batch that failed for good, walked once in order: each attempt sends
 * the batch's last `left` documents (failures come first in a reply, throttled ones last), so
 * the positions of failures only grow from attempt to attempt. */
typedef struct failures {
  const asr_docs_t *docs;
  asr_docs_iter_t it;
  uint32_t pos; /* it holds document pos - 1 (0: none read yet) */
} failures_t;

/* Dead-letters the documents the attempt of the batch's last `left` documents failed for
 * good. Returns 0, or the dead-letter budget's error. */
static int dead_letter_failed(sim_sink_t *s, failures_t *f, uint64_t seq, uint32_t left,
                              const uint8_t *outcome, uint32_t nsent, asr_err_t *err) {
  if (!s->dead_letter) return 0;
  uint32_t offset = f->docs->count - left;
  for (uint32_t k = 0; k < nsent; k++) {
    if (outcome[k] != ASR_MONGO_FAILED) continue;
    uint32_t want = offset + k;
    while (f->pos <= want && asr_docs_next(&f->it)) f->pos++;
    asr_dead_letter_entry_t e = {
        .doc = f->it.doc, .len = f->it.len, .index = asr_docs_source_index(f->docs, want),
        .batch = seq, .reason = ASR_DL_REJECTED, .code = ASR_SIM_FAILED_CODE,
        .message = "Document failed validation (sim: error_rate)"};
    int rc = asr_dead_letter_add(s->dead_letter, &e, err);
    if (rc) return rc;
  }
  return 0;
}

/* One batch: attempts until every document is written or failed for good. */
static int sim_write_batch(sim_sink_t *s, asr_sink_worker_t *w, uint64_t seq,
                           const asr_docs_t *docs, asr_err_t *err) {
  uint64_t rng = s->seed ^ ((seq + 1) * 0x9E3779B97F4A7C15ull);
  uint32_t n = docs->count, left = n;
  failures_t f = {docs, asr_docs_begin(docs), 0};
  for (int attempt = 1;; attempt++) {
    if (atomic_load(&s->aborted)) return asr_err_set(err, ASR_ECANCELED, "run stopped");
    asr_simdb_write_t wr;
    refusal_t why;
    if (s->governor) { /* paced under the request-unit budget, as the mongodb sink is */
      double wait = asr_ru_governor_reserve(s->governor, seconds_open(s), left);
      if (wait > 0 && sim_sleep(s, ns_of(wait)))
        return asr_err_set(err, ASR_ECANCELED, "run stopped");
    }
    uint32_t c = atomic_fetch_add(&s->in_flight, 1) + 1;
    model_write(s, left, c, &wr, &why);
    int rc = sim_sleep(s, ns_of(wr.service_s));
    atomic_fetch_sub(&s->in_flight, 1);
    if (rc) return asr_err_set(err, rc, "run stopped");
    asr_mongo_reply_t r;
    asr_sim_reply_classify(s->model, &wr, w->reply, w->outcome, &r);
    if (s->governor)
      asr_ru_governor_record(s->governor, seconds_open(s), left, wr.request_charge,
                             r.count[ASR_MONGO_OK], r.count[ASR_MONGO_THROTTLED]);
    atomic_fetch_add(&s->written, r.count[ASR_MONGO_OK]);
    atomic_fetch_add(&s->failed, r.count[ASR_MONGO_FAILED]);
    if (r.count[ASR_MONGO_FAILED] &&
        (rc = dead_letter_failed(s, &f, seq, left, w->outcome, wr.n, err)))
      return rc;
    left = asr_sim_reply_again(&r);
    if (!left) return 0;
    if (r.count[ASR_MONGO_THROTTLED]) {
      atomic_fetch_add(&s->throttles, 1);
      note_retry_after(s, r.retry_after_ms);
    }
    if (attempt >= ASR_SIM_MAX_ATTEMPTS) return give_up(seq, attempt, left, &r, &why, err);
    atomic_fetch_add(&s->retries, 1);
    uint32_t ms = asr_sim_retry_wait_ms(&r, (uint32_t)attempt - 1, &rng);
    if (sim_sleep(s, (uint64_t)ms * 1000000u))
      return asr_err_set(err, ASR_ECANCELED, "run stopped");
  }
}

static int sim_write(asr_sink_t *base, asr_sink_worker_t *w, uint64_t seq,
                     const asr_docs_t *docs, asr_err_t *err) {
  sim_sink_t *s = (sim_sink_t *)base;
  if (s->dry_run) return 0;
  uint64_t t0 = uv_hrtime();
  int rc = 0;
  if (docs->count) {
    asr_sink_worker_t temp;
    if (!w) worker_init(w = &temp);
    /* a document over BSON's limit: dead-lettered, as the other targets do (and counted as
     * failed, as the mongodb sink counts the server's refusal) */
    uint32_t big = 0;
    rc = asr_sink_set_aside_oversized(s->dead_letter, seq, &docs, &w->kept, &big, err);
    if (big) atomic_fetch_add(&s->failed, big);
    if (rc == 0 && docs->count)
      rc = worker_reserve(w, docs->count) ? asr_err_set(err, ASR_ENOMEM, "out of memory")
                                          : sim_write_batch(s, w, seq, docs, err);
    if (w == &temp) worker_fini(&temp);
  }
  atomic_fetch_add(&s->batches, 1);
  atomic_fetch_add(&s->latency_us, (uv_hrtime() - t0) / 1000);
  return rc;
}

/* ---- the rest of the interface ----------------------------------------------------- */

static int sim_worker_open(asr_sink_t *base, asr_sink_worker_t **out, asr_err_t *err) {
  sim_sink_t *s = (sim_sink_t *)base;
  *out = malloc(sizeof **out);
  if (!*out) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  worker_init(*out);
  atomic_fetch_add(&s->workers, 1);
  return 0;
}

static void sim_worker_close(asr_sink_t *base, asr_sink_worker_t *w) {
  sim_sink_t *s = (sim_sink_t *)base;
  if (!w) return;
  atomic_fetch_sub(&s->workers, 1);
  worker_fini(w);
  free(w);
}

static int sim_finish(asr_sink_t *base, asr_err_t *err) { return 0; }

/* Nothing to take back; writers sleeping in a write or a retry wake up and give up. */
static void sim_abort(asr_sink_t *base, int keep_partial) {
  sim_sink_t *s = (sim_sink_t *)base;
  uv_mutex_lock(&s->mu);
  atomic_store(&s->aborted, 1);
  uv_cond_broadcast(&s->wake);
  uv_mutex_unlock(&s->mu);
}

static void sim_destroy(asr_sink_t *base) {
  sim_sink_t *s = (sim_sink_t *)base;
  uv_cond_destroy(&s->wake);
  uv_mutex_destroy(&s->mu);
  uv_mutex_destroy(&s->model_mu);
  asr_simdb_free(s->model);
  free(base->description);
  free(base->location);
  free(s);
}

static void sim_stats(asr_sink_t *base, asr_sink_db_stats_t *out) {
  sim_sink_t *s = (sim_sink_t *)base;
  memset(out, 0, sizeof *out);
  out->docs_written = atomic_load(&s->written);
  out->failed = atomic_load(&s->failed);
  out->throttles = atomic_load(&s->throttles);
  out->retries = atomic_load(&s->retries);
  out->batches = atomic_load(&s->batches);
  out->latency_us_total = atomic_load(&s->latency_us);
  out->pool_in_use = atomic_load(&s->in_flight);
  out->pool_size = atomic_load(&s->workers);
  out->retry_after_ms_max = atomic_exchange(&s->retry_after_max, 0); /* per reading */
  uv_mutex_lock(&s->model_mu);
  out->request_charge = s->request_charge;
  uv_mutex_unlock(&s->model_mu);
}

static const asr_sink_vt_t sim_vt = {
    .scheme = "sim",
    .worker_open = sim_worker_open,
    .worker_close = sim_worker_close,
    .write = sim_write,
    .finish = sim_finish,
    .abort = sim_abort,
    .destroy = sim_destroy,
    .stats = sim_stats,
};

/* ---- opening ----------------------------------------------------------------------- */

/* A scenario rather than key=value options: FILE.lua (or a path), or a bare name that is no
 * option key ("sim:latency_ms" still asks for a value). */
static int names_scenario(const char *spec) {
  if (!spec || !*spec || strchr(spec, '=')) return 0;
  return asr_is_lua_file_name(spec) || (!strchr(spec, ',') && !asr_simdb_spec_is_key(spec));
}

static int load_scenario(const char *spec, const asr_sink_options_t *opt, asr_scenario_t *sc,
                         asr_err_t *err) {
  if (!names_scenario(spec) || !opt || !opt->load_scenario)
    return asr_simdb_spec_parse(spec, sc, err);
  int rc = opt->load_scenario(opt->load_scenario_ud, spec, sc, err);
  if (rc) asr_err_prefix(err, "sim");
  return rc;
}

int asr_sink_sim_open(const char *spec, const asr_sink_options_t *opt, asr_sink_t **out,
                      asr_err_t *err) {
  *out = NULL;
  asr_scenario_t sc;
  int rc = load_scenario(spec, opt, &sc, err);
  if (rc) return rc;
  sim_sink_t *s = calloc(1, sizeof *s);
  if (!s) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  int mu_ok = uv_mutex_init(&s->mu) == 0;
  int model_mu_ok = uv_mutex_init(&s->model_mu) == 0;
  int cond_ok = uv_cond_init(&s->wake) == 0;
  char text[512];
  asr_simdb_describe(&sc, text, sizeof text);
  s->base.vt = &sim_vt;
  s->base.derive_ids = 1; /* stands in for a database: same documents, same cost */
  s->base.description = strdup(text);
  s->base.location = strdup("sim:");
  s->model = asr_simdb_new(&sc);
  s->seed = sc.seed;
  s->dry_run = opt && opt->dry_run;
  s->governor = opt ? opt->governor : NULL;
  s->dead_letter = opt ? opt->dead_letter : NULL;
  s->opened_ns = uv_hrtime();
  if (!mu_ok || !model_mu_ok || !cond_ok || !s->base.description || !s->base.location ||
      !s->model) {
    rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
    if (mu_ok) uv_mutex_destroy(&s->mu);
    if (model_mu_ok) uv_mutex_destroy(&s->model_mu);
    if (cond_ok) uv_cond_destroy(&s->wake);
    asr_simdb_free(s->model);
    free(s->base.description);
    free(s->base.location);
    free(s);
    return rc;
  }
  *out = &s->base;
  return 0;
}
