#include "lua/strategy.h"

#include <errno.h>
#include <lauxlib.h>
#include <lua.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec/ejson_writer.h"
#include "lua/fields.h"
#include "lua/lconv.h"
#include "lua/ltemplate.h"
#include "lua/template_ops.h"
#include "lua/vm.h"
#include "template/template.h"
#include "scaler/settings.h"
#include "util/closest.h"
#include "util/file.h"
#include "util/log.h"

static const char *const known_fields[] = {
    "name", "source", "target", "transform", "workers", "batch_size", "total", "seed",
    "scaling", "on_start", "on_finish", "on_tick", "tick_interval", "description", "operators",
    "collections", "verify", "instruction_budget", "retry_for", NULL};
static const char *const source_fields[] = {"kind", "path", "template", "total", "seed", "uri",
                                            "database", "collection", "filter", "projection",
                                            "cursor_batch", NULL};
static const char *const target_fields[] = {"uri", "database", "collection", "mode", "keys",
                                            "ordered", "write_concern", "copy_indexes",
                                            "verify", "json_format", NULL};
static const char *const collection_fields[] = {"template", "total", "seed", NULL};

/* A misspelt known field ('transfrom') would leave what it names undone (a migration run
 * untransformed): within this many edits of a known name an unknown field is an error. */
static size_t typo_distance(const char *known_name) { return strlen(known_name) <= 4 ? 1 : 2; }

/* An unknown field: an error when it is a near miss of a known one, else a warning (a
 * strategy may keep its own helpers in the table). */
static int unknown_field(const char *where, const char *key, const char *const *known,
                         asr_err_t *err) {
  size_t n = 0;
  while (known[n]) n++;
  const char *best = asr_closest(key, known, n, 2);
  if (best && asr_edit_distance(key, best) <= typo_distance(best))
    return asr_err_set(err, ASR_EINVAL, "%s: unknown field '%s' (did you mean '%s'?)", where,
                       key, best);
  if (best)
    asr_log_warn("strategy.unknown_field", "%s: unknown field '%s' ignored (did you mean '%s'?)",
                 where, key, best);
  else
    asr_log_warn("strategy.unknown_field", "%s: unknown field '%s' ignored", where, key);
  return 0;
}

/* [-0,+0,-] Checks every string key of the table at idx against known: near misses are
 * errors (ASR_EINVAL), other unknown keys warnings. */
static int check_fields(lua_State *L, int idx, const char *where, const char *const *known,
                        asr_err_t *err) {
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
    if (!ok && unknown_field(where, key, known, err)) {
      lua_pop(L, 1);
      return ASR_EINVAL;
    }
  }
  return 0;
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

/* A duration field: a string ("10m") or a number of seconds, kept as text for the config
 * to parse (util/duration.h). */
static int get_duration_text(lua_State *L, const char *path, const char *field, char **out,
                             asr_err_t *err) {
  int t = lua_getfield(L, -1, field);
  int rc = 0;
  if (t == LUA_TSTRING || t == LUA_TNUMBER) {
    if (!(*out = strdup(lua_tostring(L, -1)))) rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
  } else if (t != LUA_TNIL) {
    rc = asr_err_set(err, ASR_EINVAL, "%s: field '%s' must be a duration (\"10m\") or a number "
                     "of seconds, got %s", path, field, luaL_typename(L, -1));
  }
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
  if (p[0] == '/' || strcmp(p, "-") == 0 || stat(p, &st) == 0) return strdup(p); /* -: stdin */
  const char *slash = strrchr(strategy_path, '/');
  if (!slash) return strdup(p);
  char *joined = NULL;
  if (asprintf(&joined, "%.*s/%s", (int)(slash - strategy_path), strategy_path, p) < 0) return NULL;
  if (stat(joined, &st) == 0) return joined;
  free(joined);
  return strdup(p);
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int is_lua_file(const char *s) { return ends_with(s, ".lua"); }

/* Template text given inline rather than a file name. */
static int is_json_text(const char *s) {
  s += strspn(s, " \t\r\n");
  return *s == '{';
}

/* Reads the `template` field of the table on top: inline JSON text into *json, a JSON
 * template file into *file, and *lua set for a Lua template (a table, or a ".lua" file, also
 * named in *file) that the walk (walk_templates) converts later. */
static int read_template_field(lua_State *L, const char *where, char **json, char **file,
                               int *lua, asr_err_t *err) {
  int t = lua_getfield(L, -1, "template"), rc = 0;
  const char *v = t == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
  if (v && is_json_text(v)) {
    *json = strdup(v);
  } else if (v) {
    *file = strdup(v);
    *lua = is_lua_file(v);
  } else if (t == LUA_TTABLE) {
    *lua = 1;
  } else if (t != LUA_TNIL) {
    rc = asr_err_set(err, ASR_EINVAL, "%s.template must be a template table, a file name or "
                     "JSON text, got %s", where, lua_typename(L, t));
  }
  lua_pop(L, 1);
  return rc;
}

/* A document option given as Extended JSON text or as a Lua table (converted through BSON to
 * relaxed Extended JSON, so both forms reach the source the same way). */
static int get_json(lua_State *L, const char *path, const char *field, char **out, asr_err_t *err) {
  int t = lua_getfield(L, -1, field);
  int rc = 0;
  if (t == LUA_TSTRING) {
    *out = strdup(lua_tostring(L, -1));
  } else if (t == LUA_TTABLE) {
    bson_t *doc = bson_new();
    asr_buf_t text;
    asr_buf_init(&text);
    rc = asr_lconv_to_bson(L, -1, doc, err);
    if (!rc) rc = asr_ejson_append_doc(&text, bson_get_data(doc), doc->len, err);
    if (!rc) rc = asr_buf_append(&text, "", 1);
    if (!rc) *out = (char *)text.data, text.data = NULL;
    if (rc) asr_err_prefix(err, "%s: field '%s'", path, field);
    asr_buf_free(&text);
    bson_destroy(doc);
  } else if (t != LUA_TNIL) {
    rc = asr_err_set(err, ASR_EINVAL, "%s: field '%s' must be Extended JSON text or a table, got %s",
                     path, field, lua_typename(L, t));
  }
  lua_pop(L, 1);
  return rc;
}

/* source = { kind = "mongodb", uri = ..., database, collection, filter, projection,
 * cursor_batch }: the uri is the source's path. */
static int read_mongo_source_fields(lua_State *L, asr_strategy_t *s, char **path, asr_err_t *err) {
  char *uri = NULL;
  int64_t cursor_batch = -1;
  int rc = get_string(L, s->path, "uri", &uri, err);
  if (!rc && uri) {
    free(*path);
    *path = uri;
  }
  if (!rc) rc = get_string(L, s->path, "database", &s->source.database, err);
  if (!rc) rc = get_string(L, s->path, "collection", &s->source.collection, err);
  if (!rc) rc = get_json(L, s->path, "filter", &s->source.filter, err);
  if (!rc) rc = get_json(L, s->path, "projection", &s->source.projection, err);
  if (!rc) rc = get_count(L, s->path, "cursor_batch", 1, &cursor_batch, err);
  if (!rc && cursor_batch > 0) s->source.cursor_batch = (int32_t)cursor_batch;
  return rc;
}

static void get_flag(lua_State *L, const char *field, int *out) {
  if (lua_getfield(L, -1, field) != LUA_TNIL) *out = lua_toboolean(L, -1);
  lua_pop(L, 1);
}

/* keys = "a,b" or { "a", "b" } → "a,b" */
static int get_keys(lua_State *L, const char *path, char **out, asr_err_t *err) {
  int t = lua_getfield(L, -1, "keys");
  int rc = 0;
  if (t == LUA_TSTRING) {
    *out = strdup(lua_tostring(L, -1));
  } else if (t == LUA_TTABLE) {
    asr_buf_t b;
    asr_buf_init(&b);
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    for (lua_Integer i = 1; i <= n && rc == 0; i++) {
      if (lua_rawgeti(L, -1, i) != LUA_TSTRING)
        rc = asr_err_set(err, ASR_EINVAL, "%s: target.keys[%lld] must be a string", path,
                         (long long)i);
      else if ((i > 1 && asr_buf_append(&b, ",", 1)) || asr_buf_append_str(&b, lua_tostring(L, -1)))
        rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
      lua_pop(L, 1);
    }
    if (!rc && (n == 0 || asr_buf_append(&b, "", 1)))
      rc = asr_err_set(err, ASR_EINVAL, "%s: target.keys is empty", path);
    if (!rc) *out = (char *)b.data, b.data = NULL;
    asr_buf_free(&b);
  } else if (t != LUA_TNIL) {
    rc = asr_err_set(err, ASR_EINVAL, "%s: target.keys must be a string or a list, got %s", path,
                     lua_typename(L, t));
  }
  lua_pop(L, 1);
  return rc;
}

/* target = "URI", or { uri = ..., database, collection, mode, keys, ordered, write_concern,
 * copy_indexes, verify, json_format } */
static int read_target(lua_State *L, asr_strategy_t *s, asr_err_t *err) {
  int t = lua_getfield(L, -1, "target");
  int rc = 0;
  if (t == LUA_TSTRING) {
    s->target = strdup(lua_tostring(L, -1));
  } else if (t == LUA_TTABLE) {
    char where[600];
    snprintf(where, sizeof where, "%s: target", s->path);
    rc = check_fields(L, -1, where, target_fields, err);
    if (!rc) rc = get_string(L, s->path, "uri", &s->target, err);
    if (!rc && !s->target) rc = asr_err_set(err, ASR_EINVAL, "%s: target needs a 'uri'", s->path);
    if (!rc) rc = get_string(L, s->path, "database", &s->target_database, err);
    if (!rc) rc = get_string(L, s->path, "collection", &s->target_collection, err);
    if (!rc) rc = get_string(L, s->path, "mode", &s->write_mode, err);
    if (!rc) rc = get_keys(L, s->path, &s->keys, err);
    if (!rc && lua_getfield(L, -1, "write_concern") != LUA_TNIL)
      s->write_concern = strdup(lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
    lua_pop(L, 1);
    if (!rc) rc = get_string(L, s->path, "copy_indexes", &s->copy_indexes, err);
    if (!rc) rc = get_string(L, s->path, "json_format", &s->json_format, err);
    get_flag(L, "ordered", &s->ordered);
    get_flag(L, "verify", &s->verify);
  } else if (t != LUA_TNIL) {
    rc = asr_err_set(err, ASR_EINVAL, "%s: field 'target' must be a URI string or a table, got %s",
                     s->path, lua_typename(L, t));
  }
  lua_pop(L, 1);
  return rc;
}

static int read_source_table(lua_State *L, asr_strategy_t *s, asr_err_t *err) {
  char *kind = NULL, *path = NULL, *file = NULL, where[600];
  int64_t total = -1, seed = -1;
  int lua = 0;
  snprintf(where, sizeof where, "%s: source", s->path);
  int rc = check_fields(L, -1, where, source_fields, err);
  if (!rc) rc = get_string(L, s->path, "kind", &kind, err);
  if (!rc) rc = get_string(L, s->path, "path", &path, err);
  if (!rc) rc = read_template_field(L, where, &s->source.template_json, &file, &lua, err);
  if (!rc) rc = get_count(L, s->path, "total", 0, &total, err);
  if (!rc) rc = get_count(L, s->path, "seed", 0, &seed, err);
  if (!rc) rc = read_mongo_source_fields(L, s, &path, err);
  if (!rc && total >= 0) s->total = total;
  if (!rc && seed >= 0) s->seed = seed;
  if (!rc && path && !kind && is_lua_file(path)) kind = strdup("template");
  if (!rc && kind) {
    s->source.kind = kind, kind = NULL;
    if (path)
      s->source.path = path, path = NULL;
    else
      s->source.path = file, file = NULL;
  } else if (!rc && path) {
    rc = asr_source_spec_parse(path, &s->source, err);
  } else if (!rc && (s->source.template_json || file || lua)) {
    s->source.kind = strdup("template");
    s->source.path = file, file = NULL;
  } else if (!rc) {
    rc = asr_err_set(err, ASR_EINVAL, "%s: source needs 'kind' and 'path' (or 'template')",
                     s->path);
  }
  free(kind);
  free(path);
  free(file);
  return rc;
}

static int read_source(lua_State *L, asr_strategy_t *s, asr_err_t *err) {
  int t = lua_getfield(L, -1, "source");
  int rc = 0;
  if (t == LUA_TSTRING && is_lua_file(lua_tostring(L, -1)) && !strchr(lua_tostring(L, -1), ':')) {
    s->source.kind = strdup("template"); /* a Lua template file: converted by the walk */
    s->source.path = strdup(lua_tostring(L, -1));
  } else if (t == LUA_TSTRING) {
    rc = asr_source_spec_parse(lua_tostring(L, -1), &s->source, err);
  } else if (t == LUA_TTABLE) {
    rc = read_source_table(L, s, err);
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

/* ---- operators and collections ------------------------------------------------------- */

static int is_identifier(const char *s) {
  if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_')) return 0;
  for (s++; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
          *s == '_'))
      return 0;
  return 1;
}

static int is_builtin_operator(const char *name) { return asr_template_is_operator(name); }

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Checks one entry of `operators` (key at -2, value at -1) and keeps its name. */
static int read_operator(lua_State *L, asr_strategy_t *s, asr_err_t *err) {
  if (lua_type(L, -2) != LUA_TSTRING)
    return asr_err_set(err, ASR_EINVAL, "%s: operators: a %s key (operator names are strings)",
                       s->path, luaL_typename(L, -2));
  const char *name = lua_tostring(L, -2);
  if (!is_identifier(name) || strncmp(name, ASR_LTEMPLATE_FN_PREFIX,
                                      sizeof ASR_LTEMPLATE_FN_PREFIX - 1) == 0)
    return asr_err_set(err, ASR_EINVAL, "%s: operators: '%.80s' is not a valid operator name "
                       "(letters, digits and _, not starting with a digit nor with "
                       ASR_LTEMPLATE_FN_PREFIX ")", s->path, name);
  if (lua_type(L, -1) != LUA_TFUNCTION)
    return asr_err_set(err, ASR_EINVAL, "%s: operators.%s must be a function, got %s", s->path,
                       name, luaL_typename(L, -1));
  if (is_builtin_operator(name))
    asr_log_warn("strategy.operator_shadows", "%s: operators.%s shadows the built-in operator $%s "
                 "in this strategy's templates", s->path, name, name);
  if (!(s->operator_names[s->noperators] = strdup(name)))
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  s->noperators++;
  return 0;
}

static int read_operators(lua_State *L, asr_strategy_t *s, asr_err_t *err) {
  int t = lua_getfield(L, -1, "operators"), rc = 0;
  if (t != LUA_TNIL && t != LUA_TTABLE)
    rc = asr_err_set(err, ASR_EINVAL, "%s: field 'operators' must be a table of functions, got %s",
                     s->path, lua_typename(L, t));
  size_t n = 0;
  if (t == LUA_TTABLE)
    for (lua_pushnil(L); lua_next(L, -2); lua_pop(L, 1)) n++;
  if (!rc && n && !(s->operator_names = calloc(n, sizeof *s->operator_names)))
    rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
  if (!rc && n) {
    lua_pushnil(L);
    while (!rc && lua_next(L, -2)) {
      rc = read_operator(L, s, err);
      lua_pop(L, 1);
    }
    if (rc) lua_pop(L, 1); /* the key lua_next left */
  }
  lua_pop(L, 1);
  if (!rc && s->noperators > 1)
    qsort(s->operator_names, s->noperators, sizeof *s->operator_names, cmp_names);
  return rc;
}

/* Reads collections[name] (on top) into c. */
static int read_collection(lua_State *L, asr_strategy_t *s, asr_strategy_collection_t *c,
                           asr_err_t *err) {
  char where[600];
  snprintf(where, sizeof where, "%s: collections.%s", s->path, c->name);
  if (!lua_istable(L, -1))
    return asr_err_set(err, ASR_EINVAL, "%s must be a table {template = ..., total = N}, got %s",
                       where, luaL_typename(L, -1));
  int rc = check_fields(L, -1, where, collection_fields, err);
  int lua = 0;
  if (!rc) rc = read_template_field(L, where, &c->template_json, &c->template_path, &lua, err);
  if (!rc) rc = get_count(L, where, "total", 1, &c->total, err);
  if (!rc) rc = get_count(L, where, "seed", 0, &c->seed, err);
  if (!rc && !c->template_json && !c->template_path && !lua)
    rc = asr_err_set(err, ASR_EINVAL, "%s needs a template", where);
  if (!rc && c->total < 1)
    rc = asr_err_set(err, ASR_EINVAL, "%s needs total = N (its number of documents)", where);
  if (!rc && lua) { /* converted by the walk into template_json */
    free(c->template_path);
    c->template_path = NULL;
  } else if (!rc && c->template_path) {
    char *resolved = resolve_path(s->path, c->template_path);
    free(c->template_path);
    c->template_path = resolved;
  }
  return rc;
}

static int cmp_collections(const void *a, const void *b) {
  return strcmp(((const asr_strategy_collection_t *)a)->name,
                ((const asr_strategy_collection_t *)b)->name);
}

static int read_collections(lua_State *L, asr_strategy_t *s, asr_err_t *err) {
  int t = lua_getfield(L, -1, "collections"), rc = 0;
  if (t != LUA_TNIL && t != LUA_TTABLE)
    rc = asr_err_set(err, ASR_EINVAL, "%s: field 'collections' must be a table, got %s", s->path,
                     lua_typename(L, t));
  size_t n = 0;
  if (t == LUA_TTABLE)
    for (lua_pushnil(L); lua_next(L, -2); lua_pop(L, 1)) n++;
  if (!rc && n && !(s->collections = calloc(n, sizeof *s->collections)))
    rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
  if (!rc && n) {
    lua_pushnil(L);
    while (!rc && lua_next(L, -2)) {
      asr_strategy_collection_t *c = &s->collections[s->ncollections];
      c->total = c->seed = -1;
      if (lua_type(L, -2) != LUA_TSTRING || !lua_rawlen(L, -2))
        rc = asr_err_set(err, ASR_EINVAL, "%s: collections: a %s key (collection names are "
                         "strings)", s->path, luaL_typename(L, -2));
      else if (!(c->name = strdup(lua_tostring(L, -2))))
        rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
      else
        s->ncollections++, rc = read_collection(L, s, c, err);
      lua_pop(L, 1);
    }
    if (rc) lua_pop(L, 1);
  }
  lua_pop(L, 1);
  if (!rc && s->ncollections > 1)
    qsort(s->collections, s->ncollections, sizeof *s->collections, cmp_collections);
  return rc;
}

/* ---- Lua templates ------------------------------------------------------------------- */

/* Called with each Lua template's JSON; collection NULL for the source's template. */
typedef int (*visit_fn)(void *ud, const char *collection, const char *json, size_t len,
                        asr_err_t *err);

typedef struct walk {
  lua_State *L;
  const char *spath;
  int fns;
  visit_fn visit; /* NULL: only collect the functions */
  void *ud;
  asr_err_t *err;
} walk_t;

/* [-1,+0,m] Converts the Lua template on top: a table, or the name of a file returning one. */
static int walk_one(walk_t *w, const char *collection) {
  lua_State *L = w->L;
  char origin[600];
  int rc = 0;
  if (lua_type(L, -1) == LUA_TSTRING) {
    char *file = resolve_path(w->spath, lua_tostring(L, -1));
    if (!file) return asr_err_set(w->err, ASR_ENOMEM, "out of memory");
    snprintf(origin, sizeof origin, "%s", file);
    rc = asr_vm_dofile(L, file, w->err);
    free(file);
    if (!rc && !lua_istable(L, -1))
      rc = asr_err_set(w->err, ASR_EINVAL, "%s: a Lua template file must return a table, it "
                       "returned %s", origin, luaL_typename(L, -1));
    if (rc) return rc;
    lua_replace(L, -2);
  } else if (collection) {
    snprintf(origin, sizeof origin, "%s: collections.%s.template", w->spath, collection);
  } else {
    snprintf(origin, sizeof origin, "%s: source.template", w->spath);
  }
  rc = asr_ltemplate_json(L, -1, w->fns, origin, w->err);
  if (!rc && w->visit) {
    size_t len;
    const char *json = lua_tolstring(L, -1, &len);
    rc = w->visit(w->ud, collection, json, len, w->err);
  }
  lua_pop(L, rc ? 1 : 2);
  return rc;
}

/* [-0,+0,m] Whether the value on top names a Lua template (a table or a ".lua" file). */
static int is_lua_template(lua_State *L) {
  return lua_istable(L, -1) || (lua_type(L, -1) == LUA_TSTRING && is_lua_file(lua_tostring(L, -1)));
}

static int walk_source(walk_t *w, int sidx) {
  lua_State *L = w->L;
  int t = lua_getfield(L, sidx, "source"), rc = 0;
  if (t == LUA_TSTRING) {
    const char *v = lua_tostring(L, -1);
    if (strncmp(v, "template:", 9) == 0) v += 9;
    if (is_lua_file(v) && !strchr(v, ':')) {
      lua_pushstring(L, v);
      rc = walk_one(w, NULL);
    }
  } else if (t == LUA_TTABLE) {
    lua_getfield(L, -1, "template");
    if (is_lua_template(L)) {
      rc = walk_one(w, NULL);
    } else {
      lua_pop(L, 1);
      if (lua_getfield(L, -1, "path") == LUA_TSTRING && is_lua_file(lua_tostring(L, -1)))
        rc = walk_one(w, NULL);
      else
        lua_pop(L, 1);
    }
  }
  lua_pop(L, 1);
  return rc;
}

/* [-0,+1,m] Pushes the string keys of the table on top as a sequence sorted bytewise (no
 * table.sort: its order depends on the locale). */
static void push_sorted_keys(lua_State *L) {
  int t = lua_gettop(L);
  lua_newtable(L);
  lua_Integer n = 0;
  for (lua_pushnil(L); lua_next(L, t); lua_pop(L, 1)) {
    if (lua_type(L, -2) != LUA_TSTRING) continue;
    lua_Integer i = ++n; /* insertion sort: a handful of collections */
    while (i > 1) {
      lua_rawgeti(L, t + 1, i - 1);
      int greater = strcmp(lua_tostring(L, -1), lua_tostring(L, -3)) > 0;
      if (!greater) {
        lua_pop(L, 1);
        break;
      }
      lua_rawseti(L, t + 1, i--);
    }
    lua_pushvalue(L, -2);
    lua_rawseti(L, t + 1, i);
  }
}

static int walk_collections(walk_t *w, int sidx) {
  lua_State *L = w->L;
  int rc = 0;
  if (lua_getfield(L, sidx, "collections") == LUA_TTABLE) { /* colls */
    push_sorted_keys(L);                                     /* colls names */
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    for (lua_Integer i = 1; i <= n && !rc; i++) {
      lua_rawgeti(L, -1, i); /* colls names name: keeps the name alive while in use */
      const char *name = lua_tostring(L, -1);
      lua_pushvalue(L, -1);
      if (lua_gettable(L, -4) == LUA_TTABLE) { /* colls names name entry */
        lua_getfield(L, -1, "template");
        if (is_lua_template(L)) rc = walk_one(w, name);
        else lua_pop(L, 1);
      }
      lua_pop(L, 2);
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  return rc;
}

static int walk_templates(walk_t *w, int sidx) {
  int top = lua_gettop(w->L);
  int rc = walk_source(w, sidx);
  if (!rc) rc = walk_collections(w, sidx);
  lua_settop(w->L, top);
  return rc;
}

int asr_strategy_template_functions(lua_State *L, int idx, const char *strategy_path,
                                    asr_err_t *err) {
  idx = lua_absindex(L, idx);
  lua_newtable(L);
  walk_t w = {L, strategy_path, lua_gettop(L), NULL, NULL, err};
  int rc = walk_templates(&w, idx);
  if (rc) lua_pop(L, 1);
  return rc;
}

/* visit_fn of the loader: keeps the JSON of each Lua template. */
static int keep_json(void *ud, const char *collection, const char *json, size_t len,
                     asr_err_t *err) {
  asr_strategy_t *s = ud;
  char **slot = &s->source.template_json;
  for (size_t i = 0; collection && i < s->ncollections; i++)
    if (strcmp(s->collections[i].name, collection) == 0) slot = &s->collections[i].template_json;
  free(*slot);
  if (!(*slot = strndup(json, len))) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  return 0;
}

int asr_strategy_custom_ops(const asr_strategy_t *s, asr_source_spec_t *spec, asr_err_t *err) {
  size_t n = s->noperators + s->nlua_fns;
  if (n == 0) return 0;
  if (!(spec->custom_ops = calloc(n, sizeof *spec->custom_ops)))
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  spec->custom_ops_factory = &asr_lua_template_ops_factory;
  for (; spec->ncustom < n; spec->ncustom++) {
    size_t i = spec->ncustom;
    char *name = NULL;
    if (i < s->noperators) name = strdup(s->operator_names[i]);
    else if (asprintf(&name, ASR_LTEMPLATE_FN_PREFIX "%zu", i - s->noperators + 1) < 0) name = NULL;
    if (!name) return asr_err_set(err, ASR_ENOMEM, "out of memory");
    spec->custom_ops[i] = name;
  }
  return 0;
}

/* [-0,+0,m] The numeric settings of the scaling table on top (unknown keys were warned about). */
static int read_scaling_settings(lua_State *L, asr_strategy_t *s, asr_err_t *err) {
  const char *const *keys = asr_scaling_keys();
  size_t n = 0;
  while (keys[n]) n++;
  s->scaling_keys = calloc(n, sizeof *s->scaling_keys);
  s->scaling_values = calloc(n, sizeof *s->scaling_values);
  if (!s->scaling_keys || !s->scaling_values) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    int t = lua_getfield(L, -1, keys[i]);
    int isnum = lua_isnumber(L, -1);
    double v = lua_tonumber(L, -1);
    lua_pop(L, 1);
    if (t == LUA_TNIL) continue;
    if (t != LUA_TNUMBER || !isnum)
      return asr_err_set(err, ASR_EINVAL, "%s: scaling.%s must be a number, got %s", s->path,
                         keys[i], lua_typename(L, t));
    if (!(s->scaling_keys[s->nscaling] = strdup(keys[i])))
      return asr_err_set(err, ASR_ENOMEM, "out of memory");
    s->scaling_values[s->nscaling++] = v;
  }
  return 0;
}

/* A policy or profile named by a strategy: a built-in name as it is, a .lua file found like
 * the strategy's other paths (from the current directory, else the strategy's). */
static char *scaling_file(const char *strategy_path, const char *v) {
  return asr_is_lua_file_name(v) ? resolve_path(strategy_path, v) : strdup(v);
}

/* [-0,+0,m] scaling.policy: a built-in name or a .lua file (string), or a table with decide. */
static int read_policy(lua_State *L, asr_strategy_t *s, asr_err_t *err) {
  int t = lua_getfield(L, -1, "policy");
  int rc = 0;
  if (t == LUA_TSTRING) {
    s->policy = scaling_file(s->path, lua_tostring(L, -1));
  } else if (t == LUA_TTABLE) {
    if (lua_getfield(L, -1, "decide") != LUA_TFUNCTION)
      rc = asr_err_set(err, ASR_EINVAL, "%s: scaling.policy must have a decide(snapshot, history, "
                       "state) function", s->path);
    lua_pop(L, 1);
    s->has_policy_table = rc == 0;
  } else if (t != LUA_TNIL) {
    rc = asr_err_set(err, ASR_EINVAL, "%s: scaling.policy must be a policy name, a .lua file or a "
                     "table with decide(), got %s", s->path, lua_typename(L, t));
  }
  lua_pop(L, 1);
  if (rc) return rc;
  t = lua_getfield(L, -1, "params");
  lua_pop(L, 1);
  if (t != LUA_TNIL && t != LUA_TTABLE)
    rc = asr_err_set(err, ASR_EINVAL, "%s: scaling.params must be a table, got %s", s->path,
                     lua_typename(L, t));
  return rc;
}

static int read_scaling(lua_State *L, asr_strategy_t *s, asr_err_t *err) {
  int t = lua_getfield(L, -1, "scaling");
  int rc = 0;
  if (t == LUA_TSTRING) {
    s->profile = scaling_file(s->path, lua_tostring(L, -1));
    s->auto_scaling = 1;
  } else if (t == LUA_TBOOLEAN) {
    s->auto_scaling = lua_toboolean(L, -1);
  } else if (t == LUA_TTABLE) {
    static const char *known[64] = {"profile", "enabled", "policy", "params"};
    if (!known[4])
      for (size_t i = 0; asr_scaling_keys()[i] && i < 59; i++) known[4 + i] = asr_scaling_keys()[i];
    char where[600];
    snprintf(where, sizeof where, "%s: scaling", s->path);
    rc = check_fields(L, -1, where, known, err);
    if (!rc) rc = get_string(L, s->path, "profile", &s->profile, err);
    if (rc == 0 && s->profile) {
      char *resolved = scaling_file(s->path, s->profile);
      free(s->profile);
      s->profile = resolved;
    }
    s->auto_scaling = 1; /* a scaling table turns the scaler on unless enabled = false */
    if (lua_getfield(L, -1, "enabled") != LUA_TNIL) s->auto_scaling = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (!rc) rc = read_policy(L, s, err);
    if (!rc) rc = read_scaling_settings(L, s, err);
  } else if (t != LUA_TNIL) {
    rc = asr_err_set(err, ASR_EINVAL, "%s: field 'scaling' must be a table, a profile name or a "
                     "boolean, got %s", s->path, lua_typename(L, t));
  }
  lua_pop(L, 1);
  return rc;
}

/* transform: a function, or asrun.fields{...} (its spec stays alive in the strategy's
 * state: a registry reference holds it, whatever the strategy table becomes). */
static int read_transform(lua_State *L, asr_strategy_t *s, asr_err_t *err) {
  lua_getfield(L, -1, "transform");
  const asr_fields_t *f = asr_lua_fields_get(L, -1);
  if (!f) {
    int t = lua_type(L, -1);
    lua_pop(L, 1);
    s->has_transform = s->has_lua_transform = t == LUA_TFUNCTION;
    if (t != LUA_TNIL && t != LUA_TFUNCTION)
      return asr_err_set(err, ASR_EINVAL, "%s: field 'transform' must be a function or "
                         "asrun.fields{...}, got %s", s->path, lua_typename(L, t));
    return 0;
  }
  s->fields = f;
  s->has_transform = 1;
  asr_lua_fields_push_after(L, -1);
  s->has_lua_transform = lua_isfunction(L, -1);
  lua_pop(L, 1);
  luaL_ref(L, LUA_REGISTRYINDEX); /* the spec lives as long as the state */
  return 0;
}

static int read_fields(lua_State *L, asr_strategy_t *s, asr_err_t *err) {
  int rc = get_string(L, s->path, "name", &s->name, err);
  if (!rc) rc = read_target(L, s, err);
  get_flag(L, "verify", &s->verify);
  if (!rc) rc = read_source(L, s, err);
  if (!rc) rc = get_count(L, s->path, "workers", 1, &s->workers, err);
  if (!rc) rc = get_count(L, s->path, "batch_size", 1, &s->batch_size, err);
  if (!rc) rc = get_count(L, s->path, "total", 0, &s->total, err);
  if (!rc) rc = get_count(L, s->path, "seed", 0, &s->seed, err);
  if (!rc) rc = get_count(L, s->path, "instruction_budget", 0, &s->instruction_budget, err);
  if (!rc) rc = get_duration_text(L, s->path, "retry_for", &s->retry_for, err);
  if (!rc) rc = read_scaling(L, s, err);
  if (!rc) rc = read_transform(L, s, err);
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
  if (!rc) rc = read_operators(L, s, err);
  if (!rc) rc = read_collections(L, s, err);
  return rc; /* output paths stay relative to the current directory */
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
  int r = check_fields(L, -1, rc->s->path, known_fields, rc->err);
  if (!r) r = read_fields(L, rc->s, rc->err);
  if (r) return r;
  lua_newtable(L); /* the functions of the Lua templates, numbered as workers will find them */
  walk_t w = {L, rc->s->path, lua_gettop(L), keep_json, rc->s, rc->err};
  if ((r = walk_templates(&w, lua_gettop(L) - 1))) return r;
  rc->s->nlua_fns = (size_t)lua_rawlen(L, -1);
  return 0;
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
  s->workers = s->batch_size = s->total = s->seed = s->instruction_budget = -1;
  s->ordered = s->verify = -1;
  s->auto_scaling = -1;
  s->ref = LUA_NOREF;
  s->path = strdup(path);
  int rc = 0;
  lua_State *L = s->L = asr_vm_new(0, err);
  if (!L) rc = err->code;
  if (!rc && access(path, R_OK) != 0)
    rc = asr_err_set(err, ASR_EINVAL, "cannot open strategy %s: %s", path, strerror(errno));
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
  free(s->target_database);
  free(s->target_collection);
  free(s->write_mode);
  free(s->keys);
  free(s->write_concern);
  free(s->retry_for);
  free(s->copy_indexes);
  free(s->json_format);
  free(s->profile);
  for (size_t i = 0; i < s->noperators; i++) free(s->operator_names[i]);
  free(s->operator_names);
  for (size_t i = 0; i < s->ncollections; i++) {
    free(s->collections[i].name);
    free(s->collections[i].template_path);
    free(s->collections[i].template_json);
  }
  free(s->collections);
  for (size_t i = 0; i < s->nscaling; i++) free(s->scaling_keys[i]);
  free(s->scaling_keys);
  free(s->scaling_values);
  free(s->policy);
  free(s);
}
