/* Checkpoints and --resume for one run (see resume.h). */
#include "runtime/resume.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "codec/ejson_writer.h"
#include "runtime/checkpoint.h"
#include "util/file.h"
#include "util/log.h"
#include "util/path.h"
#include "util/redact.h"

/* A database target's lease reaches this many batches (of the current size) ahead: one
 * checkpoint write per so many batches, and at most so many re-sent after a kill. */
#define LEASE_BATCHES 64

struct asr_resume {
  uv_mutex_t lock; /* saves come from the main thread's timer and the producer's lease */
  char *path;
  int file_target;
  asr_checkpoint_run_t run; /* this run's identity */
  int resumed;
  asr_checkpoint_t saved;   /* the checkpoint resumed from (resumed only) */
  asr_source_t *source;     /* borrowed */
  asr_sink_t *sink;         /* borrowed */
  asr_progress_t *progress;
  asr_dead_letter_t *dead_letter; /* borrowed; NULL until asr_resume_dead_letters */
  asr_source_pos_t lease;   /* database targets: up to where batches may have been sent */
  uint64_t written_bytes;   /* file targets: the last durable length recorded */
};

/* ---- identity ---- */

static uint64_t fnv1a(const void *data, size_t n, uint64_t h) {
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

#define FNV_BASIS 0xcbf29ce484222325ull

/* "#<hash of the file's bytes>", or "" when there is no file or it cannot be read (the
 * source's own open reports that, with the message it owes). */
static void hash_file(const char *path, char *out, size_t n) {
  char *text = NULL;
  size_t len = 0;
  asr_err_t ignored;
  out[0] = '\0';
  if (path && asr_read_file(path, "file", &text, &len, &ignored) == 0)
    snprintf(out, n, "#%016" PRIx64, fnv1a(text, len, FNV_BASIS));
  free(text);
}

static char *redacted(const char *uri) {
  size_t n = strlen(uri) + 64;
  char *out = malloc(n);
  if (out) asr_redact_uri(uri, out, n);
  return out;
}

/* The input, as a resumed run must find it again: a template's text, a file's size and time. */
static int source_identity(const asr_source_spec_t *s, char **out, asr_err_t *err) {
  char hash[32] = "", *where = redacted(s->path ? s->path : "(inline)");
  if (!where) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  int rc = 0;
  if (s->template_json)
    snprintf(hash, sizeof hash, "#%016" PRIx64, fnv1a(s->template_json, strlen(s->template_json), FNV_BASIS));
  else if (strcmp(s->kind, "template") == 0 || strcmp(s->kind, "mgodatagen") == 0)
    hash_file(s->path, hash, sizeof hash);
  struct stat st;
  char file[64] = "";
  if (strcmp(s->kind, "mongodb") != 0 && s->path && stat(s->path, &st) == 0)
    snprintf(file, sizeof file, " (%lld bytes, modified %lld)", (long long)st.st_size,
             (long long)st.st_mtime);
  if (rc == 0 && asprintf(out, "%s%s:%s%s%s%s%s%s%s%s%s", s->kind,
                          s->json_documents ? " documents" : "", where, hash, file,
                          s->collection ? " collection " : "", s->collection ? s->collection : "",
                          s->filter ? " filter " : "", s->filter ? s->filter : "",
                          s->projection ? " projection " : "",
                          s->projection ? s->projection : "") < 0)
    rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
  free(where);
  return rc;
}

static int target_identity(const asr_config_t *cfg, char **out, asr_err_t *err) {
  char *where = redacted(cfg->target);
  /* canonical JSON is named (a resume must not switch formats mid-file); relaxed, the
   * default, is not, so checkpoints written before the option existed still match */
  if (!where || asprintf(out, "%s%s%s%s%s mode %d%s", where, cfg->target_database ? " db " : "",
                         cfg->target_database ? cfg->target_database : "",
                         cfg->target_collection ? " collection " : "",
                         cfg->target_collection ? cfg->target_collection : "",
                         cfg->write_mode,
                         cfg->json_format == ASR_EJSON_CANONICAL ? " json canonical" : "") < 0) {
    free(where);
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  }
  free(where);
  return 0;
}

static int build_identity(const asr_config_t *cfg, const asr_strategy_t *st,
                          asr_checkpoint_run_t *run, asr_err_t *err) {
  char hash[32];
  int rc = 0;
  hash_file(st ? st->path : NULL, hash, sizeof hash);
  if (!(run->strategy = strdup(hash))) rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
  if (rc == 0) rc = source_identity(&cfg->source, &run->source, err);
  if (rc == 0) rc = target_identity(cfg, &run->target, err);
  run->seed = cfg->source.seed;
  run->clock_ms = cfg->source.clock_ms;
  run->total = cfg->source.limit;
  return rc;
}

/* ---- where ---- */

static int is_database(const char *uri) {
  return strncmp(uri, "mongodb://", 10) == 0 || strncmp(uri, "mongodb+srv://", 14) == 0;
}

/* "DB.COLL" of a database target: the settings, else the URI's path. */
static void db_coll(const asr_config_t *cfg, char *out, size_t n) {
  const char *host = strstr(cfg->target, "://"), *path = host ? strchr(host + 3, '/') : NULL;
  size_t plen = path ? strcspn(path + 1, "?") : 0;
  char from_uri[256];
  snprintf(from_uri, sizeof from_uri, "%.*s", (int)plen, path ? path + 1 : "");
  char *dot = strchr(from_uri, '.');
  if (dot) *dot = '\0';
  const char *db = cfg->target_database ? cfg->target_database : from_uri;
  const char *coll = cfg->target_collection ? cfg->target_collection : dot ? dot + 1 : "";
  snprintf(out, n, "%s%s%s", *db ? db : "target", *coll ? "." : "", coll);
  for (char *p = out; *p; p++)
    if (*p == '/') *p = '_';
}

/* The checkpoint's path, or NULL (checkpoints off). */
static char *checkpoint_path(const asr_options_t *cli, const asr_config_t *cfg) {
  char *path = NULL, name[300];
  if (cli->checkpoint) return strdup(cli->checkpoint);
  if (cli->no_checkpoint) return NULL;
  const char *file = asr_sink_file_path(cfg->target); /* file:, jsonl:, bson: or a bare path */
  if (file) {
    if (asprintf(&path, "%s.checkpoint.json", file) < 0) path = NULL;
  } else if (is_database(cfg->target)) {
    const char *dir = getenv("ASRUN_CHECKPOINT_DIR");
    db_coll(cfg, name, sizeof name);
    if (asprintf(&path, "%s%sasrun-%s.checkpoint.json", dir && *dir ? dir : "",
                 dir && *dir ? "/" : "", name) < 0)
      path = NULL;
  }
  return path;
}

/* ---- open ---- */

/* A file output renamed into place after its last checkpoint (a kill between the publish and
 * the checkpoint's removal): PATH.partial is gone and PATH is there, complete. */
static int published_already(asr_resume_t *r, const asr_config_t *cfg) {
  const char *path = r->file_target ? asr_sink_file_path(cfg->target) : NULL;
  char partial[4096];
  if (!path) return 0;
  snprintf(partial, sizeof partial, "%s" ASR_PARTIAL_SUFFIX, path);
  if (access(partial, F_OK) == 0 || access(path, F_OK) != 0) return 0;
  unlink(r->path);
  return 1;
}

static int load_saved(asr_resume_t *r, asr_config_t *cfg, int clock_given, int seed_given,
                      int *done, asr_err_t *err) {
  int rc = asr_checkpoint_load(r->path, &r->saved, err);
  if (rc == 1) {
    asr_log_info("resume.none", "No checkpoint at %s: starting from the beginning", r->path);
    return 0;
  }
  if (rc) return rc;
  if (!clock_given) { /* the earlier run's start: the same documents again */
    cfg->source.clock_ms = r->run.clock_ms = r->saved.run.clock_ms;
  }
  if (!seed_given) { /* the earlier run's seed (drawn or given then): the same documents */
    cfg->seed = cfg->source.seed = r->run.seed = r->saved.run.seed;
    cfg->seed_origin = ASR_SEED_CHECKPOINT;
  }
  char why[1024];
  if (!asr_checkpoint_same_run(&r->saved.run, &r->run, why, sizeof why))
    return asr_err_set(err, ASR_EINVAL, "--resume: the checkpoint %s belongs to another run (%s); "
                       "run without --resume to start again, or name another --checkpoint",
                       r->path, why);
  if (strcmp(r->saved.status, "complete") == 0 || published_already(r, cfg)) {
    *done = 1;
    return 0;
  }
  r->resumed = 1;
  r->written_bytes = r->saved.output_bytes;
  return 0;
}

/* Standard input or a pipe is read once: no run of it can be resumed, so it keeps no
 * checkpoint, and asking for one is refused rather than kept to no use. */
static int refuse_once(const asr_options_t *cli, const asr_config_t *cfg, asr_err_t *err) {
  const char *what = strcmp(cfg->source.path, "-") == 0 ? "standard input" : cfg->source.path;
  if (cli->resume)
    return asr_err_set(err, ASR_EINVAL, "--resume: the source is %s, which can be read once "
                       "only, so no run of it can be resumed (run again without --resume, or "
                       "save the input to a file)", what);
  if (cli->checkpoint)
    return asr_err_set(err, ASR_EINVAL, "--checkpoint: the source is %s, which can be read once "
                       "only, so a checkpoint could never be resumed (drop --checkpoint, or "
                       "save the input to a file)", what);
  if (!cli->no_checkpoint)
    asr_log_info("resume.off", "Reading %s: no checkpoint (it cannot be read again to resume)",
               what);
  return 0;
}

/* Standard output, a named pipe or a device is written once: what went out cannot be cut
 * back to a checkpoint, so such a run keeps none, and asking for one is refused. */
static int refuse_stream(const asr_options_t *cli, const char *what, asr_err_t *err) {
  if (cli->resume)
    return asr_err_set(err, ASR_EINVAL, "--resume: the target is %s, which is written once as a "
                       "stream, so no run into it can be resumed (run again without --resume, "
                       "or write to a file)", what);
  if (cli->checkpoint)
    return asr_err_set(err, ASR_EINVAL, "--checkpoint: the target is %s, which is written once "
                       "as a stream, so a checkpoint could never be resumed (drop --checkpoint, "
                       "or write to a file)", what);
  return 0;
}

int asr_resume_open(const asr_options_t *cli, asr_config_t *cfg, const asr_strategy_t *strategy,
                    asr_resume_t **out, int *done, asr_err_t *err) {
  *out = NULL;
  *done = 0;
  int clock_given = cfg->source.has_clock == ASR_CLOCK_GIVEN; /* else the run's start */
  const char *stream = asr_sink_target_stream(cfg->target);
  if (!cfg->dry_run && stream) return refuse_stream(cli, stream, err);
  if (!cfg->dry_run && asr_source_spec_reads_once(&cfg->source)) return refuse_once(cli, cfg, err);
  char *path = cfg->dry_run ? NULL : checkpoint_path(cli, cfg);
  if (!path) {
    if (cli->resume && !cfg->dry_run)
      return asr_err_set(err, ASR_EINVAL, "--resume: %s keeps no checkpoint (name one with "
                         "--checkpoint FILE)", cli->no_checkpoint ? "--no-checkpoint" : "this target");
    return 0;
  }
  asr_resume_t *r = calloc(1, sizeof *r);
  if (!r) {
    free(path);
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  }
  uv_mutex_init(&r->lock);
  r->path = path;
  r->file_target = asr_sink_file_path(cfg->target) != NULL;
  int rc = build_identity(cfg, strategy, &r->run, err);
  /* a seed drawn or derived for this run gives way to the checkpoint's */
  int seed_given = cfg->seed_origin == ASR_SEED_GIVEN || cfg->seed_origin == ASR_SEED_STRATEGY;
  if (rc == 0 && cli->resume) rc = load_saved(r, cfg, clock_given, seed_given, done, err);
  if (rc) asr_resume_close(r);
  else *out = r;
  return rc;
}

int asr_resume_attach_source(asr_resume_t *r, asr_source_t *source, asr_err_t *err) {
  if (!asr_source_resumable(source))
    return asr_err_set(err, ASR_EINVAL, "the %s source cannot resume%s%s%s: run with "
                       "--no-checkpoint", source->vt->kind, source->read_once ? " (" : "",
                       source->read_once ? source->read_once : "", source->read_once ? ")" : "");
  r->source = source;
  int rc = 0;
  if (r->resumed) {
    const asr_source_pos_t *again = r->file_target ? NULL : &r->saved.again;
    rc = source->vt->seek(source, &r->saved.from, again, err);
    if (rc) asr_err_prefix(err, "--resume from %s", r->path);
  }
  asr_source_pos_t start;
  source->vt->tell(source, &start);
  /* a resumed database run keeps its predecessor's lease until a new one reaches past it */
  r->lease = r->resumed && !r->file_target ? r->saved.again : start;
  if (rc == 0 && !(r->progress = asr_progress_new(&start)))
    rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
  if (rc == 0 && r->resumed)
    asr_log_info("resume.from", "Resuming from %s: %llu documents were written before%s; going "
                 "on from source record %llu", r->path,
                 (unsigned long long)r->saved.docs_written,
                 strcmp(r->saved.status, "refused") == 0
                     ? " and every document went through (the dead letters were refused)"
                     : "",
                 (unsigned long long)r->saved.from.index);
  return rc;
}

void asr_resume_sink_options(const asr_resume_t *r, asr_sink_options_t *opt) {
  if (!r || !r->resumed || !r->file_target) return;
  opt->resume = 1;
  opt->resume_bytes = r->saved.output_bytes;
}

/* Producer thread: a batch ends past the lease. The new lease is recorded durably before
 * the batch can be sent. */
static int extend_lease(void *ud, const asr_source_pos_t *end, uint64_t records, asr_err_t *err) {
  asr_resume_t *r = ud;
  (void)end; /* the source stands at end: ahead counts from there */
  asr_source_pos_t lease;
  r->source->vt->ahead(r->source, records * LEASE_BATCHES, &lease);
  uv_mutex_lock(&r->lock);
  r->lease = lease;
  uv_mutex_unlock(&r->lock);
  int rc = asr_resume_save(r, "running", err);
  if (rc == 0) asr_progress_set_lease(r->progress, lease.at_end ? UINT64_MAX : lease.index);
  return rc;
}

asr_progress_t *asr_resume_start(asr_resume_t *r, asr_sink_t *sink) {
  if (!r) return NULL;
  r->sink = sink;
  if (!r->file_target) asr_progress_set_extend(r->progress, extend_lease, r);
  return r->progress;
}

/* ---- dead letters ---- */

static int same_file(const char *a, const char *b) {
  asr_err_t ignored;
  const asr_file_role_t files[] = {{"a", a}, {"b", b}};
  return asr_paths_check_distinct(files, 2, &ignored) != 0;
}

/* An older checkpoint records no dead letters: whatever the file holds is kept as it is and
 * appended to, counted as none. */
static int take_unrecorded(asr_resume_t *r, asr_dead_letter_t *dl, asr_err_t *err) {
  const char *path = asr_dead_letter_path(dl);
  struct stat st;
  if (stat(path, &st) != 0) return asr_dead_letter_resume(dl, NULL, 0, err);
  asr_log_warn("resume.dead_letters", "the checkpoint %s records no dead letters (written by an "
               "older asrun): %s is kept as it is and appended to, and its dead letters are not "
               "counted in this run's summary or error budget", r->path, path);
  asr_dead_letter_mark_t m = {.bytes = (uint64_t)st.st_size};
  return asr_dead_letter_resume(dl, &m, 0, err);
}

int asr_resume_dead_letters(asr_resume_t *r, asr_dead_letter_t *dl, asr_err_t *err) {
  if (!r) return 0;
  r->dead_letter = dl;
  asr_dead_letter_track(dl);
  if (!r->resumed) return 0;
  if (!r->saved.has_dead_letters) return take_unrecorded(r, dl, err);
  const asr_dead_letter_mark_t *m = &r->saved.dead_letters;
  const char *was = r->saved.dead_letter_path, *now = asr_dead_letter_path(dl);
  uint64_t read = asr_resume_docs_read_before(r);
  if (same_file(was, now)) return asr_dead_letter_resume(dl, m, read, err);
  if (m->count == 0) return asr_dead_letter_resume(dl, NULL, read, err); /* none to carry */
  return asr_err_set(err, ASR_EINVAL, "--resume: the checkpoint %s records %llu dead letter%s in "
                     "%s, but this run would write its dead letters to %s: resume with "
                     "--dead-letter %s (or move the file there and name it)", r->path,
                     (unsigned long long)m->count, m->count == 1 ? "" : "s", was, now, was);
}

/* ---- saving ---- */

/* Under r->lock: the documents read and the dead letters of batches [0, done), every run's. */
static int gather_dead_letters(asr_resume_t *r, asr_checkpoint_t *c, uint64_t done,
                               asr_err_t *err) {
  uint64_t read = 0;
  if (asr_progress_read(r->progress, done, &read) != 0)
    return asr_err_set(err, ASR_EIO, "checkpoint: batch %llu's count is gone",
                       (unsigned long long)done);
  c->has_docs_read = 1;
  c->docs_read = asr_resume_docs_read_before(r) + read;
  if (!r->dead_letter) return 0;
  c->has_dead_letters = 1;
  c->dead_letter_path = (char *)asr_dead_letter_path(r->dead_letter);
  return asr_dead_letter_mark(r->dead_letter, done, &c->dead_letters, err);
}

/* What is durable now: the positions and counts a checkpoint records. */
/* Under r->lock. */
static int gather(asr_resume_t *r, asr_checkpoint_t *c, uint64_t *release, asr_err_t *err) {
  asr_sink_t *sink = r->sink;
  uint64_t before = r->resumed ? r->saved.docs_written : 0;
  if (sink->vt->durable) { /* a file: what is synced, cut on a batch boundary */
    asr_sink_mark_t m;
    int rc = sink->vt->durable(sink, &m, err);
    if (rc) return rc;
    if (asr_progress_after(r->progress, m.batches, &c->from) != 0)
      return asr_err_set(err, ASR_EIO, "checkpoint: batch %llu's position is gone",
                         (unsigned long long)m.batches);
    c->again = c->from;
    c->output_bytes = m.bytes;
    c->docs_written = before + m.docs;
    *release = m.batches;
    return gather_dead_letters(r, c, *release, err);
  }
  asr_progress_marks_t marks; /* a database: acknowledged batches, and the lease */
  asr_progress_marks(r->progress, &marks);
  if (asr_progress_after(r->progress, marks.done, &c->from) != 0)
    return asr_err_set(err, ASR_EIO, "checkpoint: a batch position is gone");
  c->again = r->lease;
  asr_sink_db_stats_t db;
  c->docs_written = before + (asr_sink_stats(sink, &db) ? db.docs_written : 0);
  *release = marks.done;
  return gather_dead_letters(r, c, *release, err);
}

int asr_resume_save(asr_resume_t *r, const char *status, asr_err_t *err) {
  if (!r || !r->progress || !r->sink) return 0;
  asr_checkpoint_t c = {.run = r->run};
  snprintf(c.status, sizeof c.status, "%s", status);
  uint64_t release = 0;
  uv_mutex_lock(&r->lock);
  int rc = gather(r, &c, &release, err);
  if (rc == 0) rc = asr_checkpoint_save(r->path, &c, err);
  if (rc == 0) asr_progress_release(r->progress, release);
  uv_mutex_unlock(&r->lock);
  asr_dead_letter_mark_free(&c.dead_letters); /* the rest of c is borrowed */
  return rc;
}

int asr_resume_complete(asr_resume_t *r, asr_err_t *err) {
  if (!r) return 0;
  if (r->file_target) {
    if (unlink(r->path) != 0 && errno != ENOENT)
      asr_log_warn("resume.cleanup", "cannot remove the checkpoint %s: %s", r->path,
                   strerror(errno));
    return 0;
  }
  return asr_resume_save(r, "complete", err);
}

int asr_resume_refused(asr_resume_t *r, asr_err_t *err) {
  return asr_resume_save(r, "refused", err);
}

const char *asr_resume_path(const asr_resume_t *r) { return r ? r->path : NULL; }
uint64_t asr_resume_docs_read_before(const asr_resume_t *r) {
  return r && r->resumed && r->saved.has_docs_read ? r->saved.docs_read : 0;
}
uint64_t asr_resume_docs_before(const asr_resume_t *r) {
  return r && r->resumed ? r->saved.docs_written : 0;
}
int asr_resume_resumed(const asr_resume_t *r) { return r && r->resumed; }

void asr_resume_close(asr_resume_t *r) {
  if (!r) return;
  asr_progress_free(r->progress);
  asr_checkpoint_run_free(&r->run);
  asr_checkpoint_free(&r->saved);
  free(r->path);
  uv_mutex_destroy(&r->lock);
  free(r);
}
