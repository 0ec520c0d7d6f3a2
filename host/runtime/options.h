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
  const char *source;     /* --source SPEC */
  const char *type;       /* --type jsonl|json|bson: the format of --source's file */
  const char *target;     /* --target URI */
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
  int64_t workers, batch_size, total, seed, queue_size; /* -1: unset */
  int64_t instruction_budget; /* --instruction-budget: per call into Lua; -1 unset, 0 no limit */
  const char *now;        /* --now: the generation clock, ms or ISO-8601 */
  /* MongoDB targets and sources */
  const char *mode;       /* --mode insert|upsert|merge|delete */
  const char *keys;       /* --keys a,b: key fields for upsert/merge/delete */
  const char *write_concern; /* --write-concern majority|N */
  int ordered;            /* --ordered */
  int64_t retry_for_ms;   /* --retry-for DURATION: -1 unset, 0 no retries */
  const char *filter, *projection; /* --filter / --projection: Extended JSON */
  const char *copy_indexes; /* --copy-indexes before|after */
  int verify;             /* --verify */
  int verify_only;        /* --verify-only: check a previous migration, load nothing */
  const char *collection; /* --collection: the mgodatagen config's collection to generate */
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
  const char *metrics_listen; /* --metrics-listen ADDR:PORT: the metrics endpoint */
  int log_format_set;
  asr_log_format_t log_format;
  int verbosity;          /* -1 quiet, 0 normal, 1 verbose */
} asr_options_t;

#endif
