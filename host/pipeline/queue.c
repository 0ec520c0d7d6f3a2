#include "pipeline/queue.h"

#include <stdlib.h>

#include "core/error.h"

int asr_queue_init(asr_queue_t *q, uint32_t capacity) {
  *q = (asr_queue_t){0};
  q->capacity = capacity ? capacity : 1;
  if (uv_mutex_init(&q->lock)) return ASR_ENOMEM;
  uv_cond_init(&q->not_empty);
  uv_cond_init(&q->not_full);
  return 0;
}

void asr_batch_free(asr_batch_t *b) {
  if (!b) return;
  asr_buf_free(&b->raw);
  free(b);
}

void asr_queue_destroy(asr_queue_t *q) {
  while (q->head) {
    asr_batch_t *b = q->head;
    q->head = b->next;
    asr_batch_free(b);
  }
  uv_cond_destroy(&q->not_empty);
  uv_cond_destroy(&q->not_full);
  uv_mutex_destroy(&q->lock);
}

int asr_queue_push(asr_queue_t *q, asr_batch_t *b) {
  uv_mutex_lock(&q->lock);
  while (q->depth >= q->capacity && !q->aborted) {
    q->push_waiters++;
    uv_cond_wait(&q->not_full, &q->lock);
    q->push_waiters--;
  }
  if (q->aborted) {
    uv_mutex_unlock(&q->lock);
    return ASR_ECANCELED;
  }
  b->next = NULL;
  if (q->tail) q->tail->next = b; else q->head = b;
  q->tail = b;
  q->depth++;
  uv_cond_signal(&q->not_empty);
  uv_mutex_unlock(&q->lock);
  return 0;
}

int asr_queue_pop(asr_queue_t *q, asr_batch_t **out) {
  int rc;
  uv_mutex_lock(&q->lock);
  for (;;) {
    if (q->aborted) { rc = ASR_ECANCELED; break; }
    if (q->retire_tickets > 0) { q->retire_tickets--; rc = ASR_QUEUE_RETIRE; break; }
    if (q->head) {
      asr_batch_t *b = q->head;
      q->head = b->next;
      if (!q->head) q->tail = NULL;
      q->depth--;
      b->next = NULL;
      *out = b;
      uv_cond_signal(&q->not_full);
      rc = ASR_QUEUE_ITEM;
      break;
    }
    if (q->closed) { rc = ASR_QUEUE_END; break; }
    q->pop_waiters++;
    uv_cond_wait(&q->not_empty, &q->lock);
    q->pop_waiters--;
  }
  uv_mutex_unlock(&q->lock);
  return rc;
}

void asr_queue_close(asr_queue_t *q) {
  uv_mutex_lock(&q->lock);
  q->closed = 1;
  uv_cond_broadcast(&q->not_empty);
  uv_mutex_unlock(&q->lock);
}

void asr_queue_abort(asr_queue_t *q) {
  uv_mutex_lock(&q->lock);
  q->aborted = 1;
  uv_cond_broadcast(&q->not_empty);
  uv_cond_broadcast(&q->not_full);
  uv_mutex_unlock(&q->lock);
}

void asr_queue_set_capacity(asr_queue_t *q, uint32_t capacity) {
  uv_mutex_lock(&q->lock);
  q->capacity = capacity ? capacity : 1;
  uv_cond_broadcast(&q->not_full);
  uv_mutex_unlock(&q->lock);
}

uint32_t asr_queue_adjust_retire(asr_queue_t *q, int32_t n) {
  uint32_t withdrawn = 0;
  uv_mutex_lock(&q->lock);
  if (n > 0) {
    q->retire_tickets += (uint32_t)n;
    uv_cond_broadcast(&q->not_empty);
  } else {
    withdrawn = (uint32_t)-n < q->retire_tickets ? (uint32_t)-n : q->retire_tickets;
    q->retire_tickets -= withdrawn;
  }
  uv_mutex_unlock(&q->lock);
  return withdrawn;
}

uint32_t asr_queue_depth(asr_queue_t *q) {
  uv_mutex_lock(&q->lock);
  uint32_t d = q->depth;
  uv_mutex_unlock(&q->lock);
  return d;
}

void asr_queue_waiters(asr_queue_t *q, uint32_t *pushers, uint32_t *poppers) {
  uv_mutex_lock(&q->lock);
  *pushers = q->push_waiters;
  *poppers = q->pop_waiters;
  uv_mutex_unlock(&q->lock);
}

uint32_t asr_queue_capacity(asr_queue_t *q) {
  uv_mutex_lock(&q->lock);
  uint32_t c = q->capacity;
  uv_mutex_unlock(&q->lock);
  return c;
}
