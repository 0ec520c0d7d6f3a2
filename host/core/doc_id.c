/* Deterministic _ids (see doc_id.h). */
#include "core/doc_id.h"

#include <string.h>

#include "core/error.h"

/* Two chains, two starting points and multipliers: independent 64-bit digests of the same
 * input, computed side by side (the CPU overlaps their multiplications). */
#define CHAIN_A 0x9e3779b97f4a7c15ull
#define CHAIN_B 0xc2b2ae3d27d4eb4full
#define MUL_A 0xff51afd7ed558ccdull
#define MUL_B 0xc4ceb9fe1a85ec53ull

/* SplitMix64's finalizer: a bijection whose every output bit depends on every input bit. */
static uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/* One word into a chain: a bijection of the word for a given state, so two inputs that
 * differ only in their last word never meet before the finalizer. */
static inline uint64_t absorb(uint64_t h, uint64_t w, uint64_t mul) {
  h = (h ^ w) * mul;
  return h ^ (h >> 29);
}

static inline uint64_t load_le(const uint8_t *p, size_t n) { /* n <= 8; little-endian hosts */
  uint64_t w = 0;
  memcpy(&w, p, n);
  return w;
}

/* Both chains over seed, the key's 8-byte words (the last one zero-padded) and a closing
 * word of the key's length and the position, so no two inputs give the same word stream. */
static void chains(uint64_t seed, const uint8_t *key, size_t key_len, uint32_t position,
                   uint64_t *a, uint64_t *b) {
  uint64_t ha = absorb(CHAIN_A, seed, MUL_A), hb = absorb(CHAIN_B, seed, MUL_B);
  size_t i = 0;
  for (; i + 8 <= key_len; i += 8) {
    uint64_t w = load_le(key + i, 8);
    ha = absorb(ha, w, MUL_A);
    hb = absorb(hb, w, MUL_B);
  }
  if (i < key_len) {
    uint64_t w = load_le(key + i, key_len - i);
    ha = absorb(ha, w, MUL_A);
    hb = absorb(hb, w, MUL_B);
  }
  uint64_t last = (uint64_t)key_len << 32 | position;
  *a = mix64(absorb(ha, last, MUL_A));
  *b = mix64(absorb(hb, last, MUL_B));
}

void asr_doc_id_derive(uint64_t seed, const uint8_t *key, size_t key_len, uint32_t position,
                       uint8_t out[ASR_DOC_ID_LEN]) {
  uint64_t a, b;
  chains(seed, key, key_len, position, &a, &b);
  for (int i = 0; i < 8; i++) out[i] = (uint8_t)(a >> (56 - 8 * i)); /* big-endian, as OIDs */
  for (int i = 0; i < 4; i++) out[8 + i] = (uint8_t)(b >> (56 - 8 * i));
}

static int32_t load_i32(const uint8_t *p) {
  int32_t v;
  memcpy(&v, p, 4); /* little-endian hosts, as in core/docs.h */
  return v;
}

int64_t asr_bson_value_size(uint8_t type, const uint8_t *p, size_t avail) {
  switch (type) {
  case 0x06: case 0x0A: case 0x7F: case 0xFF: return 0;          /* undefined, null, max/min */
  case 0x08: return 1;                                            /* bool */
  case 0x10: return 4;                                            /* int32 */
  case 0x01: case 0x09: case 0x11: case 0x12: return 8;           /* double, date, ts, int64 */
  case 0x07: return 12;                                           /* ObjectId */
  case 0x13: return 16;                                           /* decimal128 */
  case 0x02: case 0x0D: case 0x0E:                                /* string, code, symbol */
    return avail < 4 ? -1 : 4 + (int64_t)load_i32(p);
  case 0x0C:                                                      /* DBPointer */
    return avail < 4 ? -1 : 4 + (int64_t)load_i32(p) + 12;
  case 0x05:                                                      /* binary */
    return avail < 4 ? -1 : 5 + (int64_t)load_i32(p);
  case 0x03: case 0x04: case 0x0F:                                /* document, array, code_w_s */
    return avail < 4 ? -1 : (int64_t)load_i32(p);
  case 0x0B: {                                                    /* regex: two C strings */
    const uint8_t *z1 = memchr(p, 0, avail);
    if (!z1) return -1;
    const uint8_t *z2 = memchr(z1 + 1, 0, avail - (size_t)(z1 + 1 - p));
    return z2 ? z2 + 1 - p : -1;
  }
  default: return -1;
  }
}

/* The top-level `_id` element of doc: its value's bytes (after type and key). Returns the
 * type byte, or 0 when doc has no `_id` or is malformed (what the sink then refuses). A
 * walk of the elements' headers, without the checks a bson_iter_t makes of every value: it
 * runs for each document a database target gets, and `_id` is usually the first key. */
static uint8_t find_id(const uint8_t *doc, uint32_t len, const uint8_t **value,
                       uint32_t *value_len) {
  if (len < 5) return 0;
  const uint8_t *p = doc + 4, *end = doc + len - 1; /* the document's closing NUL */
  while (p < end) {
    uint8_t type = *p++;
    const uint8_t *key = p, *z = key;
    while (z < end && *z) z++; /* keys are short: a loop beats a call to memchr */
    if (z == end) return 0;
    p = z + 1;
    int64_t vl = asr_bson_value_size(type, p, (size_t)(end - p));
    if (vl < 0 || vl > end - p) return 0;
    if (z - key == 3 && key[0] == '_' && key[1] == 'i' && key[2] == 'd') {
      *value = p;
      *value_len = (uint32_t)vl;
      return type;
    }
    p += vl;
  }
  return 0;
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
  uint64_t a, b;
  chains(0, v, vl, 0, &a, &b);
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

static uint32_t origin_at(const asr_doc_origins_t *from, uint32_t k) {
  return from->origin ? from->origin[k] : k;
}

/* The key of origin o's source document into key; 0 when o is out of range. Without a
 * transform the source document is the output itself, known to lack an _id. */
static size_t origin_key(const asr_doc_origins_t *from, source_cursor_t *src, uint32_t o,
                         uint8_t key[ASR_DOC_ID_KEY_MAX]) {
  if (!from->origin) return asr_doc_id_key(NULL, 0, from->first_index + o, key);
  if (!seek(src, from->sources, o)) return 0;
  return asr_doc_id_key(src->it.doc, src->it.len, from->first_index + o, key);
}

int asr_docs_assign_ids(const asr_docs_t *docs, const asr_doc_origins_t *from, uint64_t seed,
                        asr_docs_t *out) {
  /* Up to the first document without an _id: one scan, and when there is none, no copy. */
  asr_docs_iter_t it = asr_docs_begin(docs);
  uint32_t k = 0;
  while (asr_docs_next(&it) && asr_doc_has_id(it.doc, it.len)) k++;
  if (k == docs->count) return 0;
  size_t extra = (size_t)(docs->count - k) * (5 + ASR_DOC_ID_LEN);
  if (asr_buf_reserve(&out->buf, docs->buf.len + extra)) return ASR_ENOMEM;
  asr_buf_put(&out->buf, docs->buf.data, (size_t)(it.doc - docs->buf.data));
  out->count += k;
  /* it.doc is document k, the first without an _id; its position counts the outputs of its
   * origin before it */
  const uint32_t first = k;
  uint32_t o = origin_at(from, k), position = 0, key_origin = UINT32_MAX;
  while (position < k && origin_at(from, k - 1 - position) == o) position++;
  source_cursor_t src = {.at = UINT32_MAX};
  uint8_t key[ASR_DOC_ID_KEY_MAX], id[ASR_DOC_ID_LEN];
  size_t key_len = 0;
  int missing = 0;
  do {
    if (k > first) {
      uint32_t next = origin_at(from, k);
      position = next == o ? position + 1 : 0;
      o = next;
    }
    if (k > first && asr_doc_has_id(it.doc, it.len)) {
      asr_buf_put(&out->buf, it.doc, it.len);
    } else {
      if (key_origin != o) { /* once per source record, however many documents it made */
        if (!(key_len = origin_key(from, &src, o, key))) return ASR_EINVAL;
        key_origin = o;
      }
      asr_doc_id_derive(seed, key, key_len, position, id);
      put_with_id(&out->buf, it.doc, it.len, id);
      missing++;
    }
    out->count++;
    k++;
  } while (asr_docs_next(&it));
  return missing;
}
