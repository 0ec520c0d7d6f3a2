/* The auto-scaler's safety gate: the Lua policy proposes a decision, the gate decides what
 * is applied. Every rule of the brief's "Safety Features" lives here in C, so no policy can
 * bypass it: bounds, a step cap per change, cooldown, stability (N consecutive decisions in
 * one direction), memory and error-rate emergencies, and refusing to scale up while the
 * error rate rises. The gate owns only its small history (previous error rate, streaks,
 * time of the last applied change); it reads no clock and logs nothing: the caller passes
 * the time in, applies the result, calls asr_gate_applied, and logs out->note.
 *
 * Decision reading (documented choices):
 * - The numbers rule, the action is a label: targets win over deltas; the direction is
 *   "up" if anything would grow, "down" if something would shrink and nothing grow, else
 *   hold. A mixed move (one grows, one shrinks) counts as up, the riskier side. A label
 *   that disagrees with its numbers is noted ("action scale_up but the numbers scale down").
 * - Arithmetic is int64 with saturation: deltas and targets of any size (10^9, INT64_MIN)
 *   are clamped to the bounds, never wrapped.
 * - Order: bounds, then the step cap from the current value, then bounds again (so current
 *   values outside the bounds, e.g. after a config change, are brought inside at once).
 * - Emergencies (memory above memory_scale_up_threshold; an error-rate spike) ignore
 *   cooldown, stability and the step cap, and ignore the policy's numbers: workers and batch
 *   size are each cut by max(step, half the current value), never below the minimums. They
 *   fire on every check while the condition holds, so a lasting emergency walks down to the
 *   minimums.
 * - Error rate above target and rising (not a spike): a scale up is refused (held); after
 *   stability_intervals such checks in a row the gate scales down one step (workers and
 *   batch size) whatever the policy says, respecting cooldown.
 * - Current values outside the bounds are clamped in every outcome (even a hold). */
#ifndef ASR_SCALER_GATE_H
#define ASR_SCALER_GATE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef enum { ASR_SCALE_HOLD = 0, ASR_SCALE_UP, ASR_SCALE_DOWN } asr_scale_action_t;

/* A parsed policy decision. All zero is a valid hold. */
typedef struct asr_decision {
  asr_scale_action_t action;
  int64_t workers_delta, batch_delta;          /* relative */
  int has_target_workers, has_target_batch;    /* absolute, wins over the delta when set */
  int64_t target_workers, target_batch;
  double confidence;                           /* 0..1, informative only */
  char reason[256];
} asr_decision_t;

/* Field names follow the config keys of state.config; messages use the config key names
 * (cooldown_s is "cooldown", memory_emergency_percent is "memory_scale_up_threshold"). */
typedef struct asr_gate_config {
  uint32_t min_workers, max_workers;           /* 1 <= min <= max */
  uint32_t min_batch_size, max_batch_size;     /* 1 <= min <= max */
  double cooldown_s;                           /* >= 0, between applied changes */
  uint32_t stability_intervals;                /* >= 1 */
  uint32_t max_worker_step, max_batch_step;    /* >= 1, cap per applied change */
  double max_step_factor;  /* >= 1 (0 reads as 1): a change may also multiply or divide by
                            * this much, when that is more than the step */
  double memory_emergency_percent;             /* (0, 100]: above it, scale down at once */
  double target_error_rate;                    /* (0, 1], e.g. 0.01 */
} asr_gate_config_t;

/* What the gate knows this interval. now_s must be monotonic (e.g. uv_now / 1000). */
typedef struct asr_gate_input {
  double now_s;
  uint32_t workers, batch_size;                /* settings in force */
  double memory_percent;                       /* 0..100; NaN or negative read as 0 */
  double error_rate;                           /* 0..1;   NaN or negative read as 0 */
} asr_gate_input_t;

typedef struct asr_gate_result {
  int apply;                 /* 1: set workers/batch_size to the values below */
  uint32_t workers, batch_size;  /* always within bounds; the input's when nothing changes */
  int emergency;             /* an emergency decided this check (apply may be 0 at the minimums) */
  int overridden;            /* the gate's direction differs from the policy's */
  char note[256];            /* why held / what was clamped, "" when applied as proposed */
} asr_gate_result_t;

typedef struct asr_gate {
  asr_gate_config_t cfg;
  double last_applied_s;
  int has_applied;
  double prev_error_rate;
  int has_prev_error;
  asr_scale_action_t streak_dir; /* direction of the current run of policy decisions */
  uint32_t streak;               /* its length; 0 after a hold */
  uint32_t error_streak;         /* consecutive checks with the error rate above target and rising */
} asr_gate_t;

/* Validates cfg (the message names the config key) and resets the history.
 * Returns 0 or ASR_EINVAL. */
int asr_gate_init(asr_gate_t *g, const asr_gate_config_t *cfg, asr_err_t *err);

/* One check per interval. d may be NULL (the policy failed or returned garbage): the gate
 * then holds, but still enforces bounds and emergencies. An invalid d is held the same way
 * (noted). Never fails; fills *out. */
void asr_gate_check(asr_gate_t *g, const asr_decision_t *d, const asr_gate_input_t *in,
                    asr_gate_result_t *out);

/* The caller applied out's values at now_s: starts the cooldown and resets the streaks
 * (the next change needs a fresh run of stable decisions). */
void asr_gate_applied(asr_gate_t *g, double now_s);

/* 0 if d is usable, else ASR_EINVAL with the reason in why (n bytes). */
int asr_decision_validate(const asr_decision_t *d, char *why, size_t n);

/* "hold", "scale_up", "scale_down" ("unknown" for any other value): for logs and the Lua
 * boundary. */
const char *asr_scale_action_name(asr_scale_action_t a);
/* Parses those names; returns 0 or ASR_EINVAL. */
int asr_scale_action_parse(const char *s, asr_scale_action_t *out);

#endif
