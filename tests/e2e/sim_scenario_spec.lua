-- End to end: `--target sim:FILE.lua` and `sim:NAME` run a scenario (scenarios/, the format
-- in docs/policy-lab.md) against the real pipeline in real time: the plan names it, the
-- request-unit budget throttles and the summary reports the charge; bad scenario files and
-- unknown names are configuration errors naming the file and the key.
-- Timing: lower bounds only (a budget of 20,000 RU/s cannot write 30,000 RU in under 0.5 s).
local h = require("tests.e2e.helper")

local TPL = h.root .. "/templates/service_order.json"

local function scenario(name, text)
  local path = h.path(name)
  h.write(path, text)
  return path
end

describe("sim: scenarios", function()
  it("runs a scenario file: throttled at its budget, every document written, charge reported", function()
    local file = scenario("budget.lua", [[
      return { name = "budget", duration_s = 60,
               db = { latency_ms = 1, per_doc_us = 0, ru_per_second = 20000, ru_per_doc = 1,
                      retry_after_ms = 50 } }]])
    local sum = h.path("budget_summary.json")
    h.remove(sum)
    local code, stdout, stderr = h.run({"--source", TPL, "--total", "30000", "--workers", "2",
      "--batch-size", "1000", "--target", "sim:" .. file, "--summary-json", sum})
    assert.are.equal(0, code, stderr)
    assert.matches("^Wrote 30,000 documents to sim: in ([%d.]+) s", stdout)
    local secs = tonumber(stdout:match("^Wrote 30,000 documents to sim: in ([%d.]+) s"))
    assert.is_true(secs >= 0.45, stdout) -- 20,000 at once, 10,000 more at 20,000 RU/s
    assert.matches("\nThrottled: %d+, retried: %d+\n", stdout)
    local json = assert(h.slurp(sum))
    assert.matches('"request_units":%s*30000[,\n]', json)
    assert.matches('"docs_written":%s*30000[,\n]', json)
    assert.matches('"failed":%s*0[,\n]', json)
  end)

  it("names the scenario in the plan, by name or by path", function()
    local code, stdout, stderr = h.run({"--source", TPL, "--total", "10", "--target",
      "sim:usl_peak12", "--dry-run"})
    assert.are.equal(0, code, stderr)
    assert.matches("  target:     simulated database: scenario usl_peak12 (latency 5 ms + 20 us/doc, "
      .. "sigma 0.1, kappa 0.00625)\n", stdout, 1, true)
    code, stdout, stderr = h.run({"--source", TPL, "--total", "10", "--target",
      "sim:" .. h.root .. "/scenarios/capacity_drop.lua", "--dry-run"})
    assert.are.equal(0, code, stderr)
    assert.matches("scenario capacity_drop (latency 10 ms + 40 us/doc, sigma 0.04, kappa 0.00375, "
      .. "noise 0.05, seed 1, 2 phases)\n", stdout, 1, true)
  end)

  it("looks names up in ASRUN_SCENARIOS_DIR", function()
    local dir = h.path("scenarios_dir")
    os.execute("mkdir -p " .. h.q(dir))
    h.write(dir .. "/mine.lua", "return { db = { latency_ms = 42 } }")
    local code, stdout, stderr = h.run({"--source", TPL, "--total", "10", "--target", "sim:mine",
      "--dry-run"}, {env = "ASRUN_SCENARIOS_DIR=" .. h.q(dir) .. " "})
    assert.are.equal(0, code, stderr)
    assert.matches("scenario mine (latency 42 ms + 20 us/doc, sigma 0, kappa 0)\n", stdout, 1, true)
  end)

  it("rejects an unknown scenario, listing the shipped ones", function()
    local code, _, stderr = h.run({"--source", TPL, "--total", "10", "--target", "sim:nope"})
    assert.are.equal(2, code)
    assert.matches("sim: unknown scenario 'nope' (capacity_drop, client_cpu_bound, memory_bound, "
      .. "noisy_latency, ru_bound, shared_cpu, slow_start, usl_peak12, or a path to a scenario "
      .. ".lua file)", stderr, 1, true)
  end)

  it("rejects a bad scenario file, naming the file and the key", function()
    local file = scenario("bad.lua", "return { phases = { { at_s = 10, db = { sigma = 2 } } } }")
    local code, _, stderr = h.run({"--source", TPL, "--total", "10", "--target", "sim:" .. file})
    assert.are.equal(2, code)
    assert.matches("sim: " .. file .. ": phases[1].db.sigma must be a number from 0 to 1, got 2",
      stderr, 1, true)
  end)
end)
