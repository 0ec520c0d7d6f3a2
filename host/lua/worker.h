/* The Lua side of one worker thread: one lua_State that evaluated the strategy file once,
 * shared by everything the strategy runs on that worker (its transform, its custom template
 * operators and the functions of its Lua templates). The pipeline opens it through the
 * factory (core/worker_env.h) on the worker's thread and closes it when the worker leaves;
 * transform.c and template_ops.c open their parts inside it. */
#ifndef ASR_LUA_WORKER_H
#define ASR_LUA_WORKER_H

#include "core/error.h"
#include "core/worker_env.h"

struct lua_State;

struct asr_worker_env {
  struct lua_State *L;
  int strategy_ref; /* registry reference to the strategy table this worker evaluated */
  const char *path; /* the strategy file (borrowed), for messages */
};

/* Opens a sandboxed state and evaluates the strategy at path in it. ASR_EINVAL when it fails
 * or does not return a table (a strategy that loaded on the main thread and fails here is
 * configuration too), ASR_ENOMEM. */
int asr_lua_worker_open(const char *path, asr_worker_env_t **out, asr_err_t *err);
void asr_lua_worker_close(asr_worker_env_t *env);
/* Fills f to open one per worker for the strategy at path (borrowed: must outlive the run). */
void asr_lua_worker_factory(asr_worker_env_factory_t *f, const char *path);

#endif
