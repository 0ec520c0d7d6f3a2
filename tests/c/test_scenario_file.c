/* Scenario files (lua/scenario.h): the shipped scenarios load and list, the documented format
 * (the example) reads into the struct with cumulative phases, names resolve through
 * ASRUN_SCENARIOS_DIR, and every kind of mistake is an error naming the file, the key path
 * and what the key wants. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua/scenario.h"

#define TMP_FILE ASR_TEST_TMP "/scenario_test.lua"

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static asr_scenario_t load_ok(const char *name_or_path) {
  asr_scenario_t sc;
  asr_err_t err;
  asr_err_clear(&err);
  int rc = asr_scenario_load(name_or_path, &sc, &err);
  if (rc) fail_msg("%s: %s", name_or_path, err.msg);
  return sc;
}

static asr_scenario_t load_text(const char *text) {
  write_file(TMP_FILE, text);
  return load_ok(TMP_FILE);
}

/* The file holding `text` fails to load with "TMP_FILE: msg". */
static void expect_error(const char *text, const char *msg) {
  write_file(TMP_FILE, text);
  asr_scenario_t sc;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_scenario_load(TMP_FILE, &sc, &err), ASR_EINVAL);
  char want[1024];
  snprintf(want, sizeof want, "%s: %s", TMP_FILE, msg);
  assert_string_equal(err.msg, want);
}

static const char *const shipped[] = {"capacity_drop", "client_cpu_bound", "memory_bound",
                                      "noisy_latency", "ru_bound",         "shared_cpu",
                                      "slow_start",    "usl_peak12"};
#define NSHIPPED (sizeof shipped / sizeof shipped[0])

static void test_shipped(void **state) {
  char **names = asr_scenario_names();
  assert_non_null(names);
  size_t n = 0;
  for (; names[n]; n++) {
    assert_true(n < NSHIPPED);
    assert_string_equal(names[n], shipped[n]); /* sorted */
  }
  assert_int_equal(n, NSHIPPED);
  asr_scenario_names_free(names);
  for (size_t i = 0; i < NSHIPPED; i++) {
    asr_scenario_t sc = load_ok(shipped[i]);
    assert_string_equal(sc.name, shipped[i]);
    assert_true(sc.description[0] != '\0');
    assert_true(sc.duration_s >= 600 && sc.duration_s <= 1800);
    assert_true(sc.start_workers >= 1 && sc.start_workers <= 30);
    assert_true(sc.start_batch_size >= 100 && sc.start_batch_size <= 75000);
  }
  asr_scenario_t sc = load_ok("usl_peak12");
  const asr_simdb_db_t *db = &sc.phases[0].db;
  assert_true(fabs(sqrt((1 - db->sigma) / db->kappa) - 12) < 1e-9);
  assert_int_equal(sc.start_workers, 4);
  assert_int_equal(sc.start_batch_size, 2000);
  sc = load_ok("slow_start");
  db = &sc.phases[0].db;
  assert_true(fabs(sqrt((1 - db->sigma) / db->kappa) - 30) < 1e-9);
  sc = load_ok("ru_bound");
  assert_true(sc.phases[0].db.ru_per_second / sc.phases[0].db.ru_per_doc == 2000);
  sc = load_ok("capacity_drop");
  assert_int_equal(sc.nphases, 2);
  assert_true(sc.phases[1].at_s == 120);
  assert_true(sc.phases[1].db.latency_ms == 2 * sc.phases[0].db.latency_ms);
  assert_true(sc.phases[1].db.per_doc_us == 2 * sc.phases[0].db.per_doc_us);
  assert_true(sc.phases[1].db.kappa == sc.phases[0].db.kappa); /* carried over */
  sc = load_ok("shared_cpu");
  assert_int_equal(sc.phases[0].db.shares_client_cpu, 1);
  /* a path works as well as a name */
  sc = load_ok(ASR_TEST_ROOT "/scenarios/memory_bound.lua");
  assert_string_equal(sc.name, "memory_bound");
  assert_true(sc.phases[0].client.memory_mb == 8192);
}

static const char *example =
    "return {\n"
    "  name = 'ru_bound_x', duration_s = 1800, seed = 1, doc_bytes = 860,\n"
    "  description = 'the issue example',\n"
    "  db = { latency_ms = 5, per_doc_us = 20, sigma = 0.02, kappa = 0.002,\n"
    "         ru_per_second = 10000, ru_per_doc = 5, retry_after_ms = 100,\n"
    "         noise = 0.05, error_rate = 0, transient_error_rate = 0 },\n"
    "  client = { cores = 2, per_doc_cpu_us = 3, memory_mb = 24576 },\n"
    "  start = { workers = 4, batch_size = 2000 },\n"
    "  phases = { { at_s = 600, db = { ru_per_second = 20000 } },\n"
    "             { at_s = 1200, doc_bytes = 1720, client = { cores = 4 } } },\n"
    "}\n";

static void test_example(void **state) {
  asr_scenario_t sc = load_text(example);
  assert_string_equal(sc.name, "ru_bound_x");
  assert_string_equal(sc.description, "the issue example");
  assert_true(sc.duration_s == 1800 && sc.seed == 1);
  assert_int_equal(sc.start_workers, 4);
  assert_int_equal(sc.start_batch_size, 2000);
  assert_int_equal(sc.nphases, 3);
  const asr_simdb_phase_t *p = sc.phases;
  assert_true(p[0].at_s == 0 && p[0].doc_bytes == 860);
  assert_true(p[0].db.latency_ms == 5 && p[0].db.per_doc_us == 20 && p[0].db.sigma == 0.02);
  assert_true(p[0].db.kappa == 0.002 && p[0].db.ru_per_second == 10000);
  assert_true(p[0].db.ru_per_doc == 5 && p[0].db.retry_after_ms == 100 && p[0].db.noise == 0.05);
  assert_true(p[0].client.cores == 2 && p[0].client.per_doc_cpu_us == 3);
  assert_true(p[0].client.memory_mb == 24576 && p[0].client.base_memory_mb == 50); /* default */
  assert_true(p[1].at_s == 600 && p[1].db.ru_per_second == 20000 && p[1].doc_bytes == 860);
  assert_true(p[1].db.ru_per_doc == 5 && p[1].client.cores == 2);
  assert_true(p[2].at_s == 1200 && p[2].doc_bytes == 1720 && p[2].client.cores == 4);
  assert_true(p[2].db.ru_per_second == 20000); /* cumulative */

  /* everything left out is the default; the name is the file's */
  sc = load_text("return {}");
  asr_scenario_t def;
  asr_scenario_defaults(&def);
  assert_string_equal(sc.name, "scenario_test");
  assert_true(sc.duration_s == def.duration_s && sc.seed == def.seed);
  assert_int_equal(sc.nphases, 1);
  assert_memory_equal(&sc.phases[0], &def.phases[0], sizeof def.phases[0]);
  sc = load_text("return { seed = 9007199254740993, phases = {} }");
  assert_true(sc.seed == 9007199254740993ull); /* a Lua integer, not rounded to a double */
  assert_int_equal(sc.nphases, 1);
}

static void test_scenarios_dir(void **state) {
  write_file(ASR_TEST_TMP "/mine.lua", "return { db = { latency_ms = 42 } }");
  setenv("ASRUN_SCENARIOS_DIR", ASR_TEST_TMP, 1);
  assert_string_equal(asr_scenario_dir(), ASR_TEST_TMP);
  asr_scenario_t sc = load_ok("mine");
  assert_string_equal(sc.name, "mine");
  assert_true(sc.phases[0].db.latency_ms == 42);
  char **names = asr_scenario_names();
  int found = 0;
  for (char **n = names; *n; n++) found += strcmp(*n, "mine") == 0;
  assert_int_equal(found, 1);
  asr_scenario_names_free(names);
  unsetenv("ASRUN_SCENARIOS_DIR");
  assert_string_equal(asr_scenario_dir(), ASR_TEST_ROOT "/scenarios");
  remove(ASR_TEST_TMP "/mine.lua");
}

static void test_resolve_errors(void **state) {
  asr_scenario_t sc;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_scenario_load("nope", &sc, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "unknown scenario 'nope' (capacity_drop, client_cpu_bound, "
                               "memory_bound, noisy_latency, ru_bound, shared_cpu, slow_start, "
                               "usl_peak12, or a path to a scenario .lua file)");
  asr_err_clear(&err);
  assert_int_equal(asr_scenario_load("/nonexistent/x.lua", &sc, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "scenario file /nonexistent/x.lua cannot be read");
  /* the loader hook is the same function */
  asr_err_clear(&err);
  assert_int_equal(asr_scenario_loader(NULL, "nope", &sc, &err), ASR_EINVAL);
  assert_non_null(strstr(err.msg, "unknown scenario 'nope'"));
  /* a file that fails to run: Lua's message, as a configuration error */
  write_file(TMP_FILE, "error('no scenario today')");
  asr_err_clear(&err);
  assert_int_equal(asr_scenario_load(TMP_FILE, &sc, &err), ASR_EINVAL);
  assert_non_null(strstr(err.msg, "scenario_test.lua:1: no scenario today"));
  write_file(TMP_FILE, "return {");
  asr_err_clear(&err);
  assert_int_equal(asr_scenario_load(TMP_FILE, &sc, &err), ASR_EINVAL);
  assert_non_null(strstr(err.msg, "scenario_test.lua"));
  write_file(TMP_FILE, "return { name = io.open('/etc/passwd') }"); /* sandboxed */
  asr_err_clear(&err);
  assert_int_equal(asr_scenario_load(TMP_FILE, &sc, &err), ASR_EINVAL);
}

static void test_key_errors(void **state) {
  expect_error("return 5", "the file must be a scenario table, got 5");
  expect_error("return { duraton_s = 5 }", "unknown key duraton_s (did you mean duration_s?)");
  expect_error("return { db = { zzzzzzz = 1 } }",
               "unknown key db.zzzzzzz (known: latency_ms, per_doc_us, per_kb_us, sigma, kappa, "
               "ru_per_second, ru_per_doc, ru_per_kb, retry_after_ms, noise, error_rate, "
               "transient_error_rate, throttle_above, shares_client_cpu, cpu_us_per_doc)");
  expect_error("return { client = { memory = 5 } }",
               "unknown key client.memory (did you mean memory_mb?)");
  expect_error("return { start = { worker = 5 } }",
               "unknown key start.worker (did you mean workers?)");
  expect_error("return { phases = { { at_s = 5, speedy = 1 } } }",
               "unknown key phases[1].speedy (known: at_s, doc_bytes, db, client)");
  expect_error("return { phases = { { at_s = 5, db = { ru_per_secnd = 1 } } } }",
               "unknown key phases[1].db.ru_per_secnd (did you mean ru_per_second?)");
  expect_error("return { 5 }", "the scenario has a key that is not a name (1)");
  expect_error("return { db = { 5 } }", "db has a key that is not a name (1)");
}

static void test_value_errors(void **state) {
  expect_error("return { db = { sigma = 'high' } }",
               "db.sigma must be a number from 0 to 1, got string");
  expect_error("return { db = { sigma = 1.5 } }", "db.sigma must be a number from 0 to 1, got 1.5");
  expect_error("return { db = { latency_ms = -1 } }",
               "db.latency_ms must be a number >= 0, got -1");
  expect_error("return { db = { noise = math.huge } }", "db.noise must be a number >= 0, got inf");
  expect_error("return { db = { retry_after_ms = 1.5 } }",
               "db.retry_after_ms must be a whole number from 0 to 4294967295, got 1.5");
  expect_error("return { db = { throttle_above = 4294967296 } }",
               "db.throttle_above must be a whole number from 0 to 4294967295, got 4294967296");
  expect_error("return { db = { shares_client_cpu = 1 } }",
               "db.shares_client_cpu must be true or false, got 1");
  expect_error("return { db = { transient_error_rate = 2 } }",
               "db.transient_error_rate must be a number from 0 to 1, got 2");
  expect_error("return { client = { cores = 0 } }", "client.cores must be a number > 0, got 0");
  expect_error("return { start = { workers = 0 } }",
               "start.workers must be a whole number from 1 to 4294967295, got 0");
  expect_error("return { start = { batch_size = 2.5 } }",
               "start.batch_size must be a whole number from 1 to 4294967295, got 2.5");
  expect_error("return { seed = -1 }", "seed must be a whole number >= 0, got -1");
  expect_error("return { duration_s = 0 }", "duration_s must be a number > 0, got 0");
  expect_error("return { doc_bytes = '1kb' }", "doc_bytes must be a number > 0, got string");
  expect_error("return { name = '' }", "name must be a string of 1 to 63 characters, got 0 "
                                       "characters");
  expect_error("return { name = string.rep('x', 64) }",
               "name must be a string of 1 to 63 characters, got 64 characters");
  expect_error("return { description = 5 }",
               "description must be a string of at most 255 characters, got 5");
  expect_error("return { db = 5 }", "db must be a table, got 5");
  expect_error("return { start = 'fast' }", "start must be a table, got string");
}

static void test_phase_errors(void **state) {
  expect_error("return { phases = 5 }", "phases must be a list of tables, got 5");
  expect_error("return { phases = { 5 } }", "phases[1] must be a table, got 5");
  expect_error("return { phases = { x = {} } }",
               "phases must be a list of tables, got key 'x'");
  expect_error("return { phases = { {} } }", "phases[1].at_s is missing (seconds from the start)");
  expect_error("return { phases = { { at_s = 300 }, { at_s = 200 } } }",
               "phases[2].at_s must be after phases[1].at_s (300), got 200");
  expect_error("return { phases = { { at_s = 300 }, { at_s = 300 } } }",
               "phases[2].at_s must be after phases[1].at_s (300), got 300");
  expect_error("return { duration_s = 600, phases = { { at_s = 700 } } }",
               "phases[1].at_s must be within the run (> 0 and < duration_s 600), got 700");
  expect_error("return { phases = { { at_s = 0 } } }",
               "phases[1].at_s must be within the run (> 0 and < duration_s 600), got 0");
  expect_error("return { phases = { { at_s = 10, db = { ru_per_second = 1 } },"
               " { at_s = 20, db = { ru_per_second = -5 } } } }",
               "phases[2].db.ru_per_second must be a number >= 0, got -5");
  expect_error("return { phases = { { at_s = 10, client = { memory_mb = 'lots' } } } }",
               "phases[1].client.memory_mb must be a number > 0, got string");
  expect_error("return { phases = { { at_s = 10, doc_bytes = 0 } } }",
               "phases[1].doc_bytes must be a number > 0, got 0");
  expect_error("local p = {} for i = 1, 32 do p[i] = { at_s = i } end return { phases = p }",
               "phases has 32 entries, at most 31");
  /* 31 is fine */
  asr_scenario_t sc = load_text("local p = {} for i = 1, 31 do p[i] = { at_s = i } end "
                                "return { phases = p }");
  assert_int_equal(sc.nphases, 32);
  assert_true(sc.phases[31].at_s == 31);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shipped),
      cmocka_unit_test(test_example),
      cmocka_unit_test(test_scenarios_dir),
      cmocka_unit_test(test_resolve_errors),
      cmocka_unit_test(test_key_errors),
      cmocka_unit_test(test_value_errors),
      cmocka_unit_test(test_phase_errors),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  remove(TMP_FILE);
  return rc;
}
