/* Waits between retries of a batch's unwritten documents: exponential backoff with full
 * jitter for transient errors (so the workers that failed together do not come back
 * together), and for throttling at least the server's RetryAfterMs plus a little jitter.
 * Pure functions; the caller owns the random state (one per worker). */
#ifndef ASR_SINKS_MONGO_RETRY_H
#define ASR_SINKS_MONGO_RETRY_H

#include <stdint.h>

#define ASR_MONGO_BACKOFF_BASE_MS 100u    /* first ceiling; doubles per attempt */
#define ASR_MONGO_BACKOFF_CAP_MS 10000u   /* largest ceiling (a primary election is ~10 s) */
#define ASR_MONGO_THROTTLE_BASE_MS 50u    /* throttled without RetryAfterMs */

/* Uniform in [0, min(cap, base * 2^attempt)] (attempt 0 is the first retry). */
uint32_t asr_mongo_backoff_ms(uint32_t attempt, uint32_t base_ms, uint32_t cap_ms,
                              uint64_t *rng);
/* Throttled: retry_after_ms >= 0 gives retry_after_ms + up to a quarter of it (at least
 * 5 ms) of jitter; otherwise a backoff from ASR_MONGO_THROTTLE_BASE_MS. */
uint32_t asr_mongo_throttle_wait_ms(uint32_t attempt, int64_t retry_after_ms, uint64_t *rng);
/* Next value of the generator (splitmix64); seed *rng with anything. */
uint64_t asr_mongo_rand(uint64_t *rng);

#endif
