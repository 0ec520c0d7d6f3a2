/* `asrun lab ...`: the lab's command line (lab/lab.h has what it means). */
#ifndef ASR_CLI_LAB_ARGS_H
#define ASR_CLI_LAB_ARGS_H

#include "core/error.h"
#include "lab/lab.h"

typedef struct asr_lab_cli {
  asr_lab_options_t lab;
  int verbose, help;
} asr_lab_cli_t;

/* argv[0] is "lab". ASR_EINVAL with a message for a bad option. */
int asr_lab_cli_parse(int argc, char **argv, asr_lab_cli_t *out, asr_err_t *err);
const char *asr_lab_cli_usage(void);

#endif
