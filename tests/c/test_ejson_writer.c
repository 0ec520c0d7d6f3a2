/* Tests for the Extended JSON v2 writer (host/codec/ejson_writer.c): exact text for every BSON
 * type, escapes, double and date formatting against slow reference versions, malformed input,
 * and round trips through libbson's own Extended JSON parser.
 * Canonical mode is checked against libbson's bson_as_canonical_extended_json as the oracle.
 * libbson pads its text with spaces ({ "a" : { "$numberInt" : "1" } }) and prints doubles with
 * %.20g ("0.10000000000000000555" where the writer prints "0.1"), so both texts are first
 * normalised (canonical_form): whitespace outside strings removed and every $numberDouble
 * string replaced by %.17g of the double it denotes. What remains must be byte-identical:
 * every wrapper, key order, escape and digit of the other types, and the same double. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the four headers above first */
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "codec/ejson_reader.h"
#include "codec/ejson_writer.h"

/* ---- helpers ---- */

/* The writer's text for b, NUL-terminated in a buffer the caller frees with asr_buf_free. */
static const char *to_ejson(asr_buf_t *out, const bson_t *b) {
  asr_err_t err;
  asr_err_clear(&err);
  asr_buf_reset(out);
  int rc = asr_ejson_append_doc(out, bson_get_data(b), b->len, &err);
  if (rc) fail_msg("unexpected error %d: %s", rc, err.msg);
  assert_int_equal(asr_buf_append(out, "", 1), 0);
  return (const char *)out->data;
}

static void expect_json(const bson_t *b, const char *want) {
  asr_buf_t out;
  asr_buf_init(&out);
  assert_string_equal(to_ejson(&out, b), want);
  asr_buf_free(&out);
}

/* Runs the writer on raw bytes expecting ASR_EDATA with exactly this message; checks that
 * what the buffer held before is untouched. */
static void expect_edata(const uint8_t *doc, uint32_t len, const char *msg) {
  asr_buf_t out;
  asr_err_t err;
  asr_buf_init(&out);
  asr_err_clear(&err);
  assert_int_equal(asr_buf_append_str(&out, "before"), 0);
  assert_int_equal(asr_ejson_append_doc(&out, doc, len, &err), ASR_EDATA);
  assert_int_equal(err.code, ASR_EDATA);
  assert_string_equal(err.msg, msg);
  assert_int_equal(out.len, 6);
  assert_memory_equal(out.data, "before", 6);
  asr_buf_free(&out);
}

/* libbson parses relaxed Extended JSON: our text must give back the same bytes. */
static void expect_round_trip(const bson_t *b) {
  asr_buf_t out;
  asr_buf_init(&out);
  const char *json = to_ejson(&out, b);
  bson_t back;
  bson_error_t error;
  if (!bson_init_from_json(&back, json, -1, &error))
    fail_msg("libbson rejects our output: %s\n%s", error.message, json);
  if (!bson_equal(&back, b)) {
    char *want = bson_as_canonical_extended_json(b, NULL);
    char *got = bson_as_canonical_extended_json(&back, NULL);
    fail_msg("round trip differs\nsent: %s\nwant: %s\ngot:  %s", json, want, got);
  }
  bson_destroy(&back);
  asr_buf_free(&out);
}

/* The writer's canonical text for b (as to_ejson). */
static const char *to_canonical(asr_buf_t *out, const bson_t *b) {
  asr_err_t err;
  asr_err_clear(&err);
  asr_buf_reset(out);
  int rc = asr_ejson_append_doc_mode(out, bson_get_data(b), b->len, ASR_EJSON_CANONICAL, &err);
  if (rc) fail_msg("unexpected error %d: %s", rc, err.msg);
  assert_int_equal(asr_buf_append(out, "", 1), 0);
  return (const char *)out->data;
}

/* The JSON string token at s (s[0] == '"'): its length with the quotes. */
static size_t string_token_len(const char *s) {
  size_t i = 1;
  while (s[i] != '"') i += s[i] == '\\' ? 2 : 1;
  return i + 1;
}

/* Extended JSON text in the form the canonical comparison uses (see the header): whitespace
 * outside strings removed, $numberDouble strings as %.17g of their double. NUL-terminated in
 * out. */
static void canonical_form(const char *json, asr_buf_t *out) {
  asr_buf_reset(out);
  int after_double_key = 0; /* 1: saw "$numberDouble", 2: and its ':' */
  for (const char *p = json; *p;) {
    if (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') {
      p++;
      continue;
    }
    if (*p != '"') {
      after_double_key = after_double_key == 1 && *p == ':' ? 2 : 0;
      assert_int_equal(asr_buf_append(out, p++, 1), 0);
      continue;
    }
    size_t n = string_token_len(p);
    char digits[64];
    if (after_double_key == 2 && n < sizeof digits && p[1] != 'N' && p[1] != 'I' &&
        strncmp(p, "\"-Infinity\"", 11) != 0) {
      memcpy(digits, p + 1, n - 2);
      digits[n - 2] = '\0';
      char *end;
      double d = strtod(digits, &end);
      assert_true(*end == '\0');
      snprintf(digits, sizeof digits, "\"%.17g\"", d);
      assert_int_equal(asr_buf_append_str(out, digits), 0);
    } else {
      assert_int_equal(asr_buf_append(out, p, n), 0);
    }
    after_double_key = n == 15 && strncmp(p, "\"$numberDouble\"", 15) == 0;
    p += n;
  }
  assert_int_equal(asr_buf_append(out, "", 1), 0);
}

/* Canonical text for b: the same as libbson's (in canonical_form), and it reads back to the
 * same BSON bytes through both this project's reader and libbson's parser. */
static void expect_canonical_like_libbson(const bson_t *b) {
  asr_buf_t text, ours, theirs, back_bytes;
  asr_buf_init(&text);
  asr_buf_init(&ours);
  asr_buf_init(&theirs);
  asr_buf_init(&back_bytes);
  const char *json = to_canonical(&text, b);
  char *oracle = bson_as_canonical_extended_json(b, NULL);
  assert_non_null(oracle);
  canonical_form(json, &ours);
  canonical_form(oracle, &theirs);
  if (strcmp((const char *)ours.data, (const char *)theirs.data) != 0)
    fail_msg("canonical text differs from libbson's\nours:   %s\nlibbson: %s", json, oracle);
  bson_free(oracle);

  asr_ejson_status_t st;
  int rc = asr_ejson_read_doc(text.data, text.len - 1, &back_bytes, &st);
  if (rc == ASR_EJSON_OK) {
    if (back_bytes.len != b->len || memcmp(back_bytes.data, bson_get_data(b), b->len) != 0)
      fail_msg("the reader gives other bytes back for\n%s", json);
  } else if (rc != ASR_EJSON_DEFER) { /* deferred records go to libbson, checked next */
    fail_msg("the reader refuses our canonical text (%s):\n%s", st.msg, json);
  }
  bson_t back;
  bson_error_t error;
  if (!bson_init_from_json(&back, json, -1, &error))
    fail_msg("libbson rejects our canonical text: %s\n%s", error.message, json);
  if (!bson_equal(&back, b)) fail_msg("libbson reads other bytes back from\n%s", json);
  bson_destroy(&back);
  asr_buf_free(&text);
  asr_buf_free(&ours);
  asr_buf_free(&theirs);
  asr_buf_free(&back_bytes);
}

/* Slow reference for finite doubles: the rule the writer must follow. */
static void ref_double(double d, char *buf, size_t cap) {
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, cap, "%.*g", prec, d);
    if (prec == 17 || strtod(buf, NULL) == d) break;
  }
  if (!strpbrk(buf, ".e")) strcat(buf, ".0");
}

/* Slow reference for dates in 1970..9999, with gmtime_r. */
static void ref_date(int64_t ms, char *buf, size_t cap) {
  time_t secs = (time_t)(ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  size_t n = strftime(buf, cap, "{\"$date\":\"%Y-%m-%dT%H:%M:%S", &tm);
  if (ms % 1000) n += (size_t)snprintf(buf + n, cap - n, ".%03d", (int)(ms % 1000));
  snprintf(buf + n, cap - n, "Z\"}");
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd(void) { /* xorshift64*: fixed seed, same documents every run */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545F4914F6CDD1DULL;
}
static uint32_t rnd_below(uint32_t n) { return (uint32_t)(rnd() % n); }

/* ---- every type, exact text ---- */

static void test_each_type(void **state) {
  (void)state;
  bson_oid_t oid;
  bson_oid_init_from_string(&oid, "57e193d7a9cc81b4027498b5");
  bson_decimal128_t dec;
  bson_decimal128_from_string("-1.25E+3", &dec);
  const uint8_t bin[] = {1, 2, 3, 4, 5};
  bson_t *scope = BCON_NEW("x", BCON_INT32(1), "y", "[", BCON_UTF8("z"), "]");
  bson_t b = BSON_INITIALIZER, child;

  BSON_APPEND_DOUBLE(&b, "double", 42.42);
  BSON_APPEND_UTF8(&b, "string", "x");
  BSON_APPEND_DOCUMENT_BEGIN(&b, "doc", &child);
  BSON_APPEND_INT32(&child, "a", 1);
  BSON_APPEND_UTF8(&child, "b", "x");
  bson_append_document_end(&b, &child);
  BSON_APPEND_ARRAY_BEGIN(&b, "array", &child);
  BSON_APPEND_INT32(&child, "0", 1);
  BSON_APPEND_BOOL(&child, "1", false);
  bson_append_array_end(&b, &child);
  BSON_APPEND_DOCUMENT_BEGIN(&b, "empty", &child);
  bson_append_document_end(&b, &child);
  BSON_APPEND_ARRAY_BEGIN(&b, "emptyarr", &child);
  bson_append_array_end(&b, &child);
  BSON_APPEND_BINARY(&b, "bin", BSON_SUBTYPE_BINARY, bin, 5);
  BSON_APPEND_BINARY(&b, "bin4", BSON_SUBTYPE_UUID, bin, 4);
  BSON_APPEND_BINARY(&b, "bin80", BSON_SUBTYPE_USER, bin, 3);
  BSON_APPEND_BINARY(&b, "binempty", BSON_SUBTYPE_BINARY, bin, 0);
  BSON_APPEND_BINARY(&b, "binold", BSON_SUBTYPE_BINARY_DEPRECATED, bin, 2);
  BSON_APPEND_UNDEFINED(&b, "undef");
  BSON_APPEND_OID(&b, "oid", &oid);
  BSON_APPEND_BOOL(&b, "t", true);
  BSON_APPEND_BOOL(&b, "f", false);
  BSON_APPEND_DATE_TIME(&b, "date", 1356351330001);
  BSON_APPEND_NULL(&b, "null");
  BSON_APPEND_REGEX(&b, "re", "^a.*\"b\\\\", "imx");
  bson_append_dbpointer(&b, "dbp", -1, "db.coll", &oid);
  BSON_APPEND_CODE(&b, "code", "function(){return 1;}");
  BSON_APPEND_SYMBOL(&b, "sym", "sym");
  BSON_APPEND_CODE_WITH_SCOPE(&b, "cws", "f(x)", scope);
  BSON_APPEND_INT32(&b, "i32", -2147483647 - 1);
  BSON_APPEND_INT32(&b, "i32max", 2147483647);
  bson_append_timestamp(&b, "ts", -1, 4294967295u, 7);
  BSON_APPEND_INT64(&b, "i64", INT64_MIN);
  BSON_APPEND_INT64(&b, "i64max", INT64_MAX);
  BSON_APPEND_INT64(&b, "i64small", 0);
  BSON_APPEND_DECIMAL128(&b, "dec", &dec);
  BSON_APPEND_MINKEY(&b, "min");
  BSON_APPEND_MAXKEY(&b, "max");

  expect_json(
      &b, "{\"double\":42.42,\"string\":\"x\",\"doc\":{\"a\":1,\"b\":\"x\"},\"array\":[1,false],"
          "\"empty\":{},\"emptyarr\":[],"
          "\"bin\":{\"$binary\":{\"base64\":\"AQIDBAU=\",\"subType\":\"00\"}},"
          "\"bin4\":{\"$binary\":{\"base64\":\"AQIDBA==\",\"subType\":\"04\"}},"
          "\"bin80\":{\"$binary\":{\"base64\":\"AQID\",\"subType\":\"80\"}},"
          "\"binempty\":{\"$binary\":{\"base64\":\"\",\"subType\":\"00\"}},"
          "\"binold\":{\"$binary\":{\"base64\":\"AQI=\",\"subType\":\"02\"}},"
          "\"undef\":{\"$undefined\":true},"
          "\"oid\":{\"$oid\":\"57e193d7a9cc81b4027498b5\"},\"t\":true,\"f\":false,"
          "\"date\":{\"$date\":\"2012-12-24T12:15:30.001Z\"},\"null\":null,"
          "\"re\":{\"$regularExpression\":{\"pattern\":\"^a.*\\\"b\\\\\\\\\",\"options\":\"imx\"}},"
          "\"dbp\":{\"$dbPointer\":{\"$ref\":\"db.coll\",\"$id\":{\"$oid\":"
          "\"57e193d7a9cc81b4027498b5\"}}},"
          "\"code\":{\"$code\":\"function(){return 1;}\"},\"sym\":{\"$symbol\":\"sym\"},"
          "\"cws\":{\"$code\":\"f(x)\",\"$scope\":{\"x\":1,\"y\":[\"z\"]}},"
          "\"i32\":-2147483648,\"i32max\":2147483647,"
          "\"ts\":{\"$timestamp\":{\"t\":4294967295,\"i\":7}},"
          "\"i64\":-9223372036854775808,\"i64max\":9223372036854775807,\"i64small\":0,"
          "\"dec\":{\"$numberDecimal\":\"-1.25E+3\"},"
          "\"min\":{\"$minKey\":1},\"max\":{\"$maxKey\":1}}");
  bson_destroy(&b);
  bson_destroy(scope);
}

static void test_empty_document(void **state) {
  (void)state;
  bson_t b = BSON_INITIALIZER;
  expect_json(&b, "{}");
  bson_destroy(&b);
}

/* ---- strings ---- */

static void test_escapes(void **state) {
  (void)state;
  bson_t b = BSON_INITIALIZER;
  BSON_APPEND_UTF8(&b, "q\"k\\\n", "\"\\/\b\f\n\r\t\x01\x1f\x7f end");
  bson_append_utf8(&b, "nul", -1, "a\0b", 3);
  BSON_APPEND_UTF8(&b, "utf8", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbf");
  /* long runs take the 8-bytes-at-a-time path; the escape sits past the first words */
  BSON_APPEND_UTF8(&b, "long", "abcdefghijklmnopqrstuvwxyz0123456789\"ABCDEFGHIJ\x02KL");
  expect_json(&b, "{\"q\\\"k\\\\\\n\":\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f end\","
                  "\"nul\":\"a\\u0000b\","
                  "\"utf8\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbf\","
                  "\"long\":\"abcdefghijklmnopqrstuvwxyz0123456789\\\"ABCDEFGHIJ\\u0002KL\"}");
  expect_round_trip(&b);
  bson_destroy(&b);
}

static void test_every_control_character(void **state) {
  (void)state;
  char s[32], want[512];
  for (int i = 0; i < 31; i++) s[i] = (char)(i + 1); /* 0x01..0x1f; NUL is in test_escapes */
  s[31] = '\0';
  size_t n = (size_t)snprintf(want, sizeof want, "{\"c\":\"");
  for (int i = 0; i < 31; i++) {
    unsigned ch = (unsigned char)s[i];
    const char *short_form = ch == 8    ? "\\b"
                             : ch == 9  ? "\\t"
                             : ch == 10 ? "\\n"
                             : ch == 12 ? "\\f"
                             : ch == 13 ? "\\r"
                                        : NULL;
    if (short_form)
      n += (size_t)snprintf(want + n, sizeof want - n, "%s", short_form);
    else
      n += (size_t)snprintf(want + n, sizeof want - n, "\\u%04x", ch);
  }
  snprintf(want + n, sizeof want - n, "\"}");
  bson_t b = BSON_INITIALIZER;
  BSON_APPEND_UTF8(&b, "c", s);
  expect_json(&b, want);
  expect_round_trip(&b);
  bson_destroy(&b);
}

/* Invalid UTF-8 is an error naming the field (and the buffer is left as it was). */
static void test_invalid_utf8_is_an_error(void **state) {
  (void)state;
  static const char *bad[] = {
      "\xff",             /* never valid */
      "ab\x80",           /* lone continuation byte */
      "\xc0\x80",         /* overlong NUL */
      "\xe0\x80\xaf",     /* overlong '/' */
      "\xed\xa0\x80",     /* UTF-16 surrogate D800 */
      "\xf4\x90\x80\x80", /* above U+10FFFF */
      "\xe2\x82",         /* truncated at the end */
      "abcdefgh\xc3",     /* truncated after a fast 8-byte run */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    bson_t b = BSON_INITIALIZER, child;
    BSON_APPEND_INT32(&b, "first", 1);
    BSON_APPEND_DOCUMENT_BEGIN(&b, "outer", &child);
    BSON_APPEND_UTF8(&child, "bad", bad[i]);
    bson_append_document_end(&b, &child);
    /* first: 1+6+4 = 11 bytes after the length; outer's value at 4+11+1+6 = 22, then
     * "bad" element: type at 26, name 27..30, string length at 31 */
    expect_edata(bson_get_data(&b), b.len,
                 "malformed BSON at byte 31 (field \"outer.bad\"): string is not valid UTF-8");
    bson_destroy(&b);
  }
}

static void test_invalid_utf8_in_name_and_regex(void **state) {
  (void)state;
  bson_t b = BSON_INITIALIZER;
  bson_t child;
  BSON_APPEND_DOCUMENT_BEGIN(&b, "ok\xc3\xa9", &child); /* valid UTF-8 is shown as is */
  bson_append_int32(&child, "k\xfe", -1, 2);
  bson_append_document_end(&b, &child);
  expect_edata(
      bson_get_data(&b), b.len,
      "malformed BSON at byte 15 (field \"ok\xc3\xa9.k?\"): field name is not valid UTF-8");
  bson_destroy(&b);

  /* the same key as a top-level field: path shows it with the bad byte replaced */
  bson_t c = BSON_INITIALIZER;
  bson_append_int32(&c, "\xfe", -1, 2);
  expect_edata(bson_get_data(&c), c.len,
               "malformed BSON at byte 5 (field \"?\"): field name is not valid UTF-8");
  bson_destroy(&c);

  bson_t r = BSON_INITIALIZER;
  BSON_APPEND_REGEX(&r, "re", "a\xff", "i");
  expect_edata(bson_get_data(&r), r.len,
               "malformed BSON at byte 8 (field \"re\"): string is not valid UTF-8");
  bson_destroy(&r);
}

/* ---- doubles ---- */

static void expect_double(double d, const char *want) {
  bson_t b = BSON_INITIALIZER;
  char doc[128];
  BSON_APPEND_DOUBLE(&b, "d", d);
  snprintf(doc, sizeof doc, "{\"d\":%s}", want);
  expect_json(&b, doc);
  bson_destroy(&b);
}

static void test_doubles(void **state) {
  (void)state;
  expect_double(0.1, "0.1");
  expect_double(1.0, "1.0");
  expect_double(-1.0, "-1.0");
  expect_double(0.0, "0.0");
  expect_double(-0.0, "-0.0");
  expect_double(1e300, "1e+300");
  expect_double(5e-324, "4.94065645841247e-324");
  expect_double(123456789012345680.0, "1.2345678901234568e+17");
  expect_double(1e20, "1e+20");
  expect_double(1e15, "1e+15");
  expect_double(999999999999999.0, "999999999999999.0");
  expect_double(1e-5, "1e-05");
  expect_double(0.0001, "0.0001");
  expect_double(1.0 / 3, "0.3333333333333333");
  expect_double(2.0 / 3, "0.6666666666666666");
  expect_double(0.1 + 0.2, "0.30000000000000004");
  expect_double(12.34, "12.34");
  expect_double(-2.5, "-2.5");
  expect_double(1234.5678, "1234.5678");
  expect_double(9007199254740993.0, "9007199254740992.0");
  expect_double(1.7976931348623157e308, "1.7976931348623157e+308");
  expect_double(2.2250738585072014e-308, "2.2250738585072014e-308");
  expect_double(NAN, "{\"$numberDouble\":\"NaN\"}");
  expect_double(INFINITY, "{\"$numberDouble\":\"Infinity\"}");
  expect_double(-INFINITY, "{\"$numberDouble\":\"-Infinity\"}");
}

/* The fast path must agree with the %.15g/%.16g/%.17g rule everywhere, and read back. */
static void test_doubles_match_reference(void **state) {
  (void)state;
  rng_state = 0xA4093822299F31D0ULL;
  asr_buf_t out;
  asr_buf_init(&out);
  for (int i = 0; i < 60000; i++) {
    double d;
    uint64_t r = rnd();
    switch (i % 6) {
    case 0: memcpy(&d, &r, 8); break;                                        /* any bits */
    case 1: d = (double)(int64_t)(r % 2000000001) - 1e9; break;              /* integers */
    case 2: d = (double)(r % 100000000) / pow(10, (double)(r >> 60)); break; /* decimals */
    case 3: d = (double)(r >> 14) + 0.5 * (double)(r & 1); break; /* 15-16 digits, ties */
    case 4: /* powers of two and their neighbours: the gap below is half the gap above */
      d = ldexp(1.0, (int)(r % 70) - 17);
      d = (r & 64) ? nextafter(d, 0) : (r & 128) ? nextafter(d, INFINITY) : d;
      break;
    default: d = (double)(r >> 11) / 9007199254740992.0 * pow(10, (int)(r % 40) - 20); break;
    }
    if (!isfinite(d)) continue;
    bson_t b = BSON_INITIALIZER;
    char want[80], doc[96];
    BSON_APPEND_DOUBLE(&b, "d", d);
    ref_double(d, want, sizeof want);
    snprintf(doc, sizeof doc, "{\"d\":%s}", want);
    const char *got = to_ejson(&out, &b);
    if (strcmp(got, doc) != 0) fail_msg("double %a: got %s, want %s", d, got, doc);
    double back = strtod(got + 5, NULL);
    assert_true(memcmp(&back, &d, 8) == 0);
    bson_destroy(&b);
  }
  asr_buf_free(&out);
}

/* ---- dates ---- */

static void expect_date(int64_t ms, const char *want) {
  bson_t b = BSON_INITIALIZER;
  char doc[128];
  BSON_APPEND_DATE_TIME(&b, "t", ms);
  snprintf(doc, sizeof doc, "{\"t\":%s}", want);
  expect_json(&b, doc);
  bson_destroy(&b);
}

static void test_dates(void **state) {
  (void)state;
  expect_date(0, "{\"$date\":\"1970-01-01T00:00:00Z\"}");
  expect_date(1, "{\"$date\":\"1970-01-01T00:00:00.001Z\"}");
  expect_date(999, "{\"$date\":\"1970-01-01T00:00:00.999Z\"}");
  expect_date(1356351330001, "{\"$date\":\"2012-12-24T12:15:30.001Z\"}");
  expect_date(1356351330500, "{\"$date\":\"2012-12-24T12:15:30.500Z\"}");
  expect_date(951782400000, "{\"$date\":\"2000-02-29T00:00:00Z\"}"); /* leap day, 400-year rule */
  expect_date(4107542399999, "{\"$date\":\"2100-02-28T23:59:59.999Z\"}"); /* 2100 is no leap year */
  expect_date(4107542400000, "{\"$date\":\"2100-03-01T00:00:00Z\"}");
  expect_date(253402300799999, "{\"$date\":\"9999-12-31T23:59:59.999Z\"}");
  expect_date(253402300800000, "{\"$date\":{\"$numberLong\":\"253402300800000\"}}");
  expect_date(-1, "{\"$date\":{\"$numberLong\":\"-1\"}}");
  expect_date(-62135596800000, "{\"$date\":{\"$numberLong\":\"-62135596800000\"}}");
  expect_date(INT64_MIN, "{\"$date\":{\"$numberLong\":\"-9223372036854775808\"}}");
  expect_date(INT64_MAX, "{\"$date\":{\"$numberLong\":\"9223372036854775807\"}}");
}

/* civil-from-days against gmtime_r over the whole ISO range. */
static void test_dates_match_gmtime(void **state) {
  (void)state;
  rng_state = 0x082EFA98EC4E6C89ULL;
  asr_buf_t out;
  asr_buf_init(&out);
  for (int i = 0; i < 50000; i++) {
    int64_t ms = (int64_t)(rnd() % 253402300800000ULL);
    if (i % 3 == 0) ms -= ms % 1000; /* whole seconds: no fraction written */
    if (i % 7 == 0) ms = (int64_t)rnd_below(2932897) * 86400000; /* midnights to 9999-12-31 */
    bson_t b = BSON_INITIALIZER;
    char want[80], doc[96];
    BSON_APPEND_DATE_TIME(&b, "t", ms);
    ref_date(ms, want, sizeof want);
    snprintf(doc, sizeof doc, "{\"t\":%s}", want);
    const char *got = to_ejson(&out, &b);
    if (strcmp(got, doc) != 0) fail_msg("date %lld: got %s, want %s", (long long)ms, got, doc);
    bson_destroy(&b);
  }
  asr_buf_free(&out);
}

/* ---- regex options ---- */

static void test_regex_options_are_sorted(void **state) {
  (void)state;
  /* libbson sorts options itself when appending, so the element is written by hand:
   * {"r": /ab/xmis} = length | 0B 'r' 00 | "ab" 00 | "xmis" 00 | 00 */
  static const uint8_t bytes[] = {16, 0, 0, 0, 0x0B, 'r', 0, 'a', 'b', 0, 'x', 'm', 'i', 's', 0, 0};
  const char *want = "{\"r\":{\"$regularExpression\":{\"pattern\":\"ab\",\"options\":\"imsx\"}}}";
  asr_buf_t out;
  asr_err_t err;
  asr_buf_init(&out);
  asr_err_clear(&err);
  assert_int_equal(asr_ejson_append_doc(&out, bytes, 16, &err), 0);
  assert_int_equal(out.len, strlen(want));
  assert_memory_equal(out.data, want, out.len);
  asr_buf_free(&out);
}

/* ---- round trips ---- */

/* One field of every type (the int64 outside the int32 range: a relaxed integer reads back
 * as the smallest type that holds it). */
static void append_every_type(bson_t *b) {
  bson_oid_t oid;
  bson_oid_init_from_string(&oid, "0123456789abcdef01234567");
  bson_decimal128_t dec;
  bson_decimal128_from_string("1.000000000000000000000000000000001E-6000", &dec);
  const uint8_t bin[] = {0xff, 0, 0x80, 0x7f, 0x10, 0x20, 0x30};
  bson_t *scope = BCON_NEW("s", BCON_UTF8("v"), "n", "{", "d", BCON_DOUBLE(2.5), "}");
  bson_t child, grandchild;
  BSON_APPEND_DOUBLE(b, "d", 0.1);
  BSON_APPEND_DOUBLE(b, "dint", 3.0);
  BSON_APPEND_DOUBLE(b, "dneg0", -0.0);
  BSON_APPEND_DOUBLE(b, "dbig", 1e300);
  BSON_APPEND_DOUBLE(b, "dsub", 5e-324);
  BSON_APPEND_DOUBLE(b, "dinf", INFINITY);
  BSON_APPEND_DOUBLE(b, "dminf", -INFINITY);
  BSON_APPEND_UTF8(b, "s", "x\"\\\n\x01\xc3\xa9");
  BSON_APPEND_DOCUMENT_BEGIN(b, "doc", &child);
  BSON_APPEND_ARRAY_BEGIN(&child, "arr", &grandchild);
  BSON_APPEND_INT32(&grandchild, "0", 7);
  BSON_APPEND_UTF8(&grandchild, "1", "y");
  bson_append_array_end(&child, &grandchild);
  bson_append_document_end(b, &child);
  BSON_APPEND_BINARY(b, "bin", BSON_SUBTYPE_BINARY, bin, sizeof bin);
  BSON_APPEND_BINARY(b, "bin80", BSON_SUBTYPE_USER, bin, 2);
  BSON_APPEND_UNDEFINED(b, "u");
  BSON_APPEND_OID(b, "o", &oid);
  BSON_APPEND_BOOL(b, "t", true);
  BSON_APPEND_DATE_TIME(b, "date", 1700000000123);
  BSON_APPEND_DATE_TIME(b, "date0", 1700000000000);
  BSON_APPEND_DATE_TIME(b, "dateold", -86400000);
  BSON_APPEND_DATE_TIME(b, "datefar", 253402300800000 + 1);
  BSON_APPEND_NULL(b, "n");
  BSON_APPEND_REGEX(b, "re", "^[a-z]+\\d\"$", "imsux");
  bson_append_dbpointer(b, "dbp", -1, "db.coll", &oid);
  BSON_APPEND_CODE(b, "code", "function(){}");
  BSON_APPEND_SYMBOL(b, "sym", "sym");
  BSON_APPEND_CODE_WITH_SCOPE(b, "cws", "f()", scope);
  BSON_APPEND_INT32(b, "i32", -5);
  bson_append_timestamp(b, "ts", -1, 1700000000, 42);
  BSON_APPEND_INT64(b, "i64", 5000000000LL); /* within int32 range it would read back as int32 */
  BSON_APPEND_DECIMAL128(b, "dec", &dec);
  BSON_APPEND_MINKEY(b, "min");
  BSON_APPEND_MAXKEY(b, "max");
  bson_destroy(scope);
}

static void test_round_trip_every_type(void **state) {
  (void)state;
  bson_t b = BSON_INITIALIZER;
  append_every_type(&b);
  expect_round_trip(&b);
  bson_destroy(&b);
}

static void random_string(char *s, size_t cap) {
  static const char *pieces[] = {"a",
                                 "Z",
                                 "0",
                                 " ",
                                 "\"",
                                 "\\",
                                 "/",
                                 "\n",
                                 "\t",
                                 "\x01",
                                 "\x1f",
                                 "\x7f",
                                 "\xc3\xa9",
                                 "\xe2\x82\xac",
                                 "\xf0\x9f\x98\x80",
                                 "abcdefgh",
                                 "12345678"};
  size_t n = 0, parts = rnd_below(12);
  for (size_t i = 0; i < parts; i++) {
    const char *p = pieces[rnd_below(sizeof pieces / sizeof pieces[0])];
    size_t len = strlen(p);
    if (n + len + 1 > cap) break;
    memcpy(s + n, p, len);
    n += len;
  }
  s[n] = '\0';
}

static double random_double(void) {
  double d;
  for (;;) {
    uint64_t r = rnd();
    switch (r % 3) {
    case 0: memcpy(&d, &r, 8); break;
    case 1: d = (double)(int64_t)(rnd() % 100000) / 100; break;
    default: d = (double)(int64_t)(rnd() % 1000000); break;
    }
    if (!isnan(d)) return d; /* NaN payloads would not compare equal byte for byte */
  }
}

static void random_doc(bson_t *b, int depth, int is_array);

/* 1: int64 values anywhere in their range (canonical tests); 0: outside the int32 range only,
 * as a relaxed integer reads back as the smallest type that holds it. */
static int random_any_int64;

static void random_value(bson_t *b, const char *key, int depth) {
  char s[128];
  uint8_t bytes[24];
  for (size_t i = 0; i < sizeof bytes; i++) bytes[i] = (uint8_t)rnd();
  uint32_t kind = rnd_below(depth < 4 ? 14 : 12);
  bson_t child;
  switch (kind) {
  case 0:
  case 1: BSON_APPEND_DOUBLE(b, key, random_double()); break;
  case 2:
    random_string(s, sizeof s);
    BSON_APPEND_UTF8(b, key, s);
    break;
  case 3: BSON_APPEND_INT32(b, key, (int32_t)rnd()); break;
  case 4: { /* outside int32: relaxed integers read back as the smallest type that fits */
    int64_t v = (int64_t)rnd();
    if (random_any_int64 && (rnd() & 1)) v = (int32_t)v >> rnd_below(32);
    else if (v >= INT32_MIN && v <= INT32_MAX) v += INT64_C(1) << 40;
    BSON_APPEND_INT64(b, key, v);
    break;
  }
  case 5: BSON_APPEND_BOOL(b, key, rnd() & 1); break;
  case 6: BSON_APPEND_NULL(b, key); break;
  case 7: { /* mostly in the ISO range, sometimes outside */
    int64_t ms = (rnd() & 3) ? (int64_t)(rnd() % 253402300800000ULL) : (int64_t)rnd() >> 8;
    BSON_APPEND_DATE_TIME(b, key, ms);
    break;
  }
  case 8: {
    bson_oid_t oid;
    memcpy(oid.bytes, bytes, 12);
    BSON_APPEND_OID(b, key, &oid);
    break;
  }
  case 9: {
    static const bson_subtype_t subs[] = {BSON_SUBTYPE_BINARY, BSON_SUBTYPE_UUID, BSON_SUBTYPE_MD5,
                                          BSON_SUBTYPE_USER};
    BSON_APPEND_BINARY(b, key, subs[rnd_below(4)], bytes, rnd_below(sizeof bytes + 1));
    break;
  }
  case 10: bson_append_timestamp(b, key, -1, (uint32_t)rnd(), (uint32_t)rnd()); break;
  case 11: {
    bson_decimal128_t dec;
    snprintf(s, sizeof s, "%lld.%02uE%d", (long long)(int32_t)rnd(), rnd_below(100),
             (int)rnd_below(100) - 50);
    assert_true(bson_decimal128_from_string(s, &dec));
    BSON_APPEND_DECIMAL128(b, key, &dec);
    break;
  }
  case 12:
    BSON_APPEND_DOCUMENT_BEGIN(b, key, &child);
    random_doc(&child, depth + 1, 0);
    bson_append_document_end(b, &child);
    break;
  default:
    BSON_APPEND_ARRAY_BEGIN(b, key, &child);
    random_doc(&child, depth + 1, 1);
    bson_append_array_end(b, &child);
    break;
  }
}

static void random_doc(bson_t *b, int depth, int is_array) {
  uint32_t n = rnd_below(depth == 0 ? 16 : 6);
  for (uint32_t i = 0; i < n; i++) {
    char key[160];
    if (is_array) {
      snprintf(key, sizeof key, "%u", i);
    } else if (rnd() & 1) {
      snprintf(key, sizeof key, "k%u", i);
    } else {
      random_string(key + 1, sizeof key - 1);
      key[0] = '_'; /* never '$': a $-key could read back as a type wrapper */
    }
    random_value(b, key, depth);
  }
}

static void test_random_round_trip(void **state) {
  (void)state;
  rng_state = 0x243F6A8885A308D3ULL;
  for (int i = 0; i < 3000; i++) {
    bson_t b = BSON_INITIALIZER;
    random_doc(&b, 0, 0);
    expect_round_trip(&b);
    bson_destroy(&b);
  }
}

/* ---- canonical mode ---- */

static void expect_canonical(const bson_t *b, const char *want) {
  asr_buf_t out;
  asr_buf_init(&out);
  assert_string_equal(to_canonical(&out, b), want);
  asr_buf_free(&out);
}

/* The oracle's normalisation itself: spaces outside strings go, double digits become %.17g,
 * nothing else changes. */
static void test_canonical_form(void **state) {
  (void)state;
  asr_buf_t out;
  asr_buf_init(&out);
  canonical_form("{ \"a\" : { \"$numberDouble\" : \"0.10000000000000000555\" }, "
                 "\"s p\" : \"x \\\" y\", \"n\" : { \"$numberDouble\" : \"-Infinity\" }, "
                 "\"z\" : [ { \"$numberDouble\" : \"-0.0\" }, \"$numberDouble\", \"1.50\" ] }",
                 &out);
  assert_string_equal((const char *)out.data,
                      "{\"a\":{\"$numberDouble\":\"0.10000000000000001\"},\"s p\":\"x \\\" y\","
                      "\"n\":{\"$numberDouble\":\"-Infinity\"},"
                      "\"z\":[{\"$numberDouble\":\"-0\"},\"$numberDouble\",\"1.50\"]}");
  asr_buf_free(&out);
}

static void test_mode_names(void **state) {
  (void)state;
  asr_ejson_mode_t mode = ASR_EJSON_CANONICAL;
  assert_int_equal(asr_ejson_mode_parse("relaxed", &mode), 0);
  assert_int_equal(mode, ASR_EJSON_RELAXED);
  assert_int_equal(asr_ejson_mode_parse("canonical", &mode), 0);
  assert_int_equal(mode, ASR_EJSON_CANONICAL);
  assert_int_equal(asr_ejson_mode_parse("Canonical", &mode), -1);
  assert_int_equal(asr_ejson_mode_parse("", &mode), -1);
  assert_int_equal(asr_ejson_mode_parse(NULL, &mode), -1);
  assert_int_equal(mode, ASR_EJSON_CANONICAL); /* unchanged by a bad name */
  assert_string_equal(asr_ejson_mode_name(ASR_EJSON_RELAXED), "relaxed");
  assert_string_equal(asr_ejson_mode_name(ASR_EJSON_CANONICAL), "canonical");
}

/* Exact text: numbers and dates wrapped, everything else as in relaxed mode (nested
 * documents, arrays and scopes included). */
static void test_canonical_each_type(void **state) {
  (void)state;
  bson_oid_t oid;
  bson_oid_init_from_string(&oid, "57e193d7a9cc81b4027498b5");
  bson_decimal128_t dec;
  bson_decimal128_from_string("-1.25E+3", &dec);
  const uint8_t bin[] = {1, 2, 3, 4, 5};
  bson_t *scope = BCON_NEW("x", BCON_INT32(1), "y", "[", BCON_INT64(2), BCON_DOUBLE(0.5), "]");
  bson_t b = BSON_INITIALIZER, child;
  BSON_APPEND_DOUBLE(&b, "double", 42.42);
  BSON_APPEND_DOUBLE(&b, "dint", 3.0);
  BSON_APPEND_UTF8(&b, "string", "x\n");
  BSON_APPEND_DOCUMENT_BEGIN(&b, "doc", &child);
  BSON_APPEND_INT32(&child, "a", 1);
  BSON_APPEND_INT64(&child, "b", 1);
  bson_append_document_end(&b, &child);
  BSON_APPEND_ARRAY_BEGIN(&b, "array", &child);
  BSON_APPEND_INT32(&child, "0", -1);
  BSON_APPEND_DATE_TIME(&child, "1", 0);
  bson_append_array_end(&b, &child);
  BSON_APPEND_BINARY(&b, "bin", BSON_SUBTYPE_BINARY, bin, 5);
  BSON_APPEND_BINARY(&b, "binold", BSON_SUBTYPE_BINARY_DEPRECATED, bin, 2);
  BSON_APPEND_UNDEFINED(&b, "undef");
  BSON_APPEND_OID(&b, "oid", &oid);
  BSON_APPEND_BOOL(&b, "t", true);
  BSON_APPEND_DATE_TIME(&b, "date", 1356351330001);
  BSON_APPEND_NULL(&b, "null");
  BSON_APPEND_REGEX(&b, "re", "^a", "xi");
  bson_append_dbpointer(&b, "dbp", -1, "db.coll", &oid);
  BSON_APPEND_CODE(&b, "code", "f()");
  BSON_APPEND_SYMBOL(&b, "sym", "sym");
  BSON_APPEND_CODE_WITH_SCOPE(&b, "cws", "f(x)", scope);
  BSON_APPEND_INT32(&b, "i32", -2147483647 - 1);
  bson_append_timestamp(&b, "ts", -1, 4294967295u, 7);
  BSON_APPEND_INT64(&b, "i64", INT64_MIN);
  BSON_APPEND_INT64(&b, "i64small", 42);
  BSON_APPEND_DECIMAL128(&b, "dec", &dec);
  BSON_APPEND_MINKEY(&b, "min");
  BSON_APPEND_MAXKEY(&b, "max");
  expect_canonical(
      &b, "{\"double\":{\"$numberDouble\":\"42.42\"},\"dint\":{\"$numberDouble\":\"3.0\"},"
          "\"string\":\"x\\n\","
          "\"doc\":{\"a\":{\"$numberInt\":\"1\"},\"b\":{\"$numberLong\":\"1\"}},"
          "\"array\":[{\"$numberInt\":\"-1\"},{\"$date\":{\"$numberLong\":\"0\"}}],"
          "\"bin\":{\"$binary\":{\"base64\":\"AQIDBAU=\",\"subType\":\"00\"}},"
          "\"binold\":{\"$binary\":{\"base64\":\"AQI=\",\"subType\":\"02\"}},"
          "\"undef\":{\"$undefined\":true},"
          "\"oid\":{\"$oid\":\"57e193d7a9cc81b4027498b5\"},\"t\":true,"
          "\"date\":{\"$date\":{\"$numberLong\":\"1356351330001\"}},\"null\":null,"
          "\"re\":{\"$regularExpression\":{\"pattern\":\"^a\",\"options\":\"ix\"}},"
          "\"dbp\":{\"$dbPointer\":{\"$ref\":\"db.coll\",\"$id\":{\"$oid\":"
          "\"57e193d7a9cc81b4027498b5\"}}},"
          "\"code\":{\"$code\":\"f()\"},\"sym\":{\"$symbol\":\"sym\"},"
          "\"cws\":{\"$code\":\"f(x)\",\"$scope\":{\"x\":{\"$numberInt\":\"1\"},"
          "\"y\":[{\"$numberLong\":\"2\"},{\"$numberDouble\":\"0.5\"}]}},"
          "\"i32\":{\"$numberInt\":\"-2147483648\"},"
          "\"ts\":{\"$timestamp\":{\"t\":4294967295,\"i\":7}},"
          "\"i64\":{\"$numberLong\":\"-9223372036854775808\"},"
          "\"i64small\":{\"$numberLong\":\"42\"},"
          "\"dec\":{\"$numberDecimal\":\"-1.25E+3\"},"
          "\"min\":{\"$minKey\":1},\"max\":{\"$maxKey\":1}}");
  expect_canonical_like_libbson(&b);
  bson_destroy(&b);
  bson_destroy(scope);
}

/* The values where relaxed and canonical part: int64 inside the int32 range, -0.0, integral
 * and extreme doubles, non-finite ones, dates on both sides of 1970..9999. */
static void test_canonical_numbers_and_dates(void **state) {
  (void)state;
  static const struct { double d; const char *text; } doubles[] = {
      {0.0, "{\"$numberDouble\":\"0.0\"}"},
      {-0.0, "{\"$numberDouble\":\"-0.0\"}"},
      {1.0, "{\"$numberDouble\":\"1.0\"}"},
      {-2.5, "{\"$numberDouble\":\"-2.5\"}"},
      {0.1, "{\"$numberDouble\":\"0.1\"}"},
      {1e300, "{\"$numberDouble\":\"1e+300\"}"},
      {5e-324, "{\"$numberDouble\":\"4.94065645841247e-324\"}"}, /* 15 digits read back */
      {-1.7976931348623157e308, "{\"$numberDouble\":\"-1.7976931348623157e+308\"}"},
      {NAN, "{\"$numberDouble\":\"NaN\"}"},
      {INFINITY, "{\"$numberDouble\":\"Infinity\"}"},
      {-INFINITY, "{\"$numberDouble\":\"-Infinity\"}"},
  };
  for (size_t i = 0; i < sizeof doubles / sizeof doubles[0]; i++) {
    char want[128];
    bson_t b = BSON_INITIALIZER;
    BSON_APPEND_DOUBLE(&b, "d", doubles[i].d);
    snprintf(want, sizeof want, "{\"d\":%s}", doubles[i].text);
    expect_canonical(&b, want);
    expect_canonical_like_libbson(&b);
    bson_destroy(&b);
  }
  static const int64_t longs[] = {0, 1, -1, 100, INT32_MAX, INT32_MIN, INT64_C(1) << 32,
                                  INT64_MAX, INT64_MIN};
  for (size_t i = 0; i < sizeof longs / sizeof longs[0]; i++) {
    char want[128];
    bson_t b = BSON_INITIALIZER;
    BSON_APPEND_INT64(&b, "n", longs[i]);
    BSON_APPEND_DATE_TIME(&b, "t", longs[i]);
    snprintf(want, sizeof want, "{\"n\":{\"$numberLong\":\"%lld\"},"
             "\"t\":{\"$date\":{\"$numberLong\":\"%lld\"}}}",
             (long long)longs[i], (long long)longs[i]);
    expect_canonical(&b, want);
    expect_canonical_like_libbson(&b);
    bson_destroy(&b);
  }
  static const int32_t ints[] = {0, 1, -1, INT32_MAX, INT32_MIN};
  for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
    char want[64];
    bson_t b = BSON_INITIALIZER;
    BSON_APPEND_INT32(&b, "i", ints[i]);
    snprintf(want, sizeof want, "{\"i\":{\"$numberInt\":\"%d\"}}", ints[i]);
    expect_canonical(&b, want);
    expect_canonical_like_libbson(&b);
    bson_destroy(&b);
  }
  /* the ISO date range's edges: relaxed writes strings inside it, canonical never does */
  static const int64_t dates[] = {-1, 253402300799999, 253402300800000};
  for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
    bson_t b = BSON_INITIALIZER;
    BSON_APPEND_DATE_TIME(&b, "t", dates[i]);
    expect_canonical_like_libbson(&b);
    bson_destroy(&b);
  }
}

static void test_canonical_every_type_like_libbson(void **state) {
  (void)state;
  bson_t b = BSON_INITIALIZER;
  append_every_type(&b);
  BSON_APPEND_INT64(&b, "i64small", 7);
  BSON_APPEND_DOUBLE(&b, "dnan", NAN);
  BSON_APPEND_UTF8(&b, "nul", "");
  bson_append_utf8(&b, "withnul", -1, "a\0b", 3);
  expect_canonical_like_libbson(&b);
  bson_destroy(&b);
  bson_t empty = BSON_INITIALIZER;
  expect_canonical(&empty, "{}");
  expect_canonical_like_libbson(&empty);
}

static void test_canonical_random_like_libbson(void **state) {
  (void)state;
  rng_state = 0x13198A2E03707344ULL;
  random_any_int64 = 1;
  for (int i = 0; i < 3000; i++) {
    bson_t b = BSON_INITIALIZER;
    random_doc(&b, 0, 0);
    expect_canonical_like_libbson(&b);
    bson_destroy(&b);
  }
  random_any_int64 = 0;
}

/* Relaxed output is unchanged by canonical mode's existence: the same document both ways. */
static void test_canonical_lines(void **state) {
  (void)state;
  asr_docs_t docs;
  asr_docs_init(&docs);
  for (int i = 0; i < 2; i++) {
    bson_t *b = BCON_NEW("_id", BCON_INT64(i), "at", BCON_DATE_TIME(86400000));
    assert_int_equal(asr_docs_append_bson(&docs, b), 0);
    bson_destroy(b);
  }
  asr_buf_t out;
  asr_err_t err;
  asr_buf_init(&out);
  asr_err_clear(&err);
  assert_int_equal(asr_ejson_append_lines_mode(&out, &docs, ASR_EJSON_CANONICAL, &err), 0);
  const char *want =
      "{\"_id\":{\"$numberLong\":\"0\"},\"at\":{\"$date\":{\"$numberLong\":\"86400000\"}}}\n"
      "{\"_id\":{\"$numberLong\":\"1\"},\"at\":{\"$date\":{\"$numberLong\":\"86400000\"}}}\n";
  assert_int_equal(out.len, strlen(want));
  assert_memory_equal(out.data, want, out.len);
  asr_buf_reset(&out);
  assert_int_equal(asr_ejson_append_lines_mode(&out, &docs, ASR_EJSON_RELAXED, &err), 0);
  want = "{\"_id\":0,\"at\":{\"$date\":\"1970-01-02T00:00:00Z\"}}\n"
         "{\"_id\":1,\"at\":{\"$date\":\"1970-01-02T00:00:00Z\"}}\n";
  assert_int_equal(out.len, strlen(want));
  assert_memory_equal(out.data, want, out.len);
  /* errors are reported the same way: nothing appended, the document named */
  docs.buf.data[docs.buf.len - 1] = 1;
  asr_buf_reset(&out);
  assert_int_equal(asr_ejson_append_lines_mode(&out, &docs, ASR_EJSON_CANONICAL, &err), ASR_EDATA);
  assert_string_equal(err.msg, "document 2: malformed BSON at byte 29: document not terminated "
                               "by a NUL byte");
  assert_int_equal(out.len, 0);
  asr_buf_free(&out);
  asr_docs_free(&docs);
}

/* ---- lines ---- */

static void test_append_lines(void **state) {
  (void)state;
  asr_docs_t docs;
  asr_docs_init(&docs);
  for (int i = 0; i < 3; i++) {
    bson_t *b = BCON_NEW("_id", BCON_INT32(i), "s", BCON_UTF8("a\nb"));
    assert_int_equal(asr_docs_append_bson(&docs, b), 0);
    bson_destroy(b);
  }
  asr_buf_t out;
  asr_err_t err;
  asr_buf_init(&out);
  asr_err_clear(&err);
  assert_int_equal(asr_ejson_append_lines(&out, &docs, &err), 0);
  const char *want = "{\"_id\":0,\"s\":\"a\\nb\"}\n{\"_id\":1,\"s\":\"a\\nb\"}\n"
                     "{\"_id\":2,\"s\":\"a\\nb\"}\n";
  assert_int_equal(out.len, strlen(want));
  assert_memory_equal(out.data, want, out.len);
  size_t lines = 0;
  for (size_t i = 0; i < out.len; i++) lines += out.data[i] == '\n';
  assert_int_equal(lines, 3);

  /* an empty batch writes nothing */
  asr_docs_t none;
  asr_docs_init(&none);
  asr_buf_reset(&out);
  assert_int_equal(asr_ejson_append_lines(&out, &none, &err), 0);
  assert_int_equal(out.len, 0);

  /* a bad second document: error names it, nothing is appended */
  docs.buf.data[docs.buf.len - 1] = 1; /* third document loses its terminating NUL */
  assert_int_equal(asr_buf_append_str(&out, "kept"), 0);
  assert_int_equal(asr_ejson_append_lines(&out, &docs, &err), ASR_EDATA);
  assert_string_equal(err.msg, "document 3: malformed BSON at byte 24: document not terminated "
                               "by a NUL byte");
  assert_int_equal(out.len, 4);
  docs.buf.data[docs.buf.len - 1] = 0;

  /* the count must match what the buffer holds */
  asr_err_clear(&err);
  docs.count = 4;
  assert_int_equal(asr_ejson_append_lines(&out, &docs, &err), ASR_EDATA);
  assert_string_equal(err.msg, "batch holds 3 documents, its count says 4");
  assert_int_equal(out.len, 4);

  /* a length running past the end of the buffer */
  asr_err_clear(&err);
  docs.count = 3;
  docs.buf.len -= 3;
  assert_int_equal(asr_ejson_append_lines(&out, &docs, &err), ASR_EDATA);
  assert_string_equal(err.msg, "document 3: length 25 out of bounds (22 bytes left)");
  assert_int_equal(out.len, 4);

  asr_buf_free(&out);
  asr_docs_free(&docs);
}

/* ---- malformed BSON ---- */

static void test_malformed(void **state) {
  (void)state;
  /* {"s":"ab"}: 15 00 00 00 | 02 's' 00 | 03 00 00 00 'a' 'b' 00 | 00 */
  const uint8_t good[] = {15, 0, 0, 0, 2, 's', 0, 3, 0, 0, 0, 'a', 'b', 0, 0};
  uint8_t d[64];

  expect_edata(good, 10,
               "malformed BSON at byte 0: document length field 15 does not match its size 10");
  expect_edata(good, 3,
               "malformed BSON at byte 0: document length field 0 does not match its size 3");
  expect_edata(NULL, 0,
               "malformed BSON at byte 0: document length field 0 does not match its size 0");

  memcpy(d, good, 15);
  d[14] = 7;
  expect_edata(d, 15, "malformed BSON at byte 14: document not terminated by a NUL byte");

  memcpy(d, good, 15);
  d[7] = 100;
  expect_edata(d, 15, "malformed BSON at byte 7 (field \"s\"): string length 100 out of bounds");

  memcpy(d, good, 15);
  d[7] = 0;
  expect_edata(d, 15, "malformed BSON at byte 7 (field \"s\"): string length 0 out of bounds");

  memcpy(d, good, 15);
  d[13] = 'c';
  expect_edata(d, 15,
               "malformed BSON at byte 7 (field \"s\"): string not terminated by a NUL byte");

  memcpy(d, good, 15);
  d[4] = 0x20;
  expect_edata(d, 15, "malformed BSON at byte 7 (field \"s\"): unknown BSON type 0x20");

  memcpy(d, good, 15);
  d[6] = 'x'; /* the name runs on into the value and never ends before the document does */
  memset(d + 7, 'y', 7);
  expect_edata(d, 15, "malformed BSON at byte 4: field name not terminated by a NUL byte");

  /* {"b":true} with the bool byte 2 */
  const uint8_t boolean[] = {9, 0, 0, 0, 8, 'b', 0, 2, 0};
  expect_edata(boolean, 9,
               "malformed BSON at byte 7 (field \"b\"): boolean value 2 is neither 0 nor 1");

  /* {"i":int32} cut to 2 value bytes */
  const uint8_t short_int[] = {10, 0, 0, 0, 0x10, 'i', 0, 1, 0, 0};
  expect_edata(short_int, 10,
               "malformed BSON at byte 7 (field \"i\"): value of type 0x10 truncated");

  /* {"d":{"x":null}} with the inner length too big, then too small */
  const uint8_t nested[] = {16, 0, 0, 0, 3, 'd', 0, 8, 0, 0, 0, 0x0A, 'x', 0, 0, 0};
  memcpy(d, nested, 16);
  d[7] = 40;
  expect_edata(d, 16,
               "malformed BSON at byte 7 (field \"d\"): document length 40 out of bounds "
               "(8 bytes left)");
  memcpy(d, nested, 16);
  d[7] = 6; /* inner document ends inside the "x" element: its last byte is not NUL */
  expect_edata(d, 16,
               "malformed BSON at byte 12 (field \"d\"): document not terminated by a NUL byte");

  /* binary length past the end */
  const uint8_t bin[] = {14, 0, 0, 0, 5, 'b', 0, 9, 0, 0, 0, 0, 0xAA, 0};
  expect_edata(bin, 14, "malformed BSON at byte 7 (field \"b\"): binary length 9 out of bounds");
  /* old binary (subtype 2) whose inner length disagrees */
  const uint8_t old[] = {18, 0, 0, 0, 5, 'b', 0, 5, 0, 0, 0, 2, 9, 0, 0, 0, 0xAA, 0};
  expect_edata(
      old, 18,
      "malformed BSON at byte 7 (field \"b\"): binary subtype 2 inner length does not match");

  /* code with scope whose total length disagrees with its parts */
  bson_t *scope = BCON_NEW("x", BCON_INT32(1));
  bson_t cws = BSON_INITIALIZER;
  BSON_APPEND_CODE_WITH_SCOPE(&cws, "c", "f", scope);
  memcpy(d, bson_get_data(&cws), cws.len);
  d[7] += 1; /* total says one more byte than string + scope */
  d[0] += 1;
  d[cws.len] = 0;
  expect_edata(d, cws.len + 1,
               "malformed BSON at byte 7 (field \"c\"): code with scope: scope "
               "length does not match the total length");
  bson_destroy(&cws);
  bson_destroy(scope);

  /* regex without the options terminator */
  const uint8_t re[] = {11, 0, 0, 0, 0x0B, 'r', 0, 'a', 0, 'i', 0};
  expect_edata(
      re, 11, "malformed BSON at byte 9 (field \"r\"): regex options not terminated by a NUL byte");
}

/* Builds {"a":{"a":...{}...}} with `levels` nested documents into buf; returns its length. */
static uint32_t nested_doc(uint8_t *buf, int levels) {
  /* innermost {} is 5 bytes; each level adds type, "a", NUL, length and terminator: 8 */
  uint32_t len = 5 + 8 * (uint32_t)levels;
  uint8_t *p = buf;
  uint32_t inner = len;
  for (int i = 0; i <= levels; i++) {
    memcpy(p, &inner, 4);
    p += 4;
    if (i < levels) {
      *p++ = 3;
      *p++ = 'a';
      *p++ = 0;
    }
    inner -= 8;
  }
  for (int i = 0; i <= levels; i++) *p++ = 0;
  assert_int_equal((uint32_t)(p - buf), len);
  return len;
}

static void test_depth_limit(void **state) {
  (void)state;
  static uint8_t buf[4096];
  asr_buf_t out;
  asr_err_t err;
  asr_buf_init(&out);
  asr_err_clear(&err);
  uint32_t len = nested_doc(buf, ASR_EJSON_MAX_DEPTH);
  assert_int_equal(asr_ejson_append_doc(&out, buf, len, &err), 0);
  assert_int_equal(out.len, 1 + (size_t)ASR_EJSON_MAX_DEPTH * 5 + 1 + ASR_EJSON_MAX_DEPTH);
  assert_memory_equal(out.data, "{\"a\":{\"a\":{", 11);

  len = nested_doc(buf, ASR_EJSON_MAX_DEPTH + 1);
  asr_buf_reset(&out);
  assert_int_equal(asr_ejson_append_doc(&out, buf, len, &err), ASR_EDATA);
  assert_non_null(strstr(err.msg, "documents nested deeper than 200 levels"));
  assert_int_equal(out.len, 0);
  asr_buf_free(&out);
}

/* A long string of control characters grows an empty buffer to 6x its size. */
static void test_large_escaped_string(void **state) {
  (void)state;
  size_t n = 200000;
  char *s = malloc(n + 1);
  assert_non_null(s);
  memset(s, 0x01, n);
  s[n] = '\0';
  bson_t b = BSON_INITIALIZER;
  BSON_APPEND_UTF8(&b, "s", s);
  asr_buf_t out;
  asr_err_t err;
  asr_buf_init(&out);
  asr_err_clear(&err);
  assert_int_equal(asr_ejson_append_doc(&out, bson_get_data(&b), b.len, &err), 0);
  assert_int_equal(out.len, 6 + 6 * n + 2);
  assert_memory_equal(out.data + out.len - 8, "\\u0001\"}", 8);
  asr_buf_free(&out);
  bson_destroy(&b);
  free(s);
}

/* Reference escaper for valid UTF-8: what the writer must produce for a string, quoted. */
static size_t ref_quote(const char *s, size_t n, char *out) {
  size_t o = 0;
  out[o++] = '"';
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    const char *e = ch == '"' ? "\\\"" : ch == '\\' ? "\\\\" : ch == '\n' ? "\\n" : ch == '\t' ? "\\t"
                  : ch == '\r' ? "\\r" : ch == '\b' ? "\\b" : ch == '\f' ? "\\f" : NULL;
    if (e) {
      o += (size_t)sprintf(out + o, "%s", e);
    } else if (ch < 0x20) {
      o += (size_t)sprintf(out + o, "\\u%04x", ch);
    } else {
      out[o++] = (char)ch;
    }
  }
  out[o++] = '"';
  return o;
}

/* Strings and names of every length up to three blocks, with a character that needs care at
 * every position (or none), as the last element (the writer cannot read a block past it) and
 * not: the block-at-a-time path and the byte path must agree with the reference. Each
 * document sits in a buffer of its exact size, so ASan catches a read past it. */
static void test_strings_every_length_and_position(void **state) {
  (void)state;
  static const char *const special[] = {NULL, "\"", "\\", "\n", "\x01", "\x7f", "\x1f",
                                        "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"};
  char str[64], want[1024];
  asr_buf_t out;
  asr_buf_init(&out);
  int cases = 0;
  for (size_t len = 0; len <= 48; len++) {
    for (size_t k = 0; k < sizeof special / sizeof *special; k++) {
      size_t sl = special[k] ? strlen(special[k]) : 0;
      for (size_t pos = 0; pos + sl <= len && (special[k] || pos == 0); pos++) {
        for (size_t i = 0; i < len; i++) str[i] = (char)('a' + (i * 7) % 26);
        if (sl) memcpy(str + pos, special[k], sl);
        for (int last = 0; last <= 1; last++) {
          bson_t b = BSON_INITIALIZER;
          bson_append_utf8(&b, str, (int)len, str, (int)len); /* as name and as value */
          if (!last) BSON_APPEND_INT32(&b, "z", 1);
          size_t n = 0;
          want[n++] = '{';
          n += ref_quote(str, len, want + n);
          want[n++] = ':';
          n += ref_quote(str, len, want + n);
          n += (size_t)sprintf(want + n, "%s", last ? "}" : ",\"z\":1}");
          uint8_t *d = malloc(b.len);
          assert_non_null(d);
          memcpy(d, bson_get_data(&b), b.len);
          asr_err_t err;
          asr_err_clear(&err);
          asr_buf_reset(&out);
          if (asr_ejson_append_doc(&out, d, b.len, &err))
            fail_msg("len %zu special %zu pos %zu: %s", len, k, pos, err.msg);
          if (out.len != n || memcmp(out.data, want, n) != 0)
            fail_msg("len %zu special %zu pos %zu last %d\nwant %.*s\ngot  %.*s", len, k, pos, last,
                     (int)n, want, (int)out.len, (const char *)out.data);
          free(d);
          bson_destroy(&b);
          cases++;
        }
      }
    }
  }
  /* per length 0..48: one plain string, and len - size + 1 positions for each special:
   * six of 1 byte, one each of 2, 3 and 4 bytes; each twice (last or not) */
  assert_int_equal(cases, 2 * (49 + 6 * 48 * 49 / 2 + 47 * 48 / 2 + 46 * 47 / 2 + 45 * 46 / 2));
  asr_buf_free(&out);
}

/* Random damage to a document holding every type: the writer must either refuse it with
 * ASR_EDATA (leaving the buffer alone) or write valid UTF-8 JSON. Each damaged copy sits in a
 * buffer of its exact size, so ASan catches any read past it. */
static void test_damaged_bson(void **state) {
  (void)state;
  bson_t b = BSON_INITIALIZER;
  append_every_type(&b);
  const uint8_t *src = bson_get_data(&b);
  asr_buf_t out;
  asr_buf_init(&out);
  rng_state = 0x13198A2E03707344ULL;
  int written = 0, refused = 0;
  for (int i = 0; i < 20000; i++) {
    uint32_t len = b.len;
    if (i % 4 == 0) len = 5 + rnd_below(b.len - 5); /* cut short, length field patched */
    uint8_t *d = malloc(len);
    assert_non_null(d);
    memcpy(d, src, len);
    if (len != b.len) {
      memcpy(d, &len, 4);
      d[len - 1] = 0;
    }
    for (uint32_t f = 1 + rnd_below(3); f > 0; f--)
      d[4 + rnd_below(len - 4)] ^= (uint8_t)(1u << rnd_below(8));
    asr_err_t err;
    asr_err_clear(&err);
    asr_buf_reset(&out);
    int rc = asr_ejson_append_doc(&out, d, len, &err);
    if (rc == 0) {
      cJSON *json = cJSON_ParseWithLength((const char *)out.data, out.len);
      if (!json) fail_msg("invalid JSON written: %.*s", (int)out.len, (const char *)out.data);
      cJSON_Delete(json);
      assert_true(bson_utf8_validate((const char *)out.data, out.len, false));
      written++;
    } else {
      assert_int_equal(rc, ASR_EDATA);
      assert_int_equal(out.len, 0);
      assert_memory_equal(err.msg, "malformed BSON at byte ", 23);
      refused++;
    }
    free(d);
  }
  assert_true(written > 1000); /* both outcomes were exercised */
  assert_true(refused > 1000);
  asr_buf_free(&out);
  bson_destroy(&b);
}

/* Long strings are escaped in chunks: multi-byte characters straddle the chunk edges, and
 * the buffer grows to about the output size, not six times the input. */
static void test_long_utf8_string(void **state) {
  (void)state;
  const char *unit = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"; /* 1 + 2 + 3 + 4 bytes */
  size_t reps = 100003, n = 10 * reps;
  char *s = malloc(n + 1);
  assert_non_null(s);
  for (size_t i = 0; i < reps; i++) memcpy(s + 10 * i, unit, 10);
  s[n] = '\0';
  bson_t b = BSON_INITIALIZER;
  BSON_APPEND_UTF8(&b, "s", s);
  asr_buf_t out;
  asr_err_t err;
  asr_buf_init(&out);
  asr_err_clear(&err);
  assert_int_equal(asr_ejson_append_doc(&out, bson_get_data(&b), b.len, &err), 0);
  assert_int_equal(out.len, 6 + n + 2);
  assert_memory_equal(out.data + 6, s, n);
  assert_true(out.cap < 3 * out.len);
  asr_buf_free(&out);
  bson_destroy(&b);
  free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_each_type),
      cmocka_unit_test(test_empty_document),
      cmocka_unit_test(test_escapes),
      cmocka_unit_test(test_every_control_character),
      cmocka_unit_test(test_invalid_utf8_is_an_error),
      cmocka_unit_test(test_invalid_utf8_in_name_and_regex),
      cmocka_unit_test(test_doubles),
      cmocka_unit_test(test_doubles_match_reference),
      cmocka_unit_test(test_dates),
      cmocka_unit_test(test_dates_match_gmtime),
      cmocka_unit_test(test_regex_options_are_sorted),
      cmocka_unit_test(test_round_trip_every_type),
      cmocka_unit_test(test_random_round_trip),
      cmocka_unit_test(test_append_lines),
      cmocka_unit_test(test_canonical_form),
      cmocka_unit_test(test_mode_names),
      cmocka_unit_test(test_canonical_each_type),
      cmocka_unit_test(test_canonical_numbers_and_dates),
      cmocka_unit_test(test_canonical_every_type_like_libbson),
      cmocka_unit_test(test_canonical_random_like_libbson),
      cmocka_unit_test(test_canonical_lines),
      cmocka_unit_test(test_malformed),
      cmocka_unit_test(test_depth_limit),
      cmocka_unit_test(test_large_escaped_string),
      cmocka_unit_test(test_long_utf8_string),
      cmocka_unit_test(test_strings_every_length_and_position),
      cmocka_unit_test(test_damaged_bson),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
