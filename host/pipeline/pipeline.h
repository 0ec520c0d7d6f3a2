/* The pipeline: source → bounded queue → resizable pool of workers → sink.
 * One producer thread frames batches; N worker threads decode, transform and write them.
 * Worker count and batch size are runtime variables (asr_pipeline_set_*), safe to change at
 * any moment from the controller: a batch is always processed whole by one worker and written
 * exactly once. Counters are per worker and summed on demand (no lock per document). */
#ifndef ASR_PIPELINE_PIPELINE_H
#define ASR_PIPELINE_PIPELINE_H

#include <stdint.h>

#include "core/limits.h"
#include "pipeline/progress.h"
#include "pipeline/transform.h"
#include "sinks/sink.h"
#include "sources/source.h"

typedef struct asr_pipeline asr_pipeline_t;

typedef struct asr_pipeline_config {
  asr_source_t *source;                     /* borrowed: outlives the pipeline */
  asr_sink_t *sink;                         /* borrowed */
  const asr_transform_factory_t *transform; /* NULL: documents pass through */
  /* Opens each worker's env (one Lua state per worker thread, shared by the transform and
   * the source's custom operators); NULL: workers carry none. */
  const asr_worker_env_factory_t *worker_env;
  uint32_t workers;
  uint32_t batch_size;
  uint32_t queue_capacity; /* batches; 0 = 2 per worker, at least 4 */
  /* The run's seed: with a sink that derives _ids (sink.h derive_ids), a document without
   * one gets the ObjectId of (id_seed, its source record, its position) (core/doc_id.h). */
  uint64_t id_seed;
  /* Called once, from a pipeline thread, when every thread has finished (done, failed or
   * stopped). The controller uses it to wake its loop (uv_async_send). */
  void (*on_done)(void *ud);
  void *ud;
  /* Optional: called by a worker after each sink write with its duration (the metrics'
   * latency histogram). Must be thread-safe and cheap: it runs once per batch. */
  void (*on_write)(void *write_ud, uint64_t write_us);
  void *write_ud;
  /* Optional: called with ud once every document is written, before the sink publishes its
   * output; an error (err filled) withdraws the output as a failure does (the run's verdict
   * on its dead letters). */
  int (*before_finish)(void *ud, asr_err_t *err);
  /* Optional (checkpoints; borrowed): notes each batch's source position as it is framed and
   * marks it done once written. The source must be resumable (asr_source_resumable). A
   * failed run then keeps the file output's clean prefix (.partial) to resume from. */
  asr_progress_t *progress;
} asr_pipeline_config_t;

typedef struct asr_pipeline_stats {
  uint64_t records_read;  /* records framed by the source */
  uint64_t batches_read;
  uint64_t batches_done;  /* batches written by workers */
  uint64_t docs_in;       /* documents decoded */
  uint64_t docs_out;      /* documents handed to the sink */
  uint64_t docs_dropped;  /* transform returned nil */
  uint64_t docs_fanned_out; /* documents a transform made beyond one per input document (a
                             * list of 3 for one input: 2) */
  uint64_t bytes_out;     /* BSON bytes handed to the sink */
  uint64_t write_us;      /* summed time of the sink's writes */
  uint32_t workers;       /* live worker threads */
  uint32_t workers_target;
  uint32_t batch_size;
  uint32_t queue_depth;
  uint32_t queue_capacity; /* follows the worker count (2 per worker) unless set */
  uint32_t in_flight;     /* batches being processed */
} asr_pipeline_stats_t;

/* The queue's capacity in batches when it follows the worker count: 2 per worker, at least 4
 * (also the policy lab's model of the queue). */
uint32_t asr_pipeline_default_queue_capacity(uint32_t workers);

int asr_pipeline_create(const asr_pipeline_config_t *cfg, asr_pipeline_t **out, asr_err_t *err);
int asr_pipeline_start(asr_pipeline_t *p, asr_err_t *err);
/* Grows or shrinks the pool to n workers (1..ASR_MAX_WORKERS). New workers start at once;
 * retiring ones leave after their current batch. Returns 0 or ASR_EINVAL. */
int asr_pipeline_set_workers(asr_pipeline_t *p, uint32_t n);
/* Sets the size of batches framed from now on (1..ASR_MAX_BATCH_SIZE). */
int asr_pipeline_set_batch_size(asr_pipeline_t *p, uint32_t n);
void asr_pipeline_stats(asr_pipeline_t *p, asr_pipeline_stats_t *out);
/* Records the source has framed so far (lock-free: any thread). */
uint64_t asr_pipeline_records_read(asr_pipeline_t *p);

/* Records the first failure and cancels the run (wakes every waiting thread); wait returns
 * it. ASR_ECANCELED (an interrupt) keeps the sink's clean prefix as a partial output. */
void asr_pipeline_fail(asr_pipeline_t *p, const asr_err_t *err);
/* Graceful stop: read no more input, finish the batches already queued; but nothing waits to
 * retry any more (the source's and the sink's `stopping`): a batch due for a retry ends the
 * run as interrupted at once instead of after the retry budget. */
void asr_pipeline_stop(asr_pipeline_t *p);
/* Waits for every thread, then publishes the sink's output (success) or withdraws it.
 * Returns 0, the first worker/source error (err filled), or ASR_ECANCELED after a stop. */
int asr_pipeline_wait(asr_pipeline_t *p, asr_err_t *err);
void asr_pipeline_destroy(asr_pipeline_t *p);

#endif
