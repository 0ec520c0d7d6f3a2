/* Word lists for the text operators of templates ($name, $city, $country, $currency, ...).
 * asrun's own data (common names, US places, ISO 3166 country and ISO 4217 currency codes,
 * generic TLDs): constant arrays in read-only memory, shared by every thread, owned by nobody.
 * Each list comes with its length; every entry is a non-empty ASCII string. */
#ifndef ASR_TEMPLATE_WORDS_H
#define ASR_TEMPLATE_WORDS_H

#include <stdint.h>

typedef struct asr_words {
  const char *const *items;
  uint32_t n;
} asr_words_t;

/* A code and its name: a state's abbreviation, a country's ISO code, a currency's code, a
 * street suffix's abbreviation. */
typedef struct asr_word_pair {
  const char *code;
  const char *name;
} asr_word_pair_t;

typedef struct asr_word_pairs {
  const asr_word_pair_t *items;
  uint32_t n;
} asr_word_pairs_t;

extern const asr_words_t asr_words_first_male, asr_words_first_female, asr_words_last;
extern const asr_words_t asr_words_city, asr_words_street;
extern const asr_words_t asr_words_company_head, asr_words_company_body, asr_words_company_tail;
extern const asr_words_t asr_words_tld;   /* generic TLDs; country codes serve as the rest */
extern const asr_words_t asr_words_color; /* CSS color names */
extern const asr_words_t asr_words_month, asr_words_weekday; /* January.., Monday..Sunday */
extern const asr_word_pairs_t asr_words_street_suffix;       /* {abbreviation, name} */
extern const asr_word_pairs_t asr_words_state;       /* 50 states and DC: {abbreviation, name} */
extern const asr_word_pairs_t asr_words_territory;   /* US territories, same shape */
extern const asr_word_pairs_t asr_words_country;     /* {ISO 3166-1 alpha-2, name} */
extern const asr_word_pairs_t asr_words_currency;    /* {ISO 4217 code, name} */
extern const asr_word_pairs_t asr_words_name_prefix; /* {abbreviation, gender: "m"/"f"/""} */
extern const asr_words_t asr_words_name_suffix;

#endif
