-- End to end: the Lua sandbox holds from every entry point (strategy top level, transform,
-- custom operator, on_start, on_tick, on_finish, the strategy's scaling.policy, a --policy
-- file, a --profile file, a scenario file for --target sim:FILE.lua and asrun lab). Each entry runs a probe of escape attempts under pcall and prints
-- what each got: every attempt fails with its message, the run goes on (exit 0), and the
-- marker file that a shell command would create never exists. Then each entry lets one
-- attempt raise: exit 2 while loading (configuration), 1 from a hook during the run (on_tick
-- warns and the run goes on, then ends with 1), the policy warns and goes on; never a crash. No server: sim: and null: targets.
local h = require("tests.e2e.helper")

local DIR = h.path("sandbox")
os.execute("rm -rf " .. h.q(DIR) .. " && mkdir -p " .. h.q(DIR))

local MARKER = DIR .. "/marker"         -- what `touch` would create
local WRITTEN = DIR .. "/written.txt"   -- what io.open(..., "w") would create
local LOOKUP = h.write(DIR .. "/lookup.txt", "lookup\n")
-- bytecode of a chunk that runs a shell command, dumped by this (unsandboxed) Lua; and
-- crafted bytecode, `return "abc"` with its LOADK far past the constants (the stock load
-- takes it and SIGSEGVs: asrun did, before the sandbox)
local EVIL = h.write(DIR .. "/evil.lua", string.dump(load("os.execute('touch " .. MARKER .. "') return {}")))
local CRAFTED = h.write(DIR .. "/crafted.lua", (function()
  local d = string.dump(function() return "abc" end, true)
  local i = assert(d:find("\3\0\0\0", 1, true))
  return d:sub(1, i) .. "\0\255\255" .. d:sub(i + 4)
end)())
-- the asrun Lua module next to the binary: a real .so that package.cpath could load
local CPATH = h.bin:gsub("[^/]*$", "") .. "lua/?.so"

local function file(name, text) return h.write(DIR .. "/" .. name, text) end

-- asrun run from DIR, so user files go by their short names (Lua cuts long chunk names);
-- killed (exit 124) if it hangs, as a looping finalizer would make it.
local function run(args) return h.run(args, {cwd = DIR, timeout = 120}) end

-- The probe: a local function each user file defines; probe(entry) runs once per entry and
-- prints "sandbox[entry] name: error MSG" or "... name: ok VALUE", one line each.
local PROBE = string.format([==[
local MARKER, WRITTEN, LOOKUP, EVIL, CRAFTED, CPATH = %q, %q, %q, %q, %q, %q
local function read(path) local f = assert(io.open(path, "rb")); local s = f:read("a"); f:close(); return s end
local ATTEMPTS = {
  {"os.execute", function() return require("os").execute("touch " .. MARKER) end},
  {"io.popen", function() return require("io").popen("touch " .. MARKER) end},
  {"package.loaded.os", function() return package.loaded.os.execute("touch " .. MARKER) end},
  {"package.loaded._G", function() return package.loaded._G.os.execute("touch " .. MARKER) end},
  {"_ENV.os", function() return _ENV.os.execute("touch " .. MARKER) end},
  {"load", function() return load("return os.execute")()("touch " .. MARKER) end},
  {"debug", function() return require("debug").getregistry() end},
  {"bytecode", function() return assert(load(read(EVIL)))() end},
  {"crafted", function() return assert(load(read(CRAFTED), "crafted", "b"))() end},
  {"dofile", function() return dofile(EVIL) end},
  {"cpath", function()
    local pre, mod = package.preload["asrun.core"], package.loaded["asrun.core"]
    package.preload["asrun.core"], package.loaded["asrun.core"], package.cpath = nil, nil, CPATH
    local ok, err = pcall(require, "asrun.core")
    package.preload["asrun.core"], package.loaded["asrun.core"] = pre, mod
    error(ok and "loaded" or err, 0)
  end},
  {"loadlib", function() return package.loadlib(CPATH, "luaopen_asrun_core") end},
  {"io.open", function() return assert(io.open(WRITTEN, "w")) end},
  {"io.output", function() return io.output(WRITTEN) end},
  {"string.dump", function() return string.dump(print) end},
  {"os.remove", function() return os.remove(LOOKUP) end},
  {"os.exit", function() return os.exit(0) end},
  -- a looping finalizer through a metatable that exists (Lua runs finalizers with hooks off)
  {"__gc", function()
    getmetatable(io.stdout).__gc = function() io.stderr:write("FINALIZER RAN\n") while true do end end
    io.open(LOOKUP):close(); collectgarbage(); collectgarbage()
    return "survived"
  end},
  {"setmetatable __gc", function() return setmetatable({}, {__gc = function() end}) end},
  {"read", function() return read(LOOKUP):sub(1, -2) end},
  {"os.time", function() return math.type(os.time()) end},
  {"asrun.stats", function() return type(require("asrun.stats").mean) end},
}
local probed = {}
local function probe(entry)
  if probed[entry] then return end
  probed[entry] = true
  for _, a in ipairs(ATTEMPTS) do
    local ok, res = pcall(a[2])
    io.stderr:write(string.format("sandbox[%%s] %%s: %%s %%s\n", entry, a[1], ok and "ok" or "error",
                                  tostring(res):gsub("\n%%s*", " ")))
  end
end
]==], MARKER, WRITTEN, LOOKUP, EVIL, CRAFTED, CPATH)

local NIL_CALL = "attempt to call a nil value (field '%s')"
local BINARY = "binary chunks are not allowed in the asrun sandbox (Lua text only)"
local WANT = {
  ["os.execute"] = "error .*" .. NIL_CALL:format("execute"),
  ["io.popen"] = "error .*" .. NIL_CALL:format("popen"),
  ["package.loaded.os"] = "error .*" .. NIL_CALL:format("execute"),
  ["package.loaded._G"] = "error .*" .. NIL_CALL:format("execute"),
  ["_ENV.os"] = "error .*" .. NIL_CALL:format("execute"),
  ["load"] = "error .*attempt to call a nil value",
  ["debug"] = "error module 'debug' is not available: the asrun sandbox removes the debug library",
  ["bytecode"] = "error .*" .. BINARY,
  ["crafted"] = "error .*" .. BINARY,
  ["dofile"] = "error " .. EVIL .. ": " .. BINARY,
  ["cpath"] = "error module 'asrun.core' not found: .*no C modules: the asrun sandbox does not search package.cpath",
  ["loadlib"] = "error .*" .. NIL_CALL:format("loadlib"),
  ["io.open"] = "error .*" .. WRITTEN .. ": writing files is not allowed in the asrun sandbox (mode 'w')",
  ["io.output"] = "error .*cannot open file '" .. WRITTEN .. "' (writing files is not allowed in the asrun sandbox)",
  ["string.dump"] = "error .*" .. NIL_CALL:format("dump"),
  ["os.remove"] = "error .*" .. NIL_CALL:format("remove"),
  ["os.exit"] = "error .*" .. NIL_CALL:format("exit"),
  ["__gc"] = "ok survived",
  ["setmetatable __gc"] = "error .*__gc metamethods are not allowed in the asrun sandbox (a finalizer cannot be stopped)",
  ["read"] = "ok lookup",
  ["os.time"] = "ok integer",
  ["asrun.stats"] = "ok function",
}

local function plain(s) return (s:gsub("[%(%)%.%%%+%-%*%?%[%]%^%$]", "%%%0"):gsub("%%%.%%%*", ".*")) end

-- Nothing escaped: no marker, no written file, the lookup file intact, no crash.
local function nothing_escaped(code, stderr)
  assert.is_not.equal(139, code, stderr)
  assert.is_not.equal(134, code, stderr)
  assert.is_nil(stderr:match("Segmentation") or stderr:match("AddressSanitizer"), stderr)
  assert.is_nil(stderr:find("FINALIZER RAN", 1, true), stderr)
  assert.is_false(h.exists(MARKER), "a shell command ran: " .. MARKER .. " exists")
  assert.is_false(h.exists(WRITTEN), WRITTEN .. " was written")
  assert.are.equal("lookup\n", h.slurp(LOOKUP))
end

-- Every attempt of the probe from `entry` got its message.
local function probed(entry, stderr)
  for name, want in pairs(WANT) do
    local line = stderr:match("sandbox%[" .. plain(entry) .. "%] " .. plain(name) .. ": ([^\n]*)")
    assert.is_not_nil(line, "no probe line for " .. entry .. " " .. name .. "; stderr was: " .. stderr)
    assert.is_truthy(line:find("^" .. plain(want)), entry .. " " .. name .. " got: " .. line)
  end
end

-- "NAME:LINE: " of the first line of the file DIR/NAME that holds needle.
local function at(name, needle)
  local n = 0
  for line in io.lines(DIR .. "/" .. name) do
    n = n + 1
    if line:find(needle, 1, true) then return name .. ":" .. n .. ": " end
  end
  error(needle .. " not in " .. name)
end

-- A strategy whose parts come from `parts` (code run at each entry point); one worker,
-- single-document batches against a 30 ms simulated database, so the run lasts ~0.25 s and
-- on_tick and the policy run several times.
local function strategy(name, parts)
  parts = parts or {}
  file(name .. ".lua", string.format([[
%s
%s
return {
  source = { kind = "template", template = '{"i": "$inc", "x": "$esc"}' },
  total = 8, workers = 1, batch_size = 1, target = "sim:latency_ms=30,per_doc_us=0",
  tick_interval = 0.05,
  operators = { esc = function(rng, opts)
%s
    return 1 end },
  transform = function(doc)
%s
    return doc end,
  on_start = function(ctx)
%s
  end,
  on_tick = function(ctx)
%s
  end,
  on_finish = function(summary)
%s
  end,
  scaling = { check_interval = 0.05, cooldown = 0.05, min_workers = 1, max_workers = 2,
              min_batch_size = 1, max_batch_size = 10,
              policy = { name = "probe", decide = function(s, history, state)
%s
                return { action = "hold" } end } },
}
]], PROBE, parts.top or "", parts.operator or "", parts.transform or "", parts.on_start or "",
    parts.on_tick or "", parts.on_finish or "", parts.policy or ""))
  return name .. ".lua"
end

-- A run with no strategy: the template from the flags, a --policy and/or --profile file.
local TPL = file("t.json", '{"i": "$inc"}')
local function flags_run(extra)
  local args = {"--source", "template:" .. TPL, "--total", "8", "--workers", "1", "--batch-size", "1",
                "--target", "sim:latency_ms=30,per_doc_us=0"}
  for _, a in ipairs(extra) do args[#args + 1] = a end
  return run(args)
end

local function profile_file(name, body)
  file(name .. ".lua", PROBE .. body .. [[
return { check_interval = 0.05, cooldown = 0.05, min_workers = 1, max_workers = 2,
         min_batch_size = 1, max_batch_size = 10 }
]])
  return name .. ".lua"
end

local function policy_file(name, top, decide)
  file(name .. ".lua", PROBE .. top .. [[
return { name = "probe", decide = function(s, history, state)
]] .. decide .. [[
  return { action = "hold" } end }
]])
  return name .. ".lua"
end

local QUIET_PROFILE = profile_file("quiet_profile", "")

-- A scenario file (a simulated database, for --target sim:FILE.lua and asrun lab) whose top
-- level runs `body` first.
local function scenario_file(name, body)
  file(name .. ".lua", PROBE .. body .. [[
return { name = "probe", description = "a probe", duration_s = 5, seed = 1, doc_bytes = 100,
         db = { latency_ms = 30, per_doc_us = 0 } }
]])
  return name .. ".lua"
end

describe("the sandbox, probed from each entry point", function()
  before_each(function() os.remove(MARKER); os.remove(WRITTEN) end)

  it("has a real native module for the cpath attempt to load", function()
    assert.is_true(h.exists((CPATH:gsub("%?", "asrun/core"))), CPATH)
  end)

  for _, entry in ipairs({"top", "operator", "transform", "on_start", "on_tick", "on_finish", "policy"}) do
    it("holds in the strategy's " .. entry, function()
      local code, stdout, stderr = run({strategy("probe_" .. entry, {[entry] = "probe('" .. entry .. "')"})})
      nothing_escaped(code, stderr)
      assert.are.equal(0, code, stderr)
      assert.matches("Wrote 8 documents", stdout, 1, true)
      probed(entry, stderr)
    end)
  end

  it("holds in a --policy file, at its top level and in decide", function()
    local p = policy_file("probe_policy", "probe('policy_file_top')\n", "probe('policy_file')\n")
    local code, stdout, stderr = flags_run({"--profile", QUIET_PROFILE, "--policy", p})
    nothing_escaped(code, stderr)
    assert.are.equal(0, code, stderr)
    assert.matches("Wrote 8 documents", stdout, 1, true)
    probed("policy_file_top", stderr)
    probed("policy_file", stderr)
  end)

  it("holds in a scenario file given to --target sim:FILE.lua", function()
    local sc = scenario_file("probe_scenario", "probe('scenario')\n")
    local code, stdout, stderr = run({"--source", "template:" .. TPL, "--total", "8", "--workers", "1",
      "--batch-size", "1", "--target", "sim:" .. sc})
    nothing_escaped(code, stderr)
    assert.are.equal(0, code, stderr)
    assert.matches("Wrote 8 documents", stdout, 1, true)
    probed("scenario", stderr)
  end)

  it("holds in a scenario file given to asrun lab --scenario", function()
    local sc = scenario_file("probe_lab", "probe('lab')\n")
    local code, stdout, stderr = run({"lab", "--scenario", sc, "--policy", "rules"})
    nothing_escaped(code, stderr)
    assert.are.equal(0, code, stderr)
    assert.matches("Scenario probe (5 s virtual)", stdout, 1, true)
    probed("lab", stderr)
  end)

  it("holds in a --profile file", function()
    local code, stdout, stderr = flags_run({"--profile", profile_file("probe_profile", "probe('profile')\n")})
    nothing_escaped(code, stderr)
    assert.are.equal(0, code, stderr)
    assert.matches("Wrote 8 documents", stdout, 1, true)
    probed("profile", stderr)
  end)
end)

describe("an escape attempt that raises", function()
  before_each(function() os.remove(MARKER); os.remove(WRITTEN) end)

  local function raises(args, want_code, want_msg)
    local code, _, stderr = run(args)
    nothing_escaped(code, stderr)
    assert.are.equal(want_code, code, "exit code; stderr was: " .. stderr)
    assert.matches(want_msg, stderr, 1, true)
    return stderr
  end

  local EXECUTE = "require('os').execute('touch ' .. MARKER)"

  it("at the strategy's top level: exit 2, with file and line", function()
    local s = strategy("raise_top", {top = EXECUTE})
    raises({s}, 2, at(s, EXECUTE) .. NIL_CALL:format("execute"))
  end)

  it("require('debug') at the top level: exit 2", function()
    raises({strategy("raise_debug", {top = "require('debug')"})}, 2,
      "module 'debug' is not available: the asrun sandbox removes the debug library")
  end)

  it("in a custom operator: exit 1", function()
    local code = "require('io').popen('touch ' .. MARKER)"
    local s = strategy("raise_op", {operator = code})
    raises({s}, 1, "custom operator $esc: " .. at(s, code) .. NIL_CALL:format("popen"))
  end)

  it("in transform: exit 1", function()
    local code = "package.loaded._G.os.execute('touch ' .. MARKER)"
    local s = strategy("raise_transform", {transform = code})
    raises({s}, 1, "transform failed on document 0: " .. at(s, code) .. NIL_CALL:format("execute"))
  end)

  it("in on_start: exit 1", function()
    raises({strategy("raise_start", {on_start = "dofile(EVIL)"})}, 1,
      "on_start failed: " .. EVIL .. ": " .. BINARY)
  end)

  it("in on_tick: a warning each tick, the run goes on and ends with exit 1", function()
    local code = "assert(io.open(WRITTEN, 'a'))"
    local s = strategy("raise_tick", {on_tick = code})
    local stderr = raises({s}, 1, "asrun: warn: on_tick failed: " .. at(s, code) .. WRITTEN
      .. ": writing files is not allowed in the asrun sandbox (mode 'a')")
    assert.matches("asrun: error: on_tick raised %d+ times? %(the first: on_tick failed: .-%); every "
      .. "document was written\n", stderr)
  end)

  it("in on_finish: exit 1", function()
    local code = "string.dump(tostring)"
    local s = strategy("raise_finish", {on_finish = code})
    raises({s}, 1, "on_finish failed: " .. at(s, code) .. NIL_CALL:format("dump"))
  end)

  it("in the strategy's policy: warnings, then the rules policy takes over", function()
    local code = "_ENV.os.exit(0)"
    local s = strategy("raise_policy", {policy = code})
    local stderr = raises({s}, 0, "asrun: warn: Auto-scaling policy (strategy's scaling.policy) failed ("
      .. at(s, code) .. NIL_CALL:format("exit"))
    assert.matches("the built-in rules policy takes over", stderr, 1, true)
  end)

  it("at a --policy file's top level: exit 2", function()
    local code = "load('return os.execute')()('touch ' .. MARKER)"
    local p = policy_file("raise_policy_file", code .. "\n", "")
    raises({"--source", TPL, "--total", "8", "--target", "null:", "--policy", p}, 2,
      at(p, code) .. "attempt to call a nil value")
  end)

  it("in a --profile file: exit 2", function()
    local p = profile_file("raise_profile", "require('debug')\n")
    raises({"--source", TPL, "--total", "8", "--target", "null:", "--profile", p}, 2,
      "module 'debug' is not available: the asrun sandbox removes the debug library")
  end)

  it("at a scenario file's top level, for --target sim:FILE.lua and asrun lab: exit 2", function()
    local code = "require('io').popen('touch ' .. MARKER)"
    local sc = scenario_file("raise_scenario", code .. "\n")
    raises({"--source", TPL, "--total", "8", "--target", "sim:" .. sc}, 2, at(sc, code) .. NIL_CALL:format("popen"))
    raises({"lab", "--scenario", sc, "--policy", "rules"}, 2, at(sc, code) .. NIL_CALL:format("popen"))
  end)

  it("as bytecode given for a strategy, policy or profile file: exit 2", function()
    raises({EVIL}, 2, EVIL .. ": " .. BINARY)
    raises({CRAFTED}, 2, CRAFTED .. ": " .. BINARY)
    raises({"--source", TPL, "--total", "8", "--target", "null:", "--policy", EVIL}, 2, EVIL .. ": " .. BINARY)
    raises({"--source", TPL, "--total", "8", "--target", "null:", "--profile", CRAFTED}, 2, CRAFTED .. ": " .. BINARY)
    raises({"--source", TPL, "--total", "8", "--target", "sim:" .. EVIL}, 2, EVIL .. ": " .. BINARY)
    raises({"lab", "--scenario", CRAFTED, "--policy", "rules"}, 2, CRAFTED .. ": " .. BINARY)
  end)
end)
