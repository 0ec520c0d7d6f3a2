/* The "people" operator group: chance.js generators that mgeneratejs 0.6 forwards to chance
 * 1.1.13 ($random, $falsy, $animal, $natural, $prime, $is_prime, $hex, $letter, $syllable,
 * $emoji, $birthday, $cpf, $cnpj, $profession, $gender, $israelId, $mrz, $prefix /
 * $name_prefix, $HIDN, $ssn, $aadhar, $name_suffixes, $suffix / $name_suffix, $nationalities,
 * $nationality, $zodiac, $emotion). Option names, defaults and result shapes follow chance;
 * the words are asrun's own (words_people.c). Dates come from the template clock (--now), not
 * the wall clock, so runs stay reproducible. Text is built on the stack or in g->scratch;
 * every draw comes from g->rng. Also the calendar and Luhn helpers of ops_people.h. */
#include <math.h>
#include <stdio.h>

#include "template/ops_people.h"
#include "template/words_people.h"

/* ---- shared helpers (ops_people.h) --------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

/* days_from_civil / civil_from_days (Howard Hinnant), proleptic Gregorian, UTC. */
static int64_t days_of_civil(int64_t y, int64_t m, int64_t d) {
  y += floor_div(m - 1, 12), m = m - 1 - floor_div(m - 1, 12) * 12 + 1; /* month into 1..12 */
  y -= m <= 2;
  int64_t era = floor_div(y, 400), yoe = y - era * 400;
  int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void asr_people_civil_of_ms(int64_t ms, asr_civil_t *out) {
  int64_t days = floor_div(ms, 86400000), rest = ms - days * 86400000;
  int64_t z = days + 719468, era = floor_div(z, 146097), doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  out->year = yoe + era * 400 + (m <= 2);
  out->month = (int)m, out->day = (int)(doy - (153 * mp + 2) / 5 + 1);
  out->hour = (int)(rest / 3600000), out->minute = (int)(rest / 60000 % 60);
  out->second = (int)(rest / 1000 % 60), out->ms = (int)(rest % 1000);
}

int64_t asr_people_ms_of_civil(const asr_civil_t *c) {
  int64_t days = days_of_civil(c->year, c->month, c->day);
  return days * 86400000 + (int64_t)c->hour * 3600000 + (int64_t)c->minute * 60000 +
         (int64_t)c->second * 1000 + c->ms;
}

static int days_in_month(int64_t year, int month) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return days[month - 1] + (month == 2 && leap);
}

/* A random moment of the given year (chance.date({year})). */
static int64_t random_in_year(asr_rng_t *rng, int64_t year) {
  asr_civil_t c = {.year = year, .month = 1 + (int)asr_rng_below(rng, 12)};
  c.day = 1 + (int)asr_rng_below(rng, (uint64_t)days_in_month(year, c.month));
  uint64_t ms_of_day = asr_rng_below(rng, 86400000);
  c.hour = (int)(ms_of_day / 3600000), c.minute = (int)(ms_of_day / 60000 % 60);
  c.second = (int)(ms_of_day / 1000 % 60), c.ms = (int)(ms_of_day % 1000);
  return asr_people_ms_of_civil(&c);
}

static int64_t year_of(int64_t ms) {
  asr_civil_t c;
  asr_people_civil_of_ms(ms, &c);
  return c.year;
}

int64_t asr_people_birthday_ms(asr_rng_t *rng, int64_t now_ms) {
  const int *adult = asr_tplx_age_range[ASR_TPLX_AGE_ADULT];
  return random_in_year(rng, year_of(now_ms) - asr_rng_range(rng, adult[0], adult[1]));
}

int asr_people_luhn_digit(const char *s, uint32_t len) {
  int sum = 0;
  for (uint32_t i = 0; i < len; i++) {
    int d = s[len - 1 - i] - '0';
    if (i % 2 == 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum * 9 % 10;
}

/* ---- small pieces ------------------------------------------------------------------------ */

static const char *pick(asr_tplx_draw_t *d, const asr_words_t *w) {
  return w->items[asr_tplx_below(d, w->n)];
}




static int compile_full(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  return asr_people_opt_bit(c, opts, "full", false, n, 1);
}

/* ---- $random, $falsy {pool} ------------------------------------------------------------- */

static int gen_random(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  return asr_tpl_put_double(dst, key, keylen, asr_rng_unit(&g->rng));
}

static int compile_falsy(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  bool is_array = false;
  int rc = asr_tpl_opt_items(c, opts, "pool", n, &is_array);
  const cJSON *v = opts ? cJSON_GetObjectItemCaseSensitive(opts, "pool") : NULL;
  if (rc == 0 && v && !is_array) rc = asr_tpl_fail(c, "option pool must be an array");
  if (rc == 0 && is_array && n->nkids == 0) rc = asr_tpl_fail(c, "option pool must not be empty");
  return rc;
}

/* chance's pool: false, null, 0, NaN, "", undefined. NaN comes out as null, as mgeneratejs
 * prints it; undefined as BSON undefined, as mgeneratejs's Extended JSON has it. */
static int gen_falsy(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                     int keylen) {
  if (n->nkids) {
    const asr_tpl_node_t *kid = n->kids[asr_rng_below(&g->rng, n->nkids)];
    return asr_tpl_gen_kid(kid, g, dst, key, keylen);
  }
  switch (asr_rng_below(&g->rng, 6)) {
  case 0: return asr_tpl_put_bool(dst, key, keylen, false);
  case 1:
  case 3: return asr_tpl_put_null(dst, key, keylen);
  case 2: return asr_tpl_put_int32(dst, key, keylen, 0);
  case 4: return asr_tpl_put_utf8(dst, key, keylen, "", 0);
  default: return asr_tpl_ok(bson_append_undefined(dst, key, keylen));
  }
}

/* ---- $animal {type}, $profession {rank}, $emotion, $zodiac, $nationality ------------------ */

static int compile_animal(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  return asr_tplx_opt_enum(c, opts, "type", asr_words_animal_types, 0, &n->p[0]);
}

static int gen_animal(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  int64_t type;
  if (!n->p[0].present) type = asr_tplx_below(&d, ASR_ANIMAL_TYPES);
  else if (asr_tplx_eval_enum(g, &n->p[0], asr_words_animal_types, &type))
    return asr_tpl_gen_fail(g, n, ASR_EINVAL, "type must be one of the animal types");
  return asr_tplx_put_cstr(dst, key, keylen, pick(&d, &asr_words_animals[type]));
}

static const char *const RANKS[] = {"Apprentice ", "Junior ", "Senior ", "Lead "};

static int compile_profession(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  return asr_people_opt_bit(c, opts, "rank", false, n, 1);
}

static int gen_profession(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                          const char *key, int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  char buf[96];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  if (n->flags) asr_tplx_text_puts(&w, RANKS[asr_tplx_below(&d, 4)]);
  asr_tplx_text_puts(&w, pick(&d, &asr_words_profession));
  return asr_tplx_text_append(&w, dst, key, keylen);
}

#define PICK_GEN(fn, list)                                                                    \
  static int fn(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,     \
                int keylen) {                                                                 \
    asr_tplx_draw_t d;                                                                        \
    asr_tplx_draw_init(&d, &g->rng);                                                          \
    return asr_tplx_put_cstr(dst, key, keylen, pick(&d, &(list)));                                     \
  }
PICK_GEN(gen_emotion, asr_words_emotion)
PICK_GEN(gen_zodiac, asr_words_zodiac)
PICK_GEN(gen_nationality, asr_words_nationality)

/* [{name: "Afghan"}, ...]: chance.nationalities() */
static int gen_nationalities(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                             const char *key, int keylen) {
  bson_t arr, item;
  if (!bson_append_array_begin(dst, key, keylen, &arr)) return ASR_EINVAL;
  bool ok = true;
  char idx[16];
  for (uint32_t i = 0; i < asr_words_nationality.n && ok; i++) {
    const char *k;
    size_t klen = bson_uint32_to_string(i, &k, idx, sizeof idx);
    ok = bson_append_document_begin(&arr, k, (int)klen, &item) &&
         BSON_APPEND_UTF8(&item, "name", asr_words_nationality.items[i]) &&
         bson_append_document_end(&arr, &item);
  }
  return asr_tpl_ok(bson_append_array_end(dst, &arr) && ok);
}

/* ---- $natural {min, max, numerals, exclude}, $prime {min, max}, $is_prime {n}, $hex ------- */

typedef struct natural_opts {
  uint32_t nexclude;
  int64_t *exclude; /* sorted, distinct */
} natural_opts_t;

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static int compile_exclude(asr_tpl_cc_t *c, const cJSON *v, asr_tpl_node_t *n) {
  if (!cJSON_IsArray(v)) return asr_tpl_fail(c, "option exclude must be an array of integers");
  natural_opts_t *o = asr_tpl_alloc(c, sizeof *o);
  int count = cJSON_GetArraySize(v);
  if (o) o->exclude = asr_tpl_alloc(c, sizeof *o->exclude * (size_t)(count ? count : 1));
  if (!o || !o->exclude) return ASR_ENOMEM;
  for (const cJSON *x = v->child; x; x = x->next) {
    double d = cJSON_IsNumber(x) ? x->valuedouble : NAN;
    if (!(d == floor(d) && fabs(d) <= (double)ASR_PEOPLE_MAX_SAFE))
      return asr_tpl_fail(c, "option exclude must be an array of integers (item %u is not)", o->nexclude);
    o->exclude[o->nexclude++] = (int64_t)d;
  }
  qsort(o->exclude, o->nexclude, sizeof *o->exclude, cmp_i64);
  uint32_t k = 0;
  for (uint32_t i = 0; i < o->nexclude; i++)
    if (k == 0 || o->exclude[k - 1] != o->exclude[i]) o->exclude[k++] = o->exclude[i];
  o->nexclude = k;
  n->aux = o;
  return 0;
}

/* numerals replaces min and max by the numbers of that many digits (n->flags = numerals). */
static int compile_natural(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int64_t numerals = 0;
  int rc = asr_tpl_opt_int(c, opts, "min", 0, &n->p[0]);
  if (rc == 0) rc = asr_tpl_opt_int(c, opts, "max", ASR_PEOPLE_MAX_SAFE, &n->p[1]);
  if (rc == 0) rc = asr_tpl_opt_const_int(c, opts, "numerals", 1, 18, 0, &numerals);
  const cJSON *ex = opts ? cJSON_GetObjectItemCaseSensitive(opts, "exclude") : NULL;
  if (rc == 0 && ex) rc = compile_exclude(c, ex, n);
  if (rc || (n->flags = (uint32_t)numerals)) return rc;
  if (!n->p[0].node && n->p[0].i < 0)
    return asr_tpl_fail(c, "min cannot be less than zero, got %lld", (long long)n->p[0].i);
  if (!n->p[0].node && !n->p[1].node && n->p[0].i > n->p[1].i)
    return asr_tpl_fail(c, "min (%lld) cannot be greater than max (%lld)", (long long)n->p[0].i,
                        (long long)n->p[1].i);
  return 0;
}

static int64_t pow10_of(int e) {
  int64_t p = 1;
  while (e-- > 0) p *= 10;
  return p;
}

static int gen_natural(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                       int keylen) {
  int64_t min, max;
  if (n->flags) {
    min = pow10_of((int)n->flags - 1), max = pow10_of((int)n->flags) - 1;
  } else {
    int rc = asr_tpl_eval_int(g, &n->p[0], &min);
    if (rc == 0) rc = asr_tpl_eval_int(g, &n->p[1], &max);
    if (rc) return rc;
    if (min < 0 || min > max)
      return asr_tpl_gen_fail(g, n, ASR_EINVAL, "min (%lld) must be 0 or more and at most max (%lld)",
                              (long long)min, (long long)max);
  }
  const natural_opts_t *o = n->aux;
  if (!o) return asr_tpl_put_int(dst, key, keylen, asr_rng_range(&g->rng, min, max));
  /* chance: a draw among the numbers left, then stepped past each exclusion at or below it */
  uint32_t inside = 0;
  for (uint32_t i = 0; i < o->nexclude; i++) inside += o->exclude[i] >= min && o->exclude[i] <= max;
  if ((uint64_t)max - (uint64_t)min < inside)
    return asr_tpl_gen_fail(g, n, ASR_EINVAL, "exclude leaves no number between %lld and %lld",
                            (long long)min, (long long)max);
  int64_t v = asr_rng_range(&g->rng, min, max - (int64_t)inside);
  for (uint32_t i = 0; i < o->nexclude; i++)
    if (o->exclude[i] >= min && o->exclude[i] <= v) v++;
  return asr_tpl_put_int(dst, key, keylen, v);
}

#define PRIME_MAX 10000000 /* the sieve's bound: 664,579 primes below it */

typedef struct prime_list {
  uint32_t n;
  uint32_t *items;
} prime_list_t;

static int compile_prime(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int64_t min = 0, max = 10000;
  int rc = asr_tpl_opt_const_int(c, opts, "min", 0, PRIME_MAX, 0, &min);
  if (rc == 0) rc = asr_tpl_opt_const_int(c, opts, "max", 0, PRIME_MAX, 10000, &max);
  if (rc == 0 && min > max)
    rc = asr_tpl_fail(c, "min (%lld) cannot be greater than max (%lld)", (long long)min, (long long)max);
  if (rc) return rc;
  uint8_t *composite = calloc((size_t)max + 1, 1);
  if (!composite) return asr_tpl_nomem(c);
  uint32_t count = 0;
  for (int64_t i = 2; i <= max; i++) {
    if (composite[i]) continue;
    count += i >= min;
    for (int64_t k = i * i; k <= max; k += i) composite[k] = 1;
  }
  prime_list_t *p = count ? asr_tpl_alloc(c, sizeof *p) : NULL;
  if (p) p->items = asr_tpl_alloc(c, sizeof *p->items * count);
  if (p && p->items)
    for (int64_t i = min < 2 ? 2 : min; i <= max; i++)
      if (!composite[i]) p->items[p->n++] = (uint32_t)i;
  free(composite);
  if (!count) return asr_tpl_fail(c, "no prime between min (%lld) and max (%lld)", (long long)min, (long long)max);
  if (!p || !p->items) return ASR_ENOMEM;
  n->aux = p;
  return 0;
}

static int gen_prime(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                     int keylen) {
  const prime_list_t *p = n->aux;
  return asr_tpl_put_int(dst, key, keylen, p->items[asr_rng_below(&g->rng, p->n)]);
}

static uint64_t mulmod(uint64_t a, uint64_t b, uint64_t m) {
  __extension__ typedef unsigned __int128 u128;
  return (uint64_t)((u128)a * b % m);
}

static uint64_t powmod(uint64_t b, uint64_t e, uint64_t m) {
  uint64_t r = 1;
  for (b %= m; e; e >>= 1, b = mulmod(b, b, m))
    if (e & 1) r = mulmod(r, b, m);
  return r;
}

/* Miller-Rabin with the first 12 primes as bases: exact for every 64-bit number. */
static bool is_prime_u64(uint64_t n) {
  static const uint64_t bases[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
  if (n < 2) return false;
  for (int i = 0; i < 12; i++)
    if (n % bases[i] == 0) return n == bases[i];
  uint64_t d = n - 1;
  int s = 0;
  while (d % 2 == 0) d /= 2, s++;
  for (int i = 0; i < 12; i++) {
    uint64_t x = powmod(bases[i], d, n);
    if (x == 1 || x == n - 1) continue;
    int r = 1;
    for (; r < s && (x = mulmod(x, x, n)) != n - 1; r++) {}
    if (r == s) return false;
  }
  return true;
}

static int compile_is_prime(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int rc = asr_tpl_opt_num(c, opts, "n", 0, &n->p[0]);
  if (rc == 0 && !n->p[0].present) rc = asr_tpl_fail(c, "option n is required");
  return rc;
}

/* Non-integers and numbers below 2 are not prime (chance's is_prime). */
static int gen_is_prime(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                        int keylen) {
  asr_tpl_num_t v;
  int rc = asr_tpl_eval_num(g, &n->p[0], &v);
  if (rc) return asr_tpl_gen_fail(g, n, rc, "n must be a number");
  return asr_tpl_put_bool(dst, key, keylen, v.isint && v.i >= 2 && is_prime_u64((uint64_t)v.i));
}

static const char *const CASINGS[] = {"lower", "upper", NULL};

static int compile_hex(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int rc = asr_tpl_opt_int(c, opts, "min", 0, &n->p[0]);
  if (rc == 0) rc = asr_tpl_opt_int(c, opts, "max", ASR_PEOPLE_MAX_SAFE, &n->p[1]);
  if (rc == 0) rc = asr_tplx_opt_enum(c, opts, "casing", CASINGS, 0, &n->p[2]);
  if (rc == 0 && !n->p[0].node && n->p[0].i < 0)
    rc = asr_tpl_fail(c, "min cannot be less than zero, got %lld", (long long)n->p[0].i);
  if (rc == 0 && !n->p[0].node && !n->p[1].node && n->p[0].i > n->p[1].i)
    rc = asr_tpl_fail(c, "min (%lld) cannot be greater than max (%lld)", (long long)n->p[0].i,
                      (long long)n->p[1].i);
  return rc;
}

static int gen_hex(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                   int keylen) {
  int64_t min, max, upper;
  int rc = asr_tpl_eval_int(g, &n->p[0], &min);
  if (rc == 0) rc = asr_tpl_eval_int(g, &n->p[1], &max);
  if (rc == 0) rc = asr_tplx_eval_enum(g, &n->p[2], CASINGS, &upper);
  if (rc == 0 && (min < 0 || min > max)) rc = ASR_EINVAL;
  if (rc) return asr_tpl_gen_fail(g, n, ASR_EINVAL, "min, max or casing out of range");
  char buf[24];
  int len = snprintf(buf, sizeof buf, upper ? "%llX" : "%llx",
                     (unsigned long long)asr_rng_range(&g->rng, min, max));
  return asr_tpl_put_utf8(dst, key, keylen, buf, (uint32_t)len);
}

/* ---- $letter {casing}, $syllable {length, capitalize}, $emoji {category, length} ---------- */

static int compile_letter(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  return asr_tplx_opt_enum(c, opts, "casing", CASINGS, 0, &n->p[0]);
}

static int gen_letter(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  int64_t upper;
  if (asr_tplx_eval_enum(g, &n->p[0], CASINGS, &upper))
    return asr_tpl_gen_fail(g, n, ASR_EINVAL, "casing must be \"lower\" or \"upper\"");
  char ch = (char)((upper ? 'A' : 'a') + asr_rng_below(&g->rng, 26));
  return asr_tpl_put_utf8(dst, key, keylen, &ch, 1);
}

static int compile_syllable(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int rc = asr_tplx_opt_int_in(c, opts, "length", 0, 1, ASR_TPL_STRING_MAX, &n->p[0]);
  return rc ? rc : asr_people_opt_bit(c, opts, "capitalize", false, n, 1);
}

/* chance.syllable: the first letter any, then consonant after vowel and vowel after consonant. */
static int gen_syllable(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                        int keylen) {
  static const char cons[] = "bcdfghjklmnprstvwz", vow[] = "aeiou";
  int64_t length = 0;
  int rc = n->p[0].present ? asr_tplx_eval_int_in(g, &n->p[0], 1, ASR_TPL_STRING_MAX, &length) : 0;
  if (rc) return asr_tpl_gen_fail(g, n, rc, "length must be between 1 and %d", ASR_TPL_STRING_MAX);
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  if (!length) length = 2 + asr_tplx_below(&d, 2);
  char *out = g->scratch;
  bool vowel = false;
  for (int64_t i = 0; i < length; i++) {
    if (i == 0) {
      uint32_t k = asr_tplx_below(&d, 23);
      vowel = k >= 18, out[i] = vowel ? vow[k - 18] : cons[k];
    } else {
      out[i] = vowel ? cons[asr_tplx_below(&d, 18)] : vow[asr_tplx_below(&d, 5)];
      vowel = !vowel;
    }
  }
  if (n->flags) out[0] = (char)(out[0] - 'a' + 'A');
  return asr_tpl_put_utf8(dst, key, keylen, out, (uint32_t)length);
}

static const char *const EMOJI_CATEGORIES[] = {
    "all", "smileys_and_emotion", "people_and_body", "animals_and_nature", "food_and_drink",
    "travel_and_places", "activities", "objects", "symbols", "flags", NULL};
#define EMOJI_MAX_POOL 256

static int compile_emoji(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int rc = asr_tplx_opt_enum(c, opts, "category", EMOJI_CATEGORIES, 0, &n->p[0]);
  if (rc == 0) rc = asr_tplx_opt_int_in(c, opts, "length", 1, 1, ASR_PEOPLE_MAX_SAFE, &n->p[1]);
  return rc;
}

static void put_code_point(asr_tplx_text_t *w, uint32_t cp) {
  char b[4];
  int len;
  if (cp < 0x10000) {
    b[0] = (char)(0xE0 | cp >> 12), b[1] = (char)(0x80 | (cp >> 6 & 0x3F)), b[2] = (char)(0x80 | (cp & 0x3F));
    len = 3;
  } else {
    b[0] = (char)(0xF0 | cp >> 18), b[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    b[2] = (char)(0x80 | (cp >> 6 & 0x3F)), b[3] = (char)(0x80 | (cp & 0x3F));
    len = 4;
  }
  asr_tplx_text_put(w, b, (size_t)len);
}

/* Emoji k of category cat: a code point of its runs, or a country's flag. */
static void put_emoji(asr_tplx_text_t *w, int cat, uint32_t k) {
  if (cat == ASR_EMOJI_FLAGS) {
    const char *cc = asr_words_country.items[k].code;
    put_code_point(w, 0x1F1E6 + (uint32_t)(cc[0] - 'A'));
    put_code_point(w, 0x1F1E6 + (uint32_t)(cc[1] - 'A'));
    return;
  }
  const asr_emoji_category_t *e = &asr_words_emoji[cat];
  for (uint32_t r = 0; r < e->nruns; k -= e->runs[r++].count)
    if (k < e->runs[r].count) {
      put_code_point(w, e->runs[r].first + k);
      return;
    }
}

/* chance.pickset: length distinct emoji of one category (all of them when it has fewer). */
static int gen_emoji(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                     int keylen) {
  int64_t cat, length;
  if (asr_tplx_eval_enum(g, &n->p[0], EMOJI_CATEGORIES, &cat) ||
      asr_tplx_eval_int_in(g, &n->p[1], 1, ASR_PEOPLE_MAX_SAFE, &length))
    return asr_tpl_gen_fail(g, n, ASR_EINVAL, "category or length out of range");
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  cat = cat ? cat - 1 : asr_tplx_below(&d, ASR_EMOJI_CATEGORIES);
  uint32_t total = cat == ASR_EMOJI_FLAGS ? asr_words_country.n : asr_words_emoji[cat].total;
  if (total > EMOJI_MAX_POOL) total = EMOJI_MAX_POOL;
  uint16_t idx[EMOJI_MAX_POOL];
  for (uint32_t i = 0; i < total; i++) idx[i] = (uint16_t)i;
  uint32_t want = length < total ? (uint32_t)length : total;
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, g->scratch, sizeof g->scratch);
  for (uint32_t i = 0; i < want; i++) { /* partial Fisher-Yates */
    uint32_t j = i + asr_tplx_below(&d, total - i);
    uint16_t t = idx[i];
    idx[i] = idx[j], idx[j] = t;
    put_emoji(&w, (int)cat, idx[i]);
  }
  return asr_tplx_text_append(&w, dst, key, keylen);
}

/* ---- $birthday {type, minAge, maxAge, string, american} ----------------------------------- */

#define AGE_TYPES asr_tplx_age_types
#define AGE_RANGE asr_tplx_age_range
enum { BDAY_STRING = 1, BDAY_AMERICAN = 2, BDAY_AGES = 4 };
#define AGE_MAX 1000

static int compile_birthday(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int64_t min_age = 0, max_age = 100;
  int rc = asr_tplx_opt_enum(c, opts, "type", AGE_TYPES, ASR_TPLX_AGE_ADULT, &n->p[0]);
  if (rc == 0) rc = asr_tpl_opt_const_int(c, opts, "minAge", 0, AGE_MAX, 0, &min_age);
  if (rc == 0) rc = asr_tpl_opt_const_int(c, opts, "maxAge", 0, AGE_MAX, 100, &max_age);
  if (rc == 0) rc = asr_people_opt_bit(c, opts, "string", false, n, BDAY_STRING);
  if (rc == 0) rc = asr_people_opt_bit(c, opts, "american", true, n, BDAY_AMERICAN);
  if (rc) return rc;
  if (opts && (cJSON_GetObjectItemCaseSensitive(opts, "minAge") ||
               cJSON_GetObjectItemCaseSensitive(opts, "maxAge"))) {
    if (min_age > max_age)
      return asr_tpl_fail(c, "minAge (%lld) cannot be greater than maxAge (%lld)", (long long)min_age,
                          (long long)max_age);
    n->flags |= BDAY_AGES;
  }
  n->p[1].i = min_age, n->p[2].i = max_age;
  return 0;
}

/* type: born between one and zero years before now, age years back; minAge / maxAge: between
 * the day after now's date maxAge + 1 years back and the end of now's date minAge years back;
 * else a random moment of the year now - age (chance.birthday). */
static int64_t birthday_of_type(asr_tpl_gen_t *g, int64_t type) {
  asr_civil_t lo, hi;
  asr_people_civil_of_ms(g->t->now_ms, &lo);
  hi = lo;
  int64_t age = asr_rng_range(&g->rng, AGE_RANGE[type][0], AGE_RANGE[type][1]);
  lo.year -= age + 1, hi.year -= age;
  return asr_rng_range(&g->rng, asr_people_ms_of_civil(&lo), asr_people_ms_of_civil(&hi));
}

static int64_t birthday_ms(const asr_tpl_node_t *n, asr_tpl_gen_t *g, int64_t type) {
  if (n->p[0].present) return birthday_of_type(g, type);
  asr_civil_t now;
  asr_people_civil_of_ms(g->t->now_ms, &now);
  if (n->flags & BDAY_AGES) {
    asr_civil_t lo = {.year = now.year - n->p[2].i - 1, .month = now.month, .day = now.day + 1};
    asr_civil_t hi = {.year = now.year - n->p[1].i, .month = now.month, .day = now.day + 1};
    return asr_rng_range(&g->rng, asr_people_ms_of_civil(&lo), asr_people_ms_of_civil(&hi) - 1);
  }
  int64_t age = asr_rng_range(&g->rng, AGE_RANGE[ASR_TPLX_AGE_ADULT][0], AGE_RANGE[ASR_TPLX_AGE_ADULT][1]);
  return random_in_year(&g->rng, now.year - age);
}

static int gen_birthday(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                        int keylen) {
  int64_t type = ASR_TPLX_AGE_ADULT;
  if (n->p[0].present && asr_tplx_eval_enum(g, &n->p[0], AGE_TYPES, &type))
    return asr_tpl_gen_fail(g, n, ASR_EINVAL, "type must be child, teen, adult, senior or all");
  int64_t ms = birthday_ms(n, g, type);
  if (!(n->flags & BDAY_STRING)) return asr_tpl_put_date(dst, key, keylen, ms);
  asr_civil_t c;
  asr_people_civil_of_ms(ms, &c);
  char buf[40];
  bool us = n->flags & BDAY_AMERICAN;
  int len = snprintf(buf, sizeof buf, "%d/%d/%lld", us ? c.month : c.day, us ? c.day : c.month,
                     (long long)c.year);
  return asr_tpl_put_utf8(dst, key, keylen, buf, (uint32_t)len);
}

/* ---- Brazilian and Israeli numbers: $cpf {formatted}, $cnpj, $israelId ------------------- */

/* Mod-11 check digit over digits d[0..n) with weights w: 11 - sum mod 11, where 10 and 11 give 0. */
static int mod11_digit(const int *d, const int *w, int n) {
  int sum = 0;
  for (int i = 0; i < n; i++) sum += d[i] * w[i];
  int r = 11 - sum % 11;
  return r >= 10 ? 0 : r;
}

static int compile_cpf(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  return asr_people_opt_bit(c, opts, "formatted", true, n, 1);
}

/* "798.254.797-44": nine digits and two mod-11 check digits. */
static int gen_cpf(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                   int keylen) {
  static const int w1[] = {10, 9, 8, 7, 6, 5, 4, 3, 2}, w2[] = {11, 10, 9, 8, 7, 6, 5, 4, 3, 2};
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  int dig[11];
  for (int i = 0; i < 9; i++) dig[i] = (int)asr_tplx_below(&d, 10);
  dig[9] = mod11_digit(dig, w1, 9);
  dig[10] = mod11_digit(dig, w2, 10);
  char buf[16];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  for (int i = 0; i < 11; i++) {
    if (n->flags && (i == 3 || i == 6)) asr_tplx_text_ch(&w, '.');
    if (n->flags && i == 9) asr_tplx_text_ch(&w, '-');
    asr_tplx_text_ch(&w, (char)('0' + dig[i]));
  }
  return asr_tplx_text_append(&w, dst, key, keylen);
}

/* "01.617.405/0001-36": eight digits, branch 0001 and two mod-11 check digits. */
static int gen_cnpj(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                    int keylen) {
  static const int w1[] = {5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2};
  static const int w2[] = {6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2};
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  int dig[14] = {0};
  for (int i = 0; i < 8; i++) dig[i] = (int)asr_tplx_below(&d, 10);
  dig[11] = 1; /* branch 0001 */
  dig[12] = mod11_digit(dig, w1, 12);
  dig[13] = mod11_digit(dig, w2, 13);
  char buf[24];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  for (int i = 0; i < 14; i++) {
    if (i == 2 || i == 5) asr_tplx_text_ch(&w, '.');
    if (i == 8) asr_tplx_text_ch(&w, '/');
    if (i == 12) asr_tplx_text_ch(&w, '-');
    asr_tplx_text_ch(&w, (char)('0' + dig[i]));
  }
  return asr_tplx_text_append(&w, dst, key, keylen);
}

/* Nine digits: eight random and a check digit (alternate digits doubled, digit sums added). */
static int gen_israel_id(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                         const char *key, int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  char buf[9];
  int sum = 0;
  for (int i = 0; i < 8; i++) {
    int x = (int)asr_tplx_below(&d, 10), v = x * (i % 2 ? 2 : 1);
    buf[i] = (char)('0' + x);
    sum += v / 10 + v % 10;
  }
  buf[8] = (char)('0' + (10 - sum % 10) % 10);
  return asr_tpl_put_utf8(dst, key, keylen, buf, 9);
}

/* ---- $gender {extraGenders}, $prefix {gender, full}, $suffix {full}, $name_suffixes ------- */

static int compile_gender(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  bool is_array = false;
  int rc = asr_tpl_opt_items(c, opts, "extraGenders", n, &is_array);
  const cJSON *v = opts ? cJSON_GetObjectItemCaseSensitive(opts, "extraGenders") : NULL;
  if (rc == 0 && v && !is_array) rc = asr_tpl_fail(c, "option extraGenders must be an array");
  return rc;
}

static int gen_gender(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  uint64_t k = asr_rng_below(&g->rng, 2 + (uint64_t)n->nkids);
  if (k >= 2) return asr_tpl_gen_kid(n->kids[k - 2], g, dst, key, keylen);
  return asr_tplx_put_cstr(dst, key, keylen, k ? "Female" : "Male");
}

static const char *const PREFIX_GENDERS[] = {"all", "male", "female", NULL};

static int compile_prefix(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int rc = asr_tplx_opt_enum(c, opts, "gender", PREFIX_GENDERS, 0, &n->p[0]);
  return rc ? rc : compile_full(c, opts, n);
}

static int gen_prefix(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  int64_t gender;
  if (asr_tplx_eval_enum(g, &n->p[0], PREFIX_GENDERS, &gender))
    return asr_tpl_gen_fail(g, n, ASR_EINVAL, "gender must be all, male or female");
  const asr_title_t *fits[16];
  uint32_t nfits = 0;
  for (uint32_t i = 0; i < asr_words_prefixes_n && nfits < 16; i++) {
    char who = asr_words_prefixes[i].gender[0];
    if (!who || gender == 0 || who == (gender == 1 ? 'm' : 'f')) fits[nfits++] = &asr_words_prefixes[i];
  }
  const asr_title_t *t = fits[asr_rng_below(&g->rng, nfits)];
  return asr_tplx_put_cstr(dst, key, keylen, n->flags ? t->name : t->abbreviation);
}

static int gen_suffix(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  const asr_title_t *t = &asr_words_suffixes[asr_rng_below(&g->rng, asr_words_suffixes_n)];
  return asr_tplx_put_cstr(dst, key, keylen, n->flags ? t->name : t->abbreviation);
}

/* [{name: "Junior", abbreviation: "Jr."}, ...]: chance.name_suffixes() */
static int gen_name_suffixes(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                             const char *key, int keylen) {
  bson_t arr, item;
  if (!bson_append_array_begin(dst, key, keylen, &arr)) return ASR_EINVAL;
  bool ok = true;
  char idx[16];
  for (uint32_t i = 0; i < asr_words_suffixes_n && ok; i++) {
    const char *k;
    size_t klen = bson_uint32_to_string(i, &k, idx, sizeof idx);
    ok = bson_append_document_begin(&arr, k, (int)klen, &item) &&
         BSON_APPEND_UTF8(&item, "name", asr_words_suffixes[i].name) &&
         BSON_APPEND_UTF8(&item, "abbreviation", asr_words_suffixes[i].abbreviation) &&
         bson_append_document_end(&arr, &item);
  }
  return asr_tpl_ok(bson_append_array_end(dst, &arr) && ok);
}

/* ---- $HIDN, $ssn {ssnFour, dashes}, $aadhar {onlyLastFour, separatedByWhiteSpace} -------- */

/* Hungarian ID: six digits and two capital letters. */
static int gen_hidn(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                    int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  char buf[8];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  asr_people_put_digits(&w, &d, 6);
  asr_tplx_text_ch(&w, (char)('A' + asr_tplx_below(&d, 26)));
  asr_tplx_text_ch(&w, (char)('A' + asr_tplx_below(&d, 26)));
  return asr_tplx_text_append(&w, dst, key, keylen);
}

enum { GROUPS_SHORT = 1, GROUPS_SEPARATED = 2 };

static int compile_groups(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n,
                          const char *short_name, const char *sep_name) {
  int rc = asr_people_opt_bit(c, opts, short_name, false, n, GROUPS_SHORT);
  return rc ? rc : asr_people_opt_bit(c, opts, sep_name, true, n, GROUPS_SEPARATED);
}

/* Digit groups of the given sizes joined by sep (when separated), or the last four alone. */
static int put_groups(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen, const int *sizes, int ngroups, char sep) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  char buf[24];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  if (n->flags & GROUPS_SHORT) {
    asr_people_put_digits(&w, &d, 4);
  } else {
    for (int i = 0; i < ngroups; i++) {
      if (i && (n->flags & GROUPS_SEPARATED)) asr_tplx_text_ch(&w, sep);
      asr_people_put_digits(&w, &d, sizes[i]);
    }
  }
  return asr_tplx_text_append(&w, dst, key, keylen);
}

static int compile_ssn(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  return compile_groups(c, opts, n, "ssnFour", "dashes");
}

static int gen_ssn(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                   int keylen) {
  static const int sizes[] = {3, 2, 4};
  return put_groups(n, g, dst, key, keylen, sizes, 3, '-');
}

static int compile_aadhar(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  return compile_groups(c, opts, n, "onlyLastFour", "separatedByWhiteSpace");
}

static int gen_aadhar(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  static const int sizes[] = {4, 4, 4};
  return put_groups(n, g, dst, key, keylen, sizes, 3, ' ');
}

/* ---- $mrz {first, last, passportNumber, dob, expiry, gender, issuer, nationality} --------- */

enum { MRZ_FIRST, MRZ_LAST, MRZ_DOB, MRZ_EXPIRY, MRZ_GENDER, MRZ_ISSUER, MRZ_NATIONALITY, MRZ_NSTR };
static const char *const MRZ_STR_OPTS[MRZ_NSTR] = {"first", "last", "dob", "expiry", "gender",
                                                   "issuer", "nationality"};

typedef struct mrz_opts {
  asr_tpl_param_t s[MRZ_NSTR];
  asr_tpl_param_t passport;
} mrz_opts_t;

#define MRZ_PASSPORT_MIN 100000000
#define MRZ_PASSPORT_MAX 999999999
#define MRZ_LINE 44      /* characters per line of a passport MRZ (two lines, no separator) */

static int compile_mrz(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  mrz_opts_t *o = asr_tpl_alloc(c, sizeof *o);
  if (!o) return ASR_ENOMEM;
  int rc = 0;
  for (int i = 0; i < MRZ_NSTR && rc == 0; i++) rc = asr_tpl_opt_str(c, opts, MRZ_STR_OPTS[i], "", &o->s[i]);
  if (rc == 0) rc = asr_tplx_opt_int_in(c, opts, "passportNumber", 0, 0, MRZ_PASSPORT_MAX, &o->passport);
  n->aux = o;
  return rc;
}

/* ICAO 9303 check digit: weights 7, 3, 1; '<' 0, digits their value, A..Z 10..35. */
static int mrz_check(const char *s, size_t len) {
  static const int weights[] = {7, 3, 1};
  int sum = 0;
  for (size_t i = 0; i < len; i++) {
    char ch = s[i];
    int v = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'A' && ch <= 'Z' ? ch - 'A' + 10 : 0;
    sum += v * weights[i % 3];
  }
  return sum % 10;
}

/* A name in MRZ letters: upper case, apostrophes dropped, anything else not a letter '<'. */
static void put_mrz_name(asr_tplx_text_t *w, const char *s, uint32_t len) {
  for (uint32_t i = 0; i < len; i++) {
    char ch = s[i];
    if (ch == '\'') continue;
    if (ch >= 'a' && ch <= 'z') ch = (char)(ch - 'a' + 'A');
    asr_tplx_text_ch(w, (ch >= 'A' && ch <= 'Z') ? ch : '<');
  }
}

static void put_yymmdd(asr_tplx_text_t *w, int64_t ms) {
  asr_civil_t c;
  asr_people_civil_of_ms(ms, &c);
  asr_tplx_text_uint(w, (uint64_t)(c.year % 100), 2);
  asr_tplx_text_uint(w, (uint64_t)c.month, 2);
  asr_tplx_text_uint(w, (uint64_t)c.day, 2);
}

static void put_fill(asr_tplx_text_t *w, int n) {
  while (n-- > 0) asr_tplx_text_ch(w, '<');
}

/* The defaults of every field, drawn in chance's order; options given replace them. */
static int mrz_text(const asr_tpl_node_t *n, asr_tpl_gen_t *g, const mrz_opts_t *o,
                    const char *const *s, const uint32_t *len, asr_tplx_text_t *w) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  bool female = asr_tplx_below(&d, 2);
  const char *first = pick(&d, female ? &asr_words_first_female : &asr_words_first_male);
  const char *last = pick(&d, &asr_words_last);
  int64_t passport = asr_rng_range(&g->rng, MRZ_PASSPORT_MIN, MRZ_PASSPORT_MAX);
  int64_t dob_ms = birthday_of_type(g, ASR_TPLX_AGE_ADULT); /* chance: birthday({type: "adult"}) */
  asr_civil_t exp;
  asr_people_civil_of_ms(g->t->now_ms, &exp);
  exp.year += 5;
  if (o->passport.present && asr_tpl_eval_int(g, &o->passport, &passport)) return ASR_EINVAL;
  asr_tplx_text_puts(w, "P<");
  if (o->s[MRZ_ISSUER].present) asr_tplx_text_put(w, s[MRZ_ISSUER], len[MRZ_ISSUER]);
  else asr_tplx_text_puts(w, "GBR");
  if (o->s[MRZ_LAST].present) put_mrz_name(w, s[MRZ_LAST], len[MRZ_LAST]);
  else put_mrz_name(w, last, (uint32_t)strlen(last));
  asr_tplx_text_puts(w, "<<");
  if (o->s[MRZ_FIRST].present) put_mrz_name(w, s[MRZ_FIRST], len[MRZ_FIRST]);
  else put_mrz_name(w, first, (uint32_t)strlen(first));
  put_fill(w, MRZ_LINE - (int)w->len); /* line one ends at 44 (names too long fail below) */
  uint32_t at = w->len;
  asr_tplx_text_uint(w, (uint64_t)passport, 1);
  asr_tplx_text_ch(w, (char)('0' + mrz_check(w->p + at, w->len - at)));
  if (o->s[MRZ_NATIONALITY].present) asr_tplx_text_put(w, s[MRZ_NATIONALITY], len[MRZ_NATIONALITY]);
  else asr_tplx_text_puts(w, "GBR");
  at = w->len;
  if (o->s[MRZ_DOB].present) asr_tplx_text_put(w, s[MRZ_DOB], len[MRZ_DOB]);
  else put_yymmdd(w, dob_ms);
  asr_tplx_text_ch(w, (char)('0' + mrz_check(w->p + at, w->len - at)));
  if (o->s[MRZ_GENDER].present) asr_tplx_text_put(w, s[MRZ_GENDER], len[MRZ_GENDER]);
  else asr_tplx_text_ch(w, female ? 'F' : 'M');
  at = w->len;
  if (o->s[MRZ_EXPIRY].present) asr_tplx_text_put(w, s[MRZ_EXPIRY], len[MRZ_EXPIRY]);
  else put_yymmdd(w, asr_people_ms_of_civil(&exp));
  asr_tplx_text_ch(w, (char)('0' + mrz_check(w->p + at, w->len - at)));
  put_fill(w, 14);
  asr_tplx_text_ch(w, '0'); /* the check digit of the empty personal number */
  /* the composite check digit of line two: number, birth date, expiry and personal number,
   * each with its check digit */
  if (w->over || w->len != 2 * MRZ_LINE - 1) return ASR_EINVAL;
  const char *line2 = w->p + MRZ_LINE;
  char comp[MRZ_LINE];
  memcpy(comp, line2, 10), memcpy(comp + 10, line2 + 13, 7), memcpy(comp + 17, line2 + 21, 22);
  asr_tplx_text_ch(w, (char)('0' + mrz_check(comp, 39)));
  return 0;
}

static int gen_mrz(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                   int keylen) {
  const mrz_opts_t *o = n->aux;
  bson_t tmp[MRZ_NSTR];
  const char *s[MRZ_NSTR];
  uint32_t len[MRZ_NSTR];
  int rc = 0, done = 0;
  for (; done < MRZ_NSTR && rc == 0; done++) rc = asr_tpl_eval_str(g, &o->s[done], &tmp[done], &s[done], &len[done]);
  if (rc == 0) {
    asr_tplx_text_t w;
    asr_tplx_text_init(&w, g->scratch, sizeof g->scratch);
    rc = mrz_text(n, g, o, s, len, &w);
    if (rc == 0) rc = asr_tplx_text_append(&w, dst, key, keylen);
  }
  while (done--) bson_destroy(&tmp[done]);
  return rc ? asr_tpl_gen_fail(g, n, rc, "the options do not make a passport MRZ (names too long, "
                                         "or fields of the wrong length)")
            : 0;
}

/* ---- the group ---------------------------------------------------------------------------- */

static const asr_tpl_op_t people_ops[] = {
    {"random", "", asr_tplx_compile_none, gen_random},
    {"falsy", "pool", compile_falsy, gen_falsy},
    {"animal", "type", compile_animal, gen_animal},
    {"natural", "min,max,numerals,exclude", compile_natural, gen_natural},
    {"prime", "min,max", compile_prime, gen_prime},
    {"is_prime", "n", compile_is_prime, gen_is_prime},
    {"hex", "min,max,casing", compile_hex, gen_hex},
    {"letter", "casing", compile_letter, gen_letter},
    {"syllable", "length,capitalize", compile_syllable, gen_syllable},
    {"emoji", "category,length", compile_emoji, gen_emoji},
    {"birthday", "type,minAge,maxAge,string,american", compile_birthday, gen_birthday},
    {"cpf", "formatted", compile_cpf, gen_cpf},
    {"cnpj", "", asr_tplx_compile_none, gen_cnpj},
    {"profession", "rank", compile_profession, gen_profession},
    {"gender", "extraGenders", compile_gender, gen_gender},
    {"israelId", "", asr_tplx_compile_none, gen_israel_id},
    {"mrz", "first,last,passportNumber,dob,expiry,gender,issuer,nationality", compile_mrz, gen_mrz},
    {"prefix", "gender,full", compile_prefix, gen_prefix},
    {"name_prefix", "gender,full", compile_prefix, gen_prefix},
    {"HIDN", "", asr_tplx_compile_none, gen_hidn},
    {"ssn", "ssnFour,dashes", compile_ssn, gen_ssn},
    {"aadhar", "onlyLastFour,separatedByWhiteSpace", compile_aadhar, gen_aadhar},
    {"name_suffixes", "", asr_tplx_compile_none, gen_name_suffixes},
    {"suffix", "full", compile_full, gen_suffix},
    {"name_suffix", "full", compile_full, gen_suffix},
    {"nationalities", "", asr_tplx_compile_none, gen_nationalities},
    {"nationality", "", asr_tplx_compile_none, gen_nationality},
    {"zodiac", "", asr_tplx_compile_none, gen_zodiac},
    {"emotion", "", asr_tplx_compile_none, gen_emotion},
};

const asr_tpl_op_group_t asr_tpl_ops_people = {people_ops, sizeof people_ops / sizeof people_ops[0]};
