-- The auto-scaling policies (lua/asrun/policies/*.lua) on recorded snapshot sequences built
-- with the spec's keys (docs/policies.md), and the example strategy's own policy.
local policies = require("asrun.policies")
local usl = require("asrun.policies.usl")

local fx = require("tests.lua.policy_fixtures")
local GiB, config, state, BASE, snap, seq = fx.GiB, fx.config, fx.state, fx.BASE, fx.snap, fx.seq

-- Calls a policy on a history (the current snapshot last) and checks the decision's shape.
local function decide(name, history, st)
  local d = policies.get(name).decide(history[#history], history, st or state())
  assert.is_table(d)
  assert.is_truthy(d.action == "scale_up" or d.action == "scale_down" or d.action == "hold", d.action)
  assert.are.equal(math.type(d.workers), "integer")
  assert.are.equal(math.type(d.batch_size), "integer")
  assert.is_true(d.confidence >= 0 and d.confidence <= 1)
  assert.is_string(d.reason)
  if d.target_workers then assert.are.equal(history[#history].workers + d.workers, d.target_workers) end
  return d
end

local function errmsg(f, ...)
  local ok, msg = pcall(f, ...)
  assert.is_false(ok)
  return (tostring(msg):gsub("^[^:]*:%d+: ", ""))
end

local function usl_x(n) return 1000 * n / (1 + 0.05 * (n - 1) + 0.002 * n * (n - 1)) end

-- What asrun's own policies do on the same recorded situations (history of 5 intervals). The
-- baselines (policies.baselines) follow their published algorithms instead: see their own
-- describe blocks below. hill measures a setting before it moves (one snapshot decides
-- nothing ordinary for it): its own spec covers it.
local common = {
  low = {
    rules = { "scale_up", 1, 1000, "Low resource usage, can increase throughput" },
    gradient = { "scale_up", 1, 0, "Gradient 1.00 (latency 2.00 ms/doc, long-term 2.00): limit 9.4" },
    usl = { "scale_up", 1, 0, "USL probing: 1 of 3 worker counts measured" },
  },
  memory = {
    rules = { "scale_down", -1, -2000 }, gradient = { "scale_down", -1, -2000 },
    usl = { "scale_down", -1, -2000 },
  },
  errors = {
    rules = { "scale_down", -1, -1000 }, gradient = { "scale_down", -1, -1000 },
    usl = { "scale_down", -1, -1000 },
  },
  throttle = {
    rules = { "scale_down", 0, -1000 }, gradient = { "scale_down", 0, -1000 },
    usl = { "scale_down", 0, -1000 },
  },
}

local is_baseline = {}
for _, name in ipairs(policies.baselines) do is_baseline[name] = true end
local measures_first = { hill = true }

local function situations(name)
  describe("policy " .. name .. " on common situations", function()
    it("low resource usage: scales up by a positive worker step", function()
      local d = decide(name, seq(5))
      local e = common.low[name]
      assert.are.same({ e[1], e[2], e[3], e[4] }, { d.action, d.workers, d.batch_size, d.reason })
    end)

    it("memory over 85%: scales down with the brief's reason text", function()
      local d = decide(name, seq(5, { rss_bytes = 2.1 * GiB, memory_limit_bytes = 2.4 * GiB,
                                      memory_percent = 87.5 }))
      local e = common.memory[name]
      assert.are.same({ e[1], e[2], e[3] }, { d.action, d.workers, d.batch_size })
      assert.are.equal("High memory usage: 2.1GB (88% of 2.4GB)", d.reason)
    end)

    it("inside the targets (asrun's CPU 75%): holds", function()
      local d = decide(name, seq(5, { cpu_percent = 75 }))
      assert.are.same({ "hold", 0, 0, "Within targets" }, { d.action, d.workers, d.batch_size, d.reason })
    end)

    it("a neighbour at 100% CPU while asrun uses 3%: room to grow", function()
      local d = decide(name, seq(5, { cpu_percent = 3, system_cpu_percent = 100 }))
      assert.are.equal("scale_up", d.action)
      assert.is_true(d.workers > 0, d.reason)
    end)

    it("rising errors: scales down", function()
      local rates = { 0, 0.002, 0.006, 0.012, 0.02 }
      local d = decide(name, seq(5, function(i) return { error_rate = rates[i], errors = rates[i] * 32000 } end))
      local e = common.errors[name]
      assert.are.same({ e[1], e[2], e[3] }, { d.action, d.workers, d.batch_size })
      assert.are.equal("Error rate rising: 2.0%", d.reason)
    end)

    it("database throttling: smaller batches", function()
      local d = decide(name, seq(5, { throttles = 6, throttle_rate = 0.03 }))
      local e = common.throttle[name]
      assert.are.same({ e[1], e[2], e[3] }, { d.action, d.workers, d.batch_size })
      assert.is_true(d.batch_size < 0)
      assert.are.equal("Throttled by the database (16500/429)", d.reason)
    end)
  end)
end

for _, name in ipairs(policies.names) do
  if not is_baseline[name] and not measures_first[name] then situations(name) end

  describe("policy " .. name .. " as every policy", function()
    it("reads its parameters from state.params and works without state.config", function()
      -- a fresh, lightly used interval: CPU 30%, memory 10%, 64 batches of 500 written (enough
      -- for a policy that measures first: hill's 6 per worker), latency flat
      local s = snap({ batch_size = 500, ops_per_second = 6.4, memory_percent = 10,
                       rss_bytes = 0.25 * GiB })
      assert.are.equal(s.docs_per_second, s.batch_size * s.ops_per_second)
      local p = policies.params(name)
      local d = policies.get(name).decide(s, { s }, { params = p })
      assert.are.equal("scale_up", d.action, d.reason)
      assert.is_true(d.workers > 0, d.reason)
    end)

    it("stays cheap: 2000 calls on a 20-interval history in well under 1 ms each", function()
      local h = seq(20, function(i) return { docs_per_second = 3000 + 10 * i, workers = 8 + i % 3 } end)
      local st, pol = state(), policies.get(name)
      local t0 = os.clock()
      for i = 1, 2000 do
        h[20].t = 200 + i
        pol.decide(h[20], h, st)
      end
      local per_call = (os.clock() - t0) / 2000
      assert.is_true(per_call < 2e-4, string.format("%.1f us per call", per_call * 1e6))
    end)
  end)
end

describe("rules policy", function()
  it("reports the brief's memory decision exactly", function()
    local d = decide("rules", seq(5, { rss_bytes = 2.1 * GiB, memory_limit_bytes = 2.4 * GiB,
                                       memory_percent = 87.5, workers = 12, batch_size = 25000 }))
    assert.are.same({ action = "scale_down", workers = -1, batch_size = -2000, confidence = 0.55,
                      reason = "High memory usage: 2.1GB (88% of 2.4GB)" }, d)
  end)

  it("scales up on low usage with a confidence from headroom and agreeing signals", function()
    -- headroom min((50-30)/50, (60-40)/60) = 1/3 -> 0.6 (asrun's CPU 30%, not the machine's
    -- 35%); backlog and docs/s under target: +0.2
    assert.are.same({ action = "scale_up", workers = 1, batch_size = 1000, confidence = 0.8,
                      reason = "Low resource usage, can increase throughput" }, decide("rules", seq(5)))
  end)

  it("takes its steps from state.config", function()
    local d = decide("rules", seq(5), state({ worker_step = 2, batch_step = 5000 }))
    assert.are.same({ 2, 5000 }, { d.workers, d.batch_size })
  end)

  it("reads asrun's own CPU: a database on the same host at 100% leaves room, asrun at 85% does not", function()
    local d = decide("rules", seq(5, { cpu_percent = 3, system_cpu_percent = 100 }))
    assert.are.same({ "scale_up", 1, 1000, "Low resource usage, can increase throughput" },
                    { d.action, d.workers, d.batch_size, d.reason })
    d = decide("rules", seq(5, { cpu_percent = 85, system_cpu_percent = 40 }))
    assert.are.same({ "scale_down", -1, 0, "High CPU usage: 85%" }, { d.action, d.workers, d.batch_size, d.reason })
  end)

  it("errors at half the target and rising already scale down", function()
    local rates = { 0, 0, 0.001, 0.003, 0.006 }
    local d = decide("rules", seq(5, function(i) return { error_rate = rates[i], errors = rates[i] * 32000 } end))
    assert.are.same({ "scale_down", -1, -1000, "Error rate rising: 0.6%" },
                    { d.action, d.workers, d.batch_size, d.reason })
  end)

  it("heavy throttling sheds a worker as well", function()
    local d = decide("rules", seq(5, { throttles = 40, throttle_rate = 0.2, retry_after_ms = 500 }))
    assert.are.same({ "scale_down", -1, -1000 }, { d.action, d.workers, d.batch_size })
  end)

  it("shrinks batches when latency per document rises past 1.5x its baseline", function()
    local d = decide("rules", seq(6, function(i) return { latency_per_doc_ms = i == 6 and 4.0 or 2.0 } end))
    assert.are.same({ action = "scale_down", workers = 0, batch_size = -1000, confidence = 0.6,
                      reason = "Database latency rising: 4.00 ms/doc (baseline 2.00)" }, d)
  end)

  it("reads latency 0 as no sample, not as a fast baseline", function()
    local d = decide("rules", seq(6, function(i) return { latency_per_doc_ms = i <= 3 and 0 or 2.0 } end))
    assert.are.same({ "scale_up", 1, 1000 }, { d.action, d.workers, d.batch_size })
  end)

  it("grows workers but not batches while latency per document creeps up", function()
    local d = decide("rules", seq(6, function(i) return { latency_per_doc_ms = i == 6 and 2.4 or 2.0 } end))
    assert.are.same({ "scale_up", 1, 0 }, { d.action, d.workers, d.batch_size })
  end)

  it("does not grow batches with memory at target, and holds there", function()
    local d = decide("rules", seq(5, { memory_percent = 76 }))
    assert.are.same({ "hold", 0, 0, "Within targets" }, { d.action, d.workers, d.batch_size, d.reason })
  end)

  it("between the scale-down thresholds and the targets: fine-tunes upwards", function()
    local d = decide("rules", seq(5, { cpu_percent = 60 }))
    assert.are.same({ action = "scale_up", workers = 1, batch_size = 1000, confidence = 0.64,
                      reason = "Below CPU and memory targets, can increase throughput" }, d)
  end)

  it("treats the docs/s target as a floor: above it, still scales up with room", function()
    local d = decide("rules", seq(5, { docs_per_second = 25000 }))
    assert.are.same({ "scale_up", 1, 1000, 0.7 }, { d.action, d.workers, d.batch_size, d.confidence })
  end)

  it("source-bound: drops a worker when half of them idle, holds otherwise", function()
    local d = decide("rules", seq(5, { queue_depth = 0, in_flight = 2 }))
    assert.are.same({ "scale_down", -1, 0, "Source-bound: queue empty, 2.0 of 8 workers busy" },
                    { d.action, d.workers, d.batch_size, d.reason })
    d = decide("rules", seq(5, { queue_depth = 0, in_flight = 6 }))
    assert.are.same({ "hold", 0, 0, "Source-bound: queue empty, more workers would wait" },
                    { d.action, d.workers, d.batch_size, d.reason })
    d = decide("rules", seq(5, { queue_depth = 0, in_flight = 1, workers = 4 }), state({ min_workers = 4 }))
    assert.are.equal("hold", d.action) -- at min_workers
  end)

  it("holds when the database pool is saturated below the worker count", function()
    local d = decide("rules", seq(5, { workers = 8, pool_in_use = 6, pool_size = 6, pool_utilization = 1 }))
    assert.are.same({ "hold", 0, 0, "Database pool saturated: 6/6 connections in use" },
                    { d.action, d.workers, d.batch_size, d.reason })
  end)

  it("at max workers grows only the batch; at both maxima holds", function()
    local d = decide("rules", seq(5, { workers = 30 }))
    assert.are.same({ "scale_up", 0, 1000 }, { d.action, d.workers, d.batch_size })
    d = decide("rules", seq(5, { workers = 30, batch_size = 75000 }))
    assert.are.same({ "hold", 0, 0, "Low resource usage, can increase throughput; already at the maximum workers 30 and batch size 75000" },
                    { d.action, d.workers, d.batch_size, d.reason })
  end)

  it("memory pressure at the minimum settings holds and says so", function()
    local d = decide("rules", seq(5, { workers = 1, batch_size = 100, memory_percent = 90, rss_bytes = 2.25 * GiB }))
    assert.are.same({ "hold", 0, 0, "High memory usage: 2.2GB (90% of 2.5GB); already at the minimum workers 1 and batch size 100" },
                    { d.action, d.workers, d.batch_size, d.reason })
  end)

  it("holds after a scale-up that did not raise throughput, remembers it, probes again later", function()
    local function h(upto, dps9)
      return seq(upto, function(i)
        if i <= 3 then return { workers = 8, docs_per_second = 8000 } end
        return { workers = 9, docs_per_second = dps9 }
      end)
    end
    local st = state()
    local d = decide("rules", h(4, 8050), st)
    assert.are.same({ "hold", 0, 0, "Diminishing returns from more workers (8 -> 9 workers: +1% docs/s)" },
                    { d.action, d.workers, d.batch_size, d.reason })
    assert.are.equal(9, st.ceiling)
    assert.are.equal(40, st.ceiling_t)
    assert.are.near(0.05, st.judged.efficiency, 1e-12)
    -- Still held 110 s later (the verdict is kept once the change has settled) ...
    d = decide("rules", h(15, 8050), st)
    assert.are.equal("hold", d.action)
    assert.are.equal(9, st.ceiling)
    -- ... and released after plateau_hold (12) intervals.
    d = decide("rules", h(16, 8050), st)
    assert.are.same({ "scale_up", 1 }, { d.action, d.workers })
    assert.is_nil(st.ceiling)
  end)

  it("keeps scaling up after a scale-up that paid off", function()
    local st = state()
    local d = decide("rules", seq(4, function(i)
      return i <= 3 and { workers = 8, docs_per_second = 8000 } or { workers = 9, docs_per_second = 8900 }
    end), st)
    assert.are.same({ "scale_up", 1 }, { d.action, d.workers })
    assert.is_nil(st.ceiling)
    assert.are.near(0.9, st.judged.efficiency, 1e-12)
  end)

  it("min_efficiency comes from state.params", function()
    local st = state(nil, policies.params("rules", { min_efficiency = 0.95 }))
    decide("rules", seq(4, function(i)
      return i <= 3 and { workers = 8, docs_per_second = 8000 } or { workers = 9, docs_per_second = 8900 }
    end), st)
    assert.are.equal(9, st.ceiling)
  end)
end)

describe("aimd policy (Netflix concurrency-limits AIMDLimit)", function()
  it("is a baseline with AIMDLimit's defaults: backoff ratio 0.9, timeout 5 s", function()
    assert.are.same({ backoff_ratio = 0.9, timeout_ms = 5000 }, policies.params("aimd"))
    assert.is_string(policies.get("aimd").baseline)
  end)

  it("on a throttled interval: limit = floor(limit x 0.9), batch size held", function()
    local d = decide("aimd", seq(5, { workers = 20, throttles = 3, throttle_rate = 0.02 }))
    assert.are.same({ action = "scale_down", workers = -2, batch_size = 0, target_workers = 18,
                      confidence = 0.7,
                      reason = "Throttled by the database (16500/429): limit 20 x 0.90" }, d)
    assert.is_nil(d.target_batch_size)
    -- a RetryAfterMs alone is a throttle too; floor(9 x 0.9) = 8
    d = decide("aimd", seq(1, { workers = 9, retry_after_ms = 100 }))
    assert.are.same({ "scale_down", 8 }, { d.action, d.target_workers })
  end)

  it("counts failed writes and writes past the timeout as drops", function()
    local d = decide("aimd", seq(1, { workers = 10, errors = 7, error_rate = 0.0002 }))
    assert.are.same({ 9, "Write errors: 7 documents failed: limit 10 x 0.90" },
                    { d.target_workers, d.reason })
    d = decide("aimd", seq(1, { workers = 10, latency_p99_ms = 5001 }))
    assert.are.same({ 9, "Write latency p99 5001 ms past the 5000 ms timeout: limit 10 x 0.90" },
                    { d.target_workers, d.reason })
    d = decide("aimd", seq(1, { workers = 10, latency_p99_ms = 5000 })) -- at the timeout: no drop
    assert.are.same({ "scale_up", 11 }, { d.action, d.target_workers })
  end)

  it("adds one while in flight x 2 >= limit, holds while the limit is not used", function()
    local d = decide("aimd", seq(1, { workers = 10, in_flight = 5 }))
    assert.are.same({ action = "scale_up", workers = 1, batch_size = 0, target_workers = 11,
                      confidence = 0.6, reason = "No drop, 5 of 10 workers in flight: limit + 1" }, d)
    d = decide("aimd", seq(1, { workers = 10, in_flight = 4 }))
    assert.are.same({ "hold", 0, 10, "No drop, but only 4 of 10 workers in flight: limit unused" },
                    { d.action, d.workers, d.target_workers, d.reason })
  end)

  it("ignores CPU and memory (the gate's), and the latency trend (not AIMDLimit's)", function()
    local d = decide("aimd", seq(5, { system_cpu_percent = 95, memory_percent = 87.5,
                                      latency_per_doc_ms = 9 }))
    assert.are.same({ "scale_up", 9 }, { d.action, d.target_workers })
  end)

  it("takes the backoff ratio and timeout from params", function()
    local st = state(nil, policies.params("aimd", { backoff_ratio = 0.5, timeout_ms = 100 }))
    local d = decide("aimd", seq(1, { workers = 10, latency_p99_ms = 150 }), st)
    assert.are.same({ 5, "Write latency p99 150 ms past the 100 ms timeout: limit 10 x 0.50" },
                    { d.target_workers, d.reason })
  end)

  it("stays within min_workers..max_workers", function()
    assert.are.equal(1, config().min_workers) -- balanced
    local d = decide("aimd", seq(1, { workers = 1, throttles = 1 })) -- floor(0.9) = 0 < 1
    assert.are.same({ "hold", 0, 1, "Throttled by the database (16500/429); already at the minimum workers" },
                    { d.action, d.workers, d.target_workers, d.reason })
    d = decide("aimd", seq(1, { workers = 2, throttles = 1 })) -- floor(1.8) = 1: still moves
    assert.are.same({ "scale_down", 1 }, { d.action, d.target_workers })
    d = decide("aimd", seq(1, { workers = 4, throttles = 1 }), state({ min_workers = 4 })) -- 3 < 4
    assert.are.same({ "hold", 4, "Throttled by the database (16500/429); already at the minimum workers" },
                    { d.action, d.target_workers, d.reason })
    d = decide("aimd", seq(1, { workers = 30, in_flight = 30 }))
    assert.are.same({ "hold", 30, "No drop, 30 of 30 workers in flight; already at the maximum workers" },
                    { d.action, d.target_workers, d.reason })
  end)

  it("from 20 workers: a throttle cuts to 18, then clean intervals add one each", function()
    local st, w, seen = state(), 20, {}
    for i = 1, 4 do
      local d = decide("aimd", seq(1, { workers = w, in_flight = w, throttles = i == 1 and 2 or 0 }), st)
      w = d.target_workers
      seen[i] = w
    end
    assert.are.same({ 18, 19, 20, 21 }, seen)
  end)
end)

describe("bulk_executor policy (Cosmos DB bulk congestion control)", function()
  it("is a baseline with the SDK's constants: decrease at most 5, increase 1, window + 1", function()
    assert.are.same({ decrease_max = 5, increase = 1, window_growth = 1 }, policies.params("bulk_executor"))
    assert.is_string(policies.get("bulk_executor").baseline)
  end)

  it("a throttled window cuts min(5, floor(DoC / 2)) workers and grows the window", function()
    local st = state()
    local d = decide("bulk_executor", seq(1, { workers = 20, throttles = 4 }), st)
    assert.are.same({ action = "scale_down", workers = -5, batch_size = 0, target_workers = 15,
                      confidence = 0.7,
                      reason = "Throttled by the database (16500/429): degree of concurrency 20 - 5, "
                               .. "window now 2 intervals" }, d)
    assert.is_nil(d.target_batch_size)
    assert.are.equal(2, st.window)
    -- from 6: min(5, 3) = 3 (a halving); a fresh state has a one-interval window
    d = decide("bulk_executor", seq(1, { workers = 6, retry_after_ms = 500 }), state({ min_workers = 1 }))
    assert.are.same({ "scale_down", 3 }, { d.action, d.target_workers })
  end)

  it("a clean window with progress adds one; no progress holds", function()
    local d = decide("bulk_executor", seq(1, { workers = 8 }))
    assert.are.same({ action = "scale_up", workers = 1, batch_size = 0, target_workers = 9,
                      confidence = 0.6, reason = "Progress without throttling: degree of concurrency 8 + 1" }, d)
    d = decide("bulk_executor", seq(1, { workers = 8, docs_per_second = 0 }))
    assert.are.same({ "hold", 8, "No documents written in the window" },
                    { d.action, d.target_workers, d.reason })
  end)

  it("ignores errors, CPU and memory (the gate's)", function()
    local d = decide("bulk_executor", seq(1, { workers = 8, errors = 50, error_rate = 0.02,
                                               system_cpu_percent = 95, memory_percent = 87.5 }))
    assert.are.same({ "scale_up", 9 }, { d.action, d.target_workers })
  end)

  it("decides once per window, over every interval in it", function()
    local st = state()
    local function step(over) return decide("bulk_executor", seq(1, over), st) end
    assert.are.same(15, step({ workers = 20, throttles = 1 }).target_workers) -- window now 2
    local d = step({ workers = 15, throttles = 2 })                            -- 1 of 2
    assert.are.same({ "hold", "Congestion window: 1 of 2 intervals" }, { d.action, d.reason })
    d = step({ workers = 15 })                 -- 2 of 2: the window saw a throttle: cut again
    assert.are.same({ 10, 3 }, { d.target_workers, st.window })
    assert.are.equal("hold", step({ workers = 10 }).action)
    assert.are.equal("hold", step({ workers = 10 }).action)
    d = step({ workers = 10 })                 -- 3 of 3, clean: + 1
    assert.are.same({ "scale_up", 11, 3 }, { d.action, d.target_workers, st.window })
  end)

  it("stays within min_workers..max_workers", function()
    assert.are.equal(1, config().min_workers) -- balanced
    local d = decide("bulk_executor", seq(1, { workers = 2, throttles = 1 })) -- 2 - min(5, 1) = 1
    assert.are.same({ "scale_down", 1 }, { d.action, d.target_workers })
    d = decide("bulk_executor", seq(1, { workers = 1, throttles = 1 })) -- min(5, floor(1 / 2)) = 0
    assert.are.same({ "hold", 1, "Throttled by the database (16500/429); already at the minimum "
                      .. "workers (window now 2 intervals)" }, { d.action, d.target_workers, d.reason })
    d = decide("bulk_executor", seq(1, { workers = 5, throttles = 1 }), state({ min_workers = 4 })) -- 5 - 2 < 4
    assert.are.same({ "scale_down", 4 }, { d.action, d.target_workers })
    d = decide("bulk_executor", seq(1, { workers = 4, throttles = 1 }), state({ min_workers = 4 }))
    assert.are.same({ "hold", 4 }, { d.action, d.target_workers })
    assert.matches("already at the minimum workers", d.reason, 1, true)
    d = decide("bulk_executor", seq(1, { workers = 30 }))
    assert.are.same({ "hold", "Progress without throttling; already at the maximum workers" },
                    { d.action, d.reason })
  end)

  it("takes its constants from params", function()
    local st = state(nil, policies.params("bulk_executor", { decrease_max = 2, increase = 3, window_growth = 0 }))
    assert.are.equal(18, decide("bulk_executor", seq(1, { workers = 20, throttles = 1 }), st).target_workers)
    assert.are.equal(1, st.window)
    assert.are.equal(21, decide("bulk_executor", seq(1, { workers = 18 }), st).target_workers)
  end)
end)

describe("gradient policy", function()
  local function lat_jump(to, over)
    return seq(11, function(i)
      local o = { latency_per_doc_ms = i == 11 and to or 2.0 }
      for k, v in pairs(over or {}) do o[k] = v end
      return o
    end)
  end

  it("a latency rise gives fewer workers", function()
    -- long = 2 + (2/21) * 6 = 2.571; gradient = max(0.5, 1.5 * 2.571 / 8) = 0.5;
    -- limit = 8 * 0.5 + 0.5 * (8 * 0.5 + sqrt(8)) = 7.41 -> 7 workers
    local st = state()
    local d = decide("gradient", lat_jump(8.0), st)
    assert.are.same({ action = "scale_down", workers = -1, batch_size = 0, target_workers = 7,
                      confidence = 0.8, reason = "Gradient 0.50 (latency 8.00 ms/doc, long-term 2.57): limit 7.4" }, d)
    assert.are.near(4 + 0.5 * (4 + math.sqrt(8)), st.limit, 1e-12)
    assert.are.near(2 + 2 / 21 * 6, st.long, 1e-12)
  end)

  it("a latency rise shrinks the limit even inside the targets", function()
    local d = decide("gradient", lat_jump(8.0, { cpu_percent = 75 }))
    assert.are.same({ "scale_down", 7 }, { d.action, d.target_workers })
  end)

  it("a rise within the tolerance still grows: gradient stays 1", function()
    local d = decide("gradient", lat_jump(2.8))
    assert.are.same({ "scale_up", 9 }, { d.action, d.target_workers })
  end)

  it("keeps the fractional limit in state: growth accumulates", function()
    local st = state()
    local d = decide("gradient", seq(3), st)
    assert.are.equal(9, d.target_workers)
    assert.are.near(8 + 0.5 * math.sqrt(8), st.limit, 1e-12)
    d = decide("gradient", seq(4, { workers = 9 }), st)
    local l = st.limit
    assert.are.near(8 + 0.5 * math.sqrt(8) + 0.5 * math.sqrt(8 + 0.5 * math.sqrt(8)), l, 1e-12)
    assert.are.same({ "scale_up", 11, 2 }, { d.action, d.target_workers, d.workers })
  end)

  it("re-anchors a limit the gate did not apply within two worker steps", function()
    local st = state()
    st.limit = 20
    local d = decide("gradient", seq(3), st)
    assert.are.equal(math.floor(10 + 0.5 * math.sqrt(10) + 0.5), d.target_workers)
  end)

  it("does not grow when source-bound, holds without latency samples", function()
    local d = decide("gradient", seq(5, { queue_depth = 0, in_flight = 3 }))
    assert.are.same({ "hold", 0, "Source-bound: queue empty, more workers would wait" },
                    { d.action, d.workers, d.reason })
    d = decide("gradient", seq(5, { latency_per_doc_ms = 0 }))
    assert.are.same({ "hold", 0, "No latency sample this interval" }, { d.action, d.workers, d.reason })
  end)

  it("takes tolerance and smoothing from params", function()
    local st = state(nil, policies.params("gradient", { tolerance = 1.0, smoothing = 1.0 }))
    -- gradient = 2.095 / 2.8 = 0.748; limit = 8 * 0.748 + sqrt(8) = 8.81 -> 9
    local d = decide("gradient", lat_jump(2.8), st)
    local long = 2 + 2 / 21 * 0.8
    assert.are.near(8 * long / 2.8 + math.sqrt(8), st.limit, 1e-12)
    assert.are.equal(9, d.target_workers)
  end)
end)

describe("usl policy", function()
  it("fits known sigma and kappa from synthetic USL points", function()
    local ns, xs = { 2, 4, 8, 12, 16 }, {}
    for i, n in ipairs(ns) do xs[i] = usl_x(n) end
    local fit = usl.fit(ns, xs)
    assert.are.near(1000, fit.lambda, 1e-6)
    assert.are.near(0.05, fit.sigma, 1e-9)
    assert.are.near(0.002, fit.kappa, 1e-9)
    assert.are.near(1, fit.r2, 1e-9)
    assert.are.equal(21, usl.optimum(fit))
  end)

  it("fits within tolerance with 1% alternating noise", function()
    local ns, xs = { 2, 4, 6, 8, 10, 12, 16, 20 }, {}
    for i, n in ipairs(ns) do xs[i] = usl_x(n) * (1 + 0.01 * (i % 2 == 0 and 1 or -1)) end
    local fit = usl.fit(ns, xs)
    assert.is_true(math.abs(fit.sigma - 0.05) < 0.02, tostring(fit.sigma))
    assert.is_true(math.abs(fit.kappa - 0.002) < 0.0005, tostring(fit.kappa))
    assert.is_true(fit.r2 > 0.99)
  end)

  it("never reports a negative sigma or kappa", function()
    local ns, lin, sup = { 2, 4, 8 }, {}, {}
    for i, n in ipairs(ns) do lin[i], sup[i] = 500 * n, 500 * n ^ 1.2 end
    local fit = usl.fit(ns, lin)
    assert.are.near(0, fit.sigma, 1e-12)
    assert.are.near(0, fit.kappa, 1e-12)
    assert.are.near(500, fit.lambda, 1e-9)
    assert.are.equal(math.huge, usl.optimum(fit))
    fit = usl.fit(ns, sup) -- superlinear: the free fit would need negative sigma
    assert.is_true(fit.sigma >= 0 and fit.kappa >= 0)
    assert.is_nil(usl.fit({ 4 }, { 100 }))
    assert.are.equal(1, usl.optimum({ sigma = 1.2, kappa = 0.01 }))
  end)

  it("probes until 3 worker counts are measured, then goes straight to N*", function()
    local st = state()
    local d = decide("usl", { snap({ t = 10, workers = 4, docs_per_second = usl_x(4) }) }, st)
    assert.are.same({ "scale_up", 1, "USL probing: 1 of 3 worker counts measured" }, { d.action, d.workers, d.reason })
    d = decide("usl", { snap({ t = 20, workers = 6, docs_per_second = usl_x(6) }) }, st)
    assert.are.equal("USL probing: 2 of 3 worker counts measured", d.reason)
    d = decide("usl", { snap({ t = 30, workers = 8, docs_per_second = usl_x(8) }) }, st)
    assert.are.same({ action = "scale_up", workers = 13, batch_size = 0, target_workers = 21,
                      confidence = 0.7, reason = "USL fit sigma=0.05 kappa=0.002: optimum 21 workers" }, d)
    -- Past the optimum: back down to it.
    d = decide("usl", { snap({ t = 40, workers = 28, docs_per_second = usl_x(28) }) }, st)
    assert.are.same({ "scale_down", -7, 21 }, { d.action, d.workers, d.target_workers })
    assert.are.equal(0.8, d.confidence)
    -- At the optimum: hold.
    d = decide("usl", { snap({ t = 50, workers = 21, docs_per_second = usl_x(21) }) }, st)
    assert.are.same({ "hold", 0, "USL fit sigma=0.05 kappa=0.002: optimum 21 workers" }, { d.action, d.workers, d.reason })
  end)

  it("inside the targets does not climb towards N*", function()
    local st = state()
    for i, n in ipairs({ 4, 6 }) do
      decide("usl", { snap({ t = 10 * i, workers = n, docs_per_second = usl_x(n) }) }, st)
    end
    local d = decide("usl", { snap({ t = 30, workers = 8, docs_per_second = usl_x(8), cpu_percent = 75 }) }, st)
    assert.are.same({ "hold", 0, "Within targets (USL fit sigma=0.05 kappa=0.002: optimum 21 workers)" },
                    { d.action, d.workers, d.reason })
  end)

  it("steps up while no coherency cost shows (kappa ~ 0)", function()
    local st = state()
    local d
    for i, n in ipairs({ 4, 5, 6 }) do
      d = decide("usl", { snap({ t = 10 * i, workers = n, docs_per_second = 800 * n }) }, st)
    end
    assert.are.same({ "scale_up", 1, "USL fit sigma=0.00 kappa=0.000: no coherency limit yet, stepping up" },
                    { d.action, d.workers, d.reason })
  end)

  it("records clean intervals only, once per snapshot, and forgets on a batch size change", function()
    local st = state()
    decide("usl", { snap({ t = 10, workers = 4, docs_per_second = 3000 }) }, st)
    decide("usl", { snap({ t = 10, workers = 4, docs_per_second = 3000 }) }, st) -- same snapshot
    assert.are.same({ [4] = 1 }, st.counts)
    decide("usl", { snap({ t = 20, workers = 4, docs_per_second = 4000 }) }, st)
    assert.are.same({ [4] = 3500 }, st.points)
    decide("usl", { snap({ t = 30, workers = 5, docs_per_second = 9000, throttles = 2, throttle_rate = 0.01 }) }, st)
    decide("usl", { snap({ t = 40, workers = 6, docs_per_second = 9000, errors = 5, error_rate = 0.001 }) }, st)
    decide("usl", { snap({ t = 50, workers = 7, docs_per_second = 9000, queue_depth = 0, in_flight = 2 }) }, st)
    assert.are.same({ [4] = 3500 }, st.points)
    decide("usl", { snap({ t = 60, workers = 8, batch_size = 20000, docs_per_second = 6000 }) }, st)
    assert.are.same({ [8] = 6000 }, st.points)
  end)
end)

describe("asrun.policies", function()
  it("gets each built-in policy by name, hill by default", function()
    for _, name in ipairs({ "hill", "rules", "aimd", "gradient", "usl", "bulk_executor" }) do
      local p = policies.get(name)
      assert.are.equal(name, p.name)
      assert.is_function(p.decide)
      assert.is_table(p.defaults)
    end
    assert.are.equal(policies.get("hill"), policies.get())
    assert.are.same({ "hill", "rules", "aimd", "gradient", "usl", "bulk_executor" }, policies.names)
    assert.are.same({ "aimd", "bulk_executor" }, policies.baselines)
  end)

  it("names the known policies for an unknown one", function()
    assert.are.equal("unknown scaling policy 'fastest' (known: hill, rules, aimd, gradient, usl, bulk_executor)",
                     errmsg(policies.get, "fastest"))
    assert.are.equal("unknown scaling policy of type number (known: hill, rules, aimd, gradient, usl, bulk_executor)",
                     errmsg(policies.get, 3))
  end)

  it("accepts a strategy's own policy table with a decide function", function()
    local mine = { decide = function() end }
    assert.are.equal(mine, policies.get(mine))
    assert.are.equal("a scaling policy table needs a decide(snapshot, history, state) function",
                     errmsg(policies.get, { name = "x" }))
  end)

  it("params merges overrides into the defaults and checks keys and types", function()
    local p = policies.params("aimd", { backoff_ratio = 0.5 })
    assert.are.same({ backoff_ratio = 0.5, timeout_ms = 5000 }, p)
    assert.are.equal(0.9, policies.get("aimd").defaults.backoff_ratio) -- defaults untouched
    assert.are.same(policies.get("usl").defaults, policies.params("usl"))
    assert.are.equal("unknown parameter 'decay' for scaling policy 'aimd' (known: backoff_ratio, "
                     .. "timeout_ms)", errmsg(policies.params, "aimd", { decay = 1 }))
    assert.are.equal("parameter 'tolerance' of scaling policy 'gradient' must be a number, got string",
                     errmsg(policies.params, "gradient", { tolerance = "2" }))
    assert.are.equal("scaling params must be a table, got string", errmsg(policies.params, "usl", "x"))
    assert.are.same({ anything = 1 }, policies.params({ decide = print }, { anything = 1 }))
  end)
end)

describe("strategies/custom_policy.lua", function()
  local root = os.getenv("ASRUN_ROOT") or "."
  local strategy = dofile(root .. "/strategies/custom_policy.lua")
  local decide = policies.get(strategy.scaling.policy).decide

  it("brings its own policy and the balanced profile", function()
    assert.are.equal("balanced", strategy.scaling.profile)
    assert.are.equal("keep_queue_fed", strategy.scaling.policy.name)
  end)

  it("adds a worker on a queue backlog below the CPU target, drops one on an empty queue", function()
    local st = state()
    local d = decide(snap({ queue_depth = 12 }), nil, st)
    assert.are.same({ action = "scale_up", add_workers = 1, confidence = 0.6,
                      reason = "Queue backlog 12 of 16 at 30% CPU: adding a worker" }, d)
    d = decide(snap({ queue_depth = 12, cpu_percent = 72 }), nil, st)
    assert.are.same({ "hold", "Queue at 12 of 16" }, { d.action, d.reason })
    d = decide(snap({ queue_depth = 0, in_flight = 3 }), nil, st)
    assert.are.same({ "scale_down", -1, "Queue empty, 3 of 8 workers busy: the source is the limit" },
                    { d.action, d.add_workers, d.reason })
  end)

  it("drops a worker when p95 doubles against its baseline", function()
    local st = state()
    decide(snap({ latency_p95_ms = 30 }), nil, st)
    assert.are.equal(30, st.p95_baseline)
    local d = decide(snap({ latency_p95_ms = 61 }), nil, st)
    assert.are.same({ action = "scale_down", add_workers = -1, confidence = 0.7,
                      reason = "Latency p95 doubled: 61 ms (baseline 30 ms)" }, d)
    assert.are.equal(30, st.p95_baseline)
  end)

  it("runs under the host", function()
    local bin = os.getenv("ASRUN_BIN") or "build/asrun"
    local f = assert(io.popen(bin .. " " .. root .. "/strategies/custom_policy.lua --target null: --total 2000 2>&1"))
    local out = f:read("a")
    local ok = f:close()
    assert.is_true(ok, out)
    assert.matches("Wrote 2,000 documents to null:", out, 1, true)
  end)
end)
