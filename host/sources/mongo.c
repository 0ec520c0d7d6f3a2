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
 * Retries: a read that fails on the way (a cut connection, `Failed to send "getMore"`, a read
 * timeout, no server for a while, a lost cursor, throttling) is read again within the retry
 * budget (mongo/retry.h: backoff with jitter, RetryAfterMs honoured), from just after the
 * last _id it delivered ({_id: {$gt: last}} in place of the range's $gte lo: the range is
 * read sorted by _id), so nothing is lost or read twice. When a projection leaves _id out,
 * the read again skips the documents delivered instead (exact while the collection does not
 * change). Retries are counted for the scaler (stats).
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
 * The connection (URI parsing, unknown options refused, timeout, pool, ping, redaction) is
 * mongo/connect.c's.
 *
 * Ownership: the source owns the connection, the producer-side client and the plan;
 * each worker owns the client it popped (returned to the pool by worker_close). The filter and
 * the find options are read-only once open returns and shared by every worker. */
#include "sources/mongo.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "mongo/connect.h"
#include "mongo/retry.h"
#include "core/limits.h"
#include "util/log.h"

/* Caps the sample: a batch size of 1 over a huge collection would otherwise sample every _id.
 * Beyond it, ranges hold more than one batch's worth. */
#define MAX_RANGES 100000u

typedef struct mongo_source {
  asr_source_t base;
  asr_mongo_conn_t conn; /* pool, names, and the redacted URI: the only form in messages */
  mongoc_client_t *client; /* open, then the producer thread (planning); never both at once */
  mongoc_collection_t *coll;
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
  uint32_t *bound_at; /* offsets of the boundaries in bounds (for ahead) */
  uint64_t range_size; /* planned documents per range, for first_index */
  uint64_t retry_for_ms; /* the retry budget of a batch, from its first failed read */
  _Atomic uint64_t retries, throttles;
  _Atomic int stopping;   /* the run is stopping: no more retry waits */
  uv_mutex_t mu;          /* with wake: stopping wakes the workers waiting to retry */
  uv_cond_t wake;
  /* Resumed (seek): where the earlier run stopped, and up to where it may have written
   * ({_id: v} documents, owned); the first again_ranges ranges are "again". */
  bson_t *resume_lo, *again_hi;
  int resume_at_end, again_all;
  uint32_t again_ranges;
} mongo_source_t;

struct asr_source_worker {
  mongoc_client_t *client;
  mongoc_collection_t *coll;
  bson_t *query; /* rebuilt for each range, and for each retry */
  bson_t *after; /* {_id: <the last _id delivered>} of the range being read; empty: none */
  bson_t *skip_opts; /* the find options with a skip (retries without _id in the documents) */
  uint64_t rng;  /* retry jitter */
};

/* ---- open ---- */

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
                     s->conn.db, s->conn.coll, error.message);
  }
  mongoc_cursor_destroy(cur);
  bson_destroy(opts);
  return rc;
}

/* The matching count (which also has the server check the filter). */
static int check_and_count(mongo_source_t *s, asr_err_t *err) {
  bson_error_t error;
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
                       s->conn.db, s->conn.coll, error.message);
  if (s->limit > 0 && s->count == s->limit) return find_cap(s, err);
  return 0;
}

static int connect_pool(mongo_source_t *s, const asr_mongo_source_cfg_t *cfg, asr_err_t *err) {
  int rc = asr_mongo_connect(cfg->uri, cfg->database, cfg->collection,
                             cfg->server_selection_timeout_ms, 1, &s->conn, err);
  if (rc) return rc;
  /* One client per worker plus the producer's: pop never blocks. */
  mongoc_client_pool_max_size(s->conn.pool, ASR_MAX_WORKERS + 1);
  s->client = mongoc_client_pool_pop(s->conn.pool);
  s->coll = mongoc_client_get_collection(s->client, s->conn.db, s->conn.coll);
  return 0;
}

static int describe(mongo_source_t *s, asr_err_t *err) {
  int filtered = !bson_empty(s->filter);
  if (asprintf(&s->base.description, "mongodb %s %s.%s (%lld %sdocuments%s)", s->conn.redacted,
               s->conn.db, s->conn.coll, (long long)s->count, filtered ? "matching " : "",
               s->cap ? ", limited" : "") < 0) {
    s->base.description = NULL;
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  }
  return 0;
}

/* ---- queries ---- */

/* query = filter AND {_id: {$gte: lo, $lt|$lte: hi}}, with the bounds of `range` (a batch's
 * range document, see mongo.h); with {_id: {$gt: last}} instead of $gte lo when `after`
 * ({_id: last}, NULL or empty: none) is given. */
static void build_query(const mongo_source_t *s, const bson_t *range, const bson_t *after,
                        bson_t *query) {
  bson_t ids, arr, item;
  bson_iter_t lo, hi, incl;
  int has_after = after && bson_iter_init_find(&lo, after, "_id");
  int has_lo = has_after || bson_iter_init_find(&lo, range, "lo");
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
  if (has_lo) bson_append_iter(&ids, has_after ? "$gt" : "$gte", has_after ? 3 : 4, &lo);
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

/* {lo: <_id>, hi: <_id>, hi_inclusive: true} for the documents from lo (NULL: MinKey) up to
 * hi (NULL: the limit's end, or MaxKey); lo/hi are {_id: v} documents. */
static void range_doc(const mongo_source_t *s, const bson_t *lo, const bson_t *hi, bson_t *out) {
  bson_iter_t it;
  if (lo && bson_iter_init_find(&it, lo, "_id")) bson_append_iter(out, "lo", 2, &it);
  const bson_t *end = hi ? hi : s->cap;
  if (end && bson_iter_init_find(&it, end, "_id")) {
    bson_append_iter(out, "hi", 2, &it);
    if (!hi) BSON_APPEND_BOOL(out, "hi_inclusive", true);
  }
}

/* Samples k boundaries among the matching documents from lo below hi (see range_doc). A large
 * sample sorts on the server, hence allowDiskUse; a server that refuses it is asked again
 * without, and one that cannot sample at all gets a single range (with a warning). */
static int sample_bounds(mongo_source_t *s, uint64_t k, const bson_t *lo, const bson_t *hi,
                         asr_err_t *err) {
  bson_error_t error;
  bson_t *range = bson_new(), *match = bson_new();
  range_doc(s, lo, hi, range);
  build_query(s, range, NULL, match);
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
                 "cannot sample _id boundaries in %s.%s (%s): reading it as one range", s->conn.db,
                 s->conn.coll, error.message);
    rc = 0;
  }
  if (rc) rc = asr_err_set(err, rc, "out of memory");
  bson_destroy(disk);
  bson_destroy(pipeline);
  bson_destroy(match);
  bson_destroy(range);
  return rc;
}

/* The matching documents from lo below hi (see range_doc), for the ranges a resumed part
 * needs; -1 when the server cannot count them. */
static int64_t count_range(mongo_source_t *s, const bson_t *lo, const bson_t *hi) {
  bson_t range = BSON_INITIALIZER, query = BSON_INITIALIZER;
  range_doc(s, lo, hi, &range);
  build_query(s, &range, NULL, &query);
  bson_error_t error;
  int64_t n = mongoc_collection_count_documents(s->coll, &query, NULL, NULL, NULL, &error);
  bson_destroy(&range);
  bson_destroy(&query);
  return n;
}

/* Adds the boundaries of one part of the plan, from lo below hi, about per_range documents
 * per range. */
static int plan_part(mongo_source_t *s, const bson_t *lo, const bson_t *hi, uint32_t per_range,
                     asr_err_t *err) {
  int64_t n = lo || hi ? count_range(s, lo, hi) : s->count;
  if (n < 0) n = s->count;
  uint64_t want = (uint64_t)n <= per_range ? 1 : ((uint64_t)n + per_range - 1) / per_range;
  if (want > MAX_RANGES) want = MAX_RANGES;
  if (!s->range_size) s->range_size = (uint64_t)n / want ? (uint64_t)n / want : 1;
  return want > 1 ? sample_bounds(s, want - 1, lo, hi, err) : 0;
}

/* The ranges, from MinKey or a resumed run's start. A resumed run whose predecessor may have
 * written up to again_hi plans that part apart, with again_hi as a boundary, so every range is
 * wholly "again" or not at all. */
static int plan(mongo_source_t *s, uint32_t per_range, asr_err_t *err) {
  s->planned = 1;
  if (s->limit == 0 || s->resume_at_end) return 0; /* nranges 0 */
  int rc = 0;
  if (s->again_hi) {
    if ((rc = plan_part(s, s->resume_lo, s->again_hi, per_range, err))) return rc;
    if ((rc = asr_docs_append_bson(&s->bounds, s->again_hi)))
      return asr_err_set(err, rc, "out of memory");
    s->again_ranges = s->bounds.count;
  }
  if ((rc = plan_part(s, s->again_hi ? s->again_hi : s->resume_lo, NULL, per_range, err)))
    return rc;
  if (s->again_all) s->again_ranges = UINT32_MAX;
  s->nranges = s->bounds.count + 1;
  s->bound_it = asr_docs_begin(&s->bounds);
  if (!(s->bound_at = malloc((s->bounds.count + 1) * sizeof *s->bound_at)))
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  uint32_t k = 0;
  for (asr_docs_iter_t it = asr_docs_begin(&s->bounds); asr_docs_next(&it);)
    s->bound_at[k++] = (uint32_t)(it.doc - s->bounds.buf.data);
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
  b->again = s->next_range < s->again_ranges;
  b->count = 0;
  b->origin = (uint64_t)s->next_range + 1;
  s->next_range++;
  return 1;
}

/* ---- decode (workers) ---- */

/* One find over the batch's range (after w->after, or skipping `skip` documents), appending
 * what it reads to out, counting it in *delivered and keeping where the last one starts in
 * *last_at. Returns 0, 1 when the read failed (error filled), or ASR_ENOMEM. */
static int read_range(mongo_source_t *s, asr_source_worker_t *w, const bson_t *range,
                      uint32_t skip, asr_docs_t *out, uint32_t *delivered, size_t *last_at,
                      bson_error_t *error) {
  build_query(s, range, w->after, w->query);
  const bson_t *opts = s->find_opts;
  if (skip) {
    bson_reinit(w->skip_opts);
    bson_concat(w->skip_opts, s->find_opts);
    BSON_APPEND_INT64(w->skip_opts, "skip", skip);
    opts = w->skip_opts;
  }
  mongoc_cursor_t *cur = mongoc_collection_find_with_opts(w->coll, w->query, opts, NULL);
  const bson_t *doc;
  int rc = 0;
  while (rc == 0 && mongoc_cursor_next(cur, &doc)) {
    size_t at = out->buf.len;
    if ((rc = asr_docs_append_bson(out, doc)) == 0) {
      (*delivered)++;
      *last_at = at;
    }
  }
  if (rc == 0 && mongoc_cursor_error(cur, error)) rc = 1;
  mongoc_cursor_destroy(cur);
  return rc;
}

/* Remembers the _id of the last document delivered (at `at` in out) as w->after; returns 0
 * when it has none (a projection without _id). */
static int note_last_id(asr_source_worker_t *w, const asr_docs_t *out, size_t at) {
  bson_t last;
  bson_iter_t it;
  uint32_t len;
  memcpy(&len, out->buf.data + at, 4);
  if (!bson_init_static(&last, out->buf.data + at, len) || !bson_iter_init_find(&it, &last, "_id"))
    return 0;
  bson_reinit(w->after);
  bson_append_iter(w->after, "_id", 3, &it);
  return 1;
}

/* Waits ms, or less when the run is stopping. Returns ASR_ECANCELED then. */
static int wait_unless_stopping(mongo_source_t *s, uint64_t ms) {
  uint64_t deadline = uv_hrtime() + ms * 1000000u;
  uv_mutex_lock(&s->mu);
  while (!atomic_load(&s->stopping)) {
    uint64_t now = uv_hrtime();
    if (now >= deadline) break;
    uv_cond_timedwait(&s->wake, &s->mu, deadline - now);
  }
  uv_mutex_unlock(&s->mu);
  return atomic_load(&s->stopping) ? ASR_ECANCELED : 0;
}

/* After a failed read: the wait before the next one, within the batch's budget. Returns 0 to
 * read again, else the error that ends the batch (permanent, budget spent, run stopping). */
static int wait_to_retry(mongo_source_t *s, asr_source_worker_t *w, uint64_t range_no,
                         asr_retry_t *rt, const bson_error_t *error, asr_err_t *err) {
  asr_mongo_read_error_t kind = asr_mongo_read_error_class(error->domain, error->code,
                                                           error->message);
  if (kind == ASR_MONGO_READ_PERMANENT)
    return asr_err_set(err, ASR_EIO, "reading %s.%s (_id range %llu): %s", s->conn.db,
                       s->conn.coll, (unsigned long long)range_no, error->message);
  int throttled = kind == ASR_MONGO_READ_THROTTLED;
  if (throttled) atomic_fetch_add(&s->throttles, 1);
  int64_t ms = asr_retry_next(rt, uv_hrtime(), throttled,
                              asr_mongo_retry_after_ms(error->message), &w->rng);
  if (ms < 0)
    return asr_err_set(err, ASR_EIO, "reading %s.%s (_id range %llu): gave up after retrying "
                       "for %.1f s (%u retries, --retry-for %.1f s; last error: %s)",
                       s->conn.db, s->conn.coll, (unsigned long long)range_no,
                       asr_retry_spent_s(rt), rt->attempts, (double)rt->budget_ms / 1000.0,
                       error->message);
  if (wait_unless_stopping(s, (uint64_t)ms))
    return asr_err_set(err, ASR_ECANCELED, "run stopped while reading %s.%s (_id range %llu) "
                       "waited to retry (last error: %s)", s->conn.db, s->conn.coll,
                       (unsigned long long)range_no, error->message);
  atomic_fetch_add(&s->retries, 1);
  asr_log_debug("source.mongo.retry", "_id range %llu: read again in %lld ms (retry %u: %s)",
                (unsigned long long)range_no, (long long)ms, rt->attempts, error->message);
  return 0;
}

/* Reads the batch's _id range, sorted by _id; a read that fails on the way is read again
 * from after the last _id it delivered, within the retry budget. */
static int mongo_decode(asr_source_t *base, asr_source_worker_t *w, const asr_batch_t *b,
                        asr_docs_t *out, asr_err_t *err) {
  mongo_source_t *s = (mongo_source_t *)base;
  bson_t range;
  if (!bson_init_static(&range, b->raw.data, b->raw.len))
    return asr_err_set(err, ASR_EDATA, "MongoDB source: batch %llu holds no _id range",
                       (unsigned long long)b->seq);
  uint64_t range_no = b->origin - 1;
  asr_retry_t rt;
  asr_retry_start(&rt, s->retry_for_ms);
  bson_reinit(w->after);
  uint32_t delivered = 0, skip = 0;
  for (;;) {
    bson_error_t error;
    uint32_t before = delivered;
    size_t last_at = 0;
    int rc = read_range(s, w, &range, skip, out, &delivered, &last_at, &error);
    if (rc == ASR_ENOMEM) return asr_err_set(err, rc, "out of memory");
    if (rc == 0) return 0;
    /* The next read starts after the last document delivered. */
    if (delivered > before && !note_last_id(w, out, last_at)) skip = delivered;
    if ((rc = wait_to_retry(s, w, range_no, &rt, &error, err))) return rc;
  }
}

static int mongo_worker_open(asr_source_t *base, asr_worker_env_t *env, asr_source_worker_t **out,
                             asr_err_t *err) {
  mongo_source_t *s = (mongo_source_t *)base;
  asr_source_worker_t *w = calloc(1, sizeof *w);
  if (!w) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  w->client = mongoc_client_pool_pop(s->conn.pool);
  w->coll = mongoc_client_get_collection(w->client, s->conn.db, s->conn.coll);
  w->query = bson_new();
  w->after = bson_new();
  w->skip_opts = bson_new();
  w->rng = uv_hrtime() ^ (uint64_t)(uintptr_t)w;
  *out = w;
  return 0;
}

static void mongo_worker_close(asr_source_t *base, asr_source_worker_t *w) {
  mongo_source_t *s = (mongo_source_t *)base;
  bson_destroy(w->query);
  bson_destroy(w->after);
  bson_destroy(w->skip_opts);
  mongoc_collection_destroy(w->coll);
  mongoc_client_pool_push(s->conn.pool, w->client);
  free(w);
}

/* The lo of the next range: a boundary (in bounds, never moved once planned), the resumed
 * start, or MinKey; at_end once every range is out. */
static void mongo_tell(asr_source_t *base, asr_source_pos_t *pos) {
  mongo_source_t *s = (mongo_source_t *)base;
  *pos = (asr_source_pos_t){.index = (uint64_t)s->next_range * s->range_size};
  pos->at_end = s->resume_at_end || (s->planned && s->next_range >= s->nranges);
  if (!pos->at_end && s->lo) {
    pos->key = s->lo;
    pos->key_len = s->lo_len;
  }
}

/* The lo of the range `records` documents (by the plan's range size) past the next one. */
static void mongo_ahead(asr_source_t *base, uint64_t records, asr_source_pos_t *pos) {
  mongo_source_t *s = (mongo_source_t *)base;
  uint64_t size = s->range_size ? s->range_size : 1;
  uint64_t k = s->next_range + (records + size - 1) / size;
  if (k <= s->next_range) k = s->next_range + 1;
  *pos = (asr_source_pos_t){.index = k * size};
  if (!s->planned || k >= s->nranges) { /* past the last range (or no plan: all of it) */
    pos->at_end = 1;
    return;
  }
  pos->key = s->bounds.buf.data + s->bound_at[k - 1]; /* range k starts at boundary k - 1 */
  memcpy(&pos->key_len, pos->key, 4);
}

static int copy_key(const asr_source_pos_t *pos, bson_t **out, asr_err_t *err) {
  bson_iter_t it;
  if (!(*out = bson_new_from_data(pos->key, pos->key_len)))
    return asr_err_set(err, ASR_EINVAL, "the checkpoint's _id position is not a BSON document");
  if (!bson_iter_init_find(&it, *out, "_id"))
    return asr_err_set(err, ASR_EINVAL, "the checkpoint's _id position holds no _id");
  return 0;
}

static int mongo_seek(asr_source_t *base, const asr_source_pos_t *from,
                      const asr_source_pos_t *again, asr_err_t *err) {
  mongo_source_t *s = (mongo_source_t *)base;
  int rc = 0;
  s->resume_at_end = from->at_end;
  if (from->key && (rc = copy_key(from, &s->resume_lo, err))) return rc;
  if (s->resume_lo) {
    s->lo = bson_get_data(s->resume_lo);
    s->lo_len = s->resume_lo->len;
  }
  if (!again) return 0;
  if (again->at_end) s->again_all = 1;
  else if (again->key && (rc = copy_key(again, &s->again_hi, err))) return rc;
  return 0;
}

static void mongo_destroy(asr_source_t *base) {
  mongo_source_t *s = (mongo_source_t *)base;
  bson_destroy(s->resume_lo);
  bson_destroy(s->again_hi);
  mongoc_collection_destroy(s->coll);
  if (s->client) mongoc_client_pool_push(s->conn.pool, s->client);
  asr_mongo_conn_close(&s->conn);
  bson_destroy(s->filter);
  bson_destroy(s->find_opts);
  bson_destroy(s->cap);
  asr_docs_free(&s->bounds);
  uv_cond_destroy(&s->wake);
  uv_mutex_destroy(&s->mu);
  free(s->bound_at);
  free(s->base.description);
  free(s);
}

static void mongo_stats(asr_source_t *base, asr_source_stats_t *out) {
  mongo_source_t *s = (mongo_source_t *)base;
  out->retries = atomic_load(&s->retries);
  out->throttles = atomic_load(&s->throttles);
}

static void mongo_stopping(asr_source_t *base) {
  mongo_source_t *s = (mongo_source_t *)base;
  uv_mutex_lock(&s->mu);
  atomic_store(&s->stopping, 1);
  uv_cond_broadcast(&s->wake);
  uv_mutex_unlock(&s->mu);
}

static const asr_source_vt_t mongo_vt = {
    .kind = "mongodb",
    .next = mongo_next,
    .decode = mongo_decode,
    .worker_open = mongo_worker_open,
    .worker_close = mongo_worker_close,
    .destroy = mongo_destroy,
    .stats = mongo_stats,
    .stopping = mongo_stopping,
    .tell = mongo_tell,
    .seek = mongo_seek,
    .ahead = mongo_ahead,
};

int asr_source_mongo_open(const asr_mongo_source_cfg_t *cfg, asr_source_t **out, asr_err_t *err) {
  int rc = 0;
  *out = NULL;
  if (!cfg->uri || !*cfg->uri) return asr_err_set(err, ASR_EINVAL, "MongoDB source: no URI");
  if (cfg->limit < -1 || cfg->cursor_batch < 0 || cfg->server_selection_timeout_ms < 0)
    return asr_err_set(err, ASR_EINVAL,
                       "MongoDB source: limit, cursor batch and timeout must not be negative");
  mongo_source_t *s = calloc(1, sizeof *s);
  if (!s) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  s->base.vt = &mongo_vt;
  s->limit = cfg->limit;
  s->retry_for_ms = asr_retry_budget_ms(cfg->retry_for_ms);
  uv_mutex_init(&s->mu);
  uv_cond_init(&s->wake);
  asr_docs_init(&s->bounds);
  if (cfg->filter_json) {
    if ((rc = parse_json_doc(cfg->filter_json, "filter", &s->filter, err))) goto done;
  } else {
    s->filter = bson_new();
  }
  if ((rc = build_find_opts(s, cfg, err))) goto done;
  if ((rc = connect_pool(s, cfg, err))) goto done;
  if ((rc = check_and_count(s, err))) goto done;
  s->base.total_records = s->count > 0 ? (uint64_t)s->count : 0;
  rc = describe(s, err);
done:
  if (rc) mongo_destroy(&s->base);
  else *out = &s->base;
  return rc;
}
