/* Helpers shared by the "people" and "finance" operator groups (ops_people.c, ops_finance.c):
 * UTC calendar arithmetic on the template clock, chance.js's default birthday, Luhn digits
 * (defined in ops_people.c), and small inline helpers for flags, digits and string values. */
#ifndef ASR_TEMPLATE_OPS_PEOPLE_H
#define ASR_TEMPLATE_OPS_PEOPLE_H

#include "template/ops_ext.h"

#define ASR_PEOPLE_MAX_SAFE 9007199254740991LL /* 2^53 - 1: chance.natural's default max */

/* A UTC calendar date and time (month 1..12). */
typedef struct asr_civil {
  int64_t year;
  int month, day, hour, minute, second, ms;
} asr_civil_t;

void asr_people_civil_of_ms(int64_t ms, asr_civil_t *out);
/* Milliseconds since 1970 of a civil time; day (and month) may overflow: they roll over as in
 * JavaScript's Date (Feb 30 is Mar 2). */
int64_t asr_people_ms_of_civil(const asr_civil_t *c);
/* chance.birthday() without options: an adult (18..65) born in the year now - age, a random
 * day and time of that year. */
int64_t asr_people_birthday_ms(asr_rng_t *rng, int64_t now_ms);
/* The Luhn check digit that completes the decimal digits s[0..len). */
int asr_people_luhn_digit(const char *s, uint32_t len);
/* A true/false option (constants) setting bit `bit` of n->flags when true (def when absent). */
static inline int asr_people_opt_bit(asr_tpl_cc_t *c, const cJSON *opts, const char *name,
                                     bool def, asr_tpl_node_t *n, uint32_t bit) {
  bool on = def;
  int rc = asr_tplx_opt_flag(c, opts, name, def, &on);
  if (on) n->flags |= bit;
  return rc;
}

static inline void asr_people_put_digits(asr_tplx_text_t *w, asr_tplx_draw_t *d, int n) {
  for (int i = 0; i < n; i++) asr_tplx_text_ch(w, (char)('0' + asr_tplx_below(d, 10)));
}


#endif
