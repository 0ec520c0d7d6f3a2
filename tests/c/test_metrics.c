/* The metrics module: the latency histogram (bucket layout, percentiles, error bound,
 * concurrent recording), /proc and cgroup parsing from fixture trees (tests/fixtures/proc:
 * `cgroup2` has a cgroup v2 memory.max below MemTotal, `memtotal` has no cgroup limit) and
 * from trees written into ASR_TEST_TMP, the collector's rates, guards, history ring and
 * run-wide totals, and one pass over the real /proc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "metrics/histogram.h"
#include "metrics/metrics.h"
#include "metrics/proc.h"

#define FIX(name) ASR_TEST_FIXTURES "/proc/" name

static uint64_t page_size(void) { return (uint64_t)sysconf(_SC_PAGESIZE); }
static double clk_tck(void) { return (double)sysconf(_SC_CLK_TCK); }

static void assert_near(double got, double want, double tol) {
  if (fabs(got - want) > tol) fail_msg("got %.9g, want %.9g (+-%g)", got, want, tol);
}

/* ---- histogram ---------------------------------------------------------------------- */

static void test_hist_bucket_layout(void **state) {
  for (uint64_t v = 0; v < 32; v++) assert_int_equal(asr_hist_bucket(v), v); /* exact */
  assert_int_equal(asr_hist_bucket(32), 32);
  assert_int_equal(asr_hist_bucket(33), 32);
  assert_int_equal(asr_hist_bucket(34), 33);
  assert_int_equal(asr_hist_bucket(63), 47);
  assert_int_equal(asr_hist_bucket(64), 48);
  assert_int_equal(asr_hist_bucket(ASR_HIST_MAX_US), ASR_HIST_BUCKETS - 1);
  assert_int_equal(asr_hist_bucket(UINT64_C(1) << 40), ASR_HIST_BUCKETS - 1); /* clamped */
  assert_int_equal(ASR_HIST_BUCKETS, 464);
  /* buckets tile 0 .. 2^32-1 without gaps, and none is wider than 1/16 of its lower bound */
  uint64_t next = 0;
  for (unsigned i = 0; i < ASR_HIST_BUCKETS; i++) {
    uint64_t lo, hi;
    asr_hist_bucket_range(i, &lo, &hi);
    assert_int_equal(lo, next);
    assert_true(hi >= lo);
    assert_int_equal(asr_hist_bucket(lo), i);
    assert_int_equal(asr_hist_bucket(hi), i);
    if (i >= ASR_HIST_SUB) assert_true((hi - lo + 1) * 16 <= lo);
    next = hi + 1;
  }
  assert_int_equal(next, UINT64_C(1) << 32);
  uint64_t lo, hi;
  asr_hist_bucket_range(asr_hist_bucket(2000), &lo, &hi); /* 2000 = 0b11111010000 */
  assert_int_equal(lo, 1984);
  assert_int_equal(hi, 2047);
}

static void test_hist_percentiles_exact(void **state) {
  static asr_hist_t h;
  asr_hist_counts_t c;
  asr_hist_init(&h);
  asr_hist_read(&h, &c);
  assert_int_equal(asr_hist_total(&c), 0);
  assert_true(asr_hist_percentile(&c, 0.5) == 0.0);
  for (uint64_t v = 1; v <= 10; v++) asr_hist_record(&h, v);
  asr_hist_record(&h, 20);
  asr_hist_record(&h, 20);
  asr_hist_read(&h, &c);
  assert_int_equal(asr_hist_total(&c), 12);
  assert_true(asr_hist_percentile(&c, 0.0) == 1.0);
  assert_true(asr_hist_percentile(&c, NAN) == 1.0);
  assert_true(asr_hist_percentile(&c, 0.5) == 6.0);  /* rank 6 */
  assert_true(asr_hist_percentile(&c, 0.75) == 9.0); /* rank 9 */
  assert_true(asr_hist_percentile(&c, 0.84) == 20.0);/* rank ceil(10.08) = 11 */
  assert_true(asr_hist_percentile(&c, 0.83) == 10.0);/* rank ceil(9.96) = 10 */
  assert_true(asr_hist_percentile(&c, 0.99) == 20.0);
  assert_true(asr_hist_percentile(&c, 7.0) == 20.0); /* clamped to 1 */
  /* one value in a wide bucket reads as the bucket's midpoint */
  asr_hist_reset(&h);
  asr_hist_record(&h, 2000);
  asr_hist_read(&h, &c);
  assert_int_equal(asr_hist_total(&c), 1);
  assert_true(asr_hist_percentile(&c, 0.5) == (1984.0 + 2047.0) / 2);
}

static void test_hist_relative_error(void **state) {
  static asr_hist_t h;
  asr_hist_counts_t c;
  double worst = 0;
  /* single values from 1 us to an hour, ~1% apart */
  for (double v = 1; v <= 3.6e9; v *= 1.01) {
    uint64_t us = (uint64_t)v;
    asr_hist_init(&h);
    asr_hist_record(&h, us);
    asr_hist_read(&h, &c);
    double err = fabs(asr_hist_percentile(&c, 0.5) - (double)us) / (double)us;
    if (err > worst) worst = err;
  }
  assert_true(worst <= 1.0 / 32);
  assert_true(worst > 0.02); /* the bound is nearly reached: the layout is what it claims */
  /* a uniform distribution 1..100000 us: quantiles within 1/32 of the true ones */
  asr_hist_init(&h);
  for (uint64_t us = 1; us <= 100000; us++) asr_hist_record(&h, us);
  asr_hist_read(&h, &c);
  const double qs[] = {0.5, 0.9, 0.95, 0.99, 0.999};
  for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
    double want = qs[i] * 100000;
    assert_true(fabs(asr_hist_percentile(&c, qs[i]) - want) / want <= 1.0 / 32);
  }
}

static void test_hist_diff(void **state) {
  static asr_hist_t h;
  asr_hist_counts_t a, b, d;
  asr_hist_init(&h);
  for (int i = 0; i < 100; i++) asr_hist_record(&h, 5000);
  asr_hist_read(&h, &a);
  for (int i = 0; i < 10; i++) asr_hist_record(&h, 7);
  asr_hist_read(&h, &b);
  asr_hist_diff(&b, &a, &d);
  assert_int_equal(asr_hist_total(&d), 10);
  assert_int_equal(d.counts[7], 10);
  assert_true(asr_hist_percentile(&d, 0.99) == 7.0);
  /* after a reset the old copy is larger: no underflow */
  asr_hist_reset(&h);
  asr_hist_record(&h, 7);
  asr_hist_read(&h, &a);
  asr_hist_diff(&a, &b, &d);
  assert_int_equal(asr_hist_total(&d), 0);
  asr_hist_diff(&b, &a, &b); /* aliasing the output */
  assert_int_equal(asr_hist_total(&b), 109);
}

#define THREADS 4
#define PER_THREAD 200000
static asr_hist_t shared_hist;

static void recorder(void *arg) {
  uint64_t seed = (uint64_t)(uintptr_t)arg;
  for (uint64_t i = 0; i < PER_THREAD; i++) asr_hist_record(&shared_hist, (i * 7919 + seed) % 100000);
}

static void test_hist_concurrent(void **state) {
  asr_hist_init(&shared_hist);
  uv_thread_t t[THREADS];
  for (uintptr_t i = 0; i < THREADS; i++)
    assert_int_equal(uv_thread_create(&t[i], recorder, (void *)i), 0);
  for (int i = 0; i < THREADS; i++) uv_thread_join(&t[i]);
  asr_hist_counts_t got;
  asr_hist_read(&shared_hist, &got);
  assert_int_equal(asr_hist_total(&got), (uint64_t)THREADS * PER_THREAD);
  /* every bucket holds exactly what one thread recording the same values gets */
  static asr_hist_t single;
  asr_hist_init(&single);
  for (uintptr_t s = 0; s < THREADS; s++)
    for (uint64_t i = 0; i < PER_THREAD; i++) asr_hist_record(&single, (i * 7919 + s) % 100000);
  asr_hist_counts_t want;
  asr_hist_read(&single, &want);
  assert_memory_equal(got.counts, want.counts, sizeof want.counts);
}

/* ---- proc ---------------------------------------------------------------------------- */

static void test_proc_cgroup2_fixture(void **state) {
  asr_proc_t p;
  asr_proc_init(&p, FIX("cgroup2"));
  asr_proc_sample_t s;
  asr_proc_read(&p, &s);
  assert_true(s.process_cpu_s == (1234.0 + 567.0) / clk_tck()); /* comm "asrun (w 1)" */
  assert_int_equal(s.cpu_total, 1000);
  assert_int_equal(s.cpu_busy, 150);
  assert_int_equal(s.cpu_count, 4);
  assert_int_equal(s.rss_bytes, 2500 * page_size());
  assert_int_equal(s.memory_limit_bytes, UINT64_C(2147483648)); /* below MemTotal */
  assert_int_equal(s.net_rx_bytes, 1000 + 500000 + 7);         /* lo + eth0 + eth1 */
  assert_int_equal(s.net_tx_bytes, 1000 + 250000 + 3);
  /* the root may carry a trailing slash */
  asr_proc_init(&p, FIX("cgroup2/"));
  assert_int_equal(asr_proc_rss_bytes(&p), 2500 * page_size());
}

static void test_proc_memtotal_fixture(void **state) {
  asr_proc_t p;
  asr_proc_init(&p, FIX("memtotal"));
  asr_proc_sample_t s;
  asr_proc_read(&p, &s);
  assert_true(s.process_cpu_s == 400.0 / clk_tck());
  assert_int_equal(s.cpu_total, 10000);
  assert_int_equal(s.cpu_busy, 1500);
  assert_int_equal(s.cpu_count, 2);
  assert_int_equal(s.rss_bytes, 437 * page_size());
  /* v2 "max" and v1 unlimited are no limits: MemTotal */
  assert_int_equal(s.memory_limit_bytes, UINT64_C(4000000) * 1024);
  assert_int_equal(s.net_rx_bytes, UINT64_C(5699023207));
  assert_int_equal(s.net_tx_bytes, UINT64_C(5699023207));
}

/* Writes root/rel, creating the directories on the way. */
static void put(const char *root, const char *rel, const char *text) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", root, rel);
  for (char *s = path + strlen(ASR_TEST_TMP) + 1; (s = strchr(s, '/')); s++) {
    *s = '\0';
    if (mkdir(path, 0755) && errno != EEXIST) fail_msg("mkdir %s: %s", path, strerror(errno));
    *s = '/';
  }
  FILE *f = fopen(path, "w");
  if (!f) fail_msg("open %s: %s", path, strerror(errno));
  fputs(text, f);
  fclose(f);
}

static void test_proc_own_cgroup(void **state) {
  char root[512];
  snprintf(root, sizeof root, "%s/metrics_cgroup_%d", ASR_TEST_TMP, (int)getpid());
  put(root, "proc/meminfo", "MemTotal: 8000000 kB\n");
  put(root, "sys/fs/cgroup/memory.max", "max\n");
  asr_proc_t p;
  asr_proc_init(&p, root);
  assert_int_equal(asr_proc_memory_limit(&p), UINT64_C(8000000) * 1024);
  /* v2: the process's own cgroup (from proc/self/cgroup) has a limit, its root does not */
  put(root, "proc/self/cgroup", "0::/app.slice/run-1.scope\n");
  put(root, "sys/fs/cgroup/app.slice/run-1.scope/memory.max", "1073741824\n");
  assert_int_equal(asr_proc_memory_limit(&p), UINT64_C(1073741824));
  /* v1: the memory controller's path; the smaller of the limits found wins */
  put(root, "proc/self/cgroup", "4:memory:/docker/abc\n1:cpu,cpuacct:/docker/abc\n");
  put(root, "sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes", "536870912\n");
  put(root, "sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
  assert_int_equal(asr_proc_memory_limit(&p), UINT64_C(536870912));
  put(root, "sys/fs/cgroup/memory.max", "268435456\n");
  assert_int_equal(asr_proc_memory_limit(&p), UINT64_C(268435456));
  /* garbage in a limit file counts as no limit */
  put(root, "sys/fs/cgroup/memory.max", "\n");
  put(root, "sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes", "lots\n");
  assert_int_equal(asr_proc_memory_limit(&p), UINT64_C(8000000) * 1024);
}

/* The CPU quota: v2 cpu.max of the own cgroup and of the root, v1 cfs quota / period; the
 * smallest wins, rounded up; "max", -1 and garbage are no quota. */
static void test_proc_cpu_quota(void **state) {
  char root[512];
  snprintf(root, sizeof root, "%s/metrics_cpu_quota_%d", ASR_TEST_TMP, (int)getpid());
  put(root, "proc/self/cgroup", "0::/\n");
  asr_proc_t p;
  asr_proc_init(&p, root);
  assert_int_equal(asr_proc_cpu_quota(&p), 0); /* no files: no quota */
  put(root, "sys/fs/cgroup/cpu.max", "max 100000\n");
  assert_int_equal(asr_proc_cpu_quota(&p), 0);
  put(root, "sys/fs/cgroup/cpu.max", "250000 100000\n"); /* docker --cpus 2.5 */
  assert_int_equal(asr_proc_cpu_quota(&p), 3);
  put(root, "proc/self/cgroup", "0::/kubepods/pod1/c1\n");
  put(root, "sys/fs/cgroup/kubepods/pod1/c1/cpu.max", "100000 100000\n");
  assert_int_equal(asr_proc_cpu_quota(&p), 1);
  put(root, "sys/fs/cgroup/kubepods/pod1/c1/cpu.max", "50000 100000\n"); /* half a CPU: 1 */
  assert_int_equal(asr_proc_cpu_quota(&p), 1);
  /* v1: the cpu controller's own directory */
  put(root, "sys/fs/cgroup/cpu.max", "garbage\n");
  put(root, "proc/self/cgroup", "5:cpuset:/docker/x\n4:cpu,cpuacct:/docker/x\n");
  put(root, "sys/fs/cgroup/cpu,cpuacct/docker/x/cpu.cfs_quota_us", "-1\n");
  put(root, "sys/fs/cgroup/cpu,cpuacct/docker/x/cpu.cfs_period_us", "100000\n");
  assert_int_equal(asr_proc_cpu_quota(&p), 0);
  put(root, "sys/fs/cgroup/cpu,cpuacct/docker/x/cpu.cfs_quota_us", "400000\n");
  assert_int_equal(asr_proc_cpu_quota(&p), 4);
}

static void test_proc_missing_files(void **state) {
  asr_proc_t p;
  asr_proc_init(&p, ASR_TEST_TMP "/no/such/root");
  asr_proc_sample_t s;
  memset(&s, 0xff, sizeof s);
  asr_proc_read(&p, &s);
  assert_true(s.process_cpu_s == 0.0);
  assert_int_equal(s.cpu_busy, 0);
  assert_int_equal(s.cpu_total, 0);
  assert_int_equal(s.cpu_count, 0);
  assert_int_equal(s.rss_bytes, 0);
  assert_int_equal(s.memory_limit_bytes, 0);
  assert_int_equal(s.net_rx_bytes, 0);
  assert_int_equal(s.net_tx_bytes, 0);
}

/* Burns `seconds` of this process's CPU time (not wall time: on a loaded machine the wall
 * can pass without a tick of CPU, and /proc counts in ticks). */
static double process_cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void burn_cpu(double seconds) {
  double end = process_cpu_now() + seconds;
  volatile uint64_t x = 0;
  while (process_cpu_now() < end)
    for (int i = 0; i < 10000; i++) x += (uint64_t)i * x + 1;
}

static void test_proc_real(void **state) {
  asr_proc_t p;
  asr_proc_init(&p, NULL);
  burn_cpu(0.05);
  asr_proc_sample_t a, b;
  asr_proc_read(&p, &a);
  assert_true(a.process_cpu_s > 0);
  assert_true(a.cpu_total > a.cpu_busy);
  assert_true(a.cpu_busy > 0);
  assert_int_equal(a.cpu_count, (uint32_t)sysconf(_SC_NPROCESSORS_ONLN));
  assert_true(a.rss_bytes > 1024 * 1024);
  assert_true(a.memory_limit_bytes > a.rss_bytes);
  /* loopback traffic shows in both directions */
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) skip();
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof addr;
  assert_int_equal(bind(fd, (struct sockaddr *)&addr, len), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
  char payload[1000] = {0};
  for (int i = 0; i < 10; i++)
    assert_int_equal(sendto(fd, payload, sizeof payload, 0, (struct sockaddr *)&addr, len), 1000);
  close(fd);
  burn_cpu(0.05);
  asr_proc_read(&p, &b);
  assert_true(b.net_rx_bytes >= a.net_rx_bytes + 10000);
  assert_true(b.net_tx_bytes >= a.net_tx_bytes + 10000);
  assert_true(b.process_cpu_s > a.process_cpu_s);
  assert_true(b.cpu_total > a.cpu_total);
}

/* ---- collector ----------------------------------------------------------------------- */

static void assert_finite(const asr_metrics_snapshot_t *s) {
  const double v[] = {s->t, s->interval, s->docs_per_second, s->ops_per_second,
                      s->bytes_per_second, s->cpu_percent, s->system_cpu_percent,
                      s->memory_percent, s->net_rx_bytes_per_second, s->net_tx_bytes_per_second,
                      s->error_rate, s->retry_rate, s->throttle_rate, s->latency_p50_ms,
                      s->latency_p95_ms, s->latency_p99_ms, s->latency_per_doc_ms,
                      s->pool_utilization, s->ru_per_second, s->ru_per_doc};
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
    if (!isfinite(v[i])) fail_msg("field %zu is %g", i, v[i]);
}

/* A fake machine: 4 CPUs, this process's CPU ticks, /proc/stat busy and idle jiffies, RSS
 * pages, a cgroup v2 limit of 4 * rss, and network bytes. */
static void fake_machine(const char *root, uint64_t ticks, uint64_t busy, uint64_t idle,
                         uint64_t rss_pages, uint64_t rx, uint64_t tx) {
  char text[1024];
  snprintf(text, sizeof text, "1 (fake) S 1 1 1 0 -1 0 0 0 0 0 %llu 0 0 0 20 0 1 0 1 1 1\n",
           (unsigned long long)ticks);
  put(root, "proc/self/stat", text);
  snprintf(text, sizeof text,
           "cpu  %llu 0 0 %llu 0 0 0 0 0 0\ncpu0 1 0 0 1\ncpu1 1 0 0 1\ncpu2 1 0 0 1\n"
           "cpu3 1 0 0 1\nintr 1\n", (unsigned long long)busy, (unsigned long long)idle);
  put(root, "proc/stat", text);
  snprintf(text, sizeof text, "%llu %llu 0 0 0 0 0\n", (unsigned long long)rss_pages * 2,
           (unsigned long long)rss_pages);
  put(root, "proc/self/statm", text);
  snprintf(text, sizeof text, "%llu\n", (unsigned long long)(rss_pages * 4 * page_size()));
  put(root, "sys/fs/cgroup/memory.max", text);
  put(root, "proc/meminfo", "MemTotal: 100000000 kB\n");
  snprintf(text, sizeof text, "h1\nh2\n  lo: %llu 0 0 0 0 0 0 0 %llu 0 0 0 0 0 0 0\n",
           (unsigned long long)rx, (unsigned long long)tx);
  put(root, "proc/self/net/dev", text);
}

static void fake_root(char *root, size_t cap, const char *name) {
  snprintf(root, cap, "%s/metrics_%s_%d", ASR_TEST_TMP, name, (int)getpid());
}

static void test_collector_rates(void **state) {
  char root[512];
  fake_root(root, sizeof root, "rates");
  double hz = clk_tck();
  fake_machine(root, 200, 1000, 9000, 1000, 0, 500);
  static asr_hist_t h;
  asr_hist_init(&h);
  asr_metrics_t *m = asr_metrics_new(&(asr_metrics_options_t){.proc_root = root, .start_s = 100});
  assert_non_null(m);
  /* 10 s later: 8 CPU-seconds used (20% of 4 CPUs), the machine 3000 of 4000 jiffies busy */
  fake_machine(root, 200 + (uint64_t)(8 * hz), 4000, 10000, 1000, 1000000, 20500);
  for (int i = 0; i < 50; i++) asr_hist_record(&h, 2000);
  asr_metrics_raw_t raw = {.docs_written = 50000, .batches_written = 50, .bytes_written = 5000000,
                           .docs_attempted = 50100, .errors = 100, .retries = 5, .throttles = 2,
                           .retry_after_ms_max = 250, .latency_us_total = 50 * 2000,
                           .latency = &h, .workers = 8, .batch_size = 1000, .queue_depth = 3,
                           .queue_capacity = 16, .in_flight = 7, .pool_in_use = 3,
                           .pool_size = 8, .request_charge = 275000};
  asr_metrics_snapshot_t s;
  asr_metrics_sample(m, &raw, 110, &s);
  assert_finite(&s);
  assert_true(s.t == 10 && s.interval == 10);
  assert_int_equal(s.workers, 8);
  assert_int_equal(s.batch_size, 1000);
  assert_true(s.docs_per_second == 5000);
  assert_true(s.ops_per_second == 5);
  assert_true(s.bytes_per_second == 500000);
  assert_int_equal(s.docs_total, 50000);
  assert_near(s.cpu_percent, 20, 1e-9);
  assert_near(s.system_cpu_percent, 75, 1e-9);
  assert_int_equal(s.cpu_count, 4);
  assert_int_equal(s.rss_bytes, 1000 * page_size());
  assert_int_equal(s.memory_limit_bytes, 4000 * page_size());
  assert_near(s.memory_percent, 25, 1e-9);
  assert_true(s.net_rx_bytes_per_second == 100000);
  assert_true(s.net_tx_bytes_per_second == 2000);
  assert_int_equal(s.errors, 100);
  assert_int_equal(s.retries, 5);
  assert_int_equal(s.throttles, 2);
  assert_near(s.error_rate, 100.0 / 50100, 1e-12);
  assert_near(s.retry_rate, 0.1, 1e-12);
  assert_near(s.throttle_rate, 0.04, 1e-12);
  assert_int_equal(s.retry_after_ms, 250);
  assert_int_equal(s.queue_depth, 3);
  assert_int_equal(s.queue_capacity, 16);
  assert_int_equal(s.in_flight, 7);
  double mid2000 = (1984.0 + 2047.0) / 2 / 1000; /* bucket of 2000 us, in ms */
  assert_true(s.latency_p50_ms == mid2000 && s.latency_p95_ms == mid2000 &&
              s.latency_p99_ms == mid2000);
  assert_near(s.latency_per_doc_ms, 0.002, 1e-12);
  assert_int_equal(s.pool_in_use, 3);
  assert_int_equal(s.pool_size, 8);
  assert_true(s.pool_utilization == 0.375);
  assert_true(s.ru_per_second == 27500);
  assert_true(s.ru_per_doc == 5.5);

  /* 5 s later, the machine unchanged, no RU reported: only this interval counts */
  raw.docs_written = 60000;
  raw.batches_written = 60;
  raw.latency_us_total += 10 * 100;
  for (int i = 0; i < 10; i++) asr_hist_record(&h, 100);
  raw.pool_size = 0;
  asr_metrics_sample(m, &raw, 115, &s);
  assert_finite(&s);
  assert_true(s.t == 15 && s.interval == 5);
  assert_true(s.docs_per_second == 2000);
  assert_int_equal(s.errors, 0);
  assert_true(s.error_rate == 0 && s.retry_rate == 0 && s.throttle_rate == 0);
  assert_true(s.cpu_percent == 0 && s.system_cpu_percent == 0);
  assert_true(s.net_rx_bytes_per_second == 0);
  assert_true(s.latency_p50_ms == 0.1015 && s.latency_p99_ms == 0.1015); /* [100, 103] */
  assert_near(s.latency_per_doc_ms, 0.0001, 1e-12);
  assert_true(s.pool_utilization == 0);
  assert_true(s.ru_per_second == 0 && s.ru_per_doc == 0);
  asr_metrics_free(m);
}

static void test_collector_zero_interval(void **state) {
  asr_metrics_t *m = asr_metrics_new(&(asr_metrics_options_t){.proc_root = FIX("cgroup2"),
                                                              .start_s = 50});
  static asr_hist_t h;
  asr_hist_init(&h);
  asr_metrics_raw_t raw = {.docs_written = 10, .batches_written = 1, .errors = 2,
                           .docs_attempted = 12, .latency = &h, .latency_us_total = 5};
  asr_metrics_snapshot_t s;
  asr_metrics_sample(m, &raw, 50, &s); /* at the start time itself */
  assert_finite(&s);
  assert_true(s.t == 0 && s.interval == 0);
  assert_true(s.docs_per_second == 0 && s.ops_per_second == 0 && s.bytes_per_second == 0);
  assert_true(s.cpu_percent == 0 && s.net_rx_bytes_per_second == 0 && s.ru_per_second == 0);
  assert_int_equal(s.docs_total, 10);
  assert_int_equal(s.errors, 2); /* counts are still reported */
  assert_near(s.error_rate, 2.0 / 12, 1e-12);
  assert_true(s.latency_p50_ms == 0); /* empty histogram */
  assert_int_equal(s.cpu_count, 4);
  assert_near(s.memory_percent, 100.0 * 2500 * page_size() / 2147483648.0, 1e-9);
  raw.docs_written = 20;
  asr_metrics_sample(m, &raw, 40, &s); /* the clock went backwards */
  assert_finite(&s);
  assert_true(s.t == 0 && s.interval == 0 && s.docs_per_second == 0);
  asr_metrics_totals_t t;
  asr_metrics_totals(m, &t);
  assert_int_equal(t.samples, 2);
  assert_true(t.duration_s == 0 && t.avg_docs_per_second == 0);
  assert_true(isfinite(t.avg_cpu_percent) && isfinite(t.avg_rss_bytes));
  assert_true(t.avg_rss_bytes == (double)(2500 * page_size())); /* plain mean */
  asr_metrics_free(m);
}

static void test_collector_error_rates(void **state) {
  asr_metrics_t *m = asr_metrics_new(&(asr_metrics_options_t){.proc_root = FIX("memtotal")});
  asr_metrics_raw_t raw = {.errors = 5, .retries = 3};
  asr_metrics_snapshot_t s;
  /* nothing attempted or written, yet errors and retries: retries read high, not 0/0; the
   * error rate has no reading (failures are counted before their attempts finish, so this
   * is a sampling edge, not a 100% error rate that would trip an emergency) */
  asr_metrics_sample(m, &raw, 5, &s);
  assert_finite(&s);
  assert_true(s.error_rate == 0.0);
  assert_true(s.retry_rate == 3.0);  /* the count itself */
  assert_true(s.throttle_rate == 0.0);
  assert_true(s.latency_p50_ms == 0 && s.latency_per_doc_ms == 0); /* no histogram */
  raw = (asr_metrics_raw_t){.docs_attempted = 1000, .docs_written = 990, .errors = 15,
                            .batches_written = 20, .retries = 8, .throttles = 4};
  asr_metrics_sample(m, &raw, 10, &s);
  assert_int_equal(s.errors, 10);
  assert_int_equal(s.retries, 5);
  assert_int_equal(s.throttles, 4);
  assert_near(s.error_rate, 0.01, 1e-12);
  assert_near(s.retry_rate, 0.25, 1e-12);
  assert_near(s.throttle_rate, 0.2, 1e-12);
  /* counters going backwards count as no change */
  raw.docs_written = 500;
  raw.errors = 1;
  asr_metrics_sample(m, &raw, 15, &s);
  assert_true(s.docs_per_second == 0);
  assert_int_equal(s.errors, 0);
  assert_true(s.error_rate == 0);
  asr_metrics_free(m);
}

static void test_collector_history_ring(void **state) {
  asr_metrics_t *m = asr_metrics_new(&(asr_metrics_options_t){.proc_root = FIX("cgroup2"),
                                                              .history = 3});
  const asr_metrics_snapshot_t *h;
  size_t n;
  asr_metrics_history(m, &h, &n);
  assert_int_equal(n, 0);
  for (int i = 1; i <= 8; i++) {
    asr_metrics_raw_t raw = {.docs_written = (uint64_t)i * 100, .workers = (uint32_t)i};
    asr_metrics_sample(m, &raw, i, NULL);
    asr_metrics_history(m, &h, &n);
    size_t want = i < 3 ? (size_t)i : 3;
    assert_int_equal(n, want);
    for (size_t j = 0; j < n; j++) { /* oldest first, the current one last */
      double t = (double)(i - (int)n + 1 + (int)j);
      assert_true(h[j].t == t);
      assert_int_equal(h[j].workers, (uint32_t)t);
      assert_int_equal(h[j].docs_total, (uint64_t)t * 100);
    }
  }
  asr_metrics_free(m);
  /* the default K is 20 */
  m = asr_metrics_new(&(asr_metrics_options_t){.proc_root = FIX("cgroup2")});
  asr_metrics_raw_t raw = {0};
  for (int i = 1; i <= 25; i++) asr_metrics_sample(m, &raw, i, NULL);
  asr_metrics_history(m, &h, &n);
  assert_int_equal(n, 20);
  assert_true(h[0].t == 6 && h[19].t == 25);
  asr_metrics_free(m);
}

static void test_collector_totals(void **state) {
  char root[512];
  fake_root(root, sizeof root, "totals");
  double hz = clk_tck();
  fake_machine(root, 0, 0, 0, 1000, 0, 0);
  static asr_hist_t h;
  asr_hist_init(&h);
  asr_metrics_t *m = asr_metrics_new(&(asr_metrics_options_t){.proc_root = root});
  /* 10 s at 20% CPU (8 of 40 CPU-seconds), machine 75% busy, 5000 docs/s */
  fake_machine(root, (uint64_t)(8 * hz), 3000, 1000, 1000, 0, 0);
  for (int i = 0; i < 50; i++) asr_hist_record(&h, 2000);
  asr_metrics_raw_t raw = {.docs_written = 50000, .errors = 7, .retries = 3, .throttles = 1,
                           .request_charge = 1000.5, .latency = &h};
  asr_metrics_sample(m, &raw, 10, NULL);
  /* 30 s idle at twice the RSS, 2000 docs/s */
  fake_machine(root, (uint64_t)(8 * hz), 3000, 1000, 2000, 0, 0);
  for (int i = 0; i < 150; i++) asr_hist_record(&h, 100);
  raw.docs_written = 110000;
  raw.errors = 9;
  raw.request_charge = 2500.25;
  asr_metrics_snapshot_t s;
  asr_metrics_sample(m, &raw, 40, &s);
  assert_true(s.latency_p99_ms == 0.1015); /* the interval: only the 100 us writes */
  asr_metrics_totals_t t;
  asr_metrics_totals(m, &t);
  assert_int_equal(t.samples, 2);
  assert_true(t.duration_s == 40);
  assert_int_equal(t.docs_total, 110000);
  assert_true(t.avg_docs_per_second == 2750);
  assert_true(t.peak_docs_per_second == 5000);
  assert_near(t.avg_cpu_percent, 5, 1e-9);  /* (20 * 10 + 0 * 30) / 40 */
  assert_near(t.peak_cpu_percent, 20, 1e-9);
  assert_near(t.avg_system_cpu_percent, 18.75, 1e-9);
  assert_near(t.peak_system_cpu_percent, 75, 1e-9);
  assert_near(t.avg_rss_bytes, (1000.0 * 10 + 2000.0 * 30) / 40 * (double)page_size(), 1e-6);
  assert_int_equal(t.peak_rss_bytes, 2000 * page_size());
  assert_near(t.avg_memory_percent, 25, 1e-9); /* the limit follows the RSS */
  assert_near(t.peak_memory_percent, 25, 1e-9);
  assert_int_equal(t.errors, 9);
  assert_int_equal(t.retries, 3);
  assert_int_equal(t.throttles, 1);
  /* whole run: 150 writes at 100 us and 50 at 2000 us */
  assert_true(t.latency_p50_ms == 0.1015);
  assert_true(t.latency_p95_ms == (1984.0 + 2047.0) / 2 / 1000);
  assert_true(t.latency_p99_ms == (1984.0 + 2047.0) / 2 / 1000);
  assert_true(t.request_charge == 2500.25);
  asr_metrics_free(m);
}

static double now_s(void) { return (double)uv_hrtime() / 1e9; }

static void test_collector_real_proc(void **state) {
  double start = now_s();
  asr_metrics_t *m = asr_metrics_new(&(asr_metrics_options_t){.start_s = start});
  assert_non_null(m);
  burn_cpu(0.3);
  asr_metrics_raw_t raw = {.docs_written = 1000};
  asr_metrics_snapshot_t s;
  asr_metrics_sample(m, &raw, now_s(), &s);
  assert_finite(&s);
  assert_true(s.interval >= 0.3 && s.t == s.interval);
  assert_true(s.cpu_percent > 0 && s.cpu_percent <= 100);
  /* one busy thread is at most one CPU's worth, give or take a tick */
  assert_true(s.cpu_percent <= 100.0 / s.cpu_count * 1.5);
  assert_true(s.system_cpu_percent > 0 && s.system_cpu_percent <= 100);
  assert_true(s.cpu_count > 0);
  assert_true(s.rss_bytes > 0);
  assert_true(s.memory_percent > 0 && s.memory_percent < 100);
  assert_true(s.docs_per_second > 0 && s.docs_per_second <= 1000 / 0.3);
  asr_metrics_free(m);
}

/* What a sample costs (printed, not asserted: the machine is shared). */
static void test_collector_sample_cost(void **state) {
  asr_metrics_t *m = asr_metrics_new(NULL);
  static asr_hist_t h;
  asr_hist_init(&h);
  asr_metrics_raw_t raw = {.latency = &h};
  const int n = 2000;
  uint64_t t0 = uv_hrtime();
  for (int i = 0; i < n; i++) asr_metrics_sample(m, &raw, i, NULL);
  double us = (double)(uv_hrtime() - t0) / 1e3 / n;
  print_message("asr_metrics_sample on the real /proc: %.1f us per sample\n", us);
  assert_true(us < 10000); /* a sample is a handful of small reads, not milliseconds */
  asr_metrics_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hist_bucket_layout),    cmocka_unit_test(test_hist_percentiles_exact),
      cmocka_unit_test(test_hist_relative_error),   cmocka_unit_test(test_hist_diff),
      cmocka_unit_test(test_hist_concurrent),       cmocka_unit_test(test_proc_cgroup2_fixture),
      cmocka_unit_test(test_proc_memtotal_fixture), cmocka_unit_test(test_proc_own_cgroup),
      cmocka_unit_test(test_proc_cpu_quota),
      cmocka_unit_test(test_proc_missing_files),    cmocka_unit_test(test_proc_real),
      cmocka_unit_test(test_collector_rates),       cmocka_unit_test(test_collector_zero_interval),
      cmocka_unit_test(test_collector_error_rates), cmocka_unit_test(test_collector_history_ring),
      cmocka_unit_test(test_collector_totals),      cmocka_unit_test(test_collector_real_proc),
      cmocka_unit_test(test_collector_sample_cost),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
