/* Templates of n keys in the shapes whose compilation was quadratic before issue 9 (each key
 * compared with every earlier one), built and compiled for tests/c/test_template_scale.c,
 * which counts the comparisons, and bench/template_compile_bench.c, which times them. */
#ifndef ASR_TESTS_TEMPLATE_SHAPES_H
#define ASR_TESTS_TEMPLATE_SHAPES_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lua/strategy.h"
#include "sources/source.h"
#include "template/mgodatagen.h"
#include "template/template.h"

enum {
  SHAPE_FLAT,       /* {"k0": 0, "k1": 1, ...} */
  SHAPE_CUSTOM,     /* {"f0": "$op0", ...} with n custom operators */
  SHAPE_MGODATAGEN, /* an mgodatagen collection whose content has n int fields */
  SHAPE_POOL,       /* $string with unique over a pool of n/10 distinct characters */
  SHAPE_LUA,        /* a strategy whose Lua template has n fields, each its own function */
  SHAPE_COUNT
};

static const char *const shape_names[SHAPE_COUNT] = {
    "flat object (keys)", "custom operators (fields)", "mgodatagen content (fields)",
    "unique pool (n/10 characters)", "Lua template, a function a field"};

typedef struct shape_text {
  char *s;
  size_t len, cap;
} shape_text_t;

static inline void shape_put(shape_text_t *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline void shape_put(shape_text_t *t, const char *fmt, ...) {
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (n < 0) abort();
    if ((size_t)n < t->cap - t->len) {
      t->len += (size_t)n;
      return;
    }
    t->cap = t->cap * 2 + (size_t)n + 64;
    if (!(t->s = realloc(t->s, t->cap))) abort();
  }
}

/* The input text of shape at n; for SHAPE_CUSTOM also the n operator names (in *names). */
static inline char *shape_text(int shape, int n, char ***names) {
  shape_text_t t = {0};
  if (shape == SHAPE_CUSTOM && !(*names = calloc((size_t)n, sizeof **names))) abort();
  switch (shape) {
  case SHAPE_FLAT:
  case SHAPE_CUSTOM:
    shape_put(&t, "{");
    for (int i = 0; i < n; i++) {
      if (shape == SHAPE_FLAT) shape_put(&t, "%s\"k%d\": %d", i ? ", " : "", i, i);
      else shape_put(&t, "%s\"f%d\": \"$op%d\"", i ? ", " : "", i, i);
      if (shape == SHAPE_CUSTOM && asprintf(&(*names)[i], "op%d", i) < 0) abort();
    }
    shape_put(&t, "}");
    break;
  case SHAPE_MGODATAGEN:
    shape_put(&t, "[{\"database\": \"d\", \"collection\": \"c\", \"count\": 1, \"content\": {");
    for (int i = 0; i < n; i++)
      shape_put(&t, "%s\"f%d\": {\"type\": \"int\", \"min\": 0, \"max\": 9}", i ? ", " : "", i);
    shape_put(&t, "}}]");
    break;
  case SHAPE_POOL: /* from U+4E00, 3 bytes each: n/10 <= 20,000 */
    shape_put(&t, "{\"s\": {\"$string\": {\"unique\": true, \"pool\": \"");
    for (unsigned i = 0, cp = 0x4E00; i < (unsigned)n / 10; i++, cp++)
      shape_put(&t, "%c%c%c", 0xE0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3F), 0x80 | (cp & 0x3F));
    shape_put(&t, "\"}}}");
    break;
  default:
    shape_put(&t, "local t = {}\nfor i = 1, %d do t['f' .. i] = function() return i end end\n"
                  "return { source = { kind = 'template', template = t }, total = 1 }\n", n);
  }
  return t.s;
}

static inline int shape_compile_json(const char *json, char **names, size_t nnames,
                                     asr_err_t *err) {
  asr_template_options_t opt = {.custom_ops = (const char *const *)names, .ncustom = nnames};
  asr_template_t *tpl = NULL;
  int rc = asr_template_compile(json, strlen(json), "t.json", &opt, &tpl, err);
  asr_template_free(tpl);
  return rc;
}

/* The Lua shape: loading the strategy (its template walk numbers the functions), then
 * compiling the template with them as custom operators, as a run does. */
static inline int shape_compile_lua(const char *text, void (*mark)(void *), void *ud,
                                    asr_err_t *err) {
  char path[] = "/tmp/asrun-template-shape-XXXXXX.lua";
  int fd = mkstemps(path, 4);
  if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) abort();
  close(fd);
  asr_strategy_t *st = NULL;
  asr_source_spec_t spec = {0};
  mark(ud);
  int rc = asr_strategy_load(path, &st, err);
  if (rc == 0) rc = asr_strategy_custom_ops(st, &spec, err);
  if (rc == 0) rc = shape_compile_json(st->source.template_json, spec.custom_ops, spec.ncustom, err);
  mark(ud);
  unlink(path);
  asr_source_spec_free(&spec);
  asr_strategy_free(st);
  return rc;
}

/* Builds shape at n and compiles it, calling mark(ud) just before and just after the compile.
 * Returns 0 or ASR_E* with err set. */
static inline int shape_compile(int shape, int n, void (*mark)(void *), void *ud, asr_err_t *err) {
  char **names = NULL, *text = shape_text(shape, n, &names);
  asr_mgo_collection_t *cols = NULL;
  size_t ncols = 0;
  int rc;
  if (shape == SHAPE_LUA) {
    rc = shape_compile_lua(text, mark, ud, err);
  } else {
    mark(ud);
    if (shape == SHAPE_MGODATAGEN) rc = asr_mgodatagen_parse(text, strlen(text), "t.json", &cols, &ncols, err);
    else rc = shape_compile_json(text, names, names ? (size_t)n : 0, err);
    mark(ud);
  }
  asr_mgodatagen_free(cols, ncols);
  for (int i = 0; names && i < n; i++) free(names[i]);
  free(names);
  free(text);
  return rc;
}

#endif
