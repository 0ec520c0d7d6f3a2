/* Template evaluation: walks the compiled node tree (node.h) and appends each value straight
 * into the caller's bson_t. Per-document state (RNG, $objectid counters, string scratch) lives
 * on this call's stack, so one read-only template serves any number of threads.
 * Also the fast appends (asr_tpl_put_*: elements written straight into the document's buffer),
 * the helpers operators use to read their options per document (constants directly,
 * operator-valued options by generating them into a small stack bson_t), run-time errors with
 * the failing node's JSON path, and the ISO-8601 date parser shared with compile.c. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "template/node.h"
#include "core/civil.h"

/* ---- dates ------------------------------------------------------------------------------ */


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
  int64_t secs = ((asr_days_from_civil(y, mo, d) * 24 + h) * 60 + mi - off) * 60 + sec;
  *out_ms = secs * 1000 + ms;
  return 0;
}

/* ---- fast appends (the rest are inline in node.h) ----------------------------------------- */

int asr_tpl_put_oid(bson_t *dst, const char *key, int keylen, const uint8_t bytes[12]) {
  uint8_t *p = asr_tpl_put_begin(dst, BSON_TYPE_OID, key, keylen, 12);
  if (p) {
    memcpy(p, bytes, 12);
    return 0;
  }
  bson_oid_t oid;
  bson_oid_init_from_data(&oid, bytes);
  return asr_tpl_ok(bson_append_oid(dst, key, keylen, &oid));
}

int asr_tpl_put_value(bson_t *dst, const char *key, int keylen, const bson_value_t *v) {
  switch (v->value_type) {
  case BSON_TYPE_INT32: return asr_tpl_put_int32(dst, key, keylen, v->value.v_int32);
  case BSON_TYPE_INT64: return asr_tpl_put_int64(dst, key, keylen, v->value.v_int64);
  case BSON_TYPE_DOUBLE: return asr_tpl_put_double(dst, key, keylen, v->value.v_double);
  case BSON_TYPE_BOOL: return asr_tpl_put_bool(dst, key, keylen, v->value.v_bool);
  case BSON_TYPE_NULL: return asr_tpl_put_null(dst, key, keylen);
  case BSON_TYPE_DATE_TIME: return asr_tpl_put_date(dst, key, keylen, v->value.v_datetime);
  case BSON_TYPE_UTF8:
    return asr_tpl_put_utf8(dst, key, keylen, v->value.v_utf8.str, v->value.v_utf8.len);
  default: return asr_tpl_ok(bson_append_value(dst, key, keylen, v));
  }
}

/* ---- run-time errors -------------------------------------------------------------------- */

int asr_tpl_gen_fail(asr_tpl_gen_t *g, const asr_tpl_node_t *n, int code, const char *fmt, ...) {
  if (g->err->code) return code; /* the innermost failure already spoke */
  char msg[640];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  const char *path = n && n->path && n->path[0] ? n->path : "(root)";
  return asr_err_set(g->err, code, "%s: %s%s%sat %s: %s (document %llu)", g->t->origin,
                     n && n->op ? "$" : "", n && n->op ? n->op->name : "", n && n->op ? " " : "",
                     path, msg, (unsigned long long)g->index);
}

/* A kid failed: give the message the failing node's path unless a deeper node gave one. */
static int kid_failed(asr_tpl_gen_t *g, const asr_tpl_node_t *kid, int rc) {
  if (rc == ASR_EINVAL)
    return asr_tpl_gen_fail(g, kid, rc, "cannot append the value (the document would outgrow "
                                        "BSON, or an option has the wrong type)");
  return asr_tpl_gen_fail(g, kid, rc, "generating the value failed (%s)", asr_err_name(rc));
}

int asr_tpl_gen_kid(const asr_tpl_node_t *kid, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                    int keylen) {
  int rc = kid->gen(kid, g, dst, key, keylen);
  return rc ? kid_failed(g, kid, rc) : 0;
}

static const char *type_name(bson_type_t t) {
  switch (t) {
  case BSON_TYPE_DOUBLE: return "a double";
  case BSON_TYPE_UTF8: return "a string";
  case BSON_TYPE_DOCUMENT: return "a document";
  case BSON_TYPE_ARRAY: return "an array";
  case BSON_TYPE_BINARY: return "binary data";
  case BSON_TYPE_OID: return "an ObjectId";
  case BSON_TYPE_BOOL: return "a boolean";
  case BSON_TYPE_DATE_TIME: return "a date";
  case BSON_TYPE_NULL: return "null";
  case BSON_TYPE_INT32: return "an int32";
  case BSON_TYPE_INT64: return "an int64";
  case BSON_TYPE_DECIMAL128: return "a decimal";
  default: return "a value of another BSON type";
  }
}

/* An operator-valued option yielded something unusable. */
static int bad_value(asr_tpl_gen_t *g, const asr_tpl_node_t *n, const bson_iter_t *it,
                     const char *want) {
  if (!it) return asr_tpl_gen_fail(g, n, ASR_EINVAL, "yields no value, expected %s", want);
  if (BSON_ITER_HOLDS_DOUBLE(it))
    return asr_tpl_gen_fail(g, n, ASR_EINVAL, "yields %.17g, expected %s", bson_iter_double(it), want);
  if (BSON_ITER_HOLDS_UTF8(it))
    return asr_tpl_gen_fail(g, n, ASR_EINVAL, "yields the string \"%.40s\", expected %s",
                            bson_iter_utf8(it, NULL), want);
  return asr_tpl_gen_fail(g, n, ASR_EINVAL, "yields %s, expected %s", type_name(bson_iter_type(it)), want);
}

/* ---- option evaluation ------------------------------------------------------------------ */

int asr_tpl_eval_value(asr_tpl_gen_t *g, const asr_tpl_node_t *n, bson_t *tmp, bson_iter_t *it,
                       bool *found) {
  bson_init(tmp); /* inline storage: small values need no allocation */
  int rc = asr_tpl_gen_kid(n, g, tmp, "v", 1);
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
  if (p->node->num) { /* no document to build and read back */
    int rc = p->node->num(p->node, g, out);
    return rc ? kid_failed(g, p->node, rc) : 0;
  }
  bson_t tmp;
  bson_iter_t it;
  bool found;
  int rc = asr_tpl_eval_value(g, p->node, &tmp, &it, &found);
  if (rc == 0 && (!found || iter_num(&it, out) != 0))
    rc = bad_value(g, p->node, found ? &it : NULL, "a number");
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
      return asr_tpl_gen_fail(g, p->node, ASR_EINVAL, "yields %.17g, expected an integer", v.d);
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
  static const char want[] = "a date (ISO-8601 text or milliseconds)";
  bson_t tmp;
  bson_iter_t it;
  bool found;
  int rc = asr_tpl_eval_value(g, p->node, &tmp, &it, &found);
  if (rc == 0 && !found) rc = bad_value(g, p->node, NULL, want);
  if (rc == 0 && BSON_ITER_HOLDS_UTF8(&it)) {
    uint32_t len;
    const char *s = bson_iter_utf8(&it, &len);
    if (asr_tpl_parse_date(s, len, out_ms) != 0) rc = bad_value(g, p->node, &it, want);
  } else if (rc == 0) {
    asr_tpl_num_t v;
    if (iter_num(&it, &v) != 0 || (!v.isint && !(v.d > -9.2e18 && v.d < 9.2e18)))
      rc = bad_value(g, p->node, &it, want);
    else
      *out_ms = v.isint ? v.i : (int64_t)v.d;
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
  if (!found || !BSON_ITER_HOLDS_UTF8(&it)) return bad_value(g, p->node, found ? &it : NULL, "a string");
  *s = bson_iter_utf8(&it, len);
  return 0;
}

/* ---- structure -------------------------------------------------------------------------- */

int asr_tpl_gen_literal(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                        int keylen) {
  if (n->lit_data) { /* pre-encoded at compile time: one copy */
    uint8_t *p = asr_tpl_put_begin(dst, n->lit.value_type, key, keylen, n->lit_len);
    if (p) {
      memcpy(p, n->lit_data, n->lit_len);
      return 0;
    }
  }
  return asr_tpl_ok(bson_append_value(dst, key, keylen, &n->lit));
}

int asr_tpl_gen_fields(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst) {
  for (uint32_t i = 0; i < n->nkids; i++) {
    const asr_tpl_node_t *kid = n->kids[i];
    int rc = kid->gen(kid, g, dst, n->keys[i], n->keylens[i]);
    if (rc) return kid_failed(g, kid, rc);
  }
  return 0;
}

/* Appends value number *idx of an array (key "0", "1", ...): a $missing value leaves no
 * hole in the indexes. */
static int gen_item(const asr_tpl_node_t *kid, asr_tpl_gen_t *g, bson_t *dst, uint32_t *idx) {
  char buf[16];
  const char *k;
  size_t klen = bson_uint32_to_string(*idx, &k, buf, sizeof buf);
  uint32_t before = dst->len;
  int rc = kid->gen(kid, g, dst, k, (int)klen);
  if (rc) return kid_failed(g, kid, rc);
  *idx += dst->len != before;
  return 0;
}

enum { ITEMS_FIELDS, ITEMS_ARRAY, ITEMS_REPEAT };

static int gen_items(const asr_tpl_node_t *n, uint64_t count, int kind, asr_tpl_gen_t *g,
                     bson_t *dst) {
  if (kind == ITEMS_FIELDS) return asr_tpl_gen_fields(n, g, dst);
  uint32_t idx = 0;
  int rc = 0;
  if (kind == ITEMS_ARRAY)
    for (uint32_t i = 0; i < n->nkids && rc == 0; i++) rc = gen_item(n->kids[i], g, dst, &idx);
  else
    for (uint64_t i = 0; i < count && rc == 0; i++) rc = gen_item(n, g, dst, &idx);
  return rc;
}

/* A subdocument or array built in place in dst: its header now, its length once the items
 * are in. Items append to dst itself, so libbson appends made by operators land inside it
 * too. Falls back to libbson's begin/end when dst is itself a subdocument being built. */
static int gen_container(const asr_tpl_node_t *n, uint64_t count, int kind, asr_tpl_gen_t *g,
                         bson_t *dst, const char *key, int keylen) {
  bool array = kind != ITEMS_FIELDS;
  uint8_t *p = asr_tpl_put_begin(dst, array ? BSON_TYPE_ARRAY : BSON_TYPE_DOCUMENT, key, keylen, 4);
  if (!p) {
    bson_t child;
    bool ok = array ? bson_append_array_begin(dst, key, keylen, &child)
                    : bson_append_document_begin(dst, key, keylen, &child);
    if (!ok) return ASR_EINVAL;
    int rc = gen_items(n, count, kind, g, &child);
    ok = array ? bson_append_array_end(dst, &child) : bson_append_document_end(dst, &child);
    return !ok && rc == 0 ? ASR_EINVAL : rc;
  }
  uint32_t at = (uint32_t)(p - bson_get_data(dst));
  int rc = gen_items(n, count, kind, g, dst);
  if (rc) return rc;
  uint8_t *end = asr_tpl_put_raw(dst, 1);
  if (!end) return ASR_EINVAL;
  *end = '\0';
  uint32_t len = dst->len - 1 - at;
  memcpy((uint8_t *)bson_get_data(dst) + at, &len, 4); /* our own, writable buffer */
  return 0;
}

int asr_tpl_gen_object(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                       int keylen) {
  return gen_container(n, 0, ITEMS_FIELDS, g, dst, key, keylen);
}

int asr_tpl_gen_array(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  return gen_container(n, 0, ITEMS_ARRAY, g, dst, key, keylen);
}

int asr_tpl_gen_repeat(const asr_tpl_node_t *of, uint64_t count, asr_tpl_gen_t *g, bson_t *dst,
                       const char *key, int keylen) {
  return gen_container(of, count, ITEMS_REPEAT, g, dst, key, keylen);
}

/* ---- documents -------------------------------------------------------------------------- */

void asr_tpl_gen_init(asr_tpl_gen_t *g, const asr_template_t *t, const asr_template_ext_t *ext,
                      uint64_t seed, uint64_t index, asr_err_t *err) {
  g->t = t;
  g->seed = seed;
  g->index = index;
  g->ext = ext;
  g->err = err;
  g->depth = 0;
  g->seed_mix = asr_rng_mix(seed);
  uint32_t slots = t->oid_nodes < ASR_TPL_OID_SLOTS ? t->oid_nodes : ASR_TPL_OID_SLOTS;
  memset(g->oid_occ, 0, slots * sizeof g->oid_occ[0]);
  asr_rng_seed(&g->rng, seed, index);
}

int asr_template_generate(const asr_template_t *t, const asr_template_ext_t *ext, uint64_t seed,
                          uint64_t index, bson_t *doc, asr_err_t *err) {
  asr_err_t local;
  if (!err) {
    local.code = 0, local.msg[0] = '\0';
    err = &local;
  }
  if (t->custom_nodes && (!ext || !ext->call))
    return asr_err_set(err, ASR_EINVAL,
                       "%s: the template uses custom operators ($%s) but was generated without "
                       "operator hooks",
                       t->origin, t->custom_first);
  asr_tpl_gen_t g; /* not zeroed: the 16 KB scratch is only read after being written */
  asr_tpl_gen_init(&g, t, ext, seed, index, err);
  int rc = asr_tpl_gen_fields(t->root, &g, doc);
  if (rc && !err->code)
    asr_err_set(err, rc, "%s: generating document %llu failed (%s)", t->origin,
                (unsigned long long)index, asr_err_name(rc));
  return rc;
}

int asr_template_has_custom_ops(const asr_template_t *t) { return t->custom_nodes > 0; }

/* The probe below runs no Lua: a custom operator fails it (the answer is then "no"). */
static int probe_custom_call(void *ud, uint32_t op, asr_rng_t *rng, const bson_t *opts,
                             bson_t *dst, const char *key, int keylen, asr_err_t *err) {
  return asr_err_set(err, ASR_EINVAL, "not run while probing the clock");
}

/* Document `index` of a copy of t whose clock reads now_ms, with seed, into doc (initialized). */
static int generate_at(const asr_template_t *t, int64_t now_ms, uint64_t seed, uint64_t index,
                       bson_t *doc) {
  static const asr_template_ext_t probe = {NULL, probe_custom_call};
  asr_template_t at = *t;
  at.now_ms = now_ms;
  asr_err_t err;
  asr_err_clear(&err);
  return asr_template_generate(&at, &probe, seed, index, doc, &err);
}

/* Whether field differs between two generations (-1: it could not be told: a generation
 * failed, or the field is absent from either). */
static int field_differs(const asr_template_t *t, const char *field, int64_t now_a, int64_t now_b,
                         uint64_t seed_a, uint64_t seed_b, uint64_t index) {
  bson_t a, b;
  bson_init(&a);
  bson_init(&b);
  int differs = -1;
  bson_iter_t ia, ib;
  if (generate_at(t, now_a, seed_a, index, &a) == 0 && generate_at(t, now_b, seed_b, index, &b) == 0 &&
      bson_iter_init_find(&ia, &a, field) && bson_iter_init_find(&ib, &b, field)) {
    uint32_t la = ia.next_off - ia.d1, lb = ib.next_off - ib.d1;
    differs = bson_iter_type(&ia) != bson_iter_type(&ib) || la != lb ||
              memcmp(ia.raw + ia.d1, ib.raw + ib.d1, la) != 0;
  }
  bson_destroy(&a);
  bson_destroy(&b);
  return differs;
}

#define PROBE_NOW_A INT64_C(946684800000)  /* 2000-01-01 */
#define PROBE_NOW_B INT64_C(1893456000000) /* 2030-01-01 */
#define PROBE_DRAWS 4 /* seed pairs tried: a value of few choices may agree by chance */

int asr_template_field_depends(const asr_template_t *t, const char *field) {
  bson_t doc;
  bson_init(&doc);
  bson_iter_t it;
  int rc = generate_at(t, PROBE_NOW_A, 1, 0, &doc);
  int present = rc == 0 && bson_iter_init_find(&it, &doc, field);
  bson_destroy(&doc);
  if (rc) return 0; /* custom operators: not known */
  if (!present) return ASR_TPL_FIELD_ABSENT;
  int depends = field_differs(t, field, PROBE_NOW_A, PROBE_NOW_B, 1, 1, 0) == 1
                    ? ASR_TPL_FIELD_CLOCK : 0;
  for (uint64_t k = 0; k < PROBE_DRAWS; k++)
    if (field_differs(t, field, PROBE_NOW_A, PROBE_NOW_A, 2 * k + 1, 2 * k + 2, k) == 1) {
      depends |= ASR_TPL_FIELD_SEED;
      break;
    }
  return depends;
}
