#include "runtime/plan.h"

#include <stdio.h>
#include <stdlib.h>

#include "pipeline/pipeline.h"
#include "util/log.h"

void asr_plan_seed(const asr_config_t *cfg, char *out, size_t n) {
  unsigned long long seed = (unsigned long long)cfg->seed;
  switch (cfg->seed_origin) {
  case ASR_SEED_RANDOM:
    snprintf(out, n, "%llu (random; --seed %llu repeats this run)", seed, seed);
    return;
  case ASR_SEED_CHECKPOINT:
    snprintf(out, n, "%llu (the checkpoint's; --seed %llu repeats this run)", seed, seed);
    return;
  case ASR_SEED_DERIVED:
    snprintf(out, n, "%llu (derived from the source and the strategy's name: a re-run derives "
             "it again)", seed);
    return;
  case ASR_SEED_STRATEGY: snprintf(out, n, "%llu (the strategy's)", seed); return;
  default: snprintf(out, n, "%llu (--seed)", seed); return;
  }
}

void asr_plan_print(FILE *out, const asr_config_t *cfg, const asr_strategy_t *st,
                    const asr_source_t *src, const asr_sink_t *sink, int dry_run) {
  fprintf(out, "Plan%s\n", dry_run ? " (dry run: nothing is written)" : "");
  if (st) fprintf(out, "  strategy:   %s (name: %s)\n", st->path, st->name);
  fprintf(out, "  source:     %s\n", src->description);
  const char *xf = !st || !st->has_transform ? "none"
                   : !st->fields ? "transform(doc) in Lua, per document"
                   : st->has_lua_transform ? "asrun.fields (in C), then after(doc) in Lua"
                                           : "asrun.fields: field operations in C, no Lua";
  fprintf(out, "  transform:  %s\n", xf);
  fprintf(out, "  target:     %s%s\n", sink->description,
          cfg->target_is_default ? " [embedded default]" : "");
  if (cfg->drop)
    fprintf(out, "  drop:       the target collection is dropped before the load (--drop)\n");
  char seed[160];
  asr_plan_seed(cfg, seed, sizeof seed);
  fprintf(out, "  seed:       %s\n", seed);
  fprintf(out, "  workers:    %u\n", cfg->workers);
  fprintf(out, "  batch size: %u\n", cfg->batch_size);
  if (cfg->history_start[0]) fprintf(out, "  history:    %s\n", cfg->history_start);
  if (cfg->queue_capacity) fprintf(out, "  queue:      %u batches\n", cfg->queue_capacity);
  const asr_scaling_settings_t *sc = &cfg->scaling;
  if (cfg->auto_scaling)
    fprintf(out, "  scaling:    auto-scaling on: profile %s, policy %s; workers %u..%u, batch size "
            "%u..%u; check every %g s, cooldown %g s\n", cfg->profile,
            cfg->policy ? cfg->policy : "(strategy's own)", sc->min_workers, sc->max_workers,
            sc->min_batch_size, sc->max_batch_size, sc->check_interval, sc->cooldown);
  else
    fprintf(out, "  scaling:    off (fixed settings; --auto-scaling or --profile turns it on)\n");
  char budget[64];
  asr_error_budget_describe(&cfg->error_budget, budget, sizeof budget);
  if (cfg->error_budget.kind == ASR_BUDGET_NONE)
    snprintf(budget, sizeof budget, "the run goes on, then fails if there are any");
  fprintf(out, "  failures:   dead-lettered to %s (%s)\n",
          cfg->dead_letter ? cfg->dead_letter : "(not set)", budget);
  if (sink->vt->stats) { /* a database target: the RU governor paces its writes */
    if (sc->ru_governor == 0)
      fprintf(out, "  RU budget:  not paced (ru_governor = 0)\n");
    else if (sc->target_ru_per_second > 0)
      fprintf(out, "  RU budget:  %g RU/s given; writes paced at %g%% of it\n",
              sc->target_ru_per_second, sc->ru_budget_fraction * 100);
    else
      fprintf(out, "  RU budget:  learned from throttling; writes then paced at %g%% of it\n",
              sc->ru_budget_fraction * 100);
  }
  fflush(out);
}

void asr_plan_log(const asr_config_t *cfg, const asr_strategy_t *st, const asr_source_t *src,
                  const asr_sink_t *sink) {
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  if (!mem) return;
  asr_plan_print(mem, cfg, st, src, sink, 0);
  fclose(mem);
  if (len && text[len - 1] == '\n') text[len - 1] = '\0';
  asr_log_info("run.plan", "%s", text);
  free(text);
}
