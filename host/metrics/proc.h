/* Machine and process readings from /proc and the cgroup files, for the auto-scaler.
 * Every path is taken under a root directory ("/" in production) so that tests can point it
 * at fixture files. A missing or unreadable file gives 0 values, never an error: metrics must
 * not stop a run. Readings are cumulative counters (CPU time, jiffies, network bytes) or
 * levels (RSS, limit); the collector (metrics.h) turns counters into rates.
 * The asr_proc_t borrows `root`: the string must outlive it. */
#ifndef ASR_METRICS_PROC_H
#define ASR_METRICS_PROC_H

#include <stdint.h>

typedef struct asr_proc {
  const char *root; /* "/" or a directory holding proc/... and sys/fs/cgroup/... */
} asr_proc_t;

typedef struct asr_proc_sample {
  double process_cpu_s;        /* utime + stime of this process (proc/self/stat), seconds */
  uint64_t cpu_busy, cpu_total;/* jiffies of all CPUs from the "cpu" line of proc/stat */
  uint32_t cpu_count;          /* online CPUs: the cpuN lines of proc/stat */
  uint64_t rss_bytes;          /* proc/self/statm resident pages * page size */
  uint64_t memory_limit_bytes; /* smallest of the cgroup limits found and MemTotal */
  uint64_t net_rx_bytes, net_tx_bytes; /* proc/self/net/dev, every interface, lo included */
} asr_proc_sample_t;

void asr_proc_init(asr_proc_t *p, const char *root); /* root NULL: "/" */
/* All the readings below in one go (about seven small file reads). */
void asr_proc_read(const asr_proc_t *p, asr_proc_sample_t *out);

double asr_proc_cpu_seconds(const asr_proc_t *p);
/* busy = total - idle - iowait; total sums user..steal (guest time is already in user). */
void asr_proc_system_cpu(const asr_proc_t *p, uint64_t *busy, uint64_t *total, uint32_t *ncpu);
uint64_t asr_proc_rss_bytes(const asr_proc_t *p);
/* The smallest of: the cgroup v2 memory.max of this process's cgroup (from proc/self/cgroup)
 * and of the cgroup root, the cgroup v1 memory.limit_in_bytes likewise, and MemTotal from
 * proc/meminfo. "max" and v1's "unlimited" (a huge number) do not count as limits. */
uint64_t asr_proc_memory_limit(const asr_proc_t *p);
void asr_proc_net_bytes(const asr_proc_t *p, uint64_t *rx, uint64_t *tx);
/* CPUs the cgroup CPU quota allows this process, rounded up: the smallest of the v2 cpu.max
 * ("QUOTA PERIOD"; "max" is none) of its own cgroup (from proc/self/cgroup) and of the root,
 * and the v1 cpu.cfs_quota_us / cpu.cfs_period_us likewise. 0: no quota found. */
uint32_t asr_proc_cpu_quota(const asr_proc_t *p);

#endif
