/* asrun.fields as a pipeline stage: the field operations (pipeline/fields.h) on each
 * document's bytes, in C, then optionally another transform (the strategy's Lua function
 * given as `after`) on what they made. A document the operations cannot rewrite goes to the
 * dead letters (reason "transform", the input document) and the batch goes on; without dead
 * letters it fails the batch, naming the document's stream index. */
#ifndef ASR_PIPELINE_FIELDS_TRANSFORM_H
#define ASR_PIPELINE_FIELDS_TRANSFORM_H

#include "pipeline/fields.h"
#include "pipeline/transform.h"
#include "sinks/dead_letter.h"

typedef struct asr_fields_stage {
  const asr_fields_t *fields;          /* borrowed: outlives the run */
  asr_dead_letter_t *dead_letter;      /* NULL: a failing document fails the batch */
  const asr_transform_factory_t *then; /* NULL, or the transform applied after (its ud its own) */
} asr_fields_stage_t;

/* Fills f for the stage (borrowed: must outlive the run). */
void asr_fields_transform_factory(asr_transform_factory_t *f, const asr_fields_stage_t *stage);

#endif
