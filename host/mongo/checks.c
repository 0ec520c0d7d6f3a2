#include "mongo/checks.h"

#include <stdio.h>
#include <string.h>

#include "mongo/connect.h"
#include "mongo/indexes.h"
#include "mongo/verify.h"

static int connect_to(const asr_mongo_endpoint_t *e, asr_mongo_conn_t *c, asr_err_t *err) {
  return asr_mongo_connect(e->uri, e->database, e->collection, 0, 1, c, err);
}

int asr_mongo_check_uri_names(const char *uri, char **db, char **coll, asr_err_t *err) {
  if (asr_mongo_uri_path(uri, db, coll)) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  return 0;
}

#define MONGO_NS_NOT_FOUND 26 /* the server's code for a collection that is not there */

/* One collection of an endpoint, opened for a single check: connection, client, handle. */
typedef struct {
  asr_mongo_conn_t conn;
  mongoc_client_t *client;
  mongoc_collection_t *coll;
} one_collection_t;

static int open_collection(const asr_mongo_endpoint_t *e, one_collection_t *o, char *ns, size_t n,
                           asr_err_t *err) {
  int rc = connect_to(e, &o->conn, err);
  if (rc) return rc;
  snprintf(ns, n, "%s.%s", o->conn.db, o->conn.coll);
  o->client = mongoc_client_pool_pop(o->conn.pool);
  o->coll = mongoc_client_get_collection(o->client, o->conn.db, o->conn.coll);
  return 0;
}

static void close_collection(one_collection_t *o) {
  if (o->coll) mongoc_collection_destroy(o->coll);
  if (o->client) mongoc_client_pool_push(o->conn.pool, o->client);
  asr_mongo_conn_close(&o->conn);
}

int asr_mongo_check_drop(const asr_mongo_endpoint_t *target, int *existed, char *ns, size_t n,
                         asr_err_t *err) {
  one_collection_t o = {0};
  *existed = 0;
  int rc = open_collection(target, &o, ns, n, err);
  bson_error_t e;
  if (rc) return rc;
  if (mongoc_collection_drop_with_opts(o.coll, NULL, &e)) *existed = 1;
  else if (e.code != MONGO_NS_NOT_FOUND && !strstr(e.message, "ns not found"))
    rc = asr_err_set(err, ASR_EINVAL, "--drop: cannot drop %s on %s: %s", ns, o.conn.redacted,
                     e.message);
  close_collection(&o);
  return rc;
}

int asr_mongo_check_count(const asr_mongo_endpoint_t *target, int64_t *count, char *ns, size_t n,
                          asr_err_t *err) {
  one_collection_t o = {0};
  *count = 0;
  int rc = open_collection(target, &o, ns, n, err);
  if (rc) return rc;
  bson_error_t e;
  int64_t c = mongoc_collection_estimated_document_count(o.coll, NULL, NULL, NULL, &e);
  if (c < 0) {
    bson_t all = BSON_INITIALIZER;
    c = mongoc_collection_count_documents(o.coll, &all, NULL, NULL, NULL, &e);
    bson_destroy(&all);
  }
  if (c >= 0) *count = c;
  else rc = asr_err_set(err, ASR_EINVAL, "cannot count the documents of %s on %s: %s", ns,
                        o.conn.redacted, e.message);
  close_collection(&o);
  return rc;
}

int asr_mongo_check_copy_indexes(const asr_mongo_endpoint_t *from, const asr_mongo_endpoint_t *to,
                                 uint32_t *copied, asr_err_t *err) {
  asr_mongo_conn_t a = {0}, b = {0};
  int rc = connect_to(from, &a, err);
  if (rc == 0) rc = connect_to(to, &b, err);
  if (rc == 0) rc = asr_mongo_copy_indexes(&a, &b, copied, err);
  asr_mongo_conn_close(&a);
  asr_mongo_conn_close(&b);
  return rc;
}

int asr_mongo_check_verify(const asr_mongo_endpoint_t *source, const char *filter_json,
                           const char *projection_json, const asr_mongo_endpoint_t *target,
                           int64_t expected, uint32_t sample_n, asr_verify_map_fn map,
                           void *ud, asr_verify_result_t *out, asr_err_t *err) {
  asr_mongo_conn_t s = {0}, t = {0};
  int rc = source ? connect_to(source, &s, err) : 0;
  if (rc == 0) rc = connect_to(target, &t, err);
  if (rc == 0)
    rc = asr_mongo_verify(source ? &s : NULL, filter_json, projection_json, &t, expected,
                          sample_n, map, ud, out, err);
  if (source) asr_mongo_conn_close(&s);
  asr_mongo_conn_close(&t);
  return rc;
}

int asr_mongo_check_verify_docs(const asr_mongo_endpoint_t *target, int64_t expected,
                                const asr_docs_t *docs, const uint64_t *index,
                                asr_verify_result_t *out, asr_err_t *err) {
  asr_mongo_conn_t t = {0};
  int rc = connect_to(target, &t, err);
  if (rc == 0) rc = asr_mongo_verify_docs(&t, expected, docs, index, out, err);
  asr_mongo_conn_close(&t);
  return rc;
}
