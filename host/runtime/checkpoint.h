/* The checkpoint file: what a run has durably done, so `--resume` can go on from there.
 * A JSON object (cJSON), replaced atomically (temp file, fsync, rename, fsync of the
 * directory), so a kill at any moment leaves the previous checkpoint or the new one whole.
 *
 *   {"asrun_checkpoint": 1, "status": "running"|"stopped"|"failed"|"refused"|"complete",
 *    "run": {"strategy": H, "source": S, "target": T, "seed": N, "clock_ms": N, "total": N},
 *    "from":  {"index": N, "offset": N, "line": N, "col": N, "state": N, "at_end": B,
 *              "key": EJSON},          where the source goes on (everything before is written)
 *    "again": {...same},               up to where an earlier run may have sent documents
 *    "output_bytes": N,                file targets: the durable length of PATH.partial
 *    "docs_written": N, "updated": ISO-8601,
 *    "docs_read": N,                   source documents in the batches before `from`, all runs
 *    "dead_letters": {"path": P, "bytes": N, "count": N, "sink_count": N,
 *                     "redo": [[offset, length], ...]}}
 *
 * "refused": the run went through every document, but its dead letters were more than its
 * error budget allowed; a resume with a larger one publishes the output (nothing to redo).
 * "dead_letters" (sinks/dead_letter.h's mark): the dead-letter file's synced length, the
 * dead letters of the batches before `from` (all runs; sink_count: those a sink refused) and
 * the lines within that length of batches not done (a resume removes them). Checkpoints
 * written before "docs_read" and "dead_letters" existed lack them: a resume counts none.
 *
 * "run" is the run's identity: a checkpoint resumes only the run it was written by (same
 * strategy and template contents, input, target, seed, clock and total). Keys ({_id: v} of a
 * MongoDB source) are canonical Extended JSON, so every BSON type round-trips. */
#ifndef ASR_RUNTIME_CHECKPOINT_H
#define ASR_RUNTIME_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "sinks/dead_letter.h"
#include "sources/source.h"

#define ASR_CHECKPOINT_VERSION 1
#define ASR_CHECKPOINT_INTERVAL_S 5.0 /* the default: --checkpoint-every */
/* By default a periodic checkpoint waits until the last one's cost (its wall time: a file
 * target's sync stalls the writes behind it) is at most this share of the time since: on a
 * disk where a sync takes 100 ms they come every 10 s, not every 5. --checkpoint-every is kept
 * exactly. */
#define ASR_CHECKPOINT_MAX_SHARE 0.01

/* Milliseconds from one periodic checkpoint to the next: every_s when asked for (> 0), else
 * ASR_CHECKPOINT_INTERVAL_S stretched so that one costing cost_ms (the last one's wall time)
 * stays within ASR_CHECKPOINT_MAX_SHARE of the time. */
uint64_t asr_checkpoint_delay_ms(double every_s, double cost_ms);

typedef struct asr_checkpoint_run {
  char *strategy; /* hash of the strategy file's bytes ("" without one) */
  char *source;   /* the input: kind, location, filter/projection, template or file hash */
  char *target;   /* the output, credentials redacted; database targets with the write mode */
  uint64_t seed;
  int64_t clock_ms; /* the generation clock ($now, $objectid times) */
  int64_t total;    /* documents asked for; -1: all of the input */
} asr_checkpoint_run_t;

typedef struct asr_checkpoint {
  asr_checkpoint_run_t run;
  char status[16];
  asr_source_pos_t from, again; /* keys owned (malloc'd) */
  uint64_t output_bytes;
  uint64_t docs_written; /* by every run of this migration so far */
  int has_docs_read;     /* older checkpoints lack docs_read and dead_letters */
  uint64_t docs_read;    /* source documents before `from`, every run's */
  int has_dead_letters;
  char *dead_letter_path;
  asr_dead_letter_mark_t dead_letters; /* redo owned (malloc'd) */
} asr_checkpoint_t;

/* Parses a checkpoint (path names it in messages). Everything is checked: types, ranges,
 * the version, the key's Extended JSON. 0 or ASR_EINVAL; out is freed on failure. */
int asr_checkpoint_parse(const char *text, size_t len, const char *path, asr_checkpoint_t *out,
                         asr_err_t *err);
/* Reads path. Returns 0, 1 when there is no such file, or ASR_EINVAL / ASR_EIO. */
int asr_checkpoint_load(const char *path, asr_checkpoint_t *out, asr_err_t *err);
/* The JSON text (caller frees); NULL when out of memory. */
char *asr_checkpoint_format(const asr_checkpoint_t *c);
/* Replaces path atomically with c. 0 or ASR_EIO. */
int asr_checkpoint_save(const char *path, const asr_checkpoint_t *c, asr_err_t *err);
void asr_checkpoint_free(asr_checkpoint_t *c);

/* 1 when a and b are the same run; else 0 and why names the first difference
 * ("the seed: 1 in the checkpoint, 2 now"). */
int asr_checkpoint_same_run(const asr_checkpoint_run_t *saved, const asr_checkpoint_run_t *now,
                            char *why, size_t n);
void asr_checkpoint_run_free(asr_checkpoint_run_t *r);

#endif
