-- noisy_latency: service times vary by a log-normal factor of mean 1 and spread 0.3 (about
-- one write in six takes 1.35x its mean or more), as on a busy shared database. A policy
-- that reacts to each interval's figure chases noise and reverses often.
-- Analytic optimum (of the mean): 10 workers (USL: sqrt((1 - 0.1) / 0.009) = 10); batch size
-- of little weight (latency 10 ms against 30 us per document: 10,000 is within 4% of the
-- largest).
return {
  name = "noisy_latency",
  description = "USL peak at 10 writers under 30% latency noise",
  duration_s = 900,
  seed = 7,
  doc_bytes = 1000,
  db = { latency_ms = 10, per_doc_us = 30, sigma = 0.1, kappa = 0.009, noise = 0.3 },
  client = { cores = 2, per_doc_cpu_us = 1 },
  start = { workers = 4, batch_size = 2000 },
}
