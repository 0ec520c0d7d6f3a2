/* The run's one control table (pipeline/control.h) and the auto-scaler that uses it. The
 * controller and the strategy's on_tick (ctx.set_workers, ctx.set_batch_size, ctx.stop)
 * change the pipeline through the same functions. What differs is who calls: the scaler's
 * values have passed its gate, which keeps the scaling limits, and are applied as they are
 * (the controller logs them); on_tick's are kept within the scaling limits while auto-scaling
 * is on, with one warning per new ask, and each value set is logged ("Workers set to 8"). */
#ifndef ASR_RUNTIME_CONTROLS_H
#define ASR_RUNTIME_CONTROLS_H

#include <stdint.h>

#include "core/error.h"
#include "lua/strategy.h"
#include "pipeline/control.h"
#include "pipeline/pipeline.h"
#include "runtime/config.h"
#include "scaler/controller.h"
#include "scaler/settings.h"

typedef enum { ASR_CONTROL_BY_SCALER, ASR_CONTROL_BY_ON_TICK } asr_control_caller_t;

/* The last value on_tick asked for on one setting that the scaling limits moved: the warning
 * is given once per ask, not on every tick of a hook that asks the same again. */
typedef struct asr_tick_ask {
  int warned;
  uint32_t asked, applied;
} asr_tick_ask_t;

typedef struct asr_run_controls {
  asr_control_t table;        /* the one table; its ud is this struct */
  asr_pipeline_t *pipeline;   /* set once it exists (nothing calls before) */
  const asr_scaling_settings_t *limits; /* auto-scaling on: on_tick's asks kept within them;
                                         * NULL: off (only the hard limits, hooks.c) */
  asr_control_caller_t caller; /* ASR_CONTROL_BY_SCALER during asr_run_controls_check */
  asr_tick_ask_t tick_workers, tick_batch;
} asr_run_controls_t;

/* Fills c->table and, with auto-scaling on, opens the controller on it (*scaler; NULL when
 * off or a dry run, where the policy is only loaded), first moving cfg's workers and batch
 * size inside the scaling limits. Every call through the table is taken for on_tick's
 * but those of the controller in asr_run_controls_check.
 * 0, or the policy's or the controller's error (ASR_EINVAL prefixed with where the policy
 * was named). */
int asr_run_controls_open(asr_run_controls_t *c, asr_config_t *cfg, asr_strategy_t *strategy,
                          asr_controller_t **scaler, asr_err_t *err);
/* The controller's check on snap (scaler/controller.h), its changes applied as the scaler's. */
void asr_run_controls_check(asr_run_controls_t *c, asr_controller_t *scaler,
                            const asr_metrics_snapshot_t *snap);

#endif
