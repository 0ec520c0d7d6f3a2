/* Parsing `asrun lab` options with getopt_long (lab_args.h). */
#include "cli/lab_args.h"

#include <getopt.h>
#include <string.h>

static const struct option lab_options[] = {
    {"scenario", required_argument, NULL, 's'}, {"policy", required_argument, NULL, 'p'},
    {"profile", required_argument, NULL, 'P'},  {"json", required_argument, NULL, 'j'},
    {"csv", required_argument, NULL, 'c'},      {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
};

const char *asr_lab_cli_usage(void) {
  return "Usage: asrun lab [--scenario NAME|FILE.lua]... [--policy NAME|FILE.lua]...\n"
         "                 [--profile NAME|FILE.lua] [--json FILE] [--csv DIR] [-v]\n"
         "Runs auto-scaling policies against simulated databases in virtual time: a 30-minute\n"
         "scenario takes seconds and gives the same figures every time (docs/policy-lab.md).\n"
         "  --scenario  a shipped scenario's name or a scenario file (repeatable; default: all)\n"
         "  --policy    a built-in policy's name or a policy file (repeatable; default: all)\n"
         "  --profile   the scaling profile whose settings and limits apply (default balanced)\n"
         "  --json      write the figures as JSON\n"
         "  --csv       write one CSV per run (one row per check interval) into DIR\n"
         "  -v          also log every scaling decision\n";
}

static int add_item(const char **items, size_t *n, const char *v, const char *what,
                    asr_err_t *err) {
  if (*n >= ASR_LAB_MAX_ITEMS)
    return asr_err_set(err, ASR_EINVAL, "at most %d --%s options", ASR_LAB_MAX_ITEMS, what);
  items[(*n)++] = v;
  return 0;
}

int asr_lab_cli_parse(int argc, char **argv, asr_lab_cli_t *out, asr_err_t *err) {
  memset(out, 0, sizeof *out);
  asr_lab_options_t *o = &out->lab;
  optind = 1;
  opterr = 0;
  int c, rc = 0;
  while (rc == 0 && (c = getopt_long(argc, argv, ":vh", lab_options, NULL)) != -1) {
    switch (c) {
    case 's': rc = add_item(o->scenarios, &o->nscenarios, optarg, "scenario", err); break;
    case 'p': rc = add_item(o->policies, &o->npolicies, optarg, "policy", err); break;
    case 'P': o->profile = optarg; break;
    case 'j': o->json_path = optarg; break;
    case 'c': o->csv_dir = optarg; break;
    case 'v': out->verbose = 1; break;
    case 'h': out->help = 1; break;
    case ':': rc = asr_err_set(err, ASR_EINVAL, "lab: option %s needs a value", argv[optind - 1]); break;
    default: rc = asr_err_set(err, ASR_EINVAL, "lab: unknown option %s", argv[optind - 1]); break;
    }
  }
  if (rc == 0 && optind < argc)
    rc = asr_err_set(err, ASR_EINVAL, "lab: unexpected argument '%s'", argv[optind]);
  return rc;
}
