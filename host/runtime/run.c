#include "runtime/run.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "core/limits.h"
#include "lua/hooks.h"
#include "lua/policy.h"
#include "lua/scenario.h"
#include "lua/strategy.h"
#include "lua/fields.h"
#include "lua/vm.h"
#include "lua/worker.h"
#include "metrics/metrics.h"
#include "metrics/series.h"
#include "monitor/history_cmd.h"
#include "monitor/endpoint.h"
#include "monitor/status.h"
#include "pipeline/pipeline.h"
#include "runtime/config.h"
#include "runtime/db_checks.h"
#include "runtime/plan.h"
#include "runtime/report.h"
#include "runtime/checkpoint.h"
#include "runtime/resume.h"
#include "runtime/signals.h"
#include "scaler/controller.h"
#include "scaler/settings.h"
#include "sinks/sink.h"
#include "util/log.h"
#include "util/path.h"
#include "util/stdout_data.h"

#define PROGRESS_EVERY_S 5.0
#define PUBLISH_EVERY_MS 1000 /* the metrics endpoint's values */

/* Unix time in seconds, for the summary's started_at and ended_at. */
static double wall_clock_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The last value on_tick asked for on one setting that the scaling limits moved: the warning
 * is given once per ask, not on every tick of a hook that asks the same again. */
typedef struct tick_ask {
  int warned;
  uint32_t asked, applied;
} tick_ask_t;

/* Everything one run owns; torn down in reverse by run_close. */
typedef struct run {
  const asr_options_t *cli;
  asr_strategy_t *strategy;
  asr_config_t cfg;
  asr_source_t *source;
  asr_sink_t *sink;
  asr_ru_governor_t *governor; /* database targets: paces writes under the RU budget */
  asr_dead_letter_t *dead_letter; /* documents that fail for good; the sink borrows it */
  asr_strategy_transform_t transform; /* the strategy's transform, writing to dead_letter */
  asr_worker_env_factory_t worker_env; /* one Lua state per worker, when the strategy runs there */
  asr_pipeline_t *pipeline;

  uv_loop_t loop;
  uv_async_t done;
  uv_async_t signal; /* woken by runtime/signals.c */
  uv_timer_t tick;
  uint64_t started_ns, last_progress_ns, last_tick_ns, last_tick_docs;
  double started_at; /* wall clock (Unix seconds) at the start, for the summary */
  double last_rate;
  int interrupts;
  int tick_failed; /* on_tick went over its budget: not called again */
  uint64_t tick_raised;     /* on_tick raised this many times (the run went on) */
  char tick_first[256];     /* the first of those errors, for the end of the run */
  asr_control_t control;      /* the scaler's way to change the run (its gate keeps the limits) */
  asr_control_t tick_control; /* on_tick's: the same, within the scaling limits while scaling */
  tick_ask_t tick_workers, tick_batch;

  /* metrics and the auto-scaler (scaler/controller.c), sampled by the check timer */
  asr_hist_t latency;         /* per-batch sink write times, recorded by the workers */
  asr_metrics_t *metrics;
  asr_series_t *series;       /* every sample, for the summary, the report and the history */
  asr_controller_t *scaler;   /* NULL: auto-scaling off */
  uv_timer_t check;
  uint32_t start_workers, start_batch_size;
  int load_complete;        /* every document written (a later step may still fail) */
  int dead_letters_refused; /* the verdict on the dead letters failed the run */

  asr_resume_t *resume;    /* checkpoints; NULL: the run keeps none */
  uv_timer_t checkpoint;
  int checkpoint_warned;   /* a failing checkpoint write is reported once */
  int already_complete;    /* --resume of a run that completed: nothing to do */

  /* watching the run (monitor/): the live status line and the metrics endpoint */
  asr_status_t *status;       /* NULL: stderr is no terminal, -q, or JSON logs */
  asr_endpoint_t *endpoint;   /* --metrics-listen; NULL: none */
  uv_timer_t publish;         /* the endpoint's values, every PUBLISH_EVERY_MS */
  asr_rate_window_t publish_rate;
  asr_metrics_snapshot_t last_snap; /* the last check's: CPU and memory for the progress */
  int sampled;                /* last_snap holds one */
  uint64_t throttles_seen;    /* database throttles (sink and source) at the last reading */
  uint32_t retry_after_held;  /* the largest RetryAfterMs read since the last check */
  uint64_t decisions_seen;    /* the scaler's decisions at the last publish */
  double decision_unix_s;     /* when the latest of them was taken */
} run_t;

static double seconds_since(uint64_t t0) { return (double)(uv_hrtime() - t0) / 1e9; }

/* ---- the run's controls (pipeline/control.h), for the scaler and on_tick ---- */

static int ctl_set_workers(void *ud, uint32_t n) {
  return asr_pipeline_set_workers(((run_t *)ud)->pipeline, n);
}

static int ctl_set_batch_size(void *ud, uint32_t n) {
  return asr_pipeline_set_batch_size(((run_t *)ud)->pipeline, n);
}

static uint32_t ctl_queue_capacity(void *ud) {
  asr_pipeline_stats_t st;
  asr_pipeline_stats(((run_t *)ud)->pipeline, &st);
  return st.queue_capacity;
}

static void ctl_stop(void *ud) { asr_pipeline_stop(((run_t *)ud)->pipeline); }

/* on_tick's ask within the scaling limits while auto-scaling is on (the scaler's own changes
 * pass its gate, which keeps them); with it off only the hard limits apply (hooks.c refuses
 * anything outside 1..ASR_MAX_*, with or without scaling). One warning per new ask. */
static uint32_t tick_within(run_t *r, asr_scaling_axis_t axis, uint32_t asked, tick_ask_t *last) {
  if (!r->scaler) return asked;
  const char *key = NULL;
  uint32_t v = asr_scaling_within(&r->cfg.scaling, axis, asked, &key);
  if (key && !(last->warned && last->asked == asked && last->applied == v)) {
    int workers = axis == ASR_SCALING_WORKERS;
    asr_log_warn("hook.on_tick", "on_tick: ctx.%s(%u) is %s %s %u while auto-scaling is on: "
                 "%s set to %u", workers ? "set_workers" : "set_batch_size", asked,
                 asked > v ? "above" : "below", key, v, workers ? "workers" : "batch size", v);
    *last = (tick_ask_t){1, asked, v};
  }
  return v;
}

static int tick_set_workers(void *ud, uint32_t n) {
  run_t *r = ud;
  uint32_t v = tick_within(r, ASR_SCALING_WORKERS, n, &r->tick_workers);
  int rc = asr_pipeline_set_workers(r->pipeline, v);
  if (rc == 0) asr_log_info("pipeline.workers", "Workers set to %u", v);
  return rc;
}

static int tick_set_batch_size(void *ud, uint32_t n) {
  run_t *r = ud;
  uint32_t v = tick_within(r, ASR_SCALING_BATCH_SIZE, n, &r->tick_batch);
  int rc = asr_pipeline_set_batch_size(r->pipeline, v);
  if (rc == 0) asr_log_info("pipeline.batch_size", "Batch size set to %u", v);
  return rc;
}

/* ---- loop callbacks ---- */

static void close_handles(run_t *r) {
  asr_status_stop(r->status); /* erased: what follows starts on a clean line */
  r->status = NULL;
  uv_close((uv_handle_t *)&r->publish, NULL);
  uv_close((uv_handle_t *)&r->checkpoint, NULL);
  uv_close((uv_handle_t *)&r->check, NULL);
  uv_close((uv_handle_t *)&r->done, NULL);
  uv_close((uv_handle_t *)&r->tick, NULL);
}

/* The signal handle outlives the loop's run (unreferenced, it does not keep it running): a
 * second signal during pipeline_wait's final flush is answered (the abort) once the flush is
 * done, instead of the handler's _exit cutting it short. */
static void close_signal(run_t *r) {
  uv_run(&r->loop, UV_RUN_NOWAIT); /* a signal that came meanwhile */
  asr_signals_notify(NULL);
  uv_close((uv_handle_t *)&r->signal, NULL);
}

static void on_pipeline_done(void *ud) { uv_async_send(&((run_t *)ud)->done); }

static void on_done_async(uv_async_t *h) { close_handles(h->data); }

/* The loop's side of SIGINT/SIGTERM: stop at the first, abort at the second. */
static void on_signal(uv_async_t *h) {
  run_t *r = h->data;
  int seen = asr_signals_count(), signum = asr_signals_last();
  if (seen <= r->interrupts) return;
  r->interrupts = seen;
  if (seen > 1) {
    asr_log_error("run.abort", "second %s: aborting now; partial output is left as .partial, "
                  "cut back to the last whole batch", signum == SIGINT ? "interrupt"
                                                          : "termination signal");
    if (r->sink->vt->abandon) r->sink->vt->abandon(r->sink);
    asr_log_status_clear(); /* the shell's prompt on a clean line */
    _exit(ASR_EXIT_INTERRUPTED);
  }
  asr_log_warn("run.stop", "%s: finishing the batches in progress, then stopping (again to abort)",
               signum == SIGINT ? "interrupted" : "terminated");
  asr_pipeline_stop(r->pipeline);
}

/* The numbers of the progress line, the status line and the endpoint. */
static void progress_input(run_t *r, const asr_pipeline_stats_t *st, asr_progress_input_t *in) {
  *in = (asr_progress_input_t){
      .done = asr_resume_docs_before(r->resume) + st->docs_out,
      .total = r->source->total_records,
      .workers = st->workers_target,
      .batch_size = st->batch_size,
      .machine_known = r->sampled,
      .cpu_percent = r->last_snap.cpu_percent,
      .rss_bytes = r->last_snap.rss_bytes,
      .memory_percent = r->last_snap.memory_percent,
      .throttles = r->throttles_seen,
  };
}

static void read_progress(void *ud, asr_progress_input_t *in) {
  run_t *r = ud;
  asr_pipeline_stats_t st;
  asr_pipeline_stats(r->pipeline, &st);
  progress_input(r, &st, in);
}

/* The plain progress line (stderr no terminal; JSON logs carry every value as a field). */
static void log_progress(run_t *r, const asr_pipeline_stats_t *st) {
  char docs[32], rate[32], fields[512];
  asr_progress_input_t in;
  asr_progress_values_t v;
  progress_input(r, st, &in);
  asr_progress_compute(&in, r->last_rate, &v);
  asr_progress_json_fields(&v, fields, sizeof fields);
  asr_log_fields(ASR_LOG_INFO, "run.progress", fields, "Progress: %s documents (%s docs/s), "
                 "workers %u, batch size %u, queue %u/%u",
                 asr_log_thousands((long long)st->docs_out, docs, sizeof docs),
                 asr_log_thousands((long long)r->last_rate, rate, sizeof rate),
                 st->workers_target, st->batch_size, st->queue_depth, st->queue_capacity);
}

static void on_tick(uv_timer_t *h) {
  run_t *r = h->data;
  asr_pipeline_stats_t st;
  asr_pipeline_stats(r->pipeline, &st);
  uint64_t now = uv_hrtime();
  double dt = (double)(now - r->last_tick_ns) / 1e9;
  if (dt > 0) r->last_rate = (double)(st.docs_out - r->last_tick_docs) / dt;
  r->last_tick_ns = now;
  r->last_tick_docs = st.docs_out;
  if ((double)(now - r->last_progress_ns) / 1e9 >= PROGRESS_EVERY_S) {
    r->last_progress_ns = now;
    if (!r->status) log_progress(r, &st); /* a terminal has the status line instead */
  }
  if (r->strategy && r->strategy->has_on_tick && !r->interrupts && !r->tick_failed) {
    asr_err_t err;
    asr_err_clear(&err);
    int rc = asr_hooks_on_tick(r->strategy, &st, seconds_since(r->started_ns), r->last_rate,
                               &r->tick_control, &err);
    if (rc == ASR_ELIMIT) { /* a runaway hook: a warning would go on forever */
      r->tick_failed = 1;
      asr_pipeline_fail(r->pipeline, &err);
    }
    else if (rc) {
      if (r->tick_raised++ == 0) /* its first line: the message without the traceback */
        snprintf(r->tick_first, sizeof r->tick_first, "%.*s", (int)strcspn(err.msg, "\n"), err.msg);
      asr_log_warn("hook.on_tick", "%s (the run goes on, and ends with exit 1)", err.msg);
    }
  }
}

/* ---- checkpoints ---- */

static void on_checkpoint(uv_timer_t *h) {
  run_t *r = h->data;
  asr_err_t err;
  asr_err_clear(&err);
  if (asr_resume_save(r->resume, "running", &err) && !r->checkpoint_warned) {
    r->checkpoint_warned = 1;
    asr_log_warn("resume.save", "%s (the run goes on; a resume would start from the last "
                 "checkpoint written)", err.msg);
  }
}

/* The run ended: a success retires the checkpoint, anything else records where to go on. */
static void checkpoint_at_end(run_t *r, int rc) {
  if (!r->resume || !r->pipeline) return;
  asr_err_t err;
  asr_err_clear(&err);
  /* refused dead letters: every document went through; the output and the checkpoint stay
   * (marked "refused"), so a resume with a larger budget publishes without redoing it */
  int crc = rc == 0 ? asr_resume_complete(r->resume, &err)
            : r->dead_letters_refused ? asr_resume_refused(r->resume, &err)
            : asr_resume_save(r->resume, rc == ASR_ECANCELED ? "stopped" : "failed", &err);
  if (crc) asr_log_error("resume.save", "%s", err.msg);
  else if (rc && !r->dead_letters_refused) /* a refusal's message says how already */
    asr_log_info("resume.hint", "Checkpoint saved to %s: run the same command with --resume%s "
                 "to go on", asr_resume_path(r->resume),
                 asr_dead_letter_stopped_run(r->dead_letter) ? " and a larger --max-errors" : "");
}

/* ---- metrics and the auto-scaler ---- */

static void record_write(void *ud, uint64_t us) { asr_hist_record(ud, us); }

/* ---- dead letters ---- */

static uint64_t records_read(void *ud) { return asr_pipeline_records_read(ud); }

/* Every document is written: a run whose dead letters the budget does not allow is refused
 * before its output is published (pipeline's before_finish). */
static int judge_dead_letters(void *ud, asr_err_t *err) {
  run_t *r = ud;
  asr_pipeline_stats_t st;
  asr_pipeline_stats(r->pipeline, &st);
  int allowed;
  int rc = asr_dead_letter_verdict(r->dead_letter, st.docs_in, &allowed, err);
  r->dead_letters_refused = rc != 0;
  if (rc && r->resume) asr_report_refusal_hint(r->sink, asr_dead_letter_count(r->dead_letter),
                                               asr_resume_path(r->resume), err);
  return rc;
}

/* The sink's and the source's database counters. Reading resets the sink's largest
 * RetryAfterMs: the run holds it until the next check's snapshot takes it. */
static int read_db_stats(run_t *r, asr_sink_db_stats_t *db, asr_source_stats_t *src) {
  int has_db = asr_sink_stats(r->sink, db);
  asr_source_stats(r->source, src);
  if (db->retry_after_ms_max > r->retry_after_held) r->retry_after_held = db->retry_after_ms_max;
  r->throttles_seen = db->throttles + src->throttles;
  return has_db;
}

/* The cumulative counters of the pipeline and the sink, as the metrics collector reads them. */
static void collect_raw(run_t *r, asr_metrics_raw_t *raw) {
  asr_pipeline_stats_t st;
  asr_pipeline_stats(r->pipeline, &st);
  asr_sink_db_stats_t db;
  asr_source_stats_t src; /* a database source's retried and throttled reads count too */
  int has_db = read_db_stats(r, &db, &src);
  *raw = (asr_metrics_raw_t){
      .docs_written = has_db ? db.docs_written : st.docs_out,
      .batches_written = st.batches_done,
      .bytes_written = st.bytes_out,
      .docs_attempted = st.docs_out,
      .errors = db.failed,
      .retries = db.retries + src.retries,
      .throttles = db.throttles + src.throttles,
      .latency_us_total = st.write_us,
      .latency = &r->latency,
      .workers = st.workers_target,
      .batch_size = st.batch_size,
      .queue_depth = st.queue_depth,
      .queue_capacity = st.queue_capacity,
      .in_flight = st.in_flight,
      .pool_in_use = db.pool_in_use,
      .pool_size = db.pool_size,
      .request_charge = db.request_charge,
  };
  raw->retry_after_ms_max = r->retry_after_held; /* this interval's: the read reset it */
  r->retry_after_held = 0;
}

static void sample(run_t *r, asr_metrics_snapshot_t *snap) {
  asr_metrics_raw_t raw;
  collect_raw(r, &raw);
  asr_metrics_sample(r->metrics, &raw, seconds_since(r->started_ns), snap);
  asr_series_add(r->series, snap);
  r->last_snap = *snap;
  r->sampled = 1;
}

/* ---- the metrics endpoint ---- */

static double unix_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void scaling_values(run_t *r, asr_monitor_values_t *v) {
  if (!r->scaler) return;
  asr_scaling_report_t rep;
  asr_controller_report(r->scaler, &rep);
  if (rep.decisions != r->decisions_seen) { /* published right after each check */
    r->decisions_seen = rep.decisions;
    r->decision_unix_s = unix_seconds();
  }
  v->auto_scaling = 1;
  v->scale_ups = rep.scale_ups;
  v->scale_downs = rep.scale_downs;
  v->holds = rep.holds;
  if (!rep.last) return;
  v->has_decision = 1;
  v->decision_unix_s = r->decision_unix_s;
  snprintf(v->action, sizeof v->action, "%s", rep.last->action);
  snprintf(v->reason, sizeof v->reason, "%s", rep.last->reason);
}

static void monitor_values(run_t *r, asr_monitor_values_t *v) {
  asr_pipeline_stats_t st;
  asr_pipeline_stats(r->pipeline, &st);
  asr_sink_db_stats_t db;
  asr_source_stats_t src;
  int has_db = read_db_stats(r, &db, &src);
  asr_progress_input_t in;
  progress_input(r, &st, &in);
  double now = seconds_since(r->started_ns);
  memset(v, 0, sizeof *v);
  asr_progress_compute(&in, asr_rate_window_add(&r->publish_rate, now, in.done), &v->progress);
  v->elapsed_s = now;
  v->docs_read = st.records_read;
  v->docs_written = has_db ? db.docs_written : st.docs_out;
  v->docs_dropped = st.docs_dropped;
  v->docs_failed = asr_dead_letter_count(r->dead_letter);
  v->bytes_written = st.bytes_out;
  v->errors = db.failed;
  v->retries = db.retries + src.retries;
  v->throttles = r->throttles_seen;
  v->request_units = db.request_charge;
  v->queue_depth = st.queue_depth;
  v->queue_capacity = st.queue_capacity;
  v->in_flight = st.in_flight;
  v->pool_in_use = db.pool_in_use;
  v->pool_size = db.pool_size;
  asr_hist_read(&r->latency, &v->latency);
  v->latency_sum_s = (double)st.write_us / 1e6;
  scaling_values(r, v);
}

static void publish(run_t *r) {
  if (!r->endpoint || !r->pipeline) return;
  asr_monitor_values_t v;
  monitor_values(r, &v);
  asr_endpoint_publish(r->endpoint, &v);
}

static void on_publish(uv_timer_t *h) { publish(h->data); }

/* --metrics-listen: bound before anything runs (a port in use is a configuration error). */
static int open_endpoint(run_t *r, asr_err_t *err) {
  if (!r->cli->metrics_listen) return 0;
  int rc = asr_endpoint_open(r->cli->metrics_listen, &r->endpoint, err);
  if (rc == 0) {
    const char *url = asr_endpoint_url(r->endpoint);
    char fields[160];
    snprintf(fields, sizeof fields, "\"url\":\"%s\"", url);
    asr_log_fields(ASR_LOG_INFO, "monitor.listen", fields, "Metrics at %s/metrics (JSON at "
                   "%s/status)", url, url);
  }
  return rc;
}

static void on_check(uv_timer_t *h) {
  run_t *r = h->data;
  asr_metrics_snapshot_t snap;
  sample(r, &snap);
  if (r->scaler) asr_controller_check(r->scaler, &snap);
  publish(r); /* the decision's time is the check's */
}

/* With auto-scaling on: the controller (policy + gate), and the starting point inside the
 * limits. Before the pipeline exists, so nothing runs outside the limits. */
static int open_scaler(run_t *r, asr_err_t *err) {
  if (!r->cfg.auto_scaling) return 0;
  const asr_scaling_settings_t *s = &r->cfg.scaling;
  const char *limit;
  uint32_t w = asr_scaling_within(s, ASR_SCALING_WORKERS, r->cfg.workers, &limit);
  uint32_t b = asr_scaling_within(s, ASR_SCALING_BATCH_SIZE, r->cfg.batch_size, &limit);
  uint32_t w0 = r->cfg.workers, b0 = r->cfg.batch_size;
  r->cfg.workers = w;
  r->cfg.batch_size = b;
  asr_policy_spec_t ps = {
      .strategy = r->strategy,
      .name = r->cfg.policy,
      .settings = s,
  };
  asr_policy_t *policy = NULL;
  int rc = asr_lua_policy_open(&ps, &policy, err);
  if (rc == 0 && r->cfg.dry_run) /* the policy loads; nothing will run */
    asr_policy_close(policy);
  else if (rc == 0)
    rc = asr_controller_open(s, policy, &r->control, &r->scaler, err);
  if (rc == ASR_EINVAL) asr_err_prefix(err, "%s", r->cfg.policy_origin);
  if (rc == 0 && !r->cfg.dry_run && (w != w0 || b != b0))
    asr_log_info("scaling.start", "Auto-scaling starts inside its limits: workers %u → %u "
                 "(%u..%u), batch size %u → %u (%u..%u)", w0, w, s->min_workers, s->max_workers,
                 b0, b, s->min_batch_size, s->max_batch_size);
  return rc;
}

/* The directory of an output the run writes at its end (--summary-json) or maybe (the dead
 * letters) must exist and be writable before anything runs. */
static int check_writable(const char *path, const char *what, asr_err_t *err) {
  const char *slash = strrchr(path, '/');
  char dir[1024];
  snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) + (slash == path) : 1,
           slash ? path : ".");
  if (access(dir, W_OK) != 0)
    return asr_err_set(err, ASR_EINVAL, "%s: cannot write to directory %s: %s", what, dir,
                       strerror(errno));
  return 0;
}

/* ---- setup ---- */

/* --dead-letter's directory must be writable; the default's only matters if a document fails,
 * so an unwritable one (a read-only working directory) is a warning. */
static int check_dead_letter_dir(run_t *r, asr_err_t *err) {
  asr_err_t dir_err;
  asr_err_clear(&dir_err);
  if (!check_writable(r->cfg.dead_letter, "--dead-letter", &dir_err)) return 0;
  if (r->cli->dead_letter) return asr_err_set(err, dir_err.code, "%s", dir_err.msg);
  asr_log_warn("run.dead_letter", "dead letters would go to %s, which cannot be created (%s); "
               "give --dead-letter FILE", r->cfg.dead_letter, dir_err.msg);
  return 0;
}

/* OUT.dead.jsonl beside a file target (out/orders.jsonl → out/orders.dead.jsonl),
 * DB.COLLECTION.dead.jsonl here for MongoDB, NAME.dead.jsonl here for the others. */
static char *default_dead_letter_path(const run_t *r) {
  const char *scheme = r->sink->vt->scheme, *loc = r->sink->location;
  char *path = NULL;
  int n = -1;
  if (strcmp(scheme, "file") == 0 && loc && !asr_sink_target_is_stdout(r->cfg.target)) {
    const char *slash = strrchr(loc, '/'), *dot = strrchr(loc, '.');
    size_t len = dot && dot > (slash ? slash + 1 : loc) ? (size_t)(dot - loc) : strlen(loc);
    n = asprintf(&path, "%.*s.dead.jsonl", (int)len, loc);
  } else if (strcmp(scheme, "mongodb") == 0 && loc && strrchr(loc, '/')) {
    n = asprintf(&path, "%s.dead.jsonl", strrchr(loc, '/') + 1);
  } else {
    n = asprintf(&path, "%s.dead.jsonl", r->cfg.name);
  }
  return n < 0 ? NULL : path;
}

/* The dead letters' file: --dead-letter, else the default for the open target. */
static int resolve_dead_letter(run_t *r, asr_err_t *err) {
  if (!r->cfg.dead_letter && !(r->cfg.dead_letter = default_dead_letter_path(r)))
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  return asr_dead_letter_set_path(r->dead_letter, r->cfg.dead_letter, err);
}

static int is_database_target(const char *uri) {
  return strncmp(uri, "mongodb://", 10) == 0 || strncmp(uri, "mongodb+srv://", 14) == 0 ||
         strncmp(uri, "sim:", 4) == 0;
}

/* The RU governor for a database target (unless ru_governor = 0 or a dry run). */
static int open_governor(run_t *r, asr_err_t *err) {
  const asr_scaling_settings_t *s = &r->cfg.scaling;
  if (r->cfg.dry_run || s->ru_governor == 0 || !is_database_target(r->cfg.target)) return 0;
  asr_ru_governor_config_t gc = {.target_ru_per_second = s->target_ru_per_second,
                                 .fraction = s->ru_budget_fraction};
  if (!(r->governor = asr_ru_governor_new(&gc)))
    return asr_err_set(err, ASR_ENOMEM, "out of memory"); /* the settings were validated */
  return 0;
}

/* Every file the run reads or writes, checked to be distinct before anything opens: a name
 * given twice (--summary-json naming the output, a target naming the source) would destroy
 * a file. Add new files of a run (checkpoint, dead letters, report) to the list. */
static int check_distinct_files(const run_t *r, asr_err_t *err) {
  const asr_config_t *cfg = &r->cfg;
  int db_source = cfg->source.kind && strcmp(cfg->source.kind, "mongodb") == 0;
  const char *target = asr_sink_file_path(cfg->target);
  int stream = asr_sink_target_stream(cfg->target) != NULL; /* written in place */
  if (asr_sink_target_is_stdout(cfg->target)) target = NULL; /* no file */
  char *partial = NULL;
  if (target && !stream && asprintf(&partial, "%s" ASR_PARTIAL_SUFFIX, target) < 0)
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  const asr_file_role_t files[] = {
      {"the strategy", r->strategy ? r->strategy->path : NULL},
      {"the source", db_source || asr_source_spec_reads_once(&cfg->source) ? NULL
                                                                         : cfg->source.path},
      {"the target", target},
      {"the target's temporary file", partial},
      {"--summary-json", cfg->summary_json},
      {"--report", cfg->report_html},
      {"--history", r->cli->no_history ? NULL : r->cli->history},
      {"the checkpoint", asr_resume_path(r->resume)},
      {"the dead letters", cfg->dead_letter}, /* the default once resolve_dead_letter ran */
  };
  int rc = asr_paths_check_distinct(files, sizeof files / sizeof files[0], err);
  free(partial);
  return rc;
}

/* Documents to standard output: from here on everything else printed to stdout (the plan,
 * the summary, Lua's print) goes to stderr (util/stdout_data.h). */
static int claim_stdout(const char *target, asr_err_t *err) {
  int e = target && asr_sink_target_is_stdout(target) ? asr_stdout_claim() : 0;
  if (e) return asr_err_set(err, ASR_EIO, "cannot set standard output aside for the documents: %s",
                            strerror(e));
  return 0;
}

/* --start-from-history: the workers and batch size `asrun recommend` suggests from the
 * strategy's past runs; --workers and --batch-size win. The plan says where they came from. */
static int start_from_history(run_t *r, asr_err_t *err) {
  const asr_options_t *cli = r->cli;
  if (!cli->start_from_history) return 0;
  if (!r->strategy)
    return asr_err_set(err, ASR_EINVAL, "--start-from-history needs a strategy file: the history "
                       "keeps runs by strategy");
  asr_history_start_t start;
  asr_history_start_point(cli->history, r->strategy->path, &start);
  int kept_workers = cli->workers >= 0, kept_batch = cli->batch_size >= 0;
  if (start.found && start.workers >= 1 && start.workers <= ASR_MAX_WORKERS && !kept_workers)
    r->cfg.workers = start.workers;
  if (start.found && start.batch_size >= 1 && start.batch_size <= ASR_MAX_BATCH_SIZE && !kept_batch)
    r->cfg.batch_size = start.batch_size;
  snprintf(r->cfg.history_start, sizeof r->cfg.history_start, "%s%s", start.note,
           start.found && (kept_workers || kept_batch) ? " (the --workers/--batch-size given win)"
                                                       : "");
  if (!start.found) asr_log_warn("history.start", "--start-from-history: %s", start.note);
  return 0;
}

static int open_run(run_t *r, asr_err_t *err) {
  const asr_options_t *cli = r->cli;
  int rc = 0;
  /* The strategy's top level runs with the flag's budget; everything after it with the
   * merged one (flag > strategy > default), workers included. */
  asr_vm_set_default_budget(cli->instruction_budget >= 0 ? cli->instruction_budget
                                                        : ASR_VM_DEFAULT_BUDGET);
  /* Without --target the strategy may name stdout as its target: what its top level prints
   * is held until the target is known, so it reaches the documents neither. */
  int hold = cli->strategy && !cli->target && asr_stdout_hold() == 0;
  if (cli->strategy) rc = asr_strategy_load(cli->strategy, &r->strategy, err);
  if (rc == 0) rc = asr_config_build(cli, r->strategy, &r->cfg, err);
  if (hold) asr_stdout_settle(rc == 0 && asr_sink_target_is_stdout(r->cfg.target));
  if (rc) return rc;
  if ((rc = claim_stdout(r->cfg.target, err))) return rc; /* a strategy's target "-" */
  if ((rc = asr_db_checks_check_config(&r->cfg, err))) return rc;
  if ((rc = start_from_history(r, err))) return rc;
  if ((rc = asr_resume_open(cli, &r->cfg, r->strategy, &r->resume, &r->already_complete, err)))
    return rc;
  if (r->already_complete) return 0;
  asr_vm_set_default_budget(r->cfg.instruction_budget);
  if (r->strategy) asr_vm_set_budget(r->strategy->L, r->cfg.instruction_budget);
  if ((rc = check_distinct_files(r, err))) return rc;
  if ((rc = asr_source_open(&r->cfg.source, &r->source, err))) return rc;
  if (r->resume && (rc = asr_resume_attach_source(r->resume, r->source, err))) return rc;
  if ((rc = open_governor(r, err))) return rc;
  if ((rc = asr_dead_letter_open(NULL, &r->cfg.error_budget, &r->dead_letter, err))) return rc;
  asr_sink_options_t opt = {
      .dry_run = r->cfg.dry_run,
      .overwrite = 1,
      .json_format = r->cfg.json_format,
      .database = r->cfg.target_database,
      .collection = r->cfg.target_collection,
      .mode = r->cfg.write_mode,
      .keys = (const char *const *)r->cfg.keys,
      .nkeys = r->cfg.nkeys,
      .ordered = r->cfg.ordered,
      .write_concern = r->cfg.write_concern,
      .workers = r->cfg.workers,
      .retry_for_ms = r->cfg.retry_for_ms ? r->cfg.retry_for_ms : -1, /* 0: none */
      .load_scenario = asr_scenario_loader,
      .governor = r->governor,
      .dead_letter = r->dead_letter,
      .dead_letter_duplicates = r->cfg.dead_letter_duplicates,
  };
  asr_resume_sink_options(r->resume, &opt);
  if ((rc = asr_sink_open(r->cfg.target, &opt, &r->sink, err))) return rc;
  if ((rc = resolve_dead_letter(r, err))) return rc;
  if ((rc = check_distinct_files(r, err))) return rc; /* again, with the default dead letters */
  if ((rc = asr_resume_dead_letters(r->resume, r->dead_letter, err))) return rc;
  asr_strategy_transform_init(&r->transform, r->strategy, r->dead_letter);
  if (r->strategy && (r->strategy->has_lua_transform || r->cfg.source.ncustom))
    asr_lua_worker_factory(&r->worker_env, r->strategy->path);
  r->control = (asr_control_t){r, ctl_set_workers, ctl_set_batch_size, ctl_queue_capacity,
                               ctl_stop};
  r->tick_control = (asr_control_t){r, tick_set_workers, tick_set_batch_size, ctl_queue_capacity,
                                    ctl_stop};
  if (r->cfg.summary_json && (rc = check_writable(r->cfg.summary_json, "--summary-json", err)))
    return rc;
  if (r->cfg.report_html && (rc = check_writable(r->cfg.report_html, "--report", err)))
    return rc;
  if (!r->cfg.dry_run && (rc = check_dead_letter_dir(r, err))) return rc;
  return open_scaler(r, err);
}

static int start_loop(run_t *r, asr_err_t *err) {
  uv_loop_init(&r->loop);
  uv_async_init(&r->loop, &r->done, on_done_async);
  uv_async_init(&r->loop, &r->signal, on_signal);
  uv_unref((uv_handle_t *)&r->signal);
  uv_timer_init(&r->loop, &r->tick);
  uv_timer_init(&r->loop, &r->check);
  uv_timer_init(&r->loop, &r->checkpoint);
  uv_timer_init(&r->loop, &r->publish);
  r->done.data = r->signal.data = r->tick.data = r->check.data = r->checkpoint.data = r;
  r->publish.data = r;
  asr_signals_notify(&r->signal);
  uint64_t tick_ms = (uint64_t)(r->cfg.tick_interval * 1000.0);
  if (tick_ms < 10) tick_ms = 10;
  uv_timer_start(&r->tick, on_tick, tick_ms, tick_ms);
  uint64_t check_ms = (uint64_t)(r->cfg.scaling.check_interval * 1000.0);
  uv_timer_start(&r->check, on_check, check_ms, check_ms);
  if (r->resume) {
    double every = r->cli->checkpoint_every > 0 ? r->cli->checkpoint_every
                                                : ASR_CHECKPOINT_INTERVAL_S;
    uint64_t ms = (uint64_t)(every * 1000.0);
    uv_timer_start(&r->checkpoint, on_checkpoint, ms, ms);
  }
  asr_hist_init(&r->latency);

  asr_metrics_options_t mo = {.history = r->cfg.scaling.history, .start_s = 0};
  /* before the pipeline: nothing to wait for */
  if (!(r->metrics = asr_metrics_new(&mo)) || !(r->series = asr_series_new(0)))
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  asr_pipeline_config_t pc = {
      .source = r->source,
      .sink = r->sink,
      .transform = r->strategy && r->strategy->has_transform ? &r->transform.factory : NULL,
      .worker_env = r->worker_env.open ? &r->worker_env : NULL,
      .workers = r->cfg.workers,
      .batch_size = r->cfg.batch_size,
      .queue_capacity = r->cfg.queue_capacity,
      .id_seed = r->cfg.seed,
      .on_done = on_pipeline_done,
      .ud = r,
      .on_write = record_write,
      .write_ud = &r->latency,
      .before_finish = judge_dead_letters,
      .progress = asr_resume_start(r->resume, r->sink),
  };
  int rc = asr_pipeline_create(&pc, &r->pipeline, err);
  if (rc) return rc;
  asr_dead_letter_set_read_counter(r->dead_letter, records_read, r->pipeline);
  r->started_ns = r->last_progress_ns = r->last_tick_ns = uv_hrtime();
  r->started_at = wall_clock_now();
  r->start_workers = r->cfg.workers;
  r->start_batch_size = r->cfg.batch_size;
  asr_rate_window_init(&r->publish_rate);
  if (r->endpoint) {
    publish(r);
    uv_timer_start(&r->publish, on_publish, PUBLISH_EVERY_MS, PUBLISH_EVERY_MS);
  }
  /* documents to standard output share the terminal: no status line among them */
  if (asr_status_wanted() && !asr_sink_target_is_stdout(r->cfg.target))
    r->status = asr_status_start(&r->loop, read_progress, r);
  rc = asr_pipeline_start(r->pipeline, err);
  if (asr_signals_count() > 0) uv_async_send(&r->signal); /* a signal during set-up: stop now */
  return rc;
}

static void run_close(run_t *r) {
  asr_endpoint_close(r->endpoint); /* served the final values while the summary printed */
  if (r->loop.data == r) {
    uv_run(&r->loop, UV_RUN_DEFAULT); /* let closed handles finish */
    uv_loop_close(&r->loop);
  }
  asr_controller_close(r->scaler); /* its policy lives in the strategy's state */
  asr_metrics_free(r->metrics);
  asr_series_free(r->series);
  asr_pipeline_destroy(r->pipeline);
  asr_sink_destroy(r->sink);
  asr_ru_governor_free(r->governor); /* after the sink that borrowed it */
  asr_dead_letter_close(r->dead_letter); /* the same */
  asr_source_destroy(r->source);
  asr_resume_close(r->resume); /* after the sink and source: its positions borrow their keys */
  asr_config_free(&r->cfg);
  asr_strategy_free(r->strategy);
}

/* The plan as one log event (one JSON line with --log-format json). */
static void log_plan(run_t *r) {
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  if (!mem) return;
  asr_plan_print(mem, &r->cfg, r->strategy, r->source, r->sink, 0);
  fclose(mem);
  if (len && text[len - 1] == '\n') text[len - 1] = '\0';
  asr_log_info("run.plan", "%s", text);
  free(text);
}

/* ---- the end ---- */

static int finish_run(run_t *r, int rc, asr_err_t *err) {
  asr_err_t sync_err;
  asr_err_clear(&sync_err);
  if (asr_dead_letter_sync(r->dead_letter, &sync_err) && rc == 0) {
    *err = sync_err;
    rc = sync_err.code;
  }
  asr_pipeline_stats_t st;
  asr_pipeline_stats(r->pipeline, &st);
  double secs = seconds_since(r->started_ns);
  asr_metrics_snapshot_t last;
  sample(r, &last); /* the tail since the last check counts too */
  publish(r);       /* the endpoint's final values */
  asr_metrics_totals_t totals;
  asr_metrics_totals(r->metrics, &totals);
  asr_scaling_report_t scaling;
  if (r->scaler) asr_controller_report(r->scaler, &scaling);
  asr_report_input_t in = {
      .options = r->cli,
      .cfg = &r->cfg,
      .strategy = r->strategy,
      .sink = r->sink,
      .source = r->source,
      .pipeline = &st,
      .metrics = &totals,
      .scaling = r->scaler ? &scaling : NULL,
      .series = r->series,
      .duration_s = secs,
      .started_at = r->started_at,
      .ended_at = wall_clock_now(),
      .start_workers = r->start_workers,
      .start_batch_size = r->start_batch_size,
      .ru_governor_rate = asr_ru_governor_rate(r->governor),
      .checkpoint = asr_resume_path(r->resume),
      .resumed = asr_resume_resumed(r->resume),
      .docs_written_before = asr_resume_docs_before(r->resume),
      .docs_read_before = asr_resume_docs_read_before(r->resume),
      .dead_letter = r->dead_letter,
      .load_complete = r->load_complete,
      .dead_letters_refused = r->dead_letters_refused,
  };
  return asr_report_end_of_run(&in, rc, err);
}

/* Starts the pipeline, runs the loop until every thread is done, then reports. */
static int execute(run_t *r, asr_err_t *err) {
  r->loop.data = r;
  int rc = start_loop(r, err);
  if (!r->pipeline) { /* nothing will fire the done async: close the handles ourselves */
    close_handles(r);
    close_signal(r);
    return rc;
  }
  uv_run(&r->loop, UV_RUN_DEFAULT); /* returns once on_done_async closed the handles */
  int wrc = asr_pipeline_wait(r->pipeline, err);
  close_signal(r);
  rc = rc ? rc : wrc;
  if (rc == 0) {
    asr_pipeline_stats_t st;
    asr_pipeline_stats(r->pipeline, &st);
    r->load_complete = 1; /* reported as such also when a step after it fails */
    rc = asr_db_checks_after_load(&r->cfg, r->strategy, st.docs_out, r->cli->verbosity < 0, err);
  }
  if (rc == 0 && r->tick_raised) /* the documents are all written: the hook's bug is reported */
    rc = asr_err_set(err, ASR_ESCRIPT, "on_tick raised %llu time%s (the first: %s); every "
                     "document was written", (unsigned long long)r->tick_raised,
                     r->tick_raised == 1 ? "" : "s", r->tick_first);
  checkpoint_at_end(r, rc);
  return finish_run(r, rc, err);
}

int asr_run(const asr_options_t *cli, asr_err_t *err) {
  run_t r = {.cli = cli};
  asr_signals_install();
  /* before the strategy loads: its top-level print must not reach the documents either */
  int rc = claim_stdout(cli->target, err);
  if (rc == 0) rc = open_run(&r, err);
  if (rc == 0 && r.already_complete) {
    asr_log_info("resume.complete", "Nothing to resume: the checkpoint of this run says it "
                 "completed");
  } else if (rc == 0 && r.cfg.dry_run) {
    asr_plan_print(stdout, &r.cfg, r.strategy, r.source, r.sink, 1);
  } else if (rc == 0 && cli->verify_only) {
    rc = asr_db_checks_verify(&r.cfg, r.strategy, -1, cli->verbosity < 0, err);
  } else if (rc == 0 && (rc = open_endpoint(&r, err)) == 0) {
    if (asr_log_enabled(ASR_LOG_INFO)) log_plan(&r);
    asr_run_info_t info = {r.cfg.name, r.source->description, r.cfg.target, r.cfg.profile,
                           r.cfg.workers, r.cfg.batch_size, r.cfg.source.limit, r.cfg.seed,
                           r.cfg.auto_scaling};
    rc = asr_hooks_on_start(r.strategy, &info, err);
    int before = r.cfg.copy_indexes && strcmp(r.cfg.copy_indexes, "before") == 0;
    if (rc == 0) rc = asr_db_checks_drop(&r.cfg, err);
    if (rc == 0 && before) rc = asr_db_checks_copy_indexes(&r.cfg, err);
    if (rc == 0) rc = execute(&r, err);
  }
  run_close(&r);
  asr_stdout_release(); /* after the sink closed its copy */
  asr_signals_restore();
  return rc;
}
