/* asr_data_dir_pick: where the Lua modules, profiles and scenarios are found for a binary
 * at a given place: beside an install (wherever it was moved), the source tree from the
 * build tree, the configured prefix, the source tree; and the environment variables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua/profile.h"
#include "lua/scenario.h"
#include "util/data_dir.h"

#define ROOT ASR_TEST_TMP "/data_dir"

static void sh(const char *cmd) { assert_int_equal(system(cmd), 0); }

static int setup(void **state) {
  (void)state;
  return system("rm -rf '" ROOT "' && mkdir -p '" ROOT "/moved/bin' '" ROOT
                "/moved/share/asrun/profiles' '" ROOT "/build/tests' '" ROOT "/src/profiles' '"
                ROOT "/other/bin' '" ROOT "/prefix/share/asrun' && touch '" ROOT
                "/moved/bin/asrun' '" ROOT "/build/asrun' '" ROOT "/build/tests/test_x' '" ROOT
                "/other/bin/asrun'");
}

static const asr_data_layout_t layout = {
    .relative_data = "../share/asrun",
    .install_data = ROOT "/prefix/share/asrun",
    .build_dir = ROOT "/build",
    .source = {ROOT "/src/lua", ROOT "/src/profiles", ROOT "/src/scenarios"},
};

static void pick(const char *self, asr_data_kind_t kind, char *out) {
  asr_data_dir_pick(&layout, self, kind, out, PATH_MAX);
}

static void real(const char *path, char *out) { assert_non_null(realpath(path, out)); }

static void test_installed_tree_found_beside_the_binary(void **state) {
  char got[PATH_MAX], want[PATH_MAX];
  pick(ROOT "/moved/bin/asrun", ASR_DATA_PROFILES, got);
  real(ROOT "/moved/share/asrun/profiles", want);
  assert_string_equal(got, want);
  /* a symbolic link to the binary (/usr/local/bin/asrun -> the install) counts as the install */
  sh("ln -sf '" ROOT "/moved/bin/asrun' '" ROOT "/other/bin/link'");
  pick(ROOT "/other/bin/link", ASR_DATA_PROFILES, got);
  assert_string_equal(got, want);
}

static void test_build_tree_uses_the_source_tree(void **state) {
  char got[PATH_MAX];
  sh("mkdir -p '" ROOT "/prefix/share/asrun/profiles'"); /* an older install must not win */
  pick(ROOT "/build/asrun", ASR_DATA_PROFILES, got);
  assert_string_equal(got, ROOT "/src/profiles");
  pick(ROOT "/build/tests/test_x", ASR_DATA_PROFILES, got);
  assert_string_equal(got, ROOT "/src/profiles");
  sh("rmdir '" ROOT "/prefix/share/asrun/profiles'");
}

static void test_elsewhere_prefers_the_configured_prefix_then_the_source(void **state) {
  char got[PATH_MAX];
  pick(ROOT "/other/bin/asrun", ASR_DATA_PROFILES, got);
  assert_string_equal(got, ROOT "/src/profiles"); /* no install: the source tree */
  sh("mkdir -p '" ROOT "/prefix/share/asrun/profiles'");
  pick(ROOT "/other/bin/asrun", ASR_DATA_PROFILES, got);
  assert_string_equal(got, ROOT "/prefix/share/asrun/profiles");
  pick(NULL, ASR_DATA_PROFILES, got); /* where this process runs from is unknown */
  assert_string_equal(got, ROOT "/prefix/share/asrun/profiles");
  sh("rmdir '" ROOT "/prefix/share/asrun/profiles'");
}

static void test_nothing_found_names_the_install_path(void **state) {
  char got[PATH_MAX];
  pick(ROOT "/other/bin/asrun", ASR_DATA_SCENARIOS, got);
  assert_string_equal(got, ROOT "/prefix/share/asrun/scenarios");
  pick(ROOT "/build/asrun", ASR_DATA_LUA, got);
  assert_string_equal(got, ROOT "/prefix/share/asrun/lua");
}

static void test_environment_overrides(void **state) {
  setenv("ASRUN_PROFILES_DIR", ROOT "/anywhere", 1);
  assert_string_equal(asr_data_dir(ASR_DATA_PROFILES), ROOT "/anywhere");
  setenv("ASRUN_PROFILES_DIR", "", 1); /* empty: as if unset */
  assert_string_equal(asr_data_dir(ASR_DATA_PROFILES), ASR_TEST_ROOT "/profiles");
  unsetenv("ASRUN_PROFILES_DIR");
  /* this test runs from the build tree: the source tree's directories */
  assert_string_equal(asr_data_dir(ASR_DATA_LUA), ASR_TEST_ROOT "/lua");
  assert_string_equal(asr_data_dir(ASR_DATA_SCENARIOS), ASR_TEST_ROOT "/scenarios");
  assert_string_equal(asr_data_dir_env(ASR_DATA_LUA), "ASRUN_LUA_DIR");
  assert_string_equal(asr_data_dir_env(ASR_DATA_SCENARIOS), "ASRUN_SCENARIOS_DIR");
}

/* A missing directory (an install that lost its data) is said so, with the variable to set. */
static void test_missing_directory_message(void **state) {
  asr_scaling_settings_t s;
  asr_scenario_t sc;
  asr_err_t err;
  asr_err_clear(&err);
  setenv("ASRUN_PROFILES_DIR", ROOT "/none", 1);
  assert_int_equal(asr_profile_settings("balanced", &s, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "unknown scaling profile 'balanced': the profiles directory "
                      ROOT "/none is missing (is asrun installed? ASRUN_PROFILES_DIR can name "
                      "the right one)");
  unsetenv("ASRUN_PROFILES_DIR");
  asr_err_clear(&err);
  setenv("ASRUN_SCENARIOS_DIR", ROOT "/none", 1);
  assert_int_equal(asr_scenario_load("slow_start", &sc, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "unknown scenario 'slow_start': the scenarios directory "
                      ROOT "/none is missing (is asrun installed? ASRUN_SCENARIOS_DIR can name "
                      "the right one)");
  unsetenv("ASRUN_SCENARIOS_DIR");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_installed_tree_found_beside_the_binary),
      cmocka_unit_test(test_build_tree_uses_the_source_tree),
      cmocka_unit_test(test_elsewhere_prefers_the_configured_prefix_then_the_source),
      cmocka_unit_test(test_nothing_found_names_the_install_path),
      cmocka_unit_test(test_environment_overrides),
      cmocka_unit_test(test_missing_directory_message),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
