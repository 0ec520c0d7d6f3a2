/* Template operators that make text, after chance.js (the library behind mgeneratejs):
 * people ($first, $last, $name), text ($word, $sentence, $paragraph), internet ($email,
 * $domain, $url, $ip), places ($phone, $street, $address, $city, $country, $zip),
 * time ($age, $year, $month, $weekday), business ($company, $currency). Option names, defaults
 * and output shapes follow chance.js 1.1; the words are our own lists (words.c) and $word is
 * built from syllables the way chance builds it.
 * Also the option helpers the ops_*.c files share (ops_ext.h). Text goes to g->scratch; the
 * compiled options live in the node (n->p, n->flags, n->aux in the template's arena). */
#include <stdio.h>
#include <strings.h>

#include "template/ops_ext.h"
#include "template/words.h"
#include "template/words_people.h"
#include "template/words_places.h"

/* ---- shared option helpers ----------------------------------------------------------------- */

int asr_tplx_compile_none(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) { return 0; }

bool asr_tplx_is_operator(const cJSON *v) {
  if (cJSON_IsString(v)) return v->valuestring[0] == '$';
  return cJSON_IsObject(v) && v->child && v->child->string[0] == '$';
}

int asr_tplx_opt_flag(asr_tpl_cc_t *c, const cJSON *opts, const char *name, bool def, bool *out) {
  const cJSON *v = opts ? cJSON_GetObjectItemCaseSensitive(opts, name) : NULL;
  *out = def;
  if (!v) return 0;
  if (!cJSON_IsBool(v)) return asr_tpl_fail(c, "option %s must be true or false", name);
  *out = cJSON_IsTrue(v);
  return 0;
}

static int enum_find(const char *s, uint32_t len, const char *const *names) {
  for (int i = 0; names[i]; i++)
    if (strlen(names[i]) == len && strncasecmp(names[i], s, len) == 0) return i;
  return -1;
}

int asr_tplx_opt_enum(asr_tpl_cc_t *c, const cJSON *opts, const char *name,
                      const char *const *names, int def, asr_tpl_param_t *p) {
  int rc = asr_tpl_opt_str(c, opts, name, names[def], p);
  if (rc || p->node) return rc;
  int i = enum_find(p->s, p->slen, names);
  if (i < 0) {
    char list[256] = "";
    for (int k = 0; names[k]; k++) {
      size_t used = strlen(list);
      snprintf(list + used, sizeof list - used, "%s\"%s\"", k ? ", " : "", names[k]);
    }
    return asr_tpl_fail(c, "option %s must be one of %s, got \"%s\"", name, list, p->s);
  }
  p->i = i, p->isint = true;
  return 0;
}

int asr_tplx_eval_enum(asr_tpl_gen_t *g, const asr_tpl_param_t *p, const char *const *names,
                       int64_t *out) {
  if (!p->node) {
    *out = p->i;
    return 0;
  }
  bson_t tmp;
  const char *s;
  uint32_t len;
  int rc = asr_tpl_eval_str(g, p, &tmp, &s, &len);
  if (rc == 0) {
    int i = enum_find(s, len, names);
    if (i < 0) rc = ASR_EINVAL;
    *out = i;
  }
  bson_destroy(&tmp);
  return rc;
}

int asr_tplx_opt_int_in(asr_tpl_cc_t *c, const cJSON *opts, const char *name, int64_t def,
                        int64_t lo, int64_t hi, asr_tpl_param_t *p) {
  int rc = asr_tpl_opt_int(c, opts, name, def, p);
  if (rc == 0 && p->present && !p->node && (p->i < lo || p->i > hi))
    rc = asr_tpl_fail(c, "option %s must be between %lld and %lld, got %lld", name, (long long)lo,
                      (long long)hi, (long long)p->i);
  return rc;
}

int asr_tplx_eval_int_in(asr_tpl_gen_t *g, const asr_tpl_param_t *p, int64_t lo, int64_t hi,
                         int64_t *out) {
  int rc = asr_tpl_eval_int(g, p, out);
  return rc ? rc : *out < lo || *out > hi ? ASR_EINVAL : 0;
}

/* ---- small pieces ------------------------------------------------------------------------ */

static const char *pick(asr_tplx_draw_t *d, const asr_words_t *w) {
  return w->items[asr_tplx_below(d, w->n)];
}

static const asr_word_pair_t *pick_pair(asr_tplx_draw_t *d, const asr_word_pairs_t *w) {
  return &w->items[asr_tplx_below(d, w->n)];
}

static int append_str(bson_t *dst, const char *key, int keylen, const char *s) {
  return asr_tpl_ok(bson_append_utf8(dst, key, keylen, s, -1));
}

static void upcase_at(asr_tplx_text_t *w, uint32_t at) {
  if (at < w->len && w->p[at] >= 'a' && w->p[at] <= 'z') w->p[at] = (char)(w->p[at] - 'a' + 'A');
}

/* ---- syllables and words, the way chance.js builds them ----------------------------------
 * A syllable is 2 or 3 letters: the first any letter, then consonant after vowel and vowel
 * after consonant. A word is 1..3 syllables, or syllables cut to an exact length. */

static const char CONSONANTS[] = "bcdfghjklmnprstvwz"; /* no hard-to-say ones, as chance */
static const char VOWELS[] = "aeiou";
#define NCONS 18u
#define NVOW 5u
#define SYLLABLE_MAX 3
#define WORD_MAX 9 /* 3 syllables of 3 letters: the longest default word */

/* One draw in [0, 2 * 23 * 18 * 5) decides the whole syllable: its length, its first letter,
 * then a vowel and a consonant in the order the first letter asks for. Decomposing a uniform
 * number by mixed radix gives independent uniform digits, so the letters are distributed as
 * with one draw per letter, at a third of the cost. */
static void put_syllable(asr_tplx_text_t *w, asr_tplx_draw_t *d) {
  uint32_t x = asr_tplx_below(d, 2 * (NCONS + NVOW) * NCONS * NVOW);
  uint32_t len = 2 + x % 2, first = x / 2 % (NCONS + NVOW), rest = x / 2 / (NCONS + NVOW);
  uint32_t v = rest % NVOW, c = rest / NVOW; /* c < NCONS */
  if (first < NCONS) { /* consonant, vowel, consonant */
    asr_tplx_text_ch(w, CONSONANTS[first]);
    asr_tplx_text_ch(w, VOWELS[v]);
    if (len == 3) asr_tplx_text_ch(w, CONSONANTS[c]);
  } else { /* vowel, consonant, vowel */
    asr_tplx_text_ch(w, VOWELS[first - NCONS]);
    asr_tplx_text_ch(w, CONSONANTS[c]);
    if (len == 3) asr_tplx_text_ch(w, VOWELS[v]);
  }
}

/* syllables = 0: 1..3 at random. length > 0: exactly length letters. */
static void put_word(asr_tplx_text_t *w, asr_tplx_draw_t *d, int64_t syllables, int64_t length) {
  uint32_t start = w->len;
  if (length > 0) { /* the last syllable is cut, so a word may fill the buffer exactly */
    for (uint32_t have = 0; have < length && !w->over; have = w->len - start) {
      char syl[SYLLABLE_MAX];
      asr_tplx_text_t s;
      asr_tplx_text_init(&s, syl, sizeof syl);
      put_syllable(&s, d);
      asr_tplx_text_put(w, syl, s.len < length - have ? s.len : (size_t)(length - have));
    }
    return;
  }
  if (syllables <= 0) syllables = 1 + asr_tplx_below(d, 3);
  for (int64_t i = 0; i < syllables && !w->over; i++) put_syllable(w, d);
}

/* A top-level domain: a generic one or a country code in lower case. */
static void put_tld(asr_tplx_text_t *w, asr_tplx_draw_t *d) {
  uint32_t k = asr_tplx_below(d, asr_words_tld.n + asr_words_country.n);
  if (k < asr_words_tld.n) {
    asr_tplx_text_puts(w, asr_words_tld.items[k]);
    return;
  }
  const char *cc = asr_words_country.items[k - asr_words_tld.n].code;
  asr_tplx_text_ch(w, (char)(cc[0] - 'A' + 'a'));
  asr_tplx_text_ch(w, (char)(cc[1] - 'A' + 'a'));
}

static void put_domain(asr_tplx_text_t *w, asr_tplx_draw_t *d, const char *tld, uint32_t tldlen) {
  put_word(w, d, 0, 0);
  asr_tplx_text_ch(w, '.');
  if (tld) asr_tplx_text_put(w, tld, tldlen);
  else put_tld(w, d);
}

/* ---- $first {gender}, $last, $name {gender, middle, middle_initial, prefix, suffix} ------- */

static const char *const GENDERS[] = {"male", "female", NULL};

static int compile_gender(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  return asr_tplx_opt_enum(c, opts, "gender", GENDERS, 0, &n->p[0]);
}

/* 0 male, 1 female: the option, or a coin flip when absent (as chance.gender()). */
static int eval_gender(const asr_tpl_node_t *n, asr_tpl_gen_t *g, asr_tplx_draw_t *d, int64_t *out) {
  if (!n->p[0].present) {
    *out = asr_tplx_below(d, 2);
    return 0;
  }
  return asr_tplx_eval_enum(g, &n->p[0], GENDERS, out);
}

/* nationality (chance's codes): p[1], absent = "en". */
static int compile_nationality(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n,
                               const char *const *codes) {
  return asr_tplx_opt_enum(c, opts, "nationality", codes, 0, &n->p[1]);
}

static int eval_nationality(const asr_tpl_node_t *n, asr_tpl_gen_t *g, const char *const *codes,
                            int64_t *out) {
  if (asr_tplx_eval_enum(g, &n->p[1], codes, out) == 0) return 0;
  return asr_tpl_gen_fail(g, n, ASR_EINVAL, "nationality is not one of the accepted codes");
}

static const char *first_of(asr_tplx_draw_t *d, int64_t gender, int64_t nat) {
  if (nat > 0) return pick(d, &asr_words_first_by_nationality[nat][gender ? 1 : 0]);
  return pick(d, gender ? &asr_words_first_female : &asr_words_first_male);
}

static const char *last_of(asr_tplx_draw_t *d, int64_t nat) {
  return pick(d, nat > 0 ? &asr_words_last_by_nationality[nat] : &asr_words_last);
}

int asr_tplx_compile_first(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int rc = compile_gender(c, opts, n);
  return rc ? rc : compile_nationality(c, opts, n, asr_words_first_nationalities);
}

int asr_tplx_gen_first(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                       int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  int64_t gender, nat;
  int rc = eval_gender(n, g, &d, &gender);
  if (rc == 0) rc = eval_nationality(n, g, asr_words_first_nationalities, &nat);
  return rc ? rc : append_str(dst, key, keylen, first_of(&d, gender, nat));
}

int asr_tplx_compile_last(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  return compile_nationality(c, opts, n, asr_words_last_nationalities);
}

int asr_tplx_gen_last(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  int64_t nat;
  int rc = eval_nationality(n, g, asr_words_last_nationalities, &nat);
  return rc ? rc : append_str(dst, key, keylen, last_of(&d, nat));
}

enum { NAME_MIDDLE = 1, NAME_INITIAL = 2, NAME_PREFIX = 4, NAME_SUFFIX = 8 };

int asr_tplx_compile_name(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  static const char *const flag_names[] = {"middle", "middle_initial", "prefix", "suffix"};
  int rc = compile_gender(c, opts, n);
  if (rc == 0) rc = compile_nationality(c, opts, n, asr_words_first_nationalities);
  for (int i = 0; i < 4 && rc == 0; i++) {
    bool on = false;
    rc = asr_tplx_opt_flag(c, opts, flag_names[i], false, &on);
    if (on) n->flags |= 1u << i;
  }
  return rc;
}

/* A prefix that fits the gender ("Mr." for men, "Mrs." for women, "Dr." for both). */
static const char *prefix_of(asr_tplx_draw_t *d, int64_t gender) {
  const asr_word_pairs_t *w = &asr_words_name_prefix;
  char want = gender ? 'f' : 'm';
  uint32_t fits = 0, k;
  for (uint32_t i = 0; i < w->n; i++) fits += !w->items[i].name[0] || w->items[i].name[0] == want;
  k = asr_tplx_below(d, fits);
  for (uint32_t i = 0; i < w->n; i++)
    if ((!w->items[i].name[0] || w->items[i].name[0] == want) && k-- == 0) return w->items[i].code;
  return w->items[0].code;
}

int asr_tplx_gen_name(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  int64_t gender, nat, last_nat;
  int rc = eval_gender(n, g, &d, &gender);
  if (rc == 0) rc = eval_nationality(n, g, asr_words_first_nationalities, &nat);
  if (rc) return rc;
  /* the same code among the last names' (en, it, nl, fr are in both lists) */
  for (last_nat = 0; strcmp(asr_words_last_nationalities[last_nat], asr_words_first_nationalities[nat]); last_nat++) {}
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, g->scratch, sizeof g->scratch);
  if (n->flags & NAME_PREFIX) {
    asr_tplx_text_puts(&w, prefix_of(&d, gender));
    asr_tplx_text_ch(&w, ' ');
  }
  asr_tplx_text_puts(&w, first_of(&d, gender, nat));
  if (n->flags & NAME_MIDDLE) {
    asr_tplx_text_ch(&w, ' ');
    asr_tplx_text_puts(&w, first_of(&d, gender, nat));
  } else if (n->flags & NAME_INITIAL) {
    asr_tplx_text_ch(&w, ' ');
    asr_tplx_text_ch(&w, (char)('A' + asr_tplx_below(&d, 26)));
    asr_tplx_text_ch(&w, '.');
  }
  asr_tplx_text_ch(&w, ' ');
  asr_tplx_text_puts(&w, last_of(&d, last_nat));
  if (n->flags & NAME_SUFFIX) {
    asr_tplx_text_ch(&w, ' ');
    asr_tplx_text_puts(&w, pick(&d, &asr_words_name_suffix));
  }
  return asr_tplx_text_append(&w, dst, key, keylen);
}

/* ---- $word {length, syllables, capitalize} ------------------------------------------------ */

#define CAPITALIZE 1u

int asr_tplx_compile_word(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  bool cap = false;
  int rc = asr_tplx_opt_int_in(c, opts, "length", 0, 1, ASR_TPL_STRING_MAX, &n->p[0]);
  if (rc == 0)
    rc = asr_tplx_opt_int_in(c, opts, "syllables", 0, 1, ASR_TPL_STRING_MAX / SYLLABLE_MAX, &n->p[1]);
  if (rc == 0 && n->p[0].present && n->p[1].present)
    rc = asr_tpl_fail(c, "options length and syllables cannot be given together");
  if (rc == 0) rc = asr_tplx_opt_flag(c, opts, "capitalize", false, &cap);
  n->flags = cap ? CAPITALIZE : 0;
  return rc;
}

int asr_tplx_gen_word(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  int64_t length = 0, syllables = 0;
  int rc = n->p[0].present ? asr_tplx_eval_int_in(g, &n->p[0], 1, ASR_TPL_STRING_MAX, &length) : 0;
  if (rc == 0 && n->p[1].present)
    rc = asr_tplx_eval_int_in(g, &n->p[1], 1, ASR_TPL_STRING_MAX / SYLLABLE_MAX, &syllables);
  if (rc) return rc;
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, g->scratch, sizeof g->scratch);
  put_word(&w, &d, syllables, length);
  if (n->flags & CAPITALIZE) upcase_at(&w, 0);
  return asr_tplx_text_append(&w, dst, key, keylen);
}

/* ---- $sentence {words=12..18, punctuation="."}, $paragraph {sentences=3..7, linebreak} ---- */

#define SENTENCE_WORDS_MAX ((ASR_TPL_STRING_MAX - 1) / (WORD_MAX + 1))
#define PARAGRAPH_SENTENCES_MAX (ASR_TPL_STRING_MAX / (18 * (WORD_MAX + 1) + 1))

/* words = 0: 12..18 at random. punct = 0: none. */
static void put_sentence(asr_tplx_text_t *w, asr_tplx_draw_t *d, int64_t words, char punct) {
  uint32_t start = w->len;
  if (words <= 0) words = 12 + asr_tplx_below(d, 7);
  for (int64_t i = 0; i < words && !w->over; i++) {
    if (i) asr_tplx_text_ch(w, ' ');
    put_word(w, d, 0, 0);
  }
  upcase_at(w, start);
  if (punct) asr_tplx_text_ch(w, punct);
}

int asr_tplx_compile_sentence(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int rc = asr_tplx_opt_int_in(c, opts, "words", 0, 1, SENTENCE_WORDS_MAX, &n->p[0]);
  const cJSON *v = opts ? cJSON_GetObjectItemCaseSensitive(opts, "punctuation") : NULL;
  n->flags = '.';
  if (rc || !v) return rc;
  if (cJSON_IsBool(v)) {
    n->flags = cJSON_IsTrue(v) ? '.' : 0;
  } else if (cJSON_IsString(v) && strlen(v->valuestring) == 1 && strchr(".?;!:", v->valuestring[0])) {
    n->flags = (unsigned char)v->valuestring[0];
  } else {
    rc = asr_tpl_fail(c, "option punctuation must be one of \".\", \"?\", \";\", \"!\", \":\" or false");
  }
  return rc;
}

int asr_tplx_gen_sentence(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                          const char *key, int keylen) {
  int64_t words = 0;
  int rc = n->p[0].present ? asr_tplx_eval_int_in(g, &n->p[0], 1, SENTENCE_WORDS_MAX, &words) : 0;
  if (rc) return rc;
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, g->scratch, sizeof g->scratch);
  put_sentence(&w, &d, words, (char)n->flags);
  return asr_tplx_text_append(&w, dst, key, keylen);
}

int asr_tplx_compile_paragraph(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  bool linebreak = false;
  int rc = asr_tplx_opt_int_in(c, opts, "sentences", 0, 1, PARAGRAPH_SENTENCES_MAX, &n->p[0]);
  if (rc == 0) rc = asr_tplx_opt_flag(c, opts, "linebreak", false, &linebreak);
  n->flags = linebreak;
  return rc;
}

int asr_tplx_gen_paragraph(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                           const char *key, int keylen) {
  int64_t sentences = 0;
  int rc = n->p[0].present ? asr_tplx_eval_int_in(g, &n->p[0], 1, PARAGRAPH_SENTENCES_MAX, &sentences) : 0;
  if (rc) return rc;
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  if (!n->p[0].present) sentences = 3 + asr_tplx_below(&d, 5);
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, g->scratch, sizeof g->scratch);
  for (int64_t i = 0; i < sentences && !w.over; i++) {
    if (i) asr_tplx_text_ch(&w, n->flags ? '\n' : ' ');
    put_sentence(&w, &d, 0, '.');
  }
  return asr_tplx_text_append(&w, dst, key, keylen);
}

/* ---- $email {domain, length}, $domain {tld}, $ip ----------------------------------------- */

#define EMAIL_LOCAL_MAX 64 /* RFC 5321's limit on the part before '@' */

int asr_tplx_compile_email(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int rc = asr_tpl_opt_str(c, opts, "domain", "", &n->p[0]);
  if (rc == 0 && n->p[0].present && !n->p[0].node && n->p[0].slen == 0)
    rc = asr_tpl_fail(c, "option domain must not be empty");
  if (rc == 0) rc = asr_tplx_opt_int_in(c, opts, "length", 0, 1, EMAIL_LOCAL_MAX, &n->p[1]);
  return rc;
}

int asr_tplx_gen_email(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                       int keylen) {
  bson_t tmp; /* holds an operator-valued domain */
  const char *domain = NULL;
  uint32_t dlen = 0;
  int64_t length = 0;
  int rc = n->p[1].present ? asr_tplx_eval_int_in(g, &n->p[1], 1, EMAIL_LOCAL_MAX, &length) : 0;
  if (rc) return rc;
  if (n->p[0].present) {
    rc = asr_tpl_eval_str(g, &n->p[0], &tmp, &domain, &dlen);
    if (rc == 0 && dlen == 0) rc = ASR_EINVAL;
  } else {
    bson_init(&tmp);
  }
  if (rc == 0) {
    asr_tplx_draw_t d;
    asr_tplx_draw_init(&d, &g->rng);
    asr_tplx_text_t w;
    asr_tplx_text_init(&w, g->scratch, sizeof g->scratch);
    put_word(&w, &d, 0, length);
    asr_tplx_text_ch(&w, '@');
    if (domain) asr_tplx_text_put(&w, domain, dlen);
    else put_domain(&w, &d, NULL, 0);
    rc = asr_tplx_text_append(&w, dst, key, keylen);
  }
  bson_destroy(&tmp);
  return rc;
}

int asr_tplx_compile_domain(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  return asr_tpl_opt_str(c, opts, "tld", "", &n->p[0]);
}

int asr_tplx_gen_domain(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                        int keylen) {
  bson_t tmp;
  const char *tld = NULL;
  uint32_t tlen = 0;
  int rc = 0;
  if (n->p[0].present) rc = asr_tpl_eval_str(g, &n->p[0], &tmp, &tld, &tlen);
  else bson_init(&tmp);
  if (rc == 0) {
    asr_tplx_draw_t d;
    asr_tplx_draw_init(&d, &g->rng);
    asr_tplx_text_t w;
    asr_tplx_text_init(&w, g->scratch, sizeof g->scratch);
    put_domain(&w, &d, tld, tlen);
    rc = asr_tplx_text_append(&w, dst, key, keylen);
  }
  bson_destroy(&tmp);
  return rc;
}

/* chance.ip: the first and last octets avoid 0 and 255. */
int asr_tplx_gen_ip(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                    int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  char buf[16];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  asr_tplx_text_uint(&w, 1 + asr_tplx_below(&d, 254), 1);
  asr_tplx_text_ch(&w, '.');
  asr_tplx_text_uint(&w, asr_tplx_below(&d, 256), 1);
  asr_tplx_text_ch(&w, '.');
  asr_tplx_text_uint(&w, asr_tplx_below(&d, 256), 1);
  asr_tplx_text_ch(&w, '.');
  asr_tplx_text_uint(&w, 1 + asr_tplx_below(&d, 254), 1);
  return asr_tplx_text_append(&w, dst, key, keylen);
}

/* ---- $url {protocol="http", domain, domain_prefix, path, extensions, tld} ----------------- */

typedef struct url_ext {
  uint32_t n;
  const char **s;
  uint32_t *len;
  const char *tld; /* "tld": the random domain's TLD, as chance passes it to domain() */
} url_ext_t;

/* The tld option of $url (a constant), into n->aux (allocated here when still NULL). */
static int compile_url_tld(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  const cJSON *v = opts ? cJSON_GetObjectItemCaseSensitive(opts, "tld") : NULL;
  if (!v) return 0;
  asr_tpl_param_t p = {0};
  int rc = asr_tpl_opt_str(c, opts, "tld", "", &p);
  if (rc == 0 && (p.node || !p.slen)) rc = asr_tpl_fail(c, "option tld must be a non-empty constant string");
  url_ext_t *e = n->aux ? n->aux : asr_tpl_alloc(c, sizeof *e);
  if (rc == 0 && !e) rc = ASR_ENOMEM;
  if (rc == 0) e->tld = p.s, n->aux = e;
  return rc;
}

int asr_tplx_compile_url(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  static const char *const names[] = {"protocol", "domain", "domain_prefix", "path"};
  int rc = 0;
  for (int i = 0; i < 4 && rc == 0; i++) rc = asr_tpl_opt_str(c, opts, names[i], i ? "" : "http", &n->p[i]);
  const cJSON *v = opts ? cJSON_GetObjectItemCaseSensitive(opts, "extensions") : NULL;
  if (rc || !v) return rc ? rc : compile_url_tld(c, opts, n);
  if (!cJSON_IsArray(v)) return asr_tpl_fail(c, "option extensions must be an array of strings");
  url_ext_t *e = asr_tpl_alloc(c, sizeof *e);
  int count = cJSON_GetArraySize(v);
  if (e) e->s = asr_tpl_alloc(c, sizeof *e->s * (size_t)(count ? count : 1));
  if (e && e->s) e->len = asr_tpl_alloc(c, sizeof *e->len * (size_t)(count ? count : 1));
  if (!e || !e->s || !e->len) return ASR_ENOMEM;
  for (const cJSON *x = v->child; x; x = x->next, e->n++) {
    if (!cJSON_IsString(x) || !bson_utf8_validate(x->valuestring, strlen(x->valuestring), false))
      return asr_tpl_fail(c, "extensions[%u] must be a string", e->n);
    e->len[e->n] = (uint32_t)strlen(x->valuestring);
    char *s = asr_tpl_alloc(c, e->len[e->n] + 1);
    if (!s) return ASR_ENOMEM;
    memcpy(s, x->valuestring, e->len[e->n]);
    e->s[e->n] = s;
  }
  n->aux = e; /* [] means no extension, as in chance */
  return compile_url_tld(c, opts, n);
}

int asr_tplx_gen_url(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                     int keylen) {
  bson_t tmp[4]; /* operator-valued parts stay alive until the text is built */
  const char *s[4];
  uint32_t len[4];
  int rc = 0, done = 0;
  for (; done < 4 && rc == 0; done++) rc = asr_tpl_eval_str(g, &n->p[done], &tmp[done], &s[done], &len[done]);
  if (rc == 0) {
    asr_tplx_draw_t d;
    asr_tplx_draw_init(&d, &g->rng);
    asr_tplx_text_t w;
    asr_tplx_text_init(&w, g->scratch, sizeof g->scratch);
    asr_tplx_text_put(&w, s[0], len[0]);
    asr_tplx_text_puts(&w, "://");
    if (len[2]) { /* an empty prefix adds no dot, as in chance */
      asr_tplx_text_put(&w, s[2], len[2]);
      asr_tplx_text_ch(&w, '.');
    }
    const url_ext_t *e = n->aux;
    if (n->p[1].present) asr_tplx_text_put(&w, s[1], len[1]);
    else put_domain(&w, &d, e ? e->tld : NULL, e && e->tld ? (uint32_t)strlen(e->tld) : 0);
    asr_tplx_text_ch(&w, '/');
    if (n->p[3].present) asr_tplx_text_put(&w, s[3], len[3]);
    else put_word(&w, &d, 0, 0);
    if (e && e->n) {
      uint32_t k = asr_tplx_below(&d, e->n);
      asr_tplx_text_ch(&w, '.');
      asr_tplx_text_put(&w, e->s[k], e->len[k]);
    }
    rc = asr_tplx_text_append(&w, dst, key, keylen);
  }
  while (done--) bson_destroy(&tmp[done]);
  return rc;
}

/* ---- $phone {formatted=true, parens=true, country=us, mobile}: "(576) 565-7916" ----------- */

enum { PHONE_FORMATTED = 1, PHONE_PARENS = 2, PHONE_MOBILE = 4 };
static const char *const PHONE_COUNTRIES[] = {"us", "uk", "fr", "za", "br", NULL};

int asr_tplx_compile_phone(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  bool formatted = true, parens = true, mobile = false;
  int rc = asr_tplx_opt_flag(c, opts, "formatted", true, &formatted);
  if (rc == 0) rc = asr_tplx_opt_flag(c, opts, "parens", true, &parens);
  if (rc == 0) rc = asr_tplx_opt_flag(c, opts, "mobile", false, &mobile);
  if (rc == 0) rc = asr_tplx_opt_enum(c, opts, "country", PHONE_COUNTRIES, 0, &n->p[0]);
  n->flags = (formatted ? PHONE_FORMATTED : 0) | (formatted && parens ? PHONE_PARENS : 0) |
             (mobile ? PHONE_MOBILE : 0);
  return rc;
}

static void put_digit_run(asr_tplx_text_t *w, asr_tplx_draw_t *d, int n) {
  while (n-- > 0) asr_tplx_text_ch(w, (char)('0' + asr_tplx_below(d, 10)));
}

/* Area code: first digit 2-9, second 0-8; exchange: first digit 2-9; line: 1000-9999. */
static void put_phone_us(asr_tplx_text_t *w, asr_tplx_draw_t *d, uint32_t flags) {
  bool formatted = flags & PHONE_FORMATTED, parens = flags & PHONE_PARENS;
  if (parens) asr_tplx_text_ch(w, '(');
  asr_tplx_text_ch(w, (char)('2' + asr_tplx_below(d, 8)));
  asr_tplx_text_ch(w, (char)('0' + asr_tplx_below(d, 9)));
  asr_tplx_text_ch(w, (char)('0' + asr_tplx_below(d, 10)));
  if (parens) asr_tplx_text_ch(w, ')');
  if (formatted) asr_tplx_text_ch(w, ' ');
  asr_tplx_text_ch(w, (char)('2' + asr_tplx_below(d, 8)));
  asr_tplx_text_uint(w, asr_tplx_below(d, 100), 2);
  if (formatted) asr_tplx_text_ch(w, '-');
  asr_tplx_text_uint(w, 1000 + asr_tplx_below(d, 9000), 4);
}

/* Digit groups after a fixed start; sizes end with 0. Spaces between groups when formatted. */
static void put_grouped(asr_tplx_text_t *w, asr_tplx_draw_t *d, const char *start,
                        const int *sizes, bool formatted) {
  asr_tplx_text_puts(w, start);
  for (int i = 0; sizes[i]; i++) {
    if (formatted) asr_tplx_text_ch(w, ' ');
    put_digit_run(w, d, sizes[i]);
  }
}

/* UK: "0141 496 0213", "020 7946 0321", "01632 960123"; mobile "07700 900123". */
static void put_phone_uk(asr_tplx_text_t *w, asr_tplx_draw_t *d, uint32_t flags) {
  static const int city[] = {3, 4, 0}, london[] = {4, 4, 0}, town[] = {6, 0};
  bool formatted = flags & PHONE_FORMATTED;
  char start[8] = "07";
  if (flags & PHONE_MOBILE) {
    start[2] = (char)('4' + asr_tplx_below(d, 6)), start[3] = (char)('0' + asr_tplx_below(d, 10));
    start[4] = (char)('0' + asr_tplx_below(d, 10)), start[5] = '\0';
    put_grouped(w, d, start, town, formatted);
    return;
  }
  switch (asr_tplx_below(d, 3)) {
  case 0:
    memcpy(start, "01", 2), start[2] = (char)('2' + asr_tplx_below(d, 8)), start[3] = '1', start[4] = '\0';
    put_grouped(w, d, start, city, formatted);
    break;
  case 1:
    put_grouped(w, d, "020", london, formatted);
    break;
  default:
    memcpy(start, "01", 2), start[2] = (char)('2' + asr_tplx_below(d, 8));
    start[3] = (char)('0' + asr_tplx_below(d, 10)), start[4] = (char)('0' + asr_tplx_below(d, 10));
    start[5] = '\0';
    put_grouped(w, d, start, town, formatted);
  }
}

/* France: ten digits from 01..05, 09 (mobile 06, 07), in pairs when formatted. */
static void put_phone_fr(asr_tplx_text_t *w, asr_tplx_draw_t *d, uint32_t flags) {
  static const int pairs[] = {2, 2, 2, 2, 0};
  char start[3] = {'0', 0, 0};
  if (flags & PHONE_MOBILE) start[1] = (char)('6' + asr_tplx_below(d, 2));
  else start[1] = "123459"[asr_tplx_below(d, 6)];
  put_grouped(w, d, start, pairs, flags & PHONE_FORMATTED);
}

/* South Africa: ten digits, 01..05 (mobile 06..08); chance never formats them. */
static void put_phone_za(asr_tplx_text_t *w, asr_tplx_draw_t *d, uint32_t flags) {
  asr_tplx_text_ch(w, '0');
  asr_tplx_text_ch(w, (char)((flags & PHONE_MOBILE ? '6' + asr_tplx_below(d, 3) : '1' + asr_tplx_below(d, 5))));
  put_digit_run(w, d, 8);
}

/* Brazil: "(11) 2345-6789", mobile "(11) 91234-5678". */
static void put_phone_br(asr_tplx_text_t *w, asr_tplx_draw_t *d, uint32_t flags) {
  bool formatted = flags & PHONE_FORMATTED;
  if (formatted) asr_tplx_text_ch(w, '(');
  asr_tplx_text_ch(w, (char)('1' + asr_tplx_below(d, 9)));
  asr_tplx_text_ch(w, (char)('1' + asr_tplx_below(d, 9)));
  if (formatted) asr_tplx_text_puts(w, ") ");
  if (flags & PHONE_MOBILE) {
    asr_tplx_text_ch(w, '9');
    put_digit_run(w, d, 4);
  } else {
    asr_tplx_text_uint(w, 2000 + asr_tplx_below(d, 4000), 4);
  }
  if (formatted) asr_tplx_text_ch(w, '-');
  put_digit_run(w, d, 4);
}

int asr_tplx_gen_phone(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                       int keylen) {
  static void (*const by_country[])(asr_tplx_text_t *, asr_tplx_draw_t *, uint32_t) = {
      put_phone_us, put_phone_uk, put_phone_fr, put_phone_za, put_phone_br};
  int64_t country;
  if (asr_tplx_eval_enum(g, &n->p[0], PHONE_COUNTRIES, &country))
    return asr_tpl_gen_fail(g, n, ASR_EINVAL, "country must be us, uk, fr, za or br");
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  char buf[24];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  by_country[country](&w, &d, n->flags);
  return asr_tplx_text_append(&w, dst, key, keylen);
}

/* ---- $street {short_suffix, syllables, country}, $address, $city ------------------------ */

#define STREET_SYLLABLES_MAX 16
enum { STREET_SHORT = 1, STREET_IT = 2 };
static const char *const STREET_COUNTRIES[] = {"us", "it", NULL};

int asr_tplx_compile_street(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  bool short_suffix = false;
  asr_tpl_param_t country = {0};
  int rc = asr_tplx_opt_flag(c, opts, "short_suffix", false, &short_suffix);
  if (rc == 0) rc = asr_tplx_opt_int_in(c, opts, "syllables", 0, 1, STREET_SYLLABLES_MAX, &n->p[0]);
  if (rc == 0) rc = asr_tplx_opt_enum(c, opts, "country", STREET_COUNTRIES, 0, &country);
  if (rc == 0 && country.node) rc = asr_tpl_fail(c, "option country must be a constant string");
  n->flags = (short_suffix ? STREET_SHORT : 0) | (country.i == 1 ? STREET_IT : 0);
  return rc;
}

/* us: "Maple Avenue"; with syllables, a made-up name of that many syllables ("Naswo Circle").
 * it: the suffix first and a made-up name (2 syllables unless given): "Via Bazo", as chance. */
static int put_street(const asr_tpl_node_t *n, asr_tpl_gen_t *g, asr_tplx_draw_t *d,
                      asr_tplx_text_t *w) {
  bool it = n->flags & STREET_IT;
  const asr_word_pair_t *suffix = it ? pick_pair(d, &asr_words_street_suffix_it) : NULL;
  if (it) {
    asr_tplx_text_puts(w, n->flags & STREET_SHORT ? suffix->code : suffix->name);
    asr_tplx_text_ch(w, ' ');
  }
  if (n->p[0].present || it) {
    int64_t syllables = 2;
    int rc = n->p[0].present ? asr_tplx_eval_int_in(g, &n->p[0], 1, STREET_SYLLABLES_MAX, &syllables) : 0;
    if (rc) return rc;
    uint32_t start = w->len;
    put_word(w, d, syllables, 0);
    upcase_at(w, start);
  } else {
    asr_tplx_text_puts(w, pick(d, &asr_words_street));
  }
  if (it) return 0;
  suffix = pick_pair(d, &asr_words_street_suffix);
  asr_tplx_text_ch(w, ' ');
  asr_tplx_text_puts(w, n->flags & STREET_SHORT ? suffix->code : suffix->name);
  return 0;
}

int asr_tplx_gen_street(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                        int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, g->scratch, sizeof g->scratch);
  int rc = put_street(n, g, &d, &w);
  return rc ? rc : asr_tplx_text_append(&w, dst, key, keylen);
}

/* "951 Maple Avenue": a house number 5..2000 and a street (same options as $street). */
int asr_tplx_gen_address(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                         int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, g->scratch, sizeof g->scratch);
  asr_tplx_text_uint(&w, 5 + asr_tplx_below(&d, 1996), 1);
  asr_tplx_text_ch(&w, ' ');
  int rc = put_street(n, g, &d, &w);
  return rc ? rc : asr_tplx_text_append(&w, dst, key, keylen);
}

int asr_tplx_gen_city(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  return append_str(dst, key, keylen, pick(&d, &asr_words_city));
}

/* ---- $country {full, raw}, $zip {plusfour} ($state: ops_places.c) ---------------------- */

enum { FULL = 1, RAW = 2 };

int asr_tplx_compile_country(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  bool full = false, raw = false;
  int rc = asr_tplx_opt_flag(c, opts, "full", false, &full);
  if (rc == 0) rc = asr_tplx_opt_flag(c, opts, "raw", false, &raw);
  n->flags = (full ? FULL : 0) | (raw ? RAW : 0);
  return rc;
}

int asr_tplx_gen_country(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                         int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  const asr_word_pair_t *s = pick_pair(&d, &asr_words_country);
  if (n->flags & RAW) { /* {name, abbreviation}, as chance.country({raw: true}) */
    bson_t doc;
    if (!bson_append_document_begin(dst, key, keylen, &doc)) return ASR_EINVAL;
    bool ok = BSON_APPEND_UTF8(&doc, "name", s->name) && BSON_APPEND_UTF8(&doc, "abbreviation", s->code);
    return asr_tpl_ok(bson_append_document_end(dst, &doc) && ok);
  }
  return append_str(dst, key, keylen, n->flags & FULL ? s->name : s->code);
}

int asr_tplx_compile_zip(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  bool plusfour = false;
  int rc = asr_tplx_opt_flag(c, opts, "plusfour", false, &plusfour);
  n->flags = plusfour;
  return rc;
}

int asr_tplx_gen_zip(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                     int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  char buf[12];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  asr_tplx_text_uint(&w, asr_tplx_below(&d, 100000), 5);
  if (n->flags) {
    asr_tplx_text_ch(&w, '-');
    asr_tplx_text_uint(&w, asr_tplx_below(&d, 10000), 4);
  }
  return asr_tplx_text_append(&w, dst, key, keylen);
}

/* ---- $age {type=adult}, $year {min=this year, max=min+100}, $month, $weekday -------------- */

const char *const asr_tplx_age_types[] = {"child", "teen", "adult", "senior", "all", NULL};
const int asr_tplx_age_range[][2] = {{0, 12}, {13, 19}, {18, 65}, {65, 100}, {0, 100}};
#define AGE_TYPES asr_tplx_age_types
#define AGE_RANGE asr_tplx_age_range

int asr_tplx_compile_age(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  return asr_tplx_opt_enum(c, opts, "type", AGE_TYPES, 2, &n->p[0]);
}

int asr_tplx_gen_age(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                     int keylen) {
  int64_t type;
  int rc = asr_tplx_eval_enum(g, &n->p[0], AGE_TYPES, &type);
  if (rc) return rc;
  int lo = AGE_RANGE[type][0], hi = AGE_RANGE[type][1];
  return asr_tpl_ok(bson_append_int32(dst, key, keylen, (int32_t)asr_rng_range(&g->rng, lo, hi)));
}

#define YEAR_MAX 9007199254740991LL /* chance.natural's limit */

/* The UTC calendar year of a time (civil_from_days, Howard Hinnant). */
static int64_t year_of_ms(int64_t ms) {
  int64_t days = ms / 86400000 - (ms % 86400000 < 0);
  int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  return yoe + era * 400 + (mp >= 10);
}

int asr_tplx_compile_year(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int rc = asr_tplx_opt_int_in(c, opts, "min", 0, 0, YEAR_MAX, &n->p[0]);
  if (rc == 0) rc = asr_tplx_opt_int_in(c, opts, "max", 0, 0, YEAR_MAX, &n->p[1]);
  if (rc == 0 && n->p[0].present && n->p[1].present && !n->p[0].node && !n->p[1].node &&
      n->p[0].i > n->p[1].i)
    rc = asr_tpl_fail(c, "min (%lld) is greater than max (%lld)", (long long)n->p[0].i, (long long)n->p[1].i);
  return rc;
}

/* min defaults to the template clock's year (the run's start, or --now): not the wall clock
 * of each document, so runs stay reproducible. */
int asr_tplx_gen_year(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  int64_t min = year_of_ms(g->t->now_ms), max;
  int rc = n->p[0].present ? asr_tplx_eval_int_in(g, &n->p[0], 0, YEAR_MAX, &min) : 0;
  if (rc) return rc;
  max = min + 100;
  if (n->p[1].present && (rc = asr_tplx_eval_int_in(g, &n->p[1], 0, YEAR_MAX, &max))) return rc;
  int64_t y = min <= max ? asr_rng_range(&g->rng, min, max) : asr_rng_range(&g->rng, max, min);
  char buf[24];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  asr_tplx_text_uint(&w, (uint64_t)y, 1);
  return asr_tplx_text_append(&w, dst, key, keylen);
}

int asr_tplx_compile_month(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  bool raw = false;
  int rc = asr_tplx_opt_flag(c, opts, "raw", false, &raw);
  n->flags = raw;
  if (rc == 0) rc = asr_tplx_opt_int_in(c, opts, "min", 1, 1, 12, &n->p[0]);
  if (rc == 0) rc = asr_tplx_opt_int_in(c, opts, "max", 12, 1, 12, &n->p[1]);
  if (rc == 0 && !n->p[0].node && !n->p[1].node && n->p[0].i > n->p[1].i)
    rc = asr_tpl_fail(c, "min (%lld) is greater than max (%lld)", (long long)n->p[0].i, (long long)n->p[1].i);
  return rc;
}

int asr_tplx_gen_month(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                       int keylen) {
  int64_t min, max;
  int rc = asr_tplx_eval_int_in(g, &n->p[0], 1, 12, &min);
  if (rc == 0) rc = asr_tplx_eval_int_in(g, &n->p[1], 1, 12, &max);
  if (rc) return rc;
  int64_t m = min <= max ? asr_rng_range(&g->rng, min, max) : asr_rng_range(&g->rng, max, min);
  if (n->flags) return asr_tplt_month_doc(dst, key, keylen, (int)m); /* raw: the month's object */
  return append_str(dst, key, keylen, asr_words_month.items[m - 1]);
}

int asr_tplx_compile_weekday(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  bool weekday_only = false;
  int rc = asr_tplx_opt_flag(c, opts, "weekday_only", false, &weekday_only);
  n->flags = weekday_only;
  return rc;
}

int asr_tplx_gen_weekday(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                         const char *key, int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  return append_str(dst, key, keylen, asr_words_weekday.items[asr_tplx_below(&d, n->flags ? 5 : 7)]);
}

/* ---- $company, $currency ----------------------------------------------------------------- */

/* "Summit Logistics Inc" (2 in 5), "Bennett Foods LLC" (3 in 10), "Hale & Porter" (3 in 20),
 * "Hale-Porter Group" (3 in 20). */
int asr_tplx_gen_company(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                         const char *key, int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, g->scratch, sizeof g->scratch);
  uint32_t form = asr_tplx_below(&d, 20);
  if (form < 14) {
    asr_tplx_text_puts(&w, form < 8 ? pick(&d, &asr_words_company_head) : pick(&d, &asr_words_last));
    asr_tplx_text_ch(&w, ' ');
    asr_tplx_text_puts(&w, pick(&d, &asr_words_company_body));
  } else {
    asr_tplx_text_puts(&w, pick(&d, &asr_words_last));
    asr_tplx_text_puts(&w, form < 17 ? " & " : "-");
    asr_tplx_text_puts(&w, pick(&d, &asr_words_last));
  }
  if (form < 14 || form >= 17) {
    asr_tplx_text_ch(&w, ' ');
    asr_tplx_text_puts(&w, pick(&d, &asr_words_company_tail));
  }
  return asr_tplx_text_append(&w, dst, key, keylen);
}

/* {code: "JPY", name: "Japanese Yen"}: an object, as chance.currency() returns. */
int asr_tplx_gen_currency(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                          const char *key, int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  const asr_word_pair_t *cur = pick_pair(&d, &asr_words_currency);
  bson_t child;
  if (!bson_append_document_begin(dst, key, keylen, &child)) return ASR_EINVAL;
  bool ok = BSON_APPEND_UTF8(&child, "code", cur->code) && BSON_APPEND_UTF8(&child, "name", cur->name);
  return asr_tpl_ok(bson_append_document_end(dst, &child) && ok);
}

/* A word as $word makes it (syllables 0: 1..3 of them; length > 0: exactly that many letters),
 * for the operators of other files ($hashtag, $twitter, $file). */
void asr_tplx_put_word(asr_tplx_text_t *w, asr_tplx_draw_t *d, int64_t syllables, int64_t length) {
  put_word(w, d, syllables, length);
}
