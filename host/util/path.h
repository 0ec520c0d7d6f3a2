/* Paths, two kinds:
 *  - a dotted field path kept in a fixed buffer while a tree is walked ("items[2].price"), for
 *    error messages; shared by the template compiler and the mgodatagen translator;
 *  - the files a run reads and writes, checked to be distinct before anything is written, so
 *    that no naming mistake (--summary-json naming the output, a target naming the source)
 *    destroys a file. */
#ifndef ASR_UTIL_PATH_H
#define ASR_UTIL_PATH_H

#include <stddef.h>

#include "core/error.h"

/* Appends ".key" ("key" at the top) or, with key NULL, "[index]"; returns the length to give
 * asr_path_pop. A path too long for cap bytes is cut short with "...": only messages use it. */
size_t asr_path_push(char *path, size_t *len, size_t cap, const char *key, long index);

static inline void asr_path_pop(char *path, size_t *len, size_t old) {
  *len = old;
  path[old] = '\0';
}

/* One file of a run: role as the message says it ("the source", "the target",
 * "--summary-json"), path as the user gave it. A NULL path is skipped. */
typedef struct asr_file_role {
  const char *role;
  const char *path;
} asr_file_role_t;

/* Refuses two entries that name the same file: the same device and inode when both exist,
 * else the same resolved parent directory (realpath of the longest existing ancestor) and
 * name. Returns 0, or ASR_EINVAL with "ROLE PATH is the same file as ROLE PATH" (the later
 * entry first), so nothing has been written when it fails. Call it with every file a run
 * reads or writes (a file target's PATH.partial too). */
int asr_paths_check_distinct(const asr_file_role_t *files, size_t n, asr_err_t *err);

#endif
