/* Little-endian reads of BSON's lengths and numbers (BSON is little-endian whatever the
 * host): one load on little-endian machines. */
#ifndef ASR_CORE_LE_H
#define ASR_CORE_LE_H

#include <stdint.h>
#include <string.h>

static inline uint32_t asr_le32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap32(v);
#endif
  return v;
}

static inline uint64_t asr_le64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

#endif
