-- Snapshots, histories and state tables for the policy specs (policies_spec, reasons_spec,
-- hill_spec): the keys of docs/policies.md, with values of a healthy interval.
local M = {}

M.GiB, M.MiB = 2 ^ 30, 2 ^ 20

-- The effective configuration the host fills in: the balanced profile (profiles/balanced.lua)
-- with `over` on top.
function M.config(over)
  local c = require("asrun").profile("balanced")
  for k, v in pairs(over or {}) do c[k] = v end
  return c
end

function M.state(cfg_over, params)
  return { config = M.config(cfg_over), params = params }
end

-- A healthy, lightly loaded interval: 8 workers, 15,000-document batches, 3,200 docs/s,
-- asrun at 30% CPU (machine 35%), memory 40% of 2.5 GiB (rss 1 GiB: what the percentage
-- measures), a backlog in the queue, 2 ms per document.
M.BASE = {
  t = 10, interval = 10, workers = 8, batch_size = 15000,
  docs_per_second = 3200, ops_per_second = 0.2, bytes_per_second = 3200 * 600, docs_total = 32000,
  cpu_percent = 30, system_cpu_percent = 35, cpu_count = 8,
  rss_bytes = 1 * M.GiB, memory_limit_bytes = 2.5 * M.GiB, memory_percent = 40,
  net_rx_bytes_per_second = 0, net_tx_bytes_per_second = 2e6,
  errors = 0, retries = 0, throttles = 0, error_rate = 0, retry_rate = 0, throttle_rate = 0,
  retry_after_ms = 0,
  queue_depth = 6, queue_capacity = 16, in_flight = 8,
  latency_p50_ms = 25, latency_p95_ms = 30, latency_p99_ms = 40, latency_per_doc_ms = 2.0,
  pool_in_use = 8, pool_size = 100, pool_utilization = 0.08,
  ru_per_second = 0, ru_per_doc = 0,
}

-- BASE with `over` on top (a fresh table).
function M.snap(over)
  local s = {}
  for k, v in pairs(M.BASE) do s[k] = v end
  for k, v in pairs(over or {}) do s[k] = v end
  return s
end

-- n snapshots 10 s apart; over(i) gives the overrides of the i-th (or a table for all).
function M.seq(n, over)
  local h = {}
  for i = 1, n do
    local o = type(over) == "function" and over(i) or over or {}
    local s = M.snap(o)
    s.t = o.t or 10 * i
    h[i] = s
  end
  return h
end

return M
