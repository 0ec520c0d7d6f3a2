/* Whole-file reads for small inputs (templates, configs). */
#ifndef ASR_UTIL_FILE_H
#define ASR_UTIL_FILE_H

#include <stddef.h>

#include "util/error.h"

/* Reads path into a new NUL-terminated buffer (*text, caller frees; *len excludes the NUL).
 * `what` names the file in messages: "cannot read template PATH: strerror" (ASR_EIO). */
int asr_read_file(const char *path, const char *what, char **text, size_t *len, asr_err_t *err);

#endif
