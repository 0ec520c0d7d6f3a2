/* Source spec parsing and dispatch by kind. */
#include "sources/source.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sources/mongo.h"
#include "util/redact.h"

static int open_mongo(const asr_source_spec_t *spec, asr_source_t **out, asr_err_t *err) {
  asr_mongo_source_cfg_t cfg = {
      .uri = spec->path,
      .database = spec->database,
      .collection = spec->collection,
      .filter_json = spec->filter,
      .projection_json = spec->projection,
      .cursor_batch = spec->cursor_batch,
      .limit = spec->limit,
      .retry_for_ms = spec->retry_for_ms,
  };
  return asr_source_mongo_open(&cfg, out, err);
}

static const struct {
  const char *kind;
  int (*open)(const asr_source_spec_t *, asr_source_t **, asr_err_t *);
} kinds[] = {
    {"template", asr_source_generator_open},
    {"jsonl", asr_source_jsonl_open},
    {"json", asr_source_json_array_open},
    {"bson", asr_source_bson_open},
    {"mongodb", open_mongo},
    {"mgodatagen", asr_source_mgodatagen_open},
};
#define NKINDS (sizeof kinds / sizeof kinds[0])
#define KNOWN_KINDS "template, jsonl, json, bson, mongodb, mgodatagen"

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

static const char *kind_from_extension(const char *path) {
  if (strcmp(path, "-") == 0) return "jsonl"; /* standard input: what mongoimport reads */
  if (ends_with(path, ".jsonl") || ends_with(path, ".ndjson") || ends_with(path, ".jsonl.gz") ||
      ends_with(path, ".ndjson.gz"))
    return "jsonl";
  if (ends_with(path, ".bson") || ends_with(path, ".bson.gz")) return "bson";
  if (ends_with(path, ".json.gz")) return "json"; /* a compressed template is no template */
  if (ends_with(path, ".json")) return "template"; /* the brief: --source template.json */
  return NULL;
}

static int known_kind(const char *kind) {
  for (size_t i = 0; i < NKINDS; i++)
    if (strcmp(kinds[i].kind, kind) == 0) return 1;
  return 0;
}

/* Template text given where a template path goes: "{...}" or "template:{...}", as
 * mgeneratejs takes '{"a": "$name"}' for its argument. */
static const char *inline_template(const char *text) {
  const char *p = strncmp(text, "template:", 9) == 0 ? text + 9 : text;
  p += strspn(p, " \t\r\n");
  return *p == '{' ? p : NULL;
}

int asr_source_spec_parse(const char *text, asr_source_spec_t *spec, asr_err_t *err) {
  const char *tpl = inline_template(text);
  if (tpl) {
    spec->kind = strdup("template");
    spec->template_json = strdup(tpl);
    if (!spec->kind || !spec->template_json) return asr_err_set(err, ASR_ENOMEM, "out of memory");
    return 0;
  }
  if (strncmp(text, "mongodb://", 10) == 0 || strncmp(text, "mongodb+srv://", 14) == 0) {
    spec->kind = strdup("mongodb");
    spec->path = strdup(text);
    return 0;
  }
  const char *colon = strchr(text, ':');
  size_t klen = colon ? (size_t)(colon - text) : 0;
  if (colon && klen > 0 && strspn(text, "abcdefghijklmnopqrstuvwxyz") == klen) {
    spec->kind = strndup(text, klen);
    spec->path = strdup(colon + 1);
    if (!known_kind(spec->kind))
      return asr_err_set(err, ASR_EINVAL, "unknown source kind '%s' (known: " KNOWN_KINDS ")",
                         spec->kind);
    return 0;
  }
  const char *kind = kind_from_extension(text);
  if (!kind) {
    char shown[512]; /* it may be a mistyped URI with a password */
    asr_redact_arg(text, shown, sizeof shown);
    return asr_err_set(err, ASR_EINVAL,
                       "cannot tell the kind of source '%s' from its name: write KIND:PATH "
                       "with KIND one of " KNOWN_KINDS, shown);
  }
  spec->kind = strdup(kind);
  spec->path = strdup(text);
  return 0;
}

void asr_source_spec_free(asr_source_spec_t *spec) {
  free(spec->kind);
  free(spec->path);
  free(spec->template_json);
  free(spec->database);
  free(spec->collection);
  free(spec->filter);
  free(spec->projection);
  spec->kind = spec->path = spec->template_json = NULL;
  spec->database = spec->collection = spec->filter = spec->projection = NULL;
  for (size_t i = 0; i < spec->ncustom; i++) free(spec->custom_ops[i]);
  free(spec->custom_ops);
  free(spec->collections);
  spec->collections = NULL;
  spec->ncollections = 0;
  spec->custom_ops = NULL;
  spec->ncustom = 0;
  spec->custom_ops_factory = NULL;
}

int asr_source_open(const asr_source_spec_t *spec, asr_source_t **out, asr_err_t *err) {
  *out = NULL;
  if (!spec->kind) return asr_err_set(err, ASR_EINVAL, "no source given");
  for (size_t i = 0; i < NKINDS; i++) {
    if (strcmp(kinds[i].kind, spec->kind) != 0) continue;
    int rc = kinds[i].open(spec, out, err);
    /* An input that cannot be opened before the run starts is a configuration error. */
    if (rc == ASR_EIO) err->code = rc = ASR_EINVAL;
    return rc;
  }
  return asr_err_set(err, ASR_EINVAL, "unknown source kind '%s' (known: " KNOWN_KINDS ")",
                     spec->kind);
}

int asr_source_resumable(const asr_source_t *s) {
  return !s->read_once && s->vt->tell && s->vt->seek && s->vt->ahead;
}

int asr_source_spec_reads_once(const asr_source_spec_t *spec) {
  if (!spec->kind || !spec->path) return 0;
  if (strcmp(spec->kind, "jsonl") != 0 && strcmp(spec->kind, "json") != 0 &&
      strcmp(spec->kind, "bson") != 0)
    return 0;
  struct stat st;
  if (strcmp(spec->path, "-") == 0) return 1;
  return stat(spec->path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

void asr_source_destroy(asr_source_t *s) {
  if (s) s->vt->destroy(s);
}

void asr_source_stats(asr_source_t *s, asr_source_stats_t *out) {
  *out = (asr_source_stats_t){0, 0};
  if (s && s->vt->stats) s->vt->stats(s, out);
}
