/* The batch queue: FIFO order, blocking bounds, close/drain, abort, retire tickets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <unistd.h>

#include "pipeline/queue.h"
#include "core/error.h"

static asr_batch_t *batch(uint64_t seq) {
  asr_batch_t *b = calloc(1, sizeof *b);
  b->seq = seq;
  return b;
}

static void test_fifo_and_drain(void **state) {
  asr_queue_t q;
  asr_queue_init(&q, 8);
  for (uint64_t i = 0; i < 5; i++) assert_int_equal(asr_queue_push(&q, batch(i)), 0);
  assert_int_equal(asr_queue_depth(&q), 5);
  asr_queue_close(&q);
  for (uint64_t i = 0; i < 5; i++) {
    asr_batch_t *b = NULL;
    assert_int_equal(asr_queue_pop(&q, &b), ASR_QUEUE_ITEM);
    assert_int_equal(b->seq, i);
    asr_batch_free(b);
  }
  asr_batch_t *b = NULL;
  assert_int_equal(asr_queue_pop(&q, &b), ASR_QUEUE_END);
  asr_queue_destroy(&q);
}

static void test_retire_tickets_before_work(void **state) {
  asr_queue_t q;
  asr_queue_init(&q, 8);
  asr_queue_push(&q, batch(0));
  asr_queue_adjust_retire(&q, 2);
  assert_int_equal(asr_queue_adjust_retire(&q, -1), 1); /* one withdrawn */
  asr_batch_t *b = NULL;
  assert_int_equal(asr_queue_pop(&q, &b), ASR_QUEUE_RETIRE);
  assert_int_equal(asr_queue_pop(&q, &b), ASR_QUEUE_ITEM);
  asr_batch_free(b);
  assert_int_equal(asr_queue_adjust_retire(&q, -5), 0); /* none pending */
  asr_queue_destroy(&q);
}

typedef struct {
  asr_queue_t *q;
  int rc;
} pusher_t;

static void push_blocked(void *arg) {
  pusher_t *p = arg;
  asr_batch_t *b = batch(99);
  p->rc = asr_queue_push(p->q, b);
  if (p->rc) asr_batch_free(b);
}

static void test_abort_wakes_a_blocked_push(void **state) {
  asr_queue_t q;
  asr_queue_init(&q, 1);
  asr_queue_push(&q, batch(0));
  pusher_t p = {&q, 1};
  uv_thread_t t;
  uv_thread_create(&t, push_blocked, &p);
  usleep(20000);
  asr_queue_abort(&q);
  uv_thread_join(&t);
  assert_int_equal(p.rc, ASR_ECANCELED);
  asr_batch_t *b = NULL;
  assert_int_equal(asr_queue_pop(&q, &b), ASR_ECANCELED);
  asr_queue_destroy(&q);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fifo_and_drain),
      cmocka_unit_test(test_retire_tickets_before_work),
      cmocka_unit_test(test_abort_wakes_a_blocked_push),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
