/* Deterministic _ids (see doc_id.h). */
#include "core/doc_id.h"

#include <string.h>

#include "core/error.h"

/* Two chains, two starting points: independent 64-bit digests of the same input. */
#define CHAIN_A 0x9e3779b97f4a7c15ull
#define CHAIN_B 0xc2b2ae3d27d4eb4full

/* SplitMix64's finalizer: a bijection whose every output bit depends on every input bit. */
static uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

static uint64_t load_le(const uint8_t *p, size_t n) {
  uint64_t w = 0;
  for (size_t i = 0; i < n; i++) w |= (uint64_t)p[i] << (8 * i);
  return w;
}

/* One chain over seed, key and position: each 8-byte word is xored in and the state fully
 * mixed; the key's length and the position close it, so no two inputs share a word stream. */
static uint64_t chain(uint64_t start, uint64_t seed, const uint8_t *key, size_t key_len,
                      uint32_t position) {
  uint64_t h = mix64(start ^ mix64(seed));
  size_t i = 0;
  for (; i + 8 <= key_len; i += 8) h = mix64(h ^ load_le(key + i, 8)) + start;
  if (i < key_len) h = mix64(h ^ load_le(key + i, key_len - i)) + start;
  return mix64(h ^ ((uint64_t)key_len << 32 | position));
}

void asr_doc_id_derive(uint64_t seed, const uint8_t *key, size_t key_len, uint32_t position,
                       uint8_t out[ASR_DOC_ID_LEN]) {
  uint64_t a = chain(CHAIN_A, seed, key, key_len, position);
  uint64_t b = chain(CHAIN_B, seed, key, key_len, position);
  for (int i = 0; i < 8; i++) out[i] = (uint8_t)(a >> (56 - 8 * i)); /* big-endian, as OIDs */
  for (int i = 0; i < 4; i++) out[8 + i] = (uint8_t)(b >> (56 - 8 * i));
}

/* The top-level `_id` element of doc: its value's bytes (after type and key). Returns the
 * type byte, or 0 when doc has no `_id` (or is malformed). */
static uint8_t find_id(const uint8_t *doc, uint32_t len, const uint8_t **value,
                       uint32_t *value_len) {
  bson_iter_t it;
  if (!bson_iter_init_from_data(&it, doc, len) || !bson_iter_find_w_len(&it, "_id", 3))
    return 0;
  uint32_t start = it.key + 4; /* "_id" and its NUL */
  *value = doc + start;
  *value_len = it.next_off - start;
  return (uint8_t)bson_iter_type(&it);
}

int asr_doc_has_id(const uint8_t *doc, uint32_t len) {
  const uint8_t *v;
  uint32_t vl;
  return find_id(doc, len, &v, &vl) != 0;
}

size_t asr_doc_id_key(const uint8_t *doc, uint32_t len, uint64_t stream_index,
                      uint8_t key[ASR_DOC_ID_KEY_MAX]) {
  const uint8_t *v;
  uint32_t vl;
  uint8_t type = doc ? find_id(doc, len, &v, &vl) : 0;
  key[0] = type;
  if (type == 0) {
    for (int i = 0; i < 8; i++) key[1 + i] = (uint8_t)(stream_index >> (8 * i));
    return 9;
  }
  if (vl + 1 <= ASR_DOC_ID_KEY_MAX) {
    memcpy(key + 1, v, vl);
    return vl + 1;
  }
  /* A long _id (a big string or embedded document): its two digests stand for it; the
   * length byte 0xff keeps them apart from a short _id of the same bytes. */
  uint64_t a = chain(CHAIN_A, 0, v, vl, 0), b = chain(CHAIN_B, 0, v, vl, 0);
  for (int i = 0; i < 8; i++) key[1 + i] = (uint8_t)(a >> (8 * i));
  for (int i = 0; i < 8; i++) key[9 + i] = (uint8_t)(b >> (8 * i));
  key[17] = 0xff;
  return 18;
}

/* Iterates over the origins' source documents by index; origins only move forward in a
 * transform's output, so this is one pass over the batch (a step back restarts it). */
typedef struct source_cursor {
  asr_docs_iter_t it;
  uint32_t at; /* index of it.doc; UINT32_MAX before the first */
} source_cursor_t;

static int seek(source_cursor_t *c, const asr_docs_t *sources, uint32_t k) {
  if (c->at != UINT32_MAX && k < c->at) c->at = UINT32_MAX;
  if (c->at == UINT32_MAX) {
    c->it = asr_docs_begin(sources);
    if (!asr_docs_next(&c->it)) return 0;
    c->at = 0;
  }
  while (c->at < k) {
    if (!asr_docs_next(&c->it)) return 0;
    c->at++;
  }
  return 1;
}

static void put_with_id(asr_buf_t *out, const uint8_t *doc, uint32_t len,
                        const uint8_t id[ASR_DOC_ID_LEN]) {
  static const uint8_t id_elem[5] = {0x07, '_', 'i', 'd', 0};
  uint32_t newlen = len + (uint32_t)sizeof id_elem + ASR_DOC_ID_LEN;
  asr_buf_put(out, &newlen, 4); /* little-endian hosts, as in core/docs.h */
  asr_buf_put(out, id_elem, sizeof id_elem);
  asr_buf_put(out, id, ASR_DOC_ID_LEN);
  asr_buf_put(out, doc + 4, len - 4);
}

int asr_docs_assign_ids(const asr_docs_t *docs, const asr_doc_origins_t *from, uint64_t seed,
                        asr_docs_t *out) {
  uint32_t missing = 0;
  for (asr_docs_iter_t it = asr_docs_begin(docs); asr_docs_next(&it);)
    missing += !asr_doc_has_id(it.doc, it.len);
  if (missing == 0) return 0;
  if (asr_buf_reserve(&out->buf, docs->buf.len + (size_t)missing * (5 + ASR_DOC_ID_LEN)))
    return ASR_ENOMEM;
  source_cursor_t src = {.at = UINT32_MAX};
  uint32_t k = 0, run_origin = UINT32_MAX, position = 0;
  uint8_t key[ASR_DOC_ID_KEY_MAX], id[ASR_DOC_ID_LEN];
  for (asr_docs_iter_t it = asr_docs_begin(docs); asr_docs_next(&it); k++) {
    uint32_t o = from->origin ? from->origin[k] : k;
    position = o == run_origin ? position + 1 : 0;
    run_origin = o;
    if (asr_doc_has_id(it.doc, it.len)) {
      asr_buf_put(&out->buf, it.doc, it.len);
    } else {
      if (!seek(&src, from->sources, o)) return ASR_EINVAL;
      size_t kl = asr_doc_id_key(src.it.doc, src.it.len, from->first_index + o, key);
      asr_doc_id_derive(seed, key, kl, position, id);
      put_with_id(&out->buf, it.doc, it.len, id);
    }
    out->count++;
  }
  return (int)missing;
}
