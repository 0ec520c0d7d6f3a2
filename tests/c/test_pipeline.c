/* The pipeline with a real file sink: every document written exactly once and in source
 * order, while the worker count and batch size change under it; failures and stops leave no
 * output that looks complete. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "pipeline/pipeline.h"

/* ---- a test source: document i is {"i": i}; optionally fails on one index ---- */
typedef struct counter_source {
  asr_source_t base;
  uint64_t total, next;
  int64_t fail_at; /* decode fails on this index; -1 never */
  unsigned slow_us; /* per-batch delay in decode, to let resizes land mid-run */
} counter_source_t;

static int cs_next(asr_source_t *s, asr_batch_t *b, uint32_t max, asr_err_t *err) {
  counter_source_t *c = (counter_source_t *)s;
  if (c->next >= c->total) return 0;
  uint64_t left = c->total - c->next;
  b->first_index = c->next;
  b->count = left < max ? (uint32_t)left : max;
  c->next += b->count;
  return 1;
}

static int cs_decode(asr_source_t *s, asr_source_worker_t *w, const asr_batch_t *b,
                     asr_docs_t *out, asr_err_t *err) {
  counter_source_t *c = (counter_source_t *)s;
  if (c->slow_us) usleep(c->slow_us);
  for (uint32_t k = 0; k < b->count; k++) {
    uint64_t i = b->first_index + k;
    if ((int64_t)i == c->fail_at) return asr_err_set(err, ASR_EDATA, "bad record %llu", (unsigned long long)i);
    bson_t doc;
    bson_init(&doc);
    BSON_APPEND_INT64(&doc, "i", (int64_t)i);
    asr_docs_append_bson(out, &doc);
    bson_destroy(&doc);
  }
  return 0;
}

static void cs_destroy(asr_source_t *s) { (void)s; }

static const asr_source_vt_t counter_vt = {
    .kind = "counter", .next = cs_next, .decode = cs_decode, .destroy = cs_destroy};

static counter_source_t make_source(uint64_t total) {
  counter_source_t c = {{&counter_vt, NULL, NULL, 0, 0}, total, 0, -1, 0};
  return c;
}

static char *tmp_path(const char *name) {
  static char buf[512];
  mkdir(ASR_TEST_TMP, 0755);
  snprintf(buf, sizeof buf, "%s/%s", ASR_TEST_TMP, name);
  return buf;
}

/* Reads a .bson file back and checks it holds exactly 0..n-1 in order. */
static void assert_file_holds_sequence(const char *path, uint64_t n) {
  bson_reader_t *rd = bson_reader_new_from_file(path, NULL);
  assert_non_null(rd);
  const bson_t *doc;
  bool eof = false;
  uint64_t expect = 0;
  while ((doc = bson_reader_read(rd, &eof))) {
    bson_iter_t it;
    assert_true(bson_iter_init_find(&it, doc, "i"));
    assert_int_equal(bson_iter_int64(&it), expect);
    expect++;
  }
  assert_true(eof);
  assert_int_equal(expect, n);
  bson_reader_destroy(rd);
}

static int file_exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0;
}

/* Waits (polling the stats, at most 30 s) until the pipeline has finished more than `done`
 * batches or has read its whole source; returns the stats then. A wait on what the test
 * needs, never a sleep that hopes it happened. */
static asr_pipeline_stats_t wait_progress(asr_pipeline_t *p, uint64_t done, uint64_t total) {
  uint64_t deadline = uv_hrtime() + 30ull * 1000000000u;
  asr_pipeline_stats_t st;
  for (;;) {
    asr_pipeline_stats(p, &st);
    if (st.batches_done > done || st.records_read >= total) return st;
    if (uv_hrtime() > deadline) fail_msg("the pipeline made no progress in 30 s");
    uv_sleep(1);
  }
}

static void run_once(counter_source_t *src, const char *path, uint32_t workers, uint32_t batch,
                     int resize, int *rc_out, asr_err_t *err) {
  asr_sink_t *sink = NULL;
  asr_sink_options_t opt = {0};
  assert_int_equal(asr_sink_file_open(path, &opt, &sink, err), 0);
  asr_pipeline_config_t pc = {.source = &src->base, .sink = sink, .workers = workers,
                              .batch_size = batch};
  asr_pipeline_t *p = NULL;
  assert_int_equal(asr_pipeline_create(&pc, &p, err), 0);
  assert_int_equal(asr_pipeline_start(p, err), 0);
  if (resize) {
    /* Resize while the run is still reading, each change followed by batches finished
     * under it (a wait on the stats, not a sleep); count the changes that landed mid-run. */
    static const uint32_t sizes[][2] = {{4, 7}, {1, 500}, {8, 13}, {2, 1}, {6, 64}, {3, 1000}};
    int mid_run = 0;
    for (int round = 0; round < 3; round++)
      for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        asr_pipeline_stats_t st;
        asr_pipeline_stats(p, &st);
        if (st.records_read < src->total) mid_run++;
        assert_int_equal(asr_pipeline_set_workers(p, sizes[k][0]), 0);
        assert_int_equal(asr_pipeline_set_batch_size(p, sizes[k][1]), 0);
        wait_progress(p, st.batches_done + 2, src->total);
      }
    assert_true(mid_run >= 10);
  }
  *rc_out = asr_pipeline_wait(p, err);
  asr_pipeline_stats_t st;
  asr_pipeline_stats(p, &st);
  if (*rc_out == 0) {
    assert_int_equal(st.docs_in, src->total);
    assert_int_equal(st.docs_out, src->total);
    assert_int_equal(st.records_read, src->total);
    assert_int_equal(st.batches_done, st.batches_read);
  }
  asr_pipeline_destroy(p);
  asr_sink_destroy(sink);
}

static void test_exactly_once_in_order(void **state) {
  counter_source_t src = make_source(100000);
  asr_err_t err;
  asr_err_clear(&err);
  int rc;
  char *path = tmp_path("pipeline_plain.bson");
  run_once(&src, path, 4, 333, 0, &rc, &err);
  assert_int_equal(rc, 0);
  assert_file_holds_sequence(path, src.total);
}

static void test_resize_mid_run(void **state) {
  counter_source_t src = make_source(400000);
  src.slow_us = 100;
  asr_err_t err;
  asr_err_clear(&err);
  int rc;
  char *path = tmp_path("pipeline_resize.bson");
  run_once(&src, path, 2, 100, 1, &rc, &err);
  assert_int_equal(rc, 0);
  assert_file_holds_sequence(path, src.total);
}

static void test_failure_leaves_nothing(void **state) {
  counter_source_t src = make_source(50000);
  src.fail_at = 31337;
  asr_err_t err;
  asr_err_clear(&err);
  int rc;
  char *path = tmp_path("pipeline_fail.bson");
  unlink(path);
  run_once(&src, path, 3, 100, 0, &rc, &err);
  assert_int_equal(rc, ASR_EDATA);
  assert_string_equal(err.msg, "bad record 31337");
  assert_false(file_exists(path));
  char partial[600];
  snprintf(partial, sizeof partial, "%s.partial", path);
  assert_false(file_exists(partial));
}

typedef struct stopper {
  asr_pipeline_t *p;
} stopper_t;

static void test_stop_keeps_a_clean_prefix(void **state) {
  counter_source_t src = make_source(10000000);
  src.slow_us = 200;
  asr_err_t err;
  asr_err_clear(&err);
  char *path = tmp_path("pipeline_stop.bson");
  asr_sink_t *sink = NULL;
  asr_sink_options_t opt = {0};
  assert_int_equal(asr_sink_file_open(path, &opt, &sink, &err), 0);
  asr_pipeline_config_t pc = {.source = &src.base, .sink = sink, .workers = 3, .batch_size = 50};
  asr_pipeline_t *p = NULL;
  assert_int_equal(asr_pipeline_create(&pc, &p, &err), 0);
  assert_int_equal(asr_pipeline_start(p, &err), 0);
  wait_progress(p, 0, src.total); /* stop once output has begun, not after a guessed delay */
  asr_pipeline_stop(p);
  assert_int_equal(asr_pipeline_wait(p, &err), ASR_ECANCELED);
  asr_pipeline_stats_t st;
  asr_pipeline_stats(p, &st);
  asr_pipeline_destroy(p);
  asr_sink_destroy(sink);
  assert_true(st.docs_out > 0 && st.docs_out < 10000000);
  char partial[600];
  snprintf(partial, sizeof partial, "%s.partial", path);
  assert_false(file_exists(path)); /* never looks complete */
  assert_file_holds_sequence(partial, st.docs_out);
}

/* Bytes and write time reach the stats (the scaler's bytes/s and latency); each write is
 * reported to on_write; the queue's capacity follows the worker count. */
typedef struct write_log { _Atomic uint64_t calls, us; } write_log_t;
static void note_write(void *ud, uint64_t us) {
  write_log_t *l = ud;
  atomic_fetch_add(&l->calls, 1);
  atomic_fetch_add(&l->us, us);
}

static void test_bytes_latency_and_queue_capacity(void **state) {
  (void)state;
  counter_source_t src = make_source(1000);
  asr_err_t err;
  asr_sink_t *sink = NULL;
  asr_sink_options_t opt = {0};
  assert_int_equal(asr_sink_null_open(&opt, &sink, &err), 0);
  write_log_t log = {0};
  asr_pipeline_config_t pc = {.source = &src.base, .sink = sink, .workers = 2, .batch_size = 100,
                              .on_write = note_write, .write_ud = &log};
  asr_pipeline_t *p = NULL;
  assert_int_equal(asr_pipeline_create(&pc, &p, &err), 0);
  asr_pipeline_stats_t st;
  asr_pipeline_stats(p, &st);
  assert_int_equal(st.queue_capacity, 4);
  assert_int_equal(asr_pipeline_set_workers(p, 9), 0);
  asr_pipeline_stats(p, &st);
  assert_int_equal(st.queue_capacity, 18); /* the brief's "Workers: 9 ... Queue size: 18" */
  assert_int_equal(asr_pipeline_start(p, &err), 0);
  assert_int_equal(asr_pipeline_wait(p, &err), 0);
  asr_pipeline_stats(p, &st);
  /* {"i": int64} is 4 (size) + 1 (type) + 2 ("i\0") + 8 + 1 (end) = 16 bytes */
  assert_int_equal(st.bytes_out, 1000 * 16);
  assert_int_equal(atomic_load(&log.calls), 10);
  assert_int_equal(st.write_us, atomic_load(&log.us));
  asr_pipeline_destroy(p);
  asr_sink_destroy(sink);
}

static void test_rejects_bad_sizes(void **state) {
  counter_source_t src = make_source(10);
  asr_err_t err;
  asr_err_clear(&err);
  asr_sink_t *sink = NULL;
  asr_sink_options_t opt = {0};
  assert_int_equal(asr_sink_null_open(&opt, &sink, &err), 0);
  asr_pipeline_config_t pc = {.source = &src.base, .sink = sink, .workers = 0, .batch_size = 5};
  asr_pipeline_t *p = NULL;
  assert_int_equal(asr_pipeline_create(&pc, &p, &err), ASR_EINVAL);
  assert_string_equal(err.msg, "workers must be 1..1024, got 0");
  pc.workers = 1;
  asr_err_clear(&err);
  assert_int_equal(asr_pipeline_create(&pc, &p, &err), 0);
  assert_int_equal(asr_pipeline_set_workers(p, 0), ASR_EINVAL);
  assert_int_equal(asr_pipeline_set_workers(p, 1025), ASR_EINVAL);
  assert_int_equal(asr_pipeline_set_batch_size(p, 0), ASR_EINVAL);
  assert_int_equal(asr_pipeline_start(p, &err), 0);
  assert_int_equal(asr_pipeline_wait(p, &err), 0);
  asr_pipeline_destroy(p);
  asr_sink_destroy(sink);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exactly_once_in_order),
      cmocka_unit_test(test_resize_mid_run),
      cmocka_unit_test(test_failure_leaves_nothing),
      cmocka_unit_test(test_stop_keeps_a_clean_prefix),
      cmocka_unit_test(test_rejects_bad_sizes),
      cmocka_unit_test(test_bytes_latency_and_queue_capacity),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
