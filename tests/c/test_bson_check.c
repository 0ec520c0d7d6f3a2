/* Tests for host/codec/bson_check.c: UTF-8 of keys and strings at any depth, the path of the
 * first bad field, NUL allowed in strings; the ASCII fast path and libbson's check agree;
 * corrupt structure at any depth refused as libbson's validator refuses it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <bson/bson.h>

#include "codec/bson_check.h"
#include "codec/ejson_writer.h"

/* 1: fine, 0: bad UTF-8, -1: corrupt. */
static int check(const bson_t *b, char *field, size_t cap) {
  int rc = asr_bson_check(bson_get_data(b), b->len, field, cap);
  return rc == ASR_BSON_OK ? 1 : rc == ASR_BSON_BAD_UTF8 ? 0 : -1;
}

static int check_bytes(const uint8_t *d, uint32_t len) {
  char field[64];
  return asr_bson_check(d, len, field, sizeof field);
}

/* {"a": {"b": "xyz"}} as bytes, to be damaged: the outer length at 0, the type of "a" at 4,
 * the inner length at 7, the string's length at 14, "xyz" NUL at 18..21, the inner and outer
 * terminators at 22 and 23. */
static uint32_t nested(uint8_t *d) {
  static const uint8_t doc[] = {24, 0, 0, 0, 3,   'a', 0,   16,  0, 0, 0, 2,
                                'b', 0, 4, 0, 0, 0,   'x', 'y', 'z', 0, 0, 0};
  memcpy(d, doc, sizeof doc);
  return sizeof doc;
}

static void test_corrupt_structure(void **state) {
  (void)state;
  uint8_t d[64];
  uint32_t n = nested(d);
  bson_t ok;
  assert_true(bson_init_static(&ok, d, n) && bson_validate(&ok, BSON_VALIDATE_NONE, NULL));
  assert_int_equal(check_bytes(d, n), ASR_BSON_OK);
  struct { int at; uint8_t value; } damage[] = {
      {7, 40},  /* inner length past the outer document */
      {7, 5},   /* inner length too short */
      {14, 9},  /* string length past its document */
      {21, 'q'}, /* string not NUL-terminated */
      {22, 1},  /* inner terminator: libbson reads the document anyway, and so do we */
      {4, 0x2a}, /* unknown type */
  };
  for (size_t i = 0; i < sizeof damage / sizeof damage[0]; i++) {
    n = nested(d);
    d[damage[i].at] = damage[i].value;
    bson_t bad;
    int libbson = bson_init_static(&bad, d, n) && bson_validate(&bad, BSON_VALIDATE_NONE, NULL);
    if (libbson != (damage[i].at == 22)) fail_msg("damage %zu: libbson %d", i, libbson);
    assert_int_equal(check_bytes(d, n), libbson ? ASR_BSON_OK : ASR_BSON_CORRUPT);
  }
  /* past the walk's depth, libbson's validator looks: a corrupt innermost level is found */
  enum { LEVELS = ASR_EJSON_MAX_DEPTH + 10 };
  bson_t *deep = bson_new();
  static bson_t levels[LEVELS];
  bson_t *at = deep;
  for (int i = 0; i < LEVELS; i++) {
    bson_append_document_begin(at, "d", 1, &levels[i]);
    at = &levels[i];
  }
  BSON_APPEND_UTF8(at, "s", "xyz");
  for (int i = LEVELS - 1; i >= 0; i--) bson_append_document_end(i ? &levels[i - 1] : deep, &levels[i]);
  uint8_t *copy = bson_malloc(deep->len);
  memcpy(copy, bson_get_data(deep), deep->len);
  assert_int_equal(check_bytes(copy, deep->len), ASR_BSON_OK);
  uint8_t *xyz = memmem(copy, deep->len, "xyz", 4);
  assert_non_null(xyz);
  xyz[3] = 'q'; /* the NUL ending "xyz" */
  assert_int_equal(check_bytes(copy, deep->len), ASR_BSON_CORRUPT);
  bson_free(copy);
  bson_destroy(deep);
}

static void test_valid_documents(void **state) {
  (void)state;
  bson_t *b = BCON_NEW("plain", "an ascii string longer than eight bytes", "accent", "caf\xc3\xa9",
                       "nested", "{", "list", "[", "x", "\xe2\x82\xac and more text", "]", "}",
                       "n", BCON_INT32(3));
  char field[64] = "unchanged";
  assert_int_equal(check(b, field, sizeof field), 1);
  bson_t nul = BSON_INITIALIZER;
  bson_append_utf8(&nul, "s", 1, "a\0b and a long tail", 19); /* NUL inside a string: kept */
  assert_int_equal(check(&nul, field, sizeof field), 1);
  bson_destroy(&nul);
  bson_destroy(b);
}

/* A bad string deep inside is found after every ASCII word of a long prefix, and named. */
static void test_bad_string_names_the_path(void **state) {
  (void)state;
  bson_t b = BSON_INITIALIZER, sub, arr;
  BSON_APPEND_UTF8(&b, "ok", "fine");
  bson_append_document_begin(&b, "a", 1, &sub);
  bson_append_array_begin(&sub, "b", 1, &arr);
  BSON_APPEND_UTF8(&arr, "0", "good");
  bson_append_utf8(&arr, "1", 1, "sixteen ascii by\xff", 17);
  bson_append_array_end(&sub, &arr);
  bson_append_document_end(&b, &sub);
  char field[64];
  assert_int_equal(check(&b, field, sizeof field), 0);
  assert_string_equal(field, "a.b.1");
  assert_int_equal(check(&b, NULL, 0), 0); /* no room for a path: the verdict alone */
  bson_destroy(&b);
}

static void test_bad_key_and_short_bad_string(void **state) {
  (void)state;
  bson_t b = BSON_INITIALIZER;
  BSON_APPEND_INT32(&b, "x\xc3", 1); /* a truncated two-byte sequence in a key */
  char field[64];
  assert_int_equal(check(&b, field, sizeof field), 0);
  bson_destroy(&b);
  bson_t s = BSON_INITIALIZER;
  bson_append_utf8(&s, "k", 1, "\xc0\xaf", 2); /* overlong: libbson's check refuses it */
  assert_int_equal(check(&s, field, sizeof field), 0);
  assert_string_equal(field, "k");
  bson_destroy(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valid_documents),
      cmocka_unit_test(test_bad_string_names_the_path),
      cmocka_unit_test(test_bad_key_and_short_bad_string),
      cmocka_unit_test(test_corrupt_structure),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
