-- End to end: the run history. Three recorded runs of one strategy with known outcomes (a
-- slow clean one, a throttled one, a fast clean one) are listed newest first, as a table and
-- as JSON; `asrun recommend` picks the fast clean run and shows its evidence; the plan of
-- --start-from-history names that run; `asrun report RUN-ID` writes its page; --no-history
-- and --dry-run record nothing; a history that cannot be written is only a warning; a
-- failed run is recorded with its exit code.
-- No timing is asserted: the clean runs differ a hundredfold in what they can write (1 × 100
-- documents against 2 × 1000 a 20 ms request), the throttled one is throttled by its budget.
local h = require("tests.e2e.helper")

local TPL = h.root .. "/templates/service_order.json"

local function fresh(name)
  local path = h.path(name)
  os.remove(path); os.remove(path .. "-wal"); os.remove(path .. "-shm")
  return path
end

local function strategy(name, extra)
  return h.write(h.path(name), string.format([[
return {
  name = "history_e2e",
  source = { kind = "template", path = %q },
  total = 5000,
  seed = 1,%s
}
]], TPL, extra or ""))
end

local CLEAN = h.write(h.path("clean_db.lua"), [[
return { name = "clean", db = { latency_ms = 20, per_doc_us = 0, ru_per_second = 1e9 } }]])
local BUDGET = h.write(h.path("budget_db.lua"), [[
return { name = "budget", db = { latency_ms = 1, per_doc_us = 0, ru_per_second = 20000,
         ru_per_doc = 1, retry_after_ms = 50 } }]])

describe("the run history", function()
  local db = fresh("history.sqlite")
  local file = strategy("history_strategy.lua")

  local function run(args)
    local all = {file, "--history", db, "--check-interval", "0.1"}
    for _, a in ipairs(args) do all[#all + 1] = a end
    return h.run(all)
  end

  setup(function()
    local code, _, stderr = run({"--workers", "1", "--batch-size", "100", "--target", "sim:" .. CLEAN})
    assert.are.equal(0, code, stderr)
    assert.matches("Run history: recorded as run 1 in " .. db, stderr, 1, true)
    code, _, stderr = run({"--workers", "2", "--batch-size", "1000", "--total", "30000",
      "--target", "sim:" .. BUDGET})
    assert.are.equal(0, code, stderr)
    code, _, stderr = run({"--workers", "2", "--batch-size", "1000", "--target", "sim:" .. CLEAN})
    assert.are.equal(0, code, stderr)
    assert.matches("Run history: recorded as run 3 in " .. db, stderr, 1, true)
  end)

  it("lists the runs newest first", function()
    local code, stdout, stderr = h.run({"history", "--history", db})
    assert.are.equal(0, code, stderr)
    local lines = {}
    for line in stdout:gmatch("[^\n]+") do lines[#lines + 1] = line end
    assert.are.equal(4, #lines, stdout)
    assert.matches("^%s+RUN%s+WHEN %(UTC%)%s+STRATEGY%s+DOCUMENTS%s+DOCS/S%s+PROFILE%s+WORKERS/BATCH%s+OUTCOME$", lines[1])
    assert.matches("^%s+3%s+%d+%-%d+%-%d+ %d+:%d+:%d+%s+history_strategy%.lua%s+5000%s+%d+%s+%(fixed%)%s+2/1000%s+ok$", lines[2])
    assert.matches("^%s+2%s.-%s30000%s+%d+%s+%(fixed%)%s+2/1000%s+ok$", lines[3])
    assert.matches("^%s+1%s.-%s5000%s+%d+%s+%(fixed%)%s+1/100%s+ok$", lines[4])
    code, stdout = h.run({"history", "--history", db, "--limit", "1"})
    assert.are.equal(0, code)
    assert.are.equal(2, select(2, stdout:gsub("\n", "")), stdout)
  end)

  it("lists them as JSON", function()
    local code, stdout, stderr = h.run({"history", "--history", db, "--json", "--strategy", file})
    assert.are.equal(0, code, stderr)
    local runs = h.json.decode(stdout)
    assert.are.equal(3, #runs, stdout)
    assert.are.same({3, 2, 1}, {runs[1].id, runs[2].id, runs[3].id})
    assert.are.equal(30000, runs[2].docs)
    assert.is_true(runs[2].throttles > 0, stdout)
    assert.are.equal(0, runs[3].throttles)
    assert.are.equal(1, runs[3].workers)
    assert.are.equal(100, runs[3].batch_size)
    assert.are.equal("ok", runs[1].status)
    assert.are.equal("sim", runs[1].target)
    assert.are.equal("template", runs[1].source)
    assert.matches("/history_strategy%.lua$", runs[1].strategy)
    assert.matches("^%x+$", runs[1].strategy_hash)
  end)

  it("recommends the best clean run, with its evidence", function()
    local code, stdout, stderr = h.run({"recommend", file, "--history", db})
    assert.are.equal(0, code, stderr)
    assert.matches("(version %x+; 3 runs recorded)", stdout)
    assert.matches("  profile:    balanced (the best clean run ran without auto-scaling: the "
      .. "default profile)\n", stdout, 1, true)
    assert.matches("  policy:     hill\n  workers:    2\n  batch size: 1000\n", stdout, 1, true)
    assert.matches("  from run:   3 of ", stdout, 1, true)
    assert.matches("0 throttles, 0 errors; settled at workers 2, batch size 1000", stdout, 1, true)
    assert.matches("best of:    3 completed runs (the clean run with the most docs/s)", stdout, 1, true)
    assert.matches("Start there: asrun " .. file .. " --profile balanced --policy hill --workers 2 "
      .. "--batch-size 1000\n", stdout, 1, true)
    assert.matches("\n%*%s+3%s", stdout)                     -- the best, marked
    assert.matches("\n%s+2%s+%S+ %S+%s+%d+%s+[1-9]%d*%s+0%s", stdout) -- throttled: shown, not chosen
    assert.matches("\n%s+1%s+%S+ %S+%s+%d+%s+0%s+0%s", stdout)
  end)

  it("starts a run where the history says, and the plan names the run", function()
    local code, stdout, stderr = run({"--start-from-history", "--dry-run", "--target", "null:"})
    assert.are.equal(0, code, stderr)
    assert.matches("  workers:    2\n  batch size: 1000\n  history:    workers 2, batch size 1000 "
      .. "from run 3 (", stdout, 1, true)
    code, stdout, stderr = run({"--start-from-history", "--dry-run", "--target", "null:",
      "--workers", "5"})
    assert.are.equal(0, code, stderr)
    assert.matches("  workers:    5\n  batch size: 1000\n", stdout, 1, true)
    assert.matches("(the --workers/--batch-size given win)", stdout, 1, true)
  end)

  it("writes the report of a past run", function()
    local page = h.path("run-2.html")
    os.remove(page)
    local code, stdout, stderr = h.run({"report", "2", "--history", db, "-o", page})
    assert.are.equal(0, code, stderr)
    assert.matches("Wrote the report of run 2 to " .. page, stdout, 1, true)
    local html = assert(h.slurp(page))
    assert.matches("<html", html, 1, true)
    assert.matches("30,?000", html)
    assert.truthy(html:find("<svg", 1, true), "run 2 lasted several check intervals: its charts")
    code, _, stderr = h.run({"report", "99", "--history", db, "-o", page})
    assert.are.equal(2, code)
    assert.matches("has no run 99 (asrun history lists them)", stderr, 1, true)
  end)

  it("says when the strategy changed since its runs", function()
    local copy = strategy("history_strategy.lua", "\n  batch_size = 500,")
    local code, stdout, stderr = h.run({"recommend", copy, "--history", db})
    assert.are.equal(0, code, stderr)
    assert.matches("Note: the strategy changed since its last recorded run (run 3); no run of "
      .. "this version is recorded, so the advice reads the 3 runs of earlier versions.", stdout,
      1, true)
    assert.matches("  from run:   3 of ", stdout, 1, true)
    strategy("history_strategy.lua") -- back as it was
  end)
end)

describe("the run history, edge cases", function()
  local file = strategy("edge_strategy.lua")

  it("says so when a strategy has no runs, and suggests a first one", function()
    local db = fresh("empty.sqlite")
    local code, stdout, stderr = h.run({"recommend", file, "--history", db})
    assert.are.equal(0, code, stderr)
    assert.matches("No completed run of this strategy is recorded: nothing to learn from yet.\n"
      .. "Suggested first run: asrun " .. file .. " --profile balanced --policy hill\n", stdout, 1, true)
    code, stdout, stderr = h.run({"history", "--history", db})
    assert.are.equal(0, code, stderr)
    assert.matches("No runs recorded yet: " .. db .. " does not exist", stdout, 1, true)
    code, stdout = h.run({"history", "--history", db, "--json"})
    assert.are.equal(0, code)
    assert.are.equal("[]\n", stdout)
    code, _, stderr = h.run({"report", "1", "--history", db})
    assert.are.equal(1, code)
    assert.matches("run history " .. db .. ": No such file or directory", stderr, 1, true)
  end)

  it("records nothing with --no-history or --dry-run", function()
    local db = fresh("none.sqlite")
    local code, _, stderr = h.run({file, "--history", db, "--no-history", "--target", "null:"})
    assert.are.equal(0, code, stderr)
    assert.is_false(h.exists(db))
    assert.is_nil(stderr:find("Run history", 1, true))
    code, _, stderr = h.run({file, "--history", db, "--dry-run", "--target", "null:"})
    assert.are.equal(0, code, stderr)
    assert.is_false(h.exists(db))
  end)

  it("only warns when the history cannot be written, and keeps the output", function()
    local blocker = h.write(h.path("not_a_dir"), "a file where a directory should be\n")
    local out = h.path("kept.jsonl")
    h.remove(out)
    local code, stdout, stderr = h.run({file, "--history", blocker .. "/history.sqlite",
      "--target", "file:" .. out, "--no-checkpoint"})
    assert.are.equal(0, code, stderr)
    assert.matches("Wrote 5,000 documents", stdout, 1, true)
    assert.matches("run history: cannot create directory " .. blocker .. ": Not a directory "
      .. "(this run is not recorded in the history; its output is kept)", stderr, 1, true)
    assert.are.equal(5000, #h.lines(out))
  end)

  it("records a failed run with its exit code", function()
    local db = fresh("failed.sqlite")
    local bad = h.write(h.path("bad.jsonl"), '{"a": 1}\n{"a": \n{"a": 3}\n')
    local code, _, stderr = h.run({"--source", bad, "--target", "null:", "--history", db})
    assert.are.equal(1, code, stderr)
    local stdout
    code, stdout = h.run({"history", "--history", db, "--json"})
    assert.are.equal(0, code)
    local runs = h.json.decode(stdout)
    assert.are.equal(1, #runs)
    assert.are.equal("failed", runs[1].status)
    assert.are.equal(1, runs[1].exit_code)
    assert.are.equal("jsonl", runs[1].source)
    assert.is_nil(runs[1].strategy) -- a --source run: JSON null
    code, stdout = h.run({"history", "--history", db})
    assert.matches("%(%-%-source%).-failed %(exit 1%)\n", stdout)
  end)
end)
