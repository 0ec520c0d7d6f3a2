/* BSON checks every target applies alike (see bson_check.h). */
#include "codec/bson_check.h"

#include <bson/bson.h>

#include "codec/ejson_writer.h"
#include "util/path.h"

static int valid_strings(bson_iter_t *it, char *field, size_t *flen, size_t cap, int depth) {
  while (bson_iter_next(it)) {
    const char *key = bson_iter_key(it);
    size_t old = asr_path_push(field, flen, cap, key, 0);
    if (!bson_utf8_validate(key, bson_iter_key_len(it), false)) return 0;
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
    if (s && !bson_utf8_validate(s, n, true)) return 0;
    asr_path_pop(field, flen, old);
  }
  return 1;
}

int asr_bson_utf8_valid(const uint8_t *doc, uint32_t len, char *field, size_t cap) {
  bson_iter_t it;
  size_t flen = 0;
  if (cap) field[0] = '\0';
  if (!bson_iter_init_from_data(&it, doc, len)) return 1; /* structure: checked elsewhere */
  return valid_strings(&it, field, &flen, cap, 0);
}
