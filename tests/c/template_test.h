/* Helpers the template operator tests share (test_template_chance_people.c,
 * test_template_chance_places.c): compile a template that must compile, or must fail with a
 * given message, and generate document i with its field "v". Header-only: each test is its
 * own executable; static inline, so a test that skips one gets no unused-function warning. */
#ifndef ASR_TESTS_TEMPLATE_TEST_H
#define ASR_TESTS_TEMPLATE_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "template/template.h"

/* now_ms < 0: the template keeps its own clock. */
static inline asr_template_t *tt_compile(const char *json, int64_t now_ms) {
  asr_err_t err;
  asr_err_clear(&err);
  asr_template_t *t = NULL;
  int rc = asr_template_compile(json, strlen(json), "t.json", NULL, &t, &err);
  if (rc) fail_msg("compile failed (%d): %s\n  template %s", rc, err.msg, json);
  if (now_ms >= 0) asr_template_set_now(t, now_ms);
  return t;
}

static inline void expect_error(const char *json, const char *text) {
  asr_err_t err;
  asr_err_clear(&err);
  asr_template_t *t = NULL;
  int rc = asr_template_compile(json, strlen(json), "t.json", NULL, &t, &err);
  if (rc != ASR_EINVAL || !strstr(err.msg, text))
    fail_msg("template %s\n  expected EINVAL with \"%s\"\n  got %d: \"%s\"", json, text, rc, err.msg);
  assert_null(t);
}

/* Document i (seed 7) of t into doc, and it at its "v" (which must be there). */
static inline void gen_v(const asr_template_t *t, uint64_t i, bson_t *doc, bson_iter_t *it) {
  asr_err_t err;
  asr_err_clear(&err);
  bson_init(doc);
  int rc = asr_template_generate(t, NULL, 7, i, doc, &err);
  if (rc) fail_msg("generate %llu failed: %d %s", (unsigned long long)i, rc, err.msg);
  assert_true(bson_iter_init(it, doc));
  assert_true(bson_iter_find(it, "v"));
}

#endif
