/* Tests for the MongoDB source against the test server (ctest fixture `mongo`, URI in
 * ASRUN_TEST_MONGO_URI; every test skips with a message when it is unset). Each read drives
 * the source the way the pipeline does: next on one thread plans and frames the _id ranges,
 * then N threads, each with its own worker state (its own pooled client), decode them.
 * The test server's limits shape the data: ObjectId _ids only, int32 fields, and a query
 * scans the whole collection, so batch size 1 runs on a small collection. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <mongoc/mongoc.h>

#include "pipeline/pipeline.h"
#include "sinks/sink.h"
#include "sources/mongo.h"

#define DB "asrun_test_mongo_source"
#define BIG "docs20k"
#define BIG_N 20000
#define SMALL "docs1k"
#define SMALL_N 1000
#define EMPTY "never_created"

typedef struct expected {
  bson_oid_t id;
  int32_t i;
} expected_t;

static const char *server_uri;
static expected_t big[BIG_N], small[SMALL_N]; /* sorted by _id */

/* --- fixture data ------------------------------------------------------------------- */

static int cmp_expected(const void *a, const void *b) {
  return bson_oid_compare(&((const expected_t *)a)->id, &((const expected_t *)b)->id);
}

/* Documents {_id: ObjectId, i, g: i % 10, s: "name-<i>", sub: {a: i}}. */
static void fill(mongoc_client_t *client, const char *coll_name, expected_t *exp, int n) {
  bson_error_t error;
  mongoc_collection_t *coll = mongoc_client_get_collection(client, DB, coll_name);
  mongoc_collection_drop(coll, NULL); /* fails harmlessly when it does not exist */
  enum { CHUNK = 1000 };
  bson_t *docs[CHUNK];
  for (int at = 0; at < n; at += CHUNK) {
    int m = n - at < CHUNK ? n - at : CHUNK;
    for (int k = 0; k < m; k++) {
      int i = at + k;
      char s[32];
      snprintf(s, sizeof s, "name-%d", i);
      bson_oid_init(&exp[i].id, NULL);
      exp[i].i = i;
      docs[k] = BCON_NEW("_id", BCON_OID(&exp[i].id), "i", BCON_INT32(i), "g", BCON_INT32(i % 10),
                         "s", BCON_UTF8(s), "sub", "{", "a", BCON_INT32(i), "}");
    }
    bool ok = mongoc_collection_insert_many(coll, (const bson_t **)docs, (size_t)m, NULL, NULL,
                                            &error);
    for (int k = 0; k < m; k++) bson_destroy(docs[k]);
    if (!ok) fail_msg("inserting test documents: %s", error.message);
  }
  mongoc_collection_destroy(coll);
  qsort(exp, (size_t)n, sizeof *exp, cmp_expected);
}

static int group_setup(void **state) {
  server_uri = getenv("ASRUN_TEST_MONGO_URI");
  if (!server_uri || !*server_uri) return 0;
  mongoc_init();
  bson_error_t error;
  mongoc_uri_t *uri = mongoc_uri_new_with_error(server_uri, &error);
  if (!uri) {
    fprintf(stderr, "ASRUN_TEST_MONGO_URI: %s\n", error.message);
    return -1;
  }
  mongoc_client_t *client = mongoc_client_new_from_uri(uri);
  fill(client, BIG, big, BIG_N);
  fill(client, SMALL, small, SMALL_N);
  mongoc_client_destroy(client);
  mongoc_uri_destroy(uri);
  return 0;
}

static int group_teardown(void **state) {
  if (server_uri && *server_uri) mongoc_cleanup();
  return 0;
}

#define NEED_SERVER()                                                                  \
  do {                                                                                 \
    if (!server_uri || !*server_uri) {                                                 \
      print_message("ASRUN_TEST_MONGO_URI is not set: no test server, skipped\n");     \
      skip();                                                                          \
    }                                                                                  \
  } while (0)

static asr_mongo_source_cfg_t cfg_for(const char *coll) {
  asr_mongo_source_cfg_t c = {0};
  c.uri = server_uri;
  c.database = DB;
  c.collection = coll;
  c.limit = -1;
  c.cursor_batch = 1000;
  c.server_selection_timeout_ms = 5000;
  return c;
}

/* --- driving the source like the pipeline ------------------------------------------- */

typedef struct read {
  asr_source_t *src;
  asr_batch_t *batches;
  asr_docs_t *docs; /* per batch */
  uint32_t nbatches;
  _Atomic uint32_t next;
  int rc;
  asr_err_t err;
  double seconds;
  pthread_mutex_t lock;
} read_t;

static void *decode_thread(void *arg) {
  read_t *r = arg;
  asr_source_worker_t *w = NULL;
  asr_err_t err;
  asr_err_clear(&err);
  int rc = r->src->vt->worker_open(r->src, NULL, &w, &err);
  for (uint32_t i; rc == 0 && (i = atomic_fetch_add(&r->next, 1)) < r->nbatches;)
    rc = r->src->vt->decode(r->src, w, &r->batches[i], &r->docs[i], &err);
  if (w) r->src->vt->worker_close(r->src, w);
  pthread_mutex_lock(&r->lock);
  if (rc && !r->rc) {
    r->rc = rc;
    r->err = err;
  }
  pthread_mutex_unlock(&r->lock);
  return NULL;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Opens the source, frames every batch (size `batch`), decodes them on `threads` threads. */
static void read_all(const asr_mongo_source_cfg_t *cfg, uint32_t batch, uint32_t threads,
                     read_t *r) {
  memset(r, 0, sizeof *r);
  pthread_mutex_init(&r->lock, NULL);
  asr_err_clear(&r->err);
  double t0 = now_s();
  r->rc = asr_source_mongo_open(cfg, &r->src, &r->err);
  if (r->rc) return;
  assert_string_equal(r->src->vt->kind, "mongodb");
  uint32_t cap = 0;
  for (;;) {
    if (r->nbatches == cap) {
      cap = cap ? cap * 2 : 64;
      r->batches = realloc(r->batches, cap * sizeof *r->batches);
      assert_non_null(r->batches);
    }
    asr_batch_t *b = &r->batches[r->nbatches];
    memset(b, 0, sizeof *b);
    asr_buf_init(&b->raw);
    b->seq = r->nbatches;
    int rc = r->src->vt->next(r->src, b, batch, &r->err);
    if (rc <= 0) {
      asr_buf_free(&b->raw);
      r->rc = rc;
      break;
    }
    assert_int_equal(b->count, 0); /* unknown until decode */
    assert_int_equal(b->origin, r->nbatches + 1);
    r->nbatches++;
  }
  if (r->rc) return;
  r->docs = calloc(r->nbatches ? r->nbatches : 1, sizeof *r->docs);
  assert_non_null(r->docs);
  pthread_t tid[8];
  assert_true(threads <= 8);
  for (uint32_t t = 0; t < threads; t++) pthread_create(&tid[t], NULL, decode_thread, r);
  for (uint32_t t = 0; t < threads; t++) pthread_join(tid[t], NULL);
  r->seconds = now_s() - t0;
}

static void read_free(read_t *r) {
  for (uint32_t i = 0; i < r->nbatches; i++) {
    asr_buf_free(&r->batches[i].raw);
    if (r->docs) asr_docs_free(&r->docs[i]);
  }
  free(r->batches);
  free(r->docs);
  asr_source_destroy(r->src);
  pthread_mutex_destroy(&r->lock);
}

static uint64_t total_docs(const read_t *r) {
  uint64_t n = 0;
  for (uint32_t i = 0; i < r->nbatches; i++) n += r->docs[i].count;
  return n;
}

static bson_oid_t doc_id(const uint8_t *data, uint32_t len) {
  bson_t d;
  bson_iter_t it;
  assert_true(bson_init_static(&d, data, len));
  assert_true(bson_iter_init_find(&it, &d, "_id"));
  assert_int_equal(bson_iter_type(&it), BSON_TYPE_OID);
  return *bson_iter_oid(&it);
}

static int32_t doc_int(const uint8_t *data, uint32_t len, const char *key) {
  bson_t d;
  bson_iter_t it;
  assert_true(bson_init_static(&d, data, len));
  if (!bson_iter_init_find(&it, &d, key)) fail_msg("document has no %s", key);
  assert_int_equal(bson_iter_type(&it), BSON_TYPE_INT32);
  return bson_iter_int32(&it);
}

/* The batches, concatenated in order, are exactly exp[0..n) (sorted by _id): every document
 * once, each range sorted, the ranges in _id order. Checks i too when check_i. */
static void expect_exactly(const read_t *r, const expected_t *exp, uint32_t n, int check_i) {
  assert_int_equal(r->rc, 0);
  assert_int_equal(total_docs(r), n);
  uint32_t k = 0;
  for (uint32_t b = 0; b < r->nbatches; b++) {
    for (asr_docs_iter_t it = asr_docs_begin(&r->docs[b]); asr_docs_next(&it); k++) {
      bson_oid_t id = doc_id(it.doc, it.len);
      if (!bson_oid_equal(&id, &exp[k].id)) {
        char a[25], e[25];
        bson_oid_to_string(&id, a);
        bson_oid_to_string(&exp[k].id, e);
        fail_msg("document %u (batch %u): _id %s, expected %s", k, b, a, e);
      }
      if (check_i) assert_int_equal(doc_int(it.doc, it.len, "i"), exp[k].i);
    }
  }
  assert_int_equal(k, n);
}

/* --- every document exactly once ---------------------------------------------------- */

static void check_full_read(const char *coll, const expected_t *exp, uint32_t n, uint32_t batch,
                            uint32_t threads) {
  asr_mongo_source_cfg_t cfg = cfg_for(coll);
  read_t r;
  read_all(&cfg, batch, threads, &r);
  if (r.rc) fail_msg("%s", r.err.msg);
  expect_exactly(&r, exp, n, 1);
  /* About one batch per `batch` documents: at most ceil(n / batch) ranges (fewer when the
   * sample repeats itself), and never a single range when several were wanted. */
  uint32_t want = (n + batch - 1) / batch;
  assert_true(r.nbatches <= want);
  if (want > 1) assert_true(r.nbatches >= want / 2 && r.nbatches > 1);
  else assert_int_equal(r.nbatches, 1);
  read_free(&r);
}

static void test_every_doc_once_batch100(void **state) {
  NEED_SERVER();
  check_full_read(BIG, big, BIG_N, 100, 1);
  check_full_read(BIG, big, BIG_N, 100, 4);
}

static void test_every_doc_once_batch5000(void **state) {
  NEED_SERVER();
  check_full_read(BIG, big, BIG_N, 5000, 1);
  check_full_read(BIG, big, BIG_N, 5000, 4);
}

/* Batch size 1: one query per document, each of which the test server answers by scanning
 * the collection, so this runs on the 1,000-document collection. */
static void test_every_doc_once_batch1(void **state) {
  NEED_SERVER();
  check_full_read(SMALL, small, SMALL_N, 1, 1);
  check_full_read(SMALL, small, SMALL_N, 1, 4);
}

/* Larger than the collection: one range, [MinKey, MaxKey). */
static void test_one_range_when_batch_exceeds_count(void **state) {
  NEED_SERVER();
  check_full_read(SMALL, small, SMALL_N, 5000, 2);
}

/* Database and collection from the URI path "/db.collection"; its options are kept. */
static void test_namespace_from_uri_path(void **state) {
  NEED_SERVER();
  char uri[512];
  snprintf(uri, sizeof uri, "%s/" DB "." SMALL "?serverSelectionTimeoutMS=3000", server_uri);
  asr_mongo_source_cfg_t cfg = cfg_for(NULL);
  cfg.uri = uri;
  cfg.database = cfg.collection = NULL;
  read_t r;
  read_all(&cfg, 300, 2, &r);
  if (r.rc) fail_msg("%s", r.err.msg);
  expect_exactly(&r, small, SMALL_N, 1);
  assert_non_null(strstr(r.src->description, DB "." SMALL " (1000 documents)"));
  read_free(&r);
}

/* --- filter, projection, limit ------------------------------------------------------ */

static void test_filter_and_projection(void **state) {
  NEED_SERVER();
  asr_mongo_source_cfg_t cfg = cfg_for(BIG);
  /* canonical and relaxed Extended JSON mixed */
  cfg.filter_json = "{\"g\": {\"$in\": [{\"$numberInt\": \"3\"}, 7]}}";
  cfg.projection_json = "{\"s\": 1, \"sub.a\": 1}";
  read_t r;
  read_all(&cfg, 250, 4, &r);
  if (r.rc) fail_msg("%s", r.err.msg);
  static expected_t want[BIG_N];
  uint32_t n = 0;
  for (uint32_t k = 0; k < BIG_N; k++)
    if (big[k].i % 10 == 3 || big[k].i % 10 == 7) want[n++] = big[k];
  assert_int_equal(n, 4000);
  expect_exactly(&r, want, n, 0);
  assert_non_null(strstr(r.src->description, "(4000 matching documents)"));
  uint32_t k = 0;
  for (uint32_t b = 0; b < r.nbatches; b++) {
    for (asr_docs_iter_t it = asr_docs_begin(&r.docs[b]); asr_docs_next(&it); k++) {
      bson_t d;
      bson_iter_t f, sub;
      assert_true(bson_init_static(&d, it.doc, it.len));
      assert_int_equal(bson_count_keys(&d), 3); /* _id, s, sub */
      assert_false(bson_iter_init_find(&f, &d, "i"));
      assert_false(bson_iter_init_find(&f, &d, "g"));
      char s[32];
      snprintf(s, sizeof s, "name-%d", want[k].i);
      assert_true(bson_iter_init_find(&f, &d, "s"));
      assert_string_equal(bson_iter_utf8(&f, NULL), s);
      assert_true(bson_iter_init_find(&f, &d, "sub") && bson_iter_recurse(&f, &sub));
      assert_true(bson_iter_find(&sub, "a"));
      assert_int_equal(bson_iter_int32(&sub), want[k].i);
    }
  }
  read_free(&r);
}

/* limit: exactly the first N matching documents in _id order, whatever the batch size. */
static void test_limit(void **state) {
  NEED_SERVER();
  asr_mongo_source_cfg_t cfg = cfg_for(BIG);
  cfg.limit = 1234;
  read_t r;
  read_all(&cfg, 100, 4, &r);
  if (r.rc) fail_msg("%s", r.err.msg);
  expect_exactly(&r, big, 1234, 1);
  assert_true(r.nbatches > 1 && r.nbatches <= 13);
  assert_non_null(strstr(r.src->description, "(1234 documents, limited)"));
  read_free(&r);

  cfg.filter_json = "{\"g\": 5}";
  cfg.limit = 10;
  read_all(&cfg, 3, 2, &r);
  if (r.rc) fail_msg("%s", r.err.msg);
  expected_t want[10];
  uint32_t n = 0;
  for (uint32_t k = 0; n < 10; k++)
    if (big[k].i % 10 == 5) want[n++] = big[k];
  expect_exactly(&r, want, 10, 1);
  read_free(&r);

  cfg.limit = 0; /* nothing at all, not even a query */
  read_all(&cfg, 100, 1, &r);
  assert_int_equal(r.rc, 0);
  assert_int_equal(r.nbatches, 0);
  read_free(&r);

  cfg.filter_json = NULL;
  cfg.limit = BIG_N + 5; /* more than there is: everything, no cut */
  read_all(&cfg, 5000, 2, &r);
  expect_exactly(&r, big, BIG_N, 1);
  assert_null(strstr(r.src->description, "limited"));
  read_free(&r);
}

static void test_empty_collection(void **state) {
  NEED_SERVER();
  asr_mongo_source_cfg_t cfg = cfg_for(EMPTY);
  read_t r;
  read_all(&cfg, 100, 2, &r);
  if (r.rc) fail_msg("%s", r.err.msg);
  assert_int_equal(r.nbatches, 1); /* one range over everything: inserts since open count */
  assert_int_equal(total_docs(&r), 0);
  assert_non_null(strstr(r.src->description, DB "." EMPTY " (0 documents)"));
  read_free(&r);

  cfg = cfg_for(BIG);
  cfg.filter_json = "{\"g\": 11}"; /* matches nothing */
  read_all(&cfg, 100, 2, &r);
  assert_int_equal(r.rc, 0);
  assert_int_equal(total_docs(&r), 0);
  read_free(&r);
}

/* --- errors at open ----------------------------------------------------------------- */

static int open_err(const asr_mongo_source_cfg_t *cfg, asr_err_t *err) {
  asr_source_t *s = (asr_source_t *)1;
  asr_err_clear(err);
  int rc = asr_source_mongo_open(cfg, &s, err);
  assert_null(s);
  return rc;
}

static void test_unreachable_server(void **state) {
  /* Needs no server: nothing listens on port 1. */
  asr_mongo_source_cfg_t cfg = {0};
  cfg.uri = "mongodb://alice:s3cr%40t@127.0.0.1:1/db.coll?authSource=admin";
  cfg.server_selection_timeout_ms = 600;
  cfg.limit = -1;
  asr_err_t err;
  double t0 = now_s();
  assert_int_equal(open_err(&cfg, &err), ASR_EINVAL);
  double took = now_s() - t0;
  assert_true(took >= 0.5 && took < 5.0);
  const char *want = "cannot reach 127.0.0.1:1 within 600 ms: ";
  if (strncmp(err.msg, want, strlen(want)) != 0) fail_msg("message: %s", err.msg);
  assert_non_null(strstr(err.msg, "127.0.0.1:1"));
  assert_null(strstr(err.msg, "alice"));
  assert_null(strstr(err.msg, "s3cr"));
}

static void test_bad_filter(void **state) {
  NEED_SERVER();
  asr_mongo_source_cfg_t cfg = cfg_for(BIG);
  const char *bad = "{\"g\": {\"$gt\": }}";
  bson_error_t error;
  assert_null(bson_new_from_json((const uint8_t *)bad, -1, &error));
  char want[1100];
  snprintf(want, sizeof want, "the filter is not valid Extended JSON: %s", error.message);
  cfg.filter_json = bad;
  asr_err_t err;
  assert_int_equal(open_err(&cfg, &err), ASR_EINVAL);
  assert_string_equal(err.msg, want);

  cfg.filter_json = "{\"_id\": {\"$oid\": \"not-hex\"}}";
  assert_int_equal(open_err(&cfg, &err), ASR_EINVAL);
  assert_non_null(strstr(err.msg, "the filter is not valid Extended JSON: "));

  /* well-formed JSON that the server rejects: caught at open by the count */
  cfg.filter_json = "{\"g\": {\"$bogus\": 1}}";
  assert_int_equal(open_err(&cfg, &err), ASR_EINVAL);
  assert_non_null(strstr(err.msg, "MongoDB source " DB "." BIG ": counting documents: "));

  cfg.filter_json = "[1, 2]";
  assert_int_equal(open_err(&cfg, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "the filter must be a JSON object, got: [1, 2]");

  cfg.filter_json = NULL;
  cfg.projection_json = "{s: 1}";
  assert_int_equal(open_err(&cfg, &err), ASR_EINVAL);
  assert_non_null(strstr(err.msg, "the projection is not valid Extended JSON: "));
}

static void test_bad_uri(void **state) {
  asr_mongo_source_cfg_t cfg = {0};
  cfg.limit = -1;
  asr_err_t err;
  cfg.uri = "mongodb//127.0.0.1/db.c";
  assert_int_equal(open_err(&cfg, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "invalid MongoDB URI mongodb//127.0.0.1/db.c: Invalid URI "
                               "Schema, expecting 'mongodb://' or 'mongodb+srv://'");
  cfg.uri = "mongodb://bob:hunter2@127.0.0.1:99999/db.c?tlsCertificateKeyFilePassword=pw2";
  assert_int_equal(open_err(&cfg, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "invalid MongoDB URI mongodb://bob:****@127.0.0.1:99999/db.c?"
                               "tlsCertificateKeyFilePassword=****: Invalid host string in URI "
                               "(Port could not be parsed)");
  /* libmongoc's own message would quote this password */
  cfg.uri = "mongodb://dave:open:sesame@127.0.0.1/db.c";
  assert_int_equal(open_err(&cfg, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "invalid MongoDB URI mongodb://dave:****@127.0.0.1/db.c: invalid "
                               "credentials or secret option (percent-encode user name and "
                               "password as RFC 3986 says)");
  cfg.uri = "mongodb://eve:pw@127.0.0.1/db.c?authMechanismProperties=AWS_SESSION_TOKEN:tok&"
            "tls=maybe";
  assert_int_equal(open_err(&cfg, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "invalid MongoDB URI mongodb://eve:****@127.0.0.1/db.c?"
                               "authMechanismProperties=****&tls=maybe: Unsupported value for "
                               "\"tls\": \"maybe\"");
  cfg.uri = "";
  assert_int_equal(open_err(&cfg, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "MongoDB source: no URI");
  cfg.uri = "mongodb://127.0.0.1:1/db.c";
  cfg.limit = -2;
  assert_int_equal(open_err(&cfg, &err), ASR_EINVAL);
  assert_non_null(strstr(err.msg, "must not be negative"));
}

/* An unknown option is refused by the name the user wrote, before any connection. */
static void test_unknown_uri_option(void **state) {
  asr_mongo_source_cfg_t cfg = {0};
  cfg.limit = -1;
  asr_err_t err;
  cfg.uri = "mongodb://frank:Pa55w0rd@127.0.0.1:1/db.c?readPreference=primary&maxPoolSiz=5";
  double t0 = now_s();
  assert_int_equal(open_err(&cfg, &err), ASR_EINVAL);
  assert_true(now_s() - t0 < 0.5); /* no server selection wait: nothing was reached for */
  assert_string_equal(err.msg, "invalid MongoDB URI mongodb://frank:****@127.0.0.1:1/db.c?"
                               "readPreference=primary&maxPoolSiz=5: unknown option "
                               "'maxPoolSiz' (see the connection string options of the "
                               "MongoDB manual)");
}

static void test_missing_namespace(void **state) {
  asr_mongo_source_cfg_t cfg = {0};
  cfg.limit = -1;
  asr_err_t err;
  cfg.uri = "mongodb://carol:pw@127.0.0.1:1/";
  assert_int_equal(open_err(&cfg, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "MongoDB URI mongodb://carol:****@127.0.0.1:1/: no database "
                               "name (put it in the URI path as /database.collection or set it "
                               "in the strategy)");
  cfg.uri = "mongodb://127.0.0.1:1/shop?w=1";
  assert_int_equal(open_err(&cfg, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "MongoDB URI mongodb://127.0.0.1:1/shop?w=1: no collection "
                               "name (put it in the URI path as /database.collection or set it "
                               "in the strategy)");
  cfg.collection = ""; /* given but empty */
  assert_int_equal(open_err(&cfg, &err), ASR_EINVAL);
  assert_non_null(strstr(err.msg, "no collection name"));
}

/* --- through the real pipeline ------------------------------------------------------ */

/* mongo source -> 3 workers -> BSON file: the file sink commits batches in source order and
 * the ranges go in _id order, so the file holds every document once, sorted by _id. */
static void test_through_pipeline(void **state) {
  NEED_SERVER();
  const char *path = ASR_TEST_TMP "/mongo_source_pipeline.bson";
  asr_mongo_source_cfg_t cfg = cfg_for(BIG);
  asr_err_t err;
  asr_err_clear(&err);
  asr_source_t *src = NULL;
  asr_sink_t *sink = NULL;
  asr_sink_options_t opt = {0};
  if (asr_source_mongo_open(&cfg, &src, &err)) fail_msg("%s", err.msg);
  assert_int_equal(asr_sink_file_open(path, &opt, &sink, &err), 0);
  asr_pipeline_config_t pc = {.source = src, .sink = sink, .workers = 3, .batch_size = 700};
  asr_pipeline_t *p = NULL;
  assert_int_equal(asr_pipeline_create(&pc, &p, &err), 0);
  assert_int_equal(asr_pipeline_start(p, &err), 0);
  /* Planned at the first next with 700 or 2000, whichever it sees: both read everything. */
  assert_int_equal(asr_pipeline_set_batch_size(p, 2000), 0);
  if (asr_pipeline_wait(p, &err)) fail_msg("%s", err.msg);
  asr_pipeline_stats_t st;
  asr_pipeline_stats(p, &st);
  assert_int_equal(st.docs_in, BIG_N);
  assert_int_equal(st.docs_out, BIG_N);
  assert_int_equal(st.records_read, 0); /* batches do not know their count before decode */
  assert_true(st.batches_done > 1 && st.batches_done == st.batches_read);
  asr_pipeline_destroy(p);
  asr_sink_destroy(sink);
  asr_source_destroy(src);

  bson_reader_t *rd = bson_reader_new_from_file(path, NULL);
  assert_non_null(rd);
  const bson_t *doc;
  bool eof = false;
  uint32_t k = 0;
  while ((doc = bson_reader_read(rd, &eof))) {
    assert_true(k < BIG_N);
    bson_oid_t id = doc_id(bson_get_data(doc), doc->len);
    assert_true(bson_oid_equal(&id, &big[k].id));
    assert_int_equal(doc_int(bson_get_data(doc), doc->len, "i"), big[k].i);
    k++;
  }
  assert_true(eof);
  assert_int_equal(k, BIG_N);
  bson_reader_destroy(rd);
  remove(path);
}

/* --- throughput --------------------------------------------------------------------- */

/* Prints docs/s with 2 decoding threads. On the test server each range query scans the whole
 * collection, so fewer, larger ranges read faster there; real servers use the _id index. */
static void test_throughput_two_threads(void **state) {
  NEED_SERVER();
  static const uint32_t sizes[] = {1000, 5000};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    asr_mongo_source_cfg_t cfg = cfg_for(BIG);
    read_t r;
    read_all(&cfg, sizes[i], 2, &r);
    if (r.rc) fail_msg("%s", r.err.msg);
    expect_exactly(&r, big, BIG_N, 0);
    print_message("mongo source: %u docs, batch size %u (%u ranges), 2 threads: %.3f s, "
                  "%.0f docs/s\n", BIG_N, sizes[i], r.nbatches, r.seconds, BIG_N / r.seconds);
    read_free(&r);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_doc_once_batch100),
      cmocka_unit_test(test_every_doc_once_batch5000),
      cmocka_unit_test(test_every_doc_once_batch1),
      cmocka_unit_test(test_one_range_when_batch_exceeds_count),
      cmocka_unit_test(test_namespace_from_uri_path),
      cmocka_unit_test(test_filter_and_projection),
      cmocka_unit_test(test_limit),
      cmocka_unit_test(test_empty_collection),
      cmocka_unit_test(test_unreachable_server),
      cmocka_unit_test(test_bad_filter),
      cmocka_unit_test(test_bad_uri),
      cmocka_unit_test(test_unknown_uri_option),
      cmocka_unit_test(test_missing_namespace),
      cmocka_unit_test(test_through_pipeline),
      cmocka_unit_test(test_throughput_two_threads),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
