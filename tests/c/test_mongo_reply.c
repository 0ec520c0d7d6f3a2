/* Bulk reply classification on crafted replies, shaped as mongoc_bulk_operation_execute
 * returns them with error API 2 (what the test server cannot produce: mixed write errors,
 * Cosmos DB throttling, write concern errors, network errors), and the retry waits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <mongoc/mongoc.h>
#include <string.h>

#include "sinks/mongo_reply.h"
#include "mongo/retry.h"

enum { OK = ASR_MONGO_OK, DUP = ASR_MONGO_DUPLICATE, FAIL = ASR_MONGO_FAILED,
       THR = ASR_MONGO_THROTTLED, RETRY = ASR_MONGO_RETRY, UNK = ASR_MONGO_UNKNOWN,
       NA = ASR_MONGO_NOT_ATTEMPTED };

/* A reply from relaxed Extended JSON (test convenience only). */
static bson_t *reply_of(const char *json) {
  bson_error_t e;
  bson_t *b = bson_new_from_json((const uint8_t *)json, -1, &e);
  if (!b) fail_msg("bad test JSON: %s", e.message);
  return b;
}

static bson_error_t error_of(uint32_t domain, uint32_t code, const char *msg) {
  bson_error_t e;
  memset(&e, 0, sizeof e);
  if (domain) bson_set_error(&e, domain, code, "%s", msg);
  return e;
}

static void assert_outcomes(const uint8_t *got, const int *want, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    if (got[i] != want[i])
      fail_msg("operation %u: %s, want %s", i, asr_mongo_outcome_name(got[i]),
               asr_mongo_outcome_name(want[i]));
  }
}

static void classify(const char *json, bson_error_t e, int executed, int insert, int ordered,
                     uint32_t n, uint8_t *outcome, asr_mongo_reply_t *r) {
  bson_t *reply = json ? reply_of(json) : bson_new();
  asr_mongo_reply_classify(reply, &e, executed, insert, ordered, n, outcome, r);
  bson_destroy(reply);
}

static void test_all_written(void **state) {
  uint8_t o[3];
  asr_mongo_reply_t r;
  classify("{\"nInserted\": 3, \"nMatched\": 0, \"writeErrors\": []}", error_of(0, 0, ""), 1, 1,
           0, 3, o, &r);
  int want[] = {OK, OK, OK};
  assert_outcomes(o, want, 3);
  assert_int_equal(r.count[OK], 3);
  assert_int_equal(r.command_failed, 0);
  assert_int_equal(r.retry_after_ms, -1);
  /* Unacknowledged (w:0): nothing comes back, nothing to retry. */
  classify(NULL, error_of(0, 0, ""), 1, 1, 0, 3, o, &r);
  assert_outcomes(o, want, 3);
}

static const char *mixed_reply =
    "{\"nInserted\": 4, \"writeErrors\": ["
    " {\"index\": 1, \"code\": 11000, \"errmsg\": \"E11000 duplicate key error collection: "
    "db.c index: _id_ dup key: { _id: 1 }\"},"
    " {\"index\": 3, \"code\": 121, \"errmsg\": \"Document failed validation\"},"
    " {\"index\": 4, \"code\": 16500, \"errmsg\": \"Error=16500, RetryAfterMs=123, "
    "Details='Request rate is large'\"},"
    " {\"index\": 6, \"code\": 10107, \"errmsg\": \"not primary\"},"
    " {\"index\": 99, \"code\": 121, \"errmsg\": \"out of range: ignored\"}]}";

static void test_mixed_write_errors_unordered(void **state) {
  uint8_t o[8];
  asr_mongo_reply_t r;
  bson_error_t e = error_of(MONGOC_ERROR_SERVER, 11000, "Multiple write errors: ...");
  classify(mixed_reply, e, 0, 1, 0, 8, o, &r);
  int want[] = {OK, DUP, OK, FAIL, THR, OK, RETRY, OK};
  assert_outcomes(o, want, 8);
  assert_int_equal(r.command_failed, 0); /* the error mirrors the write errors */
  assert_int_equal(r.count[OK], 4);
  assert_int_equal(r.count[DUP], 1);
  assert_int_equal(r.count[FAIL], 1);
  assert_int_equal(r.count[THR], 1);
  assert_int_equal(r.count[RETRY], 1);
  assert_int_equal(r.retry_after_ms, 123);
  assert_int_equal(r.nmsgs, 1);
  assert_int_equal(r.msgs[0].index, 3);
  assert_int_equal(r.msgs[0].code, 121);
  assert_string_equal(r.msgs[0].msg, "Document failed validation");
}

static void test_duplicate_is_a_failure_outside_insert_mode(void **state) {
  uint8_t o[8];
  asr_mongo_reply_t r;
  classify(mixed_reply, error_of(MONGOC_ERROR_SERVER, 11000, "x"), 0, 0, 0, 8, o, &r);
  assert_int_equal(o[1], FAIL);
  assert_int_equal(r.count[DUP], 0);
  assert_int_equal(r.count[FAIL], 2);
  assert_int_equal(r.nmsgs, 2);
  assert_int_equal(r.msgs[0].index, 1);
  assert_int_equal(r.msgs[0].code, 11000);
}

static void test_ordered_leftovers(void **state) {
  uint8_t o[5];
  asr_mongo_reply_t r;
  /* Ordered: the server stops at the first error; what follows was never tried. */
  classify("{\"nInserted\": 2, \"writeErrors\": [{\"index\": 2, \"code\": 11000, \"errmsg\": "
           "\"dup\"}]}", error_of(MONGOC_ERROR_SERVER, 11000, "dup"), 0, 1, 1, 5, o, &r);
  int want_dup[] = {OK, OK, DUP, NA, NA};
  assert_outcomes(o, want_dup, 5);
  assert_int_equal(r.count[NA], 2);
  classify("{\"nInserted\": 1, \"writeErrors\": [{\"index\": 1, \"code\": 16500, \"errmsg\": "
           "\"Request rate is large. RetryAfterMs=40\"}]}",
           error_of(MONGOC_ERROR_SERVER, 16500, "x"), 0, 1, 1, 5, o, &r);
  int want_thr[] = {OK, THR, NA, NA, NA};
  assert_outcomes(o, want_thr, 5);
  assert_int_equal(r.retry_after_ms, 40);
  /* The same reply for an unordered bulk: the others were written. */
  classify("{\"nInserted\": 4, \"writeErrors\": [{\"index\": 1, \"code\": 16500, \"errmsg\": "
           "\"Request rate is large. RetryAfterMs=40\"}]}",
           error_of(MONGOC_ERROR_SERVER, 16500, "x"), 0, 1, 0, 5, o, &r);
  int want_unordered[] = {OK, THR, OK, OK, OK};
  assert_outcomes(o, want_unordered, 5);
}

static void test_cosmos_throttle_for_the_whole_command(void **state) {
  uint8_t o[4];
  asr_mongo_reply_t r;
  bson_error_t e = error_of(MONGOC_ERROR_SERVER, 16500,
                            "Error=16500, RetryAfterMs=250, Details='Response status code does "
                            "not indicate success: TooManyRequests (429); Substatus: 3200'");
  classify("{\"nInserted\": 0, \"nMatched\": 0, \"writeErrors\": []}", e, 0, 1, 0, 4, o, &r);
  int want[] = {THR, THR, THR, THR};
  assert_outcomes(o, want, 4);
  assert_int_equal(r.command_failed, 1);
  assert_int_equal(r.command_outcome, THR);
  assert_int_equal(r.command_code, 16500);
  assert_int_equal(r.retry_after_ms, 250);
}

static void test_throttle_forms(void **state) {
  assert_int_equal(asr_mongo_error_outcome(16500, "", 1), THR);
  assert_int_equal(asr_mongo_error_outcome(429, "", 0), THR);
  assert_int_equal(asr_mongo_error_outcome(2, "Response status code: TooManyRequests (429)", 1),
                   THR);
  assert_int_equal(asr_mongo_error_outcome(1, "Request rate is large. More Request Units may be "
                                              "needed", 1), THR);
  assert_int_equal(asr_mongo_error_outcome(16500, NULL, 1), THR);
  uint8_t o[3];
  asr_mongo_reply_t r;
  /* 429 without RetryAfterMs: throttled, the wait falls back to backoff. */
  classify("{\"writeErrors\": [{\"index\": 0, \"code\": 429, \"errmsg\": \"TooManyRequests\"},"
           "{\"index\": 2, \"code\": 16500, \"errmsg\": \"RetryAfterMs=5\"}]}",
           error_of(MONGOC_ERROR_SERVER, 429, "x"), 0, 1, 0, 3, o, &r);
  int want[] = {THR, OK, THR};
  assert_outcomes(o, want, 3);
  assert_int_equal(r.retry_after_ms, 5);
  classify("{\"writeErrors\": [{\"index\": 0, \"code\": 429, \"errmsg\": \"TooManyRequests\"}]}",
           error_of(MONGOC_ERROR_SERVER, 429, "x"), 0, 1, 0, 3, o, &r);
  assert_int_equal(r.retry_after_ms, -1);
  /* The largest RetryAfterMs of several throttled operations. */
  classify("{\"writeErrors\": [{\"index\": 0, \"code\": 16500, \"errmsg\": \"RetryAfterMs=5\"},"
           "{\"index\": 1, \"code\": 16500, \"errmsg\": \"RetryAfterMs=40\"},"
           "{\"index\": 2, \"code\": 16500, \"errmsg\": \"RetryAfterMs=12\"}]}",
           error_of(MONGOC_ERROR_SERVER, 16500, "x"), 0, 1, 0, 3, o, &r);
  assert_int_equal(r.retry_after_ms, 40);
  assert_int_equal(r.count[THR], 3);
}

static void test_retry_after_parsing(void **state) {
  assert_int_equal(asr_mongo_retry_after_ms("Error=16500, RetryAfterMs=123, Details=''"), 123);
  assert_int_equal(asr_mongo_retry_after_ms("retryafterms=77"), 77);
  assert_int_equal(asr_mongo_retry_after_ms("RetryAfterMs=0"), 0);
  assert_int_equal(asr_mongo_retry_after_ms("RetryAfterMs=, RetryAfterMs=9"), 9);
  assert_int_equal(asr_mongo_retry_after_ms("RetryAfterMs="), -1);
  assert_int_equal(asr_mongo_retry_after_ms("Request rate is large"), -1);
  assert_int_equal(asr_mongo_retry_after_ms(NULL), -1);
}

static void test_write_concern_error(void **state) {
  uint8_t o[3];
  asr_mongo_reply_t r;
  /* Applied but not acknowledged as asked: retried (idempotently). */
  classify("{\"nInserted\": 3, \"writeErrors\": [], \"writeConcernErrors\": [{\"code\": 64, "
           "\"errmsg\": \"waiting for replication timed out\"}]}",
           error_of(MONGOC_ERROR_WRITE_CONCERN, 64, "waiting for replication timed out"), 0, 1, 0,
           3, o, &r);
  int want[] = {UNK, UNK, UNK};
  assert_outcomes(o, want, 3);
  assert_int_equal(r.command_failed, 0);
  assert_int_equal(r.count[UNK], 3);
  /* With a write error beside it, that operation keeps its own class. */
  classify("{\"nInserted\": 2, \"writeErrors\": [{\"index\": 1, \"code\": 11000, \"errmsg\": "
           "\"dup\"}], \"writeConcernErrors\": [{\"code\": 64, \"errmsg\": \"wtimeout\"}]}",
           error_of(MONGOC_ERROR_SERVER, 11000, "dup"), 0, 1, 0, 3, o, &r);
  int want2[] = {UNK, DUP, UNK};
  assert_outcomes(o, want2, 3);
  /* A write concern that can never be satisfied stops the run. */
  classify("{\"nInserted\": 3, \"writeConcernErrors\": [{\"code\": 100, \"errmsg\": \"Not "
           "enough data-bearing nodes\"}]}",
           error_of(MONGOC_ERROR_WRITE_CONCERN, 100, "Not enough data-bearing nodes"), 0, 1, 0, 3,
           o, &r);
  assert_int_equal(r.command_failed, 1);
  assert_int_equal(r.command_outcome, FAIL);
  assert_string_equal(r.command_msg, "Not enough data-bearing nodes");
}

static void test_network_and_selection_errors(void **state) {
  uint8_t o[3];
  asr_mongo_reply_t r;
  /* No reply: the command may or may not have been applied. */
  classify(NULL, error_of(MONGOC_ERROR_STREAM, MONGOC_ERROR_STREAM_SOCKET,
                          "Failed to read 4 bytes: socket error or timeout"), 0, 1, 0, 3, o, &r);
  int want_unk[] = {UNK, UNK, UNK};
  assert_outcomes(o, want_unk, 3);
  assert_int_equal(r.command_failed, 1);
  assert_string_equal(r.command_msg, "Failed to read 4 bytes: socket error or timeout");
  /* No server selected: nothing was sent. */
  classify(NULL, error_of(MONGOC_ERROR_SERVER_SELECTION, MONGOC_ERROR_SERVER_SELECTION_FAILURE,
                          "No suitable servers found"), 0, 1, 0, 3, o, &r);
  int want_retry[] = {RETRY, RETRY, RETRY};
  assert_outcomes(o, want_retry, 3);
}

static void test_command_level_server_errors(void **state) {
  uint8_t o[2];
  asr_mongo_reply_t r;
  static const int32_t transient[] = {10107, 13435, 13436, 11600, 11602, 6, 7,
                                      89,    9001,  91,    189,   262};
  for (size_t i = 0; i < sizeof transient / sizeof transient[0]; i++) {
    assert_int_equal(asr_mongo_error_outcome(transient[i], "", 1), RETRY);
    /* Interrupted commands may have applied some operations. */
    classify("{}", error_of(MONGOC_ERROR_SERVER, (uint32_t)transient[i], "interrupted"), 0, 1, 0,
             2, o, &r);
    assert_int_equal(o[0], UNK);
    assert_int_equal(r.command_outcome, UNK);
  }
  assert_int_equal(asr_mongo_error_outcome(121, "Document failed validation", 1), FAIL);
  assert_int_equal(asr_mongo_error_outcome(2, "node is recovering", 1), RETRY);
  /* Not authorized: every batch would fail the same way. */
  classify("{}", error_of(MONGOC_ERROR_SERVER, 13, "not authorized on db to execute command"),
           0, 1, 0, 2, o, &r);
  assert_int_equal(r.command_failed, 1);
  assert_int_equal(r.command_outcome, FAIL);
  assert_int_equal(r.command_code, 13);
  /* ... unless the server labels it retryable. */
  classify("{\"errorLabels\": [\"RetryableWriteError\"]}",
           error_of(MONGOC_ERROR_SERVER, 50, "operation exceeded time limit"), 0, 1, 0, 2, o, &r);
  assert_int_equal(r.command_outcome, UNK);
  /* Client-side errors (authentication, invalid arguments) are permanent. */
  classify(NULL, error_of(MONGOC_ERROR_CLIENT, MONGOC_ERROR_CLIENT_AUTHENTICATE,
                          "Authentication failed."), 0, 1, 0, 2, o, &r);
  assert_int_equal(r.command_outcome, FAIL);
  assert_string_equal(r.command_msg, "Authentication failed.");
}

static void test_backoff_has_full_jitter(void **state) {
  uint64_t rng = 42;
  for (uint32_t attempt = 0; attempt < 10; attempt++) {
    uint32_t ceiling = 100u << attempt;
    if (ceiling > 10000) ceiling = 10000;
    uint32_t lo = UINT32_MAX, hi = 0;
    for (int i = 0; i < 2000; i++) {
      uint32_t ms = asr_mongo_backoff_ms(attempt, 100, 10000, &rng);
      assert_true(ms <= ceiling);
      if (ms < lo) lo = ms;
      if (ms > hi) hi = ms;
    }
    assert_true(lo <= ceiling / 10);    /* spread over the whole range */
    assert_true(hi >= ceiling * 9 / 10);
  }
  assert_true(asr_mongo_backoff_ms(60, 100, 10000, &rng) <= 10000); /* no overflow */
}

static void test_throttle_wait(void **state) {
  uint64_t rng = 7;
  for (int i = 0; i < 1000; i++) {
    uint32_t ms = asr_mongo_throttle_wait_ms(0, 123, &rng);
    assert_true(ms >= 123 && ms <= 123 + 30);
    ms = asr_mongo_throttle_wait_ms(5, 8, &rng);
    assert_true(ms >= 8 && ms <= 8 + 5);
    ms = asr_mongo_throttle_wait_ms(2, -1, &rng); /* no RetryAfterMs: backoff from 50 ms */
    assert_true(ms <= 200);
  }
  assert_int_equal(asr_mongo_throttle_wait_ms(0, 0, &rng) <= 5, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_all_written),
      cmocka_unit_test(test_mixed_write_errors_unordered),
      cmocka_unit_test(test_duplicate_is_a_failure_outside_insert_mode),
      cmocka_unit_test(test_ordered_leftovers),
      cmocka_unit_test(test_cosmos_throttle_for_the_whole_command),
      cmocka_unit_test(test_throttle_forms),
      cmocka_unit_test(test_retry_after_parsing),
      cmocka_unit_test(test_write_concern_error),
      cmocka_unit_test(test_network_and_selection_errors),
      cmocka_unit_test(test_command_level_server_errors),
      cmocka_unit_test(test_backoff_has_full_jitter),
      cmocka_unit_test(test_throttle_wait),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
