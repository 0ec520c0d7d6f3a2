/* The per-document stage between decode and sink. The pipeline knows nothing of Lua: the
 * strategy's transform hook is plugged in through this factory (host/lua/transform.c), and
 * each worker opens its own instance on its own thread, inside that worker's env (the Lua
 * state it shares with the worker's custom template operators). */
#ifndef ASR_PIPELINE_TRANSFORM_H
#define ASR_PIPELINE_TRANSFORM_H

#include <stdint.h>

#include "core/docs.h"
#include "core/error.h"
#include "core/worker_env.h"

typedef struct asr_transform asr_transform_t;

/* What the last apply did with its input documents besides passing them on. */
typedef struct asr_transform_counts {
  uint32_t dropped;       /* transform returned nil */
  uint32_t dead_lettered; /* transform raised (or returned what is no document): the input
                           * document went to the dead letters (sinks/dead_letter.h) */
} asr_transform_counts_t;

typedef struct asr_transform_factory {
  /* Called on the worker thread before its first batch, with that worker's env. */
  int (*open)(void *ud, asr_worker_env_t *env, asr_transform_t **out, asr_err_t *err);
  /* Maps `in` to `out` (out is reset by the caller). A document may become zero, one or
   * several. first_index is the stream index of in's first document (for messages).
   * origins (reset by the caller; NULL: not wanted) gets one uint32_t per document of out:
   * the index in `in` of the document it came from, so the documents a fan-out makes can
   * get _ids derived from their source record and position (core/doc_id.h). */
  int (*apply)(asr_transform_t *t, const asr_docs_t *in, uint64_t first_index, asr_docs_t *out,
               asr_buf_t *origins, asr_err_t *err);
  void (*close)(asr_transform_t *t);
  /* ud is the implementation's: the Lua transform takes the run's dead letters there
   * (asr_dead_letter_t *, NULL: a raise fails the batch). */
  void *ud;
  /* Optional: the counts of the last apply on t. NULL: the pipeline takes every input that
   * made no output for dropped. */
  void (*last_counts)(asr_transform_t *t, asr_transform_counts_t *out);
} asr_transform_factory_t;

#endif
