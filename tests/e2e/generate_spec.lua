-- End to end: generation from templates to files, determinism, the embedded default.
local h = require("tests.e2e.helper")

local TEMPLATE = [[{
  "n": "$inc",
  "name": {"$string": {"length": 8}},
  "qty": {"$integer": {"min": 1, "max": 10}},
  "tags": {"$array": {"of": {"$choose": {"from": ["a", "b", "c"]}}, "number": 2}}
}]]

local function template_file()
  return h.write(h.path("gen_template.json"), TEMPLATE)
end

describe("generation", function()
  it("writes exactly N valid documents to a JSONL file", function()
    local out = h.path("gen_n.jsonl")
    h.remove(out)
    local code, stdout = h.run({"--source", template_file(), "--total", "25000", "--target",
      "file:" .. out, "--workers", "3", "--batch-size", "777"})
    assert.are.equal(0, code)
    assert.matches("Wrote 25,000 documents to " .. out:gsub("%p", "%%%0"), stdout)
    local lines = h.lines(out)
    assert.are.equal(25000, #lines)
    for i, line in ipairs(lines) do
      local doc = assert(h.json.decode(line), "line " .. i .. " is not JSON")
      assert.are.equal(i - 1, doc.n) -- $inc: in source order
      assert.are.equal(8, #doc.name)
      assert.is_true(doc.qty >= 1 and doc.qty <= 10)
      assert.are.equal(2, #doc.tags)
    end
    assert.is_false(h.exists(out .. ".partial"))
  end)

  it("writes BSON that decodes to the same documents", function()
    local jsonl, bson = h.path("gen_same.jsonl"), h.path("gen_same.bson")
    h.remove(jsonl, bson)
    assert.are.equal(0, (h.run({"--source", template_file(), "--total", "500", "--seed", "1", "--target", "file:" .. jsonl, "-q"})))
    assert.are.equal(0, (h.run({"--source", template_file(), "--total", "500", "--seed", "1", "--target", "file:" .. bson, "-q"})))
    local docs, lines = h.bson_docs(bson), h.lines(jsonl)
    assert.are.equal(500, #docs)
    for i = 1, 500 do
      local j = h.json.decode(lines[i])
      assert.are.equal(j.n, docs[i].n)
      assert.are.equal(j.name, docs[i].name)
      assert.are.equal(j.qty, docs[i].qty)
    end
  end)

  it("gives byte-identical output for the same seed whatever the worker count", function()
    local a, b, c = h.path("det_a.jsonl"), h.path("det_b.jsonl"), h.path("det_c.jsonl")
    h.remove(a, b, c)
    h.run({"--source", template_file(), "--total", "20000", "--seed", "7", "--workers", "1", "--target", a, "-q"})
    h.run({"--source", template_file(), "--total", "20000", "--seed", "7", "--workers", "4",
      "--batch-size", "33", "--target", b, "-q"})
    h.run({"--source", template_file(), "--total", "20000", "--seed", "8", "--target", c, "-q"})
    assert.are.equal(h.slurp(a), h.slurp(b))
    assert.are_not.equal(h.slurp(a), h.slurp(c))
  end)

  it("reproduces $now and $objectid across runs when the clock is pinned with --now", function()
    local a, b = h.path("clock_a.jsonl"), h.path("clock_b.jsonl")
    h.remove(a, b)
    local tpl = h.root .. "/templates/service_order.json"
    h.run({"--source", tpl, "--total", "3000", "--now", "2024-05-01T00:00:00Z", "--seed", "1", "--workers", "1", "--target", a, "-q"})
    os.execute("sleep 1.1")
    h.run({"--source", tpl, "--total", "3000", "--now", "1714521600000", "--seed", "1", "--workers", "2",
      "--batch-size", "17", "--target", b, "-q"})
    local first = h.json.decode(h.lines(a)[1])
    assert.are.equal("2024-05-01T00:00:00Z", first.updatedAt["$date"])
    assert.are.equal("66318600", first._id["$oid"]:sub(1, 8)) -- the ObjectId's time is the clock
    assert.are.equal(h.slurp(a), h.slurp(b))
  end)

  it("generates an mgodatagen config's collection, references resolved", function()
    local out = h.path("mgo_orders.jsonl")
    h.remove(out)
    local cfg = h.root .. "/tests/fixtures/mgodatagen/shop.json"
    local code, _, stderr = h.run({"--source", "mgodatagen:" .. cfg, "--mgodatagen-collection",
      "orders", "--total", "3000", "--target", out, "-q"})
    assert.are.equal(0, code, stderr)
    local lines = h.lines(out)
    assert.are.equal(3000, #lines)
    for _, line in ipairs(lines) do -- customers.customerId is an autoincrement 1..1000
      local c = h.json.decode(line).customerId
      assert.is_true(c >= 1 and c <= 1000, "customerId " .. tostring(c))
    end
    code, _, stderr = h.run({"--source", "mgodatagen:" .. cfg, "--target", out})
    assert.are.equal(2, code)
    assert.matches("holds 3 collections: choose one with --mgodatagen-collection NAME", stderr, 1, true)
    -- --collection now names the target collection (mongoimport's): the old use is explained
    code, _, stderr = h.run({"--source", "mgodatagen:" .. cfg, "--collection", "orders",
      "--target", out})
    assert.are.equal(2, code)
    assert.matches("--collection orders names the target collection (as mongoimport's "
      .. "--collection); the collection of an mgodatagen config to generate is "
      .. "--mgodatagen-collection orders", stderr, 1, true)
  end)

  it("resolves $ref to a collection declared in the strategy", function()
    local out = h.path("ref_out.jsonl")
    h.remove(out)
    local strategy = h.write(h.path("refs.lua"), string.format([[
return {
  collections = { customers = { template = '{"cid": {"$inc": {"start": 100}}}', total = 50 } },
  source = { kind = "template", template = '{"c": {"$ref": {"collection": "customers", "field": "cid"}}}' },
  total = 2000, target = "%s",
}]], out))
    local code, _, stderr = h.run({strategy, "-q"})
    assert.are.equal(0, code, stderr)
    local seen = {}
    for _, line in ipairs(h.lines(out)) do
      local c = h.json.decode(line).c
      assert.is_true(c >= 100 and c <= 149, "c = " .. tostring(c))
      seen[c] = true
    end
    local distinct = 0
    for _ in pairs(seen) do distinct = distinct + 1 end
    assert.is_true(distinct > 40) -- uniform over the 50 customers
  end)

  it("writes to out/NAME.jsonl by default and says where", function()
    local dir = h.path("default_cwd")
    os.execute("rm -rf " .. h.q(dir) .. " && mkdir -p " .. h.q(dir))
    h.write(dir .. "/orders.lua", [[
return {
  name = "orders",
  source = { kind = "template", path = "t.json" },
  total = 100,
}]])
    h.write(dir .. "/t.json", TEMPLATE)
    local code, stdout = h.run({"orders.lua", "--profile", "balanced"}, {cwd = dir})
    assert.are.equal(0, code)
    assert.matches("Wrote 100 documents to out/orders.jsonl", stdout)
    assert.are.equal(100, #h.lines(dir .. "/out/orders.jsonl"))
  end)

  it("runs the shipped example strategy", function()
    local out = h.path("example_orders.jsonl")
    h.remove(out)
    local code, stdout = h.run({h.root .. "/strategies/generate_orders.lua", "--total", "2000",
      "--target", "file:" .. out})
    assert.are.equal(0, code)
    assert.matches("Wrote 2,000 documents", stdout)
    assert.are.equal(2000, #h.lines(out))
  end)

  it("--dry-run prints the plan and writes nothing", function()
    local out = h.path("dry/never.jsonl")
    os.execute("rm -rf " .. h.q(h.path("dry")))
    local code, stdout = h.run({"--source", template_file(), "--total", "10", "--target", "file:" .. out,
      "--dry-run", "--workers", "3"})
    assert.are.equal(0, code)
    assert.matches("Plan %(dry run: nothing is written%)", stdout)
    assert.matches("workers:    3", stdout)
    assert.matches("source:     template", stdout)
    assert.is_false(h.exists(out))
    assert.is_false(h.exists(h.path("dry")))
  end)

  it("answers --help and --version", function()
    local code, stdout = h.run({"--help"})
    assert.are.equal(0, code)
    assert.matches("Usage: asrun STRATEGY.lua", stdout)
    assert.matches("Exit codes", stdout)
    code, stdout = h.run({"--version"})
    assert.are.equal(0, code)
    assert.matches("^asrun %d+%.%d+%.%d+", stdout)
  end)

  it("writes every log line as one JSON object with --log-format json", function()
    local out = h.path("json_ok.jsonl")
    local strategy = h.write(h.path("json_logs.lua"), string.format(
      "return { source = 'template:%s', total = 50, target = '%s', colour = 'blue' }", template_file(), out))
    local code, _, stderr = h.run({strategy, "--log-format", "json"})
    assert.are.equal(0, code)
    local events = {}
    for line in stderr:gmatch("[^\n]+") do
      local ev = assert(h.json.decode(line), "not JSON: " .. line)
      assert.is_string(ev.ts)
      events[ev.event] = ev
    end
    assert.are.equal("warn", events["strategy.unknown_field"].level)
    assert.matches("unknown field 'colour'", events["strategy.unknown_field"].msg, 1, true)
    assert.matches("workers:", events["run.plan"].msg, 1, true)
    assert.matches("status ok: 50 documents written", events["run.done"].msg, 1, true)
  end)

  it("reports failures as JSON log lines too", function()
    local out = h.path("json_logs.jsonl")
    local code, _, stderr = h.run({"--source", template_file(), "--total", "10", "--target", out,
      "--log-format", "json", "--workers", "0"})
    assert.are.equal(2, code) -- usage error is reported before logging starts
    code, _, stderr = h.run({"--source", h.path("missing.json"), "--total", "10", "--target", out,
      "--log-format", "json"})
    assert.are.equal(2, code)
    local ev = h.json.decode(stderr:match("[^\n]+"))
    assert.are.equal("error", ev.level)
    assert.are.equal("run.failed", ev.event)
    assert.matches("missing.json", ev.msg)
  end)
end)
