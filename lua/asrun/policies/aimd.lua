-- The "aimd" policy: a baseline, Netflix concurrency-limits' AIMDLimit as published
-- (github.com/Netflix/concurrency-limits, concurrency-limits-core/.../limit/AIMDLimit.java,
-- _update; README "AIMD": "additive increase, multiplicative decrease on a drop").
--
-- The library's limit is a concurrency limit updated on every sample (one request's RTT, the
-- requests in flight, whether it dropped):
--   dropped, or RTT past the timeout (default 5 s)  limit = floor(limit * backoffRatio)
--                                                   (backoffRatio 0.9 by default, 0.5..1)
--   else, in flight * 2 >= limit (the limit is used) limit = limit + 1
--   else                                             unchanged
-- then clamped to [minLimit, maxLimit].
--
-- Here the limit is the worker count and a sample is one check interval (asrun's snapshot):
-- the interval "dropped" when the database throttled (16500/429 or a RetryAfterMs), a write
-- failed, or the slowest writes (p99 of the per-batch write time) took longer than
-- timeout_ms. in_flight is the batches being written when the snapshot was taken. The
-- limits are min_workers..max_workers. The published algorithm has no batch size: it is
-- held. Nothing else is read (CPU and memory are the safety gate's: docs/policies.md),
-- so the lab compares asrun's policies with the algorithm itself.
-- The result is an absolute target_workers, so a call during the gate's cooldown never
-- compounds.
local stats = require("asrun.stats")

local aimd = { name = "aimd", baseline = "Netflix concurrency-limits AIMDLimit" }

aimd.defaults = {
  backoff_ratio = 0.9, -- AIMDLimit.Builder.backoffRatio: the limit's share kept on a drop
  timeout_ms = 5000,   -- AIMDLimit.Builder.timeout (5 s): a write slower than this is a drop
}

-- x past `line`, with the decimals it takes to read past it: a p99 of 5000.4 ms against a
-- 5000 ms timeout is "5000.4", not "5000".
local function past(x, line)
  local d, text = 0, string.format("%.0f", x)
  while d < 3 and tonumber(text) <= line do
    d = d + 1
    text = string.format("%." .. d .. "f", x)
  end
  return text
end

-- Why the interval counts as a drop, or nil.
local function drop_reason(s, p)
  if (s.throttles or 0) > 0 or (s.retry_after_ms or 0) > 0 then
    return "Throttled by the database (16500/429)"
  end
  if (s.errors or 0) > 0 then
    return string.format("Write errors: %d documents failed", s.errors)
  end
  local p99 = s.latency_p99_ms or 0
  if p99 > p.timeout_ms then
    return string.format("Write latency p99 %s ms past the %.0f ms timeout", past(p99, p.timeout_ms),
                         p.timeout_ms)
  end
  return nil
end

function aimd.decide(s, history, state)
  state = state or {}
  local c, p = stats.config(state), stats.params(state, aimd.defaults)
  local limit = s.workers or 0

  local why = drop_reason(s, p)
  if why then
    local d = stats.target_decision(s, c, math.floor(limit * p.backoff_ratio), nil, 0.7,
      string.format("%s: limit %d x %.2f", why, limit, p.backoff_ratio))
    -- (a backoff ratio of 1, outside AIMDLimit's [0.5, 1), also holds: not at a limit)
    if d.action == "hold" and limit <= c.min_workers then
      d.reason = why .. "; already at the minimum workers"
    end
    return d
  end

  local in_flight = s.in_flight or 0
  if in_flight * 2 >= limit then
    local d = stats.target_decision(s, c, limit + 1, nil, 0.6,
      string.format("No drop, %d of %d workers in flight: limit + 1", in_flight, limit))
    if d.action == "hold" and limit >= c.max_workers then
      d.reason = string.format("No drop, %d of %d workers in flight; already at the maximum "
                               .. "workers", in_flight, limit)
    end
    return d
  end
  return stats.target_decision(s, c, limit, nil, 0.5,
    string.format("No drop, but only %d of %d workers in flight: limit unused", in_flight, limit))
end

return aimd
