/* Tests for index copy (mongo/indexes.h) against the test server (ctest fixture `mongo`,
 * URI in ASRUN_TEST_MONGO_URI; skipped without it).
 * The test server keeps key, name, unique, sparse and expireAfterSeconds of an index and
 * silently drops partialFilterExpression and collation (createIndexes accepts them,
 * listIndexes never shows them), and enforces nothing: so the checks are on the metadata it
 * keeps, compared with what it reports for the source. It also keeps an index engine per
 * namespace across drops, hence a database of its own per test run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mongo/indexes.h"

static char g_db[64];

#include "mongo_test.h"

static void conn_to(const char *coll, asr_mongo_conn_t *c) {
  asr_err_t err;
  asr_err_clear(&err);
  if (asr_mongo_connect(server_uri(), g_db, coll, 3000, 1, c, &err)) fail_msg("%s", err.msg);
}

/* Runs a command on g_db through the connection's pool. */
static void run(asr_mongo_conn_t *c, bson_t *cmd) {
  mongoc_client_t *client = mongoc_client_pool_pop(c->pool);
  bson_error_t e;
  bson_t reply;
  int ok = mongoc_client_command_simple(client, g_db, cmd, NULL, &reply, &e);
  bson_destroy(&reply);
  mongoc_client_pool_push(c->pool, client);
  if (!ok) fail_msg("command failed: %s", e.message);
  bson_destroy(cmd);
}

/* listIndexes of c's collection as relaxed JSON, one spec a line, sorted by name, without
 * the version field (the target chooses it). */
static char *index_list(asr_mongo_conn_t *c) {
  mongoc_client_t *client = mongoc_client_pool_pop(c->pool);
  mongoc_collection_t *coll = mongoc_client_get_collection(client, c->db, c->coll);
  mongoc_cursor_t *cur = mongoc_collection_find_indexes_with_opts(coll, NULL);
  const bson_t *doc;
  char *lines[32];
  size_t n = 0, total = 1;
  while (mongoc_cursor_next(cur, &doc)) {
    assert_true(n < 32);
    bson_t copy = BSON_INITIALIZER;
    bson_copy_to_excluding_noinit(doc, &copy, "v", NULL);
    lines[n] = bson_as_relaxed_extended_json(&copy, NULL);
    total += strlen(lines[n]) + 1;
    n++;
    bson_destroy(&copy);
  }
  bson_error_t e;
  if (mongoc_cursor_error(cur, &e)) fail_msg("listIndexes: %s", e.message);
  mongoc_cursor_destroy(cur);
  mongoc_collection_destroy(coll);
  mongoc_client_pool_push(c->pool, client);
  for (size_t i = 1; i < n; i++) /* insertion sort: a handful of lines */
    for (size_t j = i; j > 0 && strcmp(lines[j - 1], lines[j]) > 0; j--) {
      char *t = lines[j];
      lines[j] = lines[j - 1];
      lines[j - 1] = t;
    }
  char *out = malloc(total);
  out[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    strcat(out, lines[i]);
    strcat(out, "\n");
    bson_free(lines[i]);
  }
  return out;
}

/* Source: 3 secondary indexes, a unique one, a partial one (compound, descending first)
 * and a TTL one, plus a sparse one. */
static void make_source(asr_mongo_conn_t *src) {
  bson_t *doc = BCON_NEW("sku", "s-1", "price", BCON_INT32(12), "name", "n");
  mongoc_client_t *client = mongoc_client_pool_pop(src->pool);
  mongoc_collection_t *coll = mongoc_client_get_collection(client, src->db, src->coll);
  bson_error_t e;
  assert_true(mongoc_collection_insert_one(coll, doc, NULL, NULL, &e));
  mongoc_collection_destroy(coll);
  mongoc_client_pool_push(src->pool, client);
  bson_destroy(doc);
  run(src, BCON_NEW("createIndexes", BCON_UTF8(src->coll), "indexes", "[",
                    "{", "key", "{", "sku", BCON_INT32(1), "}", "name", "sku_1",
                         "unique", BCON_BOOL(true), "}",
                    "{", "key", "{", "price", BCON_INT32(-1), "name", BCON_INT32(1), "}",
                         "name", "price_name_partial",
                         "partialFilterExpression", "{", "price", "{", "$gt", BCON_INT32(10),
                         "}", "}", "}",
                    "{", "key", "{", "created", BCON_INT32(1), "}", "name", "ttl",
                         "expireAfterSeconds", BCON_INT32(3600), "}",
                    "{", "key", "{", "tag", BCON_INT32(1), "}", "name", "tag_sparse",
                         "sparse", BCON_BOOL(true), "}",
                    "]"));
}

static const char *const want_indexes =
    "{ \"key\" : { \"_id\" : 1 }, \"name\" : \"_id_\", \"unique\" : true }\n"
    "{ \"key\" : { \"created\" : 1 }, \"name\" : \"ttl\", \"expireAfterSeconds\" : 3600 }\n"
    "{ \"key\" : { \"price\" : -1, \"name\" : 1 }, \"name\" : \"price_name_partial\" }\n"
    "{ \"key\" : { \"sku\" : 1 }, \"name\" : \"sku_1\", \"unique\" : true }\n"
    "{ \"key\" : { \"tag\" : 1 }, \"name\" : \"tag_sparse\", \"sparse\" : true }\n";

static void test_copy_then_copy_again(void **state) {
  NEED_SERVER();
  asr_mongo_conn_t src, dst;
  conn_to("ix_src", &src);
  conn_to("ix_dst", &dst);
  make_source(&src);
  char *src_list = index_list(&src);
  assert_string_equal(src_list, want_indexes);

  asr_err_t err;
  asr_err_clear(&err);
  uint32_t copied = 99;
  if (asr_mongo_copy_indexes(&src, &dst, &copied, &err)) fail_msg("%s", err.msg);
  assert_int_equal(copied, 4);
  char *dst_list = index_list(&dst);
  assert_string_equal(dst_list, src_list); /* the target collection was created by it too */
  free(dst_list);

  /* again: everything is there already, identical */
  copied = 99;
  if (asr_mongo_copy_indexes(&src, &dst, &copied, &err)) fail_msg("%s", err.msg);
  assert_int_equal(copied, 0);
  dst_list = index_list(&dst);
  assert_string_equal(dst_list, src_list);
  free(dst_list);

  /* a target with some of them: only the others are created */
  asr_mongo_conn_t part;
  conn_to("ix_part", &part);
  run(&part, BCON_NEW("createIndexes", BCON_UTF8("ix_part"), "indexes", "[", "{", "key", "{",
                      "sku", BCON_INT32(1), "}", "name", "sku_1", "unique", BCON_BOOL(true),
                      "}", "]"));
  if (asr_mongo_copy_indexes(&src, &part, &copied, &err)) fail_msg("%s", err.msg);
  assert_int_equal(copied, 3);
  dst_list = index_list(&part);
  assert_string_equal(dst_list, src_list);
  free(dst_list);

  free(src_list);
  asr_mongo_conn_close(&part);
  asr_mongo_conn_close(&dst);
  asr_mongo_conn_close(&src);
}

static void expect_conflict(asr_mongo_conn_t *src, const char *coll, bson_t *index,
                            const char *want) {
  asr_mongo_conn_t dst;
  conn_to(coll, &dst);
  run(&dst, BCON_NEW("createIndexes", BCON_UTF8(coll), "indexes", "[", BCON_DOCUMENT(index),
                     "]"));
  bson_destroy(index);
  char *before = index_list(&dst);
  asr_err_t err;
  asr_err_clear(&err);
  uint32_t copied = 99;
  assert_int_equal(asr_mongo_copy_indexes(src, &dst, &copied, &err), ASR_EINVAL);
  assert_int_equal(copied, 0);
  if (strcmp(err.msg, want) != 0) fail_msg("\n got  %s\n want %s", err.msg, want);
  char *after = index_list(&dst); /* nothing was created */
  assert_string_equal(after, before);
  free(before);
  free(after);
  asr_mongo_conn_close(&dst);
}

static void test_conflicts_name_the_index(void **state) {
  NEED_SERVER();
  asr_mongo_conn_t src;
  conn_to("ix_src2", &src);
  make_source(&src);
  char want[1024];
  /* the same name, another key */
  snprintf(want, sizeof want,
           "index 'sku_1' exists on the target %s.ix_conflict_name with another definition: "
           "{ \"v\" : 2, \"key\" : { \"sku\" : -1 }, \"name\" : \"sku_1\" } (source: { \"v\" : "
           "2, \"key\" : { \"sku\" : 1 }, \"name\" : \"sku_1\", \"unique\" : true })", g_db);
  expect_conflict(&src, "ix_conflict_name",
                  BCON_NEW("key", "{", "sku", BCON_INT32(-1), "}", "name", "sku_1"), want);
  /* the same name and key, not unique */
  snprintf(want, sizeof want,
           "index 'sku_1' exists on the target %s.ix_conflict_unique with another definition: "
           "{ \"v\" : 2, \"key\" : { \"sku\" : 1 }, \"name\" : \"sku_1\" } (source: { \"v\" : "
           "2, \"key\" : { \"sku\" : 1 }, \"name\" : \"sku_1\", \"unique\" : true })", g_db);
  expect_conflict(&src, "ix_conflict_unique",
                  BCON_NEW("key", "{", "sku", BCON_INT32(1), "}", "name", "sku_1"), want);
  /* the same key under another name */
  snprintf(want, sizeof want,
           "index 'ttl' conflicts with index 'by_created' of the target %s.ix_conflict_key on "
           "the same key (drop or rename one): { \"v\" : 2, \"key\" : { \"created\" : 1 }, "
           "\"name\" : \"by_created\", \"expireAfterSeconds\" : 3600 } (source: { \"v\" : 2, "
           "\"key\" : { \"created\" : 1 }, \"name\" : \"ttl\", \"expireAfterSeconds\" : 3600 })",
           g_db);
  expect_conflict(&src, "ix_conflict_key",
                  BCON_NEW("key", "{", "created", BCON_DOUBLE(1.0), "}", "name", "by_created",
                           "expireAfterSeconds", BCON_INT64(3600)),
                  want);
  asr_mongo_conn_close(&src);
}

/* What MongoDB treats as the same index is the same: numbers by value, a false option as
 * none. */
static void test_equivalent_spellings_are_identical(void **state) {
  NEED_SERVER();
  asr_mongo_conn_t src, dst;
  conn_to("ix_src3", &src);
  conn_to("ix_dst3", &dst);
  run(&src, BCON_NEW("createIndexes", BCON_UTF8("ix_src3"), "indexes", "[", "{", "key", "{",
                     "a", BCON_INT32(1), "b", BCON_INT32(-1), "}", "name", "ab", "}", "]"));
  run(&dst, BCON_NEW("createIndexes", BCON_UTF8("ix_dst3"), "indexes", "[", "{", "key", "{",
                     "a", BCON_DOUBLE(1.0), "b", BCON_INT64(-1), "}", "name", "ab", "unique",
                     BCON_BOOL(false), "}", "]"));
  asr_err_t err;
  asr_err_clear(&err);
  uint32_t copied = 99;
  if (asr_mongo_copy_indexes(&src, &dst, &copied, &err)) fail_msg("%s", err.msg);
  assert_int_equal(copied, 0);
  asr_mongo_conn_close(&dst);

  /* key order matters: {b: -1, a: 1} is another index */
  conn_to("ix_dst4", &dst);
  run(&dst, BCON_NEW("createIndexes", BCON_UTF8("ix_dst4"), "indexes", "[", "{", "key", "{",
                     "b", BCON_INT32(-1), "a", BCON_INT32(1), "}", "name", "ab", "}", "]"));
  assert_int_equal(asr_mongo_copy_indexes(&src, &dst, &copied, &err), ASR_EINVAL);
  assert_non_null(strstr(err.msg, "index 'ab' exists on the target "));
  asr_mongo_conn_close(&dst);
  asr_mongo_conn_close(&src);
}

static void test_missing_source_and_names(void **state) {
  NEED_SERVER();
  asr_mongo_conn_t src, dst;
  conn_to("ix_never_created", &src);
  conn_to("ix_dst5", &dst);
  asr_err_t err;
  asr_err_clear(&err);
  uint32_t copied = 99;
  if (asr_mongo_copy_indexes(&src, &dst, &copied, &err)) fail_msg("%s", err.msg);
  assert_int_equal(copied, 0); /* no collection, no indexes */
  asr_mongo_conn_close(&src);

  asr_err_clear(&err);
  if (asr_mongo_connect(server_uri(), g_db, NULL, 3000, 0, &src, &err)) fail_msg("%s", err.msg);
  assert_int_equal(asr_mongo_copy_indexes(&src, &dst, &copied, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "copying indexes needs a source and a target collection");
  asr_mongo_conn_close(&src);
  asr_mongo_conn_close(&dst);
}

static int group_setup(void **state) {
  snprintf(g_db, sizeof g_db, "asrun_ix_%d", (int)getpid());
  return 0;
}

static int group_teardown(void **state) {
  if (server_uri()) {
    asr_mongo_conn_t c;
    asr_err_t err;
    asr_err_clear(&err);
    if (asr_mongo_connect(server_uri(), g_db, NULL, 3000, 0, &c, &err) == 0) {
      mongoc_client_t *client = mongoc_client_pool_pop(c.pool);
      mongoc_database_t *db = mongoc_client_get_database(client, g_db);
      mongoc_database_drop(db, NULL);
      mongoc_database_destroy(db);
      mongoc_client_pool_push(c.pool, client);
      asr_mongo_conn_close(&c);
    }
  }
  mongoc_cleanup();
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_copy_then_copy_again),
      cmocka_unit_test(test_conflicts_name_the_index),
      cmocka_unit_test(test_equivalent_spellings_are_identical),
      cmocka_unit_test(test_missing_source_and_names),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
