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

/* Moves the unread bytes to the front, then reads until `need` bytes are unread or the file
 * ends. Returns 0 or ASR_EIO. */
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
    ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return asr_err_set(err, ASR_EIO, "cannot read %s: %s", r->path, strerror(errno));
    if (n == 0) {
      r->eof = 1;
      break;
    }
    r->end += (size_t)n;
  }
  return 0;
}

int asr_file_reader_open(asr_file_reader_t *r, const char *path, int flags, asr_err_t *err) {
  memset(r, 0, sizeof *r);
  r->fd = -1;
  int rc = 0;
  struct stat st;
  r->fd = open(path, O_RDONLY | O_CLOEXEC);
  if (r->fd < 0 || fstat(r->fd, &st) != 0) {
    rc = asr_err_set(err, ASR_EINVAL, "cannot open %s: %s", path, strerror(errno));
    goto done;
  }
  if (S_ISDIR(st.st_mode)) {
    rc = asr_err_set(err, ASR_EINVAL, "cannot open %s: %s", path, strerror(EISDIR));
    goto done;
  }
  r->size = S_ISREG(st.st_mode) ? (int64_t)st.st_size : -1;
  (void)posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL); /* a hint: failure is harmless */
  r->cap = ASR_FILE_READER_BUF_SIZE;
  r->path = strdup(path);
  r->buf = malloc(r->cap);
  if (!r->path || !r->buf) {
    rc = asr_err_set(err, ASR_ENOMEM, "out of memory opening %s", path);
    goto done;
  }
  if (flags & ASR_FILE_READER_SKIP_BOM) {
    if ((rc = fill_at_least(r, 3, err)) != 0) goto done;
    if (r->end >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0) r->pos = 3;
  }
done:
  if (rc) asr_file_reader_close(r);
  return rc;
}

void asr_file_reader_close(asr_file_reader_t *r) {
  if (r->fd >= 0) close(r->fd);
  free(r->buf);
  free(r->path);
  memset(r, 0, sizeof *r);
  r->fd = -1;
}

int asr_file_reader_seek(asr_file_reader_t *r, uint64_t offset, asr_err_t *err) {
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
