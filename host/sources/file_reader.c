/* Buffered sequential file reading and JSON framing helpers for the file sources
 * (see file_reader.h). */
#include "sources/file_reader.h"

#include "codec/ejson_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* Buffers that read(2) fills start on a page boundary. The kernel copies from page-aligned page
 * cache pages with `rep movsb`, which some CPUs (AMD Zen here) run 4-5x slower when the
 * destination sits a few bytes past a page boundary, where glibc puts a large malloc (page +
 * 16): reading 250 MB of JSONL cost the producer about 100 ms of CPU instead of 20-25 ms. */
#define READ_ALIGN 4096

static void *read_buffer(size_t size) {
  void *p = NULL;
  return posix_memalign(&p, READ_ALIGN, size) == 0 ? p : NULL;
}

/* ---- gzip input ------------------------------------------------------------------------ */

#define GZ_IN_SIZE ((size_t)256 << 10) /* compressed bytes read at a time */

/* The inflate state of a gzip input: compressed bytes are read into in[] and inflated into
 * the reader's buffer. */
struct asr_gz {
  z_stream zs;
  uint8_t *in;
  size_t in_cap;
  uint64_t in_read; /* compressed bytes read from the fd so far */
  int in_eof;       /* the fd is at its end */
  int member_end;   /* inflate finished a member: another may follow */
  uint64_t members;
};

static int is_gzip_magic(const uint8_t *p, size_t n) { return n >= 2 && p[0] == 0x1f && p[1] == 0x8b; }

/* Reads compressed bytes into gz->in after what inflate has not consumed yet. */
static int gz_read_more(asr_file_reader_t *r, asr_err_t *err) {
  struct asr_gz *gz = r->gz;
  if (gz->zs.avail_in && gz->zs.next_in != gz->in) memmove(gz->in, gz->zs.next_in, gz->zs.avail_in);
  gz->zs.next_in = gz->in;
  for (;;) {
    ssize_t n = read(r->fd, gz->in + gz->zs.avail_in, gz->in_cap - gz->zs.avail_in);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return asr_err_set(err, ASR_EIO, "cannot read %s: %s", r->path, strerror(errno));
    if (n == 0) gz->in_eof = 1;
    gz->zs.avail_in += (uInt)n;
    gz->in_read += (uint64_t)n;
    return 0;
  }
}

static uint64_t gz_in_offset(const struct asr_gz *gz) { return gz->in_read - gz->zs.avail_in; }

/* After a member's end: the next member, trailing zero bytes (tar-style padding: ignored,
 * as gzip does), or the end. Returns 1 when inflate goes on, 0 at the end, or ASR_EDATA. */
static int gz_next_member(asr_file_reader_t *r, asr_err_t *err) {
  struct asr_gz *gz = r->gz;
  for (;;) {
    while (gz->zs.avail_in && gz->zs.next_in[0] == 0) gz->zs.next_in++, gz->zs.avail_in--;
    if (gz->zs.avail_in < 2 && !gz->in_eof) {
      int rc = gz_read_more(r, err);
      if (rc) return rc;
      continue;
    }
    if (gz->zs.avail_in == 0) return 0;
    if (!is_gzip_magic(gz->zs.next_in, gz->zs.avail_in))
      return asr_err_set(err, ASR_EDATA, "%s: not gzip data after the end of gzip member %llu, "
                         "at compressed byte %llu", r->path, (unsigned long long)gz->members,
                         (unsigned long long)gz_in_offset(gz));
    inflateReset(&gz->zs);
    gz->member_end = 0;
    return 1;
  }
}

/* Inflates up to n bytes into dst: how many (0 at the end of the last member), or a negative
 * ASR_E* (truncated or corrupt data). */
static ssize_t gz_read(asr_file_reader_t *r, uint8_t *dst, size_t n, asr_err_t *err) {
  struct asr_gz *gz = r->gz;
  gz->zs.next_out = dst;
  gz->zs.avail_out = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
  for (;;) {
    int rc = 0;
    if (gz->member_end && (rc = gz_next_member(r, err)) <= 0) return rc;
    if (gz->zs.avail_in == 0) {
      if (gz->in_eof)
        return asr_err_set(err, ASR_EDATA, "%s: truncated gzip data: the compressed input ends "
                           "at byte %llu inside gzip member %llu (%llu bytes decompressed); the "
                           "file is incomplete", r->path, (unsigned long long)gz->in_read,
                           (unsigned long long)gz->members + 1,
                           (unsigned long long)(r->offset + r->end));
      if ((rc = gz_read_more(r, err))) return rc;
      continue;
    }
    int z = inflate(&gz->zs, Z_NO_FLUSH);
    if (z == Z_STREAM_END) {
      gz->member_end = 1;
      gz->members++;
    } else if (z == Z_MEM_ERROR) {
      return asr_err_set(err, ASR_ENOMEM, "out of memory inflating %s", r->path);
    } else if (z != Z_OK && z != Z_BUF_ERROR) {
      return asr_err_set(err, ASR_EDATA, "%s: corrupt gzip data near compressed byte %llu: %s",
                         r->path, (unsigned long long)gz_in_offset(gz),
                         gz->zs.msg ? gz->zs.msg : "inflate failed");
    }
    if (gz->zs.next_out != dst) return (ssize_t)(gz->zs.next_out - dst);
  }
}

/* Switches a reader whose buffer holds the input's first bytes to gzip: they become the
 * first compressed bytes. */
static int gz_start(asr_file_reader_t *r, asr_err_t *err) {
  struct asr_gz *gz = calloc(1, sizeof *gz);
  if (!gz || !(gz->in = read_buffer(GZ_IN_SIZE > r->end ? GZ_IN_SIZE : r->end))) {
    free(gz);
    return asr_err_set(err, ASR_ENOMEM, "out of memory opening %s", r->path);
  }
  gz->in_cap = GZ_IN_SIZE > r->end ? GZ_IN_SIZE : r->end;
  if (inflateInit2(&gz->zs, 16 + MAX_WBITS) != Z_OK) { /* 16: gzip framing, CRC checked */
    free(gz->in);
    free(gz);
    return asr_err_set(err, ASR_ENOMEM, "out of memory opening %s", r->path);
  }
  memcpy(gz->in, r->buf, r->end);
  gz->zs.next_in = gz->in;
  gz->zs.avail_in = (uInt)r->end;
  gz->in_read = r->end;
  gz->in_eof = r->eof;
  r->gz = gz;
  r->pos = r->end = 0;
  r->eof = 0;
  r->size = -1; /* the decompressed size is not known */
  return 0;
}

static void gz_free(struct asr_gz *gz) {
  if (!gz) return;
  inflateEnd(&gz->zs);
  free(gz->in);
  free(gz);
}

/* ---- reading --------------------------------------------------------------------------- */

/* Up to n bytes of input into dst: how many (0 at its end), or a negative ASR_E*. */
static ssize_t read_input(asr_file_reader_t *r, uint8_t *dst, size_t n, asr_err_t *err) {
  if (r->gz) return gz_read(r, dst, n, err);
  for (;;) {
    ssize_t got = read(r->fd, dst, n);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return asr_err_set(err, ASR_EIO, "cannot read %s: %s", r->path, strerror(errno));
    return got;
  }
}

/* Moves the unread bytes to the front, then reads until `need` bytes are unread or the input
 * ends. Returns 0 or a negative ASR_E*. */
static int fill_at_least(asr_file_reader_t *r, size_t need, asr_err_t *err) {
  size_t avail = r->end - r->pos;
  if (avail >= need || r->eof) return 0;
  if (r->pos) {
    memmove(r->buf, r->buf + r->pos, avail);
    r->offset += r->pos;
    r->pos = 0;
    r->end = avail;
  }
  while (r->end < need && r->end < r->cap) {
    ssize_t n = read_input(r, r->buf + r->end, r->cap - r->end, err);
    if (n < 0) return (int)n;
    if (n == 0) {
      r->eof = 1;
      break;
    }
    r->end += (size_t)n;
  }
  return 0;
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* gzip by name (".gz": required) or, for text, by the magic bytes. */
static int detect_gzip(asr_file_reader_t *r, const char *path, int flags, asr_err_t *err) {
  int named = ends_with(path, ".gz");
  if (!named && !(flags & ASR_FILE_READER_SKIP_BOM)) return 0;
  int rc = fill_at_least(r, 2, err);
  if (rc) return rc;
  if (is_gzip_magic(r->buf, r->end)) return gz_start(r, err);
  if (named && r->end > 0)
    return asr_err_set(err, ASR_EINVAL, "%s is not gzip data (it does not start with the gzip "
                       "magic bytes 1F 8B); name it without .gz", r->path);
  return 0;
}

int asr_file_reader_open(asr_file_reader_t *r, const char *path, int flags, asr_err_t *err) {
  memset(r, 0, sizeof *r);
  r->fd = -1;
  int rc = 0;
  struct stat st;
  r->is_stdin = strcmp(path, ASR_STDIN_PATH) == 0;
  r->fd = r->is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
  if (r->fd < 0 || fstat(r->fd, &st) != 0) {
    rc = asr_err_set(err, ASR_EINVAL, "cannot open %s: %s",
                     r->is_stdin ? "standard input" : path, strerror(errno));
    goto done;
  }
  if (S_ISDIR(st.st_mode)) {
    rc = asr_err_set(err, ASR_EINVAL, "cannot open %s: %s", path, strerror(EISDIR));
    goto done;
  }
  r->seekable = S_ISREG(st.st_mode) && !r->is_stdin;
  r->size = r->seekable ? (int64_t)st.st_size : -1;
  (void)posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL); /* a hint: failure is harmless */
  r->cap = ASR_FILE_READER_BUF_SIZE;
  r->path = strdup(r->is_stdin ? ASR_STDIN_NAME : path);
  r->buf = read_buffer(r->cap);
  if (!r->path || !r->buf) {
    rc = asr_err_set(err, ASR_ENOMEM, "out of memory opening %s", path);
    goto done;
  }
  if ((rc = detect_gzip(r, path, flags, err)) != 0) goto done;
  if (flags & ASR_FILE_READER_SKIP_BOM) {
    if ((rc = fill_at_least(r, 3, err)) != 0) goto done;
    if (r->end >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0) r->pos = 3;
  }
done:
  if (rc) asr_file_reader_close(r);
  return rc;
}

void asr_file_reader_close(asr_file_reader_t *r) {
  if (r->fd >= 0 && !r->is_stdin) close(r->fd);
  gz_free(r->gz);
  free(r->buf);
  free(r->path);
  memset(r, 0, sizeof *r);
  r->fd = -1;
}

const char *asr_file_reader_once(const asr_file_reader_t *r) {
  if (r->is_stdin) return "standard input is read once";
  if (!r->seekable) return "a pipe or a device is read once";
  return NULL;
}

/* Input that cannot seek (gzip) goes forward by reading and dropping. */
static int skip_to(asr_file_reader_t *r, uint64_t offset, asr_err_t *err) {
  uint64_t at = asr_file_reader_tell(r);
  if (offset < at)
    return asr_err_set(err, ASR_EINVAL, "cannot go back to byte %llu in %s (at byte %llu)",
                       (unsigned long long)offset, r->path, (unsigned long long)at);
  while (at < offset) {
    int rc = asr_file_reader_fill(r, err);
    if (rc < 0) return rc;
    if (rc == 0)
      return asr_err_set(err, ASR_EINVAL, "%s holds %llu bytes, the checkpoint is at byte %llu: "
                         "the input changed", r->path, (unsigned long long)at,
                         (unsigned long long)offset);
    size_t take = asr_file_reader_avail(r);
    if (take > offset - at) take = (size_t)(offset - at);
    asr_file_reader_consume(r, take);
    at += take;
  }
  return 0;
}

int asr_file_reader_seek(asr_file_reader_t *r, uint64_t offset, asr_err_t *err) {
  const char *once = asr_file_reader_once(r);
  if (once && offset != asr_file_reader_tell(r))
    return asr_err_set(err, ASR_EINVAL, "cannot resume %s at byte %llu: %s", r->path,
                       (unsigned long long)offset, once);
  if (once || r->gz) return skip_to(r, offset, err);
  if (r->size >= 0 && offset > (uint64_t)r->size)
    return asr_err_set(err, ASR_EINVAL, "%s holds %lld bytes, the checkpoint is at byte %llu: "
                       "the input changed", r->path, (long long)r->size,
                       (unsigned long long)offset);
  if (lseek(r->fd, (off_t)offset, SEEK_SET) < 0)
    return asr_err_set(err, ASR_EIO, "cannot seek in %s: %s", r->path, strerror(errno));
  r->pos = r->end = 0;
  r->offset = offset;
  r->eof = 0;
  return 0;
}

int asr_file_reader_fill(asr_file_reader_t *r, asr_err_t *err) {
  if (r->pos < r->end) return 1;
  int rc = fill_at_least(r, 1, err);
  if (rc) return rc;
  return r->pos < r->end;
}

int asr_file_reader_line(asr_file_reader_t *r, asr_buf_t *out, asr_err_t *err) {
  size_t start = out->len;
  int any = 0;
  for (;;) {
    int rc = asr_file_reader_fill(r, err);
    if (rc < 0) return rc;
    if (rc == 0) break; /* end of file: the last line had no newline */
    any = 1;
    const uint8_t *p = asr_file_reader_peek(r);
    size_t n = asr_file_reader_avail(r);
    const uint8_t *nl = memchr(p, '\n', n);
    size_t take = nl ? (size_t)(nl - p) : n;
    if (asr_buf_append(out, p, take)) return asr_err_set(err, ASR_ENOMEM, "out of memory");
    asr_file_reader_consume(r, take + (nl != NULL));
    if (nl) break;
  }
  if (!any) return 0;
  if (out->len > start && out->data[out->len - 1] == '\r') out->len--;
  return 1;
}

int asr_file_reader_read(asr_file_reader_t *r, asr_buf_t *out, size_t n, size_t *got,
                         asr_err_t *err) {
  *got = 0;
  while (*got < n) {
    int rc = asr_file_reader_fill(r, err);
    if (rc <= 0) return rc;
    size_t take = asr_file_reader_avail(r);
    if (take > n - *got) take = n - *got;
    /* Grows with the bytes actually read: a corrupt length must not reserve gigabytes. */
    if (asr_buf_append(out, asr_file_reader_peek(r), take))
      return asr_err_set(err, ASR_ENOMEM, "out of memory");
    asr_file_reader_consume(r, take);
    *got += take;
  }
  return 0;
}

size_t asr_json_scan_value(asr_json_scan_t *s, const uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    if (s->in_string) {
      if (s->escape) {
        s->escape = 0;
        i++;
        continue;
      }
      /* Most bytes of a document are string contents: skip them without the switch. */
      while (i < n && p[i] != '"' && p[i] != '\\') i++;
      if (i == n) break;
      if (p[i] == '\\') s->escape = 1;
      else s->in_string = 0;
      i++;
      continue;
    }
    switch (p[i++]) {
    case '"': s->in_string = 1; break;
    case '{':
    case '[': s->depth++; break;
    case '}':
    case ']':
      if (s->depth > 0 && --s->depth == 0) return i;
      break;
    default: break;
    }
  }
  return n;
}

const char *asr_text_describe_byte(int c, char buf[16]) {
  if (c == ASR_TEXT_EOF) return "end of file";
  if (c >= 0x20 && c < 0x7f) snprintf(buf, 16, "'%c'", c);
  else snprintf(buf, 16, "byte 0x%02X", (unsigned)c);
  return buf;
}

/* --- Decoding text records --------------------------------------------------------------
 * Each record is read by asrun's own Extended JSON reader (codec/ejson_reader.h), straight
 * into out's buffer. Only a record it refuses or defers goes to libbson's parser (cold path),
 * which then decides: a deferred record takes libbson's result, and a refused one keeps
 * libbson's message when libbson refuses it too (the messages users already know). */

enum { LINE_OK, LINE_NOT_OBJECT, LINE_UNTERMINATED, LINE_TRAILING };

/* A JSONL line must be exactly one object, optionally surrounded by whitespace: libbson would
 * read "{..}{..}" as two documents (or silently drop the second) and accept "[..]". */
static int check_line(const uint8_t *p, size_t n, size_t *start, size_t *stop) {
  size_t i = 0;
  while (i < n && asr_json_is_space(p[i])) i++;
  *start = i;
  if (i == n || p[i] != '{') return LINE_NOT_OBJECT;
  asr_json_scan_t sc = {0};
  size_t k = i + asr_json_scan_value(&sc, p + i, n - i);
  *stop = k;
  if (sc.depth != 0) return LINE_UNTERMINATED;
  while (k < n && asr_json_is_space(p[k])) k++;
  if (k < n) {
    *stop = k;
    return LINE_TRAILING;
  }
  return LINE_OK;
}

/* The message for a JSONL line that is not exactly one object. libbson's own message is used
 * when libbson rejects the line too (alone); it accepts some of these ("[1]", "{}{}"). */
static void line_problem(const uint8_t *p, size_t n, char *msg, size_t cap) {
  size_t start, stop;
  char cb[16];
  int kind = check_line(p, n, &start, &stop);
  if (kind == LINE_NOT_OBJECT) {
    snprintf(msg, cap, "expected a JSON object, found %s",
             asr_text_describe_byte(start < n ? p[start] : ASR_TEXT_EOF, cb));
    return;
  }
  bson_t tmp;
  bson_error_t e;
  if (!bson_init_from_json(&tmp, (const char *)p + start, (ssize_t)(n - start), &e)) {
    snprintf(msg, cap, "%s", e.message);
    return;
  }
  bson_destroy(&tmp);
  if (kind == LINE_UNTERMINATED) snprintf(msg, cap, "unterminated object");
  else
    snprintf(msg, cap, "unexpected %s after the object, at byte %zu",
             asr_text_describe_byte(p[stop], cb), stop + 1);
}

static int text_error(const char *path, const asr_text_rec_t *rec, int jsonl, const char *msg,
                      asr_err_t *err) {
  if (jsonl)
    return asr_err_set(err, ASR_EDATA, "%s:%" PRIu64 ": invalid JSON: %s", path, rec->line, msg);
  return asr_err_set(err, ASR_EDATA, "%s:%" PRIu64 ":%" PRIu64 ": invalid JSON: %s", path,
                     rec->line, rec->col, msg);
}

/* The cold path for one record our reader refused (code ASR_EJSON_ERROR, st says where) or
 * deferred (ASR_EJSON_DEFER): libbson parses it alone. */
static int decode_with_libbson(const char *path, const asr_text_rec_t *rec, const uint8_t *data,
                               int jsonl, int code, const asr_ejson_status_t *st,
                               asr_docs_t *out, asr_err_t *err) {
  size_t start = 0, stop = rec->len;
  char msg[sizeof ((bson_error_t *)0)->message + 64];
  if (jsonl && check_line(data, rec->len, &start, &stop) != LINE_OK) {
    line_problem(data, rec->len, msg, sizeof msg);
    return text_error(path, rec, jsonl, msg, err);
  }
  bson_t doc;
  bson_error_t e;
  if (!bson_init_from_json(&doc, (const char *)data + start, (ssize_t)(stop - start), &e)) {
    snprintf(msg, sizeof msg, "%s", e.message);
    return text_error(path, rec, jsonl, msg, err);
  }
  int rc = 0;
  if (code == ASR_EJSON_DEFER) {
    if (asr_docs_append_bson(out, &doc)) rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
  } else { /* libbson accepts what asrun refuses on purpose (ejson_reader.h says which) */
    uint64_t line = rec->line + st->line - 1;
    uint64_t col = st->line == 1 ? rec->col + st->col - 1 : st->col;
    rc = asr_err_set(err, ASR_EDATA, "%s:%" PRIu64 ":%" PRIu64 ": invalid JSON: %s", path, line,
                     col, st->msg);
  }
  bson_destroy(&doc);
  return rc;
}

int asr_text_decode(const char *path, const asr_batch_t *b, int jsonl, asr_docs_t *out,
                    asr_err_t *err) {
  const uint8_t *rp = b->raw.data;
  for (uint32_t i = 0; i < b->count; i++) {
    asr_text_rec_t rec;
    memcpy(&rec, rp, sizeof rec);
    const uint8_t *data = rp + sizeof rec;
    asr_ejson_status_t st;
    int code = asr_ejson_read_doc(data, rec.len, &out->buf, &st);
    if (code == ASR_EJSON_OK) {
      out->count++;
    } else if (code == ASR_EJSON_NOMEM) {
      return asr_err_set(err, ASR_ENOMEM, "out of memory");
    } else {
      int rc = decode_with_libbson(path, &rec, data, jsonl, code, &st, out, err);
      if (rc) return rc;
    }
    rp += sizeof rec + rec.len;
  }
  return 0;
}
