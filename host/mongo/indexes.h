/* Copying a collection's secondary indexes to another collection (a migration's target),
 * before or after the load. */
#ifndef ASR_MONGO_INDEXES_H
#define ASR_MONGO_INDEXES_H

#include <stdint.h>

#include "mongo/connect.h"

/* Lists the indexes of from's collection (listIndexes; _id_ skipped) and creates on to's
 * collection, in one createIndexes, those it lacks, with every option they carry (key,
 * name, unique, sparse, partialFilterExpression, expireAfterSeconds, collation, weights,
 * ...; only v, ns and background are left to the target). An index the target already has
 * with the same name and definition is skipped (so running twice is fine); one with the
 * same name and another definition, or with another name on the same key (and the same
 * partialFilterExpression and collation), is a conflict: ASR_EINVAL naming both. The server
 * refusing an index is ASR_EINVAL too; failing to talk to it, ASR_EIO. *copied (may be NULL)
 * is the number of indexes created. Both connections need a collection name. */
int asr_mongo_copy_indexes(const asr_mongo_conn_t *from, const asr_mongo_conn_t *to,
                           uint32_t *copied, asr_err_t *err);

#endif
