/* Log-linear latency histogram: see histogram.h for the layout and its error bound. */
#include "metrics/histogram.h"

#include <math.h>

void asr_hist_init(asr_hist_t *h) {
  for (unsigned i = 0; i < ASR_HIST_BUCKETS; i++) atomic_init(&h->counts[i], 0);
}

void asr_hist_reset(asr_hist_t *h) {
  for (unsigned i = 0; i < ASR_HIST_BUCKETS; i++)
    atomic_store_explicit(&h->counts[i], 0, memory_order_relaxed);
}

unsigned asr_hist_bucket(uint64_t us) {
  if (us < ASR_HIST_SUB) return (unsigned)us;
  if (us > ASR_HIST_MAX_US) us = ASR_HIST_MAX_US;
  unsigned k = 63u - (unsigned)__builtin_clzll(us); /* 2^k <= us < 2^(k+1), k >= 4 */
  unsigned sub = (unsigned)(us >> (k - ASR_HIST_SUB_BITS)) - ASR_HIST_SUB; /* 0..15 */
  return (k - ASR_HIST_SUB_BITS + 1u) * ASR_HIST_SUB + sub;
}

void asr_hist_bucket_range(unsigned bucket, uint64_t *lo, uint64_t *hi) {
  if (bucket >= ASR_HIST_BUCKETS) bucket = ASR_HIST_BUCKETS - 1u;
  if (bucket < ASR_HIST_SUB) {
    *lo = *hi = bucket;
    return;
  }
  unsigned shift = bucket / ASR_HIST_SUB - 1u; /* = k - 4 */
  uint64_t sub = bucket % ASR_HIST_SUB;
  *lo = (ASR_HIST_SUB + sub) << shift;
  *hi = *lo + (UINT64_C(1) << shift) - 1u;
}

void asr_hist_record(asr_hist_t *h, uint64_t us) {
  atomic_fetch_add_explicit(&h->counts[asr_hist_bucket(us)], 1, memory_order_relaxed);
}

void asr_hist_read(const asr_hist_t *h, asr_hist_counts_t *out) {
  for (unsigned i = 0; i < ASR_HIST_BUCKETS; i++)
    /* atomic_load wants a non-const pointer in older C11 libraries; the load does not write */
    out->counts[i] = atomic_load_explicit((_Atomic uint64_t *)&h->counts[i], memory_order_relaxed);
}

void asr_hist_diff(const asr_hist_counts_t *now, const asr_hist_counts_t *before,
                   asr_hist_counts_t *out) {
  for (unsigned i = 0; i < ASR_HIST_BUCKETS; i++) {
    uint64_t a = now->counts[i], b = before->counts[i];
    out->counts[i] = a > b ? a - b : 0;
  }
}

uint64_t asr_hist_total(const asr_hist_counts_t *c) {
  uint64_t n = 0;
  for (unsigned i = 0; i < ASR_HIST_BUCKETS; i++) n += c->counts[i];
  return n;
}

double asr_hist_percentile(const asr_hist_counts_t *c, double q) {
  uint64_t total = asr_hist_total(c);
  if (total == 0) return 0.0;
  if (!(q > 0.0)) q = 0.0; /* also catches NaN */
  if (q > 1.0) q = 1.0;
  uint64_t rank = (uint64_t)ceil(q * (double)total);
  if (rank < 1) rank = 1;
  if (rank > total) rank = total;
  uint64_t seen = 0;
  unsigned i = 0;
  for (; i < ASR_HIST_BUCKETS; i++) {
    seen += c->counts[i];
    if (seen >= rank) break;
  }
  uint64_t lo, hi;
  asr_hist_bucket_range(i, &lo, &hi);
  return ((double)lo + (double)hi) / 2.0;
}
