-- Lua templates (lua/asrun/gen.lua over host/lua/ltemplate.c) and custom Lua operators
-- (host/lua/template_ops.c) through asrun.core.template_json / template_generate.
local asrun = require("asrun")
local core = require("asrun.core")
local gen = require("asrun.gen")

local json = core.template_json
local encode = asrun.bson.encode

-- The JSON text of a template, and the list of functions found in it.
local function J(t) return (json(t)) end

describe("gen constructors", function()
  it("write an operator as \"$op\" without options and {\"$op\": {...}} with", function()
    assert.are.equal('{"a":"$objectid"}', J({ a = gen.objectid() }))
    assert.are.equal('{"a":{"$integer":{"max":10,"min":1}}}', J({ a = gen.integer{ min = 1, max = 10 } }))
    assert.are.equal('{"a":{"$integer":{}}}', J({ a = gen.integer{} }))
    assert.are.equal('{"d":{"$date":{"min":"2020-01-01"}}}', J({ d = gen.date{ min = "2020-01-01" } }))
  end)

  it("nest gen values inside options", function()
    assert.are.equal('{"tags":{"$array":{"number":3,"of":"$email"}}}',
      J({ tags = gen.array{ of = gen.email(), number = 3 } }))
    assert.are.equal('{"c":{"$choose":{"from":["a","b"],"weights":[1,3]}}}',
      J({ c = gen.choose{ from = { "a", "b" }, weights = { 1, 3 } } }))
    assert.are.equal('{"q":{"$integer":{"max":{"$integer":{"max":9,"min":5}},"min":1}}}',
      J({ q = gen.integer{ min = 1, max = gen.integer{ min = 5, max = 9 } } }))
  end)

  it("have one constructor per operator of docs/templates.md, and gen.op for any name", function()
    local root = os.getenv("ASRUN_ROOT") or "."
    local f = assert(io.open(root .. "/docs/templates.md"))
    local doc = f:read("a")
    f:close()
    local section = doc:match("## Operators(.-)\n## ")
    local n = 0
    for name in section:gmatch("`%$([%w_]+)`") do
      assert.are.equal("function", type(gen[name]), "gen." .. name)
      assert.are.equal('{"x":"$' .. name .. '"}', J({ x = gen[name]() }))
      n = n + 1
    end
    assert.is_true(n >= 55, "operators found in the docs: " .. n)
    for _, name in ipairs({ "field", "partition", "ref" }) do
      assert.are.equal("function", type(gen[name]), "gen." .. name)
    end
    assert.are.equal('{"v":{"$vin":{"country":"FR"}}}', J({ v = gen.op("vin", { country = "FR" }) }))
    assert.are.equal('{"v":"$vin"}', J({ v = gen.op("vin") }))
  end)

  it("refuse options that are not tables", function()
    assert.has_error(function() gen.integer(5) end, "gen.integer: options must be a table, got number")
    assert.has_error(function() gen.op("") end, "gen.op: the operator name must be a non-empty string")
    assert.has_error(function() gen.fields{ { 1, 2 } } end, "gen.fields: item 1 must be a {key, value} pair")
  end)

  it("are recognizable", function()
    assert.is_true(gen.is_gen(gen.integer()))
    assert.is_true(gen.is_gen(gen.fields{}))
    assert.is_false(gen.is_gen({ op = "integer" }))
    assert.are.equal('{"x":{"op":"integer"}}', J({ x = { op = "integer" } })) -- a plain table is a literal
  end)
end)

describe("Lua template literals", function()
  it("write plain tables with _id first, then keys sorted bytewise", function()
    assert.are.equal('{"_id":1,"B":2,"a":3,"b":{"_id":4,"z":5}}', J({ b = { z = 5, _id = 4 }, a = 3, B = 2, _id = 1 }))
  end)

  it("keep the order of gen.fields, at any level", function()
    assert.are.equal('{"z":1,"a":{"y":2,"b":3},"_id":4}',
      J(gen.fields{ { "z", 1 }, { "a", gen.fields{ { "y", 2 }, { "b", 3 } } }, { "_id", 4 } }))
  end)

  it("write sequences and asrun.array tables as arrays, empty tables as objects", function()
    assert.are.equal('{"a":[1,"x",true],"e":{},"m":[]}', J({ a = { 1, "x", true }, e = {}, m = asrun.array({}) }))
  end)

  it("write numbers, strings, booleans, null and int64 as JSON literals", function()
    assert.are.equal('{"f":2.5,"g":3.0,"i":-7,"n":null,"s":"q\\"\\\\\\n\\u0001é","t":false,"w":5}',
      J({ i = -7, f = 2.5, g = 3.0, s = 'q"\\\n\1é', t = false, n = asrun.null, w = asrun.int64(5) }))
    assert.are.equal('{"big":9007199254740993}', J({ big = 9007199254740993 }))
  end)

  it("reject what JSON cannot hold, naming the field", function()
    assert.has_error(function() json({ a = { b = { 1, x = 2 } } }) end,
      "template: a.b: a table mixes string keys and array positions")
    assert.has_error(function() json({ a = { [1] = 1, [3] = 3 } }) end,
      "template: a: array positions are not exactly 1..2 (a hole?)")
    assert.has_error(function() json({ a = { [true] = 1 } }) end,
      "template: a: a boolean key: keys must be strings (or 1..n for an array)")
    local ok, msg = pcall(json, { x = { 1, 0 / 0 } })
    assert.is_false(ok)
    assert.matches("template: x%[2%]: %-?nan cannot be written as JSON", msg)
    assert.has_error(function() json({ o = asrun.objectid("5f1d7a3e9b1e8b3a4c2d1e0f") }) end,
      "template: o: cannot use a asrun.objectid value in a template (use a gen.* operator)")
    assert.has_error(function() json({ c = coroutine.create(print) }) end, "template: c: cannot use a thread in a template")
    assert.has_error(function() json({ s = "a\0b" }) end, "template: s: a string contains a NUL byte")
    assert.has_error(function() json({ 1, 2 }) end, "template: a Lua template must be a table of fields, not an array")
    local cyc = {}
    cyc.self = cyc
    assert.has_error(function() json({ c = cyc }) end)
    ok, msg = pcall(json, { c = cyc })
    assert.is_false(ok)
    assert.matches("nested deeper than 100 levels %(a table that contains itself%?%)", msg)
  end)
end)

describe("functions in Lua templates", function()
  it("become custom operators numbered in walk order, each function once", function()
    local f1, f2, f3 = function() end, function() end, function() end
    local text, fns = json({ b = f2, a = f1, c = { f3, f1 }, d = gen.fields{ { "z", f3 }, { "y", gen.array{ of = f2 } } } })
    assert.are.equal('{"a":"$__lua_fn_1","b":"$__lua_fn_2","c":["$__lua_fn_3","$__lua_fn_1"],' ..
      '"d":{"z":"$__lua_fn_3","y":{"$array":{"of":"$__lua_fn_2"}}}}', text)
    assert.are.same({ f1, f2, f3 }, fns)
  end)

  it("continue a numbering when given the list of another template", function()
    local f1, f2 = function() end, function() end
    local _, fns = json({ a = f1 })
    local text, same = json({ a = f2, b = f1 }, fns)
    assert.are.equal(fns, same)
    assert.are.equal('{"a":"$__lua_fn_2","b":"$__lua_fn_1"}', text)
    assert.are.same({ f1, f2 }, fns)
  end)
end)

-- The same template written in JSON and in Lua; JSON keys in the order gen writes them.
local JSON_TPL = [[{"_id": "$objectid", "n": "$inc",
  "q": {"$integer": {"min": 1, "max": {"$integer": {"min": 5, "max": 50}}}},
  "name": {"$string": {"length": 8, "pool": "abc"}},
  "tags": {"$array": {"of": {"$choose": {"from": ["a", "b", "c"], "weights": [1, 2, 3]}}, "number": 3}},
  "meta": {"on": {"$bool": {"likelihood": 30}}, "lit": [1, 2.5, "x", null], "when": {"$date": {"min": "2020-01-01", "max": "2021-01-01"}}},
  "f": {"$floating": {"min": 0, "max": 1, "fixed": 3}}}]]

local function lua_tpl()
  return gen.fields{
    { "_id", gen.objectid() }, { "n", gen.inc() },
    { "q", gen.integer{ min = 1, max = gen.integer{ min = 5, max = 50 } } },
    { "name", gen.string{ length = 8, pool = "abc" } },
    { "tags", gen.array{ of = gen.choose{ from = { "a", "b", "c" }, weights = { 1, 2, 3 } }, number = 3 } },
    { "meta", gen.fields{ { "on", gen.bool{ likelihood = 30 } }, { "lit", { 1, 2.5, "x", asrun.null } },
      { "when", gen.date{ min = "2020-01-01", max = "2021-01-01" } } } },
    { "f", gen.floating{ min = 0, max = 1, fixed = 3 } },
  }
end

describe("template_generate", function()
  it("gives byte-identical documents for the JSON and Lua forms of one template", function()
    local text = J(lua_tpl())
    local NOW = 1700000000000 -- one clock for $objectid's timestamp: calls a second apart differed
    for _, seed in ipairs({ 1, 42 }) do
      for i = 0, 40 do
        local a = assert(core.template_generate(JSON_TPL, seed, i, nil, NOW))
        local b = assert(core.template_generate(text, seed, i, nil, NOW))
        assert.are.equal(encode(a), encode(b), "seed " .. seed .. " index " .. i)
        assert.are.equal(encode(a), encode(gen.generate(lua_tpl(), seed, i, nil, NOW)))
      end
    end
    local d = gen.generate(lua_tpl(), 1, 7)
    assert.are.equal(7, d.n)
    assert.are.equal(3, #d.tags)
    assert.matches("^[abc]+$", d.name)
    assert.are.equal(8, #d.name)
    assert.are.equal(asrun.null, d.meta.lit[4])
    assert.are_not.equal(encode(gen.generate(lua_tpl(), 1, 7)), encode(gen.generate(lua_tpl(), 2, 7)))
  end)

  it("reports compile errors as nil, message", function()
    local doc, msg = core.template_generate('{"a": "$nope"}', 1, 0)
    assert.is_nil(doc)
    assert.matches("unknown operator $nope at a", msg, 1, true)
  end)
end)

describe("custom Lua operators", function()
  it("draw from the document's own random stream: deterministic per (seed, index)", function()
    local calls = 0
    local ops = { dice = function(rng, opts)
      calls = calls + 1
      return rng:integer(opts.min, opts.max)
    end }
    local tpl = '{"a": {"$dice": {"min": 1, "max": 6}}, "b": {"$integer": {"min": 0, "max": 1000000}}}'
    local seen = {}
    for i = 0, 199 do
      local d = assert(core.template_generate(tpl, 5, i, ops))
      assert.is_true(d.a >= 1 and d.a <= 6)
      seen[d.a] = true
      local again = assert(core.template_generate(tpl, 5, i, ops))
      assert.are.equal(encode(d), encode(again))
    end
    assert.are.equal(400, calls)
    for v = 1, 6 do assert.is_true(seen[v], "value " .. v) end
  end)

  it("share the stream with built-ins: a draw shifts what follows", function()
    local tpl = '{"a": "$op", "b": {"$integer": {"min": 0, "max": 1000000000}}}'
    local none = function() return 1 end
    local draws = function(rng) rng:float(); return 1 end
    local differ = 0
    for i = 0, 19 do
      local x = core.template_generate(tpl, 1, i, { op = none })
      local y = core.template_generate(tpl, 1, i, { op = draws })
      if x.b ~= y.b then differ = differ + 1 end
    end
    assert.are.equal(20, differ)
  end)

  it("offer integer, float, pick and string on rng", function()
    local ops = { probe = function(rng)
      return {
        i = rng:integer(-3, -3), f = rng:float(), g = rng:float(10, 20), p = rng:pick({ "only" }),
        s = rng:string(12, "xy"), u = rng:string(5, "éü"), d = rng:string(6), e = rng:string(0),
      }
    end }
    for i = 0, 20 do
      local d = assert(core.template_generate('{"r": "$probe"}', 9, i, ops)).r
      assert.are.equal(-3, d.i)
      assert.is_true(d.f >= 0 and d.f < 1)
      assert.is_true(d.g >= 10 and d.g < 20)
      assert.are.equal("only", d.p)
      assert.matches("^[xy]+$", d.s)
      assert.are.equal(12, #d.s)
      assert.are.equal(10, #d.u) -- five 2-byte characters
      assert.is_truthy(d.u:match("^[\195\169\195\188]+$"))
      assert.matches("^[%w]+$", d.d)
      assert.are.equal(6, #d.d)
      assert.are.equal("", d.e)
    end
  end)

  it("get their options evaluated, operators included", function()
    local ops = { echo = function(_, opts) return opts end }
    local d = assert(core.template_generate(
      '{"e": {"$echo": {"k": {"$integer": {"min": 4, "max": 4}}, "lit": [1, "a"], "sub": {"x": true}}}, "z": "$echo"}',
      1, 0, ops))
    assert.are.equal(4, d.e.k)
    assert.are.same({ 1, "a" }, { d.e.lit[1], d.e.lit[2] })
    assert.is_true(d.e.sub.x)
    assert.are.same({}, d.z) -- no options: an empty table
  end)

  it("append what they return; nil drops the field", function()
    local ops = {
      none = function() return nil end,
      doc = function() return { b = 2, a = { 1, 2 } } end,
      oid = function() return asrun.objectid("5f1d7a3e9b1e8b3a4c2d1e0f") end,
      big = function() return 1 << 40 end,
    }
    local d = assert(core.template_generate('{"x": "$none", "y": "$doc", "o": "$oid", "n": "$big", "k": 1}', 1, 0, ops))
    assert.are.same({ "k", "n", "o", "y" }, (function() local t = {} for k in pairs(d) do t[#t + 1] = k end table.sort(t) return t end)())
    assert.are.equal(2, d.y.b)
    assert.are.equal(tostring(asrun.objectid("5f1d7a3e9b1e8b3a4c2d1e0f")), tostring(d.o))
    assert.are.equal(1 << 40, d.n)
  end)

  it("report errors with the operator, file:line and message", function()
    local ops = { boom = function() error("no luck") end, bad = function() return print end }
    local doc, msg = core.template_generate('{"a": "$boom"}', 1, 0, ops)
    assert.is_nil(doc)
    assert.matches("^custom operator %$boom: [^\n]*gen_spec%.lua:%d+: no luck\nstack traceback:", msg)
    doc, msg = core.template_generate('{"a": "$bad"}', 1, 0, ops)
    assert.is_nil(doc)
    assert.matches("custom operator $bad: returned a value BSON cannot hold: field a: cannot store a function in BSON", msg, 1, true)
    doc, msg = core.template_generate('{"a": "$boom"}', 1, 0, { boom = 5 })
    assert.is_nil(doc)
    assert.matches("operators.boom must be a function, got number", msg, 1, true)
  end)

  it("give an rng that is dead after the call", function()
    local kept
    local ops = { keep = function(rng) kept = rng; return 1 end }
    assert(core.template_generate('{"a": "$keep"}', 1, 0, ops))
    assert.are.equal("asrun.rng", tostring(kept))
    assert.has_error(function() kept:integer(1, 2) end, "rng used outside the operator call it was given to")
    local doc, msg = core.template_generate('{"a": "$bad"}', 1, 0, { bad = function(rng) return rng:integer(5, 1) end })
    assert.is_nil(doc)
    assert.matches("bad argument #2 to 'integer' (max is below min)", msg, 1, true)
  end)

  it("include a Lua template's own functions", function()
    local t = { a = function(rng) return rng:integer(1, 3) end, b = gen.array{ of = function() return "k" end, number = 2 } }
    local d = gen.generate(t, 3, 0)
    assert.is_true(d.a >= 1 and d.a <= 3)
    assert.are.same({ "k", "k" }, { d.b[1], d.b[2] })
  end)
end)
