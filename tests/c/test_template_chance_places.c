/* Tests for the chance.js operators of host/template/ops_{web,places,time,misc}.c: for each
 * operator, many documents checked for the exact BSON type and shape (as mgeneratejs 0.6
 * prints them), bounds and formats; each option's effect; option errors with their JSON path;
 * determinism; the lists of words_places.c. */
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
#include "template/words.h"
#include "template/words_places.h"

#define SAMPLES 4000

/* ---- helpers ------------------------------------------------------------------------------ */

static asr_template_t *compile_ok(const char *json) { return tt_compile(json, -1); }

static void expect_gen_error(const char *json, const char *text) {
  asr_template_t *t = compile_ok(json);
  asr_err_t err;
  asr_err_clear(&err);
  bson_t doc;
  bson_init(&doc);
  assert_int_equal(asr_template_generate(t, NULL, 1, 0, &doc, &err), ASR_EINVAL);
  if (!strstr(err.msg, text)) fail_msg("%s: expected \"%s\" in \"%s\"", json, text, err.msg);
  bson_destroy(&doc);
  asr_template_free(t);
}

typedef void (*str_check_fn)(const char *s, uint32_t len, void *ctx);

/* Every sampled "v" is a string matching the extended regex; check sees each one too. */
static void sample_str(const char *json, const char *pattern, str_check_fn check, void *ctx) {
  asr_template_t *t = compile_ok(json);
  regex_t re;
  assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it;
    gen_v(t, (uint64_t)i, &doc, &it);
    if (bson_iter_type(&it) != BSON_TYPE_UTF8) fail_msg("%s: type 0x%x, not a string", json, bson_iter_type(&it));
    uint32_t len;
    const char *s = bson_iter_utf8(&it, &len);
    if (regexec(&re, s, 0, NULL, 0) != 0) fail_msg("%s: \"%s\" does not match %s", json, s, pattern);
    if (check) check(s, len, ctx);
    bson_destroy(&doc);
  }
  regfree(&re);
  asr_template_free(t);
}

static void expect_text(const char *json, const char *want) {
  asr_template_t *t = compile_ok(json);
  bson_t doc;
  bson_iter_t it;
  gen_v(t, 3, &doc, &it);
  assert_int_equal(bson_iter_type(&it), BSON_TYPE_UTF8);
  assert_string_equal(bson_iter_utf8(&it, NULL), want);
  bson_destroy(&doc);
  asr_template_free(t);
}

/* Every sampled "v" is an int32 in [lo, hi], and both ends are reached. */
static void sample_int32(const char *json, int32_t lo, int32_t hi) {
  asr_template_t *t = compile_ok(json);
  bool saw_lo = false, saw_hi = false;
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it;
    gen_v(t, (uint64_t)i, &doc, &it);
    if (bson_iter_type(&it) != BSON_TYPE_INT32) fail_msg("%s: type 0x%x, not int32", json, bson_iter_type(&it));
    int32_t v = bson_iter_int32(&it);
    if (v < lo || v > hi) fail_msg("%s: %d outside [%d, %d]", json, v, lo, hi);
    saw_lo |= v == lo, saw_hi |= v == hi;
    bson_destroy(&doc);
  }
  if (!saw_lo || !saw_hi) fail_msg("%s: [%d, %d] not covered", json, lo, hi);
  asr_template_free(t);
}

/* Every sampled "v" is a double in [lo, hi] with at most `fixed` decimals; returns the mean. */
static double sample_fixed(const char *json, double lo, double hi, int fixed) {
  asr_template_t *t = compile_ok(json);
  double f = pow(10, fixed), sum = 0, seen_lo = hi, seen_hi = lo;
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it;
    gen_v(t, (uint64_t)i, &doc, &it);
    if (bson_iter_type(&it) != BSON_TYPE_DOUBLE) fail_msg("%s: type 0x%x, not a double", json, bson_iter_type(&it));
    double v = bson_iter_double(&it);
    if (v < lo || v > hi) fail_msg("%s: %.17g outside [%g, %g]", json, v, lo, hi);
    if (fabs(v * f - round(v * f)) > 1e-6 * fmax(1, fabs(v * f))) fail_msg("%s: %.17g has more than %d decimals", json, v, fixed);
    sum += v, seen_lo = fmin(seen_lo, v), seen_hi = fmax(seen_hi, v);
    bson_destroy(&doc);
  }
  /* spread over the range: within 2% of each end */
  if (seen_lo > lo + (hi - lo) * 0.02 || seen_hi < hi - (hi - lo) * 0.02)
    fail_msg("%s: values only in [%g, %g] of [%g, %g]", json, seen_lo, seen_hi, lo, hi);
  asr_template_free(t);
  return sum / SAMPLES;
}

/* Counts of each of n strings; a string outside the list fails. */
typedef struct tally {
  const char *const *names;
  int n;
  int counts[24];
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

static void tally_all_seen(const tally_t *t) {
  for (int i = 0; i < t->n; i++)
    if (t->counts[i] == 0) fail_msg("\"%s\" never drawn", t->names[i]);
}

static void check_in_words(const char *s, uint32_t len, void *ctx) {
  const asr_words_t *w = ctx;
  for (uint32_t i = 0; i < w->n; i++)
    if (strlen(w->items[i]) == len && memcmp(w->items[i], s, len) == 0) return;
  fail_msg("\"%s\" is not in the list", s);
}

static void check_in_pairs_code(const char *s, uint32_t len, void *ctx) {
  const asr_word_pairs_t *w = ctx;
  for (uint32_t i = 0; i < w->n; i++)
    if (strcmp(w->items[i].code, s) == 0) return;
  fail_msg("\"%s\" is not an abbreviation of the list", s);
}

static void check_in_pairs_name(const char *s, uint32_t len, void *ctx) {
  const asr_word_pairs_t *w = ctx;
  for (uint32_t i = 0; i < w->n; i++)
    if (strcmp(w->items[i].name, s) == 0) return;
  fail_msg("\"%s\" is not a name of the list", s);
}

/* The single document "v" of document 0: its keys, in order, joined by ",". */
static void doc_keys(const bson_iter_t *it, char *out, size_t cap) {
  bson_iter_t child;
  assert_true(bson_iter_recurse(it, &child));
  out[0] = '\0';
  while (bson_iter_next(&child)) {
    size_t used = strlen(out);
    snprintf(out + used, cap - used, "%s%s", used ? "," : "", bson_iter_key(&child));
  }
}

/* "v" of document 0 is an array of n documents, each with exactly the keys `keys`. */
static void expect_doc_array(const char *json, uint32_t n, const char *keys) {
  asr_template_t *t = compile_ok(json);
  bson_t doc;
  bson_iter_t it, arr;
  gen_v(t, 0, &doc, &it);
  assert_int_equal(bson_iter_type(&it), BSON_TYPE_ARRAY);
  assert_true(bson_iter_recurse(&it, &arr));
  uint32_t count = 0;
  while (bson_iter_next(&arr)) {
    char got[128];
    if (bson_iter_type(&arr) != BSON_TYPE_DOCUMENT) fail_msg("%s: item %u is not a document", json, count);
    doc_keys(&arr, got, sizeof got);
    if (strcmp(got, keys) != 0) fail_msg("%s: item %u has keys %s, expected %s", json, count, got, keys);
    count++;
  }
  if (count != n) fail_msg("%s: %u items, expected %u", json, count, n);
  bson_destroy(&doc);
  asr_template_free(t);
}

/* ---- web ------------------------------------------------------------------------------------ */

static int b64_value(char c) {
  const char *set = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const char *p = strchr(set, c);
  return p && c ? (int)(p - set) : -1;
}

/* base64 of 32 lower-case hex digits */
static void check_anid2(const char *s, uint32_t len, void *ctx) {
  char out[33];
  int k = 0;
  for (uint32_t i = 0; i + 4 <= len; i += 4) {
    int v[4];
    for (int j = 0; j < 4; j++) v[j] = s[i + j] == '=' ? 0 : b64_value(s[i + j]);
    uint32_t x = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
    char b[3] = {(char)(x >> 16), (char)(x >> 8 & 255), (char)(x & 255)};
    for (int j = 0; j < 3 && k < 32; j++) out[k++] = b[j];
  }
  out[k] = '\0';
  assert_int_equal(k, 32);
  for (int i = 0; i < 32; i++)
    if (!strchr("0123456789abcdef", out[i])) fail_msg("\"%s\" decodes to \"%s\", not hex", s, out);
}

static void test_web_ids(void **state) {
  sample_str("{\"v\": \"$android_id\"}", "^APA91[0-9abce-zA-Z_-]{178}$", NULL, NULL);
  sample_str("{\"v\": \"$apple_token\"}", "^[0-9a-f]{64}$", NULL, NULL);
  sample_str("{\"v\": \"$wp8_anid2\"}", "^[A-Za-z0-9+/]{43}=$", check_anid2, NULL);
  sample_str("{\"v\": \"$wp7_anid\"}", "^A=[0-9A-F]{32}&E=[0-9a-f]{3}&W=[0-9]$", NULL, NULL);
  sample_str("{\"v\": \"$bb_pin\"}", "^[0-9a-f]{8}$", NULL, NULL);
  sample_str("{\"v\": \"$fbid\"}", "^10000[0-9]{11}$", NULL, NULL);
  sample_str("{\"v\": \"$google_analytics\"}", "^UA-[0-9]{6}-[0-9]{2}$", NULL, NULL);
  sample_str("{\"v\": \"$hashtag\"}", "^#[a-z]{2,9}$", NULL, NULL);
  sample_str("{\"v\": \"$twitter\"}", "^@[a-z]{2,9}$", NULL, NULL);
  sample_str("{\"v\": \"$ipv6\"}", "^([0-9a-f]{4}:){7}[0-9a-f]{4}$", NULL, NULL);
  sample_int32("{\"v\": \"$klout\"}", 1, 99);
  asr_template_t *t = compile_ok("{\"v\": \"$port\"}");
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it;
    gen_v(t, (uint64_t)i, &doc, &it);
    assert_int_equal(bson_iter_type(&it), BSON_TYPE_INT32);
    assert_in_range(bson_iter_int32(&it), 0, 65535);
    bson_destroy(&doc);
  }
  asr_template_free(t);
}

static void test_mac_semver(void **state) {
  sample_str("{\"v\": \"$mac\"}", "^([0-9a-f]{2}:){5}[0-9a-f]{2}$", NULL, NULL);
  sample_str("{\"v\": {\"$mac\": {\"delimiter\": \"-\"}}}", "^([0-9a-f]{2}-){5}[0-9a-f]{2}$", NULL, NULL);
  sample_str("{\"v\": {\"$mac\": {\"delimiter\": \"\"}}}", "^[0-9a-f]{12}$", NULL, NULL);
  sample_str("{\"v\": \"$mac_address\"}", "^([0-9A-F]{2}:){5}[0-9A-F]{2}$", NULL, NULL);
  sample_str("{\"v\": {\"$mac_address\": {\"separator\": \"-\"}}}", "^([0-9A-F]{2}-){5}[0-9A-F]{2}$", NULL, NULL);
  sample_str("{\"v\": {\"$mac_address\": {\"networkVersion\": true}}}", "^([0-9A-F]{4}\\.){2}[0-9A-F]{4}$", NULL, NULL);
  sample_str("{\"v\": {\"$mac_address\": {\"networkVersion\": true, \"separator\": \":\"}}}",
             "^([0-9A-F]{4}:){2}[0-9A-F]{4}$", NULL, NULL);
  sample_str("{\"v\": \"$semver\"}",
             "^(\\^|~|<|>|<=|>=|=)([1-9]|10)\\.([1-9]|10)\\.([1-9]|10)(-dev|-beta|-alpha)?$", NULL, NULL);
  sample_str("{\"v\": {\"$semver\": {\"range\": \"~\", \"include_prerelease\": false}}}",
             "^~([1-9]|10)\\.([1-9]|10)\\.([1-9]|10)$", NULL, NULL);
  expect_error("{\"v\": {\"$mac\": {\"delimiter\": 5}}}", "$mac at v: option delimiter must be a constant string");
  expect_error("{\"v\": {\"$mac_address\": {\"networkVersion\": \"yes\"}}}", "$mac_address at v: option networkVersion must be true or false");
  expect_error("{\"v\": {\"$semver\": {\"include_prerelease\": 1}}}", "$semver at v: option include_prerelease must be true or false");
  expect_error("{\"v\": {\"$semver\": {\"version\": 1}}}", "$semver at v: unknown option version (expected one of: include_prerelease,range)");
}

static void test_tld_locale(void **state) {
  uint32_t ntld = asr_words_tld.n + asr_words_country.n;
  asr_template_t *t = compile_ok("{\"v\": \"$tlds\"}");
  bson_t doc;
  bson_iter_t it, arr;
  gen_v(t, 0, &doc, &it);
  assert_int_equal(bson_iter_type(&it), BSON_TYPE_ARRAY);
  assert_true(bson_iter_recurse(&it, &arr));
  uint32_t count = 0;
  bool com = false, us = false;
  while (bson_iter_next(&arr)) {
    assert_int_equal(bson_iter_type(&arr), BSON_TYPE_UTF8);
    com |= strcmp(bson_iter_utf8(&arr, NULL), "com") == 0;
    us |= strcmp(bson_iter_utf8(&arr, NULL), "us") == 0;
    count++;
  }
  assert_int_equal(count, ntld);
  assert_true(com && us);
  bson_destroy(&doc);
  asr_template_free(t);
  sample_str("{\"v\": \"$tld\"}", "^[a-z]{2,}(\\.[a-z]{2})?$", NULL, NULL);

  sample_str("{\"v\": \"$locale\"}", "^[a-z]{2}$", check_in_words, (void *)&asr_words_locale_language);
  sample_str("{\"v\": {\"$locale\": {\"region\": true}}}", "^[a-z]{2,3}-[A-Z]{2}$", check_in_words,
             (void *)&asr_words_locale_region);
  t = compile_ok("{\"v\": \"$locales\", \"r\": {\"$locales\": {\"region\": true}}}");
  gen_v(t, 0, &doc, &it);
  assert_int_equal(bson_iter_type(&it), BSON_TYPE_ARRAY);
  assert_true(bson_iter_recurse(&it, &arr));
  for (count = 0; bson_iter_next(&arr); count++)
    assert_string_equal(bson_iter_utf8(&arr, NULL), asr_words_locale_language.items[count]);
  assert_int_equal(count, asr_words_locale_language.n);
  assert_true(bson_iter_init_find(&it, &doc, "r") && bson_iter_recurse(&it, &arr));
  for (count = 0; bson_iter_next(&arr); count++)
    assert_string_equal(bson_iter_utf8(&arr, NULL), asr_words_locale_region.items[count]);
  assert_int_equal(count, asr_words_locale_region.n);
  bson_destroy(&doc);
  asr_template_free(t);
  expect_error("{\"v\": {\"$locale\": {\"region\": \"fr\"}}}", "$locale at v: option region must be true or false");
}

static void test_picsum_avatar(void **state) {
  expect_text("{\"v\": \"$loremPicsum\"}", "https://picsum.photos/500/500/?random");
  expect_text("{\"v\": {\"$loremPicsum\": {\"width\": 300, \"height\": 200, \"greyscale\": true, \"blurred\": true}}}",
              "https://picsum.photos/g/300/200/?blur");
  sample_str("{\"v\": {\"$loremPicsum\": {\"width\": {\"$integer\": {\"min\": 10, \"max\": 99}}}}}",
             "^https://picsum\\.photos/[1-9][0-9]/500/\\?random$", NULL, NULL);
  expect_error("{\"v\": {\"$loremPicsum\": {\"width\": 0}}}", "$loremPicsum at v: option width must be between 1 and 100000, got 0");

  sample_str("{\"v\": \"$avatar\"}", "^//www\\.gravatar\\.com/avatar/[0-9a-f]{32}$", NULL, NULL);
  expect_text("{\"v\": {\"$avatar\": {\"email\": \"someone@example.com\"}}}",
              "//www.gravatar.com/avatar/16d113840f999444259f73bac9ab8b10");
  expect_text("{\"v\": {\"$avatar\": {\"protocol\": \"https\", \"email\": \"someone@example.com\", \"fileExtension\": "
              "\"png\", \"size\": 80, \"rating\": \"pg\", \"fallback\": \"identicon\"}}}",
              "https://www.gravatar.com/avatar/16d113840f999444259f73bac9ab8b10.png?&s=80&r=pg&d=identicon");
  expect_text("{\"v\": {\"$avatar\": {\"email\": \"someone@example.com\", \"fallback\": \"404\"}}}",
              "//www.gravatar.com/avatar/16d113840f999444259f73bac9ab8b10?&d=404");
  sample_str("{\"v\": {\"$avatar\": {\"email\": \"$email\", \"protocol\": \"http\"}}}",
             "^http://www\\.gravatar\\.com/avatar/[0-9a-f]{32}$", NULL, NULL);
  expect_error("{\"v\": {\"$avatar\": {\"protocol\": \"ftp\"}}}", "$avatar at v: option protocol must be one of \"\", \"http\", \"https\", got \"ftp\"");
  expect_error("{\"v\": {\"$avatar\": {\"rating\": \"nc17\"}}}", "$avatar at v: option rating must be one of");
  expect_error("{\"v\": {\"$avatar\": {\"size\": 0}}}", "$avatar at v: option size must be between 1 and 2048, got 0");
  expect_error("{\"v\": {\"$avatar\": {\"email\": 5}}}", "$avatar at v: option email must be a string");
}

static void check_file_ext(const char *s, uint32_t len, void *ctx) {
  const char *dot = strrchr(s, '.');
  assert_non_null(dot);
  for (int k = 0; k < 4; k++)
    for (uint32_t i = 0; i < asr_words_file_ext[k].n; i++)
      if (strcmp(asr_words_file_ext[k].items[i], dot + 1) == 0) return;
  fail_msg("\"%s\": unknown extension", s);
}

static void check_ext_in(const char *s, uint32_t len, void *ctx) {
  const char *dot = strrchr(s, '.');
  check_in_words(dot + 1, (uint32_t)strlen(dot + 1), ctx);
}

static void test_file(void **state) {
  sample_str("{\"v\": \"$file\"}", "^[a-z]{2,9}\\.[a-z0-9]{2,5}$", check_file_ext, NULL);
  sample_str("{\"v\": {\"$file\": {\"length\": 12}}}", "^[a-z]{12}\\.[a-z0-9]{2,5}$", check_file_ext, NULL);
  sample_str("{\"v\": {\"$file\": {\"extension\": \"txt\"}}}", "^[a-z]{2,9}\\.txt$", NULL, NULL);
  static const char *const two[] = {"a", "b"};
  tally_t tl = {two, 2, {0}};
  asr_template_t *t = compile_ok("{\"v\": {\"$file\": {\"extensions\": [\"a\", \"b\"]}}}");
  for (int i = 0; i < 200; i++) {
    bson_t doc;
    bson_iter_t it;
    gen_v(t, (uint64_t)i, &doc, &it);
    const char *s = bson_iter_utf8(&it, NULL);
    tally_str(strrchr(s, '.') + 1, (uint32_t)strlen(strrchr(s, '.') + 1), &tl);
    bson_destroy(&doc);
  }
  asr_template_free(t);
  tally_all_seen(&tl);
  sample_str("{\"v\": {\"$file\": {\"extensions\": {\"img\": [\"png\", \"jpg\"], \"doc\": [\"md\"]}}}}",
             "^[a-z]{2,9}\\.(png|jpg|md)$", NULL, NULL);
  sample_str("{\"v\": {\"$file\": {\"fileType\": \"document\"}}}", "^[a-z]{2,9}\\.[a-z]+$", check_ext_in, (void *)&asr_words_file_ext[3]);
  expect_error("{\"v\": {\"$file\": {\"fileType\": \"audio\"}}}",
               "$file at v: option fileType must be one of \"raster\", \"vector\", \"3d\", \"document\", got \"audio\"");
  expect_error("{\"v\": {\"$file\": {\"extensions\": 5}}}", "$file at v: option extensions (an array or an object of arrays) must be a non-empty array of strings");
  expect_error("{\"v\": {\"$file\": {\"extensions\": {\"a\": [1]}}}}", "$file at v: extensions.a[0] must be a non-empty string");
  expect_error("{\"v\": {\"$file\": {\"extension\": \"\"}}}", "$file at v: option extension must be a non-empty string");
  expect_error("{\"v\": {\"$file\": {\"length\": 0}}}", "$file at v: option length must be between 1 and 255, got 0");
}

/* ---- places --------------------------------------------------------------------------------- */

static void test_fixed_numbers(void **state) {
  sample_fixed("{\"v\": \"$altitude\"}", 0, 8848, 5);
  sample_fixed("{\"v\": {\"$altitude\": {\"min\": 100, \"max\": 200, \"fixed\": 2}}}", 100, 200, 2);
  sample_fixed("{\"v\": \"$depth\"}", -10994, 0, 5);
  sample_fixed("{\"v\": {\"$depth\": {\"min\": -50, \"max\": -10, \"fixed\": 1}}}", -50, -10, 1);
  double mean = sample_fixed("{\"v\": \"$latitude\"}", -90, 90, 5);
  assert_true(fabs(mean) < 3);
  sample_fixed("{\"v\": {\"$latitude\": {\"min\": 10, \"max\": 20, \"fixed\": 3}}}", 10, 20, 3);
  sample_fixed("{\"v\": \"$longitude\"}", -180, 180, 5);
  sample_fixed("{\"v\": {\"$longitude\": {\"min\": -10, \"max\": 10, \"fixed\": 0}}}", -10, 10, 0);
  sample_fixed("{\"v\": {\"$latitude\": {\"max\": {\"$integer\": {\"min\": 0, \"max\": 1}}, \"min\": -1, \"fixed\": 1}}}", -1, 1, 1);
  expect_error("{\"v\": {\"$altitude\": {\"fixed\": 11}}}", "$altitude at v: option fixed must be between 0 and 10, got 11");
  expect_error("{\"v\": {\"$depth\": {\"min\": 5, \"max\": 1}}}", "$depth at v: min (5) is greater than max (1)");
  expect_error("{\"v\": {\"$latitude\": {\"min\": \"north\"}}}", "$latitude at v: option min must be a number");
  expect_gen_error("{\"v\": {\"$altitude\": {\"min\": {\"$integer\": {\"min\": 5, \"max\": 5}}, \"max\": 1}}}",
                   "no number with 5 decimals between 5 and 1");
}

static void test_coordinate_formats(void **state) {
  sample_str("{\"v\": {\"$latitude\": {\"format\": \"ddm\"}}}",
             "^([0-9]|[1-8][0-9])\xc2\xb0[0-9]{1,2}(\\.[0-9]{1,4})?$", NULL, NULL);
  sample_str("{\"v\": {\"$latitude\": {\"format\": \"DMS\", \"min\": 5, \"max\": 7, \"fixed\": 1}}}",
             "^[5-7]\xc2\xb0[0-9]{1,2}\xe2\x80\x99[0-9]{1,2}(\\.[0-9])?\xe2\x80\x9d$", NULL, NULL);
  sample_str("{\"v\": {\"$longitude\": {\"format\": \"ddm\", \"fixed\": 0}}}",
             "^([0-9]|[1-9][0-9]|1[0-7][0-9])\xc2\xb0[0-9]{1,2}$", NULL, NULL);
  sample_str("{\"v\": {\"$longitude\": {\"format\": \"dms\", \"min\": 170, \"max\": 179}}}",
             "^17[0-9]\xc2\xb0[0-9]{1,2}\xe2\x80\x99[0-9]{1,2}(\\.[0-9]{1,4})?\xe2\x80\x9d$", NULL, NULL);
  sample_fixed("{\"v\": {\"$latitude\": {\"format\": \"dd\", \"fixed\": 1, \"min\": 0, \"max\": 1}}}", 0, 1, 1);
  expect_error("{\"v\": {\"$latitude\": {\"format\": \"utm\"}}}", "$latitude at v: option format must be one of \"dd\", \"ddm\", \"dms\", got \"utm\"");
  expect_error("{\"v\": {\"$latitude\": {\"format\": \"ddm\", \"max\": 90}}}", "$latitude at v: option max must be between 0 and 89, got 90");
  expect_error("{\"v\": {\"$longitude\": {\"format\": \"dms\", \"min\": -1}}}", "$longitude at v: option min must be between 0 and 179, got -1");
  expect_error("{\"v\": {\"$longitude\": {\"format\": \"dms\", \"fixed\": 5}}}", "$longitude at v: option fixed must be between 0 and 4, got 5");
  expect_error("{\"v\": {\"$latitude\": {\"format\": \"ddm\", \"min\": 9, \"max\": 8}}}", "$latitude at v: min (9) is greater than max (8)");
}

static void check_geojson(const char *s, uint32_t len, void *ctx) {
  const double *range = ctx;
  double a, b, c;
  if (sscanf(s, "%lf, %lf, %lf", &a, &b, &c) != 3) fail_msg("\"%s\" is not three numbers", s);
  double v[3] = {a, b, c};
  for (int i = 0; i < 3; i++)
    if (v[i] < range[0] || v[i] > range[1]) fail_msg("\"%s\": %g outside [%g, %g]", s, v[i], range[0], range[1]);
}

static void test_geojson_geohash(void **state) {
  static const double lat[2] = {-90, 90}, narrow[2] = {0, 50};
  sample_str("{\"v\": \"$geojson\"}",
             "^(-?[0-9]+(\\.[0-9]{1,5})?, ){2}-?[0-9]+(\\.[0-9]{1,5})?$", check_geojson, (void *)lat);
  sample_str("{\"v\": {\"$geojson\": {\"fixed\": 2, \"min\": 0, \"max\": 50}}}",
             "^([0-9]+(\\.[0-9]{1,2})?, ){2}[0-9]+(\\.[0-9]{1,2})?$", check_geojson, (void *)narrow);
  /* JavaScript's number text: no trailing zeros, no "-0" */
  sample_str("{\"v\": {\"$geojson\": {\"fixed\": 3, \"min\": -1, \"max\": 1}}}",
             "^(-?(0|1)(\\.[0-9]{0,2}[1-9])?, ){2}-?(0|1)(\\.[0-9]{0,2}[1-9])?$", NULL, NULL);
  sample_str("{\"v\": \"$geohash\"}", "^[0-9b-hjkmnp-z]{7}$", NULL, NULL);
  sample_str("{\"v\": {\"$geohash\": {\"length\": 4}}}", "^[0-9b-hjkmnp-z]{4}$", NULL, NULL);
  expect_error("{\"v\": {\"$geohash\": {\"length\": 65}}}", "$geohash at v: option length must be between 0 and 64, got 65");
  expect_error("{\"v\": {\"$geojson\": {\"format\": \"dd\"}}}", "$geojson at v: unknown option format (expected one of: min,max,fixed)");
}

static void test_codes(void **state) {
  sample_str("{\"v\": \"$areacode\"}", "^\\([2-9][0-8][0-9]\\)$", NULL, NULL);
  sample_str("{\"v\": {\"$areacode\": {\"parens\": false}}}", "^[2-9][0-8][0-9]$", NULL, NULL);
  expect_text("{\"v\": {\"$areacode\": {\"exampleNumber\": true}}}", "(555)");
  expect_text("{\"v\": {\"$areacode\": {\"exampleNumber\": true, \"parens\": false}}}", "555");
  sample_str("{\"v\": \"$postal\"}", "^[XVTSRPNKLMHJGECBA][0-9][A-Z] [0-9][A-Z][0-9]$", NULL, NULL);
  sample_str("{\"v\": \"$postcode\"}", "^[A-Z]{1,2}[0-9][A-Z]? [0-9][A-Z]{2}$", NULL, NULL);
  expect_error("{\"v\": {\"$areacode\": {\"parens\": 1}}}", "$areacode at v: option parens must be true or false");
  expect_error("{\"v\": {\"$postal\": {\"country\": \"ca\"}}}", "$postal at v: takes no options (got country)");
}

static void test_regions(void **state) {
  expect_doc_array("{\"v\": \"$countries\"}", asr_words_country.n, "name,abbreviation");
  expect_doc_array("{\"v\": \"$counties\"}", asr_words_county_uk.n, "name");
  expect_doc_array("{\"v\": \"$provinces\"}", asr_words_province_ca.n, "name,abbreviation");
  expect_doc_array("{\"v\": {\"$provinces\": {\"country\": \"it\"}}}", asr_words_province_it.n, "name,abbreviation,code");
  expect_doc_array("{\"v\": \"$states\"}", asr_words_state.n, "name,abbreviation");
  expect_doc_array("{\"v\": {\"$states\": {\"territories\": true, \"armed_forces\": true}}}",
                   asr_words_state.n + asr_words_territory.n + asr_words_armed_forces.n, "name,abbreviation");
  expect_doc_array("{\"v\": {\"$states\": {\"us_states_and_dc\": false, \"armed_forces\": true}}}",
                   asr_words_armed_forces.n, "name,abbreviation");
  expect_doc_array("{\"v\": {\"$states\": {\"country\": \"it\"}}}", asr_words_region_it.n, "name,abbreviation");
  expect_doc_array("{\"v\": {\"$states\": {\"country\": \"MX\"}}}", asr_words_state_mx.n, "name,abbreviation");
  expect_doc_array("{\"v\": {\"$states\": {\"country\": \"uk\"}}}", asr_words_county_uk.n, "name");
  expect_doc_array("{\"v\": \"$street_suffixes\"}", asr_words_street_suffix.n, "name,abbreviation");
  expect_doc_array("{\"v\": {\"$street_suffixes\": {\"country\": \"it\"}}}", asr_words_street_suffix_it.n, "name,abbreviation");

  /* the Italian provinces carry their ISTAT code as an int32 */
  asr_template_t *t = compile_ok("{\"v\": {\"$provinces\": {\"country\": \"it\"}}}");
  bson_t doc;
  bson_iter_t it, arr, item;
  gen_v(t, 0, &doc, &it);
  assert_true(bson_iter_recurse(&it, &arr) && bson_iter_next(&arr) && bson_iter_recurse(&arr, &item));
  assert_true(bson_iter_find(&item, "code"));
  assert_int_equal(bson_iter_type(&item), BSON_TYPE_INT32);
  assert_int_equal(bson_iter_int32(&item), asr_words_province_it.items[0].istat);
  bson_destroy(&doc);
  asr_template_free(t);

  sample_str("{\"v\": \"$county\"}", "^[A-Z]", check_in_words, (void *)&asr_words_county_uk);
  sample_str("{\"v\": \"$province\"}", "^[A-Z]{2}$", check_in_pairs_code, (void *)&asr_words_province_ca);
  sample_str("{\"v\": {\"$province\": {\"full\": true}}}", "^[A-Z]", check_in_pairs_name, (void *)&asr_words_province_ca);
  sample_str("{\"v\": {\"$province\": {\"country\": \"it\"}}}", "^[A-Z]{2}$", NULL, NULL);

  /* $street_suffix: {name, abbreviation}, a pair of the list */
  t = compile_ok("{\"v\": {\"$street_suffix\": {\"country\": \"it\"}}}");
  for (int i = 0; i < 200; i++) {
    gen_v(t, (uint64_t)i, &doc, &it);
    assert_int_equal(bson_iter_type(&it), BSON_TYPE_DOCUMENT);
    char keys[64];
    doc_keys(&it, keys, sizeof keys);
    assert_string_equal(keys, "name,abbreviation");
    assert_true(bson_iter_recurse(&it, &item) && bson_iter_find(&item, "name"));
    check_in_pairs_name(bson_iter_utf8(&item, NULL), 0, (void *)&asr_words_street_suffix_it);
    bson_destroy(&doc);
  }
  asr_template_free(t);

  expect_error("{\"v\": {\"$county\": {\"country\": \"us\"}}}", "$county at v: option country must be one of \"uk\", got \"us\"");
  expect_error("{\"v\": {\"$provinces\": {\"country\": \"fr\"}}}", "$provinces at v: option country must be one of \"ca\", \"it\", got \"fr\"");
  expect_error("{\"v\": {\"$states\": {\"country\": \"de\"}}}", "$states at v: option country must be one of \"us\", \"it\", \"mx\", \"uk\", got \"de\"");
  expect_error("{\"v\": {\"$states\": {\"us_states_and_dc\": false}}}", "$states at v: no states to pick from");
  expect_error("{\"v\": {\"$states\": {\"full\": true}}}", "$states at v: unknown option full");
  expect_error("{\"v\": {\"$street_suffix\": {\"country\": {\"$choose\": {\"from\": [\"us\"]}}}}}",
               "$street_suffix at v: option country must be a constant string");
}

/* ---- time ------------------------------------------------------------------------------------ */

static void test_clock_parts(void **state) {
  static const char *const ampm[] = {"am", "pm"};
  tally_t tl = {ampm, 2, {0}};
  sample_str("{\"v\": \"$ampm\"}", "^(am|pm)$", tally_str, &tl);
  tally_all_seen(&tl);
  sample_int32("{\"v\": \"$hour\"}", 1, 12);
  sample_int32("{\"v\": {\"$hour\": {\"twentyfour\": true}}}", 0, 23);
  sample_int32("{\"v\": {\"$hour\": {\"min\": 3, \"max\": 5}}}", 3, 5);
  sample_int32("{\"v\": {\"$hour\": {\"twentyfour\": true, \"min\": 13}}}", 13, 23);
  sample_int32("{\"v\": \"$minute\"}", 0, 59);
  sample_int32("{\"v\": {\"$minute\": {\"min\": 10, \"max\": 20}}}", 10, 20);
  sample_int32("{\"v\": \"$second\"}", 0, 59);
  sample_int32("{\"v\": \"$millisecond\"}", 0, 999);
  expect_error("{\"v\": {\"$hour\": {\"max\": 13}}}", "$hour at v: option max must be between 0 and 12, got 13");
  expect_error("{\"v\": {\"$hour\": {\"twentyfour\": true, \"max\": 24}}}", "$hour at v: option max must be between 0 and 23, got 24");
  expect_error("{\"v\": {\"$hour\": {\"min\": -1}}}", "$hour at v: option min must be between 0 and 12, got -1");
  expect_error("{\"v\": {\"$hour\": {\"min\": 6, \"max\": 5}}}", "$hour at v: min (6) is greater than max (5)");
  expect_error("{\"v\": {\"$minute\": {\"max\": 60}}}", "$minute at v: option max must be between 0 and 59, got 60");
  expect_error("{\"v\": {\"$second\": {\"max\": 10}}}", "$second at v: takes no options (got max)");
  expect_gen_error("{\"v\": {\"$minute\": {\"min\": {\"$integer\": {\"min\": 30, \"max\": 30}}, \"max\": 20}}}",
                   "min 30 and max 20 must be ordered within [0, 59]");
}

static void test_hammertime(void **state) {
  asr_template_t *t = compile_ok("{\"v\": \"$hammertime\"}");
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it;
    gen_v(t, (uint64_t)i, &doc, &it);
    assert_int_equal(bson_iter_type(&it), BSON_TYPE_INT64);
    int64_t ms = bson_iter_int64(&it);
    /* from January 1st of the clock's year to the end of the year a century later */
    int64_t year_start = t->now_ms - 366LL * 86400000;
    assert_true(ms >= year_start && ms < t->now_ms + 102LL * 366 * 86400000);
    bson_destroy(&doc);
  }
  asr_template_free(t);
  /* a clock in 1968: from 1968-01-01 to the end of 2068, never earlier */
  t = compile_ok("{\"v\": \"$hammertime\"}");
  t->now_ms = -400LL * 86400000;
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it;
    gen_v(t, (uint64_t)i, &doc, &it);
    int64_t ms = bson_iter_as_int64(&it);
    lo = ms < lo ? ms : lo, hi = ms > hi ? ms : hi;
    bson_destroy(&doc);
  }
  assert_true(lo >= -63158400000LL && hi < 3124224000000LL);
  assert_true(lo < -63158400000LL + 366LL * 86400000 && hi > 3124224000000LL - 366LL * 86400000);
  asr_template_free(t);
  sample_int32("{\"v\": {\"$hammertime\": {\"min\": 0, \"max\": 1000}}}", 0, 1000);
  t = compile_ok("{\"v\": {\"$hammertime\": {\"min\": \"2020-01-01\", \"max\": \"2030-01-01T00:00:00Z\"}}}");
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it;
    gen_v(t, (uint64_t)i, &doc, &it);
    assert_int_equal(bson_iter_type(&it), BSON_TYPE_INT64);
    assert_true(bson_iter_int64(&it) >= 1577836800000LL && bson_iter_int64(&it) <= 1893456000000LL);
    bson_destroy(&doc);
  }
  asr_template_free(t);
  expect_error("{\"v\": {\"$hammertime\": {\"min\": 10, \"max\": 5}}}", "$hammertime at v: min is later than max");
  expect_error("{\"v\": {\"$hammertime\": {\"year\": 2020}}}", "$hammertime at v: unknown option year (expected one of: min,max)");
}

static void test_months_timezones(void **state) {
  expect_doc_array("{\"v\": \"$months\"}", 12, "name,short_name,numeric,days");
  asr_template_t *t = compile_ok("{\"v\": \"$months\"}");
  bson_t doc;
  bson_iter_t it, arr, m;
  gen_v(t, 0, &doc, &it);
  assert_true(bson_iter_recurse(&it, &arr));
  int total = 0;
  for (int i = 1; bson_iter_next(&arr); i++) {
    char want[12];
    snprintf(want, sizeof want, "%02d", i);
    assert_true(bson_iter_recurse(&arr, &m) && bson_iter_find(&m, "numeric"));
    assert_string_equal(bson_iter_utf8(&m, NULL), want);
    assert_true(bson_iter_next(&m) && bson_iter_type(&m) == BSON_TYPE_INT32);
    total += bson_iter_int32(&m);
  }
  assert_int_equal(total, 365);
  bson_destroy(&doc);
  asr_template_free(t);

  expect_doc_array("{\"v\": \"$timezones\"}", asr_words_timezone.n, "name,abbr,offset,isdst,text,utc");
  t = compile_ok("{\"v\": \"$timezone\"}");
  bool saw_int = false, saw_double = false;
  for (int i = 0; i < SAMPLES; i++) {
    gen_v(t, (uint64_t)i, &doc, &it);
    assert_int_equal(bson_iter_type(&it), BSON_TYPE_DOCUMENT);
    char keys[64];
    doc_keys(&it, keys, sizeof keys);
    assert_string_equal(keys, "name,abbr,offset,isdst,text,utc");
    assert_true(bson_iter_recurse(&it, &m) && bson_iter_find(&m, "offset"));
    /* a JavaScript number: whole hours int32, 5.5 a double */
    if (bson_iter_type(&m) == BSON_TYPE_INT32) {
      saw_int = true;
      assert_in_range(bson_iter_int32(&m) + 12, 0, 26);
    } else {
      assert_int_equal(bson_iter_type(&m), BSON_TYPE_DOUBLE);
      assert_true(bson_iter_double(&m) != floor(bson_iter_double(&m)));
      saw_double = true;
    }
    assert_true(bson_iter_next(&m) && bson_iter_type(&m) == BSON_TYPE_BOOL);
    assert_true(bson_iter_next(&m) && bson_iter_type(&m) == BSON_TYPE_UTF8);
    assert_true(bson_iter_next(&m) && bson_iter_type(&m) == BSON_TYPE_ARRAY);
    bson_iter_t utc;
    assert_true(bson_iter_recurse(&m, &utc) && bson_iter_next(&utc));
    assert_non_null(strchr(bson_iter_utf8(&utc, NULL), '/'));
    bson_destroy(&doc);
  }
  assert_true(saw_int && saw_double);
  asr_template_free(t);
}

/* ---- misc ------------------------------------------------------------------------------------- */

#define FLAT "\xe2\x99\xad"
#define SHARP "\xe2\x99\xaf"

static void sample_notes(const char *json, const char *const *names, int n) {
  tally_t tl = {names, n, {0}};
  sample_str(json, ".", tally_str, &tl);
  tally_all_seen(&tl);
}

static void test_music(void **state) {
  static const char *const flat_key[] = {"C", "D", "E", "F", "G", "A", "B", "D" FLAT, "E" FLAT, "G" FLAT, "A" FLAT, "B" FLAT};
  static const char *const sharp_key[] = {"C", "D", "E", "F", "G", "A", "B", "C" SHARP, "D" SHARP, "F" SHARP, "G" SHARP, "A" SHARP};
  static const char *const all[] = {"C", "D", "E", "F", "G", "A", "B", "D" FLAT, "E" FLAT, "G" FLAT, "A" FLAT, "B" FLAT,
                                    "C" SHARP, "D" SHARP, "F" SHARP, "G" SHARP, "A" SHARP};
  sample_notes("{\"v\": \"$note\"}", flat_key, 12);
  sample_notes("{\"v\": {\"$note\": {\"notes\": \"sharpKey\"}}}", sharp_key, 12);
  sample_notes("{\"v\": {\"$note\": {\"notes\": \"flats\"}}}", flat_key + 7, 5);
  sample_notes("{\"v\": {\"$note\": {\"notes\": \"sharps\"}}}", sharp_key + 7, 5);
  sample_notes("{\"v\": {\"$note\": {\"notes\": \"naturals\"}}}", all, 7);
  sample_notes("{\"v\": {\"$note\": {\"notes\": \"all\"}}}", all, 17);
  static const char *const jazz[] = {"maj7", "min7", "7", "sus", "dim", "\xc3\xb8"};
  static const char *const plain[] = {"maj", "min", "aug", "dim"};
  sample_notes("{\"v\": \"$chord_quality\"}", jazz, 6);
  sample_notes("{\"v\": {\"$chord_quality\": {\"jazz\": false}}}", plain, 4);
  sample_str("{\"v\": \"$chord\"}", "^[A-G](" FLAT ")?(maj7|min7|7|sus|dim|\xc3\xb8)$", NULL, NULL);
  sample_str("{\"v\": {\"$chord\": {\"notes\": \"sharps\", \"jazz\": false}}}", "^[ACDFG]" SHARP "(maj|min|aug|dim)$", NULL, NULL);
  sample_int32("{\"v\": \"$midi_note\"}", 0, 127);
  sample_int32("{\"v\": {\"$midi_note\": {\"min\": 60, \"max\": 72}}}", 60, 72);
  sample_int32("{\"v\": \"$tempo\"}", 40, 320);
  sample_int32("{\"v\": {\"$tempo\": {\"min\": 100, \"max\": 140}}}", 100, 140);
  expect_error("{\"v\": {\"$note\": {\"notes\": \"blues\"}}}",
               "$note at v: option notes must be one of \"flatKey\", \"sharpKey\", \"flats\", \"sharps\", \"naturals\", \"all\", got \"blues\"");
  expect_error("{\"v\": {\"$chord_quality\": {\"jazz\": \"yes\"}}}", "$chord_quality at v: option jazz must be true or false");
  expect_error("{\"v\": {\"$tempo\": {\"min\": 200, \"max\": 100}}}", "$tempo at v: min (200) is greater than max (100)");
  expect_error("{\"v\": {\"$midi_note\": {\"min\": 1.5}}}", "$midi_note at v: option min must be an integer, got 1.5");
}

static void test_coin_dice_radio(void **state) {
  static const char *const sides[] = {"heads", "tails"};
  sample_notes("{\"v\": \"$coin\"}", sides, 2);
  static const struct { const char *op; int sides; } dice[] = {
      {"d4", 4}, {"d6", 6}, {"d8", 8}, {"d10", 10}, {"d12", 12}, {"d20", 20}, {"d30", 30}, {"d100", 100}};
  for (size_t i = 0; i < sizeof dice / sizeof dice[0]; i++) {
    char json[64];
    snprintf(json, sizeof json, "{\"v\": \"$%s\"}", dice[i].op);
    sample_int32(json, 1, dice[i].sides);
  }
  sample_str("{\"v\": \"$radio\"}", "^[KW][A-Z]{3}$", NULL, NULL);
  sample_str("{\"v\": {\"$radio\": {\"side\": \"east\"}}}", "^W[A-Z]{3}$", NULL, NULL);
  sample_str("{\"v\": {\"$radio\": {\"side\": \"W\"}}}", "^K[A-Z]{3}$", NULL, NULL);
  sample_str("{\"v\": {\"$tv\": {\"side\": \"e\"}}}", "^W[A-Z]{3}$", NULL, NULL);
  sample_str("{\"v\": {\"$tv\": {\"side\": \"west\"}}}", "^K[A-Z]{3}$", NULL, NULL);
  expect_error("{\"v\": {\"$radio\": {\"side\": \"north\"}}}", "$radio at v: option side must be one of");
  expect_error("{\"v\": {\"$d6\": {\"sides\": 7}}}", "$d6 at v: takes no options (got sides)");
}

static void sample_normal(const char *json, double mean, double dev) {
  asr_template_t *t = compile_ok(json);
  double sum = 0, sq = 0;
  for (int i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it;
    gen_v(t, (uint64_t)i, &doc, &it);
    assert_int_equal(bson_iter_type(&it), BSON_TYPE_DOUBLE);
    double v = bson_iter_double(&it);
    sum += v, sq += v * v;
    bson_destroy(&doc);
  }
  double m = sum / SAMPLES, sd = sqrt(sq / SAMPLES - m * m);
  /* 4000 draws: the mean within 5 standard errors, the deviation within 10% */
  if (fabs(m - mean) > 5 * dev / sqrt(SAMPLES) || fabs(sd - dev) > 0.1 * dev)
    fail_msg("%s: mean %g, deviation %g; expected %g, %g", json, m, sd, mean, dev);
  asr_template_free(t);
}

static void test_normal(void **state) {
  sample_normal("{\"v\": \"$normal\"}", 0, 1);
  sample_normal("{\"v\": {\"$normal\": {\"mean\": 100, \"dev\": 15}}}", 100, 15);
  sample_normal("{\"v\": {\"$gauss\": {\"mean\": -5, \"dev\": 0.5}}}", -5, 0.5);
  static const char *const pool[] = {"a", "b", "c"};
  tally_t tl = {pool, 3, {0}};
  sample_str("{\"v\": {\"$normal\": {\"mean\": 1, \"dev\": 1, \"pool\": [\"a\", \"b\", \"c\"]}}}", "^[abc]$", tally_str, &tl);
  tally_all_seen(&tl);
  assert_true(tl.counts[1] > tl.counts[0] && tl.counts[1] > tl.counts[2]); /* the mean's item most */
  expect_gen_error("{\"v\": {\"$normal\": {\"mean\": 100, \"dev\": 1, \"pool\": [1, 2]}}}",
                   "no draw fell inside the pool of 2 in 100 tries");
  expect_error("{\"v\": {\"$normal\": {\"mean\": \"x\"}}}", "$normal at v: option mean must be a number");
  expect_error("{\"v\": {\"$normal\": {\"pool\": 5}}}", "$normal at v: option pool must be an array");
}

/* ---- options added to the older operators of this area (ops_text.c, ops_bson.c) ------------- */

static void check_it_street(const char *s, uint32_t len, void *ctx) {
  const char *p = s;
  if (ctx) p = strchr(s, ' ') + 1; /* $address: past the house number */
  for (uint32_t i = 0; i < asr_words_street_suffix_it.n; i++) {
    const asr_word_pair_t *x = &asr_words_street_suffix_it.items[i];
    for (int k = 0; k < 2; k++) {
      const char *sfx = k ? x->code : x->name;
      size_t n = strlen(sfx);
      if (strncmp(p, sfx, n) == 0 && p[n] == ' ' && p[n + 1] >= 'A' && p[n + 1] <= 'Z') return;
    }
  }
  fail_msg("\"%s\" does not start with an Italian street suffix", s);
}

static void check_alpha(const char *s, uint32_t len, void *ctx) {
  double a = atof(strrchr(s, ',') + 1);
  if (a < 0.2 || a > 0.3) fail_msg("\"%s\": alpha outside [0.2, 0.3]", s);
}

static void test_older_operators_options(void **state) {
  sample_str("{\"v\": {\"$state\": {\"armed_forces\": true, \"us_states_and_dc\": false}}}", "^A[AEP]$",
             check_in_pairs_code, (void *)&asr_words_armed_forces);
  sample_str("{\"v\": {\"$state\": {\"country\": \"it\"}}}", "^[A-Z]{3}$", check_in_pairs_code, (void *)&asr_words_region_it);
  sample_str("{\"v\": {\"$state\": {\"country\": \"mx\", \"full\": true}}}", "^[A-Z]", check_in_pairs_name, (void *)&asr_words_state_mx);
  sample_str("{\"v\": {\"$state\": {\"country\": \"uk\", \"full\": true}}}", "^[A-Z]", check_in_words, (void *)&asr_words_county_uk);
  expect_error("{\"v\": {\"$state\": {\"country\": \"fr\"}}}", "$state at v: option country must be one of \"us\", \"it\", \"mx\", \"uk\", got \"fr\"");
  expect_error("{\"v\": {\"$state\": {\"armed_forces\": 1}}}", "$state at v: option armed_forces must be true or false");

  asr_template_t *t = compile_ok("{\"v\": {\"$country\": {\"raw\": true}}, \"m\": {\"$month\": {\"raw\": true, \"min\": 3, \"max\": 5}}}");
  for (int i = 0; i < 300; i++) {
    bson_t doc;
    bson_iter_t it, f;
    char keys[64];
    gen_v(t, (uint64_t)i, &doc, &it);
    assert_int_equal(bson_iter_type(&it), BSON_TYPE_DOCUMENT);
    doc_keys(&it, keys, sizeof keys);
    assert_string_equal(keys, "name,abbreviation");
    assert_true(bson_iter_recurse(&it, &f) && bson_iter_find(&f, "abbreviation"));
    check_in_pairs_code(bson_iter_utf8(&f, NULL), 0, (void *)&asr_words_country);
    assert_true(bson_iter_init_find(&it, &doc, "m"));
    assert_int_equal(bson_iter_type(&it), BSON_TYPE_DOCUMENT);
    doc_keys(&it, keys, sizeof keys);
    assert_string_equal(keys, "name,short_name,numeric,days");
    assert_true(bson_iter_recurse(&it, &f) && bson_iter_find(&f, "numeric"));
    const char *num = bson_iter_utf8(&f, NULL);
    assert_true(strcmp(num, "03") == 0 || strcmp(num, "04") == 0 || strcmp(num, "05") == 0);
    bson_destroy(&doc);
  }
  asr_template_free(t);
  expect_error("{\"v\": {\"$month\": {\"raw\": \"yes\"}}}", "$month at v: option raw must be true or false");

  sample_str("{\"v\": {\"$street\": {\"country\": \"it\"}}}", "^[A-Z][A-Za-z.]* [A-Z][a-z]{3,5}$", check_it_street, NULL);
  sample_str("{\"v\": {\"$street\": {\"country\": \"IT\", \"short_suffix\": true, \"syllables\": 1}}}",
             "^[A-Z][A-Za-z.]* [A-Z][a-z]{1,2}$", check_it_street, NULL);
  sample_str("{\"v\": {\"$address\": {\"country\": \"it\"}}}", "^[1-9][0-9]{0,3} [A-Z][A-Za-z.]* [A-Z][a-z]{3,5}$",
             check_it_street, (void *)1);
  expect_error("{\"v\": {\"$street\": {\"country\": \"de\"}}}", "$street at v: option country must be one of \"us\", \"it\", got \"de\"");

  sample_str("{\"v\": {\"$color\": {\"format\": \"hex\", \"min_red\": 200, \"max_red\": 255, \"max_green\": 0, \"max_blue\": 0}}}",
             "^#(c[89a-f]|[d-f][0-9a-f])0000$", NULL, NULL);
  sample_str("{\"v\": {\"$color\": {\"format\": \"rgb\", \"min_green\": 10, \"max_green\": 12, \"min\": 250}}}",
             "^rgb\\(25[0-5],1[0-2],25[0-5]\\)$", NULL, NULL);
  sample_str("{\"v\": {\"$color\": {\"format\": \"rgba\", \"min_alpha\": 0.2, \"max_alpha\": 0.3}}}",
             "^rgba\\([0-9]{1,3},[0-9]{1,3},[0-9]{1,3},0\\.[23][0-9]{0,3}\\)$", check_alpha, NULL);
  sample_str("{\"v\": {\"$color\": {\"format\": \"shorthex\", \"max_red\": 15, \"min_blue\": 240}}}", "^#0[0-9a-f]f$", NULL, NULL);
  expect_error("{\"v\": {\"$color\": {\"min_red\": 256}}}", "$color at v: option min_red must be an integer between 0 and 255, got the number 256");
  expect_error("{\"v\": {\"$color\": {\"min_blue\": 9, \"max_blue\": 8}}}", "$color at v: min_blue (9) is greater than max_blue (8)");
  expect_error("{\"v\": {\"$color\": {\"min_alpha\": 0.5, \"max_alpha\": 0.4}}}",
               "$color at v: min_alpha (0.5) and max_alpha (0.4) must be ordered within [0, 1]");
  expect_gen_error("{\"v\": {\"$color\": {\"format\": \"hex\", \"min_red\": 200, \"max\": 100}}}", "channel 0: min 200 is greater than max 100");

  sample_str("{\"v\": {\"$url\": {\"tld\": \"io\"}}}", "^http://[a-z]{2,9}\\.io/[a-z]{2,9}$", NULL, NULL);
  sample_str("{\"v\": {\"$url\": {\"tld\": \"io\", \"extensions\": [\"html\"]}}}", "^http://[a-z]{2,9}\\.io/[a-z]{2,9}\\.html$", NULL, NULL);
  expect_text("{\"v\": {\"$url\": {\"tld\": \"io\", \"domain\": \"example.org\", \"path\": \"p\"}}}", "http://example.org/p");
  expect_error("{\"v\": {\"$url\": {\"tld\": \"\"}}}", "$url at v: option tld must be a non-empty constant string");
}

/* ---- all of them ------------------------------------------------------------------------------ */

static const char *const NEW_OPS[] = {
    "android_id", "apple_token", "wp8_anid2", "wp7_anid", "bb_pin", "avatar", "fbid", "google_analytics",
    "hashtag", "ipv6", "klout", "mac", "mac_address", "semver", "tlds", "tld", "twitter", "port", "locale",
    "locales", "loremPicsum", "file", "altitude", "areacode", "countries", "county", "counties", "depth",
    "geohash", "geojson", "latitude", "longitude", "postal", "postcode", "provinces", "province", "states",
    "street_suffix", "street_suffixes", "ampm", "hammertime", "hour", "millisecond", "second", "minute",
    "months", "timezones", "timezone", "note", "midi_note", "chord_quality", "chord", "tempo", "coin", "d4",
    "d6", "d8", "d10", "d12", "d20", "d30", "d100", "normal", "gauss", "radio", "tv"};

/* Every operator compiles in its "$op" form, and document i of a seed is always the same. */
static void test_all_deterministic(void **state) {
  for (size_t k = 0; k < sizeof NEW_OPS / sizeof NEW_OPS[0]; k++) {
    char json[96];
    snprintf(json, sizeof json, "{\"v\": \"$%s\", \"w\": {\"$%s\": {}}}", NEW_OPS[k], NEW_OPS[k]);
    asr_template_t *t = compile_ok(json);
    for (uint64_t i = 0; i < 50; i++) {
      bson_t a, b;
      bson_iter_t it;
      gen_v(t, i, &a, &it);
      gen_v(t, i, &b, &it);
      if (!bson_equal(&a, &b)) fail_msg("$%s: same (seed, index), different documents", NEW_OPS[k]);
      bson_destroy(&a), bson_destroy(&b);
    }
    asr_template_free(t);
  }
}

static void check_pairs(const char *what, const asr_word_pairs_t *w, uint32_t at_least) {
  if (w->n < at_least) fail_msg("%s: %u entries, expected at least %u", what, w->n, at_least);
  for (uint32_t i = 0; i < w->n; i++) {
    if (!w->items[i].code[0] || !w->items[i].name[0]) fail_msg("%s[%u] is empty", what, i);
    for (uint32_t j = 0; j < i; j++)
      if (strcmp(w->items[i].code, w->items[j].code) == 0 || strcmp(w->items[i].name, w->items[j].name) == 0)
        fail_msg("%s: \"%s\" twice", what, w->items[i].name);
  }
}

static void check_words(const char *what, const asr_words_t *w, uint32_t at_least) {
  if (w->n < at_least) fail_msg("%s: %u entries, expected at least %u", what, w->n, at_least);
  for (uint32_t i = 0; i < w->n; i++) {
    if (!w->items[i][0]) fail_msg("%s[%u] is empty", what, i);
    for (const char *p = w->items[i]; *p; p++)
      if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) fail_msg("%s: \"%s\" is not ASCII", what, w->items[i]);
    for (uint32_t j = 0; j < i; j++)
      if (strcmp(w->items[i], w->items[j]) == 0) fail_msg("%s: \"%s\" twice", what, w->items[i]);
  }
}

static void test_lists(void **state) {
  check_words("locale languages", &asr_words_locale_language, 150);
  check_words("locale regions", &asr_words_locale_region, 100);
  check_words("UK counties", &asr_words_county_uk, 80);
  check_words("UK postcode areas", &asr_words_postcode_area_uk, 120);
  check_pairs("Canadian provinces", &asr_words_province_ca, 13);
  check_pairs("Italian regions", &asr_words_region_it, 20);
  check_pairs("Mexican states", &asr_words_state_mx, 32);
  check_pairs("armed forces", &asr_words_armed_forces, 3);
  check_pairs("Italian street suffixes", &asr_words_street_suffix_it, 15);
  for (int k = 0; k < 4; k++) check_words("file extensions", &asr_words_file_ext[k], 8);
  const asr_provinces_it_t *p = &asr_words_province_it;
  assert_true(p->n >= 100);
  for (uint32_t i = 0; i < p->n; i++) {
    assert_int_equal(p->items[i].istat, (int)i + 1); /* in ISTAT order, none missing */
    assert_int_equal(strlen(p->items[i].code), 2);
    for (uint32_t j = 0; j < i; j++) assert_string_not_equal(p->items[i].code, p->items[j].code);
  }
  const asr_timezones_t *z = &asr_words_timezone;
  assert_true(z->n >= 40);
  for (uint32_t i = 0; i < z->n; i++) {
    assert_true(z->items[i].offset >= -12 && z->items[i].offset <= 14);
    assert_non_null(z->items[i].utc[0]);
    assert_non_null(strstr(z->items[i].text, "(UTC"));
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_web_ids),
      cmocka_unit_test(test_mac_semver),
      cmocka_unit_test(test_tld_locale),
      cmocka_unit_test(test_picsum_avatar),
      cmocka_unit_test(test_file),
      cmocka_unit_test(test_fixed_numbers),
      cmocka_unit_test(test_coordinate_formats),
      cmocka_unit_test(test_geojson_geohash),
      cmocka_unit_test(test_codes),
      cmocka_unit_test(test_regions),
      cmocka_unit_test(test_clock_parts),
      cmocka_unit_test(test_hammertime),
      cmocka_unit_test(test_months_timezones),
      cmocka_unit_test(test_music),
      cmocka_unit_test(test_coin_dice_radio),
      cmocka_unit_test(test_normal),
      cmocka_unit_test(test_older_operators_options),
      cmocka_unit_test(test_all_deterministic),
      cmocka_unit_test(test_lists),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
