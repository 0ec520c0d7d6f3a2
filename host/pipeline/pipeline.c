/* Pipeline control: the producer thread, the worker pool's size, stats, stop and wait.
 * Who owns what: the pipeline owns its queue, batches and worker records; the source, sink
 * and transform factory are borrowed from the caller and must outlive it. */
#include "pipeline/pipeline.h"

#include <stdlib.h>

#include "pipeline/pipeline_internal.h"

uint64_t asr_pipeline_records_read(asr_pipeline_t *p) { return atomic_load(&p->records_read); }

uint32_t asr_pipeline_default_queue_capacity(uint32_t workers) {
  uint32_t c = workers * 2;
  return c < 4 ? 4 : c;
}

int asr_pipeline_create(const asr_pipeline_config_t *cfg, asr_pipeline_t **out, asr_err_t *err) {
  if (cfg->workers < 1 || cfg->workers > ASR_MAX_WORKERS)
    return asr_err_set(err, ASR_EINVAL, "workers must be 1..%u, got %u", ASR_MAX_WORKERS,
                       cfg->workers);
  if (cfg->batch_size < 1 || cfg->batch_size > ASR_MAX_BATCH_SIZE)
    return asr_err_set(err, ASR_EINVAL, "batch size must be 1..%u, got %u", ASR_MAX_BATCH_SIZE,
                       cfg->batch_size);
  asr_pipeline_t *p = calloc(1, sizeof *p);
  if (!p) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  p->cfg = *cfg;
  uint32_t cap = cfg->queue_capacity ? cfg->queue_capacity : asr_pipeline_default_queue_capacity(cfg->workers);
  p->cfg.queue_capacity = cap;
  p->queue_follows_workers = cfg->queue_capacity == 0;
  atomic_init(&p->batch_size, cfg->batch_size);
  asr_queue_init(&p->queue, cap);
  uv_mutex_init(&p->pool_lock);
  uv_mutex_init(&p->spare_lock);
  uv_mutex_init(&p->err_lock);
  asr_err_clear(&p->err);
  *out = p;
  return 0;
}

void asr_pipeline_fail(asr_pipeline_t *p, const asr_err_t *err) {
  uv_mutex_lock(&p->err_lock);
  int first = p->err.code == 0;
  if (first) p->err = *err;
  uv_mutex_unlock(&p->err_lock);
  if (!first) return;
  atomic_store(&p->stop_requested, 1);
  if (p->cfg.source->vt->stopping) p->cfg.source->vt->stopping(p->cfg.source);
  asr_queue_abort(&p->queue);
  /* wakes writers waiting for their turn; an interrupt keeps the clean prefix as .partial, and
   * so does any failure of a run that checkpoints (a resume goes on from it) */
  p->cfg.sink->vt->abort(p->cfg.sink, err->code == ASR_ECANCELED || p->cfg.progress);
}

/* ---- batches ---- */

static asr_batch_t *take_batch(asr_pipeline_t *p) {
  uv_mutex_lock(&p->spare_lock);
  asr_batch_t *b = p->spare;
  if (b) p->spare = b->next;
  uv_mutex_unlock(&p->spare_lock);
  if (!b && (b = calloc(1, sizeof *b))) asr_buf_init(&b->raw);
  return b;
}

void asr_pipeline_release_batch(asr_pipeline_t *p, asr_batch_t *b) {
  uv_mutex_lock(&p->spare_lock);
  b->next = p->spare;
  p->spare = b;
  uv_mutex_unlock(&p->spare_lock);
}

/* ---- completion ---- */

/* Under pool_lock: fires on_done once every thread has finished. */
static void maybe_done_locked(asr_pipeline_t *p) {
  if (p->done_fired || !p->producer_done || p->live > 0) return;
  p->done_fired = 1;
  if (p->cfg.on_done) p->cfg.on_done(p->cfg.ud);
}

void asr_pipeline_worker_exited(asr_pipeline_t *p, asr_worker_t *w) {
  uv_mutex_lock(&p->pool_lock);
  p->retired[0] += atomic_load(&w->counters.batches);
  p->retired[1] += atomic_load(&w->counters.docs_in);
  p->retired[2] += atomic_load(&w->counters.docs_out);
  p->retired[3] += atomic_load(&w->counters.docs_dropped);
  p->retired[4] += atomic_load(&w->counters.bytes_out);
  p->retired[5] += atomic_load(&w->counters.write_us);
  p->retired[6] += atomic_load(&w->counters.docs_fanned_out);
  w->exited = 1;
  p->live--;
  maybe_done_locked(p);
  uv_mutex_unlock(&p->pool_lock);
}

/* ---- producer ---- */

static int produce_one(asr_pipeline_t *p, uint64_t seq, asr_err_t *err) {
  asr_batch_t *b = take_batch(p);
  if (!b) return asr_err_set(err, ASR_ENOMEM, "out of memory for a batch");
  asr_buf_reset(&b->raw);
  b->seq = seq;
  b->count = 0;
  b->origin = 0;
  b->again = 0;
  uint32_t size = atomic_load_explicit(&p->batch_size, memory_order_relaxed);
  int rc = p->cfg.source->vt->next(p->cfg.source, b, size, err);
  if (rc <= 0) {
    asr_pipeline_release_batch(p, b);
    return rc;
  }
  uint32_t records = b->count;
  if (p->cfg.progress) {
    asr_source_pos_t end;
    p->cfg.source->vt->tell(p->cfg.source, &end);
    if ((rc = asr_progress_framed(p->cfg.progress, seq, &end, b->again, err))) {
      asr_pipeline_release_batch(p, b);
      return rc;
    }
  }
  if (asr_queue_push(&p->queue, b) != 0) {
    asr_pipeline_release_batch(p, b);
    return ASR_ECANCELED;
  }
  atomic_fetch_add_explicit(&p->records_read, records, memory_order_relaxed);
  atomic_fetch_add_explicit(&p->batches_read, 1, memory_order_relaxed);
  return 1;
}

static void producer_main(void *arg) {
  asr_pipeline_t *p = arg;
  asr_err_t err;
  asr_err_clear(&err);
  uint64_t seq = 0;
  int rc = 1;
  while (rc == 1 && !atomic_load(&p->stop_requested)) {
    rc = produce_one(p, seq, &err);
    if (rc == 1) seq++;
  }
  if (rc == 0) atomic_store(&p->input_exhausted, 1);
  if (rc < 0 && rc != ASR_ECANCELED) asr_pipeline_fail(p, &err);
  asr_queue_close(&p->queue);
  uv_mutex_lock(&p->pool_lock);
  p->producer_done = 1;
  maybe_done_locked(p);
  uv_mutex_unlock(&p->pool_lock);
}

/* ---- pool size ---- */

/* Under pool_lock. */
static int spawn_worker_locked(asr_pipeline_t *p) {
  if (p->nworkers == p->workers_cap) {
    uint32_t cap = p->workers_cap ? p->workers_cap * 2 : 16;
    asr_worker_t **w = realloc(p->workers, cap * sizeof *w);
    if (!w) return ASR_ENOMEM;
    p->workers = w;
    p->workers_cap = cap;
  }
  asr_worker_t *w = calloc(1, sizeof *w);
  if (!w) return ASR_ENOMEM;
  w->id = p->nworkers;
  w->pipeline = p;
  p->live++;
  if (uv_thread_create(&w->thread, asr_worker_main, w) != 0) {
    p->live--;
    free(w);
    return ASR_ENOMEM;
  }
  p->workers[p->nworkers++] = w;
  return 0;
}

int asr_pipeline_set_workers(asr_pipeline_t *p, uint32_t n) {
  if (n < 1 || n > ASR_MAX_WORKERS) return ASR_EINVAL;
  int rc = 0;
  uv_mutex_lock(&p->pool_lock);
  if (p->done_fired || !p->started) {
    if (!p->started) p->target = n; /* applied by start */
    if (!p->started && p->queue_follows_workers)
      asr_queue_set_capacity(&p->queue, asr_pipeline_default_queue_capacity(n));
    uv_mutex_unlock(&p->pool_lock);
    return 0;
  }
  if (n > p->target) {
    uint32_t want = n - p->target;
    want -= asr_queue_adjust_retire(&p->queue, -(int32_t)want); /* cancel pending retires */
    for (uint32_t i = 0; i < want && rc == 0; i++) rc = spawn_worker_locked(p);
  } else if (n < p->target) {
    asr_queue_adjust_retire(&p->queue, (int32_t)(p->target - n));
  }
  if (rc == 0) p->target = n;
  if (rc == 0 && p->queue_follows_workers)
    asr_queue_set_capacity(&p->queue, asr_pipeline_default_queue_capacity(n));
  uv_mutex_unlock(&p->pool_lock);
  return rc;
}

int asr_pipeline_set_batch_size(asr_pipeline_t *p, uint32_t n) {
  if (n < 1 || n > ASR_MAX_BATCH_SIZE) return ASR_EINVAL;
  atomic_store(&p->batch_size, n);
  return 0;
}

int asr_pipeline_start(asr_pipeline_t *p, asr_err_t *err) {
  uv_mutex_lock(&p->pool_lock);
  p->started = 1;
  if (!p->target) p->target = p->cfg.workers;
  int rc = 0;
  for (uint32_t i = 0; i < p->target && rc == 0; i++) rc = spawn_worker_locked(p);
  uv_mutex_unlock(&p->pool_lock);
  if (rc == 0 && uv_thread_create(&p->producer, producer_main, p) != 0) rc = ASR_ENOMEM;
  if (rc) {
    asr_err_t e;
    asr_err_clear(&e);
    asr_err_set(&e, rc, "cannot start threads");
    asr_pipeline_fail(p, &e);
    if (err) *err = e;
    uv_mutex_lock(&p->pool_lock);
    p->producer_done = 1; /* no producer thread to join */
    maybe_done_locked(p);
    uv_mutex_unlock(&p->pool_lock);
    p->started = 2;
  }
  return rc;
}

void asr_pipeline_stats(asr_pipeline_t *p, asr_pipeline_stats_t *s) {
  *s = (asr_pipeline_stats_t){0};
  uv_mutex_lock(&p->pool_lock);
  s->batches_done = p->retired[0];
  s->docs_in = p->retired[1];
  s->docs_out = p->retired[2];
  s->docs_dropped = p->retired[3];
  s->bytes_out = p->retired[4];
  s->write_us = p->retired[5];
  s->docs_fanned_out = p->retired[6];
  for (uint32_t i = 0; i < p->nworkers; i++) {
    asr_worker_t *w = p->workers[i];
    if (w->exited) continue;
    s->batches_done += atomic_load_explicit(&w->counters.batches, memory_order_relaxed);
    s->docs_in += atomic_load_explicit(&w->counters.docs_in, memory_order_relaxed);
    s->docs_out += atomic_load_explicit(&w->counters.docs_out, memory_order_relaxed);
    s->docs_dropped += atomic_load_explicit(&w->counters.docs_dropped, memory_order_relaxed);
    s->bytes_out += atomic_load_explicit(&w->counters.bytes_out, memory_order_relaxed);
    s->write_us += atomic_load_explicit(&w->counters.write_us, memory_order_relaxed);
    s->docs_fanned_out += atomic_load_explicit(&w->counters.docs_fanned_out, memory_order_relaxed);
  }
  s->workers = p->live;
  s->workers_target = p->target;
  uv_mutex_unlock(&p->pool_lock);
  s->records_read = atomic_load(&p->records_read);
  s->batches_read = atomic_load(&p->batches_read);
  s->batch_size = atomic_load(&p->batch_size);
  s->queue_depth = asr_queue_depth(&p->queue);
  s->queue_capacity = asr_queue_capacity(&p->queue);
  s->in_flight = atomic_load(&p->in_flight);
}

/* Batches in progress finish; nothing waits to retry any more (the source's and the sink's
 * retry waits end with ASR_ECANCELED). */
void asr_pipeline_stop(asr_pipeline_t *p) {
  atomic_store(&p->stop_requested, 1);
  if (p->cfg.source->vt->stopping) p->cfg.source->vt->stopping(p->cfg.source);
  if (p->cfg.sink->vt->stopping) p->cfg.sink->vt->stopping(p->cfg.sink);
}

int asr_pipeline_wait(asr_pipeline_t *p, asr_err_t *err) {
  if (p->started == 1) uv_thread_join(&p->producer);
  /* Workers may be added until the last one exits; join until all are accounted for. */
  for (uint32_t i = 0;; i++) {
    uv_mutex_lock(&p->pool_lock);
    int more = i < p->nworkers;
    asr_worker_t *w = more ? p->workers[i] : NULL;
    uv_mutex_unlock(&p->pool_lock);
    if (!more) break;
    uv_thread_join(&w->thread);
  }
  asr_sink_t *sink = p->cfg.sink;
  if (p->err.code) {
    if (err) *err = p->err;
    return p->err.code;
  }
  if (!atomic_load(&p->input_exhausted)) {
    sink->vt->abort(sink, 1); /* a clean prefix of the input: kept as .partial */
    return asr_err_set(err, ASR_ECANCELED, "stopped before the end of the input");
  }
  int rc = p->cfg.before_finish ? p->cfg.before_finish(p->cfg.ud, err) : 0;
  if (rc) { /* the run is refused: nothing that looks complete; a run that checkpoints
             * keeps its .partial, so a resume can accept the losses and publish it */
    sink->vt->abort(sink, p->cfg.progress != NULL);
    return rc;
  }
  return sink->vt->finish(sink, err);
}

void asr_pipeline_destroy(asr_pipeline_t *p) {
  if (!p) return;
  for (uint32_t i = 0; i < p->nworkers; i++) free(p->workers[i]);
  free(p->workers);
  while (p->spare) {
    asr_batch_t *b = p->spare;
    p->spare = b->next;
    asr_batch_free(b);
  }
  asr_queue_destroy(&p->queue);
  uv_mutex_destroy(&p->pool_lock);
  uv_mutex_destroy(&p->spare_lock);
  uv_mutex_destroy(&p->err_lock);
  free(p);
}

