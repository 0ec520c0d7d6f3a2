/* The "finance" operator group: chance.js 1.1.13 generators for money, payment cards and
 * national tax / identity numbers that mgeneratejs 0.6 forwards to chance ($cc, $cc_types,
 * $cc_type, $currency_types, $currency_pair, $dollar, $euro, $exp, $exp_month, $exp_year,
 * $vat, $iban, $it_vat, $cf, $pl_pesel, $pl_nip, $pl_regon, $luhn_check, $luhn_calculate).
 * Option names, defaults and result shapes follow chance; check digits follow each number's
 * own rules. Card schemes and currencies are asrun's lists (words_people.c, words.c); the
 * expiry dates count from the template clock. Text is built on the stack; every draw comes
 * from g->rng. */
#include <math.h>
#include <stdio.h>
#include <strings.h>

#include "template/ops_people.h"
#include "template/words_people.h"




/* Appends a constant list of documents as an array: item(i, doc) fills document i. */
typedef bool (*item_fn)(uint32_t i, bson_t *doc);

static int put_list(bson_t *dst, const char *key, int keylen, uint32_t n, item_fn item) {
  bson_t arr, doc;
  if (!bson_append_array_begin(dst, key, keylen, &arr)) return ASR_EINVAL;
  bool ok = true;
  char idx[16];
  for (uint32_t i = 0; i < n && ok; i++) {
    const char *k;
    size_t klen = bson_uint32_to_string(i, &k, idx, sizeof idx);
    ok = bson_append_document_begin(&arr, k, (int)klen, &doc) && item(i, &doc) &&
         bson_append_document_end(&arr, &doc);
  }
  return asr_tpl_ok(bson_append_array_end(dst, &arr) && ok);
}

/* ---- cards: $cc {type}, $cc_types, $cc_type {name, raw} ----------------------------------- */

/* Index of a card type by name or short name (exact, as chance), or -1. */
static int card_find(const char *s, uint32_t len) {
  for (uint32_t i = 0; i < asr_words_cards_n; i++) {
    const asr_card_type_t *t = &asr_words_cards[i];
    if ((strlen(t->name) == len && memcmp(t->name, s, len) == 0) ||
        (strlen(t->short_name) == len && memcmp(t->short_name, s, len) == 0))
      return (int)i;
  }
  return -1;
}

/* p->i = the card type's index for a constant; an operator is looked up per document. */
static int compile_card_option(asr_tpl_cc_t *c, const cJSON *opts, const char *name,
                               asr_tpl_param_t *p) {
  int rc = asr_tpl_opt_str(c, opts, name, "", p);
  if (rc || !p->present || p->node) return rc;
  int k = card_find(p->s, p->slen);
  if (k < 0) {
    char list[512] = "";
    for (uint32_t i = 0; i < asr_words_cards_n; i++) {
      size_t used = strlen(list);
      snprintf(list + used, sizeof list - used, "%s\"%s\"", i ? ", " : "", asr_words_cards[i].short_name);
    }
    return asr_tpl_fail(c, "option %s: credit card type \"%s\" is not supported (names or short names: %s)",
                        name, p->s, list);
  }
  p->i = k, p->isint = true;
  return 0;
}

/* The card type of this document: the option's, or one at random. */
static int card_of(const asr_tpl_node_t *n, asr_tpl_gen_t *g, const asr_card_type_t **out) {
  int64_t k;
  if (!n->p[0].present) {
    k = (int64_t)asr_rng_below(&g->rng, asr_words_cards_n);
  } else if (n->p[0].node) {
    bson_t tmp;
    const char *s;
    uint32_t len;
    int rc = asr_tpl_eval_str(g, &n->p[0], &tmp, &s, &len);
    k = rc ? -1 : card_find(s, len);
    bson_destroy(&tmp);
    if (k < 0) return asr_tpl_gen_fail(g, n, ASR_EINVAL, "not a supported credit card type");
  } else {
    k = n->p[0].i;
  }
  *out = &asr_words_cards[k];
  return 0;
}

static int compile_cc(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  return compile_card_option(c, opts, "type", &n->p[0]);
}

/* The scheme's prefix, random digits, and the Luhn check digit. */
static int gen_cc(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                  int keylen) {
  const asr_card_type_t *t = NULL; /* set by card_of when it returns 0 */
  int rc = card_of(n, g, &t);
  if (rc) return rc;
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  char buf[24];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  asr_tplx_text_puts(&w, t->prefix);
  asr_people_put_digits(&w, &d, t->length - 1 - (int)strlen(t->prefix));
  asr_tplx_text_ch(&w, (char)('0' + asr_people_luhn_digit(w.p, w.len)));
  return asr_tplx_text_append(&w, dst, key, keylen);
}

static bool card_doc(uint32_t i, bson_t *doc) {
  const asr_card_type_t *t = &asr_words_cards[i];
  return BSON_APPEND_UTF8(doc, "name", t->name) && BSON_APPEND_UTF8(doc, "short_name", t->short_name) &&
         BSON_APPEND_UTF8(doc, "prefix", t->prefix) && BSON_APPEND_INT32(doc, "length", t->length);
}

static int gen_cc_types(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                        int keylen) {
  return put_list(dst, key, keylen, asr_words_cards_n, card_doc);
}

static int compile_cc_type(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int rc = compile_card_option(c, opts, "name", &n->p[0]);
  return rc ? rc : asr_people_opt_bit(c, opts, "raw", false, n, 1);
}

/* The name, or with raw the whole {name, short_name, prefix, length}. */
static int gen_cc_type(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                       int keylen) {
  const asr_card_type_t *t = NULL; /* set by card_of when it returns 0 */
  int rc = card_of(n, g, &t);
  if (rc || !n->flags) return rc ? rc : asr_tplx_put_cstr(dst, key, keylen, t->name);
  bson_t doc;
  if (!bson_append_document_begin(dst, key, keylen, &doc)) return ASR_EINVAL;
  bool ok = card_doc((uint32_t)(t - asr_words_cards), &doc);
  return asr_tpl_ok(bson_append_document_end(dst, &doc) && ok);
}

/* ---- currencies: $currency_types, $currency_pair ------------------------------------------ */

static bool currency_doc(uint32_t i, bson_t *doc) {
  return BSON_APPEND_UTF8(doc, "code", asr_words_currency.items[i].code) &&
         BSON_APPEND_UTF8(doc, "name", asr_words_currency.items[i].name);
}

static int gen_currency_types(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                              const char *key, int keylen) {
  return put_list(dst, key, keylen, asr_words_currency.n, currency_doc);
}

/* "EUR/USD": two different currencies. mgeneratejs always passes chance an options object, so
 * chance's returnAsString is always set: a string, never the array. */
static int gen_currency_pair(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                             const char *key, int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  uint32_t a = asr_tplx_below(&d, asr_words_currency.n);
  uint32_t b = asr_tplx_below(&d, asr_words_currency.n - 1);
  b += b >= a;
  char buf[32];
  int len = snprintf(buf, sizeof buf, "%s/%s", asr_words_currency.items[a].code,
                     asr_words_currency.items[b].code);
  return asr_tpl_put_utf8(dst, key, keylen, buf, (uint32_t)len);
}

/* ---- money: $dollar {min=0, max=10000}, $euro {min, max} ---------------------------------- */

#define CENTS_MAX 9007199254740991.0 /* amounts are whole cents within 2^53 */

static int compile_money(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int rc = asr_tpl_opt_num(c, opts, "min", 0, &n->p[0]);
  if (rc == 0) rc = asr_tpl_opt_num(c, opts, "max", 10000, &n->p[1]);
  if (rc) return rc;
  for (int i = 0; i < 2; i++)
    if (!n->p[i].node && !(fabs(n->p[i].d * 100) <= CENTS_MAX))
      return asr_tpl_fail(c, "option %s must be within +-%.0f, got %.17g", i ? "max" : "min",
                          CENTS_MAX / 100, n->p[i].d);
  if (!n->p[0].node && !n->p[1].node && ceil(n->p[0].d * 100) > floor(n->p[1].d * 100))
    return asr_tpl_fail(c, "min (%.17g) cannot be greater than max (%.17g)", n->p[0].d, n->p[1].d);
  return 0;
}

/* A whole number of cents in [min, max] (chance.floating with fixed 2). */
static int draw_cents(const asr_tpl_node_t *n, asr_tpl_gen_t *g, int64_t *out) {
  asr_tpl_num_t lo, hi;
  int rc = asr_tpl_eval_num(g, &n->p[0], &lo);
  if (rc == 0) rc = asr_tpl_eval_num(g, &n->p[1], &hi);
  double a = ceil(lo.d * 100), b = floor(hi.d * 100);
  if (rc || !(fabs(a) <= CENTS_MAX && fabs(b) <= CENTS_MAX && a <= b))
    return asr_tpl_gen_fail(g, n, ASR_EINVAL, "min and max must be numbers, min at most max");
  *out = asr_rng_range(&g->rng, (int64_t)a, (int64_t)b);
  return 0;
}

/* "$4411.87", "-$12.30" */
static int gen_dollar(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  int64_t cents;
  int rc = draw_cents(n, g, &cents);
  if (rc) return rc;
  uint64_t abs = cents < 0 ? 0 - (uint64_t)cents : (uint64_t)cents;
  char buf[40];
  int len = snprintf(buf, sizeof buf, "%s$%llu.%02llu", cents < 0 ? "-" : "",
                     (unsigned long long)(abs / 100), (unsigned long long)(abs % 100));
  return asr_tpl_put_utf8(dst, key, keylen, buf, (uint32_t)len);
}

/* "8,352.39€", "12.5€", "-7€": the amount as JavaScript's toLocaleString (en) prints it. */
static int gen_euro(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                    int keylen) {
  int64_t cents;
  int rc = draw_cents(n, g, &cents);
  if (rc) return rc;
  uint64_t abs = cents < 0 ? 0 - (uint64_t)cents : (uint64_t)cents, whole = abs / 100;
  char digits[24], buf[48];
  int nd = snprintf(digits, sizeof digits, "%llu", (unsigned long long)whole);
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  if (cents < 0) asr_tplx_text_ch(&w, '-');
  for (int i = 0; i < nd; i++) {
    if (i && (nd - i) % 3 == 0) asr_tplx_text_ch(&w, ',');
    asr_tplx_text_ch(&w, digits[i]);
  }
  if (abs % 100) {
    asr_tplx_text_ch(&w, '.');
    asr_tplx_text_ch(&w, (char)('0' + abs % 100 / 10));
    if (abs % 10) asr_tplx_text_ch(&w, (char)('0' + abs % 10));
  }
  /* U+20AC EURO SIGN, a byte at a time: GCC's -Warray-bounds (in the TSan build) cannot see
   * that a memcpy at w.len stays inside buf */
  for (const char *e = "\xe2\x82\xac"; *e; e++) asr_tplx_text_ch(&w, *e);
  return asr_tplx_text_append(&w, dst, key, keylen);
}

/* ---- card expiry: $exp {raw}, $exp_month {future}, $exp_year ------------------------------- */

#define EXP_YEARS 10 /* expiry years run from this year to 10 years on */

static void now_civil(asr_tpl_gen_t *g, asr_civil_t *now) { asr_people_civil_of_ms(g->t->now_ms, now); }

/* Next year in December (no month of this year is left), else this year, up to +10. */
static int64_t draw_exp_year(asr_tpl_gen_t *g, const asr_civil_t *now) {
  return asr_rng_range(&g->rng, now->month == 12 ? now->year + 1 : now->year, now->year + EXP_YEARS);
}

/* future: a month after this one (any in December). */
static int draw_exp_month(asr_tpl_gen_t *g, const asr_civil_t *now, bool future) {
  int lo = future && now->month != 12 ? now->month + 1 : 1;
  return (int)asr_rng_range(&g->rng, lo, 12);
}

static int gen_exp_year(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                        int keylen) {
  asr_civil_t now;
  now_civil(g, &now);
  char buf[24];
  int len = snprintf(buf, sizeof buf, "%lld", (long long)draw_exp_year(g, &now));
  return asr_tpl_put_utf8(dst, key, keylen, buf, (uint32_t)len);
}

static int compile_exp_month(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  return asr_people_opt_bit(c, opts, "future", false, n, 1);
}

static int gen_exp_month(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                         const char *key, int keylen) {
  asr_civil_t now;
  now_civil(g, &now);
  char buf[4];
  snprintf(buf, sizeof buf, "%02d", draw_exp_month(g, &now, n->flags));
  return asr_tpl_put_utf8(dst, key, keylen, buf, 2);
}

static int compile_exp(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  return asr_people_opt_bit(c, opts, "raw", false, n, 1);
}

/* "08/2027", or with raw {year: "2027", month: "08"}; this year's months are still to come. */
static int gen_exp(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                   int keylen) {
  asr_civil_t now;
  now_civil(g, &now);
  int64_t year = draw_exp_year(g, &now);
  int month = draw_exp_month(g, &now, year == now.year);
  char y[24], m[4];
  snprintf(y, sizeof y, "%lld", (long long)year);
  snprintf(m, sizeof m, "%02d", month);
  if (!n->flags) {
    char buf[32];
    int len = snprintf(buf, sizeof buf, "%s/%s", m, y);
    return asr_tpl_put_utf8(dst, key, keylen, buf, (uint32_t)len);
  }
  bson_t doc;
  if (!bson_append_document_begin(dst, key, keylen, &doc)) return ASR_EINVAL;
  bool ok = BSON_APPEND_UTF8(&doc, "year", y) && BSON_APPEND_UTF8(&doc, "month", m);
  return asr_tpl_ok(bson_append_document_end(dst, &doc) && ok);
}

/* ---- $iban, $vat {country="it"}, $it_vat ---------------------------------------------------- */

/* Two letters, two digits, four letters or digits, then a number of 6..26 digits at least
 * (zero-padded; a longer number keeps its digits), as chance builds it. */
static int gen_iban(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                    int keylen) {
  static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  char buf[48];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  for (int i = 0; i < 2; i++) asr_tplx_text_ch(&w, alnum[asr_tplx_below(&d, 26)]);
  asr_tplx_text_uint(&w, asr_tplx_below(&d, 100), 2);
  for (int i = 0; i < 4; i++) asr_tplx_text_ch(&w, alnum[asr_tplx_below(&d, 36)]);
  uint64_t account = (uint64_t)asr_rng_range(&g->rng, 0, ASR_PEOPLE_MAX_SAFE);
  asr_tplx_text_uint(&w, account, 6 + (int)asr_tplx_below(&d, 21));
  return asr_tplx_text_append(&w, dst, key, keylen);
}

#define IT_PROVINCES 111 /* Italian province codes 001..111 */

/* Italian partita IVA: a 7-digit company number, a 3-digit province code, a Luhn digit. */
static int gen_it_vat(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  char buf[16];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  asr_tplx_text_uint(&w, 1 + asr_tplx_below(&d, 1800000), 7);
  asr_tplx_text_uint(&w, 1 + asr_tplx_below(&d, IT_PROVINCES), 3);
  asr_tplx_text_ch(&w, (char)('0' + asr_people_luhn_digit(w.p, w.len)));
  return asr_tplx_text_append(&w, dst, key, keylen);
}

static const char *const VAT_COUNTRIES[] = {"it", NULL};

static int compile_vat(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  return asr_tplx_opt_enum(c, opts, "country", VAT_COUNTRIES, 0, &n->p[0]);
}

static int gen_vat(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                   int keylen) {
  int64_t country;
  if (asr_tplx_eval_enum(g, &n->p[0], VAT_COUNTRIES, &country))
    return asr_tpl_gen_fail(g, n, ASR_EINVAL, "country must be \"it\"");
  return gen_it_vat(n, g, dst, key, keylen);
}

/* ---- Polish numbers: $pl_pesel, $pl_nip, $pl_regon ------------------------------------------ */

/* Writes v as `width` digits into dig[] and returns the weighted sum. */
static int weighted(uint64_t v, int width, const int *weights, int *dig) {
  int sum = 0;
  for (int i = width - 1; i >= 0; i--, v /= 10) dig[i] = (int)(v % 10);
  for (int i = 0; i < width; i++) sum += dig[i] * weights[i];
  return sum;
}

static int put_number(bson_t *dst, const char *key, int keylen, const int *dig, int n, int check) {
  char buf[16];
  for (int i = 0; i < n; i++) buf[i] = (char)('0' + dig[i]);
  buf[n] = (char)('0' + check);
  return asr_tpl_put_utf8(dst, key, keylen, buf, (uint32_t)n + 1);
}

/* PESEL: ten digits, then 10 - (weighted sum mod 10), mod 10. */
static int gen_pl_pesel(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                        const char *key, int keylen) {
  static const int w[] = {1, 3, 7, 9, 1, 3, 7, 9, 1, 3};
  int dig[10];
  int sum = weighted((uint64_t)asr_rng_range(&g->rng, 1, 9999999999LL), 10, w, dig);
  return put_number(dst, key, keylen, dig, 10, (10 - sum % 10) % 10);
}

/* NIP: nine digits and their weighted sum mod 11 (numbers whose sum gives 10 are redrawn). */
static int gen_pl_nip(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  static const int w[] = {6, 5, 7, 2, 3, 4, 5, 6, 7};
  int dig[9], check;
  do check = weighted((uint64_t)asr_rng_range(&g->rng, 1, 999999999), 9, w, dig) % 11;
  while (check == 10);
  return put_number(dst, key, keylen, dig, 9, check);
}

/* REGON: eight digits and their weighted sum mod 11 (10 counts as 0). */
static int gen_pl_regon(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                        const char *key, int keylen) {
  static const int w[] = {8, 9, 2, 3, 4, 5, 6, 7};
  int dig[8];
  int check = weighted((uint64_t)asr_rng_range(&g->rng, 1, 99999999), 8, w, dig) % 11;
  return put_number(dst, key, keylen, dig, 8, check == 10 ? 0 : check);
}

/* ---- $luhn_check {num}, $luhn_calculate {num} ----------------------------------------------- */

static int compile_luhn(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  const cJSON *v = opts ? cJSON_GetObjectItemCaseSensitive(opts, "num") : NULL;
  if (v && !asr_tplx_is_operator(v) &&
      !(cJSON_IsString(v) || (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble == floor(v->valuedouble))))
    return asr_tpl_fail(c, "option num must be a string of digits or a whole number");
  if (cJSON_IsString(v) && !asr_tplx_is_operator(v)) {
    const char *s = v->valuestring;
    if (!*s || strspn(s, "0123456789") != strlen(s))
      return asr_tpl_fail(c, "option num must be a string of digits, got \"%.40s\"", s);
  }
  n->nkids = 1;
  n->kids = asr_tpl_alloc(c, sizeof *n->kids);
  if (!n->kids) return ASR_ENOMEM;
  return asr_tpl_opt_node(c, opts, "num", true, &n->kids[0]);
}

/* The digits of num for this document, in buf (cap bytes): a string of digits or a whole
 * number. 0, or ASR_EINVAL (the error names the node). */
static int luhn_digits(const asr_tpl_node_t *n, asr_tpl_gen_t *g, char *buf, uint32_t cap,
                       uint32_t *len) {
  bson_t tmp;
  bson_iter_t it;
  bool found = false;
  int rc = asr_tpl_eval_value(g, n->kids[0], &tmp, &it, &found);
  *len = 0;
  if (rc == 0 && found) {
    int64_t v = -1;
    if (BSON_ITER_HOLDS_UTF8(&it)) {
      uint32_t slen;
      const char *s = bson_iter_utf8(&it, &slen);
      if (slen && slen <= cap && strspn(s, "0123456789") == slen) memcpy(buf, s, slen), *len = slen;
    } else if (BSON_ITER_HOLDS_INT32(&it) || BSON_ITER_HOLDS_INT64(&it)) {
      v = bson_iter_as_int64(&it);
    } else if (BSON_ITER_HOLDS_DOUBLE(&it) && bson_iter_double(&it) == floor(bson_iter_double(&it)) &&
               fabs(bson_iter_double(&it)) < 9e15) {
      v = (int64_t)bson_iter_double(&it);
    }
    if (v >= 0) *len = (uint32_t)snprintf(buf, cap, "%lld", (long long)v);
  }
  bson_destroy(&tmp);
  if (rc) return rc;
  return *len ? 0 : asr_tpl_gen_fail(g, n, ASR_EINVAL, "num must be a string of digits or a whole number");
}

#define LUHN_DIGITS_MAX 256

static int gen_luhn_calculate(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                              const char *key, int keylen) {
  char buf[LUHN_DIGITS_MAX];
  uint32_t len;
  int rc = luhn_digits(n, g, buf, sizeof buf, &len);
  return rc ? rc : asr_tpl_put_int32(dst, key, keylen, asr_people_luhn_digit(buf, len));
}

/* Whether the last digit is the Luhn check digit of the others. */
static int gen_luhn_check(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                          const char *key, int keylen) {
  char buf[LUHN_DIGITS_MAX];
  uint32_t len;
  int rc = luhn_digits(n, g, buf, sizeof buf, &len);
  if (rc) return rc;
  bool ok = len >= 2 && buf[len - 1] - '0' == asr_people_luhn_digit(buf, len - 1);
  return asr_tpl_put_bool(dst, key, keylen, ok);
}

/* ---- $cf {first, last, gender, birthday, city}: Italian codice fiscale --------------------- */

enum { CF_FIRST, CF_LAST, CF_GENDER, CF_CITY, CF_NSTR };
static const char *const CF_OPTS[CF_NSTR] = {"first", "last", "gender", "city"};
#define CF_LEN 16

typedef struct cf_opts {
  asr_tpl_param_t s[CF_NSTR];
  asr_tpl_param_t birthday;
} cf_opts_t;

static int compile_cf(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  cf_opts_t *o = asr_tpl_alloc(c, sizeof *o);
  if (!o) return ASR_ENOMEM;
  int rc = 0;
  for (int i = 0; i < CF_NSTR && rc == 0; i++) rc = asr_tpl_opt_str(c, opts, CF_OPTS[i], "", &o->s[i]);
  if (rc == 0) rc = asr_tpl_opt_date(c, opts, "birthday", 0, &o->birthday);
  n->aux = o;
  return rc;
}

static const char *pick_first(asr_tplx_draw_t *d, bool female) {
  const asr_words_t *w = female ? &asr_words_first_female : &asr_words_first_male;
  return w->items[asr_tplx_below(d, w->n)];
}

static bool is_vowel(char ch) { return ch && strchr("AEIOU", ch); }

/* Three letters of a name: its consonants (for a first name with four or more, the 1st, 3rd
 * and 4th), then its vowels, then X. */
static void cf_name(asr_tplx_text_t *w, const char *s, uint32_t len, bool first_name) {
  char cons[8], out[3];
  int nc = 0, total = 0, no = 0;
  for (uint32_t i = 0; i < len; i++) {
    char ch = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 'a' + 'A' : s[i]);
    if (ch >= 'A' && ch <= 'Z' && !is_vowel(ch)) {
      if (nc < 8) cons[nc++] = ch;
      total++;
    }
  }
  if (first_name && total >= 4) {
    out[0] = cons[0], out[1] = cons[2], out[2] = cons[3];
    asr_tplx_text_put(w, out, 3);
    return;
  }
  for (int i = 0; i < nc && no < 3; i++) out[no++] = cons[i];
  for (uint32_t i = 0; i < len && no < 3; i++) {
    char ch = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 'a' + 'A' : s[i]);
    if (is_vowel(ch)) out[no++] = ch;
  }
  while (no < 3) out[no++] = 'X';
  asr_tplx_text_put(w, out, 3);
}

/* The check letter over the first 15 characters: odd positions (1st, 3rd, ..) by the odd
 * table, even ones by their value (digits as A..J). */
static char cf_check(const char *s) {
  static const int odd[26] = {1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18,
                              20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23};
  int sum = 0;
  for (int i = 0; i < 15; i++) {
    char ch = s[i];
    int v = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'A' && ch <= 'Z' ? ch - 'A' : 0;
    sum += i % 2 == 0 ? odd[v] : v;
  }
  return (char)('A' + sum % 26);
}

static int cf_text(asr_tpl_gen_t *g, const cf_opts_t *o, const char *const *s,
                   const uint32_t *len, asr_tplx_text_t *w) {
  static const char months[] = "ABCDEHLMPRST", city_letters[] = "ABCDEFGHILMZ";
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  bool female = o->s[CF_GENDER].present ? len[CF_GENDER] == 6 && strncasecmp(s[CF_GENDER], "female", 6) == 0
                                        : asr_tplx_below(&d, 2);
  const char *first = pick_first(&d, female), *last = asr_words_last.items[asr_tplx_below(&d, asr_words_last.n)];
  int64_t birthday = asr_people_birthday_ms(&g->rng, g->t->now_ms);
  if (o->birthday.present && asr_tpl_eval_date(g, &o->birthday, &birthday)) return ASR_EINVAL;
  if (o->s[CF_LAST].present) cf_name(w, s[CF_LAST], len[CF_LAST], false);
  else cf_name(w, last, (uint32_t)strlen(last), false);
  if (o->s[CF_FIRST].present) cf_name(w, s[CF_FIRST], len[CF_FIRST], true);
  else cf_name(w, first, (uint32_t)strlen(first), true);
  asr_civil_t b;
  asr_people_civil_of_ms(birthday, &b);
  asr_tplx_text_uint(w, (uint64_t)((b.year % 100 + 100) % 100), 2);
  asr_tplx_text_ch(w, months[b.month - 1]);
  asr_tplx_text_uint(w, (uint64_t)(b.day + (female ? 40 : 0)), 2);
  if (o->s[CF_CITY].present) {
    for (uint32_t i = 0; i < len[CF_CITY]; i++) {
      char ch = s[CF_CITY][i];
      asr_tplx_text_ch(w, ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch);
    }
  } else {
    asr_tplx_text_ch(w, city_letters[asr_tplx_below(&d, 12)]);
    asr_tplx_text_uint(w, asr_tplx_below(&d, 1000), 3);
  }
  if (w->over || w->len != CF_LEN - 1) return ASR_EINVAL;
  asr_tplx_text_ch(w, cf_check(w->p));
  return 0;
}

static int gen_cf(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                  int keylen) {
  const cf_opts_t *o = n->aux;
  bson_t tmp[CF_NSTR];
  const char *s[CF_NSTR];
  uint32_t len[CF_NSTR];
  int rc = 0, done = 0;
  for (; done < CF_NSTR && rc == 0; done++) rc = asr_tpl_eval_str(g, &o->s[done], &tmp[done], &s[done], &len[done]);
  if (rc == 0) {
    char buf[64];
    asr_tplx_text_t w;
    asr_tplx_text_init(&w, buf, sizeof buf);
    rc = cf_text(g, o, s, len, &w);
    if (rc == 0) rc = asr_tplx_text_append(&w, dst, key, keylen);
  }
  while (done--) bson_destroy(&tmp[done]);
  return rc ? asr_tpl_gen_fail(g, n, rc, "the options do not make a codice fiscale (city must be "
                                         "a letter and three digits, birthday a date)")
            : 0;
}

/* ---- the group ---------------------------------------------------------------------------- */

static const asr_tpl_op_t finance_ops[] = {
    {"cc", "type", compile_cc, gen_cc},
    {"cc_types", "", asr_tplx_compile_none, gen_cc_types},
    {"cc_type", "name,raw", compile_cc_type, gen_cc_type},
    {"currency_types", "", asr_tplx_compile_none, gen_currency_types},
    {"currency_pair", "", asr_tplx_compile_none, gen_currency_pair},
    {"dollar", "min,max", compile_money, gen_dollar},
    {"euro", "min,max", compile_money, gen_euro},
    {"exp", "raw", compile_exp, gen_exp},
    {"exp_month", "future", compile_exp_month, gen_exp_month},
    {"exp_year", "", asr_tplx_compile_none, gen_exp_year},
    {"vat", "country", compile_vat, gen_vat},
    {"iban", "", asr_tplx_compile_none, gen_iban},
    {"it_vat", "", asr_tplx_compile_none, gen_it_vat},
    {"cf", "first,last,gender,birthday,city", compile_cf, gen_cf},
    {"pl_pesel", "", asr_tplx_compile_none, gen_pl_pesel},
    {"pl_nip", "", asr_tplx_compile_none, gen_pl_nip},
    {"pl_regon", "", asr_tplx_compile_none, gen_pl_regon},
    {"luhn_check", "num", compile_luhn, gen_luhn_check},
    {"luhn_calculate", "num", compile_luhn, gen_luhn_calculate},
};

const asr_tpl_op_group_t asr_tpl_ops_finance = {finance_ops, sizeof finance_ops / sizeof finance_ops[0]};
