/* Whole-file reads for small inputs (templates, configs), whole-file writes for small outputs
 * (summaries, lab figures), and telling a file name from a
 * built-in name. */
#ifndef ASR_UTIL_FILE_H
#define ASR_UTIL_FILE_H

#include <stddef.h>

#include "core/error.h"

/* Reads path into a new NUL-terminated buffer (*text, caller frees; *len excludes the NUL).
 * `what` names the file in messages: "cannot read template PATH: strerror" (ASR_EIO). */
int asr_read_file(const char *path, const char *what, char **text, size_t *len, asr_err_t *err);

/* Writes text and a newline to path (created or replaced). `what` prefixes messages:
 * "--json: cannot write PATH: strerror" (ASR_EIO). */
int asr_write_text_file(const char *path, const char *text, const char *what, asr_err_t *err);

/* Writes len bytes to path atomically: into a temporary file beside it (PATH.tmp.PID), synced,
 * then renamed over path, so a reader (or a crash) sees the old file or the new one, never a
 * part. `what` prefixes messages as above (ASR_EIO); the temporary file is removed on failure. */
int asr_write_file_atomic(const char *path, const char *data, size_t len, const char *what,
                          asr_err_t *err);

/* 1 if name points at a Lua file rather than naming a built-in (a scaling profile or
 * policy): it has a '/' or ends in ".lua". */
int asr_is_lua_file_name(const char *name);

#endif
