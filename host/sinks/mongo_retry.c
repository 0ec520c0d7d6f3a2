/* Retry waits (see mongo_retry.h). */
#include "sinks/mongo_retry.h"

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
  if (retry_after_ms > 600000) retry_after_ms = 600000; /* a garbled value must not hang us */
  uint32_t ra = (uint32_t)retry_after_ms;
  uint32_t spread = ra / 4 > 5 ? ra / 4 : 5;
  return ra + uniform(rng, spread);
}
