#include "util/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "core/buf.h"

static asr_log_level_t g_level = ASR_LOG_INFO;
static asr_log_format_t g_format = ASR_LOG_TEXT;
static uv_mutex_t g_lock;
static uv_once_t g_once = UV_ONCE_INIT;
static char g_status[1024]; /* the status line on screen; "" when none */
static atomic_int g_status_on; /* g_status is not empty: read without the lock */

#define ERASE_LINE "\r\033[K"

static void init_lock(void) { uv_mutex_init(&g_lock); }

void asr_log_configure(asr_log_level_t max_level, asr_log_format_t format) {
  g_level = max_level;
  g_format = format;
}

int asr_log_enabled(asr_log_level_t level) { return level <= g_level; }

int asr_log_is_json(void) { return g_format == ASR_LOG_JSON; }

static const char *level_name(asr_log_level_t l) {
  static const char *names[] = {"error", "warn", "info", "debug"};
  return names[l];
}

/* Appends s as a JSON string literal body (without quotes). */
static void json_escape(asr_buf_t *b, const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    char tmp[8];
    if (c == '"' || c == '\\') {
      tmp[0] = '\\', tmp[1] = (char)c;
      asr_buf_append(b, tmp, 2);
    } else if (c == '\n' || c == '\t') {
      tmp[0] = '\\', tmp[1] = c == '\n' ? 'n' : 't';
      asr_buf_append(b, tmp, 2);
    } else if (c < 0x20) {
      snprintf(tmp, sizeof tmp, "\\u%04x", c);
      asr_buf_append(b, tmp, 6);
    } else {
      asr_buf_append(b, &c, 1);
    }
  }
}

static void write_json(asr_log_level_t level, const char *event, const char *fields,
                       const char *msg) {
  char ts[40];
  struct timespec now;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &now);
  gmtime_r(&now.tv_sec, &tm);
  size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(ts + n, sizeof ts - n, ".%03ldZ", now.tv_nsec / 1000000);
  asr_buf_t b;
  asr_buf_init(&b);
  asr_buf_append_str(&b, "{\"ts\":\"");
  asr_buf_append_str(&b, ts);
  asr_buf_append_str(&b, "\",\"level\":\"");
  asr_buf_append_str(&b, level_name(level));
  asr_buf_append_str(&b, "\",\"event\":\"");
  json_escape(&b, event);
  asr_buf_append_str(&b, "\",");
  if (fields && *fields) {
    asr_buf_append_str(&b, fields);
    asr_buf_append_str(&b, ",");
  }
  asr_buf_append_str(&b, "\"msg\":\"");
  json_escape(&b, msg);
  asr_buf_append(&b, "\"}\n", 3);
  if (b.data) fwrite(b.data, 1, b.len, stderr);
  asr_buf_free(&b);
}

/* From the locale variables in POSIX order (LC_ALL, LC_CTYPE, LANG; none: the C locale,
 * ASCII). Read once. */
int asr_log_utf8_terminal(void) {
  static int known = -1;
  if (known >= 0) return known;
  const char *names[] = {"LC_ALL", "LC_CTYPE", "LANG"}, *v = NULL;
  for (int i = 0; i < 3 && !(v && *v); i++) v = getenv(names[i]);
  known = v && (strcasestr(v, "utf-8") || strcasestr(v, "utf8"));
  return known;
}

const char *asr_log_arrow(void) { return asr_log_utf8_terminal() ? "\u2192" : "->"; }

/* The text of msg for an ASCII terminal: the brief's emoji and arrows as ASCII, any other
 * character beyond ASCII as '?'. */
static void to_ascii(const char *msg, char *out, size_t cap) {
  static const char *const subst[][2] = {
      {"\u2705", "[ok]"}, {"\U0001F680", "[>>]"}, {"\U0001F4CA", "[=]"}, {"\u2192", "->"},
      {"\U0001F3C1", "[end]"}, {"\U0001F504", "[~]"}, {"\u26A0\uFE0F", "[!]"}, {"\u26A0", "[!]"},
      {"\u00D7", "x"}, {"\u00B1", "+/-"}, {"\u2014", "--"}, {"\u2026", "..."}};
  size_t o = 0;
  for (const unsigned char *p = (const unsigned char *)msg; *p && o + 5 < cap;) {
    if (*p < 0x80) {
      out[o++] = (char)*p++;
      continue;
    }
    size_t i = 0, n = sizeof subst / sizeof subst[0];
    while (i < n && strncmp((const char *)p, subst[i][0], strlen(subst[i][0])) != 0) i++;
    if (i < n) {
      size_t k = strlen(subst[i][1]);
      memcpy(out + o, subst[i][1], k);
      o += k;
      p += strlen(subst[i][0]);
    } else {
      out[o++] = '?';
      for (p++; (*p & 0xC0) == 0x80; p++) {} /* the rest of the character */
    }
  }
  out[o] = '\0';
}

static void emit(asr_log_level_t level, const char *event, const char *fields, const char *fmt,
                 va_list ap) {
  char msg[2048], ascii[2048];
  vsnprintf(msg, sizeof msg, fmt, ap);
  if (g_format == ASR_LOG_TEXT && !asr_log_utf8_terminal()) { /* JSON is UTF-8 by definition */
    to_ascii(msg, ascii, sizeof ascii);
    memcpy(msg, ascii, strlen(ascii) + 1);
  }
  uv_once(&g_once, init_lock);
  uv_mutex_lock(&g_lock);
  if (g_status[0]) fputs(ERASE_LINE, stderr);
  if (g_format == ASR_LOG_JSON) {
    write_json(level, event, fields, msg);
  } else if (level <= ASR_LOG_WARN) {
    fprintf(stderr, "asrun: %s: %s\n", level_name(level), msg);
  } else {
    fprintf(stderr, "%s\n", msg);
  }
  if (g_status[0]) fputs(g_status, stderr);
  fflush(stderr);
  uv_mutex_unlock(&g_lock);
}

void asr_log_status_show(const char *line) {
  uv_once(&g_once, init_lock);
  uv_mutex_lock(&g_lock);
  int shown = g_status[0] != '\0';
  snprintf(g_status, sizeof g_status, "%s", line ? line : "");
  atomic_store(&g_status_on, g_status[0] != '\0');
  if (shown || g_status[0]) fprintf(stderr, ERASE_LINE "%s", g_status);
  fflush(stderr);
  uv_mutex_unlock(&g_lock);
}

void asr_log_status_clear(void) { asr_log_status_show(NULL); }

void asr_log_stdout(const char *text, size_t len) {
  if (!atomic_load(&g_status_on)) { /* as Lua's print, but one write: a line stays whole */
    fwrite(text, 1, len, stdout);
    fflush(stdout);
    return;
  }
  uv_once(&g_once, init_lock);
  uv_mutex_lock(&g_lock);
  if (g_status[0]) {
    fputs(ERASE_LINE, stderr);
    fflush(stderr);
  }
  fwrite(text, 1, len, stdout);
  fflush(stdout);
  if (g_status[0]) {
    fputs(g_status, stderr);
    fflush(stderr);
  }
  uv_mutex_unlock(&g_lock);
}

void asr_log(asr_log_level_t level, const char *event, const char *fmt, ...) {
  if (level > g_level) return;
  va_list ap;
  va_start(ap, fmt);
  emit(level, event, NULL, fmt, ap);
  va_end(ap);
}

void asr_log_fields(asr_log_level_t level, const char *event, const char *fields,
                    const char *fmt, ...) {
  if (level > g_level) return;
  va_list ap;
  va_start(ap, fmt);
  emit(level, event, fields, fmt, ap);
  va_end(ap);
}

const char *asr_log_thousands(long long n, char *buf, unsigned size) {
  char digits[32];
  int len = snprintf(digits, sizeof digits, "%lld", n < 0 ? -n : n);
  unsigned o = 0;
  if (n < 0 && o + 1 < size) buf[o++] = '-';
  for (int i = 0; i < len && o + 1 < size; i++) {
    if (i > 0 && (len - i) % 3 == 0 && o + 1 < size) buf[o++] = ',';
    if (o + 1 < size) buf[o++] = digits[i];
  }
  buf[o] = '\0';
  return buf;
}
