/* asrun.core: the C functions of the asrun Lua module (BSON conversion, typed BSON values).
 * lua/asrun/init.lua re-exports them as the public `asrun` table; this file only registers.
 * Bad arguments raise; operational failures return nil, message, code (a short string). */
#include "lua/lasrun.h"

#include <bson/bson.h>
#include <lauxlib.h>

#include "lua/lbson_types.h"
#include "lua/lconv.h"
#include "util/error.h"

/* The encoder's output buffer, reused across calls and owned by a userdata so that a memory
 * error while pushing the result cannot leak it. */
typedef struct enc_box {
  bson_t *b;
} enc_box_t;

static int enc_box_gc(lua_State *L) {
  enc_box_t *box = lua_touserdata(L, 1);
  if (box->b) bson_destroy(box->b);
  box->b = NULL;
  return 0;
}

static int l_version(lua_State *L) {
  lua_pushliteral(L, ASR_VERSION);
  return 1;
}

/* bson_encode(t) -> string of BSON bytes; raises with the field path on a bad value. */
static int l_bson_encode(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  enc_box_t *box = lua_touserdata(L, lua_upvalueindex(1));
  if (!box->b && !(box->b = bson_new())) return luaL_error(L, "out of memory");
  bson_reinit(box->b);
  asr_err_t err;
  asr_err_clear(&err);
  if (asr_lconv_to_bson(L, 1, box->b, &err)) return luaL_error(L, "%s", err.msg);
  lua_pushlstring(L, (const char *)bson_get_data(box->b), box->b->len);
  return 1;
}

/* bson_decode(s) -> table, or nil, message, "EDATA" when s is not one BSON document. */
static int l_bson_decode(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  asr_err_t err;
  asr_err_clear(&err);
  if (len > UINT32_MAX) asr_err_set(&err, ASR_EDATA, "corrupt BSON: too long");
  if (!err.code && asr_lconv_push_doc(L, (const uint8_t *)s, (uint32_t)len, &err) == 0) return 1;
  lua_pushnil(L);
  lua_pushstring(L, err.msg);
  lua_pushstring(L, err.code == ASR_ENOMEM ? "ENOMEM" : "EDATA");
  return 3;
}

/* array([t]) -> t marked as a BSON array (a new empty one without t). */
static int l_array(lua_State *L) {
  if (lua_isnoneornil(L, 1)) {
    lua_settop(L, 0);
    lua_newtable(L);
  }
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  asr_lconv_push_array_mt(L);
  lua_setmetatable(L, 1);
  return 1;
}

static int l_is_array(lua_State *L) {
  lua_pushboolean(L, asr_lconv_is_array(L, 1));
  return 1;
}

int luaopen_asrun_core(lua_State *L) {
  static const luaL_Reg funcs[] = {{"version", l_version},
                                   {"bson_decode", l_bson_decode},
                                   {"array", l_array},
                                   {"is_array", l_is_array},
                                   {NULL, NULL}};
  luaL_newlib(L, funcs);
  enc_box_t *box = lua_newuserdatauv(L, sizeof *box, 0);
  box->b = NULL;
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, enc_box_gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  lua_pushcclosure(L, l_bson_encode, 1);
  lua_setfield(L, -2, "bson_encode");
  asr_lconv_push_array_mt(L);
  lua_setfield(L, -2, "array_mt");
  asr_lbson_register(L);
  return 1;
}
