/* The source interface. A source splits its input into batches on the pipeline's producer
 * thread (`next`, cheap: framing only) and turns a batch into BSON documents on the worker
 * that takes it (`decode`, thread-safe, the expensive part). Implementations: generator
 * (templates), jsonl, json (array file), bson (mongodump); MongoDB collections drop in here. */
#ifndef ASR_SOURCES_SOURCE_H
#define ASR_SOURCES_SOURCE_H

#include <stdint.h>

#include "core/batch.h"
#include "core/docs.h"
#include "core/error.h"
#include "core/worker_env.h"
#include "template/template.h"

typedef struct asr_source asr_source_t;

/* What a source that reads from a database counts (zero for the others). */
typedef struct asr_source_stats {
  uint64_t retries;   /* reads retried after a cut connection, a timeout, a lost cursor */
  uint64_t throttles; /* reads answered "too many requests" */
} asr_source_stats_t;

/* Per-worker scratch a source may keep (for example a reusable bson_t). Created on the worker
 * thread by worker_open, freed by worker_close; NULL when the source needs none. env is the
 * worker's env (core/worker_env.h; NULL when the run has none): the generator opens its
 * custom operators in it. */
typedef struct asr_source_worker asr_source_worker_t;

/* Where a source stands in its input: enough to start a later run of the same input there
 * (checkpoints and --resume). index counts the records handed out before this point (exact
 * for generated and file sources). Files: offset is the byte offset of the next record, and
 * line/col/state what the framer needs to go on from it. MongoDB: key is the BSON document
 * {_id: v} where the next _id range starts (borrowed from the source: valid while it lives;
 * NULL: from MinKey), at_end: past the last range. */
typedef struct asr_source_pos {
  uint64_t index, offset, line, col;
  uint32_t state;
  int at_end;
  const uint8_t *key;
  uint32_t key_len;
} asr_source_pos_t;

typedef struct asr_source_vt {
  const char *kind;
  /* Fills `b` with up to max_records records (b->raw is reset by the caller).
   * Returns 1 when a batch was produced, 0 at the end of the input, or a negative ASR_E*. */
  int (*next)(asr_source_t *s, asr_batch_t *b, uint32_t max_records, asr_err_t *err);
  /* Appends the batch's documents to `out`. Thread-safe: called by many workers at once. */
  int (*decode)(asr_source_t *s, asr_source_worker_t *w, const asr_batch_t *b, asr_docs_t *out,
                asr_err_t *err);
  int (*worker_open)(asr_source_t *s, asr_worker_env_t *env, asr_source_worker_t **w,
                     asr_err_t *err); /* optional */
  void (*worker_close)(asr_source_t *s, asr_source_worker_t *w);                /* optional */
  void (*destroy)(asr_source_t *s);
  /* Optional: the source's counters, for the metrics the scaler reads and the summary.
   * Thread-safe, cumulative since open. */
  void (*stats)(asr_source_t *s, struct asr_source_stats *out);
  /* Optional: the run is stopping; a decode waiting to retry gives up with ASR_ECANCELED at
   * once (reads in progress finish). Thread-safe. */
  void (*stopping)(asr_source_t *s);
  /* Optional (resume), producer thread: where the source stands after the last `next`. */
  void (*tell)(asr_source_t *s, asr_source_pos_t *pos);
  /* Optional (resume), before the first `next`: starts at `from` (a tell of an earlier run
   * of the same input) instead of the beginning, and marks every batch before `again` (a
   * later tell of that run: what it may have sent) with b->again, so a database sink takes a
   * duplicate key on them for its own earlier write. Returns 0, or ASR_EINVAL when the input
   * does not match the position (err says why). */
  int (*seek)(asr_source_t *s, const asr_source_pos_t *from, const asr_source_pos_t *again,
              asr_err_t *err);
  /* Optional (resume), producer thread: a position about `records` records past the current
   * one (at least one batch past it, at most the end), for `again` bounds handed out ahead
   * of the batches: only its index and key are meaningful. */
  void (*ahead)(asr_source_t *s, uint64_t records, asr_source_pos_t *pos);
} asr_source_vt_t;

struct asr_source {
  const asr_source_vt_t *vt;
  char *description; /* for logs and --dry-run: "template templates/orders.json (1000 docs)" */
  /* Why the input cannot be read again (standard input, a pipe), so the source cannot resume
   * however its vt is; NULL when it can. Static text. */
  const char *read_once;
  /* Records the source will hand out when it knows (templates: their count; MongoDB: the
   * matching count at open, an estimate for a whole collection), for progress; 0: unknown. */
  uint64_t total_records;
  /* Generated sources: what the documents' `_id` depends on (ASR_TPL_FIELD_* of
   * asr_template_field_depends: a template's "_id": "$objectid" follows the clock, so a run
   * without --now makes new `_id`s); 0 for the other sources. */
  int id_depends;
};

/* A collection a template may $ref (declared in the strategy); strings borrowed. */
typedef struct asr_source_collection {
  const char *name, *template_path, *template_json;
  int64_t total, seed; /* seed -1: the run's seed */
} asr_source_collection_t;

/* has_clock: 0 the source reads the time when it opens; ASR_CLOCK_GIVEN --now;
 * ASR_CLOCK_RUN_START the run pinned its start, so --verify regenerates the same documents. */
enum { ASR_CLOCK_GIVEN = 1, ASR_CLOCK_RUN_START = 2 };

/* What a source is built from: kind plus its settings, from the strategy or the CLI. */
typedef struct asr_source_spec {
  char *kind;          /* "template" | "jsonl" | "json" | "bson" */
  int json_documents;  /* json: JSON documents one after another (mongoimport's --type json
                        * without --jsonArray), instead of one array of them */
  char *path;          /* input file (template file for "template") */
  char *template_json; /* inline template text, instead of path */
  int64_t limit;       /* max records (template: the number to generate); -1 = all */
  uint64_t seed;
  int has_clock;       /* template: pin $now and $objectid times to clock_ms: ASR_CLOCK_* */
  int64_t clock_ms;
  /* mongodb: path holds the URI */
  char *database, *collection; /* NULL: from the URI path /db.collection */
  char *filter, *projection;   /* Extended JSON */
  int32_t cursor_batch;
  int64_t retry_for_ms;        /* read retry budget per batch: 0 the default, < 0 none */
  /* template: custom operators, opened per worker in its env by custom_ops_factory
   * (borrowed; the strategy's: lua/template_ops.h); op id = index in custom_ops. NULL / 0
   * when there are none. */
  const asr_template_ext_factory_t *custom_ops_factory;
  char **custom_ops;
  size_t ncustom;
  /* template: collections $ref may name (owned array, borrowed strings); mgodatagen: the
   * config's collection to generate is `collection` */
  asr_source_collection_t *collections;
  size_t ncollections;
} asr_source_spec_t;

/* Resolves a spec string "KIND:PATH" or a bare path (kind from the extension: .json is a
 * template, .jsonl/.ndjson JSON lines, .bson a dump, each also with .gz after it; "-" is
 * JSON lines on standard input) into kind and path; template text ("{...}" or "template:{...}")
 * into kind "template" and template_json. */
int asr_source_spec_parse(const char *text, asr_source_spec_t *spec, asr_err_t *err);
void asr_source_spec_free(asr_source_spec_t *spec);

/* Opens the source described by spec. Validates everything it can up front (file readable,
 * template compiles) so configuration errors surface before any output is written. */
int asr_source_open(const asr_source_spec_t *spec, asr_source_t **out, asr_err_t *err);
void asr_source_destroy(asr_source_t *s);
/* The source's counters (zeroed when it keeps none). */
void asr_source_stats(asr_source_t *s, asr_source_stats_t *out);
/* 1 when the source can tell, seek and look ahead (every source asrun ships can, except a
 * file source reading standard input or a pipe: s->read_once says why). */
int asr_source_resumable(const asr_source_t *s);
/* 1 when spec reads a file kind (jsonl, json, bson) from standard input ("-") or from a path
 * that is no regular file (a named pipe, /dev/fd/N of a process substitution): its input can
 * be read once only, so the run keeps no checkpoint and cannot --verify against it. */
int asr_source_spec_reads_once(const asr_source_spec_t *spec);

/* Constructors, one per file in sources/. */
int asr_source_generator_open(const asr_source_spec_t *spec, asr_source_t **out, asr_err_t *err);
int asr_source_jsonl_open(const asr_source_spec_t *spec, asr_source_t **out, asr_err_t *err);
int asr_source_json_array_open(const asr_source_spec_t *spec, asr_source_t **out, asr_err_t *err);
int asr_source_bson_open(const asr_source_spec_t *spec, asr_source_t **out, asr_err_t *err);
int asr_source_mgodatagen_open(const asr_source_spec_t *spec, asr_source_t **out, asr_err_t *err);

#endif
