/* The MongoDB collection source (mongodb:// and mongodb+srv://, Cosmos DB for MongoDB).
 * Reads in parallel: the collection's _id space is cut into ranges of about one pipeline batch
 * each, every batch is one range, and the worker that takes it runs its own sorted find.
 * This header stays free of mongoc.h so that callers need not include it. */
#ifndef ASR_SOURCES_MONGO_H
#define ASR_SOURCES_MONGO_H

#include <stdint.h>

#include "sources/source.h"

typedef struct asr_mongo_source_cfg {
  const char *uri, *database, *collection; /* NULL db/coll: from the URI path "/db.collection" */
  const char *filter_json;     /* relaxed/canonical Extended JSON, NULL = {} */
  const char *projection_json; /* NULL = whole documents */
  int32_t cursor_batch;        /* 0: server default */
  int32_t server_selection_timeout_ms; /* 0: the URI's serverSelectionTimeoutMS, else 10000 */
  int64_t limit;               /* -1: all */
  int64_t retry_for_ms;        /* how long a batch's failed reads are retried, from its first
                                * failure: 0 the default (mongo/retry.h), < 0 none */
} asr_mongo_source_cfg_t;

/* Connects, checks the server answers, parses filter and projection and counts the matching
 * documents, so that every configuration error (malformed URI, unreachable server, bad filter,
 * missing database or collection) is ASR_EINVAL here, before anything is written. Messages
 * never hold credentials.
 *
 * Batches of this source: b->raw holds one BSON document describing the batch's _id range,
 *   {range: <int64, 0-based plan order>, lo: <_id>, hi: <_id>, hi_inclusive: <bool>}
 * with lo absent for the first range (from MinKey) and hi absent for the last (to MaxKey);
 * b->origin is range + 1. b->count is 0 (unknown until decode: the pipeline's docs_in counts
 * the real documents) and b->first_index an estimate (range * planned range size). */
int asr_source_mongo_open(const asr_mongo_source_cfg_t *cfg, asr_source_t **out, asr_err_t *err);

#endif
