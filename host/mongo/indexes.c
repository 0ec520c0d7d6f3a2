/* Index copy (see indexes.h). Both sides are listed first and compared here, not left to
 * createIndexes alone: a server may accept an index whose name is taken by another
 * definition (the test server does, silently) and a useful message names both sides.
 * Comparisons follow what MongoDB treats as the same index: numbers by value (1 == 1.0 ==
 * NumberLong(1)), documents field by field in order (a key pattern's order matters), a
 * false boolean option the same as none, and v, ns and background ignored.
 *
 * Ownership: each call pops one client per connection and pushes it back; the listed
 * specs live in two asr_docs_t freed on the one `done` path. */
#include "mongo/indexes.h"

#include <stdio.h>
#include <string.h>

#include "core/docs.h"
#include "util/log.h"
#include "util/redact.h"

/* Left for the target to choose: the index version, the old namespace field (wrong for
 * another collection) and the deprecated build flag. */
static int target_chooses(const char *key) {
  return strcmp(key, "v") == 0 || strcmp(key, "ns") == 0 || strcmp(key, "background") == 0;
}

static int io_code(const bson_error_t *e) {
  return e->domain == MONGOC_ERROR_SERVER || e->domain == MONGOC_ERROR_WRITE_CONCERN
             ? ASR_EINVAL
             : ASR_EIO;
}

/* ---- comparing specs ------------------------------------------------------------------- */

static int same_value(const bson_iter_t *a, const bson_iter_t *b);

static int as_number(const bson_iter_t *it, double *d) {
  bson_type_t t = bson_iter_type(it);
  if (t != BSON_TYPE_INT32 && t != BSON_TYPE_INT64 && t != BSON_TYPE_DOUBLE) return 0;
  *d = bson_iter_as_double(it);
  return 1;
}

/* Same fields in the same order with the same values. */
static int same_doc(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen) {
  bson_iter_t x, y;
  if (!bson_iter_init_from_data(&x, a, alen) || !bson_iter_init_from_data(&y, b, blen)) return 0;
  for (;;) {
    int nx = bson_iter_next(&x), ny = bson_iter_next(&y);
    if (!nx || !ny) return nx == ny;
    if (strcmp(bson_iter_key(&x), bson_iter_key(&y)) != 0 || !same_value(&x, &y)) return 0;
  }
}

static int same_value(const bson_iter_t *a, const bson_iter_t *b) {
  double x, y;
  if (as_number(a, &x) && as_number(b, &y)) return x == y;
  if (bson_iter_type(a) != bson_iter_type(b)) return 0;
  if (BSON_ITER_HOLDS_DOCUMENT(a) || BSON_ITER_HOLDS_ARRAY(a)) {
    const uint8_t *da, *db;
    uint32_t la, lb;
    if (BSON_ITER_HOLDS_DOCUMENT(a)) {
      bson_iter_document(a, &la, &da);
      bson_iter_document(b, &lb, &db);
    } else {
      bson_iter_array(a, &la, &da);
      bson_iter_array(b, &lb, &db);
    }
    return same_doc(da, la, db, lb);
  }
  bson_t ta = BSON_INITIALIZER, tb = BSON_INITIALIZER; /* the value's bytes, framed alike */
  bson_append_iter(&ta, "", 0, a);
  bson_append_iter(&tb, "", 0, b);
  int same = bson_equal(&ta, &tb);
  bson_destroy(&ta);
  bson_destroy(&tb);
  return same;
}

/* Finds an option of a spec; a false boolean counts as absent (unique: false is no
 * uniqueness). */
static int option(const uint8_t *spec, uint32_t len, const char *key, bson_iter_t *found) {
  if (!bson_iter_init_from_data(found, spec, len) || !bson_iter_find(found, key)) return 0;
  return !(BSON_ITER_HOLDS_BOOL(found) && !bson_iter_bool(found));
}

/* Every option of a that the target does not choose is in b with the same value. */
static int covers(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen) {
  bson_iter_t it, other;
  if (!bson_iter_init_from_data(&it, a, alen)) return 0;
  while (bson_iter_next(&it)) {
    const char *k = bson_iter_key(&it);
    if (target_chooses(k) || (BSON_ITER_HOLDS_BOOL(&it) && !bson_iter_bool(&it))) continue;
    if (!option(b, blen, k, &other) || !same_value(&it, &other)) return 0;
  }
  return 1;
}

static int same_spec(const asr_docs_iter_t *a, const asr_docs_iter_t *b) {
  return covers(a->doc, a->len, b->doc, b->len) && covers(b->doc, b->len, a->doc, a->len);
}

/* Both have the option with the same value, or neither has it. */
static int same_option(const asr_docs_iter_t *a, const asr_docs_iter_t *b, const char *key) {
  bson_iter_t x, y;
  int hx = option(a->doc, a->len, key, &x), hy = option(b->doc, b->len, key, &y);
  return hx == hy && (!hx || same_value(&x, &y));
}

/* Indexes MongoDB would not keep side by side: the same key pattern, told apart by neither
 * a partial filter nor a collation. */
static int same_key(const asr_docs_iter_t *a, const asr_docs_iter_t *b) {
  return same_option(a, b, "key") && same_option(a, b, "partialFilterExpression") &&
         same_option(a, b, "collation");
}

static const char *spec_name(const asr_docs_iter_t *s) {
  bson_iter_t it;
  if (bson_iter_init_from_data(&it, s->doc, s->len) && bson_iter_find(&it, "name") &&
      BSON_ITER_HOLDS_UTF8(&it))
    return bson_iter_utf8(&it, NULL);
  return "";
}

/* ---- talking to the servers ------------------------------------------------------------ */

static int list_indexes(const asr_mongo_conn_t *c, asr_docs_t *out, asr_err_t *err) {
  mongoc_client_t *client = mongoc_client_pool_pop(c->pool);
  mongoc_collection_t *coll = mongoc_client_get_collection(client, c->db, c->coll);
  /* A collection that does not exist has no indexes: libmongoc answers an empty cursor. */
  mongoc_cursor_t *cur = mongoc_collection_find_indexes_with_opts(coll, NULL);
  const bson_t *doc;
  bson_error_t e;
  int rc = 0;
  while (rc == 0 && mongoc_cursor_next(cur, &doc)) rc = asr_docs_append_bson(out, doc);
  if (rc) {
    rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
  } else if (mongoc_cursor_error(cur, &e)) {
    char red[512];
    asr_redact_uri(e.message, red, sizeof red);
    rc = asr_err_set(err, io_code(&e), "listing the indexes of %s.%s: %s", c->db, c->coll, red);
  }
  mongoc_cursor_destroy(cur);
  mongoc_collection_destroy(coll);
  mongoc_client_pool_push(c->pool, client);
  return rc;
}

/* The spec to create: everything but what the target chooses. */
static void append_spec(bson_t *indexes, uint32_t i, const asr_docs_iter_t *s) {
  char key[16];
  const char *k;
  bson_uint32_to_string(i, &k, key, sizeof key);
  bson_t spec;
  bson_iter_t it;
  bson_append_document_begin(indexes, k, -1, &spec);
  if (bson_iter_init_from_data(&it, s->doc, s->len))
    while (bson_iter_next(&it))
      if (!target_chooses(bson_iter_key(&it))) bson_append_iter(&spec, NULL, 0, &it);
  bson_append_document_end(indexes, &spec);
}

static int conflict(const asr_mongo_conn_t *to, const asr_docs_iter_t *s,
                    const asr_docs_iter_t *t, asr_err_t *err) {
  bson_t sb, tb;
  bson_init_static(&sb, s->doc, s->len);
  bson_init_static(&tb, t->doc, t->len);
  char *sj = bson_as_relaxed_extended_json(&sb, NULL);
  char *tj = bson_as_relaxed_extended_json(&tb, NULL);
  const char *sn = spec_name(s), *tn = spec_name(t);
  int rc;
  if (strcmp(sn, tn) == 0)
    rc = asr_err_set(err, ASR_EINVAL,
                     "index '%s' exists on the target %s.%s with another definition: %s "
                     "(source: %s)", sn, to->db, to->coll, tj ? tj : "?", sj ? sj : "?");
  else
    rc = asr_err_set(err, ASR_EINVAL,
                     "index '%s' conflicts with index '%s' of the target %s.%s on the same key "
                     "(drop or rename one): %s (source: %s)", sn, tn, to->db, to->coll,
                     tj ? tj : "?", sj ? sj : "?");
  bson_free(sj);
  bson_free(tj);
  return rc;
}

/* Adds to `indexes` the source specs the target lacks; *n counts them. */
static int plan_creates(const asr_mongo_conn_t *to, const asr_docs_t *src, const asr_docs_t *dst,
                        bson_t *indexes, uint32_t *n, asr_err_t *err) {
  for (asr_docs_iter_t s = asr_docs_begin(src); asr_docs_next(&s);) {
    if (strcmp(spec_name(&s), "_id_") == 0) continue;
    int present = 0;
    for (asr_docs_iter_t t = asr_docs_begin(dst); !present && asr_docs_next(&t);) {
      int named = strcmp(spec_name(&s), spec_name(&t)) == 0;
      if (named && same_spec(&s, &t)) present = 1;
      else if (named || same_key(&s, &t)) return conflict(to, &s, &t, err);
    }
    if (!present) append_spec(indexes, (*n)++, &s);
  }
  return 0;
}

static int create_indexes(const asr_mongo_conn_t *to, bson_t *cmd, asr_err_t *err) {
  mongoc_client_t *client = mongoc_client_pool_pop(to->pool);
  mongoc_collection_t *coll = mongoc_client_get_collection(client, to->db, to->coll);
  bson_error_t e;
  bson_t reply;
  int rc = 0;
  if (!mongoc_collection_write_command_with_opts(coll, cmd, NULL, &reply, &e)) {
    char red[512];
    asr_redact_uri(e.message, red, sizeof red);
    rc = asr_err_set(err, io_code(&e), "creating indexes on %s.%s: %s", to->db, to->coll, red);
  }
  bson_destroy(&reply);
  mongoc_collection_destroy(coll);
  mongoc_client_pool_push(to->pool, client);
  return rc;
}

int asr_mongo_copy_indexes(const asr_mongo_conn_t *from, const asr_mongo_conn_t *to,
                           uint32_t *copied, asr_err_t *err) {
  asr_docs_t src, dst;
  asr_docs_init(&src);
  asr_docs_init(&dst);
  bson_t cmd = BSON_INITIALIZER, indexes;
  uint32_t n = 0;
  int rc = 0;
  if (copied) *copied = 0;
  if (!from->coll || !to->coll) {
    rc = asr_err_set(err, ASR_EINVAL, "copying indexes needs a source and a target collection");
    goto done;
  }
  if ((rc = list_indexes(from, &src, err)) || (rc = list_indexes(to, &dst, err))) goto done;
  BSON_APPEND_UTF8(&cmd, "createIndexes", to->coll);
  bson_append_array_begin(&cmd, "indexes", -1, &indexes);
  rc = plan_creates(to, &src, &dst, &indexes, &n, err);
  bson_append_array_end(&cmd, &indexes);
  if (rc || n == 0 || (rc = create_indexes(to, &cmd, err))) goto done;
  if (copied) *copied = n;
  asr_log_info("mongo.indexes", "copied %u indexes from %s.%s to %s.%s", n, from->db,
               from->coll, to->db, to->coll);
done:
  bson_destroy(&cmd);
  asr_docs_free(&src);
  asr_docs_free(&dst);
  return rc;
}
