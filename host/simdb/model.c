/* The simulated database (see model.h): service times by the Universal Scalability Law, a
 * request-unit bucket, transient and permanent errors, seeded noise. simdb sits below the
 * template generator, so it has its own small generator (xoshiro256** seeded by splitmix64).
 * One write costs a few floating-point operations: nothing here is per document. */
#include "simdb/model.h"

#include <math.h>
#include <stdlib.h>

#define BYTES_PER_KB 1024.0
#define BYTES_PER_MB (1024.0 * 1024.0)
#define MAX_SERVICE_S 1e9 /* ~31 years: "forever", still a finite number */

struct asr_simdb {
  asr_scenario_t sc;
  uint64_t rng[4];    /* xoshiro256** */
  double tokens;      /* request units in the bucket; INFINITY while the budget is unlimited */
  double refilled_s;  /* the bucket is up to date until here */
  uint64_t doc_seq;   /* documents written (applied or failed for good) so far */
};

/* ---- random numbers ------------------------------------------------------------------ */

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t next_u64(asr_simdb_t *m) {
  uint64_t *s = m->rng;
  uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

/* Uniform in (0, 1]. */
static double uniform(asr_simdb_t *m) { return ((double)(next_u64(m) >> 11) + 1.0) * 0x1.0p-53; }

/* Standard normal (Box-Muller, one of the pair). */
static double normal(asr_simdb_t *m) {
  double u1 = uniform(m), u2 = uniform(m);
  return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* Log-normal with mean 1: exp(noise z - noise^2 / 2). */
static double noise_factor(asr_simdb_t *m, double noise) {
  return noise > 0 ? exp(noise * normal(m) - noise * noise / 2.0) : 1.0;
}

/* ---- the request-unit bucket --------------------------------------------------------- */

/* Brings the bucket to now_s, phase by phase: each refills at its own ru_per_second up to a
 * capacity of that much; an unlimited phase (0) leaves it full for the next limited one. */
static void refill(asr_simdb_t *m, double now_s) {
  const asr_scenario_t *sc = &m->sc;
  while (m->refilled_s < now_s) {
    uint32_t i = 0;
    while (i + 1 < sc->nphases && sc->phases[i + 1].at_s <= m->refilled_s) i++;
    double end = i + 1 < sc->nphases && sc->phases[i + 1].at_s < now_s ? sc->phases[i + 1].at_s
                                                                       : now_s;
    double rate = sc->phases[i].db.ru_per_second;
    if (rate <= 0) m->tokens = INFINITY;
    else m->tokens = fmin(rate, fmin(m->tokens, rate) + rate * (end - m->refilled_s));
    m->refilled_s = end;
  }
  double cap = asr_scenario_at(sc, now_s)->db.ru_per_second;
  m->tokens = cap > 0 ? fmin(m->tokens, cap) : INFINITY;
}

/* ---- the model ----------------------------------------------------------------------- */

asr_simdb_t *asr_simdb_new(const asr_scenario_t *sc) {
  asr_simdb_t *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  m->sc = *sc;
  uint64_t x = sc->seed;
  for (int i = 0; i < 4; i++) m->rng[i] = splitmix64(&x);
  m->tokens = INFINITY; /* starts full */
  return m;
}

void asr_simdb_free(asr_simdb_t *m) { free(m); }

const asr_scenario_t *asr_simdb_scenario(const asr_simdb_t *m) { return &m->sc; }

double asr_simdb_usl_factor(const asr_simdb_db_t *db, double in_flight) {
  double c = in_flight > 1 ? in_flight : 1;
  return 1.0 + db->sigma * (c - 1.0) + db->kappa * c * (c - 1.0);
}

double asr_simdb_client_memory_mb(const asr_simdb_phase_t *p, double docs_held) {
  return p->client.base_memory_mb +
         docs_held * p->doc_bytes * p->client.memory_per_doc_factor / BYTES_PER_MB;
}

/* Every round(1/rate)-th document fails; 0 (none) when the rate is 0 or vanishingly small. */
static uint64_t error_period(double rate) {
  double p = rate > 0 ? round(1.0 / rate) : 0;
  return p >= 1 && p < 1e18 ? (uint64_t)p : 0;
}

static double capped(double s) { return s < MAX_SERVICE_S ? s : MAX_SERVICE_S; }

/* Service time of a write that applies k documents. */
static double service_s(asr_simdb_t *m, const asr_simdb_phase_t *p, uint32_t k,
                        uint32_t in_flight, double cpu_runnable) {
  const asr_simdb_db_t *db = &p->db;
  double doc_kb = p->doc_bytes / BYTES_PER_KB;
  double ms = db->latency_ms + (double)k * (db->per_doc_us + db->per_kb_us * doc_kb) / 1000.0;
  double cpu = 1.0;
  if (db->shares_client_cpu && p->client.cores > 0)
    cpu = fmax(1.0, (cpu_runnable + (double)in_flight) / p->client.cores);
  return capped(ms / 1000.0 * asr_simdb_usl_factor(db, in_flight) * cpu *
                noise_factor(m, db->noise));
}

/* How many of n documents the bucket pays for (the first ones), and takes their charge. */
static uint32_t take_budget(asr_simdb_t *m, const asr_simdb_phase_t *p, uint32_t n,
                            double *charge_out) {
  double charge = p->db.ru_per_doc + p->db.ru_per_kb * p->doc_bytes / BYTES_PER_KB;
  uint32_t k = n;
  double cap = p->db.ru_per_second;
  if (cap > 0 && charge > 0) {
    double affordable = floor(m->tokens / charge + 1e-9); /* 10000 RU / 5 is 2000, not 1999 */
    if (affordable < (double)n) k = affordable > 0 ? (uint32_t)affordable : 0;
    /* a document dearer than a whole second's budget goes through on a full bucket, which
     * goes into debt (else it could never be written) */
    if (k == 0 && charge > cap && m->tokens >= cap) k = 1;
    m->tokens -= (double)k * charge;
  }
  *charge_out = (double)k * charge;
  return k;
}

static void throttle_all(const asr_simdb_phase_t *p, uint32_t n, asr_simdb_write_t *out) {
  out->throttled = n;
  out->retry_after_ms = (uint32_t)lround(fmin(p->db.retry_after_ms, (double)UINT32_MAX));
}

void asr_simdb_write(asr_simdb_t *m, double now_s, uint32_t n, uint32_t in_flight,
                     double cpu_runnable, asr_simdb_write_t *out) {
  *out = (asr_simdb_write_t){.n = n, .first_doc_seq = m->doc_seq};
  refill(m, now_s);
  const asr_simdb_phase_t *p = asr_scenario_at(&m->sc, now_s);
  const asr_simdb_db_t *db = &p->db;
  if (db->throttle_above && in_flight > db->throttle_above) {
    throttle_all(p, n, out); /* refused at once, as the legacy sim: did */
    return;
  }
  if (db->transient_error_rate > 0 && uniform(m) <= db->transient_error_rate) {
    out->transient = 1;
    out->service_s = capped(db->latency_ms / 1000.0);
    return;
  }
  uint32_t k = take_budget(m, p, n, &out->request_charge);
  if (k < n) throttle_all(p, n - k, out);
  if (k == 0) {
    out->service_s = capped(db->latency_ms / 1000.0);
    return;
  }
  out->written = k;
  out->error_period = error_period(db->error_rate);
  uint64_t per = out->error_period;
  out->failed = per ? (uint32_t)((m->doc_seq + k) / per - m->doc_seq / per) : 0;
  m->doc_seq += k;
  out->db_cpu_s = (double)k * db->cpu_us_per_doc / 1e6;
  out->service_s = service_s(m, p, k, in_flight, cpu_runnable);
}

int asr_simdb_failed_at(const asr_simdb_t *m, const asr_simdb_write_t *w, uint32_t i) {
  (void)m;
  return w->error_period && i < w->written && (w->first_doc_seq + i + 1) % w->error_period == 0;
}
