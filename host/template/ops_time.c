/* Template operators for times, after chance.js 1.1 (what mgeneratejs forwards to it): $ampm,
 * $hammertime (a time in milliseconds), $hour, $minute, $second, $millisecond, $months,
 * $timezones, $timezone. Option names, defaults, checks and result shapes are chance's; the
 * time zones are asrun's list (words_places.c). Every draw comes from g->rng. */
#include <stdio.h>

#include "template/ops_chance.h"
#include "template/words_places.h"

#define COUNT(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))
#define MS_PER_DAY 86400000LL
#define DATE_MAX_MS 8640000000000000LL /* JavaScript's last date, chance's default max */

static int gen_ampm(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                    int keylen) {
  return asr_tplx_put_cstr(dst, key, keylen, asr_rng_below(&g->rng, 2) ? "am" : "pm");
}

/* ---- $hammertime {min, max}: milliseconds since 1970 --------------------------------------
 * With min or max: uniform in [min (default 1), max (default JavaScript's last date)], as
 * chance.date draws; without: a time in the template clock's year up to a century later (as
 * chance.date's year), so runs stay reproducible. */

/* Days from 1970-01-01 to y-01-01 (days_from_civil, Howard Hinnant). */
static int64_t days_to_year(int64_t y) {
  y -= 1; /* January 1st is in the previous March-based year */
  int64_t era = (y >= 0 ? y : y - 399) / 400, yoe = y - era * 400;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + 306;
  return era * 146097 + doe - 719468;
}

static int64_t year_of_ms(int64_t ms) {
  int64_t days = ms / MS_PER_DAY - (ms % MS_PER_DAY < 0);
  int64_t y = 1970 + (days >= 0 ? days / 366 : days / 365 - 1); /* at most the year, then up */
  while (days_to_year(y + 1) <= days) y++;
  return y;
}

static int compile_hammertime(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int rc = asr_tpl_opt_date(c, opts, "min", 1, &n->p[0]);
  if (rc == 0) rc = asr_tpl_opt_date(c, opts, "max", DATE_MAX_MS, &n->p[1]);
  if (rc == 0 && !n->p[0].node && !n->p[1].node && n->p[0].i > n->p[1].i)
    rc = asr_tpl_fail(c, "min is later than max");
  return rc;
}

static int gen_hammertime(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                          const char *key, int keylen) {
  int64_t lo, hi;
  if (n->p[0].present || n->p[1].present) {
    int rc = asr_tpl_eval_date(g, &n->p[0], &lo);
    if (rc == 0) rc = asr_tpl_eval_date(g, &n->p[1], &hi);
    if (rc) return rc;
    if (lo > hi) return asr_tpl_gen_fail(g, n, ASR_EINVAL, "min is later than max");
  } else {
    int64_t year = year_of_ms(g->t->now_ms);
    lo = days_to_year(year) * MS_PER_DAY;
    hi = days_to_year(year + 101) * MS_PER_DAY - 1;
  }
  return asr_tpl_put_int(dst, key, keylen, asr_rng_range(&g->rng, lo, hi));
}

/* ---- $hour {twentyfour, min, max}, $minute {min, max}, $second, $millisecond ---------------- */

#define TWENTYFOUR 1u

static int compile_hour(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  bool h24 = false;
  int rc = asr_tplx_opt_flag(c, opts, "twentyfour", false, &h24);
  n->flags = h24 ? TWENTYFOUR : 0;
  return rc ? rc : asr_tplc_opt_range(c, opts, h24 ? 0 : 1, h24 ? 23 : 12, 0, h24 ? 23 : 12, n);
}

static int gen_hour(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                    int keylen) {
  int64_t v;
  int rc = asr_tplc_eval_range(n, g, 0, n->flags & TWENTYFOUR ? 23 : 12, &v);
  return rc ? rc : asr_tpl_put_int32(dst, key, keylen, (int32_t)v);
}

static int compile_minute(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  return asr_tplc_opt_range(c, opts, 0, 59, 0, 59, n);
}

static int gen_minute(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  int64_t v;
  int rc = asr_tplc_eval_range(n, g, 0, 59, &v);
  return rc ? rc : asr_tpl_put_int32(dst, key, keylen, (int32_t)v);
}

/* chance 1.1 defines second twice; the later one, without options, is the one in force. */
static int gen_second(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  return asr_tpl_put_int32(dst, key, keylen, (int32_t)asr_rng_range(&g->rng, 0, 59));
}

static int gen_millisecond(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                           const char *key, int keylen) {
  return asr_tpl_put_int32(dst, key, keylen, (int32_t)asr_rng_range(&g->rng, 0, 999));
}

/* ---- $months: [{name, short_name, numeric: "01", days}, ...] -------------------------------- */

int asr_tplt_month_doc(bson_t *dst, const char *key, int keylen, int m) {
  char numeric[3] = {(char)('0' + m / 10), (char)('0' + m % 10), '\0'};
  bson_t doc;
  if (!bson_append_document_begin(dst, key, keylen, &doc)) return ASR_EINVAL;
  bool ok = BSON_APPEND_UTF8(&doc, "name", asr_words_month.items[m - 1]) &&
            BSON_APPEND_UTF8(&doc, "short_name", asr_words_month_short[m - 1]) &&
            BSON_APPEND_UTF8(&doc, "numeric", numeric) &&
            BSON_APPEND_INT32(&doc, "days", asr_words_month_days[m - 1]);
  return asr_tpl_ok(bson_append_document_end(dst, &doc) && ok);
}

static int gen_months(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  bson_t arr;
  if (!bson_append_array_begin(dst, key, keylen, &arr)) return ASR_EINVAL;
  int rc = 0;
  for (int m = 1; m <= 12 && rc == 0; m++) {
    char idx[16];
    const char *k;
    size_t klen = bson_uint32_to_string((uint32_t)m - 1, &k, idx, sizeof idx);
    rc = asr_tplt_month_doc(&arr, k, (int)klen, m);
  }
  return asr_tpl_ok(bson_append_array_end(dst, &arr) && rc == 0);
}

/* ---- $timezone: {name, abbr, offset, isdst, text, utc: [...]}; $timezones: all of them ----- */

static bool put_timezone(bson_t *doc, const asr_timezone_t *z) {
  bool ok = BSON_APPEND_UTF8(doc, "name", z->name) && BSON_APPEND_UTF8(doc, "abbr", z->abbr);
  /* a JavaScript number: whole hours are integers (int32), 5.5 a double */
  if (ok) ok = z->offset == (double)(int32_t)z->offset ? BSON_APPEND_INT32(doc, "offset", (int32_t)z->offset)
                                                       : BSON_APPEND_DOUBLE(doc, "offset", z->offset);
  ok = ok && BSON_APPEND_BOOL(doc, "isdst", z->isdst) && BSON_APPEND_UTF8(doc, "text", z->text);
  bson_t utc;
  if (!ok || !BSON_APPEND_ARRAY_BEGIN(doc, "utc", &utc)) return false;
  for (uint32_t i = 0; z->utc[i] && ok; i++) {
    char idx[16];
    const char *k;
    size_t klen = bson_uint32_to_string(i, &k, idx, sizeof idx);
    ok = bson_append_utf8(&utc, k, (int)klen, z->utc[i], -1);
  }
  return bson_append_array_end(doc, &utc) && ok;
}

static int append_timezone(bson_t *dst, const char *key, int keylen, const asr_timezone_t *z) {
  bson_t doc;
  if (!bson_append_document_begin(dst, key, keylen, &doc)) return ASR_EINVAL;
  bool ok = put_timezone(&doc, z);
  return asr_tpl_ok(bson_append_document_end(dst, &doc) && ok);
}

static int gen_timezone(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                        int keylen) {
  const asr_timezones_t *t = &asr_words_timezone;
  return append_timezone(dst, key, keylen, &t->items[asr_rng_below(&g->rng, t->n)]);
}

static int gen_timezones(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                         const char *key, int keylen) {
  const asr_timezones_t *t = &asr_words_timezone;
  bson_t arr;
  if (!bson_append_array_begin(dst, key, keylen, &arr)) return ASR_EINVAL;
  int rc = 0;
  for (uint32_t i = 0; i < t->n && rc == 0; i++) {
    char idx[16];
    const char *k;
    size_t klen = bson_uint32_to_string(i, &k, idx, sizeof idx);
    rc = append_timezone(&arr, k, (int)klen, &t->items[i]);
  }
  return asr_tpl_ok(bson_append_array_end(dst, &arr) && rc == 0);
}

/* ---- the group ------------------------------------------------------------------------------- */

static const asr_tpl_op_t time_ops[] = {
    {"ampm", "", asr_tplx_compile_none, gen_ampm},
    {"hammertime", "min,max", compile_hammertime, gen_hammertime},
    {"hour", "twentyfour,min,max", compile_hour, gen_hour},
    {"minute", "min,max", compile_minute, gen_minute},
    {"second", "", asr_tplx_compile_none, gen_second},
    {"millisecond", "", asr_tplx_compile_none, gen_millisecond},
    {"months", "", asr_tplx_compile_none, gen_months},
    {"timezone", "", asr_tplx_compile_none, gen_timezone},
    {"timezones", "", asr_tplx_compile_none, gen_timezones},
};
const asr_tpl_op_group_t asr_tpl_ops_time = {time_ops, COUNT(time_ops)};
