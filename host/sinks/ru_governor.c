/* The RU governor (ru_governor.h): a token bucket on request charge, its rate fraction x the
 * budget estimate, the estimate given or learned from the charge accepted while throttled.
 *
 * The bucket is GCRA-like: a reservation may go when the bucket is not in debt, and takes
 * its whole estimate at once, so a batch larger than the bucket still goes and the debt makes
 * later reservations wait (debt / rate). Over any span the charge reserved stays within
 * rate x span + one burst + one batch. Replies correct the estimate to the actual charge,
 * except for throttled documents: they consumed nothing on the server, but their share is
 * not given back (the retry reserves it again). A refund would let new reservations jump
 * ahead of the ones already waiting, and two writes would reach the account at once, which
 * is the burst that was throttled; keeping it is the backoff a throttle calls for. */
#include "sinks/ru_governor.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>

/* Every number of the governor, here once. */
#define BURST_S 0.1           /* the bucket holds this many seconds of pacing */
#define MEASURE_S 1.0         /* a throttle: the accepted charge is measured this long ... */
#define MEASURE_REPLIES 8     /* ... and over at least this many replies ... */
#define MEASURE_MAX_S 10.0    /* ... but no longer than this */
#define SETTLE_S 2.0          /* throttles this long after the writes reserved before a new
                               * estimate have gone were sent at the old pace */
#define PROBE_PER_S 0.02      /* estimate growth per second of clean, pacing-bound writes */
#define PROBE_MAX_STEP_S 1.0  /* a longer gap between replies counts as this much */
#define HOLD_MIN_S 15.0       /* no probing this long after a throttle ... */
#define HOLD_MAX_S 120.0      /* ... doubling up to this while probes find the same line */
#define GREW_FACTOR 1.5       /* a probe throttled past this x the measured budget: measure */
#define BINDING_S 1.0         /* pacing holds writes back: one was held until this recently */
#define CHARGE_DECAY 0.9      /* weight kept by the charge-per-document sums per reply */

struct asr_ru_governor {
  pthread_mutex_t mu;
  double target, fraction;   /* configuration */
  int active;                /* pacing: a given budget, or learned from a throttle */
  double estimate;           /* the budget estimate, RU/s */
  double anchor;             /* the budget the last measurement found (0: none yet) */
  double tokens, last_refill;
  int refilled;              /* last_refill is set */
  double charge_sum, docs_sum; /* decayed: charge per document = charge_sum / docs_sum */
  int seen_reply, throttled_before;
  double last_throttle, settle_until, last_wait, last_probe, hold;
  /* a measurement in progress: the charge accepted since measure_start, over nreplies */
  int measuring;
  double measure_start, measure_charge;
  uint32_t measure_replies;
};

static double charge_per_doc(const asr_ru_governor_t *g) {
  return g->docs_sum > 0 ? g->charge_sum / g->docs_sum : 0;
}

static double pacing_rate(const asr_ru_governor_t *g) {
  return g->active && charge_per_doc(g) > 0 ? g->fraction * g->estimate : 0;
}

asr_ru_governor_t *asr_ru_governor_new(const asr_ru_governor_config_t *cfg) {
  if (!cfg || !isfinite(cfg->target_ru_per_second) || cfg->target_ru_per_second < 0 ||
      !isfinite(cfg->fraction) || cfg->fraction <= 0 || cfg->fraction > 1)
    return NULL;
  asr_ru_governor_t *g = calloc(1, sizeof *g);
  if (!g) return NULL;
  if (pthread_mutex_init(&g->mu, NULL) != 0) {
    free(g);
    return NULL;
  }
  g->target = cfg->target_ru_per_second;
  g->fraction = cfg->fraction;
  g->active = g->target > 0;
  g->estimate = g->target;
  g->hold = HOLD_MIN_S;
  return g;
}

void asr_ru_governor_free(asr_ru_governor_t *g) {
  if (!g) return;
  pthread_mutex_destroy(&g->mu);
  free(g);
}

/* Tokens earned since the last refill at the current rate, up to one burst. The first call
 * starts the bucket full; a clock that went backwards (another thread's reading) earns none. */
static void refill(asr_ru_governor_t *g, double now) {
  double rate = pacing_rate(g), cap = rate * BURST_S;
  if (!g->refilled) {
    g->refilled = 1;
    g->last_refill = now;
    g->tokens = cap;
    return;
  }
  if (now > g->last_refill) {
    g->tokens += rate * (now - g->last_refill);
    g->last_refill = now;
  }
  if (g->tokens > cap) g->tokens = cap;
}

double asr_ru_governor_reserve(asr_ru_governor_t *g, double now, uint32_t ndocs) {
  if (!g) return 0;
  pthread_mutex_lock(&g->mu);
  refill(g, now);
  double rate = pacing_rate(g), wait = 0;
  if (rate > 0) {
    if (g->tokens < 0) {
      wait = -g->tokens / rate;
      g->last_wait = now + wait; /* when pacing stops holding this write back */
    }
    g->tokens -= ndocs * charge_per_doc(g);
  }
  pthread_mutex_unlock(&g->mu);
  return wait;
}

/* ---- learning the budget ----------------------------------------------------------- */

/* After a new estimate: the writes already reserved (the bucket's debt) go at the old pace,
 * and their throttles say nothing new. */
static void settle(asr_ru_governor_t *g, double now) {
  double rate = pacing_rate(g), debt = g->tokens < 0 ? -g->tokens : 0;
  g->settle_until = now + (rate > 0 ? debt / rate : 0) + SETTLE_S;
}

/* A throttle means the account's burst is spent. If a probe has just taken the pace past the
 * budget measured before (by less than GREW_FACTOR: the line did not move), the estimate goes
 * back to that budget and the next probe waits twice as long. Any other throttle (the first,
 * the pace at the measured budget, a probe far past it) starts a measurement: from a throttle
 * on, while writes keep coming faster than the budget, the account accepts exactly its
 * budget, so the governor keeps its pace a moment and takes the charge accepted meanwhile per
 * second. Returns 1 when this throttle starts a measurement (of the replies after it). */
static int on_throttle(asr_ru_governor_t *g, double now) {
  g->throttled_before = 1;
  g->last_throttle = now;
  if (g->measuring || (g->anchor > 0 && now < g->settle_until)) return 0;
  if (g->anchor > 0 && g->estimate > g->anchor && g->estimate < GREW_FACTOR * g->anchor) {
    g->estimate = g->anchor;
    settle(g, now);
    g->hold = fmin(2 * g->hold, HOLD_MAX_S);
    return 0;
  }
  g->measuring = 1;
  g->measure_start = now;
  g->measure_charge = 0;
  g->measure_replies = 0;
  return 1;
}

/* Ends a measurement that has run long enough: sets the estimate (the user's budget caps it)
 * and starts pacing; the next probe comes after the shortest hold. */
static void measure(asr_ru_governor_t *g, double now, double charge) {
  g->measure_charge += charge;
  g->measure_replies++;
  double span = now - g->measure_start;
  if (span < MEASURE_S || (g->measure_replies < MEASURE_REPLIES && span < MEASURE_MAX_S)) return;
  g->measuring = 0;
  double accepted = g->measure_charge / span;
  if (accepted <= 0) return; /* no charge reported: nothing to learn from */
  g->estimate = g->anchor = g->target > 0 ? fmin(accepted, g->target) : accepted;
  g->hold = HOLD_MIN_S;
  if (!g->active) { /* pacing starts now, with an empty bucket */
    g->active = 1;
    g->tokens = 0;
    g->last_refill = now;
  }
  settle(g, now);
}

/* A clean reply: while the pacing is what holds writes back and no throttle came for the
 * hold, the estimate grows (up to the user's budget). */
static void probe(asr_ru_governor_t *g, double now) {
  double dt = now - g->last_probe;
  if (dt <= 0) return; /* another thread's earlier reading */
  g->last_probe = now;
  if (!g->active) return;
  if (dt > PROBE_MAX_STEP_S) dt = PROBE_MAX_STEP_S;
  if (g->throttled_before && now - g->last_throttle < g->hold) return;
  if (now - g->last_wait > BINDING_S) return;
  g->estimate *= 1 + PROBE_PER_S * dt;
  if (g->target > 0 && g->estimate > g->target) g->estimate = g->target;
}

void asr_ru_governor_record(asr_ru_governor_t *g, double now, uint32_t ndocs, double charge,
                            uint32_t written, uint32_t throttled) {
  if (!g) return;
  if (!isfinite(charge) || charge < 0) charge = 0;
  pthread_mutex_lock(&g->mu);
  refill(g, now);
  if (!g->seen_reply) {
    g->seen_reply = 1;
    g->last_probe = now;
  }
  int charge_known = charge > 0 || written == 0; /* documents written for 0: not reported */
  if (g->active && charge_known) { /* the reservation took ndocs x the estimate (0 before one
                                    * was known): settle it to the actual charge */
    uint32_t settled = throttled < ndocs ? ndocs - throttled : 0;
    g->tokens -= charge - settled * charge_per_doc(g);
    double cap = pacing_rate(g) * BURST_S;
    if (g->tokens > cap) g->tokens = cap;
  }
  if (written > 0 && charge > 0) {
    g->charge_sum = g->charge_sum * CHARGE_DECAY + charge;
    g->docs_sum = g->docs_sum * CHARGE_DECAY + written;
  }
  int started = throttled > 0 && on_throttle(g, now);
  if (g->measuring && !started) measure(g, now, charge);
  else if (throttled == 0) probe(g, now);
  pthread_mutex_unlock(&g->mu);
}

double asr_ru_governor_rate(const asr_ru_governor_t *g) {
  if (!g) return 0;
  pthread_mutex_t *mu = (pthread_mutex_t *)&g->mu;
  pthread_mutex_lock(mu);
  double r = pacing_rate(g);
  pthread_mutex_unlock(mu);
  return r;
}
