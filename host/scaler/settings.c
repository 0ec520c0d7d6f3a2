#include "scaler/settings.h"

#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "util/closest.h"
#include "util/log.h"

typedef enum { K_REAL, K_COUNT, K_SWITCH } kind_t; /* a switch: a real that is 0 or 1 */

typedef struct key_def {
  const char *name;
  size_t offset;
  kind_t kind;
  double min, max;
  const char *unit; /* for messages: what the value is */
} key_def_t;

#define REAL(f, lo, hi, unit) {#f, offsetof(asr_scaling_settings_t, f), K_REAL, lo, hi, unit}
#define COUNT(f, lo, hi, unit) {#f, offsetof(asr_scaling_settings_t, f), K_COUNT, lo, hi, unit}
#define SWITCH(f) {#f, offsetof(asr_scaling_settings_t, f), K_SWITCH, 0, 1, "0 (off) or 1 (on)"}

static const key_def_t keys[] = {
    REAL(target_docs_per_second, 0, 1e12, "documents per second"),
    REAL(target_cpu_usage, 0, 100, "a percentage"),
    REAL(target_memory_usage, 0, 100, "a percentage"),
    REAL(target_error_rate, 1e-6, 1, "a fraction of documents (0.01 = 1%)"),
    REAL(cpu_scale_up_threshold, 0.01, 100, "a percentage"),
    REAL(cpu_scale_down_threshold, 0, 100, "a percentage"),
    REAL(memory_scale_up_threshold, 0.01, 100, "a percentage"),
    REAL(memory_scale_down_threshold, 0, 100, "a percentage"),
    COUNT(min_workers, 1, ASR_MAX_WORKERS, "a worker count"),
    COUNT(max_workers, 1, ASR_MAX_WORKERS, "a worker count"),
    COUNT(min_batch_size, 1, ASR_MAX_BATCH_SIZE, "a batch size"),
    COUNT(max_batch_size, 1, ASR_MAX_BATCH_SIZE, "a batch size"),
    REAL(check_interval, 0.05, 3600, "seconds"),
    REAL(cooldown, 0, 86400, "seconds"),
    COUNT(worker_step, 1, ASR_MAX_WORKERS, "a worker count"),
    COUNT(batch_step, 1, ASR_MAX_BATCH_SIZE, "a batch size"),
    COUNT(stability_intervals, 1, 100, "a number of checks"),
    REAL(max_step_factor, 1, 10, "a factor (2: a change may at most double or halve)"),
    COUNT(history, 2, 1000, "a number of snapshots"),
    /* the RU governor (sinks/ru_governor.h): 0 RU/s learns the budget from throttling */
    REAL(target_ru_per_second, 0, 1e9, "request units per second (0: learn from throttling)"),
    REAL(ru_budget_fraction, 0.01, 1, "a fraction of the budget (0.9 = 90%)"),
    SWITCH(ru_governor),
};
#define NKEYS (sizeof keys / sizeof keys[0])
_Static_assert(NKEYS == ASR_SCALING_NKEYS, "ASR_SCALING_NKEYS is the number of keys");

/* Unset: NAN for a real, 0 for a count (no count may be 0). */
static int is_set(const asr_scaling_settings_t *s, const key_def_t *k) {
  const char *field = (const char *)s + k->offset;
  return k->kind == K_COUNT ? *(const uint32_t *)field != 0 : !isnan(*(const double *)field);
}

static const key_def_t *find(const char *key) {
  for (size_t i = 0; i < NKEYS; i++)
    if (strcmp(keys[i].name, key) == 0) return &keys[i];
  return NULL;
}

/* origin into the key's slot; one too long keeps its tail ("...strategy.lua: scaling.x"). */
static void keep_origin(asr_scaling_settings_t *s, const key_def_t *k, const char *origin) {
  char *slot = s->origin[k - keys];
  size_t n = strlen(origin ? origin : "");
  if (n < ASR_SCALING_ORIGIN_MAX)
    memcpy(slot, origin ? origin : "", n + 1);
  else
    snprintf(slot, ASR_SCALING_ORIGIN_MAX, "...%s", origin + n - (ASR_SCALING_ORIGIN_MAX - 4));
}

void asr_scaling_defaults(asr_scaling_settings_t *s) {
  memset(s, 0, sizeof *s);
  for (size_t i = 0; i < NKEYS; i++)
    if (keys[i].kind != K_COUNT) *(double *)((char *)s + keys[i].offset) = NAN;
  s->history = ASR_SCALING_DEFAULT_HISTORY;
  keep_origin(s, find("history"), "default");
}

void asr_scaling_set_origin(asr_scaling_settings_t *s, const char *key, const char *origin) {
  const key_def_t *k = find(key);
  if (k) keep_origin(s, k, origin);
}

const char *asr_scaling_origin(const asr_scaling_settings_t *s, const char *key) {
  const key_def_t *k = find(key);
  return k ? s->origin[k - keys] : "";
}

int asr_scaling_is_key(const char *key) { return find(key) != NULL; }

const char *const *asr_scaling_keys(void) {
  static const char *names[NKEYS + 1];
  if (!names[0])
    for (size_t i = 0; i < NKEYS; i++) names[i] = keys[i].name;
  return names;
}

static const char *closest(const char *key) {
  return asr_closest(key, asr_scaling_keys(), NKEYS, 3);
}

int asr_scaling_set(asr_scaling_settings_t *s, const char *key, double v, const char *origin,
                    asr_err_t *err) {
  const key_def_t *k = find(key);
  if (!k) {
    const char *near = closest(key);
    return asr_err_set(err, ASR_EINVAL, "%s: unknown scaling setting '%s'%s%s%s", origin, key,
                       near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
  }
  if (!isfinite(v) || v < k->min || v > k->max)
    return asr_err_set(err, ASR_EINVAL, "%s: %s must be %s from %g to %g, got %g", origin, key,
                       k->unit, k->min, k->max, v);
  if (k->kind == K_COUNT && v != floor(v))
    return asr_err_set(err, ASR_EINVAL, "%s: %s must be a whole number, got %g", origin, key, v);
  if (k->kind == K_SWITCH && v != 0 && v != 1)
    return asr_err_set(err, ASR_EINVAL, "%s: %s must be %s, got %g", origin, key, k->unit, v);
  char *field = (char *)s + k->offset;
  if (k->kind == K_COUNT) *(uint32_t *)field = (uint32_t)v;
  else *(double *)field = v;
  keep_origin(s, k, origin);
  return 0;
}

int asr_scaling_set_text(asr_scaling_settings_t *s, const char *key, const char *text,
                         const char *origin, asr_err_t *err) {
  char *end = NULL;
  const char *p = text;
  while (isspace((unsigned char)*p)) p++;
  double v = *p ? strtod(p, &end) : 0;
  if (!*p || end == p || (end && *end && !isspace((unsigned char)*end)))
    return asr_err_set(err, ASR_EINVAL, "%s: %s must be a number, got '%s'", origin, key, text);
  return asr_scaling_set(s, key, v, origin, err);
}

/* "AUTO_SCALING_MAX_WORKERS" → "max_workers" */
static void env_key(const char *name, size_t len, char *out, size_t size) {
  size_t n = len < size - 1 ? len : size - 1;
  for (size_t i = 0; i < n; i++) out[i] = (char)tolower((unsigned char)name[i]);
  out[n] = '\0';
}

int asr_scaling_apply_env(asr_scaling_settings_t *s, char *const *envp, asr_err_t *err) {
  static const char prefix[] = "AUTO_SCALING_";
  for (size_t i = 0; envp && envp[i]; i++) {
    const char *e = envp[i], *eq = strchr(e, '=');
    if (!eq || strncmp(e, prefix, sizeof prefix - 1) != 0) continue;
    char var[128], key[128];
    size_t vlen = (size_t)(eq - e);
    snprintf(var, sizeof var, "%.*s", (int)vlen, e);
    env_key(e + sizeof prefix - 1, vlen - (sizeof prefix - 1), key, sizeof key);
    if (strcmp(key, "profile") == 0 || strcmp(key, "policy") == 0) continue;
    if (!find(key)) {
      const char *near = closest(key);
      char hint[128] = "";
      if (near) {
        char upper[96];
        size_t n = strlen(near);
        for (size_t j = 0; j <= n && j < sizeof upper; j++)
          upper[j] = (char)toupper((unsigned char)near[j]);
        upper[sizeof upper - 1] = '\0';
        snprintf(hint, sizeof hint, " (did you mean AUTO_SCALING_%s?)", upper);
      }
      asr_log_warn("scaling.env", "%s is not an auto-scaling setting; ignored%s", var, hint);
      continue;
    }
    int rc = asr_scaling_set_text(s, key, eq + 1, var, err);
    if (rc) return rc;
  }
  return 0;
}

/* "min_workers 40 (AUTO_SCALING_MIN_WORKERS)": a key, its value and the layer that set it. */
static void describe(const asr_scaling_settings_t *s, const char *key, char *out, size_t n) {
  const char *origin = asr_scaling_origin(s, key);
  double v = asr_scaling_get(s, key);
  char value[32];
  if (v == floor(v) && fabs(v) < 1e15) snprintf(value, sizeof value, "%.0f", v); /* 1000000 */
  else snprintf(value, sizeof value, "%g", v);
  snprintf(out, n, "%s %s%s%s%s", key, value, *origin ? " (" : "", origin, *origin ? ")" : "");
}

/* "scaling: A is RELATION B", each side named with its value and layer. */
static int conflict(const asr_scaling_settings_t *s, const char *a, const char *relation,
                    const char *b, asr_err_t *err) {
  char da[ASR_SCALING_ORIGIN_MAX + 64], db[ASR_SCALING_ORIGIN_MAX + 64];
  describe(s, a, da, sizeof da);
  describe(s, b, db, sizeof db);
  return asr_err_set(err, ASR_EINVAL, "scaling: %s %s %s", da, relation, db);
}

/* down <= target < up: the target sits in the band the thresholds draw around it. */
static int check_band(const asr_scaling_settings_t *s, const char *what, asr_err_t *err) {
  char down[64], target[64], up[64];
  snprintf(down, sizeof down, "%s_scale_down_threshold", what);
  snprintf(target, sizeof target, "target_%s_usage", what);
  snprintf(up, sizeof up, "%s_scale_up_threshold", what);
  if (asr_scaling_get(s, down) > asr_scaling_get(s, target))
    return conflict(s, down, "is above", target, err);
  if (asr_scaling_get(s, target) >= asr_scaling_get(s, up))
    return conflict(s, target, "must be below", up, err);
  return 0;
}

int asr_scaling_validate(const asr_scaling_settings_t *s, asr_err_t *err) {
  for (size_t i = 0; i < NKEYS; i++)
    if (!is_set(s, &keys[i]))
      return asr_err_set(err, ASR_EINVAL, "scaling: %s is not set (every profile sets it; runs "
                         "load profiles/balanced.lua before any other)", keys[i].name);
  if (s->min_workers > s->max_workers)
    return conflict(s, "min_workers", "is above", "max_workers", err);
  if (s->min_batch_size > s->max_batch_size)
    return conflict(s, "min_batch_size", "is above", "max_batch_size", err);
  int rc = check_band(s, "cpu", err);
  if (rc == 0) rc = check_band(s, "memory", err);
  return rc;
}

double asr_scaling_get(const asr_scaling_settings_t *s, const char *key) {
  const key_def_t *k = find(key);
  if (!k) return NAN;
  const char *field = (const char *)s + k->offset;
  return k->kind == K_COUNT ? (double)*(const uint32_t *)field : *(const double *)field;
}

uint32_t asr_scaling_within(const asr_scaling_settings_t *s, asr_scaling_axis_t axis,
                            uint32_t asked, const char **limit_key) {
  int workers = axis == ASR_SCALING_WORKERS;
  uint32_t lo = workers ? s->min_workers : s->min_batch_size;
  uint32_t hi = workers ? s->max_workers : s->max_batch_size;
  *limit_key = NULL;
  if (asked > hi) {
    *limit_key = workers ? "max_workers" : "max_batch_size";
    return hi;
  }
  if (asked < lo) {
    *limit_key = workers ? "min_workers" : "min_batch_size";
    return lo;
  }
  return asked;
}
