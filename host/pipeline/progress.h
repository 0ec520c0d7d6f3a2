/* Which batches are done, in source order, and where the source stood after each one: what
 * a checkpoint records. The producer notes every batch it frames (its seq and the source's
 * position after it); a worker marks its batch done once the sink has taken it. A checkpoint
 * asks for the position after the longest run of done batches from the start (everything
 * before it is written) and after the last framed batch (everything an interrupted run may
 * have sent). One lock, taken once per batch; positions are kept only until a checkpoint
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
 * `end`. Returns 0 or ASR_ENOMEM. */
int asr_progress_framed(asr_progress_t *p, uint64_t seq, const asr_source_pos_t *end);
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
/* Forgets the positions before seq: a checkpoint recorded seq; no later one goes back. */
void asr_progress_release(asr_progress_t *p, uint64_t seq);

#endif
