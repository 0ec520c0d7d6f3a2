/* Target URI dispatch: the scheme picks the sink implementation. */
#include "sinks/sink.h"

#include <string.h>
#include <sys/stat.h>

#include "core/limits.h"
#include "sinks/dead_letter.h"
#include "sinks/mongo.h"
#include "util/stdout_data.h"

static int open_mongo(const char *uri, const asr_sink_options_t *opt, asr_sink_t **out,
                      asr_err_t *err) {
  asr_mongo_target_t t = {
      .uri = uri,
      .database = opt->database,
      .collection = opt->collection,
      .mode = (asr_write_mode_t)opt->mode,
      .keys = opt->keys,
      .nkeys = opt->nkeys,
      .ordered = opt->ordered,
      .write_concern = opt->write_concern,
      .pool_size = opt->workers,
      .retry_for_ms = opt->retry_for_ms,
  };
  return asr_sink_mongo_open(&t, opt, out, err);
}

int asr_sink_check_doc_size(uint64_t seq, uint32_t pos, uint32_t len, asr_err_t *err) {
  if (len <= ASR_BSON_MAX_DOC_SIZE) return 0;
  return asr_err_set(err, ASR_EDATA,
                     "document %u of batch %llu is %u bytes, over BSON's limit of %u bytes for "
                     "one document (MongoDB, mongoimport and mongorestore refuse it)",
                     pos, (unsigned long long)seq, len, ASR_BSON_MAX_DOC_SIZE);
}

int asr_sink_set_aside_oversized(struct asr_dead_letter *dl, uint64_t seq,
                                 const asr_docs_t **docs, asr_docs_t *kept, uint32_t *refused,
                                 asr_err_t *err) {
  uint32_t big = 0;
  for (asr_docs_iter_t it = asr_docs_begin(*docs); asr_docs_next(&it);)
    if (it.len > ASR_BSON_MAX_DOC_SIZE) big++;
  if (refused) *refused = big;
  if (!big) return 0;
  const asr_docs_t *in = *docs;
  asr_docs_reset(kept);
  kept->first_index = ASR_DOCS_NO_INDEX; /* the sink's count is what it writes */
  uint32_t pos = 0;
  for (asr_docs_iter_t it = asr_docs_begin(in); asr_docs_next(&it); pos++) {
    if (!asr_sink_check_doc_size(seq, pos + 1, it.len, err)) {
      if (asr_docs_append(kept, it.doc, it.len)) return asr_err_set(err, ASR_ENOMEM, "out of memory");
      continue;
    }
    if (!dl) return ASR_EDATA;
    asr_dead_letter_entry_t e = {.doc = it.doc, .len = it.len,
                                 .index = asr_docs_source_index(in, pos), .batch = seq,
                                 .reason = ASR_DL_TOO_LARGE, .message = err->msg};
    asr_err_t dl_err;
    asr_err_clear(&dl_err);
    int rc = asr_dead_letter_add(dl, &e, &dl_err);
    *err = dl_err;
    if (rc) return rc;
  }
  *docs = kept;
  return 0;
}

/* The length of "scheme" in "scheme:..." (0: not a URI scheme). */
static size_t scheme_length(const char *uri) {
  size_t n = strspn(uri, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");
  return n > 0 && uri[n] == ':' ? n : 0;
}

/* "jsonl" or "bson" when uri is KIND:PATH with that kind (the format named, not guessed from
 * the file name), else NULL. */
static const char *named_format(const char *uri) {
  if (strncmp(uri, "jsonl:", 6) == 0) return "jsonl";
  if (strncmp(uri, "bson:", 5) == 0) return "bson";
  return NULL;
}

const char *asr_sink_file_path(const char *uri) {
  if (!uri || !*uri) return NULL;
  if (strncmp(uri, "file:", 5) == 0) {
    const char *path = uri + 5;
    return strncmp(path, "//", 2) == 0 ? path + 2 : path; /* file:///abs and file://rel */
  }
  const char *format = named_format(uri);
  if (format) return uri + strlen(format) + 1;
  return scheme_length(uri) || strcmp(uri, "null") == 0 ? NULL : uri;
}

int asr_sink_target_is_stdout(const char *uri) { return asr_stdout_path(asr_sink_file_path(uri)); }

const char *asr_sink_target_stream(const char *uri) {
  const char *path = asr_sink_file_path(uri);
  struct stat st;
  if (!path) return NULL;
  if (asr_stdout_path(path)) return "standard output";
  if (stat(path, &st) != 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) return NULL;
  if (S_ISFIFO(st.st_mode)) return "a named pipe";
  if (S_ISCHR(st.st_mode)) return "a character device";
  return "a special file";
}

int asr_sink_open(const char *uri, const asr_sink_options_t *opt, asr_sink_t **out,
                  asr_err_t *err) {
  *out = NULL;
  if (!uri || !*uri) return asr_err_set(err, ASR_EINVAL, "no target given");
  if (strncmp(uri, "file:", 5) == 0) return asr_sink_file_open(asr_sink_file_path(uri), opt, out, err);
  if (named_format(uri))
    return asr_sink_file_open_as(asr_sink_file_path(uri), named_format(uri), opt, out, err);
  if (strcmp(uri, "null:") == 0 || strcmp(uri, "null") == 0) return asr_sink_null_open(opt, out, err);
  if (strncmp(uri, "sim:", 4) == 0) return asr_sink_sim_open(uri + 4, opt, out, err);
  if (strncmp(uri, "mongodb://", 10) == 0 || strncmp(uri, "mongodb+srv://", 14) == 0)
    return open_mongo(uri, opt, out, err);
  size_t scheme_len = scheme_length(uri);
  if (scheme_len > 0)
    return asr_err_set(err, ASR_EINVAL,
                       "unknown target scheme '%.*s:' (known: file:PATH.jsonl, file:PATH.bson, "
                       "jsonl:PATH, bson:PATH, - (standard output), null:, sim:, mongodb://, "
                       "mongodb+srv://)", (int)scheme_len, uri);
  return asr_sink_file_open(uri, opt, out, err); /* a bare path is a file */
}

void asr_sink_destroy(asr_sink_t *s) {
  if (s) s->vt->destroy(s);
}

int asr_sink_stats(asr_sink_t *s, asr_sink_db_stats_t *out) {
  memset(out, 0, sizeof *out);
  if (!s || !s->vt->stats) return 0;
  s->vt->stats(s, out);
  return 1;
}
