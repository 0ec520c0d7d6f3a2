-- Kill and resume: runs are SIGKILLed at random moments (20 in all) and resumed with --resume
-- until they finish; the result must equal an uninterrupted run, document by document (files
-- byte for byte; collections: every document once, none lost, none twice).
-- needs: mongo
local h = require("tests.e2e.helper")
local URI = os.getenv("ASRUN_TEST_MONGO_URI")

local seed = tonumber(os.getenv("ASRUN_KILL_SEED") or "") or os.time()
math.randomseed(seed)
print("kill_resume_spec: kill moments from seed " .. seed .. " (ASRUN_KILL_SEED to replay)")

-- Starts asrun, SIGKILLs it `after` seconds after its checkpoint `cp` first changed (so the
-- kill lands while it works, not while it connects; at most 5 s of waiting) unless it ended
-- first; returns its exit code (137 when killed).
local function run_killed(args, after, cp)
  local parts = {}
  for _, a in ipairs(args) do parts[#parts + 1] = h.q(a) end
  local sum = "cat " .. h.q(cp) .. " 2>/dev/null | cksum"
  local cmd = string.format("before=$(%s); %s %s >/dev/null 2>&1 & pid=$!; i=0; "
    .. "while [ $i -lt 500 ] && kill -0 $pid 2>/dev/null && [ \"$(%s)\" = \"$before\" ]; do "
    .. "sleep 0.01; i=$((i+1)); done; sleep %.3f; kill -9 $pid 2>/dev/null; wait $pid; echo $?",
    sum, h.q(h.bin), table.concat(parts, " "), sum, after)
  local p = io.popen(cmd)
  local code = tonumber(p:read("a"))
  p:close()
  return code
end

-- Kills a run at least `kills` times at random moments within `span` seconds of its first
-- checkpoint (each resumed with --resume), and a few times more when none of them hit a
-- running process or none went on from a checkpoint (a loaded machine can make a run end
-- before its kill), then lets the last resume finish. Returns the kills that hit, how many
-- runs went on from a checkpoint (at `cp`), and the last run's exit code, stdout and stderr.
local function kill_and_resume(args, kills, span, cp)
  local hit, resumed, tries = 0, 0, 0
  local function with_resume() local t = {table.unpack(args)}; t[#t + 1] = "--resume"; return t end
  while tries < kills or ((hit == 0 or resumed == 0) and tries < kills + 8) do
    tries = tries + 1
    if h.exists(cp) then resumed = resumed + 1 end
    local code = run_killed(with_resume(), math.random() * span * 0.7, cp)
    if code == 137 then hit = hit + 1 else assert.are.equal(0, code) end
  end
  if h.exists(cp) then resumed = resumed + 1 end
  local code, out, err = h.run(with_resume())
  return hit, resumed, code, out, err
end

-- Wall-clock seconds of one run (the span the kills are spread over).
local function timed(args)
  local function now() local p = io.popen("date +%s.%N"); local t = tonumber(p:read("a")); p:close(); return t end
  local t0 = now()
  local code, _, err = h.run(args)
  assert.are.equal(0, code, err)
  return now() - t0
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
  it("generation to a file: byte-identical to an uninterrupted run after 8 kills", function()
    local ref, out = h.path("kr_ref.jsonl"), h.path("kr_out.jsonl")
    h.remove(ref, out, out .. ".checkpoint.json")
    local base = {"--source", TEMPLATE, "--total", "600000", "--seed", "9", "--workers", "2",
      "--batch-size", "700", "-q", "--checkpoint-every", "0.02"}
    local function with(target) local t = {table.unpack(base)}; t[#t + 1] = "--target"; t[#t + 1] = "file:" .. target; return t end
    local span = timed(with(ref))
    local hit, resumed, code, _, err = kill_and_resume(with(out), 8, span, out .. ".checkpoint.json")
    assert.are.equal(0, code, err)
    assert.is_true(hit > 0, "no kill hit a running process")
    assert.is_true(resumed > 0, "no run went on from a checkpoint")
    -- no --now: the clock was pinned by the first run and taken over by each resume, so
    -- $now and $objectid match; the reference has its own clock, so compare without them
    local function strip(path)
      local lines = {}
      for _, l in ipairs(h.lines(path)) do
        lines[#lines + 1] = l:gsub(',%s*"when":.-}', ""):gsub(',%s*"oid":.-}', "")
      end
      return lines
    end
    local whens = {}
    for _, l in ipairs(h.lines(out)) do whens[l:match('"when":%s*(%b{})')] = true end
    assert.are.equal(1, #(function() local t = {} for k in pairs(whens) do t[#t + 1] = k end return t end)())
    local a, b = strip(ref), strip(out)
    assert.are.equal(#a, #b)
    for i = 1, #a do if a[i] ~= b[i] then assert.are.equal(a[i], b[i]) end end
    assert.is_false(h.exists(out .. ".checkpoint.json")) -- retired with the published output
  end)

  it("a JSON lines file through a transform into .bson: byte-identical after 4 kills", function()
    local input, ref, out = h.path("kr_in.jsonl"), h.path("kr_ref.bson"), h.path("kr_out.bson")
    h.remove(input, ref, out, out .. ".checkpoint.json")
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
    local span = timed({strategy, "--target", "file:" .. ref, "-q"})
    local hit, resumed, code, _, err = kill_and_resume({strategy, "--target", "file:" .. out, "-q",
      "--checkpoint-every", "0.02"}, 4, span, out .. ".checkpoint.json")
    assert.are.equal(0, code, err)
    assert.is_true(hit > 0 and resumed > 0, "kills " .. hit .. ", resumed " .. resumed)
    assert.is_true(file_equal(ref, out), "the resumed .bson differs from the uninterrupted one")
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

  -- A collection's documents (read back with asrun), decoded.
  local function dump(db_coll) return h.mongo_docs(ns(db_coll)) end

  local function unique_coll(name) return string.format("%s_%d_%d", name, os.time(), math.random(1e6)) end

  it("generation to a collection: every document once after 4 kills", function()
    local coll = unique_coll("kr_gen")
    local cp = h.path("kr_gen.checkpoint.json")
    os.remove(cp)
    local total = 150000
    local hit, resumed, code, _, err = kill_and_resume({"--source", TEMPLATE, "--total",
      tostring(total), "--target", ns("e2e." .. coll), "--batch-size", "500", "-q",
      "--checkpoint", cp}, 4, 0.8, cp)
    assert.are.equal(0, code, err)
    assert.is_true(hit > 0 and resumed > 0, "kills " .. hit .. ", resumed " .. resumed)
    local seen, docs = {}, dump("e2e." .. coll)
    assert.are.equal(total, #docs)
    for _, d in ipairs(docs) do
      assert.is_nil(seen[d.n], "document n=" .. tostring(d.n) .. " twice")
      seen[d.n] = true
    end
    -- a completed run's checkpoint stays "complete": --resume does nothing more
    local code2, _, err2 = h.run({"--source", TEMPLATE, "--total", tostring(total), "--target",
      ns("e2e." .. coll), "--checkpoint", cp, "--resume"})
    assert.are.equal(0, code2)
    assert.matches("Nothing to resume", err2)
    assert.are.equal(total, #dump("e2e." .. coll))
  end)

  it("a collection → collection migration with a transform and fan-out: none lost, none twice, after 4 kills", function()
    local src, dst = unique_coll("kr_src"), unique_coll("kr_dst")
    local total = 40000
    assert.are.equal(0, (h.run({"--source", TEMPLATE, "--total", tostring(total), "--target",
      ns("e2e." .. src), "-q", "--no-checkpoint", "--now", "2024-01-01"})))
    local strategy = h.write(h.path("kr_fan.lua"), string.format([[
return {
  source = { kind = "mongodb", uri = %q, database = "e2e", collection = %q },
  target = { uri = %q, database = "e2e", collection = %q },
  workers = 2, batch_size = 400,
  transform = function(doc)
    -- two new documents per input, without _id: theirs depend on (seed, input _id, position)
    return { { parent = doc.n, part = 1, name = doc.name }, { parent = doc.n, part = 2 } }
  end,
}]], URI, src, URI, dst))
    local cp = h.path("kr_fan.checkpoint.json")
    os.remove(cp)
    local hit, resumed, code, _, err = kill_and_resume({strategy, "-q", "--checkpoint", cp}, 4,
      1.0, cp)
    assert.are.equal(0, code, err)
    assert.is_true(hit > 0 and resumed > 0, "kills " .. hit .. ", resumed " .. resumed)
    local docs = dump("e2e." .. dst)
    local seen = {}
    for _, d in ipairs(docs) do
      local k = d.parent .. "/" .. d.part
      assert.is_nil(seen[k], "output " .. k .. " twice")
      seen[k] = true
    end
    assert.are.equal(2 * total, #docs)
  end)
end)
