-- Reasons state true facts: one case per reason template the built-in policies (rules, aimd,
-- gradient, usl, bulk_executor) and asrun.stats produce, each driving a policy into the
-- situation and checking the text against the numbers it was given (hill's own templates are
-- in its spec; its pressure reasons are rules', checked here). Then a sweep over many
-- situations checks what every reason may claim: "rising" only for what rose, "already at the
-- minimum workers" only at the minimum, the counts a reason names are the snapshot's, no size
-- or rate printed as 0 when it is not.
local policies = require("asrun.policies")
local stats = require("asrun.stats")

-- The baselines follow their published algorithms and leave CPU and memory to the safety gate
-- (policies.baselines); every other policy reacts to the pressures below with their reasons.
local is_baseline = {}
for _, name in ipairs(policies.baselines) do is_baseline[name] = true end

local fx = require("tests.lua.policy_fixtures")
local GiB, MiB, config, state, BASE, snap, seq = fx.GiB, fx.MiB, fx.config, fx.state, fx.BASE,
                                                 fx.snap, fx.seq

local function decide(name, history, st)
  return policies.get(name).decide(history[#history], history, st or state())
end

-- The number after `label` in text (commas and units dropped).
local function number_after(text, label)
  local v = text:match(label:gsub("%p", "%%%0") .. "%s*([%d.]+)")
  return v and tonumber(v)
end

local function size_bytes(text)
  local v, unit = text:match("^([%d.]+)(%a+)$")
  local scale = { GB = GiB, MB = MiB, KB = 1024, B = 1 }
  return tonumber(v) * scale[unit]
end

describe("reasons from asrun.stats (every policy's pressure)", function()
  local c = config()

  it("memory: rss that accounts for the percentage, in the brief's shape with the limit", function()
    local s = snap({ rss_bytes = 2.1 * GiB, memory_limit_bytes = 2.4 * GiB, memory_percent = 87.5 })
    local r = stats.pressure(s, { s }, c).reason
    assert.are.equal("High memory usage: 2.1GB (88% of 2.4GB)", r)
    for _, name in ipairs(policies.names) do
      local d = decide(name, seq(5, { rss_bytes = 2.1 * GiB, memory_limit_bytes = 2.4 * GiB,
                                      memory_percent = 87.5 }))
      if is_baseline[name] then
        assert.is_nil(d.reason:find("memory", 1, true), name .. ": " .. d.reason) -- the gate's
      else
        assert.are.equal(r, d.reason, name)
      end
    end
  end)

  it("memory: rss tiny (or not what the percentage measures): the percentage and the size it means", function()
    local s = snap({ rss_bytes = 3 * MiB, memory_limit_bytes = 2 * GiB, memory_percent = 86 })
    local r = stats.pressure(s, { s }, c).reason
    assert.are.equal("High memory usage: 86% (1.7GB of 2.0GB)", r)
    assert.is_nil(r:find("0.0GB", 1, true))
    assert.are.near(0.86 * 2 * GiB, size_bytes(r:match("%((%S+) of")), 0.05 * GiB)
    s.rss_bytes = 0 -- unknown
    assert.are.equal("High memory usage: 86% (1.7GB of 2.0GB)", stats.pressure(s, { s }, c).reason)
  end)

  it("memory: a small process in a small limit is in MB, never 0.0GB", function()
    local s = snap({ rss_bytes = 90 * MiB, memory_limit_bytes = 100 * MiB, memory_percent = 90 })
    assert.are.equal("High memory usage: 90MB (90% of 100MB)", stats.pressure(s, { s }, c).reason)
  end)

  it("memory: without a known limit, the size and the percentage as given; without either, the percentage", function()
    local s = snap({ rss_bytes = 2.1 * GiB, memory_limit_bytes = 0, memory_percent = 90 })
    assert.are.equal("High memory usage: 2.1GB (90%)", stats.pressure(s, { s }, c).reason)
    s.rss_bytes = 0
    assert.are.equal("High memory usage: 90%", stats.pressure(s, { s }, c).reason)
  end)

  it("memory: a percentage just over the line reads over it", function()
    local s = snap({ rss_bytes = 0, memory_limit_bytes = 0, memory_percent = 85.3 })
    assert.are.equal("High memory usage: 85.3%", stats.pressure(s, { s }, c).reason)
  end)

  it("errors rising: said only of a rate whose trend rises", function()
    local h = seq(4, function(i) return { error_rate = ({ 0.005, 0.008, 0.012, 0.02 })[i] } end)
    assert.are.equal("Error rate rising: 2.0%", stats.pressure(h[4], h, c).reason)
    assert.is_true(stats.slope(stats.series(h, "error_rate", 4)) > 0)
  end)

  it("errors above target but flat or falling: not called rising", function()
    local flat = seq(4, { error_rate = 0.03 })
    assert.are.equal("Error rate above target: 3.0% (target 1.0%)", stats.pressure(flat[4], flat, c).reason)
    local falling = seq(4, function(i) return { error_rate = 0.05 - 0.005 * i } end)
    assert.are.equal("Error rate above target: 3.0% (target 1.0%)",
                     stats.pressure(falling[4], falling, c).reason)
    for _, name in ipairs(policies.names) do
      if not is_baseline[name] then
        assert.are.equal("Error rate above target: 3.0% (target 1.0%)",
                         decide(name, seq(5, { error_rate = 0.03 })).reason, name)
      end
    end
  end)

  it("errors: small rates and targets print as what they are, not 0.0%", function()
    local h = seq(4, { error_rate = 0.0004 })
    assert.are.equal("Error rate above target: 0.040% (target 0.010%)",
                     stats.pressure(h[4], h, config({ target_error_rate = 0.0001 })).reason)
  end)

  it("throttling: said when the database answered 16500/429", function()
    local s = snap({ throttles = 6, throttle_rate = 0.03 })
    assert.are.equal("Throttled by the database (16500/429)", stats.pressure(s, { s }, c).reason)
    assert.is_nil(stats.pressure(snap(), { snap() }, c))
  end)

  it("heavy throttling: every policy but the baselines says so", function()
    local h = seq(5, { throttles = 40, throttle_rate = 0.2, retry_after_ms = 500 })
    assert.is_true(stats.pressure(h[5], h, c).heavy)
    for _, name in ipairs(policies.names) do
      local d = decide(name, h)
      assert.are.equal("Throttled by the database (16500/429)", d.reason:match("^[^:;]*"), name)
      if not is_baseline[name] then
        assert.are.same({ "scale_down", "Throttled by the database (16500/429)" }, { d.action, d.reason }, name)
      end
    end
  end)

  it("hill's safety layer: memory, errors and heavy throttling decided as rules decides them", function()
    local situations = {
      seq(5, { rss_bytes = 2.1 * GiB, memory_limit_bytes = 2.4 * GiB, memory_percent = 87.5 }),
      seq(4, function(i) return { error_rate = ({ 0.005, 0.008, 0.012, 0.02 })[i] } end),
      seq(5, { error_rate = 0.03 }),
      seq(5, { throttles = 40, throttle_rate = 0.2, retry_after_ms = 500 }),
    }
    for i, h in ipairs(situations) do
      local d = decide("hill", h)
      assert.are.same(decide("rules", h), d, "situation " .. i)
      assert.are.equal("scale_down", d.action, "situation " .. i)
    end
  end)

  it("CPU: asrun's own, and just over the line reads over it", function()
    local s = snap({ cpu_percent = 95, system_cpu_percent = 20 })
    assert.are.equal("High CPU usage: 95%", stats.pressure(s, { s }, c).reason)
    s.cpu_percent = 80.4
    assert.are.equal("High CPU usage: 80.4%", stats.pressure(s, { s }, c).reason)
    s.cpu_percent, s.system_cpu_percent = 3, 100 -- a neighbour's CPU is not asrun's
    assert.is_nil(stats.pressure(s, { s }, c))
  end)
end)

describe("which limit held (stats.decision, aimd)", function()
  local c = config()

  it("only the batch size was asked to move and it is at its minimum: says so, not workers", function()
    -- 12 workers, batch at the minimum 100; throttling asks for a smaller batch only
    local h = seq(5, { workers = 12, batch_size = 100, throttles = 3, throttle_rate = 0.02 })
    local d = decide("rules", h)
    assert.are.same({ "hold", 0, 0 }, { d.action, d.workers, d.batch_size })
    assert.are.equal("Throttled by the database (16500/429); already at the minimum batch size 100", d.reason)
  end)

  it("only workers asked and at the maximum", function()
    local d = stats.decision({ workers = 30, batch_size = 500 }, c, "scale_up", 1, 0, 0.6, "r")
    assert.are.equal("r; already at the maximum workers 30", d.reason)
  end)

  it("both at the same side, and one at each side", function()
    local d = stats.decision({ workers = 1, batch_size = 100 }, c, "scale_down", -1, -1000, 0.6, "m")
    assert.are.equal("m; already at the minimum workers 1 and batch size 100", d.reason)
    d = stats.decision({ workers = 30, batch_size = 100 }, c, "scale_up", 1, -1000, 0.6, "x")
    assert.are.equal("x; already at the maximum workers 30 and the minimum batch size 100", d.reason)
    d = stats.decision({ workers = 30, batch_size = 75000 }, c, "scale_up", 1, 1000, 0.6, "u")
    assert.are.equal("u; already at the maximum workers 30 and batch size 75000", d.reason)
  end)

  it("a setting that still moves is not said to be at its limit", function()
    local d = stats.decision({ workers = 12, batch_size = 100 }, c, "scale_down", -1, -1000, 0.6, "m")
    assert.are.same({ "scale_down", -1, 0, "m" }, { d.action, d.workers, d.batch_size, d.reason })
  end)

  it("aimd: a drop cuts workers only; at the minimum it names workers alone", function()
    -- aimd holds the batch size: at the minimum batch size too, only workers are named
    local d = decide("aimd", seq(5, { workers = 1, batch_size = 100, throttles = 2, throttle_rate = 0.02 }))
    assert.are.same({ "hold", 0, 0, "Throttled by the database (16500/429); already at the minimum workers" },
                    { d.action, d.workers, d.batch_size, d.reason })
    assert.are.equal(c.min_workers, 1)
    d = decide("aimd", seq(5, { workers = 12, batch_size = 100, throttles = 2, throttle_rate = 0.02 }))
    assert.are.same({ "scale_down", 10, 0 }, { d.action, d.target_workers, d.batch_size }) -- workers still move
    assert.are.equal("Throttled by the database (16500/429): limit 12 x 0.90", d.reason)
  end)
end)

describe("rules reasons", function()
  local function lat(values) return function(i) return { latency_per_doc_ms = values[i] } end end

  it("database latency rising: it rose in the last interval, past 1.5x its baseline", function()
    local d = decide("rules", seq(6, lat({ 2, 2, 2, 2, 2, 4 })))
    assert.are.same({ "scale_down", -1000, "Database latency rising: 4.00 ms/doc (baseline 2.00)" },
                    { d.action, d.batch_size, d.reason })
  end)

  it("database latency high: past the line but flat or down since the last interval", function()
    -- baseline: the EWMA (0.3) of 2, 2, 2, 2, 7 = 3.5; 6 > 1.5 * 3.5 and the window still rises
    local d = decide("rules", seq(6, lat({ 2, 2, 2, 2, 7, 6 })))
    assert.are.same({ "scale_down", "Database latency high: 6.00 ms/doc (baseline 3.50)" }, { d.action, d.reason })
  end)

  it("latency per document in microseconds keeps its digits", function()
    local d = decide("rules", seq(6, lat({ 0.002, 0.002, 0.002, 0.002, 0.002, 0.0042 })))
    assert.are.equal("Database latency rising: 0.00420 ms/doc (baseline 0.00200)", d.reason)
  end)

  it("source-bound with half the workers idle: the busy count is the mean it saw", function()
    local d = decide("rules", seq(5, function(i) return { queue_depth = 0, in_flight = ({ 4, 4, 1, 2, 2 })[i] } end))
    assert.are.same({ "scale_down", "Source-bound: queue empty, 1.7 of 8 workers busy" }, { d.action, d.reason })
  end)

  it("source-bound with most workers busy: holds", function()
    local d = decide("rules", seq(5, { queue_depth = 0, in_flight = 6 }))
    assert.are.same({ "hold", "Source-bound: queue empty, more workers would wait" }, { d.action, d.reason })
  end)

  it("within targets: CPU or memory at its target", function()
    assert.are.equal("Within targets", decide("rules", seq(5, { cpu_percent = 72 })).reason)
    assert.are.equal("Within targets", decide("rules", seq(5, { memory_percent = 76, rss_bytes = 1.9 * GiB })).reason)
  end)

  it("pool saturated: the connections in use and the pool size as measured", function()
    local d = decide("rules", seq(5, { pool_in_use = 6, pool_size = 6, pool_utilization = 1 }))
    assert.are.same({ "hold", "Database pool saturated: 6/6 connections in use" }, { d.action, d.reason })
  end)

  -- Three intervals at 8 workers, then `after` at 9: the scale-up is judged.
  local function judged(after)
    return seq(4, function(i)
      return i <= 3 and { workers = 8, docs_per_second = 8000 } or { workers = 9, docs_per_second = after }
    end)
  end

  it("diminishing returns: the gain the scale-up measured", function()
    local d = decide("rules", judged(8100))
    assert.are.same({ "hold", "Diminishing returns from more workers (8 -> 9 workers: +1% docs/s)" },
                    { d.action, d.reason })
  end)

  it("a scale-up that lowered throughput is not called diminishing returns", function()
    local d = decide("rules", judged(5760))
    assert.are.same({ "hold", "More workers lowered throughput (8 -> 9 workers: -28% docs/s)" },
                    { d.action, d.reason })
  end)

  it("a scale-up that changed nothing says so", function()
    local d = decide("rules", judged(8010))
    assert.are.equal("More workers did not raise throughput (8 -> 9 workers: docs/s unchanged)", d.reason)
  end)

  it("the ceiling's own measurement, not a later one's", function()
    local st = state()
    decide("rules", judged(5760), st) -- ceiling at 9
    -- later (within plateau_hold), back at 6 workers, a scale-up to 7 pays off; at 9 again the
    -- hold names the 8 -> 9 that set the ceiling
    local h = seq(4, function(i)
      return i <= 3 and { workers = 6, docs_per_second = 6000, t = 40 + 10 * i }
        or { workers = 7, docs_per_second = 7000, t = 80 }
    end)
    decide("rules", h, st)
    assert.are.same({ 6, 7 }, { st.judged.from, st.judged.to })
    assert.are.equal(9, st.ceiling)
    local d = decide("rules", seq(1, { workers = 9, docs_per_second = 5800, t = 90 }), st)
    assert.are.equal("More workers lowered throughput (8 -> 9 workers: -28% docs/s)", d.reason)
  end)

  it("low resource usage / below the targets: CPU and memory as the profile draws them", function()
    local d = decide("rules", seq(5))
    assert.are.same({ "scale_up", "Low resource usage, can increase throughput" }, { d.action, d.reason })
    assert.is_true(BASE.cpu_percent < 50 and BASE.memory_percent < 60)
    d = decide("rules", seq(5, { cpu_percent = 60 }))
    assert.are.same({ "scale_up", "Below CPU and memory targets, can increase throughput" }, { d.action, d.reason })
  end)
end)

describe("aimd reasons", function()
  -- One interval at `workers` (AIMDLimit reads the sample in hand, not a history).
  local function one(over) return decide("aimd", seq(1, over)) end

  it("throttled: the limit it had and the ratio it keeps", function()
    local d = one({ workers = 20, throttles = 3, throttle_rate = 0.02 })
    assert.are.same({ "scale_down", 18, "Throttled by the database (16500/429): limit 20 x 0.90" },
                    { d.action, d.target_workers, d.reason })
    assert.are.equal(math.floor(number_after(d.reason, "limit") * number_after(d.reason, "x")), d.target_workers)
    -- a RetryAfterMs alone is the database throttling too; a throttle is named before errors
    d = one({ workers = 10, retry_after_ms = 200, errors = 4, error_rate = 0.001 })
    assert.are.equal("Throttled by the database (16500/429): limit 10 x 0.90", d.reason)
  end)

  it("write errors: the documents that failed", function()
    local d = one({ workers = 10, errors = 7, error_rate = 0.0002 })
    assert.are.same({ "scale_down", 9, "Write errors: 7 documents failed: limit 10 x 0.90" },
                    { d.action, d.target_workers, d.reason })
  end)

  it("slow writes: p99 past the timeout, with the digits that show it is past", function()
    local d = one({ workers = 10, latency_p99_ms = 5001 })
    assert.are.same({ "scale_down", 9, "Write latency p99 5001 ms past the 5000 ms timeout: limit 10 x 0.90" },
                    { d.action, d.target_workers, d.reason })
    d = one({ workers = 10, latency_p99_ms = 5000.4 })
    assert.are.equal("Write latency p99 5000.4 ms past the 5000 ms timeout: limit 10 x 0.90", d.reason)
    assert.is_true(number_after(d.reason, "p99") > number_after(d.reason, "past the"))
    d = one({ workers = 10, latency_p99_ms = 5000 }) -- at the timeout is not past it
    assert.are.equal("No drop, 8 of 10 workers in flight: limit + 1", d.reason)
  end)

  it("a drop at the minimum workers: the drop, and the limit that held", function()
    local d = one({ workers = 1, errors = 3, error_rate = 0.0001 })
    assert.are.same({ "hold", 1, "Write errors: 3 documents failed; already at the minimum workers" },
                    { d.action, d.target_workers, d.reason })
    d = one({ workers = 1, latency_p99_ms = 6000 })
    assert.are.equal("Write latency p99 6000 ms past the 5000 ms timeout; already at the minimum workers", d.reason)
  end)

  it("a drop that keeps the limit (backoff ratio 1) is not said to be at the minimum", function()
    local st = state(nil)
    st.params = policies.params("aimd", { backoff_ratio = 1.0 })
    local d = decide("aimd", seq(1, { workers = 10, throttles = 1 }), st)
    assert.are.same({ "hold", 10, "Throttled by the database (16500/429): limit 10 x 1.00" },
                    { d.action, d.target_workers, d.reason })
  end)

  it("no drop, the limit used (in flight x 2 >= limit): the counts as measured", function()
    local d = one({ workers = 10, in_flight = 5 })
    assert.are.same({ "scale_up", 11, "No drop, 5 of 10 workers in flight: limit + 1" },
                    { d.action, d.target_workers, d.reason })
  end)

  it("no drop at the maximum workers", function()
    local d = one({ workers = 30, in_flight = 16 })
    assert.are.same({ "hold", 30, "No drop, 16 of 30 workers in flight; already at the maximum workers" },
                    { d.action, d.target_workers, d.reason })
  end)

  it("no drop, the limit unused: 'only' when fewer than half are in flight", function()
    local d = one({ workers = 10, in_flight = 4 })
    assert.are.same({ "hold", 10, "No drop, but only 4 of 10 workers in flight: limit unused" },
                    { d.action, d.target_workers, d.reason })
  end)
end)

describe("bulk_executor reasons", function()
  local function one(over, st) return decide("bulk_executor", seq(1, over), st) end

  it("a throttled window: the degree of concurrency, the cut and the window it grew to", function()
    local st = state()
    local d = one({ workers = 20, throttles = 4 }, st)
    assert.are.same({ "scale_down", 15, "Throttled by the database (16500/429): degree of concurrency 20 - 5, "
                      .. "window now 2 intervals" }, { d.action, d.target_workers, d.reason })
    assert.are.equal(st.window, number_after(d.reason, "window now"))
    d = one({ workers = 6, retry_after_ms = 500 })
    assert.are.equal("Throttled by the database (16500/429): degree of concurrency 6 - 3, window now 2 intervals",
                     d.reason)
  end)

  it("a throttled window at the minimum workers", function()
    local d = one({ workers = 1, throttles = 2 })
    assert.are.same({ "hold", 1, "Throttled by the database (16500/429); already at the minimum workers "
                      .. "(window now 2 intervals)" }, { d.action, d.target_workers, d.reason })
  end)

  it("a clean window with progress, and at the maximum workers", function()
    local d = one({ workers = 8 })
    assert.are.same({ "scale_up", 9, "Progress without throttling: degree of concurrency 8 + 1" },
                    { d.action, d.target_workers, d.reason })
    d = one({ workers = 30 })
    assert.are.same({ "hold", 30, "Progress without throttling; already at the maximum workers" },
                    { d.action, d.target_workers, d.reason })
  end)

  it("changes that add or cut nothing (params) are not said to be at a limit", function()
    local st = state()
    st.params = policies.params("bulk_executor", { increase = 0, decrease_max = 0 })
    local d = one({ workers = 8 }, st)
    assert.are.same({ "hold", 8, "Progress without throttling: degree of concurrency 8 + 0" },
                    { d.action, d.target_workers, d.reason })
    d = one({ workers = 8, throttles = 1 }, st)
    assert.are.same({ "hold", 8, "Throttled by the database (16500/429): degree of concurrency 8 - 0, "
                      .. "window now 2 intervals" }, { d.action, d.target_workers, d.reason })
  end)

  it("inside a window: how far it has come", function()
    local st = state()
    one({ workers = 20, throttles = 1 }, st) -- window now 2
    local d = one({ workers = 15 }, st)
    assert.are.same({ "hold", 15, "Congestion window: 1 of 2 intervals" }, { d.action, d.target_workers, d.reason })
    d = one({ workers = 15 }, st) -- the window's first interval saw no throttle either: progress
    assert.are.equal("Progress without throttling: degree of concurrency 15 + 1", d.reason)
  end)

  it("a window without documents written", function()
    local d = one({ workers = 8, docs_per_second = 0 })
    assert.are.same({ "hold", 8, "No documents written in the window" }, { d.action, d.target_workers, d.reason })
  end)
end)

describe("gradient reasons", function()
  it("the gradient, the latencies and the limit it computed", function()
    local st = state()
    local d = decide("gradient", seq(11, function(i) return { latency_per_doc_ms = i == 11 and 8 or 2 } end), st)
    assert.are.equal("Gradient 0.50 (latency 8.00 ms/doc, long-term 2.57): limit 7.4", d.reason)
    assert.are.near(st.long, number_after(d.reason, "long-term"), 0.005)
    assert.are.near(st.limit, number_after(d.reason, "limit"), 0.05)
  end)

  it("small latencies keep their digits", function()
    local d = decide("gradient", seq(5, { latency_per_doc_ms = 0.05 }))
    assert.are.equal("Gradient 1.00 (latency 0.0500 ms/doc, long-term 0.0500): limit 9.4", d.reason)
  end)

  it("no latency sample in this interval", function()
    local d = decide("gradient", seq(5, function(i) return { latency_per_doc_ms = i == 5 and 0 or 2 } end))
    assert.are.same({ "hold", "No latency sample this interval" }, { d.action, d.reason })
  end)

  it("source-bound, within targets", function()
    assert.are.equal("Source-bound: queue empty, more workers would wait",
                     decide("gradient", seq(5, { queue_depth = 0, in_flight = 3 })).reason)
    assert.are.equal("Within targets", decide("gradient", seq(5, { cpu_percent = 75 })).reason)
  end)
end)

describe("usl reasons", function()
  local function x(n, sigma, kappa)
    return 1000 * n / (1 + sigma * (n - 1) + kappa * n * (n - 1))
  end
  local function feed(ns, sigma, kappa, over)
    local st, d = state(), nil
    for i, n in ipairs(ns) do
      local o = { t = 10 * i, workers = n, docs_per_second = x(n, sigma, kappa) }
      for k, v in pairs(over or {}) do o[k] = v end
      d = decide("usl", { snap(o) }, st)
    end
    return d, st
  end

  it("probing: the worker counts measured so far", function()
    local d = feed({ 4, 5 }, 0.05, 0.002)
    assert.are.same({ "scale_up", "USL probing: 2 of 3 worker counts measured" }, { d.action, d.reason })
  end)

  it("the fit and its optimum", function()
    local d = feed({ 4, 6, 8 }, 0.05, 0.002)
    assert.are.same({ 21, "USL fit sigma=0.05 kappa=0.002: optimum 21 workers" }, { d.target_workers, d.reason })
  end)

  it("an optimum past max_workers: says the limit it goes to, and kappa is not printed as 0", function()
    local d = feed({ 4, 6, 8 }, 0.02, 0.0004)
    assert.are.same({ 30, "USL fit sigma=0.02 kappa=0.00040: optimum 49 workers, limited to max_workers 30" },
                    { d.target_workers, d.reason })
  end)

  it("no coherency cost yet", function()
    local d = feed({ 4, 5, 6 }, 0, 0)
    assert.are.same({ "scale_up", "USL fit sigma=0.00 kappa=0.000: no coherency limit yet, stepping up" },
                    { d.action, d.reason })
  end)

  it("within targets, with and without a fit", function()
    local d = feed({ 4, 6, 8 }, 0.05, 0.002, { cpu_percent = 75 })
    assert.are.equal("Within targets (USL fit sigma=0.05 kappa=0.002: optimum 21 workers)", d.reason)
    d = feed({ 4 }, 0.05, 0.002, { cpu_percent = 75 })
    assert.are.equal("Within targets", d.reason)
  end)
end)

describe("every reason, over many situations", function()
  -- A deterministic walk through situations: workers and batch size anywhere in (and at) the
  -- limits, CPU, memory (rss consistent or not), errors, throttles, latencies rising, flat and
  -- falling, a p99 at, just past and far past aimd's timeout, an empty queue, workers in
  -- flight from one to all.
  local seed = 12345
  local function rnd(n) seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n end
  local function pick(t) return t[rnd(#t) + 1] end

  it("claims only what the numbers show", function()
    local c = config()
    local checked = 0
    for _ = 1, 1500 do
      local w = pick({ c.min_workers, 2, 8, 12, c.max_workers })
      local w0 = pick({ w, w, w - 1 }) -- the first intervals ran one worker fewer: a judged scale-up
      local dps = pick({ 3000, 3010, 3300, 2000 })
      local b = pick({ c.min_batch_size, 1000, 15000, c.max_batch_size })
      local limit = pick({ 2 * GiB, 100 * MiB, 0 })
      local mem = pick({ 10, 10, 30, 30, 55, 70, 86, 95 })
      local rss = pick({ 0, 3 * MiB, mem / 100 * (limit > 0 and limit or GiB) })
      local er = pick({ 0, 0, 0, 0, 0, 0, 0.004, 0.02, 0.03 })
      local ers = { pick({ 0, er, 0.05 }), pick({ 0, er, 0.05 }), pick({ 0, er }), er }
      local lats = { 2, 2, 2, pick({ 2, 3 }), pick({ 2, 3, 6 }), pick({ 0.001, 2, 3, 5, 9 }) }
      local h = {}
      for i = 1, 6 do
        h[i] = snap({ t = 10 * i, workers = i <= 3 and math.max(1, w0) or w, batch_size = b,
                      docs_per_second = i <= 3 and 3000 or dps, memory_limit_bytes = limit,
                      memory_percent = mem, rss_bytes = rss, error_rate = ers[math.max(1, i - 2)],
                      errors = ers[math.max(1, i - 2)] > 0 and 10 or 0, latency_per_doc_ms = lats[i],
                      cpu_percent = pick({ 5, 5, 30, 60, 75, 90 }), system_cpu_percent = pick({ 10, 100 }),
                      throttles = pick({ 0, 0, 0, 0, 0, 0, 4 }), queue_depth = pick({ 0, 6, 6 }),
                      in_flight = pick({ 1, w, math.ceil(w / 2), w // 2 }),
                      latency_p99_ms = pick({ 40, 40, 40, 5000, 5000.4, 7000 }) })
        h[i].throttle_rate = h[i].throttles > 0 and 0.02 or 0
      end
      local s = h[6]
      for _, name in ipairs(policies.names) do
        local d = decide(name, h)
        local r = d.reason
        checked = checked + 1
        local at = r:match("already at the (.*)$")
        if at then
          for side, what, v in at:gmatch("(%a+) (%a+[%a ]-) (%d+)") do
            local mins = side == "minimum"
            if what:find("workers") then
              assert.are.equal(mins and c.min_workers or c.max_workers, tonumber(v), r)
              assert.are.equal(s.workers, tonumber(v), name .. ": " .. r)
            end
          end
          for v in at:gmatch("batch size (%d+)") do
            assert.are.equal(s.batch_size, tonumber(v), name .. ": " .. r)
          end
        end
        -- a limit said to hold (with its number or without) is the one the setting is at
        if r:find("already at the minimum workers", 1, true) then
          assert.are.equal(c.min_workers, s.workers, name .. ": " .. r)
        end
        if r:find("already at the maximum workers", 1, true) then
          assert.are.equal(c.max_workers, s.workers, name .. ": " .. r)
        end
        -- the counts and readings a baseline names are the snapshot's
        if r:find("Throttled by the database", 1, true) then
          assert.is_true(s.throttles > 0 or s.throttle_rate > 0 or s.retry_after_ms > 0, name .. ": " .. r)
        end
        local limit_w = r:match("limit (%d+) x")
        if limit_w then assert.are.equal(s.workers, tonumber(limit_w), name .. ": " .. r) end
        local failed = r:match("Write errors: (%d+) documents failed")
        if failed then assert.are.equal(s.errors, tonumber(failed), name .. ": " .. r) end
        local p99, timeout = r:match("p99 ([%d.]+) ms past the ([%d.]+) ms timeout")
        if p99 then
          assert.is_true(tonumber(p99) > tonumber(timeout), name .. ": " .. r)
          assert.are.near(s.latency_p99_ms, tonumber(p99), 0.5, r)
        end
        local busy, of = r:match("(%d+) of (%d+) workers in flight")
        if busy then
          assert.are.same({ s.in_flight, s.workers }, { tonumber(busy), tonumber(of) }, name .. ": " .. r)
          assert.are.equal(r:find("but only", 1, true) ~= nil, 2 * s.in_flight < s.workers, name .. ": " .. r)
        end
        local doc, sign, by = r:match("degree of concurrency (%d+) ([-+]) (%d+)")
        if doc then
          assert.are.equal(s.workers, tonumber(doc), name .. ": " .. r)
          if sign == "-" then assert.are.equal(math.min(5, s.workers // 2), tonumber(by), r) end
        end
        assert.is_nil(r:find("0.0GB", 1, true), r)
        assert.is_nil(r:find(" 0%", 1, true), r)
        if r:find("Error rate rising", 1, true) then
          assert.is_true(stats.slope(stats.series(h, "error_rate", 4)) > 0, name .. ": " .. r)
        end
        if r:find("atency rising", 1, true) then
          assert.is_true(s.latency_per_doc_ms > h[5].latency_per_doc_ms, name .. ": " .. r)
        end
        if r:find("High CPU usage", 1, true) then
          assert.is_true(s.cpu_percent > c.cpu_scale_up_threshold, r)
          assert.are.near(s.cpu_percent, number_after(r, "High CPU usage:"), 0.5)
        end
        local mem_pct = r:match("High memory usage: ([%d.]+)%%") or r:match("High memory usage: [%d.]+%a+ %(([%d.]+)%%")
        if mem_pct then assert.are.near(mem, tonumber(mem_pct), 0.5, r) end
        local size = r:match("High memory usage: ([%d.]+%a+) ")
        if size and limit > 0 then assert.are.near(mem / 100 * limit, size_bytes(size), 0.06 * GiB, r) end
      end
    end
    assert.is_true(checked >= 6000)
  end)
end)
