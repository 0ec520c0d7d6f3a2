/* The bounded queue of batches between the source (one producer thread) and the workers.
 * It also carries "retire tickets": to shrink the pool, the controller adds tickets and the
 * next workers to ask for work take one each and leave. A worker only asks between batches,
 * so retiring never loses or splits a batch. One lock per batch, never per document. */
#ifndef ASR_PIPELINE_QUEUE_H
#define ASR_PIPELINE_QUEUE_H

#include <stdint.h>
#include <uv.h>

#include "core/batch.h"

enum {
  ASR_QUEUE_ITEM = 1,   /* *out holds a batch: the caller owns it until it is released */
  ASR_QUEUE_END = 0,    /* closed and drained: no more work */
  ASR_QUEUE_RETIRE = 2  /* the caller took a retire ticket: its thread should exit */
};

typedef struct asr_queue {
  uv_mutex_t lock;
  uv_cond_t not_empty, not_full;
  asr_batch_t *head, *tail;
  uint32_t depth, capacity;
  uint32_t retire_tickets;
  uint32_t push_waiters, pop_waiters; /* threads blocked in push (full) / pop (empty) now */
  int closed, aborted;
} asr_queue_t;

int asr_queue_init(asr_queue_t *q, uint32_t capacity);
void asr_queue_destroy(asr_queue_t *q); /* frees batches still queued */
/* Blocks while full. Returns 0, or ASR_ECANCELED after abort (the caller keeps b). */
int asr_queue_push(asr_queue_t *q, asr_batch_t *b);
/* Blocks while empty. Returns ASR_QUEUE_ITEM, ASR_QUEUE_RETIRE, ASR_QUEUE_END, or
 * ASR_ECANCELED after abort. Retire tickets are served before work. */
int asr_queue_pop(asr_queue_t *q, asr_batch_t **out);
void asr_queue_close(asr_queue_t *q);  /* no more pushes; poppers drain, then get END */
void asr_queue_abort(asr_queue_t *q);  /* wake everyone; push and pop return ASR_ECANCELED */
void asr_queue_set_capacity(asr_queue_t *q, uint32_t capacity);
/* Adds (n > 0) or withdraws (n < 0) retire tickets; returns how many were withdrawn
 * (never more than were pending: those workers are already gone). */
uint32_t asr_queue_adjust_retire(asr_queue_t *q, int32_t n);
uint32_t asr_queue_depth(asr_queue_t *q);
/* How many threads are blocked inside push (queue full) and pop (queue empty) right now.
 * A count includes a thread only while it waits on the queue's condition, so a test can wait
 * for it and then know that a wake-up (push, pop, close, abort, a retire ticket, a larger
 * capacity) reaches a thread that is really blocked, never one that has not arrived yet. */
void asr_queue_waiters(asr_queue_t *q, uint32_t *pushers, uint32_t *poppers);
uint32_t asr_queue_capacity(asr_queue_t *q);

void asr_batch_free(asr_batch_t *b);

#endif
