-- capacity_drop: the database loses half its capacity at t = 120 s (a noisy neighbour, a
-- failover to a smaller node): latency and per-document time double. Throughput halves at
-- every configuration; the shape does not change.
-- Analytic optimum: 16 workers before and after the drop (USL: sqrt((1 - 0.04) / 0.00375)
-- = 16), batch size of little weight (10,000 is within 3% of the largest). A policy should
-- not read the drop as its own mistake and undo good steps.
return {
  name = "capacity_drop",
  description = "USL peak at 16 writers; capacity halves at 120 s",
  duration_s = 900,
  seed = 1,
  doc_bytes = 1000,
  db = { latency_ms = 10, per_doc_us = 40, sigma = 0.04, kappa = 0.00375, noise = 0.05 },
  client = { cores = 2, per_doc_cpu_us = 1 },
  start = { workers = 4, batch_size = 2000 },
  phases = {
    { at_s = 120, db = { latency_ms = 20, per_doc_us = 80 } },
  },
}
