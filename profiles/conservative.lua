-- The conservative auto-scaling profile (product brief, "Auto-Scaling Profiles").
-- Selected with --profile conservative (or --auto-scaling-profile conservative, or scaling = "conservative" in a
-- strategy). The scaler reads these targets; AUTO_SCALING_* environment variables, the
-- strategy's scaling table and command-line flags override them, in that order.
return {
  name = "conservative",
  target_docs_per_second = 5000,
  target_cpu_usage = 60.0,      -- percent
  target_memory_usage = 70.0,   -- percent
  cooldown = 60,               -- seconds between applied changes
  scaling_speed = "slow",
}
