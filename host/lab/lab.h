/* `asrun lab`: runs scenarios in virtual time, finds each one's best fixed configuration by a
 * sweep within the profile's limits, runs each policy from the scenario's start, and prints
 * the figures (lab/score.h) as a table; --json and --csv write them for tools and plots.
 * The policies run through the same controller, gate and settings as a real run. */
#ifndef ASR_LAB_LAB_H
#define ASR_LAB_LAB_H

#include <stddef.h>

#include "core/error.h"

#define ASR_LAB_MAX_ITEMS 64

typedef struct asr_lab_options {
  const char *scenarios[ASR_LAB_MAX_ITEMS]; /* names or FILE.lua; none: every shipped one */
  size_t nscenarios;
  const char *policies[ASR_LAB_MAX_ITEMS];  /* names or FILE.lua; none: every built-in */
  size_t npolicies;
  const char *profile;                      /* NULL: the default profile */
  const char *json_path, *csv_dir;          /* NULL: not written */
} asr_lab_options_t;

/* 0 when every scenario ran (whatever the figures); ASR_EINVAL for a bad scenario, policy or
 * profile (nothing is run then), ASR_EIO when --json or --csv cannot be written. */
int asr_lab_run(const asr_lab_options_t *opt, asr_err_t *err);

#endif
