/* Scenario files for the simulated database: scenarios/NAME.lua (or any .lua path) returning
 * a table (docs/policy-lab.md has the format), read into an asr_scenario_t
 * (simdb/scenario.h) on top of the documented defaults. Loaded like profiles: once, in a
 * throwaway sandboxed state, text only. Strict: an unknown key, a wrong type or a value out
 * of range is an error naming the file, the key path ("phases[2].db.ru_per_second") and
 * what the key wants. */
#ifndef ASR_LUA_SCENARIO_H
#define ASR_LUA_SCENARIO_H

#include "core/error.h"
#include "simdb/scenario.h"

/* The directory of the shipped scenarios: $ASRUN_SCENARIOS_DIR, else the installed ones
 * beside the binary, or the source tree's for a build (util/data_dir.h). */
const char *asr_scenario_dir(void);
/* Reads scenario `name_or_path` into out. A name is looked up as DIR/NAME.lua; anything with
 * a '/' or ending in ".lua" is a path. ASR_EINVAL for an unknown name (listing the shipped
 * ones), an unreadable file, a file that fails to run, or a bad table. The scenario's name is
 * its `name` key, else the file's name without ".lua". */
int asr_scenario_load(const char *name_or_path, asr_scenario_t *out, asr_err_t *err);
/* asr_scenario_load with the signature of the sim: sink's loader hook
 * (asr_sink_scenario_loader_fn in sinks/sink.h); ud is unused. */
int asr_scenario_loader(void *ud, const char *name_or_path, asr_scenario_t *out,
                        asr_err_t *err);
/* The shipped scenarios' names (the DIR/NAME.lua files), sorted, NULL-terminated; free with
 * asr_scenario_names_free. NULL when out of memory; an empty list when DIR cannot be read. */
char **asr_scenario_names(void);
void asr_scenario_names_free(char **names);

#endif
