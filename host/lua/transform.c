#include "lua/transform.h"

#include <lauxlib.h>
#include <lua.h>
#include <stdlib.h>

#include "lua/lconv.h"
#include "lua/vm.h"
#include "lua/worker.h"

struct asr_transform {
  lua_State *L;  /* the worker's (lua/worker.h): borrowed */
  int fn;        /* registry reference to transform */
  bson_t *scratch; /* reused for every output document (bson_new: 128-byte alignment) */
  /* The batch being applied: where each output document came from (NULL: not wanted). */
  asr_buf_t *origins;
  uint64_t first_index;
};

static void xf_close(asr_transform_t *t) {
  if (!t) return;
  luaL_unref(t->L, LUA_REGISTRYINDEX, t->fn);
  if (t->scratch) bson_destroy(t->scratch);
  free(t);
}

static int xf_open(void *ud, asr_worker_env_t *env, asr_transform_t **out, asr_err_t *err) {
  *out = NULL;
  asr_transform_t *t = calloc(1, sizeof *t);
  if (!t || !(t->scratch = bson_new())) {
    free(t);
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  }
  t->L = env->L;
  lua_rawgeti(t->L, LUA_REGISTRYINDEX, env->strategy_ref);
  if (lua_getfield(t->L, -1, "transform") != LUA_TFUNCTION) {
    lua_pop(t->L, 2);
    t->fn = LUA_NOREF;
    xf_close(t);
    return asr_err_set(err, ASR_EINVAL, "%s: no transform function when loaded by a worker",
                       env->path);
  }
  t->fn = luaL_ref(t->L, LUA_REGISTRYINDEX);
  lua_pop(t->L, 1);
  *out = t;
  return 0;
}

/* [-0,+0,-] Converts the table at idx and appends it to out. */
static int emit(asr_transform_t *t, int idx, uint64_t index, asr_docs_t *out, asr_err_t *err) {
  if (!lua_istable(t->L, idx))
    return asr_err_set(err, ASR_ESCRIPT,
                       "transform of document %llu: a list entry must be a document table, got %s",
                       (unsigned long long)index, luaL_typename(t->L, idx));
  bson_reinit(t->scratch);
  int rc = asr_lconv_to_bson(t->L, idx, t->scratch, err);
  if (rc) {
    asr_err_prefix(err, "transform of document %llu returned a value BSON cannot hold",
                   (unsigned long long)index);
    err->code = ASR_ESCRIPT;
    return ASR_ESCRIPT;
  }
  if (t->origins) { /* one entry per output document, appended with it */
    uint32_t origin = (uint32_t)(index - t->first_index);
    if (asr_buf_append(t->origins, &origin, sizeof origin)) return ASR_ENOMEM;
  }
  return asr_docs_append_bson(out, t->scratch);
}

/* [-1,+0,-] Handles transform's result on top of the stack: nil drops, a document table is
 * one output, a list of document tables fans out. */
static int take_result(asr_transform_t *t, uint64_t index, asr_docs_t *out, asr_err_t *err) {
  lua_State *L = t->L;
  int rc = 0;
  if (lua_isnil(L, -1)) {
    /* dropped */
  } else if (!lua_istable(L, -1)) {
    rc = asr_err_set(err, ASR_ESCRIPT,
                     "transform of document %llu must return a table, a list of tables or nil; "
                     "got %s", (unsigned long long)index, luaL_typename(L, -1));
  } else if (lua_rawgeti(L, -1, 1) == LUA_TNIL) { /* a document (documents have string keys) */
    lua_pop(L, 1);
    rc = emit(t, -1, index, out, err);
  } else {
    lua_pop(L, 1);
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    for (lua_Integer i = 1; i <= n && rc == 0; i++) {
      lua_rawgeti(L, -1, i);
      rc = emit(t, -1, index, out, err);
      lua_pop(L, 1);
    }
  }
  lua_pop(L, 1);
  return rc;
}

/* What one batch's protected run needs; lives on xf_apply's stack. */
typedef struct batch_call {
  asr_transform_t *t;
  const asr_docs_t *in;
  uint64_t first_index;
  asr_docs_t *out;
  asr_err_t *err;
} batch_call_t;

/* [-0,+0,m] Runs the whole batch inside one protected call (asr_vm_protect), so a memory
 * error raised while converting documents is caught like any other. */
static int apply_batch(lua_State *L, void *ud) {
  batch_call_t *bc = ud;
  uint64_t index = bc->first_index;
  for (asr_docs_iter_t it = asr_docs_begin(bc->in); asr_docs_next(&it); index++) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, bc->t->fn);
    int rc = asr_lconv_push_doc(L, it.doc, it.len, bc->err);
    if (rc) return rc;
    if ((rc = asr_vm_pcall(L, 1, 1, bc->err))) {
      asr_err_prefix(bc->err, "transform failed on document %llu", (unsigned long long)index);
      return rc;
    }
    if ((rc = take_result(bc->t, index, bc->out, bc->err))) return rc;
  }
  return 0;
}

static int xf_apply(asr_transform_t *t, const asr_docs_t *in, uint64_t first_index,
                    asr_docs_t *out, asr_buf_t *origins, asr_err_t *err) {
  batch_call_t bc = {t, in, first_index, out, err};
  t->origins = origins;
  t->first_index = first_index;
  int rc = asr_vm_protect(t->L, apply_batch, &bc, err);
  t->origins = NULL;
  return rc;
}

const asr_transform_factory_t asr_lua_transform_factory = {xf_open, xf_apply, xf_close, NULL};
