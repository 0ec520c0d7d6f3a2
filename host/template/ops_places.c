/* Template operators for places, after chance.js 1.1 (what mgeneratejs forwards to it):
 * $altitude, $depth, $latitude, $longitude, $geojson (numbers with `fixed` decimals, or
 * degree-minute text), $geohash, $areacode, $postal (Canada), $postcode (UK), $countries,
 * $county/$counties, $province/$provinces, $states, $street_suffix/$street_suffixes.
 * Option names, defaults, checks and result shapes are chance's; the lists are asrun's
 * (words.c, words_places.c). Every draw comes from g->rng; nothing is allocated per document. */
#include <math.h>
#include <stdio.h>

#include "template/ops_chance.h"
#include "template/words_places.h"

#define COUNT(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))

/* ---- numbers with `fixed` decimals: $altitude, $depth, $latitude, $longitude ---------------
 * As chance.floating: an integer k drawn in [min * 10^fixed, max * 10^fixed], the value
 * k / 10^fixed. Options in p[0] min, p[1] max, p[2] fixed. */

#define FIXED_MAX 10
static const double POW10[FIXED_MAX + 1] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10};

typedef struct fixed_draw {
  int64_t k;   /* the value is k / 10^fixed */
  int fixed;
} fixed_draw_t;

static int compile_fixed(asr_tpl_cc_t *c, const cJSON *opts, double min, double max,
                         int64_t fixed, int64_t fixed_max, asr_tpl_node_t *n) {
  int rc = asr_tplx_opt_int_in(c, opts, "fixed", fixed, 0, fixed_max, &n->p[2]);
  if (rc == 0) rc = asr_tpl_opt_num(c, opts, "min", min, &n->p[0]);
  if (rc == 0) rc = asr_tpl_opt_num(c, opts, "max", max, &n->p[1]);
  for (int i = 0; i < 2 && rc == 0; i++)
    if (!n->p[i].node && fabs(n->p[i].d) > 1e9)
      rc = asr_tpl_fail(c, "option %s must be within +-1e9, got %.17g", i ? "max" : "min", n->p[i].d);
  if (rc == 0 && !n->p[0].node && !n->p[1].node && n->p[0].d > n->p[1].d)
    rc = asr_tpl_fail(c, "min (%.17g) is greater than max (%.17g)", n->p[0].d, n->p[1].d);
  return rc;
}

static int draw_fixed_in(const asr_tpl_node_t *n, asr_tpl_gen_t *g, double min, double max,
                         int fixed, fixed_draw_t *out) {
  double f = POW10[fixed];
  int64_t lo = (int64_t)ceil(min * f - 1e-7), hi = (int64_t)floor(max * f + 1e-7);
  if (lo > hi || !(fabs(min) <= 1e9 && fabs(max) <= 1e9))
    return asr_tpl_gen_fail(g, n, ASR_EINVAL, "no number with %d decimals between %.17g and %.17g",
                            fixed, min, max);
  out->k = asr_rng_range(&g->rng, lo, hi), out->fixed = fixed;
  return 0;
}

/* The document's min, max and fixed (operator-valued ones evaluated), then the draw. */
static int draw_fixed(const asr_tpl_node_t *n, asr_tpl_gen_t *g, int64_t fixed_max,
                      fixed_draw_t *out) {
  asr_tpl_num_t min, max;
  int64_t fixed;
  int rc = asr_tplx_eval_int_in(g, &n->p[2], 0, fixed_max, &fixed);
  if (rc == 0) rc = asr_tpl_eval_num(g, &n->p[0], &min);
  if (rc == 0) rc = asr_tpl_eval_num(g, &n->p[1], &max);
  if (rc) return rc;
  return draw_fixed_in(n, g, min.isint ? (double)min.i : min.d, max.isint ? (double)max.i : max.d,
                       (int)fixed, out);
}

/* k / 10^fixed as JavaScript prints the number: no trailing zeros, no "-0". */
static void put_fixed(asr_tplx_text_t *w, fixed_draw_t v) {
  uint64_t u = v.k < 0 ? 0 - (uint64_t)v.k : (uint64_t)v.k, f = (uint64_t)POW10[v.fixed];
  if (v.k < 0) asr_tplx_text_ch(w, '-');
  asr_tplx_text_uint(w, u / f, 1);
  uint64_t frac = u % f;
  int digits = v.fixed;
  while (digits > 0 && frac % 10 == 0) frac /= 10, digits--;
  if (digits == 0) return;
  asr_tplx_text_ch(w, '.');
  asr_tplx_text_uint(w, frac, digits);
}

static int put_fixed_double(bson_t *dst, const char *key, int keylen, fixed_draw_t v) {
  return asr_tpl_put_double(dst, key, keylen, (double)v.k / POW10[v.fixed]);
}

static int compile_altitude(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  return compile_fixed(c, opts, 0, 8848, 5, FIXED_MAX, n);
}

static int compile_depth(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  return compile_fixed(c, opts, -10994, 0, 5, FIXED_MAX, n);
}

static int gen_fixed_number(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                            const char *key, int keylen) {
  fixed_draw_t v;
  int rc = draw_fixed(n, g, FIXED_MAX, &v);
  return rc ? rc : put_fixed_double(dst, key, keylen, v);
}

/* ---- $latitude / $longitude {min, max, fixed, format=dd|ddm|dms} ---------------------------
 * dd: a number in [-90, 90] / [-180, 180] with 5 decimals. ddm "33°12.3456" and dms
 * "33°12’34.5678”": whole degrees in [0, 89] / [0, 179] (min and max bound them) with up to 4
 * decimals on the last part, as chance writes them. */

enum { FMT_DD, FMT_DDM, FMT_DMS };
static const char *const COORD_FORMATS[] = {"dd", "ddm", "dms", NULL};
#define LONGITUDE 4u /* flag beside the format */

static int compile_coordinate(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n, int deg) {
  int fmt;
  int rc = asr_tplc_opt_const_enum(c, opts, "format", COORD_FORMATS, FMT_DD, &fmt);
  if (rc) return rc;
  n->flags |= (uint32_t)fmt;
  if (fmt == FMT_DD) return compile_fixed(c, opts, -deg, deg, 5, FIXED_MAX, n);
  rc = asr_tplc_opt_range(c, opts, 0, deg - 1, 0, deg - 1, n);
  if (rc == 0) rc = asr_tplx_opt_int_in(c, opts, "fixed", 4, 0, 4, &n->p[2]);
  return rc;
}

static int compile_latitude(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  return compile_coordinate(c, opts, n, 90);
}

static int compile_longitude(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  n->flags = LONGITUDE;
  return compile_coordinate(c, opts, n, 180);
}

static int gen_coordinate(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                          const char *key, int keylen) {
  int fmt = (int)(n->flags & 3);
  if (fmt == FMT_DD) return gen_fixed_number(n, g, dst, key, keylen);
  int deg = n->flags & LONGITUDE ? 180 : 90;
  int64_t whole, fixed, minutes = 0;
  int rc = asr_tplc_eval_range(n, g, 0, deg - 1, &whole);
  if (rc == 0) rc = asr_tplx_eval_int_in(g, &n->p[2], 0, 4, &fixed);
  if (rc) return rc;
  if (fmt == FMT_DMS) minutes = asr_rng_range(&g->rng, 0, 59);
  fixed_draw_t last;
  /* chance: longitude's last part is at most 59.9999, latitude's 59 */
  if ((rc = draw_fixed_in(n, g, 0, n->flags & LONGITUDE ? 59.9999 : 59, (int)fixed, &last))) return rc;
  char buf[64];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  asr_tplx_text_uint(&w, (uint64_t)whole, 1);
  asr_tplx_text_puts(&w, "\xc2\xb0"); /* ° */
  if (fmt == FMT_DMS) {
    asr_tplx_text_uint(&w, (uint64_t)minutes, 1);
    asr_tplx_text_puts(&w, "\xe2\x80\x99"); /* ’ */
  }
  put_fixed(&w, last);
  if (fmt == FMT_DMS) asr_tplx_text_puts(&w, "\xe2\x80\x9d"); /* ” */
  return asr_tplx_text_append(&w, dst, key, keylen);
}

/* ---- $geojson {min, max, fixed}: "lat, long, altitude" text. chance hands the same options
 * object to latitude, longitude and altitude, and latitude fills in its defaults there: so all
 * three are drawn in [min, max], by default latitude's [-90, 90] with 5 decimals. */

static int compile_geojson(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  return compile_fixed(c, opts, -90, 90, 5, FIXED_MAX, n);
}

static int gen_geojson(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                       int keylen) {
  char buf[128];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  for (int i = 0; i < 3; i++) {
    fixed_draw_t v;
    int rc = draw_fixed(n, g, FIXED_MAX, &v);
    if (rc) return rc;
    if (i) asr_tplx_text_puts(&w, ", ");
    put_fixed(&w, v);
  }
  return asr_tplx_text_append(&w, dst, key, keylen);
}

/* ---- $geohash {length=7}, $areacode {parens=true, exampleNumber}, $postal, $postcode ------- */

#define GEOHASH_MAX 64

static int compile_geohash(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  return asr_tplx_opt_int_in(c, opts, "length", 7, 0, GEOHASH_MAX, &n->p[0]);
}

static int gen_geohash(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                       int keylen) {
  int64_t len;
  int rc = asr_tplx_eval_int_in(g, &n->p[0], 0, GEOHASH_MAX, &len);
  if (rc) return rc;
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  char buf[GEOHASH_MAX];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  asr_tplc_pool(&w, &d, "0123456789bcdefghjkmnpqrstuvwxyz", 32, (uint32_t)len);
  return asr_tplx_text_append(&w, dst, key, keylen);
}

enum { AREA_PARENS = 1, AREA_EXAMPLE = 2 };

static int compile_areacode(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  bool parens = true, example = false;
  int rc = asr_tplx_opt_flag(c, opts, "parens", true, &parens);
  if (rc == 0) rc = asr_tplx_opt_flag(c, opts, "exampleNumber", false, &example);
  n->flags = (parens ? AREA_PARENS : 0) | (example ? AREA_EXAMPLE : 0);
  return rc;
}

/* First digit 2-9, second 0-8, third 0-9 ("555" for exampleNumber). */
static int gen_areacode(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                        int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  char buf[8];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  if (n->flags & AREA_PARENS) asr_tplx_text_ch(&w, '(');
  if (n->flags & AREA_EXAMPLE) {
    asr_tplx_text_puts(&w, "555");
  } else {
    asr_tplx_text_ch(&w, (char)('2' + asr_tplx_below(&d, 8)));
    asr_tplx_text_ch(&w, (char)('0' + asr_tplx_below(&d, 9)));
    asr_tplx_text_ch(&w, (char)('0' + asr_tplx_below(&d, 10)));
  }
  if (n->flags & AREA_PARENS) asr_tplx_text_ch(&w, ')');
  return asr_tplx_text_append(&w, dst, key, keylen);
}

#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGITS "0123456789"

/* A Canadian postal code, "V0H 9U9": the district letter from those in use. */
static int gen_postal(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  char buf[8];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  asr_tplc_pool(&w, &d, "XVTSRPNKLMHJGECBA", 17, 1);
  asr_tplc_pool(&w, &d, DIGITS, 10, 1);
  asr_tplc_pool(&w, &d, UPPER, 26, 1);
  asr_tplx_text_ch(&w, ' ');
  asr_tplc_pool(&w, &d, DIGITS, 10, 1);
  asr_tplc_pool(&w, &d, UPPER, 26, 1);
  asr_tplc_pool(&w, &d, DIGITS, 10, 1);
  return asr_tplx_text_append(&w, dst, key, keylen);
}

/* A UK postcode, "BR1 1VQ" or "RG9X 9WS": area, district, a sub-district letter half the
 * time, then sector and unit. */
static int gen_postcode(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                        int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  char buf[12];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  const asr_words_t *areas = &asr_words_postcode_area_uk;
  asr_tplx_text_puts(&w, areas->items[asr_tplx_below(&d, areas->n)]);
  asr_tplc_pool(&w, &d, DIGITS, 10, 1);
  if (asr_tplx_below(&d, 2)) asr_tplc_pool(&w, &d, UPPER, 26, 1);
  asr_tplx_text_ch(&w, ' ');
  asr_tplc_pool(&w, &d, DIGITS, 10, 1);
  asr_tplc_pool(&w, &d, UPPER, 26, 2);
  return asr_tplx_text_append(&w, dst, key, keylen);
}

/* ---- lists of regions: $states, $provinces, $counties and their one-item forms --------------
 * A region list is up to three pair lists one after the other ({abbreviation, name}), the UK
 * counties (names only) or the Italian provinces (with their ISTAT code). */

enum { LIST_PAIRS, LIST_UK_COUNTIES, LIST_IT_PROVINCES };

typedef struct region_list {
  int kind;
  const asr_word_pairs_t *parts[3];
  uint32_t nparts, total;
  bool full; /* the one-item forms: the name, else the abbreviation */
} region_list_t;

typedef struct region {
  const char *name, *abbr; /* abbr NULL for UK counties */
  int istat;               /* > 0 for Italian provinces */
} region_t;

static void region_add(region_list_t *l, const asr_word_pairs_t *w) {
  l->parts[l->nparts++] = w;
  l->total += w->n;
}

static region_t region_at(const region_list_t *l, uint32_t k) {
  region_t r = {0};
  if (l->kind == LIST_UK_COUNTIES) {
    r.name = asr_words_county_uk.items[k];
  } else if (l->kind == LIST_IT_PROVINCES) {
    const asr_province_it_t *p = &asr_words_province_it.items[k];
    r.name = p->name, r.abbr = p->code, r.istat = p->istat;
  } else {
    for (uint32_t i = 0; i < l->nparts; k -= l->parts[i++]->n)
      if (k < l->parts[i]->n) {
        r.name = l->parts[i]->items[k].name, r.abbr = l->parts[i]->items[k].code;
        break;
      }
  }
  return r;
}

static region_list_t *region_list_new(asr_tpl_cc_t *c, asr_tpl_node_t *n, int kind) {
  region_list_t *l = asr_tpl_alloc(c, sizeof *l);
  if (!l) return NULL;
  l->kind = kind;
  if (kind == LIST_UK_COUNTIES) l->total = asr_words_county_uk.n;
  if (kind == LIST_IT_PROVINCES) l->total = asr_words_province_it.n;
  n->aux = l;
  return l;
}

static const char *const STATE_COUNTRIES[] = {"us", "it", "mx", "uk", NULL};

/* {country=us, us_states_and_dc=true, territories, armed_forces, full}: for us, the lists
 * asked for one after the other (chance's order); it: regions; mx: states; uk: counties. */
int asr_tplp_compile_states(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int country;
  bool states = true, territories = false, armed = false, full = false;
  int rc = asr_tplc_opt_const_enum(c, opts, "country", STATE_COUNTRIES, 0, &country);
  if (rc == 0) rc = asr_tplx_opt_flag(c, opts, "us_states_and_dc", true, &states);
  if (rc == 0) rc = asr_tplx_opt_flag(c, opts, "territories", false, &territories);
  if (rc == 0) rc = asr_tplx_opt_flag(c, opts, "armed_forces", false, &armed);
  if (rc == 0) rc = asr_tplx_opt_flag(c, opts, "full", false, &full);
  if (rc) return rc;
  region_list_t *l = region_list_new(c, n, country == 3 ? LIST_UK_COUNTIES : LIST_PAIRS);
  if (!l) return ASR_ENOMEM;
  l->full = full;
  if (country == 1) region_add(l, &asr_words_region_it);
  if (country == 2) region_add(l, &asr_words_state_mx);
  if (country == 0 && states) region_add(l, &asr_words_state);
  if (country == 0 && territories) region_add(l, &asr_words_territory);
  if (country == 0 && armed) region_add(l, &asr_words_armed_forces);
  if (l->total == 0)
    return asr_tpl_fail(c, "no states to pick from: us_states_and_dc is false and neither "
                           "territories nor armed_forces is true");
  return 0;
}

static const char *const PROVINCE_COUNTRIES[] = {"ca", "it", NULL};

static int compile_provinces(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int country;
  bool full = false;
  int rc = asr_tplc_opt_const_enum(c, opts, "country", PROVINCE_COUNTRIES, 0, &country);
  if (rc == 0) rc = asr_tplx_opt_flag(c, opts, "full", false, &full);
  if (rc) return rc;
  region_list_t *l = region_list_new(c, n, country ? LIST_IT_PROVINCES : LIST_PAIRS);
  if (!l) return ASR_ENOMEM;
  if (!country) region_add(l, &asr_words_province_ca);
  l->full = full;
  return 0;
}

static const char *const COUNTY_COUNTRIES[] = {"uk", NULL};

static int compile_counties(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int country;
  int rc = asr_tplc_opt_const_enum(c, opts, "country", COUNTY_COUNTRIES, 0, &country);
  if (rc == 0 && !region_list_new(c, n, LIST_UK_COUNTIES)) rc = ASR_ENOMEM;
  if (rc == 0) ((region_list_t *)n->aux)->full = true;
  return rc;
}

static bool put_region(bson_t *doc, region_t r) {
  bool ok = BSON_APPEND_UTF8(doc, "name", r.name);
  if (ok && r.abbr) ok = BSON_APPEND_UTF8(doc, "abbreviation", r.abbr);
  if (ok && r.istat) ok = BSON_APPEND_INT32(doc, "code", r.istat);
  return ok;
}

static int gen_region_list(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                           const char *key, int keylen) {
  const region_list_t *l = n->aux;
  bson_t arr;
  if (!bson_append_array_begin(dst, key, keylen, &arr)) return ASR_EINVAL;
  bool ok = true;
  for (uint32_t i = 0; i < l->total && ok; i++) {
    char idx[16];
    const char *k;
    size_t klen = bson_uint32_to_string(i, &k, idx, sizeof idx);
    bson_t doc;
    ok = bson_append_document_begin(&arr, k, (int)klen, &doc);
    ok = ok && put_region(&doc, region_at(l, i));
    ok = bson_append_document_end(&arr, &doc) && ok;
  }
  return asr_tpl_ok(bson_append_array_end(dst, &arr) && ok);
}

/* One region: its name with full (always for counties), else its abbreviation. UK counties
 * have none, so $state {country: "uk"} gives names whatever full says. */
int asr_tplp_gen_region(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                        const char *key, int keylen) {
  const region_list_t *l = n->aux;
  region_t r = region_at(l, (uint32_t)asr_rng_below(&g->rng, l->total));
  return asr_tplx_put_cstr(dst, key, keylen, l->full || !r.abbr ? r.name : r.abbr);
}

/* ---- $countries, $street_suffix {country}, $street_suffixes {country} ----------------------- */

static int gen_countries(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                         const char *key, int keylen) {
  return asr_tplc_pairs_array(dst, key, keylen, &asr_words_country);
}

static const char *const SUFFIX_COUNTRIES[] = {"us", "it", NULL};

static int compile_street_suffix(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int country;
  int rc = asr_tplc_opt_const_enum(c, opts, "country", SUFFIX_COUNTRIES, 0, &country);
  n->aux = (void *)(country ? &asr_words_street_suffix_it : &asr_words_street_suffix);
  return rc;
}

static int gen_street_suffix(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                             const char *key, int keylen) {
  const asr_word_pairs_t *w = n->aux;
  return asr_tplc_pair_doc(dst, key, keylen, &w->items[asr_rng_below(&g->rng, w->n)]);
}

static int gen_street_suffixes(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                               const char *key, int keylen) {
  return asr_tplc_pairs_array(dst, key, keylen, n->aux);
}

/* ---- the group ------------------------------------------------------------------------------- */

static const asr_tpl_op_t places_ops[] = {
    {"altitude", "min,max,fixed", compile_altitude, gen_fixed_number},
    {"depth", "min,max,fixed", compile_depth, gen_fixed_number},
    {"latitude", "min,max,fixed,format", compile_latitude, gen_coordinate},
    {"longitude", "min,max,fixed,format", compile_longitude, gen_coordinate},
    {"geojson", "min,max,fixed", compile_geojson, gen_geojson},
    {"geohash", "length", compile_geohash, gen_geohash},
    {"areacode", "parens,exampleNumber", compile_areacode, gen_areacode},
    {"postal", "", asr_tplx_compile_none, gen_postal},
    {"postcode", "", asr_tplx_compile_none, gen_postcode},
    {"countries", "", asr_tplx_compile_none, gen_countries},
    {"counties", "country", compile_counties, gen_region_list},
    {"county", "country", compile_counties, asr_tplp_gen_region},
    {"provinces", "country", compile_provinces, gen_region_list},
    {"province", "country,full", compile_provinces, asr_tplp_gen_region},
    {"states", "country,us_states_and_dc,territories,armed_forces", asr_tplp_compile_states, gen_region_list},
    {"street_suffix", "country", compile_street_suffix, gen_street_suffix},
    {"street_suffixes", "country", compile_street_suffix, gen_street_suffixes},
};
const asr_tpl_op_group_t asr_tpl_ops_places = {places_ops, COUNT(places_ops)};
