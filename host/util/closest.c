#include "util/closest.h"

#include <string.h>

#define MAX_NAME 63 /* longer names count as far (64) */

/* Optimal string alignment: Levenshtein's three edits plus a swap of two adjacent letters,
 * each costing one ('mdoe' is one edit from 'mode'), over three rolling rows. */
size_t asr_edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > MAX_NAME || lb > MAX_NAME) return MAX_NAME + 1;
  size_t rows[3][MAX_NAME + 1];
  size_t *before = rows[0], *prev = rows[1], *cur = rows[2];
  for (size_t j = 0; j <= lb; j++) prev[j] = j;
  for (size_t i = 1; i <= la; i++) {
    cur[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t best = prev[j - 1] + (a[i - 1] != b[j - 1]);
      if (prev[j] + 1 < best) best = prev[j] + 1;
      if (cur[j - 1] + 1 < best) best = cur[j - 1] + 1;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
          before[j - 2] + 1 < best)
        best = before[j - 2] + 1;
      cur[j] = best;
    }
    size_t *oldest = before;
    before = prev, prev = cur, cur = oldest;
  }
  return prev[lb];
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
