/* Positions in JSON text for error messages, shared by everything that parses user JSON
 * (templates, mgodatagen configs). */
#ifndef ASR_CODEC_JSON_ERROR_H
#define ASR_CODEC_JSON_ERROR_H

#include <stddef.h>

#include "core/error.h"

/* Sets ASR_EINVAL "origin:line:col: what near '...'" for the parse failure at `at` in
 * json[0..len) (1-based line and column, columns in bytes) and returns ASR_EINVAL. */
int asr_json_error(const char *origin, const char *json, size_t len, const char *at,
                   const char *what, asr_err_t *err);

/* Refuses a NUL character in a string of the JSON text json[0..len) (the escape \u0000 or a raw
 * NUL byte): cJSON, which parses templates and mgodatagen configs, keeps strings
 * NUL-terminated and would cut the string short there, silently. A field name cannot hold
 * one in BSON either. Returns 0, or ASR_EINVAL "origin:line:col: ..." (asr_json_error) saying
 * which of the two it is. Run it on text cJSON parsed. */
int asr_json_refuse_nul(const char *origin, const char *json, size_t len, asr_err_t *err);

#endif
