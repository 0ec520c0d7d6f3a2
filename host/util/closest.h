/* "Did you mean ...?" for unknown names (template operators, strategy fields, scaling
 * settings): the edit distance and the closest candidate within a limit. */
#ifndef ASR_UTIL_CLOSEST_H
#define ASR_UTIL_CLOSEST_H

#include <stddef.h>

/* Edit distance between a and b: insertions, deletions, substitutions and swaps of two
 * adjacent letters count one each (optimal string alignment: 'mdoe' is 1 from 'mode', as a
 * typist sees it); names over 63 characters count as far (64). */
size_t asr_edit_distance(const char *a, const char *b);
/* The candidate nearest to name with distance <= max_distance, or NULL. */
const char *asr_closest(const char *name, const char *const *candidates, size_t n,
                        size_t max_distance);

#endif
