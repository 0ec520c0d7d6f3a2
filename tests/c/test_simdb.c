/* The simulated database (simdb/): scenario defaults and phases, the service time formula,
 * the USL optimum found numerically, the request-unit bucket (partial batches, throttled
 * documents free, refill, phase changes), transient and permanent errors, determinism for a
 * seed, the noise's mean, and sim: specs. No clock: the model runs on the times it is given. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "simdb/model.h"
#include "simdb/scenario.h"
#include "simdb/spec.h"

static asr_scenario_t plain(void) {
  asr_scenario_t sc;
  asr_scenario_defaults(&sc);
  return sc;
}

static asr_simdb_write_t write_at(asr_simdb_t *m, double t, uint32_t n, uint32_t c) {
  asr_simdb_write_t w;
  asr_simdb_write(m, t, n, c, 0, &w);
  return w;
}

/* ---- scenario ------------------------------------------------------------------------ */

static void test_defaults(void **state) {
  asr_scenario_t sc = plain();
  assert_string_equal(sc.name, "");
  assert_true(sc.duration_s == 600);
  assert_true(sc.seed == 1);
  assert_int_equal(sc.start_workers, 0);
  assert_int_equal(sc.start_batch_size, 0);
  assert_int_equal(sc.nphases, 1);
  const asr_simdb_phase_t *p = &sc.phases[0];
  assert_true(p->at_s == 0 && p->doc_bytes == 1000);
  const asr_simdb_db_t *db = &p->db;
  assert_true(db->latency_ms == 5 && db->per_doc_us == 20 && db->per_kb_us == 0);
  assert_true(db->sigma == 0 && db->kappa == 0);
  assert_true(db->ru_per_second == 0 && db->ru_per_doc == 0 && db->ru_per_kb == 0);
  assert_true(db->retry_after_ms == 10 && db->noise == 0);
  assert_true(db->error_rate == 0 && db->transient_error_rate == 0);
  assert_int_equal(db->throttle_above, 0);
  assert_int_equal(db->shares_client_cpu, 0);
  assert_true(db->cpu_us_per_doc == 0);
  const asr_simdb_client_t *cl = &p->client;
  assert_true(cl->cores == 2 && cl->per_doc_cpu_us == 0 && cl->memory_mb == 24576);
  assert_true(cl->base_memory_mb == 50 && cl->memory_per_doc_factor == 3);
}

static void test_phase_at(void **state) {
  asr_scenario_t sc = plain();
  sc.nphases = 3;
  sc.phases[1] = sc.phases[0];
  sc.phases[1].at_s = 120;
  sc.phases[2] = sc.phases[0];
  sc.phases[2].at_s = 300;
  assert_ptr_equal(asr_scenario_at(&sc, -1), &sc.phases[0]);
  assert_ptr_equal(asr_scenario_at(&sc, 0), &sc.phases[0]);
  assert_ptr_equal(asr_scenario_at(&sc, 119.999), &sc.phases[0]);
  assert_ptr_equal(asr_scenario_at(&sc, 120), &sc.phases[1]);
  assert_ptr_equal(asr_scenario_at(&sc, 299), &sc.phases[1]);
  assert_ptr_equal(asr_scenario_at(&sc, 300), &sc.phases[2]);
  assert_ptr_equal(asr_scenario_at(&sc, 1e9), &sc.phases[2]);
}

static void test_client_memory(void **state) {
  asr_scenario_t sc = plain();
  /* 50 MiB + 1000 documents * 1000 bytes * 3 */
  assert_true(fabs(asr_simdb_client_memory_mb(&sc.phases[0], 1000) - (50 + 3e6 / 1048576.0)) <
              1e-9);
  assert_true(asr_simdb_client_memory_mb(&sc.phases[0], 0) == 50);
}

/* ---- service times ------------------------------------------------------------------- */

static void test_service_time(void **state) {
  asr_scenario_t sc = plain();
  asr_simdb_t *m = asr_simdb_new(&sc);
  asr_simdb_write_t w = write_at(m, 0, 100, 1);
  assert_true(fabs(w.service_s - 0.007) < 1e-12); /* 5 ms + 100 * 20 us */
  assert_int_equal(w.n, 100);
  assert_int_equal(w.written, 100);
  assert_int_equal(w.failed + w.throttled + w.transient, 0);
  assert_int_equal(w.retry_after_ms, 0);
  assert_true(w.request_charge == 0);
  asr_simdb_free(m);

  /* per KB of document (KiB: 2048 bytes are 2), and the USL factor at 4 in flight:
   * 1 + 0.5 * 3 + 0.25 * 4 * 3 = 5.5 */
  sc.phases[0].doc_bytes = 2048;
  sc.phases[0].db = (asr_simdb_db_t){.latency_ms = 10, .per_doc_us = 100, .per_kb_us = 50,
                                     .sigma = 0.5, .kappa = 0.25};
  m = asr_simdb_new(&sc);
  w = write_at(m, 0, 10, 4);
  assert_true(fabs(w.service_s - (10 + 10 * 0.2) / 1000 * 5.5) < 1e-12);
  assert_true(fabs(asr_simdb_usl_factor(&sc.phases[0].db, 4) - 5.5) < 1e-12);
  assert_true(asr_simdb_usl_factor(&sc.phases[0].db, 0) == 1); /* c counts as at least 1 */
  asr_simdb_free(m);
}

static void test_shared_cpu(void **state) {
  asr_scenario_t sc = plain();
  sc.phases[0].db = (asr_simdb_db_t){.latency_ms = 10, .cpu_us_per_doc = 40};
  asr_simdb_t *m = asr_simdb_new(&sc);
  asr_simdb_write_t w;
  asr_simdb_write(m, 0, 100, 3, 3, &w); /* not shared: the client's load does not matter */
  assert_true(fabs(w.service_s - 0.010) < 1e-12);
  asr_simdb_free(m);
  sc.phases[0].db.shares_client_cpu = 1;
  m = asr_simdb_new(&sc);
  asr_simdb_write(m, 0, 100, 3, 3, &w); /* (3 + 3) runnable on 2 cores: 3x */
  assert_true(fabs(w.service_s - 0.030) < 1e-12);
  assert_true(fabs(w.db_cpu_s - 100 * 40e-6) < 1e-12);
  asr_simdb_write(m, 0, 100, 1, 0, &w); /* fewer runnable than cores: no slowdown */
  assert_true(fabs(w.service_s - 0.010) < 1e-12);
  asr_simdb_write(m, 0, 100, 1, 2.5, &w);
  assert_true(fabs(w.service_s - 0.0175) < 1e-12);
  asr_simdb_free(m);
}

/* Throughput of c writers with n documents each: c * n / service. */
static double throughput(asr_simdb_t *m, uint32_t c, uint32_t n) {
  asr_simdb_write_t w = write_at(m, 0, n, c);
  return (double)c * n / w.service_s;
}

/* The best c by the model, against sqrt((1 - sigma) / kappa). */
static void check_usl_peak(double sigma, double kappa, uint32_t want) {
  asr_scenario_t sc = plain();
  sc.phases[0].db.sigma = sigma;
  sc.phases[0].db.kappa = kappa;
  asr_simdb_t *m = asr_simdb_new(&sc);
  uint32_t best = 1;
  for (uint32_t c = 1; c <= 200; c++)
    if (throughput(m, c, 2000) > throughput(m, best, 2000)) best = c;
  assert_int_equal(best, want);
  /* continuous: maximise c / factor(c) by golden-section search */
  double a = 1, b = 200, g = (sqrt(5) - 1) / 2;
  for (int i = 0; i < 200; i++) {
    double x1 = b - g * (b - a), x2 = a + g * (b - a);
    if (x1 / asr_simdb_usl_factor(&sc.phases[0].db, x1) <
        x2 / asr_simdb_usl_factor(&sc.phases[0].db, x2))
      a = x1;
    else
      b = x2;
  }
  assert_true(fabs((a + b) / 2 - sqrt((1 - sigma) / kappa)) < 1e-6);
  asr_simdb_free(m);
}

static void test_usl_optimum(void **state) {
  check_usl_peak(0.1, 0.00625, 12);  /* usl_peak12: sqrt(144) */
  check_usl_peak(0.02, 0.002, 22);   /* sqrt(490) = 22.1 */
  check_usl_peak(0.01, 0.0011, 30);  /* slow_start: sqrt(900) */
  check_usl_peak(0.0, 0.0001, 100);
}

/* ---- request units ------------------------------------------------------------------- */

static asr_scenario_t ru_scenario(double per_second, double per_doc) {
  asr_scenario_t sc = plain();
  sc.phases[0].db.ru_per_second = per_second;
  sc.phases[0].db.ru_per_doc = per_doc;
  sc.phases[0].db.retry_after_ms = 100;
  return sc;
}

static void test_ru_budget(void **state) {
  asr_scenario_t sc = ru_scenario(10000, 5);
  asr_simdb_t *m = asr_simdb_new(&sc);
  /* a batch larger than a second's budget gets what the bucket holds (it starts full) */
  asr_simdb_write_t w = write_at(m, 0, 3000, 1);
  assert_int_equal(w.written, 2000);
  assert_int_equal(w.throttled, 1000);
  assert_int_equal(w.retry_after_ms, 100);
  assert_true(w.request_charge == 10000);
  assert_true(fabs(w.service_s - (5 + 2000 * 0.02) / 1000) < 1e-12); /* for what it wrote */
  /* empty bucket: everything throttled, in latency_ms, free */
  w = write_at(m, 0, 10, 1);
  assert_int_equal(w.written, 0);
  assert_int_equal(w.throttled, 10);
  assert_true(w.request_charge == 0);
  assert_true(fabs(w.service_s - 0.005) < 1e-12);
  /* throttled documents consumed nothing: 0.1 s refills 1000 RU, 200 documents */
  w = write_at(m, 0.1, 150, 1);
  assert_int_equal(w.written, 150);
  assert_true(w.request_charge == 750);
  w = write_at(m, 0.1, 1000, 1);
  assert_int_equal(w.written, 50);
  assert_int_equal(w.throttled, 950);
  /* continuous refill: 0.5 s more is 5000 RU */
  w = write_at(m, 0.6, 5000, 1);
  assert_int_equal(w.written, 1000);
  /* never more than a second's budget, however long idle */
  w = write_at(m, 100, 100000, 1);
  assert_int_equal(w.written, 2000);
  /* ru_per_kb adds per KiB of document: 5 + 1 * 2 = 7 RU */
  asr_simdb_free(m);
  sc.phases[0].doc_bytes = 2048;
  sc.phases[0].db.ru_per_kb = 1;
  m = asr_simdb_new(&sc);
  w = write_at(m, 0, 3000, 1);
  assert_int_equal(w.written, 1428); /* floor(10000 / 7) */
  assert_true(fabs(w.request_charge - 1428 * 7) < 1e-9);
  asr_simdb_free(m);
}

static void test_ru_unlimited_and_dear_documents(void **state) {
  asr_scenario_t sc = ru_scenario(0, 5); /* no budget: never throttled, still charged */
  asr_simdb_t *m = asr_simdb_new(&sc);
  asr_simdb_write_t w = write_at(m, 0, 100000, 1);
  assert_int_equal(w.written, 100000);
  assert_true(w.request_charge == 500000);
  asr_simdb_free(m);
  /* a document dearer than a second's budget goes through on a full bucket, in debt */
  sc = ru_scenario(3, 5);
  m = asr_simdb_new(&sc);
  w = write_at(m, 0, 10, 1);
  assert_int_equal(w.written, 1);
  assert_int_equal(w.throttled, 9);
  w = write_at(m, 1, 10, 1); /* -2 + 3 = 1 RU */
  assert_int_equal(w.written, 0);
  w = write_at(m, 2, 10, 1); /* full again */
  assert_int_equal(w.written, 1);
  asr_simdb_free(m);
}

static void test_ru_phases(void **state) {
  asr_scenario_t sc = ru_scenario(10000, 5);
  sc.nphases = 4;
  for (int i = 1; i < 4; i++) sc.phases[i] = sc.phases[0];
  sc.phases[1].at_s = 10;
  sc.phases[1].db.ru_per_second = 20000; /* the budget doubles */
  sc.phases[2].at_s = 20;
  sc.phases[2].db.ru_per_second = 4000; /* and shrinks */
  sc.phases[3].at_s = 40;
  sc.phases[3].db.ru_per_second = 0; /* unlimited */
  asr_simdb_t *m = asr_simdb_new(&sc);
  asr_simdb_write_t w = write_at(m, 9.5, 100000, 1);
  assert_int_equal(w.written, 2000); /* empties the bucket */
  /* 0.5 s at 10,000 RU/s then 0.5 s at 20,000 RU/s: 15,000 RU, 3,000 documents */
  w = write_at(m, 10.5, 100000, 1);
  assert_int_equal(w.written, 3000);
  w = write_at(m, 15, 100000, 1); /* full at the new capacity */
  assert_int_equal(w.written, 4000);
  w = write_at(m, 30, 100000, 1); /* capacity 4,000 RU */
  assert_int_equal(w.written, 800);
  w = write_at(m, 50, 100000, 1);
  assert_int_equal(w.written, 100000);
  assert_int_equal(w.throttled, 0);
  asr_simdb_free(m);

  /* unlimited, then limited: the bucket starts full */
  sc = ru_scenario(0, 1);
  sc.nphases = 2;
  sc.phases[1] = sc.phases[0];
  sc.phases[1].at_s = 5;
  sc.phases[1].db.ru_per_second = 1000;
  m = asr_simdb_new(&sc);
  assert_int_equal(write_at(m, 1, 5000, 1).written, 5000);
  assert_int_equal(write_at(m, 6, 5000, 1).written, 1000);
  asr_simdb_free(m);
}

/* ---- errors -------------------------------------------------------------------------- */

static void test_legacy_throttle(void **state) {
  asr_scenario_t sc = ru_scenario(10000, 5);
  sc.phases[0].db.throttle_above = 2;
  asr_simdb_t *m = asr_simdb_new(&sc);
  asr_simdb_write_t w = write_at(m, 0, 50, 3);
  assert_int_equal(w.written, 0);
  assert_int_equal(w.throttled, 50);
  assert_int_equal(w.retry_after_ms, 100);
  assert_true(w.service_s == 0); /* refused at once */
  assert_true(w.request_charge == 0);
  w = write_at(m, 0, 3000, 2); /* at the limit: written, the bucket untouched so far */
  assert_int_equal(w.written, 2000);
  asr_simdb_free(m);
}

static void test_transient_errors(void **state) {
  asr_scenario_t sc = ru_scenario(10000, 5);
  sc.phases[0].db.transient_error_rate = 1;
  asr_simdb_t *m = asr_simdb_new(&sc);
  asr_simdb_write_t w = write_at(m, 0, 500, 1);
  assert_int_equal(w.transient, 1);
  assert_int_equal(w.n, 500);
  assert_int_equal(w.written + w.failed + w.throttled, 0);
  assert_true(w.request_charge == 0);
  assert_true(fabs(w.service_s - 0.005) < 1e-12);
  asr_simdb_free(m);

  sc.phases[0].db.transient_error_rate = 0.25;
  sc.phases[0].db.ru_per_second = 0;
  m = asr_simdb_new(&sc);
  int transient = 0;
  uint64_t written = 0;
  for (int i = 0; i < 10000; i++) {
    w = write_at(m, 0, 10, 1);
    transient += w.transient;
    if (!w.transient) assert_int_equal(w.first_doc_seq, written); /* failed writes: no seq */
    written += w.written;
  }
  assert_true(transient > 2300 && transient < 2700);
  assert_int_equal(written, 10u * (10000 - (unsigned)transient));
  asr_simdb_free(m);
}

static void test_permanent_errors(void **state) {
  asr_scenario_t sc = plain();
  sc.phases[0].db.error_rate = 0.3; /* every 3rd document written over the run */
  asr_simdb_t *m = asr_simdb_new(&sc);
  asr_simdb_write_t w = write_at(m, 0, 7, 1);
  assert_int_equal(w.written, 7);
  assert_int_equal(w.failed, 2);
  assert_int_equal(w.error_period, 3);
  int want[7] = {0, 0, 1, 0, 0, 1, 0};
  for (uint32_t i = 0; i < 7; i++) assert_int_equal(asr_simdb_failed_at(m, &w, i), want[i]);
  w = write_at(m, 0, 3, 1);
  assert_int_equal(w.first_doc_seq, 7);
  assert_int_equal(w.failed, 1);
  assert_int_equal(asr_simdb_failed_at(m, &w, 1), 1); /* the 9th */
  assert_int_equal(asr_simdb_failed_at(m, &w, 0) + asr_simdb_failed_at(m, &w, 2), 0);
  asr_simdb_free(m);

  sc.phases[0].db.error_rate = 0.01;
  m = asr_simdb_new(&sc);
  uint32_t failed = 0;
  for (int i = 0; i < 10; i++) failed += write_at(m, 0, 100, 1).failed;
  assert_int_equal(failed, 10);
  asr_simdb_free(m);
}

/* ---- determinism and noise ------------------------------------------------------------ */

static asr_scenario_t busy_scenario(uint64_t seed) {
  asr_scenario_t sc = ru_scenario(20000, 5);
  sc.seed = seed;
  sc.phases[0].db.noise = 0.3;
  sc.phases[0].db.transient_error_rate = 0.1;
  sc.phases[0].db.error_rate = 0.001;
  sc.phases[0].db.sigma = 0.05;
  sc.phases[0].db.kappa = 0.001;
  return sc;
}

static int same_write(const asr_simdb_write_t *a, const asr_simdb_write_t *b) {
  return a->service_s == b->service_s && a->written == b->written && a->failed == b->failed &&
         a->throttled == b->throttled && a->transient == b->transient &&
         a->request_charge == b->request_charge && a->first_doc_seq == b->first_doc_seq;
}

static void test_determinism(void **state) {
  asr_scenario_t sc = busy_scenario(42);
  asr_simdb_t *a = asr_simdb_new(&sc), *b = asr_simdb_new(&sc);
  sc = busy_scenario(43);
  asr_simdb_t *other = asr_simdb_new(&sc);
  int differs = 0;
  for (int i = 0; i < 5000; i++) {
    double t = i * 0.01;
    uint32_t n = 100 + (uint32_t)(i * 37 % 900), c = 1 + (uint32_t)(i % 9);
    asr_simdb_write_t wa = write_at(a, t, n, c), wb = write_at(b, t, n, c);
    asr_simdb_write_t wo = write_at(other, t, n, c);
    if (!same_write(&wa, &wb)) fail_msg("write %d differs for the same seed", i);
    differs += !same_write(&wa, &wo);
  }
  assert_true(differs > 1000);
  asr_simdb_free(a);
  asr_simdb_free(b);
  asr_simdb_free(other);
}

static void test_noise_mean(void **state) {
  asr_scenario_t sc = plain();
  sc.phases[0].db.noise = 0.3;
  asr_simdb_t *m = asr_simdb_new(&sc);
  const int draws = 200000;
  double sum = 0, sum2 = 0, base = 0.007, lo = 1e9, hi = 0;
  for (int i = 0; i < draws; i++) {
    double f = write_at(m, 0, 100, 1).service_s / base;
    sum += f;
    sum2 += f * f;
    lo = fmin(lo, f);
    hi = fmax(hi, f);
  }
  double mean = sum / draws, sd = sqrt(sum2 / draws - mean * mean);
  assert_true(fabs(mean - 1) < 0.005);
  assert_true(fabs(sd - sqrt(exp(0.09) - 1)) < 0.01); /* log-normal: 0.307 */
  assert_true(lo > 0 && hi > 2);
  asr_simdb_free(m);
}

/* ---- sim: specs ---------------------------------------------------------------------- */

static void test_spec_keys(void **state) {
  asr_scenario_t sc;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_simdb_spec_parse("latency_ms=2.5,per_doc_us=7,sigma=0.1,kappa=0.02,"
                                        "throttle_above=3,retry_after_ms=15,error_rate=0.25,"
                                        "per_kb_us=3,ru_per_second=10000,ru_per_doc=5,"
                                        "ru_per_kb=1.5,noise=0.3,transient_error_rate=0.01,"
                                        "seed=18446744073709551615,doc_bytes=860",
                                        &sc, &err),
                   0);
  const asr_simdb_db_t *db = &sc.phases[0].db;
  assert_true(db->latency_ms == 2.5 && db->per_doc_us == 7 && db->sigma == 0.1);
  assert_true(db->kappa == 0.02 && db->throttle_above == 3 && db->retry_after_ms == 15);
  assert_true(db->error_rate == 0.25 && db->per_kb_us == 3 && db->ru_per_second == 10000);
  assert_true(db->ru_per_doc == 5 && db->ru_per_kb == 1.5 && db->noise == 0.3);
  assert_true(db->transient_error_rate == 0.01);
  assert_true(sc.seed == UINT64_MAX);
  assert_true(sc.phases[0].doc_bytes == 860);
  assert_int_equal(sc.nphases, 1);
  assert_true(asr_simdb_spec_is_key("ru_per_second"));
  assert_false(asr_simdb_spec_is_key("shares_client_cpu"));
  char text[512];
  asr_simdb_describe(&sc, text, sizeof text);
  assert_string_equal(text, "simulated database (latency 2.5 ms + 7 us/doc + 3 us/KB, sigma 0.1, "
                            "kappa 0.02, 10000 RU/s at 5 RU/doc + 1.5 RU/KB (retry after 15 "
                            "ms), throttled above 3 writers, retry after 15 ms, error rate "
                            "0.25, transient error rate 0.01, noise 0.3, documents 860 bytes, "
                            "seed 18446744073709551615)");
  assert_int_equal(asr_simdb_spec_parse("", &sc, &err), 0);
  asr_simdb_describe(&sc, text, sizeof text);
  assert_string_equal(text, "simulated database (latency 5 ms + 20 us/doc, sigma 0, kappa 0)");
  /* a named scenario with phases */
  snprintf(sc.name, sizeof sc.name, "ru_bound");
  sc.nphases = 3;
  asr_simdb_describe(&sc, text, sizeof text);
  assert_string_equal(text, "simulated database: scenario ru_bound (latency 5 ms + 20 us/doc, "
                            "sigma 0, kappa 0, 3 phases)");
  /* the description is cut, not overrun */
  asr_simdb_describe(&sc, text, 12);
  assert_string_equal(text, "simulated d");
}

static void expect_spec_error(const char *spec, const char *msg) {
  asr_scenario_t sc;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_simdb_spec_parse(spec, &sc, &err), ASR_EINVAL);
  assert_string_equal(err.msg, msg);
}

static void test_spec_errors(void **state) {
  expect_spec_error("seed=-1", "sim: bad value '-1' for seed (a whole number from 0 to "
                               "18446744073709551615)");
  expect_spec_error("seed=18446744073709551616", "sim: bad value '18446744073709551616' for "
                    "seed (a whole number from 0 to 18446744073709551615)");
  expect_spec_error("doc_bytes=0", "sim: bad value '0' for doc_bytes (a number > 0)");
  expect_spec_error("transient_error_rate=2",
                    "sim: bad value '2' for transient_error_rate (a number from 0 to 1)");
  expect_spec_error("ru_per_second=-5", "sim: bad value '-5' for ru_per_second (a number >= 0)");
  expect_spec_error("noise", "sim: option 'noise' needs a value (noise=NUMBER)");
  expect_spec_error("ru_per_sec=1", "sim: unknown option 'ru_per_sec' (" ASR_SIMDB_SPEC_KEYS ")");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_phase_at),
      cmocka_unit_test(test_client_memory),
      cmocka_unit_test(test_service_time),
      cmocka_unit_test(test_shared_cpu),
      cmocka_unit_test(test_usl_optimum),
      cmocka_unit_test(test_ru_budget),
      cmocka_unit_test(test_ru_unlimited_and_dear_documents),
      cmocka_unit_test(test_ru_phases),
      cmocka_unit_test(test_legacy_throttle),
      cmocka_unit_test(test_transient_errors),
      cmocka_unit_test(test_permanent_errors),
      cmocka_unit_test(test_determinism),
      cmocka_unit_test(test_noise_mean),
      cmocka_unit_test(test_spec_keys),
      cmocka_unit_test(test_spec_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
