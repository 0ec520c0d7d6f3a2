#include "monitor/progress.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/log.h"

#define BAR_CELLS 20
#define DEFAULT_COLUMNS 80
#define GREEN "\033[32m"
#define RESET "\033[0m"

void asr_rate_window_init(asr_rate_window_t *w) { memset(w, 0, sizeof *w); }

static unsigned slot(const asr_rate_window_t *w, unsigned age) { /* age 0: the oldest */
  return (w->head + ASR_RATE_SAMPLES - w->count + age) % ASR_RATE_SAMPLES;
}

double asr_rate_window_add(asr_rate_window_t *w, double now_s, uint64_t done) {
  w->t[w->head] = now_s;
  w->done[w->head] = done;
  w->head = (w->head + 1) % ASR_RATE_SAMPLES;
  if (w->count < ASR_RATE_SAMPLES) w->count++;
  /* the oldest sample that still covers the window: drop the ones before it */
  while (w->count > 2 && w->t[slot(w, 1)] <= now_s - ASR_RATE_WINDOW_S) w->count--;
  unsigned first = slot(w, 0);
  double dt = now_s - w->t[first];
  if (w->count < 2 || dt <= 0 || done < w->done[first]) return 0;
  return (double)(done - w->done[first]) / dt;
}

void asr_progress_compute(const asr_progress_input_t *in, double docs_per_second,
                          asr_progress_values_t *out) {
  *out = (asr_progress_values_t){.in = *in, .docs_per_second = docs_per_second,
                                 .percent = -1, .eta_s = -1};
  if (!in->total) return;
  double pct = 100.0 * (double)in->done / (double)in->total;
  out->percent = pct > 100 ? 100 : pct;
  uint64_t left = in->done < in->total ? in->total - in->done : 0;
  if (left == 0) out->eta_s = 0;
  else if (docs_per_second > 0) out->eta_s = (double)left / docs_per_second;
}

/* ---- JSON ---- */

/* A finite number (JSON has no NaN); 3 decimals at most. */
static double json_number(double v) { return isfinite(v) ? round(v * 1000.0) / 1000.0 : 0; }

void asr_progress_json_fields(const asr_progress_values_t *v, char *buf, size_t cap) {
  char total[24] = "null", percent[32] = "null", eta[32] = "null";
  char cpu[32] = "null", rss[24] = "null", mem[32] = "null";
  if (v->in.machine_known) {
    snprintf(cpu, sizeof cpu, "%.1f", json_number(v->in.cpu_percent));
    snprintf(rss, sizeof rss, "%llu", (unsigned long long)v->in.rss_bytes);
    snprintf(mem, sizeof mem, "%.1f", json_number(v->in.memory_percent));
  }
  if (v->in.total) {
    snprintf(total, sizeof total, "%llu", (unsigned long long)v->in.total);
    snprintf(percent, sizeof percent, "%.2f", json_number(v->percent));
  }
  if (v->eta_s >= 0) snprintf(eta, sizeof eta, "%.1f", json_number(v->eta_s));
  snprintf(buf, cap,
           "\"done\":%llu,\"total\":%s,\"percent\":%s,\"docs_per_second\":%.1f,\"eta_s\":%s,"
           "\"workers\":%u,\"batch_size\":%u,\"cpu_percent\":%s,\"rss_bytes\":%s,"
           "\"memory_percent\":%s,\"throttles\":%llu",
           (unsigned long long)v->in.done, total, percent, json_number(v->docs_per_second), eta,
           v->in.workers, v->in.batch_size, cpu, rss, mem, (unsigned long long)v->in.throttles);
}

/* ---- the status line ---- */

/* Columns a string takes: UTF-8 characters, escape sequences (ESC [ ... letter) none. */
static unsigned columns_of(const char *s) {
  unsigned n = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == 0x1b) {
      while (p[1] && !((p[1] >= 'A' && p[1] <= 'Z') || (p[1] >= 'a' && p[1] <= 'z'))) p++;
      if (p[1]) p++;
    } else if ((*p & 0xC0) != 0x80) {
      n++;
    }
  }
  return n;
}

static void format_eta(double s, char *buf, size_t cap) {
  unsigned long t = (unsigned long)(s + 0.5);
  if (t >= 3600) snprintf(buf, cap, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
  else snprintf(buf, cap, "%lu:%02lu", t / 60, t % 60);
}

static void format_bytes(uint64_t b, char *buf, size_t cap) {
  double mb = (double)b / (1024.0 * 1024.0);
  if (mb >= 10240) snprintf(buf, cap, "%.1f GB", mb / 1024.0);
  else snprintf(buf, cap, "%.0f MB", mb);
}

/* [██████░░░░] or [######----], BAR_CELLS wide; UTF-8 draws eighths of a cell. */
static void format_bar(double percent, const asr_status_style_t *st, char *buf, size_t cap) {
  static const char *const eighths[] = {"", "\u258F", "\u258E", "\u258D", "\u258C", "\u258B",
                                        "\u258A", "\u2589"};
  unsigned fill8 = (unsigned)(percent / 100.0 * BAR_CELLS * 8 + 0.5);
  if (fill8 > BAR_CELLS * 8) fill8 = BAR_CELLS * 8;
  unsigned full = fill8 / 8, part = st->utf8 ? fill8 % 8 : 0;
  size_t o = 0;
  o += (size_t)snprintf(buf + o, cap - o, "[%s", st->color ? GREEN : "");
  for (unsigned i = 0; i < full && o < cap; i++)
    o += (size_t)snprintf(buf + o, cap - o, "%s", st->utf8 ? "\u2588" : "#");
  if (part && o < cap) o += (size_t)snprintf(buf + o, cap - o, "%s", eighths[part]);
  if (st->color && o < cap) o += (size_t)snprintf(buf + o, cap - o, RESET);
  for (unsigned i = full + (part != 0); i < BAR_CELLS && o < cap; i++)
    o += (size_t)snprintf(buf + o, cap - o, "%s", st->utf8 ? "\u2591" : "-");
  if (o < cap) snprintf(buf + o, cap - o, "]");
}

enum { MAX_PARTS = 9, PART_LEN = 64 };

/* The line's parts after the bar, most important first. */
static unsigned status_parts(const asr_progress_values_t *v, char parts[MAX_PARTS][PART_LEN]) {
  char a[32], b[32], c[32];
  unsigned n = 0;
  asr_log_thousands((long long)v->in.done, a, sizeof a);
  if (v->in.total) {
    snprintf(parts[n++], PART_LEN, "%5.1f%%", v->percent);
    snprintf(parts[n++], PART_LEN, "%s/%s docs", a,
             asr_log_thousands((long long)v->in.total, b, sizeof b));
  } else {
    snprintf(parts[n++], PART_LEN, "%s docs", a);
  }
  snprintf(parts[n++], PART_LEN, "%s docs/s",
           asr_log_thousands((long long)(v->docs_per_second + 0.5), a, sizeof a));
  if (v->in.total) {
    if (v->eta_s >= 0) format_eta(v->eta_s, a, sizeof a);
    snprintf(parts[n++], PART_LEN, "ETA %s", v->eta_s >= 0 ? a : "--:--");
  }
  snprintf(parts[n++], PART_LEN, "workers %u", v->in.workers);
  snprintf(parts[n++], PART_LEN, "batch %s",
           asr_log_thousands((long long)v->in.batch_size, a, sizeof a));
  if (v->in.machine_known) {
    snprintf(parts[n++], PART_LEN, "CPU %.0f%%", v->in.cpu_percent);
    format_bytes(v->in.rss_bytes, b, sizeof b);
    if (v->in.memory_percent > 0) snprintf(c, sizeof c, " (%.0f%%)", v->in.memory_percent);
    else c[0] = '\0';
    snprintf(parts[n++], PART_LEN, "mem %s%s", b, c);
  } else {
    snprintf(parts[n++], PART_LEN, "CPU --");
    snprintf(parts[n++], PART_LEN, "mem --");
  }
  snprintf(parts[n++], PART_LEN, "throttles %s",
           asr_log_thousands((long long)v->in.throttles, a, sizeof a));
  return n;
}

void asr_status_format(const asr_progress_values_t *v, const asr_status_style_t *style,
                       char *buf, size_t cap) {
  char parts[MAX_PARTS][PART_LEN], bar[BAR_CELLS * 3 + 16];
  unsigned n = status_parts(v, parts);
  unsigned width = (style->columns ? style->columns : DEFAULT_COLUMNS) - 1;
  if (cap == 0) return;
  buf[0] = '\0';
  size_t o = 0;
  if (v->in.total) {
    format_bar(v->percent, style, bar, sizeof bar);
    /* the bar only when the line's first two parts fit beside it */
    if (columns_of(bar) + 1 + columns_of(parts[0]) + 1 + columns_of(parts[1]) <= width)
      o += (size_t)snprintf(buf, cap, "%s ", bar);
  }
  unsigned used = columns_of(buf);
  for (unsigned i = 0; i < n && o < cap; i++) {
    const char *sep = i == 0 ? "" : i == 1 && v->in.total ? " " : "  ";
    unsigned w = columns_of(sep) + columns_of(parts[i]);
    if (used + w > width) break;
    o += (size_t)snprintf(buf + o, cap - o, "%s%s", sep, parts[i]);
    used += w;
  }
}
