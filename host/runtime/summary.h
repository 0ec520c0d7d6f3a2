/* What a run reports at its end: printed, and handed to the strategy's on_finish. */
#ifndef ASR_RUNTIME_SUMMARY_H
#define ASR_RUNTIME_SUMMARY_H

#include <stdint.h>

typedef struct asr_run_summary {
  const char *status;   /* "ok" | "failed" | "interrupted" */
  const char *error;    /* message when not ok, else NULL */
  const char *output;   /* where the documents went */
  uint64_t docs_read, docs_written, docs_dropped, batches;
  double duration_s, docs_per_second;
  uint32_t workers, batch_size;
  /* database targets */
  uint64_t duplicates, failed, throttles, retries;
} asr_run_summary_t;

#endif
