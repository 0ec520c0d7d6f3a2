-- End to end: file migrations with a Lua transform, and a run resized while it goes.
local h = require("tests.e2e.helper")

local function make_jsonl(path, n)
  local f = assert(io.open(path, "w"))
  for i = 0, n - 1 do
    f:write(string.format(
      '{"_id":{"$oid":"%024x"},"num":%d,"old_name":"user%d","price":{"$numberDecimal":"%d.50"},"at":{"$date":"2024-01-02T03:04:05.%03dZ"}}\n',
      i + 1, i, i, i, i % 1000))
  end
  f:close()
  return path
end

describe("migration", function()
  it("JSONL → BSON with a transform that renames a field and drops some documents", function()
    local src, out = h.path("mig_src.jsonl"), h.path("mig_out.bson")
    h.remove(out)
    make_jsonl(src, 10000)
    local strategy = h.write(h.path("mig_strategy.lua"), string.format([[
return {
  name = "rename_and_drop",
  source = "jsonl:%s",
  target = "file:%s",
  workers = 3,
  batch_size = 250,
  transform = function(doc)
    if doc.num %% 10 == 0 then return nil end     -- drop every tenth
    doc.name = doc.old_name                       -- rename old_name → name
    doc.old_name = nil
    doc.double = doc.num * 2
    return doc
  end,
}]], src, out))
    local code, stdout = h.run({strategy})
    assert.are.equal(0, code)
    assert.matches("Wrote 9,000 documents", stdout)
    assert.matches("Dropped by transform: 1000", stdout)
    local docs = h.bson_docs(out)
    assert.are.equal(9000, #docs)
    local k = 0
    for i = 0, 9999 do
      if i % 10 ~= 0 then
        k = k + 1
        local d = docs[k]
        assert.are.equal(i, d.num)
        assert.are.equal("user" .. i, d.name)
        assert.is_nil(d.old_name)
        assert.are.equal(2 * i, d.double)
        assert.are.equal(string.format("%024x", i + 1), d._id:hex())
        assert.are.equal(i .. ".50", tostring(d.price):match("[%d%.]+"))
      end
    end
  end)

  it("reads a JSON array file and a mongodump .bson file", function()
    local arr = h.write(h.path("arr.json"), '[\n {"a": 1, "d": {"$date": "2024-01-01T00:00:00Z"}},\n {"a": 2, "n": {"$numberLong": "9007199254740993"}}\n]\n')
    local out_bson, out_jsonl = h.path("arr.bson"), h.path("arr_back.jsonl")
    h.remove(out_bson, out_jsonl)
    assert.are.equal(0, (h.run({"--source", "json:" .. arr, "--target", "file:" .. out_bson, "-q"})))
    assert.are.equal(0, (h.run({"--source", out_bson, "--target", out_jsonl, "-q"})))
    assert.are.same({
      '{"a":1,"d":{"$date":"2024-01-01T00:00:00Z"}}',
      '{"a":2,"n":9007199254740993}',
    }, h.lines(out_jsonl))
  end)

  it("lets a strategy require('asrun') for BSON types", function()
    local src, out = h.path("req_src.jsonl"), h.path("req_out.jsonl")
    h.remove(out)
    h.write(src, '{"a":1}\n{"a":2}\n')
    local strategy = h.write(h.path("req.lua"), string.format([[
local asrun = require("asrun")
return {
  source = "jsonl:%s", target = "%s", workers = 1,
  transform = function(doc)
    doc.gone = asrun.null
    doc.ref = asrun.objectid("65a1f0c2e4b0a1b2c3d4e5f6")
    doc.at = asrun.date(doc.a * 1000)
    doc.big = asrun.int64(doc.a)
    doc.list = asrun.array({})
    return doc
  end,
}]], src, out))
    assert.are.equal(0, (h.run({strategy, "-q"})))
    assert.are.same({
      '{"a":1,"at":{"$date":"1970-01-01T00:00:01Z"},"big":1,"gone":null,"list":[],"ref":{"$oid":"65a1f0c2e4b0a1b2c3d4e5f6"}}',
      '{"a":2,"at":{"$date":"1970-01-01T00:00:02Z"},"big":2,"gone":null,"list":[],"ref":{"$oid":"65a1f0c2e4b0a1b2c3d4e5f6"}}',
    }, h.lines(out))
  end)

  it("fans a document out into several", function()
    local src, out = h.path("fan_src.jsonl"), h.path("fan_out.jsonl")
    h.remove(out)
    make_jsonl(src, 100)
    local strategy = h.write(h.path("fan.lua"), string.format([[
return {
  source = "jsonl:%s", target = "%s",
  transform = function(doc)
    return { { k = doc.num, part = 1 }, { k = doc.num, part = 2 } }
  end,
}]], src, out))
    assert.are.equal(0, (h.run({strategy, "-q"})))
    local lines = h.lines(out)
    assert.are.equal(200, #lines)
    assert.are.equal('{"k":0,"part":1}', lines[1])
    assert.are.equal('{"k":0,"part":2}', lines[2])
    assert.are.equal('{"k":99,"part":2}', lines[200])
  end)

  it("keeps every document exactly once while workers and batch size change mid-run", function()
    local out = h.path("resize.jsonl")
    h.remove(out)
    local tpl = h.write(h.path("resize_t.json"), '{"i": "$inc", "s": {"$string": {"length": 40}}}')
    local strategy = h.write(h.path("resize.lua"), string.format([[
local plan = { {4, 50}, {1, 3000}, {6, 7}, {2, 500}, {5, 64}, {3, 1} }
local step = 0
return {
  source = { kind = "template", path = "%s" },
  total = 3000000,
  target = "file:%s",
  workers = 2, batch_size = 100,
  tick_interval = 0.05,
  transform = function(doc) return doc end,   -- a Lua call per document slows the run down
  on_tick = function(ctx)
    step = step + 1
    local p = plan[(step - 1) %% #plan + 1]
    ctx.set_workers(p[1])
    ctx:set_batch_size(p[2])
  end,
}]], tpl, out))
    local code, stdout, stderr = h.run({strategy})
    assert.are.equal(0, code)
    local changes = select(2, stderr:gsub("Workers set to", ""))
    assert.is_true(changes >= 6, "expected at least 6 worker changes mid-run, saw " .. changes)
    assert.matches("Wrote 3,000,000 documents", stdout)
    local i = 0
    for line in io.lines(out) do
      local n = tonumber(line:match('^{"i":(%d+),'))
      assert(n == i, "line " .. (i + 1) .. " holds i=" .. tostring(n))
      i = i + 1
    end
    assert.are.equal(3000000, i)
  end)

  it("hands on_start and on_finish the run's facts", function()
    local out = h.path("hooks.jsonl")
    h.remove(out)
    local tpl = h.write(h.path("hooks_t.json"), '{"i": "$inc"}')
    local strategy = h.write(h.path("hooks.lua"), string.format([[
local lines = {}
return {
  name = "hooked",
  source = { kind = "template", path = "%s", total = 1234 },
  target = "%s",
  workers = 2,
  on_start = function(ctx)
    lines[#lines + 1] = string.format("start %%s %%d %%d %%s", ctx.name, ctx.total, ctx.workers, ctx.profile)
  end,
  on_finish = function(s)
    lines[#lines + 1] = string.format("finish %%s %%d %%s", s.status, s.docs_written, s.output)
    io.stderr:write("report<<", table.concat(lines, "\n"), ">>\n")
  end,
}]], tpl, out))
    local code, _, stderr = h.run({strategy, "-q"})
    assert.are.equal(0, code, stderr)
    assert.are.equal("start hooked 1234 2 balanced\nfinish ok 1234 " .. out, stderr:match("report<<(.-)>>"))
  end)
end)
