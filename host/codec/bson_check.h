/* Checks on BSON documents that every target applies alike, so that no output format keeps
 * what another refuses: UTF-8 in keys and strings (the JSON lines writer cannot write
 * anything else, and a transform's strings are held to it too). */
#ifndef ASR_CODEC_BSON_CHECK_H
#define ASR_CODEC_BSON_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* Whether every key and every string (string, code, symbol) of the well-formed document
 * doc[0..len) is valid UTF-8 (a NUL is allowed in strings, not in keys). When it is not,
 * field gets the dotted path of the first bad one ("a.b.2"). Levels deeper than
 * ASR_EJSON_MAX_DEPTH are not looked into. */
int asr_bson_utf8_valid(const uint8_t *doc, uint32_t len, char *field, size_t cap);

#endif
