/* Classification of a bulk write's outcome, per operation: written, duplicate key,
 * permanent failure, throttled (Cosmos DB request rate), transient (retry), unknown (may or
 * may not have been applied: retry, idempotently) or never attempted (ordered bulk after its
 * first error). Pure functions of the reply document and bson_error_t that
 * mongoc_bulk_operation_execute returns (error API 2): no I/O, so the cases a test server
 * cannot produce are unit-tested on crafted replies. */
#ifndef ASR_SINKS_MONGO_REPLY_H
#define ASR_SINKS_MONGO_REPLY_H

#include <bson/bson.h>
#include <stdint.h>

#include "mongo/retry.h" /* asr_mongo_retry_after_ms */

typedef enum asr_mongo_outcome {
  ASR_MONGO_OK = 0,        /* applied */
  ASR_MONGO_DUPLICATE,     /* duplicate key (11000) in insert mode: that _id exists already */
  ASR_MONGO_FAILED,        /* permanent: would fail again (validation 121, bad document...) */
  ASR_MONGO_THROTTLED,     /* rate limited (16500, 429, TooManyRequests): not applied */
  ASR_MONGO_RETRY,         /* transient server error on this operation: not applied */
  ASR_MONGO_UNKNOWN,       /* network error, interrupted command or write concern error:
                            * maybe applied; retried, and in insert mode a duplicate key on
                            * the retry means "already written" */
  ASR_MONGO_NOT_ATTEMPTED, /* ordered bulk: after the first error, never tried */
  ASR_MONGO_NOUTCOMES
} asr_mongo_outcome_t;

#define ASR_MONGO_REPLY_MSGS 4

typedef struct asr_mongo_reply_msg {
  uint32_t index; /* operation index in the bulk */
  int32_t code;
  char msg[256];
} asr_mongo_reply_msg_t;

typedef struct asr_mongo_reply {
  uint32_t count[ASR_MONGO_NOUTCOMES]; /* operations per outcome */
  int64_t retry_after_ms;              /* largest "RetryAfterMs=N" of the throttled; -1: none */
  /* The command failed as a whole (no per-operation errors): every operation got
   * command_outcome. FAILED here (authorization, an unsatisfiable write concern, a
   * client-side error) would fail every batch the same way: the run stops. */
  int command_failed;
  asr_mongo_outcome_t command_outcome;
  int32_t command_code;
  char command_msg[512];
  uint32_t nmsgs; /* the first permanent per-operation failures */
  asr_mongo_reply_msg_t msgs[ASR_MONGO_REPLY_MSGS];
} asr_mongo_reply_t;

/* Classifies the n operations of one executed bulk into outcome[0..n). reply (NULL or
 * empty when nothing came back) and error are what mongoc_bulk_operation_execute filled,
 * executed its return value != 0. insert_mode: a duplicate key is DUPLICATE, else FAILED.
 * The bulk must have been one write command (the sink keeps bulks under the server's
 * message and batch limits), so a command-level error concerns all its operations. */
void asr_mongo_reply_classify(const bson_t *reply, const bson_error_t *error, int executed,
                              int insert_mode, int ordered, uint32_t n, uint8_t *outcome,
                              asr_mongo_reply_t *out);

/* The class of one server error: THROTTLED, DUPLICATE (insert mode), RETRY or FAILED. */
asr_mongo_outcome_t asr_mongo_error_outcome(int32_t code, const char *msg, int insert_mode);
const char *asr_mongo_outcome_name(asr_mongo_outcome_t o);

#endif
