/* Batch positions for checkpoints (see progress.h): a ring of the batches framed since the last
 * release, oldest first, each with its end position and whether it is written. */
#include "pipeline/progress.h"

#include <stdlib.h>
#include <uv.h>

typedef struct entry {
  asr_source_pos_t end;
  int done;
  uint64_t read; /* documents the batch held */
} entry_t;

struct asr_progress {
  uv_mutex_t lock;
  entry_t *ring;
  uint64_t cap, head, n; /* entries ring[head .. head+n) (mod cap) are batches base.. */
  uint64_t base;         /* seq of the oldest kept batch */
  asr_source_pos_t base_pos; /* the position before batch `base` */
  uint64_t base_read;    /* documents read by the batches before `base` */
  uint64_t done_upto;    /* batches [0, done_upto) are done */
  asr_progress_extend_fn extend; /* NULL: no lease (file targets) */
  void *extend_ud;
  uint64_t lease;        /* source index a durable checkpoint covers as "maybe sent" */
  uint64_t last_end;     /* index where the previous batch ended */
};

static entry_t *at(asr_progress_t *p, uint64_t seq) {
  return &p->ring[(p->head + (seq - p->base)) % p->cap];
}

asr_progress_t *asr_progress_new(const asr_source_pos_t *start) {
  asr_progress_t *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->cap = 64;
  if (!(p->ring = calloc(p->cap, sizeof *p->ring))) {
    free(p);
    return NULL;
  }
  p->base_pos = *start;
  p->last_end = p->lease = start->index;
  uv_mutex_init(&p->lock);
  return p;
}

void asr_progress_free(asr_progress_t *p) {
  if (!p) return;
  uv_mutex_destroy(&p->lock);
  free(p->ring);
  free(p);
}

/* Under lock: doubles the ring, unrolling it so head is 0. */
static int grow(asr_progress_t *p) {
  entry_t *r = malloc(2 * p->cap * sizeof *r);
  if (!r) return ASR_ENOMEM;
  for (uint64_t i = 0; i < p->n; i++) r[i] = p->ring[(p->head + i) % p->cap];
  free(p->ring);
  p->ring = r;
  p->cap *= 2;
  p->head = 0;
  return 0;
}

void asr_progress_set_extend(asr_progress_t *p, asr_progress_extend_fn fn, void *ud) {
  p->extend = fn;
  p->extend_ud = ud;
}

void asr_progress_set_lease(asr_progress_t *p, uint64_t index) {
  uv_mutex_lock(&p->lock);
  p->lease = index;
  uv_mutex_unlock(&p->lock);
}

int asr_progress_framed(asr_progress_t *p, uint64_t seq, const asr_source_pos_t *end, int again,
                        asr_err_t *err) {
  int rc = 0;
  uv_mutex_lock(&p->lock);
  if (seq != p->base + p->n) rc = ASR_EINVAL; /* out of order: a bug in the caller */
  else if (p->n == p->cap) rc = grow(p);
  if (rc == 0) {
    *at(p, seq) = (entry_t){*end, 0, 0};
    p->n++;
  }
  uint64_t records = end->index > p->last_end ? end->index - p->last_end : 1;
  p->last_end = end->index;
  int extend = rc == 0 && p->extend && !again && end->index > p->lease;
  uv_mutex_unlock(&p->lock);
  if (rc) return asr_err_set(err, rc, "cannot note batch %llu", (unsigned long long)seq);
  return extend ? p->extend(p->extend_ud, end, records, err) : 0;
}

void asr_progress_read_by(asr_progress_t *p, uint64_t seq, uint64_t read) {
  uv_mutex_lock(&p->lock);
  if (seq >= p->base && seq < p->base + p->n) at(p, seq)->read = read;
  uv_mutex_unlock(&p->lock);
}

void asr_progress_done(asr_progress_t *p, uint64_t seq) {
  uv_mutex_lock(&p->lock);
  if (seq >= p->base && seq < p->base + p->n) {
    at(p, seq)->done = 1;
    while (p->done_upto < p->base + p->n && at(p, p->done_upto)->done) p->done_upto++;
  }
  uv_mutex_unlock(&p->lock);
}

void asr_progress_marks(asr_progress_t *p, asr_progress_marks_t *out) {
  uv_mutex_lock(&p->lock);
  out->done = p->done_upto;
  out->framed = p->base + p->n;
  uv_mutex_unlock(&p->lock);
}

int asr_progress_after(asr_progress_t *p, uint64_t seq, asr_source_pos_t *out) {
  int rc = 0;
  uv_mutex_lock(&p->lock);
  if (seq == p->base) *out = p->base_pos;
  else if (seq > p->base && seq <= p->base + p->n) *out = at(p, seq - 1)->end;
  else rc = -1;
  uv_mutex_unlock(&p->lock);
  return rc;
}

int asr_progress_read(asr_progress_t *p, uint64_t seq, uint64_t *read) {
  int rc = 0;
  uv_mutex_lock(&p->lock);
  if (seq < p->base || seq > p->base + p->n) rc = -1;
  *read = p->base_read;
  for (uint64_t s = p->base; rc == 0 && s < seq; s++) *read += at(p, s)->read;
  uv_mutex_unlock(&p->lock);
  return rc;
}

void asr_progress_release(asr_progress_t *p, uint64_t seq) {
  uv_mutex_lock(&p->lock);
  while (p->base < seq && p->n > 0) {
    p->base_pos = at(p, p->base)->end;
    p->base_read += at(p, p->base)->read;
    p->head = (p->head + 1) % p->cap;
    p->base++;
    p->n--;
  }
  /* A file sink may have made a batch durable before its worker marked it done. */
  if (p->done_upto < p->base) p->done_upto = p->base;
  while (p->done_upto < p->base + p->n && at(p, p->done_upto)->done) p->done_upto++;
  uv_mutex_unlock(&p->lock);
}
