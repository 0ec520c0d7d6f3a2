#include "lua/hooks.h"

#include <cjson/cJSON.h>
#include <lauxlib.h>
#include <math.h>
#include <lua.h>

#include "lua/lconv.h"
#include "lua/vm.h"
#include "util/redact.h"

/* A hook call: the builder pushes the hook's one argument. The whole call (building the
 * argument table included) runs protected, so even a memory error comes back as a message. */
typedef struct hook_call {
  asr_strategy_t *s;
  const char *name;
  void (*build)(lua_State *L, const void *data);
  const void *data;
  asr_err_t *err;
} hook_call_t;

/* [-0,+0,m] */
static int call_hook_protected(lua_State *L, void *ud) {
  hook_call_t *hc = ud;
  lua_rawgeti(L, LUA_REGISTRYINDEX, hc->s->ref);
  if (lua_getfield(L, -1, hc->name) != LUA_TFUNCTION) return 0;
  hc->build(L, hc->data);
  return asr_vm_pcall(L, 1, 0, hc->err);
}

static int call_hook(asr_strategy_t *s, const char *name,
                     void (*build)(lua_State *, const void *), const void *data, asr_err_t *err) {
  if (!s || !s->L) return 0;
  hook_call_t hc = {s, name, build, data, err};
  int rc = asr_vm_protect(s->L, call_hook_protected, &hc, err);
  if (rc) asr_err_prefix(err, "%s failed", name);
  return rc;
}

static void set_str(lua_State *L, const char *k, const char *v) {
  if (!v) return;
  lua_pushstring(L, v);
  lua_setfield(L, -2, k);
}

static void set_int(lua_State *L, const char *k, lua_Integer v) {
  lua_pushinteger(L, v);
  lua_setfield(L, -2, k);
}

static void set_num(lua_State *L, const char *k, lua_Number v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, k);
}

static void build_start(lua_State *L, const void *data) {
  const asr_run_info_t *info = data;
  lua_createtable(L, 0, 10);
  set_str(L, "name", info->name);
  set_str(L, "source", info->source);
  if (info->target) { /* a script sees the target as the logs do: no password */
    char target[1024];
    asr_redact_uri(info->target, target, sizeof target);
    set_str(L, "target", target);
  }
  set_str(L, "profile", info->profile);
  set_int(L, "workers", info->workers);
  set_int(L, "batch_size", info->batch_size);
  set_int(L, "total", info->total);
  set_int(L, "seed", (lua_Integer)info->seed);
  lua_pushboolean(L, info->auto_scaling);
  lua_setfield(L, -2, "auto_scaling");
}

int asr_hooks_on_start(asr_strategy_t *s, const asr_run_info_t *info, asr_err_t *err) {
  return call_hook(s, "on_start", build_start, info, err);
}

/* ctx.set_workers(n) and ctx:set_workers(n) both work: a leading table argument is skipped.
 * Outside the hard limits (1..ASR_MAX_*) a call raises, auto-scaling on or off; inside them the
 * control decides (the run's keeps auto-scaling's limits and logs the value set). */
static lua_Integer count_arg(lua_State *L) {
  int i = lua_istable(L, 1) ? 2 : 1;
  return luaL_checkinteger(L, i);
}

static int l_set_workers(lua_State *L) {
  const asr_control_t *c = lua_touserdata(L, lua_upvalueindex(1));
  lua_Integer n = count_arg(L);
  if (n < 1 || n > ASR_MAX_WORKERS) return luaL_error(L, "set_workers: %d is out of 1..%d", (int)n, ASR_MAX_WORKERS);
  lua_pushboolean(L, c->set_workers(c->ud, (uint32_t)n) == 0);
  return 1;
}

static int l_set_batch_size(lua_State *L) {
  const asr_control_t *c = lua_touserdata(L, lua_upvalueindex(1));
  lua_Integer n = count_arg(L);
  if (n < 1 || n > ASR_MAX_BATCH_SIZE)
    return luaL_error(L, "set_batch_size: %d is out of 1..%d", (int)n, ASR_MAX_BATCH_SIZE);
  lua_pushboolean(L, c->set_batch_size(c->ud, (uint32_t)n) == 0);
  return 1;
}

static int l_stop(lua_State *L) {
  const asr_control_t *c = lua_touserdata(L, lua_upvalueindex(1));
  c->stop(c->ud);
  return 0;
}

static void set_control(lua_State *L, const char *k, lua_CFunction f, const asr_control_t *c) {
  lua_pushlightuserdata(L, (void *)c);
  lua_pushcclosure(L, f, 1);
  lua_setfield(L, -2, k);
}

typedef struct tick_data {
  const asr_pipeline_stats_t *st;
  double elapsed_s, docs_per_second;
  const asr_control_t *ctl;
} tick_data_t;

static void build_tick(lua_State *L, const void *data) {
  const tick_data_t *d = data;
  lua_createtable(L, 0, 12);
  set_num(L, "elapsed", d->elapsed_s);
  set_int(L, "docs_read", (lua_Integer)d->st->docs_in);
  set_int(L, "docs_written", (lua_Integer)d->st->docs_out);
  set_int(L, "docs_dropped", (lua_Integer)d->st->docs_dropped);
  set_num(L, "docs_per_second", d->docs_per_second);
  set_int(L, "workers", d->st->workers_target);
  set_int(L, "batch_size", d->st->batch_size);
  set_int(L, "queue_depth", d->st->queue_depth);
  set_control(L, "set_workers", l_set_workers, d->ctl);
  set_control(L, "set_batch_size", l_set_batch_size, d->ctl);
  set_control(L, "stop", l_stop, d->ctl);
}

int asr_hooks_on_tick(asr_strategy_t *s, const asr_pipeline_stats_t *st, double elapsed_s,
                      double docs_per_second, const asr_control_t *ctl, asr_err_t *err) {
  tick_data_t d = {st, elapsed_s, docs_per_second, ctl};
  return call_hook(s, "on_tick", build_tick, &d, err);
}

/* [-0,+1,m] A cJSON value as Lua: objects and arrays as tables (arrays marked as arrays),
 * whole numbers as integers. */
static void push_json(lua_State *L, const cJSON *v) {
  if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
    lua_createtable(L, cJSON_IsArray(v) ? cJSON_GetArraySize(v) : 0, cJSON_IsObject(v) ? 16 : 0);
    lua_Integer i = 1;
    for (const cJSON *c = v->child; c; c = c->next) {
      push_json(L, c);
      if (cJSON_IsArray(v)) lua_rawseti(L, -2, i++);
      else lua_setfield(L, -2, c->string);
    }
    if (cJSON_IsArray(v)) {
      asr_lconv_push_array_mt(L);
      lua_setmetatable(L, -2);
    }
  } else if (cJSON_IsString(v)) {
    lua_pushstring(L, v->valuestring);
  } else if (cJSON_IsBool(v)) {
    lua_pushboolean(L, cJSON_IsTrue(v));
  } else if (cJSON_IsNumber(v)) {
    double d = v->valuedouble;
    if (d == floor(d) && fabs(d) < 9e15) lua_pushinteger(L, (lua_Integer)d);
    else lua_pushnumber(L, d);
  } else {
    lua_pushnil(L);
  }
}

const void *asr_hooks_summary_key(void) {
  static const char key = 0;
  return &key;
}

/* The summary table also answers asrun.summary() from then on (lasrun.c reads it). */
static void build_finish(lua_State *L, const void *data) {
  push_json(L, data);
  lua_pushvalue(L, -1);
  lua_rawsetp(L, LUA_REGISTRYINDEX, asr_hooks_summary_key());
}

int asr_hooks_on_finish(asr_strategy_t *s, const cJSON *summary, asr_err_t *err) {
  return call_hook(s, "on_finish", build_finish, summary, err);
}
