/* Fast Extended JSON v2 writer: BSON documents -> compact text, the JSONL sink's encoder
 * (mongoimport reads the output), in relaxed mode (the default) or canonical mode. It walks
 * the BSON bytes by hand and checks every length against the bytes it was given, so malformed
 * input is reported (ASR_EDATA) and never read past. The caller owns `out`; the writer only
 * appends to it, growing it through asr_buf (no allocation per document once the buffer is
 * warm).
 *
 * Output follows the Extended JSON v2 specification, relaxed mode:
 *  - no whitespace, keys in BSON order, JSON escapes for '"', '\\' and control characters
 *    (\b \f \n \r \t, else \u00XX); valid UTF-8 is copied through unchanged;
 *  - a string or field name that is not valid UTF-8 (RFC 3629: no overlongs, surrogates or
 *    code points above U+10FFFF) is an ASR_EDATA error naming the field, as libbson's own
 *    writer refuses it too: data is never silently altered;
 *  - finite doubles print as the shortest of %.15g/%.16g/%.17g that reads back to the same
 *    double, with ".0" added when that text would read back as an integer (1.0, -0.0);
 *    NaN and infinities use {"$numberDouble": ...};
 *  - dates in years 1970..9999 print as {"$date":"YYYY-MM-DDTHH:MM:SS[.mmm]Z"}, the
 *    milliseconds omitted when zero as the specification recommends; other dates as
 *    {"$date":{"$numberLong":"ms"}};
 *  - regular expression options are written in alphabetical order, as the specification
 *    requires; binary subtype 2 (old binary) is written without its inner length.
 * Canonical mode (ASR_EJSON_CANONICAL, as mongoexport --jsonFormat canonical and libbson's
 * bson_as_canonical_extended_json) differs only in numbers and dates, so every type reads
 * back as itself:
 *  - int32 {"$numberInt":"n"}, int64 {"$numberLong":"n"};
 *  - finite doubles {"$numberDouble":"<the relaxed digits>"} (-0.0 as "-0.0"); libbson prints
 *    %.20g digits instead (0.1 as "0.10000000000000000555"): the same double either way;
 *  - every date {"$date":{"$numberLong":"ms"}}.
 * Nesting deeper than ASR_EJSON_MAX_DEPTH documents is refused (ASR_EDATA). */
#ifndef ASR_CODEC_EJSON_WRITER_H
#define ASR_CODEC_EJSON_WRITER_H

#include <stdint.h>

#include "core/docs.h"
#include "core/buf.h"
#include "core/error.h"

#define ASR_EJSON_MAX_DEPTH 200

typedef enum asr_ejson_mode {
  ASR_EJSON_RELAXED = 0,   /* readable; an int64 that fits 32 bits reads back as int32 */
  ASR_EJSON_CANONICAL = 1, /* every BSON type reads back as itself */
} asr_ejson_mode_t;

/* "relaxed" or "canonical" -> the mode: 0, or -1 for any other name. */
int asr_ejson_mode_parse(const char *name, asr_ejson_mode_t *mode);
const char *asr_ejson_mode_name(asr_ejson_mode_t mode);

/* Appends the relaxed Extended JSON v2 text of one BSON document (no trailing newline) to out.
 * Returns 0, ASR_ENOMEM, or ASR_EDATA if the BSON is malformed (err says where: byte offset
 * and dotted field path). On error out->len is left as it was. */
int asr_ejson_append_doc(asr_buf_t *out, const uint8_t *doc, uint32_t len, asr_err_t *err);
/* The same in the given mode. */
int asr_ejson_append_doc_mode(asr_buf_t *out, const uint8_t *doc, uint32_t len,
                              asr_ejson_mode_t mode, asr_err_t *err);

/* Appends every document of docs, each followed by '\n' (the JSONL sink's encoder).
 * On error nothing is appended (out->len is restored) and err names the document (1-based). */
int asr_ejson_append_lines(asr_buf_t *out, const asr_docs_t *docs, asr_err_t *err);
int asr_ejson_append_lines_mode(asr_buf_t *out, const asr_docs_t *docs, asr_ejson_mode_t mode,
                                asr_err_t *err);

#endif
