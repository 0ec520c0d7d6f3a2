/* The best fixed configuration of a scenario: a grid of (workers, batch size) within the
 * profile's limits, then a finer grid around the best point; the best is the highest steady
 * docs/s (lab/score.h). The winner's run is kept, for time-aligned comparisons. */
#ifndef ASR_LAB_SWEEP_H
#define ASR_LAB_SWEEP_H

#include "lab/virtual_run.h"

typedef struct asr_lab_fixed {
  uint32_t workers, batch_size;
  double docs_per_second; /* steady */
  asr_vrun_result_t run;  /* owned: asr_vrun_result_free */
  unsigned runs;          /* configurations tried */
} asr_lab_fixed_t;

int asr_lab_sweep(const asr_scenario_t *sc, const asr_scaling_settings_t *s,
                  asr_lab_fixed_t *best, asr_err_t *err);
/* One fixed configuration, held for the whole scenario. */
int asr_lab_fixed_run(const asr_scenario_t *sc, const asr_scaling_settings_t *s,
                      uint32_t workers, uint32_t batch_size, asr_lab_fixed_t *out,
                      asr_err_t *err);

#endif
