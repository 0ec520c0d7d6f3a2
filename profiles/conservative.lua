-- The conservative auto-scaling profile (product brief, "Auto-Scaling Profiles"): slow, safe adjustments for stable production systems.
-- Selected with --profile conservative (or --auto-scaling-profile conservative, AUTO_SCALING_PROFILE=conservative, or
-- scaling = { profile = "conservative" } in a strategy). Every key is a scaling setting; layers
-- override it in this order: this file < AUTO_SCALING_* environment variables < the
-- strategy's scaling table < command-line flags (README, "Auto-scaling").
-- Thresholds: usage below *_scale_down_threshold leaves room to add workers; usage above
-- *_scale_up_threshold is too high and workers are removed (memory: at once).
return {
  name = "conservative",
  scaling_speed = "slow",
  -- targets (the brief's numbers)
  target_docs_per_second = 5000,
  target_cpu_usage = 60.0,          -- percent
  target_memory_usage = 70.0,       -- percent
  target_error_rate = 0.01,       -- 1% of documents
  -- thresholds (percent)
  cpu_scale_up_threshold = 70.0,
  cpu_scale_down_threshold = 40.0,
  memory_scale_up_threshold = 80.0,
  memory_scale_down_threshold = 55.0,
  -- limits: the brief's maxima (its Configuration section); the minima are low enough that
  -- a run's defaults (workers = CPU count, batch size 1000) start inside them and a policy
  -- can go below the start when the database prefers fewer writers (README, "Auto-scaling")
  min_workers = 1,
  max_workers = 30,
  min_batch_size = 100,
  max_batch_size = 75000,
  -- timing (seconds)
  check_interval = 15.0,
  cooldown = 60,               -- between applied changes
  -- how fast: the policies' usual step (the safety gate allows at most twice it per change),
  -- and how many checks in a row must agree before a change
  worker_step = 1,
  batch_step = 500,
  stability_intervals = 3,
  -- the gate's cap on one change: up to x1.5 (or /1.5) when that is more than two steps
  max_step_factor = 1.5,
  -- the RU governor (database targets): writes are paced under the account's request-unit
  -- budget, target_ru_per_second (0: learned from the first throttling), spending
  -- ru_budget_fraction of it; ru_governor = 0 turns it off
  target_ru_per_second = 0,
  ru_budget_fraction = 0.8,
  ru_governor = 1,
}
