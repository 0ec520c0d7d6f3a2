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

/* A state with the standard libraries stripped by the sandbox (lua/sandbox.h),
 * `require("asrun")` available (package.path includes the asrun Lua directory; asrun.core
 * preloaded) and a memory cap (0 = default). */
struct lua_State *asr_vm_new(size_t memory_limit, asr_err_t *err);
void asr_vm_close(struct lua_State *L);
/* [-(nargs+1), +(nresults|0), -] Calls the function below the nargs arguments. On error the
 * message (with traceback) goes into err as ASR_ESCRIPT (ASR_ENOMEM on the memory cap) and
 * nothing is left on the stack. */
int asr_vm_pcall(struct lua_State *L, int nargs, int nresults, asr_err_t *err);
/* [-(nargs+1), +(nresults|0), -] asr_vm_pcall with at most `budget` VM instructions: a call
 * that runs longer fails with "instruction budget exceeded" (an endless loop in a
 * policy costs one interval's warning, never the run). */
int asr_vm_pcall_budget(struct lua_State *L, int nargs, int nresults, int budget, asr_err_t *err);
/* [-0, +0, -] Runs fn(L, ud) as a protected call: anything it raises (a memory error while
 * building tables, a metamethod that errors) comes back in err instead of unwinding through
 * C. fn returns 0 or an ASR_E* code, which asr_vm_protect returns. */
int asr_vm_protect(struct lua_State *L, int (*fn)(struct lua_State *L, void *ud), void *ud,
                   asr_err_t *err);
/* [-0, +1, -] Loads a user file (Lua text only) and runs it with globals of its own (a copy
 * of the sandboxed ones, lua/sandbox.h); pushes its first return value. */
int asr_vm_dofile(struct lua_State *L, const char *path, asr_err_t *err);
/* The directory of the asrun Lua modules (lua/): $ASRUN_LUA_DIR, else next to the binary's
 * source tree as configured at build time. */
const char *asr_vm_lua_dir(void);

#endif
