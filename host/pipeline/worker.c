/* The worker thread: take a batch, decode it, transform it, hand it to the sink, count.
 * Each worker owns its scratch (document buffers, source/sink/transform state), so the loop
 * allocates nothing per document once warm and takes only the queue's lock per batch. */
#include "pipeline/worker.h"

#include "pipeline/pipeline_internal.h"

typedef struct worker_ctx {
  asr_worker_env_t *env; /* opened first, closed last: the others live inside it */
  asr_source_worker_t *src;
  asr_sink_worker_t *sink;
  asr_transform_t *xf;
  asr_docs_t decoded, transformed;
} worker_ctx_t;

static void count(_Atomic uint64_t *c, uint64_t n) {
  atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                        memory_order_relaxed);
}

static int open_ctx(asr_pipeline_t *p, worker_ctx_t *c, asr_err_t *err) {
  asr_source_t *src = p->cfg.source;
  asr_sink_t *sink = p->cfg.sink;
  const asr_transform_factory_t *xf = p->cfg.transform;
  const asr_worker_env_factory_t *env = p->cfg.worker_env;
  int rc = 0;
  if (env && (rc = env->open(env->ud, &c->env, err))) return rc;
  if (src->vt->worker_open && (rc = src->vt->worker_open(src, c->env, &c->src, err))) return rc;
  if (sink->vt->worker_open && (rc = sink->vt->worker_open(sink, &c->sink, err))) return rc;
  if (xf && (rc = xf->open(xf->ud, c->env, &c->xf, err))) return rc;
  return 0;
}

static void close_ctx(asr_pipeline_t *p, worker_ctx_t *c) {
  if (c->xf) p->cfg.transform->close(c->xf);
  if (c->sink && p->cfg.sink->vt->worker_close) p->cfg.sink->vt->worker_close(p->cfg.sink, c->sink);
  if (c->src && p->cfg.source->vt->worker_close) p->cfg.source->vt->worker_close(p->cfg.source, c->src);
  if (c->env) p->cfg.worker_env->close(c->env);
  asr_docs_free(&c->decoded);
  asr_docs_free(&c->transformed);
}

static int process(asr_pipeline_t *p, asr_worker_t *w, worker_ctx_t *c, const asr_batch_t *b,
                   asr_err_t *err) {
  asr_docs_reset(&c->decoded);
  int rc = p->cfg.source->vt->decode(p->cfg.source, c->src, b, &c->decoded, err);
  if (rc) return rc;
  const asr_docs_t *out = &c->decoded;
  if (c->xf) {
    asr_docs_reset(&c->transformed);
    rc = p->cfg.transform->apply(c->xf, &c->decoded, b->first_index, &c->transformed, err);
    if (rc) return rc;
    out = &c->transformed;
  }
  uint64_t t0 = uv_hrtime();
  const asr_sink_vt_t *vt = p->cfg.sink->vt;
  rc = (b->again && vt->write_again ? vt->write_again : vt->write)(p->cfg.sink, c->sink, b->seq,
                                                                    out, err);
  if (rc) return rc;
  if (p->cfg.progress) asr_progress_done(p->cfg.progress, b->seq);
  uint64_t us = (uv_hrtime() - t0) / 1000;
  if (p->cfg.on_write) p->cfg.on_write(p->cfg.write_ud, us);
  count(&w->counters.write_us, us);
  count(&w->counters.bytes_out, out->buf.len);
  count(&w->counters.batches, 1);
  count(&w->counters.docs_in, c->decoded.count);
  count(&w->counters.docs_out, out->count);
  if (c->xf) {
    /* Fan-out can make out->count exceed the input; only shrinkage counts as dropped. */
    uint32_t dropped = c->decoded.count > out->count ? c->decoded.count - out->count : 0;
    count(&w->counters.docs_dropped, dropped);
  }
  return 0;
}

void asr_worker_main(void *arg) {
  asr_worker_t *w = arg;
  asr_pipeline_t *p = w->pipeline;
  worker_ctx_t c = {0};
  asr_err_t err;
  asr_err_clear(&err);
  asr_docs_init(&c.decoded);
  asr_docs_init(&c.transformed);
  int rc = open_ctx(p, &c, &err);
  while (rc == 0) {
    asr_batch_t *b = NULL;
    int got = asr_queue_pop(&p->queue, &b);
    if (got != ASR_QUEUE_ITEM) break; /* END, RETIRE or canceled */
    atomic_fetch_add_explicit(&p->in_flight, 1, memory_order_relaxed);
    rc = process(p, w, &c, b, &err);
    atomic_fetch_sub_explicit(&p->in_flight, 1, memory_order_relaxed);
    asr_pipeline_release_batch(p, b);
  }
  /* ASR_ECANCELED first: an interrupted transform (the run stops, keeping its clean prefix);
   * after a failure: a write the abort woke, which changes nothing. */
  if (rc) asr_pipeline_fail(p, &err);
  close_ctx(p, &c);
  asr_pipeline_worker_exited(p, w);
}
