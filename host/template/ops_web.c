/* Template operators for web and mobile identifiers, after chance.js 1.1 (what mgeneratejs
 * forwards to it): $android_id, $apple_token, $wp8_anid2, $wp7_anid, $bb_pin, $avatar, $fbid,
 * $google_analytics, $hashtag, $ipv6, $klout, $mac, $mac_address, $semver, $tlds, $tld,
 * $twitter, $port, $locale, $locales, $loremPicsum, $file. Option names, defaults and result
 * shapes are chance's; the lists are asrun's (words_places.c, words.c). Text is built in
 * g->scratch or on the stack; every draw comes from g->rng. */
#include <stdio.h>

#include "template/ops_chance.h"
#include "template/words_places.h"

#define COUNT(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))

/* A string of len characters from pool: $android_id, $apple_token, $bb_pin, $fbid. */
typedef struct pool_string {
  const char *prefix, *pool;
  uint32_t len;
} pool_string_t;

static const pool_string_t ANDROID_ID = {
    "APA91", "0123456789abcefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_", 178};
static const pool_string_t APPLE_TOKEN = {"", "abcdef1234567890", 64};
static const pool_string_t BB_PIN = {"", ASR_TPLC_HEX, 8};
static const pool_string_t FBID = {"10000", "1234567890", 11};

static int gen_pool_string(const pool_string_t *s, asr_tpl_gen_t *g, bson_t *dst,
                           const char *key, int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, g->scratch, sizeof g->scratch);
  asr_tplx_text_puts(&w, s->prefix);
  asr_tplc_pool(&w, &d, s->pool, (uint32_t)strlen(s->pool), s->len);
  return asr_tplx_text_append(&w, dst, key, keylen);
}

#define POOL_GEN(fn, spec)                                                                     \
  static int fn(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,     \
                int keylen) {                                                                  \
    return gen_pool_string(&spec, g, dst, key, keylen);                                        \
  }
POOL_GEN(gen_android_id, ANDROID_ID)
POOL_GEN(gen_apple_token, APPLE_TOKEN)
POOL_GEN(gen_bb_pin, BB_PIN)
POOL_GEN(gen_fbid, FBID)

/* ---- $wp8_anid2: base64 of 32 hex digits; $wp7_anid: "A=<32 HEX>&E=<3 hex>&W=<digit>" ---- */

static void put_base64(asr_tplx_text_t *w, const uint8_t *in, size_t n) {
  static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
                 (i + 2 < n ? in[i + 2] : 0);
    asr_tplx_text_ch(w, B64[v >> 18 & 63]);
    asr_tplx_text_ch(w, B64[v >> 12 & 63]);
    asr_tplx_text_ch(w, i + 1 < n ? B64[v >> 6 & 63] : '=');
    asr_tplx_text_ch(w, i + 2 < n ? B64[v & 63] : '=');
  }
}

static int gen_wp8_anid2(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                         const char *key, int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  char hex[32], buf[48];
  asr_tplx_text_t h, w;
  asr_tplx_text_init(&h, hex, sizeof hex);
  asr_tplc_pool(&h, &d, ASR_TPLC_HEX, 16, 32);
  asr_tplx_text_init(&w, buf, sizeof buf);
  put_base64(&w, (const uint8_t *)hex, sizeof hex);
  return asr_tplx_text_append(&w, dst, key, keylen);
}

static int gen_wp7_anid(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                        const char *key, int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  char buf[64];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  asr_tplx_text_puts(&w, "A=");
  asr_tplc_pool(&w, &d, ASR_TPLC_HEX_UPPER, 16, 32);
  asr_tplx_text_puts(&w, "&E=");
  asr_tplc_pool(&w, &d, ASR_TPLC_HEX, 16, 3);
  asr_tplx_text_puts(&w, "&W=");
  asr_tplx_text_ch(&w, (char)('0' + asr_tplx_below(&d, 10)));
  return asr_tplx_text_append(&w, dst, key, keylen);
}

/* ---- $google_analytics "UA-000000-00", $ipv6, $klout 1..99, $port 0..65535 ----------------- */

static int gen_google_analytics(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                                const char *key, int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  char buf[16];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  asr_tplx_text_puts(&w, "UA-");
  asr_tplx_text_uint(&w, asr_tplx_below(&d, 1000000), 6);
  asr_tplx_text_ch(&w, '-');
  asr_tplx_text_uint(&w, asr_tplx_below(&d, 100), 2);
  return asr_tplx_text_append(&w, dst, key, keylen);
}

static int gen_ipv6(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                    int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  char buf[40];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  for (int i = 0; i < 8; i++) {
    if (i) asr_tplx_text_ch(&w, ':');
    asr_tplc_pool(&w, &d, ASR_TPLC_HEX, 16, 4);
  }
  return asr_tplx_text_append(&w, dst, key, keylen);
}

static int gen_klout(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                     int keylen) {
  return asr_tpl_put_int32(dst, key, keylen, (int32_t)asr_rng_range(&g->rng, 1, 99));
}

static int gen_port(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                    int keylen) {
  return asr_tpl_put_int32(dst, key, keylen, (int32_t)asr_rng_range(&g->rng, 0, 65535));
}

/* ---- $hashtag "#word", $twitter "@word" ------------------------------------------------------ */

static int gen_prefixed_word(char prefix, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                             int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  char buf[16];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  asr_tplx_text_ch(&w, prefix);
  asr_tplx_put_word(&w, &d, 0, 0);
  return asr_tplx_text_append(&w, dst, key, keylen);
}

static int gen_hashtag(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                       int keylen) {
  return gen_prefixed_word('#', g, dst, key, keylen);
}

static int gen_twitter(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                       int keylen) {
  return gen_prefixed_word('@', g, dst, key, keylen);
}

/* ---- $mac {delimiter=":"}: "30:d7:71:8e:94:45" ---------------------------------------------- */

#define DELIMITER_MAX 64

static int compile_mac(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  int rc = asr_tplc_opt_const_str(c, opts, "delimiter", ":", &n->p[0].s);
  n->p[0].slen = n->p[0].s ? (uint32_t)strlen(n->p[0].s) : 0;
  if (rc == 0 && n->p[0].slen > DELIMITER_MAX)
    rc = asr_tpl_fail(c, "option delimiter is longer than %d bytes", DELIMITER_MAX);
  return rc;
}

static int gen_mac(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                   int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  char buf[12 + 5 * DELIMITER_MAX];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  for (int i = 0; i < 6; i++) {
    if (i) asr_tplx_text_put(&w, n->p[0].s, n->p[0].slen);
    asr_tplc_pool(&w, &d, ASR_TPLC_HEX, 16, 2);
  }
  return asr_tplx_text_append(&w, dst, key, keylen);
}

/* ---- $mac_address {separator, networkVersion}: "E5:79:2D:A9:32:D6" or "E579.2DA9.32D6" ---- */

static int compile_mac_address(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  bool network = false;
  int rc = asr_tplx_opt_flag(c, opts, "networkVersion", false, &network);
  if (rc == 0) rc = asr_tplc_opt_const_str(c, opts, "separator", "", &n->p[0].s);
  if (rc) return rc;
  n->p[0].slen = (uint32_t)strlen(n->p[0].s);
  if (n->p[0].slen == 0) n->p[0].s = network ? "." : ":", n->p[0].slen = 1; /* as chance: "" too */
  if (n->p[0].slen > DELIMITER_MAX)
    return asr_tpl_fail(c, "option separator is longer than %d bytes", DELIMITER_MAX);
  n->flags = network;
  return 0;
}

static int gen_mac_address(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                           const char *key, int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  char buf[12 + 5 * DELIMITER_MAX];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  int groups = n->flags ? 3 : 6;
  for (int i = 0; i < groups; i++) {
    if (i) asr_tplx_text_put(&w, n->p[0].s, n->p[0].slen);
    asr_tplc_pool(&w, &d, ASR_TPLC_HEX_UPPER, 16, n->flags ? 4 : 2);
  }
  return asr_tplx_text_append(&w, dst, key, keylen);
}

/* ---- $semver {include_prerelease=true, range}: ">=6.10.6-dev" ------------------------------- */

static const char *const SEMVER_RANGES[] = {"^", "~", "<", ">", "<=", ">=", "="};
#define RANGE_MAX 64

static int compile_semver(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  bool pre = true;
  int rc = asr_tplx_opt_flag(c, opts, "include_prerelease", true, &pre);
  if (rc == 0) rc = asr_tplc_opt_const_str(c, opts, "range", NULL, &n->p[0].s);
  if (rc == 0 && n->p[0].s && strlen(n->p[0].s) > RANGE_MAX)
    rc = asr_tpl_fail(c, "option range is longer than %d bytes", RANGE_MAX);
  n->flags = pre;
  return rc;
}

/* Prerelease weights as chance's: "" 50, "-dev" 10, "-beta" 5, "-alpha" 1. */
static const char *prerelease(asr_tplx_draw_t *d) {
  uint32_t x = asr_tplx_below(d, 66);
  return x < 50 ? "" : x < 60 ? "-dev" : x < 65 ? "-beta" : "-alpha";
}

static int gen_semver(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  char buf[32 + RANGE_MAX];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  const char *range = SEMVER_RANGES[asr_tplx_below(&d, COUNT(SEMVER_RANGES))];
  asr_tplx_text_puts(&w, n->p[0].s ? n->p[0].s : range);
  for (int i = 0; i < 3; i++) { /* chance's rpg("3d10") */
    if (i) asr_tplx_text_ch(&w, '.');
    asr_tplx_text_uint(&w, 1 + asr_tplx_below(&d, 10), 1);
  }
  if (n->flags) asr_tplx_text_puts(&w, prerelease(&d));
  return asr_tplx_text_append(&w, dst, key, keylen);
}

/* ---- $tlds: every TLD; $tld: one -------------------------------------------------------------
 * The generic ones of words.c, then every country code in lower case. */

static uint32_t tld_count(void) { return asr_words_tld.n + asr_words_country.n; }

static void tld_at(uint32_t k, char out[8]) {
  if (k < asr_words_tld.n) {
    snprintf(out, 8, "%s", asr_words_tld.items[k]);
    return;
  }
  const char *cc = asr_words_country.items[k - asr_words_tld.n].code;
  out[0] = (char)(cc[0] - 'A' + 'a'), out[1] = (char)(cc[1] - 'A' + 'a'), out[2] = '\0';
}

static int gen_tlds(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                    int keylen) {
  bson_t arr;
  if (!bson_append_array_begin(dst, key, keylen, &arr)) return ASR_EINVAL;
  bool ok = true;
  for (uint32_t i = 0; i < tld_count() && ok; i++) {
    char idx[16], tld[8];
    const char *k;
    size_t klen = bson_uint32_to_string(i, &k, idx, sizeof idx);
    tld_at(i, tld);
    ok = bson_append_utf8(&arr, k, (int)klen, tld, -1);
  }
  return asr_tpl_ok(bson_append_array_end(dst, &arr) && ok);
}

static int gen_tld(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                   int keylen) {
  char tld[8];
  tld_at((uint32_t)asr_rng_below(&g->rng, tld_count()), tld);
  return asr_tplx_put_cstr(dst, key, keylen, tld);
}

/* ---- $locale {region}, $locales {region}: "en" or "en-GB" ----------------------------------- */

static int compile_locale(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  bool region = false;
  int rc = asr_tplx_opt_flag(c, opts, "region", false, &region);
  n->aux = (void *)(region ? &asr_words_locale_region : &asr_words_locale_language);
  return rc;
}

static int gen_locale(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  const asr_words_t *w = n->aux;
  return asr_tplx_put_cstr(dst, key, keylen, w->items[asr_rng_below(&g->rng, w->n)]);
}

static int gen_locales(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                       int keylen) {
  return asr_tplc_words_array(dst, key, keylen, n->aux);
}

/* ---- $loremPicsum {width=500, height=500, greyscale, blurred} -------------------------------- */

#define PICSUM_SIDE_MAX 100000

enum { PICSUM_GREY = 1, PICSUM_BLUR = 2 };

static int compile_lorem_picsum(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  bool grey = false, blur = false;
  int rc = asr_tplx_opt_int_in(c, opts, "width", 500, 1, PICSUM_SIDE_MAX, &n->p[0]);
  if (rc == 0) rc = asr_tplx_opt_int_in(c, opts, "height", 500, 1, PICSUM_SIDE_MAX, &n->p[1]);
  if (rc == 0) rc = asr_tplx_opt_flag(c, opts, "greyscale", false, &grey);
  if (rc == 0) rc = asr_tplx_opt_flag(c, opts, "blurred", false, &blur);
  n->flags = (grey ? PICSUM_GREY : 0) | (blur ? PICSUM_BLUR : 0);
  return rc;
}

static int gen_lorem_picsum(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst,
                            const char *key, int keylen) {
  int64_t width, height;
  int rc = asr_tplx_eval_int_in(g, &n->p[0], 1, PICSUM_SIDE_MAX, &width);
  if (rc == 0) rc = asr_tplx_eval_int_in(g, &n->p[1], 1, PICSUM_SIDE_MAX, &height);
  if (rc) return rc;
  char buf[80];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  asr_tplx_text_puts(&w, "https://picsum.photos/");
  if (n->flags & PICSUM_GREY) asr_tplx_text_puts(&w, "g/");
  asr_tplx_text_uint(&w, (uint64_t)width, 1);
  asr_tplx_text_ch(&w, '/');
  asr_tplx_text_uint(&w, (uint64_t)height, 1);
  asr_tplx_text_puts(&w, n->flags & PICSUM_BLUR ? "/?blur" : "/?random");
  return asr_tplx_text_append(&w, dst, key, keylen);
}

/* ---- $avatar {protocol, email, fileExtension, size, rating, fallback} -------------------------
 * "//www.gravatar.com/avatar/<md5 of the email>[.ext][?][&s=size][&r=rating][&d=fallback]",
 * exactly as chance writes it (the "?&" included). Without email, the md5 of a random email
 * is 32 random hex digits, which is what is drawn. */

static const char *const AVATAR_PROTOCOLS[] = {"", "http", "https", NULL};
static const char *const AVATAR_TYPES[] = {"", "bmp", "gif", "jpg", "png", NULL};
static const char *const AVATAR_RATINGS[] = {"", "g", "pg", "r", "x", NULL};
static const char *const AVATAR_FALLBACKS[] = {"", "404", "mm", "identicon", "monsterid",
                                               "wavatar", "retro", "blank", NULL};

typedef struct avatar {
  int protocol, type, rating, fallback;
} avatar_t;

static int compile_avatar(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  avatar_t *a = asr_tpl_alloc(c, sizeof *a);
  if (!a) return ASR_ENOMEM;
  n->aux = a;
  int rc = asr_tplc_opt_const_enum(c, opts, "protocol", AVATAR_PROTOCOLS, 0, &a->protocol);
  if (rc == 0) rc = asr_tplc_opt_const_enum(c, opts, "fileExtension", AVATAR_TYPES, 0, &a->type);
  if (rc == 0) rc = asr_tplc_opt_const_enum(c, opts, "rating", AVATAR_RATINGS, 0, &a->rating);
  if (rc == 0) rc = asr_tplc_opt_const_enum(c, opts, "fallback", AVATAR_FALLBACKS, 0, &a->fallback);
  if (rc == 0) rc = asr_tplx_opt_int_in(c, opts, "size", 0, 1, 2048, &n->p[1]);
  if (rc == 0) rc = asr_tpl_opt_str(c, opts, "email", "", &n->p[0]);
  return rc;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static void put_md5(asr_tplx_text_t *w, const char *s, uint32_t len) {
  bson_md5_t md5;
  uint8_t digest[16];
  bson_md5_init(&md5);
  bson_md5_append(&md5, (const uint8_t *)s, len);
  bson_md5_finish(&md5, digest);
  for (int i = 0; i < 16; i++) {
    asr_tplx_text_ch(w, ASR_TPLC_HEX[digest[i] >> 4]);
    asr_tplx_text_ch(w, ASR_TPLC_HEX[digest[i] & 15]);
  }
}
#pragma GCC diagnostic pop

static int gen_avatar(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                      int keylen) {
  const avatar_t *a = n->aux;
  int64_t size = 0;
  int rc = n->p[1].present ? asr_tplx_eval_int_in(g, &n->p[1], 1, 2048, &size) : 0;
  if (rc) return rc;
  bson_t tmp;
  const char *email;
  uint32_t elen;
  if ((rc = asr_tpl_eval_str(g, &n->p[0], &tmp, &email, &elen))) return rc;
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  char buf[160];
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, buf, sizeof buf);
  if (a->protocol) {
    asr_tplx_text_puts(&w, AVATAR_PROTOCOLS[a->protocol]);
    asr_tplx_text_ch(&w, ':');
  }
  asr_tplx_text_puts(&w, "//www.gravatar.com/avatar/");
  if (elen) put_md5(&w, email, elen);
  else asr_tplc_pool(&w, &d, ASR_TPLC_HEX, 16, 32);
  bson_destroy(&tmp);
  if (a->type) {
    asr_tplx_text_ch(&w, '.');
    asr_tplx_text_puts(&w, AVATAR_TYPES[a->type]);
  }
  if (size || a->rating || a->fallback) asr_tplx_text_ch(&w, '?');
  if (size) {
    asr_tplx_text_puts(&w, "&s=");
    asr_tplx_text_uint(&w, (uint64_t)size, 1);
  }
  if (a->rating) {
    asr_tplx_text_puts(&w, "&r=");
    asr_tplx_text_puts(&w, AVATAR_RATINGS[a->rating]);
  }
  if (a->fallback) {
    asr_tplx_text_puts(&w, "&d=");
    asr_tplx_text_puts(&w, AVATAR_FALLBACKS[a->fallback]);
  }
  return asr_tplx_text_append(&w, dst, key, keylen);
}

/* ---- $file {length, extension, extensions, fileType}: "ivmuvob.psp" ---------------------------
 * The extension comes from one of several lists: one list picked, then one of its items (as
 * chance picks a type, then an extension). extension: one list of one; extensions: an array
 * (one list) or an object of arrays (one list per key); fileType: that type's list. */

typedef struct file_exts {
  const asr_words_t *lists;
  uint32_t nlists;
} file_exts_t;

#define FILE_NAME_MAX 255

static int strings_of(asr_tpl_cc_t *c, const cJSON *arr, const char *what, asr_words_t *out) {
  int count = cJSON_GetArraySize(arr);
  if (!cJSON_IsArray(arr) || count == 0)
    return asr_tpl_fail(c, "%s must be a non-empty array of strings", what);
  const char **items = asr_tpl_alloc(c, sizeof *items * (size_t)count);
  if (!items) return ASR_ENOMEM;
  uint32_t k = 0;
  for (const cJSON *x = arr->child; x; x = x->next, k++) {
    if (!cJSON_IsString(x) || !x->valuestring[0] || strlen(x->valuestring) > FILE_NAME_MAX ||
        !bson_utf8_validate(x->valuestring, strlen(x->valuestring), false))
      return asr_tpl_fail(c, "%s[%u] must be a non-empty string of at most %d bytes", what, k,
                          FILE_NAME_MAX);
    char *s = asr_tpl_alloc(c, strlen(x->valuestring) + 1);
    if (!s) return ASR_ENOMEM;
    items[k] = memcpy(s, x->valuestring, strlen(x->valuestring) + 1);
  }
  out->items = items, out->n = k;
  return 0;
}

static int file_ext_lists(asr_tpl_cc_t *c, const cJSON *opts, file_exts_t *e) {
  const cJSON *one = opts ? cJSON_GetObjectItemCaseSensitive(opts, "extension") : NULL;
  const cJSON *many = opts ? cJSON_GetObjectItemCaseSensitive(opts, "extensions") : NULL;
  const cJSON *type = opts ? cJSON_GetObjectItemCaseSensitive(opts, "fileType") : NULL;
  if (one) { /* chance looks at extension first, then extensions, then fileType */
    asr_words_t *l = asr_tpl_alloc(c, sizeof *l);
    const char **items = asr_tpl_alloc(c, sizeof *items);
    if (!l || !items) return ASR_ENOMEM;
    int rc = asr_tplc_opt_const_str(c, opts, "extension", "", items);
    if (rc == 0 && (!items[0][0] || strlen(items[0]) > FILE_NAME_MAX))
      rc = asr_tpl_fail(c, "option extension must be a non-empty string of at most %d bytes", FILE_NAME_MAX);
    l->items = items, l->n = 1;
    e->lists = l, e->nlists = 1;
    return rc;
  }
  if (many && cJSON_IsObject(many)) {
    int count = cJSON_GetArraySize(many);
    if (count == 0) return asr_tpl_fail(c, "option extensions must not be empty");
    asr_words_t *l = asr_tpl_alloc(c, sizeof *l * (size_t)count);
    if (!l) return ASR_ENOMEM;
    e->lists = l, e->nlists = (uint32_t)count;
    for (const cJSON *x = many->child; x; x = x->next, l++) {
      char what[96];
      snprintf(what, sizeof what, "extensions.%.60s", x->string);
      int rc = strings_of(c, x, what, l);
      if (rc) return rc;
    }
    return 0;
  }
  if (many) {
    asr_words_t *l = asr_tpl_alloc(c, sizeof *l);
    if (!l) return ASR_ENOMEM;
    e->lists = l, e->nlists = 1;
    return strings_of(c, many, "option extensions (an array or an object of arrays)", l);
  }
  e->lists = asr_words_file_ext, e->nlists = 4;
  if (!type) return 0;
  static const char *const TYPES[] = {"raster", "vector", "3d", "document", NULL};
  int k;
  int rc = asr_tplc_opt_const_enum(c, opts, "fileType", TYPES, 0, &k);
  e->lists = &asr_words_file_ext[k], e->nlists = 1;
  return rc;
}

static int compile_file(asr_tpl_cc_t *c, const cJSON *opts, asr_tpl_node_t *n) {
  file_exts_t *e = asr_tpl_alloc(c, sizeof *e);
  if (!e) return ASR_ENOMEM;
  n->aux = e;
  int rc = asr_tplx_opt_int_in(c, opts, "length", 0, 1, FILE_NAME_MAX, &n->p[0]);
  return rc ? rc : file_ext_lists(c, opts, e);
}

static int gen_file(const asr_tpl_node_t *n, asr_tpl_gen_t *g, bson_t *dst, const char *key,
                    int keylen) {
  int64_t length = 0;
  int rc = n->p[0].present ? asr_tplx_eval_int_in(g, &n->p[0], 1, FILE_NAME_MAX, &length) : 0;
  if (rc) return rc;
  const file_exts_t *e = n->aux;
  asr_tplx_draw_t d;
  asr_tplx_draw_init(&d, &g->rng);
  asr_tplx_text_t w;
  asr_tplx_text_init(&w, g->scratch, sizeof g->scratch);
  asr_tplx_put_word(&w, &d, 0, length);
  const asr_words_t *l = &e->lists[e->nlists > 1 ? asr_tplx_below(&d, e->nlists) : 0];
  asr_tplx_text_ch(&w, '.');
  asr_tplx_text_puts(&w, l->items[l->n > 1 ? asr_tplx_below(&d, l->n) : 0]);
  return asr_tplx_text_append(&w, dst, key, keylen);
}

/* ---- the group ------------------------------------------------------------------------------- */

static const asr_tpl_op_t web_ops[] = {
    {"android_id", "", asr_tplx_compile_none, gen_android_id},
    {"apple_token", "", asr_tplx_compile_none, gen_apple_token},
    {"wp8_anid2", "", asr_tplx_compile_none, gen_wp8_anid2},
    {"wp7_anid", "", asr_tplx_compile_none, gen_wp7_anid},
    {"bb_pin", "", asr_tplx_compile_none, gen_bb_pin},
    {"avatar", "protocol,email,fileExtension,size,rating,fallback", compile_avatar, gen_avatar},
    {"fbid", "", asr_tplx_compile_none, gen_fbid},
    {"google_analytics", "", asr_tplx_compile_none, gen_google_analytics},
    {"hashtag", "", asr_tplx_compile_none, gen_hashtag},
    {"ipv6", "", asr_tplx_compile_none, gen_ipv6},
    {"klout", "", asr_tplx_compile_none, gen_klout},
    {"mac", "delimiter", compile_mac, gen_mac},
    {"mac_address", "separator,networkVersion", compile_mac_address, gen_mac_address},
    {"semver", "include_prerelease,range", compile_semver, gen_semver},
    {"tlds", "", asr_tplx_compile_none, gen_tlds},
    {"tld", "", asr_tplx_compile_none, gen_tld},
    {"twitter", "", asr_tplx_compile_none, gen_twitter},
    {"port", "", asr_tplx_compile_none, gen_port},
    {"locale", "region", compile_locale, gen_locale},
    {"locales", "region", compile_locale, gen_locales},
    {"loremPicsum", "width,height,greyscale,blurred", compile_lorem_picsum, gen_lorem_picsum},
    {"file", "length,extension,extensions,fileType", compile_file, gen_file},
};
const asr_tpl_op_group_t asr_tpl_ops_web = {web_ops, COUNT(web_ops)};
