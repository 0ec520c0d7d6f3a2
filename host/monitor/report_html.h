/* The run report: one self-contained HTML page (inline CSS and SVG, nothing fetched) drawn
 * from a run's summary JSON alone (runtime/report.h's asr_summary_json, or a past run's
 * stored summary), so a live run and a recorded one render the same way. It charts the
 * summary's "series" over time (docs/s, workers, batch size, CPU, memory, latency p95, errors
 * and throttles), marks every entry of "decisions" on each chart's time axis (an element of
 * class "decision" whose <title> gives its time, action, from→to and reason), and ends with
 * the summary's main keys, with units, and the list of decisions. Every text taken from the
 * summary is escaped. A summary with fewer than two series rows (a run shorter than one
 * check: its end's sample at most) gives a page that says so, with the tables. */
#ifndef ASR_MONITOR_REPORT_HTML_H
#define ASR_MONITOR_REPORT_HTML_H

#include <stdio.h>

#include "core/error.h"

struct cJSON;

/* Writes the page for summary to out. 0, or ASR_EIO when out fails. */
int asr_html_report_render(const struct cJSON *summary, FILE *out, asr_err_t *err);

/* Renders the page and writes it to path atomically (temporary file, then rename).
 * 0, ASR_ENOMEM or ASR_EIO ("--report: cannot write PATH: ..."). */
int asr_html_report_write(const struct cJSON *summary, const char *path, asr_err_t *err);

#endif
