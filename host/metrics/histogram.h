/* Latency histogram for per-batch sink write times, in microseconds.
 * Log-linear buckets: values 0..15 each have their own bucket; above that every power of two
 * [2^k, 2^(k+1)) is split into 16 equal sub-buckets, up to 2^32 us (~71.6 minutes; larger
 * values count in the top bucket). A bucket is at most 1/16 of its lower bound wide, so the
 * bucket midpoint that asr_hist_percentile returns is within 1/32 (~3.1%) of any value in it.
 * Counts are relaxed atomics: any number of writer threads record without a lock while one
 * reader copies them (each count is exact; a copy is not one instant across buckets, which
 * does not matter for percentiles). Fixed size, no allocation; the owner embeds it. */
#ifndef ASR_METRICS_HISTOGRAM_H
#define ASR_METRICS_HISTOGRAM_H

#include <stdatomic.h>
#include <stdint.h>

#define ASR_HIST_SUB_BITS 4u
#define ASR_HIST_SUB (1u << ASR_HIST_SUB_BITS)          /* 16 sub-buckets per power of two */
#define ASR_HIST_MAX_BITS 32u                           /* covers 0 .. 2^32-1 us */
#define ASR_HIST_BUCKETS ((ASR_HIST_MAX_BITS - ASR_HIST_SUB_BITS + 1u) * ASR_HIST_SUB) /* 464 */
#define ASR_HIST_MAX_US ((UINT64_C(1) << ASR_HIST_MAX_BITS) - 1u)

typedef struct asr_hist {
  _Atomic uint64_t counts[ASR_HIST_BUCKETS];
} asr_hist_t;

/* A plain copy of the counts (cumulative, or a difference of two copies). */
typedef struct asr_hist_counts {
  uint64_t counts[ASR_HIST_BUCKETS];
} asr_hist_counts_t;

void asr_hist_init(asr_hist_t *h);
/* Zeroes every count. Not atomic as a whole: do it while nobody records. */
void asr_hist_reset(asr_hist_t *h);
void asr_hist_record(asr_hist_t *h, uint64_t us); /* thread-safe, lock-free */
void asr_hist_read(const asr_hist_t *h, asr_hist_counts_t *out);
/* out = now - before per bucket (0 where before is larger, e.g. after a reset); out may
 * alias either input. */
void asr_hist_diff(const asr_hist_counts_t *now, const asr_hist_counts_t *before,
                   asr_hist_counts_t *out);
uint64_t asr_hist_total(const asr_hist_counts_t *c);
/* The q-quantile (q in 0..1, clamped) in microseconds: the midpoint of the bucket that holds
 * the ceil(q * total)-th smallest value (the smallest value for q = 0). Exact for values
 * below 32 us. Returns 0 when the counts are empty. */
double asr_hist_percentile(const asr_hist_counts_t *c, double q);

/* Bucket layout, for tests and reports: the bucket of a value, and the inclusive range of
 * values a bucket holds. */
unsigned asr_hist_bucket(uint64_t us);
void asr_hist_bucket_range(unsigned bucket, uint64_t *lo, uint64_t *hi);

#endif
