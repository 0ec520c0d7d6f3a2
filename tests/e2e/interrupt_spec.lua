-- End to end: Lua that never returns cannot hold a run. Every call into user code has an
-- instruction budget (exit 1, naming file:line), and SIGINT/SIGTERM interrupt a call that
-- keeps running after the signal (exit 130, a clean .partial), wherever it runs: a transform
-- on a worker, on_tick on the main thread (which blocks the event loop), the strategy's
-- top level before the loop exists.
local h = require("tests.e2e.helper")

-- ThreadSanitizer holds a thread's signals until it calls into libc, which a Lua loop never
-- does: under TSan the signal cases cannot run (the budget cases still do).
local with_signals = os.getenv("TSAN_OPTIONS") and pending or it

local function strategy(name, body)
  return h.write(h.path(name), body)
end

local LOOP_AT_500 = [[
return {
  source = { kind = "template", template = '{"a": "$inc"}', total = 100000 },
  transform = function(doc)
    if doc.a == 500 then
      while true do end
    end
    return doc
  end,
}
]]

describe("a transform that loops forever", function()
  it("ends by its instruction budget with exit 1, naming the strategy file and line", function()
    local path = strategy("loop_transform.lua", LOOP_AT_500)
    local code, _, stderr = h.run({path, "--target", "null:", "-q"})
    assert.are.equal(1, code, stderr)
    assert.matches("transform failed on document 500: ", stderr, 1, true)
    assert.matches("/loop_transform.lua:5: instruction budget exceeded (100000000 instructions "
      .. "per call)", stderr, 1, true)
  end)

  it("takes a smaller budget from the strategy and a flag over both", function()
    local path = strategy("loop_budget.lua", LOOP_AT_500:gsub("^return {", "return {\n  instruction_budget = 5000,"))
    local code, _, stderr = h.run({path, "--target", "null:", "-q"})
    assert.are.equal(1, code, stderr)
    assert.matches("/loop_budget.lua:6: instruction budget exceeded (5000 instructions per call)",
      stderr, 1, true)
    code, _, stderr = h.run({path, "--target", "null:", "-q", "--instruction-budget", "20000"})
    assert.are.equal(1, code, stderr)
    assert.matches("(20000 instructions per call)", stderr, 1, true)
  end)

  it("cannot hide from the budget behind pcall", function()
    local path = strategy("loop_pcall.lua", [[
return {
  source = { kind = "template", template = '{"a": "$inc"}', total = 10 },
  transform = function(doc)
    while true do pcall(function() while true do end end) end
  end,
}
]])
    local code, _, stderr = h.run({path, "--target", "null:", "-q", "--instruction-budget", "100000"})
    assert.are.equal(1, code, stderr)
    assert.matches("instruction budget exceeded", stderr, 1, true)
  end)

  it("cannot hide from the budget in a coroutine made before the call", function()
    local path = strategy("loop_coroutine.lua", [[
local spin = coroutine.wrap(function() while true do end end)
local spin2 = coroutine.create(function() while true do end end)
return {
  source = { kind = "template", template = '{"a": "$inc"}', total = 10 },
  transform = function(doc)
    if doc.a == 3 then spin() end
    if doc.a == 5 then coroutine.resume(spin2) end
    return doc
  end,
}
]])
    local code, _, stderr = h.run({path, "--target", "null:", "-q", "--instruction-budget", "100000"})
    assert.are.equal(1, code, stderr)
    assert.matches("/loop_coroutine.lua:1: instruction budget exceeded", stderr, 1, true)
  end)

  with_signals("cannot hide from SIGINT in a coroutine either", function()
    local code, secs, _, stderr = h.run_signalled({h.path("loop_coroutine.lua"), "--target", "null:",
      "--instruction-budget", "0"}, "INT", 1)
    assert.are.equal(130, code, stderr)
    assert.is_true(secs < 2, "took " .. secs .. " s after the signal")
  end)

  with_signals("stops at SIGINT within 2 s with exit 130, keeping the documents before it as .partial", function()
    local path = strategy("loop_sigint.lua", LOOP_AT_500)
    local out = h.path("loop_sigint.jsonl")
    h.remove(out, out .. ".partial")
    local code, secs, _, stderr = h.run_signalled({path, "--target", "file:" .. out,
      "--batch-size", "100", "--workers", "2", "--instruction-budget", "0"}, "INT", 1)
    assert.are.equal(130, code, stderr)
    assert.is_true(secs < 2, "took " .. secs .. " s after the signal")
    assert.matches("/loop_sigint.lua:5: interrupted", stderr, 1, true)
    assert.is_false(h.exists(out))
    local lines = h.lines(out .. ".partial")
    assert.are.equal(500, #lines) -- the batches before the looping one, in order
    for i, line in ipairs(lines) do assert.are.equal(i - 1, h.json.decode(line).a) end
    h.remove(out .. ".partial")
  end)

  with_signals("with more workers, reports the documents the .partial holds, not later batches", function()
    local path = h.path("loop_sigint.lua")
    local out, summary = h.path("loop_sigint4.jsonl"), h.path("loop_sigint4.json")
    h.remove(out, out .. ".partial", summary)
    local code, _, stdout, stderr = h.run_signalled({path, "--target", "file:" .. out,
      "--batch-size", "100", "--workers", "4", "--instruction-budget", "0",
      "--summary-json", summary}, "INT", 1)
    assert.are.equal(130, code, stderr)
    local lines = h.lines(out .. ".partial")
    assert.are.equal(500, #lines)
    assert.are.equal(500, h.json.decode(h.slurp(summary)).docs_written)
    assert.matches("Interrupted: 500 documents written to ", stdout, 1, true)
    h.remove(out .. ".partial", summary)
  end)
end)

local LOOP_TICK = [[
return {
  source = { kind = "template", template = '{"a": "$inc"}', total = 100000000 },
  tick_interval = 0.1,
  on_tick = function(ctx) while true do end end,
}
]]

describe("other entry points that loop forever", function()
  with_signals("on_tick blocking the event loop stops at SIGINT within 2 s (exit 130)", function()
    local path = strategy("loop_tick.lua", LOOP_TICK)
    local code, secs, _, stderr = h.run_signalled({path, "--target", "null:",
      "--instruction-budget", "0"}, "INT", 1)
    assert.are.equal(130, code, stderr)
    assert.is_true(secs < 2, "took " .. secs .. " s after the signal")
    assert.matches("interrupted", stderr, 1, true)
  end)

  it("on_tick over its budget fails the run (exit 1) instead of warning forever", function()
    local path = strategy("loop_tick.lua", LOOP_TICK)
    local code, _, stderr = h.run({path, "--target", "null:", "-q", "--instruction-budget", "100000"})
    assert.are.equal(1, code, stderr)
    assert.matches("on_tick failed: ", stderr, 1, true)
    assert.matches("/loop_tick.lua:4: instruction budget exceeded", stderr, 1, true)
  end)

  with_signals("the strategy's top level stops at SIGTERM (exit 130)", function()
    local path = strategy("loop_top.lua", "while true do end\nreturn {}\n")
    local code, secs, _, stderr = h.run_signalled({path, "--instruction-budget", "0"}, "TERM", 1)
    assert.are.equal(130, code, stderr)
    assert.is_true(secs < 2, "took " .. secs .. " s after the signal")
  end)

  it("the strategy's top level ends by budget (exit 1)", function()
    local path = strategy("loop_top.lua", "while true do end\nreturn {}\n")
    local code, _, stderr = h.run({path, "-q", "--instruction-budget", "100000"})
    assert.are.equal(1, code, stderr)
    assert.matches("/loop_top.lua:1: instruction budget exceeded", stderr, 1, true)
  end)

  it("refuses a __gc finalizer (Lua runs finalizers with hooks off: nothing could stop one)", function()
    local path = strategy("loop_gc.lua", [[
local keep = setmetatable({}, {__gc = function() while true do end end})
return {
  source = { kind = "template", template = '{"a": "$inc"}', total = 10 },
  transform = function(doc) return setmetatable(doc, {__index = {}}) end,
}
]])
    local code, _, stderr = h.run({path, "--target", "null:", "-q"})
    assert.are.equal(2, code, stderr)
    assert.matches("/loop_gc.lua:1: __gc metamethods are not allowed in the asrun sandbox", stderr, 1, true)
  end)

  it("a custom operator and on_finish end by budget (exit 1) naming file:line", function()
    local op = strategy("loop_op.lua", [[
return {
  source = { kind = "template", template = '{"v": "$spin"}', total = 10 },
  operators = {
    spin = function(rng, opts)
      while true do end
    end,
  },
}
]])
    local code, _, stderr = h.run({op, "--target", "null:", "-q", "--instruction-budget", "100000"})
    assert.are.equal(1, code, stderr)
    assert.matches("custom operator $spin: ", stderr, 1, true)
    assert.matches("/loop_op.lua:5: instruction budget exceeded", stderr, 1, true)
    local fin = strategy("loop_finish.lua", [[
return {
  source = { kind = "template", template = '{"a": "$inc"}', total = 10 },
  on_finish = function(summary)
    while true do end
  end,
}
]])
    code, _, stderr = h.run({fin, "--target", "null:", "-q", "--instruction-budget", "100000"})
    assert.are.equal(1, code, stderr)
    assert.matches("on_finish failed: ", stderr, 1, true)
    assert.matches("/loop_finish.lua:4: instruction budget exceeded", stderr, 1, true)
  end)
end)
