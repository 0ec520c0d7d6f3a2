/* Tests for metrics/series.c: points kept in order, the bound held by merging neighbours,
 * and what a merge keeps (weighted rates, summed counts, larger percentiles, later levels). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "metrics/series.h"

static asr_metrics_snapshot_t point(int i) {
  return (asr_metrics_snapshot_t){.t = 5.0 * (i + 1), .interval = 5.0, .workers = (uint32_t)i,
                                  .docs_per_second = 100.0 * i, .docs_total = 500u * (uint64_t)i,
                                  .errors = 1, .latency_p95_ms = (double)(i % 7)};
}

static void test_keeps_points_in_order(void **state) {
  asr_series_t *s = asr_series_new(8);
  assert_non_null(s);
  assert_int_equal(asr_series_len(s), 0);
  assert_null(asr_series_at(s, 0));
  for (int i = 0; i < 7; i++) {
    asr_metrics_snapshot_t p = point(i);
    asr_series_add(s, &p);
  }
  assert_int_equal(asr_series_len(s), 7);
  assert_int_equal(asr_series_stride(s), 1);
  for (int i = 0; i < 7; i++) assert_int_equal(asr_series_at(s, i)->workers, i);
  asr_series_free(s);
}

static void test_merge_of_two_intervals(void **state) {
  asr_series_t *s = asr_series_new(2);
  asr_metrics_snapshot_t a = point(1), b = point(2);
  a.interval = 1.0, b.interval = 3.0; /* weights: 100 docs/s for 1 s, 200 for 3 s */
  a.latency_p95_ms = 9.0, b.latency_p95_ms = 4.0;
  a.retry_after_ms = 20, b.retry_after_ms = 0;
  asr_series_add(s, &a);
  asr_series_add(s, &b); /* full: merged into one point covering both */
  assert_int_equal(asr_series_len(s), 1);
  assert_int_equal(asr_series_stride(s), 2);
  const asr_metrics_snapshot_t *m = asr_series_at(s, 0);
  assert_float_equal(m->docs_per_second, 175.0, 1e-9);
  assert_float_equal(m->interval, 4.0, 1e-9);
  assert_float_equal(m->t, b.t, 1e-9);
  assert_int_equal(m->workers, 2);         /* the later level */
  assert_int_equal(m->docs_total, 1000);
  assert_int_equal(m->errors, 2);          /* counts add up */
  assert_float_equal(m->latency_p95_ms, 9.0, 1e-9);
  assert_int_equal(m->retry_after_ms, 20);
  asr_series_free(s);
}

static void test_bounded_for_any_length(void **state) {
  asr_series_t *s = asr_series_new(16);
  uint64_t errors = 0;
  for (int i = 0; i < 10000; i++) {
    asr_metrics_snapshot_t p = point(i);
    asr_series_add(s, &p);
    errors += p.errors;
    assert_true(asr_series_len(s) <= 16);
  }
  size_t n = asr_series_len(s);
  assert_true(n >= 8);
  uint64_t seen = 0;
  double covered = 0, last_t = 0;
  for (size_t i = 0; i < n; i++) {
    const asr_metrics_snapshot_t *p = asr_series_at(s, i);
    assert_true(p->t > last_t); /* still in time order */
    last_t = p->t;
    seen += p->errors;
    covered += p->interval;
  }
  assert_int_equal(seen, errors);                    /* nothing lost in the merges */
  assert_float_equal(covered, 5.0 * 10000, 1e-6);    /* the whole run is covered */
  assert_float_equal(last_t, 5.0 * 10000, 1e-9);     /* up to the last interval */
  asr_series_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_keeps_points_in_order),
      cmocka_unit_test(test_merge_of_two_intervals),
      cmocka_unit_test(test_bounded_for_any_length),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
