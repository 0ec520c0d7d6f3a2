/* BSON dump source (a mongodump .bson file): documents back to back, each starting with its
 * int32 length. `next` (producer thread) frames documents by that length and checks only what
 * framing needs (length >= 5, inside the file, last byte 0); `decode` (workers) validates each
 * document's structure and copies the batch out, since raw already is back-to-back BSON.
 * A framing error is returned after the documents before it. The source owns its reader. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/le.h"
#include "codec/bson_check.h"
#include "sources/file_reader.h"
#include "sources/source.h"

typedef struct dump_source {
  asr_source_t base;
  asr_file_reader_t rd;
  int64_t limit;
  uint64_t produced;
  int eof;
  asr_err_t pending; /* a framing error held back until the documents before it are out */
  uint64_t again_below; /* resumed: documents below this index may be written already */
} dump_source_t;

/* Appends the next document to raw. Returns 1, 0 at end of file, or a negative code (raw then
 * holds whole documents only). */
static int read_document(dump_source_t *s, asr_buf_t *raw, asr_err_t *err) {
  size_t at = raw->len, got;
  uint64_t offset = asr_file_reader_tell(&s->rd);
  int rc = asr_file_reader_read(&s->rd, raw, 4, &got, err);
  if (rc || got == 0) goto done;
  if (got < 4) goto truncated;
  int32_t len = (int32_t)asr_le32(raw->data + at);
  if (len < 5) {
    rc = asr_err_set(err, ASR_EDATA, "%s: invalid document length %" PRId32
                     " at byte offset %" PRIu64, s->rd.path, len, offset);
    goto done;
  }
  /* Known file size: a corrupt length is caught before reading (and buffering) gigabytes. */
  if (s->rd.size >= 0 && offset + (uint64_t)len > (uint64_t)s->rd.size) goto truncated;
  if ((rc = asr_file_reader_read(&s->rd, raw, (size_t)len - 4, &got, err)) != 0) goto done;
  if (got < (size_t)len - 4) goto truncated;
  if (raw->data[raw->len - 1] != 0) {
    rc = asr_err_set(err, ASR_EDATA, "%s: invalid document length %" PRId32
                     " at byte offset %" PRIu64, s->rd.path, len, offset);
    goto done;
  }
  rc = 1;
  goto done;
truncated:
  rc = asr_err_set(err, ASR_EDATA, "%s: truncated BSON document at byte offset %" PRIu64,
                   s->rd.path, offset);
done:
  if (rc <= 0) raw->len = at;
  return rc;
}

static int dump_next(asr_source_t *base, asr_batch_t *b, uint32_t max_records, asr_err_t *err) {
  dump_source_t *s = (dump_source_t *)base;
  if (max_records == 0) max_records = 1; /* 0 records would read as the end of input */
  uint32_t count = 0;
  int rc = s->pending.code;
  b->origin = asr_file_reader_tell(&s->rd);
  uint64_t room = asr_file_batch_room(s->produced, s->limit, s->again_below, &b->again);
  while (rc == 0 && !s->eof && count < max_records && b->raw.len < ASR_FILE_BATCH_MAX_BYTES &&
         count < room) {
    rc = read_document(s, &b->raw, &s->pending);
    if (rc == 0) s->eof = 1;
    if (rc == 1) {
      count++;
      rc = 0;
    }
  }
  b->first_index = s->produced;
  b->count = count;
  if (count == 0) {
    if (rc) asr_err_set(err, rc, "%s", s->pending.msg); /* sticky: every later call fails */
    return rc;
  }
  s->produced += count;
  return 1;
}

/* Validates each document (structure and UTF-8, NUL allowed in strings: a dump may hold any
 * key names; mongorestore does not check UTF-8, but a string that is not UTF-8 cannot be
 * written to JSON lines, so every target refuses it alike, as it refuses a transform's),
 * then copies the valid prefix to out in one append. */
static int dump_decode(asr_source_t *base, asr_source_worker_t *w, const asr_batch_t *b,
                       asr_docs_t *out, asr_err_t *err) {
  dump_source_t *s = (dump_source_t *)base;
  const uint8_t *p = b->raw.data, *end = b->raw.data + b->raw.len;
  uint32_t n = 0;
  int rc = 0;
  for (; n < b->count && p < end; n++) {
    uint32_t len = asr_le32(p);
    char field[160];
    int check = len <= (size_t)(end - p) ? asr_bson_check(p, len, field, sizeof field)
                                         : ASR_BSON_CORRUPT;
    if (check == ASR_BSON_CORRUPT) {
      rc = asr_err_set(err, ASR_EDATA, "%s: invalid BSON document at byte offset %" PRIu64
                       ": corrupt BSON", s->rd.path, b->origin + (uint64_t)(p - b->raw.data));
      break;
    }
    if (check == ASR_BSON_BAD_UTF8) {
      rc = asr_err_set(err, ASR_EDATA, "%s: invalid BSON document at byte offset %" PRIu64
                       ": field %s: string is not valid UTF-8", s->rd.path,
                       b->origin + (uint64_t)(p - b->raw.data), field);
      break;
    }
    p += len;
  }
  if (asr_buf_append(&out->buf, b->raw.data, (size_t)(p - b->raw.data)))
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  out->count += n;
  return rc;
}




static void dump_tell(asr_source_t *base, asr_source_pos_t *pos) {
  dump_source_t *s = (dump_source_t *)base;
  *pos = (asr_source_pos_t){.index = s->produced, .offset = asr_file_reader_tell(&s->rd)};
}

static int dump_seek(asr_source_t *base, const asr_source_pos_t *from,
                     const asr_source_pos_t *again, asr_err_t *err) {
  dump_source_t *s = (dump_source_t *)base;
  int rc = asr_file_reader_seek(&s->rd, from->offset, err);
  if (rc) return rc;
  s->produced = from->index;
  s->again_below = again ? again->index : 0;
  return 0;
}

static void dump_ahead(asr_source_t *base, uint64_t records, asr_source_pos_t *pos) {
  asr_file_ahead(((dump_source_t *)base)->produced, records, pos);
}

static void dump_destroy(asr_source_t *base) {
  dump_source_t *s = (dump_source_t *)base;
  asr_file_reader_close(&s->rd);
  free(s->base.description);
  free(s);
}

static const asr_source_vt_t dump_vt = {
    .kind = "bson",
    .next = dump_next,
    .decode = dump_decode,
    .destroy = dump_destroy,
    .tell = dump_tell,
    .seek = dump_seek,
    .ahead = dump_ahead,
};

int asr_source_bson_open(const asr_source_spec_t *spec, asr_source_t **out, asr_err_t *err) {
  int rc = 0;
  *out = NULL;
  if (!spec->path) return asr_err_set(err, ASR_EINVAL, "bson source: no input path");
  dump_source_t *s = calloc(1, sizeof *s);
  if (!s) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  s->rd.fd = -1;
  s->base.vt = &dump_vt;
  s->limit = spec->limit;
  asr_err_clear(&s->pending);
  if ((rc = asr_file_reader_open(&s->rd, spec->path, 0, err)) != 0) goto done;
  s->base.read_once = asr_file_reader_once(&s->rd);
  if (asprintf(&s->base.description, "bson %s%s", s->rd.path, s->rd.gz ? " (gzip)" : "") < 0) {
    s->base.description = NULL;
    rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
    goto done;
  }
done:
  if (rc) dump_destroy(&s->base);
  else *out = &s->base;
  return rc;
}
