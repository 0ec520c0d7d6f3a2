/* What the simulated database answers, as a Cosmos DB for MongoDB server answers an
 * unordered bulk insert, classified by the real sink's code (sinks/mongo_reply.h) and the
 * waits before the next attempt (mongo/retry.h). Shared by the real-time sim: sink and
 * the policy lab, so both treat throttling, failures and retries exactly as a run against a
 * real server does. Pure: no clock, no sleeping, no locks.
 *
 * The reply to a write of n documents (simdb/model.h), as mongoc_bulk_operation_execute
 * fills it (error API 2):
 *   { nInserted, nMatched 0, nModified 0, nRemoved 0, nUpserted 0, writeErrors [...] }
 *   - each document that failed for good: { index, code 121, errmsg "Document failed
 *     validation" } (FAILED);
 *   - each throttled document: { index, code 16500, errmsg "Error=16500, RetryAfterMs=N,
 *     Details='Response status code does not indicate success: TooManyRequests (429) ...'" }
 *     (THROTTLED, RetryAfterMs parsed);
 *   - a transient failure of the whole write: no reply body but the counts, and a
 *     command-level server error 11600 InterruptedAtShutdown, which the real code classifies
 *     UNKNOWN for every document (interrupted mid-command: maybe applied, so retried
 *     idempotently; the model applied nothing).
 *   executed is 0 whenever a document was not written, and the bson_error_t carries the first
 *   write error (domain MONGOC_ERROR_SERVER), as libmongoc reports it. */
#ifndef ASR_SINKS_SIM_REPLY_H
#define ASR_SINKS_SIM_REPLY_H

#include <bson/bson.h>
#include <stdint.h>

#include "simdb/model.h"
#include "sinks/mongo_reply.h"

/* Attempts of one batch before its remaining (throttled or transiently failed) documents are
 * given up: the sim: sink then fails the batch, the lab counts them lost. */
#define ASR_SIM_MAX_ATTEMPTS 20

#define ASR_SIM_TRANSIENT_CODE 11600 /* InterruptedAtShutdown */
#define ASR_SIM_FAILED_CODE 121      /* DocumentValidationFailure */
#define ASR_SIM_THROTTLED_CODE 16500 /* Cosmos DB: request rate is large */

/* Fills reply (re-initialised: pass an initialised bson_t, e.g. BSON_INITIALIZER) and error
 * with what the server sends for write w; returns `executed` as
 * mongoc_bulk_operation_execute would (1 when every document was written). */
int asr_sim_reply_build(const asr_simdb_t *m, const asr_simdb_write_t *w, bson_t *reply,
                        bson_error_t *error);
/* asr_sim_reply_build, then asr_mongo_reply_classify (insert mode, unordered):
 * outcome[0..w->n) per document and the counts in out. scratch: a reusable bson_t (initialised)
 * for the reply, so a caller can keep one per worker. */
void asr_sim_reply_classify(const asr_simdb_t *m, const asr_simdb_write_t *w, bson_t *scratch,
                            uint8_t *outcome, asr_mongo_reply_t *out);
/* The same counts (out->count, retry_after_ms, command_failed/outcome/code) as
 * asr_sim_reply_classify, by arithmetic on w: no reply, no per-document work. For the lab's
 * inner loop; the tests hold the two equal. */
void asr_sim_reply_counts(const asr_simdb_write_t *w, asr_mongo_reply_t *out);

/* Documents of the reply to send again: THROTTLED, RETRY and UNKNOWN. */
uint32_t asr_sim_reply_again(const asr_mongo_reply_t *r);
/* The wait before the next attempt of those, as the MongoDB sink waits: at least the
 * RetryAfterMs (plus jitter) when any was throttled, else a jittered exponential backoff.
 * retry: 0 for the first retry of the batch. rng: the caller's generator state. */
uint32_t asr_sim_retry_wait_ms(const asr_mongo_reply_t *r, uint32_t retry, uint64_t *rng);

#endif
