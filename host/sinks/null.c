/* null: discards every document (benchmarks, dry runs of the pipeline itself). */
#include <stdlib.h>
#include <string.h>

#include "sinks/sink.h"

static int null_write(asr_sink_t *s, asr_sink_worker_t *w, uint64_t seq, const asr_docs_t *docs,
                      asr_err_t *err) {
  return 0;
}
static int null_finish(asr_sink_t *s, asr_err_t *err) { return 0; }
static void null_abort(asr_sink_t *s, int keep_partial) {}
static void null_destroy(asr_sink_t *s) {
  free(s->description);
  free(s->location);
  free(s);
}

static const asr_sink_vt_t null_vt = {
    .scheme = "null",
    .write = null_write,
    .finish = null_finish,
    .abort = null_abort,
    .destroy = null_destroy,
};

int asr_sink_null_open(const asr_sink_options_t *opt, asr_sink_t **out, asr_err_t *err) {
  asr_sink_t *s = calloc(1, sizeof *s);
  if (!s) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  s->vt = &null_vt;
  s->description = strdup("null (documents are discarded)");
  s->location = strdup("null: (discarded)");
  *out = s;
  return 0;
}
