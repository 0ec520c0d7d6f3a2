/* mgodatagen config → asrun template trees (cJSON), one per collection; the ordinary template
 * compiler then compiles each tree. Nothing here runs per document.
 *
 * Generator types and what they become (options as mgodatagen documents them, deprecated
 * spellings included; unknown options are an error, as mgodatagen rejects unknown fields):
 *   string {minLength=0, maxLength=8, unique}   $string, pool = mgodatagen's 64 characters,
 *                                                length {"$integer": {min, max}} (or constant);
 *                                                unique: fixed length maxLength (what
 *                                                mgodatagen's code does; its README says min)
 *   int/long {min, max (minInt/maxInt, minLong/maxLong), unique}
 *                                                $numberInt / $numberLong, mgodatagen's default
 *                                                bounds 0..MaxInt32-2 / 0..~MaxInt64 made explicit
 *   double {min, max (minDouble/maxDouble)}      $floating with the most decimals asrun can give
 *                                                for that range (mgodatagen draws full doubles)
 *   decimal {min, max}                           $numberDecimal
 *   boolean, objectId, position/coordinates      $bool, $objectid, $coordinates
 *   array {minLength=0, maxLength=3 (size), arrayContent}   $array {of, number}
 *   object {objectContent}                       a nested object
 *   fromArray/enum {in/values, randomOrder}      random: $choose; in order (the default):
 *                                                $pick with element = index mod n
 *                                                ($inc with partitionSize n; the index is
 *                                                the document's, so the elements of one
 *                                                array share it)
 *   binary {minLength=0, maxLength=10}           $binary (subtype 00, as mgodatagen)
 *   date {startDate, endDate}                    $date {min, max}
 *   constant {constVal}                          the literal
 *   autoincrement {autoType, start (startInt/startLong)}   $inc; long: wrapped in $numberLong
 *   uuid {format=string|binary}                  $uuid, or $binary length 16 subtype 04
 *   faker {method}                               the matching asrun operator (table below)
 *   stringFromParts {parts}                      $join of the parts
 *   ref/reference {id, refContent}               the generator holding refContent (the first
 *                                                in config order) defines the values; every
 *                                                other use of the id becomes
 *                                                {"$ref": {"collection", "field"}} to it
 *   count/value/boundAggregator                  error: not supported
 * nullPercentage P: mgodatagen leaves the field out of P% of documents (it is absent, not
 * null), so the value becomes {"$choose": {"from": [value, "$missing"], "weights": [100-P, P]}}.
 * As in mgodatagen it has no effect on array elements, stringFromParts parts and refContent.
 * maxDistinctValue (other than 0) is an error: asrun has no faithful equivalent.
 * Fields keep the config's order (mgodatagen, iterating a Go map, writes them in any order).
 * indexes, shardConfig and compressionLevel are accepted and not translated.
 *
 * Ownership: the translator builds new cJSON trees; on any error everything built so far is
 * freed and the caller gets nothing. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/json_error.h"
#include "template/mgodatagen.h"
#include "template/node.h" /* asr_tpl_parse_date, ASR_TPL_STRING_MAX */
#include "util/file.h"
#include "util/names.h"
#include "util/path.h"

/* mgodatagen's string alphabet */
static const char POOL[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890-_";
#define MAX_SAFE 9007199254740991.0          /* 2^53 - 1: what $floating scales to */
#define LONG_DEFAULT_MAX 9223372036854774784LL /* MaxInt64-2, rounded to the double below 2^63 */
#define BSON_MAX_LEN 16777216LL

enum {
  CTX_IN_ARRAY = 1, /* inside an array's element or a part: no ref definition possible */
  CTX_PART = 2,     /* a stringFromParts part */
  CTX_NO_NULL = 4,  /* mgodatagen ignores nullPercentage here */
};

typedef struct ref_def {
  int64_t id;
  size_t coll;       /* collection that defines the values */
  const cJSON *gen;  /* the defining generator */
  char path[512];    /* its dotted field path */
} ref_def_t;

typedef struct tr {
  const char *origin;
  asr_err_t *err;
  asr_mgo_collection_t *cols;
  size_t ncols, cur; /* collections known so far; the one being translated */
  char where[320];   /* "collection shop.orders" (or "collection #2" before names are known) */
  char path[512];
  size_t pathlen;
  const char *gtype; /* generator type being translated, for messages */
  ref_def_t *refs;
  size_t nrefs, caprefs;
  bool oom;
} tr_t;

typedef int (*tr_fn)(tr_t *t, const cJSON *g, unsigned ctx, cJSON **out);

/* ---- errors and paths -------------------------------------------------------------------- */

static int fail(tr_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(tr_t *t, const char *fmt, ...) {
  char msg[700];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (t->pathlen && t->gtype)
    return asr_err_set(t->err, ASR_EINVAL, "%s: %s, field %s, type %s: %s", t->origin, t->where,
                       t->path, t->gtype, msg);
  if (t->pathlen)
    return asr_err_set(t->err, ASR_EINVAL, "%s: %s, field %s: %s", t->origin, t->where, t->path, msg);
  if (t->where[0]) return asr_err_set(t->err, ASR_EINVAL, "%s: %s: %s", t->origin, t->where, msg);
  return asr_err_set(t->err, ASR_EINVAL, "%s: %s", t->origin, msg);
}

static int oom(tr_t *t) {
  return asr_err_set(t->err, ASR_ENOMEM, "%s: out of memory translating the config", t->origin);
}

/* The field path in the config (util/path.h); only messages and $ref field names use it. */
static size_t path_push(tr_t *t, const char *seg) {
  return asr_path_push(t->path, &t->pathlen, sizeof t->path, seg, 0);
}

static void path_pop(tr_t *t, size_t old) { asr_path_pop(t->path, &t->pathlen, old); }

/* ---- building cJSON: allocation failures set t->oom, checked once per generator ----------- */

static cJSON *jchk(tr_t *t, cJSON *j) {
  if (!j) t->oom = true;
  return j;
}
static cJSON *jnum(tr_t *t, double v) { return jchk(t, cJSON_CreateNumber(v)); }
static cJSON *jstr(tr_t *t, const char *s) { return jchk(t, cJSON_CreateString(s)); }

/* Adds v under k (takes ownership of v, even on failure). */
static void jset(tr_t *t, cJSON *o, const char *k, cJSON *v) {
  if (!o || !v || !cJSON_AddItemToObject(o, k, v)) {
    cJSON_Delete(v);
    t->oom = true;
  }
}

static void jpush(tr_t *t, cJSON *a, cJSON *v) {
  if (!a || !v || !cJSON_AddItemToArray(a, v)) {
    cJSON_Delete(v);
    t->oom = true;
  }
}

/* {"op": opts} (takes ownership of opts). */
static cJSON *jop(tr_t *t, const char *op, cJSON *opts) {
  cJSON *o = jchk(t, cJSON_CreateObject());
  jset(t, o, op, opts);
  return o;
}

static cJSON *jobj(tr_t *t) { return jchk(t, cJSON_CreateObject()); }

/* min == max: the number; else {"$integer": {"min", "max"}} (an operator-valued option). */
static cJSON *jrange(tr_t *t, int64_t min, int64_t max) {
  if (min == max) return jnum(t, (double)min);
  cJSON *o = jobj(t);
  jset(t, o, "min", jnum(t, (double)min));
  jset(t, o, "max", jnum(t, (double)max));
  return jop(t, "$integer", o);
}

/* ---- reading options ------------------------------------------------------------------- */

static const cJSON *opt(const cJSON *g, const char *name) {
  return cJSON_GetObjectItemCaseSensitive(g, name);
}

/* An integer option in [lo, hi]; absent leaves *v and *given untouched. */
static int opt_int(tr_t *t, const cJSON *g, const char *name, int64_t lo, int64_t hi, int64_t *v,
                   bool *given) {
  const cJSON *o = opt(g, name);
  if (!o) return 0;
  double d = o->valuedouble;
  if (!cJSON_IsNumber(o) || d != floor(d) || !isfinite(d))
    return fail(t, "option '%s' must be an integer", name);
  /* (double)INT64_MAX is 2^63, itself out of range */
  if (d < (double)lo || d > (double)hi || d >= 9223372036854775808.0)
    return fail(t, "option '%s' must be between %lld and %lld", name, (long long)lo, (long long)hi);
  *v = (int64_t)d;
  if (given) *given = true;
  return 0;
}

static int opt_num(tr_t *t, const cJSON *g, const char *name, double *v, bool *given) {
  const cJSON *o = opt(g, name);
  if (!o) return 0;
  if (!cJSON_IsNumber(o) || !isfinite(o->valuedouble)) return fail(t, "option '%s' must be a number", name);
  *v = o->valuedouble;
  *given = true;
  return 0;
}

static int opt_bool(tr_t *t, const cJSON *g, const char *name, bool *v) {
  const cJSON *o = opt(g, name);
  if (!o) return 0;
  if (!cJSON_IsBool(o)) return fail(t, "option '%s' must be true or false", name);
  *v = cJSON_IsTrue(o);
  return 0;
}

/* A string option; *v stays NULL when absent. */
static int opt_str(tr_t *t, const cJSON *g, const char *name, const char **v) {
  const cJSON *o = opt(g, name);
  if (!o) return 0;
  if (!cJSON_IsString(o)) return fail(t, "option '%s' must be a string", name);
  *v = o->valuestring;
  return 0;
}

/* minLength/maxLength within [0, hi] with defaults; *given when either was set. */
static int opt_lengths(tr_t *t, const cJSON *g, int64_t hi, int64_t *min, int64_t *max, bool *given) {
  int rc = opt_int(t, g, "minLength", 0, hi, min, given);
  if (rc == 0) rc = opt_int(t, g, "maxLength", 0, hi, max, given);
  if (rc == 0 && *min > *max)
    rc = fail(t, "option 'minLength' (%lld) is greater than 'maxLength' (%lld)", (long long)*min,
              (long long)*max);
  return rc;
}

/* Integer bounds: "min"/"max", else the deprecated spellings (minInt, maxLong, ...). */
static int opt_bounds(tr_t *t, const cJSON *g, const char *legacy_min, const char *legacy_max,
                      int64_t lo, int64_t hi, int64_t *min, int64_t *max) {
  const char *nmin = opt(g, "min") ? "min" : legacy_min, *nmax = opt(g, "max") ? "max" : legacy_max;
  int rc = opt_int(t, g, nmin, lo, hi, min, NULL);
  if (rc == 0) rc = opt_int(t, g, nmax, lo, hi, max, NULL);
  if (rc == 0 && *min > *max)
    rc = fail(t, "option '%s' (%lld) is greater than '%s' (%lld)", nmin, (long long)*min, nmax,
              (long long)*max);
  return rc;
}

/* A literal value copied into a template must not hold strings or keys starting with '$':
 * the compiler would read them as operators. Returns the first such string, or NULL. */
static const char *dollar_in(const cJSON *v) {
  if (cJSON_IsString(v) && v->valuestring[0] == '$') return v->valuestring;
  for (const cJSON *c = (cJSON_IsArray(v) || cJSON_IsObject(v)) ? v->child : NULL; c; c = c->next) {
    if (c->string && c->string[0] == '$') return c->string;
    const char *s = dollar_in(c);
    if (s) return s;
  }
  return NULL;
}

static int literal(tr_t *t, const cJSON *v, const char *name, cJSON **out) {
  const char *s = dollar_in(v);
  if (s)
    return fail(t, "option '%s' holds \"%.60s\": a string starting with '$' would read as an "
                   "operator in an asrun template", name, s);
  *out = jchk(t, cJSON_Duplicate(v, true));
  return 0;
}

/* ---- the generator types ------------------------------------------------------------------ */

static int tr_gen(tr_t *t, const cJSON *g, unsigned ctx, cJSON **out);
static int tr_content(tr_t *t, const cJSON *content, unsigned ctx, cJSON **out);

static int tr_string(tr_t *t, const cJSON *g, unsigned ctx, cJSON **out) {
  int64_t min = 0, max = 8;
  bool given = false, unique = false;
  int rc = opt_lengths(t, g, ASR_TPL_STRING_MAX, &min, &max, &given);
  if (rc == 0) rc = opt_bool(t, g, "unique", &unique);
  if (rc == 0 && unique && max == 0) rc = fail(t, "option 'unique' needs maxLength > 0");
  if (rc) return rc;
  cJSON *o = jobj(t);
  jset(t, o, "length", unique ? jnum(t, (double)max) : jrange(t, min, max));
  jset(t, o, "pool", jstr(t, POOL));
  if (unique) jset(t, o, "unique", jchk(t, cJSON_CreateTrue()));
  *out = jop(t, "$string", o);
  return 0;
}

static int tr_integer(tr_t *t, const cJSON *g, const char *op, const char *lmin, const char *lmax,
                      int64_t lo, int64_t hi, int64_t def_max, cJSON **out) {
  int64_t min = 0, max = def_max;
  bool unique = false;
  int rc = opt_bounds(t, g, lmin, lmax, lo, hi, &min, &max);
  if (rc == 0) rc = opt_bool(t, g, "unique", &unique);
  if (rc) return rc;
  cJSON *o = jobj(t);
  jset(t, o, "min", jnum(t, (double)min));
  jset(t, o, "max", jnum(t, (double)max));
  if (unique) jset(t, o, "unique", jchk(t, cJSON_CreateTrue()));
  *out = jop(t, op, o);
  return 0;
}

static int tr_int(tr_t *t, const cJSON *g, unsigned ctx, cJSON **out) {
  return tr_integer(t, g, "$numberInt", "minInt", "maxInt", INT32_MIN, INT32_MAX, INT32_MAX - 2, out);
}

static int tr_long(tr_t *t, const cJSON *g, unsigned ctx, cJSON **out) {
  return tr_integer(t, g, "$numberLong", "minLong", "maxLong", INT64_MIN, INT64_MAX,
                    LONG_DEFAULT_MAX, out);
}

/* $floating keeps min*10^fixed within 2^53: the most decimals that allows for this range. */
static int floating_fixed(double min, double max) {
  double most = fmax(fabs(min), fabs(max)), p = 1e15;
  for (int fixed = 15; fixed >= 0; fixed--, p /= 10)
    if (most * p <= MAX_SAFE) return fixed;
  return -1;
}

static int tr_double(tr_t *t, const cJSON *g, unsigned ctx, cJSON **out) {
  const char *nmin = opt(g, "min") ? "min" : "minDouble", *nmax = opt(g, "max") ? "max" : "maxDouble";
  double min = 0, max = 0;
  bool gmin = false, gmax = false;
  int rc = opt_num(t, g, nmin, &min, &gmin);
  if (rc == 0) rc = opt_num(t, g, nmax, &max, &gmax);
  if (rc) return rc;
  cJSON *o = jobj(t);
  jset(t, o, "min", jnum(t, min)); /* mgodatagen's default min is 0 */
  if (gmax) {                      /* its default max (MaxFloat64) has no $floating equivalent */
    int fixed = floating_fixed(min, max);
    if (min > max) rc = fail(t, "option '%s' (%.17g) is greater than '%s' (%.17g)", nmin, min, nmax, max);
    else if (fixed < 0) rc = fail(t, "options '%s' and '%s' must be within +-%.0f", nmin, nmax, MAX_SAFE);
    jset(t, o, "max", jnum(t, max));
    jset(t, o, "fixed", jnum(t, fixed));
  }
  *out = jop(t, "$floating", o);
  return rc;
}

static int tr_decimal(tr_t *t, const cJSON *g, unsigned ctx, cJSON **out) {
  double min = 0, max = 0;
  bool gmin = false, gmax = false;
  int rc = opt_num(t, g, "min", &min, &gmin);
  if (rc == 0) rc = opt_num(t, g, "max", &max, &gmax);
  if (rc == 0 && gmin && gmax && min > max)
    rc = fail(t, "option 'min' (%.17g) is greater than 'max' (%.17g)", min, max);
  if (rc) return rc;
  if (!gmin && !gmax) {
    *out = jstr(t, "$numberDecimal");
    return 0;
  }
  cJSON *o = jobj(t);
  if (gmin) jset(t, o, "min", jnum(t, min));
  if (gmax) jset(t, o, "max", jnum(t, max));
  *out = jop(t, "$numberDecimal", o);
  return 0;
}

static int tr_bool(tr_t *t, const cJSON *g, unsigned ctx, cJSON **out) {
  *out = jstr(t, "$bool");
  return 0;
}

static int tr_objectid(tr_t *t, const cJSON *g, unsigned ctx, cJSON **out) {
  *out = jstr(t, "$objectid");
  return 0;
}

static int tr_position(tr_t *t, const cJSON *g, unsigned ctx, cJSON **out) {
  *out = jstr(t, "$coordinates"); /* [longitude, latitude], as mgodatagen */
  return 0;
}

static int tr_array(tr_t *t, const cJSON *g, unsigned ctx, cJSON **out) {
  int64_t min = 0, max = 3, size = 0;
  bool given = false;
  int rc = opt_lengths(t, g, UINT32_MAX, &min, &max, &given);
  if (rc == 0) rc = opt_int(t, g, "size", 0, UINT32_MAX, &size, NULL);
  if (rc) return rc;
  if (!given && size > 0) min = max = size; /* the deprecated spelling, when alone */
  const cJSON *content = opt(g, "arrayContent");
  if (!content) return fail(t, "option 'arrayContent' is required");
  cJSON *of = NULL;
  const char *saved = t->gtype;
  rc = tr_gen(t, content, CTX_IN_ARRAY | CTX_NO_NULL, &of);
  t->gtype = saved;
  if (rc) return rc;
  cJSON *o = jobj(t);
  jset(t, o, "of", of);
  jset(t, o, "number", jrange(t, min, max));
  *out = jop(t, "$array", o);
  return 0;
}

static int tr_object(tr_t *t, const cJSON *g, unsigned ctx, cJSON **out) {
  const cJSON *content = opt(g, "objectContent");
  if (!content) return fail(t, "option 'objectContent' is required");
  if (!cJSON_IsObject(content)) return fail(t, "option 'objectContent' must be an object of generators");
  const char *saved = t->gtype;
  int rc = tr_content(t, content, ctx & CTX_IN_ARRAY, out);
  t->gtype = saved;
  return rc;
}

static int tr_enum(tr_t *t, const cJSON *g, unsigned ctx, cJSON **out) {
  const char *name = opt(g, "values") ? "values" : "in"; /* "in" is the deprecated spelling */
  const cJSON *values = opt(g, name);
  bool random = false;
  int rc = opt_bool(t, g, "randomOrder", &random);
  if (rc) return rc;
  if (!cJSON_IsArray(values) || !values->child)
    return fail(t, "option '%s' must be a non-empty array", name);
  cJSON *arr = NULL;
  if ((rc = literal(t, values, name, &arr))) return rc;
  int n = cJSON_GetArraySize(values);
  if (random) {
    *out = jop(t, "$choose", jop(t, "from", arr));
  } else if (n == 1) { /* in order through one value: that value */
    *out = jchk(t, cJSON_DetachItemFromArray(arr, 0));
    cJSON_Delete(arr);
  } else { /* mgodatagen cycles through the values: document i gets values[i mod n] */
    cJSON *inc = jobj(t), *o = jobj(t);
    jset(t, inc, "start", jnum(t, 0));
    jset(t, inc, "step", jnum(t, 1));
    jset(t, inc, "partitionSize", jnum(t, n));
    jset(t, o, "array", arr);
    jset(t, o, "element", jop(t, "$inc", inc));
    *out = jop(t, "$pick", o);
  }
  return 0;
}

static int tr_binary(tr_t *t, const cJSON *g, unsigned ctx, cJSON **out) {
  int64_t min = 0, max = 10;
  bool given = false;
  int rc = opt_lengths(t, g, BSON_MAX_LEN, &min, &max, &given);
  if (rc) return rc;
  *out = jop(t, "$binary", jop(t, "length", jrange(t, min, max)));
  return 0;
}

static int opt_date(tr_t *t, const cJSON *g, const char *name, const char **s, int64_t *ms) {
  int rc = opt_str(t, g, name, s);
  if (rc) return rc;
  if (!*s) return fail(t, "option '%s' is required", name);
  if (asr_tpl_parse_date(*s, strlen(*s), ms) != 0)
    return fail(t, "option '%s' must be an RFC 3339 date (2006-01-02T15:04:05+07:00), got \"%.40s\"",
                name, *s);
  return 0;
}

static int tr_date(tr_t *t, const cJSON *g, unsigned ctx, cJSON **out) {
  const char *start = NULL, *end = NULL;
  int64_t a = 0, b = 0;
  int rc = opt_date(t, g, "startDate", &start, &a);
  if (rc == 0) rc = opt_date(t, g, "endDate", &end, &b);
  if (rc == 0 && a > b) rc = fail(t, "option 'startDate' is later than 'endDate'");
  if (rc) return rc;
  cJSON *o = jobj(t);
  jset(t, o, "min", jstr(t, start));
  jset(t, o, "max", jstr(t, end));
  *out = jop(t, "$date", o);
  return 0;
}

static int tr_constant(tr_t *t, const cJSON *g, unsigned ctx, cJSON **out) {
  const cJSON *v = opt(g, "constVal");
  if (!v) return fail(t, "option 'constVal' is required");
  return literal(t, v, "constVal", out);
}

static int tr_autoincrement(tr_t *t, const cJSON *g, unsigned ctx, cJSON **out) {
  const char *type = NULL;
  int rc = opt_str(t, g, "autoType", &type);
  if (rc) return rc;
  bool is_long = type && strcmp(type, "long") == 0;
  if (!type || (!is_long && strcmp(type, "int") != 0))
    return fail(t, "option 'autoType' must be 'int' or 'long'");
  const char *name = opt(g, "start") ? "start" : is_long ? "startLong" : "startInt";
  int64_t start = 0;
  rc = is_long ? opt_int(t, g, name, INT64_MIN, INT64_MAX, &start, NULL)
               : opt_int(t, g, name, INT32_MIN, INT32_MAX, &start, NULL);
  if (rc) return rc;
  cJSON *inc = jop(t, "$inc", jop(t, "start", jnum(t, (double)start)));
  if (!is_long) {
    *out = inc;
    return 0;
  }
  /* $inc gives an int32 while the value fits; mgodatagen's long counter is always an int64.
   * $numberLong with min = max = the counter forces the type. */
  cJSON *o = jobj(t);
  jset(t, o, "min", inc);
  jset(t, o, "max", jchk(t, cJSON_Duplicate(inc, true)));
  *out = jop(t, "$numberLong", o);
  return 0;
}

static int tr_uuid(tr_t *t, const cJSON *g, unsigned ctx, cJSON **out) {
  const char *format = NULL;
  bool unique = false;
  int rc = opt_str(t, g, "format", &format);
  if (rc == 0) rc = opt_bool(t, g, "unique", &unique);
  if (rc) return rc;
  if (!format || strcmp(format, "string") == 0) {
    *out = unique ? jop(t, "$uuid", jop(t, "unique", jchk(t, cJSON_CreateTrue()))) : jstr(t, "$uuid");
    return 0;
  }
  if (strcmp(format, "binary") != 0) return fail(t, "option 'format' must be 'string' or 'binary'");
  if (unique) return fail(t, "option 'unique' is not supported with format 'binary'");
  cJSON *o = jobj(t); /* a BSON UUID: binary subtype 4 */
  jset(t, o, "length", jnum(t, 16));
  jset(t, o, "subtype", jstr(t, "04"));
  *out = jop(t, "$binary", o);
  return 0;
}

/* faker methods (gofakeit names, with mgodatagen's older aliases) → asrun operators. Where
 * asrun has no operator, a short list or a composition of the same shape stands in. */
#define DIGITS(n) "{\"$string\":{\"length\":" #n ",\"pool\":\"0123456789\"}}"
#define HEX(n) "{\"$hash\":{\"length\":" #n "}}"
static const struct faker {
  const char *method, *tpl;
} fakers[] = {
    {"CellPhoneNumber", DIGITS(10)},
    {"City", "\"$city\""},
    {"CityPrefix", "\"$city\""},
    {"CitySuffix", "\"$city\""},
    {"Company", "\"$company\""},
    {"CompanyName", "\"$company\""},
    {"CompanySuffix", "{\"$choose\":{\"from\":[\"Inc\",\"and Sons\",\"LLC\",\"Group\"]}}"},
    {"Country", "\"$country\""},
    {"CountryAbr", "\"$country\""},
    {"CreditCardCvv", DIGITS(3)},
    {"DomainName", "\"$domain\""},
    {"DomainSuffix", "{\"$choose\":{\"from\":[\"com\",\"biz\",\"info\",\"name\",\"net\",\"org\",\"io\"]}}"},
    {"DomainWord", "\"$domain\""},
    {"Email", "\"$email\""},
    {"FirstName", "\"$first\""},
    {"FreeEmail", "\"$email\""},
    {"Gender", "{\"$choose\":{\"from\":[\"male\",\"female\"]}}"},
    {"HTTPMethod", "{\"$choose\":{\"from\":[\"HEAD\",\"GET\",\"POST\",\"PUT\",\"PATCH\",\"DELETE\"]}}"},
    {"HexColor", "{\"$color\":{\"format\":\"hex\"}}"},
    {"IPv4Address", "\"$ip\""},
    {"IPv6Address", "{\"$join\":{\"array\":[" HEX(4) "," HEX(4) "," HEX(4) "," HEX(4) "," HEX(4) ","
                    HEX(4) "," HEX(4) "," HEX(4) "],\"sep\":\":\"}}"},
    {"LastName", "\"$last\""},
    {"Letter", "{\"$character\":{\"pool\":\"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\"}}"},
    {"MacAddress", "{\"$join\":{\"array\":[" HEX(2) "," HEX(2) "," HEX(2) "," HEX(2) "," HEX(2) ","
                   HEX(2) "],\"sep\":\":\"}}"},
    {"Month", "\"$month\""},
    {"Name", "\"$name\""},
    {"NamePrefix", "{\"$choose\":{\"from\":[\"Mr.\",\"Mrs.\",\"Ms.\",\"Miss\",\"Dr.\"]}}"},
    {"NameSuffix", "{\"$choose\":{\"from\":[\"Jr.\",\"Sr.\",\"I\",\"II\",\"III\",\"IV\",\"V\",\"MD\","
                   "\"DDS\",\"PhD\",\"DVM\"]}}"},
    {"Phone", DIGITS(10)},
    {"PhoneFormatted", "\"$phone\""},
    {"PhoneNumber", DIGITS(10)},
    {"PostCode", "\"$zip\""},
    {"SSN", DIGITS(9)},
    {"SafeColor", "{\"$choose\":{\"from\":[\"black\",\"maroon\",\"green\",\"navy\",\"olive\",\"purple\","
                  "\"teal\",\"lime\",\"blue\",\"silver\",\"gray\",\"yellow\",\"fuchsia\",\"aqua\",\"white\"]}}"},
    {"SafeEmail", "\"$email\""},
    {"SecondaryAddress", "\"$street\""},
    {"State", "\"$state\""},
    {"StateAbbr", "\"$state\""},
    {"StateAbr", "\"$state\""},
    {"Street", "\"$address\""}, /* gofakeit's Street has the house number */
    {"StreetAddress", "\"$street\""},
    {"StreetName", "\"$street\""},
    {"URL", "\"$url\""},
    {"UserName", "{\"$join\":{\"array\":[\"$last\"," DIGITS(4) "]}}"},
    {"Username", "{\"$join\":{\"array\":[\"$last\"," DIGITS(4) "]}}"},
    {"WeekDay", "\"$weekday\""},
    {"Word", "\"$word\""},
    {"Zip", "\"$zip\""},
};

static int tr_faker(tr_t *t, const cJSON *g, unsigned ctx, cJSON **out) {
  const char *method = NULL;
  bool unique = false;
  int rc = opt_str(t, g, "method", &method);
  if (rc == 0) rc = opt_bool(t, g, "unique", &unique);
  if (rc) return rc;
  if (!method) return fail(t, "option 'method' is required");
  const struct faker *f = NULL;
  for (size_t i = 0; i < sizeof fakers / sizeof fakers[0] && !f; i++)
    if (strcmp(fakers[i].method, method) == 0) f = &fakers[i];
  if (!f) return fail(t, "faker method '%.60s' is not supported", method);
  if (unique && strcmp(f->tpl, "\"$email\"") != 0) /* asrun's unique covers $email, not names */
    return fail(t, "option 'unique' is not supported for faker method '%s'", method);
  if (unique) *out = jop(t, "$email", jop(t, "unique", jchk(t, cJSON_CreateTrue())));
  else *out = jchk(t, cJSON_Parse(f->tpl));
  return 0;
}

static int tr_parts(tr_t *t, const cJSON *g, unsigned ctx, cJSON **out) {
  const cJSON *parts = opt(g, "parts");
  if (!cJSON_IsArray(parts) || !parts->child)
    return fail(t, "option 'parts' must be a non-empty array of generators");
  cJSON *arr = jchk(t, cJSON_CreateArray());
  const char *saved = t->gtype;
  int rc = 0, i = 0;
  for (const cJSON *p = parts->child; p && rc == 0; p = p->next, i++) {
    char seg[32];
    snprintf(seg, sizeof seg, "parts[%d]", i);
    size_t old = path_push(t, seg);
    cJSON *v = NULL;
    rc = tr_gen(t, p, CTX_IN_ARRAY | CTX_PART | CTX_NO_NULL, &v);
    jpush(t, arr, v);
    path_pop(t, old);
    t->gtype = saved;
  }
  if (rc) {
    cJSON_Delete(arr);
    return rc;
  }
  *out = jop(t, "$join", jop(t, "array", arr));
  return 0;
}

static const ref_def_t *ref_find(const tr_t *t, int64_t id) {
  for (size_t i = 0; i < t->nrefs; i++)
    if (t->refs[i].id == id) return &t->refs[i];
  return NULL;
}

static int tr_ref(tr_t *t, const cJSON *g, unsigned ctx, cJSON **out) {
  int64_t id = 0;
  bool given = false;
  int rc = opt_int(t, g, "id", INT64_MIN, INT64_MAX, &id, &given);
  if (rc) return rc;
  if (!given) return fail(t, "option 'id' is required");
  const cJSON *content = opt(g, "refContent");
  if (content && !cJSON_IsObject(content)) return fail(t, "option 'refContent' must be a generator object");
  const ref_def_t *def = ref_find(t, id);
  if (!def) return fail(t, "reference id %lld has no refContent in any collection", (long long)id);
  if (def->gen == g) { /* the definition: this field holds the values the others pick from */
    const char *saved = t->gtype;
    rc = tr_gen(t, content, (ctx & CTX_IN_ARRAY) | CTX_NO_NULL, out);
    t->gtype = saved;
    return rc;
  }
  const asr_mgo_collection_t *c = &t->cols[def->coll];
  if (def->coll == t->cur)
    return fail(t, "reference id %lld is defined in this same collection (field %s): not supported",
                (long long)id, def->path);
  for (size_t i = 0; i < t->ncols; i++) /* $ref names a collection by its name alone */
    if (i != def->coll && strcmp(t->cols[i].collection, c->collection) == 0)
      return fail(t, "reference id %lld: collection name '%s' is used in databases '%s' and '%s'",
                  (long long)id, c->collection, c->database, t->cols[i].database);
  cJSON *o = jobj(t);
  jset(t, o, "collection", jstr(t, c->collection));
  jset(t, o, "field", jstr(t, def->path));
  *out = jop(t, "$ref", o);
  return 0;
}

static const struct gtype {
  const char *name;
  const char *options; /* besides type, nullPercentage and maxDistinctValue */
  tr_fn fn;            /* NULL: not supported */
} gtypes[] = {
    {"array", "minLength,maxLength,size,arrayContent", tr_array},
    {"autoincrement", "autoType,start,startInt,startLong", tr_autoincrement},
    {"binary", "minLength,maxLength", tr_binary},
    {"boolean", "", tr_bool},
    {"boundAggregator", "", NULL},
    {"constant", "constVal", tr_constant},
    {"coordinates", "", tr_position},
    {"countAggregator", "", NULL},
    {"date", "startDate,endDate", tr_date},
    {"decimal", "min,max", tr_decimal},
    {"double", "min,max,minDouble,maxDouble", tr_double},
    {"enum", "values,in,randomOrder", tr_enum},
    {"faker", "method,unique", tr_faker},
    {"fromArray", "values,in,randomOrder", tr_enum},
    {"int", "min,max,minInt,maxInt,unique", tr_int},
    {"long", "min,max,minLong,maxLong,unique", tr_long},
    {"object", "objectContent", tr_object},
    {"objectId", "", tr_objectid},
    {"position", "", tr_position},
    {"ref", "id,refContent", tr_ref},
    {"reference", "id,refContent", tr_ref},
    {"string", "minLength,maxLength,unique", tr_string},
    {"stringFromParts", "parts", tr_parts},
    {"uuid", "format,unique", tr_uuid},
    {"valueAggregator", "", NULL},
};

static const struct gtype *gtype_find(const char *name) {
  for (size_t i = 0; i < sizeof gtypes / sizeof gtypes[0]; i++)
    if (strcmp(gtypes[i].name, name) == 0) return &gtypes[i];
  return NULL;
}

/* Unknown options are typos (mgodatagen rejects unknown fields too). */
static int check_options(tr_t *t, const cJSON *g, const struct gtype *gt) {
  for (const cJSON *o = g->child; o; o = o->next) {
    for (const cJSON *q = g->child; q != o; q = q->next)
      if (strcmp(q->string, o->string) == 0) return fail(t, "option '%.60s' is given twice", o->string);
    if (asr_names_in_list("type,nullPercentage,maxDistinctValue", o->string) || asr_names_in_list(gt->options, o->string))
      continue;
    char expected[200]; /* the option list with ", " between names */
    size_t k = 0;
    for (const char *p = gt->options; *p && k < sizeof expected - 64; p++) {
      expected[k++] = *p;
      if (*p == ',') expected[k++] = ' ';
    }
    snprintf(expected + k, sizeof expected - k, "%snullPercentage, maxDistinctValue",
             gt->options[0] ? ", " : "");
    return fail(t, "unknown option '%.60s' (expected one of: %s)", o->string, expected);
  }
  return 0;
}

/* mgodatagen drops the field from P% of documents. */
static cJSON *wrap_missing(tr_t *t, cJSON *v, int64_t pct) {
  cJSON *from = jchk(t, cJSON_CreateArray()), *weights = jchk(t, cJSON_CreateArray()), *o = jobj(t);
  jpush(t, from, v);
  jpush(t, from, jstr(t, "$missing"));
  jpush(t, weights, jnum(t, (double)(100 - pct)));
  jpush(t, weights, jnum(t, (double)pct));
  jset(t, o, "from", from);
  jset(t, o, "weights", weights);
  return jop(t, "$choose", o);
}

/* One generator → one template value (*out, owned by the caller). On error *out is NULL. */
static int tr_gen(tr_t *t, const cJSON *g, unsigned ctx, cJSON **out) {
  *out = NULL;
  t->gtype = NULL;
  if (!cJSON_IsObject(g)) return fail(t, "a generator must be an object with a 'type'");
  const char *type = NULL;
  int rc = opt_str(t, g, "type", &type);
  if (rc) return rc;
  if (!type) return fail(t, "option 'type' is required");
  const struct gtype *gt = gtype_find(type);
  if (!gt) return fail(t, "unknown generator type '%.60s'", type);
  if (!gt->fn) return fail(t, "generator type '%s' is not supported", gt->name);
  t->gtype = gt->name;
  int64_t pct = 0, distinct = 0;
  rc = check_options(t, g, gt);
  if (rc == 0) rc = opt_int(t, g, "maxDistinctValue", 0, INT64_MAX, &distinct, NULL);
  if (rc == 0 && distinct) rc = fail(t, "option 'maxDistinctValue' is not supported");
  if (rc == 0) rc = opt_int(t, g, "nullPercentage", 0, 100, &pct, NULL);
  if (rc == 0 && (ctx & CTX_PART)) { /* mgodatagen's own limits on parts */
    if (gt->fn == tr_object || gt->fn == tr_binary)
      rc = fail(t, "a stringFromParts part cannot be of type '%s'", gt->name);
    else if (cJSON_IsTrue(opt(g, "unique")))
      rc = fail(t, "option 'unique' is not supported in a stringFromParts part");
  }
  if (rc == 0) rc = gt->fn(t, g, ctx, out);
  if (rc == 0 && pct && !(ctx & CTX_NO_NULL)) *out = wrap_missing(t, *out, pct);
  if (rc == 0 && t->oom) rc = oom(t);
  if (rc) {
    cJSON_Delete(*out);
    *out = NULL;
  }
  return rc;
}

/* An object of generators (a collection's content or objectContent) → a template object. */
static int tr_content(tr_t *t, const cJSON *content, unsigned ctx, cJSON **out) {
  cJSON *o = jobj(t);
  uint32_t *first = NULL, i = 0; /* repeated fields, found with one sort (any object size) */
  int rc = t->oom || asr_tpl_key_repeats(content, &first) ? oom(t) : 0;
  for (const cJSON *f = content->child; f && rc == 0; f = f->next, i++) {
    size_t old = path_push(t, f->string);
    t->gtype = NULL;
    cJSON *v = NULL;
    if (f->string[0] == '$')
      rc = fail(t, "field names must not start with '$'");
    else if (first && first[i] != i)
      rc = fail(t, "the field is declared twice");
    else
      rc = tr_gen(t, f, ctx, &v);
    if (rc == 0) jset(t, o, f->string, v);
    if (rc == 0 && t->oom) rc = oom(t);
    path_pop(t, old);
  }
  free(first);
  if (rc) cJSON_Delete(o);
  *out = rc ? NULL : o;
  return rc;
}

/* ---- pass 1: where each reference id is defined ------------------------------------------ */

static int collect_refs(tr_t *t, const cJSON *g, unsigned ctx);

static int collect_fields(tr_t *t, const cJSON *content, unsigned ctx) {
  int rc = 0;
  for (const cJSON *f = cJSON_IsObject(content) ? content->child : NULL; f && rc == 0; f = f->next) {
    size_t old = path_push(t, f->string);
    rc = collect_refs(t, f, ctx);
    path_pop(t, old);
  }
  return rc;
}

/* Walks one generator; malformed ones are skipped here and reported by the translation. */
static int collect_refs(tr_t *t, const cJSON *g, unsigned ctx) {
  if (!cJSON_IsObject(g)) return 0;
  const cJSON *type = opt(g, "type"), *id = opt(g, "id"), *content = opt(g, "refContent");
  if (!cJSON_IsString(type)) return 0;
  const char *ty = type->valuestring;
  int rc = 0;
  if ((!strcmp(ty, "ref") || !strcmp(ty, "reference")) && cJSON_IsObject(content) &&
      cJSON_IsNumber(id) && id->valuedouble == floor(id->valuedouble) && fabs(id->valuedouble) < 9e18 &&
      !ref_find(t, (int64_t)id->valuedouble)) {
    t->gtype = ty;
    if (ctx & CTX_IN_ARRAY) /* $ref needs a field path, and an array has no single value */
      return fail(t, "a reference defined (with refContent) inside an array or stringFromParts is "
                     "not supported");
    if (t->nrefs == t->caprefs) {
      size_t cap = t->caprefs ? t->caprefs * 2 : 8;
      ref_def_t *p = realloc(t->refs, cap * sizeof *p);
      if (!p) return oom(t);
      t->refs = p, t->caprefs = cap;
    }
    ref_def_t *d = &t->refs[t->nrefs++];
    d->id = (int64_t)id->valuedouble, d->coll = t->cur, d->gen = g;
    snprintf(d->path, sizeof d->path, "%s", t->path);
  }
  if (!strcmp(ty, "ref") || !strcmp(ty, "reference")) rc = collect_refs(t, content, ctx);
  if (!strcmp(ty, "object")) rc = collect_fields(t, opt(g, "objectContent"), ctx);
  if (!strcmp(ty, "array")) rc = collect_refs(t, opt(g, "arrayContent"), ctx | CTX_IN_ARRAY);
  const cJSON *parts = opt(g, "parts");
  int i = 0;
  for (const cJSON *p = !strcmp(ty, "stringFromParts") && cJSON_IsArray(parts) ? parts->child : NULL;
       p && rc == 0; p = p->next, i++) {
    char seg[32];
    snprintf(seg, sizeof seg, "parts[%d]", i);
    size_t old = path_push(t, seg);
    rc = collect_refs(t, p, ctx | CTX_IN_ARRAY);
    path_pop(t, old);
  }
  return rc;
}

/* ---- collections ----------------------------------------------------------------------- */

static const char COLL_KEYS[] = "database,collection,count,content,compressionLevel,indexes,shardConfig";

/* Checks one entry of the config array and fills cols[i] (names and count). */
static int read_collection(tr_t *t, const cJSON *e, size_t i) {
  snprintf(t->where, sizeof t->where, "collection #%zu", i + 1);
  if (!cJSON_IsObject(e)) return fail(t, "must be an object");
  const cJSON *db = opt(e, "database"), *name = opt(e, "collection"), *count = opt(e, "count");
  if (!cJSON_IsString(db) || !db->valuestring[0]) return fail(t, "'database' must be a non-empty string");
  if (!cJSON_IsString(name) || !name->valuestring[0])
    return fail(t, "'collection' must be a non-empty string");
  snprintf(t->where, sizeof t->where, "collection %.100s.%.100s", db->valuestring, name->valuestring);
  for (size_t j = 0; j < i; j++)
    if (!strcmp(t->cols[j].database, db->valuestring) && !strcmp(t->cols[j].collection, name->valuestring))
      return fail(t, "declared twice (entries #%zu and #%zu)", j + 1, i + 1);
  /* indexes, shardConfig and compressionLevel shape the target collection, not its documents:
   * accepted and left to whoever creates the collection */
  for (const cJSON *k = e->child; k; k = k->next)
    if (!asr_names_in_list(COLL_KEYS, k->string))
      return fail(t, "unknown key '%.60s' (expected one of: database, collection, count, content, "
                     "compressionLevel, indexes, shardConfig)", k->string);
  if (!cJSON_IsNumber(count) || count->valuedouble != floor(count->valuedouble) ||
      count->valuedouble < 1 || count->valuedouble > MAX_SAFE)
    return fail(t, "'count' must be a positive integer");
  if (!cJSON_IsObject(opt(e, "content"))) return fail(t, "'content' must be an object of generators");
  asr_mgo_collection_t *c = &t->cols[i];
  c->database = strdup(db->valuestring);
  c->collection = strdup(name->valuestring);
  c->count = (uint64_t)count->valuedouble;
  return c->database && c->collection ? 0 : oom(t);
}


static const char *describe(const cJSON *v) {
  switch (v->type & 0xFF) {
  case cJSON_Object: return "an object";
  case cJSON_String: return "a string";
  case cJSON_Number: return "a number";
  case cJSON_NULL: return "null";
  default: return "a boolean";
  }
}

int asr_mgodatagen_parse(const char *json, size_t len, const char *origin,
                         asr_mgo_collection_t **out, size_t *n, asr_err_t *err) {
  const char *end = NULL;
  tr_t t = {.origin = origin ? origin : "mgodatagen config", .err = err};
  *out = NULL, *n = 0;
  /* return_parse_end, not cJSON_GetErrorPtr: the latter is a global, racy across threads */
  cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
  int rc = 0;
  if (!root) {
    rc = asr_json_error(t.origin, json, len, end, "malformed JSON", err);
    goto done;
  }
  while (end && end < json + len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
    end++;
  if (end && end < json + len) {
    rc = asr_json_error(t.origin, json, len, end, "unexpected text after the config", err);
    goto done;
  }
  if ((rc = asr_json_refuse_nul(t.origin, json, len, err))) goto done;
  if (!cJSON_IsArray(root)) {
    rc = fail(&t, "the config must be a JSON array of collections, got %s", describe(root));
    goto done;
  }
  if (!root->child) {
    rc = fail(&t, "the config holds no collection");
    goto done;
  }
  size_t count = (size_t)cJSON_GetArraySize(root), i = 0;
  t.cols = calloc(count, sizeof *t.cols);
  if (!t.cols) {
    rc = oom(&t);
    goto done;
  }
  for (const cJSON *e = root->child; e && rc == 0; e = e->next, i++, t.ncols++)
    rc = read_collection(&t, e, i);
  i = 0;
  for (const cJSON *e = root->child; e && rc == 0; e = e->next, i++) {
    t.cur = i;
    snprintf(t.where, sizeof t.where, "collection %.100s.%.100s", t.cols[i].database, t.cols[i].collection);
    rc = collect_fields(&t, opt(e, "content"), 0);
  }
  i = 0;
  for (const cJSON *e = root->child; e && rc == 0; e = e->next, i++) {
    t.cur = i;
    snprintf(t.where, sizeof t.where, "collection %.100s.%.100s", t.cols[i].database, t.cols[i].collection);
    rc = tr_content(&t, opt(e, "content"), 0, &t.cols[i].tpl);
  }
  if (rc == 0) {
    *out = t.cols, *n = t.ncols;
    t.cols = NULL, t.ncols = 0;
  }
done:
  asr_mgodatagen_free(t.cols, t.ncols);
  free(t.refs);
  cJSON_Delete(root);
  return rc;
}

int asr_mgodatagen_load(const char *path, asr_mgo_collection_t **out, size_t *n, asr_err_t *err) {
  char *text = NULL;
  size_t len = 0;
  *out = NULL, *n = 0;
  int rc = asr_read_file(path, "mgodatagen config", &text, &len, err);
  if (rc == 0) rc = asr_mgodatagen_parse(text, len, path, out, n, err);
  free(text);
  return rc;
}

void asr_mgodatagen_free(asr_mgo_collection_t *c, size_t n) {
  if (!c) return;
  for (size_t i = 0; i < n; i++) {
    free(c[i].database);
    free(c[i].collection);
    cJSON_Delete(c[i].tpl);
  }
  free(c);
}
