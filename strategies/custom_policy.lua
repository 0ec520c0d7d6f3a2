-- Example: an auto-scaling policy of your own, written in the strategy.
--
--   asrun strategies/custom_policy.lua --auto-scaling --target null:
--
-- The policy's aim: keep the work queue short but never empty. The producer only frames batches
-- and the workers do the expensive part (generate or decode, transform, write), so a backlog in
-- the queue means the workers are the bottleneck: add one while CPU is below the profile's
-- target. An empty queue with idle workers means the source is the limit: drop one. And when
-- the p95 write latency doubles against its running baseline, the database is saturating:
-- drop one. Anything else: hold.
--
-- decide(snapshot, history, state) is called every check interval with the metrics of the
-- last interval (snapshot), the last 20 snapshots (history, oldest first) and a table kept
-- for the policy between calls (state; state.config holds the profile's targets and limits).
-- The decision passes the host's safety gate (limits, cooldown, stability) before it is
-- applied. Keys and meanings: docs/policies.md; an editor with a Lua language server
-- completes them from lua/asrun/meta/policy.lua (the ---@type line below). Its spec, run with
-- busted as a user would: strategies/custom_policy_spec.lua.
--
-- To use a built-in policy instead (rules is the default; also aimd, gradient, usl and
-- bulk_executor), name it and override its parameters:
--   scaling = { profile = "aggressive", policy = "aimd", params = { backoff_ratio = 0.5 } },

-- Exponential moving average weight of each new p95 sample in the baseline.
local ALPHA = 0.2

---@type asrun.Decide
local function keep_queue_fed(s, history, state)
  local cfg = state.config -- the host fills every setting of the run's profile
  local target_cpu = cfg.target_cpu_usage
  local min_workers = cfg.min_workers
  local cpu = s.cpu_percent or 0 -- asrun's own CPU (a share of the machine), as the built-ins read it
  local p95 = s.latency_p95_ms or 0
  local workers, depth, cap = s.workers or 0, s.queue_depth or 0, s.queue_capacity or 0

  -- The baseline follows p95 only while it is not doubling, so a slowdown stays visible.
  local base = state.p95_baseline
  if p95 > 0 and base and p95 >= 2 * base then
    return { action = "scale_down", add_workers = -1, confidence = 0.7,
             reason = string.format("Latency p95 doubled: %.0f ms (baseline %.0f ms)", p95, base) }
  end
  if p95 > 0 then state.p95_baseline = base and base + ALPHA * (p95 - base) or p95 end

  if cap > 0 and depth * 2 >= cap and cpu < target_cpu then
    return { action = "scale_up", add_workers = 1, confidence = 0.6,
             reason = string.format("Queue backlog %d of %d at %.0f%% CPU: adding a worker",
                                    depth, cap, cpu) }
  end
  if cap > 0 and depth == 0 and (s.in_flight or 0) < workers and workers > min_workers then
    return { action = "scale_down", add_workers = -1, confidence = 0.6,
             reason = string.format("Queue empty, %d of %d workers busy: the source is the limit",
                                    s.in_flight or 0, workers) }
  end
  return { action = "hold", confidence = 0.5,
           reason = string.format("Queue at %d of %d", depth, cap) }
end

return {
  name = "custom_policy",

  source = { kind = "template", path = "../templates/service_order.json" },
  total = 100000,
  seed = 1,

  workers = 2,
  batch_size = 1000,

  scaling = {
    profile = "balanced",
    policy = { name = "keep_queue_fed", decide = keep_queue_fed },
  },

  on_start = function(ctx)
    print(string.format("generating %d service orders with %d workers (custom scaling policy)",
                        ctx.total, ctx.workers))
  end,
}
