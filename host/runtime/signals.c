#include "runtime/signals.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "lua/vm.h"

static _Atomic int signals_seen, last_signal;
static _Atomic(uv_async_t *) loop_async;
static _Atomic int in_handler; /* handlers that may hold loop_async (any thread) */
static struct sigaction saved_int, saved_term, saved_pipe;

/* The second signal's rescue: a thread that aborts the run itself when the loop has not done
 * so ASR_SIGNAL_LOOP_ANSWER_MS after it (the loop's thread is blocked in C inside a hook). */
static pthread_once_t rescuer_once = PTHREAD_ONCE_INIT;
static sem_t second_signal;
static pthread_mutex_t abort_lock = PTHREAD_MUTEX_INITIALIZER;
static void (*abort_fn)(void *ud);
static void *abort_ud;

/* Async-signal-safe only: atomics, asr_vm_interrupt, uv_async_send, sem_post, write, _exit. */
static void on_signal(int signum) {
  int saved_errno = errno;
  int n = atomic_fetch_add(&signals_seen, 1) + 1;
  atomic_store(&last_signal, signum);
  asr_vm_interrupt();
  atomic_fetch_add(&in_handler, 1);
  uv_async_t *async = atomic_load(&loop_async);
  if (async) uv_async_send(async);
  atomic_fetch_sub(&in_handler, 1);
  if (async && n == 2) sem_post(&second_signal);
  if ((!async && n >= 2) || n >= 3) { /* no loop to abort through, or even the rescue is stuck */
    static const char msg[] = "asrun: aborting now; partial output may end mid-document\n";
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)ignored;
    _exit(ASR_EXIT_INTERRUPTED);
  }
  errno = saved_errno;
}

/* Waits for a second signal; when the process is still there a moment later, the loop is
 * stuck: aborts through the run's callback, under the lock asr_signals_on_stuck takes (held
 * until _exit, so the run cannot free what the callback uses meanwhile). Without a callback
 * (the loop is over and the final flush answers the signal when it is done) waits again. */
static void *rescuer(void *arg) {
  (void)arg;
  struct timespec answer = {ASR_SIGNAL_LOOP_ANSWER_MS / 1000,
                            (long)(ASR_SIGNAL_LOOP_ANSWER_MS % 1000) * 1000000};
  for (;;) {
    while (sem_wait(&second_signal) != 0) {
    }
    nanosleep(&answer, NULL);
    pthread_mutex_lock(&abort_lock);
    if (abort_fn) {
      abort_fn(abort_ud);
      _exit(ASR_EXIT_INTERRUPTED);
    }
    pthread_mutex_unlock(&abort_lock);
  }
  return NULL;
}

static void start_rescuer(void) {
  sem_init(&second_signal, 0, 0);
  pthread_t t;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  sigset_t all, old; /* it takes no process signal */
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_create(&t, &attr, rescuer, NULL);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_attr_destroy(&attr);
}

void asr_signals_on_stuck(void (*fn)(void *ud), void *ud) {
  pthread_mutex_lock(&abort_lock);
  abort_fn = fn;
  abort_ud = ud;
  pthread_mutex_unlock(&abort_lock);
}

void asr_signals_install(void) {
  pthread_once(&rescuer_once, start_rescuer);
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
