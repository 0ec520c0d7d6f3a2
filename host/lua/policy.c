#include "lua/policy.h"

#include <lauxlib.h>
#include <lua.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua/profile.h"
#include "lua/vm.h"
#include "util/file.h"

typedef struct lua_policy {
  asr_policy_t base; /* first: the controller holds the base pointer */
  lua_State *L;
  int owns_L;        /* no strategy: a state of our own */
  int policy_ref;    /* the policy table */
  int state_ref;     /* state: config, params, and whatever the policy keeps */
  int history_ref;   /* array of the last `history` snapshots, oldest first */
  int history_len, history_max;
  int budget;
  char name[256];
  const asr_scaling_settings_t *settings;
} lua_policy_t;

/* ---- loading ---- */

/* [-0,+1,e] require("asrun.policies") */
static void push_policies_module(lua_State *L) {
  lua_getglobal(L, "require");
  lua_pushliteral(L, "asrun.policies");
  lua_call(L, 1, 1);
}

typedef struct load_ctx {
  lua_policy_t *p;
  const char *name;          /* NULL: the strategy's scaling.policy table */
  asr_strategy_t *strategy;
  asr_err_t *err;
} load_ctx_t;

/* [-0,+1,e] Pushes the strategy's scaling[field], or nil. */
static void push_scaling_field(lua_State *L, asr_strategy_t *st, const char *field) {
  if (!st || !st->L) {
    lua_pushnil(L);
    return;
  }
  lua_rawgeti(L, LUA_REGISTRYINDEX, st->ref);
  if (lua_getfield(L, -1, "scaling") == LUA_TTABLE) lua_getfield(L, -1, field);
  else lua_pushnil(L);
  lua_replace(L, -3);
  lua_pop(L, 1);
}

/* [-0,+1,e] The policy table, from a built-in name, a file or the strategy. */
static int push_policy_table(lua_State *L, load_ctx_t *c) {
  if (!c->name) {
    push_scaling_field(L, c->strategy, "policy");
  } else if (asr_is_lua_file_name(c->name)) {
    int rc = asr_vm_dofile(L, c->name, c->err);
    if (rc) return rc;
  } else {
    push_policies_module(L);
    lua_getfield(L, -1, "get");
    lua_pushstring(L, c->name);
    lua_call(L, 1, 1); /* raises "unknown policy 'x' (rules, aimd, gradient, usl, ...)" */
    lua_remove(L, -2);
  }
  if (!lua_istable(L, -1))
    return asr_err_set(c->err, ASR_EINVAL, "policy %s must be a table with decide(), got %s",
                       c->p->name, luaL_typename(L, -1));
  if (lua_getfield(L, -1, "decide") != LUA_TFUNCTION)
    return asr_err_set(c->err, ASR_EINVAL, "policy %s has no decide(snapshot, history, state) "
                       "function", c->p->name);
  lua_pop(L, 1);
  return 0;
}

/* [-0,+0,e] Builds the state table: config and the policy's params merged with the
 * strategy's scaling.params (policies.params raises on an unknown parameter). */
static int make_state(lua_State *L, load_ctx_t *c, int with_overrides) {
  int policy = lua_gettop(L);
  lua_createtable(L, 0, 4);
  asr_profile_push(L, c->p->settings); /* state.config, read-only by convention */
  lua_setfield(L, -2, "config");
  push_policies_module(L);
  lua_getfield(L, -1, "params");
  lua_remove(L, -2);
  lua_pushvalue(L, policy);
  if (with_overrides) push_scaling_field(L, c->strategy, "params");
  else lua_pushnil(L);
  lua_call(L, 2, 1);
  lua_setfield(L, -2, "params");
  c->p->state_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  c->p->policy_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  return 0;
}

static int load_protected(lua_State *L, void *ud) {
  load_ctx_t *c = ud;
  int rc = push_policy_table(L, c);
  if (rc) return rc;
  rc = make_state(L, c, 1);
  if (rc) return rc;
  if (c->p->history_ref == LUA_NOREF) {
    lua_newtable(L);
    c->p->history_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  }
  return 0;
}

static void unref_policy(lua_policy_t *p) {
  luaL_unref(p->L, LUA_REGISTRYINDEX, p->policy_ref);
  luaL_unref(p->L, LUA_REGISTRYINDEX, p->state_ref);
  p->policy_ref = p->state_ref = LUA_NOREF;
}

static int load(lua_policy_t *p, const char *name, asr_strategy_t *st, asr_err_t *err) {
  snprintf(p->name, sizeof p->name, "%s", name ? name : "(strategy's scaling.policy)");
  load_ctx_t c = {p, name, st, err};
  int rc = asr_vm_protect(p->L, load_protected, &c, err);
  if (rc == ASR_ESCRIPT) {
    err->code = rc = ASR_EINVAL; /* a policy that cannot load is configuration: no traceback */
    char *tb = strstr(err->msg, "\nstack traceback:");
    if (tb) *tb = '\0';
  }
  return rc;
}

static const asr_policy_vt_t lua_policy_vt;
static void policy_close(asr_policy_t *base);

int asr_lua_policy_open(const asr_policy_spec_t *spec, asr_policy_t **out, asr_err_t *err) {
  *out = NULL;
  lua_policy_t *p = calloc(1, sizeof *p);
  if (!p) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  p->base.vt = &lua_policy_vt;
  p->settings = spec->settings;
  p->budget = spec->budget > 0 ? spec->budget : ASR_POLICY_BUDGET;
  p->history_max = spec->settings->history > 0 ? (int)spec->settings->history
                                                : ASR_SCALING_DEFAULT_HISTORY;
  p->policy_ref = p->state_ref = p->history_ref = LUA_NOREF;
  if (spec->strategy && spec->strategy->L) {
    p->L = spec->strategy->L;
  } else if (!(p->L = asr_vm_new(0, err))) {
    free(p);
    return err->code ? err->code : ASR_ENOMEM;
  } else {
    p->owns_L = 1;
  }
  int rc = load(p, spec->name, spec->strategy, err);
  if (rc) {
    policy_close(&p->base);
    return rc;
  }
  *out = &p->base;
  return 0;
}

typedef struct names_ctx {
  char (*names)[ASR_POLICY_NAME_MAX];
  int max, n;
} names_ctx_t;

static int read_names(lua_State *L, void *ud) {
  names_ctx_t *c = ud;
  push_policies_module(L);
  lua_getfield(L, -1, "names");
  for (int i = 1; c->n < c->max && lua_geti(L, -1, i) == LUA_TSTRING; i++) {
    snprintf(c->names[c->n++], ASR_POLICY_NAME_MAX, "%s", lua_tostring(L, -1));
    lua_pop(L, 1);
  }
  return 0;
}

int asr_lua_policy_builtins(char (*names)[ASR_POLICY_NAME_MAX], int max, asr_err_t *err) {
  lua_State *L = asr_vm_new(0, err);
  if (!L) return err->code ? err->code : ASR_ENOMEM;
  names_ctx_t c = {names, max, 0};
  int rc = asr_vm_protect(L, read_names, &c, err);
  asr_vm_close(L);
  return rc ? rc : c.n;
}

static int policy_use_default(asr_policy_t *base, asr_err_t *err) {
  lua_policy_t *p = (lua_policy_t *)base;
  unref_policy(p);
  return load(p, "rules", NULL, err);
}

static const char *policy_name(const asr_policy_t *p) { return ((const lua_policy_t *)p)->name; }

static void policy_close(asr_policy_t *base) {
  lua_policy_t *p = (lua_policy_t *)base;
  if (p->L) {
    unref_policy(p);
    luaL_unref(p->L, LUA_REGISTRYINDEX, p->history_ref);
    if (p->owns_L) asr_vm_close(p->L);
  }
  free(p);
}

/* ---- one call ---- */

static void set_num(lua_State *L, const char *k, double v) {
  lua_pushnumber(L, isfinite(v) ? v : 0.0);
  lua_setfield(L, -2, k);
}

static void set_int(lua_State *L, const char *k, uint64_t v) {
  lua_pushinteger(L, (lua_Integer)v);
  lua_setfield(L, -2, k);
}

/* [-0,+1,m] The snapshot as a table with the same keys as the C struct. */
static void push_snapshot(lua_State *L, const asr_metrics_snapshot_t *s) {
  lua_createtable(L, 0, 40);
#define ASR_PUSH_REAL(f) set_num(L, #f, s->f);
#define ASR_PUSH_COUNT(f) set_int(L, #f, s->f);
  ASR_SNAPSHOT_FIELDS(ASR_PUSH_REAL, ASR_PUSH_COUNT)
#undef ASR_PUSH_REAL
#undef ASR_PUSH_COUNT
}

/* [-0,+0,m] history[#+1] = snapshot on top (popped); drops the oldest past the limit. */
static void push_history(lua_State *L, lua_policy_t *p) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, p->history_ref);
  lua_insert(L, -2);
  if (p->history_len == p->history_max) { /* shift left by one: cheap at the default K */
    for (int i = 1; i < p->history_len; i++) {
      lua_rawgeti(L, -2, i + 1);
      lua_rawseti(L, -3, i);
    }
    p->history_len--;
  }
  lua_rawseti(L, -2, ++p->history_len);
  lua_pop(L, 1);
}

/* Reads an optional number field into *out; garbage (not a number, NaN, inf) is an error. */
static int opt_number(lua_State *L, const char *k, int *has, double *out, char *why, size_t n) {
  int t = lua_getfield(L, -1, k);
  *has = 0;
  if (t == LUA_TNUMBER) {
    *out = lua_tonumber(L, -1);
    *has = 1;
  }
  lua_pop(L, 1);
  if (t != LUA_TNIL && t != LUA_TNUMBER) {
    snprintf(why, n, "'%s' must be a number, got %s", k, lua_typename(L, t));
    return -1;
  }
  if (*has && !isfinite(*out)) {
    snprintf(why, n, "'%s' must be a finite number", k);
    return -1;
  }
  return 0;
}

/* A delta under its name (add_workers) or the brief's shorter one (workers), which reads
 * like the snapshot's absolute value: either, not both. */
static int opt_delta(lua_State *L, const char *name, const char *old_name, int *has, double *out,
                     char *why, size_t n) {
  int has_old;
  double old;
  if (opt_number(L, name, has, out, why, n) || opt_number(L, old_name, &has_old, &old, why, n))
    return -1;
  if (*has && has_old) {
    snprintf(why, n, "'%s' and '%s' are both given: they are the same delta (use '%s')", name,
             old_name, name);
    return -1;
  }
  if (has_old) *has = 1, *out = old;
  return 0;
}

static int64_t to_int(double v) {
  if (v > 9e18) return INT64_MAX;
  if (v < -9e18) return INT64_MIN;
  return (int64_t)llround(v);
}

/* [-0,+0,m] The decision table on top → out. Returns 0 or -1 with why filled. */
static int parse_decision(lua_State *L, asr_decision_t *out, char *why, size_t n) {
  memset(out, 0, sizeof *out);
  if (!lua_istable(L, -1)) {
    snprintf(why, n, "decide returned %s, not a decision table", luaL_typename(L, -1));
    return -1;
  }
  if (lua_getfield(L, -1, "action") != LUA_TSTRING ||
      asr_scale_action_parse(lua_tostring(L, -1), &out->action) != 0) {
    snprintf(why, n, "'action' must be \"scale_up\", \"scale_down\" or \"hold\", got %s%s%s",
             lua_type(L, -1) == LUA_TSTRING ? "\"" : "",
             lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : luaL_typename(L, -1),
             lua_type(L, -1) == LUA_TSTRING ? "\"" : "");
    lua_pop(L, 1);
    return -1;
  }
  lua_pop(L, 1);
  double v;
  int has;
  if (opt_delta(L, "add_workers", "workers", &has, &v, why, n)) return -1;
  if (has) out->workers_delta = to_int(v);
  if (opt_delta(L, "add_batch_size", "batch_size", &has, &v, why, n)) return -1;
  if (has) out->batch_delta = to_int(v);
  if (opt_number(L, "target_workers", &out->has_target_workers, &v, why, n)) return -1;
  if (out->has_target_workers) out->target_workers = to_int(v);
  if (opt_number(L, "target_batch_size", &out->has_target_batch, &v, why, n)) return -1;
  if (out->has_target_batch) out->target_batch = to_int(v);
  if (opt_number(L, "confidence", &has, &v, why, n)) return -1;
  out->confidence = has ? v : 0.5;
  if (out->confidence < 0 || out->confidence > 1) {
    snprintf(why, n, "'confidence' must be from 0 to 1, got %g", out->confidence);
    return -1;
  }
  if (lua_getfield(L, -1, "reason") == LUA_TSTRING)
    snprintf(out->reason, sizeof out->reason, "%s", lua_tostring(L, -1));
  lua_pop(L, 1);
  return 0;
}

typedef struct call_ctx {
  lua_policy_t *p;
  const asr_metrics_snapshot_t *snap;
  asr_decision_t *out;
  asr_err_t *err;
} call_ctx_t;

static int decide_protected(lua_State *L, void *ud) {
  call_ctx_t *c = ud;
  lua_policy_t *p = c->p;
  lua_rawgeti(L, LUA_REGISTRYINDEX, p->policy_ref);
  lua_getfield(L, -1, "decide");
  push_snapshot(L, c->snap);
  lua_pushvalue(L, -1);
  push_history(L, p);
  lua_rawgeti(L, LUA_REGISTRYINDEX, p->history_ref);
  lua_rawgeti(L, LUA_REGISTRYINDEX, p->state_ref);
  int rc = asr_vm_pcall_budget(L, 3, 1, p->budget, c->err);
  if (rc) return rc;
  char why[300];
  if (parse_decision(L, c->out, why, sizeof why))
    return asr_err_set(c->err, ASR_ESCRIPT, "%s", why);
  return 0;
}

static int policy_decide(asr_policy_t *base, const asr_metrics_snapshot_t *snap,
                         asr_decision_t *out, asr_err_t *err) {
  lua_policy_t *p = (lua_policy_t *)base;
  call_ctx_t c = {p, snap, out, err};
  int rc = asr_vm_protect(p->L, decide_protected, &c, err);
  if (rc) memset(out, 0, sizeof *out);
  return rc;
}

static const asr_policy_vt_t lua_policy_vt = {
    .decide = policy_decide,
    .use_default = policy_use_default,
    .name = policy_name,
    .close = policy_close,
};
