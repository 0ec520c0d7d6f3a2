/* The ordered writer: batches committed from many threads in any order land in seq order;
 * cancel wakes a waiting writer; a missing batch is reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sinks/ordered_writer.h"

#define NBATCH 2000
#define NTHREADS 6

typedef struct {
  asr_ordered_writer_t *w;
  int tid;
} job_t;

static void committer(void *arg) {
  job_t *j = arg;
  asr_buf_t b;
  asr_buf_init(&b);
  for (uint64_t seq = (uint64_t)j->tid; seq < NBATCH; seq += NTHREADS) {
    char line[32];
    int n = snprintf(line, sizeof line, "%llu\n", (unsigned long long)seq);
    asr_buf_reset(&b);
    asr_buf_append(&b, line, (size_t)n);
    if (seq % 7 == 0) usleep(100); /* finish out of order */
    assert_int_equal(asr_ordered_writer_commit(j->w, seq, &b, NULL), 0);
  }
  asr_buf_free(&b);
}

static void test_commits_land_in_order(void **state) {
  char path[512];
  mkdir(ASR_TEST_TMP, 0755);
  snprintf(path, sizeof path, "%s/ordered.txt", ASR_TEST_TMP);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  assert_true(fd >= 0);
  asr_ordered_writer_t w;
  asr_ordered_writer_init(&w, fd, path);
  uv_thread_t t[NTHREADS];
  job_t jobs[NTHREADS];
  for (int i = 0; i < NTHREADS; i++) {
    jobs[i] = (job_t){&w, i};
    uv_thread_create(&t[i], committer, &jobs[i]);
  }
  for (int i = 0; i < NTHREADS; i++) uv_thread_join(&t[i]);
  assert_int_equal(asr_ordered_writer_drained(&w, NULL), 0);
  asr_ordered_writer_destroy(&w);
  close(fd);
  FILE *f = fopen(path, "r");
  unsigned long long v, expect = 0;
  while (fscanf(f, "%llu", &v) == 1) assert_int_equal(v, expect++);
  fclose(f);
  assert_int_equal(expect, NBATCH);
}

static void test_missing_batch_is_reported(void **state) {
  asr_ordered_writer_t w;
  asr_ordered_writer_init(&w, -1, "x");
  asr_buf_t b;
  asr_buf_init(&b);
  asr_buf_append(&b, "z", 1);
  assert_int_equal(asr_ordered_writer_commit(&w, 1, &b, NULL), 0); /* parked: seq 0 missing */
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_ordered_writer_drained(&w, &err), ASR_EIO);
  assert_string_equal(err.msg, "x: batch 0 never arrived; output incomplete");
  asr_ordered_writer_cancel(&w);
  assert_int_equal(asr_ordered_writer_commit(&w, 0, &b, NULL), ASR_ECANCELED);
  asr_buf_free(&b);
  asr_ordered_writer_destroy(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_commits_land_in_order),
      cmocka_unit_test(test_missing_batch_is_reported),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
