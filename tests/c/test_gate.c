/* The auto-scaler's safety gate: bounds, step cap, cooldown, stability, emergencies, the
 * error-rate override, decision reading and config validation, with exact values and notes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "scaler/gate.h"
#include "core/error.h"

/* workers 2..30 step 4, batch 100..5000 step 500, cooldown 30 s, memory 85%, errors 1% */
static asr_gate_config_t base(uint32_t stability, double cooldown_s) {
  asr_gate_config_t c = {.min_workers = 2,
                         .max_workers = 30,
                         .min_batch_size = 100,
                         .max_batch_size = 5000,
                         .cooldown_s = cooldown_s,
                         .stability_intervals = stability,
                         .max_worker_step = 4,
                         .max_batch_step = 500,
                         .memory_emergency_percent = 85,
                         .target_error_rate = 0.01};
  return c;
}

static asr_gate_t gate(uint32_t stability, double cooldown_s) {
  asr_gate_t g;
  asr_err_t err;
  asr_err_clear(&err);
  asr_gate_config_t c = base(stability, cooldown_s);
  assert_int_equal(asr_gate_init(&g, &c, &err), 0);
  return g;
}

/* Memory unmeasured (0) unless a test sets it: the memory rules have their own tests. */
static asr_gate_input_t at(double now_s, uint32_t workers, uint32_t batch_size) {
  asr_gate_input_t in = {.now_s = now_s, .workers = workers, .batch_size = batch_size,
                         .memory_percent = 0, .error_rate = 0};
  return in;
}

static asr_decision_t delta(asr_scale_action_t action, int64_t dw, int64_t db) {
  asr_decision_t d = {.action = action, .workers_delta = dw, .batch_delta = db,
                      .confidence = 0.8};
  return d;
}

static asr_decision_t target(asr_scale_action_t action, int64_t tw, int64_t tb) {
  asr_decision_t d = {.action = action, .has_target_workers = 1, .has_target_batch = 1,
                      .target_workers = tw, .target_batch = tb, .confidence = 0.8};
  return d;
}

/* One check; asserts the whole result. */
static void expect(asr_gate_t *g, const asr_decision_t *d, asr_gate_input_t in, int apply,
                   uint32_t workers, uint32_t batch_size, int emergency, int overridden,
                   const char *note) {
  asr_gate_result_t r;
  memset(&r, 0x5a, sizeof r);
  asr_gate_check(g, d, &in, &r);
  assert_string_equal(r.note, note);
  assert_int_equal(r.apply, apply);
  assert_int_equal(r.workers, workers);
  assert_int_equal(r.batch_size, batch_size);
  assert_int_equal(r.emergency, emergency);
  assert_int_equal(r.overridden, overridden);
}

static void test_clamp_to_max_and_min_by_delta(void **state) {
  asr_gate_t g = gate(1, 0);
  asr_decision_t up = delta(ASR_SCALE_UP, 10, 1000), down = delta(ASR_SCALE_DOWN, -10, -1000);
  expect(&g, &up, at(0, 28, 4800), 1, 30, 5000, 0, 0,
         "clamped to max_workers 30; clamped to max_batch_size 5000");
  expect(&g, &down, at(1, 3, 300), 1, 2, 100, 0, 0,
         "clamped to min_workers 2; clamped to min_batch_size 100");
}

static void test_huge_targets_and_deltas_saturate(void **state) {
  asr_gate_t g = gate(1, 0);
  asr_decision_t big = target(ASR_SCALE_UP, 1000000000, INT64_MAX);
  expect(&g, &big, at(0, 10, 1000), 1, 14, 1500, 0, 0,
         "step cap: workers +4 (asked +20); step cap: batch_size +500 (asked +4000)");
  asr_decision_t low = target(ASR_SCALE_DOWN, INT64_MIN, INT64_MIN);
  expect(&g, &low, at(1, 10, 1000), 1, 6, 500, 0, 0,
         "step cap: workers -4 (asked -8); step cap: batch_size -500 (asked -900)");
  expect(&g, &low, at(2, 3, 300), 1, 2, 100, 0, 0,
         "clamped to min_workers 2; clamped to min_batch_size 100");
  asr_decision_t neg = target(ASR_SCALE_DOWN, -5, 0);
  expect(&g, &neg, at(3, 4, 200), 1, 2, 100, 0, 0,
         "clamped to min_workers 2; clamped to min_batch_size 100");
  /* 29 + INT64_MAX would wrap to a negative count without saturation */
  asr_decision_t wild = delta(ASR_SCALE_UP, INT64_MAX, INT64_MIN);
  expect(&g, &wild, at(4, 29, 200), 1, 30, 100, 0, 0,
         "clamped to max_workers 30; clamped to min_batch_size 100");
}

static void test_step_cap(void **state) {
  asr_gate_t g = gate(1, 0);
  asr_decision_t down = delta(ASR_SCALE_DOWN, -10, -2000);
  expect(&g, &down, at(0, 20, 3000), 1, 16, 2500, 0, 0,
         "step cap: workers -4 (asked -10); step cap: batch_size -500 (asked -2000)");
  asr_decision_t exact = delta(ASR_SCALE_UP, 4, 500); /* exactly one step: no note */
  expect(&g, &exact, at(1, 20, 3000), 1, 24, 3500, 0, 0, "");
  asr_decision_t mixed = target(ASR_SCALE_UP, 25, 1000);
  expect(&g, &mixed, at(2, 20, 3000), 1, 24, 2500, 0, 0,
         "step cap: workers +4 (asked +5); step cap: batch_size -500 (asked -2000)");
}

static void expect_init_error(asr_gate_config_t c, const char *msg);

/* max_step_factor: a change may multiply or divide by the factor when that is more than the
 * step (x2 from 8 workers: +8, not +4), and never more. */
static void test_step_factor(void **state) {
  asr_err_t err;
  asr_err_clear(&err);
  asr_gate_config_t c = base(1, 0);
  c.max_step_factor = 2;
  asr_gate_t g;
  assert_int_equal(asr_gate_init(&g, &c, &err), 0);
  asr_decision_t up = target(ASR_SCALE_UP, 30, 5000), down = target(ASR_SCALE_DOWN, 2, 100);
  expect(&g, &up, at(0, 8, 1000), 1, 16, 2000, 0, 0,
         "step cap: workers +8 (asked +22); step cap: batch_size +1000 (asked +4000)");
  expect(&g, &down, at(1, 24, 4000), 1, 12, 2000, 0, 0,
         "step cap: workers -12 (asked -22); step cap: batch_size -2000 (asked -3900)");
  /* below the step, the step still applies: 3 workers x2 is +3, the step allows +4 */
  expect(&g, &up, at(2, 3, 400), 1, 7, 900, 0, 0,
         "step cap: workers +4 (asked +27); step cap: batch_size +500 (asked +4600)");
  c.max_step_factor = 11;
  expect_init_error(c, "max_step_factor must be from 1 to 10 (got 11)");
  (void)state;
}

/* Growth may not carry memory past memory_scale_up_threshold (85%), taking memory as
 * proportional to workers x batch size: the batch size gives way first, then the workers. */
static void test_memory_headroom(void **state) {
  asr_gate_t g = gate(1, 0);
  asr_decision_t up = target(ASR_SCALE_UP, 12, 2000);
  asr_gate_input_t in = at(0, 8, 1000);
  in.memory_percent = 40; /* room for 8000 x 85 / 40 = 17,000 documents */
  expect(&g, &up, in, 1, 12, 1416, 0, 0,
         "step cap: batch_size +500 (asked +1000); memory 40%: growth held to 12 x 1416 "
         "(at most 85% predicted, under memory_scale_up_threshold)");
  in = at(1, 8, 1000);
  in.memory_percent = 80; /* room for 8,500: the workers give way too */
  expect(&g, &up, in, 1, 8, 1062, 0, 0,
         "step cap: batch_size +500 (asked +1000); memory 80%: growth held to 8 x 1062 "
         "(at most 85% predicted, under memory_scale_up_threshold)");
  /* shrinking or trading at the same documents in flight is never held back */
  asr_decision_t trade = target(ASR_SCALE_UP, 16, 500);
  in = at(2, 8, 1000);
  in.memory_percent = 80;
  expect(&g, &trade, in, 1, 12, 500, 0, 0, "step cap: workers +4 (asked +8)");
  (void)state;
}

static void test_cooldown(void **state) {
  asr_gate_t g = gate(1, 30);
  asr_decision_t up = delta(ASR_SCALE_UP, 1, 0);
  expect(&g, &up, at(100, 10, 1000), 1, 11, 1000, 0, 0, "");
  asr_gate_applied(&g, 100);
  expect(&g, &up, at(118, 11, 1000), 0, 11, 1000, 0, 0, "cooldown: 12 s left");
  expect(&g, &up, at(129.5, 11, 1000), 0, 11, 1000, 0, 0, "cooldown: 1 s left");
  expect(&g, &up, at(130, 11, 1000), 1, 12, 1000, 0, 0, "");
  asr_gate_applied(&g, 130);
  /* an emergency ignores the cooldown */
  asr_gate_input_t hot = at(131, 12, 1000);
  hot.memory_percent = 90;
  expect(&g, &up, hot, 1, 6, 500, 1, 1, "memory 90.0% > 85.0%: emergency scale down");
  asr_gate_applied(&g, 131);
  /* a clock that steps back waits one cooldown at most */
  expect(&g, &up, at(50, 6, 500), 0, 6, 500, 0, 0, "cooldown: 30 s left");
}

static void test_stability(void **state) {
  asr_gate_t g = gate(3, 0);
  asr_decision_t up = delta(ASR_SCALE_UP, 1, 100), down = delta(ASR_SCALE_DOWN, -1, -100);
  asr_decision_t hold = delta(ASR_SCALE_HOLD, 0, 0);
  expect(&g, &up, at(0, 10, 1000), 0, 10, 1000, 0, 0, "stability: 1/3 scale_up");
  expect(&g, &up, at(1, 10, 1000), 0, 10, 1000, 0, 0, "stability: 2/3 scale_up");
  expect(&g, &up, at(2, 10, 1000), 1, 11, 1100, 0, 0, "");
  asr_gate_applied(&g, 2); /* a fresh run is needed after a change */
  expect(&g, &up, at(3, 11, 1100), 0, 11, 1100, 0, 0, "stability: 1/3 scale_up");
  expect(&g, &up, at(4, 11, 1100), 0, 11, 1100, 0, 0, "stability: 2/3 scale_up");
  expect(&g, &hold, at(5, 11, 1100), 0, 11, 1100, 0, 0, "hold");
  expect(&g, &up, at(6, 11, 1100), 0, 11, 1100, 0, 0, "stability: 1/3 scale_up");
  expect(&g, &up, at(7, 11, 1100), 0, 11, 1100, 0, 0, "stability: 2/3 scale_up");
  expect(&g, &down, at(8, 11, 1100), 0, 11, 1100, 0, 0, "stability: 1/3 scale_down");
  expect(&g, &down, at(9, 11, 1100), 0, 11, 1100, 0, 0, "stability: 2/3 scale_down");
  expect(&g, &down, at(10, 11, 1100), 1, 10, 1000, 0, 0, "");
}

static void test_memory_emergency(void **state) {
  asr_gate_t g = gate(3, 30);
  asr_gate_applied(&g, 0);
  asr_decision_t up = delta(ASR_SCALE_UP, 1, 100), down = delta(ASR_SCALE_DOWN, -1, 0);
  asr_gate_input_t in = at(5, 20, 3000);
  in.memory_percent = 90;
  /* policy says up, inside the cooldown, no stability run: halved at once */
  expect(&g, &up, in, 1, 10, 1500, 1, 1, "memory 90.0% > 85.0%: emergency scale down");
  expect(&g, NULL, in, 1, 10, 1500, 1, 1, "no decision: hold; memory 90.0% > 85.0%: emergency scale down");
  /* the policy's smaller cut is replaced by the emergency's: not an override */
  expect(&g, &down, in, 1, 10, 1500, 1, 0, "memory 90.0% > 85.0%: emergency scale down");
  /* small values: one step (4, 500) is more than half */
  in.workers = 5, in.batch_size = 600;
  expect(&g, &up, in, 1, 2, 100, 1, 1,
         "memory 90.0% > 85.0%: emergency scale down; clamped to min_workers 2");
  /* at the minimums nothing is left to cut */
  in.workers = 2, in.batch_size = 100, in.memory_percent = 95;
  expect(&g, &up, in, 0, 2, 100, 1, 1,
         "memory 95.0% > 85.0%: emergency scale down; already at min_workers 2; "
         "already at min_batch_size 100");
  /* exactly at the threshold, or an unreadable sample, is not an emergency */
  in.workers = 20, in.batch_size = 3000, in.memory_percent = 85;
  expect(&g, &down, in, 0, 20, 3000, 0, 0, "stability: 1/3 scale_down");
  in.memory_percent = NAN;
  expect(&g, &down, in, 0, 20, 3000, 0, 0, "stability: 2/3 scale_down");
}

static void test_error_spike(void **state) {
  asr_gate_t g = gate(3, 30);
  asr_gate_applied(&g, 0);
  asr_decision_t hold = delta(ASR_SCALE_HOLD, 0, 0), up = delta(ASR_SCALE_UP, 1, 0);
  asr_gate_input_t in = at(5, 20, 3000);
  in.error_rate = 0.005;
  expect(&g, &hold, in, 0, 20, 3000, 0, 0, "hold");
  in.error_rate = 0.03; /* above target, 6x the previous */
  expect(&g, &up, in, 1, 10, 1500, 1, 1, "error rate spike 0.5% → 3.0%: emergency scale down");
  asr_gate_applied(&g, 5);
  in = at(6, 10, 1500);
  in.error_rate = 0.04; /* above target and rising, not doubled: no emergency, up refused */
  expect(&g, &up, in, 0, 10, 1500, 0, 1, "error rate rising 3.0% → 4.0% (1/3): scale_up refused");
  in = at(5, 20, 3000);

  /* the first check has nothing to compare with: only the 10x rule applies */
  asr_gate_t first = gate(3, 30);
  in.error_rate = 0.05;
  expect(&first, &hold, in, 0, 20, 3000, 0, 0, "hold");
  asr_gate_t ten = gate(3, 30);
  in.error_rate = 0.15;
  expect(&ten, &hold, in, 1, 10, 1500, 1, 1,
         "error rate 15.0% above 10x target 1.0%: emergency scale down");
  /* from zero errors to above target counts as a spike */
  asr_gate_t zero = gate(3, 30);
  in.error_rate = 0;
  expect(&zero, &hold, in, 0, 20, 3000, 0, 0, "hold");
  in.error_rate = 0.02;
  expect(&zero, &hold, in, 1, 10, 1500, 1, 1, "error rate spike 0.0% → 2.0%: emergency scale down");
  /* exactly double is a spike; just under double is only rising */
  asr_gate_t twice = gate(3, 30);
  in.error_rate = 0.008;
  expect(&twice, &hold, in, 0, 20, 3000, 0, 0, "hold");
  in.error_rate = 0.016;
  expect(&twice, &hold, in, 1, 10, 1500, 1, 1, "error rate spike 0.8% → 1.6%: emergency scale down");
  asr_gate_t under = gate(3, 30);
  in.error_rate = 0.008;
  expect(&under, &hold, in, 0, 20, 3000, 0, 0, "hold");
  in.error_rate = 0.0159;
  expect(&under, &hold, in, 0, 20, 3000, 0, 0, "error rate rising 0.8% → 1.6% (1/3)");
}

static void test_error_rising_overrides_scale_up(void **state) {
  asr_gate_t g = gate(2, 0);
  asr_decision_t up = delta(ASR_SCALE_UP, 1, 100), hold = delta(ASR_SCALE_HOLD, 0, 0);
  asr_gate_input_t in = at(0, 20, 3000);
  in.error_rate = 0.011;
  expect(&g, &up, in, 0, 20, 3000, 0, 0, "stability: 1/2 scale_up");
  in.error_rate = 0.015;
  expect(&g, &up, in, 0, 20, 3000, 0, 1, "error rate rising 1.1% → 1.5% (1/2): scale_up refused");
  in.error_rate = 0.02; /* still rising, for stability_intervals checks: one step down */
  expect(&g, &up, in, 1, 16, 2500, 0, 1, "error rate rising 1.5% → 2.0% (2/2): scale down");
  asr_gate_applied(&g, 0);
  in.workers = 16, in.batch_size = 2500, in.error_rate = 0.025;
  expect(&g, &hold, in, 0, 16, 2500, 0, 0, "error rate rising 2.0% → 2.5% (1/2)");
  in.error_rate = 0.024; /* above target but falling: the policy's up goes through */
  expect(&g, &up, in, 0, 16, 2500, 0, 0, "stability: 1/2 scale_up");
  expect(&g, &up, in, 1, 17, 2600, 0, 0, "");

  /* the gate's step down respects the cooldown */
  asr_gate_t cool = gate(1, 30);
  asr_gate_applied(&cool, 0);
  in = at(5, 20, 3000);
  in.error_rate = 0.011;
  expect(&cool, &hold, in, 0, 20, 3000, 0, 0, "hold");
  in.error_rate = 0.012;
  expect(&cool, &hold, in, 0, 20, 3000, 0, 1,
         "error rate rising 1.1% → 1.2% (1/1): scale down; cooldown: 25 s left");
  /* rising but under the target is no concern */
  asr_gate_t low = gate(1, 0);
  in.error_rate = 0.002;
  expect(&low, &hold, in, 0, 20, 3000, 0, 0, "hold");
  in.error_rate = 0.008;
  expect(&low, &up, in, 1, 21, 3100, 0, 0, "");
}

/* A note states what the gate saw: rates and memory print with the decimals that tell them
 * apart, and a rate that is not 0 never prints as 0. */
static void test_notes_tell_values_apart(void **state) {
  asr_decision_t hold = delta(ASR_SCALE_HOLD, 0, 0);
  asr_gate_t g = gate(3, 30);
  asr_gate_input_t in = at(5, 20, 3000);
  in.error_rate = 0.0296;
  expect(&g, &hold, in, 0, 20, 3000, 0, 0, "hold");
  in.error_rate = 0.0304; /* 3.0% and 3.0% at one decimal */
  expect(&g, &hold, in, 0, 20, 3000, 0, 0, "error rate rising 2.96% → 3.04% (1/3)");
  in.error_rate = 0.0304; /* flat: not rising, no note */
  expect(&g, &hold, in, 0, 20, 3000, 0, 0, "hold");
  in.error_rate = 0.030401;
  expect(&g, &hold, in, 0, 20, 3000, 0, 0, "error rate rising 3.0400% → 3.0401% (1/3)");
  /* memory just over its line */
  asr_gate_t m = gate(3, 30);
  in = at(5, 20, 3000);
  in.memory_percent = 85.04;
  expect(&m, &hold, in, 1, 10, 1500, 1, 1, "memory 85.04% > 85.00%: emergency scale down");
  /* tiny rates under a tiny target */
  asr_gate_config_t c = base(3, 30);
  c.target_error_rate = 0.00001; /* 0.001% */
  asr_gate_t tiny;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_gate_init(&tiny, &c, &err), 0);
  in = at(5, 20, 3000);
  in.error_rate = 0.00002;
  expect(&tiny, &hold, in, 0, 20, 3000, 0, 0, "hold");
  in.error_rate = 0.00003;
  expect(&tiny, &hold, in, 0, 20, 3000, 0, 0, "error rate rising 0.002% → 0.003% (1/3)");
  asr_gate_t ten;
  assert_int_equal(asr_gate_init(&ten, &c, &err), 0);
  in.error_rate = 0.00015;
  expect(&ten, &hold, in, 1, 10, 1500, 1, 1,
         "error rate 0.015% above 10x target 0.001%: emergency scale down");
}

static void test_noop_at_bounds(void **state) {
  asr_gate_t g = gate(1, 0);
  asr_decision_t up = delta(ASR_SCALE_UP, 2, 100), down = delta(ASR_SCALE_DOWN, -2, -100);
  expect(&g, &up, at(0, 30, 5000), 0, 30, 5000, 0, 0,
         "already at max_workers 30; already at max_batch_size 5000");
  expect(&g, &up, at(1, 30, 1000), 1, 30, 1100, 0, 0, "already at max_workers 30");
  expect(&g, &down, at(2, 2, 100), 0, 2, 100, 0, 0,
         "already at min_workers 2; already at min_batch_size 100");
}

static void test_current_outside_bounds_is_clamped(void **state) {
  asr_gate_t g = gate(3, 30);
  asr_gate_applied(&g, 0);
  asr_decision_t hold = delta(ASR_SCALE_HOLD, 0, 0);
  expect(&g, &hold, at(1, 50, 9000), 1, 30, 5000, 0, 0,
         "hold; clamped to max_workers 30; clamped to max_batch_size 5000");
  expect(&g, NULL, at(2, 1, 50), 1, 2, 100, 0, 0,
         "no decision: hold; clamped to min_workers 2; clamped to min_batch_size 100");
}

static void test_numbers_rule_over_the_label(void **state) {
  asr_gate_t g = gate(1, 0);
  asr_decision_t d = delta(ASR_SCALE_UP, -2, 0);
  expect(&g, &d, at(0, 20, 3000), 1, 18, 3000, 0, 0,
         "action scale_up but the numbers scale_down");
  d = delta(ASR_SCALE_DOWN, 0, 0);
  expect(&g, &d, at(1, 20, 3000), 0, 20, 3000, 0, 0, "scale_down without a change");
  d = delta(ASR_SCALE_HOLD, 1, 0);
  expect(&g, &d, at(2, 20, 3000), 1, 21, 3000, 0, 0, "action hold but the numbers scale_up");
  /* a target wins over its delta */
  d = delta(ASR_SCALE_UP, 3, 0);
  d.has_target_workers = 1, d.target_workers = 20;
  expect(&g, &d, at(3, 20, 3000), 0, 20, 3000, 0, 0, "scale_up without a change");
}

static void test_invalid_decision_holds(void **state) {
  asr_gate_t g = gate(1, 0);
  asr_decision_t d = delta(ASR_SCALE_UP, 1, 0);
  d.confidence = NAN;
  expect(&g, &d, at(0, 20, 3000), 0, 20, 3000, 0, 0,
         "invalid decision (confidence nan outside 0..1): hold");
  d = delta(ASR_SCALE_UP, 1, 0);
  d.action = (asr_scale_action_t)7;
  expect(&g, &d, at(1, 20, 3000), 0, 20, 3000, 0, 0,
         "invalid decision (unknown action 7): hold");
  expect(&g, NULL, at(2, 20, 3000), 0, 20, 3000, 0, 0, "no decision: hold");
}

static void test_decision_validate(void **state) {
  char why[64];
  asr_decision_t d = delta(ASR_SCALE_DOWN, -1, 0);
  assert_int_equal(asr_decision_validate(&d, why, sizeof why), 0);
  assert_string_equal(why, "");
  d.confidence = 1.5;
  assert_int_equal(asr_decision_validate(&d, why, sizeof why), ASR_EINVAL);
  assert_string_equal(why, "confidence 1.5 outside 0..1");
  d.confidence = 0;
  memset(d.reason, 'x', sizeof d.reason);
  assert_int_equal(asr_decision_validate(&d, why, sizeof why), ASR_EINVAL);
  assert_string_equal(why, "reason is not terminated");
}

static void test_action_names(void **state) {
  asr_scale_action_t a = ASR_SCALE_HOLD;
  assert_int_equal(asr_scale_action_parse("scale_down", &a), 0);
  assert_int_equal(a, ASR_SCALE_DOWN);
  assert_int_equal(asr_scale_action_parse("scale_up", &a), 0);
  assert_int_equal(a, ASR_SCALE_UP);
  assert_int_equal(asr_scale_action_parse("hold", &a), 0);
  assert_int_equal(a, ASR_SCALE_HOLD);
  assert_int_equal(asr_scale_action_parse("up", &a), ASR_EINVAL);
  assert_int_equal(asr_scale_action_parse(NULL, &a), ASR_EINVAL);
  assert_string_equal(asr_scale_action_name(ASR_SCALE_UP), "scale_up");
  assert_string_equal(asr_scale_action_name((asr_scale_action_t)9), "unknown");
}

static void expect_init_error(asr_gate_config_t c, const char *msg) {
  asr_gate_t g;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_gate_init(&g, &c, &err), ASR_EINVAL);
  assert_int_equal(err.code, ASR_EINVAL);
  assert_string_equal(err.msg, msg);
}

static void test_init_validation(void **state) {
  asr_gate_config_t c = base(2, 30);
  c.min_workers = 10, c.max_workers = 4;
  expect_init_error(c, "min_workers 10 is greater than max_workers 4");
  c = base(2, 30), c.min_workers = 0;
  expect_init_error(c, "min_workers must be at least 1 (got 0)");
  c = base(2, 30), c.min_batch_size = 0;
  expect_init_error(c, "min_batch_size must be at least 1 (got 0)");
  c = base(2, 30), c.min_batch_size = 500, c.max_batch_size = 100;
  expect_init_error(c, "min_batch_size 500 is greater than max_batch_size 100");
  c = base(2, -1);
  expect_init_error(c, "cooldown must be a finite number >= 0 (got -1)");
  c = base(2, NAN);
  expect_init_error(c, "cooldown must be a finite number >= 0 (got nan)");
  c = base(0, 30);
  expect_init_error(c, "stability_intervals must be at least 1 (got 0)");
  c = base(2, 30), c.max_worker_step = 0;
  expect_init_error(c, "max_worker_step must be at least 1 (got 0)");
  c = base(2, 30), c.max_batch_step = 0;
  expect_init_error(c, "max_batch_step must be at least 1 (got 0)");
  c = base(2, 30), c.memory_emergency_percent = 150;
  expect_init_error(c, "memory_scale_up_threshold must be in (0, 100] (got 150)");
  c = base(2, 30), c.target_error_rate = 0;
  expect_init_error(c, "target_error_rate must be in (0, 1] (got 0)");

  asr_gate_t g;
  asr_err_t err;
  asr_err_clear(&err);
  c = base(1, 0), c.min_workers = c.max_workers = 8; /* a fixed worker count is allowed */
  assert_int_equal(asr_gate_init(&g, &c, &err), 0);
  assert_int_equal(err.code, 0);
  assert_int_equal(g.cfg.max_workers, 8);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_clamp_to_max_and_min_by_delta),
      cmocka_unit_test(test_huge_targets_and_deltas_saturate),
      cmocka_unit_test(test_step_cap),
      cmocka_unit_test(test_step_factor),
      cmocka_unit_test(test_memory_headroom),
      cmocka_unit_test(test_cooldown),
      cmocka_unit_test(test_stability),
      cmocka_unit_test(test_memory_emergency),
      cmocka_unit_test(test_error_spike),
      cmocka_unit_test(test_error_rising_overrides_scale_up),
      cmocka_unit_test(test_notes_tell_values_apart),
      cmocka_unit_test(test_noop_at_bounds),
      cmocka_unit_test(test_current_outside_bounds_is_clamped),
      cmocka_unit_test(test_numbers_rule_over_the_label),
      cmocka_unit_test(test_invalid_decision_holds),
      cmocka_unit_test(test_decision_validate),
      cmocka_unit_test(test_action_names),
      cmocka_unit_test(test_init_validation),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
