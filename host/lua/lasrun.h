/* The asrun Lua module's C core, require("asrun.core"): opened by the host in each worker's
 * lua_State and, from build/lua/asrun/core.so, by a plain lua5.4 (busted). The public module
 * is lua/asrun/init.lua, which wraps this one. */
#ifndef ASR_LUA_LASRUN_H
#define ASR_LUA_LASRUN_H

#include <lua.h>

/* [-0,+1,m] Pushes the asrun.core table. */
int luaopen_asrun_core(lua_State *L);

#endif
