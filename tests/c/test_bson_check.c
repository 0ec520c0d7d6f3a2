/* Tests for host/codec/bson_check.c: UTF-8 of keys and strings at any depth, the path of the
 * first bad field, NUL allowed in strings; the ASCII fast path and libbson's check agree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <bson/bson.h>

#include "codec/bson_check.h"

static int check(const bson_t *b, char *field, size_t cap) {
  return asr_bson_utf8_valid(bson_get_data(b), b->len, field, cap);
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
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
