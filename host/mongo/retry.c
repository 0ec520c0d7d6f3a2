/* Retry policy: which errors, how long to wait, for how long (see retry.h). The codes follow
 * the server's error codes and the retryable reads and writes specifications; the throttling
 * forms are Cosmos DB for MongoDB's (16500 "Request rate is large ... RetryAfterMs=N", 429,
 * TooManyRequests). */
#include "mongo/retry.h"

#include <mongoc/mongoc.h>
#include <string.h>
#include <strings.h>

uint64_t asr_mongo_rand(uint64_t *rng) {
  uint64_t z = (*rng += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static uint32_t uniform(uint64_t *rng, uint32_t max_inclusive) {
  return (uint32_t)(asr_mongo_rand(rng) % ((uint64_t)max_inclusive + 1));
}

uint32_t asr_mongo_backoff_ms(uint32_t attempt, uint32_t base_ms, uint32_t cap_ms,
                              uint64_t *rng) {
  uint64_t ceiling = base_ms;
  for (uint32_t i = 0; i < attempt && ceiling < cap_ms; i++) ceiling *= 2;
  if (ceiling > cap_ms) ceiling = cap_ms;
  return uniform(rng, (uint32_t)ceiling);
}

uint32_t asr_mongo_throttle_wait_ms(uint32_t attempt, int64_t retry_after_ms, uint64_t *rng) {
  if (retry_after_ms < 0)
    return asr_mongo_backoff_ms(attempt, ASR_MONGO_THROTTLE_BASE_MS, ASR_MONGO_BACKOFF_CAP_MS,
                                rng);
  if (retry_after_ms > ASR_MONGO_RETRY_AFTER_MAX_MS) retry_after_ms = ASR_MONGO_RETRY_AFTER_MAX_MS;
  uint32_t ra = (uint32_t)retry_after_ms;
  uint32_t spread = ra / 4 > 5 ? ra / 4 : 5;
  return ra + uniform(rng, spread);
}

/* ---- which errors ---- */

static int has_ci(const char *s, const char *word) {
  if (!s) return 0;
  size_t w = strlen(word);
  for (; *s; s++)
    if (strncasecmp(s, word, w) == 0) return 1;
  return 0;
}

int64_t asr_mongo_retry_after_ms(const char *msg) {
  static const char key[] = "RetryAfterMs=";
  if (!msg) return -1;
  for (const char *s = msg; *s; s++) {
    if (strncasecmp(s, key, sizeof key - 1) != 0) continue;
    const char *d = s + sizeof key - 1;
    if (*d < '0' || *d > '9') continue;
    int64_t v = 0;
    for (; *d >= '0' && *d <= '9' && v < INT64_MAX / 10 - 10; d++) v = v * 10 + (*d - '0');
    return v;
  }
  return -1;
}

int asr_mongo_throttle_error(int32_t code, const char *msg) {
  return code == 16500 || code == 429 || has_ci(msg, "TooManyRequests") ||
         has_ci(msg, "Request rate is large");
}

int asr_mongo_transient_error(int32_t code, const char *msg) {
  switch (code) {
  case 6:     /* HostUnreachable */
  case 7:     /* HostNotFound */
  case 89:    /* NetworkTimeout */
  case 91:    /* ShutdownInProgress */
  case 189:   /* PrimarySteppedDown */
  case 262:   /* ExceededTimeLimit */
  case 9001:  /* SocketException */
  case 10107: /* NotWritablePrimary */
  case 11600: /* InterruptedAtShutdown */
  case 11602: /* InterruptedDueToReplStateChange */
  case 13435: /* NotPrimaryNoSecondaryOk */
  case 13436: /* NotPrimaryOrSecondary */
    return 1;
  default:
    /* Servers before the codes were stable (what libmongoc also checks). */
    return has_ci(msg, "not master") || has_ci(msg, "node is recovering");
  }
}

#define CURSOR_NOT_FOUND 43 /* the server dropped the cursor (timeout, failover) */

asr_mongo_read_error_t asr_mongo_read_error_class(uint32_t domain, uint32_t code,
                                                  const char *msg) {
  if (domain == MONGOC_ERROR_STREAM || domain == MONGOC_ERROR_SERVER_SELECTION)
    return ASR_MONGO_READ_TRANSIENT;
  if (domain != MONGOC_ERROR_SERVER && domain != MONGOC_ERROR_QUERY)
    return ASR_MONGO_READ_PERMANENT; /* client-side: the same request would fail the same way */
  if (asr_mongo_throttle_error((int32_t)code, msg)) return ASR_MONGO_READ_THROTTLED;
  if (code == CURSOR_NOT_FOUND || asr_mongo_transient_error((int32_t)code, msg))
    return ASR_MONGO_READ_TRANSIENT;
  return ASR_MONGO_READ_PERMANENT;
}

/* ---- for how long ---- */

int64_t asr_retry_wait_ms(uint32_t attempt, uint64_t elapsed_ms, uint64_t budget_ms,
                          int throttled, int64_t retry_after_ms, uint64_t *rng) {
  if (elapsed_ms >= budget_ms) return -1;
  uint64_t wait = throttled ? asr_mongo_throttle_wait_ms(attempt, retry_after_ms, rng)
                            : asr_mongo_backoff_ms(attempt, ASR_MONGO_BACKOFF_BASE_MS,
                                                   ASR_MONGO_BACKOFF_CAP_MS, rng);
  uint64_t left = budget_ms - elapsed_ms;
  return (int64_t)(wait < left ? wait : left);
}

uint64_t asr_retry_budget_ms(int64_t setting) {
  if (setting == 0) return ASR_RETRY_FOR_DEFAULT_MS;
  return setting < 0 ? 0 : (uint64_t)setting;
}

void asr_retry_start(asr_retry_t *r, uint64_t budget_ms) {
  *r = (asr_retry_t){.budget_ms = budget_ms};
}

int64_t asr_retry_next(asr_retry_t *r, uint64_t now_ns, int throttled, int64_t retry_after_ms,
                       uint64_t *rng) {
  if (!r->first_failure_ns) r->first_failure_ns = now_ns ? now_ns : 1;
  r->last_failure_ns = now_ns;
  uint64_t elapsed_ms = now_ns > r->first_failure_ns ? (now_ns - r->first_failure_ns) / 1000000u : 0;
  int64_t wait = asr_retry_wait_ms(r->attempts, elapsed_ms, r->budget_ms, throttled,
                                   retry_after_ms, rng);
  if (wait >= 0) r->attempts++;
  return wait;
}

double asr_retry_spent_s(const asr_retry_t *r) {
  if (!r->first_failure_ns || r->last_failure_ns <= r->first_failure_ns) return 0;
  return (double)(r->last_failure_ns - r->first_failure_ns) / 1e9;
}
