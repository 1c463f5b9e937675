/* route_probe.c - see route_probe.h. The child announces each route in a
 * shared page before computing it (a store, not a system call: 10^5 device
 * routes take milliseconds), so the parent knows which one killed it. */
#include "actors/route_probe.h"

#include <fcntl.h>
#include <signal.h>
#include <simgrid/host.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xbt/dynar.h>

int mec_probe_routes(const sg_host_t *src, const sg_host_t *dst, size_t n, size_t *bad)
{
  if (n == 0)
    return 0;
  /* [0]: the route being computed; [1]: 1 once all are done */
  volatile uint64_t *progress = mmap(NULL, 2 * sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (progress == MAP_FAILED)
    return -1;
  progress[0] = UINT64_MAX;
  progress[1] = 0;
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    munmap((void *)progress, 2 * sizeof(uint64_t));
    return -1;
  }
  if (pid == 0) { /* the child */
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0)
      dup2(null, STDERR_FILENO); /* SimGrid's crash report is not for the user */
    signal(SIGSEGV, SIG_DFL);
    signal(SIGABRT, SIG_DFL);
    signal(SIGBUS, SIG_DFL);
    xbt_dynar_t links = xbt_dynar_new(sizeof(sg_link_t), NULL);
    for (size_t i = 0; i < n; i++) {
      progress[0] = i;
      xbt_dynar_reset(links);
      sg_host_get_route(src[i], dst[i], links);
    }
    xbt_dynar_free(&links);
    progress[1] = 1;
    _exit(0);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0) {
  }
  int rc = 0;
  if (!(progress[1] == 1 && WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
    rc = progress[0] < n ? 1 : -1; /* -1: died before its first route, not in SimGrid's routing */
    if (rc == 1)
      *bad = (size_t)progress[0];
  }
  munmap((void *)progress, 2 * sizeof(uint64_t));
  return rc;
}
