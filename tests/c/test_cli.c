/* Command-line parsing: every flag, the brief's spellings, and clear errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cli/args.h"

#define PARSE(cli, err, ...)                                                   \
  ({                                                                           \
    char *argv_[] = {"asrun", __VA_ARGS__, NULL};                              \
    asr_err_clear(&(err));                                                     \
    asr_cli_parse((int)(sizeof argv_ / sizeof argv_[0]) - 1, argv_, &(cli), &(err)); \
  })

static void test_all_flags(void **state) {
  asr_options_t c;
  asr_err_t e;
  assert_int_equal(PARSE(c, e, "s.lua", "--profile", "aggressive", "--auto-scaling", "--workers",
                         "8", "--batch-size=5000", "--total", "1000000", "--target", "null:",
                         "--seed", "42", "--dry-run", "--log-format", "json", "-v", "--queue-size", "9"), 0);
  assert_string_equal(c.strategy, "s.lua");
  assert_string_equal(c.profile, "aggressive");
  assert_int_equal(c.auto_scaling, 1);
  assert_int_equal(c.workers, 8);
  assert_int_equal(c.batch_size, 5000);
  assert_int_equal(c.total, 1000000);
  assert_string_equal(c.target, "null:");
  assert_int_equal(c.seed, 42);
  assert_int_equal(c.dry_run, 1);
  assert_int_equal(c.log_format, ASR_LOG_JSON);
  assert_int_equal(c.verbosity, 1);
  assert_int_equal(c.queue_size, 9);
}

static void test_brief_spellings(void **state) {
  asr_options_t c;
  asr_err_t e;
  assert_int_equal(PARSE(c, e, "--strategy", "x.lua", "--auto-scaling", "--auto-scaling-profile",
                         "conservative"), 0);
  assert_string_equal(c.strategy, "x.lua");
  assert_string_equal(c.profile, "conservative");
  assert_int_equal(PARSE(c, e, "--source", "t.json", "--total", "1000", "--no-auto-scaling", "-q"), 0);
  assert_string_equal(c.source, "t.json");
  assert_null(c.strategy);
  assert_int_equal(c.auto_scaling, 0);
  assert_int_equal(c.verbosity, -1);
  assert_int_equal(c.workers, -1); /* unset stays -1 */
}

/* Scaling settings keep command-line order: the config applies them in turn. */
static void test_scaling_flags(void **state) {
  asr_options_t c;
  asr_err_t e;
  assert_int_equal(PARSE(c, e, "s.lua", "--max-workers", "16", "--scaling", "target_cpu_usage=60",
                         "--cooldown", "5", "--min-workers=2", "--min-batch-size", "100",
                         "--max-batch-size", "900", "--check-interval", "0.5", "--policy", "usl",
                         "--summary-json", "out/s.json", "--profile", "my/profile.lua"), 0);
  assert_int_equal(c.nscaling, 7);
  const char *want[][2] = {{"max_workers", "16"}, {"target_cpu_usage", "60"}, {"cooldown", "5"},
                           {"min_workers", "2"}, {"min_batch_size", "100"},
                           {"max_batch_size", "900"}, {"check_interval", "0.5"}};
  for (int i = 0; i < 7; i++) {
    assert_int_equal(c.scaling[i].key_len, strlen(want[i][0]));
    assert_memory_equal(c.scaling[i].key, want[i][0], c.scaling[i].key_len);
    assert_string_equal(c.scaling[i].value, want[i][1]);
  }
  /* a named flag is kept for messages naming the layer; --scaling has none */
  assert_string_equal(c.scaling[0].flag, "--max-workers");
  assert_null(c.scaling[1].flag);
  assert_string_equal(c.scaling[3].flag, "--min-workers");
  assert_string_equal(c.policy, "usl");
  assert_string_equal(c.summary_json, "out/s.json");
  assert_string_equal(c.profile, "my/profile.lua");
}

/* --retry-for: a duration in any of the usual forms; unset stays -1; errors name the flag. */
static void test_retry_for(void **state) {
  asr_options_t c;
  asr_err_t e;
  assert_int_equal(PARSE(c, e, "s.lua"), 0);
  assert_int_equal(c.retry_for_ms, -1);
  const char *forms[][2] = {{"90s", "90000"}, {"10m", "600000"}, {"1h", "3600000"},
                            {"500ms", "500"}, {"45", "45000"}, {"0", "0"}};
  for (int i = 0; i < 6; i++) {
    assert_int_equal(PARSE(c, e, "s.lua", "--retry-for", (char *)forms[i][0]), 0);
    assert_int_equal(c.retry_for_ms, atoll(forms[i][1]));
  }
  assert_int_equal(PARSE(c, e, "s.lua", "--retry-for", "10 minutes"), ASR_EINVAL);
  assert_string_equal(e.msg, "--retry-for: expected a duration (500ms, 90s, 10m, 1h or a number "
                             "of seconds; at most a week), got '10 minutes'");
  assert_int_equal(PARSE(c, e, "s.lua", "--retry-for=-1s"), ASR_EINVAL);
  assert_non_null(strstr(e.msg, "--retry-for: expected a duration"));
}

static void test_errors_name_the_flag(void **state) {
  asr_options_t c;
  asr_err_t e;
  assert_int_equal(PARSE(c, e, "s.lua", "--wrokers", "3"), ASR_EINVAL);
  assert_string_equal(e.msg, "unknown option '--wrokers' (did you mean '--workers'?)");
  assert_int_equal(PARSE(c, e, "s.lua", "--profle=fast"), ASR_EINVAL);
  assert_string_equal(e.msg, "unknown option '--profle=fast' (did you mean '--profile'?)");
  assert_int_equal(PARSE(c, e, "s.lua", "--frobnicate"), ASR_EINVAL);
  assert_string_equal(e.msg, "unknown option '--frobnicate'");
  assert_int_equal(PARSE(c, e, "s.lua", "--workers", "abc"), ASR_EINVAL);
  assert_string_equal(e.msg, "--workers: expected an integer in 1..1024, got 'abc'");
  assert_int_equal(PARSE(c, e, "s.lua", "--workers", "0"), ASR_EINVAL);
  assert_int_equal(PARSE(c, e, "s.lua", "--batch-size", "-5"), ASR_EINVAL);
  assert_string_equal(e.msg, "--batch-size: expected an integer in 1..1000000, got '-5'");
  assert_int_equal(PARSE(c, e, "s.lua", "--profile", "turbo"), ASR_EINVAL);
  assert_string_equal(e.msg, "--profile: unknown profile 'turbo' (conservative, balanced, "
                             "aggressive, or a profile .lua file)");
  assert_int_equal(PARSE(c, e, "s.lua", "--scaling", "max_workers"), ASR_EINVAL);
  assert_string_equal(e.msg, "--scaling: expected KEY=VALUE (e.g. max_workers=16), got 'max_workers'");
  assert_int_equal(PARSE(c, e, "s.lua", "--scaling", "=3"), ASR_EINVAL);
  assert_int_equal(PARSE(c, e, "s.lua", "--log-format", "xml"), ASR_EINVAL);
  assert_int_equal(PARSE(c, e, "s.lua", "--total"), ASR_EINVAL);
  assert_string_equal(e.msg, "option '--total' needs a value");
  assert_int_equal(PARSE(c, e, "s.lua", "-x"), ASR_EINVAL);
  assert_string_equal(e.msg, "unknown option '-x'");
  assert_int_equal(PARSE(c, e, "--help=all"), ASR_EINVAL); /* not "unknown option '-h'" */
  assert_string_equal(e.msg, "option '--help' takes no value");
  assert_int_equal(PARSE(c, e, "s.lua", "--quiet=yes"), ASR_EINVAL);
  assert_string_equal(e.msg, "option '--quiet' takes no value");
  assert_int_equal(PARSE(c, e, "a.lua", "b.lua"), ASR_EINVAL);
  assert_string_equal(e.msg, "strategy given twice ('a.lua' and 'b.lua')");
}

/* --type: mongoimport's values only; the source and target "-" pass as they are. */
static void test_type_and_stdout(void **state) {
  asr_options_t c;
  asr_err_t e;
  assert_int_equal(PARSE(c, e, "--source", "-", "--type", "bson", "--target", "-"), 0);
  assert_string_equal(c.type, "bson");
  assert_string_equal(c.source, "-");
  assert_string_equal(c.target, "-");
  assert_int_equal(PARSE(c, e, "--source", "-", "--type", "csv"), ASR_EINVAL);
  assert_string_equal(e.msg, "--type: expected jsonl, json or bson, got 'csv'");
  assert_int_equal(PARSE(c, e, "--source", "-", "--type", "json", "--type", "bson"), ASR_EINVAL);
  assert_string_equal(e.msg, "--type given twice ('json' and 'bson')");
}

/* --json-format relaxed|canonical, also as mongoexport spells it; unset stays NULL (the config
 * then takes the strategy's target.json_format, else relaxed). */
static void test_json_format(void **state) {
  asr_options_t c;
  asr_err_t e;
  assert_int_equal(PARSE(c, e, "s.lua"), 0);
  assert_null(c.json_format);
  assert_int_equal(PARSE(c, e, "s.lua", "--json-format", "canonical"), 0);
  assert_string_equal(c.json_format, "canonical");
  assert_int_equal(PARSE(c, e, "s.lua", "--jsonFormat=relaxed"), 0);
  assert_string_equal(c.json_format, "relaxed");
  assert_int_equal(PARSE(c, e, "s.lua", "--json-format", "canonical", "--jsonFormat", "canonical"), 0);
  assert_int_equal(PARSE(c, e, "s.lua", "--json-format", "Canonical"), ASR_EINVAL);
  assert_string_equal(e.msg, "--json-format: expected relaxed or canonical, got 'Canonical'");
  assert_int_equal(PARSE(c, e, "s.lua", "--json-format", "relaxed", "--jsonFormat", "canonical"),
                   ASR_EINVAL);
  assert_string_equal(e.msg, "--json-format given twice ('relaxed' and 'canonical')");
  assert_int_equal(PARSE(c, e, "s.lua", "--json-format"), ASR_EINVAL);
  assert_string_equal(e.msg, "option '--json-format' needs a value");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_all_flags),
      cmocka_unit_test(test_brief_spellings),
      cmocka_unit_test(test_errors_name_the_flag),
      cmocka_unit_test(test_json_format),
      cmocka_unit_test(test_retry_for),
      cmocka_unit_test(test_scaling_flags),
      cmocka_unit_test(test_type_and_stdout),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
