/* The limits every layer checks against, written once: the pipeline enforces them, the
 * configuration, the scaler's settings and on_tick's controls report them in messages. */
#ifndef ASR_CORE_LIMITS_H
#define ASR_CORE_LIMITS_H

#define ASR_MAX_WORKERS 1024u        /* worker threads in one pool */
#define ASR_MAX_BATCH_SIZE 1000000u  /* documents in one batch */
#define ASR_DEFAULT_BATCH_SIZE 1000u /* a run's batch size when nothing sets it (and the lab's) */
/* MongoDB's largest document (maxBsonObjectSize); mongoimport and mongorestore refuse bigger
 * ones, so every target does */
#define ASR_BSON_MAX_DOC_SIZE 16777216u

#endif
