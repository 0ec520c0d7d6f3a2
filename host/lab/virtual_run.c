/* The virtual-time run (virtual_run.h): an event queue of worker steps and check timers on
 * one clock. Owns the model, the governor, the metrics collector, the controller (with the
 * policy) and its workers; everything is freed when asr_vrun returns. */
#include "lab/virtual_run.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "metrics/metrics.h"
#include "pipeline/control.h"
#include "pipeline/pipeline.h"
#include "scaler/controller.h"
#include "simdb/model.h"
#include "sinks/mongo_reply.h"
#include "sinks/ru_governor.h"
#include "sinks/sim_reply.h"

#define MIB (1024.0 * 1024.0)
#define JIFFIES_PER_S 100.0

typedef enum { EV_CPU_DONE, EV_SEND, EV_REPLY, EV_CHECK } ev_kind_t;

typedef struct event {
  double t;
  uint64_t seq; /* ties broken by insertion order: deterministic */
  uint32_t worker;
  ev_kind_t kind;
} event_t;

typedef enum { W_GONE = 0, W_BUSY } wstate_t;

typedef struct vworker {
  wstate_t st;
  int retiring;     /* leaves after its batch */
  uint32_t batch;   /* documents taken from the source for this batch */
  uint32_t pending; /* of them, still to write */
  uint32_t attempt; /* retries so far */
  int reserved;     /* the governor has reserved this send's charge (it waited for it) */
  uint64_t rng;     /* retry jitter, per worker as in the real sinks */
  asr_simdb_write_t res;
} vworker_t;

typedef struct vrun {
  const asr_vrun_config_t *cfg;
  const asr_scenario_t *sc;
  asr_simdb_t *db;
  asr_ru_governor_t *gov;
  asr_metrics_t *metrics;
  asr_controller_t *ctl;
  asr_hist_t *hist;
  double now, end;
  /* events: a binary heap on (t, seq) */
  event_t *heap;
  size_t nheap, capheap;
  uint64_t seq;
  /* workers: slots reused; `target` counts the ones not retiring */
  vworker_t *w;
  uint32_t nslots, target, batch_size;
  uint32_t cpu_busy, in_flight, active;
  uint64_t held_docs; /* documents inside the client (taken, not yet written or given up) */
  int dead;           /* killed for memory */
  /* counters, cumulative */
  uint64_t written, failed, lost, requests, throttled_requests, retries, bytes;
  uint32_t retry_after_max;
  uint64_t latency_us;
  double client_cpu_s, db_cpu_s, charge;
  asr_vrun_result_t *out;
  size_t capintervals;
  uint64_t last_written, last_requests, last_throttled;
} vrun_t;

/* ---- the event heap ---- */

static int before(const event_t *a, const event_t *b) {
  return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static int push(vrun_t *r, double t, uint32_t worker, ev_kind_t kind) {
  if (r->nheap == r->capheap) {
    size_t cap = r->capheap ? 2 * r->capheap : 256;
    event_t *h = realloc(r->heap, cap * sizeof *h);
    if (!h) return ASR_ENOMEM;
    r->heap = h;
    r->capheap = cap;
  }
  size_t i = r->nheap++;
  r->heap[i] = (event_t){.t = t, .seq = r->seq++, .worker = worker, .kind = kind};
  while (i > 0 && before(&r->heap[i], &r->heap[(i - 1) / 2])) {
    event_t tmp = r->heap[i];
    r->heap[i] = r->heap[(i - 1) / 2];
    r->heap[(i - 1) / 2] = tmp;
    i = (i - 1) / 2;
  }
  return 0;
}

static event_t pop(vrun_t *r) {
  event_t top = r->heap[0];
  r->heap[0] = r->heap[--r->nheap];
  for (size_t i = 0;;) {
    size_t l = 2 * i + 1, m = i;
    if (l < r->nheap && before(&r->heap[l], &r->heap[m])) m = l;
    if (l + 1 < r->nheap && before(&r->heap[l + 1], &r->heap[m])) m = l + 1;
    if (m == i) break;
    event_t tmp = r->heap[i];
    r->heap[i] = r->heap[m];
    r->heap[m] = tmp;
    i = m;
  }
  return top;
}

/* ---- the modelled client ---- */

static const asr_simdb_phase_t *phase(const vrun_t *r) { return asr_scenario_at(r->sc, r->now); }

/* Resident memory of the documents the workers hold (the model's formula). */
static double rss_bytes(const vrun_t *r) {
  return asr_simdb_client_memory_mb(phase(r), (double)r->held_docs) * MIB;
}

static void check_memory(vrun_t *r) {
  if (r->dead || rss_bytes(r) <= phase(r)->client.memory_mb * MIB) return;
  r->dead = 1; /* the kernel's OOM killer: whatever the client held is gone */
  r->out->oom_killed = 1;
  r->out->oom_at_s = r->now;
  r->lost += r->held_docs;
  r->held_docs = 0;
}

static double cpu_runnable(const vrun_t *r) {
  return (double)r->cpu_busy + (phase(r)->db.shares_client_cpu ? (double)r->in_flight : 0.0);
}

/* ---- a worker's steps: take a batch, spend CPU on it, send, handle the reply ---- */

static int start_batch(vrun_t *r, uint32_t i) {
  vworker_t *w = &r->w[i];
  if (w->retiring || r->dead) {
    w->st = W_GONE;
    w->retiring = 0;
    r->active--;
    return 0;
  }
  const asr_simdb_phase_t *p = phase(r);
  w->batch = w->pending = r->batch_size;
  w->attempt = 0;
  r->held_docs += w->batch;
  check_memory(r);
  if (r->dead) return 0;
  double work_s = (double)w->batch * p->client.per_doc_cpu_us / 1e6;
  r->client_cpu_s += work_s;
  r->cpu_busy++;
  double slow = cpu_runnable(r) / (p->client.cores > 0 ? p->client.cores : 1);
  return push(r, r->now + work_s * (slow > 1 ? slow : 1), i, EV_CPU_DONE);
}

/* Reserves the send's charge with the governor (once) and waits what it says, then sends. */
static int send_or_pace(vrun_t *r, uint32_t i) {
  vworker_t *w = &r->w[i];
  if (r->gov && !w->reserved) {
    w->reserved = 1;
    double wait = asr_ru_governor_reserve(r->gov, r->now, w->pending);
    if (wait > 0) return push(r, r->now + wait, i, EV_SEND);
  }
  w->reserved = 0;
  r->in_flight++;
  r->requests++;
  asr_simdb_write(r->db, r->now, w->pending, r->in_flight, cpu_runnable(r), &w->res);
  return push(r, r->now + w->res.service_s, i, EV_REPLY);
}

/* Books the reply as the sinks do: the counts of the real classification of the reply the
 * server would send (sim_reply.h, without building it per write); returns the documents to
 * send again, with *rep filled for the retry wait. */
static uint32_t book_reply(vrun_t *r, vworker_t *w, asr_mongo_reply_t *rep) {
  const asr_simdb_write_t *res = &w->res;
  uint32_t n = w->pending, ok = 0, failed = 0, again = 0;
  memset(rep, 0, sizeof *rep);
  if (!res->transient && !res->failed && !res->throttled) {
    ok = n; /* a clean reply: nInserted n, nothing to classify */
  } else {
    asr_sim_reply_counts(res, rep); /* the classification's counts (test_sim_reply holds
                                     * them equal to classifying the crafted reply) */
    ok = rep->count[ASR_MONGO_OK];
    failed = rep->count[ASR_MONGO_FAILED] + rep->count[ASR_MONGO_DUPLICATE];
    again = asr_sim_reply_again(rep);
    if (rep->count[ASR_MONGO_THROTTLED]) {
      r->throttled_requests++;
      if (res->retry_after_ms > r->retry_after_max) r->retry_after_max = res->retry_after_ms;
    }
  }
  r->written += ok;
  r->failed += failed;
  r->bytes += (uint64_t)((double)ok * phase(r)->doc_bytes);
  r->charge += res->request_charge;
  if (r->gov)
    asr_ru_governor_record(r->gov, r->now, n, res->request_charge, ok, res->throttled);
  return again;
}

static int on_reply(vrun_t *r, uint32_t i) {
  vworker_t *w = &r->w[i];
  r->in_flight--;
  uint64_t us = (uint64_t)(w->res.service_s * 1e6);
  asr_hist_record(r->hist, us);
  r->latency_us += us;
  r->db_cpu_s += w->res.db_cpu_s;
  asr_mongo_reply_t rep;
  uint32_t again = book_reply(r, w, &rep);
  uint32_t done = w->pending - again;
  r->held_docs -= done;
  if (again) {
    if (++w->attempt >= ASR_SIM_MAX_ATTEMPTS) { /* given up: the batch's rest is lost */
      r->lost += again;
      r->held_docs -= again;
      return start_batch(r, i);
    }
    r->retries++;
    w->pending = again;
    double wait_ms = asr_sim_retry_wait_ms(&rep, w->attempt - 1, &w->rng);
    return push(r, r->now + wait_ms / 1000.0, i, EV_SEND);
  }
  return start_batch(r, i);
}

/* ---- the control table, as the controller sees it ---- */

static int set_workers(void *ud, uint32_t n) {
  vrun_t *r = ud;
  if (n < 1 || n > ASR_MAX_WORKERS) return ASR_EINVAL;
  for (uint32_t i = 0; i < r->nslots && r->target < n; i++) /* cancel retirements first */
    if (r->w[i].st == W_BUSY && r->w[i].retiring) {
      r->w[i].retiring = 0;
      r->target++;
    }
  for (uint32_t i = 0; i < ASR_MAX_WORKERS && r->target < n; i++) {
    if (i == r->nslots) r->nslots++;
    if (r->w[i].st != W_GONE) continue;
    r->w[i] = (vworker_t){.st = W_BUSY, .rng = r->sc->seed * 1000003u + i};
    r->target++;
    r->active++;
    if (start_batch(r, i)) return ASR_ENOMEM;
  }
  for (uint32_t i = r->nslots; i-- > 0 && r->target > n;) /* the newest leave first */
    if (r->w[i].st == W_BUSY && !r->w[i].retiring) {
      r->w[i].retiring = 1;
      r->target--;
    }
  return 0;
}

static int set_batch_size(void *ud, uint32_t n) {
  vrun_t *r = ud;
  if (n < 1 || n > ASR_MAX_BATCH_SIZE) return ASR_EINVAL;
  r->batch_size = n;
  return 0;
}

/* The lab's source never runs dry: the queue is as full as the pipeline would keep it. */
static uint32_t control_queue_capacity(void *ud) {
  return asr_pipeline_default_queue_capacity(((vrun_t *)ud)->target);
}

static void control_stop(void *ud) { ((vrun_t *)ud)->end = ((vrun_t *)ud)->now; }

/* ---- metrics: the modelled machine, and one check ---- */

static void read_machine(void *ud, asr_proc_sample_t *out) {
  const vrun_t *r = ud;
  const asr_simdb_phase_t *p = phase(r);
  double cores = p->client.cores > 0 ? p->client.cores : 1;
  *out = (asr_proc_sample_t){
      .process_cpu_s = r->client_cpu_s,
      .cpu_busy = (uint64_t)((r->client_cpu_s + r->db_cpu_s) * JIFFIES_PER_S),
      .cpu_total = (uint64_t)(r->now * cores * JIFFIES_PER_S),
      .cpu_count = (uint32_t)ceil(cores),
      .rss_bytes = r->dead ? 0 : (uint64_t)rss_bytes(r),
      .memory_limit_bytes = (uint64_t)(p->client.memory_mb * MIB),
      .net_tx_bytes = r->bytes,
  };
}

static int add_interval(vrun_t *r, const asr_metrics_snapshot_t *s) {
  asr_vrun_result_t *o = r->out;
  if (o->nintervals == r->capintervals) {
    size_t cap = r->capintervals ? 2 * r->capintervals : 64;
    asr_vrun_interval_t *iv = realloc(o->intervals, cap * sizeof *iv);
    if (!iv) return ASR_ENOMEM;
    o->intervals = iv;
    r->capintervals = cap;
  }
  o->intervals[o->nintervals++] = (asr_vrun_interval_t){
      .t = s->t, .workers = s->workers, .batch_size = s->batch_size,
      .docs_per_second = s->docs_per_second, .requests = r->requests - r->last_requests,
      .throttled = r->throttled_requests - r->last_throttled};
  r->last_requests = r->requests;
  r->last_throttled = r->throttled_requests;
  return 0;
}

static int on_check(vrun_t *r) {
  asr_metrics_raw_t raw = {
      .docs_written = r->written, .batches_written = r->requests,
      .bytes_written = r->bytes, .docs_attempted = r->written + r->failed + r->lost,
      .errors = r->failed + r->lost, .retries = r->retries, .throttles = r->throttled_requests,
      .retry_after_ms_max = r->retry_after_max, .latency_us_total = r->latency_us,
      .latency = r->hist, .workers = r->target, .batch_size = r->batch_size,
      .queue_depth = control_queue_capacity(r), .queue_capacity = control_queue_capacity(r),
      .in_flight = r->active, .pool_in_use = r->in_flight, .pool_size = r->active,
      .request_charge = r->charge};
  r->retry_after_max = 0;
  asr_metrics_snapshot_t snap;
  asr_metrics_sample(r->metrics, &raw, r->now, &snap);
  int rc = add_interval(r, &snap);
  if (rc || !r->ctl || r->dead) return rc;
  uint64_t applied_before = r->out->changes_applied;
  asr_controller_check(r->ctl, &snap);
  asr_scaling_report_t rep;
  asr_controller_report(r->ctl, &rep);
  asr_vrun_interval_t *iv = &r->out->intervals[r->out->nintervals - 1];
  if (rep.nrecords) {
    const asr_scaling_record_t *rec = &rep.records[rep.nrecords - 1];
    snprintf(iv->decision, sizeof iv->decision, "%s", rec->action);
  }
  r->out->changes_applied = rep.applied;
  iv->applied = rep.applied > applied_before;
  return 0;
}

/* ---- the run ---- */

static int open_parts(vrun_t *r, asr_err_t *err) {
  const asr_scaling_settings_t *s = r->cfg->settings;
  r->db = asr_simdb_new(r->sc);
  r->hist = calloc(1, sizeof *r->hist);
  r->w = calloc(ASR_MAX_WORKERS, sizeof *r->w);
  asr_metrics_options_t mo = {.history = s->history, .start_s = 0,
                              .read_machine = read_machine, .machine_ud = r};
  r->metrics = asr_metrics_new(&mo);
  if (s->ru_governor) {
    asr_ru_governor_config_t gc = {.target_ru_per_second = s->target_ru_per_second,
                                   .fraction = s->ru_budget_fraction};
    r->gov = asr_ru_governor_new(&gc);
    if (!r->gov) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  }
  if (!r->db || !r->hist || !r->w || !r->metrics)
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  asr_hist_init(r->hist);
  if (!r->cfg->policy) return 0;
  asr_control_t control = {.ud = r, .set_workers = set_workers, .set_batch_size = set_batch_size,
                           .queue_capacity = control_queue_capacity, .stop = control_stop};
  asr_policy_t *policy = r->cfg->policy;
  return asr_controller_open(s, policy, &control, &r->ctl, err); /* owns the policy now */
}

static void close_parts(vrun_t *r) {
  if (r->ctl)
    asr_controller_close(r->ctl);
  else
    asr_policy_close(r->cfg->policy);
  asr_metrics_free(r->metrics);
  asr_ru_governor_free(r->gov);
  asr_simdb_free(r->db);
  free(r->hist);
  free(r->w);
  free(r->heap);
}

static int step(vrun_t *r, const event_t *e) {
  switch (e->kind) {
  case EV_CPU_DONE:
    r->cpu_busy--;
    return send_or_pace(r, e->worker);
  case EV_SEND:
    return send_or_pace(r, e->worker);
  case EV_REPLY:
    return on_reply(r, e->worker);
  case EV_CHECK: {
    int rc = on_check(r);
    double next = r->now + r->cfg->settings->check_interval;
    return rc ? rc : next <= r->end + 1e-9 ? push(r, next, 0, EV_CHECK) : 0;
  }
  }
  return 0;
}

int asr_vrun(const asr_vrun_config_t *cfg, asr_vrun_result_t *out, asr_err_t *err) {
  memset(out, 0, sizeof *out);
  vrun_t r = {.cfg = cfg, .sc = cfg->scenario, .out = out, .end = cfg->scenario->duration_s,
              .batch_size = cfg->batch_size};
  int rc = open_parts(&r, err);
  if (rc == 0) rc = set_workers(&r, cfg->workers);
  if (rc == 0) rc = push(&r, cfg->settings->check_interval, 0, EV_CHECK);
  while (rc == 0 && r.nheap && r.heap[0].t <= r.end + 1e-9) {
    event_t e = pop(&r);
    r.now = e.t;
    if (r.dead && e.kind != EV_CHECK) continue; /* a dead process writes nothing */
    rc = step(&r, &e);
  }
  if (rc == ASR_ENOMEM) asr_err_set(err, rc, "out of memory");
  out->docs_written = r.written;
  out->docs_failed = r.failed;
  out->docs_lost = r.lost;
  out->requests = r.requests;
  out->throttled_requests = r.throttled_requests;
  if (r.gov) out->ru_governor_rate = asr_ru_governor_rate(r.gov);
  close_parts(&r);
  return rc;
}

void asr_vrun_result_free(asr_vrun_result_t *r) {
  free(r->intervals);
  memset(r, 0, sizeof *r);
}
