-- Example: change the worker count and batch size while the run goes on, from Lua.
-- on_tick(ctx) runs on the main thread every tick_interval seconds with the run's counters;
-- ctx.set_workers(n) and ctx.set_batch_size(n) resize the pipeline without losing or
-- repeating a document. (The auto-scaler makes such decisions itself; this shows the hooks.)
--
--   asrun strategies/steer_by_hand.lua --target null:
local best = { rate = 0, workers = 1 }

return {
  name = "steer_by_hand",
  source = { kind = "template", path = "../templates/service_order.json" },
  total = 3000000,
  workers = 1,
  batch_size = 1000,
  tick_interval = 1.0,

  on_tick = function(ctx)
    if ctx.docs_per_second > best.rate then
      best.rate, best.workers = ctx.docs_per_second, ctx.workers
      if ctx.workers < 4 then ctx.set_workers(ctx.workers + 1) end   -- still improving: add one
    elseif ctx.workers ~= best.workers then
      ctx.set_workers(best.workers)                                   -- went too far: step back
    end
  end,
}
