-- Example: generate service orders from an mgeneratejs-style template.
--
--   asrun strategies/generate_orders.lua --profile balanced
--
-- With no target here or on the command line, the documents go to out/generate_orders.jsonl
-- (relaxed Extended JSON v2, loadable with mongoimport). Try --target file:out/orders.bson or
-- --target null: (discard, for benchmarks), --total 1000000, --workers 4.
return {
  name = "generate_orders",

  -- KIND:PATH, or a table { kind = "template", path = "..." }. Relative paths are looked up
  -- from the current directory, then from this file's directory.
  source = { kind = "template", path = "../templates/service_order.json" },
  total = 100000,   -- documents to generate (--total overrides)
  seed = 1,         -- document i depends only on (seed, i): reruns give identical output

  workers = 2,      -- worker threads (--workers overrides)
  batch_size = 1000,

  scaling = { profile = "balanced" },

  on_start = function(ctx)
    print(string.format("generating %d service orders with %d workers", ctx.total, ctx.workers))
  end,
}
