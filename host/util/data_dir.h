/* Where asrun finds the files it ships beside the binary: its Lua modules (lua/), the
 * scaling profiles (profiles/) and the lab's scenarios (scenarios/). One place decides, so
 * that a developer's build, an install under any prefix (moved or not) and a .deb all find
 * theirs without the source tree:
 *   1. $ASRUN_LUA_DIR, $ASRUN_PROFILES_DIR, $ASRUN_SCENARIOS_DIR when set and not empty;
 *   2. beside the running binary: BIN/../share/asrun/SUB (an install, wherever it was moved);
 *   3. the source tree, when the binary runs from its build tree (a developer's build);
 *   4. the install prefix configured at build time: PREFIX/share/asrun/SUB;
 *   5. the source tree (a build run from elsewhere on the machine that built it).
 * Steps 2-5 take the first directory that exists; when none does, the answer is step 4's
 * path, so that messages name where an install should have put it. */
#ifndef ASR_UTIL_DATA_DIR_H
#define ASR_UTIL_DATA_DIR_H

#include <stddef.h>

typedef enum asr_data_kind {
  ASR_DATA_LUA,
  ASR_DATA_PROFILES,
  ASR_DATA_SCENARIOS,
  ASR_DATA_KINDS
} asr_data_kind_t;

/* Where one build looks, as CMake configured it (asr_data_layout_default) or as a test
 * makes up. Paths are absolute except relative_data, which is taken from the binary's
 * directory. */
typedef struct asr_data_layout {
  const char *relative_data; /* "../share/asrun": from the bin directory to the data */
  const char *install_data;  /* "/usr/local/share/asrun" */
  const char *build_dir;     /* the CMake build tree */
  const char *source[ASR_DATA_KINDS]; /* the source tree's lua/, profiles/, scenarios/ */
} asr_data_layout_t;

/* The layout compiled in (the ASR_* definitions of CMakeLists.txt). */
const asr_data_layout_t *asr_data_layout_default(void);

/* The directory of `kind` for this process (steps 1-5 above): the environment variable each
 * call, the rest worked out once. Never NULL. */
const char *asr_data_dir(asr_data_kind_t kind);

/* The environment variable that overrides `kind`'s directory ("ASRUN_PROFILES_DIR"). */
const char *asr_data_dir_env(asr_data_kind_t kind);

/* Steps 2-5 for a binary (or library) at self_path under `layout`: writes the directory to
 * out (cap bytes; a longer path is cut). self_path NULL skips steps 2 and 3. */
void asr_data_dir_pick(const asr_data_layout_t *layout, const char *self_path,
                       asr_data_kind_t kind, char *out, size_t cap);

#endif
