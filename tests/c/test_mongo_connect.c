/* Tests for the shared MongoDB connection layer (mongo/connect.h). The error cases need no
 * server (nothing listens on the ports used); the others run against the test server
 * (ctest fixture `mongo`, URI in ASRUN_TEST_MONGO_URI) and skip without it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "mongo/connect.h"

#include "mongo_test.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Connects, expecting failure: the connection is left zeroed and the message returned. */
static int connect_err(const char *uri, const char *db, const char *coll, int32_t timeout_ms,
                       int need_coll, asr_err_t *err) {
  asr_mongo_conn_t c;
  memset(&c, 0x5a, sizeof c);
  asr_err_clear(err);
  int rc = asr_mongo_connect(uri, db, coll, timeout_ms, need_coll, &c, err);
  assert_int_not_equal(rc, 0);
  assert_int_equal(err->code, rc);
  assert_null(c.pool);
  assert_null(c.uri);
  assert_null(c.db);
  assert_null(c.redacted);
  asr_mongo_conn_close(&c); /* harmless on the zeroed struct */
  return rc;
}

/* The server's URI with a path and options appended. */
static void server_with(char *out, size_t n, const char *path_and_query) {
  snprintf(out, n, "%s%s", server_uri(), path_and_query);
}

/* ---- errors before any connection -------------------------------------------------- */

static void test_unknown_option_by_name(void **state) {
  asr_err_t err;
  double t0 = now_s();
  assert_int_equal(connect_err("mongodb://ann:T0pSecret@127.0.0.1:1/shop.orders?appName=x&"
                               "connectTimeoutMS=100&readConcernLevl=majority",
                               NULL, NULL, 0, 1, &err),
                   ASR_EINVAL);
  assert_true(now_s() - t0 < 0.5); /* refused while parsing: no server selection wait */
  assert_string_equal(err.msg, "invalid MongoDB URI mongodb://ann:****@127.0.0.1:1/shop.orders?"
                               "appName=x&connectTimeoutMS=100&readConcernLevl=majority: "
                               "unknown option 'readConcernLevl' (see the connection string "
                               "options of the MongoDB manual)");
  /* the first unknown one is named, as written */
  assert_int_equal(connect_err("mongodb://127.0.0.1:1/db.c?w=1&Foo=1&bar=2", NULL, NULL, 0, 1,
                               &err),
                   ASR_EINVAL);
  assert_non_null(strstr(err.msg, "?w=1&Foo=1&bar=2: unknown option 'Foo' ("));
}

static void test_malformed_uri_never_shows_the_password(void **state) {
  static const struct {
    const char *uri, *secret, *want;
  } cases[] = {
      /* libmongoc's own message would quote this password */
      {"mongodb://dave:open:sesame@127.0.0.1/db.c", "sesame",
       "invalid MongoDB URI mongodb://dave:****@127.0.0.1/db.c: invalid credentials or secret "
       "option (percent-encode user name and password as RFC 3986 says)"},
      {"mongodb://u:Secr3t/Pw@h:27017/db.coll", "Secr3t",
       "invalid MongoDB URI mongodb://u:****@h:27017/db.coll: invalid credentials or secret "
       "option (percent-encode user name and password as RFC 3986 says)"},
      {"mongodb://u:p%zzword@h/db.c", "zzword",
       "invalid MongoDB URI mongodb://u:****@h/db.c: invalid credentials or secret option "
       "(percent-encode user name and password as RFC 3986 says)"},
      {"mongodb://bob:hunter2@127.0.0.1:99999/db.c?tlsCertificateKeyFilePassword=pw2", "hunter2",
       "invalid MongoDB URI mongodb://bob:****@127.0.0.1:99999/db.c?"
       "tlsCertificateKeyFilePassword=****: Invalid host string in URI (Port could not be "
       "parsed)"},
      {"mongodb://h/db.c?tlsCertificateKeyFilePassword=abc%", "abc",
       "invalid MongoDB URI mongodb://h/db.c?tlsCertificateKeyFilePassword=****: invalid "
       "credentials or secret option (percent-encode user name and password as RFC 3986 says)"},
      {"mongodb://eve:pw9@127.0.0.1/db.c?authMechanismProperties=AWS_SESSION_TOKEN:tok&"
       "ssl=maybe", "tok",
       "invalid MongoDB URI mongodb://eve:****@127.0.0.1/db.c?authMechanismProperties=****&"
       "ssl=maybe: Unsupported value for \"ssl\": \"maybe\""},
      /* an unescaped '@' in the password: the user info ends at the last '@' (as the drivers
       * read it), so the host is 127.0.0.1:1 (libmongoc alone would take "99@127.0.0.1" for
       * the host and show it); the options still parse */
      {"mongodb://u:secret@99@127.0.0.1:1/db.c?ssl=maybe", "99@",
       "invalid MongoDB URI mongodb://u:****@127.0.0.1:1/db.c?ssl=maybe: Unsupported value for "
       "\"ssl\": \"maybe\""},
      {"mongodb://u:sec?ret@99@127.0.0.1:1/db.c?ssl=maybe", "ret@",
       "invalid MongoDB URI mongodb://u:****@127.0.0.1:1/db.c?ssl=maybe: Unsupported value for "
       "\"ssl\": \"maybe\""},
      {"mongodb//carl:K3y@127.0.0.1/db.c", "K3y",
       "invalid MongoDB URI ****@127.0.0.1/db.c: Invalid URI Schema, expecting 'mongodb://' or "
       "'mongodb+srv://'"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    asr_err_t err;
    assert_int_equal(connect_err(cases[i].uri, NULL, NULL, 0, 1, &err), ASR_EINVAL);
    if (strstr(err.msg, cases[i].secret)) fail_msg("case %zu shows the secret: %s", i, err.msg);
    if (strcmp(err.msg, cases[i].want) != 0)
      fail_msg("case %zu:\n got  %s\n want %s", i, err.msg, cases[i].want);
  }
  asr_err_t err;
  assert_int_equal(connect_err("", NULL, NULL, 0, 1, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "no MongoDB URI given");
  assert_int_equal(connect_err(NULL, NULL, NULL, 0, 1, &err), ASR_EINVAL);
}

static void test_missing_names(void **state) {
  asr_err_t err;
  assert_int_equal(connect_err("mongodb://carol:pw@127.0.0.1:1/", NULL, NULL, 0, 0, &err),
                   ASR_EINVAL);
  assert_string_equal(err.msg, "MongoDB URI mongodb://carol:****@127.0.0.1:1/: no database name "
                               "(put it in the URI path as /database.collection or set it in "
                               "the strategy)");
  assert_int_equal(connect_err("mongodb://127.0.0.1:1/shop?w=1", NULL, NULL, 0, 1, &err),
                   ASR_EINVAL);
  assert_string_equal(err.msg, "MongoDB URI mongodb://127.0.0.1:1/shop?w=1: no collection name "
                               "(put it in the URI path as /database.collection or set it in "
                               "the strategy)");
  /* given but empty: missing, not "take the path's" */
  assert_int_equal(connect_err("mongodb://127.0.0.1:1/shop.orders", NULL, "", 0, 1, &err),
                   ASR_EINVAL);
  assert_non_null(strstr(err.msg, ": no collection name ("));
  assert_int_equal(connect_err("mongodb://127.0.0.1:1/shop.orders", "", NULL, 0, 1, &err),
                   ASR_EINVAL);
  assert_non_null(strstr(err.msg, ": no database name ("));
  assert_int_equal(connect_err("mongodb://127.0.0.1:1/", "a b", "c", 0, 1, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "MongoDB URI mongodb://127.0.0.1:1/: invalid database name 'a b'");
  assert_int_equal(connect_err("mongodb://127.0.0.1:1/", "db", "system.users", 0, 1, &err),
                   ASR_EINVAL);
  assert_string_equal(err.msg, "MongoDB URI mongodb://127.0.0.1:1/: invalid collection name "
                               "'system.users'");
}

/* ---- unreachable within the timeout ------------------------------------------------ */

static void expect_unreachable(const char *uri, int32_t timeout_ms, const char *want_prefix,
                               double min_s, double max_s) {
  asr_err_t err;
  double t0 = now_s();
  assert_int_equal(connect_err(uri, NULL, NULL, timeout_ms, 1, &err), ASR_EINVAL);
  double took = now_s() - t0;
  if (strncmp(err.msg, want_prefix, strlen(want_prefix)) != 0)
    fail_msg("message: %s\nwant prefix: %s", err.msg, want_prefix);
  if (took < min_s || took > max_s) fail_msg("took %.3f s, want %.1f..%.1f", took, min_s, max_s);
  assert_null(strstr(err.msg, "Wh1sper"));
}

static void test_unreachable_within_timeout(void **state) {
  /* the argument wins over the URI's option */
  expect_unreachable("mongodb://al:Wh1sper@127.0.0.1:1/db.c?serverSelectionTimeoutMS=5000", 500,
                     "cannot reach 127.0.0.1:1 within 500 ms: No suitable servers found", 0.45,
                     3.0);
  /* 0: the URI's */
  expect_unreachable("mongodb://al:Wh1sper@127.0.0.1:1,127.0.0.1:2/db.c?"
                     "serverSelectionTimeoutMS=700", 0,
                     "cannot reach 127.0.0.1:1,127.0.0.1:2 within 700 ms: ", 0.65, 3.0);
}

/* ---- against the server ------------------------------------------------------------ */

static void test_connects_with_names_from_path(void **state) {
  NEED_SERVER();
  char uri[512];
  server_with(uri, sizeof uri, "/asrun_connect.my%20orders?serverSelectionTimeoutMS=4000");
  asr_mongo_conn_t c;
  asr_err_t err;
  asr_err_clear(&err);
  if (asr_mongo_connect(uri, NULL, NULL, 0, 1, &c, &err)) fail_msg("%s", err.msg);
  assert_string_equal(c.db, "asrun_connect");
  assert_string_equal(c.coll, "my orders"); /* percent-decoded */
  assert_string_equal(c.redacted, uri);
  assert_int_equal(c.timeout_ms, 4000);
  assert_int_equal(mongoc_uri_get_option_as_int32(c.uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 0),
                   4000);
  assert_string_equal(mongoc_uri_get_appname(c.uri), "asrun");
  assert_string_equal(mongoc_uri_get_database(c.uri), "asrun_connect"); /* the authSource */
  /* the pool works: a round trip through it */
  mongoc_client_t *client = mongoc_client_pool_pop(c.pool);
  mongoc_collection_t *coll = mongoc_client_get_collection(client, c.db, c.coll);
  bson_error_t e;
  bson_t *doc = BCON_NEW("x", BCON_INT32(7));
  assert_true(mongoc_collection_insert_one(coll, doc, NULL, NULL, &e));
  bson_t *filter = BCON_NEW("x", BCON_INT32(7));
  assert_true(mongoc_collection_count_documents(coll, filter, NULL, NULL, NULL, &e) >= 1);
  mongoc_collection_drop(coll, NULL);
  bson_destroy(filter);
  bson_destroy(doc);
  mongoc_collection_destroy(coll);
  mongoc_client_pool_push(c.pool, client);
  asr_mongo_conn_close(&c);
  assert_null(c.pool);
  assert_null(c.db);
}

static void test_explicit_names_timeout_and_appname(void **state) {
  NEED_SERVER();
  char uri[512];
  server_with(uri, sizeof uri, "/pathdb.pathcoll?appName=mine");
  asr_mongo_conn_t c;
  asr_err_t err;
  asr_err_clear(&err);
  if (asr_mongo_connect(uri, "given_db", "given_coll", 1500, 1, &c, &err)) fail_msg("%s", err.msg);
  assert_string_equal(c.db, "given_db");
  assert_string_equal(c.coll, "given_coll");
  assert_int_equal(c.timeout_ms, 1500);
  assert_string_equal(mongoc_uri_get_appname(c.uri), "mine"); /* the user's is kept */
  asr_mongo_conn_close(&c);

  /* no collection needed; no timeout anywhere: 10000 */
  server_with(uri, sizeof uri, "/onlydb");
  if (asr_mongo_connect(uri, NULL, NULL, 0, 0, &c, &err)) fail_msg("%s", err.msg);
  assert_string_equal(c.db, "onlydb");
  assert_null(c.coll);
  assert_int_equal(c.timeout_ms, ASR_MONGO_DEFAULT_SELECTION_MS);
  asr_mongo_conn_close(&c);

  /* an empty optional collection is none */
  if (asr_mongo_connect(uri, NULL, "", 0, 0, &c, &err)) fail_msg("%s", err.msg);
  assert_null(c.coll);
  asr_mongo_conn_close(&c);
}

static void test_authentication_failure_hides_the_password(void **state) {
  NEED_SERVER();
  const char *base = server_uri() + strlen("mongodb://");
  char uri[512];
  snprintf(uri, sizeof uri, "mongodb://bob:Sup3rSecretPw@%s/authdb.c", base);
  asr_err_t err;
  assert_int_equal(connect_err(uri, NULL, NULL, 3000, 1, &err), ASR_EINVAL);
  assert_null(strstr(err.msg, "Sup3rSecretPw"));
  char want[256];
  snprintf(want, sizeof want, "authentication failed on %s as user 'bob' (authSource authdb): ",
           base);
  if (strncmp(err.msg, want, strlen(want)) != 0) fail_msg("message: %s", err.msg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_unknown_option_by_name),
      cmocka_unit_test(test_malformed_uri_never_shows_the_password),
      cmocka_unit_test(test_missing_names),
      cmocka_unit_test(test_unreachable_within_timeout),
      cmocka_unit_test(test_connects_with_names_from_path),
      cmocka_unit_test(test_explicit_names_timeout_and_appname),
      cmocka_unit_test(test_authentication_failure_hides_the_password),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  mongoc_cleanup();
  return rc;
}
