/* sim: specs (see spec.h). Each key names a field of the scenario (phase 0 for the database
 * and the document size) and the kind of number it takes; messages name the key and say
 * what it must be. */
#include "simdb/spec.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
  NUM_REAL,     /* double >= 0 */
  NUM_POSITIVE, /* double > 0 */
  NUM_FRACTION, /* double in [0, 1] */
  NUM_COUNT,    /* uint32_t */
  NUM_COUNT_D,  /* a whole number up to UINT32_MAX, stored as a double */
  NUM_SEED,     /* uint64_t */
} num_kind_t;

typedef struct spec_key {
  const char *name;
  size_t offset; /* in asr_scenario_t */
  num_kind_t kind;
} spec_key_t;

#define DB(field) offsetof(asr_scenario_t, phases[0].db.field)

static const spec_key_t spec_keys[] = {
    {"latency_ms", DB(latency_ms), NUM_REAL},
    {"per_doc_us", DB(per_doc_us), NUM_REAL},
    {"sigma", DB(sigma), NUM_REAL},
    {"kappa", DB(kappa), NUM_REAL},
    {"throttle_above", DB(throttle_above), NUM_COUNT},
    {"retry_after_ms", DB(retry_after_ms), NUM_COUNT_D},
    {"error_rate", DB(error_rate), NUM_FRACTION},
    {"per_kb_us", DB(per_kb_us), NUM_REAL},
    {"ru_per_second", DB(ru_per_second), NUM_REAL},
    {"ru_per_doc", DB(ru_per_doc), NUM_REAL},
    {"ru_per_kb", DB(ru_per_kb), NUM_REAL},
    {"noise", DB(noise), NUM_REAL},
    {"transient_error_rate", DB(transient_error_rate), NUM_FRACTION},
    {"seed", offsetof(asr_scenario_t, seed), NUM_SEED},
    {"doc_bytes", offsetof(asr_scenario_t, phases[0].doc_bytes), NUM_POSITIVE},
};

#define NKEYS (sizeof spec_keys / sizeof spec_keys[0])

static const char *const kind_wants[] = {
    [NUM_REAL] = "a number >= 0",
    [NUM_POSITIVE] = "a number > 0",
    [NUM_FRACTION] = "a number from 0 to 1",
    [NUM_COUNT] = "a whole number from 0 to 4294967295",
    [NUM_COUNT_D] = "a whole number from 0 to 4294967295",
    [NUM_SEED] = "a whole number from 0 to 18446744073709551615",
};

int asr_simdb_spec_is_key(const char *name) {
  for (size_t i = 0; i < NKEYS; i++)
    if (strcmp(spec_keys[i].name, name) == 0) return 1;
  return 0;
}

/* A whole number of text (digits only) up to max, into *u. */
static int whole(const char *text, unsigned long long max, unsigned long long *u) {
  size_t len = strlen(text);
  if (len == 0 || strspn(text, "0123456789") != len) return 0;
  char *end;
  errno = 0;
  *u = strtoull(text, &end, 10);
  return *end == '\0' && errno == 0 && *u <= max;
}

/* Parses text as the key's number into sc. Returns 1 when it fits. */
static int store(asr_scenario_t *sc, const spec_key_t *k, const char *text) {
  char *field = (char *)sc + k->offset, *end;
  unsigned long long u;
  switch (k->kind) {
  case NUM_COUNT:
    if (!whole(text, UINT32_MAX, &u)) return 0;
    *(uint32_t *)field = (uint32_t)u;
    return 1;
  case NUM_COUNT_D:
    if (!whole(text, UINT32_MAX, &u)) return 0;
    *(double *)field = (double)u;
    return 1;
  case NUM_SEED:
    if (!whole(text, UINT64_MAX, &u)) return 0;
    *(uint64_t *)field = (uint64_t)u;
    return 1;
  default: {
    double d = strtod(text, &end);
    int ok = *text && *end == '\0' && isfinite(d) && d >= 0 &&
             (k->kind != NUM_FRACTION || d <= 1) && (k->kind != NUM_POSITIVE || d > 0);
    if (ok) *(double *)field = d;
    return ok;
  }
  }
}

static int set_value(asr_scenario_t *sc, const spec_key_t *k, const char *val, size_t len,
                     asr_err_t *err) {
  char text[64];
  if (len < sizeof text) {
    memcpy(text, val, len);
    text[len] = '\0';
    if (store(sc, k, text)) return 0;
  }
  return asr_err_set(err, ASR_EINVAL, "sim: bad value '%.*s' for %s (%s)", (int)len, val,
                     k->name, kind_wants[k->kind]);
}

/* One "key=value" item, item[0..len). */
static int parse_item(asr_scenario_t *sc, const char *item, size_t len, asr_err_t *err) {
  const char *eq = memchr(item, '=', len);
  size_t klen = eq ? (size_t)(eq - item) : len;
  for (size_t i = 0; i < NKEYS; i++) {
    const spec_key_t *k = &spec_keys[i];
    if (strlen(k->name) != klen || memcmp(k->name, item, klen) != 0) continue;
    if (!eq)
      return asr_err_set(err, ASR_EINVAL, "sim: option '%.*s' needs a value (%.*s=NUMBER)",
                         (int)klen, item, (int)klen, item);
    return set_value(sc, k, eq + 1, len - klen - 1, err);
  }
  return asr_err_set(err, ASR_EINVAL, "sim: unknown option '%.*s' (" ASR_SIMDB_SPEC_KEYS ")",
                     (int)klen, item);
}

int asr_simdb_spec_parse(const char *spec, asr_scenario_t *out, asr_err_t *err) {
  asr_scenario_defaults(out);
  for (const char *p = spec ? spec : ""; *p;) {
    size_t len = strcspn(p, ",");
    int rc = len ? parse_item(out, p, len, err) : 0;
    if (rc) return rc;
    p += len + (p[len] == ',');
  }
  return 0;
}

/* ---- description --------------------------------------------------------------------- */

typedef struct text {
  char *buf;
  size_t size, len;
} text_t;

static void add(text_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(text_t *t, const char *fmt, ...) {
  if (t->len >= t->size) return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(t->buf + t->len, t->size - t->len, fmt, ap);
  va_end(ap);
  if (n > 0) t->len = t->len + (size_t)n < t->size ? t->len + (size_t)n : t->size;
}

/* ", 10000 RU/s at 5 RU/doc + 1 RU/KB (retry after 100 ms)" */
static void describe_budget(text_t *t, const asr_simdb_db_t *db) {
  add(t, ", %g RU/s at %g RU/doc", db->ru_per_second, db->ru_per_doc);
  if (db->ru_per_kb > 0) add(t, " + %g RU/KB", db->ru_per_kb);
  add(t, " (retry after %g ms)", db->retry_after_ms);
}

void asr_simdb_describe(const asr_scenario_t *sc, char *out, size_t size) {
  text_t t = {out, size, 0};
  const asr_simdb_phase_t *p = &sc->phases[0];
  const asr_simdb_db_t *db = &p->db;
  if (size) out[0] = '\0';
  if (sc->name[0]) add(&t, "simulated database: scenario %s (", sc->name);
  else add(&t, "simulated database (");
  add(&t, "latency %g ms + %g us/doc", db->latency_ms, db->per_doc_us);
  if (db->per_kb_us > 0) add(&t, " + %g us/KB", db->per_kb_us);
  add(&t, ", sigma %g, kappa %g", db->sigma, db->kappa);
  if (db->ru_per_second > 0) describe_budget(&t, db);
  if (db->throttle_above)
    add(&t, ", throttled above %u writers, retry after %g ms", db->throttle_above,
        db->retry_after_ms);
  if (db->error_rate > 0) add(&t, ", error rate %g", db->error_rate);
  if (db->transient_error_rate > 0) add(&t, ", transient error rate %g", db->transient_error_rate);
  if (db->noise > 0) add(&t, ", noise %g", db->noise);
  if (db->per_kb_us > 0 || db->ru_per_kb > 0) add(&t, ", documents %g bytes", p->doc_bytes);
  if (db->noise > 0 || db->transient_error_rate > 0)
    add(&t, ", seed %llu", (unsigned long long)sc->seed);
  if (sc->nphases > 1) add(&t, ", %u phases", sc->nphases);
  add(&t, ")");
}
