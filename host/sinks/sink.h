/* The sink interface: where a worker's documents go. Targets are URIs:
 *   file:PATH.jsonl  Extended JSON v2 (relaxed, or canonical: json_format), one document a
 *                    line (mongoimport)
 *   file:PATH.bson   concatenated BSON (mongorestore)
 *   null:            discard (benchmarks)
 *   jsonl:PATH, bson:PATH  a file in the format named (not guessed from the name)
 *   -                standard output (JSON lines; bson:- for BSON), written as a stream
 * A target that is not a regular file (standard output, a named pipe, /dev/null) is a stream:
 * written in place, no .partial, no rename, no sync, no O_DIRECT, no checkpoint.
 * MongoDB (mongodb://, mongodb+srv://) drops in as another implementation.
 * Each worker has its own asr_sink_worker_t (encode buffer, client, ...), so writing takes no
 * lock per document; file sinks take one lock per batch to append in source order. */
#ifndef ASR_SINKS_SINK_H
#define ASR_SINKS_SINK_H

#include <stdint.h>

#include "core/docs.h"
#include "core/error.h"
#include "sinks/ru_governor.h"

typedef struct asr_sink asr_sink_t;
typedef struct asr_sink_worker asr_sink_worker_t;

/* Database counters, summed over workers (cumulative since the sink opened). */
typedef struct asr_sink_db_stats {
  uint64_t docs_written, duplicates, failed, throttles, retries, batches;
  uint64_t latency_us_total;
  uint32_t pool_in_use, pool_size;
  double request_charge;      /* Cosmos request units, 0 when the server reports none */
  uint32_t retry_after_ms_max;/* largest RetryAfterMs since the previous reading: reading
                               * resets it, so the scaler sees each interval's own */
} asr_sink_db_stats_t;
/* How far a file output reaches (see durable). */
typedef struct asr_sink_mark {
  uint64_t batches, bytes, docs;
} asr_sink_mark_t;

typedef struct asr_sink_vt {
  const char *scheme;
  int (*worker_open)(asr_sink_t *s, asr_sink_worker_t **w, asr_err_t *err);
  void (*worker_close)(asr_sink_t *s, asr_sink_worker_t *w);
  /* Writes the documents of batch `seq`. Every seq the source produced is written exactly
   * once, also when the transform dropped all its documents (docs->count == 0), so a sink
   * that commits in source order never waits for a batch that will not come. */
  int (*write)(asr_sink_t *s, asr_sink_worker_t *w, uint64_t seq, const asr_docs_t *docs,
               asr_err_t *err);
  /* Optional (database sinks): as write, for a batch an earlier run of a resumed migration
   * may have written: a duplicate key on a document of it is that run's write (counted as
   * written). NULL: write. */
  int (*write_again)(asr_sink_t *s, asr_sink_worker_t *w, uint64_t seq, const asr_docs_t *docs,
                     asr_err_t *err);
  /* Every batch is written: flush, sync and publish the output (rename .partial away). */
  int (*finish)(asr_sink_t *s, asr_err_t *err);
  /* The run failed or was stopped: wake writers waiting on their turn and make sure nothing
   * is left that looks complete (keep_partial: leave PATH.partial for inspection). */
  void (*abort)(asr_sink_t *s, int keep_partial);
  void (*destroy)(asr_sink_t *s);
  /* Optional (NULL for file and null sinks): the database counters the scaler reads each
   * interval. Thread-safe, cumulative since open. */
  void (*stats)(asr_sink_t *s, struct asr_sink_db_stats *out);
  /* Optional: the process exits next (a second interrupt) while workers may still write.
   * Leave what is kept on a document boundary and let nothing more be written. */
  void (*abandon)(asr_sink_t *s);
  /* Optional: after abort(keep_partial), the documents the kept output holds (an interrupted
   * run's later batches that were never written in order are not among them). */
  uint64_t (*docs_kept)(asr_sink_t *s);
  /* Optional: the run is stopping (an interrupt, a hook or the scaler asked, or it failed).
   * Writes in progress finish, but none waits to retry any more: a batch due for a retry
   * ends with ASR_ECANCELED at once. Thread-safe; abort implies it. */
  void (*stopping)(asr_sink_t *s);
  /* Optional (file sinks; checkpoints): makes the output's in-order prefix durable (synced)
   * and tells how far it reaches: batches [0, mark->batches), mark->bytes bytes holding
   * mark->docs documents. Thread-safe. Sinks without it have written a batch durably when
   * write returns (a database acknowledges it). Returns 0 or ASR_EIO. */
  int (*durable)(asr_sink_t *s, struct asr_sink_mark *mark, asr_err_t *err);
} asr_sink_vt_t;

struct asr_sink {
  const asr_sink_vt_t *vt;
  char *description; /* for logs: "file out/orders.jsonl (relaxed Extended JSON v2)" */
  char *location;    /* where the output goes once published, for the final message */
  /* Database targets whose documents are matched by _id (mongodb, sim): the pipeline gives
   * every document that reaches write() without an _id a deterministic one
   * (core/doc_id.h), so a re-run or a resume sends the same _ids. 0 (files, null:, writes
   * keyed by other fields): documents go as they are. */
  int derive_ids;
};

struct asr_scenario; /* simdb/scenario.h */

/* Loads a scenario for `sim:FILE.lua` or `sim:NAME` (a shipped scenario) into out; errors name
 * the file and the key. The runtime passes lua/scenario.c's loader (sinks sit below lua/). */
typedef int (*asr_sink_scenario_loader_fn)(void *ud, const char *name_or_path,
                                           struct asr_scenario *out, asr_err_t *err);

typedef struct asr_sink_options {
  int dry_run;      /* validate only: create nothing */
  int overwrite;    /* replace an existing output file (default: yes, as mongoexport does) */
  int json_format;  /* JSON file targets: asr_ejson_mode_t (codec/ejson_writer.h), 0 relaxed */
  /* MongoDB targets (ignored by the others) */
  const char *database, *collection; /* NULL: from the URI path /db.collection */
  int mode;                          /* asr_write_mode_t (sinks/mongo.h) */
  const char *const *keys;           /* key fields for upsert/merge/delete; NULL: _id */
  size_t nkeys;
  int ordered;
  const char *write_concern;
  uint32_t workers;                  /* initial client pool size */
  int64_t retry_for_ms;              /* retry budget per batch: 0 the default, < 0 none */
  /* sim: targets: the scenario loader (NULL: key=value specs only) and its user data */
  asr_sink_scenario_loader_fn load_scenario;
  void *load_scenario_ud;
  /* Database targets (mongodb, sim): paces each write under the request-unit budget
   * (reserve before it, record after it). Borrowed; outlives the sink; NULL: no pacing. */
  asr_ru_governor_t *governor;
  /* Where documents that fail for good go (sinks/dead_letter.h). Borrowed; outlives the sink;
   * NULL: they are only counted (asr_sink_db_stats_t.failed). A sink that refuses a document
   * (the server's permanent error, over the target's size limit, invalid UTF-8 for a file
   * target) calls asr_dead_letter_add(dead_letter, &entry, err) from its write, with
   * entry.index = asr_docs_source_index(docs, i) and entry.batch = seq, and goes on with the
   * batch's other documents while it returns 0; otherwise it returns that error from write
   * (the budget is spent: the run stops). It does not write or count the refused document. */
  struct asr_dead_letter *dead_letter;
  int dead_letter_duplicates; /* MongoDB insert mode: dead-letter duplicate keys (else only
                               * counted as duplicates, the default) */
  /* File targets: resume = 1 goes on from PATH.partial cut back to resume_bytes (a durable
   * length an earlier run recorded) instead of starting a new output. */
  int resume;
  uint64_t resume_bytes;
} asr_sink_options_t;

int asr_sink_open(const char *uri, const asr_sink_options_t *opt, asr_sink_t **out,
                  asr_err_t *err);
/* A document over ASR_BSON_MAX_DOC_SIZE bytes (len, its first 4 bytes): MongoDB refuses it,
 * and so do mongoimport and mongorestore, so the file targets refuse it too instead of
 * writing a file nothing can load. Returns 0, or ASR_EDATA naming the document (its position
 * in batch seq, 1-based, and its size). One comparison, no allocation: call it on every
 * document a sink writes; a dead-letter hook can take the document instead of failing. */
int asr_sink_check_doc_size(uint64_t seq, uint32_t pos, uint32_t len, asr_err_t *err);
/* What every sink without a server of its own does with those documents (file and sim:
 * targets; the mongodb sink checks against the server's own limit): each document of *docs
 * that asr_sink_check_doc_size refuses goes to dl (reason too_large, its message), and *docs
 * becomes kept (reset here), a copy of the others; without dl the first one fails the batch
 * with ASR_EDATA. One comparison per document when none is too large (*docs and kept are
 * then left alone). *refused (may be NULL) counts the documents set aside. Returns 0,
 * ASR_EDATA, ASR_ENOMEM or the dead letters' budget error (the run stops). */
int asr_sink_set_aside_oversized(struct asr_dead_letter *dl, uint64_t seq,
                                 const asr_docs_t **docs, asr_docs_t *kept, uint32_t *refused,
                                 asr_err_t *err);

/* The file a target URI writes (file:PATH, file://PATH, jsonl:PATH, bson:PATH or a bare
 * path; "-" for standard output), pointing into uri; NULL for the other targets. The file
 * sink writes PATH.partial first (ASR_PARTIAL_SUFFIX), except to a stream. */
const char *asr_sink_file_path(const char *uri);
/* 1 when the target writes standard output (-, file:-, jsonl:-, bson:-, /dev/stdout). */
int asr_sink_target_is_stdout(const char *uri);
/* What the target is when it is a stream, written once in place and never rewound (standard
 * output, a named pipe, a device), as messages say it ("standard output", "a named pipe");
 * NULL for a regular file (or one not there yet) and the non-file targets. */
const char *asr_sink_target_stream(const char *uri);
#define ASR_PARTIAL_SUFFIX ".partial"
void asr_sink_destroy(asr_sink_t *s);
/* The sink's database counters: returns 1, or 0 (out zeroed) when the sink keeps none. */
int asr_sink_stats(asr_sink_t *s, asr_sink_db_stats_t *out);

int asr_sink_file_open(const char *path, const asr_sink_options_t *opt, asr_sink_t **out,
                       asr_err_t *err);
/* As asr_sink_file_open with the format named: "jsonl", "bson", or NULL (from the file name;
 * JSON lines for standard output). */
int asr_sink_file_open_as(const char *path, const char *format, const asr_sink_options_t *opt,
                          asr_sink_t **out, asr_err_t *err);
int asr_sink_null_open(const asr_sink_options_t *opt, asr_sink_t **out, asr_err_t *err);
/* sim:KEY=VALUE,... | sim:FILE.lua | sim:NAME: the simulated database (sinks/sim.c, simdb/);
 * spec is the text after "sim:". */
int asr_sink_sim_open(const char *spec, const asr_sink_options_t *opt, asr_sink_t **out,
                      asr_err_t *err);

#endif
