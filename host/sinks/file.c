/* File sinks: file:PATH.jsonl (Extended JSON v2 lines, relaxed or canonical, for mongoimport) and
 * file:PATH.bson (concatenated BSON, for mongorestore). Output goes to PATH.partial and is
 * renamed to PATH only after every batch is written and synced, so a file at PATH is always
 * complete. Workers encode in parallel into their own buffers; the ordered writer appends
 * the buffers in source order. On a disk file system the file gets O_DIRECT (use_direct_io):
 * the ordered writer then stages the output in aligned chunks that go to the device without
 * the page-cache copy, and the disk takes them faster than writeback would.
 * A stream (standard output, a named pipe, a character device such as /dev/null) is written
 * in place instead: the same ordered batches, one write(2) each, but no .partial, no rename,
 * no sync and no O_DIRECT (none of them means anything there). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "codec/ejson_writer.h"
#include "sinks/dead_letter.h"
#include "sinks/ordered_writer.h"
#include "sinks/sink.h"
#include "util/log.h"
#include "util/redact.h"
#include "util/stdout_data.h"

typedef enum { FORMAT_JSONL, FORMAT_BSON } file_format_t;

typedef struct file_sink {
  asr_sink_t base;
  file_format_t format;
  asr_ejson_mode_t json_mode; /* FORMAT_JSONL: relaxed or canonical */
  char *path, *partial_path;
  int fd;
  int published, withdrawn;
  int resumed; /* PATH.partial holds an earlier run's output: never unlinked */
  int stream;  /* not a regular file (stdout, a FIFO, a device): written in place */
  asr_dead_letter_t *dead_letter; /* borrowed; NULL: a document over the limit fails the run */
  asr_ordered_writer_t writer;
} file_sink_t;

struct asr_sink_worker {
  asr_buf_t out;
  asr_docs_t kept; /* a batch without its documents over the BSON limit (rarely used) */
};

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* named: "jsonl", "bson" (jsonl:PATH, bson:PATH) or NULL: from the name; standard output
 * without a name is JSON lines. */
static int format_of(const char *path, const char *named, file_format_t *f, asr_err_t *err) {
  if (named) {
    *f = strcmp(named, "bson") == 0 ? FORMAT_BSON : FORMAT_JSONL;
    return 0;
  }
  if (asr_stdout_path(path)) {
    *f = ends_with(path, ".bson") ? FORMAT_BSON : FORMAT_JSONL;
    return 0;
  }
  if (ends_with(path, ".jsonl") || ends_with(path, ".ndjson") || ends_with(path, ".json")) {
    *f = FORMAT_JSONL;
    return 0;
  }
  if (ends_with(path, ".bson")) {
    *f = FORMAT_BSON;
    return 0;
  }
  char shown[512]; /* it may be a mistyped URI with a password */
  asr_redact_arg(path, shown, sizeof shown);
  return asr_err_set(err, ASR_EINVAL,
                     "target file:%s: unknown file format (name it .jsonl for JSON lines or "
                     ".bson for BSON, or write jsonl:PATH or bson:PATH)", shown);
}

/* dir = the directory part of path ("." when there is none). */
static void parent_dir(const char *path, char *dir, size_t size) {
  snprintf(dir, size, "%s", path);
  char *slash = strrchr(dir, '/');
  if (!slash) snprintf(dir, size, ".");
  else if (slash == dir) slash[1] = '\0';
  else *slash = '\0';
}

/* Creates the parent directories of path (mkdir -p), or checks that they could be created
 * (dry run: nothing is made). */
static int prepare_parent(const char *path, int dry_run, asr_err_t *err) {
  char dir[4096];
  parent_dir(path, dir, sizeof dir);
  struct stat st;
  if (stat(dir, &st) == 0) {
    if (!S_ISDIR(st.st_mode))
      return asr_err_set(err, ASR_EINVAL, "cannot write %s: %s is not a directory", path, dir);
    if (access(dir, W_OK) != 0)
      return asr_err_set(err, ASR_EINVAL, "cannot write %s: %s", path, strerror(errno));
    return 0;
  }
  if (dry_run) return 0; /* created at run time */
  for (char *p = dir + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
      return asr_err_set(err, ASR_EINVAL, "cannot create directory %s: %s", dir, strerror(errno));
    *p = '/';
  }
  if (mkdir(dir, 0755) != 0 && errno != EEXIST)
    return asr_err_set(err, ASR_EINVAL, "cannot create directory %s: %s", dir, strerror(errno));
  return 0;
}

/* Turns O_DIRECT on where it pays: on a file system with a device under it. In memory (tmpfs,
 * ramfs) there is no device to hand the data to, only a second copy to make; a file system
 * without O_DIRECT refuses the flag (EINVAL). Returns whether it is on. */
static int use_direct_io(int fd) {
  struct statfs sfs;
  if (fstatfs(fd, &sfs) != 0 || sfs.f_type == TMPFS_MAGIC || sfs.f_type == RAMFS_MAGIC) return 0;
  int fl = fcntl(fd, F_GETFL);
  return fl >= 0 && fcntl(fd, F_SETFL, fl | O_DIRECT) == 0;
}

static int file_worker_open(asr_sink_t *s, asr_sink_worker_t **w, asr_err_t *err) {
  *w = calloc(1, sizeof **w);
  if (!*w) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  asr_buf_init(&(*w)->out);
  asr_docs_init(&(*w)->kept);
  return 0;
}

static void file_worker_close(asr_sink_t *s, asr_sink_worker_t *w) {
  asr_buf_free(&w->out);
  asr_docs_free(&w->kept);
  free(w);
}

static int file_write(asr_sink_t *s, asr_sink_worker_t *w, uint64_t seq, const asr_docs_t *docs,
                      asr_err_t *err) {
  file_sink_t *f = (file_sink_t *)s;
  /* over BSON's limit: dead-lettered (the rest of the batch is written, from w->kept) */
  int rc = asr_sink_set_aside_oversized(f->dead_letter, seq, &docs, &w->kept, NULL, err);
  if (rc) return rc;
  asr_buf_reset(&w->out);
  if (f->format == FORMAT_BSON) { /* the bytes as they are: no copy when the batch is next */
    rc = asr_ordered_writer_write_if_next(&f->writer, seq, docs->buf.data, docs->buf.len,
                                          docs->count, err);
    if (rc) return rc < 0 ? rc : 0;
  }
  rc = f->format == FORMAT_JSONL ? asr_ejson_append_lines_mode(&w->out, docs, f->json_mode, err)
                                     : asr_buf_append(&w->out, docs->buf.data, docs->buf.len);
  if (rc) return rc;
  return asr_ordered_writer_commit(&f->writer, seq, &w->out, docs->count, err);
}

static int sync_dir_of(const char *path) {
  char dir[4096];
  parent_dir(path, dir, sizeof dir);
  int fd = open(dir, O_RDONLY | O_DIRECTORY);
  if (fd < 0) return -1;
  int rc = fsync(fd);
  close(fd);
  return rc;
}

/* A stream: everything is written once drained; nothing to sync or rename. */
static int stream_finish(file_sink_t *f, asr_err_t *err) {
  int rc = close(f->fd) != 0 && errno != EINTR ? errno : 0;
  f->fd = -1;
  if (rc) return asr_err_set(err, ASR_EIO, "cannot write %s: %s", f->base.location, strerror(rc));
  f->published = 1;
  return 0;
}

static int file_finish(asr_sink_t *s, asr_err_t *err) {
  file_sink_t *f = (file_sink_t *)s;
  int rc = asr_ordered_writer_drained(&f->writer, err);
  if (rc) return rc;
  if (f->stream) return stream_finish(f, err);
  if (fdatasync(f->fd) != 0 || close(f->fd) != 0) {
    f->fd = -1;
    return asr_err_set(err, ASR_EIO, "cannot write %s: %s", f->partial_path, strerror(errno));
  }
  f->fd = -1;
  if (rename(f->partial_path, f->path) != 0)
    return asr_err_set(err, ASR_EIO, "cannot rename %s to %s: %s", f->partial_path, f->path,
                       strerror(errno));
  sync_dir_of(f->path);
  f->published = 1;
  return 0;
}

static void file_abort(asr_sink_t *s, int keep_partial) {
  file_sink_t *f = (file_sink_t *)s;
  /* Kept: what was committed in order is a clean prefix, so write out what is staged (workers
   * may still be committing when an interrupted transform stops the run: keep is safe then). */
  if (keep_partial && !f->published && !f->withdrawn && f->fd >= 0)
    asr_ordered_writer_keep(&f->writer, NULL);
  asr_ordered_writer_cancel(&f->writer);
  if (f->published || f->withdrawn) return;
  if (f->stream) { /* what was written was read: nothing to keep or take back */
  } else if (keep_partial) {
    if (f->fd >= 0) fdatasync(f->fd);
    free(f->base.location);
    f->base.location = strdup(f->partial_path);
  } else if (!f->resumed) {
    unlink(f->partial_path);
  }
  f->withdrawn = 1;
}

static void file_destroy(asr_sink_t *s) {
  file_sink_t *f = (file_sink_t *)s;
  asr_ordered_writer_cancel(&f->writer); /* drops staged chunks not written by now */
  asr_ordered_writer_destroy(&f->writer); /* first: its writer thread may be using fd */
  if (f->fd >= 0) close(f->fd);
  /* Opened but never published or kept (e.g. the run did not start): leave nothing behind. */
  if (f->partial_path && !f->published && !f->withdrawn && !f->resumed) unlink(f->partial_path);
  free(f->path);
  free(f->partial_path);
  free(f->base.description);
  free(f->base.location);
  free(f);
}

/* A second interrupt: cut PATH.partial back to the last batch wholly in it. */
static void file_abandon(asr_sink_t *s) { asr_ordered_writer_abandon(&((file_sink_t *)s)->writer); }

static uint64_t file_docs_kept(asr_sink_t *s) {
  return asr_ordered_writer_docs(&((file_sink_t *)s)->writer);
}

/* The main thread (checkpoints), while workers write: the mark first, then the sync, so
 * everything up to the mark is on disk when this returns. */
static int file_durable(asr_sink_t *s, asr_sink_mark_t *mark, asr_err_t *err) {
  file_sink_t *f = (file_sink_t *)s;
  asr_ordered_mark_t m;
  asr_ordered_writer_durable(&f->writer, &m);
  if (f->fd >= 0 && !f->stream && fdatasync(f->fd) != 0)
    return asr_err_set(err, ASR_EIO, "cannot sync %s: %s", f->partial_path, strerror(errno));
  *mark = (asr_sink_mark_t){m.batches, m.bytes, m.docs};
  return 0;
}

/* Resume: PATH.partial, cut back to the length an earlier run made durable; appended to with
 * buffered writes (O_DIRECT wants aligned offsets). */
static int open_resumed(file_sink_t *f, uint64_t bytes, asr_err_t *err) {
  struct stat st;
  f->fd = open(f->partial_path, O_WRONLY | O_CLOEXEC);
  if (f->fd < 0)
    return asr_err_set(err, ASR_EINVAL, "cannot resume: cannot open %s: %s", f->partial_path,
                       strerror(errno));
  if (fstat(f->fd, &st) != 0 || (uint64_t)st.st_size < bytes)
    return asr_err_set(err, ASR_EINVAL, "cannot resume: %s holds %lld bytes, fewer than the %llu "
                       "the checkpoint recorded (it was changed)", f->partial_path,
                       (long long)st.st_size, (unsigned long long)bytes);
  if (ftruncate(f->fd, (off_t)bytes) != 0 || lseek(f->fd, (off_t)bytes, SEEK_SET) < 0)
    return asr_err_set(err, ASR_EIO, "cannot resume %s: %s", f->partial_path, strerror(errno));
  asr_ordered_writer_start_at(&f->writer, bytes);
  return asr_ordered_writer_set_fd(&f->writer, f->fd, 0, err);
}

static int open_new(file_sink_t *f, asr_err_t *err) {
  f->fd = open(f->partial_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (f->fd < 0) {
    f->withdrawn = 1; /* nothing was created */
    return asr_err_set(err, ASR_EINVAL, "cannot write %s: %s", f->partial_path, strerror(errno));
  }
  return asr_ordered_writer_set_fd(&f->writer, f->fd, use_direct_io(f->fd), err);
}

/* Standard output (its data channel, util/stdout_data.h) or a FIFO or device opened in place.
 * Opening a FIFO waits for its reader, as any writer of one does. */
static int open_stream(file_sink_t *f, asr_err_t *err) {
  if (asr_stdout_path(f->path))
    f->fd = fcntl(asr_stdout_data_fd(), F_DUPFD_CLOEXEC, 3);
  else
    f->fd = open(f->path, O_WRONLY | O_CLOEXEC);
  if (f->fd < 0) {
    f->withdrawn = 1;
    return asr_err_set(err, ASR_EINVAL, "cannot write %s: %s", f->base.location, strerror(errno));
  }
  return asr_ordered_writer_set_fd(&f->writer, f->fd, 0, err);
}

/* Standard output, or an existing path that is not a regular file (a FIFO, /dev/null). */
static int is_stream(const char *path) {
  struct stat st;
  return asr_stdout_path(path) ||
         (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode));
}

static int describe(file_sink_t *f) {
  char jsonl[64];
  snprintf(jsonl, sizeof jsonl, "JSON lines, %s Extended JSON v2", asr_ejson_mode_name(f->json_mode));
  const char *what = f->format == FORMAT_JSONL ? jsonl : "BSON, mongorestore format";
  int to_stdout = asr_stdout_path(f->path);
  char *d = NULL;
  f->base.location = strdup(to_stdout ? "standard output" : f->path);
  if (to_stdout ? asprintf(&d, "standard output (%s)", what) < 0
                : asprintf(&d, "%s %s (%s%s)", f->stream ? "stream" : "file", f->path, what,
                           f->stream ? ", written in place" : "") < 0)
    d = NULL;
  f->base.description = d;
  return d != NULL;
}

static const asr_sink_vt_t file_vt = {
    .scheme = "file",
    .worker_open = file_worker_open,
    .worker_close = file_worker_close,
    .write = file_write,
    .finish = file_finish,
    .abort = file_abort,
    .destroy = file_destroy,
    .abandon = file_abandon,
    .docs_kept = file_docs_kept,
    .durable = file_durable,
};

int asr_sink_file_open(const char *path, const asr_sink_options_t *opt, asr_sink_t **out,
                       asr_err_t *err) {
  return asr_sink_file_open_as(path, NULL, opt, out, err);
}

int asr_sink_file_open_as(const char *path, const char *named, const asr_sink_options_t *opt,
                          asr_sink_t **out, asr_err_t *err) {
  file_format_t format;
  if (!path || !*path) return asr_err_set(err, ASR_EINVAL, "target file: needs a path");
  int rc = format_of(path, named, &format, err);
  if (rc) return rc;
  int stream = is_stream(path);
  if (stream && opt && opt->resume)
    return asr_err_set(err, ASR_EINVAL, "cannot resume %s: it is not a regular file", path);
  if (!stream && (rc = prepare_parent(path, opt && opt->dry_run, err))) return rc;
  file_sink_t *f = calloc(1, sizeof *f);
  if (!f) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  f->base.vt = &file_vt;
  f->format = format;
  f->stream = stream;
  f->json_mode = opt && opt->json_format == ASR_EJSON_CANONICAL ? ASR_EJSON_CANONICAL
                                                                 : ASR_EJSON_RELAXED;
  f->fd = -1;
  f->dead_letter = opt ? opt->dead_letter : NULL;
  f->path = strdup(path);
  if (!stream && asprintf(&f->partial_path, "%s" ASR_PARTIAL_SUFFIX, path) < 0)
    f->partial_path = NULL;
  int described = f->path && describe(f);
  /* messages name it; a stream's location never changes (abort renames a file's) */
  asr_ordered_writer_init(&f->writer, -1, stream && f->base.location ? f->base.location : f->path);
  if (!described || (!stream && !f->partial_path) || !f->base.location) {
    file_destroy(&f->base);
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  }
  if (!(opt && opt->dry_run)) {
    f->resumed = opt && opt->resume;
    rc = stream ? open_stream(f, err)
         : f->resumed ? open_resumed(f, opt->resume_bytes, err) : open_new(f, err);
    if (rc) {
      file_destroy(&f->base);
      return rc;
    }
  }
  *out = &f->base;
  return 0;
}
