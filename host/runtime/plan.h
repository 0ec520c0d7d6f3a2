/* The plan of a run: printed by --dry-run (stdout) and logged at the start of a real run. */
#ifndef ASR_RUNTIME_PLAN_H
#define ASR_RUNTIME_PLAN_H

#include <stdio.h>

#include "lua/strategy.h"
#include "runtime/config.h"
#include "sinks/sink.h"
#include "sources/source.h"

/* The run's seed and where it came from, with how to pin it: "8731 (random; --seed 8731
 * repeats this run)". For the plan and the summary. */
void asr_plan_seed(const asr_config_t *cfg, char *out, size_t n);
void asr_plan_print(FILE *out, const asr_config_t *cfg, const asr_strategy_t *st,
                    const asr_source_t *src, const asr_sink_t *sink, int dry_run);
/* The plan as one log event "run.plan" (one JSON line with --log-format json). */
void asr_plan_log(const asr_config_t *cfg, const asr_strategy_t *st, const asr_source_t *src,
                  const asr_sink_t *sink);

#endif
