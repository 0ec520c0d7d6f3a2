/* `asrun lab` (lab.h): loads everything first (a bad scenario or policy fails before
 * anything runs), then per scenario: the sweep, the start held fixed, each policy; the table
 * on stdout, --json and --csv at the end. Owns the loaded scenarios and the JSON tree. */
#include "lab/lab.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/limits.h"
#include "lab/score.h"
#include "lab/sweep.h"
#include "lua/policy.h"
#include "lua/profile.h"
#include "lua/scenario.h"
#include "util/file.h"
#include "util/log.h"

#define LAB_POLICY_SPEC_MAX 4096 /* a policy's name or file path */

typedef struct lab {
  const asr_lab_options_t *opt;
  asr_scaling_settings_t settings;
  asr_scenario_t *scenarios;
  size_t nscenarios;
  char (*policies)[LAB_POLICY_SPEC_MAX]; /* names or file paths, as given */
  size_t npolicies;
  char default_policy[ASR_POLICY_NAME_MAX];
  cJSON *json;
} lab_t;

/* ---- loading ---- */

static int load_list(lab_t *l, const char *const *items, size_t n, asr_err_t *err) {
  if (n == 0) return asr_err_set(err, ASR_EINVAL, "no scenarios found in %s", asr_scenario_dir());
  l->scenarios = calloc(n, sizeof *l->scenarios);
  if (!l->scenarios) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    int rc = asr_scenario_load(items[i], &l->scenarios[i], err);
    if (rc) return rc;
    l->nscenarios++;
  }
  return 0;
}

/* The scenarios asked for, else every shipped one. */
static int load_scenarios(lab_t *l, asr_err_t *err) {
  if (l->opt->nscenarios) return load_list(l, l->opt->scenarios, l->opt->nscenarios, err);
  char **names = asr_scenario_names();
  if (!names) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  size_t n = 0;
  while (names[n]) n++;
  int rc = load_list(l, (const char *const *)names, n, err);
  asr_scenario_names_free(names);
  return rc;
}

/* Opens and closes each policy once, so that a bad one fails before hours of lab. */
static int check_policy(lab_t *l, const char *name, asr_err_t *err) {
  asr_policy_t *p = NULL;
  asr_policy_spec_t spec = {.name = name, .settings = &l->settings};
  int rc = asr_lua_policy_open(&spec, &p, err);
  asr_policy_close(p);
  return rc;
}

static int load_policies(lab_t *l, asr_err_t *err) {
  char builtin[ASR_POLICY_BUILTINS_MAX][ASR_POLICY_NAME_MAX];
  int nb = asr_lua_policy_builtins(builtin, ASR_POLICY_BUILTINS_MAX, err);
  if (nb < 0) return nb;
  if (nb > 0) snprintf(l->default_policy, sizeof l->default_policy, "%s", builtin[0]);
  size_t n = l->opt->npolicies ? l->opt->npolicies : (size_t)nb;
  l->policies = calloc(n ? n : 1, sizeof *l->policies);
  if (!l->policies) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    const char *name = l->opt->npolicies ? l->opt->policies[i] : builtin[i];
    snprintf(l->policies[i], sizeof l->policies[i], "%s", name);
    int rc = check_policy(l, name, err);
    if (rc) return rc;
    l->npolicies++;
  }
  return 0;
}

/* ---- output ---- */

/* A policy's name for the table and file names: a file's base name without ".lua". */
static const char *display_name(const char *policy, char *buf, size_t n) {
  const char *slash = strrchr(policy, '/');
  snprintf(buf, n, "%s", slash ? slash + 1 : policy);
  size_t len = strlen(buf);
  if (len > 4 && strcmp(buf + len - 4, ".lua") == 0) buf[len - 4] = '\0';
  return buf;
}

static int write_csv(const lab_t *l, const asr_scenario_t *sc, const char *run_name,
                     const asr_vrun_result_t *r, asr_err_t *err) {
  if (!l->opt->csv_dir) return 0;
  char path[4096], base[256];
  snprintf(path, sizeof path, "%s/%s__%s.csv", l->opt->csv_dir, sc->name,
           display_name(run_name, base, sizeof base));
  FILE *f = fopen(path, "w");
  if (!f) return asr_err_set(err, ASR_EIO, "cannot write %s: %s", path, strerror(errno));
  fprintf(f, "t,workers,batch_size,docs_per_second,requests,throttles,decision,applied\n");
  for (size_t i = 0; i < r->nintervals; i++) {
    const asr_vrun_interval_t *iv = &r->intervals[i];
    fprintf(f, "%.3f,%u,%u,%.1f,%llu,%llu,%s,%d\n", iv->t, iv->workers, iv->batch_size,
            iv->docs_per_second, (unsigned long long)iv->requests,
            (unsigned long long)iv->throttled, iv->decision, iv->applied);
  }
  int bad = ferror(f);
  if (fclose(f) != 0 || bad)
    return asr_err_set(err, ASR_EIO, "cannot write %s: %s", path, strerror(errno));
  return 0;
}

static cJSON *fixed_json(const asr_lab_fixed_t *f) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "workers", f->workers);
  cJSON_AddNumberToObject(o, "batch_size", f->batch_size);
  cJSON_AddNumberToObject(o, "docs_per_second", round(f->docs_per_second * 10) / 10);
  return o;
}

static void add_num_or_null(cJSON *o, const char *k, int have, double v) {
  if (have)
    cJSON_AddNumberToObject(o, k, v);
  else
    cJSON_AddNullToObject(o, k);
}

static cJSON *result_json(const char *policy, int is_default, const asr_lab_score_t *s) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "policy", policy);
  cJSON_AddBoolToObject(o, "default", is_default);
  cJSON_AddNumberToObject(o, "steady_pct_of_best", round(s->steady_pct_of_best * 10) / 10);
  add_num_or_null(o, "intervals_to_90", s->reached_90, (double)s->intervals_to_90);
  add_num_or_null(o, "changes_to_90", s->reached_90, (double)s->changes_to_90);
  add_num_or_null(o, "seconds_to_90", s->reached_90, s->seconds_to_90);
  cJSON_AddNumberToObject(o, "reversals_per_10", round(s->reversals_per_10 * 100) / 100);
  cJSON_AddNumberToObject(o, "throttled_pct", round(s->throttled_pct * 1000) / 1000);
  cJSON_AddNumberToObject(o, "lost", (double)s->lost);
  cJSON_AddNumberToObject(o, "docs_written", (double)s->docs_written);
  return o;
}

static void print_header(const asr_scenario_t *sc, const asr_lab_fixed_t *best,
                         const asr_lab_fixed_t *start) {
  char b[32], r[32], sb[32], sr[32];
  asr_log_thousands(best->batch_size, b, sizeof b);
  asr_log_thousands(llround(best->docs_per_second), r, sizeof r);
  asr_log_thousands(start->batch_size, sb, sizeof sb);
  asr_log_thousands(llround(start->docs_per_second), sr, sizeof sr);
  printf("\nScenario %s (%g s virtual)%s%s\n", sc->name, sc->duration_s,
         sc->description[0] ? ": " : "", sc->description);
  printf("  best fixed:  %u workers x %s: %s docs/s, %.2f%% throttled (%u configurations tried)\n",
         best->workers, b, r, asr_lab_throttled_pct(&best->run), best->runs);
  printf("  start fixed: %u workers x %s: %s docs/s (%.0f%% of best)\n", start->workers, sb, sr,
         best->docs_per_second > 0 ? 100 * start->docs_per_second / best->docs_per_second : 0);
  printf("  %-16s %8s %9s %8s %8s %7s %10s %10s\n", "policy", "steady", "to 90%", "changes",
         "seconds", "rev/10", "throttled", "lost");
}

static void print_row(const char *policy, int is_default, const asr_lab_score_t *s) {
  char name[64], base[256], to90[16] = "never", chg[16] = "-", sec[16] = "-";
  snprintf(name, sizeof name, "%s%s", display_name(policy, base, sizeof base),
           is_default ? " *" : "");
  if (s->reached_90) {
    snprintf(to90, sizeof to90, "%ld", s->intervals_to_90);
    snprintf(chg, sizeof chg, "%ld", s->changes_to_90);
    snprintf(sec, sizeof sec, "%.0f", s->seconds_to_90);
  }
  printf("  %-16s %7.1f%% %9s %8s %8s %7.2f %9.3f%% %10llu\n", name, s->steady_pct_of_best,
         to90, chg, sec, s->reversals_per_10, s->throttled_pct, (unsigned long long)s->lost);
}

/* ---- one scenario ---- */

/* The start a real run takes: the scenario's, else asrun's defaults (a worker per core,
 * 1000 documents), inside the profile's limits for a scaled run. */
static void start_point(const asr_scenario_t *sc, uint32_t *w, uint32_t *b) {
  double cores = sc->phases[0].client.cores;
  *w = sc->start_workers ? sc->start_workers : (uint32_t)(cores >= 1 ? ceil(cores) : 1);
  *b = sc->start_batch_size ? sc->start_batch_size : ASR_DEFAULT_BATCH_SIZE;
}

static int run_policy(lab_t *l, const asr_scenario_t *sc, const char *policy,
                      const asr_lab_fixed_t *best, cJSON *results, asr_err_t *err) {
  const asr_scaling_settings_t *s = &l->settings;
  uint32_t w, b;
  start_point(sc, &w, &b);
  asr_policy_t *p = NULL;
  asr_policy_spec_t spec = {.name = policy, .settings = s};
  int rc = asr_lua_policy_open(&spec, &p, err);
  if (rc) return rc;
  const char *limit;
  asr_vrun_config_t cfg = {.scenario = sc, .settings = s, .policy = p,
                           .workers = asr_scaling_within(s, ASR_SCALING_WORKERS, w, &limit),
                           .batch_size = asr_scaling_within(s, ASR_SCALING_BATCH_SIZE, b, &limit)};
  asr_vrun_result_t run;
  rc = asr_vrun(&cfg, &run, err);
  if (rc) return rc;
  asr_lab_score_t score;
  asr_lab_score(&run, &best->run, sc->duration_s, &score);
  int is_default = strcmp(policy, l->default_policy) == 0;
  print_row(policy, is_default, &score);
  cJSON_AddItemToArray(results, result_json(policy, is_default, &score));
  rc = write_csv(l, sc, policy, &run, err);
  asr_vrun_result_free(&run);
  return rc;
}

static int run_scenario(lab_t *l, const asr_scenario_t *sc, cJSON *list, asr_err_t *err) {
  asr_lab_fixed_t best, start;
  uint32_t w, b;
  start_point(sc, &w, &b);
  int rc = asr_lab_sweep(sc, &l->settings, &best, err);
  if (rc == 0) rc = asr_lab_fixed_run(sc, &l->settings, w, b, &start, err);
  if (rc) {
    asr_vrun_result_free(&best.run);
    return rc;
  }
  print_header(sc, &best, &start);
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "name", sc->name);
  cJSON_AddItemToObject(o, "best_fixed", fixed_json(&best));
  cJSON_AddItemToObject(o, "start_fixed", fixed_json(&start));
  cJSON *results = cJSON_AddArrayToObject(o, "results");
  cJSON_AddItemToArray(list, o);
  rc = write_csv(l, sc, "fixed_best", &best.run, err);
  if (rc == 0) rc = write_csv(l, sc, "fixed_start", &start.run, err);
  for (size_t i = 0; rc == 0 && i < l->npolicies; i++)
    rc = run_policy(l, sc, l->policies[i], &best, results, err);
  fflush(stdout);
  asr_vrun_result_free(&best.run);
  asr_vrun_result_free(&start.run);
  return rc;
}

static int write_json(const lab_t *l, asr_err_t *err) {
  if (!l->opt->json_path) return 0;
  char *text = cJSON_Print(l->json);
  if (!text) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  int rc = asr_write_text_file(l->opt->json_path, text, "--json", err);
  free(text);
  return rc;
}

static int check_csv_dir(const char *dir, asr_err_t *err) {
  struct stat st;
  if (!dir) return 0;
  if (stat(dir, &st) != 0 && mkdir(dir, 0777) != 0)
    return asr_err_set(err, ASR_EIO, "cannot create --csv directory %s: %s", dir, strerror(errno));
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
    return asr_err_set(err, ASR_EIO, "--csv %s is not a directory", dir);
  return 0;
}

int asr_lab_run(const asr_lab_options_t *opt, asr_err_t *err) {
  lab_t l = {.opt = opt};
  int rc = asr_profile_settings(opt->profile ? opt->profile : ASR_PROFILE_DEFAULT, &l.settings, err);
  if (rc == 0) rc = asr_scaling_validate(&l.settings, err);
  if (rc == 0) rc = load_scenarios(&l, err);
  if (rc == 0) rc = load_policies(&l, err);
  if (rc == 0) rc = check_csv_dir(opt->csv_dir, err);
  l.json = cJSON_CreateObject();
  cJSON *list = l.json ? cJSON_AddArrayToObject(l.json, "scenarios") : NULL;
  if (rc == 0 && !list) rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
  if (rc == 0)
    printf("Policy lab: profile %s, %zu scenario(s), %zu policies (* the default); "
           "steady = last quarter's docs/s as %% of the best fixed configuration\n",
           l.settings.profile, l.nscenarios, l.npolicies);
  for (size_t i = 0; rc == 0 && i < l.nscenarios; i++)
    rc = run_scenario(&l, &l.scenarios[i], list, err);
  if (rc == 0) rc = write_json(&l, err);
  cJSON_Delete(l.json);
  free(l.scenarios);
  free(l.policies);
  return rc;
}
