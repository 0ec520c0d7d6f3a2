/* Lazy documents: how transform(doc) gets its document, so that a transform pays for the
 * fields it touches, not for the whole document (lconv.h, asr_lconv_push_lazy_doc).
 *
 * A lazy document is a table T that starts with one entry, under a light userdata key no
 * Lua code can name: its state, a userdata lazy_t (the bytes, each field's offset, a touched
 * bit per field; its user value is the userdata owning the bytes: nil for a root document,
 * whose state holds a copy of them, so that a document kept past its call stays whole;
 * sub-documents point into their root's). T's metatable M is shared by the documents of one
 * shape (the metatable an eager decode gives, lconv.c "Key order", keeps it):
 *   M[1]  the shape      M[2]  the shape's map, key -> position
 *   __index, __newindex, __pairs, __name, and [kind_key] = KIND_LAZY
 * Reading an absent field decodes it (documents lazy in turn; arrays one level at a time: a
 * table whose documents are lazy); tables and typed values are stored in T, which touches
 * the field, plain values (numbers, strings, booleans, null) are decoded again on each read.
 * Assigning a field T does not hold touches it too. A touched field's value is whatever T
 * holds (nil: removed), an untouched one is still its bytes. Writing T back (asr_lconv_write_lazy) copies untouched fields as bytes,
 * whole sub-documents included, and encodes the others: "_id" first, then the original
 * fields in their order, then the added ones sorted, as for eager tables.
 *
 * pairs, next, rawget, getmetatable and setmetatable on T first decode every field and set the shape as
 * T's metatable: from then on T is exactly the eager table of lconv.c. */
#include <lauxlib.h>
#include <math.h>
#include <string.h>

#include "core/le.h"
#include "lua/lconv.h"
#include "lua/lconv_internal.h"

enum { M_SHAPE = 1, M_MAP = 2 };

static char state_key;   /* in T: its lazy_t */
static char lazy_mt_key; /* in a document shape: the M of its lazy documents */

typedef struct lazy {
  lconv_ctx_t *c;      /* the state's conversion context */
  const uint8_t *data; /* the document: after the arrays below for a root, else in the root's */
  uint32_t len;
  uint32_t n;        /* fields (keys are distinct: repeated keys are refused) */
  uint32_t ntouched; /* 0: the bytes are the document, unless T holds a raw-set field */
  int depth;
  uint32_t id;  /* 1 + the position of "_id", 0: none */
  uint32_t *off;     /* field i starts at data + off[i] (its type byte) */
  uint64_t *touched; /* bit i: field i is T's now */
} lazy_t;

static int is_touched(const lazy_t *z, uint32_t i) { return (int)((z->touched[i >> 6] >> (i & 63)) & 1); }

static void touch(lazy_t *z, uint32_t i) {
  if (is_touched(z, i)) return;
  z->touched[i >> 6] |= 1ull << (i & 63);
  z->ntouched++;
}

static int lazy_index(lua_State *L);
static int lazy_newindex(lua_State *L);
static int lazy_pairs(lua_State *L);

/* ---- building ---------------------------------------------------------------------- */

/* The size of a value of BSON type t starting at v with room bytes left in its document, or
 * -1 when it is malformed or does not fit. What libbson's iterator checks of a value's size,
 * without its per-call overhead: documents are decoded lazily many times over. */
static int64_t value_size(uint8_t t, const uint8_t *v, size_t room) {
  int64_t n;
  switch (t) {
  case BSON_TYPE_DOUBLE: case BSON_TYPE_DATE_TIME: case BSON_TYPE_TIMESTAMP: case BSON_TYPE_INT64:
    n = 8;
    break;
  case BSON_TYPE_UTF8: case BSON_TYPE_CODE: case BSON_TYPE_SYMBOL: /* length, bytes, NUL */
    if (room < 4 || asr_le32(v) < 1 || asr_le32(v) > room - 4 || v[4 + asr_le32(v) - 1]) return -1;
    n = 4 + (int64_t)asr_le32(v);
    break;
  case BSON_TYPE_DOCUMENT: case BSON_TYPE_ARRAY: case BSON_TYPE_CODEWSCOPE:
    if (room < 4 || asr_le32(v) < 5) return -1;
    n = asr_le32(v);
    break;
  case BSON_TYPE_BINARY:
    if (room < 4) return -1;
    n = 5 + (int64_t)asr_le32(v);
    break;
  case BSON_TYPE_UNDEFINED: case BSON_TYPE_NULL: case BSON_TYPE_MAXKEY: case BSON_TYPE_MINKEY:
    n = 0;
    break;
  case BSON_TYPE_OID: n = 12; break;
  case BSON_TYPE_BOOL: n = 1; break;
  case BSON_TYPE_REGEX: { /* pattern and options, two C strings */
    const uint8_t *a = memchr(v, 0, room), *b = a ? memchr(a + 1, 0, room - (size_t)(a + 1 - v)) : NULL;
    if (!b) return -1;
    n = b + 1 - v;
    break;
  }
  case BSON_TYPE_DBPOINTER:
    if (room < 4) return -1;
    n = 4 + (int64_t)asr_le32(v) + 12;
    break;
  case BSON_TYPE_INT32: n = 4; break;
  case BSON_TYPE_DECIMAL128: n = 16; break;
  default: return -1;
  }
  return (uint64_t)n <= room ? n : -1;
}

/* Walks the fields of data[0..len): the shape signature onto c->sig, offsets onto c->offs;
 * *id gets 1 + the position of "_id" (0: none). Returns the field count, or -1 (error set)
 * for malformed bytes. */
static int64_t scan_fields(decode_t *d, const uint8_t *data, uint32_t len, uint32_t *id) {
  lconv_ctx_t *c = d->c;
  if (len < 5 || asr_le32(data) != len || data[len - 1]) {
    asr_err_set(d->err, ASR_EDATA, "corrupt BSON: bad document length or terminator");
    return -1;
  }
  if (asr_buf_reserve(&c->sig, 1)) goto nomem;
  asr_buf_putc(&c->sig, 'D');
  uint32_t n = 0;
  const uint8_t *p = data + 4, *end = data + len - 1;
  while (p < end) {
    const uint8_t *key = p + 1, *nul = memchr(key, 0, (size_t)(end - key));
    int64_t size = nul ? value_size(*p, nul + 1, (size_t)(end - nul - 1)) : -1;
    if (size < 0) {
      asr_err_set(d->err, ASR_EDATA, "corrupt BSON at byte %ld", (long)(p - d->base));
      return -1;
    }
    uint32_t klen = (uint32_t)(nul - key), off = (uint32_t)(p - data);
    if (asr_buf_reserve(&c->sig, klen + 2) || asr_buf_reserve(&c->offs, 4)) goto nomem;
    asr_buf_putc(&c->sig, *p == BSON_TYPE_INT64);
    asr_buf_put(&c->sig, key, klen + 1);
    asr_buf_put(&c->offs, &off, 4);
    if (klen == 3 && memcmp(key, "_id", 3) == 0) *id = n + 1;
    n++;
    p = nul + 1 + size;
  }
  return n;
nomem:
  asr_err_set(d->err, ASR_ENOMEM, "out of memory decoding BSON");
  return -1;
}

/* [-0,+1,m] The state for n fields at offsets offs; a root (copy) gets the bytes inside. */
static lazy_t *new_state(lua_State *L, lconv_ctx_t *c, const uint8_t *data, uint32_t len, uint32_t n,
                         const void *offs, int depth, int copy) {
  size_t words = (n + 63) / 64;
  lazy_t *z = lua_newuserdatauv(L, sizeof *z + words * 8 + (size_t)n * 4 + (copy ? len : 0), 1);
  z->touched = (uint64_t *)(void *)(z + 1);
  z->off = (uint32_t *)(void *)(z->touched + words);
  memset(z->touched, 0, words * 8);
  memcpy(z->off, offs, (size_t)n * 4);
  if (copy) {
    uint8_t *mine = (uint8_t *)(z->off + n);
    memcpy(mine, data, len);
    data = mine;
  }
  *z = (lazy_t){c, data, len, n, 0, depth, 0, z->off, z->touched};
  return z;
}

/* [-0,+1,m] Pushes the lazy metatable of the shape at idx, made on first use. */
static void push_lazy_mt(lua_State *L, int shape) {
  if (lua_rawgetp(L, shape, &lazy_mt_key) == LUA_TTABLE) return;
  lua_pop(L, 1);
  lua_createtable(L, 2, 5);
  lua_pushvalue(L, shape);
  lua_rawseti(L, -2, M_SHAPE);
  lua_rawgetp(L, shape, &asr_lconv_map_key);
  lua_rawseti(L, -2, M_MAP);
  static const luaL_Reg metamethods[] = {
      {"__index", lazy_index}, {"__newindex", lazy_newindex}, {"__pairs", lazy_pairs}, {NULL, NULL}};
  luaL_setfuncs(L, metamethods, 0);
  lua_pushliteral(L, "asrun.document");
  lua_setfield(L, -2, "__name");
  lua_pushinteger(L, KIND_LAZY);
  lua_rawsetp(L, -2, &asr_lconv_kind_key);
  lua_pushvalue(L, -1);
  lua_rawsetp(L, shape, &lazy_mt_key);
}

/* [-2,+1,m] From [shape, state] on top, leaves the lazy table T. */
static void make_table(lua_State *L, int depth) {
  int shape = lua_gettop(L) - 1;
  lua_createtable(L, 0, depth ? 4 : 8); /* the state, touched and added fields */
  lua_pushvalue(L, shape + 1);
  lua_rawsetp(L, -2, &state_key);
  push_lazy_mt(L, shape);
  lua_setmetatable(L, -2);
  lua_replace(L, shape);
  lua_settop(L, shape);
}

/* [-0,+1,m] The lazy document data[0..len); owner 0: a root, whose state copies the bytes. */
static int push_lazy(decode_t *d, const uint8_t *data, uint32_t len, int depth, int owner) {
  lua_State *L = d->L;
  lconv_ctx_t *c = d->c;
  if (depth > ASR_LCONV_MAX_DEPTH)
    return asr_err_set(d->err, ASR_EDATA, "corrupt BSON: nested deeper than %d levels",
                       ASR_LCONV_MAX_DEPTH);
  luaL_checkstack(L, 8, "nested BSON");
  size_t sig0 = c->sig.len, offs0 = c->offs.len;
  uint32_t id = 0;
  int64_t n = scan_fields(d, data, len, &id);
  if (n <= 0) { /* an empty document is a plain empty table, as eager decoding gives */
    c->sig.len = sig0, c->offs.len = offs0;
    if (n == 0) lua_createtable(L, 0, 0);
    return n == 0 ? 0 : d->err->code;
  }
  asr_lconv_push_shape(L, c, c->sig.data + sig0, (uint32_t)(c->sig.len - sig0));
  if (lua_rawgeti(L, -1, 0) != LUA_TNUMBER || lua_tointeger(L, -1) != n) {
    lua_pop(L, 2);
    c->offs.len = offs0;
    return asr_lconv_repeated_key(d, c->sig.data + sig0, c->sig.data + c->sig.len, sig0);
  }
  lua_pop(L, 1);
  lazy_t *z = new_state(L, c, data, len, (uint32_t)n, c->offs.data + offs0, depth, !owner);
  z->id = id;
  c->sig.len = sig0, c->offs.len = offs0;
  if (owner) {
    lua_pushvalue(L, owner);
    lua_setiuservalue(L, -2, 1);
  }
  make_table(L, depth);
  return 0;
}

int asr_lconv_push_lazy(decode_t *d, const uint8_t *data, uint32_t len, int depth) {
  return push_lazy(d, data, len, depth, d->owner);
}

int asr_lconv_push_lazy_doc(lua_State *L, const uint8_t *data, uint32_t len, asr_err_t *err) {
  asr_err_t local;
  decode_t d = {L, asr_lconv_ctx(L), data, err ? err : &local, 0};
  asr_buf_reset(&d.c->sig); /* a memory error may have unwound through a previous call */
  asr_buf_reset(&d.c->offs);
  int top = lua_gettop(L);
  int rc = push_lazy(&d, data, len, 0, 0);
  if (rc) lua_settop(L, top);
  return rc;
}

/* ---- reading and writing fields ------------------------------------------------------ */

/* [-0,+1,-] Pushes the value of the element at el when it is a number, string or boolean
 * (its size was checked by scan_fields); returns 0 for other types, pushing nothing. */
static int push_plain(lua_State *L, const uint8_t *el) {
  const uint8_t *v = el + 2 + strlen((const char *)el + 1);
  switch (*el) {
  case BSON_TYPE_DOUBLE: {
    uint64_t bits = asr_le64(v);
    double x;
    memcpy(&x, &bits, 8);
    lua_pushnumber(L, x);
    return 1;
  }
  case BSON_TYPE_UTF8: lua_pushlstring(L, (const char *)v + 4, asr_le32(v) - 1); return 1;
  case BSON_TYPE_BOOL: lua_pushboolean(L, *v != 0); return 1;
  case BSON_TYPE_INT32: lua_pushinteger(L, (int32_t)asr_le32(v)); return 1;
  case BSON_TYPE_INT64: lua_pushinteger(L, (lua_Integer)asr_le64(v)); return 1;
  default: return 0;
  }
}

/* [-0,+1,e] Pushes field i of z, decoded; owner: the stack index of the bytes' owner. */
static void push_field(lua_State *L, const lazy_t *z, uint32_t i, int owner) {
  bson_iter_t it;
  const uint8_t *el = z->data + z->off[i];
  if (push_plain(L, el)) return;
  asr_err_t err;
  asr_err_clear(&err);
  decode_t d = {L, z->c, z->data, &err, owner};
  if (!bson_iter_init_from_data_at_offset(&it, z->data, z->len, z->off[i],
                                          (uint32_t)strlen((const char *)el + 1)) ||
      asr_lconv_push_value(&d, &it, z->depth))
    luaL_error(L, "%s", err.code ? err.msg : "corrupt BSON");
}

/* [-0,+1,-] Pushes the userdata owning the bytes of the state at idx. */
static void push_owner(lua_State *L, int idx) {
  if (lua_getiuservalue(L, idx, 1) != LUA_TNIL) return;
  lua_pop(L, 1);
  lua_pushvalue(L, idx);
}

/* Whether a value of BSON type t decodes to a plain Lua value (number, string, boolean,
 * asrun.null): equal every time it is decoded, so a read need not keep it. */
static int plain_value(uint8_t t) {
  return t == BSON_TYPE_DOUBLE || t == BSON_TYPE_UTF8 || t == BSON_TYPE_BOOL ||
         t == BSON_TYPE_INT32 || t == BSON_TYPE_INT64 || t == BSON_TYPE_NULL;
}

/* __index(T, key): an untouched original field, decoded now; else nil. A table or typed
 * value is kept in T (it is the field from now on: changes to it are changes to the field);
 * a plain value is not, so the field stays untouched, written back as its bytes, until it is
 * assigned (which comes through __newindex, since T does not hold it). */
static int lazy_index(lua_State *L) {
  if (lua_type(L, 2) != LUA_TSTRING || !lua_getmetatable(L, 1)) return 0;
  lua_rawgeti(L, 3, M_MAP);
  lua_pushvalue(L, 2);
  if (lua_rawget(L, 4) != LUA_TNUMBER) return 0;
  uint32_t i = (uint32_t)lua_tointeger(L, 5) - 1;
  lua_rawgetp(L, 1, &state_key);
  lazy_t *z = lua_touserdata(L, 6);
  if (is_touched(z, i)) return 0; /* removed */
  push_owner(L, 6);
  push_field(L, z, i, 7);
  if (plain_value(z->data[z->off[i]])) return 1;
  lua_pushvalue(L, 2);
  lua_pushvalue(L, -2);
  lua_rawset(L, 1);
  touch(z, i);
  return 1;
}

/* __newindex(T, key, value): T takes the field (an original one is touched: its bytes are
 * no longer the value). */
static int lazy_newindex(lua_State *L) {
  if (lua_type(L, 2) == LUA_TSTRING && lua_getmetatable(L, 1)) {
    lua_rawgeti(L, 4, M_MAP);
    lua_pushvalue(L, 2);
    if (lua_rawget(L, 5) == LUA_TNUMBER) {
      uint32_t i = (uint32_t)lua_tointeger(L, 6) - 1;
      lua_rawgetp(L, 1, &state_key);
      touch(lua_touserdata(L, -1), i);
    }
    lua_settop(L, 3);
  }
  lua_rawset(L, 1);
  return 0;
}

void asr_lconv_unlazy(lua_State *L, int idx) {
  if (lua_type(L, idx) != LUA_TTABLE || asr_lconv_table_kind(L, idx) != KIND_LAZY) return;
  idx = lua_absindex(L, idx);
  luaL_checkstack(L, 8, "lazy document");
  lua_getmetatable(L, idx);
  int mt = lua_gettop(L);
  lua_rawgetp(L, idx, &state_key);
  lazy_t *z = lua_touserdata(L, -1);
  lua_rawgeti(L, mt, M_SHAPE);
  push_owner(L, mt + 1);
  for (uint32_t i = 0; i < z->n; i++) {
    if (is_touched(z, i)) continue;
    touch(z, i);
    lua_rawgeti(L, mt + 2, (lua_Integer)i + 1); /* the key, as the shape holds it */
    lua_pushvalue(L, -1);
    if (lua_rawget(L, idx) != LUA_TNIL) { /* set raw (rawset): T's value stands */
      lua_pop(L, 2);
      continue;
    }
    lua_pop(L, 1);
    push_field(L, z, i, mt + 3);
    lua_rawset(L, idx);
  }
  lua_pushnil(L);
  lua_rawsetp(L, idx, &state_key);
  lua_pushvalue(L, mt + 2);
  lua_setmetatable(L, idx);
  lua_settop(L, mt - 1);
}

/* next(T [, key]) on the table, raw (the stock next; pairs' iterator). */
static int raw_next(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 2);
  if (lua_next(L, 1)) return 2;
  lua_pushnil(L);
  return 1;
}

/* __pairs(T): the whole document, as an eager table from now on. */
static int lazy_pairs(lua_State *L) {
  asr_lconv_unlazy(L, 1);
  lua_pushcfunction(L, raw_next);
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

/* ---- writing back -------------------------------------------------------------------- */

/* Appends fields [a, b) of z, untouched and so contiguous, as one block of bytes. */
static int copy_run(encode_t *e, const lazy_t *z, uint32_t a, uint32_t b, bson_t *dst,
                    const path_t *path) {
  if (a >= b) return 0;
  uint32_t from = z->off[a], to = b < z->n ? z->off[b] : z->len - 1;
  asr_buf_t *run = &e->c->scratch;
  uint32_t total = to - from + 5;
  asr_buf_reset(run);
  if (asr_buf_reserve(run, total)) return asr_lconv_nomem(e);
  const uint8_t header[4] = {(uint8_t)total, (uint8_t)(total >> 8), (uint8_t)(total >> 16),
                             (uint8_t)(total >> 24)};
  asr_buf_put(run, header, 4);
  asr_buf_put(run, z->data + from, to - from);
  asr_buf_putc(run, 0);
  bson_t view;
  if (!bson_init_static(&view, run->data, total)) return asr_lconv_fail(e, path, "corrupt BSON");
  return bson_concat(dst, &view) ? 0
                                 : asr_lconv_fail(e, path, "document exceeds the maximum BSON size");
}

/* Writes field i: its bytes when untouched, else T's value (none: removed), an integer kept
 * int64 when the field was. shape at sidx gives the key. */
static int write_field(encode_t *e, int tidx, int sidx, const lazy_t *z, uint32_t i, bson_t *dst,
                       const path_t *path, int depth) {
  if (!is_touched(z, i)) return copy_run(e, z, i, i + 1, dst, path);
  lua_State *L = e->L;
  lua_rawgeti(L, sidx, (lua_Integer)i + 1);
  size_t klen;
  const char *k = lua_tolstring(L, -1, &klen);
  lua_pushvalue(L, -1);
  int rc = 0;
  if (lua_rawget(L, tidx) != LUA_TNIL) {
    path_t fp = {path, k, klen, 0};
    int i64 = z->data[z->off[i]] == BSON_TYPE_INT64;
    rc = asr_lconv_write_value(e, lua_gettop(L), dst, k, (int)klen, i64, &fp, depth);
  }
  lua_pop(L, 2);
  return rc;
}

static int same_value(lua_State *L, int vidx, const uint8_t *el, const uint8_t *v);

/* Whether the lazy table at vidx is the document at v, untouched. */
static int same_document(lua_State *L, int vidx, const uint8_t *v) {
  if (lua_type(L, vidx) != LUA_TTABLE) return 0;
  if (asr_le32(v) == 5) /* an empty document decodes as a plain empty table */
    return !lua_getmetatable(L, vidx) && (lua_pushnil(L), !lua_next(L, vidx));
  if (lua_rawgetp(L, vidx, &state_key) != LUA_TUSERDATA) {
    lua_pop(L, 1);
    return 0;
  }
  const lazy_t *z = lua_touserdata(L, -1);
  lua_pop(L, 1);
  if (z->data != v || z->ntouched) return 0;
  lua_pushnil(L); /* T holds its state and nothing else */
  int extra = lua_next(L, vidx) && (lua_pop(L, 1), lua_next(L, vidx));
  if (extra) lua_pop(L, 2);
  return !extra;
}

/* Whether the table at vidx holds, at 1..n and nothing more, the elements of the array at v. */
static int same_array(lua_State *L, int vidx, const uint8_t *v) {
  if (lua_type(L, vidx) != LUA_TTABLE || asr_lconv_table_kind(L, vidx) != KIND_ARRAY) return 0;
  const uint8_t *p = v + 4, *end = v + asr_le32(v) - 1;
  lua_Integer j = 1;
  for (; p < end; j++) {
    const uint8_t *nul = memchr(p + 1, 0, (size_t)(end - p - 1));
    int64_t size = nul ? value_size(*p, nul + 1, (size_t)(end - nul - 1)) : -1;
    lua_rawgeti(L, vidx, j);
    int same = size >= 0 && same_value(L, lua_gettop(L), p, nul + 1);
    lua_pop(L, 1);
    if (!same) return 0;
    p = nul + 1 + size;
  }
  int more = lua_rawgeti(L, vidx, j) != LUA_TNIL;
  lua_pop(L, 1);
  return !more;
}

/* Whether the Lua value at vidx would be written as the element at el (value at v) is: then
 * the element's bytes can go instead. Documents and arrays compare by what they hold, typed
 * values are not compared (they are written again). */
static int same_value(lua_State *L, int vidx, const uint8_t *el, const uint8_t *v) {
  switch (*el) {
  case BSON_TYPE_DOUBLE: {
    uint64_t bits = asr_le64(v);
    double x;
    memcpy(&x, &bits, 8);
    return lua_type(L, vidx) == LUA_TNUMBER && !lua_isinteger(L, vidx) &&
           lua_tonumber(L, vidx) == x && (x != 0 || signbit(x) == signbit(lua_tonumber(L, vidx)));
  }
  case BSON_TYPE_UTF8: {
    size_t n;
    const char *s = lua_type(L, vidx) == LUA_TSTRING ? lua_tolstring(L, vidx, &n) : NULL;
    return s && n == asr_le32(v) - 1 && memcmp(s, v + 4, n) == 0;
  }
  case BSON_TYPE_BOOL: return lua_type(L, vidx) == LUA_TBOOLEAN && lua_toboolean(L, vidx) == (*v != 0);
  case BSON_TYPE_INT32: return lua_isinteger(L, vidx) && lua_tointeger(L, vidx) == (int32_t)asr_le32(v);
  case BSON_TYPE_INT64: return lua_isinteger(L, vidx) && lua_tointeger(L, vidx) == (lua_Integer)asr_le64(v);
  case BSON_TYPE_DOCUMENT: return same_document(L, vidx, v);
  case BSON_TYPE_ARRAY: return same_array(L, vidx, v);
  default: return 0;
  }
}

/* Whether touched field i of z still holds what its bytes say (read, or set to an equal
 * value): it is written as its bytes. shape at sidx gives the key. */
static int unchanged(lua_State *L, int tidx, int sidx, const lazy_t *z, uint32_t i) {
  const uint8_t *el = z->data + z->off[i];
  if (*el != BSON_TYPE_ARRAY && *el != BSON_TYPE_DOCUMENT) return 0; /* plain reads: untouched */
  lua_rawgeti(L, sidx, (lua_Integer)i + 1);
  lua_rawget(L, tidx);
  int same = same_value(L, lua_gettop(L), el, el + 2 + strlen((const char *)el + 1));
  lua_pop(L, 1);
  return same;
}

/* Marks the original fields T holds (set raw, bypassing __newindex) and queues the added
 * keys but "_id". Sets *added_id when "_id" is an added one. */
static int take_stock(encode_t *e, int tidx, int map, lazy_t *z, const path_t *path,
                      int *added_id) {
  lua_State *L = e->L;
  char desc[64];
  lua_pushnil(L);
  while (lua_next(L, tidx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TLIGHTUSERDATA && lua_touserdata(L, -1) == &state_key) continue;
    if (lua_type(L, -1) != LUA_TSTRING) {
      asr_lconv_key_desc(L, -1, desc, sizeof desc);
      lua_pop(L, 1);
      return asr_lconv_fail(e, path, "%s in a document (keys must be strings)", desc);
    }
    lua_pushvalue(L, -1);
    if (lua_rawget(L, map) == LUA_TNUMBER) {
      touch(z, (uint32_t)lua_tointeger(L, -1) - 1);
      lua_pop(L, 1);
      continue;
    }
    lua_pop(L, 1);
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    if (len == 3 && memcmp(s, "_id", 3) == 0) *added_id = 1;
    else if (asr_lconv_push_key(e, s, len)) {
      lua_pop(L, 1);
      return asr_lconv_nomem(e);
    }
  }
  return 0;
}

/* The fields into dst: "_id" first, the original ones in order, the added ones sorted. */
static int write_fields(encode_t *e, int tidx, int mt, lazy_t *z, size_t keys0, int added_id,
                        bson_t *dst, const path_t *path, int depth) {
  lua_State *L = e->L;
  lua_rawgeti(L, mt, M_SHAPE);
  int sidx = lua_gettop(L);
  uint32_t id = z->id;
  int rc = 0;
  if (id)
    rc = write_field(e, tidx, sidx, z, id - 1, dst, path, depth);
  else if (added_id) {
    lua_getfield(L, tidx, "_id");
    path_t fp = {path, "_id", 3, 0};
    rc = asr_lconv_write_value(e, lua_gettop(L), dst, "_id", 3, 0, &fp, depth);
    lua_pop(L, 1);
  }
  uint32_t run = 0; /* the untouched fields from run on go as one block */
  for (uint32_t i = 0; i < z->n && !rc; i++) {
    if (i + 1 != id && (!is_touched(z, i) || unchanged(e->L, tidx, sidx, z, i))) continue;
    rc = copy_run(e, z, run, i, dst, path);
    if (!rc && i + 1 != id) rc = write_field(e, tidx, sidx, z, i, dst, path, depth);
    run = i + 1;
  }
  if (!rc) rc = copy_run(e, z, run, z->n, dst, path);
  if (!rc) rc = asr_lconv_write_sorted(e, tidx, keys0, dst, path, depth);
  lua_settop(L, sidx - 1);
  return rc;
}

int asr_lconv_write_lazy(encode_t *e, int tidx, int mt, bson_t *dst, const char *key, int klen,
                         const path_t *path, int depth) {
  lua_State *L = e->L;
  lua_rawgetp(L, tidx, &state_key);
  lazy_t *z = lua_touserdata(L, -1);
  lua_rawgeti(L, mt, M_MAP);
  size_t keys0 = e->c->keys.len;
  int added_id = 0;
  int rc = take_stock(e, tidx, lua_gettop(L), z, path, &added_id);
  lua_pop(L, 2);
  if (rc) return rc;
  if (!z->ntouched && z->id <= 1 && e->c->keys.len == keys0 && !added_id) { /* its bytes */
    bson_t whole;
    if (!bson_init_static(&whole, z->data, z->len)) return asr_lconv_fail(e, path, "corrupt BSON");
    bool ok = key ? bson_append_document(dst, key, klen, &whole) : bson_concat(dst, &whole);
    return ok ? 0 : asr_lconv_fail(e, path, "document exceeds the maximum BSON size");
  }
  if (!key) return write_fields(e, tidx, mt, z, keys0, added_id, dst, path, depth);
  bson_t child;
  if (!bson_append_document_begin(dst, key, klen, &child))
    return asr_lconv_fail(e, path, "document exceeds the maximum BSON size");
  rc = write_fields(e, tidx, mt, z, keys0, added_id, &child, path, depth);
  /* closed even after an error, so dst stays a well-formed (partial) document */
  if (!bson_append_document_end(dst, &child) && !rc)
    rc = asr_lconv_fail(e, path, "document exceeds the maximum BSON size");
  return rc;
}

/* ---- the base functions that read tables raw ----------------------------------------- */
/* As the stock ones (lbaselib.c), once a lazy first argument is decoded whole; written out
 * rather than wrapping the stock functions, so that errors name them and the caller's line. */

static int lazy_aware_next(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  asr_lconv_unlazy(L, 1);
  lua_settop(L, 2);
  if (lua_next(L, 1)) return 2;
  lua_pushnil(L);
  return 1;
}

static int lazy_aware_rawget(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  asr_lconv_unlazy(L, 1);
  lua_settop(L, 2);
  lua_rawget(L, 1);
  return 1;
}

static int lazy_aware_getmetatable(lua_State *L) {
  luaL_checkany(L, 1);
  asr_lconv_unlazy(L, 1);
  if (!lua_getmetatable(L, 1)) {
    lua_pushnil(L);
    return 1;
  }
  luaL_getmetafield(L, 1, "__metatable");
  return 1;
}

static int lazy_aware_setmetatable(lua_State *L) {
  int t = lua_type(L, 2);
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
  if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
    return luaL_error(L, "cannot change a protected metatable");
  asr_lconv_unlazy(L, 1);
  lua_settop(L, 2);
  lua_setmetatable(L, 1);
  return 1;
}

static char opened_key; /* registry: true once the globals are replaced */

void asr_lconv_open(lua_State *L) {
  static const luaL_Reg funcs[] = {{"next", lazy_aware_next},
                                   {"rawget", lazy_aware_rawget},
                                   {"getmetatable", lazy_aware_getmetatable},
                                   {"setmetatable", lazy_aware_setmetatable},
                                   {NULL, NULL}};
  int opened = lua_rawgetp(L, LUA_REGISTRYINDEX, &opened_key) != LUA_TNIL;
  lua_pop(L, 1);
  if (opened) return;
  lua_pushboolean(L, 1);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &opened_key);
  lua_pushglobaltable(L);
  luaL_setfuncs(L, funcs, 0);
  lua_pop(L, 1);
}
