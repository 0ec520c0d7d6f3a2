-- The TCP proxy of the retry specs (tests/proxy/mongo_proxy.py), started in front of the test
-- server and stopped by its PID: start(upstream_uri, name, args) returns the proxy's
-- mongodb:// base URI and the path of its counters (JSON); stop_all() stops every proxy this
-- spec started (call it after each test).
local h = require("tests.e2e.helper")

local M = {}
local PROXY = h.root .. "/tests/proxy/mongo_proxy.py"
local pids = {}

local function sleep(s) os.execute("sleep " .. s) end

function M.read_json(path)
  local text = h.slurp(path)
  return text and h.json.decode(text)
end

function M.start(upstream_uri, name, args)
  local upstream = upstream_uri:match("^mongodb://([^/?]+)")
  local port_file, stats_file = h.path(name .. ".port"), h.path(name .. ".stats.json")
  os.remove(port_file)
  os.remove(stats_file)
  local cmd = string.format("python3 %s --upstream %s --port-file %s --stats-file %s "
    .. "--max-lifetime 300 %s >%s 2>&1 & echo $!", h.q(PROXY), h.q(upstream), h.q(port_file),
    h.q(stats_file), table.concat(args, " "), h.q(h.path(name .. ".log")))
  local p = assert(io.popen(cmd))
  local pid = tonumber(p:read("l"))
  p:close()
  assert(pid, "the proxy did not start")
  pids[#pids + 1] = pid
  for _ = 1, 100 do
    local port = h.slurp(port_file)
    if port and port:match("%d+") then
      return "mongodb://127.0.0.1:" .. port:match("%d+"), stats_file
    end
    sleep(0.1)
  end
  error("the proxy wrote no port within 10 s: " .. (h.slurp(h.path(name .. ".log")) or ""))
end

function M.stop_all()
  for _, pid in ipairs(pids) do
    os.execute("kill " .. pid .. " 2>/dev/null")
    for _ = 1, 50 do -- it exits within a fraction of a second; SIGKILL after 5 s
      if not os.execute("kill -0 " .. pid .. " 2>/dev/null") then break end
      sleep(0.1)
    end
    os.execute("kill -9 " .. pid .. " 2>/dev/null")
  end
  pids = {}
end

return M
