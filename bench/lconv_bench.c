/* Benchmark: where the CPU of a Lua transform goes, per document, on one thread: the lazy
 * document transform(doc) gets (lua/lconv_lazy.c) and the eager BSON -> Lua table -> BSON
 * round trip it replaced (lua/lconv.h), with and without the example transform
 * (strategies/migrate_jsonl_to_bson.lua), and the floor a lazy document could reach: decoding
 * only the values the transform touches (status, orderNumber, notes, and quantity and
 * unitPrice of each lineItems entry) and copying the whole document as bytes. CPU time of the
 * process (one thread), best of 3. Input: the first DOCS documents of a .bson file (orders:
 *   asrun --source templates/service_order.json --target file:/tmp/orders.bson --total 20000).
 * Usage: lconv_bench FILE.bson [DOCS [MODE]]   (MODE: run only the mode at that position) */
#include <bson/bson.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lua/lbson_types.h"
#include "lua/lconv.h"

static const char *transform_src =
    "local dropped_status = { cancelled = true }\n"
    "return function(doc)\n"
    "  if dropped_status[doc.status] then return nil end\n"
    "  doc.order_no = doc.orderNumber\n"
    "  doc.orderNumber = nil\n"
    "  local total = 0\n"
    "  for _, item in ipairs(doc.lineItems or {}) do total = total + item.quantity * item.unitPrice end\n"
    "  doc.total = math.floor(total * 100 + 0.5) / 100\n"
    "  doc.notes = nil\n"
    "  doc.schemaVersion = 3\n"
    "  return doc\n"
    "end\n";

typedef struct {
  uint8_t *data;
  size_t len;
  uint32_t count;
  uint8_t *touched; /* the same documents reduced to the fields the transform reads */
  size_t touched_len;
} corpus_t;

enum { MODE_LAZY, MODE_LAZY_NO_FN, MODE_FULL, MODE_NO_FN, MODE_DECODE, MODE_TOUCHED, MODE_COPY,
       MODE_COUNT };
static const char *mode_names[MODE_COUNT] = {
    "lazy document + transform (transform today)", "lazy round trip, no transform call",
    "eager round trip + transform (before)", "eager round trip, no transform call",
    "eager BSON -> table only", "lazy floor: touched fields + byte copy", "byte copy only"};

static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* lineItems with only the two fields the transform reads of each item. */
static void append_quantities(bson_t *dst, const bson_iter_t *items) {
  bson_t arr, item;
  bson_iter_t a, f;
  bson_append_array_begin(dst, "lineItems", -1, &arr);
  bson_iter_recurse(items, &a);
  while (bson_iter_next(&a)) {
    bson_append_document_begin(&arr, bson_iter_key(&a), -1, &item);
    bson_iter_recurse(&a, &f);
    while (bson_iter_next(&f))
      if (!strcmp(bson_iter_key(&f), "quantity") || !strcmp(bson_iter_key(&f), "unitPrice"))
        bson_append_iter(&item, bson_iter_key(&f), -1, &f);
    bson_append_document_end(&arr, &item);
  }
  bson_append_array_end(dst, &arr);
}

static void load(corpus_t *c, const char *path, uint32_t max) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); exit(2); }
  size_t cap = 1 << 20;
  c->data = malloc(cap);
  c->touched = malloc(cap);
  uint8_t hdr[4];
  while (c->count < max && fread(hdr, 1, 4, f) == 4) {
    uint32_t n = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 24;
    while (c->len + n > cap || c->touched_len + n > cap) {
      cap *= 2;
      c->data = realloc(c->data, cap);
      c->touched = realloc(c->touched, cap);
    }
    memcpy(c->data + c->len, hdr, 4);
    if (fread(c->data + c->len + 4, 1, n - 4, f) != n - 4) break;
    bson_t doc, sub;
    bson_init_static(&doc, c->data + c->len, n);
    bson_init(&sub);
    bson_iter_t it;
    bson_iter_init(&it, &doc);
    while (bson_iter_next(&it)) {
      const char *k = bson_iter_key(&it);
      if (!strcmp(k, "status") || !strcmp(k, "orderNumber") || !strcmp(k, "notes"))
        bson_append_iter(&sub, k, -1, &it);
      else if (!strcmp(k, "lineItems") && BSON_ITER_HOLDS_ARRAY(&it))
        append_quantities(&sub, &it);
    }
    memcpy(c->touched + c->touched_len, bson_get_data(&sub), sub.len);
    c->touched_len += sub.len;
    bson_destroy(&sub);
    c->len += n;
    c->count++;
  }
  fclose(f);
}

static double run(lua_State *L, int fn, const corpus_t *c, int mode, bson_t *out) {
  asr_err_t err;
  uint8_t *copy = malloc(c->len);
  double t0 = cpu_now();
  const uint8_t *p = c->data, *q = c->touched;
  for (uint32_t i = 0; i < c->count; i++) {
    uint32_t n, m;
    memcpy(&n, p, 4);
    memcpy(&m, q, 4);
    if (mode == MODE_COPY || mode == MODE_TOUCHED) memcpy(copy + (p - c->data), p, n);
    if (mode != MODE_COPY) {
      const uint8_t *src = mode == MODE_TOUCHED ? q : p;
      uint32_t len = mode == MODE_TOUCHED ? m : n;
      int call = mode == MODE_FULL || mode == MODE_TOUCHED || mode == MODE_LAZY;
      int lazy = mode == MODE_LAZY || mode == MODE_LAZY_NO_FN;
      if (call) lua_rawgeti(L, LUA_REGISTRYINDEX, fn);
      if ((lazy ? asr_lconv_push_lazy_doc : asr_lconv_push_doc)(L, src, len, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
      }
      if (call) lua_call(L, 1, 1);
      if (mode != MODE_DECODE && lua_istable(L, -1)) {
        bson_reinit(out);
        if (asr_lconv_to_bson(L, -1, out, &err)) { fprintf(stderr, "%s\n", err.msg); exit(1); }
      }
      lua_pop(L, 1);
    }
    p += n;
    q += m;
  }
  double t = cpu_now() - t0;
  free(copy);
  return t;
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: lconv_bench FILE.bson [DOCS]\n"); return 2; }
  corpus_t c = {0};
  load(&c, argv[1], argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 20000);
  lua_State *L = luaL_newstate();
  luaL_openlibs(L);
  asr_lconv_open(L);
  lua_newtable(L);
  asr_lbson_register(L);
  lua_setglobal(L, "asrun");
  if (luaL_dostring(L, transform_src)) { fprintf(stderr, "%s\n", lua_tostring(L, -1)); return 1; }
  int fn = luaL_ref(L, LUA_REGISTRYINDEX);
  bson_t *out = bson_new();
  printf("== lconv: %u documents (%.0f bytes each), one thread, CPU us/doc, best of 3\n", c.count,
         (double)c.len / c.count);
  int only = argc > 3 ? atoi(argv[3]) : -1; /* one mode (for a profiler) */
  for (int mode = 0; mode < MODE_COUNT; mode++) {
    if (only >= 0 && mode != only) continue;
    double best = 1e9;
    for (int r = 0; r < 3; r++) {
      double t = run(L, fn, &c, mode, out);
      if (t < best) best = t;
    }
    printf("%-42s %7.2f us/doc  %9.0f docs/CPU-s\n", mode_names[mode], best * 1e6 / c.count,
           c.count / best);
  }
  bson_destroy(out);
  lua_close(L);
  return 0;
}
