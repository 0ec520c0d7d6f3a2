/* The types of --verify that the runtime sees (no libmongoc here). */
#ifndef ASR_MONGO_VERIFY_TYPES_H
#define ASR_MONGO_VERIFY_TYPES_H

#include <stdint.h>

#include "core/docs.h"
#include "core/error.h"

/* The strategy's transform for one source document: appends what it becomes (zero, one or
 * several documents) to out, which the caller resets before each call. Returns 0 or ASR_E*
 * with err set. */
typedef int (*asr_verify_map_fn)(void *ud, const uint8_t *doc, uint32_t len, asr_docs_t *out,
                                 asr_err_t *err);

typedef struct asr_verify_result {
  int64_t expected, target_count;
  uint32_t sampled;    /* distinct mapped documents compared (those with an _id) */
  uint32_t missing;    /* of those, not in the target */
  uint32_t mismatched; /* in the target with other content */
  /* "" when everything checked out; else the first problem in sample order, e.g.
   * "_id ObjectId(...): field 'price' differs", or the count when only that is off. */
  char first_problem[512];
} asr_verify_result_t;

#endif
