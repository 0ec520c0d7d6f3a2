/* The database checks around a MongoDB load: --copy-indexes (before or after) and --verify /
 * --verify-only (count, then sampled documents compared by _id, through the strategy's
 * transform on the main thread). The libmongoc side is mongo/checks.h. */
#ifndef ASR_RUNTIME_DB_CHECKS_H
#define ASR_RUNTIME_DB_CHECKS_H

#include <stdint.h>

#include "core/error.h"
#include "lua/strategy.h"
#include "runtime/config.h"

/* Before the load, after the plan: --drop (drops the MongoDB target's collection); then, for an insert-mode load into a MongoDB
 * collection without --drop that does not resume (resumed 0), how many documents the
 * collection holds: when any, a warning (logged now, kept in cfg->target_warning for the
 * summary) that says how many, and why this run may insert copies beside them (a new random
 * seed that the _ids follow, or a template's _id that follows the clock without --now:
 * id_depends, the source's ASR_TPL_FIELD_* for "_id") or counts them as duplicates, with how
 * to repeat a run exactly (--seed, --now) or replace (--mode upsert, --drop). A count that
 * fails is logged and the load goes on. 0, or --drop's failure. */
int asr_db_checks_before_load(asr_config_t *cfg, int resumed, int id_depends, asr_err_t *err);
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
