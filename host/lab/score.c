/* The lab's figures (score.h): pure arithmetic over the runs' intervals. */
#include "lab/score.h"

#define STEADY_SHARE 0.25 /* the last quarter of a scenario is its steady state */
#define SMOOTH 3          /* intervals averaged when judging "reached 90%" */
#define REACHED 0.9

double asr_lab_steady_rate(const asr_vrun_result_t *r, double duration_s) {
  double from = duration_s * (1 - STEADY_SHARE), sum = 0;
  size_t n = 0;
  for (size_t i = 0; i < r->nintervals; i++)
    if (r->intervals[i].t > from + 1e-9) {
      sum += r->intervals[i].docs_per_second;
      n++;
    }
  return n ? sum / (double)n : 0;
}

double asr_lab_throttled_pct(const asr_vrun_result_t *r) {
  return r->requests ? 100.0 * (double)r->throttled_requests / (double)r->requests : 0;
}

/* Mean rate of interval i and up to SMOOTH-1 before it. */
static double smoothed(const asr_vrun_result_t *r, size_t i) {
  if (r->nintervals == 0) return 0;
  if (i >= r->nintervals) i = r->nintervals - 1;
  size_t first = i + 1 >= SMOOTH ? i + 1 - SMOOTH : 0;
  double sum = 0;
  for (size_t k = first; k <= i; k++) sum += r->intervals[k].docs_per_second;
  return sum / (double)(i - first + 1);
}

/* +1 / -1 for the change applied after interval i (seen in interval i+1), 0 for none. */
static int direction(const asr_vrun_result_t *r, size_t i) {
  if (!r->intervals[i].applied || i + 1 >= r->nintervals) return 0;
  const asr_vrun_interval_t *a = &r->intervals[i], *b = &r->intervals[i + 1];
  if (b->workers != a->workers) return b->workers > a->workers ? 1 : -1;
  if (b->batch_size != a->batch_size) return b->batch_size > a->batch_size ? 1 : -1;
  return 0;
}

static void score_reversals(const asr_vrun_result_t *run, size_t from, asr_lab_score_t *out) {
  int last = 0;
  long reversals = 0;
  for (size_t i = from; i < run->nintervals; i++) {
    int d = direction(run, i);
    if (!d) continue;
    if (last && d != last) reversals++;
    last = d;
  }
  size_t steady = run->nintervals > from ? run->nintervals - from : 0;
  out->reversals_per_10 = steady ? 10.0 * (double)reversals / (double)steady : 0;
}

void asr_lab_score(const asr_vrun_result_t *run, const asr_vrun_result_t *best,
                   double duration_s, asr_lab_score_t *out) {
  *out = (asr_lab_score_t){.intervals_to_90 = -1, .changes_to_90 = -1, .seconds_to_90 = -1,
                           .lost = run->docs_lost, .docs_written = run->docs_written};
  out->steady_docs_per_second = asr_lab_steady_rate(run, duration_s);
  double best_rate = asr_lab_steady_rate(best, duration_s);
  out->steady_pct_of_best = best_rate > 0 ? 100.0 * out->steady_docs_per_second / best_rate : 0;
  out->throttled_pct = asr_lab_throttled_pct(run);
  long changes = 0;
  size_t reached = run->nintervals;
  for (size_t i = 0; i < run->nintervals; i++) {
    if (smoothed(run, i) >= REACHED * smoothed(best, i)) {
      reached = i;
      break;
    }
    changes += run->intervals[i].applied;
  }
  if (reached < run->nintervals) {
    out->reached_90 = 1;
    out->intervals_to_90 = (long)reached + 1;
    out->changes_to_90 = changes;
    out->seconds_to_90 = run->intervals[reached].t;
  }
  score_reversals(run, reached < run->nintervals ? reached : 0, out);
}
