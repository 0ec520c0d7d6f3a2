/* The helpers of ops_chance.h, shared by the places, web, time and misc operator groups. */
#include <stdio.h>
#include <strings.h>

#include "template/ops_chance.h"

int asr_tplc_words_array(bson_t *dst, const char *key, int keylen, const asr_words_t *w) {
  bson_t arr;
  if (!bson_append_array_begin(dst, key, keylen, &arr)) return ASR_EINVAL;
  bool ok = true;
  for (uint32_t i = 0; i < w->n && ok; i++) {
    char idx[16];
    const char *k;
    size_t klen = bson_uint32_to_string(i, &k, idx, sizeof idx);
    ok = bson_append_utf8(&arr, k, (int)klen, w->items[i], -1);
  }
  return asr_tpl_ok(bson_append_array_end(dst, &arr) && ok);
}

static bool put_pair(bson_t *doc, const asr_word_pair_t *p) {
  return BSON_APPEND_UTF8(doc, "name", p->name) && BSON_APPEND_UTF8(doc, "abbreviation", p->code);
}

int asr_tplc_pair_doc(bson_t *dst, const char *key, int keylen, const asr_word_pair_t *p) {
  bson_t doc;
  if (!bson_append_document_begin(dst, key, keylen, &doc)) return ASR_EINVAL;
  bool ok = put_pair(&doc, p);
  return asr_tpl_ok(bson_append_document_end(dst, &doc) && ok);
}

int asr_tplc_pairs_array(bson_t *dst, const char *key, int keylen, const asr_word_pairs_t *w) {
  bson_t arr;
  if (!bson_append_array_begin(dst, key, keylen, &arr)) return ASR_EINVAL;
  bool ok = true;
  for (uint32_t i = 0; i < w->n && ok; i++) {
    char idx[16];
    const char *k;
    size_t klen = bson_uint32_to_string(i, &k, idx, sizeof idx);
    ok = asr_tplc_pair_doc(&arr, k, (int)klen, &w->items[i]) == 0;
  }
  return asr_tpl_ok(bson_append_array_end(dst, &arr) && ok);
}

int asr_tplc_opt_const_str(asr_tpl_cc_t *c, const cJSON *opts, const char *name,
                           const char *def, const char **out) {
  const cJSON *v = opts ? cJSON_GetObjectItemCaseSensitive(opts, name) : NULL;
  *out = def;
  if (!v) return 0;
  if (!cJSON_IsString(v) || asr_tplx_is_operator(v))
    return asr_tpl_fail(c, "option %s must be a constant string", name);
  asr_tpl_param_t p = {0};
  int rc = asr_tpl_opt_str(c, opts, name, def, &p); /* copies it into the arena */
  *out = p.s;
  return rc;
}

int asr_tplc_opt_const_enum(asr_tpl_cc_t *c, const cJSON *opts, const char *name,
                            const char *const *names, int def, int *out) {
  const char *s;
  int rc = asr_tplc_opt_const_str(c, opts, name, names[def], &s);
  *out = def;
  if (rc) return rc;
  for (int i = 0; names[i]; i++)
    if (strcasecmp(names[i], s) == 0) {
      *out = i;
      return 0;
    }
  char list[256] = "";
  for (int k = 0; names[k]; k++) {
    size_t used = strlen(list);
    snprintf(list + used, sizeof list - used, "%s\"%s\"", k ? ", " : "", names[k]);
  }
  return asr_tpl_fail(c, "option %s must be one of %s, got \"%s\"", name, list, s);
}

int asr_tplc_opt_range(asr_tpl_cc_t *c, const cJSON *opts, int64_t lo, int64_t hi,
                       int64_t lim_lo, int64_t lim_hi, asr_tpl_node_t *n) {
  int rc = asr_tplx_opt_int_in(c, opts, "min", lo, lim_lo, lim_hi, &n->p[0]);
  if (rc == 0) rc = asr_tplx_opt_int_in(c, opts, "max", hi, lim_lo, lim_hi, &n->p[1]);
  if (rc == 0 && !n->p[0].node && !n->p[1].node && n->p[0].i > n->p[1].i)
    rc = asr_tpl_fail(c, "min (%lld) is greater than max (%lld)", (long long)n->p[0].i,
                      (long long)n->p[1].i);
  return rc;
}

int asr_tplc_eval_range(const asr_tpl_node_t *n, asr_tpl_gen_t *g, int64_t lim_lo,
                        int64_t lim_hi, int64_t *out) {
  int64_t lo, hi;
  int rc = asr_tpl_eval_int(g, &n->p[0], &lo);
  if (rc == 0) rc = asr_tpl_eval_int(g, &n->p[1], &hi);
  if (rc) return rc;
  if (lo < lim_lo || hi > lim_hi || lo > hi)
    return asr_tpl_gen_fail(g, n, ASR_EINVAL, "min %lld and max %lld must be ordered within [%lld, %lld]",
                            (long long)lo, (long long)hi, (long long)lim_lo, (long long)lim_hi);
  *out = asr_rng_range(&g->rng, lo, hi);
  return 0;
}
