-- Re-runs into a MongoDB collection in insert mode (the default) against the test server:
-- a migration without --seed derives the same seed every time, so a fan-out's new documents
-- (and a file's records without _id) get the same _ids again and a re-run finds them already
-- in the target instead of inserting copies; --verify-only finds them too. A load into a
-- collection that already holds documents says so before it writes, with how many and how to
-- repeat a run exactly (a template's $objectid follows the clock: --now), and the summary
-- keeps the warning.
-- needs: mongo
local h = require("tests.e2e.helper")
local URI = os.getenv("ASRUN_TEST_MONGO_URI")

-- Collections are named per run of this spec: a re-run against the same server starts empty.
local RUN = string.format("%d_%d", os.time(), math.random(1e6))
local DB = "e2e_rerun"
local function ns(coll) return URI .. "/" .. DB .. "." .. coll .. "_" .. RUN end
local function count(coll) return #h.mongo_docs(ns(coll)) end

local function concat(a, b)
  local t = {table.unpack(a)}
  for _, v in ipairs(b) do t[#t + 1] = v end
  return t
end

local SOURCE_T = h.write(h.path("rerun_src.json"), [[{
  "n": "$inc",
  "name": {"$string": {"length": 10}}
}]])
local TOTAL = 1500

-- every source document fans out into (n % 3) + 1 new tables without _id; no seed anywhere
local function fan_strategy(from, to)
  return h.write(h.path("rerun_fan_" .. to .. ".lua"), string.format([[
return {
  source = "%s",
  target = "%s",
  transform = function(doc)
    local out = {}
    for j = 1, (doc.n %% 3) + 1 do
      out[#out + 1] = { parent = doc.n, j = j, name = doc.name }
    end
    return out
  end,
}]], ns(from), ns(to)))
end

local function fanned_out(total)
  local want = 0
  for n = 0, total - 1 do want = want + (n % 3) + 1 end
  return want
end

local function thousands(n)
  return n >= 1000 and string.format("%d,%03d", n // 1000, n % 1000) or tostring(n)
end

local describe_mongo = URI and describe or pending
describe_mongo("re-runs in insert mode", function()
  it("a fan-out migration without a seed, run twice: nothing duplicated, the re-run warned, "
     .. "--verify-only passes", function()
    local code, _, stderr = h.run({"--source", SOURCE_T, "--total", tostring(TOTAL), "--seed", "3",
                                   "--target", ns("fan_src"), "-q"})
    assert.are.equal(0, code, stderr)
    local strategy = fan_strategy("fan_src", "fan_dst")
    local want = fanned_out(TOTAL)
    local sum = h.path("rerun_fan_summary.json")
    local stdout
    code, stdout, stderr = h.run({strategy, "--summary-json", sum})
    assert.are.equal(0, code, stderr)
    assert.matches("Wrote " .. thousands(want) .. " documents", stdout, 1, true)
    assert.matches("seed:       %d+ %(derived from the source and the strategy's name: a re%-run "
                   .. "derives it again%)", stderr)
    local s = h.json.decode(h.slurp(sum))
    assert.are.equal("derived", s.seed_origin)
    local first_seed = s.seed
    assert.is_nil(s.clock) -- a migration has no generation clock
    -- the same command again: the same seed, the same _ids, nothing inserted
    code, stdout, stderr = h.run({strategy, "--summary-json", sum, "--workers", "3",
                                  "--batch-size", "170"})
    assert.are.equal(0, code, stderr)
    assert.matches("Wrote 0 documents", stdout, 1, true)
    assert.matches("Warning: all " .. want .. " documents were already in " .. DB .. ".fan_dst_"
                   .. RUN .. " (duplicate key): nothing inserted", stdout, 1, true)
    -- and it said before writing that the collection held documents
    assert.matches("already holds " .. thousands(want) .. " documents before this insert", stderr,
                   1, true)
    s = h.json.decode(h.slurp(sum))
    assert.are.equal(first_seed, s.seed)
    assert.are.equal(want, s.duplicates)
    assert.are.equal(want, count("fan_dst"))
    -- --verify-only derives the seed again and finds the documents by their _ids
    code, stdout, stderr = h.run({strategy, "--verify-only"})
    assert.are.equal(0, code, stderr)
    local sampled = tonumber(stdout:match("Verify: ok: target holds " .. want .. " documents as "
                                          .. "expected; (%d+) sampled documents equal"))
    assert.is_true(sampled and sampled >= 100, stdout) -- 100 source documents, fanned out
  end)

  it("--verify-only of a fan-out run with another --seed: missing, with the hint to pass it", function()
    assert.are.equal(0, (h.run({"--source", SOURCE_T, "--total", "300", "--seed", "3",
                                "--target", ns("hint_src"), "-q"})))
    local strategy = fan_strategy("hint_src", "hint_dst")
    local code, _, stderr = h.run({strategy, "--seed", "77", "-q"})
    assert.are.equal(0, code, stderr)
    code, _, stderr = h.run({strategy, "--verify-only"})
    assert.are.equal(1, code, stderr)
    assert.matches("verify failed: target holds " .. fanned_out(300) .. " documents, expected "
                   .. fanned_out(300) .. "; sampled %d+: %d+ missing", stderr)
    assert.matches("(pass the run's --seed: its plan and summary show it)", stderr, 1, true)
    code, _, stderr = h.run({strategy, "--verify-only", "--seed", "77"})
    assert.are.equal(0, code, stderr)
  end)

  it("a JSON-lines file without _ids imported twice: the same _ids, nothing duplicated", function()
    local lines = {}
    for i = 1, 500 do lines[i] = string.format('{"k": %d}', i) end
    local file = h.write(h.path("rerun_import.jsonl"), table.concat(lines, "\n") .. "\n")
    local args = {"--source", file, "--target", ns("import")}
    local code, stdout, stderr = h.run(args)
    assert.are.equal(0, code, stderr)
    assert.matches("Wrote 500 documents", stdout, 1, true)
    code, stdout, stderr = h.run(args)
    assert.are.equal(0, code, stderr)
    assert.matches("Wrote 0 documents", stdout, 1, true)
    assert.matches("Duplicates (already in the target, not rewritten): 500", stdout, 1, true)
    assert.are.equal(500, count("import"))
  end)

  it("a $objectid template again with the same --seed but no --now: warned before writing, "
     .. "and the summary says how to repeat the run", function()
    local tpl = h.write(h.path("rerun_oid.json"), '{"_id": "$objectid", "n": "$inc"}')
    local base = {"--source", tpl, "--total", "800", "--seed", "5", "--target", ns("oid")}
    local sum = h.path("rerun_oid_summary.json")
    -- into an empty collection: no warning
    local code, stdout, stderr = h.run(concat(base, {"--summary-json", sum}))
    assert.are.equal(0, code, stderr)
    assert.is_nil(stderr:find("already holds", 1, true), stderr)
    assert.is_nil(stdout:find("Warning:", 1, true), stdout)
    local first = h.json.decode(h.slurp(sum))
    assert.is_nil(first.warnings)
    assert.matches("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ$", first.clock)
    assert.matches("Clock: " .. first.clock .. " (--now " .. first.clock .. " repeats this run's "
                   .. "$now and $objectid)", stdout, 1, true)
    -- the repro: the same --seed, a later clock (ObjectIds hold seconds)
    os.execute("sleep 1.1")
    code, stdout, stderr = h.run(concat(base, {"--summary-json", sum}))
    assert.are.equal(0, code, stderr)
    local want = DB .. ".oid_" .. RUN .. " already holds 800 documents before this insert "
      .. "(no --drop); with the template's _id taken from the run's clock ($objectid) with no "
      .. "--now this run makes new _ids, so it adds its documents beside any an earlier run "
      .. "wrote. To repeat a run exactly give its --seed S --now T (its summary's seed and "
      .. "clock); --mode upsert overwrites documents with the same _id, --drop loads into an "
      .. "empty collection"
    local warned = stderr:find(want, 1, true)
    assert.is_not_nil(warned, stderr)
    assert.is_true(warned < stderr:find("Write workers completed", 1, true),
                   "the warning comes before the load")
    assert.matches("Warning: " .. want, stdout, 1, true)
    local s = h.json.decode(h.slurp(sum))
    assert.are.same({want}, s.warnings)
    assert.are.equal(1600, count("oid")) -- warned, not refused
    -- what the warning says: the first run's seed and clock repeat it exactly
    code, stdout, stderr = h.run({"--source", tpl, "--total", "800", "--seed", first.seed, "--now",
                                  first.clock, "--target", ns("oid"), "--summary-json", sum})
    assert.are.equal(0, code, stderr)
    assert.matches("Wrote 0 documents", stdout, 1, true)
    s = h.json.decode(h.slurp(sum))
    assert.are.equal(800, s.duplicates)
    assert.are.equal(2, #s.warnings)
    assert.matches("already holds 1,600 documents before this insert (no --drop): those with the "
                   .. "_id of a document this run sends are counted as duplicates and not "
                   .. "rewritten", s.warnings[1], 1, true)
    assert.are.equal(s.warning, s.warnings[2])
    assert.are.equal(1600, count("oid"))
  end)

  it("no warning with --drop or in upsert mode", function()
    local tpl = h.write(h.path("rerun_quiet.json"), '{"_id": "$objectid", "n": "$inc"}')
    local base = {"--source", tpl, "--total", "100", "--target", ns("quiet")}
    assert.are.equal(0, (h.run(concat(base, {"-q"}))))
    for _, extra in ipairs({{"--drop"}, {"--mode", "upsert"}}) do
      local code, stdout, stderr = h.run(concat(base, extra))
      assert.are.equal(0, code, stderr)
      assert.is_nil(stderr:find("already holds", 1, true), table.concat(extra, " ") .. ": " .. stderr)
      assert.is_nil(stdout:find("Warning:", 1, true), stdout)
    end
  end)
end)
