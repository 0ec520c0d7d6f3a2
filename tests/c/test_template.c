/* Tests for host/template: every operator's bounds and exact BSON types, $choose weights,
 * $missing, nesting, determinism, and the exact text of every compile error. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "template/template.h"

#define SAMPLES 10000
#define MAX_SAFE 9007199254740991LL

/* ---- helpers ---------------------------------------------------------------------------- */

static asr_template_t *compile_ok(const char *json) {
  asr_err_t err;
  asr_err_clear(&err);
  asr_template_t *t = NULL;
  int rc = asr_template_compile(json, strlen(json), "t.json", NULL, &t, &err);
  if (rc) fail_msg("compile failed (%d): %s", rc, err.msg);
  assert_non_null(t);
  return t;
}

/* Compiles json expecting failure with `code` and `text` somewhere in the message. */
static void expect_error(const char *json, int code, const char *text) {
  asr_err_t err;
  asr_err_clear(&err);
  asr_template_t *t = (asr_template_t *)&err; /* must be reset to NULL */
  int rc = asr_template_compile(json, strlen(json), "t.json", NULL, &t, &err);
  if (rc != code || !strstr(err.msg, text))
    fail_msg("template %s\n  expected %d with \"%s\"\n  got %d: \"%s\"", json, code, text, rc, err.msg);
  assert_null(t);
}

static void gen(const asr_template_t *t, uint64_t seed, uint64_t index, bson_t *doc) {
  bson_init(doc);
  int rc = asr_template_generate(t, NULL, seed, index, doc, NULL);
  if (rc) fail_msg("generate failed: %d", rc);
}

/* Generates document i and finds dotted path `key` in it (false when absent). */
static bool gen_field(const asr_template_t *t, uint64_t i, const char *key, bson_t *doc,
                      bson_iter_t *it) {
  bson_iter_t root;
  gen(t, 7, i, doc);
  assert_true(bson_iter_init(&root, doc));
  return bson_iter_find_descendant(&root, key, it);
}

static int64_t int_of(const bson_iter_t *it) {
  switch (bson_iter_type(it)) {
  case BSON_TYPE_INT32: return bson_iter_int32(it);
  case BSON_TYPE_INT64: return bson_iter_int64(it);
  default: fail_msg("not an integer: type 0x%x", bson_iter_type(it));
  }
  return 0;
}

static void expect_equal_json(const bson_t *doc, const bson_t *expected) {
  if (!bson_equal(doc, expected)) {
    char *a = bson_as_canonical_extended_json(doc, NULL), *b = bson_as_canonical_extended_json(expected, NULL);
    fail_msg("got      %s\nexpected %s", a, b);
  }
}

/* Samples field "v" of `json` SAMPLES times: checks its type and integer range, and counts how
 * often each value in [min, min+ncounts) was seen. */
static void sample_ints(const char *json, bson_type_t type, int64_t min, int64_t max, int *counts,
                        int ncounts) {
  asr_template_t *t = compile_ok(json);
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it;
    assert_true(gen_field(t, (uint64_t)i, "v", &doc, &it));
    assert_int_equal(bson_iter_type(&it), type);
    int64_t v = int_of(&it);
    if (v < min || v > max) fail_msg("%s: %lld outside [%lld, %lld]", json, (long long)v, (long long)min, (long long)max);
    if (counts && v - min < ncounts) counts[v - min]++;
    bson_destroy(&doc);
  }
  asr_template_free(t);
}

/* ---- literals ---------------------------------------------------------------------------- */

static void test_literals_every_json_type(void **state) {
  asr_template_t *t = compile_ok(
      "{\"s\": \"text\", \"i\": 1, \"neg\": -7, \"l\": 5000000000, \"d\": 2.5, \"t\": true,"
      " \"f\": false, \"n\": null, \"o\": {\"x\": 1, \"y\": [\"a\", {\"z\": null}]}, \"a\": [],"
      " \"e\": {}, \"u\": \"\\u00e9\"}");
  bson_t doc;
  gen(t, 1, 0, &doc);
  bson_t *want = BCON_NEW("s", "text", "i", BCON_INT32(1), "neg", BCON_INT32(-7),
                          "l", BCON_INT64(5000000000LL), "d", BCON_DOUBLE(2.5), "t", BCON_BOOL(true),
                          "f", BCON_BOOL(false), "n", BCON_NULL,
                          "o", "{", "x", BCON_INT32(1), "y", "[", "a", "{", "z", BCON_NULL, "}", "]", "}",
                          "a", "[", "]", "e", "{", "}", "u", "\xc3\xa9");
  expect_equal_json(&doc, want);
  bson_destroy(want);
  bson_destroy(&doc);
  asr_template_free(t);
}

static void test_literals_mixed_with_operators(void **state) {
  asr_template_t *t = compile_ok("{\"o\": {\"x\": 1, \"y\": \"$inc\"}, \"a\": [\"k\", {\"$inc\": {\"start\": 5}}]}");
  bson_t doc;
  gen(t, 1, 3, &doc);
  bson_t *want = BCON_NEW("o", "{", "x", BCON_INT32(1), "y", BCON_INT32(3), "}",
                          "a", "[", "k", BCON_INT32(8), "]");
  expect_equal_json(&doc, want);
  bson_destroy(want);
  bson_destroy(&doc);
  asr_template_free(t);
}

/* ---- $inc ---------------------------------------------------------------------------------- */

static void expect_inc(const char *json, uint64_t index, bson_type_t type, double value) {
  asr_template_t *t = compile_ok(json);
  bson_t doc;
  bson_iter_t it;
  assert_true(gen_field(t, index, "v", &doc, &it));
  assert_int_equal(bson_iter_type(&it), type);
  if (type == BSON_TYPE_DOUBLE) assert_true(bson_iter_double(&it) == value);
  else assert_int_equal(int_of(&it), (int64_t)value);
  bson_destroy(&doc);
  asr_template_free(t);
}

static void test_inc(void **state) {
  for (uint64_t i = 0; i < 5; i++) expect_inc("{\"v\": \"$inc\"}", i, BSON_TYPE_INT32, (double)i);
  expect_inc("{\"v\": {\"$inc\": {\"start\": 100, \"step\": 5}}}", 7, BSON_TYPE_INT32, 135);
  expect_inc("{\"v\": {\"$inc\": {\"start\": 10, \"step\": -3}}}", 4, BSON_TYPE_INT32, -2);
  expect_inc("{\"v\": {\"$inc\": {\"start\": 2147483647}}}", 0, BSON_TYPE_INT32, 2147483647.0);
  expect_inc("{\"v\": {\"$inc\": {\"start\": 2147483647}}}", 1, BSON_TYPE_INT64, 2147483648.0);
  expect_inc("{\"v\": \"$inc\"}", 3000000000ULL, BSON_TYPE_INT64, 3000000000.0);
  expect_inc("{\"v\": {\"$inc\": {\"start\": 0.5, \"step\": 2}}}", 3, BSON_TYPE_DOUBLE, 6.5);
  expect_inc("{\"v\": {\"$inc\": {\"step\": 0.25}}}", 2, BSON_TYPE_DOUBLE, 0.5);
}

/* ---- integers ------------------------------------------------------------------------------ */

static void test_integer_bounds(void **state) {
  int counts[11] = {0};
  sample_ints("{\"v\": {\"$integer\": {\"min\": -5, \"max\": 5}}}", BSON_TYPE_INT32, -5, 5, counts, 11);
  for (int i = 0; i < 11; i++) assert_in_range(counts[i], 750, 1070); /* 909 expected, ~6 sd */
  int number[3] = {0};
  sample_ints("{\"v\": {\"$number\": {\"min\": 7, \"max\": 9}}}", BSON_TYPE_INT32, 7, 9, number, 3);
  for (int i = 0; i < 3; i++) assert_true(number[i] > 0);
  sample_ints("{\"v\": {\"$integer\": {\"min\": 4, \"max\": 4}}}", BSON_TYPE_INT32, 4, 4, NULL, 0);
  sample_ints("{\"v\": {\"$integer\": {\"min\": -2147483648, \"max\": 2147483647}}}", BSON_TYPE_INT32,
              INT32_MIN, INT32_MAX, NULL, 0);
  sample_ints("{\"v\": {\"$integer\": {\"min\": 0, \"max\": 2147483648}}}", BSON_TYPE_INT64, 0,
              2147483648LL, NULL, 0);
}

static void test_integer_defaults(void **state) {
  /* mgeneratejs 0.6's $integer defaults to [-2^31, 2^31] (not chance.js's 2^53), and prints
   * int32s: the real mgeneratejs in the conformance spec shows it. */
  sample_ints("{\"v\": \"$integer\"}", BSON_TYPE_INT32, INT32_MIN, INT32_MAX, NULL, 0);
  sample_ints("{\"v\": \"$number\"}", BSON_TYPE_INT32, INT32_MIN, INT32_MAX, NULL, 0);
  asr_template_t *t = compile_ok("{\"v\": \"$integer\"}");
  int beyond_int16 = 0, negative = 0;
  for (int i = 0; i < 1000; i++) {
    bson_t doc;
    bson_iter_t it;
    assert_true(gen_field(t, (uint64_t)i, "v", &doc, &it));
    int32_t v = bson_iter_int32(&it);
    beyond_int16 += v > 32767 || v < -32768; /* the whole 32-bit range is used */
    negative += v < 0;
    bson_destroy(&doc);
  }
  assert_true(beyond_int16 > 990);
  assert_in_range(negative, 400, 600);
  asr_template_free(t);
}

static void test_number_int_and_long(void **state) {
  sample_ints("{\"v\": \"$numberInt\"}", BSON_TYPE_INT32, INT32_MIN, INT32_MAX, NULL, 0);
  int counts[3] = {0};
  sample_ints("{\"v\": {\"$numberInt\": {\"min\": 1, \"max\": 3}}}", BSON_TYPE_INT32, 1, 3, counts, 3);
  for (int i = 0; i < 3; i++) assert_in_range(counts[i], 3000, 3700);
  /* $numberLong stays int64 even for a small range */
  int lcounts[3] = {0};
  sample_ints("{\"v\": {\"$numberLong\": {\"min\": -1, \"max\": 1}}}", BSON_TYPE_INT64, -1, 1, lcounts, 3);
  for (int i = 0; i < 3; i++) assert_in_range(lcounts[i], 3000, 3700);
  sample_ints("{\"v\": \"$numberLong\"}", BSON_TYPE_INT64, -MAX_SAFE - 1, MAX_SAFE + 1, NULL, 0);
}

/* ---- $floating ------------------------------------------------------------------------------ */

static void sample_floats(const char *json, double min, double max, int fixed) {
  asr_template_t *t = compile_ok(json);
  double f = pow(10, fixed), seen_min = INFINITY, seen_max = -INFINITY;
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it;
    assert_true(gen_field(t, (uint64_t)i, "v", &doc, &it));
    assert_int_equal(bson_iter_type(&it), BSON_TYPE_DOUBLE);
    double v = bson_iter_double(&it);
    if (!(v >= min && v <= max)) fail_msg("%s: %.17g outside [%g, %g]", json, v, min, max);
    if (fabs(v * f - round(v * f)) > 1e-6 * fmax(1, fabs(v * f)))
      fail_msg("%s: %.17g has more than %d decimals", json, v, fixed);
    seen_min = fmin(seen_min, v), seen_max = fmax(seen_max, v);
    bson_destroy(&doc);
  }
  /* the samples spread over the range */
  assert_true(seen_min < min + (max - min) * 0.01);
  assert_true(seen_max > max - (max - min) * 0.01);
  asr_template_free(t);
}

static void test_floating(void **state) {
  sample_floats("{\"v\": {\"$floating\": {\"min\": 1.1, \"max\": 2.5, \"fixed\": 2}}}", 1.1, 2.5, 2);
  sample_floats("{\"v\": {\"$floating\": {\"min\": -3, \"max\": 3, \"fixed\": 0}}}", -3, 3, 0);
  sample_floats("{\"v\": {\"$floating\": {\"min\": 0, \"max\": 1}}}", 0, 1, 4); /* default fixed 4 */
  sample_floats("{\"v\": {\"$double\": {\"min\": 5, \"max\": 6, \"fixed\": 1}}}", 5, 6, 1);
  /* defaults: chance.js's [-(2^53-1)/10^4, (2^53-1)/10^4] */
  sample_floats("{\"v\": \"$floating\"}", -MAX_SAFE / 1e4, MAX_SAFE / 1e4, 4);
  asr_template_t *t = compile_ok("{\"v\": {\"$floating\": {\"min\": 0.25, \"max\": 0.25, \"fixed\": 2}}}");
  bson_t doc;
  bson_iter_t it;
  assert_true(gen_field(t, 3, "v", &doc, &it));
  assert_true(bson_iter_double(&it) == 0.25);
  bson_destroy(&doc);
  asr_template_free(t);
}

/* ---- $bool ----------------------------------------------------------------------------------- */

static int count_true(const char *json) {
  asr_template_t *t = compile_ok(json);
  int n = 0;
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it;
    assert_true(gen_field(t, (uint64_t)i, "v", &doc, &it));
    assert_int_equal(bson_iter_type(&it), BSON_TYPE_BOOL);
    n += bson_iter_bool(&it);
    bson_destroy(&doc);
  }
  asr_template_free(t);
  return n;
}

static void test_bool(void **state) {
  assert_in_range(count_true("{\"v\": \"$bool\"}"), 4700, 5300); /* sd 50 */
  assert_in_range(count_true("{\"v\": {\"$bool\": {\"likelihood\": 20}}}"), 1800, 2200); /* sd 40 */
  assert_int_equal(count_true("{\"v\": {\"$bool\": {\"likelihood\": 0}}}"), 0);
  assert_int_equal(count_true("{\"v\": {\"$bool\": {\"likelihood\": 100}}}"), SAMPLES);
}

/* ---- $string, $character ----------------------------------------------------------------------- */

/* Checks every sampled string: length range in characters, and each character in pool. */
static void sample_strings(const char *json, const char *pool, uint32_t minlen, uint32_t maxlen,
                           bool need_extremes) {
  asr_template_t *t = compile_ok(json);
  bool seen_min = false, seen_max = false;
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it;
    uint32_t len, chars = 0;
    assert_true(gen_field(t, (uint64_t)i, "v", &doc, &it));
    assert_int_equal(bson_iter_type(&it), BSON_TYPE_UTF8);
    const char *s = bson_iter_utf8(&it, &len);
    assert_true(bson_utf8_validate(s, len, false));
    for (const char *p = s; p < s + len; p = bson_utf8_next_char(p), chars++) {
      size_t w = (size_t)(bson_utf8_next_char(p) - p);
      bool found = false;
      for (const char *q = pool; *q && !found; q = bson_utf8_next_char(q))
        found = (size_t)(bson_utf8_next_char(q) - q) == w && memcmp(p, q, w) == 0;
      if (!found) fail_msg("%s: '%.*s' not in the pool", json, (int)w, p);
    }
    assert_in_range(chars, minlen, maxlen);
    seen_min |= chars == minlen, seen_max |= chars == maxlen;
    bson_destroy(&doc);
  }
  if (need_extremes) assert_true(seen_min && seen_max);
  asr_template_free(t);
}

static const char ALNUM[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

static void test_string(void **state) {
  sample_strings("{\"v\": \"$string\"}", ALNUM, 5, 20, true);
  sample_strings("{\"v\": {\"$string\": {\"length\": 12, \"pool\": \"ab\"}}}", "ab", 12, 12, false);
  sample_strings("{\"v\": {\"$string\": {\"length\": 4, \"pool\": \"\xc3\xa4\xc3\xb6\xe2\x82\xac\"}}}",
                 "\xc3\xa4\xc3\xb6\xe2\x82\xac", 4, 4, false);
  sample_strings("{\"v\": {\"$string\": {\"length\": 0}}}", ALNUM, 0, 0, false);
  sample_strings("{\"v\": {\"$string\": {\"length\": {\"$integer\": {\"min\": 2, \"max\": 3}}, \"pool\": \"xy\"}}}",
                 "xy", 2, 3, true);
  sample_strings("{\"v\": {\"$string\": {\"pool\": {\"$choose\": {\"from\": [\"q\", \"\xe2\x82\xac\"]}}}}}",
                 "q\xe2\x82\xac", 5, 20, true);
}

static void test_character(void **state) {
  sample_strings("{\"v\": \"$character\"}", ALNUM, 1, 1, false);
  sample_strings("{\"v\": {\"$character\": {\"pool\": \"xyz\"}}}", "xyz", 1, 1, false);
}

/* ---- $choose ----------------------------------------------------------------------------------- */

static void count_choices(const char *json, const char **values, int *counts, int n) {
  asr_template_t *t = compile_ok(json);
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it;
    assert_true(gen_field(t, (uint64_t)i, "v", &doc, &it));
    const char *s = bson_iter_utf8(&it, NULL);
    int k = 0;
    while (k < n && strcmp(values[k], s) != 0) k++;
    if (k == n) fail_msg("unexpected choice %s", s);
    counts[k]++;
    bson_destroy(&doc);
  }
  asr_template_free(t);
}

static void test_choose_uniform(void **state) {
  const char *abc[] = {"a", "b", "c"};
  int counts[3] = {0};
  count_choices("{\"v\": {\"$choose\": {\"from\": [\"a\", \"b\", \"c\"]}}}", abc, counts, 3);
  for (int i = 0; i < 3; i++) assert_in_range(counts[i], 3333 - 280, 3333 + 280); /* sd 47 */
}

static void test_choose_weights(void **state) {
  const char *abc[] = {"a", "b", "c", "d"};
  int counts[4] = {0};
  count_choices("{\"v\": {\"$choose\": {\"from\": [\"a\", \"b\", \"c\", \"d\"], \"weights\": [6, 3, 0, 1]}}}",
                abc, counts, 4);
  assert_in_range(counts[0], 6000 - 250, 6000 + 250); /* sd 49 */
  assert_in_range(counts[1], 3000 - 230, 3000 + 230); /* sd 46 */
  assert_int_equal(counts[2], 0);
  assert_in_range(counts[3], 1000 - 150, 1000 + 150); /* sd 30 */
}

static void test_choose_operators(void **state) {
  asr_template_t *t = compile_ok(
      "{\"v\": {\"$choose\": {\"from\": [\"$missing\", {\"$integer\": {\"min\": 3, \"max\": 4}}]}}}");
  int missing = 0;
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it;
    if (!gen_field(t, (uint64_t)i, "v", &doc, &it)) {
      missing++;
      assert_int_equal(bson_count_keys(&doc), 0);
    } else {
      assert_int_equal(bson_iter_type(&it), BSON_TYPE_INT32);
      assert_in_range(bson_iter_int32(&it), 3, 4);
    }
    bson_destroy(&doc);
  }
  assert_in_range(missing, 4700, 5300);
  asr_template_free(t);
}

/* ---- $array ------------------------------------------------------------------------------------- */

static void test_array(void **state) {
  asr_template_t *t = compile_ok("{\"v\": {\"$array\": {\"of\": {\"$integer\": {\"min\": 1, \"max\": 2}}, \"number\": 3}}}");
  bson_t doc;
  bson_iter_t it, item;
  assert_true(gen_field(t, 0, "v", &doc, &it));
  assert_true(BSON_ITER_HOLDS_ARRAY(&it));
  assert_true(bson_iter_recurse(&it, &item));
  const char *keys[] = {"0", "1", "2"};
  for (int i = 0; i < 3; i++) {
    assert_true(bson_iter_next(&item));
    assert_string_equal(bson_iter_key(&item), keys[i]);
    assert_int_equal(bson_iter_type(&item), BSON_TYPE_INT32);
    assert_in_range(bson_iter_int32(&item), 1, 2);
  }
  assert_false(bson_iter_next(&item));
  bson_destroy(&doc);
  asr_template_free(t);

  /* number from an operator: every length in [0, 5] occurs */
  t = compile_ok("{\"v\": {\"$array\": {\"of\": \"$bool\", \"number\": {\"$integer\": {\"min\": 0, \"max\": 5}}}}}");
  int lengths[6] = {0};
  for (int i = 0; i < 1000; i++) {
    assert_true(gen_field(t, (uint64_t)i, "v", &doc, &it));
    bson_t arr;
    uint32_t len;
    const uint8_t *data;
    bson_iter_array(&it, &len, &data);
    assert_true(bson_init_static(&arr, data, len));
    uint32_t n = bson_count_keys(&arr);
    assert_in_range(n, 0, 5);
    lengths[n]++;
    bson_destroy(&doc);
  }
  for (int i = 0; i < 6; i++) assert_true(lengths[i] > 100);
  asr_template_free(t);

  /* default number is 0; $missing items leave no holes */
  t = compile_ok("{\"e\": {\"$array\": {\"of\": 1}}, \"m\": {\"$array\": {\"of\": \"$missing\", \"number\": 3}},"
                 " \"h\": {\"$array\": {\"of\": {\"$choose\": {\"from\": [\"$missing\", 1]}}, \"number\": 40}}}");
  gen(t, 1, 0, &doc);
  assert_true(bson_iter_init_find(&it, &doc, "h") && bson_iter_recurse(&it, &item));
  uint32_t expect_key = 0;
  while (bson_iter_next(&item)) {
    char buf[16];
    snprintf(buf, sizeof buf, "%u", expect_key++);
    assert_string_equal(bson_iter_key(&item), buf);
  }
  assert_in_range(expect_key, 5, 35);
  bson_t *want = BCON_NEW("e", "[", "]", "m", "[", "]");
  bson_t head;
  bson_init(&head);
  bson_copy_to_excluding_noinit(&doc, &head, "h", NULL);
  expect_equal_json(&head, want);
  bson_destroy(&head);
  bson_destroy(want);
  bson_destroy(&doc);
  asr_template_free(t);
}

/* ---- $objectid ---------------------------------------------------------------------------------- */

static void test_objectid(void **state) {
  asr_template_t *t = compile_ok("{\"_id\": \"$objectid\", \"other\": \"$oid\","
                                 " \"list\": {\"$array\": {\"of\": \"$oid\", \"number\": 3}}}");
  asr_template_set_now(t, 1700000000123LL);
  bson_oid_t prev;
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it;
    gen(t, 99, (uint64_t)i, &doc);
    assert_true(bson_iter_init_find(&it, &doc, "_id"));
    assert_int_equal(bson_iter_type(&it), BSON_TYPE_OID);
    bson_oid_t id = *bson_iter_oid(&it);
    assert_int_equal(bson_oid_get_time_t(&id), 1700000000);
    if (i > 0) assert_true(bson_oid_compare(&prev, &id) < 0); /* unique and sorted by index */
    prev = id;
    bson_oid_t all[5];
    all[0] = id;
    assert_true(bson_iter_init_find(&it, &doc, "other"));
    all[1] = *bson_iter_oid(&it);
    bson_iter_t list;
    assert_true(bson_iter_init_find(&it, &doc, "list") && bson_iter_recurse(&it, &list));
    for (int k = 2; k < 5; k++) {
      assert_true(bson_iter_next(&list));
      all[k] = *bson_iter_oid(&list);
    }
    for (int a = 0; a < 5; a++)
      for (int b = a + 1; b < 5; b++) assert_false(bson_oid_equal(&all[a], &all[b]));
    bson_destroy(&doc);
  }
  /* another seed gives other ids for the same index */
  bson_t d1, d2;
  bson_iter_t i1, i2;
  gen(t, 1, 5, &d1);
  gen(t, 2, 5, &d2);
  assert_true(bson_iter_init_find(&i1, &d1, "_id") && bson_iter_init_find(&i2, &d2, "_id"));
  assert_false(bson_oid_equal(bson_iter_oid(&i1), bson_iter_oid(&i2)));
  bson_destroy(&d1);
  bson_destroy(&d2);
  asr_template_free(t);
}

/* ---- $date, $now ---------------------------------------------------------------------------------- */

static void sample_dates(const char *json, int64_t min, int64_t max) {
  asr_template_t *t = compile_ok(json);
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it;
    assert_true(gen_field(t, (uint64_t)i, "v", &doc, &it));
    assert_int_equal(bson_iter_type(&it), BSON_TYPE_DATE_TIME);
    int64_t v = bson_iter_date_time(&it);
    if (v < min || v > max) fail_msg("%s: %lld outside [%lld, %lld]", json, (long long)v, (long long)min, (long long)max);
    lo = v < lo ? v : lo, hi = v > hi ? v : hi;
    bson_destroy(&doc);
  }
  if (max > min) assert_true(lo < min + (max - min) / 100 && hi > max - (max - min) / 100);
  asr_template_free(t);
}

static void test_date(void **state) {
  sample_dates("{\"v\": {\"$date\": {\"min\": \"2015-01-01\", \"max\": \"2016-12-31T23:59:59.999Z\"}}}",
               1420070400000LL, 1483228799999LL);
  sample_dates("{\"v\": {\"$date\": {\"min\": 1000, \"max\": 2000}}}", 1000, 2000);
  sample_dates("{\"v\": \"$date\"}", -2208988800000LL, 4102444799999LL); /* 1900..2099 */
  sample_dates("{\"v\": {\"$datetime\": {\"min\": \"2020-01-01T02:00:00+02:00\", \"max\": \"2020-01-01 00:00:00.5\"}}}",
               1577836800000LL, 1577836800500LL);
  sample_dates("{\"v\": {\"$date\": {\"min\": \"2024-02-29T12:30\", \"max\": \"2024-02-29T12:30\"}}}",
               1709209800000LL, 1709209800000LL);
}

static void test_now(void **state) {
  asr_template_t *t = compile_ok("{\"v\": \"$now\", \"w\": {\"$now\": {}}}");
  asr_template_set_now(t, 1234567890123LL);
  bson_t doc;
  gen(t, 1, 42, &doc);
  bson_t *want = BCON_NEW("v", BCON_DATE_TIME(1234567890123LL), "w", BCON_DATE_TIME(1234567890123LL));
  expect_equal_json(&doc, want);
  bson_destroy(want);
  bson_destroy(&doc);
  asr_template_free(t);
}

/* ---- $missing, $pick --------------------------------------------------------------------------------- */

/* What a field's value follows: what a re-run without --seed or --now changes. */
static void test_field_depends(void **state) {
  enum { A = ASR_TPL_FIELD_ABSENT, S = ASR_TPL_FIELD_SEED, C = ASR_TPL_FIELD_CLOCK };
  const struct {
    const char *json;
    int depends;
  } cases[] = {
      {"{\"_id\": \"$objectid\", \"n\": \"$inc\"}", S | C}, /* salted with the seed */
      {"{\"n\": \"$inc\", \"_id\": {\"$oid\": {}}}", S | C},
      {"{\"_id\": \"$now\"}", C},
      {"{\"_id\": {\"at\": \"$now\", \"n\": \"$inc\"}}", C},
      {"{\"_id\": \"$inc\", \"at\": \"$now\"}", 0}, /* the clock elsewhere */
      {"{\"_id\": {\"$string\": {\"length\": 8}}}", S},
      {"{\"_id\": {\"$integer\": {\"min\": 1, \"max\": 2}}}", S}, /* two values: tried more than once */
      {"{\"_id\": 7}", 0},
      {"{\"n\": \"$objectid\"}", A},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    asr_template_t *t = compile_ok(cases[i].json);
    asr_template_set_now(t, 1700000000000);
    bson_t a, b;
    gen(t, 1, 0, &a);
    int got = asr_template_field_depends(t, "_id");
    if (got != cases[i].depends) fail_msg("%s: expected %d, got %d", cases[i].json, cases[i].depends, got);
    gen(t, 1, 0, &b); /* the template's own clock is untouched */
    assert_true(a.len == b.len && memcmp(bson_get_data(&a), bson_get_data(&b), a.len) == 0);
    bson_destroy(&a);
    bson_destroy(&b);
    asr_template_free(t);
  }
}

static void test_missing(void **state) {
  asr_template_t *t = compile_ok("{\"a\": 1, \"b\": \"$missing\", \"c\": [1, \"$missing\", 2],"
                                 " \"d\": {\"$missing\": null}, \"e\": {\"x\": \"$missing\"}}");
  bson_t doc;
  gen(t, 1, 0, &doc);
  bson_t *want = BCON_NEW("a", BCON_INT32(1), "c", "[", BCON_INT32(1), BCON_INT32(2), "]", "e", "{", "}");
  expect_equal_json(&doc, want);
  bson_destroy(want);
  bson_destroy(&doc);
  asr_template_free(t);
}

static void test_pick(void **state) {
  asr_template_t *t = compile_ok(
      "{\"c\": {\"$pick\": {\"array\": [\"green\", \"red\", \"blue\"], \"element\": 1}},"
      " \"first\": {\"$pick\": {\"array\": [\"green\", \"red\"]}},"
      " \"out\": {\"$pick\": {\"array\": [\"green\"], \"element\": 1}},"
      " \"neg\": {\"$pick\": {\"array\": [\"green\"], \"element\": -1}},"
      " \"byinc\": {\"$pick\": {\"array\": [\"g\", {\"$integer\": {\"min\": 5, \"max\": 5}}, \"b\"], \"element\": \"$inc\"}},"
      " \"fromop\": {\"$pick\": {\"array\": {\"$array\": {\"of\": \"$inc\", \"number\": 3}}, \"element\": 2}}}");
  const char *expect_byinc[] = {"g", NULL, "b", NULL};
  for (uint64_t i = 0; i < 4; i++) {
    bson_t doc;
    gen(t, 1, i, &doc);
    bson_t *want = BCON_NEW("c", "red", "first", "green");
    if (expect_byinc[i]) BSON_APPEND_UTF8(want, "byinc", expect_byinc[i]);
    else if (i == 1) BSON_APPEND_INT32(want, "byinc", 5);
    BSON_APPEND_INT32(want, "fromop", (int32_t)i);
    expect_equal_json(&doc, want);
    bson_destroy(want);
    bson_destroy(&doc);
  }
  asr_template_free(t);
}

/* ---- nesting and operator-valued options ------------------------------------------------------------- */

static void test_nesting(void **state) {
  asr_template_t *t = compile_ok(
      "{\"a\": {\"$array\": {\"of\": {\"b\": {\"$choose\": {\"from\": [{\"$integer\": {\"min\": 7, \"max\": 7}},"
      " {\"c\": [{\"$inc\": {\"start\": 10, \"step\": {\"$integer\": {\"min\": 2, \"max\": 2}}}}, \"x\"]}],"
      " \"weights\": [0, 1]}}}, \"number\": 2}}, \"n\": {\"$integer\": {\"min\": \"$inc\", \"max\": \"$inc\"}}}");
  for (uint64_t i = 0; i < 3; i++) {
    bson_t doc;
    gen(t, 5, i, &doc);
    int32_t c = (int32_t)(10 + 2 * i);
    bson_t *want = BCON_NEW("a", "[", "{", "b", "{", "c", "[", BCON_INT32(c), "x", "]", "}", "}",
                            "{", "b", "{", "c", "[", BCON_INT32(c), "x", "]", "}", "}", "]",
                            "n", BCON_INT32((int32_t)i));
    expect_equal_json(&doc, want);
    bson_destroy(want);
    bson_destroy(&doc);
  }
  asr_template_free(t);
}

static void test_deepest_nesting_accepted(void **state) {
  /* 64 levels of objects, the root included */
  char json[512] = "";
  for (int i = 0; i < 63; i++) strcat(json, "{\"a\":");
  strcat(json, "{\"leaf\": \"$inc\"}");
  for (int i = 0; i < 63; i++) strcat(json, "}");
  asr_template_t *t = compile_ok(json);
  bson_t doc;
  bson_iter_t it;
  gen(t, 1, 9, &doc);
  char path[256] = "";
  for (int i = 0; i < 63; i++) strcat(path, "a.");
  strcat(path, "leaf");
  assert_true(bson_iter_init(&it, &doc) && bson_iter_find_descendant(&it, path, &it));
  assert_int_equal(bson_iter_int32(&it), 9);
  bson_destroy(&doc);
  asr_template_free(t);
}

static void test_operator_option_of_wrong_type_fails_generate(void **state) {
  asr_template_t *t = compile_ok("{\"v\": {\"$integer\": {\"min\": \"$string\"}}}");
  bson_t doc;
  bson_init(&doc);
  assert_int_equal(asr_template_generate(t, NULL, 1, 0, &doc, NULL), ASR_EINVAL);
  bson_destroy(&doc);
  asr_template_free(t);
}

/* ---- determinism ------------------------------------------------------------------------------------ */

static asr_template_t *service_order(void) {
  const char *path = ASR_TEST_ROOT "/templates/service_order.json";
  asr_err_t err;
  asr_err_clear(&err);
  asr_template_t *t = NULL;
  int rc = asr_template_compile_file(path, NULL, &t, &err);
  if (rc) fail_msg("%s", err.msg);
  asr_template_set_now(t, 1700000000000LL);
  return t;
}

static void test_determinism(void **state) {
  asr_template_t *a = service_order(), *b = service_order(); /* two compiles, same output */
  for (uint64_t i = 0; i < 200; i++) {
    bson_t x, y, next, other_seed;
    gen(a, 1234, i, &x);
    gen(b, 1234, i, &y);
    assert_true(bson_equal(&x, &y));
    bson_destroy(&y);
    gen(a, 1234, i, &y); /* and again from the same template */
    assert_true(x.len == y.len && memcmp(bson_get_data(&x), bson_get_data(&y), x.len) == 0);
    gen(a, 1234, i + 1, &next);
    assert_false(bson_equal(&x, &next));
    gen(a, 4321, i, &other_seed);
    assert_false(bson_equal(&x, &other_seed));
    bson_destroy(&x);
    bson_destroy(&y);
    bson_destroy(&next);
    bson_destroy(&other_seed);
  }
  asr_template_free(a);
  asr_template_free(b);
}

/* Several threads share one template: each document matches the one made alone. */
typedef struct {
  const asr_template_t *t;
  const bson_t *expected;
  int mismatches;
} thread_job_t;

static void *generate_all(void *arg) {
  thread_job_t *job = arg;
  for (uint64_t i = 0; i < 300; i++) {
    bson_t doc;
    bson_init(&doc);
    if (asr_template_generate(job->t, NULL, 77, i, &doc, NULL) != 0 || !bson_equal(&doc, &job->expected[i]))
      job->mismatches++;
    bson_destroy(&doc);
  }
  return NULL;
}

static void test_threads_share_a_template(void **state) {
  asr_template_t *t = service_order();
  bson_t expected[300];
  for (uint64_t i = 0; i < 300; i++) gen(t, 77, i, &expected[i]);
  pthread_t th[4];
  thread_job_t jobs[4];
  for (int k = 0; k < 4; k++) {
    jobs[k] = (thread_job_t){t, expected, 0};
    assert_int_equal(pthread_create(&th[k], NULL, generate_all, &jobs[k]), 0);
  }
  for (int k = 0; k < 4; k++) {
    pthread_join(th[k], NULL);
    assert_int_equal(jobs[k].mismatches, 0);
  }
  for (int i = 0; i < 300; i++) bson_destroy(&expected[i]);
  asr_template_free(t);
}

static void test_service_order_shape(void **state) {
  asr_template_t *t = service_order();
  for (uint64_t i = 0; i < 1000; i++) {
    bson_t doc;
    bson_iter_t it, items, item, f;
    gen(t, 3, i, &doc);
    assert_true(bson_iter_init_find(&it, &doc, "_id") && BSON_ITER_HOLDS_OID(&it));
    assert_true(bson_iter_init_find(&it, &doc, "orderNumber"));
    assert_int_equal(bson_iter_int32(&it), 100000 + (int)i);
    assert_true(bson_iter_init(&it, &doc) && bson_iter_find_descendant(&it, "customer.customerId", &f));
    assert_int_equal(bson_iter_type(&f), BSON_TYPE_INT64);
    assert_in_range(bson_iter_int64(&f), 1000000, 9999999);
    assert_true(bson_iter_init_find(&it, &doc, "createdAt") && BSON_ITER_HOLDS_DATE_TIME(&it));
    assert_true(bson_iter_init_find(&it, &doc, "lineItems") && bson_iter_recurse(&it, &items));
    int n = 0;
    while (bson_iter_next(&items)) {
      n++;
      assert_true(bson_iter_recurse(&items, &item));
      assert_true(bson_iter_find(&item, "quantity"));
      assert_in_range(bson_iter_int32(&item), 1, 20);
      assert_true(bson_iter_find(&item, "unitPrice"));
      assert_true(bson_iter_double(&item) >= 1 && bson_iter_double(&item) <= 500);
    }
    assert_in_range(n, 1, 5);
    assert_true(bson_iter_init_find(&it, &doc, "schemaVersion"));
    assert_int_equal(bson_iter_int32(&it), 2);
    bson_destroy(&doc);
  }
  asr_template_free(t);
}

/* ---- errors --------------------------------------------------------------------------------------- */

static void test_error_malformed_json(void **state) {
  expect_error("{\n  \"a\": 1,\n  \"b\": }", ASR_EINVAL, "t.json:3:8: malformed JSON near '}'");
  expect_error("{\"a\": 1 \"b\": 2}", ASR_EINVAL, "t.json:1:9: malformed JSON near '\"b\": 2}'");
  expect_error("", ASR_EINVAL, "t.json:1:1: malformed JSON at the end of the input");
  expect_error("{\"a\": 1}\n x", ASR_EINVAL, "t.json:2:2: unexpected text after the template near 'x'");
}

static void test_error_not_an_object(void **state) {
  expect_error("[1, 2]", ASR_EINVAL, "t.json: the template must be a JSON object, got an array");
  expect_error("\"$inc\"", ASR_EINVAL, "t.json: the template must be a JSON object, got the string \"$inc\"");
}

static void test_error_unknown_operator(void **state) {
  expect_error("{\"items\": [{\"qty\": \"$integr\"}]}", ASR_EINVAL,
               "t.json: unknown operator $integr at items[0].qty (did you mean $integer?)");
  expect_error("{\"items\": {\"$array\": {\"of\": {\"qty\": {\"$numbr\": {}}}, \"number\": 2}}}", ASR_EINVAL,
               "t.json: unknown operator $numbr at items.$array.of.qty (did you mean $number?)");
  expect_error("{\"x\": {\"$choose\": {\"from\": [1, \"$oidd\"]}}}", ASR_EINVAL,
               "unknown operator $oidd at x.$choose.from[1] (did you mean $oid?)");
  asr_err_t err;
  asr_err_clear(&err);
  asr_template_t *t;
  const char *json = "{\"price\": \"$5.00\"}";
  assert_int_equal(asr_template_compile(json, strlen(json), "t.json", NULL, &t, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "t.json: unknown operator $5.00 at price");
}

static void test_error_option_types(void **state) {
  expect_error("{\"price\": {\"$integer\": {\"min\": \"x\"}}}", ASR_EINVAL,
               "t.json: $integer at price: option min must be an integer, got the string \"x\"");
  expect_error("{\"p\": {\"$integer\": {\"max\": 1.5}}}", ASR_EINVAL,
               "$integer at p: option max must be an integer, got 1.5");
  expect_error("{\"p\": {\"$floating\": {\"min\": true}}}", ASR_EINVAL,
               "$floating at p: option min must be a number, got true");
  expect_error("{\"p\": {\"$string\": {\"pool\": 5}}}", ASR_EINVAL,
               "$string at p: option pool must be a string, got the number 5");
  expect_error("{\"p\": {\"$integer\": {\"mn\": 1}}}", ASR_EINVAL,
               "$integer at p: unknown option mn (expected one of: min,max)");
  expect_error("{\"p\": {\"$now\": {\"tz\": 1}}}", ASR_EINVAL, "$now at p: takes no options (got tz)");
  expect_error("{\"p\": {\"$integer\": 5}}", ASR_EINVAL,
               "$integer at p: options must be an object, got the number 5");
  expect_error("{\"a\": {\"b\": {\"$date\": {\"min\": \"2015-13-01\"}}}}", ASR_EINVAL,
               "$date at a.b: option min must be an ISO-8601 date");
  expect_error("{\"a\": {\"$array\": {\"number\": 2}}}", ASR_EINVAL, "$array at a: option of is required");
  expect_error("{\"a\": {\"$array\": {\"of\": 1, \"number\": -1}}}", ASR_EINVAL,
               "$array at a: option number must be between 0 and 4294967295, got -1");
  expect_error("{\"a\": {\"$choose\": {\"weights\": [1]}}}", ASR_EINVAL,
               "$choose at a: option from must be an array of values");
  expect_error("{\"a\": {\"$choose\": {\"from\": []}}}", ASR_EINVAL, "$choose at a: option from must not be empty");
  expect_error("{\"a\": {\"$string\": {\"pool\": \"\"}}}", ASR_EINVAL, "$string at a: option pool must not be empty");
  expect_error("{\"a\": {\"$string\": {\"length\": 20000}}}", ASR_EINVAL,
               "$string at a: option length must be between 0 and 16384, got 20000");
  expect_error("{\"a\": {\"$bool\": {\"likelihood\": 150}}}", ASR_EINVAL,
               "$bool at a: option likelihood must be between 0 and 100, got 150");
  expect_error("{\"a\": {\"$numberInt\": {\"max\": 3000000000}}}", ASR_EINVAL,
               "$numberInt at a: option max must be between -2147483648 and 2147483647, got 3000000000");
  expect_error("{\"a\": {\"$floating\": {\"fixed\": 16}}}", ASR_EINVAL,
               "$floating at a: option fixed must be between 0 and 15, got 16");
  expect_error("{\"a\": {\"$floating\": {\"min\": 0.111, \"max\": 0.119, \"fixed\": 2}}}", ASR_EINVAL,
               "$floating at a: no number with 2 decimals lies between min and max");
}

static void test_error_weights(void **state) {
  expect_error("{\"c\": {\"$choose\": {\"from\": [\"a\", \"b\", \"c\"], \"weights\": [1, 2]}}}", ASR_EINVAL,
               "t.json: $choose at c: weights has 2 entries but from has 3");
  expect_error("{\"c\": {\"$choose\": {\"from\": [\"a\", \"b\"], \"weights\": [1, -2]}}}", ASR_EINVAL,
               "$choose at c: weights[1] must be a non-negative number");
  expect_error("{\"c\": {\"$choose\": {\"from\": [\"a\", \"b\"], \"weights\": [0, 0]}}}", ASR_EINVAL,
               "$choose at c: weights must not all be zero");
  expect_error("{\"c\": {\"$choose\": {\"from\": [\"a\"], \"weights\": \"$integer\"}}}", ASR_EINVAL,
               "$choose at c: option weights must be an array of numbers");
}

static void test_error_min_greater_than_max(void **state) {
  expect_error("{\"n\": {\"$integer\": {\"min\": 10, \"max\": 5}}}", ASR_EINVAL,
               "t.json: $integer at n: min (10) is greater than max (5)");
  asr_template_free(compile_ok("{\"n\": {\"$numberLong\": {\"min\": 1}}}")); /* default max 2^53 */
}

static void test_error_min_greater_than_max_more(void **state) {
  expect_error("{\"f\": {\"$floating\": {\"min\": 2.5, \"max\": 1}}}", ASR_EINVAL,
               "$floating at f: min (2.5) is greater than max (1)");
  expect_error("{\"d\": {\"$date\": {\"min\": \"2020-01-02\", \"max\": \"2020-01-01\"}}}", ASR_EINVAL,
               "$date at d: min (1577923200000 ms) is later than max (1577836800000 ms)");
  expect_error("{\"n\": {\"$numberInt\": {\"min\": 3, \"max\": 2}}}", ASR_EINVAL,
               "$numberInt at n: min (3) is greater than max (2)");
}

static void test_error_nesting_too_deep(void **state) {
  char json[2048] = "";
  for (int i = 0; i < 64; i++) strcat(json, "{\"a\":");
  strcat(json, "{}");
  for (int i = 0; i < 64; i++) strcat(json, "}");
  char want[256] = "t.json: nesting deeper than 64 levels at ";
  for (int i = 0; i < 64; i++) strcat(want, i ? ".a" : "a");
  expect_error(json, ASR_EINVAL, want);
  /* operator options count as levels too */
  strcpy(json, "");
  for (int i = 0; i < 32; i++) strcat(json, "{\"a\": {\"$array\": {\"of\":");
  strcat(json, "1");
  for (int i = 0; i < 32; i++) strcat(json, "}}}");
  expect_error(json, ASR_EINVAL, "nesting deeper than 64 levels at a.$array.of.a.$array.of.");
}

static void test_error_structure(void **state) {
  expect_error("{\"a\": {\"$integer\": {}, \"b\": 1}}", ASR_EINVAL,
               "t.json: field a.$integer starts with '$': an operator object must have exactly one key");
  expect_error("{\"a\": 1, \"a\": 2}", ASR_EINVAL, "t.json: duplicate field a");
  /* the first field that repeats an earlier one, after any error before it */
  expect_error("{\"a\": 1, \"b\": {\"x\": 1, \"y\": 2, \"x\": 3}, \"a\": 2}", ASR_EINVAL,
               "t.json: duplicate field b.x");
  expect_error("{\"c\": 1, \"b\": 1, \"a\": 1, \"b\": 2, \"a\": 2}", ASR_EINVAL,
               "t.json: duplicate field b");
  expect_error("{\"ab\": 1, \"a\": 2, \"abc\": 3, \"a\": 4}", ASR_EINVAL, "t.json: duplicate field a");
  expect_error("{\"a\": 1, \"$x\": 1, \"a\": 2}", ASR_EINVAL, "t.json: field $x starts with '$'");
  expect_error("{\"a\": 1, \"a\": 2, \"$x\": 1}", ASR_EINVAL, "t.json: duplicate field a");
  expect_error("{\"a\": {\"$integer\": {\"min\": 1, \"min\": 2}}}", ASR_EINVAL,
               "$integer at a: duplicate option min");
  expect_error("{\"a\": \"\xff\"}", ASR_EINVAL, "t.json: the string at a is not valid UTF-8");
}

static void test_error_unreadable_file(void **state) {
  asr_err_t err;
  asr_err_clear(&err);
  asr_template_t *t = (asr_template_t *)&err;
  assert_int_equal(asr_template_compile_file("/nonexistent/dir/t.json", NULL, &t, &err), ASR_EIO);
  assert_string_equal(err.msg, "cannot read template /nonexistent/dir/t.json: No such file or directory");
  assert_null(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_literals_every_json_type),
      cmocka_unit_test(test_literals_mixed_with_operators),
      cmocka_unit_test(test_inc),
      cmocka_unit_test(test_integer_bounds),
      cmocka_unit_test(test_integer_defaults),
      cmocka_unit_test(test_number_int_and_long),
      cmocka_unit_test(test_floating),
      cmocka_unit_test(test_bool),
      cmocka_unit_test(test_string),
      cmocka_unit_test(test_character),
      cmocka_unit_test(test_choose_uniform),
      cmocka_unit_test(test_choose_weights),
      cmocka_unit_test(test_choose_operators),
      cmocka_unit_test(test_array),
      cmocka_unit_test(test_objectid),
      cmocka_unit_test(test_date),
      cmocka_unit_test(test_now),
      cmocka_unit_test(test_field_depends),
      cmocka_unit_test(test_missing),
      cmocka_unit_test(test_pick),
      cmocka_unit_test(test_nesting),
      cmocka_unit_test(test_deepest_nesting_accepted),
      cmocka_unit_test(test_operator_option_of_wrong_type_fails_generate),
      cmocka_unit_test(test_determinism),
      cmocka_unit_test(test_threads_share_a_template),
      cmocka_unit_test(test_service_order_shape),
      cmocka_unit_test(test_error_malformed_json),
      cmocka_unit_test(test_error_not_an_object),
      cmocka_unit_test(test_error_unknown_operator),
      cmocka_unit_test(test_error_option_types),
      cmocka_unit_test(test_error_weights),
      cmocka_unit_test(test_error_min_greater_than_max),
      cmocka_unit_test(test_error_min_greater_than_max_more),
      cmocka_unit_test(test_error_nesting_too_deep),
      cmocka_unit_test(test_error_structure),
      cmocka_unit_test(test_error_unreadable_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
