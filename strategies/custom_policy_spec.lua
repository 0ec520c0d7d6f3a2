-- A spec for the policy of strategies/custom_policy.lua, as you would write one for yours:
--   busted --lua=lua5.4 strategies/custom_policy_spec.lua
-- (with asrun's Lua modules on LUA_PATH and its core module on LUA_CPATH; the project's ctest
-- runs it as lua.strategy_specs). asrun.snapshot gives a complete snapshot with your values on
-- top, asrun.profile the settings a run of that profile puts in state.config.
local asrun = require("asrun")
local strategy = dofile("strategies/custom_policy.lua")
local decide = strategy.scaling.policy.decide

local function state() return { config = asrun.profile("balanced") } end

describe("keep_queue_fed", function()
  it("adds a worker when the queue backs up and CPU is below the profile's target", function()
    local s = asrun.snapshot({ workers = 4, queue_depth = 6, queue_capacity = 8, cpu_percent = 20.0 })
    local d = decide(s, { s }, state())
    assert.are.equal("scale_up", d.action)
    assert.are.equal(1, d.add_workers)
  end)

  it("holds when the queue backs up but CPU is at the target", function()
    local st = state()
    local s = asrun.snapshot({ workers = 4, queue_depth = 6, queue_capacity = 8,
                               cpu_percent = st.config.target_cpu_usage + 0.0 })
    assert.are.equal("hold", decide(s, { s }, st).action)
  end)

  it("drops a worker when the queue is empty and workers are idle", function()
    local st = state()
    local s = asrun.snapshot({ workers = st.config.min_workers + 2, queue_depth = 0,
                               queue_capacity = 8, in_flight = 1 })
    local d = decide(s, { s }, st)
    assert.are.equal("scale_down", d.action)
    assert.are.equal(-1, d.add_workers)
  end)

  it("drops a worker when p95 latency doubles against its baseline", function()
    local st = state()
    local calm = asrun.snapshot({ workers = 4, queue_depth = 2, queue_capacity = 8, latency_p95_ms = 20.0 })
    decide(calm, { calm }, st) -- the baseline starts at 20 ms
    local slow = asrun.snapshot({ workers = 4, queue_depth = 2, queue_capacity = 8, latency_p95_ms = 45.0 })
    local d = decide(slow, { calm, slow }, st)
    assert.are.equal("scale_down", d.action)
    assert.matches("Latency p95 doubled", d.reason, 1, true)
  end)
end)
