/* The plan of a run: printed by --dry-run (stdout) and logged at the start of a real run. */
#ifndef ASR_RUNTIME_PLAN_H
#define ASR_RUNTIME_PLAN_H

#include <stdio.h>

#include "lua/strategy.h"
#include "runtime/config.h"
#include "sinks/sink.h"
#include "sources/source.h"

void asr_plan_print(FILE *out, const asr_config_t *cfg, const asr_strategy_t *st,
                    const asr_source_t *src, const asr_sink_t *sink, int dry_run);

#endif
