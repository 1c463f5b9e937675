/* guard.c - signal handlers for abnormal ends (see guard.h).
 *
 * Everything a handler does is async-signal-safe (write, unlink, dup2, read,
 * lseek, _exit) except reading the simulation clock, which is a plain load of
 * a double that SimGrid keeps. */
#define _GNU_SOURCE
#include "actors/guard.h"

#include <errno.h>
#include <signal.h>
#include <simgrid/engine.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static char temp_path[4096];
static volatile sig_atomic_t engine_ready;
static int capture_fd = -1, saved_stderr = -1;
static char capture_what[1024];
static struct sigaction previous[32];

static void put(const char *s)
{
  size_t n = strlen(s);
  while (n > 0) {
    ssize_t w = write(STDERR_FILENO, s, n);
    if (w <= 0 && errno != EINTR)
      return;
    if (w > 0) {
      s += w;
      n -= (size_t)w;
    }
  }
}

/* "%.6f" without stdio. */
static void format_time(char *buf, double t)
{
  if (!(t >= 0) || t > 1e15) {
    strcpy(buf, "?");
    return;
  }
  uint64_t micro = (uint64_t)(t * 1e6 + 0.5);
  uint64_t whole = micro / 1000000, frac = micro % 1000000;
  char tmp[32];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + whole % 10);
    whole /= 10;
  } while (whole);
  int k = 0;
  while (n)
    buf[k++] = tmp[--n];
  buf[k++] = '.';
  for (int d = 100000; d >= 1; d /= 10)
    buf[k++] = (char)('0' + (frac / (uint64_t)d) % 10);
  buf[k] = '\0';
}

static const char *signal_name(int sig)
{
  switch (sig) {
  case SIGINT: return "SIGINT";
  case SIGTERM: return "SIGTERM";
  case SIGHUP: return "SIGHUP";
  case SIGABRT: return "SIGABRT";
  case SIGSEGV: return "SIGSEGV";
  case SIGBUS: return "SIGBUS";
  case SIGFPE: return "SIGFPE";
  case SIGILL: return "SIGILL";
  default: return "a signal";
  }
}

static void say_stopped(const char *how, int sig)
{
  char t[48];
  format_time(t, engine_ready ? simgrid_get_clock() : 0.0);
  put(isatty(STDERR_FILENO) ? "\nmecsim: " : "mecsim: "); /* a progress line may be open */
  put(how);
  put(signal_name(sig));
  put(" at simulated time ");
  put(t);
  put(" s; no trace was written\n");
}

/* SimGrid aborted while loading: turn its CRITICAL message into ours. */
static void report_capture(void)
{
  char buf[8192];
  ssize_t n = -1;
  if (lseek(capture_fd, 0, SEEK_SET) == 0)
    n = read(capture_fd, buf, sizeof buf - 1);
  buf[n > 0 ? n : 0] = '\0';
  const char *msg = strstr(buf, "/CRITICAL] ");
  msg = msg ? msg + strlen("/CRITICAL] ") : NULL;
  put("mecsim: ");
  put(capture_what);
  put(": ");
  if (msg && *msg) {
    const char *end = strchr(msg, '\n');
    size_t len = end ? (size_t)(end - msg) : strlen(msg);
    while (len > 0) {
      ssize_t w = write(STDERR_FILENO, msg, len);
      if (w <= 0)
        break;
      msg += w;
      len -= (size_t)w;
    }
    put("\n");
  } else {
    put("SimGrid stopped while loading it\n");
  }
}

/* Signals can reach several threads at once (OpenBLAS keeps a pool, and
 * `timeout` signals the child and then its group): the first thread in
 * handles the end, the others wait for its _exit. */
static volatile int entered;

static void wait_if_not_first(void)
{
  if (__sync_lock_test_and_set(&entered, 1))
    for (;;)
      pause();
}

static void on_stop(int sig)
{
  wait_if_not_first();
  if (capture_fd >= 0)
    dup2(saved_stderr, STDERR_FILENO);
  if (temp_path[0])
    unlink(temp_path);
  say_stopped("interrupted by ", sig);
  _exit(128 + sig);
}

static void on_crash(int sig, siginfo_t *info, void *uctx)
{
  (void)uctx;
  wait_if_not_first();
  if (temp_path[0])
    unlink(temp_path);
  if (sig == SIGABRT && capture_fd >= 0) { /* a SimGrid input error while loading */
    dup2(saved_stderr, STDERR_FILENO);
    report_capture();
    _exit(2);
  }
  if (capture_fd >= 0)
    dup2(saved_stderr, STDERR_FILENO); /* the user must see this one */
  say_stopped("stopped by ", sig);
  /* Hand the signal to whoever handled it before (SimGrid's stack-overflow
   * report, AddressSanitizer), or to the default action. */
  sigaction(sig, &previous[sig], NULL);
  if (sig == SIGABRT || info->si_code <= 0)
    raise(sig); /* sent, not a fault: a fault recurs by itself on return */
}

void mec_guard_install(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = on_stop;
  int stops[] = {SIGINT, SIGTERM, SIGHUP};
  for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++)
    sigaction(stops[i], &sa, NULL);
  memset(&sa, 0, sizeof sa);
  sigemptyset(&sa.sa_mask);
  sa.sa_sigaction = on_crash;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
  int crashes[] = {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL};
  for (size_t i = 0; i < sizeof crashes / sizeof crashes[0]; i++) {
    struct sigaction cur;
    sigaction(crashes[i], NULL, &cur);
    if ((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_crash)
      continue; /* installed already: keep the handler it chains to */
    previous[crashes[i]] = cur;
    sigaction(crashes[i], &sa, NULL);
  }
  /* A file-size limit makes writes fail with EFBIG (reported like a full
   * disk) instead of killing the process with the trace half-written. */
  signal(SIGXFSZ, SIG_IGN);
}

void mec_guard_set_temp(const char *path)
{
  temp_path[0] = '\0';
  if (path && strlen(path) < sizeof temp_path)
    strcpy(temp_path, path);
}

void mec_guard_engine_ready(void)
{
  engine_ready = 1;
}

int mec_guard_capture_begin(const char *what)
{
  snprintf(capture_what, sizeof capture_what, "%s", what);
  if (capture_fd >= 0)
    return 0; /* already capturing: a new label for what follows */
  fflush(stderr);
  int fd = memfd_create("mecsim-stderr", MFD_CLOEXEC);
  int saved = fd >= 0 ? dup(STDERR_FILENO) : -1;
  if (fd < 0 || saved < 0 || dup2(fd, STDERR_FILENO) < 0) {
    if (fd >= 0)
      close(fd);
    if (saved >= 0)
      close(saved);
    return -1;
  }
  saved_stderr = saved;
  capture_fd = fd;
  return 0;
}

void mec_guard_capture_end(int replay)
{
  if (capture_fd < 0)
    return;
  fflush(stderr);
  dup2(saved_stderr, STDERR_FILENO);
  char buf[4096];
  ssize_t n;
  if (replay && lseek(capture_fd, 0, SEEK_SET) == 0)
    while ((n = read(capture_fd, buf, sizeof buf)) > 0)
      if (write(STDERR_FILENO, buf, (size_t)n) < 0)
        break;
  close(capture_fd);
  close(saved_stderr);
  capture_fd = saved_stderr = -1;
}
