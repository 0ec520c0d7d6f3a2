/* The strategy's lifecycle hooks, called on the main thread in the strategy's own state:
 * on_start(ctx) before the first batch, on_tick(ctx) every tick_interval seconds with the
 * run's counters and controls (ctx.set_workers, ctx.set_batch_size, ctx.stop: the control
 * table the caller passes, pipeline/control.h; the run's keeps the auto-scaling limits while
 * auto-scaling is on and logs what it set), and
 * on_finish(summary) at the end. ctx.target is redacted (no password), as in every message. */
#ifndef ASR_LUA_HOOKS_H
#define ASR_LUA_HOOKS_H

#include <stdint.h>

#include "lua/strategy.h"
#include "pipeline/control.h"
#include "pipeline/pipeline.h"

struct cJSON;

typedef struct asr_run_info {
  const char *name, *source, *target, *profile;
  uint32_t workers, batch_size;
  int64_t total;
  uint64_t seed;
  int auto_scaling;
} asr_run_info_t;

int asr_hooks_on_start(asr_strategy_t *s, const asr_run_info_t *info, asr_err_t *err);
int asr_hooks_on_tick(asr_strategy_t *s, const asr_pipeline_stats_t *st, double elapsed_s,
                      double docs_per_second, const asr_control_t *ctl, asr_err_t *err);
/* The registry key (lua_rawgetp) of the last summary handed to on_finish. */
const void *asr_hooks_summary_key(void);
/* summary: the run's summary object (the keys of --summary-json), handed over as a table. */
int asr_hooks_on_finish(asr_strategy_t *s, const struct cJSON *summary, asr_err_t *err);

#endif
