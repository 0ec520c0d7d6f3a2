/* The simulated database: what one write of n documents does, given the scenario in force
 * (simdb/scenario.h), the requests in flight and the client's CPU load. Shared by the
 * real-time `sim:` target (sinks/sim.c sleeps service_s of wall time) and the policy lab
 * (lab/ advances a virtual clock by it), so both see the same database.
 *
 * - Throughput by the Universal Scalability Law; latency grows with requests in flight.
 * - A request-unit budget per second: a bucket holding at most one second's budget, refilled
 *   continuously. A write is answered as Cosmos DB for MongoDB answers an unordered bulk
 *   insert: the documents within the budget are written (the first ones), each of the rest
 *   gets 16500 "Request rate is large" with RetryAfterMs; throttled documents consume no
 *   budget. A batch larger than a whole second's budget gets what the bucket holds.
 * - Permanent errors hit every round(1/error_rate)-th document written (counted, not
 *   applied); a transient error fails a whole write (retryable, nothing applied, no charge)
 *   with probability transient_error_rate.
 * - Legacy throttle_above: more requests in flight than that and every document is throttled
 *   at once (service_s 0, nothing charged), as the old sim: refused them. A reply that
 *   throttled every document for the budget takes latency_ms.
 * - Noise: service times vary by a seeded random factor (mean 1, spread `noise`).
 * Deterministic: the same calls in the same order give the same answers for a seed.
 * Not thread-safe: the real-time sink calls it under its own lock (once per batch). */
#ifndef ASR_SIMDB_MODEL_H
#define ASR_SIMDB_MODEL_H

#include <stdint.h>

#include "simdb/scenario.h"

typedef struct asr_simdb asr_simdb_t;

/* The answer to one write of n documents, in index order:
 *   [0, written)          applied, except `failed` of them (indices in failed_index order:
 *                         every k-th, see asr_simdb_failed_at) that failed for good;
 *   [written, n)          throttled: 16500 with retry_after_ms, not applied.
 * transient: the whole write failed (nothing applied, nothing charged, written = 0). */
typedef struct asr_simdb_write {
  double service_s;        /* from sending the request to its reply */
  uint32_t n;              /* documents sent */
  uint32_t written, failed, throttled;
  int transient;
  uint32_t retry_after_ms; /* for the throttled ones; 0 when none */
  double request_charge;   /* request units the write consumed */
  uint64_t first_doc_seq;  /* sequence number of document 0 among all documents written */
  uint64_t error_period;   /* every error_period-th document written fails (0: none) */
  double db_cpu_s;         /* CPU the database spent on them (written * cpu_us_per_doc), for
                            * a database that shares the client's machine */
} asr_simdb_write_t;

/* NULL when out of memory. The scenario is copied. */
asr_simdb_t *asr_simdb_new(const asr_scenario_t *sc);
void asr_simdb_free(asr_simdb_t *m);
const asr_scenario_t *asr_simdb_scenario(const asr_simdb_t *m);

/* One write of n >= 1 documents sent at now_s (seconds since the run started; must not go
 * backwards), with in_flight requests in flight including this one and cpu_runnable
 * threads wanting the client's CPU (asrun's busy workers; used only when the database
 * shares the client's CPU). */
void asr_simdb_write(asr_simdb_t *m, double now_s, uint32_t n, uint32_t in_flight,
                     double cpu_runnable, asr_simdb_write_t *out);

/* 1 if document i (0-based, i < w->written) of that write failed for good. */
int asr_simdb_failed_at(const asr_simdb_t *m, const asr_simdb_write_t *w, uint32_t i);

/* The client's resident memory in MiB holding docs_held documents of the phase:
 * base_memory_mb + docs_held * doc_bytes * memory_per_doc_factor / 2^20. */
double asr_simdb_client_memory_mb(const asr_simdb_phase_t *p, double docs_held);
/* The USL factor 1 + sigma (c - 1) + kappa c (c - 1), c = max(1, in_flight). */
double asr_simdb_usl_factor(const asr_simdb_db_t *db, double in_flight);

#endif
