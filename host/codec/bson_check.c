/* BSON checks every target applies alike (see bson_check.h). */
#include "codec/bson_check.h"

#include <bson/bson.h>
#include <string.h>

#include "codec/ejson_writer.h"
#include "util/path.h"

/* Whether s[0..n) is UTF-8: ASCII a word at a time, libbson's check from the first byte >= 0x80
 * on (nul_ok: whether NUL bytes are allowed). */
static int utf8_ok(const char *s, size_t n, bool nul_ok) {
  size_t i = 0;
  for (uint64_t w; i + 8 <= n; i += 8) {
    memcpy(&w, s + i, 8);
    if (w & 0x8080808080808080ull) break;
  }
  while (i < n && (unsigned char)s[i] < 0x80) i++;
  if (i == n) return nul_ok || !memchr(s, 0, n);
  return bson_utf8_validate(s, n, nul_ok);
}

/* field NULL: no path is kept (the first pass); set: the path of the bad field is left in it. */
static int valid_strings(bson_iter_t *it, char *field, size_t *flen, size_t cap, int depth) {
  while (bson_iter_next(it)) {
    const char *key = bson_iter_key(it);
    size_t old = field ? asr_path_push(field, flen, cap, key, 0) : 0;
    if (!utf8_ok(key, bson_iter_key_len(it), false)) return 0;
    uint32_t n = 0;
    const char *s = NULL;
    bson_iter_t child;
    switch (bson_iter_type(it)) {
    case BSON_TYPE_UTF8: s = bson_iter_utf8(it, &n); break;
    case BSON_TYPE_CODE: s = bson_iter_code(it, &n); break;
    case BSON_TYPE_SYMBOL: s = bson_iter_symbol(it, &n); break;
    case BSON_TYPE_DOCUMENT:
    case BSON_TYPE_ARRAY:
      if (depth < ASR_EJSON_MAX_DEPTH && bson_iter_recurse(it, &child) &&
          !valid_strings(&child, field, flen, cap, depth + 1))
        return 0;
      break;
    default: break;
    }
    if (s && !utf8_ok(s, n, true)) return 0;
    if (field) asr_path_pop(field, flen, old);
  }
  return 1;
}

int asr_bson_utf8_valid(const uint8_t *doc, uint32_t len, char *field, size_t cap) {
  bson_iter_t it;
  size_t flen = 0;
  if (cap) field[0] = '\0';
  if (!bson_iter_init_from_data(&it, doc, len)) return 1; /* structure: checked elsewhere */
  if (valid_strings(&it, NULL, &flen, 0, 0)) return 1; /* every document: no path built */
  if (!cap) return 0;
  bson_iter_init_from_data(&it, doc, len); /* the bad one, again, naming the field */
  return valid_strings(&it, field, &flen, cap, 0);
}
