/* Scenario files (see scenario.h). Each table's keys are described once (name, offset, kind);
 * a table is checked for unknown keys first, then its keys are read in the order of the
 * description, so the first error reported does not depend on Lua's table order. Phases are
 * cumulative: each starts from the one before it. */
#include "lua/scenario.h"

#include <dirent.h>
#include <lauxlib.h>
#include <lua.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lua/vm.h"
#include "util/closest.h"
#include "util/data_dir.h"
#include "util/file.h"

#define SCENARIO_MEMORY_LIMIT (64u << 20)
#define PATH_MAX_KEY 96 /* "phases[31].client.memory_per_doc_factor" fits */

const char *asr_scenario_dir(void) { return asr_data_dir(ASR_DATA_SCENARIOS); }

/* ---- key descriptions ------------------------------------------------------------------ */

typedef enum {
  K_REAL,      /* double >= 0 */
  K_POSITIVE,  /* double > 0 */
  K_FRACTION,  /* double in [0, 1] */
  K_WHOLE_D,   /* whole number 0..UINT32_MAX into a double */
  K_U32,       /* whole number 0..UINT32_MAX */
  K_COUNT,     /* whole number 1..UINT32_MAX */
  K_SEED,      /* whole number >= 0 into a uint64_t */
  K_BOOL,      /* true or false into an int */
  K_NAME,      /* string of 1..63 characters */
  K_TEXT,      /* string of at most 255 characters */
  K_TABLE,     /* a nested table, read by its own code */
} kind_t;

static const char *const kind_wants[] = {
    [K_REAL] = "a number >= 0",
    [K_POSITIVE] = "a number > 0",
    [K_FRACTION] = "a number from 0 to 1",
    [K_WHOLE_D] = "a whole number from 0 to 4294967295",
    [K_U32] = "a whole number from 0 to 4294967295",
    [K_COUNT] = "a whole number from 1 to 4294967295",
    [K_SEED] = "a whole number >= 0",
    [K_BOOL] = "true or false",
    [K_NAME] = "a string of 1 to 63 characters",
    [K_TEXT] = "a string of at most 255 characters",
    [K_TABLE] = "a table",
};

typedef struct field {
  const char *name;
  size_t offset;
  kind_t kind;
} field_t;

#define DB(f) {#f, offsetof(asr_simdb_db_t, f)
static const field_t db_fields[] = {
    DB(latency_ms), K_REAL},   DB(per_doc_us), K_REAL},     DB(per_kb_us), K_REAL},
    DB(sigma), K_FRACTION},    DB(kappa), K_REAL},          DB(ru_per_second), K_REAL},
    DB(ru_per_doc), K_REAL},   DB(ru_per_kb), K_REAL},      DB(retry_after_ms), K_WHOLE_D},
    DB(noise), K_REAL},        DB(error_rate), K_FRACTION}, DB(transient_error_rate), K_FRACTION},
    DB(throttle_above), K_U32}, DB(shares_client_cpu), K_BOOL}, DB(cpu_us_per_doc), K_REAL},
};
#undef DB

#define CLIENT(f) {#f, offsetof(asr_simdb_client_t, f)
static const field_t client_fields[] = {
    CLIENT(cores), K_POSITIVE},          CLIENT(per_doc_cpu_us), K_REAL},
    CLIENT(memory_mb), K_POSITIVE},      CLIENT(base_memory_mb), K_REAL},
    CLIENT(memory_per_doc_factor), K_REAL},
};
#undef CLIENT

static const field_t start_fields[] = {
    {"workers", offsetof(asr_scenario_t, start_workers), K_COUNT},
    {"batch_size", offsetof(asr_scenario_t, start_batch_size), K_COUNT},
};

/* The top level; db, client, start and phases are read by their own code. */
static const field_t top_fields[] = {
    {"name", offsetof(asr_scenario_t, name), K_NAME},
    {"description", offsetof(asr_scenario_t, description), K_TEXT},
    {"duration_s", offsetof(asr_scenario_t, duration_s), K_POSITIVE},
    {"seed", offsetof(asr_scenario_t, seed), K_SEED},
    {"doc_bytes", offsetof(asr_scenario_t, phases[0].doc_bytes), K_POSITIVE},
    {"db", 0, K_TABLE},
    {"client", 0, K_TABLE},
    {"start", 0, K_TABLE},
    {"phases", 0, K_TABLE},
};

/* A phase; at_s is read first and checked against its neighbours. */
static const field_t phase_fields[] = {
    {"at_s", offsetof(asr_simdb_phase_t, at_s), K_REAL},
    {"doc_bytes", offsetof(asr_simdb_phase_t, doc_bytes), K_POSITIVE},
    {"db", 0, K_TABLE},
    {"client", 0, K_TABLE},
};

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

typedef struct load_ctx {
  lua_State *L;
  const char *path;
  asr_err_t *err;
} load_ctx_t;

/* ---- checks -------------------------------------------------------------------------- */

/* "db.latency_ms" from "db" and "latency_ms" ("" prefix: just the key). A user's unknown
 * key may be long: it is cut to 50 bytes in messages (the prefix is ours, under 40). */
static void key_path(char *out, const char *prefix, const char *key) {
  snprintf(out, PATH_MAX_KEY, "%.40s%s%.50s", prefix, *prefix ? "." : "", key);
}

/* What the value on top of the stack is, for messages: a number itself, anything else its
 * type ("string", "table", ...). */
static void describe_value(lua_State *L, char *out, size_t size) {
  if (lua_isinteger(L, -1)) snprintf(out, size, "%lld", (long long)lua_tointeger(L, -1));
  else if (lua_type(L, -1) == LUA_TNUMBER) snprintf(out, size, "%g", lua_tonumber(L, -1));
  else snprintf(out, size, "%s", luaL_typename(L, -1));
}

static int wrong(load_ctx_t *c, const char *path, const char *wants) {
  char got[64];
  describe_value(c->L, got, sizeof got);
  return asr_err_set(c->err, ASR_EINVAL, "%s: %s must be %s, got %s", c->path, path, wants, got);
}

/* The table on top of the stack has only keys among fields; else an error naming the first
 * unknown one (with the closest known name, or the list). */
static int check_keys(load_ctx_t *c, const char *prefix, const field_t *fields, size_t n) {
  lua_State *L = c->L;
  const char *names[16];
  if (n > sizeof names / sizeof names[0]) n = sizeof names / sizeof names[0];
  for (size_t i = 0; i < n; i++) names[i] = fields[i].name;
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) {
      char got[64];
      describe_value(L, got, sizeof got);
      lua_pop(L, 1);
      return asr_err_set(c->err, ASR_EINVAL, "%s: %s%shas a key that is not a name (%s)",
                         c->path, prefix, *prefix ? " " : "the scenario ", got);
    }
    const char *key = lua_tostring(L, -1);
    size_t i = 0;
    while (i < n && strcmp(names[i], key) != 0) i++;
    if (i < n) continue;
    char path[PATH_MAX_KEY], known[512] = "";
    key_path(path, prefix, key);
    const char *near = asr_closest(key, names, n, 3);
    for (size_t k = 0; k < n; k++)
      snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", k ? ", " : "",
               names[k]);
    int rc = near ? asr_err_set(c->err, ASR_EINVAL, "%s: unknown key %s (did you mean %s?)",
                                c->path, path, near)
                  : asr_err_set(c->err, ASR_EINVAL, "%s: unknown key %s (known: %s)", c->path,
                                path, known);
    lua_pop(L, 1);
    return rc;
  }
  return 0;
}

/* A number of the kind from the value on top of the stack, or an error. */
static int number_of(load_ctx_t *c, const char *path, kind_t kind, double *out) {
  lua_State *L = c->L;
  if (lua_type(L, -1) != LUA_TNUMBER) return wrong(c, path, kind_wants[kind]);
  double v = lua_tonumber(L, -1);
  int ok = isfinite(v) && v >= 0;
  if (kind == K_POSITIVE) ok = ok && v > 0;
  if (kind == K_FRACTION) ok = ok && v <= 1;
  if (kind == K_WHOLE_D || kind == K_U32 || kind == K_COUNT)
    ok = ok && v == floor(v) && v <= UINT32_MAX && (kind != K_COUNT || v >= 1);
  if (kind == K_SEED) ok = ok && v == floor(v) && v < 18446744073709551616.0;
  if (!ok) return wrong(c, path, kind_wants[kind]);
  *out = v;
  return 0;
}

static int string_of(load_ctx_t *c, const char *path, kind_t kind, char *out, size_t size) {
  lua_State *L = c->L;
  size_t len;
  if (lua_type(L, -1) != LUA_TSTRING) return wrong(c, path, kind_wants[kind]);
  const char *s = lua_tolstring(L, -1, &len);
  if (len >= size || (kind == K_NAME && len == 0))
    return asr_err_set(c->err, ASR_EINVAL, "%s: %s must be %s, got %zu characters", c->path,
                       path, kind_wants[kind], len);
  memcpy(out, s, len + 1);
  return 0;
}

/* Stores the value on top of the stack into base + f->offset. */
static int store(load_ctx_t *c, const char *path, const field_t *f, void *base) {
  char *field = (char *)base + f->offset;
  double v;
  int rc = 0;
  switch (f->kind) {
  case K_BOOL:
    if (lua_type(c->L, -1) != LUA_TBOOLEAN) return wrong(c, path, kind_wants[f->kind]);
    *(int *)field = lua_toboolean(c->L, -1);
    return 0;
  case K_NAME:
    return string_of(c, path, f->kind, field, sizeof((asr_scenario_t *)0)->name);
  case K_TEXT:
    return string_of(c, path, f->kind, field, sizeof((asr_scenario_t *)0)->description);
  case K_SEED:
    if (lua_isinteger(c->L, -1) && lua_tointeger(c->L, -1) >= 0) {
      *(uint64_t *)field = (uint64_t)lua_tointeger(c->L, -1);
      return 0;
    }
    if ((rc = number_of(c, path, f->kind, &v))) return rc;
    *(uint64_t *)field = (uint64_t)v;
    return 0;
  case K_U32:
  case K_COUNT:
    if ((rc = number_of(c, path, f->kind, &v))) return rc;
    *(uint32_t *)field = (uint32_t)v;
    return 0;
  default:
    if ((rc = number_of(c, path, f->kind, &v))) return rc;
    *(double *)field = v;
    return 0;
  }
}

/* Pushes t[key] of the table on top of the stack; 0 (nothing pushed) when it is nil. */
static int get_field(lua_State *L, const char *key) {
  if (lua_getfield(L, -1, key) != LUA_TNIL) return 1;
  lua_pop(L, 1);
  return 0;
}

/* Reads the scalar fields of the table on top of the stack into base (tables skipped). */
static int read_fields(load_ctx_t *c, const char *prefix, const field_t *fields, size_t n,
                       void *base) {
  int rc = check_keys(c, prefix, fields, n);
  for (size_t i = 0; i < n && !rc; i++) {
    if (fields[i].kind == K_TABLE || !get_field(c->L, fields[i].name)) continue;
    char path[PATH_MAX_KEY];
    key_path(path, prefix, fields[i].name);
    rc = store(c, path, &fields[i], base);
    lua_pop(c->L, 1);
  }
  return rc;
}

/* Reads t[key] (a table of fields, when present) of the table on top of the stack. */
static int read_section(load_ctx_t *c, const char *prefix, const char *key,
                        const field_t *fields, size_t n, void *base) {
  if (!get_field(c->L, key)) return 0;
  char path[PATH_MAX_KEY];
  key_path(path, prefix, key);
  int rc = lua_istable(c->L, -1) ? read_fields(c, path, fields, n, base)
                                 : wrong(c, path, kind_wants[K_TABLE]);
  lua_pop(c->L, 1);
  return rc;
}

/* ---- phases -------------------------------------------------------------------------- */

/* phases[i] (on top of the stack) on a copy of the phase before it. */
static int read_phase(load_ctx_t *c, asr_scenario_t *sc, uint32_t i) {
  char prefix[32], path[PATH_MAX_KEY];
  snprintf(prefix, sizeof prefix, "phases[%u]", i);
  if (!lua_istable(c->L, -1)) return wrong(c, prefix, kind_wants[K_TABLE]);
  asr_simdb_phase_t *p = &sc->phases[i];
  *p = sc->phases[i - 1];
  p->at_s = -1;
  int rc = read_fields(c, prefix, phase_fields, NFIELDS(phase_fields), p);
  if (!rc) rc = read_section(c, prefix, "db", db_fields, NFIELDS(db_fields), &p->db);
  if (!rc)
    rc = read_section(c, prefix, "client", client_fields, NFIELDS(client_fields), &p->client);
  if (rc) return rc;
  key_path(path, prefix, "at_s");
  if (p->at_s < 0)
    return asr_err_set(c->err, ASR_EINVAL, "%s: %s is missing (seconds from the start)",
                       c->path, path);
  if (i > 1 && p->at_s <= sc->phases[i - 1].at_s)
    return asr_err_set(c->err, ASR_EINVAL, "%s: %s must be after phases[%u].at_s (%g), got %g",
                       c->path, path, i - 1, sc->phases[i - 1].at_s, p->at_s);
  if (p->at_s <= 0 || p->at_s >= sc->duration_s)
    return asr_err_set(c->err, ASR_EINVAL,
                       "%s: %s must be within the run (> 0 and < duration_s %g), got %g",
                       c->path, path, sc->duration_s, p->at_s);
  return 0;
}

/* phases (on top of the stack): a list of tables, phases[1] the first change. */
static int read_phases(load_ctx_t *c, asr_scenario_t *sc) {
  lua_State *L = c->L;
  if (!lua_istable(L, -1)) return wrong(c, "phases", "a list of tables");
  lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
  lua_pushnil(L);
  while (lua_next(L, -2)) { /* only the keys 1..n */
    lua_pop(L, 1);
    int listed = lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1 && lua_tointeger(L, -1) <= n;
    if (!listed) {
      char got[80];
      if (lua_type(L, -1) == LUA_TSTRING) snprintf(got, sizeof got, "'%.60s'", lua_tostring(L, -1));
      else describe_value(L, got, sizeof got);
      lua_pop(L, 1);
      return asr_err_set(c->err, ASR_EINVAL, "%s: phases must be a list of tables, got key %s",
                         c->path, got);
    }
  }
  if (n > ASR_SCENARIO_MAX_PHASES - 1)
    return asr_err_set(c->err, ASR_EINVAL, "%s: phases has %lld entries, at most %d", c->path,
                       (long long)n, ASR_SCENARIO_MAX_PHASES - 1);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, -1, i);
    int rc = read_phase(c, sc, (uint32_t)i);
    lua_pop(L, 1);
    if (rc) return rc;
    sc->nphases = (uint32_t)i + 1;
  }
  return 0;
}

/* ---- the file ------------------------------------------------------------------------ */

/* The scenario table on top of the stack into sc (on the defaults). */
static int read_scenario(load_ctx_t *c, asr_scenario_t *sc) {
  lua_State *L = c->L;
  if (!lua_istable(L, -1))
    return wrong(c, "the file", "a scenario table");
  int rc = read_fields(c, "", top_fields, NFIELDS(top_fields), sc);
  asr_simdb_phase_t *base = &sc->phases[0];
  if (!rc) rc = read_section(c, "", "db", db_fields, NFIELDS(db_fields), &base->db);
  if (!rc)
    rc = read_section(c, "", "client", client_fields, NFIELDS(client_fields), &base->client);
  if (!rc) rc = read_section(c, "", "start", start_fields, NFIELDS(start_fields), sc);
  if (!rc && get_field(L, "phases")) {
    rc = read_phases(c, sc);
    lua_pop(L, 1);
  }
  return rc;
}

/* "dir/ru_bound.lua" -> "ru_bound" */
static void name_from_path(const char *path, char *out, size_t size) {
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  size_t len = strlen(base);
  if (len > 4 && strcmp(base + len - 4, ".lua") == 0) len -= 4;
  snprintf(out, size, "%.*s", (int)len, base);
}

static int unknown_scenario(const char *name, asr_err_t *err) {
  const char *dir = asr_scenario_dir();
  if (access(dir, R_OK | X_OK) != 0)
    return asr_err_set(err, ASR_EINVAL, "unknown scenario '%s': the scenarios directory %s "
                       "is missing (is asrun installed? %s can name the right one)", name, dir,
                       asr_data_dir_env(ASR_DATA_SCENARIOS));
  char list[512] = "";
  char **names = asr_scenario_names();
  for (char **n = names; n && *n; n++)
    snprintf(list + strlen(list), sizeof list - strlen(list), "%s, ", *n);
  asr_scenario_names_free(names);
  return asr_err_set(err, ASR_EINVAL, "unknown scenario '%s' (%sor a path to a scenario .lua "
                     "file)", name, list);
}

int asr_scenario_load(const char *name_or_path, asr_scenario_t *out, asr_err_t *err) {
  char path[1024];
  int is_path = asr_is_lua_file_name(name_or_path);
  if (is_path) snprintf(path, sizeof path, "%s", name_or_path);
  else snprintf(path, sizeof path, "%s/%s.lua", asr_scenario_dir(), name_or_path);
  if (access(path, R_OK) != 0)
    return is_path ? asr_err_set(err, ASR_EINVAL, "scenario file %s cannot be read", path)
                   : unknown_scenario(name_or_path, err);
  asr_scenario_defaults(out);
  name_from_path(path, out->name, sizeof out->name);
  lua_State *L = asr_vm_new(SCENARIO_MEMORY_LIMIT, err);
  if (!L) return err->code ? err->code : ASR_ENOMEM;
  load_ctx_t c = {L, path, err};
  int rc = asr_vm_dofile(L, path, err);
  if (rc == ASR_ESCRIPT) rc = err->code = ASR_EINVAL; /* a scenario that fails to load is config */
  if (rc == 0) rc = read_scenario(&c, out);
  asr_vm_close(L);
  return rc;
}

int asr_scenario_loader(void *ud, const char *name_or_path, asr_scenario_t *out,
                        asr_err_t *err) {
  (void)ud;
  return asr_scenario_load(name_or_path, out, err);
}

/* ---- the shipped ones ---------------------------------------------------------------- */

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

char **asr_scenario_names(void) {
  size_t n = 0, cap = 16;
  char **names = calloc(cap + 1, sizeof *names);
  DIR *d = names ? opendir(asr_scenario_dir()) : NULL;
  struct dirent *e;
  while (d && (e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (len <= 4 || strcmp(e->d_name + len - 4, ".lua") != 0 || e->d_name[0] == '.') continue;
    if (n == cap) {
      char **more = realloc(names, (2 * cap + 1) * sizeof *names);
      if (!more) break;
      names = more;
      cap *= 2;
    }
    if (!(names[n] = strndup(e->d_name, len - 4))) break;
    names[++n] = NULL;
  }
  if (d) closedir(d);
  if (names) qsort(names, n, sizeof *names, by_name);
  return names;
}

void asr_scenario_names_free(char **names) {
  for (char **n = names; n && *n; n++) free(*n);
  free(names);
}
