#include "runtime/report.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "lua/hooks.h"
#include "metrics/series.h"
#include "monitor/history_cmd.h"
#include "monitor/report_html.h"
#include "runtime/plan.h"
#include "sinks/dead_letter.h"
#include "sinks/mongo.h"
#include "util/file.h"
#include "util/log.h"

static void num(cJSON *o, const char *k, double v) {
  cJSON_AddNumberToObject(o, k, isfinite(v) ? round(v * 1000) / 1000 : 0);
}

static void str(cJSON *o, const char *k, const char *v) {
  if (v) cJSON_AddStringToObject(o, k, v);
}

/* "1000 read + 0 fanned out = 990 written + 5 dead-lettered + 5 dropped by transform + 0
 * duplicates" */
static void balance_text(const asr_run_summary_t *s, char *out, size_t n) {
  snprintf(out, n, "%llu read + %llu fanned out = %llu written + %llu dead-lettered + %llu "
           "dropped by transform + %llu duplicates", (unsigned long long)s->docs_read,
           (unsigned long long)s->docs_fanned_out, (unsigned long long)s->docs_written,
           (unsigned long long)s->dead_lettered, (unsigned long long)s->docs_dropped,
           (unsigned long long)s->duplicates);
}

static void add_totals(cJSON *o, const asr_run_summary_t *s) {
  num(o, "docs_read", (double)s->docs_read);
  num(o, "docs_written", (double)s->docs_written);
  num(o, "docs_dropped", (double)s->docs_dropped);
  num(o, "batches", (double)s->batches);
  num(o, "bytes_written", (double)s->bytes_written);
  num(o, "duration_s", s->duration_s);
  num(o, "docs_per_second", s->docs_per_second);
  num(o, "avg_docs_per_second", s->docs_per_second); /* the brief's name for the same figure */
  num(o, "duplicates", (double)s->duplicates);
  num(o, "failed", (double)s->failed);
  num(o, "errors", (double)s->failed);
  num(o, "throttles", (double)s->throttles);
  num(o, "retries", (double)s->retries);
  num(o, "dead_lettered", (double)s->dead_lettered);
  num(o, "dead_lettered_before", (double)s->dead_lettered_before);
  num(o, "docs_read_before", (double)s->docs_read_before);
  num(o, "docs_fanned_out", (double)s->docs_fanned_out);
  cJSON_AddBoolToObject(o, "balanced", s->balanced);
  char text[256];
  balance_text(s, text, sizeof text);
  str(o, "balance", text);
  str(o, "dead_letter_file", s->dead_letter_file);
  if (s->dead_lettered + s->dead_lettered_before)
    cJSON_AddBoolToObject(o, "dead_letters_allowed", s->dead_letters_allowed);
  cJSON_AddBoolToObject(o, "load_complete", s->load_complete);
  str(o, "hint", s->hint);
  if (s->already_present[0]) str(o, "warning", s->already_present);
  if (s->already_present[0] || (s->target_warning && s->target_warning[0])) {
    cJSON *list = cJSON_AddArrayToObject(o, "warnings");
    if (list && s->target_warning && s->target_warning[0])
      cJSON_AddItemToArray(list, cJSON_CreateString(s->target_warning));
    if (list && s->already_present[0])
      cJSON_AddItemToArray(list, cJSON_CreateString(s->already_present));
  }
  char seed[24];
  snprintf(seed, sizeof seed, "%llu", (unsigned long long)s->seed);
  str(o, "seed", seed);
  str(o, "seed_origin", s->seed_origin);
  if (s->seed_text[0]) str(o, "seed_text", s->seed_text);
  if (s->clock[0]) str(o, "clock", s->clock);
  str(o, "checkpoint", s->checkpoint);
  cJSON_AddBoolToObject(o, "resumed", s->resumed);
  num(o, "docs_written_before", (double)s->docs_written_before);
}

static void add_metrics(cJSON *o, const asr_metrics_totals_t *m) {
  num(o, "peak_docs_per_second", m->peak_docs_per_second);
  num(o, "avg_cpu_usage", m->avg_cpu_percent);
  num(o, "peak_cpu_usage", m->peak_cpu_percent);
  num(o, "avg_system_cpu_usage", m->avg_system_cpu_percent);
  num(o, "peak_system_cpu_usage", m->peak_system_cpu_percent);
  num(o, "avg_memory_usage", m->avg_memory_percent);
  num(o, "peak_memory_usage", m->peak_memory_percent);
  num(o, "avg_rss_bytes", m->avg_rss_bytes);
  num(o, "peak_rss_bytes", (double)m->peak_rss_bytes);
  num(o, "latency_p50_ms", m->latency_p50_ms);
  num(o, "latency_p95_ms", m->latency_p95_ms);
  num(o, "latency_p99_ms", m->latency_p99_ms);
  num(o, "request_units", m->request_charge);
  num(o, "metric_samples", (double)m->samples);
}

static cJSON *decision_json(const asr_scaling_record_t *r) {
  cJSON *d = cJSON_CreateObject();
  num(d, "t", r->t);
  str(d, "action", r->action);
  str(d, "reason", r->reason);
  num(d, "confidence", r->confidence);
  num(d, "docs_per_second", r->docs_per_second);
  num(d, "workers_adjustment", (double)r->workers_delta);
  num(d, "batch_size_adjustment", (double)r->batch_delta);
  cJSON_AddBoolToObject(d, "applied", r->applied);
  num(d, "workers_from", r->workers_from);
  num(d, "workers_to", r->workers_to);
  num(d, "batch_size_from", r->batch_from);
  num(d, "batch_size_to", r->batch_to);
  if (r->emergency) cJSON_AddBoolToObject(d, "emergency", 1);
  if (r->policy_failed) cJSON_AddBoolToObject(d, "policy_failed", 1);
  if (r->note[0]) str(d, "note", r->note);
  return d;
}

static void add_scaling(cJSON *o, const asr_run_summary_t *s) {
  cJSON_AddBoolToObject(o, "auto_scaling", s->auto_scaling);
  str(o, "profile", s->profile);
  const asr_scaling_report_t *r = s->scaling;
  num(o, "scaling_decisions_count", r ? (double)r->decisions : 0);
  num(o, "scaling_changes_applied", r ? (double)r->applied : 0);
  if (!r) return;
  str(o, "policy", r->policy);
  num(o, "policy_failures", (double)r->policy_failures);
  num(o, "policy_fallbacks", (double)r->fallbacks);
  if (r->decisions > r->nrecords) /* the list keeps the first ASR_CONTROLLER_MAX_RECORDS */
    cJSON_AddBoolToObject(o, "decisions_truncated", 1);
  cJSON *list = cJSON_AddArrayToObject(o, "decisions");
  for (size_t i = 0; list && i < r->nrecords; i++)
    cJSON_AddItemToArray(list, decision_json(&r->records[i]));
}

/* Unix seconds → "2026-12-07T13:39:54.123Z" (omitted when not known). */
static void add_time(cJSON *o, const char *key, double unix_s) {
  if (!(unix_s > 0)) return;
  time_t whole = (time_t)unix_s;
  int ms = (int)((unix_s - (double)whole) * 1000);
  struct tm tm;
  char day[32], text[48];
  if (!gmtime_r(&whole, &tm) || !strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm)) return;
  snprintf(text, sizeof text, "%s.%03dZ", day, ms > 999 ? 999 : ms);
  cJSON_AddStringToObject(o, key, text);
}

static void add_identity(cJSON *o, const asr_run_summary_t *s) {
  add_time(o, "started_at", s->started_at);
  add_time(o, "ended_at", s->ended_at);
  str(o, "version", ASR_VERSION);
}

static double rounded(double v) {
  return isfinite(v) ? round(v * 1000) / 1000 : 0;
}

static cJSON *series_row(const asr_metrics_snapshot_t *p) {
  cJSON *row = cJSON_CreateArray();
#define ASR_SERIES_CELL(field) cJSON_AddItemToArray(row, cJSON_CreateNumber(rounded((double)p->field)));
  if (row) { ASR_SUMMARY_SERIES_COLUMNS(ASR_SERIES_CELL) }
#undef ASR_SERIES_CELL
  return row;
}

/* "series": the columns once, then one row per point, oldest first. */
static void add_series(cJSON *o, const asr_series_t *series) {
  cJSON *s = cJSON_AddObjectToObject(o, "series");
  if (!s) return;
  num(s, "stride", series ? (double)asr_series_stride(series) : 1);
  cJSON *columns = cJSON_AddArrayToObject(s, "columns");
#define ASR_SERIES_NAME(field) cJSON_AddItemToArray(columns, cJSON_CreateString(#field));
  if (columns) { ASR_SUMMARY_SERIES_COLUMNS(ASR_SERIES_NAME) }
#undef ASR_SERIES_NAME
  cJSON *rows = cJSON_AddArrayToObject(s, "rows");
  size_t n = series ? asr_series_len(series) : 0;
  for (size_t i = 0; rows && i < n; i++)
    cJSON_AddItemToArray(rows, series_row(asr_series_at(series, i)));
}

cJSON *asr_summary_json(const asr_run_summary_t *s) {
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  str(o, "status", s->status);
  str(o, "error", s->error);
  str(o, "output", s->output);
  add_totals(o, s);
  if (s->metrics) add_metrics(o, s->metrics);
  num(o, "start_workers", s->start_workers);
  num(o, "start_batch_size", s->start_batch_size);
  num(o, "workers", s->workers);
  num(o, "batch_size", s->batch_size);
  num(o, "current_workers", s->workers);
  num(o, "current_batch_size", s->batch_size);
  if (s->ru_governor_rate > 0) num(o, "ru_governor_rate", s->ru_governor_rate);
  add_scaling(o, s);
  add_identity(o, s);
  add_series(o, s->series);
  return o;
}

static int write_summary_json(const cJSON *o, const char *path, asr_err_t *err) {
  char *text = o ? cJSON_Print(o) : NULL;
  if (!text) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  int rc = asr_write_text_file(path, text, "--summary-json", err);
  free(text);
  return rc;
}

int asr_summary_write(const asr_run_summary_t *s, const char *path, asr_err_t *err) {
  cJSON *o = asr_summary_json(s);
  int rc = write_summary_json(o, path, err);
  cJSON_Delete(o);
  return rc;
}

/* ---- the end of a run ---- */

void asr_report_refusal_hint(const asr_sink_t *sink, uint64_t dead, const char *checkpoint,
                             asr_err_t *err) {
  size_t len = strlen(err->msg);
  char *at = err->msg + len;
  size_t room = sizeof err->msg - len;
  unsigned long long n = (unsigned long long)dead;
  if (strcmp(sink->vt->scheme, "file") == 0)
    snprintf(at, room, ". The output is kept as %s" ASR_PARTIAL_SUFFIX " with the checkpoint %s: "
             "to accept these losses and publish it without redoing the work, run the same "
             "command again with --resume --max-errors %llu; to discard it, remove %s"
             ASR_PARTIAL_SUFFIX " and %s", sink->location, checkpoint, n, sink->location,
             checkpoint);
  else
    snprintf(at, room, ". What was written stays in %s, with the checkpoint %s: to accept "
             "these losses, run the same command again with --resume --max-errors %llu (it "
             "writes nothing again)", sink->location, checkpoint, n);
}

static void print_summary(const asr_run_summary_t *s) {
  char n[32], rate[32];
  asr_log_thousands((long long)s->docs_written, n, sizeof n);
  asr_log_thousands((long long)(s->docs_per_second + 0.5), rate, sizeof rate);
  if (strcmp(s->status, "ok") == 0 || s->load_complete)
    printf("Wrote %s documents to %s in %.2f s (%s docs/s)\n", n, s->output, s->duration_s, rate);
  else if (strcmp(s->status, "interrupted") == 0)
    printf("Interrupted: %s documents written to %s in %.2f s (incomplete)\n", n, s->output,
           s->duration_s);
  else if (s->database) /* it keeps what it was sent */
    printf("Failed: %s documents were written to %s in %.2f s before the run stopped; they stay "
           "there\n", n, s->output, s->duration_s);
  else if (s->checkpoint && s->output && strcmp(s->output, "(nothing kept)") != 0) {
    char kept[32]; /* what the file holds: the earlier runs' documents too */
    asr_log_thousands((long long)(s->docs_written_before + s->docs_written), kept, sizeof kept);
    printf("Kept: %s documents in %s, not published (the checkpoint %s goes on from there)\n",
           kept, s->output, s->checkpoint);
  }
  if (s->resumed) {
    char before[32], all[32], dead[96] = "";
    asr_log_thousands((long long)s->docs_written_before, before, sizeof before);
    asr_log_thousands((long long)(s->docs_written_before + s->docs_written), all, sizeof all);
    if (s->dead_lettered_before + s->dead_lettered)
      snprintf(dead, sizeof dead, "; %llu dead-lettered by the earlier runs, %llu in all",
               (unsigned long long)s->dead_lettered_before,
               (unsigned long long)(s->dead_lettered_before + s->dead_lettered));
    printf("Resumed: %s documents were written by the earlier runs, %s in all%s\n", before, all,
           dead);
  }
  if (s->hint) printf("To continue: %s\n", s->hint);
  if (s->docs_dropped) printf("Dropped by transform: %llu\n", (unsigned long long)s->docs_dropped);
  if (s->duplicates)
    printf("Duplicates (already in the target, not rewritten): %llu\n", (unsigned long long)s->duplicates);
  if (s->target_warning && s->target_warning[0]) printf("Warning: %s\n", s->target_warning);
  if (s->already_present[0]) printf("Warning: %s\n", s->already_present);
  if (s->failed) printf("Failed (rejected by the server): %llu\n", (unsigned long long)s->failed);
  if (s->throttles || s->retries)
    printf("Throttled: %llu, retried: %llu\n", (unsigned long long)s->throttles,
           (unsigned long long)s->retries);
  uint64_t dead = s->dead_lettered + s->dead_lettered_before;
  if (dead && s->resumed)
    printf("Dead letters: %llu document%s in %s (%llu by this run)\n", (unsigned long long)dead,
           dead == 1 ? "" : "s", s->dead_letter_file, (unsigned long long)s->dead_lettered);
  else if (dead)
    printf("Dead letters: %llu document%s in %s\n", (unsigned long long)dead,
           dead == 1 ? "" : "s", s->dead_letter_file);
  char text[256];
  balance_text(s, text, sizeof text);
  printf("Balance: %s%s\n", text, s->balanced ? ": balanced" : " (the run stopped with documents "
         "in flight: not balanced)");
  if (s->seed_text[0]) printf("Seed: %s\n", s->seed_text);
  if (s->clock[0]) printf("Clock: %s (--now %s repeats this run's $now and $objectid)\n", s->clock,
                          s->clock);
  fflush(stdout);
}

static void print_performance(const asr_run_summary_t *s) {
  const asr_metrics_totals_t *m = s->metrics;
  char peak[32];
  asr_log_thousands(llround(m->peak_docs_per_second), peak, sizeof peak);
  printf("Performance: peak %s docs/s; CPU avg %.0f%% (peak %.0f%%), machine avg %.0f%%; "
         "memory peak %.1f MB (%.1f%%)", peak, m->avg_cpu_percent, m->peak_cpu_percent,
         m->avg_system_cpu_percent, (double)m->peak_rss_bytes / 1048576.0, m->peak_memory_percent);
  if (m->latency_p50_ms > 0)
    printf("; write latency p50 %.1f ms, p95 %.1f ms, p99 %.1f ms", m->latency_p50_ms,
           m->latency_p95_ms, m->latency_p99_ms);
  printf("\n");
  if (s->ru_governor_rate > 0)
    printf("RU governor: writes paced at %.0f RU/s at the end\n", s->ru_governor_rate);
  if (s->scaling)
    printf("Auto-scaling (%s, policy %s): %llu decisions, %llu applied; workers %u %s %u, batch "
           "size %u %s %u\n", s->profile, s->scaling->policy,
           (unsigned long long)s->scaling->decisions, (unsigned long long)s->scaling->applied,
           s->start_workers, asr_log_arrow(), s->workers, s->start_batch_size, asr_log_arrow(),
           s->batch_size);
}

/* The brief's completion lines. */
static void log_completion(const asr_run_summary_t *sum) {
  asr_log_info("run.workers_done", "✅ Write workers completed");
  if (!sum->scaling) return;
  char b0[32], b1[32];
  asr_log_thousands(sum->start_batch_size, b0, sizeof b0);
  asr_log_thousands(sum->batch_size, b1, sizeof b1);
  char fields[256];
  snprintf(fields, sizeof fields, "\"decisions\":%llu,\"applied\":%llu,\"workers\":%u,"
           "\"batch_size\":%u", (unsigned long long)sum->scaling->decisions,
           (unsigned long long)sum->scaling->applied, sum->workers, sum->batch_size);
  asr_log_fields(ASR_LOG_INFO, "scaling.done", fields,
                 "🏁 Auto-scaling completed: %llu decisions, %llu changes applied; workers %u → %u, "
                 "batch size %s → %s", (unsigned long long)sum->scaling->decisions,
                 (unsigned long long)sum->scaling->applied, sum->start_workers, sum->workers, b0,
                 b1);
}

/* Epoch milliseconds as --now takes them back: "2026-12-07T13:39:54Z", with ".123" when the
 * milliseconds are not 0. */
static void clock_text(int64_t ms, char *out, size_t n) {
  time_t secs = (time_t)(ms / 1000 - (ms % 1000 < 0));
  int frac = (int)(ms - (int64_t)secs * 1000);
  struct tm tm;
  char day[32];
  if (!gmtime_r(&secs, &tm) || !strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm)) {
    out[0] = '\0';
    return;
  }
  if (frac) snprintf(out, n, "%s.%03dZ", day, frac);
  else snprintf(out, n, "%sZ", day);
}

static const char *seed_origin_name(asr_seed_origin_t o) {
  switch (o) {
  case ASR_SEED_GIVEN: return "given";
  case ASR_SEED_STRATEGY: return "strategy";
  case ASR_SEED_CHECKPOINT: return "checkpoint";
  case ASR_SEED_DERIVED: return "derived";
  default: return "random";
  }
}

/* A database target keeps what it was sent, whatever happens to the run. */
static int is_database(const asr_sink_t *sink) {
  return strcmp(sink->vt->scheme, "mongodb") == 0 || strcmp(sink->vt->scheme, "sim") == 0;
}

/* The summary of a run that ended with rc; the sink's database counts win over the
 * pipeline's (documents the server took, not the ones handed to it). */
static asr_run_summary_t summarize(const asr_report_input_t *in, int rc, const asr_err_t *err) {
  const asr_pipeline_stats_t *st = in->pipeline;
  asr_run_summary_t sum = {
      .status = rc == 0 ? "ok" : rc == ASR_ECANCELED ? "interrupted" : "failed",
      .error = rc ? err->msg : NULL,
      /* a failed file run that checkpoints keeps its .partial (the sink's location now) */
      .output = rc == 0 || rc == ASR_ECANCELED || in->load_complete || in->checkpoint
                    ? in->sink->location : "(nothing kept)",
      .docs_read = st->docs_in,
      .docs_written = st->docs_out,
      .docs_dropped = st->docs_dropped,
      .batches = st->batches_done,
      .bytes_written = st->bytes_out,
      .duration_s = in->duration_s,
      .workers = st->workers_target,
      .batch_size = st->batch_size,
      .start_workers = in->start_workers,
      .start_batch_size = in->start_batch_size,
      .metrics = in->metrics,
      .auto_scaling = in->cfg->auto_scaling,
      .profile = in->cfg->profile,
      .scaling = in->scaling,
      .ru_governor_rate = in->ru_governor_rate,
      .started_at = in->started_at,
      .ended_at = in->ended_at,
      .series = in->series,
  };
  asr_sink_db_stats_t db;
  uint64_t sink_dead = asr_dead_letter_sink_count(in->dead_letter);
  sum.docs_written = st->docs_out > sink_dead ? st->docs_out - sink_dead : 0;
  if (asr_sink_stats(in->sink, &db)) {
    sum.docs_written = db.docs_written;
    sum.duplicates = db.duplicates;
    sum.failed = db.failed;
    sum.throttles = db.throttles;
    sum.retries = db.retries;
  }
  asr_source_stats_t src; /* a database source's retried and throttled reads */
  asr_source_stats(in->source, &src);
  sum.throttles += src.throttles;
  sum.retries += src.retries;
  /* what the .partial holds (an interrupted run's, or a failed one's that checkpoints) */
  if (rc && (rc == ASR_ECANCELED || in->checkpoint) && in->sink->vt->docs_kept)
    sum.docs_written = in->sink->vt->docs_kept(in->sink);
  sum.dead_lettered_before = asr_dead_letter_carried(in->dead_letter);
  sum.dead_lettered = asr_dead_letter_count(in->dead_letter) - sum.dead_lettered_before;
  sum.docs_read_before = in->docs_read_before;
  if (sum.dead_lettered + sum.dead_lettered_before)
    sum.dead_letter_file = asr_dead_letter_path(in->dead_letter);
  sum.docs_fanned_out = st->docs_fanned_out;
  sum.balanced = sum.docs_read + sum.docs_fanned_out ==
                 sum.docs_written + sum.dead_lettered + sum.docs_dropped + sum.duplicates;
  sum.load_complete = in->load_complete;
  sum.database = is_database(in->sink);
  if (is_database(in->sink) && rc && rc != ASR_ECANCELED) sum.output = in->sink->location;
  sum.checkpoint = in->checkpoint;
  sum.resumed = in->resumed;
  sum.docs_written_before = in->docs_written_before;
  if ((is_database(in->sink) || in->checkpoint) && rc && !in->load_complete &&
      !in->dead_letters_refused)
    sum.hint = asr_dead_letter_stopped_run(in->dead_letter)
                   ? "run the same command again with --resume and a larger --max-errors"
                   : "run the same command again with --resume";
  if (in->checkpoint && in->dead_letters_refused) {
    snprintf(sum.hint_text, sizeof sum.hint_text, "run the same command again with --resume "
             "--max-errors %llu to accept the dead letters", (unsigned long long)
             (sum.dead_lettered + sum.dead_lettered_before));
    sum.hint = NULL; /* hint_text: pointed at by the caller (sum is returned by value) */
  }
  sum.docs_per_second = in->duration_s > 0 ? (double)sum.docs_written / in->duration_s : 0;
  sum.seed = in->cfg->seed;
  sum.seed_origin = seed_origin_name(in->cfg->seed_origin);
  asr_plan_seed(in->cfg, sum.seed_text, sizeof sum.seed_text);
  if (asr_config_source_generates(&in->cfg->source))
    clock_text(in->cfg->source.clock_ms, sum.clock, sizeof sum.clock);
  sum.target_warning = in->cfg->target_warning;
  return sum;
}

/* An insert into a collection that already held documents with the same keys (a re-run):
 * they are counted as duplicates and not rewritten; say so in words, with the counts, and
 * what to do instead (a re-run of the same seed writes nothing new). */
static void note_already_present(const asr_report_input_t *in, asr_run_summary_t *sum) {
  if (!sum->database || !sum->duplicates || in->cfg->write_mode != ASR_WRITE_INSERT) return;
  const char *loc = in->sink->location, *slash = loc ? strrchr(loc, '/') : NULL;
  const char *where = slash && strcmp(in->sink->vt->scheme, "mongodb") == 0 ? slash + 1 : "the target";
  unsigned long long dup = sum->duplicates, all = sum->duplicates + sum->docs_written;
  if (sum->docs_written == 0)
    snprintf(sum->already_present, sizeof sum->already_present, "all %llu documents were "
             "already in %s (duplicate key): nothing inserted; use --mode upsert to overwrite "
             "them, or --drop to load into an empty collection", all, where);
  else
    snprintf(sum->already_present, sizeof sum->already_present, "%llu of %llu documents were "
             "already in %s (duplicate key) and were not rewritten; %llu inserted; use --mode "
             "upsert to overwrite them, or --drop to load into an empty collection", dup, all,
             where, (unsigned long long)sum->docs_written);
  asr_log_warn("run.already_present", "%s", sum->already_present);
}

/* Dead letters within the budget: the run is ok, with a warning that says where they are. */
static void note_allowed_dead_letters(const asr_report_input_t *in, asr_run_summary_t *sum,
                                      int rc) {
  uint64_t dead = sum->dead_lettered + sum->dead_lettered_before;
  if (rc != 0 || !dead) return;
  char flag[64];
  asr_error_budget_describe(&in->cfg->error_budget, flag, sizeof flag);
  sum->dead_letters_allowed = 1;
  asr_log_warn("run.dead_letters", "%llu document%s failed and %s dead-lettered to %s "
               "(allowed by %s)", (unsigned long long)dead, dead == 1 ? "" : "s",
               dead == 1 ? "was" : "were", sum->dead_letter_file, flag);
}

/* A MongoDB load that otherwise succeeded fails when the server rejected documents that went
 * to no dead letters (a sink opened without them). */
static int check_rejections(const asr_report_input_t *in, asr_run_summary_t *sum, int rc,
                            asr_err_t *err) {
  if (rc != 0 || !sum->failed || sum->dead_lettered || strcmp(in->sink->vt->scheme, "mongodb") != 0)
    return rc;
  asr_mongo_samples_t samples;
  asr_sink_mongo_samples(in->sink, &samples);
  rc = asr_err_set(err, ASR_EIO, "%llu documents were rejected by the server (first: %s)",
                   (unsigned long long)sum->failed,
                   samples.nfailures ? samples.failures[0] : "no message kept");
  sum->status = "failed";
  sum->error = err->msg;
  return rc;
}

/* on_finish gets the same JSON object --summary-json writes, as a table. */
static int call_on_finish(asr_strategy_t *strategy, const asr_run_summary_t *sum,
                          asr_err_t *err) {
  if (!strategy) return 0;
  cJSON *json = asr_summary_json(sum);
  if (!json) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  int rc = asr_hooks_on_finish(strategy, json, err);
  cJSON_Delete(json);
  return rc;
}

/* --summary-json and --report, both from one summary JSON; the first failure is the run's
 * when it had none. */
static int write_outputs(const asr_config_t *cfg, const asr_run_summary_t *sum, int rc,
                         asr_err_t *err) {
  if (!cfg->summary_json && !cfg->report_html) return rc;
  asr_err_t out_err;
  asr_err_clear(&out_err);
  cJSON *json = asr_summary_json(sum);
  int orc = json ? 0 : asr_err_set(&out_err, ASR_ENOMEM, "out of memory");
  if (orc == 0 && cfg->summary_json) orc = write_summary_json(json, cfg->summary_json, &out_err);
  if (json && cfg->report_html) { /* the page, even when the JSON file failed */
    asr_err_t page_err;
    asr_err_clear(&page_err);
    int prc = asr_html_report_write(json, cfg->report_html, &page_err);
    if (prc && orc == 0) orc = prc, out_err = page_err;
  }
  cJSON_Delete(json);
  if (orc && rc == 0) {
    *err = out_err;
    rc = orc;
  }
  return rc;
}

/* The process's exit code for a run that ended with rc (cli/main.c maps it the same way). */
static int exit_code_of(int rc) {
  return rc == ASR_ECANCELED ? ASR_EXIT_INTERRUPTED : asr_err_exit_code(rc);
}

/* Records the run in the history (unless --no-history). A history that cannot be written is a
 * warning: the run's outcome and output stand. */
static void record_history(const asr_report_input_t *in, const asr_run_summary_t *sum, int rc) {
  if (in->options->no_history) return;
  asr_err_t herr;
  asr_err_clear(&herr);
  asr_history_strategy_t strategy;
  int known = in->strategy && asr_history_strategy_identify(in->strategy->path, &strategy,
                                                            &herr) == 0;
  asr_err_clear(&herr); /* a strategy that cannot be read now: the run is recorded without it */
  asr_history_run_t run = {
      .strategy_path = known ? strategy.path : NULL,
      .strategy_hash = known ? strategy.hash : NULL,
      .source_kind = in->cfg->source.kind,
      .target_kind = in->sink->vt->scheme,
      .max_workers = in->cfg->auto_scaling ? in->cfg->scaling.max_workers : 0,
      .max_batch_size = in->cfg->auto_scaling ? in->cfg->scaling.max_batch_size : 0,
      .exit_code = exit_code_of(rc),
  };
  cJSON *json = asr_summary_json(sum);
  char path[1024] = "";
  int64_t id = 0;
  int hrc = json ? asr_history_record_run(in->options->history, &run, json, &id, path,
                                          sizeof path, &herr)
                 : asr_err_set(&herr, ASR_ENOMEM, "out of memory");
  cJSON_Delete(json);
  if (hrc)
    asr_log_warn("history.record", "%s (this run is not recorded in the history; its output is "
                 "kept)", herr.msg);
  else
    asr_log_info("history.recorded", "Run history: recorded as run %lld in %s", (long long)id,
                 path);
}

int asr_report_end_of_run(const asr_report_input_t *in, int rc, asr_err_t *err) {
  asr_run_summary_t sum = summarize(in, rc, err);
  if (sum.hint_text[0]) sum.hint = sum.hint_text;
  rc = check_rejections(in, &sum, rc, err);
  note_allowed_dead_letters(in, &sum, rc);
  note_already_present(in, &sum);
  log_completion(&sum);
  asr_err_t hook_err;
  asr_err_clear(&hook_err);
  int hrc = call_on_finish(in->strategy, &sum, &hook_err);
  if (in->options->verbosity >= 0) {
    print_summary(&sum);
    print_performance(&sum);
    fflush(stdout);
  }
  if (in->options->log_format == ASR_LOG_JSON)
    asr_log_info("run.done", "status %s: %llu documents written to %s in %.3f s (%.0f docs/s), "
                 "%llu dropped", sum.status, (unsigned long long)sum.docs_written, sum.output,
                 sum.duration_s, sum.docs_per_second, (unsigned long long)sum.docs_dropped);
  rc = write_outputs(in->cfg, &sum, rc, err);
  if (hrc && rc == 0) {
    *err = hook_err;
    rc = hrc;
  }
  record_history(in, &sum, rc);
  return rc;
}
