/* A strategy file: a Lua chunk that returns a table of settings and hooks. Loaded on the main
 * thread into the host's Lua state (the hooks stay there, held by reference); each worker
 * evaluates the file again in its own state for `transform` (see lua/transform.c), so a
 * strategy's top level should only define things. */
#ifndef ASR_LUA_STRATEGY_H
#define ASR_LUA_STRATEGY_H

#include <stdint.h>

#include "sources/source.h"
#include "util/error.h"

struct lua_State;

typedef struct asr_strategy {
  char *path;
  char *name;             /* `name`, else the file's base name without .lua */
  asr_source_spec_t source; /* source.kind is NULL when the strategy names none */
  char *target;           /* NULL: not set */
  int64_t workers, batch_size, total, seed; /* -1: not set */
  char *profile;          /* scaling.profile or scaling = "name"; NULL: not set */
  int auto_scaling;       /* scaling.enabled: -1 not set, 0, 1 */
  double tick_interval;   /* seconds between on_tick calls; 0: not set */
  int has_transform, has_on_start, has_on_finish, has_on_tick;
  /* MongoDB target settings (target = { uri = ..., database = ..., ... }) */
  char *target_database, *target_collection, *write_mode, *keys, *write_concern;
  char *copy_indexes;
  int ordered, verify;    /* -1: not set */
  struct lua_State *L;    /* owns the hooks; NULL for a strategy-less run */
  int ref;                /* registry reference to the strategy table */
} asr_strategy_t;

/* Loads and validates a strategy file. Unknown fields are warned about by name; wrong types
 * are ASR_EINVAL. Relative paths inside the strategy are taken from the current directory,
 * or from the strategy's directory when they do not exist there. */
int asr_strategy_load(const char *path, asr_strategy_t **out, asr_err_t *err);
void asr_strategy_free(asr_strategy_t *s);

#endif
