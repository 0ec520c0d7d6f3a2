/* asrun.fields (see fields.h): the spec table checked and compiled into a pipeline/fields.h
 * spec held by a userdata. Names are taken in sorted order, so the fields a spec appends come
 * in the same order in every Lua state (a table's own order depends on its state). */
#include "lua/fields.h"

#include <lauxlib.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lua/lconv.h"
#include "lua/transform.h"

#define FIELDS_MT "asrun.fields"

typedef struct fields_ud {
  asr_fields_t *f;
  asr_fields_scratch_t *scratch; /* for calls from Lua */
} fields_ud_t;

static const char *const spec_keys[] = {"rename", "drop", "set", "copy", "convert", "after",
                                        NULL};

/* Raises the message with the position of the Lua code that called asrun.fields. */
static int raise(lua_State *L, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  luaL_where(L, 1); /* the Lua code calling asrun.fields */
  lua_pushvfstring(L, fmt, ap);
  va_end(ap);
  lua_concat(L, 2);
  return lua_error(L);
}

static int raise_err(lua_State *L, const asr_err_t *err) {
  luaL_where(L, 1); /* the Lua code calling asrun.fields */
  lua_pushstring(L, err->msg);
  lua_concat(L, 2);
  return lua_error(L);
}

static int fields_gc(lua_State *L) {
  fields_ud_t *u = luaL_checkudata(L, 1, FIELDS_MT);
  asr_fields_scratch_free(u->scratch);
  asr_fields_free(u->f);
  u->f = NULL;
  u->scratch = NULL;
  return 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* [-0,+1,m] The string keys of the map at idx, sorted, as a sequence; raises for another key
 * or a value of another type than `want` (-1: any). */
static void sorted_keys(lua_State *L, int idx, const char *what, int want) {
  idx = lua_absindex(L, idx);
  lua_newtable(L);
  int n = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    if (lua_type(L, -2) != LUA_TSTRING)
      raise(L, "asrun.fields: %s takes field names as keys, got a %s key", what,
            luaL_typename(L, -2));
    if (want >= 0 && lua_type(L, -1) != want)
      raise(L, "asrun.fields: %s.%s must be a string, got %s", what, lua_tostring(L, -2),
            luaL_typename(L, -1));
    lua_pop(L, 1);
    lua_pushvalue(L, -1);
    lua_rawseti(L, -3, ++n);
  }
  const char **names = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *names, 0);
  for (int i = 0; i < n; i++) {
    lua_rawgeti(L, -2, i + 1);
    names[i] = lua_tostring(L, -1); /* kept alive by the list */
    lua_pop(L, 1);
  }
  qsort(names, (size_t)n, sizeof *names, cmp_str);
  for (int i = 0; i < n; i++) {
    lua_pushstring(L, names[i]);
    lua_rawseti(L, -3, i + 1); /* the list still holds every name: safe to overwrite */
  }
  lua_pop(L, 1);
}

/* The map spec[key] at the top, sorted keys below it; 0 when absent. */
static int open_map(lua_State *L, int spec, const char *key, int want) {
  int t = lua_getfield(L, spec, key);
  if (t == LUA_TNIL) {
    lua_pop(L, 1);
    return 0;
  }
  if (t != LUA_TTABLE)
    raise(L, "asrun.fields: %s must be a table of field names, got %s", key, luaL_typename(L, -1));
  sorted_keys(L, -1, key, want);
  lua_insert(L, -2); /* keys, map */
  return 1;
}

static void check(lua_State *L, int rc, const asr_err_t *err) {
  if (rc) raise_err(L, err);
}

static void add_pairs(lua_State *L, int spec, asr_fields_t *f, const char *key,
                      int (*add)(asr_fields_t *, const char *, const char *, asr_err_t *)) {
  if (!open_map(L, spec, key, LUA_TSTRING)) return;
  asr_err_t err;
  asr_err_clear(&err);
  for (lua_Integer i = 1; lua_rawgeti(L, -2, i) != LUA_TNIL; i++) {
    lua_pushvalue(L, -1);
    lua_rawget(L, -3);
    check(L, add(f, lua_tostring(L, -2), lua_tostring(L, -1), &err), &err);
    lua_pop(L, 2);
  }
  lua_pop(L, 3);
}

static void add_drops(lua_State *L, int spec, asr_fields_t *f) {
  int t = lua_getfield(L, spec, "drop");
  asr_err_t err;
  asr_err_clear(&err);
  if (t == LUA_TSTRING) {
    check(L, asr_fields_drop(f, lua_tostring(L, -1), &err), &err);
  } else if (t == LUA_TTABLE) {
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1), seen = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      seen++;
      lua_pop(L, 1);
    }
    if (seen != n) raise(L, "asrun.fields: drop must be a list of field names");
    for (lua_Integer i = 1; i <= n; i++) {
      if (lua_rawgeti(L, -1, i) != LUA_TSTRING)
        raise(L, "asrun.fields: drop[%d] must be a field name, got %s", (int)i,
              luaL_typename(L, -1));
      check(L, asr_fields_drop(f, lua_tostring(L, -1), &err), &err);
      lua_pop(L, 1);
    }
  } else if (t != LUA_TNIL) {
    raise(L, "asrun.fields: drop must be a list of field names, got %s", luaL_typename(L, -1));
  }
  lua_pop(L, 1);
}

static void add_sets(lua_State *L, int spec, asr_fields_t *f) {
  if (!open_map(L, spec, "set", -1)) return;
  asr_err_t err;
  asr_err_clear(&err);
  bson_t one;
  bson_init(&one);
  for (lua_Integer i = 1; lua_rawgeti(L, -2, i) != LUA_TNIL; i++) {
    const char *path = lua_tostring(L, -1);
    lua_pushvalue(L, -1);
    lua_rawget(L, -3);
    bson_reinit(&one);
    uint32_t plen = (uint32_t)strlen(path), at = 4 + 1 + plen + 1;
    int rc = asr_lconv_append_value(L, -1, &one, path, (int)plen, &err);
    if (rc == 0 && one.len > at + 1) { /* {int32 len, type, path, NUL, value..., NUL} */
      const uint8_t *d = bson_get_data(&one);
      rc = asr_fields_set(f, path, d[4], d + at, one.len - at - 1, &err);
    } else if (rc == 0) {
      rc = asr_err_set(&err, ASR_EINVAL, "asrun.fields: set %s: nil is no value (drop removes "
                       "a field)", path);
    } else {
      asr_err_prefix(&err, "asrun.fields: set");
    }
    if (rc) {
      bson_destroy(&one);
      raise_err(L, &err);
    }
    lua_pop(L, 2);
  }
  bson_destroy(&one);
  lua_pop(L, 2);
}

static void add_converts(lua_State *L, int spec, asr_fields_t *f) {
  if (!open_map(L, spec, "convert", LUA_TSTRING)) return;
  asr_err_t err;
  asr_err_clear(&err);
  for (lua_Integer i = 1; lua_rawgeti(L, -2, i) != LUA_TNIL; i++) {
    lua_pushvalue(L, -1);
    lua_rawget(L, -3);
    asr_field_type_t to;
    if (asr_field_type_parse(lua_tostring(L, -1), &to) != 0)
      raise(L, "asrun.fields: convert.%s: unknown type '%s' (known: " ASR_FIELD_TYPE_NAMES ")",
            lua_tostring(L, -2), lua_tostring(L, -1));
    check(L, asr_fields_convert(f, lua_tostring(L, -2), to, &err), &err);
    lua_pop(L, 2);
  }
  lua_pop(L, 2);
}

/* asrun.fields(spec) -> the asrun.fields value; raises naming what is wrong. */
static int l_fields(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    lua_pop(L, 1);
    int ok = 0;
    for (int i = 0; spec_keys[i] && !ok; i++)
      ok = lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), spec_keys[i]) == 0;
    if (!ok)
      raise(L, "asrun.fields: unknown key '%s' (known: rename, drop, set, copy, convert, "
            "after)", lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : luaL_typename(L, -1));
  }
  int t = lua_getfield(L, 1, "after");
  if (t != LUA_TNIL && t != LUA_TFUNCTION)
    raise(L, "asrun.fields: after must be a function, got %s", luaL_typename(L, -1));
  fields_ud_t *u = lua_newuserdatauv(L, sizeof *u, 1);
  u->f = NULL;
  u->scratch = NULL;
  luaL_setmetatable(L, FIELDS_MT);
  lua_insert(L, -2);
  lua_setiuservalue(L, -2, 1); /* after */
  int ud = lua_gettop(L);
  if (!(u->f = asr_fields_new())) return luaL_error(L, "out of memory");
  add_drops(L, 1, u->f);
  add_pairs(L, 1, u->f, "rename", asr_fields_rename);
  add_pairs(L, 1, u->f, "copy", asr_fields_copy);
  add_sets(L, 1, u->f);
  add_converts(L, 1, u->f);
  asr_err_t err;
  asr_err_clear(&err);
  check(L, asr_fields_finish(u->f, &err), &err);
  if (!(u->scratch = asr_fields_scratch_new(u->f))) return luaL_error(L, "out of memory");
  lua_settop(L, ud);
  return 1;
}

/* self(doc) -> the document with the operations applied (then after(doc)'s results). */
static int fields_call(lua_State *L) {
  fields_ud_t *u = luaL_checkudata(L, 1, FIELDS_MT);
  luaL_checktype(L, 2, LUA_TTABLE);
  asr_err_t err;
  asr_err_clear(&err);
  bson_t in;
  bson_init(&in);
  asr_buf_t out;
  asr_buf_init(&out);
  int rc = asr_lconv_to_bson(L, 2, &in, &err);
  if (rc == 0) rc = asr_fields_apply(u->f, u->scratch, bson_get_data(&in), in.len, &out, &err);
  bson_destroy(&in);
  if (rc == 0) rc = asr_lconv_push_lazy_doc(L, out.data, (uint32_t)out.len, &err);
  asr_buf_free(&out);
  if (rc) return luaL_error(L, "%s", err.msg);
  if (lua_getiuservalue(L, 1, 1) == LUA_TNIL) {
    lua_pop(L, 1);
    return 1;
  }
  lua_insert(L, -2);
  int base = lua_gettop(L) - 2;
  lua_call(L, 1, LUA_MULTRET);
  return lua_gettop(L) - base;
}

static int fields_tostring(lua_State *L) {
  fields_ud_t *u = luaL_checkudata(L, 1, FIELDS_MT);
  lua_getiuservalue(L, 1, 1);
  lua_pushfstring(L, "asrun.fields(%d operations%s)", (int)asr_fields_count(u->f),
                  lua_isnil(L, -1) ? "" : ", then after");
  return 1;
}

void asr_lua_fields_push_constructor(lua_State *L) {
  if (luaL_newmetatable(L, FIELDS_MT)) {
    lua_pushcfunction(L, fields_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, fields_call);
    lua_setfield(L, -2, "__call");
    lua_pushcfunction(L, fields_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, FIELDS_MT);
    lua_setfield(L, -2, "__name");
  }
  lua_pop(L, 1);
  lua_pushcfunction(L, l_fields);
}

const asr_fields_t *asr_lua_fields_get(lua_State *L, int idx) {
  fields_ud_t *u = luaL_testudata(L, idx, FIELDS_MT);
  return u ? u->f : NULL;
}

void asr_lua_fields_push_after(lua_State *L, int idx) {
  if (!luaL_testudata(L, idx, FIELDS_MT)) {
    lua_pushnil(L);
    return;
  }
  lua_getiuservalue(L, idx, 1);
}

int asr_strategy_transform_init(asr_strategy_transform_t *x, const asr_strategy_t *s,
                                asr_dead_letter_t *dl) {
  memset(x, 0, sizeof *x);
  x->lua = asr_lua_transform_factory;
  x->lua.ud = dl;
  if (!s || !s->has_transform) return 0;
  if (!s->fields) {
    x->factory = x->lua;
    return 1;
  }
  x->stage = (asr_fields_stage_t){s->fields, dl, s->has_lua_transform ? &x->lua : NULL};
  asr_fields_transform_factory(&x->factory, &x->stage);
  return 1;
}
