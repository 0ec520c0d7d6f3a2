#include "runtime/controls.h"

#include "lua/policy.h"
#include "util/log.h"

/* on_tick's ask within the scaling limits while auto-scaling is on (the scaler's own changes
 * pass its gate, which keeps them); with it off only the hard limits apply (hooks.c refuses
 * anything outside 1..ASR_MAX_*, with or without scaling). One warning per new ask. */
static uint32_t tick_within(const asr_run_controls_t *c, asr_scaling_axis_t axis, uint32_t asked,
                            asr_tick_ask_t *last) {
  if (!c->limits) return asked;
  const char *key = NULL;
  uint32_t v = asr_scaling_within(c->limits, axis, asked, &key);
  if (key && !(last->warned && last->asked == asked && last->applied == v)) {
    int workers = axis == ASR_SCALING_WORKERS;
    asr_log_warn("hook.on_tick", "on_tick: ctx.%s(%u) is %s %s %u while auto-scaling is on: "
                 "%s set to %u", workers ? "set_workers" : "set_batch_size", asked,
                 asked > v ? "above" : "below", key, v, workers ? "workers" : "batch size", v);
    *last = (asr_tick_ask_t){1, asked, v};
  }
  return v;
}

/* One setting: the scaler's value as it is; on_tick's within the limits, and logged. */
static int set_axis(asr_run_controls_t *c, asr_scaling_axis_t axis, uint32_t n) {
  int workers = axis == ASR_SCALING_WORKERS;
  int (*set)(asr_pipeline_t *, uint32_t) =
      workers ? asr_pipeline_set_workers : asr_pipeline_set_batch_size;
  if (c->caller == ASR_CONTROL_BY_SCALER) return set(c->pipeline, n);
  uint32_t v = tick_within(c, axis, n, workers ? &c->tick_workers : &c->tick_batch);
  int rc = set(c->pipeline, v);
  if (rc == 0 && workers) asr_log_info("pipeline.workers", "Workers set to %u", v);
  if (rc == 0 && !workers) asr_log_info("pipeline.batch_size", "Batch size set to %u", v);
  return rc;
}

static int ctl_set_workers(void *ud, uint32_t n) { return set_axis(ud, ASR_SCALING_WORKERS, n); }

static int ctl_set_batch_size(void *ud, uint32_t n) {
  return set_axis(ud, ASR_SCALING_BATCH_SIZE, n);
}

static uint32_t ctl_queue_capacity(void *ud) {
  asr_pipeline_stats_t st;
  asr_pipeline_stats(((asr_run_controls_t *)ud)->pipeline, &st);
  return st.queue_capacity;
}

static void ctl_stop(void *ud) { asr_pipeline_stop(((asr_run_controls_t *)ud)->pipeline); }

/* With auto-scaling on: the controller (policy + gate), and the starting point inside the
 * limits. Before the pipeline exists, so nothing runs outside the limits. */
static int open_scaler(asr_run_controls_t *c, asr_config_t *cfg, asr_strategy_t *strategy,
                       asr_controller_t **scaler, asr_err_t *err) {
  if (!cfg->auto_scaling) return 0;
  const asr_scaling_settings_t *s = &cfg->scaling;
  const char *limit;
  uint32_t w = asr_scaling_within(s, ASR_SCALING_WORKERS, cfg->workers, &limit);
  uint32_t b = asr_scaling_within(s, ASR_SCALING_BATCH_SIZE, cfg->batch_size, &limit);
  uint32_t w0 = cfg->workers, b0 = cfg->batch_size;
  cfg->workers = w;
  cfg->batch_size = b;
  asr_policy_spec_t ps = {
      .strategy = strategy,
      .name = cfg->policy,
      .settings = s,
  };
  asr_policy_t *policy = NULL;
  int rc = asr_lua_policy_open(&ps, &policy, err);
  if (rc == 0 && cfg->dry_run) /* the policy loads; nothing will run */
    asr_policy_close(policy);
  else if (rc == 0)
    rc = asr_controller_open(s, policy, &c->table, scaler, err);
  if (rc == ASR_EINVAL) asr_err_prefix(err, "%s", cfg->policy_origin);
  if (*scaler) c->limits = s; /* on_tick's asks are kept within them */
  if (rc == 0 && !cfg->dry_run && (w != w0 || b != b0))
    asr_log_info("scaling.start", "Auto-scaling starts inside its limits: workers %u → %u "
                 "(%u..%u), batch size %u → %u (%u..%u)", w0, w, s->min_workers, s->max_workers,
                 b0, b, s->min_batch_size, s->max_batch_size);
  return rc;
}

int asr_run_controls_open(asr_run_controls_t *c, asr_config_t *cfg, asr_strategy_t *strategy,
                          asr_controller_t **scaler, asr_err_t *err) {
  c->table = (asr_control_t){c, ctl_set_workers, ctl_set_batch_size, ctl_queue_capacity, ctl_stop};
  c->caller = ASR_CONTROL_BY_ON_TICK;
  return open_scaler(c, cfg, strategy, scaler, err);
}

void asr_run_controls_check(asr_run_controls_t *c, asr_controller_t *scaler,
                            const asr_metrics_snapshot_t *snap) {
  c->caller = ASR_CONTROL_BY_SCALER; /* its gate kept the limits: applied as is */
  asr_controller_check(scaler, snap);
  c->caller = ASR_CONTROL_BY_ON_TICK;
}
