/* Error codes and the error record every fallible call fills in.
 * Functions return 0 or a negative ASR_E* code; the asr_err_t carries the message that the
 * CLI prints, so the place that knows the details (file, line, field) writes them once. */
#ifndef ASR_CORE_ERROR_H
#define ASR_CORE_ERROR_H

enum {
  ASR_OK = 0,
  ASR_ENOMEM = -1,
  ASR_EIO = -2,      /* reading or writing failed (file, network) */
  ASR_EINVAL = -3,   /* bad configuration, flag, strategy or template: exit code 2 */
  ASR_EDATA = -4,    /* corrupt input data (JSONL line, BSON bytes) */
  ASR_ESCRIPT = -5,  /* a Lua hook raised at run time */
  ASR_ECANCELED = -6, /* the run was stopped (signal, another worker's failure) */
  ASR_ELIMIT = -7     /* a Lua call ran past its instruction budget: exit code 1 */
};

typedef struct asr_err {
  int code;
  char msg[1024];
} asr_err_t;

void asr_err_clear(asr_err_t *e);
/* Records code and message (printf format) unless `e` already holds an error; returns code. */
int asr_err_set(asr_err_t *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prepends "prefix: " to the message already held. */
void asr_err_prefix(asr_err_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *asr_err_name(int code);

/* Process exit codes (documented in the README). */
enum {
  ASR_EXIT_OK = 0,
  ASR_EXIT_FAILURE = 1,
  ASR_EXIT_USAGE = 2,
  ASR_EXIT_INTERRUPTED = 130
};
int asr_err_exit_code(int code);

#endif
