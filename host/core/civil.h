/* Calendar arithmetic shared by the template generator ($date) and the Extended JSON reader
 * ($date strings): one copy of the days-from-date formula. */
#ifndef ASR_CORE_CIVIL_H
#define ASR_CORE_CIVIL_H

#include <stdint.h>

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (d may run past the
 * month's end). Howard Hinnant's algorithm. */
static inline int64_t asr_days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

#endif
