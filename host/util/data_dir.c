#include "util/data_dir.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/param.h> /* PATH_MAX */
#include <sys/stat.h>
#include <unistd.h>
#ifdef ASR_LUA_MODULE
#include <dlfcn.h>
#endif

static const char *const subdirs[ASR_DATA_KINDS] = {"lua", "profiles", "scenarios"};
static const char *const env_names[ASR_DATA_KINDS] = {"ASRUN_LUA_DIR", "ASRUN_PROFILES_DIR",
                                                      "ASRUN_SCENARIOS_DIR"};

/* The binary's own relative path differs from the Lua module's (lib/lua/5.4/asrun/core.so):
 * CMake works out each from the install directories. */
static const asr_data_layout_t default_layout = {
    .relative_data = ASR_RELATIVE_DATA_DIR,
    .install_data = ASR_INSTALL_DATA_DIR,
    .build_dir = ASR_BUILD_DIR,
    .source = {ASR_SOURCE_LUA_DIR, ASR_SOURCE_PROFILES_DIR, ASR_SOURCE_SCENARIOS_DIR},
};

const asr_data_layout_t *asr_data_layout_default(void) { return &default_layout; }

const char *asr_data_dir_env(asr_data_kind_t kind) { return env_names[kind]; }

static int is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* 1 if path lies inside dir (both resolved: symlinks, "..", a trailing '/'). */
static int is_inside(const char *path, const char *dir) {
  char real[PATH_MAX];
  if (!realpath(dir, real)) return 0;
  size_t n = strlen(real);
  return strncmp(path, real, n) == 0 && path[n] == '/';
}

void asr_data_dir_pick(const asr_data_layout_t *layout, const char *self_path,
                       asr_data_kind_t kind, char *out, size_t cap) {
  const char *sub = subdirs[kind];
  char real_self[PATH_MAX];
  if (self_path && !realpath(self_path, real_self)) self_path = NULL;
  if (self_path && layout->relative_data) {
    char beside[PATH_MAX + 64], resolved[PATH_MAX];
    char *slash = strrchr(real_self, '/');
    snprintf(beside, sizeof beside, "%.*s/%s/%s", (int)(slash - real_self), real_self,
             layout->relative_data, sub);
    if (is_dir(beside) && realpath(beside, resolved)) { /* without the "bin/.." */
      snprintf(out, cap, "%s", resolved);
      return;
    }
  }
  const char *source = layout->source[kind];
  if (self_path && layout->build_dir && is_inside(real_self, layout->build_dir) &&
      is_dir(source)) {
    snprintf(out, cap, "%s", source);
    return;
  }
  if (is_dir(source)) {
    char installed[PATH_MAX];
    snprintf(installed, sizeof installed, "%s/%s", layout->install_data, sub);
    snprintf(out, cap, "%s", is_dir(installed) ? installed : source);
    return;
  }
  snprintf(out, cap, "%s/%s", layout->install_data, sub);
}

/* The file this code runs from: the binary, or core.so inside a plain lua5.4. */
static const char *self_path(char *buf, size_t cap) {
#ifdef ASR_LUA_MODULE
  Dl_info info;
  if (dladdr((void *)asr_data_dir_pick, &info) && info.dli_fname && strchr(info.dli_fname, '/')) {
    snprintf(buf, cap, "%s", info.dli_fname);
    return buf;
  }
  return NULL;
#else
  ssize_t n = readlink("/proc/self/exe", buf, cap - 1);
  if (n <= 0) return NULL;
  buf[n] = '\0';
  return buf;
#endif
}

static char dirs[ASR_DATA_KINDS][PATH_MAX];
static pthread_once_t dirs_once = PTHREAD_ONCE_INIT;

static void find_dirs(void) {
  char self[PATH_MAX];
  const char *path = self_path(self, sizeof self);
  for (int k = 0; k < ASR_DATA_KINDS; k++)
    asr_data_dir_pick(&default_layout, path, (asr_data_kind_t)k, dirs[k], sizeof dirs[k]);
}

const char *asr_data_dir(asr_data_kind_t kind) {
  const char *env = getenv(env_names[kind]);
  if (env && *env) return env;
  pthread_once(&dirs_once, find_dirs);
  return dirs[kind];
}
