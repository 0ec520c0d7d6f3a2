/* asrun command-line entry point: parse, configure logging, run, map the result to an exit
 * code. Everything else lives in runtime/. */
#include <stdio.h>

#include <string.h>

#include "cli/args.h"
#include "cli/history_args.h"
#include "cli/lab_args.h"
#include "monitor/history_cmd.h"
#include "runtime/run.h"
#include "util/log.h"

/* `asrun lab ...`: the policy lab (lab/lab.h). */
static int lab_main(int argc, char **argv) {
  asr_lab_cli_t cli;
  asr_err_t err;
  asr_err_clear(&err);
  if (asr_lab_cli_parse(argc, argv, &cli, &err) != 0) {
    fprintf(stderr, "asrun: %s\n%s", err.msg, asr_lab_cli_usage());
    return ASR_EXIT_USAGE;
  }
  if (cli.help) {
    fputs(asr_lab_cli_usage(), stdout);
    return ASR_EXIT_OK;
  }
  /* a lab runs thousands of decisions: their log lines only when asked for */
  asr_log_configure(cli.verbose ? ASR_LOG_INFO : ASR_LOG_ERROR, ASR_LOG_TEXT);
  int rc = asr_lab_run(&cli.lab, &err);
  if (rc == 0) return ASR_EXIT_OK;
  asr_log_error("lab.failed", "%s", err.msg);
  return asr_err_exit_code(rc);
}

/* `asrun history | recommend | report ...`: the run history (monitor/history_cmd.h). */
static int history_main(int argc, char **argv) {
  asr_history_cli_t cli;
  asr_err_t err;
  asr_err_clear(&err);
  if (asr_history_cli_parse(argc, argv, &cli, &err) != 0) {
    fprintf(stderr, "asrun: %s\n%s", err.msg, asr_history_cli_usage());
    return ASR_EXIT_USAGE;
  }
  if (cli.help) {
    fputs(asr_history_cli_usage(), stdout);
    return ASR_EXIT_OK;
  }
  asr_log_configure(ASR_LOG_INFO, ASR_LOG_TEXT);
  int rc = 0;
  if (cli.command == ASR_HISTORY_LIST) {
    asr_history_list_options_t o = {cli.history, cli.strategy, cli.limit, cli.json};
    rc = asr_history_cmd_list(&o, stdout, &err);
  } else if (cli.command == ASR_HISTORY_RECOMMEND) {
    rc = asr_history_cmd_recommend(cli.history, cli.strategy, stdout, &err);
  } else {
    char html[64];
    snprintf(html, sizeof html, "run-%lld.html", (long long)cli.run_id);
    rc = asr_history_cmd_report(cli.history, cli.run_id, cli.output ? cli.output : html, &err);
  }
  fflush(stdout);
  if (rc == 0) return ASR_EXIT_OK;
  asr_log_error("history.failed", "%s", err.msg);
  return asr_err_exit_code(rc);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "lab") == 0) return lab_main(argc - 1, argv + 1);
  if (argc > 1 && asr_history_cli_is_command(argv[1])) return history_main(argc - 1, argv + 1);
  asr_options_t cli;
  asr_err_t err;
  asr_err_clear(&err);
  if (asr_cli_parse(argc, argv, &cli, &err) != 0) {
    fprintf(stderr, "asrun: %s\nTry 'asrun --help'.\n", err.msg);
    return ASR_EXIT_USAGE;
  }
  if (cli.help) {
    fputs(asr_cli_usage(), stdout);
    return ASR_EXIT_OK;
  }
  if (cli.version) {
    printf("asrun %s\n", ASR_VERSION);
    return ASR_EXIT_OK;
  }
  if (!cli.strategy && !cli.source) {
    fprintf(stderr, "asrun: no strategy file or --source given\n%s", asr_cli_usage());
    return ASR_EXIT_USAGE;
  }
  asr_log_level_t level = cli.verbosity < 0 ? ASR_LOG_ERROR
                          : cli.verbosity > 0 ? ASR_LOG_DEBUG : ASR_LOG_INFO;
  asr_log_configure(level, cli.log_format_set ? cli.log_format : ASR_LOG_TEXT);
  int rc = asr_run(&cli, &err);
  if (rc == 0) return ASR_EXIT_OK;
  if (rc == ASR_ECANCELED) {
    asr_log_warn("run.interrupted", "%s", err.msg);
    return ASR_EXIT_INTERRUPTED;
  }
  asr_log_error("run.failed", "%s", err.msg);
  return asr_err_exit_code(rc);
}
