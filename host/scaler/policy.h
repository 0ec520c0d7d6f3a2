/* A scaling policy as the controller sees it: something that answers decide(snapshot) with a
 * proposal, once per check interval. The controller knows nothing of how a policy is written:
 * the Lua policy runner (lua/policy.c) implements this interface for the built-in policies,
 * policy files and strategy tables; the policy lab and the tests can drive the same
 * controller and gate with any other implementation. The snapshot carries the time (snap->t),
 * so a policy and the gate read no clock of their own. */
#ifndef ASR_SCALER_POLICY_H
#define ASR_SCALER_POLICY_H

#include "core/error.h"
#include "metrics/metrics.h"
#include "scaler/gate.h"

typedef struct asr_policy asr_policy_t;

typedef struct asr_policy_vt {
  /* One call: appends snap to the policy's history and decides. Returns 0 with *out filled,
   * or ASR_ESCRIPT (raised, over budget, not a decision: the message says what was wrong),
   * ASR_ENOMEM. The controller holds and warns on failure; it never fails the run. */
  int (*decide)(asr_policy_t *p, const asr_metrics_snapshot_t *snap, asr_decision_t *out,
                asr_err_t *err);
  /* Replaces the policy with the built-in default with a fresh state, keeping the history
   * (the controller's fallback after repeated failures). */
  int (*use_default)(asr_policy_t *p, asr_err_t *err);
  const char *(*name)(const asr_policy_t *p);
  void (*close)(asr_policy_t *p);
} asr_policy_vt_t;

/* Implementations embed this first. */
struct asr_policy {
  const asr_policy_vt_t *vt;
};

static inline int asr_policy_decide(asr_policy_t *p, const asr_metrics_snapshot_t *snap,
                                    asr_decision_t *out, asr_err_t *err) {
  return p->vt->decide(p, snap, out, err);
}
static inline int asr_policy_use_default(asr_policy_t *p, asr_err_t *err) {
  return p->vt->use_default(p, err);
}
static inline const char *asr_policy_name(const asr_policy_t *p) { return p->vt->name(p); }
static inline void asr_policy_close(asr_policy_t *p) {
  if (p) p->vt->close(p);
}

#endif
