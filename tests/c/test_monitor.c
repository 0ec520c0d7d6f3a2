/* The monitor module: the Prometheus exposition text of a known set of values (exact),
 * label escaping, the histogram's cumulative buckets, /status's JSON, the progress values,
 * JSON fields and status line, the docs/s window, --metrics-listen's address parsing and a
 * bind that fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/endpoint.h"
#include "monitor/exposition.h"
#include "monitor/progress.h"

/* ---- known values ---- */

static void known_values(asr_monitor_values_t *v) {
  memset(v, 0, sizeof *v);
  asr_progress_input_t in = {.done = 4200, .total = 10000, .workers = 8, .batch_size = 500,
                             .machine_known = 1, .cpu_percent = 63.25, .rss_bytes = 104857600,
                             .memory_percent = 12.5, .throttles = 3};
  asr_progress_compute(&in, 1234.5, &v->progress);
  v->elapsed_s = 12.5;
  v->docs_read = 4500;
  v->docs_written = 4200;
  v->docs_dropped = 10;
  v->docs_failed = 2;
  v->bytes_written = 1048576;
  v->errors = 2;
  v->retries = 5;
  v->throttles = 3;
  v->request_units = 8400.5;
  v->queue_depth = 3;
  v->queue_capacity = 16;
  v->in_flight = 8;
  v->pool_in_use = 4;
  v->pool_size = 10;
  asr_hist_t h;
  asr_hist_init(&h);
  for (int i = 0; i < 3; i++) asr_hist_record(&h, 800);  /* bucket [800, 831] us */
  for (int i = 0; i < 2; i++) asr_hist_record(&h, 3000); /* [2944, 3071] */
  asr_hist_record(&h, 1500000);                          /* [1441792, 1507327] */
  asr_hist_record(&h, 90000000);                         /* past the last bound, 60 s */
  asr_hist_read(&h, &v->latency);
  v->latency_sum_s = 91.5084;
  v->auto_scaling = 1;
  v->scale_ups = 2;
  v->scale_downs = 1;
  v->holds = 4;
  v->has_decision = 1;
  snprintf(v->action, sizeof v->action, "scale_down");
  snprintf(v->reason, sizeof v->reason, "High memory usage: \"88%%\" of C:\\data\nnext");
  v->decision_unix_s = 1796650000.25;
}

static const char EXPECTED[] =
    "# HELP asrun_build_info The asrun version serving these metrics.\n"
    "# TYPE asrun_build_info gauge\n"
    "asrun_build_info{version=\"" ASR_VERSION "\"} 1\n"
    "# HELP asrun_documents_read_total Records the source handed out.\n"
    "# TYPE asrun_documents_read_total counter\n"
    "asrun_documents_read_total 4500\n"
    "# HELP asrun_documents_written_total Documents written to the target.\n"
    "# TYPE asrun_documents_written_total counter\n"
    "asrun_documents_written_total 4200\n"
    "# HELP asrun_documents_dropped_total Documents the transform dropped (returned nil).\n"
    "# TYPE asrun_documents_dropped_total counter\n"
    "asrun_documents_dropped_total 10\n"
    "# HELP asrun_documents_failed_total Documents that failed for good (the dead letters).\n"
    "# TYPE asrun_documents_failed_total counter\n"
    "asrun_documents_failed_total 2\n"
    "# HELP asrun_bytes_written_total BSON bytes handed to the target.\n"
    "# TYPE asrun_bytes_written_total counter\n"
    "asrun_bytes_written_total 1048576\n"
    "# HELP asrun_errors_total Documents the target refused.\n"
    "# TYPE asrun_errors_total counter\n"
    "asrun_errors_total 2\n"
    "# HELP asrun_retries_total Writes and reads retried.\n"
    "# TYPE asrun_retries_total counter\n"
    "asrun_retries_total 5\n"
    "# HELP asrun_throttles_total Writes and reads the database throttled (429, 16500).\n"
    "# TYPE asrun_throttles_total counter\n"
    "asrun_throttles_total 3\n"
    "# HELP asrun_request_units_total Request units the database charged.\n"
    "# TYPE asrun_request_units_total counter\n"
    "asrun_request_units_total 8400.5\n"
    "# HELP asrun_workers Worker threads asked for.\n"
    "# TYPE asrun_workers gauge\n"
    "asrun_workers 8\n"
    "# HELP asrun_batch_size Documents a batch.\n"
    "# TYPE asrun_batch_size gauge\n"
    "asrun_batch_size 500\n"
    "# HELP asrun_queue_depth Batches waiting for a worker.\n"
    "# TYPE asrun_queue_depth gauge\n"
    "asrun_queue_depth 3\n"
    "# HELP asrun_queue_capacity Batches the queue holds.\n"
    "# TYPE asrun_queue_capacity gauge\n"
    "asrun_queue_capacity 16\n"
    "# HELP asrun_in_flight_batches Batches being processed.\n"
    "# TYPE asrun_in_flight_batches gauge\n"
    "asrun_in_flight_batches 8\n"
    "# HELP asrun_cpu_percent CPU use of this process, percent of the machine.\n"
    "# TYPE asrun_cpu_percent gauge\n"
    "asrun_cpu_percent 63.25\n"
    "# HELP asrun_rss_bytes Resident memory of this process.\n"
    "# TYPE asrun_rss_bytes gauge\n"
    "asrun_rss_bytes 104857600\n"
    "# HELP asrun_memory_percent Resident memory, percent of the memory limit.\n"
    "# TYPE asrun_memory_percent gauge\n"
    "asrun_memory_percent 12.5\n"
    "# HELP asrun_documents_per_second Documents written a second, over the last seconds.\n"
    "# TYPE asrun_documents_per_second gauge\n"
    "asrun_documents_per_second 1234.5\n"
    "# HELP asrun_pool_in_use Database connections in use.\n"
    "# TYPE asrun_pool_in_use gauge\n"
    "asrun_pool_in_use 4\n"
    "# HELP asrun_pool_size Database connections in the pool.\n"
    "# TYPE asrun_pool_size gauge\n"
    "asrun_pool_size 10\n"
    "# HELP asrun_elapsed_seconds Seconds since the run started.\n"
    "# TYPE asrun_elapsed_seconds gauge\n"
    "asrun_elapsed_seconds 12.5\n"
    "# HELP asrun_documents_expected Documents the source will hand out.\n"
    "# TYPE asrun_documents_expected gauge\n"
    "asrun_documents_expected 10000\n"
    "# HELP asrun_write_latency_seconds Time the target took to write a batch.\n"
    "# TYPE asrun_write_latency_seconds histogram\n"
    "asrun_write_latency_seconds_bucket{le=\"0.001\"} 3\n"
    "asrun_write_latency_seconds_bucket{le=\"0.0025\"} 3\n"
    "asrun_write_latency_seconds_bucket{le=\"0.005\"} 5\n"
    "asrun_write_latency_seconds_bucket{le=\"0.01\"} 5\n"
    "asrun_write_latency_seconds_bucket{le=\"0.025\"} 5\n"
    "asrun_write_latency_seconds_bucket{le=\"0.05\"} 5\n"
    "asrun_write_latency_seconds_bucket{le=\"0.1\"} 5\n"
    "asrun_write_latency_seconds_bucket{le=\"0.25\"} 5\n"
    "asrun_write_latency_seconds_bucket{le=\"0.5\"} 5\n"
    "asrun_write_latency_seconds_bucket{le=\"1\"} 5\n"
    "asrun_write_latency_seconds_bucket{le=\"2.5\"} 6\n"
    "asrun_write_latency_seconds_bucket{le=\"5\"} 6\n"
    "asrun_write_latency_seconds_bucket{le=\"10\"} 6\n"
    "asrun_write_latency_seconds_bucket{le=\"30\"} 6\n"
    "asrun_write_latency_seconds_bucket{le=\"60\"} 6\n"
    "asrun_write_latency_seconds_bucket{le=\"+Inf\"} 7\n"
    "asrun_write_latency_seconds_sum 91.5084\n"
    "asrun_write_latency_seconds_count 7\n"
    "# HELP asrun_scaling_decisions_total Decisions of the auto-scaler's policy, by action.\n"
    "# TYPE asrun_scaling_decisions_total counter\n"
    "asrun_scaling_decisions_total{action=\"scale_up\"} 2\n"
    "asrun_scaling_decisions_total{action=\"scale_down\"} 1\n"
    "asrun_scaling_decisions_total{action=\"hold\"} 4\n"
    "# HELP asrun_auto_scaling 1 while the auto-scaler is on.\n"
    "# TYPE asrun_auto_scaling gauge\n"
    "asrun_auto_scaling 1\n"
    "# HELP asrun_last_decision_timestamp_seconds When the auto-scaler last decided, seconds "
    "since the epoch.\n"
    "# TYPE asrun_last_decision_timestamp_seconds gauge\n"
    "asrun_last_decision_timestamp_seconds 1796650000.25\n"
    "# HELP asrun_last_decision_info The auto-scaler's last decision and its reason.\n"
    "# TYPE asrun_last_decision_info gauge\n"
    "asrun_last_decision_info{action=\"scale_down\",reason=\"High memory usage: \\\"88%\\\" of "
    "C:\\\\data\\nnext\"} 1\n";

static char *format_text(const asr_monitor_values_t *v) {
  asr_buf_t b;
  asr_buf_init(&b);
  assert_int_equal(asr_exposition_format(v, &b), 0);
  asr_buf_append(&b, "", 1);
  return (char *)b.data;
}

static void test_exposition_exact(void **state) {
  asr_monitor_values_t *v = malloc(sizeof *v);
  known_values(v);
  char *text = format_text(v);
  assert_string_equal(text, EXPECTED);
  free(text);
  free(v);
}

/* Without a total, a decision or the auto-scaler: no expected gauge, no last decision. */
static void test_exposition_unknowns(void **state) {
  asr_monitor_values_t *v = calloc(1, sizeof *v);
  asr_progress_input_t in = {.done = 7, .workers = 1, .batch_size = 1};
  asr_progress_compute(&in, 0, &v->progress);
  char *text = format_text(v);
  assert_null(strstr(text, "asrun_documents_expected"));
  assert_null(strstr(text, "asrun_last_decision"));
  assert_null(strstr(text, "asrun_cpu_percent")); /* no snapshot yet */
  assert_null(strstr(text, "asrun_rss_bytes"));
  assert_non_null(strstr(text, "asrun_auto_scaling 0\n"));
  assert_non_null(strstr(text, "asrun_write_latency_seconds_bucket{le=\"+Inf\"} 0\n"
                               "asrun_write_latency_seconds_sum 0\n"
                               "asrun_write_latency_seconds_count 0\n"));
  free(text);
  free(v);
}

static void test_label_escaping(void **state) {
  asr_buf_t b;
  asr_buf_init(&b);
  assert_int_equal(asr_exposition_label_value("a\\b\"c\nd\te", &b), 0);
  asr_buf_append(&b, "", 1);
  assert_string_equal((char *)b.data, "a\\\\b\\\"c\\nd\te"); /* a tab stays as it is */
  asr_buf_free(&b);
}

/* Buckets never fall, +Inf is the count, and each bucket holds every value at or below its
 * bound (the histogram's buckets are at most 1/16 wide: a value just under a bound may count
 * in the next one, never in an earlier one). */
static void test_histogram_cumulative(void **state) {
  asr_monitor_values_t *v = calloc(1, sizeof *v);
  asr_hist_t h;
  asr_hist_init(&h);
  uint64_t values[] = {1, 999, 1000, 1001, 2499, 2600, 9000, 40000, 99000, 100000, 700000,
                       2400000, 9999999, 31000000, 59000000, 61000000, 500000000};
  size_t n = sizeof values / sizeof values[0];
  for (size_t i = 0; i < n; i++) asr_hist_record(&h, values[i]);
  asr_hist_read(&h, &v->latency);
  char *text = format_text(v);
  const char *p = text;
  unsigned long long prev = 0, count = 0;
  int buckets = 0;
  while ((p = strstr(p, "asrun_write_latency_seconds_bucket{le=\""))) {
    p += strlen("asrun_write_latency_seconds_bucket{le=\"");
    char le[16];
    unsigned long long c;
    assert_int_equal(sscanf(p, "%15[^\"]\"} %llu", le, &c), 2);
    assert_true(c >= prev);
    if (strcmp(le, "+Inf") != 0) {
      double bound_us = strtod(le, NULL) * 1e6;
      size_t at_or_below = 0, below_sixteenth = 0;
      for (size_t i = 0; i < n; i++) {
        if ((double)values[i] <= bound_us) at_or_below++;
        if ((double)values[i] * 17.0 / 16.0 < bound_us) below_sixteenth++;
      }
      assert_true(c <= at_or_below);
      assert_true(c >= below_sixteenth);
    } else {
      count = c;
    }
    prev = c;
    buckets++;
  }
  assert_int_equal(buckets, 16);
  assert_int_equal(count, n);
  char want[64];
  snprintf(want, sizeof want, "asrun_write_latency_seconds_count %zu\n", n);
  assert_non_null(strstr(text, want));
  free(text);
  free(v);
}

static void test_status_json(void **state) {
  asr_monitor_values_t *v = malloc(sizeof *v);
  known_values(v);
  asr_buf_t b;
  asr_buf_init(&b);
  assert_int_equal(asr_exposition_status_json(v, &b), 0);
  asr_buf_append(&b, "", 1);
  cJSON *j = cJSON_Parse((char *)b.data);
  assert_non_null(j);
  assert_int_equal(cJSON_GetObjectItem(j, "done")->valuedouble, 4200);
  assert_int_equal(cJSON_GetObjectItem(j, "total")->valuedouble, 10000);
  assert_true(fabs(cJSON_GetObjectItem(j, "percent")->valuedouble - 42) < 1e-9);
  assert_true(fabs(cJSON_GetObjectItem(j, "eta_s")->valuedouble - 4.7) < 1e-9);
  assert_int_equal(cJSON_GetObjectItem(j, "docs_failed")->valuedouble, 2);
  assert_int_equal(cJSON_GetObjectItem(j, "throttles")->valuedouble, 3);
  cJSON *last = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "scaling"), "last_decision");
  assert_string_equal(cJSON_GetObjectItem(last, "action")->valuestring, "scale_down");
  assert_string_equal(cJSON_GetObjectItem(last, "reason")->valuestring,
                      "High memory usage: \"88%\" of C:\\data\nnext");
  cJSON_Delete(j);
  asr_buf_free(&b);
  free(v);
}

/* ---- progress ---- */

static void test_progress_values(void **state) {
  asr_progress_values_t v;
  asr_progress_input_t in = {.done = 250, .total = 1000};
  asr_progress_compute(&in, 50, &v);
  assert_true(fabs(v.percent - 25) < 1e-9);
  assert_true(fabs(v.eta_s - 15) < 1e-9);
  asr_progress_compute(&in, 0, &v); /* nothing moves: no ETA */
  assert_true(v.eta_s < 0);
  in.done = 1500; /* a transform that fans out */
  asr_progress_compute(&in, 50, &v);
  assert_true(fabs(v.percent - 100) < 1e-9);
  assert_true(fabs(v.eta_s) < 1e-9);
  in.total = 0; /* unknown */
  asr_progress_compute(&in, 50, &v);
  assert_true(v.percent < 0 && v.eta_s < 0);
}

static void test_progress_json_fields(void **state) {
  asr_monitor_values_t *m = malloc(sizeof *m);
  known_values(m);
  char buf[512];
  asr_progress_json_fields(&m->progress, buf, sizeof buf);
  assert_string_equal(buf, "\"done\":4200,\"total\":10000,\"percent\":42.00,"
                           "\"docs_per_second\":1234.5,\"eta_s\":4.7,\"workers\":8,"
                           "\"batch_size\":500,\"cpu_percent\":63.2,\"rss_bytes\":104857600,"
                           "\"memory_percent\":12.5,\"throttles\":3");
  asr_progress_input_t in = {.done = 9, .workers = 1, .batch_size = 2};
  asr_progress_values_t v;
  asr_progress_compute(&in, 3, &v);
  asr_progress_json_fields(&v, buf, sizeof buf);
  assert_string_equal(buf, "\"done\":9,\"total\":null,\"percent\":null,\"docs_per_second\":3.0,"
                           "\"eta_s\":null,\"workers\":1,\"batch_size\":2,\"cpu_percent\":null,"
                           "\"rss_bytes\":null,\"memory_percent\":null,\"throttles\":0");
  free(m);
}

static void test_status_line(void **state) {
  asr_monitor_values_t *m = malloc(sizeof *m);
  known_values(m);
  char line[1024];
  asr_status_style_t ascii = {.utf8 = 0, .color = 0, .columns = 200};
  asr_status_format(&m->progress, &ascii, line, sizeof line);
  assert_string_equal(line, "[########------------]  42.0% 4,200/10,000 docs  1,235 docs/s  "
                            "ETA 0:05  workers 8  batch 500  CPU 63%  mem 100 MB (12%)  "
                            "throttles 3");
  asr_status_style_t utf8 = {.utf8 = 1, .color = 1, .columns = 200};
  asr_status_format(&m->progress, &utf8, line, sizeof line);
  assert_non_null(strstr(line, "[\033[32m\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588"
                               "\u258D\033[0m\u2591"));
  /* narrow terminals: the tail goes first, then the bar */
  asr_status_style_t narrow = {.utf8 = 0, .color = 0, .columns = 64};
  asr_status_format(&m->progress, &narrow, line, sizeof line);
  assert_string_equal(line, "[########------------]  42.0% 4,200/10,000 docs  1,235 docs/s");
  narrow.columns = 40;
  asr_status_format(&m->progress, &narrow, line, sizeof line);
  assert_string_equal(line, " 42.0% 4,200/10,000 docs  1,235 docs/s");
  /* an unknown total: rate and done, no bar, % or ETA */
  asr_progress_input_t in = m->progress.in;
  in.total = 0;
  asr_progress_values_t v;
  asr_progress_compute(&in, 1234.5, &v);
  asr_status_format(&v, &ascii, line, sizeof line);
  assert_string_equal(line, "4,200 docs  1,235 docs/s  workers 8  batch 500  CPU 63%  "
                            "mem 100 MB (12%)  throttles 3");
  /* ETA in hours */
  in.total = 9960200;
  asr_progress_compute(&in, 1000, &v);
  asr_status_format(&v, &ascii, line, sizeof line);
  assert_non_null(strstr(line, "ETA 2:45:56"));
  in.machine_known = 0; /* before the first snapshot */
  asr_progress_compute(&in, 1000, &v);
  asr_status_format(&v, &ascii, line, sizeof line);
  assert_non_null(strstr(line, "  batch 500  CPU --  mem --  throttles 3"));
  free(m);
}

static void test_rate_window(void **state) {
  asr_rate_window_t w;
  asr_rate_window_init(&w);
  assert_true(asr_rate_window_add(&w, 0, 0) == 0);
  assert_true(fabs(asr_rate_window_add(&w, 1, 100) - 100) < 1e-9);
  assert_true(fabs(asr_rate_window_add(&w, 2, 200) - 100) < 1e-9);
  /* a burst, then the window (5 s) forgets the slow start */
  for (int t = 3; t <= 20; t++) asr_rate_window_add(&w, t, 200 + (uint64_t)(t - 2) * 1000);
  double r = asr_rate_window_add(&w, 21, 200 + 19 * 1000);
  assert_true(fabs(r - 1000) < 1e-9);
  /* many samples a second: the ring keeps the window's oldest it can */
  asr_rate_window_init(&w);
  for (int i = 0; i <= 400; i++) r = asr_rate_window_add(&w, i * 0.01, (uint64_t)i * 10);
  assert_true(fabs(r - 1000) < 1e-6);
}

/* ---- the endpoint ---- */

static void test_parse_address(void **state) {
  char host[64], port[8];
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_endpoint_parse_address("9464", host, sizeof host, port, sizeof port,
                                              &err), 0);
  assert_string_equal(host, "127.0.0.1");
  assert_string_equal(port, "9464");
  assert_int_equal(asr_endpoint_parse_address("0.0.0.0:80", host, sizeof host, port,
                                              sizeof port, &err), 0);
  assert_string_equal(host, "0.0.0.0");
  assert_string_equal(port, "80");
  assert_int_equal(asr_endpoint_parse_address("[::1]:9464", host, sizeof host, port,
                                              sizeof port, &err), 0);
  assert_string_equal(host, "::1");
  assert_int_equal(asr_endpoint_parse_address(":9464", host, sizeof host, port, sizeof port,
                                              &err), 0);
  assert_string_equal(host, "127.0.0.1");
  const char *bad[] = {"127.0.0.1:99999", "localhost:", "localhost:http", "::1:9464",
                       "[::1]9464", "", "1.2.3.4:-1"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    asr_err_clear(&err);
    assert_int_equal(asr_endpoint_parse_address(bad[i], host, sizeof host, port, sizeof port,
                                                &err), ASR_EINVAL);
    assert_non_null(strstr(err.msg, "--metrics-listen"));
    assert_non_null(strstr(err.msg, bad[i]));
  }
}

static void test_bind_in_use(void **state) {
  asr_err_t err;
  asr_err_clear(&err);
  asr_endpoint_t *a = NULL, *b = NULL;
  assert_int_equal(asr_endpoint_open("127.0.0.1:0", &a, &err), 0);
  const char *url = asr_endpoint_url(a);
  assert_true(strncmp(url, "http://127.0.0.1:", 17) == 0);
  char spec[64];
  snprintf(spec, sizeof spec, "127.0.0.1:%s", url + 17);
  assert_int_equal(asr_endpoint_open(spec, &b, &err), ASR_EINVAL);
  assert_null(b);
  assert_non_null(strstr(err.msg, "cannot listen there: Address already in use"));
  asr_endpoint_close(a);
  asr_err_clear(&err);
  /* an address of no interface here (TEST-NET-1) */
  assert_int_equal(asr_endpoint_open("192.0.2.1:9464", &b, &err), ASR_EINVAL);
  assert_non_null(strstr(err.msg, "--metrics-listen 192.0.2.1:9464: cannot listen there: "
                                  "Cannot assign requested address"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exposition_exact),   cmocka_unit_test(test_exposition_unknowns),
      cmocka_unit_test(test_label_escaping),     cmocka_unit_test(test_histogram_cumulative),
      cmocka_unit_test(test_status_json),        cmocka_unit_test(test_progress_values),
      cmocka_unit_test(test_progress_json_fields), cmocka_unit_test(test_status_line),
      cmocka_unit_test(test_rate_window),        cmocka_unit_test(test_parse_address),
      cmocka_unit_test(test_bind_in_use),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
