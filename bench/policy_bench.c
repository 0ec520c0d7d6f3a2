/* Benchmark: the cost of one auto-scaling decision (goal: under 1 ms). Opens each built-in
 * policy through asr_lua_policy_open with the balanced profile's settings, feeds it a synthetic
 * but realistic run (docs/s from a USL-shaped curve that shifts every few hundred checks,
 * CPU, memory and latency growing with the workers, noise, errors and throttles now and
 * then), applies its decisions through the real safety gate so workers and batch size move,
 * and times every asr_policy_decide call with CLOCK_MONOTONIC. The timed cost is what the
 * controller pays per check: the snapshot table, the history (full at 20 after 20 calls),
 * decide() itself and parsing the reply. Prints median, p99 and max per policy in
 * microseconds, and how many calls took 1 ms or more: by the wall clock and by the thread's
 * own CPU time (CLOCK_THREAD_CPUTIME_ID), which tells the policy's cost from the time the
 * thread spent preempted on a busy machine. Usage: policy_bench [CALLS]   (default 20,000) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lua/policy.h"
#include "lua/profile.h"
#include "scaler/gate.h"

#define GOAL_US 1000.0

typedef struct world {
  uint64_t rng;
  uint32_t workers, batch;
  uint64_t docs_total;
} world_t;

/* xorshift64*: deterministic, so every policy sees the same noise for the same state. */
static double rnd(world_t *w) {
  w->rng ^= w->rng >> 12;
  w->rng ^= w->rng << 25;
  w->rng ^= w->rng >> 27;
  return (double)((w->rng * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

static double noise(world_t *w, double share) { return 1.0 + share * (2.0 * rnd(w) - 1.0); }

/* Snapshot i of the run at the settings in force (w->workers, w->batch). */
static void make_snapshot(world_t *w, uint32_t i, const asr_scaling_settings_t *cfg,
                          asr_metrics_snapshot_t *s) {
  memset(s, 0, sizeof *s);
  double n = w->workers, b = w->batch;
  /* The database's capacity changes every 400 checks (other load comes and goes). */
  double lambda = 2500.0 * (1.0 + 0.4 * (double)((i / 400) % 3));
  double kappa = 0.002 + 0.002 * (double)((i / 400) % 2);
  double x = lambda * n / (1.0 + 0.03 * (n - 1) + kappa * n * (n - 1));
  x *= b / (b + 1500.0) * 1.5 * noise(w, 0.08);
  s->t = (double)(i + 1) * cfg->check_interval;
  s->interval = cfg->check_interval;
  s->workers = w->workers;
  s->batch_size = w->batch;
  s->docs_per_second = x;
  s->ops_per_second = x / b;
  s->bytes_per_second = x * 900.0;
  w->docs_total += (uint64_t)(x * s->interval);
  s->docs_total = w->docs_total;
  s->cpu_count = 8;
  s->cpu_percent = 5.5 * n * noise(w, 0.15);
  if (s->cpu_percent > 98) s->cpu_percent = 98;
  s->system_cpu_percent = s->cpu_percent + 10 * rnd(w);
  if (s->system_cpu_percent > 100) s->system_cpu_percent = 100;
  s->memory_limit_bytes = 4ull << 30;
  s->rss_bytes = (uint64_t)((200.0 + 20.0 * n + n * b / 1000.0) * 1048576.0 * noise(w, 0.05));
  s->memory_percent = 100.0 * (double)s->rss_bytes / (double)s->memory_limit_bytes;
  s->net_tx_bytes_per_second = s->bytes_per_second * 1.05;
  s->net_rx_bytes_per_second = s->ops_per_second * 200.0;
  if (i % 97 == 50) { /* a burst of failed documents */
    s->errors = (uint64_t)(x * s->interval * 0.02);
    s->error_rate = 0.02;
  }
  if (i % 61 == 30) { /* the server throttles */
    s->throttles = 3;
    s->retries = 3;
    s->throttle_rate = 3.0 / (s->ops_per_second * s->interval + 1);
    s->retry_rate = s->throttle_rate;
    s->retry_after_ms = 100;
  }
  s->queue_capacity = 2 * w->workers;
  s->queue_depth = (uint32_t)(rnd(w) * s->queue_capacity);
  s->in_flight = w->workers - (uint32_t)(rnd(w) * 2.0 * (w->workers > 1));
  s->latency_p50_ms = b * 0.02 * (1.0 + 0.05 * n) * noise(w, 0.1);
  s->latency_p95_ms = s->latency_p50_ms * 1.8;
  s->latency_p99_ms = s->latency_p50_ms * 2.5;
  s->latency_per_doc_ms = s->latency_p50_ms / b;
  s->pool_size = w->workers;
  s->pool_in_use = s->in_flight;
  s->pool_utilization = (double)s->pool_in_use / s->pool_size;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double now_us(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static asr_gate_config_t gate_config(const asr_scaling_settings_t *s) {
  return (asr_gate_config_t){
      .min_workers = s->min_workers, .max_workers = s->max_workers,
      .min_batch_size = s->min_batch_size, .max_batch_size = s->max_batch_size,
      .cooldown_s = s->cooldown, .stability_intervals = s->stability_intervals,
      .max_worker_step = 2 * s->worker_step, .max_batch_step = 2 * s->batch_step,
      .memory_emergency_percent = s->memory_scale_up_threshold,
      .target_error_rate = s->target_error_rate};
}

typedef struct result {
  double median, p99, max;
  uint64_t over_goal;     /* calls that took GOAL_US or more, wall clock */
  uint64_t over_goal_cpu; /* same, the thread's CPU time */
  double max_cpu;
  uint64_t actions[3], applied;
  uint32_t final_workers, final_batch;
} result_t;

/* Runs `calls` decisions of one policy into *r; times[] is scratch of `calls` doubles. */
static int bench_policy(const char *name, const asr_scaling_settings_t *cfg, uint32_t calls,
                        double *times, result_t *r, asr_err_t *err) {
  asr_policy_t *p = NULL;
  asr_gate_t gate;
  memset(r, 0, sizeof *r);
  asr_policy_spec_t spec = {.name = name, .settings = cfg};
  asr_gate_config_t gc = gate_config(cfg);
  int rc = asr_gate_init(&gate, &gc, err);
  if (rc == 0) rc = asr_lua_policy_open(&spec, &p, err);
  if (rc) goto done;
  world_t w = {.rng = 0x9e3779b97f4a7c15ull, .workers = cfg->min_workers,
               .batch = cfg->min_batch_size};
  for (uint32_t i = 0; i < calls; i++) {
    asr_metrics_snapshot_t snap;
    asr_decision_t d;
    make_snapshot(&w, i, cfg, &snap);
    double c0 = now_us(CLOCK_THREAD_CPUTIME_ID), t0 = now_us(CLOCK_MONOTONIC);
    rc = asr_policy_decide(p, &snap, &d, err);
    times[i] = now_us(CLOCK_MONOTONIC) - t0;
    double cpu = now_us(CLOCK_THREAD_CPUTIME_ID) - c0;
    r->over_goal += times[i] >= GOAL_US;
    r->over_goal_cpu += cpu >= GOAL_US;
    if (cpu > r->max_cpu) r->max_cpu = cpu;
    if (rc) {
      asr_err_prefix(err, "%s, call %u", name, i + 1);
      goto done;
    }
    r->actions[d.action]++;
    asr_gate_input_t in = {.now_s = snap.t, .workers = w.workers, .batch_size = w.batch,
                           .memory_percent = snap.memory_percent,
                           .error_rate = snap.error_rate};
    asr_gate_result_t g;
    asr_gate_check(&gate, &d, &in, &g);
    if (g.apply) {
      w.workers = g.workers;
      w.batch = g.batch_size;
      asr_gate_applied(&gate, snap.t);
      r->applied++;
    }
  }
  qsort(times, calls, sizeof *times, cmp_double);
  r->median = times[calls / 2];
  size_t k99 = (size_t)(0.99 * calls + 0.5);
  r->p99 = times[k99 > 0 ? k99 - 1 : 0];
  r->max = times[calls - 1];
  r->final_workers = w.workers;
  r->final_batch = w.batch;
done:
  asr_policy_close(p);
  return rc;
}

int main(int argc, char **argv) {
  uint32_t calls = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 20000u;
  if (calls < 100) calls = 100;
  asr_scaling_settings_t cfg;
  asr_err_t err;
  asr_err_clear(&err);
  char names[ASR_POLICY_BUILTINS_MAX][ASR_POLICY_NAME_MAX]; /* every built-in, default first */
  int nnames = asr_lua_policy_builtins(names, ASR_POLICY_BUILTINS_MAX, &err);
  if (nnames < 0) {
    fprintf(stderr, "policy_bench: %s\n", err.msg);
    return 1;
  }
  asr_scaling_defaults(&cfg);
  double *times = malloc(calls * sizeof *times);
  int rc = times ? asr_profile_load("balanced", &cfg, &err)
                 : asr_err_set(&err, ASR_ENOMEM, "out of memory");
  if (rc) goto done;
  printf("policy decision cost: %u asr_policy_decide calls per policy, profile %s, history %u\n"
         "(each call: snapshot table + history + decide() + reading the reply; "
         "decisions applied through the safety gate)\n",
         calls, cfg.profile, cfg.history ? cfg.history : 20);
  printf("%-13s %9s %9s %9s %12s %10s   %-24s %-13s %s\n", "policy", "median us", "p99 us",
         "max us", "max CPU us", ">= 1 ms", "up/down/hold (applied)", "final w/batch",
         "goal < 1000 us (p99)");
  int all_met = 1;
  for (int i = 0; i < nnames; i++) {
    result_t r;
    rc = bench_policy(names[i], &cfg, calls, times, &r, &err);
    if (rc) goto done;
    char acts[64], fin[32];
    snprintf(acts, sizeof acts, "%llu/%llu/%llu (%llu)",
             (unsigned long long)r.actions[ASR_SCALE_UP],
             (unsigned long long)r.actions[ASR_SCALE_DOWN],
             (unsigned long long)r.actions[ASR_SCALE_HOLD], (unsigned long long)r.applied);
    snprintf(fin, sizeof fin, "%u/%u", r.final_workers, r.final_batch);
    int met = r.p99 < GOAL_US;
    all_met &= met;
    char over[32];
    snprintf(over, sizeof over, "%llu (%llu)", (unsigned long long)r.over_goal,
             (unsigned long long)r.over_goal_cpu);
    printf("%-13s %9.1f %9.1f %9.1f %12.1f %10s   %-24s %-13s %s\n", names[i], r.median, r.p99,
           r.max, r.max_cpu, over, acts, fin, met ? "met" : "NOT met");
  }
  printf("(>= 1 ms: calls by the wall clock (by the thread's CPU time); times are wall clock "
         "unless marked CPU)\n");
  printf("goal < 1000 us per decision (p99, every policy): %s\n", all_met ? "met" : "NOT met");
done:
  if (rc) fprintf(stderr, "policy_bench: %s\n", err.msg);
  free(times);
  return rc ? 1 : 0;
}
