/* Custom template operators in Lua (see template_ops.h). The ext borrows a lua_State (the
 * worker's, or the caller's) and owns the registry references to the operator functions and one rng
 * userdata that is re-pointed at the document's asr_rng_t for the length of each call. A call
 * is one protected call (asr_vm_protect): opts to a table, fn(rng, opts), result to BSON. */
#include "lua/template_ops.h"

#include <lauxlib.h>
#include <lua.h>
#include <stdlib.h>
#include <string.h>

#include "lua/lconv.h"
#include "lua/ltemplate.h"
#include "lua/strategy.h"
#include "lua/vm.h"
#include "lua/worker.h"
#include "template/rng.h"

#define RNG_MT "asrun.rng"
#define RNG_STRING_MAX (1 << 24) /* rng:string length cap: a typo should not eat the memory cap */

static const char ALNUM[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

typedef struct rng_box {
  asr_rng_t *r; /* the current document's stream; NULL outside a call */
} rng_box_t;

typedef struct ops {
  asr_template_ext_t ext; /* first: the ext pointer is the ops pointer */
  lua_State *L;   /* the worker's or the caller's: borrowed */
  size_t n;
  int *refs;      /* registry references to the functions, by op id */
  char **names;   /* for messages */
  int rng_ref;
  rng_box_t *rng; /* inside the userdata held by rng_ref */
} ops_t;

/* ---- the rng userdata ------------------------------------------------------------------ */

static asr_rng_t *check_rng(lua_State *L) {
  rng_box_t *b = luaL_checkudata(L, 1, RNG_MT);
  if (!b->r) luaL_error(L, "rng used outside the operator call it was given to");
  return b->r;
}

/* rng:integer(min, max): uniform in [min, max], both included. */
static int rng_integer(lua_State *L) {
  asr_rng_t *r = check_rng(L);
  lua_Integer lo = luaL_checkinteger(L, 2), hi = luaL_checkinteger(L, 3);
  luaL_argcheck(L, lo <= hi, 3, "max is below min");
  lua_pushinteger(L, (lua_Integer)asr_rng_range(r, (int64_t)lo, (int64_t)hi));
  return 1;
}

/* rng:float(): uniform in [0, 1); rng:float(min, max): in [min, max). */
static int rng_float(lua_State *L) {
  asr_rng_t *r = check_rng(L);
  double u = asr_rng_unit(r);
  if (lua_isnoneornil(L, 2)) {
    lua_pushnumber(L, u);
    return 1;
  }
  double lo = luaL_checknumber(L, 2), hi = luaL_checknumber(L, 3);
  lua_pushnumber(L, lo + (hi - lo) * u);
  return 1;
}

/* rng:pick(list): one element of a non-empty sequence. */
static int rng_pick(lua_State *L) {
  asr_rng_t *r = check_rng(L);
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_Integer n = (lua_Integer)lua_rawlen(L, 2);
  luaL_argcheck(L, n > 0, 2, "empty list");
  lua_rawgeti(L, 2, (lua_Integer)asr_rng_range(r, 1, (int64_t)n));
  return 1;
}

static size_t utf8_width(unsigned char b) { return b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4; }

/* rng:string(length[, pool]): length characters of pool (UTF-8 characters; alphanumeric by
 * default), as $string draws them. */
static int rng_string(lua_State *L) {
  asr_rng_t *r = check_rng(L);
  lua_Integer len = luaL_checkinteger(L, 2);
  size_t plen;
  const char *pool = luaL_optlstring(L, 3, ALNUM, &plen);
  luaL_argcheck(L, len >= 0 && len <= RNG_STRING_MAX, 2, "length out of range");
  size_t nchars = 0, ascii = 1;
  for (size_t i = 0; i < plen; i += utf8_width((unsigned char)pool[i])) {
    nchars++;
    ascii &= (unsigned char)pool[i] < 0x80;
  }
  luaL_argcheck(L, nchars > 0, 3, "empty pool");
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (lua_Integer k = 0; k < len; k++) {
    size_t pick = (size_t)asr_rng_range(r, 0, (int64_t)nchars - 1), at = 0;
    if (ascii) {
      luaL_addchar(&b, pool[pick]);
      continue;
    }
    for (size_t c = 0; c < pick; c++) at += utf8_width((unsigned char)pool[at]);
    size_t w = utf8_width((unsigned char)pool[at]);
    luaL_addlstring(&b, pool + at, at + w <= plen ? w : plen - at);
  }
  luaL_pushresult(&b);
  return 1;
}

static int rng_tostring(lua_State *L) {
  lua_pushliteral(L, "asrun.rng");
  return 1;
}

/* [-0,+1,m] A new rng userdata (pointing nowhere yet). */
static rng_box_t *push_rng(lua_State *L) {
  rng_box_t *b = lua_newuserdatauv(L, sizeof *b, 0);
  b->r = NULL;
  if (luaL_newmetatable(L, RNG_MT)) {
    static const luaL_Reg methods[] = {{"integer", rng_integer}, {"float", rng_float},
                                       {"pick", rng_pick},       {"string", rng_string},
                                       {NULL, NULL}};
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, rng_tostring);
    lua_setfield(L, -2, "__tostring");
  }
  lua_setmetatable(L, -2);
  return b;
}

/* ---- calls ----------------------------------------------------------------------------- */

typedef struct call {
  ops_t *o;
  uint32_t op;
  const bson_t *opts;
  bson_t *dst;
  const char *key;
  int keylen;
  asr_err_t *err;
} call_t;

/* [-0,+0,m] Inside asr_vm_protect: an error the function raises unwinds to it. */
static int do_call(lua_State *L, void *ud) {
  call_t *c = ud;
  lua_rawgeti(L, LUA_REGISTRYINDEX, c->o->refs[c->op]);
  lua_rawgeti(L, LUA_REGISTRYINDEX, c->o->rng_ref);
  int rc = 0;
  if (c->opts->len <= 5) /* no options: skip the decoder's shape lookup */
    lua_createtable(L, 0, 0);
  else if ((rc = asr_lconv_push_doc(L, bson_get_data(c->opts), c->opts->len, c->err)))
    return rc;
  lua_call(L, 2, 1);
  rc = asr_lconv_append_value(L, -1, c->dst, c->key, c->keylen, c->err);
  if (rc == ASR_EINVAL) {
    asr_err_prefix(c->err, "returned a value BSON cannot hold");
    c->err->code = rc = ASR_ESCRIPT;
  }
  return rc;
}

static int ops_call(void *ud, uint32_t op, asr_rng_t *rng, const bson_t *opts, bson_t *dst,
                    const char *key, int keylen, asr_err_t *err) {
  ops_t *o = ud;
  if (op >= o->n)
    return asr_err_set(err, ASR_EINVAL, "custom operator #%u is not defined", (unsigned)op);
  call_t c = {o, op, opts, dst, key, keylen, err};
  o->rng->r = rng;
  int rc = asr_vm_protect(o->L, do_call, &c, err);
  o->rng->r = NULL;
  if (rc) asr_err_prefix(err, "custom operator $%s", o->names[op]);
  return rc;
}

/* ---- resolution ------------------------------------------------------------------------ */

typedef struct resolve {
  ops_t *o;
  const char *const *names;
  const char *strategy_path; /* NULL: names resolve in the table at `table` */
  int table_ref;             /* registry: the strategy table, or the caller's functions */
  int table;                 /* its stack index inside the protected call */
  asr_err_t *err;
} resolve_t;

/* [-0,+1,m] Pushes the function a name stands for (or something else, reported by the caller). */
static int push_named(lua_State *L, resolve_t *rs, const char *name, int *fns) {
  long k = asr_ltemplate_fn_number(name);
  if (!rs->strategy_path) {
    if (k) lua_rawgeti(L, rs->table, k);
    else lua_getfield(L, rs->table, name);
    return 0;
  }
  if (k) {
    if (!*fns) { /* the strategy's Lua templates, walked as when it was loaded */
      int rc = asr_strategy_template_functions(L, rs->table, rs->strategy_path, rs->err);
      if (rc) return rc;
      *fns = lua_gettop(L);
    }
    lua_rawgeti(L, *fns, k);
    return 0;
  }
  if (lua_getfield(L, rs->table, "operators") != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_pushnil(L);
    return 0;
  }
  lua_getfield(L, -1, name);
  lua_remove(L, -2);
  return 0;
}

static int resolve_all(lua_State *L, void *ud) {
  resolve_t *rs = ud;
  ops_t *o = rs->o;
  int fns = 0;
  lua_rawgeti(L, LUA_REGISTRYINDEX, rs->table_ref); /* the caller's indexes do not reach here */
  rs->table = lua_gettop(L);
  for (size_t i = 0; i < o->n; i++) {
    int rc = push_named(L, rs, rs->names[i], &fns);
    if (rc) return rc;
    if (!lua_isfunction(L, -1)) {
      const char *got = luaL_typename(L, -1);
      if (asr_ltemplate_fn_number(rs->names[i]))
        return asr_err_set(rs->err, ASR_EINVAL, "%s: Lua template function %ld not found (got %s) "
                           "when the strategy was evaluated again (its templates must be built "
                           "the same way every time)", rs->strategy_path ? rs->strategy_path
                           : "template_generate", asr_ltemplate_fn_number(rs->names[i]), got);
      return asr_err_set(rs->err, ASR_EINVAL, "%s: operators.%s must be a function, got %s",
                         rs->strategy_path ? rs->strategy_path : "template_generate",
                         rs->names[i], got);
    }
    o->refs[i] = luaL_ref(L, LUA_REGISTRYINDEX);
  }
  push_rng(L);
  o->rng = lua_touserdata(L, -1);
  o->rng_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  return 0;
}

static ops_t *ops_new(const char *const *names, size_t n) {
  ops_t *o = calloc(1, sizeof *o);
  if (!o) return NULL;
  o->ext.ud = o;
  o->ext.call = ops_call;
  o->rng_ref = LUA_NOREF;
  o->refs = malloc(sizeof *o->refs * (n ? n : 1));
  o->names = calloc(n ? n : 1, sizeof *o->names);
  if (!o->refs || !o->names) goto fail;
  for (size_t i = 0; i < n; i++) o->refs[i] = LUA_NOREF;
  for (o->n = 0; o->n < n; o->n++)
    if (!(o->names[o->n] = strdup(names[o->n]))) goto fail;
  return o;
fail:
  asr_lua_template_ops_close(&o->ext);
  return NULL;
}

/* Resolves the names in the table at idx. */
static int resolve(ops_t *o, const char *const *names, const char *path, int idx,
                   asr_err_t *err) {
  lua_pushvalue(o->L, idx);
  resolve_t rs = {o, names, path, luaL_ref(o->L, LUA_REGISTRYINDEX), 0, err};
  int rc = asr_vm_protect(o->L, resolve_all, &rs, err);
  luaL_unref(o->L, LUA_REGISTRYINDEX, rs.table_ref);
  return rc;
}

int asr_lua_template_ops_open(asr_worker_env_t *env, const char *const *names, size_t n,
                              asr_template_ext_t **out, asr_err_t *err) {
  *out = NULL;
  ops_t *o = ops_new(names, n);
  if (!o) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  o->L = env->L;
  lua_rawgeti(o->L, LUA_REGISTRYINDEX, env->strategy_ref);
  int rc = resolve(o, names, env->path, lua_gettop(o->L), err);
  lua_pop(o->L, 1);
  if (rc == ASR_ESCRIPT) err->code = rc = ASR_EINVAL; /* a template file that fails: config */
  if (rc) {
    asr_lua_template_ops_close(&o->ext);
    return rc;
  }
  *out = &o->ext;
  return 0;
}

const asr_template_ext_factory_t asr_lua_template_ops_factory = {asr_lua_template_ops_open,
                                                                 asr_lua_template_ops_close};

int asr_lua_template_ops_wrap(lua_State *L, int idx, const char *const *names, size_t n,
                              asr_template_ext_t **out, asr_err_t *err) {
  *out = NULL;
  ops_t *o = ops_new(names, n);
  if (!o) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  o->L = L;
  int rc = resolve(o, names, NULL, idx, err);
  if (rc) {
    asr_lua_template_ops_close(&o->ext);
    return rc;
  }
  *out = &o->ext;
  return 0;
}

void asr_lua_template_ops_close(asr_template_ext_t *ext) {
  if (!ext) return;
  ops_t *o = ext->ud;
  if (o->L) {
    for (size_t i = 0; o->refs && i < o->n; i++) luaL_unref(o->L, LUA_REGISTRYINDEX, o->refs[i]);
    luaL_unref(o->L, LUA_REGISTRYINDEX, o->rng_ref);
  }
  for (size_t i = 0; o->names && i < o->n; i++) free(o->names[i]);
  free(o->names);
  free(o->refs);
  free(o);
}
