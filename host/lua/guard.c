#include "lua/guard.h"

#include <errno.h>
#include <lauxlib.h>
#include <lua.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "core/error.h"

enum { IDLE, RUNNING, ARMING, ARMED };

static _Atomic unsigned interrupt_epoch;
static _Atomic int64_t interrupt_at_ns;

/* The watchdog's list of guards, and the thread in a call on each thread. */
static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t list_nonempty = PTHREAD_COND_INITIALIZER;
static asr_guard_t *guards;
static pthread_once_t watchdog_once = PTHREAD_ONCE_INIT;
static _Thread_local asr_guard_t *running_guard;

#define ARM_SIGNAL (SIGRTMIN + 2)

/* ThreadSanitizer holds a thread's asynchronous signals until it calls into libc, which a Lua
 * loop never does: there the watchdog sets the hook itself (what lua_sethook's "reasonable
 * assumptions" allow from another thread too; liblua is not instrumented). */
#if defined(__SANITIZE_THREAD__)
#define ARM_FROM_WATCHDOG 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ARM_FROM_WATCHDOG 1
#endif
#endif
#ifndef ARM_FROM_WATCHDOG
#define ARM_FROM_WATCHDOG 0
#endif

static int64_t monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#define RELAXED memory_order_relaxed

void asr_guard_interrupt(void) {
  atomic_store(&interrupt_at_ns, monotonic_ns());
  atomic_fetch_add(&interrupt_epoch, 1);
}

/* An interrupt stops a call that was already running when it came and is still running
 * ASR_VM_INTERRUPT_GRACE_MS later: the batches in progress of an ordinary transform finish,
 * a loop does not. Calls that start after the interrupt (on_finish) run normally. */
static int interrupt_due(unsigned call_epoch, int64_t now) {
  if (atomic_load(&interrupt_epoch) == call_epoch) return 0;
  return now - atomic_load(&interrupt_at_ns) >= (int64_t)ASR_VM_INTERRUPT_GRACE_MS * 1000000;
}

static asr_guard_t *guard_of(lua_State *L) { return *(asr_guard_t **)lua_getextraspace(L); }

/* [-0,+1,-] "file:line" of the Lua function running at the hook, or "?" in C. */
static void push_where(lua_State *L) {
  lua_Debug ar;
  if (lua_getstack(L, 0, &ar) && lua_getinfo(L, "Sl", &ar) && ar.currentline > 0)
    lua_pushfstring(L, "%s:%d", ar.short_src, ar.currentline);
  else
    lua_pushliteral(L, "?");
}

/* Every ASR_VM_HOOK_SLICE instructions of an armed call (and of coroutines): the interrupt,
 * then the budget. Once either fires the hook runs at every instruction and raises again
 * until the call returns, so code that catches the error with pcall and loops on gets it at
 * its next instruction outside that pcall: the error always reaches the host. */
static void guard_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  asr_guard_t *g = guard_of(L);
  if (!g || g->depth == 0) return; /* a coroutine resumed outside any host call */
  if (g->interrupted || interrupt_due(g->epoch, monotonic_ns())) {
    g->interrupted = 1;
    lua_sethook(L, guard_hook, LUA_MASKCOUNT, 1);
    push_where(L);
    lua_pushfstring(L, "%s: interrupted", lua_tostring(L, -1));
    lua_error(L);
  }
  if (g->budget > 0 && !g->spent && (g->left -= ASR_VM_HOOK_SLICE) <= 0) g->spent = 1;
  if (g->spent) {
    g->over_budget = 1;
    lua_sethook(L, guard_hook, LUA_MASKCOUNT, 1);
    push_where(L);
    lua_pushfstring(L, "%s: instruction budget exceeded (%I instructions per call)",
                    lua_tostring(L, -1), (lua_Integer)g->budget);
    lua_error(L);
  }
}

/* ---- arming: the watchdog asks, the owner thread's signal handler sets the hook ---- */

static void arm(asr_guard_t *g) {
  lua_sethook(g->main, guard_hook, LUA_MASKCOUNT, ASR_VM_HOOK_SLICE);
  atomic_store(&g->phase, ARMED);
}

/* On the owner thread. A call may run inside a call of another state on the same thread
 * (asrun.profile() makes one): look at every guard the thread is in. */
static void on_arm_signal(int sig) {
  (void)sig;
  int saved = errno;
  for (asr_guard_t *g = running_guard; g; g = g->outer_running)
    if (atomic_load(&g->phase) == ARMING) arm(g);
  errno = saved;
}

/* [watchdog] How long it has seen the value at *seen unchanged. */
static int64_t seen_for(_Atomic unsigned long *value, unsigned long *seen, int64_t *since,
                        int64_t now) {
  unsigned long v = atomic_load_explicit(value, RELAXED);
  if (v != *seen) {
    *seen = v;
    *since = now;
  }
  return now - *since;
}

/* The owner reads no clock: the watchdog times a call by seeing the same sequence number
 * look after look; the innermost call, and the outermost one. */
static int should_arm(asr_guard_t *g, int64_t now) {
  int64_t inner = seen_for(&g->call_seq, &g->seen_seq, &g->seen_since_ns, now);
  int64_t outer = seen_for(&g->outer_seq, &g->seen_outer, &g->seen_outer_since_ns, now);
  if (atomic_load(&g->phase) != RUNNING) return 0;
  if (interrupt_due(atomic_load_explicit(&g->started_epoch, RELAXED), now)) return 1;
  return atomic_load_explicit(&g->limited, RELAXED) &&
         (inner >= (int64_t)ASR_VM_ARM_AFTER_MS * 1000000 ||
          outer >= (int64_t)ASR_VM_ARM_OUTER_AFTER_MS * 1000000);
}

static void *watchdog(void *arg) {
  (void)arg;
  struct timespec period = {0, (long)ASR_VM_WATCH_MS * 1000000};
  for (;;) {
    pthread_mutex_lock(&list_lock);
    while (!guards) pthread_cond_wait(&list_nonempty, &list_lock);
    int64_t now = monotonic_ns();
    for (asr_guard_t *g = guards; g; g = g->next) {
      int expect = RUNNING;
      if (should_arm(g, now) && atomic_compare_exchange_strong(&g->phase, &expect, ARMING)) {
        if (ARM_FROM_WATCHDOG) arm(g);
        else if (pthread_kill(g->owner, ARM_SIGNAL) != 0) atomic_store(&g->phase, RUNNING);
      }
    }
    pthread_mutex_unlock(&list_lock);
    nanosleep(&period, NULL);
  }
  return NULL;
}

static void start_watchdog(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_arm_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(ARM_SIGNAL, &sa, NULL);
  pthread_t t;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  sigset_t all, old; /* the watchdog takes no process signal (SIGINT goes to the others) */
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_create(&t, &attr, watchdog, NULL);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_attr_destroy(&attr);
}

/* ---- a state's guard ---- */

void asr_guard_init(asr_guard_t *g, lua_State *L) {
  memset(g, 0, sizeof *g);
  g->main = L;
  *(asr_guard_t **)lua_getextraspace(L) = g; /* coroutines copy it from the main thread */
  pthread_once(&watchdog_once, start_watchdog);
  pthread_mutex_lock(&list_lock);
  g->next = guards;
  if (guards) guards->prev = g;
  guards = g;
  pthread_cond_signal(&list_nonempty);
  pthread_mutex_unlock(&list_lock);
}

void asr_guard_fini(asr_guard_t *g) {
  pthread_mutex_lock(&list_lock);
  if (g->prev) g->prev->next = g->next;
  else guards = g->next;
  if (g->next) g->next->prev = g->prev;
  pthread_mutex_unlock(&list_lock);
}

/* A new innermost call (or the outer one resuming), its epoch and budget, as the watchdog
 * reads them. Relaxed: a stale reading only arms a call a period early or late; every call
 * pays these stores. */
static void publish_call(asr_guard_t *g) {
  atomic_store_explicit(&g->call_seq, ++g->seq, RELAXED);
  atomic_store_explicit(&g->started_epoch, g->epoch, RELAXED);
  atomic_store_explicit(&g->limited, g->budget > 0, RELAXED);
}

void asr_guard_enter(asr_guard_t *g, long long budget, asr_guard_saved_t *saved) {
  *saved = (asr_guard_saved_t){g->budget, g->left, g->spent, g->interrupted, g->over_budget,
                               g->epoch};
  g->budget = g->left = budget;
  g->spent = g->interrupted = g->over_budget = 0;
  g->epoch = atomic_load_explicit(&interrupt_epoch, RELAXED);
  publish_call(g);
  if (g->depth++ == 0) {
    atomic_store_explicit(&g->outer_seq, g->seq, RELAXED);
    g->owner = pthread_self();
    g->outer_running = running_guard;
    running_guard = g;
    atomic_store_explicit(&g->phase, RUNNING, memory_order_release); /* publishes owner */
  }
}

/* The outermost call is over: take the hook off if the watchdog armed it. The handler runs
 * on this thread, so the phase it finds is settled: ARMING means its signal has not come yet,
 * and once this guard is out of the thread's chain it will leave it alone. */
static void disarm(asr_guard_t *g) {
  if (atomic_exchange(&g->phase, IDLE) == ARMED) lua_sethook(g->main, NULL, 0, 0);
  running_guard = g->outer_running;
}

int asr_guard_leave(asr_guard_t *g, const asr_guard_saved_t *saved) {
  int code = g->interrupted ? ASR_ECANCELED : g->over_budget ? ASR_ELIMIT : 0;
  g->budget = saved->budget;
  g->left = saved->left;
  g->spent = saved->spent;
  g->interrupted = saved->interrupted;
  g->over_budget = saved->over_budget;
  g->epoch = saved->epoch;
  if (--g->depth == 0) disarm(g);
  else publish_call(g); /* the outer call goes on: its time counts afresh */
  return code;
}

/* ---- coroutines ---- */

/* coroutine.create(f): the stock one (upvalue 1), then the hook on the new thread. */
static int guarded_create(lua_State *L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  lua_State *co = lua_tothread(L, -1);
  if (co) lua_sethook(co, guard_hook, LUA_MASKCOUNT, ASR_VM_HOOK_SLICE);
  return 1;
}

/* coroutine.wrap(f): the stock one; its thread is the closure's upvalue 1. */
static int guarded_wrap(lua_State *L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  if (lua_getupvalue(L, -1, 1)) {
    lua_State *co = lua_tothread(L, -1);
    if (co) lua_sethook(co, guard_hook, LUA_MASKCOUNT, ASR_VM_HOOK_SLICE);
    lua_pop(L, 1);
  }
  return 1;
}

/* [-0,+0,m] coroutine[name] = closure(the stock coroutine[name]) */
static void wrap_field(lua_State *L, const char *name, lua_CFunction f) {
  lua_getfield(L, -1, name);
  lua_pushcclosure(L, f, 1);
  lua_setfield(L, -2, name);
}

void asr_guard_coroutines(lua_State *L) {
  if (lua_getglobal(L, "coroutine") == LUA_TTABLE) {
    wrap_field(L, "create", guarded_create);
    wrap_field(L, "wrap", guarded_wrap);
  }
  lua_pop(L, 1);
}
