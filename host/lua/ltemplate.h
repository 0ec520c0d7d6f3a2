/* Lua templates (lua/asrun/gen.lua) to template JSON text, which the ordinary template
 * compiler (host/template/) then compiles: a Lua template costs nothing per document beyond
 * its custom operators.
 *
 * Mapping (the walk is deterministic, so the loader and every worker agree on it):
 *   gen.<op>()            "$<op>"              gen.<op>{...}  {"$<op>": {...}}
 *   gen.fields{{k, v}...} object, keys in the order given
 *   plain table           object, "_id" first then keys sorted bytewise; a sequence 1..n
 *                         (or a table marked with asrun.array) is an array
 *   string, boolean, integer, float, asrun.null, asrun.int64(n)   JSON literals
 *   plain function        "$__lua_fn_K": a custom operator; K numbers the distinct functions
 *                         in walk order (the same function twice gets one number)
 * gen markers are tables whose metatable has __asrun_gen = "op" (fields op, opts) or
 * "fields" (a list of {key, value} pairs). */
#ifndef ASR_LUA_LTEMPLATE_H
#define ASR_LUA_LTEMPLATE_H

#include <lua.h>

#include "core/error.h"

/* Prefix of the custom operator names given to functions found in Lua templates. */
#define ASR_LTEMPLATE_FN_PREFIX "__lua_fn_"

/* [-0,+1,m] Converts the Lua template (a table) at idx to JSON text and pushes it as a string.
 * Functions found are appended to the sequence at fns (a table) unless already there; their
 * number is their position in fns, so several templates may share one numbering. origin names
 * the template in messages ("strategy.lua: source.template"). Returns 0, or ASR_EINVAL with the
 * field path ("origin: items[2].price: cannot use a thread in a template") and nothing pushed. */
int asr_ltemplate_json(lua_State *L, int idx, int fns, const char *origin, asr_err_t *err);

/* 1..n when name is ASR_LTEMPLATE_FN_PREFIX followed by a decimal number n, else 0. */
long asr_ltemplate_fn_number(const char *name);

#endif
