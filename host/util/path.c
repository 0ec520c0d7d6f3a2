#include "util/path.h"

#include <stdio.h>
#include <string.h>

size_t asr_path_push(char *path, size_t *len, size_t cap, const char *key, long index) {
  size_t old = *len;
  int n = key ? snprintf(path + old, cap - old, "%s%s", old ? "." : "", key)
              : snprintf(path + old, cap - old, "[%ld]", index);
  if (n < 0 || (size_t)n >= cap - old) {
    memcpy(path + cap - 4, "...", 4);
    *len = cap - 1;
  } else {
    *len = old + (size_t)n;
  }
  return old;
}
