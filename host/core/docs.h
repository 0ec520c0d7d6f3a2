/* A run of BSON documents stored back to back in one buffer (each starts with its int32
 * length, as in a .bson file or an OP_MSG document sequence). Workers decode a batch into
 * one of these, the transform maps one into another, and sinks encode or send it. */
#ifndef ASR_CORE_DOCS_H
#define ASR_CORE_DOCS_H

#include <bson/bson.h>
#include <stdint.h>

#include "core/buf.h"

typedef struct asr_docs {
  asr_buf_t buf;
  uint32_t count;
  /* Where the documents came from, for messages and dead letters: document i is the source
   * record first_index + (origin ? origin[i] : i); ASR_DOCS_NO_INDEX: not known (a
   * transform's output, until the transform records each output's input in origin). Set by
   * the pipeline's worker; asr_docs_reset keeps them. */
  uint64_t first_index;
  const uint32_t *origin;
} asr_docs_t;

#define ASR_DOCS_NO_INDEX UINT64_MAX

void asr_docs_init(asr_docs_t *d);
void asr_docs_free(asr_docs_t *d);
static inline void asr_docs_reset(asr_docs_t *d) {
  asr_buf_reset(&d->buf);
  d->count = 0;
}
/* Copies one document in. Returns 0 or ASR_ENOMEM. */
int asr_docs_append(asr_docs_t *d, const uint8_t *doc, uint32_t len);
int asr_docs_append_bson(asr_docs_t *d, const bson_t *doc);

/* The stream index of document i's source record, or ASR_DOCS_NO_INDEX. */
static inline uint64_t asr_docs_source_index(const asr_docs_t *d, uint32_t i) {
  if (d->first_index == ASR_DOCS_NO_INDEX) return ASR_DOCS_NO_INDEX;
  return d->first_index + (d->origin ? d->origin[i] : i);
}

/* Iteration: for (asr_docs_iter_t it = asr_docs_begin(d); asr_docs_next(&it);) use it.doc, it.len */
typedef struct asr_docs_iter {
  const uint8_t *pos, *end;
  const uint8_t *doc;
  uint32_t len;
} asr_docs_iter_t;

static inline asr_docs_iter_t asr_docs_begin(const asr_docs_t *d) {
  asr_docs_iter_t it = {d->buf.data, d->buf.data + d->buf.len, NULL, 0};
  return it;
}
static inline int asr_docs_next(asr_docs_iter_t *it) {
  if (it->pos >= it->end) return 0;
  uint32_t len;
  memcpy(&len, it->pos, 4); /* little-endian hosts only (x86_64, aarch64) */
  it->doc = it->pos;
  it->len = len;
  it->pos += len;
  return 1;
}

#endif
