#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* data to fd, whole, then synced. 0 or an errno value. */
static int write_all_synced(int fd, const char *data, size_t len) {
  for (size_t off = 0; off < len;) {
    ssize_t n = write(fd, data + off, len - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? errno : EIO;
    off += (size_t)n;
  }
  return fsync(fd) != 0 ? errno : 0;
}

int asr_write_file_atomic(const char *path, const char *data, size_t len, const char *what,
                          asr_err_t *err) {
  char *tmp = NULL;
  if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
    return asr_err_set(err, ASR_ENOMEM, "%s: out of memory", what);
  int e = 0;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    e = errno;
  } else {
    e = write_all_synced(fd, data, len);
    if (close(fd) != 0 && !e) e = errno;
    if (!e && rename(tmp, path) != 0) e = errno;
    if (e) unlink(tmp);
  }
  free(tmp);
  if (e) return asr_err_set(err, ASR_EIO, "%s: cannot write %s: %s", what, path, strerror(e));
  return 0;
}
