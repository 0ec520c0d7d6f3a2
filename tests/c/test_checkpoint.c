/* The checkpoint file: round trip, strict parsing (every damaged field named), atomic save,
 * and the run identity check that keeps --resume from continuing another run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <bson/bson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/checkpoint.h"

static asr_checkpoint_t sample(bson_t *key) {
  asr_checkpoint_t c = {
      .run = {.strategy = "#0123456789abcdef", .source = "template:t.json#aa",
              .target = "file:out.jsonl mode 0", .seed = UINT64_MAX - 1, .clock_ms = 1700000000123,
              .total = 1000000},
      .from = {.index = 4200, .offset = 123456789, .line = 4201, .col = 3, .state = 2},
      .again = {.index = 5000, .at_end = 1},
      .output_bytes = 987654321,
      .docs_written = 4200,
  };
  snprintf(c.status, sizeof c.status, "running");
  if (key) {
    c.from.key = bson_get_data(key);
    c.from.key_len = key->len;
  }
  return c;
}

/* Formats c and parses the text back into *back (which must succeed); returns the text, for
 * the caller to look into and free. */
static char *format_and_parse(const asr_checkpoint_t *c, asr_checkpoint_t *back) {
  char *text = asr_checkpoint_format(c);
  assert_non_null(text);
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_checkpoint_parse(text, strlen(text), "cp.json", back, &err), 0);
  return text;
}

static void test_round_trip(void **state) {
  bson_oid_t oid;
  bson_oid_init_from_string(&oid, "65a1b2c3d4e5f60718293a4b");
  bson_t *key = BCON_NEW("_id", BCON_OID(&oid));
  asr_checkpoint_t c = sample(key);
  asr_checkpoint_t back;
  char *text = format_and_parse(&c, &back);
  assert_string_equal(back.status, "running");
  assert_string_equal(back.run.source, "template:t.json#aa");
  assert_true(back.run.seed == UINT64_MAX - 1); /* 64-bit seeds survive (kept as text) */
  assert_int_equal(back.run.clock_ms, 1700000000123);
  assert_int_equal(back.run.total, 1000000);
  assert_int_equal(back.from.index, 4200);
  assert_int_equal(back.from.offset, 123456789);
  assert_int_equal(back.from.line, 4201);
  assert_int_equal(back.from.col, 3);
  assert_int_equal(back.from.state, 2);
  assert_false(back.from.at_end);
  assert_true(back.again.at_end);
  assert_null(back.again.key);
  assert_int_equal(back.output_bytes, 987654321);
  assert_int_equal(back.docs_written, 4200);
  /* the key: the same BSON bytes (an ObjectId stays an ObjectId) */
  assert_int_equal(back.from.key_len, key->len);
  assert_memory_equal(back.from.key, bson_get_data(key), key->len);
  char why[256];
  assert_true(asr_checkpoint_same_run(&back.run, &c.run, why, sizeof why));
  asr_checkpoint_free(&back);
  free(text);
  bson_destroy(key);
}

/* Replaces the first `from` in the sample's text with `to`, parses, and expects the message
 * to hold `want`. */
static void expect_refused(const char *from, const char *to, const char *want) {
  asr_checkpoint_t c = sample(NULL);
  char *text = asr_checkpoint_format(&c);
  char *at = strstr(text, from);
  assert_non_null(at);
  char buf[4096];
  snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
  asr_checkpoint_t back;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_checkpoint_parse(buf, strlen(buf), "cp.json", &back, &err), ASR_EINVAL);
  if (!strstr(err.msg, want)) fail_msg("message '%s' lacks '%s'", err.msg, want);
  free(text);
}

static void test_damaged_fields_are_named(void **state) {
  expect_refused("\"asrun_checkpoint\"", "\"not_a_checkpoint\"", "is not an asrun checkpoint");
  expect_refused("\"asrun_checkpoint\":\t1", "\"asrun_checkpoint\":\t7", "version 7");
  expect_refused("\"running\"", "\"paused\"", "\"status\" must be running");
  expect_refused("\"index\":\t4200", "\"index\":\t-1", "\"index\" must be a whole number");
  expect_refused("\"index\":\t4200", "\"index\":\t1.5", "in \"from\"");
  expect_refused("\"offset\":\t123456789", "\"offset\":\t\"12\"", "\"offset\" must be a number");
  expect_refused("\"seed\":\t\"18446744073709551614\"", "\"seed\":\t\"12x\"", "\"seed\" must be");
  expect_refused("\"seed\":\t\"18446744073709551614\"", "\"seed\":\t\"-3\"", "\"seed\" must be");
  expect_refused("\"at_end\":\tfalse", "\"at_end\":\t0", "\"at_end\" must be true or false");
  expect_refused("\"total\":\t1000000", "\"total\":\t-2", "\"total\" must be");
  expect_refused("\"at_end\":\tfalse", "\"at_end\":false,\"key\":\"{\\\"a\\\": 1}\"",
                 "\"key\" must be an Extended JSON document {\"_id\"");
  expect_refused("\"from\":", "\"frm\":", "\"from\" must be an object");
  expect_refused("{", "[", "not a JSON object");
}

static void test_truncated_file_is_refused(void **state) {
  asr_checkpoint_t c = sample(NULL);
  char *text = asr_checkpoint_format(&c);
  asr_err_t err;
  for (size_t cut = 0; cut < strlen(text); cut += 7) {
    asr_checkpoint_t back;
    asr_err_clear(&err);
    assert_int_equal(asr_checkpoint_parse(text, cut, "cp.json", &back, &err), ASR_EINVAL);
  }
  free(text);
}

static void test_save_is_atomic_and_loads(void **state) {
  char dir[] = "/tmp/asr_cp_XXXXXX";
  assert_non_null(mkdtemp(dir));
  char path[256], tmp[300];
  snprintf(path, sizeof path, "%s/run.checkpoint.json", dir);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  asr_checkpoint_t c = sample(NULL), back;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_checkpoint_load(path, &back, &err), 1); /* none yet */
  assert_int_equal(asr_checkpoint_save(path, &c, &err), 0);
  c.docs_written = 9999;
  assert_int_equal(asr_checkpoint_save(path, &c, &err), 0); /* replaces it */
  assert_int_equal(access(tmp, F_OK), -1);                    /* no temp file left */
  assert_int_equal(asr_checkpoint_load(path, &back, &err), 0);
  assert_int_equal(back.docs_written, 9999);
  asr_checkpoint_free(&back);
  unlink(path);
  /* a directory that is not there: a clear error, nothing written */
  snprintf(path, sizeof path, "%s/missing/run.json", dir);
  assert_int_equal(asr_checkpoint_save(path, &c, &err), ASR_EIO);
  assert_non_null(strstr(err.msg, "cannot write the checkpoint"));
  rmdir(dir);
}

static void test_another_run_is_named(void **state) {
  asr_checkpoint_t a = sample(NULL), b = sample(NULL);
  char why[512];
  b.run.seed = 7;
  assert_false(asr_checkpoint_same_run(&a.run, &b.run, why, sizeof why));
  assert_non_null(strstr(why, "the seed differs: 18446744073709551614 in the checkpoint, 7 now"));
  b = sample(NULL);
  b.run.source = "template:t.json#bb";
  assert_false(asr_checkpoint_same_run(&a.run, &b.run, why, sizeof why));
  assert_non_null(strstr(why, "the source differs"));
  b = sample(NULL);
  b.run.total = 5;
  assert_false(asr_checkpoint_same_run(&a.run, &b.run, why, sizeof why));
  assert_non_null(strstr(why, "the total differs"));
  b = sample(NULL);
  b.run.clock_ms = 1;
  assert_false(asr_checkpoint_same_run(&a.run, &b.run, why, sizeof why));
  assert_non_null(strstr(why, "clock"));
}


/* The documents read and the dead letters (path, synced length, counts, the lines of batches
 * not done) survive the round trip; damaged ones are named; a checkpoint written before they
 * existed parses with neither (a resume counts none). */
static void test_dead_letters_round_trip(void **state) {
  (void)state;
  asr_dead_letter_span_t redo[] = {{120, 80}, {40, 35}};
  asr_checkpoint_t c = sample(NULL);
  c.has_docs_read = c.has_dead_letters = 1;
  c.docs_read = 4321;
  c.dead_letter_path = "out.dead.jsonl";
  c.dead_letters = (asr_dead_letter_mark_t){.bytes = 900, .count = 7, .sink_count = 2,
                                            .redo = redo, .nredo = 2};
  asr_checkpoint_t back;
  char *text = format_and_parse(&c, &back);
  asr_err_t err;
  assert_true(back.has_docs_read && back.has_dead_letters);
  assert_int_equal(back.docs_read, 4321);
  assert_string_equal(back.dead_letter_path, "out.dead.jsonl");
  assert_int_equal(back.dead_letters.bytes, 900);
  assert_int_equal(back.dead_letters.count, 7);
  assert_int_equal(back.dead_letters.sink_count, 2);
  assert_int_equal(back.dead_letters.nredo, 2);
  assert_int_equal(back.dead_letters.redo[0].offset, 120);
  assert_int_equal(back.dead_letters.redo[1].length, 35);
  asr_checkpoint_free(&back);
  const char *damaged[][3] = {
      {"\"sink_count\":\t2", "\"sink_count\":\t8", "\"sink_count\" must not exceed"},
      {"[120, 80]", "[120, 0]", "in \"dead_letters\""},
      {"[120, 80]", "[120]", "\"redo\" must be a list of [offset, length]"},
      {"\"bytes\":\t900", "\"bytes\":\t-1", "\"bytes\" must be a whole number"},
      {"\"docs_read\":\t4321", "\"docs_read\":\ttrue", "\"docs_read\" must be a number"},
  };
  for (size_t i = 0; i < sizeof damaged / sizeof damaged[0]; i++) {
    char *at = strstr(text, damaged[i][0]), buf[4096];
    if (!at) fail_msg("'%s' is not in %s", damaged[i][0], text);
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - text), text, damaged[i][1],
             at + strlen(damaged[i][0]));
    asr_err_clear(&err);
    assert_int_equal(asr_checkpoint_parse(buf, strlen(buf), "cp.json", &back, &err), ASR_EINVAL);
    if (!strstr(err.msg, damaged[i][2])) fail_msg("message '%s' lacks '%s'", err.msg, damaged[i][2]);
  }
  free(text);
  /* an older checkpoint: neither field */
  c = sample(NULL);
  text = format_and_parse(&c, &back);
  assert_null(strstr(text, "dead_letters"));
  assert_false(back.has_docs_read || back.has_dead_letters);
  assert_int_equal(back.dead_letters.count, 0);
  asr_checkpoint_free(&back);
  free(text);
  /* the status of a run refused for its dead letters */
  expect_refused("\"running\"", "\"refusd\"", "must be running, stopped, failed, refused or "
                 "complete");
}

/* The default interval stretches when a checkpoint is slow (a sync on a busy disk), so that
 * checkpoints stay within ASR_CHECKPOINT_MAX_SHARE of the run; an interval asked for is kept. */
static void test_slow_checkpoints_are_spaced(void **state) {
  (void)state;
  uint64_t every = (uint64_t)(ASR_CHECKPOINT_INTERVAL_S * 1000.0);
  assert_int_equal(asr_checkpoint_delay_ms(0, 0), every);
  assert_int_equal(asr_checkpoint_delay_ms(0, 1), every); /* a fast disk: the default */
  double slow = 114.0;                                     /* bench/checkpoint.sh, ext4 here */
  uint64_t d = asr_checkpoint_delay_ms(0, slow);
  assert_true(d > every);
  assert_true(slow / (double)d <= ASR_CHECKPOINT_MAX_SHARE + 1e-12);
  assert_int_equal(asr_checkpoint_delay_ms(1.0, slow), 1000); /* --checkpoint-every 1 */
  assert_int_equal(asr_checkpoint_delay_ms(0.25, 0), 250);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_damaged_fields_are_named),
      cmocka_unit_test(test_truncated_file_is_refused),
      cmocka_unit_test(test_save_is_atomic_and_loads),
      cmocka_unit_test(test_another_run_is_named),
      cmocka_unit_test(test_dead_letters_round_trip),
      cmocka_unit_test(test_slow_checkpoints_are_spaced),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
