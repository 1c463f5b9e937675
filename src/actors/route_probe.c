/* route_probe.c - see route_probe.h. */
#include "actors/route_probe.h"

#include <fcntl.h>
#include <signal.h>
#include <simgrid/host.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xbt/dynar.h>

int mec_probe_routes(const sg_host_t *src, const sg_host_t *dst, size_t n, size_t *bad)
{
  int fds[2];
  if (n == 0)
    return 0;
  if (pipe(fds) != 0)
    return -1;
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  if (pid == 0) { /* the child: announce each route, then compute it */
    close(fds[0]);
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0)
      dup2(null, STDERR_FILENO); /* SimGrid's crash report is not for the user */
    signal(SIGSEGV, SIG_DFL);
    signal(SIGABRT, SIG_DFL);
    signal(SIGBUS, SIG_DFL);
    xbt_dynar_t links = xbt_dynar_new(sizeof(sg_link_t), NULL);
    for (size_t i = 0; i < n; i++) {
      uint64_t k = i;
      if (write(fds[1], &k, sizeof k) != (ssize_t)sizeof k)
        _exit(3);
      xbt_dynar_reset(links);
      sg_host_get_route(src[i], dst[i], links);
    }
    xbt_dynar_free(&links);
    uint64_t end = UINT64_MAX;
    _exit(write(fds[1], &end, sizeof end) == (ssize_t)sizeof end ? 0 : 3);
  }
  close(fds[1]);
  uint64_t k, last = UINT64_MAX - 1;
  int finished = 0;
  ssize_t got;
  while ((got = read(fds[0], &k, sizeof k)) == (ssize_t)sizeof k) {
    if (k == UINT64_MAX)
      finished = 1;
    else
      last = k;
  }
  close(fds[0]);
  int status;
  while (waitpid(pid, &status, 0) < 0) {
  }
  if (finished && WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  if (last >= n)
    return -1; /* died before its first route: not SimGrid's routing */
  *bad = (size_t)last;
  return 1;
}
