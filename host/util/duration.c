/* Duration parsing (see duration.h). */
#include "util/duration.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int asr_parse_duration_ms(const char *text, int64_t *out_ms) {
  static const struct { const char *unit; double ms; } units[] = {
      {"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
  if (!text || !((*text >= '0' && *text <= '9') || *text == '.') || strpbrk(text, "xX"))
    return -1; /* no sign, space, hex, inf or nan */
  char *end;
  errno = 0;
  double v = strtod(text, &end);
  if (errno || end == text || !isfinite(v) || v < 0) return -1;
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
    if (strcmp(end, units[i].unit) != 0) continue;
    double ms = v * units[i].ms;
    if (ms > (double)ASR_DURATION_MAX_MS) return -1;
    *out_ms = (int64_t)llround(ms);
    return 0;
  }
  return -1;
}
