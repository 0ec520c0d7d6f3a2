/* `asrun recommend`: from a strategy's past runs (history.h), a profile, a policy and the
 * workers and batch size to start at, with the rule that chose them and the runs it read.
 * The rules (README "Run history", asrun.1):
 *   - runs of the strategy's current version (its hash) count; when there are none, the runs
 *     of its earlier versions do, and the advice says so;
 *   - a run counts when it completed (status ok) and wrote documents; a clean run is one with
 *     no throttling and no failed documents;
 *   - the best run: the clean run with the most docs/s, else (every run throttled or failed
 *     documents) the run with the most docs/s;
 *   - start at the workers and batch size the best run held longest (where its scaler
 *     settled), else its final ones;
 *   - profile: conservative when the best run was not clean (the target pushes back);
 *     aggressive when the best run settled at its max_workers (it had room to grow); else the
 *     best run's profile (balanced when it ran without auto-scaling);
 *   - policy: the best run's (hill, the default, when it ran without auto-scaling).
 * Pure: testable without a database. */
#ifndef ASR_MONITOR_RECOMMEND_H
#define ASR_MONITOR_RECOMMEND_H

#include <stddef.h>
#include <stdio.h>

#include "monitor/history.h"

#define ASR_RECOMMEND_DEFAULT_PROFILE "balanced"
#define ASR_RECOMMEND_DEFAULT_POLICY "hill"

typedef struct asr_recommendation {
  int found;                      /* 0: no completed run to learn from */
  const asr_history_entry_t *best; /* the run the settings come from (points into runs) */
  const char *profile, *policy;   /* static or borrowed from best */
  uint32_t workers, batch_size;
  const char *why;                /* the rule that chose the profile */
  int clean;                      /* the best run had no throttling and no failures */
  size_t considered;              /* runs of the version the advice reads */
  size_t other_versions;          /* runs of other versions of the strategy */
  int changed;                    /* the strategy changed since its last recorded run */
  int from_older_version;         /* no run of the current version: older ones were read */
} asr_recommendation_t;

/* runs: the strategy's runs, newest first (asr_history_list); current_hash: the file's hash
 * now (NULL: unknown, every run counts). */
void asr_recommend(const asr_history_entry_t *runs, size_t n, const char *current_hash,
                   asr_recommendation_t *rec);

/* Whether run e is read by the advice (its version, completed). */
int asr_recommend_counts(const asr_recommendation_t *rec, const asr_history_entry_t *e,
                         const char *current_hash);

/* The advice and its evidence, for people. */
void asr_recommend_print(FILE *out, const char *strategy, const asr_history_entry_t *runs,
                         size_t n, const char *current_hash, const asr_recommendation_t *rec);

#endif
