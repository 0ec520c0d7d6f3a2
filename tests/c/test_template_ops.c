/* Tests for the mgeneratejs / chance.js operators of host/template/ops_{text,geo,bson}.c:
 * for each operator, 10,000 documents checked for the exact BSON type and shape (as
 * mgeneratejs 0.6 prints them), bounds and formats; option errors with their JSON path;
 * operator-valued options; determinism; the word lists themselves. */
#include <math.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "template/node.h"
#include "template/template.h"
#include "template/words.h"

#define SAMPLES 10000

/* ---- the template API (the only two lines to change when it gains options/ext/err) -------- */

static int compile_tpl(const char *json, asr_template_t **t, asr_err_t *err) {
  return asr_template_compile(json, strlen(json), "t.json", NULL, t, err);
}

static int gen_doc(const asr_template_t *t, uint64_t seed, uint64_t index, bson_t *doc) {
  asr_err_t err;
  asr_err_clear(&err);
  return asr_template_generate(t, NULL, seed, index, doc, &err);
}

/* ---- helpers ------------------------------------------------------------------------------ */

static asr_template_t *compile_ok(const char *json) {
  asr_err_t err;
  asr_err_clear(&err);
  asr_template_t *t = NULL;
  int rc = compile_tpl(json, &t, &err);
  if (rc) fail_msg("compile failed (%d): %s\n  template %s", rc, err.msg, json);
  assert_non_null(t);
  return t;
}

/* Compiling json fails with ASR_EINVAL and a message that contains text. */
static void expect_error(const char *json, const char *text) {
  asr_err_t err;
  asr_err_clear(&err);
  asr_template_t *t = NULL;
  int rc = compile_tpl(json, &t, &err);
  if (rc != ASR_EINVAL || !strstr(err.msg, text))
    fail_msg("template %s\n  expected EINVAL with \"%s\"\n  got %d: \"%s\"", json, text, rc, err.msg);
  assert_null(t);
}

/* Generates document i (seed 7) and finds "v" in it; false when the key is absent. */
static bool gen_v(const asr_template_t *t, uint64_t i, bson_t *doc, bson_iter_t *it) {
  bson_init(doc);
  int rc = gen_doc(t, 7, i, doc);
  if (rc) fail_msg("generate %llu failed: %d", (unsigned long long)i, rc);
  assert_true(bson_iter_init(it, doc));
  return bson_iter_find(it, "v");
}

static void must_match(const regex_t *re, const char *pattern, const char *s, const char *json) {
  if (regexec(re, s, 0, NULL, 0) != 0) fail_msg("%s: \"%s\" does not match %s", json, s, pattern);
}

typedef void (*str_check_fn)(const char *s, uint32_t len, void *ctx);

/* Every sampled "v" is a UTF-8 string matching the extended regex pattern; check (optional)
 * sees each one too. */
static void sample_str(const char *json, const char *pattern, str_check_fn check, void *ctx) {
  asr_template_t *t = compile_ok(json);
  regex_t re;
  assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it;
    uint32_t len;
    if (!gen_v(t, (uint64_t)i, &doc, &it)) fail_msg("%s: no v in document %d", json, i);
    if (bson_iter_type(&it) != BSON_TYPE_UTF8) fail_msg("%s: type 0x%x, not a string", json, bson_iter_type(&it));
    const char *s = bson_iter_utf8(&it, &len);
    assert_int_equal(strlen(s), len);
    must_match(&re, pattern, s, json);
    if (check) check(s, len, ctx);
    bson_destroy(&doc);
  }
  regfree(&re);
  asr_template_free(t);
}

static bool in_words(const asr_words_t *w, const char *s, size_t len) {
  for (uint32_t i = 0; i < w->n; i++)
    if (strlen(w->items[i]) == len && memcmp(w->items[i], s, len) == 0) return true;
  return false;
}

/* Index of s in the pairs (by code when by_code, else by name), or -1. */
static int in_pairs(const asr_word_pairs_t *w, const char *s, size_t len, bool by_code) {
  for (uint32_t i = 0; i < w->n; i++) {
    const char *x = by_code ? w->items[i].code : w->items[i].name;
    if (strlen(x) == len && memcmp(x, s, len) == 0) return (int)i;
  }
  return -1;
}

/* Counts of each of n strings; a string outside the list fails. */
typedef struct tally {
  const char *const *names;
  int n;
  int counts[16];
} tally_t;

static void tally_str(const char *s, uint32_t len, void *ctx) {
  tally_t *t = ctx;
  for (int i = 0; i < t->n; i++)
    if (strlen(t->names[i]) == len && memcmp(t->names[i], s, len) == 0) {
      t->counts[i]++;
      return;
    }
  fail_msg("unexpected value \"%s\"", s);
}

/* ---- $join -------------------------------------------------------------------------------- */

static void expect_text(const char *json, uint64_t index, const char *want) {
  asr_template_t *t = compile_ok(json);
  bson_t doc;
  bson_iter_t it;
  assert_true(gen_v(t, index, &doc, &it));
  assert_int_equal(bson_iter_type(&it), BSON_TYPE_UTF8);
  assert_string_equal(bson_iter_utf8(&it, NULL), want);
  bson_destroy(&doc);
  asr_template_free(t);
}

/* Compiles, but generating fails with ASR_EINVAL (an operator-valued option out of range). */
static void expect_gen_error(const char *json) {
  asr_template_t *t = compile_ok(json);
  bson_t doc;
  bson_init(&doc);
  assert_int_equal(gen_doc(t, 1, 0, &doc), ASR_EINVAL);
  bson_destroy(&doc);
  asr_template_free(t);
}

static void expect_absent(const char *json) {
  asr_template_t *t = compile_ok(json);
  for (int i = 0; i < 100; i++) {
    bson_t doc;
    bson_iter_t it;
    assert_false(gen_v(t, (uint64_t)i, &doc, &it));
    bson_destroy(&doc);
  }
  asr_template_free(t);
}

static void test_join_literals(void **state) {
  expect_text("{\"v\": {\"$join\": {\"array\": [\"foo\", \"bar\", \"baz\"], \"sep\": \"-\"}}}", 0, "foo-bar-baz");
  expect_text("{\"v\": {\"$join\": {\"array\": [\"foo\", \"bar\"]}}}", 0, "foobar");
  expect_text("{\"v\": {\"$join\": {\"array\": []}}}", 0, "");
  /* String() as JavaScript writes it (checked against mgeneratejs 0.6) */
  expect_text("{\"v\": {\"$join\": {\"array\": [\"a\", 1, 2.5, true, null, [1, [2, 3]], 1e21, 1.5e-7,"
                " 0.000001, 123456789012345680000, {\"x\": 1}, -0.0, 0.1, -3.75e-9], \"sep\": \"|\"}}}",
                0, "a|1|2.5|true||1,2,3|1e+21|1.5e-7|0.000001|123456789012345680000|[object Object]|0|0.1|-3.75e-9");
  /* $missing items are left out, separator included */
  expect_text("{\"v\": {\"$join\": {\"array\": [\"a\", \"$missing\", \"b\"], \"sep\": \", \"}}}", 0, "a, b");
  expect_text("{\"v\": {\"$join\": {\"array\": [{\"$inc\": {\"start\": 5}}, \"x\"], \"sep\": \"\xc3\xa9\"}}}",
                3, "8\xc3\xa9x");
}

static void check_three_ips(const char *s, uint32_t len, void *ctx) {
  int parts = 1;
  for (uint32_t i = 0; i < len; i++) parts += s[i] == ',';
  assert_int_equal(parts, 3);
}

static void test_join_operators(void **state) {
  /* operator items: each generated, then joined */
  sample_str("{\"v\": {\"$join\": {\"array\": [\"$word\", \"$word\", \"$word\"], \"sep\": \" \"}}}",
             "^[a-z]{2,9} [a-z]{2,9} [a-z]{2,9}$", NULL, NULL);
  /* an operator making the array */
  sample_str("{\"v\": {\"$join\": {\"array\": {\"$array\": {\"of\": \"$ip\", \"number\": 3}}, \"sep\": \",\"}}}",
             "^([0-9]{1,3}\\.){3}[0-9]{1,3}(,([0-9]{1,3}\\.){3}[0-9]{1,3}){2}$", check_three_ips, NULL);
  /* an operator-valued separator */
  sample_str("{\"v\": {\"$join\": {\"array\": [1, 2], \"sep\": {\"$choose\": {\"from\": [\"+\", \"*\"]}}}}}",
             "^1[+*]2$", NULL, NULL);
  /* not an array: the key disappears, as in mgeneratejs */
  expect_absent("{\"v\": {\"$join\": {\"array\": \"$integer\"}}}");
  /* a result longer than a string may be (16 KiB) fails the document rather than cut it */
  expect_gen_error("{\"v\": {\"$join\": {\"array\": [{\"$word\": {\"length\": 9000}}, {\"$word\": {\"length\": 9000}}]}}}");
}

static void test_join_errors(void **state) {
  expect_error("{\"v\": {\"$join\": {\"sep\": \"-\"}}}", "t.json: $join at v: option array is required");
  expect_error("{\"v\": \"$join\"}", "$join at v: option array is required");
  expect_error("{\"a\": {\"b\": {\"$join\": {\"array\": 5}}}}", "$join at a.b: option array must be an array or an operator");
  expect_error("{\"v\": {\"$join\": {\"array\": [], \"sep\": 5}}}", "$join at v: option sep must be a string, got the number 5");
  expect_error("{\"v\": {\"$join\": {\"array\": [], \"with\": 5}}}", "$join at v: unknown option with (expected one of: array,sep)");
}

/* ---- $pickset ----------------------------------------------------------------------------- */

static void test_pickset_literal(void **state) {
  asr_template_t *t = compile_ok("{\"v\": {\"$pickset\": {\"array\": [1, 2, 3, 4, 5], \"quantity\": 3}}}");
  int seen[6] = {0}, first[6] = {0};
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it, item;
    assert_true(gen_v(t, (uint64_t)i, &doc, &it));
    assert_true(BSON_ITER_HOLDS_ARRAY(&it));
    assert_true(bson_iter_recurse(&it, &item));
    int n = 0, mask = 0;
    while (bson_iter_next(&item)) {
      assert_int_equal(bson_iter_type(&item), BSON_TYPE_INT32);
      int v = bson_iter_int32(&item);
      assert_in_range(v, 1, 5);
      assert_int_equal(bson_iter_key(&item)[0], '0' + n);
      assert_false(mask & (1 << v)); /* distinct */
      mask |= 1 << v;
      seen[v]++;
      if (n++ == 0) first[v]++;
    }
    assert_int_equal(n, 3);
    bson_destroy(&doc);
  }
  for (int v = 1; v <= 5; v++) {
    assert_in_range(seen[v], 6000 - 300, 6000 + 300);  /* 3/5 of the documents, sd 49 */
    assert_in_range(first[v], 2000 - 250, 2000 + 250); /* random order: sd 40 */
  }
  asr_template_free(t);
}

/* Every document's "v" is an array of exactly n items. */
static void expect_array_len(const char *json, int n) {
  asr_template_t *t = compile_ok(json);
  for (int i = 0; i < 1000; i++) {
    bson_t doc;
    bson_iter_t it, item;
    assert_true(gen_v(t, (uint64_t)i, &doc, &it));
    assert_true(BSON_ITER_HOLDS_ARRAY(&it));
    assert_true(bson_iter_recurse(&it, &item));
    int k = 0;
    while (bson_iter_next(&item)) k++;
    assert_int_equal(k, n);
    bson_destroy(&doc);
  }
  asr_template_free(t);
}

static void test_pickset_defaults_and_operators(void **state) {
  expect_array_len("{\"v\": {\"$pickset\": {\"array\": [\"a\", \"b\"]}}}", 1); /* quantity 1 */
  expect_array_len("{\"v\": {\"$pickset\": {\"array\": [\"a\", \"b\"], \"quantity\": 0}}}", 0);
  expect_array_len("{\"v\": {\"$pickset\": {\"array\": [\"a\", \"b\"], \"quantity\": 2}}}", 2);
  expect_array_len("{\"v\": {\"$pickset\": {\"array\": [\"$word\", \"$ip\", \"$zip\"], \"quantity\": 2}}}", 2);
  expect_array_len("{\"v\": {\"$pickset\": {\"array\": {\"$array\": {\"of\": \"$integer\", \"number\": 4}},"
                   " \"quantity\": 4}}}", 4);
  expect_array_len("{\"v\": {\"$pickset\": {\"array\": [1, 2, 3], \"quantity\": {\"$integer\": {\"min\": 2, \"max\": 2}}}}}", 2);
  /* more than an operator's array holds, or not an array: $missing, as mgeneratejs */
  expect_absent("{\"v\": {\"$pickset\": {\"array\": {\"$array\": {\"of\": 1, \"number\": 2}}, \"quantity\": 3}}}");
  expect_absent("{\"v\": {\"$pickset\": {\"array\": \"$word\"}}}");
  /* an operator's items keep their values: 10,11,12 picked from {$inc}-made arrays */
  asr_template_t *t = compile_ok("{\"v\": {\"$pickset\": {\"array\": {\"$array\": {\"of\": {\"$choose\": {\"from\": [10, 11]}},"
                                 " \"number\": 3}}, \"quantity\": 3}}}");
  for (int i = 0; i < 100; i++) {
    bson_t doc;
    bson_iter_t it, item;
    assert_true(gen_v(t, (uint64_t)i, &doc, &it));
    assert_true(bson_iter_recurse(&it, &item));
    while (bson_iter_next(&item)) assert_in_range(bson_iter_int32(&item), 10, 11);
    bson_destroy(&doc);
  }
  asr_template_free(t);
}

static void test_pickset_errors(void **state) {
  char big[8192] = "{\"v\": {\"$pickset\": {\"array\": [0";
  for (int i = 1; i < 1025; i++) snprintf(big + strlen(big), sizeof big - strlen(big), ",%d", i % 10);
  strcat(big, "]}}}");
  expect_error(big, "$pickset at v: option array has 1025 items, at most 1024 are supported");
  expect_gen_error("{\"v\": {\"$pickset\": {\"array\": {\"$array\": {\"of\": 1, \"number\": 1025}}}}}");
  expect_error("{\"v\": {\"$pickset\": {\"quantity\": 1}}}", "$pickset at v: option array is required");
  expect_error("{\"v\": {\"$pickset\": {\"array\": [1, 2, 3], \"quantity\": 4}}}",
               "$pickset at v: option quantity (4) is larger than the array (3 items)");
  expect_error("{\"v\": {\"$pickset\": {\"array\": [1], \"quantity\": -1}}}",
               "$pickset at v: option quantity must be between 0 and 1024, got -1");
  expect_error("{\"v\": {\"$pickset\": {\"array\": [1], \"quantity\": 1.5}}}",
               "$pickset at v: option quantity must be an integer, got 1.5");
}

/* ---- geo ---------------------------------------------------------------------------------- */

static bool five_decimals(double v) { return fabs(v * 1e5 - round(v * 1e5)) < 1e-6; }

/* A [long, lat] array of two doubles within the limits. */
static void check_position(bson_iter_t *pos, double lng_lo, double lng_hi, double lat_lo, double lat_hi) {
  bson_iter_t c;
  assert_true(BSON_ITER_HOLDS_ARRAY(pos));
  assert_true(bson_iter_recurse(pos, &c));
  double v[2];
  for (int k = 0; k < 2; k++) {
    assert_true(bson_iter_next(&c));
    assert_int_equal(bson_iter_type(&c), BSON_TYPE_DOUBLE);
    v[k] = bson_iter_double(&c);
    assert_true(five_decimals(v[k]));
  }
  assert_false(bson_iter_next(&c));
  if (!(v[0] >= lng_lo && v[0] <= lng_hi && v[1] >= lat_lo && v[1] <= lat_hi))
    fail_msg("[%.17g, %.17g] outside [%g, %g] x [%g, %g]", v[0], v[1], lng_lo, lng_hi, lat_lo, lat_hi);
}

static void sample_coordinates(const char *json, double lng_lo, double lng_hi, double lat_lo, double lat_hi) {
  asr_template_t *t = compile_ok(json);
  double seen[4] = {INFINITY, -INFINITY, INFINITY, -INFINITY};
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it, c;
    assert_true(gen_v(t, (uint64_t)i, &doc, &it));
    check_position(&it, lng_lo, lng_hi, lat_lo, lat_hi);
    bson_iter_recurse(&it, &c);
    bson_iter_next(&c);
    seen[0] = fmin(seen[0], bson_iter_double(&c)), seen[1] = fmax(seen[1], bson_iter_double(&c));
    bson_iter_next(&c);
    seen[2] = fmin(seen[2], bson_iter_double(&c)), seen[3] = fmax(seen[3], bson_iter_double(&c));
    bson_destroy(&doc);
  }
  /* the values spread over the whole range */
  assert_true(seen[0] < lng_lo + (lng_hi - lng_lo) * 0.01 && seen[1] > lng_hi - (lng_hi - lng_lo) * 0.01);
  assert_true(seen[2] < lat_lo + (lat_hi - lat_lo) * 0.01 && seen[3] > lat_hi - (lat_hi - lat_lo) * 0.01);
  asr_template_free(t);
}

static void test_coordinates(void **state) {
  sample_coordinates("{\"v\": \"$coordinates\"}", -180, 180, -90, 90);
  sample_coordinates("{\"v\": \"$coord\"}", -180, 180, -90, 90);
  sample_coordinates("{\"v\": {\"$coordinate\": {\"long_lim\": [-20, -19], \"lat_lim\": [10, 10.5]}}}", -20, -19, 10, 10.5);
  sample_coordinates("{\"v\": {\"$coordinates\": {\"long_lim\": [0.123456, 0.2]}}}", 0.12346, 0.2, -90, 90);
  /* items and pairs from operators */
  sample_coordinates("{\"v\": {\"$coordinates\": {\"long_lim\": [{\"$integer\": {\"min\": -10, \"max\": -5}}, 0]}}}",
                     -10, 0, -90, 90);
  sample_coordinates("{\"v\": {\"$coordinates\": {\"lat_lim\": {\"$choose\": {\"from\": [[1, 2]]}}}}}", -180, 180, 1, 2);
}

/* {type: <type>, coordinates: ...} with exactly these keys in this order; returns the
 * coordinates iterator. */
static void check_geojson_head(bson_iter_t *doc_it, const char *type, bson_iter_t *coords, const char *second) {
  bson_iter_t f;
  assert_true(BSON_ITER_HOLDS_DOCUMENT(doc_it));
  assert_true(bson_iter_recurse(doc_it, &f));
  assert_true(bson_iter_next(&f));
  assert_string_equal(bson_iter_key(&f), "type");
  assert_int_equal(bson_iter_type(&f), BSON_TYPE_UTF8);
  assert_string_equal(bson_iter_utf8(&f, NULL), type);
  assert_true(bson_iter_next(&f));
  assert_string_equal(bson_iter_key(&f), second);
  assert_true(BSON_ITER_HOLDS_ARRAY(&f));
  *coords = f;
  assert_false(bson_iter_next(&f));
}

/* An array of positions within the world; returns how many. */
static int check_positions(bson_iter_t *arr, double *first, double *last) {
  bson_iter_t p;
  int n = 0;
  assert_true(bson_iter_recurse(arr, &p));
  while (bson_iter_next(&p)) {
    check_position(&p, -180, 180, -90, 90);
    bson_iter_t c;
    bson_iter_recurse(&p, &c);
    double *to = n == 0 ? first : last;
    bson_iter_next(&c), to[0] = bson_iter_double(&c);
    bson_iter_next(&c), to[1] = bson_iter_double(&c);
    n++;
  }
  return n;
}

/* Checks one geometry; returns its type index (0 Point, 1 LineString, 2 Polygon). A line
 * has want_line positions, a polygon want_corners + 1 (0: any). */
static int check_geometry(bson_iter_t *g, int want_line, int want_corners) {
  bson_iter_t f, coords;
  assert_true(bson_iter_recurse(g, &f));
  assert_true(bson_iter_find(&f, "type"));
  const char *type = bson_iter_utf8(&f, NULL);
  double first[2], last[2];
  if (strcmp(type, "Point") == 0) {
    check_geojson_head(g, "Point", &coords, "coordinates");
    check_position(&coords, -180, 180, -90, 90);
    return 0;
  }
  if (strcmp(type, "LineString") == 0) {
    check_geojson_head(g, "LineString", &coords, "coordinates");
    int n = check_positions(&coords, first, last);
    if (want_line) assert_int_equal(n, want_line);
    return 1;
  }
  assert_string_equal(type, "Polygon");
  check_geojson_head(g, "Polygon", &coords, "coordinates");
  bson_iter_t ring;
  assert_true(bson_iter_recurse(&coords, &ring));
  assert_true(bson_iter_next(&ring)); /* exactly one ring, no holes */
  int n = check_positions(&ring, first, last);
  assert_false(bson_iter_next(&ring));
  if (want_corners) assert_int_equal(n, want_corners + 1);
  assert_true(first[0] == last[0] && first[1] == last[1]); /* closed */
  return 2;
}

static void sample_geometry(const char *json, int type, int points) {
  asr_template_t *t = compile_ok(json);
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it;
    assert_true(gen_v(t, (uint64_t)i, &doc, &it));
    assert_int_equal(check_geometry(&it, type == 1 ? points : 0, type == 2 ? points : 0), type);
    bson_destroy(&doc);
  }
  asr_template_free(t);
}

static void test_point_linestring_polygon(void **state) {
  sample_geometry("{\"v\": \"$point\"}", 0, 0);
  sample_geometry("{\"v\": \"$linestring\"}", 1, 2);
  sample_geometry("{\"v\": {\"$linestring\": {\"locs\": 5}}}", 1, 5);
  sample_geometry("{\"v\": \"$polygon\"}", 2, 3);
  sample_geometry("{\"v\": {\"$polygon\": {\"corners\": 6}}}", 2, 6);
  sample_geometry("{\"v\": {\"$polygon\": {\"corners\": {\"$integer\": {\"min\": 4, \"max\": 4}}}}}", 2, 4);
  /* the limits reach every point */
  asr_template_t *t = compile_ok("{\"v\": {\"$linestring\": {\"locs\": 4, \"long_lim\": [1, 2], \"lat_lim\": [-3, -2]}}}");
  for (int i = 0; i < 1000; i++) {
    bson_t doc;
    bson_iter_t it, coords, p;
    assert_true(gen_v(t, (uint64_t)i, &doc, &it));
    check_geojson_head(&it, "LineString", &coords, "coordinates");
    bson_iter_recurse(&coords, &p);
    while (bson_iter_next(&p)) check_position(&p, 1, 2, -3, -2);
    bson_destroy(&doc);
  }
  asr_template_free(t);
}

static void sample_collection(const char *json, int number, const int *allowed, int line, int corners) {
  asr_template_t *t = compile_ok(json);
  int seen[3] = {0};
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it, geoms, g;
    assert_true(gen_v(t, (uint64_t)i, &doc, &it));
    check_geojson_head(&it, "GeometryCollection", &geoms, "geometries");
    assert_true(bson_iter_recurse(&geoms, &g));
    int n = 0;
    while (bson_iter_next(&g)) {
      int type = check_geometry(&g, line, corners);
      assert_true(allowed[type]);
      seen[type]++, n++;
    }
    assert_int_equal(n, number);
    bson_destroy(&doc);
  }
  for (int k = 0; k < 3; k++) assert_true(!allowed[k] || seen[k] > 0);
  asr_template_free(t);
}

static void test_geometries(void **state) {
  const int all[3] = {1, 1, 1}, polygons[3] = {0, 0, 1}, no_polygons[3] = {1, 1, 0};
  sample_collection("{\"v\": \"$geometries\"}", 3, all, 2, 3);
  sample_collection("{\"v\": {\"$geometries\": {\"types\": [\"Polygon\"], \"corners\": 5, \"number\": 4}}}", 4, polygons, 0, 5);
  sample_collection("{\"v\": {\"$geometries\": {\"types\": [\"Point\", \"LineString\"], \"locs\": 3, \"number\": 1}}}",
                    1, no_polygons, 3, 0);
  sample_collection("{\"v\": {\"$geometries\": {\"number\": 0}}}", 0, (const int[3]){0, 0, 0}, 0, 0);
}

static void test_geo_errors(void **state) {
  expect_error("{\"v\": {\"$coordinates\": {\"long_lim\": [-200, 0]}}}",
               "$coordinates at v: long_lim[0] must be between -180 and 180, got -200");
  expect_error("{\"loc\": {\"a\": [{\"$point\": {\"lat_lim\": [0, 91]}}]}}",
               "$point at loc.a[0]: lat_lim[1] must be between -90 and 90, got 91");
  expect_error("{\"v\": {\"$coordinates\": {\"long_lim\": [10, 5]}}}",
               "$coordinates at v: long_lim: min (10) is greater than max (5)");
  expect_error("{\"v\": {\"$coordinates\": {\"long_lim\": 5}}}",
               "$coordinates at v: option long_lim must be an array of two numbers [min, max]");
  expect_error("{\"v\": {\"$coordinates\": {\"lat_lim\": [1, 2, 3]}}}",
               "$coordinates at v: option lat_lim must be an array of two numbers [min, max]");
  expect_error("{\"v\": {\"$coordinates\": {\"long_lim\": [\"a\", 1]}}}",
               "$coordinates at v: option long_lim[0] must be a number, got the string \"a\"");
  expect_error("{\"v\": {\"$coordinates\": {\"long_lim\": [0.000001, 0.000002]}}}",
               "long_lim: no coordinate with 5 decimals lies between");
  expect_error("{\"v\": {\"$coordinates\": {\"long_lim\": [{\"$nope\": 1}, 2]}}}",
               "unknown operator $nope at v.$coordinates.long_lim[0]");
  expect_error("{\"v\": {\"$linestring\": {\"locs\": 1}}}", "$linestring at v: option locs must be between 2 and 100000, got 1");
  expect_error("{\"v\": {\"$polygon\": {\"corners\": 2}}}", "$polygon at v: option corners must be between 3 and 100000, got 2");
  expect_error("{\"v\": {\"$geometries\": {\"types\": [\"Circle\"]}}}",
               "$geometries at v: types[0] must be \"Point\", \"LineString\" or \"Polygon\"");
  expect_error("{\"v\": {\"$geometries\": {\"types\": []}}}", "$geometries at v: option types must be a non-empty array");
  expect_error("{\"v\": {\"$geometries\": {\"number\": -1}}}", "$geometries at v: option number must be between 0 and 10000, got -1");
  expect_error("{\"v\": {\"$point\": {\"locs\": 3}}}", "$point at v: unknown option locs (expected one of: long_lim,lat_lim)");
  /* operator-valued limits and counts are checked per document */
  expect_gen_error("{\"v\": {\"$point\": {\"long_lim\": {\"$choose\": {\"from\": [[0, 500]]}}}}}");
  expect_gen_error("{\"v\": {\"$point\": {\"long_lim\": {\"$choose\": {\"from\": [[0, 1, 2]]}}}}}");
  expect_gen_error("{\"v\": {\"$coordinates\": {\"lat_lim\": [0, {\"$integer\": {\"min\": 91, \"max\": 91}}]}}}");
  expect_gen_error("{\"v\": {\"$polygon\": {\"corners\": {\"$integer\": {\"min\": 2, \"max\": 2}}}}}");
}

/* ---- $binary, $maxkey, $minkey, $timestamp, $regex ---------------------------------------- */

static void sample_binary(const char *json, uint32_t want_len, bson_subtype_t want_sub) {
  static const char pool[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#$%^&*()[]";
  asr_template_t *t = compile_ok(json);
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it;
    bson_subtype_t sub;
    uint32_t len;
    const uint8_t *data;
    assert_true(gen_v(t, (uint64_t)i, &doc, &it));
    assert_int_equal(bson_iter_type(&it), BSON_TYPE_BINARY);
    bson_iter_binary(&it, &sub, &len, &data);
    assert_int_equal(sub, want_sub);
    assert_int_equal(len, want_len);
    for (uint32_t k = 0; k < len; k++) assert_non_null(memchr(pool, data[k], sizeof pool - 1));
    bson_destroy(&doc);
  }
  asr_template_free(t);
}

static void test_binary(void **state) {
  sample_binary("{\"v\": \"$binary\"}", 10, BSON_SUBTYPE_BINARY);
  sample_binary("{\"v\": {\"$binary\": {\"length\": 100, \"subtype\": 4}}}", 100, BSON_SUBTYPE_UUID);
  sample_binary("{\"v\": {\"$binary\": {\"length\": 16, \"subtype\": \"04\"}}}", 16, BSON_SUBTYPE_UUID);
  sample_binary("{\"v\": {\"$binary\": {\"length\": 0, \"subtype\": \"0x80\"}}}", 0, BSON_SUBTYPE_USER);
  sample_binary("{\"v\": {\"$binary\": {\"length\": {\"$integer\": {\"min\": 7, \"max\": 7}}}}}", 7, BSON_SUBTYPE_BINARY);
  expect_error("{\"v\": {\"$binary\": {\"subtype\": 256}}}", "$binary at v: option subtype must be between 0 and 255, got 256");
  expect_error("{\"v\": {\"$binary\": {\"subtype\": \"zz\"}}}", "$binary at v: option subtype must be a number 0..255, got \"zz\"");
  expect_error("{\"v\": {\"$binary\": {\"length\": -1}}}", "$binary at v: option length must be between 0 and 16384, got -1");
}

static void test_maxkey_minkey(void **state) {
  asr_template_t *t = compile_ok("{\"hi\": \"$maxkey\", \"lo\": {\"$minkey\": {}}}");
  bson_t doc, *want = BCON_NEW("hi", BCON_MAXKEY, "lo", BCON_MINKEY);
  bson_init(&doc);
  assert_int_equal(gen_doc(t, 1, 5, &doc), 0);
  assert_true(bson_equal(&doc, want));
  bson_destroy(want);
  bson_destroy(&doc);
  asr_template_free(t);
  expect_error("{\"v\": {\"$maxkey\": {\"x\": 1}}}", "$maxkey at v: takes no options (got x)");
}

static void test_timestamp(void **state) {
  asr_template_t *t = compile_ok("{\"v\": \"$timestamp\"}");
  uint32_t max_t = 0, max_i = 0;
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it;
    uint32_t ts, inc;
    assert_true(gen_v(t, (uint64_t)i, &doc, &it));
    assert_int_equal(bson_iter_type(&it), BSON_TYPE_TIMESTAMP);
    bson_iter_timestamp(&it, &ts, &inc);
    assert_true(ts <= 2147483647u && inc <= 2147483647u); /* mgeneratejs: 0..2^31-1 */
    max_t = ts > max_t ? ts : max_t, max_i = inc > max_i ? inc : max_i;
    bson_destroy(&doc);
  }
  assert_true(max_t > 2100000000u && max_i > 2100000000u);
  asr_template_free(t);
  t = compile_ok("{\"v\": {\"$timestamp\": {\"t\": 10, \"i\": 4294967295}}}");
  bson_t doc, *want = BCON_NEW("v", BCON_TIMESTAMP(10, 4294967295u));
  bson_init(&doc);
  assert_int_equal(gen_doc(t, 1, 0, &doc), 0);
  assert_true(bson_equal(&doc, want));
  bson_destroy(want);
  bson_destroy(&doc);
  asr_template_free(t);
  expect_error("{\"v\": {\"$timestamp\": {\"t\": -1}}}", "$timestamp at v: option t must be between 0 and 4294967295, got -1");
}

static void expect_regex(const char *json, const char *pattern, const char *options) {
  asr_template_t *t = compile_ok(json);
  bson_t doc;
  bson_iter_t it;
  const char *opts;
  assert_true(gen_v(t, 0, &doc, &it));
  assert_int_equal(bson_iter_type(&it), BSON_TYPE_REGEX);
  assert_string_equal(bson_iter_regex(&it, &opts), pattern);
  assert_string_equal(opts, options);
  bson_destroy(&doc);
  asr_template_free(t);
}

static void test_regex(void **state) {
  expect_regex("{\"v\": \"$regex\"}", ".*", "");
  expect_regex("{\"v\": {\"$regex\": {\"string\": \"^ab+c$\", \"flags\": \"i\"}}}", "^ab+c$", "i");
  expect_regex("{\"v\": {\"$regex\": {\"string\": \"x\", \"flags\": \"smgi\"}}}", "x", "ims"); /* sorted, g dropped */
  expect_regex("{\"v\": {\"$regex\": {\"string\": \"x\", \"flags\": \"xu\"}}}", "x", "ux");
  expect_regex("{\"v\": {\"$regex\": {\"string\": {\"$join\": {\"array\": [\"a\", \"b\"], \"sep\": \"|\"}}}}}", "a|b", "");
  expect_error("{\"v\": {\"$regex\": {\"flags\": \"q\"}}}", "$regex at v: option flags must be distinct letters");
  expect_error("{\"v\": {\"$regex\": {\"flags\": \"ii\"}}}", "$regex at v: option flags must be distinct letters");
}

/* ---- $numberDecimal ----------------------------------------------------------------------- */

/* Decimal128 values in [min, max] written with at most `fixed` decimals and no trailing zero
 * (String() of chance.floating). */
static void sample_decimal(const char *json, double min, double max, int fixed) {
  asr_template_t *t = compile_ok(json);
  regex_t re;
  char pattern[64];
  snprintf(pattern, sizeof pattern, "^-?(0|[1-9][0-9]*)(\\.[0-9]{0,%d}[1-9])?$", fixed - 1 > 0 ? fixed - 1 : 0);
  if (fixed == 0) snprintf(pattern, sizeof pattern, "^-?(0|[1-9][0-9]*)$");
  assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
  double lo = INFINITY, hi = -INFINITY;
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it;
    bson_decimal128_t d;
    char s[BSON_DECIMAL128_STRING];
    assert_true(gen_v(t, (uint64_t)i, &doc, &it));
    assert_int_equal(bson_iter_type(&it), BSON_TYPE_DECIMAL128);
    assert_true(bson_iter_decimal128(&it, &d));
    bson_decimal128_to_string(&d, s);
    must_match(&re, pattern, s, json);
    double v = strtod(s, NULL);
    if (!(v >= min && v <= max)) fail_msg("%s: %s outside [%g, %g]", json, s, min, max);
    lo = fmin(lo, v), hi = fmax(hi, v);
    bson_destroy(&doc);
  }
  assert_true(lo < min + (max - min) * 0.01 && hi > max - (max - min) * 0.01);
  regfree(&re);
  asr_template_free(t);
}

static void expect_decimal(const char *json, const char *want) {
  asr_template_t *t = compile_ok(json);
  bson_t doc;
  bson_iter_t it;
  bson_decimal128_t d;
  char s[BSON_DECIMAL128_STRING];
  assert_true(gen_v(t, 0, &doc, &it));
  assert_true(bson_iter_decimal128(&it, &d));
  bson_decimal128_to_string(&d, s);
  assert_string_equal(s, want);
  bson_destroy(&doc);
  asr_template_free(t);
}

static void test_decimal(void **state) {
  sample_decimal("{\"v\": \"$numberDecimal\"}", 0, 1000, 2);
  sample_decimal("{\"v\": {\"$decimal\": {\"min\": -5, \"max\": 5, \"fixed\": 3}}}", -5, 5, 3);
  sample_decimal("{\"v\": {\"$numberDecimal\": {\"min\": 1, \"max\": 9, \"fixed\": 0}}}", 1, 9, 0);
  sample_decimal("{\"v\": {\"$numberDecimal\": {\"max\": {\"$integer\": {\"min\": 10, \"max\": 10}}}}}", 0, 10, 2);
  expect_decimal("{\"v\": {\"$numberDecimal\": {\"min\": 12.5, \"max\": 12.5}}}", "12.5");
  expect_decimal("{\"v\": {\"$numberDecimal\": {\"min\": 7, \"max\": 7, \"fixed\": 4}}}", "7");
  expect_decimal("{\"v\": {\"$numberDecimal\": {\"min\": -0.25, \"max\": -0.25}}}", "-0.25");
  expect_decimal("{\"v\": {\"$numberDecimal\": {\"min\": 0, \"max\": 0}}}", "0");
  expect_decimal("{\"v\": {\"$numberDecimal\": {\"min\": 90071992547409.91, \"max\": 90071992547409.91}}}",
                 "90071992547409.91");
  expect_error("{\"v\": {\"$numberDecimal\": {\"fixed\": 16}}}", "$numberDecimal at v: option fixed must be between 0 and 15, got 16");
  expect_error("{\"v\": {\"$numberDecimal\": {\"min\": 5, \"max\": 1}}}", "$numberDecimal at v: min (5) is greater than max (1)");
  expect_error("{\"v\": {\"$numberDecimal\": {\"max\": 1e20}}}", "$numberDecimal at v: option max must be within");
  expect_error("{\"v\": {\"$decimal\": {\"min\": 0.001, \"max\": 0.002}}}",
               "$decimal at v: no number with 2 decimals lies between min and max");
}

/* ---- people ------------------------------------------------------------------------------- */

static void check_first(const char *s, uint32_t len, void *ctx) {
  int gender = ctx ? *(int *)ctx : -1; /* -1 any, 0 male, 1 female */
  bool male = in_words(&asr_words_first_male, s, len), female = in_words(&asr_words_first_female, s, len);
  if (gender == 0 ? !male : gender == 1 ? !female : !male && !female) fail_msg("first name \"%s\"", s);
}

static void check_last(const char *s, uint32_t len, void *ctx) {
  if (!in_words(&asr_words_last, s, len)) fail_msg("last name \"%s\"", s);
}

/* "First Last", with the options' extra parts. */
typedef struct name_shape {
  int gender;
  bool prefix, middle, initial, suffix;
} name_shape_t;

static void check_name(const char *s, uint32_t len, void *ctx) {
  const name_shape_t *shape = ctx;
  const char *tok[8];
  size_t tlen[8];
  int n = 0;
  for (const char *p = s; *p && n < 8;) {
    size_t w = strcspn(p, " ");
    tok[n] = p, tlen[n++] = w;
    p += w + (p[w] == ' ');
  }
  int k = 0;
  if (shape->prefix) {
    int i = in_pairs(&asr_words_name_prefix, tok[k], tlen[k], true);
    if (i < 0) fail_msg("prefix in \"%s\"", s);
    char g = asr_words_name_prefix.items[i].name[0];
    if (shape->gender >= 0 && g && g != (shape->gender ? 'f' : 'm')) fail_msg("prefix gender in \"%s\"", s);
    k++;
  }
  check_first(tok[k], (uint32_t)tlen[k], shape->gender >= 0 ? (void *)&shape->gender : NULL);
  k++;
  if (shape->middle) check_first(tok[k], (uint32_t)tlen[k], NULL), k++;
  if (shape->initial) {
    if (tlen[k] != 2 || tok[k][0] < 'A' || tok[k][0] > 'Z' || tok[k][1] != '.') fail_msg("initial in \"%s\"", s);
    k++;
  }
  check_last(tok[k], (uint32_t)tlen[k], NULL);
  k++;
  if (shape->suffix && !in_words(&asr_words_name_suffix, tok[k], tlen[k])) fail_msg("suffix in \"%s\"", s);
  k += shape->suffix;
  if (k != n) fail_msg("%d words in \"%s\", expected %d", n, s, k);
}

static void test_first_last_name(void **state) {
  int male = 0, female = 1;
  sample_str("{\"v\": \"$first\"}", "^[A-Z][a-z]+$", check_first, NULL);
  sample_str("{\"v\": {\"$first\": {\"gender\": \"male\"}}}", "^[A-Z][a-z]+$", check_first, &male);
  sample_str("{\"v\": {\"$first\": {\"gender\": \"Female\"}}}", "^[A-Z][a-z]+$", check_first, &female);
  sample_str("{\"v\": \"$last\"}", "^[A-Z][A-Za-z']+$", check_last, NULL);
  sample_str("{\"v\": \"$name\"}", "^[A-Z][a-z]+ [A-Z][A-Za-z']+$", check_name, &(name_shape_t){.gender = -1});
  sample_str("{\"v\": {\"$name\": {\"gender\": \"female\", \"prefix\": true, \"middle_initial\": true, \"suffix\": true}}}",
             "^[A-Z]", check_name, &(name_shape_t){.gender = 1, .prefix = true, .initial = true, .suffix = true});
  sample_str("{\"v\": {\"$name\": {\"gender\": \"male\", \"prefix\": true, \"middle\": true}}}", "^[A-Z]",
             check_name, &(name_shape_t){.gender = 0, .prefix = true, .middle = true});
  /* both genders come up */
  tally_t t = {.names = (const char *const[]){"male", "female"}, .n = 2};
  asr_template_t *tpl = compile_ok("{\"v\": \"$first\"}");
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it;
    uint32_t len;
    assert_true(gen_v(tpl, (uint64_t)i, &doc, &it));
    const char *s = bson_iter_utf8(&it, &len);
    t.counts[in_words(&asr_words_first_female, s, len) && !in_words(&asr_words_first_male, s, len)]++;
    bson_destroy(&doc);
  }
  assert_in_range(t.counts[1], 4000, 6000);
  asr_template_free(tpl);
}

static void test_people_errors(void **state) {
  expect_error("{\"v\": {\"$name\": {\"gender\": \"x\"}}}", "$name at v: option gender must be one of \"male\", \"female\", got \"x\"");
  expect_error("{\"v\": {\"$name\": {\"middle\": 1}}}", "$name at v: option middle must be true or false");
  expect_error("{\"v\": {\"$first\": {\"country\": \"it\"}}}", "$first at v: unknown option country (expected one of: gender,nationality)");
  expect_error("{\"v\": {\"$last\": {\"gender\": \"male\"}}}", "$last at v: unknown option gender (expected one of: nationality)");
}

/* ---- text --------------------------------------------------------------------------------- */

static void check_word_len(const char *s, uint32_t len, void *ctx) {
  const int *range = ctx;
  assert_in_range(len, range[0], range[1]);
}

/* Syllable structure: no two vowels in a row unless a new syllable starts, never three
 * consonants in a row (a syllable is at most consonant-vowel-consonant). */
static void check_syllables(const char *s, uint32_t len, void *ctx) {
  int cons = 0;
  for (uint32_t i = 0; i < len; i++) {
    bool vowel = strchr("aeiouAEIOU", s[i]) != NULL;
    cons = vowel ? 0 : cons + 1;
    if (cons > 2) fail_msg("\"%s\" has 3 consonants in a row", s);
    if (strchr("qxyQXY", s[i])) fail_msg("\"%s\" uses a letter chance leaves out", s);
  }
}

static void test_word(void **state) {
  sample_str("{\"v\": \"$word\"}", "^[a-z]{2,9}$", check_syllables, NULL);
  sample_str("{\"v\": {\"$word\": {\"syllables\": 2}}}", "^[a-z]{4,6}$", check_syllables, NULL);
  sample_str("{\"v\": {\"$word\": {\"length\": 7}}}", "^[a-z]{7}$", NULL, NULL);
  sample_str("{\"v\": {\"$word\": {\"length\": 1}}}", "^[a-z]$", NULL, NULL);
  sample_str("{\"v\": {\"$word\": {\"length\": 300}}}", "^[a-z]+$", check_word_len, (int[]){300, 300});
  /* the longest word fills a string exactly (the last syllable cut) */
  asr_template_t *t = compile_ok("{\"v\": {\"$word\": {\"length\": 16384}}}");
  for (int i = 0; i < 20; i++) {
    bson_t doc;
    bson_iter_t it;
    uint32_t len;
    assert_true(gen_v(t, (uint64_t)i, &doc, &it));
    const char *s = bson_iter_utf8(&it, &len);
    assert_int_equal(len, 16384);
    for (uint32_t k = 0; k < len; k++) assert_true(s[k] >= 'a' && s[k] <= 'z');
    bson_destroy(&doc);
  }
  asr_template_free(t);
  sample_str("{\"v\": {\"$word\": {\"capitalize\": true}}}", "^[A-Z][a-z]{1,8}$", NULL, NULL);
  sample_str("{\"v\": {\"$word\": {\"length\": {\"$integer\": {\"min\": 3, \"max\": 5}}}}}", "^[a-z]{3,5}$", NULL, NULL);
  expect_error("{\"v\": {\"$word\": {\"length\": 3, \"syllables\": 2}}}",
               "$word at v: options length and syllables cannot be given together");
  expect_error("{\"v\": {\"$word\": {\"length\": 0}}}", "$word at v: option length must be between 1 and 16384, got 0");
}

static void count_words(const char *s, uint32_t len, void *ctx) {
  const int *range = ctx;
  int words = 1;
  for (uint32_t i = 0; i < len; i++) words += s[i] == ' ';
  assert_in_range(words, range[0], range[1]);
}

static void count_sentences(const char *s, uint32_t len, void *ctx) {
  const int *range = ctx;
  int n = 0;
  for (uint32_t i = 0; i < len; i++) n += s[i] == '.';
  assert_in_range(n, range[0], range[1]);
}

static void test_sentence_paragraph(void **state) {
  sample_str("{\"v\": \"$sentence\"}", "^[A-Z][a-z]*( [a-z]{2,9}){11,17}\\.$", count_words, (int[]){12, 18});
  sample_str("{\"v\": {\"$sentence\": {\"words\": 5}}}", "^[A-Z][a-z]+( [a-z]+){4}\\.$", count_words, (int[]){5, 5});
  sample_str("{\"v\": {\"$sentence\": {\"words\": 1, \"punctuation\": \"?\"}}}", "^[A-Z][a-z]+\\?$", NULL, NULL);
  sample_str("{\"v\": {\"$sentence\": {\"words\": 3, \"punctuation\": false}}}", "^[A-Z][a-z]+( [a-z]+){2}$", NULL, NULL);
  const char *sentence = "[A-Z][a-z]*( [a-z]{2,9}){11,17}\\.";
  char pattern[256];
  snprintf(pattern, sizeof pattern, "^%s( %s)*$", sentence, sentence);
  sample_str("{\"v\": \"$paragraph\"}", pattern, count_sentences, (int[]){3, 7});
  sample_str("{\"v\": {\"$paragraph\": {\"sentences\": 2}}}", pattern, count_sentences, (int[]){2, 2});
  snprintf(pattern, sizeof pattern, "^%s\n%s$", sentence, sentence);
  sample_str("{\"v\": {\"$paragraph\": {\"sentences\": 2, \"linebreak\": true}}}", pattern, NULL, NULL);
  expect_error("{\"v\": {\"$sentence\": {\"punctuation\": \"x\"}}}", "$sentence at v: option punctuation must be one of");
  expect_error("{\"v\": {\"$sentence\": {\"words\": 0}}}", "$sentence at v: option words must be between 1 and 1638, got 0");
  expect_error("{\"v\": {\"$paragraph\": {\"sentences\": 91}}}", "$paragraph at v: option sentences must be between 1 and 90, got 91");
}

/* ---- internet ----------------------------------------------------------------------------- */

#define TLD "([a-z]+|co\\.uk)"

static void check_one_at(const char *s, uint32_t len, void *ctx) {
  int at = 0;
  for (uint32_t i = 0; i < len; i++) at += s[i] == '@';
  assert_int_equal(at, 1);
}

static void test_email_domain(void **state) {
  sample_str("{\"v\": \"$email\"}", "^[a-z]{2,9}@[a-z]{2,9}\\." TLD "$", check_one_at, NULL);
  sample_str("{\"v\": {\"$email\": {\"domain\": \"example.com\"}}}", "^[a-z]{2,9}@example\\.com$", check_one_at, NULL);
  sample_str("{\"v\": {\"$email\": {\"length\": 12}}}", "^[a-z]{12}@[a-z]+\\." TLD "$", check_one_at, NULL);
  sample_str("{\"v\": {\"$email\": {\"domain\": \"$domain\"}}}", "^[a-z]{2,9}@[a-z]{2,9}\\." TLD "$", check_one_at, NULL);
  sample_str("{\"v\": \"$domain\"}", "^[a-z]{2,9}\\." TLD "$", NULL, NULL);
  sample_str("{\"v\": {\"$domain\": {\"tld\": \"com\"}}}", "^[a-z]{2,9}\\.com$", NULL, NULL);
  expect_error("{\"v\": {\"$email\": {\"domain\": \"\"}}}", "$email at v: option domain must not be empty");
  expect_error("{\"v\": {\"$email\": {\"length\": 65}}}", "$email at v: option length must be between 1 and 64, got 65");
}

static void check_ip(const char *s, uint32_t len, void *ctx) {
  int *seen = ctx; /* [0]: first octet 1 seen, [1]: 254, [2]: middle 0, [3]: middle 255 */
  unsigned o[4];
  assert_int_equal(sscanf(s, "%u.%u.%u.%u", &o[0], &o[1], &o[2], &o[3]), 4);
  assert_in_range(o[0], 1, 254);
  assert_in_range(o[3], 1, 254);
  assert_in_range(o[1], 0, 255);
  assert_in_range(o[2], 0, 255);
  seen[0] |= o[0] == 1, seen[1] |= o[0] == 254, seen[2] |= o[1] == 0, seen[3] |= o[2] == 255;
}

static void test_ip_url(void **state) {
  int seen[4] = {0};
  sample_str("{\"v\": \"$ip\"}", "^(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){3}$", check_ip, seen);
  for (int i = 0; i < 4; i++) assert_true(seen[i]);
  sample_str("{\"v\": \"$url\"}", "^http://[a-z]{2,9}\\." TLD "/[a-z]{2,9}$", NULL, NULL);
  expect_text("{\"v\": {\"$url\": {\"protocol\": \"https\", \"domain\": \"example.com\", \"path\": \"x\","
                " \"extensions\": [\"html\"]}}}", 0, "https://example.com/x.html");
  expect_text("{\"v\": {\"$url\": {\"domain\": \"example.com\", \"domain_prefix\": \"www\", \"path\": \"a/b\"}}}",
                0, "http://www.example.com/a/b");
  sample_str("{\"v\": {\"$url\": {\"domain\": \"e.org\", \"extensions\": [\"gif\", \"png\"]}}}",
             "^http://e\\.org/[a-z]{2,9}\\.(gif|png)$", NULL, NULL);
  expect_error("{\"v\": {\"$url\": {\"extensions\": \"gif\"}}}", "$url at v: option extensions must be an array of strings");
  expect_error("{\"v\": {\"$url\": {\"extensions\": [\"gif\", 1]}}}", "$url at v: extensions[1] must be a string");
}

static void test_phone(void **state) {
  sample_str("{\"v\": \"$phone\"}", "^\\([2-9][0-8][0-9]\\) [2-9][0-9]{2}-[1-9][0-9]{3}$", NULL, NULL);
  sample_str("{\"v\": {\"$phone\": {\"parens\": false}}}", "^[2-9][0-8][0-9] [2-9][0-9]{2}-[1-9][0-9]{3}$", NULL, NULL);
  sample_str("{\"v\": {\"$phone\": {\"formatted\": false}}}", "^[2-9][0-8][0-9][2-9][0-9]{2}[1-9][0-9]{3}$", NULL, NULL);
  expect_error("{\"v\": {\"$phone\": {\"formatted\": \"no\"}}}", "$phone at v: option formatted must be true or false");
}

/* ---- places ------------------------------------------------------------------------------- */

static void check_street(const char *s, uint32_t len, void *ctx) {
  bool short_suffix = ctx != NULL;
  const char *sp = strrchr(s, ' ');
  assert_non_null(sp);
  if (in_pairs(&asr_words_street_suffix, sp + 1, strlen(sp + 1), short_suffix) < 0) fail_msg("suffix of \"%s\"", s);
}

static void check_street_name(const char *s, uint32_t len, void *ctx) {
  check_street(s, len, NULL);
  const char *sp = strrchr(s, ' ');
  if (!in_words(&asr_words_street, s, (size_t)(sp - s))) fail_msg("street name of \"%s\"", s);
}

static void check_address(const char *s, uint32_t len, void *ctx) {
  int number = atoi(s);
  assert_in_range(number, 5, 2000);
  check_street_name(strchr(s, ' ') + 1, 0, NULL);
}

static void check_city(const char *s, uint32_t len, void *ctx) {
  if (!in_words(&asr_words_city, s, len)) fail_msg("city \"%s\"", s);
}

static void test_street_address_city(void **state) {
  sample_str("{\"v\": \"$street\"}", "^[A-Z][A-Za-z ]+ [A-Z][a-z]+$", check_street_name, NULL);
  sample_str("{\"v\": {\"$street\": {\"short_suffix\": true}}}", "^[A-Z][A-Za-z ]+ [A-Z][a-z]+$", check_street, (void *)1);
  sample_str("{\"v\": {\"$street\": {\"syllables\": 2}}}", "^[A-Z][a-z]{3,5} [A-Z][a-z]+$", check_street, NULL);
  sample_str("{\"v\": \"$address\"}", "^[1-9][0-9]{0,3} [A-Z][A-Za-z ]+$", check_address, NULL);
  sample_str("{\"v\": \"$city\"}", "^[A-Z][A-Za-z .-]+$", check_city, NULL);
  expect_error("{\"v\": {\"$street\": {\"syllables\": 17}}}", "$street at v: option syllables must be between 1 and 16, got 17");
}

static void check_state(const char *s, uint32_t len, void *ctx) {
  int *territories = ctx;
  if (in_pairs(&asr_words_state, s, len, true) >= 0) return;
  if (territories && in_pairs(&asr_words_territory, s, len, true) >= 0) {
    (*territories)++;
    return;
  }
  fail_msg("state \"%s\"", s);
}

static void check_state_name(const char *s, uint32_t len, void *ctx) {
  if (in_pairs(&asr_words_state, s, len, false) < 0) fail_msg("state name \"%s\"", s);
}

static void check_country(const char *s, uint32_t len, void *ctx) {
  if (in_pairs(&asr_words_country, s, len, ctx == NULL) < 0) fail_msg("country \"%s\"", s);
}

static void test_state_country_zip(void **state) {
  sample_str("{\"v\": \"$state\"}", "^[A-Z]{2}$", check_state, NULL);
  sample_str("{\"v\": {\"$state\": {\"full\": true}}}", "^[A-Z][A-Za-z ]+$", check_state_name, NULL);
  int territories = 0;
  sample_str("{\"v\": {\"$state\": {\"territories\": true}}}", "^[A-Z]{2}$", check_state, &territories);
  assert_in_range(territories, 600, 1300); /* 5 of 56 */
  sample_str("{\"v\": \"$country\"}", "^[A-Z]{2}$", check_country, NULL);
  sample_str("{\"v\": {\"$country\": {\"full\": true}}}", "^[A-Z]", check_country, (void *)1);
  sample_str("{\"v\": \"$zip\"}", "^[0-9]{5}$", NULL, NULL);
  sample_str("{\"v\": {\"$zip\": {\"plusfour\": true}}}", "^[0-9]{5}-[0-9]{4}$", NULL, NULL);
}

/* ---- time --------------------------------------------------------------------------------- */

static void sample_age(const char *json, int lo, int hi) {
  asr_template_t *t = compile_ok(json);
  bool seen_lo = false, seen_hi = false;
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it;
    assert_true(gen_v(t, (uint64_t)i, &doc, &it));
    assert_int_equal(bson_iter_type(&it), BSON_TYPE_INT32); /* a JS number: int32 */
    int v = bson_iter_int32(&it);
    assert_in_range(v, lo, hi);
    seen_lo |= v == lo, seen_hi |= v == hi;
    bson_destroy(&doc);
  }
  assert_true(seen_lo && seen_hi);
  asr_template_free(t);
}

static void test_age(void **state) {
  sample_age("{\"v\": \"$age\"}", 18, 65);
  sample_age("{\"v\": {\"$age\": {\"type\": \"child\"}}}", 0, 12);
  sample_age("{\"v\": {\"$age\": {\"type\": \"teen\"}}}", 13, 19);
  sample_age("{\"v\": {\"$age\": {\"type\": \"adult\"}}}", 18, 65);
  sample_age("{\"v\": {\"$age\": {\"type\": \"senior\"}}}", 65, 100);
  sample_age("{\"v\": {\"$age\": {\"type\": \"all\"}}}", 0, 100);
  sample_age("{\"v\": {\"$age\": {\"type\": {\"$choose\": {\"from\": [\"child\"]}}}}}", 0, 12);
  expect_error("{\"v\": {\"$age\": {\"type\": \"baby\"}}}",
               "$age at v: option type must be one of \"child\", \"teen\", \"adult\", \"senior\", \"all\", got \"baby\"");
  /* an operator-valued type outside the list fails the document */
  expect_gen_error("{\"v\": {\"$age\": {\"type\": {\"$choose\": {\"from\": [\"baby\"]}}}}}");
}

static void check_year(const char *s, uint32_t len, void *ctx) {
  const int *range = ctx;
  assert_in_range(atoi(s), range[0], range[1]);
}

static void test_year(void **state) {
  /* the default range starts at the template clock's year */
  asr_template_t *t = compile_ok("{\"v\": \"$year\"}");
  int64_t now;
  assert_int_equal(asr_template_parse_clock("2024-05-01T12:00:00Z", &now), 0);
  asr_template_set_now(t, now);
  bool seen_lo = false, seen_hi = false;
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it;
    assert_true(gen_v(t, (uint64_t)i, &doc, &it));
    assert_int_equal(bson_iter_type(&it), BSON_TYPE_UTF8); /* chance.year() is a string */
    int y = atoi(bson_iter_utf8(&it, NULL));
    assert_in_range(y, 2024, 2124);
    seen_lo |= y == 2024, seen_hi |= y == 2124;
    bson_destroy(&doc);
  }
  assert_true(seen_lo && seen_hi);
  asr_template_free(t);
  sample_str("{\"v\": {\"$year\": {\"min\": 1930, \"max\": 1970}}}", "^19[3-7][0-9]$", check_year, (int[]){1930, 1970});
  sample_str("{\"v\": {\"$year\": {\"min\": 1999}}}", "^[0-9]{4}$", check_year, (int[]){1999, 2099});
  expect_error("{\"v\": {\"$year\": {\"min\": 2000, \"max\": 1990}}}", "$year at v: min (2000) is greater than max (1990)");
  expect_error("{\"v\": {\"$year\": {\"min\": -1}}}", "$year at v: option min must be between 0 and");
}

static void test_month_weekday(void **state) {
  tally_t months = {.names = asr_words_month.items, .n = 12};
  sample_str("{\"v\": \"$month\"}", "^[A-Z][a-z]+$", tally_str, &months);
  for (int i = 0; i < 12; i++) assert_in_range(months.counts[i], 833 - 150, 833 + 150);
  tally_t march = {.names = asr_words_month.items, .n = 12};
  sample_str("{\"v\": {\"$month\": {\"min\": 3, \"max\": 3}}}", "^March$", tally_str, &march);
  tally_t days = {.names = asr_words_weekday.items, .n = 7};
  sample_str("{\"v\": \"$weekday\"}", "day$", tally_str, &days);
  for (int i = 0; i < 7; i++) assert_in_range(days.counts[i], 1428 - 200, 1428 + 200);
  tally_t work = {.names = asr_words_weekday.items, .n = 5};
  sample_str("{\"v\": {\"$weekday\": {\"weekday_only\": true}}}", "day$", tally_str, &work);
  for (int i = 0; i < 5; i++) assert_true(work.counts[i] > 0);
  expect_error("{\"v\": {\"$month\": {\"max\": 13}}}", "$month at v: option max must be between 1 and 12, got 13");
  expect_error("{\"v\": {\"$month\": {\"min\": 5, \"max\": 4}}}", "$month at v: min (5) is greater than max (4)");
}

/* ---- $guid, $uuid, $hash, $color ---------------------------------------------------------- */

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

typedef struct strings {
  char **s;
  int n;
} strings_t;

static void keep_str(const char *s, uint32_t len, void *ctx) {
  strings_t *all = ctx;
  all->s[all->n++] = strdup(s);
}

/* All SAMPLES values differ. */
static void expect_distinct(const char *json, const char *pattern) {
  strings_t all = {calloc(SAMPLES, sizeof(char *)), 0};
  sample_str(json, pattern, keep_str, &all);
  qsort(all.s, (size_t)all.n, sizeof *all.s, cmp_str);
  for (int i = 1; i < all.n; i++)
    if (strcmp(all.s[i - 1], all.s[i]) == 0) fail_msg("%s: \"%s\" twice", json, all.s[i]);
  for (int i = 0; i < all.n; i++) free(all.s[i]);
  free(all.s);
}

static void test_guid_uuid(void **state) {
  expect_distinct("{\"v\": \"$uuid\"}", "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  expect_distinct("{\"v\": \"$guid\"}", "^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  sample_str("{\"v\": {\"$guid\": {\"version\": 4}}}", "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
             NULL, NULL);
  expect_error("{\"v\": {\"$uuid\": {\"version\": 9}}}", "$uuid at v: option version must be between 1 and 8, got 9");
}

static void test_hash(void **state) {
  expect_distinct("{\"v\": \"$hash\"}", "^[0-9a-f]{40}$");
  sample_str("{\"v\": {\"$hash\": {\"length\": 8, \"casing\": \"upper\"}}}", "^[0-9A-F]{8}$", NULL, NULL);
  sample_str("{\"v\": {\"$hash\": {\"length\": 0}}}", "^$", NULL, NULL);
  expect_error("{\"v\": {\"$hash\": {\"casing\": \"mixed\"}}}", "$hash at v: option casing must be one of \"lower\", \"upper\", got \"mixed\"");
}

static void check_rgb(const char *s, uint32_t len, void *ctx) {
  const char *p = strchr(s, '(') + 1;
  for (int i = 0; i < 3; i++) {
    long v = strtol(p, (char **)&p, 10);
    assert_in_range(v, 0, 255);
    p++;
  }
}

static void check_gray(const char *s, uint32_t len, void *ctx) {
  assert_int_equal(len, 7);
  assert_memory_equal(s + 1, s + 3, 2);
  assert_memory_equal(s + 1, s + 5, 2);
}

static void check_channel_range(const char *s, uint32_t len, void *ctx) {
  for (int i = 0; i < 3; i++) {
    char hex[3] = {s[1 + 2 * i], s[2 + 2 * i], 0};
    assert_in_range(strtol(hex, NULL, 16), 16, 31);
  }
}

static void color_format(const char *s, uint32_t len, void *ctx) {
  int *seen = ctx;
  int k = s[0] == '#' ? (len == 7 ? 0 : 1) : strncmp(s, "rgba(", 5) == 0 ? 3 : strncmp(s, "rgb(", 4) == 0 ? 2
        : strncmp(s, "0x", 2) == 0 ? 4 : 5;
  if (k == 5 && !in_words(&asr_words_color, s, len)) fail_msg("color \"%s\"", s);
  if (k == 2 || k == 3) check_rgb(s, len, NULL);
  seen[k]++;
}

static void test_color(void **state) {
  int seen[6] = {0};
  sample_str("{\"v\": \"$color\"}",
             "^(#[0-9a-f]{6}|#[0-9a-f]{3}|rgb\\([0-9]{1,3},[0-9]{1,3},[0-9]{1,3}\\)|"
             "rgba\\([0-9]{1,3},[0-9]{1,3},[0-9]{1,3},(0|1|0\\.[0-9]{0,3}[1-9])\\)|0x[0-9a-f]{6}|[A-Z][A-Za-z]+)$",
             color_format, seen);
  for (int k = 0; k < 6; k++) assert_in_range(seen[k], 1667 - 250, 1667 + 250);
  sample_str("{\"v\": {\"$color\": {\"format\": \"hex\"}}}", "^#[0-9a-f]{6}$", NULL, NULL);
  sample_str("{\"v\": {\"$color\": {\"format\": \"shorthex\"}}}", "^#[0-9a-f]{3}$", NULL, NULL);
  sample_str("{\"v\": {\"$color\": {\"format\": \"rgb\"}}}", "^rgb\\([0-9]{1,3},[0-9]{1,3},[0-9]{1,3}\\)$", check_rgb, NULL);
  sample_str("{\"v\": {\"$color\": {\"format\": \"0x\", \"casing\": \"upper\"}}}", "^0X[0-9A-F]{6}$", NULL, NULL);
  sample_str("{\"v\": {\"$color\": {\"format\": \"hex\", \"grayscale\": true}}}", "^#[0-9a-f]{6}$", check_gray, NULL);
  sample_str("{\"v\": {\"$color\": {\"format\": \"hex\", \"min\": 16, \"max\": 31}}}", "^#1[0-9a-f]1[0-9a-f]1[0-9a-f]$",
             check_channel_range, NULL);
  sample_str("{\"v\": {\"$color\": {\"format\": \"name\"}}}", "^[A-Z][A-Za-z]+$", NULL, NULL);
  expect_error("{\"v\": {\"$color\": {\"format\": \"hsl\"}}}", "$color at v: option format must be one of \"hex\", \"shorthex\"");
  expect_error("{\"v\": {\"$color\": {\"min\": 200, \"max\": 100}}}", "$color at v: min (200) is greater than max (100)");
}

/* ---- business ----------------------------------------------------------------------------- */

static void test_company_currency(void **state) {
  sample_str("{\"v\": \"$company\"}", "^[A-Z][A-Za-z'&.-]*( [A-Z&][A-Za-z'.&-]*)+$", NULL, NULL);
  asr_template_t *t = compile_ok("{\"v\": \"$currency\"}");
  int codes = 0;
  bool seen[512] = {false};
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it, f;
    uint32_t len;
    assert_true(gen_v(t, (uint64_t)i, &doc, &it));
    assert_true(BSON_ITER_HOLDS_DOCUMENT(&it)); /* {code, name}, as chance.currency() */
    assert_true(bson_iter_recurse(&it, &f));
    assert_true(bson_iter_next(&f));
    assert_string_equal(bson_iter_key(&f), "code");
    assert_int_equal(bson_iter_type(&f), BSON_TYPE_UTF8);
    const char *code = bson_iter_utf8(&f, &len);
    int k = in_pairs(&asr_words_currency, code, len, true);
    assert_true(k >= 0);
    assert_true(bson_iter_next(&f));
    assert_string_equal(bson_iter_key(&f), "name");
    assert_int_equal(bson_iter_type(&f), BSON_TYPE_UTF8);
    assert_string_equal(bson_iter_utf8(&f, NULL), asr_words_currency.items[k].name);
    assert_false(bson_iter_next(&f));
    codes += !seen[k], seen[k] = true;
    bson_destroy(&doc);
  }
  assert_int_equal(codes, asr_words_currency.n); /* 10,000 draws reach every code */
  asr_template_free(t);
}

/* ---- all operators together: determinism, no key lost ------------------------------------- */

static const char ALL_OPS[] =
    "{\"join\": {\"$join\": {\"array\": [\"$word\", 1]}}, \"pickset\": {\"$pickset\": {\"array\": [1, 2, 3]}},"
    " \"coordinates\": \"$coordinates\", \"point\": \"$point\", \"linestring\": \"$linestring\","
    " \"polygon\": \"$polygon\", \"geometries\": \"$geometries\", \"binary\": \"$binary\", \"maxkey\": \"$maxkey\","
    " \"minkey\": \"$minkey\", \"decimal\": \"$numberDecimal\", \"regex\": \"$regex\", \"timestamp\": \"$timestamp\","
    " \"name\": \"$name\", \"first\": \"$first\", \"last\": \"$last\", \"email\": \"$email\", \"phone\": \"$phone\","
    " \"word\": \"$word\", \"sentence\": \"$sentence\", \"paragraph\": \"$paragraph\", \"ip\": \"$ip\", \"url\": \"$url\","
    " \"domain\": \"$domain\", \"address\": \"$address\", \"street\": \"$street\", \"city\": \"$city\","
    " \"state\": \"$state\", \"country\": \"$country\", \"zip\": \"$zip\", \"age\": \"$age\", \"year\": \"$year\","
    " \"month\": \"$month\", \"weekday\": \"$weekday\", \"guid\": \"$guid\", \"uuid\": \"$uuid\", \"hash\": \"$hash\","
    " \"color\": \"$color\", \"company\": \"$company\", \"currency\": \"$currency\"}";

static void test_all_operators_deterministic(void **state) {
  asr_template_t *t = compile_ok(ALL_OPS);
  for (uint64_t i = 0; i < 1000; i++) {
    bson_t a, b, c;
    bson_init(&a), bson_init(&b), bson_init(&c);
    assert_int_equal(gen_doc(t, 42, i, &a), 0);
    assert_int_equal(gen_doc(t, 42, i, &b), 0);
    assert_int_equal(gen_doc(t, 43, i, &c), 0);
    assert_int_equal(bson_count_keys(&a), 40);
    assert_true(bson_equal(&a, &b));  /* (seed, index) fixes the document */
    assert_false(bson_equal(&a, &c)); /* another seed, another document */
    bson_destroy(&a), bson_destroy(&b), bson_destroy(&c);
  }
  asr_template_free(t);
}

/* Every registered operator: names unique across the groups, and each one that needs no
 * options ("$name" form) gives the same value for the same (seed, index). */
static void test_registry(void **state) {
  size_t n = asr_tpl_op_count(), plain = 0;
  assert_true(n >= 60);
  assert_null(asr_tpl_op_at(n));
  for (size_t i = 0; i < n; i++) {
    const asr_tpl_op_t *op = asr_tpl_op_at(i);
    assert_ptr_equal(asr_tpl_op_find(op->name), op); /* the first of its name: no repeats */
    assert_true(asr_template_is_operator(op->name));
    char json[160];
    snprintf(json, sizeof json, "{\"v\": \"$%s\"}", op->name);
    asr_template_t *t = NULL;
    asr_err_t err;
    asr_err_clear(&err);
    if (asr_template_compile(json, strlen(json), "t.json", NULL, &t, &err) != 0) continue;
    plain++;
    for (uint64_t k = 0; k < 20; k++) {
      bson_t a, b;
      bson_init(&a), bson_init(&b);
      if (gen_doc(t, 7, k, &a) != 0) fail_msg("$%s failed at index %llu", op->name, (unsigned long long)k);
      assert_int_equal(gen_doc(t, 7, k, &b), 0);
      if (!bson_equal(&a, &b)) fail_msg("$%s: same (seed, index), different documents", op->name);
      bson_destroy(&a), bson_destroy(&b);
    }
    asr_template_free(t);
  }
  assert_true(plain >= n / 2);
  assert_false(asr_template_is_operator("no_such_operator"));
}

/* ---- the word lists ------------------------------------------------------------------------ */

static void check_list(const char *what, const char *const *items, uint32_t n, uint32_t at_least) {
  if (n < at_least) fail_msg("%s: %u entries, expected at least %u", what, n, at_least);
  for (uint32_t i = 0; i < n; i++) {
    if (!items[i][0]) fail_msg("%s[%u] is empty", what, i);
    for (const char *p = items[i]; *p; p++)
      if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) fail_msg("%s: \"%s\" is not ASCII", what, items[i]);
    for (uint32_t j = 0; j < i; j++)
      if (strcmp(items[i], items[j]) == 0) fail_msg("%s: \"%s\" twice", what, items[i]);
  }
}

static void check_pairs(const char *what, const asr_word_pairs_t *w, uint32_t at_least, int code_len) {
  const char **codes = calloc(w->n, sizeof *codes), **names = calloc(w->n, sizeof *names);
  for (uint32_t i = 0; i < w->n; i++) {
    codes[i] = w->items[i].code, names[i] = w->items[i].name;
    if (code_len) {
      assert_int_equal(strlen(codes[i]), code_len);
      for (int k = 0; k < code_len; k++) assert_true(codes[i][k] >= 'A' && codes[i][k] <= 'Z');
    }
  }
  check_list(what, codes, w->n, at_least);
  if (code_len) check_list(what, names, w->n, at_least);
  free(codes), free(names);
}

static void test_word_lists(void **state) {
  check_list("first_male", asr_words_first_male.items, asr_words_first_male.n, 200);
  check_list("first_female", asr_words_first_female.items, asr_words_first_female.n, 200);
  check_list("last", asr_words_last.items, asr_words_last.n, 300);
  check_list("city", asr_words_city.items, asr_words_city.n, 200);
  check_list("street", asr_words_street.items, asr_words_street.n, 100);
  check_list("company_head", asr_words_company_head.items, asr_words_company_head.n, 50);
  check_list("company_body", asr_words_company_body.items, asr_words_company_body.n, 50);
  check_list("company_tail", asr_words_company_tail.items, asr_words_company_tail.n, 10);
  check_list("tld", asr_words_tld.items, asr_words_tld.n, 10);
  check_list("color", asr_words_color.items, asr_words_color.n, 140);
  check_list("month", asr_words_month.items, asr_words_month.n, 12);
  check_list("weekday", asr_words_weekday.items, asr_words_weekday.n, 7);
  check_pairs("state", &asr_words_state, 51, 2);
  assert_int_equal(asr_words_state.n, 51); /* 50 states and DC */
  check_pairs("territory", &asr_words_territory, 5, 2);
  check_pairs("country", &asr_words_country, 245, 2);
  check_pairs("currency", &asr_words_currency, 150, 3);
  check_pairs("street_suffix", &asr_words_street_suffix, 30, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_join_literals),
      cmocka_unit_test(test_join_operators),
      cmocka_unit_test(test_join_errors),
      cmocka_unit_test(test_pickset_literal),
      cmocka_unit_test(test_pickset_defaults_and_operators),
      cmocka_unit_test(test_pickset_errors),
      cmocka_unit_test(test_coordinates),
      cmocka_unit_test(test_point_linestring_polygon),
      cmocka_unit_test(test_geometries),
      cmocka_unit_test(test_geo_errors),
      cmocka_unit_test(test_binary),
      cmocka_unit_test(test_maxkey_minkey),
      cmocka_unit_test(test_timestamp),
      cmocka_unit_test(test_regex),
      cmocka_unit_test(test_decimal),
      cmocka_unit_test(test_first_last_name),
      cmocka_unit_test(test_people_errors),
      cmocka_unit_test(test_word),
      cmocka_unit_test(test_sentence_paragraph),
      cmocka_unit_test(test_email_domain),
      cmocka_unit_test(test_ip_url),
      cmocka_unit_test(test_phone),
      cmocka_unit_test(test_street_address_city),
      cmocka_unit_test(test_state_country_zip),
      cmocka_unit_test(test_age),
      cmocka_unit_test(test_year),
      cmocka_unit_test(test_month_weekday),
      cmocka_unit_test(test_guid_uuid),
      cmocka_unit_test(test_hash),
      cmocka_unit_test(test_color),
      cmocka_unit_test(test_company_currency),
      cmocka_unit_test(test_all_operators_deterministic),
      cmocka_unit_test(test_registry),
      cmocka_unit_test(test_word_lists),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
