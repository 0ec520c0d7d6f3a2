/* The MongoDB / Cosmos DB for MongoDB sink: documents go to one collection through
 * libmongoc bulk writes, one client per worker from a pool that grows with the workers.
 * Write modes insert, upsert (replace by key fields), merge ($set by key fields) and delete
 * (by key fields) all scale across workers. Replies are classified per document (written,
 * duplicate, throttled, transient, permanent failure) and only the documents not yet
 * written are retried, with backoff, so a partially failed bulk never rewrites what
 * succeeded; for as long as the retry budget allows (mongo/retry.h). Permanent failures go
 * to the dead letters (asr_sink_options_t.dead_letter). Credentials never appear in a message
 * (util/redact.h).
 * The caller owns the asr_mongo_target_t and its strings; open copies what it keeps. */
#ifndef ASR_SINKS_MONGO_H
#define ASR_SINKS_MONGO_H

#include <stddef.h>
#include <stdint.h>

#include "sinks/sink.h"

typedef enum { ASR_WRITE_INSERT, ASR_WRITE_UPSERT, ASR_WRITE_MERGE, ASR_WRITE_DELETE } asr_write_mode_t;

typedef struct asr_mongo_target {
  const char *uri;          /* mongodb:// or mongodb+srv://, TLS/auth/Cosmos options pass through */
  const char *database, *collection; /* NULL: from the URI path "/db.collection" */
  asr_write_mode_t mode;
  const char *const *keys; size_t nkeys; /* key fields for upsert/merge/delete (default "_id") */
  int ordered;              /* 0: unordered bulk writes (default) */
  const char *write_concern;/* NULL (server default), "majority", or a number "0","1",.. */
  uint32_t pool_size;       /* initial client pool size (= workers); grows as workers open */
  int32_t server_selection_timeout_ms; /* 0: the URI's, else 10000 */
  int64_t retry_for_ms;     /* how long a batch's throttled or transient writes are retried,
                             * from its first failure: 0 the default (mongo/retry.h), < 0 none */
} asr_mongo_target_t;

/* Whether documents without an _id get a deterministic one before they are written
 * (sink.h derive_ids): inserts, and writes keyed by _id alone (NULL keys: _id). A write keyed
 * by other fields must not set an _id: a replacement would change an existing one. */
int asr_mongo_target_derives_ids(asr_write_mode_t mode, const char *const *keys, size_t nkeys);

/* Parses and checks the target, creates the client pool and pings the server (dry_run:
 * validates and pings only). Every configuration problem, an unreachable server and failed
 * authentication are ASR_EINVAL here, so nothing is written. */
int asr_sink_mongo_open(const asr_mongo_target_t *t, const asr_sink_options_t *opt,
                        asr_sink_t **out, asr_err_t *err);
void asr_sink_mongo_stats(asr_sink_t *s, asr_sink_db_stats_t *out); /* thread-safe */

/* For the run summary: the first duplicate _ids (insert mode, relaxed Extended JSON) and
 * the first permanent failure messages (redacted). Thread-safe. */
#define ASR_MONGO_SAMPLES 10
typedef struct asr_mongo_samples {
  uint32_t nduplicate_ids, nfailures;
  char duplicate_ids[ASR_MONGO_SAMPLES][96];
  char failures[ASR_MONGO_SAMPLES][256];
} asr_mongo_samples_t;
void asr_sink_mongo_samples(asr_sink_t *s, asr_mongo_samples_t *out);

#endif
