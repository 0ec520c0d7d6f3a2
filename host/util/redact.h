/* Credential redaction for anything that may carry a connection string: error messages,
 * log lines, summaries. Every message the MongoDB code produces goes through
 * asr_redact_uri, so a password or key never reaches a terminal or a log file. */
#ifndef ASR_UTIL_REDACT_H
#define ASR_UTIL_REDACT_H

#include <stddef.h>

#include "util/log.h"

/* Copies `in` to `out` (n bytes, always NUL-terminated when n > 0) with secrets replaced
 * by "****": the password of every "scheme://user:password@" in the text, and the value of
 * every key=value pair whose key looks secret (password, pwd, secret, token, sig,
 * AccountKey, SharedAccessKey, authMechanismProperties; any case), whether it sits in a URI
 * query (?k=v&k=v) or an Azure-style connection string (k=v;k=v). The text around is kept,
 * so `in` may be a whole message with a URI inside. Truncates at n - 1 bytes. */
void asr_redact_uri(const char *in, char *out, size_t n);

/* asr_log with the formatted text redacted first (for messages that may quote a URI). */
void asr_log_redacted(asr_log_level_t level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
