/* The run history in SQLite (history.h): the schema, recording a run in one transaction, and
 * the queries behind `asrun history`, `asrun recommend` and `asrun report`. */
#include "monitor/history.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "metrics/series.h"
#include "util/file.h"

/* BEGIN IMMEDIATE still busy after the busy timeout: tried this many times in all. */
#define BUSY_ATTEMPTS 5

struct asr_history {
  sqlite3 *db;
  char path[1024];
};

/* The per-interval columns, as the summary's "series" names them (metrics/series.h); the
 * intervals table below has one column of each name. */
#define SERIES_COLUMN_NAME(field) #field,
static const char *const SERIES_COLUMNS[] = {ASR_SERIES_COLUMNS(SERIES_COLUMN_NAME)};
#undef SERIES_COLUMN_NAME
#define NSERIES (sizeof SERIES_COLUMNS / sizeof SERIES_COLUMNS[0])

static const char SCHEMA[] =
    "CREATE TABLE runs ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL, ended_at TEXT,"
    " strategy_path TEXT, strategy_hash TEXT, source_kind TEXT, target_kind TEXT,"
    " profile TEXT, policy TEXT, auto_scaling INTEGER, docs REAL, docs_per_second REAL,"
    " duration_s REAL, workers INTEGER, batch_size INTEGER, max_workers INTEGER,"
    " max_batch_size INTEGER, throttles INTEGER, errors INTEGER, avg_cpu REAL,"
    " status TEXT, exit_code INTEGER, summary TEXT NOT NULL);"
    "CREATE INDEX runs_by_strategy ON runs(strategy_path, id);"
    "CREATE TABLE intervals ("
    " run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, seq INTEGER NOT NULL,"
    " t REAL, interval REAL, docs_per_second REAL, workers INTEGER, batch_size INTEGER,"
    " cpu_percent REAL, rss_bytes REAL, memory_percent REAL, latency_p95_ms REAL,"
    " errors REAL, retries REAL, throttles REAL, queue_depth REAL, ru_per_second REAL,"
    " PRIMARY KEY (run_id, seq));";

static int db_error(asr_history_t *h, const char *what, asr_err_t *err) {
  return asr_err_set(err, ASR_EIO, "run history %s: %s: %s", h->path, what, sqlite3_errmsg(h->db));
}

int asr_history_default_path(char *out, size_t n, asr_err_t *err) {
  const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
  int len;
  if (state && state[0] == '/')
    len = snprintf(out, n, "%s/asrun/history.sqlite", state);
  else if (home && home[0])
    len = snprintf(out, n, "%s/.local/state/asrun/history.sqlite", home);
  else
    return asr_err_set(err, ASR_EINVAL, "run history: neither XDG_STATE_HOME nor HOME is set; "
                       "give --history FILE");
  if (len < 0 || (size_t)len >= n)
    return asr_err_set(err, ASR_EINVAL, "run history: the default path is too long; give "
                       "--history FILE");
  return 0;
}

/* One directory of the path: made, or there already as a directory. */
static int make_dir(const char *dir, asr_err_t *err) {
  struct stat st;
  if (mkdir(dir, 0700) == 0) return 0;
  int e = errno;
  if (e == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) return 0;
  return asr_err_set(err, ASR_EIO, "run history: cannot create directory %s: %s", dir,
                     strerror(e == EEXIST ? ENOTDIR : e));
}

/* mkdir -p of the file's directory (0700: the history is the user's own). */
static int make_parent_dirs(const char *path, asr_err_t *err) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (!slash || slash == dir) return 0;
  *slash = '\0';
  for (char *p = dir + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    int rc = make_dir(dir, err);
    *p = '/';
    if (rc) return rc;
  }
  return make_dir(dir, err);
}

/* BEGIN IMMEDIATE (the write lock up front, so two writers never deadlock on an upgrade),
 * tried again while another connection holds it past the busy timeout. */
static int begin_write(asr_history_t *h, asr_err_t *err) {
  int rc = SQLITE_BUSY;
  for (int i = 0; i < BUSY_ATTEMPTS && (rc == SQLITE_BUSY || rc == SQLITE_LOCKED); i++)
    rc = sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  return rc == SQLITE_OK ? 0 : db_error(h, "cannot start a transaction", err);
}

static void rollback(asr_history_t *h) { sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL); }

static int commit(asr_history_t *h, asr_err_t *err) {
  int rc = SQLITE_BUSY;
  for (int i = 0; i < BUSY_ATTEMPTS && rc == SQLITE_BUSY; i++)
    rc = sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL);
  if (rc == SQLITE_OK) return 0;
  db_error(h, "cannot commit", err);
  rollback(h);
  return ASR_EIO;
}

static int user_version(asr_history_t *h, int *version) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(h->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK) return -1;
  int rc = sqlite3_step(st);
  *version = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
  sqlite3_finalize(st);
  return rc == SQLITE_ROW ? 0 : -1;
}

/* Creates the schema in a new database; refuses one of a newer version. */
static int ensure_schema(asr_history_t *h, asr_err_t *err) {
  int version;
  if (user_version(h, &version)) return db_error(h, "cannot read the schema version", err);
  if (version == ASR_HISTORY_SCHEMA_VERSION) return 0;
  if (version > ASR_HISTORY_SCHEMA_VERSION)
    return asr_err_set(err, ASR_EINVAL, "run history %s has schema version %d, newer than this "
                       "asrun's %d: use a newer asrun, or another file with --history FILE",
                       h->path, version, ASR_HISTORY_SCHEMA_VERSION);
  if (begin_write(h, err)) return ASR_EIO;
  if (user_version(h, &version)) { /* another connection may have made it meanwhile */
    rollback(h);
    return db_error(h, "cannot read the schema version", err);
  }
  if (version == 0) {
    char set_version[64];
    snprintf(set_version, sizeof set_version, "PRAGMA user_version = %d",
             ASR_HISTORY_SCHEMA_VERSION);
    if (sqlite3_exec(h->db, SCHEMA, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(h->db, set_version, NULL, NULL, NULL) != SQLITE_OK) {
      db_error(h, "cannot create the tables", err);
      rollback(h);
      return ASR_EIO;
    }
  }
  return commit(h, err);
}

static int configure(asr_history_t *h, int busy_timeout_ms, asr_err_t *err) {
  sqlite3_busy_timeout(h->db, busy_timeout_ms > 0 ? busy_timeout_ms : ASR_HISTORY_BUSY_TIMEOUT_MS);
  sqlite3_stmt *st = NULL;
  int ok = sqlite3_prepare_v2(h->db, "PRAGMA journal_mode=WAL", -1, &st, NULL) == SQLITE_OK &&
           sqlite3_step(st) == SQLITE_ROW &&
           strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
  sqlite3_finalize(st);
  if (!ok) return db_error(h, "cannot switch to WAL mode", err);
  if (sqlite3_exec(h->db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL", NULL, NULL,
                   NULL) != SQLITE_OK)
    return db_error(h, "cannot configure the connection", err);
  return ensure_schema(h, err);
}

int asr_history_open(const char *path, const asr_history_open_options_t *opt,
                     asr_history_t **out, asr_err_t *err) {
  *out = NULL;
  asr_history_open_options_t none = {0};
  if (!opt) opt = &none;
  if (strlen(path) >= sizeof ((asr_history_t *)0)->path)
    return asr_err_set(err, ASR_EINVAL, "run history: path too long: %s", path);
  if (!opt->create && access(path, F_OK) != 0)
    return asr_err_set(err, ASR_EIO, "run history %s: %s (runs record there unless "
                       "--no-history)", path, strerror(errno));
  if (opt->create && make_parent_dirs(path, err)) return ASR_EIO;
  asr_history_t *h = calloc(1, sizeof *h);
  if (!h) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  snprintf(h->path, sizeof h->path, "%s", path);
  int flags = SQLITE_OPEN_READWRITE | (opt->create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path, &h->db, flags, NULL);
  if (rc != SQLITE_OK) rc = db_error(h, "cannot open", err);
  else rc = configure(h, opt->busy_timeout_ms, err);
  if (rc) {
    asr_history_close(h);
    return rc;
  }
  *out = h;
  return 0;
}

void asr_history_close(asr_history_t *h) {
  if (!h) return;
  sqlite3_close_v2(h->db);
  free(h);
}

/* ---- recording ---- */

static double json_num(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *json_str(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void iso_utc(time_t t, char *out, size_t n) {
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void bind_text(sqlite3_stmt *st, int i, const char *s) {
  if (s) sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
  else sqlite3_bind_null(st, i);
}

static int insert_run(asr_history_t *h, const asr_history_run_t *run, const cJSON *sum,
                      const char *text, int64_t *id, asr_err_t *err) {
  static const char sql[] =
      "INSERT INTO runs (started_at, ended_at, strategy_path, strategy_hash, source_kind,"
      " target_kind, profile, policy, auto_scaling, docs, docs_per_second, duration_s, workers,"
      " batch_size, max_workers, max_batch_size, throttles, errors, avg_cpu, status, exit_code,"
      " summary) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK)
    return db_error(h, "cannot prepare the run's row", err);
  char started[40], ended[40];
  time_t now = time(NULL);
  iso_utc(now - (time_t)json_num(sum, "duration_s"), started, sizeof started);
  iso_utc(now, ended, sizeof ended);
  const char *s_started = json_str(sum, "started_at"), *s_ended = json_str(sum, "ended_at");
  const cJSON *auto_scaling = cJSON_GetObjectItemCaseSensitive(sum, "auto_scaling");
  int scaling = cJSON_IsTrue(auto_scaling);
  int i = 1;
  bind_text(st, i++, s_started ? s_started : started);
  bind_text(st, i++, s_ended ? s_ended : ended);
  bind_text(st, i++, run->strategy_path);
  bind_text(st, i++, run->strategy_hash);
  bind_text(st, i++, run->source_kind);
  bind_text(st, i++, run->target_kind);
  bind_text(st, i++, scaling ? json_str(sum, "profile") : NULL);
  bind_text(st, i++, scaling ? json_str(sum, "policy") : NULL);
  sqlite3_bind_int(st, i++, scaling);
  sqlite3_bind_double(st, i++, json_num(sum, "docs_written"));
  sqlite3_bind_double(st, i++, json_num(sum, "avg_docs_per_second"));
  sqlite3_bind_double(st, i++, json_num(sum, "duration_s"));
  sqlite3_bind_int64(st, i++, (int64_t)json_num(sum, "workers"));
  sqlite3_bind_int64(st, i++, (int64_t)json_num(sum, "batch_size"));
  sqlite3_bind_int64(st, i++, run->max_workers);
  sqlite3_bind_int64(st, i++, run->max_batch_size);
  sqlite3_bind_int64(st, i++, (int64_t)json_num(sum, "throttles"));
  double failed = json_num(sum, "failed"), dead = json_num(sum, "dead_lettered");
  sqlite3_bind_int64(st, i++, (int64_t)(failed > dead ? failed : dead)); /* rejections are often both */
  sqlite3_bind_double(st, i++, json_num(sum, "avg_cpu_usage"));
  bind_text(st, i++, json_str(sum, "status"));
  sqlite3_bind_int(st, i++, run->exit_code);
  bind_text(st, i++, text);
  int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_error(h, "cannot record the run", err);
  sqlite3_finalize(st);
  if (rc == 0) *id = sqlite3_last_insert_rowid(h->db);
  return rc;
}

/* Where each of SERIES_COLUMNS sits in the series' "columns" (-1: absent). */
static void map_columns(const cJSON *columns, int where[NSERIES]) {
  for (size_t c = 0; c < NSERIES; c++) {
    where[c] = -1;
    int i = 0;
    for (const cJSON *col = columns ? columns->child : NULL; col; col = col->next, i++)
      if (cJSON_IsString(col) && strcmp(col->valuestring, SERIES_COLUMNS[c]) == 0) where[c] = i;
  }
}

static int insert_intervals(asr_history_t *h, int64_t id, const cJSON *sum, asr_err_t *err) {
  const cJSON *series = cJSON_GetObjectItemCaseSensitive(sum, "series");
  const cJSON *rows = cJSON_GetObjectItemCaseSensitive(series, "rows");
  if (!cJSON_IsArray(rows)) return 0; /* a summary without a series: no intervals */
  int where[NSERIES];
  map_columns(cJSON_GetObjectItemCaseSensitive(series, "columns"), where);
  char sql[512];
  int len = snprintf(sql, sizeof sql, "INSERT INTO intervals (run_id, seq");
  for (size_t c = 0; c < NSERIES; c++) len += snprintf(sql + len, sizeof sql - (size_t)len, ", %s", SERIES_COLUMNS[c]);
  len += snprintf(sql + len, sizeof sql - (size_t)len, ") VALUES (?, ?");
  for (size_t c = 0; c < NSERIES; c++) len += snprintf(sql + len, sizeof sql - (size_t)len, ", ?");
  snprintf(sql + len, sizeof sql - (size_t)len, ")");
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK)
    return db_error(h, "cannot prepare the intervals", err);
  int rc = 0, seq = 0;
  for (const cJSON *row = rows->child; row && rc == 0; row = row->next, seq++) {
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, seq);
    for (size_t c = 0; c < NSERIES; c++) {
      const cJSON *v = where[c] >= 0 ? cJSON_GetArrayItem(row, where[c]) : NULL;
      if (cJSON_IsNumber(v)) sqlite3_bind_double(st, 3 + (int)c, v->valuedouble);
      else sqlite3_bind_null(st, 3 + (int)c);
    }
    if (sqlite3_step(st) != SQLITE_DONE) rc = db_error(h, "cannot record the intervals", err);
  }
  sqlite3_finalize(st);
  return rc;
}

int asr_history_record(asr_history_t *h, const asr_history_run_t *run, const cJSON *summary,
                       int64_t *id, asr_err_t *err) {
  char *text = cJSON_PrintUnformatted(summary);
  if (!text) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  int64_t rid = 0;
  int rc = begin_write(h, err);
  if (rc == 0) {
    rc = insert_run(h, run, summary, text, &rid, err);
    if (rc == 0) rc = insert_intervals(h, rid, summary, err);
    if (rc) rollback(h);
    else rc = commit(h, err);
  }
  free(text);
  if (rc == 0 && id) *id = rid;
  return rc;
}

/* ---- queries ---- */

static void copy_col(sqlite3_stmt *st, int i, char *out, size_t n) {
  const unsigned char *s = sqlite3_column_text(st, i);
  snprintf(out, n, "%s", s ? (const char *)s : "");
}

static void read_entry(sqlite3_stmt *st, asr_history_entry_t *e) {
  int i = 0;
  e->id = sqlite3_column_int64(st, i++);
  copy_col(st, i++, e->started_at, sizeof e->started_at);
  copy_col(st, i++, e->strategy_path, sizeof e->strategy_path);
  copy_col(st, i++, e->strategy_hash, sizeof e->strategy_hash);
  copy_col(st, i++, e->source_kind, sizeof e->source_kind);
  copy_col(st, i++, e->target_kind, sizeof e->target_kind);
  copy_col(st, i++, e->profile, sizeof e->profile);
  copy_col(st, i++, e->policy, sizeof e->policy);
  copy_col(st, i++, e->status, sizeof e->status);
  e->exit_code = sqlite3_column_int(st, i++);
  e->auto_scaling = sqlite3_column_int(st, i++);
  e->docs = sqlite3_column_double(st, i++);
  e->docs_per_second = sqlite3_column_double(st, i++);
  e->duration_s = sqlite3_column_double(st, i++);
  e->avg_cpu = sqlite3_column_double(st, i++);
  e->throttles = (uint64_t)sqlite3_column_int64(st, i++);
  e->errors = (uint64_t)sqlite3_column_int64(st, i++);
  e->workers = (uint32_t)sqlite3_column_int64(st, i++);
  e->batch_size = (uint32_t)sqlite3_column_int64(st, i++);
  e->max_workers = (uint32_t)sqlite3_column_int64(st, i++);
  e->max_batch_size = (uint32_t)sqlite3_column_int64(st, i++);
  e->held_workers = e->workers;
  e->held_batch_size = e->batch_size;
  e->held_s = 0;
}

/* The workers and batch size the run held longest, from its intervals. */
static int read_held(asr_history_t *h, sqlite3_stmt *held, asr_history_entry_t *e,
                     asr_err_t *err) {
  sqlite3_reset(held);
  sqlite3_bind_int64(held, 1, e->id);
  int rc = sqlite3_step(held);
  if (rc == SQLITE_ROW && sqlite3_column_type(held, 0) != SQLITE_NULL) {
    e->held_workers = (uint32_t)sqlite3_column_int64(held, 0);
    e->held_batch_size = (uint32_t)sqlite3_column_int64(held, 1);
    e->held_s = sqlite3_column_double(held, 2);
  }
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_error(h, "cannot read the intervals", err);
}

static int grow(asr_history_entry_t **list, size_t n, size_t *cap) {
  if (n < *cap) return 0;
  size_t ncap = *cap ? *cap * 2 : 16;
  asr_history_entry_t *p = realloc(*list, ncap * sizeof *p);
  if (!p) return -1;
  *list = p;
  *cap = ncap;
  return 0;
}

int asr_history_list(asr_history_t *h, const asr_history_query_t *q, asr_history_entry_t **out,
                     size_t *n, asr_err_t *err) {
  static const char sql[] =
      "SELECT id, started_at, strategy_path, strategy_hash, source_kind, target_kind, profile,"
      " policy, status, exit_code, auto_scaling, docs, docs_per_second, duration_s, avg_cpu,"
      " throttles, errors, workers, batch_size, max_workers, max_batch_size FROM runs"
      " WHERE (?1 IS NULL OR strategy_path = ?1) AND (?2 = 0 OR id = ?2)"
      " ORDER BY id DESC LIMIT ?3";
  static const char held_sql[] =
      "SELECT workers, batch_size, SUM(interval) AS held FROM intervals WHERE run_id = ?"
      " AND workers IS NOT NULL GROUP BY workers, batch_size ORDER BY held DESC, MAX(seq) DESC"
      " LIMIT 1";
  *out = NULL;
  *n = 0;
  sqlite3_stmt *st = NULL, *held = NULL;
  if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(h->db, held_sql, -1, &held, NULL) != SQLITE_OK) {
    sqlite3_finalize(st);
    return db_error(h, "cannot query the runs", err);
  }
  bind_text(st, 1, q ? q->strategy_path : NULL);
  sqlite3_bind_int64(st, 2, q ? q->id : 0);
  sqlite3_bind_int64(st, 3, q && q->limit > 0 ? q->limit : -1);
  asr_history_entry_t *list = NULL;
  size_t count = 0, cap = 0;
  int rc = 0, step;
  while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
    if (grow(&list, count, &cap)) rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
    else {
      read_entry(st, &list[count]);
      rc = read_held(h, held, &list[count++], err);
    }
  }
  if (rc == 0 && step != SQLITE_DONE) rc = db_error(h, "cannot query the runs", err);
  sqlite3_finalize(st);
  sqlite3_finalize(held);
  if (rc) {
    free(list);
    return rc;
  }
  *out = list;
  *n = count;
  return 0;
}

const char *asr_history_when(const asr_history_entry_t *e, char out[20]) {
  snprintf(out, 20, "%.10s %.8s", e->started_at, strlen(e->started_at) > 11 ? e->started_at + 11 : "");
  return out;
}

int asr_history_summary(asr_history_t *h, int64_t id, char **json, asr_err_t *err) {
  *json = NULL;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(h->db, "SELECT summary FROM runs WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
    return db_error(h, "cannot query the runs", err);
  sqlite3_bind_int64(st, 1, id);
  int step = sqlite3_step(st), rc = 0;
  if (step == SQLITE_ROW) {
    *json = strdup((const char *)sqlite3_column_text(st, 0));
    if (!*json) rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
  } else if (step == SQLITE_DONE) {
    rc = asr_err_set(err, ASR_EINVAL, "run history %s has no run %lld (asrun history lists "
                     "them)", h->path, (long long)id);
  } else {
    rc = db_error(h, "cannot query the runs", err);
  }
  sqlite3_finalize(st);
  return rc;
}

int asr_history_hash_file(const char *path, char out[ASR_HISTORY_HASH_LEN + 1], asr_err_t *err) {
  char *text;
  size_t len;
  if (asr_read_file(path, "strategy", &text, &len, err)) return ASR_EIO;
  uint64_t hash = 14695981039346656037ULL; /* FNV-1a 64 */
  for (size_t i = 0; i < len; i++) hash = (hash ^ (unsigned char)text[i]) * 1099511628211ULL;
  free(text);
  snprintf(out, ASR_HISTORY_HASH_LEN + 1, "%016llx", (unsigned long long)hash);
  return 0;
}
