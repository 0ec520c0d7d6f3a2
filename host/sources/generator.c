/* The template generator source. The producer thread only hands out index ranges; each
 * worker generates its range from the compiled template, so generation scales with workers
 * and document i depends only on (seed, i). A template with custom operators opens them in
 * each worker's env through the spec's factory (the strategy's Lua state of that worker). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sources/source.h"
#include "template/mgodatagen.h"
#include "template/template.h"

typedef struct generator {
  asr_source_t base;
  asr_template_t *tpl;
  uint64_t seed;
  uint64_t total, next_index;
  uint64_t again_below; /* resumed: batches starting below this index may be written already */
  const asr_template_ext_factory_t *ops_factory; /* opens the custom operators; NULL: none */
  char **custom_ops;   /* owned copies of the spec's names */
  size_t ncustom;
  asr_template_ref_t *refs; /* collections $ref may name: compiled templates, owned */
  size_t nrefs;
} generator_t;

struct asr_source_worker {
  bson_t *doc; /* reused for every document this worker makes (heap: bson_t wants 128-byte alignment) */
  asr_template_ext_t *ext; /* this worker's custom operators; NULL when the template has none */
};

static int gen_next(asr_source_t *s, asr_batch_t *b, uint32_t max_records, asr_err_t *err) {
  generator_t *g = (generator_t *)s;
  if (g->next_index >= g->total) return 0;
  uint64_t left = g->total - g->next_index;
  b->first_index = g->next_index;
  b->count = left < max_records ? (uint32_t)left : max_records;
  b->again = b->first_index < g->again_below;
  if (b->again && b->first_index + b->count > g->again_below) /* end the batch there */
    b->count = (uint32_t)(g->again_below - b->first_index);
  g->next_index += b->count;
  return 1;
}

static void gen_tell(asr_source_t *s, asr_source_pos_t *pos) {
  *pos = (asr_source_pos_t){.index = ((generator_t *)s)->next_index};
}

static void gen_ahead(asr_source_t *s, uint64_t records, asr_source_pos_t *pos) {
  generator_t *g = (generator_t *)s;
  uint64_t left = g->total - g->next_index;
  *pos = (asr_source_pos_t){.index = g->next_index + (records < left ? records : left)};
}

/* Document i depends only on (seed, i): starting at any index is exact. */
static int gen_seek(asr_source_t *s, const asr_source_pos_t *from, const asr_source_pos_t *again,
                    asr_err_t *err) {
  generator_t *g = (generator_t *)s;
  if (from->index > g->total)
    return asr_err_set(err, ASR_EINVAL, "the checkpoint is at document %llu of %llu",
                       (unsigned long long)from->index, (unsigned long long)g->total);
  g->next_index = from->index;
  g->again_below = again && again->index > from->index ? again->index : 0;
  return 0;
}

static int gen_decode(asr_source_t *s, asr_source_worker_t *w, const asr_batch_t *b,
                      asr_docs_t *out, asr_err_t *err) {
  generator_t *g = (generator_t *)s;
  for (uint32_t i = 0; i < b->count; i++) {
    bson_reinit(w->doc);
    uint64_t index = b->first_index + i;
    int rc = asr_template_generate(g->tpl, w->ext, g->seed, index, w->doc, err);
    if (rc) {
      if (!err->code) asr_err_set(err, rc, "%s", asr_err_name(rc));
      asr_err_prefix(err, "generating document %llu", (unsigned long long)index);
      return rc;
    }
    if ((rc = asr_docs_append_bson(out, w->doc)))
      return asr_err_set(err, rc, "out of memory storing document %llu", (unsigned long long)index);
  }
  return 0;
}

static void gen_worker_close(asr_source_t *s, asr_source_worker_t *w) {
  if (!w) return;
  if (w->ext) ((generator_t *)s)->ops_factory->close(w->ext);
  if (w->doc) bson_destroy(w->doc);
  free(w);
}

static int gen_worker_open(asr_source_t *s, asr_worker_env_t *env, asr_source_worker_t **out,
                           asr_err_t *err) {
  generator_t *g = (generator_t *)s;
  asr_source_worker_t *w = *out = calloc(1, sizeof *w);
  if (!w || !(w->doc = bson_new())) {
    gen_worker_close(s, w);
    *out = NULL;
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  }
  if (!asr_template_has_custom_ops(g->tpl)) return 0;
  int rc = env ? g->ops_factory->open(env, (const char *const *)g->custom_ops, g->ncustom,
                                      &w->ext, err)
               : asr_err_set(err, ASR_EINVAL, "custom template operators need the strategy that "
                             "defines them");
  if (rc) {
    gen_worker_close(s, w);
    *out = NULL;
  }
  return rc;
}

static void gen_destroy(asr_source_t *s) {
  generator_t *g = (generator_t *)s;
  asr_template_free(g->tpl);
  for (size_t i = 0; i < g->nrefs; i++) {
    asr_template_free((asr_template_t *)g->refs[i].tpl);
    free((char *)g->refs[i].name);
  }
  free(g->refs);
  for (size_t i = 0; i < g->ncustom; i++) free(g->custom_ops[i]);
  free(g->custom_ops);
  free(g->base.description);
  free(g);
}

/* Keeps copies of the spec's custom operator names (the spec may not outlive the source). */
static int copy_custom_ops(generator_t *g, const asr_source_spec_t *spec, asr_err_t *err) {
  if (!spec->ncustom) return 0;
  if (!spec->custom_ops_factory)
    return asr_err_set(err, ASR_EINVAL, "custom template operators need the strategy that "
                       "defines them");
  g->ops_factory = spec->custom_ops_factory;
  if (!(g->custom_ops = calloc(spec->ncustom, sizeof *g->custom_ops)))
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  for (; g->ncustom < spec->ncustom; g->ncustom++)
    if (!(g->custom_ops[g->ncustom] = strdup(spec->custom_ops[g->ncustom])))
      return asr_err_set(err, ASR_ENOMEM, "out of memory");
  return 0;
}

/* Adds one compiled collection to the ones $ref may name (takes ownership of tpl). */
static int add_ref(generator_t *g, const char *name, asr_template_t *tpl, uint64_t count,
                   uint64_t seed, asr_err_t *err) {
  asr_template_ref_t *grown = realloc(g->refs, (g->nrefs + 1) * sizeof *grown);
  char *copy = strdup(name);
  if (!grown || !copy) {
    free(copy);
    if (grown) g->refs = grown;
    asr_template_free(tpl);
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  }
  g->refs = grown;
  g->refs[g->nrefs++] = (asr_template_ref_t){copy, tpl, count, seed};
  return 0;
}

static asr_template_options_t compile_options(const generator_t *g) {
  return (asr_template_options_t){.custom_ops = (const char *const *)g->custom_ops,
                                  .ncustom = g->ncustom,
                                  .refs = g->refs,
                                  .nrefs = g->nrefs,
                                  .total = g->total};
}

/* Compiles the strategy's declared collections, in order; each may $ref the earlier ones. */
static int compile_collections(generator_t *g, const asr_source_spec_t *spec, asr_err_t *err) {
  int rc = 0;
  for (size_t i = 0; i < spec->ncollections && rc == 0; i++) {
    const asr_source_collection_t *c = &spec->collections[i];
    asr_template_options_t opt = compile_options(g);
    opt.total = (uint64_t)c->total;
    asr_template_t *tpl = NULL;
    if (c->template_json)
      rc = asr_template_compile(c->template_json, strlen(c->template_json), c->name, &opt, &tpl, err);
    else
      rc = asr_template_compile_file(c->template_path, &opt, &tpl, err);
    if (rc == 0) {
      uint64_t seed = c->seed >= 0 ? (uint64_t)c->seed : spec->seed;
      rc = add_ref(g, c->name, tpl, (uint64_t)c->total, seed, err);
    }
  }
  return rc;
}

static const asr_source_vt_t generator_vt = {
    .kind = "template",
    .next = gen_next,
    .decode = gen_decode,
    .worker_open = gen_worker_open,
    .worker_close = gen_worker_close,
    .destroy = gen_destroy,
    .tell = gen_tell,
    .seek = gen_seek,
    .ahead = gen_ahead,
};

static int finish_open(generator_t *g, const asr_source_spec_t *spec, const char *what, int rc,
                       asr_source_t **out, asr_err_t *err);

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
  int rc = copy_custom_ops(g, spec, err);
  if (!rc) rc = compile_collections(g, spec, err);
  asr_template_options_t opt = compile_options(g);
  size_t plen = spec->path ? strlen(spec->path) : 0;
  if (!rc && spec->template_json) /* inline, or a Lua template the strategy converted */
    rc = asr_template_compile(spec->template_json, strlen(spec->template_json),
                              spec->path ? spec->path : "template", &opt, &g->tpl, err);
  else if (!rc && plen > 4 && strcmp(spec->path + plen - 4, ".lua") == 0)
    rc = asr_err_set(err, ASR_EINVAL, "%s is a Lua template: name it in a strategy "
                     "(source = { template = \"%s\" })", spec->path, spec->path);
  else if (!rc && spec->path)
    rc = asr_template_compile_file(spec->path, &opt, &g->tpl, err);
  else if (!rc)
    rc = asr_err_set(err, ASR_EINVAL, "a template source needs a template file or text");
  return finish_open(g, spec, spec->path ? spec->path : "(inline)", rc, out, err);
}

/* Sets the clock on every template and the description; frees g on failure. */
static int finish_open(generator_t *g, const asr_source_spec_t *spec, const char *what, int rc,
                       asr_source_t **out, asr_err_t *err) {
  int64_t clock_ms = spec->has_clock ? spec->clock_ms : (int64_t)(time(NULL)) * 1000;
  g->base.total_records = g->total;
  if (rc == 0) {
    g->base.id_depends = asr_template_field_depends(g->tpl, "_id");
    asr_template_set_now(g->tpl, clock_ms);
    for (size_t i = 0; i < g->nrefs; i++) asr_template_set_now((asr_template_t *)g->refs[i].tpl, clock_ms);
  }
  char clock[32];
  time_t secs = (time_t)(clock_ms / 1000);
  struct tm tm;
  strftime(clock, sizeof clock, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&secs, &tm));
  if (rc == 0 && asprintf(&g->base.description, "template %s (%llu documents, seed %llu, clock %s%s)",
                          what, (unsigned long long)g->total, (unsigned long long)g->seed, clock,
                          spec->has_clock == ASR_CLOCK_GIVEN ? "" : ", pin with --now") < 0) {
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

/* mgodatagen:config.json — generates the config's collection spec->collection (the only one
 * when there is one); the config's other collections are compiled for $ref, in config order. */
int asr_source_mgodatagen_open(const asr_source_spec_t *spec, asr_source_t **out, asr_err_t *err) {
  asr_mgo_collection_t *cols = NULL;
  size_t n = 0;
  int rc = asr_mgodatagen_load(spec->path, &cols, &n, err);
  if (rc) return rc;
  size_t pick = n;
  for (size_t i = 0; i < n; i++)
    if (spec->collection ? strcmp(cols[i].collection, spec->collection) == 0 : n == 1) pick = i;
  if (pick == n) {
    rc = spec->collection
             ? asr_err_set(err, ASR_EINVAL, "%s: no collection '%s' in the config", spec->path,
                           spec->collection)
             : asr_err_set(err, ASR_EINVAL, "%s holds %zu collections: choose one with "
                           "--mgodatagen-collection NAME", spec->path, n);
    asr_mgodatagen_free(cols, n);
    return rc;
  }
  generator_t *g = calloc(1, sizeof *g);
  if (!g) {
    asr_mgodatagen_free(cols, n);
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  }
  g->base.vt = &generator_vt;
  g->seed = spec->seed;
  g->total = spec->limit >= 0 ? (uint64_t)spec->limit : cols[pick].count;
  rc = copy_custom_ops(g, spec, err);
  for (size_t i = 0; i <= pick && rc == 0; i++) { /* earlier ones first: $ref targets */
    asr_template_options_t opt = compile_options(g);
    opt.total = i == pick ? g->total : cols[i].count;
    asr_template_t *tpl = NULL;
    rc = asr_template_compile_cjson(cols[i].tpl, spec->path, &opt, &tpl, err);
    if (rc == 0 && i == pick) g->tpl = tpl;
    else if (rc == 0) rc = add_ref(g, cols[i].collection, tpl, cols[i].count, spec->seed, err);
  }
  char what[512];
  snprintf(what, sizeof what, "%s, collection %s.%s", spec->path, cols[pick].database,
           cols[pick].collection);
  asr_mgodatagen_free(cols, n);
  return finish_open(g, spec, what, rc, out, err);
}
