/* The safety gate between the Lua policy and the pipeline (rules and choices: gate.h).
 * Pure: everything comes in through the arguments, the gate's history is in asr_gate_t, the
 * outcome and its explanation go out in asr_gate_result_t. No allocation, no clock, no log. */
#include "scaler/gate.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One setting the gate moves (workers or batch size), with its bounds and step. */
typedef struct axis {
  const char *name, *min_key, *max_key;
  int64_t min, max, step, cur;
  double factor; /* the multiplicative cap, >= 1 */
} axis_t;

static int64_t sat_add(int64_t a, int64_t b) {
  if (b > 0 && a > INT64_MAX - b) return INT64_MAX;
  if (b < 0 && a < INT64_MIN - b) return INT64_MIN;
  return a + b;
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi) {
  return v < lo ? lo : v > hi ? hi : v;
}

static uint32_t sat_inc(uint32_t x) {
  return x < UINT32_MAX ? x + 1 : x;
}

/* Metrics may be missing (NaN) on a bad sample: read them as "nothing seen". */
static double sane(double v) {
  return isnan(v) || v < 0 ? 0 : v;
}

/* Appends to out->note, "; " between parts; truncates quietly (the note is for a log line). */
__attribute__((format(printf, 2, 3))) static void note_add(asr_gate_result_t *out,
                                                           const char *fmt, ...) {
  size_t len = strlen(out->note);
  if (len && len + 2 < sizeof out->note) {
    memcpy(out->note + len, "; ", 3);
    len += 2;
  }
  if (len + 1 >= sizeof out->note) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(out->note + len, sizeof out->note - len, fmt, ap);
  va_end(ap);
}

/* Decimals (1..6) for two percentages in a note, so that the note states what the gate saw:
 * values that differ print differently ("2.96% → 3.04%", not "3.0% → 3.0%"), and a value
 * that is not 0 does not print as 0 ("0.004%"). For one value, pass it twice. */
static int apart(double a, double b) {
  char x[64], y[64];
  int d = 1;
  for (; d < 6; d++) {
    snprintf(x, sizeof x, "%.*f", d, a);
    snprintf(y, sizeof y, "%.*f", d, b);
    int same = strcmp(x, y) == 0;
    if ((a == b || !same) && (a == 0 || atof(x) != 0) && (b == 0 || atof(y) != 0)) break;
  }
  return d;
}

const char *asr_scale_action_name(asr_scale_action_t a) {
  switch (a) {
  case ASR_SCALE_HOLD: return "hold";
  case ASR_SCALE_UP: return "scale_up";
  case ASR_SCALE_DOWN: return "scale_down";
  default: return "unknown";
  }
}

int asr_scale_action_parse(const char *s, asr_scale_action_t *out) {
  static const asr_scale_action_t all[] = {ASR_SCALE_HOLD, ASR_SCALE_UP, ASR_SCALE_DOWN};
  for (size_t i = 0; s && i < sizeof all / sizeof all[0]; i++) {
    if (strcmp(s, asr_scale_action_name(all[i])) == 0) {
      *out = all[i];
      return 0;
    }
  }
  return ASR_EINVAL;
}

int asr_decision_validate(const asr_decision_t *d, char *why, size_t n) {
  if (d->action != ASR_SCALE_HOLD && d->action != ASR_SCALE_UP && d->action != ASR_SCALE_DOWN) {
    snprintf(why, n, "unknown action %d", (int)d->action);
    return ASR_EINVAL;
  }
  if (!(d->confidence >= 0 && d->confidence <= 1)) { /* also catches NaN */
    snprintf(why, n, "confidence %g outside 0..1", d->confidence);
    return ASR_EINVAL;
  }
  if (!memchr(d->reason, '\0', sizeof d->reason)) {
    snprintf(why, n, "reason is not terminated");
    return ASR_EINVAL;
  }
  if (n) why[0] = '\0';
  return 0;
}

static int check_bounds(const char *what, uint32_t min, uint32_t max, asr_err_t *err) {
  if (min < 1) return asr_err_set(err, ASR_EINVAL, "min_%s must be at least 1 (got 0)", what);
  if (min > max)
    return asr_err_set(err, ASR_EINVAL, "min_%s %u is greater than max_%s %u", what, min, what,
                       max);
  return 0;
}

static int check_config(const asr_gate_config_t *c, asr_err_t *err) {
  int rc = check_bounds("workers", c->min_workers, c->max_workers, err);
  if (!rc) rc = check_bounds("batch_size", c->min_batch_size, c->max_batch_size, err);
  if (rc) return rc;
  if (!(isfinite(c->cooldown_s) && c->cooldown_s >= 0))
    return asr_err_set(err, ASR_EINVAL, "cooldown must be a finite number >= 0 (got %g)",
                       c->cooldown_s);
  if (c->stability_intervals < 1)
    return asr_err_set(err, ASR_EINVAL, "stability_intervals must be at least 1 (got 0)");
  if (c->max_worker_step < 1)
    return asr_err_set(err, ASR_EINVAL, "max_worker_step must be at least 1 (got 0)");
  if (c->max_batch_step < 1)
    return asr_err_set(err, ASR_EINVAL, "max_batch_step must be at least 1 (got 0)");
  if (!(c->max_step_factor == 0 || (c->max_step_factor >= 1 && c->max_step_factor <= 10)))
    return asr_err_set(err, ASR_EINVAL, "max_step_factor must be from 1 to 10 (got %g)",
                       c->max_step_factor);
  if (!(c->memory_emergency_percent > 0 && c->memory_emergency_percent <= 100))
    return asr_err_set(err, ASR_EINVAL, "memory_scale_up_threshold must be in (0, 100] (got %g)",
                       c->memory_emergency_percent);
  if (!(c->target_error_rate > 0 && c->target_error_rate <= 1))
    return asr_err_set(err, ASR_EINVAL, "target_error_rate must be in (0, 1] (got %g)",
                       c->target_error_rate);
  return 0;
}

int asr_gate_init(asr_gate_t *g, const asr_gate_config_t *cfg, asr_err_t *err) {
  int rc = check_config(cfg, err);
  if (rc) return rc;
  memset(g, 0, sizeof *g);
  g->cfg = *cfg;
  return 0;
}

void asr_gate_applied(asr_gate_t *g, double now_s) {
  g->last_applied_s = now_s;
  g->has_applied = 1;
  g->streak = 0;
  g->streak_dir = ASR_SCALE_HOLD;
  g->error_streak = 0;
}

/* The largest change one decision may make: the step, or up to x factor / factor when the
 * factor allows more (x2 from 4 workers: +4; /2 from 30: -15). */
static int64_t cap_up(const axis_t *a) {
  double by = (double)a->cur * (a->factor - 1);
  return by > (double)a->step && by < 1e15 ? (int64_t)by : a->step;
}

static int64_t cap_down(const axis_t *a) {
  double by = (double)a->cur - (double)a->cur / a->factor;
  return by > (double)a->step && by < 1e15 ? (int64_t)by : a->step;
}

/* Bounds, then the step cap from the current value (when `capped`), then bounds again (so a
 * current value outside the bounds comes inside whatever the cap says). Notes what limited
 * the result. */
static uint32_t settle(const axis_t *a, int64_t want, int capped, asr_gate_result_t *out) {
  int64_t bounded = clamp64(want, a->min, a->max), v = bounded;
  if (capped) v = clamp64(v, a->cur - cap_down(a), a->cur + cap_up(a));
  v = clamp64(v, a->min, a->max);
  if (v == a->cur && want > a->cur)
    note_add(out, "already at %s %lld", a->max_key, (long long)a->max);
  else if (v == a->cur && want < a->cur)
    note_add(out, "already at %s %lld", a->min_key, (long long)a->min);
  else if (v != want && v == a->max && want > a->max)
    note_add(out, "clamped to %s %lld", a->max_key, (long long)a->max);
  else if (v != want && v == a->min && want < a->min)
    note_add(out, "clamped to %s %lld", a->min_key, (long long)a->min);
  else if (v != want)
    note_add(out, "step cap: %s %+lld (asked %+lld)", a->name, (long long)(v - a->cur),
             (long long)(bounded - a->cur));
  return (uint32_t)v;
}

/* The emergency cut: max(step, half), not capped, never below the minimum. */
static int64_t emergency_cut(const axis_t *a) {
  int64_t cut = a->cur / 2 > a->step ? a->cur / 2 : a->step;
  return a->cur - cut;
}

/* Reads the policy's numbers into absolute wants; returns the direction they mean. */
static asr_scale_action_t read_decision(const asr_decision_t *d, const axis_t *aw,
                                        const axis_t *ab, int64_t *w, int64_t *b,
                                        asr_gate_result_t *out) {
  char why[96];
  *w = aw->cur;
  *b = ab->cur;
  if (!d) {
    note_add(out, "no decision: hold");
    return ASR_SCALE_HOLD;
  }
  if (asr_decision_validate(d, why, sizeof why)) {
    note_add(out, "invalid decision (%s): hold", why);
    return ASR_SCALE_HOLD;
  }
  *w = d->has_target_workers ? d->target_workers : sat_add(aw->cur, d->workers_delta);
  *b = d->has_target_batch ? d->target_batch : sat_add(ab->cur, d->batch_delta);
  asr_scale_action_t dir = *w > aw->cur || *b > ab->cur   ? ASR_SCALE_UP
                           : *w < aw->cur || *b < ab->cur ? ASR_SCALE_DOWN
                                                          : ASR_SCALE_HOLD;
  if (dir == ASR_SCALE_HOLD && d->action != ASR_SCALE_HOLD)
    note_add(out, "%s without a change", asr_scale_action_name(d->action));
  else if (dir != d->action)
    note_add(out, "action %s but the numbers %s", asr_scale_action_name(d->action),
             asr_scale_action_name(dir));
  return dir;
}

static void track_streak(asr_gate_t *g, asr_scale_action_t dir) {
  if (dir == ASR_SCALE_HOLD) {
    g->streak = 0;
    g->streak_dir = ASR_SCALE_HOLD;
  } else if (dir == g->streak_dir) {
    g->streak = sat_inc(g->streak);
  } else {
    g->streak_dir = dir;
    g->streak = 1;
  }
}

/* 1 and the seconds left while the last applied change is within the cooldown. A clock
 * that stepped back cannot stretch the wait beyond one cooldown. */
static int cooling(const asr_gate_t *g, double now_s, double *left) {
  if (!g->has_applied) return 0;
  double l = g->last_applied_s + g->cfg.cooldown_s - now_s;
  *left = l > g->cfg.cooldown_s ? g->cfg.cooldown_s : l;
  return *left > 0;
}

/* The error-rate reading of this check, against the previous one. */
typedef struct error_trend {
  double prev, now;
  int known, rising, spike; /* known: there was a previous check to compare with */
} error_trend_t;

static error_trend_t error_trend(asr_gate_t *g, double err) {
  const double target = g->cfg.target_error_rate;
  error_trend_t t = {g->prev_error_rate, err, g->has_prev_error, 0, 0};
  int above = err > target;
  t.rising = above && t.known && err > t.prev;
  t.spike = above && ((t.known && err >= 2 * t.prev) || err > 10 * target);
  g->error_streak = t.rising ? sat_inc(g->error_streak) : 0;
  g->prev_error_rate = err;
  g->has_prev_error = 1;
  return t;
}

static void note_emergency(const asr_gate_t *g, double mem, const error_trend_t *t, int mem_high,
                           asr_gate_result_t *out) {
  const double line = g->cfg.memory_emergency_percent, target = 100 * g->cfg.target_error_rate;
  if (mem_high) {
    int d = apart(mem, line);
    note_add(out, "memory %.*f%% > %.*f%%: emergency scale down", d, mem, d, line);
  }
  if (t->spike && t->known && t->now >= 2 * t->prev) {
    int d = apart(100 * t->prev, 100 * t->now);
    note_add(out, "error rate spike %.*f%% → %.*f%%: emergency scale down", d, 100 * t->prev, d,
             100 * t->now);
  } else if (t->spike)
    note_add(out, "error rate %.*f%% above 10x target %.*f%%: emergency scale down",
             apart(100 * t->now, 10 * target), 100 * t->now, apart(target, target), target);
}

/* "error rate rising 2.96% → 3.04% (1/2)": the rise as it was, never "3.0% → 3.0%". */
static void note_rising(const error_trend_t *t, uint32_t shown, uint32_t of, const char *tail,
                        asr_gate_result_t *out) {
  int d = apart(100 * t->prev, 100 * t->now);
  note_add(out, "error rate rising %.*f%% → %.*f%% (%u/%u)%s", d, 100 * t->prev, d, 100 * t->now,
           shown, of, tail);
}

/* The policy's own path: hold, wait for stability, wait for the cooldown, or move (capped).
 * Waiting keeps the current values (brought inside the bounds if they are not). */
static void policy_path(asr_gate_t *g, asr_scale_action_t dir, const axis_t *aw,
                        const axis_t *ab, int64_t w, int64_t b, double now_s,
                        asr_gate_result_t *out) {
  double left = 0;
  int move = 0;
  if (dir == ASR_SCALE_HOLD) {
    if (!out->note[0]) note_add(out, "hold");
  } else if (g->streak < g->cfg.stability_intervals) {
    note_add(out, "stability: %u/%u %s", g->streak, g->cfg.stability_intervals,
             asr_scale_action_name(dir));
  } else if (cooling(g, now_s, &left)) {
    note_add(out, "cooldown: %.0f s left", ceil(left));
  } else {
    move = 1;
  }
  out->workers = settle(aw, move ? w : aw->cur, move, out);
  out->batch_size = settle(ab, move ? b : ab->cur, move, out);
}

/* Growth that would carry memory past the emergency line: memory grows about with the
 * documents in flight (workers x batch size; less, with a fixed base), so a change may grow
 * them at most by line / memory now. The batch size gives way first, then the workers; never
 * below the current values (this only trims growth). */
static void keep_memory_below(const asr_gate_t *g, double mem, const axis_t *aw,
                              const axis_t *ab, asr_gate_result_t *out) {
  double now_docs = (double)aw->cur * (double)ab->cur;
  double want = (double)out->workers * (double)out->batch_size;
  if (mem <= 0 || want <= now_docs) return;
  double room = now_docs * g->cfg.memory_emergency_percent / mem;
  if (want <= room) return;
  int64_t w = out->workers, want_b = out->batch_size, b = want_b;
  if (b > ab->cur) b = clamp64((int64_t)(room / (double)w), ab->cur, want_b);
  if ((double)w * (double)b > room && w > aw->cur) {
    w = clamp64((int64_t)(room / (double)b), aw->cur, w);
    if (want_b > ab->cur) b = clamp64((int64_t)(room / (double)w), ab->cur, want_b);
  }
  note_add(out, "memory %.0f%%: growth held to %lld x %lld (at most %.0f%% predicted, under "
           "memory_scale_up_threshold)", mem, (long long)w, (long long)b,
           mem * (double)w * (double)b / now_docs);
  out->workers = (uint32_t)w;
  out->batch_size = (uint32_t)b;
}

/* Errors kept rising: one step down on both settings, once the cooldown allows. */
static void error_step_down(const asr_gate_t *g, const axis_t *aw, const axis_t *ab,
                            double now_s, asr_gate_result_t *out) {
  double left = 0;
  int move = !cooling(g, now_s, &left);
  if (!move) note_add(out, "cooldown: %.0f s left", ceil(left));
  out->workers = settle(aw, move ? aw->cur - aw->step : aw->cur, move, out);
  out->batch_size = settle(ab, move ? ab->cur - ab->step : ab->cur, move, out);
}

void asr_gate_check(asr_gate_t *g, const asr_decision_t *d, const asr_gate_input_t *in,
                    asr_gate_result_t *out) {
  const asr_gate_config_t *c = &g->cfg;
  double f = c->max_step_factor >= 1 ? c->max_step_factor : 1;
  const axis_t aw = {"workers", "min_workers", "max_workers", c->min_workers, c->max_workers,
                     c->max_worker_step, in->workers, f};
  const axis_t ab = {"batch_size", "min_batch_size", "max_batch_size", c->min_batch_size,
                     c->max_batch_size, c->max_batch_step, in->batch_size, f};
  double mem = sane(in->memory_percent);
  int64_t w, b;
  memset(out, 0, sizeof *out);

  asr_scale_action_t asked = read_decision(d, &aw, &ab, &w, &b, out), dir = asked;
  error_trend_t t = error_trend(g, sane(in->error_rate));
  int mem_high = mem > c->memory_emergency_percent;
  uint32_t shown = g->error_streak < c->stability_intervals ? g->error_streak
                                                             : c->stability_intervals;

  if (t.rising && dir == ASR_SCALE_UP) dir = ASR_SCALE_HOLD; /* never add load into errors */
  track_streak(g, dir);

  if (mem_high || t.spike) {
    note_emergency(g, mem, &t, mem_high, out);
    out->emergency = 1;
    dir = ASR_SCALE_DOWN;
    out->workers = settle(&aw, emergency_cut(&aw), 0, out);
    out->batch_size = settle(&ab, emergency_cut(&ab), 0, out);
  } else if (t.rising && g->error_streak >= c->stability_intervals) {
    note_rising(&t, shown, c->stability_intervals, ": scale down", out);
    dir = ASR_SCALE_DOWN;
    error_step_down(g, &aw, &ab, in->now_s, out);
  } else {
    if (t.rising)
      note_rising(&t, shown, c->stability_intervals,
                  asked == ASR_SCALE_UP ? ": scale_up refused" : "", out);
    policy_path(g, dir, &aw, &ab, w, b, in->now_s, out);
    keep_memory_below(g, mem, &aw, &ab, out);
  }
  out->overridden = dir != asked;
  out->apply = out->workers != in->workers || out->batch_size != in->batch_size;
}
