/* asrun.core: the C functions of the asrun Lua module (BSON conversion, typed BSON values,
 * Lua templates to JSON and template generation for lua/asrun/gen.lua and the specs).
 * lua/asrun/init.lua re-exports them as the public `asrun` table; this file only registers.
 * Bad arguments raise; operational failures return nil, message, code (a short string). */
#include "lua/hooks.h"
#include "lua/lasrun.h"

#include <bson/bson.h>
#include <dlfcn.h>
#include <pthread.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua/lbson_types.h"
#include "lua/fields.h"
#include "lua/lconv.h"
#include "lua/ltemplate.h"
#include "lua/profile.h"
#include "lua/sandbox.h"
#include "lua/template_ops.h"
#include "metrics/metrics.h"
#include "template/template.h"
#include "util/file.h"
#include "core/error.h"

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

/* bson_decode(s [, "lazy"]) -> table, or nil, message, "EDATA" when s is not one BSON
 * document. "lazy": the table transform(doc) gets (lconv.h), with next, rawget and
 * setmetatable made aware of it as in the asrun binary. */
static int l_bson_decode(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  static const char *const modes[] = {"eager", "lazy", NULL};
  int lazy = luaL_checkoption(L, 2, "eager", modes);
  if (lazy) asr_lconv_open(L);
  asr_err_t err;
  asr_err_clear(&err);
  if (len > UINT32_MAX) asr_err_set(&err, ASR_EDATA, "corrupt BSON: too long");
  size_t bad; /* a lazy document trusts its bytes as the sources' checks do: check them here */
  bson_t b;
  if (lazy && !err.code && bson_init_static(&b, (const uint8_t *)s, len) &&
      !bson_validate(&b, BSON_VALIDATE_NONE, &bad))
    asr_err_set(&err, ASR_EDATA, "corrupt BSON at byte %zu", bad);
  if (!err.code && (lazy ? asr_lconv_push_lazy_doc : asr_lconv_push_doc)(
                       L, (const uint8_t *)s, (uint32_t)len, &err) == 0)
    return 1;
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
  asr_lconv_unlazy(L, 1);
  asr_lconv_push_array_mt(L);
  lua_setmetatable(L, 1);
  return 1;
}

static int l_is_array(lua_State *L) {
  lua_pushboolean(L, asr_lconv_is_array(L, 1));
  return 1;
}

/* template_json(t [, fns]) -> JSON text, fns: the Lua template t as template JSON, and the
 * list of the plain functions found in it ("$__lua_fn_K" is fns[K]). Functions are appended
 * to fns when given, so several templates can share one numbering. Raises on a bad template. */
static int l_template_json(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  if (lua_isnoneornil(L, 2)) {
    lua_settop(L, 1);
    lua_newtable(L);
  }
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 2);
  asr_err_t err;
  asr_err_clear(&err);
  if (asr_ltemplate_json(L, 1, 2, "template", &err)) return luaL_error(L, "%s", err.msg);
  lua_pushvalue(L, 2);
  return 2;
}

/* What template_generate holds while it runs; a userdata whose __gc frees it all, so a Lua
 * error raised midway (memory) cannot leak. */
typedef struct gen_box {
  asr_template_t *tpl;
  asr_template_ext_t *ext;
  bson_t *doc;
  char **names;
  size_t nnames;
} gen_box_t;

static void gen_box_free(gen_box_t *b) {
  asr_template_free(b->tpl);
  asr_lua_template_ops_close(b->ext);
  if (b->doc) bson_destroy(b->doc);
  for (size_t i = 0; i < b->nnames; i++) free(b->names[i]);
  free(b->names);
  memset(b, 0, sizeof *b);
}

static int gen_box_gc(lua_State *L) {
  gen_box_free(lua_touserdata(L, 1));
  return 0;
}

/* The custom operator names of the table at idx: string keys as they are, integer keys K as
 * "__lua_fn_K". */
static int collect_names(lua_State *L, int idx, gen_box_t *b) {
  size_t cap = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    char buf[48];
    const char *name = buf;
    if (lua_type(L, -1) == LUA_TSTRING)
      name = lua_tostring(L, -1);
    else if (lua_isinteger(L, -1) && lua_tointeger(L, -1) > 0)
      snprintf(buf, sizeof buf, ASR_LTEMPLATE_FN_PREFIX "%lld", (long long)lua_tointeger(L, -1));
    else
      return luaL_error(L, "operators: keys must be names or positions");
    if (b->nnames == cap) {
      cap = cap ? cap * 2 : 8;
      char **p = realloc(b->names, cap * sizeof *p);
      if (!p) return luaL_error(L, "out of memory");
      b->names = p;
    }
    if (!(b->names[b->nnames] = strdup(name))) return luaL_error(L, "out of memory");
    b->nnames++;
  }
  return 0;
}

/* template_generate(json, seed, index [, operators [, now_ms]]) -> document table, or nil,
 * message. operators: custom operators by name, and functions by position for "$__lua_fn_K"
 * (the fns list template_json returns); now_ms: the clock of $now and $objectid (default: the
 * time of the call, so two calls a second apart differ). Compiles on every call: for specs,
 * not for volume. */
static int l_template_generate(lua_State *L) {
  size_t len;
  const char *json = luaL_checklstring(L, 1, &len);
  lua_Integer seed = luaL_checkinteger(L, 2), index = luaL_checkinteger(L, 3);
  int has_ops = !lua_isnoneornil(L, 4);
  if (has_ops) luaL_checktype(L, 4, LUA_TTABLE);
  int has_now = !lua_isnoneornil(L, 5);
  lua_Integer now_ms = has_now ? luaL_checkinteger(L, 5) : 0;
  lua_settop(L, 4);
  gen_box_t *b = lua_newuserdatauv(L, sizeof *b, 0);
  memset(b, 0, sizeof *b);
  if (luaL_newmetatable(L, "asrun.template_generate")) {
    lua_pushcfunction(L, gen_box_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  if (has_ops) collect_names(L, 4, b);
  asr_err_t err;
  asr_err_clear(&err);
  asr_template_options_t opt = {.custom_ops = (const char *const *)b->names, .ncustom = b->nnames};
  int rc = asr_template_compile(json, len, "template", &opt, &b->tpl, &err);
  if (!rc && has_now) asr_template_set_now(b->tpl, now_ms);
  if (!rc && b->nnames)
    rc = asr_lua_template_ops_wrap(L, 4, (const char *const *)b->names, b->nnames, &b->ext, &err);
  if (!rc && !(b->doc = bson_new())) rc = asr_err_set(&err, ASR_ENOMEM, "out of memory");
  if (!rc)
    rc = asr_template_generate(b->tpl, b->ext, (uint64_t)seed, (uint64_t)index, b->doc, &err);
  if (!rc) rc = asr_lconv_push_doc(L, bson_get_data(b->doc), b->doc->len, &err);
  if (rc) {
    lua_pushnil(L);
    lua_pushstring(L, err.msg);
  }
  gen_box_free(b); /* now rather than at the next collection */
  return rc ? 2 : 1;
}

/* snapshot_fields() -> {name = "number" | "integer", ...}: every field of the snapshot a
 * policy's decide gets (metrics/metrics.h), for specs and the annotations' check. */
static int l_snapshot_fields(lua_State *L) {
  lua_createtable(L, 0, 40);
#define ASR_FIELD_REAL(f) lua_pushliteral(L, "number"), lua_setfield(L, -2, #f);
#define ASR_FIELD_COUNT(f) lua_pushliteral(L, "integer"), lua_setfield(L, -2, #f);
  ASR_SNAPSHOT_FIELDS(ASR_FIELD_REAL, ASR_FIELD_COUNT)
#undef ASR_FIELD_REAL
#undef ASR_FIELD_COUNT
  return 1;
}

/* asrun.summary(): the run's performance summary once on_finish has been called (the same
 * table on_finish receives), else nil. */
static int l_summary(lua_State *L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, asr_hooks_summary_key());
  return 1;
}

/* profile([name]) -> the settings of a built-in profile (default balanced) as a policy gets
 * them in state.config, for policies called without the host (specs, a REPL). A name, not a
 * path: profiles/NAME.lua. Raises for an unknown profile. */
static int l_profile(lua_State *L) {
  const char *name = luaL_optstring(L, 1, ASR_PROFILE_DEFAULT);
  luaL_argcheck(L, !asr_is_lua_file_name(name), 1, "a profile name, not a path");
  asr_scaling_settings_t s;
  asr_err_t err;
  asr_err_clear(&err);
  if (asr_profile_settings(name, &s, &err)) return luaL_error(L, "%s", err.msg);
  asr_profile_push(L, &s);
  return 1;
}

/* lua/guard.c's watchdog thread runs this library's code until the process exits. Loaded as a
 * Lua module (busted, a plain lua5.4), the library would be unloaded by lua_close's dlclose
 * under that thread: pin it. In the asrun binary this finds the program itself: harmless. */
static void pin_library(void) {
  Dl_info info;
  if (dladdr((void *)pin_library, &info) && info.dli_fname)
    dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
}

int luaopen_asrun_core(lua_State *L) {
  static pthread_once_t pinned = PTHREAD_ONCE_INIT;
  pthread_once(&pinned, pin_library);
  static const luaL_Reg funcs[] = {{"version", l_version},
                                   {"summary", l_summary},
                                   {"bson_decode", l_bson_decode},
                                   {"array", l_array},
                                   {"is_array", l_is_array},
                                   {"template_json", l_template_json},
                                   {"template_generate", l_template_generate},
                                   {"profile", l_profile},
                                   {"snapshot_fields", l_snapshot_fields},
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
  asr_sandbox_push_visible(L); /* a stand-in: user code never holds the metatable itself */
  lua_setfield(L, -2, "array_mt");
  asr_lua_fields_push_constructor(L);
  lua_setfield(L, -2, "fields");
  asr_lbson_register(L);
  return 1;
}
