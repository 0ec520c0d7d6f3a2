-- client_cpu_bound: the database is fast (a batch of 2,000 in 12 ms) and asrun's own work is
-- the limit: 200 us of CPU per document (a heavy template or transform) on 2 cores is at most
-- 2 / 200 us = 10,000 documents per second.
-- Analytic optimum: 10,000 docs/s, reached from about 3 workers (2 generating while one
-- writes); more workers only add memory and CPU pressure. The start, 4 x 2000, is already
-- there: a policy should hold (the CPU rule), not add workers.
return {
  name = "client_cpu_bound",
  description = "fast database, 200 us of client CPU per document on 2 cores",
  duration_s = 600,
  seed = 1,
  doc_bytes = 1000,
  db = { latency_ms = 2, per_doc_us = 5, sigma = 0.05, kappa = 0.001 },
  client = { cores = 2, per_doc_cpu_us = 200 },
  start = { workers = 4, batch_size = 2000 },
}
