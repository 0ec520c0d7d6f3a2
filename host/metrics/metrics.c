/* The metrics collector: interval deltas and rates, /proc readings, histogram percentiles,
 * the history ring and run-wide aggregates (see metrics.h). The collector owns its ring and
 * its copy of the proc root; the histogram belongs to the host. */
#include "metrics/metrics.h"

#include <stdlib.h>
#include <string.h>

#include "metrics/proc.h"

#define DEFAULT_HISTORY 20u
#define MAX_HISTORY 100000u

/* Sums for the run-wide averages: weighted by interval, and plain for the all-zero case. */
typedef struct level_sum {
  double weighted, plain, peak;
} level_sum_t;

struct asr_metrics {
  char *root;
  asr_proc_t proc;
  asr_machine_reader_fn read_machine; /* NULL: /proc */
  void *machine_ud;
  double start_s, last_s;
  asr_metrics_raw_t prev;        /* counters at the previous sample */
  asr_proc_sample_t prev_proc;
  asr_hist_counts_t hist[2];     /* hist[prev_hist]: cumulative counts at the previous sample */
  int prev_hist, have_hist;
  /* history: 2K slots; each snapshot is written at i and i+K so the last K are contiguous */
  asr_metrics_snapshot_t *ring;
  size_t k, samples;
  double weight;                 /* sum of intervals */
  level_sum_t cpu, sys, rss, mem;
  double peak_docs_per_second;
  uint64_t peak_rss;
  asr_metrics_snapshot_t last;
};

static void read_machine(const asr_metrics_t *m, asr_proc_sample_t *out) {
  if (m->read_machine)
    m->read_machine(m->machine_ud, out);
  else
    asr_proc_read(&m->proc, out);
}

asr_metrics_t *asr_metrics_new(const asr_metrics_options_t *opt) {
  asr_metrics_options_t o = opt ? *opt : (asr_metrics_options_t){0};
  asr_metrics_t *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  m->k = o.history ? o.history : DEFAULT_HISTORY;
  if (m->k > MAX_HISTORY) m->k = MAX_HISTORY;
  m->root = strdup(o.proc_root ? o.proc_root : "/");
  m->ring = calloc(2 * m->k, sizeof *m->ring);
  if (!m->root || !m->ring) {
    asr_metrics_free(m);
    return NULL;
  }
  asr_proc_init(&m->proc, m->root);
  m->read_machine = o.read_machine;
  m->machine_ud = o.machine_ud;
  read_machine(m, &m->prev_proc);
  m->start_s = m->last_s = o.start_s;
  return m;
}

void asr_metrics_free(asr_metrics_t *m) {
  if (!m) return;
  free(m->ring);
  free(m->root);
  free(m);
}

static uint64_t delta(uint64_t now, uint64_t before) { return now > before ? now - before : 0; }
static double ratio(double num, double den) { return den > 0.0 ? num / den : 0.0; }
static double per_second(double amount, double interval) { return ratio(amount, interval); }
static double clamp(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }
/* count / denominator; with a zero denominator the count itself, so that an interval in which
 * nothing got through but retries happened still reads high rather than 0 */
static double rate_of(uint64_t count, uint64_t den) {
  return (double)count / (double)(den ? den : 1u);
}

static void fill_counters(asr_metrics_t *m, const asr_metrics_raw_t *raw,
                          asr_metrics_snapshot_t *s) {
  const asr_metrics_raw_t *p = &m->prev;
  uint64_t docs = delta(raw->docs_written, p->docs_written);
  uint64_t batches = delta(raw->batches_written, p->batches_written);
  double dt = s->interval;
  s->workers = raw->workers;
  s->batch_size = raw->batch_size;
  s->docs_per_second = per_second((double)docs, dt);
  s->ops_per_second = per_second((double)batches, dt);
  s->bytes_per_second = per_second((double)delta(raw->bytes_written, p->bytes_written), dt);
  s->docs_total = raw->docs_written;
  s->errors = delta(raw->errors, p->errors);
  s->retries = delta(raw->retries, p->retries);
  s->throttles = delta(raw->throttles, p->throttles);
  /* Sinks count a failure inside the write, the pipeline counts the attempt after it: an
   * interval can hold the one without the other. No attempt finished: no reading (0), not a
   * 100% error rate that would trip the gate's emergency. */
  uint64_t attempted = delta(raw->docs_attempted, p->docs_attempted);
  s->error_rate = attempted ? clamp((double)s->errors / (double)attempted, 0, 1) : 0;
  s->retry_rate = rate_of(s->retries, batches);
  s->throttle_rate = rate_of(s->throttles, batches);
  s->retry_after_ms = raw->retry_after_ms_max;
  s->queue_depth = raw->queue_depth;
  s->queue_capacity = raw->queue_capacity;
  s->in_flight = raw->in_flight;
  s->latency_per_doc_ms =
      ratio((double)delta(raw->latency_us_total, p->latency_us_total), (double)docs) / 1000.0;
  s->pool_in_use = raw->pool_in_use;
  s->pool_size = raw->pool_size;
  s->pool_utilization = clamp(ratio(raw->pool_in_use, raw->pool_size), 0, 1);
  double ru = raw->request_charge > p->request_charge ? raw->request_charge - p->request_charge : 0;
  s->ru_per_second = per_second(ru, dt);
  s->ru_per_doc = ratio(ru, (double)docs);
}

static void fill_proc(asr_metrics_t *m, asr_metrics_snapshot_t *s) {
  asr_proc_sample_t now;
  read_machine(m, &now);
  const asr_proc_sample_t *p = &m->prev_proc;
  double cpu_s = now.process_cpu_s > p->process_cpu_s ? now.process_cpu_s - p->process_cpu_s : 0;
  s->cpu_count = now.cpu_count;
  s->cpu_percent = clamp(100.0 * ratio(cpu_s, s->interval * now.cpu_count), 0, 100);
  s->system_cpu_percent = clamp(100.0 * ratio((double)delta(now.cpu_busy, p->cpu_busy),
                                              (double)delta(now.cpu_total, p->cpu_total)), 0, 100);
  s->rss_bytes = now.rss_bytes;
  s->memory_limit_bytes = now.memory_limit_bytes;
  s->memory_percent = 100.0 * ratio((double)now.rss_bytes, (double)now.memory_limit_bytes);
  s->net_rx_bytes_per_second = per_second((double)delta(now.net_rx_bytes, p->net_rx_bytes), s->interval);
  s->net_tx_bytes_per_second = per_second((double)delta(now.net_tx_bytes, p->net_tx_bytes), s->interval);
  m->prev_proc = now;
}

/* Percentiles of the writes since the previous sample; the read becomes the new "previous". */
static void fill_latency(asr_metrics_t *m, const asr_hist_t *h, asr_metrics_snapshot_t *s) {
  if (!h) return;
  asr_hist_counts_t *before = &m->hist[m->prev_hist], *now = &m->hist[!m->prev_hist];
  asr_hist_read(h, now);
  asr_hist_diff(now, before, before); /* `before` now holds the interval's counts */
  s->latency_p50_ms = asr_hist_percentile(before, 0.50) / 1000.0;
  s->latency_p95_ms = asr_hist_percentile(before, 0.95) / 1000.0;
  s->latency_p99_ms = asr_hist_percentile(before, 0.99) / 1000.0;
  m->prev_hist = !m->prev_hist;
  m->have_hist = 1;
}

static void add_level(level_sum_t *l, double v, double interval) {
  l->weighted += v * interval;
  l->plain += v;
  if (v > l->peak) l->peak = v;
}

static void accumulate(asr_metrics_t *m, const asr_metrics_snapshot_t *s) {
  m->weight += s->interval;
  add_level(&m->cpu, s->cpu_percent, s->interval);
  add_level(&m->sys, s->system_cpu_percent, s->interval);
  add_level(&m->rss, (double)s->rss_bytes, s->interval);
  add_level(&m->mem, s->memory_percent, s->interval);
  if (s->docs_per_second > m->peak_docs_per_second) m->peak_docs_per_second = s->docs_per_second;
  if (s->rss_bytes > m->peak_rss) m->peak_rss = s->rss_bytes;
  size_t i = m->samples % m->k;
  m->ring[i] = m->ring[i + m->k] = *s;
  m->samples++;
  m->last = *s;
}

void asr_metrics_sample(asr_metrics_t *m, const asr_metrics_raw_t *raw, double now_s,
                        asr_metrics_snapshot_t *out) {
  asr_metrics_snapshot_t s = {0};
  s.t = now_s > m->start_s ? now_s - m->start_s : 0.0;
  s.interval = now_s > m->last_s ? now_s - m->last_s : 0.0;
  fill_counters(m, raw, &s);
  fill_proc(m, &s);
  fill_latency(m, raw->latency, &s);
  accumulate(m, &s);
  m->prev = *raw;
  m->prev.latency = NULL; /* not ours to keep */
  m->last_s = now_s;
  if (out) *out = s;
}

void asr_metrics_history(const asr_metrics_t *m, const asr_metrics_snapshot_t **out, size_t *n) {
  if (m->samples <= m->k) {
    *out = m->ring;
    *n = m->samples;
    return;
  }
  /* the newest is at (samples-1) % K + K; the K before it, inclusive, are in order */
  *out = m->ring + (m->samples - 1) % m->k + 1;
  *n = m->k;
}

static double average(const level_sum_t *l, double weight, uint64_t n) {
  if (weight > 0.0) return l->weighted / weight;
  return n ? l->plain / (double)n : 0.0;
}

void asr_metrics_totals(const asr_metrics_t *m, asr_metrics_totals_t *out) {
  memset(out, 0, sizeof *out);
  out->samples = m->samples;
  out->duration_s = m->last.t;
  out->docs_total = m->prev.docs_written;
  out->avg_docs_per_second = ratio((double)out->docs_total, out->duration_s);
  out->peak_docs_per_second = m->peak_docs_per_second;
  out->avg_cpu_percent = average(&m->cpu, m->weight, m->samples);
  out->peak_cpu_percent = m->cpu.peak;
  out->avg_system_cpu_percent = average(&m->sys, m->weight, m->samples);
  out->peak_system_cpu_percent = m->sys.peak;
  out->avg_rss_bytes = average(&m->rss, m->weight, m->samples);
  out->peak_rss_bytes = m->peak_rss;
  out->avg_memory_percent = average(&m->mem, m->weight, m->samples);
  out->peak_memory_percent = m->mem.peak;
  out->errors = m->prev.errors;
  out->retries = m->prev.retries;
  out->throttles = m->prev.throttles;
  if (m->have_hist) {
    const asr_hist_counts_t *all = &m->hist[m->prev_hist];
    out->latency_p50_ms = asr_hist_percentile(all, 0.50) / 1000.0;
    out->latency_p95_ms = asr_hist_percentile(all, 0.95) / 1000.0;
    out->latency_p99_ms = asr_hist_percentile(all, 0.99) / 1000.0;
  }
  out->request_charge = m->prev.request_charge;
}
