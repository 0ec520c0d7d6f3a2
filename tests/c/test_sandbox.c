/* Tests for the sandbox of user Lua states (host/lua/sandbox.c, applied by asr_vm_new): a
 * corpus of escape attempts, each run as a user file (asr_vm_dofile: globals of its own) and
 * as a chunk in the state's global table (what load() and required modules get), each of
 * which must fail with its message and never run a shell command; then what user code
 * keeps; then a walk of everything reachable from the registry and the string metatable,
 * which must hold none of the stock functions the sandbox removes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "lua/vm.h"

#define DIR ASR_TEST_TMP "/sandbox"
#define MARKER DIR "/marker"            /* what `touch` would create */
#define LOOKUP DIR "/lookup.txt"        /* a file user code may read */
#define WRITTEN DIR "/written.txt"      /* a file user code must not create */
#define EVIL DIR "/evil.lua"            /* bytecode from an unsandboxed state */
#define TEXTMOD DIR "/textmod.lua"      /* a Lua text module */
#define CPATH ASR_TEST_TMP "/../../lua/?.so" /* where build/lua/asrun/core.so is */

static char bytecode[4096], crafted[4096];
static size_t bytecode_len, crafted_len;

static void write_file(const char *path, const void *data, size_t len) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, len, f), len);
  fclose(f);
}

static const char *write_text(const char *path, const char *text) {
  write_file(path, text, strlen(text));
  return path;
}

static int exists(const char *path) { return access(path, F_OK) == 0; }

static int collect(lua_State *L, const void *p, size_t n, void *ud) {
  (void)L;
  (void)ud;
  if (bytecode_len + n > sizeof bytecode) return 1;
  memcpy(bytecode + bytecode_len, p, n);
  bytecode_len += n;
  return 0;
}

/* Crafted bytecode: `return "abc"` with its LOADK pointing far past the constants, which the
 * stock load takes and runs into SIGSEGV. */
static const char CRAFT[] =
    "local d = string.dump(function() return 'abc' end, true)\n"
    "local i = assert(d:find('\\3\\0\\0\\0', 1, true))\n"
    "return d:sub(1, i) .. '\\0\\255\\255' .. d:sub(i + 4)";

/* Real bytecode of a chunk that would run a shell command, dumped by a stock state; and the
 * crafted bytecode, made there too. */
static int setup(void **state) {
  (void)state;
  mkdir(ASR_TEST_TMP, 0755);
  mkdir(DIR, 0755);
  remove(MARKER);
  remove(WRITTEN);
  write_text(LOOKUP, "lookup\n");
  write_text(TEXTMOD, "return { x = 1 }\n");
  write_text(DIR "/envmod.lua", "return y\n");
  lua_State *raw = luaL_newstate();
  luaL_openlibs(raw);
  assert_int_equal(luaL_loadstring(raw, "os.execute('touch " MARKER "') return 1"), LUA_OK);
  bytecode_len = 0;
  assert_int_equal(lua_dump(raw, collect, NULL, 0), 0);
  assert_int_equal(luaL_dostring(raw, CRAFT), LUA_OK);
  size_t n;
  const char *c = lua_tolstring(raw, -1, &n);
  assert_true(n <= sizeof crafted);
  memcpy(crafted, c, crafted_len = n);
  lua_close(raw);
  write_file(EVIL, bytecode, bytecode_len);
  setenv("ASR_SANDBOX_TEST", "visible", 1);
  return 0;
}

/* How often a Lua function ran as a finalizer: mark(), the __gc every finalizer attempt
 * tries to install, counts. */
static int finalizers_run;

static int mark(lua_State *L) {
  (void)L;
  finalizers_run++;
  return 0;
}

/* A sandboxed state with the test's paths and chunks as globals. */
static lua_State *new_state(size_t memory_limit) {
  asr_err_t err;
  asr_err_clear(&err);
  lua_State *L = asr_vm_new(memory_limit, &err);
  if (!L) print_error("%s\n", err.msg);
  assert_non_null(L);
  static const char *const names[][2] = {{"MARKER", MARKER}, {"LOOKUP", LOOKUP},
                                         {"WRITTEN", WRITTEN}, {"EVIL", EVIL},
                                         {"TEXTMOD", TEXTMOD}, {"DIR", DIR}, {"CPATH", CPATH}};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    lua_pushstring(L, names[i][1]);
    lua_setglobal(L, names[i][0]);
  }
  lua_pushlstring(L, bytecode, bytecode_len);
  lua_setglobal(L, "BYTECODE");
  lua_pushlstring(L, crafted, crafted_len);
  lua_setglobal(L, "CRAFTED");
  lua_pushcfunction(L, mark);
  lua_setglobal(L, "mark");
  return L;
}

/* Runs src in a fresh state: as a user file (as_file) or as a chunk in the global table.
 * Returns the rc; the message goes to err. */
static int run(const char *src, int as_file, size_t memory_limit, asr_err_t *err) {
  asr_err_clear(err);
  lua_State *L = new_state(memory_limit);
  int rc;
  if (as_file) {
    rc = asr_vm_dofile(L, write_text(DIR "/snippet.lua", src), err);
  } else if (luaL_loadbufferx(L, src, strlen(src), "=snippet", "t") != LUA_OK) {
    rc = asr_err_set(err, ASR_EINVAL, "%s", lua_tostring(L, -1));
  } else {
    rc = asr_vm_pcall(L, 0, 1, err);
  }
  asr_vm_close(L);
  return rc;
}

typedef struct attempt {
  const char *src;
  const char *expect; /* in the error message */
} attempt_t;

#define NIL_CALL(f) "attempt to call a nil value (field '" f "')"
#define NO_DEBUG "module 'debug' is not available: the asrun sandbox removes the debug library"
#define NO_BINARY "binary chunks are not allowed in the asrun sandbox (Lua text only)"
#define NO_WRITE "writing files is not allowed in the asrun sandbox"

static const attempt_t CORPUS[] = {
    /* shell commands, by every path to os and io */
    {"require('os').execute('touch ' .. MARKER)", NIL_CALL("execute")},
    {"require('io').popen('touch ' .. MARKER)", NIL_CALL("popen")},
    {"package.loaded.os.execute('touch ' .. MARKER)", NIL_CALL("execute")},
    {"package.loaded['_G'].os.execute('touch ' .. MARKER)", NIL_CALL("execute")},
    {"require('_G').io.popen('touch ' .. MARKER)", NIL_CALL("popen")},
    {"_G.os.execute('touch ' .. MARKER)", NIL_CALL("execute")},
    {"_ENV.os.execute('touch ' .. MARKER)", NIL_CALL("execute")},
    {"rawget(_G, 'os').execute('touch ' .. MARKER)", NIL_CALL("execute")},
    {"rawget(package.loaded, 'io').popen('touch ' .. MARKER)", NIL_CALL("popen")},
    {"load('return os.execute')()('touch ' .. MARKER)", "attempt to call a nil value"},
    {"load('return require(\"os\").execute', 'x', 't', {require = require})()('touch ' .. MARKER)",
     "attempt to call a nil value"},
    {"coroutine.wrap(function() return require('os').execute('touch ' .. MARKER) end)()",
     NIL_CALL("execute")},
    {"local ok, e = pcall(require, 'os'); e.execute('touch ' .. MARKER)", NIL_CALL("execute")},
    {"setmetatable(_ENV, {__index = package.loaded}); os.execute('touch ' .. MARKER)",
     NIL_CALL("execute")},
    {"getmetatable('').__index = function() return require('os').execute end\n"
     "('x').run('touch ' .. MARKER)",
     NIL_CALL("run")},
    /* the rest of os and io that reach outside */
    {"os.exit(3)", NIL_CALL("exit")},
    {"os.remove(LOOKUP)", NIL_CALL("remove")},
    {"os.rename(LOOKUP, LOOKUP .. '.moved')", NIL_CALL("rename")},
    {"os.tmpname()", NIL_CALL("tmpname")},
    {"os.setlocale('C')", NIL_CALL("setlocale")},
    {"io.tmpfile()", NIL_CALL("tmpfile")},
    {"assert(io.open(WRITTEN, 'w'))", NO_WRITE " (mode 'w')"},
    {"assert(io.open(WRITTEN, 'a'))", NO_WRITE " (mode 'a')"},
    {"assert(io.open(WRITTEN, 'wb'))", NO_WRITE " (mode 'wb')"},
    {"assert(io.open(WRITTEN, 'w+'))", NO_WRITE " (mode 'w+')"},
    {"assert(io.open(WRITTEN, 'a+b'))", NO_WRITE " (mode 'a+b')"},
    {"assert(io.open(LOOKUP, 'r+'))", NO_WRITE " (mode 'r+')"},
    {"assert(io.open(LOOKUP, 'rb+'))", NO_WRITE " (mode 'rb+')"},
    {"assert(require('io').open(WRITTEN, 'w'))", NO_WRITE},
    {"local f, msg, code = io.open(WRITTEN, 'w'); assert(code == 13); error(msg)", NO_WRITE},
    {"io.output(WRITTEN)", "cannot open file '" WRITTEN "' (" NO_WRITE ")"},
    {"io.output(42)", "cannot open file '42' (" NO_WRITE ")"},
    {"local f = assert(io.open(LOOKUP)); io.output(f); assert(io.write('x'))",
     "Bad file descriptor"},
    /* the debug library */
    {"require('debug')", NO_DEBUG},
    {"require('debug').getregistry()", NO_DEBUG},
    {"debug.getregistry()", "attempt to index a nil value (global 'debug')"},
    {"_G.debug.getregistry()", "attempt to index a nil value (field 'debug')"},
    {"package.loaded.debug.getregistry()", "attempt to index a nil value (field 'debug')"},
    {"require('_G').debug.sethook()", "attempt to index a nil value (field 'debug')"},
    {"load('return debug')().getinfo(1)", "attempt to index a nil value"},
    {"package.preload.debug = nil; require('debug')", "module 'debug' not found"},
    /* native code */
    {"package.loadlib(CPATH, 'luaopen_asrun_core')", NIL_CALL("loadlib")},
    {"package.cpath = CPATH; package.preload['asrun.core'] = nil\n"
     "error(package.searchers[3]('asrun.core'))",
     "no C modules: the asrun sandbox does not search package.cpath"},
    {"package.searchers[4]('asrun.core')", "attempt to call a nil value (field 'integer index')"},
    {"package.cpath = CPATH; package.preload['asrun.core'] = nil; require('asrun.core')",
     "no C modules: the asrun sandbox does not search package.cpath"},
    {"package.cpath = CPATH; require('asrun.core_nope')", "module 'asrun.core_nope' not found"},
    /* binary chunks, made by string.dump, lua_dump or by hand */
    {"load(string.dump(function() end))", NIL_CALL("dump")},
    {"('').dump(print)", NIL_CALL("dump")},
    {"getmetatable('').__index.dump(print)", NIL_CALL("dump")},
    {"assert(load(BYTECODE))()", NO_BINARY},
    {"assert(load(BYTECODE, 'x', 'b'))()", NO_BINARY},
    {"assert(load(BYTECODE, 'x', 'bt', _ENV))()", NO_BINARY},
    {"assert(load(CRAFTED, 'x', 'b'))()", NO_BINARY},
    {"local s = CRAFTED; assert(load(function() local c = s; s = nil; return c end))()",
     NO_BINARY},
    {"local f, msg = load(CRAFTED); assert(f == nil); error(msg)", NO_BINARY},
    {"assert(loadfile(EVIL))()", EVIL ": " NO_BINARY},
    {"assert(loadfile(EVIL, 'b'))()", EVIL ": " NO_BINARY},
    {"dofile(EVIL)", EVIL ": " NO_BINARY},
    {"package.path = DIR .. '/?.lua'; require('evil')",
     "error loading module 'evil' from file '" EVIL "':\n\t" EVIL ": " NO_BINARY},
    {"coroutine.wrap(function() return assert(load(CRAFTED))() end)()", NO_BINARY},
};

static void test_escape_corpus_fails_with_its_message(void **state) {
  (void)state;
  size_t n = sizeof CORPUS / sizeof CORPUS[0];
  int failures = 0;
  for (size_t i = 0; i < n; i++) {
    for (int as_file = 0; as_file <= 1; as_file++) {
      asr_err_t err;
      int rc = run(CORPUS[i].src, as_file, 0, &err);
      if (rc == 0 || !strstr(err.msg, CORPUS[i].expect)) {
        print_error("attempt %zu (%s) as %s: rc %d, message: %s\nwanted: %s\n", i,
                    CORPUS[i].src, as_file ? "file" : "chunk", rc, rc ? err.msg : "(none)",
                    CORPUS[i].expect);
        failures++;
      }
    }
  }
  assert_int_equal(failures, 0);
  assert_false(exists(MARKER));
  assert_false(exists(WRITTEN));
  assert_false(exists("42"));
  assert_false(exists(LOOKUP ".moved"));
  char buf[16] = {0};
  FILE *f = fopen(LOOKUP, "rb");
  assert_non_null(f);
  assert_int_equal(fread(buf, 1, sizeof buf - 1, f), 7);
  fclose(f);
  assert_string_equal(buf, "lookup\n"); /* r+ opened nothing */
}

/* ---- no Lua function becomes a finalizer ----
 * Lua runs finalizers with hooks off: a looping one would hold the run past its budget and
 * every interrupt. Each attempt installs mark as a __gc wherever user code can reach a
 * metatable, then lets objects with that metatable die; each must fail with its message
 * (expect) or do nothing (NULL: it wrote to a stand-in), and mark never runs, not even when
 * the state closes. */

#define NO_GC "__gc metamethods are not allowed in the asrun sandbox (a finalizer cannot be stopped)"

static const attempt_t GC_CORPUS[] = {
    /* metatables that C code sets: file handles (a C __gc), asrun's arrays, documents (eager
     * and lazy), BSON values, fields (a C __gc) */
    {"getmetatable(io.stdout).__gc = mark; io.open(LOOKUP):close(); io.open(LOOKUP)", NULL},
    {"rawset(getmetatable(io.stderr), '__gc', mark); io.open(LOOKUP)", NULL},
    {"local mt = getmetatable(io.stdout); mt.__metatable = nil; mt.__gc = mark\n"
     "assert(getmetatable(io.stdout) == mt); io.open(LOOKUP)", NULL},
    {"local a = require('asrun'); a.array_mt.__gc = mark; a.array({}); a.array()", NULL},
    {"local a = require('asrun'); rawset(a.core.array_mt, '__gc', mark); a.array()", NULL},
    {"local a = require('asrun'); getmetatable(a.array()).__gc = mark; a.array({1})", NULL},
    {"local a = require('asrun')\n"
     "for _, v in ipairs({a.objectid(), a.int64(1), a.date(0), a.null, a.decimal128('1'),\n"
     "    a.binary('x'), a.regex('x'), a.timestamp(1, 1), a.minkey}) do\n"
     "  getmetatable(v).__gc = mark end\n"
     "a.objectid(); a.int64(2); a.date(1); a.decimal128('2'); a.binary('y')", NULL},
    {"local a = require('asrun'); local s = a.bson.encode({x = 1, y = a.array({1}), z = {w = 1}})\n"
     "for _, mode in ipairs({'eager', 'lazy'}) do\n"
     "  local d = a.bson.decode(s, mode)\n"
     "  getmetatable(d).__gc = mark; getmetatable(d.y).__gc = mark; getmetatable(d.z).__gc = mark\n"
     "end\n"
     "a.bson.decode(s); a.bson.decode(s, 'lazy')", NULL},
    {"local a = require('asrun'); getmetatable(a.fields{drop = {'x'}}).__gc = mark\n"
     "a.fields{drop = {'y'}}", NULL},
    {"coroutine.wrap(function() getmetatable(io.stdout).__gc = mark; io.open(LOOKUP) end)()",
     NULL},
    /* a stand-in given back: setmetatable takes it for the metatable, __gc and all */
    {"setmetatable({}, getmetatable(io.stdout))", NO_GC},
    {"local mt = getmetatable(io.stdout); setmetatable(mt, nil); setmetatable({}, mt)", NO_GC},
    /* metatables set from Lua, and the string metatable */
    {"setmetatable({}, {__gc = mark})", NO_GC},
    {"setmetatable({}, setmetatable({}, {__index = {__gc = mark}}))", NO_GC},
    {"getmetatable('').__gc = mark; setmetatable({}, getmetatable(''))", NO_GC},
    {"local mt = {}; setmetatable({}, mt); mt.__gc = mark", NULL},
    {"local t = setmetatable({}, getmetatable('')); getmetatable('').__gc = mark", NULL},
};

static void test_no_lua_function_becomes_a_finalizer(void **state) {
  (void)state;
  int failures = 0;
  for (size_t i = 0; i < sizeof GC_CORPUS / sizeof GC_CORPUS[0]; i++) {
    for (int as_file = 0; as_file <= 1; as_file++) {
      asr_err_t err;
      finalizers_run = 0;
      char src[2048];
      snprintf(src, sizeof src, "%s\ncollectgarbage(); collectgarbage()", GC_CORPUS[i].src);
      int rc = run(src, as_file, 0, &err); /* closes the state: every finalizer runs */
      const char *want = GC_CORPUS[i].expect;
      if (want ? rc == 0 || !strstr(err.msg, want) : rc != 0) {
        print_error("gc attempt %zu (%s) as %s: rc %d, message: %s\nwanted: %s\n", i,
                    GC_CORPUS[i].src, as_file ? "file" : "chunk", rc, rc ? err.msg : "(none)",
                    want ? want : "no error");
        failures++;
      }
      if (finalizers_run) {
        print_error("gc attempt %zu (%s) as %s: mark ran %d times as a finalizer\n", i,
                    GC_CORPUS[i].src, as_file ? "file" : "chunk", finalizers_run);
        failures++;
      }
    }
  }
  assert_int_equal(failures, 0);
}

/* collectgarbage("stop") does not lift the memory cap: a Lua memory error, not the OS's. */
static void test_collectgarbage_stop_meets_the_memory_cap(void **state) {
  (void)state;
  asr_err_t err;
  int rc = run("collectgarbage('stop'); local t = {} for i = 1, 1e8 do t[i] = {} end", 1,
               16u << 20, &err);
  assert_int_equal(rc, ASR_ENOMEM);
  assert_string_equal(err.msg, "Lua memory limit reached");
}

/* A user file that is bytecode is refused by the host's own loader too. */
static void test_dofile_refuses_a_binary_user_file(void **state) {
  (void)state;
  asr_err_t err;
  asr_err_clear(&err);
  lua_State *L = new_state(0);
  assert_int_equal(asr_vm_dofile(L, EVIL, &err), ASR_EINVAL);
  assert_string_equal(err.msg, EVIL ": " NO_BINARY);
  assert_int_equal(lua_gettop(L), 0);
  asr_vm_close(L);
  assert_false(exists(MARKER));
}

static const char *const ALLOWED[] = {
    "local f = assert(io.open(LOOKUP, 'r')); local s = f:read('a'); f:close()\n"
    "assert(s == 'lookup\\n')",
    "assert(io.open(LOOKUP)):close(); assert(io.open(LOOKUP, 'rb')):close()",
    "local n = 0; for l in io.lines(LOOKUP) do n = n + 1 end; assert(n == 1)",
    "io.input(LOOKUP); assert(io.read('l') == 'lookup'); io.input():close()",
    "local f, msg = io.open(DIR .. '/nope.txt'); assert(f == nil and msg:find('No such file'))",
    "assert(math.type(os.time()) == 'integer' and type(os.clock()) == 'number')",
    "assert(#os.date('%Y-%m-%d') == 10 and os.difftime(3, 1) == 2)",
    "assert(os.getenv('ASR_SANDBOX_TEST') == 'visible')",
    "assert(io.write('') == io.stdout and io.stderr:write('') == io.stderr and io.output() == io.stdout)",
    "assert(io.output(io.stderr) == io.stderr); io.output(io.stdout)",
    "assert(type(require('asrun').version()) == 'string')",
    "assert(type(require('asrun.stats')) == 'table')",
    "assert(type(require('asrun.gen')) == 'table')",
    "assert(type(require('asrun.policies').get('usl').decide) == 'function')",
    "assert(require('asrun.core') == require('asrun').core)",
    "assert(load('return 1 + 1')() == 2)",
    "assert(load('return x', 'chunk', 't', {x = 5})() == 5)",
    "local f, msg = load('return +'); assert(f == nil and msg:find('unexpected symbol'))",
    "assert(select('#', load('return 1')) == 1)",
    "assert(dofile(TEXTMOD).x == 1 and assert(loadfile(TEXTMOD))().x == 1)",
    "assert(assert(loadfile(DIR .. '/envmod.lua', 'bt', {y = 3}))() == 3)",
    "local f, msg = loadfile(DIR .. '/nope.lua'); assert(f == nil and msg:find('cannot open'))",
    "package.path = DIR .. '/?.lua;' .. package.path; assert(require('textmod').x == 1)",
    "assert(('abc'):upper() == 'ABC' and string.format('%5.1f', 1.25) == '  1.2')",
    "assert(type(string.pack) == 'function' and utf8.char(233) == '\\u{e9}')",
    "assert(coroutine.wrap(function() coroutine.yield(7) end)() == 7)",
    "assert(not pcall(error, 'x') and collectgarbage('count') > 0)",
    "assert(_G.print == print and _ENV == _G)",
    /* metatables: stand-ins stand for theirs; those set from Lua come back as they are */
    "local a = require('asrun'); assert(getmetatable(a.array()) == a.array_mt)\n"
    "assert(a.is_array(setmetatable({}, a.array_mt)) and a.array_mt == a.core.array_mt)",
    "local a = require('asrun'); local s = a.bson.encode({x = 1})\n"
    "assert(getmetatable(a.bson.decode(s)) == getmetatable(a.bson.decode(s)))\n"
    "local d = setmetatable(a.bson.decode(s), getmetatable(a.bson.decode(s))); assert(d.x == 1)",
    "assert(getmetatable(io.stdout) == getmetatable(io.stderr) and io.type(io.stdout) == 'file')",
    "local mt = {}; assert(getmetatable(setmetatable({}, mt)) == mt)",
    "assert(getmetatable(setmetatable({}, {__metatable = 'mine'})) == 'mine')",
    "assert(not pcall(setmetatable, setmetatable({}, {__metatable = 1}), {}))",
    "assert(getmetatable('').__index == string and getmetatable(print) == nil)",
    "local a = require('asrun'); local t = setmetatable(a.array(), {__index = {n = 1}}); assert(t.n == 1)",
};

static void test_what_user_code_keeps(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof ALLOWED / sizeof ALLOWED[0]; i++) {
    for (int as_file = 0; as_file <= 1; as_file++) {
      asr_err_t err;
      if (run(ALLOWED[i], as_file, 0, &err)) {
        print_error("allowed %zu (%s) as %s failed: %s\n", i, ALLOWED[i],
                    as_file ? "file" : "chunk", err.msg);
        fail();
      }
    }
  }
}

/* Each user file has globals of its own; the libraries are the state's. */
static void test_each_file_has_its_own_globals(void **state) {
  (void)state;
  asr_err_t err;
  asr_err_clear(&err);
  lua_State *L = new_state(0);
  assert_int_equal(asr_vm_dofile(L, write_text(DIR "/a.lua", "leak = 1; return _G"), &err), 0);
  assert_int_equal(
      asr_vm_dofile(L, write_text(DIR "/b.lua", "return { leak = leak, os = os, g = _G }"), &err),
      0);
  assert_int_equal(lua_getfield(L, -1, "leak"), LUA_TNIL);
  lua_pop(L, 1);
  lua_getfield(L, -1, "g");
  assert_false(lua_rawequal(L, -1, -3)); /* b's _G is not a's */
  lua_pop(L, 1);
  lua_getfield(L, -1, "os");
  lua_getglobal(L, "os");
  assert_true(lua_rawequal(L, -1, -2)); /* the one stripped os */
  asr_vm_close(L);
}

/* A state that replaces the string metatable's __index changes its own strings only. */
static void test_string_metatable_stays_in_its_state(void **state) {
  (void)state;
  asr_err_t err;
  asr_err_clear(&err);
  lua_State *a = new_state(0), *b = new_state(0);
  const char *tamper = "getmetatable('').__index = function() return function() return 'pwned' end end\n"
                       "return ('abc'):upper()";
  assert_int_equal(luaL_loadstring(a, tamper), LUA_OK);
  assert_int_equal(asr_vm_pcall(a, 0, 1, &err), 0);
  assert_string_equal(lua_tostring(a, -1), "pwned");
  assert_int_equal(luaL_loadstring(b, "return ('abc'):upper()"), LUA_OK);
  assert_int_equal(asr_vm_pcall(b, 0, 1, &err), 0);
  assert_string_equal(lua_tostring(b, -1), "ABC");
  asr_vm_close(a);
  asr_vm_close(b);
}

/* ---- nothing reachable holds an original ---- */

typedef struct forbidden {
  lua_CFunction fn[64];
  const char *name[64];
  int n;
  int report; /* print what is found */
} forbidden_t;

static void add_forbidden(lua_State *L, forbidden_t *fb, const char *lib, const char *field) {
  lua_getglobal(L, lib);
  lua_getfield(L, -1, field);
  assert_true(lua_iscfunction(L, -1));
  assert_true(fb->n < 64);
  fb->name[fb->n] = field;
  fb->fn[fb->n++] = lua_tocfunction(L, -1);
  lua_pop(L, 2);
}

/* The C functions of a stock state that the sandbox removes or wraps. */
static void stock_forbidden(lua_State *raw, forbidden_t *fb) {
  static const char *const list[][2] = {
      {"os", "execute"},  {"os", "exit"},      {"os", "remove"},      {"os", "rename"},
      {"os", "tmpname"},  {"os", "setlocale"}, {"io", "popen"},       {"io", "tmpfile"},
      {"io", "open"},     {"io", "output"},    {"package", "loadlib"}, {"string", "dump"},
      {"_G", "load"},     {"_G", "loadfile"},  {"_G", "dofile"}};
  for (size_t i = 0; i < sizeof list / sizeof list[0]; i++)
    add_forbidden(raw, fb, list[i][0], list[i][1]);
  lua_getglobal(raw, "debug");
  lua_pushnil(raw);
  while (lua_next(raw, -2)) {
    lua_pop(raw, 1);
    add_forbidden(raw, fb, "debug", lua_tostring(raw, -1));
  }
  lua_pop(raw, 1);
  lua_getglobal(raw, "package");
  lua_getfield(raw, -1, "searchers");
  for (int i = 2; i <= 4; i++) { /* Lua (binary too), C, Croot */
    lua_rawgeti(raw, -1, i);
    fb->name[fb->n] = "package.searchers[2..4]";
    fb->fn[fb->n++] = lua_tocfunction(raw, -1);
    lua_pop(raw, 1);
  }
  lua_pop(raw, 2);
}

/* [-0,+0,m] Walks the value at idx: table keys and values and metatables, once each (seen
 * is a table at an absolute index); counts C functions that are in fb. Upvalues are not
 * walked: Lua code cannot reach them without the debug library. */
static int walk(lua_State *L, int idx, int seen, const forbidden_t *fb) {
  idx = lua_absindex(L, idx);
  int t = lua_type(L, idx), found = 0;
  if (t == LUA_TFUNCTION) {
    lua_CFunction f = lua_tocfunction(L, idx);
    for (int i = 0; f && i < fb->n; i++)
      if (fb->fn[i] == f && ++found && fb->report) print_error("reachable: %s\n", fb->name[i]);
    return found;
  }
  if (t != LUA_TTABLE && t != LUA_TUSERDATA) return 0;
  lua_pushvalue(L, idx);
  if (lua_rawget(L, seen) != LUA_TNIL) {
    lua_pop(L, 1);
    return 0;
  }
  lua_pop(L, 1);
  lua_pushvalue(L, idx);
  lua_pushboolean(L, 1);
  lua_rawset(L, seen);
  if (lua_getmetatable(L, idx)) {
    found += walk(L, -1, seen, fb);
    lua_pop(L, 1);
  }
  if (t == LUA_TTABLE) {
    lua_pushnil(L);
    while (lua_next(L, idx)) {
      found += walk(L, -2, seen, fb) + walk(L, -1, seen, fb);
      lua_pop(L, 1);
    }
  }
  return found;
}

/* [-0,+0,m] Walks the registry (globals, package.loaded, preload, metatables) and the
 * string metatable. */
static int walk_state(lua_State *L, const forbidden_t *fb) {
  lua_newtable(L);
  int seen = lua_gettop(L);
  int found = walk(L, LUA_REGISTRYINDEX, seen, fb);
  lua_pushliteral(L, "");
  found += walk(L, -1, seen, fb); /* its metatable */
  lua_settop(L, seen - 1);
  return found;
}

static void test_no_original_is_reachable(void **state) {
  (void)state;
  lua_State *raw = luaL_newstate();
  luaL_openlibs(raw);
  forbidden_t fb = {.n = 0};
  stock_forbidden(raw, &fb);
  assert_true(walk_state(raw, &fb) >= fb.n); /* the walk finds them where they are */
  lua_close(raw);
  fb.report = 1;
  lua_State *L = new_state(0);
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(luaL_loadstring(L, "require('asrun'); require('asrun.gen')"), LUA_OK);
  assert_int_equal(asr_vm_pcall(L, 0, 0, &err), 0);
  assert_int_equal(walk_state(L, &fb), 0);
  asr_vm_close(L);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_escape_corpus_fails_with_its_message),
      cmocka_unit_test(test_no_lua_function_becomes_a_finalizer),
      cmocka_unit_test(test_collectgarbage_stop_meets_the_memory_cap),
      cmocka_unit_test(test_dofile_refuses_a_binary_user_file),
      cmocka_unit_test(test_what_user_code_keeps),
      cmocka_unit_test(test_each_file_has_its_own_globals),
      cmocka_unit_test(test_string_metatable_stays_in_its_state),
      cmocka_unit_test(test_no_original_is_reachable),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
