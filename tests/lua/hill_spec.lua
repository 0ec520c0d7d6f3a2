-- The hill policy (lua/asrun/policies/hill.lua) driven by a tiny model of a database: each
-- call gets the snapshot of one interval at the setting in force, and a proposal is applied
-- at once (the gate's stability and cooldown are the lab's business, not this spec's).
local hill = require("asrun.policies.hill")

local fx = require("tests.lua.policy_fixtures")
local GiB, config = fx.GiB, fx.config

-- A run: rate(w, b, i) gives docs/s; extra(w, b, i) optional snapshot overrides.
local function runner(rate, extra)
  local r = { w = 4, b = 2000, i = 0, state = { config = config() }, history = {}, log = {} }
  function r.step()
    r.i = r.i + 1
    local dps = rate(r.w, r.b, r.i)
    local s = { t = 10 * r.i, interval = 10, workers = r.w, batch_size = r.b,
                docs_per_second = dps, ops_per_second = dps / r.b, cpu_percent = 20,
                memory_percent = 30, rss_bytes = 0.3 * GiB, memory_limit_bytes = GiB,
                errors = 0, throttles = 0, error_rate = 0, throttle_rate = 0, retry_after_ms = 0 }
    for k, v in pairs(extra and extra(r.w, r.b, r.i) or {}) do s[k] = v end
    r.history[#r.history + 1] = s
    local d = hill.decide(s, r.history, r.state)
    r.log[#r.log + 1] = d
    if d.action ~= "hold" then
      r.w = r.w + d.workers
      r.b = r.b + d.batch_size
    end
    return d
  end
  function r.run(n) for _ = 1, n do r.step() end return r end
  function r.find(pattern)
    for _, d in ipairs(r.log) do if d.reason:find(pattern) then return d end end
  end
  return r
end

-- USL with its peak at `peak` workers; batch size of little weight.
local function usl(peak, scale)
  local kappa = 0.9 / peak ^ 2
  return function(w, b)
    local per = b / (5 + b * 0.02)
    return (scale or 1) * 1000 * per * w / (1 + 0.1 * (w - 1) + kappa * w * (w - 1))
  end
end

describe("hill", function()
  it("probes more workers x2 from a fresh start", function()
    local r = runner(usl(12))
    local d = r.run(1).log[1]
    assert.are.equal("scale_up", d.action)
    assert.are.equal(8, d.target_workers)
    -- the brief's reason where it is true (CPU and memory low), then what it tries
    assert.matches("^Low resource usage, can increase throughput: probing more workers, 4 x 2000 %-> 8 x 2000",
                   d.reason)
  end)

  it("keeps a move that paid and goes on the same way", function()
    local r = runner(usl(30)).run(6)
    local d = r.find("^Throughput rising")
    assert.is_table(d)
    assert.matches("4 x 2000 %-> 8 x 2000 gave %+%d+%.%d%% docs/s; going on to 16 x 2000", d.reason)
    assert.is_true(r.w >= 16)
  end)

  it("keeps larger batches that hold docs/s, though each step gains less than the bar", function()
    -- past the peak in workers; each doubling of the batch gains 1% (under the 2% bar)
    local r = runner(function(w, b)
      local peak = w == 4 and 1 or 0.7
      return 100000 * peak * (1 + 0.01 * math.log(b / 2000, 2))
    end).run(40)
    assert.is_table(r.find("^Larger batches hold docs/s: 4 x 2000 %-> 4 x 4000 gave %+1%.0%% docs/s"))
    assert.are.equal(4, r.w)
    assert.is_true(r.b >= 32000, tostring(r.b))
  end)

  it("does not refine a step into the one it already tried (1 worker: x1.41 is x2)", function()
    -- best at 1 worker whatever the batch size; larger batches gain a little
    local r = runner(function(w, b)
      return 25000 * (w == 1 and 1 or w == 2 and 0.8 or 0.6) * (1 + 0.01 * math.log(b / 2000, 2))
    end)
    r.state.params = { reprobe = 1000 } -- the search only, no re-probe
    r.run(200)
    local probes = 0
    for _, d in ipairs(r.log) do
      if d.reason:find("probing more workers, 1 x", 1, true) then probes = probes + 1 end
    end
    assert.are.equal(1, r.w)
    assert.are.equal(75000, r.b)
    -- it came down from 2 workers: neither the x2 step nor its refinement goes back there
    assert.are.equal(0, probes)
  end)

  it("undoes a step that hurt, with the numbers it measured", function()
    local r = runner(usl(6)).run(10)
    local d = r.find("^Undoing the last step")
    assert.is_table(d)
    local bw, bb, nw, nb, fell, from, to = d.reason:match(
      "^Undoing the last step: (%d+) x (%d+) %-> (%d+) x (%d+), docs/s fell ([%d.]+)%% %(([%d,]+) docs/s %-> ([%d,]+) docs/s%)")
    from, to = from and from:gsub(",", ""), to and to:gsub(",", "")
    assert.is_truthy(bw, d.reason)
    assert.are.equal(8, d.target_workers + 0)
    -- the rates quoted are the model's, and the fall is what they say
    local f = usl(6)
    assert.near(f(tonumber(bw), tonumber(bb)), tonumber(from), 1)
    assert.near(f(tonumber(nw), tonumber(nb)), tonumber(to), 1)
    assert.near(100 * (1 - tonumber(to) / tonumber(from)), tonumber(fell), 0.1)
  end)

  it("trades batch size for workers when memory blocks growth, batch first", function()
    local mem = function(w, b) return { memory_percent = 74 * (w * b) / 8000 } end
    local r = runner(usl(20), mem)
    local d = r.run(1).log[1]
    assert.matches("^Probing more workers with smaller batches %(memory at its target%), 4 x 2000 %-> 8 x 1000", d.reason)
    assert.matches("first 4 x 1000, to stay within memory", d.reason)
    assert.are.equal(4, d.target_workers)
    assert.are.equal(1000, d.target_batch_size)
    r.run(2)
    assert.are.equal(8, r.w)
    assert.are.equal(1000, r.b)
  end)

  it("converges and holds, then re-probes after `reprobe` intervals", function()
    local r = runner(usl(8))
    r.state.params = { reprobe = 20, remember = 15 } -- (a move still remembered as worse is not re-probed)
    r.run(60)
    local first
    for i, d in ipairs(r.log) do
      if d.reason:find("^At the best setting measured") then first = first or i end
    end
    assert.is_truthy(first)
    assert.are.equal("hold", r.log[first + 1].action)
    local again
    for i = first + 1, #r.log do
      if r.log[i].action ~= "hold" then again = again or i end
    end
    assert.is_truthy(again, "re-probed")
    assert.is_true(again - first >= 20)
  end)

  it("searches again at once when docs/s drifts", function()
    local base = usl(8)
    local drop = 1
    local r = runner(function(w, b) return drop * base(w, b) end)
    r.run(40)
    assert.matches("^At the best setting measured", r.log[#r.log].reason)
    drop = 0.5
    r.run(4)
    local moved = false
    for i = 41, #r.log do if r.log[i].action ~= "hold" then moved = true end end
    assert.is_true(moved)
  end)

  it("steps down on memory pressure with the rules' reason", function()
    local r = runner(usl(12), function() return { memory_percent = 90, rss_bytes = 0.9 * GiB } end)
    local d = r.step()
    assert.are.equal("scale_down", d.action)
    assert.matches("^High memory usage: ", d.reason)
  end)

  it("steps down on errors above target with the rules' reason", function()
    local r = runner(usl(12), function() return { error_rate = 0.05, errors = 500 } end)
    local d = r.step()
    assert.are.equal("scale_down", d.action)
    assert.matches("^Error rate", d.reason)
  end)

  it("keeps its memory of measurements bounded", function()
    local r = runner(function(w, b, i) return usl(8)(w, b) * (1 + 0.3 * math.sin(i)) end)
    r.state.params = { remember = 10 }
    r.run(300)
    local n = 0
    for _ in pairs(r.state.memory or {}) do n = n + 1 end
    assert.is_true(n <= 10, n)
  end)
end)
