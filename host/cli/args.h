/* Command-line parsing: argv → asr_options_t (runtime/options.h). Pure (no I/O): testable. */
#ifndef ASR_CLI_ARGS_H
#define ASR_CLI_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "runtime/options.h"



/* Parses argv. Returns 0 or ASR_EINVAL with a message naming the flag. */
int asr_cli_parse(int argc, char **argv, asr_options_t *cli, asr_err_t *err);
const char *asr_cli_usage(void);

#endif
