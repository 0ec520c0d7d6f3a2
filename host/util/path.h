/* A dotted field path kept in a fixed buffer while a tree is walked ("items[2].price"), for
 * error messages. Shared by the template compiler and the mgodatagen translator. */
#ifndef ASR_UTIL_PATH_H
#define ASR_UTIL_PATH_H

#include <stddef.h>

/* Appends ".key" ("key" at the top) or, with key NULL, "[index]"; returns the length to give
 * asr_path_pop. A path too long for cap bytes is cut short with "...": only messages use it. */
size_t asr_path_push(char *path, size_t *len, size_t cap, const char *key, long index);

static inline void asr_path_pop(char *path, size_t *len, size_t old) {
  *len = old;
  path[old] = '\0';
}

#endif
