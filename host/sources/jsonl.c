/* JSON Lines source (what mongoimport reads): one relaxed or canonical Extended JSON v2 document
 * per line. `next` (producer thread) only frames lines into batch->raw as asr_text_rec_t
 * records, skipping blank lines but counting them so errors name the real line; `decode`
 * (workers) parses them with libbson. The source owns its reader; batches own their bytes. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sources/file_reader.h"
#include "sources/source.h"

typedef struct jsonl_source {
  asr_source_t base;
  asr_file_reader_t rd;
  int64_t limit;     /* max records, -1 = all */
  uint64_t produced; /* records handed out so far */
  uint64_t line;     /* lines read so far */
  uint64_t again_below; /* resumed: records below this index may be written already */
  int eof;
} jsonl_source_t;

static int is_blank(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!asr_json_is_space(p[i])) return 0;
  return 1;
}

static int jsonl_next(asr_source_t *base, asr_batch_t *b, uint32_t max_records, asr_err_t *err) {
  jsonl_source_t *s = (jsonl_source_t *)base;
  if (max_records == 0) max_records = 1; /* 0 records would read as the end of input */
  asr_buf_t *raw = &b->raw;
  uint32_t count = 0;
  b->origin = 0;
  uint64_t room = asr_file_batch_room(s->produced, s->limit, s->again_below, &b->again);
  while (!s->eof && count < max_records && raw->len < ASR_FILE_BATCH_MAX_BYTES && count < room) {
    asr_text_rec_t rec = {0, 0, 1};
    size_t at = raw->len;
    if (asr_buf_reserve(raw, sizeof rec)) return asr_err_set(err, ASR_ENOMEM, "out of memory");
    raw->len += sizeof rec; /* the header is written once the line's length is known */
    int rc = asr_file_reader_line(&s->rd, raw, err);
    if (rc <= 0) {
      raw->len = at;
      if (rc < 0) return rc;
      s->eof = 1;
      break;
    }
    rec.line = ++s->line;
    rec.len = raw->len - at - sizeof rec;
    if (is_blank(raw->data + at + sizeof rec, rec.len)) {
      raw->len = at;
      continue;
    }
    memcpy(raw->data + at, &rec, sizeof rec);
    if (count++ == 0) b->origin = rec.line;
  }
  b->first_index = s->produced;
  b->count = count;
  if (count == 0) return 0;
  s->produced += count;
  return 1;
}

static int jsonl_decode(asr_source_t *base, asr_source_worker_t *w, const asr_batch_t *b,
                        asr_docs_t *out, asr_err_t *err) {
  jsonl_source_t *s = (jsonl_source_t *)base;
  return asr_text_decode(s->rd.path, b, 1, out, err);
}




static void jsonl_tell(asr_source_t *base, asr_source_pos_t *pos) {
  jsonl_source_t *s = (jsonl_source_t *)base;
  *pos = (asr_source_pos_t){.index = s->produced, .offset = asr_file_reader_tell(&s->rd),
                            .line = s->line};
}

static int jsonl_seek(asr_source_t *base, const asr_source_pos_t *from,
                      const asr_source_pos_t *again, asr_err_t *err) {
  jsonl_source_t *s = (jsonl_source_t *)base;
  int rc = asr_file_reader_seek(&s->rd, from->offset, err);
  if (rc) return rc;
  s->produced = from->index;
  s->line = from->line;
  s->again_below = again ? again->index : 0;
  return 0;
}

static void jsonl_ahead(asr_source_t *base, uint64_t records, asr_source_pos_t *pos) {
  asr_file_ahead(((jsonl_source_t *)base)->produced, records, pos);
}

static void jsonl_destroy(asr_source_t *base) {
  jsonl_source_t *s = (jsonl_source_t *)base;
  asr_file_reader_close(&s->rd);
  free(s->base.description);
  free(s);
}

static const asr_source_vt_t jsonl_vt = {
    .kind = "jsonl",
    .next = jsonl_next,
    .decode = jsonl_decode,
    .destroy = jsonl_destroy,
    .tell = jsonl_tell,
    .seek = jsonl_seek,
    .ahead = jsonl_ahead,
};

int asr_source_jsonl_open(const asr_source_spec_t *spec, asr_source_t **out, asr_err_t *err) {
  int rc = 0;
  *out = NULL;
  if (!spec->path) return asr_err_set(err, ASR_EINVAL, "jsonl source: no input path");
  jsonl_source_t *s = calloc(1, sizeof *s);
  if (!s) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  s->rd.fd = -1;
  s->base.vt = &jsonl_vt;
  s->limit = spec->limit;
  if ((rc = asr_file_reader_open(&s->rd, spec->path, ASR_FILE_READER_SKIP_BOM, err)) != 0)
    goto done;
  s->base.read_once = asr_file_reader_once(&s->rd);
  if (asprintf(&s->base.description, "jsonl %s%s", s->rd.path, s->rd.gz ? " (gzip)" : "") < 0) {
    s->base.description = NULL;
    rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
    goto done;
  }
done:
  if (rc) jsonl_destroy(&s->base);
  else *out = &s->base;
  return rc;
}
