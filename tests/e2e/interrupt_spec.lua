-- End to end: Lua that never returns cannot hold a run. Every call into user code has an
-- instruction budget (exit 1, naming file:line), and SIGINT/SIGTERM interrupt a call that
-- keeps running after the signal (exit 130, a clean .partial), wherever it runs: a transform
-- on a worker, on_tick on the main thread (which blocks the event loop), the strategy's
-- top level before the loop exists.
local h = require("tests.e2e.helper")

-- ThreadSanitizer holds a thread's signals until it calls into libc, which a Lua loop never
-- does: under TSan the signal cases cannot run (the budget cases still do).
local with_signals = os.getenv("TSAN_OPTIONS") and pending or it

-- Runs the strategy at path to null: with no budget, sends SIGINT once its loop has printed
-- LOOPING, and asserts exit 130 within 2 s with `where` (e.g. "file.lua:3: interrupted") in
-- stderr; returns stderr.
local function interrupted_within_2s(path, where)
  local code, secs, _, stderr = h.run_signalled({path, "--target", "null:",
    "--instruction-budget", "0"}, "INT", "LOOPING")
  assert.are.equal(130, code, stderr)
  assert.is_true(secs < 2, "took " .. secs .. " s after the signal")
  assert.matches(where, stderr, 1, true)
  return stderr
end

local function strategy(name, body)
  return h.write(h.path(name), body)
end

local LOOP_AT_500 = [[
return {
  source = { kind = "template", template = '{"a": "$inc"}', total = 100000 },
  transform = function(doc)
    if doc.a == 500 then
      io.stderr:write("LOOPING\n") while true do end
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
    if doc.a == 3 then io.stderr:write("LOOPING\n") spin() end
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
      "--instruction-budget", "0"}, "INT", "LOOPING")
    assert.are.equal(130, code, stderr)
    assert.is_true(secs < 2, "took " .. secs .. " s after the signal")
  end)

  with_signals("stops at SIGINT within 2 s with exit 130, keeping the documents before it as .partial", function()
    local path = strategy("loop_sigint.lua", LOOP_AT_500)
    local out = h.path("loop_sigint.jsonl")
    h.remove(out, out .. ".partial")
    local code, secs, _, stderr = h.run_signalled({path, "--target", "file:" .. out,
      "--batch-size", "100", "--workers", "2", "--instruction-budget", "0"}, "INT", "LOOPING")
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
      "--summary-json", summary}, "INT", "LOOPING")
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
  on_tick = function(ctx) io.stderr:write("LOOPING\n") while true do end end,
}
]]

describe("other entry points that loop forever", function()
  with_signals("on_tick blocking the event loop stops at SIGINT within 2 s (exit 130)", function()
    interrupted_within_2s(strategy("loop_tick.lua", LOOP_TICK), "interrupted")
  end)

  it("on_tick over its budget fails the run (exit 1) instead of warning forever", function()
    local path = strategy("loop_tick.lua", LOOP_TICK)
    local code, _, stderr = h.run({path, "--target", "null:", "-q", "--instruction-budget", "100000"})
    assert.are.equal(1, code, stderr)
    assert.matches("on_tick failed: ", stderr, 1, true)
    assert.matches("/loop_tick.lua:4: instruction budget exceeded", stderr, 1, true)
  end)

  with_signals("the strategy's top level stops at SIGTERM (exit 130)", function()
    local path = strategy("loop_top.lua", "io.stderr:write('LOOPING\\n') while true do end\nreturn {}\n")
    local code, secs, _, stderr = h.run_signalled({path, "--instruction-budget", "0"}, "TERM", "LOOPING")
    assert.are.equal(130, code, stderr)
    assert.is_true(secs < 2, "took " .. secs .. " s after the signal")
  end)

  it("the strategy's top level ends by budget (exit 1)", function()
    local path = strategy("loop_top.lua", "io.stderr:write('LOOPING\\n') while true do end\nreturn {}\n")
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

-- Lua runs finalizers with hooks off: a looping __gc would hold the run past its budget and
-- every signal. TRAPS tries to install one wherever user code reaches a metatable (file
-- handles, asrun's arrays, documents, BSON values, fields, the rng of a custom operator) and
-- lets objects with it die; each attempt prints what it got, and the finalizer, were it ever
-- to run, prints FINALIZER RAN before it loops. Then the code loops where the test says.
local TRAPS = [[
local asrun = require("asrun")
local function trap() io.stderr:write("FINALIZER RAN\n") while true do end end
local function try(name, f)
  local ok, err = pcall(f)
  io.stderr:write("gc[" .. name .. "] " .. (ok and "ok" or tostring(err)) .. "\n")
end
local function traps(doc, rng)
  try("file", function() getmetatable(io.stdout).__gc = trap; io.open(SELF):close() end)
  try("rawset", function() rawset(getmetatable(io.stderr), "__gc", trap); io.open(SELF) end)
  try("array_mt", function() asrun.array_mt.__gc = trap; asrun.array({}) end)
  try("bson", function()
    for _, v in ipairs({asrun.objectid(), asrun.int64(1), asrun.date(0), asrun.null}) do
      getmetatable(v).__gc = trap
    end
    asrun.objectid(); asrun.int64(2); asrun.date(1)
  end)
  try("fields", function() getmetatable(asrun.fields{drop = {"x"}}).__gc = trap; asrun.fields{drop = {"y"}} end)
  if doc then try("doc", function() getmetatable(doc).__gc = trap end) end
  if rng then try("rng", function() getmetatable(rng).__gc = trap end) end
  try("handle_mt", function() setmetatable({}, getmetatable(io.stdout)) end)
  try("string", function() getmetatable("").__gc = trap; setmetatable({}, getmetatable("")) end)
  try("coroutine", function()
    coroutine.wrap(function() getmetatable(io.stdout).__gc = trap; io.open(SELF):close() end)()
  end)
  collectgarbage(); collectgarbage()
end
]]

local NO_GC = "__gc metamethods are not allowed in the asrun sandbox (a finalizer cannot be stopped)"

-- Each attempt got nothing (it wrote to a stand-in) or its message; no finalizer ran.
local function trapped(stderr, entry)
  assert.is_nil(stderr:find("FINALIZER RAN", 1, true), stderr)
  for _, name in ipairs({"file", "rawset", "array_mt", "bson", "fields"}) do
    assert.matches("gc[" .. name .. "] ok\n", stderr, 1, true)
  end
  if entry == "transform" then assert.matches("gc[doc] ok\n", stderr, 1, true) end
  if entry == "operator" then assert.matches("gc[rng] ok\n", stderr, 1, true) end
  assert.matches("gc%[handle_mt%] [^\n]*" .. NO_GC:gsub("%p", "%%%0"), stderr)
  assert.matches("gc%[string%] [^\n]*" .. NO_GC:gsub("%p", "%%%0"), stderr)
end

local function trap_strategy(name, entry)
  local path = h.path(name)
  local body = {
    top = [[traps() io.stderr:write("LOOPING\n") while true do end
return {}]],
    transform = [[return {
  source = { kind = "template", template = '{"a": "$inc"}', total = 100 },
  transform = function(doc)
    if doc.a == 5 then traps(doc) io.stderr:write("LOOPING\n") while true do end end
    return doc
  end,
}]],
    operator = [[return {
  source = { kind = "template", template = '{"v": "$spin"}', total = 10 },
  operators = { spin = function(rng, opts)
    traps(nil, rng) io.stderr:write("LOOPING\n") while true do end
  end },
}]],
    on_tick = [[return {
  source = { kind = "template", template = '{"a": "$inc"}', total = 100000000 },
  tick_interval = 0.05,
  on_tick = function(ctx) traps() io.stderr:write("LOOPING\n") while true do end end,
}]],
  }
  return strategy(name, string.format("local SELF = %q\n", path) .. TRAPS .. body[entry] .. "\n")
end

-- The line of the `while true do end` after `traps(` in a trap strategy.
local function loop_line(path)
  local n = 0
  for line in io.lines(path) do
    n = n + 1
    if line:find("traps(", 1, true) and line:find("while true do end", 1, true) then return n end
  end
end

describe("a looping __gc through a metatable that already exists", function()
  for _, entry in ipairs({"top", "transform", "operator", "on_tick"}) do
    it("cannot be installed from " .. entry .. ": the loop after it ends by budget (exit 1, file:line)", function()
      local path = trap_strategy("gc_" .. entry .. ".lua", entry)
      local code, _, stderr = h.run({path, "--target", "null:", "-q", "--instruction-budget", "1000"},
        {timeout = 60})
      assert.are.equal(1, code, stderr)
      assert.matches("/gc_" .. entry .. ".lua:" .. loop_line(path) .. ": instruction budget exceeded",
        stderr, 1, true)
      trapped(stderr, entry)
    end)
  end

  for _, entry in ipairs({"top", "transform", "on_tick"}) do
    with_signals("cannot be installed from " .. entry .. ": the loop after it stops at the first SIGINT (exit 130)", function()
      local path = trap_strategy("gc_sig_" .. entry .. ".lua", entry)
      local stderr = interrupted_within_2s(path, "/gc_sig_" .. entry .. ".lua:" .. loop_line(path)
        .. ": interrupted")
      assert.is_nil(stderr:find("aborting now", 1, true), stderr)
      trapped(stderr, entry)
    end)
  end
end)

-- Hooks are per coroutine: one made inside the call loops out of the main thread's hook.
local function coroutine_strategy(name, entry)
  local spin = 'coroutine.wrap(function() io.stderr:write("LOOPING\\n") while true do end end)()'
  local body = entry == "top" and (spin .. "\nreturn {}\n") or string.format([[
return {
  source = { kind = "template", template = '{"a": "$inc"}', total = 100000000 },
  tick_interval = 0.05,
  on_tick = function(ctx)
    %s
  end,
}
]], spin)
  return strategy(name, body)
end

describe("a loop in a coroutine made inside the call", function()
  for _, entry in ipairs({"top", "on_tick"}) do
    local line = entry == "top" and 1 or 5
    it("in " .. entry .. " ends by budget (exit 1, file:line)", function()
      local path = coroutine_strategy("co_" .. entry .. ".lua", entry)
      local code, _, stderr = h.run({path, "--target", "null:", "-q", "--instruction-budget", "1000"},
        {timeout = 60})
      assert.are.equal(1, code, stderr)
      assert.matches("/co_" .. entry .. ".lua:" .. line .. ": instruction budget exceeded", stderr, 1, true)
    end)

    with_signals("in " .. entry .. " stops at the first SIGINT within 2 s (exit 130)", function()
      interrupted_within_2s(coroutine_strategy("co_sig_" .. entry .. ".lua", entry),
        "/co_sig_" .. entry .. ".lua:" .. line .. ": interrupted")
    end)
  end
end)

-- A hook blocked in C (here opening a FIFO no one writes to) is out of reach of Lua's hooks:
-- the first signal cannot stop it, the second aborts the run from outside the loop.
describe("on_tick blocked in C", function()
  with_signals("ends at the second SIGINT with exit 130, aborting", function()
    local fifo = h.path("never_written.fifo")
    os.remove(fifo)
    assert.is_true(os.execute("mkfifo " .. h.q(fifo)))
    local out = h.path("blocked.jsonl")
    h.remove(out)
    local path = strategy("blocked_tick.lua", string.format([[
return {
  source = { kind = "template", template = '{"a": "$inc"}', total = 100000000 },
  tick_interval = 0.05,
  on_tick = function(ctx)
    io.stderr:write("BLOCKED\n")
    local f = io.open(%q)
    return f:read("a")
  end,
}
]], fifo))
    -- the second signal a moment after the first: two at once could arrive as one
    local code, secs, _, stderr = h.run_signalled({path, "--target", "file:" .. out,
      "--batch-size", "1000", "--instruction-budget", "0"}, "INT INT", {"BLOCKED", 0.3})
    os.remove(fifo)
    assert.are.equal(130, code, stderr)
    assert.is_true(secs < 2, "took " .. secs .. " s after the second signal")
    assert.matches("second interrupt: aborting now; partial output is left as .partial, cut back "
      .. "to the last whole batch", stderr, 1, true)
    assert.is_false(h.exists(out))
    -- whole batches, in order (the workers wrote on while the hook blocked: many lines, so
    -- the first and the last are decoded)
    local data = assert(h.slurp(out .. ".partial"))
    local n = select(2, data:gsub("\n", "\n"))
    assert.are.equal(0, n % 1000, n .. " lines")
    if n > 0 then
      assert.are.equal("\n", data:sub(-1))
      assert.are.equal(0, h.json.decode(data:match("^[^\n]*")).a)
      assert.are.equal(n - 1, h.json.decode(data:sub(-200):match("([^\n]*)\n$")).a)
    end
    h.remove(out)
  end)
end)
