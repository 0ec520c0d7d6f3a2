-- End to end: what a transform's document is (README "Documents in Lua"), through a real run:
-- field order after nested edits, nil removal, sub-documents the transform does not touch
-- written back byte for byte, and a document kept past its call. These pin the behaviour any
-- faster conversion of documents (issue 12: a lazy document) must keep.
local h = require("tests.e2e.helper")

local B = require("tests.lua.bson_bytes") -- the input bytes exactly known
local doc, i32, i64, dbl, str, sub, arr, bin = B.doc, B.i32, B.i64, B.dbl, B.str, B.sub, B.arr, B.bin

-- The raw value bytes of the embedded document or array under key at the top of BSON s.
local function raw_container(s, key)
  local pos = 5
  while pos < #s do
    local t = s:byte(pos)
    local k, vpos = string.unpack("z", s, pos + 1)
    assert(t == 0x03 or t == 0x04 or t == 0x10 or t == 0x12 or t == 0x01 or t == 0x02,
           "raw_container: unexpected type " .. t)
    local size = (t == 0x03 or t == 0x04) and string.unpack("<i4", s, vpos)
      or t == 0x02 and 4 + string.unpack("<i4", s, vpos) or t == 0x10 and 4 or 8
    if k == key then return s:sub(vpos, vpos + size - 1) end
    pos = vpos + size
  end
end

local function strategy(name, source, target, transform)
  return h.write(h.path(name .. ".lua"), string.format([[
return {
  source = %q, target = %q, workers = 1, batch_size = 7,
  transform = %s,
}]], source, target, transform))
end

describe("a transform's document", function()
  it("keeps field order through nested edits, removals and additions", function()
    local src, out = h.path("tdoc_order.jsonl"), h.path("tdoc_order_out.jsonl")
    h.remove(out)
    h.write(src, '{"_id":1,"a":{"x":1,"y":2,"z":3},"b":[{"p":1,"q":2}],"c":"keep","d":4}\n')
    local s = strategy("tdoc_order", "jsonl:" .. src, "file:" .. out, [[function(doc)
    doc.a.y = nil            -- removed inside a sub-document
    doc.a.w = 9              -- added inside it: after the original keys
    doc.a.x = "one"          -- changed type, same place
    doc.b[1].q = 20          -- edited inside an array element
    doc.b[2] = { r = 1 }     -- an array grows
    doc.c = nil
    doc.new = true
    return doc
  end]])
    assert.are.equal(0, (h.run({ s, "-q" })))
    assert.are.same({ '{"_id":1,"a":{"x":"one","z":3,"w":9},"b":[{"p":1,"q":20},{"r":1}],"d":4,"new":true}' },
                    h.lines(out))
  end)

  it("writes sub-documents and arrays it does not touch back byte for byte", function()
    local src, out = h.path("tdoc_bytes.bson"), h.path("tdoc_bytes_out.bson")
    h.remove(out)
    local inner = doc(i64("small", 5), dbl("three", 3.0), i32("n", 7), bin("raw", "\0\1\2"),
                      arr("list", doc(i64("0", 1), i32("1", 2), str("2", "s"))))
    local input = {}
    for i = 1, 20 do
      input[i] = doc(i32("_id", i), sub("keep", inner), arr("tags", doc(str("0", "a"), i64("1", -1))),
                     i32("n", i))
    end
    h.write(src, table.concat(input))
    local s = strategy("tdoc_bytes", "bson:" .. src, "file:" .. out, [[function(doc)
    doc.n = doc.n * 10
    doc.seen = doc.keep.three + #doc.tags   -- read, not changed
    return doc
  end]])
    assert.are.equal(0, (h.run({ s, "-q" })))
    local data, pos, count = assert(h.slurp(out)), 1, 0
    while pos <= #data do
      local len = string.unpack("<i4", data, pos)
      local d = data:sub(pos, pos + len - 1)
      count = count + 1
      assert.are.equal(inner, raw_container(d, "keep"))
      assert.are.equal(doc(str("0", "a"), i64("1", -1)), raw_container(d, "tags"))
      pos = pos + len
    end
    assert.are.equal(20, count)
  end)

  it("stays a usable table when the transform keeps it past its call", function()
    local src, out = h.path("tdoc_kept.jsonl"), h.path("tdoc_kept_out.jsonl")
    h.remove(out)
    local lines = {}
    for i = 1, 30 do lines[i] = string.format('{"_id":%d,"n":%d,"sub":{"v":%d},"l":[%d]}', i, i, i, i) end
    h.write(src, table.concat(lines, "\n") .. "\n")
    -- Each call reads and edits the document of the call before (kept in an upvalue), and
    -- every tenth call returns that kept document again, edited, next to its own.
    local s = strategy("tdoc_kept", "jsonl:" .. src, "file:" .. out, [[(function()
    local prev
    return function(doc)
      local out = doc
      if prev then
        doc.prev_v = prev.sub.v + prev.l[1]
        prev.sub.v = -1
        prev.again = true
        if doc.n % 10 == 0 then out = { doc, prev } end
      end
      prev = doc
      return out
    end
  end)()]])
    assert.are.equal(0, (h.run({ s, "-q" })))
    local got = h.lines(out)
    assert.are.equal(33, #got)
    assert.are.equal('{"_id":1,"n":1,"sub":{"v":1},"l":[1]}', got[1])
    assert.are.equal('{"_id":2,"n":2,"sub":{"v":2},"l":[2],"prev_v":2}', got[2])
    -- call 10 returns document 10 and the kept document 9, edited after it was written once (added keys sorted)
    assert.are.equal('{"_id":10,"n":10,"sub":{"v":10},"l":[10],"prev_v":18}', got[10])
    assert.are.equal('{"_id":9,"n":9,"sub":{"v":-1},"l":[9],"again":true,"prev_v":16}', got[11])
  end)
end)
