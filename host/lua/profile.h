/* Scaling profiles: profiles/NAME.lua (or any .lua path) returning a table of scaling
 * settings. Loaded once at start in a throwaway sandboxed state. */
#ifndef ASR_LUA_PROFILE_H
#define ASR_LUA_PROFILE_H

#include "scaler/settings.h"
#include "core/error.h"

/* The directory of the built-in profiles: $ASRUN_PROFILES_DIR, else the source tree's. */
const char *asr_profile_dir(void);
/* Applies profile `name_or_path` on top of out's current values (asr_scaling_defaults first).
 * A name is looked up as DIR/NAME.lua; anything with a '/' or ending in ".lua" is a path.
 * ASR_EINVAL for an unknown profile (listing the built-in ones), a non-number value or an
 * unknown key (with the closest one); ASR_ESCRIPT when the file fails to run. */
int asr_profile_load(const char *name_or_path, asr_scaling_settings_t *out, asr_err_t *err);

#endif
