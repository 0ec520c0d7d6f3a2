/* `asrun history`, `asrun recommend STRATEGY.lua`, `asrun report RUN-ID`: their command line
 * (monitor/history_cmd.h does the work). */
#ifndef ASR_CLI_HISTORY_ARGS_H
#define ASR_CLI_HISTORY_ARGS_H

#include <stdint.h>

#include "core/error.h"

typedef enum { ASR_HISTORY_LIST, ASR_HISTORY_RECOMMEND, ASR_HISTORY_REPORT } asr_history_command_t;

typedef struct asr_history_cli {
  asr_history_command_t command;
  const char *history;  /* --history FILE; NULL: the default */
  const char *strategy; /* history: --strategy FILE; recommend: the positional STRATEGY.lua */
  const char *output;   /* report: -o FILE.html; NULL: run-ID.html */
  int64_t run_id;       /* report: RUN-ID */
  int limit;            /* history: --limit N (0: all) */
  int json, help;
} asr_history_cli_t;

/* 1 if argv[1] names one of the history commands. */
int asr_history_cli_is_command(const char *arg);
/* argv[0] is the command's name. ASR_EINVAL with a message naming the bad option. */
int asr_history_cli_parse(int argc, char **argv, asr_history_cli_t *out, asr_err_t *err);
const char *asr_history_cli_usage(void);

#endif
