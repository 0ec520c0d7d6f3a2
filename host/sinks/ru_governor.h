/* The RU governor: paces writes to a Cosmos DB account under its request-unit budget, so a
 * run spends the budget without storms of 16500 "Request rate is large" (throttled
 * documents cost a retry wait and consume nothing). A token bucket on request charge:
 * before each bulk write the sink reserves the write's estimated charge (documents x the
 * charge per document learned from earlier replies) and waits what the bucket asks; after
 * the reply it records the actual charge, which corrects the bucket.
 *
 * The budget is the user's (target_ru_per_second, like the Cosmos Spark connector's
 * throughput control), or learned: nothing is paced until the database throttles; then the
 * budget estimate is the charge the database accepts per second over the next second or so
 * (once it throttles, the account's burst is spent and it grants exactly its budget), and
 * writes are paced at fraction x estimate. While writes go on without throttling and the
 * pacing is what holds them back, the estimate creeps up (2% per second, after a hold of
 * 15 s that doubles up to 2 minutes while probes keep finding the same line), so a budget
 * that doubles is found within about a minute of the next probe. A probe that throttles near
 * the line it measured before goes back to it (the writes in flight are the price); any
 * other throttle re-measures. A user's budget is the ceiling of the estimate: throttling
 * below it (another workload on the account) is measured the same way, and probing climbs
 * back to it.
 *
 * Pure and thread-safe: one mutex taken once per call (per batch, never per document); time
 * is passed in (seconds, any origin), never read, so the policy lab drives it in virtual
 * time. Used by the database sinks (mongodb, sim) through asr_sink_options_t.governor, and
 * by the policy lab. */
#ifndef ASR_SINKS_RU_GOVERNOR_H
#define ASR_SINKS_RU_GOVERNOR_H

#include <stdint.h>

typedef struct asr_ru_governor asr_ru_governor_t;

typedef struct asr_ru_governor_config {
  double target_ru_per_second; /* > 0: the user's budget; 0: learn it from throttling */
  double fraction;             /* share of the budget to spend, (0, 1], e.g. 0.9 */
} asr_ru_governor_config_t;

/* NULL when out of memory or the configuration is out of range (target < 0, fraction
 * outside (0, 1], or either not finite). */
asr_ru_governor_t *asr_ru_governor_new(const asr_ru_governor_config_t *cfg);
void asr_ru_governor_free(asr_ru_governor_t *g); /* NULL is fine */

/* Before sending ndocs at now_s: reserves their estimated charge; returns seconds to wait
 * before sending (0: not pacing, or tokens available). A write whose estimate exceeds the
 * bucket is allowed: the bucket goes negative and later reservations wait. */
double asr_ru_governor_reserve(asr_ru_governor_t *g, double now_s, uint32_t ndocs);

/* After the reply: ndocs reserved earlier, the actual request charge (0 when the server
 * reports none), documents written and throttled (16500s). Corrects the bucket, learns the
 * charge per document, and in learning mode the budget (from the charge accepted per second
 * when throttling shows). */
void asr_ru_governor_record(asr_ru_governor_t *g, double now_s, uint32_t ndocs, double charge,
                            uint32_t written, uint32_t throttled);

/* The pacing rate now, RU/s; 0 when not pacing (learning and no throttle seen yet, or no
 * request charge reported yet: without a charge per document there is nothing to pace). */
double asr_ru_governor_rate(const asr_ru_governor_t *g);

#endif
