/* --verify (see verify.h).
 *
 * The sample is read from the source in one aggregation (with a projection, read again by
 * _id through it, as the run's source read it), mapped, and put in canonical form
 * (_id first, as MongoDB stores a document; the rest in order) in `want`. The target side
 * is fetched by _id in chunks ({_id: {$in: [...]}}), one query per CHUNK documents rather
 * than one per document, put in the same form and matched to `want` by the bytes of the _id
 * element. Equal documents have equal canonical bytes, so a hash of them decides; only a
 * difference is looked at field by field, to name it. A generated source has no collection
 * to sample: the runtime regenerates documents by index and hands them in
 * (asr_mongo_verify_docs), and they are checked the same way.
 *
 * Ownership: one client per connection is popped for the call and pushed back; every
 * buffer belongs to the verify_t and is freed on the one `done` path. Not a hot path: the
 * sample is small, so per-document bson_t work is fine here. */
#include "mongo/verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/redact.h"

#define CHUNK 500u /* _ids per target query */

typedef struct verify {
  const asr_mongo_conn_t *source, *target;
  mongoc_client_t *sclient, *tclient;
  mongoc_collection_t *scoll, *tcoll;
  asr_verify_map_fn map;
  void *ud;
  const bson_t *projection; /* the source's projection (NULL: whole documents) */
  asr_docs_t sampled;  /* the source documents drawn, as the server returned them */
  asr_docs_t mapped;   /* what one source document maps to */
  asr_docs_t want;     /* the sample, mapped and canonical, in sample order */
  asr_docs_t got;      /* one target document, canonical */
  const uint64_t *index; /* per document of want: the record it was made from (NULL: none) */
  asr_verify_result_t *out;
} verify_t;

static int server_error(const char *what, const asr_mongo_conn_t *c, const bson_error_t *e,
                        asr_err_t *err) {
  char red[512];
  asr_redact_uri(e->message, red, sizeof red);
  return asr_err_set(err, ASR_EIO, "verify: %s %s.%s: %s", what, c->db, c->coll, red);
}

/* ---- canonical form -------------------------------------------------------------------- */

/* Appends doc to out with its _id first. Returns 1, 0 when doc has no _id (nothing
 * appended), or ASR_ENOMEM. */
static int canonical(const uint8_t *doc, uint32_t len, asr_docs_t *out) {
  bson_iter_t it, id;
  if (!bson_iter_init_from_data(&id, doc, len) || !bson_iter_find(&id, "_id")) return 0;
  bson_t b = BSON_INITIALIZER;
  bson_append_iter(&b, "_id", 3, &id);
  bson_iter_init_from_data(&it, doc, len);
  while (bson_iter_next(&it))
    if (strcmp(bson_iter_key(&it), "_id") != 0) bson_append_iter(&b, NULL, 0, &it);
  int rc = asr_docs_append_bson(out, &b);
  bson_destroy(&b);
  return rc ? rc : 1;
}

/* Bytes of a canonical document's first element: its _id (type, key and value). */
static uint32_t id_elem_len(const uint8_t *doc, uint32_t len) {
  bson_iter_t it;
  if (!bson_iter_init_from_data(&it, doc, len) || !bson_iter_next(&it)) return 0;
  return (bson_iter_next(&it) ? (uint32_t)bson_iter_offset(&it) : len - 1) - 4;
}

static uint64_t hash_bytes(const uint8_t *p, uint32_t n) { /* FNV-1a, 64 bits */
  uint64_t h = 14695981039346656037ull;
  for (uint32_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

/* ---- describing a difference ----------------------------------------------------------- */

static void format_id(const uint8_t *doc, uint32_t len, char *out, size_t n) {
  bson_iter_t it;
  if (!bson_iter_init_from_data(&it, doc, len) || !bson_iter_next(&it)) {
    snprintf(out, n, "?");
    return;
  }
  if (BSON_ITER_HOLDS_OID(&it)) {
    char hex[25];
    bson_oid_to_string(bson_iter_oid(&it), hex);
    snprintf(out, n, "ObjectId(%s)", hex);
    return;
  }
  bson_t tmp = BSON_INITIALIZER;
  bson_append_iter(&tmp, "v", 1, &it);
  char *json = bson_as_relaxed_extended_json(&tmp, NULL);
  const char *v = json ? strstr(json, ": ") : NULL;
  size_t vl = v ? strlen(v += 2) : 0;
  if (vl >= 2 && strcmp(v + vl - 2, " }") == 0) vl -= 2;
  snprintf(out, n, "%.*s", (int)vl, v ? v : "?");
  bson_free(json);
  bson_destroy(&tmp);
}

static int same_element(const bson_iter_t *a, const bson_iter_t *b) {
  bson_t ta = BSON_INITIALIZER, tb = BSON_INITIALIZER;
  bson_append_iter(&ta, "", 0, a);
  bson_append_iter(&tb, "", 0, b);
  int same = bson_equal(&ta, &tb);
  bson_destroy(&ta);
  bson_destroy(&tb);
  return same;
}

static int sub_doc(const bson_iter_t *it, const uint8_t **data, uint32_t *len) {
  if (BSON_ITER_HOLDS_DOCUMENT(it)) bson_iter_document(it, len, data);
  else if (BSON_ITER_HOLDS_ARRAY(it)) bson_iter_array(it, len, data);
  else return 0;
  return 1;
}

/* Writes into msg what first differs between want and got at `path` (a dotted prefix):
 * a field missing in the target, a value that differs (looking inside embedded documents
 * and arrays), a field only in the target, or the order of the fields. */
static void describe_diff(const uint8_t *want, uint32_t wlen, const uint8_t *got, uint32_t glen,
                          const char *path, char *msg, size_t n) {
  bson_iter_t w, g;
  char sub[256];
  bson_iter_init_from_data(&w, want, wlen);
  while (bson_iter_next(&w)) {
    const char *k = bson_iter_key(&w);
    if (!bson_iter_init_from_data(&g, got, glen) || !bson_iter_find(&g, k)) {
      snprintf(msg, n, "field '%s%s' is missing in the target", path, k);
      return;
    }
    if (same_element(&w, &g)) continue;
    const uint8_t *wd, *gd;
    uint32_t wl, gl;
    if (bson_iter_type(&w) == bson_iter_type(&g) && sub_doc(&w, &wd, &wl) &&
        sub_doc(&g, &gd, &gl)) {
      snprintf(sub, sizeof sub, "%s%s.", path, k);
      describe_diff(wd, wl, gd, gl, sub, msg, n);
    } else {
      snprintf(msg, n, "field '%s%s' differs", path, k);
    }
    return;
  }
  bson_iter_init_from_data(&g, got, glen);
  while (bson_iter_next(&g)) {
    if (!bson_iter_init_from_data(&w, want, wlen) || !bson_iter_find(&w, bson_iter_key(&g))) {
      snprintf(msg, n, "field '%s%s' is only in the target", path, bson_iter_key(&g));
      return;
    }
  }
  if (*path)
    snprintf(msg, n, "field '%.*s' has its fields in another order", (int)strlen(path) - 1,
             path);
  else
    snprintf(msg, n, "the fields are in another order");
}

static void note_problem(verify_t *v, uint32_t seq, const uint8_t *want, uint32_t wlen,
                         const char *what) {
  if (v->out->first_problem[0]) return;
  char id[160];
  format_id(want, wlen, id, sizeof id);
  if (v->index)
    snprintf(v->out->first_problem, sizeof v->out->first_problem, "document %llu (_id %s): %s",
             (unsigned long long)v->index[seq], id, what);
  else
    snprintf(v->out->first_problem, sizeof v->out->first_problem, "_id %s: %s", id, what);
}

/* ---- the sample ------------------------------------------------------------------------ */

/* Keeps documents, canonical, in want; those without an _id cannot be looked up. */
static int want_all(verify_t *v, const asr_docs_t *docs, asr_err_t *err) {
  for (asr_docs_iter_t it = asr_docs_begin(docs); asr_docs_next(&it);)
    if (canonical(it.doc, it.len, &v->want) < 0)
      return asr_err_set(err, ASR_ENOMEM, "out of memory");
  return 0;
}

/* Maps one source document and keeps what it becomes, canonical. */
static int take(verify_t *v, const bson_t *doc, asr_err_t *err) {
  int rc;
  asr_docs_reset(&v->mapped);
  if (v->map) {
    if ((rc = v->map(v->ud, bson_get_data(doc), doc->len, &v->mapped, err))) {
      asr_err_prefix(err, "verify: the transform");
      return rc;
    }
  } else if (asr_docs_append_bson(&v->mapped, doc)) {
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  }
  return want_all(v, &v->mapped, err);
}

/* Keeps the cursor's documents in v->sampled. Returns 0, ASR_E*, or 1 when the server
 * refused the command before any document (e is set). */
static int drain(verify_t *v, mongoc_cursor_t *cur, bson_error_t *e, asr_err_t *err) {
  const bson_t *doc;
  uint32_t n = 0;
  int rc = 0;
  while (rc == 0 && mongoc_cursor_next(cur, &doc)) {
    if (asr_docs_append_bson(&v->sampled, doc)) rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
    n++;
  }
  if (rc == 0 && mongoc_cursor_error(cur, e))
    rc = n == 0 && e->domain == MONGOC_ERROR_SERVER ? 1
                                                    : server_error("sampling", v->source, e, err);
  mongoc_cursor_destroy(cur);
  return rc;
}

/* $sample of the matching documents; the first n matching ones where $sample is refused. */
static int sample(verify_t *v, const bson_t *filter, uint32_t n, asr_err_t *err) {
  bson_error_t e;
  bson_t *pipeline = BCON_NEW("pipeline", "[", "{", "$match", BCON_DOCUMENT(filter), "}", "{",
                              "$sample", "{", "size", BCON_INT64((int64_t)n), "}", "}", "]");
  mongoc_cursor_t *cur =
      mongoc_collection_aggregate(v->scoll, MONGOC_QUERY_NONE, pipeline, NULL, NULL);
  int rc = drain(v, cur, &e, err);
  bson_destroy(pipeline);
  if (rc != 1) return rc;
  asr_log_warn("mongo.verify.sample",
               "cannot sample %s.%s (%s): comparing its first %u matching documents instead",
               v->source->db, v->source->coll, e.message, n);
  bson_t *opts = BCON_NEW("limit", BCON_INT64((int64_t)n));
  rc = drain(v, mongoc_collection_find_with_opts(v->scoll, filter, opts, NULL), &e, err);
  bson_destroy(opts);
  return rc == 1 ? server_error("reading", v->source, &e, err) : rc;
}

/* The sampled documents as the run read them: through the projection, fetched again by
 * _id ({_id: {$in: [...]}}, the order does not matter), or as drawn. Each is mapped. */
static int take_sample(verify_t *v, asr_err_t *err) {
  int rc = 0;
  if (!v->projection) {
    for (asr_docs_iter_t it = asr_docs_begin(&v->sampled); rc == 0 && asr_docs_next(&it);) {
      bson_t doc;
      if (!bson_init_static(&doc, it.doc, it.len)) continue;
      rc = take(v, &doc, err);
    }
    return rc;
  }
  bson_t query = BSON_INITIALIZER, id, in;
  bson_append_document_begin(&query, "_id", 3, &id);
  bson_append_array_begin(&id, "$in", 3, &in);
  uint32_t k = 0;
  for (asr_docs_iter_t it = asr_docs_begin(&v->sampled); asr_docs_next(&it);) {
    bson_iter_t f;
    char key[16];
    const char *ks;
    if (!bson_iter_init_from_data(&f, it.doc, it.len) || !bson_iter_find(&f, "_id")) continue;
    bson_uint32_to_string(k++, &ks, key, sizeof key);
    bson_append_iter(&in, ks, -1, &f);
  }
  bson_append_array_end(&id, &in);
  bson_append_document_end(&query, &id);
  bson_t *opts = BCON_NEW("projection", BCON_DOCUMENT(v->projection));
  mongoc_cursor_t *cur = mongoc_collection_find_with_opts(v->scoll, &query, opts, NULL);
  const bson_t *doc;
  bson_error_t e;
  while (rc == 0 && mongoc_cursor_next(cur, &doc)) rc = take(v, doc, err);
  if (rc == 0 && mongoc_cursor_error(cur, &e)) rc = server_error("reading", v->source, &e, err);
  mongoc_cursor_destroy(cur);
  bson_destroy(opts);
  bson_destroy(&query);
  return rc;
}

/* expected < 0 (--verify-only): what a full run would write, from the source itself: the
 * matching count, or with a transform the number of documents it makes of each. */
static int count_expected(verify_t *v, const bson_t *filter, int64_t *expected, asr_err_t *err) {
  bson_error_t e;
  if (!v->map) {
    *expected = mongoc_collection_count_documents(v->scoll, filter, NULL, NULL, NULL, &e);
    return *expected < 0 ? server_error("counting", v->source, &e, err) : 0;
  }
  bson_t *opts = v->projection ? BCON_NEW("projection", BCON_DOCUMENT(v->projection)) : NULL;
  mongoc_cursor_t *cur = mongoc_collection_find_with_opts(v->scoll, filter, opts, NULL);
  const bson_t *doc;
  int rc = 0;
  *expected = 0;
  while (rc == 0 && mongoc_cursor_next(cur, &doc)) {
    asr_docs_reset(&v->mapped);
    rc = v->map(v->ud, bson_get_data(doc), doc->len, &v->mapped, err);
    *expected += v->mapped.count;
  }
  if (rc == 0 && mongoc_cursor_error(cur, &e)) rc = server_error("reading", v->source, &e, err);
  mongoc_cursor_destroy(cur);
  if (opts) bson_destroy(opts);
  return rc;
}

/* ---- the target side ------------------------------------------------------------------- */

/* The wanted document of the chunk with got's _id, not matched yet: its index, or -1.
 * A chunk holds distinct _ids (see flag_repeats). */
static int match(const asr_docs_iter_t *chunk, uint32_t n, const uint8_t *state,
                 const uint8_t *got, uint32_t glen) {
  uint32_t gid = id_elem_len(got, glen);
  for (uint32_t k = 0; k < n; k++) {
    const asr_docs_iter_t *w = &chunk[k];
    if (!state[k] && id_elem_len(w->doc, w->len) == gid && memcmp(w->doc + 4, got + 4, gid) == 0)
      return (int)k;
  }
  return -1;
}

/* Fetches the chunk's documents from the target by _id and records the outcome of each,
 * in sample order; seqs: their places in want. */
static int check_chunk(verify_t *v, const asr_docs_iter_t *chunk, const uint32_t *seqs,
                       uint32_t n, asr_err_t *err) {
  uint8_t state[CHUNK] = {0}; /* 0 missing, 1 same, 2 differs */
  const uint8_t *found[CHUNK];
  uint32_t found_len[CHUNK];
  bson_t query = BSON_INITIALIZER, id, in;
  bson_append_document_begin(&query, "_id", 3, &id);
  bson_append_array_begin(&id, "$in", 3, &in);
  for (uint32_t k = 0; k < n; k++) {
    bson_iter_t it;
    char key[16];
    const char *ks;
    bson_uint32_to_string(k, &ks, key, sizeof key);
    bson_iter_init_from_data(&it, chunk[k].doc, chunk[k].len);
    bson_iter_next(&it);
    bson_append_iter(&in, ks, -1, &it);
  }
  bson_append_array_end(&id, &in);
  bson_append_document_end(&query, &id);
  asr_docs_reset(&v->got);
  mongoc_cursor_t *cur = mongoc_collection_find_with_opts(v->tcoll, &query, NULL, NULL);
  const bson_t *doc;
  bson_error_t e;
  int rc = 0;
  while (rc == 0 && mongoc_cursor_next(cur, &doc))
    if (canonical(bson_get_data(doc), doc->len, &v->got) < 0) rc = ASR_ENOMEM;
  if (rc) rc = asr_err_set(err, rc, "out of memory");
  else if (mongoc_cursor_error(cur, &e)) rc = server_error("reading", v->target, &e, err);
  mongoc_cursor_destroy(cur);
  bson_destroy(&query);
  if (rc) return rc;
  for (asr_docs_iter_t g = asr_docs_begin(&v->got); asr_docs_next(&g);) {
    int k = match(chunk, n, state, g.doc, g.len);
    if (k < 0) continue;
    const asr_docs_iter_t *w = &chunk[k];
    int same = w->len == g.len && hash_bytes(w->doc, w->len) == hash_bytes(g.doc, g.len);
    state[k] = same ? 1 : 2;
    found[k] = g.doc;
    found_len[k] = g.len;
  }
  for (uint32_t k = 0; k < n; k++) {
    char what[300];
    if (state[k] == 0) {
      v->out->missing++;
      note_problem(v, seqs[k], chunk[k].doc, chunk[k].len, "not in the target");
    } else if (state[k] == 2) {
      v->out->mismatched++;
      describe_diff(chunk[k].doc, chunk[k].len, found[k], found_len[k], "", what, sizeof what);
      note_problem(v, seqs[k], chunk[k].doc, chunk[k].len, what);
    }
  }
  return 0;
}

typedef struct wanted {
  const uint8_t *doc;
  uint32_t idlen, seq;
} wanted_t;

static int cmp_wanted(const void *x, const void *y) {
  const wanted_t *a = x, *b = y;
  if (a->idlen != b->idlen) return a->idlen < b->idlen ? -1 : 1;
  int c = memcmp(a->doc + 4, b->doc + 4, a->idlen);
  if (c) return c;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Flags the documents of `want` whose _id came earlier in the sample: $sample may return a
 * document more than once (MongoDB's random cursor does; so does the test server). */
static int flag_repeats(const asr_docs_t *want, uint8_t *repeat) {
  wanted_t *ws = malloc((want->count ? want->count : 1) * sizeof *ws);
  if (!ws) return ASR_ENOMEM;
  uint32_t n = 0;
  for (asr_docs_iter_t it = asr_docs_begin(want); asr_docs_next(&it); n++)
    ws[n] = (wanted_t){it.doc, id_elem_len(it.doc, it.len), n};
  qsort(ws, n, sizeof *ws, cmp_wanted);
  for (uint32_t i = 1; i < n; i++)
    repeat[ws[i].seq] = ws[i].idlen == ws[i - 1].idlen &&
                        memcmp(ws[i].doc + 4, ws[i - 1].doc + 4, ws[i].idlen) == 0;
  free(ws);
  return 0;
}

static int check_sample(verify_t *v, asr_err_t *err) {
  asr_docs_iter_t chunk[CHUNK];
  uint32_t seqs[CHUNK];
  uint32_t n = 0, seq = 0;
  uint8_t *repeat = calloc(v->want.count ? v->want.count : 1, 1);
  int rc = repeat ? flag_repeats(&v->want, repeat) : ASR_ENOMEM;
  if (rc) {
    free(repeat);
    return asr_err_set(err, rc, "out of memory");
  }
  for (asr_docs_iter_t it = asr_docs_begin(&v->want); rc == 0 && asr_docs_next(&it); seq++) {
    if (repeat[seq]) continue;
    v->out->sampled++;
    seqs[n] = seq;
    chunk[n++] = it;
    if (n == CHUNK) {
      rc = check_chunk(v, chunk, seqs, n, err);
      n = 0;
    }
  }
  if (rc == 0 && n) rc = check_chunk(v, chunk, seqs, n, err);
  free(repeat);
  return rc;
}

/* ---- the whole check ------------------------------------------------------------------- */

/* what: "filter" or "projection"; json NULL: an empty document (filter) or NULL. */
static int parse_doc(const char *json, const char *what, bson_t **out, asr_err_t *err) {
  bson_error_t e;
  if (!json) {
    *out = strcmp(what, "filter") == 0 ? bson_new() : NULL;
    return 0;
  }
  if (json[strspn(json, " \t\r\n")] != '{')
    return asr_err_set(err, ASR_EINVAL, "verify: the %s must be a JSON object, got: %.80s",
                       what, json);
  if (!(*out = bson_new_from_json((const uint8_t *)json, -1, &e)))
    return asr_err_set(err, ASR_EINVAL, "verify: the %s is not valid Extended JSON: %s", what,
                       e.message);
  return 0;
}

static int count_target(verify_t *v, asr_err_t *err) {
  bson_error_t e;
  bson_t empty = BSON_INITIALIZER;
  int64_t n = mongoc_collection_count_documents(v->tcoll, &empty, NULL, NULL, NULL, &e);
  bson_destroy(&empty);
  if (n < 0) return server_error("counting the documents of", v->target, &e, err);
  v->out->target_count = n;
  return 0;
}

static void open_side(const asr_mongo_conn_t *c, mongoc_client_t **client,
                      mongoc_collection_t **coll) {
  *client = mongoc_client_pool_pop(c->pool);
  *coll = mongoc_client_get_collection(*client, c->db, c->coll);
}

static void close_side(const asr_mongo_conn_t *c, mongoc_client_t *client,
                       mongoc_collection_t *coll) {
  if (!client) return;
  mongoc_collection_destroy(coll);
  mongoc_client_pool_push(c->pool, client);
}

static void check_count(verify_t *v, int64_t expected) {
  if (!v->out->first_problem[0] && v->out->target_count != expected)
    snprintf(v->out->first_problem, sizeof v->out->first_problem,
             "the target %s.%s holds %lld documents, expected %lld", v->target->db,
             v->target->coll, (long long)v->out->target_count, (long long)expected);
}

/* The start of a verification: the result zeroed with the expected count, the buffers empty
 * (verify_free frees them). */
static void verify_begin(verify_t *v, asr_verify_result_t *out, int64_t expected) {
  memset(out, 0, sizeof *out);
  out->expected = expected;
  asr_docs_init(&v->sampled);
  asr_docs_init(&v->mapped);
  asr_docs_init(&v->want);
  asr_docs_init(&v->got);
}

static void verify_free(verify_t *v) {
  asr_docs_free(&v->sampled);
  asr_docs_free(&v->mapped);
  asr_docs_free(&v->want);
  asr_docs_free(&v->got);
}

int asr_mongo_verify(const asr_mongo_conn_t *source, const char *filter_json,
                     const char *projection_json, const asr_mongo_conn_t *target,
                     int64_t expected, uint32_t sample_n, asr_verify_map_fn map, void *ud,
                     asr_verify_result_t *out, asr_err_t *err) {
  verify_t v = {.source = source, .target = target, .map = map, .ud = ud, .out = out};
  bson_t *filter = NULL, *projection = NULL;
  int rc = 0;
  verify_begin(&v, out, expected);
  int sampling = source && sample_n > 0;
  if (!target->coll || (sampling && !source->coll)) {
    rc = asr_err_set(err, ASR_EINVAL, "verify: needs a target (and source) collection name");
    goto done;
  }
  if (sampling && ((rc = parse_doc(filter_json, "filter", &filter, err)) ||
                   (rc = parse_doc(projection_json, "projection", &projection, err))))
    goto done;
  v.projection = projection;
  open_side(target, &v.tclient, &v.tcoll);
  if ((rc = count_target(&v, err))) goto done;
  if (sampling) {
    open_side(source, &v.sclient, &v.scoll);
    if (expected < 0 && (rc = count_expected(&v, filter, &expected, err))) goto done;
    out->expected = expected;
    if ((rc = sample(&v, filter, sample_n, err)) || (rc = take_sample(&v, err)) ||
        (rc = check_sample(&v, err)))
      goto done;
  } else if (expected < 0) {
    rc = asr_err_set(err, ASR_EINVAL, "verify: without a MongoDB source there is nothing to "
                     "count the expected documents from");
    goto done;
  }
  check_count(&v, expected);
done:
  close_side(target, v.tclient, v.tcoll);
  if (sampling) close_side(source, v.sclient, v.scoll);
  if (filter) bson_destroy(filter);
  if (projection) bson_destroy(projection);
  verify_free(&v);
  return rc;
}

int asr_mongo_verify_docs(const asr_mongo_conn_t *target, int64_t expected,
                          const asr_docs_t *docs, const uint64_t *index,
                          asr_verify_result_t *out, asr_err_t *err) {
  verify_t v = {.target = target, .out = out};
  int rc = 0;
  verify_begin(&v, out, expected);
  uint64_t *kept = index ? malloc((docs->count ? docs->count : 1) * sizeof *kept) : NULL;
  if (index && !kept) {
    rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
    goto done;
  }
  if (!target->coll) {
    rc = asr_err_set(err, ASR_EINVAL, "verify: needs a target collection name");
    goto done;
  }
  uint32_t k = 0;
  for (asr_docs_iter_t it = asr_docs_begin(docs); asr_docs_next(&it); k++) {
    int r = canonical(it.doc, it.len, &v.want);
    if (r < 0) {
      rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
      goto done;
    }
    if (r == 1 && kept) kept[v.want.count - 1] = index[k];
  }
  v.index = kept;
  open_side(target, &v.tclient, &v.tcoll);
  if ((rc = count_target(&v, err)) || (rc = check_sample(&v, err))) goto done;
  check_count(&v, expected);
done:
  close_side(target, v.tclient, v.tcoll);
  free(kept);
  verify_free(&v);
  return rc;
}
