/* The "distribution" option of the number operators and $ref (docs/templates.md): normal
 * (mean, stddev), exponential (lambda), zipf (s, over the integers min..max, rank 1 = min) and
 * poisson (lambda); uniform is the operators' own draw. Compile reads and checks the
 * parameters (constants only); sampling draws only from the document's RNG, so values stay a
 * function of (seed, index). Callers clamp into [min, max].
 * Defaults: lambda 1, s 1; mean and stddev (max+min)/2 and (max-min)/6 when both bounds are
 * given (most of the mass inside them), else 0 and 1. */
#include <math.h>
#include <string.h>

#include "template/node.h"
#include "util/names.h"

/* ---- compile ---------------------------------------------------------------------------- */

static const struct {
  const char *name;
  int kind;
  const char *params; /* the parameters it takes */
} KINDS[] = {
    {"normal", ASR_TPL_DIST_NORMAL, "mean,stddev"},
    {"exponential", ASR_TPL_DIST_EXPONENTIAL, "lambda"},
    {"zipf", ASR_TPL_DIST_ZIPF, "s"},
    {"poisson", ASR_TPL_DIST_POISSON, "lambda"},
};
static const char *const PARAMS[] = {"mean", "stddev", "lambda", "s"};

/* Reads parameter name (a finite number, > 0 unless it is the mean) into *out. */
static int read_param(asr_tpl_cc_t *c, const cJSON *v, const char *name, double *out) {
  bool positive = strcmp(name, "mean") != 0;
  if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
    return asr_tpl_fail(c, "option %s must be a number", name);
  if (positive && !(v->valuedouble > 0))
    return asr_tpl_fail(c, "option %s must be greater than 0, got %.17g", name, v->valuedouble);
  *out = v->valuedouble;
  return 0;
}

int asr_tpl_opt_dist(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_dist_t **out) {
  const cJSON *v = opts ? cJSON_GetObjectItemCaseSensitive(opts, "distribution") : NULL;
  *out = NULL;
  int kind = 0;
  const char *params = "";
  if (v && (!cJSON_IsString(v) || strcmp(v->valuestring, "uniform") != 0)) {
    for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0] && cJSON_IsString(v); i++)
      if (strcmp(v->valuestring, KINDS[i].name) == 0) kind = KINDS[i].kind, params = KINDS[i].params;
    if (!kind)
      return asr_tpl_fail(c, "option distribution must be one of uniform, normal, exponential, "
                             "zipf, poisson");
  }
  for (size_t i = 0; i < sizeof PARAMS / sizeof PARAMS[0]; i++) {
    const cJSON *p = opts ? cJSON_GetObjectItemCaseSensitive(opts, PARAMS[i]) : NULL;
    if (p && !kind)
      return asr_tpl_fail(c, "option %s needs a distribution (%s)", PARAMS[i],
                          strcmp(PARAMS[i], "lambda") == 0 ? "exponential or poisson"
                          : strcmp(PARAMS[i], "s") == 0    ? "zipf"
                                                           : "normal");
    if (p && !asr_names_in_list(params, PARAMS[i]))
      return asr_tpl_fail(c, "option %s does not apply to distribution %s (it takes: %s)", PARAMS[i],
                          v->valuestring, params);
  }
  if (!kind) return 0;
  asr_tpl_dist_t *d = asr_tpl_alloc(c, sizeof *d);
  if (!d) return ASR_ENOMEM;
  d->kind = kind;
  d->lambda = 1, d->s = 1, d->stddev = 1;
  const cJSON *p;
  int rc = 0;
  if ((p = cJSON_GetObjectItemCaseSensitive(opts, "mean"))) d->has_mean = true, rc = read_param(c, p, "mean", &d->mean);
  if (rc == 0 && (p = cJSON_GetObjectItemCaseSensitive(opts, "stddev")))
    d->has_stddev = true, rc = read_param(c, p, "stddev", &d->stddev);
  if (rc == 0 && (p = cJSON_GetObjectItemCaseSensitive(opts, "lambda"))) rc = read_param(c, p, "lambda", &d->lambda);
  if (rc == 0 && (p = cJSON_GetObjectItemCaseSensitive(opts, "s"))) rc = read_param(c, p, "s", &d->s);
  *out = d;
  return rc;
}

/* ---- zipf: rejection-inversion (Hörmann and Derflinger 1996), O(1) for any n and s > 0 --- */

/* log1p(x)/x and expm1(x)/x, accurate near 0. */
static double helper1(double x) { return fabs(x) > 1e-8 ? log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x)); }
static double helper2(double x) { return fabs(x) > 1e-8 ? expm1(x) / x : 1 + x * 0.5 * (1 + x / 3 * (1 + 0.25 * x)); }

/* H(x) = ((x^(1-s)) - 1) / (1-s) (log x when s = 1), the integral of h(x) = x^-s. */
static double zipf_H(double x, double s) {
  double lx = log(x);
  return helper2((1 - s) * lx) * lx;
}

static double zipf_Hinv(double x, double s) {
  double t = x * (1 - s);
  if (t < -1) t = -1; /* rounding: stay in the domain */
  return exp(helper1(t) * x);
}

static double zipf_h(double x, double s) { return exp(-s * log(x)); }

static void zipf_setup(asr_tpl_dist_t *d, double lo, double hi) {
  double a = ceil(lo), b = floor(hi), s = d->s;
  d->z_lo = a;
  d->z_n = b >= a ? (uint64_t)(b - a) + 1 : 1;
  d->z_hx1 = zipf_H(1.5, s) - 1;
  d->z_hn = zipf_H((double)d->z_n + 0.5, s);
  d->z_sdiv = 2 - zipf_Hinv(zipf_H(2.5, s) - zipf_h(2, s), s);
}

/* A rank in 1..n. */
static double zipf_rank(const asr_tpl_dist_t *z, asr_rng_t *r) {
  double s = z->s, n = (double)z->z_n;
  for (;;) {
    double u = z->z_hn + asr_rng_unit(r) * (z->z_hx1 - z->z_hn);
    double x = zipf_Hinv(u, s);
    double k = floor(x + 0.5);
    k = k < 1 ? 1 : k > n ? n : k;
    if (k - x <= z->z_sdiv || u >= zipf_H(k + 0.5, s) - zipf_h(k, s)) return k;
  }
}

int asr_tpl_dist_prepare(asr_tpl_cc_t *c, asr_tpl_dist_t *d, double lo, double hi, bool bounded,
                         bool constant) {
  if (d->kind != ASR_TPL_DIST_ZIPF) return 0;
  if (!bounded) return asr_tpl_fail(c, "distribution zipf needs both min and max (its ranks are min..max)");
  if (!constant) return 0;
  if (floor(hi) < ceil(lo)) return asr_tpl_fail(c, "distribution zipf needs an integer between min and max");
  zipf_setup(d, lo, hi);
  d->has_zipf = true;
  return 0;
}

/* ---- sampling ----------------------------------------------------------------------------- */

/* Poisson: multiplication of uniforms for small lambda, else PTRS (Hörmann 1993). */
static double poisson(double lambda, asr_rng_t *r) {
  if (lambda < 10) {
    double limit = exp(-lambda), p = 1;
    int k = -1;
    do {
      k++;
      p *= asr_rng_unit(r);
    } while (p > limit);
    return k;
  }
  double slam = sqrt(lambda), loglam = log(lambda);
  double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
  double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    double u = asr_rng_unit(r) - 0.5, v = asr_rng_unit(r), us = 0.5 - fabs(u);
    double k = floor((2 * a / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    int sign;
    if (log(v) + log(invalpha) - log(a / (us * us) + b) <= -lambda + k * loglam - lgamma_r(k + 1, &sign))
      return k;
  }
}

double asr_tpl_dist_sample(const asr_tpl_dist_t *d, asr_rng_t *r, double lo, double hi,
                           bool bounded) {
  switch (d->kind) {
  case ASR_TPL_DIST_NORMAL: { /* Box-Muller, one value per pair of draws */
    double mean = d->has_mean || !bounded ? d->mean : (lo + hi) / 2;
    double sd = d->has_stddev || !bounded ? d->stddev : (hi - lo) / 6;
    double u1 = asr_rng_unit(r), u2 = asr_rng_unit(r);
    return mean + sd * sqrt(-2 * log1p(-u1)) * cos(2 * M_PI * u2);
  }
  case ASR_TPL_DIST_EXPONENTIAL: return -log1p(-asr_rng_unit(r)) / d->lambda;
  case ASR_TPL_DIST_POISSON: return poisson(d->lambda, r);
  case ASR_TPL_DIST_ZIPF: {
    if (d->has_zipf) return d->z_lo + zipf_rank(d, r) - 1;
    asr_tpl_dist_t z = *d; /* bounds known only now */
    zipf_setup(&z, lo, hi);
    return z.z_lo + zipf_rank(&z, r) - 1;
  }
  default: return lo;
  }
}

int64_t asr_tpl_dist_int(const asr_tpl_dist_t *d, asr_rng_t *r, int64_t lo, int64_t hi,
                         bool bounded) {
  double x = asr_tpl_dist_sample(d, r, (double)lo, (double)hi, bounded);
  if (!(x > (double)lo)) return lo; /* also NaN */
  if (!(x < (double)hi)) return hi;
  int64_t v = llround(x);
  return v < lo ? lo : v > hi ? hi : v;
}
