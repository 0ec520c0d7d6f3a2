/* The sim: sink: option parsing and its messages, write timing (lower bounds only: the
 * machine is shared), USL contention between concurrent writers, throttling with retries,
 * deterministic document failures, abort waking a sleeping writer, and the counters; the
 * request-unit budget in real time, transient errors counted as the model answers them, and
 * scenarios through the loader hook (a fake one and the shipped files). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "lua/scenario.h"
#include "simdb/model.h"
#include "simdb/spec.h"
#include "sinks/dead_letter.h"
#include "sinks/sink.h"

/* Every key, as the unknown-option message lists them. */
#define KEYS "latency_ms, per_doc_us, sigma, kappa, throttle_above, retry_after_ms, error_rate, " \
             "per_kb_us, ru_per_second, ru_per_doc, ru_per_kb, noise, transient_error_rate, "    \
             "seed, doc_bytes"

static asr_sink_t *open_sim(const char *uri) {
  asr_sink_options_t opt = {0};
  asr_sink_t *s = NULL;
  asr_err_t err;
  asr_err_clear(&err);
  int rc = asr_sink_open(uri, &opt, &s, &err);
  if (rc) fail_msg("%s: %s", uri, err.msg);
  assert_non_null(s);
  return s;
}

static void make_docs(asr_docs_t *d, uint32_t n) {
  asr_docs_init(d);
  for (uint32_t i = 0; i < n; i++) {
    bson_t *b = BCON_NEW("_id", BCON_INT32((int32_t)i));
    assert_int_equal(asr_docs_append_bson(d, b), 0);
    bson_destroy(b);
  }
}

static double ms_since(uint64_t t0) { return (double)(uv_hrtime() - t0) / 1e6; }

static asr_sink_db_stats_t stats_of(asr_sink_t *s) {
  asr_sink_db_stats_t st;
  assert_int_equal(asr_sink_stats(s, &st), 1);
  return st;
}

/* Writes one batch; returns rc, fills *ms with how long it took. */
static int write_timed(asr_sink_t *s, asr_sink_worker_t *w, uint64_t seq, const asr_docs_t *d,
                       double *ms, asr_err_t *err) {
  asr_err_clear(err);
  uint64_t t0 = uv_hrtime();
  int rc = s->vt->write(s, w, seq, d, err);
  if (ms) *ms = ms_since(t0);
  return rc;
}

/* Polls until `n` writers are in flight (the writer thread is asleep in its write). */
static void wait_in_flight(asr_sink_t *s, uint32_t n) {
  for (int i = 0; i < 10000 && stats_of(s).pool_in_use != n; i++) usleep(1000);
  assert_int_equal(stats_of(s).pool_in_use, n);
}

/* ---- options ----------------------------------------------------------------------- */

static void test_defaults(void **state) {
  asr_sink_t *s = open_sim("sim:");
  assert_string_equal(s->vt->scheme, "sim");
  assert_string_equal(s->description,
                      "simulated database (latency 5 ms + 20 us/doc, sigma 0, kappa 0)");
  assert_string_equal(s->location, "sim:");
  asr_sink_db_stats_t st = stats_of(s);
  assert_int_equal(st.docs_written + st.batches + st.failed + st.throttles + st.retries, 0);
  assert_int_equal(st.pool_size, 0);
  asr_docs_t d;
  make_docs(&d, 100);
  asr_err_t err;
  double ms;
  assert_int_equal(write_timed(s, NULL, 0, &d, &ms, &err), 0);
  assert_true(ms >= 6.9); /* 5 ms + 100 * 20 us = 7 ms */
  st = stats_of(s);
  assert_int_equal(st.docs_written, 100);
  assert_int_equal(st.batches, 1);
  assert_int_equal(st.failed, 0);
  assert_true(st.latency_us_total >= 6900);
  assert_int_equal(s->vt->finish(s, &err), 0);
  asr_docs_free(&d);
  asr_sink_destroy(s);
}

static void test_each_key(void **state) {
  asr_sink_t *s = open_sim("sim:latency_ms=2.5,per_doc_us=7,sigma=0.1,kappa=0.02,"
                           "throttle_above=3,retry_after_ms=15,error_rate=0.25");
  assert_string_equal(s->description,
                      "simulated database (latency 2.5 ms + 7 us/doc, sigma 0.1, kappa 0.02, "
                      "throttled above 3 writers, retry after 15 ms, error rate 0.25)");
  asr_sink_destroy(s);
  /* empty items are skipped; a later value replaces an earlier one */
  s = open_sim("sim:,latency_ms=1,,latency_ms=0,per_doc_us=0,");
  assert_string_equal(s->description,
                      "simulated database (latency 0 ms + 0 us/doc, sigma 0, kappa 0)");
  asr_sink_destroy(s);
  /* the open function takes the text after "sim:" */
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_sink_sim_open("kappa=1e-2", NULL, &s, &err), 0);
  assert_string_equal(s->description,
                      "simulated database (latency 5 ms + 20 us/doc, sigma 0, kappa 0.01)");
  asr_sink_destroy(s);
}

static void expect_error(const char *uri, const char *msg) {
  asr_sink_options_t opt = {0};
  asr_sink_t dummy, *s = &dummy; /* must be reset to NULL */
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_sink_open(uri, &opt, &s, &err), ASR_EINVAL);
  assert_null(s);
  assert_string_equal(err.msg, msg);
}

static void test_option_errors(void **state) {
  expect_error("sim:latncy_ms=5", "sim: unknown option 'latncy_ms' (" KEYS ")");
  expect_error("sim:latency_ms=1,,x=1", "sim: unknown option 'x' (" KEYS ")");
  expect_error("sim:=5", "sim: unknown option '' (" KEYS ")");
  /* without a scenario loader a bare word is an option */
  expect_error("sim:x", "sim: unknown option 'x' (" KEYS ")");
  expect_error("sim:latency_ms", "sim: option 'latency_ms' needs a value (latency_ms=NUMBER)");
  expect_error("sim:latency_ms=abc", "sim: bad value 'abc' for latency_ms (a number >= 0)");
  expect_error("sim:latency_ms=", "sim: bad value '' for latency_ms (a number >= 0)");
  expect_error("sim:per_doc_us=5us", "sim: bad value '5us' for per_doc_us (a number >= 0)");
  expect_error("sim:sigma=-0.1", "sim: bad value '-0.1' for sigma (a number >= 0)");
  expect_error("sim:kappa=nan", "sim: bad value 'nan' for kappa (a number >= 0)");
  expect_error("sim:kappa=inf", "sim: bad value 'inf' for kappa (a number >= 0)");
  expect_error("sim:error_rate=1.5",
               "sim: bad value '1.5' for error_rate (a number from 0 to 1)");
  expect_error("sim:throttle_above=2.5",
               "sim: bad value '2.5' for throttle_above (a whole number from 0 to 4294967295)");
  expect_error("sim:throttle_above=4294967296", "sim: bad value '4294967296' for "
               "throttle_above (a whole number from 0 to 4294967295)");
  expect_error("sim:retry_after_ms=-1",
               "sim: bad value '-1' for retry_after_ms (a whole number from 0 to 4294967295)");
  expect_error("s3://bucket/x", "unknown target scheme 's3:' (known: file:PATH.jsonl, "
                                "file:PATH.bson, jsonl:PATH, bson:PATH, - (standard output), "
                                "null:, sim:, mongodb://, mongodb+srv://)");
}

/* ---- timing and contention ---------------------------------------------------------- */

static void test_write_timing(void **state) {
  asr_sink_t *s = open_sim("sim:latency_ms=20,per_doc_us=1000");
  asr_docs_t d, empty;
  make_docs(&d, 10);
  make_docs(&empty, 0);
  asr_err_t err;
  double ms;
  assert_int_equal(write_timed(s, NULL, 0, &d, &ms, &err), 0);
  assert_true(ms >= 29.9); /* 20 ms + 10 * 1 ms */
  assert_int_equal(write_timed(s, NULL, 1, &empty, &ms, &err), 0); /* counted, not slept */
  asr_sink_db_stats_t st = stats_of(s);
  assert_int_equal(st.docs_written, 10);
  assert_int_equal(st.batches, 2);
  assert_true(st.latency_us_total >= 29900);
  assert_int_equal(st.pool_in_use, 0);
  asr_docs_free(&d);
  asr_docs_free(&empty);
  asr_sink_destroy(s);
}

typedef struct {
  asr_sink_t *s;
  const asr_docs_t *d;
  uv_barrier_t *start;
  int nbatch, rc[8];
  double ms[8];
} writer_t;

static void writer_run(void *arg) {
  writer_t *j = arg;
  asr_sink_worker_t *w = NULL;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(j->s->vt->worker_open(j->s, &w, &err), 0);
  if (j->start) uv_barrier_wait(j->start);
  for (int b = 0; b < j->nbatch; b++)
    j->rc[b] = write_timed(j->s, w, (uint64_t)b, j->d, &j->ms[b], &err);
  j->s->vt->worker_close(j->s, w);
}

/* Runs n writer threads started together, nbatch batches each. */
static void run_writers(asr_sink_t *s, const asr_docs_t *d, writer_t *jobs, int n, int nbatch) {
  uv_barrier_t start;
  uv_thread_t t[8];
  assert_int_equal(uv_barrier_init(&start, (unsigned)n), 0);
  for (int i = 0; i < n; i++) {
    jobs[i] = (writer_t){.s = s, .d = d, .start = &start, .nbatch = nbatch};
    assert_int_equal(uv_thread_create(&t[i], writer_run, &jobs[i]), 0);
  }
  for (int i = 0; i < n; i++) uv_thread_join(&t[i]);
  uv_barrier_destroy(&start);
}

/* Factors 1 + sigma(c-1) + kappa c(c-1) for c = 1..4 with sigma 0.5, kappa 0.25: 1, 2, 3.5,
 * 5.5 (sum 12). The bounds below hold as soon as three of the four writes overlap. */
static void test_contention(void **state) {
  const double base = 100.0;
  asr_sink_t *s = open_sim("sim:latency_ms=100,per_doc_us=0,sigma=0.5,kappa=0.25");
  asr_docs_t d;
  make_docs(&d, 10);
  writer_t one, four[4];
  run_writers(s, &d, &one, 1, 1);
  assert_int_equal(one.rc[0], 0);
  assert_true(one.ms[0] >= base - 0.1);
  run_writers(s, &d, four, 4, 1);
  double sum = 0, max = 0;
  for (int i = 0; i < 4; i++) {
    assert_int_equal(four[i].rc[0], 0);
    assert_true(four[i].ms[0] >= base - 0.1);
    sum += four[i].ms[0];
    if (four[i].ms[0] > max) max = four[i].ms[0];
  }
  assert_true(max >= 2.0 * base - 0.1); /* some write saw 2 or more in flight */
  assert_true(sum >= 6.0 * base);      /* 12 * base when all four overlap */
  asr_sink_db_stats_t st = stats_of(s);
  assert_int_equal(st.docs_written, 50);
  assert_int_equal(st.batches, 5);
  assert_int_equal(st.pool_in_use, 0);
  assert_int_equal(st.pool_size, 0);
  assert_true(st.latency_us_total >= (uint64_t)(5.0 * base * 1000.0));
  asr_docs_free(&d);
  asr_sink_destroy(s);
}

/* ---- throttling, failures, abort ---------------------------------------------------- */

static void test_throttle_retries_until_written(void **state) {
  asr_sink_t *s = open_sim("sim:latency_ms=10,per_doc_us=0,throttle_above=1,retry_after_ms=20");
  asr_docs_t d;
  make_docs(&d, 10);
  writer_t jobs[3];
  run_writers(s, &d, jobs, 3, 3);
  for (int i = 0; i < 3; i++)
    for (int b = 0; b < 3; b++) assert_int_equal(jobs[i].rc[b], 0);
  asr_sink_db_stats_t st = stats_of(s);
  assert_int_equal(st.docs_written, 90);
  assert_int_equal(st.batches, 9);
  assert_int_equal(st.failed, 0);
  assert_true(st.throttles > 0);
  assert_int_equal(st.retries, st.throttles); /* none gave up */
  assert_int_equal(st.retry_after_ms_max, 20);
  assert_int_equal(st.pool_in_use, 0);
  assert_int_equal(stats_of(s).retry_after_ms_max, 0); /* a reading resets it: per interval */
  asr_docs_free(&d);
  asr_sink_destroy(s);
}

static void test_throttle_gives_up_and_abort_wakes(void **state) {
  asr_sink_t *s = open_sim("sim:latency_ms=10000,throttle_above=1,retry_after_ms=1");
  asr_docs_t d;
  make_docs(&d, 5);
  writer_t hog = {.s = s, .d = &d, .nbatch = 1};
  uv_thread_t t;
  assert_int_equal(uv_thread_create(&t, writer_run, &hog), 0);
  wait_in_flight(s, 1);
  assert_int_equal(stats_of(s).pool_size, 1);
  asr_err_t err;
  assert_int_equal(write_timed(s, NULL, 7, &d, NULL, &err), ASR_EIO);
  assert_string_equal(err.msg, "sim: batch 7 still throttled after 20 attempts (more writers "
                               "in flight than throttle_above=1); giving up");
  asr_sink_db_stats_t st = stats_of(s);
  assert_int_equal(st.throttles, 20);
  assert_int_equal(st.retries, 19);
  assert_int_equal(st.retry_after_ms_max, 1);
  assert_int_equal(st.pool_in_use, 1);
  uint64_t t0 = uv_hrtime();
  s->vt->abort(s, 0);
  uv_thread_join(&t);
  assert_true(ms_since(t0) < 1000.0);
  assert_int_equal(hog.rc[0], ASR_ECANCELED);
  st = stats_of(s);
  assert_int_equal(st.docs_written, 0);
  assert_int_equal(st.pool_in_use, 0);
  assert_int_equal(st.pool_size, 0);
  asr_docs_free(&d);
  asr_sink_destroy(s);
}

static void test_abort_wakes_sleeping_writer(void **state) {
  asr_sink_t *s = open_sim("sim:latency_ms=10000");
  asr_docs_t d;
  make_docs(&d, 3);
  writer_t j = {.s = s, .d = &d, .nbatch = 1};
  uv_thread_t t;
  assert_int_equal(uv_thread_create(&t, writer_run, &j), 0);
  wait_in_flight(s, 1);
  uint64_t t0 = uv_hrtime();
  s->vt->abort(s, 0);
  uv_thread_join(&t);
  assert_true(ms_since(t0) < 1000.0);
  assert_int_equal(j.rc[0], ASR_ECANCELED);
  asr_err_t err;
  double ms;
  assert_int_equal(write_timed(s, NULL, 1, &d, &ms, &err), ASR_ECANCELED); /* no new sleeps */
  assert_string_equal(err.msg, "run stopped");
  assert_true(ms < 1000.0);
  asr_sink_db_stats_t st = stats_of(s);
  assert_int_equal(st.docs_written, 0);
  assert_int_equal(st.failed, 0);
  assert_int_equal(st.pool_in_use, 0);
  asr_docs_free(&d);
  asr_sink_destroy(s);
}

static void test_error_rate_is_exact(void **state) {
  asr_sink_t *s = open_sim("sim:latency_ms=0,per_doc_us=0,error_rate=0.01");
  asr_docs_t d;
  make_docs(&d, 100);
  asr_err_t err;
  for (uint64_t b = 0; b < 10; b++) assert_int_equal(write_timed(s, NULL, b, &d, NULL, &err), 0);
  asr_sink_db_stats_t st = stats_of(s);
  assert_int_equal(st.failed, 10);
  assert_int_equal(st.docs_written, 990);
  assert_int_equal(st.batches, 10);
  asr_sink_destroy(s);
  asr_docs_free(&d);

  /* 0.3 rounds to every 3rd document, counted across batches: 7 docs (3, 6), then 3 (9) */
  s = open_sim("sim:latency_ms=0,per_doc_us=0,error_rate=0.3");
  make_docs(&d, 7);
  assert_int_equal(write_timed(s, NULL, 0, &d, NULL, &err), 0);
  assert_int_equal(stats_of(s).failed, 2);
  asr_docs_free(&d);
  make_docs(&d, 3);
  assert_int_equal(write_timed(s, NULL, 1, &d, NULL, &err), 0);
  st = stats_of(s);
  assert_int_equal(st.failed, 3);
  assert_int_equal(st.docs_written, 7);
  asr_sink_destroy(s);

  s = open_sim("sim:latency_ms=0,per_doc_us=0,error_rate=1");
  assert_int_equal(write_timed(s, NULL, 0, &d, NULL, &err), 0);
  st = stats_of(s);
  assert_int_equal(st.failed, 3);
  assert_int_equal(st.docs_written, 0);
  asr_docs_free(&d);
  asr_sink_destroy(s);
}

/* Documents failed for good go to the dead letters, each the document it was: also those of a
 * batch's later attempts, which send only the documents still to write (here the first
 * attempt writes what the RU budget allows, the second the rest). */
static void test_failures_are_dead_lettered(void **state) {
  char path[256];
  snprintf(path, sizeof path, "%s/sim_dead_letter_%d.jsonl", ASR_TEST_TMP, (int)getpid());
  unlink(path);
  asr_error_budget_t budget = {.kind = ASR_BUDGET_NONE};
  asr_dead_letter_t *dl = NULL;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_dead_letter_open(path, &budget, &dl, &err), 0);
  asr_sink_options_t opt = {.dead_letter = dl};
  asr_sink_t *s = NULL;
  assert_int_equal(asr_sink_open("sim:latency_ms=1,per_doc_us=0,ru_per_second=1000,ru_per_doc=1,"
                                 "retry_after_ms=100,error_rate=0.01", &opt, &s, &err), 0);
  asr_docs_t d;
  make_docs(&d, 1500); /* _id i is document i */
  d.first_index = 0;
  if (write_timed(s, NULL, 5, &d, NULL, &err)) fail_msg("%s", err.msg);
  asr_sink_db_stats_t st = stats_of(s);
  assert_true(st.retries >= 1);
  assert_int_equal(st.failed, 15);
  assert_int_equal(st.docs_written, 1485);
  assert_int_equal(asr_dead_letter_count(dl), 15);
  asr_sink_destroy(s);
  asr_dead_letter_close(dl);
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  char line[512];
  int n = 0;
  while (fgets(line, sizeof line, f)) {
    unsigned idx, id;
    assert_int_equal(sscanf(line, "{\"index\":%u,\"batch\":5,\"reason\":\"rejected\",\"code\":121,"
                            "\"message\":\"Document failed validation (sim: error_rate)\","
                            "\"document\":{\"_id\":%u}}", &idx, &id), 2);
    assert_int_equal(idx, 99 + 100 * n); /* every 100th written: 99, 199, ... 1499 */
    assert_int_equal(id, idx);
    n++;
  }
  fclose(f);
  assert_int_equal(n, 15);
  unlink(path);
  asr_docs_free(&d);
}

static void test_workers_and_dry_run(void **state) {
  asr_sink_options_t opt = {.dry_run = 1};
  asr_sink_t *s;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_sink_open("sim:latency_ms=10000", &opt, &s, &err), 0);
  asr_sink_worker_t *w[3];
  for (int i = 0; i < 3; i++) assert_int_equal(s->vt->worker_open(s, &w[i], &err), 0);
  assert_int_equal(stats_of(s).pool_size, 3);
  s->vt->worker_close(s, w[1]);
  assert_int_equal(stats_of(s).pool_size, 2);
  asr_docs_t d;
  make_docs(&d, 4);
  double ms;
  assert_int_equal(write_timed(s, w[0], 0, &d, &ms, &err), 0); /* dry run: nothing written */
  assert_true(ms < 5000.0);
  asr_sink_db_stats_t st = stats_of(s);
  assert_int_equal(st.docs_written, 0);
  assert_int_equal(st.batches, 0);
  s->vt->worker_close(s, w[0]);
  s->vt->worker_close(s, w[2]);
  assert_int_equal(stats_of(s).pool_size, 0);
  asr_docs_free(&d);
  asr_sink_destroy(s);
}

/* ---- the model's other keys: request units, transient errors, scenarios -------------- */

static void test_new_keys(void **state) {
  asr_sink_t *s = open_sim("sim:ru_per_second=10000,ru_per_doc=5,retry_after_ms=100,"
                           "per_kb_us=2,doc_bytes=2048,noise=0.1,seed=7");
  assert_string_equal(s->description,
                      "simulated database (latency 5 ms + 20 us/doc + 2 us/KB, sigma 0, kappa 0, "
                      "10000 RU/s at 5 RU/doc (retry after 100 ms), noise 0.1, documents 2048 "
                      "bytes, seed 7)");
  asr_sink_destroy(s);
}

/* A batch over the budget: the part within it is written at once, the rest retried after
 * RetryAfterMs until the bucket has refilled; nothing is lost, the charge is reported. */
static void test_ru_budget_retries(void **state) {
  asr_docs_t d;
  make_docs(&d, 1500);
  asr_sink_t *s =
      open_sim("sim:latency_ms=1,per_doc_us=0,ru_per_second=1000,ru_per_doc=1,retry_after_ms=100");
  asr_err_t err;
  double ms;
  assert_int_equal(write_timed(s, NULL, 0, &d, &ms, &err), 0);
  assert_true(ms >= 490.0); /* 500 documents over the budget need 0.5 s of refill from open */
  asr_sink_db_stats_t st = stats_of(s);
  assert_int_equal(st.docs_written, 1500);
  assert_int_equal(st.failed, 0);
  assert_int_equal(st.batches, 1);
  assert_true(st.throttles >= 1);
  assert_int_equal(st.retries, st.throttles);
  assert_int_equal(st.retry_after_ms_max, 100);
  assert_true(st.request_charge == 1500); /* throttled documents cost nothing */
  assert_int_equal(st.pool_in_use, 0);
  asr_docs_free(&d);
  asr_sink_destroy(s);
}

static void test_ru_budget_gives_up(void **state) {
  /* 10 RU/s at 10 RU a document: one document a second, retried every few ms */
  asr_sink_t *s = open_sim("sim:latency_ms=0,per_doc_us=0,ru_per_second=10,ru_per_doc=10,"
                           "retry_after_ms=1");
  asr_docs_t d;
  make_docs(&d, 1000);
  asr_err_t err;
  assert_int_equal(write_timed(s, NULL, 3, &d, NULL, &err), ASR_EIO);
  unsigned left = 0;
  char tail[128] = "";
  assert_int_equal(sscanf(err.msg, "sim: batch 3 still throttled after 20 attempts (%u "
                                   "documents over the budget of 10 RU/s); giving %127[^\n]",
                          &left, tail),
                   2);
  assert_string_equal(tail, "up");
  assert_true(left >= 990 && left <= 999); /* one at once, about one a second after */
  asr_sink_db_stats_t st = stats_of(s);
  assert_int_equal(st.docs_written, 1000 - left);
  assert_int_equal(st.throttles, 20);
  assert_int_equal(st.retries, 19);
  assert_true(st.request_charge == 10.0 * (1000 - left));
  asr_docs_free(&d);
  asr_sink_destroy(s);
}

/* Transient failures are retried after a backoff; the sink's counts are the model's: replay
 * the same calls on a model of the same spec. */
static void test_transient_retries_match_model(void **state) {
  const char *spec = "latency_ms=0,per_doc_us=0,transient_error_rate=0.3,seed=5";
  char uri[128];
  snprintf(uri, sizeof uri, "sim:%s", spec);
  asr_sink_t *s = open_sim(uri);
  asr_docs_t d;
  make_docs(&d, 10);
  asr_err_t err;
  for (uint64_t b = 0; b < 12; b++) assert_int_equal(write_timed(s, NULL, b, &d, NULL, &err), 0);
  asr_scenario_t sc;
  asr_err_clear(&err);
  assert_int_equal(asr_simdb_spec_parse(spec, &sc, &err), 0);
  asr_simdb_t *m = asr_simdb_new(&sc);
  uint64_t retries = 0;
  for (int b = 0; b < 12; b++) {
    asr_simdb_write_t w;
    for (asr_simdb_write(m, 0, 10, 1, 0, &w); w.transient; asr_simdb_write(m, 0, 10, 1, 0, &w))
      retries++;
  }
  asr_simdb_free(m);
  asr_sink_db_stats_t st = stats_of(s);
  assert_true(retries > 0);
  assert_int_equal(st.retries, retries);
  assert_int_equal(st.throttles, 0);
  assert_int_equal(st.docs_written, 120);
  asr_docs_free(&d);
  asr_sink_destroy(s);
}

static int fake_calls;
static char fake_asked[256];

static int fake_loader(void *ud, const char *name_or_path, struct asr_scenario *out,
                       asr_err_t *err) {
  fake_calls++;
  snprintf(fake_asked, sizeof fake_asked, "%s", name_or_path);
  if (strcmp(name_or_path, "nope") == 0)
    return asr_err_set(err, ASR_EINVAL, "unknown scenario 'nope' (%s)", (const char *)ud);
  asr_scenario_defaults(out);
  snprintf(out->name, sizeof out->name, "fake");
  out->nphases = 2;
  out->phases[1] = out->phases[0];
  out->phases[1].at_s = 3600;
  return 0;
}

static asr_sink_t *open_with_loader(const char *uri, asr_sink_scenario_loader_fn fn, void *ud,
                                    asr_err_t *err) {
  asr_sink_options_t opt = {.load_scenario = fn, .load_scenario_ud = ud};
  asr_sink_t *s = NULL;
  asr_err_clear(err);
  int rc = asr_sink_open(uri, &opt, &s, err);
  assert_true(rc == 0 ? s != NULL : s == NULL);
  return s;
}

static void test_scenario_hook(void **state) {
  asr_err_t err;
  fake_calls = 0;
  asr_sink_t *s = open_with_loader("sim:anything", fake_loader, "x", &err);
  assert_non_null(s);
  assert_string_equal(fake_asked, "anything");
  assert_string_equal(s->description, "simulated database: scenario fake (latency 5 ms + "
                                      "20 us/doc, sigma 0, kappa 0, 2 phases)");
  assert_string_equal(s->location, "sim:");
  asr_sink_destroy(s);
  s = open_with_loader("sim:dir/my.lua", fake_loader, "x", &err);
  assert_non_null(s);
  assert_string_equal(fake_asked, "dir/my.lua");
  asr_sink_destroy(s);
  assert_int_equal(fake_calls, 2);
  /* options are options, with or without a loader */
  s = open_with_loader("sim:latency_ms=1", fake_loader, "x", &err);
  assert_non_null(s);
  asr_sink_destroy(s);
  assert_null(open_with_loader("sim:latency_ms", fake_loader, "x", &err));
  assert_string_equal(err.msg, "sim: option 'latency_ms' needs a value (latency_ms=NUMBER)");
  assert_null(open_with_loader("sim:latency_ms=1,x", fake_loader, "x", &err));
  assert_string_equal(err.msg, "sim: unknown option 'x' (" KEYS ")");
  assert_int_equal(fake_calls, 2);
  /* the loader's errors, prefixed */
  assert_null(open_with_loader("sim:nope", fake_loader, "the list", &err));
  assert_string_equal(err.msg, "sim: unknown scenario 'nope' (the list)");
}

static void test_shipped_scenarios(void **state) {
  asr_err_t err;
  asr_sink_t *s = open_with_loader("sim:capacity_drop", asr_scenario_loader, NULL, &err);
  assert_non_null(s);
  assert_string_equal(s->description, "simulated database: scenario capacity_drop (latency 10 "
                                      "ms + 40 us/doc, sigma 0.04, kappa 0.00375, noise 0.05, "
                                      "seed 1, 2 phases)");
  asr_sink_destroy(s);
  s = open_with_loader("sim:" ASR_TEST_ROOT "/scenarios/ru_bound.lua", asr_scenario_loader, NULL,
                       &err);
  assert_non_null(s);
  assert_string_equal(s->description, "simulated database: scenario ru_bound (latency 5 ms + "
                                      "20 us/doc, sigma 0.02, kappa 0.002, 10000 RU/s at 5 "
                                      "RU/doc (retry after 100 ms), noise 0.05, seed 1)");
  /* the budget holds in real time: 2000 documents at once, the rest throttled */
  asr_docs_t d;
  make_docs(&d, 2000);
  assert_int_equal(write_timed(s, NULL, 0, &d, NULL, &err), 0);
  asr_sink_db_stats_t st = stats_of(s);
  assert_int_equal(st.docs_written, 2000);
  assert_true(st.request_charge == 10000);
  asr_docs_free(&d);
  asr_sink_destroy(s);
  assert_null(open_with_loader("sim:nope", asr_scenario_loader, NULL, &err));
  assert_string_equal(err.msg, "sim: unknown scenario 'nope' (capacity_drop, client_cpu_bound, "
                               "memory_bound, noisy_latency, ru_bound, shared_cpu, slow_start, "
                               "usl_peak12, or a path to a scenario .lua file)");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_each_key),
      cmocka_unit_test(test_option_errors),
      cmocka_unit_test(test_write_timing),
      cmocka_unit_test(test_contention),
      cmocka_unit_test(test_throttle_retries_until_written),
      cmocka_unit_test(test_throttle_gives_up_and_abort_wakes),
      cmocka_unit_test(test_abort_wakes_sleeping_writer),
      cmocka_unit_test(test_error_rate_is_exact),
      cmocka_unit_test(test_failures_are_dead_lettered),
      cmocka_unit_test(test_workers_and_dry_run),
      cmocka_unit_test(test_new_keys),
      cmocka_unit_test(test_ru_budget_retries),
      cmocka_unit_test(test_ru_budget_gives_up),
      cmocka_unit_test(test_transient_retries_match_model),
      cmocka_unit_test(test_scenario_hook),
      cmocka_unit_test(test_shipped_scenarios),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
