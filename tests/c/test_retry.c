/* The retry policy (mongo/retry.h) and durations (util/duration.h), as pure functions: the
 * budget (given the attempt, the time since the first failure and the budget: a wait, or give
 * up), the waits it hands out, which read errors are worth a retry, and --retry-for's forms.
 * No clock: time comes in as numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <mongoc/mongoc.h>
#include <string.h>

#include "mongo/retry.h"
#include "util/duration.h"

#define MS 1000000ull /* ns */

static void test_budget_spent_gives_up(void **state) {
  uint64_t rng = 1;
  assert_int_equal(asr_retry_wait_ms(0, 0, 0, 0, -1, &rng), -1);        /* no budget */
  assert_int_equal(asr_retry_wait_ms(3, 1000, 1000, 0, -1, &rng), -1);  /* exactly spent */
  assert_int_equal(asr_retry_wait_ms(3, 5000, 1000, 1, 20, &rng), -1);  /* over */
  /* Not the count: the 1000th retry inside the budget still gets a wait. */
  assert_true(asr_retry_wait_ms(1000, 59000, 600000, 1, 20, &rng) >= 20);
}

static void test_throttle_waits_honour_retry_after(void **state) {
  uint64_t rng = 7;
  for (int i = 0; i < 1000; i++) {
    int64_t ms = asr_retry_wait_ms((uint32_t)i, 10, 600000, 1, 20, &rng);
    assert_true(ms >= 20 && ms <= 25); /* RetryAfterMs + up to a quarter (at least 5) */
  }
  for (int i = 0; i < 1000; i++) {
    int64_t ms = asr_retry_wait_ms(0, 10, 600000, 1, 400, &rng);
    assert_true(ms >= 400 && ms <= 500);
  }
}

static void test_backoff_grows_with_full_jitter_up_to_the_cap(void **state) {
  uint64_t rng = 42;
  for (uint32_t attempt = 0; attempt < 12; attempt++) {
    uint64_t ceiling = 100ull << attempt;
    if (ceiling > ASR_MONGO_BACKOFF_CAP_MS) ceiling = ASR_MONGO_BACKOFF_CAP_MS;
    int64_t lo = INT64_MAX, hi = -1;
    for (int i = 0; i < 2000; i++) {
      int64_t ms = asr_retry_wait_ms(attempt, 0, 600000, 0, -1, &rng);
      assert_true(ms >= 0 && (uint64_t)ms <= ceiling);
      if (ms < lo) lo = ms;
      if (ms > hi) hi = ms;
    }
    /* Full jitter: the waits spread over the whole range, not around one value. */
    assert_true((uint64_t)lo < ceiling / 8);
    assert_true((uint64_t)hi > ceiling - ceiling / 8);
  }
}

static void test_last_wait_ends_with_the_budget(void **state) {
  uint64_t rng = 3;
  /* 30 ms left: a RetryAfterMs of 5 s is cut to 30 ms, so the last try is at the end. */
  assert_int_equal(asr_retry_wait_ms(0, 970, 1000, 1, 5000, &rng), 30);
  for (int i = 0; i < 100; i++) assert_true(asr_retry_wait_ms(20, 999, 1000, 0, -1, &rng) <= 1);
}

static void test_a_batch_retries_from_its_first_failure(void **state) {
  uint64_t rng = 9;
  asr_retry_t r;
  asr_retry_start(&r, 1000);
  uint64_t t0 = 5000 * MS;
  assert_true(asr_retry_next(&r, t0, 1, 20, &rng) >= 20);
  assert_true(asr_retry_next(&r, t0 + 400 * MS, 1, 20, &rng) >= 20);
  assert_int_equal(asr_retry_next(&r, t0 + 990 * MS, 1, 100, &rng), 10); /* the rest */
  assert_int_equal(r.attempts, 3);
  assert_int_equal(asr_retry_next(&r, t0 + 1000 * MS, 1, 20, &rng), -1);
  assert_int_equal(r.attempts, 3); /* giving up is no retry */
  assert_true(asr_retry_spent_s(&r) == 1.0);
  asr_retry_start(&r, 1000); /* the next batch starts afresh */
  assert_int_equal(r.attempts, 0);
  assert_true(asr_retry_next(&r, t0 + 60000 * MS, 0, -1, &rng) >= 0);
}

static void test_budget_settings(void **state) {
  assert_int_equal(asr_retry_budget_ms(0), ASR_RETRY_FOR_DEFAULT_MS);
  assert_int_equal(ASR_RETRY_FOR_DEFAULT_MS, 600000); /* minutes, not seconds */
  assert_int_equal(asr_retry_budget_ms(-1), 0);
  assert_int_equal(asr_retry_budget_ms(90000), 90000);
}

static void test_read_errors_worth_a_retry(void **state) {
  enum { P = ASR_MONGO_READ_PERMANENT, T = ASR_MONGO_READ_TRANSIENT,
         THR = ASR_MONGO_READ_THROTTLED };
  assert_int_equal(asr_mongo_read_error_class(MONGOC_ERROR_STREAM, MONGOC_ERROR_STREAM_SOCKET,
                                              "Failed to send \"getMore\" command with "
                                              "database \"shop\": socket error"), T);
  assert_int_equal(asr_mongo_read_error_class(MONGOC_ERROR_STREAM, MONGOC_ERROR_STREAM_SOCKET,
                                              "Failed to read 4 bytes: socket error or timeout"),
                   T);
  assert_int_equal(asr_mongo_read_error_class(MONGOC_ERROR_SERVER_SELECTION,
                                              MONGOC_ERROR_SERVER_SELECTION_FAILURE,
                                              "No suitable servers found"), T);
  assert_int_equal(asr_mongo_read_error_class(MONGOC_ERROR_SERVER, 43, "cursor id 7 not found"),
                   T);
  assert_int_equal(asr_mongo_read_error_class(MONGOC_ERROR_SERVER, 11602, "interrupted"), T);
  assert_int_equal(asr_mongo_read_error_class(MONGOC_ERROR_SERVER, 16500,
                                              "Request rate is large. RetryAfterMs=12"), THR);
  assert_int_equal(asr_mongo_read_error_class(MONGOC_ERROR_SERVER, 2, "unknown operator: $foo"), P);
  assert_int_equal(asr_mongo_read_error_class(MONGOC_ERROR_SERVER, 13, "not authorized"), P);
  assert_int_equal(asr_mongo_read_error_class(MONGOC_ERROR_BSON, MONGOC_ERROR_BSON_INVALID,
                                              "invalid BSON"), P);
}

static void test_durations(void **state) {
  static const struct { const char *text; int64_t ms; } ok[] = {
      {"90s", 90000}, {"10m", 600000}, {"1h", 3600000}, {"500ms", 500}, {"90", 90000},
      {"0", 0}, {"1.5", 1500}, {"2.5m", 150000}, {"0.25s", 250}, {"168h", 604800000}};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    int64_t ms = -7;
    assert_int_equal(asr_parse_duration_ms(ok[i].text, &ms), 0);
    assert_int_equal(ms, ok[i].ms);
  }
  static const char *const bad[] = {"", "s", "-5s", "10 m", " 10m", "10min", "10M", "1d",
                                    "abc", "0x10", "inf", "nan", "169h", "1e30", "5s5"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int64_t ms = -7;
    if (asr_parse_duration_ms(bad[i], &ms) == 0) fail_msg("'%s' parsed as %lld ms", bad[i], (long long)ms);
    assert_int_equal(ms, -7);
  }
  int64_t ms;
  assert_int_equal(asr_parse_duration_ms(NULL, &ms), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_budget_spent_gives_up),
      cmocka_unit_test(test_throttle_waits_honour_retry_after),
      cmocka_unit_test(test_backoff_grows_with_full_jitter_up_to_the_cap),
      cmocka_unit_test(test_last_wait_ends_with_the_budget),
      cmocka_unit_test(test_a_batch_retries_from_its_first_failure),
      cmocka_unit_test(test_budget_settings),
      cmocka_unit_test(test_read_errors_worth_a_retry),
      cmocka_unit_test(test_durations),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
