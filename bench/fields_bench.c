/* CPU per document of asrun.fields' C rewrite (pipeline/fields.c) on one thread, against a
 * plain copy of the same bytes: the spec of bench/fields.sh on a .bson file of documents
 * (service orders: bench/fields.sh makes one). Prints ns per document.
 * Usage: fields_bench FILE.bson [PASSES] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/docs.h"
#include "pipeline/fields.h"

static double cpu_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what, const asr_err_t *err) {
  fprintf(stderr, "fields_bench: %s: %s\n", what, err ? err->msg : "failed");
  exit(1);
}

int main(int argc, char **argv) {
  if (argc < 2) die("usage", NULL);
  int passes = argc > 2 ? atoi(argv[2]) : 3;
  FILE *fp = fopen(argv[1], "rb");
  if (!fp) die(argv[1], NULL);
  asr_docs_t in;
  asr_docs_init(&in);
  uint8_t head[4];
  while (fread(head, 1, 4, fp) == 4) { /* load every document */
    uint32_t len;
    memcpy(&len, head, 4);
    uint8_t *d = malloc(len);
    memcpy(d, head, 4);
    if (fread(d + 4, 1, len - 4, fp) != len - 4) die("truncated file", NULL);
    asr_docs_append(&in, d, len);
    free(d);
  }
  fclose(fp);
  asr_err_t err;
  asr_err_clear(&err);
  asr_fields_t *f = asr_fields_new();
  static const uint8_t three[4] = {3, 0, 0, 0};
  if (asr_fields_rename(f, "orderNumber", "order_no", &err) ||
      asr_fields_rename(f, "customer.region", "customer.area", &err) ||
      asr_fields_drop(f, "notes", &err) || asr_fields_set(f, "schemaVersion", 0x10, three, 4, &err) ||
      asr_fields_copy(f, "technicianId", "tech_id", &err) ||
      asr_fields_convert(f, "technicianId", ASR_FIELD_INT64, &err) || asr_fields_finish(f, &err))
    die("spec", &err);
  asr_fields_scratch_t *s = asr_fields_scratch_new(f);
  asr_buf_t out;
  asr_buf_init(&out);
  double best_copy = 1e9, best_fields = 1e9;
  for (int p = 0; p < passes; p++) {
    double t0 = cpu_s();
    asr_buf_reset(&out);
    for (asr_docs_iter_t it = asr_docs_begin(&in); asr_docs_next(&it);)
      asr_buf_append(&out, it.doc, it.len);
    double t1 = cpu_s();
    asr_buf_reset(&out);
    for (asr_docs_iter_t it = asr_docs_begin(&in); asr_docs_next(&it);)
      if (asr_fields_apply(f, s, it.doc, it.len, &out, &err)) die("apply", &err);
    double t2 = cpu_s();
    if (t1 - t0 < best_copy) best_copy = t1 - t0;
    if (t2 - t1 < best_fields) best_fields = t2 - t1;
  }
  printf("%u documents (%.0f bytes each): copy %.0f ns/doc, asrun.fields (6 operations) %.0f "
         "ns/doc\n", in.count, (double)in.buf.len / in.count, best_copy * 1e9 / in.count,
         best_fields * 1e9 / in.count);
  asr_buf_free(&out);
  asr_fields_scratch_free(s);
  asr_fields_free(f);
  asr_docs_free(&in);
  return 0;
}
