/* The run's bounded time series (series.h). */
#include "metrics/series.h"

#include <stdlib.h>

struct asr_series {
  size_t cap, len, stride;
  size_t pending; /* intervals folded into points[len] and not yet complete (stride > 1) */
  asr_metrics_snapshot_t *points;
};

asr_series_t *asr_series_new(size_t cap) {
  if (cap == 0) cap = ASR_SERIES_DEFAULT_CAP;
  if (cap < 2) cap = 2;
  cap &= ~(size_t)1;
  asr_series_t *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->points = calloc(cap + 1, sizeof *s->points); /* +1: the point being filled */
  if (!s->points) {
    free(s);
    return NULL;
  }
  s->cap = cap, s->stride = 1;
  return s;
}

void asr_series_free(asr_series_t *s) {
  if (!s) return;
  free(s->points);
  free(s);
}

static double weighted(double a, double wa, double b, double wb) {
  return wa + wb > 0 ? (a * wa + b * wb) / (wa + wb) : (a + b) / 2;
}

/* Folds `b` (the interval after a's) into `a`. */
static void merge(asr_metrics_snapshot_t *a, const asr_metrics_snapshot_t *b) {
  asr_metrics_snapshot_t m = *b; /* levels and the clock: the later's */
  double wa = a->interval, wb = b->interval;
#define AVG(f) m.f = weighted(a->f, wa, b->f, wb);
#define MAX(f) m.f = a->f > b->f ? a->f : b->f;
#define SUM(f) m.f = a->f + b->f;
  AVG(docs_per_second) AVG(ops_per_second) AVG(bytes_per_second) AVG(cpu_percent)
  AVG(system_cpu_percent) AVG(net_rx_bytes_per_second) AVG(net_tx_bytes_per_second)
  AVG(error_rate) AVG(retry_rate) AVG(throttle_rate) AVG(latency_per_doc_ms)
  AVG(pool_utilization) AVG(ru_per_second) AVG(ru_per_doc)
  MAX(latency_p50_ms) MAX(latency_p95_ms) MAX(latency_p99_ms) MAX(retry_after_ms)
  SUM(errors) SUM(retries) SUM(throttles) SUM(interval)
#undef AVG
#undef MAX
#undef SUM
  *a = m;
}

/* Full: every pair of neighbours becomes one point; each point now covers twice as many
 * intervals. */
static void halve(asr_series_t *s) {
  for (size_t i = 0; i < s->len / 2; i++) {
    asr_metrics_snapshot_t p = s->points[2 * i];
    merge(&p, &s->points[2 * i + 1]);
    s->points[i] = p;
  }
  s->len /= 2;
  s->stride *= 2;
}

void asr_series_add(asr_series_t *s, const asr_metrics_snapshot_t *snap) {
  if (s->pending == 0) s->points[s->len] = *snap;
  else merge(&s->points[s->len], snap);
  if (++s->pending < s->stride) return;
  s->pending = 0;
  if (++s->len == s->cap) halve(s);
}

size_t asr_series_len(const asr_series_t *s) { return s->len + (s->pending > 0); }

const asr_metrics_snapshot_t *asr_series_at(const asr_series_t *s, size_t i) {
  return i < asr_series_len(s) ? &s->points[i] : NULL;
}

size_t asr_series_stride(const asr_series_t *s) { return s->stride; }
