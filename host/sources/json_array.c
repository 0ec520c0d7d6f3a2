/* JSON file source: the whole file is one array of Extended JSON documents (mongoimport
 * --jsonArray), or (spec->json_documents) documents one after another, separated by
 * whitespace only, each maybe over many lines (mongoimport --type json without --jsonArray). `next` (producer thread) frames the top-level elements with a streaming
 * scanner (asr_json_scan_value), never holding more than the read buffer plus the batch, and
 * records each element's line:column; `decode` (workers) parses the elements with libbson.
 * A structural error found while framing is returned after the records before it, so
 * everything readable is produced exactly once. The source owns its reader. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sources/file_reader.h"
#include "sources/source.h"

enum {
  ST_START, /* before '[' */
  ST_FIRST, /* after '[': an element or ']' */
  ST_NEXT,  /* after ',': an element */
  ST_AFTER, /* after an element: ',' or ']' */
  ST_TAIL,  /* after ']': only whitespace */
  ST_DONE,
  ST_DOCS   /* documents one after another: a document or the end of the file */
};

typedef struct json_array_source {
  asr_source_t base;
  asr_file_reader_t rd;
  int64_t limit;
  uint64_t produced;
  int state;
  uint64_t line, col; /* position of the next unread byte, 1-based, columns in characters */
  asr_err_t pending;  /* a framing error held back until the records before it are out */
  uint64_t again_below; /* resumed: records below this index may be written already */
} json_array_source_t;

/* Moves the line:column position over bytes about to be consumed. */
static void advance(json_array_source_t *s, const uint8_t *p, size_t n) {
  const uint8_t *q = p, *e = p + n, *nl;
  while ((nl = memchr(q, '\n', (size_t)(e - q))) != NULL) {
    s->line++;
    s->col = 1;
    q = nl + 1;
  }
  for (; q < e; q++) s->col += (*q & 0xC0) != 0x80; /* UTF-8 continuation bytes add nothing */
}

static void consume(json_array_source_t *s, size_t n) {
  advance(s, asr_file_reader_peek(&s->rd), n);
  asr_file_reader_consume(&s->rd, n);
}

/* Skips whitespace; returns the next byte (not consumed), ASR_TEXT_EOF, or a negative code. */
static int peek_token(json_array_source_t *s, asr_err_t *err) {
  for (;;) {
    int rc = asr_file_reader_fill(&s->rd, err);
    if (rc < 0) return rc;
    if (rc == 0) return ASR_TEXT_EOF;
    const uint8_t *p = asr_file_reader_peek(&s->rd);
    size_t n = asr_file_reader_avail(&s->rd), i = 0;
    while (i < n && asr_json_is_space(p[i])) i++;
    consume(s, i);
    if (i < n) return p[i];
  }
}

static int syntax_error(json_array_source_t *s, asr_err_t *err, const char *what, int c) {
  char cb[16];
  return asr_err_set(err, ASR_EDATA, "%s:%" PRIu64 ":%" PRIu64 ": %s, found %s", s->rd.path,
                     s->line, s->col, what, asr_text_describe_byte(c, cb));
}

/* Copies one element (the reader is at its '{') into raw as a record. */
static int read_element(json_array_source_t *s, asr_buf_t *raw, asr_err_t *err) {
  asr_text_rec_t rec = {0, s->line, s->col};
  size_t at = raw->len;
  asr_json_scan_t sc = {0};
  if (asr_buf_reserve(raw, sizeof rec)) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  raw->len += sizeof rec;
  int rc = 0;
  for (;;) {
    rc = asr_file_reader_fill(&s->rd, err);
    if (rc < 0) goto done;
    if (rc == 0) {
      rc = asr_err_set(err, ASR_EDATA,
                         "%s:%" PRIu64 ":%" PRIu64 ": unterminated %s: end of file inside the "
                         "document that starts at line %" PRIu64 ", column %" PRIu64,
                         s->rd.path, s->line, s->col, sc.in_string ? "string" : "document",
                         rec.line, rec.col);
      goto done;
    }
    const uint8_t *p = asr_file_reader_peek(&s->rd);
    size_t n = asr_file_reader_avail(&s->rd);
    size_t k = asr_json_scan_value(&sc, p, n);
    if (asr_buf_append(raw, p, k)) {
      rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
      goto done;
    }
    consume(s, k);
    if (sc.depth == 0) break;
  }
  rec.len = raw->len - at - sizeof rec;
  memcpy(raw->data + at, &rec, sizeof rec);
  rc = 0;
done:
  if (rc) raw->len = at; /* raw holds whole records only */
  return rc;
}

/* Advances the state machine by one token; *added is set when an element went into raw. */
static int step(json_array_source_t *s, asr_buf_t *raw, int *added, asr_err_t *err) {
  int c = peek_token(s, err);
  if (c < 0) return c;
  *added = 0;
  switch (s->state) {
  case ST_DOCS:
    if (c == ASR_TEXT_EOF) {
      s->state = ST_DONE;
      return 0;
    }
    if (c != '{') return syntax_error(s, err, "expected a document ('{')", c);
    *added = 1;
    return read_element(s, raw, err);
  case ST_START:
    if (c != '[') return syntax_error(s, err, "expected a JSON array ('[')", c);
    consume(s, 1);
    s->state = ST_FIRST;
    return 0;
  case ST_FIRST:
  case ST_NEXT:
    if (c == ']' && s->state == ST_FIRST) {
      consume(s, 1);
      s->state = ST_TAIL;
      return 0;
    }
    if (c == ASR_TEXT_EOF) return syntax_error(s, err, "unterminated array", c);
    if (c != '{') return syntax_error(s, err, "expected a document ('{') as array element", c);
    s->state = ST_AFTER;
    *added = 1;
    return read_element(s, raw, err);
  case ST_AFTER:
    if (c == ASR_TEXT_EOF) return syntax_error(s, err, "unterminated array", c);
    if (c != ',' && c != ']')
      return syntax_error(s, err, "expected ',' or ']' after an array element", c);
    consume(s, 1);
    s->state = c == ',' ? ST_NEXT : ST_TAIL;
    return 0;
  case ST_TAIL:
    if (c != ASR_TEXT_EOF) return syntax_error(s, err, "unexpected data after the array", c);
    s->state = ST_DONE;
    return 0;
  default: return 0;
  }
}

static int json_array_next(asr_source_t *base, asr_batch_t *b, uint32_t max_records,
                           asr_err_t *err) {
  json_array_source_t *s = (json_array_source_t *)base;
  if (max_records == 0) max_records = 1; /* 0 records would read as the end of input */
  asr_buf_t *raw = &b->raw;
  uint32_t count = 0;
  int rc = s->pending.code;
  b->origin = 0;
  uint64_t room = asr_file_batch_room(s->produced, s->limit, s->again_below, &b->again);
  while (rc == 0 && s->state != ST_DONE && count < max_records &&
         raw->len < ASR_FILE_BATCH_MAX_BYTES && count < room) {
    int added = 0;
    size_t at = raw->len;
    if ((rc = step(s, raw, &added, &s->pending)) != 0) break;
    if (added && count++ == 0) {
      asr_text_rec_t rec;
      memcpy(&rec, raw->data + at, sizeof rec);
      b->origin = rec.line;
    }
  }
  b->first_index = s->produced;
  b->count = count;
  if (count == 0) {
    /* A held error is returned on every later call too: the source stays failed. */
    if (rc) asr_err_set(err, rc, "%s", s->pending.msg);
    return rc;
  }
  s->produced += count;
  return 1;
}

static int json_array_decode(asr_source_t *base, asr_source_worker_t *w, const asr_batch_t *b,
                             asr_docs_t *out, asr_err_t *err) {
  json_array_source_t *s = (json_array_source_t *)base;
  return asr_text_decode(s->rd.path, b, 0, out, err);
}




static void json_array_tell(asr_source_t *base, asr_source_pos_t *pos) {
  json_array_source_t *s = (json_array_source_t *)base;
  *pos = (asr_source_pos_t){.index = s->produced, .offset = asr_file_reader_tell(&s->rd),
                            .line = s->line, .col = s->col, .state = (uint32_t)s->state};
}

/* The framer goes on from the recorded state (between elements: after one, or before '['). */
static int json_array_seek(asr_source_t *base, const asr_source_pos_t *from,
                           const asr_source_pos_t *again, asr_err_t *err) {
  json_array_source_t *s = (json_array_source_t *)base;
  if (from->state > ST_DOCS || from->line < 1 || from->col < 1)
    return asr_err_set(err, ASR_EINVAL, "the checkpoint's position in %s is not a JSON array "
                       "position", s->rd.path);
  int rc = asr_file_reader_seek(&s->rd, from->offset, err);
  if (rc) return rc;
  s->produced = from->index;
  s->line = from->line;
  s->col = from->col;
  s->state = (int)from->state;
  s->again_below = again ? again->index : 0;
  return 0;
}

static void json_array_ahead(asr_source_t *base, uint64_t records, asr_source_pos_t *pos) {
  asr_file_ahead(((json_array_source_t *)base)->produced, records, pos);
}

static void json_array_destroy(asr_source_t *base) {
  json_array_source_t *s = (json_array_source_t *)base;
  asr_file_reader_close(&s->rd);
  free(s->base.description);
  free(s);
}

static const asr_source_vt_t json_array_vt = {
    .kind = "json",
    .next = json_array_next,
    .decode = json_array_decode,
    .destroy = json_array_destroy,
    .tell = json_array_tell,
    .seek = json_array_seek,
    .ahead = json_array_ahead,
};

int asr_source_json_array_open(const asr_source_spec_t *spec, asr_source_t **out,
                               asr_err_t *err) {
  int rc = 0;
  *out = NULL;
  if (!spec->path) return asr_err_set(err, ASR_EINVAL, "json source: no input path");
  json_array_source_t *s = calloc(1, sizeof *s);
  if (!s) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  s->rd.fd = -1;
  s->base.vt = &json_array_vt;
  s->limit = spec->limit;
  s->line = s->col = 1;
  s->state = spec->json_documents ? ST_DOCS : ST_START;
  asr_err_clear(&s->pending);
  if ((rc = asr_file_reader_open(&s->rd, spec->path, ASR_FILE_READER_SKIP_BOM, err)) != 0)
    goto done;
  s->base.read_once = asr_file_reader_once(&s->rd);
  if (asprintf(&s->base.description, "json %s%s%s", s->rd.path, s->rd.gz ? " (gzip)" : "",
               spec->json_documents ? " (documents one after another)" : "") < 0) {
    s->base.description = NULL;
    rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
    goto done;
  }
done:
  if (rc) json_array_destroy(&s->base);
  else *out = &s->base;
  return rc;
}
