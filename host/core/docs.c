#include "core/docs.h"

void asr_docs_init(asr_docs_t *d) {
  asr_buf_init(&d->buf);
  d->count = 0;
  d->first_index = ASR_DOCS_NO_INDEX;
  d->origin = NULL;
}

void asr_docs_free(asr_docs_t *d) {
  asr_buf_free(&d->buf);
  d->count = 0;
}

int asr_docs_append(asr_docs_t *d, const uint8_t *doc, uint32_t len) {
  int rc = asr_buf_append(&d->buf, doc, len);
  if (rc == 0) d->count++;
  return rc;
}

int asr_docs_append_bson(asr_docs_t *d, const bson_t *doc) {
  return asr_docs_append(d, bson_get_data(doc), doc->len);
}
