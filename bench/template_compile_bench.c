/* Benchmark: template compile time at N and 10 N keys (default 20,000 and 200,000) for each
 * shape that was quadratic before issue 9 (tests/c/template_shapes.h). The ratio is the
 * figure: ~10 linear, ~12 n log n, ~100 quadratic. tests/c/test_template_scale.c checks the
 * same shapes by counting comparisons instead of timing them.
 * Usage: template_compile_bench [N [WORD]]   (WORD: only the shapes whose name holds it) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../tests/c/template_shapes.h"
#include "lua/strategy.h"
#include "sources/source.h"
#include "template/mgodatagen.h"
#include "template/template.h"

/* CPU time: other processes on the machine do not count. */
static double seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void check(int rc, const asr_err_t *err) {
  if (rc == 0) return;
  fprintf(stderr, "template_compile_bench: %s\n", err->msg);
  exit(1);
}

static void compile(const char *json, const asr_template_options_t *opt) {
  asr_template_t *tpl = NULL;
  asr_err_t err;
  asr_err_clear(&err);
  check(asr_template_compile(json, strlen(json), "bench", opt, &tpl, &err), &err);
  asr_template_free(tpl);
}

/* Each returns the seconds one compile of the shape at n takes (text built beforehand). */

static double time_flat(int n) {
  char *json = shape_flat(n);
  double t0 = seconds();
  compile(json, NULL);
  double s = seconds() - t0;
  free(json);
  return s;
}

static double time_custom(int n) {
  char **names = NULL, *json = shape_custom(n, &names);
  asr_template_options_t opt = {.custom_ops = (const char *const *)names, .ncustom = (size_t)n};
  double t0 = seconds();
  compile(json, &opt);
  double s = seconds() - t0;
  shape_free_names(names, n);
  free(json);
  return s;
}

static double time_mgodatagen(int n) {
  char *cfg = shape_mgodatagen(n);
  asr_mgo_collection_t *cols = NULL;
  size_t ncols = 0;
  asr_err_t err;
  asr_err_clear(&err);
  double t0 = seconds();
  check(asr_mgodatagen_parse(cfg, strlen(cfg), "bench", &cols, &ncols, &err), &err);
  double s = seconds() - t0;
  asr_mgodatagen_free(cols, ncols);
  free(cfg);
  return s;
}

static double time_pool(int n) {
  char *json = shape_pool(n / 10); /* characters, not keys: at most 20,000 distinct */
  double t0 = seconds();
  compile(json, NULL);
  double s = seconds() - t0;
  free(json);
  return s;
}

/* The strategy's Lua template to JSON (ltemplate.c), then the compile with its functions as
 * custom operators: what a run does before its first document. */
static double time_lua(int n) {
  char path[] = "/tmp/asrun-template-bench-XXXXXX.lua";
  int fd = mkstemps(path, 4);
  char *text = shape_lua_strategy(n);
  if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) abort();
  close(fd);
  free(text);
  asr_strategy_t *st = NULL;
  asr_source_spec_t spec = {0};
  asr_err_t err;
  asr_err_clear(&err);
  double t0 = seconds();
  int rc = asr_strategy_load(path, &st, &err);
  if (rc == 0) rc = asr_strategy_custom_ops(st, &spec, &err);
  unlink(path);
  check(rc, &err);
  asr_template_options_t opt = {.custom_ops = (const char *const *)spec.custom_ops,
                                .ncustom = spec.ncustom};
  compile(st->source.template_json, &opt);
  double s = seconds() - t0;
  asr_source_spec_free(&spec);
  asr_strategy_free(st);
  return s;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 20000;
  if (n < 10 || n > 200000) n = 20000;
  static const struct {
    const char *name;
    double (*time)(int);
  } shapes[] = {
      {"flat object (keys)", time_flat},
      {"custom operators (fields)", time_custom},
      {"mgodatagen content (fields)", time_mgodatagen},
      {"unique pool (n/10 characters)", time_pool},
      {"Lua template, a function a field", time_lua},
  };
  printf("template compile time at %d and %d keys (ratio: ~10 linear, ~12 n log n, ~100 quadratic)\n",
         n, 10 * n);
  printf("%-34s %10s %10s %7s\n", "shape", "n ms", "10n ms", "ratio");
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
    if (argc > 2 && !strstr(shapes[i].name, argv[2])) continue;
    double small = shapes[i].time(n); /* the best of three: small times are the noisy ones */
    for (int k = 0; k < 2; k++) {
      double again = shapes[i].time(n);
      if (again < small) small = again;
    }
    double large = shapes[i].time(10 * n);
    printf("%-34s %10.1f %10.1f %7.1f\n", shapes[i].name, small * 1e3, large * 1e3, large / small);
    fflush(stdout);
  }
  return 0;
}
