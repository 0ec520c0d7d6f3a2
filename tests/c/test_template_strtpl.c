/* Tests for mgeneratejs's template habits in host/template: "{{ }}" strings (strtpl.c) written as
 * JavaScript's String() writes values, bare keys (compile.c), and every unknown operator of a
 * template in one error, chance.js utilities named as such. */
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "template/template.h"

#define SAMPLES 200

static asr_template_t *compile_ok(const char *json) {
  asr_err_t err;
  asr_err_clear(&err);
  asr_template_t *t = NULL;
  int rc = asr_template_compile(json, strlen(json), "t.json", NULL, &t, &err);
  if (rc) fail_msg("compile of %s failed (%d): %s", json, rc, err.msg);
  asr_template_set_now(t, 1769106113000); /* 2026-01-22T18:21:53Z */
  return t;
}

static void expect_error(const char *json, const char *text) {
  asr_err_t err;
  asr_err_clear(&err);
  asr_template_t *t = NULL;
  int rc = asr_template_compile(json, strlen(json), "t.json", NULL, &t, &err);
  if (rc != ASR_EINVAL || !strstr(err.msg, text))
    fail_msg("template %s\n  expected an error with \"%s\"\n  got %d: \"%s\"", json, text, rc, err.msg);
  assert_null(t);
}

/* Document i as relaxed Extended JSON (the caller frees it). */
static char *gen_json(const asr_template_t *t, uint64_t i) {
  bson_t doc;
  bson_init(&doc);
  asr_err_t err;
  asr_err_clear(&err);
  if (asr_template_generate(t, NULL, 3, i, &doc, &err)) fail_msg("generate: %s", err.msg);
  char *s = bson_as_relaxed_extended_json(&doc, NULL);
  bson_destroy(&doc);
  return s;
}

static void expect_doc(const char *json, const char *expected) {
  asr_template_t *t = compile_ok(json);
  char *got = gen_json(t, 0);
  if (strcmp(got, expected) != 0) fail_msg("template %s\n  got      %s\n  expected %s", json, got, expected);
  bson_free(got);
  asr_template_free(t);
}

/* Field "v" of SAMPLES documents, each a string matching the extended regex re. */
static void expect_all_match(const char *json, const char *re) {
  asr_template_t *t = compile_ok(json);
  regex_t rx;
  assert_int_equal(0, regcomp(&rx, re, REG_EXTENDED | REG_NOSUB));
  for (uint64_t i = 0; i < SAMPLES; i++) {
    bson_t doc;
    bson_iter_t it;
    bson_init(&doc);
    assert_int_equal(0, asr_template_generate(t, NULL, 11, i, &doc, NULL));
    assert_true(bson_iter_init_find(&it, &doc, "v") && BSON_ITER_HOLDS_UTF8(&it));
    const char *s = bson_iter_utf8(&it, NULL);
    if (regexec(&rx, s, 0, NULL, 0) != 0) fail_msg("template %s: \"%s\" does not match %s", json, s, re);
    bson_destroy(&doc);
  }
  regfree(&rx);
  asr_template_free(t);
}

/* ---- {{ }} strings ---------------------------------------------------------------------------- */

static void test_text_and_calls(void **state) {
  (void)state;
  expect_doc("{\"v\": \"n={{chance.integer({min: 5, max: 5})}}, m={{ chance.integer({'min': 7, \\\"max\\\": 7}) }}.\"}",
             "{ \"v\" : \"n=5, m=7.\" }");
  expect_doc("{\"v\": \"{{chance.pickone(['it\\\\'s'])}}|{{chance.bool({likelihood: 100})}}\"}",
             "{ \"v\" : \"it's|true\" }");
  /* String(): integers without ".0", doubles in the shortest round-trip form, exponents */
  expect_doc("{\"a\": \"{{chance.floating({min: 0.25, max: 0.25})}}\", \"b\": \"{{chance.integer({min: 2147483648, max: 2147483648})}}\","
             " \"c\": \"{{chance.floating({min: -123456.789, max: -123456.789, fixed: 3})}}\"}",
             "{ \"a\" : \"0.25\", \"b\" : \"2147483648\", \"c\" : \"-123456.789\" }");
  /* a Date as Date.prototype.toString writes it in UTC */
  expect_doc("{\"v\": \"{{chance.date({min: '2026-01-22T18:21:53Z', max: '2026-01-22T18:21:53Z'})}}\"}",
             "{ \"v\" : \"Thu Jan 22 2026 18:21:53 GMT+0000 (Coordinated Universal Time)\" }");
  /* arrays joined with "," */
  expect_doc("{\"v\": \"{{chance.pickset(['a'], 1)}};{{chance.pickset([1, 2], 0)}}\"}", "{ \"v\" : \"a;\" }");
  /* text without a complete {{x}} stays as it is; the value is a string even alone */
  expect_doc("{\"a\": \"x {{ y\", \"b\": \"{{}}\", \"c\": \"{{chance.integer({min: 3, max: 3})}}\"}",
             "{ \"a\" : \"x {{ y\", \"b\" : \"{{}}\", \"c\" : \"3\" }");
}

/* Each call's value is appended to the document being built and cut off again: the fields
 * around it, in subdocuments and arrays too, come out whole. */
static void test_inside_subdocuments(void **state) {
  (void)state;
  expect_doc("{\"o\": {\"s\": \"<{{chance.integer({min: 1, max: 1})}}>\", \"k\": 2, \"a\": [\"{{chance.pickone(['p'])}}\", 3]}, \"z\": true}",
             "{ \"o\" : { \"s\" : \"<1>\", \"k\" : 2, \"a\" : [ \"p\", 3 ] }, \"z\" : true }");
  expect_doc("{\"a\": {\"$array\": {\"of\": \"{{chance.pickone(['q'])}}{{chance.pickone(['r'])}}\", \"number\": 2}}}",
             "{ \"a\" : [ \"qr\", \"qr\" ] }");
}

static void test_ranges_and_faker(void **state) {
  (void)state;
  expect_all_match("{\"v\": \"{{chance.integer({min: -3, max: 3})}}\"}", "^-?[0-3]$");
  expect_all_match("{\"v\": \"{{chance.weighted(['a', 'b'], [1, 0])}}\"}", "^a$");
  expect_all_match("{\"v\": \"{{chance.timestamp()}}\"}", "^[1-9][0-9]{0,9}$");
  expect_all_match("{\"v\": \"{{faker.commerce.price()}}\"}", "^[1-9][0-9]{0,3}\\.00$");
  expect_all_match("{\"v\": \"{{faker.finance.amount()}}\"}", "^[0-9]{1,4}\\.[0-9]{2}$");
  expect_all_match("{\"v\": \"{{faker.random.number(9)}}/{{faker.random.number({min: 10, max: 12})}}\"}", "^[0-9]/1[0-2]$");
  expect_all_match("{\"v\": \"{{faker.date.past()}}\"}", "^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) [A-Z][a-z]{2} [0-3][0-9] 202[56] "
                   "[0-2][0-9]:[0-5][0-9]:[0-5][0-9] GMT\\+0000 \\(Coordinated Universal Time\\)$");
  expect_all_match("{\"v\": \"{{faker.date.future(2)}}\"}", " 202[678] ");
  expect_all_match("{\"v\": \"{{faker.internet.userName()}}\"}", "^[A-Z][A-Za-z' -]*\\.[A-Z][A-Za-z' -]*[0-9]{1,2}$");
  expect_all_match("{\"v\": \"{{faker.address.latitude()}}\"}", "^-?[0-9]{1,2}\\.[0-9]{4}$");
  expect_all_match("{\"v\": \"{{faker.commerce.productName()}}\"}", "^[A-Z][a-z]+ [A-Z][a-z]+ [A-Z][a-z]+$");
  /* every method docs/templates.md lists compiles */
  static const char *const methods[] = {
      "name.firstName", "name.lastName", "name.findName", "internet.email", "internet.exampleEmail",
      "internet.userName", "internet.url", "internet.domainName", "internet.ip", "internet.color",
      "internet.password", "address.city", "address.streetAddress", "address.streetName",
      "address.country", "address.countryCode", "address.state", "address.stateAbbr",
      "address.zipCode", "address.latitude", "address.longitude", "company.companyName",
      "lorem.word", "lorem.words", "lorem.sentence", "lorem.paragraph", "phone.phoneNumber",
      "random.uuid", "random.boolean", "random.word", "random.number", "date.past", "date.future",
      "date.recent", "date.month", "date.weekday", "commerce.productName", "commerce.price",
      "finance.amount"};
  for (size_t i = 0; i < sizeof methods / sizeof *methods; i++) {
    char json[160];
    snprintf(json, sizeof json, "{\"v\": \"{{faker.%s()}}\"}", methods[i]);
    expect_all_match(json, "^.+$");
  }
}

static void test_call_errors(void **state) {
  (void)state;
  expect_error("{\"a\": {\"b\": \"x {{ foo() }}\"}}",
               "t.json: {{ foo() }} at a.b: asrun expands chance.FN(...) and faker.A.B() calls only");
  expect_error("{\"v\": \"{{ chance.integer() + 1 }}\"}", "{{ chance.integer() + 1 }} at v: asrun expands");
  expect_error("{\"v\": \"{{chance.nosuch()}}\"}", "{{chance.nosuch()}} at v: chance.nosuch is not a chance.js function");
  expect_error("{\"v\": \"{{chance.integer({mn: 1})}}\"}",
               "unknown option mn (expected one of: min,max) (in {{chance.integer({mn: 1})}})");
  expect_error("{\"v\": \"{{chance.word(5)}}\"}", "chance.word takes one options object here");
  expect_error("{\"v\": \"{{chance.integer({min: x})}}\"}", "at v: only literals");
  expect_error("{\"v\": \"{{chance.pickone(['a)}}\"}", "at v: unterminated string");
  expect_error("{\"v\": \"{{chance.coordinates()}}\"}", "asrun has no operator for chance.coordinates as text");
  expect_error("{\"v\": \"{{chance.capitalize('a')}}\"}", "(a chance.js utility, not a generator)");
  expect_error("{\"v\": \"{{faker.hacker.phrase()}}\"}", "faker.hacker.phrase is not among the faker methods");
  expect_error("{\"v\": \"{{faker.name.firstName(1)}}\"}", "faker.name.firstName takes no arguments here");
  expect_error("{\"v\": \"<% x %> {{chance.word()}}\"}", "lodash's <% %> delimiters");
}

/* ---- bare keys ---------------------------------------------------------------------------- */

static void test_bare_keys(void **state) {
  (void)state;
  expect_doc("{a: 1, b_c: {c: {$integer: {min: 4, max: 4}}}, s: \"x, y: {z\", q: [1, 2]}",
             "{ \"a\" : 1, \"b_c\" : { \"c\" : 4 }, \"s\" : \"x, y: {z\", \"q\" : [ 1, 2 ] }");
  /* as mgeneratejs's regex, a key in single quotes is no key */
  expect_error("{a: 1, 'q': 2}", "t.json:1:9: malformed JSON");
  expect_doc("{\n  a.b :\t1,\n  \"c\": {d:2}}", "{ \"a.b\" : 1, \"c\" : { \"d\" : 2 } }");
  /* errors point at the user's bytes, not the quoted copy's */
  expect_error("{a: 1, b: [1 2]}", "t.json:1:14: malformed JSON near '2]}'");
  expect_error("{a: 1,\n  bb: \"$name\",\n  c: }", "t.json:3:6: malformed JSON near '}'");
}

/* ---- unknown operators ---------------------------------------------------------------------- */

static void test_unknown_operators_together(void **state) {
  (void)state;
  expect_error("{\"a\": \"$integr\", \"b\": {\"$array\": {\"of\": \"$zzqxv\", \"number\": 2}}, \"c\": {\"$mixin\": {}},"
               " \"d\": \"$capitalize\"}",
               "t.json: unknown operator $integr at a (did you mean $integer?); unknown operator $zzqxv at "
               "b.$array.of; $mixin at c is a chance.js utility, not a generator: mgeneratejs cannot call it "
               "either (it writes chance's internal state); $capitalize at d is a chance.js utility, not a "
               "generator: mgeneratejs cannot call it either (it fails with a JavaScript error)");
  /* another error after them is kept */
  expect_error("{\"a\": \"$integr\", \"b\": {\"$integer\": {\"mn\": 1}}}",
               "t.json: unknown operator $integr at a (did you mean $integer?); also: $integer at b: unknown option mn");
  /* many: the message says how many it leaves out */
  char json[4096] = "{";
  for (int i = 0; i < 40; i++)
    snprintf(json + strlen(json), sizeof json - strlen(json), "%s\"field%02d\": \"$nosuchoperator%02d\"", i ? ", " : "", i, i);
  strcat(json, "}");
  expect_error(json, "unknown operator $nosuchoperator00 at field00; unknown operator $nosuchoperator01");
  expect_error(json, " more");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_text_and_calls),
      cmocka_unit_test(test_inside_subdocuments),
      cmocka_unit_test(test_ranges_and_faker),
      cmocka_unit_test(test_call_errors),
      cmocka_unit_test(test_bare_keys),
      cmocka_unit_test(test_unknown_operators_together),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
