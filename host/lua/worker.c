#include "lua/worker.h"

#include <lauxlib.h>
#include <lua.h>
#include <stdlib.h>

#include "lua/vm.h"

int asr_lua_worker_open(const char *path, asr_worker_env_t **out, asr_err_t *err) {
  *out = NULL;
  asr_worker_env_t *env = calloc(1, sizeof *env);
  if (!env) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  env->path = path;
  env->strategy_ref = LUA_NOREF;
  int rc = 0;
  if (!(env->L = asr_vm_new(0, err))) rc = err->code ? err->code : ASR_ENOMEM;
  if (!rc) rc = asr_vm_dofile(env->L, path, err);
  if (!rc && !lua_istable(env->L, -1))
    rc = asr_err_set(err, ASR_EINVAL, "%s: not a strategy table when loaded by a worker", path);
  if (rc == ASR_ESCRIPT) err->code = rc = ASR_EINVAL; /* a strategy that fails to load is config */
  if (rc) {
    asr_lua_worker_close(env);
    return rc;
  }
  env->strategy_ref = luaL_ref(env->L, LUA_REGISTRYINDEX);
  lua_settop(env->L, 0);
  *out = env;
  return 0;
}

void asr_lua_worker_close(asr_worker_env_t *env) {
  if (!env) return;
  asr_vm_close(env->L); /* the transform's and operators' references go with it */
  free(env);
}

static int factory_open(void *ud, asr_worker_env_t **out, asr_err_t *err) {
  return asr_lua_worker_open(ud, out, err);
}

void asr_lua_worker_factory(asr_worker_env_factory_t *f, const char *path) {
  *f = (asr_worker_env_factory_t){factory_open, asr_lua_worker_close, (void *)path};
}
