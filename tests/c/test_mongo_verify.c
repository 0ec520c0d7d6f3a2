/* Tests for --verify (mongo/verify.h) against the test server (ctest fixture `mongo`, URI
 * in ASRUN_TEST_MONGO_URI; skipped without it). A source collection of N documents is
 * copied to targets by hand, then damaged in one way per test.
 * The test server's $sample draws with replacement, so the tests that must see one given
 * document ask for many more than N (on MongoDB, a size over the count returns them all),
 * and the sample counts only distinct documents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mongo/verify.h"

#define N 120
#define ALL 5000 /* a sample that sees every one of N documents (see above) */

static char g_db[64];
static bson_oid_t ids[N];

#include "mongo_test.h"

static void conn_to(const char *coll, asr_mongo_conn_t *c) {
  asr_err_t err;
  asr_err_clear(&err);
  if (asr_mongo_connect(server_uri(), g_db, coll, 3000, 1, c, &err)) fail_msg("%s", err.msg);
}

/* {_id, sku, price, g, sub: {a, tags: [..]}}; rename: "cost" in place of "price". */
static bson_t *make_doc(int i, int rename) {
  char sku[16];
  snprintf(sku, sizeof sku, "s-%03d", i);
  return BCON_NEW("_id", BCON_OID(&ids[i]), "sku", BCON_UTF8(sku), rename ? "cost" : "price",
                  BCON_INT32(100 + i), "g", BCON_INT32(i % 3), "sub", "{", "a", BCON_INT32(i),
                  "tags", "[", "x", "y", "]", "}");
}

static void fill(asr_mongo_conn_t *c, int rename) {
  mongoc_client_t *client = mongoc_client_pool_pop(c->pool);
  mongoc_collection_t *coll = mongoc_client_get_collection(client, c->db, c->coll);
  bson_t *docs[N];
  for (int i = 0; i < N; i++) docs[i] = make_doc(i, rename);
  bson_error_t e;
  if (!mongoc_collection_insert_many(coll, (const bson_t **)docs, N, NULL, NULL, &e))
    fail_msg("insert: %s", e.message);
  for (int i = 0; i < N; i++) bson_destroy(docs[i]);
  mongoc_collection_destroy(coll);
  mongoc_client_pool_push(c->pool, client);
}

static void update(asr_mongo_conn_t *c, int i, bson_t *upd) {
  mongoc_client_t *client = mongoc_client_pool_pop(c->pool);
  mongoc_collection_t *coll = mongoc_client_get_collection(client, c->db, c->coll);
  bson_t *sel = BCON_NEW("_id", BCON_OID(&ids[i]));
  bson_error_t e;
  int ok = upd ? mongoc_collection_update_one(coll, sel, upd, NULL, NULL, &e)
               : mongoc_collection_delete_one(coll, sel, NULL, NULL, &e);
  if (!ok) fail_msg("update: %s", e.message);
  bson_destroy(sel);
  if (upd) bson_destroy(upd);
  mongoc_collection_destroy(coll);
  mongoc_client_pool_push(c->pool, client);
}

static asr_mongo_conn_t g_src;

static void verify(asr_mongo_conn_t *src, const char *filter, asr_mongo_conn_t *dst,
                   int64_t expected, uint32_t n, asr_verify_map_fn map, asr_verify_result_t *r) {
  asr_err_t err;
  asr_err_clear(&err);
  if (asr_mongo_verify(src, filter, NULL, dst, expected, n, map, NULL, r, &err))
    fail_msg("verify: %s", err.msg);
  assert_int_equal(r->expected, expected);
}

static void id_problem(char *out, size_t n, int i, const char *what) {
  char hex[25];
  bson_oid_to_string(&ids[i], hex);
  snprintf(out, n, "_id ObjectId(%s): %s", hex, what);
}

/* ---- the checks ---------------------------------------------------------------------- */

static void test_good_copy_passes(void **state) {
  NEED_SERVER();
  asr_mongo_conn_t dst;
  conn_to("good", &dst);
  fill(&dst, 0);
  asr_verify_result_t r;
  verify(&g_src, NULL, &dst, N, 40, NULL, &r);
  assert_int_equal(r.target_count, N);
  assert_true(r.sampled > 0 && r.sampled <= 40); /* distinct of 40 draws */
  assert_int_equal(r.missing, 0);
  assert_int_equal(r.mismatched, 0);
  assert_string_equal(r.first_problem, "");
  verify(&g_src, NULL, &dst, N, ALL, NULL, &r);
  assert_int_equal(r.sampled, N);
  assert_string_equal(r.first_problem, "");

  /* count only (a source that is not MongoDB): no sample */
  verify(NULL, NULL, &dst, N, 100, NULL, &r);
  assert_int_equal(r.target_count, N);
  assert_int_equal(r.sampled, 0);
  assert_string_equal(r.first_problem, "");
  verify(NULL, NULL, &dst, N + 1, 0, NULL, &r);
  char want[256];
  snprintf(want, sizeof want, "the target %s.good holds %d documents, expected %d", g_db, N,
           N + 1);
  assert_string_equal(r.first_problem, want);
  asr_mongo_conn_close(&dst);
}

static void test_removed_document_is_missing(void **state) {
  NEED_SERVER();
  asr_mongo_conn_t dst;
  conn_to("removed", &dst);
  fill(&dst, 0);
  update(&dst, 57, NULL);
  asr_verify_result_t r;
  verify(&g_src, NULL, &dst, N, ALL, NULL, &r);
  assert_int_equal(r.target_count, N - 1); /* the count is off */
  assert_int_equal(r.sampled, N);
  assert_int_equal(r.missing, 1);
  assert_int_equal(r.mismatched, 0);
  char want[256];
  id_problem(want, sizeof want, 57, "not in the target");
  assert_string_equal(r.first_problem, want);
  asr_mongo_conn_close(&dst);
}

static void test_changed_field_is_named(void **state) {
  NEED_SERVER();
  asr_mongo_conn_t dst;
  conn_to("changed", &dst);
  fill(&dst, 0);
  update(&dst, 9, BCON_NEW("$set", "{", "price", BCON_INT32(1), "}"));
  asr_verify_result_t r;
  verify(&g_src, NULL, &dst, N, ALL, NULL, &r);
  assert_int_equal(r.target_count, N);
  assert_int_equal(r.missing, 0);
  assert_int_equal(r.mismatched, 1);
  char want[256];
  id_problem(want, sizeof want, 9, "field 'price' differs");
  assert_string_equal(r.first_problem, want);
  asr_mongo_conn_close(&dst);

  /* inside an embedded array; a type change (int32 -> string) is a difference (the test
   * server keeps no integral double: it would store 2.0 as int32) */
  conn_to("changed_deep", &dst);
  fill(&dst, 0);
  update(&dst, 3, BCON_NEW("$set", "{", "sub.tags.1", "z", "}"));
  update(&dst, 4, BCON_NEW("$set", "{", "g", BCON_UTF8("1"), "}"));
  verify(&g_src, NULL, &dst, N, ALL, NULL, &r);
  if (r.mismatched != 2) fail_msg("mismatched %u: %s", r.mismatched, r.first_problem);
  /* the first problem in sample order is either of the two */
  char want3[256], want4[256];
  id_problem(want3, sizeof want3, 3, "field 'sub.tags.1' differs");
  id_problem(want4, sizeof want4, 4, "field 'g' differs");
  if (strcmp(r.first_problem, want3) && strcmp(r.first_problem, want4))
    fail_msg("first problem: %s", r.first_problem);
  asr_mongo_conn_close(&dst);

  /* a field only in the target */
  conn_to("changed_extra", &dst);
  fill(&dst, 0);
  update(&dst, 11, BCON_NEW("$set", "{", "extra", BCON_BOOL(true), "}"));
  verify(&g_src, NULL, &dst, N, ALL, NULL, &r);
  assert_int_equal(r.mismatched, 1);
  id_problem(want, sizeof want, 11, "field 'extra' is only in the target");
  assert_string_equal(r.first_problem, want);
  asr_mongo_conn_close(&dst);
}

/* The transform renames price to cost (in place). */
static int rename_price(void *ud, const uint8_t *doc, uint32_t len, asr_docs_t *out,
                        asr_err_t *err) {
  bson_iter_t it;
  bson_t b = BSON_INITIALIZER;
  if (!bson_iter_init_from_data(&it, doc, len))
    return asr_err_set(err, ASR_EDATA, "bad document");
  while (bson_iter_next(&it)) {
    const char *k = bson_iter_key(&it);
    bson_append_iter(&b, strcmp(k, "price") == 0 ? "cost" : k, -1, &it);
  }
  int rc = asr_docs_append_bson(out, &b);
  bson_destroy(&b);
  return rc;
}

static int failing_map(void *ud, const uint8_t *doc, uint32_t len, asr_docs_t *out,
                       asr_err_t *err) {
  return asr_err_set(err, ASR_ESCRIPT, "transform.lua:3: boom");
}

static void test_map_is_applied_before_comparing(void **state) {
  NEED_SERVER();
  asr_mongo_conn_t dst;
  conn_to("renamed", &dst);
  fill(&dst, 1);
  asr_verify_result_t r;
  verify(&g_src, NULL, &dst, N, ALL, rename_price, &r);
  assert_int_equal(r.sampled, N);
  assert_int_equal(r.missing + r.mismatched, 0);
  assert_string_equal(r.first_problem, "");
  /* without it, every document differs */
  verify(&g_src, NULL, &dst, N, ALL, NULL, &r);
  assert_int_equal(r.mismatched, N);
  assert_non_null(strstr(r.first_problem, "): field 'price' is missing in the target"));

  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_mongo_verify(&g_src, NULL, NULL, &dst, N, 5, failing_map, NULL, &r, &err),
                   ASR_ESCRIPT);
  assert_string_equal(err.msg, "verify: the transform: transform.lua:3: boom");
  asr_mongo_conn_close(&dst);
}

/* The filter limits the sample (and the count is the caller's to give). */
static void test_filter_applies_to_the_sample(void **state) {
  NEED_SERVER();
  asr_mongo_conn_t dst;
  conn_to("filtered", &dst);
  mongoc_client_t *client = mongoc_client_pool_pop(dst.pool);
  mongoc_collection_t *coll = mongoc_client_get_collection(client, dst.db, dst.coll);
  int n = 0;
  for (int i = 0; i < N; i++) {
    if (i % 3 != 1) continue;
    bson_t *d = make_doc(i, 0);
    assert_true(mongoc_collection_insert_one(coll, d, NULL, NULL, NULL));
    bson_destroy(d);
    n++;
  }
  mongoc_collection_destroy(coll);
  mongoc_client_pool_push(dst.pool, client);
  asr_verify_result_t r;
  verify(&g_src, "{\"g\": 1}", &dst, n, ALL, NULL, &r);
  assert_int_equal(r.sampled, n);
  assert_int_equal(r.target_count, n);
  assert_string_equal(r.first_problem, "");
  /* unfiltered, the others are missing */
  verify(&g_src, NULL, &dst, n, ALL, NULL, &r);
  assert_int_equal(r.missing, N - n);

  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_mongo_verify(&g_src, "{\"g\": }", NULL, &dst, n, 5, NULL, NULL, &r, &err),
                   ASR_EINVAL);
  assert_non_null(strstr(err.msg, "verify: the filter is not valid Extended JSON: "));
  asr_err_clear(&err);
  assert_int_equal(asr_mongo_verify(&g_src, "[]", NULL, &dst, n, 5, NULL, NULL, &r, &err),
                   ASR_EINVAL);
  assert_string_equal(err.msg, "verify: the filter must be a JSON object, got: []");
  asr_mongo_conn_close(&dst);
}

/* An empty (never created) source and target: nothing to sample, counts 0 == 0. */
static void test_empty_collections(void **state) {
  NEED_SERVER();
  asr_mongo_conn_t src, dst;
  conn_to("empty_src", &src);
  conn_to("empty_dst", &dst);
  asr_verify_result_t r;
  verify(&src, NULL, &dst, 0, 50, NULL, &r);
  assert_int_equal(r.target_count, 0);
  assert_int_equal(r.sampled, 0);
  assert_string_equal(r.first_problem, "");
  asr_mongo_conn_close(&dst);
  asr_mongo_conn_close(&src);
}

/* ---- setup --------------------------------------------------------------------------- */

static int group_setup(void **state) {
  snprintf(g_db, sizeof g_db, "asrun_verify_%d", (int)getpid());
  if (!server_uri()) return 0;
  for (int i = 0; i < N; i++) bson_oid_init(&ids[i], NULL);
  conn_to("source", &g_src);
  fill(&g_src, 0);
  return 0;
}

static int group_teardown(void **state) {
  if (server_uri()) {
    mongoc_client_t *client = mongoc_client_pool_pop(g_src.pool);
    mongoc_database_t *db = mongoc_client_get_database(client, g_db);
    mongoc_database_drop(db, NULL);
    mongoc_database_destroy(db);
    mongoc_client_pool_push(g_src.pool, client);
    asr_mongo_conn_close(&g_src);
  }
  mongoc_cleanup();
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_good_copy_passes),
      cmocka_unit_test(test_removed_document_is_missing),
      cmocka_unit_test(test_changed_field_is_named),
      cmocka_unit_test(test_map_is_applied_before_comparing),
      cmocka_unit_test(test_filter_applies_to_the_sample),
      cmocka_unit_test(test_empty_collections),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
