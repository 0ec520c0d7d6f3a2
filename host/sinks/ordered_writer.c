/* The ordered writer (see ordered_writer.h). Everything in the struct is under `lock`, except
 * that the writer thread writes chunk[io_head] to fd (and may clear fd_direct) outside it:
 * while io_count > 0 nothing else touches fd, fd_direct or the queued chunks. */
#include "sinks/ordered_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define WRITEBACK_CHUNK (32u << 20)
/* O_DIRECT needs buffer addresses, lengths and file offsets aligned to the device's logical
 * block size: 4096 covers every common device. */
#define DIO_ALIGN 4096u
#define HUGE_ALIGN (2u << 20)

void asr_ordered_writer_init(asr_ordered_writer_t *w, int fd, const char *path) {
  memset(w, 0, sizeof *w);
  uv_mutex_init(&w->lock);
  uv_cond_init(&w->turn);
  uv_cond_init(&w->io_wake);
  uv_cond_init(&w->io_done);
  w->fd = fd;
  w->path = path;
  asr_err_clear(&w->io_err);
}

int asr_ordered_writer_set_fd(asr_ordered_writer_t *w, int fd, int direct, asr_err_t *err) {
  w->fd = fd;
  w->fd_direct = direct;
  if (!direct) return 0;
  for (int i = 0; i < ASR_ORDERED_CHUNKS; i++) {
    void *p = NULL;
    if (posix_memalign(&p, HUGE_ALIGN, ASR_ORDERED_CHUNK) != 0)
      return asr_err_set(err, ASR_ENOMEM, "out of memory for the output buffers of %s", w->path);
    /* Huge pages where the system allows them: fewer pages for the kernel to pin per write. */
    madvise(p, ASR_ORDERED_CHUNK, MADV_HUGEPAGE);
    w->chunk[i] = p;
  }
  w->staged = 1;
  return 0;
}

void asr_ordered_writer_destroy(asr_ordered_writer_t *w) {
  if (w->io_started) {
    uv_mutex_lock(&w->lock);
    w->io_quit = 1;
    uv_cond_signal(&w->io_wake);
    uv_mutex_unlock(&w->lock);
    uv_thread_join(&w->io_thread);
  }
  for (int i = 0; i < ASR_ORDERED_CHUNKS; i++) free(w->chunk[i]);
  for (int i = 0; i < ASR_ORDERED_SLOTS; i++) asr_buf_free(&w->slots[i].buf);
  uv_cond_destroy(&w->io_done);
  uv_cond_destroy(&w->io_wake);
  uv_cond_destroy(&w->turn);
  uv_mutex_destroy(&w->lock);
}

static int clear_direct(int fd) {
  int fl = fcntl(fd, F_GETFL);
  return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl & ~O_DIRECT);
}

/* Writes data[0..len) at the file position, retrying short writes and EINTR. An O_DIRECT write
 * the file system refuses (EINVAL: it cannot do O_DIRECT, or not at this alignment) writes
 * nothing; it is retried without O_DIRECT, which then stays off. Called by whoever owns the
 * output (see the top). Returns 0 or an errno value. */
static int write_span(int fd, int *fd_direct, const uint8_t *data, size_t len) {
  size_t off = 0;
  while (off < len) {
    ssize_t n = write(fd, data + off, len - off);
    if (n > 0) {
      off += (size_t)n;
    } else if (n == 0) {
      return EIO;
    } else if (errno == EINVAL && *fd_direct) {
      if (clear_direct(fd) != 0) return errno;
      *fd_direct = 0;
    } else if (errno != EINTR) {
      return errno;
    }
  }
  return 0;
}

/* Under lock: records the first write failure and stops everyone. Returns ASR_EIO. */
static int io_failed(asr_ordered_writer_t *w, int errnum) {
  if (w->io_err.code) {
  } else if (errnum == EPIPE) { /* a pipe whose reader went away (`asrun ... | head`) */
    asr_err_set(&w->io_err, ASR_EIO, "cannot write %s: its reader closed the pipe before the "
                "end (broken pipe)", w->path);
  } else {
    asr_err_set(&w->io_err, ASR_EIO, "cannot write %s: %s", w->path, strerror(errnum));
  }
  w->canceled = 1;
  uv_cond_broadcast(&w->turn);
  uv_cond_broadcast(&w->io_done);
  return ASR_EIO;
}

/* Under lock: the mark of the batches wholly accepted. */
static asr_ordered_mark_t whole_mark(const asr_ordered_writer_t *w) {
  return (asr_ordered_mark_t){w->next_seq, w->whole_end, w->whole_docs};
}

void asr_ordered_writer_start_at(asr_ordered_writer_t *w, uint64_t offset) {
  uv_mutex_lock(&w->lock);
  w->bytes_written = w->flushed_to = w->whole_end = offset;
  w->durable = whole_mark(w);
  uv_mutex_unlock(&w->lock);
}

void asr_ordered_writer_durable(asr_ordered_writer_t *w, asr_ordered_mark_t *out) {
  uv_mutex_lock(&w->lock);
  *out = w->durable;
  uv_mutex_unlock(&w->lock);
}

/* Under lock, buffered mode: writes b now. */
static int write_buffered(asr_ordered_writer_t *w, const uint8_t *data, size_t len) {
  int e = write_span(w->fd, &w->fd_direct, data, len);
  if (e) return io_failed(w, e);
  w->bytes_written += len;
  w->whole_end = w->bytes_written; /* one call writes one whole batch */
  /* Start the disk writeback of every full chunk now (asynchronous), so the fdatasync that
   * publishes the file at the end has little left to wait for. */
  if (w->bytes_written - w->flushed_to >= WRITEBACK_CHUNK) {
    sync_file_range(w->fd, (off64_t)w->flushed_to, (off64_t)(w->bytes_written - w->flushed_to),
                    SYNC_FILE_RANGE_WRITE);
    w->flushed_to = w->bytes_written;
  }
  return 0;
}

/* ---- staged mode ---- */

static unsigned filling(const asr_ordered_writer_t *w) {
  return (w->io_head + w->io_count) % ASR_ORDERED_CHUNKS;
}

/* The writer thread: writes queued chunks in order; after a failure or a cancel it drops them
 * (the output is withdrawn or reported incomplete anyway). */
static void io_main(void *arg) {
  asr_ordered_writer_t *w = arg;
  uv_mutex_lock(&w->lock);
  for (;;) {
    while (w->io_count == 0 && !w->io_quit) uv_cond_wait(&w->io_wake, &w->lock);
    if (w->io_count == 0) break;
    const uint8_t *chunk = w->chunk[w->io_head];
    int drop = w->canceled;
    w->io_busy = !drop;
    uv_mutex_unlock(&w->lock);
    int e = drop ? 0 : write_span(w->fd, &w->fd_direct, chunk, ASR_ORDERED_CHUNK);
    uv_mutex_lock(&w->lock);
    w->io_busy = 0;
    if (e) io_failed(w, e);
    else if (!drop && w->chunk_mark[w->io_head].bytes) w->durable = w->chunk_mark[w->io_head];
    w->io_head = (w->io_head + 1) % ASR_ORDERED_CHUNKS;
    w->io_count--;
    uv_cond_broadcast(&w->io_done);
  }
  uv_mutex_unlock(&w->lock);
}

/* Under lock: queues the full filling chunk for the writer thread (started on first use) and
 * waits until the next one is free. */
static int queue_chunk(asr_ordered_writer_t *w) {
  if (!w->io_started) {
    if (uv_thread_create(&w->io_thread, io_main, w) != 0) return io_failed(w, EAGAIN);
    w->io_started = 1;
  }
  w->io_count++;
  w->fill = 0;
  uv_cond_signal(&w->io_wake);
  while (w->io_count == ASR_ORDERED_CHUNKS && !w->canceled) uv_cond_wait(&w->io_done, &w->lock);
  w->chunk_mark[filling(w)] = (asr_ordered_mark_t){0}; /* free now: no batch ends in it yet */
  if (w->io_err.code) return ASR_EIO;
  return w->canceled ? ASR_ECANCELED : 0;
}

/* Under lock, staged mode: copies data into the chunks, queueing each one that fills; end is
 * the mark once the batch is whole. */
static int stage(asr_ordered_writer_t *w, const uint8_t *data, size_t len,
                 const asr_ordered_mark_t *end) {
  while (len > 0) {
    size_t n = ASR_ORDERED_CHUNK - w->fill;
    if (n > len) n = len;
    memcpy(w->chunk[filling(w)] + w->fill, data, n);
    w->fill += n;
    w->bytes_written += n;
    data += n;
    len -= n;
    if (len == 0) { /* the batch ends here */
      w->chunk_mark[filling(w)] = *end;
      w->whole_end = w->bytes_written;
    }
    if (w->fill == ASR_ORDERED_CHUNK) {
      int rc = queue_chunk(w);
      if (rc) return rc;
    }
  }
  return 0;
}

/* Under lock: waits for the queued chunks, then writes the filling one: its aligned part
 * with O_DIRECT, the rest without. Staging ends here: later writes (if any) are buffered. */
static int flush_locked(asr_ordered_writer_t *w) {
  if (!w->staged) return w->io_err.code;
  while (w->io_count > 0) uv_cond_wait(&w->io_done, &w->lock);
  if (w->io_err.code) return ASR_EIO;
  if (w->canceled) return ASR_ECANCELED; /* chunks may have been dropped: write nothing more */
  const uint8_t *chunk = w->chunk[filling(w)];
  size_t aligned = w->fill & ~(size_t)(DIO_ALIGN - 1);
  int e = write_span(w->fd, &w->fd_direct, chunk, aligned);
  if (!e && w->fd_direct) {
    if (clear_direct(w->fd) != 0) e = errno;
    else w->fd_direct = 0;
  }
  if (!e) e = write_span(w->fd, &w->fd_direct, chunk + aligned, w->fill - aligned);
  if (e) return io_failed(w, e);
  w->fill = 0;
  w->staged = 0;
  w->durable = whole_mark(w); /* a batch caught half-staged is cut off by keep */
  return 0;
}

void asr_ordered_writer_abandon(asr_ordered_writer_t *w) {
  uv_mutex_lock(&w->lock);
  w->canceled = 1; /* the writer thread drops what is queued */
  while (w->io_busy) uv_cond_wait(&w->io_done, &w->lock);
  if (w->fd >= 0 && ftruncate(w->fd, (off_t)w->durable.bytes) != 0) {
    /* nothing better to do: the process is exiting and the file stays .partial */
  }
}

/* ---- ordering ---- */

/* Under lock: writes (or stages) the batch that is next in order. */
static int write_next(asr_ordered_writer_t *w, const uint8_t *data, size_t len, uint32_t ndocs) {
  asr_ordered_mark_t end = {w->next_seq + 1, w->bytes_written + len, w->whole_docs + ndocs};
  int rc = w->staged ? stage(w, data, len, &end) : write_buffered(w, data, len);
  if (rc) return rc;
  w->whole_docs += ndocs;
  w->next_seq++;
  if (!w->staged) w->durable = end;
  return 0;
}

static int find_slot(asr_ordered_writer_t *w, int used, uint64_t seq) {
  for (int i = 0; i < ASR_ORDERED_SLOTS; i++)
    if (w->slots[i].used == used && (!used || w->slots[i].seq == seq)) return i;
  return -1;
}

static int any_parked(const asr_ordered_writer_t *w) {
  for (int i = 0; i < ASR_ORDERED_SLOTS; i++)
    if (w->slots[i].used) return 1;
  return 0;
}

/* Under lock: writes parked batches that are now next. */
static int drain_parked(asr_ordered_writer_t *w) {
  int i;
  while ((i = find_slot(w, 1, w->next_seq)) >= 0) {
    int rc = write_next(w, w->slots[i].buf.data, w->slots[i].buf.len, w->slots[i].ndocs);
    if (rc) return rc;
    asr_buf_reset(&w->slots[i].buf);
    w->slots[i].used = 0;
  }
  return 0;
}

/* Under lock, seq == next_seq: writes the batch and the parked ones it unblocks. */
static int write_in_turn(asr_ordered_writer_t *w, const uint8_t *data, size_t len,
                         uint32_t ndocs) {
  int rc = write_next(w, data, len, ndocs);
  if (rc == 0) rc = drain_parked(w);
  if (rc) w->canceled = 1;
  uv_cond_broadcast(&w->turn);
  return rc;
}

int asr_ordered_writer_write_if_next(asr_ordered_writer_t *w, uint64_t seq, const uint8_t *data,
                                     size_t len, uint32_t ndocs, asr_err_t *err) {
  int rc = 0, done = 0;
  uv_mutex_lock(&w->lock);
  if (w->canceled) {
    rc = w->io_err.code ? ASR_EIO : ASR_ECANCELED;
  } else if (seq == w->next_seq) {
    rc = write_in_turn(w, data, len, ndocs);
    done = 1;
  }
  if (rc == ASR_EIO && err) *err = w->io_err;
  uv_mutex_unlock(&w->lock);
  return rc ? rc : done;
}

int asr_ordered_writer_commit(asr_ordered_writer_t *w, uint64_t seq, asr_buf_t *buf,
                              uint32_t ndocs, asr_err_t *err) {
  int rc = 0, slot = -1;
  uv_mutex_lock(&w->lock);
  while (!w->canceled && seq != w->next_seq && (slot = find_slot(w, 0, 0)) < 0)
    uv_cond_wait(&w->turn, &w->lock);
  if (w->canceled) {
    rc = w->io_err.code ? ASR_EIO : ASR_ECANCELED;
  } else if (seq == w->next_seq) {
    rc = write_in_turn(w, buf->data, buf->len, ndocs);
  } else {
    asr_buf_t tmp = w->slots[slot].buf; /* park by swapping: no copy */
    w->slots[slot].buf = *buf;
    w->slots[slot].seq = seq;
    w->slots[slot].ndocs = ndocs;
    w->slots[slot].used = 1;
    *buf = tmp;
    asr_buf_reset(buf);
  }
  if (rc == ASR_EIO && err) *err = w->io_err;
  uv_mutex_unlock(&w->lock);
  return rc;
}

void asr_ordered_writer_cancel(asr_ordered_writer_t *w) {
  uv_mutex_lock(&w->lock);
  w->canceled = 1;
  uv_cond_broadcast(&w->turn);
  uv_cond_broadcast(&w->io_done);
  uv_mutex_unlock(&w->lock);
}

uint64_t asr_ordered_writer_docs(asr_ordered_writer_t *w) {
  uv_mutex_lock(&w->lock);
  uint64_t n = w->whole_docs;
  uv_mutex_unlock(&w->lock);
  return n;
}

int asr_ordered_writer_keep(asr_ordered_writer_t *w, asr_err_t *err) {
  uv_mutex_lock(&w->lock);
  int rc = w->canceled ? 0 : flush_locked(w);
  if (rc == 0 && w->fd >= 0 && w->bytes_written > w->whole_end &&
      ftruncate(w->fd, (off_t)w->whole_end) != 0)
    rc = io_failed(w, errno);
  if (rc == 0) w->durable = whole_mark(w);
  if (rc == ASR_EIO && err) *err = w->io_err;
  w->canceled = 1;
  uv_cond_broadcast(&w->turn);
  uv_cond_broadcast(&w->io_done);
  uv_mutex_unlock(&w->lock);
  return rc == ASR_ECANCELED ? 0 : rc;
}

int asr_ordered_writer_drained(asr_ordered_writer_t *w, asr_err_t *err) {
  uv_mutex_lock(&w->lock);
  int rc = flush_locked(w);
  if (rc == ASR_EIO && err) *err = w->io_err;
  if (rc == ASR_ECANCELED) asr_err_set(err, rc, "%s: output canceled", w->path);
  if (!rc && any_parked(w))
    rc = asr_err_set(err, ASR_EIO, "%s: batch %llu never arrived; output incomplete", w->path,
                     (unsigned long long)w->next_seq);
  uv_mutex_unlock(&w->lock);
  return rc;
}
