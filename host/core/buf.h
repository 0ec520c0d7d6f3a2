/* Growable byte buffer: the unit in which batches, encoded output and raw input travel.
 * The owner of the asr_buf_t owns its bytes; buffers are reused between batches
 * (asr_buf_reset keeps the capacity), so the hot path does not allocate per document. */
#ifndef ASR_CORE_BUF_H
#define ASR_CORE_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct asr_buf {
  uint8_t *data;
  size_t len;
  size_t cap;
} asr_buf_t;

void asr_buf_init(asr_buf_t *b);
void asr_buf_free(asr_buf_t *b);
/* Ensures room for `extra` more bytes. Returns 0 or ASR_ENOMEM. */
int asr_buf_reserve(asr_buf_t *b, size_t extra);
int asr_buf_append(asr_buf_t *b, const void *p, size_t n);
int asr_buf_append_str(asr_buf_t *b, const char *s);
static inline void asr_buf_reset(asr_buf_t *b) { b->len = 0; }

/* Unchecked append for callers that reserved first (hot encoders). */
static inline void asr_buf_put(asr_buf_t *b, const void *p, size_t n) {
  memcpy(b->data + b->len, p, n);
  b->len += n;
}
static inline void asr_buf_putc(asr_buf_t *b, char c) { b->data[b->len++] = (uint8_t)c; }

#endif
