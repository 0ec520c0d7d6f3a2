/* Tests for the field operations on BSON bytes (pipeline/fields.c): each result compared byte
 * for byte with the document it must be (built by libbson from Extended JSON), field order
 * included; per-document failures with their messages and the output left as it was; spec
 * conflicts refused when built. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bson/bson.h>
#include <cmocka.h>

#include "pipeline/fields.h"

static bson_t *doc_of(const char *json) {
  bson_error_t e;
  bson_t *b = bson_new_from_json((const uint8_t *)json, -1, &e);
  if (!b) fail_msg("bad test JSON %s: %s", json, e.message);
  return b;
}

static asr_fields_t *spec(void) {
  asr_fields_t *f = asr_fields_new();
  assert_non_null(f);
  return f;
}

/* set path to the value of the only field of json ({"v": ...}). */
static void set_json(asr_fields_t *f, const char *path, const char *json) {
  bson_t *b = doc_of(json);
  const uint8_t *d = bson_get_data(b);
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_fields_set(f, path, d[4], d + 7, b->len - 8, &err), 0);
  bson_destroy(b);
}

static void finish(asr_fields_t *f) {
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_fields_finish(f, &err), 0);
}

/* Applies f to `in` and checks the bytes equal `want`'s. */
static void check(const asr_fields_t *f, const char *in, const char *want) {
  bson_t *a = doc_of(in), *b = doc_of(want);
  asr_fields_scratch_t *s = asr_fields_scratch_new(f);
  asr_buf_t out;
  asr_buf_init(&out);
  asr_buf_append(&out, "xy", 2); /* appends after what is there */
  asr_err_t err;
  asr_err_clear(&err);
  int rc = asr_fields_apply(f, s, bson_get_data(a), a->len, &out, &err);
  if (rc) fail_msg("%s: %s", in, err.msg);
  bson_t got;
  assert_true(bson_init_static(&got, out.data + 2, out.len - 2));
  if (out.len - 2 != b->len || memcmp(out.data + 2, bson_get_data(b), b->len) != 0) {
    char *g = bson_as_canonical_extended_json(&got, NULL);
    fail_msg("%s: got %s, want %s", in, g, want);
  }
  asr_buf_free(&out);
  asr_fields_scratch_free(s);
  bson_destroy(a);
  bson_destroy(b);
}

/* Applies f to `in` and checks it fails with a message holding `msg`, out unchanged. */
static void check_fails(const asr_fields_t *f, const char *in, const char *msg) {
  bson_t *a = doc_of(in);
  asr_fields_scratch_t *s = asr_fields_scratch_new(f);
  asr_buf_t out;
  asr_buf_init(&out);
  asr_buf_append(&out, "xy", 2);
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_fields_apply(f, s, bson_get_data(a), a->len, &out, &err), ASR_EDATA);
  if (!strstr(err.msg, msg)) fail_msg("message '%s' lacks '%s'", err.msg, msg);
  assert_int_equal(out.len, 2);
  asr_buf_free(&out);
  asr_fields_scratch_free(s);
  bson_destroy(a);
}

static void test_top_level(void **state) {
  (void)state;
  asr_err_t err;
  asr_err_clear(&err);
  asr_fields_t *f = spec();
  assert_int_equal(asr_fields_rename(f, "orderNumber", "order_no", &err), 0);
  assert_int_equal(asr_fields_drop(f, "notes", &err), 0);
  set_json(f, "schemaVersion", "{\"v\": 3}");
  set_json(f, "status", "{\"v\": \"new\"}");
  assert_int_equal(asr_fields_copy(f, "a", "b", &err), 0);
  finish(f);
  assert_int_equal(asr_fields_count(f), 5);
  /* in place: the rename, the set of an existing field; appended, in the order added: the
   * new set field, the copy */
  check(f, "{\"_id\": 1, \"orderNumber\": \"X\", \"notes\": \"n\", \"status\": \"old\", "
           "\"a\": {\"k\": [1, 2]}, \"z\": true}",
        "{\"_id\": 1, \"order_no\": \"X\", \"status\": \"new\", \"a\": {\"k\": [1, 2]}, "
        "\"z\": true, \"schemaVersion\": 3, \"b\": {\"k\": [1, 2]}}");
  /* missing fields: nothing to rename, drop or copy */
  check(f, "{\"z\": 1}", "{\"z\": 1, \"schemaVersion\": 3, \"status\": \"new\"}");
  check_fails(f, "{\"orderNumber\": 1, \"order_no\": 2}",
              "rename orderNumber -> order_no: the document has a field 'order_no' already");
  check_fails(f, "{\"a\": 1, \"b\": 2}", "copy a -> b: the document has a field 'b' already");
  asr_fields_free(f);

  f = spec(); /* a swap, and a drop that makes room for a rename */
  assert_int_equal(asr_fields_rename(f, "a", "b", &err), 0);
  assert_int_equal(asr_fields_rename(f, "b", "a", &err), 0);
  assert_int_equal(asr_fields_drop(f, "d", &err), 0);
  assert_int_equal(asr_fields_rename(f, "c", "d", &err), 0);
  finish(f);
  check(f, "{\"a\": 1, \"b\": \"two\", \"c\": 3, \"d\": 4}",
        "{\"b\": 1, \"a\": \"two\", \"d\": 3}");
  asr_fields_free(f);
}

static void test_dotted_paths(void **state) {
  (void)state;
  asr_err_t err;
  asr_err_clear(&err);
  asr_fields_t *f = spec();
  assert_int_equal(asr_fields_rename(f, "customer.name", "customer.fullName", &err), 0);
  assert_int_equal(asr_fields_drop(f, "customer.age", &err), 0);
  assert_int_equal(asr_fields_rename(f, "x.y", "top", &err), 0);
  assert_int_equal(asr_fields_copy(f, "customer.city", "ship.city", &err), 0);
  set_json(f, "meta.version", "{\"v\": {\"$numberLong\": \"7\"}}");
  finish(f);
  check(f, "{\"customer\": {\"name\": \"Ann\", \"age\": 3, \"city\": \"Oslo\"}, "
           "\"x\": {\"y\": 5, \"z\": 1}, \"ship\": {\"zip\": \"0150\"}, \"w\": [{\"y\": 1}]}",
        "{\"customer\": {\"fullName\": \"Ann\", \"city\": \"Oslo\"}, \"x\": {\"z\": 1}, "
        "\"ship\": {\"zip\": \"0150\", \"city\": \"Oslo\"}, \"w\": [{\"y\": 1}], "
        "\"top\": 5, \"meta\": {\"version\": {\"$numberLong\": \"7\"}}}");
  /* parents created when missing, but not for a value that is not there */
  check(f, "{\"customer\": {\"city\": \"Rome\"}}",
        "{\"customer\": {\"city\": \"Rome\"}, \"ship\": {\"city\": \"Rome\"}, "
        "\"meta\": {\"version\": {\"$numberLong\": \"7\"}}}");
  check(f, "{\"q\": 1}", "{\"q\": 1, \"meta\": {\"version\": {\"$numberLong\": \"7\"}}}");
  check_fails(f, "{\"meta\": \"v1\"}", "cannot write inside 'meta': it is a string");
  check_fails(f, "{\"top\": 1, \"x\": {\"y\": 2}}", "rename x.y -> top: the document has a "
                                                    "field 'top' already");
  asr_fields_free(f);
}

static void test_convert(void **state) {
  (void)state;
  static const struct {
    const char *type, *in, *want;
  } ok[] = {
      {"int64", "\"42\"", "{\"$numberLong\": \"42\"}"},
      {"int64", "-7", "{\"$numberLong\": \"-7\"}"},
      {"int64", "{\"$date\": {\"$numberLong\": \"1000\"}}", "{\"$numberLong\": \"1000\"}"},
      {"int32", "3.0", "3"},
      {"int32", "{\"$numberLong\": \"12\"}", "12"},
      {"int32", "true", "1"},
      {"int32", "{\"$numberDecimal\": \"12\"}", "12"},
      {"double", "\"3.5\"", "3.5"},
      {"double", "{\"$numberLong\": \"5\"}", "5.0"},
      {"string", "12.5", "\"12.5\""},
      {"string", "0.1", "\"0.1\""},
      {"string", "{\"$numberLong\": \"9007199254740993\"}", "\"9007199254740993\""},
      {"string", "{\"$date\": {\"$numberLong\": \"1704164645123\"}}", "\"2024-01-02T03:04:05.123Z\""},
      {"string", "{\"$oid\": \"5f0c8a2b9d3e4a1b2c3d4e5f\"}", "\"5f0c8a2b9d3e4a1b2c3d4e5f\""},
      {"string", "{\"$numberDecimal\": \"1.50\"}", "\"1.50\""},
      {"string", "false", "\"false\""},
      {"bool", "\"true\"", "true"},
      {"bool", "\"0\"", "false"},
      {"bool", "0.0", "false"},
      {"bool", "{\"$numberLong\": \"3\"}", "true"},
      {"date", "\"2024-01-02T03:04:05Z\"", "{\"$date\": {\"$numberLong\": \"1704164645000\"}}"},
      {"date", "\"2024-01-02\"", "{\"$date\": {\"$numberLong\": \"1704153600000\"}}"},
      {"date", "{\"$numberLong\": \"1704164645000\"}", "{\"$date\": {\"$numberLong\": \"1704164645000\"}}"},
      {"date", "{\"$oid\": \"5f0c8a2b9d3e4a1b2c3d4e5f\"}", "{\"$date\": {\"$numberLong\": \"1594657323000\"}}"},
      {"decimal", "\"1.50\"", "{\"$numberDecimal\": \"1.50\"}"},
      {"decimal", "7", "{\"$numberDecimal\": \"7\"}"},
      {"decimal", "2.25", "{\"$numberDecimal\": \"2.25\"}"},
      {"objectId", "\"5f0c8a2b9d3e4a1b2c3d4e5f\"", "{\"$oid\": \"5f0c8a2b9d3e4a1b2c3d4e5f\"}"},
      {"int64", "null", "null"}, /* null stays null */
      {"string", "\"s\"", "\"s\""},
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    asr_fields_t *f = spec();
    asr_field_type_t to;
    asr_err_t err;
    asr_err_clear(&err);
    assert_int_equal(asr_field_type_parse(ok[i].type, &to), 0);
    assert_int_equal(asr_fields_convert(f, "v", to, &err), 0);
    finish(f);
    char in[256], want[256];
    snprintf(in, sizeof in, "{\"a\": 1, \"v\": %s, \"z\": 2}", ok[i].in);
    snprintf(want, sizeof want, "{\"a\": 1, \"v\": %s, \"z\": 2}", ok[i].want);
    check(f, in, want);
    check(f, "{\"a\": 1}", "{\"a\": 1}"); /* a missing field stays missing */
    asr_fields_free(f);
  }
  static const struct {
    const char *type, *in, *msg;
  } bad[] = {
      {"int64", "\"abc\"", "convert v to int64: \"abc\" is not a whole number"},
      {"int64", "\"12 \"", "is not a whole number"},
      {"int32", "3.5", "convert v to int32: 3.5 is not a whole number"},
      {"int32", "{\"$numberLong\": \"3000000000\"}", "3000000000 does not fit in int32"},
      {"int64", "{\"k\": 1}", "convert v to int64: a document cannot be converted"},
      {"double", "\"x1\"", "\"x1\" is not a number"},
      {"bool", "\"yes\"", "\"yes\" is not true, false, 1 or 0"},
      {"date", "\"soon\"", "is not an ISO-8601 date"},
      {"decimal", "\"1.2.3\"", "is not a decimal number"},
      {"objectId", "\"xyz\"", "is not 24 hexadecimal digits"},
      {"string", "[1]", "an array cannot be converted"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    asr_fields_t *f = spec();
    asr_field_type_t to;
    asr_err_t err;
    asr_err_clear(&err);
    assert_int_equal(asr_field_type_parse(bad[i].type, &to), 0);
    assert_int_equal(asr_fields_convert(f, "v", to, &err), 0);
    finish(f);
    char in[256];
    snprintf(in, sizeof in, "{\"v\": %s}", bad[i].in);
    check_fails(f, in, bad[i].msg);
    asr_fields_free(f);
  }
  asr_field_type_t to;
  assert_int_equal(asr_field_type_parse("int8", &to), -1);
}

static void test_convert_with_rename(void **state) {
  (void)state;
  asr_err_t err;
  asr_err_clear(&err);
  asr_fields_t *f = spec();
  assert_int_equal(asr_fields_convert(f, "qty", ASR_FIELD_INT32, &err), 0);
  assert_int_equal(asr_fields_rename(f, "qty", "quantity", &err), 0);
  assert_int_equal(asr_fields_convert(f, "p.price", ASR_FIELD_DOUBLE, &err), 0);
  assert_int_equal(asr_fields_rename(f, "p.price", "price", &err), 0);
  assert_int_equal(asr_fields_copy(f, "n", "n2", &err), 0); /* a copy reads the input */
  assert_int_equal(asr_fields_convert(f, "n", ASR_FIELD_STRING, &err), 0);
  finish(f);
  check(f, "{\"qty\": \"5\", \"p\": {\"price\": \"2.5\"}, \"n\": 1}",
        "{\"quantity\": 5, \"p\": {}, \"n\": \"1\", \"price\": 2.5, \"n2\": 1}");
  asr_fields_free(f);
}

static void expect_spec_error(int rc, asr_err_t *err, const char *msg) {
  assert_int_equal(rc, ASR_EINVAL);
  if (!strstr(err->msg, msg)) fail_msg("message '%s' lacks '%s'", err->msg, msg);
  asr_err_clear(err);
}

static void test_spec_errors(void **state) {
  (void)state;
  asr_err_t err;
  asr_err_clear(&err);
  asr_fields_t *f = spec();
  expect_spec_error(asr_fields_drop(f, "a..b", &err), &err, "'a..b' is not a field path");
  expect_spec_error(asr_fields_drop(f, "", &err), &err, "is not a field path");
  expect_spec_error(asr_fields_rename(f, ".a", "b", &err), &err, "'.a' is not a field path");
  expect_spec_error(asr_fields_rename(f, "a", "a", &err), &err, "the same name");
  assert_int_equal(asr_fields_drop(f, "a", &err), 0);
  expect_spec_error(asr_fields_rename(f, "a", "b", &err), &err,
                    "drop a and rename a -> b name the same field");
  expect_spec_error(asr_fields_convert(f, "a", ASR_FIELD_INT32, &err), &err,
                    "drop a and convert a name the same field");
  assert_int_equal(asr_fields_rename(f, "c", "d", &err), 0);
  expect_spec_error(asr_fields_copy(f, "e", "d", &err), &err,
                    "rename c -> d and copy e -> d both write field 'd'");
  set_json(f, "s", "{\"v\": 1}");
  expect_spec_error(asr_fields_drop(f, "s", &err), &err, "set s and drop s name the same field");
  set_json(f, "m.x", "{\"v\": 1}");
  assert_int_equal(asr_fields_copy(f, "a", "m", &err), 0);
  expect_spec_error(asr_fields_finish(f, &err), &err,
                    "copy a -> m writes 'm', and set m.x writes a field inside it");
  asr_fields_free(f);
}

static void test_malformed(void **state) {
  (void)state;
  asr_err_t err;
  asr_err_clear(&err);
  asr_fields_t *f = spec();
  assert_int_equal(asr_fields_drop(f, "b", &err), 0);
  finish(f);
  asr_fields_scratch_t *s = asr_fields_scratch_new(f);
  /* {"a": "x"} with the string's length running past the document */
  static const uint8_t bad[] = {15, 0, 0, 0, 2, 'a', 0, 50, 0, 0, 0, 'x', 0, 0, 0};
  asr_buf_t out;
  asr_buf_init(&out);
  assert_int_equal(asr_fields_apply(f, s, bad, sizeof bad, &out, &err), ASR_EDATA);
  assert_non_null(strstr(err.msg, "not well-formed BSON"));
  assert_int_equal(out.len, 0);
  asr_buf_free(&out);
  asr_fields_scratch_free(s);
  asr_fields_free(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_top_level),      cmocka_unit_test(test_dotted_paths),
      cmocka_unit_test(test_convert),        cmocka_unit_test(test_convert_with_rename),
      cmocka_unit_test(test_spec_errors),    cmocka_unit_test(test_malformed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
