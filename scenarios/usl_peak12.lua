-- usl_peak12: a database whose throughput follows the Universal Scalability Law with its peak
-- at 12 writers in flight. Throughput X(c) = c * n / service(c), service growing by
-- 1 + sigma (c - 1) + kappa c (c - 1), peaks at c* = sqrt((1 - sigma) / kappa)
-- = sqrt(0.9 / 0.00625) = sqrt(144) = 12. No noise, so the peak is exact.
-- Analytic optimum: 12 workers; batch size matters little (latency 5 ms against 20 us per
-- document: a batch of 10,000 is within 2.5% of the largest).
return {
  name = "usl_peak12",
  description = "USL database with its peak at 12 writers",
  duration_s = 900,
  seed = 1,
  doc_bytes = 1000,
  db = { latency_ms = 5, per_doc_us = 20, sigma = 0.1, kappa = 0.00625 },
  client = { cores = 2, per_doc_cpu_us = 1 },
  start = { workers = 4, batch_size = 2000 },
}
