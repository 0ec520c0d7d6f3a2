/* The end of a run: what it reports and which error it ends with. The summary is printed,
 * written by --summary-json, and handed to the strategy's on_finish (and asrun.summary()) as
 * a table with the same keys. The JSON object is the one source of those keys:
 * asr_summary_json builds it, everyone else reads it. */
#ifndef ASR_RUNTIME_REPORT_H
#define ASR_RUNTIME_REPORT_H

#include <stdint.h>

#include "lua/strategy.h"
#include "metrics/metrics.h"
#include "metrics/series.h"
#include "pipeline/pipeline.h"
#include "runtime/config.h"
#include "runtime/options.h"
#include "scaler/controller.h"

typedef struct asr_run_summary {
  const char *status;   /* "ok" | "failed" | "interrupted" */
  const char *error;    /* message when not ok, else NULL */
  const char *output;   /* where the documents went */
  uint64_t docs_read, docs_written, docs_dropped, batches, bytes_written;
  double duration_s, docs_per_second;
  uint32_t workers, batch_size;        /* at the end */
  uint32_t start_workers, start_batch_size;
  /* database targets */
  uint64_t duplicates, failed, throttles, retries;
  /* the balance: docs_read + docs_fanned_out = docs_written + dead_lettered + docs_dropped +
   * duplicates, when every batch read was written (not so after a failure or a stop) */
  uint64_t dead_lettered, docs_fanned_out;
  int balanced;
  uint64_t dead_lettered_before; /* by the earlier runs of a resumed migration (in the file) */
  uint64_t docs_read_before;     /* read by them */
  const char *dead_letter_file; /* NULL when nothing was dead-lettered (in any run) */
  int dead_letters_allowed;     /* within --max-errors: the run is ok, with a warning */
  int load_complete;            /* every document was written (a later step may have failed) */
  /* checkpoints: where the run's is kept (NULL: none), whether it went on from one, and the
   * documents the earlier runs of a resumed migration wrote */
  const char *checkpoint;
  int resumed;
  uint64_t docs_written_before;
  const char *hint;             /* what to do next (a database target's failed run), or NULL */
  char hint_text[160];          /* the hint, when it holds a number */
  /* the seed of the run, where it came from ("random", "given", "strategy", "checkpoint"),
   * and both as the plan says them ("8731 (random; --seed 8731 repeats this run)") */
  uint64_t seed;
  const char *seed_origin;
  char seed_text[160];
  /* generation: the clock of $now and $objectid ("2026-12-07T13:39:54Z"; --now repeats
   * it), else "" */
  char clock[40];
  /* insert mode: documents already in the target (duplicate keys), said in words, or "" */
  char already_present[512];
  /* insert mode: what the target held before the load (asr_db_checks_before_load), or "" */
  const char *target_warning;
  int database;                 /* the target keeps what it was sent, whatever the outcome */
  /* performance and scaling; NULL when not collected */
  const asr_metrics_totals_t *metrics;
  int auto_scaling;
  const char *profile;
  const asr_scaling_report_t *scaling; /* NULL when auto-scaling is off */
  double ru_governor_rate;             /* RU/s the governor paced at in the end; 0: it did not */
  /* when, what, and the run over time */
  double started_at, ended_at;         /* Unix time in seconds; 0: not known (left out) */
  const struct asr_series *series;     /* every check interval; NULL: none kept */
} asr_run_summary_t;

/* The summary's "series": {"stride": N, "columns": [...], "rows": [[...], ...]}, one row
 * per point of the run's series, its cells in the order of ASR_SERIES_COLUMNS
 * (metrics/series.h, where the run history reads them too). */
#define ASR_SUMMARY_SERIES_COLUMNS(X) ASR_SERIES_COLUMNS(X)

struct cJSON;
/* The summary as a JSON object (caller frees with cJSON_Delete); NULL when out of memory.
 * The seed is a string of digits ("seed"; seeds use 64 bits), with "seed_origin" and
 * "seed_text", and a generation's "clock"; "warning" says when an insert found documents
 * already in the target, "warnings" lists every warning of the run's outcome (that one, and
 * a target that held documents before an insert). 
 * Keys: the brief's avg_docs_per_second, avg_cpu_usage, current_workers,
 * scaling_decisions_count, and totals, duration, peaks, averages, latency percentiles and
 * the list of decisions; ru_governor_rate when the RU governor paced the writes; the balance
 * of this run (dead_lettered, docs_fanned_out, balanced, balance), what the earlier runs of a
 * resumed migration did (docs_written_before, docs_read_before, dead_lettered_before),
 * dead_letter_file and
 * dead_letters_allowed when documents were dead-lettered, load_complete, and hint;
 * started_at and ended_at (ISO-8601 UTC with milliseconds), version (asrun's), seed (a
 * string: a 64-bit value does not fit a JSON number exactly) and series (above). */
struct cJSON *asr_summary_json(const asr_run_summary_t *s);
/* Writes it to path (pretty-printed, with a final newline). 0 or ASR_EIO. */
int asr_summary_write(const asr_run_summary_t *s, const char *path, asr_err_t *err);

/* What the end of a run reads; everything borrowed. */
typedef struct asr_report_input {
  const asr_options_t *options;       /* verbosity, log format */
  const asr_config_t *cfg;            /* profile, auto-scaling, --summary-json */
  asr_strategy_t *strategy;           /* on_finish; may be NULL */
  asr_sink_t *sink;                   /* where the documents went, and its database counts */
  asr_source_t *source;               /* its retried and throttled reads (NULL: none) */
  const asr_pipeline_stats_t *pipeline; /* the final counts */
  const asr_metrics_totals_t *metrics;
  const asr_scaling_report_t *scaling; /* NULL when auto-scaling is off */
  const struct asr_series *series;    /* every check interval's snapshot (metrics/series.h) */
  double duration_s;
  double started_at, ended_at;        /* Unix time in seconds */
  uint32_t start_workers, start_batch_size;
  double ru_governor_rate;            /* the RU governor's pace at the end (0: not pacing) */
  struct asr_dead_letter *dead_letter; /* the run's dead letters; may be NULL */
  int load_complete;                  /* the load succeeded (rc may be a later step's failure) */
  int dead_letters_refused;           /* every document went through, but the dead letters
                                       * were more than the budget allows (rc says so) */
  const char *checkpoint;             /* the run's checkpoint file; NULL: it keeps none */
  int resumed;                        /* it went on from a checkpoint */
  uint64_t docs_written_before;       /* by the earlier runs it resumed */
  uint64_t docs_read_before;          /* read by them */
} asr_report_input_t;

/* A run that checkpoints and whose dead letters were refused: appends to err's message what
 * is kept (a file's PATH.partial, a database's documents, the checkpoint) and the command
 * that accepts the `dead` losses (--resume --max-errors N) or how to discard them. */
void asr_report_refusal_hint(const asr_sink_t *sink, uint64_t dead, const char *checkpoint,
                             asr_err_t *err);

/* Ends the run whose outcome is rc (err holds its message): builds the summary, logs the
 * completion lines, calls on_finish, prints the summary to stdout, writes --summary-json,
 * writes --report's page (monitor/report_html.h, from the same JSON, whatever the outcome),
 * and returns the run's result: rc, else the server's rejections, the JSON file's, the
 * page's or on_finish's failure (err filled). */
int asr_report_end_of_run(const asr_report_input_t *in, int rc, asr_err_t *err);

#endif
