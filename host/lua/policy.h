/* The scaling policy as the controller sees it: a Lua table with
 * decide(snapshot, history, state), called once per check interval on the main thread.
 * This file owns the Lua side: where the policy comes from (a built-in name, a .lua file, or
 * the strategy's own scaling.policy table), the history ring and the state table it keeps
 * between calls, the instruction budget, and turning the returned table into an
 * asr_decision_t. Anything wrong with a call comes back as an error; the controller decides
 * what to do about it (hold, warn, fall back). */
#ifndef ASR_LUA_POLICY_H
#define ASR_LUA_POLICY_H

#include "lua/strategy.h"
#include "metrics/metrics.h"
#include "scaler/gate.h"
#include "scaler/settings.h"
#include "core/error.h"

#define ASR_POLICY_BUDGET 5000000 /* VM instructions per decide() call */

typedef struct asr_policy asr_policy_t;

typedef struct asr_policy_spec {
  asr_strategy_t *strategy;           /* borrowed, may be NULL: its state runs the policy */
  const char *name;                   /* built-in name or FILE.lua; NULL: the strategy's table */
  const asr_scaling_settings_t *settings; /* copied into state.config */
  int budget;                         /* instructions per call; 0: ASR_POLICY_BUDGET */
} asr_policy_spec_t;

/* Loads the policy and checks its params (the strategy's scaling.params) against the
 * policy's defaults. ASR_EINVAL for an unknown name, a file without decide(), or an unknown
 * parameter; nothing is called yet. */
int asr_policy_open(const asr_policy_spec_t *spec, asr_policy_t **out, asr_err_t *err);
/* One call: appends snap to the history (the last settings->history snapshots) and runs
 * decide. Returns 0 with *out filled, or ASR_ESCRIPT (raised, over budget, or a reply that
 * is not a decision: the message says what was wrong), ASR_ENOMEM (memory cap). */
int asr_policy_decide(asr_policy_t *p, const asr_metrics_snapshot_t *snap, asr_decision_t *out,
                      asr_err_t *err);
/* Replaces the policy with the built-in default ("rules", its default params) and a fresh
 * state, keeping the history. */
int asr_policy_use_default(asr_policy_t *p, asr_err_t *err);
const char *asr_policy_name(const asr_policy_t *p);
void asr_policy_close(asr_policy_t *p);

#endif
