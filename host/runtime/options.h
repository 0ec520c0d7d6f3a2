/* What one run is asked to do: the options of the command line (cli/args.c parses argv into
 * this), before the strategy and the defaults are merged in (runtime/config.c). Strings are
 * borrowed from argv. */
#ifndef ASR_RUNTIME_OPTIONS_H
#define ASR_RUNTIME_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "util/log.h"

#define ASR_OPTIONS_MAX_SCALING 64

typedef struct asr_options {
  const char *strategy;   /* positional STRATEGY.lua or --strategy */
  const char *source;     /* --source SPEC, or --file PATH (mongoimport's) */
  int source_is_file;     /* the source came from --file: data (mongoimport's json), never a
                           * template */
  const char *type;       /* --type jsonl|json|bson: the format of --source's file */
  int json_array;         /* --jsonArray: the source file is one JSON array of documents */
  const char *target;     /* --target URI or --uri URI (mongoimport's) */
  const char *target_flag; /* "--target" or "--uri": which one gave it, for messages */
  const char *json_format; /* --json-format relaxed|canonical (.jsonl targets); NULL: unset */
  const char *profile;    /* --profile / --auto-scaling-profile */
  int auto_scaling;       /* -1 unset, 0 --no-auto-scaling, 1 --auto-scaling */
  /* scaling settings from --scaling KEY=VALUE and the named flags (--max-workers 30, ...),
   * in command-line order; checked against the settings table by the config. flag: the named
   * flag ("--max-workers"), NULL for --scaling */
  struct { const char *key; size_t key_len; const char *value; const char *flag; } scaling[ASR_OPTIONS_MAX_SCALING];
  int nscaling;
  const char *policy;     /* --policy NAME|FILE.lua */
  const char *summary_json; /* --summary-json FILE */
  const char *report;       /* --report FILE.html */
  int64_t workers, batch_size, total, seed, queue_size; /* -1: unset */
  const char *workers_flag; /* "--workers" or "--numInsertionWorkers", for messages */
  const char *total_flag;   /* "--total", "-n" or "--number", for messages */
  int64_t instruction_budget; /* --instruction-budget: per call into Lua; -1 unset, 0 no limit */
  const char *now;        /* --now: the generation clock, ms or ISO-8601 */
  /* MongoDB targets and sources */
  const char *mode;       /* --mode insert|upsert|merge|delete (--upsertFields: upsert) */
  const char *keys;       /* --keys a,b: key fields for upsert/merge/delete */
  const char *upsert_fields; /* --upsertFields a,b: mongoimport's --mode upsert --keys a,b */
  const char *db;         /* --db / -d: the target database (mongoimport's) */
  const char *collection; /* --collection / -c: the target collection (mongoimport's) */
  int drop;               /* --drop: drop the target collection before the load */
  const char *write_concern; /* --write-concern majority|N */
  int ordered;            /* --ordered */
  int64_t retry_for_ms;   /* --retry-for DURATION: -1 unset, 0 no retries */
  const char *filter, *projection; /* --filter / --projection: Extended JSON */
  const char *copy_indexes; /* --copy-indexes before|after */
  int verify;             /* --verify */
  int verify_only;        /* --verify-only: check a previous migration, load nothing */
  const char *mgodatagen_collection; /* --mgodatagen-collection: the config's collection to
                                      * generate */
  /* documents that fail for good (sinks/dead_letter.h) */
  const char *dead_letter; /* --dead-letter FILE */
  const char *max_errors;  /* --max-errors N | P% */
  int stop_on_error;       /* --stopOnError */
  int dead_letter_duplicates; /* --dead-letter-duplicates */
  int dry_run, help, version;
  /* checkpoints */
  int resume;              /* --resume */
  const char *checkpoint;  /* --checkpoint FILE */
  int no_checkpoint;       /* --no-checkpoint */
  double checkpoint_every; /* --checkpoint-every S; 0: ASR_CHECKPOINT_INTERVAL_S */
  /* the run history (monitor/history.h) */
  const char *history;     /* --history FILE; NULL: the default */
  int no_history;          /* --no-history */
  int start_from_history;  /* --start-from-history */
  const char *metrics_listen; /* --metrics-listen ADDR:PORT: the metrics endpoint */
  int log_format_set;
  asr_log_format_t log_format;
  int verbosity;          /* -1 quiet, 0 normal, 1 verbose */
} asr_options_t;

#endif
