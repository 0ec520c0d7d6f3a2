/* The worker thread: take a batch, decode it, transform it, hand it to the sink, count.
 * Each worker owns its scratch (document buffers, source/sink/transform state), so the loop
 * allocates nothing per document once warm and takes only the queue's lock per batch. */
#include "pipeline/worker.h"

#include "core/doc_id.h"
#include "pipeline/pipeline_internal.h"
#include "sinks/dead_letter.h"

typedef struct worker_ctx {
  asr_worker_env_t *env; /* opened first, closed last: the others live inside it */
  asr_source_worker_t *src;
  asr_sink_worker_t *sink;
  asr_transform_t *xf;
  asr_docs_t decoded, transformed;
  asr_buf_t origins;  /* per transformed document: its index in decoded (uint32_t) */
  asr_docs_t with_ids; /* the documents again, when some lacked an _id (derive_ids) */
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
  asr_docs_free(&c->with_ids);
  asr_buf_free(&c->origins);
}

/* For a sink that derives _ids: out, or its copy with an _id in every document that had
 * none, derived from the decoded document it came from (core/doc_id.h). */
static int assign_ids(asr_pipeline_t *p, worker_ctx_t *c, const asr_batch_t *b,
                      const asr_docs_t **out, asr_err_t *err) {
  asr_doc_origins_t from = {&c->decoded, b->first_index, NULL};
  if (c->xf) {
    if (c->origins.len / sizeof(uint32_t) != (*out)->count)
      return asr_err_set(err, ASR_EDATA, "internal: the transform reported %zu origins for "
                         "%u documents", c->origins.len / sizeof(uint32_t), (*out)->count);
    from.origin = (const uint32_t *)(const void *)c->origins.data;
  }
  asr_docs_reset(&c->with_ids);
  int n = asr_docs_assign_ids(*out, &from, p->cfg.id_seed, &c->with_ids);
  if (n == ASR_ENOMEM) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  if (n < 0) return asr_err_set(err, ASR_EDATA, "internal: a transform origin is out of range");
  if (n > 0) { /* the same documents in the same order: the same source records */
    c->with_ids.first_index = (*out)->first_index;
    c->with_ids.origin = (*out)->origin;
    *out = &c->with_ids;
  }
  return 0;
}

/* What the transform did with the batch's inputs; a transform that does not say: every
 * input short of the outputs was dropped. */
static void transform_counts(asr_pipeline_t *p, worker_ctx_t *c, asr_transform_counts_t *xc) {
  if (p->cfg.transform->last_counts) {
    p->cfg.transform->last_counts(c->xf, xc);
    return;
  }
  uint32_t in = c->decoded.count, out = c->transformed.count;
  xc->dropped = in > out ? in - out : 0;
  xc->dead_lettered = 0;
}

static int process(asr_pipeline_t *p, asr_worker_t *w, worker_ctx_t *c, const asr_batch_t *b,
                   asr_err_t *err) {
  asr_docs_reset(&c->decoded);
  asr_dead_letter_batch_begin(b->seq); /* the transform's dead letters belong to b */
  int rc = p->cfg.source->vt->decode(p->cfg.source, c->src, b, &c->decoded, err);
  if (rc) return rc;
  c->decoded.first_index = b->first_index;
  c->decoded.origin = NULL;
  const asr_docs_t *out = &c->decoded;
  asr_transform_counts_t xc = {0, 0};
  if (c->xf) {
    asr_docs_reset(&c->transformed);
    asr_buf_reset(&c->origins); /* for dead letters' indexes and derived _ids */
    rc = p->cfg.transform->apply(c->xf, &c->decoded, b->first_index, &c->transformed,
                                 &c->origins, err);
    c->transformed.first_index = b->first_index;
    c->transformed.origin = (const uint32_t *)(const void *)c->origins.data;
    if (rc) return rc;
    out = &c->transformed;
    transform_counts(p, c, &xc);
  }
  if (p->cfg.sink->derive_ids && (rc = assign_ids(p, c, b, &out, err))) return rc;
  if (p->cfg.progress) asr_progress_read_by(p->cfg.progress, b->seq, c->decoded.count);
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
    /* in = passed on (making one output or more) + dropped + dead-lettered by the transform;
     * outputs beyond one per input passed on are fanned out. */
    uint32_t passed = c->decoded.count - xc.dropped - xc.dead_lettered;
    count(&w->counters.docs_dropped, xc.dropped);
    count(&w->counters.docs_fanned_out, out->count > passed ? out->count - passed : 0);
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
  asr_docs_init(&c.with_ids);
  asr_buf_init(&c.origins);
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
