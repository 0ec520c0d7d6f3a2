/* Compiling a template costs n log n in its size, not n^2 (issue 9: 200,000 keys in one
 * object took over a minute when every key was compared with every earlier one).
 *
 * How it is checked without timing: this file defines strcmp, strncmp and memcmp, so every
 * call of them in the process (the template compiler, util/names.c, libcjson, libbson) comes
 * here and is counted. A template of 10 N keys must cost less than 20 times the comparisons of
 * one of N keys: linear work grows 10x, n log n about 12x, comparing pairs 100x. The count
 * does not depend on the machine. The Lua template walk compares functions with Lua's raw
 * equality, which no count sees: it gets a wall-clock bound 30 times what it needs here, far
 * below the minutes the pairwise walk took.
 *
 * Also: util/names.h does what it says. (That repeats are still reported at the same field
 * with the same message: test_template.c, test_template_ext.c, test_mgodatagen.c.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "template/mgodatagen.h"
#include "template/template.h"
#include "template_shapes.h"
#include "util/names.h"

#define SMALL 20000     /* keys; and 10 SMALL */
#define MAX_GROWTH 20   /* comparisons at 10 SMALL over those at SMALL */
#define LUA_SECONDS 60  /* generous: the Lua walk is timed (see above) */

/* ---- counted comparisons (single-threaded: nothing here starts a thread) ---------------- */

static uint64_t compares;

int strcmp(const char *a, const char *b) {
  const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
  compares++;
  while (*x && *x == *y) x++, y++;
  return *x - *y;
}

int strncmp(const char *a, const char *b, size_t n) {
  const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
  compares++;
  for (; n; n--, x++, y++)
    if (*x != *y || !*x) return *x - *y;
  return 0;
}

int memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *x = a, *y = b;
  compares++;
  for (; n; n--, x++, y++)
    if (*x != *y) return *x - *y;
  return 0;
}

/* ---- shapes at N and 10 N ---------------------------------------------------------------- */

/* mark() for shape_compile: the comparisons between its two calls. */
typedef struct counted {
  int marks;
  uint64_t from, cost;
} counted_t;

static void count_mark(void *ud) {
  counted_t *c = ud;
  if (c->marks++ == 0) c->from = compares;
  else c->cost = compares - c->from;
}

static uint64_t cost(int shape, int n) {
  counted_t c = {0};
  asr_err_t err;
  asr_err_clear(&err);
  int rc = shape_compile(shape, n, count_mark, &c, &err);
  if (rc) print_error("%s\n", err.msg);
  assert_int_equal(rc, 0);
  return c.cost;
}

/* cost at 10 SMALL < MAX_GROWTH * cost at SMALL. */
static void test_growth(void **state) {
  int shape = *(const int *)*state;
  uint64_t small = cost(shape, SMALL), large = cost(shape, 10 * SMALL);
  print_message("%s: %llu comparisons at %d, %llu at %d (x%.1f)\n", shape_names[shape],
                (unsigned long long)small, SMALL, (unsigned long long)large, 10 * SMALL,
                (double)large / (double)(small ? small : 1));
  assert_true(large < MAX_GROWTH * small);
}

/* ---- Lua templates ---------------------------------------------------------------------- */

static void time_mark(void *ud) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9, *t = ud;
  t[t[0] ? 1 : 0] = now;
}

/* The Lua walk at 10 SMALL functions: about 1.5 s here (most of it running the strategy);
 * the walk that compared each function with every earlier one took minutes. */
static void test_lua_template_time(void **state) {
  double t[2] = {0, 0};
  asr_err_t err;
  asr_err_clear(&err);
  int rc = shape_compile(SHAPE_LUA, 10 * SMALL, time_mark, t, &err);
  if (rc) print_error("%s\n", err.msg);
  assert_int_equal(rc, 0);
  print_message("Lua template with %d functions: %.2f s\n", 10 * SMALL, t[1] - t[0]);
  assert_true(t[1] - t[0] < LUA_SECONDS);
}

/* ---- util/names.h ------------------------------------------------------------------------ */

static void test_names(void **state) {
  assert_true(asr_names_in_list("min,max,unique", "max"));
  assert_true(asr_names_in_list("min,max,unique", "unique"));
  assert_false(asr_names_in_list("min,max,unique", "ma"));
  assert_false(asr_names_in_list("min,max,unique", "maxi"));
  assert_false(asr_names_in_list("", "min"));
  const char *s[] = {"b", "a", "b", "", "ab", "a", ""};
  asr_name_t names[7];
  uint32_t first[7];
  for (uint32_t i = 0; i < 7; i++) names[i] = (asr_name_t){s[i], strlen(s[i]), i};
  asr_names_first(names, 7, first);
  uint32_t want[7] = {0, 1, 0, 3, 4, 1, 3};
  assert_memory_equal(first, want, sizeof want);
  const asr_name_t *hit = asr_names_find(names, 7, "a", 1);
  assert_non_null(hit);
  assert_int_equal(hit->index, 1); /* the first of equal names */
  assert_int_equal(asr_names_find(names, 7, "", 0)->index, 3);
  assert_int_equal(asr_names_find(names, 7, "ab", 2)->index, 4);
  assert_null(asr_names_find(names, 7, "abc", 3));
  assert_null(asr_names_find(names, 7, "c", 1));
  assert_null(asr_names_find(NULL, 0, "a", 1));
}

int main(void) {
  static const int shapes[] = {SHAPE_FLAT, SHAPE_CUSTOM, SHAPE_MGODATAGEN, SHAPE_POOL, SHAPE_LUA};
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_names),
      cmocka_unit_test_prestate(test_growth, (void *)&shapes[0]),
      cmocka_unit_test_prestate(test_growth, (void *)&shapes[1]),
      cmocka_unit_test_prestate(test_growth, (void *)&shapes[2]),
      cmocka_unit_test_prestate(test_growth, (void *)&shapes[3]),
      cmocka_unit_test_prestate(test_growth, (void *)&shapes[4]),
      cmocka_unit_test(test_lua_template_time),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
