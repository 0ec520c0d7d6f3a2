/* The operator table: one row per operator name (aliases are rows sharing functions), each
 * with the options it accepts, a compile function that reads and checks the options into the
 * node (node.h: n->p[], n->kids, n->aux, n->flags) and a gen function that appends one value
 * per document. Adding an operator is one row and two short functions.
 * Names, options and defaults follow mgeneratejs 0.6 (and chance.js behind it); this file's
 * operators also take asrun's unique / distribution options where docs/templates.md says so
 * (read by the compiler into c->x), and add $inc's partitionSize, $partition and $field.
 * Values go out through the asr_tpl_put_* fast appends (node.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template/node.h"
#include "template/ops_ext.h"
#include "util/names.h"

#define MAX_SAFE_INT 9007199254740991LL /* 2^53 - 1: chance.js's integer range */

/* Number forms of the number-valued operators (node.h asr_tpl_num_fn), set by their compile. */
static int num_inc(const asr_tpl_node_t *n, asr_tpl_gen_t *g, asr_tpl_num_t *out);
static int num_partition(const asr_tpl_node_t *n, asr_tpl_gen_t *g, asr_tpl_num_t *out);
static int num_floating(const asr_tpl_node_t *n, asr_tpl_gen_t *g, asr_tpl_num_t *out);
static void choose_num(asr_tpl_node_t *n);

/* min <= max when both are constants (operator-valued bounds are swapped when needed). */
static int check_order(asr_tpl_cc_t *c, const asr_tpl_param_t *min, const asr_tpl_param_t *max) {
  if (min->node || max->node) return 0;
  if (min->isint && max->isint ? min->i <= max->i : min->d <= max->d) return 0;
  return asr_tpl_fail(c, "min (%.17g) is greater than max (%.17g)", min->d, max->d);
}

static int compile_none(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) { return 0; }

/* ---- $missing: appends nothing, so the key disappears ------------------------------------ */

static int gen_missing(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                       int keylen) {
  return 0;
}

/* ---- $inc {start=0, step=1, partitionSize}: start + i*step ---------------------------------
 * i is the document index, or with partitionSize K its position in its partition (index mod
 * K), so the sequence restarts every K documents. */

static int compile_inc(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int rc = asr_tpl_opt_num(c, opts, "start", 0, &n->p[0]);
  if (rc == 0) rc = asr_tpl_opt_num(c, opts, "step", 1, &n->p[1]);
  if (rc == 0) rc = asr_tpl_opt_const_int(c, opts, "partitionSize", 1, INT64_MAX, 0, &n->p[2].i);
  n->num = num_inc;
  return rc;
}

static int num_inc(const asr_tpl_node_t *n, asr_tpl_gen_t *g, asr_tpl_num_t *out) {
  asr_tpl_num_t start, step;
  int rc = asr_tpl_eval_num(g, &n->p[0], &start);
  if (rc == 0) rc = asr_tpl_eval_num(g, &n->p[1], &step);
  if (rc) return rc;
  uint64_t i = n->p[2].i ? g->index % (uint64_t)n->p[2].i : g->index;
  out->isint = start.isint && step.isint;
  if (out->isint) /* unsigned: wraps instead of overflowing */
    out->i = (int64_t)((uint64_t)start.i + i * (uint64_t)step.i), out->d = (double)out->i;
  else
    out->d = start.d + (double)i * step.d;
  return 0;
}

static int gen_inc(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                   int keylen) {
  asr_tpl_num_t v;
  int rc = num_inc(n, g, &v);
  if (rc) return rc;
  return v.isint ? asr_tpl_put_int(dst, key, keylen, v.i) : asr_tpl_put_double(dst, key, keylen, v.d);
}

/* ---- $partition {size, start=0}: start + index div size ----------------------------------- */

static int compile_partition(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  if (!opts || !cJSON_GetObjectItemCaseSensitive(opts, "size"))
    return asr_tpl_fail(c, "option size is required (documents per partition)");
  n->num = num_partition;
  int rc = asr_tpl_opt_const_int(c, opts, "size", 1, INT64_MAX, 1, &n->p[0].i);
  return rc ? rc : asr_tpl_opt_const_int(c, opts, "start", INT64_MIN, INT64_MAX, 0, &n->p[1].i);
}

static int num_partition(const asr_tpl_node_t *n, asr_tpl_gen_t *g, asr_tpl_num_t *out) {
  out->isint = true;
  out->i = (int64_t)((uint64_t)n->p[1].i + g->index / (uint64_t)n->p[0].i);
  out->d = (double)out->i;
  return 0;
}

static int gen_partition(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                         int keylen) {
  asr_tpl_num_t v;
  num_partition(n, g, &v);
  return asr_tpl_put_int(dst, key, keylen, v.i);
}

/* ---- $field {of, nullPercentage}: any value (the compiler applies nullPercentage) ---------- */

static int compile_field(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  asr_tpl_node_t *of;
  int rc = asr_tpl_opt_node(c, opts, "of", true, &of);
  n->aux = of;
  return rc;
}

static int gen_field(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                     int keylen) {
  return asr_tpl_gen_kid(n->aux, g, dst, key, keylen);
}

/* ---- $integer / $number, $numberInt, $numberLong {min, max} -------------------------------
 * With unique: min + a keyed permutation of the index over max-min+1 values. With a
 * distribution: its draw rounded and clamped to [min, max]. */

enum { INT_BY_RANGE = 0, INT_32 = 1, INT_64 = 2 };

static int gen_int(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                   int keylen);
static int gen_int_unique(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                          int keylen);
static int gen_int_dist(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                        int keylen);

static int num_int(const asr_tpl_node_t *n, asr_tpl_gen_t *g, asr_tpl_num_t *out);

/* Also gives the plain draw its number form. */
static int int_extensions(asr_tpl_cc_t *c, asr_tpl_node_t *n) {
  bool constant = !n->p[0].node && !n->p[1].node;
  if (!c->x.unique && !c->x.dist) n->num = num_int;
  if (c->x.unique) {
    if (!constant) return asr_tpl_fail(c, "option unique needs constant min and max");
    asr_tpl_perm_t *perm = asr_tpl_alloc(c, sizeof *perm);
    if (!perm) return ASR_ENOMEM;
    char what[96];
    snprintf(what, sizeof what, "min..max (%lld..%lld)", (long long)n->p[0].i, (long long)n->p[1].i);
    int rc = asr_tpl_perm_init(c, perm, (uint64_t)n->p[1].i - (uint64_t)n->p[0].i + 1, what);
    n->aux = perm;
    n->gen = gen_int_unique;
    return rc;
  }
  if (c->x.dist) {
    n->aux = (void *)c->x.dist;
    n->gen = gen_int_dist;
    return asr_tpl_dist_prepare(c, n->aux, (double)n->p[0].i, (double)n->p[1].i,
                                n->p[0].present && n->p[1].present, constant);
  }
  return 0;
}

static int compile_int_range(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n, int64_t lo,
                             int64_t hi, int64_t def_min, int64_t def_max) {
  int rc = asr_tpl_opt_int(c, opts, "min", def_min, &n->p[0]);
  if (rc == 0) rc = asr_tpl_opt_int(c, opts, "max", def_max, &n->p[1]);
  for (int i = 0; i < 2 && rc == 0; i++)
    if (!n->p[i].node && (n->p[i].i < lo || n->p[i].i > hi))
      rc = asr_tpl_fail(c, "option %s must be between %lld and %lld, got %lld", i ? "max" : "min",
                        (long long)lo, (long long)hi, (long long)n->p[i].i);
  return rc ? rc : check_order(c, &n->p[0], &n->p[1]);
}

/* mgeneratejs 0.6 ($integer, lib/operators/integer.js) defaults to a 32-bit range, not
 * chance.js's 2^53: the values are int32, as mgeneratejs prints them. */
static int compile_integer(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int rc = compile_int_range(c, opts, n, INT64_MIN, INT64_MAX, INT32_MIN, INT32_MAX);
  /* constant bounds fix the type for the whole run: int32 when the range fits */
  if (rc == 0 && !n->p[0].node && !n->p[1].node)
    n->flags = n->p[0].i >= INT32_MIN && n->p[1].i <= INT32_MAX ? INT_32 : INT_64;
  return rc ? rc : int_extensions(c, n);
}

static int compile_number_int(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  n->flags = INT_32;
  int rc = compile_int_range(c, opts, n, INT32_MIN, INT32_MAX, INT32_MIN, INT32_MAX);
  return rc ? rc : int_extensions(c, n);
}

static int compile_number_long(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  n->flags = INT_64;
  int rc = compile_int_range(c, opts, n, INT64_MIN, INT64_MAX, -(MAX_SAFE_INT + 1), MAX_SAFE_INT + 1);
  return rc ? rc : int_extensions(c, n);
}

/* The bounds for this document: constants directly, operator-valued ones evaluated, swapped
 * when reversed and kept in int32 for $numberInt. */
static int int_bounds(const asr_tpl_node_t *n, asr_tpl_gen_t *g, int64_t *min, int64_t *max) {
  if (!n->p[0].node && !n->p[1].node) {
    *min = n->p[0].i, *max = n->p[1].i; /* ordered at compile time */
    return 0;
  }
  int rc = asr_tpl_eval_int(g, &n->p[0], min);
  if (rc == 0) rc = asr_tpl_eval_int(g, &n->p[1], max);
  if (rc) return rc;
  if (*min > *max) {
    int64_t t = *min;
    *min = *max, *max = t;
  }
  if (n->flags == INT_32) { /* $numberInt with operator-valued bounds: stay in int32 */
    *min = *min < INT32_MIN ? INT32_MIN : *min > INT32_MAX ? INT32_MAX : *min;
    *max = *max < INT32_MIN ? INT32_MIN : *max > INT32_MAX ? INT32_MAX : *max;
  }
  return 0;
}

static int put_int_typed(const asr_tpl_node_t *n, bson_t *dst, const char *key, int keylen,
                         int64_t v, int64_t min, int64_t max) {
  bool int32 = n->flags == INT_32 || (n->flags == INT_BY_RANGE && min >= INT32_MIN && max <= INT32_MAX);
  if (int32) return asr_tpl_put_int32(dst, key, keylen, (int32_t)v);
  return asr_tpl_put_int64(dst, key, keylen, v);
}

static int gen_int(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                   int keylen) {
  int64_t min, max;
  int rc = int_bounds(n, g, &min, &max);
  if (rc) return rc;
  return put_int_typed(n, dst, key, keylen, asr_rng_range(&g->rng, min, max), min, max);
}

static int num_int(const asr_tpl_node_t *n, asr_tpl_gen_t *g, asr_tpl_num_t *out) {
  int64_t min, max;
  int rc = int_bounds(n, g, &min, &max);
  if (rc) return rc;
  out->isint = true;
  out->i = asr_rng_range(&g->rng, min, max);
  out->d = (double)out->i;
  return 0;
}

static int gen_int_unique(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                          int keylen) {
  uint64_t k;
  int rc = asr_tpl_perm_apply(n->aux, g, n, &k);
  if (rc) return rc;
  int64_t min = n->p[0].i, max = n->p[1].i;
  return put_int_typed(n, dst, key, keylen, (int64_t)((uint64_t)min + k), min, max);
}

static int gen_int_dist(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                        int keylen) {
  int64_t min, max;
  int rc = int_bounds(n, g, &min, &max);
  if (rc) return rc;
  int64_t v = asr_tpl_dist_int(n->aux, &g->rng, min, max, n->p[0].present && n->p[1].present);
  return put_int_typed(n, dst, key, keylen, v, min, max);
}

/* ---- $floating {min, max, fixed=4}: a double with at most `fixed` decimals ---------------- */

static const double pow10_table[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
                                     1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
#define FIXED_MAX 15

/* The multiples of 1/f inside [min, max]: [*lo, *hi] (empty when *lo > *hi). Rounds then
 * corrects so 1.1 with f=100 gives 110 (1.1*100 is 110.00000000000001 in doubles). */
static void fixed_steps(double min, double max, double f, int64_t *lo, int64_t *hi) {
  *lo = llround(min * f);
  if ((double)*lo / f < min) ++*lo;
  *hi = llround(max * f);
  if ((double)*hi / f > max) --*hi;
}

typedef struct fixed_steps {
  double f;
  int64_t lo, hi;
  const asr_tpl_dist_t *dist; /* "distribution", or NULL for uniform */
} fixed_steps_t;

enum { FLOAT_DOUBLE = 0, FLOAT_DECIMAL = 1 };

static int gen_floating_dist(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                             const char *key, int keylen);

static int compile_floating(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int rc = asr_tpl_opt_int(c, opts, "fixed", 4, &n->p[2]);
  if (rc == 0 && !n->p[2].node && (n->p[2].i < 0 || n->p[2].i > FIXED_MAX))
    rc = asr_tpl_fail(c, "option fixed must be between 0 and %d, got %lld", FIXED_MAX, (long long)n->p[2].i);
  double lim = rc || n->p[2].node ? 0 : MAX_SAFE_INT / pow10_table[n->p[2].i];
  if (rc == 0) rc = asr_tpl_opt_num(c, opts, "min", -lim, &n->p[0]);
  if (rc == 0) rc = asr_tpl_opt_num(c, opts, "max", lim, &n->p[1]);
  for (int i = 0; i < 2 && rc == 0 && lim > 0; i++) /* as chance.js: min*10^fixed must be exact */
    if (!n->p[i].node && fabs(n->p[i].d) > lim)
      rc = asr_tpl_fail(c, "option %s must be within +-%.17g with fixed=%lld, got %.17g",
                        i ? "max" : "min", lim, (long long)n->p[2].i, n->p[i].d);
  if (rc == 0) rc = check_order(c, &n->p[0], &n->p[1]);
  bool constant = lim > 0 && !n->p[0].node && !n->p[1].node;
  if (!c->x.dist) n->num = num_floating;
  if (rc == 0 && c->x.dist) {
    rc = asr_tpl_dist_prepare(c, (asr_tpl_dist_t *)c->x.dist, n->p[0].d, n->p[1].d,
                              n->p[0].present && n->p[1].present, constant);
    n->gen = gen_floating_dist;
  }
  if (rc == 0 && (constant || c->x.dist)) {
    /* constant bounds: the steps are computed once, not per document */
    fixed_steps_t *k = asr_tpl_alloc(c, sizeof *k);
    if (!k) return ASR_ENOMEM;
    k->dist = c->x.dist;
    if (constant) {
      k->f = pow10_table[n->p[2].i];
      fixed_steps(n->p[0].d, n->p[1].d, k->f, &k->lo, &k->hi);
      if (k->lo > k->hi)
        rc = asr_tpl_fail(c, "no number with %lld decimals lies between min and max", (long long)n->p[2].i);
    }
    n->aux = k;
  }
  return rc;
}

int asr_tpl_compile_decimal_dist(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  n->flags = FLOAT_DECIMAL;
  return compile_floating(c, opts, n);
}

/* The bounds for this document when they are not constant: fixed first (the defaults of min
 * and max depend on it), then min and max, ordered and limited to chance.js's range. */
static int float_bounds(const asr_tpl_node_t *n, asr_tpl_gen_t *g, double *f, double *a, double *b) {
  int64_t fixed;
  asr_tpl_num_t min, max;
  int rc = asr_tpl_eval_int(g, &n->p[2], &fixed);
  if (rc) return rc;
  fixed = fixed < 0 ? 0 : fixed > FIXED_MAX ? FIXED_MAX : fixed;
  double lim = MAX_SAFE_INT / pow10_table[fixed];
  *f = pow10_table[fixed];
  min.d = -lim, max.d = lim;
  if (n->p[0].present && (rc = asr_tpl_eval_num(g, &n->p[0], &min))) return rc;
  if (n->p[1].present && (rc = asr_tpl_eval_num(g, &n->p[1], &max))) return rc;
  *a = fmin(fmax(fmin(min.d, max.d), -lim), lim);
  *b = fmin(fmax(fmax(min.d, max.d), -lim), lim);
  return 0;
}

static int num_floating(const asr_tpl_node_t *n, asr_tpl_gen_t *g, asr_tpl_num_t *out) {
  const fixed_steps_t *k = n->aux;
  out->isint = false, out->i = 0;
  if (k) {
    out->d = (double)asr_rng_range(&g->rng, k->lo, k->hi) / k->f;
    return 0;
  }
  double f, a, b;
  int rc = float_bounds(n, g, &f, &a, &b);
  if (rc) return rc;
  int64_t lo, hi;
  fixed_steps(a, b, f, &lo, &hi);
  out->d = lo <= hi ? (double)asr_rng_range(&g->rng, lo, hi) / f : a;
  return 0;
}

static int gen_floating(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                        int keylen) {
  asr_tpl_num_t v;
  int rc = num_floating(n, g, &v);
  return rc ? rc : asr_tpl_put_double(dst, key, keylen, v.d);
}

/* steps/f as a Decimal128 with exactly `decimals` digits after the point. */
static int put_decimal(bson_t *dst, const char *key, int keylen, int64_t steps, int decimals) {
  uint64_t u = steps < 0 ? 0 - (uint64_t)steps : (uint64_t)steps;
  uint64_t p10 = (uint64_t)pow10_table[decimals];
  char text[48];
  if (decimals)
    snprintf(text, sizeof text, "%s%llu.%0*llu", steps < 0 ? "-" : "", (unsigned long long)(u / p10),
             decimals, (unsigned long long)(u % p10));
  else
    snprintf(text, sizeof text, "%s%llu", steps < 0 ? "-" : "", (unsigned long long)u);
  bson_decimal128_t d;
  if (!bson_decimal128_from_string(text, &d)) return ASR_EINVAL;
  return asr_tpl_ok(bson_append_decimal128(dst, key, keylen, &d));
}

/* A distribution's draw rounded to `fixed` decimals and clamped into [min, max]. */
static int gen_floating_dist(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                             const char *key, int keylen) {
  const fixed_steps_t *k = n->aux;
  double f, a, b;
  int64_t lo, hi;
  if (k->f > 0) {
    f = k->f, lo = k->lo, hi = k->hi, a = n->p[0].d, b = n->p[1].d;
  } else {
    int rc = float_bounds(n, g, &f, &a, &b);
    if (rc) return rc;
    fixed_steps(a, b, f, &lo, &hi);
    if (lo > hi) lo = hi = llround(a * f);
  }
  double x = asr_tpl_dist_sample(k->dist, &g->rng, a, b, n->p[0].present && n->p[1].present) * f;
  int64_t steps = !(x > (double)lo) ? lo : !(x < (double)hi) ? hi : llround(x);
  steps = steps < lo ? lo : steps > hi ? hi : steps;
  if (n->flags == FLOAT_DECIMAL) return put_decimal(dst, key, keylen, steps, (int)lround(log10(f)));
  return asr_tpl_put_double(dst, key, keylen, (double)steps / f);
}

/* ---- $bool {likelihood=50}: true with likelihood percent ---------------------------------- */

static int compile_bool(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int rc = asr_tpl_opt_num(c, opts, "likelihood", 50, &n->p[0]);
  if (rc == 0 && !n->p[0].node && !(n->p[0].d >= 0 && n->p[0].d <= 100))
    rc = asr_tpl_fail(c, "option likelihood must be between 0 and 100, got %.17g", n->p[0].d);
  return rc;
}

static int gen_bool(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                    int keylen) {
  asr_tpl_num_t like = {.d = n->p[0].d};
  int rc = n->p[0].node ? asr_tpl_eval_num(g, &n->p[0], &like) : 0;
  if (rc) return rc;
  return asr_tpl_put_bool(dst, key, keylen, asr_rng_unit(&g->rng) * 100 < like.d);
}

/* ---- $string {length=5..20, pool=alphanumeric}, $character {pool} ------------------------ */

static const char ALNUM[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/* A pool split into characters (UTF-8 sequences): character i is bytes [start[i], start[i+1]).
 * With unique, the first `digits` characters spell the permuted index in base nchars. */
typedef struct pool {
  const char *s;
  uint32_t nchars, maxw;
  const uint32_t *start; /* NULL when every character is one byte */
  const asr_tpl_perm_t *perm;
  uint32_t digits;
} pool_t;

static uint32_t utf8_width(unsigned char b) { return b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4; }

/* Counts characters; fills start when given (nchars+1 entries). The text is valid UTF-8. */
static void pool_scan(pool_t *p, const char *s, uint32_t len, uint32_t *start) {
  p->s = s, p->nchars = 0, p->maxw = 1;
  for (uint32_t i = 0; i < len; i += utf8_width((unsigned char)s[i])) {
    uint32_t w = utf8_width((unsigned char)s[i]);
    if (w > p->maxw) p->maxw = w;
    if (start) start[p->nchars] = i;
    p->nchars++;
  }
  if (start) start[p->nchars] = len;
}

/* chance.character's pool without a pool option: alpha letters (casing lower, upper or both),
 * numeric digits, symbols; none of the three: all of them. Only when one of those four options
 * is given (else ALNUM, as before). */
static int compile_char_classes(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_param_t *pool) {
  static const char *const casings[] = {"lower", "upper", "both", NULL};
  static const char *const names[] = {"alpha", "numeric", "symbols"};
  static const char *const parts[] = {NULL, "0123456789", "!@#$%^&*()[]"};
  bool on[3] = {false, false, false}, any = false;
  asr_tpl_param_t casing = {0};
  int rc = asr_tplx_opt_enum(c, opts, "casing", casings, 2, &casing);
  if (rc == 0 && casing.node) rc = asr_tpl_fail(c, "option casing must be a constant");
  for (int i = 0; i < 3 && rc == 0; i++) {
    rc = asr_tplx_opt_flag(c, opts, names[i], false, &on[i]);
    any |= on[i];
  }
  if (rc || (!casing.present && !any)) return rc;
  const char *letters = casing.i == 0 ? ALNUM : casing.i == 1 ? ALNUM + 26 : ALNUM;
  size_t nletters = casing.i == 2 ? 52 : 26;
  char *s = asr_tpl_alloc(c, 52 + 10 + 12 + 1), *end = s;
  if (!s) return ASR_ENOMEM;
  for (int i = 0; i < 3; i++) {
    if (any && !on[i]) continue;
    size_t len = i ? strlen(parts[i]) : nletters;
    memcpy(end, i ? parts[i] : letters, len);
    end += len;
  }
  pool->s = s, pool->slen = (uint32_t)(end - s);
  return 0;
}

static int compile_pool(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int rc = asr_tpl_opt_str(c, opts, "pool", ALNUM, &n->p[1]);
  if (rc == 0 && !n->p[1].present) rc = compile_char_classes(c, opts, &n->p[1]);
  if (rc || n->p[1].node) return rc;
  pool_t *pool = asr_tpl_alloc(c, sizeof *pool);
  if (!pool) return ASR_ENOMEM;
  pool_scan(pool, n->p[1].s, n->p[1].slen, NULL);
  if (pool->nchars == 0) return asr_tpl_fail(c, "option pool must not be empty");
  if (pool->maxw > 1) {
    uint32_t *start = asr_tpl_alloc(c, sizeof *start * (pool->nchars + 1));
    if (!start) return ASR_ENOMEM;
    pool_scan(pool, n->p[1].s, n->p[1].slen, start);
    pool->start = start;
  }
  n->aux = pool;
  return 0;
}

static uint32_t put_char(const pool_t *pool, uint32_t k, char *out);

/* The first character of a constant pool that comes again later (*at), or -1: one sort, not
 * a comparison of every pair (a pool can be long). */
static int pool_repeat(asr_tpl_cc_t *c, const pool_t *pool, long *at) {
  uint32_t n = pool->nchars;
  asr_name_t *names = malloc(sizeof *names * n);
  uint32_t *first = malloc(sizeof *first * n);
  int rc = names && first ? 0 : asr_tpl_nomem(c);
  *at = -1;
  for (uint32_t i = 0; i < n && rc == 0; i++) {
    uint32_t from = pool->start ? pool->start[i] : i, to = pool->start ? pool->start[i + 1] : i + 1;
    names[i] = (asr_name_t){pool->s + from, to - from, i};
  }
  if (rc == 0) asr_names_first(names, n, first);
  for (uint32_t i = 0; i < n && rc == 0; i++)
    if (first[i] != i && (*at < 0 || first[i] < (uint32_t)*at)) *at = first[i];
  free(names);
  free(first);
  return rc;
}

/* unique: the first `digits` characters (the fixed length, or 5, the shortest of the default
 * 5..20) encode a permutation of the index over nchars^digits values. */
static int string_unique(asr_tpl_cc_t *c, asr_tpl_node_t *n) {
  pool_t *pool = n->aux;
  if (!pool) return asr_tpl_fail(c, "option unique needs a constant pool");
  if (n->p[0].node) return asr_tpl_fail(c, "option unique needs a constant length");
  long at; /* a repeat would spell two numbers alike */
  int rc = pool_repeat(c, pool, &at);
  if (rc) return rc;
  if (at >= 0) {
    char x[4];
    uint32_t wx = put_char(pool, (uint32_t)at, x);
    return asr_tpl_fail(c, "option unique needs a pool without repeated characters (%.*s)", (int)wx, x);
  }
  if (!n->p[0].present && n->p[2].node) return asr_tpl_fail(c, "option unique needs a constant length or min");
  pool->digits = (uint32_t)(n->p[0].present ? n->p[0].i : n->p[2].i); /* the shortest length */
  uint64_t range = 1; /* nchars^digits, 0 once it reaches 2^64 */
  for (uint32_t i = 0; i < pool->digits && range; i++)
    range = range > UINT64_MAX / pool->nchars ? 0 : range * pool->nchars;
  asr_tpl_perm_t *perm = asr_tpl_alloc(c, sizeof *perm);
  if (!perm) return ASR_ENOMEM;
  char what[96];
  snprintf(what, sizeof what, "%u characters from a pool of %u", pool->digits, pool->nchars);
  pool->perm = perm;
  return asr_tpl_perm_init(c, perm, range, what);
}

static int compile_string(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int rc = compile_pool(c, opts, n);
  if (rc == 0) rc = asr_tpl_opt_int(c, opts, "length", 0, &n->p[0]);
  const pool_t *pool = n->aux;
  int64_t most = ASR_TPL_STRING_MAX / (pool ? pool->maxw : 4);
  if (rc == 0 && n->p[0].present && !n->p[0].node && (n->p[0].i < 0 || n->p[0].i > most))
    rc = asr_tpl_fail(c, "option length must be between 0 and %lld, got %lld", (long long)most,
                      (long long)n->p[0].i);
  /* min / max (chance: 5..20) bound a random length when length is absent */
  if (rc == 0) rc = asr_tplx_opt_int_in(c, opts, "min", 5, 0, most, &n->p[2]);
  if (rc == 0) rc = asr_tplx_opt_int_in(c, opts, "max", 20, 0, most, &n->p[3]);
  if (rc == 0 && !n->p[2].node && !n->p[3].node && n->p[2].i > n->p[3].i)
    rc = asr_tpl_fail(c, "min (%lld) cannot be greater than max (%lld)", (long long)n->p[2].i,
                      (long long)n->p[3].i);
  return rc == 0 && c->x.unique ? string_unique(c, n) : rc;
}

static int compile_character(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  n->p[0].present = true, n->p[0].isint = true, n->p[0].i = 1;
  return compile_pool(c, opts, n);
}

/* Writes character k of pool at out; returns its width in bytes. */
static uint32_t put_char(const pool_t *pool, uint32_t k, char *out) {
  uint32_t at, w;
  if (pool->maxw == 1) {
    *out = pool->s[k];
    return 1;
  }
  if (pool->start) {
    at = pool->start[k], w = pool->start[k + 1] - at;
  } else { /* operator-valued pool: walk to the k-th character */
    for (at = 0; k--; at += utf8_width((unsigned char)pool->s[at])) {}
    w = utf8_width((unsigned char)pool->s[at]);
  }
  memcpy(out, pool->s + at, w);
  return w;
}

/* Writes len random characters from pool at out; returns the byte count. */
static uint32_t fill_chars(asr_tpl_gen_t *g, const pool_t *pool, int64_t len, char *out) {
  if (pool->maxw == 1) {
    /* a local copy of the RNG: stores through out (a char *) could alias g->rng, which
     * would keep the state in memory for every character */
    asr_rng_t r = g->rng;
    const char *s = pool->s;
    uint32_t n = pool->nchars;
    int64_t i = 0;
    for (; i + 1 < len; i += 2) { /* two characters per 64-bit draw */
      uint64_t x = asr_rng_next(&r);
      out[i] = s[asr_rng_below32(&r, (uint32_t)x, n)];
      out[i + 1] = s[asr_rng_below32(&r, (uint32_t)(x >> 32), n)];
    }
    if (i < len) out[i] = s[asr_rng_below32(&r, (uint32_t)asr_rng_next(&r), n)];
    g->rng = r;
    return (uint32_t)len;
  }
  uint32_t used = 0;
  for (int64_t i = 0; i < len; i++)
    used += put_char(pool, (uint32_t)asr_rng_below(&g->rng, pool->nchars), out + used);
  return used;
}

/* The unique prefix: the permuted index in base nchars, lowest digit first. */
static int fill_unique(const asr_tpl_node_t *n, asr_tpl_gen_t *g, const pool_t *pool, char *out,
                       uint32_t *used) {
  uint64_t v;
  int rc = asr_tpl_perm_apply(pool->perm, g, n, &v);
  for (uint32_t i = 0; i < pool->digits && rc == 0; i++, v /= pool->nchars)
    *used += put_char(pool, (uint32_t)(v % pool->nchars), out + *used);
  return rc;
}

/* A length beyond what the stack scratch holds (ASR_TPL_STRING_MAX bytes) can only come from
 * an operator-valued option (constants are checked at compile time): it is cut to fit.
 * One-byte pools write straight into the document (the byte length is known up front). */
static int gen_string(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  int64_t len = n->p[0].i;
  int rc = n->p[0].node ? asr_tpl_eval_int(g, &n->p[0], &len) : 0;
  if (rc) return rc;
  if (!n->p[0].present) { /* $character has length 1 present; $string draws min..max */
    int64_t min, max;
    rc = asr_tpl_eval_int(g, &n->p[2], &min);
    if (rc == 0) rc = asr_tpl_eval_int(g, &n->p[3], &max);
    if (rc == 0 && min > max) rc = asr_tpl_gen_fail(g, n, ASR_EINVAL, "min (%lld) is greater than max (%lld)",
                                                    (long long)min, (long long)max);
    if (rc) return rc;
    len = asr_rng_range(&g->rng, min, max);
  }
  bson_t tmp; /* holds an operator-valued pool while we draw from it */
  pool_t dyn = {0};
  const pool_t *pool = n->aux;
  if (!pool) {
    const char *s;
    uint32_t slen;
    rc = asr_tpl_eval_str(g, &n->p[1], &tmp, &s, &slen);
    if (rc == 0) pool_scan(&dyn, s, slen, NULL);
    if (rc == 0 && dyn.nchars == 0) rc = asr_tpl_gen_fail(g, n->p[1].node, ASR_EINVAL, "yields an empty pool");
    pool = &dyn;
  }
  if (rc == 0) {
    int64_t most = pool->maxw == 1 ? ASR_TPL_STRING_MAX : ASR_TPL_STRING_MAX / pool->maxw;
    len = len < 0 ? 0 : len > most ? most : len;
    uint32_t used = 0;
    uint8_t *p = pool->maxw == 1 ? asr_tpl_put_begin(dst, BSON_TYPE_UTF8, key, keylen, (uint32_t)len + 5) : NULL;
    char *out = p ? (char *)p + 4 : g->scratch;
    if (pool->perm) rc = fill_unique(n, g, pool, out, &used);
    if (rc == 0) used += fill_chars(g, pool, len - (pool->perm ? pool->digits : 0), out + used);
    if (p) {
      uint32_t size = used + 1;
      memcpy(p, &size, 4);
      out[used] = '\0';
    } else if (rc == 0) {
      rc = asr_tpl_put_utf8(dst, key, keylen, g->scratch, used);
    }
  }
  if (!n->aux) bson_destroy(&tmp);
  return rc;
}

/* ---- $choose {from=[...], weights=[...]} -------------------------------------------------- */

static int compile_choose(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  bool is_array;
  int rc = asr_tpl_opt_items(c, opts, "from", n, &is_array);
  if (rc) return rc;
  if (!is_array) return asr_tpl_fail(c, "option from must be an array of values");
  if (n->nkids == 0) return asr_tpl_fail(c, "option from must not be empty");
  const cJSON *w = opts ? cJSON_GetObjectItemCaseSensitive(opts, "weights") : NULL;
  if (!w) {
    choose_num(n);
    return 0;
  }
  if (!cJSON_IsArray(w)) return asr_tpl_fail(c, "option weights must be an array of numbers");
  if ((uint32_t)cJSON_GetArraySize(w) != n->nkids)
    return asr_tpl_fail(c, "weights has %d entries but from has %u", cJSON_GetArraySize(w), n->nkids);
  double *cum = asr_tpl_alloc(c, sizeof *cum * n->nkids), total = 0;
  if (!cum) return ASR_ENOMEM;
  uint32_t i = 0;
  for (const cJSON *x = w->child; x; x = x->next, i++) {
    if (!cJSON_IsNumber(x) || !(x->valuedouble >= 0) || isinf(x->valuedouble))
      return asr_tpl_fail(c, "weights[%u] must be a non-negative number", i);
    cum[i] = total += x->valuedouble;
  }
  if (total <= 0) return asr_tpl_fail(c, "weights must not all be zero");
  n->aux = cum;
  choose_num(n);
  return 0;
}

static uint32_t choose_kid(const asr_tpl_node_t *n, asr_tpl_gen_t *g) {
  uint32_t k;
  const double *cum = n->aux;
  if (!cum) {
    k = (uint32_t)asr_rng_below(&g->rng, n->nkids);
  } else if (n->nkids <= 16) { /* the same k as below, without branches to mispredict */
    double u = asr_rng_unit(&g->rng) * cum[n->nkids - 1];
    k = 0;
    for (uint32_t i = 0; i + 1 < n->nkids; i++) k += cum[i] <= u;
  } else { /* first k with u < cum[k]: zero weights are never chosen */
    double u = asr_rng_unit(&g->rng) * cum[n->nkids - 1];
    uint32_t lo = 0, hi = n->nkids - 1;
    while (lo < hi) {
      uint32_t mid = lo + (hi - lo) / 2;
      if (u < cum[mid]) hi = mid;
      else lo = mid + 1;
    }
    k = lo;
  }
  return k;
}

static int gen_choose(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  return asr_tpl_gen_kid(n->kids[choose_kid(n, g)], g, dst, key, keylen);
}

static int num_choose(const asr_tpl_node_t *n, asr_tpl_gen_t *g, asr_tpl_num_t *out) {
  const asr_tpl_node_t *kid = n->kids[choose_kid(n, g)];
  return kid->num(kid, g, out);
}

/* A $choose among numbers is a number too (for operator-valued options). */
static void choose_num(asr_tpl_node_t *n) {
  for (uint32_t i = 0; i < n->nkids; i++)
    if (!n->kids[i]->num) return;
  n->num = num_choose;
}

/* ---- $array {of, number=0} ---------------------------------------------------------------- */

static int compile_array_op(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  asr_tpl_node_t *of;
  int rc = asr_tpl_opt_node(c, opts, "of", true, &of);
  if (rc == 0) rc = asr_tpl_opt_int(c, opts, "number", 0, &n->p[0]);
  if (rc == 0 && !n->p[0].node && (n->p[0].i < 0 || n->p[0].i > UINT32_MAX))
    rc = asr_tpl_fail(c, "option number must be between 0 and %u, got %lld", UINT32_MAX,
                      (long long)n->p[0].i);
  n->aux = of;
  return rc;
}

static int gen_array_op(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                        int keylen) {
  int64_t number = n->p[0].i;
  int rc = n->p[0].node ? asr_tpl_eval_int(g, &n->p[0], &number) : 0;
  if (rc) return rc;
  return asr_tpl_gen_repeat(n->aux, number < 0 ? 0 : (uint64_t)number, g, dst, key, keylen);
}

/* ---- $pick {array, element=0}: out of range is $missing ----------------------------------- */

static int compile_pick(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  bool is_array;
  int rc = asr_tpl_opt_items(c, opts, "array", n, &is_array);
  if (rc == 0 && !is_array) { /* an operator that makes an array */
    asr_tpl_node_t *src;
    rc = asr_tpl_opt_node(c, opts, "array", true, &src);
    n->aux = src;
  }
  return rc ? rc : asr_tpl_opt_int(c, opts, "element", 0, &n->p[0]);
}

static int gen_pick(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                    int keylen) {
  int64_t e;
  int rc = asr_tpl_eval_int(g, &n->p[0], &e);
  if (rc || e < 0) return rc;
  if (!n->aux) return e < n->nkids ? asr_tpl_gen_kid(n->kids[e], g, dst, key, keylen) : 0;
  bson_t tmp;
  bson_iter_t it, item;
  bool found;
  rc = asr_tpl_eval_value(g, n->aux, &tmp, &it, &found);
  if (rc == 0 && found && BSON_ITER_HOLDS_ARRAY(&it) && bson_iter_recurse(&it, &item)) {
    bool ok = bson_iter_next(&item);
    for (int64_t i = 0; i < e && ok; i++) ok = bson_iter_next(&item);
    if (ok) rc = asr_tpl_ok(bson_append_iter(dst, key, keylen, &item));
  }
  bson_destroy(&tmp);
  return rc;
}

/* ---- $objectid / $oid ----------------------------------------------------------------------
 * Deterministic: 4-byte timestamp (the template clock), 3 bytes from the seed and the node
 * (its ordinal among $objectid nodes and its occurrence in the document), then the index as 5
 * big-endian bytes. The 3 middle bytes are a bijection of (ordinal, occurrence) for a given
 * seed, so within a run every ObjectId is unique (for index < 2^40, up to 4096 $objectid nodes
 * and 4096 occurrences of one node per document) and one node's first id sorts by index. */

static int compile_objectid(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  n->flags = c->oid_nodes++;
  return 0;
}

static int gen_objectid(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                        int keylen) {
  int64_t ms = g->t->now_ms, secs = ms / 1000 - (ms % 1000 < 0);
  uint32_t ts = (uint32_t)secs, occ = g->oid_occ[n->flags % ASR_TPL_OID_SLOTS]++;
  uint32_t x = ((n->flags & 0xFFFu) << 12 | (occ & 0xFFFu)) ^ (uint32_t)(g->seed_mix & 0xFFFFFFu);
  x = (x * 0x9E3779u) & 0xFFFFFFu; /* odd multiplier and xorshift: bijections on 24 bits */
  x ^= x >> 12;
  uint8_t b[12] = {(uint8_t)(ts >> 24), (uint8_t)(ts >> 16), (uint8_t)(ts >> 8), (uint8_t)ts,
                   (uint8_t)(x >> 16), (uint8_t)(x >> 8), (uint8_t)x,
                   (uint8_t)(g->index >> 32), (uint8_t)(g->index >> 24), (uint8_t)(g->index >> 16),
                   (uint8_t)(g->index >> 8), (uint8_t)g->index};
  return asr_tpl_put_oid(dst, key, keylen, b);
}

/* ---- $date {min, max}, $now ----------------------------------------------------------------- */

#define DATE_MIN_MS (-2208988800000LL) /* 1900-01-01T00:00:00.000Z */
#define DATE_MAX_MS 4102444799999LL    /* 2099-12-31T23:59:59.999Z */

static int compile_date(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int rc = asr_tpl_opt_date(c, opts, "min", DATE_MIN_MS, &n->p[0]);
  if (rc == 0) rc = asr_tpl_opt_date(c, opts, "max", DATE_MAX_MS, &n->p[1]);
  if (rc == 0 && !n->p[0].node && !n->p[1].node && n->p[0].i > n->p[1].i)
    rc = asr_tpl_fail(c, "min (%lld ms) is later than max (%lld ms)", (long long)n->p[0].i,
                      (long long)n->p[1].i);
  return rc;
}

static int gen_date(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                    int keylen) {
  int64_t min = n->p[0].i, max = n->p[1].i;
  int rc = n->p[0].node ? asr_tpl_eval_date(g, &n->p[0], &min) : 0;
  if (rc == 0 && n->p[1].node) rc = asr_tpl_eval_date(g, &n->p[1], &max);
  if (rc) return rc;
  int64_t v = min <= max ? asr_rng_range(&g->rng, min, max) : asr_rng_range(&g->rng, max, min);
  return asr_tpl_put_date(dst, key, keylen, v);
}

static int gen_now(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                   int keylen) {
  return asr_tpl_put_date(dst, key, keylen, g->t->now_ms);
}

/* ---- the table ---------------------------------------------------------------------------- */

static const asr_tpl_op_t core_ops[] = {
    {"array", "of,number", compile_array_op, gen_array_op},
    {"bool", "likelihood", compile_bool, gen_bool},
    {"character", "pool,alpha,casing,symbols,numeric", compile_character, gen_string},
    {"choose", "from,weights", compile_choose, gen_choose},
    {"date", "min,max", compile_date, gen_date},
    {"datetime", "min,max", compile_date, gen_date},
    {"double", "min,max,fixed", compile_floating, gen_floating},
    {"float", "min,max,fixed", compile_floating, gen_floating},
    {"field", "of", compile_field, gen_field},
    {"floating", "min,max,fixed", compile_floating, gen_floating},
    {"inc", "start,step,partitionSize", compile_inc, gen_inc},
    {"integer", "min,max", compile_integer, gen_int},
    {"missing", "", compile_none, gen_missing},
    {"now", "", compile_none, gen_now},
    {"number", "min,max", compile_integer, gen_int},
    {"numberInt", "min,max", compile_number_int, gen_int},
    {"numberLong", "min,max", compile_number_long, gen_int},
    {"objectid", "", compile_objectid, gen_objectid},
    {"oid", "", compile_objectid, gen_objectid},
    {"partition", "size,start", compile_partition, gen_partition},
    {"pick", "array,element", compile_pick, gen_pick},
    {"ref", "collection,field", asr_tpl_compile_ref, asr_tpl_gen_ref},
    {"string", "length,pool,alpha,casing,symbols,numeric,min,max", compile_string, gen_string},
    /* mgeneratejs's other built-ins and chance.js's operators (ops_ext.h) */
    {"long", "min,max", compile_number_long, gen_int},
    {"join", "array,sep", asr_tplx_compile_join, asr_tplx_gen_join},
    {"pickset", "array,quantity", asr_tplx_compile_pickset, asr_tplx_gen_pickset},
    {"coordinates", "long_lim,lat_lim", asr_tplx_compile_coordinates, asr_tplx_gen_coordinates},
    {"coordinate", "long_lim,lat_lim", asr_tplx_compile_coordinates, asr_tplx_gen_coordinates},
    {"coord", "long_lim,lat_lim", asr_tplx_compile_coordinates, asr_tplx_gen_coordinates},
    {"point", "long_lim,lat_lim", asr_tplx_compile_coordinates, asr_tplx_gen_point},
    {"linestring", "locs,long_lim,lat_lim", asr_tplx_compile_linestring, asr_tplx_gen_linestring},
    {"polygon", "corners,long_lim,lat_lim", asr_tplx_compile_polygon, asr_tplx_gen_polygon},
    {"geometries", "types,number,locs,corners,long_lim,lat_lim", asr_tplx_compile_geometries,
     asr_tplx_gen_geometries},
    {"binary", "length,subtype", asr_tplx_compile_binary, asr_tplx_gen_binary},
    {"maxkey", "", asr_tplx_compile_none, asr_tplx_gen_maxkey},
    {"minkey", "", asr_tplx_compile_none, asr_tplx_gen_minkey},
    {"numberDecimal", "min,max,fixed", asr_tplx_compile_decimal, asr_tplx_gen_decimal},
    {"decimal", "min,max,fixed", asr_tplx_compile_decimal, asr_tplx_gen_decimal},
    {"regex", "string,flags", asr_tplx_compile_regex, asr_tplx_gen_regex},
    {"timestamp", "t,i", asr_tplx_compile_timestamp, asr_tplx_gen_timestamp},
    {"name", "gender,middle,middle_initial,prefix,suffix,nationality", asr_tplx_compile_name, asr_tplx_gen_name},
    {"first", "gender,nationality", asr_tplx_compile_first, asr_tplx_gen_first},
    {"last", "nationality", asr_tplx_compile_last, asr_tplx_gen_last},
    {"email", "domain,length", asr_tplx_compile_email, asr_tplx_gen_email},
    {"phone", "formatted,parens,country,mobile", asr_tplx_compile_phone, asr_tplx_gen_phone},
    {"word", "length,syllables,capitalize", asr_tplx_compile_word, asr_tplx_gen_word},
    {"sentence", "words,punctuation", asr_tplx_compile_sentence, asr_tplx_gen_sentence},
    {"paragraph", "sentences,linebreak", asr_tplx_compile_paragraph, asr_tplx_gen_paragraph},
    {"ip", "", asr_tplx_compile_none, asr_tplx_gen_ip},
    {"url", "protocol,domain,domain_prefix,path,extensions,tld", asr_tplx_compile_url, asr_tplx_gen_url},
    {"domain", "tld", asr_tplx_compile_domain, asr_tplx_gen_domain},
    {"address", "short_suffix,syllables,country", asr_tplx_compile_street, asr_tplx_gen_address},
    {"street", "short_suffix,syllables,country", asr_tplx_compile_street, asr_tplx_gen_street},
    {"city", "", asr_tplx_compile_none, asr_tplx_gen_city},
    {"state", "full,territories,armed_forces,us_states_and_dc,country", asr_tplp_compile_states,
     asr_tplp_gen_region},
    {"country", "full,raw", asr_tplx_compile_country, asr_tplx_gen_country},
    {"zip", "plusfour", asr_tplx_compile_zip, asr_tplx_gen_zip},
    {"age", "type", asr_tplx_compile_age, asr_tplx_gen_age},
    {"year", "min,max", asr_tplx_compile_year, asr_tplx_gen_year},
    {"month", "min,max,raw", asr_tplx_compile_month, asr_tplx_gen_month},
    {"weekday", "weekday_only", asr_tplx_compile_weekday, asr_tplx_gen_weekday},
    {"guid", "version", asr_tplx_compile_guid, asr_tplx_gen_guid},
    {"uuid", "version", asr_tplx_compile_uuid, asr_tplx_gen_uuid},
    {"hash", "length,casing", asr_tplx_compile_hash, asr_tplx_gen_hash},
    {"color", "format,grayscale,casing,min,max,min_red,max_red,min_green,max_green,min_blue,"
              "max_blue,min_alpha,max_alpha", asr_tplx_compile_color, asr_tplx_gen_color},
    {"company", "", asr_tplx_compile_none, asr_tplx_gen_company},
    {"currency", "", asr_tplx_compile_none, asr_tplx_gen_currency},
};
const asr_tpl_op_group_t asr_tpl_ops_core = {core_ops, sizeof core_ops / sizeof core_ops[0]};
