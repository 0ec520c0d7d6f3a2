/* The built-in operators: every group of rows, in one list. A file that adds operators
 * defines its group (node.h) and gets one line here; test_template_ops checks that no name
 * appears twice. Lookups happen at compile time only, so a scan is enough. */
#include <string.h>

#include "template/node.h"

static const asr_tpl_op_group_t *const groups[] = {
    &asr_tpl_ops_core,
    &asr_tpl_ops_people, &asr_tpl_ops_finance,
    &asr_tpl_ops_web, &asr_tpl_ops_places, &asr_tpl_ops_time, &asr_tpl_ops_misc,
};
#define NGROUPS (sizeof groups / sizeof groups[0])

size_t asr_tpl_op_count(void) {
  size_t n = 0;
  for (size_t g = 0; g < NGROUPS; g++) n += groups[g]->n;
  return n;
}

const asr_tpl_op_t *asr_tpl_op_at(size_t i) {
  for (size_t g = 0; g < NGROUPS; g++) {
    if (i < groups[g]->n) return &groups[g]->ops[i];
    i -= groups[g]->n;
  }
  return NULL;
}

const asr_tpl_op_t *asr_tpl_op_find(const char *name) {
  for (size_t g = 0; g < NGROUPS; g++)
    for (size_t i = 0; i < groups[g]->n; i++)
      if (strcmp(groups[g]->ops[i].name, name) == 0) return &groups[g]->ops[i];
  return NULL;
}

int asr_template_is_operator(const char *name) { return asr_tpl_op_find(name) != NULL; }
