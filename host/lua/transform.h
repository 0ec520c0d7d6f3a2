/* The strategy's transform(doc) hook as a pipeline stage: each worker evaluates the strategy
 * file in its own lua_State and calls transform once per document. */
#ifndef ASR_LUA_TRANSFORM_H
#define ASR_LUA_TRANSFORM_H

#include "pipeline/transform.h"

/* Fills f for the strategy at path (borrowed: must outlive the run). */
void asr_lua_transform_factory(asr_transform_factory_t *f, const char *strategy_path);

#endif
