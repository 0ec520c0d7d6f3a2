/* The template generator source. The producer thread only hands out index ranges; each
 * worker generates its range from the compiled template, so generation scales with workers
 * and document i depends only on (seed, i). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sources/source.h"
#include "template/template.h"

typedef struct generator {
  asr_source_t base;
  asr_template_t *tpl;
  uint64_t seed;
  uint64_t total, next_index;
} generator_t;

struct asr_source_worker {
  bson_t *doc; /* reused for every document this worker makes (heap: bson_t wants 128-byte alignment) */
};

static int gen_next(asr_source_t *s, asr_batch_t *b, uint32_t max_records, asr_err_t *err) {
  generator_t *g = (generator_t *)s;
  if (g->next_index >= g->total) return 0;
  uint64_t left = g->total - g->next_index;
  b->first_index = g->next_index;
  b->count = left < max_records ? (uint32_t)left : max_records;
  g->next_index += b->count;
  return 1;
}

static int gen_decode(asr_source_t *s, asr_source_worker_t *w, const asr_batch_t *b,
                      asr_docs_t *out, asr_err_t *err) {
  generator_t *g = (generator_t *)s;
  for (uint32_t i = 0; i < b->count; i++) {
    bson_reinit(w->doc);
    /* no custom operators here yet: ext NULL (the template says so at compile time) */
    int rc = asr_template_generate(g->tpl, NULL, g->seed, b->first_index + i, w->doc, err);
    if (rc == 0) rc = asr_docs_append_bson(out, w->doc);
    if (rc) /* keeps the template's own message (with the field's path) when it set one */
      return asr_err_set(err, rc, "generating document %llu failed (%s)",
                         (unsigned long long)(b->first_index + i), asr_err_name(rc));
  }
  return 0;
}

static int gen_worker_open(asr_source_t *s, asr_source_worker_t **w, asr_err_t *err) {
  *w = malloc(sizeof **w);
  if (!*w) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  (*w)->doc = bson_new();
  return 0;
}

static void gen_worker_close(asr_source_t *s, asr_source_worker_t *w) {
  bson_destroy(w->doc);
  free(w);
}

static void gen_destroy(asr_source_t *s) {
  generator_t *g = (generator_t *)s;
  asr_template_free(g->tpl);
  free(g->base.description);
  free(g);
}

static const asr_source_vt_t generator_vt = {
    .kind = "template",
    .next = gen_next,
    .decode = gen_decode,
    .worker_open = gen_worker_open,
    .worker_close = gen_worker_close,
    .destroy = gen_destroy,
};

int asr_source_generator_open(const asr_source_spec_t *spec, asr_source_t **out, asr_err_t *err) {
  if (spec->limit < 0)
    return asr_err_set(err, ASR_EINVAL,
                       "a template source needs a document count: --total N, or total = N in "
                       "the strategy");
  generator_t *g = calloc(1, sizeof *g);
  if (!g) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  g->base.vt = &generator_vt;
  g->seed = spec->seed;
  g->total = (uint64_t)spec->limit;
  int rc;
  asr_template_options_t opt = {.total = g->total}; /* unique fields check their range */
  if (spec->template_json)
    rc = asr_template_compile(spec->template_json, strlen(spec->template_json), "template", &opt,
                              &g->tpl, err);
  else if (spec->path)
    rc = asr_template_compile_file(spec->path, &opt, &g->tpl, err);
  else
    rc = asr_err_set(err, ASR_EINVAL, "a template source needs a template file or text");
  int64_t clock_ms = spec->has_clock ? spec->clock_ms : (int64_t)(time(NULL)) * 1000;
  if (rc == 0) asr_template_set_now(g->tpl, clock_ms);
  char clock[32];
  time_t secs = (time_t)(clock_ms / 1000);
  struct tm tm;
  strftime(clock, sizeof clock, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&secs, &tm));
  if (rc == 0 && asprintf(&g->base.description, "template %s (%llu documents, seed %llu, clock %s%s)",
                          spec->path ? spec->path : "(inline)", (unsigned long long)g->total,
                          (unsigned long long)g->seed, clock,
                          spec->has_clock ? "" : ", pin with --now") < 0) {
    g->base.description = NULL;
    rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
  }
  if (rc) {
    gen_destroy(&g->base);
    return rc;
  }
  *out = &g->base;
  return 0;
}
