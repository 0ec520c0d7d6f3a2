-- slow_start: a high-latency database (100 ms a request, a distant region) that rewards many
-- writers and large batches, started far below its best.
-- Analytic optimum: 30 workers (USL: sqrt((1 - 0.01) / 0.0011) = 30, the top of the profile's
-- range) and the largest batches (per worker, batch / (100 ms + 50 us * batch): 2,000 gives
-- half of what 75,000 gives, 20,000 gives 93%). The start, 4 x 2000, writes about a seventh
-- of the best.
return {
  name = "slow_start",
  description = "100 ms latency, USL peak at 30 writers, started at 4",
  duration_s = 1200,
  seed = 1,
  doc_bytes = 1000,
  db = { latency_ms = 100, per_doc_us = 50, sigma = 0.01, kappa = 0.0011, noise = 0.05 },
  client = { cores = 2, per_doc_cpu_us = 1 },
  start = { workers = 4, batch_size = 2000 },
}
