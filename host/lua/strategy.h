/* A strategy file: a Lua chunk that returns a table of settings and hooks. Loaded on the main
 * thread into the host's Lua state (the hooks stay there, held by reference); each worker
 * evaluates the file again in its own state for `transform` (see lua/transform.c), so a
 * strategy's top level should only define things. */
#ifndef ASR_LUA_STRATEGY_H
#define ASR_LUA_STRATEGY_H

#include <stdint.h>

#include "sources/source.h"
#include "core/error.h"

struct lua_State;
struct asr_fields;

/* A collection declared for $ref: `collections = { name = { template = ..., total = N,
 * seed = N } }`. Exactly one of template_path (a JSON template file) and template_json (inline
 * JSON text, or a Lua template converted) is set; the runtime compiles it. */
typedef struct asr_strategy_collection {
  char *name;
  char *template_path;
  char *template_json;
  int64_t total; /* >= 1 */
  int64_t seed;  /* -1: not set */
} asr_strategy_collection_t;

typedef struct asr_strategy {
  char *path;
  char *name;             /* `name`, else the file's base name without .lua */
  asr_source_spec_t source; /* source.kind is NULL when the strategy names none */
  char *target;           /* NULL: not set */
  int64_t workers, batch_size, total, seed; /* -1: not set */
  int64_t instruction_budget; /* per call into Lua; -1: not set, 0: no limit */
  char *retry_for;        /* `retry_for` as written ("10m", or seconds); NULL: not set */
  char *profile;          /* scaling.profile or scaling = "name"; NULL: not set */
  int auto_scaling;       /* scaling.enabled: -1 not set, 0, 1 */
  double tick_interval;   /* seconds between on_tick calls; 0: not set */
  /* scaling = { profile, enabled, policy, params, <setting> = number, ... } */
  char **scaling_keys;    /* settings (scaler/settings.h) in the order found */
  double *scaling_values;
  size_t nscaling;
  char *policy;           /* scaling.policy as a built-in name or a .lua path; NULL: unset */
  int has_policy_table;   /* scaling.policy is a table with decide(); stays in L */
  int has_transform, has_on_start, has_on_finish, has_on_tick;
  /* transform = asrun.fields{...} (lua/fields.h): its spec, held in L (NULL: a function or
   * none); has_lua_transform: Lua runs per document (a function, or the spec's after) */
  const struct asr_fields *fields;
  int has_lua_transform;
  /* MongoDB target settings (target = { uri = ..., database = ..., ... }) */
  char *target_database, *target_collection, *write_mode, *keys, *write_concern;
  char *copy_indexes;
  char *json_format;      /* target.json_format: "relaxed" | "canonical" (checked by the config);
                           * NULL: not set */
  int ordered, verify;    /* -1: not set */
  char **operator_names;  /* `operators = { name = function }`, sorted by name */
  size_t noperators;
  size_t nlua_fns;        /* functions found in the Lua templates: "__lua_fn_1".. */
  asr_strategy_collection_t *collections; /* sorted by name */
  size_t ncollections;
  struct lua_State *L;    /* owns the hooks; NULL for a strategy-less run */
  int ref;                /* registry reference to the strategy table */
} asr_strategy_t;

/* Loads and validates a strategy file. Unknown fields are warned about by name; wrong types
 * are ASR_EINVAL. Relative paths inside the strategy are taken from the current directory,
 * or from the strategy's directory when they do not exist there. */
int asr_strategy_load(const char *path, asr_strategy_t **out, asr_err_t *err);
void asr_strategy_free(asr_strategy_t *s);

/* Sets spec's custom operators from the strategy: the Lua factory, then custom_ops = the
 * operator names followed by "__lua_fn_1".."__lua_fn_<nlua_fns>" (every template of the run is
 * compiled with this one list, so op ids agree). Nothing when the strategy has none. 0 or
 * ASR_ENOMEM. */
int asr_strategy_custom_ops(const asr_strategy_t *s, asr_source_spec_t *spec, asr_err_t *err);

/* [-0,+1,m] Lua templates in a strategy are `source.template` (a table, or a ".lua" file that
 * returns one), a ".lua" source path, and each `collections.NAME.template` likewise. Walks
 * them in that order (collections by name) as the loader does, on the strategy table at idx
 * evaluated in L, and pushes the list of the functions found ("$__lua_fn_K" is item K).
 * Returns 0, or ASR_EINVAL / ASR_ESCRIPT (a template file fails) with nothing pushed. */
int asr_strategy_template_functions(struct lua_State *L, int idx, const char *strategy_path,
                                    asr_err_t *err);

#endif
