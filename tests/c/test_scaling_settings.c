/* The scaler's settings: the profiles carry the brief's numbers; every layer (profile <
 * AUTO_SCALING_* environment < strategy < command line) overrides the one below; bad values
 * are refused with a message naming where they came from. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/args.h"
#include "lua/profile.h"
#include "lua/strategy.h"
#include "runtime/config.h"
#include "scaler/settings.h"

/* Each call starts with a clear error record (asr_err_set keeps the first error). */
static asr_err_t *fresh(asr_err_t *e) {
  asr_err_clear(e);
  return e;
}

/* Writes text to ASR_TEST_TMP/name; returns the path (a static buffer). */
static const char *tmp_file(const char *name, const char *text) {
  static char path[512];
  snprintf(path, sizeof path, "%s/%s", ASR_TEST_TMP, name);
  mkdir(ASR_TEST_TMP, 0755);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  return path;
}

/* What a run starts from with profile name: the balanced profile, then name on top. */
static void load(const char *name, asr_scaling_settings_t *s) {
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_profile_settings(name, s, fresh(&err)), 0);
}

/* Each built-in profile sets every key on its own: the C side writes none of their numbers. */
static void test_every_profile_sets_every_key(void **state) {
  static const char *const names[] = {"conservative", "balanced", "aggressive"};
  for (size_t i = 0; i < 3; i++) {
    asr_scaling_settings_t s;
    asr_err_t err;
    asr_scaling_defaults(&s);
    assert_int_equal(asr_profile_load(names[i], &s, fresh(&err)), 0);
    if (asr_scaling_validate(&s, fresh(&err))) print_error("%s: %s\n", names[i], err.msg);
    assert_int_equal(asr_scaling_validate(&s, fresh(&err)), 0);
  }
  /* without a profile nothing but the history is set, and validation says so */
  asr_scaling_settings_t s;
  asr_err_t err;
  asr_scaling_defaults(&s);
  assert_int_equal(s.history, 20);
  assert_int_equal(asr_scaling_validate(&s, fresh(&err)), ASR_EINVAL);
  assert_string_equal(err.msg, "scaling: target_docs_per_second is not set (every profile sets "
                               "it; runs load profiles/balanced.lua before any other)");
  /* a profile file of its own starts from balanced: what it leaves out keeps balanced's */
  const char *path = tmp_file("partial_profile.lua", "return { name = 'mine', max_workers = 9 }\n");
  asr_scaling_settings_t balanced, mine;
  load("balanced", &balanced);
  load(path, &mine);
  assert_string_equal(mine.profile, "mine");
  for (const char *const *k = asr_scaling_keys(); *k; k++)
    if (strcmp(*k, "max_workers") != 0)
      assert_true(asr_scaling_get(&mine, *k) == asr_scaling_get(&balanced, *k));
  assert_int_equal(mine.max_workers, 9);
}

/* The brief's "Auto-Scaling Profiles": targets and cooldowns. */
static void test_profiles_carry_the_brief_numbers(void **state) {
  asr_scaling_settings_t s;
  load("conservative", &s);
  assert_string_equal(s.profile, "conservative");
  assert_true(s.target_docs_per_second == 5000 && s.target_cpu_usage == 60 &&
              s.target_memory_usage == 70 && s.cooldown == 60);
  load("balanced", &s);
  assert_true(s.target_docs_per_second == 10000 && s.target_cpu_usage == 70 &&
              s.target_memory_usage == 75 && s.cooldown == 30);
  /* the brief's Configuration section is the balanced default */
  assert_true(s.target_error_rate == 0.01 && s.cpu_scale_up_threshold == 80 &&
              s.cpu_scale_down_threshold == 50 && s.memory_scale_up_threshold == 85 &&
              s.memory_scale_down_threshold == 60 && s.check_interval == 10);
  /* the brief's maxima; minima that keep a run's defaults (workers = CPU count, batch size
   * 1000) inside the limits and leave room below them (README, "Profiles and settings") */
  assert_int_equal(s.min_workers, 1);
  assert_int_equal(s.max_workers, 30);
  assert_int_equal(s.min_batch_size, 100);
  assert_int_equal(s.max_batch_size, 75000);
  load("aggressive", &s);
  assert_true(s.target_docs_per_second == 20000 && s.target_cpu_usage == 80 &&
              s.target_memory_usage == 85 && s.cooldown == 15);
  /* steps from slow to fast */
  asr_scaling_settings_t c, a;
  load("conservative", &c);
  load("aggressive", &a);
  assert_true(c.worker_step < s.worker_step || c.worker_step < a.worker_step);
  assert_true(c.stability_intervals > a.stability_intervals);
  assert_true(c.check_interval > a.check_interval);
  /* every profile: one worker and batches of 100 at the bottom, the brief's maxima on top */
  static const char *const names[] = {"conservative", "balanced", "aggressive"};
  for (size_t i = 0; i < 3; i++) {
    load(names[i], &s);
    assert_int_equal(s.min_workers, 1);
    assert_int_equal(s.min_batch_size, 100);
    assert_int_equal(s.max_workers, 30);
    assert_int_equal(s.max_batch_size, 75000);
  }
}

static void test_unknown_profile(void **state) {
  asr_scaling_settings_t s;
  asr_err_t err;
  assert_int_equal(asr_profile_settings("turbo", &s, fresh(&err)), ASR_EINVAL);
  assert_string_equal(err.msg, "unknown scaling profile 'turbo' (conservative, balanced, "
                               "aggressive, or a path to a profile .lua file)");
  const char *path = tmp_file("bad_profile.lua", "return { max_workers = 'many' }\n");
  assert_int_equal(asr_profile_load(path, &s, fresh(&err)), ASR_EINVAL);
  char want[600];
  snprintf(want, sizeof want, "%s: max_workers must be a number, got string", path);
  assert_string_equal(err.msg, want);
  path = tmp_file("bad_profile.lua", "return { max_wrokers = 3 }\n");
  assert_int_equal(asr_profile_load(path, &s, fresh(&err)), ASR_EINVAL);
  snprintf(want, sizeof want, "%s: unknown scaling setting 'max_wrokers' (did you mean 'max_workers'?)", path);
  assert_string_equal(err.msg, want);
}

static void test_values_are_checked(void **state) {
  asr_scaling_settings_t s;
  asr_err_t err;
  load("balanced", &s);
  assert_int_equal(asr_scaling_set_text(&s, "max_workers", "abc", "AUTO_SCALING_MAX_WORKERS", fresh(&err)), ASR_EINVAL);
  assert_string_equal(err.msg, "AUTO_SCALING_MAX_WORKERS: max_workers must be a number, got 'abc'");
  assert_int_equal(asr_scaling_set_text(&s, "cooldown", "-5", "AUTO_SCALING_COOLDOWN", fresh(&err)), ASR_EINVAL);
  assert_string_equal(err.msg, "AUTO_SCALING_COOLDOWN: cooldown must be seconds from 0 to 86400, got -5");
  assert_int_equal(asr_scaling_set_text(&s, "min_workers", "2.5", "--scaling", fresh(&err)), ASR_EINVAL);
  assert_string_equal(err.msg, "--scaling: min_workers must be a whole number, got 2.5");
  assert_int_equal(asr_scaling_set_text(&s, "target_cpu_usage", "150", "x", fresh(&err)), ASR_EINVAL);
  assert_string_equal(err.msg, "x: target_cpu_usage must be a percentage from 0 to 100, got 150");
  assert_int_equal(asr_scaling_set_text(&s, "max_workers", "12 ", "x", fresh(&err)), 0);
  assert_int_equal(s.max_workers, 12);
  assert_int_equal(asr_scaling_set_text(&s, "min_workers", "20", "x", fresh(&err)), 0);
  assert_int_equal(asr_scaling_validate(&s, fresh(&err)), ASR_EINVAL);
  assert_string_equal(err.msg, "scaling: min_workers 20 (x) is above max_workers 12 (x)");
  /* a target must sit inside its thresholds (the policies measure distances between them) */
  load("balanced", &s);
  assert_int_equal(asr_scaling_set(&s, "target_cpu_usage", 80, "AUTO_SCALING_TARGET_CPU_USAGE", fresh(&err)), 0);
  assert_int_equal(asr_scaling_validate(&s, fresh(&err)), ASR_EINVAL);
  assert_string_equal(err.msg, "scaling: target_cpu_usage 80 (AUTO_SCALING_TARGET_CPU_USAGE) must be "
                               "below cpu_scale_up_threshold 80 (profile balanced)");
  load("balanced", &s);
  assert_int_equal(asr_scaling_set(&s, "memory_scale_down_threshold", 76, "--scaling memory_scale_down_threshold", fresh(&err)), 0);
  assert_int_equal(asr_scaling_validate(&s, fresh(&err)), ASR_EINVAL);
  assert_string_equal(err.msg, "scaling: memory_scale_down_threshold 76 (--scaling "
                               "memory_scale_down_threshold) is above target_memory_usage 75 (profile balanced)");
}

/* Each key remembers the layer that set it last; a conflict names both sides' layers. */
static void test_origins(void **state) {
  asr_scaling_settings_t s;
  asr_err_t err;
  asr_scaling_defaults(&s);
  assert_string_equal(asr_scaling_origin(&s, "history"), "default");
  assert_string_equal(asr_scaling_origin(&s, "max_workers"), "");
  assert_string_equal(asr_scaling_origin(&s, "no_such_key"), "");
  load("aggressive", &s);
  assert_string_equal(asr_scaling_origin(&s, "cooldown"), "profile aggressive");
  assert_string_equal(asr_scaling_origin(&s, "history"), "default");
  /* a profile file of its own: what it sets is its, the rest balanced's */
  const char *path = tmp_file("origin_profile.lua", "return { min_batch_size = 80000 }\n");
  load(path, &s);
  char want[700];
  snprintf(want, sizeof want, "profile %s", path);
  assert_string_equal(asr_scaling_origin(&s, "min_batch_size"), want);
  assert_string_equal(asr_scaling_origin(&s, "max_batch_size"), "profile balanced");
  assert_int_equal(asr_scaling_validate(&s, fresh(&err)), ASR_EINVAL);
  snprintf(want, sizeof want, "scaling: min_batch_size 80000 (profile %s) is above "
           "max_batch_size 75000 (profile balanced)", path);
  assert_string_equal(err.msg, want);
  /* the brief's variable above the profile's maximum */
  load("balanced", &s);
  char *env[] = {"AUTO_SCALING_MIN_WORKERS=40", NULL};
  assert_int_equal(asr_scaling_apply_env(&s, env, fresh(&err)), 0);
  assert_string_equal(asr_scaling_origin(&s, "min_workers"), "AUTO_SCALING_MIN_WORKERS");
  assert_int_equal(asr_scaling_validate(&s, fresh(&err)), ASR_EINVAL);
  assert_string_equal(err.msg, "scaling: min_workers 40 (AUTO_SCALING_MIN_WORKERS) is above "
                               "max_workers 30 (profile balanced)");
  /* large values print whole; a long origin keeps its tail */
  load("balanced", &s);
  assert_int_equal(asr_scaling_set(&s, "min_batch_size", 1000000, "--min-batch-size", fresh(&err)), 0);
  assert_int_equal(asr_scaling_validate(&s, fresh(&err)), ASR_EINVAL);
  assert_string_equal(err.msg, "scaling: min_batch_size 1000000 (--min-batch-size) is above "
                               "max_batch_size 75000 (profile balanced)");
  char longer[400];
  memset(longer, 'd', sizeof longer);
  snprintf(longer + 300, 100, "/s.lua: scaling.max_workers");
  assert_int_equal(asr_scaling_set(&s, "max_workers", 9, longer, fresh(&err)), 0);
  const char *kept = asr_scaling_origin(&s, "max_workers");
  assert_int_equal(strlen(kept), ASR_SCALING_ORIGIN_MAX - 1);
  assert_memory_equal(kept, "...ddd", 6);
  assert_string_equal(kept + strlen(kept) - 27, "/s.lua: scaling.max_workers");
}

static void test_environment(void **state) {
  asr_scaling_settings_t s;
  asr_err_t err;
  load("balanced", &s);
  char *env[] = {"PATH=/bin", "AUTO_SCALING_MAX_WORKERS=16", "AUTO_SCALING_CHECK_INTERVAL=2.5",
                 "AUTO_SCALING_TARGET_ERROR_RATE=0.05", "AUTO_SCALING_PROFILE=aggressive",
                 "AUTO_SCALING_MAX_WORKRS=3", NULL};
  assert_int_equal(asr_scaling_apply_env(&s, env, fresh(&err)), 0); /* the typo is warned about */
  assert_int_equal(s.max_workers, 16);
  assert_true(s.check_interval == 2.5 && s.target_error_rate == 0.05);
  char *bad[] = {"AUTO_SCALING_MIN_BATCH_SIZE=lots", NULL};
  assert_int_equal(asr_scaling_apply_env(&s, bad, fresh(&err)), ASR_EINVAL);
  assert_string_equal(err.msg, "AUTO_SCALING_MIN_BATCH_SIZE: min_batch_size must be a number, got 'lots'");
}

/* on_tick's asks while auto-scaling is on: clamped to the limits, naming the one that held. */
static void test_within_limits(void **state) {
  asr_scaling_settings_t s;
  load("balanced", &s);
  s.max_workers = 8;
  const char *key = "unset";
  assert_int_equal(asr_scaling_within(&s, ASR_SCALING_WORKERS, 200, &key), 8);
  assert_string_equal(key, "max_workers");
  assert_int_equal(asr_scaling_within(&s, ASR_SCALING_WORKERS, 8, &key), 8);
  assert_null(key);
  assert_int_equal(asr_scaling_within(&s, ASR_SCALING_WORKERS, 3, &key), 3);
  assert_null(key);
  s.min_workers = 4;
  assert_int_equal(asr_scaling_within(&s, ASR_SCALING_WORKERS, 1, &key), 4);
  assert_string_equal(key, "min_workers");
  assert_int_equal(asr_scaling_within(&s, ASR_SCALING_BATCH_SIZE, 50, &key), 100);
  assert_string_equal(key, "min_batch_size");
  assert_int_equal(asr_scaling_within(&s, ASR_SCALING_BATCH_SIZE, 1000000, &key), 75000);
  assert_string_equal(key, "max_batch_size");
  assert_int_equal(asr_scaling_within(&s, ASR_SCALING_BATCH_SIZE, 75000, &key), 75000);
  assert_null(key);
}

/* ---- precedence through the whole configuration ---- */

#define PARSE(cli, ...)                                                        \
  do {                                                                         \
    char *argv_[] = {"asrun", __VA_ARGS__, NULL};                              \
    asr_err_t e_;                                                              \
    assert_int_equal(asr_cli_parse((int)(sizeof argv_ / sizeof argv_[0]) - 1, argv_, &(cli), &e_), 0); \
  } while (0)

static const char *strategy_file(const char *body) {
  static char path[512];
  snprintf(path, sizeof path, "%s/scaling_strategy.lua", ASR_TEST_TMP);
  mkdir(ASR_TEST_TMP, 0755);
  FILE *f = fopen(path, "w");
  fprintf(f, "return { name = 's', source = { kind = 'template', template = '{\"a\": 1}' },\n"
             "  target = 'null:', %s }\n", body);
  fclose(f);
  return path;
}

static int build(asr_options_t *cli, asr_config_t *cfg, asr_err_t *err) {
  asr_strategy_t *st = NULL;
  asr_err_clear(err);
  int rc = cli->strategy ? asr_strategy_load(cli->strategy, &st, err) : 0;
  if (rc == 0) rc = asr_config_build(cli, st, cfg, err);
  asr_strategy_free(st);
  return rc;
}

static void test_precedence(void **state) {
  asr_options_t cli;
  asr_config_t cfg;
  asr_err_t err;
  unsetenv("AUTO_SCALING_PROFILE");
  setenv("AUTO_SCALING_MAX_WORKERS", "20", 1);
  setenv("AUTO_SCALING_MIN_WORKERS", "3", 1);
  setenv("AUTO_SCALING_COOLDOWN", "7", 1);
  setenv("AUTO_SCALING_CPU_SCALE_UP_THRESHOLD", "87", 1);
  const char *path = strategy_file("scaling = { profile = 'aggressive', max_workers = 12, cooldown = 9 }");
  PARSE(cli, (char *)path, "--cooldown", "4");
  assert_int_equal(build(&cli, &cfg, fresh(&err)), 0);
  assert_string_equal(cfg.profile, "aggressive");          /* strategy names the profile */
  assert_int_equal(cfg.auto_scaling, 1);                   /* a scaling table turns it on */
  assert_true(cfg.scaling.target_docs_per_second == 20000); /* from the profile */
  assert_true(cfg.scaling.cpu_scale_up_threshold == 87);   /* environment over profile */
  assert_int_equal(cfg.scaling.min_workers, 3);            /* environment */
  assert_int_equal(cfg.scaling.max_workers, 12);           /* strategy over environment */
  assert_true(cfg.scaling.cooldown == 4);                  /* flag over strategy */
  assert_string_equal(cfg.policy, "hill"); /* the built-in default (policies.default) */
  asr_config_free(&cfg);

  /* the environment names the profile only when nothing above does */
  setenv("AUTO_SCALING_PROFILE", "conservative", 1);
  PARSE(cli, "--source", "x.json");
  cli.source = NULL;
  path = strategy_file("scaling = { enabled = false }");
  cli.strategy = path;
  assert_int_equal(build(&cli, &cfg, fresh(&err)), 0);
  assert_string_equal(cfg.profile, "conservative");
  assert_int_equal(cfg.auto_scaling, 0);
  assert_true(cfg.scaling.target_docs_per_second == 5000);
  asr_config_free(&cfg);

  /* a bad profile name says which layer gave it */
  setenv("AUTO_SCALING_PROFILE", "bogus", 1);
  assert_int_equal(build(&cli, &cfg, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "AUTO_SCALING_PROFILE: unknown scaling profile 'bogus' "
                               "(conservative, balanced, aggressive, or a path to a profile .lua file)");
  asr_config_free(&cfg);
  setenv("AUTO_SCALING_PROFILE", "conservative", 1);

  /* a bad variable is a configuration error naming it */
  setenv("AUTO_SCALING_MAX_WORKERS", "-4", 1);
  assert_int_equal(build(&cli, &cfg, fresh(&err)), ASR_EINVAL);
  assert_string_equal(err.msg, "AUTO_SCALING_MAX_WORKERS: max_workers must be a worker count from 1 to 1024, got -4");
  asr_config_free(&cfg);
  setenv("AUTO_SCALING_MAX_WORKERS", "2", 1);
  assert_int_equal(build(&cli, &cfg, fresh(&err)), ASR_EINVAL);
  assert_string_equal(err.msg, "scaling: min_workers 3 (AUTO_SCALING_MIN_WORKERS) is above "
                               "max_workers 2 (AUTO_SCALING_MAX_WORKERS)");
  asr_config_free(&cfg);
  /* every layer names itself: the strategy's table, the named flags, --scaling */
  setenv("AUTO_SCALING_MAX_WORKERS", "20", 1);
  path = strategy_file("scaling = { max_workers = 2 }");
  cli.strategy = path;
  assert_int_equal(build(&cli, &cfg, fresh(&err)), ASR_EINVAL);
  char want[800];
  snprintf(want, sizeof want, "scaling: min_workers 3 (AUTO_SCALING_MIN_WORKERS) is above "
           "max_workers 2 (%s: scaling.max_workers)", path);
  assert_string_equal(err.msg, want);
  asr_config_free(&cfg);
  PARSE(cli, (char *)path, "--min-workers", "9", "--scaling", "max_workers=8");
  assert_int_equal(build(&cli, &cfg, fresh(&err)), ASR_EINVAL);
  assert_string_equal(err.msg, "scaling: min_workers 9 (--min-workers) is above max_workers 8 "
                               "(--scaling max_workers)");
  asr_config_free(&cfg);
  path = strategy_file("scaling = { enabled = false }");
  PARSE(cli, (char *)path, "--scaling", "cpu_scale_down_threshold=72");
  assert_int_equal(build(&cli, &cfg, fresh(&err)), ASR_EINVAL);
  assert_string_equal(err.msg, "scaling: cpu_scale_down_threshold 72 (--scaling "
                               "cpu_scale_down_threshold) is above target_cpu_usage 60 (profile conservative)");
  asr_config_free(&cfg);
  unsetenv("AUTO_SCALING_MAX_WORKERS");
  unsetenv("AUTO_SCALING_MIN_WORKERS");
  unsetenv("AUTO_SCALING_COOLDOWN");
  unsetenv("AUTO_SCALING_CPU_SCALE_UP_THRESHOLD");
  unsetenv("AUTO_SCALING_PROFILE");
}

static void test_strategy_scaling_errors(void **state) {
  asr_options_t cli;
  asr_config_t cfg;
  asr_err_t err;
  const char *path = strategy_file("scaling = { max_workers = 'x' }");
  PARSE(cli, (char *)path);
  cli.strategy = path;
  assert_int_equal(build(&cli, &cfg, fresh(&err)), ASR_EINVAL);
  char want[700];
  snprintf(want, sizeof want, "%s: scaling.max_workers must be a number, got string", path);
  assert_string_equal(err.msg, want);
  path = strategy_file("scaling = { policy = 42 }");
  assert_int_equal(build(&cli, &cfg, fresh(&err)), ASR_EINVAL);
  snprintf(want, sizeof want, "%s: scaling.policy must be a policy name, a .lua file or a table "
           "with decide(), got number", path);
  assert_string_equal(err.msg, want);
  path = strategy_file("scaling = { min_workers = 0 }");
  assert_int_equal(build(&cli, &cfg, fresh(&err)), ASR_EINVAL);
  snprintf(want, sizeof want, "%s: scaling.min_workers: min_workers must be a worker count from 1 "
           "to 1024, got 0", path);
  assert_string_equal(err.msg, want);
  asr_config_free(&cfg);
}

/* The RU governor's settings: every profile sets them; each layer overrides the one below,
 * like every other key; the switch takes 0 or 1 only. */
static void test_ru_governor_settings(void **state) {
  asr_scaling_settings_t s;
  asr_err_t err;
  load("balanced", &s);
  assert_true(s.target_ru_per_second == 0 && s.ru_budget_fraction == 0.9 && s.ru_governor == 1);
  load("conservative", &s);
  assert_true(s.target_ru_per_second == 0 && s.ru_budget_fraction == 0.8 && s.ru_governor == 1);
  load("aggressive", &s);
  assert_true(s.target_ru_per_second == 0 && s.ru_budget_fraction == 0.95 && s.ru_governor == 1);
  assert_int_equal(asr_scaling_set_text(&s, "ru_governor", "0.5", "x", fresh(&err)), ASR_EINVAL);
  assert_string_equal(err.msg, "x: ru_governor must be 0 (off) or 1 (on), got 0.5");
  assert_int_equal(asr_scaling_set_text(&s, "ru_budget_fraction", "0", "y", fresh(&err)), ASR_EINVAL);
  assert_string_equal(err.msg, "y: ru_budget_fraction must be a fraction of the budget (0.9 = 90%) "
                               "from 0.01 to 1, got 0");
  assert_int_equal(asr_scaling_set_text(&s, "target_ru_per_second", "-1", "z", fresh(&err)), ASR_EINVAL);
  assert_string_equal(err.msg, "z: target_ru_per_second must be request units per second (0: learn "
                               "from throttling) from 0 to 1e+09, got -1");
  /* profile < environment < strategy < command line */
  asr_options_t cli;
  asr_config_t cfg;
  unsetenv("AUTO_SCALING_PROFILE");
  setenv("AUTO_SCALING_TARGET_RU_PER_SECOND", "40000", 1);
  setenv("AUTO_SCALING_RU_BUDGET_FRACTION", "0.5", 1);
  setenv("AUTO_SCALING_RU_GOVERNOR", "1", 1);
  const char *path = strategy_file("scaling = { enabled = false, ru_budget_fraction = 0.7, ru_governor = 0 }");
  PARSE(cli, (char *)path, "--scaling", "ru_governor=1");
  assert_int_equal(build(&cli, &cfg, fresh(&err)), 0);
  assert_int_equal(cfg.auto_scaling, 0); /* set even when auto-scaling is off */
  assert_true(cfg.scaling.target_ru_per_second == 40000); /* environment over profile */
  assert_true(cfg.scaling.ru_budget_fraction == 0.7);     /* strategy over environment */
  assert_true(cfg.scaling.ru_governor == 1);              /* command line over strategy */
  asr_config_free(&cfg);
  unsetenv("AUTO_SCALING_TARGET_RU_PER_SECOND");
  unsetenv("AUTO_SCALING_RU_BUDGET_FRACTION");
  unsetenv("AUTO_SCALING_RU_GOVERNOR");
}

/* A policy or profile file named by a strategy is found beside the strategy. */
static void test_strategy_relative_files(void **state) {
  char policy[512], profile[512];
  snprintf(policy, sizeof policy, "%s/rel_policy.lua", ASR_TEST_TMP);
  snprintf(profile, sizeof profile, "%s/rel_profile.lua", ASR_TEST_TMP);
  FILE *f = fopen(policy, "w");
  fputs("return { decide = function() return { action = 'hold' } end }\n", f);
  fclose(f);
  f = fopen(profile, "w");
  fputs("return { name = 'mine', max_workers = 9 }\n", f);
  fclose(f);
  const char *path = strategy_file("scaling = { profile = 'rel_profile.lua', policy = 'rel_policy.lua' }");
  asr_strategy_t *st = NULL;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_strategy_load(path, &st, &err), 0);
  assert_string_equal(st->policy, policy);
  assert_string_equal(st->profile, profile);
  asr_strategy_free(st);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_profiles_carry_the_brief_numbers),
      cmocka_unit_test(test_every_profile_sets_every_key),
      cmocka_unit_test(test_unknown_profile),
      cmocka_unit_test(test_values_are_checked),
      cmocka_unit_test(test_environment),
      cmocka_unit_test(test_within_limits),
      cmocka_unit_test(test_origins),
      cmocka_unit_test(test_precedence),
      cmocka_unit_test(test_strategy_scaling_errors),
      cmocka_unit_test(test_strategy_relative_files),
      cmocka_unit_test(test_ru_governor_settings),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
