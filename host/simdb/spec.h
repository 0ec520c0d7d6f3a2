/* `sim:key=value,...` specs: the keys of the legacy simulated database (latency_ms,
 * per_doc_us, sigma, kappa, throttle_above, retry_after_ms, error_rate) and the database keys
 * of a scenario (per_kb_us, ru_per_second, ru_per_doc, ru_per_kb, noise,
 * transient_error_rate, seed, doc_bytes), into phase 0 of a scenario on the defaults. */
#ifndef ASR_SIMDB_SPEC_H
#define ASR_SIMDB_SPEC_H

#include <stddef.h>

#include "core/error.h"
#include "simdb/scenario.h"

/* The keys, comma-separated, as the messages list them. */
#define ASR_SIMDB_SPEC_KEYS                                                                  \
  "latency_ms, per_doc_us, sigma, kappa, throttle_above, retry_after_ms, error_rate, "       \
  "per_kb_us, ru_per_second, ru_per_doc, ru_per_kb, noise, transient_error_rate, seed, "     \
  "doc_bytes"

/* spec: comma-separated key=value items (the text after "sim:"); empty items are skipped,
 * a later value replaces an earlier one. out starts from asr_scenario_defaults. ASR_EINVAL
 * with "sim: unknown option 'K' (keys)", "sim: option 'K' needs a value (K=NUMBER)" or
 * "sim: bad value 'V' for K (what it must be)". */
int asr_simdb_spec_parse(const char *spec, asr_scenario_t *out, asr_err_t *err);
/* 1 if name is one of the keys above. */
int asr_simdb_spec_is_key(const char *name);
/* "simulated database (latency 5 ms + 20 us/doc, sigma 0, kappa 0[, ...])": phase 0 of sc;
 * the parts beyond sigma and kappa only when they are on. A scenario with a name reads
 * "simulated database: scenario NAME (...[, N phases])". */
void asr_simdb_describe(const asr_scenario_t *sc, char *out, size_t size);

#endif
