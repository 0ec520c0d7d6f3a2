-- The "rules" policy (the default): the brief's multi-metric analysis, as readable rules.
--
-- In order, the first that applies decides:
--   1. pressure (stats.pressure): memory over its scale-up threshold, errors rising,
--      database throttling, CPU over its scale-up threshold -> step down (rules.react)
--   2. database latency per document rising over its EWMA baseline -> smaller batches
--   3. source-bound (queue empty, workers idle) -> drop a worker if half of them idle, else hold
--   4. CPU or memory at/above target -> hold ("Within targets")
--   5. database pool saturated with fewer connections than workers (more workers would only
--      wait for a connection), or the last scale-up added too little throughput
--      (diminishing returns, remembered in state for plateau_hold intervals) -> hold.
--      A pool as large as the worker count being fully used is normal (asrun's pool grows
--      with the workers): it means the workers are busy writing, not that more would wait.
--   6. otherwise room below the targets -> one worker step up, and a batch step up while
--      latency per document is flat or falling and memory is below target.
-- The docs/s target is a floor to reach, not a cap: it only adds to the confidence.
-- Steps come from state.config (worker_step, batch_step); cooldown is the C gate's business.
-- state.ceiling / state.ceiling_t / state.ceiling_judged / state.judged belong to this policy.
local stats = require("asrun.stats")

local max = math.max

local rules = { name = "rules" }

rules.defaults = {
  trend_window = 6,       -- intervals the trends (EWMA, slope) look back over
  alpha = 0.3,            -- EWMA weight of the newest interval
  latency_rise = 1.5,     -- latency per document this many times its baseline: database slowing
  batch_latency = 1.1,    -- grow batches only while latency per document stays under baseline * this
  min_efficiency = 0.25,  -- a scale-up must add this share of the per-worker throughput it had
  plateau_hold = 12,      -- intervals a diminishing-returns ceiling blocks scale-ups
  pool_saturation = 0.95, -- pool_utilization from which more workers only wait for connections
}

-- 0.5 plus up to 0.3 for how far the deciding signal is past its line, 0.1 per signal that
-- agrees, minus 0.1 per signal that argues the other way.
local function confidence(distance, agree, disagree)
  return stats.clamp(0.5 + 0.3 * distance + 0.1 * agree - 0.1 * (disagree or 0), 0.1, 1)
end
rules.confidence = confidence

-- Latency per document now, its EWMA baseline before this interval (nil without one), whether
-- it is past latency_rise times that baseline with its trend rising, and whether it rose in
-- the last interval itself (what the reason may call "rising").
local function latency_trend(history, p)
  local cur = history[#history].latency_per_doc_ms or 0
  if cur <= 0 then return 0, nil, false, false end
  local lat = stats.positive(stats.series(history, "latency_per_doc_ms", p.trend_window))
  local base = stats.ewma(stats.positive(stats.series(history, "latency_per_doc_ms",
                                                      p.trend_window - 1, 1)), p.alpha)
  if not base then return cur, nil, false, false end
  local prev = #lat >= 2 and lat[#lat - 1] or nil
  return cur, base, cur > p.latency_rise * base and stats.slope(lat) > 0, prev ~= nil and cur > prev
end

-- "Database latency rising: 4.00 ms/doc (baseline 2.00)" when it rose in the last interval,
-- "Database latency high: ..." when it is past the line but did not rise again.
function rules.latency_reason(lat, base, rose)
  return string.format("Database latency %s: %s ms/doc (baseline %s)", rose and "rising" or "high",
                       stats.num(lat), stats.num(base))
end

local function dps_slope(history, p)
  return stats.slope(stats.series(history, "docs_per_second", p.trend_window))
end

-- The step down for a pressure from stats.pressure (also used by gradient and usl): memory
-- sheds a worker and two batch steps (the brief: -1 / -2000), errors a worker and a batch
-- step, throttling a batch step (and a worker when heavy), CPU a worker.
function rules.react(pr, s, history, c)
  local step, bstep = c.worker_step, c.batch_step
  local dw, db = -step, 0
  if pr.kind == "memory" then db = -2 * bstep
  elseif pr.kind == "errors" then db = -bstep
  elseif pr.kind == "throttle" then dw, db = pr.heavy and -step or 0, -bstep end
  -- Other signals pointing down as well.
  local agree = 0
  if pr.kind ~= "cpu" and stats.cpu(s) >= c.target_cpu_usage then agree = agree + 1 end
  if pr.kind ~= "memory" and stats.memory_percent(s) >= c.target_memory_usage then agree = agree + 1 end
  if pr.kind ~= "errors" and (s.errors or 0) > 0 then agree = agree + 1 end
  if pr.kind ~= "throttle" and (s.throttles or 0) > 0 then agree = agree + 1 end
  if stats.slope(stats.series(history, "docs_per_second", rules.defaults.trend_window)) < 0 then
    agree = agree + 1
  end
  return stats.decision(s, c, "scale_down", dw, db, confidence(pr.distance, agree), pr.reason)
end

-- The last scale-up visible in history: workers before, mean docs/s of up to 3 intervals
-- before and after, and how many intervals have run at the new count. nil if the newest
-- change (within the last WINDOW entries) was not an increase.
local function last_scale_up(history)
  local n = #history
  local lo = max(1, n - stats.WINDOW + 1)
  local w = history[n].workers
  local i, after, na, run = n, 0, 0, 0
  while i >= lo and history[i].workers == w do
    if na < 3 then after, na = after + (history[i].docs_per_second or 0), na + 1 end
    run, i = run + 1, i - 1
  end
  if i < lo or history[i].workers >= w then return nil end
  local wb, before, nb = history[i].workers, 0, 0
  while i >= lo and history[i].workers == wb and nb < 3 do
    before, nb, i = before + (history[i].docs_per_second or 0), nb + 1, i - 1
  end
  return wb, before / nb, after / na, run
end

-- Judges the last scale-up while it settles (its first 3 intervals) and keeps the verdict:
-- state.ceiling is the worker count at which adding workers stopped paying.
local function track_returns(s, history, state, p, c)
  if state.ceiling and s.t and state.ceiling_t
      and s.t - state.ceiling_t >= p.plateau_hold * (s.interval or c.check_interval) then
    state.ceiling, state.ceiling_t, state.ceiling_judged = nil, nil, nil -- conditions change: probe again
  end
  local wb, before, after, run = last_scale_up(history)
  if not wb or run > 3 or before <= 0 or wb <= 0 then return end
  local w = s.workers
  local efficiency = ((after - before) / before) / ((w - wb) / wb)
  state.judged = { from = wb, to = w, gain = (after - before) / before, efficiency = efficiency }
  if efficiency < p.min_efficiency then
    state.ceiling, state.ceiling_t, state.ceiling_judged = w, s.t, state.judged
  elseif state.ceiling and w >= state.ceiling then
    state.ceiling, state.ceiling_t, state.ceiling_judged = nil, nil, nil
  end
end

-- Why more workers are held back: the scale-up that set the ceiling, as measured.
--   "Diminishing returns from more workers (8 -> 9 workers: +1% docs/s)"
--   "More workers lowered throughput (8 -> 9 workers: -28% docs/s)"
--   "More workers did not raise throughput (8 -> 9 workers: docs/s unchanged)"
function rules.returns_reason(j)
  if not j then return "Diminishing returns from more workers" end
  local pct = math.floor(j.gain * 100 + 0.5)
  if pct < 0 then
    return string.format("More workers lowered throughput (%d -> %d workers: %d%% docs/s)",
                         j.from, j.to, pct)
  elseif pct == 0 then
    return string.format("More workers did not raise throughput (%d -> %d workers: docs/s unchanged)",
                         j.from, j.to)
  end
  return string.format("Diminishing returns from more workers (%d -> %d workers: +%d%% docs/s)",
                       j.from, j.to, pct)
end

function rules.decide(s, history, state)
  state = state or {}
  if not history or #history == 0 then history = { s } end
  local c, p = stats.config(state), stats.params(state, rules.defaults)
  local step, bstep = c.worker_step, c.batch_step

  local pr = stats.pressure(s, history, c)
  if pr then return rules.react(pr, s, history, c) end

  local lat, base, rising, rose = latency_trend(history, p)
  if rising then
    return stats.decision(s, c, "scale_down", 0, -bstep,
      confidence(stats.clamp((lat / base - p.latency_rise) / p.latency_rise, 0, 1),
                 dps_slope(history, p) < 0 and 1 or 0),
      rules.latency_reason(lat, base, rose))
  end

  track_returns(s, history, state, p, c)
  local w = s.workers or 0

  if stats.starved(history, 3) then
    local busy = stats.mean(stats.series(history, "in_flight", 3))
    if busy <= w / 2 and w > c.min_workers then
      return stats.decision(s, c, "scale_down", -step, 0, confidence(1 - busy / w, 1),
        string.format("Source-bound: queue empty, %s of %d workers busy", stats.fixed(busy, 1), w))
    end
    return stats.decision(s, c, "hold", 0, 0, confidence(0.5, 1),
      "Source-bound: queue empty, more workers would wait")
  end

  local room = stats.room(s, c)
  if room == "within" then
    -- The nearer CPU/memory sit to their targets, the surer.
    local cpu, mem = stats.cpu(s), stats.memory_percent(s)
    local function past(v, target, line) -- share of the way from target to line, 1 if no way
      local span = line - target
      return span > 0 and max(0, v - target) / span or 1
    end
    local off = max(past(cpu, c.target_cpu_usage, c.cpu_scale_up_threshold),
                    past(mem, c.target_memory_usage, c.memory_scale_up_threshold))
    return stats.decision(s, c, "hold", 0, 0, confidence(1 - stats.clamp(off, 0, 1), 0),
                          "Within targets")
  end

  if (s.pool_size or 0) > 0 and s.pool_size < w and (s.pool_utilization or 0) >= p.pool_saturation then
    return stats.decision(s, c, "hold", 0, 0, confidence(0.5, 0),
      string.format("Database pool saturated: %d/%d connections in use", s.pool_in_use or 0, s.pool_size))
  end

  if state.ceiling and w >= state.ceiling then
    return stats.decision(s, c, "hold", 0, 0, confidence(0.5, 1),
                          rules.returns_reason(state.ceiling_judged))
  end

  -- Room to grow. Batches grow too while latency per document holds and memory is fine.
  local db = 0
  if stats.memory_percent(s) < c.target_memory_usage
      and (lat <= 0 or not base or lat <= p.batch_latency * base) then
    db = bstep
  end
  local agree, disagree = 0, 0
  if (s.queue_depth or 0) > 0 then agree = agree + 1 end               -- workers are the bottleneck
  if (s.docs_per_second or 0) < c.target_docs_per_second then agree = agree + 1 end
  if dps_slope(history, p) < 0 then disagree = disagree + 1 end          -- throughput sliding
  if room == "low" then
    return stats.decision(s, c, "scale_up", step, db,
      confidence(stats.headroom(s, c.cpu_scale_down_threshold, c.memory_scale_down_threshold), agree, disagree),
      "Low resource usage, can increase throughput")
  end
  return stats.decision(s, c, "scale_up", step, db,
    confidence(stats.headroom(s, c.target_cpu_usage, c.target_memory_usage), agree, disagree + 1),
    "Below CPU and memory targets, can increase throughput")
end

return rules
