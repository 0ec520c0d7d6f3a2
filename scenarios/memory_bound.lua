-- memory_bound: large documents (256 KiB) on a client with 8 GiB, where memory, not the
-- database, bounds the configuration. The client holds about
-- base_memory_mb + workers * batch_size * doc_bytes * memory_per_doc_factor
-- = 50 MiB + workers * batch_size * 0.75 MiB; above memory_mb the lab treats the process as
-- killed (out of memory). The start, 4 x 2000, holds 6,050 MiB (74%); 6 x 2000 is killed.
-- The database scales to 20 writers (USL: sqrt((1 - 0.05) / 0.002375) = 20), and the batch
-- size hardly matters (5 ms latency against 532 us per document: 20 + 2 us/KB * 256 KB).
-- Intended best: 19-20 workers with batches of about 450-570 (workers * batch_size <= 10,856
-- documents below the limit, <= 9,200 under an 85% memory threshold; the sweep's best is
-- 19 x 570 at the limit, 20 x 540 within 0.2% of it), about twice the start's throughput;
-- growing workers without shrinking batches gets the process killed.
return {
  name = "memory_bound",
  description = "256 KiB documents, 8 GiB of client memory: memory bounds workers x batch",
  duration_s = 900,
  seed = 1,
  doc_bytes = 262144,
  db = { latency_ms = 5, per_doc_us = 20, per_kb_us = 2, sigma = 0.05, kappa = 0.002375 },
  client = { cores = 2, per_doc_cpu_us = 20, memory_mb = 8192, base_memory_mb = 50,
             memory_per_doc_factor = 3 },
  start = { workers = 4, batch_size = 2000 },
}
