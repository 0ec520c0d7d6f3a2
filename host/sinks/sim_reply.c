/* The simulated database's replies (see sim_reply.h). The messages follow what Cosmos DB for
 * MongoDB sends: the classification reads the code first, so their wording only matters to
 * people reading logs. */
#include "sinks/sim_reply.h"

#include <mongoc/mongoc.h>
#include <stdio.h>
#include <string.h>

#include "mongo/retry.h"

#define THROTTLED_MSG                                                                        \
  "Error=16500, RetryAfterMs=%u, Details='Response status code does not indicate success: "  \
  "TooManyRequests (429); Substatus: 3200; Reason: (Request rate is large. More Request "    \
  "Units may be needed, so no changes were made. Please retry this request later.)'"
#define FAILED_MSG "Document failed validation"
#define TRANSIENT_MSG "interrupted at shutdown"

/* Appends {index, code, errmsg} as element *pos of the array. */
static void append_error(bson_t *arr, uint32_t *pos, uint32_t index, int32_t code,
                         const char *msg) {
  char key[16];
  const char *k;
  bson_uint32_to_string((*pos)++, &k, key, sizeof key);
  bson_t doc;
  bson_append_document_begin(arr, k, -1, &doc);
  BSON_APPEND_INT32(&doc, "index", (int32_t)index);
  BSON_APPEND_INT32(&doc, "code", code);
  BSON_APPEND_UTF8(&doc, "errmsg", msg);
  bson_append_document_end(arr, &doc);
}

/* The index of the first document of w that failed for good (w->written when none). */
static uint32_t first_failed(const asr_simdb_write_t *w) {
  uint64_t p = w->error_period;
  if (!p) return w->written;
  uint64_t i = (p - (w->first_doc_seq + 1) % p) % p; /* (seq + i + 1) % p == 0 */
  return i < w->written ? (uint32_t)i : w->written;
}

int asr_sim_reply_build(const asr_simdb_t *m, const asr_simdb_write_t *w, bson_t *reply,
                        bson_error_t *error) {
  bson_reinit(reply);
  memset(error, 0, sizeof *error);
  uint32_t inserted = w->transient ? 0 : w->written - w->failed;
  BSON_APPEND_INT32(reply, "nInserted", (int32_t)inserted);
  BSON_APPEND_INT32(reply, "nMatched", 0);
  BSON_APPEND_INT32(reply, "nModified", 0);
  BSON_APPEND_INT32(reply, "nRemoved", 0);
  BSON_APPEND_INT32(reply, "nUpserted", 0);
  bson_t arr;
  BSON_APPEND_ARRAY_BEGIN(reply, "writeErrors", &arr);
  char throttled_msg[400];
  snprintf(throttled_msg, sizeof throttled_msg, THROTTLED_MSG, w->retry_after_ms);
  uint32_t pos = 0;
  if (!w->transient) {
    for (uint64_t i = first_failed(w); i < w->written; i += w->error_period) /* each k-th */
      if (asr_simdb_failed_at(m, w, (uint32_t)i))
        append_error(&arr, &pos, (uint32_t)i, ASR_SIM_FAILED_CODE, FAILED_MSG);
    for (uint32_t i = w->written; i < w->written + w->throttled; i++)
      append_error(&arr, &pos, i, ASR_SIM_THROTTLED_CODE, throttled_msg);
  }
  bson_append_array_end(reply, &arr);
  if (w->transient) {
    bson_set_error(error, MONGOC_ERROR_SERVER, ASR_SIM_TRANSIENT_CODE, TRANSIENT_MSG);
    return 0;
  }
  if (w->failed)
    bson_set_error(error, MONGOC_ERROR_SERVER, ASR_SIM_FAILED_CODE, FAILED_MSG);
  else if (w->throttled)
    bson_set_error(error, MONGOC_ERROR_SERVER, ASR_SIM_THROTTLED_CODE, "%s", throttled_msg);
  return !w->failed && !w->throttled;
}

void asr_sim_reply_classify(const asr_simdb_t *m, const asr_simdb_write_t *w, bson_t *scratch,
                            uint8_t *outcome, asr_mongo_reply_t *out) {
  bson_error_t error;
  int executed = asr_sim_reply_build(m, w, scratch, &error);
  asr_mongo_reply_classify(scratch, &error, executed, 1, 0, w->n, outcome, out);
}

void asr_sim_reply_counts(const asr_simdb_write_t *w, asr_mongo_reply_t *out) {
  memset(out, 0, sizeof *out);
  out->retry_after_ms = -1;
  if (w->transient) {
    out->command_failed = 1;
    out->command_outcome = ASR_MONGO_UNKNOWN;
    out->command_code = ASR_SIM_TRANSIENT_CODE;
    snprintf(out->command_msg, sizeof out->command_msg, TRANSIENT_MSG);
    out->count[ASR_MONGO_UNKNOWN] = w->n;
    return;
  }
  out->count[ASR_MONGO_OK] = w->written - w->failed;
  out->count[ASR_MONGO_FAILED] = w->failed;
  out->count[ASR_MONGO_THROTTLED] = w->throttled;
  if (w->throttled) out->retry_after_ms = w->retry_after_ms;
}

uint32_t asr_sim_reply_again(const asr_mongo_reply_t *r) {
  return r->count[ASR_MONGO_THROTTLED] + r->count[ASR_MONGO_RETRY] + r->count[ASR_MONGO_UNKNOWN];
}

uint32_t asr_sim_retry_wait_ms(const asr_mongo_reply_t *r, uint32_t retry, uint64_t *rng) {
  if (r->count[ASR_MONGO_THROTTLED]) return asr_mongo_throttle_wait_ms(retry, r->retry_after_ms, rng);
  return asr_mongo_backoff_ms(retry, ASR_MONGO_BACKOFF_BASE_MS, ASR_MONGO_BACKOFF_CAP_MS, rng);
}
