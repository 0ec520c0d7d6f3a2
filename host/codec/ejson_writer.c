/* Relaxed and canonical Extended JSON v2 writer (see ejson_writer.h for the output rules).
 * Structure: write_doc walks one document's elements and dispatches on the type; each
 * value writer validates its bytes, reserves the most it can write (room), writes through a
 * plain cursor with the put_* helpers, then commits the cursor to out->len. The put_*
 * helpers never check space: their callers reserved it. */
#include "codec/ejson_writer.h"

#include <bson/bson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/le.h"

/* Room for an element's fixed-size parts besides its escaped name: '"' x2, ':' and ',' and the
 * largest fixed-size value, {"$date":{"$numberLong":"-9223372036854775808"}} (46 bytes),
 * canonical {"$numberDouble":"<up to 32 chars>"} (52 bytes) or
 * {"$numberDecimal":"<up to 42 chars>"} (62 bytes). */
#define FIXED_ROOM 96
/* Worst case of one escaped input byte: a control character becomes \u00XX. */
#define ESC_MAX 6
/* What put_str needs for n input bytes: their worst case, the quotes, and a block of slack
 * (put_chars stores whole blocks). */
#define STR_ROOM(n) (ESC_MAX * (size_t)(n) + 32)
/* Strings longer than this are escaped in pieces (see write_string). */
#define STR_CHUNK 16384
/* 9999-12-31T23:59:59.999Z is the last instant relaxed mode writes as an ISO-8601 string. */
#define ISO_DATE_END_MS INT64_C(253402300800000)

typedef struct wctx {
  asr_buf_t *out;
  asr_err_t *err;
  const uint8_t *base;  /* the top-level document: error offsets are relative to it */
  const uint8_t *limit; /* the end of the input buffer: bytes before it may be read */
  int canonical;        /* ASR_EJSON_CANONICAL: numbers and dates wrapped (write_fixed) */
  int depth;
  /* Name of the element being written at each level, for error messages only; an entry is
   * NULL until the level's first name is read. Not zero-initialised (it is 1.6 KB). */
  const char *path[ASR_EJSON_MAX_DEPTH + 1];
} wctx_t;

static int write_doc(wctx_t *c, const uint8_t *d, size_t avail, int is_array);

/* The first NUL byte in [p, end), or NULL. Field names are short: a word at a time beats a
 * call to memchr. The bit trick: (v - 0x01..) & ~v & 0x80.. marks the first zero byte
 * exactly (later marks may be false), and on a little-endian host it is the lowest. */
static inline const uint8_t *find_nul(const uint8_t *p, const uint8_t *end) {
#if BSON_BYTE_ORDER == BSON_LITTLE_ENDIAN
  const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
  for (; end - p >= 8; p += 8) {
    uint64_t v;
    memcpy(&v, p, 8);
    uint64_t z = (v - ones) & ~v & high;
    if (z) return p + (__builtin_ctzll(z) >> 3);
  }
#endif
  for (; p < end; p++)
    if (*p == 0) return p;
  return NULL;
}

/* ---- UTF-8 ---- */

static inline int is_cont(uint8_t b) { return (b & 0xC0) == 0x80; }

/* Length of the valid UTF-8 sequence (2..4 bytes) starting at s[0] >= 0x80, or 0. */
static size_t utf8_seq(const uint8_t *s, size_t avail) {
  uint8_t b = s[0];
  if (b >= 0xC2 && b <= 0xDF) return avail >= 2 && is_cont(s[1]) ? 2 : 0;
  if (b >= 0xE0 && b <= 0xEF) {
    if (avail < 3 || !is_cont(s[2])) return 0;
    uint8_t lo = b == 0xE0 ? 0xA0 : 0x80, hi = b == 0xED ? 0x9F : 0xBF; /* overlong, surrogate */
    return s[1] >= lo && s[1] <= hi ? 3 : 0;
  }
  if (b >= 0xF0 && b <= 0xF4) {
    if (avail < 4 || !is_cont(s[2]) || !is_cont(s[3])) return 0;
    uint8_t lo = b == 0xF0 ? 0x90 : 0x80, hi = b == 0xF4 ? 0x8F : 0xBF; /* overlong, > U+10FFFF */
    return s[1] >= lo && s[1] <= hi ? 4 : 0;
  }
  return 0;
}

/* ---- errors ---- */

/* Writes the dotted field path (a.b.2) into dst, invalid or control bytes shown as '?'. */
static void format_path(const wctx_t *c, char *dst, size_t cap) {
  size_t n = 0;
  dst[0] = '\0';
  for (int i = 0; i <= c->depth && c->path[i]; i++) {
    const uint8_t *k = (const uint8_t *)c->path[i];
    size_t klen = strlen(c->path[i]);
    if (i > 0 && n + 1 < cap) dst[n++] = '.';
    for (size_t j = 0; j < klen && n + 5 < cap;) {
      size_t s = k[j] >= 0x80 ? utf8_seq(k + j, klen - j) : (k[j] >= 0x20);
      if (s == 0) {
        dst[n++] = '?';
        j++;
      } else {
        memcpy(dst + n, k + j, s);
        n += s;
        j += s;
      }
    }
  }
  dst[n < cap ? n : cap - 1] = '\0';
}

static int fail(wctx_t *c, const uint8_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(wctx_t *c, const uint8_t *at, const char *fmt, ...) {
  char what[256], path[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  format_path(c, path, sizeof path);
  long off = c->base ? (long)(at - c->base) : 0;
  if (path[0])
    asr_err_set(c->err, ASR_EDATA, "malformed BSON at byte %ld (field \"%s\"): %s", off, path,
                what);
  else
    asr_err_set(c->err, ASR_EDATA, "malformed BSON at byte %ld: %s", off, what);
  return ASR_EDATA;
}

static int nomem(wctx_t *c) {
  return asr_err_set(c->err, ASR_ENOMEM, "out of memory writing Extended JSON");
}

/* ---- output cursor ---- */

/* A cursor with at least n writable bytes, or NULL when out of memory. */
static inline uint8_t *room(wctx_t *c, size_t n) {
  asr_buf_t *b = c->out;
  if (b->cap - b->len < n && asr_buf_reserve(b, n)) return NULL;
  return b->data + b->len;
}

static inline void commit(wctx_t *c, uint8_t *w) { c->out->len = (size_t)(w - c->out->data); }

#define PUT_LIT(w, lit) (memcpy((w), (lit), sizeof(lit) - 1), (w) + sizeof(lit) - 1)

/* ---- scalar formatting ---- */

static const char HEX[] = "0123456789abcdef";
static const char DIGITS2[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

static inline int count_digits(uint64_t v) {
  int n = 1;
  for (;;) { /* four at a time: most values are short */
    if (v < 10) return n;
    if (v < 100) return n + 1;
    if (v < 1000) return n + 2;
    if (v < 10000) return n + 3;
    v /= 10000;
    n += 4;
  }
}

static uint8_t *put_u64(uint8_t *w, uint64_t v) {
  int n = count_digits(v);
  uint8_t *p = w + n;
  while (v >= 100) {
    unsigned i = (unsigned)(v % 100) * 2;
    v /= 100;
    p -= 2;
    memcpy(p, DIGITS2 + i, 2);
  }
  if (v >= 10)
    memcpy(p - 2, DIGITS2 + v * 2, 2);
  else
    p[-1] = (uint8_t)('0' + v);
  return w + n;
}

static uint8_t *put_i64(uint8_t *w, int64_t v) {
  if (v >= 0) return put_u64(w, (uint64_t)v);
  *w++ = '-';
  return put_u64(w, 0 - (uint64_t)v); /* also right for INT64_MIN */
}

/* Exactly `width` digits, zero-padded (v < 10^width). */
static uint8_t *put_fixed(uint8_t *w, uint64_t v, int width) {
  for (int i = width - 1; i >= 0; i--) {
    w[i] = (uint8_t)('0' + v % 10);
    v /= 10;
  }
  return w + width;
}

static inline uint8_t *put_2d(uint8_t *w, unsigned v) {
  memcpy(w, DIGITS2 + v * 2, 2);
  return w + 2;
}

/* Doubles. The rule: the shortest of %.15g, %.16g and %.17g that strtod reads back equal.
 * For 1e-5 <= |d| < 1e15 (prices, ratios, measurements) the digits are computed exactly with
 * integers instead of printf + strtod (~1 us per double): d = M * 2^E, so d * 10^s =
 * M * 5^s / 2^k with k = -(E + s) > 0, and M * 5^s (s <= 22) fits in 128 bits. Rounding is
 * to nearest, ties to even, as glibc's printf does; whether the P digits read back is decided
 * from the same remainder. Other magnitudes go through printf. */

/* clang-format off */
static const uint64_t POW5[23] = {
    1ULL, 5ULL, 25ULL, 125ULL, 625ULL,
    3125ULL, 15625ULL, 78125ULL, 390625ULL, 1953125ULL,
    9765625ULL, 48828125ULL, 244140625ULL, 1220703125ULL, 6103515625ULL,
    30517578125ULL, 152587890625ULL, 762939453125ULL, 3814697265625ULL, 19073486328125ULL,
    95367431640625ULL, 476837158203125ULL, 2384185791015625ULL,
};
static const uint64_t POW10U[18] = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL,
    100000ULL, 1000000ULL, 10000000ULL, 100000000ULL, 1000000000ULL,
    10000000000ULL, 100000000000ULL, 1000000000000ULL, 10000000000000ULL, 100000000000000ULL,
    1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
};
/* clang-format on */

__extension__ typedef unsigned __int128 u128; /* GCC and Clang on 64-bit targets */

typedef struct dec_digits {
  uint64_t q;     /* p significant digits: 10^(p-1) <= q < 10^p */
  int x;          /* decimal exponent of the first digit: the value is q * 10^(x - p + 1) */
  int reads_back; /* strtod of that decimal gives the double back */
} dec_digits_t;

/* Rounds m * 2^e (m a 53-bit significand, 1e-5 <= value < 1e15) to p digits, starting from the
 * exponent estimate x. Returns 0 if the numbers leave the range the integers cover. */
static int round_digits(uint64_t m, int e, int p, int x, dec_digits_t *out) {
  for (int tries = 0; tries < 3; tries++) {
    int s = p - 1 - x, k = -(e + s);
    if (s < 0 || s > 22 || k <= 0 || k >= 64) return 0;
    u128 n = (u128)m * POW5[s];
    uint64_t q = (uint64_t)(n >> k), r = (uint64_t)n & ((1ULL << k) - 1), half = 1ULL << (k - 1);
    int up = r > half || (r == half && (q & 1));
    if (up) q++;
    if (q >= POW10U[p]) { /* 9.99.. rounded up to 10.0: one more integer digit */
      x++;
      continue;
    }
    if (q < POW10U[p - 1]) { /* the estimate was one too high */
      x--;
      continue;
    }
    /* The decimal reads back if it lies within half a gap of d: |q - d*10^s| = dist / 2^k and
     * half the gap is 5^s / 2^(k+1), or a quarter on the lower side of a power of two. Both
     * sides are integers of different parity, so there is no tie to break. */
    uint64_t dist = up ? (1ULL << k) - r : r;
    int below = !up && r != 0, pow2 = m == (1ULL << 52);
    u128 lhs = (u128)dist << (below && pow2 ? 2 : 1);
    out->q = q;
    out->x = x;
    out->reads_back = lhs < POW5[s];
    return 1;
  }
  return 0;
}

/* The nd digits of q with a '.' after the first int_digits of them (0 < int_digits < nd),
 * written right to left straight into the output: no digit buffer to copy from. */
static uint8_t *put_point(uint8_t *w, uint64_t q, int nd, int int_digits) {
  uint8_t *p = w + nd + 1;
  for (int i = int_digits; i < nd; i++) {
    *--p = (uint8_t)('0' + q % 10);
    q /= 10;
  }
  *--p = '.';
  while (p > w) {
    *--p = (uint8_t)('0' + q % 10);
    q /= 10;
  }
  return w + nd + 1;
}

/* Writes p digits as %.{p}g would: fixed notation for -4 <= x < p, else d.ddde+XX; trailing
 * zeros dropped, and ".0" added when the text would read back as an integer. */
static uint8_t *put_g(uint8_t *w, dec_digits_t dd, int p) {
  int nd = p;
  /* Trailing zeros off (short decimals such as prices have many): 8 at a time, then at most
   * 4 + 2 + 1, without a loop per digit. */
  while (dd.q % 100000000 == 0) {
    dd.q /= 100000000;
    nd -= 8;
  }
  if (dd.q % 10000 == 0) {
    dd.q /= 10000;
    nd -= 4;
  }
  if (dd.q % 100 == 0) {
    dd.q /= 100;
    nd -= 2;
  }
  if (dd.q % 10 == 0) {
    dd.q /= 10;
    nd -= 1;
  }
  if (dd.x < -4 || dd.x >= p) {
    w = nd > 1 ? put_point(w, dd.q, nd, 1) : put_u64(w, dd.q);
    *w++ = 'e';
    *w++ = dd.x < 0 ? '-' : '+';
    unsigned ax = (unsigned)(dd.x < 0 ? -dd.x : dd.x);
    return ax < 100 ? put_2d(w, ax) : put_u64(w, ax);
  }
  if (dd.x < 0) { /* 0.000ddd */
    w = PUT_LIT(w, "0.");
    for (int i = -1; i > dd.x; i--) *w++ = '0';
    return put_u64(w, dd.q);
  }
  int int_digits = dd.x + 1;
  if (nd <= int_digits) { /* an integer: digits, zeros, ".0" */
    w = put_u64(w, dd.q);
    for (int i = nd; i < int_digits; i++) *w++ = '0';
    return PUT_LIT(w, ".0");
  }
  return put_point(w, dd.q, nd, int_digits);
}

/* The exact path for finite a with 1e-5 <= a < 1e15; NULL when it cannot decide. */
static uint8_t *put_double_exact(uint8_t *w, double a) {
  static const double P10[] = {1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1e0,  1e1,  1e2,  1e3,  1e4, 1e5,
                               1e6,  1e7,  1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  if (!(a >= 1e-5 && a < 1e15)) return NULL;
  uint64_t bits;
  memcpy(&bits, &a, 8);
  int be = (int)(bits >> 52); /* a > 0 and normal here: no sign bit, exponent 1..2046 */
  uint64_t m = (bits & ((1ULL << 52) - 1)) | (1ULL << 52);
  /* x = floor(log10(2) * binary exponent), in integers: 1233 / 4096 is log10(2) closely
   * enough for exponents below 600 (here -17..49); offset by 4096 so the shift floors. */
  int e = be - 1075, x = (((be - 1023 + 4096) * 1233) >> 12) - 1233;
  if (x < -5) x = -5;
  if (x < 14 && a >= P10[x + 6]) x++;
  dec_digits_t dd;
  for (int p = 15; p <= 17; p++) {
    if (!round_digits(m, e, p, x, &dd)) return NULL;
    if (dd.reads_back || p == 17) return put_g(w, dd, p);
  }
  return NULL;
}

/* Slow path: the shortest of %.15g, %.16g and %.17g that strtod reads back equal. */
static uint8_t *put_double_printf(uint8_t *w, double d) {
  char buf[40];
  int n = 0;
  for (int prec = 15; prec <= 17; prec++) {
    n = snprintf(buf, sizeof buf, "%.*g", prec, d);
    if (prec == 17 || strtod(buf, NULL) == d) break;
  }
  int is_integer = 1;
  for (int i = 0; i < n; i++) {
    if (buf[i] == ',') buf[i] = '.'; /* a locale with a decimal comma: JSON needs '.' */
    if (buf[i] == '.' || buf[i] == 'e') is_integer = 0;
  }
  memcpy(w, buf, (size_t)n);
  w += n;
  if (is_integer) w = PUT_LIT(w, ".0"); /* else it would read back as an integer */
  return w;
}

/* Needs 32 bytes. */
static uint8_t *put_double(uint8_t *w, double d) {
  if (isnan(d)) return PUT_LIT(w, "{\"$numberDouble\":\"NaN\"}");
  if (isinf(d))
    return d > 0 ? PUT_LIT(w, "{\"$numberDouble\":\"Infinity\"}")
                 : PUT_LIT(w, "{\"$numberDouble\":\"-Infinity\"}");
  if (d == 0) return signbit(d) ? PUT_LIT(w, "-0.0") : PUT_LIT(w, "0.0");
  uint8_t *start = w;
  if (d < 0) *w++ = '-';
  uint8_t *end = put_double_exact(w, fabs(d));
  return end ? end : put_double_printf(start, d);
}

/* Canonical: {"$numberDouble":"<relaxed digits>"}; NaN and infinities are wrapped already.
 * Needs 52 bytes. */
static uint8_t *put_double_canonical(uint8_t *w, double d) {
  if (!isfinite(d)) return put_double(w, d);
  w = PUT_LIT(w, "{\"$numberDouble\":\"");
  w = put_double(w, d);
  return PUT_LIT(w, "\"}");
}

/* Canonical integers: the opening literal lit ({"$numberInt":" or {"$numberLong":"), the
 * digits, "}. Needs 40 bytes. */
static inline uint8_t *put_wrapped_int(uint8_t *w, const char *lit, size_t lit_len, int64_t v) {
  memcpy(w, lit, lit_len);
  w = put_i64(w + lit_len, v);
  return PUT_LIT(w, "\"}");
}
#define PUT_WRAPPED_INT(w, lit, v) put_wrapped_int((w), (lit), sizeof(lit) - 1, (v))

/* Days since 1970-01-01 (>= 0) to a proleptic Gregorian date, by whole 400-year eras counted
 * from 0000-03-01 so that the leap day falls at the end of each year. */
static void civil_from_days(int64_t days, unsigned *y, unsigned *m, unsigned *d) {
  int64_t z = days + 719468;                   /* days from 0000-03-01 to 1970-01-01 */
  int64_t era = z / 146097;                    /* 400 years = 146097 days; z >= 0 here */
  unsigned doe = (unsigned)(z - era * 146097); /* [0, 146096] */
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
  unsigned mp = (5 * doy + 2) / 153;                                    /* March = 0 */
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (unsigned)(yoe + era * 400) + (*m <= 2);
}

/* {"$date":{"$numberLong":"ms"}}: canonical mode's only form, relaxed mode's outside the
 * ISO years. Needs 48 bytes. */
static uint8_t *put_date_long(uint8_t *w, int64_t ms) {
  w = PUT_LIT(w, "{\"$date\":{\"$numberLong\":\"");
  w = put_i64(w, ms);
  return PUT_LIT(w, "\"}}");
}

/* Needs 48 bytes. */
static uint8_t *put_date(uint8_t *w, int64_t ms) {
  if (ms < 0 || ms >= ISO_DATE_END_MS) return put_date_long(w, ms);
  unsigned y, mo, d, msec = (unsigned)(ms % 1000);
  unsigned secs = (unsigned)(ms / 1000 % 86400);
  civil_from_days(ms / 86400000, &y, &mo, &d);
  w = PUT_LIT(w, "{\"$date\":\"");
  w = put_2d(w, y / 100);
  w = put_2d(w, y % 100);
  *w++ = '-';
  w = put_2d(w, mo);
  *w++ = '-';
  w = put_2d(w, d);
  *w++ = 'T';
  w = put_2d(w, secs / 3600);
  *w++ = ':';
  w = put_2d(w, secs / 60 % 60);
  *w++ = ':';
  w = put_2d(w, secs % 60);
  if (msec) { /* the specification: omit zero fractional seconds, else exactly 3 digits */
    *w++ = '.';
    w = put_fixed(w, msec, 3);
  }
  return PUT_LIT(w, "Z\"}");
}

/* Needs 4 * ceil(n / 3) bytes. */
static uint8_t *put_base64(uint8_t *w, const uint8_t *s, size_t n) {
  static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  for (; i + 3 <= n; i += 3, w += 4) {
    uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
    w[0] = (uint8_t)B64[v >> 18];
    w[1] = (uint8_t)B64[v >> 12 & 63];
    w[2] = (uint8_t)B64[v >> 6 & 63];
    w[3] = (uint8_t)B64[v & 63];
  }
  if (i == n) return w;
  uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0);
  w[0] = (uint8_t)B64[v >> 18];
  w[1] = (uint8_t)B64[v >> 12 & 63];
  w[2] = i + 1 < n ? (uint8_t)B64[v >> 6 & 63] : '=';
  w[3] = '=';
  return w + 4;
}

static uint8_t *put_hex(uint8_t *w, const uint8_t *s, size_t n) {
  for (size_t i = 0; i < n; i++, w += 2) {
    w[0] = (uint8_t)HEX[s[i] >> 4];
    w[1] = (uint8_t)HEX[s[i] & 15];
  }
  return w;
}

/* ---- JSON strings ---- */

/* For ASCII bytes: 0 copies as is, else the letter after the backslash ('u': \u00XX). */
/* clang-format off */
static const char ESC[128] = {
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b', 't', 'n', 'u', 'f', 'r', 'u', 'u',
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
    ['"'] = '"', ['\\'] = '\\'};
/* clang-format on */

/* The length of the run of bytes at s that copy through unchanged (ASCII >= 0x20, neither '"'
 * nor '\\'), up to BLOCK; the BLOCK bytes at s are also stored at w, so a plain run costs one
 * load and one store. Reads and writes BLOCK bytes: the caller checks both are there. */
#if defined(__SSE2__)
#define BLOCK 16
static inline unsigned plain_prefix(const uint8_t *s, uint8_t *w) {
  __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
  _mm_storeu_si128((__m128i *)(void *)w, v);
  /* Signed compare: bytes >= 0x80 are negative, so "< 0x20" also flags every non-ASCII byte. */
  __m128i bad = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                             _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                          _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
  return (unsigned)__builtin_ctz((unsigned)_mm_movemask_epi8(bad) | (1u << BLOCK));
}

/* For a NUL-terminated name at s: its length when it is plain and shorter than a block (the
 * block is stored at w), else BLOCK. The NUL and the bytes needing care are found in the same
 * load, in parallel: the name is plain when the first of them is the NUL. */
static inline unsigned plain_name(const uint8_t *s, uint8_t *w) {
  __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
  _mm_storeu_si128((__m128i *)(void *)w, v);
  __m128i bad = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                             _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                          _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
  unsigned nul = (unsigned)__builtin_ctz((unsigned)_mm_movemask_epi8(
                                             _mm_cmpeq_epi8(v, _mm_setzero_si128())) |
                                         (1u << BLOCK));
  unsigned first_bad = (unsigned)__builtin_ctz((unsigned)_mm_movemask_epi8(bad) | (1u << BLOCK));
  return nul == first_bad ? nul : BLOCK;
}
#else
#define BLOCK 8
/* A word at a time. (x - 0x01..) & ~x & 0x80.. marks the bytes of x below 1 (and
 * (v - n*0x01..) & ~v those below n): later marks may be false after a borrow, but the lowest
 * mark of each term is exact, so the lowest of all is the first byte that needs care. */
static inline unsigned plain_prefix(const uint8_t *s, uint8_t *w) {
  const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
  uint64_t v;
  memcpy(&v, s, 8);
  memcpy(w, &v, 8);
#if BSON_BYTE_ORDER == BSON_LITTLE_ENDIAN
  uint64_t q = v ^ (ones * '"'), b = v ^ (ones * '\\');
  uint64_t bad = (((v - ones * 0x20) & ~v) | ((q - ones) & ~q) | ((b - ones) & ~b) | v) & high;
  return bad ? (unsigned)__builtin_ctzll(bad) >> 3 : BLOCK;
#else
  unsigned k = 0;
  while (k < BLOCK && s[k] >= 0x20 && s[k] < 0x80 && !ESC[s[k]]) k++;
  return k;
#endif
}

static inline unsigned plain_name(const uint8_t *s, uint8_t *w) {
  unsigned k = plain_prefix(s, w);
  return k < BLOCK && s[k] == 0 ? k : BLOCK;
}
#endif

static inline uint8_t *put_escaped(uint8_t *w, uint8_t ch) {
  char e = ESC[ch];
  w[0] = '\\';
  if (e != 'u') {
    w[1] = (uint8_t)e;
    return w + 2;
  }
  memcpy(w + 1, "u00", 3);
  w[4] = (uint8_t)HEX[ch >> 4];
  w[5] = (uint8_t)HEX[ch & 15];
  return w + 6;
}

/* Escapes the bytes from *sp on, up to stop or a little past it (at most a block and a UTF-8
 * sequence that start before stop, never past end), and advances *sp. Plain runs go a block
 * at a time while a whole block is readable before `limit` (the end of the input buffer: the
 * bytes after a string are its NUL and the rest of the document); bytes that need care, and
 * those within a block of limit, one at a time. Needs ESC_MAX * (stop - *sp) + BLOCK bytes at
 * w (what is written never exceeds ESC_MAX times what is read, plus one block store). Returns NULL if the bytes are not valid UTF-8. */
static inline uint8_t *put_chars(uint8_t *w, const uint8_t **sp, const uint8_t *stop,
                                 const uint8_t *end, const uint8_t *limit) {
  const uint8_t *s = *sp;
  while (s < stop) {
    if (limit - s >= BLOCK) {
      size_t k = plain_prefix(s, w), left = (size_t)(end - s);
      if (k >= left) { /* the rest of the string is plain */
        w += left;
        s = end;
        break;
      }
      w += k;
      s += k;
      if (k == BLOCK) continue;
    }
    uint8_t ch = *s; /* one byte or UTF-8 sequence */
    if (ch < 0x80) {
      if (ESC[ch])
        w = put_escaped(w, ch);
      else
        *w++ = ch;
      s++;
      continue;
    }
    do { /* a run of non-ASCII text: no block loads in between */
      size_t k = utf8_seq(s, (size_t)(end - s));
      if (!k) return NULL;
      memcpy(w, s, k);
      w += k;
      s += k;
    } while (s < stop && *s >= 0x80);
  }
  *sp = s;
  return w;
}

/* Writes s[0..n) quoted and escaped; needs STR_ROOM(n) bytes. Returns NULL if s is not
 * valid UTF-8 (the caller reports it; what was written is discarded with the document). */
static uint8_t *put_str(const wctx_t *c, uint8_t *w, const uint8_t *s, size_t n) {
  *w++ = '"';
  w = put_chars(w, &s, s + n, s + n, c->limit);
  if (!w) return NULL;
  *w++ = '"';
  return w;
}

/* ---- BSON value readers: bounds-check, then hand back the parts ---- */

/* A BSON string (int32 length including the NUL, bytes, NUL) in v[0..rem). */
static int read_string(wctx_t *c, const uint8_t *v, size_t rem, const uint8_t **s, size_t *n,
                       size_t *used) {
  if (rem < 5) return fail(c, v, "string value truncated");
  uint32_t len = asr_le32(v);
  if (len < 1 || len > rem - 4) return fail(c, v, "string length %u out of bounds", len);
  if (v[4 + len - 1] != 0) return fail(c, v, "string not terminated by a NUL byte");
  *s = v + 4;
  *n = len - 1;
  *used = 4 + (size_t)len;
  return 0;
}

/* A NUL-terminated string in v[0..rem). */
static int read_cstring(wctx_t *c, const uint8_t *v, size_t rem, size_t *n, const char *what) {
  const uint8_t *nul = find_nul(v, v + rem);
  if (!nul) return fail(c, v, "%s not terminated by a NUL byte", what);
  *n = (size_t)(nul - v);
  return 0;
}

static int need(wctx_t *c, const uint8_t *v, size_t rem, size_t n, const char *type) {
  if (rem < n) return fail(c, v, "%s value truncated (%zu of %zu bytes)", type, rem, n);
  return 0;
}

/* ---- value writers: each validates, reserves, writes and commits ---- */

static int bad_utf8(wctx_t *c, const uint8_t *at) {
  return fail(c, at, "string is not valid UTF-8");
}

/* String, code or symbol: "..." or {"$code":"..."} or {"$symbol":"..."}. Long strings are
 * escaped a chunk at a time so a big string costs its output size, not six times its size,
 * in the (long-lived) output buffer. */
static int write_string(wctx_t *c, uint8_t type, const uint8_t *v, size_t rem, size_t *used) {
  const uint8_t *s = NULL; /* set by read_string; initialised for gcc -O3's flow analysis */
  size_t n = 0;
  int rc = read_string(c, v, rem, &s, &n, used);
  if (rc) return rc;
  uint8_t *w = room(c, STR_ROOM(n < STR_CHUNK ? n : STR_CHUNK) + 16);
  if (!w) return nomem(c);
  if (type == BSON_TYPE_CODE) w = PUT_LIT(w, "{\"$code\":");
  if (type == BSON_TYPE_SYMBOL) w = PUT_LIT(w, "{\"$symbol\":");
  *w++ = '"';
  for (const uint8_t *end = s + n;;) {
    w = put_chars(w, &s, (size_t)(end - s) > STR_CHUNK ? s + STR_CHUNK : end, end, c->limit);
    if (!w) return bad_utf8(c, v);
    if (s >= end) break;
    commit(c, w);
    if (!(w = room(c, STR_ROOM(STR_CHUNK) + 16))) return nomem(c);
  }
  *w++ = '"';
  if (type != BSON_TYPE_UTF8) *w++ = '}';
  commit(c, w);
  return 0;
}

static int write_binary(wctx_t *c, const uint8_t *v, size_t rem, size_t *used) {
  int rc = need(c, v, rem, 5, "binary");
  if (rc) return rc;
  uint32_t len = asr_le32(v);
  uint8_t subtype = v[4];
  if (len > rem - 5) return fail(c, v, "binary length %u out of bounds", len);
  const uint8_t *data = v + 5;
  size_t n = len;
  if (subtype == BSON_SUBTYPE_BINARY_DEPRECATED) { /* old binary: an inner length comes first */
    if (n < 4 || asr_le32(data) != n - 4)
      return fail(c, v, "binary subtype 2 inner length does not match");
    data += 4;
    n -= 4;
  }
  uint8_t *w = room(c, (n + 2) / 3 * 4 + 48);
  if (!w) return nomem(c);
  w = PUT_LIT(w, "{\"$binary\":{\"base64\":\"");
  w = put_base64(w, data, n);
  w = PUT_LIT(w, "\",\"subType\":\"");
  w = put_hex(w, &subtype, 1);
  w = PUT_LIT(w, "\"}}");
  commit(c, w);
  *used = 5 + (size_t)len;
  return 0;
}

/* Regex options sorted by byte value when all ASCII (the specification wants them in
 * alphabetical order); counting sort, as a hostile options string may be long. */
static uint8_t *put_regex_options(const wctx_t *c, uint8_t *w, const uint8_t *o, size_t n) {
  uint32_t count[128] = {0};
  for (size_t i = 0; i < n; i++) {
    if (o[i] >= 0x80) return put_str(c, w, o, n);
    count[o[i]]++;
  }
  *w++ = '"';
  for (unsigned ch = 1; ch < 128; ch++) {
    for (uint32_t i = 0; i < count[ch]; i++) {
      if (ESC[ch])
        w = put_escaped(w, (uint8_t)ch);
      else
        *w++ = (uint8_t)ch;
    }
  }
  *w++ = '"';
  return w;
}

static int write_regex(wctx_t *c, const uint8_t *v, size_t rem, size_t *used) {
  size_t plen = 0, olen = 0;
  int rc = read_cstring(c, v, rem, &plen, "regex pattern");
  if (!rc) rc = read_cstring(c, v + plen + 1, rem - plen - 1, &olen, "regex options");
  if (rc) return rc;
  uint8_t *w = room(c, STR_ROOM(plen) + STR_ROOM(olen) + 64);
  if (!w) return nomem(c);
  w = PUT_LIT(w, "{\"$regularExpression\":{\"pattern\":");
  w = put_str(c, w, v, plen);
  if (w) w = PUT_LIT(w, ",\"options\":");
  if (w) w = put_regex_options(c, w, v + plen + 1, olen);
  if (!w) return bad_utf8(c, v);
  w = PUT_LIT(w, "}}");
  commit(c, w);
  *used = plen + olen + 2;
  return 0;
}

static int write_dbpointer(wctx_t *c, const uint8_t *v, size_t rem, size_t *used) {
  const uint8_t *s = NULL;
  size_t n = 0, slen = 0;
  int rc = read_string(c, v, rem, &s, &n, &slen);
  if (!rc) rc = need(c, v + slen, rem - slen, 12, "dbpointer ObjectId");
  if (rc) return rc;
  uint8_t *w = room(c, STR_ROOM(n) + 80);
  if (!w) return nomem(c);
  w = PUT_LIT(w, "{\"$dbPointer\":{\"$ref\":");
  w = put_str(c, w, s, n);
  if (!w) return bad_utf8(c, v);
  w = PUT_LIT(w, ",\"$id\":{\"$oid\":\"");
  w = put_hex(w, v + slen, 12);
  w = PUT_LIT(w, "\"}}}");
  commit(c, w);
  *used = slen + 12;
  return 0;
}

/* A nested document or array at v, depth + 1. */
static int write_child(wctx_t *c, const uint8_t *v, size_t rem, int is_array, size_t *used) {
  if (c->depth >= ASR_EJSON_MAX_DEPTH)
    return fail(c, v, "documents nested deeper than %d levels", ASR_EJSON_MAX_DEPTH);
  c->depth++;
  int rc = write_doc(c, v, rem, is_array);
  c->depth--;
  if (rc == 0) *used = asr_le32(v);
  return rc;
}

/* Code with scope: int32 total length, string, document; the parts must fill it exactly. */
static int write_code_w_scope(wctx_t *c, const uint8_t *v, size_t rem, size_t *used) {
  int rc = need(c, v, rem, 14, "code with scope");
  if (rc) return rc;
  uint32_t total = asr_le32(v);
  if (total < 14 || total > rem)
    return fail(c, v, "code with scope length %u out of bounds", total);
  const uint8_t *s = NULL;
  size_t n = 0, slen = 0, scope_len;
  rc = read_string(c, v + 4, total - 4, &s, &n, &slen);
  if (rc) return rc;
  const uint8_t *scope = v + 4 + slen;
  if (total - 4 - slen < 5 || asr_le32(scope) != total - 4 - slen)
    return fail(c, v, "code with scope: scope length does not match the total length");
  uint8_t *w = room(c, STR_ROOM(n) + 32);
  if (!w) return nomem(c);
  w = PUT_LIT(w, "{\"$code\":");
  w = put_str(c, w, s, n);
  if (!w) return bad_utf8(c, v + 4);
  w = PUT_LIT(w, ",\"$scope\":");
  commit(c, w);
  rc = write_child(c, scope, total - 4 - slen, 0, &scope_len);
  if (rc) return rc;
  w = room(c, 1);
  if (!w) return nomem(c);
  *w++ = '}';
  commit(c, w);
  *used = total;
  return 0;
}

static uint8_t *put_decimal128(uint8_t *w, const uint8_t *v) {
  bson_decimal128_t dec;
  char s[BSON_DECIMAL128_STRING];
  dec.low = asr_le64(v);
  dec.high = asr_le64(v + 8);
  bson_decimal128_to_string(&dec, s);
  size_t n = strlen(s);
  w = PUT_LIT(w, "{\"$numberDecimal\":\"");
  memcpy(w, s, n);
  return PUT_LIT(w + n, "\"}");
}

/* Fixed-size values: `size` bytes at v, at most FIXED_ROOM bytes of output. */
static int write_fixed(wctx_t *c, uint8_t type, const uint8_t *v, size_t rem, size_t *used) {
  static const uint8_t SIZE[256] = {
      [BSON_TYPE_DOUBLE] = 8,    [BSON_TYPE_OID] = 12,       [BSON_TYPE_BOOL] = 1,
      [BSON_TYPE_DATE_TIME] = 8, [BSON_TYPE_INT32] = 4,      [BSON_TYPE_TIMESTAMP] = 8,
      [BSON_TYPE_INT64] = 8,     [BSON_TYPE_DECIMAL128] = 16};
  size_t size = SIZE[type];
  if (rem < size) return fail(c, v, "value of type 0x%02x truncated", type);
  uint8_t *w = room(c, FIXED_ROOM);
  if (!w) return nomem(c);
  switch (type) {
  case BSON_TYPE_DOUBLE: {
    uint64_t bits = asr_le64(v);
    double d;
    memcpy(&d, &bits, 8);
    w = c->canonical ? put_double_canonical(w, d) : put_double(w, d);
    break;
  }
  case BSON_TYPE_OID:
    w = PUT_LIT(w, "{\"$oid\":\"");
    w = put_hex(w, v, 12);
    w = PUT_LIT(w, "\"}");
    break;
  case BSON_TYPE_BOOL:
    if (v[0] > 1) return fail(c, v, "boolean value %u is neither 0 nor 1", v[0]);
    w = v[0] ? PUT_LIT(w, "true") : PUT_LIT(w, "false");
    break;
  case BSON_TYPE_DATE_TIME:
    w = c->canonical ? put_date_long(w, (int64_t)asr_le64(v)) : put_date(w, (int64_t)asr_le64(v));
    break;
  case BSON_TYPE_INT32:
    w = c->canonical ? PUT_WRAPPED_INT(w, "{\"$numberInt\":\"", (int32_t)asr_le32(v))
                     : put_i64(w, (int32_t)asr_le32(v));
    break;
  case BSON_TYPE_INT64:
    w = c->canonical ? PUT_WRAPPED_INT(w, "{\"$numberLong\":\"", (int64_t)asr_le64(v))
                     : put_i64(w, (int64_t)asr_le64(v));
    break;
  case BSON_TYPE_TIMESTAMP: /* low 32 bits: increment, high 32 bits: seconds */
    w = PUT_LIT(w, "{\"$timestamp\":{\"t\":");
    w = put_u64(w, asr_le32(v + 4));
    w = PUT_LIT(w, ",\"i\":");
    w = put_u64(w, asr_le32(v));
    w = PUT_LIT(w, "}}");
    break;
  case BSON_TYPE_DECIMAL128: w = put_decimal128(w, v); break;
  case BSON_TYPE_UNDEFINED: w = PUT_LIT(w, "{\"$undefined\":true}"); break;
  case BSON_TYPE_NULL: w = PUT_LIT(w, "null"); break;
  case BSON_TYPE_MINKEY: w = PUT_LIT(w, "{\"$minKey\":1}"); break;
  case BSON_TYPE_MAXKEY: w = PUT_LIT(w, "{\"$maxKey\":1}"); break;
  default: return fail(c, v, "unknown BSON type 0x%02x", type);
  }
  commit(c, w);
  *used = size;
  return 0;
}

static int write_value(wctx_t *c, uint8_t type, const uint8_t *v, size_t rem, size_t *used) {
  switch (type) {
  case BSON_TYPE_UTF8:
  case BSON_TYPE_CODE:
  case BSON_TYPE_SYMBOL: return write_string(c, type, v, rem, used);
  case BSON_TYPE_DOCUMENT: return write_child(c, v, rem, 0, used);
  case BSON_TYPE_ARRAY: return write_child(c, v, rem, 1, used);
  case BSON_TYPE_BINARY: return write_binary(c, v, rem, used);
  case BSON_TYPE_REGEX: return write_regex(c, v, rem, used);
  case BSON_TYPE_DBPOINTER: return write_dbpointer(c, v, rem, used);
  case BSON_TYPE_CODEWSCOPE: return write_code_w_scope(c, v, rem, used);
  default: return write_fixed(c, type, v, rem, used);
  }
}

/* ---- documents ---- */

/* Writes ',' (unless first) and, outside arrays, the quoted name at e and ':'; sets *nul to
 * the name's terminating NUL, which must come before end, and records the name in c->path.
 * The common name, plain ASCII and shorter than a block, is found and copied with one block
 * load; others go through find_nul and put_str. */
static int write_name(wctx_t *c, const uint8_t *e, const uint8_t *end, int first, int is_array,
                      const uint8_t **nul) {
  uint8_t *w = room(c, BLOCK + 8);
  if (!w) return nomem(c);
  if (!first) *w++ = ',';
  if (c->limit - e >= BLOCK) {
    size_t k = plain_name(e, w + 1);
    if (k < BLOCK && k < (size_t)(end - e)) {
      *nul = e + k;
      c->path[c->depth] = (const char *)e;
      if (!is_array) {
        w[0] = '"';
        w += k + 1;
        w = PUT_LIT(w, "\":");
      }
      commit(c, w);
      return 0;
    }
  }
  commit(c, w);
  if (!(*nul = find_nul(e, end))) return fail(c, e - 1, "field name not terminated by a NUL byte");
  c->path[c->depth] = (const char *)e; /* for messages, now that it is known to end */
  if (is_array) return 0;
  size_t n = (size_t)(*nul - e);
  if (!(w = room(c, STR_ROOM(n) + 1))) return nomem(c);
  if (!(w = put_str(c, w, e, n))) return fail(c, e, "field name is not valid UTF-8");
  *w++ = ':';
  commit(c, w);
  return 0;
}

/* The document at d, which must fit in avail bytes. */
static int write_doc(wctx_t *c, const uint8_t *d, size_t avail, int is_array) {
  c->path[c->depth] = NULL;
  if (avail < 5) return fail(c, d, "document truncated (%zu bytes left)", avail);
  uint32_t len = asr_le32(d);
  if (len < 5 || len > avail)
    return fail(c, d, "document length %u out of bounds (%zu bytes left)", len, avail);
  if (d[len - 1] != 0) return fail(c, d + len - 1, "document not terminated by a NUL byte");
  const uint8_t *e = d + 4, *end = d + len - 1;
  uint8_t *w = room(c, 1);
  if (!w) return nomem(c);
  *w++ = is_array ? '[' : '{';
  commit(c, w);
  for (int first = 1; e < end; first = 0) {
    uint8_t type = *e++;
    const uint8_t *nul = NULL;
    int rc = write_name(c, e, end, first, is_array, &nul);
    size_t used = 0;
    if (!rc) rc = write_value(c, type, nul + 1, (size_t)(end - nul - 1), &used);
    if (rc) return rc;
    e = nul + 1 + used;
  }
  w = room(c, 1);
  if (!w) return nomem(c);
  *w++ = is_array ? ']' : '}';
  commit(c, w);
  return 0;
}

/* The document doc[0..len), which lies in an input buffer ending at limit (>= doc + len). */
static int append_doc(asr_buf_t *out, const uint8_t *doc, uint32_t len, const uint8_t *limit,
                      asr_ejson_mode_t mode, asr_err_t *err) {
  wctx_t c; /* path[] is filled as the walk goes: see wctx_t */
  c.out = out;
  c.err = err;
  c.base = doc;
  c.limit = limit;
  c.canonical = mode == ASR_EJSON_CANONICAL;
  c.depth = 0;
  c.path[0] = NULL;
  size_t start = out->len;
  int rc;
  if (len < 5 || asr_le32(doc) != len) {
    rc = fail(&c, doc, "document length field %u does not match its size %u",
              len >= 4 ? asr_le32(doc) : 0, len);
    goto done;
  }
  rc = asr_buf_reserve(out, (size_t)len + len / 2 + 16); /* a guess; elements reserve exactly */
  if (rc) {
    rc = nomem(&c);
    goto done;
  }
  rc = write_doc(&c, doc, len, 0);
done:
  if (rc) out->len = start;
  return rc;
}

int asr_ejson_mode_parse(const char *name, asr_ejson_mode_t *mode) {
  if (name && strcmp(name, "relaxed") == 0) return *mode = ASR_EJSON_RELAXED, 0;
  if (name && strcmp(name, "canonical") == 0) return *mode = ASR_EJSON_CANONICAL, 0;
  return -1;
}

const char *asr_ejson_mode_name(asr_ejson_mode_t mode) {
  return mode == ASR_EJSON_CANONICAL ? "canonical" : "relaxed";
}

int asr_ejson_append_doc_mode(asr_buf_t *out, const uint8_t *doc, uint32_t len,
                              asr_ejson_mode_t mode, asr_err_t *err) {
  return append_doc(out, doc, len, doc + len, mode, err);
}

int asr_ejson_append_doc(asr_buf_t *out, const uint8_t *doc, uint32_t len, asr_err_t *err) {
  return append_doc(out, doc, len, doc + len, ASR_EJSON_RELAXED, err);
}

int asr_ejson_append_lines(asr_buf_t *out, const asr_docs_t *docs, asr_err_t *err) {
  return asr_ejson_append_lines_mode(out, docs, ASR_EJSON_RELAXED, err);
}

int asr_ejson_append_lines_mode(asr_buf_t *out, const asr_docs_t *docs, asr_ejson_mode_t mode,
                                asr_err_t *err) {
  size_t start = out->len, left = docs->buf.len;
  const uint8_t *p = docs->buf.data, *limit = docs->buf.data + docs->buf.len;
  uint32_t i = 0;
  int rc = 0;
  while (left > 0) {
    uint32_t len = left >= 4 ? asr_le32(p) : 0;
    if (len < 5 || len > left) {
      rc = asr_err_set(err, ASR_EDATA, "document %u: length %u out of bounds (%zu bytes left)",
                       i + 1, len, left);
      goto done;
    }
    rc = append_doc(out, p, len, limit, mode, err);
    if (rc) {
      if (err) asr_err_prefix(err, "document %u", i + 1);
      goto done;
    }
    rc = asr_buf_append(out, "\n", 1);
    if (rc) {
      asr_err_set(err, rc, "out of memory writing Extended JSON");
      goto done;
    }
    p += len;
    left -= len;
    i++;
  }
  if (i != docs->count)
    rc = asr_err_set(err, ASR_EDATA, "batch holds %u documents, its count says %u", i, docs->count);
done:
  if (rc) out->len = start;
  return rc;
}
