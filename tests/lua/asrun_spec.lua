-- The public asrun module surface (lua/asrun/init.lua over host/lua/lasrun.c) and the typed
-- BSON values it constructs.
local asrun = require("asrun")

describe("the asrun module", function()
  it("loads from a plain lua5.4 with its C core", function()
    assert.are.equal("Lua 5.4", _VERSION)
    assert.are.equal(require("asrun.core"), asrun.core)
    assert.matches("^%d+%.%d+%.%d+$", asrun.version())
  end)

  it("exports the documented functions and values", function()
    for _, name in ipairs({ "objectid", "date", "decimal128", "binary", "regex", "timestamp", "int64",
      "array", "is_array", "version" }) do
      assert.are.equal("function", type(asrun[name]), name)
    end
    for _, name in ipairs({ "null", "minkey", "maxkey", "undefined" }) do
      assert.are.equal("userdata", type(asrun[name]), name)
    end
    assert.are.equal("function", type(asrun.bson.encode))
    assert.are.equal("function", type(asrun.bson.decode))
    assert.are.equal("table", type(asrun.array_mt))
  end)

  it("marks tables as arrays in place", function()
    local t = { 1, 2 }
    assert.are.equal(t, asrun.array(t))
    assert.are.equal(asrun.array_mt, getmetatable(t))
    assert.is_true(asrun.is_array(t))
    assert.is_true(asrun.is_array(asrun.array()))
    assert.is_false(asrun.is_array({}))
    assert.is_false(asrun.is_array("x"))
  end)
end)

describe("typed BSON values", function()
  it("objectid: parses hex, makes new ones, exposes hex and time", function()
    local a = asrun.objectid("5F1D7A3E9B1E8B3A4C2D1E0F")
    assert.are.equal("5f1d7a3e9b1e8b3a4c2d1e0f", a:hex())
    assert.are.equal(0x5f1d7a3e, a:time())
    assert.are.equal("objectid", a:type())
    assert.are.equal(a, asrun.objectid("5f1d7a3e9b1e8b3a4c2d1e0f"))
    local n1, n2 = asrun.objectid(), asrun.objectid()
    assert.are_not.equal(n1, n2)
    assert.is_true(n1 < n2)
    assert.is_true(math.abs(n1:time() - os.time()) < 5)
    assert.has_error(function() asrun.objectid("xyz") end,
      "bad argument #1 to 'objectid' (expected 24 hex digits)")
  end)

  it("date: milliseconds, ordering and ISO text", function()
    local d = asrun.date(86400000 + 1)
    assert.are.equal(86400001, d:ms())
    assert.are.equal(86400001, d:value())
    assert.are.equal('ISODate("1970-01-02T00:00:00.001Z")', tostring(d))
    assert.are.equal('ISODate("9999-12-31T23:59:59.999Z")', tostring(asrun.date(253402300799999)))
    assert.are.equal("Date(253402300800000)", tostring(asrun.date(253402300800000)))
    assert.is_true(asrun.date(1) < asrun.date(2))
    assert.is_true(asrun.date(2) <= asrun.date(2))
    assert.are.equal(asrun.date(5), asrun.date(5))
    assert.is_true(math.abs(asrun.date():ms() - os.time() * 1000) < 5000)
    assert.has_error(function() asrun.date(1.5) end)
    assert.has_error(function() return asrun.date(1) < asrun.objectid() end,
      "attempt to compare asrun.date with asrun.objectid")
  end)

  it("decimal128, binary, regex, timestamp and int64 check their arguments", function()
    assert.are.equal('NumberDecimal("1.10")', tostring(asrun.decimal128("1.10")))
    assert.has_error(function() asrun.decimal128("one") end,
      "bad argument #1 to 'decimal128' (not a decimal128 number)")
    assert.are.equal('BinData(0, "YWJj")', tostring(asrun.binary("abc")))
    assert.has_error(function() asrun.binary("abc", 256) end,
      "bad argument #2 to 'binary' (subtype must be 0..255)")
    assert.are.equal("/a/imsx", tostring(asrun.regex("a", "xsmi")))
    assert.has_error(function() asrun.regex("a", "q") end,
      "bad argument #2 to 'regex' (options must be among \"ilmsux\")")
    assert.are.equal("Timestamp(4294967295, 0)", tostring(asrun.timestamp(4294967295, 0)))
    assert.has_error(function() asrun.timestamp(-1, 0) end,
      "bad argument #1 to 'timestamp' (must be 0..2^32-1)")
    assert.is_true(asrun.timestamp(1, 9) < asrun.timestamp(2, 0))
    assert.are.equal("NumberLong(-3)", tostring(asrun.int64(-3)))
    assert.are.equal(-3, asrun.int64(-3):value())
  end)

  it("compares by type and value", function()
    assert.are_not.equal(asrun.int64(1), asrun.date(1))
    assert.are_not.equal(asrun.binary("a", 0), asrun.binary("a", 1))
    assert.are.equal(asrun.regex("a", "i"), asrun.regex("a", "i"))
    assert.are.equal("MinKey", tostring(asrun.minkey))
    assert.are.equal("MaxKey", tostring(asrun.maxkey))
    assert.are.equal("undefined", tostring(asrun.undefined))
  end)

  it("method errors name the expected type", function()
    assert.has_error(function() asrun.objectid().ms(asrun.objectid()) end)
    local ok, msg = pcall(asrun.date(0).ms, asrun.objectid())
    assert.is_false(ok)
    assert.matches("asrun.date expected, got asrun.objectid", msg, 1, true)
  end)
end)

describe("asrun.core as a Lua module", function()
  -- A state made here starts the call guard's watchdog thread (lua/guard.c), which runs the
  -- module's code; lua_close unloads C modules, so the module pins itself. Unpinned, about
  -- one exit in six crashed.
  it("survives the interpreter's exit while the guard's watchdog runs", function()
    local cmd = string.format("LUA_PATH=%q LUA_CPATH=%q lua5.4 -e %q", package.path, package.cpath,
      'require("asrun").profile()')
    for _ = 1, 30 do
      local ok, how, code = os.execute(cmd)
      assert.is_true(ok, how .. " " .. tostring(code))
    end
  end)
end)
