-- A tiny BSON builder in plain Lua for the specs, so that the bytes they feed asrun and expect
-- back are known without the code under test: doc(el, el, ...), with elements such as
-- i32("k", 1), str("s", "x"), sub("d", doc(...)), arr("a", doc(...)), or el(type, key, bytes).
-- require("tests.lua.bson_bytes") from the project root.
local B = {}

function B.doc(...)
  local body = table.concat({ ... })
  return string.pack("<i4", #body + 5) .. body .. "\0"
end
function B.el(t, k, v) return string.char(t) .. k .. "\0" .. v end
function B.i32(k, n) return B.el(0x10, k, string.pack("<i4", n)) end
function B.i64(k, n) return B.el(0x12, k, string.pack("<i8", n)) end
function B.dbl(k, n) return B.el(0x01, k, string.pack("<d", n)) end
function B.str(k, s) return B.el(0x02, k, string.pack("<s4", s .. "\0")) end
function B.sub(k, d) return B.el(0x03, k, d) end
function B.arr(k, d) return B.el(0x04, k, d) end
function B.bin(k, s) return B.el(0x05, k, string.pack("<i4", #s) .. "\x80" .. s) end

return B
