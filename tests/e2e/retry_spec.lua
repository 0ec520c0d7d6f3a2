-- Retries that outlast an outage, end to end against the test server through a TCP proxy
-- (tests/proxy/mongo_proxy.py): connections cut every fraction of a second under a
-- generation and under a MongoDB → MongoDB migration's reads, and a throttling storm of
-- Cosmos DB 16500 replies longer than the old 10 retries per batch. Every run must end with
-- exact counts: each document in the target once. Each proxy is stopped by its PID after
-- its test.
-- needs: mongo
local h = require("tests.e2e.helper")
local URI = os.getenv("ASRUN_TEST_MONGO_URI")

-- Collections unique to this run, so a spec run again on the same server starts empty.
local RUN = string.format("%d_%d", os.time(), math.random(1000000))
local DB = "e2e_retry"
local function coll(name) return name .. "_" .. RUN end
local function ns(uri, name) return uri .. "/" .. DB .. "." .. coll(name) end

local TEMPLATE = h.write(h.path("retry_t.json"), [[{
  "_id": "$objectid",
  "n": "$inc",
  "name": {"$string": {"length": 12}},
  "qty": {"$integer": {"min": 1, "max": 100}}
}]])

local function sleep(s) os.execute("sleep " .. s) end

local proxy = require("tests.e2e.proxy_helper")
local read_json = proxy.read_json
local function start_proxy(name, args) return proxy.start(URI, name, args) end
local stop_proxies = proxy.stop_all

-- ---- what the target holds ------------------------------------------------------------------

-- The documents of a collection (read directly from the server) and how many distinct _ids.
local function contents(name)
  local out = h.path(name .. "_dump.jsonl")
  h.remove(out)
  local code, _, stderr = h.run({"--source", ns(URI, name), "--target", out, "-q"})
  assert(code == 0, "dump failed: " .. stderr)
  local ids, distinct, n = {}, 0, 0
  for _, line in ipairs(h.lines(out)) do
    local id = h.json.decode(line)._id["$oid"]
    n = n + 1
    if not ids[id] then distinct = distinct + 1 end
    ids[id] = true
  end
  return n, distinct
end

local function generate(target, total, extra)
  local summary = h.path("retry_summary.json")
  os.remove(summary)
  local args = {"--source", TEMPLATE, "--total", tostring(total), "--now", "2024-01-01",
    "--target", target, "--summary-json", summary}
  for _, a in ipairs(extra or {}) do args[#args + 1] = a end
  local code, stdout, stderr = h.run(args)
  return code, stdout, stderr, read_json(summary)
end

-- The source collection of the migrations: 20000 documents, n = 0..19999 (written once).
local source_ready = false
local function ensure_source()
  if source_ready then return end
  local code, _, stderr = generate(ns(URI, "mig_src"), 20000, {"--workers", "2", "-q"})
  assert(code == 0, "cannot fill the source: " .. stderr)
  source_ready = true
end

local describe_mongo = URI and describe or pending
describe_mongo("retries through a proxy", function()
  after_each(stop_proxies)

  -- enough documents that the run outlasts a cut on a quiet machine too; cuts no more often
  -- than every 0.5 s, so the opening ping (tried three times) is not cut every time
  it("generates into a collection whose connections are cut every 0.5 s: exact count", function()
    local base, stats = start_proxy("gen_cut", {"--mode", "cut", "--cut-every", "0.5"})
    local code, _, stderr, sum = generate(ns(base, "gen_cut"), 300000,
      {"--workers", "3", "--batch-size", "500", "--retry-for", "2m"})
    assert.are.equal(0, code, stderr)
    assert.are.equal(300000, sum.docs_written)
    local n, distinct = contents("gen_cut")
    assert.are.equal(300000, n)
    assert.are.equal(300000, distinct)
    sleep(0.3)
    assert.is_true(read_json(stats).cuts >= 1, "the proxy cut nothing")
  end)

  it("migrates reading through connections cut every 0.5 s: each document once", function()
    ensure_source()
    local base, stats = start_proxy("mig_cut", {"--mode", "cut", "--cut-every", "0.5"})
    -- small cursor batches: every range is read in many getMores, so cuts land mid-cursor
    local strategy = h.write(h.path("retry_migrate.lua"), string.format([[
return {
  source = { kind = "mongodb", uri = "%s", database = "%s", collection = "%s",
             cursor_batch = 50 },
  target = { uri = "%s", database = "%s", collection = "%s" },
  workers = 2, batch_size = 1000,
}]], base, DB, coll("mig_src"), URI, DB, coll("mig_cut")))
    local summary = h.path("retry_mig_summary.json")
    os.remove(summary)
    local code, stdout, stderr = h.run({strategy, "--summary-json", summary})
    assert.are.equal(0, code, stderr)
    local sum = read_json(summary)
    assert.are.equal(20000, sum.docs_read)
    assert.are.equal(20000, sum.docs_written)
    local n, distinct = contents("mig_cut")
    assert.are.equal(20000, n)
    assert.are.equal(20000, distinct)
    sleep(0.3)
    local cuts = read_json(stats).cuts
    assert.is_true(cuts >= 2, "the proxy cut " .. cuts .. " connections")
    -- reads cut mid-cursor were read again, and counted where the scaler sees retries
    assert.is_true(sum.retries >= 1, "no read was retried; stdout: " .. stdout)
    assert.matches("retried: %d+", stdout)
  end)

  -- cursor_batch 10: 2,000 round trips, so the read outlasts a cut (at 50 it could end within
  -- the first 0.5 s on a quiet machine, and no read was retried)
  it("migrates without _id in the projection through cut connections: each document once", function()
    ensure_source()
    local base, stats = start_proxy("proj_cut", {"--mode", "cut", "--cut-every", "0.5"})
    local out = h.path("retry_proj.jsonl")
    h.remove(out)
    local strategy = h.write(h.path("retry_proj.lua"), string.format([[
return {
  source = { kind = "mongodb", uri = "%s", database = "%s", collection = "%s",
             projection = '{"_id": 0, "n": 1}', cursor_batch = 10 },
  target = "%s",
  workers = 2, batch_size = 1000,
}]], base, DB, coll("mig_src"), out))
    local summary = h.path("retry_proj_summary.json")
    os.remove(summary)
    local code, _, stderr = h.run({strategy, "--summary-json", summary})
    assert.are.equal(0, code, stderr)
    local seen, n = {}, 0
    for _, line in ipairs(h.lines(out)) do
      local d = h.json.decode(line)
      assert.is_nil(d._id)
      assert.is_nil(seen[d.n], "document n=" .. tostring(d.n) .. " read twice")
      seen[d.n] = true
      n = n + 1
    end
    assert.are.equal(20000, n) -- n is $inc: 0..19999, each once
    for i = 0, 19999 do assert.is_true(seen[i], "document n=" .. i .. " lost") end
    sleep(0.3)
    assert.is_true(read_json(stats).cuts >= 2)
    assert.is_true(read_json(summary).retries >= 1, "no read was retried")
  end)

  -- the issue's case: a minute of 16500 with RetryAfterMs (the Cosmos SDK's default gives up
  -- after about 30 s of waiting)
  it("outlasts a 60 s storm of throttled inserts with the default budget", function()
    local base, stats = start_proxy("storm", {"--mode", "throttle", "--storm", "60",
      "--retry-after-ms", "20", "--style", "writeerrors"})
    local code, stdout, stderr, sum = generate(ns(base, "storm"), 10000,
      {"--workers", "2", "--batch-size", "1000"})
    assert.are.equal(0, code, stderr)
    assert.are.equal("ok", sum.status)
    assert.are.equal(10000, sum.docs_written)
    assert.is_true(sum.duration_s >= 59, "finished in " .. sum.duration_s .. " s, within the storm")
    assert.is_true(sum.throttles > 100, "throttles " .. sum.throttles)
    assert.is_true(sum.retries > 100, "retries " .. sum.retries)
    assert.matches("Throttled: %d+, retried: %d+", stdout)
    local n, distinct = contents("storm")
    assert.are.equal(10000, n)
    assert.are.equal(10000, distinct)
    sleep(0.3)
    assert.is_true(read_json(stats).throttled_replies > 100)
  end)

  it("gives up when --retry-for is spent, saying for how long and why", function()
    local base = start_proxy("budget", {"--mode", "throttle", "--storm", "60",
      "--retry-after-ms", "50", "--style", "command"})
    local code, _, stderr, sum = generate(ns(base, "budget"), 2000,
      {"--workers", "1", "--batch-size", "1000", "--retry-for", "1.5s"})
    assert.are.equal(1, code, stderr)
    assert.matches("cannot write batch %d+ to " .. DB .. "%." .. coll("budget") .. ": 1000 "
      .. "documents not written after retrying for 1%.%d s %(%d+ retries, %-%-retry%-for 1%.5 s; "
      .. "last error: Error=16500, RetryAfterMs=50", stderr)
    assert.are.equal("failed", sum.status)
    assert.are.equal(0, sum.docs_written)
  end)

  it("stops waiting to retry at once when interrupted", function()
    local base = start_proxy("stop", {"--mode", "throttle", "--storm", "60",
      "--retry-after-ms", "20000"})
    local code, secs, _, stderr = h.run_signalled({"--source", TEMPLATE, "--total", "5000",
      "--target", ns(base, "stop"), "--workers", "2"}, "INT", 2)
    assert.are.equal(130, code, stderr)
    assert.is_true(secs < 10, "took " .. secs .. " s to stop (the wait was 20 s)")
    assert.matches("run stopped while batch %d+ waited to retry 1000 documents", stderr)
  end)

  it("refuses a --retry-for or retry_for that is not a duration", function()
    local code, _, stderr = h.run({"--source", TEMPLATE, "--total", "1", "--target", "null:",
      "--retry-for", "ten minutes"})
    assert.are.equal(2, code)
    assert.matches("%-%-retry%-for: expected a duration %(500ms, 90s, 10m, 1h or a number of "
      .. "seconds; at most a week%), got 'ten minutes'", stderr)
    local strategy = h.write(h.path("retry_bad.lua"), string.format(
      'return { source = "%s", target = "null:", retry_for = "5 min" }', TEMPLATE))
    code, _, stderr = h.run({strategy, "--total", "1"})
    assert.are.equal(2, code)
    assert.matches("field 'retry_for' must be a duration", stderr)
    strategy = h.write(h.path("retry_ok.lua"), string.format(
      'return { source = "%s", target = "null:", retry_for = 90 }', TEMPLATE))
    code, _, stderr = h.run({strategy, "--total", "1", "-q"})
    assert.are.equal(0, code, stderr)
  end)
end)
