/* The history's commands and the run's use of it: `asrun history` (the listing), `asrun
 * recommend STRATEGY.lua`, `asrun report RUN-ID`, recording a finished run, and the starting
 * point of --start-from-history. Each opens the history file, does its part and closes it. */
#ifndef ASR_MONITOR_HISTORY_CMD_H
#define ASR_MONITOR_HISTORY_CMD_H

#include <stdint.h>
#include <stdio.h>

#include "monitor/history.h"

struct cJSON;

/* given (--history FILE) or the default path (history.h). */
int asr_history_resolve_path(const char *given, char *out, size_t n, asr_err_t *err);

/* A strategy as the history knows it: its absolute path and the hash of its bytes. */
typedef struct asr_history_strategy {
  char path[4096]; /* PATH_MAX on Linux, as realpath needs */
  char hash[ASR_HISTORY_HASH_LEN + 1];
} asr_history_strategy_t;
int asr_history_strategy_identify(const char *file, asr_history_strategy_t *out, asr_err_t *err);

/* `asrun history`: runs newest first, a table for people or (json) a JSON array. */
typedef struct asr_history_list_options {
  const char *history;  /* --history FILE; NULL: the default */
  const char *strategy; /* --strategy FILE: only its runs; NULL: all */
  int limit;            /* --limit N; 0: all */
  int json;             /* --json */
} asr_history_list_options_t;
int asr_history_cmd_list(const asr_history_list_options_t *o, FILE *out, asr_err_t *err);

/* `asrun recommend STRATEGY.lua`. */
int asr_history_cmd_recommend(const char *history, const char *strategy, FILE *out,
                              asr_err_t *err);

/* `asrun report RUN-ID`: the stored summary of run id rendered as an HTML page at html. */
int asr_history_cmd_report(const char *history, int64_t id, const char *html, asr_err_t *err);

/* --start-from-history: the recommended starting point of strategy. found 0 when the history
 * has no completed run of it (or cannot be read: *note says why). note: one line for the
 * plan. */
typedef struct asr_history_start {
  int found;
  uint32_t workers, batch_size;
  int64_t run_id;
  char note[256];
} asr_history_start_t;
void asr_history_start_point(const char *history, const char *strategy,
                             asr_history_start_t *start);

/* Records a finished run (history.h); the history file is created when missing. *id: the
 * run's id. */
int asr_history_record_run(const char *history, const asr_history_run_t *run,
                           const struct cJSON *summary, int64_t *id, char *path_out,
                           size_t path_n, asr_err_t *err);

#endif
