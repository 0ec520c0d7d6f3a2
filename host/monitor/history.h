/* The run history: a local SQLite database of past runs (their summary JSON, the columns a
 * listing needs, and the per-interval metrics of the summary's "series"), for `asrun history`,
 * `asrun recommend`, `asrun report RUN-ID` and --start-from-history. Several runs may finish at
 * once: WAL journal, a busy timeout, one IMMEDIATE transaction per run, retried while the
 * database is busy. The schema's version is PRAGMA user_version; a newer one is refused. */
#ifndef ASR_MONITOR_HISTORY_H
#define ASR_MONITOR_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define ASR_HISTORY_SCHEMA_VERSION 1
#define ASR_HISTORY_BUSY_TIMEOUT_MS 5000
#define ASR_HISTORY_HASH_LEN 16 /* hex digits of a strategy's hash */

struct cJSON;
typedef struct asr_history asr_history_t;

/* $XDG_STATE_HOME/asrun/history.sqlite, else $HOME/.local/state/asrun/history.sqlite.
 * ASR_EINVAL when neither variable is set (or the path does not fit in n). */
int asr_history_default_path(char *out, size_t n, asr_err_t *err);

typedef struct asr_history_open_options {
  int create;          /* create the file (and its directory) when missing; else ASR_EIO */
  int busy_timeout_ms; /* 0: ASR_HISTORY_BUSY_TIMEOUT_MS */
} asr_history_open_options_t;

/* Opens (and when asked creates) the history at path, in WAL mode, with the schema. A
 * database of a newer schema version is ASR_EINVAL naming both versions. */
int asr_history_open(const char *path, const asr_history_open_options_t *opt,
                     asr_history_t **out, asr_err_t *err);
void asr_history_close(asr_history_t *h);

/* What a run records besides its summary JSON (whose keys fill the other columns). */
typedef struct asr_history_run {
  const char *strategy_path; /* absolute; NULL: a --source run without a strategy */
  const char *strategy_hash; /* asr_history_hash_file's; NULL with strategy_path */
  const char *source_kind, *target_kind; /* "template", "jsonl", ... / "file", "sim", ... */
  uint32_t max_workers, max_batch_size;  /* the scaling limits (0: auto-scaling off) */
  int exit_code;
} asr_history_run_t;

/* Records one run in one transaction: the row, its summary, and a row per interval of the
 * summary's "series" (when it has one). *id: the run's id. ASR_EIO when the database stays
 * busy or cannot be written. */
int asr_history_record(asr_history_t *h, const asr_history_run_t *run,
                       const struct cJSON *summary, int64_t *id, asr_err_t *err);

/* One past run, as listed. */
typedef struct asr_history_entry {
  int64_t id;
  char started_at[40];       /* ISO-8601 UTC */
  char strategy_path[1024];  /* "" for a --source run */
  char strategy_hash[ASR_HISTORY_HASH_LEN + 1];
  char source_kind[32], target_kind[32];
  char profile[128], policy[128]; /* "" when auto-scaling was off */
  char status[16];                /* ok | failed | interrupted */
  int exit_code, auto_scaling;
  double docs, docs_per_second, duration_s, avg_cpu;
  uint64_t throttles, errors;
  uint32_t workers, batch_size;   /* at the end */
  uint32_t max_workers, max_batch_size;
  /* where the scaler settled: the workers and batch size held longest over the intervals
   * (the final ones when no intervals were recorded); held_s: how long */
  uint32_t held_workers, held_batch_size;
  double held_s;
} asr_history_entry_t;

typedef struct asr_history_query {
  const char *strategy_path; /* only this strategy's runs; NULL: all */
  int64_t id;                /* only this run; 0: all */
  int limit;                 /* at most this many, newest first; 0: no limit */
} asr_history_query_t;

/* A run's start for a table: "2026-01-02 03:04:05" (UTC, to the second). */
const char *asr_history_when(const asr_history_entry_t *e, char out[20]);

/* The matching runs, newest first (*out: caller frees; *n may be 0). */
int asr_history_list(asr_history_t *h, const asr_history_query_t *q, asr_history_entry_t **out,
                     size_t *n, asr_err_t *err);

/* The stored summary JSON of run id (*json: caller frees). ASR_EINVAL when there is no such
 * run. */
int asr_history_summary(asr_history_t *h, int64_t id, char **json, asr_err_t *err);

/* A strategy file's hash (FNV-1a 64 of its bytes, 16 hex digits), to tell its versions apart. */
int asr_history_hash_file(const char *path, char out[ASR_HISTORY_HASH_LEN + 1], asr_err_t *err);

#endif
