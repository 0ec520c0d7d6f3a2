/* "unique": true (docs/templates.md): every document of a run gets a different value, with no
 * state shared between workers. The value is built from a permutation of the document index
 * over the range of possible values: a keyed Feistel network on the smallest power of two that
 * holds the range, cycle-walked until the image falls inside it (a bijection of [0, range);
 * fewer than two rounds of walking on average). The key mixes the run's seed with the node's
 * ordinal, so two unique fields do not move in lockstep.
 * $integer & co. and $string (ops.c) use the permutation directly; $email and $uuid, which
 * live elsewhere, are wrapped here: their value is generated as usual and part of it is then
 * overwritten with the permuted index. */
#include <stdio.h>
#include <string.h>

#include "template/node.h"

/* ---- the permutation ---------------------------------------------------------------------- */

static uint64_t mask(int bits) { return bits >= 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1; }

int asr_tpl_perm_init(asr_tpl_cc_t *c, asr_tpl_perm_t *p, uint64_t range, const char *what) {
  uint64_t total = c->opt->total;
  p->range = range;
  p->bits = 0;
  while (p->bits < 64 && range && ((uint64_t)1 << p->bits) < range) p->bits++;
  if (!range) p->bits = 64;
  uint32_t ordinal = c->unique_nodes++;
  for (int i = 0; i < 4; i++) p->salt[i] = asr_rng_mix(((uint64_t)ordinal << 2 | (uint64_t)i) + 0x5851f42d4c957f2dull);
  if (range && total > range)
    return asr_tpl_fail(c, "option unique: %s gives %llu distinct values, fewer than the %llu "
                           "documents of the run",
                        what, (unsigned long long)range, (unsigned long long)total);
  return 0;
}

/* Four Feistel rounds over `bits` bits: the low half keys a mix that flips the high part, then
 * the halves trade places. Each round is a bijection, so the network is one. */
static uint64_t feistel(const asr_tpl_perm_t *p, uint64_t key, uint64_t x) {
  int lo_bits = p->bits / 2, hi_bits = p->bits - lo_bits;
  for (int i = 0; i < 4; i++) {
    uint64_t lo = x & mask(lo_bits), hi = lo_bits >= 64 ? 0 : x >> lo_bits;
    hi = (hi ^ asr_rng_mix(lo ^ key ^ p->salt[i])) & mask(hi_bits);
    x = (hi_bits >= 64 ? 0 : lo << hi_bits) | hi;
  }
  return x;
}

int asr_tpl_perm_apply(const asr_tpl_perm_t *p, asr_tpl_gen_t *g, const asr_tpl_node_t *n,
                       uint64_t *out) {
  uint64_t x = g->index;
  if (p->range && x >= p->range)
    return asr_tpl_gen_fail(g, n, ASR_EINVAL,
                            "unique: the index passes the %llu distinct values this field can take",
                            (unsigned long long)p->range);
  do x = feistel(p, g->seed_mix, x);
  while (p->range && x >= p->range);
  *out = x;
  return 0;
}

/* ---- $email and $uuid ----------------------------------------------------------------------- */

#define EMAIL_DIGITS 7 /* base 36: 78,364,164,096 values */
static const char BASE36[] = "0123456789abcdefghijklmnopqrstuvwxyz";
static const char HEX_LOWER[] = "0123456789abcdef", HEX_UPPER[] = "0123456789ABCDEF";

enum { WRAP_EMAIL, WRAP_UUID };

typedef struct unique_wrap {
  asr_tpl_perm_t perm;
  int kind;
} unique_wrap_t;

/* "name@host" → "name" + 7 base-36 digits of the permuted index + "@host": the fixed width
 * makes the suffix, and so the index, readable back from any value. */
static int unique_email(const unique_wrap_t *w, asr_tpl_gen_t *g, const asr_tpl_node_t *n,
                        const bson_iter_t *it, bson_t *dst, const char *key, int keylen) {
  uint32_t len;
  if (!BSON_ITER_HOLDS_UTF8(it)) return asr_tpl_gen_fail(g, n, ASR_EINVAL, "unique: $email made no string");
  const char *s = bson_iter_utf8(it, &len);
  if (len + EMAIL_DIGITS > sizeof g->scratch)
    return asr_tpl_gen_fail(g, n, ASR_EINVAL, "unique: the address is too long");
  const char *at = memrchr(s, '@', len);
  uint32_t cut = at ? (uint32_t)(at - s) : len;
  uint64_t v;
  int rc = asr_tpl_perm_apply(&w->perm, g, n, &v);
  if (rc) return rc;
  memcpy(g->scratch, s, cut);
  for (int i = EMAIL_DIGITS - 1; i >= 0; i--, v /= 36) g->scratch[cut + (uint32_t)i] = BASE36[v % 36];
  memcpy(g->scratch + cut + EMAIL_DIGITS, s + cut, len - cut);
  return asr_tpl_put_utf8(dst, key, keylen, g->scratch, len + EMAIL_DIGITS);
}

/* A UUID keeps its version and variant; its last 60 bits become the permuted index (the 3 hex
 * digits after the variant digit and the last 12, in text form; bytes 8.5 to 15 in binary). */
static int unique_uuid(const unique_wrap_t *w, asr_tpl_gen_t *g, const asr_tpl_node_t *n,
                       const bson_iter_t *it, bson_t *dst, const char *key, int keylen) {
  uint64_t v;
  int rc = asr_tpl_perm_apply(&w->perm, g, n, &v);
  if (rc) return rc;
  if (BSON_ITER_HOLDS_BINARY(it)) {
    bson_subtype_t sub;
    uint32_t len;
    const uint8_t *data;
    bson_iter_binary(it, &sub, &len, &data);
    if (len != 16) return asr_tpl_gen_fail(g, n, ASR_EINVAL, "unique: $%s made %u bytes, not 16", n->op->name, len);
    uint8_t b[16];
    memcpy(b, data, 16);
    b[8] = (uint8_t)((b[8] & 0xF0) | ((v >> 56) & 0x0F));
    for (int i = 0; i < 7; i++) b[15 - i] = (uint8_t)(v >> (8 * i));
    return asr_tpl_ok(bson_append_binary(dst, key, keylen, sub, b, 16));
  }
  uint32_t len = 0;
  const char *s = BSON_ITER_HOLDS_UTF8(it) ? bson_iter_utf8(it, &len) : NULL;
  if (!s || len != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
    return asr_tpl_gen_fail(g, n, ASR_EINVAL, "unique: $%s made no UUID text", n->op->name);
  char u[36];
  memcpy(u, s, 36);
  const char *hex = strpbrk(s, "ABCDEF") ? HEX_UPPER : HEX_LOWER; /* keep the case */
  static const int pos[15] = {20, 21, 22, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35};
  for (int i = 14; i >= 0; i--, v >>= 4) u[pos[i]] = hex[v & 15];
  return asr_tpl_put_utf8(dst, key, keylen, u, 36);
}

static int gen_unique_wrap(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                           int keylen) {
  const unique_wrap_t *w = n->aux;
  bson_t tmp;
  bson_iter_t it;
  bool found;
  int rc = asr_tpl_eval_value(g, n->kids[0], &tmp, &it, &found);
  if (rc == 0 && found)
    rc = w->kind == WRAP_EMAIL ? unique_email(w, g, n->kids[0], &it, dst, key, keylen)
                               : unique_uuid(w, g, n->kids[0], &it, dst, key, keylen);
  bson_destroy(&tmp);
  return rc;
}

int asr_tpl_unique_wrap(asr_tpl_cc_t *c, const char *opname, asr_tpl_node_t *inner,
                        asr_tpl_node_t *n) {
  unique_wrap_t *w = asr_tpl_alloc(c, sizeof *w);
  if (!w) return ASR_ENOMEM;
  w->kind = strcmp(opname, "email") == 0 ? WRAP_EMAIL : WRAP_UUID;
  n->aux = w;
  n->gen = gen_unique_wrap;
  n->op = inner->op;
  if (w->kind == WRAP_EMAIL)
    return asr_tpl_perm_init(c, &w->perm, 78364164096ull, "7 base-36 characters before the @");
  return asr_tpl_perm_init(c, &w->perm, (uint64_t)1 << 60, "60 bits of the UUID");
}
