/* Parsing the history commands' options with getopt_long (history_args.h). */
#include "cli/history_args.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const struct option history_options[] = {
    {"history", required_argument, NULL, 'H'}, {"limit", required_argument, NULL, 'n'},
    {"strategy", required_argument, NULL, 's'}, {"json", no_argument, NULL, 'j'},
    {"output", required_argument, NULL, 'o'},  {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

const char *asr_history_cli_usage(void) {
  return "Usage: asrun history [--history FILE] [--limit N] [--strategy FILE] [--json]\n"
         "       asrun recommend STRATEGY.lua [--history FILE]\n"
         "       asrun report RUN-ID [--history FILE] [-o FILE.html]\n"
         "Every run but a dry run (or one with --no-history) is recorded in the run history.\n"
         "  history     lists past runs, newest first: id, when, strategy, documents, docs/s,\n"
         "              profile, final workers and batch size, outcome\n"
         "  recommend   suggests a profile, a policy and the workers and batch size to start\n"
         "              at from the strategy's past runs, with the runs it read (run with\n"
         "              --start-from-history to start there)\n"
         "  report      writes the HTML report of a past run\n"
         "  --history FILE   the history database (default:\n"
         "                   $XDG_STATE_HOME/asrun/history.sqlite, else\n"
         "                   ~/.local/state/asrun/history.sqlite)\n"
         "  --limit N        history: at most N runs\n"
         "  --strategy FILE  history: only this strategy's runs\n"
         "  --json           history: a JSON array instead of a table\n"
         "  -o, --output FILE.html   report: where the page goes (default: run-ID.html)\n";
}

int asr_history_cli_is_command(const char *arg) {
  return strcmp(arg, "history") == 0 || strcmp(arg, "recommend") == 0 ||
         strcmp(arg, "report") == 0;
}

static int parse_positive(const char *what, const char *s, int64_t *out, asr_err_t *err) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end || v < 1)
    return asr_err_set(err, ASR_EINVAL, "%s: expected a positive integer, got '%s'", what, s);
  *out = v;
  return 0;
}

/* The options each command takes. */
static int allowed(asr_history_command_t cmd, int c) {
  switch (c) {
  case 'H': case 'h': return 1;
  case 'n': case 's': case 'j': return cmd == ASR_HISTORY_LIST;
  case 'o': return cmd == ASR_HISTORY_REPORT;
  default: return 0;
  }
}

static int apply(asr_history_cli_t *out, int c, const char *arg, asr_err_t *err) {
  int64_t v;
  switch (c) {
  case 'H': out->history = arg; return 0;
  case 'n':
    if (parse_positive("--limit", arg, &v, err)) return ASR_EINVAL;
    out->limit = v > 1000000 ? 1000000 : (int)v;
    return 0;
  case 's': out->strategy = arg; return 0;
  case 'j': out->json = 1; return 0;
  case 'o': out->output = arg; return 0;
  case 'h': out->help = 1; return 0;
  default: return 0;
  }
}

/* The positional argument: recommend's strategy, report's run id. */
static int positional(asr_history_cli_t *out, const char *name, int argc, char **argv,
                      asr_err_t *err) {
  int want = out->command != ASR_HISTORY_LIST;
  if (optind + want < argc)
    return asr_err_set(err, ASR_EINVAL, "%s: unexpected argument '%s'", name, argv[optind + want]);
  if (!want || out->help) return 0;
  if (optind >= argc)
    return asr_err_set(err, ASR_EINVAL, "%s: expected %s", name,
                       out->command == ASR_HISTORY_REPORT ? "a RUN-ID (asrun history lists them)"
                                                          : "a STRATEGY.lua");
  if (out->command == ASR_HISTORY_RECOMMEND) {
    out->strategy = argv[optind];
    return 0;
  }
  return parse_positive("report: RUN-ID", argv[optind], &out->run_id, err);
}

int asr_history_cli_parse(int argc, char **argv, asr_history_cli_t *out, asr_err_t *err) {
  memset(out, 0, sizeof *out);
  const char *name = argv[0];
  out->command = strcmp(name, "recommend") == 0 ? ASR_HISTORY_RECOMMEND
                 : strcmp(name, "report") == 0  ? ASR_HISTORY_REPORT
                                                : ASR_HISTORY_LIST;
  optind = 1;
  opterr = 0;
  int c, rc = 0;
  /* GNU getopt permutes: the positional may come before or after the options */
  while (rc == 0 && (c = getopt_long(argc, argv, ":o:h", history_options, NULL)) != -1) {
    if (c == ':')
      rc = asr_err_set(err, ASR_EINVAL, "%s: option %s needs a value", name, argv[optind - 1]);
    else if (c == '?' || !allowed(out->command, c))
      rc = asr_err_set(err, ASR_EINVAL, "%s: unknown option %s", name, argv[optind - 1]);
    else
      rc = apply(out, c, optarg, err);
  }
  return rc ? rc : positional(out, name, argc, argv, err);
}
