/* Internal to the pipeline: shared by pipeline.c (producer, control) and worker.c. */
#ifndef ASR_PIPELINE_INTERNAL_H
#define ASR_PIPELINE_INTERNAL_H

#include <stdatomic.h>

#include "pipeline/pipeline.h"
#include "pipeline/queue.h"
#include "pipeline/worker.h"

struct asr_pipeline {
  asr_pipeline_config_t cfg;
  asr_queue_t queue;
  _Atomic uint32_t batch_size;
  _Atomic int stop_requested;
  _Atomic int input_exhausted; /* the source reported its end: every record is queued */
  _Atomic uint32_t in_flight;
  int queue_follows_workers; /* no explicit capacity: 2 batches per worker */
  _Atomic uint64_t records_read, batches_read;

  /* Pool: guarded by pool_lock. Workers are never freed before the pipeline is. */
  uv_mutex_t pool_lock;
  asr_worker_t **workers;
  uint32_t nworkers, workers_cap; /* every worker ever started */
  uint32_t live, target;
  uint64_t retired[7]; /* counters of exited workers: batches, in, out, dropped, bytes, us,
                        * fanned out */
  int producer_done, done_fired, started;
  uv_thread_t producer;

  /* Spare batches, reused so the producer does not allocate per batch. */
  uv_mutex_t spare_lock;
  asr_batch_t *spare;

  /* First failure wins; guarded by err_lock. */
  uv_mutex_t err_lock;
  asr_err_t err;
};

void asr_pipeline_release_batch(asr_pipeline_t *p, asr_batch_t *b);
/* Called by a worker thread as its last act. */
void asr_pipeline_worker_exited(asr_pipeline_t *p, asr_worker_t *w);

#endif
