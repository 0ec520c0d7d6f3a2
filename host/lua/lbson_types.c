/* Typed BSON values in Lua (see lbson_types.h). Values keep the BSON value bytes verbatim:
 * accessors and __tostring parse them, the writer copies them, so a decoded value round-trips
 * exactly even where libbson's own appenders would normalise (regex options, old binary). */
#include "lua/lbson_types.h"

#include <lauxlib.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "lua/lconv.h"
#include "core/error.h"
#include "core/le.h"

typedef struct type_desc {
  uint8_t type;
  const char *name;        /* returned by :type(); the metatable's __name is "asrun.<name>" */
  const luaL_Reg *methods; /* type-specific methods, besides type() and value() */
} type_desc_t;

/* Registry keys: the metatable of type t lives at &mt_keys[t], its singleton (if any) at
 * &sg_keys[t]; every typed metatable holds marker_key = true. */
static char mt_keys[256];
static char sg_keys[256];
static char marker_key;

static void wr32(uint8_t *p, uint32_t v) {
  v = BSON_UINT32_TO_LE(v);
  memcpy(p, &v, 4);
}
static void wr64(uint8_t *p, uint64_t v) {
  v = BSON_UINT64_TO_LE(v);
  memcpy(p, &v, 8);
}

static const type_desc_t *desc_of(uint8_t type);

/* ---- creation ---------------------------------------------------------------------- */

static int meta_tostring(lua_State *L);
static int meta_eq(lua_State *L);
static int meta_lt(lua_State *L);
static int meta_le(lua_State *L);
static int m_type(lua_State *L);
static int m_value(lua_State *L);

/* [-0,+1,m] Pushes the metatable for `type`, creating it on first use. */
static void push_mt(lua_State *L, uint8_t type) {
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &mt_keys[type]) == LUA_TTABLE) return;
  lua_pop(L, 1);
  const type_desc_t *d = desc_of(type);
  lua_createtable(L, 0, 8);
  lua_pushfstring(L, "asrun.%s", d->name);
  lua_setfield(L, -2, "__name");
  static const luaL_Reg meta[] = {{"__tostring", meta_tostring},
                                  {"__eq", meta_eq},
                                  {"__lt", meta_lt},
                                  {"__le", meta_le},
                                  {NULL, NULL}};
  luaL_setfuncs(L, meta, 0);
  lua_newtable(L); /* __index: the methods */
  lua_pushcfunction(L, m_type);
  lua_setfield(L, -2, "type");
  lua_pushcfunction(L, m_value);
  lua_setfield(L, -2, "value");
  if (d->methods) luaL_setfuncs(L, d->methods, 0);
  lua_setfield(L, -2, "__index");
  lua_pushboolean(L, 1);
  lua_rawsetp(L, -2, &marker_key);
  lua_pushvalue(L, -1);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &mt_keys[type]);
}

/* [-0,+1,m] */
static asr_lbson_value_t *new_value(lua_State *L, uint8_t type, uint32_t len) {
  asr_lbson_value_t *v = lua_newuserdatauv(L, offsetof(asr_lbson_value_t, bytes) + len, 0);
  v->len = len;
  v->type = type;
  push_mt(L, type);
  lua_setmetatable(L, -2);
  return v;
}

static int is_singleton(uint8_t type) {
  return type == BSON_TYPE_NULL || type == BSON_TYPE_MINKEY || type == BSON_TYPE_MAXKEY ||
         type == BSON_TYPE_UNDEFINED;
}

void asr_lbson_push(lua_State *L, uint8_t type, const void *bytes, uint32_t len) {
  if (is_singleton(type)) {
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &sg_keys[type]) == LUA_TUSERDATA) return;
    lua_pop(L, 1);
    new_value(L, type, 0);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &sg_keys[type]);
    return;
  }
  asr_lbson_value_t *v = new_value(L, type, len);
  if (len) memcpy(v->bytes, bytes, len);
}

/* Length of the value bytes at p for a validated element of `type`; 0 for unknown types. */
static uint32_t value_len(uint8_t type, const uint8_t *p) {
  switch (type) {
  case BSON_TYPE_OID: return 12;
  case BSON_TYPE_DATE_TIME:
  case BSON_TYPE_TIMESTAMP:
  case BSON_TYPE_INT64: return 8;
  case BSON_TYPE_DECIMAL128: return 16;
  case BSON_TYPE_BINARY: return 5 + asr_le32(p);
  case BSON_TYPE_REGEX: {
    size_t a = strlen((const char *)p) + 1;
    return (uint32_t)(a + strlen((const char *)p + a) + 1);
  }
  case BSON_TYPE_DBPOINTER: return 4 + asr_le32(p) + 12;
  case BSON_TYPE_CODE:
  case BSON_TYPE_SYMBOL: return 4 + asr_le32(p);
  case BSON_TYPE_CODEWSCOPE: return asr_le32(p);
  default: return 0;
  }
}

int asr_lbson_push_iter(lua_State *L, const bson_iter_t *it) {
  uint8_t type = (uint8_t)bson_iter_type(it);
  if (!desc_of(type) || type == BSON_TYPE_INT64) return ASR_EDATA;
  const uint8_t *p = (const uint8_t *)bson_iter_key(it) + bson_iter_key_len(it) + 1;
  asr_lbson_push(L, type, p, value_len(type, p));
  return 0;
}

const asr_lbson_value_t *asr_lbson_test(lua_State *L, int idx) {
  if (lua_type(L, idx) != LUA_TUSERDATA || !lua_getmetatable(L, idx)) return NULL;
  int ours = lua_rawgetp(L, -1, &marker_key) == LUA_TBOOLEAN;
  lua_pop(L, 2);
  return ours ? lua_touserdata(L, idx) : NULL;
}

/* [-0,+0,v] The typed value of `type` at idx, or raises an argument error. */
static const asr_lbson_value_t *check(lua_State *L, int idx, uint8_t type) {
  const asr_lbson_value_t *v = asr_lbson_test(L, idx);
  if (!v || v->type != type) {
    lua_pushfstring(L, "asrun.%s", desc_of(type)->name);
    luaL_typeerror(L, idx, lua_tostring(L, -1));
  }
  return v;
}

/* ---- writing ----------------------------------------------------------------------- */

/* Appends the element verbatim: libbson has no raw-element append, so wrap it in a
 * one-element document and concatenate that. */
static int append_raw(bson_t *out, const char *key, int klen, const asr_lbson_value_t *v,
                      asr_buf_t *scratch) {
  size_t total = 4 + 1 + (size_t)klen + 1 + v->len + 1;
  if (total > INT32_MAX) return ASR_EINVAL;
  asr_buf_reset(scratch);
  if (asr_buf_reserve(scratch, total)) return ASR_ENOMEM;
  uint8_t *p = scratch->data;
  wr32(p, (uint32_t)total);
  p[4] = v->type;
  memcpy(p + 5, key, (size_t)klen);
  p[5 + klen] = 0;
  memcpy(p + 6 + klen, v->bytes, v->len);
  p[total - 1] = 0;
  bson_t one;
  if (!bson_init_static(&one, scratch->data, total)) return ASR_EINVAL;
  return bson_concat(out, &one) ? 0 : ASR_EINVAL;
}

int asr_lbson_append(bson_t *out, const char *key, int klen, const asr_lbson_value_t *v,
                     asr_buf_t *scratch) {
  bool ok;
  switch (v->type) {
  case BSON_TYPE_OID: {
    bson_oid_t oid;
    memcpy(oid.bytes, v->bytes, 12);
    ok = bson_append_oid(out, key, klen, &oid);
    break;
  }
  case BSON_TYPE_DATE_TIME:
    ok = bson_append_date_time(out, key, klen, (int64_t)asr_le64(v->bytes));
    break;
  case BSON_TYPE_INT64: ok = bson_append_int64(out, key, klen, (int64_t)asr_le64(v->bytes)); break;
  case BSON_TYPE_TIMESTAMP: {
    uint64_t ts = asr_le64(v->bytes);
    ok = bson_append_timestamp(out, key, klen, (uint32_t)(ts >> 32), (uint32_t)ts);
    break;
  }
  case BSON_TYPE_DECIMAL128: {
    bson_decimal128_t dec = {.low = asr_le64(v->bytes), .high = asr_le64(v->bytes + 8)};
    ok = bson_append_decimal128(out, key, klen, &dec);
    break;
  }
  case BSON_TYPE_NULL: ok = bson_append_null(out, key, klen); break;
  case BSON_TYPE_UNDEFINED: ok = bson_append_undefined(out, key, klen); break;
  case BSON_TYPE_MINKEY: ok = bson_append_minkey(out, key, klen); break;
  case BSON_TYPE_MAXKEY: ok = bson_append_maxkey(out, key, klen); break;
  default: return append_raw(out, key, klen, v, scratch);
  }
  return ok ? 0 : ASR_EINVAL;
}

/* ---- accessors --------------------------------------------------------------------- */

static void push_hex(lua_State *L, const uint8_t *oid) {
  bson_oid_t o;
  char hex[25];
  memcpy(o.bytes, oid, 12);
  bson_oid_to_string(&o, hex);
  lua_pushlstring(L, hex, 24);
}

/* BSON string (int32 length incl. NUL, bytes, NUL) at p: the bytes without the NUL. */
static const char *bstr(const uint8_t *p, size_t *len) {
  *len = asr_le32(p) - 1;
  return (const char *)p + 4;
}

/* Binary payload; the deprecated subtype 2 nests a second length, which libbson strips too. */
static const char *bin_data(const asr_lbson_value_t *v, size_t *len) {
  uint32_t n = asr_le32(v->bytes);
  const uint8_t *p = v->bytes + 5;
  if (v->bytes[4] == BSON_SUBTYPE_BINARY_DEPRECATED && n >= 4) {
    *len = n - 4;
    return (const char *)p + 4;
  }
  *len = n;
  return (const char *)p;
}

static int m_type(lua_State *L) {
  const asr_lbson_value_t *v = asr_lbson_test(L, 1);
  luaL_argexpected(L, v != NULL, 1, "asrun BSON value");
  lua_pushstring(L, desc_of(v->type)->name);
  return 1;
}

static void push_scope(lua_State *L, const asr_lbson_value_t *v) {
  size_t clen;
  bstr(v->bytes + 4, &clen);
  const uint8_t *scope = v->bytes + 4 + 4 + clen + 1;
  if (asr_lconv_push_doc(L, scope, asr_le32(scope), NULL)) lua_pushnil(L);
}

/* value(): the natural Lua value(s) of any typed value. */
static int m_value(lua_State *L) {
  const asr_lbson_value_t *v = asr_lbson_test(L, 1);
  luaL_argexpected(L, v != NULL, 1, "asrun BSON value");
  const uint8_t *b = v->bytes;
  size_t len;
  const char *s;
  switch (v->type) {
  case BSON_TYPE_OID: push_hex(L, b); return 1;
  case BSON_TYPE_DATE_TIME:
  case BSON_TYPE_INT64: lua_pushinteger(L, (lua_Integer)asr_le64(b)); return 1;
  case BSON_TYPE_DECIMAL128: {
    bson_decimal128_t dec = {.low = asr_le64(b), .high = asr_le64(b + 8)};
    char str[BSON_DECIMAL128_STRING];
    bson_decimal128_to_string(&dec, str);
    lua_pushstring(L, str);
    return 1;
  }
  case BSON_TYPE_BINARY:
    s = bin_data(v, &len);
    lua_pushlstring(L, s, len);
    lua_pushinteger(L, b[4]);
    return 2;
  case BSON_TYPE_REGEX:
    lua_pushstring(L, (const char *)b);
    lua_pushstring(L, (const char *)b + strlen((const char *)b) + 1);
    return 2;
  case BSON_TYPE_TIMESTAMP:
    lua_pushinteger(L, (lua_Integer)(asr_le64(b) >> 32));
    lua_pushinteger(L, (lua_Integer)(uint32_t)asr_le64(b));
    return 2;
  case BSON_TYPE_DBPOINTER:
    s = bstr(b, &len);
    lua_pushlstring(L, s, len);
    asr_lbson_push(L, BSON_TYPE_OID, b + 4 + len + 1, 12);
    return 2;
  case BSON_TYPE_CODE:
  case BSON_TYPE_SYMBOL:
    s = bstr(b, &len);
    lua_pushlstring(L, s, len);
    return 1;
  case BSON_TYPE_CODEWSCOPE:
    s = bstr(b + 4, &len);
    lua_pushlstring(L, s, len);
    push_scope(L, v);
    return 2;
  default: lua_pushnil(L); return 1;
  }
}

static int m_oid_time(lua_State *L) {
  const asr_lbson_value_t *v = check(L, 1, BSON_TYPE_OID);
  lua_pushinteger(L, ((lua_Integer)v->bytes[0] << 24) | (v->bytes[1] << 16) | (v->bytes[2] << 8) |
                         v->bytes[3]);
  return 1;
}
static int m_oid_hex(lua_State *L) {
  push_hex(L, check(L, 1, BSON_TYPE_OID)->bytes);
  return 1;
}
static int m_date_ms(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)asr_le64(check(L, 1, BSON_TYPE_DATE_TIME)->bytes));
  return 1;
}
static int m_bin_data(lua_State *L) {
  size_t len;
  const char *s = bin_data(check(L, 1, BSON_TYPE_BINARY), &len);
  lua_pushlstring(L, s, len);
  return 1;
}
static int m_bin_subtype(lua_State *L) {
  lua_pushinteger(L, check(L, 1, BSON_TYPE_BINARY)->bytes[4]);
  return 1;
}
static int m_re_pattern(lua_State *L) {
  lua_pushstring(L, (const char *)check(L, 1, BSON_TYPE_REGEX)->bytes);
  return 1;
}
static int m_re_options(lua_State *L) {
  const char *p = (const char *)check(L, 1, BSON_TYPE_REGEX)->bytes;
  lua_pushstring(L, p + strlen(p) + 1);
  return 1;
}
static int m_ts_t(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)(asr_le64(check(L, 1, BSON_TYPE_TIMESTAMP)->bytes) >> 32));
  return 1;
}
static int m_ts_i(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)(uint32_t)asr_le64(check(L, 1, BSON_TYPE_TIMESTAMP)->bytes));
  return 1;
}
static int m_code_scope(lua_State *L) {
  const asr_lbson_value_t *v = asr_lbson_test(L, 1);
  luaL_argexpected(L, v && (v->type == BSON_TYPE_CODE || v->type == BSON_TYPE_CODEWSCOPE), 1,
                   "asrun.code");
  if (v->type == BSON_TYPE_CODE)
    lua_pushnil(L);
  else
    push_scope(L, v);
  return 1;
}

/* ---- __tostring, __eq, __lt -------------------------------------------------------- */

static void add_quoted(luaL_Buffer *b, const char *s, size_t n) {
  luaL_addchar(b, '"');
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      luaL_addchar(b, '\\');
      luaL_addchar(b, (char)c);
    } else if (c < 0x20) {
      char esc[8];
      snprintf(esc, sizeof esc, "\\u%04x", c);
      luaL_addstring(b, esc);
    } else {
      luaL_addchar(b, (char)c);
    }
  }
  luaL_addchar(b, '"');
}

static void add_base64(luaL_Buffer *b, const uint8_t *p, size_t n) {
  static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < n; i += 3) {
    uint32_t w = (uint32_t)p[i] << 16;
    if (i + 1 < n) w |= (uint32_t)p[i + 1] << 8;
    if (i + 2 < n) w |= p[i + 2];
    luaL_addchar(b, tab[(w >> 18) & 63]);
    luaL_addchar(b, tab[(w >> 12) & 63]);
    luaL_addchar(b, i + 1 < n ? tab[(w >> 6) & 63] : '=');
    luaL_addchar(b, i + 2 < n ? tab[w & 63] : '=');
  }
}

/* Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's civil_from_days). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void add_date(luaL_Buffer *b, int64_t ms) {
  int64_t days = ms / 86400000, rem = ms % 86400000;
  if (rem < 0) {
    rem += 86400000;
    days--;
  }
  int64_t y;
  unsigned mo, d;
  civil_from_days(days, &y, &mo, &d);
  char s[64];
  if (y < 0 || y > 9999)
    snprintf(s, sizeof s, "Date(%lld)", (long long)ms);
  else
    snprintf(s, sizeof s, "ISODate(\"%04d-%02u-%02uT%02u:%02u:%02u.%03uZ\")", (int)y, mo, d,
             (unsigned)(rem / 3600000), (unsigned)(rem / 60000 % 60), (unsigned)(rem / 1000 % 60),
             (unsigned)(rem % 1000));
  luaL_addstring(b, s);
}

static void add_oid(luaL_Buffer *b, const uint8_t *oid) {
  bson_oid_t o;
  char hex[25];
  memcpy(o.bytes, oid, 12);
  bson_oid_to_string(&o, hex);
  luaL_addstring(b, "ObjectId(\"");
  luaL_addstring(b, hex);
  luaL_addstring(b, "\")");
}

static void add_scope_json(luaL_Buffer *b, const asr_lbson_value_t *v) {
  size_t clen;
  bstr(v->bytes + 4, &clen);
  const uint8_t *scope = v->bytes + 4 + 4 + clen + 1;
  bson_t doc;
  char *json = NULL;
  if (bson_init_static(&doc, scope, asr_le32(scope))) json = bson_as_relaxed_extended_json(&doc, NULL);
  /* Only an out-of-memory raise in luaL_addstring could leak json: a deprecated type's
   * tostring is not worth a protected call. */
  luaL_addstring(b, json ? json : "{}");
  bson_free(json);
}

static int meta_tostring(lua_State *L) {
  const asr_lbson_value_t *v = asr_lbson_test(L, 1);
  luaL_argexpected(L, v != NULL, 1, "asrun BSON value");
  const uint8_t *p = v->bytes;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  char s[64];
  size_t len;
  const char *str;
  switch (v->type) {
  case BSON_TYPE_OID: add_oid(&b, p); break;
  case BSON_TYPE_DATE_TIME: add_date(&b, (int64_t)asr_le64(p)); break;
  case BSON_TYPE_INT64:
    snprintf(s, sizeof s, "NumberLong(%lld)", (long long)asr_le64(p));
    luaL_addstring(&b, s);
    break;
  case BSON_TYPE_DECIMAL128: {
    bson_decimal128_t dec = {.low = asr_le64(p), .high = asr_le64(p + 8)};
    char d[BSON_DECIMAL128_STRING];
    bson_decimal128_to_string(&dec, d);
    luaL_addstring(&b, "NumberDecimal(\"");
    luaL_addstring(&b, d);
    luaL_addstring(&b, "\")");
    break;
  }
  case BSON_TYPE_BINARY:
    snprintf(s, sizeof s, "BinData(%u, \"", p[4]);
    luaL_addstring(&b, s);
    add_base64(&b, p + 5, asr_le32(p)); /* the bytes as stored, like the shell */
    luaL_addstring(&b, "\")");
    break;
  case BSON_TYPE_REGEX:
    luaL_addchar(&b, '/');
    luaL_addstring(&b, (const char *)p);
    luaL_addchar(&b, '/');
    luaL_addstring(&b, (const char *)p + strlen((const char *)p) + 1);
    break;
  case BSON_TYPE_TIMESTAMP:
    snprintf(s, sizeof s, "Timestamp(%u, %u)", (unsigned)(asr_le64(p) >> 32),
             (unsigned)(uint32_t)asr_le64(p));
    luaL_addstring(&b, s);
    break;
  case BSON_TYPE_DBPOINTER:
    str = bstr(p, &len);
    luaL_addstring(&b, "DBPointer(");
    add_quoted(&b, str, len);
    luaL_addstring(&b, ", ");
    add_oid(&b, p + 4 + len + 1);
    luaL_addchar(&b, ')');
    break;
  case BSON_TYPE_CODE:
  case BSON_TYPE_SYMBOL:
    str = bstr(p, &len);
    luaL_addstring(&b, v->type == BSON_TYPE_CODE ? "Code(" : "Symbol(");
    add_quoted(&b, str, len);
    luaL_addchar(&b, ')');
    break;
  case BSON_TYPE_CODEWSCOPE:
    str = bstr(p + 4, &len);
    luaL_addstring(&b, "Code(");
    add_quoted(&b, str, len);
    luaL_addstring(&b, ", ");
    add_scope_json(&b, v);
    luaL_addchar(&b, ')');
    break;
  case BSON_TYPE_MINKEY: luaL_addstring(&b, "MinKey"); break;
  case BSON_TYPE_MAXKEY: luaL_addstring(&b, "MaxKey"); break;
  case BSON_TYPE_UNDEFINED: luaL_addstring(&b, "undefined"); break;
  default: luaL_addstring(&b, "null"); break;
  }
  luaL_pushresult(&b);
  return 1;
}

static int meta_eq(lua_State *L) {
  const asr_lbson_value_t *a = asr_lbson_test(L, 1), *b = asr_lbson_test(L, 2);
  lua_pushboolean(L, a && b && a->type == b->type && a->len == b->len &&
                         memcmp(a->bytes, b->bytes, a->len) == 0);
  return 1;
}

/* [-0,+1,m] (leaves the name on the stack) "asrun.date", or the Lua type name. */
static const char *type_name(lua_State *L, int idx) {
  const asr_lbson_value_t *v = asr_lbson_test(L, idx);
  if (!v) return luaL_typename(L, idx);
  return lua_pushfstring(L, "asrun.%s", desc_of(v->type)->name);
}

/* -1, 0, 1; raises unless both are the same orderable type. */
static int compare(lua_State *L) {
  const asr_lbson_value_t *a = asr_lbson_test(L, 1), *b = asr_lbson_test(L, 2);
  if (!a || !b || a->type != b->type)
    return luaL_error(L, "attempt to compare %s with %s", type_name(L, 1), type_name(L, 2));
  switch (a->type) {
  case BSON_TYPE_DATE_TIME:
  case BSON_TYPE_INT64: {
    int64_t x = (int64_t)asr_le64(a->bytes), y = (int64_t)asr_le64(b->bytes);
    return (x > y) - (x < y);
  }
  case BSON_TYPE_TIMESTAMP: {
    uint64_t x = asr_le64(a->bytes), y = asr_le64(b->bytes); /* t in the high half: orders by t, i */
    return (x > y) - (x < y);
  }
  case BSON_TYPE_OID: {
    int c = memcmp(a->bytes, b->bytes, 12);
    return (c > 0) - (c < 0);
  }
  default: return luaL_error(L, "attempt to compare two asrun.%s values", desc_of(a->type)->name);
  }
}
static int meta_lt(lua_State *L) {
  lua_pushboolean(L, compare(L) < 0);
  return 1;
}
static int meta_le(lua_State *L) {
  lua_pushboolean(L, compare(L) <= 0);
  return 1;
}

/* ---- constructors ------------------------------------------------------------------ */

static int c_objectid(lua_State *L) {
  bson_oid_t oid;
  if (lua_isnoneornil(L, 1)) {
    bson_oid_init(&oid, NULL);
  } else {
    size_t len;
    const char *hex = luaL_checklstring(L, 1, &len);
    luaL_argcheck(L, len == 24 && bson_oid_is_valid(hex, len), 1, "expected 24 hex digits");
    bson_oid_init_from_string(&oid, hex);
  }
  asr_lbson_push(L, BSON_TYPE_OID, oid.bytes, 12);
  return 1;
}

static int c_date(lua_State *L) {
  int64_t ms;
  if (lua_isnoneornil(L, 1)) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
  } else {
    ms = (int64_t)luaL_checkinteger(L, 1);
  }
  uint8_t b[8];
  wr64(b, (uint64_t)ms);
  asr_lbson_push(L, BSON_TYPE_DATE_TIME, b, 8);
  return 1;
}

static int c_decimal128(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  bson_decimal128_t dec;
  luaL_argcheck(L, len <= INT32_MAX && bson_decimal128_from_string_w_len(s, (int)len, &dec), 1,
                "not a decimal128 number");
  uint8_t b[16];
  wr64(b, dec.low);
  wr64(b + 8, dec.high);
  asr_lbson_push(L, BSON_TYPE_DECIMAL128, b, 16);
  return 1;
}

static int c_binary(lua_State *L) {
  size_t n;
  const char *data = luaL_checklstring(L, 1, &n);
  lua_Integer sub = luaL_optinteger(L, 2, 0);
  luaL_argcheck(L, sub >= 0 && sub <= 255, 2, "subtype must be 0..255");
  int old = sub == BSON_SUBTYPE_BINARY_DEPRECATED; /* stores its own length again */
  luaL_argcheck(L, n <= INT32_MAX - 64, 1, "too long");
  uint32_t body = (uint32_t)n + (old ? 4 : 0);
  asr_lbson_value_t *v = new_value(L, BSON_TYPE_BINARY, 5 + body);
  wr32(v->bytes, body);
  v->bytes[4] = (uint8_t)sub;
  if (old) wr32(v->bytes + 5, (uint32_t)n);
  memcpy(v->bytes + 5 + (old ? 4 : 0), data, n);
  return 1;
}

/* Options are validated and stored sorted, as the BSON spec requires. */
static int c_regex(lua_State *L) {
  size_t plen, olen;
  const char *pat = luaL_checklstring(L, 1, &plen);
  const char *opt = luaL_optlstring(L, 2, "", &olen);
  luaL_argcheck(L, strlen(pat) == plen, 1, "pattern contains a NUL byte");
  static const char valid[] = "ilmsux";
  char sorted[sizeof valid];
  size_t k = 0;
  for (const char *c = valid; *c; c++)
    if (memchr(opt, *c, olen)) sorted[k++] = *c;
  for (size_t i = 0; i < olen; i++)
    luaL_argcheck(L, opt[i] && strchr(valid, opt[i]), 2, "options must be among \"ilmsux\"");
  asr_lbson_value_t *v = new_value(L, BSON_TYPE_REGEX, (uint32_t)(plen + 1 + k + 1));
  memcpy(v->bytes, pat, plen + 1);
  memcpy(v->bytes + plen + 1, sorted, k);
  v->bytes[plen + 1 + k] = 0;
  return 1;
}

static int c_timestamp(lua_State *L) {
  lua_Integer t = luaL_checkinteger(L, 1), i = luaL_checkinteger(L, 2);
  luaL_argcheck(L, t >= 0 && t <= UINT32_MAX, 1, "must be 0..2^32-1");
  luaL_argcheck(L, i >= 0 && i <= UINT32_MAX, 2, "must be 0..2^32-1");
  uint8_t b[8];
  wr64(b, ((uint64_t)t << 32) | (uint64_t)i);
  asr_lbson_push(L, BSON_TYPE_TIMESTAMP, b, 8);
  return 1;
}

static int c_int64(lua_State *L) {
  uint8_t b[8];
  wr64(b, (uint64_t)luaL_checkinteger(L, 1));
  asr_lbson_push(L, BSON_TYPE_INT64, b, 8);
  return 1;
}

void asr_lbson_register(lua_State *L) {
  static const luaL_Reg ctors[] = {{"objectid", c_objectid},     {"date", c_date},
                                   {"decimal128", c_decimal128}, {"binary", c_binary},
                                   {"regex", c_regex},           {"timestamp", c_timestamp},
                                   {"int64", c_int64},           {NULL, NULL}};
  luaL_setfuncs(L, ctors, 0);
  static const struct {
    const char *name;
    uint8_t type;
  } singletons[] = {{"null", BSON_TYPE_NULL},
                    {"minkey", BSON_TYPE_MINKEY},
                    {"maxkey", BSON_TYPE_MAXKEY},
                    {"undefined", BSON_TYPE_UNDEFINED}};
  for (size_t i = 0; i < sizeof singletons / sizeof singletons[0]; i++) {
    asr_lbson_push(L, singletons[i].type, NULL, 0);
    lua_setfield(L, -2, singletons[i].name);
  }
}

/* ---- type table -------------------------------------------------------------------- */

static const luaL_Reg oid_methods[] = {{"hex", m_oid_hex}, {"time", m_oid_time}, {NULL, NULL}};
static const luaL_Reg date_methods[] = {{"ms", m_date_ms}, {NULL, NULL}};
static const luaL_Reg bin_methods[] = {
    {"data", m_bin_data}, {"subtype", m_bin_subtype}, {NULL, NULL}};
static const luaL_Reg re_methods[] = {
    {"pattern", m_re_pattern}, {"options", m_re_options}, {NULL, NULL}};
static const luaL_Reg ts_methods[] = {{"t", m_ts_t}, {"i", m_ts_i}, {NULL, NULL}};
static const luaL_Reg code_methods[] = {{"scope", m_code_scope}, {NULL, NULL}};

static const type_desc_t descs[] = {
    {BSON_TYPE_OID, "objectid", oid_methods},
    {BSON_TYPE_DATE_TIME, "date", date_methods},
    {BSON_TYPE_DECIMAL128, "decimal128", NULL},
    {BSON_TYPE_BINARY, "binary", bin_methods},
    {BSON_TYPE_REGEX, "regex", re_methods},
    {BSON_TYPE_TIMESTAMP, "timestamp", ts_methods},
    {BSON_TYPE_MINKEY, "minkey", NULL},
    {BSON_TYPE_MAXKEY, "maxkey", NULL},
    {BSON_TYPE_UNDEFINED, "undefined", NULL},
    {BSON_TYPE_NULL, "null", NULL},
    {BSON_TYPE_DBPOINTER, "dbpointer", NULL},
    {BSON_TYPE_CODE, "code", code_methods},
    {BSON_TYPE_CODEWSCOPE, "codewscope", code_methods},
    {BSON_TYPE_SYMBOL, "symbol", NULL},
    {BSON_TYPE_INT64, "int64", NULL},
};

static const type_desc_t *desc_of(uint8_t type) {
  for (size_t i = 0; i < sizeof descs / sizeof descs[0]; i++)
    if (descs[i].type == type) return &descs[i];
  return NULL;
}
