#include "runtime/signals.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "lua/vm.h"

static _Atomic int signals_seen, last_signal;
static _Atomic(uv_async_t *) loop_async;
static _Atomic int in_handler; /* handlers that may hold loop_async (any thread) */
static struct sigaction saved_int, saved_term, saved_pipe;

/* Async-signal-safe only: atomics, asr_vm_interrupt, uv_async_send, write, _exit. */
static void on_signal(int signum) {
  int saved_errno = errno;
  int n = atomic_fetch_add(&signals_seen, 1) + 1;
  atomic_store(&last_signal, signum);
  asr_vm_interrupt();
  atomic_fetch_add(&in_handler, 1);
  uv_async_t *async = atomic_load(&loop_async);
  if (async) uv_async_send(async);
  atomic_fetch_sub(&in_handler, 1);
  if ((!async && n >= 2) || n >= 3) { /* no loop to abort through, or it is stuck (in C) */
    static const char msg[] = "asrun: aborting now; partial output may end mid-document\n";
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)ignored;
    _exit(ASR_EXIT_INTERRUPTED);
  }
  errno = saved_errno;
}

void asr_signals_install(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  atomic_store(&signals_seen, 0);
  sigaction(SIGINT, &sa, &saved_int);
  sigaction(SIGTERM, &sa, &saved_term);
  /* A pipe whose reader is gone (`asrun --target - | head`): the write fails with EPIPE and
   * the run ends with a message saying so, instead of dying silently of SIGPIPE. */
  struct sigaction ignore;
  memset(&ignore, 0, sizeof ignore);
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  sigaction(SIGPIPE, &ignore, &saved_pipe);
}

void asr_signals_restore(void) {
  asr_signals_notify(NULL);
  sigaction(SIGINT, &saved_int, NULL);
  sigaction(SIGTERM, &saved_term, NULL);
  sigaction(SIGPIPE, &saved_pipe, NULL);
}

/* Clearing waits out a handler on another thread that may still send to the old handle, so
 * the caller can close it (and its loop's descriptor) safely. */
void asr_signals_notify(uv_async_t *async) {
  atomic_store(&loop_async, async);
  if (!async)
    while (atomic_load(&in_handler)) sched_yield();
}

int asr_signals_count(void) { return atomic_load(&signals_seen); }

int asr_signals_last(void) { return atomic_load(&last_signal); }
