/* Appends batch outputs to a file descriptor in source order (seq 0, 1, 2, ...) whatever
 * order the workers finish in, so output is byte-identical for any worker count. A worker
 * whose batch is next writes it (and any buffered successors) at once; one that is early parks
 * its buffer in a bounded set of slots (swapping buffers: no copy) and goes on, or waits while
 * every slot is taken. The worker holding the next seq never waits for another worker, so this
 * cannot deadlock. One lock per batch.
 *
 * Two ways to write. Buffered (the default): the worker whose batch is next write(2)s it
 * through the page cache. Staged (asr_ordered_writer_set_fd with direct = 1, for an O_DIRECT
 * descriptor): the worker copies its batch into the current 4096-aligned chunk, and full chunks
 * go to a writer thread that hands them straight to the device, so no worker waits on the disk
 * and the kernel copies nothing into the page cache. The unaligned tail is written by
 * asr_ordered_writer_keep or _drained after O_DIRECT is cleared. A file system that refuses
 * O_DIRECT writes (EINVAL) gets buffered writes from then on; the output is the same. */
#ifndef ASR_SINKS_ORDERED_WRITER_H
#define ASR_SINKS_ORDERED_WRITER_H

#include <stdint.h>
#include <uv.h>

#include "core/buf.h"
#include "core/error.h"

#define ASR_ORDERED_SLOTS 8
/* Staged mode: one chunk filling, the others queued or free. The ring is touched fresh by
 * every run and the kernel zeroes each huge page on first touch, which on this VM cost up to
 * 100 ms of CPU for the former 4 x 8 MB (a fifth of a 300,000-document JSONL -> BSON run):
 * 8 x 2 MB halves the memory and keeps 14 MB queued ahead of the disk. */
#define ASR_ORDERED_CHUNKS 8
#define ASR_ORDERED_CHUNK (2u << 20)  /* bytes; a multiple of the O_DIRECT alignment */

/* How far the output reaches: batches [0, batches) of this writer, ending at file offset
 * bytes, holding docs documents. */
typedef struct asr_ordered_mark {
  uint64_t batches, bytes, docs;
} asr_ordered_mark_t;

typedef struct asr_ordered_writer {
  uv_mutex_t lock;
  uv_cond_t turn;
  int fd;
  const char *path; /* for messages; borrowed */
  uint64_t next_seq;
  uint64_t bytes_written; /* bytes accepted in order (staged ones included) */
  uint64_t flushed_to;    /* buffered mode: writeback started up to this offset */
  struct {
    int used;
    uint64_t seq;
    uint32_t ndocs;
    asr_buf_t buf;
  } slots[ASR_ORDERED_SLOTS];
  int canceled;
  asr_err_t io_err; /* the first write failure */
  /* Staged mode. Chunks are used in rotation: io_count full ones from io_head on wait for (or
   * are in) the writer thread, the next one is filling (fill bytes). Only the writer thread
   * writes to fd while it runs; fd_direct says whether fd still has O_DIRECT. */
  int staged, fd_direct;
  uint8_t *chunk[ASR_ORDERED_CHUNKS];
  size_t fill;
  unsigned io_head, io_count;
  int io_started, io_quit;
  uv_thread_t io_thread;
  uv_cond_t io_wake; /* to the writer thread: a chunk is queued, or quit */
  uv_cond_t io_done; /* from it: a chunk is free again */
  int io_busy;       /* the writer thread is in write(2), outside the lock */
  /* For asr_ordered_writer_abandon and checkpoints: the mark of each chunk's last batch
   * (bytes 0: none ends in it), and of the last batch wholly in the file. */
  asr_ordered_mark_t chunk_mark[ASR_ORDERED_CHUNKS];
  asr_ordered_mark_t durable;
  uint64_t whole_end;  /* the end of the last batch wholly accepted (staged or written) */
  uint64_t whole_docs; /* the documents of the batches wholly accepted */
} asr_ordered_writer_t;

void asr_ordered_writer_init(asr_ordered_writer_t *w, int fd, const char *path);
/* Sets the output before the first commit; direct = 1: fd was opened with O_DIRECT, use the
 * staged mode. Returns 0 or ASR_ENOMEM (err set: the file sink gives up opening then). */
int asr_ordered_writer_set_fd(asr_ordered_writer_t *w, int fd, int direct, asr_err_t *err);
/* Resume: the output already holds `offset` bytes (fd is positioned there); batches are
 * appended after them. Before the first commit, in buffered mode. */
void asr_ordered_writer_start_at(asr_ordered_writer_t *w, uint64_t offset);
/* The mark of the last batch wholly written to the file (not only staged): after an fdatasync
 * of fd, everything up to it is durable. */
void asr_ordered_writer_durable(asr_ordered_writer_t *w, asr_ordered_mark_t *out);
/* The process exits next (a second interrupt): waits for the write in progress, cuts the file
 * back to the end of the last batch wholly written, and keeps the lock so nothing is written
 * after, leaving a .partial that ends on a batch boundary. Does not return the lock. */
void asr_ordered_writer_abandon(asr_ordered_writer_t *w);
/* Stops the writer thread (waiting for its current write) and frees everything. */
void asr_ordered_writer_destroy(asr_ordered_writer_t *w);
/* Commits `buf` (ndocs documents) as batch seq. May swap buf's storage with a slot's (the
 * caller's buffer comes back empty, with capacity). Returns 0, ASR_EIO (err set) or
 * ASR_ECANCELED. */
int asr_ordered_writer_commit(asr_ordered_writer_t *w, uint64_t seq, asr_buf_t *buf,
                              uint32_t ndocs, asr_err_t *err);
/* Commits data[0, len) (ndocs documents) as batch seq when it is next in order, writing (or
 * staging) straight from the caller's bytes: returns 1. Returns 0, having done nothing, when
 * an earlier batch is still missing (the caller then copies and uses _commit), or ASR_EIO /
 * ASR_ECANCELED as _commit. Spares the copy of a batch that arrives in its turn. */
int asr_ordered_writer_write_if_next(asr_ordered_writer_t *w, uint64_t seq, const uint8_t *data,
                                     size_t len, uint32_t ndocs, asr_err_t *err);
/* The documents in the output's clean prefix: the batches wholly accepted in order (after
 * asr_ordered_writer_keep: exactly what the kept file holds). */
uint64_t asr_ordered_writer_docs(asr_ordered_writer_t *w);
/* Wakes every waiter; later commits return ASR_ECANCELED and staged chunks are dropped. */
void asr_ordered_writer_cancel(asr_ordered_writer_t *w);
/* Keeps what was committed as a clean prefix and cancels, in one hold of the lock, so it is
 * safe while other threads commit: writes out everything staged (the tail without O_DIRECT), cuts off a batch caught half-staged (its writer
 * was waiting for a free chunk), then later commits return ASR_ECANCELED. 0 or ASR_EIO. */
int asr_ordered_writer_keep(asr_ordered_writer_t *w, asr_err_t *err);
/* After the last commit: flushes, then 0 when every parked batch was written, else ASR_EIO. */
int asr_ordered_writer_drained(asr_ordered_writer_t *w, asr_err_t *err);

#endif
