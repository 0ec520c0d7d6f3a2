#include "runtime/plan.h"

#include "pipeline/pipeline.h"

void asr_plan_print(FILE *out, const asr_config_t *cfg, const asr_strategy_t *st,
                    const asr_source_t *src, const asr_sink_t *sink, int dry_run) {
  fprintf(out, "Plan%s\n", dry_run ? " (dry run: nothing is written)" : "");
  if (st) fprintf(out, "  strategy:   %s (name: %s)\n", st->path, st->name);
  fprintf(out, "  source:     %s\n", src->description);
  fprintf(out, "  transform:  %s\n", st && st->has_transform ? "transform(doc) in Lua, per document" : "none");
  fprintf(out, "  target:     %s%s\n", sink->description,
          cfg->target_is_default ? " [embedded default]" : "");
  fprintf(out, "  workers:    %u\n", cfg->workers);
  fprintf(out, "  batch size: %u\n", cfg->batch_size);
  if (cfg->queue_capacity) fprintf(out, "  queue:      %u batches\n", cfg->queue_capacity);
  /* The scaler itself is a later component: say plainly that the request is only recorded. */
  fprintf(out, "  scaling:    profile %s, auto-scaling %s\n", cfg->profile,
          cfg->auto_scaling ? "requested (recorded; no scaler in this build: fixed settings)"
                            : "off (fixed settings)");
  fflush(out);
}
