/* libFuzzer target for the checkpoint parser (host/runtime/checkpoint.c): --resume reads a
 * file that a kill, a full disk or a hand may have damaged. Every input must parse or fail
 * with ASR_EINVAL / ASR_ENOMEM and a message; what parses must format and parse again to the
 * same checkpoint (positions, keys, identity, documents read, dead letters), so a checkpoint
 * written is one that is read.
 * Build: cmake -DASR_FUZZ=ON -DCMAKE_C_COMPILER=clang; run: scripts/fuzz.sh [SECONDS]. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/checkpoint.h"

static void same_pos(const asr_source_pos_t *a, const asr_source_pos_t *b) {
  if (a->index != b->index || a->offset != b->offset || a->line != b->line || a->col != b->col ||
      a->state != b->state || a->at_end != b->at_end || a->key_len != b->key_len ||
      (a->key_len && memcmp(a->key, b->key, a->key_len) != 0))
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  asr_checkpoint_t c, back;
  asr_err_t err;
  asr_err_clear(&err);
  int rc = asr_checkpoint_parse((const char *)data, size, "fuzz", &c, &err);
  if (rc != 0) {
    if ((rc != ASR_EINVAL && rc != ASR_ENOMEM) || !err.msg[0]) abort();
    return 0;
  }
  char *text = asr_checkpoint_format(&c);
  if (!text) abort();
  asr_err_clear(&err);
  if (asr_checkpoint_parse(text, strlen(text), "fuzz", &back, &err) != 0) abort();
  char why[256];
  if (strcmp(c.status, back.status) != 0 || c.output_bytes != back.output_bytes ||
      c.docs_written != back.docs_written || !asr_checkpoint_same_run(&c.run, &back.run, why, sizeof why))
    abort();
  const asr_dead_letter_mark_t *d = &c.dead_letters, *e = &back.dead_letters;
  if (c.has_docs_read != back.has_docs_read || c.docs_read != back.docs_read ||
      c.has_dead_letters != back.has_dead_letters || d->bytes != e->bytes ||
      d->count != e->count || d->sink_count != e->sink_count || d->nredo != e->nredo ||
      (d->nredo && memcmp(d->redo, e->redo, d->nredo * sizeof *d->redo) != 0) ||
      (c.has_dead_letters && strcmp(c.dead_letter_path, back.dead_letter_path) != 0))
    abort();
  same_pos(&c.from, &back.from);
  same_pos(&c.again, &back.again);
  asr_checkpoint_free(&back);
  asr_checkpoint_free(&c);
  free(text);
  return 0;
}
