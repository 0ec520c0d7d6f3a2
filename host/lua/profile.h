/* Scaling profiles: profiles/NAME.lua (or any .lua path) returning a table of scaling
 * settings. Loaded once at start in a throwaway sandboxed state. */
#ifndef ASR_LUA_PROFILE_H
#define ASR_LUA_PROFILE_H

#include <lua.h>

#include "scaler/settings.h"
#include "core/error.h"

/* The profile every run starts from, and the one that sets every key. */
#define ASR_PROFILE_DEFAULT "balanced"

/* The directory of the built-in profiles: $ASRUN_PROFILES_DIR, else the installed ones
 * beside the binary, or the source tree's for a build (util/data_dir.h). */
const char *asr_profile_dir(void);
/* The settings of profile `name_or_path`, as a run starts from them: asr_scaling_defaults,
 * the default profile (profiles/balanced.lua, which sets every key), then the named one on
 * top (a profile file need not set every key). Errors as asr_profile_load. */
int asr_profile_settings(const char *name_or_path, asr_scaling_settings_t *out, asr_err_t *err);
/* Applies profile `name_or_path` on top of out's current values.
 * A name is looked up as DIR/NAME.lua; anything with a '/' or ending in ".lua" is a path.
 * ASR_EINVAL for an unknown profile (listing the built-in ones), a non-number value or an
 * unknown key (with the closest one); ASR_ESCRIPT when the file fails to run. */
int asr_profile_load(const char *name_or_path, asr_scaling_settings_t *out, asr_err_t *err);
/* [-0,+1,m] Pushes the settings as the table policies get in state.config: profile (the name)
 * and every key, integers as integers. */
void asr_profile_push(lua_State *L, const asr_scaling_settings_t *s);

#endif
