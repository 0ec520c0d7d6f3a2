/* The live status line of a run on a terminal: a timer in the run's libuv loop redraws it
 * (at most ASR_STATUS_REDRAWS_PER_S times a second) from what the run reports through a
 * callback, and util/log keeps it below the log lines (each line erases it, prints, and draws
 * it again, under the log's lock). Stopping erases it, so what follows starts on a clean
 * line. Main thread only. */
#ifndef ASR_MONITOR_STATUS_H
#define ASR_MONITOR_STATUS_H

#include <uv.h>

#include "monitor/progress.h"

#define ASR_STATUS_REDRAWS_PER_S 4

/* Fills *out with the run's numbers of the moment. */
typedef void (*asr_progress_read_fn)(void *ud, asr_progress_input_t *out);

typedef struct asr_status asr_status_t;

/* 1 when a live line belongs on stderr: a terminal (not TERM=dumb), text logs, info level
 * (-q silences it). */
int asr_status_wanted(void);
/* Starts redrawing; NULL when out of memory (the run goes on without it). */
asr_status_t *asr_status_start(uv_loop_t *loop, asr_progress_read_fn read, void *ud);
/* Erases the line and closes the timer (freed by the loop's close callback). NULL: nothing. */
void asr_status_stop(asr_status_t *s);

#endif
