/* The sandbox of every user Lua state (strategies, transforms, custom operators, hooks,
 * policies, profiles), after Redis's scripting sandbox: the standard libraries are stripped
 * in place, so _G, _ENV, require and package.loaded all hand back the same stripped tables
 * and nothing a script can reach holds an original.
 *
 * Removed: os.execute, os.exit, os.remove, os.rename, os.tmpname, os.setlocale; io.popen,
 * io.tmpfile; the debug library (require("debug") raises); string.dump; package.loadlib,
 * package.cpath and the C searchers; binary chunks everywhere (load, loadfile, dofile,
 * require and the host's own loading read Lua text only).
 * Kept: reading files (io.open in "r"/"rb" mode, io.lines, io.input, loadfile, dofile,
 * require from package.path); writing to stdout and stderr (print, io.write,
 * io.stderr:write); os.time, os.clock, os.date, os.difftime, os.getenv. Writing files is
 * refused: io.open in any write, append or update mode returns nil, a message and EACCES;
 * io.output(name) raises. No Lua function can become a finalizer (Lua runs those with hooks
 * off, out of reach of the budget and interrupts): setmetatable refuses a __gc field, and
 * getmetatable hands back a stand-in for every metatable not set from Lua (file handles,
 * asrun's arrays, documents, BSON values, ...), which setmetatable takes for the original. */
#ifndef ASR_LUA_SANDBOX_H
#define ASR_LUA_SANDBOX_H

#include "core/error.h"

struct lua_State;

/* [-0,+0,-] Strips the libraries of a state fresh from luaL_openlibs. ASR_ENOMEM on the
 * memory cap; nothing is left on the stack. */
int asr_sandbox_apply(struct lua_State *L, asr_err_t *err);
/* [-0,+1,m] A fresh environment for one user file: a shallow copy of the (stripped)
 * globals whose _G is itself, so each file has globals of its own. */
void asr_sandbox_push_env(struct lua_State *L);
/* [-0,+1,m] luaL_loadfilex in text mode: pushes the chunk, or the error message (a binary
 * file gets "PATH: binary chunks are not allowed ..."). Returns the Lua status. */
int asr_sandbox_loadfile(struct lua_State *L, const char *path);

/* [-1,+1,m] Replaces the metatable on top by what user code may hold of it: in a sandboxed
 * state its stand-in, unless it was set from Lua; itself elsewhere (a plain lua5.4). */
void asr_sandbox_push_visible(struct lua_State *L);

#endif
