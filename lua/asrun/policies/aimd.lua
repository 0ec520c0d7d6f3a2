-- The "aimd" policy: additive increase, multiplicative decrease (TCP congestion control's rule,
-- with workers and batch size as the window).
--
-- Congestion (memory over its scale-up threshold, errors rising, database throttling, latency
-- per document above latency_tolerance times its baseline) cuts workers and batch size to
-- `decrease` times their value, returned as target_workers / target_batch_size so repeated
-- calls during the gate's cooldown never compound. CPU over its threshold cuts workers only.
-- Healthy and below the CPU/memory targets: +increase workers, +batch_increase batch size.
-- At or above a target: hold. The latency baseline is an EWMA kept in state.baseline, fed only
-- by healthy intervals so a slowdown does not become the new normal.
local stats = require("asrun.stats")

local aimd = { name = "aimd" }

aimd.defaults = {
  increase = 1,            -- workers added per healthy interval
  batch_increase = 1000,   -- documents added to the batch size per healthy interval
  decrease = 0.7,          -- factor applied to workers and batch size on congestion
  latency_tolerance = 1.5, -- latency per document above baseline * this is congestion
  alpha = 0.2,             -- EWMA weight of a healthy interval in the latency baseline
}

function aimd.decide(s, history, state)
  state = state or {}
  if not history or #history == 0 then history = { s } end
  local c, p = stats.config(state), stats.params(state, aimd.defaults)
  local w, b = s.workers or 0, s.batch_size or 0
  local lat = s.latency_per_doc_ms or 0

  -- First call: seed the baseline from the history before this interval.
  if state.baseline == nil then
    local before = stats.positive(stats.series(history, "latency_per_doc_ms", stats.WINDOW - 1, 1))
    local base = stats.ewma(before, p.alpha)
    state.baseline = (base and base > 0) and base or (lat > 0 and lat or nil)
  end
  local base = state.baseline

  local pr = stats.pressure(s, history, c)
  if not pr and lat > 0 and base and lat > p.latency_tolerance * base then
    -- "rising" only when it rose in the last interval; past the line but not rising: "high"
    local prev = stats.positive(stats.series(history, "latency_per_doc_ms", 1, 1))[1]
    pr = { kind = "latency", distance = stats.clamp(lat / base / p.latency_tolerance - 1, 0, 1),
           reason = string.format("Latency %s: %s ms/doc (baseline %s)",
                                  prev and lat > prev and "rising" or "high", stats.num(lat),
                                  stats.num(base)) }
  end
  if pr then
    local tw = math.floor(w * p.decrease)
    if tw >= w then tw = w - 1 end -- always a real cut, even from 1
    local tb = nil
    if pr.kind ~= "cpu" then tb = math.floor(b * p.decrease) end
    local d = stats.target_decision(s, c, tw, tb, 0.5 + 0.3 * pr.distance, pr.reason)
    if d.action == "hold" then -- the limits held both cuts: say which
      local note = stats.limits_note(s, c, tw - w, tb and tb - b or 0)
      if note then d.reason = pr.reason .. "; " .. note end
    end
    return d
  end

  if lat > 0 then state.baseline = base and base + p.alpha * (lat - base) or lat end

  local room = stats.room(s, c)
  if room == "within" then
    return stats.decision(s, c, "hold", 0, 0, 0.6, "Within targets")
  end
  local headroom = stats.headroom(s, c.target_cpu_usage, c.target_memory_usage)
  return stats.decision(s, c, "scale_up", p.increase, p.batch_increase, 0.5 + 0.3 * headroom,
    room == "low" and "Low resource usage, can increase throughput"
                   or "Below CPU and memory targets, can increase throughput")
end

return aimd
