/* The RU governor (sinks/ru_governor.h) against a simulated Cosmos DB account in virtual time:
 * workers that reserve, wait, write and record, and an account whose request units refill
 * continuously into a bucket of one second's budget (throttled documents consume none), as
 * simdb/model.h describes. Checks the paced rate with a given budget, learning the budget
 * from throttles, finding a doubled budget, no pacing before a throttle, and the bucket's
 * arithmetic, also under concurrent callers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "sinks/ru_governor.h"

#define RU_PER_DOC 5.0
#define RETRY_AFTER_S 0.1
#define MAX_WORKERS 16

/* ---- the account ------------------------------------------------------------------- */

typedef struct account {
  double budget_before, budget_after, change_at; /* RU/s; the budget changes at change_at */
  double tokens, last;
} account_t;

static double budget_at(const account_t *a, double t) {
  return t < a->change_at ? a->budget_before : a->budget_after;
}

/* A write of n documents at t: the first ones within the bucket are written. */
static uint32_t account_write(account_t *a, double t, uint32_t n) {
  double b = budget_at(a, t);
  a->tokens += b * (t - a->last);
  if (a->tokens > b) a->tokens = b;
  a->last = t;
  double fits = floor(a->tokens / RU_PER_DOC);
  uint32_t written = fits >= n ? n : fits > 0 ? (uint32_t)fits : 0;
  a->tokens -= written * RU_PER_DOC;
  return written;
}

/* ---- the workers ------------------------------------------------------------------- */

typedef enum { RESERVE, SEND, REPLY } stage_t;

typedef struct worker {
  stage_t stage;
  double t;
  uint32_t n, written;
} worker_t;

typedef struct run {
  uint32_t workers, batch;
  double service_s, end_s, measure_from;
  /* results */
  double charge_measured;   /* RU accepted from measure_from on */
  uint64_t requests, throttled_requests, requests_measured, throttled_measured;
  double max_wait;
  double min_pace;          /* the lowest pacing rate from measure_from on */
} run_t;

/* Runs the workers against the account until end_s (events in time order). */
static void simulate(asr_ru_governor_t *g, account_t *a, run_t *r) {
  worker_t w[MAX_WORKERS];
  uint64_t lcg = 12345;
  r->min_pace = INFINITY;
  for (uint32_t i = 0; i < r->workers; i++)
    w[i] = (worker_t){.stage = RESERVE, .t = 0.001 * i, .n = r->batch};
  for (;;) {
    uint32_t k = 0;
    for (uint32_t i = 1; i < r->workers; i++)
      if (w[i].t < w[k].t) k = i;
    worker_t *x = &w[k];
    if (x->t > r->end_s) break;
    switch (x->stage) {
    case RESERVE: {
      double wait = asr_ru_governor_reserve(g, x->t, x->n);
      if (wait > r->max_wait) r->max_wait = wait;
      if (x->t >= r->measure_from) r->min_pace = fmin(r->min_pace, asr_ru_governor_rate(g));
      x->t += wait;
      x->stage = SEND;
      break;
    }
    case SEND: {
      x->written = account_write(a, x->t, x->n);
      if (x->t >= r->measure_from) r->charge_measured += x->written * RU_PER_DOC;
      lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
      x->t += r->service_s * (0.8 + 0.4 * (double)(lcg >> 11) / 9007199254740992.0);
      x->stage = REPLY;
      break;
    }
    case REPLY: {
      uint32_t throttled = x->n - x->written;
      asr_ru_governor_record(g, x->t, x->n, x->written * RU_PER_DOC, x->written, throttled);
      r->requests++;
      r->throttled_requests += throttled > 0;
      if (x->t >= r->measure_from) {
        r->requests_measured++;
        r->throttled_measured += throttled > 0;
      }
      if (throttled) { /* the sink retries what was throttled, after RetryAfterMs */
        x->n = throttled;
        x->t += RETRY_AFTER_S;
      } else {
        x->n = r->batch;
      }
      x->stage = RESERVE;
      break;
    }
    }
  }
}

static asr_ru_governor_t *governor(double target, double fraction) {
  asr_ru_governor_config_t cfg = {.target_ru_per_second = target, .fraction = fraction};
  asr_ru_governor_t *g = asr_ru_governor_new(&cfg);
  assert_non_null(g);
  return g;
}

static account_t account(double budget) {
  return (account_t){.budget_before = budget, .budget_after = budget, .change_at = INFINITY,
                     .tokens = budget};
}

static double measured_rate(const run_t *r) {
  return r->charge_measured / (r->end_s - r->measure_from);
}

/* ---- given budget ------------------------------------------------------------------ */

/* 8 workers that could write 16,000 documents/s (80,000 RU/s) against 10,000 RU/s granted
 * and given: 9,000 RU/s spent over 60 s, not one throttle. */
static void test_given_budget_paces_at_the_fraction(void **state) {
  asr_ru_governor_t *g = governor(10000, 0.9);
  account_t a = account(10000);
  run_t r = {.workers = 8, .batch = 100, .service_s = 0.05, .end_s = 60, .measure_from = 0};
  simulate(g, &a, &r);
  printf("given, batch 100: %.0f RU/s, %llu of %llu requests throttled\n", measured_rate(&r),
         (unsigned long long)r.throttled_requests, (unsigned long long)r.requests);
  assert_true(fabs(measured_rate(&r) - 9000) < 0.03 * 9000);
  assert_int_equal(r.throttled_requests, 0);
  assert_true(fabs(asr_ru_governor_rate(g) - 9000) < 1e-9);
  asr_ru_governor_free(g);
}

/* Batches of 2,000 documents are 10,000 RU each, a whole second's budget: still paced. */
static void test_given_budget_paces_batches_larger_than_the_bucket(void **state) {
  asr_ru_governor_t *g = governor(10000, 0.9);
  account_t a = account(10000);
  run_t r = {.workers = 4, .batch = 2000, .service_s = 0.2, .end_s = 60, .measure_from = 0};
  simulate(g, &a, &r);
  printf("given, batch 2000: %.0f RU/s, %llu of %llu requests throttled\n", measured_rate(&r),
         (unsigned long long)r.throttled_requests, (unsigned long long)r.requests);
  assert_true(fabs(measured_rate(&r) - 9000) < 0.05 * 9000);
  /* the first writes go before a reply has taught the charge per document */
  assert_true(r.throttled_requests < r.workers);
  asr_ru_governor_free(g);
}

/* ---- learning ---------------------------------------------------------------------- */

/* Nothing is paced while the database never throttles. */
static void test_learning_does_not_pace_before_a_throttle(void **state) {
  asr_ru_governor_t *g = governor(0, 0.9);
  account_t a = account(1e12);
  run_t r = {.workers = 8, .batch = 100, .service_s = 0.05, .end_s = 30};
  simulate(g, &a, &r);
  assert_true(r.requests > 1000);
  assert_int_equal(r.throttled_requests, 0);
  assert_true(r.max_wait == 0);
  assert_true(asr_ru_governor_rate(g) == 0);
  asr_ru_governor_free(g);
}

/* From the first throttles to fraction x the true budget: after the first minute, between
 * 85% and 100% of the budget is spent (pacing at 90%, probes up to the line), and under 1%
 * of the requests are throttled (each probe that finds the line costs the writes in flight). */
static void test_learning_converges_near_the_fraction_of_the_budget(void **state) {
  asr_ru_governor_t *g = governor(0, 0.9);
  account_t a = account(10000);
  run_t r = {.workers = 8, .batch = 100, .service_s = 0.05, .end_s = 600, .measure_from = 60};
  simulate(g, &a, &r);
  double rate = measured_rate(&r);
  printf("learning: %.0f RU/s over 60..600 s, pacing at %.0f at least, %llu of %llu requests "
         "throttled then (%llu in all)\n", rate, r.min_pace,
         (unsigned long long)r.throttled_measured, (unsigned long long)r.requests_measured,
         (unsigned long long)r.throttled_requests);
  assert_true(rate > 0.85 * 10000 && rate <= 10000);
  assert_true(r.min_pace > 0.95 * 9000 && r.min_pace < 1.05 * 9000); /* between probes */
  assert_true(r.throttled_measured * 100 < r.requests_measured);
  asr_ru_governor_free(g);
}

/* The budget doubles at 60 s: within two minutes the governor spends most of the new one. */
static void test_learning_finds_a_doubled_budget(void **state) {
  asr_ru_governor_t *g = governor(0, 0.9);
  account_t a = account(10000);
  a.budget_after = 20000;
  a.change_at = 60;
  run_t r = {.workers = 16, .batch = 100, .service_s = 0.05, .end_s = 180, .measure_from = 150};
  simulate(g, &a, &r);
  double rate = measured_rate(&r);
  printf("doubled at 60 s: %.0f RU/s over 150..180 s, pacing at %.0f\n", rate,
         asr_ru_governor_rate(g));
  assert_true(rate > 0.8 * 0.9 * 20000);
  asr_ru_governor_free(g);
}

/* A given budget is a ceiling: a smaller account (another workload on it) is learned from
 * its throttles, and the pace never goes past the given budget. */
static void test_given_budget_learns_a_smaller_account(void **state) {
  asr_ru_governor_t *g = governor(20000, 0.9);
  account_t a = account(10000);
  run_t r = {.workers = 8, .batch = 100, .service_s = 0.05, .end_s = 240, .measure_from = 60};
  simulate(g, &a, &r);
  double rate = measured_rate(&r);
  printf("given 20000, account 10000: %.0f RU/s over 60..240 s, pacing at %.0f\n", rate,
         asr_ru_governor_rate(g));
  assert_true(rate > 0.85 * 10000 && rate <= 10000);
  assert_true(asr_ru_governor_rate(g) <= 0.9 * 20000);
  asr_ru_governor_free(g);
}

/* ---- the bucket -------------------------------------------------------------------- */

/* Reserve, wait, correct: exact arithmetic at one instant (no refill). */
static void test_bucket_arithmetic(void **state) {
  asr_ru_governor_t *g = governor(1000, 0.5); /* 500 RU/s, a bucket of 50 RU */
  assert_true(asr_ru_governor_rate(g) == 0);   /* no charge per document known yet */
  assert_true(asr_ru_governor_reserve(g, 0, 10) == 0);
  asr_ru_governor_record(g, 0, 10, 100, 10, 0); /* 10 RU a document */
  assert_true(asr_ru_governor_rate(g) == 500);
  /* the bucket started empty (the rate was 0) and the first write's 100 RU put it in debt */
  assert_true(fabs(asr_ru_governor_reserve(g, 0, 30) - 100.0 / 500) < 1e-12);
  /* that batch of 300 RU is larger than the bucket (50 RU) and went; the next waits for it */
  assert_true(fabs(asr_ru_governor_reserve(g, 0, 1) - 400.0 / 500) < 1e-12);
  /* 0.5 s later 250 RU came in (-160); the throttled half of the 30 is not given back */
  asr_ru_governor_record(g, 0.5, 30, 150, 15, 15);
  assert_true(fabs(asr_ru_governor_reserve(g, 0.5, 1) - 160.0 / 500) < 1e-12);
  asr_ru_governor_free(g);
}

static void test_rejects_a_bad_configuration(void **state) {
  asr_ru_governor_config_t bad[] = {{-1, 0.9}, {0, 0}, {0, 1.5}, {NAN, 0.9}, {1000, INFINITY}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_null(asr_ru_governor_new(&bad[i]));
  assert_null(asr_ru_governor_new(NULL));
  asr_ru_governor_config_t ok = {0, 1};
  asr_ru_governor_t *g = asr_ru_governor_new(&ok);
  assert_non_null(g);
  asr_ru_governor_free(g);
  asr_ru_governor_free(NULL);
  assert_true(asr_ru_governor_reserve(NULL, 0, 10) == 0);
  asr_ru_governor_record(NULL, 0, 10, 1, 1, 0);
  assert_true(asr_ru_governor_rate(NULL) == 0);
}

/* Concurrent callers at one instant: every reservation is counted once. */
#define THREADS 4
#define CALLS 5000
static void *reserve_many(void *arg) {
  for (int i = 0; i < CALLS; i++) asr_ru_governor_reserve(arg, 0, 1);
  return NULL;
}

static void test_concurrent_reservations_all_count(void **state) {
  asr_ru_governor_t *g = governor(1000, 1);
  asr_ru_governor_record(g, 0, 1, 1, 1, 0); /* 1 RU a document */
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++) assert_int_equal(pthread_create(&t[i], NULL, reserve_many, g), 0);
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  /* 1 RU of the first record plus THREADS x CALLS RU reserved, at 1000 RU/s */
  double wait = asr_ru_governor_reserve(g, 0, 1);
  assert_true(fabs(wait - (1.0 + THREADS * CALLS) / 1000) < 1e-9);
  asr_ru_governor_free(g);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_given_budget_paces_at_the_fraction),
      cmocka_unit_test(test_given_budget_paces_batches_larger_than_the_bucket),
      cmocka_unit_test(test_learning_does_not_pace_before_a_throttle),
      cmocka_unit_test(test_learning_converges_near_the_fraction_of_the_budget),
      cmocka_unit_test(test_learning_finds_a_doubled_budget),
      cmocka_unit_test(test_given_budget_learns_a_smaller_account),
      cmocka_unit_test(test_bucket_arithmetic),
      cmocka_unit_test(test_rejects_a_bad_configuration),
      cmocka_unit_test(test_concurrent_reservations_all_count),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
