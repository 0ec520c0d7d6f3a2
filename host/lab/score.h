/* The lab's figures for one run against the best fixed configuration's run of the same
 * scenario (issue 10's table): steady state, time to 90%, reversals, throttling, losses.
 * Definitions (docs/policy-lab.md, "Figures"):
 * - steady docs/s: the mean interval rate over the last quarter of the scenario;
 * - reaching 90%: the first interval whose rate, averaged over it and up to two before it,
 *   is at least 90% of the best fixed run's rate averaged the same way at the same time
 *   (time-aligned, so a phase that changes capacity moves both);
 * - reversals: applied changes, from reaching 90% on, whose direction (workers, or the batch
 *   size when workers did not move) is opposite to the applied change before; per 10 of
 *   those intervals;
 * - throttled: writes answered with a 16500, of all writes sent. */
#ifndef ASR_LAB_SCORE_H
#define ASR_LAB_SCORE_H

#include "lab/virtual_run.h"

typedef struct asr_lab_score {
  double steady_docs_per_second, steady_pct_of_best;
  int reached_90;           /* 0: the fields below about 90% are -1 */
  long intervals_to_90, changes_to_90;
  double seconds_to_90;
  double reversals_per_10, throttled_pct;
  uint64_t lost, docs_written;
} asr_lab_score_t;

double asr_lab_steady_rate(const asr_vrun_result_t *r, double duration_s);
/* Writes answered with a 16500, % of all writes sent (0 when none were sent). */
double asr_lab_throttled_pct(const asr_vrun_result_t *r);
void asr_lab_score(const asr_vrun_result_t *run, const asr_vrun_result_t *best,
                   double duration_s, asr_lab_score_t *out);

#endif
