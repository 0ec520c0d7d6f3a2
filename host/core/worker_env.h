/* What one worker thread carries for the layers above the pipeline: the Lua layer's state
 * for that thread (lua/worker.c), shared by the strategy's transform and its custom template
 * operators. The layers below only pass it along: the pipeline opens one per worker through
 * this factory, on the worker's thread, before its first batch, and hands it to the source's
 * worker_open (template extensions) and to the transform's open. */
#ifndef ASR_CORE_WORKER_ENV_H
#define ASR_CORE_WORKER_ENV_H

#include "core/error.h"

typedef struct asr_worker_env asr_worker_env_t; /* opaque below its implementation */

typedef struct asr_worker_env_factory {
  int (*open)(void *ud, asr_worker_env_t **out, asr_err_t *err);
  void (*close)(asr_worker_env_t *env);
  void *ud;
} asr_worker_env_factory_t;

#endif
