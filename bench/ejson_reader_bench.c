/* Benchmark: our Extended JSON reader (host/codec/ejson_reader.c) against libbson's JSON parser
 * on the lines of a JSONL file (by default the example service orders bench/run.sh generates).
 * The file is read into memory first; each measurement decodes every line into one reused
 * buffer, as the JSON sources do:
 *   ours         asr_ejson_read_doc per line
 *   libbson      one bson_json_reader over the lines as a stream (the sources' old path)
 *   libbson/doc  bson_init_from_json per line
 * Usage: ejson_reader_bench FILE.jsonl [seconds per measurement, default 1]
 * Single-threaded: the figures are docs/s on one core. */
#include <bson/bson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/ejson_reader.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct lines {
  char *text;
  size_t len;
  size_t *start, *end;
  size_t n;
} lines_t;

static void load(const char *path, lines_t *l) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  l->len = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  l->text = malloc(l->len + 1);
  if (fread(l->text, 1, l->len, f) != l->len) exit(2);
  fclose(f);
  l->n = 0;
  for (size_t i = 0; i < l->len; i++) l->n += l->text[i] == '\n';
  l->start = malloc(sizeof(size_t) * (l->n + 1));
  l->end = malloc(sizeof(size_t) * (l->n + 1));
  size_t k = 0, s = 0;
  for (size_t i = 0; i < l->len; i++)
    if (l->text[i] == '\n') {
      if (i > s) l->start[k] = s, l->end[k++] = i;
      s = i + 1;
    }
  l->n = k;
}

typedef struct feed {
  const lines_t *l;
  size_t i, off;
} feed_t;

static ssize_t feed_cb(void *h, uint8_t *buf, size_t cap) {
  feed_t *f = h;
  if (f->i >= f->l->n) return 0;
  size_t s = f->l->start[f->i] + f->off, e = f->l->end[f->i];
  size_t n = e - s < cap ? e - s : cap;
  memcpy(buf, f->l->text + s, n);
  f->off += n;
  if (f->l->start[f->i] + f->off == e) f->i++, f->off = 0;
  return (ssize_t)n;
}

/* One pass over every line; returns the BSON bytes made (a checksum of sorts). */
static size_t pass_ours(const lines_t *l, asr_buf_t *out) {
  size_t total = 0;
  asr_ejson_status_t st;
  for (size_t i = 0; i < l->n; i++) {
    asr_buf_reset(out);
    if (asr_ejson_read_doc((const uint8_t *)l->text + l->start[i], l->end[i] - l->start[i], out,
                           &st) != ASR_EJSON_OK) {
      fprintf(stderr, "line %zu: %s\n", i + 1, st.msg);
      exit(1);
    }
    total += out->len;
  }
  return total;
}

static size_t pass_libbson_stream(const lines_t *l) {
  feed_t f = {l, 0, 0};
  bson_json_reader_t *r = bson_json_reader_new(&f, feed_cb, NULL, false, 0);
  bson_t doc;
  bson_init(&doc);
  size_t total = 0;
  bson_error_t e;
  for (size_t i = 0; i < l->n; i++) {
    bson_reinit(&doc);
    if (bson_json_reader_read(r, &doc, &e) != 1) {
      fprintf(stderr, "line %zu: %s\n", i + 1, e.message);
      exit(1);
    }
    total += doc.len;
  }
  bson_destroy(&doc);
  bson_json_reader_destroy(r);
  return total;
}

static size_t pass_libbson_doc(const lines_t *l) {
  size_t total = 0;
  bson_error_t e;
  for (size_t i = 0; i < l->n; i++) {
    bson_t doc;
    if (!bson_init_from_json(&doc, l->text + l->start[i], (ssize_t)(l->end[i] - l->start[i]), &e)) {
      fprintf(stderr, "line %zu: %s\n", i + 1, e.message);
      exit(1);
    }
    total += doc.len;
    bson_destroy(&doc);
  }
  return total;
}

static double measure(int which, const lines_t *l, asr_buf_t *out, double secs, size_t *bytes) {
  double t0 = now(), t;
  size_t docs = 0;
  do {
    *bytes = which == 0 ? pass_ours(l, out) : which == 1 ? pass_libbson_stream(l) : pass_libbson_doc(l);
    docs += l->n;
    t = now();
  } while (t - t0 < secs);
  return (double)docs / (t - t0);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE.jsonl [seconds]\n", argv[0]);
    return 2;
  }
  double secs = argc > 2 ? atof(argv[2]) : 1.0;
  lines_t l;
  load(argv[1], &l);
  asr_buf_t out;
  asr_buf_init(&out);
  size_t b_ours, b_stream, b_doc;
  double ours = measure(0, &l, &out, secs, &b_ours);
  double stream = measure(1, &l, &out, secs, &b_stream);
  double per_doc = measure(2, &l, &out, secs, &b_doc);
  if (b_ours != b_stream || b_ours != b_doc) {
    fprintf(stderr, "the parsers disagree on the size of the last document\n");
    return 1;
  }
  printf("%zu lines, %.0f bytes each on average (one core)\n", l.n, (double)l.len / (double)l.n);
  printf("ours:                  %9.0f docs/s  %6.2f us/doc  %6.0f MB/s of JSON\n", ours,
         1e6 / ours, ours * (double)l.len / (double)l.n / 1e6);
  printf("libbson stream reader: %9.0f docs/s  %6.2f us/doc\n", stream, 1e6 / stream);
  printf("libbson per document:  %9.0f docs/s  %6.2f us/doc\n", per_doc, 1e6 / per_doc);
  printf("ratio: ours / libbson stream = %.1fx, ours / libbson per document = %.1fx\n",
         ours / stream, ours / per_doc);
  return 0;
}
