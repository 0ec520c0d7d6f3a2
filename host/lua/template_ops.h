/* Custom template operators written in Lua: the per-worker asr_template_ext_t that
 * asr_template_generate calls for them (host/template/template.h).
 *
 * Each worker opens its own ext in its Lua worker env (lua/worker.h: the state where that
 * worker evaluated the strategy, shared with its transform) and holds the operator functions
 * by registry reference.
 * Names are resolved as: "__lua_fn_K" is the K-th function found in the strategy's Lua
 * templates (the walk of lua/ltemplate.c, same order as when the strategy was loaded);
 * any other name is strategy.operators[name].
 *
 * An operator is called as fn(rng, opts): rng draws from the document's random stream
 * (rng:integer(min, max), rng:float([min, max]), rng:pick(list), rng:string(length[, pool]);
 * valid only during the call), opts is the operator's options evaluated to a table. The
 * returned value is appended under the field's key (nil appends nothing). A raised error comes
 * back as ASR_ESCRIPT, "custom operator $NAME: file:line: message" plus a traceback.
 *
 * One ext serves one thread. Header free of lua.h: the rest of the host includes it. */
#ifndef ASR_LUA_TEMPLATE_OPS_H
#define ASR_LUA_TEMPLATE_OPS_H

#include <stddef.h>

#include "template/template.h"
#include "core/error.h"

struct lua_State;

/* Resolves names[0..n) (op id = index) in the strategy that env's state evaluated. Returns 0
 * with *out set (free with asr_lua_template_ops_close, before env closes), or ASR_EINVAL when
 * a name does not resolve to a function (message names it) or a template file fails,
 * ASR_ENOMEM. names are copied. */
int asr_lua_template_ops_open(asr_worker_env_t *env, const char *const *names, size_t n,
                              asr_template_ext_t **out, asr_err_t *err);


/* [-0,+0,m] The same on an existing state (asrun.core.template_generate): names resolve in the
 * table at idx, "__lua_fn_K" as its integer key K, other names as string keys. L must outlive
 * the ext; close releases the references but not L. */
int asr_lua_template_ops_wrap(struct lua_State *L, int idx, const char *const *names, size_t n,
                              asr_template_ext_t **out, asr_err_t *err);

void asr_lua_template_ops_close(asr_template_ext_t *ext);

/* The generator's factory (the source spec's custom_ops_factory): open and close above. */
extern const asr_template_ext_factory_t asr_lua_template_ops_factory;

#endif
