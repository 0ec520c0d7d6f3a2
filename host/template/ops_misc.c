/* Template operators for music, games and chance's normal draw, after chance.js 1.1 (what
 * mgeneratejs forwards to it): $note, $midi_note, $chord_quality, $chord, $tempo, $coin, the
 * dice $d4 .. $d100, $normal (and mgeneratejs's alias $gauss), $radio, $tv. Option names,
 * defaults and result shapes are chance's. Every draw comes from g->rng. */
#include <math.h>

#include "template/ops_chance.h"

#define COUNT(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))

/* ---- $note {notes=flatKey}, $chord_quality {jazz=true}, $chord {notes, jazz} ---------------
 * Scales: naturals C..B, flats D♭ E♭ G♭ A♭ B♭, sharps C♯ D♯ F♯ G♯ A♯; flatKey = naturals and
 * flats, sharpKey = naturals and sharps, all = the three. */

static const char *const NOTES[] = {
    "C", "D", "E", "F", "G", "A", "B",                                           /* naturals */
    "D\xe2\x99\xad", "E\xe2\x99\xad", "G\xe2\x99\xad", "A\xe2\x99\xad", "B\xe2\x99\xad", /* flats */
    "C\xe2\x99\xaf", "D\xe2\x99\xaf", "F\xe2\x99\xaf", "G\xe2\x99\xaf", "A\xe2\x99\xaf", /* sharps */
};
enum { NATURALS = 0, FLATS = 7, SHARPS = 12 };

static const char *const NOTE_SETS[] = {"flatKey", "sharpKey", "flats", "sharps", "naturals", "all", NULL};
/* Each set as up to two runs of NOTES: {start, count} pairs. */
static const uint8_t NOTE_RUNS[][4] = {
    {NATURALS, 7, FLATS, 5}, {NATURALS, 7, SHARPS, 5}, {FLATS, 5, 0, 0},
    {SHARPS, 5, 0, 0},       {NATURALS, 7, 0, 0},      {NATURALS, 17, 0, 0},
};

static const char *const QUALITIES_JAZZ[] = {"maj7", "min7", "7", "sus", "dim", "\xc3\xb8"};
static const char *const QUALITIES[] = {"maj", "min", "aug", "dim"};

enum { JAZZ = 8u }; /* flag beside the note set (0..5) */

static int compile_music(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int set;
  bool jazz = true;
  int rc = asr_tplc_opt_const_enum(c, opts, "notes", NOTE_SETS, 0, &set);
  if (rc == 0) rc = asr_tplx_opt_flag(c, opts, "jazz", true, &jazz);
  n->flags = (uint32_t)set | (jazz ? JAZZ : 0);
  return rc;
}

static const char *pick_note(const asr_tpl_node_t *n, asr_tplx_draw_t *d) {
  const uint8_t *r = NOTE_RUNS[n->flags & 7];
  uint32_t k = asr_tplx_below(d, (uint32_t)r[1] + r[3]);
  return NOTES[k < r[1] ? r[0] + k : r[2] + k - r[1]];
}

static const char *pick_quality(const asr_tpl_node_t *n, asr_tplx_draw_t *d) {
  if (n->flags & JAZZ) return QUALITIES_JAZZ[asr_tplx_below(d, COUNT(QUALITIES_JAZZ))];
  return QUALITIES[asr_tplx_below(d, COUNT(QUALITIES))];
}

static int gen_note(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                    int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  return asr_tplx_put_cstr(dst, key, keylen, pick_note(n, &d));
}

static int gen_chord_quality(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                             const char *key, int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  return asr_tplx_put_cstr(dst, key, keylen, pick_quality(n, &d));
}

static int gen_chord(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                     int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  char buf[16];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  asr_tplx_text_puts(&w, pick_note(n, &d));
  asr_tplx_text_puts(&w, pick_quality(n, &d));
  return asr_tplx_text_append(&w, dst, key, keylen);
}

/* ---- $midi_note {min=0, max=127}, $tempo {min=40, max=320}: integers --------------------- */

#define RANGE_LIMIT 2147483647LL /* chance checks nothing more: int32 keeps the type simple */

static int compile_midi_note(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  return asr_tplc_opt_range(c, opts, 0, 127, -RANGE_LIMIT, RANGE_LIMIT, n);
}

static int compile_tempo(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  return asr_tplc_opt_range(c, opts, 40, 320, -RANGE_LIMIT, RANGE_LIMIT, n);
}

static int gen_range_int(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                         const char *key, int keylen) {
  int64_t v;
  int rc = asr_tplc_eval_range(n, g, -RANGE_LIMIT, RANGE_LIMIT, &v);
  return rc ? rc : asr_tpl_put_int32(dst, key, keylen, (int32_t)v);
}

/* ---- $coin, dice ------------------------------------------------------------------------------ */

static int gen_coin(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                    int keylen) {
  return asr_tplx_put_cstr(dst, key, keylen, asr_rng_below(&g->rng, 2) ? "heads" : "tails");
}

#define DIE(sides)                                                                             \
  static int gen_d##sides(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,            \
                          const char *key, int keylen) {                                       \
    return asr_tpl_put_int32(dst, key, keylen, (int32_t)(1 + asr_rng_below(&g->rng, sides))); \
  }
DIE(4)
DIE(6)
DIE(8)
DIE(10)
DIE(12)
DIE(20)
DIE(30)
DIE(100)

/* ---- $radio {side}, $tv {side}: call letters, "WXYZ" ----------------------------------------
 * side east/e: W, west/w: K, else either. */

static const char *const SIDES[] = {"?", "east", "e", "west", "w", NULL};

static int compile_radio(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int side;
  int rc = asr_tplc_opt_const_enum(c, opts, "side", SIDES, 0, &side);
  n->flags = side == 1 || side == 2 ? 'W' : side >= 3 ? 'K' : 0;
  return rc;
}

static int gen_radio(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                     int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  char buf[4];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  if (n->flags) asr_tplx_text_ch(&w, (char)n->flags);
  else asr_tplc_pool(&w, &d, "KW", 2, 1);
  asr_tplc_pool(&w, &d, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 26, 3);
  return asr_tplx_text_append(&w, dst, key, keylen);
}

/* ---- $normal {mean=0, dev=1, pool} ($gauss) ------------------------------------------------
 * Marsaglia's polar method, as chance. With pool (an array of values): the item at the draw
 * rounded, drawing again while it falls outside the pool, at most 100 times (chance's
 * normal_pool, whose RangeError becomes a run-time error). */

#define POOL_TRIES 100

static int compile_normal(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  bool is_array = true;
  int rc = asr_tpl_opt_num(c, opts, "mean", 0, &n->p[0]);
  if (rc == 0) rc = asr_tpl_opt_num(c, opts, "dev", 1, &n->p[1]);
  const cJSON *pool = opts ? cJSON_GetObjectItemCaseSensitive(opts, "pool") : NULL;
  if (rc == 0 && pool) rc = asr_tpl_opt_items(c, opts, "pool", n, &is_array);
  if (rc == 0 && !is_array) rc = asr_tpl_fail(c, "option pool must be an array");
  return rc;
}

static double polar_normal(asr_rng_t *r) {
  double u, v, s;
  do {
    u = asr_rng_unit(r) * 2 - 1;
    v = asr_rng_unit(r) * 2 - 1;
    s = u * u + v * v;
  } while (s >= 1 || s == 0);
  return u * sqrt(-2 * log(s) / s);
}

static int gen_normal(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  asr_tpl_num_t mean, dev;
  int rc = asr_tpl_eval_num(g, &n->p[0], &mean);
  if (rc == 0) rc = asr_tpl_eval_num(g, &n->p[1], &dev);
  if (rc) return rc;
  double m = mean.isint ? (double)mean.i : mean.d, s = dev.isint ? (double)dev.i : dev.d;
  if (!n->nkids) return asr_tpl_put_double(dst, key, keylen, s * polar_normal(&g->rng) + m);
  for (int i = 0; i < POOL_TRIES; i++) {
    double idx = round(s * polar_normal(&g->rng) + m);
    if (idx >= 0 && idx < n->nkids) return asr_tpl_gen_kid(n->kids[(uint32_t)idx], g, dst, key, keylen);
  }
  return asr_tpl_gen_fail(g, n, ASR_EINVAL, "no draw fell inside the pool of %u in %d tries: "
                          "the pool is too small for mean %g and dev %g", n->nkids, POOL_TRIES, m, s);
}

/* ---- the group ------------------------------------------------------------------------------- */

static const asr_tpl_op_t misc_ops[] = {
    {"note", "notes", compile_music, gen_note},
    {"midi_note", "min,max", compile_midi_note, gen_range_int},
    {"chord_quality", "jazz", compile_music, gen_chord_quality},
    {"chord", "notes,jazz", compile_music, gen_chord},
    {"tempo", "min,max", compile_tempo, gen_range_int},
    {"coin", "", asr_tplx_compile_none, gen_coin},
    {"d4", "", asr_tplx_compile_none, gen_d4},
    {"d6", "", asr_tplx_compile_none, gen_d6},
    {"d8", "", asr_tplx_compile_none, gen_d8},
    {"d10", "", asr_tplx_compile_none, gen_d10},
    {"d12", "", asr_tplx_compile_none, gen_d12},
    {"d20", "", asr_tplx_compile_none, gen_d20},
    {"d30", "", asr_tplx_compile_none, gen_d30},
    {"d100", "", asr_tplx_compile_none, gen_d100},
    {"normal", "mean,dev,pool", compile_normal, gen_normal},
    {"gauss", "mean,dev,pool", compile_normal, gen_normal},
    {"radio", "side", compile_radio, gen_radio},
    {"tv", "side", compile_radio, gen_radio},
};
const asr_tpl_op_group_t asr_tpl_ops_misc = {misc_ops, COUNT(misc_ops)};
