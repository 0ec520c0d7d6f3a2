/* A batch: the unit of work that crosses the queue from the source to one worker.
 * The source fills in what it cheaply can on its own thread (an index range for generated
 * documents, raw bytes for files); the worker that takes the batch decodes it into documents,
 * so parsing and generation run in parallel. Batches are pooled and reused by the pipeline. */
#ifndef ASR_CORE_BATCH_H
#define ASR_CORE_BATCH_H

#include <stdint.h>

#include "core/buf.h"

typedef struct asr_batch {
  uint64_t seq;         /* 0, 1, 2, ... in source order; ordered sinks commit in this order */
  uint64_t first_index; /* stream index of the batch's first record (0-based) */
  uint32_t count;       /* records in the batch */
  uint64_t origin;      /* where the raw bytes start in the input: line number (1-based) for
                           text sources, byte offset for BSON; 0 for generated batches */
  asr_buf_t raw;        /* raw records for file sources; empty for generated batches */
  int again;            /* resumed run: an earlier run may have written these records */
  struct asr_batch *next; /* free-list / queue link, owned by the pipeline */
} asr_batch_t;

#endif
