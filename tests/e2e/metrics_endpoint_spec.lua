-- End to end: --metrics-listen during a live run against a slow simulated database. /metrics
-- is scraped twice with curl and checked by Prometheus's own promtool (`promtool check
-- metrics`: the text format and its lint rules), the counters move between the scrapes,
-- /status is JSON with the progress values, the endpoint is gone after the run, and a port
-- in use or a bad address is a configuration error (exit 2) before anything is written.
--
-- Timing: 2 workers x 500 documents a batch on sim:latency_ms=50 write at most 20,000 docs/s,
-- so 120,000 documents take at least 6 s: the scrapes (at about 1.5 s and 3.5 s) fall inside
-- the run. Nothing asserts an upper bound on a duration.
local h = require("tests.e2e.helper")

local TPL = h.root .. "/templates/service_order.json"
local SLOW = "sim:latency_ms=50,per_doc_us=0"
local TOTAL = 120000

-- curl and promtool without the sanitizer runtime an ASan build preloads into lua5.4 (curl
-- hangs under it)
local function sh(cmd)
  local p = assert(io.popen("env -u LD_PRELOAD " .. cmd .. " 2>&1"))
  local out = p:read("a")
  local ok, _, code = p:close()
  return ok and 0 or code, out
end

local function sleep(s) os.execute("sleep " .. s) end

-- Starts asrun in the background; returns its pid and the files of its stdout and stderr.
local function start(args)
  local out, err = h.path("metrics_out.txt"), h.path("metrics_err.txt")
  os.remove(out); os.remove(err) -- an earlier run's "Metrics at" line is not this one's
  local parts = {}
  for _, a in ipairs(args) do parts[#parts + 1] = h.q(a) end
  local p = assert(io.popen(string.format("%s %s >%s 2>%s & echo $!", h.q(h.bin),
    table.concat(parts, " "), h.q(out), h.q(err))))
  local pid = tonumber(p:read("l"))
  p:close()
  return pid, out, err
end

local function wait(pid)
  -- not our child (the shell's): poll until it is gone
  for _ = 1, 600 do
    if not os.execute("kill -0 " .. pid .. " 2>/dev/null") then return end
    sleep(0.1)
  end
  os.execute("kill " .. pid)
  error("asrun did not finish")
end

-- The endpoint's URL from the "Metrics at URL/metrics" line, once it is there.
local function endpoint_url(err_file)
  for _ = 1, 100 do
    local text = h.slurp(err_file) or ""
    local url = text:match("Metrics at (http://[%d%.]+:%d+)/metrics")
    if url then return url end
    sleep(0.1)
  end
  error("no 'Metrics at' line: " .. tostring(h.slurp(err_file)))
end

local function sample(text, name)
  local v = text:match("\n" .. name:gsub("[%p]", "%%%0") .. " ([^\n]+)")
  return v and tonumber(v)
end

local function scrape(url, file)
  local code, out = sh("curl -sS -m 20 -o " .. h.q(file) .. " -w '%{http_code} %{content_type}' "
    .. h.q(url))
  assert.are.equal(0, code, out)
  return out, h.slurp(file)
end

describe("--metrics-listen", function()
  it("serves /metrics that promtool accepts and /status, both moving during the run", function()
    local target_args = {"--source", TPL, "--total", tostring(TOTAL), "--target", SLOW,
      "--workers", "2", "--batch-size", "500", "--auto-scaling", "--check-interval", "1",
      "--min-workers", "2", "--max-workers", "2", "--min-batch-size", "500",
      "--max-batch-size", "500", "--metrics-listen", "127.0.0.1:0"}
    local pid, out_file, err_file = start(target_args)
    local url = endpoint_url(err_file)
    sleep(1.5)
    local m1 = h.path("metrics1.txt")
    local head1, text1 = scrape(url .. "/metrics", m1)
    assert.are.equal("200 text/plain; version=0.0.4; charset=utf-8", head1)
    local code, promtool = sh("promtool check metrics < " .. h.q(m1))
    assert.are.equal(0, code, promtool .. "\n" .. text1)
    assert.are.equal("", promtool)

    -- every family the brief lists, with HELP and TYPE
    for _, family in ipairs({
      {"asrun_documents_read_total", "counter"}, {"asrun_documents_written_total", "counter"},
      {"asrun_documents_dropped_total", "counter"}, {"asrun_documents_failed_total", "counter"},
      {"asrun_bytes_written_total", "counter"}, {"asrun_errors_total", "counter"},
      {"asrun_retries_total", "counter"}, {"asrun_throttles_total", "counter"},
      {"asrun_request_units_total", "counter"}, {"asrun_workers", "gauge"},
      {"asrun_batch_size", "gauge"}, {"asrun_queue_depth", "gauge"},
      {"asrun_queue_capacity", "gauge"}, {"asrun_in_flight_batches", "gauge"},
      {"asrun_cpu_percent", "gauge"}, {"asrun_rss_bytes", "gauge"},
      {"asrun_memory_percent", "gauge"}, {"asrun_documents_per_second", "gauge"},
      {"asrun_pool_in_use", "gauge"}, {"asrun_pool_size", "gauge"},
      {"asrun_write_latency_seconds", "histogram"},
      {"asrun_scaling_decisions_total", "counter"},
      {"asrun_last_decision_timestamp_seconds", "gauge"},
      {"asrun_last_decision_info", "gauge"},
    }) do
      assert.matches("\n# HELP " .. family[1] .. " [^\n]+\n# TYPE " .. family[1] .. " "
        .. family[2] .. "\n", text1)
    end
    assert.are.equal(2, sample(text1, "asrun_workers"))
    assert.are.equal(500, sample(text1, "asrun_batch_size"))
    assert.are.equal(TOTAL, sample(text1, "asrun_documents_expected"))
    assert.matches('\nasrun_last_decision_info{action="[a-z_]+",reason="[^\n]+"} 1\n', text1)
    local written1 = sample(text1, "asrun_documents_written_total")
    local batches1 = sample(text1, "asrun_write_latency_seconds_count")
    assert.is_true(written1 > 0 and written1 < TOTAL, tostring(written1))
    -- each batch of 500 waits 50 ms: every write counts under le="0.05" or later, none before
    assert.are.equal(0, sample(text1, 'asrun_write_latency_seconds_bucket{le="0.025"}'))
    assert.are.equal(batches1, sample(text1, 'asrun_write_latency_seconds_bucket{le="+Inf"}'))
    assert.are.equal(written1 / 500, batches1)

    sleep(2)
    local head2, text2 = scrape(url .. "/metrics", h.path("metrics2.txt"))
    assert.are.equal("200 text/plain; version=0.0.4; charset=utf-8", head2)
    assert.is_true(sample(text2, "asrun_documents_written_total") > written1)
    assert.is_true(sample(text2, "asrun_write_latency_seconds_count") > batches1)
    assert.is_true(sample(text2, "asrun_elapsed_seconds") > sample(text1, "asrun_elapsed_seconds"))
    assert.is_true(sample(text2, 'asrun_scaling_decisions_total{action="hold"}')
      + sample(text2, 'asrun_scaling_decisions_total{action="scale_up"}') >= 1)

    local head3, status = scrape(url .. "/status", h.path("status.json"))
    assert.are.equal("200 application/json", head3)
    local s = h.json.decode(status)
    assert.are.equal(TOTAL, s.total)
    assert.is_true(s.done > 0 and s.done < TOTAL)
    assert.is_true(s.percent > 0 and s.percent < 100)
    assert.is_true(s.docs_per_second > 0 and s.eta_s > 0)
    assert.are.equal(2, s.workers)
    assert.are.equal(500, s.batch_size)
    assert.is_true(s.scaling.enabled)
    assert.is_string(s.scaling.last_decision.action)

    -- the Grafana dashboard queries only metrics the endpoint serves
    local dashboard = h.json.decode(assert(h.slurp(h.root .. "/docs/grafana/asrun-dashboard.json")))
    assert.are.equal("DS_PROMETHEUS", dashboard.__inputs[1].name)
    assert.is_true(#dashboard.panels >= 10)
    for _, panel in ipairs(dashboard.panels) do
      assert.are.equal("${DS_PROMETHEUS}", panel.datasource.uid, panel.title)
      assert.is_true(#panel.targets > 0, panel.title)
      for _, target in ipairs(panel.targets) do
        assert.are.equal("${DS_PROMETHEUS}", target.datasource.uid, panel.title)
        for name in target.expr:gmatch("asrun_[%w_]+") do
          assert.matches("\n" .. name .. "[ {]", text2, nil, false)
        end
      end
    end

    local head4 = scrape(url .. "/nothing", h.path("nothing.txt"))
    assert.matches("^404 ", head4)

    -- the same port while it is taken: a configuration error before anything is written
    local port = url:match(":(%d+)$")
    local busy_out = h.path("metrics_busy.jsonl")
    h.remove(busy_out)
    local bcode, _, berr = h.run({"--source", TPL, "--total", "10", "--target", busy_out,
      "--metrics-listen", "127.0.0.1:" .. port, "--no-checkpoint"})
    assert.are.equal(2, bcode, berr)
    assert.matches("asrun: error: --metrics-listen 127.0.0.1:" .. port .. ": cannot listen there: "
      .. "Address already in use", berr, 1, true)
    assert.is_false(h.exists(busy_out))
    assert.is_false(h.exists(busy_out .. ".partial"))

    wait(pid)
    local stdout = h.slurp(out_file)
    assert.matches("Wrote 120,000 documents to sim:", stdout, 1, true)
    -- the run is over: so is the endpoint
    local gone = sh("curl -sS -m 5 " .. h.q(url .. "/metrics") .. " >/dev/null")
    assert.are_not.equal(0, gone)
  end)

  it("refuses a bad address with exit 2", function()
    for _, bad in ipairs({"127.0.0.1:99999", "localhost:http", "::1:9464"}) do
      local code, _, err = h.run({"--source", TPL, "--total", "10", "--target", "null:",
        "--metrics-listen", bad})
      assert.are.equal(2, code, err)
      assert.matches("--metrics-listen", err, 1, true)
      assert.matches(bad, err, 1, true)
    end
  end)

  it("is in --help", function()
    local code, out = h.run({"--help"})
    assert.are.equal(0, code)
    assert.matches("--metrics-listen ADDR:PORT", out, 1, true)
  end)
end)
