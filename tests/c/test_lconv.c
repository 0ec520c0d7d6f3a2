/* Tests for host/lua/lconv.c (and the typed values it uses) from C, with real lua_States. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "lua/lasrun.h"
#include "lua/lbson_types.h"
#include "lua/lconv.h"

static lua_State *new_state(void) {
  lua_State *L = luaL_newstate();
  assert_non_null(L);
  luaL_openlibs(L);
  return L;
}

/* {_id: ObjectId, name: "ada", n: int64 5, f: 1.5, tags: ["a", "b"], sub: {x: 1}, nul: null} */
static bson_t *sample(void) {
  bson_t *b = bson_new();
  bson_oid_t oid;
  bson_oid_init_from_string(&oid, "5f1d7a3e9b1e8b3a4c2d1e0f");
  bson_t child;
  BSON_APPEND_OID(b, "_id", &oid);
  BSON_APPEND_UTF8(b, "name", "ada");
  BSON_APPEND_INT64(b, "n", 5);
  BSON_APPEND_DOUBLE(b, "f", 1.5);
  BSON_APPEND_ARRAY_BEGIN(b, "tags", &child);
  BSON_APPEND_UTF8(&child, "0", "a");
  BSON_APPEND_UTF8(&child, "1", "b");
  bson_append_array_end(b, &child);
  BSON_APPEND_DOCUMENT_BEGIN(b, "sub", &child);
  BSON_APPEND_INT32(&child, "x", 1);
  bson_append_document_end(b, &child);
  BSON_APPEND_NULL(b, "nul");
  return b;
}

static void assert_same_bson(const bson_t *want, const bson_t *got) {
  if (want->len != got->len || memcmp(bson_get_data(want), bson_get_data(got), want->len) != 0) {
    char *w = bson_as_canonical_extended_json(want, NULL),
         *g = bson_as_canonical_extended_json(got, NULL);
    print_error("want %s\n got %s\n", w, g);
    bson_free(w);
    bson_free(g);
    fail();
  }
}

static void test_push_doc_values(void **state) {
  (void)state;
  lua_State *L = new_state();
  bson_t *b = sample();
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_lconv_push_doc(L, bson_get_data(b), b->len, &err), 0);
  assert_int_equal(lua_gettop(L), 1);
  assert_int_equal(lua_getfield(L, 1, "name"), LUA_TSTRING);
  assert_string_equal(lua_tostring(L, -1), "ada");
  assert_int_equal(lua_getfield(L, 1, "n"), LUA_TNUMBER);
  assert_true(lua_isinteger(L, -1));
  assert_int_equal(lua_tointeger(L, -1), 5);
  assert_int_equal(lua_getfield(L, 1, "f"), LUA_TNUMBER);
  assert_false(lua_isinteger(L, -1));
  assert_true(lua_tonumber(L, -1) == 1.5);
  assert_int_equal(lua_getfield(L, 1, "tags"), LUA_TTABLE);
  assert_true(asr_lconv_is_array(L, -1));
  assert_int_equal(lua_rawlen(L, -1), 2);
  assert_int_equal(lua_rawgeti(L, -1, 2), LUA_TSTRING);
  assert_string_equal(lua_tostring(L, -1), "b");
  lua_settop(L, 1);
  assert_int_equal(lua_getfield(L, 1, "sub"), LUA_TTABLE);
  assert_false(asr_lconv_is_array(L, -1));
  assert_int_equal(lua_getfield(L, 1, "_id"), LUA_TUSERDATA);
  const asr_lbson_value_t *oid = asr_lbson_test(L, -1);
  assert_non_null(oid);
  assert_int_equal(oid->type, BSON_TYPE_OID);
  assert_int_equal(oid->len, 12);
  assert_int_equal(oid->bytes[0], 0x5f);
  assert_int_equal(lua_getfield(L, 1, "nul"), LUA_TUSERDATA);
  const asr_lbson_value_t *nul = asr_lbson_test(L, -1);
  assert_non_null(nul);
  assert_int_equal(nul->type, BSON_TYPE_NULL);
  bson_destroy(b);
  lua_close(L);
}

static void test_round_trip_bytes(void **state) {
  (void)state;
  lua_State *L = new_state();
  bson_t *b = sample();
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_lconv_push_doc(L, bson_get_data(b), b->len, &err), 0);
  lua_pushinteger(L, 42); /* a negative index and an unrelated value above it */
  bson_t out = BSON_INITIALIZER;
  assert_int_equal(asr_lconv_to_bson(L, -2, &out, &err), 0);
  assert_int_equal(lua_gettop(L), 2);
  assert_same_bson(b, &out);
  /* the same buffer, reused */
  bson_reinit(&out);
  assert_int_equal(asr_lconv_to_bson(L, 1, &out, &err), 0);
  assert_same_bson(b, &out);
  bson_destroy(&out);
  bson_destroy(b);
  lua_close(L);
}

static void expect_edata(const uint8_t *data, uint32_t len, const char *msg) {
  lua_State *L = new_state();
  lua_pushliteral(L, "sentinel");
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_lconv_push_doc(L, data, len, &err), ASR_EDATA);
  assert_int_equal(err.code, ASR_EDATA);
  assert_string_equal(err.msg, msg);
  assert_int_equal(lua_gettop(L), 1); /* nothing pushed */
  assert_string_equal(lua_tostring(L, 1), "sentinel");
  lua_close(L);
}

static void test_malformed_bson(void **state) {
  (void)state;
  /* length header says 16, buffer is 12 */
  static const uint8_t short_buf[] = {0x10, 0, 0, 0, 0x10, 'a', 0, 1, 0, 0, 0, 0};
  expect_edata(short_buf, sizeof short_buf, "corrupt BSON: bad document length or terminator");
  /* no trailing NUL */
  static const uint8_t no_nul[] = {0x0c, 0, 0, 0, 0x10, 'a', 0, 1, 0, 0, 0, 1};
  expect_edata(no_nul, sizeof no_nul, "corrupt BSON: bad document length or terminator");
  expect_edata(no_nul, 4, "corrupt BSON: bad document length or terminator");
  /* string length running past the end */
  static const uint8_t long_str[] = {0x0e, 0, 0, 0, 0x02, 'a', 0, 0x50, 0, 0, 0, 'x', 0, 0};
  expect_edata(long_str, sizeof long_str, "corrupt BSON at byte 7");
  /* unknown element type */
  static const uint8_t bad_type[] = {0x0c, 0, 0, 0, 0x99, 'a', 0, 1, 2, 3, 4, 0};
  expect_edata(bad_type, sizeof bad_type, "corrupt BSON at byte 7");
  /* a nested document whose element is cut short: {d: {a: int32 <2 bytes>}} */
  static const uint8_t bad_child[] = {0x12, 0, 0,    0,   0x03, 'd', 0, 0x0a, 0,
                                      0,    0, 0x10, 'a', 0,    0,   0, 0,    0};
  expect_edata(bad_child, sizeof bad_child, "corrupt BSON at byte 14");
}

static void test_nesting_limit(void **state) {
  (void)state;
  /* 101 nested documents {x: {x: ... {}}} fail, 100 pass */
  for (int levels = 100; levels <= 101; levels++) {
    bson_t docs[102];
    bson_init(&docs[0]);
    for (int i = 1; i <= levels; i++) bson_append_document_begin(&docs[i - 1], "x", 1, &docs[i]);
    for (int i = levels; i >= 1; i--) bson_append_document_end(&docs[i - 1], &docs[i]);
    lua_State *L = new_state();
    asr_err_t err;
    asr_err_clear(&err);
    int rc = asr_lconv_push_doc(L, bson_get_data(&docs[0]), docs[0].len, &err);
    if (levels == 100) {
      assert_int_equal(rc, 0);
      bson_t out = BSON_INITIALIZER;
      assert_int_equal(asr_lconv_to_bson(L, 1, &out, &err), 0);
      assert_same_bson(&docs[0], &out);
      bson_destroy(&out);
    } else {
      assert_int_equal(rc, ASR_EDATA);
      assert_string_equal(err.msg, "corrupt BSON: nested deeper than 100 levels");
      assert_int_equal(lua_gettop(L), 0);
    }
    bson_destroy(&docs[0]);
    lua_close(L);
  }
}

/* [-0,+1,-] Runs a chunk that returns one value. */
static void eval(lua_State *L, const char *code) {
  if (luaL_dostring(L, code) != LUA_OK) fail_msg("lua: %s", lua_tostring(L, -1));
}

static void test_to_bson_errors(void **state) {
  (void)state;
  lua_State *L = new_state();
  asr_err_t err;
  asr_err_clear(&err);
  bson_t out = BSON_INITIALIZER;
  eval(L, "return { a = 1, items = { { price = 1 }, { price = print } } }");
  assert_int_equal(asr_lconv_to_bson(L, -1, &out, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "field items[2].price: cannot store a function in BSON");
  assert_int_equal(lua_gettop(L), 1);
  assert_true(bson_validate(&out, BSON_VALIDATE_NONE, NULL)); /* partial but well formed */

  asr_err_clear(&err);
  bson_reinit(&out);
  lua_pushinteger(L, 7);
  assert_int_equal(asr_lconv_to_bson(L, -1, &out, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "document: expected a table, got number");

  asr_err_clear(&err);
  bson_reinit(&out);
  eval(L, "local t = { k = {} }; t.k.again = t; return t");
  assert_int_equal(asr_lconv_to_bson(L, -1, &out, &err), ASR_EINVAL);
  assert_non_null(strstr(err.msg, "nested deeper than 100 levels"));
  assert_int_equal(strncmp(err.msg, "field k.again.k.again.", 22), 0);
  assert_int_equal(lua_gettop(L), 3);
  bson_destroy(&out);
  lua_close(L);
}

static void test_order_after_edits(void **state) {
  (void)state;
  lua_State *L = new_state();
  bson_t *b = sample();
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_lconv_push_doc(L, bson_get_data(b), b->len, &err), 0);
  lua_setglobal(L, "doc");
  eval(L,
       "doc.f = nil; doc.zz = 1; doc.aa = doc.name; doc.name = nil; doc.n = doc.n * 2; return doc");
  bson_t out = BSON_INITIALIZER;
  assert_int_equal(asr_lconv_to_bson(L, -1, &out, &err), 0);

  bson_t *want = bson_new();
  bson_oid_t oid;
  bson_oid_init_from_string(&oid, "5f1d7a3e9b1e8b3a4c2d1e0f");
  bson_t child;
  BSON_APPEND_OID(want, "_id", &oid);
  BSON_APPEND_INT64(want, "n", 10); /* still int64 */
  BSON_APPEND_ARRAY_BEGIN(want, "tags", &child);
  BSON_APPEND_UTF8(&child, "0", "a");
  BSON_APPEND_UTF8(&child, "1", "b");
  bson_append_array_end(want, &child);
  BSON_APPEND_DOCUMENT_BEGIN(want, "sub", &child);
  BSON_APPEND_INT32(&child, "x", 1);
  bson_append_document_end(want, &child);
  BSON_APPEND_NULL(want, "nul");
  BSON_APPEND_UTF8(want, "aa", "ada"); /* added keys, sorted */
  BSON_APPEND_INT32(want, "zz", 1);
  assert_same_bson(want, &out);
  bson_destroy(want);
  bson_destroy(&out);
  bson_destroy(b);
  lua_close(L);
}

/* Many distinct shapes: the cache starts over past its capacity and stays correct; lua_close
 * frees it (ASan checks). */
static void test_many_shapes(void **state) {
  (void)state;
  lua_State *L = new_state();
  asr_err_t err;
  asr_err_clear(&err);
  bson_t out = BSON_INITIALIZER;
  for (int i = 0; i < 1500; i++) {
    bson_t *b = bson_new();
    char key[32];
    snprintf(key, sizeof key, "k%d", i);
    BSON_APPEND_INT64(b, key, i);
    BSON_APPEND_INT32(b, "a", i);
    assert_int_equal(asr_lconv_push_doc(L, bson_get_data(b), b->len, &err), 0);
    bson_reinit(&out);
    assert_int_equal(asr_lconv_to_bson(L, -1, &out, &err), 0);
    assert_same_bson(b, &out);
    lua_pop(L, 1);
    bson_destroy(b);
  }
  bson_destroy(&out);
  lua_close(L);
}

/* The module, opened in the state, hands out the very sentinels that decoding produces. */
static void test_module_shares_values(void **state) {
  (void)state;
  lua_State *L = new_state();
  luaL_requiref(L, "asrun.core", luaopen_asrun_core, 0);
  lua_pop(L, 1);
  bson_t *b = sample();
  assert_int_equal(asr_lconv_push_doc(L, bson_get_data(b), b->len, NULL), 0);
  lua_setglobal(L, "doc");
  eval(L,
       "local core = require('asrun.core')\n"
       "return doc.nul == core.null and getmetatable(doc.tags) == core.array_mt\n"
       "  and doc._id == core.objectid('5f1d7a3e9b1e8b3a4c2d1e0f')\n"
       "  and core.bson_encode(doc) == core.bson_encode(core.bson_decode(core.bson_encode(doc)))");
  assert_true(lua_toboolean(L, -1));
  bson_destroy(b);
  lua_close(L);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_push_doc_values), cmocka_unit_test(test_round_trip_bytes),
      cmocka_unit_test(test_malformed_bson),  cmocka_unit_test(test_nesting_limit),
      cmocka_unit_test(test_to_bson_errors),  cmocka_unit_test(test_order_after_edits),
      cmocka_unit_test(test_many_shapes),     cmocka_unit_test(test_module_shares_values),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
