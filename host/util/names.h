/* Names among many: membership in a short comma-separated list of option names. */
#ifndef ASR_UTIL_NAMES_H
#define ASR_UTIL_NAMES_H

#include <stdbool.h>

/* True when the comma-separated list ("min,max,unique") holds name. */
bool asr_names_in_list(const char *list, const char *name);

#endif
