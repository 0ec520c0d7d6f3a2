/* The auto-scaler's settings: the brief's targets, thresholds, limits and intervals, plus
 * asrun's step sizes. One table of keys (settings.c) serves every layer, so a key has one
 * name everywhere: `max_workers` in a profile or strategy, AUTO_SCALING_MAX_WORKERS in the
 * environment, `--scaling max_workers=30` (or --max-workers 30) on the command line.
 * Layers apply in order profile < environment < strategy < command line; each set checks
 * its value's range and names where the bad value came from. */
#ifndef ASR_SCALER_SETTINGS_H
#define ASR_SCALER_SETTINGS_H

#include <stdint.h>

#include "core/error.h"

#define ASR_SCALING_NKEYS 22       /* the settings (asr_scaling_keys) */
#define ASR_SCALING_ORIGIN_MAX 192 /* bytes of an origin, with its NUL (a longer one keeps its tail) */

typedef struct asr_scaling_settings {
  char profile[64];
  double target_docs_per_second, target_cpu_usage, target_memory_usage, target_error_rate;
  double cpu_scale_up_threshold, cpu_scale_down_threshold;     /* percent */
  double memory_scale_up_threshold, memory_scale_down_threshold;
  uint32_t min_workers, max_workers, min_batch_size, max_batch_size;
  double check_interval, cooldown;                              /* seconds */
  uint32_t worker_step, batch_step;      /* a policy's usual step; the gate allows 2x */
  uint32_t stability_intervals;          /* same direction this many checks in a row */
  double max_step_factor;                /* the gate's cap per change: x this or 2 steps */
  uint32_t history;                      /* snapshots kept for policies */
  /* the RU governor, for database targets (sinks/ru_governor.h) */
  double target_ru_per_second;           /* the account's budget; 0: learn it from throttling */
  double ru_budget_fraction;             /* the share of the budget to spend, (0, 1] */
  double ru_governor;                    /* 1: pace writes under the budget; 0: off */
  /* The layer that set each key, in asr_scaling_keys() order, for messages that name where a
   * value came from: "profile balanced", "AUTO_SCALING_MIN_WORKERS", "s.lua: scaling.max_workers",
   * "--max-workers", "--scaling max_workers", "default"; "" while unset. */
  char origin[ASR_SCALING_NKEYS][ASR_SCALING_ORIGIN_MAX];
} asr_scaling_settings_t;

#define ASR_SCALING_DEFAULT_HISTORY 20 /* snapshots, when no profile sets history */

/* What no profile sets (history); every other key is left unset (NAN, or 0 for a count), for
 * a profile to set: the profile files (profiles/NAME.lua) are the one place the brief's numbers
 * are written. A run starts from asr_profile_settings (lua/profile.h): these, then the
 * balanced profile, then the one it names. */
void asr_scaling_defaults(asr_scaling_settings_t *s);
/* Sets one key. origin names the layer for messages ("AUTO_SCALING_MAX_WORKERS",
 * "strategy.lua: scaling.max_workers", "--scaling max_workers") and is kept as the key's origin.
 * ASR_EINVAL on an unknown key or a value out of range. */
int asr_scaling_set(asr_scaling_settings_t *s, const char *key, double value, const char *origin,
                    asr_err_t *err);
/* Names the layer that set key, when it is not the origin its errors name (a profile's values
 * come from its file, the layer is "profile NAME"). Nothing for an unknown key. */
void asr_scaling_set_origin(asr_scaling_settings_t *s, const char *key, const char *origin);
/* The layer that set key ("" while unset; "" for an unknown key). */
const char *asr_scaling_origin(const asr_scaling_settings_t *s, const char *key);
/* Same, from text ("30", "75.5"): anything that is not a whole number is rejected. */
int asr_scaling_set_text(asr_scaling_settings_t *s, const char *key, const char *text,
                         const char *origin, asr_err_t *err);
/* Applies every AUTO_SCALING_<KEY>=VALUE of envp (environ, or a test's list). An unknown
 * AUTO_SCALING_* name is logged as a warning with the closest known one (a typo must not
 * pass silently); AUTO_SCALING_PROFILE and AUTO_SCALING_POLICY are read by the caller. */
int asr_scaling_apply_env(asr_scaling_settings_t *s, char *const *envp, asr_err_t *err);
/* Checks once every layer is applied: every key set, min <= max, thresholds in order. A
 * conflict names both settings, their values and the layer that set each: "scaling:
 * min_workers 40 (AUTO_SCALING_MIN_WORKERS) is above max_workers 30 (profile balanced)". */
int asr_scaling_validate(const asr_scaling_settings_t *s, asr_err_t *err);
/* The two settings a run changes while it goes (on_tick's ctx.set_workers / set_batch_size). */
typedef enum { ASR_SCALING_WORKERS, ASR_SCALING_BATCH_SIZE } asr_scaling_axis_t;
/* asked within the scaling limits of axis (min/max_workers, min/max_batch_size). When a limit
 * moves it, the result is that limit and *limit_key names it ("max_workers"); else the result
 * is asked and *limit_key is NULL. For on_tick's changes while auto-scaling is on: the brief's
 * "never exceeds maximum workers" holds for every change, not only the scaler's. */
uint32_t asr_scaling_within(const asr_scaling_settings_t *s, asr_scaling_axis_t axis,
                            uint32_t asked, const char **limit_key);
/* 1 if key names a setting. */
int asr_scaling_is_key(const char *key);
/* The keys, NULL-terminated, in documentation order. */
const char *const *asr_scaling_keys(void);
/* The value of key as a double (for Lua's state.config); NAN for an unknown key. */
double asr_scaling_get(const asr_scaling_settings_t *s, const char *key);

#endif
