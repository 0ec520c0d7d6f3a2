/* Deterministic _ids (core/doc_id.h): the derivation depends on (seed, key, position) and on
 * nothing else, and the insert pass puts `_id` first and keeps every other byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/doc_id.h"
#include "core/error.h"

static void derive(uint64_t seed, const char *key, uint32_t pos, uint8_t out[12]) {
  asr_doc_id_derive(seed, (const uint8_t *)key, strlen(key), pos, out);
}

static void test_same_inputs_same_id(void **state) {
  (void)state;
  uint8_t a[12], b[12];
  derive(7, "record-1", 3, a);
  derive(7, "record-1", 3, b);
  assert_memory_equal(a, b, 12);
}

static void test_any_input_changes_the_id(void **state) {
  (void)state;
  uint8_t base[12], other[12];
  derive(7, "record-1", 3, base);
  derive(8, "record-1", 3, other); /* seed */
  assert_memory_not_equal(base, other, 12);
  derive(7, "record-2", 3, other); /* key */
  assert_memory_not_equal(base, other, 12);
  derive(7, "record-1", 4, other); /* position */
  assert_memory_not_equal(base, other, 12);
  derive(7, "record-1\0", 3, other); /* same bytes, shorter: strlen stops at the NUL */
  assert_memory_equal(base, other, 12);
  asr_doc_id_derive(7, (const uint8_t *)"record-1\0", 9, 3, other); /* one byte longer */
  assert_memory_not_equal(base, other, 12);
  derive(7, "", 0, base);
  derive(7, "", 1, other);
  assert_memory_not_equal(base, other, 12);
}

/* 200,000 ids of consecutive indexes and fan-out positions: no two equal, and every byte
 * takes many values (none of the 12 is constant, as a timestamp from a clock would be). */
static int cmp12(const void *x, const void *y) { return memcmp(x, y, 12); }

static void test_no_collisions_and_every_byte_varies(void **state) {
  (void)state;
  enum { N = 100000, POS = 2 };
  static uint8_t ids[N * POS][12];
  uint8_t key[ASR_DOC_ID_KEY_MAX];
  size_t n = 0;
  for (uint64_t i = 0; i < N; i++)
    for (uint32_t p = 0; p < POS; p++) {
      size_t kl = asr_doc_id_key(NULL, 0, i, key);
      asr_doc_id_derive(1, key, kl, p, ids[n++]);
    }
  for (int byte = 0; byte < 12; byte++) {
    int seen[256] = {0}, distinct = 0;
    for (size_t k = 0; k < 1000; k++) distinct += !seen[ids[k][byte]]++;
    assert_true(distinct > 200);
  }
  qsort(ids, n, 12, cmp12);
  for (size_t k = 1; k < n; k++) assert_memory_not_equal(ids[k - 1], ids[k], 12);
}

static void test_key_is_the_id_value_or_the_index(void **state) {
  (void)state;
  uint8_t k1[ASR_DOC_ID_KEY_MAX], k2[ASR_DOC_ID_KEY_MAX];
  bson_t *a = BCON_NEW("x", BCON_INT32(1), "_id", BCON_UTF8("abc"));
  bson_t *b = BCON_NEW("_id", BCON_UTF8("abc"), "y", BCON_INT32(2));
  bson_t *c = BCON_NEW("_id", BCON_INT32(5));
  bson_t *none = BCON_NEW("x", BCON_INT32(1));
  size_t la = asr_doc_id_key(bson_get_data(a), a->len, 10, k1);
  size_t lb = asr_doc_id_key(bson_get_data(b), b->len, 99, k2);
  /* the same _id gives the same key wherever it sits and whatever the index */
  assert_int_equal(la, lb);
  assert_memory_equal(k1, k2, la);
  assert_int_equal(la, 1 + 4 + 4); /* type, int32 length, "abc\0" */
  assert_int_equal(k1[0], BSON_TYPE_UTF8);
  size_t lc = asr_doc_id_key(bson_get_data(c), c->len, 10, k2);
  assert_int_equal(lc, 5);
  assert_int_equal(k2[0], BSON_TYPE_INT32);
  /* no _id: the stream index, tagged 0 */
  size_t ln = asr_doc_id_key(bson_get_data(none), none->len, 0x0102, k1);
  assert_int_equal(ln, 9);
  assert_int_equal(k1[0], 0);
  assert_int_equal(k1[1], 0x02);
  assert_int_equal(k1[2], 0x01);
  size_t ln2 = asr_doc_id_key(bson_get_data(none), none->len, 0x0103, k2);
  assert_memory_not_equal(k1, k2, ln2);
  /* a long _id is digested to a fixed size */
  char big[200];
  memset(big, 'z', sizeof big - 1);
  big[sizeof big - 1] = 0;
  bson_t *d = BCON_NEW("_id", BCON_UTF8(big));
  assert_int_equal(asr_doc_id_key(bson_get_data(d), d->len, 0, k1), 18);
  bson_destroy(a);
  bson_destroy(b);
  bson_destroy(c);
  bson_destroy(none);
  bson_destroy(d);
}

/* The _id is found behind every kind of value (the scan skips values by their type), and
 * a truncated or malformed document is taken as one without _id, not read past its end. */
static void test_finds_the_id_behind_every_type(void **state) {
  (void)state;
  bson_t *b = bson_new();
  bson_oid_t oid;
  bson_oid_init_from_string(&oid, "0123456789abcdef01234567");
  bson_decimal128_t dec;
  bson_decimal128_from_string("1.5", &dec);
  const uint8_t bin[3] = {1, 2, 3};
  bson_t sub = BSON_INITIALIZER, scope = BSON_INITIALIZER;
  BSON_APPEND_INT32(&sub, "a", 1);
  BSON_APPEND_DOUBLE(b, "d", 1.5);
  BSON_APPEND_UTF8(b, "s", "text");
  BSON_APPEND_DOCUMENT(b, "doc", &sub);
  BSON_APPEND_ARRAY(b, "arr", &sub);
  BSON_APPEND_BINARY(b, "bin", BSON_SUBTYPE_BINARY, bin, 3);
  BSON_APPEND_UNDEFINED(b, "u");
  BSON_APPEND_OID(b, "oid", &oid);
  BSON_APPEND_BOOL(b, "t", true);
  BSON_APPEND_DATE_TIME(b, "dt", 5);
  BSON_APPEND_NULL(b, "n");
  BSON_APPEND_REGEX(b, "re", "a.*b", "i");
  BSON_APPEND_DBPOINTER(b, "dbp", "c.d", &oid);
  BSON_APPEND_CODE(b, "code", "f()");
  BSON_APPEND_SYMBOL(b, "sym", "S");
  BSON_APPEND_CODE_WITH_SCOPE(b, "cws", "g()", &scope);
  BSON_APPEND_INT32(b, "i32", 3);
  BSON_APPEND_TIMESTAMP(b, "ts", 1, 2);
  BSON_APPEND_INT64(b, "i64", 4);
  BSON_APPEND_DECIMAL128(b, "dec", &dec);
  BSON_APPEND_MINKEY(b, "min");
  BSON_APPEND_MAXKEY(b, "max");
  assert_false(asr_doc_has_id(bson_get_data(b), b->len));
  BSON_APPEND_OID(b, "_id", &oid);
  assert_true(asr_doc_has_id(bson_get_data(b), b->len));
  uint8_t key[ASR_DOC_ID_KEY_MAX];
  assert_int_equal(asr_doc_id_key(bson_get_data(b), b->len, 0, key), 13);
  assert_int_equal(key[0], BSON_TYPE_OID);
  assert_memory_equal(key + 1, oid.bytes, 12);
  /* cut short: every prefix with a patched length reads as "no _id" and stays in bounds */
  uint8_t copy[1024];
  assert_true(b->len <= sizeof copy);
  for (uint32_t n = 5; n < b->len; n++) {
    memcpy(copy, bson_get_data(b), n);
    memcpy(copy, &n, 4);
    copy[n - 1] = 0;
    assert_false(asr_doc_has_id(copy, n));
  }
  bson_destroy(b);
  bson_destroy(&sub);
  bson_destroy(&scope);
}

static void append(asr_docs_t *d, bson_t *b) {
  assert_int_equal(asr_docs_append_bson(d, b), 0);
  bson_destroy(b);
}

/* The n-th document of docs, in b (a static bson_t points into itself: not returned by
 * value). */
static void nth(const asr_docs_t *docs, uint32_t n, bson_t *b) {
  asr_docs_iter_t it = asr_docs_begin(docs);
  for (uint32_t i = 0; i <= n; i++) assert_true(asr_docs_next(&it));
  assert_true(bson_init_static(b, it.doc, it.len));
}

static void expect_id(const bson_t *doc, uint64_t seed, const uint8_t *key, size_t kl,
                      uint32_t pos) {
  uint8_t want[12];
  asr_doc_id_derive(seed, key, kl, pos, want);
  bson_iter_t it;
  assert_true(bson_iter_init(&it, doc));
  assert_true(bson_iter_next(&it));
  assert_string_equal(bson_iter_key(&it), "_id"); /* first */
  assert_int_equal(bson_iter_type(&it), BSON_TYPE_OID);
  assert_memory_equal(bson_iter_oid(&it)->bytes, want, 12);
}

/* The document without its leading _id element is byte for byte the original. */
static void expect_rest(const bson_t *doc, const bson_t *orig) {
  const uint8_t *d = bson_get_data(doc), *o = bson_get_data(orig);
  assert_int_equal(doc->len, orig->len + 17);
  assert_memory_equal(d + 4 + 17, o + 4, orig->len - 4);
}

static void test_insert_pass_without_transform(void **state) {
  (void)state;
  asr_docs_t in, out;
  asr_docs_init(&in);
  asr_docs_init(&out);
  append(&in, BCON_NEW("a", BCON_INT32(1), "b", "{", "c", BCON_UTF8("x"), "}"));
  append(&in, BCON_NEW("x", BCON_INT32(2), "_id", BCON_INT32(42), "z", BCON_BOOL(true)));
  append(&in, BCON_NEW("k", BCON_DOUBLE(1.5)));
  asr_doc_origins_t from = {&in, 1000, NULL};
  assert_int_equal(asr_docs_assign_ids(&in, &from, 9, &out), 2);
  assert_int_equal(out.count, 3);
  uint8_t key[ASR_DOC_ID_KEY_MAX];
  bson_t o0, i0;
  nth(&out, 0, &o0);
  nth(&in, 0, &i0);
  size_t kl = asr_doc_id_key(NULL, 0, 1000, key);
  expect_id(&o0, 9, key, kl, 0);
  expect_rest(&o0, &i0);
  bson_t o1, i1;
  nth(&out, 1, &o1);
  nth(&in, 1, &i1); /* had one: untouched, _id stays where it was */
  assert_int_equal(o1.len, i1.len);
  assert_memory_equal(bson_get_data(&o1), bson_get_data(&i1), i1.len);
  bson_t o2, i2;
  nth(&out, 2, &o2);
  nth(&in, 2, &i2);
  kl = asr_doc_id_key(NULL, 0, 1002, key);
  expect_id(&o2, 9, key, kl, 0);
  expect_rest(&o2, &i2);
  /* the same batch again: the same bytes */
  asr_docs_t again;
  asr_docs_init(&again);
  assert_int_equal(asr_docs_assign_ids(&in, &from, 9, &again), 2);
  assert_int_equal(again.buf.len, out.buf.len);
  assert_memory_equal(again.buf.data, out.buf.data, out.buf.len);
  asr_docs_free(&again);
  asr_docs_free(&in);
  asr_docs_free(&out);
}

static void test_every_document_has_one_leaves_out_empty(void **state) {
  (void)state;
  asr_docs_t in, out;
  asr_docs_init(&in);
  asr_docs_init(&out);
  append(&in, BCON_NEW("_id", BCON_INT32(1)));
  asr_doc_origins_t from = {&in, 0, NULL};
  assert_int_equal(asr_docs_assign_ids(&in, &from, 1, &out), 0);
  assert_int_equal(out.count, 0);
  asr_docs_free(&in);
  asr_docs_free(&out);
}

/* A fan-out: source 0 (with _id "s0") makes three documents, source 1 (no _id, stream index
 * 51) makes one, source 2 none. Keys: the source's _id, else its index; positions 0, 1, 2. */
static void test_insert_pass_after_fan_out(void **state) {
  (void)state;
  asr_docs_t src, xf, out;
  asr_docs_init(&src);
  asr_docs_init(&xf);
  asr_docs_init(&out);
  append(&src, BCON_NEW("_id", BCON_UTF8("s0"), "n", BCON_INT32(3)));
  append(&src, BCON_NEW("n", BCON_INT32(1)));
  append(&src, BCON_NEW("n", BCON_INT32(0)));
  for (int j = 0; j < 3; j++) append(&xf, BCON_NEW("part", BCON_INT32(j)));
  append(&xf, BCON_NEW("only", BCON_INT32(1)));
  const uint32_t origin[] = {0, 0, 0, 1};
  asr_doc_origins_t from = {&src, 50, origin};
  assert_int_equal(asr_docs_assign_ids(&xf, &from, 3, &out), 4);
  uint8_t key[ASR_DOC_ID_KEY_MAX];
  bson_t s0;
  nth(&src, 0, &s0);
  size_t kl = asr_doc_id_key(bson_get_data(&s0), s0.len, 50, key);
  for (uint32_t j = 0; j < 3; j++) {
    bson_t o, x;
    nth(&out, j, &o);
    nth(&xf, j, &x);
    expect_id(&o, 3, key, kl, j);
    expect_rest(&o, &x);
  }
  kl = asr_doc_id_key(NULL, 0, 51, key);
  bson_t o3, x3;
  nth(&out, 3, &o3);
  nth(&xf, 3, &x3);
  expect_id(&o3, 3, key, kl, 0);
  expect_rest(&o3, &x3);
  /* a fan-out whose first document brings its own _id: the others keep positions 1 and 2 */
  asr_docs_t xf2;
  asr_docs_init(&xf2);
  append(&xf2, BCON_NEW("_id", BCON_INT32(7), "part", BCON_INT32(0)));
  for (int j = 1; j < 3; j++) append(&xf2, BCON_NEW("part", BCON_INT32(j)));
  const uint32_t origin2[] = {0, 0, 0};
  asr_doc_origins_t from2 = {&src, 50, origin2};
  asr_docs_reset(&out);
  assert_int_equal(asr_docs_assign_ids(&xf2, &from2, 3, &out), 2);
  kl = asr_doc_id_key(bson_get_data(&s0), s0.len, 50, key);
  bson_t kept, kept_in;
  nth(&out, 0, &kept);
  nth(&xf2, 0, &kept_in);
  assert_int_equal(kept.len, kept_in.len);
  assert_memory_equal(bson_get_data(&kept), bson_get_data(&kept_in), kept.len);
  for (uint32_t j = 1; j < 3; j++) {
    bson_t o, x;
    nth(&out, j, &o);
    nth(&xf2, j, &x);
    expect_id(&o, 3, key, kl, j);
    expect_rest(&o, &x);
  }
  asr_docs_free(&xf2);
  /* an origin past the sources is refused */
  const uint32_t bad[] = {0, 0, 0, 7};
  asr_doc_origins_t wrong = {&src, 50, bad};
  asr_docs_reset(&out);
  assert_int_equal(asr_docs_assign_ids(&xf, &wrong, 3, &out), ASR_EINVAL);
  asr_docs_free(&src);
  asr_docs_free(&xf);
  asr_docs_free(&out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_same_inputs_same_id),
      cmocka_unit_test(test_any_input_changes_the_id),
      cmocka_unit_test(test_no_collisions_and_every_byte_varies),
      cmocka_unit_test(test_key_is_the_id_value_or_the_index),
      cmocka_unit_test(test_finds_the_id_behind_every_type),
      cmocka_unit_test(test_insert_pass_without_transform),
      cmocka_unit_test(test_every_document_has_one_leaves_out_empty),
      cmocka_unit_test(test_insert_pass_after_fan_out),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
