/* SIGINT and SIGTERM for one run. The handler counts them, interrupts every Lua call in
 * progress (lua/vm.h: a looping on_tick on the main thread or transform on a worker stops
 * even though the event loop cannot run) and wakes the run's loop, which stops the pipeline
 * at the first signal and aborts at the second. Before the loop runs and after it ends,
 * nothing can abort through it: a second signal exits at once (130); so does a third, when
 * the loop is stuck (a hook blocked in C, where Lua hooks cannot reach). SIGPIPE is ignored
 * for the run: a write to a closed pipe fails with EPIPE, which the sink reports. */
#ifndef ASR_RUNTIME_SIGNALS_H
#define ASR_RUNTIME_SIGNALS_H

#include <uv.h>

void asr_signals_install(void);
void asr_signals_restore(void);
/* The loop's handle to wake on a signal; NULL while there is no loop. */
void asr_signals_notify(uv_async_t *async);
/* Signals received since install, and the last one's number. */
int asr_signals_count(void);
int asr_signals_last(void);

#endif
