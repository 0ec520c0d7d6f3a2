/* Benchmark: the pipeline alone. A trivial source (document i is {"i": i}, built by the
 * worker) → bounded queue → workers → null sink. Prints docs/s per configuration and the
 * ratio to the 1,000,000 docs/s goal. Usage: pipeline_bench [DOCS] */
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#include "pipeline/pipeline.h"

typedef struct {
  asr_source_t base;
  uint64_t total, next;
} trivial_t;

static int t_next(asr_source_t *s, asr_batch_t *b, uint32_t max, asr_err_t *err) {
  trivial_t *t = (trivial_t *)s;
  if (t->next >= t->total) return 0;
  uint64_t left = t->total - t->next;
  b->first_index = t->next;
  b->count = left < max ? (uint32_t)left : max;
  t->next += b->count;
  return 1;
}

static int t_decode(asr_source_t *s, asr_source_worker_t *w, const asr_batch_t *b,
                    asr_docs_t *out, asr_err_t *err) {
  /* {"i": int64}: 4 (len) + 1 (type) + 2 ("i\0") + 8 + 1 (end) = 16 bytes */
  if (asr_buf_reserve(&out->buf, (size_t)b->count * 16)) return ASR_ENOMEM;
  for (uint32_t k = 0; k < b->count; k++) {
    uint8_t doc[16] = {16, 0, 0, 0, 0x12, 'i', 0};
    int64_t v = (int64_t)(b->first_index + k);
    memcpy(doc + 7, &v, 8);
    doc[15] = 0;
    asr_buf_put(&out->buf, doc, 16);
  }
  out->count += b->count;
  return 0;
}

static void t_destroy(asr_source_t *s) { (void)s; }
static const asr_source_vt_t trivial_vt = {.kind = "trivial", .next = t_next, .decode = t_decode,
                                           .destroy = t_destroy};

static double run(uint64_t docs, uint32_t workers, uint32_t batch) {
  trivial_t src = {{&trivial_vt, NULL}, docs, 0};
  asr_sink_t *sink;
  asr_err_t err;
  asr_err_clear(&err);
  asr_sink_options_t opt = {0};
  asr_sink_null_open(&opt, &sink, &err);
  asr_pipeline_config_t pc = {.source = &src.base, .sink = sink, .workers = workers,
                              .batch_size = batch};
  asr_pipeline_t *p;
  asr_pipeline_create(&pc, &p, &err);
  uint64_t t0 = uv_hrtime();
  asr_pipeline_start(p, &err);
  if (asr_pipeline_wait(p, &err)) {
    fprintf(stderr, "pipeline failed: %s\n", err.msg);
    exit(1);
  }
  double secs = (double)(uv_hrtime() - t0) / 1e9;
  asr_pipeline_stats_t st;
  asr_pipeline_stats(p, &st);
  if (st.docs_out != docs) {
    fprintf(stderr, "lost documents: %llu of %llu\n", (unsigned long long)st.docs_out,
            (unsigned long long)docs);
    exit(1);
  }
  asr_pipeline_destroy(p);
  asr_sink_destroy(sink);
  return (double)docs / secs;
}

int main(int argc, char **argv) {
  uint64_t docs = argc > 1 ? strtoull(argv[1], NULL, 10) : 20000000ull;
  static const uint32_t configs[][2] = {{1, 1000}, {2, 1000}, {2, 100}, {2, 10000}, {4, 1000}};
  printf("pipeline alone (trivial source -> queue -> workers -> null), %llu docs each\n",
         (unsigned long long)docs);
  printf("%-8s %-10s %14s %10s\n", "workers", "batch", "docs/s", "x goal");
  for (size_t i = 0; i < sizeof configs / sizeof configs[0]; i++) {
    double rate = run(docs, configs[i][0], configs[i][1]);
    printf("%-8u %-10u %14.0f %9.2fx\n", configs[i][0], configs[i][1], rate, rate / 1e6);
  }
  return 0;
}
