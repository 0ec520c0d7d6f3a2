/* Which batches are done, in source order, and where the source stood after each one: what
 * a checkpoint records. The producer notes every batch it frames (its seq and the source's
 * position after it); a worker marks its batch done once the sink has taken it. A checkpoint
 * asks for the position after the longest run of done batches from the start (everything
 * before it is written) and after the last framed batch (everything an interrupted run may
 * have sent), and how many source documents the batches before a position held. One lock,
 * taken three times per batch (framed, read_by, done); positions are kept only until a checkpoint
 * has recorded past them (asr_progress_release), so memory follows the batches in flight.
 * Positions borrow the source's keys (asr_source_pos_t): the source outlives this. */
#ifndef ASR_PIPELINE_PROGRESS_H
#define ASR_PIPELINE_PROGRESS_H

#include <stdint.h>

#include "sources/source.h"

typedef struct asr_progress asr_progress_t;

/* start: where the source starts (its tell before the first batch). NULL when out of memory. */
asr_progress_t *asr_progress_new(const asr_source_pos_t *start);
void asr_progress_free(asr_progress_t *p);

/* Producer thread, before the batch is queued: batch seq (0, 1, 2, ... in order) ends at
 * `end`. When the batch ends past the lease, calls extend first, unless `again` (a resumed
 * run's batch inside its predecessor's lease, which the checkpoint keeps until a new lease
 * reaches past it). Returns 0, ASR_ENOMEM or extend's error. */
int asr_progress_framed(asr_progress_t *p, uint64_t seq, const asr_source_pos_t *end, int again,
                        asr_err_t *err);

/* Database targets: a batch may reach the database only once a durable checkpoint names it
 * as possibly sent (its `again`), or a resumed run could not tell the predecessor's writes
 * from documents that were there before. The lease is the source index up to which that
 * holds; extend (producer thread) must make it cover `end` (asr_progress_set_lease) before
 * it returns. batch_records: the batch's size, to size the next lease. */
typedef int (*asr_progress_extend_fn)(void *ud, const asr_source_pos_t *end,
                                      uint64_t batch_records, asr_err_t *err);
void asr_progress_set_extend(asr_progress_t *p, asr_progress_extend_fn fn, void *ud);
/* index UINT64_MAX: the lease covers the rest of the input. */
void asr_progress_set_lease(asr_progress_t *p, uint64_t index);
/* A worker, before it hands batch seq to the sink: the batch holds `read` source documents. */
void asr_progress_read_by(asr_progress_t *p, uint64_t seq, uint64_t read);
/* A worker: batch seq is written. */
void asr_progress_done(asr_progress_t *p, uint64_t seq);

typedef struct asr_progress_marks {
  uint64_t done;   /* batches [0, done) are all written */
  uint64_t framed; /* batches [0, framed) were framed (and may have been sent) */
} asr_progress_marks_t;
void asr_progress_marks(asr_progress_t *p, asr_progress_marks_t *out);

/* The source's position after batches [0, seq) (seq 0: the start). Returns 0, or -1 when
 * seq was released already or not framed yet. */
int asr_progress_after(asr_progress_t *p, uint64_t seq, asr_source_pos_t *out);
/* The documents batches [0, seq) held (as asr_progress_read_by said). Returns 0, or -1 as
 * asr_progress_after. */
int asr_progress_read(asr_progress_t *p, uint64_t seq, uint64_t *read);
/* Forgets the positions before seq: a checkpoint recorded seq; no later one goes back. */
void asr_progress_release(asr_progress_t *p, uint64_t seq);

#endif
