/* Tests for monitor/report_html.c on fixed summaries: every chart drawn with one decision
 * marker per decision, texts from the summary escaped, the page of a run without intervals,
 * and the atomic write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/report_html.h"

#define NCHARTS 7 /* docs/s, workers, batch size, CPU, memory, latency p95, errors+throttles */

static const char SUMMARY[] =
    "{\"status\":\"ok\",\"output\":\"sim:steady\",\"docs_written\":120000,\"duration_s\":3.2,"
    "\"started_at\":\"2026-12-07T13:00:00.000Z\",\"ended_at\":\"2026-12-07T13:00:03.200Z\","
    "\"version\":\"0.1.0\",\"seed\":\"42\",\"avg_docs_per_second\":37500.5,"
    "\"decisions\":["
    "{\"t\":1.0,\"action\":\"scale_up\",\"reason\":\"Low CPU\",\"applied\":true,"
    "\"workers_from\":2,\"workers_to\":3,\"batch_size_from\":1000,\"batch_size_to\":1000},"
    "{\"t\":2.0,\"action\":\"hold\",\"reason\":\"p95 <&\\\"> target\",\"applied\":false,"
    "\"workers_from\":3,\"workers_to\":3,\"batch_size_from\":1000,\"batch_size_to\":1000},"
    "{\"t\":3.0,\"action\":\"scale_down\",\"reason\":\"Throttled\",\"applied\":true,"
    "\"workers_from\":3,\"workers_to\":2,\"batch_size_from\":1000,\"batch_size_to\":500}],"
    "\"series\":{\"stride\":1,\"columns\":[\"t\",\"interval\",\"docs_per_second\",\"workers\","
    "\"batch_size\",\"cpu_percent\",\"rss_bytes\",\"memory_percent\",\"latency_p95_ms\","
    "\"errors\",\"retries\",\"throttles\",\"queue_depth\",\"ru_per_second\"],\"rows\":["
    "[1.0,1.0,30000,2,1000,12.5,10485760,1.5,4.2,0,0,0,3,0],"
    "[2.0,1.0,40000,3,1000,20.0,11534336,1.6,5.0,1,2,3,4,0],"
    "[3.0,1.0,42000,3,1000,22.0,12582912,1.7,6.1,0,0,1,5,0]]}}";

static char *render(const char *json) {
  cJSON *summary = cJSON_Parse(json);
  assert_non_null(summary);
  char *page = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&page, &len);
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_html_report_render(summary, mem, &err), 0);
  fclose(mem);
  cJSON_Delete(summary);
  return page;
}

static int count(const char *from, const char *to, const char *needle) {
  int n = 0;
  for (const char *p = strstr(from, needle); p && (!to || p < to); p = strstr(p + 1, needle)) n++;
  return n;
}

static void test_charts_with_a_marker_per_decision(void **state) {
  char *page = render(SUMMARY);
  assert_int_equal(count(page, NULL, "<svg class=\"chart\""), NCHARTS);
  const char *ids[NCHARTS] = {"docs_per_second", "workers", "batch_size", "cpu_percent",
                              "memory", "latency_p95_ms", "errors_throttles"};
  for (int i = 0; i < NCHARTS; i++) {
    char id[64];
    snprintf(id, sizeof id, "id=\"chart-%s\"", ids[i]);
    const char *start = strstr(page, id);
    assert_non_null(start);
    const char *end = strstr(start, "</svg>");
    assert_non_null(end);
    assert_int_equal(count(start, end, "<g class=\"decision"), 3);
    assert_int_equal(count(start, end, "<g class=\"decision applied\""), 2);
    assert_int_equal(count(start, end, "seconds since start"), 1);
    assert_true(count(start, end, "<polyline class=\"series\"") >= 1);
  }
  assert_non_null(strstr(page, "<polyline class=\"series\" data-column=\"throttles\""));
  /* the decision's hover text: time, action, from → to, reason */
  assert_non_null(strstr(page, "<title>t = 1.0 s: scale_up (applied), workers 2 \u2192 3, "
                               "batch size 1,000 \u2192 1,000: Low CPU</title>"));
  assert_non_null(strstr(page, "id=\"status\">ok</span>"));
  assert_non_null(strstr(page, "<tr data-key=\"docs_written\"><th>Documents written</th>"
                               "<td class=\"num\">120,000</td><td>docs</td></tr>"));
  assert_non_null(strstr(page, "<tr data-key=\"seed\"><th>Seed</th><td>42</td>"));
  assert_null(strstr(page, "<p class=\"no-intervals\""));
  assert_null(strstr(page, "<script src"));
  /* nothing fetched: the only URL is the SVG namespace */
  assert_int_equal(count(page, NULL, "http"), count(page, NULL, "http://www.w3.org/2000/svg"));
  free(page);
}

static void test_reason_escaped(void **state) {
  char *page = render(SUMMARY);
  assert_null(strstr(page, "<&\">"));
  /* in each chart's title and in the decisions' table */
  assert_int_equal(count(page, NULL, "p95 &lt;&amp;&quot;&gt; target"), NCHARTS + 1);
  free(page);
}

static void test_failed_run_header_escaped(void **state) {
  char *page = render("{\"status\":\"interrupted\",\"error\":\"stopped <by> \\\"INT\\\" & more\","
                      "\"policy\":\"<b>hill</b>\",\"duration_s\":0.4}");
  assert_non_null(strstr(page, "class=\"status status-interrupted\" id=\"status\">interrupted<"));
  assert_non_null(strstr(page, "<p class=\"error\">stopped &lt;by&gt; &quot;INT&quot; &amp; "
                               "more</p>"));
  assert_non_null(strstr(page, "<td>&lt;b&gt;hill&lt;/b&gt;</td>"));
  assert_null(strstr(page, "<b>hill"));
  free(page);
}

static void test_no_intervals(void **state) {
  char *page = render("{\"status\":\"ok\",\"docs_written\":10,\"duration_s\":0.4,"
                      "\"series\":{\"stride\":1,\"columns\":[\"t\",\"docs_per_second\"],"
                      "\"rows\":[]}}");
  assert_non_null(strstr(page, "<p class=\"no-intervals\">No check interval completed: the run "
                               "lasted 0.4 s"));
  assert_int_equal(count(page, NULL, "<svg"), 0);
  assert_non_null(strstr(page, "<tr data-key=\"docs_written\">"));
  assert_non_null(strstr(page, "</html>\n"));
  free(page);
  page = render("{\"status\":\"ok\",\"duration_s\":0.4,\"series\":{\"stride\":1,"
                "\"columns\":[\"t\",\"docs_per_second\"],\"rows\":[[0.4,25]]}}");
  assert_non_null(strstr(page, "<p class=\"no-intervals\""));  /* the end's sample alone */
  assert_int_equal(count(page, NULL, "<svg"), 0);
  free(page);
  page = render("{\"status\":\"failed\"}"); /* no series at all: the same page */
  assert_non_null(strstr(page, "<p class=\"no-intervals\""));
  free(page);
}

static void test_write_is_atomic(void **state) {
  cJSON *summary = cJSON_Parse(SUMMARY);
  char path[512], tmp[600];
  snprintf(path, sizeof path, "%s/report_html_test.html", ASR_TEST_TMP);
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
  FILE *f = fopen(path, "w");
  fputs("old", f);
  fclose(f);
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_html_report_write(summary, path, &err), 0);
  char *page = render(SUMMARY);
  f = fopen(path, "r");
  assert_non_null(f);
  char *back = calloc(1, strlen(page) + 16);
  size_t n = fread(back, 1, strlen(page) + 8, f);
  fclose(f);
  assert_int_equal(n, strlen(page));
  assert_string_equal(back, page);
  assert_int_equal(access(tmp, F_OK), -1); /* no temporary file left */
  unlink(path);
  asr_err_clear(&err);
  assert_int_equal(asr_html_report_write(summary, "/nonexistent-dir/r.html", &err), ASR_EIO);
  assert_non_null(strstr(err.msg, "--report: cannot write /nonexistent-dir/r.html"));
  free(back);
  free(page);
  cJSON_Delete(summary);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_charts_with_a_marker_per_decision),
      cmocka_unit_test(test_reason_escaped),
      cmocka_unit_test(test_failed_run_header_escaped),
      cmocka_unit_test(test_no_intervals),
      cmocka_unit_test(test_write_is_atomic),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
