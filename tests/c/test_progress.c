/* The batch-progress tracker behind checkpoints: the done prefix, positions after a batch,
 * release, out-of-order completion, and the database lease. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pipeline/progress.h"

static asr_source_pos_t at(uint64_t index) { return (asr_source_pos_t){.index = index}; }

static void frame(asr_progress_t *p, uint64_t seq, uint64_t end_index) {
  asr_err_t err;
  asr_err_clear(&err);
  asr_source_pos_t end = at(end_index);
  assert_int_equal(asr_progress_framed(p, seq, &end, 0, &err), 0);
}

static void test_done_prefix_waits_for_the_slow_batch(void **state) {
  asr_source_pos_t start = at(100);
  asr_progress_t *p = asr_progress_new(&start);
  for (uint64_t s = 0; s < 5; s++) frame(p, s, 100 + 10 * (s + 1));
  asr_progress_done(p, 1); /* batch 0 is slow */
  asr_progress_done(p, 2);
  asr_progress_marks_t m;
  asr_progress_marks(p, &m);
  assert_int_equal(m.done, 0);
  assert_int_equal(m.framed, 5);
  asr_progress_done(p, 0);
  asr_progress_marks(p, &m);
  assert_int_equal(m.done, 3);
  asr_source_pos_t pos;
  assert_int_equal(asr_progress_after(p, 0, &pos), 0);
  assert_int_equal(pos.index, 100); /* the start */
  assert_int_equal(asr_progress_after(p, 3, &pos), 0);
  assert_int_equal(pos.index, 130);
  assert_int_equal(asr_progress_after(p, 6, &pos), -1); /* not framed */
  asr_progress_free(p);
}

static void test_release_forgets_but_keeps_the_base(void **state) {
  asr_source_pos_t start = at(0);
  asr_progress_t *p = asr_progress_new(&start);
  for (uint64_t s = 0; s < 200; s++) frame(p, s, s + 1); /* grows past its first ring */
  for (uint64_t s = 0; s < 150; s++) asr_progress_done(p, s);
  asr_progress_release(p, 150);
  asr_source_pos_t pos;
  assert_int_equal(asr_progress_after(p, 149, &pos), -1); /* released */
  assert_int_equal(asr_progress_after(p, 150, &pos), 0);
  assert_int_equal(pos.index, 150);
  assert_int_equal(asr_progress_after(p, 200, &pos), 0);
  assert_int_equal(pos.index, 200);
  /* a file sink may have made batches durable before their workers marked them done */
  asr_progress_release(p, 170);
  asr_progress_done(p, 160); /* late, below the base: ignored */
  asr_progress_marks_t m;
  asr_progress_marks(p, &m);
  assert_int_equal(m.done, 170);
  asr_progress_done(p, 170);
  asr_progress_marks(p, &m);
  assert_int_equal(m.done, 171);
  asr_progress_free(p);
}

typedef struct lease_calls {
  int calls;
  uint64_t last_end;
  asr_progress_t *p;
} lease_calls_t;

static int extend(void *ud, const asr_source_pos_t *end, uint64_t records, asr_err_t *err) {
  lease_calls_t *lc = ud;
  lc->calls++;
  lc->last_end = end->index;
  asr_progress_set_lease(lc->p, end->index + records * 4);
  return 0;
}

static int refuse(void *ud, const asr_source_pos_t *end, uint64_t records, asr_err_t *err) {
  return asr_err_set(err, ASR_EIO, "cannot write the checkpoint");
}

static void test_lease_is_extended_before_a_batch_past_it(void **state) {
  asr_source_pos_t start = at(0);
  asr_progress_t *p = asr_progress_new(&start);
  lease_calls_t lc = {0, 0, p};
  asr_progress_set_extend(p, extend, &lc);
  asr_err_t err;
  asr_err_clear(&err);
  asr_source_pos_t end;
  frame(p, 0, 10); /* past the lease at the start: extended to 10 + 4 * 10 */
  assert_int_equal(lc.calls, 1);
  for (uint64_t s = 1; s < 5; s++) frame(p, s, 10 * (s + 1)); /* up to 50: inside */
  assert_int_equal(lc.calls, 1);
  frame(p, 5, 60); /* past 50 */
  assert_int_equal(lc.calls, 2);
  assert_int_equal(lc.last_end, 60);
  /* a resumed run's batch inside its predecessor's lease needs no new one */
  asr_progress_set_lease(p, 60);
  end = at(65);
  assert_int_equal(asr_progress_framed(p, 6, &end, 1, &err), 0);
  assert_int_equal(lc.calls, 2);
  asr_progress_set_extend(p, refuse, NULL);
  end = at(70);
  assert_int_equal(asr_progress_framed(p, 7, &end, 0, &err), ASR_EIO); /* the batch must not go */
  asr_progress_set_lease(p, UINT64_MAX); /* the rest of the input is covered */
  end = at(80);
  assert_int_equal(asr_progress_framed(p, 8, &end, 0, &err), 0);
  asr_progress_free(p);
}


/* The documents the batches before a checkpoint's position held, for the budget's P% of a
 * resumed run: counted before the sink has the batch, so a batch a file sink made durable
 * before its worker marked it done counts too, and released batches stay counted. */
static void test_documents_read_before_a_batch(void **state) {
  asr_source_pos_t start = at(0);
  asr_progress_t *p = asr_progress_new(&start);
  for (uint64_t s = 0; s < 100; s++) frame(p, s, 10 * (s + 1));
  for (uint64_t s = 0; s < 100; s++) asr_progress_read_by(p, s, s == 7 ? 3 : 10);
  uint64_t read = 0;
  assert_int_equal(asr_progress_read(p, 0, &read), 0);
  assert_int_equal(read, 0);
  assert_int_equal(asr_progress_read(p, 10, &read), 0);
  assert_int_equal(read, 93);
  asr_progress_release(p, 50); /* durable, none marked done */
  assert_int_equal(asr_progress_read(p, 40, &read), -1); /* released */
  assert_int_equal(asr_progress_read(p, 60, &read), 0);
  assert_int_equal(read, 593);
  assert_int_equal(asr_progress_read(p, 101, &read), -1); /* not framed */
  asr_progress_free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_done_prefix_waits_for_the_slow_batch),
      cmocka_unit_test(test_release_forgets_but_keeps_the_base),
      cmocka_unit_test(test_documents_read_before_a_batch),
      cmocka_unit_test(test_lease_is_extended_before_a_batch_past_it),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
