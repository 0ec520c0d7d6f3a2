-- The "hill" policy (the default): measure, move, keep what pays, undo what hurts.
--
-- Throughput over (workers, batch size) is a hill whose shape nobody knows in advance: a
-- database that wants 30 writers, one that wants 1, a request-unit budget that flattens it, a
-- CPU that caps it. So this policy climbs it by measuring:
--   1. At the setting in force it averages docs/s over the intervals since the setting took
--      effect (the first one, half old, is skipped).
--   2. It moves one dimension at a time, workers first: up by `factor` (x2, the gate's cap
--      per change), and when that pays (+gain) again in the same direction; when a move does
--      not pay (within +-gain: more resources for nothing) or hurts (below -gain) it goes
--      back to the setting it came from ("Undoing ..."), and tries the next move: the other
--      direction, then the batch size, then smaller steps (factor -> sqrt(factor), down to
--      min_factor, then one worker step or batch step).
--   3. Every measured setting is remembered, so a move known to be worse is not tried again
--      until the memory expires (`remember` intervals): that and the shrinking steps are what
--      stop it oscillating.
--   4. With no move left it holds at the best setting measured, and looks again after
--      `reprobe` intervals, or at once when docs/s drifts more than `drift` from what the
--      setting gave (capacity changed: a phase, a neighbour, a new budget).
-- The brief's rules stay as the safety layer before any of this: memory over its scale-up
-- threshold, errors rising and heavy throttling step down as the rules policy does, with its
-- reasons. CPU over cpu_scale_up_threshold, light throttling and memory at its target block
-- growth; they do not force a step down that would cost throughput.
local stats = require("asrun.stats")
local rules = require("asrun.policies.rules")

local floor, max, min, sqrt, abs = math.floor, math.max, math.min, math.sqrt, math.abs

local hill = { name = "hill" }

hill.defaults = {
  gain = 0.05,       -- a move must change docs/s by more than this share to count
  factor = 2.0,      -- first step: x2 workers or batch size (the gate allows x2 per change)
  min_factor = 1.4,  -- steps shrink by sqrt after the moves at a size are used up: x2, x1.41
  settle = 1,        -- intervals skipped after a change (partly the old setting)
  samples = 1,       -- intervals averaged before judging a setting, at least
  batches = 6,       -- ... and until each worker has written this many batches: an interval
                     -- counts whole batches, so few large ones make a coarse measure
  remember = 60,     -- intervals a measurement stays valid
  reprobe = 30,      -- intervals held at the top before looking again
  drift = 0.2,       -- docs/s this far from the setting's measurement: search again
}

local function key(w, b) return w .. "x" .. b end

-- "12,345 docs/s", as the host prints rates
local function fmt_rate(r)
  local t = string.format("%.0f", r)
  repeat
    local n
    t, n = t:gsub("^(%d+)(%d%d%d)", "%1,%2")
  until n == 0
  return t .. " docs/s"
end

-- The setting in force and its samples: a new setting starts a new measurement.
local function observe(s, state, p)
  local w, b = s.workers or 0, s.batch_size or 0
  local cur = state.cur
  if not cur or cur.w ~= w or cur.b ~= b then
    -- the run's first setting has no older one to settle from
    cur = { w = w, b = b, seen = cur and 0 or p.settle, sum = 0, n = 0, ops = 0, time = 0 }
    state.cur = cur
  else
    cur.seen = cur.seen + 1
  end
  if cur.seen >= p.settle then
    local dt = s.interval or 0
    cur.sum, cur.n = cur.sum + (s.docs_per_second or 0) * dt, cur.n + 1
    cur.time = cur.time + dt
    cur.ops = cur.ops + (s.ops_per_second or 0) * dt
  end
  state.tick = (state.tick or 0) + 1
  return cur
end

local function measured(cur, p)
  if cur.n < p.samples or cur.time <= 0 then return nil end
  -- (a snapshot without batch counts, ops 0, leaves the number of intervals to decide)
  if cur.ops > 0 and cur.ops < p.batches * max(cur.w, 1) then return nil end
  return cur.sum / cur.time
end

-- The measurement of setting (w, b) if still valid.
local function known(state, p, w, b)
  local m = state.memory and state.memory[key(w, b)]
  if m and state.tick - m.tick <= p.remember then return m.rate end
  return nil
end

local function remember(state, w, b, rate)
  state.memory = state.memory or {}
  state.memory[key(w, b)] = { rate = rate, tick = state.tick }
end

-- Memory in use grows about in proportion to the documents in flight: the largest growth
-- factor that keeps it under the target (inf when memory is not measured).
local function memory_room(s, c)
  local mem = stats.memory_percent(s)
  if mem <= 0 then return math.huge end
  return c.target_memory_usage / mem
end

-- The setting one move away from (w, b): dim "w" or "b", dir +1 or -1, by factor f (or one
-- step when f is below min_factor). nil when the limits leave nothing to move.
local function move(c, p, w, b, dim, dir, f)
  local function scale(v, step, lo, hi)
    local to
    if f < p.min_factor then to = v + dir * step
    elseif dir > 0 then to = max(v + step, floor(v * f + 0.5))
    else to = min(v - step, floor(v / f + 0.5)) end
    return stats.clamp(to, lo, hi)
  end
  local nw, nb = w, b
  if dim == "w" then nw = scale(w, c.worker_step, c.min_workers, c.max_workers)
  else nb = scale(b, c.batch_step, c.min_batch_size, c.max_batch_size) end
  if nw == w and nb == b then return nil end
  return nw, nb
end

local ORDER = { { "w", 1 }, { "w", -1 }, { "b", 1 }, { "b", -1 } }

-- Growth is blocked when a resource says no: memory past its target after the move, CPU over
-- its scale-up threshold (more workers), or the database throttling.
local function blocked(s, c, state, w, b, nw, nb)
  local grow = (nw * nb) / max(1, w * b)
  if grow > 1 and grow > memory_room(s, c) then
    return string.format("memory would pass its %.0f%% target", c.target_memory_usage)
  end
  if nw > w and stats.cpu(s) > c.cpu_scale_up_threshold then
    return string.format("High CPU usage: %.0f%%", stats.cpu(s))
  end
  if grow > 1 and (s.throttles or 0) > 0 then return "the database is throttling" end
  return nil
end

-- The next setting to try from the base, or nil when every move is known not to pay.
local function next_move(s, c, p, state)
  local base = state.base
  state.factors = state.factors or { w = p.factor, b = p.factor }
  for _ = 1, 8 do
    for _, o in ipairs(ORDER) do
      local dim, dir = o[1], o[2]
      local f = state.factors[dim]
      local came = state.came
      local back = came and came.dim == dim and came.dir == -dir and came.factor == f
      local nw, nb = move(c, p, base.w, base.b, dim, dir, f)
      if nw and not back and not blocked(s, c, state, base.w, base.b, nw, nb) then
        local r = known(state, p, nw, nb)
        if r == nil or r > base.rate * (1 + p.gain) then return nw, nb, dim, dir end
      end
    end
    -- every move at this step size is known: smaller steps, until single steps are done
    local done = true
    for _, dim in ipairs({ "w", "b" }) do
      local f = state.factors[dim]
      if f >= p.min_factor then
        local nf = sqrt(f)
        state.factors[dim] = nf >= p.min_factor and nf or p.min_factor * 0.99
        done = false
      end
    end
    if done then return nil end
  end
  return nil
end

local function propose(s, c, nw, nb, confidence, reason)
  return stats.target_decision(s, c, nw, nb, confidence, reason)
end

local function hold(s, c, confidence, reason)
  return stats.decision(s, c, "hold", 0, 0, confidence, reason)
end

-- A new base: the setting in force, measured at rate. Steps start large again.
local function rebase(state, p, cur, rate)
  state.base = { w = cur.w, b = cur.b, rate = rate }
  state.trial = nil
end

-- Judges the setting in force against the base it moved from (whatever the gate let through:
-- it may have capped the step): keep it and go on when it paid, else go back.
local function judge(s, c, p, state, cur, rate)
  local base, trial = state.base, state.trial
  remember(state, cur.w, cur.b, rate)
  local change = rate / max(base.rate, 1e-9) - 1
  if change > p.gain then
    local from = base
    rebase(state, p, cur, rate)
    state.came = { dim = trial.dim, dir = trial.dir, factor = state.factors[trial.dim] }
    local nw, nb = move(c, p, cur.w, cur.b, trial.dim, trial.dir, state.factors[trial.dim])
    if nw and not blocked(s, c, state, cur.w, cur.b, nw, nb)
        and (known(state, p, nw, nb) or math.huge) > rate * (1 + p.gain) then
      state.trial = { w = nw, b = nb, dim = trial.dim, dir = trial.dir }
      return propose(s, c, nw, nb, 0.7, string.format(
        "Throughput rising: %d x %d -> %d x %d gave %+.0f%% docs/s; going on to %d x %d",
        from.w, from.b, cur.w, cur.b, change * 100, nw, nb))
    end
    return nil -- nothing further that way: the caller picks the next move
  end
  state.trial = { w = base.w, b = base.b, undo = true }
  local why = change < -p.gain and string.format("docs/s fell %.0f%%", -change * 100)
              or string.format("docs/s changed only %+.1f%%", change * 100)
  return propose(s, c, base.w, base.b, 0.7, string.format(
    "Undoing the last step: %d x %d -> %d x %d, %s (%s -> %s)",
    base.w, base.b, cur.w, cur.b, why, fmt_rate(base.rate), fmt_rate(rate)))
end

local function search(s, c, p, state, cur, rate)
  local base, trial = state.base, state.trial
  local at_base = cur.w == base.w and cur.b == base.b
  if trial and trial.undo then
    if not at_base then
      return propose(s, c, base.w, base.b, 0.7,
                     string.format("Going back to %d workers x %d", base.w, base.b))
    end
    state.trial = nil -- back: measured again below, then the next move
  elseif trial and at_base then -- the gate has not applied it yet
    return propose(s, c, trial.w, trial.b, 0.6,
                   string.format("Trying %d workers x %d", trial.w, trial.b))
  elseif trial then
    local d = judge(s, c, p, state, cur, rate)
    if d then return d end
  elseif not at_base then -- moved by someone else (an emergency, on_tick): a new base
    rebase(state, p, cur, rate)
    state.came = nil
  end
  -- at the base: pick the next move
  state.base.rate = rate
  remember(state, cur.w, cur.b, rate)
  local nw, nb, dim, dir = next_move(s, c, p, state)
  if not nw then
    state.converged = { tick = state.tick, rate = rate }
    return hold(s, c, 0.8, string.format("At the best setting measured: %d workers x %d (%s)",
                                         cur.w, cur.b, fmt_rate(rate)))
  end
  state.trial = { w = nw, b = nb, dim = dim, dir = dir }
  local what = dim == "w" and (dir > 0 and "more workers" or "fewer workers")
               or (dir > 0 and "larger batches" or "smaller batches")
  local probe = string.format("probing %s, %d x %d -> %d x %d (now %s)", what, cur.w, cur.b,
                              nw, nb, fmt_rate(rate))
  if nw * nb > cur.w * cur.b then -- more load: the brief's reasons, where they are true
    local room = stats.room(s, c)
    if room == "low" then return propose(s, c, nw, nb, 0.6, "Low resource usage, can increase throughput: " .. probe) end
    if room == "below" then return propose(s, c, nw, nb, 0.6, "Below CPU and memory targets, can increase throughput: " .. probe) end
  end
  return propose(s, c, nw, nb, 0.6, "Probing " .. probe:sub(9))
end

function hill.decide(s, history, state)
  state = state or {}
  if not history or #history == 0 then history = { s } end
  local c, p = stats.config(state), stats.params(state, hill.defaults)
  local cur = observe(s, state, p)

  -- the safety layer: the brief's rules, first
  local pr = stats.pressure(s, history, c)
  if pr and (pr.kind == "memory" or pr.kind == "errors" or (pr.kind == "throttle" and pr.heavy)) then
    state.base, state.trial, state.converged, state.factors = nil, nil, nil, nil
    return rules.react(pr, s, history, c)
  end

  local rate = measured(cur, p)
  if not rate then
    return hold(s, c, 0.5, string.format("Measuring %d workers x %d (%d intervals, %.0f batches)",
                                         cur.w, cur.b, cur.n, cur.ops))
  end
  if not state.base then
    state.factors = { w = p.factor, b = p.factor }
    rebase(state, p, cur, rate)
  end

  -- converged: hold, unless it is time to look again or the ground moved
  local conv = state.converged
  if conv then
    local moved = abs(rate / max(conv.rate, 1e-9) - 1) > p.drift and cur.n >= p.samples
    if not moved and state.tick - conv.tick < p.reprobe then
      return hold(s, c, 0.8, string.format("At the best setting measured: %d workers x %d (%s)",
                                           cur.w, cur.b, fmt_rate(rate)))
    end
    state.converged = nil
    state.memory = nil -- the old measurements describe another database
    state.factors = moved and { w = p.factor, b = p.factor }
                    or { w = p.min_factor, b = p.min_factor }
    rebase(state, p, cur, rate)
  end
  return search(s, c, p, state, cur, rate)
end

return hill
