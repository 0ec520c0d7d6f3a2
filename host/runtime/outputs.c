#include "runtime/outputs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sources/source.h"
#include "util/log.h"
#include "util/path.h"
#include "util/stdout_data.h"

/* The directory of an output the run writes at its end (--summary-json) or maybe (the dead
 * letters) must exist and be writable before anything runs. */
static int check_writable(const char *path, const char *what, asr_err_t *err) {
  const char *slash = strrchr(path, '/');
  char dir[1024];
  snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) + (slash == path) : 1,
           slash ? path : ".");
  if (access(dir, W_OK) != 0)
    return asr_err_set(err, ASR_EINVAL, "%s: cannot write to directory %s: %s", what, dir,
                       strerror(errno));
  return 0;
}

/* --dead-letter's directory must be writable; the default's only matters if a document fails,
 * so an unwritable one (a read-only working directory) is a warning. */
static int check_dead_letter_dir(const asr_config_t *cfg, const asr_options_t *cli,
                                 asr_err_t *err) {
  asr_err_t dir_err;
  asr_err_clear(&dir_err);
  if (!check_writable(cfg->dead_letter, "--dead-letter", &dir_err)) return 0;
  if (cli->dead_letter) return asr_err_set(err, dir_err.code, "%s", dir_err.msg);
  asr_log_warn("run.dead_letter", "dead letters would go to %s, which cannot be created (%s); "
               "give --dead-letter FILE", cfg->dead_letter, dir_err.msg);
  return 0;
}

int asr_outputs_check_dirs(const asr_config_t *cfg, const asr_options_t *cli, asr_err_t *err) {
  int rc = 0;
  if (cfg->summary_json && (rc = check_writable(cfg->summary_json, "--summary-json", err)))
    return rc;
  if (cfg->report_html && (rc = check_writable(cfg->report_html, "--report", err)))
    return rc;
  if (!cfg->dry_run && (rc = check_dead_letter_dir(cfg, cli, err))) return rc;
  return 0;
}

/* OUT.dead.jsonl beside a file target (out/orders.jsonl → out/orders.dead.jsonl),
 * DB.COLLECTION.dead.jsonl here for MongoDB, NAME.dead.jsonl here for the others. */
static char *default_dead_letter_path(const asr_config_t *cfg, const asr_sink_t *sink) {
  const char *scheme = sink->vt->scheme, *loc = sink->location;
  char *path = NULL;
  int n = -1;
  if (strcmp(scheme, "file") == 0 && loc && !asr_sink_target_is_stdout(cfg->target)) {
    const char *slash = strrchr(loc, '/'), *dot = strrchr(loc, '.');
    size_t len = dot && dot > (slash ? slash + 1 : loc) ? (size_t)(dot - loc) : strlen(loc);
    n = asprintf(&path, "%.*s.dead.jsonl", (int)len, loc);
  } else if (strcmp(scheme, "mongodb") == 0 && loc && strrchr(loc, '/')) {
    n = asprintf(&path, "%s.dead.jsonl", strrchr(loc, '/') + 1);
  } else {
    n = asprintf(&path, "%s.dead.jsonl", cfg->name);
  }
  return n < 0 ? NULL : path;
}

/* The dead letters' file: --dead-letter, else the default for the open target. */
int asr_outputs_resolve_dead_letter(asr_config_t *cfg, const asr_sink_t *sink,
                                    asr_dead_letter_t *dl, asr_err_t *err) {
  if (!cfg->dead_letter && !(cfg->dead_letter = default_dead_letter_path(cfg, sink)))
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  return asr_dead_letter_set_path(dl, cfg->dead_letter, err);
}

/* Every file the run reads or writes, checked to be distinct before anything opens: a name
 * given twice (--summary-json naming the output, a target naming the source) would destroy
 * a file. Add new files of a run (checkpoint, dead letters, report) to the list. */
int asr_outputs_check_distinct_files(const asr_config_t *cfg, const asr_options_t *cli,
                                     const char *strategy_path, const char *checkpoint,
                                     asr_err_t *err) {
  int db_source = cfg->source.kind && strcmp(cfg->source.kind, "mongodb") == 0;
  const char *target = asr_sink_file_path(cfg->target);
  int stream = asr_sink_target_stream(cfg->target) != NULL; /* written in place */
  if (asr_sink_target_is_stdout(cfg->target)) target = NULL; /* no file */
  char *partial = NULL;
  if (target && !stream && asprintf(&partial, "%s" ASR_PARTIAL_SUFFIX, target) < 0)
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  const asr_file_role_t files[] = {
      {"the strategy", strategy_path},
      {"the source", db_source || asr_source_spec_reads_once(&cfg->source) ? NULL
                                                                         : cfg->source.path},
      {"the target", target},
      {"the target's temporary file", partial},
      {"--summary-json", cfg->summary_json},
      {"--report", cfg->report_html},
      {"--history", cli->no_history ? NULL : cli->history},
      {"the checkpoint", checkpoint},
      {"the dead letters", cfg->dead_letter}, /* the default once it is resolved */
  };
  int rc = asr_paths_check_distinct(files, sizeof files / sizeof files[0], err);
  free(partial);
  return rc;
}

int asr_outputs_claim_stdout(const char *target, asr_err_t *err) {
  int e = target && asr_sink_target_is_stdout(target) ? asr_stdout_claim() : 0;
  if (e) return asr_err_set(err, ASR_EIO, "cannot set standard output aside for the documents: %s",
                            strerror(e));
  return 0;
}
