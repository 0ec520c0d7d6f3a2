/* Templates of n keys in the shapes whose compilation was quadratic before issue 9 (each key
 * compared with every earlier one), for tests/c/test_template_scale.c, which counts the
 * comparisons, and bench/template_compile_bench.c, which times them. Every function returns
 * malloc'd text and aborts when memory runs out. */
#ifndef ASR_TESTS_TEMPLATE_SHAPES_H
#define ASR_TESTS_TEMPLATE_SHAPES_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

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

/* {"k0": 0, "k1": 1, ...} */
static inline char *shape_flat(int n) {
  shape_text_t t = {0};
  shape_put(&t, "{");
  for (int i = 0; i < n; i++) shape_put(&t, "%s\"k%d\": %d", i ? ", " : "", i, i);
  shape_put(&t, "}");
  return t.s;
}

/* {"f0": "$op0", "f1": "$op1", ...}, the template a Lua template with a function in every
 * field becomes; *names gets the n custom operator names (free with shape_free_names). */
static inline char *shape_custom(int n, char ***names) {
  shape_text_t t = {0};
  if (!(*names = calloc((size_t)n, sizeof **names))) abort();
  shape_put(&t, "{");
  for (int i = 0; i < n; i++) {
    shape_put(&t, "%s\"f%d\": \"$op%d\"", i ? ", " : "", i, i);
    if (asprintf(&(*names)[i], "op%d", i) < 0) abort();
  }
  shape_put(&t, "}");
  return t.s;
}

static inline void shape_free_names(char **names, int n) {
  for (int i = 0; i < n; i++) free(names[i]);
  free(names);
}

/* An mgodatagen config: one collection whose content has n int fields. */
static inline char *shape_mgodatagen(int n) {
  shape_text_t t = {0};
  shape_put(&t, "[{\"database\": \"d\", \"collection\": \"c\", \"count\": 1, \"content\": {");
  for (int i = 0; i < n; i++)
    shape_put(&t, "%s\"f%d\": {\"type\": \"int\", \"min\": 0, \"max\": 9}", i ? ", " : "", i);
  shape_put(&t, "}}]");
  return t.s;
}

/* $string with unique over a pool of n distinct characters (from U+4E00: 3 bytes each, so
 * n <= 20,000). */
static inline char *shape_pool(int n) {
  shape_text_t t = {0};
  shape_put(&t, "{\"s\": {\"$string\": {\"unique\": true, \"pool\": \"");
  for (int i = 0; i < n; i++) {
    unsigned cp = 0x4E00u + (unsigned)i;
    shape_put(&t, "%c%c%c", 0xE0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3F), 0x80 | (cp & 0x3F));
  }
  shape_put(&t, "\"}}}");
  return t.s;
}

/* A strategy whose Lua template has n fields, each its own function. */
static inline char *shape_lua_strategy(int n) {
  shape_text_t t = {0};
  shape_put(&t, "local t = {}\nfor i = 1, %d do t['f' .. i] = function() return i end end\n"
                "return { source = { kind = 'template', template = t }, total = 1 }\n", n);
  return t.s;
}

#endif
