/* What a run reports at its end: printed, written by --summary-json, and handed to the
 * strategy's on_finish (and asrun.summary()) as a table with the same keys. The JSON object
 * is the one source of those keys: asr_summary_json builds it, everyone else reads it. */
#ifndef ASR_RUNTIME_SUMMARY_H
#define ASR_RUNTIME_SUMMARY_H

#include <stdint.h>

#include "metrics/metrics.h"
#include "scaler/controller.h"

typedef struct asr_run_summary {
  const char *status;   /* "ok" | "failed" | "interrupted" */
  const char *error;    /* message when not ok, else NULL */
  const char *output;   /* where the documents went */
  uint64_t docs_read, docs_written, docs_dropped, batches, bytes_written;
  double duration_s, docs_per_second;
  uint32_t workers, batch_size;        /* at the end */
  uint32_t start_workers, start_batch_size;
  /* database targets */
  uint64_t duplicates, failed, throttles, retries;
  /* performance and scaling; NULL when not collected */
  const asr_metrics_totals_t *metrics;
  int auto_scaling;
  const char *profile;
  const asr_scaling_report_t *scaling; /* NULL when auto-scaling is off */
} asr_run_summary_t;

struct cJSON;
/* The summary as a JSON object (caller frees with cJSON_Delete); NULL when out of memory.
 * Keys: the brief's avg_docs_per_second, avg_cpu_usage, current_workers,
 * scaling_decisions_count, and totals, duration, peaks, averages, latency percentiles and
 * the list of decisions. */
struct cJSON *asr_summary_json(const asr_run_summary_t *s);
/* Writes it to path (pretty-printed, with a final newline). 0 or ASR_EIO. */
int asr_summary_write(const asr_run_summary_t *s, const char *path, asr_err_t *err);

#endif
