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

/* A subtree nested deeper than the walk goes: libbson's validator checks its structure. */
static int deep_ok(const bson_iter_t *it) {
  bson_iter_t child;
  if (!bson_iter_recurse(it, &child)) return 0;
  bson_t sub;
  const uint8_t *data;
  uint32_t len;
  if (bson_iter_type(it) == BSON_TYPE_ARRAY) bson_iter_array(it, &len, &data);
  else bson_iter_document(it, &len, &data);
  return bson_init_static(&sub, data, len) && bson_validate(&sub, BSON_VALIDATE_NONE, NULL);
}

/* The scope of a code-with-scope value: a document of its own. */
static int scope_ok(const bson_iter_t *it) {
  uint32_t n, slen;
  const uint8_t *scope;
  bson_iter_codewscope(it, &n, &slen, &scope);
  bson_t sub;
  return bson_init_static(&sub, scope, slen) && bson_validate(&sub, BSON_VALIDATE_NONE, NULL);
}

/* ASR_BSON_OK, or the first problem. field NULL: no path is kept (the first pass); set: the
 * path of the bad field is left in it. */
static int check_level(bson_iter_t *it, char *field, size_t *flen, size_t cap, int depth) {
  while (bson_iter_next(it)) {
    const char *key = bson_iter_key(it);
    size_t old = field ? asr_path_push(field, flen, cap, key, 0) : 0;
    if (!utf8_ok(key, bson_iter_key_len(it), false)) return ASR_BSON_BAD_UTF8;
    uint32_t n = 0;
    const char *s = NULL;
    bson_iter_t child;
    switch (bson_iter_type(it)) {
    case BSON_TYPE_UTF8: s = bson_iter_utf8(it, &n); break;
    case BSON_TYPE_CODE: s = bson_iter_code(it, &n); break;
    case BSON_TYPE_SYMBOL: s = bson_iter_symbol(it, &n); break;
    case BSON_TYPE_CODEWSCOPE:
      if (!scope_ok(it)) return ASR_BSON_CORRUPT;
      break;
    case BSON_TYPE_DOCUMENT:
    case BSON_TYPE_ARRAY: {
      if (depth >= ASR_EJSON_MAX_DEPTH) {
        if (!deep_ok(it)) return ASR_BSON_CORRUPT;
        break;
      }
      if (!bson_iter_recurse(it, &child)) return ASR_BSON_CORRUPT;
      int rc = check_level(&child, field, flen, cap, depth + 1);
      if (rc) return rc;
      break;
    }
    default: break;
    }
    if (s && !utf8_ok(s, n, true)) return ASR_BSON_BAD_UTF8;
    if (field) asr_path_pop(field, flen, old);
  }
  return it->err_off ? ASR_BSON_CORRUPT : ASR_BSON_OK;
}

int asr_bson_check(const uint8_t *doc, uint32_t len, char *field, size_t cap) {
  bson_iter_t it;
  size_t flen = 0;
  if (cap) field[0] = '\0';
  if (!bson_iter_init_from_data(&it, doc, len)) return ASR_BSON_CORRUPT;
  int rc = check_level(&it, NULL, &flen, 0, 0); /* every document: no path built */
  if (rc != ASR_BSON_BAD_UTF8 || !cap) return rc;
  bson_iter_init_from_data(&it, doc, len); /* the bad one, again, naming the field */
  return check_level(&it, field, &flen, cap, 0);
}
