-- Dead letters across --resume into the MongoDB test server: a transform that raises on some
-- documents, killed (kill -9) and resumed several times, leaves every failing document once
-- in the dead-letter file and every other once in the collection (a resume used to open the
-- dead-letter file anew: 20 expected, 10 kept); a run refused for its dead letters keeps its
-- checkpoint ("refused"), and --resume --max-errors N accepts them without writing again.
-- needs: mongo
local h = require("tests.e2e.helper")
local kill = require("tests.e2e.kill")
local URI = os.getenv("ASRUN_TEST_MONGO_URI")

local seed = tonumber(os.getenv("ASRUN_KILL_SEED") or "") or os.time()
math.randomseed(seed)
print("dead_letter_resume_mongo_spec: kill moments from seed " .. seed .. " (ASRUN_KILL_SEED to replay)")

local TEMPLATE = h.write(h.path("dlrm_t.json"), '{"i": "$inc", "name": {"$string": {"length": 10}}}')
local TOTAL, EVERY, AT = 100000, 500, 17 -- the transform raises on i % EVERY == AT
local FAILING = TOTAL // EVERY

local function strategy(every, at)
  return h.write(h.path("dlrm_s.lua"), string.format([[
return { transform = function(d) if d.i %% %d == %d then error("bad " .. d.i) end return d end }]],
    every, at))
end

local function unique_coll(name) return string.format("%s_%d_%d", name, os.time(), math.random(1e6)) end

local function args_for(s, total, coll, cp, dead, extra)
  local t = {s, "--source", TEMPLATE, "--total", tostring(total), "--seed", "7", "--now",
    "2024-01-01", "--target", URI .. "/e2e." .. coll, "--batch-size", "250", "--workers", "2",
    "--checkpoint-every", "0.05",
    "--checkpoint", cp, "--dead-letter", dead}
  for _, a in ipairs(extra or {}) do t[#t + 1] = a end
  return t
end

local describe_mongo = URI and describe or pending
describe_mongo("dead letters across kills and resumes into MongoDB", function()
  it("every failing document once in the dead letters, every other once in the collection; "
     .. "the budget and the summary count every run's", function()
    local s = strategy(EVERY, AT)
    local cp, dead, sum = h.path("dlrm.checkpoint.json"), h.path("dlrm.dead.jsonl"), h.path("dlrm_sum.json")
    local span_coll = unique_coll("dlrm_span")
    local span = kill.timed(args_for(s, TOTAL, span_coll, h.path("dlrm_span.cp.json"),
      h.path("dlrm_span.dead.jsonl"), {"--max-errors", tostring(FAILING), "-q"}))
    local coll
    -- exactly the failing count is allowed: a dead letter counted twice stops a run
    local code, stdout, stderr = kill.killed_then_resumed(function()
      coll = unique_coll("dlrm") -- a fresh collection for each attempt
      os.remove(cp); os.remove(dead); os.remove(sum)
      return args_for(s, TOTAL, coll, cp, dead, {"--max-errors", tostring(FAILING),
        "--summary-json", sum})
    end, 4, span, cp)
    assert.are.equal(0, code, stderr)
    -- the dead letters: each failing index once
    local seen, n = {}, 0
    for _, line in ipairs(h.lines(dead)) do
      local e = assert(h.json.decode(line), line)
      assert.are.equal(AT, e.index % EVERY, "document " .. tostring(e.index) .. " never failed")
      assert.is_nil(seen[e.index], "document " .. e.index .. " dead-lettered twice")
      seen[e.index] = true
      n = n + 1
    end
    assert.are.equal(FAILING, n, "dead letters lost")
    -- the collection: every other document once
    local docs, got = h.mongo_docs(URI .. "/e2e." .. coll), {}
    for _, d in ipairs(docs) do
      assert.is_nil(got[d.i], "document i=" .. tostring(d.i) .. " twice")
      assert.is_nil(seen[d.i], "document i=" .. tostring(d.i) .. " both written and dead-lettered")
      got[d.i] = true
    end
    assert.are.equal(TOTAL - FAILING, #docs)
    -- the summary of the last run: its balance as printed, every run's dead letters
    local j = h.json.decode(h.slurp(sum))
    assert.is_true(j.resumed)
    assert.are.equal("ok", j.status)
    assert.is_true(j.balanced)
    assert.matches("Balance: " .. j.balance .. ": balanced", stdout, 1, true)
    assert.are.equal(FAILING, j.dead_lettered_before + j.dead_lettered)
    assert.are.equal(TOTAL, j.docs_read_before + j.docs_read)
    assert.matches(string.format("dead-lettered by the earlier runs, %d in all", FAILING), stdout,
      1, true)
    assert.matches(string.format("%d documents failed and were dead-lettered to %s (allowed by "
      .. "--max-errors %d)", FAILING, dead, FAILING), stderr, 1, true)
  end)

  it("a run refused for its dead letters keeps its checkpoint; --resume --max-errors N accepts "
     .. "them without writing again, a smaller budget still refuses", function()
    local s = strategy(7, 3)
    local coll = unique_coll("dlrm_refused")
    local cp, dead = h.path("dlrm_refused.checkpoint.json"), h.path("dlrm_refused.dead.jsonl")
    os.remove(cp); os.remove(dead)
    local code, stdout, stderr = h.run(args_for(s, 20, coll, cp, dead))
    assert.are.equal(1, code, stderr)
    assert.matches("3 documents failed and were dead-lettered to " .. dead, stderr, 1, true)
    assert.matches("What was written stays in " .. URI .. "/e2e." .. coll, stderr, 1, true)
    assert.matches("run the same command again with --resume --max-errors 3 (it writes nothing "
      .. "again)", stderr, 1, true)
    assert.matches("To continue: run the same command again with --resume --max-errors 3", stdout,
      1, true)
    assert.matches('"status":%s*"refused"', h.slurp(cp))
    assert.are.equal(17, #h.mongo_docs(URI .. "/e2e." .. coll))

    code, _, stderr = h.run(args_for(s, 20, coll, cp, dead, {"--resume", "--max-errors", "2"}))
    assert.are.equal(1, code, stderr)
    assert.matches("--max-errors 2: error budget exceeded: 3 of 20 documents read", stderr, 1, true)
    assert.matches('"status":%s*"refused"', h.slurp(cp))

    code, stdout, stderr = h.run(args_for(s, 20, coll, cp, dead, {"--resume", "--max-errors", "3"}))
    assert.are.equal(0, code, stderr)
    assert.matches("(allowed by --max-errors 3)", stderr, 1, true)
    assert.matches("Balance: 0 read + 0 fanned out = 0 written + 0 dead-lettered", stdout, 1, true)
    assert.matches('"status":%s*"complete"', h.slurp(cp))
    assert.are.equal(17, #h.mongo_docs(URI .. "/e2e." .. coll))
    assert.are.equal(3, #h.lines(dead))
    code, _, stderr = h.run(args_for(s, 20, coll, cp, dead, {"--resume", "--max-errors", "3"}))
    assert.are.equal(0, code, stderr)
    assert.matches("Nothing to resume", stderr, 1, true)
  end)
end)
