#include "util/names.h"

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
