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
 * Build: cmake -DASR_FUZZ=ON -DCMAKE_C_COMPILER=clang; run: scripts/fuzz.sh [SECONDS]. */
#include <bson/bson.h>
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/ejson_writer.h"
#include "template/template.h"
#include "util/buf.h"
#include "util/error.h"

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

/* ---- the template API before and after the options/hooks change (/tmp/tpl_api.md) ------- */
struct asr_template_options;
struct asr_template_ext;
typedef int (*compile_v1_fn)(const char *, size_t, const char *, asr_template_t **, asr_err_t *);
typedef int (*compile_v2_fn)(const char *, size_t, const char *,
                             const struct asr_template_options *, asr_template_t **, asr_err_t *);
typedef int (*generate_v1_fn)(const asr_template_t *, uint64_t, uint64_t, bson_t *);
typedef int (*generate_v2_fn)(const asr_template_t *, const struct asr_template_ext *, uint64_t,
                              uint64_t, bson_t *, asr_err_t *);
typedef void (*any_fn)(void);

static int compile(const char *text, size_t len, asr_template_t **t, asr_err_t *err) {
  return _Generic(&asr_template_compile,
      compile_v1_fn: ((compile_v1_fn)(any_fn)asr_template_compile)(text, len, "fuzz", t, err),
      default: ((compile_v2_fn)(any_fn)asr_template_compile)(text, len, "fuzz", NULL, t, err));
}

static int generate(const asr_template_t *t, uint64_t seed, uint64_t index, bson_t *doc,
                    asr_err_t *err) {
  return _Generic(&asr_template_generate,
      generate_v1_fn: ((generate_v1_fn)(any_fn)asr_template_generate)(t, seed, index, doc),
      default: ((generate_v2_fn)(any_fn)asr_template_generate)(t, NULL, seed, index, doc, err));
}

/* Generation failures carry a message only in the second form. */
#define GENERATE_REPORTS _Generic(&asr_template_generate, generate_v1_fn: 0, default: 1)

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
  int rc = generate(t, seed, index, &a, &err);
  if (GENERATE_REPORTS) check_error(rc, &err);
  if (rc > 0) abort();
  if (rc == 0) {
    size_t offset;
    if (!bson_validate(&a, BSON_VALIDATE_UTF8, &offset)) abort();
    if (generate(t, seed, index, &b, &err2) != 0 || a.len != b.len ||
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
    const uint64_t seed = tm.pick, index[DOCS] = {0, 1, (tm.pick >> 20) & 0xFFFFFFFFFFULL};
    for (int i = 0; i < DOCS; i++) check_doc(t, seed, index[i], &out);
    asr_buf_free(&out);
  }
  asr_template_free(t);
  cJSON_free(text);
  cJSON_Delete(root);
  return 0;
}
