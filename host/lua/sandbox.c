#include "lua/sandbox.h"

#include <errno.h>
#include <lauxlib.h>
#include <lua.h>
#include <string.h>

#define NO_BINARY "binary chunks are not allowed in the asrun sandbox (Lua text only)"
#define NO_WRITE "writing files is not allowed in the asrun sandbox"

/* [-0,+0,m] When the message at idx is Lua's refusal of a binary chunk in text mode, says
 * why instead; name (a file) prefixes it. */
static void explain_binary(lua_State *L, int idx, const char *name) {
  const char *msg = lua_tostring(L, idx);
  if (!msg || !strstr(msg, "attempt to load a binary chunk")) return;
  idx = lua_absindex(L, idx);
  if (name) lua_pushfstring(L, "%s: " NO_BINARY, name);
  else lua_pushliteral(L, NO_BINARY);
  lua_replace(L, idx);
}

int asr_sandbox_loadfile(lua_State *L, const char *path) {
  int status = luaL_loadfilex(L, path, "t");
  if (status != LUA_OK) explain_binary(L, -1, path ? path : "stdin");
  return status;
}

/* [-n,+r,e] Calls upvalue 1 (the stock function a wrapper stands in for) with the n
 * arguments on the stack and returns its r results. */
static int call_stock(lua_State *L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

/* load(chunk [, chunkname [, mode [, env]]]): the stock load (upvalue 1) with the mode
 * forced to "t", so a binary chunk gets nil and a message saying it is not allowed. */
static int sandbox_load(lua_State *L) {
  if (lua_gettop(L) < 3) lua_settop(L, 3);
  lua_pushliteral(L, "t");
  lua_replace(L, 3);
  int n = call_stock(L);
  if (n == 2 && lua_isnil(L, 1)) explain_binary(L, 2, NULL);
  return n;
}

/* loadfile([filename [, mode [, env]]]) as the stock one, text only whatever the mode. */
static int sandbox_loadfile(lua_State *L) {
  const char *name = luaL_optstring(L, 1, NULL);
  int env = lua_isnone(L, 3) ? 0 : 3;
  if (asr_sandbox_loadfile(L, name) != LUA_OK) {
    luaL_pushfail(L);
    lua_insert(L, -2);
    return 2;
  }
  if (env) {
    lua_pushvalue(L, env);
    if (!lua_setupvalue(L, -2, 1)) lua_pop(L, 1); /* the chunk's _ENV */
  }
  return 1;
}

static int dofile_cont(lua_State *L, int status, lua_KContext ctx) {
  (void)status;
  (void)ctx;
  return lua_gettop(L) - 1;
}

/* dofile([filename]), text only (the stock one calls luaL_loadfile, which takes bytecode). */
static int sandbox_dofile(lua_State *L) {
  const char *name = luaL_optstring(L, 1, NULL);
  lua_settop(L, 1);
  if (asr_sandbox_loadfile(L, name) != LUA_OK) return lua_error(L);
  lua_callk(L, 0, LUA_MULTRET, 0, dofile_cont);
  return dofile_cont(L, LUA_OK, 0);
}

/* io.open(filename [, mode]) for reading only: a write, append or update mode gets nil, a
 * message and EACCES, as from a read-only file system, so code that checks keeps going. */
static int sandbox_io_open(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  const char *mode = luaL_optstring(L, 2, "r");
  if (mode[0] == 'r' && !strchr(mode, '+')) return call_stock(L);
  luaL_pushfail(L);
  lua_pushfstring(L, "%s: " NO_WRITE " (mode '%s')", name, mode);
  lua_pushinteger(L, EACCES);
  return 3;
}

/* io.output([file]): a file name (or a number, which Lua takes for one) would open it for
 * writing, so only file handles pass; raises as the stock one does when it cannot open. */
static int sandbox_io_output(lua_State *L) {
  if (lua_isstring(L, 1))
    return luaL_error(L, "cannot open file '%s' (" NO_WRITE ")", lua_tostring(L, 1));
  return call_stock(L);
}

/* ---- metatables: no user function can become a finalizer ----
 *
 * Lua runs finalizers with hooks off, so no budget or interrupt could stop one that loops.
 * Lua marks an object for finalization only when the metatable it is given has __gc at that
 * moment; so (1) setmetatable refuses a metatable with __gc, and (2) user code never holds a
 * metatable that C code sets (file handles, asrun's arrays, documents, BSON values, fields,
 * rngs: some carry a C __gc that a Lua function could replace, and a __gc added to any of
 * them would mark every object C code gives it from then on). getmetatable hands back the
 * metatables set from Lua (and the string metatable: strings are never finalized) as they
 * are, and for every other one a stand-in: an empty table, the same for the same
 * metatable, that setmetatable takes for the metatable it stands for. With debug gone,
 * getmetatable is the only way Lua code reaches a metatable; C functions hand out stand-ins
 * too (asr_sandbox_push_visible: asrun.array_mt). */

static char lua_set_key;  /* registry: weak set of the metatables set from Lua */
static char standin_key;  /* registry: weak map, metatable -> its stand-in */
static char real_key;     /* registry: weak map, stand-in -> its metatable */

/* [-0,+1,m] A new table with weak keys, stored in the registry at key. */
static void new_weak_table(lua_State *L, const void *key) {
  lua_newtable(L);
  lua_createtable(L, 0, 1);
  lua_pushliteral(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lua_pushvalue(L, -1);
  lua_rawsetp(L, LUA_REGISTRYINDEX, key);
}

/* [-0,+0,-] registry[key][value at idx]; 1 when it was there (its value pushed). */
static int lookup(lua_State *L, const void *key, int idx) {
  idx = lua_absindex(L, idx);
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, key) != LUA_TTABLE) {
    lua_pop(L, 1);
    return 0;
  }
  lua_pushvalue(L, idx);
  if (lua_rawget(L, -2) == LUA_TNIL) {
    lua_pop(L, 2);
    return 0;
  }
  lua_remove(L, -2);
  return 1;
}

void asr_sandbox_push_visible(lua_State *L) {
  if (!lua_istable(L, -1)) return;
  if (lookup(L, &lua_set_key, -1)) { /* set from Lua: shown as it is */
    lua_pop(L, 1);
    return;
  }
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &standin_key) != LUA_TTABLE) { /* no sandbox */
    lua_pop(L, 1);
    return;
  }
  if (lookup(L, &standin_key, -2)) { /* [mt, standins, standin] */
    lua_replace(L, -3);
    lua_pop(L, 1);
    return;
  }
  lua_newtable(L);              /* [mt, standins, standin] */
  lua_pushvalue(L, -3);
  lua_pushvalue(L, -2);
  lua_rawset(L, -4);            /* standins[mt] = standin */
  lua_rawgetp(L, LUA_REGISTRYINDEX, &real_key);
  lua_pushvalue(L, -2);
  lua_pushvalue(L, -5);
  lua_rawset(L, -3);            /* reals[standin] = mt */
  lua_pop(L, 1);
  lua_replace(L, -3);
  lua_pop(L, 1);
}

/* getmetatable(v): the stock one's answer (upvalue 1: lconv's, which unpacks a lazy
 * document first and honours __metatable) when v's metatable was set from Lua, else the
 * stand-in of v's metatable. */
static int sandbox_getmetatable(lua_State *L) {
  luaL_checkany(L, 1);
  lua_settop(L, 1);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushvalue(L, 1);
  lua_call(L, 1, 1);
  if (!lua_getmetatable(L, 1)) return 1;
  if (lookup(L, &lua_set_key, -1)) {
    lua_settop(L, 2);
    return 1;
  }
  asr_sandbox_push_visible(L);
  return 1;
}

/* setmetatable(t, mt) as the stock one (upvalue 1), taking a stand-in for its metatable and
 * refusing a metatable with __gc; mt joins the metatables set from Lua. */
static int sandbox_setmetatable(lua_State *L) {
  if (lua_istable(L, 2)) {
    if (lookup(L, &real_key, 2)) lua_replace(L, 2);
    else if (lua_rawgetp(L, LUA_REGISTRYINDEX, &lua_set_key) == LUA_TTABLE) {
      lua_pushvalue(L, 2);
      lua_pushboolean(L, 1);
      lua_rawset(L, -3);
      lua_pop(L, 1);
    } else {
      lua_pop(L, 1);
    }
    if (lua_getfield(L, 2, "__gc") != LUA_TNIL)
      return luaL_error(L, "__gc metamethods are not allowed in the asrun sandbox (a finalizer "
                        "cannot be stopped)");
  }
  lua_settop(L, 2);
  return call_stock(L);
}

/* [-0,+0,m] The registry's tables for the two above; the string metatable is shown as is. */
static void open_metatables(lua_State *L) {
  new_weak_table(L, &standin_key);
  new_weak_table(L, &real_key);
  new_weak_table(L, &lua_set_key);
  lua_pushliteral(L, "");
  lua_getmetatable(L, -1);
  lua_pushboolean(L, 1);
  lua_rawset(L, -4);
  lua_pop(L, 4);
}

/* package.searchers[2]: Lua text files from package.path (the stock searcher also loads
 * bytecode). Upvalues: the package table, the stock package.searchpath. */
static int search_text(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  if (lua_getfield(L, lua_upvalueindex(1), "path") != LUA_TSTRING)
    return luaL_error(L, "'package.path' must be a string");
  lua_pushvalue(L, lua_upvalueindex(2));
  lua_pushvalue(L, 1);
  lua_pushvalue(L, -3);
  lua_call(L, 2, 2); /* searchpath(name, path): filename, or nil and the "no file" list */
  if (lua_isnil(L, -2)) return 1;
  const char *file = lua_tostring(L, -2);
  if (asr_sandbox_loadfile(L, file) != LUA_OK)
    return luaL_error(L, "error loading module '%s' from file '%s':\n\t%s", name, file,
                      lua_tostring(L, -1));
  lua_pushstring(L, file);
  return 2;
}

/* package.searchers[3], in place of the C searchers: a line for require's "not found". */
static int search_native(lua_State *L) {
  lua_pushliteral(L, "no C modules: the asrun sandbox does not search package.cpath");
  return 1;
}

/* package.preload.debug: require("debug") says why there is none. */
static int refuse_debug(lua_State *L) {
  return luaL_error(L, "module 'debug' is not available: the asrun sandbox removes the debug "
                       "library");
}

/* [-0,+0,-] Sets the listed fields of the table at idx to nil. */
static void drop_fields(lua_State *L, int idx, const char *const *names) {
  for (; *names; names++) {
    lua_pushnil(L);
    lua_setfield(L, idx, *names);
  }
}

/* [-0,+0,m] t[name] = fn as a closure over the stock t[name], for the table at idx. */
static void wrap_field(lua_State *L, int idx, const char *name, lua_CFunction fn) {
  lua_getfield(L, idx, name);
  lua_pushcclosure(L, fn, 1);
  lua_setfield(L, idx, name);
}

/* [-0,+1,e] Pushes package.loaded[name], which must be a library table; returns its index. */
static int push_lib(lua_State *L, int loaded, const char *name) {
  if (lua_getfield(L, loaded, name) != LUA_TTABLE)
    luaL_error(L, "library '%s' is not loaded", name);
  return lua_gettop(L);
}

/* [-0,+0,e] package: no loadlib, no cpath; searchers are preload, Lua text, and a note. */
static void strip_package(lua_State *L, int pkg) {
  static const char *const drop[] = {"loadlib", "cpath", NULL};
  drop_fields(L, pkg, drop);
  lua_createtable(L, 3, 0);
  lua_getfield(L, pkg, "searchers");
  lua_rawgeti(L, -1, 1); /* the stock preload searcher */
  lua_rawseti(L, -3, 1);
  lua_pop(L, 1);
  lua_pushvalue(L, pkg);
  lua_getfield(L, pkg, "searchpath");
  lua_pushcclosure(L, search_text, 2);
  lua_rawseti(L, -2, 2);
  lua_pushcfunction(L, search_native);
  lua_rawseti(L, -2, 3);
  lua_setfield(L, pkg, "searchers");
  lua_getfield(L, pkg, "preload");
  lua_pushcfunction(L, refuse_debug);
  lua_setfield(L, -2, "debug");
  lua_pop(L, 1);
}

/* Strips every library in place: the tables _G, package.loaded and the string metatable
 * hold are these same tables, so no path leads to an original. */
static int strip_all(lua_State *L) {
  static const char *const os_drop[] = {"execute", "exit",    "remove", "rename",
                                        "tmpname", "setlocale", NULL};
  static const char *const io_drop[] = {"popen", "tmpfile", NULL};
  static const char *const string_drop[] = {"dump", NULL};
  static const char *const debug_drop[] = {"debug", NULL};
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  int loaded = lua_gettop(L);
  int g = push_lib(L, loaded, "_G");
  drop_fields(L, g, debug_drop);
  drop_fields(L, loaded, debug_drop);
  wrap_field(L, g, "load", sandbox_load);
  open_metatables(L);
  wrap_field(L, g, "getmetatable", sandbox_getmetatable);
  wrap_field(L, g, "setmetatable", sandbox_setmetatable);
  lua_pushcfunction(L, sandbox_loadfile);
  lua_setfield(L, g, "loadfile");
  lua_pushcfunction(L, sandbox_dofile);
  lua_setfield(L, g, "dofile");
  drop_fields(L, push_lib(L, loaded, "os"), os_drop);
  int io = push_lib(L, loaded, "io");
  drop_fields(L, io, io_drop);
  wrap_field(L, io, "open", sandbox_io_open);
  wrap_field(L, io, "output", sandbox_io_output);
  drop_fields(L, push_lib(L, loaded, "string"), string_drop);
  strip_package(L, push_lib(L, loaded, "package"));
  return 0;
}

int asr_sandbox_apply(lua_State *L, asr_err_t *err) {
  lua_pushcfunction(L, strip_all);
  int status = lua_pcall(L, 0, 0, 0);
  if (status == LUA_OK) return 0;
  int code = status == LUA_ERRMEM ? ASR_ENOMEM : ASR_ESCRIPT;
  asr_err_set(err, code, "cannot build the Lua sandbox: %s", lua_tostring(L, -1));
  lua_pop(L, 1);
  return code;
}

void asr_sandbox_push_env(lua_State *L) {
  lua_pushglobaltable(L);
  lua_newtable(L);
  lua_pushnil(L);
  while (lua_next(L, -3)) {
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, -4);
  }
  lua_remove(L, -2);
  lua_pushvalue(L, -1);
  lua_setfield(L, -2, "_G");
}
