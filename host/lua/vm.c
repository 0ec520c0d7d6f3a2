#include "lua/vm.h"

#include <errno.h>
#include <lauxlib.h>
#include <stdatomic.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua/guard.h"
#include "lua/lasrun.h"
#include "lua/lconv.h"
#include "lua/sandbox.h"
#include "util/data_dir.h"
#include "util/log.h"

/* What a state carries beside Lua's own: the allocator's account and the guard of its
 * calls (lua/guard.h). The allocator's ud. */
typedef struct vm_state {
  size_t used, limit;
  long long budget; /* per call (asr_vm_set_budget) */
  asr_guard_t guard;
} vm_state_t;

/* Process-wide: the budget new states start with, and a count of states. */
static _Atomic long long default_budget = ASR_VM_DEFAULT_BUDGET;
static _Atomic unsigned long states_created;

void asr_vm_interrupt(void) { asr_guard_interrupt(); }

void asr_vm_set_default_budget(long long budget) { atomic_store(&default_budget, budget); }

unsigned long asr_vm_states_created(void) { return atomic_load(&states_created); }

static void *capped_alloc(void *ud, void *ptr, size_t osize, size_t nsize);

/* Ours, or NULL for a state asr_vm_new did not make (asrun.core in a plain lua5.4). */
static vm_state_t *state_of(lua_State *L) {
  void *ud;
  return lua_getallocf(L, &ud) == capped_alloc ? ud : NULL;
}

void asr_vm_set_budget(lua_State *L, long long budget) {
  vm_state_t *vm = state_of(L);
  if (vm) vm->budget = budget;
}

/* Allocator with a cap: a runaway script gets a Lua memory error, not the machine's memory. */
static void *capped_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  vm_state_t *a = ud;
  size_t old = ptr ? osize : 0;
  if (nsize == 0) {
    free(ptr);
    a->used -= old;
    return NULL;
  }
  if (nsize > old && a->used - old + nsize > a->limit) return NULL;
  void *p = realloc(ptr, nsize);
  if (p) a->used = a->used - old + nsize;
  return p;
}

const char *asr_vm_lua_dir(void) { return asr_data_dir(ASR_DATA_LUA); }

/* [-0,+0,-] package.path: the asrun modules first, then the default. */
static void set_package_path(lua_State *L) {
  lua_getglobal(L, "package");
  const char *dir = asr_vm_lua_dir();
  lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;", dir, dir);
  lua_getfield(L, -2, "path");
  lua_concat(L, 2);
  lua_setfield(L, -2, "path");
  lua_getfield(L, -1, "preload");
  lua_pushcfunction(L, luaopen_asrun_core);
  lua_setfield(L, -2, "asrun.core");
  lua_pop(L, 2);
}

/* print as Lua's (tab-separated, __tostring and __name honoured), its line written through
 * util/log: never inside the status line, and whole when workers print at once. */
static int vm_print(lua_State *L) {
  int n = lua_gettop(L);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int i = 1; i <= n; i++) {
    if (i > 1) luaL_addchar(&b, '\t');
    luaL_tolstring(L, i, NULL);
    luaL_addvalue(&b);
  }
  luaL_addchar(&b, '\n');
  luaL_pushresult(&b);
  size_t len;
  const char *line = lua_tolstring(L, -1, &len);
  asr_log_stdout(line, len);
  return 0;
}

lua_State *asr_vm_new(size_t memory_limit, asr_err_t *err) {
  vm_state_t *a = calloc(1, sizeof *a);
  if (!a) {
    asr_err_set(err, ASR_ENOMEM, "out of memory");
    return NULL;
  }
  a->limit = memory_limit ? memory_limit : ASR_VM_DEFAULT_MEMORY_LIMIT;
  a->budget = atomic_load(&default_budget);
  lua_State *L = lua_newstate(capped_alloc, a);
  if (!L) {
    free(a);
    asr_err_set(err, ASR_ENOMEM, "cannot create a Lua state");
    return NULL;
  }
  atomic_fetch_add(&states_created, 1);
  asr_guard_init(&a->guard, L);
  luaL_openlibs(L);
  lua_register(L, "print", vm_print);
  set_package_path(L);
  asr_lconv_open(L); /* before the sandbox, which wraps its setmetatable */
  if (asr_sandbox_apply(L, err)) {
    asr_vm_close(L);
    return NULL;
  }
  asr_guard_coroutines(L);
  lua_gc(L, LUA_GCGEN, 0, 0); /* transforms make many short-lived tables */
  return L;
}

void asr_vm_close(lua_State *L) {
  if (!L) return;
  vm_state_t *vm = state_of(L);
  asr_guard_fini(&vm->guard);
  lua_close(L);
  free(vm);
}

static int traceback_handler(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (!msg) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
    msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}

/* [-(nargs+1), +(nresults|0), -] A plain protected call with the traceback handler; 0 or
 * the lua_pcall status, with the message on top. */
static int pcall_traced(lua_State *L, int nargs, int nresults) {
  int base = lua_gettop(L) - nargs;
  lua_pushcfunction(L, traceback_handler);
  lua_insert(L, base);
  int status = lua_pcall(L, nargs, nresults, base);
  lua_remove(L, base);
  return status;
}

/* [-1,+0,-] The error on top into err. */
static int take_error(lua_State *L, int status, int code, asr_err_t *err) {
  const char *msg = lua_tostring(L, -1);
  if (status == LUA_ERRMEM) msg = "Lua memory limit reached";
  asr_err_set(err, code, "%s", msg ? msg : "unknown Lua error");
  lua_pop(L, 1);
  return code;
}

static int pcall_guarded(lua_State *L, int nargs, int nresults, long long budget,
                         asr_err_t *err) {
  vm_state_t *vm = state_of(L);
  if (!vm) { /* no budget or interrupt outside the host's states */
    int status = pcall_traced(L, nargs, nresults);
    return status == LUA_OK ? 0
           : take_error(L, status, status == LUA_ERRMEM ? ASR_ENOMEM : ASR_ESCRIPT, err);
  }
  asr_guard_saved_t saved;
  asr_guard_enter(&vm->guard, budget, &saved);
  int status = pcall_traced(L, nargs, nresults);
  int why = asr_guard_leave(&vm->guard, &saved);
  if (status == LUA_OK) return 0;
  return take_error(L, status, status == LUA_ERRMEM ? ASR_ENOMEM : why ? why : ASR_ESCRIPT, err);
}

int asr_vm_pcall(lua_State *L, int nargs, int nresults, asr_err_t *err) {
  vm_state_t *vm = state_of(L);
  return pcall_guarded(L, nargs, nresults, vm ? vm->budget : 0, err);
}

int asr_vm_pcall_budget(lua_State *L, int nargs, int nresults, int budget, asr_err_t *err) {
  return pcall_guarded(L, nargs, nresults, budget > 0 ? budget : 1, err);
}

typedef struct protected_call {
  int (*fn)(lua_State *L, void *ud);
  void *ud;
  int rc;
} protected_call_t;

static int run_protected(lua_State *L) {
  protected_call_t *pc = lua_touserdata(L, 1);
  lua_remove(L, 1);
  pc->rc = pc->fn(L, pc->ud);
  return 0;
}

int asr_vm_protect(lua_State *L, int (*fn)(lua_State *L, void *ud), void *ud, asr_err_t *err) {
  protected_call_t pc = {fn, ud, 0};
  int top = lua_gettop(L);
  lua_pushcfunction(L, run_protected);
  lua_pushlightuserdata(L, &pc);
  int rc = asr_vm_pcall(L, 1, 0, err);
  lua_settop(L, top);
  return rc ? rc : pc.rc;
}

int asr_vm_dofile(lua_State *L, const char *path, asr_err_t *err) {
  FILE *f = fopen(path, "r");
  if (!f) return asr_err_set(err, ASR_EINVAL, "cannot open %s: %s", path, strerror(errno));
  fclose(f);
  int status = asr_sandbox_loadfile(L, path);
  if (status != LUA_OK) {
    asr_err_set(err, ASR_EINVAL, "%s", lua_tostring(L, -1));
    lua_pop(L, 1);
    return ASR_EINVAL;
  }
  asr_sandbox_push_env(L);
  lua_setupvalue(L, -2, 1); /* _ENV of the main chunk */
  int rc = asr_vm_pcall(L, 0, 1, err);
  if (rc) return rc;
  return 0;
}
