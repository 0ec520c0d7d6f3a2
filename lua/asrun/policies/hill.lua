-- The "hill" policy: measure, move, keep what pays, undo what hurts.
--
-- Throughput over (workers, batch size) is a hill whose shape nobody knows in advance: a
-- database that wants 30 writers, one that wants 1, a request-unit budget that flattens it, a
-- memory limit that bounds workers x batch, a CPU that caps it. So this policy climbs it by
-- measuring:
--   1. At the setting in force it averages docs/s over the intervals since the setting took
--      effect (the first one, half old, is skipped), over at least `samples` intervals and
--      `batches` batches per worker, and over more intervals (up to `max_samples`) when the
--      rate is noisy. The noise is learned from consecutive intervals at one setting.
--   2. A move pays when docs/s rose by more than the larger of `gain` and `z` standard errors
--      of the difference (so a +3% step counts on a quiet database, not under 30% noise).
--   3. Moves, from the base (the last setting that paid): workers x2, workers /2, batch x2,
--      batch /2 (the gate's cap per change is x2). A move that pays is kept and repeated in
--      the same direction, and its opposite is not tried (the policy came from there); a move
--      that does not pay is undone ("Undoing ...") and not tried again at that step size.
--      When memory would pass its target, more workers come with smaller batches (x2 workers,
--      /2 batch: the same documents in flight). When every x2 move is used up, workers are
--      refined once by x1.41; then the search has converged.
--   4. Every measured setting is remembered (for `remember` intervals), so a move known not to
--      pay is not tried again.
--   5. Converged, it holds at the best setting measured and looks again (workers only, x1.41)
--      after `reprobe` intervals, or searches afresh when docs/s of two intervals in a row
--      drifts more than `drift` from what the setting gave (capacity changed: a phase, a neighbour, a budget).
-- The brief's rules stay as the safety layer before any of this: memory over its scale-up
-- threshold, errors rising and heavy throttling step down as the rules policy does, with its
-- reasons. CPU over cpu_scale_up_threshold blocks more workers; memory past its target blocks
-- growth of workers x batch; a database that throttled within `remember` intervals blocks
-- growth (its request-unit budget, not the setting, is the limit, and larger writes only
-- throttle more).
local stats = require("asrun.stats")
local rules = require("asrun.policies.rules")

local floor, max, min, sqrt, abs, ceil = math.floor, math.max, math.min, math.sqrt, math.abs,
                                         math.ceil

local hill = { name = "hill" }

hill.defaults = {
  gain = 0.02,       -- a move must raise docs/s by more than this share to count ...
  z = 2.5,           -- ... and by more than this many standard errors of the difference
  factor = 2.0,      -- first step: x2 workers or batch size (the gate allows x2 per change)
  min_factor = 1.4,  -- then workers once by sqrt(factor) when at least this
  settle = 1,        -- intervals skipped after a change (partly the old setting)
  samples = 1,       -- intervals averaged before judging a setting, at least ...
  max_samples = 4,   -- ... and up to this many while the noise leaves the mean unsure
  batches = 6,       -- ... and until each worker has written this many batches: an interval
                     -- counts whole batches, so few large ones make a coarse measure
  remember = 60,     -- intervals a measurement (and a throttle) stays valid
  reprobe = 90,      -- intervals held at the top before looking again
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

-- Learns the relative spread of one interval's docs/s from two consecutive ones at a setting.
local function learn_noise(state, a, b)
  local m = (a + b) / 2
  if m <= 0 then return end
  local sample = abs(a - b) / m / sqrt(2)
  state.noise = state.noise and state.noise + 0.2 * (sample - state.noise) or sample
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
    local dt, r = s.interval or 0, s.docs_per_second or 0
    if cur.last then learn_noise(state, cur.last, r) end
    cur.last = r
    cur.sum, cur.n = cur.sum + r * dt, cur.n + 1
    cur.time = cur.time + dt
    cur.ops = cur.ops + (s.ops_per_second or 0) * dt
  end
  state.tick = (state.tick or 0) + 1
  if (s.throttles or 0) > 0 then state.throttled = state.tick end
  return cur
end

-- The share docs/s must rise by to count, for means over n1 and n2 intervals.
local function threshold(state, p, n1, n2)
  local se = (state.noise or 0) * sqrt(1 / max(n1, 1) + 1 / max(n2, 1))
  return max(p.gain, p.z * se)
end

-- Intervals a measurement wants: more while the noise would hide a `gain`-sized change.
local function wanted(state, p)
  local noise = state.noise or 0
  local n = ceil(2 * (p.z * noise / p.gain) ^ 2)
  return stats.clamp(n, p.samples, p.max_samples)
end

local function measured(state, cur, p)
  if cur.n < wanted(state, p) or cur.time <= 0 then return nil end
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

-- Remembers a measurement and forgets the expired ones (the table stays small).
local function remember(state, p, w, b, rate, n)
  local mem = state.memory or {}
  state.memory = mem
  for k, m in pairs(mem) do
    if state.tick - m.tick > p.remember then mem[k] = nil end
  end
  mem[key(w, b)] = { rate = rate, n = n or 1, tick = state.tick }
end

-- Memory in use grows about in proportion to the documents in flight: the largest growth
-- factor that keeps it under the target (inf when memory is not measured).
local function memory_room(s, c)
  local mem = stats.memory_percent(s)
  if mem <= 0 then return math.huge end
  return c.target_memory_usage / mem
end

-- One dimension scaled by f in direction dir (up: at least one step), within [lo, hi].
local function scale(v, dir, f, step, lo, hi)
  local to
  if dir > 0 then to = max(v + step, floor(v * f + 0.5))
  else to = min(v - 1, floor(v / f + 0.5)) end -- (a batch step of 1000 from 500 is not /2)
  return stats.clamp(to, lo, hi)
end

-- The database answered 16500/429 within `remember` intervals.
local function throttled_lately(state, p)
  return state.throttled ~= nil and state.tick - state.throttled <= p.remember
end

-- Why growth from (w, b) to (nw, nb) is blocked, or nil: memory past its target after the
-- move, CPU over its scale-up threshold (more workers), or the database throttling lately.
local function blocked(s, c, p, state, w, b, nw, nb)
  local grow = (nw * nb) / max(1, w * b)
  if grow > 1 and grow > memory_room(s, c) then return "memory" end
  if nw > w and stats.cpu(s) > c.cpu_scale_up_threshold then return "cpu" end
  if (nw > w or nb > b) and throttled_lately(state, p) then
    return "throttle"
  end
  return nil
end

-- The setting one move (dim "w" or "b", dir +1 or -1, factor f) away from (w, b), and what
-- it is called; nil when the limits or a resource leave nothing to move. More workers that
-- memory would not hold come with batches smaller by the same factor.
local function candidate(s, c, p, state, w, b, dim, dir, f)
  local nw, nb = w, b
  if dim == "w" then nw = scale(w, dir, f, c.worker_step, c.min_workers, c.max_workers)
  else nb = scale(b, dir, f, c.batch_step, c.min_batch_size, c.max_batch_size) end
  if nw == w and nb == b then return nil end
  local why = blocked(s, c, p, state, w, b, nw, nb)
  if why == "memory" and dim == "w" and dir > 0 then
    nb = stats.clamp(floor(b * w / nw + 0.5), c.min_batch_size, c.max_batch_size)
    if nb < b and not blocked(s, c, p, state, w, b, nw, nb) then
      return nw, nb, "more workers with smaller batches (memory at its target)"
    end
    return nil
  end
  if why then return nil end
  local what = dim == "w" and (dir > 0 and "more workers" or "fewer workers")
               or (dir > 0 and "larger batches" or "smaller batches")
  return nw, nb, what
end

local ORDER = { { "w", 1 }, { "w", -1 }, { "b", 1 }, { "b", -1 } }

-- The step of a dimension at a search level: level 1 x factor for both, level 2 x
-- sqrt(factor) for workers only (a batch size a factor of 1.4 off its best costs little).
local function level_factor(p, level, dim)
  if level == 1 then return p.factor end
  local f = sqrt(p.factor)
  if level == 2 and dim == "w" and f >= p.min_factor then return f end
  return nil
end

-- The next setting to try from the base, or nil when every move is used up.
local function next_move(s, c, p, state)
  local base = state.base
  while state.level <= 2 do
    for _, o in ipairs(ORDER) do
      local dim, dir = o[1], o[2]
      local f = level_factor(p, state.level, dim)
      local id = dim .. dir
      if f and not state.tried[id] then
        local nw, nb, what = candidate(s, c, p, state, base.w, base.b, dim, dir, f)
        if nw and state.level > 1 then -- a finer step that lands where the coarse one did
          local cw, cb = candidate(s, c, p, state, base.w, base.b, dim, dir, level_factor(p, 1, dim))
          if cw == nw and cb == nb then nw = nil end -- was tried at level 1 from here
        end
        local r = nw and known(state, p, nw, nb)
        if nw and (r == nil or r > base.rate * (1 + threshold(state, p, 1, 1))) then
          return nw, nb, dim, dir, what
        end
        state.tried[id] = true
      end
    end
    state.level, state.tried = state.level + 1, {}
  end
  return nil
end

-- A change from the setting in force to (nw, nb). When workers and batch size move opposite
-- ways and memory is near its target, the side that lowers memory goes first (old and new
-- batches overlap while the change takes effect): the other follows on the next call.
local function propose(s, c, nw, nb, confidence, reason, state)
  local w, b = s.workers or 0, s.batch_size or 0
  local mixed = (nw - w) * (nb - b) < 0
  if state and mixed and max(w, nw) * max(b, nb) > memory_room(s, c) * w * b then
    state.via = nw > w and { w = w, b = nb } or { w = nw, b = b }
    nw, nb = state.via.w, state.via.b
    reason = reason .. string.format(" (first %d x %d, to stay within memory)", nw, nb)
  end
  return stats.target_decision(s, c, nw, nb, confidence, reason)
end

local function hold(s, c, confidence, reason)
  return stats.decision(s, c, "hold", 0, 0, confidence, reason)
end

-- A new base: the setting in force, measured at rate over n intervals.
local function rebase(state, cur, rate, n)
  state.base = { w = cur.w, b = cur.b, rate = rate, n = n or 1 }
  state.trial = nil
end

-- A fresh search from the setting in force, starting at search level `level`.
local function restart(state, cur, rate, level)
  state.level, state.tried = level, {}
  rebase(state, cur, rate, cur.n)
end

-- Judges the setting in force against the base it moved from (whatever the gate let through:
-- it may have capped the step): keep it and go on when it paid, else go back.
local function judge(s, c, p, state, cur, rate)
  local base, trial = state.base, state.trial
  remember(state, p, cur.w, cur.b, rate, cur.n)
  local change = rate / max(base.rate, 1e-9) - 1
  local need = threshold(state, p, cur.n, base.n)
  local id = trial.dim .. trial.dir
  -- under a request-unit budget smaller batches that keep docs/s are kept: they throttle less
  local cheaper = trial.dim == "b" and trial.dir < 0 and throttled_lately(state, p)
                  and change > -need
  -- larger batches that do not lose docs/s are kept while nothing throttles: each costs the
  -- database and the client less per document, and their gains (+2-5% a step) add up below
  -- the noise bar of one step (memory is the gate's to guard)
  local larger = trial.dim == "b" and trial.dir > 0 and not throttled_lately(state, p)
                 and change > 0
  if change > need or cheaper or larger then
    rebase(state, cur, rate, cur.n)
    state.tried[trial.dim .. -trial.dir] = true -- it came from there
    local f = level_factor(p, state.level, trial.dim)
    local nw, nb = candidate(s, c, p, state, cur.w, cur.b, trial.dim, trial.dir, f)
    if nw and (known(state, p, nw, nb) or math.huge) > rate * (1 + need) then
      state.trial = { w = nw, b = nb, dim = trial.dim, dir = trial.dir }
      return propose(s, c, nw, nb, 0.7, string.format(
        "%s: %d x %d -> %d x %d gave %+.1f%% docs/s; going on to %d x %d",
        change > need and "Throughput rising"
        or cheaper and "Smaller batches hold docs/s while the database throttles"
        or "Larger batches hold docs/s",
        base.w, base.b, cur.w, cur.b, change * 100, nw, nb), state)
    end
    state.tried[id] = true
    return nil -- nothing further that way: the caller picks the next move
  end
  state.tried[id] = true
  state.trial = { w = base.w, b = base.b, undo = true }
  local why = change < -need and string.format("docs/s fell %.1f%%", -change * 100)
              or string.format("docs/s changed only %+.1f%% (needed more than +%.1f%%)",
                               change * 100, need * 100)
  return propose(s, c, base.w, base.b, 0.7, string.format(
    "Undoing the last step: %d x %d -> %d x %d, %s (%s -> %s)",
    base.w, base.b, cur.w, cur.b, why, fmt_rate(base.rate), fmt_rate(rate)), state)
end

local function at_best(s, c, cur, rate)
  return hold(s, c, 0.8, string.format("At the best setting measured: %d workers x %d (%s)",
                                       cur.w, cur.b, fmt_rate(rate)))
end

local function search(s, c, p, state, cur, rate)
  local base, trial = state.base, state.trial
  local at_base = cur.w == base.w and cur.b == base.b
  local via = state.via
  if via and trial and cur.w == via.w and cur.b == via.b then -- half way there: the rest
    return propose(s, c, trial.w, trial.b, 0.7,
                   string.format("Going on to %d workers x %d", trial.w, trial.b))
  end
  state.via = nil
  if trial and trial.undo then
    if not at_base then
      return propose(s, c, base.w, base.b, 0.7,
                     string.format("Going back to %d workers x %d", base.w, base.b), state)
    end
    state.trial = nil -- back: measured again below, then the next move
  elseif trial and at_base then -- the gate has not applied it yet
    return propose(s, c, trial.w, trial.b, 0.6,
                   string.format("Trying %d workers x %d", trial.w, trial.b), state)
  elseif trial then
    local d = judge(s, c, p, state, cur, rate)
    if d then return d end
  elseif not at_base then -- moved by someone else (an emergency, on_tick): a new search
    restart(state, cur, rate, 1)
  end
  -- at the base: pick the next move
  state.base.rate, state.base.n = rate, cur.n
  remember(state, p, cur.w, cur.b, rate, cur.n)
  local nw, nb, dim, dir, what = next_move(s, c, p, state)
  if not nw then
    state.converged = { tick = state.tick, rate = rate }
    return at_best(s, c, cur, rate)
  end
  state.trial = { w = nw, b = nb, dim = dim, dir = dir }
  local probe = string.format("probing %s, %d x %d -> %d x %d (now %s)", what, cur.w, cur.b,
                              nw, nb, fmt_rate(rate))
  if nw * nb > cur.w * cur.b then -- more load: the brief's reasons, where they are true
    local room = stats.room(s, c)
    if room == "low" then
      return propose(s, c, nw, nb, 0.6, "Low resource usage, can increase throughput: " .. probe, state)
    elseif room == "below" then
      return propose(s, c, nw, nb, 0.6, "Below CPU and memory targets, can increase throughput: "
                     .. probe, state)
    end
  end
  return propose(s, c, nw, nb, 0.6, "Probing " .. probe:sub(9), state)
end

-- Converged: hold, unless it is time to look again (workers, fine steps) or the ground moved
-- (a fresh search, old measurements forgotten). Returns the hold, or nil to search.
local function converged(s, c, p, state, cur, rate)
  local conv = state.converged
  -- drift: the last two intervals each, not the setting's long mean, which would hide it
  local off = abs((s.docs_per_second or 0) / max(conv.rate, 1e-9) - 1) > p.drift
  conv.off = off and (conv.off or 0) + 1 or 0
  local moved = conv.off >= 2
  if not moved and state.tick - conv.tick < p.reprobe then return at_best(s, c, cur, rate) end
  state.converged = nil
  if moved then state.memory = nil end -- the old measurements describe another database
  restart(state, cur, rate, moved and 1 or 2)
  return nil
end

function hill.decide(s, history, state)
  state = state or {}
  if not history or #history == 0 then history = { s } end
  local c, p = stats.config(state), stats.params(state, hill.defaults)
  local cur = observe(s, state, p)

  -- the safety layer: the brief's rules, first
  local pr = stats.pressure(s, history, c)
  if pr and (pr.kind == "memory" or pr.kind == "errors" or (pr.kind == "throttle" and pr.heavy)) then
    state.base, state.trial, state.converged = nil, nil, nil
    return rules.react(pr, s, history, c)
  end

  local rate = measured(state, cur, p)
  if not rate then
    return hold(s, c, 0.5, string.format("Measuring %d workers x %d (%d intervals, %.0f batches)",
                                         cur.w, cur.b, cur.n, cur.ops))
  end
  if not state.base then restart(state, cur, rate, 1) end
  if state.converged then
    local d = converged(s, c, p, state, cur, rate)
    if d then return d end
  end
  return search(s, c, p, state, cur, rate)
end

return hill
