-- The "usl" policy: fit Gunther's Universal Scalability Law to the throughput measured at each
-- worker count and go straight to the count that maximises it.
--
--   X(N) = lambda * N / (1 + sigma * (N - 1) + kappa * N * (N - 1))
--   N*   = floor(sqrt((1 - sigma) / kappa))
--
-- Points: state.points[N] is a running mean of docs/s over the clean intervals at N workers
-- (no errors or throttles, queue not starved; weight capped at point_weight so old intervals
-- fade), reset when the batch size moves by more than batch_reset. Fewer than min_points
-- distinct N: probe one worker step up. The fit is least squares on the linearised form
--   N / X = a + b * (N - 1) + c * N * (N - 1),   lambda = 1/a, sigma = b/a, kappa = c/a
-- over the subsets of {a, b, c} with non-negative coefficients (the best one wins), so noise
-- never yields a negative sigma or kappa. kappa ~ 0 (no coherency cost seen yet): step up.
-- Pressure (memory, errors, throttling, CPU) steps down as the rules policy does; at or above
-- the CPU/memory targets it moves down towards N* but never up.
local stats = require("asrun.stats")
local rules = require("asrun.policies.rules")

local usl = { name = "usl" }

usl.defaults = {
  min_points = 3,        -- distinct worker counts needed before trusting a fit
  point_weight = 5,      -- intervals a point averages over before older ones fade
  batch_reset = 0.25,    -- forget the points when the batch size moves by more than this share
  kappa_epsilon = 1e-6,  -- kappa below this: no retrograde region in sight
}

-- Solves the k x k system A x = r (k <= 3) by Gaussian elimination with partial pivoting.
local function solve(A, r, k)
  for col = 1, k do
    local piv = col
    for row = col + 1, k do
      if math.abs(A[row][col]) > math.abs(A[piv][col]) then piv = row end
    end
    if math.abs(A[piv][col]) < 1e-12 then return nil end
    A[col], A[piv], r[col], r[piv] = A[piv], A[col], r[piv], r[col]
    for row = col + 1, k do
      local f = A[row][col] / A[col][col]
      for j = col, k do A[row][j] = A[row][j] - f * A[col][j] end
      r[row] = r[row] - f * r[col]
    end
  end
  local x = {}
  for row = k, 1, -1 do
    local v = r[row]
    for j = row + 1, k do v = v - A[row][j] * x[j] end
    x[row] = v / A[row][row]
  end
  return x
end

-- Column j of the design matrix for N workers: 1, N - 1, N * (N - 1).
local function feature(j, n)
  if j == 1 then return 1 elseif j == 2 then return n - 1 end
  return n * (n - 1)
end

-- Least squares of y on the feature columns `cols`; returns {a, b, c} (absent ones 0) and SSE.
local function lsq(ns, ys, cols)
  local k = #cols
  local A, r = {}, {}
  for i = 1, k do
    A[i], r[i] = {}, 0
    for j = 1, k do A[i][j] = 0 end
  end
  for m = 1, #ns do
    local n = ns[m]
    for i = 1, k do
      local fi = feature(cols[i], n)
      r[i] = r[i] + fi * ys[m]
      for j = 1, k do A[i][j] = A[i][j] + fi * feature(cols[j], n) end
    end
  end
  local x = solve(A, r, k)
  if not x then return nil end
  local coef = { 0, 0, 0 }
  for i = 1, k do coef[cols[i]] = x[i] end
  local sse = 0
  for m = 1, #ns do
    local n = ns[m]
    local e = ys[m] - (coef[1] + coef[2] * (n - 1) + coef[3] * n * (n - 1))
    sse = sse + e * e
  end
  return coef, sse
end

local SUBSETS = { { 1, 2, 3 }, { 1, 3 }, { 1, 2 }, { 1 } }

-- Fits the USL to throughputs xs measured at worker counts ns (parallel arrays, one entry per
-- distinct N). Returns { lambda, sigma, kappa, r2 } or nil when no fit is possible.
function usl.fit(ns, xs)
  if #ns < 2 then return nil end
  local ys = {}
  for m = 1, #ns do
    if xs[m] <= 0 or ns[m] <= 0 then return nil end
    ys[m] = ns[m] / xs[m]
  end
  local best, best_sse
  for _, cols in ipairs(SUBSETS) do
    local coef, sse = lsq(ns, ys, cols)
    if coef and coef[1] > 0 and coef[2] >= 0 and coef[3] >= 0 and (not best or sse < best_sse - 1e-15) then
      best, best_sse = coef, sse
    end
  end
  if not best then return nil end
  -- (+ 0.0 turns a -0.0 from an exact fit into 0, which prints as "0.000")
  local fit = { lambda = 1 / best[1], sigma = best[2] / best[1] + 0.0, kappa = best[3] / best[1] + 0.0 }
  -- R^2 on throughput itself: how much of the variation across N the curve explains.
  local mean, sst, sse = stats.mean(xs), 0, 0
  for m = 1, #ns do
    local e = xs[m] - usl.throughput(fit, ns[m])
    sse, sst = sse + e * e, sst + (xs[m] - mean) ^ 2
  end
  fit.r2 = sst > 0 and 1 - sse / sst or 1
  return fit
end

function usl.throughput(fit, n)
  return fit.lambda * n / (1 + fit.sigma * (n - 1) + fit.kappa * n * (n - 1))
end

-- The worker count with the highest throughput; math.huge when kappa is ~0.
function usl.optimum(fit, eps)
  if fit.kappa < (eps or usl.defaults.kappa_epsilon) then return math.huge end
  if fit.sigma >= 1 then return 1 end
  return math.floor(math.sqrt((1 - fit.sigma) / fit.kappa))
end

-- Adds this interval's throughput to state.points when it measures the workers, not a limit
-- elsewhere (errors, throttling, an empty queue), once per snapshot.
local function record(s, history, state, p)
  if state.last_t ~= nil and state.last_t == s.t then return end
  state.last_t = s.t
  local b = s.batch_size or 0
  if not state.points or not state.batch or math.abs(b - state.batch) > p.batch_reset * state.batch then
    state.points, state.counts, state.batch = {}, {}, b
  end
  local n, x = s.workers or 0, s.docs_per_second or 0
  if n <= 0 or x <= 0 or (s.errors or 0) > 0 or (s.throttles or 0) > 0
      or (s.throttle_rate or 0) > 0 or stats.starved(history, 1) then
    return
  end
  local cnt = math.min((state.counts[n] or 0) + 1, p.point_weight)
  local mean = state.points[n] or x
  state.points[n], state.counts[n] = mean + (x - mean) / cnt, cnt
end

-- The points as sorted parallel arrays (deterministic sums whatever the table order).
local function points(state)
  local ns, xs = {}, {}
  for n in pairs(state.points) do ns[#ns + 1] = n end
  table.sort(ns)
  for i = 1, #ns do xs[i] = state.points[ns[i]] end
  return ns, xs
end

function usl.decide(s, history, state)
  state = state or {}
  if not history or #history == 0 then history = { s } end
  local c, p = stats.config(state), stats.params(state, usl.defaults)
  local w, step = s.workers or 0, c.worker_step
  record(s, history, state, p)

  local pr = stats.pressure(s, history, c)
  if pr then return rules.react(pr, s, history, c) end
  local room = stats.room(s, c)

  local ns, xs = points(state)
  local fit = #ns >= p.min_points and usl.fit(ns, xs) or nil
  if not fit then
    if room == "within" then return stats.decision(s, c, "hold", 0, 0, 0.5, "Within targets") end
    local msg = string.format("USL probing: %d of %d worker counts measured", #ns, p.min_points)
    if w >= c.max_workers then return stats.decision(s, c, "scale_down", -step, 0, 0.4, msg) end
    return stats.decision(s, c, "scale_up", step, 0, 0.4, msg)
  end

  local nstar = usl.optimum(fit, p.kappa_epsilon)
  local conf = 0.4 + 0.1 * math.min(#ns - p.min_points + 1, 3) + 0.2 * stats.clamp(fit.r2, 0, 1)
  local head = string.format("USL fit sigma=%s kappa=%s", stats.fixed(fit.sigma, 2),
                             stats.fixed(fit.kappa, 3))
  if nstar == math.huge then
    if room == "within" then return stats.decision(s, c, "hold", 0, 0, conf, "Within targets") end
    return stats.decision(s, c, "scale_up", step, 0, conf, head .. ": no coherency limit yet, stepping up")
  end
  local target = stats.clamp(nstar, c.min_workers, c.max_workers)
  local optimum = string.format("%s: optimum %d workers", head, nstar)
  if target ~= nstar then
    optimum = string.format("%s, limited to %s %d", optimum,
                            nstar > target and "max_workers" or "min_workers", target)
  end
  if target > w and room == "within" then
    return stats.decision(s, c, "hold", 0, 0, conf, "Within targets (" .. optimum .. ")")
  end
  return stats.target_decision(s, c, target, nil, conf, optimum)
end

return usl
