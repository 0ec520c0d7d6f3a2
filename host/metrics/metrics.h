/* The auto-scaler's metrics collector (spec: docs/policies.md, "Snapshot").
 * Every check interval the host hands over its cumulative counters (asr_metrics_raw_t);
 * asr_metrics_sample turns them into an asr_metrics_snapshot_t of interval rates, adds the
 * /proc readings (proc.h) and latency percentiles from the histogram's difference since the
 * previous sample, and keeps the last K snapshots for the policy's `history`. It also keeps
 * run-wide aggregates for the end-of-run summary. Called from one thread (the controller);
 * only the histogram is written by other threads. No allocation after asr_metrics_new.
 * Every ratio has a guarded denominator: no NaN or infinity ever leaves this module. */
#ifndef ASR_METRICS_METRICS_H
#define ASR_METRICS_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "metrics/histogram.h"
#include "metrics/proc.h"

/* Field names are the spec's (and the Lua table's keys). */
typedef struct asr_metrics_snapshot {
  double t;        /* seconds since the run started */
  double interval; /* seconds covered (0 when the clock did not advance) */
  uint32_t workers, batch_size;
  double docs_per_second, ops_per_second, bytes_per_second;
  uint64_t docs_total;
  double cpu_percent;        /* this process, percent of the whole machine (0..100) */
  double system_cpu_percent; /* whole machine busy (0..100) */
  uint32_t cpu_count;
  uint64_t rss_bytes, memory_limit_bytes;
  double memory_percent; /* 100 * rss / limit, 0 when the limit is unknown */
  double net_rx_bytes_per_second, net_tx_bytes_per_second;
  uint64_t errors, retries, throttles; /* in the interval */
  double error_rate;    /* errors / documents attempted (0..1) */
  double retry_rate;    /* retries / batches written */
  double throttle_rate; /* throttles / batches written */
  uint32_t retry_after_ms;
  uint32_t queue_depth, queue_capacity, in_flight;
  double latency_p50_ms, latency_p95_ms, latency_p99_ms;
  double latency_per_doc_ms;
  uint32_t pool_in_use, pool_size;
  double pool_utilization; /* 0..1, 0 when pool_size is 0 */
  double ru_per_second, ru_per_doc;
} asr_metrics_snapshot_t;

/* What the host hands over each interval. Counters are cumulative since the run started
 * (they start at 0 when asr_metrics_new is called); a counter that goes backwards counts as
 * no change. The rest are current values. */
/* Every snapshot field once, for code that walks them (the Lua table, the JSON summary):
 * REAL(f) for doubles, COUNT(f) for integers. Keep in step with the struct above. */
#define ASR_SNAPSHOT_FIELDS(REAL, COUNT)                                                    \
  REAL(t) REAL(interval) COUNT(workers) COUNT(batch_size) REAL(docs_per_second)            \
  REAL(ops_per_second) REAL(bytes_per_second) COUNT(docs_total) REAL(cpu_percent)         \
  REAL(system_cpu_percent) COUNT(cpu_count) COUNT(rss_bytes) COUNT(memory_limit_bytes)     \
  REAL(memory_percent) REAL(net_rx_bytes_per_second) REAL(net_tx_bytes_per_second)         \
  COUNT(errors) COUNT(retries) COUNT(throttles) REAL(error_rate) REAL(retry_rate)          \
  REAL(throttle_rate) COUNT(retry_after_ms) COUNT(queue_depth) COUNT(queue_capacity)       \
  COUNT(in_flight) REAL(latency_p50_ms) REAL(latency_p95_ms) REAL(latency_p99_ms)          \
  REAL(latency_per_doc_ms) COUNT(pool_in_use) COUNT(pool_size) REAL(pool_utilization)      \
  REAL(ru_per_second) REAL(ru_per_doc)

typedef struct asr_metrics_raw {
  uint64_t docs_written, batches_written, bytes_written, docs_attempted;
  uint64_t errors, retries, throttles;
  uint32_t retry_after_ms_max; /* largest since the last sample: the caller resets it */
  uint64_t latency_us_total;   /* sum of sink write times per batch */
  const asr_hist_t *latency;   /* per-batch write times (cumulative); NULL: no percentiles */
  uint32_t workers, batch_size, queue_depth, queue_capacity, in_flight;
  uint32_t pool_in_use, pool_size;
  double request_charge; /* cumulative request units, 0 when the server reports none */
} asr_metrics_raw_t;

/* Where the machine and process readings come from: /proc (proc.h) in a real run, the
 * modelled client in the policy lab. Fills cumulative counters and levels as asr_proc_read. */
typedef void (*asr_machine_reader_fn)(void *ud, asr_proc_sample_t *out);

typedef struct asr_metrics_options {
  const char *proc_root; /* NULL: "/"; copied */
  asr_machine_reader_fn read_machine; /* NULL: asr_proc_read under proc_root */
  void *machine_ud;
  size_t history;        /* K snapshots kept; 0: 20 */
  double start_s;        /* the caller's clock (the one passed to sample) at the run's start */
} asr_metrics_options_t;

/* Whole-run aggregates for the summary. Averages are weighted by interval length (a plain
 * mean when every interval was 0); docs/s is docs_total / duration. */
typedef struct asr_metrics_totals {
  uint64_t samples;
  double duration_s; /* t of the last sample */
  uint64_t docs_total;
  double avg_docs_per_second, peak_docs_per_second;
  double avg_cpu_percent, peak_cpu_percent;
  double avg_system_cpu_percent, peak_system_cpu_percent;
  double avg_rss_bytes;
  uint64_t peak_rss_bytes;
  double avg_memory_percent, peak_memory_percent;
  uint64_t errors, retries, throttles;
  double latency_p50_ms, latency_p95_ms, latency_p99_ms; /* whole-run histogram */
  double request_charge;                                 /* total request units */
} asr_metrics_totals_t;

typedef struct asr_metrics asr_metrics_t;

/* opt NULL: defaults. Takes the first /proc reading (CPU percentages need two). Returns NULL
 * only when out of memory. */
asr_metrics_t *asr_metrics_new(const asr_metrics_options_t *opt);
void asr_metrics_free(asr_metrics_t *m);
/* Samples at now_s (same clock as start_s): the interval runs from the previous sample (or
 * from start_s). Fills *out (may be NULL) and appends the snapshot to the history. */
void asr_metrics_sample(asr_metrics_t *m, const asr_metrics_raw_t *raw, double now_s,
                        asr_metrics_snapshot_t *out);
/* The last min(samples, K) snapshots, oldest first, contiguous: valid until the next sample. */
void asr_metrics_history(const asr_metrics_t *m, const asr_metrics_snapshot_t **out, size_t *n);
void asr_metrics_totals(const asr_metrics_t *m, asr_metrics_totals_t *out);

#endif
