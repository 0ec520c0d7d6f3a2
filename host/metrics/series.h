/* The run's time series: every check interval's snapshot, kept for the end of the run (the
 * summary JSON's "series", the HTML report, the run history). Memory is bounded: when the
 * series holds `cap` points, each pair of neighbours is merged into one (the series keeps
 * the whole run at half the resolution), so a run of any length costs at most cap points
 * (cap × sizeof(asr_metrics_snapshot_t), about 1.2 MB at the default 4096).
 * Merging two intervals: t is the later's; interval is the sum; rates and percentages are
 * averages weighted by interval; counts in the interval (errors, retries, throttles) add
 * up; latency percentiles and retry_after_ms take the larger; levels (workers, batch size,
 * queue, memory, pool, docs_total) are the later's.
 * Written and read by one thread (the run's main thread); no allocation after new. */
#ifndef ASR_METRICS_SERIES_H
#define ASR_METRICS_SERIES_H

#include <stddef.h>

#include "metrics/metrics.h"

#define ASR_SERIES_DEFAULT_CAP 4096

/* The snapshot fields a series is written out with, in order: the summary JSON's "series"
 * columns (runtime/report.c), the run history's interval rows (monitor/history.c) and the
 * HTML report's charts (by name) follow this list. X(field of asr_metrics_snapshot_t). */
#define ASR_SERIES_COLUMNS(X)                                                               \
  X(t) X(interval) X(docs_per_second) X(workers) X(batch_size) X(cpu_percent) X(rss_bytes)  \
  X(memory_percent) X(latency_p95_ms) X(errors) X(retries) X(throttles) X(queue_depth)      \
  X(ru_per_second)

typedef struct asr_series asr_series_t;

/* cap: the most points kept (even, at least 2; 0: ASR_SERIES_DEFAULT_CAP). NULL when out of
 * memory. */
asr_series_t *asr_series_new(size_t cap);
void asr_series_free(asr_series_t *s);
void asr_series_add(asr_series_t *s, const asr_metrics_snapshot_t *snap);
size_t asr_series_len(const asr_series_t *s);
/* Point i (0 = oldest), or NULL past the end. Valid until the next add. */
const asr_metrics_snapshot_t *asr_series_at(const asr_series_t *s, size_t i);
/* How many check intervals each point now stands for (1, 2, 4, ...). */
size_t asr_series_stride(const asr_series_t *s);

#endif
