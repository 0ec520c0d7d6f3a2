/* What the metrics endpoint serves, formatted from one copy of the run's values: the
 * Prometheus text exposition format 0.0.4 (/metrics: asrun_* counters and gauges with HELP
 * and TYPE, the write-latency histogram with cumulative buckets, the scaling decisions) and
 * a JSON snapshot (/status). The run fills asr_monitor_values_t on its main thread; the
 * endpoint's thread formats a copy (monitor/endpoint.c). Pure functions: tests give them
 * known values and compare the text. */
#ifndef ASR_MONITOR_EXPOSITION_H
#define ASR_MONITOR_EXPOSITION_H

#include <stdint.h>

#include "core/buf.h"
#include "metrics/histogram.h"
#include "monitor/progress.h"

#define ASR_EXPOSITION_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

typedef struct asr_monitor_values {
  double elapsed_s; /* since the run started */
  /* done, total, docs/s, ETA, workers, batch size, CPU, memory, throttles */
  asr_progress_values_t progress;
  /* counters, since the run started (this process: a resumed run's earlier ones are not) */
  uint64_t docs_read, docs_written, docs_dropped, docs_failed, bytes_written;
  uint64_t errors, retries, throttles;
  double request_units;
  /* gauges */
  uint32_t queue_depth, queue_capacity, in_flight, pool_in_use, pool_size;
  /* per-batch sink write times (microseconds; cumulative) and their sum in seconds */
  asr_hist_counts_t latency;
  double latency_sum_s;
  /* the auto-scaler's decisions (all zero when it is off) */
  int auto_scaling;
  uint64_t scale_ups, scale_downs, holds;
  int has_decision;       /* the fields below hold the latest one */
  char action[12];        /* scale_up | scale_down | hold */
  char reason[256];
  double decision_unix_s; /* when it was taken, seconds since the epoch */
} asr_monitor_values_t;

/* Appends the exposition text of v to out. Returns 0 or ASR_ENOMEM. */
int asr_exposition_format(const asr_monitor_values_t *v, asr_buf_t *out);
/* Appends /status's JSON object to out. Returns 0 or ASR_ENOMEM. */
int asr_exposition_status_json(const asr_monitor_values_t *v, asr_buf_t *out);
/* Appends s as the value of a label (between the quotes): backslash, double quote and line
 * feed escaped as \\, \" and \n. */
int asr_exposition_label_value(const char *s, asr_buf_t *out);

#endif
