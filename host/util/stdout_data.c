/* Standard output as a data channel (see stdout_data.h). */
#include "util/stdout_data.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int data_fd = -1; /* the claimed data channel; -1: not claimed */
static int held_fd = -1; /* stdout while held (descriptor 1 is a memory file then) */

int asr_stdout_path(const char *path) {
  return path && (strcmp(path, "-") == 0 || strcmp(path, "/dev/stdout") == 0 ||
                  strcmp(path, "/dev/fd/1") == 0 || strcmp(path, "/proc/self/fd/1") == 0);
}

int asr_stdout_claim(void) {
  if (data_fd >= 0) return 0;
  int fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  if (fd < 0) return errno;
  /* Not flushed first: anything stdio holds for stdout (a strategy's top-level print) goes
   * to stderr with everything after it, not into the data. */
  if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
    int e = errno;
    close(fd);
    return e;
  }
  data_fd = fd;
  fflush(stdout);
  setvbuf(stdout, NULL, _IOLBF, 0); /* it is stderr now: lines as they come, beside the logs */
  return 0;
}

int asr_stdout_data_fd(void) { return data_fd >= 0 ? data_fd : STDOUT_FILENO; }

void asr_stdout_release(void) {
  if (data_fd < 0) return;
  fflush(stdout);
  dup2(data_fd, STDOUT_FILENO);
  close(data_fd);
  data_fd = -1;
}

int asr_stdout_hold(void) {
  if (held_fd >= 0 || data_fd >= 0) return 0;
  fflush(stdout);
  int mem = memfd_create("asrun-stdout", MFD_CLOEXEC);
  if (mem < 0) return errno;
  held_fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  if (held_fd < 0 || dup2(mem, STDOUT_FILENO) < 0) {
    int e = errno;
    if (held_fd >= 0) close(held_fd);
    held_fd = -1;
    close(mem);
    return e;
  }
  close(mem);
  return 0;
}

/* Copies what descriptor `from` holds, from its start, to `to`. */
static void copy_held(int from, int to) {
  char buf[4096];
  ssize_t n;
  off_t off = 0;
  while ((n = pread(from, buf, sizeof buf, off)) > 0) {
    off += n;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = write(to, buf + done, (size_t)(n - done));
      if (w <= 0 && errno != EINTR) return;
      if (w > 0) done += w;
    }
  }
}

int asr_stdout_settle(int to_data) {
  if (held_fd < 0) return to_data ? asr_stdout_claim() : 0;
  fflush(stdout);
  int mem = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  dup2(held_fd, STDOUT_FILENO); /* stdout as it was */
  close(held_fd);
  held_fd = -1;
  int rc = to_data ? asr_stdout_claim() : 0;
  if (mem >= 0) {
    copy_held(mem, STDOUT_FILENO); /* stderr once claimed */
    close(mem);
  }
  return rc;
}
