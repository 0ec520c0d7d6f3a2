/* Lua templates to template JSON text (the mapping is in ltemplate.h). Runs once per template
 * at load time (and once per worker to find the same functions again), never per document.
 * The output and key buffers live in a userdata with __gc while the walk runs, so a Lua
 * memory error raised in the middle of it cannot leak them. */
#include "lua/ltemplate.h"

#include <lauxlib.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua/lbson_types.h"
#include "lua/lconv.h"
#include "core/buf.h"

#define MAX_DEPTH 100 /* deeper is a table that contains itself */

typedef struct box {
  asr_buf_t out;  /* the JSON text */
  asr_buf_t keys; /* asr_lconv_key_t runs being sorted, one run per open object */
} box_t;

typedef struct walk {
  lua_State *L;
  box_t *box;
  int fns;
  int numbers; /* fns the other way round: function -> its number */
  const char *origin;
  asr_err_t *err;
  size_t pathlen;
  char path[256];
} walk_t;

static int write_value(walk_t *w, int idx, int depth);

static int box_gc(lua_State *L) {
  box_t *b = lua_touserdata(L, 1);
  asr_buf_free(&b->out);
  asr_buf_free(&b->keys);
  return 0;
}

/* [-0,+1,m] */
static box_t *push_box(lua_State *L) {
  box_t *b = lua_newuserdatauv(L, sizeof *b, 0);
  asr_buf_init(&b->out);
  asr_buf_init(&b->keys);
  if (luaL_newmetatable(L, "asrun.ltemplate_box")) {
    lua_pushcfunction(L, box_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  return b;
}

/* ---- paths and errors --------------------------------------------------------------- */

static size_t path_push_key(walk_t *w, const char *key, size_t len) {
  size_t old = w->pathlen, cap = sizeof w->path;
  int n = snprintf(w->path + old, cap - old, "%s%.*s", old ? "." : "", (int)(len > 80 ? 80 : len),
                   key);
  w->pathlen = n < 0 || (size_t)n >= cap - old ? cap - 1 : old + (size_t)n;
  return old;
}

static size_t path_push_index(walk_t *w, lua_Integer i) {
  size_t old = w->pathlen, cap = sizeof w->path;
  int n = snprintf(w->path + old, cap - old, "[%lld]", (long long)i);
  w->pathlen = n < 0 || (size_t)n >= cap - old ? cap - 1 : old + (size_t)n;
  return old;
}

static void path_pop(walk_t *w, size_t old) {
  w->pathlen = old;
  w->path[old] = '\0';
}

static int fail(walk_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(walk_t *w, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return asr_err_set(w->err, ASR_EINVAL, "%s: %s: %s", w->origin,
                     w->pathlen ? w->path : "(root)", msg);
}

static int nomem(walk_t *w) {
  return asr_err_set(w->err, ASR_ENOMEM, "%s: out of memory converting the template", w->origin);
}

/* ---- output ------------------------------------------------------------------------- */

static int put(walk_t *w, const char *s, size_t n) {
  return asr_buf_append(&w->box->out, s, n) ? nomem(w) : 0;
}

static int put_string(walk_t *w, const char *s, size_t n) {
  if (memchr(s, 0, n)) return fail(w, "a string contains a NUL byte");
  if (asr_buf_reserve(&w->box->out, n * 6 + 2)) return nomem(w); /* worst case: all \u00XX */
  asr_buf_t *o = &w->box->out;
  asr_buf_putc(o, '"');
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      asr_buf_putc(o, '\\');
      asr_buf_putc(o, (char)c);
    } else if (c == '\n' || c == '\t' || c == '\r') {
      asr_buf_putc(o, '\\');
      asr_buf_putc(o, c == '\n' ? 'n' : c == '\t' ? 't' : 'r');
    } else if (c < 0x20) {
      char esc[8];
      snprintf(esc, sizeof esc, "\\u%04x", c);
      asr_buf_put(o, esc, 6);
    } else {
      asr_buf_putc(o, (char)c);
    }
  }
  asr_buf_putc(o, '"');
  return 0;
}

static int put_integer(walk_t *w, long long v) {
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%lld", v);
  return put(w, buf, (size_t)n);
}

static int put_float(walk_t *w, double d) {
  if (!isfinite(d)) return fail(w, "%g cannot be written as JSON", d);
  char buf[40];
  int n = snprintf(buf, sizeof buf, "%.17g", d);
  if (!strpbrk(buf, ".eE")) n += snprintf(buf + n, sizeof buf - (size_t)n, ".0");
  return put(w, buf, (size_t)n);
}

/* ---- functions ---------------------------------------------------------------------- */

/* [-0,+1,m] Pushes the inverse of fns, {function = number}, the first number of a function
 * listed twice: a look-up per function instead of a scan of fns (a template can hold
 * thousands). */
static void push_numbers(lua_State *L, int fns) {
  lua_Integer n = (lua_Integer)lua_rawlen(L, fns);
  lua_createtable(L, 0, (int)(n < 1024 ? n : 1024));
  for (lua_Integer i = n; i >= 1; i--) { /* backwards: the first number is set last */
    if (lua_rawgeti(L, fns, i) != LUA_TFUNCTION) {
      lua_pop(L, 1);
      continue;
    }
    lua_pushinteger(L, i);
    lua_rawset(L, -3);
  }
}

/* [-0,+0,m] The number of the function at idx in fns, added at the end when new. */
static lua_Integer fn_number(walk_t *w, int idx) {
  lua_State *L = w->L;
  lua_pushvalue(L, idx);
  if (lua_rawget(L, w->numbers) == LUA_TNUMBER) {
    lua_Integer k = lua_tointeger(L, -1);
    lua_pop(L, 1);
    return k;
  }
  lua_pop(L, 1);
  lua_Integer k = (lua_Integer)lua_rawlen(L, w->fns) + 1;
  lua_pushvalue(L, idx);
  lua_rawseti(L, w->fns, k);
  lua_pushvalue(L, idx);
  lua_pushinteger(L, k);
  lua_rawset(L, w->numbers);
  return k;
}

long asr_ltemplate_fn_number(const char *name) {
  size_t plen = sizeof ASR_LTEMPLATE_FN_PREFIX - 1;
  if (strncmp(name, ASR_LTEMPLATE_FN_PREFIX, plen) != 0) return 0;
  const char *d = name + plen;
  if (*d < '1' || *d > '9' || strlen(d) > 9 || strspn(d, "0123456789") != strlen(d)) return 0;
  return strtol(d, NULL, 10);
}

/* ---- values ------------------------------------------------------------------------- */

static int write_userdata(walk_t *w, int idx) {
  const asr_lbson_value_t *v = asr_lbson_test(w->L, idx);
  if (v && v->type == BSON_TYPE_NULL) return put(w, "null", 4);
  if (v && v->type == BSON_TYPE_INT64 && v->len == 8) {
    int64_t i;
    memcpy(&i, v->bytes, 8); /* little-endian hosts only, as everywhere in asrun */
    return put_integer(w, (long long)i);
  }
  int t = luaL_getmetafield(w->L, idx, "__name"), named = t == LUA_TSTRING;
  int rc = fail(w, "cannot use a %s value in a template (use a gen.* operator)",
                named ? lua_tostring(w->L, -1) : "userdata");
  if (t != LUA_TNIL) lua_pop(w->L, 1);
  return rc;
}

/* gen.<op>: "$op" without options, {"$op": opts} with. */
static int write_op(walk_t *w, int idx, int depth) {
  lua_State *L = w->L;
  size_t len;
  if (lua_getfield(L, idx, "op") != LUA_TSTRING) {
    lua_pop(L, 1);
    return fail(w, "a gen operator without a name");
  }
  const char *name = lua_tolstring(L, -1, &len);
  char label[96];
  int ln = snprintf(label, sizeof label, "$%.*s", (int)(len > 80 ? 80 : len), name);
  int rc = 0;
  if (lua_getfield(L, idx, "opts") == LUA_TNIL) {
    rc = put_string(w, label, (size_t)ln);
  } else {
    size_t old = path_push_key(w, label, (size_t)ln);
    rc = put(w, "{", 1);
    if (!rc) rc = put_string(w, label, (size_t)ln);
    if (!rc) rc = put(w, ":", 1);
    if (!rc) rc = write_value(w, lua_gettop(L), depth);
    if (!rc) rc = put(w, "}", 1);
    path_pop(w, old);
  }
  lua_pop(L, 2);
  return rc;
}

/* gen.fields: a list of {key, value} pairs, written in that order. */
static int write_fields(walk_t *w, int idx, int depth) {
  lua_State *L = w->L;
  lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
  int rc = put(w, "{", 1);
  for (lua_Integer i = 1; i <= n && !rc; i++) {
    int top = lua_gettop(L);
    size_t old = path_push_index(w, i);
    size_t klen;
    if (lua_rawgeti(L, idx, i) != LUA_TTABLE) {
      rc = fail(w, "gen.fields expects {key, value} pairs, got a %s", luaL_typename(L, -1));
    } else if (lua_rawgeti(L, -1, 1) != LUA_TSTRING) {
      rc = fail(w, "gen.fields pair without a string key");
    } else if (lua_rawgeti(L, -2, 2) == LUA_TNIL) {
      rc = fail(w, "gen.fields pair \"%s\" has no value", lua_tostring(L, -2));
    } else {
      const char *k = lua_tolstring(L, -2, &klen);
      path_pop(w, old);
      path_push_key(w, k, klen);
      if (i > 1) rc = put(w, ",", 1);
      if (!rc && !(rc = put_string(w, k, klen))) rc = put(w, ":", 1);
      if (!rc) rc = write_value(w, lua_gettop(L), depth);
    }
    lua_settop(L, top);
    path_pop(w, old);
  }
  return rc ? rc : put(w, "}", 1);
}

/* Collects the string keys (into box->keys from keys0) and counts the integer ones. */
static int scan_keys(walk_t *w, int idx, lua_Integer *nint, lua_Integer *maxk, size_t *nstr) {
  lua_State *L = w->L;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING) {
      asr_lconv_key_t k;
      k.s = lua_tolstring(L, -1, &k.len);
      if (asr_buf_append(&w->box->keys, &k, sizeof k)) {
        lua_pop(L, 1);
        return nomem(w);
      }
      ++*nstr;
    } else if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1) {
      ++*nint;
      if (lua_tointeger(L, -1) > *maxk) *maxk = lua_tointeger(L, -1);
    } else {
      int rc = fail(w, "a %s key: keys must be strings (or 1..n for an array)",
                    luaL_typename(L, -1));
      lua_pop(L, 1);
      return rc;
    }
  }
  return 0;
}

static int write_array(walk_t *w, int idx, lua_Integer n, int depth) {
  int rc = put(w, "[", 1);
  for (lua_Integer i = 1; i <= n && !rc; i++) {
    size_t old = path_push_index(w, i);
    if (i > 1) rc = put(w, ",", 1);
    lua_rawgeti(w->L, idx, i);
    if (!rc && lua_isnil(w->L, -1)) rc = fail(w, "a hole in an array");
    if (!rc) rc = write_value(w, lua_gettop(w->L), depth);
    lua_pop(w->L, 1);
    path_pop(w, old);
  }
  return rc ? rc : put(w, "]", 1);
}

static int write_object(walk_t *w, int idx, size_t keys0, int depth) {
  lua_State *L = w->L;
  size_t nkeys = (w->box->keys.len - keys0) / sizeof(asr_lconv_key_t);
  asr_lconv_sort_keys((asr_lconv_key_t *)(void *)(w->box->keys.data + keys0), nkeys);
  int rc = put(w, "{", 1);
  for (size_t j = 0; j < nkeys && !rc; j++) {
    asr_lconv_key_t k; /* copied out: nested objects grow the buffer and may move it */
    memcpy(&k, w->box->keys.data + keys0 + j * sizeof k, sizeof k);
    size_t old = path_push_key(w, k.s, k.len);
    if (j > 0) rc = put(w, ",", 1);
    if (!rc && !(rc = put_string(w, k.s, k.len))) rc = put(w, ":", 1);
    lua_pushlstring(L, k.s, k.len);
    lua_rawget(L, idx);
    if (!rc) rc = write_value(w, lua_gettop(L), depth);
    lua_pop(L, 1);
    path_pop(w, old);
  }
  return rc ? rc : put(w, "}", 1);
}

static int write_table(walk_t *w, int idx, int depth) {
  lua_State *L = w->L;
  if (depth > MAX_DEPTH)
    return fail(w, "nested deeper than %d levels (a table that contains itself?)", MAX_DEPTH);
  luaL_checkstack(L, 8, "Lua template");
  if (luaL_getmetafield(L, idx, "__asrun_gen") != LUA_TNIL) {
    const char *kind = lua_tostring(L, -1);
    int rc = !kind                           ? fail(w, "a gen marker of unknown kind")
             : strcmp(kind, "op") == 0       ? write_op(w, idx, depth + 1)
             : strcmp(kind, "fields") == 0   ? write_fields(w, idx, depth + 1)
                                             : fail(w, "a gen marker of unknown kind '%s'", kind);
    lua_pop(L, 1);
    return rc;
  }
  size_t keys0 = w->box->keys.len, nstr = 0;
  lua_Integer nint = 0, maxk = 0;
  int marked = asr_lconv_is_array(L, idx);
  int rc = scan_keys(w, idx, &nint, &maxk, &nstr);
  if (!rc && nstr && (nint || marked))
    rc = fail(w, "a table mixes string keys and array positions");
  else if (!rc && nint && maxk != nint)
    rc = fail(w, "array positions are not exactly 1..%lld (a hole?)", (long long)nint);
  else if (!rc && (nint || marked))
    rc = write_array(w, idx, nint, depth + 1);
  else if (!rc)
    rc = write_object(w, idx, keys0, depth + 1);
  w->box->keys.len = keys0;
  return rc;
}

static int write_value(walk_t *w, int idx, int depth) {
  lua_State *L = w->L;
  switch (lua_type(L, idx)) {
  case LUA_TBOOLEAN: return lua_toboolean(L, idx) ? put(w, "true", 4) : put(w, "false", 5);
  case LUA_TNUMBER:
    return lua_isinteger(L, idx) ? put_integer(w, (long long)lua_tointeger(L, idx))
                                 : put_float(w, (double)lua_tonumber(L, idx));
  case LUA_TSTRING: {
    size_t n;
    const char *s = lua_tolstring(L, idx, &n);
    return put_string(w, s, n);
  }
  case LUA_TFUNCTION: {
    char name[48];
    int n = snprintf(name, sizeof name, "$" ASR_LTEMPLATE_FN_PREFIX "%lld",
                     (long long)fn_number(w, idx));
    return put_string(w, name, (size_t)n);
  }
  case LUA_TTABLE: return write_table(w, idx, depth);
  case LUA_TUSERDATA: return write_userdata(w, idx);
  default: return fail(w, "cannot use a %s in a template", luaL_typename(L, idx));
  }
}

int asr_ltemplate_json(lua_State *L, int idx, int fns, const char *origin, asr_err_t *err) {
  idx = lua_absindex(L, idx);
  fns = lua_absindex(L, fns);
  if (!origin) origin = "template";
  if (lua_type(L, idx) != LUA_TTABLE)
    return asr_err_set(err, ASR_EINVAL, "%s: a Lua template must be a table, got %s", origin,
                       luaL_typename(L, idx));
  int top = lua_gettop(L);
  box_t *box = push_box(L);
  push_numbers(L, fns);
  walk_t w = {L, box, fns, lua_gettop(L), origin, err, 0, {0}};
  int rc = write_table(&w, idx, 0);
  if (!rc && w.box->out.data[0] == '[')
    rc = asr_err_set(err, ASR_EINVAL, "%s: a Lua template must be a table of fields, not an "
                     "array", origin);
  if (!rc) {
    lua_pushlstring(L, (const char *)w.box->out.data, w.box->out.len);
    lua_replace(L, top + 1); /* the string takes the box's place */
  }
  asr_buf_free(&w.box->out); /* now rather than when the box is collected */
  asr_buf_free(&w.box->keys);
  lua_settop(L, rc ? top : top + 1);
  return rc;
}
