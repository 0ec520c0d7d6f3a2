-- End to end: what asrun keeps as it is (the refusals are in tests/bad): a NUL inside a string
-- value, through JSON lines and BSON, with and without a transform; a repeated key without a
-- transform; the refusal of a same-file naming leaves both files as they were.
local h = require("tests.e2e.helper")

local function run_ok(args)
  local code, stdout, stderr = h.run(args)
  assert.are.equal(0, code, "stderr: " .. stderr)
  return stdout, stderr
end

describe("data kept as it is", function()
  it("keeps a NUL inside a string value, JSON lines and BSON alike", function()
    local src = h.write(h.path("nul_in.jsonl"), '{"s":"x\\u0000y"}\n')
    local jl, bs = h.path("nul_out.jsonl"), h.path("nul_out.bson")
    run_ok({"--source", "jsonl:" .. src, "--target", "file:" .. jl, "-q"})
    assert.are.equal('{"s":"x\\u0000y"}\n', h.slurp(jl))
    run_ok({"--source", "jsonl:" .. src, "--target", "file:" .. bs, "-q"})
    assert.are.equal("x\0y", h.bson_docs(bs)[1].s)
    -- and through a transform, which writes one too
    local s = h.write(h.path("nul_tr.lua"), "return { source = 'jsonl:" .. src .. "', target = 'file:" ..
      jl .. "', transform = function(d) d.t = d.s .. '\\0z' return d end }\n")
    run_ok({s, "-q"})
    assert.are.equal('{"s":"x\\u0000y","t":"x\\u0000y\\u0000z"}\n', h.slurp(jl))
  end)

  it("copies a repeated key as it is when no transform runs", function()
    local src = h.write(h.path("dup_in.jsonl"), '{"a":1,"b":2,"a":3}\n')
    local out = h.path("dup_out.jsonl")
    run_ok({"--source", "jsonl:" .. src, "--target", "file:" .. out, "-q"})
    assert.are.equal('{"a":1,"b":2,"a":3}\n', h.slurp(out))
  end)

  it("leaves the output of an earlier run alone when --summary-json names it", function()
    local tpl = h.write(h.path("ds_t.json"), '{"i": "$inc"}')
    local out = h.path("ds_out.jsonl")
    run_ok({"--source", tpl, "--total", "3", "--target", "file:" .. out, "-q"})
    local before = h.slurp(out)
    local code, _, stderr = h.run({"--source", tpl, "--total", "5", "--target", "file:" .. out,
                                   "--summary-json", out})
    assert.are.equal(2, code)
    assert.matches("--summary-json " .. out .. " is the same file as the target " .. out, stderr, 1, true)
    assert.are.equal(before, h.slurp(out))
  end)
end)
