/* The history's commands (history_cmd.h): open, query, print, close. */
#include "monitor/history_cmd.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/recommend.h"

int asr_history_resolve_path(const char *given, char *out, size_t n, asr_err_t *err) {
  if (!given) return asr_history_default_path(out, n, err);
  if ((size_t)snprintf(out, n, "%s", given) >= n)
    return asr_err_set(err, ASR_EINVAL, "--history: path too long: %s", given);
  return 0;
}

int asr_history_strategy_identify(const char *file, asr_history_strategy_t *out,
                                  asr_err_t *err) {
  if (!realpath(file, out->path))
    return asr_err_set(err, ASR_EIO, "cannot read strategy %s: %s", file, strerror(errno));
  return asr_history_hash_file(out->path, out->hash, err);
}

static int open_existing(const char *given, asr_history_t **h, asr_err_t *err) {
  char path[1024];
  if (asr_history_resolve_path(given, path, sizeof path, err)) return ASR_EINVAL;
  asr_history_open_options_t opt = {.create = 0};
  return asr_history_open(path, &opt, h, err);
}

/* ---- asrun history ---- */

static const char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

static void outcome(const asr_history_entry_t *e, char *out, size_t n) {
  if (e->exit_code) snprintf(out, n, "%s (exit %d)", e->status, e->exit_code);
  else snprintf(out, n, "%s", e->status);
}

static void print_table(FILE *out, const asr_history_entry_t *runs, size_t n) {
  fprintf(out, "%5s  %-19s  %-24s  %12s  %10s  %-12s  %-13s  %s\n", "RUN", "WHEN (UTC)", "STRATEGY",
          "DOCUMENTS", "DOCS/S", "PROFILE", "WORKERS/BATCH", "OUTCOME");
  for (size_t i = 0; i < n; i++) {
    const asr_history_entry_t *e = &runs[i];
    char wb[32], result[48], when[20];
    snprintf(wb, sizeof wb, "%u/%u", e->workers, e->batch_size);
    outcome(e, result, sizeof result);
    fprintf(out, "%5lld  %-19s  %-24s  %12.0f  %10.0f  %-12s  %-13s  %s\n", (long long)e->id,
            asr_history_when(e, when), e->strategy_path[0] ? base_name(e->strategy_path) : "(--source)",
            e->docs, e->docs_per_second, e->auto_scaling ? e->profile : "(fixed)", wb, result);
  }
}

static void add_str_or_null(cJSON *o, const char *key, const char *s) {
  if (s && s[0]) cJSON_AddStringToObject(o, key, s);
  else cJSON_AddNullToObject(o, key);
}

static cJSON *entry_json(const asr_history_entry_t *e) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "id", (double)e->id);
  cJSON_AddStringToObject(o, "started_at", e->started_at);
  add_str_or_null(o, "strategy", e->strategy_path);
  add_str_or_null(o, "strategy_hash", e->strategy_hash);
  add_str_or_null(o, "source", e->source_kind);
  add_str_or_null(o, "target", e->target_kind);
  cJSON_AddBoolToObject(o, "auto_scaling", e->auto_scaling);
  add_str_or_null(o, "profile", e->profile);
  add_str_or_null(o, "policy", e->policy);
  cJSON_AddNumberToObject(o, "docs", e->docs);
  cJSON_AddNumberToObject(o, "docs_per_second", e->docs_per_second);
  cJSON_AddNumberToObject(o, "duration_s", e->duration_s);
  cJSON_AddNumberToObject(o, "workers", e->workers);
  cJSON_AddNumberToObject(o, "batch_size", e->batch_size);
  cJSON_AddNumberToObject(o, "settled_workers", e->held_workers);
  cJSON_AddNumberToObject(o, "settled_batch_size", e->held_batch_size);
  cJSON_AddNumberToObject(o, "throttles", (double)e->throttles);
  cJSON_AddNumberToObject(o, "errors", (double)e->errors);
  cJSON_AddStringToObject(o, "status", e->status);
  cJSON_AddNumberToObject(o, "exit_code", e->exit_code);
  return o;
}

static int print_json(FILE *out, const asr_history_entry_t *runs, size_t n, asr_err_t *err) {
  cJSON *list = cJSON_CreateArray();
  for (size_t i = 0; list && i < n; i++) cJSON_AddItemToArray(list, entry_json(&runs[i]));
  char *text = list ? cJSON_Print(list) : NULL;
  cJSON_Delete(list);
  if (!text) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  fprintf(out, "%s\n", text);
  free(text);
  return 0;
}

int asr_history_cmd_list(const asr_history_list_options_t *o, FILE *out, asr_err_t *err) {
  asr_history_strategy_t strategy;
  if (o->strategy && asr_history_strategy_identify(o->strategy, &strategy, err)) return ASR_EIO;
  char path[1024];
  if (asr_history_resolve_path(o->history, path, sizeof path, err)) return ASR_EINVAL;
  if (access(path, F_OK) != 0 && errno == ENOENT) { /* nothing recorded yet: no runs */
    if (o->json) fprintf(out, "[]\n");
    else fprintf(out, "No runs recorded yet: %s does not exist (every run records there unless "
                 "--no-history).\n", path);
    return 0;
  }
  asr_history_t *h;
  int rc = open_existing(path, &h, err);
  if (rc) return rc;
  asr_history_query_t q = {.strategy_path = o->strategy ? strategy.path : NULL, .limit = o->limit};
  asr_history_entry_t *runs;
  size_t n;
  rc = asr_history_list(h, &q, &runs, &n, err);
  asr_history_close(h);
  if (rc) return rc;
  if (o->json) rc = print_json(out, runs, n, err);
  else if (n == 0) fprintf(out, "No runs recorded%s.\n", o->strategy ? " for this strategy" : "");
  else print_table(out, runs, n);
  free(runs);
  return rc;
}

/* ---- asrun recommend ---- */

/* The strategy's runs (none when the history does not exist yet). */
static int strategy_runs(const char *history, const asr_history_strategy_t *s,
                         asr_history_entry_t **runs, size_t *n, asr_err_t *err) {
  *runs = NULL;
  *n = 0;
  char path[1024];
  if (asr_history_resolve_path(history, path, sizeof path, err)) return ASR_EINVAL;
  asr_history_t *h;
  asr_history_open_options_t opt = {.create = 0};
  if (access(path, F_OK) != 0) return 0;
  int rc = asr_history_open(path, &opt, &h, err);
  if (rc) return rc;
  asr_history_query_t q = {.strategy_path = s->path};
  rc = asr_history_list(h, &q, runs, n, err);
  asr_history_close(h);
  return rc;
}

int asr_history_cmd_recommend(const char *history, const char *strategy, FILE *out,
                              asr_err_t *err) {
  asr_history_strategy_t s;
  if (asr_history_strategy_identify(strategy, &s, err)) return ASR_EIO;
  asr_history_entry_t *runs;
  size_t n;
  int rc = strategy_runs(history, &s, &runs, &n, err);
  if (rc) return rc;
  asr_recommendation_t rec;
  asr_recommend(runs, n, s.hash, &rec);
  asr_recommend_print(out, strategy, runs, n, s.hash, &rec);
  free(runs);
  return 0;
}

void asr_history_start_point(const char *history, const char *strategy,
                             asr_history_start_t *start) {
  memset(start, 0, sizeof *start);
  asr_err_t err;
  asr_err_clear(&err);
  asr_history_strategy_t s;
  asr_history_entry_t *runs = NULL;
  size_t n = 0;
  if (asr_history_strategy_identify(strategy, &s, &err) ||
      strategy_runs(history, &s, &runs, &n, &err)) {
    snprintf(start->note, sizeof start->note, "no start from history (%.200s)", err.msg);
    return;
  }
  asr_recommendation_t rec;
  asr_recommend(runs, n, s.hash, &rec);
  if (rec.found) {
    start->found = 1;
    start->workers = rec.workers;
    start->batch_size = rec.batch_size;
    start->run_id = rec.best->id;
    snprintf(start->note, sizeof start->note, "workers %u, batch size %u from run %lld (%.0f "
             "docs/s%s)", rec.workers, rec.batch_size, (long long)rec.best->id,
             rec.best->docs_per_second, rec.clean ? ", clean" : ", throttled or with errors");
  } else {
    snprintf(start->note, sizeof start->note, "no completed run of this strategy is recorded: "
             "the usual starting point");
  }
  free(runs);
}

int asr_history_record_run(const char *history, const asr_history_run_t *run,
                           const cJSON *summary, int64_t *id, char *path_out, size_t path_n,
                           asr_err_t *err) {
  if (asr_history_resolve_path(history, path_out, path_n, err)) return ASR_EINVAL;
  asr_history_t *h;
  asr_history_open_options_t opt = {.create = 1};
  int rc = asr_history_open(path_out, &opt, &h, err);
  if (rc) return rc;
  rc = asr_history_record(h, run, summary, id, err);
  asr_history_close(h);
  return rc;
}
