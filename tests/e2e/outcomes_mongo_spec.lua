-- End to end against the test server: a run that fails or is stopped says what it left in the
-- collection and how to go on; a failure after the load (--copy-indexes after) reports the
-- load and exits 1, not 2 (a usage error).
-- needs: mongo
local h = require("tests.e2e.helper")
local URI = os.getenv("ASRUN_TEST_MONGO_URI")
local COMMAND = os.getenv("ASRUN_TEST_MONGO_COMMAND")

local function ns(db_coll) return URI .. "/" .. db_coll end

-- Runs a command on database db (JSON text); returns the reply's text.
local function command(db, json)
  local p = assert(io.popen(string.format("%s %s %s %s 2>&1", h.q(COMMAND), h.q(URI), h.q(db),
    h.q(json))))
  local out = p:read("a")
  p:close()
  return out
end

local function count(db, coll)
  local reply = command(db, string.format('{"count": "%s"}', coll))
  return tonumber(reply:match('"n" : (%d+)')) or error("count: " .. reply)
end

local describe_mongo = URI and describe or pending
describe_mongo("outcomes on MongoDB", function()
  it("a run that fails part way reports the documents it wrote and how to continue", function()
    command("outcomes", '{"drop": "failed"}')
    local dead = h.path("outcomes_failed.dead.jsonl")
    local sum = h.path("outcomes_failed.json")
    os.remove(dead); os.remove(sum)
    local s = h.write(h.path("outcomes_failed.lua"), string.format([[
return {
  source = { kind = "template", template = '{"n": "$inc"}', total = 10000 },
  target = "%s",
  transform = function(doc) if doc.n == 4500 then error("n is 4500") end return doc end,
}]], ns("outcomes.failed")))
    local code, stdout, stderr = h.run({s, "--workers", "1", "--batch-size", "500", "--stopOnError",
      "--dead-letter", dead, "--summary-json", sum})
    assert.are.equal(1, code, stderr)
    -- one worker: the nine batches before the one holding document 4500 are in
    assert.are.equal(4500, count("outcomes", "failed"))
    assert.matches("Failed: 4,500 documents were written to " .. ns("outcomes.failed")
      .. " in [%d.]+ s before the run stopped; they stay there", stdout)
    assert.matches("To continue: run the same command again with --resume", stdout, 1, true)
    assert.matches("--stopOnError: stopped at the first document that failed for good: "
      .. "transform failed on document 4500:", stderr, 1, true)
    local j = h.json.decode(h.slurp(sum))
    assert.are.equal("failed", j.status)
    assert.are.equal(ns("outcomes.failed"), j.output) -- not "(nothing kept)"
    assert.are.equal(4500, j.docs_written)
    assert.are.equal(1, j.dead_lettered)
    -- the budget stopped it: a resume needs a larger one to go past the dead letter
    assert.are.equal("run the same command again with --resume and a larger --max-errors", j.hint)
    local d = h.json.decode(h.lines(dead)[1])
    assert.are.equal(4500, d.index)
    assert.are.same({n = 4500}, d.document)
  end)

  it("an interrupted run reports what the collection holds and how to continue", function()
    command("outcomes", '{"drop": "stopped"}')
    local sum = h.path("outcomes_stopped.json")
    os.remove(sum)
    local s = h.write(h.path("outcomes_stopped.lua"), string.format([[
return {
  source = { kind = "template", template = '{"n": "$inc"}', total = 100000000 },
  target = "%s",
  transform = function(doc) local x = 0 for i = 1, 2000 do x = x + i end doc.x = x return doc end,
}]], ns("outcomes.stopped")))
    local code, _, stdout, stderr = h.run_signalled({s, "--workers", "2", "--batch-size", "200",
      "--summary-json", sum}, "INT", 4) -- an endless run: the signal comes late enough to
                                           -- find documents written on a loaded machine too
    assert.are.equal(130, code, stderr)
    local n = count("outcomes", "stopped")
    assert.is_true(n > 0, "something was written before the signal")
    local j = h.json.decode(h.slurp(sum))
    assert.are.equal("interrupted", j.status)
    assert.are.equal(n, j.docs_written)
    assert.are.equal(ns("outcomes.stopped"), j.output)
    assert.are.equal("run the same command again with --resume", j.hint)
    local shown = stdout:match("Interrupted: ([%d,]+) documents written to ")
    assert.is_truthy(shown, stdout)
    assert.are.equal(n, tonumber((shown:gsub(",", ""))))
    assert.matches("To continue: run the same command again with --resume", stdout, 1, true)
  end)

  it("a failed --copy-indexes after reports the load and exits 1 (it exited 2 with no Wrote "
     .. "line)", function()
    command("outcomes", '{"drop": "ix_src"}')
    command("outcomes", '{"drop": "ix_dst"}')
    local tpl = h.write(h.path("outcomes_t.json"), '{"n": "$inc"}')
    local code0, _, stderr0 = h.run({"--source", tpl, "--total", "300", "--target",
      ns("outcomes.ix_src"), "-q"})
    assert.are.equal(0, code0, stderr0)
    command("outcomes", '{"createIndexes": "ix_src", "indexes": [{"key": {"sku": 1}, "name": "sku_1"}]}')
    -- the target has an index of that name with another definition: the copy must fail
    command("outcomes", '{"createIndexes": "ix_dst", "indexes": [{"key": {"sku": 1}, "name": "sku_1", "sparse": true}]}')
    local sum = h.path("outcomes_ix.json")
    os.remove(sum)
    local code, stdout, stderr = h.run({"--source", ns("outcomes.ix_src"), "--target",
      ns("outcomes.ix_dst"), "--copy-indexes", "after", "--summary-json", sum})
    assert.are.equal(1, code, stderr)
    assert.matches("Wrote 300 documents to " .. ns("outcomes.ix_dst"), stdout, 1, true)
    assert.matches("--copy-indexes after: index 'sku_1' exists on the target outcomes.ix_dst with "
      .. "another definition", stderr, 1, true)
    assert.are.equal(300, count("outcomes", "ix_dst"))
    local j = h.json.decode(h.slurp(sum))
    assert.are.equal("failed", j.status)
    assert.is_true(j.load_complete)
    assert.are.equal(300, j.docs_written)
    assert.are.equal(ns("outcomes.ix_dst"), j.output)
    assert.is_nil(j.hint) -- nothing to resume: the documents are all in
  end)

  it("--copy-indexes without a MongoDB source is refused before anything is written", function()
    local tpl = h.write(h.path("outcomes_t.json"), '{"n": "$inc"}')
    command("outcomes", '{"drop": "ix_none"}')
    local code, _, stderr = h.run({"--source", tpl, "--total", "10", "--target",
      ns("outcomes.ix_none"), "--copy-indexes", "after"})
    assert.are.equal(2, code, stderr)
    assert.matches("--copy-indexes needs a MongoDB source and target", stderr, 1, true)
    assert.are.equal(0, count("outcomes", "ix_none"))
  end)
end)
