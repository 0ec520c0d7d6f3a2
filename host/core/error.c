#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void asr_err_clear(asr_err_t *e) {
  e->code = 0;
  e->msg[0] = '\0';
}

int asr_err_set(asr_err_t *e, int code, const char *fmt, ...) {
  if (!e || e->code) return code;
  e->code = code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  return code;
}

void asr_err_prefix(asr_err_t *e, const char *fmt, ...) {
  char prefix[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  size_t plen = strlen(prefix) + 2, cap = sizeof e->msg - 1;
  size_t keep = strlen(e->msg);
  if (plen > cap) return;
  if (keep > cap - plen) keep = cap - plen; /* the tail of a long message is dropped */
  memmove(e->msg + plen, e->msg, keep);
  memcpy(e->msg, prefix, plen - 2);
  memcpy(e->msg + plen - 2, ": ", 2);
  e->msg[plen + keep] = '\0';
}

const char *asr_err_name(int code) {
  switch (code) {
  case ASR_OK: return "ok";
  case ASR_ENOMEM: return "out of memory";
  case ASR_EIO: return "I/O error";
  case ASR_EINVAL: return "invalid configuration";
  case ASR_EDATA: return "corrupt input";
  case ASR_ESCRIPT: return "script error";
  case ASR_ECANCELED: return "canceled";
  case ASR_ELIMIT: return "instruction budget exceeded";
  default: return "error";
  }
}

int asr_err_exit_code(int code) {
  switch (code) {
  case ASR_OK: return ASR_EXIT_OK;
  case ASR_EINVAL: return ASR_EXIT_USAGE;
  case ASR_ECANCELED: return ASR_EXIT_INTERRUPTED;
  default: return ASR_EXIT_FAILURE;
  }
}
