#include "runtime/summary.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

static void num(cJSON *o, const char *k, double v) {
  cJSON_AddNumberToObject(o, k, isfinite(v) ? round(v * 1000) / 1000 : 0);
}

static void str(cJSON *o, const char *k, const char *v) {
  if (v) cJSON_AddStringToObject(o, k, v);
}

static void add_totals(cJSON *o, const asr_run_summary_t *s) {
  num(o, "docs_read", (double)s->docs_read);
  num(o, "docs_written", (double)s->docs_written);
  num(o, "docs_dropped", (double)s->docs_dropped);
  num(o, "batches", (double)s->batches);
  num(o, "bytes_written", (double)s->bytes_written);
  num(o, "duration_s", s->duration_s);
  num(o, "docs_per_second", s->docs_per_second);
  num(o, "avg_docs_per_second", s->docs_per_second); /* the brief's name for the same figure */
  num(o, "duplicates", (double)s->duplicates);
  num(o, "failed", (double)s->failed);
  num(o, "errors", (double)s->failed);
  num(o, "throttles", (double)s->throttles);
  num(o, "retries", (double)s->retries);
}

static void add_metrics(cJSON *o, const asr_metrics_totals_t *m) {
  num(o, "peak_docs_per_second", m->peak_docs_per_second);
  num(o, "avg_cpu_usage", m->avg_cpu_percent);
  num(o, "peak_cpu_usage", m->peak_cpu_percent);
  num(o, "avg_system_cpu_usage", m->avg_system_cpu_percent);
  num(o, "peak_system_cpu_usage", m->peak_system_cpu_percent);
  num(o, "avg_memory_usage", m->avg_memory_percent);
  num(o, "peak_memory_usage", m->peak_memory_percent);
  num(o, "avg_rss_bytes", m->avg_rss_bytes);
  num(o, "peak_rss_bytes", (double)m->peak_rss_bytes);
  num(o, "latency_p50_ms", m->latency_p50_ms);
  num(o, "latency_p95_ms", m->latency_p95_ms);
  num(o, "latency_p99_ms", m->latency_p99_ms);
  num(o, "request_units", m->request_charge);
  num(o, "metric_samples", (double)m->samples);
}

static cJSON *decision_json(const asr_scaling_record_t *r) {
  cJSON *d = cJSON_CreateObject();
  num(d, "t", r->t);
  str(d, "action", r->action);
  str(d, "reason", r->reason);
  num(d, "confidence", r->confidence);
  num(d, "docs_per_second", r->docs_per_second);
  num(d, "workers_adjustment", (double)r->workers_delta);
  num(d, "batch_size_adjustment", (double)r->batch_delta);
  cJSON_AddBoolToObject(d, "applied", r->applied);
  num(d, "workers_from", r->workers_from);
  num(d, "workers_to", r->workers_to);
  num(d, "batch_size_from", r->batch_from);
  num(d, "batch_size_to", r->batch_to);
  if (r->emergency) cJSON_AddBoolToObject(d, "emergency", 1);
  if (r->policy_failed) cJSON_AddBoolToObject(d, "policy_failed", 1);
  if (r->note[0]) str(d, "note", r->note);
  return d;
}

static void add_scaling(cJSON *o, const asr_run_summary_t *s) {
  cJSON_AddBoolToObject(o, "auto_scaling", s->auto_scaling);
  str(o, "profile", s->profile);
  const asr_scaling_report_t *r = s->scaling;
  num(o, "scaling_decisions_count", r ? (double)r->decisions : 0);
  num(o, "scaling_changes_applied", r ? (double)r->applied : 0);
  if (!r) return;
  str(o, "policy", r->policy);
  num(o, "policy_failures", (double)r->policy_failures);
  num(o, "policy_fallbacks", (double)r->fallbacks);
  if (r->decisions > r->nrecords) /* the list keeps the first ASR_CONTROLLER_MAX_RECORDS */
    cJSON_AddBoolToObject(o, "decisions_truncated", 1);
  cJSON *list = cJSON_AddArrayToObject(o, "decisions");
  for (size_t i = 0; list && i < r->nrecords; i++)
    cJSON_AddItemToArray(list, decision_json(&r->records[i]));
}

cJSON *asr_summary_json(const asr_run_summary_t *s) {
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  str(o, "status", s->status);
  str(o, "error", s->error);
  str(o, "output", s->output);
  add_totals(o, s);
  if (s->metrics) add_metrics(o, s->metrics);
  num(o, "start_workers", s->start_workers);
  num(o, "start_batch_size", s->start_batch_size);
  num(o, "workers", s->workers);
  num(o, "batch_size", s->batch_size);
  num(o, "current_workers", s->workers);
  num(o, "current_batch_size", s->batch_size);
  add_scaling(o, s);
  return o;
}

int asr_summary_write(const asr_run_summary_t *s, const char *path, asr_err_t *err) {
  cJSON *o = asr_summary_json(s);
  char *text = o ? cJSON_Print(o) : NULL;
  cJSON_Delete(o);
  if (!text) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  FILE *f = fopen(path, "w");
  int ok = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
  if (f && fclose(f) != 0) ok = 0;
  free(text);
  if (!ok) return asr_err_set(err, ASR_EIO, "--summary-json: cannot write %s: %s", path, strerror(errno));
  return 0;
}
