/* Template operators for arrays and BSON types, after mgeneratejs 0.6: $join, $pickset,
 * $binary, $maxkey, $minkey, $numberDecimal, $regex, $timestamp; and chance.js's $guid
 * (with asrun's $uuid), $hash, $color. Compiled options live in the node (n->p, n->flags,
 * n->kids, n->aux in the template's arena); text is built in g->scratch or on the stack. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "template/ops_ext.h"
#include "template/words.h"

#define MAX_SAFE_INT 9007199254740991LL /* chance.js's integer range */
#define PICKSET_MAX 1024                /* items $pickset shuffles (on the stack) */
#define JS_DEPTH_MAX 32                 /* nested arrays written as text */

/* "array": a literal array (items compiled into n->kids) or an operator making one (n->aux). */
static int compile_array_opt(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  bool is_array;
  int rc = asr_tpl_opt_items(c, opts, "array", n, &is_array);
  if (rc || is_array) return rc;
  const cJSON *v = opts ? cJSON_GetObjectItemCaseSensitive(opts, "array") : NULL;
  if (v && !asr_tplx_is_operator(v)) return asr_tpl_fail(c, "option array must be an array or an operator");
  asr_tpl_node_t *src;
  rc = asr_tpl_opt_node(c, opts, "array", true, &src);
  n->aux = src;
  return rc;
}

/* ---- values as JavaScript's String() writes them (for $join) ------------------------------ */

/* Number.prototype.toString: the shortest digits that read back as d, in JavaScript's layout
 * (plain up to 21 integer digits, exponent form below 1e-6 and from 1e21). */
void asr_tplx_put_js_double(asr_tplx_text_t *w, double d) {
  if (isnan(d) || isinf(d) || d == 0) { /* -0 too is "0" */
    asr_tplx_text_puts(w, isnan(d) ? "NaN" : d == 0 ? "0" : d < 0 ? "-Infinity" : "Infinity");
    return;
  }
  char buf[40], digits[24];
  for (int p = 1; p <= 17; p++) {
    snprintf(buf, sizeof buf, "%.*e", p - 1, d);
    if (strtod(buf, NULL) == d) break;
  }
  const char *s = buf + (buf[0] == '-');
  int k = 0;
  for (; *s && *s != 'e'; s++)
    if (*s != '.') digits[k++] = *s;
  int e = atoi(s + 1), n = e + 1; /* the value is 0.digits * 10^n */
  if (d < 0) asr_tplx_text_ch(w, '-');
  if (k <= n && n <= 21) {
    asr_tplx_text_put(w, digits, (size_t)k);
    for (int i = k; i < n; i++) asr_tplx_text_ch(w, '0');
  } else if (0 < n && n <= 21) {
    asr_tplx_text_put(w, digits, (size_t)n);
    asr_tplx_text_ch(w, '.');
    asr_tplx_text_put(w, digits + n, (size_t)(k - n));
  } else if (-6 < n && n <= 0) {
    asr_tplx_text_puts(w, "0.");
    for (int i = n; i < 0; i++) asr_tplx_text_ch(w, '0');
    asr_tplx_text_put(w, digits, (size_t)k);
  } else {
    asr_tplx_text_ch(w, digits[0]);
    if (k > 1) {
      asr_tplx_text_ch(w, '.');
      asr_tplx_text_put(w, digits + 1, (size_t)(k - 1));
    }
    asr_tplx_text_ch(w, 'e');
    asr_tplx_text_ch(w, n - 1 < 0 ? '-' : '+');
    asr_tplx_text_uint(w, (uint64_t)abs(n - 1), 1);
  }
}

static const char WEEKDAYS[] = "SunMonTueWedThuFriSat";
static const char MONTHS[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

/* Date.prototype.toString in UTC: "Thu Jan 22 2026 18:21:53 GMT+0000 (Coordinated Universal
 * Time)" (civil_from_days, Howard Hinnant). */
void asr_tplx_put_js_date(asr_tplx_text_t *w, int64_t ms) {
  int64_t days = ms / 86400000 - (ms % 86400000 < 0), msday = ms - days * 86400000;
  int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  int64_t day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
  int64_t year = yoe + era * 400 + (month <= 2), wd = ((days + 4) % 7 + 7) % 7;
  asr_tplx_text_put(w, WEEKDAYS + 3 * wd, 3);
  asr_tplx_text_ch(w, ' ');
  asr_tplx_text_put(w, MONTHS + 3 * (month - 1), 3);
  asr_tplx_text_ch(w, ' ');
  asr_tplx_text_uint(w, (uint64_t)day, 2);
  asr_tplx_text_ch(w, ' ');
  if (year < 0) asr_tplx_text_ch(w, '-');
  asr_tplx_text_uint(w, (uint64_t)(year < 0 ? -year : year), 4);
  asr_tplx_text_ch(w, ' ');
  asr_tplx_text_uint(w, (uint64_t)(msday / 3600000), 2);
  asr_tplx_text_ch(w, ':');
  asr_tplx_text_uint(w, (uint64_t)(msday / 60000 % 60), 2);
  asr_tplx_text_ch(w, ':');
  asr_tplx_text_uint(w, (uint64_t)(msday / 1000 % 60), 2);
  asr_tplx_text_puts(w, " GMT+0000 (Coordinated Universal Time)");
}

/* String(v) in JavaScript, for the values mgeneratejs's chance calls and BSON types give.
 * Inside an array (depth > 0) null and undefined are empty, as Array.prototype.join has it. */
void asr_tplx_put_js_string(asr_tplx_text_t *w, const bson_value_t *v, int depth) {
  char buf[BSON_DECIMAL128_STRING > 25 ? BSON_DECIMAL128_STRING : 25];
  switch (v->value_type) {
  case BSON_TYPE_UTF8: asr_tplx_text_put(w, v->value.v_utf8.str, v->value.v_utf8.len); break;
  case BSON_TYPE_INT32: asr_tplx_text_int(w, v->value.v_int32); break;
  case BSON_TYPE_INT64: asr_tplx_text_int(w, v->value.v_int64); break;
  case BSON_TYPE_DOUBLE: asr_tplx_put_js_double(w, v->value.v_double); break;
  case BSON_TYPE_BOOL: asr_tplx_text_puts(w, v->value.v_bool ? "true" : "false"); break;
  case BSON_TYPE_NULL: asr_tplx_text_puts(w, depth ? "" : "null"); break;
  case BSON_TYPE_UNDEFINED: asr_tplx_text_puts(w, depth ? "" : "undefined"); break;
  case BSON_TYPE_DATE_TIME: asr_tplx_put_js_date(w, v->value.v_datetime); break;
  case BSON_TYPE_DECIMAL128:
    bson_decimal128_to_string(&v->value.v_decimal128, buf);
    asr_tplx_text_puts(w, buf);
    break;
  case BSON_TYPE_OID:
    bson_oid_to_string(&v->value.v_oid, buf);
    asr_tplx_text_puts(w, buf);
    break;
  case BSON_TYPE_TIMESTAMP: /* a Long in the bson package */
    asr_tplx_text_uint(w, (uint64_t)v->value.v_timestamp.timestamp << 32 | v->value.v_timestamp.increment, 1);
    break;
  case BSON_TYPE_REGEX:
    asr_tplx_text_ch(w, '/');
    asr_tplx_text_puts(w, v->value.v_regex.regex);
    asr_tplx_text_ch(w, '/');
    asr_tplx_text_puts(w, v->value.v_regex.options);
    break;
  case BSON_TYPE_ARRAY: {
    bson_t arr;
    bson_iter_t it;
    if (depth >= JS_DEPTH_MAX) {
      w->over = true;
      break;
    }
    if (!bson_init_static(&arr, v->value.v_doc.data, v->value.v_doc.data_len) || !bson_iter_init(&it, &arr))
      break;
    for (bool first = true; bson_iter_next(&it); first = false) {
      if (!first) asr_tplx_text_ch(w, ',');
      asr_tplx_put_js_string(w, bson_iter_value(&it), depth + 1);
    }
    break;
  }
  default: asr_tplx_text_puts(w, "[object Object]"); break;
  }
}

/* ---- $join {array, sep=""} ---------------------------------------------------------------
 * mgeneratejs: the items as strings joined by sep; $missing items are left out; an operator
 * that makes no array gives $missing (the key disappears). */

int asr_tplx_compile_join(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int rc = compile_array_opt(c, opts, n);
  return rc ? rc : asr_tpl_opt_str(c, opts, "sep", "", &n->p[0]);
}

/* Items from an operator: already generated, so nothing else touches g->scratch meanwhile. */
static int join_generated(const asr_tpl_node_t *n, asr_tpl_gen_t *g, asr_tplx_text_t *w,
                          const char *sep, uint32_t seplen, bool *is_array) {
  bson_t tmp;
  bson_iter_t it, item;
  bool found;
  int rc = asr_tpl_eval_value(g, n->aux, &tmp, &it, &found);
  *is_array = rc == 0 && found && BSON_ITER_HOLDS_ARRAY(&it) && bson_iter_recurse(&it, &item);
  for (bool first = true; *is_array && bson_iter_next(&item); first = false) {
    if (!first) asr_tplx_text_put(w, sep, seplen);
    asr_tplx_put_js_string(w, bson_iter_value(&item), 1); /* array items */
  }
  bson_destroy(&tmp);
  return rc;
}

/* The text is built on the stack, not in g->scratch: generating an item (a $word, ...) writes
 * g->scratch. */
int asr_tplx_gen_join(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  char out[ASR_TPL_STRING_MAX];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, out, sizeof out);
  bson_t septmp;
  const char *sep;
  uint32_t seplen;
  bool is_array = true;
  int rc = asr_tpl_eval_str(g, &n->p[0], &septmp, &sep, &seplen);
  if (rc == 0 && n->aux) rc = join_generated(n, g, &w, sep, seplen, &is_array);
  for (uint32_t i = 0, joined = 0; rc == 0 && !n->aux && i < n->nkids; i++) {
    const asr_tpl_node_t *kid = n->kids[i];
    bson_t tmp;
    bson_iter_t it;
    bool found = true;
    const bson_value_t *v = &kid->lit;
    if (!kid->literal) {
      rc = asr_tpl_eval_value(g, kid, &tmp, &it, &found);
      v = found ? bson_iter_value(&it) : NULL;
    }
    if (rc == 0 && found) {
      if (joined++) asr_tplx_text_put(&w, sep, seplen);
      asr_tplx_put_js_string(&w, v, 1); /* array items */
    }
    if (!kid->literal) bson_destroy(&tmp);
  }
  bson_destroy(&septmp);
  if (rc || !is_array) return rc;
  return asr_tplx_text_append(&w, dst, key, keylen);
}

/* ---- $pickset {array, quantity=1} --------------------------------------------------------
 * quantity distinct items (by position) in random order, as chance.pickset; a quantity that
 * the array cannot give is $missing per document, and a compile error when both are known. */

int asr_tplx_compile_pickset(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int rc = compile_array_opt(c, opts, n);
  if (rc == 0 && !n->aux && n->nkids > PICKSET_MAX)
    rc = asr_tpl_fail(c, "option array has %u items, at most %d are supported", n->nkids, PICKSET_MAX);
  if (rc == 0) rc = asr_tplx_opt_int_in(c, opts, "quantity", 1, 0, PICKSET_MAX, &n->p[0]);
  if (rc == 0 && !n->aux && !n->p[0].node && n->p[0].i > n->nkids)
    rc = asr_tpl_fail(c, "option quantity (%lld) is larger than the array (%u items)",
                      (long long)n->p[0].i, n->nkids);
  return rc;
}

/* Partial Fisher-Yates: the first q entries of perm become a random q-subset of 0..count-1. */
static void pick_indexes(asr_tpl_gen_t *g, uint32_t *perm, uint32_t count, uint32_t q) {
  for (uint32_t i = 0; i < count; i++) perm[i] = i;
  for (uint32_t i = 0; i < q; i++) {
    uint32_t j = i + (uint32_t)asr_rng_below(&g->rng, count - i), t = perm[i];
    perm[i] = perm[j], perm[j] = t;
  }
}

typedef struct item_at {
  uint32_t off, keylen;
} item_at_t;

/* Picks from an operator's array: item positions go to g->scratch (no generation follows). */
static int pickset_generated(const asr_tpl_node_t *n, asr_tpl_gen_t *g, int64_t q, bson_t *dst,
                             const char *key, int keylen) {
  bson_t tmp, child;
  bson_iter_t it, item;
  bool found;
  item_at_t *at = (item_at_t *)(void *)g->scratch;
  _Static_assert(sizeof g->scratch >= PICKSET_MAX * sizeof(item_at_t), "scratch holds the items");
  int rc = asr_tpl_eval_value(g, n->aux, &tmp, &it, &found);
  uint32_t count = 0, perm[PICKSET_MAX];
  const uint8_t *data = NULL;
  uint32_t len = 0;
  if (rc == 0 && found && BSON_ITER_HOLDS_ARRAY(&it) && bson_iter_recurse(&it, &item)) {
    bson_iter_array(&it, &len, &data);
    while (bson_iter_next(&item) && count <= PICKSET_MAX) {
      if (count < PICKSET_MAX) at[count] = (item_at_t){bson_iter_offset(&item), bson_iter_key_len(&item)};
      count++;
    }
    if (count > PICKSET_MAX) rc = ASR_EINVAL;
  } else {
    data = NULL; /* not an array: $missing */
  }
  if (rc == 0 && data && q <= count) {
    pick_indexes(g, perm, count, (uint32_t)q);
    rc = asr_tpl_ok(bson_append_array_begin(dst, key, keylen, &child));
    for (uint32_t i = 0; rc == 0 && i < q; i++) {
      char buf[16];
      const char *k;
      size_t klen = bson_uint32_to_string(i, &k, buf, sizeof buf);
      bson_iter_t pick;
      const item_at_t *a = &at[perm[i]];
      rc = bson_iter_init_from_data_at_offset(&pick, data, len, a->off, a->keylen)
               ? asr_tpl_ok(bson_append_iter(&child, k, (int)klen, &pick))
               : ASR_EINVAL;
    }
    if (rc == 0) rc = asr_tpl_ok(bson_append_array_end(dst, &child));
  }
  bson_destroy(&tmp);
  return rc;
}

int asr_tplx_gen_pickset(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                         int keylen) {
  int64_t q;
  int rc = asr_tpl_eval_int(g, &n->p[0], &q);
  if (rc || q < 0) return rc;
  if (n->aux) return pickset_generated(n, g, q, dst, key, keylen);
  if (q > n->nkids) return 0;
  uint32_t perm[PICKSET_MAX], idx = 0;
  pick_indexes(g, perm, n->nkids, (uint32_t)q);
  bson_t child;
  if (!bson_append_array_begin(dst, key, keylen, &child)) return ASR_EINVAL;
  for (int64_t i = 0; i < q && rc == 0; i++) {
    char buf[16];
    const char *k;
    size_t klen = bson_uint32_to_string(idx, &k, buf, sizeof buf);
    uint32_t before = child.len;
    const asr_tpl_node_t *kid = n->kids[perm[i]];
    rc = kid->gen(kid, g, &child, k, (int)klen);
    idx += child.len != before; /* a $missing item leaves no hole */
  }
  if (!bson_append_array_end(dst, &child) && rc == 0) rc = ASR_EINVAL;
  return rc;
}

/* ---- $binary {length=10, subtype=0} ------------------------------------------------------
 * The bytes are characters of chance.js's default pool, as mgeneratejs makes them. */

static const char BINARY_POOL[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#$%^&*()[]";

/* A subtype given as a string ("00", "4", "0x80"), as mgeneratejs passes it to the bson
 * package. Returns -1 when it is not a number 0..255. */
static int parse_subtype(const char *s) {
  char *end;
  bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  if (!*s || (!hex && (*s < '0' || *s > '9'))) return -1;
  long v = strtol(hex ? s + 2 : s, &end, hex ? 16 : 10);
  return *end || end == (hex ? s + 2 : s) || v < 0 || v > 255 ? -1 : (int)v;
}

int asr_tplx_compile_binary(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int rc = asr_tplx_opt_int_in(c, opts, "length", 10, 0, ASR_TPL_STRING_MAX, &n->p[0]);
  const cJSON *v = opts ? cJSON_GetObjectItemCaseSensitive(opts, "subtype") : NULL;
  if (rc || !v || !cJSON_IsString(v) || v->valuestring[0] == '$')
    return rc ? rc : asr_tplx_opt_int_in(c, opts, "subtype", 0, 0, 255, &n->p[1]);
  int sub = parse_subtype(v->valuestring);
  if (sub < 0) return asr_tpl_fail(c, "option subtype must be a number 0..255, got \"%s\"", v->valuestring);
  n->p[1].present = n->p[1].isint = true;
  n->p[1].i = sub;
  return 0;
}

int asr_tplx_gen_binary(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                        int keylen) {
  int64_t len, sub;
  int rc = asr_tplx_eval_int_in(g, &n->p[0], 0, ASR_TPL_STRING_MAX, &len);
  if (rc == 0) rc = asr_tplx_eval_int_in(g, &n->p[1], 0, 255, &sub);
  if (rc) return rc;
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  uint8_t *out = (uint8_t *)g->scratch;
  for (int64_t i = 0; i < len; i++) out[i] = (uint8_t)BINARY_POOL[asr_tplx_below(&d, sizeof BINARY_POOL - 1)];
  return asr_tpl_ok(bson_append_binary(dst, key, keylen, (bson_subtype_t)sub, out, (uint32_t)len));
}

/* ---- $maxkey, $minkey --------------------------------------------------------------------- */

int asr_tplx_gen_maxkey(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                        int keylen) {
  return asr_tpl_ok(bson_append_maxkey(dst, key, keylen));
}

int asr_tplx_gen_minkey(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                        int keylen) {
  return asr_tpl_ok(bson_append_minkey(dst, key, keylen));
}

/* ---- $numberDecimal / $decimal {min=0, max=1000, fixed=2} --------------------------------
 * chance.floating's number (a multiple of 10^-fixed within [min, max]) as Decimal128, with
 * String()'s digits: no trailing zeros ("649.85", "12.5", "7"). */

#define DEC_FIXED_MAX 15
static const double POW10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
                               1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

/* The multiples of 1/f within [min, max] (rounding corrected): [*lo, *hi]. */
static void dec_steps(double min, double max, double f, int64_t *lo, int64_t *hi) {
  *lo = llround(min * f);
  if ((double)*lo / f < min) ++*lo;
  *hi = llround(max * f);
  if ((double)*hi / f > max) --*hi;
}

typedef struct dec_steps {
  int64_t lo, hi;
} dec_steps_t;

static double num_of(const asr_tpl_param_t *p) { return p->isint ? (double)p->i : p->d; }

int asr_tplx_compile_decimal(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int rc = asr_tplx_opt_int_in(c, opts, "fixed", 2, 0, DEC_FIXED_MAX, &n->p[2]);
  if (rc == 0) rc = asr_tpl_opt_num(c, opts, "min", 0, &n->p[0]);
  if (rc == 0) rc = asr_tpl_opt_num(c, opts, "max", 1000, &n->p[1]);
  if (rc || n->p[0].node || n->p[1].node || n->p[2].node) return rc;
  double f = POW10[n->p[2].i], lim = MAX_SAFE_INT / f;
  for (int i = 0; i < 2; i++) /* as chance.js: min*10^fixed must be an exact integer */
    if (!(fabs(num_of(&n->p[i])) <= lim))
      return asr_tpl_fail(c, "option %s must be within +-%.17g with fixed=%lld, got %.17g",
                          i ? "max" : "min", lim, (long long)n->p[2].i, num_of(&n->p[i]));
  if (num_of(&n->p[0]) > num_of(&n->p[1]))
    return asr_tpl_fail(c, "min (%.17g) is greater than max (%.17g)", num_of(&n->p[0]), num_of(&n->p[1]));
  dec_steps_t *k = asr_tpl_alloc(c, sizeof *k);
  if (!k) return ASR_ENOMEM;
  dec_steps(num_of(&n->p[0]), num_of(&n->p[1]), f, &k->lo, &k->hi);
  if (k->lo > k->hi)
    return asr_tpl_fail(c, "no number with %lld decimals lies between min and max", (long long)n->p[2].i);
  n->aux = k;
  return 0;
}

/* v * 10^-fixed as Decimal128, trailing zeros dropped. |v| < 2^63: the coefficient is the
 * low word, the biased exponent sits above the 49 high coefficient bits (all zero). */
static bson_decimal128_t make_decimal(int64_t v, int64_t fixed) {
  uint64_t coef = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  int64_t exp = -fixed;
  while (coef && coef % 10 == 0 && exp < 0) coef /= 10, exp++;
  if (!coef) exp = 0;
  bson_decimal128_t d;
  d.low = coef;
  d.high = (v < 0 && coef ? 1ull << 63 : 0) | (uint64_t)(exp + 6176) << 49;
  return d;
}

int asr_tplx_gen_decimal(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                         int keylen) {
  const dec_steps_t *k = n->aux;
  int64_t fixed, v;
  bson_decimal128_t d;
  if (k) {
    d = make_decimal(asr_rng_range(&g->rng, k->lo, k->hi), n->p[2].i);
    return asr_tpl_ok(bson_append_decimal128(dst, key, keylen, &d));
  }
  asr_tpl_num_t min, max;
  int rc = asr_tplx_eval_int_in(g, &n->p[2], 0, DEC_FIXED_MAX, &fixed);
  if (rc == 0) rc = asr_tpl_eval_num(g, &n->p[0], &min);
  if (rc == 0) rc = asr_tpl_eval_num(g, &n->p[1], &max);
  if (rc) return rc;
  double f = POW10[fixed], lim = MAX_SAFE_INT / f, a = min.isint ? (double)min.i : min.d,
         b = max.isint ? (double)max.i : max.d;
  if (!(fabs(a) <= lim && fabs(b) <= lim)) return ASR_EINVAL;
  int64_t lo, hi;
  dec_steps(fmin(a, b), fmax(a, b), f, &lo, &hi);
  if (lo > hi) return ASR_EINVAL;
  v = asr_rng_range(&g->rng, lo, hi);
  d = make_decimal(v, fixed);
  return asr_tpl_ok(bson_append_decimal128(dst, key, keylen, &d));
}

/* ---- $regex {string=".*", flags=""} ------------------------------------------------------
 * JavaScript flags: i, m, s, u carry over to BSON; g, y, d mean nothing stored and are
 * dropped; x and l (BSON only) are accepted too. Each at most once, as RegExp demands. */

/* BSON options (sorted, as BSON wants them) from JavaScript flags; -1 when invalid. */
static int regex_options(const char *flags, uint32_t len, char out[8]) {
  static const char keep[] = "ilmsux", drop[] = "dgy";
  bool seen[128] = {false};
  for (uint32_t i = 0; i < len; i++) {
    unsigned char f = (unsigned char)flags[i];
    if (f >= 128 || seen[f] || (!strchr(keep, f) && !strchr(drop, f)) || !f) return -1;
    seen[f] = true;
  }
  int n = 0;
  for (const char *k = keep; *k; k++)
    if (seen[(unsigned char)*k]) out[n++] = *k;
  out[n] = '\0';
  return 0;
}

int asr_tplx_compile_regex(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  char bson_opts[8];
  int rc = asr_tpl_opt_str(c, opts, "string", ".*", &n->p[0]);
  if (rc == 0) rc = asr_tpl_opt_str(c, opts, "flags", "", &n->p[1]);
  if (rc == 0 && !n->p[1].node && regex_options(n->p[1].s, n->p[1].slen, bson_opts) < 0)
    rc = asr_tpl_fail(c, "option flags must be distinct letters among d, g, i, m, s, u, y "
                         "(and BSON's l, x), got \"%s\"", n->p[1].s);
  return rc;
}

int asr_tplx_gen_regex(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                       int keylen) {
  bson_t ptmp, ftmp;
  const char *pattern, *flags;
  uint32_t plen, flen;
  char bson_opts[8];
  int rc = asr_tpl_eval_str(g, &n->p[0], &ptmp, &pattern, &plen);
  if (rc) {
    bson_destroy(&ptmp); /* initialized even on failure: it may hold the wrong-typed value */
    return rc;
  }
  rc = asr_tpl_eval_str(g, &n->p[1], &ftmp, &flags, &flen);
  if (rc == 0 && regex_options(flags, flen, bson_opts) < 0) rc = ASR_EINVAL;
  if (rc == 0 && memchr(pattern, '\0', plen)) rc = ASR_EINVAL; /* BSON regexes are C strings */
  if (rc == 0) rc = asr_tpl_ok(bson_append_regex_w_len(dst, key, keylen, pattern, (int)plen, bson_opts));
  bson_destroy(&ftmp);
  bson_destroy(&ptmp);
  return rc;
}

/* ---- $timestamp {t, i}: each random in 0..2^31-1 when absent, as mgeneratejs ------------- */

#define TS_RANDOM_MAX 2147483647LL

int asr_tplx_compile_timestamp(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int rc = asr_tplx_opt_int_in(c, opts, "t", 0, 0, UINT32_MAX, &n->p[0]);
  return rc ? rc : asr_tplx_opt_int_in(c, opts, "i", 0, 0, UINT32_MAX, &n->p[1]);
}

int asr_tplx_gen_timestamp(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                           const char *key, int keylen) {
  int64_t v[2];
  for (int k = 0; k < 2; k++) {
    int rc = n->p[k].present ? asr_tplx_eval_int_in(g, &n->p[k], 0, UINT32_MAX, &v[k]) : 0;
    if (rc) return rc;
    if (!n->p[k].present) v[k] = asr_rng_range(&g->rng, 0, TS_RANDOM_MAX);
  }
  return asr_tpl_ok(bson_append_timestamp(dst, key, keylen, (uint32_t)v[0], (uint32_t)v[1]));
}

/* ---- $guid {version=5}, $uuid {version=4}, $hash {length=40, casing="lower"} -------------
 * chance.guid: 8-4-4-4-12 lowercase hex, the version digit in front of the third group and
 * one of 8, 9, a, b (the RFC 4122 variant) in front of the fourth. chance defaults to version
 * 5; $uuid (asrun's) to 4, which is what random UUIDs are. */

static const char HEX_LOWER[] = "0123456789abcdef", HEX_UPPER[] = "0123456789ABCDEF";

static int compile_guid_version(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n, int def) {
  return asr_tplx_opt_int_in(c, opts, "version", def, 1, 8, &n->p[0]);
}

int asr_tplx_compile_guid(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  return compile_guid_version(c, opts, n, 5);
}

int asr_tplx_compile_uuid(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  return compile_guid_version(c, opts, n, 4);
}

int asr_tplx_gen_guid(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  int64_t version;
  int rc = asr_tplx_eval_int_in(g, &n->p[0], 1, 8, &version);
  if (rc) return rc;
  uint64_t hi = asr_rng_next(&g->rng), lo = asr_rng_next(&g->rng);
  char s[36];
  for (int i = 0, nib = 0; i < 36; i++) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      s[i] = '-';
      continue;
    }
    uint64_t *src = nib < 16 ? &hi : &lo;
    unsigned x = (unsigned)(*src & 15);
    *src >>= 4, nib++;
    s[i] = i == 14 ? HEX_LOWER[version] : i == 19 ? HEX_LOWER[8 + (x & 3)] : HEX_LOWER[x];
  }
  return asr_tpl_ok(bson_append_utf8(dst, key, keylen, s, 36));
}

int asr_tplx_gen_uuid(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  return asr_tplx_gen_guid(n, g, dst, key, keylen);
}

static const char *const CASINGS[] = {"lower", "upper", NULL};

int asr_tplx_compile_hash(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int rc = asr_tplx_opt_int_in(c, opts, "length", 40, 0, ASR_TPL_STRING_MAX, &n->p[0]);
  return rc ? rc : asr_tplx_opt_enum(c, opts, "casing", CASINGS, 0, &n->p[1]);
}

int asr_tplx_gen_hash(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  int64_t len, casing;
  int rc = asr_tplx_eval_int_in(g, &n->p[0], 0, ASR_TPL_STRING_MAX, &len);
  if (rc == 0) rc = asr_tplx_eval_enum(g, &n->p[1], CASINGS, &casing);
  if (rc) return rc;
  const char *hex = casing ? HEX_UPPER : HEX_LOWER;
  uint64_t bits = 0;
  for (int64_t i = 0; i < len; i++) { /* 16 digits per draw */
    if (i % 16 == 0) bits = asr_rng_next(&g->rng);
    g->scratch[i] = hex[bits & 15];
    bits >>= 4;
  }
  return asr_tpl_ok(bson_append_utf8(dst, key, keylen, g->scratch, (int)len));
}

/* ---- $color {format, grayscale, casing, min=0, max=255, min_red .. max_blue, min_alpha=0,
 * max_alpha=1} --------------------------------------------------------------------------------
 * chance.color: "#e47f0a" (hex), "#e47" (shorthex), "rgb(228,71,10)", "rgba(228,71,10,0.5)",
 * "0xe47f0a", or a CSS color name; the format is random per value when not given. min/max
 * bound each channel, min_red/max_red (green, blue) one channel (constants); grayscale makes
 * the channels equal, within min/max; min_alpha/max_alpha bound rgba's alpha (4 decimals);
 * casing "upper" upper-cases it all. */

static const char *const COLOR_FORMATS[] = {"hex", "shorthex", "rgb", "rgba", "0x", "name", NULL};
enum { C_HEX, C_SHORTHEX, C_RGB, C_RGBA, C_0X, C_NAME };
#define GRAYSCALE 1u
#define ALPHA_STEPS 10000 /* chance.floating's 4 decimals */

/* The per-channel and alpha options, when any is given (n->aux; else NULL). */
typedef struct color_bounds {
  bool has_lo[3], has_hi[3];
  int64_t lo[3], hi[3];
  int64_t alpha_lo, alpha_hi; /* in steps of 1/ALPHA_STEPS */
} color_bounds_t;

static int compile_color_bounds(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  static const char *const names[3][2] = {{"min_red", "max_red"}, {"min_green", "max_green"}, {"min_blue", "max_blue"}};
  color_bounds_t *b = asr_tpl_alloc(c, sizeof *b);
  if (!b) return ASR_ENOMEM;
  bool any = false;
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 2; k++) {
      bool has = opts && cJSON_GetObjectItemCaseSensitive(opts, names[i][k]);
      int rc = asr_tpl_opt_const_int(c, opts, names[i][k], 0, 255, k ? 255 : 0, k ? &b->hi[i] : &b->lo[i]);
      if (rc) return rc;
      *(k ? &b->has_hi[i] : &b->has_lo[i]) = has;
      any |= has;
    }
  asr_tpl_param_t alo = {0}, ahi = {0};
  int rc = asr_tpl_opt_num(c, opts, "min_alpha", 0, &alo);
  if (rc == 0) rc = asr_tpl_opt_num(c, opts, "max_alpha", 1, &ahi);
  if (rc == 0 && (alo.node || ahi.node)) rc = asr_tpl_fail(c, "options min_alpha and max_alpha must be constant numbers");
  if (rc == 0 && !(alo.d >= 0 && alo.d <= ahi.d && ahi.d <= 1))
    rc = asr_tpl_fail(c, "min_alpha (%g) and max_alpha (%g) must be ordered within [0, 1]", alo.d, ahi.d);
  if (rc) return rc;
  b->alpha_lo = (int64_t)ceil(alo.d * ALPHA_STEPS - 1e-9), b->alpha_hi = (int64_t)floor(ahi.d * ALPHA_STEPS + 1e-9);
  if (any || alo.present || ahi.present) n->aux = b;
  for (int i = 0; i < 3 && rc == 0; i++)
    if (b->has_lo[i] && b->has_hi[i] && b->lo[i] > b->hi[i])
      rc = asr_tpl_fail(c, "%s (%lld) is greater than %s (%lld)", names[i][0], (long long)b->lo[i], names[i][1], (long long)b->hi[i]);
  return rc;
}

int asr_tplx_compile_color(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  bool gray = false;
  int rc = asr_tplx_opt_enum(c, opts, "format", COLOR_FORMATS, 0, &n->p[0]);
  if (rc == 0) rc = asr_tplx_opt_enum(c, opts, "casing", CASINGS, 0, &n->p[1]);
  if (rc == 0) rc = asr_tplx_opt_int_in(c, opts, "min", 0, 0, 255, &n->p[2]);
  if (rc == 0) rc = asr_tplx_opt_int_in(c, opts, "max", 255, 0, 255, &n->p[3]);
  if (rc == 0 && !n->p[2].node && !n->p[3].node && n->p[2].i > n->p[3].i)
    rc = asr_tpl_fail(c, "min (%lld) is greater than max (%lld)", (long long)n->p[2].i, (long long)n->p[3].i);
  if (rc == 0) rc = asr_tplx_opt_flag(c, opts, "grayscale", false, &gray);
  if (rc == 0) rc = compile_color_bounds(c, opts, n);
  n->flags = gray ? GRAYSCALE : 0;
  return rc;
}

/* Three channels, channel i in [lo[i], hi[i]] (all equal to the first when grayscale), two hex
 * digits each or one (short). */
static void put_hex_channels(asr_tplx_text_t *w, asr_tplx_draw_t *d, const int64_t lo[3],
                             const int64_t hi[3], bool gray, bool shorthex) {
  uint32_t v = 0;
  for (int i = 0; i < 3; i++) {
    int64_t a = shorthex ? lo[i] / 16 : lo[i], b = shorthex ? hi[i] / 16 : hi[i];
    if (i == 0 || !gray) v = (uint32_t)a + asr_tplx_below(d, (uint32_t)(b - a + 1));
    if (!shorthex) asr_tplx_text_ch(w, HEX_LOWER[v >> 4]);
    asr_tplx_text_ch(w, HEX_LOWER[v & 15]);
  }
}

static void put_rgb(asr_tplx_text_t *w, asr_tplx_draw_t *d, const int64_t lo[3], const int64_t hi[3],
                    bool gray, const int64_t *alpha) {
  asr_tplx_text_puts(w, alpha ? "rgba(" : "rgb(");
  uint32_t v = 0;
  for (int i = 0; i < 3; i++) {
    if (i == 0 || !gray) v = (uint32_t)lo[i] + asr_tplx_below(d, (uint32_t)(hi[i] - lo[i] + 1));
    if (i) asr_tplx_text_ch(w, ',');
    asr_tplx_text_uint(w, v, 1);
  }
  if (alpha) { /* chance.floating({min, max}): 4 decimals, written as a JS number */
    uint32_t a = (uint32_t)alpha[0] + asr_tplx_below(d, (uint32_t)(alpha[1] - alpha[0] + 1));
    asr_tplx_text_ch(w, ',');
    if (a == ALPHA_STEPS || a == 0) {
      asr_tplx_text_ch(w, a ? '1' : '0');
    } else {
      int digits = 4;
      while (a % 10 == 0) a /= 10, digits--;
      asr_tplx_text_puts(w, "0.");
      asr_tplx_text_uint(w, a, digits);
    }
  }
  asr_tplx_text_ch(w, ')');
}

int asr_tplx_gen_color(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                       int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  int64_t format, casing, lo, hi;
  int rc = 0;
  if (n->p[0].present) rc = asr_tplx_eval_enum(g, &n->p[0], COLOR_FORMATS, &format);
  else format = asr_tplx_below(&d, C_NAME + 1);
  if (rc == 0) rc = asr_tplx_eval_enum(g, &n->p[1], CASINGS, &casing);
  if (rc == 0) rc = asr_tplx_eval_int_in(g, &n->p[2], 0, 255, &lo);
  if (rc == 0) rc = asr_tplx_eval_int_in(g, &n->p[3], 0, 255, &hi);
  if (rc) return rc;
  if (lo > hi) {
    int64_t t = lo;
    lo = hi, hi = t;
  }
  if (format == C_NAME) { /* chance returns names as they are, whatever the casing */
    const char *name = asr_words_color.items[asr_tplx_below(&d, asr_words_color.n)];
    return asr_tpl_ok(bson_append_utf8(dst, key, keylen, name, -1));
  }
  char buf[32];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  bool gray = n->flags & GRAYSCALE;
  /* chance's grayscale shorthex spans all 16 digits whatever min and max */
  if (gray && format == C_SHORTHEX) lo = 0, hi = 255;
  int64_t los[3] = {lo, lo, lo}, his[3] = {hi, hi, hi}, alpha[2] = {0, ALPHA_STEPS};
  const color_bounds_t *b = n->aux;
  for (int i = 0; b && !gray && i < 3; i++) {
    if (b->has_lo[i]) los[i] = b->lo[i];
    if (b->has_hi[i]) his[i] = b->hi[i];
    if (los[i] > his[i])
      return asr_tpl_gen_fail(g, n, ASR_EINVAL, "channel %d: min %lld is greater than max %lld", i,
                              (long long)los[i], (long long)his[i]);
  }
  if (b) alpha[0] = b->alpha_lo, alpha[1] = b->alpha_hi;
  if (format == C_RGB || format == C_RGBA) {
    put_rgb(&w, &d, los, his, gray, format == C_RGBA ? alpha : NULL);
  } else {
    asr_tplx_text_puts(&w, format == C_0X ? "0x" : "#");
    put_hex_channels(&w, &d, los, his, gray, format == C_SHORTHEX);
  }
  for (uint32_t i = 0; casing && i < w.len; i++)
    if (buf[i] >= 'a' && buf[i] <= 'z') buf[i] = (char)(buf[i] - 'a' + 'A');
  return asr_tplx_text_append(&w, dst, key, keylen);
}
