/* Durations as people write them on a command line or in a strategy: "500ms", "90s", "10m",
 * "1h", or a plain number of seconds ("90", "1.5"). */
#ifndef ASR_UTIL_DURATION_H
#define ASR_UTIL_DURATION_H

#include <stdint.h>

#define ASR_DURATION_MAX_MS (7LL * 24 * 3600 * 1000) /* a week: beyond it, a typo */
#define ASR_DURATION_FORMS "500ms, 90s, 10m, 1h or a number of seconds"

/* Parses text into whole milliseconds (rounded to nearest), 0..ASR_DURATION_MAX_MS. Returns 0,
 * or -1 for anything else (empty, negative, an unknown unit, too long). */
int asr_parse_duration_ms(const char *text, int64_t *out_ms);

#endif
