/* Credential redaction (see redact.h). One pass over the text: "scheme://user:password@"
 * loses its password, secret-looking key=value pairs lose their value. It errs on the side
 * of hiding: a malformed URI (an unescaped '?' or '@' in the password) is still masked. */
#include "util/redact.h"

#include <stdarg.h>
#include <stdio.h>

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define MASK "****"

typedef struct out {
  char *p;
  size_t n, len;
} out_t;

static void put(out_t *o, const char *s, size_t k) {
  if (o->n == 0) return;
  size_t room = o->n - 1 - o->len;
  if (k > room) k = room;
  memcpy(o->p + o->len, s, k);
  o->len += k;
  o->p[o->len] = '\0';
}

static int token_end_char(char c) {
  return c == '\0' || isspace((unsigned char)c) || c == '"' || c == '\'' || c == '`' ||
         c == '<' || c == '>';
}

static int key_char(char c) {
  return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-';
}

/* A key=value pair starts at the beginning of the text or after one of these. */
static int key_delim(char c) { return strchr("?&;,({[ \t\r\n\"'", c) != NULL; }

static int contains_ci(const char *s, size_t len, const char *word) {
  size_t w = strlen(word);
  for (size_t i = 0; i + w <= len; i++)
    if (strncasecmp(s + i, word, w) == 0) return 1;
  return 0;
}

static int secret_key(const char *k, size_t len) {
  static const char *const parts[] = {"password", "passwd", "pwd", "secret", "token",
                                      "accountkey", "accesskey", "apikey",
                                      "authmechanismproperties"};
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
    if (contains_ci(k, len, parts[i])) return 1;
  return (len == 3 && strncasecmp(k, "sig", 3) == 0) ||
         (len == 3 && strncasecmp(k, "key", 3) == 0);
}

static const char *find_in(const char *s, const char *end, char c) {
  for (; s < end; s++)
    if (*s == c) return s;
  return NULL;
}

static const char *rfind_in(const char *s, const char *end, char c) {
  for (const char *p = end; p > s; p--)
    if (p[-1] == c) return p - 1;
  return NULL;
}

const char *asr_uri_userinfo_end(const char *s, const char *end) {
  const char *q = find_in(s, end, '?');
  const char *at = rfind_in(s, q ? q : end, '@');
  if (!at && q) { /* a password with a '?': the last '@' after it with no '=' before it */
    const char *eq = find_in(q, end, '=');
    at = rfind_in(q, eq ? eq : end, '@');
    if (at && !find_in(s, at, ':')) at = NULL;
  }
  return at;
}

/* s points just after "://": the '@' ending "user:password" in the token that starts there,
 * or NULL when it has no password. */
static const char *userinfo_end(const char *s) {
  const char *end = s;
  while (!token_end_char(*end)) end++;
  const char *at = asr_uri_userinfo_end(s, end);
  return at && find_in(s, at, ':') ? at : NULL;
}

void asr_redact_uri(const char *in, char *outbuf, size_t n) {
  out_t o = {outbuf, n, 0};
  if (n) outbuf[0] = '\0';
  if (!in) return;
  for (const char *p = in; *p;) {
    if (strncmp(p, "://", 3) == 0) {
      put(&o, p, 3);
      p += 3;
      const char *at = userinfo_end(p);
      if (at) {
        const char *colon = find_in(p, at, ':');
        put(&o, p, (size_t)(colon + 1 - p));
        put(&o, MASK, strlen(MASK));
        p = at; /* the '@' is copied next */
      }
      continue;
    }
    if (key_char(*p) && (p == in || key_delim(p[-1]))) {
      const char *k = p;
      while (key_char(*k)) k++;
      if (*k == '=') {
        put(&o, p, (size_t)(k + 1 - p));
        int secret = secret_key(p, (size_t)(k - p));
        p = k + 1;
        if (secret) {
          const char *v = p;
          while (!token_end_char(*v) && *v != '&' && *v != ';') v++;
          if (v > p) put(&o, MASK, strlen(MASK));
          p = v;
        }
        continue; /* other values are scanned on: they may hold a URI with a password */
      }
      put(&o, p, (size_t)(k - p)); /* a word, not a key: copy it whole */
      p = k;
      continue;
    }
    put(&o, p, 1);
    p++;
  }
}

void asr_redact_arg(const char *in, char *out, size_t n) {
  const char *at = in && !strstr(in, "://") ? asr_uri_userinfo_end(in, in + strlen(in)) : NULL;
  if (!at || !find_in(in, at, ':')) {
    asr_redact_uri(in, out, n);
    return;
  }
  char rest[1024];
  asr_redact_uri(at + 1, rest, sizeof rest);
  snprintf(out, n, MASK "@%s", rest);
}

void asr_log_redacted(asr_log_level_t level, const char *event, const char *fmt, ...) {
  if (!asr_log_enabled(level)) return;
  char raw[1024], red[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(raw, sizeof raw, fmt, ap);
  va_end(ap);
  asr_redact_uri(raw, red, sizeof red);
  asr_log(level, event, "%s", red);
}
