/* Data for the "places" operator groups (ops_web.c, ops_places.c, ops_time.c, ops_misc.c):
 * locales, UK counties and postcode areas, Canadian provinces, Italian provinces and regions,
 * Mexican states, US armed forces "states", Italian street suffixes, time zones, file
 * extensions. asrun's own lists of public facts (ISO 639-1, ISO 3166-2, ISTAT codes, UTC
 * offsets), written for asrun: constant arrays in read-only memory, shared by every thread.
 * Every string is non-empty ASCII. */
#ifndef ASR_TEMPLATE_WORDS_PLACES_H
#define ASR_TEMPLATE_WORDS_PLACES_H

#include <stdbool.h>
#include <stdint.h>

#include "template/words.h"

/* An Italian province: its two-letter abbreviation, name and ISTAT code. */
typedef struct asr_province_it {
  const char *code;
  const char *name;
  int istat;
} asr_province_it_t;

typedef struct asr_provinces_it {
  const asr_province_it_t *items;
  uint32_t n;
} asr_provinces_it_t;

/* A time zone as chance.timezone() describes one. */
typedef struct asr_timezone {
  const char *name, *abbr;
  double offset; /* hours from UTC, may be fractional (5.5) */
  bool isdst;
  const char *text;
  const char *const *utc; /* IANA names, NULL-terminated, at least one */
} asr_timezone_t;

typedef struct asr_timezones {
  const asr_timezone_t *items;
  uint32_t n;
} asr_timezones_t;

extern const asr_words_t asr_words_locale_language; /* ISO 639-1 codes: "en" */
extern const asr_words_t asr_words_locale_region;   /* language-REGION: "en-GB" */
extern const asr_words_t asr_words_county_uk;
extern const asr_words_t asr_words_postcode_area_uk; /* "AB", "B", ... */
extern const asr_word_pairs_t asr_words_province_ca;  /* {abbreviation, name} */
extern const asr_provinces_it_t asr_words_province_it;
extern const asr_word_pairs_t asr_words_region_it;    /* {abbreviation, name} */
extern const asr_word_pairs_t asr_words_state_mx;     /* {ISO 3166-2 code, name} */
extern const asr_word_pairs_t asr_words_armed_forces; /* {abbreviation, name} */
extern const asr_word_pairs_t asr_words_street_suffix_it; /* {abbreviation, name} */
extern const asr_timezones_t asr_words_timezone;
/* File extensions by type; asr_words_file_type names the types in the same order. */
extern const asr_words_t asr_words_file_type;
extern const asr_words_t asr_words_file_ext[4];
extern const int asr_words_month_days[12]; /* days of each month, February 28 */
extern const char *const asr_words_month_short[12]; /* "Jan", ... */

#endif
