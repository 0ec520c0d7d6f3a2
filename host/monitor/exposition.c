#include "monitor/exposition.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "core/error.h"

/* The histogram's upper bounds (le), in seconds as written and in microseconds. A batch's
 * write time counts under the first bound at or above the upper end of its bucket in the
 * run's asr_hist_t (at most 1/16 wider than the value: metrics/histogram.h). */
static const struct { const char *le; uint64_t us; } LATENCY_BOUNDS[] = {
    {"0.001", 1000},       {"0.0025", 2500},      {"0.005", 5000},     {"0.01", 10000},
    {"0.025", 25000},      {"0.05", 50000},       {"0.1", 100000},     {"0.25", 250000},
    {"0.5", 500000},       {"1", 1000000},        {"2.5", 2500000},    {"5", 5000000},
    {"10", 10000000},      {"30", 30000000},      {"60", 60000000},
};
#define NBOUNDS (sizeof LATENCY_BOUNDS / sizeof LATENCY_BOUNDS[0])

typedef struct out {
  asr_buf_t *buf;
  int rc;
} out_t;

static void appendf(out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void appendf(out_t *o, const char *fmt, ...) {
  if (o->rc) return;
  char tmp[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0 || asr_buf_append(o->buf, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1))
    o->rc = ASR_ENOMEM;
}

/* A sample value: integers as integers, other numbers with 15 significant digits (a
 * timestamp keeps its milliseconds). */
static void value(out_t *o, double v) {
  if (!isfinite(v)) v = 0;
  if (v == floor(v) && fabs(v) < 9007199254740992.0) appendf(o, "%.0f\n", v);
  else appendf(o, "%.15g\n", v);
}

static void header(out_t *o, const char *name, const char *type, const char *help) {
  appendf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void counter(out_t *o, const char *name, const char *help, double v) {
  header(o, name, "counter", help);
  appendf(o, "%s ", name);
  value(o, v);
}

static void gauge(out_t *o, const char *name, const char *help, double v) {
  header(o, name, "gauge", help);
  appendf(o, "%s ", name);
  value(o, v);
}

int asr_exposition_label_value(const char *s, asr_buf_t *out) {
  for (; *s; s++) {
    const char *esc = *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" : *s == '\n' ? "\\n" : NULL;
    if (esc ? asr_buf_append_str(out, esc) : asr_buf_append(out, s, 1)) return ASR_ENOMEM;
  }
  return 0;
}

static void counters(out_t *o, const asr_monitor_values_t *v) {
  counter(o, "asrun_documents_read_total", "Records the source handed out.",
          (double)v->docs_read);
  counter(o, "asrun_documents_written_total", "Documents written to the target.",
          (double)v->docs_written);
  counter(o, "asrun_documents_dropped_total", "Documents the transform dropped (returned nil).",
          (double)v->docs_dropped);
  counter(o, "asrun_documents_failed_total",
          "Documents that failed for good (the dead letters).", (double)v->docs_failed);
  counter(o, "asrun_bytes_written_total", "BSON bytes handed to the target.",
          (double)v->bytes_written);
  counter(o, "asrun_errors_total", "Documents the target refused.", (double)v->errors);
  counter(o, "asrun_retries_total", "Writes and reads retried.", (double)v->retries);
  counter(o, "asrun_throttles_total", "Writes and reads the database throttled (429, 16500).",
          (double)v->throttles);
  counter(o, "asrun_request_units_total", "Request units the database charged.",
          v->request_units);
}

static void gauges(out_t *o, const asr_monitor_values_t *v) {
  const asr_progress_values_t *p = &v->progress;
  gauge(o, "asrun_workers", "Worker threads asked for.", p->in.workers);
  gauge(o, "asrun_batch_size", "Documents a batch.", p->in.batch_size);
  gauge(o, "asrun_queue_depth", "Batches waiting for a worker.", v->queue_depth);
  gauge(o, "asrun_queue_capacity", "Batches the queue holds.", v->queue_capacity);
  gauge(o, "asrun_in_flight_batches", "Batches being processed.", v->in_flight);
  if (p->in.machine_known) { /* before the first metrics snapshot: absent */
    gauge(o, "asrun_cpu_percent", "CPU use of this process, percent of the machine.",
          p->in.cpu_percent);
    gauge(o, "asrun_rss_bytes", "Resident memory of this process.", (double)p->in.rss_bytes);
    gauge(o, "asrun_memory_percent", "Resident memory, percent of the memory limit.",
          p->in.memory_percent);
  }
  gauge(o, "asrun_documents_per_second", "Documents written a second, over the last seconds.",
        p->docs_per_second);
  gauge(o, "asrun_pool_in_use", "Database connections in use.", v->pool_in_use);
  gauge(o, "asrun_pool_size", "Database connections in the pool.", v->pool_size);
  gauge(o, "asrun_elapsed_seconds", "Seconds since the run started.", v->elapsed_s);
  if (p->in.total) /* unknown (stdin, a source without a count): absent */
    gauge(o, "asrun_documents_expected", "Documents the source will hand out.",
          (double)p->in.total);
}

static void histogram(out_t *o, const asr_monitor_values_t *v) {
  static const char *name = "asrun_write_latency_seconds";
  header(o, name, "histogram", "Time the target took to write a batch.");
  uint64_t below = 0;
  unsigned b = 0;
  for (size_t i = 0; i < NBOUNDS; i++) {
    for (; b < ASR_HIST_BUCKETS; b++) {
      uint64_t lo, hi;
      asr_hist_bucket_range(b, &lo, &hi);
      if (hi > LATENCY_BOUNDS[i].us) break;
      below += v->latency.counts[b];
    }
    appendf(o, "%s_bucket{le=\"%s\"} %llu\n", name, LATENCY_BOUNDS[i].le,
            (unsigned long long)below);
  }
  uint64_t count = asr_hist_total(&v->latency);
  appendf(o, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum ", name, (unsigned long long)count, name);
  value(o, v->latency_sum_s);
  appendf(o, "%s_count %llu\n", name, (unsigned long long)count);
}

static void decisions(out_t *o, const asr_monitor_values_t *v) {
  static const char *name = "asrun_scaling_decisions_total";
  header(o, name, "counter", "Decisions of the auto-scaler's policy, by action.");
  appendf(o, "%s{action=\"scale_up\"} %llu\n", name, (unsigned long long)v->scale_ups);
  appendf(o, "%s{action=\"scale_down\"} %llu\n", name, (unsigned long long)v->scale_downs);
  appendf(o, "%s{action=\"hold\"} %llu\n", name, (unsigned long long)v->holds);
  gauge(o, "asrun_auto_scaling", "1 while the auto-scaler is on.", v->auto_scaling);
  if (!v->has_decision) return;
  gauge(o, "asrun_last_decision_timestamp_seconds",
        "When the auto-scaler last decided, seconds since the epoch.", v->decision_unix_s);
  header(o, "asrun_last_decision_info", "gauge", "The auto-scaler's last decision and its reason.");
  appendf(o, "asrun_last_decision_info{action=\"");
  if (!o->rc && asr_exposition_label_value(v->action, o->buf)) o->rc = ASR_ENOMEM;
  appendf(o, "\",reason=\"");
  if (!o->rc && asr_exposition_label_value(v->reason, o->buf)) o->rc = ASR_ENOMEM;
  appendf(o, "\"} 1\n");
}

int asr_exposition_format(const asr_monitor_values_t *v, asr_buf_t *buf) {
  out_t o = {buf, 0};
  header(&o, "asrun_build_info", "gauge", "The asrun version serving these metrics.");
  appendf(&o, "asrun_build_info{version=\"%s\"} 1\n", ASR_VERSION);
  counters(&o, v);
  gauges(&o, v);
  histogram(&o, v);
  decisions(&o, v);
  return o.rc;
}

/* ---- /status ---- */

static void add_progress(cJSON *j, const asr_progress_values_t *p) {
  cJSON_AddNumberToObject(j, "done", (double)p->in.done);
  if (p->in.total) cJSON_AddNumberToObject(j, "total", (double)p->in.total);
  else cJSON_AddNullToObject(j, "total");
  if (p->percent >= 0) cJSON_AddNumberToObject(j, "percent", round(p->percent * 100) / 100);
  else cJSON_AddNullToObject(j, "percent");
  cJSON_AddNumberToObject(j, "docs_per_second", round(p->docs_per_second * 10) / 10);
  if (p->eta_s >= 0) cJSON_AddNumberToObject(j, "eta_s", round(p->eta_s * 10) / 10);
  else cJSON_AddNullToObject(j, "eta_s");
  cJSON_AddNumberToObject(j, "workers", p->in.workers);
  cJSON_AddNumberToObject(j, "batch_size", p->in.batch_size);
  if (p->in.machine_known) {
    cJSON_AddNumberToObject(j, "cpu_percent", round(p->in.cpu_percent * 10) / 10);
    cJSON_AddNumberToObject(j, "rss_bytes", (double)p->in.rss_bytes);
    cJSON_AddNumberToObject(j, "memory_percent", round(p->in.memory_percent * 10) / 10);
  } else {
    cJSON_AddNullToObject(j, "cpu_percent");
    cJSON_AddNullToObject(j, "rss_bytes");
    cJSON_AddNullToObject(j, "memory_percent");
  }
  cJSON_AddNumberToObject(j, "throttles", (double)p->in.throttles);
}

static void add_counts(cJSON *j, const asr_monitor_values_t *v) {
  cJSON_AddNumberToObject(j, "elapsed_s", round(v->elapsed_s * 1000) / 1000);
  cJSON_AddNumberToObject(j, "docs_read", (double)v->docs_read);
  cJSON_AddNumberToObject(j, "docs_written", (double)v->docs_written);
  cJSON_AddNumberToObject(j, "docs_dropped", (double)v->docs_dropped);
  cJSON_AddNumberToObject(j, "docs_failed", (double)v->docs_failed);
  cJSON_AddNumberToObject(j, "bytes_written", (double)v->bytes_written);
  cJSON_AddNumberToObject(j, "errors", (double)v->errors);
  cJSON_AddNumberToObject(j, "retries", (double)v->retries);
  cJSON_AddNumberToObject(j, "request_units", v->request_units);
  cJSON_AddNumberToObject(j, "queue_depth", v->queue_depth);
  cJSON_AddNumberToObject(j, "queue_capacity", v->queue_capacity);
  cJSON_AddNumberToObject(j, "in_flight", v->in_flight);
  cJSON_AddNumberToObject(j, "pool_in_use", v->pool_in_use);
  cJSON_AddNumberToObject(j, "pool_size", v->pool_size);
  cJSON_AddNumberToObject(j, "latency_p50_ms", asr_hist_percentile(&v->latency, 0.50) / 1000);
  cJSON_AddNumberToObject(j, "latency_p95_ms", asr_hist_percentile(&v->latency, 0.95) / 1000);
  cJSON_AddNumberToObject(j, "latency_p99_ms", asr_hist_percentile(&v->latency, 0.99) / 1000);
}

static void add_scaling(cJSON *j, const asr_monitor_values_t *v) {
  cJSON *s = cJSON_AddObjectToObject(j, "scaling");
  if (!s) return;
  cJSON_AddBoolToObject(s, "enabled", v->auto_scaling);
  cJSON *d = cJSON_AddObjectToObject(s, "decisions");
  if (d) {
    cJSON_AddNumberToObject(d, "scale_up", (double)v->scale_ups);
    cJSON_AddNumberToObject(d, "scale_down", (double)v->scale_downs);
    cJSON_AddNumberToObject(d, "hold", (double)v->holds);
  }
  if (!v->has_decision) {
    cJSON_AddNullToObject(s, "last_decision");
    return;
  }
  cJSON *l = cJSON_AddObjectToObject(s, "last_decision");
  if (!l) return;
  cJSON_AddStringToObject(l, "action", v->action);
  cJSON_AddStringToObject(l, "reason", v->reason);
  cJSON_AddNumberToObject(l, "timestamp", round(v->decision_unix_s * 1000) / 1000);
}

int asr_exposition_status_json(const asr_monitor_values_t *v, asr_buf_t *out) {
  cJSON *j = cJSON_CreateObject();
  if (!j) return ASR_ENOMEM;
  add_progress(j, &v->progress);
  add_counts(j, v);
  add_scaling(j, v);
  char *text = cJSON_PrintUnformatted(j);
  cJSON_Delete(j);
  int rc = text && asr_buf_append_str(out, text) == 0 && asr_buf_append(out, "\n", 1) == 0
               ? 0 : ASR_ENOMEM;
  cJSON_free(text);
  return rc;
}
