/* Bulk reply classification (see mongo_reply.h). The codes follow the server's error codes
 * and the retryable writes specification; which of them are throttling or transient is
 * mongo/retry.c's. */
#include "sinks/mongo_reply.h"

#include <mongoc/mongoc.h>
#include <stdio.h>
#include <string.h>

asr_mongo_outcome_t asr_mongo_error_outcome(int32_t code, const char *msg, int insert_mode) {
  if (asr_mongo_throttle_error(code, msg)) return ASR_MONGO_THROTTLED;
  if (code == 11000 || code == 11001 || code == 12582)
    return insert_mode ? ASR_MONGO_DUPLICATE : ASR_MONGO_FAILED;
  if (asr_mongo_transient_error(code, msg)) return ASR_MONGO_RETRY;
  return ASR_MONGO_FAILED;
}

const char *asr_mongo_outcome_name(asr_mongo_outcome_t o) {
  static const char *const names[] = {"ok", "duplicate", "failed", "throttled",
                                      "retry", "unknown", "not attempted"};
  return (unsigned)o < ASR_MONGO_NOUTCOMES ? names[o] : "?";
}

static void note_throttle(asr_mongo_reply_t *out, const char *msg) {
  int64_t ms = asr_mongo_retry_after_ms(msg);
  if (ms > out->retry_after_ms) out->retry_after_ms = ms;
}

/* Reads {code, errmsg} (and index) from one error document. */
static void error_fields(const bson_iter_t *doc, int32_t *code, const char **msg,
                         int64_t *index) {
  bson_iter_t it = *doc, child;
  *code = 0;
  *msg = "";
  *index = -1;
  if (!bson_iter_recurse(&it, &child)) return;
  while (bson_iter_next(&child)) {
    const char *k = bson_iter_key(&child);
    if (strcmp(k, "code") == 0 && BSON_ITER_HOLDS_NUMBER(&child))
      *code = (int32_t)bson_iter_as_int64(&child);
    else if (strcmp(k, "errmsg") == 0 && BSON_ITER_HOLDS_UTF8(&child))
      *msg = bson_iter_utf8(&child, NULL);
    else if (strcmp(k, "index") == 0 && BSON_ITER_HOLDS_NUMBER(&child))
      *index = bson_iter_as_int64(&child);
  }
}

static int array_of(const bson_t *reply, const char *key, bson_iter_t *arr) {
  bson_iter_t it;
  return reply && bson_iter_init_find(&it, reply, key) && BSON_ITER_HOLDS_ARRAY(&it) &&
         bson_iter_recurse(&it, arr);
}

static int has_label(const bson_t *reply, const char *label) {
  bson_iter_t arr;
  if (!array_of(reply, "errorLabels", &arr)) return 0;
  while (bson_iter_next(&arr))
    if (BSON_ITER_HOLDS_UTF8(&arr) && strcmp(bson_iter_utf8(&arr, NULL), label) == 0) return 1;
  return 0;
}

static void keep_msg(asr_mongo_reply_t *out, uint32_t index, int32_t code, const char *msg) {
  if (out->nmsgs >= ASR_MONGO_REPLY_MSGS) return;
  asr_mongo_reply_msg_t *m = &out->msgs[out->nmsgs++];
  m->index = index;
  m->code = code;
  snprintf(m->msg, sizeof m->msg, "%s", msg);
}

static void command_error(asr_mongo_reply_t *out, asr_mongo_outcome_t o, int32_t code,
                          const char *msg) {
  out->command_failed = 1;
  out->command_outcome = o;
  out->command_code = code;
  snprintf(out->command_msg, sizeof out->command_msg, "%s", msg);
}

/* Write concern errors: the writes were applied but not acknowledged as asked, so they are
 * retried (idempotently). 79 UnknownReplWriteConcern and 100 UnsatisfiableWriteConcern can
 * never succeed: a configuration error. Returns 1 when there is one. */
static int write_concern_errors(const bson_t *reply, asr_mongo_reply_t *out) {
  bson_iter_t arr;
  if (!array_of(reply, "writeConcernErrors", &arr) || !bson_iter_next(&arr)) return 0;
  int32_t code;
  const char *msg;
  int64_t index;
  error_fields(&arr, &code, &msg, &index);
  if (code == 79 || code == 100) command_error(out, ASR_MONGO_FAILED, code, msg);
  return 1;
}

/* Per-operation write errors. Returns how many there were; *first: the lowest index. */
static uint32_t write_errors(const bson_t *reply, int insert_mode, uint32_t n, uint8_t *outcome,
                             asr_mongo_reply_t *out, uint32_t *first) {
  bson_iter_t arr;
  uint32_t count = 0;
  *first = UINT32_MAX;
  if (!array_of(reply, "writeErrors", &arr)) return 0;
  while (bson_iter_next(&arr)) {
    int32_t code;
    const char *msg;
    int64_t index;
    if (!BSON_ITER_HOLDS_DOCUMENT(&arr)) continue;
    error_fields(&arr, &code, &msg, &index);
    if (index < 0 || index >= (int64_t)n) continue;
    asr_mongo_outcome_t o = asr_mongo_error_outcome(code, msg, insert_mode);
    outcome[index] = (uint8_t)o;
    if (o == ASR_MONGO_THROTTLED) note_throttle(out, msg);
    if (o == ASR_MONGO_FAILED) keep_msg(out, (uint32_t)index, code, msg);
    if ((uint32_t)index < *first) *first = (uint32_t)index;
    count++;
  }
  return count;
}

/* A failed command with no per-operation errors: network (maybe applied), no server
 * (nothing sent), a server error by its code, or a client-side error (permanent). */
static void classify_command(const bson_t *reply, const bson_error_t *error, int insert_mode,
                             asr_mongo_reply_t *out) {
  const char *msg = error && error->message[0] ? error->message : "bulk write failed";
  int32_t code = error ? (int32_t)error->code : 0;
  uint32_t domain = error ? error->domain : 0;
  asr_mongo_outcome_t o;
  if (domain == MONGOC_ERROR_STREAM) {
    o = ASR_MONGO_UNKNOWN;
  } else if (domain == MONGOC_ERROR_SERVER_SELECTION) {
    o = ASR_MONGO_RETRY;
  } else if (domain == MONGOC_ERROR_SERVER || domain == MONGOC_ERROR_WRITE_CONCERN) {
    o = asr_mongo_error_outcome(code, msg, insert_mode);
    if (o == ASR_MONGO_DUPLICATE) o = ASR_MONGO_FAILED; /* not about one document */
    /* Interrupted mid-command (stepdown, shutdown): some operations may have been applied. */
    if (o == ASR_MONGO_RETRY) o = ASR_MONGO_UNKNOWN;
    if (o == ASR_MONGO_FAILED && has_label(reply, "RetryableWriteError")) o = ASR_MONGO_UNKNOWN;
  } else {
    o = ASR_MONGO_FAILED;
  }
  if (o == ASR_MONGO_THROTTLED) note_throttle(out, msg);
  command_error(out, o, code, msg);
}

void asr_mongo_reply_classify(const bson_t *reply, const bson_error_t *error, int executed,
                              int insert_mode, int ordered, uint32_t n, uint8_t *outcome,
                              asr_mongo_reply_t *out) {
  memset(out, 0, sizeof *out);
  out->retry_after_ms = -1;
  memset(outcome, ASR_MONGO_OK, n);
  int wce = write_concern_errors(reply, out);
  uint32_t first;
  uint32_t nwe = write_errors(reply, insert_mode, n, outcome, out, &first);
  if (!out->command_failed && !executed && nwe == 0 &&
      !(wce && error && error->domain == MONGOC_ERROR_WRITE_CONCERN))
    classify_command(reply, error, insert_mode, out);
  if (out->command_failed) {
    memset(outcome, out->command_outcome, n);
  } else {
    for (uint32_t i = 0; i < n; i++) {
      if (ordered && nwe && i > first) outcome[i] = ASR_MONGO_NOT_ATTEMPTED;
      else if (wce && outcome[i] == ASR_MONGO_OK) outcome[i] = ASR_MONGO_UNKNOWN;
    }
  }
  for (uint32_t i = 0; i < n; i++) out->count[outcome[i]]++;
}
