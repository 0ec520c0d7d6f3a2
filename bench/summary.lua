-- Reads an asrun --summary-json file for the auto-scaling benchmarks. Prints three lines:
--   "docs_per_second docs_written duration current_workers current_batch_size changes_applied decisions"
--   the applied changes ("12s scale_up -> 5x3000, ...")
--   the policy's actions and its last reason
-- Usage: lua5.4 bench/summary.lua FILE   (lua-dkjson, a setup package)
local f = assert(io.open(arg[1]))
local t = assert(require("dkjson").decode(f:read("a")), "not JSON: " .. arg[1])
local int = function(v) return math.tointeger(v) or v end
print(string.format("%.0f %d %.1f %d %d %d %d", t.avg_docs_per_second, int(t.docs_written),
  t.duration_s, int(t.current_workers), int(t.current_batch_size),
  int(t.scaling_changes_applied), int(t.scaling_decisions_count)))
local path = {}
for _, d in ipairs(t.decisions or {}) do
  if d.applied then
    path[#path + 1] = string.format("%.0fs %s -> %dx%d", d.t, d.action, int(d.workers_to), int(d.batch_size_to))
  end
end
print(#path > 0 and table.concat(path, ", ") or "(no change applied)")
local n, last = { scale_up = 0, scale_down = 0, hold = 0 }, nil
for _, d in ipairs(t.decisions or {}) do
  n[d.action] = (n[d.action] or 0) + 1
  last = d
end
print(string.format("scale_up %d, scale_down %d, hold %d; last: %s", n.scale_up, n.scale_down,
  n.hold, last and (last.action .. " - " .. last.reason) or "(no check ran)"))
