#include "codec/json_error.h"

#include <string.h>

int asr_json_error(const char *origin, const char *json, size_t len, const char *at,
                   const char *what, asr_err_t *err) {
  size_t pos = at && at >= json ? (size_t)(at - json) : 0;
  if (pos > len) pos = len;
  unsigned line = 1, col = 1;
  for (size_t i = 0; i < pos; i++) {
    if (json[i] == '\n') line++, col = 1;
    else col++;
  }
  int near = 0;
  while (pos + (size_t)near < len && near < 24 && json[pos + near] != '\n' && json[pos + near] != '\r')
    near++;
  if (near == 0)
    return asr_err_set(err, ASR_EINVAL, "%s:%u:%u: %s at the end of the input", origin, line, col, what);
  return asr_err_set(err, ASR_EINVAL, "%s:%u:%u: %s near '%.*s'", origin, line, col, what, near,
                     json + pos);
}

/* The end of the JSON string whose opening quote is at json[start] (its closing quote, or len). */
static size_t string_end(const char *json, size_t len, size_t start) {
  for (size_t i = start + 1; i < len; i++) {
    if (json[i] == '\\') i++;
    else if (json[i] == '"') return i;
  }
  return len;
}

/* Whether the string whose opening quote is at json[start] is an object's key. */
static int is_key(const char *json, size_t len, size_t start) {
  size_t i = string_end(json, len, start) + 1;
  while (i < len && (json[i] == ' ' || json[i] == '\t' || json[i] == '\n' || json[i] == '\r')) i++;
  return i < len && json[i] == ':';
}

int asr_json_refuse_nul(const char *origin, const char *json, size_t len, asr_err_t *err) {
  size_t start = 0;
  int in_string = 0;
  for (size_t i = 0; i < len; i++) {
    char c = json[i];
    if (!in_string) {
      if (c == '"') in_string = 1, start = i;
      continue;
    }
    int nul = c == '\0' || (c == '\\' && i + 5 < len && memcmp(json + i + 1, "u0000", 5) == 0);
    if (nul)
      return asr_json_error(origin, json, len, json + i,
                            is_key(json, len, start)
                                ? "a NUL character (\\u0000) in a field name, which BSON cannot hold"
                                : "a NUL character (\\u0000) in a string, which asrun's JSON parser "
                                  "would cut short there (refused: data is never truncated)",
                            err);
    if (c == '\\') i++;
    else if (c == '"') in_string = 0;
  }
  return 0;
}
