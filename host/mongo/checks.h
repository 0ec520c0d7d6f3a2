/* The runtime's entry points to the database-level checks (--copy-indexes, --verify), by URI:
 * the runtime never includes libmongoc. Each call connects, does its work and disconnects. */
#ifndef ASR_MONGO_CHECKS_H
#define ASR_MONGO_CHECKS_H

#include <stddef.h>
#include <stdint.h>

#include "mongo/verify_types.h"

typedef struct asr_mongo_endpoint {
  const char *uri, *database, *collection; /* NULL names: from the URI path /db.collection */
} asr_mongo_endpoint_t;

/* The database and collection named by uri's path "/db.collection" (NULL when it names
 * none), without connecting. The caller frees both. 0 or ASR_ENOMEM. */
int asr_mongo_check_uri_names(const char *uri, char **db, char **coll, asr_err_t *err);
/* --drop: drops the target's collection (one that does not exist is no error); *existed
 * says whether there was one, ns (n bytes) its "db.collection". ASR_EINVAL when the server
 * cannot be reached or refuses. */
int asr_mongo_check_drop(const asr_mongo_endpoint_t *target, int *existed, char *ns, size_t n,
                         asr_err_t *err);
/* The documents the target's collection holds (0 when it does not exist): the server's
 * estimate (collection metadata, no scan), else an exact count; ns (n bytes) its
 * "db.collection". ASR_EINVAL when the server cannot be reached or counts neither way. */
int asr_mongo_check_count(const asr_mongo_endpoint_t *target, int64_t *count, char *ns, size_t n,
                          asr_err_t *err);
int asr_mongo_check_copy_indexes(const asr_mongo_endpoint_t *from, const asr_mongo_endpoint_t *to,
                                 uint32_t *copied, asr_err_t *err);
/* source NULL: the count check only (the source is not a MongoDB collection). */
int asr_mongo_check_verify(const asr_mongo_endpoint_t *source, const char *filter_json,
                           const char *projection_json, const asr_mongo_endpoint_t *target,
                           int64_t expected, uint32_t sample_n, asr_verify_map_fn map,
                           void *ud, asr_verify_result_t *out, asr_err_t *err);
/* The count, and the given expected documents looked up by _id (mongo/verify.h). */
int asr_mongo_check_verify_docs(const asr_mongo_endpoint_t *target, int64_t expected,
                                const asr_docs_t *docs, const uint64_t *index,
                                asr_verify_result_t *out, asr_err_t *err);

#endif
