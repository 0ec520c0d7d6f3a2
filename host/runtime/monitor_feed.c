#include "runtime/monitor_feed.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/log.h"

/* ---- the counters ---- */

/* The sink's and the source's database counters. Reading resets the sink's largest
 * RetryAfterMs: the run holds it until the next check's snapshot takes it. */
static int read_db_stats(asr_monitor_feed_t *f, asr_sink_db_stats_t *db, asr_source_stats_t *src) {
  int has_db = asr_sink_stats(f->parts.sink, db);
  asr_source_stats(f->parts.source, src);
  if (db->retry_after_ms_max > f->retry_after_held) f->retry_after_held = db->retry_after_ms_max;
  f->throttles_seen = db->throttles + src->throttles;
  return has_db;
}

/* The cumulative counters of the pipeline and the sink, as the metrics collector reads them. */
static void collect_raw(asr_monitor_feed_t *f, asr_metrics_raw_t *raw) {
  asr_pipeline_stats_t st;
  asr_pipeline_stats(f->parts.pipeline, &st);
  asr_sink_db_stats_t db;
  asr_source_stats_t src; /* a database source's retried and throttled reads count too */
  int has_db = read_db_stats(f, &db, &src);
  *raw = (asr_metrics_raw_t){
      .docs_written = has_db ? db.docs_written : st.docs_out,
      .batches_written = st.batches_done,
      .bytes_written = st.bytes_out,
      .docs_attempted = st.docs_out,
      .errors = db.failed,
      .retries = db.retries + src.retries,
      .throttles = db.throttles + src.throttles,
      .latency_us_total = st.write_us,
      .latency = &f->latency,
      .workers = st.workers_target,
      .batch_size = st.batch_size,
      .queue_depth = st.queue_depth,
      .queue_capacity = st.queue_capacity,
      .in_flight = st.in_flight,
      .pool_in_use = db.pool_in_use,
      .pool_size = db.pool_size,
      .request_charge = db.request_charge,
  };
  raw->retry_after_ms_max = f->retry_after_held; /* this interval's: the read reset it */
  f->retry_after_held = 0;
}

void asr_monitor_feed_sample(asr_monitor_feed_t *f, double elapsed_s,
                             asr_metrics_snapshot_t *snap) {
  asr_metrics_raw_t raw;
  collect_raw(f, &raw);
  asr_metrics_sample(f->metrics, &raw, elapsed_s, snap);
  asr_series_add(f->series, snap);
  f->last_snap = *snap;
  f->sampled = 1;
}

/* ---- the progress line and the status line ---- */

/* The numbers of the progress line, the status line and the endpoint. */
static void progress_input(asr_monitor_feed_t *f, const asr_pipeline_stats_t *st,
                           asr_progress_input_t *in) {
  *in = (asr_progress_input_t){
      .done = asr_resume_docs_before(f->parts.resume) + st->docs_out,
      .total = f->parts.source->total_records,
      .workers = st->workers_target,
      .batch_size = st->batch_size,
      .machine_known = f->sampled,
      .cpu_percent = f->last_snap.cpu_percent,
      .rss_bytes = f->last_snap.rss_bytes,
      .memory_percent = f->last_snap.memory_percent,
      .throttles = f->throttles_seen,
  };
}

void asr_monitor_feed_read_progress(void *ud, asr_progress_input_t *in) {
  asr_monitor_feed_t *f = ud;
  asr_pipeline_stats_t st;
  asr_pipeline_stats(f->parts.pipeline, &st);
  progress_input(f, &st, in);
}

void asr_monitor_feed_log_progress(asr_monitor_feed_t *f, const asr_pipeline_stats_t *st,
                                   double docs_per_second) {
  char docs[32], rate[32], fields[512];
  asr_progress_input_t in;
  asr_progress_values_t v;
  progress_input(f, st, &in);
  asr_progress_compute(&in, docs_per_second, &v);
  asr_progress_json_fields(&v, fields, sizeof fields);
  asr_log_fields(ASR_LOG_INFO, "run.progress", fields, "Progress: %s documents (%s docs/s), "
                 "workers %u, batch size %u, queue %u/%u",
                 asr_log_thousands((long long)st->docs_out, docs, sizeof docs),
                 asr_log_thousands((long long)docs_per_second, rate, sizeof rate),
                 st->workers_target, st->batch_size, st->queue_depth, st->queue_capacity);
}

/* ---- the metrics endpoint ---- */

static double unix_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void scaling_values(asr_monitor_feed_t *f, asr_monitor_values_t *v) {
  if (!f->parts.scaler) return;
  asr_scaling_report_t rep;
  asr_controller_report(f->parts.scaler, &rep);
  if (rep.decisions != f->decisions_seen) { /* published right after each check */
    f->decisions_seen = rep.decisions;
    f->decision_unix_s = unix_seconds();
  }
  v->auto_scaling = 1;
  v->scale_ups = rep.scale_ups;
  v->scale_downs = rep.scale_downs;
  v->holds = rep.holds;
  if (!rep.last) return;
  v->has_decision = 1;
  v->decision_unix_s = f->decision_unix_s;
  snprintf(v->action, sizeof v->action, "%s", rep.last->action);
  snprintf(v->reason, sizeof v->reason, "%s", rep.last->reason);
}

static void monitor_values(asr_monitor_feed_t *f, double now, asr_monitor_values_t *v) {
  asr_pipeline_stats_t st;
  asr_pipeline_stats(f->parts.pipeline, &st);
  asr_sink_db_stats_t db;
  asr_source_stats_t src;
  int has_db = read_db_stats(f, &db, &src);
  asr_progress_input_t in;
  progress_input(f, &st, &in);
  memset(v, 0, sizeof *v);
  asr_progress_compute(&in, asr_rate_window_add(&f->publish_rate, now, in.done), &v->progress);
  v->elapsed_s = now;
  v->docs_read = st.records_read;
  v->docs_written = has_db ? db.docs_written : st.docs_out;
  v->docs_dropped = st.docs_dropped;
  v->docs_failed = asr_dead_letter_count(f->parts.dead_letter);
  v->bytes_written = st.bytes_out;
  v->errors = db.failed;
  v->retries = db.retries + src.retries;
  v->throttles = f->throttles_seen;
  v->request_units = db.request_charge;
  v->queue_depth = st.queue_depth;
  v->queue_capacity = st.queue_capacity;
  v->in_flight = st.in_flight;
  v->pool_in_use = db.pool_in_use;
  v->pool_size = db.pool_size;
  asr_hist_read(&f->latency, &v->latency);
  v->latency_sum_s = (double)st.write_us / 1e6;
  scaling_values(f, v);
}

void asr_monitor_feed_publish(asr_monitor_feed_t *f, double elapsed_s) {
  if (!f->endpoint || !f->parts.pipeline) return;
  asr_monitor_values_t v;
  monitor_values(f, elapsed_s, &v);
  asr_endpoint_publish(f->endpoint, &v);
}

int asr_monitor_feed_open_endpoint(asr_monitor_feed_t *f, const char *listen, asr_err_t *err) {
  if (!listen) return 0;
  int rc = asr_endpoint_open(listen, &f->endpoint, err);
  if (rc == 0) {
    const char *url = asr_endpoint_url(f->endpoint);
    char fields[160];
    snprintf(fields, sizeof fields, "\"url\":\"%s\"", url);
    asr_log_fields(ASR_LOG_INFO, "monitor.listen", fields, "Metrics at %s/metrics (JSON at "
                   "%s/status)", url, url);
  }
  return rc;
}

int asr_monitor_feed_open(asr_monitor_feed_t *f, size_t history, asr_err_t *err) {
  asr_hist_init(&f->latency);
  asr_metrics_options_t mo = {.history = history, .start_s = 0};
  if (!(f->metrics = asr_metrics_new(&mo)) || !(f->series = asr_series_new(0)))
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  return 0;
}

void asr_monitor_feed_start(asr_monitor_feed_t *f, const asr_monitor_feed_parts_t *parts) {
  f->parts = *parts;
  asr_rate_window_init(&f->publish_rate);
}

void asr_monitor_feed_close(asr_monitor_feed_t *f) {
  asr_endpoint_close(f->endpoint);
  f->endpoint = NULL;
  asr_metrics_free(f->metrics);
  asr_series_free(f->series);
  f->metrics = NULL;
  f->series = NULL;
}
