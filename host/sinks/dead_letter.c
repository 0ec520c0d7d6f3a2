/* The dead-letter file and the error budget (see dead_letter.h). One mutex guards the file,
 * the scratch buffer and the first message; the counts are atomics, so readers (the summary,
 * the scaler's tick) never wait for a writer. */
#include "sinks/dead_letter.h"

#include <bson/bson.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "codec/ejson_writer.h"
#include "core/buf.h"
#include "util/log.h"

/* A dead letter a checkpoint has not recorded past yet: its batch and its line in the file. */
typedef struct pending {
  uint64_t seq;
  asr_dead_letter_span_t span;
  int sink;
} pending_t;

struct asr_dead_letter {
  asr_error_budget_t budget;
  char *path;
  uint64_t (*read)(void *ud);
  void *read_ud;
  uint64_t read_before;      /* documents the earlier runs read (a resumed run) */
  _Atomic uint64_t count, sink_count; /* count: with the earlier runs'; sink_count: this run's */
  _Atomic int over;          /* the budget stopped the run */
  uint64_t carried, carried_sink; /* the earlier runs' dead letters (in count), their sinks' */
  uv_mutex_t mu; /* guards the fields below */
  int fd;        /* -1 until the first entry */
  uint64_t size; /* the file's length */
  int tracking;  /* a run that checkpoints: pending is kept */
  pending_t *pending;
  size_t npending, cap_pending;
  asr_buf_t line;
  char first[512];
};

/* The batch the calling worker thread is on (asr_dead_letter_batch_begin). */
static _Thread_local uint64_t thread_batch = ASR_DL_NO_INDEX;

/* ---- the budget ---------------------------------------------------------------------- */

int asr_error_budget_parse(const char *text, asr_error_budget_t *out, asr_err_t *err) {
  char *end;
  errno = 0;
  size_t n = text ? strlen(text) : 0;
  if (n && text[n - 1] == '%') {
    double p = strtod(text, &end);
    if (errno || end == text || end != text + n - 1 || !(p >= 0 && p <= 100))
      return asr_err_set(err, ASR_EINVAL, "--max-errors: expected a count N or a share P%% "
                         "(0..100%%), got '%s'", text ? text : "");
    *out = (asr_error_budget_t){.kind = ASR_BUDGET_PERCENT, .percent = p, .flag = "--max-errors"};
    return 0;
  }
  if (!n || text[0] == '-')
    return asr_err_set(err, ASR_EINVAL, "--max-errors: expected a count N or a share P%% "
                       "(0..100%%), got '%s'", text ? text : "");
  unsigned long long v = strtoull(text, &end, 10);
  if (errno || *end)
    return asr_err_set(err, ASR_EINVAL, "--max-errors: expected a count N or a share P%% "
                       "(0..100%%), got '%s'", text);
  *out = (asr_error_budget_t){.kind = ASR_BUDGET_COUNT, .count = v, .flag = "--max-errors"};
  return 0;
}

void asr_error_budget_describe(const asr_error_budget_t *b, char *out, size_t n) {
  const char *flag = b->flag ? b->flag : "--max-errors";
  switch (b->kind) {
  case ASR_BUDGET_COUNT:
    if (b->count == 0 && strcmp(flag, "--stopOnError") == 0) snprintf(out, n, "%s", flag);
    else snprintf(out, n, "%s %" PRIu64, flag, b->count);
    break;
  case ASR_BUDGET_PERCENT: snprintf(out, n, "%s %g%%", flag, b->percent); break;
  default: snprintf(out, n, "no --max-errors"); break;
  }
}

/* Documents the budget allows among `read`. */
static double allowed_of(const asr_error_budget_t *b, uint64_t read) {
  switch (b->kind) {
  case ASR_BUDGET_COUNT: return (double)b->count;
  case ASR_BUDGET_PERCENT: return b->percent / 100.0 * (double)read;
  default: return INFINITY;
  }
}

/* ---- the file ------------------------------------------------------------------------ */

int asr_dead_letter_open(const char *path, const asr_error_budget_t *budget,
                         asr_dead_letter_t **out, asr_err_t *err) {
  *out = NULL;
  asr_dead_letter_t *dl = calloc(1, sizeof *dl);
  if (!dl) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  dl->fd = -1;
  if (budget) dl->budget = *budget;
  asr_buf_init(&dl->line);
  if (uv_mutex_init(&dl->mu) != 0 || (path && !(dl->path = strdup(path)))) {
    free(dl->path);
    free(dl);
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  }
  *out = dl;
  return 0;
}

int asr_dead_letter_set_path(asr_dead_letter_t *dl, const char *path, asr_err_t *err) {
  char *copy = path ? strdup(path) : NULL;
  if (path && !copy) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  uv_mutex_lock(&dl->mu);
  free(dl->path);
  dl->path = copy;
  uv_mutex_unlock(&dl->mu);
  return 0;
}

const char *asr_dead_letter_path(const asr_dead_letter_t *dl) {
  return dl && dl->path ? dl->path : "(no dead-letter file)";
}

void asr_dead_letter_set_read_counter(asr_dead_letter_t *dl, uint64_t (*read)(void *ud),
                                      void *ud) {
  dl->read = read;
  dl->read_ud = ud;
}

uint64_t asr_dead_letter_count(const asr_dead_letter_t *dl) {
  return dl ? atomic_load(&dl->count) : 0;
}

uint64_t asr_dead_letter_sink_count(const asr_dead_letter_t *dl) {
  return dl ? atomic_load(&dl->sink_count) : 0;
}

uint64_t asr_dead_letter_carried(const asr_dead_letter_t *dl) { return dl ? dl->carried : 0; }

int asr_dead_letter_stopped_run(const asr_dead_letter_t *dl) {
  return dl && atomic_load(&dl->over);
}

void asr_dead_letter_first(asr_dead_letter_t *dl, char *out, size_t n) {
  if (!dl) {
    snprintf(out, n, "%s", "");
    return;
  }
  uv_mutex_lock(&dl->mu);
  snprintf(out, n, "%s", dl->first);
  uv_mutex_unlock(&dl->mu);
}

/* ---- one line -------------------------------------------------------------------------- */

/* A JSON string: quotes, escapes; bytes of invalid UTF-8 become \u00XX (the text stays
 * readable and the line stays valid JSON). */
static int put_string(asr_buf_t *b, const char *s) {
  size_t n = strlen(s);
  int valid = bson_utf8_validate(s, n, false);
  if (asr_buf_reserve(b, n * 6 + 2)) return ASR_ENOMEM;
  asr_buf_putc(b, '"');
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      asr_buf_putc(b, '\\');
      asr_buf_putc(b, (char)c);
    } else if (c == '\n') {
      asr_buf_put(b, "\\n", 2);
    } else if (c == '\t') {
      asr_buf_put(b, "\\t", 2);
    } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && !valid)) {
      char esc[8];
      snprintf(esc, sizeof esc, "\\u%04x", c);
      asr_buf_put(b, esc, 6);
    } else {
      asr_buf_putc(b, (char)c);
    }
  }
  asr_buf_putc(b, '"');
  return 0;
}

static int put_base64(asr_buf_t *b, const uint8_t *p, uint32_t n) {
  static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (asr_buf_reserve(b, (size_t)n / 3 * 4 + 8)) return ASR_ENOMEM;
  asr_buf_putc(b, '"');
  for (uint32_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                 (i + 2 < n ? p[i + 2] : 0);
    asr_buf_putc(b, tab[v >> 18 & 63]);
    asr_buf_putc(b, tab[v >> 12 & 63]);
    asr_buf_putc(b, i + 1 < n ? tab[v >> 6 & 63] : '=');
    asr_buf_putc(b, i + 2 < n ? tab[v & 63] : '=');
  }
  asr_buf_putc(b, '"');
  return 0;
}

/* The document as Extended JSON, or its bytes in base64 when it has no such form. */
static int put_document(asr_buf_t *b, const asr_dead_letter_entry_t *e) {
  asr_err_t ignored;
  asr_err_clear(&ignored);
  size_t mark = b->len;
  if (asr_buf_append_str(b, ",\"document\":")) return ASR_ENOMEM;
  if (e->doc && asr_ejson_append_doc(b, e->doc, e->len, &ignored) == 0) return 0;
  b->len = mark;
  if (!e->doc) return asr_buf_append_str(b, ",\"document\":null");
  return asr_buf_append_str(b, ",\"document_bson_base64\":") || put_base64(b, e->doc, e->len)
             ? ASR_ENOMEM : 0;
}

static int format_line(asr_buf_t *b, const asr_dead_letter_entry_t *e) {
  char head[96];
  asr_buf_reset(b);
  if (e->index == ASR_DL_NO_INDEX) snprintf(head, sizeof head, "{\"index\":null");
  else snprintf(head, sizeof head, "{\"index\":%" PRIu64, e->index);
  int rc = asr_buf_append_str(b, head);
  if (e->batch != ASR_DL_NO_INDEX) {
    snprintf(head, sizeof head, ",\"batch\":%" PRIu64, e->batch);
    rc = rc || asr_buf_append_str(b, head);
  }
  rc = rc || asr_buf_append_str(b, ",\"reason\":") || put_string(b, e->reason ? e->reason : "?");
  if (!rc && e->code) {
    snprintf(head, sizeof head, ",\"code\":%" PRId32, e->code);
    rc = asr_buf_append_str(b, head);
  }
  rc = rc || asr_buf_append_str(b, ",\"message\":") || put_string(b, e->message ? e->message : "");
  if (!rc && e->traceback)
    rc = asr_buf_append_str(b, ",\"traceback\":") || put_string(b, e->traceback);
  rc = rc || put_document(b, e) || asr_buf_append_str(b, "}\n");
  return rc ? ASR_ENOMEM : 0;
}

static int write_all(int fd, const uint8_t *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Under mu: keeps the line's batch and place until a checkpoint records past the batch. */
static int note_pending(asr_dead_letter_t *dl, const asr_dead_letter_entry_t *e, uint64_t at,
                        uint64_t len, asr_err_t *err) {
  if (dl->npending == dl->cap_pending) {
    size_t cap = dl->cap_pending ? 2 * dl->cap_pending : 16;
    pending_t *p = realloc(dl->pending, cap * sizeof *p);
    if (!p) return asr_err_set(err, ASR_ENOMEM, "out of memory");
    dl->pending = p;
    dl->cap_pending = cap;
  }
  uint64_t seq = e->batch != ASR_DL_NO_INDEX ? e->batch : thread_batch;
  dl->pending[dl->npending++] = (pending_t){seq, {at, len}, strcmp(e->reason, ASR_DL_TRANSFORM) != 0};
  return 0;
}

/* Under mu: creates the file on the first entry and appends the line. */
static int append_locked(asr_dead_letter_t *dl, const asr_dead_letter_entry_t *e,
                         asr_err_t *err) {
  if (!dl->path) return asr_err_set(err, ASR_EIO, "no dead-letter file set");
  if (format_line(&dl->line, e)) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  if (dl->fd < 0) {
    dl->fd = open(dl->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (dl->fd < 0)
      return asr_err_set(err, ASR_EIO, "cannot create dead-letter file %s: %s", dl->path,
                         strerror(errno));
  }
  if (write_all(dl->fd, dl->line.data, dl->line.len))
    return asr_err_set(err, ASR_EIO, "cannot write dead-letter file %s: %s", dl->path,
                       strerror(errno));
  uint64_t at = dl->size;
  dl->size += dl->line.len;
  return dl->tracking ? note_pending(dl, e, at, dl->line.len, err) : 0;
}

/* One line for people: the transform's message names its document already ("transform
 * failed on document 3: ..."); a sink's says which document, why and the server's code. */
static void describe(const asr_dead_letter_entry_t *e, char *out, size_t n) {
  const char *msg = e->message ? e->message : "";
  if (strcmp(e->reason, ASR_DL_TRANSFORM) == 0) {
    snprintf(out, n, "%s", msg);
    return;
  }
  char what[64], code[24] = "";
  if (e->index != ASR_DL_NO_INDEX) snprintf(what, sizeof what, "document %" PRIu64, e->index);
  else if (e->batch != ASR_DL_NO_INDEX) snprintf(what, sizeof what, "a document of batch %" PRIu64, e->batch);
  else snprintf(what, sizeof what, "a document");
  if (e->code) snprintf(code, sizeof code, ", code %" PRId32, e->code);
  snprintf(out, n, "%s (%s%s): %s", what, e->reason, code, msg);
}

static void log_entry(const asr_dead_letter_t *dl, uint64_t nth, const asr_dead_letter_entry_t *e) {
  char what[600];
  if (nth > ASR_DL_LOGGED) return;
  describe(e, what, sizeof what);
  asr_log_warn("run.dead_letter", "%s (dead-lettered to %s)", what, dl->path);
  if (nth == ASR_DL_LOGGED)
    asr_log_warn("run.dead_letter", "further dead letters are not logged one by one; all are "
                 "in %s", dl->path);
}

/* Over the budget with `dead` dead letters while the run goes? */
static int over_budget(const asr_dead_letter_t *dl, uint64_t dead) {
  if (dl->budget.kind == ASR_BUDGET_NONE) return 0;
  uint64_t read = dl->read_before + (dl->read ? dl->read(dl->read_ud) : 0);
  if (dl->budget.kind == ASR_BUDGET_PERCENT && read < ASR_DL_MIN_SAMPLE) read = ASR_DL_MIN_SAMPLE;
  return (double)dead > allowed_of(&dl->budget, read);
}

static int budget_error(const asr_dead_letter_t *dl, uint64_t dead,
                        const asr_dead_letter_entry_t *e, asr_err_t *err) {
  char flag[64], what[600];
  asr_error_budget_describe(&dl->budget, flag, sizeof flag);
  describe(e, what, sizeof what);
  if (dl->budget.kind == ASR_BUDGET_COUNT && dl->budget.count == 0)
    return asr_err_set(err, ASR_EDATA, "%s: stopped at the first document that failed for good: "
                       "%s (dead-lettered to %s)", flag, what, dl->path);
  return asr_err_set(err, ASR_EDATA, "%s: error budget exceeded: %" PRIu64 " documents "
                     "dead-lettered (the last: %s); dead letters in %s", flag, dead, what,
                     dl->path);
}

int asr_dead_letter_add(asr_dead_letter_t *dl, const asr_dead_letter_entry_t *e,
                        asr_err_t *err) {
  if (!dl) {
    char what[600];
    describe(e, what, sizeof what);
    return asr_err_set(err, ASR_EDATA, "%s", what);
  }
  uv_mutex_lock(&dl->mu);
  int rc = append_locked(dl, e, err);
  uint64_t dead = 0;
  if (rc == 0) {
    dead = atomic_fetch_add(&dl->count, 1) + 1;
    if (strcmp(e->reason, ASR_DL_TRANSFORM) != 0) atomic_fetch_add(&dl->sink_count, 1);
    if (!dl->first[0]) describe(e, dl->first, sizeof dl->first);
    log_entry(dl, dead, e);
  }
  uv_mutex_unlock(&dl->mu);
  if (rc) return rc;
  if (!over_budget(dl, dead)) return 0;
  atomic_store(&dl->over, 1);
  return budget_error(dl, dead, e, err);
}

int asr_dead_letter_verdict(asr_dead_letter_t *dl, uint64_t docs_read, int *allowed,
                            asr_err_t *err) {
  *allowed = 0;
  uint64_t dead = asr_dead_letter_count(dl);
  if (!dead) return 0;
  docs_read += dl->read_before;
  char flag[64], first[512], which[560];
  asr_error_budget_describe(&dl->budget, flag, sizeof flag);
  asr_dead_letter_first(dl, first, sizeof first);
  if (first[0]) snprintf(which, sizeof which, "the first: %s", first);
  else snprintf(which, sizeof which, "by the earlier runs"); /* a resume that added none */
  if (dl->budget.kind == ASR_BUDGET_NONE)
    return asr_err_set(err, ASR_EDATA, "%" PRIu64 " document%s failed and %s dead-lettered to "
                       "%s (%s); allow them with --max-errors N or P%%", dead,
                       dead == 1 ? "" : "s", dead == 1 ? "was" : "were", dl->path, which);
  if ((double)dead > allowed_of(&dl->budget, docs_read))
    return asr_err_set(err, ASR_EDATA, "%s: error budget exceeded: %" PRIu64 " of %" PRIu64
                       " documents read were dead-lettered to %s (%s)", flag, dead,
                       docs_read, dl->path, which);
  *allowed = 1;
  return 0;
}

/* Under dl->mu: the file's bytes on disk. */
static int sync_locked(asr_dead_letter_t *dl, asr_err_t *err) {
  if (dl->fd >= 0 && fsync(dl->fd) != 0)
    return asr_err_set(err, ASR_EIO, "cannot sync dead-letter file %s: %s", dl->path,
                       strerror(errno));
  return 0;
}

int asr_dead_letter_sync(asr_dead_letter_t *dl, asr_err_t *err) {
  if (!dl) return 0;
  uv_mutex_lock(&dl->mu);
  int rc = sync_locked(dl, err);
  uv_mutex_unlock(&dl->mu);
  return rc;
}

void asr_dead_letter_close(asr_dead_letter_t *dl) {
  if (!dl) return;
  asr_err_t ignored;
  asr_err_clear(&ignored);
  asr_dead_letter_sync(dl, &ignored);
  if (dl->fd >= 0) close(dl->fd);
  free(dl->pending);
  uv_mutex_destroy(&dl->mu);
  asr_buf_free(&dl->line);
  free(dl->path);
  free(dl);
}

/* ---- checkpoints and --resume ------------------------------------------------------------ */

void asr_dead_letter_batch_begin(uint64_t seq) { thread_batch = seq; }

void asr_dead_letter_track(asr_dead_letter_t *dl) {
  if (dl) dl->tracking = 1;
}

void asr_dead_letter_mark_free(asr_dead_letter_mark_t *m) {
  free(m->redo);
  m->redo = NULL;
  m->nredo = 0;
}

/* Under mu: the pending lines of batches at or after done go to m->redo, the others are
 * forgotten (a later checkpoint records past them too). */
static int split_pending(asr_dead_letter_t *dl, uint64_t done, asr_dead_letter_mark_t *m,
                         asr_err_t *err) {
  size_t keep = 0;
  for (size_t i = 0; i < dl->npending; i++)
    if (dl->pending[i].seq != ASR_DL_NO_INDEX && dl->pending[i].seq >= done) keep++;
  if (keep && !(m->redo = malloc(keep * sizeof *m->redo)))
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  size_t k = 0;
  for (size_t i = 0; i < dl->npending; i++) {
    pending_t p = dl->pending[i];
    if (p.seq == ASR_DL_NO_INDEX || p.seq < done) continue;
    dl->pending[k] = p;
    m->redo[k++] = p.span;
    m->count--;
    if (p.sink) m->sink_count--;
  }
  dl->npending = m->nredo = k;
  return 0;
}

int asr_dead_letter_mark(asr_dead_letter_t *dl, uint64_t done, asr_dead_letter_mark_t *out,
                         asr_err_t *err) {
  *out = (asr_dead_letter_mark_t){0};
  if (!dl) return 0;
  uv_mutex_lock(&dl->mu);
  int rc = sync_locked(dl, err);
  out->bytes = dl->size;
  out->count = atomic_load(&dl->count);
  out->sink_count = dl->carried_sink + atomic_load(&dl->sink_count);
  if (rc == 0) rc = split_pending(dl, done, out, err);
  uv_mutex_unlock(&dl->mu);
  if (rc) asr_dead_letter_mark_free(out);
  return rc;
}

/* Removes the redo lines (sorted by offset, inside [0, len)) from fd's [0, len): reads what
 * follows the first one, writes back what is kept. Returns the new length, or -1 (errno). */
static int64_t drop_spans(int fd, uint64_t len, asr_dead_letter_span_t *redo, size_t n) {
  if (!n) return (int64_t)len;
  uint64_t from = redo[0].offset;
  char *buf = malloc(len - from + 1);
  if (!buf) return errno = ENOMEM, -1;
  int64_t rc = -1;
  if (pread(fd, buf, len - from, (off_t)from) == (ssize_t)(len - from)) {
    uint64_t w = 0, r = 0;
    for (size_t i = 0; i <= n; i++) {
      uint64_t end = i < n ? redo[i].offset - from : len - from;
      memmove(buf + w, buf + r, end - r);
      w += end - r;
      if (i < n) r = end + redo[i].length;
    }
    if (pwrite(fd, buf, w, (off_t)from) == (ssize_t)w) rc = (int64_t)(from + w);
  } else if (errno == 0) {
    errno = EIO;
  }
  free(buf);
  return rc;
}

static int by_offset(const void *a, const void *b) {
  const asr_dead_letter_span_t *x = a, *y = b;
  return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* The redo lines must lie inside the recorded length, apart, whole lines. */
static int spans_fit(const asr_dead_letter_mark_t *m) {
  for (size_t i = 0; i < m->nredo; i++) {
    const asr_dead_letter_span_t *s = &m->redo[i];
    if (!s->length || s->offset > m->bytes || s->length > m->bytes - s->offset) return 0;
    if (i && m->redo[i - 1].offset + m->redo[i - 1].length > s->offset) return 0;
  }
  return 1;
}

int asr_dead_letter_resume(asr_dead_letter_t *dl, const asr_dead_letter_mark_t *m,
                           uint64_t docs_read_before, asr_err_t *err) {
  dl->read_before = docs_read_before;
  if (!m) return 0;
  if (m->nredo) qsort(m->redo, m->nredo, sizeof *m->redo, by_offset);
  if (!spans_fit(m))
    return asr_err_set(err, ASR_EINVAL, "--resume: the checkpoint's dead letters do not fit "
                       "its recorded length of %s (damaged?)", dl->path);
  if (m->bytes == 0) { /* nothing kept: what is there belongs to batches done again */
    if (unlink(dl->path) != 0 && errno != ENOENT)
      return asr_err_set(err, ASR_EIO, "--resume: cannot remove dead-letter file %s: %s",
                         dl->path, strerror(errno));
    return 0;
  }
  int fd = open(dl->path, O_RDWR | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT)
    return asr_err_set(err, ASR_EINVAL, "--resume: dead-letter file %s is gone, but the "
                       "checkpoint recorded %llu dead letters in it: put it back, or run without "
                       "--resume", dl->path, (unsigned long long)m->count);
  if (fd < 0)
    return asr_err_set(err, ASR_EIO, "--resume: cannot open dead-letter file %s: %s", dl->path,
                       strerror(errno));
  struct stat st;
  int64_t len = -1;
  if (fstat(fd, &st) != 0 || (uint64_t)st.st_size < m->bytes) {
    close(fd);
    return asr_err_set(err, ASR_EINVAL, "--resume: dead-letter file %s holds %lld bytes, fewer "
                       "than the %llu the checkpoint recorded (it was changed or removed): put "
                       "it back, or run without --resume", dl->path, (long long)st.st_size,
                       (unsigned long long)m->bytes);
  }
  len = drop_spans(fd, m->bytes, m->redo, m->nredo);
  if (len < 0 || ftruncate(fd, (off_t)len) != 0 || lseek(fd, len, SEEK_SET) < 0 ||
      fsync(fd) != 0) {
    int e = errno;
    close(fd);
    return asr_err_set(err, ASR_EIO, "--resume: cannot cut dead-letter file %s back: %s",
                       dl->path, strerror(e));
  }
  uv_mutex_lock(&dl->mu);
  if (dl->fd >= 0) close(dl->fd);
  dl->fd = fd;
  dl->size = (uint64_t)len;
  dl->carried = m->count;
  dl->carried_sink = m->sink_count;
  atomic_store(&dl->count, m->count);
  uv_mutex_unlock(&dl->mu);
  return 0;
}
