/* Deterministic _ids for documents that reach a database without one.
 *
 * A document the source or the transform hands to a database target without an `_id` would
 * get a random one from the driver, so a re-run or a resumed run would insert it again. Here
 * it gets an ObjectId that depends only on
 *   (the run's seed, the source record it came from, its position among that record's
 *    outputs)
 * where the source record's key is the input document's own `_id` when it has one (a
 * MongoDB or file source: stable even when the source is read in another order), else its
 * stream index (generation: index i depends only on (seed, i); files: the record's position),
 * and the position is 0 for a plain 1→1 document and j for the j-th output of a fan-out.
 *
 * The 12 bytes are all hash: two independent 64-bit chains over (seed, key, position), 96
 * bits kept, so a billion ids collide with odds of about 1 in 10^11. No clock goes in: a
 * re-run without --now, or a resume, derives the same ids, which is what lets a duplicate
 * key mean "already written". The ObjectId's leading 4 bytes are therefore not a creation
 * time (they spread ids evenly instead of clustering them by time).
 *
 * Both functions are pure; asr_docs_assign_ids allocates nothing once `out` has grown. */
#ifndef ASR_CORE_DOC_ID_H
#define ASR_CORE_DOC_ID_H

#include <stddef.h>
#include <stdint.h>

#include "core/docs.h"

#define ASR_DOC_ID_LEN 12

/* Bytes of a BSON value of type `type` at p (avail bytes left, after the element's key), or
 * -1 for an unknown type; the length fields are read, not checked against avail: the caller
 * checks the result fits. The one table of value sizes the header walks here and in
 * pipeline/fields.c use. */
int64_t asr_bson_value_size(uint8_t type, const uint8_t *p, size_t avail);

/* The ObjectId for (seed, key bytes, position). */
void asr_doc_id_derive(uint64_t seed, const uint8_t *key, size_t key_len, uint32_t position,
                       uint8_t out[ASR_DOC_ID_LEN]);

/* The key of a source document: its `_id` element's type byte and value bytes when it has
 * an `_id` (ObjectId 7 + 12 bytes, string 2 + length + text + NUL, ...), else a tag byte 0
 * and the stream index (8 bytes, little-endian). key must hold ASR_DOC_ID_KEY_MAX bytes;
 * an _id value longer than that is hashed down to its 64-bit digest first. Returns the key's
 * length. */
#define ASR_DOC_ID_KEY_MAX 64
size_t asr_doc_id_key(const uint8_t *doc, uint32_t len, uint64_t stream_index,
                      uint8_t key[ASR_DOC_ID_KEY_MAX]);

/* 1 when the top level of doc has an `_id` field. */
int asr_doc_has_id(const uint8_t *doc, uint32_t len);

/* Where each document of a batch came from. sources: the batch's input documents;
 * first_index: the stream index of the first; origin[k]: the index into sources of output
 * k (NULL: output k is sources' document k, the batch had no transform). */
typedef struct asr_doc_origins {
  const asr_docs_t *sources;
  uint64_t first_index;
  const uint32_t *origin;
} asr_doc_origins_t;

/* Copies docs to out (reset by the caller), inserting `_id: ObjectId(derived)` as the first
 * field of every document that lacks one; the rest of each document is kept byte for byte.
 * Returns the number of ids inserted (0: out left empty, docs can be used as they are), or
 * ASR_ENOMEM, or ASR_EINVAL when an origin is out of range (a transform that misreported). */
int asr_docs_assign_ids(const asr_docs_t *docs, const asr_doc_origins_t *from, uint64_t seed,
                        asr_docs_t *out);

#endif
