/* asr_paths_check_distinct: two roles naming one file are refused, whatever the spelling
 * (./, .., a hard link, a symbolic link, a file that does not exist yet). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/path.h"

#define DIR ASR_TEST_TMP "/paths"

static void touch(const char *path) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("{}\n", f);
  fclose(f);
}

static int setup(void **state) {
  if (system("rm -rf '" DIR "' && mkdir -p '" DIR "/sub'") != 0) return -1;
  touch(DIR "/in.jsonl");
  touch(DIR "/other.jsonl");
  return 0;
}

static int check(const char *role_a, const char *a, const char *role_b, const char *b,
                 asr_err_t *err) {
  asr_file_role_t files[] = {{role_a, a}, {role_b, b}};
  asr_err_clear(err);
  return asr_paths_check_distinct(files, 2, err);
}

static void expect_same(const char *a, const char *b) {
  asr_err_t err;
  if (check("the source", a, "the target", b, &err) != ASR_EINVAL)
    fail_msg("%s and %s: not refused", a, b);
  char want[1024];
  snprintf(want, sizeof want, "the target %s is the same file as the source %s", b, a);
  assert_string_equal(err.msg, want);
}

static void expect_distinct(const char *a, const char *b) {
  asr_err_t err;
  if (check("the source", a, "the target", b, &err) != 0)
    fail_msg("%s and %s refused: %s", a, b, err.msg);
}

static void test_existing_file_by_any_spelling(void **state) {
  expect_same(DIR "/in.jsonl", DIR "/in.jsonl");
  expect_same(DIR "/in.jsonl", DIR "/./sub/../in.jsonl");
  assert_int_equal(link(DIR "/in.jsonl", DIR "/hard.jsonl"), 0);
  expect_same(DIR "/in.jsonl", DIR "/hard.jsonl");
  assert_int_equal(symlink("in.jsonl", DIR "/soft.jsonl"), 0);
  expect_same(DIR "/soft.jsonl", DIR "/in.jsonl");
  expect_distinct(DIR "/in.jsonl", DIR "/other.jsonl");
}

static void test_files_not_yet_there(void **state) {
  expect_same(DIR "/new.jsonl", DIR "/sub/../new.jsonl");
  expect_same(DIR "/no/such/dir/x.bson", DIR "/no/such/../such/dir/./x.bson");
  expect_distinct(DIR "/new.jsonl", DIR "/new.jsonl.partial");
  expect_distinct(DIR "/new.jsonl", DIR "/sub/new.jsonl");
  /* relative names resolve from the current directory */
  char cwd[4096];
  assert_non_null(getcwd(cwd, sizeof cwd));
  assert_int_equal(chdir(DIR), 0);
  expect_same("rel.jsonl", DIR "/rel.jsonl");
  expect_same("in.jsonl", "sub/../in.jsonl");
  assert_int_equal(chdir(cwd), 0);
}

static void test_message_names_the_later_role_first_and_skips_null(void **state) {
  asr_file_role_t files[] = {
      {"the strategy", NULL},
      {"the source", DIR "/in.jsonl"},
      {"the target", DIR "/out.jsonl"},
      {"the target's temporary file", DIR "/out.jsonl.partial"},
      {"--summary-json", DIR "/sub/../out.jsonl"},
  };
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_paths_check_distinct(files, 5, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "--summary-json " DIR "/sub/../out.jsonl is the same file as "
                               "the target " DIR "/out.jsonl");
  files[4].path = DIR "/out.jsonl.partial";
  asr_err_clear(&err);
  assert_int_equal(asr_paths_check_distinct(files, 5, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "--summary-json " DIR "/out.jsonl.partial is the same file as "
                               "the target's temporary file " DIR "/out.jsonl.partial");
  files[4].path = DIR "/summary.json";
  asr_err_clear(&err);
  assert_int_equal(asr_paths_check_distinct(files, 5, &err), 0);
  assert_int_equal(asr_paths_check_distinct(files, 0, &err), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_existing_file_by_any_spelling),
      cmocka_unit_test(test_files_not_yet_there),
      cmocka_unit_test(test_message_names_the_later_role_first_and_skips_null),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
