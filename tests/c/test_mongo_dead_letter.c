/* The MongoDB sink's documents that fail for good, against the test server: each goes to the
 * dead letters (sinks/dead_letter.h) with its stream index, the server's code and message,
 * the rest of the batch is written, and a spent budget stops the batch. The test server has
 * no validators (nor unique secondary indexes); an upsert whose replacement takes an _id
 * another document holds is refused for good the same way (a per-document write error the
 * sink classifies FAILED, as it does validation's 121), and the document limit and key
 * fields are refused before sending. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <mongoc/mongoc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sinks/dead_letter.h"
#include "sinks/mongo.h"
#include "util/file.h"

#include "mongo_test.h"

static char g_db[64], g_path[256];

static int group_setup(void **state) {
  (void)state;
  mongoc_init();
  snprintf(g_db, sizeof g_db, "asrun_dl_%d", (int)getpid());
  snprintf(g_path, sizeof g_path, "%s/mongo_dead_letter_%d.jsonl", ASR_TEST_TMP, (int)getpid());
  return 0;
}

static int group_teardown(void **state) {
  (void)state;
  if (server_uri()) {
    mongoc_client_t *client = mongoc_client_new(server_uri());
    mongoc_database_t *db = mongoc_client_get_database(client, g_db);
    mongoc_database_drop(db, NULL);
    mongoc_database_destroy(db);
    mongoc_client_destroy(client);
  }
  unlink(g_path);
  return 0;
}

typedef struct fixture {
  mongoc_client_t *client;
  mongoc_collection_t *coll;
  asr_dead_letter_t *dl;
  asr_sink_t *sink;
  asr_sink_worker_t *w;
  asr_docs_t docs;
  bson_t *b;
} fixture_t;

/* A collection of the test's own (emptied), a dead-letter file with the budget, and a sink
 * writing into it in mode with key fields keys (NULL: _id). */
static void open_fixture(fixture_t *f, const char *coll, asr_write_mode_t mode, const char *key,
                         const asr_error_budget_t *budget, int dl_duplicates) {
  memset(f, 0, sizeof *f);
  unlink(g_path);
  f->client = mongoc_client_new(server_uri());
  mongoc_client_set_error_api(f->client, 2);
  f->coll = mongoc_client_get_collection(f->client, g_db, coll);
  mongoc_collection_drop(f->coll, NULL);
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_dead_letter_open(g_path, budget, &f->dl, &err), 0);
  const char *keys[] = {key};
  asr_mongo_target_t t = {.uri = server_uri(), .database = g_db, .collection = coll,
                          .mode = mode, .keys = key ? keys : NULL, .nkeys = key ? 1 : 0,
                          .pool_size = 1, .server_selection_timeout_ms = 5000};
  asr_sink_options_t opt = {.dead_letter = f->dl, .dead_letter_duplicates = dl_duplicates};
  if (asr_sink_mongo_open(&t, &opt, &f->sink, &err)) fail_msg("open: %s", err.msg);
  assert_int_equal(f->sink->vt->worker_open(f->sink, &f->w, &err), 0);
  asr_docs_init(&f->docs);
  f->b = bson_new();
}

static void close_fixture(fixture_t *f) {
  f->sink->vt->worker_close(f->sink, f->w);
  asr_sink_destroy(f->sink);
  asr_dead_letter_close(f->dl);
  bson_destroy(f->b);
  asr_docs_free(&f->docs);
  mongoc_collection_drop(f->coll, NULL);
  mongoc_collection_destroy(f->coll);
  mongoc_client_destroy(f->client);
}

static void add_doc(fixture_t *f, const char *json) {
  bson_error_t e;
  bson_t *b = bson_new_from_json((const uint8_t *)json, -1, &e);
  if (!b) fail_msg("%s: %s", json, e.message);
  asr_docs_append_bson(&f->docs, b);
  bson_destroy(b);
}

static void insert_direct(fixture_t *f, const char *json) {
  bson_error_t e;
  bson_t *b = bson_new_from_json((const uint8_t *)json, -1, &e);
  if (!mongoc_collection_insert_one(f->coll, b, NULL, NULL, &e)) fail_msg("insert: %s", e.message);
  bson_destroy(b);
}

static int64_t count(fixture_t *f) {
  bson_t empty = BSON_INITIALIZER;
  bson_error_t e;
  return mongoc_collection_count_documents(f->coll, &empty, NULL, NULL, NULL, &e);
}

static size_t read_lines(cJSON **out, size_t max) {
  char *text = NULL;
  size_t len = 0, n = 0;
  asr_err_t err;
  asr_err_clear(&err);
  if (access(g_path, F_OK) != 0) return 0;
  assert_int_equal(asr_read_file(g_path, "dead letters", &text, &len, &err), 0);
  for (char *line = strtok(text, "\n"); line && n < max; line = strtok(NULL, "\n")) {
    out[n] = cJSON_Parse(line);
    if (!out[n]) fail_msg("not JSON: %s", line);
    n++;
  }
  free(text);
  return n;
}

static double num(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  if (!cJSON_IsNumber(v)) fail_msg("no number '%s'", k);
  return v->valuedouble;
}

static const char *str(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsString(v) ? v->valuestring : "";
}

static const asr_error_budget_t NO_BUDGET = {.kind = ASR_BUDGET_NONE};
static const asr_error_budget_t STOP = {.kind = ASR_BUDGET_COUNT, .count = 0, .flag = "--stopOnError"};

/* An upsert the server refuses for good (its _id is another document's): dead-lettered with
 * the server's code and message and the document's stream index; the others are written. */
static void test_server_refusal_is_dead_lettered(void **state) {
  (void)state;
  NEED_SERVER();
  fixture_t f;
  open_fixture(&f, "refused", ASR_WRITE_UPSERT, "sku", &NO_BUDGET, 0);
  insert_direct(&f, "{\"_id\": {\"$oid\": \"650000000000000000000002\"}, \"sku\": \"a\"}");
  add_doc(&f, "{\"sku\": \"b\", \"u\": 2}");
  /* no document has sku "c": the upsert inserts it, with an _id that "a" holds */
  add_doc(&f, "{\"_id\": {\"$oid\": \"650000000000000000000002\"}, \"sku\": \"c\", \"u\": 1}");
  add_doc(&f, "{\"sku\": \"d\", \"u\": 3}");
  f.docs.first_index = 100; /* the batch's first source record */
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(f.sink->vt->write(f.sink, f.w, 4, &f.docs, &err), 0);
  asr_sink_db_stats_t st;
  asr_sink_mongo_stats(f.sink, &st);
  assert_int_equal(st.docs_written, 2);
  assert_int_equal(st.failed, 1);
  assert_int_equal(asr_dead_letter_count(f.dl), 1);
  assert_int_equal(count(&f), 3);
  cJSON *lines[4];
  assert_int_equal(read_lines(lines, 4), 1);
  assert_int_equal((int)num(lines[0], "index"), 101);
  assert_int_equal((int)num(lines[0], "batch"), 4);
  assert_true(num(lines[0], "code") != 0); /* the server's: MongoDB 11000, the test server 1 */
  assert_string_equal(str(lines[0], "reason"), "rejected");
  assert_non_null(strstr(str(lines[0], "message"), "uplicate key"));
  const cJSON *d = cJSON_GetObjectItemCaseSensitive(lines[0], "document");
  assert_string_equal(str(d, "sku"), "c");
  assert_int_equal((int)num(d, "u"), 1);
  cJSON_Delete(lines[0]);
  close_fixture(&f);
}

/* Refused before sending: over the document limit, no key field. */
static void test_client_side_refusals_are_dead_lettered(void **state) {
  (void)state;
  NEED_SERVER();
  fixture_t f;
  open_fixture(&f, "client_side", ASR_WRITE_UPSERT, "sku", &NO_BUDGET, 0);
  add_doc(&f, "{\"sku\": \"a\"}");
  add_doc(&f, "{\"name\": \"no sku\"}");
  size_t big = 17u * 1024 * 1024;
  char *blob = malloc(big + 1);
  memset(blob, 'x', big);
  blob[big] = '\0';
  bson_reinit(f.b);
  BSON_APPEND_UTF8(f.b, "sku", "big");
  BSON_APPEND_UTF8(f.b, "blob", blob);
  asr_docs_append_bson(&f.docs, f.b);
  free(blob);
  f.docs.first_index = 0;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(f.sink->vt->write(f.sink, f.w, 0, &f.docs, &err), 0);
  assert_int_equal(count(&f), 1);
  cJSON *lines[4];
  assert_int_equal(read_lines(lines, 4), 2);
  assert_int_equal((int)num(lines[0], "index"), 1);
  assert_string_equal(str(lines[0], "reason"), "invalid");
  assert_string_equal(str(lines[0], "message"), "no key field 'sku'");
  assert_int_equal((int)num(lines[1], "index"), 2);
  assert_string_equal(str(lines[1], "reason"), "too_large");
  assert_string_equal(str(lines[1], "message"),
                      "17825821 bytes, over the 16777216-byte document limit of the server");
  assert_string_equal(str(cJSON_GetObjectItemCaseSensitive(lines[1], "document"), "sku"), "big");
  cJSON_Delete(lines[0]);
  cJSON_Delete(lines[1]);
  close_fixture(&f);
}

/* Insert mode: duplicates are counted, not failures; --dead-letter-duplicates makes them
 * failures. */
static void test_duplicates_dead_lettered_only_when_asked(void **state) {
  (void)state;
  NEED_SERVER();
  for (int asked = 0; asked <= 1; asked++) {
    fixture_t f;
    open_fixture(&f, "dups", ASR_WRITE_INSERT, NULL, &NO_BUDGET, asked);
    insert_direct(&f, "{\"_id\": {\"$oid\": \"650000000000000000000002\"}, \"v\": \"old\"}");
    add_doc(&f, "{\"_id\": {\"$oid\": \"650000000000000000000001\"}}");
    add_doc(&f, "{\"_id\": {\"$oid\": \"650000000000000000000002\"}, \"v\": \"new\"}");
    add_doc(&f, "{\"_id\": {\"$oid\": \"650000000000000000000003\"}}");
    f.docs.first_index = 10;
    asr_err_t err;
    asr_err_clear(&err);
    assert_int_equal(f.sink->vt->write(f.sink, f.w, 0, &f.docs, &err), 0);
    asr_sink_db_stats_t st;
    asr_sink_mongo_stats(f.sink, &st);
    assert_int_equal(st.docs_written, 2);
    assert_int_equal(st.duplicates, asked ? 0 : 1);
    assert_int_equal(asr_dead_letter_count(f.dl), asked ? 1 : 0);
    cJSON *lines[2];
    size_t n = read_lines(lines, 2);
    assert_int_equal(n, asked ? 1 : 0);
    if (n) {
      assert_int_equal((int)num(lines[0], "index"), 11);
      assert_string_equal(str(lines[0], "reason"), "duplicate");
      assert_int_equal((int)num(lines[0], "code"), 11000);
      assert_string_equal(str(cJSON_GetObjectItemCaseSensitive(lines[0], "document"), "v"), "new");
      cJSON_Delete(lines[0]);
    }
    close_fixture(&f);
  }
}

/* With the budget spent (--stopOnError), the batch fails with the budget's message. */
static void test_spent_budget_fails_the_batch(void **state) {
  (void)state;
  NEED_SERVER();
  fixture_t f;
  open_fixture(&f, "stop", ASR_WRITE_UPSERT, "sku", &STOP, 0);
  add_doc(&f, "{\"sku\": \"a\"}");
  add_doc(&f, "{\"nosku\": 1}");
  add_doc(&f, "{\"sku\": \"c\"}");
  f.docs.first_index = 40;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(f.sink->vt->write(f.sink, f.w, 0, &f.docs, &err), ASR_EDATA);
  char want[512];
  snprintf(want, sizeof want, "--stopOnError: stopped at the first document that failed for "
           "good: document 41 (invalid): no key field 'sku' (dead-lettered to %s)", g_path);
  assert_string_equal(err.msg, want);
  assert_int_equal(count(&f), 0); /* refused before anything was sent */
  close_fixture(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_server_refusal_is_dead_lettered),
      cmocka_unit_test(test_client_side_refusals_are_dead_lettered),
      cmocka_unit_test(test_duplicates_dead_lettered_only_when_asked),
      cmocka_unit_test(test_spent_budget_fails_the_batch),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
