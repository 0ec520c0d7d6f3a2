/* The Lua scaling policy behind the scaler's policy interface (scaler/policy.h): a Lua table
 * with decide(snapshot, history, state), called once per check interval on the main thread.
 * This file owns the Lua side: where the policy comes from (a built-in name, a .lua file, or
 * the strategy's own scaling.policy table), the history ring and the state table it keeps
 * between calls, the instruction budget, and turning the returned table into an
 * asr_decision_t. Anything wrong with a call comes back as an error; the controller decides
 * what to do about it (hold, warn, fall back). */
#ifndef ASR_LUA_POLICY_H
#define ASR_LUA_POLICY_H

#include "lua/strategy.h"
#include "metrics/metrics.h"
#include "scaler/policy.h"
#include "scaler/settings.h"
#include "core/error.h"

#define ASR_POLICY_BUDGET 5000000 /* VM instructions per decide() call */

typedef struct asr_policy_spec {
  asr_strategy_t *strategy;           /* borrowed, may be NULL: its state runs the policy */
  const char *name;                   /* built-in name or FILE.lua; NULL: the strategy's table */
  const asr_scaling_settings_t *settings; /* copied into state.config */
  int budget;                         /* instructions per call; 0: ASR_POLICY_BUDGET */
} asr_policy_spec_t;

/* Loads the policy and checks its params (the strategy's scaling.params) against the
 * policy's defaults. ASR_EINVAL for an unknown name, a file without decide(), or an unknown
 * parameter; nothing is called yet. *out answers the scaler's interface (scaler/policy.h):
 * decide appends the snapshot to the history (the last settings->history snapshots) and
 * calls decide(snapshot, history, state) under the budget; use_default loads "rules". */
int asr_lua_policy_open(const asr_policy_spec_t *spec, asr_policy_t **out, asr_err_t *err);

#define ASR_POLICY_NAME_MAX 32
#define ASR_POLICY_BUILTINS_MAX 16

/* The built-in policy names (asrun.policies.names, the default first: that list is the one
 * place they are written). Returns how many (at most max), or a negative error code. */
int asr_lua_policy_builtins(char (*names)[ASR_POLICY_NAME_MAX], int max, asr_err_t *err);

#endif
