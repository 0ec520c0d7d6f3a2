/* libFuzzer target for the template compiler and generator (host/template/).
 * Each input is compiled as template text; every failure must come with its code and a
 * message. When it compiles, a few documents are generated from a "tamed" copy (see below) and
 * checked: generation returns 0 or a negative ASR_E*, a document is valid BSON with valid
 * UTF-8, the same (seed, index) gives the same bytes, and the JSONL writer accepts it.
 *
 * Taming bounds the work per input so the fuzzer explores instead of timing out: repeat counts
 * (option names in COUNT_KEYS) are clamped to COUNT_CAP, operator-valued ones replaced by one of
 * a few small count operators, string lengths clamped to LENGTH_CAP, and an input whose
 * estimated values per document (repeat counts multiplied down the tree) exceed WORK_BUDGET
 * is only compiled. The untamed text is what the compiler sees first, so parsing and
 * compile-time checks are fuzzed on the raw bytes.
 * Templates compile with a run total, a referenced collection and a custom operator (below),
 * so unique, $ref and custom operators are fuzzed too.
 * Build: cmake -DASR_FUZZ=ON -DCMAKE_C_COMPILER=clang; run: scripts/fuzz.sh [SECONDS]. */
#include <bson/bson.h>
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/ejson_writer.h"
#include "template/template.h"
#include "core/buf.h"
#include "core/error.h"

#define COUNT_CAP 8
#define LENGTH_CAP 20000    /* above asrun's 16 KiB string cap, so the cap is exercised */
#define WORK_BUDGET 100000.0 /* estimated values per document */
#define DOCS 3

/* Options that repeat their siblings (or the value) that many times. One line per new one. */
static const char *const COUNT_KEYS[] = {"number", "locs", "corners", "sentences", "words",
                                         "syllables", "quantity", NULL};
/* Bounded stand-ins (at most COUNT_CAP) for operator-valued counts and lengths: they keep
 * the operator-valued paths (wrong types, $missing, negatives) without unbounded values. */
static const char *const SAFE_COUNTS[] = {
    "{\"$integer\":{\"min\":0,\"max\":8}}",
    "{\"$choose\":{\"from\":[0,3,-1,\"x\",2.5,null,\"$missing\",8]}}",
    "{\"$pick\":{\"array\":[1,2,8],\"element\":{\"$integer\":{\"min\":-1,\"max\":3}}}}",
    "\"$missing\"",
    "\"$bool\"",
};
#define NSAFE (sizeof SAFE_COUNTS / sizeof SAFE_COUNTS[0])

/* ---- the compile options: a run total (unique), one referenced collection ($ref) and one
 * custom operator ($vin, answered by a stub hook) ------------------------------------------ */
#define TOTAL 1000
static const char REF_TEMPLATE[] =
    "{\"_id\": \"$oid\", \"id\": \"$inc\", \"name\": {\"$string\": {\"length\": 5}},"
    " \"tags\": [1, {\"b\": \"$bool\"}], \"when\": \"$date\"}";
static const char *const CUSTOM_OPS[] = {"vin"};
static asr_template_t *ref_tpl;
static asr_template_ref_t ref;
static asr_template_options_t options = {.custom_ops = CUSTOM_OPS, .ncustom = 1, .total = TOTAL};

/* $vin: an int32 from the document's stream, or nothing when its options say "missing". */
static int call_custom(void *ud, uint32_t op, asr_rng_t *rng, const bson_t *opts, bson_t *dst,
                       const char *key, int keylen, asr_err_t *err) {
  if (bson_has_field(opts, "missing")) return 0;
  if (!bson_append_int32(dst, key, keylen, (int32_t)(asr_rng_next(rng) & 0xFFFF)))
    return asr_err_set(err, ASR_EINVAL, "$vin: document too large");
  return 0;
}
static const asr_template_ext_t ext = {.call = call_custom};

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  asr_err_t err = {0};
  if (asr_template_compile(REF_TEMPLATE, strlen(REF_TEMPLATE), "ref", NULL, &ref_tpl, &err)) abort();
  ref = (asr_template_ref_t){.name = "customers", .tpl = ref_tpl, .count = 50, .seed = 7};
  options.refs = &ref;
  options.nrefs = 1;
  return 0;
}

static int compile(const char *text, size_t len, asr_template_t **t, asr_err_t *err) {
  return asr_template_compile(text, len, "fuzz", &options, t, err);
}

/* ---- taming ------------------------------------------------------------------------------ */

static uint64_t fnv1a(const uint8_t *p, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ULL;
  return h;
}

static bool is_count_key(const char *k) {
  for (const char *const *c = COUNT_KEYS; *c; c++)
    if (strcmp(*c, k) == 0) return true;
  return false;
}

typedef struct tame {
  uint64_t pick; /* chooses the stand-ins */
  double cost;
  bool changed;
} tame_t;

/* Bounds one count or length option in place; returns the repeat factor it stands for. */
static double tame_option(tame_t *tm, cJSON *opts, cJSON *v, double cap) {
  if (cJSON_IsNumber(v)) {
    if (v->valuedouble > cap) {
      cJSON_SetNumberValue(v, cap);
      tm->changed = true;
    }
    return v->valuedouble > 1 ? v->valuedouble : 1;
  }
  cJSON *safe = cJSON_Parse(SAFE_COUNTS[tm->pick++ % NSAFE]);
  if (safe && cJSON_ReplaceItemViaPointer(opts, v, safe)) tm->changed = true;
  else cJSON_Delete(safe);
  return COUNT_CAP;
}

/* Adds the estimated work of v, repeated `mult` times per document, to tm->cost. */
static void tame_walk(tame_t *tm, cJSON *v, double mult) {
  tm->cost += mult;
  if (!cJSON_IsObject(v) && !cJSON_IsArray(v)) return;
  double inner = mult;
  if (cJSON_IsObject(v)) {
    for (cJSON *c = v->child, *next; c; c = next) {
      next = c->next; /* c may be replaced */
      if (is_count_key(c->string)) inner *= tame_option(tm, v, c, COUNT_CAP);
      else if (strcmp(c->string, "length") == 0) tm->cost += mult * tame_option(tm, v, c, LENGTH_CAP) / 256;
    }
  }
  for (cJSON *c = v->child; c && tm->cost <= WORK_BUDGET; c = c->next)
    if (!c->string || (!is_count_key(c->string) && strcmp(c->string, "length") != 0))
      tame_walk(tm, c, inner);
}

/* ---- checks -------------------------------------------------------------------------------- */

static void check_error(int rc, const asr_err_t *err) {
  if (rc == 0) return;
  if (rc > 0 || err->code != rc || err->msg[0] == '\0') abort(); /* every failure explains itself */
}

static void check_doc(const asr_template_t *t, uint64_t seed, uint64_t index, asr_buf_t *out) {
  bson_t a, b;
  asr_err_t err = {0}, err2 = {0};
  bson_init(&a);
  bson_init(&b);
  int rc = asr_template_generate(t, &ext, seed, index, &a, &err);
  check_error(rc, &err);
  if (rc == 0) {
    size_t offset;
    if (!bson_validate(&a, BSON_VALIDATE_UTF8, &offset)) abort();
    if (asr_template_generate(t, &ext, seed, index, &b, &err2) != 0 || a.len != b.len ||
        memcmp(bson_get_data(&a), bson_get_data(&b), a.len) != 0)
      abort(); /* document i depends only on (seed, i) */
    asr_buf_reset(out);
    if (asr_ejson_append_doc(out, bson_get_data(&a), a.len, &err) != 0) abort();
  }
  bson_destroy(&a);
  bson_destroy(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  asr_template_t *t = NULL;
  asr_err_t err = {0};
  int rc = compile((const char *)data, size, &t, &err);
  check_error(rc, &err);
  if (rc != 0) return 0;
  cJSON *root = cJSON_ParseWithLength((const char *)data, size);
  tame_t tm = {.pick = fnv1a(data, size)};
  if (root) tame_walk(&tm, root, 1);
  char *text = NULL;
  if (root && tm.changed && tm.cost <= WORK_BUDGET) {
    asr_template_free(t);
    t = NULL;
    text = cJSON_PrintUnformatted(root);
    asr_err_t err2 = {0};
    if (!text || compile(text, strlen(text), &t, &err2) != 0) t = NULL;
  }
  if (root && t && tm.cost <= WORK_BUDGET) {
    asr_buf_t out;
    asr_buf_init(&out);
    const uint64_t seed = tm.pick, index[DOCS] = {0, 1, (tm.pick >> 20) % TOTAL};
    for (int i = 0; i < DOCS; i++) check_doc(t, seed, index[i], &out);
    asr_buf_free(&out);
  }
  asr_template_free(t);
  cJSON_free(text);
  cJSON_Delete(root);
  return 0;
}
