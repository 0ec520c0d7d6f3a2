/* The settings of one run, merged from defaults, the strategy and the command line (the
 * command line wins), and the scaler's settings: profile < environment < strategy < flags. */
#ifndef ASR_RUNTIME_CONFIG_H
#define ASR_RUNTIME_CONFIG_H

#include <stdint.h>

#include "runtime/options.h"
#include "lua/strategy.h"
#include "scaler/settings.h"
#include "sinks/dead_letter.h"
#include "sinks/sink.h"
#include "sources/source.h"

/* A random seed is below 2^53: JSON and Lua numbers hold it exactly. */
#define ASR_RANDOM_SEED_MASK ((UINT64_C(1) << 53) - 1)
#define ASR_DEFAULT_OUT_DIR "out"

/* Where the run's seed came from: the plan and the summary say it, and how to pin it. */
typedef enum asr_seed_origin {
  ASR_SEED_RANDOM,     /* drawn for this run (a generation) */
  ASR_SEED_GIVEN,      /* --seed */
  ASR_SEED_STRATEGY,   /* the strategy's seed */
  ASR_SEED_CHECKPOINT, /* --resume: the interrupted run's (drawn or given then) */
  ASR_SEED_DERIVED,    /* a migration's: from what it reads, the same on every re-run */
} asr_seed_origin_t;

typedef struct asr_config {
  char *name;
  asr_source_spec_t source;
  char *target;             /* URI */
  int target_is_default;    /* the embedded default: file:out/NAME.jsonl */
  int json_format;          /* asr_ejson_mode_t: how JSON targets write (relaxed default) */
  uint32_t workers, batch_size, queue_capacity;
  uint64_t seed;
  asr_seed_origin_t seed_origin;
  char *profile;
  int auto_scaling;
  asr_scaling_settings_t scaling; /* profile < AUTO_SCALING_* < strategy < command line */
  char *policy;             /* a built-in name or a .lua file; NULL: the strategy's table */
  const char *policy_origin;/* which layer named it, for messages: "--policy", ... */
  char *summary_json;       /* --summary-json FILE */
  char *report_html;        /* --report FILE.html */
  double tick_interval;
  long long instruction_budget; /* per call into Lua (0: no limit): flag > strategy > default */
  int dry_run;
  /* MongoDB targets */
  char *target_database, *target_collection;
  int write_mode;           /* asr_write_mode_t */
  char **keys;              /* key fields (NULL: _id) */
  size_t nkeys;
  int ordered;
  char *write_concern;
  int verify;
  char *copy_indexes;       /* NULL, "before" or "after" */
  int drop;                 /* --drop: the target collection is dropped before the load */
  /* MongoDB sources and targets: how long a batch's failed reads and writes are retried from
   * its first failure (--retry-for > strategy retry_for > ASR_RETRY_FOR_DEFAULT_MS);
   * 0: no retries. cfg->source.retry_for_ms holds the same budget for the source. */
  int64_t retry_for_ms;
  /* documents that fail for good */
  char *dead_letter;        /* --dead-letter FILE; NULL: the default beside the output
                             * (runtime/outputs.c resolves it once the target is open) */
  asr_error_budget_t error_budget; /* --max-errors, --stopOnError */
  int dead_letter_duplicates;
  /* --start-from-history: where the starting workers and batch size came from, for the plan
   * ("" when not asked) */
  char history_start[320];
  /* An insert-mode load into a MongoDB collection that already held documents (no --drop,
   * no resume): the warning asr_db_checks_before_load gave, for the summary ("" when none) */
  char target_warning[768];
} asr_config_t;

/* 1 when the source makes its documents from the seed (a template, an mgodatagen config),
 * 0 when it reads them (a migration: files, standard input, MongoDB). */
int asr_config_source_generates(const asr_source_spec_t *source);

/* strategy may be NULL (a --source run). Returns 0 or ASR_EINVAL. */
int asr_config_build(const asr_options_t *cli, const asr_strategy_t *strategy, asr_config_t *cfg,
                     asr_err_t *err);
void asr_config_free(asr_config_t *cfg);
/* The sink's options as the settings give them (the run adds its governor and dead letters). */
void asr_config_sink_options(const asr_config_t *cfg, asr_sink_options_t *opt);
/* --start-from-history: the workers and batch size `asrun recommend` suggests from the
 * strategy's past runs (--workers and --batch-size win), and cfg->history_start saying where
 * they came from. 0, or ASR_EINVAL without a strategy. */
int asr_config_start_from_history(asr_config_t *cfg, const asr_options_t *cli,
                                  const asr_strategy_t *strategy, asr_err_t *err);

#endif
