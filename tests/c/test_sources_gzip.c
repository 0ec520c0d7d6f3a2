/* Tests for gzip input and standard input in the file sources (sources/file_reader.c): the
 * documents of a .gz file equal those of the plain file, for every file kind and for
 * multi-member files; a resumed gzip source (seek = re-read and skip) goes on exactly where a
 * tell said; truncated, corrupt and misnamed gzip fail with messages that say so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "sources/file_reader.h"
#include "sources/source.h"

#define TMP(name) ASR_TEST_TMP "/sources_gzip_" name
#define NDOCS 3000

static void write_file(const char *path, const void *data, size_t len) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, len, f), len);
  assert_int_equal(fclose(f), 0);
}

static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  *len = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  char *p = malloc(*len + 1);
  assert_non_null(p);
  assert_int_equal(fread(p, 1, *len, f), *len);
  fclose(f);
  return p;
}

/* gzip of data as `members` members (data split evenly). */
static void write_gz(const char *path, const void *data, size_t len, int members) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fclose(f);
  size_t per = len / (size_t)members + 1;
  for (int m = 0; m < members; m++) {
    size_t from = per * (size_t)m, n = from >= len ? 0 : (len - from < per ? len - from : per);
    gzFile gz = gzopen(path, "ab");
    assert_non_null(gz);
    if (n) assert_int_equal(gzwrite(gz, (const char *)data + from, (unsigned)n), (int)n);
    assert_int_equal(gzclose(gz), Z_OK);
  }
}

/* The JSONL text of NDOCS documents, with a BOM and a blank line (the framer's cases). */
static char *jsonl_text(size_t *len) {
  size_t cap = (size_t)NDOCS * 96 + 16, n = 0;
  char *t = malloc(cap);
  assert_non_null(t);
  n += (size_t)sprintf(t + n, "\xEF\xBB\xBF");
  for (int i = 0; i < NDOCS; i++) {
    n += (size_t)sprintf(t + n, "{\"i\": %d, \"s\": \"value %d\", \"n\": {\"d\": %d.5}}\n", i, i, i);
    if (i == 10) n += (size_t)sprintf(t + n, "\n");
  }
  *len = n;
  return t;
}

static int open_src(const char *kind, const char *path, asr_source_t **s, asr_err_t *err) {
  asr_source_spec_t spec = {0};
  spec.kind = (char *)kind;
  spec.path = (char *)path;
  spec.limit = -1;
  asr_err_clear(err);
  return asr_source_open(&spec, s, err);
}

/* Reads the rest of s: every document's bytes appended to out; returns 0 or the error. */
static int drain(asr_source_t *s, uint32_t max, int max_batches, asr_docs_t *out,
                 asr_err_t *err) {
  asr_batch_t b;
  memset(&b, 0, sizeof b);
  asr_buf_init(&b.raw);
  int rc = 0;
  for (int k = 0; max_batches < 0 || k < max_batches; k++) {
    asr_buf_reset(&b.raw);
    rc = s->vt->next(s, &b, max, err);
    if (rc <= 0) break;
    rc = s->vt->decode(s, NULL, &b, out, err);
    if (rc) break;
  }
  asr_buf_free(&b.raw);
  return rc < 0 ? rc : 0;
}

static void read_docs(const char *kind, const char *path, asr_docs_t *out) {
  asr_source_t *s = NULL;
  asr_err_t err;
  assert_int_equal(open_src(kind, path, &s, &err), 0);
  assert_int_equal(drain(s, 128, -1, out, &err), 0);
  asr_source_destroy(s);
}

static void assert_same(const asr_docs_t *a, const asr_docs_t *b) {
  assert_int_equal(a->count, b->count);
  assert_int_equal(a->buf.len, b->buf.len);
  assert_memory_equal(a->buf.data, b->buf.data, a->buf.len);
}

static void check_kind(const char *kind, const char *plain, const char *gz, int members) {
  size_t len;
  char *data = read_all(plain, &len);
  write_gz(gz, data, len, members);
  free(data);
  asr_docs_t want, got;
  asr_docs_init(&want);
  asr_docs_init(&got);
  read_docs(kind, plain, &want);
  read_docs(kind, gz, &got);
  assert_int_equal(want.count, NDOCS);
  assert_same(&want, &got);
  asr_docs_free(&want);
  asr_docs_free(&got);
}

static void test_gzip_equals_plain(void **state) {
  (void)state;
  size_t len;
  char *text = jsonl_text(&len);
  write_file(TMP("d.jsonl"), text, len);
  free(text);
  check_kind("jsonl", TMP("d.jsonl"), TMP("d.jsonl.gz"), 1);
  check_kind("jsonl", TMP("d.jsonl"), TMP("multi.jsonl.gz"), 3); /* cat a.gz b.gz c.gz */

  asr_docs_t docs; /* the same documents as BSON and as a JSON array */
  asr_docs_init(&docs);
  read_docs("jsonl", TMP("d.jsonl"), &docs);
  write_file(TMP("d.bson"), docs.buf.data, docs.buf.len);
  check_kind("bson", TMP("d.bson"), TMP("d.bson.gz"), 2);
  asr_docs_free(&docs);

  size_t cap = (size_t)NDOCS * 96, n = 0;
  char *arr = malloc(cap);
  n += (size_t)sprintf(arr + n, "[\n");
  for (int i = 0; i < NDOCS; i++)
    n += (size_t)sprintf(arr + n, "%s{\"i\": %d, \"s\": \"value %d\", \"n\": {\"d\": %d.5}}\n",
                         i ? "," : "", i, i, i);
  n += (size_t)sprintf(arr + n, "]\n");
  write_file(TMP("d.json"), arr, n);
  free(arr);
  check_kind("json", TMP("d.json"), TMP("d.json.gz"), 1);
}

/* The kind a name tells, with .gz after it; "-" is JSON lines on standard input. */
static void test_spec_names(void **state) {
  (void)state;
  static const char *const cases[][2] = {{"a.jsonl.gz", "jsonl"}, {"a.ndjson.gz", "jsonl"},
                                         {"dump.bson.gz", "bson"}, {"a.json.gz", "json"},
                                         {"-", "jsonl"}, {"bson:-", "bson"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    asr_source_spec_t spec = {0};
    asr_err_t err;
    asr_err_clear(&err);
    assert_int_equal(asr_source_spec_parse(cases[i][0], &spec, &err), 0);
    assert_string_equal(spec.kind, cases[i][1]);
    assert_int_equal(asr_source_spec_reads_once(&spec), strstr(cases[i][0], "-") != NULL);
    asr_source_spec_free(&spec);
  }
}

/* A tell after some batches, then a new source on the same file seeked there: together they
 * read every document once, as the resume of a .gz source does (re-read and skip). */
static void check_resume(const char *kind, const char *path) {
  asr_docs_t all, head, tail;
  asr_docs_init(&all);
  asr_docs_init(&head);
  asr_docs_init(&tail);
  read_docs(kind, path, &all);
  asr_source_t *a = NULL, *b = NULL;
  asr_err_t err;
  assert_int_equal(open_src(kind, path, &a, &err), 0);
  assert_true(asr_source_resumable(a));
  assert_int_equal(drain(a, 100, 7, &head, &err), 0);
  asr_source_pos_t pos;
  a->vt->tell(a, &pos);
  assert_int_equal(pos.index, 700);
  assert_int_equal(open_src(kind, path, &b, &err), 0);
  assert_int_equal(b->vt->seek(b, &pos, NULL, &err), 0);
  assert_int_equal(drain(b, 100, -1, &tail, &err), 0);
  assert_int_equal(head.count + tail.count, all.count);
  assert_int_equal(head.buf.len + tail.buf.len, all.buf.len);
  assert_memory_equal(head.buf.data, all.buf.data, head.buf.len);
  assert_memory_equal(tail.buf.data, all.buf.data + head.buf.len, tail.buf.len);
  pos.offset += 1u << 30; /* past the end: the input changed */
  asr_source_destroy(b);
  assert_int_equal(open_src(kind, path, &b, &err), 0);
  assert_int_equal(b->vt->seek(b, &pos, NULL, &err), ASR_EINVAL);
  assert_non_null(strstr(err.msg, "the input changed"));
  asr_source_destroy(a);
  asr_source_destroy(b);
  asr_docs_free(&all);
  asr_docs_free(&head);
  asr_docs_free(&tail);
}

static void test_gzip_resume(void **state) {
  (void)state;
  check_resume("jsonl", TMP("d.jsonl.gz"));
  check_resume("jsonl", TMP("multi.jsonl.gz"));
  check_resume("bson", TMP("d.bson.gz"));
  check_resume("json", TMP("d.json.gz"));
}

/* Reads path to the end and returns the error code; err holds the message. */
static int read_error(const char *kind, const char *path, asr_err_t *err) {
  asr_source_t *s = NULL;
  int rc = open_src(kind, path, &s, err);
  if (rc) return rc;
  asr_docs_t docs;
  asr_docs_init(&docs);
  rc = drain(s, 128, -1, &docs, err);
  asr_docs_free(&docs);
  asr_source_destroy(s);
  return rc;
}

static void test_gzip_errors(void **state) {
  (void)state;
  size_t len;
  char *gz = read_all(TMP("d.jsonl.gz"), &len);
  asr_err_t err;

  write_file(TMP("trunc.jsonl.gz"), gz, len / 2); /* cut in the middle */
  assert_int_equal(read_error("jsonl", TMP("trunc.jsonl.gz"), &err), ASR_EDATA);
  assert_non_null(strstr(err.msg, "sources_gzip_trunc.jsonl.gz: truncated gzip data"));
  assert_non_null(strstr(err.msg, "the file is incomplete"));

  write_file(TMP("tail.jsonl.gz"), gz, len - 4); /* the size trailer missing */
  assert_int_equal(read_error("jsonl", TMP("tail.jsonl.gz"), &err), ASR_EDATA);
  assert_non_null(strstr(err.msg, "truncated gzip data"));

  gz[len / 2] ^= 0x55; /* corrupt: a bad block or the CRC says so */
  write_file(TMP("corrupt.jsonl.gz"), gz, len);
  assert_int_equal(read_error("jsonl", TMP("corrupt.jsonl.gz"), &err), ASR_EDATA);
  assert_non_null(strstr(err.msg, "corrupt gzip data"));
  gz[len / 2] ^= 0x55;

  char *junk = malloc(len + 5); /* something after the last member */
  memcpy(junk, gz, len);
  memcpy(junk + len, "junk!", 5);
  write_file(TMP("junk.jsonl.gz"), junk, len + 5);
  assert_int_equal(read_error("jsonl", TMP("junk.jsonl.gz"), &err), ASR_EDATA);
  assert_non_null(strstr(err.msg, "not gzip data after the end of gzip member 1"));
  memset(junk + len, 0, 5); /* zero padding is ignored, as gzip does */
  write_file(TMP("pad.jsonl.gz"), junk, len + 5);
  assert_int_equal(read_error("jsonl", TMP("pad.jsonl.gz"), &err), 0);
  free(junk);

  write_file(TMP("plain.jsonl.gz"), "{\"a\": 1}\n", 9);
  assert_int_equal(read_error("jsonl", TMP("plain.jsonl.gz"), &err), ASR_EINVAL);
  assert_non_null(strstr(err.msg, "is not gzip data"));
  free(gz);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gzip_equals_plain),
      cmocka_unit_test(test_spec_names),
      cmocka_unit_test(test_gzip_resume),
      cmocka_unit_test(test_gzip_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
