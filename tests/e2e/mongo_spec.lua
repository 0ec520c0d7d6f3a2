-- End to end against the test server (CongoDB, started by the ctest fixture): generation into
-- a collection, collection-to-collection migrations, duplicates, resizing mid-run.
-- Contents are read back with asrun itself (mongodb source → JSONL).
-- needs: mongo
local h = require("tests.e2e.helper")
local URI = os.getenv("ASRUN_TEST_MONGO_URI")

local function ns(db_coll) return URI .. "/" .. db_coll end

local function dump(db_coll) return h.mongo_docs(ns(db_coll)) end

local TEMPLATE = h.write(h.path("mongo_t.json"), [[{
  "_id": "$objectid",
  "n": "$inc",
  "name": {"$string": {"length": 10}},
  "qty": {"$integer": {"min": 1, "max": 100}},
  "tags": {"$array": {"of": {"$choose": {"from": ["a", "b", "c"]}}, "number": 2}}
}]])

local describe_mongo = URI and describe or pending
describe_mongo("MongoDB", function()
  it("generates N documents into a collection: count and sampled content", function()
    local jsonl = h.path("mongo_gen_ref.jsonl")
    h.remove(jsonl)
    local args = {"--source", TEMPLATE, "--total", "5000", "--now", "2024-01-01", "--seed", "3"}
    local function with(extra) local t = {table.unpack(args)}; for _, a in ipairs(extra) do t[#t + 1] = a end; return t end
    local code, stdout, stderr = h.run(with({"--target", ns("e2e.gen"), "--workers", "3", "--batch-size", "700"}))
    assert.are.equal(0, code, stderr)
    assert.matches("Wrote 5,000 documents to mongodb://", stdout)
    assert.are.equal(0, (h.run(with({"--target", jsonl, "-q"}))))
    local want, got = h.lines(jsonl), dump("e2e.gen")
    assert.are.equal(5000, #got)
    for i = 1, #want, 97 do -- every 97th document, field by field
      local w, g = h.json.decode(want[i]), got[i]
      assert.are.same(w, g)
    end
  end)

  it("counts duplicate _ids in insert mode and loses nothing else", function()
    local args = {"--source", TEMPLATE, "--total", "3000", "--now", "2024-01-01", "--seed", "5",
      "--target", ns("e2e.dups"), "-q"}
    assert.are.equal(0, (h.run(args)))
    args[4] = "4000" -- the first 3000 documents again, and 1000 new ones
    local code, stdout, stderr = h.run({table.unpack(args, 1, #args - 1)})
    assert.are.equal(0, code, stderr)
    assert.matches("Duplicates %(already in the target, not rewritten%): 3000", stdout)
    assert.are.equal(4000, #dump("e2e.dups"))
  end)

  local function migrate(mode, target, extra_fields)
    local strategy = h.write(h.path("mongo_migrate_" .. mode .. ".lua"), string.format([[
return {
  source = { kind = "mongodb", uri = "%s", database = "e2e", collection = "gen" },
  target = { uri = "%s", database = "e2e", collection = "%s", mode = "%s", keys = { "_id" } },
  workers = 2, batch_size = 500,
  transform = function(doc)
    if doc.qty > 90 then return nil end   -- drop some
    doc.quantity = doc.qty                -- rename
    doc.qty = nil
    doc.big = doc.quantity > 50           -- derive
    return doc
  end,
}]], URI, URI, target, mode))
    return h.run({strategy, table.unpack(extra_fields or {})})
  end

  it("migrates collection → collection with a transform (insert)", function()
    local code, stdout, stderr = migrate("insert", "mig_insert")
    assert.are.equal(0, code, stderr)
    local src, dst = dump("e2e.gen"), dump("e2e.mig_insert")
    local expect = {}
    for _, d in ipairs(src) do
      if d.qty <= 90 then expect[#expect + 1] = d end
    end
    assert.are.equal(#expect, #dst)
    assert.matches("Dropped by transform: " .. (#src - #expect), stdout)
    for i, d in ipairs(dst) do
      local s = expect[i]
      assert.are.equal(s._id["$oid"], d._id["$oid"])
      assert.are.equal(s.qty, d.quantity)
      assert.is_nil(d.qty)
      assert.are.equal(s.qty > 50, d.big)
      assert.are.equal(s.name, d.name)
    end
  end)

  it("migrates in upsert mode, twice, without duplicating", function()
    for _ = 1, 2 do
      local code, _, stderr = migrate("upsert", "mig_upsert")
      assert.are.equal(0, code, stderr)
    end
    local n = 0
    for _, d in ipairs(dump("e2e.gen")) do if d.qty <= 90 then n = n + 1 end end
    assert.are.equal(n, #dump("e2e.mig_upsert"))
  end)

  it("--verify passes on a good run and fails on a target with a document removed", function()
    local code, stdout, stderr = migrate("insert", "mig_verify", {"--verify"})
    assert.are.equal(0, code, stderr)
    assert.matches("Verify: ok: target holds %d+ documents as expected; %d+ sampled documents equal", stdout)
    -- remove one document from the target, then check again without loading
    local victim = dump("e2e.mig_verify")[10]
    local one = h.write(h.path("victim.jsonl"), string.format('{"_id":{"$oid":"%s"}}\n', victim._id["$oid"]))
    code, _, stderr = h.run({"--source", "jsonl:" .. one, "--target", ns("e2e.mig_verify"), "--mode", "delete", "-q"})
    assert.are.equal(0, code, stderr)
    code, _, stderr = migrate("insert", "mig_verify", {"--verify-only"})
    assert.are.equal(1, code)
    assert.matches("verify failed: target holds %d+ documents, expected %d+", stderr)
  end)

  it("keeps exact counts while workers change mid-run", function()
    local strategy = h.write(h.path("mongo_resize.lua"), string.format([[
local step = 0
return {
  source = { kind = "template", path = "%s", total = 60000 },
  target = "%s",
  workers = 1, batch_size = 200, tick_interval = 0.02,
  on_tick = function(ctx)
    step = step + 1
    ctx.set_workers(step %% 4 + 1)
    ctx.set_batch_size(100 + (step %% 3) * 300)
  end,
}]], TEMPLATE, ns("e2e.resize")))
    local code, stdout, stderr = h.run({strategy, "--now", "2024-01-01"})
    assert.are.equal(0, code, stderr)
    local changes = select(2, stderr:gsub("Workers set to", ""))
    assert.is_true(changes >= 3, "resized mid-run only " .. changes .. " times; stderr: " .. stderr)
    local docs = dump("e2e.resize")
    assert.are.equal(60000, #docs)
    local seen = {}
    for _, d in ipairs(docs) do
      assert.is_nil(seen[d.n], "document " .. d.n .. " written twice")
      seen[d.n] = true
    end
  end)

  -- No --verify here: the test server stores whole-number doubles (a `total` of 150.0) as
  -- int32, which --verify rightly reports as a changed type. The verify tests above use
  -- fields the server keeps as they are.
  it("runs the shipped example strategies/migrate_mongo.lua", function()
    local code, _, stderr = h.run({"--source", h.root .. "/templates/service_order.json",
      "--total", "3000", "--target", ns("shop.orders"), "-q"})
    assert.are.equal(0, code, stderr)
    local stdout
    code, stdout, stderr = h.run({h.root .. "/strategies/migrate_mongo.lua"},
      {env = "SOURCE_URI=" .. h.q(URI) .. " "})
    assert.are.equal(0, code, stderr)
    assert.matches("Wrote [%d,]+ documents to mongodb://", stdout)
    local migrated = dump("shop_v3.orders")
    assert.is_true(#migrated > 2000)
    for _, d in ipairs(migrated) do
      assert.is_nil(d.orderNumber)
      assert.is_number(d.order_no)
      assert.is_number(d.total)
      assert.are_not.equal("cancelled", d.status)
    end
  end)

  it("reports an unreachable server clearly, writing nothing", function()
    local code, _, stderr = h.run({"--source", TEMPLATE, "--total", "10",
      "--target", "mongodb://u:hunter2@127.0.0.1:1/e2e.none?serverSelectionTimeoutMS=300"})
    assert.are.equal(2, code)
    assert.matches("cannot reach", stderr)
    assert.is_nil(stderr:find("hunter2", 1, true))
  end)
end)
