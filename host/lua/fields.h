/* asrun.fields{ rename = {...}, drop = {...}, set = {...}, copy = {...}, convert = {...},
 * after = function(doc) ... end }: a strategy's transform as declarative field operations.
 * This file only builds the spec (pipeline/fields.h) from the Lua table, checking it as it
 * goes (errors raise at the strategy's line); the documents are rewritten in C on their bytes
 * (pipeline/fields_transform.h), with no Lua unless `after` is given. The value is a userdata
 * that can also be called from Lua on a document table (doc -> new table, then after). */
#ifndef ASR_LUA_FIELDS_H
#define ASR_LUA_FIELDS_H

#include <lua.h>

#include "lua/strategy.h"
#include "pipeline/fields_transform.h"
#include "sinks/dead_letter.h"

/* [-0,+1,m] Pushes the asrun.fields constructor (asrun.core.fields). */
void asr_lua_fields_push_constructor(lua_State *L);
/* The spec of the asrun.fields value at idx, or NULL when it is something else. */
const asr_fields_t *asr_lua_fields_get(lua_State *L, int idx);
/* [-0,+1,-] Pushes the `after` function of the asrun.fields value at idx (nil when none). */
void asr_lua_fields_push_after(lua_State *L, int idx);

/* The strategy's transform as the pipeline runs it: its Lua function, or its asrun.fields
 * (then its after function). Points into itself: keep it where it was initialised. */
typedef struct asr_strategy_transform {
  asr_transform_factory_t lua;
  asr_fields_stage_t stage;
  asr_transform_factory_t factory;
} asr_strategy_transform_t;

/* Fills x for strategy s (dead letters dl, NULL: a failing document fails the batch).
 * Returns 1 when the strategy has a transform (x->factory is it), else 0. */
int asr_strategy_transform_init(asr_strategy_transform_t *x, const asr_strategy_t *s,
                                asr_dead_letter_t *dl);

#endif
