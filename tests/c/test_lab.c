/* The policy lab's engine and figures: a virtual run matches the model's arithmetic, is the
 * same every time, is killed past its memory, stays under an RU budget with the governor;
 * the sweep finds a USL optimum; the scores (steady, time to 90%, reversals) by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lab/score.h"
#include "lab/sweep.h"
#include "lab/virtual_run.h"
#include "lua/profile.h"

static asr_scaling_settings_t settings(void) {
  asr_scaling_settings_t s;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_profile_settings("balanced", &s, &err), 0);
  return s;
}

/* A database with no contention: 10 ms + 10 us a document. */
static asr_scenario_t plain(double duration_s) {
  asr_scenario_t sc;
  asr_scenario_defaults(&sc);
  snprintf(sc.name, sizeof sc.name, "plain");
  sc.duration_s = duration_s;
  sc.phases[0].db.latency_ms = 10;
  sc.phases[0].db.per_doc_us = 10;
  return sc;
}

static void fixed(const asr_scenario_t *sc, const asr_scaling_settings_t *s, uint32_t w,
                  uint32_t b, asr_vrun_result_t *out) {
  asr_err_t err;
  asr_err_clear(&err);
  asr_vrun_config_t cfg = {.scenario = sc, .settings = s, .workers = w, .batch_size = b};
  assert_int_equal(asr_vrun(&cfg, out, &err), 0);
}

/* 2 workers x 1000 documents, each write 20 ms: 100,000 docs/s, every interval. */
static void test_fixed_run_matches_the_model(void **state) {
  asr_scenario_t sc = plain(60);
  asr_scaling_settings_t s = settings();
  asr_vrun_result_t r;
  fixed(&sc, &s, 2, 1000, &r);
  assert_int_equal(r.nintervals, 6); /* a check every 10 s */
  for (size_t i = 0; i < r.nintervals; i++) {
    /* within one batch per worker: a reply due at a check time may land either side */
    assert_true(fabs(r.intervals[i].docs_per_second - 100000) <= 200 + 1e-9);
    assert_int_equal(r.intervals[i].workers, 2);
    assert_int_equal(r.intervals[i].batch_size, 1000);
  }
  assert_true(r.docs_written >= 5998000 && r.docs_written <= 6000000);
  assert_int_equal(r.docs_lost, 0);
  assert_int_equal(r.throttled_requests, 0);
  asr_vrun_result_free(&r);
  (void)state;
}

/* Same scenario, same seed: the same run to the document, noise and errors included. */
static void test_deterministic(void **state) {
  asr_scenario_t sc = plain(120);
  sc.phases[0].db.noise = 0.3;
  sc.phases[0].db.transient_error_rate = 0.01;
  sc.phases[0].db.error_rate = 0.001;
  asr_scaling_settings_t s = settings();
  asr_vrun_result_t a, b;
  fixed(&sc, &s, 4, 500, &a);
  fixed(&sc, &s, 4, 500, &b);
  assert_int_equal(a.docs_written, b.docs_written);
  assert_int_equal(a.docs_failed, b.docs_failed);
  assert_true(a.docs_failed > 0);
  assert_int_equal(a.nintervals, b.nintervals);
  assert_memory_equal(a.intervals, b.intervals, a.nintervals * sizeof *a.intervals);
  asr_vrun_result_free(&a);
  asr_vrun_result_free(&b);
  (void)state;
}

/* Past the client's memory the process dies: what it held is lost, nothing more is written. */
static void test_killed_past_memory(void **state) {
  asr_scenario_t sc = plain(60);
  sc.phases[0].doc_bytes = 1024 * 1024; /* 1 MiB documents x factor 3 */
  sc.phases[0].client.memory_mb = 1000;
  asr_scaling_settings_t s = settings();
  asr_vrun_result_t r;
  fixed(&sc, &s, 4, 100, &r); /* 400 documents held: 1,200 MiB */
  assert_true(r.oom_killed);
  assert_true(r.docs_lost > 0);
  assert_int_equal(r.docs_written, 0);
  asr_vrun_result_free(&r);
  (void)state;
}

/* 2,000 RU/s at 2 RU a document: over a few minutes the governor holds the run near its
 * budget, and most writes go through unthrottled. */
static void test_ru_budget_and_governor(void **state) {
  asr_scenario_t sc = plain(300);
  sc.phases[0].db.ru_per_second = 2000;
  sc.phases[0].db.ru_per_doc = 2;
  sc.phases[0].db.retry_after_ms = 50;
  asr_scaling_settings_t s = settings();
  asr_vrun_result_t r;
  fixed(&sc, &s, 4, 100, &r);
  double rate = (double)r.docs_written / 300;
  assert_true(rate <= 1000 * 1.02);  /* never past the budget */
  assert_true(rate >= 1000 * 0.8);   /* and most of it spent */
  assert_true(r.throttled_requests > 0);
  assert_true(r.throttled_requests * 10 < r.requests);
  assert_true(r.ru_governor_rate > 0); /* it learned and paced */
  assert_int_equal(r.docs_lost, 0);
  asr_vrun_result_free(&r);
  (void)state;
}

/* USL with sigma 0.01, kappa 0.0099: the best worker count is 10 exactly. */
static void test_sweep_finds_usl_optimum(void **state) {
  asr_scenario_t sc = plain(120);
  sc.phases[0].db.latency_ms = 2;
  sc.phases[0].db.per_doc_us = 50;
  sc.phases[0].db.sigma = 0.01;
  sc.phases[0].db.kappa = 0.0099;
  asr_scaling_settings_t s = settings();
  asr_lab_fixed_t best;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_lab_sweep(&sc, &s, &best, &err), 0);
  assert_int_equal(best.workers, 10);
  assert_true(best.runs > 50);
  asr_vrun_result_free(&best.run);
  (void)state;
}

/* Scores by hand: 8 intervals of 10 s; the best fixed run does 100 throughout. */
static void test_scores(void **state) {
  asr_vrun_interval_t best_iv[8], run_iv[8];
  const double rates[8] = {40, 60, 95, 100, 100, 100, 100, 96};
  const uint32_t workers[8] = {2, 4, 8, 8, 8, 16, 8, 8};
  for (int i = 0; i < 8; i++) {
    best_iv[i] = (asr_vrun_interval_t){.t = 10.0 * (i + 1), .workers = 8, .batch_size = 1000,
                                       .docs_per_second = 100};
    run_iv[i] = (asr_vrun_interval_t){.t = 10.0 * (i + 1), .workers = workers[i],
                                      .batch_size = 1000, .docs_per_second = rates[i],
                                      .applied = i + 1 < 8 && workers[i + 1] != workers[i]};
  }
  asr_vrun_result_t best = {.intervals = best_iv, .nintervals = 8, .requests = 10};
  asr_vrun_result_t run = {.intervals = run_iv, .nintervals = 8, .requests = 200,
                           .throttled_requests = 3, .docs_written = 5000};
  asr_lab_score_t sc;
  asr_lab_score(&run, &best, 80, &sc);
  /* steady: the last quarter, t > 60: intervals 7 and 8 */
  assert_true(fabs(sc.steady_docs_per_second - 98) < 1e-9);
  assert_true(fabs(sc.steady_pct_of_best - 98) < 1e-9);
  /* smoothed over 3: (60+95+100)/3 = 85 at interval 4, (95+100+100)/3 = 98.3 at 5 */
  assert_true(sc.reached_90);
  assert_int_equal(sc.intervals_to_90, 5);
  assert_int_equal(sc.changes_to_90, 2); /* 2->4, 4->8 before interval 5 */
  assert_true(fabs(sc.seconds_to_90 - 50) < 1e-9);
  /* from interval 5 on: up 8->16 then down 16->8: one reversal in 4 intervals */
  assert_true(fabs(sc.reversals_per_10 - 2.5) < 1e-9);
  assert_true(fabs(sc.throttled_pct - 1.5) < 1e-9);
  (void)state;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fixed_run_matches_the_model),
      cmocka_unit_test(test_deterministic),
      cmocka_unit_test(test_killed_past_memory),
      cmocka_unit_test(test_ru_budget_and_governor),
      cmocka_unit_test(test_sweep_finds_usl_optimum),
      cmocka_unit_test(test_scores),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
