/* The sweep (sweep.h). Throughput over (workers, batch size) is smooth in the models the lab
 * runs (USL in workers, saturating in batch size, cut off by memory and RU budgets), so a
 * coarse grid finds the hill and a fine one its top. */
#include "lab/sweep.h"

#include <string.h>

#include "lab/score.h"

static const uint32_t WORKER_GRID[] = {1, 2, 3, 4, 6, 8, 10, 12, 16, 20, 24, 30, 40, 64, 128};
static const uint32_t BATCH_GRID[] = {100, 250, 500, 1000, 2000, 5000, 10000, 20000, 40000,
                                      75000, 150000, 500000};
static const double BATCH_FINE[] = {0.5, 0.7, 1.4, 2.0};
#define WORKER_FINE 3 /* workers +-1..3 around the coarse best */

int asr_lab_fixed_run(const asr_scenario_t *sc, const asr_scaling_settings_t *s,
                      uint32_t workers, uint32_t batch_size, asr_lab_fixed_t *out,
                      asr_err_t *err) {
  memset(out, 0, sizeof *out);
  asr_vrun_config_t cfg = {.scenario = sc, .settings = s, .workers = workers,
                           .batch_size = batch_size};
  int rc = asr_vrun(&cfg, &out->run, err);
  if (rc) return rc;
  out->workers = workers;
  out->batch_size = batch_size;
  out->docs_per_second = asr_lab_steady_rate(&out->run, sc->duration_s);
  out->runs = 1;
  return 0;
}

/* Runs (w, b) if inside the limits and keeps it in *best when better. */
static int try_point(const asr_scenario_t *sc, const asr_scaling_settings_t *s, uint32_t w,
                     uint32_t b, asr_lab_fixed_t *best, asr_err_t *err) {
  if (w < s->min_workers || w > s->max_workers || b < s->min_batch_size || b > s->max_batch_size)
    return 0;
  if (best->runs && w == best->workers && b == best->batch_size) return 0;
  asr_lab_fixed_t cand;
  int rc = asr_lab_fixed_run(sc, s, w, b, &cand, err);
  if (rc) return rc;
  unsigned runs = best->runs + 1;
  if (best->runs == 0 || cand.docs_per_second > best->docs_per_second) {
    asr_vrun_result_free(&best->run);
    *best = cand;
  } else {
    asr_vrun_result_free(&cand.run);
  }
  best->runs = runs;
  return 0;
}

/* The grid's values inside [lo, hi], plus lo and hi themselves. */
static size_t grid(const uint32_t *g, size_t n, uint32_t lo, uint32_t hi, uint32_t *out) {
  size_t k = 0;
  out[k++] = lo;
  for (size_t i = 0; i < n; i++)
    if (g[i] > lo && g[i] < hi) out[k++] = g[i];
  if (hi > lo) out[k++] = hi;
  return k;
}

int asr_lab_sweep(const asr_scenario_t *sc, const asr_scaling_settings_t *s,
                  asr_lab_fixed_t *best, asr_err_t *err) {
  memset(best, 0, sizeof *best);
  uint32_t ws[32], bs[32];
  size_t nw = grid(WORKER_GRID, sizeof WORKER_GRID / sizeof *WORKER_GRID, s->min_workers,
                   s->max_workers, ws);
  size_t nb = grid(BATCH_GRID, sizeof BATCH_GRID / sizeof *BATCH_GRID, s->min_batch_size,
                   s->max_batch_size, bs);
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < nw; i++)
    for (size_t j = 0; rc == 0 && j < nb; j++) rc = try_point(sc, s, ws[i], bs[j], best, err);
  uint32_t w0 = best->workers, b0 = best->batch_size;
  for (int dw = -WORKER_FINE; rc == 0 && dw <= WORKER_FINE; dw++) {
    if ((int64_t)w0 + dw < 1) continue;
    for (size_t j = 0; rc == 0 && j <= sizeof BATCH_FINE / sizeof *BATCH_FINE; j++) {
      double f = j < sizeof BATCH_FINE / sizeof *BATCH_FINE ? BATCH_FINE[j] : 1.0;
      rc = try_point(sc, s, (uint32_t)((int64_t)w0 + dw), (uint32_t)(b0 * f), best, err);
    }
  }
  return rc;
}
