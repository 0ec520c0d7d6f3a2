/* One run of asrun, from parsed arguments to the final summary. The main thread runs a libuv
 * loop (signals, the tick timer for progress and on_tick, completion) while the pipeline's
 * threads move the documents. */
#ifndef ASR_RUNTIME_RUN_H
#define ASR_RUNTIME_RUN_H

#include "runtime/options.h"
#include "core/error.h"

/* Returns 0 or an ASR_E* code (map with asr_err_exit_code); err holds the message. */
int asr_run(const asr_options_t *cli, asr_err_t *err);

#endif
