-- BSON <-> Lua conversion (host/lua/lconv.c, lbson_types.c) through asrun.bson.encode/decode.
-- Byte-level expectations use a tiny BSON builder and reader written here in plain Lua, so
-- the checks do not depend on the code under test.
-- With ASRUN_LCONV_DECODE=lazy (ctest lua.lconv_lazy) every spec runs on the lazy documents
-- transform(doc) gets (lconv_lazy.c) instead of eager tables.
local asrun = require("asrun")
local LAZY = os.getenv("ASRUN_LCONV_DECODE") == "lazy"
local encode = asrun.bson.encode
local function decode(s) return asrun.bson.decode(s, LAZY and "lazy" or "eager") end

local function unhex(h) return (h:gsub("..", function(x) return string.char(tonumber(x, 16)) end)) end
local function tohex(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end

local B = require("tests.lua.bson_bytes")
local doc, el, i32, i64, dbl, str, sub, arr = B.doc, B.el, B.i32, B.i64, B.dbl, B.str, B.sub, B.arr

-- reader: the top-level elements of a BSON string, in order
local SIZE = {
  [1] = 8, [7] = 12, [8] = 1, [9] = 8, [16] = 4, [17] = 8, [18] = 8, [19] = 16,
  [6] = 0, [10] = 0, [127] = 0, [255] = 0,
}
local function elements(s)
  local out, pos, len = {}, 5, string.unpack("<i4", s)
  assert(len == #s, "length header")
  while pos < len do
    local t = s:byte(pos)
    local key, vpos = string.unpack("z", s, pos + 1)
    local size = SIZE[t]
    if t == 2 or t == 13 or t == 14 then size = 4 + string.unpack("<i4", s, vpos)
    elseif t == 3 or t == 4 or t == 15 then size = string.unpack("<i4", s, vpos)
    elseif t == 5 then size = 5 + string.unpack("<i4", s, vpos)
    elseif t == 12 then size = 16 + string.unpack("<i4", s, vpos)
    elseif t == 11 then
      local _, p1 = string.unpack("z", s, vpos)
      local _, p2 = string.unpack("z", s, p1)
      size = p2 - vpos
    end
    out[#out + 1] = { key = key, type = t, value = s:sub(vpos, vpos + size - 1) }
    pos = vpos + size
  end
  return out
end
local function keys(s)
  local ks = {}
  for i, e in ipairs(elements(s)) do ks[i] = e.key end
  return ks
end
local function field(s, key)
  for _, e in ipairs(elements(s)) do if e.key == key then return e end end
end
local function types(s)
  local ts = {}
  for i, e in ipairs(elements(s)) do ts[i] = e.type end
  return ts
end
local function err_of(t)
  local ok, msg = pcall(encode, t)
  assert.is_false(ok)
  return msg
end

-- Every BSON type, built with libbson (bson_append_*); see tests/c/test_lconv.c for its twin.
local ALL_TYPES = "fe010000075f6964005f1d7a3e9b1e8b3a4c2d1e0f02737472000900000068c3a96c6c6f00770008740001086600000164626c0000000000000004400164696e74000000000000000840016e65677a00000000000000008001696e6600000000000000f07f10693332000000008012693634736d616c6c0007000000000000001269363462696700ffffffffffffff7f0a6e756c000964617465007be8665e6f010000096e65675f6461746500ff734a396ec7ffff13646563003ae20100000000000000000000004cb00562696e00100000000430313233343536373839616263646566056f6c6462696e0007000000020300000078797a0b7265005e61226200696d7800117473001100000000286beeff6d696e007f6d61780006756e646566000c646270000800000064622e636f6c6c005f1d7a3e9b1e8b3a4c2d1e0f0d636f6465001900000066756e6374696f6e2829207b2072657475726e20313b207d000f637773001a0000000600000078202b2031000c00000010780001000000000e73796d000800000073796d22626f6c0003737562001f000000107a00010000001061000200000004656d707479000500000000000461727200330000001030000100000012310002000000000000000a32000333000e000000026b000200000076000004340005000000000003656d707479646f6300050000000000"

describe("asrun.bson round trips", function()
  it("writes back a document with every BSON type byte for byte", function()
    local d = assert(decode(unhex(ALL_TYPES)))
    assert.are.equal(ALL_TYPES, tohex(encode(d)))
    -- and again, from the re-decoded table
    assert.are.equal(ALL_TYPES, tohex(encode(decode(encode(d)))))
  end)

  it("maps each BSON type to the documented Lua value", function()
    local d = decode(unhex(ALL_TYPES))
    assert.are.equal('ObjectId("5f1d7a3e9b1e8b3a4c2d1e0f")', tostring(d._id))
    assert.are.equal("5f1d7a3e9b1e8b3a4c2d1e0f", d._id:hex())
    assert.are.equal("h\u{e9}llo\0w", d.str)
    assert.are.equal(true, d.t)
    assert.are.equal(false, d.f)
    assert.are.equal("float", math.type(d.dbl)); assert.are.equal(2.5, d.dbl)
    assert.are.equal("float", math.type(d.dint)); assert.are.equal(3.0, d.dint)
    assert.are.equal(-math.huge, 1 / d.negz)
    assert.are.equal(math.huge, d.inf)
    assert.are.equal("integer", math.type(d.i32)); assert.are.equal(-2147483648, d.i32)
    assert.are.equal("integer", math.type(d.i64small)); assert.are.equal(7, d.i64small)
    assert.are.equal(math.maxinteger, d.i64big)
    assert.are.equal(asrun.null, d.nul)
    assert.are.equal(1577836800123, d.date:ms())
    assert.are.equal('ISODate("2020-01-01T00:00:00.123Z")', tostring(d.date))
    assert.are.equal("Date(-62198755200001)", tostring(d.neg_date))
    assert.are.equal('NumberDecimal("-1.23450E+11")', tostring(d.dec))
    assert.are.equal("-1.23450E+11", d.dec:value())
    assert.are.equal(4, d.bin:subtype())
    assert.are.equal("0123456789abcdef", d.bin:data())
    assert.are.equal('BinData(4, "MDEyMzQ1Njc4OWFiY2RlZg==")', tostring(d.bin))
    assert.are.equal(2, d.oldbin:subtype())
    assert.are.equal("xyz", d.oldbin:data())
    assert.are.equal('^a"b', d.re:pattern())
    assert.are.equal("imx", d.re:options())
    assert.are.equal('/^a"b/imx', tostring(d.re))
    assert.are.equal(4000000000, d.ts:t())
    assert.are.equal(17, d.ts:i())
    assert.are.equal("Timestamp(4000000000, 17)", tostring(d.ts))
    assert.are.equal(asrun.minkey, d.min)
    assert.are.equal(asrun.maxkey, d.max)
    assert.are.equal(asrun.undefined, d.undef)
    assert.are.equal('DBPointer("db.coll", ObjectId("5f1d7a3e9b1e8b3a4c2d1e0f"))', tostring(d.dbp))
    assert.are.equal("code", d.code:type())
    assert.are.equal("function() { return 1; }", d.code:value())
    assert.are.equal('Code("x + 1", { "x" : 1 })', tostring(d.cws))
    assert.are.equal(1, d.cws:scope().x)
    assert.are.equal('sym"bol', d.sym:value())
    assert.are.equal('Symbol("sym\\"bol")', tostring(d.sym))
    assert.are.same({ z = 1, a = 2, empty = {} }, d.sub)
    assert.is_true(asrun.is_array(d.sub.empty))
    assert.is_false(asrun.is_array(d.sub))
    assert.are.equal(5, #d.arr)
    assert.are.equal(1, d.arr[1]); assert.are.equal(2, d.arr[2])
    assert.are.equal(asrun.null, d.arr[3])
    assert.are.equal("v", d.arr[4].k)
    assert.is_true(asrun.is_array(d.arr[5]))
    assert.is_false(asrun.is_array(d.emptydoc))
    assert.is_nil(next(d.emptydoc))
  end)

  it("round-trips tables built with the constructors", function()
    local oid = asrun.objectid("0123456789abcdef01234567")
    local t = {
      _id = oid, d = asrun.date(-1), dec = asrun.decimal128("0.1"), bin = asrun.binary("\0\1\2", 128),
      re = asrun.regex("x+", "xsi"), ts = asrun.timestamp(1, 2), big = asrun.int64(1),
      mn = asrun.minkey, mx = asrun.maxkey, n = asrun.null, list = asrun.array({ 1.5, "two", true }),
    }
    local s = encode(t)
    local d = decode(s)
    assert.are.equal(oid, d._id)
    assert.are.equal(-1, d.d:ms())
    assert.are.equal('ISODate("1969-12-31T23:59:59.999Z")', tostring(d.d))
    assert.are.equal(asrun.decimal128("0.1"), d.dec)
    assert.are.equal("\0\1\2", d.bin:data()); assert.are.equal(128, d.bin:subtype())
    assert.are.equal("isx", d.re:options())
    assert.are.equal(asrun.timestamp(1, 2), d.ts)
    assert.are.equal(1, d.big)
    assert.are.equal(0x12, field(s, "big").type)
    assert.are.same({ 1.5, "two", true }, d.list)
    assert.are.equal(s, encode(d))
  end)

  it("keeps hand-made bytes that libbson would normalise", function()
    -- regex options out of order (bson_append_regex would sort them), a user binary subtype
    local s = doc(el(0x0b, "re", "a\0xi\0"), el(0x05, "b", string.pack("<i4", 2) .. "\x80\1\2"))
    assert.are.equal(tohex(s), tohex(encode(decode(s))))
    assert.are.equal("xi", decode(s).re:options())
  end)

  it("stores NaN and infinities as doubles", function()
    local s = encode({ nan = 0 / 0, inf = -math.huge })
    assert.are.same({ 0x01, 0x01 }, types(s))
    local d = decode(s)
    assert.is_true(d.nan ~= d.nan)
    assert.are.equal(-math.huge, d.inf)
  end)
end)

describe("key order", function()
  it("keeps the BSON order of a decoded document", function()
    local s = doc(i32("b", 1), i32("a", 2), i32("c", 3))
    assert.are.same({ "b", "a", "c" }, keys(encode(decode(s))))
    assert.are.equal(s, encode(decode(s)))
  end)

  it("keeps surviving keys in place and appends new ones sorted after removing and renaming", function()
    local d = decode(doc(str("_id", "x"), i32("b", 1), i32("a", 2), i32("c", 3)))
    d.a = nil        -- removed
    d.bb, d.b = d.b, nil -- renamed
    d.z = 26; d.m = 13 -- added
    assert.are.same({ "_id", "c", "bb", "m", "z" }, keys(encode(d)))
  end)

  it("puts _id first, whether decoded late, added, or in a plain table", function()
    local late = decode(doc(i32("b", 1), i32("_id", 2), i32("a", 3)))
    assert.are.same({ "_id", "b", "a" }, keys(encode(late)))
    local added = decode(doc(i32("b", 1), i32("a", 2)))
    added._id = asrun.objectid()
    assert.are.same({ "_id", "b", "a" }, keys(encode(added)))
    assert.are.same({ "_id", "B", "a", "z" }, keys(encode({ z = 1, _id = 2, a = 3, B = 4 })))
  end)

  it("sorts the keys of tables built in Lua bytewise", function()
    assert.are.same({ "A", "a", "aa", "b", "\u{e9}" }, keys(encode({ b = 1, aa = 1, a = 1, ["\u{e9}"] = 1, A = 1 })))
  end)

  it("keeps the order of nested documents and documents inside arrays", function()
    local inner = doc(i32("y", 1), i32("x", 2))
    local s = doc(sub("s", inner), arr("l", doc(sub("0", inner), sub("1", inner))))
    local d = decode(s)
    d.s.w = 0
    d.l[2].a = 0
    local out = encode(d)
    assert.are.same({ "y", "x", "w" }, keys(field(out, "s").value))
    local l = field(out, "l").value
    assert.are.same({ "y", "x" }, keys(field(l, "0").value))
    assert.are.same({ "y", "x", "a" }, keys(field(l, "1").value))
  end)

  it("keeps a key's place when its value changes type", function()
    local d = decode(doc(i32("a", 1), i32("b", 2), i32("c", 3)))
    d.b = { nested = true }
    assert.are.same({ "a", "b", "c" }, keys(encode(d)))
    assert.are.same({ 0x10, 0x03, 0x10 }, types(encode(d)))
  end)

  it("shares one order metatable between documents of the same shape", function()
    local a = decode(doc(i32("k", 1), str("v", "x")))
    local b = decode(doc(i32("k", 2), str("v", "y")))
    local c = decode(doc(i64("k", 2), str("v", "y")))
    assert.are.equal(getmetatable(a), getmetatable(b))
    assert.are_not.equal(getmetatable(a), getmetatable(c))
  end)

  it("stays correct past the shape cache's capacity", function()
    for i = 1, 1200 do
      local s = doc(i32("k" .. i, i), i32("a", 1), i64("z" .. i, i))
      assert.are.equal(s, encode(decode(s)))
    end
  end)

  it("refuses a key repeated in the BSON, which a table would keep only once", function()
    local d, err = decode(doc(i32("a", 1), str("b", "x"), i64("a", 2)))
    assert.is_nil(d)
    assert.matches("field 'a' appears more than once in a document", err, 1, true)
    -- nested too, and a document of the same shape again (the shape cache)
    local nested = doc(el(0x03, "sub", doc(i32("k", 1), i32("k", 2))))
    if LAZY then -- refused when read; untouched, the bytes go through whole
      assert.are.equal(nested, encode(decode(nested)))
      d = decode(nested)
      assert.has_error(function() return d.sub end, "field 'k' appears more than once in a document: a Lua table holds one value per key, so the transform would lose one of them (refused; without a transform the document is copied as it is)")
    else
      d, err = decode(nested)
      assert.is_nil(d)
      assert.matches("field 'k' appears more than once", err, 1, true)
    end
    d, err = decode(doc(i32("a", 1), str("b", "x"), i64("a", 2)))
    assert.is_nil(d)
    assert.matches("field 'a' appears more than once", err, 1, true)
  end)

  it("refuses to write a string or a key that is not UTF-8", function()
    local ok, err = pcall(encode, { s = "ok\255" })
    assert.is_false(ok)
    assert.matches("field s: string is not valid UTF-8", tostring(err), 1, true)
    ok, err = pcall(encode, { ["k\255"] = 1 })
    assert.is_false(ok)
    assert.matches("a field name is not valid UTF-8", tostring(err), 1, true)
    assert.is_true(pcall(encode, { s = "x\0y", t = "h\u{e9}" }))
  end)

  it("falls back to sorted order when the metatable is replaced", function()
    local d = decode(doc(i32("b", 1), i32("a", 2)))
    setmetatable(d, nil)
    assert.are.same({ "a", "b" }, keys(encode(d)))
  end)
end)

describe("integer width", function()
  it("keeps an int64 field int64 after arithmetic and for small values", function()
    local d = decode(doc(i64("n", 5), i32("m", 5)))
    d.n = d.n + 1
    d.m = d.m + 1
    local s = encode(d)
    assert.are.equal(tohex(doc(i64("n", 6), i32("m", 6))), tohex(s))
  end)

  it("widens an int32 field only when the value needs it", function()
    local d = decode(doc(i32("a", 2147483647), i32("b", -2147483648)))
    d.a = d.a + 1
    d.b = d.b - 0
    assert.are.same({ 0x12, 0x10 }, types(encode(d)))
  end)

  it("writes new integers as int32 when they fit, else int64, and floats as doubles", function()
    local s = encode({ a = 1, b = 2147483648, c = -2147483649, d = -2147483648, e = 2.0, f = asrun.int64(3) })
    assert.are.same({ 0x10, 0x12, 0x12, 0x10, 0x01, 0x12 }, types(s))
    assert.are.equal(3, decode(s).f)
  end)

  it("lets a float replace an int64 field", function()
    local d = decode(doc(i64("n", 5)))
    d.n = 5.5
    assert.are.same({ 0x01 }, types(encode(d)))
  end)

  it("keeps int64 array elements int64 by position", function()
    local d = decode(doc(arr("l", doc(i32("0", 1), i64("1", 2), i32("2", 3)))))
    d.l[4] = 4
    local l = field(encode(d), "l").value
    assert.are.same({ 0x10, 0x12, 0x10, 0x10 }, types(l))
    assert.is_true(asrun.is_array(d.l))
  end)

  it("does not carry int64 to a renamed field", function()
    local d = decode(doc(i64("n", 5)))
    d.m, d.n = d.n, nil
    assert.are.same({ 0x10 }, types(encode(d)))
  end)
end)

describe("arrays", function()
  it("keeps empty arrays arrays and empty tables documents", function()
    local d = decode(doc(arr("a", doc()), sub("d", doc())))
    assert.are.equal(tohex(doc(arr("a", doc()), sub("d", doc()))), tohex(encode(d)))
    assert.are.same({ 0x04, 0x03, 0x04 }, types(encode({ x = asrun.array(), y = {}, z = asrun.array({}) })))
  end)

  it("writes sequences as arrays with keys 0..n-1", function()
    local s = encode({ l = { 10, 20, { 30 } } })
    local l = field(s, "l")
    assert.are.equal(0x04, l.type)
    assert.are.same({ "0", "1", "2" }, keys(l.value))
    assert.are.equal(0x04, field(l.value, "2").type)
  end)

  it("keeps positions with asrun.null elements", function()
    local d = decode(encode({ l = { 1, asrun.null, 3 } }))
    assert.are.equal(3, #d.l)
    assert.are.equal(asrun.null, d.l[2])
  end)

  it("lets decoded arrays grow and shrink with the table library", function()
    local d = decode(doc(arr("l", doc(i32("0", 1), i32("1", 2)))))
    table.insert(d.l, 3)
    table.remove(d.l, 1)
    assert.are.same({ 2, 3 }, decode(encode(d)).l)
  end)

  it("holds arrays of documents", function()
    local t = { items = { { sku = "a", qty = 1 }, { sku = "b", qty = 2 } } }
    assert.are.same(t, decode(encode(t)))
  end)
end)

describe("errors for values BSON cannot hold", function()
  it("names the field path of a function", function()
    assert.are.equal("field items[2].price: cannot store a function in BSON",
      err_of({ items = { { price = 1 }, { price = print } } }))
  end)

  it("names threads, userdata and light userdata", function()
    assert.are.equal("field co: cannot store a thread in BSON", err_of({ co = coroutine.create(print) }))
    assert.are.equal("field f: cannot store a userdata (FILE*) in BSON", err_of({ f = io.stdout }))
  end)

  it("rejects tables mixing string and numeric keys", function()
    assert.are.equal("field m: table mixes string and numeric keys (numeric key 1)", err_of({ m = { 1, 2, x = 3 } }))
    assert.are.equal("document: table mixes string and numeric keys (numeric key 2)", err_of({ a = 1, [2] = 2 }))
  end)

  it("rejects numeric keys that are not a sequence 1..n", function()
    assert.are.equal("field h: numeric key 3 is outside the sequence 1..2", err_of({ h = { [1] = "a", [3] = "c" } }))
    assert.are.equal("field h: numeric key 0 is not an array index", err_of({ h = { [0] = "a" } }))
    assert.are.equal("field h: numeric key 1.5 is not an array index", err_of({ h = { [1.5] = "a" } }))
    assert.are.equal("field h: key of type boolean: keys must be strings (or 1..n for an array)",
      err_of({ h = { [true] = 1 } }))
  end)

  it("rejects string keys in arrays and numeric keys in decoded documents", function()
    assert.are.equal('field a: string key "x" in an array', err_of({ a = asrun.array({ 1, x = 2 }) }))
    local d = decode(doc(i32("a", 1)))
    d[1] = 2
    assert.are.equal("document: numeric key 1 in a document (keys must be strings)", err_of(d))
  end)

  it("rejects keys containing NUL", function()
    assert.are.equal('field a: key "b\\0c" contains a NUL byte', err_of({ a = { ["b\0c"] = 1 } }))
  end)

  it("rejects an array at the top level and a non-table", function()
    assert.are.equal("document: an array cannot be the top-level document", err_of({ 1, 2 }))
    assert.are.equal("document: an array cannot be the top-level document", err_of(asrun.array()))
    assert.has_error(function() encode("x") end)
  end)

  it("stops cycles at 100 levels of nesting and allows 100", function()
    local cyc = {}
    cyc.self = cyc
    assert.matches("^field self%.self%.self.*: nested deeper than 100 levels %(a table that contains itself%?%)$", err_of(cyc))
    local deep = {}
    local t = deep
    for _ = 1, 100 do t.x = {}; t = t.x end
    assert.are.equal("string", type(encode(deep)))
    t.x = {}
    assert.matches("nested deeper than 100 levels", err_of(deep))
  end)

  it("reports corrupt BSON as nil, message, EDATA", function()
    local good = doc(str("s", "abc"))
    local nul, msg, code = decode(good:sub(1, -2))
    assert.is_nil(nul)
    assert.are.equal("corrupt BSON: bad document length or terminator", msg)
    assert.are.equal("EDATA", code)
    -- string length pointing past the end of the document
    local bad = doc(el(0x02, "s", string.pack("<i4", 100) .. "abc\0"))
    assert.are.same({ nil, "corrupt BSON at byte 7", "EDATA" }, { decode(bad) })
    -- inner document truncated
    local inner = doc(el(0x03, "d", string.pack("<i4", 7) .. "\x10a\0"))
    assert.is_nil((decode(inner)))
  end)
end)

describe("asrun.null", function()
  it("stands for BSON null in documents and arrays", function()
    local d = decode(doc(el(0x0a, "n", "")))
    assert.are.equal(asrun.null, d.n)
    assert.are.equal("null", tostring(d.n))
    assert.are.equal("null", d.n:type())
    assert.are.equal(tohex(doc(el(0x0a, "n", ""))), tohex(encode(d)))
  end)

  it("differs from nil, which drops the field", function()
    assert.are.same({ "a" }, keys(encode({ a = asrun.null, b = nil })))
    assert.are.equal("userdata", type(asrun.null))
    assert.are_not.equal(nil, asrun.null)
  end)
end)
