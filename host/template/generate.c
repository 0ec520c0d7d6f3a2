/* Template evaluation: walks the compiled node tree (node.h) and appends each value straight
 * into the caller's bson_t. Per-document state (RNG, $objectid counters, string scratch) lives
 * on this call's stack, so one read-only template serves any number of threads.
 * Also the helpers operators use to read their options per document (constants directly,
 * operator-valued options by generating them into a small stack bson_t), and the ISO-8601
 * date parser shared with compile.c. */
#include <string.h>

#include "template/node.h"

/* ---- dates ------------------------------------------------------------------------------ */

static int64_t days_from_civil(int64_t y, int m, int d) {
  /* Howard Hinnant's algorithm: days since 1970-01-01 in the proleptic Gregorian calendar */
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[m - 1];
}

typedef struct {
  const char *s;
  size_t len, pos;
} scan_t;

static bool scan_digits(scan_t *sc, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++, sc->pos++) {
    if (sc->pos >= sc->len || sc->s[sc->pos] < '0' || sc->s[sc->pos] > '9') return false;
    v = v * 10 + (sc->s[sc->pos] - '0');
  }
  *out = v;
  return true;
}

static bool scan_char(scan_t *sc, char ch) {
  if (sc->pos >= sc->len || sc->s[sc->pos] != ch) return false;
  sc->pos++;
  return true;
}

/* Fractional seconds: any number of digits, milliseconds kept. */
static int scan_millis(scan_t *sc) {
  int ms = 0, nd = 0;
  while (sc->pos < sc->len && sc->s[sc->pos] >= '0' && sc->s[sc->pos] <= '9') {
    if (nd++ < 3) ms = ms * 10 + (sc->s[sc->pos] - '0');
    sc->pos++;
  }
  if (nd == 0) return -1;
  for (; nd < 3; nd++) ms *= 10;
  return ms;
}

/* Offset after the time: "Z", "+HH:MM", "+HHMM", or nothing (UTC, so a run does not depend
 * on the machine's time zone). Minutes east of UTC, or INT32_MIN when malformed. */
static int scan_offset(scan_t *sc) {
  if (sc->pos >= sc->len || scan_char(sc, 'Z')) return 0;
  int sign = sc->s[sc->pos] == '-' ? -1 : 1, oh, om;
  if (!scan_char(sc, '+') && !scan_char(sc, '-')) return INT32_MIN;
  if (!scan_digits(sc, 2, &oh)) return INT32_MIN;
  scan_char(sc, ':');
  if (!scan_digits(sc, 2, &om) || oh > 23 || om > 59) return INT32_MIN;
  return sign * (oh * 60 + om);
}

int asr_tpl_parse_date(const char *s, size_t len, int64_t *out_ms) {
  scan_t sc = {s, len, 0};
  int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0, off = 0;
  if (!scan_digits(&sc, 4, &y) || !scan_char(&sc, '-') || !scan_digits(&sc, 2, &mo) ||
      !scan_char(&sc, '-') || !scan_digits(&sc, 2, &d))
    return -1;
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) return -1;
  if (scan_char(&sc, 'T') || scan_char(&sc, ' ')) {
    if (!scan_digits(&sc, 2, &h) || !scan_char(&sc, ':') || !scan_digits(&sc, 2, &mi)) return -1;
    if (scan_char(&sc, ':')) {
      if (!scan_digits(&sc, 2, &sec)) return -1;
      if (scan_char(&sc, '.') && (ms = scan_millis(&sc)) < 0) return -1;
    }
    if (h > 23 || mi > 59 || sec > 59 || (off = scan_offset(&sc)) == INT32_MIN) return -1;
  }
  if (sc.pos != len) return -1;
  int64_t secs = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi - off) * 60 + sec;
  *out_ms = secs * 1000 + ms;
  return 0;
}

/* ---- option evaluation ------------------------------------------------------------------ */

int asr_tpl_eval_value(asr_tpl_gen_t *g, const asr_tpl_node_t *n, bson_t *tmp, bson_iter_t *it,
                       bool *found) {
  bson_init(tmp); /* inline storage: small values need no allocation */
  int rc = n->gen(n, g, tmp, "v", 1);
  *found = rc == 0 && bson_iter_init(it, tmp) && bson_iter_next(it);
  return rc;
}

static int iter_num(const bson_iter_t *it, asr_tpl_num_t *out) {
  switch (bson_iter_type(it)) {
  case BSON_TYPE_INT32: out->isint = true, out->i = bson_iter_int32(it); break;
  case BSON_TYPE_INT64: out->isint = true, out->i = bson_iter_int64(it); break;
  case BSON_TYPE_DATE_TIME: out->isint = true, out->i = bson_iter_date_time(it); break;
  case BSON_TYPE_DOUBLE:
    out->isint = false, out->d = bson_iter_double(it), out->i = 0;
    return 0;
  default: return ASR_EINVAL;
  }
  out->d = (double)out->i;
  return 0;
}

int asr_tpl_eval_num(asr_tpl_gen_t *g, const asr_tpl_param_t *p, asr_tpl_num_t *out) {
  if (!p->node) {
    out->isint = p->isint, out->i = p->i, out->d = p->d;
    return 0;
  }
  bson_t tmp;
  bson_iter_t it;
  bool found;
  int rc = asr_tpl_eval_value(g, p->node, &tmp, &it, &found);
  if (rc == 0) rc = found ? iter_num(&it, out) : ASR_EINVAL;
  bson_destroy(&tmp);
  return rc;
}

int asr_tpl_eval_int(asr_tpl_gen_t *g, const asr_tpl_param_t *p, int64_t *out) {
  if (!p->node) {
    *out = p->i;
    return 0;
  }
  asr_tpl_num_t v;
  int rc = asr_tpl_eval_num(g, p, &v);
  if (rc) return rc;
  if (!v.isint) {
    if (!(v.d >= -9223372036854775808.0 && v.d < 9223372036854775808.0) || v.d != (double)(int64_t)v.d)
      return ASR_EINVAL;
    v.i = (int64_t)v.d;
  }
  *out = v.i;
  return 0;
}

int asr_tpl_eval_date(asr_tpl_gen_t *g, const asr_tpl_param_t *p, int64_t *out_ms) {
  if (!p->node) {
    *out_ms = p->i;
    return 0;
  }
  bson_t tmp;
  bson_iter_t it;
  bool found;
  int rc = asr_tpl_eval_value(g, p->node, &tmp, &it, &found);
  if (rc == 0 && !found) rc = ASR_EINVAL;
  if (rc == 0 && BSON_ITER_HOLDS_UTF8(&it)) {
    uint32_t len;
    const char *s = bson_iter_utf8(&it, &len);
    rc = asr_tpl_parse_date(s, len, out_ms) == 0 ? 0 : ASR_EINVAL;
  } else if (rc == 0) {
    asr_tpl_num_t v;
    rc = iter_num(&it, &v);
    if (rc == 0 && !v.isint && !(v.d > -9.2e18 && v.d < 9.2e18)) rc = ASR_EINVAL;
    if (rc == 0) *out_ms = v.isint ? v.i : (int64_t)v.d;
  }
  bson_destroy(&tmp);
  return rc;
}

int asr_tpl_eval_str(asr_tpl_gen_t *g, const asr_tpl_param_t *p, bson_t *tmp, const char **s,
                     uint32_t *len) {
  if (!p->node) {
    bson_init(tmp);
    *s = p->s, *len = p->slen;
    return 0;
  }
  bson_iter_t it;
  bool found;
  int rc = asr_tpl_eval_value(g, p->node, tmp, &it, &found);
  if (rc) return rc;
  if (!found || !BSON_ITER_HOLDS_UTF8(&it)) return ASR_EINVAL;
  *s = bson_iter_utf8(&it, len);
  return 0;
}

/* ---- structure -------------------------------------------------------------------------- */

int asr_tpl_gen_literal(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                        int keylen) {
  return asr_tpl_ok(bson_append_value(dst, key, keylen, &n->lit));
}

static int gen_fields(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst) {
  for (uint32_t i = 0; i < n->nkids; i++) {
    const asr_tpl_node_t *kid = n->kids[i];
    int rc = kid->gen(kid, g, dst, n->keys[i], n->keylens[i]);
    if (rc) return rc;
  }
  return 0;
}

int asr_tpl_gen_object(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                       int keylen) {
  bson_t child;
  if (!bson_append_document_begin(dst, key, keylen, &child)) return ASR_EINVAL;
  int rc = gen_fields(n, g, &child);
  if (!bson_append_document_end(dst, &child) && rc == 0) rc = ASR_EINVAL;
  return rc;
}

int asr_tpl_gen_array(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  bson_t child;
  if (!bson_append_array_begin(dst, key, keylen, &child)) return ASR_EINVAL;
  uint32_t idx = 0;
  int rc = 0;
  for (uint32_t i = 0; i < n->nkids && rc == 0; i++) {
    char buf[16];
    const char *k;
    size_t klen = bson_uint32_to_string(idx, &k, buf, sizeof buf);
    uint32_t before = child.len;
    rc = n->kids[i]->gen(n->kids[i], g, &child, k, (int)klen);
    idx += child.len != before; /* a $missing item leaves no hole in the indexes */
  }
  if (!bson_append_array_end(dst, &child) && rc == 0) rc = ASR_EINVAL;
  return rc;
}

int asr_template_generate(const asr_template_t *t, uint64_t seed, uint64_t index, bson_t *doc) {
  asr_tpl_gen_t g; /* scratch stays uninitialized: only $string writes before reading it */
  g.t = t;
  g.seed = seed;
  g.index = index;
  memset(g.oid_occ, 0, sizeof g.oid_occ);
  asr_rng_seed(&g.rng, seed, index);
  return gen_fields(t->root, &g, doc);
}
