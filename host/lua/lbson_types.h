/* Typed BSON values in Lua: the BSON types that have no natural Lua counterpart (objectid,
 * date, decimal128, binary, regex, timestamp, minkey, maxkey, undefined, null, dbpointer,
 * code, code with scope, symbol, and int64 forced by asrun.int64).
 *
 * Each is a full userdata holding the element's value bytes exactly as BSON stores them, so a
 * decoded value is written back byte for byte. One metatable per type (__name "asrun.<type>"),
 * all sharing __tostring (shell-like: ObjectId("..."), ISODate("...")), __eq and __lt/__le
 * where an order exists. null, minkey, maxkey and undefined are per-lua_State singletons.
 * Metatables and singletons live in the registry under static addresses, created lazily, so
 * the conversion works in any lua_State whether or not the module was opened. */
#ifndef ASR_LUA_LBSON_TYPES_H
#define ASR_LUA_LBSON_TYPES_H

#include <bson/bson.h>
#include <lua.h>
#include <stdint.h>

#include "core/buf.h"

/* BSON_TYPE_INT64 stands for an asrun.int64 value (a forced int64), not a decoded int64:
 * decoded int64s are plain Lua integers. */
typedef struct asr_lbson_value {
  uint32_t len;    /* length of bytes[] */
  uint8_t type;    /* bson_type_t */
  uint8_t bytes[]; /* the element's value as BSON stores it (after type byte and key) */
} asr_lbson_value_t;

/* [-0,+1,m] Pushes a typed value of `type` whose value bytes are bytes[0..len), or the
 * singleton for null/minkey/maxkey/undefined (bytes ignored). The caller guarantees the
 * bytes are well formed for the type. */
void asr_lbson_push(lua_State *L, uint8_t type, const void *bytes, uint32_t len);

/* [-0,+1,m] Pushes the current element of a validated iterator as a typed value. Returns 0,
 * or ASR_EDATA (nothing pushed) when the element is not one of the typed kinds. */
int asr_lbson_push_iter(lua_State *L, const bson_iter_t *it);

/* [-0,+0,-] The typed value at idx, or NULL if the value there is something else. */
const asr_lbson_value_t *asr_lbson_test(lua_State *L, int idx);

/* Appends v to out under key[0..klen). `scratch` is a reusable buffer for the types libbson
 * cannot append verbatim. Returns 0, ASR_ENOMEM, or ASR_EINVAL when out would exceed the
 * BSON size limit. */
int asr_lbson_append(bson_t *out, const char *key, int klen, const asr_lbson_value_t *v,
                     asr_buf_t *scratch);

/* [-0,+0,m] Sets the constructors (objectid, date, decimal128, binary, regex, timestamp,
 * int64) and the singletons (null, minkey, maxkey, undefined) as fields of the table on top
 * of the stack. */
void asr_lbson_register(lua_State *L);

#endif
