/* Tests for the strategy's `operators` and `collections`, Lua templates in a strategy
 * (host/lua/strategy.c, ltemplate.c) and the per-worker custom operator ext
 * (host/lua/template_ops.c) driven through the public template API. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "lua/strategy.h"
#include "lua/template_ops.h"
#include "lua/worker.h"
#include "sources/source.h"
#include "template/template.h"

#define TMP(name) ASR_TEST_TMP "/template_lua_" name

/* The ops as a worker opens them: in the Lua state where it evaluated the strategy. */
static int open_ops(const char *path, const char *const *names, size_t n, asr_worker_env_t **env,
                    asr_template_ext_t **ext, asr_err_t *err) {
  *ext = NULL;
  int rc = asr_lua_worker_open(path, env, err);
  if (rc == 0) rc = asr_lua_template_ops_open(*env, names, n, ext, err);
  return rc;
}

static void close_ops(asr_worker_env_t *env, asr_template_ext_t *ext) {
  asr_lua_template_ops_close(ext);
  asr_lua_worker_close(env);
}

static const char *write_str(const char *path, const char *text) {
  mkdir(ASR_TEST_TMP, 0755);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
  fclose(f);
  return path;
}

static const char STRATEGY[] =
    "local gen = require('asrun.gen')\n"
    "local seq = function(rng) return rng:integer(1, 9) end\n"
    "return {\n"
    "  operators = {\n"
    "    vin = function(rng, o) return (o.p or 'V') .. rng:string(3, 'AB') end,\n"
    "    a_op = function() return 7 end,\n"
    "    boom = function(rng) if rng:integer(1, 2) == 2 then error('boom') end return 0 end,\n"
    "  },\n"
    "  source = { kind = 'template',\n"
    "             template = { n = gen.inc(), f = seq, v = gen.op('vin', {p = 'W'}), a = '$a_op' } },\n"
    "  collections = {\n"
    "    products = { template = 'template_lua_products.json', total = 5, seed = 9 },\n"
    "    customers = { template = { cid = gen.inc(), g = function(rng) return rng:pick({'x'}) end,\n"
    "                               h = seq }, total = 100 },\n"
    "    inline = { template = '{\"k\": 1}', total = 3 },\n"
    "  },\n"
    "  total = 10,\n"
    "}\n";

static asr_strategy_t *load(const char *path) {
  asr_strategy_t *s = NULL;
  asr_err_t err;
  asr_err_clear(&err);
  int rc = asr_strategy_load(path, &s, &err);
  if (rc) print_error("%s\n", err.msg);
  assert_int_equal(rc, 0);
  return s;
}

static void test_strategy_reads_operators_collections_and_lua_templates(void **state) {
  (void)state;
  write_str(TMP("products.json"), "{\"sku\": \"$inc\"}");
  asr_strategy_t *s = load(write_str(TMP("strategy.lua"), STRATEGY));
  assert_int_equal(s->noperators, 3);
  assert_string_equal(s->operator_names[0], "a_op"); /* sorted */
  assert_string_equal(s->operator_names[1], "boom");
  assert_string_equal(s->operator_names[2], "vin");
  assert_int_equal(s->nlua_fns, 2); /* seq (shared by two templates) and g */
  assert_string_equal(s->source.kind, "template");
  assert_string_equal(s->source.template_json,
                      "{\"a\":\"$a_op\",\"f\":\"$__lua_fn_1\",\"n\":\"$inc\","
                      "\"v\":{\"$vin\":{\"p\":\"W\"}}}");
  assert_int_equal(s->ncollections, 3);
  const asr_strategy_collection_t *c = s->collections;
  assert_string_equal(c[0].name, "customers");
  assert_string_equal(c[0].template_json, "{\"cid\":\"$inc\",\"g\":\"$__lua_fn_2\",\"h\":\"$__lua_fn_1\"}");
  assert_null(c[0].template_path);
  assert_int_equal(c[0].total, 100);
  assert_int_equal(c[0].seed, -1);
  assert_string_equal(c[1].name, "inline");
  assert_string_equal(c[1].template_json, "{\"k\": 1}");
  assert_int_equal(c[1].total, 3);
  assert_string_equal(c[2].name, "products");
  assert_null(c[2].template_json);
  assert_string_equal(c[2].template_path, TMP("products.json")); /* next to the strategy */
  assert_int_equal(c[2].total, 5);
  assert_int_equal(c[2].seed, 9);
  asr_strategy_free(s);
}

static void test_custom_ops_list_and_generation(void **state) {
  (void)state;
  asr_strategy_t *s = load(write_str(TMP("strategy.lua"), STRATEGY));
  asr_source_spec_t spec = {0};
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_strategy_custom_ops(s, &spec, &err), 0);
  assert_ptr_equal(spec.custom_ops_factory, &asr_lua_template_ops_factory);
  assert_int_equal(spec.ncustom, 5);
  const char *want[] = {"a_op", "boom", "vin", "__lua_fn_1", "__lua_fn_2"};
  for (size_t i = 0; i < 5; i++) assert_string_equal(spec.custom_ops[i], want[i]);

  const asr_template_options_t opt = {.custom_ops = (const char *const *)spec.custom_ops,
                                      .ncustom = spec.ncustom};
  asr_template_t *src = NULL, *cust = NULL;
  asr_template_ext_t *ext = NULL;
  assert_int_equal(asr_template_compile(s->source.template_json, strlen(s->source.template_json),
                                        "src", &opt, &src, &err), 0);
  assert_int_equal(asr_template_compile(s->collections[0].template_json,
                                        strlen(s->collections[0].template_json), "customers", &opt,
                                        &cust, &err), 0);
  assert_true(asr_template_has_custom_ops(src));
  asr_worker_env_t *env = NULL;
  assert_int_equal(open_ops(TMP("strategy.lua"), (const char *const *)spec.custom_ops, spec.ncustom,
                            &env, &ext, &err), 0);
  for (uint64_t i = 0; i < 50; i++) {
    bson_t *doc = bson_new(), *again = bson_new();
    assert_int_equal(asr_template_generate(src, ext, 3, i, doc, &err), 0);
    assert_int_equal(asr_template_generate(src, ext, 3, i, again, &err), 0);
    assert_true(bson_equal(doc, again)); /* (seed, index) decide everything */
    bson_iter_t it;
    assert_true(bson_iter_init_find(&it, doc, "a") && BSON_ITER_HOLDS_INT32(&it));
    assert_int_equal(bson_iter_int32(&it), 7);
    assert_true(bson_iter_init_find(&it, doc, "f") && BSON_ITER_HOLDS_INT32(&it));
    assert_in_range(bson_iter_int32(&it), 1, 9);
    assert_true(bson_iter_init_find(&it, doc, "n"));
    assert_int_equal(bson_iter_as_int64(&it), (int64_t)i);
    assert_true(bson_iter_init_find(&it, doc, "v") && BSON_ITER_HOLDS_UTF8(&it));
    const char *v = bson_iter_utf8(&it, NULL);
    assert_int_equal(strlen(v), 4);
    assert_int_equal(v[0], 'W');
    assert_int_equal(strspn(v + 1, "AB"), 3);
    bson_reinit(doc);
    assert_int_equal(asr_template_generate(cust, ext, 3, i, doc, &err), 0); /* same numbering */
    assert_true(bson_iter_init_find(&it, doc, "g") && BSON_ITER_HOLDS_UTF8(&it));
    assert_string_equal(bson_iter_utf8(&it, NULL), "x");
    assert_true(bson_iter_init_find(&it, doc, "h") && BSON_ITER_HOLDS_INT32(&it));
    assert_in_range(bson_iter_int32(&it), 1, 9);
    bson_destroy(doc);
    bson_destroy(again);
  }
  close_ops(env, ext);
  asr_template_free(src);
  asr_template_free(cust);
  asr_source_spec_free(&spec);
  asr_strategy_free(s);
}

static void test_operator_error_names_operator_file_and_line(void **state) {
  (void)state;
  const char *path = write_str(TMP("strategy.lua"), STRATEGY);
  const char *names[] = {"boom"};
  const asr_template_options_t opt = {.custom_ops = names, .ncustom = 1};
  asr_template_t *t = NULL;
  asr_template_ext_t *ext = NULL;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_template_compile("{\"x\": \"$boom\"}", 14, "t", &opt, &t, &err), 0);
  asr_worker_env_t *env = NULL;
  assert_int_equal(open_ops(path, names, 1, &env, &ext, &err), 0);
  int failed = 0;
  (void)path; /* Lua shortens long chunk names ("...ests/tmp/template_lua_strategy.lua") */
  const char *want = "custom operator $boom: ", *where = "template_lua_strategy.lua:7: boom\nstack traceback:";
  for (uint64_t i = 0; i < 20; i++) {
    bson_t *doc = bson_new();
    asr_err_clear(&err);
    int rc = asr_template_generate(t, ext, 1, i, doc, &err);
    if (rc) {
      failed++;
      assert_int_equal(rc, ASR_ESCRIPT);
      assert_int_equal(err.code, ASR_ESCRIPT);
      assert_memory_equal(err.msg, want, strlen(want));
      assert_non_null(strstr(err.msg, where));
    }
    bson_destroy(doc);
  }
  assert_in_range(failed, 3, 17); /* about half: the ext keeps working after an error */
  close_ops(env, ext);
  asr_template_free(t);
}

static void expect_open_error(const char *path, const char *name, int code, const char *want) {
  asr_template_ext_t *ext = (asr_template_ext_t *)1;
  asr_err_t err;
  asr_err_clear(&err);
  const char *names[] = {"vin", name};
  asr_worker_env_t *env = NULL;
  assert_int_equal(open_ops(path, names, 2, &env, &ext, &err), code);
  assert_null(ext);
  asr_lua_worker_close(env);
  assert_string_equal(err.msg, want);
}

static void test_ops_open_errors(void **state) {
  (void)state;
  const char *path = write_str(TMP("strategy.lua"), STRATEGY);
  char want[800];
  snprintf(want, sizeof want, "%s: operators.nope must be a function, got nil", path);
  expect_open_error(path, "nope", ASR_EINVAL, want);
  snprintf(want, sizeof want, "%s: Lua template function 3 not found (got nil) when the strategy "
           "was evaluated again (its templates must be built the same way every time)", path);
  expect_open_error(path, "__lua_fn_3", ASR_EINVAL, want);
  expect_open_error(TMP("missing.lua"), "vin", ASR_EINVAL,
                    "cannot open " TMP("missing.lua") ": No such file or directory");
}

static void expect_load_error(const char *body, const char *want_suffix) {
  const char *path = write_str(TMP("bad.lua"), body);
  asr_strategy_t *s = (asr_strategy_t *)1;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_strategy_load(path, &s, &err), ASR_EINVAL);
  char want[800];
  snprintf(want, sizeof want, "%s: %s", path, want_suffix);
  assert_string_equal(err.msg, want);
}

static void test_strategy_errors(void **state) {
  (void)state;
  expect_load_error("return { collections = { c = { template = '{\"k\": 1}' } } }",
                    "collections.c needs total = N (its number of documents)");
  expect_load_error("return { collections = { c = { total = 3 } } }", "collections.c needs a template");
  expect_load_error("return { collections = { c = 5 } }",
                    "collections.c must be a table {template = ..., total = N}, got number");
  expect_load_error("return { collections = 5 }", "field 'collections' must be a table, got number");
  expect_load_error("return { collections = { c = { template = 5, total = 1 } } }",
                    "collections.c.template must be a template table, a file name or JSON text, "
                    "got number");
  expect_load_error("return { collections = { c = { template = '{}', total = 0 } } }",
                    "collections.c: field 'total' must be an integer >= 1, got 0");
  expect_load_error("return { operators = { x = 1 } }", "operators.x must be a function, got number");
  expect_load_error("return { operators = { 'f' } }",
                    "operators: a number key (operator names are strings)");
  expect_load_error("return { operators = { __lua_fn_1 = print } }",
                    "operators: '__lua_fn_1' is not a valid operator name (letters, digits and _, "
                    "not starting with a digit nor with __lua_fn_)");
  expect_load_error("return { source = { template = { a = {1, x = 2} } } }",
                    "source.template: a: a table mixes string keys and array positions");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_strategy_reads_operators_collections_and_lua_templates),
      cmocka_unit_test(test_custom_ops_list_and_generation),
      cmocka_unit_test(test_operator_error_names_operator_file_and_line),
      cmocka_unit_test(test_ops_open_errors),
      cmocka_unit_test(test_strategy_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
