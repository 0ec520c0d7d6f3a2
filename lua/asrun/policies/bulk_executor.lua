-- The "bulk_executor" policy: a baseline, the congestion control of Azure Cosmos DB's bulk
-- mode as published. The bulk executor library "uses an AIMD-style congestion control
-- mechanism for each Azure Cosmos DB partition key range to efficiently handle rate limiting
-- and timeouts" (learn.microsoft.com/azure/cosmos-db/bulk-executor-overview); its successor,
-- the .NET SDK v3 bulk mode (since 3.8.0: devblogs.microsoft.com/cosmosdb/bulk-improvements-
-- net-sdk), publishes the algorithm in Microsoft.Azure.Cosmos/src/Batch/BatchAsyncStreamer.cs
-- (RunCongestionControlAsync; the JavaScript SDK's bulk/CongestionAlgorithm.ts carries the
-- same constants):
--   - a degree of concurrency (DoC) per partition, starting at 1, at most the configured
--     maximum; a wait time (window) starting at 1,000 ms;
--   - each time a window's worth of time has passed, over that window:
--       throttles seen   DoC -= min(5, floor(DoC / 2))   (congestionDecreaseFactor 5: a
--                        multiplicative cut by half, at most 5 at a time, never to 0)
--                        and the window grows by 1,000 ms, "so as to converge";
--       items processed and no throttle   DoC += 1 (congestionIncreaseFactor), up to the max.
--
-- Here the DoC is the worker count (the value in force, so a change the gate refused is not
-- counted), its limits min_workers..max_workers, and the window is counted in check
-- intervals: it starts at one interval and grows by `window_growth` intervals with every
-- throttled window (the library's 1,000 ms against its 1,000 ms start). Throttles and
-- documents written are summed over the window. The library has no batch size to tune here
-- (its batches are cut at 100 operations or 2 MB): the batch size is held. Nothing else is
-- read (CPU and memory are the safety gate's: docs/policies.md).
local stats = require("asrun.stats")

local bulk = { name = "bulk_executor", baseline = "Cosmos DB bulk executor congestion control" }

bulk.defaults = {
  decrease_max = 5,  -- congestionDecreaseFactor: the most a throttled window removes
  increase = 1,      -- congestionIncreaseFactor: added after a clean window
  window_growth = 1, -- check intervals the window grows by after a throttled one
}

local function throttled(s)
  return (s.throttles or 0) > 0 or (s.retry_after_ms or 0) > 0
end

function bulk.decide(s, history, state)
  state = state or {}
  local c, p = stats.config(state), stats.params(state, bulk.defaults)
  local doc = s.workers or 0

  -- The window so far (the library's partitionMetric minus oldPartitionMetric).
  state.window = state.window or 1
  state.elapsed = (state.elapsed or 0) + 1
  state.throttles = (state.throttles or 0) + (throttled(s) and math.max(s.throttles or 0, 1) or 0)
  state.items = (state.items or 0) + (s.docs_per_second or 0) * (s.interval or 0)
  if state.elapsed < state.window then
    return stats.target_decision(s, c, doc, nil, 0.5,
      string.format("Congestion window: %d of %d intervals", state.elapsed, state.window))
  end
  local throttles, items = state.throttles, state.items
  state.elapsed, state.throttles, state.items = 0, 0, 0

  if throttles > 0 then
    local cut = math.min(p.decrease_max, math.floor(doc / 2))
    state.window = state.window + p.window_growth
    local d = stats.target_decision(s, c, doc - cut, nil, 0.7,
      string.format("Throttled by the database (16500/429): degree of concurrency %d - %d, "
                    .. "window now %d intervals", doc, cut, state.window))
    if d.action == "hold" and doc <= c.min_workers then -- (not a cut of 0: decrease_max 0)
      d.reason = string.format("Throttled by the database (16500/429); already at the minimum "
                               .. "workers (window now %d intervals)", state.window)
    end
    return d
  end
  if items > 0 then
    local d = stats.target_decision(s, c, doc + p.increase, nil, 0.6,
      string.format("Progress without throttling: degree of concurrency %d + %d", doc, p.increase))
    if d.action == "hold" and doc >= c.max_workers then -- (not an increase of 0)
      d.reason = "Progress without throttling; already at the maximum workers"
    end
    return d
  end
  return stats.target_decision(s, c, doc, nil, 0.5, "No documents written in the window")
end

return bulk
