/* libFuzzer target for asrun's Extended JSON reader (host/codec/ejson_reader.c), with libbson's
 * parser as the oracle. For every input:
 *  - read by both: the same BSON bytes (except where libbson writes a garbage array key, its
 *    1.23 bug for $code/$dbPointer inside arrays, a $scope's included: then ours must hold
 *    proper keys);
 *  - read by ours only: allowed only for the documented extra, a $date offset with a colon
 *    ("+01:00"): the input with those colons removed must be read by libbson to the same bytes;
 *  - refused by ours only: allowed only for the documented refusals, an integer outside int64
 *    , a top-level array (libbson makes a document of "[1]") and text after the object (bson_new_from_json reads the first object and ignores the rest;
 *    the JSONL source refuses such a line too), and malformed JSON that libbson lets through
 *    (cJSON, a second parser, must refuse it too: e.g. a missing ',' after a keyword object);
 *  - deferred: libbson decides (nothing to check); any failure leaves the output as it was and
 *    says why.
 * Build: cmake -DASR_FUZZ=ON -DCMAKE_C_COMPILER=clang; run: scripts/fuzz.sh [SECONDS]. */
#include <bson/bson.h>
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/ejson_reader.h"

/* Whether cJSON reads the input as one JSON value (a second opinion on JSON syntax). */
static int json_valid(const uint8_t *d, size_t n) {
  char *z = malloc(n + 1);
  memcpy(z, d, n);
  z[n] = 0;
  cJSON *j = strlen(z) == n ? cJSON_ParseWithOpts(z, NULL, 1) : NULL;
  int ok = j != NULL;
  cJSON_Delete(j);
  free(z);
  return ok;
}

static int keys_ok(bson_iter_t *it, int is_array) {
  for (uint32_t i = 0; bson_iter_next(it); i++) {
    char k[16];
    snprintf(k, sizeof k, "%u", i);
    if (is_array && strcmp(bson_iter_key(it), k) != 0) return 0;
    bson_iter_t child;
    if ((BSON_ITER_HOLDS_ARRAY(it) || BSON_ITER_HOLDS_DOCUMENT(it)) &&
        bson_iter_recurse(it, &child) && !keys_ok(&child, BSON_ITER_HOLDS_ARRAY(it)))
      return 0;
    if (BSON_ITER_HOLDS_CODEWSCOPE(it)) { /* the scope is a document too */
      uint32_t n, slen;
      const uint8_t *scope;
      bson_t sb;
      bson_iter_codewscope(it, &n, &slen, &scope);
      if (bson_init_static(&sb, scope, slen) && bson_iter_init(&child, &sb) && !keys_ok(&child, 0))
        return 0;
    }
  }
  return 1;
}

static int array_keys_ok(const uint8_t *data, size_t len) {
  bson_t b;
  bson_iter_t it;
  return bson_init_static(&b, data, len) && bson_iter_init(&it, &b) && keys_ok(&it, 0);
}

static int digit(uint8_t c) { return c >= '0' && c <= '9'; }

/* Whether the string opening at d[q] is the value of a "$date" key. */
static int date_value(const uint8_t *d, size_t q) {
  size_t k = q;
  while (k > 0 && (d[k - 1] == ' ' || d[k - 1] == '\t' || d[k - 1] == '\n' || d[k - 1] == '\r')) k--;
  if (k == 0 || d[--k] != ':') return 0;
  while (k > 0 && (d[k - 1] == ' ' || d[k - 1] == '\t' || d[k - 1] == '\n' || d[k - 1] == '\r')) k--;
  return k >= 7 && memcmp(d + k - 7, "\"$date\"", 7) == 0;
}

/* Whether d[sign] is the sign of an offset ending the date string of a "$date" value:
 * "YYYY-MM-DDT<digits : .>". */
static int ends_date(const uint8_t *d, size_t sign) {
  size_t k = sign;
  while (k > 0 && (digit(d[k - 1]) || d[k - 1] == ':' || d[k - 1] == '.')) k--;
  if (k < 12 || d[k - 1] != 'T') return 0;
  const uint8_t *y = d + k - 12; /* "YYYY-MM-DDT */
  return date_value(d, k - 12) && y[0] == '"' && digit(y[1]) && digit(y[2]) && digit(y[3]) && digit(y[4]) && y[5] == '-' &&
         digit(y[6]) && digit(y[7]) && y[8] == '-' && digit(y[9]) && digit(y[10]);
}

/* The input with the colon of every date offset ("...T00:00+01:00\"") removed. */
static uint8_t *without_offset_colons(const uint8_t *d, size_t n, size_t *out_n) {
  uint8_t *o = malloc(n + 1);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (i >= 3 && i + 3 < n && d[i] == ':' && (d[i - 3] == '+' || d[i - 3] == '-') &&
        d[i + 3] == '"' && digit(d[i - 2]) && digit(d[i - 1]) && digit(d[i + 1]) &&
        digit(d[i + 2]) && ends_date(d, i - 3))
      continue;
    o[k++] = d[i];
  }
  *out_n = k;
  return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  asr_buf_t out;
  asr_buf_init(&out);
  if (asr_buf_append(&out, "pre", 3)) abort();
  asr_ejson_status_t st;
  int rc = asr_ejson_read_doc(data, size, &out, &st);
  if (rc != ASR_EJSON_OK && (out.len != 3 || !st.msg[0] || st.offset > size)) abort();
  bson_error_t e;
  bson_t *o = size ? bson_new_from_json(data, (ssize_t)size, &e) : NULL;
  if (rc == ASR_EJSON_OK) {
    const uint8_t *ours = out.data + 3;
    size_t n = out.len - 3;
    if (o) {
      if ((o->len != n || memcmp(bson_get_data(o), ours, n) != 0) &&
          (array_keys_ok(bson_get_data(o), o->len) || !array_keys_ok(ours, n)))
        abort(); /* different bytes, not libbson's array-key bug */
    } else if (!(size && strncmp(e.message, "Error storing ", 14) == 0 && array_keys_ok(ours, n))) {
      size_t m;
      uint8_t *fixed = without_offset_colons(data, size, &m);
      bson_t *o2 = m ? bson_new_from_json(fixed, (ssize_t)m, &e) : NULL;
      if (!o2 || m == size) abort(); /* accepted what libbson refuses, not a documented extra */
      if ((o2->len != n || memcmp(bson_get_data(o2), ours, n) != 0) && array_keys_ok(bson_get_data(o2), o2->len))
        abort();
      bson_destroy(o2);
      free(fixed);
    }
  } else if (rc == ASR_EJSON_ERROR && o) {
    if (!strstr(st.msg, "is outside the 64-bit range") && !strstr(st.msg, "after the object") &&
        !strstr(st.msg, "expected a JSON object") &&
        json_valid(data, size))
      abort(); /* refused what libbson reads */
  }
  if (o) bson_destroy(o);
  asr_buf_free(&out);
  return 0;
}
