-- The balanced auto-scaling profile (product brief, "Auto-Scaling Profiles").
-- Selected with --profile balanced (or --auto-scaling-profile balanced, or scaling = "balanced" in a
-- strategy). The scaler reads these targets; AUTO_SCALING_* environment variables, the
-- strategy's scaling table and command-line flags override them, in that order.
return {
  name = "balanced",
  target_docs_per_second = 10000,
  target_cpu_usage = 70.0,      -- percent
  target_memory_usage = 75.0,   -- percent
  cooldown = 30,               -- seconds between applied changes
  scaling_speed = "moderate",
}
