/* The MongoDB collection source: parallel reads by _id ranges, through libmongoc.
 *
 * open (caller's thread) connects, pings, parses filter and projection and counts the matching
 * documents, so configuration errors surface before the run. The first `next` (producer
 * thread), once the pipeline's batch size is known, plans the ranges: it samples k _ids of the
 * matching documents ($sample, then $sort on the server, which knows BSON's order across
 * types), keeps the distinct ones as boundaries b1 < b2 < ... < bk and hands out the ranges
 * [MinKey, b1), [b1, b2), ..., [bk, MaxKey) one per batch: they cover the whole _id space
 * whatever the sample was, so nothing is missed or read twice; a skewed sample only makes
 * uneven batches. Without $sample (some servers) everything is one range. `decode` (workers,
 * each with its own client popped from the pool) runs find(filter AND _id in range,
 * projection, sort {_id: 1}) and appends the documents.
 *
 * Resume (comes later): every batch carries its range in b->raw (see mongo.h) and ranges are
 * handed out in _id order, so a checkpoint that records the completed ranges can restart at
 * the lo of the first range not completed, adding {_id: {$gte: lo}} to the filter (ranges
 * completed after it are re-read or skipped by range number, never lost). Since each range is
 * read sorted by _id, a range itself can also resume after its last written _id.
 *
 * limit: the limit-th matching _id (in _id order) is found at open and closes the last range
 * ($lte), so the source yields exactly the first `limit` matching documents in _id order
 * (unless the collection changes during the run).
 *
 * Ownership: the source owns the URI, the client pool, the producer-side client and the plan;
 * each worker owns the client it popped (returned to the pool by worker_close). The filter and
 * the find options are read-only once open returns and shared by every worker. */
#include "sources/mongo.h"

#include <mongoc/mongoc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/pipeline.h"
#include "util/log.h"

#define DEFAULT_SELECTION_TIMEOUT_MS 10000
/* Caps the sample: a batch size of 1 over a huge collection would otherwise sample every _id.
 * Beyond it, ranges hold more than one batch's worth. */
#define MAX_RANGES 100000u

typedef struct mongo_source {
  asr_source_t base;
  char *redacted; /* the URI without credentials: the only form that appears in messages */
  mongoc_uri_t *uri;
  mongoc_client_pool_t *pool;
  mongoc_client_t *client; /* open, then the producer thread (planning); never both at once */
  mongoc_collection_t *coll;
  char *db, *coll_name;
  bson_t *filter;    /* {} when none */
  bson_t *find_opts; /* projection, sort {_id: 1}, batchSize */
  int64_t limit;
  int64_t count; /* matching documents at open, at most limit */
  bson_t *cap;   /* {_id: <last included>} when the limit cuts the matching documents */
  /* The plan (first next): boundaries as back-to-back {_id: v} documents, walked in order. */
  int planned;
  asr_docs_t bounds;
  asr_docs_iter_t bound_it;
  const uint8_t *lo; /* the previous boundary: lo of the next range (NULL: MinKey) */
  uint32_t lo_len;
  uint32_t nranges, next_range;
  uint64_t range_size; /* planned documents per range, for first_index */
} mongo_source_t;

struct asr_source_worker {
  mongoc_client_t *client;
  mongoc_collection_t *coll;
  bson_t *query; /* rebuilt for each range */
};

/* ---- credentials ---- */

static int is_secret_option(const char *key, size_t n) {
  static const char *const words[] = {"password", "secret", "token", "authmechanismproperties"};
  char lower[64];
  if (n >= sizeof lower) n = sizeof lower - 1;
  for (size_t i = 0; i < n; i++) lower[i] = (char)(key[i] | 0x20);
  lower[n] = '\0';
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
    if (strstr(lower, words[i])) return 1;
  return 0;
}

/* A copy of uri with the user info replaced by `who` and the values of secret-bearing options
 * by `value`. Works on malformed URIs too, since those are the ones that end up in messages. */
static char *replace_secrets(const char *uri, const char *who, const char *value) {
  size_t n = strlen(uri), wn = strlen(who), vn = strlen(value);
  char *out = malloc(n + (n + 1) * (wn > vn ? wn : vn) + 1); /* at most one per input byte */
  if (!out) return NULL;
  const char *scheme = strstr(uri, "://");
  const char *start = scheme ? scheme + 3 : uri;
  const char *query = strchr(start, '?');
  const char *end = query ? query : uri + n;
  const char *at = NULL;
  for (const char *p = start; p < end; p++)
    if (*p == '@') at = p;
  char *o = out;
  if (at) {
    memcpy(o, uri, (size_t)(start - uri));
    o += start - uri;
    memcpy(o, who, wn);
    o += wn;
    start = at;
  } else {
    start = uri;
  }
  memcpy(o, start, (size_t)(end - start));
  o += end - start;
  for (const char *p = end; *p;) { /* ?k=v&k=v;k=v */
    *o++ = *p++;
    size_t klen = strcspn(p, "=&;");
    int secret = is_secret_option(p, klen);
    memcpy(o, p, klen);
    o += klen;
    p += klen;
    if (*p != '=') continue;
    *o++ = *p++;
    size_t vlen = strcspn(p, "&;");
    memcpy(o, secret ? value : p, secret ? vn : vlen);
    o += secret ? vn : vlen;
    p += vlen;
  }
  *o = '\0';
  return out;
}

/* The URI for messages. Local stand-in for asr_redact_uri (host/util/redact.h, being written
 * in parallel): switch to it once it lands. */
static char *redact_uri(const char *uri) { return replace_secrets(uri, "***", "***"); }

/* ---- open ---- */

/* libmongoc reads the URI path as a database name only: "/db.collection" is split here, and
 * the URI handed on keeps "/db" (which is also the default auth database, as with mongosh). */
static int split_uri_path(const char *uri, char **rewritten, char **db, char **coll) {
  *rewritten = *db = *coll = NULL;
  const char *scheme = strstr(uri, "://");
  const char *start = scheme ? scheme + 3 : uri;
  const char *end = strchr(start, '?');
  if (!end) end = uri + strlen(uri);
  for (const char *p = start; p < end; p++) /* the host list starts after the user info */
    if (*p == '@') start = p + 1;
  const char *slash = memchr(start, '/', (size_t)(end - start));
  const char *dot = slash ? memchr(slash, '.', (size_t)(end - slash)) : NULL;
  if (slash && slash + 1 < end) {
    const char *db_end = dot ? dot : end;
    *db = strndup(slash + 1, (size_t)(db_end - slash - 1));
    if (!*db) return ASR_ENOMEM;
  }
  if (dot && dot + 1 < end && !(*coll = strndup(dot + 1, (size_t)(end - dot - 1))))
    return ASR_ENOMEM;
  if (asprintf(rewritten, "%.*s%s", (int)((dot ? dot : end) - uri), uri, end) < 0) {
    *rewritten = NULL;
    return ASR_ENOMEM;
  }
  return 0;
}

/* Parses relaxed or canonical Extended JSON into a document; what = "filter"/"projection". */
static int parse_json_doc(const char *json, const char *what, bson_t **out, asr_err_t *err) {
  bson_error_t error;
  const char *p = json + strspn(json, " \t\r\n");
  if (*p != '{')
    return asr_err_set(err, ASR_EINVAL, "the %s must be a JSON object, got: %.80s", what, json);
  *out = bson_new_from_json((const uint8_t *)json, -1, &error);
  if (!*out)
    return asr_err_set(err, ASR_EINVAL, "the %s is not valid Extended JSON: %s", what,
                       error.message);
  return 0;
}

/* libmongoc's parse errors may quote the password ("Password \"...\" must not have unescaped
 * chars"), so the message comes from parsing the URI again with placeholders for every
 * secret: if that parses, the fault is in a secret and the message says so without it. */
static int uri_error(const mongo_source_t *s, const char *uri, asr_err_t *err) {
  bson_error_t error;
  char *probe = replace_secrets(uri, "user:password", "x:x");
  if (!probe) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  mongoc_uri_t *u = mongoc_uri_new_with_error(probe, &error);
  free(probe);
  if (!u)
    return asr_err_set(err, ASR_EINVAL, "malformed MongoDB URI %s: %s", s->redacted,
                       error.message);
  mongoc_uri_destroy(u);
  return asr_err_set(err, ASR_EINVAL,
                     "malformed MongoDB URI %s: invalid credentials or secret option "
                     "(percent-encode user name and password as RFC 3986 says)", s->redacted);
}

static int parse_uri(mongo_source_t *s, const asr_mongo_source_cfg_t *cfg, asr_err_t *err) {
  char *rewritten = NULL, *path_db = NULL, *path_coll = NULL;
  bson_error_t error;
  int rc = split_uri_path(cfg->uri, &rewritten, &path_db, &path_coll);
  if (rc) {
    rc = asr_err_set(err, rc, "out of memory");
    goto done;
  }
  s->uri = mongoc_uri_new_with_error(rewritten, &error);
  if (!s->uri) {
    rc = uri_error(s, rewritten, err);
    goto done;
  }
  if (cfg->server_selection_timeout_ms > 0 ||
      !mongoc_uri_has_option(s->uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS))
    mongoc_uri_set_option_as_int32(s->uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS,
                                   cfg->server_selection_timeout_ms > 0
                                       ? cfg->server_selection_timeout_ms
                                       : DEFAULT_SELECTION_TIMEOUT_MS);
  if (!mongoc_uri_get_appname(s->uri)) mongoc_uri_set_appname(s->uri, "asrun");
  const char *db = cfg->database ? cfg->database : path_db;
  const char *coll = cfg->collection ? cfg->collection : path_coll;
  if (!db || !*db || !coll || !*coll) {
    rc = asr_err_set(err, ASR_EINVAL,
                     "MongoDB source %s: no %s name (give it, or write the URI path as "
                     "/database.collection)", s->redacted, !db || !*db ? "database" : "collection");
    goto done;
  }
  if (!(s->db = strdup(db)) || !(s->coll_name = strdup(coll)))
    rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
done:
  free(rewritten);
  free(path_db);
  free(path_coll);
  return rc;
}

static int build_find_opts(mongo_source_t *s, const asr_mongo_source_cfg_t *cfg, asr_err_t *err) {
  bson_t *projection = NULL;
  int rc = 0;
  if (cfg->projection_json &&
      (rc = parse_json_doc(cfg->projection_json, "projection", &projection, err)))
    return rc;
  s->find_opts = BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}");
  if (projection) BSON_APPEND_DOCUMENT(s->find_opts, "projection", projection);
  if (cfg->cursor_batch > 0) BSON_APPEND_INT32(s->find_opts, "batchSize", cfg->cursor_batch);
  bson_destroy(projection);
  return 0;
}

/* Finds the limit-th matching _id in _id order: the inclusive end of the last range. */
static int find_cap(mongo_source_t *s, asr_err_t *err) {
  bson_error_t error;
  bson_t *opts = BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}", "projection", "{", "_id",
                          BCON_INT32(1), "}", "skip", BCON_INT64(s->limit - 1), "limit",
                          BCON_INT64(1));
  mongoc_cursor_t *cur = mongoc_collection_find_with_opts(s->coll, s->filter, opts, NULL);
  const bson_t *doc;
  bson_iter_t it;
  int rc = 0;
  if (mongoc_cursor_next(cur, &doc) && bson_iter_init_find(&it, doc, "_id")) {
    s->cap = bson_new();
    bson_append_iter(s->cap, "_id", 3, &it);
  } else if (mongoc_cursor_error(cur, &error)) {
    rc = asr_err_set(err, ASR_EINVAL, "MongoDB source %s.%s: finding the end of the limit: %s",
                     s->db, s->coll_name, error.message);
  }
  mongoc_cursor_destroy(cur);
  bson_destroy(opts);
  return rc;
}

/* Ping, then the matching count (which also has the server check the filter). */
static int check_and_count(mongo_source_t *s, asr_err_t *err) {
  bson_error_t error;
  bson_t *ping = BCON_NEW("ping", BCON_INT32(1));
  int ok = mongoc_client_command_simple(s->client, "admin", ping, NULL, NULL, &error);
  bson_destroy(ping);
  if (!ok)
    return asr_err_set(err, ASR_EINVAL, "cannot reach MongoDB at %s: %s", s->redacted,
                       error.message);
  /* The whole collection: the server's metadata count (instant, and the plan only needs about
   * how many). Otherwise the exact count, stopping at the limit. */
  s->count = -1;
  if (bson_empty(s->filter) && s->limit < 0)
    s->count = mongoc_collection_estimated_document_count(s->coll, NULL, NULL, NULL, &error);
  if (s->count < 0) {
    bson_t *opts = s->limit >= 0 ? BCON_NEW("limit", BCON_INT64(s->limit)) : NULL;
    s->count = mongoc_collection_count_documents(s->coll, s->filter, opts, NULL, NULL, &error);
    bson_destroy(opts);
  }
  if (s->count < 0)
    return asr_err_set(err, ASR_EINVAL, "MongoDB source %s.%s: counting documents: %s",
                       s->db, s->coll_name, error.message);
  if (s->limit > 0 && s->count == s->limit) return find_cap(s, err);
  return 0;
}

static int connect_pool(mongo_source_t *s, asr_err_t *err) {
  bson_error_t error;
  s->pool = mongoc_client_pool_new_with_error(s->uri, &error);
  if (!s->pool)
    return asr_err_set(err, ASR_EINVAL, "MongoDB URI %s: %s", s->redacted, error.message);
  mongoc_client_pool_set_error_api(s->pool, MONGOC_ERROR_API_VERSION_2);
  /* One client per worker plus the producer's: pop never blocks. */
  mongoc_client_pool_max_size(s->pool, ASR_MAX_WORKERS + 1);
  s->client = mongoc_client_pool_pop(s->pool);
  s->coll = mongoc_client_get_collection(s->client, s->db, s->coll_name);
  return 0;
}

static int describe(mongo_source_t *s, asr_err_t *err) {
  int filtered = !bson_empty(s->filter);
  if (asprintf(&s->base.description, "mongodb %s %s.%s (%lld %sdocuments%s)", s->redacted, s->db,
               s->coll_name, (long long)s->count, filtered ? "matching " : "",
               s->cap ? ", limited" : "") < 0) {
    s->base.description = NULL;
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  }
  return 0;
}

/* ---- queries ---- */

/* query = filter AND {_id: {$gte: lo, $lt|$lte: hi}}, with the bounds of `range` (a batch's
 * range document, see mongo.h). */
static void build_query(const mongo_source_t *s, const bson_t *range, bson_t *query) {
  bson_t ids, arr, item;
  bson_iter_t lo, hi, incl;
  int has_lo = bson_iter_init_find(&lo, range, "lo");
  int has_hi = bson_iter_init_find(&hi, range, "hi");
  int inclusive = bson_iter_init_find(&incl, range, "hi_inclusive") && bson_iter_as_bool(&incl);
  bson_reinit(query);
  if (!has_lo && !has_hi) {
    bson_concat(query, s->filter);
    return;
  }
  bson_t *target = query;
  if (!bson_empty(s->filter)) {
    BSON_APPEND_ARRAY_BEGIN(query, "$and", &arr);
    BSON_APPEND_DOCUMENT(&arr, "0", s->filter);
    BSON_APPEND_DOCUMENT_BEGIN(&arr, "1", &item);
    target = &item;
  }
  BSON_APPEND_DOCUMENT_BEGIN(target, "_id", &ids);
  if (has_lo) bson_append_iter(&ids, "$gte", 4, &lo);
  if (has_hi) bson_append_iter(&ids, inclusive ? "$lte" : "$lt", 3 + inclusive, &hi);
  bson_append_document_end(target, &ids);
  if (target != query) {
    bson_append_document_end(&arr, &item);
    bson_append_array_end(query, &arr);
  }
}

/* ---- the plan (producer thread) ---- */

/* Runs the sampling pipeline; appends the boundaries, sorted by the server, without repeats
 * ($sample may return a document twice). Returns 0, 1 when the server refused (message in
 * error), or ASR_ENOMEM. */
static int sample_once(mongo_source_t *s, const bson_t *pipeline, const bson_t *opts,
                       bson_error_t *error) {
  mongoc_cursor_t *cur =
      mongoc_collection_aggregate(s->coll, MONGOC_QUERY_NONE, pipeline, opts, NULL);
  const bson_t *doc;
  const uint8_t *last = NULL;
  uint32_t last_len = 0;
  int rc = 0;
  while (rc == 0 && mongoc_cursor_next(cur, &doc)) {
    if (last && doc->len == last_len && memcmp(bson_get_data(doc), last, last_len) == 0) continue;
    size_t at = s->bounds.buf.len;
    rc = asr_docs_append_bson(&s->bounds, doc);
    last = s->bounds.buf.data + at; /* the buffer may have moved: point into it after append */
    last_len = doc->len;
  }
  if (rc == 0 && mongoc_cursor_error(cur, error)) {
    asr_docs_reset(&s->bounds);
    rc = 1;
  }
  mongoc_cursor_destroy(cur);
  return rc;
}

/* Samples k boundaries among the matching documents (below the limit's end). A large sample
 * sorts on the server, hence allowDiskUse; a server that refuses it is asked again without,
 * and one that cannot sample at all gets a single range (with a warning). */
static int sample_bounds(mongo_source_t *s, uint64_t k, asr_err_t *err) {
  bson_error_t error;
  bson_t *range = bson_new(), *match = bson_new();
  if (s->cap) {
    bson_iter_t it;
    bson_iter_init_find(&it, s->cap, "_id");
    bson_append_iter(range, "hi", 2, &it);
    BSON_APPEND_BOOL(range, "hi_inclusive", true);
  }
  build_query(s, range, match);
  bson_t *pipeline = BCON_NEW(
      "pipeline", "[", "{", "$match", BCON_DOCUMENT(match), "}",
      "{", "$sample", "{", "size", BCON_INT64((int64_t)k), "}", "}",
      "{", "$project", "{", "_id", BCON_INT32(1), "}", "}",
      "{", "$sort", "{", "_id", BCON_INT32(1), "}", "}", "]");
  bson_t *disk = BCON_NEW("allowDiskUse", BCON_BOOL(true));
  int rc = sample_once(s, pipeline, disk, &error);
  if (rc == 1) rc = sample_once(s, pipeline, NULL, &error);
  if (rc == 1) {
    asr_log_warn("source.mongo.sample",
                 "cannot sample _id boundaries in %s.%s (%s): reading it as one range", s->db,
                 s->coll_name, error.message);
    rc = 0;
  }
  if (rc) rc = asr_err_set(err, rc, "out of memory");
  bson_destroy(disk);
  bson_destroy(pipeline);
  bson_destroy(match);
  bson_destroy(range);
  return rc;
}

static int plan(mongo_source_t *s, uint32_t per_range, asr_err_t *err) {
  s->planned = 1;
  if (s->limit == 0) return 0; /* nranges 0 */
  uint64_t n = (uint64_t)s->count;
  uint64_t want = n <= per_range ? 1 : (n + per_range - 1) / per_range;
  if (want > MAX_RANGES) want = MAX_RANGES;
  s->range_size = n / want ? n / want : 1;
  if (want > 1) {
    int rc = sample_bounds(s, want - 1, err);
    if (rc < 0) return rc;
  }
  s->nranges = s->bounds.count + 1;
  s->bound_it = asr_docs_begin(&s->bounds);
  return 0;
}

static void append_id(bson_t *dst, const char *key, const uint8_t *doc, uint32_t len) {
  bson_t d;
  bson_iter_t it;
  if (bson_init_static(&d, doc, len) && bson_iter_init_find(&it, &d, "_id"))
    bson_append_iter(dst, key, -1, &it);
}

static int mongo_next(asr_source_t *base, asr_batch_t *b, uint32_t max_records, asr_err_t *err) {
  mongo_source_t *s = (mongo_source_t *)base;
  int rc;
  if (!s->planned && (rc = plan(s, max_records ? max_records : 1, err))) return rc;
  if (s->next_range >= s->nranges) return 0;
  const uint8_t *hi = asr_docs_next(&s->bound_it) ? s->bound_it.doc : NULL;
  uint32_t hi_len = hi ? s->bound_it.len : 0;
  bson_t r = BSON_INITIALIZER;
  BSON_APPEND_INT64(&r, "range", s->next_range);
  if (s->lo) append_id(&r, "lo", s->lo, s->lo_len);
  if (hi) {
    append_id(&r, "hi", hi, hi_len);
  } else if (s->cap) {
    append_id(&r, "hi", bson_get_data(s->cap), s->cap->len);
    BSON_APPEND_BOOL(&r, "hi_inclusive", true);
  }
  rc = asr_buf_append(&b->raw, bson_get_data(&r), r.len);
  bson_destroy(&r);
  if (rc) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  s->lo = hi;
  s->lo_len = hi_len;
  b->first_index = s->next_range * s->range_size;
  b->count = 0;
  b->origin = (uint64_t)s->next_range + 1;
  s->next_range++;
  return 1;
}

/* ---- decode (workers) ---- */

static int mongo_decode(asr_source_t *base, asr_source_worker_t *w, const asr_batch_t *b,
                        asr_docs_t *out, asr_err_t *err) {
  mongo_source_t *s = (mongo_source_t *)base;
  bson_t range;
  if (!bson_init_static(&range, b->raw.data, b->raw.len))
    return asr_err_set(err, ASR_EDATA, "MongoDB source: batch %llu holds no _id range",
                       (unsigned long long)b->seq);
  build_query(s, &range, w->query);
  bson_error_t error;
  mongoc_cursor_t *cur = mongoc_collection_find_with_opts(w->coll, w->query, s->find_opts, NULL);
  const bson_t *doc;
  int rc = 0;
  while (rc == 0 && mongoc_cursor_next(cur, &doc)) rc = asr_docs_append_bson(out, doc);
  if (rc)
    rc = asr_err_set(err, rc, "out of memory");
  else if (mongoc_cursor_error(cur, &error))
    rc = asr_err_set(err, ASR_EIO, "reading %s.%s (_id range %llu): %s", s->db, s->coll_name,
                     (unsigned long long)(b->origin - 1), error.message);
  mongoc_cursor_destroy(cur);
  return rc;
}

static int mongo_worker_open(asr_source_t *base, asr_source_worker_t **out, asr_err_t *err) {
  mongo_source_t *s = (mongo_source_t *)base;
  asr_source_worker_t *w = calloc(1, sizeof *w);
  if (!w) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  w->client = mongoc_client_pool_pop(s->pool);
  w->coll = mongoc_client_get_collection(w->client, s->db, s->coll_name);
  w->query = bson_new();
  *out = w;
  return 0;
}

static void mongo_worker_close(asr_source_t *base, asr_source_worker_t *w) {
  mongo_source_t *s = (mongo_source_t *)base;
  bson_destroy(w->query);
  mongoc_collection_destroy(w->coll);
  mongoc_client_pool_push(s->pool, w->client);
  free(w);
}

static void mongo_destroy(asr_source_t *base) {
  mongo_source_t *s = (mongo_source_t *)base;
  mongoc_collection_destroy(s->coll);
  if (s->client) mongoc_client_pool_push(s->pool, s->client);
  mongoc_client_pool_destroy(s->pool);
  mongoc_uri_destroy(s->uri);
  bson_destroy(s->filter);
  bson_destroy(s->find_opts);
  bson_destroy(s->cap);
  asr_docs_free(&s->bounds);
  free(s->db);
  free(s->coll_name);
  free(s->redacted);
  free(s->base.description);
  free(s);
}

static const asr_source_vt_t mongo_vt = {
    .kind = "mongodb",
    .next = mongo_next,
    .decode = mongo_decode,
    .worker_open = mongo_worker_open,
    .worker_close = mongo_worker_close,
    .destroy = mongo_destroy,
};

int asr_source_mongo_open(const asr_mongo_source_cfg_t *cfg, asr_source_t **out, asr_err_t *err) {
  int rc = 0;
  *out = NULL;
  if (!cfg->uri || !*cfg->uri) return asr_err_set(err, ASR_EINVAL, "MongoDB source: no URI");
  if (cfg->limit < -1 || cfg->cursor_batch < 0 || cfg->server_selection_timeout_ms < 0)
    return asr_err_set(err, ASR_EINVAL,
                       "MongoDB source: limit, cursor batch and timeout must not be negative");
  mongoc_init(); /* once per process: later calls return at once */
  mongo_source_t *s = calloc(1, sizeof *s);
  if (!s) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  s->base.vt = &mongo_vt;
  s->limit = cfg->limit;
  asr_docs_init(&s->bounds);
  if (!(s->redacted = redact_uri(cfg->uri))) {
    rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
    goto done;
  }
  if ((rc = parse_uri(s, cfg, err))) goto done;
  if (cfg->filter_json) {
    if ((rc = parse_json_doc(cfg->filter_json, "filter", &s->filter, err))) goto done;
  } else {
    s->filter = bson_new();
  }
  if ((rc = build_find_opts(s, cfg, err))) goto done;
  if ((rc = connect_pool(s, err))) goto done;
  if ((rc = check_and_count(s, err))) goto done;
  rc = describe(s, err);
done:
  if (rc) mongo_destroy(&s->base);
  else *out = &s->base;
  return rc;
}
