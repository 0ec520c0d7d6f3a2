/* Appends batch outputs to a file descriptor in source order (seq 0, 1, 2, ...) whatever
 * order the workers finish in, so output is byte-identical for any worker count. A worker
 * whose batch is next writes it (and any buffered successors) at once; one that is early parks
 * its buffer in a bounded set of slots (swapping buffers: no copy) and goes on, or waits while
 * every slot is taken. The worker holding the next seq never waits, so this cannot deadlock.
 * One lock per batch. */
#ifndef ASR_SINKS_ORDERED_WRITER_H
#define ASR_SINKS_ORDERED_WRITER_H

#include <stdint.h>
#include <uv.h>

#include "util/buf.h"
#include "util/error.h"

#define ASR_ORDERED_SLOTS 8

typedef struct asr_ordered_writer {
  uv_mutex_t lock;
  uv_cond_t turn;
  int fd;
  const char *path; /* for messages; borrowed */
  uint64_t next_seq;
  uint64_t bytes_written;
  uint64_t flushed_to; /* writeback started up to this offset (see write_all) */
  struct {
    int used;
    uint64_t seq;
    asr_buf_t buf;
  } slots[ASR_ORDERED_SLOTS];
  int canceled;
  asr_err_t io_err; /* the first write failure */
} asr_ordered_writer_t;

void asr_ordered_writer_init(asr_ordered_writer_t *w, int fd, const char *path);
void asr_ordered_writer_destroy(asr_ordered_writer_t *w);
/* Commits `buf` as batch seq. May swap buf's storage with a slot's (the caller's buffer comes
 * back empty, with capacity). Returns 0, ASR_EIO (err set) or ASR_ECANCELED. */
int asr_ordered_writer_commit(asr_ordered_writer_t *w, uint64_t seq, asr_buf_t *buf,
                              asr_err_t *err);
/* Wakes every waiter; later commits return ASR_ECANCELED. */
void asr_ordered_writer_cancel(asr_ordered_writer_t *w);
/* After the last commit: 0 when every parked batch was written, else ASR_EIO. */
int asr_ordered_writer_drained(asr_ordered_writer_t *w, asr_err_t *err);

#endif
