-- End to end: transform = asrun.fields{...} in a strategy: field operations in C (the plan says
-- no Lua runs), composed with an `after` function, per-document failures to the dead letters
-- with their source index, and spec errors refused at load (exit 2, file:line).
local h = require("tests.e2e.helper")

local function make_jsonl(path, n)
  local f = assert(io.open(path, "w"))
  for i = 0, n - 1 do
    local qty = (i % 1000 == 999) and '"lots"' or string.format('"%d"', i % 7)
    f:write(string.format('{"_id":%d,"orderNumber":"A%d","notes":"n%d","qty":%s,'
      .. '"customer":{"name":"user%d","age":%d},"items":[{"sku":"s%d"}]}\n',
      i, i, i, qty, i, i % 90, i))
  end
  f:close()
  return path
end

local function keys(doc)
  local t = {}
  for k in pairs(doc) do t[#t + 1] = k end
  table.sort(t)
  return table.concat(t, ",")
end

describe("asrun.fields", function()
  local src = h.path("fields_src.jsonl")
  setup(function() make_jsonl(src, 5000) end)

  it("rewrites documents in C: rename, drop, set, copy, convert, dotted paths", function()
    local out = h.path("fields_out.bson")
    h.remove(out, h.path("fields_out.dead.jsonl"))
    local strategy = h.write(h.path("fields_strategy.lua"), string.format([[
local asrun = require("asrun")
return {
  source = "jsonl:%s",
  target = "file:%s",
  workers = 2,
  batch_size = 300,
  transform = asrun.fields{
    rename = {orderNumber = "order_no", ["customer.name"] = "customer.fullName"},
    drop = {"notes", "customer.age"},
    set = {schemaVersion = 3, ["meta.source"] = "import"},
    copy = {_id = "legacy_id"},
    convert = {qty = "int64"},
  },
}]], src, out))
    local code, stdout, stderr = h.run({strategy, "--max-errors", "10"})
    assert.are.equal(0, code, stderr)
    assert.matches("asrun.fields: field operations in C, no Lua", stdout .. stderr, 1, true)
    assert.matches("Wrote 4,995 documents", stdout)
    local docs = h.bson_docs(out)
    assert.are.equal(4995, #docs)
    local d = docs[2] -- _id 1
    assert.are.equal(1, d._id)
    assert.are.equal("A1", d.order_no)
    assert.is_nil(d.orderNumber)
    assert.is_nil(d.notes)
    assert.are.equal(1, d.qty)
    assert.are.equal("user1", d.customer.fullName)
    assert.is_nil(d.customer.age)
    assert.are.equal(3, d.schemaVersion)
    assert.are.equal("import", d.meta.source)
    assert.are.equal(1, d.legacy_id)
    assert.are.equal("s1", d.items[1].sku)
    assert.are.equal("_id,customer,items,legacy_id,meta,order_no,qty,schemaVersion", keys(d))
    -- field order: in place, then the new fields in the order the spec names them
    local raw = h.slurp(out):sub(1, string.unpack("<i4", h.slurp(out)))
    local order = {}
    for k in raw:gmatch("[\1-\19]([%a_]+)%z") do order[#order + 1] = k end
    assert.are.equal("_id,order_no,qty,customer,fullName,items,sku,legacy_id,meta,source,schemaVersion",
      table.concat(order, ","))
    -- qty "lots" cannot be an int64: 5 documents dead-lettered with their source index
    local dead = h.lines(h.path("fields_out.dead.jsonl"))
    assert.are.equal(5, #dead)
    local first = h.json.decode(dead[1])
    assert.are.equal(999, first.index)
    assert.are.equal("transform", first.reason)
    assert.matches('convert qty to int64: "lots" is not a whole number', first.message, 1, true)
    assert.are.equal("A999", first.document.orderNumber) -- the input document
  end)

  it("runs an after function on what the operations made, indexes kept past failures", function()
    local out = h.path("fields_after.jsonl")
    h.remove(out, h.path("fields_after.dead.jsonl"))
    local strategy = h.write(h.path("fields_after.lua"), string.format([[
local asrun = require("asrun")
return {
  source = "jsonl:%s",
  target = "file:%s",
  batch_size = 2000,
  transform = asrun.fields{
    rename = {orderNumber = "order_no"},
    convert = {qty = "int32"},
    after = function(doc)
      if doc._id %% 10 == 0 then return nil end             -- dropped
      if doc._id == 1001 then error("after failed") end     -- dead-lettered
      if doc._id %% 10 == 1 then return {doc, {copy_of = doc._id}} end -- fanned out
      doc.double = doc.qty * 2
      return doc
    end,
  },
}]], src, out))
    local code, stdout, stderr = h.run({strategy, "--max-errors", "10"})
    assert.are.equal(0, code, stderr)
    assert.matches("asrun.fields (in C), then after(doc) in Lua", stdout .. stderr, 1, true)
    -- 5000 read: 5 fail the convert, 500 dropped, 1 raises; 499 fan out one more
    assert.matches("Balance: 5000 read + 499 fanned out = 4993 written + 6 dead-lettered + 500 "
      .. "dropped by transform + 0 duplicates: balanced", stdout, 1, true)
    local lines = h.lines(out)
    assert.are.equal(4993, #lines)
    local d1 = h.json.decode(lines[1]) -- _id 0 dropped; _id 1, then its fan-out
    assert.are.equal("A1", d1.order_no)
    assert.are.equal(1, d1.qty)
    assert.are.same({copy_of = 1}, h.json.decode(lines[2]))
    assert.are.equal(4, h.json.decode(lines[3]).double) -- _id 2: qty 2 as an int32
    local dead = {}
    for _, l in ipairs(h.lines(h.path("fields_after.dead.jsonl"))) do
      local e = h.json.decode(l)
      dead[e.index] = e
    end
    assert.matches("after failed", dead[1001].message)
    assert.are.equal("A1001", dead[1001].document.order_no) -- what after was given
    assert.matches("convert qty to int32", dead[999].message, 1, true)
  end)

  it("refuses a wrong spec when the strategy loads (exit 2, file and line)", function()
    local cases = {
      {"asrun.fields{ renmae = {a = 'b'} }", "asrun.fields: unknown key 'renmae'"},
      {"asrun.fields{ rename = {a = 1} }", "asrun.fields: rename.a must be a string, got number"},
      {"asrun.fields{ convert = {a = 'int8'} }", "convert.a: unknown type 'int8'"},
      {"asrun.fields{ drop = {'a'}, rename = {a = 'b'} }",
       "drop a and rename a -> b name the same field"},
      {"asrun.fields{ set = {a = 1, ['a.b'] = 2} }", "set a writes 'a', and set a.b writes"},
      {"asrun.fields{ drop = {'a..b'} }", "'a..b' is not a field path"},
      {"asrun.fields{ after = 3 }", "after must be a function, got number"},
      {"42", "field 'transform' must be a function or asrun.fields{...}, got number"},
    }
    for i, c in ipairs(cases) do
      local strategy = h.write(h.path("fields_bad" .. i .. ".lua"), string.format([[
local asrun = require("asrun")
return {
  source = "jsonl:%s",
  target = "null:",
  transform = %s,
}]], src, c[1]))
      local code, _, stderr = h.run({strategy})
      assert.are.equal(2, code, c[1])
      assert.matches(c[2], stderr, 1, true)
      if i < #cases then -- the message itself names the line
        assert.matches("error: [^\n]*fields_bad" .. i .. ".lua:5: asrun.fields", stderr)
      end
    end
  end)
end)

describe("the shipped asrun.fields example", function()
  it("migrates generated service orders", function()
    local src, out = h.path("fields_example_src.jsonl"), h.path("fields_example.bson")
    h.remove(src, out)
    local code = h.run({"--source", h.root .. "/templates/service_order.json", "--total", "3000",
      "--target", "file:" .. src, "-q"})
    assert.are.equal(0, code)
    local stdout, stderr
    code, stdout, stderr = h.run({h.root .. "/strategies/migrate_fields.lua", "--source",
      "jsonl:" .. src, "--target", "file:" .. out})
    assert.are.equal(0, code, stderr)
    local docs = h.bson_docs(out)
    assert.is_true(#docs > 2000 and #docs < 3000)
    assert.matches("Dropped by transform: " .. (3000 - #docs), stdout, 1, true)
    for _, d in ipairs(docs) do
      assert.is_nil(d.orderNumber)
      assert.is_number(d.order_no)
      assert.is_nil(d.notes)
      assert.are.equal(3, d.schemaVersion)
      assert.are.equal(d.tech_id, d.technicianId)
      assert.is_string(d.customer.customerId)
      assert.is_string(d.customer.area)
      assert.is_nil(d.customer.region)
      assert.are_not.equal("cancelled", d.status)
    end
  end)
end)
