/* Lua states for user code (strategies, hooks, later policies). One state per thread: the
 * main thread's for config and hooks, one per worker for transforms. Every call into Lua goes
 * through asr_vm_pcall so errors come back as messages with file:line and a traceback, never
 * as longjmps through C. */
#ifndef ASR_LUA_VM_H
#define ASR_LUA_VM_H

#include <stddef.h>

#include "core/error.h"

struct lua_State;

#define ASR_VM_DEFAULT_MEMORY_LIMIT ((size_t)1 << 30) /* per state */
/* VM instructions per call into user code; the digits alone, so --help can spell them */
#define ASR_VM_DEFAULT_BUDGET_DIGITS 100000000
#define ASR_VM_DEFAULT_BUDGET ((long long)ASR_VM_DEFAULT_BUDGET_DIGITS)

/* A state with the standard libraries stripped by the sandbox (lua/sandbox.h),
 * `require("asrun")` available (package.path includes the asrun Lua directory; asrun.core
 * preloaded) and a memory cap (0 = default). */
struct lua_State *asr_vm_new(size_t memory_limit, asr_err_t *err);
void asr_vm_close(struct lua_State *L);
/* [-(nargs+1), +(nresults|0), -] Calls the function below the nargs arguments, with the
 * state's instruction budget (asr_vm_set_budget) and open to interrupts (lua/guard.h: a call
 * counts against its budget once it has run ASR_VM_ARM_AFTER_MS). On error the message
 * (with traceback) goes into err as ASR_ESCRIPT, ASR_ELIMIT ("file:line: instruction budget
 * exceeded"), ASR_ECANCELED (interrupted) or ASR_ENOMEM (memory cap), and nothing is
 * left on the stack. Every host call into user code goes through here. */
int asr_vm_pcall(struct lua_State *L, int nargs, int nresults, asr_err_t *err);
/* [-(nargs+1), +(nresults|0), -] asr_vm_pcall with its own budget of VM instructions (an
 * endless loop in a policy costs one interval's warning, never the run). */
int asr_vm_pcall_budget(struct lua_State *L, int nargs, int nresults, int budget, asr_err_t *err);
/* The per-call budget of L's calls (0: no limit); new states take the default. Set the
 * default before workers open their states. */
void asr_vm_set_budget(struct lua_State *L, long long budget);
void asr_vm_set_default_budget(long long budget);
/* Interrupts the Lua calls in progress in every state, on every thread, as lua.c does for
 * SIGINT: a call that is still running ASR_VM_INTERRUPT_GRACE_MS (lua/guard.h) later fails with
 * "file:line: interrupted" (ASR_ECANCELED). Async-signal-safe: call it from the handler. */
void asr_vm_interrupt(void);
/* Lua states created in this process so far (one per worker that runs strategy code). */
unsigned long asr_vm_states_created(void);
/* [-0, +0, -] Runs fn(L, ud) as a protected call: anything it raises (a memory error while
 * building tables, a metamethod that errors) comes back in err instead of unwinding through
 * C. fn returns 0 or an ASR_E* code, which asr_vm_protect returns. */
int asr_vm_protect(struct lua_State *L, int (*fn)(struct lua_State *L, void *ud), void *ud,
                   asr_err_t *err);
/* [-0, +1, -] Loads a user file (Lua text only) and runs it with globals of its own (a copy
 * of the sandboxed ones, lua/sandbox.h); pushes its first return value. */
int asr_vm_dofile(struct lua_State *L, const char *path, asr_err_t *err);
/* The directory of the asrun Lua modules (lua/): $ASRUN_LUA_DIR, else the installed ones
 * beside the binary, or the source tree's for a build (util/data_dir.h). */
const char *asr_vm_lua_dir(void);

#endif
