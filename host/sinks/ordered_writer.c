#include "sinks/ordered_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define WRITEBACK_CHUNK (32u << 20)

void asr_ordered_writer_init(asr_ordered_writer_t *w, int fd, const char *path) {
  memset(w, 0, sizeof *w);
  uv_mutex_init(&w->lock);
  uv_cond_init(&w->turn);
  w->fd = fd;
  w->path = path;
  asr_err_clear(&w->io_err);
}

void asr_ordered_writer_destroy(asr_ordered_writer_t *w) {
  for (int i = 0; i < ASR_ORDERED_SLOTS; i++) asr_buf_free(&w->slots[i].buf);
  uv_cond_destroy(&w->turn);
  uv_mutex_destroy(&w->lock);
}

/* Under lock. Writes everything, retrying short writes and EINTR. */
static int write_all(asr_ordered_writer_t *w, const asr_buf_t *b) {
  size_t off = 0;
  while (off < b->len) {
    ssize_t n = write(w->fd, b->data + off, b->len - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return asr_err_set(&w->io_err, ASR_EIO, "cannot write %s: %s", w->path, strerror(errno));
    off += (size_t)n;
  }
  w->bytes_written += b->len;
  /* Start the disk writeback of every full chunk now (asynchronous), so the fdatasync that
   * publishes the file at the end has little left to wait for. */
  if (w->bytes_written - w->flushed_to >= WRITEBACK_CHUNK) {
    sync_file_range(w->fd, (off64_t)w->flushed_to, (off64_t)(w->bytes_written - w->flushed_to),
                    SYNC_FILE_RANGE_WRITE);
    w->flushed_to = w->bytes_written;
  }
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
    int rc = write_all(w, &w->slots[i].buf);
    if (rc) return rc;
    asr_buf_reset(&w->slots[i].buf);
    w->slots[i].used = 0;
    w->next_seq++;
  }
  return 0;
}

int asr_ordered_writer_commit(asr_ordered_writer_t *w, uint64_t seq, asr_buf_t *buf,
                              asr_err_t *err) {
  int rc = 0, slot = -1;
  uv_mutex_lock(&w->lock);
  while (!w->canceled && seq != w->next_seq && (slot = find_slot(w, 0, 0)) < 0)
    uv_cond_wait(&w->turn, &w->lock);
  if (w->canceled) {
    rc = ASR_ECANCELED;
  } else if (seq == w->next_seq) {
    rc = write_all(w, buf);
    if (rc == 0) {
      w->next_seq++;
      rc = drain_parked(w);
    }
    if (rc) w->canceled = 1;
    uv_cond_broadcast(&w->turn);
  } else {
    asr_buf_t tmp = w->slots[slot].buf; /* park by swapping: no copy */
    w->slots[slot].buf = *buf;
    w->slots[slot].seq = seq;
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
  uv_mutex_unlock(&w->lock);
}

int asr_ordered_writer_drained(asr_ordered_writer_t *w, asr_err_t *err) {
  uv_mutex_lock(&w->lock);
  int rc = w->io_err.code;
  if (rc && err) *err = w->io_err;
  if (!rc && any_parked(w))
    rc = asr_err_set(err, ASR_EIO, "%s: batch %llu never arrived; output incomplete", w->path,
                     (unsigned long long)w->next_seq);
  uv_mutex_unlock(&w->lock);
  return rc;
}
