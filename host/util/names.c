#include "util/names.h"

#include <stdlib.h>
#include <string.h>

bool asr_names_in_list(const char *list, const char *name) {
  size_t len = strlen(name);
  for (const char *p = list; *p;) {
    size_t n = strcspn(p, ",");
    if (n == len && strncmp(p, name, len) == 0) return true;
    p += n + (p[n] == ',');
  }
  return false;
}

/* Bytewise, a prefix before the longer name. */
static int bytes_cmp(const char *a, size_t alen, const char *b, size_t blen) {
  int c = memcmp(a, b, alen < blen ? alen : blen);
  return c ? c : (alen > blen) - (alen < blen);
}

static int name_cmp(const void *a, const void *b) {
  const asr_name_t *x = a, *y = b;
  int c = bytes_cmp(x->s, x->len, y->s, y->len);
  return c ? c : (x->index > y->index) - (x->index < y->index);
}

void asr_names_sort(asr_name_t *names, size_t n) {
  if (n > 1) qsort(names, n, sizeof *names, name_cmp);
}

void asr_names_first(asr_name_t *names, size_t n, uint32_t *first) {
  asr_names_sort(names, n);
  for (size_t i = 0, j; i < n; i = j) { /* a run of equal names, earliest first */
    j = i + 1;
    while (j < n && bytes_cmp(names[i].s, names[i].len, names[j].s, names[j].len) == 0) j++;
    for (size_t k = i; k < j; k++) first[names[k].index] = names[i].index;
  }
}

const asr_name_t *asr_names_find(const asr_name_t *names, size_t n, const char *s, size_t len) {
  size_t lo = 0, hi = n; /* the first entry not below s */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (bytes_cmp(names[mid].s, names[mid].len, s, len) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo < n && bytes_cmp(names[lo].s, names[lo].len, s, len) == 0 ? &names[lo] : NULL;
}
