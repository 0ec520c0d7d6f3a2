/* Which files a run writes, and whether that is safe, checked before anything runs: standard
 * output set aside for the documents, every file of the run distinct from the others, the
 * dead letters' file (--dead-letter, else a default beside the output), and the directories
 * of what is written at the end (--summary-json, --report, the dead letters). */
#ifndef ASR_RUNTIME_OUTPUTS_H
#define ASR_RUNTIME_OUTPUTS_H

#include "core/error.h"
#include "runtime/config.h"
#include "runtime/options.h"
#include "sinks/dead_letter.h"
#include "sinks/sink.h"

/* Documents to standard output (target "-"): from here on everything else printed to stdout
 * (the plan, the summary, Lua's print) goes to stderr (util/stdout_data.h). 0 for any other
 * target, or ASR_EIO. */
int asr_outputs_claim_stdout(const char *target, asr_err_t *err);
/* Every file the run reads or writes (strategy_path and checkpoint may be NULL), refused when
 * two name the same file: 0 or ASR_EINVAL. */
int asr_outputs_check_distinct_files(const asr_config_t *cfg, const asr_options_t *cli,
                                     const char *strategy_path, const char *checkpoint,
                                     asr_err_t *err);
/* Sets cfg->dead_letter to the default for the open sink when --dead-letter did not name it,
 * and hands it to the dead letters. 0, ASR_ENOMEM or the dead letters' error. */
int asr_outputs_resolve_dead_letter(asr_config_t *cfg, const asr_sink_t *sink,
                                    asr_dead_letter_t *dl, asr_err_t *err);
/* The directories of --summary-json, --report and (unless a dry run) the dead letters must be
 * writable; the default dead letters' only matters if a document fails (a warning).
 * 0 or ASR_EINVAL. */
int asr_outputs_check_dirs(const asr_config_t *cfg, const asr_options_t *cli, asr_err_t *err);

#endif
