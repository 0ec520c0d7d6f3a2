/* Checkpoints and --resume for one run. Owns the checkpoint file's path, the run's identity,
 * the checkpoint a resumed run continues and the batch-progress tracker the pipeline fills.
 *
 * Order of use (runtime/run.c): asr_resume_open before the source opens (a resumed run
 * takes its predecessor's clock), asr_resume_attach_source once it is open (seeks it),
 * asr_resume_sink_options before the sink opens (a file output goes on from its durable
 * length), then asr_resume_save every ASR_CHECKPOINT_INTERVAL_S and at every stop, and
 * asr_resume_complete when the run succeeded.
 *
 * What a checkpoint guarantees: for a file target, PATH.partial up to output_bytes is on disk
 * and holds exactly the documents before `from`; a resumed run cuts the file there and goes
 * on, so the result is byte-identical to an uninterrupted run. For a database target,
 * everything before `from` is acknowledged by the server; batches from `from` up to `again`
 * may or may not have reached it, so the resumed run sends them again and counts a duplicate
 * key on them as its predecessor's write (documents without an _id get one that depends only
 * on the seed and the source record, so the same document gets the same _id). */
#ifndef ASR_RUNTIME_RESUME_H
#define ASR_RUNTIME_RESUME_H

#include "lua/strategy.h"
#include "pipeline/progress.h"
#include "runtime/config.h"
#include "runtime/options.h"
#include "sinks/dead_letter.h"
#include "sinks/sink.h"
#include "sources/source.h"

typedef struct asr_resume asr_resume_t;

/* Decides whether the run keeps checkpoints and where (--checkpoint FILE, else beside a file
 * output, else asrun-DB.COLL.checkpoint.json for a database target, in $ASRUN_CHECKPOINT_DIR
 * or the current directory; none for null:, sim: or
 * --no-checkpoint unless --checkpoint names one), pins the clock in cfg->source, and for
 * --resume loads the checkpoint: one of another run is refused (ASR_EINVAL, naming the
 * difference). *out is NULL when the run keeps no checkpoint. *done is set when the
 * checkpoint says the run completed already (nothing to do). */
int asr_resume_open(const asr_options_t *cli, asr_config_t *cfg, const asr_strategy_t *strategy,
                    asr_resume_t **out, int *done, asr_err_t *err);
/* The source is open: seeks it to the checkpoint (resumed) and starts the progress tracker. */
int asr_resume_attach_source(asr_resume_t *r, asr_source_t *source, asr_err_t *err);
/* A resumed file output goes on from its durable length. */
void asr_resume_sink_options(const asr_resume_t *r, asr_sink_options_t *opt);
/* The sink is open: the tracker for the pipeline (NULL when r is). For a database target it
 * leases batches ahead: before the producer hands out a batch past the lease, a checkpoint
 * records a new one (a position LEASE_BATCHES batches further), so a resumed run knows
 * every document its predecessor may have sent. */
asr_progress_t *asr_resume_start(asr_resume_t *r, asr_sink_t *sink);
/* The dead letters' file is set (before the run starts): checkpoints record it (its synced
 * length, its dead letters). A resumed run takes it over as the checkpoint left it (cut back,
 * appended to, its dead letters counted in the budget); resumed with another --dead-letter
 * file while the checkpoint records dead letters: ASR_EINVAL (the earlier ones would not be
 * where the run's are). */
int asr_resume_dead_letters(asr_resume_t *r, asr_dead_letter_t *dl, asr_err_t *err);
/* Writes the checkpoint: status "running", "stopped" or "failed". Thread-safe. 0 or ASR_EIO. */
int asr_resume_save(asr_resume_t *r, const char *status, asr_err_t *err);
/* The run wrote everything: a file output's checkpoint is removed (the output is published);
 * a database target's is kept as "complete", so a --resume of it does nothing. */
int asr_resume_complete(asr_resume_t *r, asr_err_t *err);

/* Every document went through but the dead letters were more than the budget allows: the
 * checkpoint says "refused" and stays (the file output stays as PATH.partial), so a resume
 * with a larger budget publishes without redoing anything. */
int asr_resume_refused(asr_resume_t *r, asr_err_t *err);

const char *asr_resume_path(const asr_resume_t *r);
/* Source documents the earlier runs of a resumed migration read (0: a new run, or a
 * checkpoint that does not say). */
uint64_t asr_resume_docs_read_before(const asr_resume_t *r);
/* Documents an earlier run of a resumed migration wrote; 0 for a new run. */
uint64_t asr_resume_docs_before(const asr_resume_t *r);
int asr_resume_resumed(const asr_resume_t *r);
void asr_resume_close(asr_resume_t *r);

#endif
