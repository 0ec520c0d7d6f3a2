/* GeoJSON template operators, as mgeneratejs 0.6 writes them: $coordinates ([long, lat]),
 * $point, $linestring, $polygon ({type, coordinates}) and $geometries (a GeometryCollection).
 * Coordinates are doubles with 5 decimals (chance.longitude / chance.latitude), drawn
 * uniformly within long_lim / lat_lim ([min, max] arrays whose items may be operators, or one
 * operator that makes the pair). Compiled options live in a geo_t in the node's aux (arena). */
#include <math.h>
#include <stdio.h>

#include "template/ops_ext.h"

#define GEO_SCALE 1e5          /* 5 decimals */
#define GEO_POINTS_MAX 100000  /* locs / corners: bounds a document, far below 16 MB */
#define GEO_NUMBER_MAX 10000   /* geometries in one collection */

enum { GEO_POINT, GEO_LINESTRING, GEO_POLYGON };
static const char *const GEO_TYPES[] = {"Point", "LineString", "Polygon", NULL};

typedef struct geo_lim {
  asr_tpl_param_t lo, hi;     /* the two items */
  const asr_tpl_node_t *pair; /* or an operator that makes [lo, hi] */
  double bound;               /* |lo|, |hi| <= bound: 180 for longitudes, 90 for latitudes */
  bool constant;              /* both items constant: ks below computed once */
  int64_t klo, khi;           /* the multiples of 1e-5 in [lo, hi]: klo..khi */
} geo_lim_t;

typedef struct geo {
  geo_lim_t lng, lat;
  asr_tpl_param_t locs, corners, number;
  uint32_t ntypes;
  uint8_t *types; /* $geometries: the types to pick from (repeats weigh more) */
} geo_t;

/* ---- compile ------------------------------------------------------------------------------ */

/* The multiples of 1/GEO_SCALE inside [lo, hi], corrected for rounding (as ops.c does). */
static void lim_steps(double lo, double hi, int64_t *klo, int64_t *khi) {
  *klo = llround(lo * GEO_SCALE);
  if ((double)*klo / GEO_SCALE < lo) ++*klo;
  *khi = llround(hi * GEO_SCALE);
  if ((double)*khi / GEO_SCALE > hi) --*khi;
}

/* Reads one item of a [min, max] array through a one-field object named "name[i]", so that
 * operators compile (and errors point) at the item's JSON path. */
static int lim_item(asr_tpl_cc_t *c, const char *name, int i, cJSON *item, asr_tpl_param_t *p) {
  char field[48];
  snprintf(field, sizeof field, "%s[%d]", name, i);
  cJSON *holder = cJSON_CreateObject();
  if (!holder || !cJSON_AddItemReferenceToObject(holder, field, item)) {
    cJSON_Delete(holder);
    return asr_err_set(c->err, ASR_ENOMEM, "%s: out of memory compiling the template", c->origin);
  }
  int rc = asr_tpl_opt_num(c, holder, field, 0, p);
  cJSON_Delete(holder); /* deletes the reference only */
  return rc;
}

static int compile_lim(asr_tpl_cc_t *c, const cJSON *opts, const char *name, double bound,
                       geo_lim_t *l) {
  const cJSON *v = opts ? cJSON_GetObjectItemCaseSensitive(opts, name) : NULL;
  l->bound = bound;
  l->lo.d = -bound, l->hi.d = bound;
  if (v && asr_tplx_is_operator(v)) {
    asr_tpl_node_t *pair;
    int rc = asr_tpl_opt_node(c, opts, name, true, &pair);
    l->pair = pair;
    return rc;
  }
  if (v && (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2))
    return asr_tpl_fail(c, "option %s must be an array of two numbers [min, max]", name);
  if (v) {
    int rc = lim_item(c, name, 0, v->child, &l->lo);
    if (rc == 0) rc = lim_item(c, name, 1, v->child->next, &l->hi);
    if (rc) return rc;
  }
  if (l->lo.node || l->hi.node) return 0;
  for (int i = 0; i < 2; i++) {
    double d = i ? l->hi.d : l->lo.d;
    if (!(fabs(d) <= bound))
      return asr_tpl_fail(c, "%s[%d] must be between %g and %g, got %.17g", name, i, -bound, bound, d);
  }
  if (l->lo.d > l->hi.d)
    return asr_tpl_fail(c, "%s: min (%.17g) is greater than max (%.17g)", name, l->lo.d, l->hi.d);
  lim_steps(l->lo.d, l->hi.d, &l->klo, &l->khi);
  if (l->klo > l->khi)
    return asr_tpl_fail(c, "%s: no coordinate with 5 decimals lies between %.17g and %.17g", name,
                        l->lo.d, l->hi.d);
  l->constant = true;
  return 0;
}

static int compile_geo(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n, geo_t **out) {
  geo_t *geo = asr_tpl_alloc(c, sizeof *geo);
  if (!geo) return ASR_ENOMEM;
  n->aux = *out = geo;
  int rc = compile_lim(c, opts, "long_lim", 180, &geo->lng);
  return rc ? rc : compile_lim(c, opts, "lat_lim", 90, &geo->lat);
}

int asr_tplx_compile_coordinates(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  geo_t *geo;
  return compile_geo(c, opts, n, &geo);
}

int asr_tplx_compile_linestring(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  geo_t *geo;
  int rc = compile_geo(c, opts, n, &geo);
  return rc ? rc : asr_tplx_opt_int_in(c, opts, "locs", 2, 2, GEO_POINTS_MAX, &geo->locs);
}

int asr_tplx_compile_polygon(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  geo_t *geo;
  int rc = compile_geo(c, opts, n, &geo);
  return rc ? rc : asr_tplx_opt_int_in(c, opts, "corners", 3, 3, GEO_POINTS_MAX, &geo->corners);
}

static int compile_types(asr_tpl_cc_t *c, const cJSON *opts, geo_t *geo) {
  const cJSON *v = opts ? cJSON_GetObjectItemCaseSensitive(opts, "types") : NULL;
  int count = v ? cJSON_GetArraySize(v) : 3;
  if (v && (!cJSON_IsArray(v) || count == 0))
    return asr_tpl_fail(c, "option types must be a non-empty array of \"Point\", \"LineString\", "
                           "\"Polygon\"");
  geo->types = asr_tpl_alloc(c, (size_t)count);
  if (!geo->types) return ASR_ENOMEM;
  if (!v) { /* mgeneratejs's default order */
    geo->types[0] = GEO_POLYGON, geo->types[1] = GEO_LINESTRING, geo->types[2] = GEO_POINT;
    geo->ntypes = 3;
    return 0;
  }
  for (const cJSON *t = v->child; t; t = t->next, geo->ntypes++) {
    int k = -1;
    for (int i = 0; cJSON_IsString(t) && GEO_TYPES[i]; i++)
      if (strcmp(t->valuestring, GEO_TYPES[i]) == 0) k = i;
    if (k < 0)
      return asr_tpl_fail(c, "types[%u] must be \"Point\", \"LineString\" or \"Polygon\"", geo->ntypes);
    geo->types[geo->ntypes] = (uint8_t)k;
  }
  return 0;
}

int asr_tplx_compile_geometries(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  geo_t *geo;
  int rc = compile_geo(c, opts, n, &geo);
  if (rc == 0) rc = compile_types(c, opts, geo);
  if (rc == 0) rc = asr_tplx_opt_int_in(c, opts, "number", 3, 0, GEO_NUMBER_MAX, &geo->number);
  if (rc == 0) rc = asr_tplx_opt_int_in(c, opts, "locs", 2, 2, GEO_POINTS_MAX, &geo->locs);
  if (rc == 0) rc = asr_tplx_opt_int_in(c, opts, "corners", 3, 3, GEO_POINTS_MAX, &geo->corners);
  return rc;
}

/* ---- generate ----------------------------------------------------------------------------- */

typedef struct steps {
  int64_t klo, khi;
} steps_t;

static int iter_double(const bson_iter_t *it, double *out) {
  switch (bson_iter_type(it)) {
  case BSON_TYPE_DOUBLE: *out = bson_iter_double(it); return 0;
  case BSON_TYPE_INT32: *out = bson_iter_int32(it); return 0;
  case BSON_TYPE_INT64: *out = (double)bson_iter_int64(it); return 0;
  default: return ASR_EINVAL;
  }
}

/* [lo, hi] from an operator that makes a two-number array. */
static int eval_pair(asr_tpl_gen_t *g, const asr_tpl_node_t *pair, double *lo, double *hi) {
  bson_t tmp;
  bson_iter_t it, item;
  bool found;
  int rc = asr_tpl_eval_value(g, pair, &tmp, &it, &found);
  if (rc == 0 && !(found && BSON_ITER_HOLDS_ARRAY(&it) && bson_iter_recurse(&it, &item))) rc = ASR_EINVAL;
  if (rc == 0) rc = bson_iter_next(&item) ? iter_double(&item, lo) : ASR_EINVAL;
  if (rc == 0) rc = bson_iter_next(&item) ? iter_double(&item, hi) : ASR_EINVAL;
  if (rc == 0 && bson_iter_next(&item)) rc = ASR_EINVAL;
  bson_destroy(&tmp);
  return rc;
}

/* This document's limits (operator-valued ones are checked now; reversed ones swapped). */
static int eval_lim(asr_tpl_gen_t *g, const geo_lim_t *l, steps_t *s) {
  if (l->constant) {
    s->klo = l->klo, s->khi = l->khi;
    return 0;
  }
  double lo, hi;
  int rc;
  if (l->pair) {
    rc = eval_pair(g, l->pair, &lo, &hi);
  } else {
    asr_tpl_num_t a, b;
    rc = asr_tpl_eval_num(g, &l->lo, &a);
    if (rc == 0) rc = asr_tpl_eval_num(g, &l->hi, &b);
    if (rc == 0) lo = a.isint ? (double)a.i : a.d, hi = b.isint ? (double)b.i : b.d;
  }
  if (rc) return rc;
  if (!(fabs(lo) <= l->bound && fabs(hi) <= l->bound)) return ASR_EINVAL;
  lim_steps(fmin(lo, hi), fmax(lo, hi), &s->klo, &s->khi);
  return s->klo <= s->khi ? 0 : ASR_EINVAL;
}

typedef struct pos {
  double lng, lat;
} pos_t;

static int append_pos(bson_t *dst, const char *key, int keylen, pos_t p) {
  bson_t child;
  if (!bson_append_array_begin(dst, key, keylen, &child)) return ASR_EINVAL;
  bool ok = bson_append_double(&child, "0", 1, p.lng) && bson_append_double(&child, "1", 1, p.lat);
  return asr_tpl_ok(bson_append_array_end(dst, &child) && ok);
}

static pos_t draw_pos(asr_tpl_gen_t *g, const steps_t lim[2]) {
  pos_t p;
  p.lng = (double)asr_rng_range(&g->rng, lim[0].klo, lim[0].khi) / GEO_SCALE;
  p.lat = (double)asr_rng_range(&g->rng, lim[1].klo, lim[1].khi) / GEO_SCALE;
  return p;
}

static int eval_lims(asr_tpl_gen_t *g, const geo_t *geo, steps_t lim[2]) {
  int rc = eval_lim(g, &geo->lng, &lim[0]);
  return rc ? rc : eval_lim(g, &geo->lat, &lim[1]);
}

/* count positions under key; closed: one more, a copy of the first (a polygon's ring). */
static int append_positions(asr_tpl_gen_t *g, const steps_t lim[2], int64_t count, bool closed,
                            bson_t *dst, const char *key, int keylen) {
  bson_t arr;
  if (!bson_append_array_begin(dst, key, keylen, &arr)) return ASR_EINVAL;
  pos_t first = {0, 0};
  int rc = 0;
  for (int64_t i = 0; i < count + closed && rc == 0; i++) {
    char buf[16];
    const char *k;
    size_t klen = bson_uint32_to_string((uint32_t)i, &k, buf, sizeof buf);
    pos_t p = i == count ? first : draw_pos(g, lim);
    if (i == 0) first = p;
    rc = append_pos(&arr, k, (int)klen, p);
  }
  if (!bson_append_array_end(dst, &arr) && rc == 0) rc = ASR_EINVAL;
  return rc;
}

/* {type, coordinates} of one geometry; count = locs or corners (unused for points). */
static int append_shape(asr_tpl_gen_t *g, const steps_t lim[2], int type, int64_t count,
                        bson_t *dst, const char *key, int keylen) {
  bson_t doc, ring;
  if (!bson_append_document_begin(dst, key, keylen, &doc)) return ASR_EINVAL;
  int rc = asr_tpl_ok(BSON_APPEND_UTF8(&doc, "type", GEO_TYPES[type]));
  if (rc == 0 && type == GEO_POINT) rc = append_pos(&doc, "coordinates", 11, draw_pos(g, lim));
  if (rc == 0 && type == GEO_LINESTRING) rc = append_positions(g, lim, count, false, &doc, "coordinates", 11);
  if (rc == 0 && type == GEO_POLYGON) {
    rc = asr_tpl_ok(bson_append_array_begin(&doc, "coordinates", 11, &ring));
    if (rc == 0) {
      rc = append_positions(g, lim, count, true, &ring, "0", 1);
      if (!bson_append_array_end(&doc, &ring) && rc == 0) rc = ASR_EINVAL;
    }
  }
  if (!bson_append_document_end(dst, &doc) && rc == 0) rc = ASR_EINVAL;
  return rc;
}

int asr_tplx_gen_coordinates(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                             const char *key, int keylen) {
  steps_t lim[2];
  int rc = eval_lims(g, n->aux, lim);
  return rc ? rc : append_pos(dst, key, keylen, draw_pos(g, lim));
}

int asr_tplx_gen_point(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                       int keylen) {
  steps_t lim[2];
  int rc = eval_lims(g, n->aux, lim);
  return rc ? rc : append_shape(g, lim, GEO_POINT, 1, dst, key, keylen);
}

int asr_tplx_gen_linestring(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                            const char *key, int keylen) {
  const geo_t *geo = n->aux;
  steps_t lim[2];
  int64_t locs;
  int rc = asr_tplx_eval_int_in(g, &geo->locs, 2, GEO_POINTS_MAX, &locs);
  if (rc == 0) rc = eval_lims(g, geo, lim);
  return rc ? rc : append_shape(g, lim, GEO_LINESTRING, locs, dst, key, keylen);
}

int asr_tplx_gen_polygon(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                         int keylen) {
  const geo_t *geo = n->aux;
  steps_t lim[2];
  int64_t corners;
  int rc = asr_tplx_eval_int_in(g, &geo->corners, 3, GEO_POINTS_MAX, &corners);
  if (rc == 0) rc = eval_lims(g, geo, lim);
  return rc ? rc : append_shape(g, lim, GEO_POLYGON, corners, dst, key, keylen);
}

/* Options are evaluated once per collection, then every geometry draws its own points. */
int asr_tplx_gen_geometries(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                            const char *key, int keylen) {
  const geo_t *geo = n->aux;
  steps_t lim[2];
  int64_t number, locs, corners;
  int rc = asr_tplx_eval_int_in(g, &geo->number, 0, GEO_NUMBER_MAX, &number);
  if (rc == 0) rc = asr_tplx_eval_int_in(g, &geo->locs, 2, GEO_POINTS_MAX, &locs);
  if (rc == 0) rc = asr_tplx_eval_int_in(g, &geo->corners, 3, GEO_POINTS_MAX, &corners);
  if (rc == 0) rc = eval_lims(g, geo, lim);
  if (rc) return rc;
  bson_t doc, arr;
  if (!bson_append_document_begin(dst, key, keylen, &doc)) return ASR_EINVAL;
  rc = asr_tpl_ok(BSON_APPEND_UTF8(&doc, "type", "GeometryCollection"));
  if (rc == 0) rc = asr_tpl_ok(bson_append_array_begin(&doc, "geometries", 10, &arr));
  if (rc == 0) {
    for (int64_t i = 0; i < number && rc == 0; i++) {
      char buf[16];
      const char *k;
      size_t klen = bson_uint32_to_string((uint32_t)i, &k, buf, sizeof buf);
      int type = geo->types[asr_rng_below(&g->rng, geo->ntypes)];
      rc = append_shape(g, lim, type, type == GEO_POLYGON ? corners : locs, &arr, k, (int)klen);
    }
    if (!bson_append_array_end(&doc, &arr) && rc == 0) rc = ASR_EINVAL;
  }
  if (!bson_append_document_end(dst, &doc) && rc == 0) rc = ASR_EINVAL;
  return rc;
}
