/* Scenario defaults and the phase in force (see scenario.h). The defaults are documented in
 * docs/policy-lab.md; this is the one place their numbers are written. */
#include "simdb/scenario.h"

#include <string.h>

void asr_scenario_defaults(asr_scenario_t *sc) {
  memset(sc, 0, sizeof *sc);
  sc->duration_s = 600;
  sc->seed = 1;
  sc->nphases = 1;
  sc->phases[0] = (asr_simdb_phase_t){
      .at_s = 0,
      .doc_bytes = 1000,
      .db = {.latency_ms = 5, .per_doc_us = 20, .retry_after_ms = 10},
      .client = {.cores = 2, .memory_mb = 24576, .base_memory_mb = 50,
                 .memory_per_doc_factor = 3},
  };
}

const asr_simdb_phase_t *asr_scenario_at(const asr_scenario_t *sc, double t) {
  uint32_t i = 0;
  while (i + 1 < sc->nphases && sc->phases[i + 1].at_s <= t) i++;
  return &sc->phases[i];
}
