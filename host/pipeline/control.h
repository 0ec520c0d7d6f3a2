/* The controls of a running pipeline, as one table: the auto-scaler's controller and the
 * strategy's on_tick (ctx.set_workers, ctx.set_batch_size, ctx.stop) change the run through
 * it, and know nothing else of the pipeline. The runtime fills one for a run, shared by both
 * (runtime/controls.c, on asr_pipeline_set_*); tests and the policy lab fill their own. */
#ifndef ASR_PIPELINE_CONTROL_H
#define ASR_PIPELINE_CONTROL_H

#include <stdint.h>

typedef struct asr_control {
  void *ud;
  int (*set_workers)(void *ud, uint32_t n);    /* 0, or ASR_EINVAL outside 1..ASR_MAX_WORKERS */
  int (*set_batch_size)(void *ud, uint32_t n); /* 0, or ASR_EINVAL outside 1..ASR_MAX_BATCH_SIZE */
  uint32_t (*queue_capacity)(void *ud);        /* after a change, for the "Queue size" line */
  void (*stop)(void *ud);                      /* graceful: finish what is queued */
} asr_control_t;

#endif
