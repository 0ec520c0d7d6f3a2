-- End to end: the progress a run shows. On a terminal (a tmux pane: a real pseudo-terminal),
-- one status line redrawn in place with the counts moving, a %, an ETA and a bar, kept below
-- the log lines (none torn, the status line never left in the scrollback), gone before the
-- summary; ASCII and no colour for NO_COLOR and a non-UTF-8 locale; rate and done without
-- % or ETA when the total is unknown (standard input); nothing with -q. Off a terminal, the
-- plain progress line; with --log-format json, every progress value as a field.
--
-- Timing: 2 workers x 500 documents a batch on sim:latency_ms=50 write at most 20,000 docs/s,
-- so N documents take at least N / 20,000 s. Nothing asserts an upper bound on a duration.
local h = require("tests.e2e.helper")

local TPL = h.root .. "/templates/service_order.json"
local SLOW = "sim:latency_ms=50,per_doc_us=0"
local SOCKET = "asrun-e2e-status-" .. tostring(os.time()) .. "-" .. tostring(math.random(1e6))

local function sleep(s) os.execute("sleep " .. s) end

-- tmux without the sanitizer runtime an ASan build preloads into lua5.4
local function tmux(args)
  local p = assert(io.popen("env -u LD_PRELOAD tmux -L " .. SOCKET .. " " .. args .. " 2>&1"))
  local out = p:read("a")
  p:close()
  return out
end

-- Runs the shell command line in a new 160x40 pane; returns a function that captures the
-- pane (history included; escapes too with `escapes`).
local function in_terminal(name, cmdline)
  tmux(string.format("new-session -d -x 160 -y 40 -s %s %s", name,
    h.q(cmdline .. "; echo EXIT=$?; sleep 120")))
  return function(escapes)
    return tmux(string.format("capture-pane -p -J %s-S -2000 -t %s", escapes and "-e " or "",
      name))
  end
end

local function wait_exit(capture)
  for _ = 1, 1200 do
    local text = capture()
    local code = text:match("EXIT=(%d+)")
    if code then return tonumber(code), text end
    sleep(0.1)
  end
  error("the run did not end: " .. capture())
end

local function base_args(total)
  return string.format("%s --source %s --total %d --target %s --workers 2 --batch-size 500",
    h.q(h.bin), h.q(TPL), total, SLOW)
end

local function lines_of(text)
  local t = {}
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do t[#t + 1] = line end
  return t
end

-- The status line among the pane's lines (the last non-empty line that has docs/s).
local function status_of(text)
  local found
  for _, line in ipairs(lines_of(text)) do
    if line:find("docs/s", 1, true) and not line:find("current:", 1, true) then found = line end
  end
  return found
end

local function done_of(line)
  local n = line and line:match("([%d,]+)/[%d,]+ docs") or line and line:match("([%d,]+) docs ")
  return n and tonumber((n:gsub(",", "")))
end

teardown(function() tmux("kill-server") end)

describe("on a terminal", function()
  it("redraws one status line with moving counts, a %, an ETA, and log lines kept whole", function()
    -- the auto-scaler (held at 2 x 500) logs a decision every second meanwhile
    local capture = in_terminal("utf8", "env LC_ALL=C.UTF-8 TERM=xterm " .. base_args(100000)
      .. " --auto-scaling --check-interval 1 --min-workers 2 --max-workers 2"
      .. " --min-batch-size 500 --max-batch-size 500 --no-checkpoint")
    sleep(1.5)
    local first = status_of(capture())
    sleep(1.5)
    local second_text = capture(true)
    local second = status_of(capture())
    assert.is_string(first, "no status line")
    assert.is_string(second, "no status line")
    assert.matches("^%[[█▏▎▍▌▋▊▉░]+%] +%d+%.%d%% [%d,]+/100,000 docs  [%d,]+ docs/s  ETA %d+:%d%d  "
      .. "workers 2  batch 500  CPU %d+%%  mem [%d.]+ [MG]B", second)
    assert.is_true(done_of(second) > done_of(first), first .. "\n" .. second)
    assert.matches("\27[32m", second_text, 1, true) -- the bar in colour
    local code, text = wait_exit(capture)
    assert.are.equal(0, code, text)
    -- every log line whole and at the start of its line, the status line erased for good
    local decisions = 0
    for _, line in ipairs(lines_of(text)) do
      assert.is_nil(line:find("ETA", 1, true), "a status line left behind: " .. line)
      local at = line:find("Auto-scaling decision", 1, true)
      if at then
        decisions = decisions + 1
        assert.matches("^[🔄🚀⚠️📉]+ Auto%-scaling decision: ", line)
      end
    end
    assert.is_true(decisions >= 2, text)
    assert.matches("\nWrote 100,000 documents to sim: in ", text, 1, true)
  end)

  it("keeps a transform's print on lines of its own", function()
    local strategy = h.write(h.path("status_print.lua"), [[
return {
  source = { kind = "template", template = '{"a": "$inc"}', total = 60000 },
  workers = 2, batch_size = 500,
  transform = function(doc)
    if doc.a % 5000 == 0 then print("printed", doc.a) end
    return doc
  end,
}
]])
    local capture = in_terminal("print", "env LC_ALL=C.UTF-8 TERM=xterm " .. h.q(h.bin) .. " "
      .. h.q(strategy) .. " --target " .. SLOW .. " --no-checkpoint")
    local code, text = wait_exit(capture)
    assert.are.equal(0, code, text)
    local printed = 0
    for _, line in ipairs(lines_of(text)) do
      if line:find("printed", 1, true) then
        printed = printed + 1
        assert.matches("^printed%s+%d+$", line) -- the pane shows the tab as spaces
      end
    end
    assert.are.equal(12, printed, text)
  end)

  it("draws an ASCII bar without colour for NO_COLOR and the C locale", function()
    local capture = in_terminal("ascii", "env LC_ALL=C NO_COLOR=1 TERM=xterm " .. base_args(40000)
      .. " --no-checkpoint")
    sleep(1)
    local line = status_of(capture())
    local raw = capture(true)
    assert.matches("^%[[#%-]+%] +%d+%.%d%% [%d,]+/40,000 docs  [%d,]+ docs/s  ETA ", line)
    assert.is_nil(raw:find("\27[32m", 1, true))
    local code, text = wait_exit(capture)
    assert.are.equal(0, code, text)
  end)

  it("shows rate and done, no % or ETA, for an unknown total (standard input)", function()
    local input = h.path("status_stdin.jsonl")
    local code, _, err = h.run({"--source", TPL, "--total", "40000", "--target", input,
      "--no-checkpoint", "-q"})
    assert.are.equal(0, code, err)
    local capture = in_terminal("stdin", "env LC_ALL=C.UTF-8 TERM=xterm " .. h.q(h.bin)
      .. " --source - --target " .. SLOW .. " --workers 2 --batch-size 500 < " .. h.q(input))
    sleep(1)
    local line = status_of(capture())
    assert.matches("^[%d,]+ docs  [%d,]+ docs/s  workers 2  batch 500  CPU ", line)
    assert.is_nil(line:find("%d+%.%d%%")) -- no "42.0%" (CPU 3% is there)
    assert.is_nil(line:find("[", 1, true)) -- no bar
    assert.is_nil(line:find("ETA", 1, true))
    local ecode, text = wait_exit(capture)
    assert.are.equal(0, ecode, text)
  end)

  it("shows nothing with -q", function()
    local capture = in_terminal("quiet", "env LC_ALL=C.UTF-8 TERM=xterm " .. base_args(20000)
      .. " --no-checkpoint -q")
    sleep(0.8)
    assert.is_nil(status_of(capture()))
    local code, text = wait_exit(capture)
    assert.are.equal(0, code, text)
    assert.is_nil(text:find("docs", 1, true))
  end)
end)

describe("off a terminal", function()
  it("prints the plain progress line and no escapes", function()
    local code, _, err = h.run({"--source", TPL, "--total", "130000", "--target", SLOW,
      "--workers", "2", "--batch-size", "500"})
    assert.are.equal(0, code, err)
    assert.matches("\nProgress: [%d,]+ documents %([%d,]+ docs/s%), workers 2, batch size 500, "
      .. "queue %d+/%d+\n", err)
    assert.is_nil(err:find("\27", 1, true))
  end)

  it("carries every progress value as a JSON field", function()
    local code, _, err = h.run({"--source", TPL, "--total", "130000", "--target", SLOW,
      "--workers", "2", "--batch-size", "500", "--log-format", "json",
      "--check-interval", "1"}) -- CPU and memory come from a check: one before the progress
    assert.are.equal(0, code, err)
    local progress
    for line in err:gmatch("[^\n]+") do
      local ev = h.json.decode(line)
      assert.is_table(ev, line)
      if ev.event == "run.progress" then progress = ev end
    end
    assert.is_table(progress, err)
    assert.matches("^Progress: ", progress.msg)
    assert.are.equal(130000, progress.total)
    assert.is_true(progress.done > 0 and progress.done < 130000)
    assert.is_true(progress.percent > 0 and progress.percent < 100)
    assert.is_true(progress.docs_per_second > 0 and progress.eta_s > 0)
    assert.are.equal(2, progress.workers)
    assert.are.equal(500, progress.batch_size)
    for _, k in ipairs({"cpu_percent", "rss_bytes", "memory_percent", "throttles"}) do
      assert.is_number(progress[k], k)
    end
  end)
end)
