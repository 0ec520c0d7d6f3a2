#include "runtime/config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "template/template.h"

static uint32_t cpu_count(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (uint32_t)n : 1;
}

/* "templates/orders.json" → "orders" */
static char *stem(const char *path) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  const char *dot = strrchr(b, '.');
  size_t n = dot && dot != b ? (size_t)(dot - b) : strlen(b);
  return strndup(b, n);
}

static int copy_source(const asr_cli_t *cli, const asr_strategy_t *st, asr_config_t *cfg,
                       asr_err_t *err) {
  if (cli->source) return asr_source_spec_parse(cli->source, &cfg->source, err);
  if (!st || !st->source.kind)
    return asr_err_set(err, ASR_EINVAL, "no source: give the strategy a 'source' field or pass "
                       "--source TEMPLATE.json");
  cfg->source.kind = strdup(st->source.kind);
  if (st->source.path) cfg->source.path = strdup(st->source.path);
  if (st->source.template_json) cfg->source.template_json = strdup(st->source.template_json);
  return 0;
}

int asr_config_build(const asr_cli_t *cli, const asr_strategy_t *st, asr_config_t *cfg,
                     asr_err_t *err) {
  memset(cfg, 0, sizeof *cfg);
  int rc = copy_source(cli, st, cfg, err);
  if (!rc && st) rc = asr_strategy_custom_ops(st, &cfg->source, err); /* also for --source */
  if (rc) return rc;
  cfg->name = st ? strdup(st->name) : stem(cfg->source.path ? cfg->source.path : "asrun");

  int64_t total = cli->total >= 0 ? cli->total : st && st->total >= 0 ? st->total : -1;
  cfg->source.limit = total;
  cfg->seed = cli->seed >= 0 ? (uint64_t)cli->seed
              : st && st->seed >= 0 ? (uint64_t)st->seed : ASR_DEFAULT_SEED;
  cfg->source.seed = cfg->seed;
  if (cli->now) {
    if (asr_template_parse_clock(cli->now, &cfg->source.clock_ms) != 0)
      return asr_err_set(err, ASR_EINVAL, "--now: expected epoch milliseconds or an ISO-8601 date, "
                         "got '%s'", cli->now);
    cfg->source.has_clock = 1;
  }

  int64_t workers = cli->workers > 0 ? cli->workers : st && st->workers > 0 ? st->workers : cpu_count();
  int64_t batch = cli->batch_size > 0 ? cli->batch_size
                  : st && st->batch_size > 0 ? st->batch_size : ASR_DEFAULT_BATCH_SIZE;
  if (workers > 1024) return asr_err_set(err, ASR_EINVAL, "workers must be 1..1024, got %lld", (long long)workers);
  if (batch > 1000000) return asr_err_set(err, ASR_EINVAL, "batch_size must be 1..1000000, got %lld", (long long)batch);
  cfg->workers = (uint32_t)workers;
  cfg->batch_size = (uint32_t)batch;
  cfg->queue_capacity = cli->queue_size > 0 ? (uint32_t)cli->queue_size : 0;

  const char *profile = cli->profile ? cli->profile : st && st->profile ? st->profile : "balanced";
  if (strcmp(profile, "conservative") && strcmp(profile, "balanced") && strcmp(profile, "aggressive"))
    return asr_err_set(err, ASR_EINVAL,
                       "unknown scaling profile '%s' (conservative, balanced, aggressive)", profile);
  cfg->profile = strdup(profile);
  cfg->auto_scaling = cli->auto_scaling >= 0 ? cli->auto_scaling
                      : st && st->auto_scaling >= 0 ? st->auto_scaling : 0;
  cfg->tick_interval = st && st->tick_interval > 0 ? st->tick_interval : 1.0;
  cfg->dry_run = cli->dry_run;

  const char *target = cli->target ? cli->target : st ? st->target : NULL;
  if (target) {
    cfg->target = strdup(target);
  } else {
    cfg->target_is_default = 1;
    if (asprintf(&cfg->target, "file:" ASR_DEFAULT_OUT_DIR "/%s.jsonl", cfg->name) < 0)
      cfg->target = NULL;
  }
  if (!cfg->name || !cfg->target || !cfg->profile) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  return 0;
}

void asr_config_free(asr_config_t *cfg) {
  asr_source_spec_free(&cfg->source);
  free(cfg->name);
  free(cfg->target);
  free(cfg->profile);
  memset(cfg, 0, sizeof *cfg);
}
