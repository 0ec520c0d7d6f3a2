/* One run of a scenario in virtual time: the policy lab's stand-in for the pipeline. Workers
 * take batches from an endless source, spend the modelled client CPU on them, write them to
 * the simulated database (simdb/model.h) through the RU governor, and retry what comes back
 * throttled or failed transiently, exactly as the real sinks classify and wait
 * (sinks/sim_reply.h). Every check_interval of virtual time the counters become a metrics
 * snapshot (metrics/metrics.h, with the modelled CPU and memory as the machine readings)
 * and, when a policy is given, the real controller and safety gate (scaler/controller.h)
 * decide and apply through the same control table a real run uses. Nothing here reads a
 * clock: the same configuration gives the same result, to the document. */
#ifndef ASR_LAB_VIRTUAL_RUN_H
#define ASR_LAB_VIRTUAL_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "scaler/policy.h"
#include "scaler/settings.h"
#include "simdb/scenario.h"

typedef struct asr_vrun_config {
  const asr_scenario_t *scenario;
  const asr_scaling_settings_t *settings; /* check interval, limits, governor settings */
  asr_policy_t *policy; /* NULL: fixed at the start values; else owned by the run */
  uint32_t workers, batch_size; /* the start */
} asr_vrun_config_t;

/* One check interval, for tables and --csv. */
typedef struct asr_vrun_interval {
  double t;                 /* end of the interval, virtual seconds */
  uint32_t workers, batch_size; /* in force during the interval */
  double docs_per_second;
  uint64_t requests, throttled; /* writes sent, and those answered with a 16500 */
  char decision[16];        /* scale_up | scale_down | hold | "" (fixed run) */
  int applied;              /* the controller changed workers or batch size after it */
} asr_vrun_interval_t;

typedef struct asr_vrun_result {
  uint64_t docs_written, docs_failed, docs_lost; /* lost: given up after retries, or killed */
  uint64_t requests, throttled_requests, changes_applied;
  int oom_killed;           /* memory went past the client's limit: the process died */
  double oom_at_s;
  double ru_governor_rate;  /* RU/s it paced at by the end, 0 when it never paced */
  asr_vrun_interval_t *intervals; /* malloc'd, one per check interval */
  size_t nintervals;
} asr_vrun_result_t;

/* Runs cfg->scenario for its duration. ASR_ENOMEM, or ASR_EINVAL for settings the gate
 * refuses; a failing policy never fails the run (the controller holds and falls back). */
int asr_vrun(const asr_vrun_config_t *cfg, asr_vrun_result_t *out, asr_err_t *err);
void asr_vrun_result_free(asr_vrun_result_t *r);

#endif
