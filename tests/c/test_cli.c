/* Command-line parsing: every flag, the brief's spellings, and clear errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "runtime/config.h"

#define PARSE(cli, err, ...)                                                   \
  ({                                                                           \
    char *argv_[] = {"asrun", __VA_ARGS__, NULL};                              \
    asr_err_clear(&(err));                                                     \
    asr_cli_parse((int)(sizeof argv_ / sizeof argv_[0]) - 1, argv_, &(cli), &(err)); \
  })

static void test_all_flags(void **state) {
  asr_options_t c;
  asr_err_t e;
  assert_int_equal(PARSE(c, e, "s.lua", "--profile", "aggressive", "--auto-scaling", "--workers",
                         "8", "--batch-size=5000", "--total", "1000000", "--target", "null:",
                         "--seed", "42", "--dry-run", "--log-format", "json", "-v", "--queue-size", "9"), 0);
  assert_string_equal(c.strategy, "s.lua");
  assert_string_equal(c.profile, "aggressive");
  assert_int_equal(c.auto_scaling, 1);
  assert_int_equal(c.workers, 8);
  assert_int_equal(c.batch_size, 5000);
  assert_int_equal(c.total, 1000000);
  assert_string_equal(c.target, "null:");
  assert_int_equal(c.seed, 42);
  assert_int_equal(c.dry_run, 1);
  assert_int_equal(c.log_format, ASR_LOG_JSON);
  assert_int_equal(c.verbosity, 1);
  assert_int_equal(c.queue_size, 9);
}

static void test_brief_spellings(void **state) {
  asr_options_t c;
  asr_err_t e;
  assert_int_equal(PARSE(c, e, "--strategy", "x.lua", "--auto-scaling", "--auto-scaling-profile",
                         "conservative"), 0);
  assert_string_equal(c.strategy, "x.lua");
  assert_string_equal(c.profile, "conservative");
  assert_int_equal(PARSE(c, e, "--source", "t.json", "--total", "1000", "--no-auto-scaling", "-q"), 0);
  assert_string_equal(c.source, "t.json");
  assert_null(c.strategy);
  assert_int_equal(c.auto_scaling, 0);
  assert_int_equal(c.verbosity, -1);
  assert_int_equal(c.workers, -1); /* unset stays -1 */
}

/* Scaling settings keep command-line order: the config applies them in turn. */
static void test_scaling_flags(void **state) {
  asr_options_t c;
  asr_err_t e;
  assert_int_equal(PARSE(c, e, "s.lua", "--max-workers", "16", "--scaling", "target_cpu_usage=60",
                         "--cooldown", "5", "--min-workers=2", "--min-batch-size", "100",
                         "--max-batch-size", "900", "--check-interval", "0.5", "--policy", "usl",
                         "--summary-json", "out/s.json", "--profile", "my/profile.lua"), 0);
  assert_int_equal(c.nscaling, 7);
  const char *want[][2] = {{"max_workers", "16"}, {"target_cpu_usage", "60"}, {"cooldown", "5"},
                           {"min_workers", "2"}, {"min_batch_size", "100"},
                           {"max_batch_size", "900"}, {"check_interval", "0.5"}};
  for (int i = 0; i < 7; i++) {
    assert_int_equal(c.scaling[i].key_len, strlen(want[i][0]));
    assert_memory_equal(c.scaling[i].key, want[i][0], c.scaling[i].key_len);
    assert_string_equal(c.scaling[i].value, want[i][1]);
  }
  /* a named flag is kept for messages naming the layer; --scaling has none */
  assert_string_equal(c.scaling[0].flag, "--max-workers");
  assert_null(c.scaling[1].flag);
  assert_string_equal(c.scaling[3].flag, "--min-workers");
  assert_string_equal(c.policy, "usl");
  assert_string_equal(c.summary_json, "out/s.json");
  assert_string_equal(c.profile, "my/profile.lua");
}

/* --retry-for: a duration in any of the usual forms; unset stays -1; errors name the flag. */
static void test_retry_for(void **state) {
  asr_options_t c;
  asr_err_t e;
  assert_int_equal(PARSE(c, e, "s.lua"), 0);
  assert_int_equal(c.retry_for_ms, -1);
  const char *forms[][2] = {{"90s", "90000"}, {"10m", "600000"}, {"1h", "3600000"},
                            {"500ms", "500"}, {"45", "45000"}, {"0", "0"}};
  for (int i = 0; i < 6; i++) {
    assert_int_equal(PARSE(c, e, "s.lua", "--retry-for", (char *)forms[i][0]), 0);
    assert_int_equal(c.retry_for_ms, atoll(forms[i][1]));
  }
  assert_int_equal(PARSE(c, e, "s.lua", "--retry-for", "10 minutes"), ASR_EINVAL);
  assert_string_equal(e.msg, "--retry-for: expected a duration (500ms, 90s, 10m, 1h or a number "
                             "of seconds; at most a week), got '10 minutes'");
  assert_int_equal(PARSE(c, e, "s.lua", "--retry-for=-1s"), ASR_EINVAL);
  assert_non_null(strstr(e.msg, "--retry-for: expected a duration"));
}

static void test_errors_name_the_flag(void **state) {
  asr_options_t c;
  asr_err_t e;
  assert_int_equal(PARSE(c, e, "s.lua", "--wrokers", "3"), ASR_EINVAL);
  assert_string_equal(e.msg, "unknown option '--wrokers' (did you mean '--workers'?)");
  assert_int_equal(PARSE(c, e, "s.lua", "--profle=fast"), ASR_EINVAL);
  assert_string_equal(e.msg, "unknown option '--profle=fast' (did you mean '--profile'?)");
  assert_int_equal(PARSE(c, e, "s.lua", "--frobnicate"), ASR_EINVAL);
  assert_string_equal(e.msg, "unknown option '--frobnicate'");
  assert_int_equal(PARSE(c, e, "s.lua", "--workers", "abc"), ASR_EINVAL);
  assert_string_equal(e.msg, "--workers: expected an integer in 1..1024, got 'abc'");
  assert_int_equal(PARSE(c, e, "s.lua", "--workers", "0"), ASR_EINVAL);
  assert_int_equal(PARSE(c, e, "s.lua", "--batch-size", "-5"), ASR_EINVAL);
  assert_string_equal(e.msg, "--batch-size: expected an integer in 1..1000000, got '-5'");
  assert_int_equal(PARSE(c, e, "s.lua", "--profile", "turbo"), ASR_EINVAL);
  assert_string_equal(e.msg, "--profile: unknown profile 'turbo' (conservative, balanced, "
                             "aggressive, or a profile .lua file)");
  assert_int_equal(PARSE(c, e, "s.lua", "--scaling", "max_workers"), ASR_EINVAL);
  assert_string_equal(e.msg, "--scaling: expected KEY=VALUE (e.g. max_workers=16), got 'max_workers'");
  assert_int_equal(PARSE(c, e, "s.lua", "--scaling", "=3"), ASR_EINVAL);
  assert_int_equal(PARSE(c, e, "s.lua", "--log-format", "xml"), ASR_EINVAL);
  assert_int_equal(PARSE(c, e, "s.lua", "--total"), ASR_EINVAL);
  assert_string_equal(e.msg, "option '--total' needs a value");
  assert_int_equal(PARSE(c, e, "s.lua", "-x"), ASR_EINVAL);
  assert_string_equal(e.msg, "unknown option '-x'");
  assert_int_equal(PARSE(c, e, "--help=all"), ASR_EINVAL); /* not "unknown option '-h'" */
  assert_string_equal(e.msg, "option '--help' takes no value");
  assert_int_equal(PARSE(c, e, "s.lua", "--quiet=yes"), ASR_EINVAL);
  assert_string_equal(e.msg, "option '--quiet' takes no value");
  assert_int_equal(PARSE(c, e, "a.lua", "b.lua"), ASR_EINVAL);
  assert_string_equal(e.msg, "strategy given twice ('a.lua' and 'b.lua')");
}

/* --type: mongoimport's values only; the source and target "-" pass as they are. */
static void test_type_and_stdout(void **state) {
  asr_options_t c;
  asr_err_t e;
  assert_int_equal(PARSE(c, e, "--source", "-", "--type", "bson", "--target", "-"), 0);
  assert_string_equal(c.type, "bson");
  assert_string_equal(c.source, "-");
  assert_string_equal(c.target, "-");
  assert_int_equal(PARSE(c, e, "--source", "-", "--type", "csv"), ASR_EINVAL);
  assert_string_equal(e.msg, "--type: expected jsonl, json or bson, got 'csv'");
  assert_int_equal(PARSE(c, e, "--source", "-", "--type", "json", "--type", "bson"), ASR_EINVAL);
  assert_string_equal(e.msg, "--type given twice ('json' and 'bson')");
}

/* --json-format relaxed|canonical, also as mongoexport spells it; unset stays NULL (the config
 * then takes the strategy's target.json_format, else relaxed). */
static void test_json_format(void **state) {
  asr_options_t c;
  asr_err_t e;
  assert_int_equal(PARSE(c, e, "s.lua"), 0);
  assert_null(c.json_format);
  assert_int_equal(PARSE(c, e, "s.lua", "--json-format", "canonical"), 0);
  assert_string_equal(c.json_format, "canonical");
  assert_int_equal(PARSE(c, e, "s.lua", "--jsonFormat=relaxed"), 0);
  assert_string_equal(c.json_format, "relaxed");
  assert_int_equal(PARSE(c, e, "s.lua", "--json-format", "canonical", "--jsonFormat", "canonical"), 0);
  assert_int_equal(PARSE(c, e, "s.lua", "--json-format", "Canonical"), ASR_EINVAL);
  assert_string_equal(e.msg, "--json-format: expected relaxed or canonical, got 'Canonical'");
  assert_int_equal(PARSE(c, e, "s.lua", "--json-format", "relaxed", "--jsonFormat", "canonical"),
                   ASR_EINVAL);
  assert_string_equal(e.msg, "--json-format given twice ('relaxed' and 'canonical')");
  assert_int_equal(PARSE(c, e, "s.lua", "--json-format"), ASR_EINVAL);
  assert_string_equal(e.msg, "option '--json-format' needs a value");
}


/* mongoimport's flags: the same settings as asrun's own, under mongoimport's names. */
static void test_mongoimport_aliases(void **state) {
  asr_options_t c;
  asr_err_t e;
  assert_int_equal(PARSE(c, e, "--file", "data.json", "--uri", "mongodb://h:1/", "--db", "shop",
                         "--collection", "orders", "--drop", "--upsertFields", "sku,store",
                         "--numInsertionWorkers", "6", "--jsonArray"), 0);
  assert_string_equal(c.source, "data.json");
  assert_int_equal(c.source_is_file, 1);
  assert_string_equal(c.target, "mongodb://h:1/");
  assert_string_equal(c.target_flag, "--uri");
  assert_string_equal(c.db, "shop");
  assert_string_equal(c.collection, "orders");
  assert_int_equal(c.drop, 1);
  assert_string_equal(c.mode, "upsert");
  assert_string_equal(c.keys, "sku,store");
  assert_int_equal(c.workers, 6);
  assert_int_equal(c.json_array, 1);
  assert_null(c.mgodatagen_collection);
  /* the short forms: -d, -c (mongoimport), -n (mgeneratejs), and --number */
  assert_int_equal(PARSE(c, e, "--source", "t.json", "-n", "25", "-d", "db1", "-c", "c1"), 0);
  assert_int_equal(c.total, 25);
  assert_string_equal(c.db, "db1");
  assert_string_equal(c.collection, "c1");
  assert_int_equal(PARSE(c, e, "--source", "t.json", "-n25"), 0);
  assert_int_equal(c.total, 25);
  assert_int_equal(PARSE(c, e, "--source", "t.json", "--number", "7"), 0);
  assert_int_equal(c.total, 7);
  assert_int_equal(PARSE(c, e, "--source", "m.json", "--mgodatagen-collection", "orders"), 0);
  assert_string_equal(c.mgodatagen_collection, "orders");
  assert_null(c.collection);
  /* the same value under both names is fine */
  assert_int_equal(PARSE(c, e, "s.lua", "--workers", "4", "--numInsertionWorkers", "4",
                         "--total", "9", "-n", "9", "--target", "null:", "--uri", "null:"), 0);
  assert_int_equal(c.workers, 4);
  assert_int_equal(c.total, 9);
  /* one flag given again: the last wins, as for every flag */
  assert_int_equal(PARSE(c, e, "s.lua", "--workers", "2", "--workers", "3", "-n", "1", "-n", "2"), 0);
  assert_int_equal(c.workers, 3);
  assert_int_equal(c.total, 2);
  assert_int_equal(PARSE(c, e, "--source", "a.jsonl", "--source", "b.jsonl", "--target", "null:",
                         "--target", "-"), 0);
  assert_string_equal(c.source, "b.jsonl");
  assert_string_equal(c.target, "-");
  assert_int_equal(PARSE(c, e, "s.lua", "--upsertFields", "a", "--mode", "upsert", "--keys", "a"), 0);
  assert_string_equal(c.keys, "a");
}

/* Two names for one setting with two values, and flags that contradict, are refused. */
static void test_alias_conflicts(void **state) {
  asr_options_t c;
  asr_err_t e;
  assert_int_equal(PARSE(c, e, "s.lua", "--workers", "4", "--numInsertionWorkers", "8"), ASR_EINVAL);
  assert_string_equal(e.msg, "--workers 4 and --numInsertionWorkers 8: give one of them");
  assert_int_equal(PARSE(c, e, "s.lua", "-n", "5", "--total", "6"), ASR_EINVAL);
  assert_string_equal(e.msg, "-n 5 and --total 6: give one of them");
  assert_int_equal(PARSE(c, e, "s.lua", "-n", "x"), ASR_EINVAL);
  assert_string_equal(e.msg, "-n: expected an integer in 0..9223372036854775807, got 'x'");
  assert_int_equal(PARSE(c, e, "s.lua", "--numInsertionWorkers", "0"), ASR_EINVAL);
  assert_string_equal(e.msg, "--numInsertionWorkers: expected an integer in 1..1024, got '0'");
  assert_int_equal(PARSE(c, e, "s.lua", "-d"), ASR_EINVAL);
  assert_string_equal(e.msg, "option '-d' needs a value");
  assert_int_equal(PARSE(c, e, "--target", "mongodb://u:secret@h/a.b", "--uri", "mongodb://h/c.d"),
                   ASR_EINVAL);
  assert_string_equal(e.msg, "--target mongodb://u:****@h/a.b and --uri mongodb://h/c.d: give one "
                             "target");
  assert_int_equal(PARSE(c, e, "--source", "a.jsonl", "--file", "b.json"), ASR_EINVAL);
  assert_string_equal(e.msg, "--source 'a.jsonl' and --file 'b.json': give one source");
  assert_int_equal(PARSE(c, e, "s.lua", "--db", "a", "-d", "b"), ASR_EINVAL);
  assert_string_equal(e.msg, "--db given twice ('a' and 'b')");
  assert_int_equal(PARSE(c, e, "s.lua", "--upsertFields", "sku", "--mode", "merge"), ASR_EINVAL);
  assert_string_equal(e.msg, "--upsertFields sku is --mode upsert, and --mode merge is given: give "
                             "one of them");
  assert_int_equal(PARSE(c, e, "s.lua", "--keys", "a", "--upsertFields", "b"), ASR_EINVAL);
  assert_string_equal(e.msg, "--upsertFields b and --keys a: give one of them (--upsertFields A,B "
                             "is --mode upsert --keys A,B)");
  assert_int_equal(PARSE(c, e, "--file", "d.json", "--jsonArray", "--type", "bson"), ASR_EINVAL);
  assert_string_equal(e.msg, "--jsonArray reads a JSON array, and --type bson is given: give "
                             "--type json or no --type");
  assert_int_equal(PARSE(c, e, "s.lua", "--jsonArray"), ASR_EINVAL);
  assert_non_null(strstr(e.msg, "no --file or --source is given"));
  assert_int_equal(PARSE(c, e, "s.lua", "--drop", "--resume"), ASR_EINVAL);
  assert_non_null(strstr(e.msg, "--drop and --resume: "));
  assert_int_equal(PARSE(c, e, "s.lua", "--drop", "--verify-only"), ASR_EINVAL);
  assert_non_null(strstr(e.msg, "--drop and --verify-only: "));
  assert_int_equal(PARSE(c, e, "s.lua", "--numInsertionWrokers", "3"), ASR_EINVAL);
  assert_string_equal(e.msg, "unknown option '--numInsertionWrokers' (did you mean "
                             "'--numInsertionWorkers'?)");
}

/* The configuration of the aliases: --db/--collection beside a URI without a path (a Cosmos
 * DB portal string), their conflicts with the path, a missing collection, the renamed
 * mgodatagen flag, --file as data, and the seed. */
static int build_cfg(asr_config_t *cfg, asr_err_t *err, int argc, char **argv) {
  asr_options_t cli;
  asr_err_clear(err);
  memset(cfg, 0, sizeof *cfg);
  int rc = asr_cli_parse(argc, argv, &cli, err);
  return rc ? rc : asr_config_build(&cli, NULL, cfg, err);
}

#define BUILD(cfg, err, ...)                                                   \
  ({                                                                           \
    char *argv_[] = {"asrun", __VA_ARGS__, NULL};                              \
    build_cfg(&(cfg), &(err), (int)(sizeof argv_ / sizeof argv_[0]) - 1, argv_); \
  })

#define PORTAL "mongodb://acct:KEY==@acct.mongo.cosmos.azure.com:10255/?ssl=true&replicaSet=" \
               "globaldb&retrywrites=false&maxIdleTimeMS=120000&appName=@acct@"

static void test_target_names(void **state) {
  asr_config_t cfg;
  asr_err_t e;
  char tpl[512];
  snprintf(tpl, sizeof tpl, "%s/templates/service_order.json", ASR_TEST_ROOT);
  assert_int_equal(BUILD(cfg, e, "--source", tpl, "--uri", PORTAL, "--db", "shop", "--collection",
                         "orders", "--dry-run"), 0);
  assert_string_equal(cfg.target, PORTAL); /* the query string kept as it is */
  assert_string_equal(cfg.target_database, "shop");
  assert_string_equal(cfg.target_collection, "orders");
  assert_int_equal(cfg.drop, 0);
  asr_config_free(&cfg);
  /* the same names in the path and the flags agree; the path alone is enough */
  assert_int_equal(BUILD(cfg, e, "--source", tpl, "--uri", "mongodb://h:1/shop.orders", "-d",
                         "shop", "-c", "orders", "--drop"), 0);
  assert_int_equal(cfg.drop, 1);
  asr_config_free(&cfg);
  assert_int_equal(BUILD(cfg, e, "--source", tpl, "--uri", "mongodb://h:1/shop", "-c", "orders"), 0);
  asr_config_free(&cfg);
  assert_int_equal(BUILD(cfg, e, "--source", tpl, "--uri", "mongodb://u:pw@h:1/shop.orders",
                         "--db", "sales"), ASR_EINVAL);
  assert_string_equal(e.msg, "--db sales and the database 'shop' in the URI's path "
                             "(mongodb://u:****@h:1/shop.orders): give one of them");
  asr_config_free(&cfg);
  assert_int_equal(BUILD(cfg, e, "--source", tpl, "--uri", "mongodb://h:1/shop.orders",
                         "--collection", "items"), ASR_EINVAL);
  assert_string_equal(e.msg, "--collection items and the collection 'orders' in the URI's path "
                             "(mongodb://h:1/shop.orders): give one of them");
  asr_config_free(&cfg);
  assert_int_equal(BUILD(cfg, e, "--source", tpl, "--uri", PORTAL, "--db", "shop"), ASR_EINVAL);
  assert_non_null(strstr(e.msg, "no collection name (give --collection NAME, put it in the URI "
                                "path as /database.collection, or set it in the strategy)"));
  assert_null(strstr(e.msg, "KEY==")); /* the key never shows */
  asr_config_free(&cfg);
  assert_int_equal(BUILD(cfg, e, "--source", tpl, "--uri", PORTAL, "-c", "orders"), ASR_EINVAL);
  assert_non_null(strstr(e.msg, "no database name (give --db NAME"));
  asr_config_free(&cfg);
  assert_int_equal(BUILD(cfg, e, "--source", tpl, "--collection", "orders"), ASR_EINVAL);
  assert_string_equal(e.msg, "--collection applies to a MongoDB target, and the target is "
                             "file:out/service_order.jsonl (the default): give --uri mongodb://HOST:PORT/ "
                             "(or --target) beside it");
  asr_config_free(&cfg);
  assert_int_equal(BUILD(cfg, e, "--source", tpl, "--drop", "--target", "null:"), ASR_EINVAL);
  assert_non_null(strstr(e.msg, "--drop applies to a MongoDB target, and the target is null:"));
  asr_config_free(&cfg);
}

static void test_mgodatagen_rename(void **state) {
  asr_config_t cfg;
  asr_err_t e;
  char src[512];
  snprintf(src, sizeof src, "mgodatagen:%s/mgodatagen/shop.json", ASR_TEST_FIXTURES);
  assert_int_equal(BUILD(cfg, e, "--source", src, "--collection", "orders"), ASR_EINVAL);
  assert_string_equal(e.msg, "--collection orders names the target collection (as mongoimport's "
                             "--collection); the collection of an mgodatagen config to generate "
                             "is --mgodatagen-collection orders");
  asr_config_free(&cfg);
  assert_int_equal(BUILD(cfg, e, "--source", src, "--mgodatagen-collection", "orders"), 0);
  assert_string_equal(cfg.source.collection, "orders");
  assert_string_equal(cfg.name, "orders");
  asr_config_free(&cfg);
  assert_int_equal(BUILD(cfg, e, "--source", "x.jsonl", "--mgodatagen-collection", "orders"),
                   ASR_EINVAL);
  assert_non_null(strstr(e.msg, "the source is no mgodatagen config"));
  asr_config_free(&cfg);
}

/* --file is data (mongoimport's json: documents one after another), never a template;
 * --jsonArray makes it one array. */
static void test_file_and_json_array(void **state) {
  asr_config_t cfg;
  asr_err_t e;
  assert_int_equal(BUILD(cfg, e, "--file", "data.json"), 0);
  assert_string_equal(cfg.source.kind, "json");
  assert_int_equal(cfg.source.json_documents, 1);
  asr_config_free(&cfg);
  assert_int_equal(BUILD(cfg, e, "--file", "data.json", "--jsonArray"), 0);
  assert_string_equal(cfg.source.kind, "json");
  assert_int_equal(cfg.source.json_documents, 0);
  asr_config_free(&cfg);
  assert_int_equal(BUILD(cfg, e, "--source", "-", "--jsonArray"), 0);
  assert_string_equal(cfg.source.kind, "json");
  assert_string_equal(cfg.source.path, "-");
  assert_int_equal(cfg.source.json_documents, 0);
  asr_config_free(&cfg);
  assert_int_equal(BUILD(cfg, e, "--source", "-", "--type", "json"), 0);
  assert_int_equal(cfg.source.json_documents, 1);
  asr_config_free(&cfg);
  assert_int_equal(BUILD(cfg, e, "--file", "dump.bson"), 0);
  assert_string_equal(cfg.source.kind, "bson");
  asr_config_free(&cfg);
  assert_int_equal(BUILD(cfg, e, "--file", "a.ndjson"), 0);
  assert_string_equal(cfg.source.kind, "jsonl");
  asr_config_free(&cfg);
  assert_int_equal(BUILD(cfg, e, "--source", "jsonl:x", "--jsonArray"), ASR_EINVAL);
  assert_string_equal(e.msg, "--jsonArray does not fit --source jsonl:x (give one of them)");
  asr_config_free(&cfg);
}

/* A generation without --seed: a fresh random seed per run (below 2^53), said to be random;
 * --seed pins it. */
static void test_seed(void **state) {
  asr_config_t a, b;
  asr_err_t e;
  assert_int_equal(BUILD(a, e, "--source", "t.json", "--total", "5"), 0);
  assert_int_equal(BUILD(b, e, "--source", "t.json", "--total", "5"), 0);
  assert_string_equal(a.source.kind, "template");
  assert_int_equal(a.seed_origin, ASR_SEED_RANDOM);
  assert_true(a.seed != b.seed); /* 1 in 2^53 to fail */
  assert_true(a.seed <= ASR_RANDOM_SEED_MASK && b.seed <= ASR_RANDOM_SEED_MASK);
  assert_true(a.source.seed == a.seed);
  asr_config_free(&a);
  asr_config_free(&b);
  assert_int_equal(BUILD(a, e, "--source", "t.json", "--total", "5", "--seed", "8731"), 0);
  assert_int_equal(a.seed_origin, ASR_SEED_GIVEN);
  assert_true(a.seed == 8731 && a.source.seed == 8731);
  asr_config_free(&a);
}

/* Two configs' seeds: equal (want_same) or not, both derived for a migration. */
static void expect_derived(asr_config_t *a, asr_config_t *b, int want_same) {
  assert_int_equal(a->seed_origin, ASR_SEED_DERIVED);
  assert_int_equal(b->seed_origin, ASR_SEED_DERIVED);
  assert_true(a->seed <= ASR_RANDOM_SEED_MASK && a->source.seed == a->seed);
  if (want_same) assert_true(a->seed == b->seed);
  else assert_true(a->seed != b->seed);
  asr_config_free(a);
  asr_config_free(b);
}

/* A migration without --seed: a seed derived from what it reads, so a re-run derives the same
 * _ids for the documents it gives one; the target, the host and the credentials of a MongoDB
 * source, and how a file's path is spelt do not change it; --seed still wins. */
static void test_migration_seed(void **state) {
  asr_config_t a, b;
  asr_err_t e;
  assert_int_equal(BUILD(a, e, "--source", "x.jsonl"), 0);
  assert_int_equal(BUILD(b, e, "--source", "x.jsonl", "--target", "mongodb://h/db.other"), 0);
  expect_derived(&a, &b, 1);
  assert_int_equal(BUILD(a, e, "--source", "x.jsonl"), 0);
  assert_int_equal(BUILD(b, e, "--source", "y.jsonl"), 0);
  expect_derived(&a, &b, 0);
  assert_int_equal(BUILD(a, e, "--source", "x.jsonl"), 0);
  assert_int_equal(BUILD(b, e, "--source", "bson:x.jsonl"), 0); /* another kind */
  expect_derived(&a, &b, 0);
  assert_int_equal(BUILD(a, e, "--source", "-"), 0);
  assert_int_equal(BUILD(b, e, "--source", "-"), 0);
  expect_derived(&a, &b, 1);
  /* a file by its real path */
  char file[512], other[512];
  snprintf(file, sizeof file, "%s/seed_source.jsonl", ASR_TEST_TMP);
  snprintf(other, sizeof other, "%s/./seed_source.jsonl", ASR_TEST_TMP);
  FILE *f = fopen(file, "w");
  assert_non_null(f);
  fclose(f);
  assert_int_equal(BUILD(a, e, "--source", file), 0);
  assert_int_equal(BUILD(b, e, "--source", other), 0);
  expect_derived(&a, &b, 1);
  remove(file);
  /* a collection by its database.collection */
  assert_int_equal(BUILD(a, e, "--source", "mongodb://u:secret@h1:27017/shop.orders"), 0);
  assert_int_equal(BUILD(b, e, "--source", "mongodb://h2/shop.orders?retryWrites=false"), 0);
  expect_derived(&a, &b, 1);
  assert_int_equal(BUILD(a, e, "--source", "mongodb://h1/shop.orders"), 0);
  assert_int_equal(BUILD(b, e, "--source", "mongodb://h1/shop.customers"), 0);
  expect_derived(&a, &b, 0);
  assert_int_equal(BUILD(a, e, "--source", "x.jsonl", "--seed", "12"), 0);
  assert_int_equal(a.seed_origin, ASR_SEED_GIVEN);
  assert_true(a.seed == 12 && a.source.seed == 12);
  asr_config_free(&a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_all_flags),
      cmocka_unit_test(test_brief_spellings),
      cmocka_unit_test(test_errors_name_the_flag),
      cmocka_unit_test(test_json_format),
      cmocka_unit_test(test_retry_for),
      cmocka_unit_test(test_scaling_flags),
      cmocka_unit_test(test_type_and_stdout),
      cmocka_unit_test(test_mongoimport_aliases),
      cmocka_unit_test(test_alias_conflicts),
      cmocka_unit_test(test_target_names),
      cmocka_unit_test(test_mgodatagen_rename),
      cmocka_unit_test(test_file_and_json_array),
      cmocka_unit_test(test_seed),
      cmocka_unit_test(test_migration_seed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
