-- End to end: documents that fail for good go to the dead letters (a transform that raises on
-- some, the sim: target's permanent errors), the error budget (--max-errors N|P%,
-- --stopOnError) decides whether the run goes on and how it ends, and the summary balances.
local h = require("tests.e2e.helper")

local SRC = h.path("dl_in.jsonl")
do -- 20 documents {"a": 1} .. {"a": 20}
  local lines = {}
  for i = 1, 20 do lines[#lines + 1] = string.format('{"a":%d}', i) end
  h.write(SRC, table.concat(lines, "\n") .. "\n")
end

-- transform raises on a = 5, 10 and 15, drops a = 2 and fans a = 3 out into two documents
local function strategy(out, extra)
  return h.write(h.path("dl_strategy.lua"), string.format([[
return {
  source = "jsonl:%s", target = "%s",
  transform = function(doc)
    if doc.a %% 5 == 0 and doc.a < 20 then error("no multiples of five: " .. doc.a) end
    if doc.a == 2 then return nil end
    if doc.a == 3 then return { { a = 3 }, { a = 3.5 } } end
    return doc
  end,%s
}]], SRC, out, extra or ""))
end

local function dead_lines(path)
  local t = {}
  for _, line in ipairs(h.lines(path)) do t[#t + 1] = assert(h.json.decode(line), line) end
  return t
end

local function run_dl(name, args)
  local out = h.path(name .. ".jsonl")
  local dead = h.path(name .. ".dead.jsonl")
  local sum = h.path(name .. "_summary.json")
  h.remove(out, dead, sum, out .. ".partial", out .. ".checkpoint.json")
  local full = {strategy(out), "--workers", "1", "--batch-size", "4", "--summary-json", sum}
  for _, a in ipairs(args or {}) do full[#full + 1] = a end
  local code, stdout, stderr = h.run(full)
  return code, stdout, stderr, out, dead, h.json.decode(h.slurp(sum) or "null")
end

describe("dead letters", function()
  it("a transform that raises on some documents: they go to OUT.dead.jsonl with the error and "
     .. "traceback, the run goes on and fails at the end (exit 1, no output)", function()
    local code, stdout, stderr, out, dead, sum = run_dl("dl_default")
    assert.are.equal(1, code, stderr)
    -- the output is kept beside its checkpoint, for --resume --max-errors 3 to publish
    -- without redoing the work (dead_letter_resume_spec.lua does that)
    assert.is_false(h.exists(out), "a refused run publishes no output")
    assert.is_true(h.exists(out .. ".partial"))
    assert.is_true(h.exists(out .. ".checkpoint.json"))
    assert.matches("--resume --max-errors 3", stderr, 1, true)
    local d = dead_lines(dead)
    assert.are.equal(3, #d)
    table.sort(d, function(x, y) return x.index < y.index end)
    for i, a in ipairs({5, 10, 15}) do
      assert.are.equal(a - 1, d[i].index) -- the stream index of the source record
      assert.are.equal("transform", d[i].reason)
      assert.are.same({a = a}, d[i].document)
      assert.matches("transform failed on document " .. (a - 1) .. ": .*dl_strategy.lua:4: no "
        .. "multiples of five: " .. a, d[i].message)
      assert.matches("^stack traceback:\n", d[i].traceback)
      assert.matches("dl_strategy.lua:4: in function", d[i].traceback, 1, true)
    end
    assert.matches("3 documents failed and were dead-lettered to " .. dead .. " (the first: "
      .. "transform failed on document 4:", stderr, 1, true)
    assert.matches("allow them with --max-errors N or P%", stderr, 1, true)
    -- 20 read + 1 fanned out = 17 written + 3 dead-lettered + 1 dropped
    assert.matches("Balance: 20 read + 1 fanned out = 17 written + 3 dead-lettered + 1 dropped "
      .. "by transform + 0 duplicates: balanced", stdout, 1, true)
    assert.matches("Dead letters: 3 documents in " .. dead, stdout, 1, true)
    assert.are.equal("failed", sum.status)
    assert.are.equal(3, sum.dead_lettered)
    assert.are.equal(1, sum.docs_fanned_out)
    assert.are.equal(1, sum.docs_dropped)
    assert.is_true(sum.balanced)
    assert.are.equal(dead, sum.dead_letter_file)
    assert.is_false(sum.dead_letters_allowed)
    -- a bare path keeps its checkpoint like file:PATH: accepting the losses publishes the kept
    -- output without running the transform again (the dead letters stay 3)
    local code2, _, stderr2 = h.run({strategy(out), "--workers", "1", "--batch-size", "4",
                                     "--resume", "--max-errors", "3"})
    assert.are.equal(0, code2, stderr2)
    assert.is_true(h.exists(out))
    assert.is_false(h.exists(out .. ".partial"))
    assert.are.equal(17, #h.lines(out))
    assert.are.equal(3, #dead_lines(dead))
  end)

  it("--max-errors N allows up to N: exit 0, the output without them, a warning", function()
    local code, stdout, stderr, out, dead, sum = run_dl("dl_allowed", {"--max-errors", "3"})
    assert.are.equal(0, code, stderr)
    assert.matches("Wrote 17 documents to " .. out, stdout, 1, true)
    local as = {}
    for _, line in ipairs(h.lines(out)) do as[#as + 1] = h.json.decode(line).a end
    assert.are.same({1, 3, 3.5, 4, 6, 7, 8, 9, 11, 12, 13, 14, 16, 17, 18, 19, 20}, as)
    assert.are.equal(3, #dead_lines(dead))
    assert.matches("warn: 3 documents failed and were dead-lettered to " .. dead
      .. " (allowed by --max-errors 3)", stderr, 1, true)
    assert.are.equal("ok", sum.status)
    assert.is_true(sum.dead_letters_allowed)
    assert.is_true(sum.balanced)
    assert.are.equal(17, sum.docs_written)
  end)

  it("--max-errors N stops the run at the N+1st (exit 1)", function()
    local code, _, stderr, out, dead = run_dl("dl_over", {"--max-errors", "1"})
    assert.are.equal(1, code, stderr)
    assert.matches("--max-errors 1: error budget exceeded: 2 documents dead-lettered (the last: "
      .. "transform failed on document 9:", stderr, 1, true)
    assert.is_false(h.exists(out))
    assert.are.equal(2, #dead_lines(dead))
  end)

  it("--max-errors P% judges the share of the documents read at the end", function()
    local code, _, stderr = run_dl("dl_pct_ok", {"--max-errors", "15%"}) -- 3 of 20 = 15%
    assert.are.equal(0, code, stderr)
    local code2, _, stderr2 = run_dl("dl_pct_over", {"--max-errors", "10%"})
    assert.are.equal(1, code2, stderr2)
    assert.matches("--max-errors 10%: error budget exceeded: 3 of 20 documents read were "
      .. "dead-lettered", stderr2, 1, true)
  end)

  it("--stopOnError: the first permanent failure stops the run", function()
    local code, _, stderr, out, dead, sum = run_dl("dl_stop", {"--stopOnError"})
    assert.are.equal(1, code, stderr)
    assert.matches("--stopOnError: stopped at the first document that failed for good: "
      .. "transform failed on document 4: ", stderr, 1, true)
    assert.is_false(h.exists(out))
    local d = dead_lines(dead)
    assert.are.equal(1, #d)
    assert.are.same({a = 5}, d[1].document)
    assert.are.equal("failed", sum.status)
  end)

  it("--dead-letter FILE; a clean run creates no dead-letter file", function()
    local file = h.path("dl_chosen.jsonl")
    os.remove(file)
    local code, _, stderr, out = run_dl("dl_named", {"--dead-letter", file, "--max-errors", "5"})
    assert.are.equal(0, code, stderr)
    assert.are.equal(3, #dead_lines(file))
    assert.is_false(h.exists(h.path("dl_named.dead.jsonl")))
    -- a run in which nothing fails
    local clean = h.path("dl_clean.jsonl")
    h.remove(clean, h.path("dl_clean.dead.jsonl"))
    local tpl = h.write(h.path("dl_t.json"), '{"i": "$inc"}')
    local code2, stdout2 = h.run({"--source", tpl, "--total", "50", "--target", clean})
    assert.are.equal(0, code2)
    assert.matches("Balance: 50 read + 0 fanned out = 50 written + 0 dead-lettered + 0 dropped "
      .. "by transform + 0 duplicates: balanced", stdout2, 1, true)
    assert.is_false(h.exists(h.path("dl_clean.dead.jsonl")))
    assert.is_nil(stdout2:match("Dead letters"))
    assert.is_truthy(out)
  end)

  it("bad budget flags are usage errors", function()
    local tpl = h.write(h.path("dl_t.json"), '{"i": "$inc"}')
    for _, case in ipairs({
      {{"--max-errors", "lots"}, "--max-errors: expected a count N or a share P% (0..100%), got 'lots'"},
      {{"--max-errors", "120%"}, "--max-errors: expected a count N or a share P% (0..100%), got '120%'"},
      {{"--max-errors", "3", "--stopOnError"}, "--stopOnError and --max-errors 3: give one of them"},
      {{"--dead-letter", h.path("no_such_dir/dead.jsonl")}, "--dead-letter: cannot write to "
        .. "directory " .. h.path("no_such_dir") .. ": No such file or directory"},
    }) do
      local args = {"--source", tpl, "--total", "5", "--target", "null:"}
      for _, a in ipairs(case[1]) do args[#args + 1] = a end
      local code, _, stderr = h.run(args)
      assert.are.equal(2, code, stderr)
      assert.matches(case[2], stderr, 1, true)
    end
  end)
end)

describe("the sim: target's permanent errors", function()
  local tpl = h.write(h.path("dl_sim_t.json"), '{"i": "$inc"}')
  local function sim(name, extra)
    local dead = h.path(name .. ".dead.jsonl")
    local sum = h.path(name .. "_summary.json")
    os.remove(dead); os.remove(sum)
    local args = {"--source", tpl, "--total", "1000", "--target", "sim:error_rate=0.01,latency_ms=0",
      "--batch-size", "100", "--workers", "2", "--dead-letter", dead, "--summary-json", sum}
    for _, a in ipairs(extra or {}) do args[#args + 1] = a end
    local code, stdout, stderr = h.run(args)
    return code, stdout, stderr, dead, h.json.decode(h.slurp(sum) or "null")
  end

  it("are dead-lettered as the MongoDB sink's are, and fail the run (they ended ok, exit 0)",
     function()
    local code, stdout, stderr, dead, sum = sim("dl_sim")
    assert.are.equal(1, code, stderr)
    assert.matches("10 documents failed and were dead-lettered to " .. dead, stderr, 1, true)
    local d = dead_lines(dead)
    assert.are.equal(10, #d)
    local idx = {}
    for _, e in ipairs(d) do
      assert.are.equal("rejected", e.reason)
      assert.are.equal(121, e.code)
      assert.are.equal(e.index, e.document.i) -- $inc counts from 0 like the stream index
      idx[#idx + 1] = e.index
    end
    table.sort(idx)
    assert.are.same({99, 199, 299, 399, 499, 599, 699, 799, 899, 999}, idx)
    assert.are.equal("failed", sum.status)
    assert.are.equal(990, sum.docs_written)
    assert.are.equal(10, sum.failed)
    assert.are.equal(10, sum.dead_lettered)
    assert.is_true(sum.balanced)
    assert.matches("Failed: 990 documents were written to sim:", stdout, 1, true)
  end)

  it("within --max-errors: exit 0 and a warning; --stopOnError: exit 1 at the first", function()
    local code, stdout, stderr = sim("dl_sim_ok", {"--max-errors", "1%"})
    assert.are.equal(0, code, stderr)
    assert.matches("Wrote 990 documents to sim:", stdout, 1, true)
    assert.matches("(allowed by --max-errors 1%)", stderr, 1, true)
    local code2, _, stderr2, dead2 = sim("dl_sim_stop", {"--stopOnError"})
    assert.are.equal(1, code2, stderr2)
    assert.matches("--stopOnError: stopped at the first document that failed for good: document "
      .. "%d+ %(rejected, code 121%): Document failed validation", stderr2)
    assert.is_true(#dead_lines(dead2) >= 1)
  end)
end)
