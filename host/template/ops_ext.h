/* The mgeneratejs / chance.js operators beyond the core set of ops.c: their compile and gen
 * functions (rows of asr_tpl_ops[] in ops.c), and the small helpers they share.
 *   ops_text.c  people, text, internet, places, dates as text, $company, $currency
 *   ops_geo.c   $coordinates, $point, $linestring, $polygon, $geometries (GeoJSON)
 *   ops_bson.c  $join, $pickset, $binary, $maxkey, $minkey, $numberDecimal, $regex,
 *               $timestamp, $guid/$uuid, $hash, $color
 *   ops_web.c, ops_places.c, ops_time.c, ops_misc.c (groups of their own, helpers in
 *               ops_chance.h): chance's web, places, time, music and game generators; $state
 *               is ops_places.c's
 * Text is built in g->scratch (or a caller's buffer) through asr_tplx_text_t and appended in
 * one call: nothing is allocated per document. Every random draw comes from g->rng. */
#ifndef ASR_TEMPLATE_OPS_EXT_H
#define ASR_TEMPLATE_OPS_EXT_H

#include <string.h>

#include "template/node.h"

/* ---- a bounded text builder ----------------------------------------------------------------
 * Writes past cap are dropped and remembered: the operator then fails (ASR_EINVAL) rather
 * than emit a cut string (constant options are checked at compile time not to get there). */
typedef struct asr_tplx_text {
  char *p;
  uint32_t len, cap;
  bool over;
} asr_tplx_text_t;

static inline void asr_tplx_text_init(asr_tplx_text_t *w, char *buf, uint32_t cap) {
  w->p = buf, w->len = 0, w->cap = cap, w->over = false;
}

static inline void asr_tplx_text_put(asr_tplx_text_t *w, const char *s, size_t n) {
  if (n > w->cap - w->len) {
    w->over = true;
    return;
  }
  memcpy(w->p + w->len, s, n);
  w->len += (uint32_t)n;
}

static inline void asr_tplx_text_puts(asr_tplx_text_t *w, const char *s) {
  asr_tplx_text_put(w, s, strlen(s));
}

static inline void asr_tplx_text_ch(asr_tplx_text_t *w, char ch) {
  if (w->len < w->cap) w->p[w->len++] = ch;
  else w->over = true;
}

/* v in decimal, left-padded with zeros to at least width digits. */
static inline void asr_tplx_text_uint(asr_tplx_text_t *w, uint64_t v, int width) {
  char buf[24];
  int n = 0;
  do buf[n++] = (char)('0' + v % 10), v /= 10;
  while (v);
  while (n < width && n < (int)sizeof buf) buf[n++] = '0';
  while (n) asr_tplx_text_ch(w, buf[--n]);
}

static inline void asr_tplx_text_int(asr_tplx_text_t *w, int64_t v) {
  if (v < 0) asr_tplx_text_ch(w, '-');
  asr_tplx_text_uint(w, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, 1);
}

/* Appends the NUL-terminated string s as a string value. */
static inline int asr_tplx_put_cstr(bson_t *dst, const char *key, int keylen, const char *s) {
  return asr_tpl_put_utf8(dst, key, keylen, s, (uint32_t)strlen(s));
}

static inline int asr_tplx_text_append(const asr_tplx_text_t *w, bson_t *dst, const char *key,
                                       int keylen) {
  if (w->over) return ASR_EINVAL;
  return asr_tpl_put_utf8(dst, key, keylen, w->p, w->len);
}

/* Number.prototype.toString of d: JavaScript's shortest round-trip form (ops_bson.c). */
void asr_tplx_put_js_double(asr_tplx_text_t *w, double d);
/* String(v) as JavaScript writes it ($join, {{...}} strings): numbers as put_js_double, dates
 * as asr_tplx_put_js_date, arrays joined with ","; depth > 0 (an array's item) writes null and
 * undefined as "", as Array.prototype.join does. */
void asr_tplx_put_js_string(asr_tplx_text_t *w, const bson_value_t *v, int depth);
/* Date.prototype.toString in UTC: "Thu Jan 22 2026 18:21:53 GMT+0000 (Coordinated Universal
 * Time)". */
void asr_tplx_put_js_date(asr_tplx_text_t *w, int64_t ms);

/* ---- cheap unbiased small draws: two 32-bit halves per 64-bit draw ------------------------- */
typedef struct asr_tplx_draw {
  asr_rng_t *rng;
  uint64_t bits;
  int have;
} asr_tplx_draw_t;

static inline void asr_tplx_draw_init(asr_tplx_draw_t *d, asr_rng_t *rng) {
  d->rng = rng, d->bits = 0, d->have = 0;
}

/* Uniform in [0, n), 0 < n < 2^32. */
static inline uint32_t asr_tplx_below(asr_tplx_draw_t *d, uint32_t n) {
  if (!d->have) d->bits = asr_rng_next(d->rng), d->have = 2;
  uint32_t x = (uint32_t)d->bits;
  d->bits >>= 32, d->have--;
  return asr_rng_below32(d->rng, x, n);
}

/* ---- option helpers shared by the ops_*.c files (ops_text.c) ------------------------------- */
/* A true/false option (constants only): *out = def when absent. */
int asr_tplx_opt_flag(asr_tpl_cc_t *c, const cJSON *opts, const char *name, bool def, bool *out);
/* A string option with a fixed set of values (names: NULL-terminated, matched without case):
 * p->i = the index of the constant (def when absent), or p->node for an operator. */
int asr_tplx_opt_enum(asr_tpl_cc_t *c, const cJSON *opts, const char *name,
                      const char *const *names, int def, asr_tpl_param_t *p);
/* The index of an enum option for this document (ASR_EINVAL for an unknown operator value). */
int asr_tplx_eval_enum(asr_tpl_gen_t *g, const asr_tpl_param_t *p, const char *const *names,
                       int64_t *out);
/* An integer option that must lie in [lo, hi] when given as a constant. */
int asr_tplx_opt_int_in(asr_tpl_cc_t *c, const cJSON *opts, const char *name, int64_t def,
                        int64_t lo, int64_t hi, asr_tpl_param_t *p);
/* Per document: the option's value, ASR_EINVAL when an operator gives one outside [lo, hi]. */
int asr_tplx_eval_int_in(asr_tpl_gen_t *g, const asr_tpl_param_t *p, int64_t lo, int64_t hi,
                         int64_t *out);
int asr_tplx_compile_none(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n);
/* Whether an option value is an operator ("$op" or {"$op": ...}) rather than a literal. */
bool asr_tplx_is_operator(const cJSON *v);
/* ops_text.c: a word as $word makes it (syllables 0: 1..3; length > 0: exactly that long). */
void asr_tplx_put_word(asr_tplx_text_t *w, asr_tplx_draw_t *d, int64_t syllables, int64_t length);

/* chance.age's types (NULL-terminated; "adult", 2, is the default) and their [min, max] years
 * (ops_text.c; $age and $birthday). */
extern const char *const asr_tplx_age_types[];
extern const int asr_tplx_age_range[][2];
#define ASR_TPLX_AGE_ADULT 2

/* ---- operators: compile and gen function pairs --------------------------------------------- */
#define ASR_TPLX_OP(name)                                                                      \
  int asr_tplx_compile_##name(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n);          \
  int asr_tplx_gen_##name(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,             \
                          const char *key, int keylen)
#define ASR_TPLX_GEN(name)                                                                     \
  int asr_tplx_gen_##name(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,             \
                          const char *key, int keylen)

/* ops_text.c */
ASR_TPLX_OP(first);
ASR_TPLX_OP(last);
ASR_TPLX_OP(name);
ASR_TPLX_OP(word);
ASR_TPLX_OP(sentence);
ASR_TPLX_OP(paragraph);
ASR_TPLX_OP(email);
ASR_TPLX_OP(domain);
ASR_TPLX_OP(url);
ASR_TPLX_GEN(ip);
ASR_TPLX_OP(phone);
ASR_TPLX_OP(street);
ASR_TPLX_GEN(address);
ASR_TPLX_GEN(city);
ASR_TPLX_OP(country);
ASR_TPLX_OP(zip);
ASR_TPLX_OP(age);
ASR_TPLX_OP(year);
ASR_TPLX_OP(month);
ASR_TPLX_OP(weekday);
ASR_TPLX_GEN(company);
ASR_TPLX_GEN(currency);
/* ops_geo.c */
ASR_TPLX_OP(coordinates);
ASR_TPLX_GEN(point);
ASR_TPLX_OP(linestring);
ASR_TPLX_OP(polygon);
ASR_TPLX_OP(geometries);
/* ops_bson.c */
ASR_TPLX_OP(join);
ASR_TPLX_OP(pickset);
ASR_TPLX_OP(binary);
ASR_TPLX_GEN(maxkey);
ASR_TPLX_GEN(minkey);
ASR_TPLX_OP(decimal);
ASR_TPLX_OP(regex);
ASR_TPLX_OP(timestamp);
ASR_TPLX_OP(guid);
ASR_TPLX_OP(uuid);
ASR_TPLX_OP(hash);
ASR_TPLX_OP(color);
/* ops_places.c: the region lists behind $states, for $state ({country, us_states_and_dc,
 * territories, armed_forces, full}) and one region of such a list. */
int asr_tplp_compile_states(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n);
int asr_tplp_gen_region(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                        int keylen);
/* ops_time.c: {name, short_name, numeric, days} of month m (1..12), as $month {raw} gives. */
int asr_tplt_month_doc(bson_t *dst, const char *key, int keylen, int m);

#endif
