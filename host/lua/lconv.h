/* BSON <-> Lua conversion: how documents reach transform(doc) and come back.
 * The representation (types, arrays, key order, int64 retention) is described at the top of
 * lconv.c. Scratch buffers and the cache of key-order metatables belong to the lua_State
 * (a userdata in its registry, freed by lua_close), so conversions on one state reuse them
 * and never allocate C memory per document once warm. One lua_State per thread, as usual. */
#ifndef ASR_LUA_LCONV_H
#define ASR_LUA_LCONV_H

#include <bson/bson.h>
#include <lua.h>
#include <stdint.h>

#include "core/error.h"

/* Documents nested deeper than this (the top level is 0) are refused both ways; it is
 * MongoDB's limit, and it turns a cycle in a Lua table into an error. */
#define ASR_LCONV_MAX_DEPTH 100

/* [-0,+1,m] Pushes the BSON document data[0..len) as a Lua table. Returns 0, or ASR_EDATA
 * (err set, nothing pushed) when the BSON is malformed (ASR_ENOMEM if a scratch buffer cannot
 * grow). err may be NULL. The bytes are not referenced after the call. */
int asr_lconv_push_doc(lua_State *L, const uint8_t *data, uint32_t len, asr_err_t *err);

/* [-0,+1,m] Pushes the BSON document data[0..len) as a lazy table (lconv_lazy.c): a field is
 * decoded when first read, and writing the table back copies the fields never touched as
 * bytes, so a transform pays for what it reads and writes. It behaves as the table of
 * asr_lconv_push_doc for indexing, assignment, pairs, next, rawget, getmetatable and
 * setmetatable (which first decode it whole). The bytes are copied: the table stays valid after the call. Returns
 * as asr_lconv_push_doc. */
int asr_lconv_push_lazy_doc(lua_State *L, const uint8_t *data, uint32_t len, asr_err_t *err);

/* [-0,+0,e] Decodes every field of the lazy table at idx, which becomes the table
 * asr_lconv_push_doc would have made (with what the transform changed); other values: no-op. */
void asr_lconv_unlazy(lua_State *L, int idx);

/* [-0,+0,e] Replaces the global next, rawget, getmetatable and setmetatable with versions that
 * decode a lazy table whole first (they read or replace what its metatable stands for). Once
 * per state; before the sandbox, which wraps setmetatable. */
void asr_lconv_open(lua_State *L);

/* [-0,+0,-] Appends the fields of the table at idx to out (initialized, empty). Returns 0 or
 * ASR_EINVAL (ASR_ENOMEM if a scratch buffer cannot grow) with the key path in the message ("field
 * items[2].price: cannot store a function in BSON"); array positions in paths are Lua's 1-based
 * indexes. Never raises for bad values, only on memory errors. On failure out holds a well-formed
 * partial document: reinit it before reuse. Reads the table raw: no metamethod runs. */
int asr_lconv_to_bson(lua_State *L, int idx, bson_t *out, asr_err_t *err);

/* [-0,+0,m] Appends the Lua value at idx to dst under key[0..keylen) as one field, with the
 * rules of asr_lconv_to_bson (tables become documents or arrays, typed values keep their BSON
 * type); nil appends nothing. Returns 0 or ASR_EINVAL (message "field KEY...: ...", the path
 * starting at key) / ASR_ENOMEM. Used for single values, such as a custom operator's result. */
int asr_lconv_append_value(lua_State *L, int idx, bson_t *dst, const char *key, int keylen,
                           asr_err_t *err);

/* A string key of a table being written: len bytes at s, inside a Lua string that the table
 * keeps alive. */
typedef struct asr_lconv_key {
  const char *s;
  size_t len;
} asr_lconv_key_t;

/* Sorts keys into the order of a table without a shape: "_id" first, then the others
 * bytewise (see "Key order" in lconv.c). Lua templates write their objects in it too. */
void asr_lconv_sort_keys(asr_lconv_key_t *keys, size_t n);

/* [-0,+1,m] Pushes the shared array metatable (asrun.array_mt). */
void asr_lconv_push_array_mt(lua_State *L);

/* [-0,+0,-] Whether the value at idx is a table marked as a BSON array (decoded arrays and
 * tables given asrun.array_mt). */
int asr_lconv_is_array(lua_State *L, int idx);

#endif
