#include "codec/json_error.h"

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
