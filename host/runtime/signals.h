/* SIGINT and SIGTERM for one run. The handler counts them, interrupts every Lua call in
 * progress (lua/vm.h: a looping on_tick on the main thread or transform on a worker stops
 * even though the event loop cannot run) and wakes the run's loop, which stops the pipeline
 * at the first signal and aborts at the second. Before the loop runs and after it ends,
 * nothing can abort through it: a second signal exits at once (130). When the loop is stuck
 * (a hook blocked in C, where Lua hooks cannot reach) a thread aborts in its place
 * ASR_SIGNAL_LOOP_ANSWER_MS after the second signal; a third exits at once. SIGPIPE is ignored
 * for the run: a write to a closed pipe fails with EPIPE, which the sink reports. */
#ifndef ASR_RUNTIME_SIGNALS_H
#define ASR_RUNTIME_SIGNALS_H

#include <uv.h>

void asr_signals_install(void);
void asr_signals_restore(void);
/* The loop's handle to wake on a signal; NULL while there is no loop. */
void asr_signals_notify(uv_async_t *async);
#define ASR_SIGNAL_LOOP_ANSWER_MS 200 /* the loop's time to answer a second signal */

/* While the loop runs: what aborts the run (and exits) when the loop does not answer a
 * second signal in time; NULL when it stops running. Called from another thread. */
void asr_signals_on_stuck(void (*fn)(void *ud), void *ud);
/* Signals received since install, and the last one's number. */
int asr_signals_count(void);
int asr_signals_last(void);

#endif
