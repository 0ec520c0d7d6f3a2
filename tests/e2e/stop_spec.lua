-- End to end: a run stopped part-way keeps a clean prefix. The file sink stages output in
-- 8 MB chunks for direct I/O; a stop (ctx.stop() here, SIGINT alike) must still leave a
-- PATH.partial that ends on a document boundary, holds exactly the documents reported, and
-- equals the first K documents of a complete run with the same seed and clock.
local h = require("tests.e2e.helper")

local TPL = h.root .. "/templates/service_order.json"
local NOW = "2026-01-01T00:00:00Z"

describe("a stopped file run", function()
  it("leaves a .partial that is an exact, line-complete prefix of the full output", function()
    -- well past one 8 MB chunk (service orders are ~860 bytes) before the stop lands
    local strategy = h.write(h.path("stop_strategy.lua"), string.format([[
return {
  name = "stop_test",
  source = { kind = "template", path = %q },
  total = 5000000,
  tick_interval = 0.05,
  on_tick = function(ctx)
    if ctx.docs_written >= 60000 then ctx.stop() end
  end,
}
]], TPL))
    local out = h.path("stopped.jsonl")
    local summary = h.path("stopped_summary.json")
    h.remove(out, summary)
    local code, stdout, stderr = h.run({strategy, "--target", "file:" .. out, "--now", NOW,
                                        "--seed", "1", "--workers", "2", "--summary-json", summary})
    assert.are.equal(130, code, stderr)
    assert.is_false(h.exists(out))
    local partial = assert(h.slurp(out .. ".partial"))
    assert.is_true(#partial > 8 * 1024 * 1024, "the stop came before the first chunk was full")
    assert.are.equal("\n", partial:sub(-1))
    local lines = select(2, partial:gsub("\n", "\n"))
    local s = require("dkjson").decode(assert(h.slurp(summary)))
    assert.are.equal("interrupted", s.status)
    assert.are.equal(lines, s.docs_written)

    -- the first K documents of the same seed and clock, written whole
    local full = h.path("prefix.jsonl")
    h.remove(full)
    code, stdout, stderr = h.run({"--source", TPL, "--total", tostring(lines), "--target",
                                  "file:" .. full, "--now", NOW, "--seed", "1", "--workers", "2"})
    assert.are.equal(0, code, stderr)
    assert.is_true(h.slurp(full) == partial, "the .partial differs from the first documents")
    h.remove(out, full, summary)
  end)
end)
