/* /proc and cgroup readings under a root directory: see proc.h. Each reader opens one or two
 * small files and parses only the lines it needs; failures read as 0. */
#include "metrics/proc.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PATH_CAP 1024
#define LINE_CAP 512
/* cgroup v1 reports "no limit" as PAGE_COUNTER_MAX pages (~2^63); anything this large is none */
#define HUGE_LIMIT (UINT64_C(1) << 62)

void asr_proc_init(asr_proc_t *p, const char *root) { p->root = root ? root : "/"; }

/* root + "/" + rel, without doubling a trailing slash of root. 0, or -1 when too long. */
static int join(const asr_proc_t *p, const char *rel, char *path) {
  size_t n = strlen(p->root);
  while (n > 0 && p->root[n - 1] == '/') n--;
  int w = snprintf(path, PATH_CAP, "%.*s/%s", (int)n, p->root, rel);
  return w > 0 && w < PATH_CAP ? 0 : -1;
}

static FILE *open_rel(const asr_proc_t *p, const char *rel) {
  char path[PATH_CAP];
  if (join(p, rel, path)) return NULL;
  return fopen(path, "re");
}

/* Reads a small file whole into buf (NUL-terminated). Returns its length or -1. */
static ssize_t read_small(const asr_proc_t *p, const char *rel, char *buf, size_t cap) {
  char path[PATH_CAP];
  if (join(p, rel, path)) return -1;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t len = 0;
  while (len + 1 < cap) {
    ssize_t r = read(fd, buf + len, cap - 1 - len);
    if (r <= 0) break;
    len += (size_t)r;
  }
  close(fd);
  buf[len] = '\0';
  return (ssize_t)len;
}

/* Parses up to n unsigned numbers separated by blanks; returns how many were found. */
static int parse_u64s(const char *s, uint64_t *v, int n) {
  int i = 0;
  for (; i < n; i++) {
    char *end;
    while (*s == ' ' || *s == '\t') s++;
    if (*s < '0' || *s > '9') break;
    v[i] = strtoull(s, &end, 10);
    s = end;
  }
  return i;
}

double asr_proc_cpu_seconds(const asr_proc_t *p) {
  char buf[1024];
  if (read_small(p, "proc/self/stat", buf, sizeof buf) <= 0) return 0.0;
  /* the command name (field 2) may hold blanks and parentheses: fields restart after the
   * last ')'; field 3 is the state letter, utime and stime are fields 14 and 15 */
  const char *s = strrchr(buf, ')');
  if (!s) return 0.0;
  s++;
  for (int skip = 0; skip < 11; skip++) { /* fields 3..13 */
    while (*s == ' ') s++;
    while (*s && *s != ' ') s++;
    if (!*s) return 0.0;
  }
  uint64_t t[2];
  if (parse_u64s(s, t, 2) != 2) return 0.0;
  long hz = sysconf(_SC_CLK_TCK);
  return hz > 0 ? (double)(t[0] + t[1]) / (double)hz : 0.0;
}

void asr_proc_system_cpu(const asr_proc_t *p, uint64_t *busy, uint64_t *total, uint32_t *ncpu) {
  *busy = *total = 0;
  *ncpu = 0;
  FILE *f = open_rel(p, "proc/stat");
  if (!f) return;
  char line[LINE_CAP];
  /* "cpu  user nice system idle iowait irq softirq steal guest guest_nice", then one cpuN
   * line per online CPU; the lines after them (intr, ...) are not read */
  while (fgets(line, sizeof line, f) && strncmp(line, "cpu", 3) == 0) {
    if (line[3] >= '0' && line[3] <= '9') {
      (*ncpu)++;
      continue;
    }
    uint64_t v[8] = {0};
    int n = parse_u64s(line + 3, v, 8);
    if (n < 4) continue;
    for (int i = 0; i < n; i++) *total += v[i];
    *busy = *total - v[3] - v[4]; /* idle and iowait (v[4] is 0 when absent) */
  }
  fclose(f);
}

uint64_t asr_proc_rss_bytes(const asr_proc_t *p) {
  char buf[256];
  uint64_t v[2];
  if (read_small(p, "proc/self/statm", buf, sizeof buf) <= 0 || parse_u64s(buf, v, 2) != 2)
    return 0;
  long page = sysconf(_SC_PAGESIZE);
  return page > 0 ? v[1] * (uint64_t)page : 0;
}

/* One limit file: its value, or 0 for none ("max", unlimited, missing, unparsable). */
static uint64_t read_limit(const asr_proc_t *p, const char *rel) {
  char buf[64];
  uint64_t v;
  if (read_small(p, rel, buf, sizeof buf) <= 0 || parse_u64s(buf, &v, 1) != 1) return 0;
  return v >= HUGE_LIMIT ? 0 : v;
}

static uint64_t min_limit(uint64_t a, uint64_t b) { return a && (!b || a < b) ? a : b; }

static uint64_t mem_total(const asr_proc_t *p) {
  FILE *f = open_rel(p, "proc/meminfo");
  if (!f) return 0;
  char line[LINE_CAP];
  uint64_t kb = 0;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "MemTotal:", 9) == 0) {
      parse_u64s(line + 9, &kb, 1);
      break;
    }
  }
  fclose(f);
  return kb * 1024u;
}

/* Calls visit(p, ud, v2, controllers, path) for each line of proc/self/cgroup ("0::/path" for
 * v2, "N:controllers:/path" for v1) whose path is not the root (the root's files are read
 * anyway). */
typedef void (*cgroup_visit_fn)(const asr_proc_t *p, void *ud, int v2, const char *ctrl,
                                const char *path);

static void for_each_own_cgroup(const asr_proc_t *p, cgroup_visit_fn visit, void *ud) {
  FILE *f = open_rel(p, "proc/self/cgroup");
  if (!f) return;
  char line[LINE_CAP];
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = '\0';
    char *ctrl = strchr(line, ':');
    char *path = ctrl ? strchr(ctrl + 1, ':') : NULL;
    if (!path || strcmp(path + 1, "/") == 0) continue;
    *ctrl++ = '\0'; /* line: hierarchy id, ctrl: controllers, path: cgroup path */
    *path++ = '\0';
    visit(p, ud, strcmp(line, "0") == 0 && *ctrl == '\0', ctrl, path);
  }
  fclose(f);
}

/* The memory limit file of one of this process's cgroups. */
static void visit_memory_limit(const asr_proc_t *p, void *ud, int v2, const char *ctrl,
                               const char *path) {
  char rel[PATH_CAP];
  int w = v2                      ? snprintf(rel, sizeof rel, "sys/fs/cgroup%s/memory.max", path)
          : strstr(ctrl, "memory") ? snprintf(rel, sizeof rel,
                                              "sys/fs/cgroup/memory%s/memory.limit_in_bytes", path)
                                   : -1;
  uint64_t *limit = ud;
  if (w > 0 && (size_t)w < sizeof rel) *limit = min_limit(*limit, read_limit(p, rel));
}

uint64_t asr_proc_memory_limit(const asr_proc_t *p) {
  uint64_t limit = 0;
  for_each_own_cgroup(p, visit_memory_limit, &limit);
  limit = min_limit(limit, read_limit(p, "sys/fs/cgroup/memory.max"));
  limit = min_limit(limit, read_limit(p, "sys/fs/cgroup/memory/memory.limit_in_bytes"));
  return min_limit(limit, mem_total(p));
}

/* CPUs a quota file pair allows: v2 cpu.max "QUOTA PERIOD" ("max ...": none), or v1
 * cpu.cfs_quota_us (-1: none) with cpu.cfs_period_us. Rounded up; 0: no quota. */
static uint32_t quota_cpus(const asr_proc_t *p, const char *dir, int v2) {
  char rel[PATH_CAP], buf[64];
  uint64_t quota = 0, period = 0;
  if (v2) {
    uint64_t v[2];
    snprintf(rel, sizeof rel, "%s/cpu.max", dir);
    if (read_small(p, rel, buf, sizeof buf) <= 0 || parse_u64s(buf, v, 2) != 2) return 0;
    quota = v[0], period = v[1];
  } else {
    snprintf(rel, sizeof rel, "%s/cpu.cfs_quota_us", dir);
    if (read_small(p, rel, buf, sizeof buf) <= 0 || buf[0] == '-' || parse_u64s(buf, &quota, 1) != 1)
      return 0;
    snprintf(rel, sizeof rel, "%s/cpu.cfs_period_us", dir);
    if (read_small(p, rel, buf, sizeof buf) <= 0 || parse_u64s(buf, &period, 1) != 1) return 0;
  }
  if (!quota || !period) return 0;
  uint64_t n = (quota + period - 1) / period;
  return n > UINT32_MAX ? 0 : (uint32_t)n;
}

static uint32_t min_cpus(uint32_t a, uint32_t b) { return a && (!b || a < b) ? a : b; }

/* The CPU quota of one of this process's cgroups (v1: the directory of a cpu controller). */
static void visit_cpu_quota(const asr_proc_t *p, void *ud, int v2, const char *ctrl,
                            const char *path) {
  char dir[PATH_CAP];
  int w = v2 ? snprintf(dir, sizeof dir, "sys/fs/cgroup%s", path)
          : strstr(ctrl, "cpu") && !strstr(ctrl, "cpuset")
              ? snprintf(dir, sizeof dir, "sys/fs/cgroup/%s%s", ctrl, path)
              : -1;
  uint32_t *cpus = ud;
  if (w > 0 && (size_t)w < sizeof dir) *cpus = min_cpus(*cpus, quota_cpus(p, dir, v2));
}

uint32_t asr_proc_cpu_quota(const asr_proc_t *p) {
  uint32_t cpus = min_cpus(quota_cpus(p, "sys/fs/cgroup", 1), quota_cpus(p, "sys/fs/cgroup/cpu", 0));
  for_each_own_cgroup(p, visit_cpu_quota, &cpus);
  return cpus;
}

void asr_proc_net_bytes(const asr_proc_t *p, uint64_t *rx, uint64_t *tx) {
  *rx = *tx = 0;
  FILE *f = open_rel(p, "proc/self/net/dev");
  if (!f) return;
  char line[LINE_CAP];
  while (fgets(line, sizeof line, f)) {
    /* "  eth0: rx_bytes packets errs drop fifo frame compressed multicast tx_bytes ..."; the
     * two header lines have no ':' */
    const char *colon = strchr(line, ':');
    uint64_t v[9];
    if (colon && parse_u64s(colon + 1, v, 9) == 9) {
      *rx += v[0];
      *tx += v[8];
    }
  }
  fclose(f);
}

void asr_proc_read(const asr_proc_t *p, asr_proc_sample_t *out) {
  out->process_cpu_s = asr_proc_cpu_seconds(p);
  asr_proc_system_cpu(p, &out->cpu_busy, &out->cpu_total, &out->cpu_count);
  out->rss_bytes = asr_proc_rss_bytes(p);
  out->memory_limit_bytes = asr_proc_memory_limit(p);
  asr_proc_net_bytes(p, &out->net_rx_bytes, &out->net_tx_bytes);
}
