/* The controller: a policy proposes, the safety gate disposes, the run never stops for the
 * scaler. Policies here are small Lua files written to the test's temp directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "lua/policy.h"
#include "lua/profile.h"
#include "scaler/controller.h"
#include "scaler/settings.h"

typedef struct fake_run {
  uint32_t workers, batch_size;
  int set_workers_calls, set_batch_calls;
} fake_run_t;

static int fake_set_workers(void *ud, uint32_t n) {
  fake_run_t *f = ud;
  f->workers = n;
  f->set_workers_calls++;
  return 0;
}

static int fake_set_batch(void *ud, uint32_t n) {
  fake_run_t *f = ud;
  f->batch_size = n;
  f->set_batch_calls++;
  return 0;
}

static uint32_t fake_queue(void *ud) { return ((fake_run_t *)ud)->workers * 2; }

static const char *policy_file(const char *name, const char *body) {
  static char path[512];
  mkdir(ASR_TEST_TMP, 0755);
  snprintf(path, sizeof path, "%s/%s.lua", ASR_TEST_TMP, name);
  FILE *f = fopen(path, "w");
  fprintf(f, "return { decide = function(s, history, state)\n%s\nend }\n", body);
  fclose(f);
  return path;
}

static asr_scaling_settings_t settings(void) {
  asr_scaling_settings_t s;
  asr_err_t err;
  asr_err_clear(&err);
  /* balanced: workers 1..30, batch 100..75000, stability 2 */
  assert_int_equal(asr_profile_settings("balanced", &s, &err), 0);
  s.cooldown = 0;
  return s;
}

/* A quiet interval at the fake run's settings. */
static asr_metrics_snapshot_t snap_at(const fake_run_t *f, double t) {
  return (asr_metrics_snapshot_t){.t = t, .interval = 1, .workers = f->workers,
                                  .batch_size = f->batch_size, .docs_per_second = 5000,
                                  .cpu_percent = 20, .system_cpu_percent = 25, .cpu_count = 2,
                                  .memory_percent = 10, .queue_depth = 4, .queue_capacity = 16,
                                  .in_flight = f->workers};
}

typedef struct fixture {
  asr_scaling_settings_t s;
  fake_run_t run;
  asr_controller_t *c;
} fixture_t;

static void open_with_cooldown(fixture_t *fx, const char *policy, double cooldown) {
  fx->s = settings();
  fx->s.cooldown = cooldown;
  fx->run = (fake_run_t){8, 4000, 0, 0};
  asr_policy_spec_t ps = {.name = policy, .settings = &fx->s, .budget = 200000};
  asr_control_t act = {&fx->run, fake_set_workers, fake_set_batch, fake_queue, NULL};
  asr_err_t err;
  asr_err_clear(&err);
  asr_policy_t *p = NULL;
  assert_int_equal(asr_lua_policy_open(&ps, &p, &err), 0);
  assert_int_equal(asr_controller_open(&fx->s, p, &act, &fx->c, &err), 0);
}

static void open_with(fixture_t *fx, const char *policy) { open_with_cooldown(fx, policy, 0); }

static void check(fixture_t *fx, double t) {
  asr_metrics_snapshot_t s = snap_at(&fx->run, t);
  asr_controller_check(fx->c, &s);
}

static asr_scaling_report_t report(const fixture_t *fx) {
  asr_scaling_report_t r;
  asr_controller_report(fx->c, &r);
  return r;
}

/* A proposal is applied once the gate's stability check passes. */
static void test_applies_after_stability(void **state) {
  fixture_t fx;
  open_with(&fx, policy_file("up", "return { action = 'scale_up', workers = 1, batch_size = 1000,"
                                   " confidence = 0.6, reason = 'room' }"));
  check(&fx, 1);
  assert_int_equal(fx.run.set_workers_calls, 0); /* stability: 1/2 */
  check(&fx, 2);
  assert_int_equal(fx.run.workers, 9);
  assert_int_equal(fx.run.batch_size, 5000);
  asr_scaling_report_t r = report(&fx);
  assert_int_equal(r.decisions, 2);
  assert_int_equal(r.applied, 1);
  assert_int_equal(r.nrecords, 2);
  assert_string_equal(r.records[0].note, "stability: 1/2 scale_up");
  assert_int_equal(r.records[1].applied, 1);
  assert_int_equal(r.records[1].workers_from, 8);
  assert_int_equal(r.records[1].workers_to, 9);
  assert_string_equal(r.records[1].reason, "room");
  asr_controller_close(fx.c);
}

/* add_workers / add_batch_size: the deltas under names that do not read like the snapshot's
 * absolute values; the same change as workers / batch_size. */
static void test_add_keys_are_deltas(void **state) {
  fixture_t fx;
  open_with(&fx, policy_file("add", "return { action = 'scale_up', add_workers = 1, "
                                    "add_batch_size = 1000 }"));
  check(&fx, 1);
  check(&fx, 2);
  assert_int_equal(fx.run.workers, 9);
  assert_int_equal(fx.run.batch_size, 5000);
  asr_controller_close(fx.c);
}

/* Garbage answers and errors: warning, hold, and after three in a row the rules policy. */
static void expect_fallback(const char *name, const char *body, const char *why) {
  fixture_t fx;
  open_with(&fx, policy_file(name, body));
  for (int i = 1; i <= 3; i++) check(&fx, i);
  asr_scaling_report_t r = report(&fx);
  assert_int_equal(r.policy_failures, 3);
  assert_int_equal(r.fallbacks, 1);
  assert_string_equal(r.policy, "rules");
  assert_int_equal(fx.run.set_workers_calls, 0); /* the failures held */
  assert_int_equal(r.records[0].policy_failed, 1);
  assert_non_null(strstr(r.records[0].note, why));
  check(&fx, 4); /* rules decides from here on */
  r = report(&fx);
  assert_int_equal(r.records[3].policy_failed, 0);
  assert_true(r.records[3].reason[0] != '\0');
  asr_controller_close(fx.c);
}

static void test_policy_that_raises(void **state) {
  expect_fallback("raises", "error('boom')", "boom");
}

static void test_policy_that_loops_forever(void **state) {
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  expect_fallback("loops", "while true do end", "instruction budget exceeded");
  clock_gettime(CLOCK_MONOTONIC, &t1);
  /* 200,000 instructions a call: stopped long before anything like a check interval */
  assert_true(t1.tv_sec - t0.tv_sec < 10);
}

/* Catching the budget error does not help: it comes back at the next instruction. */
static void test_policy_that_catches_the_budget_error(void **state) {
  expect_fallback("catches", "while true do pcall(function() while true do end end) end",
                  "instruction budget exceeded");
}

static void test_policy_that_returns_a_string(void **state) {
  expect_fallback("string", "return 'scale_up'", "decide returned string, not a decision table");
}

static void test_policy_with_a_bad_action(void **state) {
  expect_fallback("action", "return { action = 'grow' }",
                  "'action' must be \"scale_up\", \"scale_down\" or \"hold\", got \"grow\"");
}

static void test_policy_with_both_delta_names(void **state) {
  expect_fallback("both", "return { action = 'scale_up', workers = 1, add_workers = 1 }",
                  "'add_workers' and 'workers' are both given: they are the same delta "
                  "(use 'add_workers')");
}

static void test_policy_with_nan(void **state) {
  expect_fallback("nan", "return { action = 'scale_up', workers = 0/0 }",
                  "'workers' must be a finite number");
}

/* The largest change the gate lets one decision make (gate.c cap_up / cap_down): twice the
 * policy's step (the controller's max_*_step), or x max_step_factor (/ max_step_factor) from
 * the current value when that is more. */
static int64_t cap_up(const fixture_t *fx, uint32_t from, uint32_t step) {
  int64_t by = (int64_t)((double)from * (fx->s.max_step_factor - 1));
  return by > 2 * (int64_t)step ? by : 2 * (int64_t)step;
}

static int64_t cap_down(const fixture_t *fx, uint32_t from, uint32_t step) {
  int64_t by = (int64_t)((double)from - (double)from / fx->s.max_step_factor);
  return by > 2 * (int64_t)step ? by : 2 * (int64_t)step;
}

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* workers = 10^9: the gate clamps to the step cap and max_workers, never wraps. Every applied
 * change is the whole cap (the policy asks for far more), until the maximum. */
static void test_absurd_targets_are_clamped(void **state) {
  fixture_t fx;
  open_with(&fx, policy_file("huge", "return { action = 'scale_up', target_workers = 1e9, "
                                     "workers = 1e9, batch_size = 1e9 }"));
  assert_true(fx.s.max_step_factor == 2); /* balanced: x2 per change */
  for (int i = 1; i <= 100; i++) check(&fx, i); /* 2 checks a change (stability) */
  assert_int_equal(fx.run.workers, fx.s.max_workers);       /* 30 */
  assert_int_equal(fx.run.batch_size, fx.s.max_batch_size); /* 75,000 */
  asr_scaling_report_t r = report(&fx);
  int changes = 0;
  for (size_t i = 0; i < r.nrecords; i++) {
    const asr_scaling_record_t *rec = &r.records[i];
    if (!rec->applied) continue;
    changes++;
    int64_t w = min64(cap_up(&fx, rec->workers_from, fx.s.worker_step),
                      (int64_t)fx.s.max_workers - rec->workers_from);
    int64_t b = min64(cap_up(&fx, rec->batch_from, fx.s.batch_step),
                      (int64_t)fx.s.max_batch_size - rec->batch_from);
    assert_int_equal((int64_t)rec->workers_to - rec->workers_from, w);
    assert_int_equal((int64_t)rec->batch_to - rec->batch_from, b);
  }
  /* workers 8 -> 16 -> 30; batch 4,000 -> 8,000 -> 16,000 -> 32,000 -> 64,000 -> 75,000 */
  assert_int_equal(changes, 5);
  assert_int_equal(fx.run.set_batch_calls, 5);
  assert_int_equal(fx.run.set_workers_calls, 2);
  asr_controller_close(fx.c);
}

static void test_absurd_negative_targets_are_clamped(void **state) {
  fixture_t fx;
  open_with(&fx, policy_file("tiny", "return { action = 'scale_down', target_workers = -1e300, "
                                     "target_batch_size = -1e300 }"));
  for (int i = 1; i <= 20; i++) check(&fx, i);
  assert_int_equal(fx.run.workers, fx.s.min_workers);
  assert_int_equal(fx.run.batch_size, fx.s.min_batch_size);
  asr_scaling_report_t r = report(&fx);
  assert_true(r.records[0].workers_delta == INT64_MIN);
  int changes = 0;
  for (size_t i = 0; i < r.nrecords; i++) { /* each change the whole cap down, to the minimum */
    const asr_scaling_record_t *rec = &r.records[i];
    if (!rec->applied) continue;
    changes++;
    int64_t w = min64(cap_down(&fx, rec->workers_from, fx.s.worker_step),
                      (int64_t)rec->workers_from - fx.s.min_workers);
    int64_t b = min64(cap_down(&fx, rec->batch_from, fx.s.batch_step),
                      (int64_t)rec->batch_from - fx.s.min_batch_size);
    assert_int_equal((int64_t)rec->workers_from - rec->workers_to, w);
    assert_int_equal((int64_t)rec->batch_from - rec->batch_to, b);
  }
  /* workers 8 -> 4 -> 2 -> 1; batch 4,000 -> 2,000 -> 100 */
  assert_int_equal(changes, 3);
  asr_controller_close(fx.c);
}

/* Memory over its threshold: the gate scales down at once, whatever the policy says. */
static void test_memory_emergency_overrides_the_policy(void **state) {
  fixture_t fx;
  open_with(&fx, policy_file("greedy", "return { action = 'scale_up', workers = 1 }"));
  asr_metrics_snapshot_t s = snap_at(&fx.run, 1);
  s.memory_percent = 93; /* above memory_scale_up_threshold 85 */
  asr_controller_check(fx.c, &s);
  assert_true(fx.run.workers < 8);
  assert_true(fx.run.batch_size < 4000);
  asr_scaling_report_t r = report(&fx);
  assert_int_equal(r.records[0].emergency, 1);
  asr_controller_close(fx.c);
}

/* The cooldown spaces applied changes. */
static void test_cooldown(void **state) {
  fixture_t fx;
  open_with_cooldown(&fx, policy_file("up2", "return { action = 'scale_up', workers = 1 }"), 10);
  for (int t = 1; t <= 12; t++) check(&fx, t);
  /* applied at t=2 (stability), then not before t=12 */
  assert_int_equal(fx.run.set_workers_calls, 2);
  assert_int_equal(fx.run.workers, 10);
  asr_scaling_report_t r = report(&fx);
  assert_string_equal(r.records[5].note, "cooldown: 6 s left");
  asr_controller_close(fx.c);
}

/* What a policy sees: every snapshot field, the history ring, state kept between calls. */
static void test_what_the_policy_sees(void **state) {
  fixture_t fx;
  open_with(&fx, policy_file("probe",
      "local n = 0 for _ in pairs(s) do n = n + 1 end\n"
      "state.calls = (state.calls or 0) + 1\n"
      "return { action = 'hold', reason = string.format('%d %d %d %s %d %d %g', n, #history,\n"
      "  state.config.max_workers, state.config.profile, state.calls, s.workers,\n"
      "  history[1].t) }"));
  for (int i = 1; i <= 25; i++) check(&fx, i);
  asr_scaling_report_t r = report(&fx);
  /* 35 snapshot fields; history capped at 20 (the oldest now t=6) */
  assert_string_equal(r.records[0].reason, "35 1 30 balanced 1 8 1");
  assert_string_equal(r.records[24].reason, "35 20 30 balanced 25 8 6");
  asr_controller_close(fx.c);
}

static void test_unknown_policy_is_a_configuration_error(void **state) {
  asr_scaling_settings_t s = settings();
  asr_policy_spec_t ps = {.name = "nosuch", .settings = &s};
  asr_policy_t *p = NULL;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_lua_policy_open(&ps, &p, &err), ASR_EINVAL);
  assert_null(p);
  assert_non_null(strstr(err.msg, "unknown scaling policy 'nosuch' (known: hill, rules, aimd, gradient, usl, bulk_executor)"));
  assert_null(strstr(err.msg, "stack traceback"));
}

/* A policy written in C through the scaler's interface: the controller and the gate need no
 * Lua (the policy lab drives them the same way). */
typedef struct step_policy {
  asr_policy_t base;
  int calls, closed;
} step_policy_t;

static int step_decide(asr_policy_t *p, const asr_metrics_snapshot_t *snap, asr_decision_t *out,
                       asr_err_t *err) {
  ((step_policy_t *)p)->calls++;
  *out = (asr_decision_t){.action = ASR_SCALE_UP, .workers_delta = 2, .confidence = 1};
  snprintf(out->reason, sizeof out->reason, "step at %.0f", snap->t);
  return 0;
}
static int step_use_default(asr_policy_t *p, asr_err_t *err) { return 0; }
static const char *step_name(const asr_policy_t *p) { return "step"; }
static void step_close(asr_policy_t *p) { ((step_policy_t *)p)->closed = 1; }

static void test_a_policy_in_c(void **state) {
  static const asr_policy_vt_t vt = {step_decide, step_use_default, step_name, step_close};
  step_policy_t policy = {.base = {&vt}};
  asr_scaling_settings_t s = settings();
  s.stability_intervals = 1;
  fake_run_t run = {8, 4000, 0, 0};
  asr_control_t act = {&run, fake_set_workers, fake_set_batch, fake_queue, NULL};
  asr_controller_t *c = NULL;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_controller_open(&s, &policy.base, &act, &c, &err), 0);
  asr_metrics_snapshot_t snap = snap_at(&run, 1);
  asr_controller_check(c, &snap);
  assert_int_equal(policy.calls, 1);
  assert_int_equal(run.workers, 10);
  asr_scaling_report_t r;
  asr_controller_report(c, &r);
  assert_string_equal(r.policy, "step");
  assert_string_equal(r.records[0].reason, "step at 1");
  asr_controller_close(c);
  assert_true(policy.closed);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_applies_after_stability),
      cmocka_unit_test(test_add_keys_are_deltas),
      cmocka_unit_test(test_policy_with_both_delta_names),
      cmocka_unit_test(test_policy_that_raises),
      cmocka_unit_test(test_policy_that_loops_forever),
      cmocka_unit_test(test_policy_that_catches_the_budget_error),
      cmocka_unit_test(test_policy_that_returns_a_string),
      cmocka_unit_test(test_policy_with_a_bad_action),
      cmocka_unit_test(test_policy_with_nan),
      cmocka_unit_test(test_absurd_targets_are_clamped),
      cmocka_unit_test(test_absurd_negative_targets_are_clamped),
      cmocka_unit_test(test_memory_emergency_overrides_the_policy),
      cmocka_unit_test(test_cooldown),
      cmocka_unit_test(test_unknown_policy_is_a_configuration_error),
      cmocka_unit_test(test_what_the_policy_sees),
      cmocka_unit_test(test_a_policy_in_c),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
