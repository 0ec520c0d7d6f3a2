#include "lua/profile.h"

#include <lauxlib.h>
#include <lua.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lua/vm.h"
#include "util/data_dir.h"
#include "util/file.h"

const char *asr_profile_dir(void) { return asr_data_dir(ASR_DATA_PROFILES); }

typedef struct load_ctx {
  const char *path;
  const char *layer; /* "profile balanced": the origin each key it sets keeps */
  asr_scaling_settings_t *out;
} load_ctx_t;

/* [-0,+0,-] Applies the profile table on top of the stack (the table stays). */
static int apply_profile(lua_State *L, load_ctx_t *c, asr_err_t *err) {
  if (!lua_istable(L, -1))
    return asr_err_set(err, ASR_EINVAL, "%s: a profile must return a table, got %s", c->path,
                       luaL_typename(L, -1));
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    if (lua_type(L, -2) != LUA_TSTRING) {
      lua_pop(L, 2);
      return asr_err_set(err, ASR_EINVAL, "%s: profile keys must be names", c->path);
    }
    const char *key = lua_tostring(L, -2);
    int rc = 0;
    if (strcmp(key, "name") == 0 && lua_type(L, -1) == LUA_TSTRING) {
      snprintf(c->out->profile, sizeof c->out->profile, "%s", lua_tostring(L, -1));
    } else if (strcmp(key, "scaling_speed") == 0 || strcmp(key, "description") == 0) {
      /* documentation for people reading the profile */
    } else {
      if (lua_type(L, -1) != LUA_TNUMBER)
        rc = asr_err_set(err, ASR_EINVAL, "%s: %s must be a number, got %s", c->path, key,
                         luaL_typename(L, -1));
      else
        rc = asr_scaling_set(c->out, key, lua_tonumber(L, -1), c->path, err);
      if (rc == 0) asr_scaling_set_origin(c->out, key, c->layer);
    }
    lua_pop(L, 1);
    if (rc) {
      lua_pop(L, 1);
      return rc;
    }
  }
  return 0;
}

int asr_profile_load(const char *name_or_path, asr_scaling_settings_t *out, asr_err_t *err) {
  char path[1024];
  if (asr_is_lua_file_name(name_or_path))
    snprintf(path, sizeof path, "%s", name_or_path);
  else
    snprintf(path, sizeof path, "%s/%s.lua", asr_profile_dir(), name_or_path);
  if (access(path, R_OK) != 0) {
    if (asr_is_lua_file_name(name_or_path))
      return asr_err_set(err, ASR_EINVAL, "scaling profile file %s cannot be read", path);
    if (access(asr_profile_dir(), R_OK | X_OK) != 0)
      return asr_err_set(err, ASR_EINVAL, "unknown scaling profile '%s': the profiles "
                         "directory %s is missing (is asrun installed? %s can name the right one)",
                         name_or_path, asr_profile_dir(), asr_data_dir_env(ASR_DATA_PROFILES));
    return asr_err_set(err, ASR_EINVAL, "unknown scaling profile '%s' (conservative, balanced, "
                       "aggressive, or a path to a profile .lua file)", name_or_path);
  }
  lua_State *L = asr_vm_new(64u << 20, err);
  if (!L) return err->code ? err->code : ASR_ENOMEM;
  char layer[ASR_SCALING_ORIGIN_MAX];
  snprintf(layer, sizeof layer, "profile %s", name_or_path);
  load_ctx_t c = {path, layer, out};
  snprintf(out->profile, sizeof out->profile, "%s", name_or_path);
  int rc = asr_vm_dofile(L, path, err);
  if (rc == ASR_ESCRIPT) rc = err->code = ASR_EINVAL; /* a profile that fails to load is config */
  if (rc == 0) rc = apply_profile(L, &c, err);
  asr_vm_close(L);
  return rc;
}

int asr_profile_settings(const char *name_or_path, asr_scaling_settings_t *out, asr_err_t *err) {
  asr_scaling_defaults(out);
  int rc = asr_profile_load(ASR_PROFILE_DEFAULT, out, err);
  if (rc == 0 && strcmp(name_or_path, ASR_PROFILE_DEFAULT) != 0)
    rc = asr_profile_load(name_or_path, out, err);
  return rc;
}

void asr_profile_push(lua_State *L, const asr_scaling_settings_t *s) {
  lua_createtable(L, 0, 24);
  lua_pushstring(L, s->profile);
  lua_setfield(L, -2, "profile");
  for (const char *const *k = asr_scaling_keys(); *k; k++) {
    double v = asr_scaling_get(s, *k);
    if (v == floor(v) && fabs(v) < 1e15) lua_pushinteger(L, (lua_Integer)v);
    else lua_pushnumber(L, v);
    lua_setfield(L, -2, *k);
  }
}
