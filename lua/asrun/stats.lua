-- asrun.stats: the small numeric helpers the auto-scaler's policies share (trends over the
-- history, robust summaries), plus the few readings of a snapshot that every built-in policy
-- interprets the same way (asrun's own CPU, memory, the pressure checks and their reason
-- texts), so "High memory usage: 2.1GB" means the same thing whichever policy said it.
--
-- Everything here is pure: no state, no I/O; tables passed in are never changed. Snapshot,
-- history, state and decision are defined in docs/policies.md. A policy call must stay
-- well under a millisecond, so helpers look at most at the last `n` (default 20) entries.
local stats = {}

local floor = math.floor

-- Entries a helper reads from the end of a history when not told otherwise.
stats.WINDOW = 20

function stats.clamp(x, lo, hi)
  if x < lo then return lo end
  if x > hi then return hi end
  return x
end

-- Rounds to `digits` decimals (default 2): confidences are reported, not computed on.
function stats.round(x, digits)
  local m = 10 ^ (digits or 2)
  return floor(x * m + 0.5) / m
end

function stats.mean(values)
  local n = #values
  if n == 0 then return nil end
  local s = 0
  for i = 1, n do s = s + values[i] end
  return s / n
end

-- Linear interpolation between closest ranks (numpy's default); p in 0..100.
function stats.percentile(values, p)
  local n = #values
  if n == 0 then return nil end
  local sorted = table.move(values, 1, n, 1, {})
  table.sort(sorted)
  local pos = 1 + (n - 1) * stats.clamp(p, 0, 100) / 100
  local lo = floor(pos)
  if lo >= n then return sorted[n] end
  return sorted[lo] + (pos - lo) * (sorted[lo + 1] - sorted[lo])
end

function stats.median(values)
  return stats.percentile(values, 50)
end

-- Exponentially weighted mean, oldest value first; alpha is the weight of each new value.
function stats.ewma(values, alpha)
  local n = #values
  if n == 0 then return nil end
  local s = values[1]
  for i = 2, n do s = s + alpha * (values[i] - s) end
  return s
end

-- Least-squares slope per step (x = 1, 2, ...): units of the value per interval.
function stats.slope(values)
  local n = #values
  if n < 2 then return 0 end
  local mx, my = (n + 1) / 2, stats.mean(values)
  local sxy, sxx = 0, 0
  for i = 1, n do
    local dx = i - mx
    sxy = sxy + dx * (values[i] - my)
    sxx = sxx + dx * dx
  end
  return sxy / sxx
end

-- The last n (default WINDOW) values of `field` in history, oldest first; a missing field
-- reads as 0 (as an unmeasured metric does: docs/policies.md, "Snapshot"). `skip`
-- leaves out that many newest entries (skip = 1: the baseline before the current snapshot).
function stats.series(history, field, n, skip)
  local out = {}
  if not history then return out end
  local last = #history - (skip or 0)
  local first = last - (n or stats.WINDOW) + 1
  if first < 1 then first = 1 end
  for i = first, last do out[#out + 1] = history[i][field] or 0 end
  return out
end

-- The values above zero, in order: a latency of 0 means "no sample", not "instant".
function stats.positive(values)
  local out = {}
  for i = 1, #values do
    if values[i] > 0 then out[#out + 1] = values[i] end
  end
  return out
end

-- ---------------------------------------------------------------------------------------
-- Configuration: the host fills every key of state.config. A policy called directly (specs, a
-- REPL) gets whatever is missing from the balanced profile, read once through the C core
-- (asrun.core.profile: profiles/balanced.lua, the one place its numbers are written).
local balanced

-- state.config with the defaults filled in: a fresh table, state.config is not changed.
function stats.config(state)
  local given = state and state.config or {}
  local c = {}
  for k, v in pairs(given) do c[k] = v end
  balanced = balanced or require("asrun.core").profile()
  for k, v in pairs(balanced) do
    if c[k] == nil then c[k] = v end
  end
  return c
end

-- state.params over a policy's defaults (policies are callable without the host).
function stats.params(state, defaults)
  local given = state and state.params
  if not given then return defaults end
  local p = {}
  for k, v in pairs(defaults) do p[k] = v end
  for k, v in pairs(given) do p[k] = v end
  return p
end

-- ---------------------------------------------------------------------------------------
-- Readings of one snapshot.

-- CPU that counts against the CPU targets and thresholds: asrun's own (cpu_percent, a share of
-- the whole machine). The workers' load is what scaling changes; a neighbour's is not: a
-- database on the same machine at 100% must not stop growth while asrun uses 3%. Whether
-- that database keeps up shows in its latency, throttling and errors, which the policies read
-- as well. The machine's figure stays in the snapshot (system_cpu_percent) for policies of
-- their own.
function stats.cpu(s)
  return s.cpu_percent or 0
end

function stats.memory_percent(s)
  local m = s.memory_percent or 0
  if m <= 0 and (s.memory_limit_bytes or 0) > 0 then
    m = 100 * (s.rss_bytes or 0) / s.memory_limit_bytes
  end
  return m
end

-- "2.1GB": resident memory in GiB with one decimal, as in the brief's log lines.
function stats.gb(bytes)
  return string.format("%.1fGB", (bytes or 0) / 2 ^ 30)
end

-- ---------------------------------------------------------------------------------------
-- Numbers in reason texts. A reason states facts about the numbers it shows, so a number is
-- never printed so coarsely that it reads as something else ("0.0GB" for 90 MB, "80%" for
-- 80.4% above a line of 80%, "0.00 ms/doc" for 0.004).

-- A size in the largest unit that does not print as 0: "2.1GB" (as stats.gb from 0.1 GiB up),
-- "90MB", "512KB", "300B".
function stats.size(bytes)
  bytes = bytes or 0
  if bytes >= 0.1 * 2 ^ 30 then return stats.gb(bytes) end
  if bytes >= 2 ^ 20 then return string.format("%.0fMB", bytes / 2 ^ 20) end
  if bytes >= 2 ^ 10 then return string.format("%.0fKB", bytes / 2 ^ 10) end
  return string.format("%.0fB", bytes)
end

-- Three significant digits, never an exponent: 4.00, 12.5, 250, 0.0500, 0.00420.
function stats.num(x)
  local a = math.abs(x)
  if a == 0 then return "0" end
  if a >= 100 then return string.format("%.0f", x) end
  if a >= 10 then return string.format("%.1f", x) end
  if a >= 1 then return string.format("%.2f", x) end
  local decimals = 2 + math.ceil(-math.log(a, 10))
  if decimals > 12 then return string.format("%.2e", x) end -- not a latency or a rate any more
  return string.format("%." .. decimals .. "f", x)
end

-- x with `digits` decimals, or with two significant digits when that would print a value
-- that is not 0 as 0 ("0.0004" rather than "0.000").
function stats.fixed(x, digits)
  local s = string.format("%." .. digits .. "f", x)
  if x ~= 0 and tonumber(s) == 0 then
    s = string.format("%." .. (1 + math.ceil(-math.log(math.abs(x), 10))) .. "f", x)
  end
  return s
end

-- A percentage (0..100) for a reason: whole from 10 up, one decimal from 0.1, else two
-- significant digits (0.0040%); when `line` is given, with as many decimals (up to 3) as it takes to
-- read above it (80.4 over a line of 80 is "80.4%", not "80%").
function stats.pct(x, line)
  local s
  if x >= 10 then s = string.format("%.0f", x)
  elseif x >= 0.1 or x == 0 then s = string.format("%.1f", x)
  else s = string.format("%." .. (1 + math.ceil(-math.log(x, 10))) .. "f", x) end
  if line then
    local d = 0
    while d < 3 and x > line and tonumber(s) <= line do
      d = d + 1
      s = string.format("%." .. d .. "f", x)
    end
  end
  return s .. "%"
end

-- The queue has been empty with idle workers for the last k (default 3) snapshots: the
-- source, not the workers, limits throughput. Unknown (capacity 0) never counts as starved.
function stats.starved(history, k)
  local n = #history
  if n == 0 then return false end
  local first = n - (k or 3) + 1
  if first < 1 then first = 1 end
  for i = first, n do
    local h = history[i]
    if (h.queue_capacity or 0) <= 0 or (h.queue_depth or 0) > 0
        or (h.in_flight or 0) >= (h.workers or 0) then
      return false
    end
  end
  return true
end

-- Throttle rate from which a policy also sheds workers, not only batch size.
stats.HEAVY_THROTTLE_RATE = 0.1

-- The first pressure that forces a step down, in order of urgency, or nil:
--   memory   memory above memory_scale_up_threshold (an emergency for the gate)
--   errors   error rate above target_error_rate, or at half of it and still rising
--   throttle the database answered 16500/429 (throttles, throttle_rate or RetryAfterMs)
--   cpu      CPU above cpu_scale_up_threshold
-- Returns { kind, reason, distance (0..1, how far past the line), heavy (throttle only) }.
-- The memory pressure reason for a snapshot over the line (`line`: percent). The brief's shape
-- "High memory usage: 2.1GB" when the resident size is what the percentage measures, with the
-- percentage of the limit; else the percentage first, with the size it stands for:
--   High memory usage: 2.1GB (88% of 2.4GB)     rss accounts for memory_percent
--   High memory usage: 86% (1.7GB of 2.0GB)     rss unknown, or not what the percentage measures
--   High memory usage: 2.1GB (90%)              no limit known
--   High memory usage: 90%                      neither size nor limit known
function stats.memory_reason(s, line)
  local mem, rss, limit = stats.memory_percent(s), s.rss_bytes or 0, s.memory_limit_bytes or 0
  local pct = stats.pct(mem, line)
  if rss > 0 and limit > 0 and math.abs(100 * rss / limit - mem) < 1 then
    return string.format("High memory usage: %s (%s of %s)", stats.size(rss), pct, stats.size(limit))
  end
  if limit > 0 then
    return string.format("High memory usage: %s (%s of %s)", pct, stats.size(mem / 100 * limit),
                         stats.size(limit))
  end
  if rss > 0 then return string.format("High memory usage: %s (%s)", stats.size(rss), pct) end
  return "High memory usage: " .. pct
end

function stats.pressure(s, history, c)
  local mem = stats.memory_percent(s)
  if mem > c.memory_scale_up_threshold then
    return { kind = "memory", reason = stats.memory_reason(s, c.memory_scale_up_threshold),
             distance = stats.clamp((mem - c.memory_scale_up_threshold)
                                    / (100 - c.memory_scale_up_threshold), 0, 1) }
  end
  local er, target = s.error_rate or 0, c.target_error_rate
  local rising = stats.slope(stats.series(history, "error_rate", 4)) > 0
  if er > 0 and (er > target or (er >= target / 2 and rising)) then
    -- "rising" only for a rate whose trend rises; one above target but flat or falling says so
    local reason = rising and "Error rate rising: " .. stats.pct(er * 100)
      or string.format("Error rate above target: %s (target %s)", stats.pct(er * 100, target * 100),
                       stats.pct(target * 100))
    return { kind = "errors", reason = reason,
             distance = stats.clamp(er / (4 * target), 0, 1) } -- target > 0: the host checks
  end
  local tr = s.throttle_rate or 0
  if (s.throttles or 0) > 0 or tr > 0 or (s.retry_after_ms or 0) > 0 then
    return { kind = "throttle", reason = "Throttled by the database (16500/429)",
             heavy = tr >= stats.HEAVY_THROTTLE_RATE or (s.retry_after_ms or 0) >= 1000,
             distance = stats.clamp(tr / (2 * stats.HEAVY_THROTTLE_RATE), 0, 1) }
  end
  local cpu = stats.cpu(s)
  if cpu > c.cpu_scale_up_threshold then
    return { kind = "cpu", reason = "High CPU usage: " .. stats.pct(cpu, c.cpu_scale_up_threshold),
             distance = stats.clamp((cpu - c.cpu_scale_up_threshold)
                                    / (100 - c.cpu_scale_up_threshold), 0, 1) }
  end
  return nil
end

-- Where CPU and memory stand against the profile (docs/policies.md, "Threshold meaning"):
--   "low"    both below their *_scale_down_threshold: room to scale up
--   "below"  both below their target: room to fine-tune upwards
--   "within" at or above a target (and below the scale-up thresholds): hold
function stats.room(s, c)
  local cpu, mem = stats.cpu(s), stats.memory_percent(s)
  if cpu < c.cpu_scale_down_threshold and mem < c.memory_scale_down_threshold then
    return "low"
  end
  if cpu < c.target_cpu_usage and mem < c.target_memory_usage then return "below" end
  return "within"
end

-- How far CPU and memory are below the lines they must stay under (0..1, the smaller).
function stats.headroom(s, cpu_line, mem_line)
  local cpu, mem = stats.cpu(s), stats.memory_percent(s)
  local a = cpu_line > 0 and (cpu_line - cpu) / cpu_line or 0
  local b = mem_line > 0 and (mem_line - mem) / mem_line or 0
  return stats.clamp(a < b and a or b, 0, 1)
end

-- For the settings a policy asked to move (asked deltas dw, db) that the limits keep where
-- they are: "already at the minimum batch size 100", "already at the maximum workers 30 and
-- batch size 75000", "already at the maximum workers 30 and the minimum batch size 100".
-- nil when every setting asked to move can.
function stats.limits_note(s, c, dw, db)
  local w, b = s.workers or 0, s.batch_size or 0
  local held = {}
  local function check(d, cur, lo, hi, name)
    if d > 0 and stats.clamp(cur + d, lo, hi) == cur then
      held[#held + 1] = { side = "maximum", name = name, value = hi }
    elseif d < 0 and stats.clamp(cur + d, lo, hi) == cur then
      held[#held + 1] = { side = "minimum", name = name, value = lo }
    end
  end
  check(dw, w, c.min_workers, c.max_workers, "workers")
  check(db, b, c.min_batch_size, c.max_batch_size, "batch size")
  if #held == 0 then return nil end
  local first = string.format("already at the %s %s %d", held[1].side, held[1].name, held[1].value)
  if #held == 1 then return first end
  local second = held[2].side == held[1].side and "" or "the " .. held[2].side .. " "
  return string.format("%s and %s%s %d", first, second, held[2].name, held[2].value)
end

-- A decision table with both deltas clamped so the result stays inside the configured limits.
-- When clamping leaves nothing to change the action becomes "hold" and the reason says which
-- limit held (stats.limits_note).
function stats.decision(s, c, action, dw, db, confidence, reason)
  local w, b = s.workers or 0, s.batch_size or 0
  local asked_w, asked_b = dw, db
  if dw ~= 0 then dw = stats.clamp(w + dw, c.min_workers, c.max_workers) - w end
  if db ~= 0 then db = stats.clamp(b + db, c.min_batch_size, c.max_batch_size) - b end
  if action ~= "hold" and dw == 0 and db == 0 then
    local note = stats.limits_note(s, c, asked_w, asked_b)
    if note then reason = reason .. "; " .. note end
    action = "hold"
  end
  return { action = action, workers = dw, batch_size = db,
           confidence = stats.round(stats.clamp(confidence, 0, 1)), reason = reason }
end

-- The same with an absolute worker target (and optional batch target), clamped to the limits;
-- the deltas agree with the targets. Action follows the sign of the change.
function stats.target_decision(s, c, target_w, target_b, confidence, reason)
  local w, b = s.workers or 0, s.batch_size or 0
  target_w = stats.clamp(floor(target_w), c.min_workers, c.max_workers)
  if target_b then target_b = stats.clamp(floor(target_b), c.min_batch_size, c.max_batch_size) end
  local dw, db = target_w - w, target_b and target_b - b or 0
  local action = "hold"
  if dw > 0 or (dw == 0 and db > 0) then action = "scale_up"
  elseif dw < 0 or db < 0 then action = "scale_down" end
  return { action = action, workers = dw, batch_size = db, target_workers = target_w,
           target_batch_size = target_b, confidence = stats.round(stats.clamp(confidence, 0, 1)),
           reason = reason }
end

return stats
