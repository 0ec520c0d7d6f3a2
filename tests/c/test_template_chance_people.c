/* Tests for the "people" and "finance" operator groups (host/template/ops_people.c,
 * ops_finance.c): for each operator, many documents checked for the exact BSON type and shape
 * (as mgeneratejs 0.6 prints them), bounds, formats and check digits (recomputed here
 * independently), the effect of each option, and option errors with their JSON path. The
 * template clock is fixed (NOW) so that dates are checkable. */
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
#include "template_test.h"
#include "template/template.h"
#include "template/words_people.h"

#define SAMPLES 3000
#define NOW_MS 1715731200000LL /* 2024-05-15T00:00:00Z */
#define YEAR_MS (365.2425 * 86400000.0)

/* ---- helpers ------------------------------------------------------------------------------ */

static asr_template_t *compile_ok(const char *json) { return tt_compile(json, NOW_MS); }

typedef void (*val_check_fn)(const bson_iter_t *it, void *ctx);

/* Every sampled "v" has BSON type `type`; check sees each one. */
static void sample(const char *json, bson_type_t type, val_check_fn check, void *ctx) {
  asr_template_t *t = compile_ok(json);
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it;
    gen_v(t, (uint64_t)i, &doc, &it);
    if (bson_iter_type(&it) != type)
      fail_msg("%s: document %d has type 0x%x, expected 0x%x", json, i, bson_iter_type(&it), type);
    if (check) check(&it, ctx);
    bson_destroy(&doc);
  }
  asr_template_free(t);
}

typedef void (*str_check_fn)(const char *s, uint32_t len, void *ctx);
typedef struct str_sample {
  regex_t re;
  const char *pattern, *json;
  str_check_fn check;
  void *ctx;
} str_sample_t;

static void check_str(const bson_iter_t *it, void *ctx) {
  str_sample_t *ss = ctx;
  uint32_t len;
  const char *s = bson_iter_utf8(it, &len);
  assert_int_equal(strlen(s), len);
  if (regexec(&ss->re, s, 0, NULL, 0) != 0) fail_msg("%s: \"%s\" does not match %s", ss->json, s, ss->pattern);
  if (ss->check) ss->check(s, len, ss->ctx);
}

/* Every sampled "v" is a string matching the extended regex pattern (and passes check). */
static void sample_str(const char *json, const char *pattern, str_check_fn check, void *ctx) {
  str_sample_t ss = {.pattern = pattern, .json = json, .check = check, .ctx = ctx};
  assert_int_equal(regcomp(&ss.re, pattern, REG_EXTENDED | REG_NOSUB), 0);
  sample(json, BSON_TYPE_UTF8, check_str, &ss);
  regfree(&ss.re);
}

/* The string "v" of document i. */
static void text_of(const char *json, uint64_t i, char *out, size_t cap) {
  asr_template_t *t = compile_ok(json);
  bson_t doc;
  bson_iter_t it;
  gen_v(t, i, &doc, &it);
  assert_int_equal(bson_iter_type(&it), BSON_TYPE_UTF8);
  snprintf(out, cap, "%s", bson_iter_utf8(&it, NULL));
  bson_destroy(&doc);
  asr_template_free(t);
}

static bool in_list(const char *const *items, uint32_t n, const char *s, size_t len) {
  for (uint32_t i = 0; i < n; i++)
    if (strlen(items[i]) == len && memcmp(items[i], s, len) == 0) return true;
  return false;
}

static void in_words(const char *s, uint32_t len, void *ctx) {
  const asr_words_t *w = ctx;
  if (!in_list(w->items, w->n, s, len)) fail_msg("\"%s\" is not in the list", s);
}

/* Counts distinct strings seen (up to 64), for "every value shows up" checks. */
typedef struct seen {
  char v[64][48];
  int n;
} seen_t;

static void see(const char *s, uint32_t len, void *ctx) {
  seen_t *seen = ctx;
  for (int i = 0; i < seen->n; i++)
    if (strcmp(seen->v[i], s) == 0) return;
  if (seen->n < 64) snprintf(seen->v[seen->n++], sizeof seen->v[0], "%s", s);
}

/* ---- independent check digits ------------------------------------------------------------- */

static bool luhn_valid(const char *s, size_t len) {
  int sum = 0;
  for (size_t i = 0; i < len; i++) {
    int d = s[len - 1 - i] - '0';
    if (i % 2 == 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 == 0;
}

static int icao(const char *s, int len) {
  static const int w[] = {7, 3, 1};
  int sum = 0;
  for (int i = 0; i < len; i++) {
    char ch = s[i];
    int v = ch == '<' ? 0 : ch <= '9' ? ch - '0' : ch - 'A' + 10;
    sum += v * w[i % 3];
  }
  return sum % 10;
}

/* ---- $random, $falsy ------------------------------------------------------------------------ */

static void check_unit(const bson_iter_t *it, void *ctx) {
  double v = bson_iter_double(it), *sum = ctx;
  assert_true(v >= 0 && v < 1);
  *sum += v;
}

static void test_random(void **state) {
  double sum = 0;
  sample("{\"v\": \"$random\"}", BSON_TYPE_DOUBLE, check_unit, &sum);
  assert_true(fabs(sum / SAMPLES - 0.5) < 0.05);
  expect_error("{\"v\": {\"$random\": {\"min\": 1}}}", "$random at v: takes no options (got min)");
}

static void test_falsy(void **state) {
  asr_template_t *t = compile_ok("{\"v\": \"$falsy\"}");
  int types[256] = {0};
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it;
    gen_v(t, (uint64_t)i, &doc, &it);
    bson_type_t ty = bson_iter_type(&it);
    types[ty]++;
    if (ty == BSON_TYPE_BOOL) assert_false(bson_iter_bool(&it));
    else if (ty == BSON_TYPE_INT32) assert_int_equal(bson_iter_int32(&it), 0);
    else if (ty == BSON_TYPE_UTF8) assert_string_equal(bson_iter_utf8(&it, NULL), "");
    else if (ty != BSON_TYPE_NULL && ty != BSON_TYPE_UNDEFINED) fail_msg("$falsy gave type 0x%x", ty);
    bson_destroy(&doc);
  }
  asr_template_free(t);
  /* false, 0, "", undefined one in six each; null (null and NaN) two in six */
  assert_in_range(types[BSON_TYPE_BOOL], SAMPLES / 6 - 150, SAMPLES / 6 + 150);
  assert_in_range(types[BSON_TYPE_INT32], SAMPLES / 6 - 150, SAMPLES / 6 + 150);
  assert_in_range(types[BSON_TYPE_UTF8], SAMPLES / 6 - 150, SAMPLES / 6 + 150);
  assert_in_range(types[BSON_TYPE_UNDEFINED], SAMPLES / 6 - 150, SAMPLES / 6 + 150);
  assert_in_range(types[BSON_TYPE_NULL], SAMPLES / 3 - 200, SAMPLES / 3 + 200);
  seen_t seen = {.n = 0};
  sample_str("{\"v\": {\"$falsy\": {\"pool\": [\"a\", \"b\", {\"$letter\": {\"casing\": \"upper\"}}]}}}",
             "^([ab]|[A-Z])$", see, &seen);
  assert_true(seen.n >= 20);
  expect_error("{\"v\": {\"$falsy\": {\"pool\": 5}}}", "$falsy at v: option pool must be an array");
  expect_error("{\"v\": {\"$falsy\": {\"pool\": []}}}", "$falsy at v: option pool must not be empty");
}

/* ---- $animal, $profession, $emotion, $zodiac, $nationality, $nationalities ------------------ */

static void test_animal_profession(void **state) {
  seen_t seen = {.n = 0};
  sample_str("{\"v\": \"$animal\"}", "^[A-Z][A-Za-z -]+$", see, &seen);
  assert_true(seen.n >= 60);
  sample_str("{\"v\": {\"$animal\": {\"type\": \"ocean\"}}}", "^[A-Z]", in_words, (void *)&asr_words_animals[2]);
  sample_str("{\"v\": {\"$animal\": {\"type\": \"Farm\"}}}", "^[A-Z]", in_words, (void *)&asr_words_animals[4]);
  expect_error("{\"v\": {\"$animal\": {\"type\": \"space\"}}}",
               "$animal at v: option type must be one of \"desert\", \"forest\", \"ocean\", \"zoo\", \"farm\", \"pet\", \"grassland\", got \"space\"");
  sample_str("{\"v\": \"$profession\"}", "^[A-Z]", in_words, (void *)&asr_words_profession);
  sample_str("{\"v\": {\"$profession\": {\"rank\": true}}}", "^(Apprentice|Junior|Senior|Lead) [A-Z]", NULL, NULL);
  expect_error("{\"v\": {\"$profession\": {\"rank\": \"yes\"}}}", "$profession at v: option rank must be true or false");
}

static void test_lists(void **state) {
  seen_t seen = {.n = 0};
  sample_str("{\"v\": \"$emotion\"}", "^[a-z]+$", see, &seen);
  assert_int_equal(seen.n, 6);
  sample_str("{\"v\": \"$zodiac\"}", "^[A-Z][a-z]+$", in_words, (void *)&asr_words_zodiac);
  sample_str("{\"v\": \"$nationality\"}", "^[A-Z]", in_words, (void *)&asr_words_nationality);
  /* $nationalities: the whole list, [{name}] */
  asr_template_t *t = compile_ok("{\"v\": \"$nationalities\"}");
  bson_t doc;
  bson_iter_t it, arr, item;
  gen_v(t, 0, &doc, &it);
  assert_int_equal(bson_iter_type(&it), BSON_TYPE_ARRAY);
  assert_true(bson_iter_recurse(&it, &arr));
  uint32_t n = 0;
  while (bson_iter_next(&arr)) {
    assert_true(bson_iter_recurse(&arr, &item));
    assert_true(bson_iter_next(&item));
    assert_string_equal(bson_iter_key(&item), "name");
    assert_string_equal(bson_iter_utf8(&item, NULL), asr_words_nationality.items[n++]);
    assert_false(bson_iter_next(&item));
  }
  assert_int_equal(n, asr_words_nationality.n);
  assert_true(n >= 150);
  bson_destroy(&doc);
  asr_template_free(t);
}

/* ---- $natural, $prime, $is_prime, $hex ------------------------------------------------------- */

typedef struct range {
  int64_t lo, hi;
  int64_t min_seen, max_seen;
  int int32s, int64s;
} range_t;

static void check_range(const bson_iter_t *it, void *ctx) {
  range_t *r = ctx;
  int64_t v = bson_iter_as_int64(it);
  if (v < r->lo || v > r->hi) fail_msg("%lld outside [%lld, %lld]", (long long)v, (long long)r->lo, (long long)r->hi);
  if (v < r->min_seen) r->min_seen = v;
  if (v > r->max_seen) r->max_seen = v;
  r->int32s += BSON_ITER_HOLDS_INT32(it), r->int64s += BSON_ITER_HOLDS_INT64(it);
}

static void sample_int(const char *json, bson_type_t type, range_t *r) {
  r->min_seen = INT64_MAX, r->max_seen = INT64_MIN;
  sample(json, type, check_range, r);
}

static void check_not_excluded(const bson_iter_t *it, void *ctx) {
  int32_t v = bson_iter_int32(it);
  int *seen = ctx;
  assert_in_range(v, 1, 10);
  if (v == 3 || v == 5) fail_msg("excluded %d drawn", v);
  seen[v]++;
}

static void test_natural(void **state) {
  range_t r = {.lo = 0, .hi = 0};
  r = (range_t){0, 9007199254740991LL, 0, 0, 0, 0};
  sample_int("{\"v\": \"$natural\"}", BSON_TYPE_INT64, &r); /* int64 beyond int32 (w.p. ~1) */
  r = (range_t){5, 9, 0, 0, 0, 0};
  sample_int("{\"v\": {\"$natural\": {\"min\": 5, \"max\": 9}}}", BSON_TYPE_INT32, &r);
  assert_int_equal(r.min_seen, 5), assert_int_equal(r.max_seen, 9);
  r = (range_t){1000, 9999, 0, 0, 0, 0};
  sample_int("{\"v\": {\"$natural\": {\"numerals\": 4}}}", BSON_TYPE_INT32, &r);
  int seen[11] = {0};
  sample("{\"v\": {\"$natural\": {\"min\": 1, \"max\": 10, \"exclude\": [5, 3, 42]}}}", BSON_TYPE_INT32,
         check_not_excluded, seen);
  for (int v = 1; v <= 10; v++)
    if (v != 3 && v != 5 && seen[v] < SAMPLES / 8 - 150) fail_msg("%d drawn %d times", v, seen[v]);
  r = (range_t){3, 7, 0, 0, 0, 0};
  sample_int("{\"v\": {\"$natural\": {\"min\": {\"$integer\": {\"min\": 3, \"max\": 5}}, \"max\": 7}}}", BSON_TYPE_INT32, &r);
  expect_error("{\"v\": {\"$natural\": {\"min\": -1}}}", "$natural at v: min cannot be less than zero, got -1");
  expect_error("{\"v\": {\"$natural\": {\"min\": 5, \"max\": 4}}}", "$natural at v: min (5) cannot be greater than max (4)");
  expect_error("{\"v\": {\"$natural\": {\"numerals\": 0}}}", "$natural at v: option numerals must be an integer between 1 and 18, got");
  expect_error("{\"v\": {\"$natural\": {\"exclude\": 3}}}", "$natural at v: option exclude must be an array of integers");
  expect_error("{\"v\": {\"$natural\": {\"exclude\": [1, 2.5]}}}", "$natural at v: option exclude must be an array of integers (item 1 is not)");
}

static bool slow_prime(int64_t n) {
  if (n < 2) return false;
  for (int64_t k = 2; k * k <= n; k++)
    if (n % k == 0) return false;
  return true;
}

static void check_prime(const bson_iter_t *it, void *ctx) {
  int32_t v = bson_iter_int32(it);
  const int *bounds = ctx;
  assert_in_range(v, bounds[0], bounds[1]);
  if (!slow_prime(v)) fail_msg("%d is not prime", v);
}

static void expect_bool(const char *json, bool want) {
  asr_template_t *t = compile_ok(json);
  bson_t doc;
  bson_iter_t it;
  gen_v(t, 0, &doc, &it);
  assert_int_equal(bson_iter_type(&it), BSON_TYPE_BOOL);
  if (bson_iter_bool(&it) != want) fail_msg("%s: expected %s", json, want ? "true" : "false");
  bson_destroy(&doc);
  asr_template_free(t);
}

static void test_prime(void **state) {
  int all[] = {2, 10000}, some[] = {100, 200};
  sample("{\"v\": \"$prime\"}", BSON_TYPE_INT32, check_prime, all);
  sample("{\"v\": {\"$prime\": {\"min\": 100, \"max\": 200}}}", BSON_TYPE_INT32, check_prime, some);
  range_t r = {.lo = 0, .hi = 0};
  r = (range_t){7, 7, 0, 0, 0, 0};
  sample_int("{\"v\": {\"$prime\": {\"min\": 7, \"max\": 10}}}", BSON_TYPE_INT32, &r);
  expect_error("{\"v\": {\"$prime\": {\"min\": 24, \"max\": 28}}}", "$prime at v: no prime between min (24) and max (28)");
  expect_error("{\"v\": {\"$prime\": {\"min\": 9, \"max\": 2}}}", "$prime at v: min (9) cannot be greater than max (2)");
  expect_error("{\"v\": {\"$prime\": {\"min\": -1}}}", "$prime at v: option min must be an integer between 0 and 10000000");
  expect_error("{\"v\": {\"$prime\": {\"max\": 20000000}}}", "$prime at v: option max must be an integer between 0 and 10000000");
  expect_bool("{\"v\": {\"$is_prime\": {\"n\": 7919}}}", true);
  expect_bool("{\"v\": {\"$is_prime\": {\"n\": 7917}}}", false);
  expect_bool("{\"v\": {\"$is_prime\": {\"n\": 2}}}", true);
  expect_bool("{\"v\": {\"$is_prime\": {\"n\": 1}}}", false);
  expect_bool("{\"v\": {\"$is_prime\": {\"n\": -7}}}", false);
  expect_bool("{\"v\": {\"$is_prime\": {\"n\": 7.5}}}", false);
  expect_bool("{\"v\": {\"$is_prime\": {\"n\": {\"$numberLong\": {\"min\": 9007199254740881, \"max\": 9007199254740881}}}}}", true);
  expect_bool("{\"v\": {\"$is_prime\": {\"n\": {\"$numberLong\": {\"min\": 3215031751, \"max\": 3215031751}}}}}", false);
  expect_error("{\"v\": \"$is_prime\"}", "$is_prime at v: option n is required");
  expect_error("{\"v\": {\"$is_prime\": {\"n\": \"7\"}}}", "$is_prime at v: option n must be a number");
}

static void check_hex_range(const char *s, uint32_t len, void *ctx) {
  const long long *b = ctx;
  long long v = strtoll(s, NULL, 16);
  if (v < b[0] || v > b[1]) fail_msg("0x%s outside [%lld, %lld]", s, b[0], b[1]);
}

static void test_hex(void **state) {
  sample_str("{\"v\": \"$hex\"}", "^[0-9a-f]{1,14}$", NULL, NULL);
  long long b[] = {16, 4096};
  sample_str("{\"v\": {\"$hex\": {\"min\": 16, \"max\": 4096, \"casing\": \"upper\"}}}", "^[0-9A-F]{2,4}$", check_hex_range, b);
  expect_error("{\"v\": {\"$hex\": {\"min\": -1}}}", "$hex at v: min cannot be less than zero, got -1");
  expect_error("{\"v\": {\"$hex\": {\"min\": 3, \"max\": 2}}}", "$hex at v: min (3) cannot be greater than max (2)");
  expect_error("{\"v\": {\"$hex\": {\"casing\": \"title\"}}}", "$hex at v: option casing must be one of \"lower\", \"upper\", got \"title\"");
}

/* ---- $letter, $syllable, $emoji ----------------------------------------------------------- */

static void check_alternating(const char *s, uint32_t len, void *ctx) {
  for (uint32_t i = 1; i < len; i++) {
    bool a = strchr("aeiouAEIOU", s[i - 1]) != NULL, b = strchr("aeiou", s[i]) != NULL;
    if (a == b) fail_msg("\"%s\": vowels and consonants do not alternate", s);
  }
}

static void test_letter_syllable(void **state) {
  seen_t seen = {.n = 0};
  sample_str("{\"v\": \"$letter\"}", "^[a-z]$", see, &seen);
  assert_int_equal(seen.n, 26);
  sample_str("{\"v\": {\"$letter\": {\"casing\": \"upper\"}}}", "^[A-Z]$", NULL, NULL);
  expect_error("{\"v\": {\"$letter\": {\"casing\": 1}}}", "$letter at v: option casing must be a string");
  sample_str("{\"v\": \"$syllable\"}", "^[a-z]{2,3}$", check_alternating, NULL);
  sample_str("{\"v\": {\"$syllable\": {\"length\": 5, \"capitalize\": true}}}", "^[A-Z][a-z]{4}$", check_alternating, NULL);
  expect_error("{\"v\": {\"$syllable\": {\"length\": 0}}}", "$syllable at v: option length must be between 1 and 16384, got 0");
}

/* Code points of a UTF-8 string, at most cap. */
static int code_points(const char *s, uint32_t len, uint32_t *cp, int cap) {
  int n = 0;
  for (uint32_t i = 0; i < len && n < cap; n++) {
    unsigned char c = (unsigned char)s[i];
    int k = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    uint32_t v = k == 1 ? c : c & (0x3F >> (k - 1));
    for (int j = 1; j < k; j++) v = v << 6 | ((unsigned char)s[i + j] & 0x3F);
    cp[n] = v, i += (uint32_t)k;
  }
  return n;
}

static void check_food3(const char *s, uint32_t len, void *ctx) {
  uint32_t cp[8];
  assert_true(bson_utf8_validate(s, len, false));
  int n = code_points(s, len, cp, 8);
  assert_int_equal(n, 3);
  for (int i = 0; i < 3; i++) {
    assert_in_range(cp[i], 0x1F345, 0x1F345 + 55);
    for (int j = 0; j < i; j++) assert_true(cp[i] != cp[j]); /* distinct, as chance.pickset */
  }
}

static void check_flag(const char *s, uint32_t len, void *ctx) {
  uint32_t cp[4];
  assert_int_equal(code_points(s, len, cp, 4), 2);
  for (int i = 0; i < 2; i++) assert_in_range(cp[i], 0x1F1E6, 0x1F1FF);
}

static void check_emoji_any(const char *s, uint32_t len, void *ctx) {
  uint32_t cp[4] = {0};
  assert_true(bson_utf8_validate(s, len, false));
  int n = code_points(s, len, cp, 4);
  assert_true(n == 1 || (n == 2 && cp[0] >= 0x1F1E6));
  assert_true(cp[0] >= 0x2600);
}

static void test_emoji(void **state) {
  sample_str("{\"v\": \"$emoji\"}", ".", check_emoji_any, NULL);
  sample_str("{\"v\": {\"$emoji\": {\"category\": \"food_and_drink\", \"length\": 3}}}", ".", check_food3, NULL);
  sample_str("{\"v\": {\"$emoji\": {\"category\": \"flags\"}}}", ".", check_flag, NULL);
  char s[2048];
  uint32_t cp[128];
  text_of("{\"v\": {\"$emoji\": {\"category\": \"symbols\", \"length\": 1000}}}", 0, s, sizeof s);
  assert_int_equal(code_points(s, (uint32_t)strlen(s), cp, 128), 22); /* all of the category */
  expect_error("{\"v\": {\"$emoji\": {\"category\": \"cars\"}}}", "$emoji at v: option category must be one of \"all\", \"smileys_and_emotion\"");
  expect_error("{\"v\": {\"$emoji\": {\"length\": 0}}}", "$emoji at v: option length must be between 1 and 9007199254740991, got 0");
}

/* ---- $birthday ------------------------------------------------------------------------------ */

static void check_date_range(const bson_iter_t *it, void *ctx) {
  const double *b = ctx;
  double ms = (double)bson_iter_date_time(it);
  if (ms < b[0] || ms > b[1]) fail_msg("birthday %.0f outside [%.0f, %.0f]", ms, b[0], b[1]);
}

static void test_birthday(void **state) {
  /* adult: born in the years 1959 (65) .. 2006 (18) */
  double adult[] = {-347155200000.0 /* 1959-01-01 */, 1167609600000.0 - 1 /* 2007-01-01 */};
  sample("{\"v\": \"$birthday\"}", BSON_TYPE_DATE_TIME, check_date_range, adult);
  double child[] = {NOW_MS - 13 * YEAR_MS - 86400000.0, (double)NOW_MS};
  sample("{\"v\": {\"$birthday\": {\"type\": \"child\"}}}", BSON_TYPE_DATE_TIME, check_date_range, child);
  double ages[] = {NOW_MS - 31 * YEAR_MS - 86400000.0, NOW_MS - 20 * YEAR_MS + 86400000.0};
  sample("{\"v\": {\"$birthday\": {\"minAge\": 20, \"maxAge\": 30}}}", BSON_TYPE_DATE_TIME, check_date_range, ages);
  sample_str("{\"v\": {\"$birthday\": {\"string\": true}}}", "^(1[0-2]|[1-9])/([1-9]|[12][0-9]|3[01])/(19[5-9][0-9]|200[0-6])$", NULL, NULL);
  /* the same draws with american false: day and month swap places */
  char us[32], eu[32];
  text_of("{\"v\": {\"$birthday\": {\"type\": \"teen\", \"string\": true}}}", 3, us, sizeof us);
  text_of("{\"v\": {\"$birthday\": {\"type\": \"teen\", \"string\": true, \"american\": false}}}", 3, eu, sizeof eu);
  int m1, d1, y1, m2, d2, y2;
  assert_int_equal(sscanf(us, "%d/%d/%d", &m1, &d1, &y1), 3);
  assert_int_equal(sscanf(eu, "%d/%d/%d", &d2, &m2, &y2), 3);
  assert_true(m1 == m2 && d1 == d2 && y1 == y2);
  assert_in_range(y1, 2004, 2011);
  expect_error("{\"v\": {\"$birthday\": {\"minAge\": 40, \"maxAge\": 30}}}", "$birthday at v: minAge (40) cannot be greater than maxAge (30)");
  expect_error("{\"v\": {\"$birthday\": {\"minAge\": -1}}}", "$birthday at v: option minAge must be an integer between 0 and 1000");
  expect_error("{\"v\": {\"$birthday\": {\"type\": \"baby\"}}}", "$birthday at v: option type must be one of \"child\"");
}

/* ---- $cpf, $cnpj, $israelId, $HIDN, $ssn, $aadhar ------------------------------------------ */

static int digits_of(const char *s, int *d) {
  int n = 0;
  for (; *s; s++)
    if (*s >= '0' && *s <= '9') d[n++] = *s - '0';
  return n;
}

static int mod11(const int *d, int n, int first_weight) {
  int sum = 0;
  for (int i = 0; i < n; i++) sum += d[i] * (first_weight - i);
  int r = 11 - sum % 11;
  return r >= 10 ? 0 : r;
}

static void check_cpf(const char *s, uint32_t len, void *ctx) {
  int d[11];
  assert_int_equal(digits_of(s, d), 11);
  assert_int_equal(d[9], mod11(d, 9, 10));
  assert_int_equal(d[10], mod11(d, 10, 11));
}

static void check_cnpj(const char *s, uint32_t len, void *ctx) {
  static const int w1[] = {5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2}, w2[] = {6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2};
  int d[14], s1 = 0, s2 = 0;
  assert_int_equal(digits_of(s, d), 14);
  for (int i = 0; i < 12; i++) s1 += d[i] * w1[i];
  int c1 = 11 - s1 % 11 >= 10 ? 0 : 11 - s1 % 11;
  assert_int_equal(d[12], c1);
  for (int i = 0; i < 13; i++) s2 += d[i] * w2[i];
  assert_int_equal(d[13], 11 - s2 % 11 >= 10 ? 0 : 11 - s2 % 11);
}

static void check_israel(const char *s, uint32_t len, void *ctx) {
  int sum = 0;
  for (int i = 0; i < 9; i++) {
    int v = (s[i] - '0') * (i % 2 ? 2 : 1);
    sum += v / 10 + v % 10;
  }
  assert_int_equal(sum % 10, 0);
}

static void test_national_ids(void **state) {
  sample_str("{\"v\": \"$cpf\"}", "^[0-9]{3}\\.[0-9]{3}\\.[0-9]{3}-[0-9]{2}$", check_cpf, NULL);
  sample_str("{\"v\": {\"$cpf\": {\"formatted\": false}}}", "^[0-9]{11}$", check_cpf, NULL);
  sample_str("{\"v\": \"$cnpj\"}", "^[0-9]{2}\\.[0-9]{3}\\.[0-9]{3}/0001-[0-9]{2}$", check_cnpj, NULL);
  expect_error("{\"v\": {\"$cnpj\": {\"formatted\": false}}}", "$cnpj at v: takes no options (got formatted)");
  sample_str("{\"v\": \"$israelId\"}", "^[0-9]{9}$", check_israel, NULL);
  sample_str("{\"v\": \"$HIDN\"}", "^[0-9]{6}[A-Z]{2}$", NULL, NULL);
  sample_str("{\"v\": \"$ssn\"}", "^[0-9]{3}-[0-9]{2}-[0-9]{4}$", NULL, NULL);
  sample_str("{\"v\": {\"$ssn\": {\"dashes\": false}}}", "^[0-9]{9}$", NULL, NULL);
  sample_str("{\"v\": {\"$ssn\": {\"ssnFour\": true}}}", "^[0-9]{4}$", NULL, NULL);
  sample_str("{\"v\": \"$aadhar\"}", "^[0-9]{4} [0-9]{4} [0-9]{4}$", NULL, NULL);
  sample_str("{\"v\": {\"$aadhar\": {\"separatedByWhiteSpace\": false}}}", "^[0-9]{12}$", NULL, NULL);
  sample_str("{\"v\": {\"$aadhar\": {\"onlyLastFour\": true}}}", "^[0-9]{4}$", NULL, NULL);
  expect_error("{\"v\": {\"$ssn\": {\"dashes\": 0}}}", "$ssn at v: option dashes must be true or false");
}

/* ---- $gender, $prefix, $suffix, $name_suffixes ---------------------------------------------- */

static void test_gender_titles(void **state) {
  seen_t seen = {.n = 0};
  sample_str("{\"v\": \"$gender\"}", "^(Male|Female)$", see, &seen);
  assert_int_equal(seen.n, 2);
  seen.n = 0;
  sample_str("{\"v\": {\"$gender\": {\"extraGenders\": [\"Agender\", \"Bigender\"]}}}", "^(Male|Female|Agender|Bigender)$", see, &seen);
  assert_int_equal(seen.n, 4);
  expect_error("{\"v\": {\"$gender\": {\"extraGenders\": \"X\"}}}", "$gender at v: option extraGenders must be an array");
  seen.n = 0;
  sample_str("{\"v\": \"$prefix\"}", "^(Dr\\.|Mr\\.|Miss|Mrs\\.)$", see, &seen);
  assert_int_equal(seen.n, 4); /* chance's four */
  sample_str("{\"v\": {\"$name_prefix\": {\"gender\": \"male\"}}}", "^(Dr\\.|Mr\\.)$", NULL, NULL);
  sample_str("{\"v\": {\"$prefix\": {\"gender\": \"female\", \"full\": true}}}", "^(Doctor|Miss|Missus)$", NULL, NULL);
  expect_error("{\"v\": {\"$prefix\": {\"gender\": \"x\"}}}", "$prefix at v: option gender must be one of \"all\", \"male\", \"female\", got \"x\"");
  sample_str("{\"v\": \"$suffix\"}", "^[A-Z][A-Za-z.]*$", NULL, NULL);
  sample_str("{\"v\": {\"$name_suffix\": {\"full\": true}}}", "^[A-Z][a-z]+( [A-Za-z]+)*$", NULL, NULL);
  asr_template_t *t = compile_ok("{\"v\": \"$name_suffixes\"}");
  bson_t doc;
  bson_iter_t it, arr, item;
  gen_v(t, 0, &doc, &it);
  assert_int_equal(bson_iter_type(&it), BSON_TYPE_ARRAY);
  assert_true(bson_iter_recurse(&it, &arr));
  uint32_t n = 0;
  while (bson_iter_next(&arr)) {
    assert_true(bson_iter_recurse(&arr, &item));
    assert_true(bson_iter_next(&item));
    assert_string_equal(bson_iter_key(&item), "name");
    assert_string_equal(bson_iter_utf8(&item, NULL), asr_words_suffixes[n].name);
    assert_true(bson_iter_next(&item));
    assert_string_equal(bson_iter_key(&item), "abbreviation");
    assert_string_equal(bson_iter_utf8(&item, NULL), asr_words_suffixes[n].abbreviation);
    n++;
  }
  assert_int_equal(n, asr_words_suffixes_n);
  bson_destroy(&doc);
  asr_template_free(t);
}

/* ---- $mrz ------------------------------------------------------------------------------------ */

static void check_mrz(const char *s, uint32_t len, void *ctx) {
  assert_int_equal(len, 88);
  const char *l2 = s + 44;
  assert_int_equal(l2[9] - '0', icao(l2, 9));
  assert_int_equal(l2[19] - '0', icao(l2 + 13, 6));
  assert_int_equal(l2[27] - '0', icao(l2 + 21, 6));
  char comp[39];
  memcpy(comp, l2, 10), memcpy(comp + 10, l2 + 13, 7), memcpy(comp + 17, l2 + 21, 22);
  assert_int_equal(l2[43] - '0', icao(comp, 39));
  if (ctx) assert_memory_equal(l2 + 21, ctx, 6); /* expiry */
}

static void test_mrz(void **state) {
  sample_str("{\"v\": \"$mrz\"}",
             "^P<GBR[A-Z<]+<<[A-Z<]+<+[0-9]{10}GBR[0-9]{7}[MF]290515[0-9]<{14}0[0-9]$", check_mrz, "290515");
  char s[128];
  text_of("{\"v\": {\"$mrz\": {\"first\": \"ann\", \"last\": \"Lee\", \"passportNumber\": 123456789, \"dob\": \"900101\","
          " \"expiry\": \"300101\", \"gender\": \"F\", \"issuer\": \"USA\", \"nationality\": \"USA\"}}}", 0, s, sizeof s);
  assert_string_equal(s, "P<USALEE<<ANN<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<"
                         "1234567897USA9001011F3001019<<<<<<<<<<<<<<02");
  check_mrz(s, (uint32_t)strlen(s), NULL);
  expect_error("{\"v\": {\"$mrz\": {\"first\": 5}}}", "$mrz at v: option first must be a string");
  expect_error("{\"v\": {\"$mrz\": {\"passportNumber\": -5}}}", "$mrz at v: option passportNumber must be between 0 and 999999999, got -5");
}

/* ---- finance: cards ------------------------------------------------------------------------ */

static void check_card(const char *s, uint32_t len, void *ctx) {
  if (!luhn_valid(s, len)) fail_msg("%s fails the Luhn check", s);
  for (uint32_t i = 0; i < asr_words_cards_n; i++) {
    const asr_card_type_t *t = &asr_words_cards[i];
    if ((uint32_t)t->length == len && strncmp(s, t->prefix, strlen(t->prefix)) == 0) return;
  }
  fail_msg("%s fits no card type", s);
}

static void test_cc(void **state) {
  sample_str("{\"v\": \"$cc\"}", "^[0-9]{14,16}$", check_card, NULL);
  sample_str("{\"v\": {\"$cc\": {\"type\": \"Visa\"}}}", "^4[0-9]{15}$", check_card, NULL);
  sample_str("{\"v\": {\"$cc\": {\"type\": \"amex\"}}}", "^37[0-9]{13}$", check_card, NULL);
  sample_str("{\"v\": {\"$cc\": {\"type\": {\"$choose\": {\"from\": [\"mc\", \"Mastercard\"]}}}}}", "^51[0-9]{14}$", check_card, NULL);
  expect_error("{\"v\": {\"$cc\": {\"type\": \"Bankcard\"}}}", "$cc at v: option type: credit card type \"Bankcard\" is not supported (names or short names: \"visa\"");
  seen_t seen = {.n = 0};
  sample_str("{\"v\": \"$cc_type\"}", "^[A-Z]", see, &seen);
  assert_int_equal(seen.n, (int)asr_words_cards_n);
  /* raw: the whole type, {name, short_name, prefix, length} */
  asr_template_t *t = compile_ok("{\"v\": {\"$cc_type\": {\"name\": \"jcb\", \"raw\": true}}}");
  bson_t doc;
  bson_iter_t it, sub;
  gen_v(t, 0, &doc, &it);
  assert_int_equal(bson_iter_type(&it), BSON_TYPE_DOCUMENT);
  assert_true(bson_iter_recurse(&it, &sub));
  const char *keys[] = {"name", "short_name", "prefix", "length"};
  for (int i = 0; i < 4; i++) {
    assert_true(bson_iter_next(&sub));
    assert_string_equal(bson_iter_key(&sub), keys[i]);
    assert_int_equal(bson_iter_type(&sub), i < 3 ? BSON_TYPE_UTF8 : BSON_TYPE_INT32);
  }
  assert_false(bson_iter_next(&sub));
  bson_destroy(&doc);
  asr_template_free(t);
  expect_error("{\"v\": {\"$cc_type\": {\"raw\": 1}}}", "$cc_type at v: option raw must be true or false");
  /* $cc_types: every type, lengths as int32 */
  t = compile_ok("{\"v\": \"$cc_types\"}");
  gen_v(t, 0, &doc, &it);
  assert_int_equal(bson_iter_type(&it), BSON_TYPE_ARRAY);
  bson_iter_t arr;
  assert_true(bson_iter_recurse(&it, &arr));
  uint32_t n = 0;
  while (bson_iter_next(&arr)) {
    assert_true(bson_iter_recurse(&arr, &sub));
    assert_true(bson_iter_find(&sub, "length"));
    assert_int_equal(bson_iter_int32(&sub), asr_words_cards[n++].length);
  }
  assert_int_equal(n, asr_words_cards_n);
  bson_destroy(&doc);
  asr_template_free(t);
}

/* ---- finance: currencies, money ----------------------------------------------------------- */

static bool in_pairs_code(const char *code) {
  for (uint32_t i = 0; i < asr_words_currency.n; i++)
    if (memcmp(asr_words_currency.items[i].code, code, 3) == 0) return true;
  return false;
}

static void check_pair(const char *s, uint32_t len, void *ctx) {
  assert_true(memcmp(s, s + 4, 3) != 0);
  assert_true(in_pairs_code(s) && in_pairs_code(s + 4));
}

static void check_dollar(const char *s, uint32_t len, void *ctx) {
  const double *b = ctx;
  double v = strtod(s + (s[0] == '-' ? 2 : 1), NULL) * (s[0] == '-' ? -1 : 1);
  if (v < b[0] || v > b[1]) fail_msg("%s outside [%g, %g]", s, b[0], b[1]);
}

static void test_currency_money(void **state) {
  sample_str("{\"v\": \"$currency_pair\"}", "^[A-Z]{3}/[A-Z]{3}$", check_pair, NULL);
  asr_template_t *t = compile_ok("{\"v\": \"$currency_types\"}");
  bson_t doc;
  bson_iter_t it, arr, sub;
  gen_v(t, 0, &doc, &it);
  assert_true(bson_iter_recurse(&it, &arr));
  uint32_t n = 0;
  while (bson_iter_next(&arr)) {
    assert_true(bson_iter_recurse(&arr, &sub));
    assert_true(bson_iter_next(&sub));
    assert_string_equal(bson_iter_key(&sub), "code");
    assert_true(bson_iter_next(&sub));
    assert_string_equal(bson_iter_key(&sub), "name");
    n++;
  }
  assert_int_equal(n, asr_words_currency.n);
  bson_destroy(&doc);
  asr_template_free(t);
  double b[] = {0, 10000}, neg[] = {-20, 20};
  sample_str("{\"v\": \"$dollar\"}", "^\\$[0-9]{1,5}\\.[0-9]{2}$", check_dollar, b);
  seen_t seen = {.n = 0};
  sample_str("{\"v\": {\"$dollar\": {\"min\": -20, \"max\": 20}}}", "^-?\\$[0-9]{1,2}\\.[0-9]{2}$", check_dollar, neg);
  sample_str("{\"v\": {\"$dollar\": {\"min\": -0.02, \"max\": 0.02}}}", "^-?\\$0\\.0[0-2]$", see, &seen);
  assert_int_equal(seen.n, 5);
  sample_str("{\"v\": \"$euro\"}", "^([0-9]|[1-9][0-9]{0,2}|[1-9],[0-9]{3}|10,000)(\\.[0-9]?[1-9])?\xe2\x82\xac$", NULL, NULL);
  sample_str("{\"v\": {\"$euro\": {\"min\": -5000000, \"max\": -1000000}}}", "^-[1-5],[0-9]{3},[0-9]{3}(\\.[0-9]?[1-9])?\xe2\x82\xac$", NULL, NULL);
  seen.n = 0;
  sample_str("{\"v\": {\"$euro\": {\"min\": 1.5, \"max\": 1.52}}}", "^1\\.5[12]?\xe2\x82\xac$", see, &seen);
  assert_int_equal(seen.n, 3);
  expect_error("{\"v\": {\"$dollar\": {\"min\": 5, \"max\": 4}}}", "$dollar at v: min (5) cannot be greater than max (4)");
  expect_error("{\"v\": {\"$euro\": {\"max\": 1e300}}}", "$euro at v: option max must be within");
  expect_error("{\"v\": {\"$dollar\": {\"min\": \"1\"}}}", "$dollar at v: option min must be a number");
}

/* ---- finance: expiry ------------------------------------------------------------------------ */

static void check_exp(const char *s, uint32_t len, void *ctx) {
  int m, y;
  assert_int_equal(sscanf(s, "%d/%d", &m, &y), 2);
  assert_in_range(y, 2024, 2034);
  if (y == 2024) assert_in_range(m, 6, 12); /* this year (May): only months to come */
}

static void test_exp(void **state) {
  sample_str("{\"v\": \"$exp\"}", "^(0[1-9]|1[0-2])/20(2[4-9]|3[0-4])$", check_exp, NULL);
  sample_str("{\"v\": \"$exp_year\"}", "^20(2[4-9]|3[0-4])$", NULL, NULL);
  seen_t seen = {.n = 0};
  sample_str("{\"v\": \"$exp_month\"}", "^(0[1-9]|1[0-2])$", see, &seen);
  assert_int_equal(seen.n, 12);
  seen.n = 0;
  sample_str("{\"v\": {\"$exp_month\": {\"future\": true}}}", "^(0[6-9]|1[0-2])$", see, &seen);
  assert_int_equal(seen.n, 7);
  asr_template_t *t = compile_ok("{\"v\": {\"$exp\": {\"raw\": true}}}");
  bson_t doc;
  bson_iter_t it, sub;
  gen_v(t, 0, &doc, &it);
  assert_int_equal(bson_iter_type(&it), BSON_TYPE_DOCUMENT);
  assert_true(bson_iter_recurse(&it, &sub));
  assert_true(bson_iter_next(&sub));
  assert_string_equal(bson_iter_key(&sub), "year");
  assert_int_equal(strlen(bson_iter_utf8(&sub, NULL)), 4);
  assert_true(bson_iter_next(&sub));
  assert_string_equal(bson_iter_key(&sub), "month");
  assert_int_equal(strlen(bson_iter_utf8(&sub, NULL)), 2);
  assert_false(bson_iter_next(&sub));
  bson_destroy(&doc);
  asr_template_free(t);
  expect_error("{\"v\": {\"$exp_year\": {\"min\": 1}}}", "$exp_year at v: takes no options (got min)");
}

/* ---- finance: bank and tax numbers ---------------------------------------------------------- */

static void check_luhn(const char *s, uint32_t len, void *ctx) {
  if (!luhn_valid(s, len)) fail_msg("%s fails the Luhn check", s);
  int province = (s[7] - '0') * 100 + (s[8] - '0') * 10 + (s[9] - '0');
  assert_in_range(province, 1, 111);
}

static void check_weighted(const char *s, uint32_t len, void *ctx) {
  const int *w = ctx; /* weights, then the kind: 0 pesel, 1 nip, 2 regon */
  int n = (int)len - 1, sum = 0;
  for (int i = 0; i < n; i++) sum += (s[i] - '0') * w[i];
  int kind = w[n], want = kind == 0 ? (10 - sum % 10) % 10 : sum % 11 % 10;
  if (kind == 1) assert_true(sum % 11 != 10);
  if (s[n] - '0' != want) fail_msg("%s: check digit %c, expected %d", s, s[n], want);
}

static char cf_check_letter(const char *s) {
  static const int odd[26] = {1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23};
  int sum = 0;
  for (int i = 0; i < 15; i++) {
    int v = s[i] <= '9' ? s[i] - '0' : s[i] - 'A';
    sum += i % 2 ? v : odd[v];
  }
  return (char)('A' + sum % 26);
}

static void check_cf(const char *s, uint32_t len, void *ctx) {
  assert_int_equal(s[15], cf_check_letter(s));
}

static void test_tax_numbers(void **state) {
  sample_str("{\"v\": \"$iban\"}", "^[A-Z]{2}[0-9]{2}[A-Z0-9]{4}[0-9]{6,26}$", NULL, NULL);
  sample_str("{\"v\": \"$it_vat\"}", "^[0-9]{11}$", check_luhn, NULL);
  sample_str("{\"v\": \"$vat\"}", "^[0-9]{11}$", check_luhn, NULL);
  sample_str("{\"v\": {\"$vat\": {\"country\": \"IT\"}}}", "^[0-9]{11}$", check_luhn, NULL);
  expect_error("{\"v\": {\"$vat\": {\"country\": \"fr\"}}}", "$vat at v: option country must be one of \"it\", got \"fr\"");
  static const int pesel[] = {1, 3, 7, 9, 1, 3, 7, 9, 1, 3, 0}, nip[] = {6, 5, 7, 2, 3, 4, 5, 6, 7, 1},
                   regon[] = {8, 9, 2, 3, 4, 5, 6, 7, 2};
  sample_str("{\"v\": \"$pl_pesel\"}", "^[0-9]{11}$", check_weighted, (void *)pesel);
  sample_str("{\"v\": \"$pl_nip\"}", "^[0-9]{10}$", check_weighted, (void *)nip);
  sample_str("{\"v\": \"$pl_regon\"}", "^[0-9]{9}$", check_weighted, (void *)regon);
  sample_str("{\"v\": \"$cf\"}", "^[A-Z]{6}[0-9]{2}[ABCDEHLMPRST]([0-6][0-9]|7[01])[ABCDEFGHILMZ][0-9]{3}[A-Z]$", check_cf, NULL);
  /* Maria Rossi, a woman born on 1990-03-21 in Rome (H501): RSS MRA 90 C 61 H501, check X */
  char s[32];
  text_of("{\"v\": {\"$cf\": {\"first\": \"Maria\", \"last\": \"Rossi\", \"gender\": \"Female\","
          " \"birthday\": \"1990-03-21\", \"city\": \"h501\"}}}", 0, s, sizeof s);
  assert_memory_equal(s, "RSSMRA90C61H501", 15);
  assert_int_equal(s[15], cf_check_letter(s));
  /* four consonants in a first name: the 1st, 3rd and 4th; a short name is padded with X */
  text_of("{\"v\": {\"$cf\": {\"first\": \"Gianfranco\", \"last\": \"Fo\", \"gender\": \"male\","
          " \"birthday\": \"1985-12-05\", \"city\": \"F205\"}}}", 0, s, sizeof s);
  assert_memory_equal(s, "FOXGFR85T05F205", 15);
  expect_error("{\"v\": {\"$cf\": {\"birthday\": \"yesterday\"}}}", "$cf at v: option birthday must be an ISO-8601 date");
}

static void expect_int(const char *json, int want) {
  asr_template_t *t = compile_ok(json);
  bson_t doc;
  bson_iter_t it;
  gen_v(t, 0, &doc, &it);
  assert_int_equal(bson_iter_type(&it), BSON_TYPE_INT32);
  assert_int_equal(bson_iter_int32(&it), want);
  bson_destroy(&doc);
  asr_template_free(t);
}

static void test_luhn(void **state) {
  expect_int("{\"v\": {\"$luhn_calculate\": {\"num\": \"7992739871\"}}}", 3);
  expect_int("{\"v\": {\"$luhn_calculate\": {\"num\": 7992739871}}}", 3);
  expect_int("{\"v\": {\"$luhn_calculate\": {\"num\": \"0\"}}}", 0);
  expect_bool("{\"v\": {\"$luhn_check\": {\"num\": \"79927398713\"}}}", true);
  expect_bool("{\"v\": {\"$luhn_check\": {\"num\": 79927398713}}}", true);
  expect_bool("{\"v\": {\"$luhn_check\": {\"num\": \"79927398710\"}}}", false);
  expect_bool("{\"v\": {\"$luhn_check\": {\"num\": \"7\"}}}", false);
  expect_bool("{\"v\": {\"$luhn_check\": {\"num\": \"$cc\"}}}", true);
  expect_error("{\"v\": \"$luhn_check\"}", "$luhn_check at v: option num is required");
  expect_error("{\"v\": {\"$luhn_calculate\": {\"num\": \"12a\"}}}", "$luhn_calculate at v: option num must be a string of digits, got \"12a\"");
  expect_error("{\"v\": {\"$luhn_calculate\": {\"num\": -3}}}", "$luhn_calculate at v: option num must be a string of digits or a whole number");
  /* an operator giving something else fails the document */
  asr_template_t *t = compile_ok("{\"v\": {\"$luhn_check\": {\"num\": \"$word\"}}}");
  bson_t doc;
  asr_err_t err;
  asr_err_clear(&err);
  bson_init(&doc);
  assert_int_equal(asr_template_generate(t, NULL, 7, 0, &doc, &err), ASR_EINVAL);
  assert_non_null(strstr(err.msg, "num must be a string of digits or a whole number"));
  bson_destroy(&doc);
  asr_template_free(t);
}

/* ---- the word lists -------------------------------------------------------------------------- */

static void check_list(const char *what, const asr_words_t *w, uint32_t at_least) {
  if (w->n < at_least) fail_msg("%s: %u entries, expected at least %u", what, w->n, at_least);
  for (uint32_t i = 0; i < w->n; i++) {
    if (!w->items[i][0]) fail_msg("%s[%u] is empty", what, i);
    for (uint32_t j = 0; j < i; j++)
      if (strcmp(w->items[i], w->items[j]) == 0) fail_msg("%s: \"%s\" twice", what, w->items[i]);
  }
}

static void test_word_lists(void **state) {
  for (int i = 0; i < ASR_ANIMAL_TYPES; i++) check_list(asr_words_animal_types[i], &asr_words_animals[i], 15);
  assert_null(asr_words_animal_types[ASR_ANIMAL_TYPES]);
  check_list("profession", &asr_words_profession, 50);
  check_list("emotion", &asr_words_emotion, 6);
  check_list("nationality", &asr_words_nationality, 150);
  check_list("zodiac", &asr_words_zodiac, 12);
  for (uint32_t i = 0; i < asr_words_cards_n; i++) {
    const asr_card_type_t *t = &asr_words_cards[i];
    assert_in_range(t->length, 12, 19);
    assert_true(strlen(t->prefix) < (size_t)t->length);
  }
  for (int i = 0; i < ASR_EMOJI_CATEGORIES; i++) {
    const asr_emoji_category_t *e = &asr_words_emoji[i];
    uint32_t total = 0;
    for (uint32_t r = 0; r < e->nruns; r++) total += e->runs[r].count;
    assert_int_equal(total, e->total);
    assert_true(i == ASR_EMOJI_FLAGS ? e->total == 0 : e->total > 0 && e->total <= 256);
  }
  assert_true(asr_words_country.n <= 256);
}


/* ---- audited existing operators: chance's option names ------------------------------------- */

static void test_string_character_classes(void **state) {
  sample_str("{\"v\": {\"$character\": {\"alpha\": true, \"casing\": \"upper\"}}}", "^[A-Z]$", NULL, NULL);
  sample_str("{\"v\": {\"$character\": {\"numeric\": true}}}", "^[0-9]$", NULL, NULL);
  seen_t seen = {.n = 0};
  sample_str("{\"v\": {\"$character\": {\"symbols\": true}}}", "^[]!@#$%^&*()[]$", see, &seen);
  assert_int_equal(seen.n, 12);
  /* casing alone: chance's full pool with letters of that case */
  sample_str("{\"v\": {\"$character\": {\"casing\": \"lower\"}}}", "^[]a-z0-9!@#$%^&*()[]$", NULL, NULL);
  sample_str("{\"v\": {\"$string\": {\"alpha\": true, \"numeric\": true, \"casing\": \"lower\", \"length\": 8}}}",
             "^[a-z0-9]{8}$", NULL, NULL);
  sample_str("{\"v\": {\"$string\": {\"min\": 2, \"max\": 4}}}", "^[A-Za-z0-9]{2,4}$", NULL, NULL);
  sample_str("{\"v\": {\"$string\": {\"min\": 0, \"max\": 0}}}", "^$", NULL, NULL);
  sample_str("{\"v\": {\"$string\": {\"max\": 6}}}", "^[A-Za-z0-9]{5,6}$", NULL, NULL);
  /* a pool wins over the classes, as in chance; length wins over min and max */
  sample_str("{\"v\": {\"$string\": {\"pool\": \"xy\", \"alpha\": true, \"length\": 3, \"min\": 9}}}", "^[xy]{3}$", NULL, NULL);
  expect_error("{\"v\": {\"$string\": {\"min\": 5, \"max\": 2}}}", "$string at v: min (5) cannot be greater than max (2)");
  expect_error("{\"v\": {\"$string\": {\"casing\": \"title\"}}}", "$string at v: option casing must be one of \"lower\", \"upper\", \"both\", got \"title\"");
  expect_error("{\"v\": {\"$character\": {\"alpha\": 1}}}", "$character at v: option alpha must be true or false");
  expect_error("{\"v\": {\"$string\": {\"min\": -1}}}", "$string at v: option min must be between 0 and 16384, got -1");
}

static void test_phone_countries(void **state) {
  sample_str("{\"v\": \"$phone\"}", "^\\([2-9][0-8][0-9]\\) [2-9][0-9]{2}-[1-9][0-9]{3}$", NULL, NULL);
  sample_str("{\"v\": {\"$phone\": {\"country\": \"us\", \"mobile\": true, \"parens\": false}}}", "^[2-9][0-8][0-9] [2-9][0-9]{2}-[0-9]{4}$", NULL, NULL);
  sample_str("{\"v\": {\"$phone\": {\"country\": \"uk\"}}}", "^(01[2-9]1 [0-9]{3} [0-9]{4}|020 [0-9]{4} [0-9]{4}|01[2-9][0-9]{2} [0-9]{6})$", NULL, NULL);
  sample_str("{\"v\": {\"$phone\": {\"country\": \"uk\", \"mobile\": true}}}", "^07[4-9][0-9]{2} [0-9]{6}$", NULL, NULL);
  sample_str("{\"v\": {\"$phone\": {\"country\": \"uk\", \"formatted\": false}}}", "^0[0-9]{9,10}$", NULL, NULL);
  sample_str("{\"v\": {\"$phone\": {\"country\": \"fr\"}}}", "^0[1-59]( [0-9]{2}){4}$", NULL, NULL);
  sample_str("{\"v\": {\"$phone\": {\"country\": \"fr\", \"mobile\": true, \"formatted\": false}}}", "^0[67][0-9]{8}$", NULL, NULL);
  sample_str("{\"v\": {\"$phone\": {\"country\": \"za\"}}}", "^0[1-5][0-9]{8}$", NULL, NULL);
  sample_str("{\"v\": {\"$phone\": {\"country\": \"za\", \"mobile\": true}}}", "^0[6-8][0-9]{8}$", NULL, NULL);
  sample_str("{\"v\": {\"$phone\": {\"country\": \"br\"}}}", "^\\([1-9]{2}\\) [2-5][0-9]{3}-[0-9]{4}$", NULL, NULL);
  sample_str("{\"v\": {\"$phone\": {\"country\": \"br\", \"mobile\": true, \"formatted\": false}}}", "^[1-9]{2}9[0-9]{8}$", NULL, NULL);
  expect_error("{\"v\": {\"$phone\": {\"country\": \"de\"}}}", "$phone at v: option country must be one of \"us\", \"uk\", \"fr\", \"za\", \"br\", got \"de\"");
  expect_error("{\"v\": {\"$phone\": {\"mobile\": \"yes\"}}}", "$phone at v: option mobile must be true or false");
}

static void check_name_it(const char *s, uint32_t len, void *ctx) {
  const char *space = strchr(s, ' ');
  assert_non_null(space);
  const asr_words_t *male = &asr_words_first_by_nationality[1][0], *female = &asr_words_first_by_nationality[1][1];
  size_t flen = (size_t)(space - s);
  assert_true(in_list(male->items, male->n, s, flen) || in_list(female->items, female->n, s, flen));
  in_words(space + 1, (uint32_t)strlen(space + 1), (void *)&asr_words_last_by_nationality[1]);
}

static void test_name_nationality(void **state) {
  sample_str("{\"v\": {\"$first\": {\"nationality\": \"nl\", \"gender\": \"female\"}}}", "^[A-Z]", in_words,
             (void *)&asr_words_first_by_nationality[2][1]);
  sample_str("{\"v\": {\"$first\": {\"nationality\": \"en\", \"gender\": \"male\"}}}", "^[A-Z]", in_words,
             (void *)&asr_words_first_male);
  sample_str("{\"v\": {\"$last\": {\"nationality\": \"jp\"}}}", "^[A-Z]", in_words, (void *)&asr_words_last_by_nationality[5]);
  sample_str("{\"v\": \"$last\"}", "^[A-Z]", in_words, (void *)&asr_words_last);
  sample_str("{\"v\": {\"$name\": {\"nationality\": \"it\"}}}", "^[A-Z][a-z]+ [A-Z]", check_name_it, NULL);
  expect_error("{\"v\": {\"$first\": {\"nationality\": \"jp\"}}}", "$first at v: option nationality must be one of \"en\", \"it\", \"nl\", \"fr\", got \"jp\"");
  expect_error("{\"v\": {\"$last\": {\"nationality\": \"xx\"}}}", "$last at v: option nationality must be one of \"en\", \"it\"");
  for (int i = 1; i < ASR_FIRST_NATIONALITIES; i++)
    for (int g = 0; g < 2; g++) check_list(asr_words_first_nationalities[i], &asr_words_first_by_nationality[i][g], 20);
  for (int i = 1; i < ASR_LAST_NATIONALITIES; i++) check_list(asr_words_last_nationalities[i], &asr_words_last_by_nationality[i], 20);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_random),
      cmocka_unit_test(test_falsy),
      cmocka_unit_test(test_animal_profession),
      cmocka_unit_test(test_lists),
      cmocka_unit_test(test_natural),
      cmocka_unit_test(test_prime),
      cmocka_unit_test(test_hex),
      cmocka_unit_test(test_letter_syllable),
      cmocka_unit_test(test_emoji),
      cmocka_unit_test(test_birthday),
      cmocka_unit_test(test_national_ids),
      cmocka_unit_test(test_gender_titles),
      cmocka_unit_test(test_mrz),
      cmocka_unit_test(test_cc),
      cmocka_unit_test(test_currency_money),
      cmocka_unit_test(test_exp),
      cmocka_unit_test(test_tax_numbers),
      cmocka_unit_test(test_luhn),
      cmocka_unit_test(test_word_lists),
      cmocka_unit_test(test_string_character_classes),
      cmocka_unit_test(test_phone_countries),
      cmocka_unit_test(test_name_nationality),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
