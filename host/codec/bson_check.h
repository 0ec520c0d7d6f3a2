/* Checks on BSON documents that every target applies alike, so that no output format keeps
 * what another refuses: UTF-8 in keys and strings (the JSON lines writer cannot write
 * anything else, and a transform's strings are held to it too). */
#ifndef ASR_CODEC_BSON_CHECK_H
#define ASR_CODEC_BSON_CHECK_H

#include <stddef.h>
#include <stdint.h>

enum { ASR_BSON_OK = 0, ASR_BSON_CORRUPT = 1, ASR_BSON_BAD_UTF8 = 2 };

/* Checks the document doc[0..len) in one walk: its structure at every level (lengths and
 * terminators, as libbson's validator does; levels deeper than ASR_EJSON_MAX_DEPTH by the
 * validator itself) and that every key and every string (string, code, symbol) is valid
 * UTF-8 (a NUL is allowed in strings, not in keys). Returns ASR_BSON_OK, ASR_BSON_CORRUPT, or
 * ASR_BSON_BAD_UTF8 with the dotted path of the first bad field in field ("a.b.2"). */
int asr_bson_check(const uint8_t *doc, uint32_t len, char *field, size_t cap);

#endif
