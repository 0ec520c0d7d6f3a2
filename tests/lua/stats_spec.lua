-- asrun.stats: the numeric helpers and snapshot readings the scaling policies share.
local stats = require("asrun.stats")

local function hist(field, values)
  local h = {}
  for i, v in ipairs(values) do h[i] = { t = 10 * i, [field] = v } end
  return h
end

describe("stats numeric helpers", function()
  it("clamp and round", function()
    assert.are.equal(5, stats.clamp(7, 1, 5))
    assert.are.equal(1, stats.clamp(-3, 1, 5))
    assert.are.equal(3, stats.clamp(3, 1, 5))
    assert.are.equal(0.67, stats.round(2 / 3))
    assert.are.equal(0.7, stats.round(0.66, 1))
  end)

  it("mean, median and percentile (linear between closest ranks)", function()
    assert.is_nil(stats.mean({}))
    assert.are.equal(2.5, stats.mean({ 1, 2, 3, 4 }))
    assert.are.equal(2, stats.median({ 3, 1, 2 }))
    assert.are.equal(2.5, stats.median({ 4, 1, 3, 2 }))
    local v = { 5, 1, 4, 2, 3 }
    assert.are.equal(1, stats.percentile(v, 0))
    assert.are.equal(5, stats.percentile(v, 100))
    assert.are.near(4.6, stats.percentile(v, 90), 1e-12)
    assert.are.same({ 5, 1, 4, 2, 3 }, v) -- input left in its order
    assert.is_nil(stats.percentile({}, 50))
    assert.are.equal(7, stats.percentile({ 7 }, 95))
  end)

  it("ewma weighs each new value by alpha, oldest first", function()
    assert.is_nil(stats.ewma({}, 0.5))
    assert.are.equal(4, stats.ewma({ 4 }, 0.5))
    assert.are.equal(15, stats.ewma({ 10, 20 }, 0.5))
    assert.are.equal(22.5, stats.ewma({ 10, 20, 30 }, 0.5))
    assert.are.equal(10, stats.ewma({ 10, 20, 30 }, 0))
  end)

  it("slope is the least-squares change per step", function()
    assert.are.equal(2, stats.slope({ 1, 3, 5, 7 }))
    assert.are.equal(-2, stats.slope({ 4, 2, 0 }))
    assert.are.equal(0, stats.slope({ 3, 3, 3 }))
    assert.are.equal(0, stats.slope({ 5 }))
    assert.are.equal(0, stats.slope({}))
    assert.are.near(1.1, stats.slope({ 1, 1, 3, 4 }), 1e-12)
  end)

  it("positive keeps the values above zero, in order", function()
    assert.are.same({ 2, 3 }, stats.positive({ 0, 2, 0, 3, -1 }))
    assert.are.same({}, stats.positive({}))
  end)

  it("series pulls the last n values of a field, oldest first", function()
    local h = hist("docs_per_second", { 1, 2, 3, 4, 5 })
    assert.are.same({ 3, 4, 5 }, stats.series(h, "docs_per_second", 3))
    assert.are.same({ 1, 2, 3, 4, 5 }, stats.series(h, "docs_per_second", 50))
    assert.are.same({ 2, 3, 4 }, stats.series(h, "docs_per_second", 3, 1)) -- before the current
    assert.are.same({ 0, 0 }, stats.series(h, "errors", 2))                 -- missing reads 0
    assert.are.same({}, stats.series(nil, "docs_per_second", 3))
    assert.are.same({}, stats.series({ h[1] }, "docs_per_second", 3, 1))
    local long = hist("x", {})
    for i = 1, 40 do long[i] = { x = i } end
    assert.are.same(20, #stats.series(long, "x"))                        -- default window 20
    assert.are.equal(21, stats.series(long, "x")[1])
  end)
end)

describe("stats snapshot readings", function()
  local c = stats.config({})

  it("cpu is asrun's own CPU: a busy neighbour on the machine does not count", function()
    assert.are.equal(40, stats.cpu({ cpu_percent = 40, system_cpu_percent = 85 }))
    assert.are.equal(60, stats.cpu({ cpu_percent = 60, system_cpu_percent = 20 }))
    assert.are.equal(0, stats.cpu({}))
    -- a local database keeps the machine at 100% while asrun uses 3%: room to grow
    local s = { cpu_percent = 3, system_cpu_percent = 100, memory_percent = 10 }
    assert.are.equal(3, stats.cpu(s))
    assert.are.equal("low", stats.room(s, c))
    assert.is_nil(stats.pressure(s, { s }, c))
    assert.are.near(0.94, stats.headroom(s, c.cpu_scale_down_threshold, 1e9), 1e-9)
  end)

  it("memory_percent falls back to rss / limit, gb formats GiB with one decimal", function()
    assert.are.equal(40, stats.memory_percent({ memory_percent = 40 }))
    assert.are.equal(50, stats.memory_percent({ rss_bytes = 2 ^ 30, memory_limit_bytes = 2 ^ 31 }))
    assert.are.equal(0, stats.memory_percent({}))
    assert.are.equal("2.1GB", stats.gb(2.1 * 2 ^ 30))
    assert.are.equal("0.5GB", stats.gb(512 * 2 ^ 20))
  end)

  it("config fills the balanced profile's values without touching state.config", function()
    local balanced = require("asrun").profile()
    local given = { target_cpu_usage = 80, min_workers = 2 }
    local merged = stats.config({ config = given })
    assert.are.equal(80, merged.target_cpu_usage)
    assert.are.equal(2, merged.min_workers)
    assert.are.equal(balanced.max_workers, merged.max_workers)
    assert.are.equal(balanced.batch_step, merged.batch_step)
    assert.are.same({ target_cpu_usage = 80, min_workers = 2 }, given)
    assert.are.same(balanced, c)
  end)

  it("asrun.profile reads profiles/NAME.lua over the balanced profile, as the host does", function()
    local root = assert(os.getenv("ASRUN_ROOT"), "ASRUN_ROOT (tests/CMakeLists.txt sets it)")
    for _, name in ipairs({ "conservative", "balanced", "aggressive" }) do
      local file = dofile(root .. "/profiles/" .. name .. ".lua")
      local p = require("asrun").profile(name)
      assert.are.equal(name, p.profile)
      for k, v in pairs(file) do
        if type(v) == "number" then assert.are.equal(v, p[k], name .. "." .. k) end
      end
    end
    assert.are.equal(20, require("asrun").profile().history) -- what no profile sets
    assert.has_error(function() require("asrun").profile("turbo") end,
      "unknown scaling profile 'turbo' (conservative, balanced, aggressive, or a path to a "
      .. "profile .lua file)")
    assert.has_error(function() require("asrun").profile("../x.lua") end)
  end)

  it("params: state.params over the defaults, the defaults when absent", function()
    local d = { a = 1, b = 2 }
    assert.are.equal(d, stats.params({}, d))
    assert.are.same({ a = 1, b = 5 }, stats.params({ params = { b = 5 } }, d))
    assert.are.same({ a = 1, b = 2 }, d)
  end)

  it("pressure: memory, then errors, then throttling, then CPU", function()
    local all = { memory_percent = 90, rss_bytes = 2.16 * 2 ^ 30, memory_limit_bytes = 2.4 * 2 ^ 30,
                  error_rate = 0.05, errors = 50,
                  throttles = 3, throttle_rate = 0.02, cpu_percent = 95 }
    local p = stats.pressure(all, { all }, c)
    assert.are.equal("memory", p.kind)
    assert.are.equal("High memory usage: 2.2GB (90% of 2.4GB)", p.reason)
    assert.are.near(1 / 3, p.distance, 1e-12)
    all.memory_percent = 70
    p = stats.pressure(all, { all }, c)
    assert.are.equal("errors", p.kind)
    assert.are.equal("Error rate above target: 5.0% (target 1.0%)", p.reason) -- one interval: no trend
    all.error_rate, all.errors = 0, 0
    p = stats.pressure(all, { all }, c)
    assert.are.equal("throttle", p.kind)
    assert.are.equal("Throttled by the database (16500/429)", p.reason)
    assert.is_false(p.heavy)
    all.retry_after_ms = 1500
    assert.is_true(stats.pressure(all, { all }, c).heavy)
    all.throttles, all.throttle_rate, all.retry_after_ms = 0, 0, 0
    p = stats.pressure(all, { all }, c)
    assert.are.equal("cpu", p.kind)
    assert.are.equal("High CPU usage: 95%", p.reason)
    all.cpu_percent = 80 -- at the threshold is not over it
    assert.is_nil(stats.pressure(all, { all }, c))
  end)

  it("pressure: errors at half the target count only while rising", function()
    local rising = { { error_rate = 0.001 }, { error_rate = 0.003 }, { error_rate = 0.006 } }
    assert.are.equal("Error rate rising: 0.6%", stats.pressure(rising[3], rising, c).reason)
    local falling = { { error_rate = 0.009 }, { error_rate = 0.008 }, { error_rate = 0.006 } }
    assert.is_nil(stats.pressure(falling[3], falling, c))
    local small = { { error_rate = 0.001 }, { error_rate = 0.002 }, { error_rate = 0.004 } }
    assert.is_nil(stats.pressure(small[3], small, c)) -- under half the target
  end)

  it("room: low below the scale-down thresholds, below under target, within otherwise", function()
    assert.are.equal("low", stats.room({ cpu_percent = 49, memory_percent = 59 }, c))
    assert.are.equal("below", stats.room({ cpu_percent = 50, memory_percent = 59 }, c))
    assert.are.equal("below", stats.room({ cpu_percent = 69, memory_percent = 74 }, c))
    assert.are.equal("within", stats.room({ cpu_percent = 70, memory_percent = 40 }, c))
    assert.are.equal("within", stats.room({ cpu_percent = 30, memory_percent = 75 }, c))
    assert.are.equal("low", stats.room({ cpu_percent = 30, system_cpu_percent = 72 }, c)) -- not ours
  end)

  it("starved: queue empty with idle workers over the last k snapshots", function()
    local function q(depth, inflight) return { queue_capacity = 16, queue_depth = depth,
                                               in_flight = inflight, workers = 8 } end
    assert.is_true(stats.starved({ q(0, 2), q(0, 3), q(0, 1) }, 3))
    assert.is_false(stats.starved({ q(0, 2), q(1, 3), q(0, 1) }, 3))
    assert.is_false(stats.starved({ q(0, 2), q(0, 8) }, 2))   -- every worker busy
    assert.is_true(stats.starved({ q(4, 8), q(0, 1) }, 1))
    assert.is_false(stats.starved({ { queue_depth = 0, in_flight = 0, workers = 8 } }, 1)) -- unknown
    assert.is_false(stats.starved({}, 3))
  end)

  it("decision clamps deltas to the limits and holds when nothing is left to change", function()
    local d = stats.decision({ workers = 30, batch_size = 74500 }, c, "scale_up", 2, 1000, 0.654, "r")
    assert.are.same({ action = "scale_up", workers = 0, batch_size = 500, confidence = 0.65,
                      reason = "r" }, d)
    d = stats.decision({ workers = 30, batch_size = 75000 }, c, "scale_up", 1, 1000, 0.6, "r")
    assert.are.same({ action = "hold", workers = 0, batch_size = 0, confidence = 0.6,
                      reason = "r; already at the maximum workers 30 and batch size 75000" }, d)
    d = stats.decision({ workers = 1, batch_size = 100 }, c, "scale_down", -1, -1000, 0.8, "m")
    assert.are.equal("m; already at the minimum workers 1 and batch size 100", d.reason)
  end)

  it("target_decision clamps targets and derives action and deltas", function()
    local d = stats.target_decision({ workers = 10, batch_size = 20000 }, c, 7.9, 14000, 0.5, "x")
    assert.are.same({ action = "scale_down", workers = -3, batch_size = -6000, target_workers = 7,
                      target_batch_size = 14000, confidence = 0.5, reason = "x" }, d)
    d = stats.target_decision({ workers = 10, batch_size = 20000 }, c, 99, nil, 0.5, "y")
    assert.are.equal("scale_up", d.action)
    assert.are.equal(30, d.target_workers)
    assert.are.equal(20, d.workers)
    assert.are.equal(0, d.batch_size)
    d = stats.target_decision({ workers = 10, batch_size = 20000 }, c, 10, nil, 0.5, "z")
    assert.are.equal("hold", d.action)
  end)
end)
