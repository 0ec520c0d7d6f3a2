/* Buffered sequential reading shared by the file sources (jsonl, json array, bson), plus what
 * the two JSON sources share: element framing, the raw record layout and batch decoding.
 * The reader owns its fd and its read buffer (one fixed allocation); records are copied out of
 * it into the caller's buffer (a batch's raw bytes), so a record may be far longer than the
 * read buffer. Single-threaded: only the pipeline's producer thread reads a file.
 *
 * The path "-" reads standard input. gzip input (a name ending in ".gz", or for text sources
 * any input starting with the gzip magic bytes) is inflated through zlib on the way in, members
 * of a multi-member file one after the other; offsets (tell, seek) count decompressed bytes.
 * A pipe or standard input cannot seek, and a gzip stream only forward (asr_file_reader_seek
 * re-reads and skips): asr_file_reader_once says which inputs can never be read again. */
#ifndef ASR_SOURCES_FILE_READER_H
#define ASR_SOURCES_FILE_READER_H

#include <stddef.h>
#include <stdint.h>

#include "core/batch.h"
#include "core/docs.h"
#include "core/buf.h"
#include "core/error.h"
#include "sources/source.h"

#define ASR_FILE_READER_BUF_SIZE ((size_t)1 << 20)

/* A batch stops taking records once its raw bytes reach this much (it always holds at least
 * one record), so a run of huge documents cannot make one batch hold gigabytes. */
#define ASR_FILE_BATCH_MAX_BYTES ((size_t)16 << 20)

/* text files: drop a UTF-8 BOM at offset 0, and take input starting with the gzip magic for
 * gzip whatever its name (JSON cannot start with byte 0x1F; a BSON length can) */
enum { ASR_FILE_READER_SKIP_BOM = 1 };

/* The path that names standard input, and how messages name it. */
#define ASR_STDIN_PATH "-"
#define ASR_STDIN_NAME "<stdin>"

struct asr_gz;

typedef struct asr_file_reader {
  int fd;
  char *path; /* owned copy, for messages ("<stdin>" for "-") */
  int64_t size; /* file size when it is a plain regular file, else -1 (pipes, gzip) */
  int is_stdin; /* reads standard input (not closed by close) */
  int seekable; /* a regular file other than standard input: lseek works */
  struct asr_gz *gz; /* gzip input: the inflate state; NULL for plain input */
  uint8_t *buf; /* read buffer (owned); unread bytes are buf[pos, end) */
  size_t cap, pos, end;
  uint64_t offset; /* file offset of buf[0] */
  int eof;
} asr_file_reader_t;

/* Opens path for reading. Error "cannot open PATH: strerror" (ASR_EINVAL: the input path is
 * configuration) or ASR_ENOMEM. On failure the reader needs no close. */
int asr_file_reader_open(asr_file_reader_t *r, const char *path, int flags, asr_err_t *err);
void asr_file_reader_close(asr_file_reader_t *r);

/* Makes at least one unread byte available. Returns 1, 0 at end of file, or ASR_EIO. */
int asr_file_reader_fill(asr_file_reader_t *r, asr_err_t *err);

static inline size_t asr_file_reader_avail(const asr_file_reader_t *r) { return r->end - r->pos; }
static inline const uint8_t *asr_file_reader_peek(const asr_file_reader_t *r) {
  return r->buf + r->pos;
}
static inline void asr_file_reader_consume(asr_file_reader_t *r, size_t n) { r->pos += n; }
/* File offset of the next unread byte. */
static inline uint64_t asr_file_reader_tell(const asr_file_reader_t *r) {
  return r->offset + r->pos;
}

/* Resume: moves to file offset `offset` (a record boundary an earlier run recorded). Plain
 * regular files seek; gzip input inflates and drops everything before offset. Returns 0,
 * ASR_EINVAL when the input is shorter than that or cannot go there (a pipe, standard input,
 * a position behind the current one in a gzip stream), ASR_EDATA for corrupt gzip, or ASR_EIO. */
int asr_file_reader_seek(asr_file_reader_t *r, uint64_t offset, asr_err_t *err);

/* NULL when the input can be read again from the start (a regular file, compressed or not),
 * else why not (standard input, a pipe, a device): such a source cannot resume. */
const char *asr_file_reader_once(const asr_file_reader_t *r);

/* Where a file source's next batch must stop, as a record count from `produced`: at the limit
 * (-1: none) and, on a resumed run, at `again_below` (the end of what an earlier run may have
 * written), so a batch is wholly "again" or not at all. *again tells which. */
static inline uint64_t asr_file_batch_room(uint64_t produced, int64_t limit, uint64_t again_below,
                                           int *again) {
  uint64_t stop = limit < 0 ? UINT64_MAX : (uint64_t)limit;
  *again = produced < again_below;
  if (*again && again_below < stop) stop = again_below;
  return stop > produced ? stop - produced : 0;
}

/* A file source's `ahead`: by record count only (a resumed run tells "again" by index). */
static inline void asr_file_ahead(uint64_t produced, uint64_t records, asr_source_pos_t *pos) {
  *pos = (asr_source_pos_t){.index = produced + records};
}

/* Appends the next line to out, without its "\n" or "\r\n". Returns 1 when a line was read
 * (the last line may lack a newline), 0 at end of file, or ASR_EIO / ASR_ENOMEM. */
int asr_file_reader_line(asr_file_reader_t *r, asr_buf_t *out, asr_err_t *err);

/* Appends up to n bytes to out; *got < n only at end of file. Returns 0 or a negative code. */
int asr_file_reader_read(asr_file_reader_t *r, asr_buf_t *out, size_t n, size_t *got,
                         asr_err_t *err);

/* Resumable scan of one JSON object or array: counts {}/[] depth outside strings (escapes
 * honoured). It frames, it does not validate: the decoder parses the framed bytes later. */
typedef struct asr_json_scan {
  uint64_t depth;
  int in_string, escape;
} asr_json_scan_t;

/* Scans p[0, n) continuing from *s (zeroed before the opening bracket). Returns how many bytes
 * end the value (up to and including the closing bracket), or n when it continues past p+n. */
size_t asr_json_scan_value(asr_json_scan_t *s, const uint8_t *p, size_t n);
static inline int asr_json_is_space(uint8_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Record framing in a text source's batch->raw: each record is this header, then `len` bytes.
 * line/col (1-based) locate the record in the file, so decode errors name the exact spot. */
typedef struct asr_text_rec {
  uint64_t len, line, col;
} asr_text_rec_t;

/* Decodes a text source's batch: each record must hold one JSON object, read by asrun's
 * Extended JSON reader (codec/ejson_reader.h; libbson's parser only for the records it defers
 * or refuses, whose messages stay libbson's). jsonl: records are whole lines, checked here to
 * hold exactly one object; errors read "PATH:LINE: invalid JSON: MSG". Otherwise records are
 * framed objects and errors read "PATH:LINE:COL: ...". A record refused only by asrun's reader
 * reads "PATH:LINE:COL: invalid JSON: MSG" at the exact spot. On error the documents before
 * the bad record are already in out. No allocation per document once out is warm.
 * Thread-safe. */
int asr_text_decode(const char *path, const asr_batch_t *b, int jsonl, asr_docs_t *out,
                    asr_err_t *err);

/* "'x'" for a printable byte, "byte 0xNN" otherwise, "end of file" for ASR_TEXT_EOF. */
enum { ASR_TEXT_EOF = 256 };
const char *asr_text_describe_byte(int c, char buf[16]);

#endif
