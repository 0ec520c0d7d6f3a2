/* Internal to the pipeline: one worker thread and its counters. */
#ifndef ASR_PIPELINE_WORKER_H
#define ASR_PIPELINE_WORKER_H

#include <stdatomic.h>
#include <stdint.h>
#include <uv.h>

#include "core/docs.h"

struct asr_pipeline;

/* Written only by the owning worker (relaxed stores), read by the stats reader. */
typedef struct asr_worker_counters {
  _Atomic uint64_t batches, docs_in, docs_out, docs_dropped;
  _Atomic uint64_t bytes_out; /* BSON bytes handed to the sink */
  _Atomic uint64_t write_us;  /* time spent in the sink's write */
  _Atomic uint64_t docs_fanned_out; /* outputs beyond one per input that made any */
} asr_worker_counters_t;

typedef struct asr_worker {
  uint32_t id;
  uv_thread_t thread;
  struct asr_pipeline *pipeline;
  _Alignas(64) asr_worker_counters_t counters;
  int exited; /* set under the pipeline's pool lock when the thread is about to return */
} asr_worker_t;

void asr_worker_main(void *arg); /* uv_thread entry; arg is the asr_worker_t */

#endif
