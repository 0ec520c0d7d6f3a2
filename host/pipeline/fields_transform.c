/* The asrun.fields stage (fields_transform.h). With an `after` transform, the rewritten
 * documents of a batch are handed to it in runs between documents that failed, so its
 * messages, dead letters and origins keep the source's indexes. */
#include "pipeline/fields_transform.h"

#include <stdlib.h>
#include <string.h>

struct asr_transform {
  const asr_fields_stage_t *stage;
  asr_fields_scratch_t *scratch;
  asr_transform_t *then;   /* the after transform's instance, or NULL */
  asr_docs_t mid;          /* the rewritten documents, with an after transform */
  asr_buf_t kept;          /* their indexes in the input (uint32_t), with an after transform */
  asr_transform_counts_t counts;
};

static void fs_close(asr_transform_t *t) {
  if (!t) return;
  if (t->then) t->stage->then->close(t->then);
  asr_fields_scratch_free(t->scratch);
  asr_docs_free(&t->mid);
  asr_buf_free(&t->kept);
  free(t);
}

static int fs_open(void *ud, asr_worker_env_t *env, asr_transform_t **out, asr_err_t *err) {
  const asr_fields_stage_t *stage = ud;
  asr_transform_t *t = calloc(1, sizeof *t);
  *out = NULL;
  if (!t || !(t->scratch = asr_fields_scratch_new(stage->fields))) {
    free(t);
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  }
  t->stage = stage;
  asr_docs_init(&t->mid);
  asr_buf_init(&t->kept);
  int rc = stage->then ? stage->then->open(stage->then->ud, env, &t->then, err) : 0;
  if (rc) {
    fs_close(t);
    return rc;
  }
  *out = t;
  return 0;
}

/* A document the operations could not rewrite (rc, err): dead-lettered, 0 when the batch
 * goes on. */
static int dead_letter(asr_transform_t *t, const asr_docs_iter_t *it, uint64_t index, int rc,
                       asr_err_t *err) {
  asr_err_prefix(err, "transform failed on document %llu", (unsigned long long)index);
  if (rc != ASR_EDATA || !t->stage->dead_letter) return rc;
  asr_dead_letter_entry_t e = {.doc = it->doc, .len = it->len, .index = index,
                               .batch = ASR_DL_NO_INDEX, .reason = ASR_DL_TRANSFORM,
                               .message = err->msg, .traceback = NULL};
  asr_err_t dl_err;
  asr_err_clear(&dl_err);
  rc = asr_dead_letter_add(t->stage->dead_letter, &e, &dl_err);
  *err = dl_err; /* cleared, or the budget's verdict */
  if (rc == 0) t->counts.dead_lettered++;
  return rc;
}

/* Rewrites every document of `in` into out (its origins alongside); `kept` gets each output's
 * input index when an after transform follows. */
static int rewrite(asr_transform_t *t, const asr_docs_t *in, uint64_t first_index,
                   asr_docs_t *out, asr_buf_t *origins, asr_err_t *err) {
  uint32_t k = 0;
  for (asr_docs_iter_t it = asr_docs_begin(in); asr_docs_next(&it); k++) {
    int rc = asr_fields_apply(t->stage->fields, t->scratch, it.doc, it.len, &out->buf, err);
    if (rc) {
      if ((rc = dead_letter(t, &it, first_index + k, rc, err))) return rc;
      continue;
    }
    out->count++;
    if (origins && asr_buf_append(origins, &k, sizeof k))
      return asr_err_set(err, ASR_ENOMEM, "out of memory");
  }
  return 0;
}

/* The after transform on the run mid[from, to) of rewritten documents, all from consecutive
 * inputs starting at input index k0. */
static int then_run(asr_transform_t *t, const uint8_t *start, size_t bytes, uint32_t n,
                    uint32_t k0, uint64_t first_index, asr_docs_t *out, asr_buf_t *origins,
                    asr_err_t *err) {
  asr_docs_t view = {.buf = {(uint8_t *)start, bytes, bytes}, .count = n,
                     .first_index = first_index + k0, .origin = NULL};
  size_t before = origins ? origins->len / sizeof(uint32_t) : 0;
  int rc = t->stage->then->apply(t->then, &view, first_index + k0, out, origins, err);
  if (origins) /* its origins count from the run's start */
    for (size_t i = before; i < origins->len / sizeof(uint32_t); i++) {
      uint32_t o;
      memcpy(&o, origins->data + i * sizeof o, sizeof o);
      o += k0;
      memcpy(origins->data + i * sizeof o, &o, sizeof o);
    }
  if (t->stage->then->last_counts) {
    asr_transform_counts_t c;
    t->stage->then->last_counts(t->then, &c);
    t->counts.dropped += c.dropped;
    t->counts.dead_lettered += c.dead_lettered;
  }
  return rc;
}

static int then_apply(asr_transform_t *t, uint64_t first_index, asr_docs_t *out,
                      asr_buf_t *origins, asr_err_t *err) {
  const uint32_t *kept = (const uint32_t *)(const void *)t->kept.data;
  asr_docs_iter_t it = asr_docs_begin(&t->mid);
  const uint8_t *run = it.pos;
  uint32_t n = 0, k0 = 0;
  for (uint32_t i = 0; asr_docs_next(&it); i++) {
    if (n && kept[i] != k0 + n) { /* a gap: the run before it first */
      int rc = then_run(t, run, (size_t)(it.doc - run), n, k0, first_index, out, origins, err);
      if (rc) return rc;
      run = it.doc;
      n = 0;
    }
    if (n++ == 0) k0 = kept[i];
  }
  if (!n) return 0;
  return then_run(t, run, (size_t)(t->mid.buf.data + t->mid.buf.len - run), n, k0, first_index,
                  out, origins, err);
}

static int fs_apply(asr_transform_t *t, const asr_docs_t *in, uint64_t first_index,
                    asr_docs_t *out, asr_buf_t *origins, asr_err_t *err) {
  t->counts = (asr_transform_counts_t){0, 0};
  if (!t->then) return rewrite(t, in, first_index, out, origins, err);
  asr_docs_reset(&t->mid);
  asr_buf_reset(&t->kept);
  int rc = rewrite(t, in, first_index, &t->mid, &t->kept, err);
  return rc ? rc : then_apply(t, first_index, out, origins, err);
}

static void fs_last_counts(asr_transform_t *t, asr_transform_counts_t *out) { *out = t->counts; }

void asr_fields_transform_factory(asr_transform_factory_t *f, const asr_fields_stage_t *stage) {
  *f = (asr_transform_factory_t){fs_open, fs_apply, fs_close, (void *)stage, fs_last_counts};
}
