/* What lconv.c (eager tables: decoding, shapes, the encoder) and lconv_lazy.c (lazy
 * documents) share. Not for other files: lconv.h is the interface. */
#ifndef ASR_LUA_LCONV_INTERNAL_H
#define ASR_LUA_LCONV_INTERNAL_H

#include <bson/bson.h>
#include <lua.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"

/* What a table is, from its metatable's [kind_key]: no mark (KIND_PLAIN), a decoded document
 * (a shape), an array, or a lazy document (lconv_lazy.c). */
enum { KIND_PLAIN = 0, KIND_DOC = 1, KIND_ARRAY = 2, KIND_LAZY = 3 };

extern char asr_lconv_kind_key; /* light userdata key of the kind in a metatable */
extern char asr_lconv_map_key;  /* light userdata key of a document shape's key -> position */

typedef struct shape {
  uint64_t hash;
  uint8_t *sig; /* owned copy of the signature; NULL marks a free slot */
  uint32_t sig_len;
  int ref; /* registry reference to the metatable */
} shape_t;

/* Per-lua_State conversion state; a userdata in the registry. Nested levels use sig, offs and
 * keys as stacks (each level truncates back to where it started). */
typedef struct lconv_ctx {
  asr_buf_t sig;     /* shape signatures being built while decoding */
  asr_buf_t offs;    /* element offsets of a lazy document being built (uint32_t) */
  asr_buf_t keys;    /* asr_lconv_key_t runs to sort while encoding */
  asr_buf_t scratch; /* for asr_lbson_append */
  shape_t *shapes;   /* SHAPE_SLOTS entries, allocated on first use */
  uint32_t nshapes;
} lconv_ctx_t;

/* [-0,+0,m] The state's context, created on first use. */
lconv_ctx_t *asr_lconv_ctx(lua_State *L);
/* [-0,+0,-] The kind of the table at idx (KIND_PLAIN without a mark). */
int asr_lconv_table_kind(lua_State *L, int idx);
/* [-0,+1,m] Pushes the shape metatable for the signature sig[0..n), cached or new. A
 * signature is the kind byte ('D' or 'A'), then for a document each key as
 * <int64 flag byte><key><NUL>, for an array the 0-based uint32 positions of int64s. */
void asr_lconv_push_shape(lua_State *L, lconv_ctx_t *c, const uint8_t *sig, uint32_t n);

/* ---- decoding ---- */
typedef struct decode {
  lua_State *L;
  lconv_ctx_t *c;
  const uint8_t *base; /* start of the top-level document, for error offsets */
  asr_err_t *err;
  int owner; /* 0: eager tables; else the stack index of the userdata owning the bytes, and
              * documents are pushed lazy (arrays stay tables, their documents lazy) */
} decode_t;

/* [-0,+1,m] Pushes the value of the iterator's current element. */
int asr_lconv_push_value(decode_t *d, const bson_iter_t *it, int depth);
/* Sets the error for a document whose signature sig[0..end) repeats a key; truncates the
 * signature stack back to sig0. */
int asr_lconv_repeated_key(decode_t *d, const uint8_t *sig, const uint8_t *end, size_t sig0);
/* [-0,+1,m] Pushes data[0..len), a BSON document at nesting depth, as a lazy document whose
 * bytes d->owner keeps alive (lconv_lazy.c). */
int asr_lconv_push_lazy(decode_t *d, const uint8_t *data, uint32_t len, int depth);

/* ---- encoding ---- */
/* The field being written, for error messages; built on the C stack, rendered only on error. */
typedef struct path {
  const struct path *up;
  const char *key; /* NULL: an array element */
  size_t klen;
  lua_Integer index; /* 1-based */
} path_t;

typedef struct encode {
  lua_State *L;
  lconv_ctx_t *c;
  asr_err_t *err;
} encode_t;

int asr_lconv_fail(encode_t *e, const path_t *p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int asr_lconv_nomem(encode_t *e);
/* Describes the key at idx for messages: numeric key 3, key of type boolean. */
void asr_lconv_key_desc(lua_State *L, int idx, char *buf, size_t cap);
/* Queues a key (inside a Lua string the table keeps alive) for asr_lconv_write_sorted. */
int asr_lconv_push_key(encode_t *e, const char *s, size_t len);
/* Sorts the keys queued from keys0 on and writes those fields of the table at tidx. */
int asr_lconv_write_sorted(encode_t *e, int tidx, size_t keys0, bson_t *dst, const path_t *path,
                           int depth);
/* Appends the value at vidx as key: value (i64: an integer stays int64). path names it. */
int asr_lconv_write_value(encode_t *e, int vidx, bson_t *dst, const char *key, int klen, int i64,
                          const path_t *path, int depth);
/* Writes the lazy document at tidx (metatable at mt) under key in dst; key NULL: its fields
 * into dst (the top level). */
int asr_lconv_write_lazy(encode_t *e, int tidx, int mt, bson_t *dst, const char *key, int klen,
                         const path_t *path, int depth);

#endif
