-- End to end: `asrun lab` runs scenarios in virtual time, sweeps the best fixed setting,
-- runs policies through the real controller and gate, and writes the figures.
local h = require("tests.e2e.helper")

-- A quick USL scenario: the best worker count is sqrt((1 - sigma) / kappa) = 10.
local USL = h.write(h.path("lab_usl.lua"), [[
return {
  name = "usl10", duration_s = 300, seed = 7, doc_bytes = 500,
  db = { latency_ms = 2, per_doc_us = 50, sigma = 0.01, kappa = 0.0099 },
  client = { cores = 2, per_doc_cpu_us = 0, memory_mb = 24576 },
  start = { workers = 2, batch_size = 1000 },
}]])

local RU = h.write(h.path("lab_ru.lua"), [[
return {
  name = "ru", duration_s = 300, seed = 3, doc_bytes = 1000,
  db = { latency_ms = 2, per_doc_us = 5, ru_per_second = 4000, ru_per_doc = 4,
         retry_after_ms = 50 },
  start = { workers = 4, batch_size = 1000 },
}]])

local function lab(args)
  local code, out, err = h.run(args)
  assert.are.equal(0, code, "exit code; stderr was: " .. err)
  return out, err
end

local function read_json(path)
  local f = assert(io.open(path))
  local t = h.json.decode(f:read("a"), 1, h.json.null) -- null kept, so every key counts
  f:close()
  return t
end

describe("asrun lab", function()
  it("writes the documented JSON, the same for the same seed", function()
    local a, b = h.path("lab_a.json"), h.path("lab_b.json")
    local function args(json)
      return {"lab", "--scenario", USL, "--scenario", RU, "--policy", "rules", "--policy", "aimd",
              "--json", json}
    end
    local out = lab(args(a))
    lab(args(b))
    assert.are.equal(h.slurp(a), h.slurp(b))
    assert.matches("Scenario usl10", out, 1, true)
    local t = read_json(a)
    assert.are.equal(2, #t.scenarios)
    local s = t.scenarios[1]
    assert.are.equal("usl10", s.name)
    for _, k in ipairs({"workers", "batch_size", "docs_per_second"}) do
      assert.is_number(s.best_fixed[k])
      assert.is_number(s.start_fixed[k])
    end
    assert.are.equal(2, #s.results)
    local keys = {"policy", "default", "steady_pct_of_best", "intervals_to_90", "changes_to_90",
                  "seconds_to_90", "reversals_per_10", "throttled_pct", "lost", "docs_written"}
    for _, r in ipairs(s.results) do
      local n = 0
      for _ in pairs(r) do n = n + 1 end
      for _, k in ipairs(keys) do assert.is_not_nil(r[k], k) end
      assert.are.equal(#keys, n, "exactly the documented keys")
      assert.are.equal(0, r.lost)
      assert.is_true(r.docs_written > 0)
    end
  end)

  it("finds the analytic optimum of a USL scenario", function()
    local j = h.path("lab_usl.json")
    lab({"lab", "--scenario", USL, "--policy", "rules", "--json", j})
    local best = read_json(j).scenarios[1].best_fixed
    -- X(N) = N / (1 + sigma (N - 1) + kappa N (N - 1)) peaks at N = 10 exactly here
    assert.are.equal(10, best.workers)
  end)

  it("runs a user's policy file and writes CSV rows per interval", function()
    local pol = h.write(h.path("lab_policy.lua"), [[
return { name = "always_up", decide = function(s, history, state)
  return { action = "scale_up", workers = 1, batch_size = 0, reason = "more" } end }]])
    local dir = h.path("lab_csv")
    os.execute("rm -rf " .. h.q(dir))
    local out = lab({"lab", "--scenario", USL, "--policy", pol, "--csv", dir})
    assert.matches("lab_policy", out, 1, true)
    local rows = h.lines(dir .. "/usl10__lab_policy.csv")
    assert.are.equal("t,workers,batch_size,docs_per_second,requests,throttles,decision,applied", rows[1])
    assert.are.equal(300 / 10 + 1, #rows) -- a row per 10 s check interval, plus the header
    assert.matches(",scale_up,", rows[3], 1, true)
    assert.is_true(h.exists(dir .. "/usl10__fixed_best.csv"))
  end)

  it("refuses a bad scenario before running anything", function()
    local bad = h.write(h.path("lab_bad.lua"), "return { name = 'x', db = { latncy_ms = 5 } }")
    local code, out, err = h.run({"lab", "--scenario", bad})
    assert.are.equal(2, code)
    assert.matches("latncy_ms", err, 1, true)
    assert.are.equal("", out)
  end)

  it("refuses an unknown policy, naming the known ones", function()
    local code, _, err = h.run({"lab", "--scenario", USL, "--policy", "nope"})
    assert.are.equal(2, code)
    assert.matches("unknown scaling policy 'nope'", err, 1, true)
  end)

  it("says which file it could not write", function()
    local code, _, err = h.run({"lab", "--scenario", USL, "--policy", "rules",
                                "--json", "/nonexistent/lab.json"})
    assert.are.equal(1, code)
    assert.matches("--json: cannot write /nonexistent/lab.json: No such file or directory", err, 1, true)
  end)

  it("refuses an unknown option", function()
    local code, _, err = h.run({"lab", "--scenarios", "x"})
    assert.are.equal(2, code)
    assert.matches("unknown option --scenarios", err, 1, true)
  end)
end)
