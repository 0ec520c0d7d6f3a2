#include "lua/strategy.h"

#include <lauxlib.h>
#include <lua.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lua/vm.h"
#include "util/log.h"

static const char *const known_fields[] = {
    "name", "source", "target", "transform", "workers", "batch_size", "total", "seed",
    "scaling", "on_start", "on_finish", "on_tick", "tick_interval", "description", NULL};

static const char *const source_fields[] = {"kind", "path", "template", "total", "seed", NULL};

static size_t edit_distance(const char *a, const char *b) {
  size_t n = strlen(a), m = strlen(b), prev[64], cur[64];
  if (m >= 63) return 99;
  for (size_t j = 0; j <= m; j++) prev[j] = j;
  for (size_t i = 1; i <= n; i++) {
    cur[0] = i;
    for (size_t j = 1; j <= m; j++) {
      size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
      size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
      cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
    }
    memcpy(prev, cur, (m + 1) * sizeof *cur);
  }
  return prev[m];
}

static void warn_unknown(const char *where, const char *key, const char *const *known) {
  const char *best = NULL;
  size_t best_d = 3;
  for (int i = 0; known[i]; i++) {
    size_t d = edit_distance(key, known[i]);
    if (d < best_d) best = known[i], best_d = d;
  }
  if (best)
    asr_log_warn("strategy.unknown_field", "%s: unknown field '%s' ignored (did you mean '%s'?)",
                 where, key, best);
  else
    asr_log_warn("strategy.unknown_field", "%s: unknown field '%s' ignored", where, key);
}

/* [-0,+0,-] Warns about every string key of the table at idx not in known. */
static void check_fields(lua_State *L, int idx, const char *where, const char *const *known) {
  idx = lua_absindex(L, idx);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) {
      asr_log_warn("strategy.unknown_field", "%s: non-string key ignored", where);
      continue;
    }
    const char *key = lua_tostring(L, -1);
    int ok = 0;
    for (int i = 0; known[i] && !ok; i++) ok = strcmp(known[i], key) == 0;
    if (!ok) warn_unknown(where, key, known);
  }
}

/* Reads an optional non-negative integer field of the table on top. */
static int get_count(lua_State *L, const char *path, const char *field, int64_t min,
                     int64_t *out, asr_err_t *err) {
  int t = lua_getfield(L, -1, field);
  int rc = 0;
  if (t != LUA_TNIL) {
    int isnum = 0;
    lua_Integer v = lua_tointegerx(L, -1, &isnum);
    if (!isnum || v < min)
      rc = asr_err_set(err, ASR_EINVAL, "%s: field '%s' must be an integer >= %lld, got %s", path,
                       field, (long long)min,
                       t == LUA_TNUMBER || t == LUA_TSTRING ? lua_tostring(L, -1) : luaL_typename(L, -1));
    else
      *out = v;
  }
  lua_pop(L, 1);
  return rc;
}

static int get_string(lua_State *L, const char *path, const char *field, char **out,
                      asr_err_t *err) {
  int t = lua_getfield(L, -1, field);
  int rc = 0;
  if (t == LUA_TSTRING) *out = strdup(lua_tostring(L, -1));
  else if (t != LUA_TNIL)
    rc = asr_err_set(err, ASR_EINVAL, "%s: field '%s' must be a string, got %s", path, field,
                     luaL_typename(L, -1));
  lua_pop(L, 1);
  return rc;
}

static int is_function_field(lua_State *L, const char *path, const char *field, int *out,
                             asr_err_t *err) {
  int t = lua_getfield(L, -1, field);
  lua_pop(L, 1);
  *out = t == LUA_TFUNCTION;
  if (t != LUA_TNIL && t != LUA_TFUNCTION)
    return asr_err_set(err, ASR_EINVAL, "%s: field '%s' must be a function, got %s", path, field,
                       lua_typename(L, t));
  return 0;
}

/* A path in a strategy: as given when it exists from the current directory, else relative to
 * the strategy's own directory (so strategies run from anywhere). */
static char *resolve_path(const char *strategy_path, const char *p) {
  struct stat st;
  if (p[0] == '/' || stat(p, &st) == 0) return strdup(p);
  const char *slash = strrchr(strategy_path, '/');
  if (!slash) return strdup(p);
  char *joined = NULL;
  if (asprintf(&joined, "%.*s/%s", (int)(slash - strategy_path), strategy_path, p) < 0) return NULL;
  if (stat(joined, &st) == 0) return joined;
  free(joined);
  return strdup(p);
}

static int read_source(lua_State *L, asr_strategy_t *s, asr_err_t *err) {
  int t = lua_getfield(L, -1, "source");
  int rc = 0;
  if (t == LUA_TSTRING) {
    rc = asr_source_spec_parse(lua_tostring(L, -1), &s->source, err);
  } else if (t == LUA_TTABLE) {
    check_fields(L, -1, "source", source_fields);
    char *kind = NULL, *path = NULL;
    int64_t total = -1, seed = -1;
    rc = get_string(L, s->path, "kind", &kind, err);
    if (!rc) rc = get_string(L, s->path, "path", &path, err);
    if (!rc) rc = get_string(L, s->path, "template", &s->source.template_json, err);
    if (!rc) rc = get_count(L, s->path, "total", 0, &total, err);
    if (!rc) rc = get_count(L, s->path, "seed", 0, &seed, err);
    if (!rc && total >= 0) s->total = total;
    if (!rc && seed >= 0) s->seed = seed;
    if (!rc && kind) {
      s->source.kind = kind, kind = NULL;
      s->source.path = path, path = NULL;
    } else if (!rc && path) {
      rc = asr_source_spec_parse(path, &s->source, err);
    } else if (!rc && s->source.template_json) {
      s->source.kind = strdup("template");
    } else if (!rc) {
      rc = asr_err_set(err, ASR_EINVAL, "%s: source needs 'kind' and 'path' (or 'template')",
                       s->path);
    }
    free(kind);
    free(path);
  } else if (t != LUA_TNIL) {
    rc = asr_err_set(err, ASR_EINVAL, "%s: field 'source' must be a string or a table, got %s",
                     s->path, lua_typename(L, t));
  }
  lua_pop(L, 1);
  if (rc == 0 && s->source.path) {
    char *resolved = resolve_path(s->path, s->source.path);
    free(s->source.path);
    s->source.path = resolved;
  }
  return rc;
}

static int read_scaling(lua_State *L, asr_strategy_t *s, asr_err_t *err) {
  int t = lua_getfield(L, -1, "scaling");
  int rc = 0;
  if (t == LUA_TSTRING) {
    s->profile = strdup(lua_tostring(L, -1));
  } else if (t == LUA_TBOOLEAN) {
    s->auto_scaling = lua_toboolean(L, -1);
  } else if (t == LUA_TTABLE) {
    rc = get_string(L, s->path, "profile", &s->profile, err);
    if (lua_getfield(L, -1, "enabled") != LUA_TNIL) s->auto_scaling = lua_toboolean(L, -1);
    lua_pop(L, 1);
  } else if (t != LUA_TNIL) {
    rc = asr_err_set(err, ASR_EINVAL, "%s: field 'scaling' must be a table, a profile name or a "
                     "boolean, got %s", s->path, lua_typename(L, t));
  }
  lua_pop(L, 1);
  return rc;
}

static int read_fields(lua_State *L, asr_strategy_t *s, asr_err_t *err) {
  char *target = NULL;
  int rc = get_string(L, s->path, "name", &s->name, err);
  if (!rc) rc = get_string(L, s->path, "target", &target, err);
  if (!rc) rc = read_source(L, s, err);
  if (!rc) rc = get_count(L, s->path, "workers", 1, &s->workers, err);
  if (!rc) rc = get_count(L, s->path, "batch_size", 1, &s->batch_size, err);
  if (!rc) rc = get_count(L, s->path, "total", 0, &s->total, err);
  if (!rc) rc = get_count(L, s->path, "seed", 0, &s->seed, err);
  if (!rc) rc = read_scaling(L, s, err);
  if (!rc) rc = is_function_field(L, s->path, "transform", &s->has_transform, err);
  if (!rc) rc = is_function_field(L, s->path, "on_start", &s->has_on_start, err);
  if (!rc) rc = is_function_field(L, s->path, "on_finish", &s->has_on_finish, err);
  if (!rc) rc = is_function_field(L, s->path, "on_tick", &s->has_on_tick, err);
  if (!rc && lua_getfield(L, -1, "tick_interval") != LUA_TNIL) {
    if (!lua_isnumber(L, -1) || lua_tonumber(L, -1) <= 0)
      rc = asr_err_set(err, ASR_EINVAL, "%s: field 'tick_interval' must be a positive number of "
                       "seconds", s->path);
    else
      s->tick_interval = lua_tonumber(L, -1);
  }
  lua_pop(L, 1);
  s->target = target; /* output paths stay relative to the current directory */
  return rc;
}

/* [-0,+0,m] Validates and reads the strategy table held by s->ref (protected: a table
 * whose metamethods raise cannot unwind through C). */
typedef struct read_call {
  asr_strategy_t *s;
  asr_err_t *err;
} read_call_t;

static int read_table(lua_State *L, void *ud) {
  read_call_t *rc = ud;
  lua_rawgeti(L, LUA_REGISTRYINDEX, rc->s->ref);
  check_fields(L, -1, rc->s->path, known_fields);
  return read_fields(L, rc->s, rc->err);
}

static char *base_name(const char *path) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  size_t n = strlen(b);
  if (n > 4 && strcmp(b + n - 4, ".lua") == 0) n -= 4;
  return strndup(b, n);
}

int asr_strategy_load(const char *path, asr_strategy_t **out, asr_err_t *err) {
  asr_strategy_t *s = calloc(1, sizeof *s);
  if (!s) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  s->workers = s->batch_size = s->total = s->seed = -1;
  s->auto_scaling = -1;
  s->ref = LUA_NOREF;
  s->path = strdup(path);
  int rc = 0;
  lua_State *L = s->L = asr_vm_new(0, err);
  if (!L) rc = err->code;
  if (!rc) rc = asr_vm_dofile(L, path, err);
  if (!rc && !lua_istable(L, -1)) {
    rc = asr_err_set(err, ASR_EINVAL, "%s: a strategy must return a table, it returned %s", path,
                     luaL_typename(L, -1));
  }
  if (!rc) {
    s->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    read_call_t call = {s, err};
    rc = asr_vm_protect(L, read_table, &call, err);
  }
  if (rc == ASR_ESCRIPT) rc = err->code = ASR_EINVAL; /* a strategy that fails to load is config */
  if (!rc && !s->name) s->name = base_name(path);
  if (rc) {
    asr_strategy_free(s);
    return rc;
  }
  *out = s;
  return 0;
}

void asr_strategy_free(asr_strategy_t *s) {
  if (!s) return;
  asr_vm_close(s->L);
  asr_source_spec_free(&s->source);
  free(s->path);
  free(s->name);
  free(s->target);
  free(s->profile);
  free(s);
}
