/* Tests for monitor/history.c and monitor/recommend.c: recording runs (summary, columns,
 * intervals) and listing them newest first, the schema version (a newer one is refused), two
 * connections writing at once (busy timeout, IMMEDIATE transactions), and the recommendation
 * rules on known runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <cjson/cJSON.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "monitor/history.h"
#include "monitor/recommend.h"

static void temp_db(char *out, size_t n, const char *name) {
  snprintf(out, n, "%s/history-%d/%s.sqlite", ASR_TEST_TMP, (int)getpid(), name);
  unlink(out);
  char wal[1100];
  snprintf(wal, sizeof wal, "%s-wal", out);
  unlink(wal);
  snprintf(wal, sizeof wal, "%s-shm", out);
  unlink(wal);
}

/* A summary as runtime/report.c writes it, with a series of (workers, batch size) rows of
 * 5 s each. */
static cJSON *summary(const char *status, double docs, double rate, double throttles,
                      const int (*rows)[2], size_t nrows) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "status", status);
  cJSON_AddNumberToObject(o, "docs_written", docs);
  cJSON_AddNumberToObject(o, "avg_docs_per_second", rate);
  cJSON_AddNumberToObject(o, "duration_s", docs / rate);
  cJSON_AddNumberToObject(o, "throttles", throttles);
  cJSON_AddNumberToObject(o, "failed", 0);
  cJSON_AddNumberToObject(o, "workers", nrows ? rows[nrows - 1][0] : 4);
  cJSON_AddNumberToObject(o, "batch_size", nrows ? rows[nrows - 1][1] : 1000);
  cJSON_AddBoolToObject(o, "auto_scaling", 1);
  cJSON_AddStringToObject(o, "profile", "balanced");
  cJSON_AddStringToObject(o, "policy", "hill");
  cJSON *series = cJSON_AddObjectToObject(o, "series");
  cJSON_AddNumberToObject(series, "stride", 1);
  const char *cols[] = {"t", "interval", "docs_per_second", "workers", "batch_size", "throttles"};
  cJSON_AddItemToObject(series, "columns", cJSON_CreateStringArray(cols, 6));
  cJSON *list = cJSON_AddArrayToObject(series, "rows");
  for (size_t i = 0; i < nrows; i++) {
    double row[] = {5.0 * (double)(i + 1), 5.0, rate, rows[i][0], rows[i][1], 0};
    cJSON_AddItemToArray(list, cJSON_CreateDoubleArray(row, 6));
  }
  return o;
}

static asr_history_t *open_db(const char *path, int busy_ms) {
  asr_history_t *h = NULL;
  asr_err_t err;
  asr_err_clear(&err);
  asr_history_open_options_t opt = {.create = 1, .busy_timeout_ms = busy_ms};
  int rc = asr_history_open(path, &opt, &h, &err);
  if (rc) fail_msg("open: %s", err.msg);
  return h;
}

static int64_t record(asr_history_t *h, const char *strategy, const char *hash, cJSON *sum,
                      int exit_code) {
  asr_history_run_t run = {.strategy_path = strategy, .strategy_hash = hash,
                           .source_kind = "template", .target_kind = "sim", .max_workers = 8,
                           .max_batch_size = 5000, .exit_code = exit_code};
  asr_err_t err;
  asr_err_clear(&err);
  int64_t id = 0;
  int rc = asr_history_record(h, &run, sum, &id, &err);
  cJSON_Delete(sum);
  if (rc) fail_msg("record: %s", err.msg);
  return id;
}

static void test_record_and_list(void **state) {
  char path[1024];
  temp_db(path, sizeof path, "record");
  asr_history_t *h = open_db(path, 0);
  const int a_rows[][2] = {{2, 1000}, {4, 1000}, {4, 1000}, {4, 2000}};
  int64_t a = record(h, "/s/a.lua", "aaaa", summary("ok", 10000, 500, 0, a_rows, 4), 0);
  int64_t b = record(h, "/s/b.lua", "bbbb", summary("failed", 300, 100, 7, NULL, 0), 1);
  int64_t c = record(h, "/s/a.lua", "aaaa", summary("interrupted", 700, 350, 0, NULL, 0), 130);
  assert_true(a < b && b < c);

  asr_err_t err;
  asr_err_clear(&err);
  asr_history_entry_t *runs;
  size_t n;
  assert_int_equal(asr_history_list(h, NULL, &runs, &n, &err), 0);
  assert_int_equal(n, 3);
  assert_int_equal(runs[0].id, c); /* newest first */
  assert_string_equal(runs[0].status, "interrupted");
  assert_int_equal(runs[0].exit_code, 130);
  assert_int_equal(runs[1].id, b);
  assert_int_equal(runs[1].throttles, 7);
  assert_string_equal(runs[1].strategy_path, "/s/b.lua");
  assert_string_equal(runs[2].strategy_hash, "aaaa");
  assert_float_equal(runs[2].docs, 10000, 1e-9);
  assert_float_equal(runs[2].docs_per_second, 500, 1e-9);
  assert_string_equal(runs[2].profile, "balanced");
  assert_string_equal(runs[2].target_kind, "sim");
  assert_int_equal(runs[2].workers, 4); /* the final */
  assert_int_equal(runs[2].batch_size, 2000);
  assert_int_equal(runs[2].held_workers, 4); /* held longest: 4 × 1000 for 10 s */
  assert_int_equal(runs[2].held_batch_size, 1000);
  assert_float_equal(runs[2].held_s, 10.0, 1e-9);
  assert_int_equal(runs[2].max_workers, 8);
  assert_int_equal(strlen(runs[2].started_at), 20); /* 2026-01-02T03:04:05Z */
  free(runs);

  asr_history_query_t q = {.strategy_path = "/s/a.lua", .limit = 1};
  assert_int_equal(asr_history_list(h, &q, &runs, &n, &err), 0);
  assert_int_equal(n, 1);
  assert_int_equal(runs[0].id, c);
  free(runs);

  char *json;
  assert_int_equal(asr_history_summary(h, a, &json, &err), 0);
  cJSON *back = cJSON_Parse(json);
  free(json);
  assert_float_equal(cJSON_GetObjectItem(back, "docs_written")->valuedouble, 10000, 1e-9);
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(back, "series"),
                                                          "rows")), 4);
  cJSON_Delete(back);
  assert_int_equal(asr_history_summary(h, 999, &json, &err), ASR_EINVAL);
  assert_non_null(strstr(err.msg, "has no run 999"));
  asr_history_close(h);
}

static void test_missing_file_is_not_created(void **state) {
  char path[1024];
  temp_db(path, sizeof path, "missing");
  asr_history_t *h = NULL;
  asr_err_t err;
  asr_err_clear(&err);
  asr_history_open_options_t opt = {.create = 0};
  assert_int_equal(asr_history_open(path, &opt, &h, &err), ASR_EIO);
  assert_null(h);
  assert_non_null(strstr(err.msg, path));
  assert_int_equal(access(path, F_OK), -1);
}

static void exec_sql(const char *path, const char *sql) {
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
}

static int read_version(const char *path) {
  sqlite3 *db;
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  int v = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

static void test_schema_version(void **state) {
  char path[1024];
  temp_db(path, sizeof path, "schema");
  asr_history_close(open_db(path, 0));
  assert_int_equal(read_version(path), ASR_HISTORY_SCHEMA_VERSION);
  asr_history_close(open_db(path, 0)); /* the same version opens again */
  exec_sql(path, "PRAGMA user_version = 99");
  asr_history_t *h = NULL;
  asr_err_t err;
  asr_err_clear(&err);
  asr_history_open_options_t opt = {.create = 1};
  assert_int_equal(asr_history_open(path, &opt, &h, &err), ASR_EINVAL);
  assert_null(h);
  assert_non_null(strstr(err.msg, "schema version 99, newer than this asrun's 1"));
  assert_non_null(strstr(err.msg, "--history FILE"));
}

/* Another connection holds the write lock; released by a thread a little later. */
typedef struct holder {
  sqlite3 *db;
  int hold_ms;
} holder_t;

static void *release_later(void *arg) {
  holder_t *hd = arg;
  struct timespec ts = {hd->hold_ms / 1000, (long)(hd->hold_ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
  sqlite3_exec(hd->db, "COMMIT", NULL, NULL, NULL);
  return NULL;
}

static void test_two_connections_while_busy(void **state) {
  char path[1024];
  temp_db(path, sizeof path, "busy");
  asr_history_t *one = open_db(path, 0), *two = open_db(path, 20);
  sqlite3 *other;
  assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
  assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);

  /* a short busy timeout, the lock held throughout: a clear failure, nothing half-written */
  asr_history_run_t run = {.strategy_path = "/s/a.lua", .strategy_hash = "aaaa"};
  cJSON *sum = summary("ok", 100, 10, 0, NULL, 0);
  asr_err_t err;
  asr_err_clear(&err);
  int64_t id;
  assert_int_equal(asr_history_record(two, &run, sum, &id, &err), ASR_EIO);
  assert_non_null(strstr(err.msg, "database is locked"));

  /* the default timeout outlasts a lock released meanwhile: the run is recorded */
  holder_t hd = {other, 200};
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, release_later, &hd), 0);
  asr_err_clear(&err);
  int rc = asr_history_record(one, &run, sum, &id, &err);
  pthread_join(t, NULL);
  if (rc) fail_msg("record while busy: %s", err.msg);

  /* both connections record, one after the other, and both see both */
  asr_err_clear(&err);
  assert_int_equal(asr_history_record(two, &run, sum, &id, &err), 0);
  cJSON_Delete(sum);
  asr_history_entry_t *runs;
  size_t n;
  assert_int_equal(asr_history_list(one, NULL, &runs, &n, &err), 0);
  assert_int_equal(n, 2);
  free(runs);
  sqlite3_close(other);
  asr_history_close(one);
  asr_history_close(two);
}

/* Two threads, each with its own connection, recording at once. */
typedef struct writer {
  const char *path;
  int rc, count;
} writer_t;

static void *write_runs(void *arg) {
  writer_t *w = arg;
  asr_history_t *h = NULL;
  asr_err_t err;
  asr_err_clear(&err);
  asr_history_open_options_t opt = {.create = 1};
  w->rc = asr_history_open(w->path, &opt, &h, &err);
  for (int i = 0; w->rc == 0 && i < w->count; i++) {
    const int rows[][2] = {{2, 1000}, {3, 1000}};
    cJSON *sum = summary("ok", 1000, 100, 0, rows, 2);
    asr_history_run_t run = {.strategy_path = "/s/a.lua", .strategy_hash = "aaaa"};
    int64_t id;
    w->rc = asr_history_record(h, &run, sum, &id, &err);
    cJSON_Delete(sum);
  }
  asr_history_close(h);
  return NULL;
}

static void test_concurrent_writers_all_record(void **state) {
  char path[1024];
  temp_db(path, sizeof path, "concurrent");
  writer_t w[2] = {{path, 0, 25}, {path, 0, 25}};
  pthread_t t[2];
  for (int i = 0; i < 2; i++) assert_int_equal(pthread_create(&t[i], NULL, write_runs, &w[i]), 0);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  assert_int_equal(w[0].rc, 0);
  assert_int_equal(w[1].rc, 0);
  asr_history_t *h = open_db(path, 0);
  asr_history_entry_t *runs;
  size_t n;
  asr_err_t err;
  asr_err_clear(&err);
  assert_int_equal(asr_history_list(h, NULL, &runs, &n, &err), 0);
  assert_int_equal(n, 50);
  for (size_t i = 0; i < n; i++) assert_int_equal(runs[i].held_workers, 3); /* a tie: the later, where it settled */
  free(runs);
  asr_history_close(h);
}

/* ---- recommend ---- */

static asr_history_entry_t entry(int64_t id, const char *hash, double rate, uint64_t throttles,
                                 uint32_t held_workers, const char *status) {
  asr_history_entry_t e;
  memset(&e, 0, sizeof e);
  e.id = id;
  snprintf(e.strategy_hash, sizeof e.strategy_hash, "%s", hash);
  snprintf(e.status, sizeof e.status, "%s", status);
  snprintf(e.profile, sizeof e.profile, "balanced");
  snprintf(e.policy, sizeof e.policy, "aimd");
  e.auto_scaling = 1;
  e.docs = 1000;
  e.docs_per_second = rate;
  e.throttles = throttles;
  e.workers = e.held_workers = held_workers;
  e.batch_size = e.held_batch_size = 500 * held_workers;
  e.max_workers = 16;
  return e;
}

static void test_recommend_best_clean_run(void **state) {
  asr_history_entry_t runs[] = {
      entry(3, "v1", 900, 40, 12, "ok"),   /* fastest, but throttled */
      entry(2, "v1", 700, 0, 6, "ok"),     /* the best clean run */
      entry(1, "v1", 500, 0, 3, "ok"),
      entry(0, "v1", 2000, 0, 9, "failed"), /* incomplete: not counted */
  };
  asr_recommendation_t rec;
  asr_recommend(runs, 4, "v1", &rec);
  assert_true(rec.found);
  assert_true(rec.clean);
  assert_int_equal(rec.best->id, 2);
  assert_int_equal(rec.workers, 6);
  assert_int_equal(rec.batch_size, 3000);
  assert_string_equal(rec.profile, "balanced");
  assert_string_equal(rec.policy, "aimd");
  assert_int_equal(rec.considered, 3);
  assert_false(rec.changed);

  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  asr_recommend_print(out, "s.lua", runs, 4, "v1", &rec);
  fclose(out);
  assert_non_null(strstr(text, "workers:    6\n"));
  assert_non_null(strstr(text, "from run:   2 "));
  assert_non_null(strstr(text, "(not counted: incomplete)"));
  assert_non_null(strstr(text, "*     2 "));
  free(text);
}

static void test_recommend_conservative_when_all_throttled(void **state) {
  asr_history_entry_t runs[] = {entry(2, "v1", 300, 5, 4, "ok"), entry(1, "v1", 400, 9, 8, "ok")};
  asr_recommendation_t rec;
  asr_recommend(runs, 2, "v1", &rec);
  assert_true(rec.found);
  assert_false(rec.clean);
  assert_int_equal(rec.best->id, 1);
  assert_string_equal(rec.profile, "conservative");
}

static void test_recommend_aggressive_at_max_workers(void **state) {
  asr_history_entry_t runs[] = {entry(1, "v1", 800, 0, 16, "ok")};
  asr_recommendation_t rec;
  asr_recommend(runs, 1, "v1", &rec);
  assert_string_equal(rec.profile, "aggressive");
  assert_int_equal(rec.workers, 16);
}

static void test_recommend_without_runs(void **state) {
  asr_recommendation_t rec;
  asr_recommend(NULL, 0, "v1", &rec);
  assert_false(rec.found);
  assert_null(rec.best);
  asr_history_entry_t failed[] = {entry(1, "v1", 800, 0, 4, "interrupted")};
  asr_recommend(failed, 1, "v1", &rec);
  assert_false(rec.found);
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  asr_recommend_print(out, "s.lua", failed, 1, "v1", &rec);
  fclose(out);
  assert_non_null(strstr(text, "No completed run of this strategy is recorded"));
  assert_non_null(strstr(text, "Suggested first run: asrun s.lua --profile balanced"));
  free(text);
}

static void test_recommend_changed_strategy(void **state) {
  asr_history_entry_t runs[] = {entry(3, "old", 900, 0, 8, "ok"), entry(2, "new", 400, 0, 2, "ok"),
                                entry(1, "old", 950, 0, 9, "ok")};
  asr_recommendation_t rec;
  asr_recommend(runs, 3, "new", &rec); /* runs[0] is of another version: changed since */
  assert_true(rec.changed);
  assert_false(rec.from_older_version);
  assert_int_equal(rec.best->id, 2);
  assert_int_equal(rec.other_versions, 2);
  asr_recommend(runs, 3, "newer", &rec); /* no run of this version: the older ones, said so */
  assert_true(rec.changed);
  assert_true(rec.from_older_version);
  assert_int_equal(rec.best->id, 1);
}

static void test_hash_tells_versions_apart(void **state) {
  char path[1024], a[ASR_HISTORY_HASH_LEN + 1], b[ASR_HISTORY_HASH_LEN + 1];
  snprintf(path, sizeof path, "%s/history-hash-%d.lua", ASR_TEST_TMP, (int)getpid());
  asr_err_t err;
  asr_err_clear(&err);
  FILE *f = fopen(path, "w");
  fputs("return {}\n", f);
  fclose(f);
  assert_int_equal(asr_history_hash_file(path, a, &err), 0);
  f = fopen(path, "w");
  fputs("return { total = 1 }\n", f);
  fclose(f);
  assert_int_equal(asr_history_hash_file(path, b, &err), 0);
  assert_int_equal(strlen(a), ASR_HISTORY_HASH_LEN);
  assert_string_not_equal(a, b);
  unlink(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_record_and_list),
      cmocka_unit_test(test_missing_file_is_not_created),
      cmocka_unit_test(test_schema_version),
      cmocka_unit_test(test_two_connections_while_busy),
      cmocka_unit_test(test_concurrent_writers_all_record),
      cmocka_unit_test(test_recommend_best_clean_run),
      cmocka_unit_test(test_recommend_conservative_when_all_throttled),
      cmocka_unit_test(test_recommend_aggressive_at_max_workers),
      cmocka_unit_test(test_recommend_without_runs),
      cmocka_unit_test(test_recommend_changed_strategy),
      cmocka_unit_test(test_hash_tells_versions_apart),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
