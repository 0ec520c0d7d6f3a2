-- The "gradient" policy: Netflix concurrency-limits' Gradient2 with workers as the limit.
--
-- Each interval: short = latency per document now, long = its EWMA over long_window intervals
-- (decayed by 5% when long > 2 * short, so a recovery is not held back by old slowness);
--   gradient  = clamp(tolerance * long / short, 0.5, 1.0)   (1.0: no queueing, 0.5 at worst)
--   new_limit = limit * gradient + sqrt(limit)               (sqrt(limit): the queue allowance)
--   limit     = limit * (1 - smoothing) + new_limit * smoothing
-- and target_workers = the limit rounded, within min/max workers. The limit keeps its
-- fraction in state.limit between calls, re-anchored within two worker steps of the workers
-- actually running (the gate may not have applied the last target). As in Gradient2, an
-- app-limited system (queue empty, workers idle) does not grow the limit.
-- Resource pressure (memory, errors, throttling, CPU) steps down as the rules policy does;
-- at or above the CPU/memory targets the limit may shrink but not grow past the workers running.
local stats = require("asrun.stats")
local rules = require("asrun.policies.rules")

local sqrt, floor = math.sqrt, math.floor

local gradient = { name = "gradient" }

gradient.defaults = {
  tolerance = 1.5,   -- latency may rise to tolerance * long-term latency before the limit shrinks
  smoothing = 0.5,   -- weight of the new limit (Gradient2 uses 0.2 per request; intervals are 5-15 s)
  long_window = 20,  -- intervals in the long-term latency EWMA (alpha = 2 / (long_window + 1))
}

function gradient.decide(s, history, state)
  state = state or {}
  if not history or #history == 0 then history = { s } end
  local c, p = stats.config(state), stats.params(state, gradient.defaults)
  local w = s.workers or 0
  local band = 2 * c.worker_step
  local limit = state.limit or w
  limit = stats.clamp(limit, w - band, w + band)

  local pr = stats.pressure(s, history, c)
  if pr then
    local d = rules.react(pr, s, history, c)
    state.limit = w + d.workers
    return d
  end

  local short = s.latency_per_doc_ms or 0
  if short <= 0 then
    state.limit = limit
    return stats.decision(s, c, "hold", 0, 0, 0.3, "No latency sample this interval")
  end
  local alpha = 2 / (p.long_window + 1)
  local long = state.long
  if long == nil then
    long = stats.ewma(stats.positive(stats.series(history, "latency_per_doc_ms", stats.WINDOW - 1, 1)), alpha)
    if not long or long <= 0 then long = short end
  end
  long = long + alpha * (short - long)
  if long / short > 2 then long = long * 0.95 end
  state.long = long

  if stats.starved(history, 3) then
    state.limit = limit
    return stats.decision(s, c, "hold", 0, 0, 0.5, "Source-bound: queue empty, more workers would wait")
  end

  local g = stats.clamp(p.tolerance * long / short, 0.5, 1.0)
  local new = limit * g + sqrt(limit)
  new = limit * (1 - p.smoothing) + new * p.smoothing
  local room = stats.room(s, c)
  if room == "within" and new > w then new = w end
  new = stats.clamp(new, c.min_workers, c.max_workers)
  state.limit = new

  local reason
  if room == "within" and g >= 1.0 then
    reason = "Within targets"
  else
    reason = string.format("Gradient %.2f (latency %s ms/doc, long-term %s): limit %.1f",
                           g, stats.num(short), stats.num(long), new)
  end
  -- Confident when the gradient is clearly 1 (grow) or clearly low (shrink).
  local conf = g >= 1.0 and 0.6 or 0.5 + 0.6 * (1 - g)
  return stats.target_decision(s, c, floor(new + 0.5), nil, conf, reason)
end

return gradient
