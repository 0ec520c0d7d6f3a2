/* Compiling a template costs n log n in its size, not n^2 (issue 9: 200,000 keys in one
 * object took over a minute when every key was compared with every earlier one).
 *
 * How it is checked without timing: this file defines strcmp, strncmp and memcmp, so every
 * call of them in the process (the template compiler, util/names.c, libcjson, libbson) comes
 * here and is counted. A template of 10 N keys must cost less than 20 times the comparisons of
 * one of N keys: linear work grows 10x, n log n about 12x, comparing pairs 100x. The count
 * does not depend on the machine. The Lua template walk compares functions with Lua's raw
 * equality, which no count sees: it gets a wall-clock bound 30 times what it needs here, far
 * below the minutes the pairwise walk took.
 *
 * Also: repeats are still reported at the same field with the same message, whatever the
 * object's size, and util/names.h does what it says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "lua/strategy.h"
#include "sources/source.h"
#include "template/mgodatagen.h"
#include "template/template.h"
#include "util/names.h"
#include "template_shapes.h"

#define SMALL 20000
#define LARGE 200000
#define MAX_GROWTH 20   /* comparisons at 10 n over those at n */
#define LUA_SECONDS 60  /* generous: the Lua walk is timed (see above) */

/* ---- counted comparisons (single-threaded: nothing here starts a thread) ---------------- */

static uint64_t compares;

int strcmp(const char *a, const char *b) {
  const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
  compares++;
  while (*x && *x == *y) x++, y++;
  return *x - *y;
}

int strncmp(const char *a, const char *b, size_t n) {
  const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
  compares++;
  for (; n; n--, x++, y++)
    if (*x != *y || !*x) return *x - *y;
  return 0;
}

int memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *x = a, *y = b;
  compares++;
  for (; n; n--, x++, y++)
    if (*x != *y) return *x - *y;
  return 0;
}

/* ---- templates of n keys ---------------------------------------------------------------- */

static uint64_t compile_cost(const char *json, const asr_template_options_t *opt) {
  asr_template_t *tpl = NULL;
  asr_err_t err;
  asr_err_clear(&err);
  compares = 0;
  int rc = asr_template_compile(json, strlen(json), "t.json", opt, &tpl, &err);
  uint64_t cost = compares;
  if (rc) print_error("%s\n", err.msg);
  assert_int_equal(rc, 0);
  asr_template_free(tpl);
  return cost;
}

static uint64_t flat_cost(int n) {
  char *json = shape_flat(n);
  uint64_t cost = compile_cost(json, NULL);
  free(json);
  return cost;
}

static uint64_t custom_cost(int n) {
  char **names = NULL, *json = shape_custom(n, &names);
  asr_template_options_t opt = {.custom_ops = (const char *const *)names, .ncustom = (size_t)n};
  uint64_t cost = compile_cost(json, &opt);
  shape_free_names(names, n);
  free(json);
  return cost;
}

static uint64_t mgodatagen_cost(int n) {
  char *cfg = shape_mgodatagen(n);
  asr_mgo_collection_t *cols = NULL;
  size_t ncols = 0;
  asr_err_t err;
  asr_err_clear(&err);
  compares = 0;
  int rc = asr_mgodatagen_parse(cfg, strlen(cfg), "t.json", &cols, &ncols, &err);
  uint64_t cost = compares;
  if (rc) print_error("%s\n", err.msg);
  assert_int_equal(rc, 0);
  asr_mgodatagen_free(cols, ncols);
  free(cfg);
  return cost;
}

static uint64_t pool_cost(int n) {
  char *json = shape_pool(n);
  uint64_t cost = compile_cost(json, NULL);
  free(json);
  return cost;
}

/* cost(10 n) < MAX_GROWTH * cost(n). */
static void expect_growth(const char *what, uint64_t (*cost)(int), int n) {
  uint64_t small = cost(n), large = cost(10 * n);
  print_message("%s: %llu comparisons at %d, %llu at %d (x%.1f)\n", what,
                (unsigned long long)small, n, (unsigned long long)large, 10 * n,
                (double)large / (double)(small ? small : 1));
  assert_true(large < MAX_GROWTH * small);
}

static void test_flat_object(void **state) { expect_growth("flat object, keys", flat_cost, SMALL); }

static void test_custom_operators(void **state) {
  expect_growth("custom operators, fields", custom_cost, SMALL);
}

static void test_mgodatagen_content(void **state) {
  expect_growth("mgodatagen content, fields", mgodatagen_cost, SMALL);
}

static void test_unique_pool(void **state) {
  expect_growth("unique pool, characters", pool_cost, SMALL / 10);
}

/* ---- Lua templates ---------------------------------------------------------------------- */

static double seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A strategy whose Lua template has LARGE fields, each its own function: the walk numbers
 * them (ltemplate.c) and the compiler meets LARGE custom operators. About 2 s here (most of
 * it running the strategy); the walk that compared each function with every earlier one
 * took minutes. */
static void test_lua_template_functions(void **state) {
  static const char path[] = ASR_TEST_TMP "/template_scale_strategy.lua";
  char *text = shape_lua_strategy(LARGE);
  mkdir(ASR_TEST_TMP, 0755);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  free(text);
  double t0 = seconds();
  asr_strategy_t *st = NULL;
  asr_source_spec_t spec = {0};
  asr_err_t err;
  asr_err_clear(&err);
  int rc = asr_strategy_load(path, &st, &err);
  if (rc == 0) rc = asr_strategy_custom_ops(st, &spec, &err);
  if (rc) print_error("%s\n", err.msg);
  assert_int_equal(rc, 0);
  assert_int_equal(spec.ncustom, LARGE);
  asr_template_options_t opt = {.custom_ops = (const char *const *)spec.custom_ops,
                                .ncustom = spec.ncustom};
  compile_cost(st->source.template_json, &opt);
  double took = seconds() - t0;
  print_message("Lua template with %d functions: %.2f s\n", LARGE, took);
  assert_true(took < LUA_SECONDS);
  asr_source_spec_free(&spec);
  asr_strategy_free(st);
}

/* ---- the same answers ------------------------------------------------------------------- */

static void expect_error(const char *json, const asr_template_options_t *opt, const char *msg) {
  asr_template_t *tpl = NULL;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_template_compile(json, strlen(json), "t.json", opt, &tpl, &err), ASR_EINVAL);
  assert_null(tpl);
  assert_string_equal(err.msg, msg);
}

/* The first field that repeats an earlier one is named, after any error before it. */
static void test_repeats_reported_where_they_were(void **state) {
  expect_error("{\"a\": 1, \"b\": {\"x\": 1, \"y\": 2, \"x\": 3}, \"a\": 2}", NULL,
               "t.json: duplicate field b.x");
  expect_error("{\"c\": 1, \"b\": 1, \"a\": 1, \"b\": 2, \"a\": 2}", NULL, "t.json: duplicate field b");
  expect_error("{\"a\": 1, \"$x\": 1, \"a\": 2}", NULL,
               "t.json: field $x starts with '$': an operator object must have exactly one key");
  expect_error("{\"a\": 1, \"a\": 2, \"$x\": 1}", NULL, "t.json: duplicate field a");
  expect_error("{\"ab\": 1, \"a\": 2, \"abc\": 3, \"a\": 4}", NULL, "t.json: duplicate field a");
  char *big = shape_flat(1000);
  strcpy(big + strlen(big) - 1, ", \"k999\": 1, \"k10\": 1}");
  expect_error(big, NULL, "t.json: duplicate field k999");
  free(big);
  /* a pool's first character that comes again, in pool order */
  expect_error("{\"s\": {\"$string\": {\"unique\": true, \"pool\": \"xbcab\"}}}", NULL,
               "t.json: $string at s: option unique needs a pool without repeated characters (b)");
  expect_error("{\"s\": {\"$string\": {\"unique\": true, \"pool\": \"abcbca\"}}}", NULL,
               "t.json: $string at s: option unique needs a pool without repeated characters (a)");
  expect_error("{\"s\": {\"$string\": {\"unique\": true, \"pool\": \"\xce\xb1\xce\xb2\xce\xb3\xce\xb2\"}}}",
               NULL, "t.json: $string at s: option unique needs a pool without repeated "
                     "characters (\xce\xb2)");
}

static void test_mgodatagen_repeat(void **state) {
  static const char cfg[] = "[{\"database\": \"d\", \"collection\": \"c\", \"count\": 1, \"content\": "
                            "{\"b\": {\"type\": \"int\"}, \"a\": {\"type\": \"int\"}, "
                            "\"b\": {\"type\": \"int\"}}}]";
  asr_mgo_collection_t *cols = NULL;
  size_t n = 0;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_mgodatagen_parse(cfg, strlen(cfg), "t.json", &cols, &n, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "t.json: collection d.c, field b: the field is declared twice");
}

static void test_names(void **state) {
  assert_true(asr_names_in_list("min,max,unique", "max"));
  assert_true(asr_names_in_list("min,max,unique", "unique"));
  assert_false(asr_names_in_list("min,max,unique", "ma"));
  assert_false(asr_names_in_list("min,max,unique", "maxi"));
  assert_false(asr_names_in_list("", "min"));
  const char *s[] = {"b", "a", "b", "", "ab", "a", ""};
  asr_name_t names[7];
  uint32_t first[7];
  for (uint32_t i = 0; i < 7; i++) names[i] = (asr_name_t){s[i], strlen(s[i]), i};
  asr_names_first(names, 7, first);
  uint32_t want[7] = {0, 1, 0, 3, 4, 1, 3};
  assert_memory_equal(first, want, sizeof want);
  const asr_name_t *hit = asr_names_find(names, 7, "a", 1);
  assert_non_null(hit);
  assert_int_equal(hit->index, 1); /* the first of equal names */
  assert_int_equal(asr_names_find(names, 7, "", 0)->index, 3);
  assert_int_equal(asr_names_find(names, 7, "ab", 2)->index, 4);
  assert_null(asr_names_find(names, 7, "abc", 3));
  assert_null(asr_names_find(names, 7, "c", 1));
  assert_null(asr_names_find(NULL, 0, "a", 1));
}

/* Custom operators: a repeated name resolves to its first entry, as the scan did. */
static int first_id(void *ud, uint32_t id, asr_rng_t *rng, const bson_t *opts, bson_t *dst,
                    const char *key, int keylen, asr_err_t *err) {
  return bson_append_int32(dst, key, keylen, (int32_t)id) ? 0 : ASR_ENOMEM;
}

static void test_repeated_custom_name(void **state) {
  static const char *const ops[] = {"x", "dup", "y", "dup"};
  asr_template_options_t opt = {.custom_ops = ops, .ncustom = 4};
  static const char json[] = "{\"v\": \"$dup\", \"w\": \"$y\"}";
  asr_template_t *tpl = NULL;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_template_compile(json, strlen(json), "t.json", &opt, &tpl, &err), 0);
  asr_template_ext_t ext = {.call = first_id};
  bson_t doc = BSON_INITIALIZER;
  assert_int_equal(asr_template_generate(tpl, &ext, 1, 0, &doc, &err), 0);
  char *json_out = bson_as_relaxed_extended_json(&doc, NULL);
  assert_string_equal(json_out, "{ \"v\" : 1, \"w\" : 2 }");
  bson_free(json_out);
  bson_destroy(&doc);
  asr_template_free(tpl);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_repeats_reported_where_they_were),
      cmocka_unit_test(test_mgodatagen_repeat),
      cmocka_unit_test(test_repeated_custom_name),
      cmocka_unit_test(test_flat_object),
      cmocka_unit_test(test_custom_operators),
      cmocka_unit_test(test_mgodatagen_content),
      cmocka_unit_test(test_unique_pool),
      cmocka_unit_test(test_lua_template_functions),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
