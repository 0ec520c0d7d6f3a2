-- Kill and resume: runs are SIGKILLed at 20 random moments and resumed with --resume until they
-- finish, in the three scenarios of issue 11: generation to a file (7 kills), generation to the
-- test server (7) and a MongoDB → MongoDB migration with a transform and fan-out (6); besides
-- them, a JSON lines file through a transform into .bson (4 more). The result must equal an
-- uninterrupted run with the same seed and clock, document by document: files byte for byte,
-- collections field by field (both dumped as canonical Extended JSON, sorted, compared).
--
-- The kill moments spread over the whole run: the uninterrupted run is timed first, and kill i
-- of k falls at a random moment of the i-th k-th of that time (of its first 90%), on the
-- uninterrupted run's time line: a resumed run, which starts from its checkpoint's progress,
-- is killed that much later than the moment its progress stands for. The moments come from a
-- random seed printed first (ASRUN_KILL_SEED=N replays them); every kill is printed with the
-- progress it interrupted.
-- needs: mongo
local h = require("tests.e2e.helper")
local URI = os.getenv("ASRUN_TEST_MONGO_URI")
local COMMAND = os.getenv("ASRUN_TEST_MONGO_COMMAND")

local seed = tonumber(os.getenv("ASRUN_KILL_SEED") or "") or (os.time() % 1000000)
math.randomseed(seed)
print("kill_resume_spec: kill moments from seed " .. seed .. " (ASRUN_KILL_SEED=" .. seed
  .. " to replay)")
local REPLAY = " (ASRUN_KILL_SEED=" .. seed .. ")"

local kill = require("tests.e2e.kill")
local now, run_killed = kill.now, kill.run_killed

local function read_json(path)
  local text = h.slurp(path)
  local ok, value = pcall(h.json.decode, text or "")
  return text and ok and value or nil
end

local function with(args, ...)
  local t = {table.unpack(args)}
  for _, a in ipairs({...}) do t[#t + 1] = a end
  return t
end

-- The share of the run a checkpoint says is done (0 without one): its documents written
-- against `expected`, the uninterrupted run's.
local function progress(cp, expected)
  local c = read_json(cp)
  if not c then return 0, nil end
  local written = c.docs_written or (c.from and c.from.index) or 0
  return math.min(1, written / expected), c
end

-- Kills a run `kills` times (each resumed with --resume) at moments drawn over the first 90%
-- of `span` seconds (the uninterrupted run's time), one in each k-th, then lets the last
-- resume finish. A run that ends before its kill ends the series (the result is complete), as
-- does a kill that lands after a resumed run published its file (its checkpoint is retired
-- then: the work is done). Returns {hit, resumed, seeds (seed/clock pairs seen in the
-- checkpoints), code, out, err, span_seen (the whole run's time as the run that finished
-- before its kill suggests)}.
local function kill_series(name, args, kills, span, cp, expected)
  local r = {hit = 0, resumed = 0, runs = {}}
  local resume = with(args, "--resume")
  local slot = 0.9 * span / kills
  local finished = false
  for i = 1, kills do
    local moment = slot * (i - 1 + math.random())
    local done, c = progress(cp, expected)
    if c then
      r.resumed = r.resumed + 1
      r.runs[#r.runs + 1] = c.run.seed .. "/" .. c.run.clock_ms
    end
    local after = math.max(0.02, moment - done * span)
    local t0 = now()
    local code = run_killed(resume, after, cp)
    local reached, after_c = progress(cp, expected)
    if code == 137 and c and not after_c then code = 0 end -- published, then killed
    if code ~= 137 then r.span_seen = (now() - t0) / math.max(0.1, 1 - done) end
    print(string.format("  %s: kill %d of %d at %.2f s of %.2f s (%.2f s into a run resumed "
      .. "at %.0f%%): %s, checkpoint at %.0f%%", name, i, kills, moment, span, after,
      100 * done, code == 137 and "killed" or ("ended, exit " .. tostring(code)), 100 * reached))
    if code == 137 then
      r.hit = r.hit + 1
    else
      assert.are.equal(0, code, name .. ": a run exited " .. tostring(code) .. REPLAY)
      finished = true
      break
    end
  end
  local c = read_json(cp)
  if c then
    r.resumed = r.resumed + 1
    r.runs[#r.runs + 1] = c.run.seed .. "/" .. c.run.clock_ms
  end
  if finished then
    r.code, r.out, r.err = 0, "", ""
  else
    r.code, r.out, r.err = h.run(resume)
  end
  return r
end

-- The uninterrupted run is timed once, under whatever else the machine runs then. A series in
-- which runs end before their kills was timed too slow: it starts over (fresh() clears the
-- output, and the checkpoint goes) with the time the finished run suggests, up to 3 times.
local function kill_and_resume(name, args, kills, span, cp, expected, fresh)
  for attempt = 1, 3 do
    local r = kill_series(name, args, kills, span, cp, expected)
    if r.hit >= kills - 1 or attempt == 3 or not fresh or not r.span_seen then return r end
    print(string.format("  %s: %d of %d kills hit; starting over with %.2f s for %.2f s",
      name, r.hit, kills, r.span_seen, span))
    span = r.span_seen
    fresh()
    os.remove(cp)
  end
end

-- Asserts the series hit running processes (all kills but the last may not, should the run
-- have ended before it) and went on from checkpoints, and that its checkpoints all name one
-- seed and clock; returns that seed and clock.
local function assert_series(name, r, kills)
  assert.are.equal(0, r.code, name .. ": the last resume failed: " .. tostring(r.err) .. REPLAY)
  assert.is_true(r.hit >= kills - 1, string.format("%s: %d of %d kills hit a running process%s",
    name, r.hit, kills, REPLAY))
  assert.is_true(r.resumed >= r.hit, string.format("%s: %d kills, %d runs from a checkpoint%s",
    name, r.hit, r.resumed, REPLAY))
  for _, s in ipairs(r.runs) do
    assert.are.equal(r.runs[1], s, name .. ": the checkpoint's seed/clock changed" .. REPLAY)
  end
  return r.runs[1]:match("^(%d+)/(%d+)$")
end

-- Runs asrun to the end; returns its wall-clock seconds and its summary.
local function timed(args)
  local summary = h.path("kr_timed_summary.json")
  os.remove(summary)
  local t0 = now()
  local code, _, err = h.run(with(args, "--summary-json", summary))
  assert.are.equal(0, code, err)
  return now() - t0, read_json(summary)
end

local function file_equal(a, b)
  local ok = os.execute("cmp -s " .. h.q(a) .. " " .. h.q(b))
  return ok == true or ok == 0
end

local TEMPLATE = h.write(h.path("kr_t.json"), [[{
  "n": "$inc",
  "name": {"$string": {"length": 12}},
  "qty": {"$integer": {"min": 1, "max": 100}},
  "when": "$now",
  "oid": "$objectid"
}]])

describe("kill and resume", function()
  -- no --seed, no --now: the first run draws both and pins them in its checkpoint; every
  -- resume takes them from there, so the file equals an uninterrupted run given that seed
  -- and clock, byte for byte
  it("generation to a file: byte-identical to an uninterrupted run after 7 kills", function()
    local ref, out = h.path("kr_ref.jsonl"), h.path("kr_out.jsonl")
    local cp = out .. ".checkpoint.json"
    h.remove(ref, out, cp)
    local total = 3000000
    local base = {"--source", TEMPLATE, "--total", tostring(total), "--workers", "2",
      "--batch-size", "700", "-q", "--checkpoint-every", "0.02"}
    local span = timed(with(base, "--seed", "1", "--target", "file:" .. ref))
    local r = kill_and_resume("generation to a file", with(base, "--target", "file:" .. out), 7,
      span, cp, total, function() h.remove(out, out .. ".partial") end)
    local run_seed, clock = assert_series("generation to a file", r, 7)
    assert.is_false(h.exists(cp)) -- retired with the published output
    h.remove(ref)
    assert.are.equal(0, (h.run(with(base, "--seed", run_seed, "--now", clock, "--target",
      "file:" .. ref))))
    assert.is_true(file_equal(ref, out), "the resumed file differs from an uninterrupted run "
      .. "with the checkpoint's seed " .. run_seed .. " and clock " .. clock .. REPLAY)
    h.remove(ref, out)
  end)

  -- beyond the 20: a file source (byte offsets) through a transform that drops documents
  it("a JSON lines file through a transform into .bson: byte-identical after 4 kills", function()
    local input, ref, out = h.path("kr_in.jsonl"), h.path("kr_ref.bson"), h.path("kr_out.bson")
    local cp = out .. ".checkpoint.json"
    h.remove(input, ref, out, cp)
    assert.are.equal(0, (h.run({"--source", TEMPLATE, "--total", "150000", "--now", "2024-01-01",
      "--target", "file:" .. input, "-q"})))
    local strategy = h.write(h.path("kr_xf.lua"), string.format([[
return {
  source = { kind = "jsonl", path = %q },
  workers = 2, batch_size = 500,
  transform = function(doc)
    if doc.qty %% 7 == 0 then return nil end
    doc.double = doc.qty * 2
    return doc
  end,
}]], input))
    local span, sum = timed({strategy, "--target", "file:" .. ref, "-q"})
    local r = kill_and_resume("a file through a transform", {strategy, "--target", "file:" .. out,
      "-q", "--checkpoint-every", "0.02"}, 4, span, cp, sum.docs_written,
      function() h.remove(out, out .. ".partial") end)
    assert_series("a file through a transform", r, 4)
    assert.is_true(file_equal(ref, out), "the resumed .bson differs from the uninterrupted one"
      .. REPLAY)
  end)

  it("refuses a checkpoint of another run, and starts over without --resume", function()
    local out = h.path("kr_other.jsonl")
    local cp = out .. ".checkpoint.json"
    h.remove(out, cp)
    local args = {"--source", TEMPLATE, "--total", "3000000", "--seed", "1", "--target",
      "file:" .. out, "-q", "--checkpoint-every", "0.02"}
    run_killed(args, 0.1, cp)
    assert.is_true(h.exists(cp))
    args[6] = "2" -- another seed
    args[#args + 1] = "--resume"
    local code, _, err = h.run(args)
    assert.are.equal(2, code)
    assert.matches("belongs to another run %(the seed differs: 1 in the checkpoint, 2 now%)", err)
    assert.is_true(h.exists(cp)) -- nothing was touched
    assert.is_true(h.exists(out .. ".partial"))
    os.remove(cp); os.remove(out .. ".partial")
  end)
end)

local describe_mongo = URI and describe or pending
describe_mongo("kill and resume against the test server", function()
  local function ns(db_coll) return URI .. "/" .. db_coll end

  local function unique_coll(name) return string.format("%s_%d_%d", name, os.time(), math.random(1e6)) end

  -- Runs a command on the database e2e (JSON text); returns the reply's text.
  local function command(json)
    local p = assert(io.popen(string.format("%s %s e2e %s 2>&1", h.q(COMMAND), h.q(URI),
      h.q(json))))
    local out = p:read("a")
    p:close()
    return out
  end

  local function count(coll)
    local reply = command(string.format('{"count": "%s"}', coll))
    return tonumber(reply:match('"n" : (%d+)')) or error("count: " .. reply)
  end

  -- the in-memory test server slows as it fills: each test drops what it wrote once checked
  local function drop(...)
    for _, coll in ipairs({...}) do command(string.format('{"drop": "%s"}', coll)) end
  end

  -- A collection dumped as canonical Extended JSON (every type spelt out), one document a
  -- line, sorted; returns the path and the number of documents.
  local function sorted_dump(coll)
    local out, sorted = h.path(coll .. "_dump.jsonl"), h.path(coll .. "_sorted.jsonl")
    h.remove(out, sorted)
    local code, _, stderr = h.run({"--source", ns("e2e." .. coll), "--target", out,
      "--json-format", "canonical", "-q", "--no-checkpoint"})
    assert(code == 0, "dump failed: " .. tostring(stderr))
    assert(os.execute("LC_ALL=C sort " .. h.q(out) .. " >" .. h.q(sorted)))
    os.remove(out)
    local p = io.popen("wc -l <" .. h.q(sorted))
    local n = tonumber(p:read("a"))
    p:close()
    return sorted, n
  end

  -- Asserts collection `got` holds the documents of `want`, field by field: each once, none
  -- missing, none more. Says how many differ, and the first few, when not.
  local function assert_same_collection(want, got, expected_n, name)
    local a, na = sorted_dump(want)
    local b, nb = sorted_dump(got)
    assert.are.equal(expected_n, na, name .. ": the uninterrupted run wrote " .. na)
    if not file_equal(a, b) then
      local p = io.popen(string.format("LC_ALL=C comm -23 %s %s | wc -l; LC_ALL=C comm -13 %s %s "
        .. "| wc -l; diff %s %s | head -4 | cut -c1-300", h.q(a), h.q(b), h.q(a), h.q(b),
        h.q(a), h.q(b)))
      local report = p:read("a")
      p:close()
      local lost, extra = report:match("^(%d+)\n(%d+)\n")
      error(string.format("%s: %d documents of %d differ from the uninterrupted run's: %s "
        .. "missing or changed, %s extra or changed%s\n%s", name, nb, na, lost, extra, REPLAY,
        report:gsub("^%d+\n%d+\n", "")))
    end
    assert.are.equal(expected_n, nb)
    h.remove(a, b)
  end

  -- --seed and --now pinned, so the uninterrupted run (timed for the kill moments) writes
  -- the same documents; no _id in the template: each gets one derived from (seed, index)
  it("generation to a collection: the uninterrupted run's documents, field by field, after 7 kills", function()
    local coll, ref = unique_coll("kr_gen"), unique_coll("kr_gen_ref")
    local cp = h.path("kr_gen.checkpoint.json")
    os.remove(cp)
    local total = 100000
    local base = {"--source", TEMPLATE, "--total", tostring(total), "--seed", "5", "--now",
      "2024-06-01T12:00:00Z", "--batch-size", "500"}
    local span = timed(with(base, "-q", "--target", ns("e2e." .. ref), "--no-checkpoint"))
    local r = kill_and_resume("generation to a collection", with(base, "-q", "--target",
      ns("e2e." .. coll), "--checkpoint", cp, "--checkpoint-every", "0.1"), 7, span, cp, total,
      function() drop(coll) end)
    assert_series("generation to a collection", r, 7)
    assert_same_collection(ref, coll, total, "generation to a collection")
    -- a completed run's checkpoint stays "complete": --resume does nothing more
    local code2, _, err2 = h.run(with(base, "--target", ns("e2e." .. coll), "--checkpoint", cp,
      "--resume"))
    assert.are.equal(0, code2)
    assert.matches("Nothing to resume", err2)
    assert.are.equal(total, count(coll))
    drop(coll, ref)
  end)

  -- each input gives two new documents without _id: theirs depend on (seed, input, position),
  -- so the seed pinned gives the uninterrupted run's
  it("a collection → collection migration with a transform and fan-out: the uninterrupted run's documents after 6 kills", function()
    local src, dst, ref = unique_coll("kr_src"), unique_coll("kr_dst"), unique_coll("kr_dst_ref")
    local total = 30000
    assert.are.equal(0, (h.run({"--source", TEMPLATE, "--total", tostring(total), "--target",
      ns("e2e." .. src), "-q", "--no-checkpoint", "--now", "2024-01-01"})))
    local function strategy(target)
      return h.write(h.path("kr_fan_" .. target .. ".lua"), string.format([[
return {
  source = { kind = "mongodb", uri = %q, database = "e2e", collection = %q },
  target = { uri = %q, database = "e2e", collection = %q },
  workers = 2, batch_size = 400,
  transform = function(doc)
    return { { parent = doc.n, part = 1, name = doc.name, qty = doc.qty * 3 },
             { parent = doc.n, part = 2, when = doc.when } }
  end,
}]], URI, src, URI, target))
    end
    local cp = h.path("kr_fan.checkpoint.json")
    os.remove(cp)
    local span = timed({strategy(ref), "-q", "--seed", "7", "--no-checkpoint"})
    local r = kill_and_resume("migration with fan-out", {strategy(dst), "-q", "--seed", "7",
      "--checkpoint", cp, "--checkpoint-every", "0.1"}, 6, span, cp, 2 * total,
      function() drop(dst) end)
    assert_series("migration with fan-out", r, 6)
    assert_same_collection(ref, dst, 2 * total, "migration with fan-out")
    drop(src, dst, ref)
  end)
end)
