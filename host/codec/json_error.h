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

#endif
