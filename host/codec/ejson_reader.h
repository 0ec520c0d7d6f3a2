/* Fast Extended JSON v2 reader: one JSON object's text -> one BSON document, appended straight
 * to a byte buffer (the mirror of ejson_writer.h). The JSON sources decode their records with
 * it; libbson's JSON parser stays out of the hot path and serves as the oracle in tests.
 *
 * It reads relaxed and canonical Extended JSON v2 and the legacy forms older tools write,
 * producing the same BSON bytes as libbson's bson_new_from_json for everything both accept:
 *  - plain JSON: integers as int32 when they fit, else int64; other numbers as doubles;
 *  - $oid, $symbol, $numberInt, $numberLong, $numberDouble (incl. "Infinity", "-Infinity",
 *    "NaN"), $numberDecimal, $binary (canonical {"base64","subType"} and legacy
 *    {"$binary": b64, "$type": hex}, subtype 2 with its inner length), $uuid, $code, $code with
 *    $scope, $timestamp, $regularExpression and legacy $regex/$options (options sorted), $date
 *    (ISO string, {"$numberLong"} and a bare integer), $minKey, $maxKey, $undefined,
 *    $dbPointer; DBRefs ($ref/$id/$db) are ordinary documents.
 * What it accepts beyond libbson (as mongoimport does):
 *  - $date ISO strings with a colon in the offset ("+01:00", "-05:30"); libbson takes "+0100".
 * What it refuses although libbson accepts it:
 *  - integers outside the int64 range: libbson refuses some ("9223372036854775808") and
 *    silently wraps others ("12345678901234567890123"); this reader refuses them all;
 *  - a top-level array: libbson reads "[1]" as the document {"0": 1}; the JSON sources have
 *    always refused records that are not objects;
 *  - anything but whitespace after the object: bson_new_from_json reads the first object and
 *    ignores the rest ("{}{}", "{} x"); the JSONL source has always refused such a line;
 *  - malformed JSON that libbson lets through, e.g. a missing ',' after a keyword object in an
 *    array ([{"$numberDecimal": "0"} "x"]).
 * And where libbson is wrong it is not followed: libbson 1.23 writes a garbage field name
 * (uninitialised memory) for $code and $dbPointer values inside arrays; this reader writes
 * "0", "1", ... as BSON requires.
 * Anything it is not certain to read exactly as libbson does (an unusual shape of a $-keyword
 * object, a NUL in a field name, invalid UTF-8, raw control characters, deep nesting,
 * ISO dates outside its grammar) it does not guess at: it answers ASR_EJSON_DEFER, and the
 * caller hands that record to libbson (cold path). No allocation besides growing `out`. */
#ifndef ASR_CODEC_EJSON_READER_H
#define ASR_CODEC_EJSON_READER_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

enum {
  ASR_EJSON_OK = 0,
  ASR_EJSON_ERROR = 1, /* malformed JSON: st->msg, st->line, st->col */
  ASR_EJSON_DEFER = 2, /* not read here; let libbson decide (st->msg says why) */
  ASR_EJSON_NOMEM = 3,
};

/* Nesting deeper than this (documents and arrays) is deferred to libbson, whose own limit is
 * 100 levels. */
#define ASR_EJSON_READER_MAX_DEPTH 90

typedef struct asr_ejson_status {
  size_t offset;       /* byte offset of the problem in the text */
  uint32_t line, col;  /* the same as 1-based line and column (columns in bytes) */
  char msg[128];
} asr_ejson_status_t;

/* Reads text[0, len): exactly one JSON object, optionally surrounded by whitespace, and appends
 * its BSON document to out. Returns an ASR_EJSON_* code; on anything but OK out->len is left as
 * it was and st says what and where. */
int asr_ejson_read_doc(const uint8_t *text, size_t len, asr_buf_t *out, asr_ejson_status_t *st);

#endif
