/* asr_edit_distance and asr_closest: the near misses "did you mean" and the strategy's typo
 * errors rest on. A swap of two adjacent letters is one edit, like any other slip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "util/closest.h"

static void test_levenshtein_edits(void **state) {
  assert_int_equal(asr_edit_distance("mode", "mode"), 0);
  assert_int_equal(asr_edit_distance("", "seed"), 4);
  assert_int_equal(asr_edit_distance("seeds", "seed"), 1);   /* insertion */
  assert_int_equal(asr_edit_distance("sed", "seed"), 1);     /* deletion */
  assert_int_equal(asr_edit_distance("mood", "mode"), 2);    /* two substitutions */
  assert_int_equal(asr_edit_distance("kitten", "sitting"), 3);
  assert_int_equal(asr_edit_distance("colection", "collection"), 1);
}

static void test_adjacent_swap_is_one_edit(void **state) {
  assert_int_equal(asr_edit_distance("mdoe", "mode"), 1);
  assert_int_equal(asr_edit_distance("kyes", "keys"), 1);
  assert_int_equal(asr_edit_distance("sede", "seed"), 1);
  assert_int_equal(asr_edit_distance("nmae", "name"), 1);
  assert_int_equal(asr_edit_distance("transfrom", "transform"), 1);
  assert_int_equal(asr_edit_distance("ab", "ba"), 1);
  /* a swap and another slip: two; a letter moved two places is no swap: two */
  assert_int_equal(asr_edit_distance("trasnfrom", "transform"), 2);
  assert_int_equal(asr_edit_distance("abc", "cab"), 2);
  /* optimal string alignment: no substring is edited twice ("ca" → "abc" is 3, not 2) */
  assert_int_equal(asr_edit_distance("ca", "abc"), 3);
}

static void test_long_names_are_far(void **state) {
  char long_name[80];
  memset(long_name, 'a', sizeof long_name - 1);
  long_name[sizeof long_name - 1] = '\0';
  assert_int_equal(asr_edit_distance(long_name, "a"), 64);
  long_name[63] = '\0'; /* 63 letters: still measured */
  assert_int_equal(asr_edit_distance(long_name, long_name), 0);
}

static void test_closest(void **state) {
  const char *names[] = {"name", "mode", "keys", "seed"};
  assert_string_equal(asr_closest("mdoe", names, 4, 1), "mode");
  assert_string_equal(asr_closest("kyes", names, 4, 1), "keys");
  assert_null(asr_closest("mood", names, 4, 1));
  assert_string_equal(asr_closest("mood", names, 4, 2), "mode");
  assert_null(asr_closest("my_helper", names, 4, 2));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_levenshtein_edits),
      cmocka_unit_test(test_adjacent_swap_is_one_edit),
      cmocka_unit_test(test_long_names_are_far),
      cmocka_unit_test(test_closest),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
