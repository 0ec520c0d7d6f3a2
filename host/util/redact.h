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

/* The '@' that ends the user info ("user" or "user:password") in the URI authority s[0..end)
 * (the text after "://"), or NULL when there is none. The user info ends at the last '@' before the options
 * ('?'), as libmongoc and the drivers read it; a password holding an unescaped '?' ends at the
 * last '@' after it with no '=' before ("u:p?w@h/?appName=@acct@" has its user info end at
 * "w@", while "h/?appName=@acct@", Cosmos DB's, has none). */
const char *asr_uri_userinfo_end(const char *s, const char *end);

/* For a user's argument that may be a URI missing its "://" ("mongodb//u:pw@h/db.c" taken
 * for a file name): asr_redact_uri, and when there is no "://" but a "user:password@", all
 * of the text before that '@' is masked ("****@h/db.c"). */
void asr_redact_arg(const char *in, char *out, size_t n);

/* asr_log with the formatted text redacted first (for messages that may quote a URI). */
void asr_log_redacted(asr_log_level_t level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
