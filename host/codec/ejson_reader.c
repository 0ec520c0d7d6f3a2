/* Extended JSON v2 -> BSON, by hand: a recursive-descent parser that writes BSON bytes as it
 * reads (length fields patched when a document closes). See ejson_reader.h for what it reads. */
#include "codec/ejson_reader.h"
#include "core/civil.h"

#include <bson/bson.h>
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

typedef struct reader {
  const uint8_t *start, *p, *end;
  asr_buf_t *out;
  asr_ejson_status_t *st;
  int depth;
  int in_scope; /* inside a $scope: keywords are left to libbson (it reads some, not all) */
  jmp_buf fail; /* longjmp target: the code of the failure */
} reader_t;

/* --- failures ---------------------------------------------------------------------------- */

static void locate(reader_t *r, const uint8_t *at) {
  asr_ejson_status_t *st = r->st;
  if (at > r->end) at = r->end;
  st->offset = (size_t)(at - r->start);
  st->line = 1, st->col = 1;
  for (const uint8_t *q = r->start; q < at; q++) {
    if (*q == '\n') st->line++, st->col = 1;
    else st->col++;
  }
}

static _Noreturn void fail_at(reader_t *r, int code, const uint8_t *at, const char *fmt, ...) {
  locate(r, at);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->st->msg, sizeof r->st->msg, fmt, ap);
  va_end(ap);
  longjmp(r->fail, code);
}

static const char *describe(reader_t *r, const uint8_t *at, char buf[16]) {
  if (at >= r->end) return "end of input";
  if (*at >= 0x20 && *at < 0x7f) snprintf(buf, 16, "'%c'", *at);
  else snprintf(buf, 16, "byte 0x%02X", *at);
  return buf;
}

static _Noreturn void unexpected(reader_t *r, const char *wanted) {
  char b[16];
  fail_at(r, ASR_EJSON_ERROR, r->p, "expected %s, found %s", wanted, describe(r, r->p, b));
}

#define DEFER(r, at, ...) fail_at((r), ASR_EJSON_DEFER, (at), __VA_ARGS__)

/* --- output ------------------------------------------------------------------------------ */

static inline void reserve(reader_t *r, size_t n) {
  if (r->out->cap - r->out->len < n && asr_buf_reserve(r->out, n))
    fail_at(r, ASR_EJSON_NOMEM, r->p, "out of memory");
}
static inline void put(reader_t *r, const void *p, size_t n) {
  reserve(r, n);
  asr_buf_put(r->out, p, n);
}
static inline void putc8(reader_t *r, uint8_t c) {
  reserve(r, 1);
  r->out->data[r->out->len++] = c;
}
/* put() for the text of a string or name: a run of up to 16 bytes (most are) is copied as one
 * 16-byte block when the input has 16 bytes there, without a call to memcpy; the bytes past the
 * run land in reserved room that later output overwrites. */
static inline void put_text(reader_t *r, const uint8_t *s, size_t n) {
  reserve(r, n + 16);
  uint8_t *d = r->out->data + r->out->len;
  if (n <= 16 && r->end - s >= 16) memcpy(d, s, 16);
  else memcpy(d, s, n);
  r->out->len += n;
}
static inline void put_i32(reader_t *r, int32_t v) { put(r, &v, 4); } /* little-endian hosts */
static inline void put_i64(reader_t *r, int64_t v) { put(r, &v, 8); }
static inline void patch_i32(reader_t *r, size_t at, int32_t v) {
  memcpy(r->out->data + at, &v, 4);
}

/* --- lexing ------------------------------------------------------------------------------ */

static inline void skip_ws(reader_t *r) {
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
    r->p++;
}
static inline int peek(reader_t *r) {
  skip_ws(r);
  return r->p < r->end ? *r->p : -1;
}
static inline void expect(reader_t *r, char c, const char *what) {
  if (peek(r) != c) unexpected(r, what);
  r->p++;
}

/* The first byte in [p, end) that ends a run of plain string bytes: '"', '\\', a control
 * character (< 0x20) or a non-ASCII byte (>= 0x80); end when there is none. Sixteen bytes at a
 * time where SSE2 is there (x86_64 always): strings are most of a document's bytes. */
static inline const uint8_t *plain_run_end(const uint8_t *p, const uint8_t *end) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
  const __m128i space = _mm_set1_epi8(0x20);
  while (end - p >= 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    /* signed compare: bytes >= 0x80 are negative, so "< 0x20" catches them too */
    __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                                _mm_cmplt_epi8(v, space));
    int mask = _mm_movemask_epi8(stop);
    if (mask) return p + __builtin_ctz((unsigned)mask);
    p += 16;
  }
#endif
  while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') p++;
  return p;
}

static int hexval(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static uint32_t read_u4(reader_t *r, const uint8_t *q) {
  if (r->end - q < 4) fail_at(r, ASR_EJSON_ERROR, q, "incomplete \\u escape");
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hexval(q[i]);
    if (h < 0) fail_at(r, ASR_EJSON_ERROR, q + i, "invalid \\u escape");
    v = v << 4 | (uint32_t)h;
  }
  return v;
}

/* Length of the valid UTF-8 sequence at q (RFC 3629), or 0. */
static size_t utf8_seq(const uint8_t *q, const uint8_t *end) {
  uint8_t c = q[0];
  size_t n;
  uint32_t min, cp;
  if (c < 0xC2) return 0;
  if (c < 0xE0) n = 2, min = 0x80, cp = c & 0x1F;
  else if (c < 0xF0) n = 3, min = 0x800, cp = c & 0x0F;
  else if (c < 0xF5) n = 4, min = 0x10000, cp = c & 0x07;
  else return 0;
  if ((size_t)(end - q) < n) return 0;
  for (size_t i = 1; i < n; i++) {
    if ((q[i] & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (q[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

static void put_utf8(reader_t *r, uint32_t cp) {
  uint8_t b[4];
  size_t n;
  if (cp < 0x80) b[0] = (uint8_t)cp, n = 1;
  else if (cp < 0x800) b[0] = (uint8_t)(0xC0 | cp >> 6), b[1] = (uint8_t)(0x80 | (cp & 0x3F)), n = 2;
  else if (cp < 0x10000)
    b[0] = (uint8_t)(0xE0 | cp >> 12), b[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F)),
    b[2] = (uint8_t)(0x80 | (cp & 0x3F)), n = 3;
  else
    b[0] = (uint8_t)(0xF0 | cp >> 18), b[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F)),
    b[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F)), b[3] = (uint8_t)(0x80 | (cp & 0x3F)), n = 4;
  put(r, b, n);
}

/* Decodes the string at r->p (its opening quote) onto out, without a terminator. A NUL in it
 * is allowed only in values (nul_ok). Returns the decoded length. */
static size_t read_string(reader_t *r, int nul_ok) {
  const uint8_t *open = r->p;
  if (peek(r) != '"') unexpected(r, "a string");
  open = r->p++;
  size_t before = r->out->len;
  for (;;) {
    const uint8_t *run = r->p;
    r->p = plain_run_end(r->p, r->end);
    if (r->p > run) put_text(r, run, (size_t)(r->p - run));
    if (r->p >= r->end) fail_at(r, ASR_EJSON_ERROR, open, "unterminated string");
    uint8_t c = *r->p;
    if (c == '"') {
      r->p++;
      return r->out->len - before;
    }
    if (c == '\\') {
      const uint8_t *esc = r->p;
      if (r->end - r->p < 2) fail_at(r, ASR_EJSON_ERROR, open, "unterminated string");
      uint8_t e = r->p[1];
      r->p += 2;
      switch (e) {
      case '"': putc8(r, '"'); break;
      case '\\': putc8(r, '\\'); break;
      case '/': putc8(r, '/'); break;
      case 'b': putc8(r, '\b'); break;
      case 'f': putc8(r, '\f'); break;
      case 'n': putc8(r, '\n'); break;
      case 'r': putc8(r, '\r'); break;
      case 't': putc8(r, '\t'); break;
      case 'u': {
        uint32_t cp = read_u4(r, r->p);
        r->p += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u')
            DEFER(r, esc, "a lone surrogate escape");
          uint32_t lo = read_u4(r, r->p + 2);
          if (lo < 0xDC00 || lo > 0xDFFF) DEFER(r, esc, "a lone surrogate escape");
          r->p += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          DEFER(r, esc, "a lone surrogate escape");
        }
        if (cp == 0 && !nul_ok) DEFER(r, esc, "a NUL character in a field name");
        put_utf8(r, cp);
        break;
      }
      default: fail_at(r, ASR_EJSON_ERROR, esc, "invalid escape '\\%c'", e >= 0x20 && e < 0x7f ? e : '?');
      }
      continue;
    }
    if (c < 0x20) DEFER(r, r->p, "a raw control character in a string");
    size_t n = utf8_seq(r->p, r->end);
    if (!n) DEFER(r, r->p, "invalid UTF-8 in a string");
    put(r, r->p, n);
    r->p += n;
  }
}

/* The raw bytes of the string at r->p (no escapes allowed: for keyword values, which are
 * ASCII). Leaves r->p after it. */
static void raw_string(reader_t *r, const uint8_t **s, size_t *n) {
  if (peek(r) != '"') DEFER(r, r->p, "a keyword value that is not a string");
  const uint8_t *q = plain_run_end(r->p + 1, r->end);
  if (q >= r->end || *q != '"') DEFER(r, r->p, "an unusual keyword string");
  *s = r->p + 1;
  *n = (size_t)(q - *s);
  r->p = q + 1;
}

/* --- numbers ----------------------------------------------------------------------------- */

typedef struct number {
  const uint8_t *s;
  size_t n;
  int is_int;
} number_t;

/* A number in JSON's grammar. libbson's lexer (yajl) is looser ("-00", "4.E0"): a number
 * outside the grammar is deferred to it. */
static number_t scan_number(reader_t *r) {
  number_t num = {r->p, 0, 1};
  const uint8_t *q = r->p;
  if (q < r->end && *q == '-') q++;
  if (q >= r->end || *q < '0' || *q > '9') DEFER(r, r->p, "a number outside JSON's grammar");
  if (*q == '0') {
    q++;
    if (q < r->end && *q >= '0' && *q <= '9') DEFER(r, r->p, "a number with a leading zero");
  } else {
    while (q < r->end && *q >= '0' && *q <= '9') q++;
  }
  if (q < r->end && *q == '.') {
    num.is_int = 0;
    q++;
    if (q >= r->end || *q < '0' || *q > '9') DEFER(r, r->p, "a number outside JSON's grammar");
    while (q < r->end && *q >= '0' && *q <= '9') q++;
  }
  if (q < r->end && (*q == 'e' || *q == 'E')) {
    num.is_int = 0;
    q++;
    if (q < r->end && (*q == '+' || *q == '-')) q++;
    if (q >= r->end || *q < '0' || *q > '9') DEFER(r, r->p, "a number outside JSON's grammar");
    while (q < r->end && *q >= '0' && *q <= '9') q++;
  }
  num.n = (size_t)(q - r->p);
  r->p = q;
  return num;
}

/* Parses -?[0-9]+ in s[0,n) into *v. Returns 1, or 0 when malformed or outside int64. */
static int parse_int64(const uint8_t *s, size_t n, int64_t *v) {
  size_t i = 0;
  int neg = 0;
  if (i < n && s[i] == '-') neg = 1, i++;
  if (i == n) return 0;
  uint64_t acc = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    uint64_t d = (uint64_t)(s[i] - '0');
    if (acc > (limit - d) / 10) return 0;
    acc = acc * 10 + d;
  }
  *v = neg ? (int64_t)(0 - acc) : (int64_t)acc;
  return 1;
}

/* Clinger's fast path: a decimal with at most 15 significant digits and a power of ten up to
 * 22 is exactly m * 10^e or m / 10^e of two exact doubles, so one IEEE operation rounds it
 * correctly (as strtod would). Returns 0 when the number is outside it. */
static int fast_double(const uint8_t *s, size_t n, double *v) {
  static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  size_t i = 0;
  int neg = 0, digits = 0, frac = 0;
  uint64_t m = 0;
  if (s[i] == '-') neg = 1, i++;
  if (i == n || s[i] < '0' || s[i] > '9') return 0; /* "-", ".5": strtod decides, as libbson */
  for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
    if (m || s[i] != '0') digits++;
    m = m * 10 + (uint64_t)(s[i] - '0');
    if (digits > 15) return 0;
  }
  if (i < n && s[i] == '.')
    for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, frac++) {
      if (m || s[i] != '0') digits++;
      m = m * 10 + (uint64_t)(s[i] - '0');
      if (digits > 15) return 0;
    }
  if (i != n) return 0; /* an exponent: strtod */
  if (frac > 22) return 0;
  double d = (double)m / pow10[frac];
  *v = neg ? -d : d;
  return 1;
}

static int parse_double(const uint8_t *s, size_t n, double *v) {
  if (fast_double(s, n, v)) return 1;
  char tmp[64];
  if (n >= sizeof tmp) return 0;
  memcpy(tmp, s, n);
  tmp[n] = 0;
  char *e;
  *v = strtod(tmp, &e);
  return *e == 0;
}

/* --- values ------------------------------------------------------------------------------ */

static void read_document_body(reader_t *r, const uint8_t *open);
static void read_array_body(reader_t *r);
static int read_object_value(reader_t *r, const uint8_t *open);

/* Reads one value; appends its BSON value bytes and returns its BSON type. */
static int read_value(reader_t *r) {
  int c = peek(r);
  switch (c) {
  case '"': {
    size_t at = r->out->len;
    put_i32(r, 0);
    size_t n = read_string(r, 1);
    putc8(r, 0);
    patch_i32(r, at, (int32_t)(n + 1));
    return BSON_TYPE_UTF8;
  }
  case '{': {
    const uint8_t *open = r->p++;
    return read_object_value(r, open);
  }
  case '[':
    r->p++;
    if (++r->depth > ASR_EJSON_READER_MAX_DEPTH) DEFER(r, r->p - 1, "nesting too deep");
    read_array_body(r);
    r->depth--;
    return BSON_TYPE_ARRAY;
  case 't':
  case 'f':
  case 'n': {
    static const char *const words[] = {"true", "false", "null"};
    const char *w = words[c == 't' ? 0 : c == 'f' ? 1 : 2];
    size_t n = strlen(w);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n) != 0) unexpected(r, "a value");
    r->p += n;
    if (c == 'n') return BSON_TYPE_NULL;
    putc8(r, c == 't');
    return BSON_TYPE_BOOL;
  }
  default:
    if (c == '-' || (c >= '0' && c <= '9')) {
      number_t num = scan_number(r);
      if (num.is_int) {
        int64_t v;
        if (!parse_int64(num.s, num.n, &v))
          fail_at(r, ASR_EJSON_ERROR, num.s, "integer %.*s is outside the 64-bit range",
                  (int)(num.n < 40 ? num.n : 40), num.s);
        if (v >= INT32_MIN && v <= INT32_MAX) {
          put_i32(r, (int32_t)v);
          return BSON_TYPE_INT32;
        }
        put_i64(r, v);
        return BSON_TYPE_INT64;
      }
      double d;
      if (!parse_double(num.s, num.n, &d)) DEFER(r, num.s, "an unusually long number");
      if (isinf(d))
        fail_at(r, ASR_EJSON_ERROR, num.s, "number %.*s is out of the double range",
                (int)(num.n < 40 ? num.n : 40), num.s);
      put(r, &d, 8);
      return BSON_TYPE_DOUBLE;
    }
    unexpected(r, "a value");
  }
}

/* Field names that make an object an Extended JSON value in libbson's reader. */
enum kw {
  KW_NONE, KW_OID, KW_SYMBOL, KW_INT, KW_LONG, KW_DOUBLE, KW_DECIMAL, KW_BINARY, KW_TYPE,
  KW_UUID, KW_CODE, KW_SCOPE, KW_TIMESTAMP, KW_REGEXP, KW_REGEX, KW_OPTIONS, KW_DATE,
  KW_MINKEY, KW_MAXKEY, KW_UNDEFINED, KW_DBPOINTER,
};

static enum kw keyword(const uint8_t *s, size_t n) {
  static const struct { const char *name; enum kw kw; } table[] = {
      {"$oid", KW_OID}, {"$symbol", KW_SYMBOL}, {"$numberInt", KW_INT},
      {"$numberLong", KW_LONG}, {"$numberDouble", KW_DOUBLE}, {"$numberDecimal", KW_DECIMAL},
      {"$binary", KW_BINARY}, {"$type", KW_TYPE}, {"$uuid", KW_UUID}, {"$code", KW_CODE},
      {"$scope", KW_SCOPE}, {"$timestamp", KW_TIMESTAMP}, {"$regularExpression", KW_REGEXP},
      {"$regex", KW_REGEX}, {"$options", KW_OPTIONS}, {"$date", KW_DATE},
      {"$minKey", KW_MINKEY}, {"$maxKey", KW_MAXKEY}, {"$undefined", KW_UNDEFINED},
      {"$dbPointer", KW_DBPOINTER},
  };
  if (n < 2 || s[0] != '$') return KW_NONE;
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (table[i].name[1] == s[1] && strlen(table[i].name) == n && memcmp(table[i].name, s, n) == 0)
      return table[i].kw;
  return KW_NONE;
}

/* The raw key at r->p (after whitespace) when it is a plain string; *escaped when it holds a
 * backslash (then its name is not known without decoding). */
static void peek_key(reader_t *r, const uint8_t **s, size_t *n, int *escaped) {
  const uint8_t *q = r->p + 1;
  *escaped = 0;
  while (q < r->end && *q != '"') {
    if (*q == '\\') {
      *escaped = 1;
      q++;
    }
    q++;
  }
  if (q >= r->end) fail_at(r, ASR_EJSON_ERROR, r->p, "unterminated string");
  *s = r->p + 1;
  *n = (size_t)(q - *s);
}

/* Consumes the key string at r->p and the ':' after it. */
static void skip_key(reader_t *r, size_t n) {
  r->p += n + 2;
  expect(r, ':', "':'");
}

static void key_eq(reader_t *r, const char *name) {
  const uint8_t *s;
  size_t n;
  if (peek(r) != '"') DEFER(r, r->p, "an unusual keyword object");
  raw_string(r, &s, &n);
  if (n != strlen(name) || memcmp(s, name, n) != 0) DEFER(r, s, "an unusual keyword object");
  expect(r, ':', "':'");
}

static void close_keyword(reader_t *r) {
  if (peek(r) != '}') DEFER(r, r->p, "an unusual keyword object");
  r->p++;
}

static void read_oid12(reader_t *r) {
  const uint8_t *s;
  size_t n;
  raw_string(r, &s, &n);
  if (n != 24) DEFER(r, s, "an unusual $oid");
  uint8_t b[12];
  for (int i = 0; i < 12; i++) {
    int h = hexval(s[2 * i]), l = hexval(s[2 * i + 1]);
    if (h < 0 || l < 0) DEFER(r, s, "an unusual $oid");
    b[i] = (uint8_t)(h << 4 | l);
  }
  put(r, b, 12);
}

static int64_t read_int64_string(reader_t *r) {
  const uint8_t *s;
  size_t n;
  int64_t v;
  raw_string(r, &s, &n);
  if (!parse_int64(s, n, &v)) DEFER(r, s, "an unusual integer string");
  return v;
}

static uint32_t read_uint32_number(reader_t *r) {
  int c = peek(r);
  if (c < '0' || c > '9') DEFER(r, r->p, "an unusual $timestamp");
  number_t num = scan_number(r);
  int64_t v;
  if (!num.is_int || !parse_int64(num.s, num.n, &v) || v > UINT32_MAX)
    DEFER(r, num.s, "an unusual $timestamp");
  return (uint32_t)v;
}

/* Base64 (standard alphabet, '=' padding required) into out; returns the byte count. */
static size_t put_base64(reader_t *r, const uint8_t *s, size_t n) {
  if (n % 4) DEFER(r, s, "unusual base64");
  reserve(r, n / 4 * 3);
  uint8_t *o = r->out->data + r->out->len;
  size_t k = 0;
  for (size_t i = 0; i < n; i += 4) {
    int v[4], pad = 0;
    for (int j = 0; j < 4; j++) {
      uint8_t c = s[i + j];
      if (c >= 'A' && c <= 'Z') v[j] = c - 'A';
      else if (c >= 'a' && c <= 'z') v[j] = c - 'a' + 26;
      else if (c >= '0' && c <= '9') v[j] = c - '0' + 52;
      else if (c == '+') v[j] = 62;
      else if (c == '/') v[j] = 63;
      else if (c == '=' && i + 4 == n && j >= 2) v[j] = 0, pad++;
      else DEFER(r, s, "unusual base64");
      if (pad && c != '=') DEFER(r, s, "unusual base64");
    }
    /* bits past the last byte must be zero (libbson refuses "AQH=") */
    if ((pad == 1 && (v[2] & 3)) || (pad == 2 && (v[1] & 15))) DEFER(r, s, "unusual base64");
    uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
    o[k++] = (uint8_t)(w >> 16);
    if (pad < 2) o[k++] = (uint8_t)(w >> 8);
    if (pad < 1) o[k++] = (uint8_t)w;
  }
  r->out->len += k;
  return k;
}

static int read_subtype(reader_t *r) {
  const uint8_t *s;
  size_t n;
  raw_string(r, &s, &n);
  int v = 0;
  if (n < 1 || n > 2) DEFER(r, s, "an unusual binary subtype");
  for (size_t i = 0; i < n; i++) {
    int h = hexval(s[i]);
    if (h < 0) DEFER(r, s, "an unusual binary subtype");
    v = v << 4 | h;
  }
  return v;
}

/* Writes a binary value: int32 length, subtype, bytes (subtype 2 with its inner length). */
static void put_binary(reader_t *r, int subtype, const uint8_t *b64, size_t n) {
  size_t at = r->out->len;
  put_i32(r, 0);
  putc8(r, (uint8_t)subtype);
  if (subtype == BSON_SUBTYPE_BINARY_DEPRECATED) put_i32(r, 0);
  size_t len = put_base64(r, b64, n);
  if (subtype == BSON_SUBTYPE_BINARY_DEPRECATED) {
    patch_i32(r, at + 5, (int32_t)len);
    len += 4;
  }
  patch_i32(r, at, (int32_t)len);
}

static void read_canonical_binary(reader_t *r) {
  expect(r, '{', "'{'");
  const uint8_t *b64 = NULL, *s;
  size_t n = 0, kn;
  int subtype = -1;
  for (int i = 0; i < 2; i++) {
    if (i) expect(r, ',', "','");
    if (peek(r) != '"') DEFER(r, r->p, "an unusual $binary");
    raw_string(r, &s, &kn);
    expect(r, ':', "':'");
    if (kn == 6 && memcmp(s, "base64", 6) == 0 && !b64) raw_string(r, &b64, &n);
    else if (kn == 7 && memcmp(s, "subType", 7) == 0 && subtype < 0) subtype = read_subtype(r);
    else DEFER(r, s, "an unusual $binary");
  }
  close_keyword(r);
  put_binary(r, subtype, b64, n);
}

static void put_regex(reader_t *r, const uint8_t *pat, size_t pn, const uint8_t *opt, size_t on) {
  static const char order[] = "ilmsux";
  if (memchr(pat, 0, pn)) DEFER(r, pat, "a NUL in a regular expression");
  put(r, pat, pn);
  putc8(r, 0);
  int seen[6] = {0};
  for (size_t i = 0; i < on; i++) {
    const char *k = memchr(order, opt[i], 6);
    if (!k || seen[k - order]++) DEFER(r, opt, "unusual regular expression options");
  }
  for (int i = 0; i < 6; i++)
    if (seen[i]) putc8(r, (uint8_t)order[i]);
  putc8(r, 0);
}

/* A regex pattern may hold escapes: decode it into the output, then move it into place. */
static void read_regex_pair(reader_t *r, int canonical) {
  const uint8_t *pat = NULL, *opt = (const uint8_t *)"", *s;
  size_t pn = 0, on = 0, kn;
  /* patterns are read raw: one with escapes is deferred (rare in data) */
  if (canonical) {
    expect(r, '{', "'{'");
    int have_p = 0, have_o = 0;
    for (int i = 0; i < 2; i++) {
      if (i) expect(r, ',', "','");
      if (peek(r) != '"') DEFER(r, r->p, "an unusual $regularExpression");
      raw_string(r, &s, &kn);
      expect(r, ':', "':'");
      if (kn == 7 && memcmp(s, "pattern", 7) == 0 && !have_p++) raw_string(r, &pat, &pn);
      else if (kn == 7 && memcmp(s, "options", 7) == 0 && !have_o++) raw_string(r, &opt, &on);
      else DEFER(r, s, "an unusual $regularExpression");
    }
    close_keyword(r);
  } else {
    raw_string(r, &pat, &pn);
    if (peek(r) == ',') {
      r->p++;
      key_eq(r, "$options");
      raw_string(r, &opt, &on);
    }
    close_keyword(r);
  }
  put_regex(r, pat, pn, opt, on);
}

static int is_digits(const uint8_t *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return 0;
  return 1;
}
static int num2(const uint8_t *s) { return (s[0] - '0') * 10 + (s[1] - '0'); }


/* YYYY-MM-DDTHH:MM[:SS[.f{1,3}]](Z|±HHMM|±HH:MM). Returns 1 and *ms, or 0 (not this grammar). */
static int parse_iso_date(const uint8_t *s, size_t n, int64_t *ms) {
  if (n < 17 || !is_digits(s, 4) || s[4] != '-' || !is_digits(s + 5, 2) || s[7] != '-' ||
      !is_digits(s + 8, 2) || s[10] != 'T' || !is_digits(s + 11, 2) || s[13] != ':' ||
      !is_digits(s + 14, 2))
    return 0;
  int year = num2(s) * 100 + num2(s + 2), mon = num2(s + 5), day = num2(s + 8);
  int hour = num2(s + 11), min = num2(s + 14), sec = 0, frac = 0;
  size_t i = 16;
  if (i < n && s[i] == ':') {
    if (n - i < 3 || !is_digits(s + i + 1, 2)) return 0;
    sec = num2(s + i + 1);
    i += 3;
    if (i < n && s[i] == '.') {
      size_t k = ++i;
      while (i < n && s[i] >= '0' && s[i] <= '9') i++;
      size_t digits = i - k;
      if (digits < 1 || digits > 3) return 0;
      for (size_t j = 0; j < 3; j++) frac = frac * 10 + (j < digits ? s[k + j] - '0' : 0);
    }
  }
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 59) return 0;
  int offset_min = 0;
  if (i < n && s[i] == 'Z') {
    i++;
  } else if (i < n && (s[i] == '+' || s[i] == '-')) {
    int sign = s[i] == '-' ? -1 : 1;
    i++;
    if (n - i == 4 && is_digits(s + i, 4)) {
      offset_min = num2(s + i) * 60 + num2(s + i + 2);
    } else if (n - i == 5 && is_digits(s + i, 2) && s[i + 2] == ':' && is_digits(s + i + 3, 2)) {
      offset_min = num2(s + i) * 60 + num2(s + i + 3);
    } else {
      return 0;
    }
    if (num2(s + i) > 23 || num2(s + n - 2) > 59) return 0;
    offset_min *= sign;
    i = n;
  } else {
    return 0;
  }
  if (i != n) return 0;
  int64_t secs = asr_days_from_civil(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec -
                 (int64_t)offset_min * 60;
  *ms = secs * 1000 + frac;
  return 1;
}

static void read_date(reader_t *r) {
  int c = peek(r);
  if (c == '"') {
    const uint8_t *s;
    size_t n;
    int64_t ms;
    raw_string(r, &s, &n);
    if (!parse_iso_date(s, n, &ms)) DEFER(r, s, "a $date string outside the ISO-8601 forms read here");
    put_i64(r, ms);
  } else if (c == '{') {
    r->p++;
    key_eq(r, "$numberLong");
    put_i64(r, read_int64_string(r));
    close_keyword(r);
  } else if (c == '-' || (c >= '0' && c <= '9')) {
    number_t num = scan_number(r);
    int64_t v;
    if (!num.is_int || !parse_int64(num.s, num.n, &v)) DEFER(r, num.s, "an unusual $date number");
    put_i64(r, v);
  } else {
    DEFER(r, r->p, "an unusual $date");
  }
  close_keyword(r);
}

static void put_cstring_value(reader_t *r) {
  size_t at = r->out->len;
  put_i32(r, 0);
  size_t n = read_string(r, 1);
  putc8(r, 0);
  patch_i32(r, at, (int32_t)(n + 1));
}

/* The value of a keyword object whose first key (kw) was consumed with its ':'. Returns the
 * BSON type. `key` is where the keyword started, for messages. */
static int read_keyword_value(reader_t *r, enum kw kw, const uint8_t *key) {
  const uint8_t *s;
  size_t n;
  switch (kw) {
  case KW_OID: read_oid12(r); close_keyword(r); return BSON_TYPE_OID;
  case KW_SYMBOL:
    if (peek(r) != '"') DEFER(r, r->p, "an unusual $symbol");
    put_cstring_value(r);
    close_keyword(r);
    return BSON_TYPE_SYMBOL;
  case KW_INT: {
    int64_t v = read_int64_string(r);
    if (v < INT32_MIN || v > INT32_MAX) DEFER(r, key, "an unusual $numberInt");
    put_i32(r, (int32_t)v);
    close_keyword(r);
    return BSON_TYPE_INT32;
  }
  case KW_LONG: put_i64(r, read_int64_string(r)); close_keyword(r); return BSON_TYPE_INT64;
  case KW_DOUBLE: {
    raw_string(r, &s, &n);
    double d;
    if (n == 3 && memcmp(s, "NaN", 3) == 0) d = NAN;
    else if (n == 8 && memcmp(s, "Infinity", 8) == 0) d = INFINITY;
    else if (n == 9 && memcmp(s, "-Infinity", 9) == 0) d = -INFINITY;
    else if (n == 0 || strspn((const char *)s, "0123456789.eE+-") < n ||
             !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9')) || !parse_double(s, n, &d) ||
             isinf(d))
      DEFER(r, s, "an unusual $numberDouble");
    put(r, &d, 8);
    close_keyword(r);
    return BSON_TYPE_DOUBLE;
  }
  case KW_DECIMAL: {
    raw_string(r, &s, &n);
    bson_decimal128_t dec;
    char tmp[64];
    if (n >= sizeof tmp) DEFER(r, s, "an unusual $numberDecimal");
    memcpy(tmp, s, n);
    tmp[n] = 0;
    if (!bson_decimal128_from_string(tmp, &dec)) DEFER(r, s, "an unusual $numberDecimal");
    put_i64(r, (int64_t)dec.low);
    put_i64(r, (int64_t)dec.high);
    close_keyword(r);
    return BSON_TYPE_DECIMAL128;
  }
  case KW_BINARY:
    if (peek(r) == '{') {
      read_canonical_binary(r);
      close_keyword(r);
    } else {
      raw_string(r, &s, &n);
      expect(r, ',', "','");
      key_eq(r, "$type");
      put_binary(r, read_subtype(r), s, n);
      close_keyword(r);
    }
    return BSON_TYPE_BINARY;
  case KW_TYPE: {
    if (peek(r) != '"') DEFER(r, key, "a $type object that is not a binary");
    int subtype = read_subtype(r);
    if (peek(r) != ',') DEFER(r, key, "a $type object that is not a binary");
    r->p++;
    key_eq(r, "$binary");
    raw_string(r, &s, &n);
    put_binary(r, subtype, s, n);
    close_keyword(r);
    return BSON_TYPE_BINARY;
  }
  case KW_UUID: {
    raw_string(r, &s, &n);
    static const int dash[] = {8, 13, 18, 23};
    if (n != 36) DEFER(r, s, "an unusual $uuid");
    uint8_t b[16];
    size_t k = 0, j = 0;
    for (size_t i = 0; i < 36;) {
      if (j < 4 && (int)i == dash[j]) {
        if (s[i] != '-') DEFER(r, s, "an unusual $uuid");
        i++, j++;
        continue;
      }
      int h = hexval(s[i]), l = hexval(s[i + 1]);
      if (h < 0 || l < 0) DEFER(r, s, "an unusual $uuid");
      b[k++] = (uint8_t)(h << 4 | l);
      i += 2;
    }
    put_i32(r, 16);
    putc8(r, BSON_SUBTYPE_UUID);
    put(r, b, 16);
    close_keyword(r);
    return BSON_TYPE_BINARY;
  }
  case KW_CODE: {
    if (peek(r) != '"') DEFER(r, r->p, "an unusual $code");
    size_t at = r->out->len;
    put_i32(r, 0); /* code_w_scope total, if a scope follows */
    size_t code_at = r->out->len;
    put_cstring_value(r);
    if (peek(r) == '}') {
      r->p++;
      memmove(r->out->data + at, r->out->data + code_at, r->out->len - code_at);
      r->out->len -= 4;
      return BSON_TYPE_CODE;
    }
    expect(r, ',', "','");
    key_eq(r, "$scope");
    if (peek(r) != '{') DEFER(r, r->p, "an unusual $scope");
    const uint8_t *open = r->p++;
    if (++r->depth > ASR_EJSON_READER_MAX_DEPTH) DEFER(r, open, "nesting too deep");
    r->in_scope++;
    read_document_body(r, open);
    r->in_scope--;
    r->depth--;
    close_keyword(r);
    patch_i32(r, at, (int32_t)(r->out->len - at));
    return BSON_TYPE_CODEWSCOPE;
  }
  case KW_TIMESTAMP: {
    expect(r, '{', "'{'");
    uint32_t t = 0, inc = 0;
    int have_t = 0, have_i = 0;
    for (int i = 0; i < 2; i++) {
      if (i) expect(r, ',', "','");
      if (peek(r) != '"') DEFER(r, r->p, "an unusual $timestamp");
      raw_string(r, &s, &n);
      expect(r, ':', "':'");
      if (n == 1 && s[0] == 't' && !have_t++) t = read_uint32_number(r);
      else if (n == 1 && s[0] == 'i' && !have_i++) inc = read_uint32_number(r);
      else DEFER(r, s, "an unusual $timestamp");
    }
    close_keyword(r);
    close_keyword(r);
    put(r, &inc, 4);
    put(r, &t, 4);
    return BSON_TYPE_TIMESTAMP;
  }
  case KW_REGEXP: read_regex_pair(r, 1); close_keyword(r); return BSON_TYPE_REGEX;
  case KW_REGEX:
    if (peek(r) != '"') DEFER(r, key, "a $regex query operator");
    read_regex_pair(r, 0);
    return BSON_TYPE_REGEX;
  case KW_DATE: read_date(r); return BSON_TYPE_DATE_TIME;
  case KW_MINKEY:
  case KW_MAXKEY:
    if (peek(r) != '1' || r->end - r->p < 2 || (r->p[1] >= '0' && r->p[1] <= '9') ||
        r->p[1] == '.' || r->p[1] == 'e' || r->p[1] == 'E')
      DEFER(r, r->p, "an unusual $minKey/$maxKey");
    r->p++;
    close_keyword(r);
    return kw == KW_MINKEY ? BSON_TYPE_MINKEY : BSON_TYPE_MAXKEY;
  case KW_UNDEFINED:
    if (peek(r) != 't' || r->end - r->p < 4 || memcmp(r->p, "true", 4) != 0)
      DEFER(r, r->p, "an unusual $undefined");
    r->p += 4;
    close_keyword(r);
    return BSON_TYPE_UNDEFINED;
  case KW_DBPOINTER: {
    expect(r, '{', "'{'");
    key_eq(r, "$ref");
    if (peek(r) != '"') DEFER(r, r->p, "an unusual $dbPointer");
    put_cstring_value(r);
    expect(r, ',', "','");
    key_eq(r, "$id");
    expect(r, '{', "'{'");
    key_eq(r, "$oid");
    read_oid12(r);
    close_keyword(r);
    close_keyword(r);
    close_keyword(r);
    return BSON_TYPE_DBPOINTER; /* string, then the 12 ObjectId bytes */
  }
  default: DEFER(r, key, "a keyword libbson reads specially");
  }
}

/* After '{' of a value: a keyword object (Extended JSON value) or a document. */
static int read_object_value(reader_t *r, const uint8_t *open) {
  if (peek(r) == '"') {
    const uint8_t *ks;
    size_t kn;
    int escaped;
    peek_key(r, &ks, &kn, &escaped);
    if (escaped && kn >= 2 && ks[0] == '\\' && ks[1] == 'u') DEFER(r, ks, "an escaped field name");
    enum kw kw = escaped ? KW_NONE : keyword(ks, kn);
    if (kw != KW_NONE) {
      if (kw == KW_SCOPE || kw == KW_OPTIONS) DEFER(r, ks, "a keyword out of its usual order");
      if (r->in_scope) DEFER(r, ks, "a keyword inside a $scope");
      skip_key(r, kn);
      return read_keyword_value(r, kw, ks);
    }
  }
  if (++r->depth > ASR_EJSON_READER_MAX_DEPTH) DEFER(r, open, "nesting too deep");
  read_document_body(r, open);
  r->depth--;
  return BSON_TYPE_DOCUMENT;
}

/* One element: key already decoded to out after the type byte at type_at; reads the value. */
static void read_element_value(reader_t *r, size_t type_at) {
  expect(r, ':', "':' after the field name");
  int type = read_value(r);
  r->out->data[type_at] = (uint8_t)type;
}

/* The field name at r->p (its opening quote): a type byte (patched later), the name, its NUL.
 * A name of plain ASCII (most) is scanned once and copied; others are decoded. */
static void read_key(reader_t *r) {
  const uint8_t *ks = r->p + 1, *q = plain_run_end(ks, r->end);
  if (q < r->end && *q == '"') {
    size_t kn = (size_t)(q - ks);
    if (keyword(ks, kn) != KW_NONE)
      DEFER(r, ks, "an Extended JSON keyword as an ordinary field name");
    putc8(r, 0);
    put_text(r, ks, kn);
    putc8(r, 0);
    r->p = q + 1;
    return;
  }
  size_t kn;
  int escaped;
  peek_key(r, &ks, &kn, &escaped);
  if (!escaped ? keyword(ks, kn) != KW_NONE : (kn >= 2 && ks[0] == '\\' && ks[1] == 'u'))
    DEFER(r, ks, "an Extended JSON keyword as an ordinary field name");
  putc8(r, 0);
  read_string(r, 0);
  putc8(r, 0);
}

/* After '{': members up to '}', as a BSON document (int32 length .. 0). */
static void read_document_body(reader_t *r, const uint8_t *open) {
  size_t at = r->out->len;
  put_i32(r, 0);
  if (peek(r) == '}') {
    r->p++;
  } else {
    for (;;) {
      if (peek(r) != '"') unexpected(r, "a field name");
      size_t type_at = r->out->len;
      read_key(r);
      read_element_value(r, type_at);
      int c = peek(r);
      if (c == ',') {
        r->p++;
        continue;
      }
      if (c == '}') {
        r->p++;
        break;
      }
      if (c < 0) fail_at(r, ASR_EJSON_ERROR, open, "unterminated object");
      unexpected(r, "',' or '}'");
    }
  }
  putc8(r, 0);
  patch_i32(r, at, (int32_t)(r->out->len - at));
}

/* The decimal text of i, NUL-terminated, in key; returns its length. */
static size_t index_key(uint32_t i, char key[12]) {
  char tmp[12];
  size_t n = 0;
  do tmp[n++] = (char)('0' + i % 10), i /= 10;
  while (i);
  for (size_t k = 0; k < n; k++) key[k] = tmp[n - 1 - k];
  key[n] = 0;
  return n;
}

/* After '[': values up to ']', as a BSON document keyed "0", "1", ... */
static void read_array_body(reader_t *r) {
  const uint8_t *open = r->p - 1;
  size_t at = r->out->len;
  put_i32(r, 0);
  if (peek(r) == ']') {
    r->p++;
  } else {
    for (uint32_t i = 0;; i++) {
      size_t type_at = r->out->len;
      char key[12];
      size_t kn = index_key(i, key);
      putc8(r, 0);
      put(r, key, kn + 1);
      int type = read_value(r);
      r->out->data[type_at] = (uint8_t)type;
      int c = peek(r);
      if (c == ',') {
        r->p++;
        continue;
      }
      if (c == ']') {
        r->p++;
        break;
      }
      if (c < 0) fail_at(r, ASR_EJSON_ERROR, open, "unterminated array");
      unexpected(r, "',' or ']'");
    }
  }
  putc8(r, 0);
  patch_i32(r, at, (int32_t)(r->out->len - at));
}

int asr_ejson_read_doc(const uint8_t *text, size_t len, asr_buf_t *out, asr_ejson_status_t *st) {
  reader_t r;
  r.start = r.p = text;
  r.end = text + len;
  r.out = out;
  r.st = st;
  r.depth = 0;
  r.in_scope = 0;
  size_t start_len = out->len;
  st->msg[0] = 0;
  int code = setjmp(r.fail);
  if (code) {
    out->len = start_len;
    return code;
  }
  if (peek(&r) != '{') unexpected(&r, "a JSON object");
  const uint8_t *open = r.p++;
  if (peek(&r) == '"') {
    const uint8_t *ks;
    size_t kn;
    int escaped;
    peek_key(&r, &ks, &kn, &escaped);
    if (escaped || keyword(ks, kn) != KW_NONE) DEFER(&r, ks, "a keyword at the top level");
  }
  r.depth = 1;
  read_document_body(&r, open);
  if (peek(&r) >= 0) {
    char b[16];
    fail_at(&r, ASR_EJSON_ERROR, r.p, "unexpected %s after the object", describe(&r, r.p, b));
  }
  if (out->len - start_len > INT32_MAX) fail_at(&r, ASR_EJSON_ERROR, text, "document too large");
  return ASR_EJSON_OK;
}
