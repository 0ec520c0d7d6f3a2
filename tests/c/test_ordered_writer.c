/* The ordered writer: batches committed from many threads in any order land in seq order,
 * buffered or staged through O_DIRECT chunks (several rounds of the chunk ring, an unaligned
 * tail), whether committed or written from the caller's bytes in their turn; O_DIRECT refused
 * falls back to buffered writes; write failures are reported, not hung on; cancel wakes a
 * waiting writer; a missing batch is reported. */
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

#ifndef O_DIRECT
#define O_DIRECT 0
#endif

#define NBATCH 2000
#define NTHREADS 6

typedef struct {
  asr_ordered_writer_t *w;
  int tid;
} job_t;

/* Commits b as batch seq; two batches in three try first to be written from the caller's
 * bytes (asr_ordered_writer_write_if_next), as the BSON file sink does, and commit only when
 * it is not their turn yet. */
static void commit_batch(asr_ordered_writer_t *w, uint64_t seq, asr_buf_t *b) {
  if (seq % 3 != 0) {
    int rc = asr_ordered_writer_write_if_next(w, seq, b->data, b->len, 1, NULL);
    assert_true(rc == 0 || rc == 1);
    if (rc == 1) return;
  }
  assert_int_equal(asr_ordered_writer_commit(w, seq, b, 1, NULL), 0);
}

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
    commit_batch(j->w, seq, &b);
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

/* ---- staged (O_DIRECT) mode ---- */

#define BIG_BATCHES 600
#define BIG_THREADS 3

/* Batch seq of the big test: 40..80 KB of bytes that depend on seq and position, so a batch
 * written twice, lost or out of place shows. About 35 MB in all: two rounds of the ring. */
static size_t big_len(uint64_t seq) { return 40000 + (size_t)(seq * 7919 % 40000); }
static uint8_t big_byte(uint64_t seq, size_t i) { return (uint8_t)('a' + (seq * 31 + i) % 26); }

static void big_committer(void *arg) {
  job_t *j = arg;
  asr_buf_t b;
  asr_buf_init(&b);
  for (uint64_t seq = (uint64_t)j->tid; seq < BIG_BATCHES; seq += BIG_THREADS) {
    asr_buf_reset(&b);
    size_t n = big_len(seq);
    assert_int_equal(asr_buf_reserve(&b, n), 0);
    for (size_t i = 0; i < n; i++) b.data[i] = big_byte(seq, i);
    b.len = n;
    if (seq % 5 == 0) usleep(200);
    commit_batch(j->w, seq, &b);
  }
  asr_buf_free(&b);
}

/* Opens path for writing, with O_DIRECT when the file system takes it (*direct says). */
static int open_out(const char *path, int *direct) {
  int flags = O_WRONLY | O_CREAT | O_TRUNC;
  int fd = open(path, flags | O_DIRECT, 0644);
  *direct = fd >= 0;
  if (fd < 0) fd = open(path, flags, 0644);
  assert_true(fd >= 0);
  return fd;
}

static void check_big_file(const char *path) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  size_t total = 0;
  uint8_t *buf = malloc(80000);
  assert_non_null(buf);
  for (uint64_t seq = 0; seq < BIG_BATCHES; seq++) {
    size_t n = big_len(seq);
    assert_int_equal(fread(buf, 1, n, f), n);
    for (size_t i = 0; i < n; i++)
      if (buf[i] != big_byte(seq, i)) fail_msg("batch %llu byte %zu differs", (unsigned long long)seq, i);
    total += n;
  }
  assert_int_equal(fgetc(f), EOF);
  fclose(f);
  free(buf);
  assert_true(total > ASR_ORDERED_CHUNKS * (size_t)ASR_ORDERED_CHUNK); /* the ring went round */
  assert_true(total % 4096 != 0);                    /* and there was an unaligned tail */
}

/* A writer on ASR_TEST_TMP/name, staged when the file system takes O_DIRECT (*direct). */
static int open_staged(const char *name, char *path, size_t size, asr_ordered_writer_t *w,
                       int *direct) {
  mkdir(ASR_TEST_TMP, 0755);
  snprintf(path, size, "%s/%s", ASR_TEST_TMP, name);
  int fd = open_out(path, direct);
  asr_ordered_writer_init(w, -1, path);
  assert_int_equal(asr_ordered_writer_set_fd(w, fd, *direct, NULL), 0);
  return fd;
}

static void test_staged_commits_land_in_order(void **state) {
  char path[512];
  int direct;
  asr_ordered_writer_t w;
  int fd = open_staged("ordered_big.txt", path, sizeof path, &w, &direct);
  assert_int_equal(w.staged, direct);
  uv_thread_t t[BIG_THREADS];
  job_t jobs[BIG_THREADS];
  for (int i = 0; i < BIG_THREADS; i++) {
    jobs[i] = (job_t){&w, i};
    uv_thread_create(&t[i], big_committer, &jobs[i]);
  }
  for (int i = 0; i < BIG_THREADS; i++) uv_thread_join(&t[i]);
  assert_int_equal(asr_ordered_writer_drained(&w, NULL), 0);
  assert_int_equal(fcntl(fd, F_GETFL) & O_DIRECT, 0); /* cleared for the tail */
  asr_ordered_writer_destroy(&w);
  close(fd);
  check_big_file(path);
  unlink(path);
}

/* Commits nbatches batches of `batch` bytes, each one line of the letter 'a' + seq % 26,
 * counted as ndocs documents each. */
static void commit_lines(asr_ordered_writer_t *w, size_t nbatches, size_t batch, uint32_t ndocs) {
  asr_buf_t b;
  asr_buf_init(&b);
  for (uint64_t seq = 0; seq < nbatches; seq++) {
    asr_buf_reset(&b);
    assert_int_equal(asr_buf_reserve(&b, batch), 0);
    memset(b.data, 'a' + (int)(seq % 26), batch - 1);
    b.data[batch - 1] = '\n';
    b.len = batch;
    assert_int_equal(asr_ordered_writer_commit(w, seq, &b, ndocs, NULL), 0);
  }
  asr_buf_free(&b);
}

/* A second interrupt abandons the writer: the file is cut back to the last batch wholly in
 * it (staged: the last batch end inside the chunks the writer thread finished), so the kept
 * .partial never ends mid-batch. */
static void test_abandon_cuts_back_to_a_batch_boundary(void **state) {
  char path[512];
  int direct;
  asr_ordered_writer_t w;
  int fd = open_staged("ordered_abandon.txt", path, sizeof path, &w, &direct);
  const size_t batch = 1000, nbatches = (5 * (size_t)ASR_ORDERED_CHUNK / 2) / batch; /* 2.5 chunks */
  commit_lines(&w, nbatches, batch, 1);
  unsigned queued = 1;
  for (int i = 0; i < 30000 && queued; i++) { /* wait for the writer thread's two full chunks */
    uv_mutex_lock(&w.lock);
    queued = w.io_count;
    uv_mutex_unlock(&w.lock);
    if (queued) usleep(1000);
  }
  assert_int_equal(queued, 0); /* else the cut below would be tested against chunks in flight */
  asr_ordered_writer_abandon(&w);
  struct stat st;
  assert_int_equal(fstat(fd, &st), 0);
  /* staged: two 8 MB chunks are in the file; the last batch ending inside them ends at
   * floor(16 MB / 1000) * 1000. Buffered: every batch was written whole. */
  size_t want = direct ? (2 * (size_t)ASR_ORDERED_CHUNK / batch) * batch : nbatches * batch;
  assert_int_equal((size_t)st.st_size, want);
  char last[2];
  int rfd = open(path, O_RDONLY); /* fd is write-only */
  assert_true(rfd >= 0);
  assert_int_equal(pread(rfd, last, 2, st.st_size - 2), 2);
  close(rfd);
  assert_int_equal(last[1], '\n');
  assert_int_equal(last[0], 'a' + (int)((want / batch - 1) % 26));
  uv_mutex_unlock(&w.lock); /* abandon keeps it: the process would exit here */
  asr_ordered_writer_destroy(&w);
  close(fd);
  unlink(path);
}

/* Staged mode on a descriptor without O_DIRECT (what a refusing file system leaves): the same
 * bytes. And buffered mode on an O_DIRECT descriptor: the unaligned writes are refused (EINVAL)
 * and retried without O_DIRECT. */
static void test_direct_refused_falls_back(void **state) {
  char path[512];
  mkdir(ASR_TEST_TMP, 0755);
  snprintf(path, sizeof path, "%s/ordered_fallback.txt", ASR_TEST_TMP);
  for (int mode = 0; mode < 2; mode++) {
    int direct;
    int fd = open_out(path, &direct);
    if (mode == 0 && direct) { /* staged, but the descriptor has no O_DIRECT */
      close(fd);
      fd = open(path, O_WRONLY | O_TRUNC);
      assert_true(fd >= 0);
    }
    asr_ordered_writer_t w;
    asr_ordered_writer_init(&w, -1, path);
    assert_int_equal(asr_ordered_writer_set_fd(&w, fd, mode == 0 ? 1 : 0, NULL), 0);
    if (mode == 1) w.fd_direct = direct; /* buffered writes through an O_DIRECT descriptor */
    uv_thread_t t[BIG_THREADS];
    job_t jobs[BIG_THREADS];
    for (int i = 0; i < BIG_THREADS; i++) {
      jobs[i] = (job_t){&w, i};
      uv_thread_create(&t[i], big_committer, &jobs[i]);
    }
    for (int i = 0; i < BIG_THREADS; i++) uv_thread_join(&t[i]);
    assert_int_equal(asr_ordered_writer_drained(&w, NULL), 0);
    assert_int_equal(w.fd_direct, 0);
    asr_ordered_writer_destroy(&w);
    close(fd);
    check_big_file(path);
  }
  unlink(path);
}

/* A descriptor that cannot be written: the writer thread's failure reaches the committers
 * (ASR_EIO, never a hang) and drained reports it. */
static void test_staged_write_failure_is_reported(void **state) {
  char path[512];
  mkdir(ASR_TEST_TMP, 0755);
  snprintf(path, sizeof path, "%s/ordered_ro.txt", ASR_TEST_TMP);
  int fd = open(path, O_RDONLY | O_CREAT | O_TRUNC, 0644);
  assert_true(fd >= 0);
  asr_ordered_writer_t w;
  asr_ordered_writer_init(&w, -1, path);
  assert_int_equal(asr_ordered_writer_set_fd(&w, fd, 1, NULL), 0);
  asr_buf_t b;
  asr_buf_init(&b);
  assert_int_equal(asr_buf_reserve(&b, 1 << 20), 0);
  memset(b.data, 'x', 1 << 20);
  asr_err_t err;
  asr_err_clear(&err);
  int rc = 0;
  uint64_t seq = 0;
  for (; seq < 100 && rc == 0; seq++) { /* 100 MB would need the writer thread 12 times */
    b.len = 1 << 20;
    rc = asr_ordered_writer_commit(&w, seq, &b, 1, &err);
  }
  assert_int_equal(rc, ASR_EIO);
  assert_true(seq > ASR_ORDERED_CHUNK >> 20); /* it failed on the first chunk, not before */
  char want[600];
  snprintf(want, sizeof want, "cannot write %s: Bad file descriptor", path);
  assert_string_equal(err.msg, want);
  asr_err_clear(&err);
  assert_int_equal(asr_ordered_writer_drained(&w, &err), ASR_EIO);
  assert_string_equal(err.msg, want);
  b.len = 1;
  assert_int_equal(asr_ordered_writer_commit(&w, seq, &b, 1, NULL), ASR_EIO);
  asr_buf_free(&b);
  asr_ordered_writer_destroy(&w);
  close(fd);
  unlink(path);
}

/* keep (an interrupted run while workers may still commit): everything committed in order is
 * written, the document count is the clean prefix's, and later commits are refused. */
static void test_keep_writes_the_prefix_and_cancels(void **state) {
  char path[512];
  int direct;
  asr_ordered_writer_t w;
  int fd = open_staged("ordered_keep.txt", path, sizeof path, &w, &direct);
  const size_t batch = 1000, nbatches = (3 * (size_t)ASR_ORDERED_CHUNK / 2) / batch; /* 1.5 chunks */
  commit_lines(&w, nbatches, batch, 3);
  asr_buf_t b;
  asr_buf_init(&b);
  assert_int_equal(asr_ordered_writer_commit(&w, nbatches + 1, &b, 3, NULL), 0); /* parked */
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_ordered_writer_keep(&w, &err), 0);
  assert_int_equal(asr_ordered_writer_docs(&w), 3 * nbatches); /* not the parked one */
  struct stat st;
  assert_int_equal(fstat(fd, &st), 0);
  assert_int_equal((size_t)st.st_size, nbatches * batch);
  assert_int_equal(asr_ordered_writer_commit(&w, nbatches, &b, 3, NULL), ASR_ECANCELED);
  asr_buf_free(&b);
  asr_ordered_writer_destroy(&w);
  close(fd);
  unlink(path);
}

static void test_missing_batch_is_reported(void **state) {
  asr_ordered_writer_t w;
  asr_ordered_writer_init(&w, -1, "x");
  asr_buf_t b;
  asr_buf_init(&b);
  asr_buf_append(&b, "z", 1);
  assert_int_equal(asr_ordered_writer_commit(&w, 1, &b, 7, NULL), 0); /* parked: seq 0 missing */
  assert_int_equal(asr_ordered_writer_docs(&w), 0); /* nothing in the clean prefix yet */
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_ordered_writer_drained(&w, &err), ASR_EIO);
  assert_string_equal(err.msg, "x: batch 0 never arrived; output incomplete");
  asr_ordered_writer_cancel(&w);
  assert_int_equal(asr_ordered_writer_commit(&w, 0, &b, 1, NULL), ASR_ECANCELED);
  asr_buf_free(&b);
  asr_ordered_writer_destroy(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_commits_land_in_order),
      cmocka_unit_test(test_missing_batch_is_reported),
      cmocka_unit_test(test_staged_commits_land_in_order),
      cmocka_unit_test(test_direct_refused_falls_back),
      cmocka_unit_test(test_abandon_cuts_back_to_a_batch_boundary),
      cmocka_unit_test(test_keep_writes_the_prefix_and_cancels),
      cmocka_unit_test(test_staged_write_failure_is_reported),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
