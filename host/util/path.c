#include "util/path.h"

#include <sys/param.h> /* PATH_MAX */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* ---- distinct files ---- */

/* What identifies a file: its device and inode when it exists, else where it would be
 * created (the resolved directory and the name). */
typedef struct file_id {
  int exists;
  dev_t dev;
  ino_t ino;
  char where[PATH_MAX];
} file_id_t;

/* Appends "/name" (or "name" after "/") to out[cap], "." and ".." read as the file system
 * would; a result too long is cut short, which only makes two over-long names compare
 * unequal. */
static void append_name(char *out, size_t cap, const char *name) {
  if (strcmp(name, ".") == 0 || !*name) return;
  if (strcmp(name, "..") == 0) {
    char *slash = strrchr(out, '/');
    if (slash) slash[slash == out] = '\0';
    return;
  }
  size_t len = strlen(out);
  if (len > 0 && out[len - 1] != '/' && len + 1 < cap) out[len++] = '/';
  size_t k = strlen(name);
  if (k > cap - 1 - len) k = cap - 1 - len;
  memcpy(out + len, name, k);
  out[len + k] = '\0';
}

/* out (PATH_MAX bytes) = the resolved form of path, which need not exist: realpath of the
 * longest existing ancestor, then the rest as written. */
static void resolve_path(const char *path, char *out) {
  if (realpath(path, out)) return;
  const char *slash = strrchr(path, '/');
  if (!slash) { /* a name in the current directory */
    if (!realpath(".", out)) snprintf(out, PATH_MAX, ".");
    append_name(out, PATH_MAX, path);
    return;
  }
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
  resolve_path(dir, out);
  append_name(out, PATH_MAX, slash + 1);
}

static void identify(const char *path, file_id_t *id) {
  struct stat st;
  memset(id, 0, sizeof *id);
  if (stat(path, &st) == 0) {
    id->exists = 1;
    id->dev = st.st_dev;
    id->ino = st.st_ino;
    return;
  }
  resolve_path(path, id->where);
}

static int same_file(const file_id_t *a, const file_id_t *b) {
  if (a->exists != b->exists) return 0;
  if (a->exists) return a->dev == b->dev && a->ino == b->ino;
  return strcmp(a->where, b->where) == 0;
}

int asr_paths_check_distinct(const asr_file_role_t *files, size_t n, asr_err_t *err) {
  for (size_t i = 1; i < n; i++) {
    if (!files[i].path || !*files[i].path) continue;
    file_id_t later;
    identify(files[i].path, &later);
    for (size_t j = 0; j < i; j++) {
      if (!files[j].path || !*files[j].path) continue;
      file_id_t earlier;
      identify(files[j].path, &earlier);
      if (same_file(&later, &earlier))
        return asr_err_set(err, ASR_EINVAL, "%s %s is the same file as %s %s", files[i].role,
                           files[i].path, files[j].role, files[j].path);
    }
  }
  return 0;
}
