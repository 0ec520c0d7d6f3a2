/* The HTML run report (report_html.h): a header with the run's status, one inline SVG chart
 * per metric over the summary's "series" with the decisions marked, the summary table and
 * the decisions' list. Reads nothing but the summary JSON; keys it does not find are left
 * out (a number it does not find counts as 0), so an older or partial summary still renders. */
#include "monitor/report_html.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/file.h"

/* Chart geometry, in SVG user units (the SVG scales to its column: two on a wide page). */
#define CHART_W 600.0
#define CHART_H 210.0
#define PAD_L 72.0 /* room for the y ticks' labels */
#define PAD_R 16.0
#define PAD_T 24.0 /* room for the legend, above the plot */
#define PAD_B 44.0 /* room for the x ticks' labels and the axis title */
#define TICKS 4    /* about as many intervals on each axis */
#define MAX_LINES 2

typedef struct chart_line {
  const char *column, *label, *color;
} chart_line_t;

typedef struct chart {
  const char *id, *title, *unit;
  double scale; /* a cell times scale is plotted (bytes → MB) */
  chart_line_t lines[MAX_LINES];
} chart_t;

static const chart_t CHARTS[] = {
    {"docs_per_second", "Throughput", "docs/s", 1, {{"docs_per_second", "docs/s", "#2563eb"}}},
    {"workers", "Workers", "workers", 1, {{"workers", "workers", "#16a34a"}}},
    {"batch_size", "Batch size", "documents", 1, {{"batch_size", "batch size", "#9333ea"}}},
    {"cpu_percent", "CPU", "% of the machine", 1, {{"cpu_percent", "CPU %", "#ea580c"}}},
    {"memory", "Memory (RSS)", "MB", 1.0 / 1048576.0, {{"rss_bytes", "RSS", "#0891b2"}}},
    {"latency_p95_ms", "Write latency p95", "ms", 1, {{"latency_p95_ms", "p95", "#db2777"}}},
    {"errors_throttles", "Errors and throttles", "per interval", 1,
     {{"errors", "errors", "#dc2626"}, {"throttles", "throttles", "#ca8a04"}}},
};
#define NCHARTS (sizeof CHARTS / sizeof CHARTS[0])

/* The summary's main keys, in the table's order, with their units. */
typedef struct summary_key {
  const char *key, *label, *unit;
} summary_key_t;

static const summary_key_t KEYS[] = {
    {"status", "Status", ""}, {"error", "Error", ""}, {"started_at", "Started", "UTC"},
    {"ended_at", "Ended", "UTC"}, {"duration_s", "Duration", "s"},
    {"version", "asrun version", ""}, {"seed", "Seed", ""}, {"output", "Output", ""},
    {"docs_read", "Documents read", "docs"}, {"docs_written", "Documents written", "docs"},
    {"docs_dropped", "Dropped by the transform", "docs"},
    {"dead_lettered", "Dead-lettered", "docs"}, {"duplicates", "Duplicates", "docs"},
    {"errors", "Errors", "docs"}, {"retries", "Retries", ""}, {"throttles", "Throttles", ""},
    {"batches", "Batches", ""}, {"bytes_written", "Bytes written", "bytes"},
    {"avg_docs_per_second", "Average throughput", "docs/s"},
    {"peak_docs_per_second", "Peak throughput", "docs/s"},
    {"avg_cpu_usage", "CPU, average", "%"}, {"peak_cpu_usage", "CPU, peak", "%"},
    {"avg_memory_usage", "Memory, average", "%"}, {"peak_memory_usage", "Memory, peak", "%"},
    {"peak_rss_bytes", "RSS, peak", "bytes"}, {"latency_p50_ms", "Write latency p50", "ms"},
    {"latency_p95_ms", "Write latency p95", "ms"}, {"latency_p99_ms", "Write latency p99", "ms"},
    {"request_units", "Request units", "RU"}, {"ru_governor_rate", "RU governor pace", "RU/s"},
    {"auto_scaling", "Auto-scaling", ""}, {"profile", "Profile", ""}, {"policy", "Policy", ""},
    {"start_workers", "Workers at the start", ""}, {"workers", "Workers at the end", ""},
    {"start_batch_size", "Batch size at the start", "docs"},
    {"batch_size", "Batch size at the end", "docs"},
    {"scaling_decisions_count", "Scaling decisions", ""},
    {"scaling_changes_applied", "Changes applied", ""}, {"balance", "Balance", ""},
    {"hint", "To continue", ""},
};

static const char CSS[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;"
    "max-width:1240px;padding:0 16px;color:#111827;background:#fff}"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:22px 0 6px}"
    ".status{display:inline-block;padding:2px 10px;border-radius:10px;font-weight:600;color:#fff}"
    ".status-ok{background:#16a34a}.status-failed{background:#dc2626}"
    ".status-interrupted{background:#d97706}.meta{color:#4b5563;margin:4px 0}"
    ".error{color:#b91c1c}.no-intervals{padding:10px;background:#fef3c7;border-radius:6px}"
    ".charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));"
    "gap:4px 24px}svg.chart{width:100%;height:auto;display:block;margin-bottom:6px}"
    ".axis{stroke:#9ca3af;stroke-width:1}.grid{stroke:#e5e7eb;stroke-width:1}"
    ".tick{font-size:11px;fill:#4b5563}.axis-title{font-size:12px;fill:#374151}"
    ".series{fill:none;stroke-width:2}.legend{font-size:12px}"
    ".decision .mark{stroke:#6b7280;stroke-width:1;stroke-dasharray:3 3}"
    ".decision.applied .mark{stroke:#111827;stroke-width:1.5;stroke-dasharray:none}"
    ".decision .hit{stroke:transparent;stroke-width:9}"
    ".decision:hover .mark{stroke:#f59e0b;stroke-width:3}"
    "table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:3px 8px;"
    "border-bottom:1px solid #e5e7eb;vertical-align:top}th{font-weight:600;width:30%}"
    "#summary{max-width:780px}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}";

/* ---- reading the summary ---- */

static double number_at(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsNumber(v) && isfinite(v->valuedouble) ? v->valuedouble : 0;
}

static const char *string_at(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The summary's "series": rows of cells in the order of "columns". */
typedef struct series_view {
  const cJSON *columns, *rows;
  int nrows, col_t;
} series_view_t;

static int column_index(const series_view_t *s, const char *name) {
  int i = 0;
  const cJSON *c;
  cJSON_ArrayForEach(c, s->columns) {
    if (cJSON_IsString(c) && strcmp(c->valuestring, name) == 0) return i;
    i++;
  }
  return -1;
}

static double cell(const cJSON *row, int col) {
  const cJSON *v = col < 0 ? NULL : cJSON_GetArrayItem(row, col);
  return cJSON_IsNumber(v) && isfinite(v->valuedouble) ? v->valuedouble : 0;
}

static series_view_t series_view(const cJSON *summary) {
  const cJSON *series = cJSON_GetObjectItemCaseSensitive(summary, "series");
  series_view_t s = {cJSON_GetObjectItemCaseSensitive(series, "columns"),
                     cJSON_GetObjectItemCaseSensitive(series, "rows"), 0, -1};
  if (!cJSON_IsArray(s.columns) || !cJSON_IsArray(s.rows)) return (series_view_t){0, 0, 0, -1};
  s.col_t = column_index(&s, "t");
  s.nrows = s.col_t < 0 ? 0 : cJSON_GetArraySize(s.rows);
  return s;
}

static const cJSON *decisions_of(const cJSON *summary) {
  const cJSON *d = cJSON_GetObjectItemCaseSensitive(summary, "decisions");
  return cJSON_IsArray(d) ? d : NULL;
}

/* ---- writing text ---- */

/* text with HTML's and XML's special characters as entities (for element text and
 * attribute values alike). */
static void put_escaped(FILE *out, const char *text) {
  for (const char *p = text ? text : ""; *p; p++) {
    switch (*p) {
    case '&': fputs("&amp;", out); break;
    case '<': fputs("&lt;", out); break;
    case '>': fputs("&gt;", out); break;
    case '"': fputs("&quot;", out); break;
    case '\'': fputs("&#39;", out); break;
    default: fputc(*p, out);
    }
  }
}

/* 1234567 → "1,234,567"; other values with two decimals (three significant digits below 1). */
static void format_number(double v, char *buf, size_t n) {
  if (v == floor(v) && fabs(v) < 1e15) {
    char digits[32];
    snprintf(digits, sizeof digits, "%.0f", fabs(v));
    size_t len = strlen(digits), o = 0;
    if (v < 0 && o + 1 < n) buf[o++] = '-';
    for (size_t i = 0; i < len && o + 2 < n; i++) {
      if (i && (len - i) % 3 == 0) buf[o++] = ',';
      buf[o++] = digits[i];
    }
    buf[o] = '\0';
  } else {
    snprintf(buf, n, fabs(v) >= 1 ? "%.2f" : "%.3g", v);
  }
}

/* An axis tick: 2500000 → "2.5M", 12000 → "12k". */
static void format_tick(double v, char *buf, size_t n) {
  if (fabs(v) >= 1e9) snprintf(buf, n, "%.4gG", v / 1e9);
  else if (fabs(v) >= 1e6) snprintf(buf, n, "%.4gM", v / 1e6);
  else if (fabs(v) >= 1e4) snprintf(buf, n, "%.4gk", v / 1e3);
  else snprintf(buf, n, "%.4g", v);
}

/* ---- axes ---- */

/* The tick step for a range 0..max: 1, 2 or 5 times a power of ten, about TICKS steps. */
static double tick_step(double max) {
  if (!(max > 0)) return 1;
  double raw = max / TICKS, unit = pow(10, floor(log10(raw))), f = raw / unit;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * unit;
}

typedef struct axes {
  double x_max, x_step, y_max, y_step;
} axes_t;

static double px_x(const axes_t *a, double t) {
  return PAD_L + (CHART_W - PAD_L - PAD_R) * (a->x_max > 0 ? t / a->x_max : 0);
}

static double px_y(const axes_t *a, double v) {
  double f = a->y_max > 0 ? v / a->y_max : 0;
  return CHART_H - PAD_B - (CHART_H - PAD_B - PAD_T) * (f < 0 ? 0 : f > 1 ? 1 : f);
}

/* The last moment anything happened: the last row, the last decision, the run's end. */
static double time_span(const cJSON *summary, const series_view_t *s) {
  double end = number_at(summary, "duration_s");
  if (s->nrows) end = fmax(end, cell(cJSON_GetArrayItem(s->rows, s->nrows - 1), s->col_t));
  const cJSON *d;
  cJSON_ArrayForEach(d, decisions_of(summary)) end = fmax(end, number_at(d, "t"));
  return end;
}

static double chart_max(const chart_t *c, const series_view_t *s) {
  double max = 0;
  for (int l = 0; l < MAX_LINES && c->lines[l].column; l++) {
    int col = column_index(s, c->lines[l].column);
    const cJSON *row;
    cJSON_ArrayForEach(row, s->rows) max = fmax(max, cell(row, col) * c->scale);
  }
  return max;
}

static void put_axes(FILE *out, const axes_t *a, const char *unit) {
  char label[32];
  double bottom = CHART_H - PAD_B;
  for (double v = 0; v <= a->y_max + a->y_step / 2; v += a->y_step) {
    double y = px_y(a, v);
    format_tick(v, label, sizeof label);
    fprintf(out, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
            "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
            PAD_L, y, CHART_W - PAD_R, y, PAD_L - 6, y + 4, label);
  }
  for (double t = 0; t <= a->x_max * (1 + 1e-9); t += a->x_step) {
    double x = px_x(a, t);
    format_tick(t, label, sizeof label);
    fprintf(out, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
            "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
            x, bottom, x, bottom + 5, x, bottom + 18, label);
  }
  fprintf(out, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
          "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
          PAD_L, PAD_T, PAD_L, bottom, PAD_L, bottom, CHART_W - PAD_R, bottom);
  fprintf(out, "<text class=\"axis-title\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">"
          "seconds since start</text>\n", (PAD_L + CHART_W - PAD_R) / 2, CHART_H - 6);
  fprintf(out, "<text class=\"axis-title\" x=\"14\" y=\"%.1f\" text-anchor=\"middle\" "
          "transform=\"rotate(-90 14 %.1f)\">", (PAD_T + bottom) / 2, (PAD_T + bottom) / 2);
  put_escaped(out, unit);
  fputs("</text>\n", out);
}

/* ---- the charts ---- */

static void put_line(FILE *out, const chart_t *c, const chart_line_t *line, const axes_t *a,
                     const series_view_t *s) {
  int col = column_index(s, line->column);
  if (col < 0) return;
  fprintf(out, "<polyline class=\"series\" data-column=\"%s\" stroke=\"%s\" points=\"",
          line->column, line->color);
  const cJSON *row;
  cJSON_ArrayForEach(row, s->rows)
    fprintf(out, "%.1f,%.1f ", px_x(a, cell(row, s->col_t)), px_y(a, cell(row, col) * c->scale));
  fprintf(out, "\"><title>%s</title></polyline>\n", line->label);
  if (s->nrows == 1) { /* one point draws no line */
    row = cJSON_GetArrayItem(s->rows, 0);
    fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n",
            px_x(a, cell(row, s->col_t)), px_y(a, cell(row, col) * c->scale), line->color);
  }
}

static void put_legend(FILE *out, const chart_t *c) {
  double x = CHART_W - PAD_R;
  for (int l = MAX_LINES - 1; l >= 0; l--) {
    if (!c->lines[l].column) continue;
    fprintf(out, "<text class=\"legend\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" "
            "fill=\"%s\">%s</text>\n", x, PAD_T - 8, c->lines[l].color, c->lines[l].label);
    x -= 12 + 8 * (double)strlen(c->lines[l].label);
  }
}

/* "t = 12.5 s: scale_up (applied), workers 4 → 5, batch size 1,000 → 2,000: REASON" */
static void put_decision_title(FILE *out, const cJSON *d) {
  const cJSON *applied = cJSON_GetObjectItemCaseSensitive(d, "applied");
  char w0[32], w1[32], b0[32], b1[32];
  format_number(number_at(d, "workers_from"), w0, sizeof w0);
  format_number(number_at(d, "workers_to"), w1, sizeof w1);
  format_number(number_at(d, "batch_size_from"), b0, sizeof b0);
  format_number(number_at(d, "batch_size_to"), b1, sizeof b1);
  fprintf(out, "<title>t = %.1f s: ", number_at(d, "t"));
  put_escaped(out, string_at(d, "action"));
  fprintf(out, " (%s), workers %s \u2192 %s, batch size %s \u2192 %s: ",
          cJSON_IsTrue(applied) ? "applied" : "not applied", w0, w1, b0, b1);
  put_escaped(out, string_at(d, "reason"));
  if (string_at(d, "note")) {
    fputs(" (", out);
    put_escaped(out, string_at(d, "note"));
    fputs(")", out);
  }
  fputs("</title>", out);
}

/* One marker per decision: a dashed line at its time (solid when it changed something), with
 * a wider invisible line under it so that hovering finds it. */
static void put_decisions(FILE *out, const cJSON *summary, const axes_t *a) {
  const cJSON *d;
  cJSON_ArrayForEach(d, decisions_of(summary)) {
    double x = px_x(a, number_at(d, "t"));
    fprintf(out, "<g class=\"decision%s\">",
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "applied")) ? " applied" : "");
    put_decision_title(out, d);
    for (int i = 0; i < 2; i++)
      fprintf(out, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
              i ? "mark" : "hit", x, PAD_T, x, CHART_H - PAD_B);
    fputs("</g>\n", out);
  }
}

static void put_chart(FILE *out, const chart_t *c, const cJSON *summary, const series_view_t *s,
                      double span) {
  axes_t a = {.x_max = span > 0 ? span : 1, .x_step = tick_step(span)}; /* time: to the end */
  double max = chart_max(c, s);
  a.y_step = tick_step(max);
  a.y_max = fmax(a.y_step, ceil(max / a.y_step) * a.y_step);
  fprintf(out, "<section class=\"chart-box\"><h2>%s <small>(%s)</small></h2>\n", c->title,
          c->unit);
  fprintf(out, "<svg class=\"chart\" id=\"chart-%s\" xmlns=\"http://www.w3.org/2000/svg\" "
          "viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"%s over time\">\n", c->id,
          CHART_W, CHART_H, c->title);
  put_axes(out, &a, c->unit);
  for (int l = 0; l < MAX_LINES && c->lines[l].column; l++) put_line(out, c, &c->lines[l], &a, s);
  put_legend(out, c);
  put_decisions(out, summary, &a);
  fputs("</svg></section>\n", out);
}

static void put_charts(FILE *out, const cJSON *summary) {
  series_view_t s = series_view(summary);
  if (s.nrows < 2) { /* the one point of a run's tail, or none: nothing over time */
    fprintf(out, "<p class=\"no-intervals\">No check interval completed: the run lasted %.1f s, "
            "less than one check, so there is no time series to chart.</p>\n",
            number_at(summary, "duration_s"));
    return;
  }
  double span = time_span(summary, &s);
  const cJSON *series = cJSON_GetObjectItemCaseSensitive(summary, "series");
  fprintf(out, "<p class=\"meta\">%d points, one every %.0f check interval%s; vertical lines "
          "mark the scaling decisions (solid: applied), hover one for its reason.</p>\n",
          s.nrows, fmax(1, number_at(series, "stride")),
          number_at(series, "stride") > 1 ? "s" : "");
  fputs("<div class=\"charts\">\n", out);
  for (size_t i = 0; i < NCHARTS; i++) put_chart(out, &CHARTS[i], summary, &s, span);
  fputs("</div>\n", out);
}

/* ---- the header and the tables ---- */

static void put_header(FILE *out, const cJSON *summary) {
  const char *status = string_at(summary, "status");
  int known = status && (strcmp(status, "ok") == 0 || strcmp(status, "failed") == 0 ||
                         strcmp(status, "interrupted") == 0);
  fputs("<h1>asrun run report <span class=\"status status-", out);
  fputs(known ? status : "unknown", out);
  fputs("\" id=\"status\">", out);
  put_escaped(out, status ? status : "unknown");
  fputs("</span></h1>\n<p class=\"meta\">", out);
  put_escaped(out, string_at(summary, "started_at"));
  fputs(" \u2013 ", out);
  put_escaped(out, string_at(summary, "ended_at"));
  fputs(", to ", out);
  put_escaped(out, string_at(summary, "output"));
  fputs(", asrun ", out);
  put_escaped(out, string_at(summary, "version"));
  fputs("</p>\n", out);
  if (string_at(summary, "error")) {
    fputs("<p class=\"error\">", out);
    put_escaped(out, string_at(summary, "error"));
    fputs("</p>\n", out);
  }
}

static void put_value(FILE *out, const cJSON *v) {
  char num[64];
  if (cJSON_IsString(v)) {
    put_escaped(out, v->valuestring);
  } else if (cJSON_IsNumber(v)) {
    format_number(isfinite(v->valuedouble) ? v->valuedouble : 0, num, sizeof num);
    fputs(num, out);
  } else if (cJSON_IsBool(v)) {
    fputs(cJSON_IsTrue(v) ? "yes" : "no", out);
  }
}

static void put_summary_table(FILE *out, const cJSON *summary) {
  fputs("<h2>Summary</h2>\n<table id=\"summary\">\n", out);
  for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(summary, KEYS[i].key);
    if (!v || cJSON_IsNull(v)) continue;
    fprintf(out, "<tr data-key=\"%s\"><th>%s</th><td%s>", KEYS[i].key, KEYS[i].label,
            cJSON_IsNumber(v) ? " class=\"num\"" : "");
    put_value(out, v);
    fprintf(out, "</td><td>%s</td></tr>\n", KEYS[i].unit);
  }
  fputs("</table>\n", out);
}

static void put_decision_row(FILE *out, const cJSON *d) {
  char w0[32], w1[32], b0[32], b1[32];
  format_number(number_at(d, "workers_from"), w0, sizeof w0);
  format_number(number_at(d, "workers_to"), w1, sizeof w1);
  format_number(number_at(d, "batch_size_from"), b0, sizeof b0);
  format_number(number_at(d, "batch_size_to"), b1, sizeof b1);
  fprintf(out, "<tr><td class=\"num\">%.1f</td><td>", number_at(d, "t"));
  put_escaped(out, string_at(d, "action"));
  fprintf(out, "</td><td>%s</td><td>%s \u2192 %s</td><td>%s \u2192 %s</td><td>",
          cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "applied")) ? "yes" : "no", w0, w1,
          b0, b1);
  put_escaped(out, string_at(d, "reason"));
  if (string_at(d, "note")) {
    fputs(" <small>(", out);
    put_escaped(out, string_at(d, "note"));
    fputs(")</small>", out);
  }
  fputs("</td></tr>\n", out);
}

static void put_decisions_table(FILE *out, const cJSON *summary) {
  const cJSON *list = decisions_of(summary);
  if (!list || cJSON_GetArraySize(list) == 0) return;
  fputs("<h2>Scaling decisions</h2>\n", out);
  if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(summary, "decisions_truncated")))
    fputs("<p class=\"meta\">Only the first decisions were kept; the count above has them "
          "all.</p>\n", out);
  fputs("<table id=\"decisions\"><tr><th>t (s)</th><th>action</th><th>applied</th>"
        "<th>workers</th><th>batch size</th><th>reason</th></tr>\n", out);
  const cJSON *d;
  cJSON_ArrayForEach(d, list) put_decision_row(out, d);
  fputs("</table>\n", out);
}

int asr_html_report_render(const cJSON *summary, FILE *out, asr_err_t *err) {
  fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>asrun run report: ", out);
  put_escaped(out, string_at(summary, "status"));
  fputs(", ", out);
  put_escaped(out, string_at(summary, "started_at"));
  fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n", CSS);
  put_header(out, summary);
  put_charts(out, summary);
  put_summary_table(out, summary);
  put_decisions_table(out, summary);
  fputs("</body>\n</html>\n", out);
  if (fflush(out) != 0 || ferror(out))
    return asr_err_set(err, ASR_EIO, "--report: cannot write the page");
  return 0;
}

int asr_html_report_write(const cJSON *summary, const char *path, asr_err_t *err) {
  char *page = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&page, &len);
  if (!mem) return asr_err_set(err, ASR_ENOMEM, "--report: out of memory");
  int rc = asr_html_report_render(summary, mem, err);
  if (fclose(mem) != 0 && rc == 0) rc = asr_err_set(err, ASR_ENOMEM, "--report: out of memory");
  if (rc == 0) rc = asr_write_file_atomic(path, page, len, "--report", err);
  free(page);
  return rc;
}
