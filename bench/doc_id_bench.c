/* Benchmark: the cost of deterministic _ids (core/doc_id.h). A source → queue → 2 workers →
 * null sink, once as a file target sees it (derive_ids off) and once as a database target
 * does (on: every document gets its _id inserted); best of 3 each, alternating. Sources:
 *  - synthetic documents of 64 and 400 bytes without _id, made for nothing (the pass's own
 *    cost per document, against a pipeline that does no work);
 *  - with TEMPLATE: generation of that template (give it one without _id), the real case.
 * The figure compared is CPU time per document (the process's, all threads): on a shared
 * machine wall-clock rates swing by more than the difference measured.
 * Usage: doc_id_bench [DOCS [TEMPLATE]] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <uv.h>

#include "pipeline/pipeline.h"

typedef struct {
  asr_source_t base;
  uint64_t total, next;
  uint32_t doc_bytes;
} sized_t;

static int s_next(asr_source_t *s, asr_batch_t *b, uint32_t max, asr_err_t *err) {
  (void)err;
  sized_t *t = (sized_t *)s;
  if (t->next >= t->total) return 0;
  uint64_t left = t->total - t->next;
  b->first_index = t->next;
  b->count = left < max ? (uint32_t)left : max;
  t->next += b->count;
  return 1;
}

/* {"i": int64, "pad": "xxx..."} of doc_bytes bytes. */
static int s_decode(asr_source_t *s, asr_source_worker_t *w, const asr_batch_t *b,
                    asr_docs_t *out, asr_err_t *err) {
  (void)w;
  (void)err;
  sized_t *t = (sized_t *)s;
  uint32_t n = t->doc_bytes;
  if (asr_buf_reserve(&out->buf, (size_t)b->count * n)) return ASR_ENOMEM;
  for (uint32_t k = 0; k < b->count; k++) {
    uint8_t *d = out->buf.data + out->buf.len;
    int64_t v = (int64_t)(b->first_index + k);
    int32_t slen = (int32_t)(n - 4 - 11 - 10 - 1);
    memcpy(d, &n, 4);
    memcpy(d + 4, "\x12i\0", 3);
    memcpy(d + 7, &v, 8);
    memcpy(d + 15, "\x02pad\0", 5);
    memcpy(d + 20, &slen, 4);
    memset(d + 24, 'x', (size_t)slen - 1);
    d[24 + slen - 1] = 0;
    d[n - 1] = 0;
    out->buf.len += n;
  }
  out->count += b->count;
  return 0;
}

static void s_destroy(asr_source_t *s) { (void)s; }
static const asr_source_vt_t sized_vt = {.kind = "sized", .next = s_next, .decode = s_decode,
                                         .destroy = s_destroy};

static double cpu_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* CPU nanoseconds per document. */
static double run(uint64_t docs, uint32_t doc_bytes, const char *template_path, int derive) {
  sized_t sized = {{&sized_vt, NULL}, docs, 0, doc_bytes};
  asr_source_t *src = &sized.base;
  asr_sink_t *sink;
  asr_err_t err;
  asr_err_clear(&err);
  if (template_path) {
    asr_source_spec_t spec = {.kind = "template", .path = (char *)template_path,
                              .limit = (int64_t)docs, .seed = 1, .has_clock = ASR_CLOCK_GIVEN,
                              .clock_ms = 1700000000000};
    if (asr_source_open(&spec, &src, &err)) {
      fprintf(stderr, "%s\n", err.msg);
      exit(1);
    }
  }
  asr_sink_options_t opt = {0};
  asr_sink_null_open(&opt, &sink, &err);
  sink->derive_ids = derive;
  asr_pipeline_config_t pc = {.source = src, .sink = sink, .workers = 2,
                              .batch_size = 1000, .id_seed = 1};
  asr_pipeline_t *p;
  asr_pipeline_create(&pc, &p, &err);
  double t0 = cpu_s();
  asr_pipeline_start(p, &err);
  if (asr_pipeline_wait(p, &err)) {
    fprintf(stderr, "pipeline failed: %s\n", err.msg);
    exit(1);
  }
  double s = cpu_s() - t0;
  asr_pipeline_destroy(p);
  asr_sink_destroy(sink);
  if (template_path) asr_source_destroy(src);
  return s * 1e9 / (double)docs;
}

static void compare(const char *what, uint64_t docs, uint32_t doc_bytes, const char *tpl) {
  double off = 1e30, on = 1e30;
  for (int rep = 0; rep < 5; rep++) { /* best of 5, alternating */
    double a = run(docs, doc_bytes, tpl, 0), b = run(docs, doc_bytes, tpl, 1);
    if (a < off) off = a;
    if (b < on) on = b;
  }
  printf("%s (2 workers, batches of 1000): ids off %.0f ns, on %.0f ns of CPU a document "
         "(+%.0f ns, %.1f%%)\n", what, off, on, on - off, 100.0 * (on / off - 1.0));
}

int main(int argc, char **argv) {
  uint64_t docs = argc > 1 ? strtoull(argv[1], NULL, 10) : 5000000;
  if (argc > 2) {
    char what[512];
    snprintf(what, sizeof what, "generation of %s", argv[2]);
    compare(what, docs, 0, argv[2]);
    return 0;
  }
  compare("64-byte documents", docs, 64, NULL);
  compare("400-byte documents", docs, 400, NULL);
  return 0;
}
