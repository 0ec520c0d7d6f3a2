/* What a run tells those who watch it: its counters sampled into metrics snapshots (the
 * scaler's input, the summary's series), the numbers of the progress line and the terminal's
 * status line, and the values the metrics endpoint (--metrics-listen) serves. The run owns
 * one feed; the feed owns the metrics collector, the series, the latency histogram the
 * workers record into and the endpoint, and reads the run's other parts. All on the main
 * thread, but the histogram. */
#ifndef ASR_RUNTIME_MONITOR_FEED_H
#define ASR_RUNTIME_MONITOR_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "metrics/metrics.h"
#include "metrics/series.h"
#include "monitor/endpoint.h"
#include "monitor/progress.h"
#include "pipeline/pipeline.h"
#include "runtime/resume.h"
#include "scaler/controller.h"
#include "sinks/dead_letter.h"
#include "sinks/sink.h"
#include "sources/source.h"

/* The run's parts the feed reads; borrowed, all open once the pipeline exists. */
typedef struct asr_monitor_feed_parts {
  asr_pipeline_t *pipeline;
  asr_sink_t *sink;
  asr_source_t *source;
  asr_dead_letter_t *dead_letter;
  asr_resume_t *resume;       /* the documents earlier runs wrote; NULL: none */
  asr_controller_t *scaler;   /* NULL: auto-scaling off */
} asr_monitor_feed_parts_t;

typedef struct asr_monitor_feed {
  asr_monitor_feed_parts_t parts;
  asr_hist_t latency;         /* per-batch sink write times, recorded by the workers */
  asr_metrics_t *metrics;
  asr_series_t *series;       /* every sample, for the summary, the report and the history */
  asr_endpoint_t *endpoint;   /* --metrics-listen; NULL: none */
  asr_rate_window_t publish_rate;
  asr_metrics_snapshot_t last_snap; /* the last check's: CPU and memory for the progress */
  int sampled;                /* last_snap holds one */
  uint64_t throttles_seen;    /* database throttles (sink and source) at the last reading */
  uint32_t retry_after_held;  /* the largest RetryAfterMs read since the last check */
  uint64_t decisions_seen;    /* the scaler's decisions at the last publish */
  double decision_unix_s;     /* when the latest of them was taken */
} asr_monitor_feed_t;

/* The metrics collector (history: snapshots kept for policies), the series, the histogram.
 * 0 or ASR_ENOMEM. */
int asr_monitor_feed_open(asr_monitor_feed_t *f, size_t history, asr_err_t *err);
/* --metrics-listen: bound before anything runs (a port in use is a configuration error).
 * listen NULL: nothing. 0 or ASR_EINVAL. */
int asr_monitor_feed_open_endpoint(asr_monitor_feed_t *f, const char *listen, asr_err_t *err);
/* Once the pipeline exists: the parts to read from then on. */
void asr_monitor_feed_start(asr_monitor_feed_t *f, const asr_monitor_feed_parts_t *parts);
/* The counters as a snapshot at elapsed_s seconds into the run, added to the series. */
void asr_monitor_feed_sample(asr_monitor_feed_t *f, double elapsed_s,
                             asr_metrics_snapshot_t *snap);
/* The endpoint's values at elapsed_s (nothing without an endpoint or a pipeline). */
void asr_monitor_feed_publish(asr_monitor_feed_t *f, double elapsed_s);
/* The plain progress line (stderr no terminal; JSON logs carry every value as a field). */
void asr_monitor_feed_log_progress(asr_monitor_feed_t *f, const asr_pipeline_stats_t *st,
                                   double docs_per_second);
/* The status line's reader (monitor/status.h); ud is the feed. */
void asr_monitor_feed_read_progress(void *ud, asr_progress_input_t *in);
/* Stops the endpoint (it served the final values while the summary printed) and frees what
 * the feed owns. */
void asr_monitor_feed_close(asr_monitor_feed_t *f);

#endif
