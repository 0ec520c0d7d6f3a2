/* The batch queue: FIFO order, blocking bounds, close/drain, abort, retire tickets, and every
 * wake-up of a thread blocked in push or pop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>

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

/* ---- wake-ups: a thread blocked inside push or pop, and what releases it ----
 * The thread is started, the test waits until the queue counts it as blocked
 * (asr_queue_waiters: it is inside the condition wait, not on its way there), then does the
 * one thing that should release it and checks what the blocked call returned. No sleeps:
 * a wake-up that is lost leaves the thread blocked, and the test fails after WAKE_LIMIT_MS. */
enum { PUSH, POP };
#define WAKE_LIMIT_MS 10000

typedef struct blocked {
  asr_queue_t q;
  int op;
  int rc;
  asr_batch_t *got;   /* what a pop returned */
  asr_batch_t *extra; /* what a push tried to add (freed by it when refused) */
  uv_mutex_t mu;
  uv_cond_t cv;
  int done;
  uv_thread_t t;
} blocked_t;

static void blocked_call(void *arg) {
  blocked_t *x = arg;
  int rc;
  if (x->op == PUSH) {
    rc = asr_queue_push(&x->q, x->extra);
    if (rc) asr_batch_free(x->extra);
  } else {
    rc = asr_queue_pop(&x->q, &x->got);
  }
  uv_mutex_lock(&x->mu);
  x->rc = rc;
  x->done = 1;
  uv_cond_signal(&x->cv);
  uv_mutex_unlock(&x->mu);
}

/* A queue of the given capacity holding `queued` batches (seq 0, 1, ...), and a thread blocked
 * in op on it. Heap-allocated: when a wake-up is lost the thread stays blocked on it, and
 * the failing test leaves it allocated. */
static blocked_t *start_blocked(int op, uint32_t capacity, uint32_t queued) {
  blocked_t *x = calloc(1, sizeof *x);
  assert_non_null(x);
  assert_int_equal(asr_queue_init(&x->q, capacity), 0);
  for (uint32_t i = 0; i < queued; i++) assert_int_equal(asr_queue_push(&x->q, batch(i)), 0);
  x->op = op;
  x->extra = op == PUSH ? batch(99) : NULL; /* a pop takes nothing of its own */
  uv_mutex_init(&x->mu);
  uv_cond_init(&x->cv);
  assert_int_equal(uv_thread_create(&x->t, blocked_call, x), 0);
  uint64_t deadline = uv_hrtime() + (uint64_t)WAKE_LIMIT_MS * 1000000u;
  for (;;) {
    uint32_t pushers, poppers;
    asr_queue_waiters(&x->q, &pushers, &poppers);
    if ((op == PUSH ? pushers : poppers) == 1) break;
    uv_mutex_lock(&x->mu);
    int done = x->done;
    uv_mutex_unlock(&x->mu);
    if (done) fail_msg("the %s returned %d instead of blocking", op == PUSH ? "push" : "pop", x->rc);
    if (uv_hrtime() > deadline) fail_msg("the thread never blocked in the queue");
    uv_sleep(1);
  }
  return x;
}

/* Waits for the blocked call to return (failing when it does not within WAKE_LIMIT_MS);
 * returns its result. */
static int finish(blocked_t *x) {
  uint64_t deadline = uv_hrtime() + (uint64_t)WAKE_LIMIT_MS * 1000000u;
  uv_mutex_lock(&x->mu);
  while (!x->done) {
    uint64_t now = uv_hrtime();
    if (now >= deadline) break;
    uv_cond_timedwait(&x->cv, &x->mu, deadline - now);
  }
  int done = x->done;
  uv_mutex_unlock(&x->mu);
  if (!done) fail_msg("the blocked %s was not woken", x->op == PUSH ? "push" : "pop");
  uv_thread_join(&x->t);
  uint32_t pushers, poppers;
  asr_queue_waiters(&x->q, &pushers, &poppers);
  assert_int_equal(pushers + poppers, 0);
  return x->rc;
}

static void destroy(blocked_t *x) {
  asr_queue_destroy(&x->q);
  uv_cond_destroy(&x->cv);
  uv_mutex_destroy(&x->mu);
  free(x);
}

static void test_abort_wakes_a_blocked_push(void **state) {
  blocked_t *x = start_blocked(PUSH, 1, 1);
  asr_queue_abort(&x->q);
  assert_int_equal(finish(x), ASR_ECANCELED);
  asr_batch_t *b = NULL;
  assert_int_equal(asr_queue_pop(&x->q, &b), ASR_ECANCELED);
  assert_int_equal(asr_queue_depth(&x->q), 1); /* the refused batch was not added */
  destroy(x);
}

static void test_abort_wakes_a_blocked_pop(void **state) {
  blocked_t *x = start_blocked(POP, 4, 0);
  asr_queue_abort(&x->q);
  assert_int_equal(finish(x), ASR_ECANCELED);
  assert_null(x->got);
  destroy(x);
}

static void test_pop_wakes_a_blocked_push(void **state) {
  blocked_t *x = start_blocked(PUSH, 1, 1);
  asr_batch_t *b = NULL;
  assert_int_equal(asr_queue_pop(&x->q, &b), ASR_QUEUE_ITEM);
  assert_int_equal(b->seq, 0);
  asr_batch_free(b);
  assert_int_equal(finish(x), 0);
  assert_int_equal(asr_queue_pop(&x->q, &b), ASR_QUEUE_ITEM);
  assert_int_equal(b->seq, 99);
  asr_batch_free(b);
  destroy(x);
}

static void test_larger_capacity_wakes_a_blocked_push(void **state) {
  blocked_t *x = start_blocked(PUSH, 2, 2);
  asr_queue_set_capacity(&x->q, 3);
  assert_int_equal(finish(x), 0);
  assert_int_equal(asr_queue_depth(&x->q), 3);
  destroy(x);
}

static void test_push_wakes_a_blocked_pop(void **state) {
  blocked_t *x = start_blocked(POP, 4, 0);
  assert_int_equal(asr_queue_push(&x->q, batch(7)), 0);
  assert_int_equal(finish(x), ASR_QUEUE_ITEM);
  assert_int_equal(x->got->seq, 7);
  asr_batch_free(x->got);
  destroy(x);
}

static void test_close_wakes_a_blocked_pop(void **state) {
  blocked_t *x = start_blocked(POP, 4, 0);
  asr_queue_close(&x->q);
  assert_int_equal(finish(x), ASR_QUEUE_END);
  destroy(x);
}

static void test_retire_ticket_wakes_a_blocked_pop(void **state) {
  blocked_t *x = start_blocked(POP, 4, 0);
  asr_queue_adjust_retire(&x->q, 1);
  assert_int_equal(finish(x), ASR_QUEUE_RETIRE);
  assert_int_equal(asr_queue_adjust_retire(&x->q, -1), 0); /* the ticket was taken */
  destroy(x);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fifo_and_drain),
      cmocka_unit_test(test_retire_tickets_before_work),
      cmocka_unit_test(test_abort_wakes_a_blocked_push),
      cmocka_unit_test(test_abort_wakes_a_blocked_pop),
      cmocka_unit_test(test_pop_wakes_a_blocked_push),
      cmocka_unit_test(test_larger_capacity_wakes_a_blocked_push),
      cmocka_unit_test(test_push_wakes_a_blocked_pop),
      cmocka_unit_test(test_close_wakes_a_blocked_pop),
      cmocka_unit_test(test_retire_ticket_wakes_a_blocked_pop),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
