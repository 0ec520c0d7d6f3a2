/* --verify: after a migration, checks that the target holds what the run meant to write,
 * by count and by a sampled per-document comparison with the source. */
#ifndef ASR_MONGO_VERIFY_H
#define ASR_MONGO_VERIFY_H

#include <stdint.h>

#include "mongo/connect.h"
#include "mongo/verify_types.h"

/* Count check: the target's document count equals `expected` (the documents the run wrote
 * after the transform). Sample check, when source is not NULL (a MongoDB source) and
 * sample_n > 0: sample_n documents of the source matching filter_json (Extended JSON, NULL
 * = all) picked by $sample (the first ones when the server cannot sample; a document
 * drawn twice counts once), each mapped
 * through map (NULL = identity), and every resulting document with an _id compared with
 * the target document of the same _id by a hash of its canonical bytes: the BSON as MongoDB
 * stores it, _id first and the other fields in their order, types included (an int32 is not
 * an int64). A difference names the first differing field (dotted into embedded
 * documents). Returns 0 with *out filled, whether the target checked out or not (see
 * first_problem), or ASR_E* when the check itself could not run (ASR_EINVAL: bad filter or
 * no collection name; ASR_EIO: a server failed; the map's own error). */
/* expected < 0: count what the run would write from the source (needs a source).
 * projection_json (NULL: none): the run's source projection; the sampled documents are
 * read through it (by _id) before they are mapped, as the run read them. */
int asr_mongo_verify(const asr_mongo_conn_t *source, const char *filter_json,
                     const char *projection_json, const asr_mongo_conn_t *target,
                     int64_t expected, uint32_t sample_n, asr_verify_map_fn map, void *ud,
                     asr_verify_result_t *out, asr_err_t *err);

/* The same checks with the expected documents given (a generated source: the runtime
 * regenerates sampled indexes and maps them): the count against `expected`, and each of
 * docs (already mapped, with their _ids) against the target's document of its _id. index
 * (NULL: none) gives, per document of docs, the source record it was made from: problems
 * then name it ("document 42 (_id ObjectId(...)): field 'x' differs"). Documents without
 * an _id cannot be looked up and are not counted as sampled. */
int asr_mongo_verify_docs(const asr_mongo_conn_t *target, int64_t expected,
                          const asr_docs_t *docs, const uint64_t *index,
                          asr_verify_result_t *out, asr_err_t *err);

#endif
