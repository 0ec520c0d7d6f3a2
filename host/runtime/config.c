#include "runtime/config.h"

#include <errno.h>
#include <sched.h>
#include <sys/random.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codec/ejson_writer.h"
#include "core/doc_id.h"
#include "core/limits.h"
#include "lua/policy.h"
#include "lua/profile.h"
#include "lua/scenario.h"
#include "lua/vm.h"
#include "metrics/proc.h"
#include "monitor/history_cmd.h"
#include "mongo/checks.h"
#include "mongo/retry.h"
#include "sinks/sink.h"
#include "template/template.h"
#include "util/duration.h"
#include "util/log.h"
#include "util/redact.h"

/* The default worker count: the CPUs this process may use, which in a container is less than
 * the machine's: online CPUs, within the affinity mask (taskset, cpuset) and the cgroup CPU
 * quota (docker --cpus, Kubernetes limits). */
static uint32_t cpu_count(void) {
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  uint32_t n = online > 0 ? (uint32_t)online : 1;
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0 &&
      (uint32_t)CPU_COUNT(&set) < n)
    n = (uint32_t)CPU_COUNT(&set);
  asr_proc_t proc;
  asr_proc_init(&proc, NULL);
  uint32_t quota = asr_proc_cpu_quota(&proc);
  return quota && quota < n ? quota : n;
}

/* "templates/orders.json" → "orders", "dump/orders.bson.gz" → "orders", "-" → "stdin" */
static char *stem(const char *path) {
  if (strcmp(path, "-") == 0) return strdup("stdin");
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  size_t len = strlen(b);
  if (len > 3 && strcmp(b + len - 3, ".gz") == 0) len -= 3;
  const char *dot = memrchr(b, '.', len);
  size_t n = dot && dot != b ? (size_t)(dot - b) : len;
  return strndup(b, n);
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The format of a --file given without --type: what mongoimport reads (JSON documents),
 * unless the name says BSON or JSON lines; never a template. */
static const char *file_format(const char *path) {
  if (ends_with(path, ".bson") || ends_with(path, ".bson.gz")) return "bson";
  if (ends_with(path, ".jsonl") || ends_with(path, ".jsonl.gz") || ends_with(path, ".ndjson") ||
      ends_with(path, ".ndjson.gz"))
    return "jsonl";
  return "json";
}

/* --type, --jsonArray, --file: the format of the source file, as mongoimport says it (json:
 * JSON documents one after another; with --jsonArray one array of them). It replaces the
 * kind the file name suggests (data.json is then data, not a template); a kind written out
 * (KIND:PATH) must agree with it. */
static int typed_source(const asr_options_t *cli, const char *type, asr_source_spec_t *spec,
                        asr_err_t *err) {
  const char *source = cli->source, *flag = cli->json_array ? "--jsonArray" : "--type";
  const char *kind = strcmp(type, "bson") == 0 ? "bson" : strcmp(type, "jsonl") == 0 ? "jsonl"
                                                                                   : "json";
  const char *colon = strchr(source, ':');
  size_t klen = colon ? (size_t)(colon - source) : 0;
  if (klen && strspn(source, "abcdefghijklmnopqrstuvwxyz") == klen) { /* KIND:PATH */
    int rc = asr_source_spec_parse(source, spec, err);
    if (rc) return rc;
    int json_fits = strcmp(kind, "json") == 0 && !cli->json_array && strcmp(spec->kind, "jsonl") == 0;
    if (strcmp(spec->kind, kind) != 0 && !json_fits)
      return asr_err_set(err, ASR_EINVAL, "%s%s%s does not fit %s %s (give one of them)", flag,
                         cli->json_array ? "" : " ", cli->json_array ? "" : type,
                         cli->source_is_file ? "--file" : "--source", source);
    return 0;
  }
  spec->kind = strdup(kind);
  spec->path = strdup(source);
  spec->json_documents = strcmp(kind, "json") == 0 && !cli->json_array;
  if (!spec->kind || !spec->path) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  return 0;
}

static int copy_source(const asr_options_t *cli, const asr_strategy_t *st, asr_config_t *cfg,
                       asr_err_t *err) {
  const char *type = cli->type ? cli->type : cli->json_array ? "json" : NULL;
  if (cli->source && !type && cli->source_is_file) type = file_format(cli->source);
  if (cli->source && type) return typed_source(cli, type, &cfg->source, err);
  if (cli->source) return asr_source_spec_parse(cli->source, &cfg->source, err);
  if (cli->type)
    return asr_err_set(err, ASR_EINVAL, "--type %s says the format of --source's file, and no "
                       "--source is given (e.g. --source - --type %s)", cli->type, cli->type);
  if (!st || !st->source.kind)
    return asr_err_set(err, ASR_EINVAL, "no source: give the strategy a 'source' field or pass "
                       "--source TEMPLATE.json");
  cfg->source.kind = strdup(st->source.kind);
  if (st->source.path) cfg->source.path = strdup(st->source.path);
  if (st->source.template_json) cfg->source.template_json = strdup(st->source.template_json);
  if (st->source.database) cfg->source.database = strdup(st->source.database);
  if (st->source.collection) cfg->source.collection = strdup(st->source.collection);
  if (st->source.filter) cfg->source.filter = strdup(st->source.filter);
  if (st->source.projection) cfg->source.projection = strdup(st->source.projection);
  cfg->source.cursor_batch = st->source.cursor_batch;
  return 0;
}

static int write_mode_of(const char *name, int *out) {
  static const char *const modes[] = {"insert", "upsert", "merge", "delete"}; /* asr_write_mode_t */
  for (int i = 0; i < 4; i++)
    if (strcmp(name, modes[i]) == 0) return *out = i, 0;
  return -1;
}

/* "a,b" → {"a", "b"} */
static int split_keys(const char *text, char ***out, size_t *n, asr_err_t *err) {
  *n = 0;
  *out = NULL;
  char *copy = strdup(text), *save = NULL;
  if (!copy) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  for (char *k = strtok_r(copy, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
    char **grown = realloc(*out, (*n + 1) * sizeof *grown);
    if (!grown || !(grown[*n] = strdup(k))) {
      free(grown ? grown : *out);
      free(copy);
      return asr_err_set(err, ASR_ENOMEM, "out of memory");
    }
    *out = grown;
    (*n)++;
  }
  free(copy);
  if (*n == 0) return asr_err_set(err, ASR_EINVAL, "--keys: no key field given");
  return 0;
}

/* The MongoDB-specific settings: command line over strategy. */
static int copy_mongo(const asr_options_t *cli, const asr_strategy_t *st, asr_config_t *cfg,
                      asr_err_t *err) {
  const char *mode = cli->mode ? cli->mode : st && st->write_mode ? st->write_mode : "insert";
  if (write_mode_of(mode, &cfg->write_mode) != 0)
    return asr_err_set(err, ASR_EINVAL, "unknown write mode '%s' (insert, upsert, merge, delete)", mode);
  const char *keys = cli->keys ? cli->keys : st ? st->keys : NULL;
  if (keys) {
    int rc = split_keys(keys, &cfg->keys, &cfg->nkeys, err);
    if (rc) return rc;
  }
  cfg->ordered = cli->ordered || (st && st->ordered > 0);
  const char *wc = cli->write_concern ? cli->write_concern : st ? st->write_concern : NULL;
  if (wc) cfg->write_concern = strdup(wc);
  if (st && st->target_database) cfg->target_database = strdup(st->target_database);
  if (st && st->target_collection) cfg->target_collection = strdup(st->target_collection);
  cfg->verify = cli->verify || (st && st->verify > 0);
  const char *ci = cli->copy_indexes ? cli->copy_indexes : st ? st->copy_indexes : NULL;
  if (ci) {
    if (strcmp(ci, "before") && strcmp(ci, "after"))
      return asr_err_set(err, ASR_EINVAL, "copy_indexes must be \"before\" or \"after\", got '%s'", ci);
    cfg->copy_indexes = strdup(ci);
  }
  const char *filter = cli->filter ? cli->filter : NULL;
  const char *projection = cli->projection ? cli->projection : NULL;
  if (filter) {
    free(cfg->source.filter);
    cfg->source.filter = strdup(filter);
  }
  if (projection) {
    free(cfg->source.projection);
    cfg->source.projection = strdup(projection);
  }
  return 0;
}

/* Whether the target writes Extended JSON text: a .jsonl/.ndjson/.json file (as the file sink
 * names its formats), or anything but a .bson file, a database, null: or sim:, which the
 * JSON format cannot apply to (a target added later writes JSON unless listed here). */
static int target_writes_json(const char *target) {
  const char *path = asr_sink_file_path(target);
  if (path) {
    size_t n = strlen(path);
    return !(n >= 5 && strcmp(path + n - 5, ".bson") == 0);
  }
  return !(strstr(target, "://") || strncmp(target, "null:", 5) == 0 ||
           strncmp(target, "sim:", 4) == 0);
}

/* --json-format > target.json_format > relaxed; a format given for a target that writes no
 * JSON is warned about (it changes nothing there). */
static int copy_json_format(const asr_options_t *cli, const asr_strategy_t *st,
                            asr_config_t *cfg, asr_err_t *err) {
  const char *name = cli->json_format ? cli->json_format : st ? st->json_format : NULL;
  cfg->json_format = ASR_EJSON_RELAXED;
  if (!name) return 0;
  asr_ejson_mode_t mode;
  if (asr_ejson_mode_parse(name, &mode) != 0) {
    if (cli->json_format)
      return asr_err_set(err, ASR_EINVAL, "--json-format: expected relaxed or canonical, got '%s'",
                         name);
    return asr_err_set(err, ASR_EINVAL, "%s: target.json_format must be \"relaxed\" or "
                       "\"canonical\", got '%s'", st->path, name);
  }
  cfg->json_format = mode;
  if (!target_writes_json(cfg->target)) {
    char shown[512]; /* a database URI may hold a password */
    asr_redact_arg(cfg->target, shown, sizeof shown);
    asr_log_warn("config.json_format", "%s %s ignored: the target %s writes no JSON",
                 cli->json_format ? "--json-format" : "target.json_format", name, shown);
  }
  return 0;
}

/* The retry budget: --retry-for (parsed by the command line) > strategy retry_for > the
 * default. The source and the sink take 0 for "the default" and a negative budget for none. */
static int retry_budget(const asr_options_t *cli, const asr_strategy_t *st, asr_config_t *cfg,
                        asr_err_t *err) {
  cfg->retry_for_ms = ASR_RETRY_FOR_DEFAULT_MS;
  if (cli->retry_for_ms >= 0) {
    cfg->retry_for_ms = cli->retry_for_ms;
  } else if (st && st->retry_for && asr_parse_duration_ms(st->retry_for, &cfg->retry_for_ms)) {
    return asr_err_set(err, ASR_EINVAL, "%s: field 'retry_for' must be a duration ("
                       ASR_DURATION_FORMS "; at most a week), got '%s'", st->path, st->retry_for);
  }
  cfg->source.retry_for_ms = cfg->retry_for_ms ? cfg->retry_for_ms : -1;
  return 0;
}

/* A name set by the highest layer that sets it: flag, strategy, environment, default; with
 * that layer's name for messages. */
typedef struct layer { const char *value, *origin; } layer_t;

static layer_t pick_layer(const char *flag_value, const char *flag, int strategy_sets,
                          const char *strategy_value, const char *strategy_field,
                          const char *env, const char *def, const char *def_origin) {
  const char *env_value = getenv(env);
  if (flag_value) return (layer_t){flag_value, flag};
  if (strategy_sets) return (layer_t){strategy_value, strategy_field};
  if (env_value && *env_value) return (layer_t){env_value, env};
  return (layer_t){def, def_origin};
}

/* The scaler's settings, layer by layer; the profile named by the highest layer that names
 * one. Validated even when auto-scaling is off, so a bad variable never waits for --auto-scaling. */
static int build_scaling(const asr_options_t *cli, const asr_strategy_t *st, asr_config_t *cfg,
                         asr_err_t *err) {
  layer_t profile = pick_layer(cli->profile, "--profile", st && st->profile,
                               st ? st->profile : NULL, "scaling.profile",
                               "AUTO_SCALING_PROFILE", ASR_PROFILE_DEFAULT, "default profile");
  int rc = asr_profile_settings(profile.value, &cfg->scaling, err);
  if (rc) asr_err_prefix(err, "%s", profile.origin);
  if (rc == 0) rc = asr_scaling_apply_env(&cfg->scaling, environ, err);
  for (size_t i = 0; rc == 0 && st && i < st->nscaling; i++) {
    char origin[512];
    snprintf(origin, sizeof origin, "%s: scaling.%s", st->path, st->scaling_keys[i]);
    rc = asr_scaling_set(&cfg->scaling, st->scaling_keys[i], st->scaling_values[i], origin, err);
  }
  for (int i = 0; rc == 0 && i < cli->nscaling; i++) {
    char key[128], origin[160];
    snprintf(key, sizeof key, "%.*s", (int)cli->scaling[i].key_len, cli->scaling[i].key);
    if (cli->scaling[i].flag) snprintf(origin, sizeof origin, "%s", cli->scaling[i].flag);
    else snprintf(origin, sizeof origin, "--scaling %s", key);
    rc = asr_scaling_set_text(&cfg->scaling, key, cli->scaling[i].value, origin, err);
  }
  if (rc == 0) rc = asr_scaling_validate(&cfg->scaling, err);
  if (rc) return rc;
  if (!(cfg->profile = strdup(profile.value))) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  int st_policy = st && (st->policy || st->has_policy_table); /* a table leaves value NULL */
  char builtin[ASR_POLICY_BUILTINS_MAX][ASR_POLICY_NAME_MAX]; /* the default first */
  int nbuiltin = asr_lua_policy_builtins(builtin, ASR_POLICY_BUILTINS_MAX, err);
  if (nbuiltin < 0) return nbuiltin;
  if (nbuiltin == 0) return asr_err_set(err, ASR_EINVAL, "no built-in scaling policies found");
  layer_t policy = pick_layer(cli->policy, "--policy", st_policy, st ? st->policy : NULL,
                              "scaling.policy", "AUTO_SCALING_POLICY", builtin[0],
                              "default policy");
  cfg->policy_origin = policy.origin;
  if (policy.value && !(cfg->policy = strdup(policy.value))) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  if (cli->summary_json && !(cfg->summary_json = strdup(cli->summary_json)))
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  if (cli->report && !(cfg->report_html = strdup(cli->report)))
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  /* On with --auto-scaling or --profile, or a strategy's scaling table; off with
   * --no-auto-scaling or scaling.enabled = false. */
  cfg->auto_scaling = cli->auto_scaling >= 0 ? cli->auto_scaling
                      : cli->profile || cli->policy ? 1
                      : st && st->auto_scaling >= 0 ? st->auto_scaling : 0;
  return 0;
}

/* --dead-letter, --max-errors, --stopOnError, --dead-letter-duplicates. */
static int copy_dead_letters(const asr_options_t *cli, asr_config_t *cfg, asr_err_t *err) {
  if (cli->dead_letter && !*cli->dead_letter)
    return asr_err_set(err, ASR_EINVAL, "--dead-letter: expected a file name, got ''");
  if (cli->dead_letter && !(cfg->dead_letter = strdup(cli->dead_letter)))
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  cfg->dead_letter_duplicates = cli->dead_letter_duplicates;
  if (cli->stop_on_error && cli->max_errors)
    return asr_err_set(err, ASR_EINVAL, "--stopOnError and --max-errors %s: give one of them "
                       "(--stopOnError is --max-errors 0)", cli->max_errors);
  if (cli->stop_on_error) {
    cfg->error_budget = (asr_error_budget_t){.kind = ASR_BUDGET_COUNT, .count = 0,
                                             .flag = "--stopOnError"};
    return 0;
  }
  if (cli->max_errors) return asr_error_budget_parse(cli->max_errors, &cfg->error_budget, err);
  cfg->error_budget = (asr_error_budget_t){.kind = ASR_BUDGET_NONE};
  return 0;
}

static int is_mongo_uri(const char *s) {
  return s && (strncmp(s, "mongodb://", 10) == 0 || strncmp(s, "mongodb+srv://", 14) == 0);
}

/* --mgodatagen-collection: the config's collection to generate. --collection once meant it
 * and now names the target collection (mongoimport's meaning): given with an mgodatagen
 * source and no MongoDB target, the old meaning is what was meant, and the error says so. */
static int mgodatagen_collection(const asr_options_t *cli, const asr_strategy_t *st,
                                 asr_config_t *cfg, asr_err_t *err) {
  int mgodatagen = strcmp(cfg->source.kind, "mgodatagen") == 0;
  const char *target = cli->target ? cli->target : st ? st->target : NULL;
  if (cli->mgodatagen_collection && !mgodatagen)
    return asr_err_set(err, ASR_EINVAL, "--mgodatagen-collection %s: the source is no mgodatagen "
                       "config (--source mgodatagen:CONFIG.json)", cli->mgodatagen_collection);
  if (cli->collection && mgodatagen && !cli->mgodatagen_collection && !is_mongo_uri(target))
    return asr_err_set(err, ASR_EINVAL, "--collection %s names the target collection (as "
                       "mongoimport's --collection); the collection of an mgodatagen config to "
                       "generate is --mgodatagen-collection %s", cli->collection, cli->collection);
  if (!cli->mgodatagen_collection) return 0;
  free(cfg->source.collection);
  if (!(cfg->source.collection = strdup(cli->mgodatagen_collection)))
    return asr_err_set(err, ASR_ENOMEM, "out of memory");
  return 0;
}

/* A name given by a flag (--db, --collection) against the same name in the URI's path. */
static int check_name_conflict(const char *flag, const char *given, const char *what,
                               const char *in_path, const char *target, asr_err_t *err) {
  if (!given || !in_path || strcmp(given, in_path) == 0) return 0;
  char shown[512];
  asr_redact_arg(target, shown, sizeof shown);
  return asr_err_set(err, ASR_EINVAL, "%s %s and the %s '%s' in the URI's path (%s): give one "
                     "of them", flag, given, what, in_path, shown);
}

/* mongoimport's --db and --collection (and --drop) name a MongoDB target's collection beside
 * its URI (a Cosmos DB portal string has no /DB.COLLECTION path): they win over the strategy,
 * must agree with the URI's path, and the collection must come from one of them. */
static int copy_target_names(const asr_options_t *cli, asr_config_t *cfg, asr_err_t *err) {
  const char *flag = cli->db ? "--db" : cli->collection ? "--collection" : cli->drop ? "--drop"
                                                                              : NULL;
  int mongo = is_mongo_uri(cfg->target);
  if (flag && !mongo) {
    char shown[512];
    asr_redact_arg(cfg->target, shown, sizeof shown);
    return asr_err_set(err, ASR_EINVAL, "%s applies to a MongoDB target, and the target is %s%s: "
                       "give --uri mongodb://HOST:PORT/ (or --target) beside it", flag, shown,
                       cfg->target_is_default ? " (the default)" : "");
  }
  if (!mongo) return 0;
  char *db = NULL, *coll = NULL;
  int rc = asr_mongo_check_uri_names(cfg->target, &db, &coll, err);
  if (!rc) rc = check_name_conflict("--db", cli->db, "database", db, cfg->target, err);
  if (!rc) rc = check_name_conflict("--collection", cli->collection, "collection", coll, cfg->target, err);
  if (!rc && cli->db) {
    free(cfg->target_database);
    if (!(cfg->target_database = strdup(cli->db))) rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
  }
  if (!rc && cli->collection) {
    free(cfg->target_collection);
    if (!(cfg->target_collection = strdup(cli->collection)))
      rc = asr_err_set(err, ASR_ENOMEM, "out of memory");
  }
  int has_db = cfg->target_database || db, has_coll = cfg->target_collection || coll;
  if (!rc && (!has_db || !has_coll)) {
    char shown[512];
    asr_redact_arg(cfg->target, shown, sizeof shown);
    rc = asr_err_set(err, ASR_EINVAL, "MongoDB URI %s: no %s name (give %s NAME, put it in the "
                     "URI path as /database.collection, or set it in the strategy)", shown,
                     has_db ? "collection" : "database", has_db ? "--collection" : "--db");
  }
  cfg->drop = cli->drop;
  free(db);
  free(coll);
  return rc;
}

int asr_config_source_generates(const asr_source_spec_t *s) {
  return !s->kind || strcmp(s->kind, "template") == 0 || strcmp(s->kind, "mgodatagen") == 0;
}

/* A migration's seed only derives the `_id`s of documents that reach a database without one
 * (core/doc_id.h: a fan-out's new documents, a file's records without `_id`), so it must come
 * out the same when the migration runs again: a re-run then sends the same `_id`s, and in
 * insert mode finds them "already in the target" instead of inserting copies. It is a hash of
 * what names the data read: the source's kind, and its file (the real path, wherever the run
 * starts from), "-" for standard input, or its database.collection (not the URI, whose host,
 * options and credentials may be spelt otherwise next time); and the strategy's name (two
 * strategies fanning one source out into one collection make different documents). The
 * target is left out: the same migration names its target the same way or writes elsewhere. */
static int derive_migration_seed(const asr_strategy_t *st, asr_config_t *cfg, asr_err_t *err) {
  const asr_source_spec_t *src = &cfg->source;
  char *db = NULL, *coll = NULL, *real = NULL, *identity = NULL;
  const char *where = src->path ? src->path : "";
  if (strcmp(src->kind, "mongodb") == 0) {
    int rc = src->path ? asr_mongo_check_uri_names(src->path, &db, &coll, err) : 0;
    if (rc) return rc;
    if (asprintf(&real, "%s.%s", src->database ? src->database : db ? db : "",
                 src->collection ? src->collection : coll ? coll : "") < 0)
      real = NULL;
    where = real;
  } else if (src->path && strcmp(src->path, "-") != 0 && (real = realpath(src->path, NULL))) {
    where = real;
  }
  int n = where ? asprintf(&identity, "asrun migration seed\n%s\n%s\n%s", src->kind, where,
                           st && st->name ? st->name : "")
                : -1;
  free(db);
  free(coll);
  free(real);
  if (n < 0) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  uint8_t h[ASR_DOC_ID_LEN];
  asr_doc_id_derive(0, (const uint8_t *)identity, (size_t)n, 0, h);
  free(identity);
  uint64_t seed;
  memcpy(&seed, h, sizeof seed);
  cfg->seed = seed & ASR_RANDOM_SEED_MASK;
  cfg->seed_origin = ASR_SEED_DERIVED;
  return 0;
}

/* --seed > the strategy's seed > for a generation a fresh random one (getrandom(2)), for a
 * migration one derived from what it reads (derive_migration_seed); below 2^53 so that it
 * reads back exactly from JSON and Lua numbers; cfg->seed_origin says which, for the plan and
 * the summary ("--seed N repeats this run"). */
static int pick_seed(const asr_options_t *cli, const asr_strategy_t *st, asr_config_t *cfg,
                     asr_err_t *err) {
  if (cli->seed >= 0) {
    cfg->seed = (uint64_t)cli->seed;
    cfg->seed_origin = ASR_SEED_GIVEN;
  } else if (st && st->seed >= 0) {
    cfg->seed = (uint64_t)st->seed;
    cfg->seed_origin = ASR_SEED_STRATEGY;
  } else if (!asr_config_source_generates(&cfg->source)) {
    int rc = derive_migration_seed(st, cfg, err);
    if (rc) return rc;
  } else {
    uint64_t r;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
      return asr_err_set(err, ASR_EIO, "cannot draw a random seed (getrandom: %s): give --seed N",
                         strerror(errno));
    cfg->seed = r & ASR_RANDOM_SEED_MASK;
    cfg->seed_origin = ASR_SEED_RANDOM;
  }
  cfg->source.seed = cfg->seed;
  return 0;
}

int asr_config_build(const asr_options_t *cli, const asr_strategy_t *st, asr_config_t *cfg,
                     asr_err_t *err) {
  memset(cfg, 0, sizeof *cfg);
  int rc = copy_source(cli, st, cfg, err);
  if (!rc && st) rc = asr_strategy_custom_ops(st, &cfg->source, err); /* also for --source */
  if (rc) return rc;
  if ((rc = mgodatagen_collection(cli, st, cfg, err))) return rc;
  if (!st && strcmp(cfg->source.kind, "mgodatagen") == 0 && cfg->source.collection)
    cfg->name = strdup(cfg->source.collection); /* out/COLLECTION.jsonl */
  else
    cfg->name = st ? strdup(st->name) : stem(cfg->source.path ? cfg->source.path : "asrun");
  if (st && st->ncollections) {
    cfg->source.collections = calloc(st->ncollections, sizeof *cfg->source.collections);
    if (!cfg->source.collections) return asr_err_set(err, ASR_ENOMEM, "out of memory");
    for (size_t i = 0; i < st->ncollections; i++) {
      const asr_strategy_collection_t *c = &st->collections[i];
      cfg->source.collections[i] = (asr_source_collection_t){
          c->name, c->template_path, c->template_json, c->total, c->seed};
    }
    cfg->source.ncollections = st->ncollections;
  }

  int64_t total = cli->total >= 0 ? cli->total : st && st->total >= 0 ? st->total : -1;
  cfg->source.limit = total;
  if ((rc = pick_seed(cli, st, cfg, err))) return rc;
  if (cli->now) {
    if (asr_template_parse_clock(cli->now, &cfg->source.clock_ms) != 0)
      return asr_err_set(err, ASR_EINVAL, "--now: expected epoch milliseconds or an ISO-8601 date, "
                         "got '%s'", cli->now);
    cfg->source.has_clock = ASR_CLOCK_GIVEN;
  } else { /* the run's start, pinned: --verify regenerates the documents the run wrote */
    cfg->source.clock_ms = (int64_t)time(NULL) * 1000;
    cfg->source.has_clock = ASR_CLOCK_RUN_START;
  }

  int64_t workers = cli->workers > 0 ? cli->workers : st && st->workers > 0 ? st->workers : cpu_count();
  int64_t batch = cli->batch_size > 0 ? cli->batch_size
                  : st && st->batch_size > 0 ? st->batch_size : ASR_DEFAULT_BATCH_SIZE;
  if (workers > ASR_MAX_WORKERS)
    return asr_err_set(err, ASR_EINVAL, "workers must be 1..%u, got %lld", ASR_MAX_WORKERS,
                       (long long)workers);
  if (batch > ASR_MAX_BATCH_SIZE)
    return asr_err_set(err, ASR_EINVAL, "batch_size must be 1..%u, got %lld", ASR_MAX_BATCH_SIZE,
                       (long long)batch);
  cfg->workers = (uint32_t)workers;
  cfg->batch_size = (uint32_t)batch;
  cfg->queue_capacity = cli->queue_size > 0 ? (uint32_t)cli->queue_size : 0;

  int rc2 = build_scaling(cli, st, cfg, err);
  if (rc2) return rc2;
  cfg->tick_interval = st && st->tick_interval > 0 ? st->tick_interval : 1.0;
  cfg->instruction_budget = cli->instruction_budget >= 0 ? cli->instruction_budget
                            : st && st->instruction_budget >= 0 ? st->instruction_budget
                            : ASR_VM_DEFAULT_BUDGET;
  cfg->dry_run = cli->dry_run;
  if ((rc2 = retry_budget(cli, st, cfg, err))) return rc2;

  const char *target = cli->target ? cli->target : st ? st->target : NULL;
  if (target) {
    cfg->target = strdup(target);
  } else {
    cfg->target_is_default = 1;
    if (asprintf(&cfg->target, "file:" ASR_DEFAULT_OUT_DIR "/%s.jsonl", cfg->name) < 0)
      cfg->target = NULL;
  }
  if (!cfg->name || !cfg->target) return asr_err_set(err, ASR_ENOMEM, "out of memory");
  rc = copy_dead_letters(cli, cfg, err);
  if (!rc) rc = copy_json_format(cli, st, cfg, err);
  if (!rc) rc = copy_mongo(cli, st, cfg, err);
  return rc ? rc : copy_target_names(cli, cfg, err);
}

void asr_config_free(asr_config_t *cfg) {
  asr_source_spec_free(&cfg->source);
  for (size_t i = 0; i < cfg->nkeys; i++) free(cfg->keys[i]);
  free(cfg->keys);
  free(cfg->write_concern);
  free(cfg->target_database);
  free(cfg->target_collection);
  free(cfg->copy_indexes);
  free(cfg->name);
  free(cfg->target);
  free(cfg->profile);
  free(cfg->policy);
  free(cfg->summary_json);
  free(cfg->report_html);
  free(cfg->dead_letter);
  memset(cfg, 0, sizeof *cfg);
}

/* --start-from-history: the workers and batch size `asrun recommend` suggests from the
 * strategy's past runs; --workers and --batch-size win. The plan says where they came from. */
int asr_config_start_from_history(asr_config_t *cfg, const asr_options_t *cli,
                                  const asr_strategy_t *strategy, asr_err_t *err) {
  if (!cli->start_from_history) return 0;
  if (!strategy)
    return asr_err_set(err, ASR_EINVAL, "--start-from-history needs a strategy file: the history "
                       "keeps runs by strategy");
  asr_history_start_t start;
  asr_history_start_point(cli->history, strategy->path, &start);
  int kept_workers = cli->workers >= 0, kept_batch = cli->batch_size >= 0;
  if (start.found && start.workers >= 1 && start.workers <= ASR_MAX_WORKERS && !kept_workers)
    cfg->workers = start.workers;
  if (start.found && start.batch_size >= 1 && start.batch_size <= ASR_MAX_BATCH_SIZE && !kept_batch)
    cfg->batch_size = start.batch_size;
  snprintf(cfg->history_start, sizeof cfg->history_start, "%s%s", start.note,
           start.found && (kept_workers || kept_batch) ? " (the --workers/--batch-size given win)"
                                                       : "");
  if (!start.found) asr_log_warn("history.start", "--start-from-history: %s", start.note);
  return 0;
}

void asr_config_sink_options(const asr_config_t *cfg, asr_sink_options_t *opt) {
  *opt = (asr_sink_options_t){
      .dry_run = cfg->dry_run,
      .overwrite = 1,
      .json_format = cfg->json_format,
      .database = cfg->target_database,
      .collection = cfg->target_collection,
      .mode = cfg->write_mode,
      .keys = (const char *const *)cfg->keys,
      .nkeys = cfg->nkeys,
      .ordered = cfg->ordered,
      .write_concern = cfg->write_concern,
      .workers = cfg->workers,
      .retry_for_ms = cfg->retry_for_ms ? cfg->retry_for_ms : -1, /* 0: none */
      .load_scenario = asr_scenario_loader,
      .dead_letter_duplicates = cfg->dead_letter_duplicates,
  };
}
