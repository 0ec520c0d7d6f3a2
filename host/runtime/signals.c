#include "runtime/signals.h"

#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "lua/vm.h"

static _Atomic int signals_seen, last_signal;
static _Atomic(uv_async_t *) loop_async;
static struct sigaction saved_int, saved_term;

/* Async-signal-safe only: atomics, asr_vm_interrupt, uv_async_send, write, _exit. */
static void on_signal(int signum) {
  int n = atomic_fetch_add(&signals_seen, 1) + 1;
  atomic_store(&last_signal, signum);
  asr_vm_interrupt();
  uv_async_t *async = atomic_load(&loop_async);
  if (async) {
    uv_async_send(async);
  } else if (n >= 2) {
    static const char msg[] = "asrun: second signal: aborting now\n";
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)ignored;
    _exit(ASR_EXIT_INTERRUPTED);
  }
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
}

void asr_signals_restore(void) {
  atomic_store(&loop_async, NULL);
  sigaction(SIGINT, &saved_int, NULL);
  sigaction(SIGTERM, &saved_term, NULL);
}

void asr_signals_notify(uv_async_t *async) { atomic_store(&loop_async, async); }

int asr_signals_count(void) { return atomic_load(&signals_seen); }

int asr_signals_last(void) { return atomic_load(&last_signal); }
