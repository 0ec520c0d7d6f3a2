#include "scaler/controller.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

struct asr_controller {
  const asr_scaling_settings_t *settings;
  asr_control_t act;
  asr_policy_t *policy;
  asr_gate_t gate;
  uint32_t failures_in_a_row;
  int on_default;                  /* the built-in rules policy took over */
  uint64_t decisions, applied, holds, policy_failures, fallbacks;
  uint64_t scale_ups, scale_downs;
  asr_scaling_record_t last;       /* the latest decision (valid once decisions > 0) */
  asr_scaling_record_t *records;
  size_t nrecords;
};

static asr_gate_config_t gate_config(const asr_scaling_settings_t *s) {
  return (asr_gate_config_t){
      .min_workers = s->min_workers,
      .max_workers = s->max_workers,
      .min_batch_size = s->min_batch_size,
      .max_batch_size = s->max_batch_size,
      .cooldown_s = s->cooldown,
      .stability_intervals = s->stability_intervals,
      /* policies step by worker_step / batch_step; a stronger move (memory: two batch
       * steps, the brief's -2000) may take twice that, never more */
      .max_worker_step = 2 * s->worker_step,
      .max_batch_step = 2 * s->batch_step,
      .max_step_factor = s->max_step_factor,
      .memory_emergency_percent = s->memory_scale_up_threshold,
      .target_error_rate = s->target_error_rate,
  };
}

/* The members of o without the braces, for asr_log_fields (malloc'd; NULL when out of
 * memory); deletes o. cJSON escapes the strings: profile and policy may be file paths. */
static char *json_members(cJSON *o) {
  char *json = o ? cJSON_PrintUnformatted(o) : NULL;
  cJSON_Delete(o);
  if (!json) return NULL;
  size_t n = strlen(json);
  memmove(json, json + 1, n - 2);
  json[n - 2] = '\0';
  return json;
}

static void log_initialized(const asr_controller_t *c) {
  const asr_scaling_settings_t *s = c->settings;
  char minb[32], maxb[32], docs[32];
  asr_log_thousands(s->min_batch_size, minb, sizeof minb);
  asr_log_thousands(s->max_batch_size, maxb, sizeof maxb);
  asr_log_thousands((long long)s->target_docs_per_second, docs, sizeof docs);
  cJSON *f = cJSON_CreateObject();
  cJSON_AddStringToObject(f, "profile", s->profile);
  cJSON_AddStringToObject(f, "policy", asr_policy_name(c->policy));
  cJSON_AddNumberToObject(f, "min_workers", s->min_workers);
  cJSON_AddNumberToObject(f, "max_workers", s->max_workers);
  cJSON_AddNumberToObject(f, "min_batch_size", s->min_batch_size);
  cJSON_AddNumberToObject(f, "max_batch_size", s->max_batch_size);
  cJSON_AddNumberToObject(f, "check_interval", s->check_interval);
  cJSON_AddNumberToObject(f, "cooldown", s->cooldown);
  char *fields = json_members(f);
  asr_log_fields(ASR_LOG_INFO, "scaling.init", fields,
                 "🚀 Auto-scaling initialized with profile: %s\n"
                 "   Policy: %s; targets %s docs/s, %g%% CPU, %g%% memory; workers %u..%u, "
                 "batch size %s..%s; check every %g s, cooldown %g s",
                 s->profile, asr_policy_name(c->policy), docs, s->target_cpu_usage,
                 s->target_memory_usage, s->min_workers, s->max_workers, minb, maxb,
                 s->check_interval, s->cooldown);
  free(fields);
}

int asr_controller_open(const asr_scaling_settings_t *settings, asr_policy_t *policy,
                        const asr_control_t *control, asr_controller_t **out, asr_err_t *err) {
  *out = NULL;
  asr_controller_t *c = calloc(1, sizeof *c);
  if (!c) {
    asr_policy_close(policy);
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  }
  c->settings = settings;
  c->act = *control;
  c->policy = policy;
  asr_gate_config_t gc = gate_config(settings);
  int rc = asr_gate_init(&c->gate, &gc, err);
  if (rc == 0 && !(c->records = calloc(ASR_CONTROLLER_MAX_RECORDS, sizeof *c->records)))
    rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
  if (rc) {
    asr_controller_close(c);
    return rc;
  }
  log_initialized(c);
  *out = c;
  return 0;
}

/* ---- one check ---- */

/* A failed call: warn, hold, and after too many in a row hand over to the default. */
static void policy_failed(asr_controller_t *c, const asr_err_t *perr) {
  c->policy_failures++;
  c->failures_in_a_row++;
  /* one line: the message without the Lua traceback (the summary's note keeps it whole) */
  const char *tb = strstr(perr->msg, "\nstack traceback:");
  int len = tb ? (int)(tb - perr->msg) : (int)strlen(perr->msg);
  asr_log_warn("scaling.policy_failed", "Auto-scaling policy %s failed (%.*s); keeping the "
               "current settings", asr_policy_name(c->policy), len, perr->msg);
  if (c->failures_in_a_row < ASR_CONTROLLER_MAX_FAILURES || c->on_default) return;
  asr_err_t err;
  asr_err_clear(&err);
  if (asr_policy_use_default(c->policy, &err) == 0) {
    c->on_default = 1;
    c->fallbacks++;
    c->failures_in_a_row = 0;
    asr_log_warn("scaling.fallback", "Auto-scaling policy failed %d times in a row: the built-in "
                 "rules policy takes over", ASR_CONTROLLER_MAX_FAILURES);
  } else {
    asr_log_warn("scaling.fallback", "cannot load the built-in rules policy (%s)", err.msg);
  }
}

/* a - b without overflow: a target of -1e300 arrives as INT64_MIN. */
static int64_t minus(int64_t a, uint32_t b) {
  return a < INT64_MIN + (int64_t)b ? INT64_MIN : a - (int64_t)b;
}

/* The proposal as deltas from the current settings, for logs and the summary. */
static void proposed_deltas(const asr_decision_t *d, const asr_metrics_snapshot_t *s,
                            int64_t *dw, int64_t *db) {
  *dw = d->has_target_workers ? minus(d->target_workers, s->workers) : d->workers_delta;
  *db = d->has_target_batch ? minus(d->target_batch, s->batch_size) : d->batch_delta;
}

static void log_decision(const asr_decision_t *d, const asr_metrics_snapshot_t *s,
                         const asr_gate_result_t *g, int64_t dw, int64_t db) {
  char rate[32];
  asr_log_thousands(llround(s->docs_per_second), rate, sizeof rate);
  const char *action = asr_scale_action_name(d->action);
  cJSON *f = cJSON_CreateObject();
  cJSON_AddStringToObject(f, "action", action);
  cJSON_AddStringToObject(f, "reason", d->reason);
  cJSON_AddNumberToObject(f, "docs_per_second", round(s->docs_per_second * 10) / 10);
  cJSON_AddNumberToObject(f, "confidence", d->confidence);
  cJSON_AddNumberToObject(f, "workers_adjustment", (double)dw);
  cJSON_AddNumberToObject(f, "batch_size_adjustment", (double)db);
  cJSON_AddBoolToObject(f, "applied", g->apply);
  cJSON_AddBoolToObject(f, "emergency", g->emergency);
  cJSON_AddStringToObject(f, "gate", g->note);
  char *fields = json_members(f);
  char gate_line[320] = "";
  if (g->note[0] && strcmp(g->note, "hold") != 0) snprintf(gate_line, sizeof gate_line, "\n   Safety gate: %s", g->note);
  if (d->action == ASR_SCALE_HOLD && !g->apply)
    asr_log_fields(ASR_LOG_INFO, "scaling.decision", fields,
                   "🔄 Auto-scaling decision: hold - %s (current: %s docs/s)%s",
                   d->reason[0] ? d->reason : "no change", rate, gate_line);
  else
    asr_log_fields(ASR_LOG_INFO, "scaling.decision", fields,
                   "🚀 Auto-scaling decision: %s - %s (current: %s docs/s)\n"
                   "   Confidence: %.1f\n"
                   "   Worker adjustment: %lld\n"
                   "   Batch size adjustment: %lld%s",
                   action, d->reason[0] ? d->reason : "(no reason given)", rate, d->confidence,
                   (long long)dw, (long long)db, gate_line);
  free(fields);
}

static void log_applied(uint32_t w0, uint32_t w1, uint32_t b0, uint32_t b1, uint32_t queue) {
  char from[32], to[32], fields[256];
  asr_log_thousands(b0, from, sizeof from);
  asr_log_thousands(b1, to, sizeof to);
  snprintf(fields, sizeof fields, "\"workers_from\":%u,\"workers\":%u,\"batch_size_from\":%u,"
           "\"batch_size\":%u,\"queue_size\":%u", w0, w1, b0, b1, queue);
  asr_log_fields(ASR_LOG_INFO, "scaling.applied", fields,
                 "📊 Scaling applied: Workers: %u → %u, Batch size: %s → %s, Queue size: %u", w0,
                 w1, from, to, queue);
}

/* Applies the gate's values; returns 1 if anything changed. */
static int apply(asr_controller_t *c, const asr_gate_result_t *g, const asr_metrics_snapshot_t *s) {
  int changed = 0;
  if (g->workers != s->workers && c->act.set_workers(c->act.ud, g->workers) == 0) changed = 1;
  if (g->batch_size != s->batch_size && c->act.set_batch_size(c->act.ud, g->batch_size) == 0)
    changed = 1;
  if (changed)
    log_applied(s->workers, g->workers, s->batch_size, g->batch_size,
                c->act.queue_capacity ? c->act.queue_capacity(c->act.ud) : 0);
  return changed;
}

static void record(asr_controller_t *c, const asr_decision_t *d, const asr_metrics_snapshot_t *s,
                   const asr_gate_result_t *g, int64_t dw, int64_t db, int applied, int failed,
                   const char *failure) {
  asr_scaling_record_t *r = &c->last;
  *r = (asr_scaling_record_t){.t = s->t, .docs_per_second = s->docs_per_second,
                              .confidence = d->confidence, .workers_delta = dw,
                              .batch_delta = db, .applied = applied, .emergency = g->emergency,
                              .overridden = g->overridden, .policy_failed = failed,
                              .workers_from = s->workers, .batch_from = s->batch_size,
                              .workers_to = applied ? g->workers : s->workers,
                              .batch_to = applied ? g->batch_size : s->batch_size};
  snprintf(r->action, sizeof r->action, "%s", asr_scale_action_name(d->action));
  snprintf(r->reason, sizeof r->reason, "%s", d->reason);
  const char *note = failed ? failure : g->note;
  size_t n = strnlen(note, sizeof r->note - 1); /* truncates long Lua tracebacks */
  memcpy(r->note, note, n);
  r->note[n] = '\0';
  if (c->nrecords < ASR_CONTROLLER_MAX_RECORDS) c->records[c->nrecords++] = *r;
}

void asr_controller_check(asr_controller_t *c, const asr_metrics_snapshot_t *snap) {
  asr_decision_t d;
  asr_err_t perr;
  asr_err_clear(&perr);
  int failed = asr_policy_decide(c->policy, snap, &d, &perr) != 0;
  if (failed) {
    policy_failed(c, &perr);
    memset(&d, 0, sizeof d); /* hold; the gate still acts on emergencies */
    snprintf(d.reason, sizeof d.reason, "policy failed, keeping the current settings");
  } else {
    c->failures_in_a_row = 0;
  }
  asr_gate_input_t in = {.now_s = snap->t, .workers = snap->workers,
                         .batch_size = snap->batch_size, .memory_percent = snap->memory_percent,
                         .error_rate = snap->error_rate};
  asr_gate_result_t g;
  asr_gate_check(&c->gate, failed ? NULL : &d, &in, &g);
  int64_t dw, db;
  proposed_deltas(&d, snap, &dw, &db);
  c->decisions++;
  if (d.action == ASR_SCALE_HOLD) c->holds++;
  else if (d.action == ASR_SCALE_UP) c->scale_ups++;
  else c->scale_downs++;
  log_decision(&d, snap, &g, dw, db);
  int applied = g.apply && apply(c, &g, snap);
  if (applied) {
    asr_gate_applied(&c->gate, snap->t);
    c->applied++;
  }
  record(c, &d, snap, &g, dw, db, applied, failed, perr.msg);
}

void asr_controller_report(const asr_controller_t *c, asr_scaling_report_t *out) {
  *out = (asr_scaling_report_t){
      .policy = asr_policy_name(c->policy), .decisions = c->decisions, .applied = c->applied,
      .holds = c->holds, .policy_failures = c->policy_failures, .fallbacks = c->fallbacks,
      .scale_ups = c->scale_ups, .scale_downs = c->scale_downs,
      .last = c->decisions ? &c->last : NULL, .records = c->records, .nrecords = c->nrecords};
}

void asr_controller_close(asr_controller_t *c) {
  if (!c) return;
  asr_policy_close(c->policy);
  free(c->records);
  free(c);
}
