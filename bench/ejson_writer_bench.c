/* Benchmark: our Extended JSON writer against libbson's bson_as_relaxed_extended_json (and, for
 * --json-format canonical, bson_as_canonical_extended_json) on a service-order-like document
 * (15 fields, a nested array of 3 line items). Standalone,
 * not built by CMake; from the repository root:
 *   gcc -O2 -Ihost bench/ejson_writer_bench.c host/codec/ejson_writer.c host/core/buf.c \
 *       host/core/error.c host/core/docs.c $(pkg-config --cflags --libs libbson-1.0) -lm \
 *       -o /tmp/ejson_bench
 *   /tmp/ejson_bench [seconds per measurement, default 1]
 * Single-threaded: the figures are docs/s on one core. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/ejson_writer.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static bson_t *service_order(void) {
  bson_oid_t id, warehouse;
  bson_oid_init_from_string(&id, "65a1f0c2e4b0a1b2c3d4e5f6");
  bson_oid_init_from_string(&warehouse, "65a1f0c2e4b0a1b2c3d4e001");
  bson_t *b = bson_new(), lines, line;
  BSON_APPEND_OID(b, "_id", &id);
  BSON_APPEND_UTF8(b, "orderNumber", "SO-2024-0001234");
  BSON_APPEND_UTF8(b, "status", "IN_PROGRESS");
  BSON_APPEND_INT32(b, "priority", 2);
  BSON_APPEND_INT64(b, "customerId", 9876543210LL);
  BSON_APPEND_UTF8(b, "customerName", "Acme Industrial Supplies Ltd.");
  BSON_APPEND_UTF8(b, "technician",
                   "Jos\xc3\xa9 Garc\xc3\xad"
                   "a");
  BSON_APPEND_DATE_TIME(b, "createdAt", 1704103200123LL);
  BSON_APPEND_DATE_TIME(b, "scheduledAt", 1704362400000LL);
  BSON_APPEND_DOUBLE(b, "amount", 1234.56);
  BSON_APPEND_DOUBLE(b, "taxRate", 0.2);
  BSON_APPEND_BOOL(b, "paid", false);
  BSON_APPEND_UTF8(b, "notes",
                   "Customer reports \"intermittent\" noise from unit 3;\ncall before arrival.");
  BSON_APPEND_UTF8(b, "region", "EMEA-North");
  BSON_APPEND_ARRAY_BEGIN(b, "lines", &lines);
  for (int i = 0; i < 3; i++) {
    char key[4], sku[32];
    snprintf(key, sizeof key, "%d", i);
    snprintf(sku, sizeof sku, "PART-%05d-X", 1200 + i * 37);
    BSON_APPEND_DOCUMENT_BEGIN(&lines, key, &line);
    BSON_APPEND_UTF8(&line, "sku", sku);
    BSON_APPEND_UTF8(&line, "description", "Replacement bearing assembly");
    BSON_APPEND_INT32(&line, "qty", 1 + i);
    BSON_APPEND_INT64(&line, "lineId", 100000000000LL + i);
    BSON_APPEND_DOUBLE(&line, "unitPrice", 19.99 + i * 10);
    BSON_APPEND_DATE_TIME(&line, "shippedAt", 1704200000000LL + i * 3600000LL);
    BSON_APPEND_OID(&line, "warehouseId", &warehouse);
    BSON_APPEND_BOOL(&line, "backordered", i == 2);
    bson_append_document_end(&lines, &line);
  }
  bson_append_array_end(b, &lines);
  return b;
}

/* The same shape with 8 doubles that need 16-17 digits: the writer's printf slow path. */
static bson_t *random_doubles(void) {
  bson_t *b = bson_new();
  uint64_t s = 0x9E3779B97F4A7C15ULL;
  for (int i = 0; i < 8; i++) {
    char key[8];
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    snprintf(key, sizeof key, "d%d", i);
    BSON_APPEND_DOUBLE(b, key, (double)(s >> 11) / 9007199254740992.0 * 1000.0);
  }
  return b;
}

static double bench_ours(const bson_t *doc, asr_ejson_mode_t mode, double seconds,
                         size_t *bytes) {
  asr_buf_t out;
  asr_err_t err;
  asr_buf_init(&out);
  asr_err_clear(&err);
  long n = 0;
  double t0 = now(), t;
  do {
    for (int i = 0; i < 1000; i++, n++) {
      if (i % 256 == 0) asr_buf_reset(&out); /* as a sink would after each write */
      if (asr_ejson_append_doc_mode(&out, bson_get_data(doc), doc->len, mode, &err) ||
          asr_buf_append(&out, "\n", 1)) {
        fprintf(stderr, "writer failed: %s\n", err.msg);
        exit(1);
      }
    }
    t = now() - t0;
  } while (t < seconds);
  asr_buf_reset(&out);
  asr_ejson_append_doc_mode(&out, bson_get_data(doc), doc->len, mode, &err);
  *bytes = out.len;
  asr_buf_free(&out);
  return (double)n / t;
}

static double bench_lines(const bson_t *doc, asr_ejson_mode_t mode, double seconds) {
  asr_docs_t docs;
  asr_buf_t out;
  asr_err_t err;
  asr_docs_init(&docs);
  asr_buf_init(&out);
  asr_err_clear(&err);
  for (int i = 0; i < 256; i++) asr_docs_append_bson(&docs, doc);
  long n = 0;
  double t0 = now(), t;
  do {
    for (int i = 0; i < 8; i++, n += docs.count) {
      asr_buf_reset(&out);
      if (asr_ejson_append_lines_mode(&out, &docs, mode, &err)) {
        fprintf(stderr, "writer failed: %s\n", err.msg);
        exit(1);
      }
    }
    t = now() - t0;
  } while (t < seconds);
  asr_buf_free(&out);
  asr_docs_free(&docs);
  return (double)n / t;
}

static double bench_libbson(const bson_t *doc, asr_ejson_mode_t mode, double seconds,
                            size_t *bytes) {
  long n = 0;
  double t0 = now(), t;
  do {
    for (int i = 0; i < 100; i++, n++) {
      size_t len;
      char *s = mode == ASR_EJSON_CANONICAL ? bson_as_canonical_extended_json(doc, &len)
                                            : bson_as_relaxed_extended_json(doc, &len);
      if (!s) exit(1);
      *bytes = len;
      bson_free(s);
    }
    t = now() - t0;
  } while (t < seconds);
  return (double)n / t;
}

static double bench_validate(const bson_t *doc, double seconds) {
  long n = 0;
  double t0 = now(), t;
  do {
    for (int i = 0; i < 1000; i++, n++) {
      size_t off;
      if (!bson_validate(doc, BSON_VALIDATE_UTF8 | BSON_VALIDATE_UTF8_ALLOW_NULL, &off)) exit(1);
    }
    t = now() - t0;
  } while (t < seconds);
  return (double)n / t;
}

static void report(const char *name, const bson_t *doc, double seconds) {
  size_t ours_bytes = 0, lib_bytes = 0;
  double ours = bench_ours(doc, ASR_EJSON_RELAXED, seconds, &ours_bytes);
  double lines = bench_lines(doc, ASR_EJSON_RELAXED, seconds);
  double lib = bench_libbson(doc, ASR_EJSON_RELAXED, seconds, &lib_bytes);
  printf("%s: BSON %u bytes, our text %zu bytes, libbson text %zu bytes\n", name, doc->len,
         ours_bytes, lib_bytes);
  printf("  asr_ejson_append_doc          %10.0f docs/s  (%.0f ns/doc, %.0f MB/s of output)\n",
         ours, 1e9 / ours, ours * (double)(ours_bytes + 1) / 1e6);
  printf("  asr_ejson_append_lines (256)  %10.0f docs/s\n", lines);
  printf("  bson_as_relaxed_extended_json %10.0f docs/s  (%.0f ns/doc)\n", lib, 1e9 / lib);
  printf("  ratio ours / libbson          %10.1fx\n", ours / lib);
  ours = bench_ours(doc, ASR_EJSON_CANONICAL, seconds, &ours_bytes);
  lines = bench_lines(doc, ASR_EJSON_CANONICAL, seconds);
  lib = bench_libbson(doc, ASR_EJSON_CANONICAL, seconds, &lib_bytes);
  printf(" canonical (--json-format canonical): our text %zu bytes, libbson text %zu bytes\n",
         ours_bytes, lib_bytes);
  printf("  asr_ejson_append_doc_mode     %10.0f docs/s  (%.0f ns/doc, %.0f MB/s of output)\n",
         ours, 1e9 / ours, ours * (double)(ours_bytes + 1) / 1e6);
  printf("  asr_ejson_append_lines_mode   %10.0f docs/s\n", lines);
  printf("  bson_as_canonical_extended_json %8.0f docs/s  (%.0f ns/doc)\n", lib, 1e9 / lib);
  printf("  ratio ours / libbson          %10.1fx\n", ours / lib);
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 1.0;
  if (seconds <= 0) seconds = 1.0;
  bson_t *order = service_order(), *doubles = random_doubles();
  asr_buf_t out;
  asr_err_t err;
  asr_buf_init(&out);
  asr_err_clear(&err);
  if (asr_ejson_append_doc(&out, bson_get_data(order), order->len, &err)) return 1;
  printf("document: %.*s\n\n", (int)out.len, (const char *)out.data);
  asr_buf_free(&out);
  report("service order", order, seconds);
  double v = bench_validate(order, seconds);
  printf(
      "  (for scale: bson_validate UTF8 %.0f docs/s, %.0f ns/doc; the writer does not call it)\n\n",
      v, 1e9 / v);
  report("8 random 17-digit doubles", doubles, seconds);
  bson_destroy(order);
  bson_destroy(doubles);
  return 0;
}
