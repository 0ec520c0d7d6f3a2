/* The database checks around a MongoDB load: --copy-indexes (before or after) and --verify /
 * --verify-only (count, then sampled documents compared by _id, through the strategy's
 * transform on the main thread). The libmongoc side is mongo/checks.h. */
#ifndef ASR_RUNTIME_DB_CHECKS_H
#define ASR_RUNTIME_DB_CHECKS_H

#include <stdint.h>

#include "core/error.h"
#include "lua/strategy.h"
#include "runtime/config.h"

/* --drop: drops the MongoDB target's collection (0 when cfg->drop is off). */
int asr_db_checks_drop(const asr_config_t *cfg, asr_err_t *err);
/* --copy-indexes: from the MongoDB source to the MongoDB target. */
int asr_db_checks_copy_indexes(const asr_config_t *cfg, asr_err_t *err);
/* --verify: expected documents in the target (< 0: counted from the source, --verify-only);
 * prints "Verify: ok ..." unless quiet. ASR_EIO with the first problem when it fails. */
int asr_db_checks_verify(const asr_config_t *cfg, asr_strategy_t *strategy, int64_t expected,
                         int quiet, asr_err_t *err);
/* Before anything runs: the checks' configuration (a MongoDB source and target for
 * --copy-indexes). 0 or ASR_EINVAL. */
int asr_db_checks_check_config(const asr_config_t *cfg, asr_err_t *err);
/* After a complete load of `written` documents: --copy-indexes after, then --verify. */
int asr_db_checks_after_load(const asr_config_t *cfg, asr_strategy_t *strategy, uint64_t written,
                             int quiet, asr_err_t *err);

#endif
