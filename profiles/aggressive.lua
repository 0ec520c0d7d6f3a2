-- The aggressive auto-scaling profile (product brief, "Auto-Scaling Profiles").
-- Selected with --profile aggressive (or --auto-scaling-profile aggressive, or scaling = "aggressive" in a
-- strategy). The scaler reads these targets; AUTO_SCALING_* environment variables, the
-- strategy's scaling table and command-line flags override them, in that order.
return {
  name = "aggressive",
  target_docs_per_second = 20000,
  target_cpu_usage = 80.0,      -- percent
  target_memory_usage = 85.0,   -- percent
  cooldown = 15,               -- seconds between applied changes
  scaling_speed = "fast",
}
