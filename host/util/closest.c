#include "util/closest.h"

#include <string.h>

size_t asr_edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 63 || lb > 63) return 64;
  size_t row[64];
  for (size_t j = 0; j <= lb; j++) row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t best = diag + (a[i - 1] != b[j - 1]);
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

const char *asr_closest(const char *name, const char *const *candidates, size_t n,
                        size_t max_distance) {
  const char *best = NULL;
  size_t best_d = max_distance + 1;
  for (size_t i = 0; i < n; i++) {
    size_t d = asr_edit_distance(name, candidates[i]);
    if (d < best_d) best = candidates[i], best_d = d;
  }
  return best;
}
