/* The transform stage (lua/transform.h). A document on which transform raises, or returns
 * what is no document, goes to the run's dead letters with the error and its Lua traceback,
 * and the batch goes on (within the error budget: sinks/dead_letter.h); without dead letters
 * (NULL ud) such a document fails the batch. An instruction budget overrun, the memory cap
 * and an interrupt fail the batch always: they say nothing about one document. */
#include "lua/transform.h"

#include <lauxlib.h>
#include <lua.h>
#include <stdlib.h>
#include <string.h>

#include "lua/fields.h"
#include "lua/lconv.h"
#include "lua/vm.h"
#include "lua/worker.h"
#include "sinks/dead_letter.h"

struct asr_transform {
  lua_State *L;  /* the worker's (lua/worker.h): borrowed */
  int fn;        /* registry reference to transform */
  bson_t *scratch; /* reused for every output document (bson_new: 128-byte alignment) */
  asr_dead_letter_t *dead_letter; /* the factory's ud: borrowed, NULL: a raise fails */
  asr_transform_counts_t counts;  /* of the last apply */
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
  t->dead_letter = ud;
  lua_rawgeti(t->L, LUA_REGISTRYINDEX, env->strategy_ref);
  if (lua_getfield(t->L, -1, "transform") != LUA_TFUNCTION) /* asrun.fields: its after */
    asr_lua_fields_push_after(t->L, -1), lua_remove(t->L, -2);
  if (lua_type(t->L, -1) != LUA_TFUNCTION) {
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

/* The input document on which transform failed (rc, bc->err) into the dead letters, its
 * outputs so far taken back; 0 when the batch goes on. */
static int dead_letter(batch_call_t *bc, const asr_docs_iter_t *it, uint64_t index,
                       size_t out_len, uint32_t out_count, int rc) {
  asr_transform_t *t = bc->t;
  if (rc != ASR_ESCRIPT || !t->dead_letter) return rc;
  bc->out->buf.len = out_len;
  bc->out->count = out_count;
  if (t->origins) t->origins->len = (size_t)out_count * sizeof(uint32_t); /* one per output */
  char *tb = strstr(bc->err->msg, "\nstack traceback:");
  if (tb) *tb = '\0';
  asr_dead_letter_entry_t e = {.doc = it->doc, .len = it->len, .index = index,
                               .batch = ASR_DL_NO_INDEX, .reason = ASR_DL_TRANSFORM,
                               .message = bc->err->msg, .traceback = tb ? tb + 1 : NULL};
  asr_err_t dl_err;
  asr_err_clear(&dl_err);
  rc = asr_dead_letter_add(t->dead_letter, &e, &dl_err);
  *bc->err = dl_err; /* cleared, or the budget's verdict */
  if (rc == 0) t->counts.dead_lettered++;
  return rc;
}

/* [-0,+0,m] Runs the whole batch inside one protected call (asr_vm_protect), so a memory
 * error raised while converting documents is caught like any other. */
static int apply_batch(lua_State *L, void *ud) {
  batch_call_t *bc = ud;
  uint64_t index = bc->first_index;
  for (asr_docs_iter_t it = asr_docs_begin(bc->in); asr_docs_next(&it); index++) {
    size_t out_len = bc->out->buf.len;
    uint32_t out_count = bc->out->count;
    lua_rawgeti(L, LUA_REGISTRYINDEX, bc->t->fn);
    int rc = asr_lconv_push_lazy_doc(L, it.doc, it.len, bc->err);
    if (rc) {
      asr_err_prefix(bc->err, "document %llu", (unsigned long long)index);
      return rc;
    }
    if ((rc = asr_vm_pcall(L, 1, 1, bc->err))) {
      asr_err_prefix(bc->err, "transform failed on document %llu", (unsigned long long)index);
      if ((rc = dead_letter(bc, &it, index, out_len, out_count, rc))) return rc;
      continue;
    }
    if ((rc = take_result(bc->t, index, bc->out, bc->err))) {
      if ((rc = dead_letter(bc, &it, index, out_len, out_count, rc))) return rc;
      continue;
    }
    if (bc->out->count == out_count) bc->t->counts.dropped++;
  }
  return 0;
}

static int xf_apply(asr_transform_t *t, const asr_docs_t *in, uint64_t first_index,
                    asr_docs_t *out, asr_buf_t *origins, asr_err_t *err) {
  batch_call_t bc = {t, in, first_index, out, err};
  t->counts = (asr_transform_counts_t){0, 0};
  t->origins = origins;
  t->first_index = first_index;
  int rc = asr_vm_protect(t->L, apply_batch, &bc, err);
  t->origins = NULL;
  return rc;
}

static void xf_last_counts(asr_transform_t *t, asr_transform_counts_t *out) { *out = t->counts; }

const asr_transform_factory_t asr_lua_transform_factory = {xf_open, xf_apply, xf_close, NULL,
                                                           xf_last_counts};
