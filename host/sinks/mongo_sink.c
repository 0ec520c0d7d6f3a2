/* The MongoDB / Cosmos DB sink (see mongo.h). Parsing, the pool and the first ping are
 * mongo/connect.c's; what is the sink's own here: Cosmos DB detection, pool growth with the
 * workers, batch sizing from the server's hello, write modes, retries and counters.
 *
 * Ownership: the sink owns the connection (pool, names), its copies of the keys, and the
 * prebuilt option documents (read-only, shared by the workers). Each worker owns one client
 * popped from the pool (pushed back at worker_close), a collection handle and its scratch
 * buffers, reused from batch to batch. Counters are per worker (atomics, added once per
 * bulk); asr_sink_mongo_stats sums them under the sink lock, which is never taken per
 * document. Every message goes through asr_redact_uri. With an RU governor in the options,
 * each bulk attempt waits what it asks first and reports its charge and outcome after. */
#include <math.h>
#include <mongoc/mongoc.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uv.h>

#include "mongo/connect.h"
#include "sinks/dead_letter.h"
#include "sinks/mongo.h"
#include "sinks/mongo_reply.h"
#include "mongo/retry.h"
#include "util/log.h"
#include "util/redact.h"

#define MONGO_DOC_LIMIT (16u * 1024 * 1024) /* MongoDB's BSON document limit */
#define COSMOS_DOC_LIMIT (2u * 1024 * 1024) /* Cosmos DB for MongoDB (RU) document limit */
#define OP_OVERHEAD 64 /* bytes an operation adds to the command besides its documents */

typedef struct counters {
  _Atomic uint64_t written, duplicates, failed, throttles, retries, batches, latency_us;
  _Atomic uint64_t charge_milli; /* Cosmos DB request units x 1000 */
} counters_t;

typedef struct mongo_sink {
  asr_sink_t base;
  asr_mongo_conn_t conn; /* the pool, the names, the URI */
  char *ruri;            /* the redacted URI, for messages before the connection is made */
  char **keys;
  size_t nkeys;
  asr_write_mode_t mode;
  int ordered, dry_run, request_stats, cosmos;
  uint64_t retry_for_ms; /* the retry budget of a batch, from its first failure */
  asr_ru_governor_t *governor; /* borrowed (asr_sink_options_t); NULL: writes are not paced */
  asr_dead_letter_t *dead_letter; /* borrowed; NULL: failures are only counted (unit tests) */
  int dead_letter_duplicates;     /* insert mode: a duplicate key is a failure, dead-lettered */
  uint32_t max_doc, max_ops, max_bytes; /* per document, per bulk */
  bson_t *bulk_opts, *insert_opts, *upsert_opts, *stats_cmd;
  _Atomic int aborted;
  _Atomic int stopping; /* the run is stopping: no more retry waits (aborted implies it) */
  _Atomic uint32_t retry_after_max; /* largest RetryAfterMs seen, for the scaler */
  uv_mutex_t mu; /* guards the fields below */
  uv_cond_t wake; /* abort wakes workers waiting to retry */
  struct asr_sink_worker *workers;
  uint32_t in_use, pool_max;
  counters_t retired; /* counts of closed workers */
  asr_mongo_samples_t samples;
  _Atomic uint32_t nsampled_dups, nsampled_failures;
} mongo_sink_t;

typedef struct doc_ref {
  uint32_t off, len;
  uint8_t in_scratch; /* the copy with an _id added lives in w->scratch */
  uint8_t maybe_written; /* sent in an attempt whose outcome is unknown */
} doc_ref_t;

struct asr_sink_worker {
  mongo_sink_t *sink;
  struct asr_sink_worker *prev, *next;
  mongoc_client_t *client;
  mongoc_collection_t *coll;
  counters_t c;
  uint64_t rng;
  asr_buf_t scratch;
  uint32_t cap, npending;
  doc_ref_t *refs;
  uint32_t *pending, *next_pending, *ops;
  uint8_t *outcome;
  bson_t *sel, *upd; /* heap: bson_t wants 128-byte alignment that malloc'd structs lack */
  uint8_t again; /* the batch in hand: an earlier run (resumed) may have written it */
};

/* Per-batch tallies, added to the worker's counters once; and the dead-letter budget's
 * verdict (rc, err) when a document that failed for good stops the batch. */
typedef struct tally {
  uint64_t written, duplicates, failed, throttles, retries;
  int rc;
  asr_err_t *err;
} tally_t;

/* ---- messages ---------------------------------------------------------------------- */

/* Keeps the largest RetryAfterMs the server asked for (lock-free: workers race here). */
static void note_retry_after(mongo_sink_t *s, int64_t ms) {
  if (ms <= 0) return;
  uint32_t want = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
  uint32_t cur = atomic_load_explicit(&s->retry_after_max, memory_order_relaxed);
  while (want > cur && !atomic_compare_exchange_weak(&s->retry_after_max, &cur, want)) {
  }
}

/* asr_err_set with the text redacted first. Not for text holding the redacted URI: a second
 * pass would take the ':' after a masked option value ("...Password=****: ") for part of
 * the value. */
__attribute__((format(printf, 3, 4)))
static int fail(asr_err_t *err, int code,
                                                      const char *fmt, ...) {
  char raw[1024], red[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(raw, sizeof raw, fmt, ap);
  va_end(ap);
  asr_redact_uri(raw, red, sizeof red);
  return asr_err_set(err, code, "%s", red);
}


/* ---- the target -------------------------------------------------------------------- */

int asr_mongo_target_derives_ids(asr_write_mode_t mode, const char *const *keys, size_t nkeys) {
  return mode == ASR_WRITE_INSERT || nkeys == 0 || !keys ||
         (nkeys == 1 && keys[0] && strcmp(keys[0], "_id") == 0);
}

static int copy_keys(mongo_sink_t *s, const asr_mongo_target_t *t, asr_err_t *err) {
  static const char *const id_key[] = {"_id"};
  const char *const *keys = t->nkeys ? t->keys : id_key;
  size_t n = t->nkeys ? t->nkeys : 1;
  s->base.derive_ids = asr_mongo_target_derives_ids(s->mode, t->keys, t->nkeys);
  if (s->mode == ASR_WRITE_INSERT) return 0;
  s->keys = calloc(n, sizeof *s->keys);
  if (!s->keys) return fail(err, ASR_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    if (!keys[i] || !*keys[i] || keys[i][0] == '$')
      return asr_err_set(err, ASR_EINVAL, "target %s: invalid key field '%s'", s->ruri,
                         keys[i] ? keys[i] : ""); /* ruri is redacted: not twice (see fail) */
    if (!(s->keys[i] = strdup(keys[i]))) return fail(err, ASR_ENOMEM, "out of memory");
    s->nkeys++;
  }
  return 0;
}

/* writeConcern for the bulk options: NULL (server default), "majority" or a number. */
static int append_write_concern(bson_t *opts, const char *wc, const char *ruri, asr_err_t *err) {
  if (!wc) return 0;
  bson_t child;
  bson_append_document_begin(opts, "writeConcern", -1, &child);
  if (strcmp(wc, "majority") == 0) {
    BSON_APPEND_UTF8(&child, "w", "majority");
  } else {
    char *end;
    long w = strtol(wc, &end, 10);
    if (!*wc || *end || w < 0 || w > 1000)
      return asr_err_set(err, ASR_EINVAL,
                         "target %s: write concern '%s' (use \"majority\" or a number of nodes)",
                         ruri, wc);
    BSON_APPEND_INT32(&child, "w", (int32_t)w);
  }
  bson_append_document_end(opts, &child);
  return 0;
}

static int build_opts(mongo_sink_t *s, const asr_mongo_target_t *t, asr_err_t *err) {
  s->bulk_opts = bson_new();
  s->insert_opts = bson_new();
  s->upsert_opts = bson_new();
  s->stats_cmd = bson_new();
  BSON_APPEND_BOOL(s->bulk_opts, "ordered", s->ordered != 0);
  /* The server validates what it stores; libmongoc's client-side key and UTF-8 scan of
   * every inserted document would only repeat it on the hot path. Replacements keep
   * libmongoc's check: a top-level $ key would turn a replacement into an update. */
  BSON_APPEND_BOOL(s->insert_opts, "validate", false);
  BSON_APPEND_BOOL(s->upsert_opts, "upsert", true);
  BSON_APPEND_INT32(s->stats_cmd, "getLastRequestStatistics", 1);
  return append_write_concern(s->bulk_opts, t->write_concern, s->ruri, err);
}

/* Cosmos DB for MongoDB, request-unit accounts: 2 MB documents, request charges. */
static int cosmos_ru_host(const mongoc_uri_t *uri) {
  static const char *const suffixes[] = {".mongo.cosmos.azure.com", ".documents.azure.com",
                                         ".mongo.cosmos.azure.cn", ".documents.azure.cn",
                                         ".mongo.cosmos.azure.us", ".documents.azure.us"};
  for (const mongoc_host_list_t *h = mongoc_uri_get_hosts(uri); h; h = h->next) {
    size_t hl = strlen(h->host);
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
      size_t sl = strlen(suffixes[i]);
      if (hl > sl && strcasecmp(h->host + hl - sl, suffixes[i]) == 0) return 1;
    }
  }
  return 0;
}

/* ---- open: reach the server -------------------------------------------------------- */

static uint32_t hello_int(const bson_t *hello, const char *key, uint32_t dflt) {
  bson_iter_t it;
  if (hello && bson_iter_init_find(&it, hello, key) && BSON_ITER_HOLDS_NUMBER(&it)) {
    int64_t v = bson_iter_as_int64(&it);
    if (v > 0 && v <= UINT32_MAX) return (uint32_t)v;
  }
  return dflt;
}

/* Document, message and batch limits of the primary, so that every bulk the sink sends is
 * one write command (mongo_reply.h relies on it) and no document is refused client-side. */
static void read_limits(mongo_sink_t *s, mongoc_client_t *client) {
  bson_error_t e;
  s->max_doc = MONGO_DOC_LIMIT;
  s->max_ops = 100000;
  s->max_bytes = 48000000;
  mongoc_server_description_t *sd = mongoc_client_select_server(client, true, NULL, &e);
  if (sd) {
    const bson_t *hello = mongoc_server_description_hello_response(sd);
    s->max_doc = hello_int(hello, "maxBsonObjectSize", MONGO_DOC_LIMIT);
    s->max_ops = hello_int(hello, "maxWriteBatchSize", 100000);
    s->max_bytes = hello_int(hello, "maxMessageSizeBytes", 48000000);
    mongoc_server_description_destroy(sd);
  }
  /* Leave room for the command around the documents (writeConcern, lsid, ...). */
  s->max_bytes = s->max_bytes > 2 * 1024 * 1024 ? s->max_bytes - 1024 * 1024 : s->max_bytes / 2;
  if (s->cosmos && s->max_doc > COSMOS_DOC_LIMIT) s->max_doc = COSMOS_DOC_LIMIT;
}

/* Cosmos DB answers getLastRequestStatistics (the charge of the connection's last
 * command); other servers do not know it: then it is never sent again. */
static void probe_request_stats(mongo_sink_t *s, mongoc_client_t *client) {
  bson_t reply;
  bson_error_t e;
  bson_iter_t it;
  if (mongoc_client_command_simple(client, s->conn.db, s->stats_cmd, NULL, &reply, &e) &&
      bson_iter_init_find(&it, &reply, "RequestCharge") && BSON_ITER_HOLDS_NUMBER(&it)) {
    s->request_stats = 1;
    s->cosmos = 1;
  }
  bson_destroy(&reply);
}

/* Connects (asr_mongo_connect pings), sizes the pool for the workers and, unless in a dry
 * run, learns what the server is and what it accepts. */
static int reach_server(mongo_sink_t *s, const asr_mongo_target_t *t, asr_err_t *err) {
  int rc = asr_mongo_connect(t->uri, t->database, t->collection,
                             t->server_selection_timeout_ms, 1, &s->conn, err);
  if (rc) return rc;
  s->cosmos = cosmos_ru_host(s->conn.uri);
  mongoc_client_pool_max_size(s->conn.pool, s->pool_max);
  if (s->dry_run) return 0;
  mongoc_client_t *client = mongoc_client_pool_pop(s->conn.pool);
  probe_request_stats(s, client);
  read_limits(s, client);
  mongoc_client_pool_push(s->conn.pool, client);
  return 0;
}

/* ---- workers ----------------------------------------------------------------------- */

static void add_counters(counters_t *to, counters_t *from) {
  atomic_fetch_add(&to->written, atomic_load(&from->written));
  atomic_fetch_add(&to->duplicates, atomic_load(&from->duplicates));
  atomic_fetch_add(&to->failed, atomic_load(&from->failed));
  atomic_fetch_add(&to->throttles, atomic_load(&from->throttles));
  atomic_fetch_add(&to->retries, atomic_load(&from->retries));
  atomic_fetch_add(&to->batches, atomic_load(&from->batches));
  atomic_fetch_add(&to->latency_us, atomic_load(&from->latency_us));
  atomic_fetch_add(&to->charge_milli, atomic_load(&from->charge_milli));
}

static void free_worker(asr_sink_worker_t *w) {
  asr_buf_free(&w->scratch);
  free(w->refs);
  free(w->pending);
  free(w->next_pending);
  free(w->ops);
  free(w->outcome);
  if (w->sel) bson_destroy(w->sel);
  if (w->upd) bson_destroy(w->upd);
  free(w);
}

static int mongo_worker_open(asr_sink_t *base, asr_sink_worker_t **out, asr_err_t *err) {
  mongo_sink_t *s = (mongo_sink_t *)base;
  asr_sink_worker_t *w = calloc(1, sizeof *w);
  if (!w) return fail(err, ASR_ENOMEM, "out of memory");
  w->sink = s;
  w->rng = uv_hrtime() ^ (uint64_t)(uintptr_t)w;
  asr_buf_init(&w->scratch);
  w->sel = bson_new();
  w->upd = bson_new();
  uv_mutex_lock(&s->mu);
  if (s->in_use + 1 > s->pool_max) { /* more workers than clients: grow before popping */
    s->pool_max = s->in_use + 1;
    mongoc_client_pool_max_size(s->conn.pool, s->pool_max);
  }
  s->in_use++;
  w->next = s->workers;
  if (s->workers) s->workers->prev = w;
  s->workers = w;
  uv_mutex_unlock(&s->mu);
  w->client = mongoc_client_pool_pop(s->conn.pool);
  w->coll = mongoc_client_get_collection(w->client, s->conn.db, s->conn.coll);
  *out = w;
  return 0;
}

static void mongo_worker_close(asr_sink_t *base, asr_sink_worker_t *w) {
  mongo_sink_t *s = (mongo_sink_t *)base;
  mongoc_collection_destroy(w->coll);
  mongoc_client_pool_push(s->conn.pool, w->client);
  uv_mutex_lock(&s->mu);
  add_counters(&s->retired, &w->c);
  if (w->prev) w->prev->next = w->next;
  else s->workers = w->next;
  if (w->next) w->next->prev = w->prev;
  s->in_use--;
  uv_mutex_unlock(&s->mu);
  free_worker(w);
}

/* Room for a batch of n documents in the per-document arrays (grows, never shrinks). */
static int reserve_docs(asr_sink_worker_t *w, uint32_t n) {
  if (n <= w->cap) return 0;
  uint32_t cap = w->cap ? w->cap : 256;
  while (cap < n) cap *= 2;
  doc_ref_t *refs = realloc(w->refs, cap * sizeof *refs);
  if (refs) w->refs = refs;
  uint32_t *p = realloc(w->pending, cap * sizeof *p);
  if (p) w->pending = p;
  uint32_t *np = realloc(w->next_pending, cap * sizeof *np);
  if (np) w->next_pending = np;
  uint32_t *ops = realloc(w->ops, cap * sizeof *ops);
  if (ops) w->ops = ops;
  uint8_t *oc = realloc(w->outcome, cap);
  if (oc) w->outcome = oc;
  if (!refs || !p || !np || !ops || !oc) return ASR_ENOMEM;
  w->cap = cap;
  return 0;
}

/* ---- samples for the summary ------------------------------------------------------- */

static void format_id(const uint8_t *doc, uint32_t len, char *out, size_t n) {
  bson_iter_t it;
  if (!bson_iter_init_from_data(&it, doc, len) || !bson_iter_find(&it, "_id")) {
    snprintf(out, n, "(no _id)");
    return;
  }
  if (BSON_ITER_HOLDS_OID(&it)) {
    char hex[25];
    bson_oid_to_string(bson_iter_oid(&it), hex);
    snprintf(out, n, "{\"$oid\": \"%s\"}", hex);
    return;
  }
  bson_t *tmp = bson_new();
  bson_append_iter(tmp, "v", 1, &it);
  char *json = bson_as_relaxed_extended_json(tmp, NULL);
  const char *v = json ? strstr(json, ": ") : NULL;
  if (v) {
    v += 2;
    size_t vl = strlen(v);
    if (vl >= 2 && strcmp(v + vl - 2, " }") == 0) vl -= 2;
    snprintf(out, n, "%.*s", (int)vl, v);
  } else {
    snprintf(out, n, "(unprintable _id)");
  }
  bson_free(json);
  bson_destroy(tmp);
}

static void sample_duplicate(mongo_sink_t *s, const uint8_t *doc, uint32_t len) {
  if (atomic_load(&s->nsampled_dups) >= ASR_MONGO_SAMPLES) return;
  char id[96];
  format_id(doc, len, id, sizeof id);
  uv_mutex_lock(&s->mu);
  if (s->samples.nduplicate_ids < ASR_MONGO_SAMPLES) {
    snprintf(s->samples.duplicate_ids[s->samples.nduplicate_ids++], sizeof id, "%s", id);
    atomic_store(&s->nsampled_dups, s->samples.nduplicate_ids);
  }
  uv_mutex_unlock(&s->mu);
}

__attribute__((format(printf, 2, 3))) static void sample_failure(mongo_sink_t *s,
                                                                 const char *fmt, ...) {
  if (atomic_load(&s->nsampled_failures) >= ASR_MONGO_SAMPLES) return;
  char raw[512], red[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(raw, sizeof raw, fmt, ap);
  va_end(ap);
  asr_redact_uri(raw, red, sizeof red);
  uv_mutex_lock(&s->mu);
  int keep = s->samples.nfailures < ASR_MONGO_SAMPLES;
  if (keep) {
    snprintf(s->samples.failures[s->samples.nfailures++], sizeof red, "%s", red);
    atomic_store(&s->nsampled_failures, s->samples.nfailures);
  }
  uv_mutex_unlock(&s->mu);
  if (keep) asr_log_warn("mongo.write.failed", "%s", red);
}

/* ---- documents that fail for good -------------------------------------------------- */

/* Document i of the batch failed for good (msg says why): counted, sampled for the summary
 * and dead-lettered. Returns 0 to go on, or the dead-letter budget's error (kept in t): the
 * batch stops there. */
static int reject(mongo_sink_t *s, tally_t *t, const asr_docs_t *docs, uint64_t seq, uint32_t i,
                  const uint8_t *doc, uint32_t len, const char *reason, int32_t code,
                  const char *msg) {
  t->failed++;
  sample_failure(s, "batch %llu document %u: %s", (unsigned long long)seq, i, msg);
  if (!s->dead_letter || t->rc) return t->rc;
  char red[512];
  asr_redact_uri(msg, red, sizeof red);
  asr_dead_letter_entry_t e = {.doc = doc, .len = len, .index = asr_docs_source_index(docs, i),
                               .batch = seq, .reason = reason, .code = code, .message = red};
  return t->rc = asr_dead_letter_add(s->dead_letter, &e, t->err);
}

/* ---- building the operations ------------------------------------------------------- */

static const uint8_t *doc_at(const asr_sink_worker_t *w, const asr_docs_t *docs, uint32_t i) {
  const doc_ref_t *r = &w->refs[i];
  return (r->in_scratch ? w->scratch.data : docs->buf.data) + r->off;
}

/* Appends {key: value, ...} of doc's key fields to sel (NULL: only checks). Returns NULL,
 * or the first key field the document lacks. */
static const char *key_selector(const mongo_sink_t *s, const uint8_t *doc, uint32_t len,
                                bson_t *sel) {
  for (size_t k = 0; k < s->nkeys; k++) {
    bson_iter_t it, found;
    if (!bson_iter_init_from_data(&it, doc, len)) return s->keys[k];
    int ok = strchr(s->keys[k], '.') ? bson_iter_find_descendant(&it, s->keys[k], &found)
                                     : (found = it, bson_iter_find(&found, s->keys[k]));
    if (!ok) return s->keys[k];
    if (sel) bson_append_value(sel, s->keys[k], -1, bson_iter_value(&found));
  }
  return NULL;
}

/* doc with an ObjectId _id in front, into w->scratch: the _id is fixed before the first
 * attempt, so a retried insert is idempotent (a duplicate key then means "written"). A run's
 * documents arrive with deterministic _ids already (derive_ids, core/doc_id.h); this covers
 * callers that write without the pipeline. */
static int add_id(asr_sink_worker_t *w, const uint8_t *doc, uint32_t len, doc_ref_t *ref) {
  static const uint8_t id_key[5] = {0x07, '_', 'i', 'd', 0};
  uint32_t newlen = len + (uint32_t)sizeof id_key + 12;
  if (asr_buf_reserve(&w->scratch, newlen)) return ASR_ENOMEM;
  bson_oid_t oid;
  bson_oid_init(&oid, NULL);
  ref->off = (uint32_t)w->scratch.len;
  ref->len = newlen;
  ref->in_scratch = 1;
  asr_buf_put(&w->scratch, &newlen, 4); /* little-endian hosts, as in core/docs.h */
  asr_buf_put(&w->scratch, id_key, sizeof id_key);
  asr_buf_put(&w->scratch, oid.bytes, 12);
  asr_buf_put(&w->scratch, doc + 4, len - 4);
  return 0;
}

/* Per-document checks before anything is sent: size limit, key fields, the _id of an
 * insert. Documents that pass are pending. */
static int prepare(mongo_sink_t *s, asr_sink_worker_t *w, uint64_t seq, const asr_docs_t *docs,
                   tally_t *t) {
  if (reserve_docs(w, docs->count)) return ASR_ENOMEM;
  asr_buf_reset(&w->scratch);
  w->npending = 0;
  uint32_t i = 0;
  for (asr_docs_iter_t it = asr_docs_begin(docs); asr_docs_next(&it); i++) {
    doc_ref_t *r = &w->refs[i];
    *r = (doc_ref_t){(uint32_t)(it.doc - docs->buf.data), it.len, 0, w->again};
    const char *missing;
    char msg[160];
    if (it.len > s->max_doc) {
      snprintf(msg, sizeof msg, "%u bytes, over the %u-byte document limit of %s", it.len,
               s->max_doc, s->cosmos ? "Cosmos DB" : "the server");
      if (reject(s, t, docs, seq, i, it.doc, it.len, ASR_DL_TOO_LARGE, 0, msg)) return t->rc;
      continue;
    }
    if (s->mode == ASR_WRITE_INSERT) {
      bson_iter_t id;
      if (!bson_iter_init_from_data(&id, it.doc, it.len) || !bson_iter_find(&id, "_id"))
        if (add_id(w, it.doc, it.len, r)) return ASR_ENOMEM;
    } else if ((missing = key_selector(s, it.doc, it.len, NULL))) {
      snprintf(msg, sizeof msg, "no key field '%s'", missing);
      if (reject(s, t, docs, seq, i, it.doc, it.len, ASR_DL_INVALID, 0, msg)) return t->rc;
      continue;
    }
    w->pending[w->npending++] = i;
  }
  return 0;
}

/* {$set: doc without _id} into w->upd. */
static void merge_update(asr_sink_worker_t *w, const bson_t *doc) {
  bson_t set;
  bson_iter_t it;
  bson_reinit(w->upd);
  bson_append_document_begin(w->upd, "$set", 4, &set);
  if (bson_iter_init(&it, doc))
    while (bson_iter_next(&it))
      if (strcmp(bson_iter_key(&it), "_id") != 0) bson_append_iter(&set, NULL, 0, &it);
  bson_append_document_end(w->upd, &set);
}

/* Adds document i to the bulk in the sink's mode. Returns 0, or -1 with e set when
 * libmongoc refuses it (a replacement with a top-level $ key). */
static int add_op(mongo_sink_t *s, asr_sink_worker_t *w, mongoc_bulk_operation_t *bulk,
                  const asr_docs_t *docs, uint32_t i, bson_error_t *e) {
  bson_t doc;
  const doc_ref_t *r = &w->refs[i];
  if (!bson_init_static(&doc, doc_at(w, docs, i), r->len)) {
    bson_set_error(e, 0, 0, "malformed BSON document");
    return -1;
  }
  if (s->mode == ASR_WRITE_INSERT)
    return mongoc_bulk_operation_insert_with_opts(bulk, &doc, s->insert_opts, e) ? 0 : -1;
  bson_reinit(w->sel);
  key_selector(s, bson_get_data(&doc), r->len, w->sel);
  switch (s->mode) {
  case ASR_WRITE_UPSERT:
    return mongoc_bulk_operation_replace_one_with_opts(bulk, w->sel, &doc, s->upsert_opts, e)
               ? 0 : -1;
  case ASR_WRITE_MERGE:
    merge_update(w, &doc);
    return mongoc_bulk_operation_update_one_with_opts(bulk, w->sel, w->upd, s->upsert_opts, e)
               ? 0 : -1;
  default:
    return mongoc_bulk_operation_remove_one_with_opts(bulk, w->sel, NULL, e) ? 0 : -1;
  }
}

/* ---- writing ----------------------------------------------------------------------- */

/* Waits ms, or less when *flag is set (the run aborted, or stopping). Returns ASR_ECANCELED
 * then. */
static int wait_unless(mongo_sink_t *s, uint64_t ms, _Atomic int *flag) {
  uint64_t deadline = uv_hrtime() + ms * 1000000u;
  uv_mutex_lock(&s->mu);
  while (!atomic_load(flag)) {
    uint64_t now = uv_hrtime();
    if (now >= deadline) break;
    uv_cond_timedwait(&s->wake, &s->mu, deadline - now);
  }
  uv_mutex_unlock(&s->mu);
  return atomic_load(flag) ? ASR_ECANCELED : 0;
}

/* The charge of the worker's last command (0 when the server did not say), added to its
 * counters. */
static double add_request_charge(mongo_sink_t *s, asr_sink_worker_t *w) {
  bson_t reply;
  bson_error_t e;
  bson_iter_t it;
  double ru = 0;
  if (mongoc_client_command_simple(w->client, s->conn.db, s->stats_cmd, NULL, &reply, &e) &&
      bson_iter_init_find(&it, &reply, "RequestCharge") && BSON_ITER_HOLDS_NUMBER(&it)) {
    ru = bson_iter_as_double(&it);
    if (ru > 0) atomic_fetch_add(&w->c.charge_milli, (uint64_t)(ru * 1000.0 + 0.5));
    else ru = 0;
  }
  bson_destroy(&reply);
  return ru;
}

static double now_s(void) { return (double)uv_hrtime() / 1e9; }

/* Waits what the RU governor asks before a bulk of n operations goes out (abortable, like
 * the retry waits). Returns ASR_ECANCELED when the run was stopped meanwhile. */
static int pace(mongo_sink_t *s, uint32_t n) {
  if (!s->governor) return 0;
  double wait = asr_ru_governor_reserve(s->governor, now_s(), n);
  if (wait <= 0) return 0;
  double ms = ceil(wait * 1000.0);
  return wait_unless(s, ms < UINT32_MAX ? (uint64_t)ms : UINT32_MAX, &s->aborted);
}

/* Fills a bulk with the pending documents from the front, up to the server's batch and
 * message limits, so it goes out as one command. Returns the pending documents used
 * (w->ops[0..*nops) the ones in the bulk). */
static uint32_t fill_bulk(mongo_sink_t *s, asr_sink_worker_t *w, mongoc_bulk_operation_t *bulk,
                          const asr_docs_t *docs, uint64_t seq, uint32_t *nops, tally_t *t) {
  uint64_t bytes = 0;
  uint32_t used = 0;
  *nops = 0;
  for (; used < w->npending; used++) {
    uint32_t i = w->pending[used];
    uint64_t size = (uint64_t)w->refs[i].len * (s->mode == ASR_WRITE_INSERT ? 1 : 2) + OP_OVERHEAD;
    if (*nops && (*nops >= s->max_ops || bytes + size > s->max_bytes)) break;
    bson_error_t e;
    if (add_op(s, w, bulk, docs, i, &e) != 0) {
      if (reject(s, t, docs, seq, i, doc_at(w, docs, i), w->refs[i].len, ASR_DL_INVALID, 0,
                 e.message))
        break; /* the batch stops: write_pending returns t->rc */
      continue;
    }
    w->ops[(*nops)++] = i;
    bytes += size;
  }
  return used;
}

static const char *kept_msg(const asr_mongo_reply_t *r, uint32_t k) {
  for (uint32_t m = 0; m < r->nmsgs; m++)
    if (r->msgs[m].index == k) return r->msgs[m].msg;
  return r->command_msg[0] ? r->command_msg : "(message not kept)";
}

static int32_t kept_code(const asr_mongo_reply_t *r, uint32_t k) {
  for (uint32_t m = 0; m < r->nmsgs; m++)
    if (r->msgs[m].index == k) return r->msgs[m].code;
  return r->command_code;
}

/* Books the outcome of each operation; those to send again go to w->next_pending, in
 * their original order. Returns 1 when a wait is due before the next attempt. */
static int book_outcomes(mongo_sink_t *s, asr_sink_worker_t *w, const asr_docs_t *docs,
                         uint64_t seq, uint32_t nops, const asr_mongo_reply_t *r,
                         uint32_t *nnext, tally_t *t) {
  int wait = 0;
  for (uint32_t k = 0; k < nops; k++) {
    uint32_t i = w->ops[k];
    doc_ref_t *ref = &w->refs[i];
    switch (w->outcome[k]) {
    case ASR_MONGO_OK:
      t->written++;
      break;
    case ASR_MONGO_DUPLICATE:
      if (ref->maybe_written) { /* our own earlier attempt wrote it */
        t->written++;
        break;
      }
      if (s->dead_letter_duplicates) {
        reject(s, t, docs, seq, i, doc_at(w, docs, i), ref->len, ASR_DL_DUPLICATE, 11000,
               "duplicate key: a document with this _id is in the target already");
        break;
      }
      t->duplicates++;
      sample_duplicate(s, doc_at(w, docs, i), ref->len);
      break;
    case ASR_MONGO_FAILED:
      reject(s, t, docs, seq, i, doc_at(w, docs, i), ref->len, ASR_DL_REJECTED, kept_code(r, k),
             kept_msg(r, k));
      break;
    case ASR_MONGO_UNKNOWN:
      ref->maybe_written = 1;
      /* fall through */
    case ASR_MONGO_THROTTLED:
    case ASR_MONGO_RETRY:
      wait = 1;
      /* fall through */
    default: /* NOT_ATTEMPTED: goes on without a wait */
      w->next_pending[(*nnext)++] = i;
      break;
    }
  }
  return wait;
}

/* The error text of the attempt that asked for a retry. */
static const char *retry_reason(const asr_mongo_reply_t *r) {
  if (r->command_failed) return r->command_msg;
  if (r->count[ASR_MONGO_THROTTLED]) return "throttled by the server (request rate too large)";
  if (r->count[ASR_MONGO_UNKNOWN]) return "write concern error or interrupted write";
  return "transient server error";
}

static int stopped_while_retrying(uint64_t seq, uint32_t nleft, const asr_mongo_reply_t *r,
                                  asr_err_t *err) {
  return fail(err, ASR_ECANCELED, "run stopped while batch %llu waited to retry %u documents "
              "(last error: %s)", (unsigned long long)seq, nleft, retry_reason(r));
}

/* After a failed attempt: waits before the next one, within the batch's retry budget.
 * Returns 0 to go on, else the error that ends the batch (budget spent, or the run stops). */
static int wait_to_retry(mongo_sink_t *s, asr_sink_worker_t *w, uint64_t seq, asr_retry_t *rt,
                         const asr_mongo_reply_t *r, uint32_t nleft, tally_t *t,
                         asr_err_t *err) {
  int64_t ms = asr_retry_next(rt, uv_hrtime(), r->count[ASR_MONGO_THROTTLED] != 0,
                              r->retry_after_ms, &w->rng);
  if (ms < 0)
    return fail(err, ASR_EIO,
                "cannot write batch %llu to %s.%s: %u documents not written after retrying for "
                "%.1f s (%u retries, --retry-for %.1f s; last error: %s)",
                (unsigned long long)seq, s->conn.db, s->conn.coll, nleft, asr_retry_spent_s(rt),
                rt->attempts, (double)rt->budget_ms / 1000.0, retry_reason(r));
  t->retries++;
  asr_log_redacted(ASR_LOG_DEBUG, "mongo.write.retry",
                   "batch %llu: retry %u of %u documents in %lld ms (%s)",
                   (unsigned long long)seq, rt->attempts, nleft, (long long)ms, retry_reason(r));
  if (wait_unless(s, (uint64_t)ms, &s->stopping))
    return stopped_while_retrying(seq, nleft, r, err);
  return 0;
}

/* Sends the pending documents, bulk by bulk, retrying what was not written. */
static int write_pending(mongo_sink_t *s, asr_sink_worker_t *w, uint64_t seq,
                         const asr_docs_t *docs, tally_t *t, asr_err_t *err) {
  asr_retry_t rt;
  asr_retry_start(&rt, s->retry_for_ms);
  while (w->npending) {
    if (atomic_load(&s->aborted)) return asr_err_set(err, ASR_ECANCELED, "run stopped");
    mongoc_bulk_operation_t *bulk =
        mongoc_collection_create_bulk_operation_with_opts(w->coll, s->bulk_opts);
    uint32_t nops, used = fill_bulk(s, w, bulk, docs, seq, &nops, t);
    if (t->rc) {
      mongoc_bulk_operation_destroy(bulk);
      return t->rc;
    }
    asr_mongo_reply_t r;
    memset(&r, 0, sizeof r);
    bson_t reply;
    bson_error_t e;
    memset(&e, 0, sizeof e);
    if (nops && pace(s, nops)) {
      mongoc_bulk_operation_destroy(bulk);
      return asr_err_set(err, ASR_ECANCELED, "run stopped");
    }
    if (nops) {
      int ok = mongoc_bulk_operation_execute(bulk, &reply, &e) != 0;
      asr_mongo_reply_classify(&reply, &e, ok, s->mode == ASR_WRITE_INSERT, s->ordered, nops,
                               w->outcome, &r);
      bson_destroy(&reply);
      double charge = s->request_stats ? add_request_charge(s, w) : 0;
      if (s->governor)
        asr_ru_governor_record(s->governor, now_s(), nops, charge, r.count[ASR_MONGO_OK],
                               r.count[ASR_MONGO_THROTTLED]);
    }
    mongoc_bulk_operation_destroy(bulk);
    if (nops && r.command_failed && r.command_outcome == ASR_MONGO_FAILED)
      return fail(err, ASR_EIO, "cannot write batch %llu to %s.%s: %s",
                  (unsigned long long)seq, s->conn.db, s->conn.coll, r.command_msg);
    uint32_t nnext = 0;
    int wait = nops ? book_outcomes(s, w, docs, seq, nops, &r, &nnext, t) : 0;
    if (t->rc) return t->rc; /* over the dead-letter budget (t->err holds why) */
    for (uint32_t k = used; k < w->npending; k++) w->next_pending[nnext++] = w->pending[k];
    uint32_t *swap = w->pending;
    w->pending = w->next_pending;
    w->next_pending = swap;
    w->npending = nnext;
    if (!wait) continue;
    if (r.count[ASR_MONGO_THROTTLED]) {
      t->throttles++;
      note_retry_after(s, r.retry_after_ms);
    }
    int rc = wait_to_retry(s, w, seq, &rt, &r, nnext, t, err);
    if (rc) return rc;
  }
  return 0;
}

static int mongo_write(asr_sink_t *base, asr_sink_worker_t *w, uint64_t seq,
                       const asr_docs_t *docs, asr_err_t *err) {
  mongo_sink_t *s = (mongo_sink_t *)base;
  if (s->dry_run) return 0;
  uint64_t t0 = uv_hrtime();
  tally_t t = {.err = err};
  int rc = 0;
  if (docs->count) {
    rc = prepare(s, w, seq, docs, &t);
    if (rc == ASR_ENOMEM) rc = asr_err_set(err, rc, "out of memory");
    else if (rc == 0) rc = write_pending(s, w, seq, docs, &t, err);
  }
  atomic_fetch_add(&w->c.written, t.written);
  atomic_fetch_add(&w->c.duplicates, t.duplicates);
  atomic_fetch_add(&w->c.failed, t.failed);
  atomic_fetch_add(&w->c.throttles, t.throttles);
  atomic_fetch_add(&w->c.retries, t.retries);
  atomic_fetch_add(&w->c.batches, 1);
  atomic_fetch_add(&w->c.latency_us, (uv_hrtime() - t0) / 1000);
  return rc;
}

/* A resumed run's batch that the earlier run may have written: every document starts as
 * "maybe written", so a duplicate key on it counts as that write. */
static int mongo_write_again(asr_sink_t *base, asr_sink_worker_t *w, uint64_t seq,
                             const asr_docs_t *docs, asr_err_t *err) {
  w->again = 1;
  int rc = mongo_write(base, w, seq, docs, err);
  w->again = 0;
  return rc;
}

/* ---- the rest of the interface ----------------------------------------------------- */

static int mongo_finish(asr_sink_t *base, asr_err_t *err) {
  return 0; /* every write was acknowledged as it went: nothing to publish */
}

/* Sets *flag and wakes the workers waiting (to retry, or for the RU governor). */
static void raise_flag(mongo_sink_t *s, _Atomic int *flag) {
  uv_mutex_lock(&s->mu);
  atomic_store(flag, 1);
  uv_cond_broadcast(&s->wake);
  uv_mutex_unlock(&s->mu);
}

/* A database sink cannot take back documents it wrote: nothing is deleted. The summary
 * reports what was written. Workers waiting to retry wake up and give up. */
static void mongo_abort(asr_sink_t *base, int keep_partial) {
  mongo_sink_t *s = (mongo_sink_t *)base;
  raise_flag(s, &s->stopping);
  raise_flag(s, &s->aborted);
}

/* The run is stopping: bulks in progress finish, but no batch waits to retry any more. */
static void mongo_stopping(asr_sink_t *base) {
  mongo_sink_t *s = (mongo_sink_t *)base;
  raise_flag(s, &s->stopping);
}

static void mongo_destroy(asr_sink_t *base) {
  mongo_sink_t *s = (mongo_sink_t *)base;
  asr_mongo_conn_close(&s->conn);
  for (size_t i = 0; i < s->nkeys; i++) free(s->keys[i]);
  free(s->keys);
  bson_t *docs[] = {s->bulk_opts, s->insert_opts, s->upsert_opts, s->stats_cmd};
  for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
    if (docs[i]) bson_destroy(docs[i]);
  uv_cond_destroy(&s->wake);
  uv_mutex_destroy(&s->mu);
  free(s->ruri);
  free(s->base.description);
  free(s->base.location);
  free(s);
}

static const asr_sink_vt_t mongo_vt = {
    .scheme = "mongodb",
    .worker_open = mongo_worker_open,
    .worker_close = mongo_worker_close,
    .write = mongo_write,
    .write_again = mongo_write_again,
    .finish = mongo_finish,
    .abort = mongo_abort,
    .destroy = mongo_destroy,
    .stats = asr_sink_mongo_stats,
    .stopping = mongo_stopping,
};

static const char *mode_name(asr_write_mode_t m) {
  switch (m) {
  case ASR_WRITE_INSERT: return "insert";
  case ASR_WRITE_UPSERT: return "upsert";
  case ASR_WRITE_MERGE: return "merge";
  default: return "delete";
  }
}

static int describe(mongo_sink_t *s, const char *wc) {
  const mongoc_uri_t *uri = s->conn.uri;
  char hosts[512];
  asr_mongo_hosts(uri, hosts, sizeof hosts);
  int srv = mongoc_uri_get_srv_hostname(uri) != NULL;
  if (asprintf(&s->base.description, "%s %s %s.%s (%s, %s bulk writes%s%s)",
               s->cosmos ? "Cosmos DB for MongoDB" : "MongoDB", hosts, s->conn.db, s->conn.coll,
               mode_name(s->mode), s->ordered ? "ordered" : "unordered", wc ? ", w=" : "",
               wc ? wc : "") < 0) {
    s->base.description = NULL;
    return ASR_ENOMEM;
  }
  if (asprintf(&s->base.location, "%s://%s/%s.%s", srv ? "mongodb+srv" : "mongodb", hosts,
               s->conn.db, s->conn.coll) < 0) {
    s->base.location = NULL;
    return ASR_ENOMEM;
  }
  return 0;
}

static mongo_sink_t *new_sink(const asr_mongo_target_t *t, const asr_sink_options_t *opt) {
  mongo_sink_t *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->base.vt = &mongo_vt;
  s->mode = t->mode;
  s->ordered = t->ordered != 0;
  s->dry_run = opt && opt->dry_run;
  s->governor = opt ? opt->governor : NULL;
  s->retry_for_ms = asr_retry_budget_ms(t->retry_for_ms);
  s->dead_letter = opt ? opt->dead_letter : NULL;
  s->dead_letter_duplicates = opt && opt->dead_letter_duplicates;
  s->pool_max = t->pool_size ? t->pool_size : 1;
  s->max_doc = MONGO_DOC_LIMIT;
  s->max_ops = 100000;
  s->max_bytes = 47000000;
  uv_mutex_init(&s->mu);
  uv_cond_init(&s->wake);
  return s;
}

int asr_sink_mongo_open(const asr_mongo_target_t *t, const asr_sink_options_t *opt,
                        asr_sink_t **out, asr_err_t *err) {
  *out = NULL;
  if (!t || !t->uri || !*t->uri) return asr_err_set(err, ASR_EINVAL, "no MongoDB URI given");
  if ((unsigned)t->mode > ASR_WRITE_DELETE)
    return asr_err_set(err, ASR_EINVAL, "unknown write mode %d", (int)t->mode);
  mongo_sink_t *s = new_sink(t, opt);
  if (!s) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  int rc = 0;
  char red[2048];
  asr_mongo_redact(t->uri, red, sizeof red);
  if (!(s->ruri = strdup(red))) {
    rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
    goto done;
  }
  /* The sink's own options first: they need no server. */
  if ((rc = copy_keys(s, t, err)) || (rc = build_opts(s, t, err))) goto done;
  if ((rc = reach_server(s, t, err))) goto done;
  if (describe(s, t->write_concern)) rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
done:
  if (rc) mongo_destroy(&s->base);
  else *out = &s->base;
  return rc;
}

void asr_sink_mongo_stats(asr_sink_t *base, asr_sink_db_stats_t *out) {
  mongo_sink_t *s = (mongo_sink_t *)base;
  counters_t sum;
  memset(&sum, 0, sizeof sum);
  uv_mutex_lock(&s->mu);
  add_counters(&sum, &s->retired);
  for (asr_sink_worker_t *w = s->workers; w; w = w->next) add_counters(&sum, &w->c);
  out->pool_in_use = s->in_use;
  out->pool_size = s->pool_max;
  uv_mutex_unlock(&s->mu);
  out->docs_written = atomic_load(&sum.written);
  out->duplicates = atomic_load(&sum.duplicates);
  out->failed = atomic_load(&sum.failed);
  out->throttles = atomic_load(&sum.throttles);
  out->retries = atomic_load(&sum.retries);
  out->batches = atomic_load(&sum.batches);
  out->latency_us_total = atomic_load(&sum.latency_us);
  out->request_charge = (double)atomic_load(&sum.charge_milli) / 1000.0;
  out->retry_after_ms_max = atomic_exchange(&s->retry_after_max, 0); /* per reading */
}

void asr_sink_mongo_samples(asr_sink_t *base, asr_mongo_samples_t *out) {
  mongo_sink_t *s = (mongo_sink_t *)base;
  uv_mutex_lock(&s->mu);
  *out = s->samples;
  uv_mutex_unlock(&s->mu);
}
