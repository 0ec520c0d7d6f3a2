/* The auto-scaler's controller: once per check interval (main thread, from the run's libuv
 * timer; the lab's virtual clock) it hands the metrics snapshot to the policy
 * (scaler/policy.h), passes the proposal through the
 * safety gate, applies what the gate allows to the pipeline, and logs both in the brief's
 * shapes. It never fails the run: a policy that raises, loops, or answers garbage costs a
 * warning and a hold; after ASR_CONTROLLER_MAX_FAILURES in a row the built-in rules policy
 * takes over. Owns the policy and the gate; the settings and actions are borrowed. */
#ifndef ASR_SCALER_CONTROLLER_H
#define ASR_SCALER_CONTROLLER_H

#include <stddef.h>
#include <stdint.h>

#include "metrics/metrics.h"
#include "pipeline/control.h"
#include "scaler/gate.h"
#include "scaler/policy.h"
#include "scaler/settings.h"

#define ASR_CONTROLLER_MAX_FAILURES 3
#define ASR_CONTROLLER_MAX_RECORDS 1000 /* decisions kept for the summary */

typedef struct asr_scaling_record { /* one decision, as the summary lists it */
  double t, docs_per_second, confidence;
  char action[12];                 /* the policy's: scale_up | scale_down | hold */
  char reason[256];
  int64_t workers_delta, batch_delta; /* as proposed (targets turned into deltas) */
  int applied, emergency, overridden, policy_failed;
  uint32_t workers_from, workers_to, batch_from, batch_to;
  char note[256];                  /* the gate's note, or the policy's failure */
} asr_scaling_record_t;

typedef struct asr_scaling_report {
  const char *policy;              /* the policy in use at the end */
  uint64_t decisions, applied, holds, policy_failures, fallbacks;
  uint64_t scale_ups, scale_downs;     /* decisions by action (holds above) */
  const asr_scaling_record_t *last;    /* the latest decision, NULL before the first */
  const asr_scaling_record_t *records; /* the first ASR_CONTROLLER_MAX_RECORDS */
  size_t nrecords;
} asr_scaling_report_t;

typedef struct asr_controller asr_controller_t;

/* Opens the gate around policy (takes ownership, also on failure) and logs the
 * initialisation line. The controller changes the run through control (copied; its
 * set_workers, set_batch_size and queue_capacity). ASR_EINVAL for settings the gate refuses. */
int asr_controller_open(const asr_scaling_settings_t *settings, asr_policy_t *policy,
                        const asr_control_t *control, asr_controller_t **out, asr_err_t *err);
/* One check: decide, gate, apply, log. */
void asr_controller_check(asr_controller_t *c, const asr_metrics_snapshot_t *snap);
void asr_controller_report(const asr_controller_t *c, asr_scaling_report_t *out);
void asr_controller_close(asr_controller_t *c);

#endif
