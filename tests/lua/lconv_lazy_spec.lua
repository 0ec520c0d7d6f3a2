-- Lazy documents (host/lua/lconv_lazy.c), what transform(doc) gets: what they add to the
-- conversion specs (lconv_spec.lua, which ctest also runs on them: lua.lconv_lazy). A field
-- is decoded when first read; fields never touched are written back as their bytes.
local asrun = require("asrun")
local encode = asrun.bson.encode
local function decode(s) return asrun.bson.decode(s, "lazy") end

local B = require("tests.lua.bson_bytes")
local doc, el, i32, i64, dbl, str, sub, arr = B.doc, B.el, B.i32, B.i64, B.dbl, B.str, B.sub, B.arr

local function sorted_keys(t)
  local ks = {}
  for k in pairs(t) do ks[#ks + 1] = k end
  table.sort(ks)
  return ks
end

local ORDER = doc(str("_id", "o1"), i64("n", 7), sub("customer", doc(str("name", "Ada"), i32("age", 36))),
  arr("items", doc(sub("0", doc(i32("q", 2), dbl("p", 1.5))), sub("1", doc(i32("q", 1), dbl("p", 4.0))))),
  str("notes", "x"), dbl("whole", 3.0))

describe("lazy documents", function()
  it("write an untouched document back as its own bytes", function()
    assert.are.equal(ORDER, encode(decode(ORDER)))
  end)

  it("read like the eager table, nested documents and arrays included", function()
    local d = decode(ORDER)
    assert.are.equal("o1", d._id)
    assert.are.equal(7, d.n)
    assert.are.equal("Ada", d.customer.name)
    assert.are.equal(2, #d.items)
    local total = 0
    for _, item in ipairs(d.items) do total = total + item.q * item.p end
    assert.are.equal(7.0, total)
    assert.is_nil(d.missing)
    assert.is_nil(d[1])
    assert.is_true(asrun.is_array(d.items))
    assert.are.equal("table", type(d.customer))
  end)

  it("write only what changed: untouched fields and sub-documents keep their bytes", function()
    local d = decode(ORDER)
    d.notes = nil
    d.items[1].q = 5
    local want = doc(str("_id", "o1"), i64("n", 7), sub("customer", doc(str("name", "Ada"), i32("age", 36))),
      arr("items", doc(sub("0", doc(i32("q", 5), dbl("p", 1.5))), sub("1", doc(i32("q", 1), dbl("p", 4.0))))),
      dbl("whole", 3.0))
    assert.are.equal(want, encode(d))
  end)

  it("write an array or sub-document that was only read as its bytes, and a changed one anew", function()
    local s = doc(arr("a", doc(dbl("0", 3.0), i32("1", 1), str("2", "x"))), sub("s", doc(i32("k", 1))))
    local d = decode(s)
    local seen = {}
    for i, v in ipairs(d.a) do seen[i] = v end
    assert.are.equal(3.0, d.s.k + 2)
    assert.are.equal(s, encode(d))
    d.a[2] = 1.0 -- equal in Lua, but a double in BSON
    assert.are.equal(doc(arr("a", doc(dbl("0", 3.0), dbl("1", 1.0), str("2", "x"))), sub("s", doc(i32("k", 1)))), encode(d))
    local e = decode(s)
    table.insert(e.a, "y")
    assert.are.equal(doc(arr("a", doc(dbl("0", 3.0), i32("1", 1), str("2", "x"), str("3", "y"))), sub("s", doc(i32("k", 1)))), encode(e))
    local f = decode(s)
    f.s.k = 2
    assert.are.equal(doc(arr("a", doc(dbl("0", 3.0), i32("1", 1), str("2", "x"))), sub("s", doc(i32("k", 2)))), encode(f))
  end)

  it("keep an int64 field int64 when it is read and set again, as eager tables do", function()
    local d = decode(ORDER)
    d.n = d.n + 1
    d.m = 1
    assert.are.equal(doc(str("_id", "o1"), i64("n", 8),
      sub("customer", doc(str("name", "Ada"), i32("age", 36))),
      arr("items", doc(sub("0", doc(i32("q", 2), dbl("p", 1.5))), sub("1", doc(i32("q", 1), dbl("p", 4.0))))),
      str("notes", "x"), dbl("whole", 3.0), i32("m", 1)), encode(d))
  end)

  it("remove a field assigned nil before it was ever read, and read it as nil after", function()
    local d = decode(doc(i32("a", 1), i32("b", 2), i32("c", 3)))
    d.b = nil
    assert.is_nil(d.b)
    assert.are.equal(doc(i32("a", 1), i32("c", 3)), encode(d))
    local e = decode(doc(i32("a", 1), i32("b", 2)))
    assert.are.equal(2, e.b)
    e.b = nil -- read first, removed after
    assert.is_nil(e.b)
    assert.are.equal(doc(i32("a", 1)), encode(e))
  end)

  it("give pairs, next and rawget every field, with what was changed before", function()
    local d = decode(doc(i32("a", 1), i32("b", 2), i32("c", 3)))
    d.b = nil
    d.z = 26
    assert.is_not_nil(next(d))
    assert.are.equal(3, rawget(d, "c"))
    local seen = {}
    for k, v in pairs(d) do seen[k] = v end
    assert.are.same({ a = 1, c = 3, z = 26 }, seen)
    assert.are.equal(doc(i32("a", 1), i32("c", 3), i32("z", 26)), encode(d))
    local fresh = decode(doc(i32("only", 1)))
    assert.are.same({ "only", 1 }, { next(fresh) })
  end)

  it("keep a field set with rawset before it was read", function()
    local d = decode(doc(i32("a", 1), i32("b", 2)))
    rawset(d, "a", 10)
    assert.are.equal(doc(i32("a", 10), i32("b", 2)), encode(d))
    local e = decode(doc(i32("a", 1), i32("b", 2)))
    rawset(e, "a", 10)
    local seen = {}
    for k, v in pairs(e) do seen[k] = v end
    assert.are.same({ a = 10, b = 2 }, seen)
  end)

  it("keep every field through setmetatable, in the order of a table built in Lua", function()
    local d = decode(doc(i32("b", 1), i32("a", 2)))
    setmetatable(d, nil)
    assert.are.same({ "a", "b" }, sorted_keys(d))
    assert.are.equal(doc(i32("a", 2), i32("b", 1)), encode(d))
  end)

  it("move a sub-document whole when it is only assigned elsewhere", function()
    local d = decode(ORDER)
    d.buyer, d.customer = d.customer, nil
    local out = decode(encode(d))
    assert.are.equal("Ada", out.buyer.name)
    assert.are.equal(36, out.buyer.age)
    assert.is_nil(out.customer)
  end)

  it("fan out into documents that share an untouched sub-document", function()
    local d = decode(ORDER)
    local copy = { _id = "o1-copy", customer = d.customer }
    local a, b = encode(d), encode(copy)
    assert.are.equal(ORDER, a)
    assert.are.equal(doc(str("_id", "o1-copy"), sub("customer", doc(str("name", "Ada"), i32("age", 36)))), b)
  end)

  it("let arrays be edited as tables: insert, remove, sort, #", function()
    local d = decode(ORDER)
    table.insert(d.items, { q = 9, p = 0.5 })
    table.sort(d.items, function(x, y) return x.q < y.q end)
    assert.are.same({ 1, 2, 9 }, { d.items[1].q, d.items[2].q, d.items[3].q })
    table.remove(d.items, 1)
    local out = asrun.bson.decode(encode(d))
    assert.are.equal(2, #out.items)
    assert.are.equal(2, out.items[1].q)
  end)

  it("name the bad key when a non-string key is set on a document", function()
    local d = decode(doc(i32("a", 1)))
    d[true] = 1
    assert.has_error(function() encode(d) end, "document: key of type boolean in a document (keys must be strings)")
  end)

  it("stay readable and writable when kept after the bytes they came from are gone", function()
    local kept
    do
      local s = ORDER .. "" -- a string of its own, collected below
      kept = decode(s)
      s = nil
    end
    collectgarbage("collect")
    collectgarbage("collect")
    assert.are.equal("Ada", kept.customer.name)
    kept.extra = true
    assert.are.equal(true, decode(encode(kept)).extra)
  end)

  it("agree byte for byte with eager tables over random documents and edits", function()
    local rng = 12345
    local function rand(n) -- a small LCG: the same cases on every run
      rng = (rng * 1103515245 + 12345) % 2147483648
      return rng % n + 1
    end
    local KEYS = { "_id", "a", "b", "c", "n", "s", "z" }
    local make_doc
    local function value(key, depth)
      local r = rand(depth > 2 and 7 or 9)
      if r == 1 then return i32(key, rand(1000) - 500)
      elseif r == 2 then return i64(key, rand(1000) * 4294967296)
      elseif r == 3 then return dbl(key, rand(100) / 4)
      elseif r == 4 then return str(key, ("x"):rep(rand(50)))
      elseif r == 5 then return el(0x08, key, string.char(rand(2) - 1))
      elseif r == 6 then return el(0x0A, key, "")
      elseif r == 7 then return el(0x07, key, ("\1"):rep(12))
      elseif r == 8 then return sub(key, make_doc(depth + 1))
      else
        local items = {}
        for j = 1, rand(4) - 1 do items[j] = value(tostring(j - 1), depth + 1) end
        return arr(key, doc(table.unpack(items)))
      end
    end
    -- "_id" only at the top: eager tables move a nested one first, while a lazy document
    -- leaves a sub-document it never touched as its bytes (README, "Documents in Lua")
    make_doc = function(depth)
      local fields, used = {}, {}
      for _ = 1, rand(6) - 1 do
        local k = KEYS[depth == 0 and rand(#KEYS) or rand(#KEYS - 1) + 1]
        if not used[k] then used[k] = true; fields[#fields + 1] = value(k, depth) end
      end
      return doc(table.unpack(fields))
    end
    local function edit(d, depth) -- the same random edits, whatever d is
      for _ = 1, rand(4) - 1 do
        local k, r = KEYS[rand(#KEYS)], rand(7)
        local v = d[k]
        if r == 1 then d[k] = nil
        elseif r == 2 then d[k] = rand(100)
        elseif r == 3 then d[k] = { x = rand(9) }
        elseif r == 4 and type(v) == "table" and depth < 3 then
          if asrun.is_array(v) then
            if #v > 0 and type(v[1]) == "table" and not asrun.is_array(v[1]) then edit(v[1], depth + 1)
            else table.insert(v, "new") end
          else edit(v, depth + 1) end
        elseif r == 5 then local n = 0; for _ in pairs(d) do n = n + 1 end; d.count = n
        elseif r == 6 then d.copy = v end
      end
    end
    for case = 1, 2000 do
      local s = make_doc(0)
      local seed = rng
      local eager = asrun.bson.decode(s)
      edit(eager, 0)
      rng = seed
      local lazy = decode(s)
      edit(lazy, 0)
      local want, got = encode(eager), encode(lazy)
      if want ~= got then
        error(("case %d: lazy and eager differ for %q"):format(case, s))
      end
    end
  end)

  it("refuse corrupt bytes as eager decoding does", function()
    local inner = doc(el(0x03, "d", string.pack("<i4", 7) .. "\x10a\0"))
    local d, msg, code = decode(inner)
    assert.is_nil(d)
    assert.matches("corrupt BSON at byte", msg, 1, true)
    assert.are.equal("EDATA", code)
  end)
end)
