/* Helpers shared by the chance.js operator groups of ops_web.c, ops_places.c, ops_time.c and
 * ops_misc.c: strings drawn from a character pool, arrays of words and of {name, abbreviation}
 * objects, constant-only options, and integer ranges {min, max} checked as chance checks them.
 * Every draw comes from g->rng; nothing is allocated per document. */
#ifndef ASR_TEMPLATE_OPS_CHANCE_H
#define ASR_TEMPLATE_OPS_CHANCE_H

#include "template/ops_ext.h"
#include "template/words.h"

/* len characters drawn from pool (npool of them). */
static inline void asr_tplc_pool(asr_tplx_text_t *w, asr_tplx_draw_t *d, const char *pool,
                                 uint32_t npool, uint32_t len) {
  for (uint32_t i = 0; i < len; i++) asr_tplx_text_ch(w, pool[asr_tplx_below(d, npool)]);
}

#define ASR_TPLC_HEX "0123456789abcdef"
#define ASR_TPLC_HEX_UPPER "0123456789ABCDEF"


/* ["a", "b", ...]: every word of the list, in order. */
int asr_tplc_words_array(bson_t *dst, const char *key, int keylen, const asr_words_t *w);
/* [{name, abbreviation}, ...]: every pair of the list, in order. */
int asr_tplc_pairs_array(bson_t *dst, const char *key, int keylen, const asr_word_pairs_t *w);
/* {name, abbreviation} of one pair. */
int asr_tplc_pair_doc(bson_t *dst, const char *key, int keylen, const asr_word_pair_t *p);

/* A string option that must be a constant: *out = def when absent. */
int asr_tplc_opt_const_str(asr_tpl_cc_t *c, const cJSON *opts, const char *name,
                           const char *def, const char **out);
/* A constant string option with a fixed set of values (matched without case); *out = the
 * index, def when absent. */
int asr_tplc_opt_const_enum(asr_tpl_cc_t *c, const cJSON *opts, const char *name,
                            const char *const *names, int def, int *out);

/* {min, max} of an integer draw into n->p[0], n->p[1]: defaults lo, hi; constants must lie
 * within [lim_lo, lim_hi] and be ordered (the messages chance's RangeErrors give). */
int asr_tplc_opt_range(asr_tpl_cc_t *c, const cJSON *opts, int64_t lo, int64_t hi,
                       int64_t lim_lo, int64_t lim_hi, asr_tpl_node_t *n);
/* The document's draw in [min, max] of such a node (ASR_EINVAL with a message when an
 * operator-valued bound leaves the limits or the order). */
int asr_tplc_eval_range(const asr_tpl_node_t *n, asr_tpl_gen_t *g, int64_t lim_lo,
                        int64_t lim_hi, int64_t *out);

#endif
