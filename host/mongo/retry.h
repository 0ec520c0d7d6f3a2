/* When and for how long MongoDB work is retried, for the sink's writes and the source's
 * reads alike:
 *   - which errors are worth a retry: throttling (Cosmos DB 16500 / 429 with RetryAfterMs),
 *     transient server errors (stepdowns, shutdowns, network) and, for reads, a cut
 *     connection or a lost cursor;
 *   - how long to wait: exponential backoff with full jitter for transient errors (so the
 *     workers that failed together do not come back together), and for throttling at least
 *     the server's RetryAfterMs plus a little jitter;
 *   - for how long to keep trying: a time budget (--retry-for) that runs per batch from its
 *     first failure, not a count, so a run outlasts an outage or a throttling storm of
 *     minutes whatever the waits in between.
 * Pure functions (time and randomness come in as arguments, so tests need no clock); the
 * caller owns the random state (one per worker). */
#ifndef ASR_MONGO_RETRY_H
#define ASR_MONGO_RETRY_H

#include <stdint.h>

#define ASR_MONGO_BACKOFF_BASE_MS 100u    /* first ceiling; doubles per attempt */
#define ASR_MONGO_BACKOFF_CAP_MS 10000u   /* largest ceiling (a primary election is ~10 s) */
#define ASR_MONGO_THROTTLE_BASE_MS 50u    /* throttled without RetryAfterMs */
#define ASR_MONGO_RETRY_AFTER_MAX_MS 600000 /* a garbled RetryAfterMs must not hang us */

/* The default retry budget: 10 minutes. The Cosmos DB SDKs give up after about 9 retries
 * within 30 s of waiting, which suits one interactive request; a migration runs for hours,
 * and a throttling storm, a failover or a network outage of a few minutes should slow it
 * down, not end it. Ten minutes outlasts those and still ends a run whose server is gone. */
#define ASR_RETRY_FOR_DEFAULT_MS (10 * 60 * 1000)

/* Uniform in [0, min(cap, base * 2^attempt)] (attempt 0 is the first retry). */
uint32_t asr_mongo_backoff_ms(uint32_t attempt, uint32_t base_ms, uint32_t cap_ms,
                              uint64_t *rng);
/* Throttled: retry_after_ms >= 0 gives retry_after_ms + up to a quarter of it (at least
 * 5 ms) of jitter; otherwise a backoff from ASR_MONGO_THROTTLE_BASE_MS. */
uint32_t asr_mongo_throttle_wait_ms(uint32_t attempt, int64_t retry_after_ms, uint64_t *rng);
/* Next value of the generator (splitmix64); seed *rng with anything. */
uint64_t asr_mongo_rand(uint64_t *rng);

/* ---- which errors ---- */

/* N from "RetryAfterMs=N" in a message (any case), or -1. */
int64_t asr_mongo_retry_after_ms(const char *msg);
/* A server error that asks to slow down: 16500, 429, TooManyRequests, "Request rate is
 * large" (Cosmos DB for MongoDB). */
int asr_mongo_throttle_error(int32_t code, const char *msg);
/* A server error that goes away by itself: stepdowns, shutdowns, network and timeout codes,
 * and the messages of servers before the codes were stable. */
int asr_mongo_transient_error(int32_t code, const char *msg);

typedef enum asr_mongo_read_error {
  ASR_MONGO_READ_PERMANENT = 0, /* would fail again: a bad query, authorization, ... */
  ASR_MONGO_READ_TRANSIENT,     /* a cut connection, a timeout, no server, a lost cursor */
  ASR_MONGO_READ_THROTTLED,     /* rate limited: wait RetryAfterMs */
} asr_mongo_read_error_t;

/* The class of a failed find or getMore from its bson_error_t fields (error API 2). */
asr_mongo_read_error_t asr_mongo_read_error_class(uint32_t domain, uint32_t code,
                                                  const char *msg);

/* ---- for how long ---- */

/* The wait before the next attempt of work that first failed elapsed_ms ago, after
 * `attempt` retries (0: this is the first): a throttle wait (throttled; retry_after_ms < 0
 * when the server did not say) or a backoff, cut short so the attempt happens by the end of
 * the budget. Returns -1 when the budget is spent (elapsed_ms >= budget_ms): give up. */
int64_t asr_retry_wait_ms(uint32_t attempt, uint64_t elapsed_ms, uint64_t budget_ms,
                          int throttled, int64_t retry_after_ms, uint64_t *rng);

/* One batch's retries: the budget and where it stands. */
typedef struct asr_retry {
  uint64_t budget_ms;
  uint64_t first_failure_ns; /* when the first attempt failed; 0: none failed yet */
  uint64_t last_failure_ns;
  uint32_t attempts;         /* retries granted so far */
} asr_retry_t;

/* The budget a setting gives: 0 (unset) is ASR_RETRY_FOR_DEFAULT_MS, negative no retries. */
uint64_t asr_retry_budget_ms(int64_t setting);
void asr_retry_start(asr_retry_t *r, uint64_t budget_ms);
/* An attempt failed at now_ns: asr_retry_wait_ms from the batch's first failure; counts the
 * retry it grants. -1: give up. */
int64_t asr_retry_next(asr_retry_t *r, uint64_t now_ns, int throttled, int64_t retry_after_ms,
                       uint64_t *rng);
/* Seconds from the first failure to the last one, for "gave up after retrying for N s". */
double asr_retry_spent_s(const asr_retry_t *r);

#endif
