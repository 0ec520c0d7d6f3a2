/* Word lists for the "people" and "finance" template operators (ops_people.c, ops_finance.c):
 * animals by habitat, professions, emotions, nationalities, zodiac signs, name prefixes and
 * suffixes with their full forms, payment card types, emoji categories. asrun's own data:
 * constant arrays in read-only memory, shared by every thread, owned by nobody. Entries are
 * non-empty strings (ASCII except the emoji, which are code point ranges). */
#ifndef ASR_TEMPLATE_WORDS_PEOPLE_H
#define ASR_TEMPLATE_WORDS_PEOPLE_H

#include "template/words.h"

/* Animals by habitat; asr_words_animal_types names them in the same order. */
#define ASR_ANIMAL_TYPES 7
extern const char *const asr_words_animal_types[ASR_ANIMAL_TYPES + 1]; /* NULL-terminated */
extern const asr_words_t asr_words_animals[ASR_ANIMAL_TYPES];

extern const asr_words_t asr_words_profession, asr_words_emotion, asr_words_nationality;
extern const asr_words_t asr_words_zodiac;

/* A title with its abbreviation and whom it fits: gender "m", "f" or "" (anyone). */
typedef struct asr_title {
  const char *abbreviation, *name, *gender;
} asr_title_t;
extern const asr_title_t asr_words_prefixes[];
extern const uint32_t asr_words_prefixes_n;
extern const asr_title_t asr_words_suffixes[]; /* gender unused ("") */
extern const uint32_t asr_words_suffixes_n;

/* A payment card scheme: issuer prefix and number length (Luhn check digit included). */
typedef struct asr_card_type {
  const char *name, *short_name, *prefix;
  int length;
} asr_card_type_t;
extern const asr_card_type_t asr_words_cards[];
extern const uint32_t asr_words_cards_n;

/* Emoji categories: names (NULL-terminated) and, for each, runs of consecutive code points;
 * "flags" is made of pairs of regional indicators spelling ISO 3166 country codes instead. */
#define ASR_EMOJI_CATEGORIES 9
#define ASR_EMOJI_FLAGS 8 /* index of "flags" */
extern const char *const asr_words_emoji_categories[ASR_EMOJI_CATEGORIES + 1];
typedef struct asr_code_run {
  uint32_t first, count;
} asr_code_run_t;
typedef struct asr_emoji_category {
  const asr_code_run_t *runs;
  uint32_t nruns, total;
} asr_emoji_category_t;
extern const asr_emoji_category_t asr_words_emoji[ASR_EMOJI_CATEGORIES];

/* Names by nationality, chance's codes (NULL-terminated). Entry 0, "en", is empty: words.h's
 * asr_words_first_male / _female / asr_words_last serve. First names are [male, female]. */
#define ASR_FIRST_NATIONALITIES 4
#define ASR_LAST_NATIONALITIES 8
extern const char *const asr_words_first_nationalities[ASR_FIRST_NATIONALITIES + 1];
extern const char *const asr_words_last_nationalities[ASR_LAST_NATIONALITIES + 1];
extern const asr_words_t asr_words_first_by_nationality[ASR_FIRST_NATIONALITIES][2];
extern const asr_words_t asr_words_last_by_nationality[ASR_LAST_NATIONALITIES];

#endif
