/* Tests for asrun's Extended JSON v2 reader (host/codec/ejson_reader.c), with libbson's parser
 * (bson_new_from_json) as the oracle: every BSON type in relaxed and canonical form gives the
 * same bytes; the legacy forms; what is deferred to libbson; every malformed-input class with
 * its line:column message; and a generated corpus of every type, written by asrun's writer and
 * by libbson's (relaxed and canonical), read back byte-identical. */
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

#include <bson/bson.h>

#include "codec/ejson_reader.h"
#include "codec/ejson_writer.h"

/* ---- helpers ---- */

static int read_json(const char *json, asr_buf_t *out, asr_ejson_status_t *st) {
  asr_buf_reset(out);
  return asr_ejson_read_doc((const uint8_t *)json, strlen(json), out, st);
}

static void hex(const uint8_t *p, size_t n, char *dst, size_t cap) {
  size_t k = 0;
  for (size_t i = 0; i < n && k + 3 < cap; i++) k += (size_t)snprintf(dst + k, cap - k, "%02x", p[i]);
  dst[k] = 0;
}

/* Our reader accepts json and writes exactly libbson's bytes. */
static void check_same(const char *json) {
  asr_buf_t out;
  asr_buf_init(&out);
  asr_ejson_status_t st;
  int rc = read_json(json, &out, &st);
  bson_error_t e;
  bson_t *o = bson_new_from_json((const uint8_t *)json, -1, &e);
  if (!o) fail_msg("libbson refuses %s: %s", json, e.message);
  if (rc != ASR_EJSON_OK) fail_msg("reader code %d for %s: %u:%u %s", rc, json, st.line, st.col, st.msg);
  if (out.len != o->len || memcmp(out.data, bson_get_data(o), out.len) != 0) {
    char a[512], b[512];
    hex(out.data, out.len, a, sizeof a);
    hex(bson_get_data(o), o->len, b, sizeof b);
    fail_msg("different bytes for %s\n ours    %s\n libbson %s", json, a, b);
  }
  bson_destroy(o);
  asr_buf_free(&out);
}

/* Our reader answers `code` with message `msg` at line:col. */
static void check_code(const char *json, int code, unsigned line, unsigned col, const char *msg) {
  asr_buf_t out;
  asr_buf_init(&out);
  asr_buf_append(&out, "x", 1);
  asr_ejson_status_t st;
  asr_buf_reset(&out);
  out.len = 1; /* something before: left as it was on failure */
  int rc = asr_ejson_read_doc((const uint8_t *)json, strlen(json), &out, &st);
  if (rc != code) fail_msg("code %d (want %d) for %s: %s", rc, code, json, st.msg);
  assert_int_equal(out.len, 1);
  if (line) {
    if (st.line != line || st.col != col)
      fail_msg("position %u:%u (want %u:%u) for %s", st.line, st.col, line, col, json);
  }
  if (msg && strcmp(st.msg, msg) != 0) fail_msg("message '%s' (want '%s') for %s", st.msg, msg, json);
  asr_buf_free(&out);
}

/* The canonical Extended JSON of what our reader made of json (libbson writes it). */
static void check_extra(const char *json, const char *canonical) {
  asr_buf_t out;
  asr_buf_init(&out);
  asr_ejson_status_t st;
  int rc = read_json(json, &out, &st);
  if (rc != ASR_EJSON_OK) fail_msg("code %d for %s: %s", rc, json, st.msg);
  bson_t b;
  assert_true(bson_init_static(&b, out.data, out.len));
  char *text = bson_as_canonical_extended_json(&b, NULL);
  assert_string_equal(text, canonical);
  bson_free(text);
  asr_buf_free(&out);
}

/* ---- every type, relaxed and canonical ---- */

static void test_types_relaxed_and_canonical(void **state) {
  (void)state;
  static const char *const cases[] = {
      /* Double, incl. -0.0 and the special values */
      "{\"d\": 1.0}", "{\"d\": -1.5e-3}", "{\"d\": -0.0}", "{\"d\": 1E+300}", "{\"d\": 4.9e-324}",
      "{\"d\": 1e-400}", "{\"d\": {\"$numberDouble\": \"1.0\"}}",
      "{\"d\": {\"$numberDouble\": \"-0.0\"}}", "{\"d\": {\"$numberDouble\": \"Infinity\"}}",
      "{\"d\": {\"$numberDouble\": \"-Infinity\"}}", "{\"d\": {\"$numberDouble\": \"NaN\"}}",
      "{\"d\": {\"$numberDouble\": \"1.2345678901234567e+300\"}}",
      /* String: escapes, surrogate pairs, UTF-8, NUL inside a value */
      "{\"s\": \"\"}", "{\"s\": \"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"}", "{\"s\": \"\\u00e9\\u20AC\"}",
      "{\"s\": \"\\ud83d\\ude00\"}", "{\"s\": \"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}",
      "{\"s\": \"x\\u0000y\"}", "{\"\xc3\xa9\": \"key in UTF-8\"}",
      /* Document, Array */
      "{\"o\": {}}", "{\"o\": {\"a\": {\"b\": {\"c\": [1, [2, [3]]]}}}}", "{\"a\": []}",
      "{\"a\": [1, \"x\", {\"y\": null}, [], true]}", "{ \"a\" :\n\t1 ,\r\n \"b\" : 2 }",
      /* Binary subtypes, canonical and legacy */
      "{\"b\": {\"$binary\": {\"base64\": \"AQIDBA==\", \"subType\": \"00\"}}}",
      "{\"b\": {\"$binary\": {\"subType\": \"80\", \"base64\": \"AQI=\"}}}",
      "{\"b\": {\"$binary\": {\"base64\": \"\", \"subType\": \"01\"}}}",
      "{\"b\": {\"$binary\": {\"base64\": \"AQID\", \"subType\": \"02\"}}}",
      "{\"b\": {\"$binary\": {\"base64\": \"c//SZESzTGmQ6OfR38A11A==\", \"subType\": \"03\"}}}",
      "{\"b\": {\"$binary\": {\"base64\": \"c//SZESzTGmQ6OfR38A11A==\", \"subType\": \"04\"}}}",
      "{\"b\": {\"$binary\": {\"base64\": \"c//SZESzTGmQ6OfR38A11A==\", \"subType\": \"5\"}}}",
      "{\"b\": {\"$binary\": \"AQI=\", \"$type\": \"00\"}}", "{\"b\": {\"$binary\": \"AQI=\", \"$type\": \"2\"}}",
      "{\"b\": {\"$type\": \"80\", \"$binary\": \"AQI=\"}}",
      "{\"u\": {\"$uuid\": \"73ffd264-44b3-4c69-90e8-e7d1dfc035d4\"}}",
      /* ObjectId, Boolean, Null */
      "{\"_id\": {\"$oid\": \"5f1a2b3c4d5e6f7a8b9c0d1e\"}}", "{\"_id\": {\"$oid\": \"5F1A2B3C4D5E6F7A8B9C0D1E\"}}",
      "{\"t\": true, \"f\": false, \"n\": null}",
      /* Date: relaxed ISO (Z and offsets, with and without seconds and milliseconds), canonical,
       * legacy $numberLong and a bare integer */
      "{\"d\": {\"$date\": \"2020-01-01T00:00:00Z\"}}", "{\"d\": {\"$date\": \"2020-01-01T00:00:00.123Z\"}}",
      "{\"d\": {\"$date\": \"2020-01-01T00:00:00.1Z\"}}", "{\"d\": {\"$date\": \"2020-01-01T00:00Z\"}}",
      "{\"d\": {\"$date\": \"1969-12-31T23:59:59.999Z\"}}", "{\"d\": {\"$date\": \"0000-01-01T00:00:00Z\"}}",
      "{\"d\": {\"$date\": \"9999-12-31T23:59:59.999Z\"}}", "{\"d\": {\"$date\": \"2020-02-30T00:00:00Z\"}}",
      "{\"d\": {\"$date\": \"2020-01-01T00:00:00+0100\"}}", "{\"d\": {\"$date\": \"2020-01-01T00:00:00-0530\"}}",
      "{\"d\": {\"$date\": {\"$numberLong\": \"1577836800123\"}}}",
      "{\"d\": {\"$date\": {\"$numberLong\": \"-62135596800000\"}}}", "{\"d\": {\"$date\": 123}}",
      /* Regex: canonical (options sorted) and legacy */
      "{\"r\": {\"$regularExpression\": {\"pattern\": \"^a.c$\", \"options\": \"mix\"}}}",
      "{\"r\": {\"$regularExpression\": {\"options\": \"\", \"pattern\": \"x\"}}}",
      "{\"r\": {\"$regex\": \"abc\", \"$options\": \"si\"}}", "{\"r\": {\"$regex\": \"abc\"}}",
      /* DBPointer, JavaScript (+scope), Symbol */
      "{\"p\": {\"$dbPointer\": {\"$ref\": \"db.c\", \"$id\": {\"$oid\": \"5f1a2b3c4d5e6f7a8b9c0d1e\"}}}}",
      "{\"c\": {\"$code\": \"function(){}\"}}", "{\"c\": {\"$code\": \"f(x)\", \"$scope\": {\"x\": 1}}}",
      "{\"c\": {\"$code\": \"\", \"$scope\": {}}}", "{\"y\": {\"$symbol\": \"sym\"}}",
      /* Int32, Int64 (relaxed and canonical, both edges), Timestamp */
      "{\"i\": 0, \"j\": -0, \"k\": 2147483647, \"l\": -2147483648}",
      "{\"i\": 2147483648, \"j\": -2147483649, \"k\": 9223372036854775807, \"l\": -9223372036854775808}",
      "{\"i\": {\"$numberInt\": \"-5\"}, \"j\": {\"$numberInt\": \"2147483647\"}}",
      "{\"i\": {\"$numberLong\": \"1\"}, \"j\": {\"$numberLong\": \"-9223372036854775808\"}}",
      "{\"t\": {\"$timestamp\": {\"t\": 4294967295, \"i\": 1}}}", "{\"t\": {\"$timestamp\": {\"i\": 2, \"t\": 1}}}",
      /* Decimal128 */
      "{\"x\": {\"$numberDecimal\": \"1.5\"}}", "{\"x\": {\"$numberDecimal\": \"-0.0001E-6000\"}}",
      "{\"x\": {\"$numberDecimal\": \"Infinity\"}}", "{\"x\": {\"$numberDecimal\": \"NaN\"}}",
      "{\"x\": {\"$numberDecimal\": \"9.999999999999999999999999999999999E+6144\"}}",
      /* MinKey, MaxKey, Undefined */
      "{\"a\": {\"$minKey\": 1}, \"b\": {\"$maxKey\": 1}, \"c\": {\"$undefined\": true}}",
      /* DBRef form and other $-names: ordinary documents */
      "{\"r\": {\"$ref\": \"c\", \"$id\": {\"$oid\": \"5f1a2b3c4d5e6f7a8b9c0d1e\"}, \"$db\": \"d\"}}",
      "{\"r\": {\"$ref\": \"c\", \"$id\": 1}}", "{\"$a\": 1}", "{\"a\": {\"$foo\": 1, \"b\": 2}}",
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_same(cases[i]);
}

/* What it reads that libbson refuses (mongoimport reads them): offsets with a colon. */
static void test_mongoimport_extras(void **state) {
  (void)state;
  check_extra("{\"d\": {\"$date\": \"2020-01-01T00:00:00+01:00\"}}",
              "{ \"d\" : { \"$date\" : { \"$numberLong\" : \"1577833200000\" } } }");
  check_extra("{\"d\": {\"$date\": \"2020-01-01T00:00:00.5-05:30\"}}",
              "{ \"d\" : { \"$date\" : { \"$numberLong\" : \"1577856600500\" } } }");
  /* and the same instant written the way libbson reads it */
  check_same("{\"d\": {\"$date\": \"2020-01-01T00:00:00.500-0530\"}}");
}

/* Shapes it leaves to libbson (which reads or refuses them): never guessed at. */
static void test_deferred(void **state) {
  (void)state;
  static const char *const cases[] = {
      "{\"a\": {\"$type\": \"string\"}}",                 /* a query operator, not binary */
      "{\"a\": {\"$regex\": {\"$regex\": \"x\"}}}",
      "{\"a\": {\"$numberLong\": 5}}",
      "{\"a\": {\"$numberLong\": \"1\", \"x\": 1}}",
      "{\"a\": {\"$numberInt\": \"+1\"}}",
      "{\"a\": {\"$scope\": {}, \"$code\": \"x\"}}",
      "{\"a\": {\"$minKey\": 2}}",
      "{\"a\": {\"$date\": \"2020-01-01\"}}",
      "{\"a\": {\"$date\": \"2020-01-01T24:00:00Z\"}}",
      "{\"a\": {\"$date\": \"2020-01-01T00:00:00.1234Z\"}}",
      "{\"a\": {\"$regularExpression\": {\"pattern\": \"x\", \"options\": \"q\"}}}",
      "{\"a\": {\"$regex\": \"\\\\d+\"}}",                 /* escapes in a pattern */
      "{\"a\": {\"$binary\": \"AQI\", \"$type\": \"00\"}}", /* unpadded base64 */
      "{\"a\": {\"$numberDecimal\": \"bad\"}}",
      /* keywords inside a $scope: libbson reads some ({"$code"} in an array it does not) */
      "{\"a\": {\"$code\": \"f\", \"$scope\": {\"w\": [{\"$code\": \"x\"}]}}}",
      "{\"a\": {\"$code\": \"f\", \"$scope\": {\"x\": {\"$numberLong\": \"5\"}}}}",
      /* $numberDouble strings without a digit before the point: libbson's strtod decides */
      "{\"a\": {\"$numberDouble\": \"-\"}}", "{\"a\": {\"$numberDouble\": \"-.\"}}",
      "{\"a\": {\"$numberDouble\": \".\"}}",
      "{\"a\": 1, \"$oid\": \"5f1a2b3c4d5e6f7a8b9c0d1e\"}",
      "{\"$oid\": \"5f1a2b3c4d5e6f7a8b9c0d1e\"}",
      "{\"a\": {\"\\u0024oid\": \"5f1a2b3c4d5e6f7a8b9c0d1e\"}}",
      "{\"a\\u0000\": 1}",
      "{\"a\": \"\\ud83d\"}",
      "{\"a\": \"tab\tinside\"}",
      "{\"a\": \"\xff\"}",
      "{\"a\": \"\xed\xa0\x80\"}",
      /* numbers outside JSON's grammar: libbson's lexer reads some ("-00", "4.E0") */
      "{\"a\": 01}", "{\"a\": -00.00}", "{\"a\": 4.E00}", "{\"a\": -}", "{\"a\": 1e}",
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    check_code(cases[i], ASR_EJSON_DEFER, 0, 0, NULL);
  /* nesting past the limit */
  char deep[400];
  size_t k = 0;
  k += (size_t)snprintf(deep, sizeof deep, "{\"a\":");
  for (int i = 0; i < ASR_EJSON_READER_MAX_DEPTH + 1; i++) deep[k++] = '[';
  for (int i = 0; i < ASR_EJSON_READER_MAX_DEPTH + 1; i++) deep[k++] = ']';
  deep[k++] = '}';
  deep[k] = 0;
  check_code(deep, ASR_EJSON_DEFER, 1, 6 + ASR_EJSON_READER_MAX_DEPTH - 1, "nesting too deep");
}

/* ---- malformed input: every class, with its position ---- */

static void test_malformed(void **state) {
  (void)state;
  check_code("", ASR_EJSON_ERROR, 1, 1, "expected a JSON object, found end of input");
  check_code("  [1]", ASR_EJSON_ERROR, 1, 3, "expected a JSON object, found '['");
  check_code("{\"a\":1", ASR_EJSON_ERROR, 1, 1, "unterminated object");
  check_code("{\"a\":1]", ASR_EJSON_ERROR, 1, 7, "expected ',' or '}', found ']'");
  check_code("{\"a\":1}}", ASR_EJSON_ERROR, 1, 8, "unexpected '}' after the object");
  check_code("{\"a\":1} x", ASR_EJSON_ERROR, 1, 9, "unexpected 'x' after the object");
  check_code("{a:1}", ASR_EJSON_ERROR, 1, 2, "expected a field name, found 'a'");
  check_code("{\"a\":1,}", ASR_EJSON_ERROR, 1, 8, "expected a field name, found '}'");
  check_code("{\"a\" 1}", ASR_EJSON_ERROR, 1, 6, "expected ':' after the field name, found '1'");
  check_code("{\"a\":}", ASR_EJSON_ERROR, 1, 6, "expected a value, found '}'");
  check_code("{\"a\":tru}", ASR_EJSON_ERROR, 1, 6, "expected a value, found 't'");
  check_code("{\"a\":nul}", ASR_EJSON_ERROR, 1, 6, "expected a value, found 'n'");
  check_code("{\"a\":'x'}", ASR_EJSON_ERROR, 1, 6, "expected a value, found '''");
  check_code("{\"a\":\"x}", ASR_EJSON_ERROR, 1, 6, "unterminated string");
  check_code("{\"a\":\"x\\q\"}", ASR_EJSON_ERROR, 1, 8, "invalid escape '\\q'");
  check_code("{\"a\":\"\\u12G4\"}", ASR_EJSON_ERROR, 1, 11, "invalid \\u escape");
  check_code("{\"a\":\"\\u12", ASR_EJSON_ERROR, 1, 9, "incomplete \\u escape");
  check_code("{\"a\":[1,]}", ASR_EJSON_ERROR, 1, 9, "expected a value, found ']'");
  check_code("{\"a\":[1 2]}", ASR_EJSON_ERROR, 1, 9, "expected ',' or ']', found '2'");
  check_code("{\"a\":[1", ASR_EJSON_ERROR, 1, 6, "unterminated array");
  check_code("{\"a\":1e400}", ASR_EJSON_ERROR, 1, 6, "number 1e400 is out of the double range");
  check_code("{\"a\":-1e400}", ASR_EJSON_ERROR, 1, 6, "number -1e400 is out of the double range");
  /* libbson wraps this one silently; asrun refuses it */
  check_code("{\"a\":\n 12345678901234567890123}", ASR_EJSON_ERROR, 2, 2,
             "integer 12345678901234567890123 is outside the 64-bit range");
  check_code("{\"a\":9223372036854775808}", ASR_EJSON_ERROR, 1, 6,
             "integer 9223372036854775808 is outside the 64-bit range");
  /* positions count lines and bytes */
  check_code("{\n  \"a\": 1,\n  \"\xc3\xa9\": tru\n}", ASR_EJSON_ERROR, 3, 9, "expected a value, found 't'");
  /* a keyword object's own syntax errors are errors too */
  check_code("{\"a\":{\"$oid\" \"x\"}}", ASR_EJSON_ERROR, 1, 14, "expected ':', found '\"'");
}

/* ---- generated corpus: every type, written three ways, read back byte-identical ---- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

static void random_string(char *s, size_t cap) {
  static const char *const pieces[] = {"a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\x01",
                                       "\x1f", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "$",
                                       "{", "}", "[", ":"};
  size_t n = rnd() % 12, k = 0;
  s[0] = 0;
  for (size_t i = 0; i < n; i++) {
    const char *p = pieces[rnd() % (sizeof pieces / sizeof pieces[0])];
    size_t l = strlen(p);
    if (k + l + 1 >= cap) break;
    memcpy(s + k, p, l + 1);
    k += l;
  }
}

static void append_random(bson_t *b, const char *key, int depth) {
  char s[64];
  uint8_t bin[20];
  for (size_t i = 0; i < sizeof bin; i++) bin[i] = (uint8_t)rnd();
  static const double doubles[] = {0.0, -0.0, 1.0, -1.5, 0.1, 1e300, -2.5e-308, 4.9e-324,
                                   123456.789, 1e21, 3.0e-5};
  switch (rnd() % 22) {
  case 0: bson_append_double(b, key, -1, doubles[rnd() % 11]); break;
  case 1: {
    double d = rnd() % 3 == 0 ? NAN : rnd() % 2 ? INFINITY : -INFINITY;
    bson_append_double(b, key, -1, d);
    break;
  }
  case 2: random_string(s, sizeof s); bson_append_utf8(b, key, -1, s, -1); break;
  case 3:
  case 4: {
    bson_t child;
    int arr = rnd() % 2;
    if (depth > 3) {
      bson_append_int32(b, key, -1, 7);
      break;
    }
    if (arr) bson_append_array_begin(b, key, -1, &child);
    else bson_append_document_begin(b, key, -1, &child);
    int n = (int)(rnd() % 4);
    for (int i = 0; i < n; i++) {
      char k[16];
      if (arr) snprintf(k, sizeof k, "%d", i);
      else random_string(k, sizeof k), k[0] = k[0] == '$' ? 'x' : k[0];
      if (!arr && !k[0]) snprintf(k, sizeof k, "k%d", i);
      append_random(&child, k, depth + 1);
    }
    if (arr) bson_append_array_end(b, &child);
    else bson_append_document_end(b, &child);
    break;
  }
  case 5: {
    static const bson_subtype_t subtypes[] = {BSON_SUBTYPE_BINARY, BSON_SUBTYPE_FUNCTION,
                                              BSON_SUBTYPE_BINARY_DEPRECATED, BSON_SUBTYPE_UUID,
                                              BSON_SUBTYPE_MD5, BSON_SUBTYPE_USER};
    bson_subtype_t st = subtypes[rnd() % 6];
    uint32_t n = st == BSON_SUBTYPE_UUID ? 16 : (uint32_t)(rnd() % 20);
    bson_append_binary(b, key, -1, st, bin, n);
    break;
  }
  case 6: {
    bson_oid_t oid;
    bson_oid_init_from_data(&oid, bin);
    bson_append_oid(b, key, -1, &oid);
    break;
  }
  case 7: bson_append_bool(b, key, -1, rnd() % 2); break;
  case 8: {
    static const int64_t dates[] = {0, 1577836800123, -1, -62135596800000, 253402300799999,
                                    253402300800000, -62167219200001, 1};
    bson_append_date_time(b, key, -1, rnd() % 2 ? dates[rnd() % 8] : (int64_t)(rnd() % 4102444800000));
    break;
  }
  case 9: bson_append_null(b, key, -1); break;
  case 10: {
    static const char *const opts[] = {"", "i", "mx", "ilmsux", "si"};
    static const char *const pats[] = {"abc", "^a.c$", "", "x y", "[a-z]+"};
    bson_append_regex(b, key, -1, pats[rnd() % 5], opts[rnd() % 5]);
    break;
  }
  case 11: {
    bson_oid_t oid;
    bson_oid_init_from_data(&oid, bin);
    bson_append_dbpointer(b, key, -1, "db.coll", &oid);
    break;
  }
  case 12: random_string(s, sizeof s); bson_append_code(b, key, -1, s); break;
  case 13: {
    bson_t *scope = BCON_NEW("x", BCON_INT32(1), "y", "{", "z", BCON_UTF8("w"), "}");
    bson_append_code_with_scope(b, key, -1, "function(){return x}", scope);
    bson_destroy(scope);
    break;
  }
  case 14: random_string(s, sizeof s); bson_append_symbol(b, key, -1, s, -1); break;
  case 15: {
    static const int32_t ints[] = {0, 1, -1, INT32_MAX, INT32_MIN, 42};
    bson_append_int32(b, key, -1, ints[rnd() % 6]);
    break;
  }
  case 16: bson_append_timestamp(b, key, -1, (uint32_t)rnd(), (uint32_t)rnd()); break;
  case 17: {
    static const int64_t longs[] = {0, INT64_MAX, INT64_MIN, (int64_t)1 << 40, -((int64_t)1 << 33), 5};
    bson_append_int64(b, key, -1, longs[rnd() % 6]);
    break;
  }
  case 18: {
    static const char *const decs[] = {"0", "-0", "1.5", "1E+10", "-1.23456789012345678901234567890123E-100",
                                       "Infinity", "-Infinity", "NaN", "9.999999999999999999999999999999999E+6144"};
    bson_decimal128_t d;
    bson_decimal128_from_string(decs[rnd() % 9], &d);
    bson_append_decimal128(b, key, -1, &d);
    break;
  }
  case 19: bson_append_minkey(b, key, -1); break;
  case 20: bson_append_maxkey(b, key, -1); break;
  default: bson_append_undefined(b, key, -1); break;
  }
}

/* Whether every array in the document is keyed "0", "1", ... */
static int array_keys_ok(bson_iter_t *it, int is_array) {
  for (uint32_t i = 0; bson_iter_next(it); i++) {
    char k[16];
    snprintf(k, sizeof k, "%u", i);
    if (is_array && strcmp(bson_iter_key(it), k) != 0) return 0;
    bson_iter_t child;
    if ((BSON_ITER_HOLDS_ARRAY(it) || BSON_ITER_HOLDS_DOCUMENT(it)) && bson_iter_recurse(it, &child) &&
        !array_keys_ok(&child, BSON_ITER_HOLDS_ARRAY(it)))
      return 0;
  }
  return 1;
}
static int doc_array_keys_ok(const uint8_t *data, size_t len) {
  bson_t b;
  bson_iter_t it;
  return bson_init_static(&b, data, len) && bson_iter_init(&it, &b) && array_keys_ok(&it, 0);
}

/* libbson 1.23 writes a garbage key for some Extended JSON values inside an array ($code,
 * $dbPointer: "\xe5" where "0" belongs, read from uninitialised memory, so it varies from run
 * to run and sometimes fails to append, "Error storing ..."). For such texts ours must hold
 * proper array keys (and, for canonical text, be the original document). */
static int libbson_bugs;

/* Reads text with both parsers; returns 1 when ours read it (and then the bytes match). */
static int compare_read(const char *text, size_t len, const bson_t *want, asr_buf_t *out) {
  asr_ejson_status_t st;
  asr_buf_reset(out);
  int rc = asr_ejson_read_doc((const uint8_t *)text, len, out, &st);
  bson_error_t e;
  bson_t *o = bson_new_from_json((const uint8_t *)text, (ssize_t)len, &e);
  if (rc == ASR_EJSON_DEFER) {
    if (o) bson_destroy(o);
    return 0;
  }
  if (rc != ASR_EJSON_OK) fail_msg("code %d at %u:%u (%s) for %.*s", rc, st.line, st.col, st.msg, (int)len, text);
  if (!o && strncmp(e.message, "Error storing ", 14) == 0 && doc_array_keys_ok(out->data, out->len)) {
    libbson_bugs++; /* the same bug: its garbage key (uninitialised memory) may fail to append */
    return 1;
  }
  if (!o) fail_msg("we read what libbson refuses (%s): %.*s", e.message, (int)len, text);
  if (o->len != out->len || memcmp(bson_get_data(o), out->data, out->len) != 0) {
    if (doc_array_keys_ok(bson_get_data(o), o->len) || !doc_array_keys_ok(out->data, out->len))
      fail_msg("different bytes for %.*s", (int)len, text);
    libbson_bugs++;
  }
  if (want && (want->len != out->len || memcmp(bson_get_data(want), out->data, out->len) != 0))
    fail_msg("not the original document: %.*s", (int)len, text);
  bson_destroy(o);
  return 1;
}

static void test_generated_corpus(void **state) {
  (void)state;
  asr_buf_t text, out;
  asr_buf_init(&text);
  asr_buf_init(&out);
  int docs = 3000, read_ours = 0, tried = 0;
  for (int i = 0; i < docs; i++) {
    bson_t *b = bson_new();
    int n = 1 + (int)(rnd() % 8);
    for (int k = 0; k < n; k++) {
      char key[16];
      snprintf(key, sizeof key, "f%d", k);
      append_random(b, key, 0);
    }
    /* 1. asrun's writer (relaxed) */
    asr_err_t err;
    asr_buf_reset(&text);
    if (asr_ejson_append_doc(&text, bson_get_data(b), b->len, &err) == 0) {
      tried++;
      read_ours += compare_read((const char *)text.data, text.len, NULL, &out);
    }
    /* 2. and 3. libbson's canonical and relaxed writers */
    size_t len;
    char *canon = bson_as_canonical_extended_json(b, &len);
    tried++;
    read_ours += compare_read(canon, len, b, &out); /* canonical: exactly the original */
    bson_free(canon);
    char *relaxed = bson_as_relaxed_extended_json(b, &len);
    tried++;
    read_ours += compare_read(relaxed, len, NULL, &out);
    bson_free(relaxed);
    bson_destroy(b);
  }
  print_message("%d of %d texts read without libbson; %d libbson array-key bugs stepped over\n",
                read_ours, tried, libbson_bugs);
  /* most documents are read here, not deferred (the deferred ones hold escaped regex
   * patterns or libbson-only shapes) */
  if (read_ours < tried * 7 / 10) fail_msg("only %d of %d texts read without libbson", read_ours, tried);
  asr_buf_free(&text);
  asr_buf_free(&out);
}

/* Appending after earlier documents, and no growth once warm. */
static void test_appends_and_reuses(void **state) {
  (void)state;
  asr_buf_t out;
  asr_buf_init(&out);
  asr_ejson_status_t st;
  const char *a = "{\"a\": 1}", *b = "{\"b\": [\"x\", {\"$numberLong\": \"2\"}]}";
  assert_int_equal(asr_ejson_read_doc((const uint8_t *)a, strlen(a), &out, &st), ASR_EJSON_OK);
  size_t first = out.len;
  assert_int_equal(asr_ejson_read_doc((const uint8_t *)b, strlen(b), &out, &st), ASR_EJSON_OK);
  bson_t d;
  assert_true(bson_init_static(&d, out.data + first, out.len - first));
  char *j = bson_as_canonical_extended_json(&d, NULL);
  assert_string_equal(j, "{ \"b\" : [ \"x\", { \"$numberLong\" : \"2\" } ] }");
  bson_free(j);
  uint8_t *data = out.data;
  for (int i = 0; i < 1000; i++) {
    asr_buf_reset(&out);
    assert_int_equal(asr_ejson_read_doc((const uint8_t *)b, strlen(b), &out, &st), ASR_EJSON_OK);
  }
  assert_ptr_equal(out.data, data);
  asr_buf_free(&out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_types_relaxed_and_canonical),
      cmocka_unit_test(test_mongoimport_extras),
      cmocka_unit_test(test_deferred),
      cmocka_unit_test(test_malformed),
      cmocka_unit_test(test_generated_corpus),
      cmocka_unit_test(test_appends_and_reuses),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
