-- End to end: --json-format relaxed|canonical for JSON lines targets (issue 13). Canonical
-- output must read back to the same BSON types and bytes, through asrun itself (jsonl source
-- -> .bson) and through the official `bson` npm package (pinned in tests/peers/); relaxed
-- output loses exactly what the README says it loses, and these tests check each claim.
local h = require("tests.e2e.helper")
local B = require("tests.lua.bson_bytes") -- the input bytes exactly known

local PEERS = h.root .. "/tests/peers"
-- Node must not inherit the sanitizer preload the ASan/UBSan e2e run sets for busted.
local NODE = "env -u LD_PRELOAD -u ASAN_OPTIONS node"

local T = {double = 0x01, string = 0x02, document = 0x03, array = 0x04, binary = 0x05,
           undefined = 0x06, objectid = 0x07, bool = 0x08, date = 0x09, null = 0x0A,
           regex = 0x0B, dbpointer = 0x0C, code = 0x0D, symbol = 0x0E, codewscope = 0x0F,
           int32 = 0x10, timestamp = 0x11, int64 = 0x12, decimal128 = 0x13, minkey = 0xFF,
           maxkey = 0x7F}

-- The top-level elements of one BSON document: {key, type, raw} in order (raw: the value's
-- bytes), and the position after it.
local function elements(data, pos)
  pos = pos or 1
  local len = string.unpack("<i4", data, pos)
  local stop, p, out = pos + len - 1, pos + 4, {}
  while p < stop do
    local t = data:byte(p)
    local nul = assert(data:find("\0", p + 1, true))
    local key, v = data:sub(p + 1, nul - 1), nul + 1
    local size
    if t == 0x01 or t == 0x09 or t == 0x11 or t == 0x12 then size = 8
    elseif t == 0x10 then size = 4
    elseif t == 0x07 then size = 12
    elseif t == 0x08 then size = 1
    elseif t == 0x13 then size = 16
    elseif t == 0x06 or t == 0x0A or t == 0xFF or t == 0x7F then size = 0
    elseif t == 0x02 or t == 0x0D or t == 0x0E then size = 4 + string.unpack("<i4", data, v)
    elseif t == 0x03 or t == 0x04 or t == 0x0F then size = string.unpack("<i4", data, v)
    elseif t == 0x05 then size = 5 + string.unpack("<i4", data, v)
    elseif t == 0x0C then size = 4 + string.unpack("<i4", data, v) + 12
    elseif t == 0x0B then
      local a = assert(data:find("\0", v, true))
      size = assert(data:find("\0", a + 1, true)) - v + 1
    else error(string.format("unexpected BSON type 0x%02x", t)) end
    out[#out + 1] = {key = key, type = t, raw = data:sub(v, v + size - 1)}
    p = v + size
  end
  return out, pos + len
end

local function all_docs(data)
  local docs, pos = {}, 1
  while pos <= #data do docs[#docs + 1], pos = elements(data, pos) end
  return docs
end

local function cstr(s) return s .. "\0" end
local function bstr(s) return string.pack("<s4", s .. "\0") end
local OID = "\x01\x23\x45\x67\x89\xab\xcd\xef\x01\x23\x45\x67"

-- One field of every BSON type, and the values where relaxed and canonical part: an int64
-- that fits in 32 bits, -0.0, an integral double, non-finite doubles, dates before 1970 and
-- after 9999 (within JavaScript's Date range).
local function every_type_doc()
  local scope = B.doc(B.i32("x", 1), B.i64("y", 2))
  local code = bstr("function(x) { return x; }")
  return B.doc(
    B.dbl("d", 1.5), B.dbl("dint", 2.0), B.dbl("dneg0", -0.0), B.dbl("dinf", math.huge),
    B.el(T.double, "dnan", string.pack("<I8", 0x7FF8000000000000)), -- the NaN Extended JSON has
    B.str("s", "caf\xc3\xa9 \"q\"\n"),
    B.sub("doc", B.doc(B.i32("a", 1), B.i64("b", 3), B.dbl("c", 4.0))), -- nested: the same rules
    B.arr("arr", B.doc(B.i32("0", 1), B.i64("1", 1), B.dbl("2", 1.0))),
    B.el(T.binary, "bin", string.pack("<i4", 3) .. "\0" .. "\1\2\3"),
    B.el(T.binary, "uuid", string.pack("<i4", 16) .. "\4" .. ("\x11"):rep(16)),
    B.el(T.undefined, "u", ""),
    B.el(T.objectid, "oid", OID),
    B.el(T.bool, "t", "\1"),
    B.el(T.date, "date", string.pack("<i8", 1700000000123)),
    B.el(T.date, "date_before_1970", string.pack("<i8", -86400000)),
    B.el(T.date, "date_after_9999", string.pack("<i8", 253402300800001)),
    B.el(T.null, "null", ""),
    B.el(T.regex, "re", cstr("^a.*b$") .. cstr("im")),
    B.el(T.dbpointer, "dbp", bstr("db.coll") .. OID),
    B.el(T.code, "code", code),
    B.el(T.symbol, "sym", bstr("sym")),
    B.el(T.codewscope, "cws", string.pack("<i4", 4 + #code + #scope) .. code .. scope),
    B.i32("i32", -2147483648),
    B.el(T.timestamp, "ts", string.pack("<I4I4", 7, 1700000000)),
    B.i64("i64small", 7),
    B.i64("i64", 5000000000),
    B.el(T.decimal128, "dec", string.pack("<i8i8", 15, 0x303E000000000000)), -- 1.5
    B.el(T.minkey, "min", ""),
    B.el(T.maxkey, "max", ""))
end

-- The dotted paths of the values whose type or bytes differ between two documents'
-- elements, sorted; documents, arrays and a code's $scope are compared inside (same keys in
-- the same order required).
local function changed(want, got, prefix, keys)
  keys = keys or {}
  assert.are.equal(#want, #got)
  for i, e in ipairs(want) do
    local g, path = got[i], (prefix or "") .. e.key
    assert.are.equal(e.key, g.key)
    if e.type == g.type and (e.type == T.document or e.type == T.array) then
      changed(elements(e.raw), elements(g.raw), path .. ".", keys)
    elseif e.type == g.type and e.type == T.codewscope then
      local function parts(raw)
        local code_len = string.unpack("<i4", raw, 5)
        return raw:sub(5, 8 + code_len), elements(raw, 9 + code_len)
      end
      local want_code, want_scope = parts(e.raw)
      local got_code, got_scope = parts(g.raw)
      if want_code ~= got_code then keys[#keys + 1] = path end
      changed(want_scope, got_scope, path .. ".$scope.", keys)
    elseif e.type ~= g.type or e.raw ~= g.raw then
      keys[#keys + 1] = path
    end
  end
  table.sort(keys)
  return keys
end

local function run_ok(args)
  local code, stdout, stderr = h.run(args)
  assert(code == 0, table.concat(args, " ") .. " exited " .. tostring(code) .. ":\n" ..
    tostring(stderr))
  return stdout, stderr
end

-- asrun: .bson -> .jsonl in the given format -> .bson again; returns the JSON lines text and
-- the BSON read back.
local function through_jsonl(src, name, format)
  local jsonl, back = h.path(name .. ".jsonl"), h.path(name .. "_back.bson")
  h.remove(jsonl, back)
  run_ok({"--source", "bson:" .. src, "--target", "file:" .. jsonl, "--json-format", format,
          "-q", "--no-checkpoint"})
  run_ok({"--source", "jsonl:" .. jsonl, "--target", "file:" .. back, "-q", "--no-checkpoint"})
  return h.slurp(jsonl), h.slurp(back)
end

-- The bson npm package's reading of a .jsonl (tests/peers/ejson_reread.mjs): per line
-- {classes = {field = class}, doc = elements of BSON.serialize(parsed)}.
local function node_reread(mode, jsonl)
  local out, err = os.tmpname(), os.tmpname()
  local ok = os.execute(string.format("%s %s %s %s > %s 2> %s", NODE,
    h.q(PEERS .. "/ejson_reread.mjs"), mode, h.q(jsonl), out, err))
  local text, errtext = h.slurp(out), h.slurp(err)
  os.remove(out); os.remove(err)
  assert(ok, "node ejson_reread.mjs failed:\n" .. tostring(errtext))
  local lines = {}
  for line in text:gmatch("[^\n]+") do
    local v = assert(h.json.decode(line))
    local bytes = v.bson:gsub("%x%x", function(x) return string.char(tonumber(x, 16)) end)
    lines[#lines + 1] = {classes = v.classes, doc = elements(bytes)}
  end
  return lines
end

describe("--json-format", function()
  it("canonical keeps int64 values that fit in 32 bits through a .jsonl and back; relaxed narrows them",
     function()
    local template = h.write(h.path("jf_template.json"),
      '{"n": {"$numberLong": {"min": 1, "max": 100}}, "i": {"$numberInt": {"min": 1, "max": 100}},'
      .. ' "big": {"$numberLong": {"min": 5000000000, "max": 6000000000}}}')
    local kinds = {}
    for _, format in ipairs({"canonical", "relaxed"}) do
      local jsonl, back = h.path("jf_" .. format .. ".jsonl"), h.path("jf_" .. format .. ".bson")
      h.remove(jsonl, back)
      run_ok({"--source", template, "--total", "200", "--seed", "7", "--target", "file:" .. jsonl,
              "--json-format", format, "-q", "--no-checkpoint"})
      run_ok({"--source", "jsonl:" .. jsonl, "--target", "file:" .. back, "-q", "--no-checkpoint"})
      local docs = all_docs(h.slurp(back))
      assert.are.equal(200, #docs)
      kinds[format] = {}
      for _, d in ipairs(docs) do
        for _, e in ipairs(d) do
          kinds[format][e.key] = kinds[format][e.key] or {}
          kinds[format][e.key][e.type] = true
        end
      end
      if format == "canonical" then
        for line in h.slurp(jsonl):gmatch("[^\n]+") do
          assert.matches('^{"n":{"%$numberLong":"%d+"},"i":{"%$numberInt":"%d+"},'
            .. '"big":{"%$numberLong":"%d+"}}$', line)
        end
      end
    end
    -- canonical: every value as it was generated, never a mix
    assert.are.same({[T.int64] = true}, kinds.canonical.n)
    assert.are.same({[T.int32] = true}, kinds.canonical.i)
    assert.are.same({[T.int64] = true}, kinds.canonical.big)
    -- relaxed: an int64 that fits in 32 bits is a bare number and comes back as int32
    assert.are.same({[T.int32] = true}, kinds.relaxed.n)
    assert.are.same({[T.int64] = true}, kinds.relaxed.big)
  end)

  it("canonical reads back every BSON type byte for byte through asrun; relaxed changes only "
     .. "an int64 that fits in 32 bits", function()
    local src = h.write(h.path("jf_every.bson"), every_type_doc())
    local want = elements(every_type_doc())
    assert.are.equal(29, #want)

    local text, back = through_jsonl(src, "jf_every_canonical", "canonical")
    assert.are.equal(every_type_doc(), back)
    for _, piece in ipairs({'"i32":{"$numberInt":"-2147483648"}', '"i64small":{"$numberLong":"7"}',
                            '"dint":{"$numberDouble":"2.0"}', '"dneg0":{"$numberDouble":"-0.0"}',
                            '"date":{"$date":{"$numberLong":"1700000000123"}}'}) do
      assert.truthy(text:find(piece, 1, true), piece .. " not in " .. text)
    end

    -- Extended JSON has one NaN: a sign or payload (Lua's 0/0 is -NaN) is not kept by either form
    local neg_nan = h.write(h.path("jf_negnan.bson"), B.doc(B.dbl("x", 0 / 0)))
    for _, format in ipairs({"canonical", "relaxed"}) do
      local _, nan_back = through_jsonl(neg_nan, "jf_negnan_" .. format, format)
      assert.are.equal(B.doc(B.el(T.double, "x", string.pack("<I8", 0x7FF8000000000000))), nan_back)
    end

    text, back = through_jsonl(src, "jf_every_relaxed", "relaxed")
    assert.are.same({"arr.1", "cws.$scope.y", "doc.b", "i64small"}, changed(want, (elements(back))))
    for _, piece in ipairs({'"i64small":7', '"dint":2.0', '"dneg0":-0.0',
                            '"date_before_1970":{"$date":{"$numberLong":"-86400000"}}',
                            '"date_after_9999":{"$date":{"$numberLong":"253402300800001"}}'}) do
      assert.truthy(text:find(piece, 1, true), piece .. " not in " .. text)
    end
  end)

  it("canonical lines keep every type through the official bson npm package", function()
    local pkg = h.slurp(PEERS .. "/node_modules/bson/package.json")
    assert(pkg, "no tests/peers/node_modules/bson: run scripts/setup.sh (or npm ci in tests/peers)")
    assert.are.equal("6.10.4", pkg:match('"version"%s*:%s*"([^"]+)"'))

    local src = h.write(h.path("jf_node.bson"), every_type_doc())
    local want = elements(every_type_doc())
    through_jsonl(src, "jf_node_canonical", "canonical")
    local read = node_reread("canonical", h.path("jf_node_canonical.jsonl"))
    assert.are.equal(1, #read)
    assert.are.same({
      d = "Double", dint = "Double", dneg0 = "Double", dinf = "Double", dnan = "Double",
      s = "string", doc = "object", arr = "array", bin = "Binary", uuid = "Binary",
      u = "null", oid = "ObjectId", t = "boolean", date = "Date", date_before_1970 = "Date",
      date_after_9999 = "Date", null = "null", re = "BSONRegExp", dbp = "DBRef", code = "Code",
      sym = "BSONSymbol", cws = "Code", i32 = "Int32", ts = "Timestamp", i64small = "Long",
      i64 = "Long", dec = "Decimal128", min = "MinKey", max = "MaxKey"}, read[1].classes)
    -- Serialized again, every value is the same bytes, nested ones included, except the two
    -- deprecated types JavaScript's bson has no class for: undefined becomes null and a
    -- DBPointer a DBRef document.
    assert.are.same({"dbp", "u"}, changed(want, read[1].doc))
    for _, e in ipairs(read[1].doc) do
      if e.key == "u" then assert.are.equal(T.null, e.type) end
      if e.key == "dbp" then assert.are.equal(T.document, e.type) end
    end

    -- What a JavaScript application gets from relaxed lines (EJSON.parse's default): plain
    -- numbers, so besides the int64 that fits in 32 bits, an integral double comes back as
    -- an int32 and an int64 beyond 32 bits as a double.
    through_jsonl(src, "jf_node_relaxed", "relaxed")
    local relaxed = node_reread("relaxed", h.path("jf_node_relaxed.jsonl"))
    assert.are.same({"arr.1", "arr.2", "cws.$scope.y", "dbp", "dint", "doc.b", "doc.c", "i64",
                     "i64small", "u"}, changed(want, relaxed[1].doc))
    local types = {}
    for _, e in ipairs(relaxed[1].doc) do types[e.key] = e.type end
    assert.are.equal(T.int32, types.dint)
    assert.are.equal(T.double, types.i64)
    assert.are.equal(T.int32, types.i64small)
  end)

  it("a strategy sets it with target.json_format, the flag wins, and a bad value is a usage error",
     function()
    local template = h.write(h.path("jf_s_template.json"), '{"n": {"$numberLong": {"min": 1, "max": 9}}}')
    local out = h.path("jf_strategy.jsonl")
    local function strategy(format)
      return h.write(h.path("jf_strategy.lua"), string.format([[
return {
  source = { path = %q, total = 3 },
  target = { uri = "file:%s", json_format = %q },
}]], template, out, format))
    end
    h.remove(out)
    run_ok({strategy("canonical"), "--no-checkpoint", "-q"})
    for line in h.slurp(out):gmatch("[^\n]+") do assert.matches('^{"n":{"%$numberLong":"%d"}}$', line) end

    h.remove(out)
    run_ok({strategy("canonical"), "--json-format", "relaxed", "--no-checkpoint", "-q"})
    for line in h.slurp(out):gmatch("[^\n]+") do assert.matches('^{"n":%d}$', line) end

    local stdout = run_ok({strategy("canonical"), "--dry-run"})
    assert.matches("JSON lines, canonical Extended JSON v2", stdout)

    local code, _, stderr = h.run({strategy("Canonical"), "--no-checkpoint"})
    assert.are.equal(2, code)
    assert.matches("jf_strategy.lua: target.json_format must be \"relaxed\" or \"canonical\", "
      .. "got 'Canonical'", stderr, 1, true)

    code, _, stderr = h.run({"--source", template, "--total", "1", "--target", "file:" .. out,
                             "--json-format", "extended"})
    assert.are.equal(2, code)
    assert.matches("--json-format: expected relaxed or canonical, got 'extended'", stderr, 1, true)

    code, _, stderr = h.run({"--source", template, "--total", "1", "--target", "file:" .. out,
                             "--json-format", "relaxed", "--jsonFormat", "canonical"})
    assert.are.equal(2, code)
    assert.matches("--json-format given twice ('relaxed' and 'canonical')", stderr, 1, true)
  end)

  it("--resume does not switch formats in the middle of a file", function()
    local template = h.write(h.path("jf_r_template.json"), '{"n": {"$numberLong": {"min": 1, "max": 9}}}')
    local out = h.path("jf_resume.jsonl")
    h.remove(out, out .. ".checkpoint.json")
    local args = {"--source", template, "--total", "50000000", "--now", "0", "--target",
                  "file:" .. out, "-q"}
    local code = h.run_signalled(args, "INT", 1)
    assert.are.equal(130, code)
    assert.truthy(h.exists(out .. ".checkpoint.json"))
    table.insert(args, "--resume")
    table.insert(args, "--json-format")
    table.insert(args, "canonical")
    local stderr
    code, _, stderr = h.run(args)
    assert.are.equal(2, code)
    assert.matches("the target differs: file:" .. out .. " mode 0 in the checkpoint, file:" .. out
      .. " mode 0 json canonical now", stderr, 1, true)
    h.remove(out, out .. ".checkpoint.json")
  end)

  it("mongoexport's --jsonFormat spelling works; a .bson target warns that it changes nothing",
     function()
    local template = h.write(h.path("jf_w_template.json"), '{"n": 1}')
    local jsonl, bson = h.path("jf_alias.jsonl"), h.path("jf_warn.bson")
    h.remove(jsonl, bson)
    run_ok({"--source", template, "--total", "1", "--target", "file:" .. jsonl,
            "--jsonFormat", "canonical", "-q", "--no-checkpoint"})
    assert.are.equal('{"n":{"$numberInt":"1"}}\n', h.slurp(jsonl))
    local _, stderr = run_ok({"--source", template, "--total", "1", "--target", "file:" .. bson,
                              "--json-format", "canonical", "--no-checkpoint"})
    assert.matches("--json-format canonical ignored: the target file:" .. bson
      .. " writes no JSON", stderr, 1, true)
    assert.are.equal(B.doc(B.i32("n", 1)), h.slurp(bson))
  end)
end)
