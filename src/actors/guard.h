/* guard.h - how a run ends when it cannot end normally.
 *
 * mecsim promises that no abnormal end (SIGINT, SIGTERM, SIGHUP, a SimGrid
 * abort, a crash) leaves a half-written trace behind, and that each one says
 * at what simulated time it stopped. The handlers below remove the trace's
 * temporary file (unlink is async-signal-safe) and print one line.
 *
 * SimGrid reports some input errors only by aborting (xbt_die: a CRITICAL
 * log line, a backtrace, SIGABRT). While it loads the platform and the
 * deployment, mecsim captures stderr; if SimGrid aborts, the handler prints
 * SimGrid's message as mecsim's one-line error ("mecsim: deployment F: ...")
 * and exits 2 instead of showing a backtrace. */
#ifndef MECSIM_GUARD_H
#define MECSIM_GUARD_H

/* Installs the handlers: once before simgrid_init (its option errors may
 * abort), and again after it, to replace SimGrid's SIGINT handler (which
 * dumps every actor) and to chain to its SIGSEGV handler. */
void mec_guard_install(void);

/* The file to delete on an abnormal end (NULL: none). Copied. */
void mec_guard_set_temp(const char *path);

/* The simulation clock may be read from now on (the engine exists). */
void mec_guard_engine_ready(void);

/* Between begin and end, stderr goes to a buffer; a SimGrid abort in between
 * becomes "mecsim: WHAT: <SimGrid's message>" and exit 2. Calling begin again
 * while capturing only changes WHAT. end(1) copies what was captured
 * (warnings) to the real stderr: for a run that starts; end(0) drops it, so
 * that an input error is the only line. begin returns 0, or -1 if stderr
 * could not be captured (then errors show up as SimGrid prints them). */
int mec_guard_capture_begin(const char *what);
void mec_guard_capture_end(int replay);
#endif
