-- shared_cpu: the database runs on asrun's own 2-core machine (what the test server is):
-- each request in flight is one more runnable thread there, so once asrun's busy workers and
-- the requests in flight outnumber the cores, every write slows down by
-- (runnable + in flight) / cores, on top of the database's own contention (sigma 0.3,
-- kappa 0.05). Each document also costs the database 30 us of that CPU.
-- Intended best: 2 workers (about 1.25x the throughput of the start, 4 x 2000; 1 worker
-- leaves a core idle, 3 or more queue on the CPU). A policy must come down from the start,
-- and must not read the machine's CPU (busy with the database) as its own.
return {
  name = "shared_cpu",
  description = "database on the client's 2 cores: best at 2 writers, started at 4",
  duration_s = 600,
  seed = 1,
  doc_bytes = 1000,
  db = { latency_ms = 1, per_doc_us = 30, sigma = 0.3, kappa = 0.05,
         shares_client_cpu = true, cpu_us_per_doc = 30 },
  client = { cores = 2, per_doc_cpu_us = 10 },
  start = { workers = 4, batch_size = 2000 },
}
