/* Tests for asrun's template extensions (docs/templates.md, host/template/): nullPercentage
 * and $field, unique (bijection of the index, range checks), the distributions (sample mean and
 * variance, zipf's rank order), $partition and partitionSize, $ref against the generated
 * referenced collection, custom operators through a fake ext, run-time errors with their JSON
 * path, the libbson fallback of the fast appends, and determinism across threads. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "template/node.h"
#include "template/template.h"

#define N 20000

/* ---- helpers ---------------------------------------------------------------------------- */

static asr_template_t *compile_opt(const char *json, const asr_template_options_t *opt) {
  asr_err_t err;
  asr_err_clear(&err);
  asr_template_t *t = NULL;
  int rc = asr_template_compile(json, strlen(json), "t.json", opt, &t, &err);
  if (rc) fail_msg("compile failed (%d): %s", rc, err.msg);
  return t;
}

static asr_template_t *compile_ok(const char *json) { return compile_opt(json, NULL); }

static void expect_error_opt(const char *json, const asr_template_options_t *opt, const char *text) {
  asr_err_t err;
  asr_err_clear(&err);
  asr_template_t *t = (asr_template_t *)&err;
  int rc = asr_template_compile(json, strlen(json), "t.json", opt, &t, &err);
  if (rc != ASR_EINVAL || !strstr(err.msg, text))
    fail_msg("template %s\n  expected ASR_EINVAL with \"%s\"\n  got %d: \"%s\"", json, text, rc, err.msg);
  assert_null(t);
}

static void expect_error(const char *json, const char *text) { expect_error_opt(json, NULL, text); }

static void gen_ext(const asr_template_t *t, const asr_template_ext_t *ext, uint64_t seed,
                    uint64_t i, bson_t *doc) {
  asr_err_t err;
  asr_err_clear(&err);
  bson_init(doc);
  int rc = asr_template_generate(t, ext, seed, i, doc, &err);
  if (rc) fail_msg("generate failed (%d): %s", rc, err.msg);
}

/* Generates document i (seed 7) and finds dotted path key (false when absent). */
static bool field_of(const asr_template_t *t, uint64_t i, const char *key, bson_t *doc, bson_iter_t *it) {
  bson_iter_t root;
  gen_ext(t, NULL, 7, i, doc);
  assert_true(bson_iter_init(&root, doc));
  return bson_iter_find_descendant(&root, key, it);
}

static double num_of(const bson_iter_t *it) {
  switch (bson_iter_type(it)) {
  case BSON_TYPE_INT32: return bson_iter_int32(it);
  case BSON_TYPE_INT64: return (double)bson_iter_int64(it);
  case BSON_TYPE_DOUBLE: return bson_iter_double(it);
  default: fail_msg("not a number: type 0x%x", bson_iter_type(it));
  }
  return 0;
}

typedef struct stats {
  double sum, sumsq, min, max;
  int n;
} stats_t;

/* Samples field v of json N times (all must be numbers of type `type`). */
static stats_t sample(const char *json, bson_type_t type) {
  asr_template_t *t = compile_ok(json);
  stats_t s = {0, 0, INFINITY, -INFINITY, 0};
  for (int i = 0; i < N; i++) {
    bson_t doc;
    bson_iter_t it;
    assert_true(field_of(t, (uint64_t)i, "v", &doc, &it));
    if (bson_iter_type(&it) != type) fail_msg("%s: type 0x%x, expected 0x%x", json, bson_iter_type(&it), type);
    double x = num_of(&it);
    s.sum += x, s.sumsq += x * x, s.n++;
    s.min = fmin(s.min, x), s.max = fmax(s.max, x);
    bson_destroy(&doc);
  }
  asr_template_free(t);
  return s;
}

static double mean_of(const stats_t *s) { return s->sum / s->n; }
static double var_of(const stats_t *s) { return (s->sumsq - s->sum * s->sum / s->n) / (s->n - 1); }

static void expect_near(double got, double want, double tol, const char *what) {
  if (!(fabs(got - want) <= tol)) fail_msg("%s: got %.6g, expected %.6g +- %.3g", what, got, want, tol);
}

/* ---- nullPercentage, $field -------------------------------------------------------------- */

static int count_nulls(const char *json, const char *key) {
  asr_template_t *t = compile_ok(json);
  int nulls = 0;
  for (int i = 0; i < N; i++) {
    bson_t doc;
    bson_iter_t it;
    assert_true(field_of(t, (uint64_t)i, key, &doc, &it));
    if (BSON_ITER_HOLDS_NULL(&it)) nulls++;
    else if (BSON_ITER_HOLDS_INT32(&it)) assert_in_range(bson_iter_int32(&it), 1, 5);
    bson_destroy(&doc);
  }
  asr_template_free(t);
  return nulls;
}

static void test_null_percentage(void **state) {
  /* 30% of 20000: 6000, sd 65 */
  assert_in_range(count_nulls("{\"v\": {\"$integer\": {\"min\": 1, \"max\": 5, \"nullPercentage\": 30}}}", "v"),
                  6000 - 300, 6000 + 300);
  assert_in_range(count_nulls("{\"o\": {\"w\": {\"$choose\": {\"from\": [1, 2], \"nullPercentage\": 2.5}}}}", "o.w"),
                  500 - 90, 500 + 90);
  assert_int_equal(count_nulls("{\"v\": {\"$integer\": {\"min\": 1, \"max\": 5, \"nullPercentage\": 0}}}", "v"), 0);
  assert_int_equal(count_nulls("{\"v\": {\"$now\": {\"nullPercentage\": 100}}}", "v"), N);
}

static void test_field_wrapper(void **state) {
  asr_template_t *t = compile_ok("{\"o\": {\"$field\": {\"of\": {\"a\": 1, \"b\": [true]}, \"nullPercentage\": 50}},"
                                 " \"plain\": {\"$field\": {\"of\": \"$inc\"}}}");
  int nulls = 0;
  bson_t *obj = BCON_NEW("a", BCON_INT32(1), "b", "[", BCON_BOOL(true), "]");
  for (int i = 0; i < N; i++) {
    bson_t doc;
    bson_iter_t it;
    assert_true(field_of(t, (uint64_t)i, "o", &doc, &it));
    if (BSON_ITER_HOLDS_NULL(&it)) {
      nulls++;
    } else {
      uint32_t len;
      const uint8_t *data;
      bson_t sub;
      assert_true(BSON_ITER_HOLDS_DOCUMENT(&it));
      bson_iter_document(&it, &len, &data);
      assert_true(bson_init_static(&sub, data, len) && bson_equal(&sub, obj));
    }
    assert_true(bson_iter_init_find(&it, &doc, "plain"));
    assert_int_equal(bson_iter_int32(&it), i);
    bson_destroy(&doc);
  }
  assert_in_range(nulls, 10000 - 300, 10000 + 300); /* sd 71 */
  bson_destroy(obj);
  asr_template_free(t);
  expect_error("{\"a\": {\"$field\": {\"nullPercentage\": 5}}}", "t.json: $field at a: option of is required");
}

static void test_null_percentage_errors(void **state) {
  expect_error("{\"a\": {\"$integer\": {\"nullPercentage\": 150}}}",
               "t.json: $integer at a: option nullPercentage must be a number between 0 and 100, got the number 150");
  expect_error("{\"a\": {\"$bool\": {\"nullPercentage\": \"5\"}}}",
               "$bool at a: option nullPercentage must be a number between 0 and 100, got the string \"5\"");
  expect_error("{\"a\": {\"$bool\": {\"nullPercentage\": -1}}}", "got the number -1");
}

/* ---- unique -------------------------------------------------------------------------------- */

static void test_unique_integer_is_a_bijection(void **state) {
  const uint64_t total = 100000;
  asr_template_options_t opt = {.total = total};
  asr_template_t *t = compile_opt("{\"v\": {\"$integer\": {\"min\": 1, \"max\": 100000, \"unique\": true}}}", &opt);
  uint8_t *seen = calloc(total + 1, 1);
  for (uint64_t i = 0; i < total; i++) {
    bson_t doc;
    bson_iter_t it;
    assert_true(field_of(t, i, "v", &doc, &it));
    assert_int_equal(bson_iter_type(&it), BSON_TYPE_INT32);
    int32_t v = bson_iter_int32(&it);
    assert_in_range(v, 1, 100000);
    if (seen[v]++) fail_msg("value %d repeated at index %llu", v, (unsigned long long)i);
    bson_destroy(&doc);
  }
  free(seen);
  /* not the identity: the order is shuffled */
  bson_t a, b;
  bson_iter_t ia, ib;
  assert_true(field_of(t, 0, "v", &a, &ia) && field_of(t, 1, "v", &b, &ib));
  assert_false(bson_iter_int32(&ia) == 1 && bson_iter_int32(&ib) == 2);
  bson_destroy(&a);
  bson_destroy(&b);
  /* past the range: a run-time error naming the field */
  asr_err_t err;
  asr_err_clear(&err);
  bson_init(&a);
  assert_int_equal(asr_template_generate(t, NULL, 7, total, &a, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "t.json: $integer at v: unique: the index passes the 100000 distinct "
                               "values this field can take (document 100000)");
  bson_destroy(&a);
  asr_template_free(t);
}

static void test_unique_other_operators(void **state) {
  asr_template_options_t opt = {.total = 4000};
  asr_template_t *t = compile_opt(
      "{\"l\": {\"$numberLong\": {\"min\": -2000, \"max\": 1999, \"unique\": true}},"
      " \"n\": {\"$numberInt\": {\"unique\": true}}, \"big\": {\"$number\": {\"unique\": true}},"
      " \"s\": {\"$string\": {\"unique\": true}}, \"f\": {\"$string\": {\"length\": 12, \"pool\": \"ab\", \"unique\": true}},"
      " \"u\": {\"$string\": {\"length\": 2, \"pool\": \"\\u00e4\\u00f6\\u20ac abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ\", \"unique\": true}}}", &opt);
  const char *keys[] = {"l", "n", "big", "s", "f", "u"};
  bson_t all[6];
  for (int k = 0; k < 6; k++) bson_init(&all[k]);
  for (uint64_t i = 0; i < 4000; i++) {
    bson_t doc;
    bson_iter_t it;
    gen_ext(t, NULL, 3, i, &doc);
    for (int k = 0; k < 6; k++) {
      char name[32];
      assert_true(bson_iter_init_find(&it, &doc, keys[k]));
      if (k == 0) {
        assert_int_equal(bson_iter_type(&it), BSON_TYPE_INT64);
        assert_in_range(bson_iter_int64(&it) + 2000, 0, 3999);
      }
      if (k == 1) assert_int_equal(bson_iter_type(&it), BSON_TYPE_INT32);
      if (k >= 3) {
        uint32_t len;
        const char *s = bson_iter_utf8(&it, &len);
        assert_true(bson_utf8_validate(s, len, false));
        if (k == 3) assert_in_range(len, 5, 20);
        if (k == 4) assert_int_equal(len, 12);
        snprintf(name, sizeof name, "%.*s", (int)len, s);
      } else {
        snprintf(name, sizeof name, "%lld", (long long)num_of(&it));
      }
      bson_iter_t dup; /* the value as a key: a repeat finds the key already there */
      if (bson_iter_init_find(&dup, &all[k], name)) fail_msg("%s repeats %s at %llu", keys[k], name, (unsigned long long)i);
      BSON_APPEND_BOOL(&all[k], name, true);
    }
    bson_destroy(&doc);
  }
  for (int k = 0; k < 6; k++) bson_destroy(&all[k]);
  asr_template_free(t);
}

static void test_unique_range_errors(void **state) {
  asr_template_options_t opt = {.total = 100001};
  expect_error_opt("{\"v\": {\"$integer\": {\"min\": 1, \"max\": 100000, \"unique\": true}}}", &opt,
                   "t.json: $integer at v: option unique: min..max (1..100000) gives 100000 distinct values, "
                   "fewer than the 100001 documents of the run");
  opt.total = 9;
  expect_error_opt("{\"v\": {\"$string\": {\"length\": 3, \"pool\": \"ab\", \"unique\": true}}}", &opt,
                   "$string at v: option unique: 3 characters from a pool of 2 gives 8 distinct values, "
                   "fewer than the 9 documents of the run");
  opt.total = 8;
  asr_template_free(compile_opt("{\"v\": {\"$string\": {\"length\": 3, \"pool\": \"ab\", \"unique\": true}}}", &opt));
  expect_error("{\"v\": {\"$bool\": {\"unique\": true}}}",
               "$bool at v: option unique is not supported here (only by $integer, $number, $numberInt, "
               "$numberLong, $string, $email, $uuid, $guid)");
  expect_error("{\"v\": {\"$integer\": {\"unique\": 1}}}", "$integer at v: option unique must be true or false");
  expect_error("{\"v\": {\"$integer\": {\"min\": \"$inc\", \"unique\": true}}}",
               "$integer at v: option unique needs constant min and max");
  expect_error("{\"v\": {\"$string\": {\"length\": \"$inc\", \"unique\": true}}}",
               "$string at v: option unique needs a constant length");
  expect_error("{\"v\": {\"$string\": {\"pool\": \"$string\", \"unique\": true}}}",
               "$string at v: option unique needs a constant pool");
  expect_error("{\"v\": {\"$string\": {\"pool\": \"abca\", \"unique\": true}}}",
               "$string at v: option unique needs a pool without repeated characters (a)");
  /* the repeat named is the first character, in pool order, that comes again */
  expect_error("{\"v\": {\"$string\": {\"pool\": \"xbcab\", \"unique\": true}}}",
               "$string at v: option unique needs a pool without repeated characters (b)");
  expect_error("{\"v\": {\"$string\": {\"pool\": \"abcbca\", \"unique\": true}}}",
               "$string at v: option unique needs a pool without repeated characters (a)");
  expect_error("{\"v\": {\"$string\": {\"pool\": \"\xce\xb1\xce\xb2\xce\xb3\xce\xb2\", \"unique\": true}}}",
               "$string at v: option unique needs a pool without repeated characters (\xce\xb2)");
  expect_error("{\"v\": {\"$integer\": {\"unique\": true, \"distribution\": \"normal\"}}}",
               "$integer at v: options unique and distribution cannot be combined");
}

/* $email and $uuid live in other files: their wrapper is tested on nodes built here. */
static asr_template_t *wrap_first_field(const char *json, const char *opname, uint64_t total) {
  asr_template_t *t = compile_ok(json);
  asr_template_options_t opt = {.total = total};
  asr_err_t err;
  asr_err_clear(&err);
  asr_tpl_cc_t c = {.t = t, .err = &err, .origin = "t.json", .opt = &opt, .opname = opname};
  asr_tpl_node_t *n = asr_tpl_alloc(&c, sizeof *n);
  assert_non_null(n);
  n->path = t->root->kids[0]->path;
  int rc = asr_tpl_unique_wrap(&c, opname, t->root->kids[0], n);
  if (rc) fail_msg("%s", err.msg);
  n->kids = asr_tpl_alloc(&c, sizeof *n->kids);
  n->kids[0] = t->root->kids[0];
  n->nkids = 1;
  t->root->kids[0] = n;
  return t;
}

static void test_unique_email_and_uuid_wrappers(void **state) {
  asr_template_t *e = wrap_first_field("{\"e\": {\"$choose\": {\"from\": [\"ann@example.com\", \"bob@x.org\", \"nohost\"]}}}",
                                       "email", 5000);
  asr_template_t *u = wrap_first_field(
      "{\"u\": {\"$choose\": {\"from\": [\"0f0e0d0c-0b0a-4908-8706-050403020100\", \"ABCDEF01-2345-4678-9ABC-DEF012345678\"]}}}",
      "uuid", 5000);
  bson_t seen_e, seen_u;
  bson_init(&seen_e);
  bson_init(&seen_u);
  for (uint64_t i = 0; i < 5000; i++) {
    bson_t doc;
    bson_iter_t it;
    uint32_t len;
    gen_ext(e, NULL, 1, i, &doc);
    assert_true(bson_iter_init_find(&it, &doc, "e"));
    const char *s = bson_iter_utf8(&it, &len);
    const char *at = strchr(s, '@');
    if (at) {
      assert_true((strncmp(s, "ann", 3) == 0 && strcmp(at, "@example.com") == 0) ||
                  (strncmp(s, "bob", 3) == 0 && strcmp(at, "@x.org") == 0));
      assert_int_equal(at - s, 3 + 7);
    } else {
      assert_int_equal(len, 6 + 7);
      assert_memory_equal(s, "nohost", 6);
    }
    assert_false(bson_iter_init_find(&it, &seen_e, s));
    BSON_APPEND_BOOL(&seen_e, s, true);
    bson_destroy(&doc);

    gen_ext(u, NULL, 1, i, &doc);
    assert_true(bson_iter_init_find(&it, &doc, "u"));
    s = bson_iter_utf8(&it, &len);
    assert_int_equal(len, 36);
    bool upper = s[0] == 'A';
    assert_memory_equal(s, upper ? "ABCDEF01-2345-4678-9" : "0f0e0d0c-0b0a-4908-8", 20);
    for (int k = 20; k < 36; k++)
      if (k != 23) assert_non_null(strchr(upper ? "0123456789ABCDEF" : "0123456789abcdef", s[k]));
    assert_int_equal(s[23], '-');
    assert_false(bson_iter_init_find(&it, &seen_u, s + 19)); /* the variable part is unique */
    BSON_APPEND_BOOL(&seen_u, s + 19, true);
    bson_destroy(&doc);
  }
  bson_destroy(&seen_e);
  bson_destroy(&seen_u);
  asr_template_free(e);
  asr_template_free(u);
}

/* ---- distributions ----------------------------------------------------------------------- */

static void test_distribution_normal(void **state) {
  stats_t s = sample("{\"v\": {\"$floating\": {\"min\": -1000, \"max\": 1000, \"distribution\": \"normal\","
                     " \"mean\": 50, \"stddev\": 10}}}", BSON_TYPE_DOUBLE);
  expect_near(mean_of(&s), 50, 0.3, "normal mean");  /* se 0.07 */
  expect_near(var_of(&s), 100, 5, "normal variance"); /* se 1 */
  /* defaults from the bounds: mean 30, stddev 10; integers */
  s = sample("{\"v\": {\"$integer\": {\"min\": 0, \"max\": 60, \"distribution\": \"normal\"}}}", BSON_TYPE_INT32);
  expect_near(mean_of(&s), 30, 0.3, "normal mean from bounds");
  expect_near(var_of(&s), 100, 5, "normal variance from bounds");
  assert_true(s.min >= 0 && s.max <= 60);
  /* clamping: most of the mass falls outside [0, 10] */
  s = sample("{\"v\": {\"$numberLong\": {\"min\": 0, \"max\": 10, \"distribution\": \"normal\", \"mean\": 5, "
             "\"stddev\": 100}}}", BSON_TYPE_INT64);
  assert_true(s.min == 0 && s.max == 10);
  expect_near(mean_of(&s), 5, 0.2, "clamped normal mean");
}

static void test_distribution_exponential(void **state) {
  stats_t s = sample("{\"v\": {\"$floating\": {\"min\": 0, \"max\": 1000, \"fixed\": 6, "
                     "\"distribution\": \"exponential\", \"lambda\": 0.5}}}", BSON_TYPE_DOUBLE);
  expect_near(mean_of(&s), 2, 0.06, "exponential mean");   /* se 0.014 */
  expect_near(var_of(&s), 4, 0.4, "exponential variance"); /* se 0.08 */
  assert_true(s.min >= 0);
  s = sample("{\"v\": {\"$integer\": {\"distribution\": \"exponential\"}}}", BSON_TYPE_INT32);
  /* E[round(X)] for lambda 1: sum over k >= 1 of e^-(k-1/2) = e^-0.5 / (1 - e^-1) */
  expect_near(mean_of(&s), exp(-0.5) / (1 - exp(-1)), 0.04, "rounded exponential mean");
}

static void test_distribution_poisson(void **state) {
  stats_t s = sample("{\"v\": {\"$integer\": {\"min\": 0, \"max\": 1000, \"distribution\": \"poisson\", \"lambda\": 4}}}",
                     BSON_TYPE_INT32);
  expect_near(mean_of(&s), 4, 0.06, "poisson(4) mean");    /* se 0.014 */
  expect_near(var_of(&s), 4, 0.25, "poisson(4) variance"); /* se 0.043 */
  s = sample("{\"v\": {\"$numberInt\": {\"min\": 0, \"max\": 1000, \"distribution\": \"poisson\", \"lambda\": 50}}}",
             BSON_TYPE_INT32);
  expect_near(mean_of(&s), 50, 0.2, "poisson(50) mean"); /* se 0.05 */
  expect_near(var_of(&s), 50, 2.5, "poisson(50) variance"); /* se 0.5 */
}

static void test_distribution_zipf(void **state) {
  asr_template_t *t = compile_ok("{\"v\": {\"$integer\": {\"min\": 1, \"max\": 10, \"distribution\": \"zipf\"}}}");
  int counts[11] = {0};
  for (int i = 0; i < N; i++) {
    bson_t doc;
    bson_iter_t it;
    assert_true(field_of(t, (uint64_t)i, "v", &doc, &it));
    int v = bson_iter_int32(&it);
    assert_in_range(v, 1, 10);
    counts[v]++;
    bson_destroy(&doc);
  }
  asr_template_free(t);
  double h10 = 0;
  for (int k = 1; k <= 10; k++) h10 += 1.0 / k;
  for (int k = 1; k <= 10; k++) { /* frequency 1/(k H10), within 5 sd */
    double p = 1.0 / k / h10, sd = sqrt(N * p * (1 - p));
    expect_near(counts[k], N * p, 5 * sd, "zipf rank frequency");
  }
  for (int k = 1; k <= 5; k++) assert_true(counts[k] > counts[k + 1]);
  expect_near((double)counts[1] / counts[2], 2, 0.15, "zipf rank 1 / rank 2");
  /* s = 2 over a huge range (rejection-inversion needs no table): rank 1 is min */
  stats_t s = sample("{\"v\": {\"$numberLong\": {\"min\": 1000, \"max\": 1000000000000, \"distribution\": \"zipf\", \"s\": 2}}}",
                     BSON_TYPE_INT64);
  assert_true(s.min == 1000 && s.max <= 1000000000000.0);
  /* floating: integer values */
  s = sample("{\"v\": {\"$floating\": {\"min\": 0.5, \"max\": 4.5, \"distribution\": \"zipf\", \"s\": 1.5}}}", BSON_TYPE_DOUBLE);
  assert_true(s.min == 1 && s.max == 4);
}

static void test_distribution_errors(void **state) {
  expect_error("{\"v\": {\"$integer\": {\"distribution\": \"gauss\"}}}",
               "t.json: $integer at v: option distribution must be one of uniform, normal, exponential, zipf, poisson");
  expect_error("{\"v\": {\"$integer\": {\"distribution\": \"normal\", \"stddev\": 0}}}",
               "$integer at v: option stddev must be greater than 0, got 0");
  expect_error("{\"v\": {\"$floating\": {\"distribution\": \"poisson\", \"lambda\": \"$integer\"}}}",
               "$floating at v: option lambda must be a number");
  expect_error("{\"v\": {\"$integer\": {\"mean\": 3}}}", "$integer at v: option mean needs a distribution (normal)");
  expect_error("{\"v\": {\"$integer\": {\"distribution\": \"normal\", \"lambda\": 3}}}",
               "$integer at v: option lambda does not apply to distribution normal (it takes: mean,stddev)");
  expect_error("{\"v\": {\"$integer\": {\"distribution\": \"zipf\", \"min\": 1}}}",
               "$integer at v: distribution zipf needs both min and max (its ranks are min..max)");
  expect_error("{\"v\": {\"$floating\": {\"distribution\": \"zipf\", \"min\": 1.2, \"max\": 1.8}}}",
               "$floating at v: distribution zipf needs an integer between min and max");
  expect_error("{\"v\": {\"$date\": {\"distribution\": \"normal\"}}}",
               "$date at v: option distribution is not supported here (only by $integer, $number, $numberInt, "
               "$numberLong, $floating, $float, $double, $numberDecimal, $ref)");
  expect_error("{\"v\": {\"$date\": {\"mean\": 1}}}", "$date at v: unknown option mean (expected one of: min,max)");
  /* uniform is the default and accepted by name */
  asr_template_free(compile_ok("{\"v\": {\"$integer\": {\"distribution\": \"uniform\"}}}"));
}

/* ---- $partition, partitionSize ------------------------------------------------------------- */

static void test_partition(void **state) {
  asr_template_t *t = compile_ok("{\"customerId\": {\"$partition\": {\"size\": 3, \"start\": 100}},"
                                 " \"orderNo\": {\"$inc\": {\"start\": 1, \"partitionSize\": 3}},"
                                 " \"p\": {\"$partition\": {\"size\": 2}},"
                                 " \"step\": {\"$inc\": {\"start\": 10, \"step\": -2, \"partitionSize\": 4}}}");
  for (uint64_t i = 0; i < 12; i++) {
    bson_t doc;
    gen_ext(t, NULL, 1, i, &doc);
    bson_t *want = BCON_NEW("customerId", BCON_INT32(100 + (int32_t)(i / 3)), "orderNo", BCON_INT32(1 + (int32_t)(i % 3)),
                            "p", BCON_INT32((int32_t)(i / 2)), "step", BCON_INT32(10 - 2 * (int32_t)(i % 4)));
    assert_true(bson_equal(&doc, want));
    bson_destroy(want);
    bson_destroy(&doc);
  }
  asr_template_free(t);
  t = compile_ok("{\"p\": {\"$partition\": {\"size\": 1, \"start\": 2147483647}}}");
  bson_t doc;
  bson_iter_t it;
  assert_true(field_of(t, 1, "p", &doc, &it));
  assert_int_equal(bson_iter_type(&it), BSON_TYPE_INT64);
  assert_int_equal(bson_iter_int64(&it), 2147483648LL);
  bson_destroy(&doc);
  asr_template_free(t);
  expect_error("{\"p\": {\"$partition\": {\"start\": 1}}}", "t.json: $partition at p: option size is required");
  expect_error("{\"p\": {\"$partition\": {\"size\": 0}}}",
               "$partition at p: option size must be an integer between 1 and 9223372036854775807, got the number 0");
  expect_error("{\"p\": {\"$inc\": {\"partitionSize\": 1.5}}}",
               "$inc at p: option partitionSize must be an integer between 1 and 9223372036854775807, got the number 1.5");
  expect_error("{\"p\": {\"$partition\": {\"size\": \"$inc\"}}}", "option size must be an integer between 1 and");
}

/* ---- $ref ------------------------------------------------------------------------------------ */

static const char CUSTOMERS[] =
    "{\"_id\": \"$oid\", \"customerId\": {\"$inc\": {\"start\": 1000}}, \"kind\": \"retail\","
    " \"name\": {\"$string\": {\"length\": 12}},"
    " \"addr\": {\"city\": {\"$choose\": {\"from\": [\"a\", \"b\"]}}, \"zip\": {\"$string\": {\"length\": 8, \"pool\": \"0123456789\"}}},"
    " \"tags\": {\"$array\": {\"of\": {\"$string\": {\"length\": 6}}, \"number\": 2}},"
    " \"maybe\": {\"$choose\": {\"from\": [\"$missing\", 1]}}}";

/* Values of path in every document of the collection (as keys of a document, for lookup). */
static void collect(const asr_template_t *t, uint64_t count, uint64_t seed, const char *path, bson_t *set) {
  bson_init(set);
  for (uint64_t j = 0; j < count; j++) {
    bson_t doc;
    bson_iter_t it, v;
    gen_ext(t, NULL, seed, j, &doc);
    assert_true(bson_iter_init(&it, &doc) && bson_iter_find_descendant(&it, path, &v));
    char key[64];
    if (BSON_ITER_HOLDS_UTF8(&v)) snprintf(key, sizeof key, "%s", bson_iter_utf8(&v, NULL));
    else snprintf(key, sizeof key, "%lld", (long long)num_of(&v));
    BSON_APPEND_BOOL(set, key, true);
    bson_destroy(&doc);
  }
}

static bool in_set(const bson_t *set, const bson_iter_t *v) {
  char key[64];
  bson_iter_t it;
  if (BSON_ITER_HOLDS_UTF8(v)) snprintf(key, sizeof key, "%s", bson_iter_utf8(v, NULL));
  else snprintf(key, sizeof key, "%lld", (long long)num_of(v));
  return bson_iter_init_find(&it, set, key);
}

static void test_ref_values_exist(void **state) {
  const uint64_t count = 300, seed = 99;
  asr_template_t *cust = compile_ok(CUSTOMERS);
  asr_template_set_now(cust, 1700000000000LL);
  asr_template_ref_t refs[] = {{"customers", cust, count, seed}};
  asr_template_options_t opt = {.refs = refs, .nrefs = 1};
  asr_template_t *orders = compile_opt(
      "{\"c\": {\"$ref\": {\"collection\": \"customers\", \"field\": \"customerId\"}},"
      " \"zip\": {\"$ref\": {\"collection\": \"customers\", \"field\": \"addr.zip\"}},"
      " \"name\": {\"$ref\": {\"collection\": \"customers\", \"field\": \"name\", \"distribution\": \"zipf\", \"s\": 1.2}},"
      " \"tag\": {\"$ref\": {\"collection\": \"customers\", \"field\": \"tags.1\", \"nullPercentage\": 10}},"
      " \"maybe\": {\"$ref\": {\"collection\": \"customers\", \"field\": \"maybe\"}}}", &opt);
  bson_t ids, zips, names, tags;
  collect(cust, count, seed, "customerId", &ids);
  collect(cust, count, seed, "addr.zip", &zips);
  collect(cust, count, seed, "name", &names);
  collect(cust, count, seed, "tags.1", &tags);
  int nulls = 0, first_name = 0, dropped = 0;
  bson_t name0;
  bson_iter_t it;
  gen_ext(cust, NULL, seed, 0, &name0);
  assert_true(bson_iter_init_find(&it, &name0, "name"));
  const char *n0 = bson_iter_utf8(&it, NULL);
  for (uint64_t i = 0; i < 3000; i++) {
    bson_t doc;
    gen_ext(orders, NULL, 5, i, &doc);
    assert_true(bson_iter_init_find(&it, &doc, "c") && in_set(&ids, &it));
    assert_true(bson_iter_init_find(&it, &doc, "zip") && in_set(&zips, &it));
    assert_true(bson_iter_init_find(&it, &doc, "name") && in_set(&names, &it));
    first_name += strcmp(bson_iter_utf8(&it, NULL), n0) == 0;
    assert_true(bson_iter_init_find(&it, &doc, "tag"));
    if (BSON_ITER_HOLDS_NULL(&it)) nulls++;
    else assert_true(in_set(&tags, &it));
    if (bson_iter_init_find(&it, &doc, "maybe")) assert_int_equal(bson_iter_int32(&it), 1);
    else dropped++; /* $missing in that customer: the key is dropped here too */
    bson_destroy(&doc);
  }
  assert_in_range(nulls, 300 - 70, 300 + 70);
  assert_in_range(dropped, 1500 - 170, 1500 + 170);
  /* zipf s=1.2 over 300 documents: document 0 (rank 1) gets 25.0%, 751 of 3000 (sd 24) */
  assert_in_range(first_name, 751 - 120, 751 + 120);
  bson_destroy(&name0);
  bson_destroy(&ids);
  bson_destroy(&zips);
  bson_destroy(&names);
  bson_destroy(&tags);
  asr_template_free(orders);
  asr_template_free(cust);
}

static void test_ref_chain_and_errors(void **state) {
  asr_template_t *a = compile_ok("{\"id\": {\"$integer\": {\"min\": 1, \"max\": 1000000}}}");
  asr_template_ref_t ra[] = {{"a", a, 50, 1}};
  asr_template_options_t oa = {.refs = ra, .nrefs = 1};
  asr_template_t *b = compile_opt("{\"x\": \"$string\", \"aid\": {\"$ref\": {\"collection\": \"a\", \"field\": \"id\"}}}", &oa);
  asr_template_ref_t rb[] = {{"a", a, 50, 1}, {"b", b, 20, 2}};
  asr_template_options_t ob = {.refs = rb, .nrefs = 2};
  asr_template_t *c = compile_opt("{\"v\": {\"$ref\": {\"collection\": \"b\", \"field\": \"aid\"}}}", &ob);
  bson_t ids;
  collect(a, 50, 1, "id", &ids);
  for (uint64_t i = 0; i < 500; i++) {
    bson_t doc;
    bson_iter_t it;
    gen_ext(c, NULL, 3, i, &doc);
    assert_true(bson_iter_init_find(&it, &doc, "v") && in_set(&ids, &it));
    bson_destroy(&doc);
  }
  bson_destroy(&ids);
  expect_error_opt("{\"v\": {\"$ref\": {\"collection\": \"c\", \"field\": \"id\"}}}", &ob,
                   "t.json: $ref at v: unknown collection c (known: a, b)");
  expect_error("{\"v\": {\"$ref\": {\"collection\": \"c\", \"field\": \"id\"}}}",
               "$ref at v: unknown collection c (no collections to reference)");
  expect_error_opt("{\"v\": {\"$ref\": {\"collection\": \"b\", \"field\": \"zz\"}}}", &ob,
                   "$ref at v: collection b has no field zz (fields: x, aid)");
  expect_error_opt("{\"v\": {\"$ref\": {\"collection\": \"b\"}}}", &ob, "$ref at v: option field is required");
  expect_error_opt("{\"v\": {\"$ref\": {\"collection\": 5, \"field\": \"x\"}}}", &ob,
                   "$ref at v: option collection must be a non-empty string");
  expect_error_opt("{\"v\": {\"$ref\": {\"collection\": \"b\", \"field\": \"x\", \"distribution\": \"normal\", \"stddev\": -1}}}",
                   &ob, "$ref at v: option stddev must be greater than 0, got -1");
  asr_template_t *cust = compile_ok(CUSTOMERS);
  asr_template_ref_t rc[] = {{"customers", cust, 10, 1}};
  asr_template_options_t oc = {.refs = rc, .nrefs = 1};
  expect_error_opt("{\"v\": {\"$ref\": {\"collection\": \"customers\", \"field\": \"addr.street\"}}}", &oc,
                   "$ref at v: collection customers has no field street there (fields: city, zip)");
  rc[0].count = 0;
  expect_error_opt("{\"v\": {\"$ref\": {\"collection\": \"customers\", \"field\": \"name\"}}}", &oc,
                   "collection customers must have between 1 and 2^63-1 documents, has 0");
  asr_template_free(cust);
  asr_template_free(c);
  asr_template_free(b);
  asr_template_free(a);
}

/* ---- custom operators --------------------------------------------------------------------- */

typedef struct fake {
  int calls[3];
  char last_opts[3][256];
  int fail_op; /* op id that fails, or -1 */
} fake_t;

/* op 0 (vin): a string "V<draw>"; op 1 (echo): the options as JSON; op 2 (none): nothing. */
static int fake_call(void *ud, uint32_t op, asr_rng_t *rng, const bson_t *opts, bson_t *dst,
                     const char *key, int keylen, asr_err_t *err) {
  fake_t *f = ud;
  char *json = bson_as_relaxed_extended_json(opts, NULL);
  f->calls[op]++;
  snprintf(f->last_opts[op], sizeof f->last_opts[op], "%s", json);
  bson_free(json);
  if ((int)op == f->fail_op) return asr_err_set(err, ASR_ESCRIPT, "vin: boom");
  if (op == 0) {
    char buf[32];
    snprintf(buf, sizeof buf, "V%lld", (long long)asr_rng_range(rng, 100, 999));
    return bson_append_utf8(dst, key, keylen, buf, -1) ? 0 : ASR_EINVAL;
  }
  if (op == 1) return bson_append_utf8(dst, key, keylen, f->last_opts[op], -1) ? 0 : ASR_EINVAL;
  return 0;
}

static const char *const CUSTOM[] = {"vin", "echo", "none"};

static void test_custom_operators(void **state) {
  asr_template_options_t opt = {.custom_ops = CUSTOM, .ncustom = 3};
  asr_template_t *t = compile_opt(
      "{\"a\": \"$vin\", \"b\": {\"$echo\": {\"len\": 3, \"n\": {\"$inc\": {\"start\": 10}}, \"k\": [\"x\", {\"y\": 1}]}},"
      " \"c\": {\"$none\": {}}, \"d\": {\"$echo\": {\"k\": \"const\"}}, \"e\": {\"x\": \"$vin\"}}", &opt);
  assert_int_equal(asr_template_has_custom_ops(t), 1);
  fake_t f = {.fail_op = -1};
  asr_template_ext_t ext = {&f, fake_call};
  bson_t doc, again;
  bson_iter_t it;
  gen_ext(t, &ext, 1, 5, &doc);
  assert_int_equal(f.calls[0], 2);
  assert_int_equal(f.calls[1], 2);
  assert_int_equal(f.calls[2], 1);
  assert_string_equal(f.last_opts[0], "{ }");
  assert_true(bson_iter_init_find(&it, &doc, "b"));
  assert_string_equal(bson_iter_utf8(&it, NULL), "{ \"len\" : 3, \"n\" : 15, \"k\" : [ \"x\", { \"y\" : 1 } ] }");
  assert_string_equal(f.last_opts[1], "{ \"k\" : \"const\" }");
  assert_false(bson_iter_init_find(&it, &doc, "c")); /* appended nothing: key dropped */
  assert_true(bson_iter_init_find(&it, &doc, "a"));
  assert_int_equal(strlen(bson_iter_utf8(&it, NULL)), 4);
  /* draws from the document's stream: same seed and index, same bytes */
  gen_ext(t, &ext, 1, 5, &again);
  assert_true(doc.len == again.len && memcmp(bson_get_data(&doc), bson_get_data(&again), doc.len) == 0);
  bson_destroy(&doc);
  bson_destroy(&again);
  /* a failing hook: its message and code */
  asr_err_t err;
  asr_err_clear(&err);
  f.fail_op = 0;
  bson_init(&doc);
  assert_int_equal(asr_template_generate(t, &ext, 1, 5, &doc, &err), ASR_ESCRIPT);
  assert_string_equal(err.msg, "vin: boom");
  bson_destroy(&doc);
  /* no hooks */
  asr_err_clear(&err);
  bson_init(&doc);
  assert_int_equal(asr_template_generate(t, NULL, 1, 5, &doc, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "t.json: the template uses custom operators ($vin) but was generated without operator hooks");
  bson_destroy(&doc);
  asr_template_free(t);
  asr_template_t *plain = compile_opt("{\"a\": \"$inc\"}", &opt);
  assert_int_equal(asr_template_has_custom_ops(plain), 0);
  /* through a $ref: regenerating the referenced field calls the hooks too */
  asr_template_t *with = compile_opt("{\"x\": \"$vin\", \"id\": \"$inc\"}", &opt);
  asr_template_ref_t refs[] = {{"w", with, 10, 1}};
  asr_template_options_t ropt = {.refs = refs, .nrefs = 1};
  asr_template_t *r = compile_opt("{\"v\": {\"$ref\": {\"collection\": \"w\", \"field\": \"id\"}}}", &ropt);
  assert_int_equal(asr_template_has_custom_ops(r), 1);
  asr_err_clear(&err);
  bson_init(&doc);
  assert_int_equal(asr_template_generate(r, NULL, 1, 0, &doc, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "t.json: the template uses custom operators ($vin) but was generated without operator hooks");
  bson_destroy(&doc);
  f.calls[0] = 0, f.fail_op = -1;
  gen_ext(r, &ext, 1, 0, &doc);
  assert_int_equal(f.calls[0], 1); /* x ran before id: the RNG reaches id as in collection w */
  bson_destroy(&doc);
  asr_template_free(r);
  asr_template_free(with);
  asr_template_free(plain);
}

static void test_custom_operator_options(void **state) {
  static const char *const shadow[] = {"integer"};
  asr_template_options_t opt = {.custom_ops = shadow, .ncustom = 1};
  asr_template_t *t = compile_opt("{\"v\": {\"$integer\": {\"anything\": true, \"nullPercentage\": 100}},"
                                  " \"w\": {\"$integer\": {\"unique\": 5}}}", &opt);
  fake_t f = {.fail_op = -1};
  asr_template_ext_t ext = {&f, fake_call};
  bson_t doc;
  bson_iter_t it;
  gen_ext(t, &ext, 1, 0, &doc);
  assert_true(bson_iter_init_find(&it, &doc, "v") && BSON_ITER_HOLDS_NULL(&it)); /* nullPercentage 100 */
  assert_true(bson_iter_init_find(&it, &doc, "w") && BSON_ITER_HOLDS_UTF8(&it));
  assert_string_equal(f.last_opts[0], "{ \"unique\" : 5 }"); /* free-form options pass through */
  bson_destroy(&doc);
  asr_template_free(t);
  static const char *const names[] = {"vin", "licensePlate"};
  asr_template_options_t o2 = {.custom_ops = names, .ncustom = 2};
  expect_error_opt("{\"a\": \"$vim\"}", &o2, "t.json: unknown operator $vim at a (did you mean $vin?)");
  expect_error_opt("{\"a\": {\"$licencePlate\": {}}}", &o2, "unknown operator $licencePlate at a (did you mean $licensePlate?)");
  expect_error_opt("{\"a\": {\"$vin\": {\"$x\": 1}}}", &o2, "field a.$vin.$x starts with '$'");
  expect_error_opt("{\"a\": {\"$vin\": {\"nullPercentage\": 101}}}", &o2,
                   "$vin at a: option nullPercentage must be a number between 0 and 100");
  /* a name given twice is its first entry */
  static const char *const twice[] = {"vin", "echo", "vin"};
  asr_template_options_t o3 = {.custom_ops = twice, .ncustom = 3};
  t = compile_opt("{\"v\": \"$vin\"}", &o3);
  fake_t g = {.fail_op = -1};
  asr_template_ext_t ext3 = {&g, fake_call};
  gen_ext(t, &ext3, 1, 0, &doc);
  assert_int_equal(g.calls[0], 1);
  assert_int_equal(g.calls[2], 0);
  bson_destroy(&doc);
  asr_template_free(t);
}

/* ---- run-time errors ---------------------------------------------------------------------- */

static void expect_gen_error(const char *json, const char *msg) {
  asr_template_t *t = compile_ok(json);
  asr_err_t err;
  asr_err_clear(&err);
  bson_t doc;
  bson_init(&doc);
  assert_int_equal(asr_template_generate(t, NULL, 1, 4, &doc, &err), ASR_EINVAL);
  assert_string_equal(err.msg, msg);
  bson_destroy(&doc);
  asr_template_free(t);
}

static void test_run_time_errors_name_the_path(void **state) {
  expect_gen_error("{\"a\": {\"b\": [1, {\"$integer\": {\"min\": {\"$string\": {\"length\": 3, \"pool\": \"x\"}}}}]}}",
                   "t.json: $string at a.b[1].$integer.min: yields the string \"xxx\", expected a number (document 4)");
  expect_gen_error("{\"d\": {\"$date\": {\"max\": \"$bool\"}}}",
                   "t.json: $bool at d.$date.max: yields a boolean, expected a date (ISO-8601 text or milliseconds) (document 4)");
  expect_gen_error("{\"s\": {\"$string\": {\"length\": {\"$floating\": {\"min\": 1.5, \"max\": 1.5, \"fixed\": 1}}}}}",
                   "t.json: $floating at s.$string.length: yields 1.5, expected an integer (document 4)");
  expect_gen_error("{\"s\": {\"$string\": {\"pool\": \"$missing\"}}}",
                   "t.json: $missing at s.$string.pool: yields no value, expected a string (document 4)");
  expect_gen_error("{\"s\": {\"$string\": {\"pool\": {\"$choose\": {\"from\": [\"\"]}}}}}",
                   "t.json: $choose at s.$string.pool: yields an empty pool (document 4)");
}

/* ---- determinism, fast appends --------------------------------------------------------------- */

static const char EVERYTHING[] =
    "{\"_id\": \"$oid\", \"u\": {\"$integer\": {\"min\": 0, \"max\": 999999, \"unique\": true}},"
    " \"n\": {\"$floating\": {\"min\": 0, \"max\": 100, \"distribution\": \"normal\", \"nullPercentage\": 20}},"
    " \"z\": {\"$numberLong\": {\"min\": 1, \"max\": 50, \"distribution\": \"zipf\"}},"
    " \"p\": {\"$partition\": {\"size\": 7}}, \"o\": {\"$inc\": {\"partitionSize\": 7}},"
    " \"s\": {\"$string\": {\"unique\": true}}, \"f\": {\"$field\": {\"of\": {\"x\": [1, \"$bool\"]}, \"nullPercentage\": 30}},"
    " \"arr\": {\"$array\": {\"of\": {\"k\": \"$oid\", \"q\": {\"$integer\": {\"min\": 1, \"max\": 9, \"distribution\": \"poisson\"}},"
    " \"m\": {\"$choose\": {\"from\": [\"$missing\", {\"deep\": [\"$now\", \"$date\"]}]}}}, \"number\": {\"$integer\": {\"min\": 0, \"max\": 4}}}},"
    " \"c\": \"$vin\", \"lit\": {\"a\": [1, 2.5, \"x\", null, true]}}";

static asr_template_t *everything(void) {
  asr_template_options_t opt = {.custom_ops = CUSTOM, .ncustom = 3, .total = 1000};
  asr_template_t *t = compile_opt(EVERYTHING, &opt);
  asr_template_set_now(t, 1700000000000LL);
  return t;
}

static void test_determinism_of_extensions(void **state) {
  asr_template_t *a = everything(), *b = everything();
  fake_t f = {.fail_op = -1};
  asr_template_ext_t ext = {&f, fake_call};
  for (uint64_t i = 0; i < 300; i++) {
    bson_t x, y, z;
    gen_ext(a, &ext, 42, i, &x);
    gen_ext(b, &ext, 42, i, &y);
    gen_ext(a, &ext, 43, i, &z);
    assert_true(x.len == y.len && memcmp(bson_get_data(&x), bson_get_data(&y), x.len) == 0);
    assert_false(bson_equal(&x, &z));
    assert_true(bson_validate(&x, BSON_VALIDATE_NONE, NULL));
    bson_destroy(&x);
    bson_destroy(&y);
    bson_destroy(&z);
  }
  asr_template_free(a);
  asr_template_free(b);
}

/* Generating into a subdocument under construction goes through libbson's appends (the
 * fast path needs a top-level document): both must give the same bytes. */
static void test_fast_appends_match_libbson(void **state) {
  asr_template_t *t = everything();
  fake_t f = {.fail_op = -1};
  asr_template_ext_t ext = {&f, fake_call};
  for (uint64_t i = 0; i < 200; i++) {
    bson_t fast, outer, child, slow;
    gen_ext(t, &ext, 9, i, &fast);
    bson_init(&outer);
    assert_true(bson_append_document_begin(&outer, "d", 1, &child));
    asr_err_t err;
    asr_err_clear(&err);
    assert_int_equal(asr_template_generate(t, &ext, 9, i, &child, &err), 0);
    assert_true(bson_append_document_end(&outer, &child));
    bson_iter_t it;
    uint32_t len;
    const uint8_t *data;
    assert_true(bson_iter_init_find(&it, &outer, "d"));
    bson_iter_document(&it, &len, &data);
    assert_true(bson_init_static(&slow, data, len));
    if (fast.len != slow.len || memcmp(bson_get_data(&fast), data, len) != 0) {
      char *a = bson_as_relaxed_extended_json(&fast, NULL), *b = bson_as_relaxed_extended_json(&slow, NULL);
      fail_msg("fast %s\nslow %s", a, b);
    }
    bson_destroy(&outer);
    bson_destroy(&fast);
  }
  asr_template_free(t);
}

/* Two threads generate interleaved halves of the index range: the documents are the ones a
 * single thread makes. */
typedef struct job {
  const asr_template_t *t;
  const bson_t *expected;
  int start, mismatches;
} job_t;

static void *half(void *arg) {
  job_t *j = arg;
  fake_t f = {.fail_op = -1};
  asr_template_ext_t ext = {&f, fake_call};
  for (int i = j->start; i < 400; i += 2) {
    bson_t doc;
    bson_init(&doc);
    if (asr_template_generate(j->t, &ext, 77, (uint64_t)i, &doc, NULL) != 0 || !bson_equal(&doc, &j->expected[i]))
      j->mismatches++;
    bson_destroy(&doc);
  }
  return NULL;
}

static void test_worker_independence(void **state) {
  asr_template_t *t = everything();
  fake_t f = {.fail_op = -1};
  asr_template_ext_t ext = {&f, fake_call};
  bson_t *expected = calloc(400, sizeof *expected);
  for (int i = 399; i >= 0; i--) gen_ext(t, &ext, 77, (uint64_t)i, &expected[i]); /* any order */
  pthread_t th[2];
  job_t jobs[2] = {{t, expected, 0, 0}, {t, expected, 1, 0}};
  for (int k = 0; k < 2; k++) assert_int_equal(pthread_create(&th[k], NULL, half, &jobs[k]), 0);
  for (int k = 0; k < 2; k++) {
    pthread_join(th[k], NULL);
    assert_int_equal(jobs[k].mismatches, 0);
  }
  for (int i = 0; i < 400; i++) bson_destroy(&expected[i]);
  free(expected);
  asr_template_free(t);
}

/* $ref regenerates into per-thread scratch documents: threads must not disturb each other. */
static void test_ref_threads(void **state) {
  asr_template_t *cust = compile_ok(CUSTOMERS);
  asr_template_set_now(cust, 1700000000000LL);
  asr_template_ref_t refs[] = {{"customers", cust, 1000, 4}};
  asr_template_options_t opt = {.custom_ops = CUSTOM, .ncustom = 3, .refs = refs, .nrefs = 1};
  asr_template_t *t = compile_opt("{\"zip\": {\"$ref\": {\"collection\": \"customers\", \"field\": \"addr.zip\"}},"
                                  " \"tags\": {\"$ref\": {\"collection\": \"customers\", \"field\": \"tags\"}}, \"c\": \"$vin\"}", &opt);
  fake_t f = {.fail_op = -1};
  asr_template_ext_t ext = {&f, fake_call};
  bson_t *expected = calloc(400, sizeof *expected);
  for (int i = 0; i < 400; i++) gen_ext(t, &ext, 77, (uint64_t)i, &expected[i]);
  pthread_t th[2];
  job_t jobs[2] = {{t, expected, 0, 0}, {t, expected, 1, 0}};
  for (int k = 0; k < 2; k++) assert_int_equal(pthread_create(&th[k], NULL, half, &jobs[k]), 0);
  for (int k = 0; k < 2; k++) {
    pthread_join(th[k], NULL);
    assert_int_equal(jobs[k].mismatches, 0);
  }
  for (int i = 0; i < 400; i++) bson_destroy(&expected[i]);
  free(expected);
  asr_template_free(t);
  asr_template_free(cust);
}

static void test_compile_cjson_matches_text(void **state) {
  cJSON *root = cJSON_Parse(EVERYTHING);
  asr_template_options_t opt = {.custom_ops = CUSTOM, .ncustom = 3, .total = 1000};
  asr_err_t err;
  asr_err_clear(&err);
  asr_template_t *c = NULL, *t = everything();
  assert_int_equal(asr_template_compile_cjson(root, "lua", &opt, &c, &err), 0);
  asr_template_set_now(c, 1700000000000LL);
  fake_t f = {.fail_op = -1};
  asr_template_ext_t ext = {&f, fake_call};
  for (uint64_t i = 0; i < 50; i++) {
    bson_t x, y;
    gen_ext(t, &ext, 1, i, &x);
    gen_ext(c, &ext, 1, i, &y);
    assert_true(bson_equal(&x, &y));
    bson_destroy(&x);
    bson_destroy(&y);
  }
  asr_template_free(c);
  cJSON *arr = cJSON_CreateArray();
  assert_int_equal(asr_template_compile_cjson(arr, "lua", NULL, &c, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "lua: the template must be a JSON object, got an array");
  cJSON_Delete(arr);
  cJSON_Delete(root);
  asr_template_free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_null_percentage),
      cmocka_unit_test(test_field_wrapper),
      cmocka_unit_test(test_null_percentage_errors),
      cmocka_unit_test(test_unique_integer_is_a_bijection),
      cmocka_unit_test(test_unique_other_operators),
      cmocka_unit_test(test_unique_range_errors),
      cmocka_unit_test(test_unique_email_and_uuid_wrappers),
      cmocka_unit_test(test_distribution_normal),
      cmocka_unit_test(test_distribution_exponential),
      cmocka_unit_test(test_distribution_poisson),
      cmocka_unit_test(test_distribution_zipf),
      cmocka_unit_test(test_distribution_errors),
      cmocka_unit_test(test_partition),
      cmocka_unit_test(test_ref_values_exist),
      cmocka_unit_test(test_ref_chain_and_errors),
      cmocka_unit_test(test_custom_operators),
      cmocka_unit_test(test_custom_operator_options),
      cmocka_unit_test(test_run_time_errors_name_the_path),
      cmocka_unit_test(test_determinism_of_extensions),
      cmocka_unit_test(test_fast_appends_match_libbson),
      cmocka_unit_test(test_worker_independence),
      cmocka_unit_test(test_ref_threads),
      cmocka_unit_test(test_compile_cjson_matches_text),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
