#include "util/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int asr_read_file(const char *path, const char *what, char **text, size_t *len, asr_err_t *err) {
  int rc = 0;
  char *buf = NULL;
  size_t n = 0, cap = 0;
  *text = NULL;
  *len = 0;
  FILE *f = fopen(path, "rb");
  if (!f) return asr_err_set(err, ASR_EIO, "cannot read %s %s: %s", what, path, strerror(errno));
  for (;;) {
    if (cap - n < 4096) {
      size_t ncap = cap ? cap * 2 : 16384;
      char *p = realloc(buf, ncap);
      if (!p) {
        rc = asr_err_set(err, ASR_ENOMEM, "out of memory reading %s %s", what, path);
        goto done;
      }
      buf = p, cap = ncap;
    }
    size_t got = fread(buf + n, 1, cap - n - 1, f); /* one byte kept for the NUL */
    n += got;
    if (got == 0) break;
  }
  if (ferror(f)) {
    rc = asr_err_set(err, ASR_EIO, "cannot read %s %s: %s", what, path, strerror(errno));
    goto done;
  }
  buf[n] = '\0';
  *text = buf, buf = NULL;
  *len = n;
done:
  fclose(f);
  free(buf);
  return rc;
}

int asr_is_lua_file_name(const char *name) {
  size_t n = strlen(name);
  return strchr(name, '/') || (n > 4 && strcmp(name + n - 4, ".lua") == 0);
}

int asr_write_text_file(const char *path, const char *text, const char *what, asr_err_t *err) {
  FILE *f = fopen(path, "w");
  int ok = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
  if (f && fclose(f) != 0) ok = 0;
  if (!ok) return asr_err_set(err, ASR_EIO, "%s: cannot write %s: %s", what, path, strerror(errno));
  return 0;
}
