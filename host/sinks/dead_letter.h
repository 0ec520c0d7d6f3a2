/* Dead letters: documents that failed for good, kept in a JSONL file so that a run can go on
 * past them, and the error budget that says how many it may go on past.
 *
 * A document fails for good when sending it again cannot help: the server rejected it
 * (validation 121 and every other permanent per-document write error, sinks/mongo_reply.h's
 * FAILED), the strategy's transform raised on it (lua/transform.c), it is larger than the
 * target accepts, or it is a duplicate key in insert mode and the run was asked to treat
 * duplicates as failures. Whoever meets such a document calls asr_dead_letter_add, on its own
 * thread: the sinks through asr_sink_options_t.dead_letter, the transform through its factory.
 *
 * The file holds one JSON object a line:
 *   {"index": 17, "batch": 3, "reason": "transform", "code": 121, "message": "...",
 *    "traceback": "...", "document": {...}}
 *   index      the stream index of the source record (0-based), null when unknown (a
 *              document a transform made, until the transform tracks where each comes from)
 *   batch      the sequence number of the batch the sink was writing (sink failures)
 *   reason     transform | rejected | too_large | invalid | duplicate (ASR_DL_*)
 *   code       the server's error code, when there is one
 *   message    what went wrong
 *   traceback  the Lua traceback (transform only)
 *   document   the document as relaxed Extended JSON (codec/ejson_writer.h): the input
 *              document for a transform failure, the document sent for a write failure;
 *              a document that has no Extended JSON form (malformed BSON, invalid UTF-8) is
 *              kept whole as "document_bson_base64" instead.
 *
 * The file is created by the first dead letter (so a clean run leaves nothing) and each
 * entry goes out with one write(2) as it comes, so what was written survives even a process
 * that exits at once; asr_dead_letter_close fsyncs. Nothing here is on the hot path: a run in
 * which nothing fails never takes the lock.
 *
 * The budget (--max-errors N | P%, --stopOnError): the run stops at once when more than N
 * documents, or more than P% of the documents read, were dead-lettered (P% is judged against
 * at least ASR_DL_MIN_SAMPLE documents while the run goes, exactly against all read at the
 * end). Without a budget the run goes on to the end but dead letters are not allowed: the run
 * fails then (see asr_dead_letter_verdict). */
#ifndef ASR_SINKS_DEAD_LETTER_H
#define ASR_SINKS_DEAD_LETTER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define ASR_DL_MIN_SAMPLE 1000 /* documents a percentage budget is judged on at the least */
#define ASR_DL_LOGGED 10       /* dead letters logged one by one; then one line says so */
#define ASR_DL_NO_INDEX UINT64_MAX

/* Reasons, as the file names them. */
#define ASR_DL_TRANSFORM "transform"
#define ASR_DL_REJECTED "rejected"
#define ASR_DL_TOO_LARGE "too_large"
#define ASR_DL_INVALID "invalid"
#define ASR_DL_DUPLICATE "duplicate"

typedef struct asr_dead_letter asr_dead_letter_t;

typedef enum asr_error_budget_kind {
  ASR_BUDGET_NONE,    /* default: go on to the end; any dead letter fails the run there */
  ASR_BUDGET_COUNT,   /* --max-errors N (0: --stopOnError) */
  ASR_BUDGET_PERCENT  /* --max-errors P% */
} asr_error_budget_kind_t;

typedef struct asr_error_budget {
  asr_error_budget_kind_t kind;
  uint64_t count;  /* ASR_BUDGET_COUNT */
  double percent;  /* ASR_BUDGET_PERCENT, 0..100 */
  const char *flag;/* as the user wrote it, for messages: "--max-errors 5", "--stopOnError" */
} asr_error_budget_t;

/* Parses "N" or "P%" (--max-errors). Returns 0 or ASR_EINVAL naming the flag. */
int asr_error_budget_parse(const char *text, asr_error_budget_t *out, asr_err_t *err);
/* "--max-errors 5" / "--max-errors 2.5%" / "--stopOnError" / "no --max-errors" */
void asr_error_budget_describe(const asr_error_budget_t *b, char *out, size_t n);

/* One document that failed for good. Strings are borrowed for the call. */
typedef struct asr_dead_letter_entry {
  const uint8_t *doc;
  uint32_t len;
  uint64_t index;        /* stream index of the source record; ASR_DL_NO_INDEX: unknown */
  uint64_t batch;        /* batch sequence number; ASR_DL_NO_INDEX: not said */
  const char *reason;    /* ASR_DL_* */
  int32_t code;          /* the server's error code; 0: none */
  const char *message;
  const char *traceback; /* NULL: none */
} asr_dead_letter_entry_t;

/* A dead-letter file at path (NULL: set later with asr_dead_letter_set_path, before the
 * first entry). Creates nothing. */
int asr_dead_letter_open(const char *path, const asr_error_budget_t *budget,
                         asr_dead_letter_t **out, asr_err_t *err);
/* Sets (replaces) the path; call before the run starts. 0 or ASR_ENOMEM. */
int asr_dead_letter_set_path(asr_dead_letter_t *dl, const char *path, asr_err_t *err);
const char *asr_dead_letter_path(const asr_dead_letter_t *dl);
/* How many documents the run has read so far, for a percentage budget while the run goes
 * (called only when something is dead-lettered; thread-safe). NULL: none known. */
void asr_dead_letter_set_read_counter(asr_dead_letter_t *dl, uint64_t (*read)(void *ud),
                                      void *ud);

/* Writes one dead letter. Thread-safe. Returns 0 while the run is within its budget, else
 * ASR_EDATA with a message that names the budget, the document and the file: the caller
 * fails its batch with it and the run stops. ASR_EIO when the file cannot be written.
 * dl NULL (no dead-letter file, as in unit tests of a sink): ASR_EDATA, the document's
 * error as the message. */
int asr_dead_letter_add(asr_dead_letter_t *dl, const asr_dead_letter_entry_t *e,
                        asr_err_t *err);

/* Documents dead-lettered so far, the earlier runs' of a resumed run included (the budget
 * counts them); those a sink refused in this run (the rest the transform); the earlier
 * runs'. Lock-free. */
uint64_t asr_dead_letter_count(const asr_dead_letter_t *dl);
uint64_t asr_dead_letter_sink_count(const asr_dead_letter_t *dl);
uint64_t asr_dead_letter_carried(const asr_dead_letter_t *dl);
/* 1 when the budget stopped the run while it went (asr_dead_letter_add's ASR_EDATA). */
int asr_dead_letter_stopped_run(const asr_dead_letter_t *dl);
/* The first entry's message ("" when none), for the run's final message. */
void asr_dead_letter_first(asr_dead_letter_t *dl, char *out, size_t n);

/* The end of the run, with every document this run read counted (the earlier runs' are added,
 * asr_dead_letter_resume): 0 when nothing was dead-lettered
 * or the budget allows what was (*allowed set to 1 then, so the caller warns), else
 * ASR_EDATA with the message. Thread-safe; call after the workers are done. */
int asr_dead_letter_verdict(asr_dead_letter_t *dl, uint64_t docs_read, int *allowed,
                            asr_err_t *err);

/* ---- checkpoints and --resume ----
 * A resumed run must find every dead letter of the batches its predecessors finished once in
 * the file, and none of the batches it does again. Workers write dead letters out of batch
 * order, so the file is no prefix in batch order: a run that checkpoints keeps, for each dead
 * letter, its batch and its line until a checkpoint records past the batch, and the
 * checkpoint records the file's synced length with the lines in it that belong to batches
 * not yet done (redo). A resume cuts the file to that length, removes those lines and
 * appends. */

/* The calling worker thread now works on batch seq (the pipeline's order): a dead letter it
 * writes without a batch of its own (the transform's) belongs to that batch. */
void asr_dead_letter_batch_begin(uint64_t seq);
/* The run keeps checkpoints: keep each dead letter's batch and line (call before the run). */
void asr_dead_letter_track(asr_dead_letter_t *dl);

typedef struct asr_dead_letter_span {
  uint64_t offset, length;
} asr_dead_letter_span_t;

/* What a checkpoint records of the dead letters. */
typedef struct asr_dead_letter_mark {
  uint64_t bytes;      /* the file's length, synced (0: no file) */
  uint64_t count;      /* dead letters of the batches done, every run's */
  uint64_t sink_count; /* of those, the ones a sink refused */
  asr_dead_letter_span_t *redo; /* lines within bytes of batches not done (malloc'd) */
  size_t nredo;
} asr_dead_letter_mark_t;

/* A checkpoint: syncs the file and says what a resume keeps when batches [0, done) are done;
 * forgets the dead letters of those batches. dl NULL: all zero. 0, ASR_EIO or ASR_ENOMEM. */
int asr_dead_letter_mark(asr_dead_letter_t *dl, uint64_t done, asr_dead_letter_mark_t *out,
                         asr_err_t *err);
void asr_dead_letter_mark_free(asr_dead_letter_mark_t *m);
/* --resume, before the run: cuts the file to m->bytes without m->redo (sorts it), keeps it
 * open for appending, and counts m->count dead letters and docs_read_before documents read
 * as the earlier runs' (the budget and the verdict include them). bytes 0: removes the file;
 * m NULL: only the documents read are taken over, the file is left as it is.
 * ASR_EINVAL when the file is shorter than recorded or gone; ASR_EIO. */
int asr_dead_letter_resume(asr_dead_letter_t *dl, const asr_dead_letter_mark_t *m,
                           uint64_t docs_read_before, asr_err_t *err);

/* fsyncs the file (if one was created): at the end of the run and at every stop. */
int asr_dead_letter_sync(asr_dead_letter_t *dl, asr_err_t *err);
/* Syncs and frees. */
void asr_dead_letter_close(asr_dead_letter_t *dl);

#endif
