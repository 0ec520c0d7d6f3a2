/* The strategy's transform(doc) hook as a pipeline stage: each worker calls transform once
 * per document in the Lua state of its env (lua/worker.h), where the strategy was evaluated. */
#ifndef ASR_LUA_TRANSFORM_H
#define ASR_LUA_TRANSFORM_H

#include "pipeline/transform.h"

/* Opens in a Lua worker env (lua/worker.h; the pipeline's worker_env factory). */
extern const asr_transform_factory_t asr_lua_transform_factory;

#endif
