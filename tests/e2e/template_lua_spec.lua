-- End to end: custom Lua operators declared in a strategy, Lua templates (gen.*) in a strategy
-- or in their own file, determinism across worker counts, and the failures.
local h = require("tests.e2e.helper")

local DIR = h.path("tpllua")
os.execute("rm -rf " .. h.q(DIR) .. " && mkdir -p " .. h.q(DIR))

local function file(name, text) return h.write(DIR .. "/" .. name, text) end

local OPERATORS = [[
  operators = {
    vin = function(rng, opts)
      return (opts.prefix or "VF") .. rng:string(15, "ABCDEFGHJKLMNPRSTUVWXYZ0123456789")
    end,
    dice = function(rng, opts) return rng:integer(1, opts.sides or 6) end,
  },
]]

local function decode_lines(path)
  local docs = {}
  for i, line in ipairs(h.lines(path)) do
    docs[i] = assert(h.json.decode(line), "line " .. i .. " is not JSON")
  end
  return docs
end

-- Runs asrun expecting failure; checks the exit code and message, and that out is absent.
local function fails(args, want_code, want_msg, out)
  h.remove(out)
  local code, _, stderr = h.run(args)
  assert.are.equal(want_code, code, "exit code; stderr was: " .. stderr)
  assert.matches(want_msg, stderr, 1, true)
  assert.is_false(h.exists(out), out .. " must not exist")
  -- a failed run keeps its .partial only beside the checkpoint that resumes it
  assert.are.equal(h.exists(out .. ".checkpoint.json"), h.exists(out .. ".partial"),
    out .. ".partial without its checkpoint, or the other way round")
  h.remove(out .. ".partial")
  h.remove(out .. ".checkpoint.json")
  return stderr
end

describe("custom Lua operators", function()
  it("serve a JSON template, with their options evaluated", function()
    file("ops_tpl.json", [[{"_id": "$inc", "vin": {"$vin": {"prefix": "WV"}}, "plain": "$vin",
      "d": {"$dice": {"sides": {"$integer": {"min": 2, "max": 2}}}}, "n": {"$integer": {"min": 1, "max": 3}}}]])
    local s = file("ops.lua", "return {\n" .. OPERATORS .. [[
  source = { kind = "template", path = "ops_tpl.json" },
  total = 3000,
}]])
    local out = h.path("tpllua_ops.jsonl")
    h.remove(out)
    -- run from elsewhere: the template path is taken from the strategy's directory
    local code, stdout, stderr = h.run({s, "--target", "file:" .. out, "--workers", "2", "--batch-size", "100"}, {cwd = "/"})
    assert.are.equal(0, code, stderr)
    assert.matches("Wrote 3,000 documents", stdout)
    local docs = decode_lines(out)
    assert.are.equal(3000, #docs)
    local twos = 0
    for i, d in ipairs(docs) do
      assert.are.equal(i - 1, d._id)
      assert.matches("^WV[A-HJ-NPR-Z0-9]+$", d.vin)
      assert.are.equal(17, #d.vin)
      assert.matches("^VF[A-HJ-NPR-Z0-9]+$", d.plain)
      assert.is_true(d.d == 1 or d.d == 2)
      if d.d == 2 then twos = twos + 1 end
      assert.is_true(d.n >= 1 and d.n <= 3)
    end
    assert.is_true(twos > 1200 and twos < 1800, "dice{sides=2} gave 2 " .. twos .. " times")
  end)

  it("serve a template given with --source, and warn about a name that shadows a built-in", function()
    local tpl = file("cli_tpl.json", '{"v": "$vin", "i": "$integer"}')
    local s = file("cli.lua", "return {\n" .. OPERATORS:gsub("dice =", "integer =") .. "}")
    local out = h.path("tpllua_cli.jsonl")
    h.remove(out)
    local code, _, stderr = h.run({s, "--source", tpl, "--total", "50", "--target", "file:" .. out})
    assert.are.equal(0, code, stderr)
    assert.matches("operators.integer shadows the built-in operator $integer", stderr, 1, true)
    local docs = decode_lines(out)
    assert.are.equal(50, #docs)
    assert.matches("^VF", docs[1].v)
  end)
end)

describe("Lua templates", function()
  it("in the strategy: gen values, literals, ordered fields and functions", function()
    local s = file("inline.lua", [[
local gen = require("asrun.gen")
local asrun = require("asrun")
local function code(rng) return "C-" .. rng:integer(100, 999) end
return {
]] .. OPERATORS .. [[
  source = { kind = "template", template = {
    _id = gen.inc{ start = 1 },
    qty = gen.integer{ min = 1, max = 10 },
    vin = gen.op("vin", { prefix = "ZZ" }),
    code = code,
    again = code,
    tags = gen.array{ of = gen.choose{ from = { "a", "b" } }, number = 2 },
    fixed = { 1, 2.5, "x", true, asrun.null },
    ordered = gen.fields{ { "z", 1 }, { "a", gen.op("dice") } },
  } },
  total = 500,
}]])
    local out = h.path("tpllua_inline.jsonl")
    h.remove(out)
    local code, _, stderr = h.run({s, "--target", "file:" .. out, "--workers", "3", "--batch-size", "50"})
    assert.are.equal(0, code, stderr)
    local lines = h.lines(out)
    assert.are.equal(500, #lines)
    -- keys: _id first, then sorted; gen.fields in its own order
    assert.matches('^{"_id":1,"again":"C%-%d%d%d","code":"C%-%d%d%d","fixed":%[1,2.5,"x",true,null%],' ..
      '"ordered":{"z":1,"a":%d},"qty":%d+,"tags":%["[ab]","[ab]"%],"vin":"ZZ[A-Z0-9]+"}$', lines[1])
    local codes = {}
    for i, line in ipairs(lines) do
      local d = h.json.decode(line)
      assert.are.equal(i, d._id)
      assert.is_true(d.qty >= 1 and d.qty <= 10)
      codes[d.code] = true
    end
    local distinct = 0
    for _ in pairs(codes) do distinct = distinct + 1 end
    assert.is_true(distinct > 300, "distinct codes: " .. distinct)
  end)

  it("in its own file returning the table, named relative to the strategy", function()
    file("orders_tpl.lua", [[
local gen = require("asrun.gen")
return {
  orderNo = gen.inc(),
  total = function(rng) return math.floor(rng:float(10, 100) * 100) / 100 end,
  status = gen.choose{ from = { "new", "paid" } },
}]])
    local forms = {
      '{ kind = "template", template = "orders_tpl.lua" }', '{ template = "orders_tpl.lua" }',
      '{ path = "orders_tpl.lua" }', '"orders_tpl.lua"', '"template:orders_tpl.lua"',
    }
    for k, form in ipairs(forms) do
      local s = file("from_file" .. k .. ".lua", "return { source = " .. form .. ", total = 200 }")
      local out = h.path("tpllua_file.jsonl")
      h.remove(out)
      local code, _, stderr = h.run({s, "--target", "file:" .. out, "--workers", "2"}, {cwd = "/"})
      assert.are.equal(0, code, form .. ": " .. stderr)
      assert.matches("source:     template " .. DIR .. "/orders_tpl.lua", stderr, 1, true) -- the plan
      local docs = decode_lines(out)
      assert.are.equal(200, #docs)
      for i, d in ipairs(docs) do
        assert.are.equal(i - 1, d.orderNo)
        assert.is_true(d.total >= 10 and d.total < 100)
        assert.is_true(d.status == "new" or d.status == "paid")
      end
    end
  end)

  it("give the same bytes with 1 and 3 workers, and other bytes for another seed", function()
    local s = file("det.lua", [[
local gen = require("asrun.gen")
return {
]] .. OPERATORS .. [[
  source = { template = {
    i = gen.inc(), v = gen.op("vin"), d = gen.op("dice", { sides = 20 }),
    f = function(rng) return { x = rng:float(), p = rng:pick({ "a", "b", "c" }) } end,
    s = gen.string{ length = 6 },
  } },
  total = 20000,
}]])
    local a, b, c = h.path("tpllua_det1.jsonl"), h.path("tpllua_det3.jsonl"), h.path("tpllua_det_seed.jsonl")
    h.remove(a, b, c)
    assert.are.equal(0, (h.run({s, "--target", a, "--workers", "1", "--seed", "11", "-q"})))
    assert.are.equal(0, (h.run({s, "--target", b, "--workers", "3", "--batch-size", "77", "--seed", "11", "-q"})))
    assert.are.equal(0, (h.run({s, "--target", c, "--workers", "3", "--seed", "12", "-q"})))
    assert.are.equal(20000, #h.lines(a))
    assert.are.equal(h.slurp(a), h.slurp(b))
    assert.are_not.equal(h.slurp(a), h.slurp(c))
  end)
end)

describe("failures", function()
  it("an operator that raises: exit 1 with the operator, document, file and line", function()
    local s = file("raises.lua", [[
return {
  operators = {
    boom = function(rng)
      if rng:integer(1, 4) == 4 then error("no luck") end
      return 1
    end,
  },
  source = { template = '{"x": "$boom"}' },
  total = 1000,
}]])
    -- Lua shortens long chunk names to their end: match the file's own name
    local stderr = fails({s, "--target", h.path("tpllua_raise.jsonl")}, 1, "raises.lua:4: no luck",
      h.path("tpllua_raise.jsonl"))
    assert.matches("asrun: error: generating document %d+: custom operator %$boom: [^\n]*raises%.lua:4: no luck\n", stderr)
  end)

  it("a Lua template function that raises: exit 1 with file and line", function()
    local s = file("raises_fn.lua", [[
return {
  source = { template = { x = function() error("bad value") end } },
  total = 10,
}]])
    local stderr = fails({s, "--target", h.path("tpllua_raise_fn.jsonl")}, 1, "raises_fn.lua:2: bad value",
      h.path("tpllua_raise_fn.jsonl"))
    assert.matches("custom operator %$__lua_fn_1: [^\n]*raises_fn%.lua:2: bad value\n", stderr)
  end)

  it("an operator that returns what BSON cannot hold: exit 1 naming it", function()
    local s = file("returns_fn.lua", [[
return { operators = { f = function() return { g = print } end }, source = { template = '{"x": "$f"}' }, total = 10 }]])
    fails({s, "--target", h.path("tpllua_ret.jsonl")}, 1,
      "custom operator $f: returned a value BSON cannot hold: field x.g: cannot store a function in BSON",
      h.path("tpllua_ret.jsonl"))
  end)

  it("an operator that is not a function: exit 2 naming it", function()
    local s = file("notfn.lua", [[
return { operators = { vin = "VF123" }, source = { template = '{"x": "$vin"}' }, total = 10 }]])
    fails({s, "--target", h.path("tpllua_notfn.jsonl")}, 2, s .. ": operators.vin must be a function, got string",
      h.path("tpllua_notfn.jsonl"))
  end)

  it("bad operator names and tables: exit 2", function()
    local s = file("badname.lua", [[
return { operators = { ["my-op"] = function() end }, source = { template = '{"x": 1}' }, total = 10 }]])
    fails({s, "--target", h.path("tpllua_badname.jsonl")}, 2, "operators: 'my-op' is not a valid operator name",
      h.path("tpllua_badname.jsonl"))
    s = file("badops.lua", [[
return { operators = 5, source = { template = '{"x": 1}' }, total = 10 }]])
    fails({s, "--target", h.path("tpllua_badname.jsonl")}, 2, "field 'operators' must be a table of functions, got number",
      h.path("tpllua_badname.jsonl"))
  end)

  it("a Lua template that JSON cannot express: exit 2 naming the field", function()
    local s = file("badtpl.lua", [[
return { source = { template = { a = { b = coroutine.create(print) } } }, total = 10 }]])
    fails({s, "--target", h.path("tpllua_badtpl.jsonl")}, 2, s .. ": source.template: a.b: cannot use a thread in a template",
      h.path("tpllua_badtpl.jsonl"))
  end)

  it("a Lua template file that returns no table: exit 2", function()
    file("notable_tpl.lua", "return 42")
    local s = file("notable.lua", [[return { source = { template = "notable_tpl.lua" }, total = 10 }]])
    fails({s, "--target", h.path("tpllua_notable.jsonl")}, 2, "notable_tpl.lua: a Lua template file must return a table, it returned number",
      h.path("tpllua_notable.jsonl"))
  end)

  it("a template naming an operator the strategy does not define: exit 2", function()
    local s = file("undefined.lua", "return {\n" .. OPERATORS .. [[
  source = { template = '{"x": "$vim"}' }, total = 10 }]])
    fails({s, "--target", h.path("tpllua_undef.jsonl")}, 2, "unknown operator $vim",
      h.path("tpllua_undef.jsonl"))
  end)
end)
