/* Benchmark: template compile time at N and 10 N keys (default 20,000 and 200,000) for each
 * shape that was quadratic before issue 9 (tests/c/template_shapes.h). The ratio is the
 * figure: ~10 linear, ~12 n log n, ~100 quadratic. tests/c/test_template_scale.c checks the
 * same shapes by counting comparisons instead of timing them. Times are CPU time, so other
 * processes on the machine do not count.
 * Usage: template_compile_bench [N [WORD]]   (WORD: only the shapes whose name holds it) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tests/c/template_shapes.h"

/* mark() for shape_compile: t[0] at the first call, t[1] at the second. */
static void time_mark(void *ud) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9, *t = ud;
  t[t[0] ? 1 : 0] = now;
}

/* Seconds one compile of shape at n takes. */
static double seconds(int shape, int n) {
  double t[2] = {0, 0};
  asr_err_t err;
  asr_err_clear(&err);
  if (shape_compile(shape, n, time_mark, t, &err)) {
    fprintf(stderr, "template_compile_bench: %s\n", err.msg);
    exit(1);
  }
  return t[1] - t[0];
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 20000;
  if (n < 10 || n > 200000) n = 20000;
  printf("template compile time at %d and %d keys (ratio: ~10 linear, ~12 n log n, ~100 "
         "quadratic)\n%-34s %10s %10s %7s\n", n, 10 * n, "shape", "n ms", "10n ms", "ratio");
  for (int shape = 0; shape < SHAPE_COUNT; shape++) {
    if (argc > 2 && !strstr(shape_names[shape], argv[2])) continue;
    double small = seconds(shape, n); /* the best of three: small times are the noisy ones */
    for (int k = 0; k < 2; k++) {
      double again = seconds(shape, n);
      if (again < small) small = again;
    }
    double large = seconds(shape, 10 * n);
    printf("%-34s %10.1f %10.1f %7.1f\n", shape_names[shape], small * 1e3, large * 1e3,
           large / small);
    fflush(stdout);
  }
  return 0;
}
