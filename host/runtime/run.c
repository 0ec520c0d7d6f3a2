#include "runtime/run.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "lua/hooks.h"
#include "lua/strategy.h"
#include "lua/transform.h"
#include "pipeline/pipeline.h"
#include "runtime/config.h"
#include "runtime/plan.h"
#include "mongo/checks.h"
#include "metrics/metrics.h"
#include "scaler/controller.h"
#include "sinks/mongo.h"
#include "util/log.h"

#define PROGRESS_EVERY_S 5.0

/* Everything one run owns; torn down in reverse by run_close. */
typedef struct run {
  const asr_cli_t *cli;
  asr_strategy_t *strategy;
  asr_config_t cfg;
  asr_source_t *source;
  asr_sink_t *sink;
  asr_transform_factory_t transform;
  asr_pipeline_t *pipeline;

  uv_loop_t loop;
  uv_async_t done;
  uv_signal_t sigint, sigterm;
  uv_timer_t tick;
  uint64_t started_ns, last_progress_ns, last_tick_ns, last_tick_docs;
  double last_rate;
  int interrupts;
  asr_control_t control;
  asr_transform_t *verify_xf; /* the transform on the main thread, for --verify */

  /* metrics and the auto-scaler (scaler/controller.c), sampled by the check timer */
  asr_hist_t latency;         /* per-batch sink write times, recorded by the workers */
  asr_metrics_t *metrics;
  asr_controller_t *scaler;   /* NULL: auto-scaling off */
  uv_timer_t check;
  uint32_t start_workers, start_batch_size;
} run_t;

static double seconds_since(uint64_t t0) { return (double)(uv_hrtime() - t0) / 1e9; }

/* ---- controls for on_tick ---- */

static int ctl_set_workers(void *ud, uint32_t n) {
  run_t *r = ud;
  int rc = asr_pipeline_set_workers(r->pipeline, n);
  if (rc == 0) asr_log_info("pipeline.workers", "Workers set to %u", n);
  return rc;
}

static int ctl_set_batch_size(void *ud, uint32_t n) {
  run_t *r = ud;
  int rc = asr_pipeline_set_batch_size(r->pipeline, n);
  if (rc == 0) asr_log_info("pipeline.batch_size", "Batch size set to %u", n);
  return rc;
}

static void ctl_stop(void *ud) { asr_pipeline_stop(((run_t *)ud)->pipeline); }

/* ---- loop callbacks ---- */

static void close_handles(run_t *r) {
  uv_close((uv_handle_t *)&r->check, NULL);
  uv_close((uv_handle_t *)&r->done, NULL);
  uv_close((uv_handle_t *)&r->sigint, NULL);
  uv_close((uv_handle_t *)&r->sigterm, NULL);
  uv_close((uv_handle_t *)&r->tick, NULL);
}

static void on_pipeline_done(void *ud) { uv_async_send(&((run_t *)ud)->done); }

static void on_done_async(uv_async_t *h) { close_handles(h->data); }

static void on_signal(uv_signal_t *h, int signum) {
  run_t *r = h->data;
  if (++r->interrupts > 1) {
    asr_log_error("run.abort", "second %s: aborting now; partial output is left as .partial, "
                  "cut back to the last whole batch", signum == SIGINT ? "interrupt"
                                                          : "termination signal");
    if (r->sink->vt->abandon) r->sink->vt->abandon(r->sink);
    _exit(ASR_EXIT_INTERRUPTED);
  }
  asr_log_warn("run.stop", "%s: finishing the batches in progress, then stopping (again to abort)",
               signum == SIGINT ? "interrupted" : "terminated");
  asr_pipeline_stop(r->pipeline);
}

static void log_progress(run_t *r, const asr_pipeline_stats_t *st) {
  char docs[32], rate[32];
  asr_log_info("run.progress", "Progress: %s documents (%s docs/s), workers %u, batch size %u, "
               "queue %u/%u", asr_log_thousands((long long)st->docs_out, docs, sizeof docs),
               asr_log_thousands((long long)r->last_rate, rate, sizeof rate), st->workers_target,
               st->batch_size, st->queue_depth, st->queue_capacity);
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
    log_progress(r, &st);
  }
  if (r->strategy && r->strategy->has_on_tick) {
    asr_err_t err;
    asr_err_clear(&err);
    if (asr_hooks_on_tick(r->strategy, &st, seconds_since(r->started_ns), r->last_rate,
                          &r->control, &err))
      asr_log_warn("hook.on_tick", "%s (the run goes on)", err.msg);
  }
}

/* ---- metrics and the auto-scaler ---- */

static void record_write(void *ud, uint64_t us) { asr_hist_record(ud, us); }

/* The cumulative counters of the pipeline and the sink, as the metrics collector reads them. */
static void collect_raw(run_t *r, asr_metrics_raw_t *raw) {
  asr_pipeline_stats_t st;
  asr_pipeline_stats(r->pipeline, &st);
  asr_sink_db_stats_t db;
  int has_db = asr_sink_stats(r->sink, &db);
  *raw = (asr_metrics_raw_t){
      .docs_written = has_db ? db.docs_written : st.docs_out,
      .batches_written = st.batches_done,
      .bytes_written = st.bytes_out,
      .docs_attempted = st.docs_out,
      .errors = db.failed,
      .retries = db.retries,
      .throttles = db.throttles,
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
  raw->retry_after_ms_max = db.retry_after_ms_max; /* this interval's: the read reset it */
}

static void sample(run_t *r, asr_metrics_snapshot_t *snap) {
  asr_metrics_raw_t raw;
  collect_raw(r, &raw);
  asr_metrics_sample(r->metrics, &raw, seconds_since(r->started_ns), snap);
}

static void on_check(uv_timer_t *h) {
  run_t *r = h->data;
  asr_metrics_snapshot_t snap;
  sample(r, &snap);
  if (r->scaler) asr_controller_check(r->scaler, &snap);
}

static int scaler_set_workers(void *ud, uint32_t n) {
  return asr_pipeline_set_workers(((run_t *)ud)->pipeline, n);
}

static int scaler_set_batch_size(void *ud, uint32_t n) {
  return asr_pipeline_set_batch_size(((run_t *)ud)->pipeline, n);
}

static uint32_t scaler_queue_capacity(void *ud) {
  asr_pipeline_stats_t st;
  asr_pipeline_stats(((run_t *)ud)->pipeline, &st);
  return st.queue_capacity;
}

static uint32_t clamp_u32(uint32_t v, uint32_t lo, uint32_t hi) { return v < lo ? lo : v > hi ? hi : v; }

/* With auto-scaling on: the controller (policy + gate), and the starting point inside the
 * limits. Before the pipeline exists, so nothing runs outside the limits. */
static int open_scaler(run_t *r, asr_err_t *err) {
  if (!r->cfg.auto_scaling) return 0;
  const asr_scaling_settings_t *s = &r->cfg.scaling;
  uint32_t w = clamp_u32(r->cfg.workers, s->min_workers, s->max_workers);
  uint32_t b = clamp_u32(r->cfg.batch_size, s->min_batch_size, s->max_batch_size);
  uint32_t w0 = r->cfg.workers, b0 = r->cfg.batch_size;
  r->cfg.workers = w;
  r->cfg.batch_size = b;
  asr_policy_spec_t ps = {
      .strategy = r->strategy,
      .name = r->cfg.policy,
      .settings = s,
  };
  int rc;
  if (r->cfg.dry_run) { /* check the policy loads; nothing will run */
    asr_policy_t *p = NULL;
    rc = asr_policy_open(&ps, &p, err);
    asr_policy_close(p);
  } else {
    asr_controller_actions_t act = {r, scaler_set_workers, scaler_set_batch_size,
                                    scaler_queue_capacity};
    rc = asr_controller_open(s, &ps, &act, &r->scaler, err);
  }
  if (rc == ASR_EINVAL) asr_err_prefix(err, "%s", r->cfg.policy_origin);
  if (rc == 0 && !r->cfg.dry_run && (w != w0 || b != b0))
    asr_log_info("scaling.start", "Auto-scaling starts inside its limits: workers %u → %u "
                 "(%u..%u), batch size %u → %u (%u..%u)", w0, w, s->min_workers, s->max_workers,
                 b0, b, s->min_batch_size, s->max_batch_size);
  return rc;
}

/* --summary-json's directory must exist and be writable before anything runs. */
static int check_writable(const char *path, asr_err_t *err) {
  const char *slash = strrchr(path, '/');
  char dir[1024];
  snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) + (slash == path) : 1,
           slash ? path : ".");
  if (access(dir, W_OK) != 0)
    return asr_err_set(err, ASR_EINVAL, "--summary-json: cannot write to directory %s: %s", dir,
                       strerror(errno));
  return 0;
}

/* ---- setup ---- */

static int open_run(run_t *r, asr_err_t *err) {
  const asr_cli_t *cli = r->cli;
  int rc = 0;
  if (cli->strategy && (rc = asr_strategy_load(cli->strategy, &r->strategy, err))) return rc;
  if ((rc = asr_config_build(cli, r->strategy, &r->cfg, err))) return rc;
  if ((rc = asr_source_open(&r->cfg.source, &r->source, err))) return rc;
  asr_sink_options_t opt = {
      .dry_run = r->cfg.dry_run,
      .overwrite = 1,
      .database = r->cfg.target_database,
      .collection = r->cfg.target_collection,
      .mode = r->cfg.write_mode,
      .keys = (const char *const *)r->cfg.keys,
      .nkeys = r->cfg.nkeys,
      .ordered = r->cfg.ordered,
      .write_concern = r->cfg.write_concern,
      .workers = r->cfg.workers,
  };
  if ((rc = asr_sink_open(r->cfg.target, &opt, &r->sink, err))) return rc;
  if (r->strategy && r->strategy->has_transform)
    asr_lua_transform_factory(&r->transform, r->strategy->path);
  if (r->cfg.summary_json && (rc = check_writable(r->cfg.summary_json, err))) return rc;
  return open_scaler(r, err);
}

static int start_loop(run_t *r, asr_err_t *err) {
  uv_loop_init(&r->loop);
  uv_async_init(&r->loop, &r->done, on_done_async);
  uv_signal_init(&r->loop, &r->sigint);
  uv_signal_init(&r->loop, &r->sigterm);
  uv_timer_init(&r->loop, &r->tick);
  uv_timer_init(&r->loop, &r->check);
  r->done.data = r->sigint.data = r->sigterm.data = r->tick.data = r->check.data = r;
  uv_signal_start(&r->sigint, on_signal, SIGINT);
  uv_signal_start(&r->sigterm, on_signal, SIGTERM);
  uint64_t tick_ms = (uint64_t)(r->cfg.tick_interval * 1000.0);
  if (tick_ms < 10) tick_ms = 10;
  uv_timer_start(&r->tick, on_tick, tick_ms, tick_ms);
  uint64_t check_ms = (uint64_t)(r->cfg.scaling.check_interval * 1000.0);
  uv_timer_start(&r->check, on_check, check_ms, check_ms);
  asr_hist_init(&r->latency);

  asr_metrics_options_t mo = {.history = r->cfg.scaling.history, .start_s = 0};
  if (!(r->metrics = asr_metrics_new(&mo))) /* before the pipeline: nothing to wait for */
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  asr_pipeline_config_t pc = {
      .source = r->source,
      .sink = r->sink,
      .transform = r->strategy && r->strategy->has_transform ? &r->transform : NULL,
      .workers = r->cfg.workers,
      .batch_size = r->cfg.batch_size,
      .queue_capacity = r->cfg.queue_capacity,
      .on_done = on_pipeline_done,
      .ud = r,
      .on_write = record_write,
      .write_ud = &r->latency,
  };
  int rc = asr_pipeline_create(&pc, &r->pipeline, err);
  if (rc) return rc;
  r->control = (asr_control_t){r, ctl_set_workers, ctl_set_batch_size, ctl_stop};
  r->started_ns = r->last_progress_ns = r->last_tick_ns = uv_hrtime();
  r->start_workers = r->cfg.workers;
  r->start_batch_size = r->cfg.batch_size;
  return asr_pipeline_start(r->pipeline, err);
}

static void run_close(run_t *r) {
  if (r->loop.data == r) {
    uv_run(&r->loop, UV_RUN_DEFAULT); /* let closed handles finish */
    uv_loop_close(&r->loop);
  }
  asr_controller_close(r->scaler); /* its policy lives in the strategy's state */
  asr_metrics_free(r->metrics);
  asr_pipeline_destroy(r->pipeline);
  asr_sink_destroy(r->sink);
  asr_source_destroy(r->source);
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

static void print_summary(const asr_run_summary_t *s) {
  char n[32], rate[32];
  asr_log_thousands((long long)s->docs_written, n, sizeof n);
  asr_log_thousands((long long)(s->docs_per_second + 0.5), rate, sizeof rate);
  if (strcmp(s->status, "ok") == 0)
    printf("Wrote %s documents to %s in %.2f s (%s docs/s)\n", n, s->output, s->duration_s, rate);
  else if (strcmp(s->status, "interrupted") == 0)
    printf("Interrupted: %s documents written to %s in %.2f s (incomplete)\n", n, s->output,
           s->duration_s);
  if (s->docs_dropped) printf("Dropped by transform: %llu\n", (unsigned long long)s->docs_dropped);
  if (s->duplicates)
    printf("Duplicates (already in the target, not rewritten): %llu\n", (unsigned long long)s->duplicates);
  if (s->failed) printf("Failed (rejected by the server): %llu\n", (unsigned long long)s->failed);
  if (s->throttles || s->retries)
    printf("Throttled: %llu, retried: %llu\n", (unsigned long long)s->throttles,
           (unsigned long long)s->retries);
  fflush(stdout);
}

/* The brief's completion lines, then the performance summary. */
static void log_completion(run_t *r, const asr_run_summary_t *sum) {
  asr_log_info("run.workers_done", "✅ Write workers completed");
  if (!sum->scaling) return;
  char b0[32], b1[32];
  asr_log_thousands(sum->start_batch_size, b0, sizeof b0);
  asr_log_thousands(sum->batch_size, b1, sizeof b1);
  char fields[256];
  snprintf(fields, sizeof fields, "\"decisions\":%llu,\"applied\":%llu,\"workers\":%u,"
           "\"batch_size\":%u", (unsigned long long)sum->scaling->decisions,
           (unsigned long long)sum->scaling->applied, sum->workers, sum->batch_size);
  asr_log_fields(ASR_LOG_INFO, "scaling.done", fields,
                 "🏁 Auto-scaling completed: %llu decisions, %llu changes applied; workers %u → %u, "
                 "batch size %s → %s", (unsigned long long)sum->scaling->decisions,
                 (unsigned long long)sum->scaling->applied, sum->start_workers, sum->workers, b0,
                 b1);
}

static void print_performance(const asr_run_summary_t *s) {
  const asr_metrics_totals_t *m = s->metrics;
  char peak[32];
  asr_log_thousands(llround(m->peak_docs_per_second), peak, sizeof peak);
  printf("Performance: peak %s docs/s; CPU avg %.0f%% (peak %.0f%%), machine avg %.0f%%; "
         "memory peak %.1f MB (%.1f%%)", peak, m->avg_cpu_percent, m->peak_cpu_percent,
         m->avg_system_cpu_percent, (double)m->peak_rss_bytes / 1048576.0, m->peak_memory_percent);
  if (m->latency_p50_ms > 0)
    printf("; write latency p50 %.1f ms, p95 %.1f ms, p99 %.1f ms", m->latency_p50_ms,
           m->latency_p95_ms, m->latency_p99_ms);
  printf("\n");
  if (s->scaling)
    printf("Auto-scaling (%s, policy %s): %llu decisions, %llu applied; workers %u → %u, batch "
           "size %u → %u\n", s->profile, s->scaling->policy,
           (unsigned long long)s->scaling->decisions, (unsigned long long)s->scaling->applied,
           s->start_workers, s->workers, s->start_batch_size, s->batch_size);
}

static int finish_run(run_t *r, int rc, asr_err_t *err) {
  asr_pipeline_stats_t st;
  asr_pipeline_stats(r->pipeline, &st);
  double secs = seconds_since(r->started_ns);
  asr_metrics_snapshot_t last;
  sample(r, &last); /* the tail since the last check counts too */
  asr_metrics_totals_t totals;
  asr_metrics_totals(r->metrics, &totals);
  asr_scaling_report_t report;
  if (r->scaler) asr_controller_report(r->scaler, &report);
  asr_run_summary_t sum = {
      .status = rc == 0 ? "ok" : rc == ASR_ECANCELED ? "interrupted" : "failed",
      .error = rc ? err->msg : NULL,
      .output = rc == 0 || rc == ASR_ECANCELED ? r->sink->location : "(nothing kept)",
      .docs_read = st.docs_in,
      .docs_written = st.docs_out,
      .docs_dropped = st.docs_dropped,
      .batches = st.batches_done,
      .bytes_written = st.bytes_out,
      .duration_s = secs,
      .workers = st.workers_target,
      .batch_size = st.batch_size,
      .start_workers = r->start_workers,
      .start_batch_size = r->start_batch_size,
      .metrics = &totals,
      .auto_scaling = r->cfg.auto_scaling,
      .profile = r->cfg.profile,
      .scaling = r->scaler ? &report : NULL,
  };
  asr_sink_db_stats_t db;
  if (asr_sink_stats(r->sink, &db)) {
    sum.docs_written = db.docs_written;
    sum.duplicates = db.duplicates;
    sum.failed = db.failed;
    sum.throttles = db.throttles;
    sum.retries = db.retries;
  }
  sum.docs_per_second = secs > 0 ? (double)sum.docs_written / secs : 0;
  int is_mongo = strcmp(r->sink->vt->scheme, "mongodb") == 0;
  if (is_mongo && rc == 0 && sum.failed) {
    asr_mongo_samples_t samples;
    asr_sink_mongo_samples(r->sink, &samples);
    rc = asr_err_set(err, ASR_EIO, "%llu documents were rejected by the server (first: %s)",
                     (unsigned long long)sum.failed,
                     samples.nfailures ? samples.failures[0] : "no message kept");
    sum.status = "failed";
    sum.error = err->msg;
  }
  log_completion(r, &sum);
  asr_err_t hook_err;
  asr_err_clear(&hook_err);
  int hrc = asr_hooks_on_finish(r->strategy, &sum, &hook_err);
  if (r->cli->verbosity >= 0) {
    print_summary(&sum);
    print_performance(&sum);
    fflush(stdout);
  }
  if (r->cli->log_format == ASR_LOG_JSON)
    asr_log_info("run.done", "status %s: %llu documents written to %s in %.3f s (%.0f docs/s), "
                 "%llu dropped", sum.status, (unsigned long long)sum.docs_written, sum.output,
                 sum.duration_s, sum.docs_per_second, (unsigned long long)sum.docs_dropped);
  asr_err_t json_err;
  asr_err_clear(&json_err);
  int jrc = r->cfg.summary_json ? asr_summary_write(&sum, r->cfg.summary_json, &json_err) : 0;
  if (jrc && rc == 0) {
    *err = json_err;
    rc = jrc;
  }
  if (hrc && rc == 0) {
    *err = hook_err;
    rc = hrc;
  }
  return rc;
}

/* ---- database checks: --copy-indexes, --verify ---- */

static int is_mongo_uri(const char *s) {
  return s && (strncmp(s, "mongodb://", 10) == 0 || strncmp(s, "mongodb+srv://", 14) == 0);
}

static asr_mongo_endpoint_t source_endpoint(const run_t *r) {
  return (asr_mongo_endpoint_t){r->cfg.source.path, r->cfg.source.database, r->cfg.source.collection};
}

static asr_mongo_endpoint_t target_endpoint(const run_t *r) {
  return (asr_mongo_endpoint_t){r->cfg.target, r->cfg.target_database, r->cfg.target_collection};
}

static int copy_indexes(run_t *r, asr_err_t *err) {
  if (strcmp(r->cfg.source.kind, "mongodb") != 0 || !is_mongo_uri(r->cfg.target))
    return asr_err_set(err, ASR_EINVAL, "--copy-indexes needs a MongoDB source and target");
  asr_mongo_endpoint_t from = source_endpoint(r), to = target_endpoint(r);
  uint32_t copied = 0;
  int rc = asr_mongo_check_copy_indexes(&from, &to, &copied, err);
  if (rc == 0) asr_log_info("mongo.indexes", "Copied %u indexes to the target", copied);
  return rc;
}

/* The strategy's transform for --verify's sampled documents, on this (main) thread. */
static int verify_map(void *ud, const uint8_t *doc, uint32_t len, asr_docs_t *out, asr_err_t *err) {
  run_t *r = ud;
  asr_transform_t *xf = r->verify_xf;
  asr_docs_t in;
  asr_docs_init(&in);
  int rc = asr_docs_append(&in, doc, len);
  if (rc == 0) rc = r->transform.apply(xf, &in, 0, out, err);
  asr_docs_free(&in);
  return rc;
}

/* expected < 0: counted from the source (--verify-only). */
static int verify(run_t *r, int64_t expected, asr_err_t *err) {
  if (!is_mongo_uri(r->cfg.target))
    return asr_err_set(err, ASR_EINVAL, "--verify needs a MongoDB target");
  int from_mongo = strcmp(r->cfg.source.kind, "mongodb") == 0;
  asr_mongo_endpoint_t from = source_endpoint(r), to = target_endpoint(r);
  int rc = 0;
  if (from_mongo && r->strategy && r->strategy->has_transform)
    rc = r->transform.open(r->transform.ud, &r->verify_xf, err);
  asr_verify_result_t res = {0};
  if (rc == 0)
    rc = asr_mongo_check_verify(from_mongo ? &from : NULL, r->cfg.source.filter, &to,
                                expected, 100, r->verify_xf ? verify_map : NULL, r,
                                &res, err);
  if (r->verify_xf) r->transform.close(r->verify_xf);
  r->verify_xf = NULL;
  if (rc) return rc;
  if (res.first_problem[0])
    return asr_err_set(err, ASR_EIO, "verify failed: target holds %lld documents, expected "
                       "%lld; sampled %u: %u missing, %u different; %s",
                       (long long)res.target_count, (long long)res.expected, res.sampled,
                       res.missing, res.mismatched, res.first_problem);
  if (r->cli->verbosity >= 0)
    printf("Verify: ok: target holds %lld documents as expected; %u sampled documents equal\n",
           (long long)res.target_count, res.sampled);
  return 0;
}

/* After a complete load: indexes (--copy-indexes after) and --verify. */
static int after_load(run_t *r, asr_err_t *err) {
  int rc = 0;
  if (r->cfg.copy_indexes && strcmp(r->cfg.copy_indexes, "after") == 0) rc = copy_indexes(r, err);
  if (rc == 0 && r->cfg.verify) {
    asr_pipeline_stats_t st;
    asr_pipeline_stats(r->pipeline, &st);
    rc = verify(r, (int64_t)st.docs_out, err);
  }
  return rc;
}

/* Starts the pipeline, runs the loop until every thread is done, then reports. */
static int execute(run_t *r, asr_err_t *err) {
  r->loop.data = r;
  int rc = start_loop(r, err);
  if (!r->pipeline) { /* nothing will fire the done async: close the handles ourselves */
    close_handles(r);
    return rc;
  }
  uv_run(&r->loop, UV_RUN_DEFAULT); /* returns once on_done_async closed the handles */
  int wrc = asr_pipeline_wait(r->pipeline, err);
  rc = rc ? rc : wrc;
  if (rc == 0) rc = after_load(r, err);
  return finish_run(r, rc, err);
}

int asr_run(const asr_cli_t *cli, asr_err_t *err) {
  run_t r = {.cli = cli};
  int rc = open_run(&r, err);
  if (rc == 0 && r.cfg.dry_run) {
    asr_plan_print(stdout, &r.cfg, r.strategy, r.source, r.sink, 1);
  } else if (rc == 0 && cli->verify_only) {
    rc = verify(&r, -1, err);
  } else if (rc == 0) {
    if (asr_log_enabled(ASR_LOG_INFO)) log_plan(&r);
    asr_run_info_t info = {r.cfg.name, r.source->description, r.cfg.target, r.cfg.profile,
                           r.cfg.workers, r.cfg.batch_size, r.cfg.source.limit, r.cfg.seed,
                           r.cfg.auto_scaling};
    rc = asr_hooks_on_start(r.strategy, &info, err);
    int before = r.cfg.copy_indexes && strcmp(r.cfg.copy_indexes, "before") == 0;
    if (rc == 0 && before) rc = copy_indexes(&r, err);
    if (rc == 0) rc = execute(&r, err);
  }
  run_close(&r);
  return rc;
}
