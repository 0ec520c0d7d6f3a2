/* A scenario for the simulated database: the database, the client machine asrun runs on, the
 * documents, the starting point, and phases that change any of them at a given time. One
 * scenario drives both the real-time `sim:` target (sinks/sim.c) and the policy lab (lab/),
 * through the one model in simdb/model.h. Scenario files are Lua tables (docs/policy-lab.md;
 * lua/scenario.c reads them); `sim:key=value,...` specs fill the same struct (simdb/spec.c).
 * Plain data, no pointers: copy it freely. Every field's unit is in its name or comment. */
#ifndef ASR_SIMDB_SCENARIO_H
#define ASR_SIMDB_SCENARIO_H

#include <stdint.h>

#define ASR_SCENARIO_MAX_PHASES 32

typedef struct asr_simdb_db {
  /* service time of one write of n documents with c requests in flight:
   * (latency_ms + n * (per_doc_us + per_kb_us * doc_kb) / 1000)
   *   * (1 + sigma * (c - 1) + kappa * c * (c - 1))      (Universal Scalability Law)
   *   * queueing factor (shared CPU, below) * noise                                       */
  double latency_ms, per_doc_us, per_kb_us, sigma, kappa;
  /* request units: charge per document = ru_per_doc + ru_per_kb * doc_kb; the account grants
   * ru_per_second (0: unlimited); over-budget documents get 16500 with RetryAfterMs */
  double ru_per_second, ru_per_doc, ru_per_kb;
  double retry_after_ms;
  double noise;                /* relative spread of service times (0: none) */
  double error_rate;           /* share of documents failing for good (validation) */
  double transient_error_rate; /* share of writes failing as a whole, retryable */
  uint32_t throttle_above;     /* legacy sim: more requests in flight than this: 16500 */
  /* a database on the client's machine: each request in flight is one more runnable
   * thread on client.cores, and each document costs cpu_us_per_doc of that CPU */
  int shares_client_cpu;
  double cpu_us_per_doc;
} asr_simdb_db_t;

typedef struct asr_simdb_client {
  double cores;           /* CPUs asrun may use */
  double per_doc_cpu_us;  /* asrun's own CPU per document (generate, encode) */
  double memory_mb;       /* the memory limit; above it the process is killed (OOM) */
  double base_memory_mb;  /* resident memory with nothing in flight */
  double memory_per_doc_factor; /* client bytes per document byte in flight (copies) */
} asr_simdb_client_t;

/* The configuration in force from at_s on (phases are cumulative: each holds the whole
 * configuration after its changes). */
typedef struct asr_simdb_phase {
  double at_s;
  double doc_bytes;
  asr_simdb_db_t db;
  asr_simdb_client_t client;
} asr_simdb_phase_t;

typedef struct asr_scenario {
  char name[64];
  char description[256];
  double duration_s;
  uint64_t seed;
  uint32_t start_workers, start_batch_size; /* 0: the run's own defaults */
  uint32_t nphases;                         /* >= 1; phases[0].at_s == 0 */
  asr_simdb_phase_t phases[ASR_SCENARIO_MAX_PHASES];
} asr_scenario_t;

/* The documented defaults (docs/policy-lab.md) in one phase at 0 s: what a scenario file or
 * a sim: spec leaves out. */
void asr_scenario_defaults(asr_scenario_t *sc);
/* The phase in force at t seconds (the last with at_s <= t). */
const asr_simdb_phase_t *asr_scenario_at(const asr_scenario_t *sc, double t);

#endif
