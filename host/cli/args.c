#include "cli/args.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/ejson_writer.h"
#include "core/limits.h"
#include "lua/vm.h"
#include "monitor/endpoint.h"
#include "util/closest.h"
#include "util/duration.h"
#include "util/file.h"
#include "util/redact.h"

enum {
  OPT_STRATEGY = 256, OPT_SOURCE, OPT_TARGET, OPT_PROFILE, OPT_AS_PROFILE, OPT_AUTO,
  OPT_NO_AUTO, OPT_WORKERS, OPT_BATCH, OPT_TOTAL, OPT_SEED, OPT_DRY_RUN, OPT_LOG_FORMAT,
  OPT_QUEUE, OPT_BUDGET, OPT_NOW, OPT_MODE, OPT_KEYS, OPT_WRITE_CONCERN, OPT_ORDERED, OPT_FILTER,
  OPT_PROJECTION, OPT_COPY_INDEXES, OPT_VERIFY, OPT_VERIFY_ONLY, OPT_COLLECTION,
  OPT_SCALING, OPT_POLICY, OPT_SUMMARY_JSON, OPT_REPORT, OPT_RETRY_FOR,
  OPT_DEAD_LETTER, OPT_MAX_ERRORS, OPT_STOP_ON_ERROR, OPT_DEAD_LETTER_DUPLICATES,
  /* named scaling settings: --min-workers N is --scaling min_workers=N */
  OPT_SET_MIN_WORKERS, OPT_SET_MAX_WORKERS, OPT_SET_MIN_BATCH, OPT_SET_MAX_BATCH,
  OPT_SET_CHECK_INTERVAL, OPT_SET_COOLDOWN,
  /* checkpoints */
  OPT_RESUME, OPT_CHECKPOINT, OPT_NO_CHECKPOINT, OPT_CHECKPOINT_EVERY,
  OPT_TYPE, OPT_JSON_FORMAT,
  /* the run history */
  OPT_HISTORY, OPT_NO_HISTORY, OPT_START_FROM_HISTORY,
  /* mongoimport's and mgeneratejs's spellings */
  OPT_URI, OPT_DB, OPT_DROP, OPT_UPSERT_FIELDS, OPT_NUM_INSERTION_WORKERS, OPT_JSON_ARRAY,
  OPT_FILE, OPT_MGODATAGEN_COLLECTION, OPT_NUMBER,
  OPT_METRICS_LISTEN
};

/* -d DB, -c COLLECTION (mongoimport's), -n N (mgeneratejs's) */
#define SHORT_OPTIONS "d:c:n:"
#define SHORT_WITH_VALUE "dcn"

static const struct option options[] = {
    {"strategy", required_argument, NULL, OPT_STRATEGY},
    {"source", required_argument, NULL, OPT_SOURCE},
    {"type", required_argument, NULL, OPT_TYPE},
    {"target", required_argument, NULL, OPT_TARGET},
    {"json-format", required_argument, NULL, OPT_JSON_FORMAT},
    {"jsonFormat", required_argument, NULL, OPT_JSON_FORMAT}, /* mongoexport's spelling */
    {"profile", required_argument, NULL, OPT_PROFILE},
    {"auto-scaling-profile", required_argument, NULL, OPT_AS_PROFILE},
    {"auto-scaling", no_argument, NULL, OPT_AUTO},
    {"no-auto-scaling", no_argument, NULL, OPT_NO_AUTO},
    {"workers", required_argument, NULL, OPT_WORKERS},
    {"batch-size", required_argument, NULL, OPT_BATCH},
    {"total", required_argument, NULL, OPT_TOTAL},
    {"seed", required_argument, NULL, OPT_SEED},
    {"queue-size", required_argument, NULL, OPT_QUEUE},
    {"instruction-budget", required_argument, NULL, OPT_BUDGET},
    {"now", required_argument, NULL, OPT_NOW},
    {"mode", required_argument, NULL, OPT_MODE},
    {"keys", required_argument, NULL, OPT_KEYS},
    {"write-concern", required_argument, NULL, OPT_WRITE_CONCERN},
    {"ordered", no_argument, NULL, OPT_ORDERED},
    {"retry-for", required_argument, NULL, OPT_RETRY_FOR},
    {"filter", required_argument, NULL, OPT_FILTER},
    {"projection", required_argument, NULL, OPT_PROJECTION},
    {"copy-indexes", required_argument, NULL, OPT_COPY_INDEXES},
    {"verify", no_argument, NULL, OPT_VERIFY},
    {"verify-only", no_argument, NULL, OPT_VERIFY_ONLY},
    {"collection", required_argument, NULL, OPT_COLLECTION},
    {"mgodatagen-collection", required_argument, NULL, OPT_MGODATAGEN_COLLECTION},
    {"uri", required_argument, NULL, OPT_URI},
    {"db", required_argument, NULL, OPT_DB},
    {"drop", no_argument, NULL, OPT_DROP},
    {"upsertFields", required_argument, NULL, OPT_UPSERT_FIELDS},
    {"numInsertionWorkers", required_argument, NULL, OPT_NUM_INSERTION_WORKERS},
    {"jsonArray", no_argument, NULL, OPT_JSON_ARRAY},
    {"file", required_argument, NULL, OPT_FILE},
    {"number", required_argument, NULL, OPT_NUMBER},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"scaling", required_argument, NULL, OPT_SCALING},
    {"policy", required_argument, NULL, OPT_POLICY},
    {"summary-json", required_argument, NULL, OPT_SUMMARY_JSON},
    {"report", required_argument, NULL, OPT_REPORT},
    {"dead-letter", required_argument, NULL, OPT_DEAD_LETTER},
    {"max-errors", required_argument, NULL, OPT_MAX_ERRORS},
    {"stopOnError", no_argument, NULL, OPT_STOP_ON_ERROR},
    {"dead-letter-duplicates", no_argument, NULL, OPT_DEAD_LETTER_DUPLICATES},
    {"min-workers", required_argument, NULL, OPT_SET_MIN_WORKERS},
    {"max-workers", required_argument, NULL, OPT_SET_MAX_WORKERS},
    {"min-batch-size", required_argument, NULL, OPT_SET_MIN_BATCH},
    {"max-batch-size", required_argument, NULL, OPT_SET_MAX_BATCH},
    {"check-interval", required_argument, NULL, OPT_SET_CHECK_INTERVAL},
    {"cooldown", required_argument, NULL, OPT_SET_COOLDOWN},
    {"resume", no_argument, NULL, OPT_RESUME},
    {"checkpoint", required_argument, NULL, OPT_CHECKPOINT},
    {"no-checkpoint", no_argument, NULL, OPT_NO_CHECKPOINT},
    {"checkpoint-every", required_argument, NULL, OPT_CHECKPOINT_EVERY},
    {"history", required_argument, NULL, OPT_HISTORY},
    {"no-history", no_argument, NULL, OPT_NO_HISTORY},
    {"start-from-history", no_argument, NULL, OPT_START_FROM_HISTORY},
    {"metrics-listen", required_argument, NULL, OPT_METRICS_LISTEN},
    {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* A macro's value as a string literal, for numbers in the help text */
#define SPELL(x) #x
#define SPELL_VALUE(x) SPELL(x)

const char *asr_cli_usage(void) {
  return "Usage: asrun STRATEGY.lua [options]\n"
         "       asrun --source TEMPLATE.json --total N [options]\n"
         "       asrun history|recommend|report ... (past runs: asrun history --help)\n"
         "\n"
         "Generate or migrate MongoDB documents with Lua strategies.\n"
         "\n"
         "Input and output:\n"
         "  --strategy FILE          the strategy file (same as the positional argument)\n"
         "  --source SPEC            template.json | data.jsonl | dump.bson | KIND:PATH\n"
         "                           (KIND: template, jsonl, json, bson, mongodb, mgodatagen);\n"
         "                           - reads standard input; '{...}' or template:{...} is\n"
         "                           template text (as mgeneratejs takes); overrides the strategy\n"
         "  --file FILE              mongoimport's source flag: FILE holds documents (JSON by\n"
         "                           default, never a template); - reads standard input\n"
         "  --type jsonl|json|bson   the format of the source file (mongoimport's flag; json\n"
         "                           is JSON documents one after another, as for mongoimport)\n"
         "  --jsonArray              the source file is one JSON array of documents, read as\n"
         "                           a stream (mongoimport's flag; implies --type json)\n"
         "  --mgodatagen-collection NAME\n"
         "                           the collection of an mgodatagen config to generate\n"
         "  --target URI             file:PATH.jsonl | file:PATH.bson | jsonl:PATH |\n"
         "                           bson:PATH | - (standard output; bson:- for BSON) | null: |\n"
         "                           mongodb://HOST/DB.COLLECTION | sim:KEY=VALUE,... |\n"
         "                           sim:SCENARIO (a simulated database: a scenario's name\n"
         "                           or FILE.lua) (default: file:out/NAME.jsonl)\n"
         "  --json-format FORMAT     .jsonl targets: relaxed (default; readable, but an int64\n"
         "                           that fits in 32 bits reads back as int32) | canonical\n"
         "                           (every BSON type reads back as itself); also --jsonFormat\n"
         "  --total N, -n N          documents to generate (template) or at most read; also\n"
         "                           --number N (mgeneratejs's)\n"
         "  --seed N                 generation seed: document i depends only on (seed, i);\n"
         "                           default: a fresh random seed, shown in the plan and the\n"
         "                           summary (--seed with it repeats the run)\n"
         "  --now TIME               generation clock for $now and $objectid (epoch ms or\n"
         "                           ISO-8601); default: the run's start, shown in the plan\n"
         "\n"
         "MongoDB and Cosmos DB (mongoimport's flags, same meaning):\n"
         "  --uri URI                the target connection string (as --target); the\n"
         "                           database and collection may be given beside it\n"
         "  --db NAME, -d NAME       the target database (or /DB in the URI)\n"
         "  --collection NAME, -c NAME\n"
         "                           the target collection (or /DB.COLLECTION in the URI)\n"
         "  --drop                   drop the target collection before the load\n"
         "  --mode MODE              insert (default) | upsert | merge | delete\n"
         "  --keys A,B               key fields for upsert, merge and delete (default: _id)\n"
         "  --upsertFields A,B       --mode upsert --keys A,B\n"
         "  --ordered                ordered bulk writes (default: unordered)\n"
         "  --write-concern W        majority or a number\n"
         "  --retry-for DURATION     keep retrying a batch's throttled or failed writes and\n"
         "                           reads this long from its first failure (500ms, 90s,\n"
         "                           10m, 1h; 0: no retries; default 10m)\n"
         "  --filter JSON            source filter (Extended JSON)\n"
         "  --projection JSON        source projection (Extended JSON)\n"
         "  --copy-indexes WHEN      copy the source's indexes to the target: before | after\n"
         "  --verify                 after the run, compare counts and sampled documents\n"
         "  --verify-only            check an earlier migration: the same checks, no load\n"
         "\n"
         "Documents that fail for good (a transform that raises, a server's rejection):\n"
         "  --dead-letter FILE       where they go, one JSON object a line (default:\n"
         "                           OUT.dead.jsonl beside a file target, else\n"
         "                           DB.COLLECTION.dead.jsonl here); created by the first\n"
         "  --max-errors N|P%        go on past up to N of them (or P% of the documents\n"
         "                           read) and exit 0; more stop the run. Default: go on to\n"
         "                           the end, then fail (exit 1) if there were any\n"
         "  --stopOnError            stop at the first (--max-errors 0)\n"
         "  --dead-letter-duplicates insert mode: a duplicate key fails too (default: counted\n"
         "                           as a duplicate, not an error)\n"
         "Checkpoints (file and MongoDB targets keep one unless --no-checkpoint):\n"
         "  --resume                 go on from the checkpoint of an interrupted or failed run\n"
         "                           of the same strategy, input, target, seed and total\n"
         "  --checkpoint FILE        where the checkpoint is kept (default: OUTPUT.checkpoint.json\n"
         "                           beside a file output, asrun-DB.COLL.checkpoint.json here\n"
         "                           for a MongoDB target)\n"
         "  --checkpoint-every S     seconds between checkpoints (default 5; more\n"
         "                           when one is slow)\n"
         "  --no-checkpoint          keep none\n"
         "\n"
         "Run history (every run but a dry run is recorded; see asrun history --help):\n"
         "  --history FILE           the history database (default:\n"
         "                           $XDG_STATE_HOME/asrun/history.sqlite, else\n"
         "                           ~/.local/state/asrun/history.sqlite)\n"
         "  --no-history             do not record this run\n"
         "  --start-from-history     start at the workers and batch size `asrun recommend`\n"
         "                           suggests from this strategy's past runs (--workers and\n"
         "                           --batch-size win)\n"
         "\n"
         "Throughput:\n"
         "  --workers N              worker threads (default: the CPUs it may use); also\n"
         "                           --numInsertionWorkers N (mongoimport's)\n"
         "  --batch-size N           documents per batch (default: 1000)\n"
         "  --queue-size N           batches buffered between source and workers\n"
         "  --instruction-budget N   Lua VM instructions per call of a transform, operator or\n"
         "                           hook (default " SPELL_VALUE(ASR_VM_DEFAULT_BUDGET_DIGITS)
         "; 0: no limit)\n"
         "\n"
         "Auto-scaling (on with --auto-scaling, --profile, or a strategy's scaling table):\n"
         "  --profile NAME           conservative | balanced (default) | aggressive, or a\n"
         "                           profile .lua file; turns auto-scaling on\n"
         "  --auto-scaling-profile NAME   same as --profile\n"
         "  --auto-scaling, --no-auto-scaling\n"
         "  --policy NAME|FILE       hill (default) | rules | aimd | gradient | usl | bulk_executor,\n"
         "                           or a policy .lua file\n"
         "  --min-workers N, --max-workers N, --min-batch-size N, --max-batch-size N\n"
         "  --check-interval S, --cooldown S\n"
         "  --scaling KEY=VALUE      any scaling setting (repeatable), e.g. target_cpu_usage=60;\n"
         "                           flags override the strategy, which overrides the\n"
         "                           AUTO_SCALING_* environment, which overrides the profile\n"
         "  --summary-json FILE      write the performance summary as JSON\n"
         "  --report FILE.html       write a self-contained HTML report: charts over time,\n"
         "                           the scaling decisions, the summary (also when the run\n"
         "                           fails or is interrupted)\n"
         "\n"
         "Other:\n"
         "  --dry-run                validate strategy, template and target; print the plan;\n"
         "                           write nothing\n"
         "  --log-format text|json   log lines for people or one JSON object a line\n"
         "  --metrics-listen ADDR:PORT  serve Prometheus metrics at /metrics and a JSON\n"
         "                           snapshot at /status while the run goes on (a bare\n"
         "                           PORT listens on 127.0.0.1; e.g. 127.0.0.1:9464)\n"
         "  -q, --quiet              errors only (and no progress)\n"
         "  -v, --verbose            debug logging\n"
         "  -h, --help               this help\n"
         "  -V, --version            print the version\n"
         "\n"
         "Exit codes: 0 success, 1 run failure (I/O, corrupt input, script error, documents\n"
         "            dead-lettered beyond --max-errors),\n"
         "            2 usage or configuration error, 130 interrupted (partial output kept as\n"
         "            PATH.partial).\n";
}

/* flag: as the message names it ("--workers", "-n"). */
static int parse_flag_count(const char *flag, const char *s, int64_t min, int64_t max,
                            int64_t *out, asr_err_t *err) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end || v < min || v > max)
    return asr_err_set(err, ASR_EINVAL, "%s: expected an integer in %lld..%lld, got '%s'", flag,
                       (long long)min, (long long)max, s);
  *out = v;
  return 0;
}

static int parse_count(const char *name, const char *s, int64_t min, int64_t max, int64_t *out,
                       asr_err_t *err) {
  char flag[64];
  snprintf(flag, sizeof flag, "--%s", name);
  return parse_flag_count(flag, s, min, max, out, err);
}

/* Built-in names are checked here; a .lua path is read by the config. */
static int parse_profile(const char *s, asr_options_t *cli, asr_err_t *err) {
  if (!asr_is_lua_file_name(s) && strcmp(s, "conservative") && strcmp(s, "balanced") && strcmp(s, "aggressive"))
    return asr_err_set(err, ASR_EINVAL, "--profile: unknown profile '%s' (conservative, balanced, "
                       "aggressive, or a profile .lua file)", s);
  cli->profile = s;
  return 0;
}

static int add_scaling(asr_options_t *cli, const char *key, size_t key_len, const char *value,
                       const char *flag, asr_err_t *err) {
  if (cli->nscaling >= ASR_OPTIONS_MAX_SCALING)
    return asr_err_set(err, ASR_EINVAL, "too many scaling settings (at most %d)", ASR_OPTIONS_MAX_SCALING);
  cli->scaling[cli->nscaling].key = key;
  cli->scaling[cli->nscaling].key_len = key_len;
  cli->scaling[cli->nscaling].value = value;
  cli->scaling[cli->nscaling].flag = flag;
  cli->nscaling++;
  return 0;
}

/* --scaling KEY=VALUE */
static int parse_scaling(const char *arg, asr_options_t *cli, asr_err_t *err) {
  const char *eq = strchr(arg, '=');
  if (!eq || eq == arg || !eq[1])
    return asr_err_set(err, ASR_EINVAL, "--scaling: expected KEY=VALUE (e.g. max_workers=16), "
                       "got '%s'", arg);
  return add_scaling(cli, arg, (size_t)(eq - arg), eq + 1, NULL, err);
}

/* The named scaling flags: the setting each sets, and the flag as messages name it. */
static const char *named_scaling_key(int opt, const char **flag) {
  switch (opt) {
  case OPT_SET_MIN_WORKERS: *flag = "--min-workers"; return "min_workers";
  case OPT_SET_MAX_WORKERS: *flag = "--max-workers"; return "max_workers";
  case OPT_SET_MIN_BATCH: *flag = "--min-batch-size"; return "min_batch_size";
  case OPT_SET_MAX_BATCH: *flag = "--max-batch-size"; return "max_batch_size";
  case OPT_SET_CHECK_INTERVAL: *flag = "--check-interval"; return "check_interval";
  case OPT_SET_COOLDOWN: *flag = "--cooldown"; return "cooldown";
  default: return NULL;
  }
}

static int set_once(const char **slot, const char *flag, const char *value, asr_err_t *err) {
  if (*slot && strcmp(*slot, value) != 0)
    return asr_err_set(err, ASR_EINVAL, "%s given twice ('%s' and '%s')", flag, *slot, value);
  *slot = value;
  return 0;
}

/* A count that more than one flag sets (--workers and mongoimport's --numInsertionWorkers):
 * one flag given again sets it again (the last wins, as always); two flags with two values
 * are refused naming both. */
static int parse_aliased_count(const char *flag, const char *s, int64_t min, int64_t max,
                               int64_t *out, const char **set_by, asr_err_t *err) {
  int64_t v = 0; /* set when parse_flag_count returns 0 */
  if (parse_flag_count(flag, s, min, max, &v, err)) return ASR_EINVAL;
  if (*set_by && strcmp(*set_by, flag) != 0 && *out != v) /* the same flag again: the last */
    return asr_err_set(err, ASR_EINVAL, "%s %lld and %s %lld: give one of them", *set_by,
                       (long long)*out, flag, (long long)v);
  *out = v;
  *set_by = flag;
  return 0;
}

/* --source and mongoimport's --file name the same thing: one of them (given again, the
 * last wins, as for every flag). */
static int set_source(asr_options_t *cli, const char *flag, const char *value, int is_file,
                      asr_err_t *err) {
  if (cli->source && cli->source_is_file != is_file)
    return asr_err_set(err, ASR_EINVAL, "%s '%s' and %s '%s': give one source",
                       cli->source_is_file ? "--file" : "--source", cli->source, flag, value);
  cli->source = value;
  cli->source_is_file = is_file;
  return 0;
}

/* --target and mongoimport's --uri name the same thing: one of them with one value (given
 * again, the last wins, as for every flag). */
static int set_target(asr_options_t *cli, const char *flag, const char *value, asr_err_t *err) {
  if (cli->target && strcmp(cli->target_flag, flag) != 0 && strcmp(cli->target, value) != 0) {
    char a[256], b[256]; /* a URI may hold a password */
    asr_redact_arg(cli->target, a, sizeof a);
    asr_redact_arg(value, b, sizeof b);
    return asr_err_set(err, ASR_EINVAL, "%s %s and %s %s: give one target", cli->target_flag, a,
                       flag, b);
  }
  cli->target = value;
  cli->target_flag = flag;
  return 0;
}

/* Flags that are only whole together, checked once every flag is read (in any order). */
static int check_combinations(asr_options_t *cli, asr_err_t *err) {
  if (cli->upsert_fields) {
    if (cli->mode && strcmp(cli->mode, "upsert") != 0)
      return asr_err_set(err, ASR_EINVAL, "--upsertFields %s is --mode upsert, and --mode %s is "
                         "given: give one of them", cli->upsert_fields, cli->mode);
    if (cli->keys && strcmp(cli->keys, cli->upsert_fields) != 0)
      return asr_err_set(err, ASR_EINVAL, "--upsertFields %s and --keys %s: give one of them "
                         "(--upsertFields A,B is --mode upsert --keys A,B)", cli->upsert_fields,
                         cli->keys);
    if (!*cli->upsert_fields)
      return asr_err_set(err, ASR_EINVAL, "--upsertFields: expected field names (A,B), got ''");
    cli->mode = "upsert";
    cli->keys = cli->upsert_fields;
  }
  if (cli->json_array && cli->type && strcmp(cli->type, "json") != 0)
    return asr_err_set(err, ASR_EINVAL, "--jsonArray reads a JSON array, and --type %s is "
                       "given: give --type json or no --type", cli->type);
  if (cli->json_array && !cli->source)
    return asr_err_set(err, ASR_EINVAL, "--jsonArray says the source file is a JSON array, and "
                       "no --file or --source is given (e.g. --file data.json --jsonArray)");
  if (cli->drop && cli->resume)
    return asr_err_set(err, ASR_EINVAL, "--drop and --resume: a resumed load goes on into the "
                       "documents already written, which --drop would delete; give one of them");
  if (cli->drop && cli->verify_only)
    return asr_err_set(err, ASR_EINVAL, "--drop and --verify-only: --verify-only checks what an "
                       "earlier load wrote, which --drop would delete; give one of them");
  return 0;
}

/* A positive number of seconds, from 10 ms to a day. */
static int parse_seconds(const char *flag, const char *s, double *out, asr_err_t *err) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end || !(v >= 0.01 && v <= 86400))
    return asr_err_set(err, ASR_EINVAL, "--%s: expected seconds from 0.01 to 86400, got '%s'",
                       flag, s);
  *out = v;
  return 0;
}

static int apply_option(int opt, const char *arg, asr_options_t *cli, asr_err_t *err) {
  const char *flag = NULL, *named = named_scaling_key(opt, &flag);
  if (named) return add_scaling(cli, named, strlen(named), arg, flag, err);
  switch (opt) {
  case OPT_SCALING: return parse_scaling(arg, cli, err);
  case OPT_POLICY: cli->policy = arg; return 0;
  case OPT_SUMMARY_JSON: cli->summary_json = arg; return 0;
  case OPT_REPORT: cli->report = arg; return 0;
  case OPT_DEAD_LETTER: cli->dead_letter = arg; return 0;
  case OPT_MAX_ERRORS: return set_once(&cli->max_errors, "--max-errors", arg, err);
  case OPT_STOP_ON_ERROR: cli->stop_on_error = 1; return 0;
  case OPT_DEAD_LETTER_DUPLICATES: cli->dead_letter_duplicates = 1; return 0;
  case OPT_STRATEGY: return set_once(&cli->strategy, "strategy", arg, err);
  case OPT_SOURCE: return set_source(cli, "--source", arg, 0, err);
  case OPT_FILE: return set_source(cli, "--file", arg, 1, err);
  case OPT_JSON_ARRAY: cli->json_array = 1; return 0;
  case OPT_TYPE:
    if (strcmp(arg, "jsonl") && strcmp(arg, "json") && strcmp(arg, "bson"))
      return asr_err_set(err, ASR_EINVAL, "--type: expected jsonl, json or bson, got '%s'", arg);
    return set_once(&cli->type, "--type", arg, err);
  case OPT_TARGET: return set_target(cli, "--target", arg, err);
  case OPT_URI: return set_target(cli, "--uri", arg, err);
  case OPT_DB: return set_once(&cli->db, "--db", arg, err);
  case OPT_DROP: cli->drop = 1; return 0;
  case OPT_UPSERT_FIELDS: return set_once(&cli->upsert_fields, "--upsertFields", arg, err);
  case OPT_MGODATAGEN_COLLECTION:
    return set_once(&cli->mgodatagen_collection, "--mgodatagen-collection", arg, err);
  case OPT_JSON_FORMAT: {
    asr_ejson_mode_t mode;
    if (asr_ejson_mode_parse(arg, &mode) != 0)
      return asr_err_set(err, ASR_EINVAL, "--json-format: expected relaxed or canonical, got '%s'",
                         arg);
    return set_once(&cli->json_format, "--json-format", arg, err);
  }
  case OPT_PROFILE:
  case OPT_AS_PROFILE: return parse_profile(arg, cli, err);
  case OPT_AUTO: cli->auto_scaling = 1; return 0;
  case OPT_NO_AUTO: cli->auto_scaling = 0; return 0;
  case OPT_WORKERS:
    return parse_aliased_count("--workers", arg, 1, ASR_MAX_WORKERS, &cli->workers,
                               &cli->workers_flag, err);
  case OPT_NUM_INSERTION_WORKERS:
    return parse_aliased_count("--numInsertionWorkers", arg, 1, ASR_MAX_WORKERS, &cli->workers,
                               &cli->workers_flag, err);
  case OPT_BATCH: return parse_count("batch-size", arg, 1, ASR_MAX_BATCH_SIZE, &cli->batch_size, err);
  case OPT_TOTAL:
    return parse_aliased_count("--total", arg, 0, INT64_MAX, &cli->total, &cli->total_flag, err);
  case OPT_NUMBER:
  case 'n':
    return parse_aliased_count(opt == 'n' ? "-n" : "--number", arg, 0, INT64_MAX, &cli->total,
                               &cli->total_flag, err);
  case OPT_SEED: return parse_count("seed", arg, 0, INT64_MAX, &cli->seed, err);
  case OPT_QUEUE: return parse_count("queue-size", arg, 1, 100000, &cli->queue_size, err);
  case OPT_BUDGET:
    return parse_count("instruction-budget", arg, 0, INT64_MAX, &cli->instruction_budget, err);
  case OPT_NOW: cli->now = arg; return 0;
  case OPT_MODE:
    if (strcmp(arg, "insert") && strcmp(arg, "upsert") && strcmp(arg, "merge") && strcmp(arg, "delete"))
      return asr_err_set(err, ASR_EINVAL, "--mode: expected insert, upsert, merge or delete, got '%s'", arg);
    cli->mode = arg;
    return 0;
  case OPT_KEYS: cli->keys = arg; return 0;
  case OPT_WRITE_CONCERN: cli->write_concern = arg; return 0;
  case OPT_ORDERED: cli->ordered = 1; return 0;
  case OPT_RETRY_FOR:
    if (asr_parse_duration_ms(arg, &cli->retry_for_ms) != 0)
      return asr_err_set(err, ASR_EINVAL, "--retry-for: expected a duration (" ASR_DURATION_FORMS
                         "; at most a week), got '%s'", arg);
    return 0;
  case OPT_FILTER: cli->filter = arg; return 0;
  case OPT_PROJECTION: cli->projection = arg; return 0;
  case OPT_COPY_INDEXES:
    if (strcmp(arg, "before") && strcmp(arg, "after"))
      return asr_err_set(err, ASR_EINVAL, "--copy-indexes: expected before or after, got '%s'", arg);
    cli->copy_indexes = arg;
    return 0;
  case OPT_VERIFY: cli->verify = 1; return 0;
  case OPT_VERIFY_ONLY: cli->verify_only = 1; return 0;
  case OPT_COLLECTION:
  case 'c': return set_once(&cli->collection, "--collection", arg, err);
  case 'd': return set_once(&cli->db, "--db", arg, err);
  case OPT_DRY_RUN: cli->dry_run = 1; return 0;
  case OPT_RESUME: cli->resume = 1; return 0;
  case OPT_CHECKPOINT: cli->checkpoint = arg; return 0;
  case OPT_NO_CHECKPOINT: cli->no_checkpoint = 1; return 0;
  case OPT_CHECKPOINT_EVERY: return parse_seconds("checkpoint-every", arg, &cli->checkpoint_every, err);
  case OPT_HISTORY: cli->history = arg; return 0;
  case OPT_NO_HISTORY: cli->no_history = 1; return 0;
  case OPT_START_FROM_HISTORY: cli->start_from_history = 1; return 0;
  case OPT_LOG_FORMAT:
    cli->log_format_set = 1;
    if (strcmp(arg, "text") == 0) cli->log_format = ASR_LOG_TEXT;
    else if (strcmp(arg, "json") == 0) cli->log_format = ASR_LOG_JSON;
    else return asr_err_set(err, ASR_EINVAL, "--log-format: expected text or json, got '%s'", arg);
    return 0;
  case OPT_METRICS_LISTEN: {
    char host[256], port[8];
    int rc = asr_endpoint_parse_address(arg, host, sizeof host, port, sizeof port, err);
    return rc ? rc : set_once(&cli->metrics_listen, "--metrics-listen", arg, err);
  }
  case 'q': cli->verbosity = -1; return 0;
  case 'v': cli->verbosity = 1; return 0;
  case 'h': cli->help = 1; return 0;
  case 'V': cli->version = 1; return 0;
  default: return asr_err_set(err, ASR_EINVAL, "internal: unhandled option %d", opt);
  }
}


/* An unknown long option, with the closest known one when a typo is likely. */
static int unknown_option(const char *bad, asr_err_t *err) {
  enum { MAX_NAMES = sizeof options / sizeof options[0] };
  const char *names[MAX_NAMES];
  size_t n = 0;
  for (const struct option *o = options; o->name; o++) names[n++] = o->name;
  char name[64];
  const char *given = strncmp(bad, "--", 2) == 0 ? bad + 2 : bad;
  snprintf(name, sizeof name, "%.*s", (int)strcspn(given, "="), given);
  size_t len = strlen(name);
  const char *near = asr_closest(name, names, n, len < 5 ? 1 : len < 10 ? 2 : 3);
  if (near) return asr_err_set(err, ASR_EINVAL, "unknown option '%s' (did you mean '--%s'?)", bad, near);
  return asr_err_set(err, ASR_EINVAL, "unknown option '%s'", bad);
}
int asr_cli_parse(int argc, char **argv, asr_options_t *cli, asr_err_t *err) {
  memset(cli, 0, sizeof *cli);
  cli->auto_scaling = -1;
  cli->workers = cli->batch_size = cli->total = cli->seed = cli->queue_size = -1;
  cli->instruction_budget = -1;
  cli->retry_for_ms = -1;
  optind = 0; /* GNU: re-initialise, so parse can run more than once (tests) */
  opterr = 0;
  int opt, rc = 0;
  /* "-" first: positionals come back as option 1 in place, so flags may follow the file. */
  while (rc == 0 && (opt = getopt_long(argc, argv, "-qvhV" SHORT_OPTIONS, options, NULL)) != -1) {
    if (opt == 1) {
      rc = set_once(&cli->strategy, "strategy", optarg, err);
    } else if (opt == '?') {
      const char *bad = argv[optind - 1];
      const char *eq = strncmp(bad, "--", 2) == 0 ? strchr(bad, '=') : NULL;
      if (optopt >= 256)
        rc = asr_err_set(err, ASR_EINVAL, "option '%s' needs a value", bad);
      else if (optopt && strchr(SHORT_WITH_VALUE, optopt))
        rc = asr_err_set(err, ASR_EINVAL, "option '-%c' needs a value", optopt);
      else if (optopt && eq) /* "--help=all": a flag given a value */
        rc = asr_err_set(err, ASR_EINVAL, "option '%.*s' takes no value", (int)(eq - bad), bad);
      else if (optopt)
        rc = asr_err_set(err, ASR_EINVAL, "unknown option '-%c'", optopt);
      else
        rc = unknown_option(bad, err);
    } else {
      rc = apply_option(opt, optarg, cli, err);
    }
  }
  for (; rc == 0 && optind < argc; optind++) /* after "--" */
    rc = set_once(&cli->strategy, "strategy", argv[optind], err);
  return rc ? rc : check_combinations(cli, err);
}
