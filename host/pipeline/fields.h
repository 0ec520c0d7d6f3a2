/* Declarative field operations on BSON bytes (the C side of asrun.fields, lua/fields.c): drop,
 * rename, copy, set a constant and convert a type, applied to a document in one walk of its
 * bytes, with no Lua and no allocation per document. Untouched elements (whole sub-documents
 * included) are copied as bytes; field order is kept.
 *
 * Paths are dotted ("customer.name") and walk embedded documents, not arrays. Every operation
 * names fields as they are in the input document; the written names (rename's and copy's
 * destination, set's field) name the output:
 *   drop p          p is left out
 *   rename a -> b   a's value under b: in a's place when both have the same parent, else
 *                   appended to b's parent (created when missing); a missing a does nothing
 *   copy a -> b     a's value (as read, before any convert) also under b, appended
 *   set p = v       p's value replaced in place, or appended when p is missing
 *   convert p T     p's value converted to T in place (to the renamed field when p is renamed);
 *                   null and a missing p stay as they are
 * New fields are appended in the order the spec first named them (lua/fields.c adds the
 * drops, renames, copies, sets and converts in that order, each sorted by name). A spec that contradicts itself (a field both dropped and renamed, written
 * by two operations, set along with a field inside it) is refused when built. Per document,
 * a rename or copy onto a field the document keeps, a convert that cannot convert, a set or
 * copy inside a field that is not a document fail that document with a message naming the
 * operation. Compiled specs are immutable: many threads apply one, each with its scratch. */
#ifndef ASR_PIPELINE_FIELDS_H
#define ASR_PIPELINE_FIELDS_H

#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"

typedef struct asr_fields asr_fields_t;
typedef struct asr_fields_scratch asr_fields_scratch_t;

typedef enum asr_field_type {
  ASR_FIELD_INT32,
  ASR_FIELD_INT64,
  ASR_FIELD_DOUBLE,
  ASR_FIELD_DECIMAL,
  ASR_FIELD_STRING,
  ASR_FIELD_BOOL,
  ASR_FIELD_DATE,
  ASR_FIELD_OBJECTID,
} asr_field_type_t;

/* "int32" (or "int"), "int64" ("long"), "double", "decimal" ("decimal128"), "string",
 * "bool" ("boolean"), "date", "objectId". 0, or -1 for another name. */
int asr_field_type_parse(const char *name, asr_field_type_t *out);
#define ASR_FIELD_TYPE_NAMES "int32, int64, double, decimal, string, bool, date, objectId"

asr_fields_t *asr_fields_new(void);
void asr_fields_free(asr_fields_t *f);

/* Building: each returns 0, ASR_EINVAL naming the conflict or the bad path, or ASR_ENOMEM. */
int asr_fields_drop(asr_fields_t *f, const char *path, asr_err_t *err);
int asr_fields_rename(asr_fields_t *f, const char *from, const char *to, asr_err_t *err);
int asr_fields_copy(asr_fields_t *f, const char *from, const char *to, asr_err_t *err);
/* value: the BSON value bytes of type `type` (as after an element's key); copied. */
int asr_fields_set(asr_fields_t *f, const char *path, uint8_t type, const uint8_t *value,
                   uint32_t len, asr_err_t *err);
int asr_fields_convert(asr_fields_t *f, const char *path, asr_field_type_t to, asr_err_t *err);
/* After the last operation: checks what only the whole spec shows. 0 or ASR_EINVAL. */
int asr_fields_finish(asr_fields_t *f, asr_err_t *err);
/* Operations added. */
uint32_t asr_fields_count(const asr_fields_t *f);

/* One per thread applying f. NULL: out of memory. */
asr_fields_scratch_t *asr_fields_scratch_new(const asr_fields_t *f);
void asr_fields_scratch_free(asr_fields_scratch_t *s);

/* Appends the rewritten document doc[0..len) to out. Returns 0, ASR_EDATA (this document
 * cannot be rewritten: err names the operation and the reason; out is as before) or
 * ASR_ENOMEM. */
int asr_fields_apply(const asr_fields_t *f, asr_fields_scratch_t *s, const uint8_t *doc,
                     uint32_t len, asr_buf_t *out, asr_err_t *err);

#endif
