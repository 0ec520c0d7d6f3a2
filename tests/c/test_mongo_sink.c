/* The MongoDB sink against a real wire-protocol server (ASRUN_TEST_MONGO_URI, e.g.
 * mongodb://127.0.0.1:27999; the tests that need it skip without it) and the open-time
 * checks that need none. The test server's limits shape the data: ObjectId _ids only, no
 * int64 (small ones come back as int32), no integral doubles, upserts under 5k documents.
 * Every test works in its own collection of a database named after the process. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <mongoc/mongoc.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "sinks/mongo.h"

#define NTHREADS 3
#define BATCH 1000

#include "mongo_test.h"

static char g_db[64];

/* A client of the test's own, to look at what the sink wrote. */
static mongoc_collection_t *open_coll(mongoc_client_t **client, const char *coll) {
  *client = mongoc_client_new(server_uri());
  assert_non_null(*client);
  mongoc_client_set_error_api(*client, 2);
  mongoc_collection_t *c = mongoc_client_get_collection(*client, g_db, coll);
  mongoc_collection_drop(c, NULL);
  return c;
}

/* Undoes open_coll: drops the test's collection and lets the client go. */
static void close_coll(mongoc_collection_t *c, mongoc_client_t *client) {
  mongoc_collection_drop(c, NULL);
  mongoc_collection_destroy(c);
  mongoc_client_destroy(client);
}

static int64_t count(mongoc_collection_t *c, const bson_t *filter) {
  bson_error_t e;
  bson_t empty = BSON_INITIALIZER;
  int64_t n = mongoc_collection_count_documents(c, filter ? filter : &empty, NULL, NULL, NULL, &e);
  if (n < 0) fail_msg("count: %s", e.message);
  return n;
}

/* One document found by filter {field: i} (the caller destroys it), or NULL. */
static bson_t *find_one(mongoc_collection_t *c, const char *field, int32_t i) {
  bson_t filter = BSON_INITIALIZER;
  BSON_APPEND_INT32(&filter, field, i);
  mongoc_cursor_t *cur = mongoc_collection_find_with_opts(c, &filter, NULL, NULL);
  const bson_t *doc;
  bson_t *out = NULL;
  if (mongoc_cursor_next(cur, &doc)) out = bson_copy(doc);
  mongoc_cursor_destroy(cur);
  bson_destroy(&filter);
  return out;
}

static asr_mongo_target_t target(const char *coll) {
  asr_mongo_target_t t;
  memset(&t, 0, sizeof t);
  t.uri = server_uri();
  t.database = g_db;
  t.collection = coll;
  t.pool_size = 1;
  t.server_selection_timeout_ms = 5000;
  return t;
}

static asr_sink_t *open_sink_with(const asr_mongo_target_t *t, const asr_sink_options_t *opt) {
  asr_sink_t *s = NULL;
  asr_err_t err;
  asr_err_clear(&err);
  int rc = asr_sink_mongo_open(t, opt, &s, &err);
  if (rc) fail_msg("open: %s", err.msg);
  return s;
}

static asr_sink_t *open_sink(const asr_mongo_target_t *t) { return open_sink_with(t, NULL); }

/* A test ObjectId: a per-process prefix, then i. */
static void test_oid(uint32_t i, bson_oid_t *oid) {
  uint8_t b[12] = {0x65, 0x00, 0x00, 0x00};
  uint32_t pid = (uint32_t)getpid();
  memcpy(b + 4, &pid, 4);
  b[8] = (uint8_t)(i >> 24);
  b[9] = (uint8_t)(i >> 16);
  b[10] = (uint8_t)(i >> 8);
  b[11] = (uint8_t)i;
  bson_oid_init_from_data(oid, b);
}

/* Document i of the generated stream. */
static void make_doc(bson_t *b, uint32_t i, int with_id) {
  bson_t child;
  bson_oid_t oid;
  char name[32];
  bson_reinit(b);
  if (with_id) {
    test_oid(i, &oid);
    BSON_APPEND_OID(b, "_id", &oid);
  }
  BSON_APPEND_INT32(b, "i", (int32_t)i);
  snprintf(name, sizeof name, "doc-%u", i);
  BSON_APPEND_UTF8(b, "name", name);
  BSON_APPEND_DOUBLE(b, "score", i + 0.25);
  BSON_APPEND_BOOL(b, "even", i % 2 == 0);
  BSON_APPEND_DOCUMENT_BEGIN(b, "nested", &child);
  BSON_APPEND_INT32(&child, "x", (int32_t)(i * 2));
  BSON_APPEND_UTF8(&child, "tag", i % 3 ? "b" : "a");
  bson_append_document_end(b, &child);
}

static void write_batch(asr_sink_t *s, asr_sink_worker_t *w, uint64_t seq, asr_docs_t *d) {
  asr_err_t err;
  asr_err_clear(&err);
  int rc = s->vt->write(s, w, seq, d, &err);
  if (rc) fail_msg("write batch %llu: %s", (unsigned long long)seq, err.msg);
}

/* ---- insert from three workers -------------------------------------------------- */

typedef struct job {
  asr_sink_t *sink;
  int tid;
  uint32_t nbatches;
  int rc;
  char msg[1024];
} job_t;

static void writer(void *arg) {
  job_t *j = arg;
  asr_err_t err;
  asr_err_clear(&err);
  asr_sink_worker_t *w;
  asr_docs_t d;
  asr_docs_init(&d);
  bson_t *b = bson_new();
  if ((j->rc = j->sink->vt->worker_open(j->sink, &w, &err))) goto done;
  for (uint32_t seq = (uint32_t)j->tid; seq < j->nbatches && !j->rc; seq += NTHREADS) {
    asr_docs_reset(&d);
    for (uint32_t k = 0; k < BATCH; k++) {
      make_doc(b, seq * BATCH + k, 1);
      asr_docs_append_bson(&d, b);
    }
    j->rc = j->sink->vt->write(j->sink, w, seq, &d, &err);
  }
  j->sink->vt->worker_close(j->sink, w);
done:
  snprintf(j->msg, sizeof j->msg, "%s", err.msg);
  bson_destroy(b);
  asr_docs_free(&d);
}

static void test_insert_from_three_workers(void **state) {
  NEED_SERVER();
  const uint32_t nbatches = 60, n = nbatches * BATCH;
  mongoc_client_t *client;
  mongoc_collection_t *c = open_coll(&client, "insert3");
  asr_mongo_target_t t = target("insert3");
  asr_sink_t *s = open_sink(&t);
  assert_non_null(strstr(s->description, "insert, unordered"));
  uv_thread_t th[NTHREADS];
  job_t jobs[NTHREADS];
  uint64_t t0 = uv_hrtime();
  for (int i = 0; i < NTHREADS; i++) {
    jobs[i] = (job_t){s, i, nbatches, 0, ""};
    uv_thread_create(&th[i], writer, &jobs[i]);
  }
  for (int i = 0; i < NTHREADS; i++) uv_thread_join(&th[i]);
  double secs = (double)(uv_hrtime() - t0) / 1e9;
  for (int i = 0; i < NTHREADS; i++)
    if (jobs[i].rc) fail_msg("worker %d: %s", i, jobs[i].msg);
  print_message("insert: %u docs, %d workers, batch %d: %.2f s, %.0f docs/s\n", n, NTHREADS,
                BATCH, secs, n / secs);
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(s->vt->finish(s, &err), 0);
  asr_sink_db_stats_t st;
  asr_sink_mongo_stats(s, &st);
  assert_int_equal(st.docs_written, n);
  assert_int_equal(st.batches, nbatches);
  assert_int_equal(st.duplicates, 0);
  assert_int_equal(st.failed, 0);
  assert_int_equal(st.retries, 0);
  assert_int_equal(st.pool_in_use, 0);
  assert_int_equal(st.pool_size, NTHREADS); /* grew from 1 as the workers opened */
  assert_true(st.latency_us_total > 0);
  assert_true(st.request_charge == 0.0); /* the test server has no request charges */
  asr_sink_destroy(s);

  assert_int_equal(count(c, NULL), n);
  bson_t *want = bson_new();
  uint64_t rng = 1;
  for (int k = 0; k < 100; k++) {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    uint32_t i = (uint32_t)(rng >> 33) % n;
    bson_t *got = find_one(c, "i", (int32_t)i);
    assert_non_null(got);
    make_doc(want, i, 1);
    if (!bson_equal(got, want)) {
      char *g = bson_as_relaxed_extended_json(got, NULL), *w = bson_as_relaxed_extended_json(want, NULL);
      fail_msg("document %u differs:\n got %s\nwant %s", i, g, w);
    }
    bson_destroy(got);
  }
  bson_destroy(want);
  close_coll(c, client);
}

/* ---- insert: _ids, duplicates, limits ------------------------------------------- */

static void test_documents_without_id_get_one(void **state) {
  NEED_SERVER();
  mongoc_client_t *client;
  mongoc_collection_t *c = open_coll(&client, "noid");
  asr_mongo_target_t t = target("noid");
  asr_sink_t *s = open_sink(&t);
  asr_sink_worker_t *w;
  assert_int_equal(s->vt->worker_open(s, &w, NULL), 0);
  asr_docs_t d;
  asr_docs_init(&d);
  bson_t *b = bson_new();
  for (uint32_t i = 0; i < 10; i++) {
    make_doc(b, i, i >= 5); /* 0..4 without _id, 5..9 with */
    asr_docs_append_bson(&d, b);
  }
  write_batch(s, w, 0, &d);
  s->vt->worker_close(s, w);
  asr_sink_destroy(s);
  assert_int_equal(count(c, NULL), 10);
  bson_t *want = bson_new();
  for (uint32_t i = 0; i < 10; i++) {
    bson_t *got = find_one(c, "i", (int32_t)i);
    assert_non_null(got);
    bson_iter_t it;
    assert_true(bson_iter_init_find(&it, got, "_id"));
    assert_true(BSON_ITER_HOLDS_OID(&it));
    bson_oid_t oid;
    test_oid(i, &oid);
    if (i >= 5) assert_int_equal(bson_oid_equal(bson_iter_oid(&it), &oid), 1);
    else assert_int_equal(bson_oid_equal(bson_iter_oid(&it), &oid), 0);
    /* The rest of the document is as sent, after the _id. */
    make_doc(want, i, 0);
    bson_t rest = BSON_INITIALIZER;
    bson_copy_to_excluding_noinit(got, &rest, "_id", NULL);
    assert_true(bson_equal(&rest, want));
    bson_destroy(&rest);
    bson_destroy(got);
  }
  bson_destroy(want);
  bson_destroy(b);
  asr_docs_free(&d);
  close_coll(c, client);
}

static void run_duplicates(int ordered) {
  mongoc_client_t *client;
  const char *name = ordered ? "dups_ordered" : "dups";
  mongoc_collection_t *c = open_coll(&client, name);
  asr_mongo_target_t t = target(name);
  t.ordered = ordered;
  asr_sink_t *s = open_sink(&t);
  asr_sink_worker_t *w;
  assert_int_equal(s->vt->worker_open(s, &w, NULL), 0);
  asr_docs_t d;
  asr_docs_init(&d);
  bson_t *b = bson_new();
  /* Batch 0: documents 0..99. Batch 1: 100..149, then 10..14 again (existing _ids), then
   * 150..159, with 150 twice in the batch. */
  for (uint32_t i = 0; i < 100; i++) {
    make_doc(b, i, 1);
    asr_docs_append_bson(&d, b);
  }
  write_batch(s, w, 0, &d);
  asr_docs_reset(&d);
  for (uint32_t i = 100; i < 150; i++) {
    make_doc(b, i, 1);
    asr_docs_append_bson(&d, b);
  }
  for (uint32_t i = 10; i < 15; i++) {
    make_doc(b, i, 1);
    asr_docs_append_bson(&d, b);
  }
  for (uint32_t i = 150; i < 160; i++) {
    make_doc(b, i, 1);
    asr_docs_append_bson(&d, b);
    if (i == 150) asr_docs_append_bson(&d, b);
  }
  write_batch(s, w, 1, &d);
  s->vt->worker_close(s, w);
  asr_sink_db_stats_t st;
  asr_sink_mongo_stats(s, &st);
  assert_int_equal(st.docs_written, 160);
  assert_int_equal(st.duplicates, 6);
  assert_int_equal(st.failed, 0);
  assert_int_equal(st.retries, 0); /* a duplicate is final, not retried */
  asr_mongo_samples_t sm;
  asr_sink_mongo_samples(s, &sm);
  assert_int_equal(sm.nduplicate_ids, 6);
  char hex[25], want[96];
  bson_oid_t oid;
  test_oid(10, &oid);
  bson_oid_to_string(&oid, hex);
  snprintf(want, sizeof want, "{\"$oid\": \"%s\"}", hex);
  assert_string_equal(sm.duplicate_ids[0], want);
  test_oid(150, &oid);
  bson_oid_to_string(&oid, hex);
  snprintf(want, sizeof want, "{\"$oid\": \"%s\"}", hex);
  assert_string_equal(sm.duplicate_ids[5], want);
  asr_sink_destroy(s);
  assert_int_equal(count(c, NULL), 160); /* nothing else lost */
  bson_destroy(b);
  asr_docs_free(&d);
  close_coll(c, client);
}

static void test_duplicates_are_counted(void **state) {
  NEED_SERVER();
  run_duplicates(0);
}

/* Ordered bulks stop at a duplicate; the sink goes on with the documents after it. */
static void test_duplicates_in_ordered_bulks(void **state) {
  NEED_SERVER();
  run_duplicates(1);
}

static void test_write_concerns_pass_through(void **state) {
  NEED_SERVER();
  static const char *const wcs[] = {"majority", "1", "0"};
  mongoc_client_t *client;
  mongoc_collection_t *c = open_coll(&client, "wc");
  for (int k = 0; k < 3; k++) {
    asr_mongo_target_t t = target("wc");
    t.write_concern = wcs[k];
    asr_sink_t *s = open_sink(&t);
    char want[64];
    snprintf(want, sizeof want, ", w=%s)", wcs[k]);
    assert_non_null(strstr(s->description, want));
    asr_sink_worker_t *w;
    assert_int_equal(s->vt->worker_open(s, &w, NULL), 0);
    asr_docs_t d;
    asr_docs_init(&d);
    bson_t *b = bson_new();
    for (uint32_t i = 0; i < 10; i++) {
      make_doc(b, (uint32_t)k * 10 + i, 1);
      asr_docs_append_bson(&d, b);
    }
    write_batch(s, w, 0, &d);
    s->vt->worker_close(s, w);
    asr_sink_db_stats_t st;
    asr_sink_mongo_stats(s, &st);
    assert_int_equal(st.docs_written, 10);
    asr_sink_destroy(s);
    bson_destroy(b);
    asr_docs_free(&d);
  }
  for (int tries = 0; tries < 100 && count(c, NULL) < 30; tries++) usleep(10000); /* w:0 */
  assert_int_equal(count(c, NULL), 30);
  close_coll(c, client);
}

static void test_oversized_document_fails_alone(void **state) {
  NEED_SERVER();
  mongoc_client_t *client;
  mongoc_collection_t *c = open_coll(&client, "big");
  asr_mongo_target_t t = target("big");
  asr_sink_t *s = open_sink(&t);
  asr_sink_worker_t *w;
  assert_int_equal(s->vt->worker_open(s, &w, NULL), 0);
  asr_docs_t d;
  asr_docs_init(&d);
  bson_t *b = bson_new();
  make_doc(b, 0, 1);
  asr_docs_append_bson(&d, b);
  size_t big = 17u * 1024 * 1024;
  char *blob = malloc(big + 1);
  memset(blob, 'x', big);
  blob[big] = '\0';
  bson_reinit(b);
  BSON_APPEND_INT32(b, "i", 1);
  BSON_APPEND_UTF8(b, "blob", blob);
  asr_docs_append_bson(&d, b);
  free(blob);
  make_doc(b, 2, 1);
  asr_docs_append_bson(&d, b);
  write_batch(s, w, 7, &d);
  s->vt->worker_close(s, w);
  asr_sink_db_stats_t st;
  asr_sink_mongo_stats(s, &st);
  assert_int_equal(st.docs_written, 2);
  assert_int_equal(st.failed, 1);
  asr_mongo_samples_t sm;
  asr_sink_mongo_samples(s, &sm);
  assert_int_equal(sm.nfailures, 1);
  assert_string_equal(sm.failures[0], "batch 7 document 1: 17825815 bytes, over the 16777216-byte "
                                      "document limit of the server");
  asr_sink_destroy(s);
  assert_int_equal(count(c, NULL), 2);
  bson_destroy(b);
  asr_docs_free(&d);
  close_coll(c, client);
}

/* ---- upsert, merge, delete by key fields ----------------------------------------- */

#define NKEYED 2000

/* Keyed document i: no _id (the server assigns one on insert and keeps it on replace). */
static void keyed_doc(bson_t *b, uint32_t i, int version, int merge_shape) {
  char sku[32];
  bson_reinit(b);
  snprintf(sku, sizeof sku, "sku-%05u", i);
  BSON_APPEND_UTF8(b, "sku", sku);
  BSON_APPEND_UTF8(b, "region", i % 2 ? "eu" : "us");
  BSON_APPEND_INT32(b, "i", (int32_t)i);
  if (merge_shape && version == 2) {
    BSON_APPEND_INT32(b, "b", 2);
    BSON_APPEND_INT32(b, "c", (int32_t)(i + 3));
  } else {
    BSON_APPEND_INT32(b, "version", version);
    BSON_APPEND_INT32(b, "a", 1);
    BSON_APPEND_INT32(b, "b", 1);
  }
}

static void write_keyed(asr_sink_t *s, uint32_t from, uint32_t to, int version, int merge_shape) {
  asr_sink_worker_t *w;
  assert_int_equal(s->vt->worker_open(s, &w, NULL), 0);
  asr_docs_t d;
  asr_docs_init(&d);
  bson_t *b = bson_new();
  uint64_t seq = 0;
  for (uint32_t i = from; i < to; i++) {
    keyed_doc(b, i, version, merge_shape);
    asr_docs_append_bson(&d, b);
    if (d.count == 500 || i + 1 == to) {
      write_batch(s, w, seq++, &d);
      asr_docs_reset(&d);
    }
  }
  s->vt->worker_close(s, w);
  bson_destroy(b);
  asr_docs_free(&d);
}

static int32_t int_field(const bson_t *doc, const char *key) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, doc, key)) return -1;
  return (int32_t)bson_iter_as_int64(&it);
}

static void test_upsert_by_key_fields(void **state) {
  NEED_SERVER();
  mongoc_client_t *client;
  mongoc_collection_t *c = open_coll(&client, "upsert");
  static const char *const keys[] = {"sku", "region"};
  asr_mongo_target_t t = target("upsert");
  t.mode = ASR_WRITE_UPSERT;
  t.keys = keys;
  t.nkeys = 2;
  asr_sink_t *s = open_sink(&t);
  write_keyed(s, 0, NKEYED, 1, 0);
  assert_int_equal(count(c, NULL), NKEYED);
  bson_t *first = find_one(c, "i", 1234);
  assert_non_null(first);
  write_keyed(s, 0, NKEYED, 2, 0); /* the same keys again: replaced, not added */
  asr_sink_db_stats_t st;
  asr_sink_mongo_stats(s, &st);
  assert_int_equal(st.docs_written, 2 * NKEYED);
  assert_int_equal(st.failed, 0);
  asr_sink_destroy(s);
  assert_int_equal(count(c, NULL), NKEYED);
  bson_t filter = BSON_INITIALIZER;
  BSON_APPEND_INT32(&filter, "version", 2);
  assert_int_equal(count(c, &filter), NKEYED);
  bson_destroy(&filter);
  bson_t *doc = find_one(c, "i", 1234);
  bson_iter_t a, b;
  assert_true(bson_iter_init_find(&a, first, "_id") && bson_iter_init_find(&b, doc, "_id"));
  assert_true(bson_oid_equal(bson_iter_oid(&a), bson_iter_oid(&b))); /* same document */
  assert_int_equal(int_field(doc, "version"), 2);
  bson_destroy(first);
  bson_destroy(doc);
  close_coll(c, client);
}

static void test_merge_by_key_field(void **state) {
  NEED_SERVER();
  mongoc_client_t *client;
  mongoc_collection_t *c = open_coll(&client, "merge");
  static const char *const keys[] = {"sku"};
  asr_mongo_target_t t = target("merge");
  t.mode = ASR_WRITE_MERGE;
  t.keys = keys;
  t.nkeys = 1;
  asr_sink_t *s = open_sink(&t);
  write_keyed(s, 0, NKEYED, 1, 1);
  write_keyed(s, 0, NKEYED, 2, 1); /* {b: 2, c: i+3} merged into {a: 1, b: 1} */
  asr_sink_destroy(s);
  assert_int_equal(count(c, NULL), NKEYED);
  for (uint32_t i = 0; i < NKEYED; i += 97) {
    bson_t *doc = find_one(c, "i", (int32_t)i);
    assert_non_null(doc);
    assert_int_equal(int_field(doc, "a"), 1); /* kept */
    assert_int_equal(int_field(doc, "b"), 2); /* updated */
    assert_int_equal(int_field(doc, "c"), (int32_t)(i + 3)); /* added */
    assert_int_equal(int_field(doc, "version"), 1);
    bson_destroy(doc);
  }
  close_coll(c, client);
}

static void test_delete_by_key_field(void **state) {
  NEED_SERVER();
  mongoc_client_t *client;
  mongoc_collection_t *c = open_coll(&client, "delete");
  static const char *const keys[] = {"sku"};
  asr_mongo_target_t t = target("delete");
  t.mode = ASR_WRITE_UPSERT;
  t.keys = keys;
  t.nkeys = 1;
  asr_sink_t *s = open_sink(&t);
  write_keyed(s, 0, NKEYED, 1, 0);
  asr_sink_destroy(s);
  t.mode = ASR_WRITE_DELETE;
  s = open_sink(&t);
  write_keyed(s, 500, 1000, 1, 0);
  asr_sink_db_stats_t st;
  asr_sink_mongo_stats(s, &st);
  assert_int_equal(st.docs_written, 500);
  asr_sink_destroy(s);
  assert_int_equal(count(c, NULL), NKEYED - 500);
  bson_t *gone = find_one(c, "i", 777), *kept = find_one(c, "i", 1777);
  assert_null(gone);
  assert_non_null(kept);
  bson_destroy(kept);
  close_coll(c, client);
}

static void test_missing_key_field_fails_that_document(void **state) {
  NEED_SERVER();
  mongoc_client_t *client;
  mongoc_collection_t *c = open_coll(&client, "nokey");
  static const char *const keys[] = {"sku"};
  asr_mongo_target_t t = target("nokey");
  t.mode = ASR_WRITE_UPSERT;
  t.keys = keys;
  t.nkeys = 1;
  asr_sink_t *s = open_sink(&t);
  asr_sink_worker_t *w;
  assert_int_equal(s->vt->worker_open(s, &w, NULL), 0);
  asr_docs_t d;
  asr_docs_init(&d);
  bson_t *b = bson_new();
  for (uint32_t i = 0; i < 3; i++) {
    keyed_doc(b, i, 1, 0);
    if (i == 1) {
      bson_reinit(b);
      BSON_APPEND_INT32(b, "i", 1);
    }
    asr_docs_append_bson(&d, b);
  }
  write_batch(s, w, 3, &d);
  s->vt->worker_close(s, w);
  asr_sink_db_stats_t st;
  asr_sink_mongo_stats(s, &st);
  assert_int_equal(st.docs_written, 2);
  assert_int_equal(st.failed, 1);
  asr_mongo_samples_t sm;
  asr_sink_mongo_samples(s, &sm);
  assert_int_equal(sm.nfailures, 1);
  assert_string_equal(sm.failures[0], "batch 3 document 1: no key field 'sku'");
  asr_sink_destroy(s);
  assert_int_equal(count(c, NULL), 2);
  bson_destroy(b);
  asr_docs_free(&d);
  close_coll(c, client);
}

/* ---- faults between the sink and the real server ------------------------------------
 * A loopback proxy in front of the test server relays whole wire messages. It can answer
 * the next insert commands itself with a server error (Cosmos DB throttling, a transient
 * error) without passing them on, or pass the next insert on and then cut the connection
 * before its reply (the server wrote the documents; the sink cannot know). */

typedef struct proxy {
  int lfd, port, target_port;
  uv_thread_t acceptor;
  _Atomic int stop, inserts, fake_left, drop_next;
  int cosmos; /* answer getLastRequestStatistics as Cosmos DB does */
  int32_t fake_code;
  char fake_msg[200];
  uv_mutex_t mu; /* guards conns */
  struct conn *conns[64];
  int nconns;
} proxy_t;

typedef struct conn {
  proxy_t *p;
  int cfd, sfd;
  _Atomic int doomed;
  uv_mutex_t wmu; /* writes to the client socket */
  uv_thread_t up, down;
} conn_t;

static int read_full(int fd, uint8_t *b, size_t n) {
  while (n) {
    ssize_t k = read(fd, b, n);
    if (k <= 0) return -1;
    b += k;
    n -= (size_t)k;
  }
  return 0;
}

static int write_full(int fd, const uint8_t *b, size_t n) {
  while (n) {
    ssize_t k = write(fd, b, n);
    if (k <= 0) return -1;
    b += k;
    n -= (size_t)k;
  }
  return 0;
}

/* One length-prefixed wire message (the caller frees it), or NULL at the end. */
static uint8_t *read_msg(int fd, uint32_t *len) {
  uint8_t head[4];
  if (read_full(fd, head, 4)) return NULL;
  memcpy(len, head, 4);
  if (*len < 16 || *len > 64u * 1024 * 1024) return NULL;
  uint8_t *m = malloc(*len);
  memcpy(m, head, 4);
  if (read_full(fd, m + 4, *len - 4)) {
    free(m);
    return NULL;
  }
  return m;
}

/* OP_MSG whose body starts with the command name. */
static int is_command(const uint8_t *m, uint32_t len, const char *name) {
  int32_t op;
  size_t n = strlen(name) + 1;
  memcpy(&op, m + 12, 4);
  return op == 2013 && len > 26 + n && m[20] == 0 && memcmp(m + 26, name, n) == 0;
}

/* Answers the request m with body (destroyed here). */
static void fake_reply(conn_t *c, const uint8_t *m, bson_t *body) {
  uint32_t len = 16 + 4 + 1 + body->len;
  uint8_t *r = calloc(1, len);
  int32_t op = 2013, id = 4242;
  memcpy(r, &len, 4);
  memcpy(r + 4, &id, 4);
  memcpy(r + 8, m + 4, 4); /* responseTo: the request's id */
  memcpy(r + 12, &op, 4);
  memcpy(r + 21, bson_get_data(body), body->len);
  uv_mutex_lock(&c->wmu);
  write_full(c->cfd, r, len);
  uv_mutex_unlock(&c->wmu);
  free(r);
  bson_destroy(body);
}

static void relay_up(void *arg) { /* client -> server */
  conn_t *c = arg;
  uint32_t len;
  uint8_t *m;
  while ((m = read_msg(c->cfd, &len))) {
    int fwd = 1;
    if (c->p->cosmos && is_command(m, len, "getLastRequestStatistics")) {
      bson_t *body = bson_new();
      BSON_APPEND_UTF8(body, "CommandName", "insert");
      BSON_APPEND_DOUBLE(body, "RequestCharge", 7.25);
      BSON_APPEND_INT32(body, "RequestDurationInMilliSeconds", 3);
      BSON_APPEND_DOUBLE(body, "ok", 1.0);
      fake_reply(c, m, body);
      fwd = 0;
    } else if (is_command(m, len, "insert")) {
      atomic_fetch_add(&c->p->inserts, 1);
      if (atomic_load(&c->p->fake_left) > 0) {
        atomic_fetch_sub(&c->p->fake_left, 1);
        bson_t *body = bson_new();
        BSON_APPEND_DOUBLE(body, "ok", 0.0);
        BSON_APPEND_UTF8(body, "errmsg", c->p->fake_msg);
        BSON_APPEND_INT32(body, "code", c->p->fake_code);
        fake_reply(c, m, body);
        fwd = 0;
      } else if (atomic_exchange(&c->p->drop_next, 0)) {
        atomic_store(&c->doomed, 1);
      }
    }
    int rc = fwd ? write_full(c->sfd, m, len) : 0;
    free(m);
    if (rc) break;
  }
  shutdown(c->cfd, SHUT_RDWR);
  shutdown(c->sfd, SHUT_RDWR);
}

static void relay_down(void *arg) { /* server -> client */
  conn_t *c = arg;
  uint32_t len;
  uint8_t *m;
  while ((m = read_msg(c->sfd, &len))) {
    if (atomic_load(&c->doomed)) { /* the insert was applied; its reply is lost */
      free(m);
      break;
    }
    uv_mutex_lock(&c->wmu);
    int rc = write_full(c->cfd, m, len);
    uv_mutex_unlock(&c->wmu);
    free(m);
    if (rc) break;
  }
  shutdown(c->cfd, SHUT_RDWR);
  shutdown(c->sfd, SHUT_RDWR);
}

static void acceptor(void *arg) {
  proxy_t *p = arg;
  for (;;) {
    int cfd = accept(p->lfd, NULL, NULL);
    if (cfd < 0 || atomic_load(&p->stop)) {
      if (cfd >= 0) close(cfd);
      return;
    }
    int sfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)p->target_port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(sfd, (struct sockaddr *)&a, sizeof a) != 0) {
      close(cfd);
      close(sfd);
      continue;
    }
    conn_t *c = calloc(1, sizeof *c);
    c->p = p;
    c->cfd = cfd;
    c->sfd = sfd;
    uv_mutex_init(&c->wmu);
    uv_mutex_lock(&p->mu);
    if (p->nconns < 64) {
      p->conns[p->nconns++] = c;
      uv_thread_create(&c->up, relay_up, c);
      uv_thread_create(&c->down, relay_down, c);
    }
    uv_mutex_unlock(&p->mu);
  }
}

/* Starts the proxy in front of the test server (a loopback URI); 0 when it has another
 * shape. */
static int proxy_start(proxy_t *p) {
  memset(p, 0, sizeof *p);
  const char *u = server_uri();
  const char *hp = strstr(u, "127.0.0.1:");
  if (!hp) hp = strstr(u, "localhost:");
  if (!hp) return 0;
  p->target_port = atoi(strchr(hp, ':') + 1);
  p->lfd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  assert_int_equal(bind(p->lfd, (struct sockaddr *)&a, sizeof a), 0);
  socklen_t len = sizeof a;
  getsockname(p->lfd, (struct sockaddr *)&a, &len);
  p->port = ntohs(a.sin_port);
  assert_int_equal(listen(p->lfd, 16), 0);
  uv_mutex_init(&p->mu);
  uv_thread_create(&p->acceptor, acceptor, p);
  return 1;
}

static void proxy_stop(proxy_t *p) {
  atomic_store(&p->stop, 1);
  shutdown(p->lfd, SHUT_RDWR);
  uv_thread_join(&p->acceptor);
  close(p->lfd);
  for (int i = 0; i < p->nconns; i++) {
    conn_t *c = p->conns[i];
    shutdown(c->cfd, SHUT_RDWR);
    shutdown(c->sfd, SHUT_RDWR);
    uv_thread_join(&c->up);
    uv_thread_join(&c->down);
    close(c->cfd);
    close(c->sfd);
    uv_mutex_destroy(&c->wmu);
    free(c);
  }
  uv_mutex_destroy(&p->mu);
}

#define NEED_PROXY(p)                                                                    \
  do {                                                                                   \
    NEED_SERVER();                                                                       \
    if (!proxy_start(p)) {                                                               \
      print_message("ASRUN_TEST_MONGO_URI is not a loopback host:port: test skipped\n"); \
      skip();                                                                            \
    }                                                                                    \
  } while (0)

static asr_mongo_target_t proxied(proxy_t *p, const char *coll, char *uri, size_t n) {
  asr_mongo_target_t t = target(coll);
  snprintf(uri, n, "mongodb://127.0.0.1:%d/", p->port);
  t.uri = uri;
  return t;
}

/* Writes nbatches batches of BATCH generated documents through one worker. Returns the
 * first failing write's code (message in err). */
static int write_generated(asr_sink_t *s, uint32_t nbatches, asr_err_t *err) {
  asr_sink_worker_t *w;
  asr_docs_t d;
  int rc = 0;
  asr_docs_init(&d);
  bson_t *b = bson_new();
  asr_err_clear(err);
  assert_int_equal(s->vt->worker_open(s, &w, NULL), 0);
  for (uint32_t seq = 0; seq < nbatches && !rc; seq++) {
    asr_docs_reset(&d);
    for (uint32_t k = 0; k < BATCH; k++) {
      make_doc(b, seq * BATCH + k, 0); /* no _id: the sink gives each one before sending */
      asr_docs_append_bson(&d, b);
    }
    rc = s->vt->write(s, w, seq, &d, err);
  }
  s->vt->worker_close(s, w);
  bson_destroy(b);
  asr_docs_free(&d);
  return rc;
}

static void test_lost_reply_is_retried_without_duplicates(void **state) {
  proxy_t p;
  NEED_PROXY(&p);
  char uri[64];
  mongoc_client_t *client;
  mongoc_collection_t *c = open_coll(&client, "lost_reply");
  asr_mongo_target_t t = proxied(&p, "lost_reply", uri, sizeof uri);
  asr_sink_t *s = open_sink(&t);
  atomic_store(&p.drop_next, 1); /* the first insert is applied, its reply lost */
  asr_err_t err;
  assert_int_equal(write_generated(s, 5, &err), 0);
  asr_sink_db_stats_t st;
  asr_sink_mongo_stats(s, &st);
  asr_sink_destroy(s);
  proxy_stop(&p);
  /* The retry found the batch's documents written (duplicate keys on the _ids the sink had
   * given them): counted as written, not as duplicates, and nothing is in twice. */
  assert_int_equal(st.docs_written, 5 * BATCH);
  assert_int_equal(st.duplicates, 0);
  assert_int_equal(st.failed, 0);
  assert_true(st.retries >= 1);
  assert_int_equal(st.throttles, 0);
  assert_int_equal(count(c, NULL), 5 * BATCH);
  for (uint32_t i = 0; i < 5 * BATCH; i += 611) {
    bson_t *doc = find_one(c, "i", (int32_t)i);
    assert_non_null(doc);
    bson_destroy(doc);
  }
  close_coll(c, client);
}

static void test_throttled_batches_wait_and_retry(void **state) {
  proxy_t p;
  NEED_PROXY(&p);
  char uri[64];
  mongoc_client_t *client;
  mongoc_collection_t *c = open_coll(&client, "throttled");
  asr_mongo_target_t t = proxied(&p, "throttled", uri, sizeof uri);
  asr_sink_t *s = open_sink(&t);
  p.fake_code = 16500;
  snprintf(p.fake_msg, sizeof p.fake_msg,
           "Error=16500, RetryAfterMs=40, Details='Response status code does not indicate "
           "success: TooManyRequests (429); Substatus: 3200'");
  atomic_store(&p.fake_left, 3);
  asr_err_t err;
  uint64_t t0 = uv_hrtime();
  assert_int_equal(write_generated(s, 2, &err), 0);
  uint64_t ms = (uv_hrtime() - t0) / 1000000;
  asr_sink_db_stats_t st;
  asr_sink_mongo_stats(s, &st);
  asr_sink_destroy(s);
  proxy_stop(&p);
  assert_int_equal(st.docs_written, 2 * BATCH);
  assert_int_equal(st.throttles, 3);
  assert_int_equal(st.retries, 3);
  assert_int_equal(st.duplicates, 0);
  assert_int_equal(atomic_load(&p.inserts), 5); /* 3 throttled + 2 written */
  assert_true(ms >= 3 * 40);                    /* waited at least RetryAfterMs each time */
  assert_true(st.latency_us_total >= 3 * 40 * 1000);
  assert_int_equal(count(c, NULL), 2 * BATCH);
  close_coll(c, client);
}

static void test_transient_error_is_retried(void **state) {
  proxy_t p;
  NEED_PROXY(&p);
  char uri[64];
  mongoc_client_t *client;
  mongoc_collection_t *c = open_coll(&client, "transient");
  asr_mongo_target_t t = proxied(&p, "transient", uri, sizeof uri);
  asr_sink_t *s = open_sink(&t);
  p.fake_code = 11602;
  snprintf(p.fake_msg, sizeof p.fake_msg, "operation was interrupted");
  atomic_store(&p.fake_left, 2);
  asr_err_t err;
  assert_int_equal(write_generated(s, 3, &err), 0);
  asr_sink_db_stats_t st;
  asr_sink_mongo_stats(s, &st);
  asr_sink_destroy(s);
  proxy_stop(&p);
  assert_int_equal(st.docs_written, 3 * BATCH);
  assert_int_equal(st.retries, 2);
  assert_int_equal(st.throttles, 0);
  assert_int_equal(count(c, NULL), 3 * BATCH);
  close_coll(c, client);
}

/* A storm of 40 throttled replies in a row: more than the 10 retries a batch used to get,
 * well inside the default budget of minutes. */
static void test_throttling_storm_is_outlasted(void **state) {
  proxy_t p;
  NEED_PROXY(&p);
  char uri[64];
  mongoc_client_t *client;
  mongoc_collection_t *c = open_coll(&client, "storm");
  asr_mongo_target_t t = proxied(&p, "storm", uri, sizeof uri);
  asr_sink_t *s = open_sink(&t);
  p.fake_code = 16500;
  snprintf(p.fake_msg, sizeof p.fake_msg, "Request rate is large. RetryAfterMs=5");
  atomic_store(&p.fake_left, 40);
  asr_err_t err;
  assert_int_equal(write_generated(s, 2, &err), 0);
  asr_sink_db_stats_t st;
  asr_sink_mongo_stats(s, &st);
  asr_sink_destroy(s);
  proxy_stop(&p);
  assert_int_equal(st.docs_written, 2 * BATCH);
  assert_int_equal(st.throttles, 40);
  assert_int_equal(st.retries, 40);
  assert_int_equal(atomic_load(&p.inserts), 42); /* 40 throttled + 2 written */
  assert_int_equal(count(c, NULL), 2 * BATCH);
  close_coll(c, client);
}

/* With a budget of 0.3 s, a batch throttled without end gives up once the budget is spent,
 * and says for how long it retried, how often, and why. */
static void test_retries_run_out(void **state) {
  proxy_t p;
  NEED_PROXY(&p);
  char uri[64], want[512];
  mongoc_client_t *client;
  mongoc_collection_t *c = open_coll(&client, "give_up");
  asr_mongo_target_t t = proxied(&p, "give_up", uri, sizeof uri);
  t.retry_for_ms = 300;
  asr_sink_t *s = open_sink(&t);
  p.fake_code = 16500;
  snprintf(p.fake_msg, sizeof p.fake_msg, "Request rate is large. RetryAfterMs=10");
  atomic_store(&p.fake_left, 1000000);
  asr_err_t err;
  uint64_t t0 = uv_hrtime();
  assert_int_equal(write_generated(s, 1, &err), ASR_EIO);
  uint64_t ms = (uv_hrtime() - t0) / 1000000;
  asr_sink_db_stats_t st;
  asr_sink_mongo_stats(s, &st);
  snprintf(want, sizeof want, "cannot write batch 0 to %s.give_up: 1000 documents not written "
           "after retrying for 0.", g_db);
  assert_true(strncmp(err.msg, want, strlen(want)) == 0);
  snprintf(want, sizeof want, " s (%llu retries, --retry-for 0.3 s; last error: Request rate is "
           "large. RetryAfterMs=10)", (unsigned long long)st.retries);
  assert_non_null(strstr(err.msg, want));
  assert_true(ms >= 300); /* the whole budget was used */
  assert_int_equal(st.docs_written, 0);
  assert_true(st.retries >= 1);
  assert_int_equal(st.throttles, st.retries + 1); /* the last throttle is not retried */
  asr_sink_destroy(s);
  proxy_stop(&p);
  assert_int_equal(count(c, NULL), 0);
  mongoc_collection_destroy(c);
  mongoc_client_destroy(client);
}

/* A budget of 0 (--retry-for 0): the first throttled reply fails the batch. */
static void test_no_retries_with_a_zero_budget(void **state) {
  proxy_t p;
  NEED_PROXY(&p);
  char uri[64];
  mongoc_client_t *client;
  mongoc_collection_t *c = open_coll(&client, "no_retry");
  asr_mongo_target_t t = proxied(&p, "no_retry", uri, sizeof uri);
  t.retry_for_ms = -1;
  asr_sink_t *s = open_sink(&t);
  p.fake_code = 16500;
  snprintf(p.fake_msg, sizeof p.fake_msg, "Request rate is large. RetryAfterMs=10");
  atomic_store(&p.fake_left, 1);
  asr_err_t err;
  assert_int_equal(write_generated(s, 1, &err), ASR_EIO);
  assert_non_null(strstr(err.msg, "(0 retries, --retry-for 0.0 s; last error: Request rate"));
  asr_sink_db_stats_t st;
  asr_sink_mongo_stats(s, &st);
  assert_int_equal(st.throttles, 1);
  assert_int_equal(st.retries, 0);
  asr_sink_destroy(s);
  proxy_stop(&p);
  close_coll(c, client);
}

/* A server that answers getLastRequestStatistics is Cosmos DB (request-unit account): the
 * sink adds up the charge of every bulk and holds documents to Cosmos DB's 2 MB. */
static void test_cosmos_request_charge_and_document_limit(void **state) {
  proxy_t p;
  NEED_PROXY(&p);
  char uri[64];
  mongoc_client_t *client;
  mongoc_collection_t *c = open_coll(&client, "cosmos");
  p.cosmos = 1;
  asr_mongo_target_t t = proxied(&p, "cosmos", uri, sizeof uri);
  asr_sink_t *s = open_sink(&t);
  assert_true(strncmp(s->description, "Cosmos DB for MongoDB 127.0.0.1:", 32) == 0);
  asr_err_t err;
  assert_int_equal(write_generated(s, 4, &err), 0);
  asr_sink_worker_t *w;
  assert_int_equal(s->vt->worker_open(s, &w, NULL), 0);
  asr_docs_t d;
  asr_docs_init(&d);
  bson_t *b = bson_new();
  size_t big = 2u * 1024 * 1024;
  char *blob = malloc(big + 1);
  memset(blob, 'x', big);
  blob[big] = '\0';
  BSON_APPEND_UTF8(b, "blob", blob); /* just over 2 MB with its framing */
  free(blob);
  asr_docs_append_bson(&d, b);
  write_batch(s, w, 4, &d);
  s->vt->worker_close(s, w);
  asr_sink_db_stats_t st;
  asr_sink_mongo_stats(s, &st);
  asr_mongo_samples_t sm;
  asr_sink_mongo_samples(s, &sm);
  asr_sink_destroy(s);
  proxy_stop(&p);
  assert_int_equal(st.docs_written, 4 * BATCH);
  assert_int_equal(st.failed, 1);
  assert_true(st.request_charge == 4 * 7.25); /* one charge per bulk, the probe not counted */
  assert_int_equal(sm.nfailures, 1);
  assert_string_equal(sm.failures[0], "batch 4 document 0: 2097168 bytes, over the 2097152-byte "
                                      "document limit of Cosmos DB");
  assert_int_equal(count(c, NULL), 4 * BATCH);
  bson_destroy(b);
  asr_docs_free(&d);
  close_coll(c, client);
}

/* Aborts once the writer has booked the 16500 and its RetryAfterMs (the last thing it does
 * before the 20 s retry wait): a wait on the sink's own stats, not a guessed delay, so the
 * abort comes during the wait (or a few instructions before it, which the wait checks too),
 * never before the first attempt. Gives up after 30 s and says so in saw_throttle. */
typedef struct aborter {
  asr_sink_t *s;
  int saw_throttle;
  uint64_t aborted_at; /* uv_hrtime */
  int stop_only;       /* the run stops (vt->stopping) instead of aborting */
} aborter_t;

static void abort_during_retry_wait(void *arg) {
  aborter_t *a = arg;
  uint64_t deadline = uv_hrtime() + 30ull * 1000000000u;
  while (uv_hrtime() < deadline) {
    asr_sink_db_stats_t st;
    asr_sink_mongo_stats(a->s, &st);
    if (st.retry_after_ms_max >= 20000) {
      a->saw_throttle = 1;
      break;
    }
    uv_sleep(1);
  }
  a->aborted_at = uv_hrtime();
  if (a->stop_only) a->s->vt->stopping(a->s);
  else a->s->vt->abort(a->s, 0);
}

static void test_abort_wakes_a_waiting_writer(void **state) {
  proxy_t p;
  NEED_PROXY(&p);
  char uri[64];
  mongoc_client_t *client;
  mongoc_collection_t *c = open_coll(&client, "aborted");
  asr_mongo_target_t t = proxied(&p, "aborted", uri, sizeof uri);
  asr_sink_t *s = open_sink(&t);
  p.fake_code = 16500;
  snprintf(p.fake_msg, sizeof p.fake_msg, "Request rate is large. RetryAfterMs=20000");
  atomic_store(&p.fake_left, 1000);
  aborter_t a = {s, 0, 0, 0};
  uv_thread_t th;
  uv_thread_create(&th, abort_during_retry_wait, &a);
  asr_err_t err;
  assert_int_equal(write_generated(s, 1, &err), ASR_ECANCELED);
  uint64_t returned_at = uv_hrtime();
  uv_thread_join(&th);
  assert_true(a.saw_throttle);
  assert_true((returned_at - a.aborted_at) / 1000000 < 2000); /* not the 20 s wait */
  asr_sink_db_stats_t st;
  asr_sink_mongo_stats(s, &st);
  assert_int_equal(st.throttles, 1); /* one attempt, answered 16500, then the wait */
  assert_int_equal(st.retries, 1);
  assert_int_equal(st.docs_written, 0);
  asr_sink_destroy(s);
  proxy_stop(&p);
  mongoc_collection_destroy(c);
  mongoc_client_destroy(client);
}

/* A stopping run (the first interrupt) does not sit out a retry wait: the batch ends as
 * interrupted at once, and says what it was waiting for. */
static void test_stopping_ends_a_retry_wait(void **state) {
  proxy_t p;
  NEED_PROXY(&p);
  char uri[64];
  mongoc_client_t *client;
  mongoc_collection_t *c = open_coll(&client, "stopping");
  asr_mongo_target_t t = proxied(&p, "stopping", uri, sizeof uri);
  asr_sink_t *s = open_sink(&t);
  p.fake_code = 16500;
  snprintf(p.fake_msg, sizeof p.fake_msg, "Request rate is large. RetryAfterMs=20000");
  atomic_store(&p.fake_left, 1000);
  aborter_t a = {s, 0, 0, 1};
  uv_thread_t th;
  uv_thread_create(&th, abort_during_retry_wait, &a);
  asr_err_t err;
  assert_int_equal(write_generated(s, 1, &err), ASR_ECANCELED);
  assert_string_equal(err.msg, "run stopped while batch 0 waited to retry 1000 documents (last "
                      "error: Request rate is large. RetryAfterMs=20000)");
  uint64_t returned_at = uv_hrtime();
  uv_thread_join(&th);
  assert_true(a.saw_throttle);
  assert_true((returned_at - a.aborted_at) / 1000000 < 2000); /* not the 20 s wait */
  asr_sink_db_stats_t st;
  asr_sink_mongo_stats(s, &st);
  assert_int_equal(st.throttles, 1); /* one attempt, answered 16500, then the wait */
  assert_int_equal(st.retries, 1);
  assert_int_equal(st.docs_written, 0);
  asr_sink_destroy(s);
  proxy_stop(&p);
  mongoc_collection_destroy(c);
  mongoc_client_destroy(client);
}

/* ---- open: errors ------------------------------------------------------------------ */

static int open_err(const asr_mongo_target_t *t, int dry_run, asr_err_t *err) {
  asr_sink_t *s = NULL;
  asr_sink_options_t opt = {.dry_run = dry_run};
  asr_err_clear(err);
  int rc = asr_sink_mongo_open(t, &opt, &s, err);
  if (s) asr_sink_destroy(s);
  if (rc == 0) return 0;
  assert_null(s);
  return rc;
}

/* A loopback port with nothing listening. */
static int free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  socklen_t len = sizeof a;
  getsockname(fd, (struct sockaddr *)&a, &len);
  close(fd);
  return ntohs(a.sin_port);
}

static void test_unreachable_server(void **state) {
  char uri[128], want[128];
  int port = free_port();
  snprintf(uri, sizeof uri, "mongodb://127.0.0.1:%d/db.coll", port);
  asr_mongo_target_t t;
  memset(&t, 0, sizeof t);
  t.uri = uri;
  t.server_selection_timeout_ms = 500;
  asr_err_t err;
  uint64_t t0 = uv_hrtime();
  assert_int_equal(open_err(&t, 0, &err), ASR_EINVAL);
  double secs = (double)(uv_hrtime() - t0) / 1e9;
  snprintf(want, sizeof want, "cannot reach 127.0.0.1:%d within 500 ms: ", port);
  if (strncmp(err.msg, want, strlen(want)) != 0) fail_msg("message: %s", err.msg);
  assert_true(secs >= 0.4 && secs < 3.0);
  /* The same in a dry run: nothing is written, the check is the same. */
  assert_int_equal(open_err(&t, 1, &err), ASR_EINVAL);
  assert_true(strncmp(err.msg, want, strlen(want)) == 0);
}

static void test_unknown_uri_option(void **state) {
  asr_mongo_target_t t;
  memset(&t, 0, sizeof t);
  t.uri = "mongodb://u:Secr3tPw@127.0.0.1:1/db.coll?w=1&fooBar=1";
  asr_err_t err;
  assert_int_equal(open_err(&t, 0, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "invalid MongoDB URI mongodb://u:****@127.0.0.1:1/db.coll?w=1&"
                               "fooBar=1: unknown option 'fooBar' (see the connection string "
                               "options of the MongoDB manual)");
}

static void test_malformed_uris(void **state) {
  asr_mongo_target_t t;
  memset(&t, 0, sizeof t);
  asr_err_t err;
  t.uri = "mongodb://u:Secr3t/Pw@h:27017/db.coll";
  assert_int_equal(open_err(&t, 0, &err), ASR_EINVAL);
  assert_null(strstr(err.msg, "Secr3t"));
  assert_non_null(strstr(err.msg, "invalid MongoDB URI mongodb://u:****@h:27017/db.coll: "));
  t.uri = "mongodb://127.0.0.1:1/db.coll?ssl=maybe";
  assert_int_equal(open_err(&t, 0, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "invalid MongoDB URI mongodb://127.0.0.1:1/db.coll?ssl=maybe: "
                               "Unsupported value for \"ssl\": \"maybe\"");
  t.uri = "mongodb://";
  assert_int_equal(open_err(&t, 0, &err), ASR_EINVAL);
  assert_non_null(strstr(err.msg, "invalid MongoDB URI mongodb://: "));
  t.uri = "";
  assert_int_equal(open_err(&t, 0, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "no MongoDB URI given");
}

static void test_missing_database_or_collection(void **state) {
  asr_mongo_target_t t;
  memset(&t, 0, sizeof t);
  asr_err_t err;
  t.uri = "mongodb://127.0.0.1:1/";
  assert_int_equal(open_err(&t, 0, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "MongoDB URI mongodb://127.0.0.1:1/: no database name (put it "
                               "in the URI path as /database.collection or set it in the "
                               "strategy)");
  t.uri = "mongodb://127.0.0.1:1/shop";
  assert_int_equal(open_err(&t, 0, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "MongoDB URI mongodb://127.0.0.1:1/shop: no collection name "
                               "(put it in the URI path as /database.collection or set it in "
                               "the strategy)");
  t.uri = "mongodb://127.0.0.1:1/?w=1";
  t.database = "bad.name";
  t.collection = "c";
  assert_int_equal(open_err(&t, 0, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "MongoDB URI mongodb://127.0.0.1:1/?w=1: invalid database name "
                               "'bad.name'");
}

static void test_bad_write_concern_and_keys(void **state) {
  asr_mongo_target_t t;
  memset(&t, 0, sizeof t);
  asr_err_t err;
  t.uri = "mongodb://127.0.0.1:1/db.coll";
  t.write_concern = "most";
  assert_int_equal(open_err(&t, 0, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "target mongodb://127.0.0.1:1/db.coll: write concern 'most' (use "
                               "\"majority\" or a number of nodes)");
  static const char *const keys[] = {"sku", "$bad"};
  t.write_concern = NULL;
  t.mode = ASR_WRITE_MERGE;
  t.keys = keys;
  t.nkeys = 2;
  assert_int_equal(open_err(&t, 0, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "target mongodb://127.0.0.1:1/db.coll: invalid key field '$bad'");
}

/* The connection string as the Azure portal gives it parses; the error is about reaching
 * the account (no network here), not about the URI. */
static void test_cosmos_connection_string_parses(void **state) {
  asr_mongo_target_t t;
  memset(&t, 0, sizeof t);
  t.uri = "mongodb://acct:AbCdEfGh0123456789abcdefGHIJ==@acct.mongo.cosmos.azure.com:10255/"
          "?ssl=true&replicaSet=globaldb&retrywrites=false&maxIdleTimeMS=120000&appName=@acct@";
  t.database = "shop";
  t.collection = "orders";
  t.server_selection_timeout_ms = 300;
  asr_err_t err;
  assert_int_equal(open_err(&t, 1, &err), ASR_EINVAL);
  if (strncmp(err.msg, "cannot reach acct.mongo.cosmos.azure.com:10255 within 300 ms: ",
              62) != 0)
    fail_msg("message: %s", err.msg);
  assert_null(strstr(err.msg, "AbCdEf"));
}

static void test_bad_credentials_hide_the_password(void **state) {
  NEED_SERVER();
  const char *base = server_uri() + strlen("mongodb://");
  char uri[256];
  snprintf(uri, sizeof uri, "mongodb://bob:Sup3rSecretPw@%s%sdb.coll", base,
           strchr(base, '/') ? "" : "/");
  asr_mongo_target_t t;
  memset(&t, 0, sizeof t);
  t.uri = uri;
  t.server_selection_timeout_ms = 2000;
  asr_err_t err;
  assert_int_equal(open_err(&t, 0, &err), ASR_EINVAL);
  assert_null(strstr(err.msg, "Sup3rSecretPw"));
  assert_non_null(strstr(err.msg, "authentication failed on "));
  assert_non_null(strstr(err.msg, "as user 'bob' (authSource db)"));
}

static void test_dry_run_only_pings(void **state) {
  NEED_SERVER();
  mongoc_client_t *client;
  mongoc_collection_t *c = open_coll(&client, "dry");
  asr_mongo_target_t t = target("dry");
  asr_sink_options_t opt = {.dry_run = 1};
  asr_sink_t *s = NULL;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_sink_mongo_open(&t, &opt, &s, &err), 0);
  asr_sink_worker_t *w;
  assert_int_equal(s->vt->worker_open(s, &w, NULL), 0);
  asr_docs_t d;
  asr_docs_init(&d);
  bson_t *b = bson_new();
  make_doc(b, 1, 1);
  asr_docs_append_bson(&d, b);
  write_batch(s, w, 0, &d);
  s->vt->worker_close(s, w);
  asr_sink_destroy(s);
  assert_int_equal(count(c, NULL), 0);
  bson_destroy(b);
  asr_docs_free(&d);
  mongoc_collection_destroy(c);
  mongoc_client_destroy(client);
}

static int group_setup(void **state) {
  mongoc_init();
  snprintf(g_db, sizeof g_db, "asrun_sink_%d", (int)getpid());
  return 0;
}

static int group_teardown(void **state) {
  if (server_uri()) {
    mongoc_client_t *client = mongoc_client_new(server_uri());
    mongoc_database_t *db = mongoc_client_get_database(client, g_db);
    mongoc_database_drop(db, NULL);
    mongoc_database_destroy(db);
    mongoc_client_destroy(client);
  }
  return 0;
}

/* ---- the RU governor (sinks/ru_governor.h) ------------------------------------------
 * Through the proxy answering as Cosmos DB: every bulk is charged 7.25 RU. */
#define BULK_RU 7.25

static double seconds(void) { return (double)uv_hrtime() / 1e9; }

static asr_ru_governor_t *given_governor(double ru_per_second) {
  asr_ru_governor_config_t gc = {.target_ru_per_second = ru_per_second, .fraction = 1};
  asr_ru_governor_t *g = asr_ru_governor_new(&gc);
  assert_non_null(g);
  return g;
}

/* Teaches the governor the charge per document (one reply of BATCH documents for BULK_RU),
 * as the first write of a run would; that write's charge is a debt of BULK_RU. */
static void teach(asr_ru_governor_t *g) {
  asr_ru_governor_record(g, seconds(), BATCH, BULK_RU, BATCH, 0);
}

/* Two bulks a second given: the taught write's debt and four bulks take 2 s (unpaced, the
 * four take a tenth of that). */
static void test_ru_governor_paces_each_bulk(void **state) {
  proxy_t p;
  NEED_PROXY(&p);
  char uri[64];
  mongoc_client_t *client;
  mongoc_collection_t *c = open_coll(&client, "governed");
  p.cosmos = 1;
  asr_mongo_target_t t = proxied(&p, "governed", uri, sizeof uri);
  asr_ru_governor_t *g = given_governor(2 * BULK_RU);
  asr_sink_options_t opt = {.governor = g};
  asr_sink_t *s = open_sink_with(&t, &opt);
  asr_err_t err;
  double t0 = seconds();
  teach(g);
  assert_int_equal(write_generated(s, 4, &err), 0);
  double took = seconds() - t0;
  asr_sink_db_stats_t st;
  asr_sink_mongo_stats(s, &st);
  asr_sink_destroy(s);
  proxy_stop(&p);
  assert_true(took >= 1.9);
  assert_int_equal(st.docs_written, 4 * BATCH);
  assert_true(st.request_charge == 4 * BULK_RU);
  assert_true(asr_ru_governor_rate(g) == 2 * BULK_RU);
  assert_int_equal(count(c, NULL), 4 * BATCH);
  asr_ru_governor_free(g);
  close_coll(c, client);
}

/* Learning: the proxy throttles the first bulk; the governor measures the charge accepted
 * after it and starts pacing. */
static void test_ru_governor_learns_from_a_throttled_bulk(void **state) {
  proxy_t p;
  NEED_PROXY(&p);
  char uri[64];
  mongoc_client_t *client;
  mongoc_collection_t *c = open_coll(&client, "governed_learning");
  p.cosmos = 1;
  p.fake_code = 16500;
  snprintf(p.fake_msg, sizeof p.fake_msg, "Request rate is large. RetryAfterMs=10");
  atomic_store(&p.fake_left, 1);
  asr_mongo_target_t t = proxied(&p, "governed_learning", uri, sizeof uri);
  asr_ru_governor_config_t gc = {.target_ru_per_second = 0, .fraction = 0.9};
  asr_ru_governor_t *g = asr_ru_governor_new(&gc);
  asr_sink_options_t opt = {.governor = g};
  asr_sink_t *s = open_sink_with(&t, &opt);
  asr_err_t err;
  uint32_t batches = 0;
  double deadline = seconds() + 30;
  assert_true(asr_ru_governor_rate(g) == 0);
  while (asr_ru_governor_rate(g) == 0 && seconds() < deadline) {
    assert_int_equal(write_generated(s, 1, &err), 0);
    batches++;
  }
  asr_sink_db_stats_t st;
  asr_sink_mongo_stats(s, &st);
  asr_sink_destroy(s);
  proxy_stop(&p);
  assert_true(asr_ru_governor_rate(g) > 0);
  assert_int_equal(st.throttles, 1);
  assert_int_equal(st.docs_written, (uint64_t)batches * BATCH);
  asr_ru_governor_free(g);
  close_coll(c, client);
}

static void abort_soon(void *arg) {
  uv_sleep(200);
  asr_sink_t *s = arg;
  s->vt->abort(s, 0);
}

/* A pacing wait (here 100 s) ends at once when the run is aborted; nothing was sent. */
static void test_ru_governor_wait_is_abortable(void **state) {
  proxy_t p;
  NEED_PROXY(&p);
  char uri[64];
  mongoc_client_t *client;
  mongoc_collection_t *c = open_coll(&client, "governed_abort");
  p.cosmos = 1;
  asr_mongo_target_t t = proxied(&p, "governed_abort", uri, sizeof uri);
  asr_ru_governor_t *g = given_governor(BULK_RU / 100);
  asr_sink_options_t opt = {.governor = g};
  asr_sink_t *s = open_sink_with(&t, &opt);
  teach(g);
  uv_thread_t th;
  uv_thread_create(&th, abort_soon, s);
  asr_err_t err;
  double t0 = seconds();
  assert_int_equal(write_generated(s, 1, &err), ASR_ECANCELED);
  double took = seconds() - t0;
  uv_thread_join(&th);
  assert_true(took < 30); /* not the 100 s wait */
  asr_sink_db_stats_t st;
  asr_sink_mongo_stats(s, &st);
  asr_sink_destroy(s);
  proxy_stop(&p);
  assert_int_equal(st.docs_written, 0);
  assert_int_equal(atomic_load(&p.inserts), 0);
  asr_ru_governor_free(g);
  close_coll(c, client);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_unknown_uri_option),
      cmocka_unit_test(test_malformed_uris),
      cmocka_unit_test(test_missing_database_or_collection),
      cmocka_unit_test(test_bad_write_concern_and_keys),
      cmocka_unit_test(test_unreachable_server),
      cmocka_unit_test(test_cosmos_connection_string_parses),
      cmocka_unit_test(test_insert_from_three_workers),
      cmocka_unit_test(test_documents_without_id_get_one),
      cmocka_unit_test(test_duplicates_are_counted),
      cmocka_unit_test(test_duplicates_in_ordered_bulks),
      cmocka_unit_test(test_write_concerns_pass_through),
      cmocka_unit_test(test_oversized_document_fails_alone),
      cmocka_unit_test(test_upsert_by_key_fields),
      cmocka_unit_test(test_merge_by_key_field),
      cmocka_unit_test(test_delete_by_key_field),
      cmocka_unit_test(test_missing_key_field_fails_that_document),
      cmocka_unit_test(test_lost_reply_is_retried_without_duplicates),
      cmocka_unit_test(test_throttled_batches_wait_and_retry),
      cmocka_unit_test(test_transient_error_is_retried),
      cmocka_unit_test(test_throttling_storm_is_outlasted),
      cmocka_unit_test(test_retries_run_out),
      cmocka_unit_test(test_no_retries_with_a_zero_budget),
      cmocka_unit_test(test_stopping_ends_a_retry_wait),
      cmocka_unit_test(test_abort_wakes_a_waiting_writer),
      cmocka_unit_test(test_cosmos_request_charge_and_document_limit),
      cmocka_unit_test(test_ru_governor_paces_each_bulk),
      cmocka_unit_test(test_ru_governor_learns_from_a_throttled_bulk),
      cmocka_unit_test(test_ru_governor_wait_is_abortable),
      cmocka_unit_test(test_bad_credentials_hide_the_password),
      cmocka_unit_test(test_dry_run_only_pings),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
