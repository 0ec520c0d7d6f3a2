-- ru_bound: a Cosmos DB account whose request-unit budget is the limit. 10,000 RU/s at 5 RU
-- per document: at most 2,000 documents per second, whatever the configuration. The database
-- is otherwise fast (one writer with batches of 2,000 would write 44,000 documents per
-- second), so every configuration asks for more than the budget: writes past it get 16500
-- "Request rate is large" with RetryAfterMs=100 for the documents over the budget (a batch of
-- 2,000 costs a whole second's budget).
-- Analytic optimum: 2,000 docs/s, reached by any configuration; the best one paces its writes
-- under the budget (few writers, small batches) so that almost nothing is throttled.
return {
  name = "ru_bound",
  description = "10,000 RU/s at 5 RU per document: 2,000 docs/s at most",
  duration_s = 900,
  seed = 1,
  doc_bytes = 860,
  db = { latency_ms = 5, per_doc_us = 20, sigma = 0.02, kappa = 0.002,
         ru_per_second = 10000, ru_per_doc = 5, retry_after_ms = 100, noise = 0.05 },
  client = { cores = 2, per_doc_cpu_us = 3 },
  start = { workers = 4, batch_size = 2000 },
}
