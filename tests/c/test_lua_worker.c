/* One Lua state per worker thread: a strategy with a transform and custom template operators
 * (also a Lua template function) evaluates once per worker, in one state that both use. The
 * count is asr_vm_states_created() across whole runs (runtime/run.c), so the main state,
 * profile states and policies cancel out between a run with 1 worker and one with 4. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "cli/args.h"
#include "lua/vm.h"
#include "runtime/run.h"

#define TMP(name) ASR_TEST_TMP "/lua_worker_" name

static const char STRATEGY[] =
    "return {\n"
    "  source = { kind = 'template', total = 4000,\n"
    "             template = { a = '$vin', b = function(rng) return rng:integer(1, 9) end } },\n"
    "  operators = { vin = function(rng, opts) return 'W' .. rng:integer(100, 999) end },\n"
    "  transform = function(doc) doc.c = doc.b * 2 return doc end,\n"
    "}\n";

static void write_strategy(void) {
  mkdir(ASR_TEST_TMP, 0755);
  FILE *f = fopen(TMP("strategy.lua"), "wb");
  assert_non_null(f);
  fputs(STRATEGY, f);
  fclose(f);
}

/* Lua states a run of the strategy with `workers` workers creates. */
static unsigned long states_for(const char *workers) {
  char *argv[] = {"asrun", TMP("strategy.lua"), "--target", "null:", "--workers", (char *)workers,
                  "--batch-size", "100", "-q", NULL};
  asr_options_t opt;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_cli_parse(9, argv, &opt, &err), 0);
  unsigned long before = asr_vm_states_created();
  int rc = asr_run(&opt, &err);
  if (rc) fail_msg("run failed: %s", err.msg);
  return asr_vm_states_created() - before;
}

static void test_one_state_per_worker(void **state) {
  (void)state;
  write_strategy();
  unsigned long one = states_for("1"), four = states_for("4");
  assert_int_equal(four - one, 3); /* each extra worker: one state, not one per use */
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_one_state_per_worker)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
