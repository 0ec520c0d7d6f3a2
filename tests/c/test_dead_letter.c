/* The dead-letter file and the error budget (sinks/dead_letter.h): what a line holds, that
 * the file appears only with the first dead letter, the budget's verdicts while the run goes
 * and at its end, and many writers at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <bson/bson.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "sinks/dead_letter.h"
#include "util/file.h"

static char g_path[256];

static int setup(void **state) {
  (void)state;
  snprintf(g_path, sizeof g_path, "%s/dead_letter_%d.jsonl", ASR_TEST_TMP, (int)getpid());
  unlink(g_path);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  unlink(g_path);
  return 0;
}

static int exists(const char *path) { return access(path, F_OK) == 0; }

/* The file's lines, parsed (the caller frees them with free_lines). */
static size_t read_lines(cJSON **out, size_t max) {
  char *text = NULL;
  size_t len = 0, n = 0;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_read_file(g_path, "dead letters", &text, &len, &err), 0);
  for (char *line = strtok(text, "\n"); line && n < max; line = strtok(NULL, "\n")) {
    out[n] = cJSON_Parse(line);
    if (!out[n]) fail_msg("not JSON: %s", line);
    n++;
  }
  free(text);
  return n;
}

static void free_lines(cJSON **lines, size_t n) {
  for (size_t i = 0; i < n; i++) cJSON_Delete(lines[i]);
}

static const char *str_of(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double num_of(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  if (!cJSON_IsNumber(v)) fail_msg("no number '%s'", k);
  return v->valuedouble;
}

static asr_dead_letter_t *open_dl(const char *budget_text) {
  asr_error_budget_t b = {.kind = ASR_BUDGET_NONE};
  asr_err_t err;
  asr_err_clear(&err);
  if (budget_text) assert_int_equal(asr_error_budget_parse(budget_text, &b, &err), 0);
  asr_dead_letter_t *dl = NULL;
  assert_int_equal(asr_dead_letter_open(g_path, &b, &dl, &err), 0);
  return dl;
}

/* {"n": i, "s": "x"} */
static bson_t *doc(int32_t i) {
  bson_t *b = bson_new();
  BSON_APPEND_INT32(b, "n", i);
  BSON_APPEND_UTF8(b, "s", "x");
  return b;
}

static int add(asr_dead_letter_t *dl, int32_t i, const char *reason, asr_err_t *err) {
  bson_t *b = doc(i);
  asr_dead_letter_entry_t e = {.doc = bson_get_data(b), .len = b->len, .index = (uint64_t)i,
                               .batch = 7, .reason = reason, .code = 121,
                               .message = "Document failed validation"};
  asr_err_clear(err);
  int rc = asr_dead_letter_add(dl, &e, err);
  bson_destroy(b);
  return rc;
}

static void test_budget_parse(void **state) {
  (void)state;
  asr_error_budget_t b;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_error_budget_parse("25", &b, &err), 0);
  assert_int_equal(b.kind, ASR_BUDGET_COUNT);
  assert_int_equal(b.count, 25);
  assert_int_equal(asr_error_budget_parse("0", &b, &err), 0);
  assert_int_equal(b.count, 0);
  assert_int_equal(asr_error_budget_parse("2.5%", &b, &err), 0);
  assert_int_equal(b.kind, ASR_BUDGET_PERCENT);
  assert_true(b.percent == 2.5);
  char text[64];
  asr_error_budget_describe(&b, text, sizeof text);
  assert_string_equal(text, "--max-errors 2.5%");
  const char *bad[] = {"", "-1", "abc", "5x", "101%", "-2%", "%", "1e999999%"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    asr_err_clear(&err);
    assert_int_equal(asr_error_budget_parse(bad[i], &b, &err), ASR_EINVAL);
    assert_non_null(strstr(err.msg, "--max-errors: expected a count N or a share P%"));
  }
}

static void test_nothing_failed_leaves_no_file(void **state) {
  (void)state;
  asr_dead_letter_t *dl = open_dl(NULL);
  asr_err_t err;
  asr_err_clear(&err);
  int allowed = 1;
  assert_int_equal(asr_dead_letter_verdict(dl, 1000, &allowed, &err), 0);
  assert_int_equal(allowed, 0);
  assert_int_equal(asr_dead_letter_sync(dl, &err), 0);
  asr_dead_letter_close(dl);
  assert_false(exists(g_path));
}

static void test_a_line_holds_document_error_and_traceback(void **state) {
  (void)state;
  asr_dead_letter_t *dl = open_dl(NULL);
  bson_t *b = doc(3);
  asr_dead_letter_entry_t e = {.doc = bson_get_data(b), .len = b->len, .index = 3,
                               .batch = ASR_DL_NO_INDEX, .reason = ASR_DL_TRANSFORM,
                               .message = "transform failed on document 3: s.lua:4: bad \"a\"",
                               .traceback = "stack traceback:\n\ts.lua:4: in function <s.lua:2>"};
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_dead_letter_add(dl, &e, &err), 0); /* no budget: goes on */
  bson_destroy(b);
  assert_true(exists(g_path));
  assert_int_equal(asr_dead_letter_count(dl), 1);
  assert_int_equal(asr_dead_letter_sink_count(dl), 0);
  cJSON *lines[4];
  assert_int_equal(read_lines(lines, 4), 1);
  assert_int_equal((int)num_of(lines[0], "index"), 3);
  assert_null(cJSON_GetObjectItemCaseSensitive(lines[0], "batch")); /* not said */
  assert_null(cJSON_GetObjectItemCaseSensitive(lines[0], "code"));
  assert_string_equal(str_of(lines[0], "reason"), "transform");
  assert_string_equal(str_of(lines[0], "message"), "transform failed on document 3: s.lua:4: bad \"a\"");
  assert_string_equal(str_of(lines[0], "traceback"), "stack traceback:\n\ts.lua:4: in function <s.lua:2>");
  const cJSON *d = cJSON_GetObjectItemCaseSensitive(lines[0], "document");
  assert_int_equal((int)num_of(d, "n"), 3);
  assert_string_equal(str_of(d, "s"), "x");
  free_lines(lines, 1);
  /* the end of the run: not allowed without a budget */
  int allowed = 1;
  assert_int_equal(asr_dead_letter_verdict(dl, 10, &allowed, &err), ASR_EDATA);
  assert_int_equal(allowed, 0);
  char want[1024];
  snprintf(want, sizeof want, "1 document failed and was dead-lettered to %s (the first: "
           "transform failed on document 3: s.lua:4: bad \"a\"); allow them with --max-errors "
           "N or P%%", g_path);
  assert_string_equal(err.msg, want);
  asr_dead_letter_close(dl);
}

static void test_sink_entries_and_undecodable_documents(void **state) {
  (void)state;
  asr_dead_letter_t *dl = open_dl("10");
  asr_err_t err;
  assert_int_equal(add(dl, 5, ASR_DL_REJECTED, &err), 0);
  /* a document with invalid UTF-8 has no Extended JSON: kept whole in base64 */
  bson_t *b = bson_new();
  BSON_APPEND_UTF8(b, "s", "ab");
  uint8_t raw[64];
  memcpy(raw, bson_get_data(b), b->len);
  uint32_t len = b->len;
  raw[len - 3] = 0xff; /* "a" → 0xff */
  asr_dead_letter_entry_t e = {.doc = raw, .len = len, .index = ASR_DL_NO_INDEX, .batch = 2,
                               .reason = ASR_DL_INVALID, .message = "bad \xff byte"};
  asr_err_clear(&err);
  assert_int_equal(asr_dead_letter_add(dl, &e, &err), 0);
  bson_destroy(b);
  assert_int_equal(asr_dead_letter_sink_count(dl), 2);
  cJSON *lines[4];
  assert_int_equal(read_lines(lines, 4), 2);
  assert_int_equal((int)num_of(lines[0], "index"), 5);
  assert_int_equal((int)num_of(lines[0], "batch"), 7);
  assert_int_equal((int)num_of(lines[0], "code"), 121);
  assert_string_equal(str_of(lines[0], "reason"), "rejected");
  assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(lines[1], "index")));
  assert_int_equal((int)num_of(lines[1], "batch"), 2);
  assert_string_equal(str_of(lines[1], "message"), "bad \xc3\xbf byte"); /* written \u00ff */
  assert_null(cJSON_GetObjectItemCaseSensitive(lines[1], "document"));
  const char *b64 = str_of(lines[1], "document_bson_base64");
  assert_non_null(b64);
  size_t dlen = 0;
  uint8_t decoded[64];
  /* decode base64 by hand: the bytes must come back exactly */
  static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  uint32_t acc = 0;
  int bits = 0;
  for (const char *p = b64; *p && *p != '='; p++) {
    acc = acc << 6 | (uint32_t)(strchr(tab, *p) - tab);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      decoded[dlen++] = (uint8_t)(acc >> bits);
    }
  }
  assert_int_equal(dlen, len);
  assert_memory_equal(decoded, raw, len);
  free_lines(lines, 2);
  int allowed = 0;
  asr_err_clear(&err);
  assert_int_equal(asr_dead_letter_verdict(dl, 100, &allowed, &err), 0);
  assert_int_equal(allowed, 1);
  asr_dead_letter_close(dl);
}

static void test_count_budget_stops_past_n(void **state) {
  (void)state;
  asr_dead_letter_t *dl = open_dl("2");
  asr_err_t err;
  assert_int_equal(add(dl, 1, ASR_DL_REJECTED, &err), 0);
  assert_int_equal(add(dl, 2, ASR_DL_REJECTED, &err), 0);
  assert_int_equal(add(dl, 3, ASR_DL_REJECTED, &err), ASR_EDATA);
  char want[1024];
  snprintf(want, sizeof want, "--max-errors 2: error budget exceeded: 3 documents dead-lettered "
           "(the last: document 3 (rejected, code 121): Document failed validation); dead "
           "letters in %s", g_path);
  assert_string_equal(err.msg, want);
  cJSON *lines[8];
  assert_int_equal(read_lines(lines, 8), 3); /* the one over the budget is kept too */
  free_lines(lines, 3);
  asr_dead_letter_close(dl);
}

static void test_stop_on_error_stops_at_the_first(void **state) {
  (void)state;
  asr_error_budget_t b = {.kind = ASR_BUDGET_COUNT, .count = 0, .flag = "--stopOnError"};
  asr_dead_letter_t *dl = NULL;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_dead_letter_open(g_path, &b, &dl, &err), 0);
  assert_int_equal(add(dl, 9, ASR_DL_REJECTED, &err), ASR_EDATA);
  char want[1024];
  snprintf(want, sizeof want, "--stopOnError: stopped at the first document that failed for "
           "good: document 9 (rejected, code 121): Document failed validation (dead-lettered "
           "to %s)", g_path);
  assert_string_equal(err.msg, want);
  asr_dead_letter_close(dl);
}

static uint64_t g_read;
static uint64_t read_counter(void *ud) { return *(uint64_t *)ud; }

static void test_percent_budget(void **state) {
  (void)state;
  asr_dead_letter_t *dl = open_dl("1%");
  asr_dead_letter_set_read_counter(dl, read_counter, &g_read);
  asr_err_t err;
  /* early in the run the share is judged on ASR_DL_MIN_SAMPLE documents: 10 go */
  g_read = 5;
  for (int i = 0; i < 10; i++) assert_int_equal(add(dl, i, ASR_DL_REJECTED, &err), 0);
  assert_int_equal(add(dl, 10, ASR_DL_REJECTED, &err), ASR_EDATA);
  assert_non_null(strstr(err.msg, "--max-errors 1%: error budget exceeded: 11 documents"));
  asr_dead_letter_close(dl);
  unlink(g_path);

  dl = open_dl("1%");
  asr_dead_letter_set_read_counter(dl, read_counter, &g_read);
  g_read = 5000;
  for (int i = 0; i < 50; i++) assert_int_equal(add(dl, i, ASR_DL_REJECTED, &err), 0);
  int allowed = 0;
  asr_err_clear(&err);
  assert_int_equal(asr_dead_letter_verdict(dl, 5000, &allowed, &err), 0); /* 50 of 5000: 1% */
  assert_int_equal(allowed, 1);
  asr_err_clear(&err);
  assert_int_equal(asr_dead_letter_verdict(dl, 4999, &allowed, &err), ASR_EDATA);
  assert_int_equal(allowed, 0);
  char want[1024];
  snprintf(want, sizeof want, "--max-errors 1%%: error budget exceeded: 50 of 4999 documents "
           "read were dead-lettered to %s (the first: document 0 (rejected, code 121): Document "
           "failed validation)", g_path);
  assert_string_equal(err.msg, want);
  asr_dead_letter_close(dl);
}

static void test_without_a_file_a_failure_is_an_error(void **state) {
  (void)state;
  asr_err_t err;
  assert_int_equal(add(NULL, 4, ASR_DL_REJECTED, &err), ASR_EDATA);
  assert_string_equal(err.msg, "document 4 (rejected, code 121): Document failed validation");
  assert_false(exists(g_path));
}

static void test_unwritable_file_fails(void **state) {
  (void)state;
  asr_error_budget_t b = {.kind = ASR_BUDGET_NONE};
  asr_dead_letter_t *dl = NULL;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_dead_letter_open("/nonexistent-dir/x.jsonl", &b, &dl, &err), 0);
  assert_int_equal(add(dl, 1, ASR_DL_REJECTED, &err), ASR_EIO);
  assert_string_equal(err.msg, "cannot create dead-letter file /nonexistent-dir/x.jsonl: No such "
                               "file or directory");
  assert_int_equal(asr_dead_letter_count(dl), 0);
  asr_dead_letter_close(dl);
}

/* ---- many writers ---- */

#define THREADS 4
#define PER_THREAD 500

typedef struct writer {
  asr_dead_letter_t *dl;
  int id;
  int failures;
} writer_t;

static void write_many(void *arg) {
  writer_t *w = arg;
  asr_err_t err;
  for (int i = 0; i < PER_THREAD; i++)
    if (add(w->dl, w->id * PER_THREAD + i, ASR_DL_REJECTED, &err)) w->failures++;
}

static void test_writers_on_many_threads(void **state) {
  (void)state;
  asr_dead_letter_t *dl = open_dl(NULL);
  uv_thread_t t[THREADS];
  writer_t w[THREADS];
  for (int i = 0; i < THREADS; i++) {
    w[i] = (writer_t){dl, i, 0};
    assert_int_equal(uv_thread_create(&t[i], write_many, &w[i]), 0);
  }
  for (int i = 0; i < THREADS; i++) {
    uv_thread_join(&t[i]);
    assert_int_equal(w[i].failures, 0);
  }
  assert_int_equal(asr_dead_letter_count(dl), THREADS * PER_THREAD);
  asr_dead_letter_close(dl);
  static cJSON *lines[THREADS * PER_THREAD + 1];
  size_t n = read_lines(lines, THREADS * PER_THREAD + 1);
  assert_int_equal(n, THREADS * PER_THREAD); /* whole lines, none torn or lost */
  static char seen[THREADS * PER_THREAD];
  memset(seen, 0, sizeof seen);
  for (size_t i = 0; i < n; i++) {
    int idx = (int)num_of(lines[i], "index");
    assert_int_equal((int)num_of(cJSON_GetObjectItemCaseSensitive(lines[i], "document"), "n"), idx);
    assert_false(seen[idx]);
    seen[idx] = 1;
  }
  free_lines(lines, n);
}


/* A dead letter of batch `seq` (the sink's way: the entry names its batch), or, with seq
 * ASR_DL_NO_INDEX, of the batch the thread is on (the transform's way). */
static void add_in_batch(asr_dead_letter_t *dl, int32_t i, uint64_t seq, const char *reason) {
  bson_t *b = doc(i);
  asr_dead_letter_entry_t e = {.doc = bson_get_data(b), .len = b->len, .index = (uint64_t)i,
                               .batch = seq, .reason = reason, .message = "bad"};
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_dead_letter_add(dl, &e, &err), 0);
  bson_destroy(b);
}

/* The indexes of the file's lines, in file order. */
static size_t indexes(int32_t *out, size_t max) {
  cJSON *lines[32];
  size_t n = read_lines(lines, 32);
  for (size_t i = 0; i < n && i < max; i++) out[i] = (int32_t)num_of(lines[i], "index");
  free_lines(lines, n);
  return n;
}

/* Batches finish out of order, so the file is no prefix in batch order: a checkpoint after
 * batches [0, 3) are done keeps the dead letters of batches 0..2 and names the lines of
 * batches 3 and 4 inside its length; a resume cuts what came after the checkpoint, removes
 * those lines, counts the rest as the earlier runs' and appends. */
static void test_checkpoint_mark_and_resume(void **state) {
  (void)state;
  asr_dead_letter_t *dl = open_dl("10");
  asr_dead_letter_track(dl);
  add_in_batch(dl, 40, 4, ASR_DL_REJECTED);  /* batch 4: not done at the checkpoint */
  asr_dead_letter_batch_begin(1);
  add_in_batch(dl, 10, ASR_DL_NO_INDEX, ASR_DL_TRANSFORM); /* the thread's batch: 1 */
  add_in_batch(dl, 30, 3, ASR_DL_REJECTED);  /* batch 3: not done */
  add_in_batch(dl, 0, 0, ASR_DL_REJECTED);
  asr_dead_letter_mark_t m;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_dead_letter_mark(dl, 3, &m, &err), 0);
  assert_int_equal(m.count, 2);
  assert_int_equal(m.sink_count, 1);
  assert_int_equal(m.nredo, 2);
  add_in_batch(dl, 50, 5, ASR_DL_REJECTED); /* after the checkpoint: cut by the length */
  asr_dead_letter_close(dl); /* killed here, in effect */

  dl = open_dl("3");
  assert_int_equal(asr_dead_letter_resume(dl, &m, 1000, &err), 0);
  assert_int_equal(asr_dead_letter_count(dl), 2);
  assert_int_equal(asr_dead_letter_carried(dl), 2);
  assert_int_equal(asr_dead_letter_sink_count(dl), 0); /* this run's */
  int32_t idx[8];
  assert_int_equal(indexes(idx, 8), 2);
  assert_int_equal(idx[0], 10);
  assert_int_equal(idx[1], 0);
  add_in_batch(dl, 30, 0, ASR_DL_REJECTED); /* done again: once in the file */
  assert_int_equal(indexes(idx, 8), 3);
  assert_int_equal(idx[2], 30);
  /* the budget counts the earlier runs' dead letters: 4 > 3 stops the run */
  bson_t *b = doc(40);
  asr_dead_letter_entry_t e = {.doc = bson_get_data(b), .len = b->len, .index = 40, .batch = 1,
                               .reason = ASR_DL_REJECTED, .message = "bad"};
  assert_int_equal(asr_dead_letter_add(dl, &e, &err), ASR_EDATA);
  assert_non_null(strstr(err.msg, "--max-errors 3: error budget exceeded: 4 documents"));
  assert_true(asr_dead_letter_stopped_run(dl));
  bson_destroy(b);
  asr_dead_letter_close(dl);
  asr_dead_letter_mark_free(&m);
}

/* A percentage is judged on the documents every run read; a resume that adds none still
 * names the earlier runs' dead letters in its verdict. */
static void test_resumed_verdict_counts_every_run(void **state) {
  (void)state;
  asr_dead_letter_t *dl = open_dl(NULL);
  asr_dead_letter_track(dl);
  add_in_batch(dl, 1, 0, ASR_DL_REJECTED);
  add_in_batch(dl, 2, 0, ASR_DL_REJECTED);
  asr_dead_letter_mark_t m;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_dead_letter_mark(dl, 1, &m, &err), 0);
  asr_dead_letter_close(dl);
  dl = open_dl("1%");
  assert_int_equal(asr_dead_letter_resume(dl, &m, 190, &err), 0);
  int allowed = 0;
  /* 2 of 190 + 10 = 200 read: 1%, allowed; of 190 + 9 it would not be */
  assert_int_equal(asr_dead_letter_verdict(dl, 10, &allowed, &err), 0);
  assert_true(allowed);
  assert_int_equal(asr_dead_letter_verdict(dl, 9, &allowed, &err), ASR_EDATA);
  assert_non_null(strstr(err.msg, "2 of 199 documents read were dead-lettered"));
  assert_non_null(strstr(err.msg, "(by the earlier runs)"));
  asr_dead_letter_close(dl);
  /* a file shorter than the checkpoint recorded was changed: refused */
  assert_int_equal(truncate(g_path, 5), 0);
  dl = open_dl(NULL);
  asr_err_clear(&err);
  assert_int_equal(asr_dead_letter_resume(dl, &m, 0, &err), ASR_EINVAL);
  assert_non_null(strstr(err.msg, "holds 5 bytes, fewer than the"));
  asr_dead_letter_close(dl);
  asr_dead_letter_mark_free(&m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_budget_parse, setup, teardown),
      cmocka_unit_test_setup_teardown(test_nothing_failed_leaves_no_file, setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_line_holds_document_error_and_traceback, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sink_entries_and_undecodable_documents, setup, teardown),
      cmocka_unit_test_setup_teardown(test_count_budget_stops_past_n, setup, teardown),
      cmocka_unit_test_setup_teardown(test_stop_on_error_stops_at_the_first, setup, teardown),
      cmocka_unit_test_setup_teardown(test_percent_budget, setup, teardown),
      cmocka_unit_test_setup_teardown(test_without_a_file_a_failure_is_an_error, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unwritable_file_fails, setup, teardown),
      cmocka_unit_test_setup_teardown(test_writers_on_many_threads, setup, teardown),
      cmocka_unit_test_setup_teardown(test_checkpoint_mark_and_resume, setup, teardown),
      cmocka_unit_test_setup_teardown(test_resumed_verdict_counts_every_run, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
