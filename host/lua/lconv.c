/* BSON <-> Lua conversion.
 *
 * Representation (the README copies this):
 *   BSON                         Lua
 *   string                       string (bytes as stored; a Lua string written back must be
 *                                valid UTF-8, and so must a key: else an error naming the
 *                                field, for every target alike)
 *   boolean                      boolean
 *   double                       float (a float is always written back as double, even 3.0)
 *   int32, int64                 integer (written back as int32 when it fits, else int64;
 *                                a field that was int64 stays int64; asrun.int64(n) forces it)
 *   null                         asrun.null (a unique userdata; nil would drop the field)
 *   document                     table with string keys
 *   array                        table 1..n whose metatable marks it as an array
 *                                (asrun.array_mt, or asrun.array(t)), so {} arrays survive
 *   objectid, date, decimal128,  typed userdata (lbson_types.c) that round-trip byte for
 *   binary, regex, timestamp,    byte: ObjectId("..."), :hex(), :ms(), ..., built with
 *   minkey, maxkey, undefined,   asrun.objectid(hex), asrun.date(ms), ...
 *   dbpointer, code, symbol
 * Lua -> BSON: a table without the array mark is a document if all its keys are strings
 * (an empty one too) and an array if its keys are exactly 1..n; anything else is an error
 * naming the key. Functions, threads, light and foreign userdata, and nesting deeper than
 * ASR_LCONV_MAX_DEPTH (a cycle) are errors naming the field path, e.g. items[2].price
 * (1-based, as Lua indexes it).
 *
 * Key order. A decoded document gets a "shape" metatable: keys in BSON order at [1..n], n at
 * [0], true at [-i] when key i was int64, and key -> i in a map table. Writing back emits
 * "_id" first, then the original keys still present in their original order, then keys
 * added since, sorted bytewise. Tables built in Lua have no shape: "_id", then sorted keys.
 * Shapes are shared: documents with the same keys and int64 positions get the same
 * metatable from a per-state cache, so decoding costs a signature hash, not a table per
 * document. An array carries a shape only when it holds int64 elements. Replacing the
 * metatable (setmetatable) or copying the fields into a new table drops the order. */
#include "lua/lconv.h"

#include <lauxlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua/lbson_types.h"
#include "lua/lconv_internal.h"

#define SHAPE_SLOTS 1024   /* open addressing, power of two */
#define SHAPE_MAX 512      /* cached shapes before the cache starts over */
#define SHAPE_MAX_SIG 4096 /* longer signatures (huge documents) are not cached */

static char ctx_key;      /* registry: the lconv_ctx_t */
static char array_mt_key; /* registry: the shared array metatable */
char asr_lconv_kind_key;  /* in shape metatables and array_mt: KIND_DOC or KIND_ARRAY */
char asr_lconv_map_key;   /* in document shapes: table key -> position */
#define kind_key asr_lconv_kind_key
#define map_key asr_lconv_map_key

/* ---- per-state context ------------------------------------------------------------- */

static void shapes_free(lconv_ctx_t *c) {
  if (!c->shapes) return;
  for (uint32_t i = 0; i < SHAPE_SLOTS; i++) free(c->shapes[i].sig);
  free(c->shapes);
  c->shapes = NULL;
  c->nshapes = 0;
}

static int ctx_gc(lua_State *L) {
  lconv_ctx_t *c = lua_touserdata(L, 1);
  asr_buf_free(&c->sig);
  asr_buf_free(&c->keys);
  asr_buf_free(&c->scratch);
  asr_buf_free(&c->offs);
  shapes_free(c); /* the registry references die with the state */
  return 0;
}

lconv_ctx_t *asr_lconv_ctx(lua_State *L) {
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &ctx_key) == LUA_TUSERDATA) {
    lconv_ctx_t *c = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return c;
  }
  lua_pop(L, 1);
  lconv_ctx_t *c = lua_newuserdatauv(L, sizeof *c, 0);
  memset(c, 0, sizeof *c);
  asr_buf_init(&c->sig);
  asr_buf_init(&c->keys);
  asr_buf_init(&c->scratch);
  asr_buf_init(&c->offs);
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, ctx_gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &ctx_key);
  return c;
}

void asr_lconv_push_array_mt(lua_State *L) {
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &array_mt_key) == LUA_TTABLE) return;
  lua_pop(L, 1);
  lua_createtable(L, 0, 2);
  lua_pushinteger(L, KIND_ARRAY);
  lua_rawsetp(L, -2, &kind_key);
  lua_pushliteral(L, "asrun.array");
  lua_setfield(L, -2, "__name");
  lua_pushvalue(L, -1);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &array_mt_key);
}

int asr_lconv_table_kind(lua_State *L, int idx) {
  if (!lua_getmetatable(L, idx)) return KIND_PLAIN;
  int kind = lua_rawgetp(L, -1, &kind_key) == LUA_TNUMBER ? (int)lua_tointeger(L, -1) : KIND_PLAIN;
  lua_pop(L, 2);
  return kind;
}

int asr_lconv_is_array(lua_State *L, int idx) {
  return lua_type(L, idx) == LUA_TTABLE && asr_lconv_table_kind(L, idx) == KIND_ARRAY;
}

/* ---- shapes ------------------------------------------------------------------------ */
/* A signature is the kind byte ('D' or 'A'), then for a document each key as
 * <int64 flag byte><key><NUL>, for an array the 0-based uint32 positions of int64s. */

/* Word-at-a-time multiply-xorshift: signatures are hashed once per decoded container, so a
 * byte loop (FNV) showed up in profiles. */
static uint64_t hash_bytes(const uint8_t *p, size_t n) {
  const uint64_t k = 0xff51afd7ed558ccdull;
  uint64_t h = 0x9e3779b97f4a7c15ull ^ n, w;
  for (; n >= 8; p += 8, n -= 8) {
    memcpy(&w, p, 8);
    h = (h ^ w) * k;
    h ^= h >> 32;
  }
  w = 0;
  memcpy(&w, p, n);
  h = (h ^ w) * k;
  return h ^ (h >> 29);
}

/* [-0,+1,m] Builds a document shape. A key that repeats (legal BSON, one Lua field) keeps its
 * first position and the int64 flag of its last occurrence, whose value Lua kept. */
static void build_doc_shape(lua_State *L, const uint8_t *sig, uint32_t n) {
  const uint8_t *end = sig + n, *p;
  int nkeys = 0;
  for (p = sig + 1; p < end; p += 2 + strlen((const char *)p + 1)) nkeys++;
  lua_createtable(L, nkeys, 4); /* the metatable */
  lua_createtable(L, 0, nkeys); /* the map */
  lua_Integer m = 0;
  for (p = sig + 1; p < end;) {
    int flag = *p++;
    size_t klen = strlen((const char *)p);
    lua_pushlstring(L, (const char *)p, klen);
    p += klen + 1;
    lua_pushvalue(L, -1);
    lua_Integer pos;
    int dup = lua_rawget(L, -3) == LUA_TNUMBER;
    if (dup) {
      pos = lua_tointeger(L, -1);
      lua_pop(L, 2);
    } else {
      lua_pop(L, 1);
      pos = ++m;
      lua_pushvalue(L, -1);
      lua_rawseti(L, -4, pos);
      lua_pushinteger(L, pos);
      lua_rawset(L, -3);
    }
    if (flag || dup) {
      if (flag)
        lua_pushboolean(L, 1);
      else
        lua_pushnil(L);
      lua_rawseti(L, -3, -pos);
    }
  }
  lua_rawsetp(L, -2, &map_key);
  lua_pushinteger(L, m);
  lua_rawseti(L, -2, 0);
  lua_pushinteger(L, KIND_DOC);
  lua_rawsetp(L, -2, &kind_key);
  lua_pushliteral(L, "asrun.document");
  lua_setfield(L, -2, "__name");
}

/* [-0,+1,m] An array shape: [-i] = true for the int64 elements, [0] = how many. */
static void build_array_shape(lua_State *L, const uint8_t *sig, uint32_t n) {
  uint32_t npos = (n - 1) / 4;
  lua_createtable(L, 0, (int)npos + 3);
  for (uint32_t k = 0; k < npos; k++) {
    uint32_t pos;
    memcpy(&pos, sig + 1 + 4 * k, 4);
    lua_pushboolean(L, 1);
    lua_rawseti(L, -2, -(lua_Integer)pos - 1);
  }
  lua_pushinteger(L, npos);
  lua_rawseti(L, -2, 0);
  lua_pushinteger(L, KIND_ARRAY);
  lua_rawsetp(L, -2, &kind_key);
  lua_pushliteral(L, "asrun.array");
  lua_setfield(L, -2, "__name");
}

/* Empties the cache; keeps it bounded when shapes keep changing. */
static void shapes_clear(lua_State *L, lconv_ctx_t *c) {
  for (uint32_t i = 0; i < SHAPE_SLOTS; i++) {
    shape_t *s = &c->shapes[i];
    if (!s->sig) continue;
    luaL_unref(L, LUA_REGISTRYINDEX, s->ref);
    free(s->sig);
    s->sig = NULL;
  }
  c->nshapes = 0;
}

/* [-0,+0,m] Remembers the metatable on top for sig. Skipped silently if memory is short. */
static void shape_cache(lua_State *L, lconv_ctx_t *c, uint64_t h, const uint8_t *sig, uint32_t n) {
  if (!c->shapes && !(c->shapes = calloc(SHAPE_SLOTS, sizeof *c->shapes))) return;
  if (c->nshapes >= SHAPE_MAX) shapes_clear(L, c);
  lua_pushvalue(L, -1);
  int ref = luaL_ref(L, LUA_REGISTRYINDEX);
  uint8_t *copy = malloc(n);
  if (!copy) {
    luaL_unref(L, LUA_REGISTRYINDEX, ref);
    return;
  }
  memcpy(copy, sig, n);
  uint32_t i = (uint32_t)h & (SHAPE_SLOTS - 1);
  while (c->shapes[i].sig) i = (i + 1) & (SHAPE_SLOTS - 1);
  c->shapes[i] = (shape_t){h, copy, n, ref};
  c->nshapes++;
}

void asr_lconv_push_shape(lua_State *L, lconv_ctx_t *c, const uint8_t *sig, uint32_t n) {
  uint64_t h = hash_bytes(sig, n);
  if (c->shapes) { /* at most half full, so the probe ends at a free slot */
    for (uint32_t i = (uint32_t)h & (SHAPE_SLOTS - 1); c->shapes[i].sig;
         i = (i + 1) & (SHAPE_SLOTS - 1)) {
      const shape_t *s = &c->shapes[i];
      if (s->hash == h && s->sig_len == n && memcmp(s->sig, sig, n) == 0) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, s->ref);
        return;
      }
    }
  }
  if (sig[0] == 'D')
    build_doc_shape(L, sig, n);
  else
    build_array_shape(L, sig, n);
  if (n <= SHAPE_MAX_SIG) shape_cache(L, c, h, sig, n);
}

/* ---- BSON -> Lua ------------------------------------------------------------------- */

static int corrupt_at(decode_t *d, const uint8_t *where) {
  return asr_err_set(d->err, ASR_EDATA, "corrupt BSON at byte %ld", (long)(where - d->base));
}

static int push_table(decode_t *d, bson_iter_t *it, const uint8_t *start, int kind, int depth);

int asr_lconv_push_value(decode_t *d, const bson_iter_t *it, int depth) {
  lua_State *L = d->L;
  bson_type_t type = bson_iter_type(it);
  switch (type) {
  case BSON_TYPE_DOUBLE: lua_pushnumber(L, bson_iter_double(it)); return 0;
  case BSON_TYPE_UTF8: {
    uint32_t len;
    const char *s = bson_iter_utf8(it, &len);
    lua_pushlstring(L, s, len);
    return 0;
  }
  case BSON_TYPE_BOOL: lua_pushboolean(L, bson_iter_bool(it)); return 0;
  case BSON_TYPE_INT32: lua_pushinteger(L, bson_iter_int32(it)); return 0;
  case BSON_TYPE_INT64: lua_pushinteger(L, bson_iter_int64(it)); return 0;
  case BSON_TYPE_DOCUMENT:
  case BSON_TYPE_ARRAY: {
    bson_iter_t child;
    const uint8_t *start;
    uint32_t len;
    if (type == BSON_TYPE_ARRAY)
      bson_iter_array(it, &len, &start);
    else
      bson_iter_document(it, &len, &start);
    if (d->owner && type == BSON_TYPE_DOCUMENT) return asr_lconv_push_lazy(d, start, len, depth + 1);
    if (!bson_iter_recurse(it, &child))
      return corrupt_at(d, (const uint8_t *)bson_iter_key(it) - 1);
    return push_table(d, &child, start, type == BSON_TYPE_ARRAY ? KIND_ARRAY : KIND_DOC, depth + 1);
  }
  default:
    if (asr_lbson_push_iter(L, it)) return corrupt_at(d, (const uint8_t *)bson_iter_key(it) - 1);
    return 0;
  }
}

/* A document with a repeated key (legal BSON, which mongoimport keeps and a JavaScript
 * object silently reduces to its last value): a Lua table holds one value per key, so the
 * transform would drop one. Refused, naming the key found in the signature sig[0..end) (the
 * kind byte, then <flag><key><NUL> per field). Restores the signature stack to sig0. */
int asr_lconv_repeated_key(decode_t *d, const uint8_t *sig, const uint8_t *end, size_t sig0) {
  const char *key = "";
  for (const uint8_t *p = sig + 1; p < end && !*key; p += 2 + strlen((const char *)p + 1))
    for (const uint8_t *q = sig + 1; q < p; q += 2 + strlen((const char *)q + 1))
      if (strcmp((const char *)q + 1, (const char *)p + 1) == 0) key = (const char *)p + 1;
  int rc = asr_err_set(d->err, ASR_EDATA,
                       "field '%.100s' appears more than once in a document: a Lua table holds "
                       "one value per key, so the transform would lose one of them (refused; "
                       "without a transform the document is copied as it is)", key);
  d->c->sig.len = sig0;
  return rc;
}

/* [-0,+1,m] Pushes the container at start whose elements `it` (fresh) iterates. A first pass
 * counts the elements and builds the shape signature, so the table is created at its final
 * size. */
static int push_table(decode_t *d, bson_iter_t *it, const uint8_t *start, int kind, int depth) {
  lua_State *L = d->L;
  lconv_ctx_t *c = d->c;
  if (depth > ASR_LCONV_MAX_DEPTH)
    return asr_err_set(d->err, ASR_EDATA, "corrupt BSON: nested deeper than %d levels",
                       ASR_LCONV_MAX_DEPTH);
  luaL_checkstack(L, 6, "nested BSON");
  size_t sig0 = c->sig.len;
  uint32_t n = 0, nflags = 0;
  if (asr_buf_reserve(&c->sig, 1)) goto nomem;
  asr_buf_putc(&c->sig, kind == KIND_DOC ? 'D' : 'A');
  bson_iter_t scan = *it;
  while (bson_iter_next(&scan)) {
    char i64 = bson_iter_type(&scan) == BSON_TYPE_INT64;
    if (kind == KIND_DOC) {
      uint32_t klen = bson_iter_key_len(&scan);
      if (asr_buf_reserve(&c->sig, klen + 2)) goto nomem;
      asr_buf_putc(&c->sig, i64);
      asr_buf_put(&c->sig, bson_iter_key(&scan), klen + 1);
    } else if (i64) {
      if (asr_buf_reserve(&c->sig, 4)) goto nomem;
      asr_buf_put(&c->sig, &n, 4);
      nflags++;
    }
    n++;
  }
  if (scan.err_off) { /* libbson's only report of a malformed element, relative to start */
    c->sig.len = sig0;
    return corrupt_at(d, start + scan.err_off);
  }
  lua_createtable(L, kind == KIND_ARRAY ? (int)n : 0, kind == KIND_DOC ? (int)n : 0);
  int tbl = lua_gettop(L), mt = 0;
  if (kind == KIND_DOC ? n > 0 : nflags > 0) {
    asr_lconv_push_shape(L, c, c->sig.data + sig0, (uint32_t)(c->sig.len - sig0));
    lua_pushvalue(L, -1);
    lua_setmetatable(L, tbl);
    /* Without repeated keys, key i is the shape's [i]: fetching it skips hashing and
     * interning each key string again. */
    if (kind == KIND_DOC && lua_rawgeti(L, -1, 0) == LUA_TNUMBER && lua_tointeger(L, -1) == n)
      mt = tbl + 1;
    else if (kind == KIND_DOC) /* fewer distinct keys than fields */
      return asr_lconv_repeated_key(d, c->sig.data + sig0, c->sig.data + c->sig.len, sig0);
    lua_settop(L, mt ? mt : tbl);
  } else if (kind == KIND_ARRAY) {
    asr_lconv_push_array_mt(L);
    lua_setmetatable(L, tbl);
  }
  c->sig.len = sig0;
  lua_Integer i = 0;
  while (bson_iter_next(it)) {
    i++;
    if (mt)
      lua_rawgeti(L, mt, i);
    else if (kind == KIND_DOC)
      lua_pushlstring(L, bson_iter_key(it), bson_iter_key_len(it));
    int rc = asr_lconv_push_value(d, it, depth);
    if (rc) return rc; /* the caller drops the partial table */
    if (kind == KIND_DOC)
      lua_rawset(L, tbl);
    else
      lua_rawseti(L, tbl, i);
  }
  lua_settop(L, tbl);
  return 0;
nomem:
  c->sig.len = sig0;
  return asr_err_set(d->err, ASR_ENOMEM, "out of memory decoding BSON");
}

int asr_lconv_push_doc(lua_State *L, const uint8_t *data, uint32_t len, asr_err_t *err) {
  int top = lua_gettop(L);
  decode_t d = {L, asr_lconv_ctx(L), data, err, 0};
  asr_buf_reset(&d.c->sig); /* a memory error may have unwound through a previous call */
  bson_iter_t it;
  if (!bson_iter_init_from_data(&it, data, len))
    return asr_err_set(err, ASR_EDATA, "corrupt BSON: bad document length or terminator");
  int rc = push_table(&d, &it, data, KIND_DOC, 0);
  if (rc) lua_settop(L, top);
  return rc;
}

/* ---- Lua -> BSON ------------------------------------------------------------------- */

static void render_path(char *buf, size_t cap, const path_t *p) {
  const path_t *chain[ASR_LCONV_MAX_DEPTH + 4];
  int n = 0;
  for (; p && n < (int)(sizeof chain / sizeof chain[0]); p = p->up) chain[n++] = p;
  size_t len = 0;
  buf[0] = '\0';
  for (int i = n - 1; i >= 0; i--) {
    const path_t *q = chain[i];
    int w = q->key ? snprintf(buf + len, cap - len, "%s%.*s", i == n - 1 ? "" : ".", (int)q->klen,
                              q->key)
                   : snprintf(buf + len, cap - len, "[%lld]", (long long)q->index);
    if (w < 0 || (size_t)w >= cap - len) {
      memcpy(buf + cap - 4, "...", 4);
      return;
    }
    len += (size_t)w;
  }
}

int asr_lconv_fail(encode_t *e, const path_t *p, const char *fmt, ...) {
  char msg[300], where[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (!p) return asr_err_set(e->err, ASR_EINVAL, "document: %s", msg);
  render_path(where, sizeof where, p);
  return asr_err_set(e->err, ASR_EINVAL, "field %s: %s", where, msg);
}

int asr_lconv_nomem(encode_t *e) {
  return asr_err_set(e->err, ASR_ENOMEM, "out of memory encoding BSON");
}

/* Describes the key at idx for messages: numeric key 3, numeric key 1.5, key of type boolean. */
void asr_lconv_key_desc(lua_State *L, int idx, char *buf, size_t cap) {
  if (lua_isinteger(L, idx))
    snprintf(buf, cap, "numeric key %lld", (long long)lua_tointeger(L, idx));
  else if (lua_type(L, idx) == LUA_TNUMBER)
    snprintf(buf, cap, "numeric key %.14g", (double)lua_tonumber(L, idx));
  else
    snprintf(buf, cap, "key of type %s", luaL_typename(L, idx));
}

int asr_lconv_push_key(encode_t *e, const char *s, size_t len) {
  if (asr_buf_reserve(&e->c->keys, sizeof(asr_lconv_key_t))) return asr_lconv_nomem(e);
  asr_lconv_key_t k = {s, len};
  asr_buf_put(&e->c->keys, &k, sizeof k);
  return 0;
}

/* Smallest integer key above n in the table at tidx (error path only). */
static lua_Integer first_key_above(lua_State *L, int tidx, lua_Integer n) {
  lua_Integer best = LUA_MAXINTEGER;
  lua_pushnil(L);
  while (lua_next(L, tidx)) {
    lua_pop(L, 1);
    if (lua_isinteger(L, -1) && lua_tointeger(L, -1) > n && lua_tointeger(L, -1) < best)
      best = lua_tointeger(L, -1);
  }
  return best;
}

/* Decides what a table without a document shape is (*kind: KIND_PLAIN in, or KIND_ARRAY
 * when marked) from its keys. Plain documents leave their keys in e->c->keys; arrays get
 * *n elements. */
static int classify(encode_t *e, int tidx, const path_t *path, int *kind, lua_Integer *n) {
  lua_State *L = e->L;
  lua_Integer nint = 0, maxk = 0, mink = LUA_MAXINTEGER;
  size_t nstr = 0;
  char desc[64];
  lua_pushnil(L);
  while (lua_next(L, tidx)) {
    lua_pop(L, 1);
    int rc = 0;
    if (lua_type(L, -1) == LUA_TSTRING) {
      size_t len;
      const char *s = lua_tolstring(L, -1, &len);
      if (*kind == KIND_ARRAY)
        rc = asr_lconv_fail(e, path, "string key \"%.*s\" in an array", (int)(len > 60 ? 60 : len), s);
      else
        rc = asr_lconv_push_key(e, s, len);
      nstr++;
    } else if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1) {
      lua_Integer k = lua_tointeger(L, -1);
      nint++;
      if (k > maxk) maxk = k;
      if (k < mink) mink = k;
    } else if (lua_type(L, -1) == LUA_TNUMBER) {
      asr_lconv_key_desc(L, -1, desc, sizeof desc);
      rc = asr_lconv_fail(e, path, "%s is not an array index", desc);
    } else {
      asr_lconv_key_desc(L, -1, desc, sizeof desc);
      rc = asr_lconv_fail(e, path, "%s: keys must be strings (or 1..n for an array)", desc);
    }
    if (rc) {
      lua_pop(L, 1);
      return rc;
    }
  }
  if (nstr && nint)
    return asr_lconv_fail(e, path, "table mixes string and numeric keys (numeric key %lld)", (long long)mink);
  if (nint && maxk != nint)
    return asr_lconv_fail(e, path, "numeric key %lld is outside the sequence 1..%lld",
                (long long)first_key_above(L, tidx, nint), (long long)nint);
  if (nint) *kind = KIND_ARRAY;
  if (*kind == KIND_PLAIN) *kind = KIND_DOC;
  *n = nint;
  return 0;
}

/* Whether s[0..len) is UTF-8 (NUL allowed): ASCII a word at a time, libbson's check from the
 * first byte >= 0x80 on. Every string a transform returns goes through it. */
static int utf8_valid(const char *s, size_t len) {
  size_t i = 0;
  for (uint64_t w; i + 8 <= len; i += 8) {
    memcpy(&w, s + i, 8);
    if (w & 0x8080808080808080ull) break;
  }
  while (i < len && (unsigned char)s[i] < 0x80) i++;
  return i == len || bson_utf8_validate(s + i, len - i, true);
}

static int write_table(encode_t *e, int tidx, bson_t *dst, const char *key, int klen,
                       const path_t *path, int depth);

int asr_lconv_write_value(encode_t *e, int vidx, bson_t *dst, const char *key, int klen, int i64,
                       const path_t *path, int depth) {
  lua_State *L = e->L;
  bool ok;
  int type = lua_type(L, vidx);
  switch (type) {
  case LUA_TBOOLEAN: ok = bson_append_bool(dst, key, klen, lua_toboolean(L, vidx)); break;
  case LUA_TNUMBER:
    if (lua_isinteger(L, vidx)) {
      lua_Integer v = lua_tointeger(L, vidx);
      if (!i64 && v >= INT32_MIN && v <= INT32_MAX)
        ok = bson_append_int32(dst, key, klen, (int32_t)v);
      else
        ok = bson_append_int64(dst, key, klen, (int64_t)v);
    } else {
      ok = bson_append_double(dst, key, klen, (double)lua_tonumber(L, vidx));
    }
    break;
  case LUA_TSTRING: {
    size_t len;
    const char *s = lua_tolstring(L, vidx, &len);
    if (!utf8_valid(s, len)) return asr_lconv_fail(e, path, "string is not valid UTF-8");
    ok = len < INT32_MAX && bson_append_utf8(dst, key, klen, s, (int)len);
    break;
  }
  case LUA_TTABLE: return write_table(e, vidx, dst, key, klen, path, depth + 1);
  case LUA_TUSERDATA: {
    const asr_lbson_value_t *v = asr_lbson_test(L, vidx);
    if (!v) {
      const char *name =
          luaL_getmetafield(L, vidx, "__name") == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
      int rc = asr_lconv_fail(e, path, "cannot store a userdata%s%s%s in BSON", name ? " (" : "",
                    name ? name : "", name ? ")" : "");
      if (name) lua_pop(L, 1);
      return rc;
    }
    int rc = asr_lbson_append(dst, key, klen, v, &e->c->scratch);
    if (rc == ASR_ENOMEM) return asr_lconv_nomem(e);
    ok = rc == 0;
    break;
  }
  case LUA_TLIGHTUSERDATA: return asr_lconv_fail(e, path, "cannot store a light userdata in BSON");
  default: return asr_lconv_fail(e, path, "cannot store a %s in BSON", lua_typename(L, type));
  }
  return ok ? 0 : asr_lconv_fail(e, path, "document exceeds the maximum BSON size");
}

static int fail_nul_key(encode_t *e, const path_t *path, asr_lconv_key_t kr) {
  char shown[64];
  size_t n = 0;
  for (size_t i = 0; i < kr.len && n + 3 < sizeof shown; i++) {
    if (kr.s[i]) {
      shown[n++] = kr.s[i];
    } else {
      shown[n++] = '\\';
      shown[n++] = '0';
    }
  }
  shown[n] = '\0';
  return asr_lconv_fail(e, path, "key \"%s\" contains a NUL byte", shown);
}

/* Writes the field named by kr, read raw from the table at tidx. */
static int write_key(encode_t *e, int tidx, asr_lconv_key_t kr, bson_t *dst,
                     const path_t *path, int depth) {
  lua_State *L = e->L;
  path_t fp = {path, kr.s, kr.len, 0};
  if (memchr(kr.s, 0, kr.len)) return fail_nul_key(e, path, kr);
  if (!utf8_valid(kr.s, kr.len))
    return asr_lconv_fail(e, path, "a field name is not valid UTF-8");
  if (kr.len >= INT32_MAX) return asr_lconv_fail(e, path, "key too long");
  lua_pushlstring(L, kr.s, kr.len);
  lua_rawget(L, tidx);
  int rc = asr_lconv_write_value(e, lua_gettop(L), dst, kr.s, (int)kr.len, 0, &fp, depth);
  lua_pop(L, 1);
  return rc;
}

static int key_cmp(const void *a, const void *b) {
  const asr_lconv_key_t *x = a, *y = b;
  int xi = x->len == 3 && memcmp(x->s, "_id", 3) == 0;
  int yi = y->len == 3 && memcmp(y->s, "_id", 3) == 0;
  if (xi != yi) return yi - xi; /* "_id" first */
  int c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);
  return c ? c : (x->len > y->len) - (x->len < y->len);
}

void asr_lconv_sort_keys(asr_lconv_key_t *keys, size_t n) {
  if (n > 1) qsort(keys, n, sizeof *keys, key_cmp);
}

int asr_lconv_write_sorted(encode_t *e, int tidx, size_t keys0, bson_t *dst, const path_t *path,
                        int depth) {
  size_t nkeys = (e->c->keys.len - keys0) / sizeof(asr_lconv_key_t);
  asr_lconv_sort_keys((asr_lconv_key_t *)(void *)(e->c->keys.data + keys0), nkeys);
  for (size_t j = 0; j < nkeys; j++) {
    asr_lconv_key_t kr; /* copied out: nested tables push keys and may move the buffer */
    memcpy(&kr, e->c->keys.data + keys0 + j * sizeof kr, sizeof kr);
    int rc = write_key(e, tidx, kr, dst, path, depth);
    if (rc) return rc;
  }
  return 0;
}

/* [-0,+0,-] Whether the integer at vidx should stay int64: key position pos was int64. */
static int was_int64(lua_State *L, int mt, int vidx, lua_Integer pos) {
  if (!lua_isinteger(L, vidx)) return 0;
  int flag = lua_rawgeti(L, mt, -pos) != LUA_TNIL;
  lua_pop(L, 1);
  return flag;
}

/* Keys of a shaped document that are not among its original keys: collected and sorted. */
static int write_added(encode_t *e, int tidx, int mt, bson_t *dst, const path_t *path, int depth) {
  lua_State *L = e->L;
  size_t keys0 = e->c->keys.len;
  char desc[64];
  lua_rawgetp(L, mt, &map_key);
  int map = lua_gettop(L);
  lua_pushnil(L);
  while (lua_next(L, tidx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) {
      asr_lconv_key_desc(L, -1, desc, sizeof desc);
      lua_pop(L, 2);
      return asr_lconv_fail(e, path, "%s in a document (keys must be strings)", desc);
    }
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    if (len == 3 && memcmp(s, "_id", 3) == 0) continue;
    lua_pushvalue(L, -1);
    int known = lua_rawget(L, map) != LUA_TNIL;
    lua_pop(L, 1);
    if (!known && asr_lconv_push_key(e, s, len)) {
      lua_pop(L, 2);
      return asr_lconv_nomem(e);
    }
  }
  lua_pop(L, 1);
  return asr_lconv_write_sorted(e, tidx, keys0, dst, path, depth);
}

/* A decoded document: "_id", the original keys in order, then the added ones sorted. */
static int write_shaped(encode_t *e, int tidx, int mt, bson_t *dst, const path_t *path, int depth) {
  lua_State *L = e->L;
  lua_Integer written = 0;
  lua_pushliteral(L, "_id");
  lua_pushvalue(L, -1);
  if (lua_rawget(L, tidx) != LUA_TNIL) {
    int i64 = 0;
    if (lua_isinteger(L, -1)) { /* rare: look its position up */
      lua_rawgetp(L, mt, &map_key);
      lua_pushvalue(L, -3);
      lua_Integer pos = lua_rawget(L, -2) == LUA_TNUMBER ? lua_tointeger(L, -1) : 0;
      lua_pop(L, 2);
      i64 = pos && was_int64(L, mt, lua_gettop(L), pos);
    }
    path_t fp = {path, "_id", 3, 0};
    int rc = asr_lconv_write_value(e, lua_gettop(L), dst, "_id", 3, i64, &fp, depth);
    if (rc) return rc;
    written++;
  }
  lua_pop(L, 2);
  lua_rawgeti(L, mt, 0);
  lua_Integer n = lua_tointeger(L, -1);
  lua_pop(L, 1);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, mt, i);
    size_t klen;
    const char *k = lua_tolstring(L, -1, &klen);
    if (klen == 3 && memcmp(k, "_id", 3) == 0) {
      lua_pop(L, 1);
      continue;
    }
    lua_pushvalue(L, -1);
    if (lua_rawget(L, tidx) == LUA_TNIL) {
      lua_pop(L, 2);
      continue;
    }
    int vidx = lua_gettop(L);
    path_t fp = {path, k, klen, 0};
    int rc = asr_lconv_write_value(e, vidx, dst, k, (int)klen, was_int64(L, mt, vidx, i), &fp, depth);
    lua_pop(L, 2);
    if (rc) return rc;
    written++;
  }
  lua_Integer total = 0; /* any keys besides the original ones? */
  lua_pushnil(L);
  while (lua_next(L, tidx)) {
    lua_pop(L, 1);
    total++;
  }
  return total == written ? 0 : write_added(e, tidx, mt, dst, path, depth);
}

static int write_array(encode_t *e, int tidx, int mt, lua_Integer n, bson_t *dst,
                       const path_t *path, int depth) {
  lua_State *L = e->L;
  int flagged = 0;
  if (mt) {
    flagged = lua_rawgeti(L, mt, 0) == LUA_TNUMBER && lua_tointeger(L, -1) > 0;
    lua_pop(L, 1);
  }
  for (lua_Integer i = 1; i <= n; i++) {
    char buf[16];
    const char *key;
    size_t klen = bson_uint32_to_string((uint32_t)(i - 1), &key, buf, sizeof buf);
    lua_rawgeti(L, tidx, i);
    int vidx = lua_gettop(L);
    path_t fp = {path, NULL, 0, i};
    int rc =
        asr_lconv_write_value(e, vidx, dst, key, (int)klen, flagged && was_int64(L, mt, vidx, i), &fp, depth);
    lua_pop(L, 1);
    if (rc) return rc;
  }
  return 0;
}

/* Writes the table at tidx under key in dst; key NULL: the top level, written into dst. */
static int write_table(encode_t *e, int tidx, bson_t *dst, const char *key, int klen,
                       const path_t *path, int depth) {
  lua_State *L = e->L;
  if (depth > ASR_LCONV_MAX_DEPTH)
    return asr_lconv_fail(e, path, "nested deeper than %d levels (a table that contains itself?)",
                ASR_LCONV_MAX_DEPTH);
  if (!lua_checkstack(L, 10)) return asr_lconv_nomem(e);
  int top = lua_gettop(L), mt = 0, kind = KIND_PLAIN, rc = 0;
  size_t keys0 = e->c->keys.len;
  if (lua_getmetatable(L, tidx)) {
    if (lua_rawgetp(L, -1, &kind_key) == LUA_TNUMBER) {
      kind = (int)lua_tointeger(L, -1);
      mt = top + 1;
    }
    lua_pop(L, 1); /* a foreign metatable is ignored: the table is read raw */
  }
  if (kind == KIND_LAZY) {
    rc = asr_lconv_write_lazy(e, tidx, mt, dst, key, klen, path, depth);
    goto done;
  }
  int shaped = kind == KIND_DOC;
  lua_Integer n = 0;
  if (!shaped && (rc = classify(e, tidx, path, &kind, &n))) goto done;
  if (!key) {
    if (kind == KIND_ARRAY)
      rc = asr_lconv_fail(e, path, "an array cannot be the top-level document");
    else
      rc = shaped ? write_shaped(e, tidx, mt, dst, path, depth)
                  : asr_lconv_write_sorted(e, tidx, keys0, dst, path, depth);
    goto done;
  }
  bson_t child;
  bool open = kind == KIND_ARRAY ? bson_append_array_begin(dst, key, klen, &child)
                                 : bson_append_document_begin(dst, key, klen, &child);
  if (!open) {
    rc = asr_lconv_fail(e, path, "document exceeds the maximum BSON size");
    goto done;
  }
  if (kind == KIND_ARRAY)
    rc = write_array(e, tidx, mt, n, &child, path, depth);
  else if (shaped)
    rc = write_shaped(e, tidx, mt, &child, path, depth);
  else
    rc = asr_lconv_write_sorted(e, tidx, keys0, &child, path, depth);
  /* closed even after an error, so dst stays a well-formed (partial) document */
  bool closed = kind == KIND_ARRAY ? bson_append_array_end(dst, &child)
                                   : bson_append_document_end(dst, &child);
  if (!closed && !rc) rc = asr_lconv_fail(e, path, "document exceeds the maximum BSON size");
done:
  e->c->keys.len = keys0;
  lua_settop(L, top);
  return rc;
}

int asr_lconv_to_bson(lua_State *L, int idx, bson_t *out, asr_err_t *err) {
  idx = lua_absindex(L, idx);
  if (lua_type(L, idx) != LUA_TTABLE)
    return asr_err_set(err, ASR_EINVAL, "document: expected a table, got %s",
                       luaL_typename(L, idx));
  encode_t e = {L, asr_lconv_ctx(L), err};
  asr_buf_reset(&e.c->keys); /* a memory error may have unwound through a previous call */
  int top = lua_gettop(L);
  int rc = write_table(&e, idx, out, NULL, 0, NULL, 0);
  lua_settop(L, top);
  return rc;
}

int asr_lconv_append_value(lua_State *L, int idx, bson_t *dst, const char *key, int keylen,
                           asr_err_t *err) {
  idx = lua_absindex(L, idx);
  if (lua_isnil(L, idx)) return 0;
  encode_t e = {L, asr_lconv_ctx(L), err};
  asr_buf_reset(&e.c->keys); /* as in asr_lconv_to_bson: a top-level entry */
  int top = lua_gettop(L);
  path_t fp = {NULL, key, (size_t)keylen, 0};
  int rc = asr_lconv_write_value(&e, idx, dst, key, keylen, 0, &fp, 0);
  lua_settop(L, top);
  return rc;
}
