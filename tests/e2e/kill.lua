-- Killing runs for the resume specs (kill_resume, dead_letter_resume*): SIGKILL at chosen
-- moments, then --resume.
local h = require("tests.e2e.helper")
local assert = require("luassert")
local M = {}

-- The wall clock, in seconds with a fraction.
function M.now() local p = io.popen("date +%s.%N"); local t = tonumber(p:read("a")); p:close(); return t end

-- Starts asrun and SIGKILLs it `after` seconds after its checkpoint `cp` first changed (so
-- the kill lands while it works, not while it connects; at most 5 s of waiting), unless it
-- ended first; returns its exit code (137: killed).
function M.run_killed(args, after, cp)
  local parts = {}
  for _, a in ipairs(args) do parts[#parts + 1] = h.q(a) end
  local sum = "cat " .. h.q(cp) .. " 2>/dev/null | cksum"
  local cmd = string.format("exec 2>/dev/null; before=$(%s); %s %s >/dev/null 2>&1 & pid=$!; i=0; "
    .. "while [ $i -lt 500 ] && kill -0 $pid 2>/dev/null && [ \"$(%s)\" = \"$before\" ]; do "
    .. "sleep 0.01; i=$((i+1)); done; sleep %.3f; kill -9 $pid 2>/dev/null; wait $pid; echo $?",
    sum, h.q(h.bin), table.concat(parts, " "), sum, after)
  local p = io.popen(cmd)
  local code = tonumber(p:read("a"))
  p:close()
  return code
end

-- Runs a migration with --resume, SIGKILLed `kills` times at random moments (each within a
-- quarter of `span` seconds of work, so the run is not through by the last kill), then lets a
-- last resume finish. fresh() clears what an attempt leaves and returns the arguments (without
-- --resume); an attempt in which a run finished before its kill starts over with fresh().
-- Returns the last run's exit code, stdout and stderr.
function M.killed_then_resumed(fresh, kills, span, cp)
  for _ = 1, 4 do
    local with_resume = {table.unpack(fresh())}
    with_resume[#with_resume + 1] = "--resume"
    local hit = 0
    for _ = 1, kills do
      local code = M.run_killed(with_resume, math.random() * span * 0.25, cp)
      if code ~= 137 then assert.are.equal(0, code) break end
      hit = hit + 1
    end
    if hit == kills and h.exists(cp) then return h.run(with_resume) end
  end
  error("no attempt was killed " .. kills .. " times before it finished")
end

-- Wall-clock seconds of one run, which must succeed.
function M.timed(args)
  local t0 = M.now()
  local code, _, err = h.run(args)
  assert.are.equal(0, code, err)
  return M.now() - t0
end

return M
