/* A run's progress as numbers and as text: the values (done of total, rate, ETA, the
 * settings in force and the machine's load), the docs/s over a sliding window, the fields
 * the JSON progress event carries, and the one-line status a terminal shows (monitor/status.c
 * redraws it). Pure functions and plain structs: no clock, no I/O; tests feed them known
 * values. */
#ifndef ASR_MONITOR_PROGRESS_H
#define ASR_MONITOR_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

/* What the run knows at one moment (runtime/run.c fills it). */
typedef struct asr_progress_input {
  uint64_t done;  /* documents written so far (a resumed run's earlier ones included) */
  uint64_t total; /* documents the source will hand out; 0: unknown (stdin, no count) */
  uint32_t workers, batch_size;
  int machine_known;      /* 0 until the first metrics snapshot: the three below unknown */
  double cpu_percent;     /* the last metrics snapshot's: this process, of the machine */
  uint64_t rss_bytes;
  double memory_percent;
  uint64_t throttles;     /* since the run started */
} asr_progress_input_t;

/* The input with what follows from it. percent and eta_s are -1 when the total is unknown
 * (eta_s also while nothing moves); percent stops at 100 (a transform may fan out). */
typedef struct asr_progress_values {
  asr_progress_input_t in;
  double docs_per_second, percent, eta_s;
} asr_progress_values_t;

/* docs/s over the last ASR_RATE_WINDOW_S seconds, from (time, done) samples. */
#define ASR_RATE_WINDOW_S 5.0
#define ASR_RATE_SAMPLES 64
typedef struct asr_rate_window {
  double t[ASR_RATE_SAMPLES];
  uint64_t done[ASR_RATE_SAMPLES];
  unsigned head, count;
} asr_rate_window_t;

void asr_rate_window_init(asr_rate_window_t *w);
/* Adds the sample (now_s, done) and returns docs/s since the oldest sample still in the
 * window (0 until two samples are apart). */
double asr_rate_window_add(asr_rate_window_t *w, double now_s, uint64_t done);

/* The values from an input and its rate. */
void asr_progress_compute(const asr_progress_input_t *in, double docs_per_second,
                          asr_progress_values_t *out);

/* The JSON members of a progress event, without braces (util/log.h's asr_log_fields): done,
 * total, percent, docs_per_second, eta_s, workers, batch_size, cpu_percent, rss_bytes,
 * memory_percent, throttles; null where unknown (total, percent and eta_s without a total;
 * CPU and memory before the first snapshot). */
void asr_progress_json_fields(const asr_progress_values_t *v, char *buf, size_t cap);

typedef struct asr_status_style {
  int utf8;     /* block characters for the bar (else '#' and '-') */
  int color;    /* the bar's filled part in green (NO_COLOR unset, a colour terminal) */
  unsigned columns; /* the terminal's width; 0: 80 */
} asr_status_style_t;

/* The status line, at most columns - 1 wide (the bar, then the tail of the line, go first
 * when it does not fit): "[bar] 42.0% 420,000/1,000,000 docs  12,345 docs/s  ETA 0:47  workers
 * 8  batch 1,000  CPU 63%  mem 412 MB  throttles 0". Without a total: no bar, %, or ETA; "CPU
 * --  mem --" before the first snapshot. */
void asr_status_format(const asr_progress_values_t *v, const asr_status_style_t *style,
                       char *buf, size_t cap);

#endif
