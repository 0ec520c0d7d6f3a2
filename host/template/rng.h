/* Deterministic random numbers for template generation.
 * Each document gets its own generator seeded from (seed, index) with splitmix64, then draws
 * from xoshiro256** as the node tree is walked, so document i never depends on which worker
 * made it or on what was generated before it. Header-only: every draw is inlined into the
 * operators. The state is plain data owned by the caller (on the stack of one generate call).
 * Public for custom operators (template.h includes it): asr_rng_next, asr_rng_unit and
 * asr_rng_range are the draws they may use. */
#ifndef ASR_TEMPLATE_RNG_H
#define ASR_TEMPLATE_RNG_H

#include <stdint.h>

typedef struct asr_rng {
  uint64_t s[4];
} asr_rng_t;

/* splitmix64: advances *x and returns a well-mixed 64-bit value (Steele, Lea, Flood). */
static inline uint64_t asr_rng_splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* A bijective 64-bit mix (the splitmix64 finalizer): distinct inputs give distinct outputs. */
static inline uint64_t asr_rng_mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static inline void asr_rng_seed(asr_rng_t *r, uint64_t seed, uint64_t index) {
  /* mix(index) first so neighbouring indexes do not give related seeds */
  uint64_t x = seed ^ asr_rng_mix(index + 0x632be59bd9b4e019ull);
  for (int i = 0; i < 4; i++) r->s[i] = asr_rng_splitmix64(&x);
}

static inline uint64_t asr_rng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* xoshiro256** (Blackman, Vigna). */
static inline uint64_t asr_rng_next(asr_rng_t *r) {
  uint64_t *s = r->s;
  uint64_t result = asr_rng_rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = asr_rng_rotl(s[3], 45);
  return result;
}

/* Uniform in [0, n), n > 0, without modulo bias (Lemire's multiply-and-reject). */
static inline uint64_t asr_rng_below(asr_rng_t *r, uint64_t n) {
  __extension__ typedef unsigned __int128 u128;
  u128 m = (u128)asr_rng_next(r) * n;
  uint64_t low = (uint64_t)m;
  if (low < n) {
    uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = (u128)asr_rng_next(r) * n;
      low = (uint64_t)m;
    }
  }
  return (uint64_t)(m >> 64);
}

/* Uniform in [0, n), n > 0, from the 32 random bits x (Lemire); draws afresh only in the
 * rare case that x falls in the biased zone. Lets callers spend one 64-bit draw on two values. */
static inline uint32_t asr_rng_below32(asr_rng_t *r, uint32_t x, uint32_t n) {
  uint64_t m = (uint64_t)x * n;
  uint32_t low = (uint32_t)m;
  if (low < n) {
    uint32_t threshold = (0u - n) % n;
    while (low < threshold) {
      m = (uint64_t)(uint32_t)asr_rng_next(r) * n;
      low = (uint32_t)m;
    }
  }
  return (uint32_t)(m >> 32);
}

/* Uniform in [min, max] (inclusive, min <= max); the full int64 range is allowed. */
static inline int64_t asr_rng_range(asr_rng_t *r, int64_t min, int64_t max) {
  uint64_t span = (uint64_t)max - (uint64_t)min; /* unsigned: no overflow */
  uint64_t off = span == UINT64_MAX ? asr_rng_next(r) : asr_rng_below(r, span + 1);
  return (int64_t)((uint64_t)min + off);
}

/* Uniform double in [0, 1) with 53 random bits. */
static inline double asr_rng_unit(asr_rng_t *r) {
  return (double)(asr_rng_next(r) >> 11) * 0x1.0p-53;
}

#endif
