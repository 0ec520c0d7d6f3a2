/* The guard on every call into user code (lua/vm.c's asr_vm_pcall): an instruction budget
 * per call and interrupts (SIGINT), without slowing ordinary Lua down.
 *
 * A count hook makes the VM trap on every instruction, which costs Lua-heavy code about 1.8x,
 * so a state's main thread runs unhooked. A watchdog thread looks at the calls in progress
 * every ASR_VM_WATCH_MS and arms the hook on one that has run ASR_VM_ARM_AFTER_MS (from then
 * on it counts against the budget), or that was running when an interrupt came. It arms it as
 * lua.c does for SIGINT: a signal to the thread running the call, whose handler sets the hook
 * (lua_sethook is made to be called from a signal handler). Coroutines are created hooked,
 * since a hook on the main thread does not reach them: they pay the trap and count from their
 * first instruction. One guard per state, on its main thread's extra space. */
#ifndef ASR_LUA_GUARD_H
#define ASR_LUA_GUARD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

struct lua_State;

#define ASR_VM_HOOK_SLICE 1000        /* instructions between two looks, once armed */
#define ASR_VM_WATCH_MS 20            /* the watchdog's period */
#define ASR_VM_ARM_AFTER_MS 50        /* a call this long starts counting its budget */
#define ASR_VM_ARM_OUTER_AFTER_MS 2000 /* ... and an outermost call this long, however many
                                          calls it makes inside (a Lua loop calling C that
                                          calls Lua) */
#define ASR_VM_INTERRUPT_GRACE_MS 500 /* a call still running this long after an interrupt stops */

typedef struct asr_guard {
  struct lua_State *main;
  /* the call in progress; the owner thread's alone */
  long long budget, left; /* budget 0: no limit */
  int spent;              /* once spent, raised again at every instruction until the call returns */
  unsigned epoch;         /* interrupts seen when the call started */
  int depth;              /* nested host calls */
  int interrupted, over_budget; /* what the last error was raised by */
  /* shared with the watchdog */
  _Atomic int phase;              /* idle, running, arming, armed */
  unsigned long seq;              /* calls begun or resumed (the owner's count) ... */
  _Atomic unsigned long call_seq; /* ... as the watchdog reads it: unchanged = one long call */
  _Atomic unsigned long outer_seq;/* outermost calls begun: unchanged = one long outermost */
  _Atomic unsigned started_epoch;
  _Atomic int limited;            /* the innermost call has a budget */
  pthread_t owner;                /* the thread in the call */
  struct asr_guard *outer_running;/* the guard its thread was in when this call began */
  /* the watchdog's own */
  unsigned long seen_seq, seen_outer; /* call_seq and outer_seq at its last look */
  int64_t seen_since_ns, seen_outer_since_ns; /* since when it has seen them */
  struct asr_guard *prev, *next;  /* the watchdog's list */
} asr_guard_t;

/* A call's guard state, saved around a nested call. */
typedef struct asr_guard_saved {
  long long budget, left;
  int spent, interrupted, over_budget;
  unsigned epoch;
} asr_guard_saved_t;

/* Registers g for the state whose main thread is L (L's extra space points at g). */
void asr_guard_init(asr_guard_t *g, struct lua_State *L);
/* Unregisters; before lua_close. */
void asr_guard_fini(asr_guard_t *g);
/* [-0,+0,m] coroutine.create and coroutine.wrap make hooked coroutines. */
void asr_guard_coroutines(struct lua_State *L);
/* Around one host call into L with the given budget (0: none). leave returns ASR_ECANCELED
 * or ASR_ELIMIT when the call's error came from an interrupt or the budget, else 0. */
void asr_guard_enter(asr_guard_t *g, long long budget, asr_guard_saved_t *saved);
int asr_guard_leave(asr_guard_t *g, const asr_guard_saved_t *saved);
/* Async-signal-safe: the interrupt (runtime/signals.c via asr_vm_interrupt). */
void asr_guard_interrupt(void);

#endif
