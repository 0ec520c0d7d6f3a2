/* The checkpoint file (see checkpoint.h): format, strict parse, atomic save. */
#include "runtime/checkpoint.h"

#include <bson/bson.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/file.h"

#define MAX_EXACT 9007199254740992.0 /* 2^53: integers above it do not survive a double */

static const char *const STATUSES[] = {"running", "stopped", "failed", "refused", "complete"};

/* ---- writing ---- */

static int add_u64(cJSON *o, const char *key, uint64_t v) {
  return cJSON_AddNumberToObject(o, key, (double)v) != NULL;
}

/* Canonical Extended JSON of the {_id: v} key; NULL when there is none. */
static char *key_json(const asr_source_pos_t *p) {
  bson_t doc;
  if (!p->key || !bson_init_static(&doc, p->key, p->key_len)) return NULL;
  return bson_as_canonical_extended_json(&doc, NULL);
}

static cJSON *pos_json(const asr_source_pos_t *p) {
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  int ok = add_u64(o, "index", p->index) && add_u64(o, "offset", p->offset) &&
           add_u64(o, "line", p->line) && add_u64(o, "col", p->col) &&
           add_u64(o, "state", p->state) && cJSON_AddBoolToObject(o, "at_end", p->at_end);
  char *key = key_json(p);
  if (ok && key) ok = cJSON_AddStringToObject(o, "key", key) != NULL;
  bson_free(key);
  if (!ok) cJSON_Delete(o);
  return ok ? o : NULL;
}

static cJSON *run_json(const asr_checkpoint_run_t *r) {
  cJSON *o = cJSON_CreateObject();
  char seed[24], clock[24];
  snprintf(seed, sizeof seed, "%" PRIu64, r->seed); /* a string: seeds use all 64 bits */
  snprintf(clock, sizeof clock, "%" PRId64, r->clock_ms);
  if (o && cJSON_AddStringToObject(o, "strategy", r->strategy) &&
      cJSON_AddStringToObject(o, "source", r->source) &&
      cJSON_AddStringToObject(o, "target", r->target) && cJSON_AddStringToObject(o, "seed", seed) &&
      cJSON_AddStringToObject(o, "clock_ms", clock) &&
      cJSON_AddNumberToObject(o, "total", (double)r->total))
    return o;
  cJSON_Delete(o);
  return NULL;
}

static cJSON *dead_letters_json(const asr_checkpoint_t *c) {
  const asr_dead_letter_mark_t *m = &c->dead_letters;
  cJSON *o = cJSON_CreateObject(), *redo = NULL;
  int ok = o && cJSON_AddStringToObject(o, "path", c->dead_letter_path ? c->dead_letter_path : "") &&
           add_u64(o, "bytes", m->bytes) && add_u64(o, "count", m->count) &&
           add_u64(o, "sink_count", m->sink_count) && (redo = cJSON_AddArrayToObject(o, "redo"));
  for (size_t i = 0; ok && i < m->nredo; i++) {
    cJSON *span = cJSON_CreateArray();
    ok = span && cJSON_AddItemToArray(redo, span) &&
         cJSON_AddItemToArray(span, cJSON_CreateNumber((double)m->redo[i].offset)) &&
         cJSON_AddItemToArray(span, cJSON_CreateNumber((double)m->redo[i].length));
  }
  if (!ok) cJSON_Delete(o);
  return ok ? o : NULL;
}

static void now_iso(char *buf, size_t n) {
  time_t t = time(NULL);
  struct tm tm;
  strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
}

char *asr_checkpoint_format(const asr_checkpoint_t *c) {
  cJSON *o = cJSON_CreateObject();
  char updated[32];
  now_iso(updated, sizeof updated);
  cJSON *run = run_json(&c->run), *from = pos_json(&c->from), *again = pos_json(&c->again);
  char *text = NULL;
  if (o && run && from && again && cJSON_AddNumberToObject(o, "asrun_checkpoint", ASR_CHECKPOINT_VERSION) &&
      cJSON_AddStringToObject(o, "status", c->status)) {
    cJSON_AddItemToObject(o, "run", run);
    cJSON_AddItemToObject(o, "from", from);
    cJSON_AddItemToObject(o, "again", again);
    run = from = again = NULL;
    cJSON *dead = c->has_dead_letters ? dead_letters_json(c) : NULL;
    if (dead) cJSON_AddItemToObject(o, "dead_letters", dead);
    if (add_u64(o, "output_bytes", c->output_bytes) && add_u64(o, "docs_written", c->docs_written) &&
        cJSON_AddStringToObject(o, "updated", updated) &&
        (!c->has_docs_read || add_u64(o, "docs_read", c->docs_read)) &&
        (dead || !c->has_dead_letters))
      text = cJSON_Print(o);
  }
  cJSON_Delete(run);
  cJSON_Delete(from);
  cJSON_Delete(again);
  cJSON_Delete(o);
  return text;
}

static void parent_dir(const char *path, char *dir, size_t n) {
  const char *slash = strrchr(path, '/');
  if (!slash) snprintf(dir, n, ".");
  else snprintf(dir, n, "%.*s", slash == path ? 1 : (int)(slash - path), path);
}

/* text to fd, whole, then synced. 0 or an errno value. */
static int write_synced(int fd, const char *text, size_t len) {
  for (size_t off = 0; off < len;) {
    ssize_t n = write(fd, text + off, len - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? errno : EIO;
    off += (size_t)n;
  }
  return fsync(fd) != 0 ? errno : 0;
}

int asr_checkpoint_save(const char *path, const asr_checkpoint_t *c, asr_err_t *err) {
  char *text = asr_checkpoint_format(c);
  if (!text) return asr_err_set(err, ASR_ENOMEM, "out of memory writing the checkpoint");
  char tmp[4096], dir[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  int rc = 0, e = 0;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) e = errno;
  else {
    e = write_synced(fd, text, strlen(text));
    if (close(fd) != 0 && !e) e = errno;
  }
  if (!e && rename(tmp, path) != 0) e = errno;
  if (e) {
    unlink(tmp);
    rc = asr_err_set(err, ASR_EIO, "cannot write the checkpoint %s: %s", path, strerror(e));
  } else {
    parent_dir(path, dir, sizeof dir);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) { /* the rename itself is durable once the directory is */
      fsync(dfd);
      close(dfd);
    }
  }
  free(text);
  return rc;
}

/* ---- reading ---- */

typedef struct reader {
  const char *path;
  asr_err_t *err;
} reader_t;

static int bad(reader_t *r, const char *key, const char *what) {
  return asr_err_set(r->err, ASR_EINVAL, "checkpoint %s: \"%s\" %s", r->path, key, what);
}

static int get_u64(reader_t *r, const cJSON *o, const char *key, uint64_t *out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!cJSON_IsNumber(v)) return bad(r, key, "must be a number");
  double d = v->valuedouble;
  if (!(d >= 0 && d <= MAX_EXACT) || d != (double)(uint64_t)d)
    return bad(r, key, "must be a whole number from 0 to 2^53");
  *out = (uint64_t)d;
  return 0;
}

static int get_str(reader_t *r, const cJSON *o, const char *key, const char **out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!cJSON_IsString(v)) return bad(r, key, "must be a string");
  *out = v->valuestring;
  return 0;
}

static int get_int_text(reader_t *r, const cJSON *o, const char *key, int sign, void *out) {
  const char *s = NULL;
  int rc = get_str(r, o, key, &s);
  if (rc) return rc;
  char *end;
  errno = 0;
  if (sign) *(int64_t *)out = strtoll(s, &end, 10);
  else *(uint64_t *)out = strtoull(s, &end, 10);
  if (errno || end == s || *end || (!sign && *s == '-'))
    return bad(r, key, "must be a whole number (as a string)");
  return 0;
}

static int get_obj(reader_t *r, const cJSON *o, const char *key, const cJSON **out) {
  *out = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsObject(*out) ? 0 : bad(r, key, "must be an object");
}

static int parse_key(reader_t *r, const cJSON *o, asr_source_pos_t *p) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "key");
  if (!v) return 0;
  if (!cJSON_IsString(v)) return bad(r, "key", "must be a string (Extended JSON)");
  bson_error_t e;
  bson_t *doc = bson_new_from_json((const uint8_t *)v->valuestring, -1, &e);
  bson_iter_t it;
  int ok = doc && bson_iter_init_find(&it, doc, "_id");
  if (ok && (p->key = malloc(doc->len))) {
    memcpy((uint8_t *)p->key, bson_get_data(doc), doc->len);
    p->key_len = doc->len;
  }
  bson_destroy(doc);
  if (!ok) return bad(r, "key", "must be an Extended JSON document {\"_id\": ...}");
  return p->key ? 0 : asr_err_set(r->err, ASR_ENOMEM, "out of memory");
}

static int parse_pos(reader_t *r, const cJSON *root, const char *key, asr_source_pos_t *p) {
  const cJSON *o;
  uint64_t state = 0;
  int rc = get_obj(r, root, key, &o);
  if (!rc) rc = get_u64(r, o, "index", &p->index);
  if (!rc) rc = get_u64(r, o, "offset", &p->offset);
  if (!rc) rc = get_u64(r, o, "line", &p->line);
  if (!rc) rc = get_u64(r, o, "col", &p->col);
  if (!rc) rc = get_u64(r, o, "state", &state);
  if (!rc && state > UINT32_MAX) rc = bad(r, "state", "is out of range");
  p->state = (uint32_t)state;
  const cJSON *end = cJSON_GetObjectItemCaseSensitive(o, "at_end");
  if (!rc && !cJSON_IsBool(end)) rc = bad(r, "at_end", "must be true or false");
  if (!rc) p->at_end = cJSON_IsTrue(end);
  if (!rc) rc = parse_key(r, o, p);
  if (rc == ASR_EINVAL) asr_err_prefix(r->err, "in \"%s\"", key);
  return rc;
}

static int dup_str(reader_t *r, const cJSON *o, const char *key, char **out) {
  const char *s = NULL;
  int rc = get_str(r, o, key, &s);
  if (rc) return rc;
  return (*out = strdup(s)) ? 0 : asr_err_set(r->err, ASR_ENOMEM, "out of memory");
}

static int parse_run(reader_t *r, const cJSON *root, asr_checkpoint_run_t *run) {
  const cJSON *o, *total;
  int rc = get_obj(r, root, "run", &o);
  if (!rc) rc = dup_str(r, o, "strategy", &run->strategy);
  if (!rc) rc = dup_str(r, o, "source", &run->source);
  if (!rc) rc = dup_str(r, o, "target", &run->target);
  if (!rc) rc = get_int_text(r, o, "seed", 0, &run->seed);
  if (!rc) rc = get_int_text(r, o, "clock_ms", 1, &run->clock_ms);
  total = cJSON_GetObjectItemCaseSensitive(o, "total");
  if (!rc && !(cJSON_IsNumber(total) && total->valuedouble >= -1 &&
               total->valuedouble <= MAX_EXACT &&
               total->valuedouble == (double)(int64_t)total->valuedouble))
    rc = bad(r, "total", "must be a whole number (-1: all)");
  if (!rc) run->total = (int64_t)total->valuedouble;
  return rc;
}

static int parse_status(reader_t *r, const cJSON *root, char *out, size_t n) {
  const char *s = NULL;
  int rc = get_str(r, root, "status", &s);
  if (rc) return rc;
  for (size_t i = 0; i < sizeof STATUSES / sizeof *STATUSES; i++)
    if (strcmp(s, STATUSES[i]) == 0) {
      snprintf(out, n, "%s", s);
      return 0;
    }
  return bad(r, "status", "must be running, stopped, failed, refused or complete");
}

/* [[offset, length], ...]: whole numbers, as many as the count allows. */
static int parse_redo(reader_t *r, const cJSON *o, asr_dead_letter_mark_t *m) {
  const cJSON *redo = cJSON_GetObjectItemCaseSensitive(o, "redo");
  if (!cJSON_IsArray(redo)) return bad(r, "redo", "must be a list of [offset, length]");
  int n = cJSON_GetArraySize(redo);
  if (n && !(m->redo = calloc((size_t)n, sizeof *m->redo)))
    return asr_err_set(r->err, ASR_ENOMEM, "out of memory");
  const cJSON *span;
  cJSON_ArrayForEach(span, redo) {
    const cJSON *off = cJSON_GetArrayItem(span, 0), *len = cJSON_GetArrayItem(span, 1);
    double a = cJSON_IsNumber(off) ? off->valuedouble : -1;
    double b = cJSON_IsNumber(len) ? len->valuedouble : -1;
    if (!cJSON_IsArray(span) || cJSON_GetArraySize(span) != 2 || !(a >= 0 && a <= MAX_EXACT) ||
        !(b >= 1 && b <= MAX_EXACT) || a != (double)(uint64_t)a || b != (double)(uint64_t)b)
      return bad(r, "redo", "must be a list of [offset, length] (whole numbers)");
    m->redo[m->nredo++] = (asr_dead_letter_span_t){(uint64_t)a, (uint64_t)b};
  }
  return 0;
}

static int parse_dead_letters(reader_t *r, const cJSON *root, asr_checkpoint_t *c) {
  const cJSON *o;
  asr_dead_letter_mark_t *m = &c->dead_letters;
  int rc = get_obj(r, root, "dead_letters", &o);
  if (!rc) rc = dup_str(r, o, "path", &c->dead_letter_path);
  if (!rc) rc = get_u64(r, o, "bytes", &m->bytes);
  if (!rc) rc = get_u64(r, o, "count", &m->count);
  if (!rc) rc = get_u64(r, o, "sink_count", &m->sink_count);
  if (!rc && m->sink_count > m->count) rc = bad(r, "sink_count", "must not exceed \"count\"");
  if (!rc) rc = parse_redo(r, o, m);
  if (rc == ASR_EINVAL) asr_err_prefix(r->err, "in \"dead_letters\"");
  return rc;
}

static int parse_root(reader_t *r, const cJSON *root, asr_checkpoint_t *c) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "asrun_checkpoint");
  if (!cJSON_IsNumber(v))
    return asr_err_set(r->err, ASR_EINVAL, "%s is not an asrun checkpoint (no \"asrun_checkpoint\")",
                       r->path);
  if (v->valuedouble != ASR_CHECKPOINT_VERSION)
    return asr_err_set(r->err, ASR_EINVAL, "checkpoint %s: version %g, this asrun reads %d",
                       r->path, v->valuedouble, ASR_CHECKPOINT_VERSION);
  int rc = parse_status(r, root, c->status, sizeof c->status);
  if (!rc) rc = parse_run(r, root, &c->run);
  if (!rc) rc = parse_pos(r, root, "from", &c->from);
  if (!rc) rc = parse_pos(r, root, "again", &c->again);
  if (!rc) rc = get_u64(r, root, "output_bytes", &c->output_bytes);
  if (!rc) rc = get_u64(r, root, "docs_written", &c->docs_written);
  c->has_docs_read = cJSON_GetObjectItemCaseSensitive(root, "docs_read") != NULL;
  if (!rc && c->has_docs_read) rc = get_u64(r, root, "docs_read", &c->docs_read);
  c->has_dead_letters = cJSON_GetObjectItemCaseSensitive(root, "dead_letters") != NULL;
  if (!rc && c->has_dead_letters) rc = parse_dead_letters(r, root, c);
  return rc;
}

int asr_checkpoint_parse(const char *text, size_t len, const char *path, asr_checkpoint_t *out,
                         asr_err_t *err) {
  memset(out, 0, sizeof *out);
  reader_t r = {path, err};
  cJSON *root = cJSON_ParseWithLength(text, len);
  int rc;
  if (!cJSON_IsObject(root))
    rc = asr_err_set(err, ASR_EINVAL, "checkpoint %s: not a JSON object (damaged?)", path);
  else
    rc = parse_root(&r, root, out);
  cJSON_Delete(root);
  if (rc) asr_checkpoint_free(out);
  return rc;
}

int asr_checkpoint_load(const char *path, asr_checkpoint_t *out, asr_err_t *err) {
  memset(out, 0, sizeof *out);
  if (access(path, F_OK) != 0 && errno == ENOENT) return 1;
  char *text = NULL;
  size_t len = 0;
  int rc = asr_read_file(path, "checkpoint", &text, &len, err);
  if (rc == 0) rc = asr_checkpoint_parse(text, len, path, out, err);
  free(text);
  return rc;
}

void asr_checkpoint_run_free(asr_checkpoint_run_t *r) {
  free(r->strategy);
  free(r->source);
  free(r->target);
  r->strategy = r->source = r->target = NULL;
}

void asr_checkpoint_free(asr_checkpoint_t *c) {
  asr_checkpoint_run_free(&c->run);
  free(c->dead_letter_path);
  c->dead_letter_path = NULL;
  asr_dead_letter_mark_free(&c->dead_letters);
  free((void *)c->from.key);
  free((void *)c->again.key);
  c->from.key = c->again.key = NULL;
}

/* ---- identity ---- */

int asr_checkpoint_same_run(const asr_checkpoint_run_t *saved, const asr_checkpoint_run_t *now,
                            char *why, size_t n) {
  const char *names[] = {"strategy file", "source", "target"};
  const char *a[] = {saved->strategy, saved->source, saved->target};
  const char *b[] = {now->strategy, now->source, now->target};
  for (int i = 0; i < 3; i++)
    if (strcmp(a[i], b[i]) != 0) {
      snprintf(why, n, "the %s differs: %s in the checkpoint, %s now", names[i], a[i], b[i]);
      return 0;
    }
  if (saved->seed != now->seed)
    snprintf(why, n, "the seed differs: %" PRIu64 " in the checkpoint, %" PRIu64 " now",
             saved->seed, now->seed);
  else if (saved->total != now->total)
    snprintf(why, n, "the total differs: %" PRId64 " in the checkpoint, %" PRId64 " now",
             saved->total, now->total);
  else if (saved->clock_ms != now->clock_ms)
    snprintf(why, n, "the clock (--now) differs: %" PRId64 " ms in the checkpoint, %" PRId64
             " now", saved->clock_ms, now->clock_ms);
  else
    return 1;
  return 0;
}

uint64_t asr_checkpoint_delay_ms(double every_s, double cost_ms) {
  if (every_s > 0) return (uint64_t)(every_s * 1000.0);
  double ms = ASR_CHECKPOINT_INTERVAL_S * 1000.0, spaced = cost_ms / ASR_CHECKPOINT_MAX_SHARE;
  return (uint64_t)(spaced > ms ? spaced : ms);
}
