-- Dead letters across --resume: a transform that raises on some documents, killed (kill -9)
-- and resumed several times, leaves every failing document once in the dead-letter file (a
-- resume cut the file back to its checkpoint and kept the earlier runs' dead letters: it used
-- to open it anew, and 26 dead letters became 7); the error budget and the summary count
-- every run's. And a run refused for its dead letters keeps its output and checkpoint, so
-- `--resume --max-errors N` publishes it without redoing the work (it used to be deleted).
local h = require("tests.e2e.helper")
local kill = require("tests.e2e.kill")

local seed = tonumber(os.getenv("ASRUN_KILL_SEED") or "") or os.time()
math.randomseed(seed)
print("dead_letter_resume_spec: kill moments from seed " .. seed .. " (ASRUN_KILL_SEED to replay)")

local TEMPLATE = h.write(h.path("dlr_t.json"), '{"i": "$inc", "name": {"$string": {"length": 10}}}')
local TOTAL, EVERY, AT = 1000000, 5000, 11 -- the transform raises on i % EVERY == AT
local FAILING = TOTAL // EVERY

local STRATEGY = h.write(h.path("dlr_s.lua"), string.format([[
return {
  transform = function(d)
    if d.i %% %d == %d then error("bad " .. d.i) end
    return d
  end,
}]], EVERY, AT))

local function args_for(target, extra)
  local t = {STRATEGY, "--source", TEMPLATE, "--total", tostring(TOTAL), "--seed", "5", "--now",
    "2024-01-01", "--workers", "2", "--batch-size", "700", "--checkpoint-every", "0.02",
    "--target", target}
  for _, a in ipairs(extra or {}) do t[#t + 1] = a end
  return t
end

local function file_equal(a, b)
  local ok = os.execute("cmp -s " .. h.q(a) .. " " .. h.q(b))
  return ok == true or ok == 0
end

-- Every failing index exactly once in the dead-letter file, nothing else.
local function check_dead_letters(path)
  local seen, n = {}, 0
  for _, line in ipairs(h.lines(path)) do
    local e = assert(h.json.decode(line), line)
    assert.are.equal(AT, e.index % EVERY, "document " .. tostring(e.index) .. " never failed")
    assert.is_nil(seen[e.index], "document " .. e.index .. " dead-lettered twice")
    assert.matches("bad " .. e.index, e.message, 1, true)
    seen[e.index] = true
    n = n + 1
  end
  assert.are.equal(FAILING, n, "dead letters lost")
end

-- The summary JSON and the printed lines of the last run say the same, and with the earlier
-- runs' counts everything read is written or dead-lettered.
local function check_summary(sum, stdout)
  assert.is_true(sum.balanced)
  assert.matches("Balance: " .. sum.balance .. ": balanced", stdout, 1, true)
  assert.are.equal(TOTAL, sum.docs_read_before + sum.docs_read)
  local written = sum.docs_written_before + sum.docs_written
  local dead = sum.dead_lettered_before + sum.dead_lettered
  assert.are.equal(FAILING, dead)
  assert.are.equal(TOTAL, written + dead)
  assert.matches(string.format("dead-lettered by the earlier runs, %d in all", dead), stdout, 1, true)
  assert.matches(string.format("Dead letters: %d documents in ", dead), stdout, 1, true)
end

describe("dead letters across kills and resumes", function()
  it("a file target: every failing document once in the dead letters, the budget counts every "
     .. "run's, the summary balances, the output byte-identical to an uninterrupted run", function()
    local ref, out = h.path("dlr_ref.jsonl"), h.path("dlr_out.jsonl")
    local cp, dead, sum = out .. ".checkpoint.json", h.path("dlr_out.dead.jsonl"), h.path("dlr_sum.json")
    h.remove(ref, h.path("dlr_ref.dead.jsonl"))
    -- exactly the failing count is allowed: a dead letter counted twice stops a run
    local span = kill.timed(args_for("file:" .. ref, {"--max-errors", tostring(FAILING), "-q"}))
    local code, stdout, stderr = kill.killed_then_resumed(function()
      h.remove(out, cp, dead, sum)
      return args_for("file:" .. out, {"--max-errors", tostring(FAILING), "--summary-json", sum})
    end, 4, span, cp)
    assert.are.equal(0, code, stderr)
    check_dead_letters(dead)
    assert.is_true(file_equal(ref, out), "the resumed output differs from the uninterrupted one")
    assert.is_false(h.exists(cp)) -- retired with the published output
    local s = h.json.decode(h.slurp(sum))
    assert.is_true(s.resumed)
    assert.are.equal("ok", s.status)
    check_summary(s, stdout)
    assert.matches(string.format("%d documents failed and were dead-lettered to %s (allowed by "
      .. "--max-errors %d)", FAILING, dead, FAILING), stderr, 1, true)
  end)

  it("without a budget the finished run is refused but kept; --resume --max-errors N publishes "
     .. "it without redoing anything", function()
    local out = h.path("dlr_nb.jsonl")
    local cp, dead, sum = out .. ".checkpoint.json", h.path("dlr_nb.dead.jsonl"), h.path("dlr_nb_sum.json")
    h.remove(out, cp, dead, sum)
    local args = args_for("file:" .. out, {"-q"})
    assert.are.equal(137, kill.run_killed(args, 0.2, cp))
    local resumed = {table.unpack(args)}
    resumed[#resumed + 1] = "--resume"
    local code, _, stderr = h.run(resumed)
    assert.are.equal(1, code, stderr)
    assert.matches("run the same command again with --resume --max-errors " .. FAILING, stderr, 1, true)
    check_dead_letters(dead)
    code, _, stderr = h.run(args_for("file:" .. out, {"--resume", "--max-errors",
      tostring(FAILING), "--summary-json", sum}))
    assert.are.equal(0, code, stderr)
    local s = h.json.decode(h.slurp(sum))
    assert.are.equal(0, s.docs_read) -- nothing redone
    assert.are.equal(FAILING, s.dead_lettered_before)
    assert.are.equal(TOTAL - FAILING, #h.lines(out))
    check_dead_letters(dead)
  end)
end)

describe("a run refused for its dead letters", function()
  local SMALL = h.write(h.path("dlr_small.lua"), [[
return { transform = function(d) if d.i % 7 == 3 then error("bad " .. d.i) end return d end }]])
  local function small(target, extra)
    local t = {SMALL, "--source", TEMPLATE, "--total", "20", "--seed", "3", "--now", "2024-01-01",
      "--target", target}
    for _, a in ipairs(extra or {}) do t[#t + 1] = a end
    return t
  end

  it("keeps X.partial and its checkpoint, names the command; --resume --max-errors 3 publishes "
     .. "the same bytes as --max-errors 3 from the start (exit 0); --max-errors 2 still refuses",
     function()
    local out, ref = h.path("dlr_small.jsonl"), h.path("dlr_small_ref.jsonl")
    local cp, sum = out .. ".checkpoint.json", h.path("dlr_small_sum.json")
    h.remove(out, ref, cp, sum, h.path("dlr_small.dead.jsonl"), h.path("dlr_small_ref.dead.jsonl"))
    local code, stdout, stderr = h.run(small("file:" .. out))
    assert.are.equal(1, code, stderr)
    assert.is_false(h.exists(out))
    assert.is_true(h.exists(out .. ".partial"))
    assert.is_true(h.exists(cp))
    assert.matches('"status":%s*"refused"', h.slurp(cp))
    assert.matches("3 documents failed and were dead-lettered to " .. h.path("dlr_small.dead.jsonl"),
      stderr, 1, true)
    assert.matches("The output is kept as " .. out .. ".partial with the checkpoint " .. cp
      .. ": to accept these losses and publish it without redoing the work, run the same "
      .. "command again with --resume --max-errors 3; to discard it, remove " .. out
      .. ".partial and " .. cp, stderr, 1, true)
    assert.matches("Kept: 17 documents in " .. out .. ".partial, not published", stdout, 1, true)
    assert.matches("To continue: run the same command again with --resume --max-errors 3", stdout,
      1, true)
    local partial = h.slurp(out .. ".partial")

    -- a budget still too small: refused again, everything kept
    code, _, stderr = h.run(small("file:" .. out, {"--resume", "--max-errors", "2"}))
    assert.are.equal(1, code, stderr)
    assert.matches("--max-errors 2: error budget exceeded: 3 of 20 documents read were "
      .. "dead-lettered", stderr, 1, true)
    assert.are.equal(partial, h.slurp(out .. ".partial"))
    assert.is_true(h.exists(cp))
    assert.are.equal(3, #h.lines(h.path("dlr_small.dead.jsonl")))

    code, stdout, stderr = h.run(small("file:" .. out, {"--resume", "--max-errors", "3",
      "--summary-json", sum}))
    assert.are.equal(0, code, stderr)
    assert.matches("3 documents failed and were dead-lettered to "
      .. h.path("dlr_small.dead.jsonl") .. " (allowed by --max-errors 3)", stderr, 1, true)
    assert.matches("Balance: 0 read + 0 fanned out = 0 written + 0 dead-lettered", stdout, 1, true)
    assert.is_false(h.exists(out .. ".partial"))
    assert.is_false(h.exists(cp))
    local s = h.json.decode(h.slurp(sum))
    assert.are.equal("ok", s.status)
    assert.are.equal(17, s.docs_written_before)
    assert.are.equal(3, s.dead_lettered_before)
    assert.are.equal(20, s.docs_read_before)
    assert.is_true(s.dead_letters_allowed)
    assert.are.equal(3, #h.lines(h.path("dlr_small.dead.jsonl")))

    code, _, stderr = h.run(small("file:" .. ref, {"--max-errors", "3"}))
    assert.are.equal(0, code, stderr)
    assert.is_true(file_equal(ref, out), "published output differs from a --max-errors 3 run")
  end)

  it("a run the budget stopped part way keeps its output; a larger budget goes on", function()
    local out, ref = h.path("dlr_stop.jsonl"), h.path("dlr_stop_ref.jsonl")
    local cp, dead = out .. ".checkpoint.json", h.path("dlr_stop.dead.jsonl")
    h.remove(out, ref, cp, dead, h.path("dlr_stop_ref.dead.jsonl"))
    local code, stdout, stderr = h.run(args_for("file:" .. out, {"--max-errors", "5"}))
    assert.are.equal(1, code, stderr)
    assert.matches("--max-errors 5: error budget exceeded: 6 documents dead-lettered", stderr, 1, true)
    assert.matches("To continue: run the same command again with --resume and a larger "
      .. "--max-errors", stdout, 1, true)
    assert.is_true(h.exists(out .. ".partial") and h.exists(cp))
    code, stdout, stderr = h.run(args_for("file:" .. out, {"--resume", "--max-errors",
      tostring(FAILING)}))
    assert.are.equal(0, code, stderr)
    check_dead_letters(dead)
    assert.matches("5 dead-lettered by the earlier runs, " .. FAILING .. " in all", stdout, 1, true)
    code, _, stderr = h.run(args_for("file:" .. ref, {"--max-errors", tostring(FAILING), "-q"}))
    assert.are.equal(0, code, stderr)
    assert.is_true(file_equal(ref, out))
  end)

  it("a resume naming another --dead-letter file than the checkpoint's is refused; an older "
     .. "checkpoint without dead letters still resumes and says so", function()
    local out = h.path("dlr_other.jsonl")
    local cp, dead, other = out .. ".checkpoint.json", h.path("dlr_other.dead.jsonl"), h.path("dlr_elsewhere.jsonl")
    h.remove(out, cp, dead, other)
    assert.are.equal(1, (h.run(small("file:" .. out))))
    local code, _, stderr = h.run(small("file:" .. out, {"--resume", "--max-errors", "3",
      "--dead-letter", other}))
    assert.are.equal(2, code, stderr)
    assert.matches("--resume: the checkpoint " .. cp .. " records 3 dead letters in " .. dead
      .. ", but this run would write its dead letters to " .. other .. ": resume with "
      .. "--dead-letter " .. dead, stderr, 1, true)
    assert.is_true(h.exists(out .. ".partial") and h.exists(cp))
    -- the checkpoint as an older asrun wrote it: no "dead_letters", no "docs_read"
    local text = h.slurp(cp):gsub(',%s*"dead_letters":%s*%b{}', ""):gsub(',%s*"docs_read":%s*%d+', "")
    assert.is_nil(text:find("dead_letters", 1, true))
    h.write(cp, text)
    code, _, stderr = h.run(small("file:" .. out, {"--resume"}))
    assert.are.equal(0, code, stderr) -- nothing counted: nothing refused
    assert.matches("records no dead letters (written by an older asrun): " .. dead
      .. " is kept as it is and appended to", stderr, 1, true)
    assert.are.equal(3, #h.lines(dead))
    assert.are.equal(17, #h.lines(out))
  end)
end)
