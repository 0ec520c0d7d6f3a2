/* sim: a database slowed on purpose, for the auto-scaler's end-to-end tests and benchmarks.
 * A batch write sleeps (latency_ms + per_doc_us * n / 1000) * (1 + sigma*(c-1) + kappa*c*(c-1))
 * ms, c = writers in flight when it starts, so throughput follows the Universal Scalability
 * Law and the best worker count is known: sqrt((1 - sigma) / kappa). Above throttle_above
 * writers in flight a write is refused like a Cosmos DB 16500 and retried after
 * retry_after_ms; error_rate makes every round(1/error_rate)-th document fail permanently
 * (counted, not fatal, like unordered MongoDB writes). Documents are never looked at.
 * The sink owns its counters (lock-free atomics); each worker owns only a placeholder, so
 * that worker_close is called and pool_size can count open workers. The mutex and condition
 * variable exist only so that abort() wakes sleeping writers at once. */
#include <math.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "sinks/sink.h"

#define SIM_MAX_ATTEMPTS 20 /* throttled attempts of one batch before the write fails */
#define SIM_KEYS "latency_ms, per_doc_us, sigma, kappa, throttle_above, retry_after_ms, error_rate"

typedef struct sim_cfg {
  double latency_ms, per_doc_us, sigma, kappa, error_rate;
  uint32_t throttle_above, retry_after_ms;
} sim_cfg_t;

typedef struct sim_sink {
  asr_sink_t base;
  sim_cfg_t cfg;
  uint64_t error_period; /* every error_period-th document fails; 0: none */
  int dry_run;
  uv_mutex_t mu;
  uv_cond_t wake;
  _Atomic int aborted;
  _Atomic uint32_t in_flight, workers, retry_after_max;
  _Atomic uint64_t doc_seq; /* documents of successful writes so far, picks the failures */
  _Atomic uint64_t written, failed, throttles, retries, batches, latency_us;
} sim_sink_t;

struct asr_sink_worker {
  int unused; /* the sink keeps no per-worker state */
};

/* ---- options ----------------------------------------------------------------------- */

typedef enum { NUM_REAL, NUM_FRACTION, NUM_COUNT } num_kind_t;

typedef struct sim_key {
  const char *name;
  size_t offset;
  num_kind_t kind;
} sim_key_t;

static const sim_key_t sim_keys[] = {
    {"latency_ms", offsetof(sim_cfg_t, latency_ms), NUM_REAL},
    {"per_doc_us", offsetof(sim_cfg_t, per_doc_us), NUM_REAL},
    {"sigma", offsetof(sim_cfg_t, sigma), NUM_REAL},
    {"kappa", offsetof(sim_cfg_t, kappa), NUM_REAL},
    {"throttle_above", offsetof(sim_cfg_t, throttle_above), NUM_COUNT},
    {"retry_after_ms", offsetof(sim_cfg_t, retry_after_ms), NUM_COUNT},
    {"error_rate", offsetof(sim_cfg_t, error_rate), NUM_FRACTION},
};

static const char *const kind_wants[] = {
    [NUM_REAL] = "a number >= 0",
    [NUM_FRACTION] = "a number from 0 to 1",
    [NUM_COUNT] = "a whole number from 0 to 4294967295",
};

/* Parses val[0..len) as the key's number into cfg. */
static int set_value(sim_cfg_t *cfg, const sim_key_t *k, const char *val, size_t len,
                     asr_err_t *err) {
  char text[64], *end;
  int ok = len > 0 && len < sizeof text;
  double d = 0;
  if (ok) {
    memcpy(text, val, len);
    text[len] = '\0';
    if (k->kind == NUM_COUNT) {
      ok = strspn(text, "0123456789") == len;
      unsigned long long u = ok ? strtoull(text, &end, 10) : 0;
      ok = ok && u <= UINT32_MAX;
      if (ok) *(uint32_t *)((char *)cfg + k->offset) = (uint32_t)u;
    } else {
      d = strtod(text, &end);
      ok = *end == '\0' && isfinite(d) && d >= 0 && (k->kind != NUM_FRACTION || d <= 1);
      if (ok) *(double *)((char *)cfg + k->offset) = d;
    }
  }
  if (ok) return 0;
  return asr_err_set(err, ASR_EINVAL, "sim: bad value '%.*s' for %s (%s)", (int)len, val,
                     k->name, kind_wants[k->kind]);
}

/* One "key=value" item, item[0..len). */
static int parse_item(sim_cfg_t *cfg, const char *item, size_t len, asr_err_t *err) {
  const char *eq = memchr(item, '=', len);
  size_t klen = eq ? (size_t)(eq - item) : len;
  for (size_t i = 0; i < sizeof sim_keys / sizeof sim_keys[0]; i++) {
    const sim_key_t *k = &sim_keys[i];
    if (strlen(k->name) != klen || memcmp(k->name, item, klen) != 0) continue;
    if (!eq)
      return asr_err_set(err, ASR_EINVAL, "sim: option '%.*s' needs a value (%.*s=NUMBER)",
                         (int)klen, item, (int)klen, item);
    return set_value(cfg, k, eq + 1, len - klen - 1, err);
  }
  return asr_err_set(err, ASR_EINVAL, "sim: unknown option '%.*s' (" SIM_KEYS ")", (int)klen,
                     item);
}

/* spec: comma-separated key=value items; empty items are skipped ("sim:" is all defaults). */
static int parse_spec(const char *spec, sim_cfg_t *cfg, asr_err_t *err) {
  *cfg = (sim_cfg_t){.latency_ms = 5, .per_doc_us = 20, .retry_after_ms = 10};
  for (const char *p = spec ? spec : ""; *p;) {
    size_t len = strcspn(p, ",");
    int rc = len ? parse_item(cfg, p, len, err) : 0;
    if (rc) return rc;
    p += len + (p[len] == ',');
  }
  return 0;
}

/* "simulated database (latency 5 ms + 20 us/doc, sigma 0, kappa 0)", plus the throttle and
 * the error rate when they are on. */
static char *describe(const sim_cfg_t *c) {
  char text[512];
  int n = snprintf(text, sizeof text,
                   "simulated database (latency %g ms + %g us/doc, sigma %g, kappa %g",
                   c->latency_ms, c->per_doc_us, c->sigma, c->kappa);
  if (c->throttle_above)
    n += snprintf(text + n, sizeof text - (size_t)n,
                  ", throttled above %u writers, retry after %u ms", c->throttle_above,
                  c->retry_after_ms);
  if (c->error_rate > 0)
    n += snprintf(text + n, sizeof text - (size_t)n, ", error rate %g", c->error_rate);
  snprintf(text + n, sizeof text - (size_t)n, ")");
  return strdup(text);
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

static void note_retry_after(sim_sink_t *s, uint32_t ms) {
  uint32_t cur = atomic_load(&s->retry_after_max);
  while (ms > cur && !atomic_compare_exchange_weak(&s->retry_after_max, &cur, ms)) {
  }
}

/* How long n documents take with c writers in flight (the USL contention factor). */
static uint64_t write_ns(const sim_cfg_t *c, uint32_t n, uint32_t writers) {
  double base_ms = c->latency_ms + c->per_doc_us * (double)n / 1000.0;
  double w = (double)writers;
  double factor = 1.0 + c->sigma * (w - 1.0) + c->kappa * w * (w - 1.0);
  double ns = base_ms * factor * 1e6;
  return ns < 1e18 ? (uint64_t)ns : (uint64_t)1e18; /* ~31 years: "forever", no overflow */
}

/* One batch: in flight while it sleeps; refused and retried while too many are in flight. */
static int sim_write_batch(sim_sink_t *s, uint64_t seq, uint32_t n, asr_err_t *err) {
  for (int attempt = 1;; attempt++) {
    if (atomic_load(&s->aborted)) return asr_err_set(err, ASR_ECANCELED, "run stopped");
    uint32_t c = atomic_fetch_add(&s->in_flight, 1) + 1;
    if (!s->cfg.throttle_above || c <= s->cfg.throttle_above) {
      int rc = sim_sleep(s, write_ns(&s->cfg, n, c));
      atomic_fetch_sub(&s->in_flight, 1);
      return rc ? asr_err_set(err, rc, "run stopped") : 0;
    }
    atomic_fetch_sub(&s->in_flight, 1);
    atomic_fetch_add(&s->throttles, 1);
    note_retry_after(s, s->cfg.retry_after_ms);
    if (attempt >= SIM_MAX_ATTEMPTS)
      return asr_err_set(err, ASR_EIO,
                         "sim: batch %llu still throttled after %d attempts (more writers in "
                         "flight than throttle_above=%u); giving up", (unsigned long long)seq,
                         attempt, s->cfg.throttle_above);
    atomic_fetch_add(&s->retries, 1);
    if (sim_sleep(s, (uint64_t)s->cfg.retry_after_ms * 1000000u))
      return asr_err_set(err, ASR_ECANCELED, "run stopped");
  }
}

static int sim_write(asr_sink_t *base, asr_sink_worker_t *w, uint64_t seq,
                     const asr_docs_t *docs, asr_err_t *err) {
  sim_sink_t *s = (sim_sink_t *)base;
  if (s->dry_run) return 0;
  uint64_t t0 = uv_hrtime();
  int rc = docs->count ? sim_write_batch(s, seq, docs->count, err) : 0;
  if (rc == 0 && docs->count) {
    uint64_t before = atomic_fetch_add(&s->doc_seq, docs->count), p = s->error_period;
    uint64_t failed = p ? (before + docs->count) / p - before / p : 0;
    atomic_fetch_add(&s->failed, failed);
    atomic_fetch_add(&s->written, docs->count - failed);
  }
  atomic_fetch_add(&s->batches, 1);
  atomic_fetch_add(&s->latency_us, (uv_hrtime() - t0) / 1000);
  return rc;
}

/* ---- the rest of the interface ----------------------------------------------------- */

static int sim_worker_open(asr_sink_t *base, asr_sink_worker_t **out, asr_err_t *err) {
  sim_sink_t *s = (sim_sink_t *)base;
  *out = calloc(1, sizeof **out);
  if (!*out) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  atomic_fetch_add(&s->workers, 1);
  return 0;
}

static void sim_worker_close(asr_sink_t *base, asr_sink_worker_t *w) {
  sim_sink_t *s = (sim_sink_t *)base;
  if (!w) return;
  atomic_fetch_sub(&s->workers, 1);
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

/* Every round(1/rate)-th document fails; 0 (none) when the rate is 0 or vanishingly small. */
static uint64_t error_period(double rate) {
  double p = rate > 0 ? round(1.0 / rate) : 0;
  return p >= 1 && p < 1e18 ? (uint64_t)p : 0;
}

int asr_sink_sim_open(const char *spec, const asr_sink_options_t *opt, asr_sink_t **out,
                      asr_err_t *err) {
  *out = NULL;
  sim_cfg_t cfg;
  int rc = parse_spec(spec, &cfg, err);
  if (rc) return rc;
  sim_sink_t *s = calloc(1, sizeof *s);
  if (!s) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  int mu_ok = uv_mutex_init(&s->mu) == 0;
  int cond_ok = uv_cond_init(&s->wake) == 0;
  s->base.vt = &sim_vt;
  s->base.description = describe(&cfg);
  s->base.location = strdup("sim:");
  s->cfg = cfg;
  s->error_period = error_period(cfg.error_rate);
  s->dry_run = opt && opt->dry_run;
  if (!mu_ok || !cond_ok || !s->base.description || !s->base.location) {
    rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
    goto done;
  }
  *out = &s->base;
done:
  if (rc) {
    if (mu_ok) uv_mutex_destroy(&s->mu);
    if (cond_ok) uv_cond_destroy(&s->wake);
    free(s->base.description);
    free(s->base.location);
    free(s);
  }
  return rc;
}
