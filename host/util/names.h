/* Names among many: membership in a short comma-separated list, and repeats and look-ups
 * among any number of names in n log n (a template may hold 200,000 keys in one object:
 * comparing each name with every other is what made compiling it quadratic). */
#ifndef ASR_UTIL_NAMES_H
#define ASR_UTIL_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when the comma-separated list ("min,max,unique") holds name. */
bool asr_names_in_list(const char *list, const char *name);

/* One name: len bytes at s (any bytes), and its position among the names. */
typedef struct asr_name {
  const char *s;
  size_t len;
  uint32_t index;
} asr_name_t;

/* Sorts names by their bytes, equal names by index: what asr_names_find searches. */
void asr_names_sort(asr_name_t *names, size_t n);

/* Sorts names and sets first[k] to the smallest index of a name equal to the one with index k
 * (k itself when no earlier name is equal): first[k] != k marks a repeat. The indexes must be
 * 0..n-1; first holds n entries. */
void asr_names_first(asr_name_t *names, size_t n, uint32_t *first);

/* In names sorted by asr_names_sort, the entry equal to s[0..len) with the smallest index,
 * or NULL. */
const asr_name_t *asr_names_find(const asr_name_t *names, size_t n, const char *s, size_t len);

#endif
