#include "core/buf.h"

#include <stdlib.h>

#include "core/error.h"

void asr_buf_init(asr_buf_t *b) {
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
}

void asr_buf_free(asr_buf_t *b) {
  free(b->data);
  asr_buf_init(b);
}

int asr_buf_reserve(asr_buf_t *b, size_t extra) {
  if (b->cap - b->len >= extra) return 0;
  size_t need = b->len + extra;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < need) cap *= 2;
  uint8_t *p = realloc(b->data, cap);
  if (!p) return ASR_ENOMEM;
  b->data = p;
  b->cap = cap;
  return 0;
}

int asr_buf_append(asr_buf_t *b, const void *p, size_t n) {
  if (n == 0) return 0; /* an empty buffer has no data pointer to memcpy into */
  int rc = asr_buf_reserve(b, n);
  if (rc) return rc;
  asr_buf_put(b, p, n);
  return 0;
}

int asr_buf_append_str(asr_buf_t *b, const char *s) { return asr_buf_append(b, s, strlen(s)); }
