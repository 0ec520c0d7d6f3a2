/* Document templates in mgeneratejs syntax.
 * A template is JSON whose shape the generated documents keep: values are literal, except
 * "$op" strings (an operator with its default options) and {"$op": {options}} objects (one
 * key starting with '$'); options may themselves be operators; "$missing" drops the key.
 * The text is parsed once (cJSON) and compiled into a tree of generator nodes; generation then
 * appends straight into a bson_t, with no parsing and no allocation of its own per document.
 *
 * Ownership: asr_template_compile* returns a template the caller frees with
 * asr_template_free. After compile (and an optional asr_template_set_now) the template is
 * read-only, so any number of threads may call asr_template_generate on it at once. */
#ifndef ASR_TEMPLATE_TEMPLATE_H
#define ASR_TEMPLATE_TEMPLATE_H

#include <bson/bson.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

typedef struct asr_template asr_template_t;

/* Compiles template text. origin names it in error messages (a file path). Returns 0 or
 * ASR_EINVAL (message: origin, line:column for malformed JSON; the JSON path such as
 * items[0].price and the operator name for unknown operators / bad options), ASR_ENOMEM. */
int asr_template_compile(const char *json, size_t len, const char *origin,
                         asr_template_t **out, asr_err_t *err);
/* Reads and compiles a file (ASR_EIO with the path and strerror when unreadable). */
int asr_template_compile_file(const char *path, asr_template_t **out, asr_err_t *err);
/* Appends the fields of document `index` to doc (an initialized, empty bson_t).
 * Thread-safe (the template is read-only after compile); depends only on (seed, index).
 * Returns 0, or ASR_EINVAL when an operator used as an option yields a value of the wrong
 * type (constant options are checked at compile time) or the document outgrows BSON. */
int asr_template_generate(const asr_template_t *t, uint64_t seed, uint64_t index, bson_t *doc);
/* $now and $objectid timestamps use this clock; compile sets it to the current time.
 * Call it before generating, not while other threads generate. */
void asr_template_set_now(asr_template_t *t, int64_t now_ms);
void asr_template_free(asr_template_t *t);
/* Parses a clock value for asr_template_set_now: epoch milliseconds ("1700000000000") or an
 * ISO-8601 date ("2024-05-01", "2024-05-01T12:00:00Z"; no offset means UTC). 0 or -1. */
int asr_template_parse_clock(const char *s, int64_t *out_ms);

#endif
