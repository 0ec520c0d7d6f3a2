-- asrun.fields from Lua (lua/fields.c): the value a strategy's transform takes, callable on a
-- document table; spec errors raised at the caller's line.
local asrun = require("asrun")

describe("asrun.fields", function()
  it("applies the operations to a document table, then after", function()
    local f = asrun.fields{
      rename = {orderNumber = "order_no", ["c.name"] = "c.full"},
      drop = {"notes"},
      set = {v = 3, when = asrun.date(0), tags = asrun.array{"a"}},
      copy = {_id = "old_id"},
      convert = {qty = "int64", price = "decimal"},
    }
    assert.are.equal("asrun.fields(9 operations)", tostring(f))
    local d = f({_id = 7, orderNumber = "A", notes = "x", qty = "12", price = "1.50",
                 c = {name = "Ann"}})
    assert.are.equal("A", d.order_no)
    assert.is_nil(d.orderNumber)
    assert.is_nil(d.notes)
    assert.are.equal(12, d.qty)
    assert.are.equal("integer", math.type(d.qty))
    assert.are.equal('NumberDecimal("1.50")', tostring(d.price))
    assert.are.equal("Ann", d.c.full)
    assert.are.equal(3, d.v)
    assert.are.equal(0, d.when:ms())
    assert.is_true(asrun.is_array(d.tags))
    assert.are.equal(7, d.old_id)

    local g = asrun.fields{drop = {"x"}, after = function(doc) return nil, doc.y end}
    assert.are.equal("asrun.fields(1 operations, then after)", tostring(g))
    local a, b = g({x = 1, y = 2})
    assert.is_nil(a)
    assert.are.equal(2, b)
  end)

  it("raises on a document it cannot rewrite", function()
    local f = asrun.fields{convert = {qty = "int32"}, rename = {a = "b"}}
    assert.has_error(function() f({qty = "many"}) end,
      'asrun.fields: convert qty to int32: "many" is not a whole number')
    assert.has_error(function() f({a = 1, b = 2}) end,
      "asrun.fields: rename a -> b: the document has a field 'b' already")
  end)

  it("refuses a wrong spec where it is written", function()
    local function err(spec)
      local ok, msg = pcall(function() return asrun.fields(spec) end)
      assert.is_false(ok)
      return msg
    end
    assert.matches("fields_spec.lua:%d+: asrun.fields: unknown key 'rename_'", err{rename_ = {}})
    assert.matches("drop must be a list of field names", err{drop = {a = true}})
    assert.matches("drop%[1%] must be a field name, got number", err{drop = {1}})
    assert.matches("copy.a must be a string, got table", err{copy = {a = {}}})
    assert.matches("unknown type 'text'", err{convert = {a = "text"}})
    assert.matches("drop s and set s name the same field", err{drop = {"s"}, set = {s = 1}})
    assert.matches("asrun.fields: set: field x: cannot store a function", err{set = {x = print}})
  end)
end)
