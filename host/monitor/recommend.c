/* The rules of `asrun recommend` (recommend.h) and how the advice is printed. */
#include "monitor/recommend.h"

#include <string.h>

static int same_version(const asr_history_entry_t *e, const char *hash) {
  return !hash || strcmp(e->strategy_hash, hash) == 0;
}

static int completed(const asr_history_entry_t *e) {
  return strcmp(e->status, "ok") == 0 && e->docs > 0;
}

static int is_clean(const asr_history_entry_t *e) { return e->throttles == 0 && e->errors == 0; }

int asr_recommend_counts(const asr_recommendation_t *rec, const asr_history_entry_t *e,
                         const char *current_hash) {
  return completed(e) && (rec->from_older_version || same_version(e, current_hash));
}

/* The clean run with the most docs/s, else the run with the most docs/s. */
static const asr_history_entry_t *best_run(const asr_history_entry_t *runs, size_t n,
                                           const asr_recommendation_t *rec, const char *hash) {
  const asr_history_entry_t *best = NULL, *best_clean = NULL;
  for (size_t i = 0; i < n; i++) {
    const asr_history_entry_t *e = &runs[i];
    if (!asr_recommend_counts(rec, e, hash)) continue;
    if (!best || e->docs_per_second > best->docs_per_second) best = e;
    if (is_clean(e) && (!best_clean || e->docs_per_second > best_clean->docs_per_second))
      best_clean = e;
  }
  return best_clean ? best_clean : best;
}

static void choose_profile(asr_recommendation_t *rec) {
  const asr_history_entry_t *b = rec->best;
  if (!rec->clean) {
    rec->profile = "conservative";
    rec->why = "every completed run was throttled or failed documents: the target pushes back, "
               "so scale gently";
  } else if (b->max_workers > 0 && b->held_workers >= b->max_workers) {
    rec->profile = "aggressive";
    rec->why = "the best clean run settled at its max_workers: it had room to grow";
  } else if (b->auto_scaling && b->profile[0]) {
    rec->profile = b->profile;
    rec->why = "the best clean run's profile";
  } else {
    rec->profile = ASR_RECOMMEND_DEFAULT_PROFILE;
    rec->why = "the best clean run ran without auto-scaling: the default profile";
  }
  rec->policy = b->auto_scaling && b->policy[0] ? b->policy : ASR_RECOMMEND_DEFAULT_POLICY;
}

void asr_recommend(const asr_history_entry_t *runs, size_t n, const char *current_hash,
                   asr_recommendation_t *rec) {
  memset(rec, 0, sizeof *rec);
  rec->profile = ASR_RECOMMEND_DEFAULT_PROFILE;
  rec->policy = ASR_RECOMMEND_DEFAULT_POLICY;
  rec->why = "no completed run to learn from: the default profile";
  size_t current = 0;
  for (size_t i = 0; i < n; i++) current += same_version(&runs[i], current_hash);
  rec->changed = n > 0 && !same_version(&runs[0], current_hash);
  rec->from_older_version = current_hash && n > 0 && current == 0;
  rec->other_versions = rec->from_older_version ? 0 : n - current;
  for (size_t i = 0; i < n; i++) rec->considered += asr_recommend_counts(rec, &runs[i], current_hash);
  rec->best = best_run(runs, n, rec, current_hash);
  if (!rec->best) return;
  rec->found = 1;
  rec->clean = is_clean(rec->best);
  rec->workers = rec->best->held_workers;
  rec->batch_size = rec->best->held_batch_size;
  choose_profile(rec);
}

/* ---- printing ---- */

static void print_settled(FILE *out, const asr_history_entry_t *e) {
  if (e->held_s > 0)
    fprintf(out, "workers %u, batch size %u (held %.1f s)", e->held_workers, e->held_batch_size,
            e->held_s);
  else
    fprintf(out, "workers %u, batch size %u (final)", e->held_workers, e->held_batch_size);
}

static void print_evidence(FILE *out, const asr_history_entry_t *runs, size_t n,
                           const char *hash, const asr_recommendation_t *rec) {
  fprintf(out, "Evidence (runs %s, newest first; * the best):\n",
          rec->from_older_version ? "of earlier versions" : "of this version");
  fprintf(out, "  %5s  %-19s  %10s  %9s  %6s  %-12s  %-13s  %s\n", "RUN", "WHEN (UTC)", "DOCS/S",
          "THROTTLES", "ERRORS", "PROFILE", "FINAL W/BATCH", "OUTCOME");
  for (size_t i = 0; i < n; i++) {
    const asr_history_entry_t *e = &runs[i];
    if (!rec->from_older_version && !same_version(e, hash)) continue;
    char wb[32], when[20];
    snprintf(wb, sizeof wb, "%u/%u", e->workers, e->batch_size);
    fprintf(out, "%c %5lld  %-19s  %10.0f  %9llu  %6llu  %-12s  %-13s  %s%s\n",
            e == rec->best ? '*' : ' ', (long long)e->id, asr_history_when(e, when), e->docs_per_second,
            (unsigned long long)e->throttles, (unsigned long long)e->errors,
            e->auto_scaling ? e->profile : "(fixed)", wb, e->status,
            asr_recommend_counts(rec, e, hash) ? "" : " (not counted: incomplete)");
  }
}

static void print_version_notes(FILE *out, const asr_history_entry_t *runs, size_t n,
                                const asr_recommendation_t *rec) {
  if (rec->changed && rec->from_older_version)
    fprintf(out, "Note: the strategy changed since its last recorded run (run %lld); no run of "
            "this version is recorded, so the advice reads the %zu runs of earlier versions.\n",
            (long long)runs[0].id, n);
  else if (rec->changed)
    fprintf(out, "Note: the strategy changed since its last recorded run (run %lld); the advice "
            "reads this version's runs only.\n", (long long)runs[0].id);
  else if (rec->other_versions)
    fprintf(out, "Note: %zu earlier run%s of other versions of the strategy %s not counted.\n",
            rec->other_versions, rec->other_versions == 1 ? "" : "s",
            rec->other_versions == 1 ? "is" : "are");
}

void asr_recommend_print(FILE *out, const char *strategy, const asr_history_entry_t *runs,
                         size_t n, const char *current_hash, const asr_recommendation_t *rec) {
  fprintf(out, "Strategy: %s (version %s; %zu run%s recorded)\n", strategy,
          current_hash ? current_hash : "unknown", n, n == 1 ? "" : "s");
  print_version_notes(out, runs, n, rec);
  if (!rec->found) {
    fprintf(out, "No completed run of this strategy is recorded: nothing to learn from yet.\n"
            "Suggested first run: asrun %s --profile %s --policy %s\n"
            "(auto-scaling finds the settings; the run is recorded, and `asrun recommend` "
            "reads it next time)\n", strategy, rec->profile, rec->policy);
    if (n) print_evidence(out, runs, n, current_hash, rec);
    return;
  }
  const asr_history_entry_t *b = rec->best;
  fprintf(out, "Recommendation:\n");
  fprintf(out, "  profile:    %s (%s)\n", rec->profile, rec->why);
  fprintf(out, "  policy:     %s\n", rec->policy);
  fprintf(out, "  workers:    %u\n", rec->workers);
  fprintf(out, "  batch size: %u\n", rec->batch_size);
  char when[20];
  fprintf(out, "  from run:   %lld of %s UTC: %.0f docs/s, %llu throttles, %llu errors; settled at ",
          (long long)b->id, asr_history_when(b, when), b->docs_per_second, (unsigned long long)b->throttles,
          (unsigned long long)b->errors);
  print_settled(out, b);
  fprintf(out, "\n  best of:    %zu completed run%s (%s)\n", rec->considered,
          rec->considered == 1 ? "" : "s",
          rec->clean ? "the clean run with the most docs/s" : "no clean run: the most docs/s");
  fprintf(out, "Start there: asrun %s --profile %s --policy %s --workers %u --batch-size %u\n"
          "         or: asrun %s --start-from-history\n", strategy, rec->profile, rec->policy,
          rec->workers, rec->batch_size, strategy);
  print_evidence(out, runs, n, current_hash, rec);
}
