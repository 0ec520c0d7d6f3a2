/* Tests for the file sources (jsonl, json array, bson) on real files: fixtures under
 * tests/fixtures/sources and files generated into ASR_TEST_TMP. Each test drives a source the
 * way the pipeline does: next on one thread, decode of every batch, documents in order. */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "sources/file_reader.h"
#include "sources/source.h"

#define FIX(name) ASR_TEST_FIXTURES "/sources/" name
#define TMP(name) ASR_TEST_TMP "/sources_files_" name

/* --- helpers -------------------------------------------------------------------------- */

static void write_file(const char *path, const void *data, size_t len) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, len, f), len);
  assert_int_equal(fclose(f), 0);
}

static void write_str(const char *path, const char *text) { write_file(path, text, strlen(text)); }

static int open_src(const char *kind, const char *path, int64_t limit, asr_source_t **s,
                    asr_err_t *err) {
  asr_source_spec_t spec = {0};
  spec.kind = (char *)kind;
  spec.path = (char *)path;
  spec.limit = limit;
  asr_err_clear(err);
  if (strcmp(kind, "jsonl") == 0) return asr_source_jsonl_open(&spec, s, err);
  if (strcmp(kind, "json") == 0) return asr_source_json_array_open(&spec, s, err);
  return asr_source_bson_open(&spec, s, err);
}

#define MAX_BATCHES 64

/* Everything one pass over a source produced. */
typedef struct run {
  asr_docs_t docs;
  uint32_t batches;
  uint32_t counts[MAX_BATCHES];
  uint64_t origins[MAX_BATCHES], first_index[MAX_BATCHES];
  int rc;         /* 0, or the first error */
  int in_decode;  /* the error came from decode (else from next/open) */
  asr_err_t err;
} run_t;

static void drain(const char *kind, const char *path, int64_t limit, uint32_t max, run_t *r) {
  memset(r, 0, sizeof *r);
  asr_docs_init(&r->docs);
  asr_source_t *s = NULL;
  r->rc = open_src(kind, path, limit, &s, &r->err);
  if (r->rc) return;
  asr_source_worker_t *w = NULL; /* file sources keep no per-worker state */
  assert_null(s->vt->worker_open);
  asr_batch_t b = {0};
  asr_buf_init(&b.raw);
  for (;;) {
    asr_buf_reset(&b.raw);
    int rc = s->vt->next(s, &b, max, &r->err);
    if (rc == 0) break;
    if (rc < 0) {
      r->rc = rc;
      break;
    }
    assert_int_equal(rc, 1);
    assert_true(b.count > 0 && b.count <= max);
    if (r->batches < MAX_BATCHES) {
      r->counts[r->batches] = b.count;
      r->origins[r->batches] = b.origin;
      r->first_index[r->batches] = b.first_index;
    }
    r->batches++;
    uint32_t before = r->docs.count;
    rc = s->vt->decode(s, w, &b, &r->docs, &r->err);
    if (rc) {
      r->rc = rc;
      r->in_decode = 1;
      break;
    }
    assert_int_equal(r->docs.count - before, b.count);
  }
  asr_buf_free(&b.raw);
  s->vt->destroy(s);
}

static void run_free(run_t *r) { asr_docs_free(&r->docs); }

/* The i-th document of a run, as a read-only bson_t. */
static void doc_at(const run_t *r, uint32_t i, bson_t *out) {
  uint32_t k = 0;
  for (asr_docs_iter_t it = asr_docs_begin(&r->docs); asr_docs_next(&it); k++) {
    if (k == i) {
      assert_true(bson_init_static(out, it.doc, it.len));
      return;
    }
  }
  fail_msg("no document %u", i);
}

static void assert_doc_eq(const bson_t *got, const bson_t *want) {
  if (!bson_equal(got, want)) {
    char *g = bson_as_canonical_extended_json(got, NULL);
    char *w = bson_as_canonical_extended_json(want, NULL);
    print_error("got  %s\nwant %s\n", g, w);
    bson_free(g);
    bson_free(w);
    fail();
  }
}

static void assert_same_docs(const run_t *a, const run_t *b) {
  assert_int_equal(a->docs.count, b->docs.count);
  assert_int_equal(a->docs.buf.len, b->docs.buf.len);
  assert_memory_equal(a->docs.buf.data, b->docs.buf.data, a->docs.buf.len);
}

static void assert_err(const run_t *r, int code, const char *fmt, ...) {
  char want[1200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(want, sizeof want, fmt, ap);
  va_end(ap);
  assert_int_equal(r->rc, code);
  assert_int_equal(r->err.code, code);
  assert_string_equal(r->err.msg, want);
}

/* The five documents of ejson_v2.jsonl / docs.json / docs.bson, built with libbson. */
static void expected_docs(bson_t *want) {
  bson_oid_t o1, o2, o3;
  bson_oid_init_from_string(&o1, "5f1b2c3d4e5f60718293a4b5");
  bson_oid_init_from_string(&o2, "5f1b2c3d4e5f60718293a4b6");
  bson_oid_init_from_string(&o3, "5f1b2c3d4e5f60718293a4b7");

  bson_init(&want[0]);
  BCON_APPEND(&want[0], "_id", BCON_OID(&o1), "name", BCON_UTF8("Ada"), "age", BCON_INT32(36),
              "score", BCON_DOUBLE(4.5), "ratio", BCON_DOUBLE(1.0), "big",
              BCON_INT64(9007199254740993LL), "active", BCON_BOOL(true), "nothing", BCON_NULL,
              "when", BCON_DATE_TIME(1577934245678LL), "tags", "[", BCON_UTF8("a"),
              BCON_UTF8("b"), "]", "nested", "{", "x", BCON_INT32(1), "y", "[", BCON_INT32(1),
              BCON_INT32(2), "{", "z", BCON_UTF8("w"), "}", "]", "}");

  bson_decimal128_t dec;
  assert_true(bson_decimal128_from_string("1234.5678", &dec));
  bson_init(&want[1]);
  BCON_APPEND(&want[1], "_id", BCON_OID(&o2), "i32", BCON_INT32(-7), "i64",
              BCON_INT64(INT64_MIN), "dbl", BCON_DOUBLE(1.0), "ninf", BCON_DOUBLE(-INFINITY),
              "nan", BCON_DOUBLE(NAN), "dec", BCON_DECIMAL128(&dec), "old",
              BCON_DATE_TIME(-62135596800000LL));

  static const uint8_t bin[] = {1, 2, 3, 4};
  static const uint8_t uuid[] = {0x73, 0xff, 0xd2, 0x64, 0x44, 0xb3, 0x4c, 0x69,
                                 0x90, 0xe8, 0xe7, 0xd1, 0xdf, 0xc0, 0x35, 0xd4};
  bson_init(&want[2]);
  BCON_APPEND(&want[2], "bin", BCON_BIN(BSON_SUBTYPE_BINARY, bin, 4), "uuid",
              BCON_BIN(BSON_SUBTYPE_UUID, uuid, 16), "u2", BCON_BIN(BSON_SUBTYPE_UUID, uuid, 16),
              "re", BCON_REGEX("^a.*\\}", "i"), "ts", BCON_TIMESTAMP(1600000000, 7), "min",
              BCON_MINKEY, "max", BCON_MAXKEY);

  bson_t scope = BSON_INITIALIZER;
  BCON_APPEND(&scope, "y", BCON_INT32(2));
  bson_init(&want[3]);
  BCON_APPEND(&want[3], "code", BCON_CODE("function(){return 1;}"), "cws",
              BCON_CODEWSCOPE("x+y", &scope), "ptr", BCON_DBPOINTER("coll", &o3), "sym",
              BCON_SYMBOL("s"), "undef", BCON_UNDEFINED);
  bson_destroy(&scope);

  bson_init(&want[4]);
  BCON_APPEND(&want[4], "s", BCON_UTF8("brace } and { and ] [ and \"quote\" and \\ backslash"),
              "u", BCON_UTF8("caf\xc3\xa9 \xf0\x9f\x98\x80 \xe6\x97\xa5\xe6\x9c\xac"), "empty",
              "{", "}", "arr", "[", "]", "deep", "[", "[", "[", "{", "k", BCON_UTF8("}"), "}",
              "]", "]", "]");
}

static void assert_fixture_docs(const run_t *r) {
  bson_t want[5];
  expected_docs(want);
  assert_int_equal(r->rc, 0);
  assert_int_equal(r->docs.count, 5);
  for (uint32_t i = 0; i < 5; i++) {
    bson_t got;
    doc_at(r, i, &got);
    if (i == 1) {
      /* NaN: compare the value, not the bit pattern libbson chose; the rest byte for byte. */
      bson_iter_t it;
      assert_true(bson_iter_init_find(&it, &got, "nan"));
      assert_true(BSON_ITER_HOLDS_DOUBLE(&it));
      assert_true(isnan(bson_iter_double(&it)));
      bson_t a = BSON_INITIALIZER, b = BSON_INITIALIZER;
      bson_copy_to_excluding_noinit(&got, &a, "nan", NULL);
      bson_copy_to_excluding_noinit(&want[1], &b, "nan", NULL);
      assert_doc_eq(&a, &b);
      bson_destroy(&a);
      bson_destroy(&b);
    } else {
      assert_doc_eq(&got, &want[i]);
    }
    bson_destroy(&want[i]);
  }
}

/* --- JSONL ------------------------------------------------------------------------------- */

static void test_jsonl_fixture_content(void **state) {
  run_t r;
  drain("jsonl", FIX("ejson_v2.jsonl"), -1, 1000, &r);
  assert_fixture_docs(&r);
  assert_int_equal(r.batches, 1);
  assert_int_equal(r.origins[0], 1);
  run_free(&r);
}

static void test_jsonl_batch_framing(void **state) {
  run_t r1, r2, r1000;
  drain("jsonl", FIX("ejson_v2.jsonl"), -1, 1, &r1);
  drain("jsonl", FIX("ejson_v2.jsonl"), -1, 2, &r2);
  drain("jsonl", FIX("ejson_v2.jsonl"), -1, 1000, &r1000);
  assert_fixture_docs(&r1);
  assert_same_docs(&r1, &r1000);
  assert_same_docs(&r2, &r1000);
  /* Line 3 is blank: it is skipped, yet later records keep their real line numbers. */
  assert_int_equal(r1.batches, 5);
  const uint64_t lines[] = {1, 2, 4, 5, 6};
  for (uint32_t i = 0; i < 5; i++) {
    assert_int_equal(r1.origins[i], lines[i]);
    assert_int_equal(r1.first_index[i], i);
    assert_int_equal(r1.counts[i], 1);
  }
  assert_int_equal(r2.batches, 3);
  assert_int_equal(r2.counts[0], 2);
  assert_int_equal(r2.counts[2], 1);
  assert_int_equal(r2.origins[1], 4);
  assert_int_equal(r2.first_index[2], 4);
  run_free(&r1);
  run_free(&r2);
  run_free(&r1000);
}

static void test_jsonl_limit(void **state) {
  run_t all, r0, r3, r9;
  drain("jsonl", FIX("ejson_v2.jsonl"), -1, 1000, &all);
  drain("jsonl", FIX("ejson_v2.jsonl"), 0, 1000, &r0);
  drain("jsonl", FIX("ejson_v2.jsonl"), 3, 2, &r3);
  drain("jsonl", FIX("ejson_v2.jsonl"), 9, 1000, &r9);
  assert_int_equal(r0.rc, 0);
  assert_int_equal(r0.docs.count, 0);
  assert_int_equal(r0.batches, 0);
  assert_int_equal(r3.docs.count, 3);
  assert_int_equal(r3.batches, 2);
  assert_int_equal(r3.counts[1], 1);
  bson_t a, b;
  for (uint32_t i = 0; i < 3; i++) {
    doc_at(&r3, i, &a);
    doc_at(&all, i, &b);
    assert_true(bson_equal(&a, &b));
  }
  assert_same_docs(&r9, &all);
  run_free(&all);
  run_free(&r0);
  run_free(&r3);
  run_free(&r9);
}

static void test_jsonl_crlf_bom_blank(void **state) {
  const char *path = TMP("crlf.jsonl");
  write_str(path, "\xEF\xBB\xBF{\"a\":1}\r\n\r\n  \t \r\n{\"b\":\"x\\r\"}  \r\n\n{\"c\":3}");
  run_t r;
  drain("jsonl", path, -1, 2, &r);
  assert_int_equal(r.rc, 0);
  assert_int_equal(r.docs.count, 3);
  assert_int_equal(r.batches, 2);
  assert_int_equal(r.origins[0], 1);
  assert_int_equal(r.origins[1], 6);
  bson_t got;
  bson_t *w0 = BCON_NEW("a", BCON_INT32(1)), *w1 = BCON_NEW("b", BCON_UTF8("x\r")),
         *w2 = BCON_NEW("c", BCON_INT32(3));
  doc_at(&r, 0, &got);
  assert_doc_eq(&got, w0);
  doc_at(&r, 1, &got);
  assert_doc_eq(&got, w1);
  doc_at(&r, 2, &got);
  assert_doc_eq(&got, w2);
  bson_destroy(w0);
  bson_destroy(w1);
  bson_destroy(w2);
  run_free(&r);

  /* Line numbers count the blank and CRLF lines. */
  write_str(path, "\xEF\xBB\xBF{\"a\":1}\r\n\r\n\r\n{\"a\":tru}\r\n");
  drain("jsonl", path, -1, 1000, &r);
  assert_err(&r, ASR_EDATA, "%s:4: invalid JSON: Got parse error at \"}\", position 8: "
             "\"SPECIAL_INCOMPLETE\"", path);
  run_free(&r);

  /* An empty file and a file of blank lines hold no records. */
  write_str(path, "");
  drain("jsonl", path, -1, 1000, &r);
  assert_int_equal(r.rc, 0);
  assert_int_equal(r.docs.count, 0);
  run_free(&r);
  write_str(path, "\xEF\xBB\xBF\n \r\n\n");
  drain("jsonl", path, -1, 1000, &r);
  assert_int_equal(r.rc, 0);
  assert_int_equal(r.docs.count, 0);
  run_free(&r);
}

static void test_jsonl_corrupt_fixture(void **state) {
  run_t r;
  drain("jsonl", FIX("corrupt.jsonl"), -1, 1000, &r);
  assert_err(&r, ASR_EDATA, "%s:4: invalid JSON: Got parse error at \"}\", position 15: "
             "\"VALUE_EXPECTED\"", FIX("corrupt.jsonl"));
  assert_true(r.in_decode);
  assert_int_equal(r.docs.count, 2); /* the records before the bad line were decoded */
  run_free(&r);

  /* Batches of one: the first two batches succeed, the third names line 4. */
  drain("jsonl", FIX("corrupt.jsonl"), -1, 1, &r);
  assert_int_equal(r.batches, 3);
  assert_int_equal(r.origins[2], 4);
  assert_int_equal(r.docs.count, 2);
  assert_err(&r, ASR_EDATA, "%s:4: invalid JSON: Got parse error at \"}\", position 15: "
             "\"VALUE_EXPECTED\"", FIX("corrupt.jsonl"));
  run_free(&r);
}

/* One bad line after a good one; checks the exact message. */
static void check_jsonl_error(const char *line, const char *msg) {
  const char *path = TMP("bad.jsonl");
  char text[256];
  snprintf(text, sizeof text, "{\"ok\":1}\n%s\n{\"ok\":2}\n", line);
  write_str(path, text);
  run_t r;
  drain("jsonl", path, -1, 1000, &r);
  assert_err(&r, ASR_EDATA, "%s:2: invalid JSON: %s", path, msg);
  assert_int_equal(r.docs.count, 1);
  run_free(&r);
}

/* The JSON sources decode with asrun's own reader: what it reads beyond libbson (a $date offset
 * with a colon), what it leaves to libbson (a $type query operator), and what it refuses although
 * libbson reads it (an integer outside int64, which libbson wraps), at the exact spot. */
static void test_jsonl_own_reader(void **state) {
  (void)state;
  const char *path = TMP("own.jsonl");
  write_str(path, "{\"d\":{\"$date\":\"2020-01-01T00:00:00+01:00\"}}\n"
                  "{\"q\":{\"$type\":\"string\"}}\n");
  run_t r;
  drain("jsonl", path, -1, 1000, &r);
  assert_int_equal(r.rc, 0);
  assert_int_equal(r.docs.count, 2);
  asr_docs_iter_t it = asr_docs_begin(&r.docs);
  assert_true(asr_docs_next(&it));
  bson_t b;
  bson_iter_t bi;
  assert_true(bson_init_static(&b, it.doc, it.len) && bson_iter_init_find(&bi, &b, "d"));
  assert_int_equal(bson_iter_date_time(&bi), 1577833200000LL);
  assert_true(asr_docs_next(&it));
  assert_true(bson_init_static(&b, it.doc, it.len) && bson_iter_init_find(&bi, &b, "q"));
  assert_true(BSON_ITER_HOLDS_DOCUMENT(&bi));
  run_free(&r);

  write_str(path, "{\"ok\":1}\n{\"a\": 1, \"b\": 12345678901234567890123}\n");
  drain("jsonl", path, -1, 1000, &r);
  assert_err(&r, ASR_EDATA, "%s:2:15: invalid JSON: integer 12345678901234567890123 is outside "
             "the 64-bit range", path);
  assert_int_equal(r.docs.count, 1);
  run_free(&r);
}

static void test_jsonl_errors(void **state) {
  check_jsonl_error("[1,2]", "expected a JSON object, found '['");
  check_jsonl_error("  42", "expected a JSON object, found '4'");
  check_jsonl_error("\"str\"", "expected a JSON object, found '\"'");
  check_jsonl_error("\x01{}", "expected a JSON object, found byte 0x01");
  check_jsonl_error("{\"a\":1}{\"b\":2}", "unexpected '{' after the object, at byte 8");
  check_jsonl_error("{\"a\":1} x", "Got parse error at \"x\", position 8: \"SPECIAL_EXPECTED\"");
  check_jsonl_error("{\"a\":1}}", "Got parse error at \"}\", position 7: \"BRACKET_MISMATCH\"");
  check_jsonl_error("{\"a\":[1,2}", "Got parse error at \"}\", position 9: \"BRACKET_MISMATCH\"");
  check_jsonl_error("{\"a\":\"x", "Incomplete JSON");
  check_jsonl_error("{\"a\":1,}", "Got parse error at \"}\", position 7: \"TRAILING_COMMA\"");
  check_jsonl_error("{\"d\":{\"$date\":\"yesterday\"}}",
                    "Could not parse \"yesterday\" as date: use ISO8601 format "
                    "yyyy-mm-ddThh:mm plus timezone, either \"Z\" or like \"+0500\"");
  check_jsonl_error("{\"n\":{\"$numberLong\":\"x\"}}", "Number \"x\" is invalid");
}

/* A 20 MB document on one line, between two small ones. */
static void test_jsonl_long_line(void **state) {
  const size_t big = (size_t)20 << 20;
  const char *path = TMP("long.jsonl");
  char *text = malloc(big + 100);
  assert_non_null(text);
  size_t n = (size_t)sprintf(text, "{\"i\":1}\r\n{\"_id\":2,\"blob\":\"");
  memset(text + n, 'q', big);
  n += big;
  n += (size_t)sprintf(text + n, "\"}\r\n{\"i\":3}");
  write_file(path, text, n);
  free(text);
  run_t r;
  drain("jsonl", path, -1, 1000, &r);
  assert_int_equal(r.rc, 0);
  assert_int_equal(r.docs.count, 3);
  /* The batch closes once its raw bytes pass the 16 MB soft cap. */
  assert_int_equal(r.batches, 2);
  assert_int_equal(r.counts[0], 2);
  assert_int_equal(r.origins[1], 3);
  bson_t got;
  bson_iter_t it;
  doc_at(&r, 1, &got);
  assert_true(bson_iter_init_find(&it, &got, "blob"));
  uint32_t len = 0;
  const char *s = bson_iter_utf8(&it, &len);
  assert_int_equal(len, big);
  assert_int_equal(s[0], 'q');
  assert_int_equal(s[big - 1], 'q');
  doc_at(&r, 2, &got);
  assert_true(bson_iter_init_find(&it, &got, "i"));
  assert_int_equal(bson_iter_int32(&it), 3);
  run_free(&r);
  remove(path);
}

/* --- lines across the reader's block boundaries ---
 * A regular file is read in blocks of ASR_FILE_READER_BUF_SIZE bytes, so lines end at chosen
 * offsets around each block end: a CRLF split between two blocks, a line ending on the last byte
 * of a block, a newline as the first byte of a block, a blank CRLF line split, a line longer
 * than a whole block, and a last line without a newline. */
typedef struct lines_file {
  char *text;
  size_t len, cap;
  uint32_t docs, max_docs; /* records written: record i holds "i": i */
  uint64_t line;           /* lines written so far */
  uint64_t *rec_line;      /* the line of each record */
  size_t *rec_at, *pad;    /* the offset of each record, the length of its "s" */
} lines_file_t;

static void lf_append(lines_file_t *f, const char *s, size_t n) {
  if (f->len + n > f->cap) {
    f->cap = (f->len + n) * 2;
    f->text = realloc(f->text, f->cap);
    assert_non_null(f->text);
  }
  memcpy(f->text + f->len, s, n);
  f->len += n;
}

/* One record with pad bytes in "s", ended by eol ("" for none). */
static void lf_record(lines_file_t *f, size_t pad, const char *eol) {
  assert_true(f->docs < f->max_docs);
  f->rec_at[f->docs] = f->len;
  char head[32];
  int n = snprintf(head, sizeof head, "{\"i\":%u,\"s\":\"", f->docs);
  lf_append(f, head, (size_t)n);
  for (size_t k = 0; k < pad; k++) lf_append(f, &"abcdefghij"[(f->docs + k) % 10], 1);
  lf_append(f, "\"}", 2);
  lf_append(f, eol, strlen(eol));
  f->rec_line[f->docs] = ++f->line;
  f->pad[f->docs++] = pad;
}

static size_t lf_head_len(uint32_t i) {
  char head[32];
  return (size_t)snprintf(head, sizeof head, "{\"i\":%u,\"s\":\"", i) + 2; /* + the "} */
}

/* Ordinary records until a record ending with eol can put its first eol byte at offset at. */
static void lf_record_ending_at(lines_file_t *f, size_t at, const char *eol) {
  while (at - f->len > 600) lf_record(f, 100 + (f->docs * 37) % 180, f->docs % 2 ? "\r\n" : "\n");
  lf_record(f, at - f->len - lf_head_len(f->docs), eol);
}

static void test_jsonl_block_boundaries(void **state) {
  const size_t blk = ASR_FILE_READER_BUF_SIZE;
  lines_file_t *f = calloc(1, sizeof *f);
  assert_non_null(f);
  f->max_docs = (uint32_t)(6 * blk / 100 + 16); /* records hold 100 bytes or more */
  f->rec_line = calloc(f->max_docs, sizeof *f->rec_line);
  f->rec_at = calloc(f->max_docs, sizeof *f->rec_at);
  f->pad = calloc(f->max_docs, sizeof *f->pad);
  assert_true(f->rec_line && f->rec_at && f->pad);
  lf_record_ending_at(f, 1 * blk - 1, "\r\n"); /* "\r" ends block 1, "\n" starts block 2 */
  lf_record_ending_at(f, 2 * blk - 1, "\n");   /* the newline is the last byte of block 2 */
  lf_record_ending_at(f, 3 * blk, "\n");       /* the newline is the first byte of block 4 */
  lf_record_ending_at(f, 4 * blk - 3, "\r\n"); /* then a blank CRLF line split across blocks */
  lf_append(f, "\r\n", 2);
  f->line++;
  lf_record_ending_at(f, 5 * blk - 1, "\n\n"); /* a blank line opens block 6 */
  f->line++;
  lf_record(f, blk + blk / 2, "\r\n"); /* longer than a block */
  lf_record(f, 7, "");                 /* the last line has no newline */
  const char *path = TMP("blocks.jsonl");
  write_file(path, f->text, f->len);

  run_t r, r1;
  const uint32_t per = f->docs / 40 + 1; /* records per batch: at most 41 batches */
  drain("jsonl", path, -1, per, &r);
  drain("jsonl", path, -1, 1, &r1);
  assert_int_equal(r.rc, 0);
  assert_int_equal(r.docs.count, f->docs);
  assert_same_docs(&r, &r1);
  uint32_t i = 0;
  for (asr_docs_iter_t it = asr_docs_begin(&r.docs); asr_docs_next(&it); i++) {
    bson_t got;
    bson_iter_t bi;
    assert_true(bson_init_static(&got, it.doc, it.len));
    assert_true(bson_iter_init_find(&bi, &got, "i"));
    assert_int_equal(bson_iter_int32(&bi), i);
    assert_true(bson_iter_init_find(&bi, &got, "s"));
    uint32_t n = 0;
    bson_iter_utf8(&bi, &n);
    assert_int_equal(n, f->pad[i]);
  }
  /* Batches start at the right records and name their real lines (blank lines counted). */
  assert_true(r.batches <= MAX_BATCHES);
  for (uint32_t b = 0; b < r.batches; b++) {
    assert_int_equal(r.first_index[b], per * b);
    assert_int_equal(r.origins[b], f->rec_line[per * b]);
  }
  for (uint32_t b = 0; b < MAX_BATCHES && b < r1.batches; b++)
    assert_int_equal(r1.origins[b], f->rec_line[b]);
  run_free(&r);
  run_free(&r1);

  /* An error in the record after the split CRLF names its line. */
  uint32_t bad = 0;
  while (f->rec_at[bad] < blk) bad++;
  assert_int_equal(f->rec_at[bad], blk + 1);
  f->text[f->rec_at[bad] + 1] = 'x';
  write_file(path, f->text, f->len);
  drain("jsonl", path, -1, per, &r);
  assert_int_equal(r.rc, ASR_EDATA);
  assert_int_equal(r.docs.count, bad);
  char want[300];
  snprintf(want, sizeof want, "%s:%" PRIu64 ":", path, f->rec_line[bad]);
  assert_true(strncmp(r.err.msg, want, strlen(want)) == 0);
  run_free(&r);
  remove(path);
  free(f->text);
  free(f->rec_line);
  free(f->rec_at);
  free(f->pad);
  free(f);
}

static void test_open_errors(void **state) {
  run_t r;
  const char *kinds[] = {"jsonl", "json", "bson"};
  for (int i = 0; i < 3; i++) {
    drain(kinds[i], TMP("does-not-exist"), -1, 10, &r);
    assert_err(&r, ASR_EINVAL, "cannot open %s: No such file or directory",
               TMP("does-not-exist"));
    run_free(&r);
    drain(kinds[i], ASR_TEST_TMP, -1, 10, &r);
    assert_err(&r, ASR_EINVAL, "cannot open %s: Is a directory", ASR_TEST_TMP);
    run_free(&r);
  }
}

static void test_descriptions(void **state) {
  const char *kinds[] = {"jsonl", "json", "bson"};
  const char *paths[] = {FIX("ejson_v2.jsonl"), FIX("docs.json"), FIX("docs.bson")};
  for (int i = 0; i < 3; i++) {
    asr_source_t *s;
    asr_err_t err;
    assert_int_equal(open_src(kinds[i], paths[i], -1, &s, &err), 0);
    char want[512];
    snprintf(want, sizeof want, "%s %s", kinds[i], paths[i]);
    assert_string_equal(s->description, want);
    assert_string_equal(s->vt->kind, kinds[i]);
    s->vt->destroy(s);
  }
}

/* --- JSON array ---------------------------------------------------------------------------- */

static void test_json_fixture_content(void **state) {
  run_t r1, r2, r1000, jl;
  drain("json", FIX("docs.json"), -1, 1, &r1);
  drain("json", FIX("docs.json"), -1, 2, &r2);
  drain("json", FIX("docs.json"), -1, 1000, &r1000);
  drain("jsonl", FIX("ejson_v2.jsonl"), -1, 1000, &jl);
  assert_fixture_docs(&r1000);
  assert_same_docs(&r1, &r1000);
  assert_same_docs(&r2, &r1000);
  assert_same_docs(&jl, &r1000);
  assert_int_equal(r1.batches, 5);
  const uint64_t lines[] = {2, 3, 13, 14, 15};
  for (uint32_t i = 0; i < 5; i++) assert_int_equal(r1.origins[i], lines[i]);
  assert_int_equal(r2.batches, 3);
  assert_int_equal(r2.first_index[2], 4);
  run_free(&r1);
  run_free(&r2);
  run_free(&r1000);
  run_free(&jl);
}

static void test_json_limit(void **state) {
  run_t r0, r3;
  drain("json", FIX("docs.json"), 0, 1000, &r0);
  drain("json", FIX("docs.json"), 3, 1000, &r3);
  assert_int_equal(r0.rc, 0);
  assert_int_equal(r0.docs.count, 0);
  assert_int_equal(r3.rc, 0);
  assert_int_equal(r3.docs.count, 3);
  run_free(&r0);
  run_free(&r3);
}

static void test_json_layouts(void **state) {
  const char *path = TMP("layout.json");
  run_t r;
  /* BOM, CRLF, one line, nothing between tokens, empty documents. */
  write_str(path, "\xEF\xBB\xBF\r\n[{\"a\":1},{},{\"b\":[{\"c\":\"]}\"}]}]\r\n");
  drain("json", path, -1, 2, &r);
  assert_int_equal(r.rc, 0);
  assert_int_equal(r.docs.count, 3);
  assert_int_equal(r.origins[0], 2);
  bson_t got;
  bson_t *w2 = BCON_NEW("b", "[", "{", "c", BCON_UTF8("]}"), "}", "]");
  doc_at(&r, 2, &got);
  assert_doc_eq(&got, w2);
  bson_destroy(w2);
  run_free(&r);

  write_str(path, " [ ] \n");
  drain("json", path, -1, 10, &r);
  assert_int_equal(r.rc, 0);
  assert_int_equal(r.docs.count, 0);
  run_free(&r);
}

static void check_json_error(const char *text, int in_decode, uint32_t docs_before,
                             const char *msg) {
  const char *path = TMP("bad.json");
  write_str(path, text);
  run_t r;
  drain("json", path, -1, 1000, &r);
  assert_err(&r, ASR_EDATA, "%s:%s", path, msg);
  assert_int_equal(r.in_decode, in_decode);
  assert_int_equal(r.docs.count, docs_before);
  run_free(&r);
}

static void test_json_errors(void **state) {
  check_json_error("", 0, 0, "1:1: expected a JSON array ('['), found end of file");
  check_json_error("\n  {\"a\":1}", 0, 0, "2:3: expected a JSON array ('['), found '{'");
  check_json_error("[\n  {\"a\":1},\n  2\n]", 0, 1,
                   "3:3: expected a document ('{') as array element, found '2'");
  check_json_error("[{\"a\":1},]", 0, 1,
                   "1:10: expected a document ('{') as array element, found ']'");
  check_json_error("[{\"a\":1} {\"b\":2}]", 0, 1,
                   "1:10: expected ',' or ']' after an array element, found '{'");
  check_json_error("[{\"a\":1},\n{\"b\":2}\n", 0, 2, "3:1: unterminated array, found end of file");
  check_json_error("[", 0, 0, "1:2: unterminated array, found end of file");
  /* Columns count characters: "é" is two bytes, one column. */
  check_json_error("[{\"é\":1},\n {\"b\":\"x\\\"y}\n", 0, 1,
                   "3:1: unterminated string: end of file inside the document that starts at "
                   "line 2, column 2");
  check_json_error("[{\"a\":{\"b\":1}", 0, 0,
                   "1:14: unterminated document: end of file inside the document that starts at "
                   "line 1, column 2");
  check_json_error("[{\"a\":1}] x", 0, 1, "1:11: unexpected data after the array, found 'x'");
  check_json_error("[{\"a\":1}] ]", 0, 1, "1:11: unexpected data after the array, found ']'");
  /* Invalid JSON inside a well-framed element: found by libbson in decode, at the element. */
  check_json_error("[{\"a\":1},\n  {\"é\":1, \"b\": nul}]", 1, 1,
                   "2:3: invalid JSON: Got parse error at \"}\", position 17: "
                   "\"SPECIAL_INCOMPLETE\"");
  check_json_error("[{\"a\":1},{\"a\":[1}]]", 1, 1,
                   "1:10: invalid JSON: Got parse error at \"}\", position 7: "
                   "\"BRACKET_MISMATCH\"");
}

/* Records before a framing error are produced first; the error then sticks. */
static void test_json_error_after_records(void **state) {
  const char *path = TMP("late.json");
  write_str(path, "[{\"a\":1},{\"a\":2},{\"a\":3},4]");
  asr_source_t *s;
  asr_err_t err;
  assert_int_equal(open_src("json", path, -1, &s, &err), 0);
  asr_batch_t b = {0};
  asr_buf_init(&b.raw);
  assert_int_equal(s->vt->next(s, &b, 2, &err), 1);
  assert_int_equal(b.count, 2);
  asr_buf_reset(&b.raw);
  assert_int_equal(s->vt->next(s, &b, 2, &err), 1);
  assert_int_equal(b.count, 1);
  assert_int_equal(b.first_index, 2);
  asr_docs_t docs;
  asr_docs_init(&docs);
  assert_int_equal(s->vt->decode(s, NULL, &b, &docs, &err), 0);
  assert_int_equal(docs.count, 1);
  char want[512];
  snprintf(want, sizeof want, "%s:1:26: expected a document ('{') as array element, found '4'",
           path);
  for (int i = 0; i < 2; i++) {
    asr_buf_reset(&b.raw);
    asr_err_clear(&err);
    assert_int_equal(s->vt->next(s, &b, 2, &err), ASR_EDATA);
    assert_int_equal(b.count, 0);
    assert_string_equal(err.msg, want);
  }
  asr_docs_free(&docs);
  asr_buf_free(&b.raw);
  s->vt->destroy(s);
}

static void test_json_long_element(void **state) {
  const size_t big = (size_t)20 << 20;
  const char *path = TMP("long.json");
  char *text = malloc(big + 100);
  assert_non_null(text);
  size_t n = (size_t)sprintf(text, "[{\"i\":1},\n{\"blob\":\"");
  memset(text + n, 'z', big);
  n += big;
  n += (size_t)sprintf(text + n, "\\\"\"},{\"i\":3}]");
  write_file(path, text, n);
  free(text);
  run_t r;
  drain("json", path, -1, 1000, &r);
  assert_int_equal(r.rc, 0);
  assert_int_equal(r.docs.count, 3);
  bson_t got;
  bson_iter_t it;
  doc_at(&r, 1, &got);
  assert_true(bson_iter_init_find(&it, &got, "blob"));
  uint32_t len = 0;
  const char *s = bson_iter_utf8(&it, &len);
  assert_int_equal(len, big + 1);
  assert_int_equal(s[big], '"');
  run_free(&r);
  remove(path);
}

/* --- BSON ------------------------------------------------------------------------------ */

static void test_bson_fixture_content(void **state) {
  run_t r1, r2, r1000;
  drain("bson", FIX("docs.bson"), -1, 1, &r1);
  drain("bson", FIX("docs.bson"), -1, 2, &r2);
  drain("bson", FIX("docs.bson"), -1, 1000, &r1000);
  assert_fixture_docs(&r1000);
  assert_same_docs(&r1, &r1000);
  assert_same_docs(&r2, &r1000);
  /* Origins are the documents' byte offsets. */
  const uint64_t offsets[] = {0, 208, 326, 432, 542};
  assert_int_equal(r1.batches, 5);
  for (uint32_t i = 0; i < 5; i++) assert_int_equal(r1.origins[i], offsets[i]);
  assert_int_equal(r2.batches, 3);
  assert_int_equal(r2.origins[2], 542);
  assert_int_equal(r2.first_index[2], 4);
  run_free(&r1);
  run_free(&r2);
  run_free(&r1000);
}

static void test_bson_limit(void **state) {
  run_t r0, r2;
  drain("bson", FIX("docs.bson"), 0, 1000, &r0);
  drain("bson", FIX("docs.bson"), 2, 1000, &r2);
  assert_int_equal(r0.docs.count, 0);
  assert_int_equal(r2.docs.count, 2);
  assert_int_equal(r2.docs.buf.len, 326);
  run_free(&r0);
  run_free(&r2);
}

static void test_bson_truncated_fixture(void **state) {
  run_t r;
  drain("bson", FIX("truncated.bson"), -1, 1000, &r);
  assert_err(&r, ASR_EDATA, "%s: truncated BSON document at byte offset 326",
             FIX("truncated.bson"));
  assert_int_equal(r.in_decode, 0);
  assert_int_equal(r.docs.count, 2); /* the whole documents before it were produced */
  run_free(&r);
}

/* Writes the fixture's first two documents (326 bytes) followed by `tail`. */
static void write_bson_with_tail(const char *path, const void *tail, size_t n) {
  FILE *f = fopen(FIX("docs.bson"), "rb");
  assert_non_null(f);
  uint8_t buf[1024];
  assert_int_equal(fread(buf, 1, 326, f), 326);
  fclose(f);
  memcpy(buf + 326, tail, n);
  write_file(path, buf, 326 + n);
}

static void check_bson_error(const void *tail, size_t n, int in_decode, const char *msg) {
  const char *path = TMP("bad.bson");
  write_bson_with_tail(path, tail, n);
  run_t r;
  drain("bson", path, -1, 1000, &r);
  assert_err(&r, ASR_EDATA, "%s: %s", path, msg);
  assert_int_equal(r.in_decode, in_decode);
  assert_int_equal(r.docs.count, 2);
  run_free(&r);
}

static void test_bson_errors(void **state) {
  check_bson_error("\x05\x00", 2, 0, "truncated BSON document at byte offset 326");
  check_bson_error("\x04\x00\x00\x00\x00", 5, 0, "invalid document length 4 at byte offset 326");
  check_bson_error("\xff\xff\xff\xff\x00", 5, 0, "invalid document length -1 at byte offset 326");
  check_bson_error("\x06\x00\x00\x00\x00", 5, 0, "truncated BSON document at byte offset 326");
  check_bson_error("\xff\xff\xff\x7f\x00\x00", 6, 0, "truncated BSON document at byte offset 326");
  check_bson_error("\x06\x00\x00\x00\x00\x01", 6, 0,
                   "invalid document length 6 at byte offset 326");
  /* Framing holds but an element is broken (type 0x7f unknown): found by decode. */
  check_bson_error("\x0c\x00\x00\x00\x7f\x61\x00\x01\x00\x00\x00\x00", 12, 1,
                   "invalid BSON document at byte offset 326: corrupt BSON");
  /* String length pointing past the document. */
  check_bson_error("\x0e\x00\x00\x00\x02\x61\x00\x09\x00\x00\x00\x62\x00\x00", 14, 1,
                   "invalid BSON document at byte offset 326: corrupt BSON");

  const char *path = TMP("empty.bson");
  write_str(path, "");
  run_t r;
  drain("bson", path, -1, 1000, &r);
  assert_int_equal(r.rc, 0);
  assert_int_equal(r.docs.count, 0);
  run_free(&r);
}

static void test_bson_long_document(void **state) {
  const size_t big = (size_t)20 << 20;
  char *blob = malloc(big + 1);
  assert_non_null(blob);
  memset(blob, 'b', big);
  blob[big] = '\0';
  bson_t *doc = BCON_NEW("_id", BCON_INT32(7), "blob", BCON_UTF8(blob));
  free(blob);
  bson_t *small = BCON_NEW("x", BCON_INT32(1));
  const char *path = TMP("long.bson");
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fwrite(bson_get_data(small), 1, small->len, f);
  fwrite(bson_get_data(doc), 1, doc->len, f);
  fwrite(bson_get_data(small), 1, small->len, f);
  fclose(f);
  run_t r;
  drain("bson", path, -1, 1000, &r);
  assert_int_equal(r.rc, 0);
  assert_int_equal(r.docs.count, 3);
  bson_t got;
  doc_at(&r, 1, &got);
  assert_true(bson_equal(&got, doc));
  bson_destroy(doc);
  bson_destroy(small);
  run_free(&r);
  remove(path);
}

/* --- several workers decoding batches of one source ------------------------------------- */

/* Writes n documents of 15 fields, one per line. */
static void write_jsonl_15(const char *path, uint32_t n) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  for (uint32_t i = 0; i < n; i++)
    fprintf(f,
            "{\"_id\":{\"$oid\":\"5f1b2c3d4e5f6071%08x\"},\"seq\":%u,\"name\":\"user %u\","
            "\"email\":\"user%u@example.com\",\"age\":%u,\"score\":%u.25,\"active\":%s,"
            "\"created\":{\"$date\":\"2023-05-%02uT10:11:12.123Z\"},\"tags\":[\"a\",\"b%u\"],"
            "\"address\":{\"street\":\"%u Main St\",\"city\":\"Springfield\",\"zip\":\"%05u\"},"
            "\"balance\":{\"$numberDecimal\":\"%u.99\"},\"visits\":{\"$numberLong\":\"%u\"},"
            "\"note\":null,\"ratio\":0.%u,\"country\":\"FR\"}\n",
            i, i, i, i, 18 + i % 60, i % 100, i % 2 ? "true" : "false", 1 + i % 28, i % 7, i,
            i % 99999, i, i * 3, i % 10);
  fclose(f);
}

typedef struct job {
  asr_source_t *s;
  asr_batch_t *batches;
  asr_docs_t *out;
  uint32_t nbatches, first, step;
  int rc;
} job_t;

static void *decode_job(void *arg) {
  job_t *j = arg;
  asr_source_worker_t *w = NULL;
  asr_err_t err;
  asr_err_clear(&err);
  j->rc = 0;
  for (uint32_t i = j->first; j->rc == 0 && i < j->nbatches; i += j->step)
    j->rc = j->s->vt->decode(j->s, w, &j->batches[i], &j->out[i], &err);
  return NULL;
}

static void check_parallel_decode(const char *kind, const char *path, uint32_t max) {
  enum { NB = 64, THREADS = 4 };
  asr_source_t *s;
  asr_err_t err;
  assert_int_equal(open_src(kind, path, -1, &s, &err), 0);
  asr_batch_t *batches = calloc(NB + 1, sizeof *batches);
  asr_docs_t *out = calloc(NB + 1, sizeof *out);
  uint32_t nb = 0;
  for (; nb < NB; nb++) {
    asr_buf_init(&batches[nb].raw);
    asr_docs_init(&out[nb]);
    int rc = s->vt->next(s, &batches[nb], max, &err);
    assert_true(rc >= 0);
    if (rc == 0) break;
  }
  assert_true(nb > 8 && nb < NB);
  job_t jobs[THREADS];
  pthread_t th[THREADS];
  for (uint32_t t = 0; t < THREADS; t++) {
    jobs[t] = (job_t){s, batches, out, nb, t, THREADS, 0};
    assert_int_equal(pthread_create(&th[t], NULL, decode_job, &jobs[t]), 0);
  }
  for (uint32_t t = 0; t < THREADS; t++) {
    pthread_join(th[t], NULL);
    assert_int_equal(jobs[t].rc, 0);
  }
  /* Same documents, in the same order, as one sequential pass. */
  run_t seq;
  drain(kind, path, -1, max, &seq);
  assert_int_equal(seq.rc, 0);
  size_t off = 0;
  uint32_t total = 0;
  for (uint32_t i = 0; i < nb; i++) {
    assert_int_equal(out[i].count, batches[i].count);
    assert_memory_equal(out[i].buf.data, seq.docs.buf.data + off, out[i].buf.len);
    off += out[i].buf.len;
    total += out[i].count;
    asr_docs_free(&out[i]);
    asr_buf_free(&batches[i].raw);
  }
  asr_buf_free(&batches[nb].raw);
  asr_docs_free(&out[nb]);
  assert_int_equal(total, seq.docs.count);
  assert_int_equal(off, seq.docs.buf.len);
  run_free(&seq);
  free(batches);
  free(out);
  s->vt->destroy(s);
}

static void test_parallel_decode(void **state) {
  const char *jl = TMP("par.jsonl");
  write_jsonl_15(jl, 3000);
  check_parallel_decode("jsonl", jl, 100);

  /* Each document equals what bson_init_from_json makes of its line alone: the per-batch
   * stream reader changes nothing. */
  run_t r;
  drain("jsonl", jl, -1, 1000, &r);
  assert_int_equal(r.rc, 0);
  assert_int_equal(r.docs.count, 3000);
  FILE *fl = fopen(jl, "rb");
  assert_non_null(fl);
  char line[2048];
  asr_docs_iter_t di = asr_docs_begin(&r.docs);
  for (uint32_t i = 0; fgets(line, sizeof line, fl); i++) {
    bson_t want, got;
    bson_error_t e;
    assert_true(bson_init_from_json(&want, line, -1, &e));
    assert_true(asr_docs_next(&di));
    assert_true(bson_init_static(&got, di.doc, di.len));
    assert_doc_eq(&got, &want);
    bson_destroy(&want);
  }
  fclose(fl);

  /* The same documents as a JSON array and as BSON. */
  const char *js = TMP("par.json"), *bs = TMP("par.bson");
  FILE *fj = fopen(js, "wb"), *fb = fopen(bs, "wb");
  assert_non_null(fj);
  assert_non_null(fb);
  fputs("[", fj);
  uint32_t k = 0;
  for (asr_docs_iter_t it = asr_docs_begin(&r.docs); asr_docs_next(&it); k++) {
    bson_t d;
    assert_true(bson_init_static(&d, it.doc, it.len));
    char *j = bson_as_canonical_extended_json(&d, NULL);
    fprintf(fj, "%s%s\n", k ? "," : "", j);
    bson_free(j);
    fwrite(it.doc, 1, it.len, fb);
  }
  fputs("]\n", fj);
  fclose(fj);
  fclose(fb);
  check_parallel_decode("json", js, 100);
  check_parallel_decode("bson", bs, 100);
  run_t rj, rb;
  drain("json", js, -1, 1000, &rj);
  drain("bson", bs, -1, 1000, &rb);
  assert_same_docs(&rj, &r);
  assert_same_docs(&rb, &r);
  run_free(&r);
  run_free(&rj);
  run_free(&rb);
}

/* Decode throughput on one core: ASR_SOURCES_BENCH=N runs it over N documents. */
static void test_bench_jsonl_decode(void **state) {
  const char *n_env = getenv("ASR_SOURCES_BENCH");
  if (!n_env) skip();
  uint32_t n = (uint32_t)strtoul(n_env, NULL, 10);
  const char *path = TMP("bench.jsonl");
  write_jsonl_15(path, n);
  const char *kinds[] = {"jsonl", "bson"};
  for (int k = 0; k < 2; k++) {
    asr_source_t *s;
    asr_err_t err;
    if (k == 1) {
      run_t r;
      drain("jsonl", path, -1, 1000, &r);
      write_file(TMP("bench.bson"), r.docs.buf.data, r.docs.buf.len);
      run_free(&r);
    }
    assert_int_equal(open_src(kinds[k], k ? TMP("bench.bson") : path, -1, &s, &err), 0);
    asr_batch_t b = {0};
    asr_docs_t out;
    asr_docs_init(&out);
    double t_next = 0, t_dec = 0;
    uint64_t docs = 0;
    for (;;) {
      struct timespec t0, t1, t2;
      clock_gettime(CLOCK_MONOTONIC, &t0);
      asr_buf_reset(&b.raw);
      int rc = s->vt->next(s, &b, 1000, &err);
      clock_gettime(CLOCK_MONOTONIC, &t1);
      if (rc == 0) break;
      assert_int_equal(rc, 1);
      asr_docs_reset(&out);
      assert_int_equal(s->vt->decode(s, NULL, &b, &out, &err), 0);
      clock_gettime(CLOCK_MONOTONIC, &t2);
      docs += out.count;
      t_next += (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
      t_dec += (t2.tv_sec - t1.tv_sec) + (t2.tv_nsec - t1.tv_nsec) / 1e9;
    }
    assert_int_equal(docs, n);
    printf("%s: %" PRIu64 " docs, next %.0f docs/s, decode %.0f docs/s per core\n", kinds[k],
           docs, docs / t_next, docs / t_dec);
    asr_docs_free(&out);
    asr_buf_free(&b.raw);
    s->vt->destroy(s);
  }
  remove(path);
  remove(TMP("bench.bson"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_jsonl_fixture_content),
    cmocka_unit_test(test_jsonl_own_reader),
    cmocka_unit_test(test_jsonl_batch_framing),
    cmocka_unit_test(test_jsonl_limit),
    cmocka_unit_test(test_jsonl_crlf_bom_blank),
    cmocka_unit_test(test_jsonl_corrupt_fixture),
    cmocka_unit_test(test_jsonl_errors),
    cmocka_unit_test(test_jsonl_long_line),
    cmocka_unit_test(test_jsonl_block_boundaries),
    cmocka_unit_test(test_open_errors),
    cmocka_unit_test(test_descriptions),
    cmocka_unit_test(test_json_fixture_content),
    cmocka_unit_test(test_json_limit),
    cmocka_unit_test(test_json_layouts),
    cmocka_unit_test(test_json_errors),
    cmocka_unit_test(test_json_error_after_records),
    cmocka_unit_test(test_json_long_element),
    cmocka_unit_test(test_bson_fixture_content),
    cmocka_unit_test(test_bson_limit),
    cmocka_unit_test(test_bson_truncated_fixture),
    cmocka_unit_test(test_bson_errors),
    cmocka_unit_test(test_bson_long_document),
    cmocka_unit_test(test_parallel_decode),
    cmocka_unit_test(test_bench_jsonl_decode),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
