/* The simulated database's replies (sinks/sim_reply.h): the bulk reply a Cosmos DB for
 * MongoDB server sends for the model's answer, classified by the MongoDB sink's own code
 * (16500 throttled with RetryAfterMs, 121 failed, a transient command error), the counts
 * agreeing with the model and with the arithmetic shortcut, and the retry waits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <mongoc/mongoc.h>
#include <string.h>

#include "simdb/model.h"
#include "sinks/sim_reply.h"

enum { OK = ASR_MONGO_OK, FAIL = ASR_MONGO_FAILED, THR = ASR_MONGO_THROTTLED,
       UNK = ASR_MONGO_UNKNOWN };

static asr_scenario_t scenario(double ru_per_second, double error_rate, double transient) {
  asr_scenario_t sc;
  asr_scenario_defaults(&sc);
  sc.phases[0].db.ru_per_second = ru_per_second;
  sc.phases[0].db.ru_per_doc = 5;
  sc.phases[0].db.retry_after_ms = 100;
  sc.phases[0].db.error_rate = error_rate;
  sc.phases[0].db.transient_error_rate = transient;
  return sc;
}

static int32_t int_of(const bson_t *b, const char *key) {
  bson_iter_t it;
  assert_true(bson_iter_init_find(&it, b, key));
  return bson_iter_int32(&it);
}

static uint32_t write_errors(const bson_t *b) {
  bson_iter_t it, arr;
  assert_true(bson_iter_init_find(&it, b, "writeErrors"));
  assert_true(bson_iter_recurse(&it, &arr));
  uint32_t n = 0;
  while (bson_iter_next(&arr)) n++;
  return n;
}

/* The first write error's errmsg. */
static const char *first_errmsg(const bson_t *b) {
  bson_iter_t it, msg;
  assert_true(bson_iter_init(&it, b));
  assert_true(bson_iter_find_descendant(&it, "writeErrors.0.errmsg", &msg));
  return bson_iter_utf8(&msg, NULL);
}

static void test_throttled_and_failed(void **state) {
  asr_scenario_t sc = scenario(10000, 0.01, 0);
  asr_simdb_t *m = asr_simdb_new(&sc);
  asr_simdb_write_t w;
  asr_simdb_write(m, 0, 3000, 1, 0, &w); /* 2000 within the budget, 20 of them failing */
  assert_int_equal(w.written, 2000);
  assert_int_equal(w.failed, 20);
  assert_int_equal(w.throttled, 1000);

  bson_t reply = BSON_INITIALIZER;
  bson_error_t error;
  assert_int_equal(asr_sim_reply_build(m, &w, &reply, &error), 0);
  assert_int_equal(int_of(&reply, "nInserted"), 1980);
  assert_int_equal(write_errors(&reply), 1020);
  assert_int_equal(error.domain, MONGOC_ERROR_SERVER);
  assert_int_equal(error.code, 121);
  assert_string_equal(first_errmsg(&reply), "Document failed validation");

  uint8_t outcome[3000];
  asr_mongo_reply_t r;
  asr_sim_reply_classify(m, &w, &reply, outcome, &r);
  for (uint32_t i = 0; i < 3000; i++) {
    int want = i >= 2000 ? THR : asr_simdb_failed_at(m, &w, i) ? FAIL : OK;
    if (outcome[i] != want)
      fail_msg("document %u: %s, want %s", i, asr_mongo_outcome_name(outcome[i]),
               asr_mongo_outcome_name(want));
  }
  assert_int_equal(r.count[OK], 1980);
  assert_int_equal(r.count[FAIL], 20);
  assert_int_equal(r.count[THR], 1000);
  assert_int_equal(r.retry_after_ms, 100); /* parsed from the message */
  assert_int_equal(r.command_failed, 0);
  assert_int_equal(r.nmsgs, ASR_MONGO_REPLY_MSGS);
  assert_int_equal(r.msgs[0].code, 121);
  assert_int_equal(r.msgs[0].index, 99); /* the 100th document written */
  assert_int_equal(asr_sim_reply_again(&r), 1000);
  asr_simdb_free(m);
  bson_destroy(&reply);
}

static void test_throttled_only(void **state) {
  asr_scenario_t sc = scenario(10000, 0, 0);
  asr_simdb_t *m = asr_simdb_new(&sc);
  asr_simdb_write_t w;
  asr_simdb_write(m, 0, 2000, 1, 0, &w);
  asr_simdb_write(m, 0, 5, 1, 0, &w); /* the bucket is empty */
  assert_int_equal(w.throttled, 5);
  bson_t reply = BSON_INITIALIZER;
  bson_error_t error;
  assert_int_equal(asr_sim_reply_build(m, &w, &reply, &error), 0);
  assert_int_equal(int_of(&reply, "nInserted"), 0);
  assert_int_equal(error.code, 16500);
  const char *msg = first_errmsg(&reply);
  assert_non_null(strstr(msg, "Error=16500, RetryAfterMs=100, Details='Response status code "
                              "does not indicate success: TooManyRequests (429)"));
  assert_non_null(strstr(msg, "Request rate is large"));
  uint8_t outcome[5];
  asr_mongo_reply_t r;
  asr_sim_reply_classify(m, &w, &reply, outcome, &r);
  for (int i = 0; i < 5; i++) assert_int_equal(outcome[i], THR);
  assert_int_equal(r.count[THR], 5);
  assert_int_equal(r.retry_after_ms, 100);
  asr_simdb_free(m);
  bson_destroy(&reply);
}

static void test_transient(void **state) {
  asr_scenario_t sc = scenario(10000, 0, 1);
  asr_simdb_t *m = asr_simdb_new(&sc);
  asr_simdb_write_t w;
  asr_simdb_write(m, 0, 7, 1, 0, &w);
  assert_int_equal(w.transient, 1);
  bson_t reply = BSON_INITIALIZER;
  bson_error_t error;
  assert_int_equal(asr_sim_reply_build(m, &w, &reply, &error), 0);
  assert_int_equal(write_errors(&reply), 0);
  assert_int_equal(error.domain, MONGOC_ERROR_SERVER);
  assert_int_equal(error.code, 11600);
  uint8_t outcome[7];
  asr_mongo_reply_t r;
  asr_sim_reply_classify(m, &w, &reply, outcome, &r);
  for (int i = 0; i < 7; i++) assert_int_equal(outcome[i], UNK); /* maybe applied: retried */
  assert_int_equal(r.command_failed, 1);
  assert_int_equal(r.command_outcome, UNK);
  assert_int_equal(r.command_code, 11600);
  assert_string_equal(r.command_msg, "interrupted at shutdown");
  assert_int_equal(r.retry_after_ms, -1);
  assert_int_equal(asr_sim_reply_again(&r), 7);
  asr_simdb_free(m);
  bson_destroy(&reply);
}

static void test_all_written(void **state) {
  asr_scenario_t sc = scenario(0, 0, 0);
  asr_simdb_t *m = asr_simdb_new(&sc);
  asr_simdb_write_t w;
  asr_simdb_write(m, 0, 4, 1, 0, &w);
  bson_t reply = BSON_INITIALIZER;
  bson_error_t error;
  assert_int_equal(asr_sim_reply_build(m, &w, &reply, &error), 1);
  assert_int_equal(error.code, 0);
  assert_int_equal(int_of(&reply, "nInserted"), 4);
  uint8_t outcome[4];
  asr_mongo_reply_t r;
  asr_sim_reply_classify(m, &w, &reply, outcome, &r);
  assert_int_equal(r.count[OK], 4);
  assert_int_equal(r.retry_after_ms, -1);
  assert_int_equal(asr_sim_reply_again(&r), 0);
  asr_simdb_free(m);
  bson_destroy(&reply);
}

/* The arithmetic counts equal the classified reply's, over a busy model's writes. */
static void test_counts_agree(void **state) {
  asr_scenario_t sc = scenario(20000, 0.003, 0.1);
  sc.phases[0].db.throttle_above = 7;
  sc.phases[0].db.noise = 0.2;
  asr_simdb_t *m = asr_simdb_new(&sc);
  bson_t scratch = BSON_INITIALIZER;
  static uint8_t outcome[2000];
  uint32_t kinds[4] = {0, 0, 0, 0};
  for (int i = 0; i < 1500; i++) {
    asr_simdb_write_t w;
    asr_simdb_write(m, i * 0.02, 1 + (uint32_t)(i * 7919 % 1999), 1 + (uint32_t)(i % 9), 0, &w);
    asr_mongo_reply_t a, b;
    asr_sim_reply_classify(m, &w, &scratch, outcome, &a);
    asr_sim_reply_counts(&w, &b);
    if (memcmp(a.count, b.count, sizeof a.count) != 0 || a.retry_after_ms != b.retry_after_ms ||
        a.command_failed != b.command_failed ||
        (a.command_failed && (a.command_outcome != b.command_outcome ||
                              a.command_code != b.command_code)))
      fail_msg("write %d: classified and counted replies differ", i);
    assert_int_equal(a.count[OK] + a.count[FAIL], w.transient ? 0 : w.written);
    assert_int_equal(a.count[FAIL], w.failed);
    assert_int_equal(a.count[THR], w.throttled);
    kinds[0] += w.transient;
    kinds[1] += w.failed > 0;
    kinds[2] += w.throttled > 0 && w.written > 0;
    kinds[3] += w.throttled > 0 && w.written == 0;
  }
  for (int k = 0; k < 4; k++) assert_true(kinds[k] > 50); /* every kind of reply was seen */
  asr_simdb_free(m);
  bson_destroy(&scratch);
}

static void test_retry_waits(void **state) {
  assert_int_equal(ASR_SIM_MAX_ATTEMPTS, 20);
  asr_mongo_reply_t throttled = {.retry_after_ms = 100}, transient = {.retry_after_ms = -1};
  throttled.count[THR] = 3;
  transient.count[UNK] = 3;
  uint64_t rng = 1, again = 1;
  for (uint32_t retry = 0; retry < 30; retry++) {
    uint32_t ms = asr_sim_retry_wait_ms(&throttled, retry, &rng);
    assert_true(ms >= 100 && ms <= 125); /* RetryAfterMs plus up to a quarter */
    assert_int_equal(asr_sim_retry_wait_ms(&throttled, retry, &again), ms); /* seeded */
  }
  for (uint32_t retry = 0; retry < 30; retry++) {
    uint32_t ms = asr_sim_retry_wait_ms(&transient, retry, &rng);
    uint32_t ceiling = retry < 7 ? 100u << retry : 10000u;
    assert_true(ms <= ceiling);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_throttled_and_failed),
      cmocka_unit_test(test_throttled_only),
      cmocka_unit_test(test_transient),
      cmocka_unit_test(test_all_written),
      cmocka_unit_test(test_counts_agree),
      cmocka_unit_test(test_retry_waits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
