-- Retries on the source side, end to end: a MongoDB → MongoDB migration reads through a TCP
-- proxy (tests/proxy/mongo_proxy.py) that (a) stops answering for seconds at a time without
-- closing anything, so the source URI's socketTimeoutMS ends each read, and (b) answers the
-- reads (find, getMore) with Cosmos DB's 16500 and RetryAfterMs for seconds, far more than the
-- old 10 retries per batch. Each run must finish with exact counts (every source document in
-- the target once, with its content) and the retries counted in the summary. The writes go to
-- the server directly. Each proxy is stopped by its PID after its test.
-- needs: mongo
local h = require("tests.e2e.helper")
local proxy = require("tests.e2e.proxy_helper")
local URI = os.getenv("ASRUN_TEST_MONGO_URI")

local RUN = string.format("%d_%d", os.time(), math.random(1000000))
local DB = "e2e_retry_source"
local TOTAL = 20000
local function coll(name) return name .. "_" .. RUN end

local TEMPLATE = h.write(h.path("rs_t.json"), [[{
  "_id": "$objectid",
  "n": "$inc",
  "name": {"$string": {"length": 12}},
  "qty": {"$integer": {"min": 1, "max": 100}}
}]])

local function sleep(s) os.execute("sleep " .. s) end

-- A collection's documents as canonical Extended JSON lines, sorted (equal lists: the same
-- documents, field by field, each as often).
local function sorted_lines(name)
  local out = h.path(name .. "_dump.jsonl")
  h.remove(out)
  local code, _, stderr = h.run({"--source", URI .. "/" .. DB .. "." .. coll(name), "--target",
    out, "--json-format", "canonical", "-q", "--no-checkpoint"})
  assert(code == 0, "dump failed: " .. tostring(stderr))
  local lines = h.lines(out)
  table.sort(lines)
  return lines
end

local function assert_same_documents(expected, got)
  assert.are.equal(#expected, #got)
  for i = 1, #expected do
    if expected[i] ~= got[i] then assert.are.equal(expected[i], got[i]) end
  end
end

-- The source: TOTAL documents (n = 0..TOTAL-1), written once, directly.
local source_lines
local function ensure_source()
  if source_lines then return end
  local code, _, stderr = h.run({"--source", TEMPLATE, "--total", tostring(TOTAL), "--now",
    "2024-01-01", "--target", URI .. "/" .. DB .. "." .. coll("src"), "-q", "--no-checkpoint"})
  assert(code == 0, "cannot fill the source: " .. tostring(stderr))
  source_lines = sorted_lines("src")
  assert.are.equal(TOTAL, #source_lines)
end

-- Migrates the source, read through `source_base` (a proxy's mongodb:// URI, with `options`
-- after ?), into a new collection `name`; returns exit code, stdout, stderr and the summary.
local function migrate(source_base, options, name, cursor_batch)
  local strategy = h.write(h.path("rs_" .. name .. ".lua"), string.format([[
return {
  source = { kind = "mongodb", uri = "%s/?%s", database = "%s", collection = "%s",
             cursor_batch = %d },
  target = { uri = "%s", database = "%s", collection = "%s" },
  workers = 2, batch_size = 1000,
}]], source_base, options, DB, coll("src"), cursor_batch, URI, DB, coll(name)))
  local summary = h.path("rs_" .. name .. "_summary.json")
  os.remove(summary)
  local code, stdout, stderr = h.run({strategy, "--summary-json", summary, "--no-checkpoint"})
  return code, stdout, stderr, proxy.read_json(summary)
end

-- The migration into collection `name` finished ok with every source document, equal.
local function assert_copied(code, stderr, sum, name)
  assert.are.equal(0, code, stderr)
  assert.are.equal("ok", sum.status)
  assert.are.equal(TOTAL, sum.docs_read)
  assert.are.equal(TOTAL, sum.docs_written)
  assert_same_documents(source_lines, sorted_lines(name))
end

local describe_mongo = URI and describe or pending
describe_mongo("source-side retries through a proxy", function()
  after_each(proxy.stop_all)

  -- stalls of 2.5 s against socketTimeoutMS=800: every stall times reads out; the stall ends
  -- on its own, so a read tried again after it goes through
  it("reads again after a read timeout (a stalled server): exact counts, retries counted", function()
    ensure_source()
    local base, stats = proxy.start(URI, "rs_stall", {"--mode", "stall", "--stall-for", "2.5",
      "--stall-every", "1"})
    local code, stdout, stderr, sum = migrate(base, "socketTimeoutMS=800", "stall", 50)
    assert_copied(code, stderr, sum, "stall")
    assert.is_true(sum.retries >= 1, "no read was retried; stdout: " .. stdout)
    assert.matches("retried: %d+", stdout)
    sleep(0.3)
    local st = proxy.read_json(stats)
    assert.is_true(st.stalls >= 1, "the proxy stalled nothing")
    assert.is_true(sum.retries >= st.stalls - 1, string.format(
      "%d stalls but %d retries", st.stalls, sum.retries))
    -- the timeouts were what was retried (logged as the reads' errors)
    assert.is_nil(stderr:match("gave up"), stderr)
  end)

  -- 75% of the reads answered 16500 for 5 s (the issue's 75%, RetryAfterMs 20): hundreds of
  -- throttled reads, a batch's far beyond the old 10 retries
  it("outlasts a storm of throttled reads (16500, RetryAfterMs): exact counts, retries counted", function()
    ensure_source()
    local base, stats = proxy.start(URI, "rs_throttle", {"--mode", "throttle-reads", "--storm",
      "5", "--ratio", "0.75", "--retry-after-ms", "20"})
    local code, stdout, stderr, sum = migrate(base, "", "throttle", 100)
    assert_copied(code, stderr, sum, "throttle")
    sleep(0.3)
    local st = proxy.read_json(stats)
    assert.is_true(st.throttled_reads > 20, "throttled reads " .. st.throttled_reads)
    assert.is_true(st.reads_forwarded > 0)
    -- every throttled reply was a failed read that was read again, and counted so
    assert.are.equal(st.throttled_reads, sum.throttles)
    assert.are.equal(st.throttled_reads, sum.retries)
    assert.matches("Throttled: %d+, retried: %d+", stdout)
  end)
end)
