/* main.c - the mecsim command line.
 *
 *   mecsim PLATFORM.xml DEPLOYMENT.xml [options] [--cfg=...] [--log=...]
 *
 * main only parses options, loads the platform and deployment, builds the
 * world (src/actors/setup.c), runs the simulation and finalizes the trace.
 * Exit codes: 0 success, 1 the run failed, 2 bad input. */
#include "actors/deploy_check.h"
#include "actors/guard.h"
#include "actors/load_shim.h"
#include "actors/setup.h"
#include "actors/sg_options.h"
#include "actors/world.h"
#include "model/scenario.h"
#include "policies/policy.h"
#include "trace/trace.h"

#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xbt/log.h>

XBT_LOG_NEW_CATEGORY(mecsim, "mecsim: MEC offloading simulator");

static void usage(FILE *out)
{
  fprintf(out,
          "Usage: mecsim PLATFORM.xml DEPLOYMENT.xml [options]\n"
          "\n"
          "Simulates mobile devices offloading tasks to edge servers (SimGrid %d.%d).\n"
          "\n"
          "Options:\n"
          "  --policy NAME        offloading policy (--list-policies); same as --set policy=NAME\n"
          "  --policy-args ARGS   policy arguments \"key=value,...\"\n"
          "  --seed N             run seed (default 1)\n"
          "  --trace FILE         HDF5 trace (default mecsim-trace.h5); --no-trace for none\n"
          "  --until T            stop at simulated time T seconds\n"
          "  --set KEY=VALUE      set any scenario knob; also --KEY=VALUE or --KEY VALUE\n"
          "  --trace-attr KEY=VALUE  add a string attribute to the trace's root (repeatable;\n"
          "                       e.g. a sweep's id and parameters, docs/trace.md)\n"
          "  --quiet              no progress line\n"
          "  --progress N         a progress line with ETA every N wall seconds, even when\n"
          "                       stderr is not a terminal (default 0: on a terminal only)\n"
          "  --list-policies      list the policies and exit\n"
          "  --list-knobs         list every scenario knob with unit and default, and exit\n"
          "  --version            print versions and exit\n"
          "  --help               this help\n"
          "  --cfg=NAME:VALUE     SimGrid configuration (e.g. --cfg=network/model:LV08)\n"
          "  --log=...            SimGrid logging (e.g. --log=mec_task.thres:debug)\n"
          "\n"
          "mecsim's SimGrid defaults (override with --cfg): network/model:CM02,\n"
          "network/crosstraffic:0 and network/TCP-gamma:0 so transfers take\n"
          "size/bandwidth + latency exactly;\n"
          "contexts/stack-size:64 (KiB) and contexts/guard-size:0 for 10^5 actors.\n"
          "\n"
          "Knob precedence: defaults < <prop>s of the base_station actor in the\n"
          "deployment < the command line. See README.md, docs/model.md and docs/trace.md\n"
          "(in " MECSIM_SOURCE_DIR ").\n",
          SIMGRID_VERSION_MAJOR, SIMGRID_VERSION_MINOR);
}

static void list_policies(void)
{
  for (size_t i = 0; i < mec_policy_count(); i++) {
    const mec_policy_ops_t *p = mec_policy_at(i);
    printf("%-18s %s\n", p->name, p->summary);
  }
}

/* Joins argv into one string for the trace. */
static char *join_args(int argc, char **argv)
{
  size_t len = 1;
  for (int i = 0; i < argc; i++)
    len += strlen(argv[i]) + 1;
  char *s = malloc(len);
  if (!s)
    return NULL;
  s[0] = '\0';
  for (int i = 0; i < argc; i++) {
    strcat(s, argv[i]);
    if (i + 1 < argc)
      strcat(s, " ");
  }
  return s;
}

/* SimGrid's messages can span lines (e.g. a list of valid keys): keep the first. */
/* The first line of a SimGrid message, with every other control character
 * shown as '?': the message may quote bytes of the user's file (a parse
 * error's "unknown unit: ..."), and a carriage return or a file separator
 * there would break the one-line error into several. */
static const char *first_line(char *msg)
{
  char *nl = strchr(msg, '\n');
  if (nl)
    *nl = '\0';
  for (unsigned char *c = (unsigned char *)msg; *c; c++)
    if (*c < 0x20 || *c == 0x7f)
      *c = '?';
  return msg;
}

static void on_deadlock(void)
{
  if (mec_world)
    mec_world->deadlocked = 1;
}

/* Every generated task must be done, or (with --until) still in flight at
 * the horizon, where it is counted. Anything else is an error, never exit 0. */
static void account_for_tasks(mec_world_t *w)
{
  if (w->sc.until > 0 && simgrid_get_clock() >= w->sc.until - 1e-9) {
    w->tasks_unfinished = w->tasks_in_flight;
    return;
  }
  if (w->tasks_done == w->tasks_expected && w->tasks_in_flight == 0 && !w->deadlocked)
    return;
  w->failed = 1;
  w->fail_time = simgrid_get_clock();
  snprintf(w->error, sizeof w->error,
           "%llu of %llu tasks never finished%s (a bug: please report it with the inputs and this message)",
           (unsigned long long)(w->tasks_expected - w->tasks_done), (unsigned long long)w->tasks_expected,
           w->deadlocked ? ": SimGrid found every actor blocked (deadlock)" : "");
}

/* One line on stderr, exit code 2. The arguments quoted come from the
 * command line and may hold a newline or other control characters: they are
 * shown as '?' so that the message stays one line. */
static int bad_input(const char *fmt, const char *a, const char *b)
{
  char msg[1024];
  snprintf(msg, sizeof msg, fmt, a, b);
  for (char *c = msg; *c; c++)
    if ((unsigned char)*c < 0x20 || *c == 0x7f)
      *c = '?';
  fprintf(stderr, "mecsim: %s\n", msg);
  return 2;
}

int main(int argc, char **argv)
{
  const char *positional[2] = {NULL, NULL};
  int n_positional = 0;
  char **overrides = calloc((size_t)argc * 2 + 4, sizeof *overrides);
  int n_overrides = 0;
  char **sg_argv = calloc((size_t)argc + 8, sizeof *sg_argv);
  const char **user_attrs = calloc((size_t)argc + 1, sizeof *user_attrs); /* --trace-attr KEY=VALUE */
  int n_user_attrs = 0;
  int sg_argc = 0;
  int rc = 0;
  int sg_started = 0; /* simgrid_init succeeded */
  char *command_line = join_args(argc, argv);
  if (!overrides || !sg_argv || !user_attrs || !command_line) {
    fprintf(stderr, "mecsim: out of memory\n");
    return 1;
  }
  /* SimGrid defaults first, so the user's --cfg wins. */
  sg_argv[sg_argc++] = argv[0];
  sg_argv[sg_argc++] = "--log=xbt_cfg.thres:warning";
  sg_argv[sg_argc++] = "--log=surf_parse.thres:warning"; /* no "v4.0 file" notice beside an error */
  sg_argv[sg_argc++] = "--log=ker_context.thres:warning"; /* no notice that our stack-size default is moot */
  sg_argv[sg_argc++] = "--cfg=network/model:CM02";
  sg_argv[sg_argc++] = "--cfg=network/crosstraffic:0";
  sg_argv[sg_argc++] = "--cfg=network/TCP-gamma:0"; /* no TCP window cap on fiber hops */
  sg_argv[sg_argc++] = "--cfg=contexts/stack-size:64";
  sg_argv[sg_argc++] = "--cfg=contexts/guard-size:0";

  mec_scenario_t probe; /* checks command-line knobs before anything is loaded */
  mec_scenario_defaults(&probe);
  for (int i = 1; i < argc && rc == 0; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      goto done;
    } else if (strcmp(a, "--version") == 0) {
      printf("mecsim %s (SimGrid %d.%d.%d)\n", MECSIM_VERSION, SIMGRID_VERSION_MAJOR, SIMGRID_VERSION_MINOR,
             SIMGRID_VERSION_PATCH);
      goto done;
    } else if (strcmp(a, "--list-policies") == 0) {
      list_policies();
      goto done;
    } else if (strcmp(a, "--list-knobs") == 0) {
      mec_scenario_print_help(stdout);
      goto done;
    } else if (strncmp(a, "--cfg=", 6) == 0 || strncmp(a, "--log=", 6) == 0) {
      char serr[512];
      if (mec_check_sg_option(a, serr, sizeof serr) != 0)
        rc = bad_input("%s%s", serr, "");
      sg_argv[sg_argc++] = argv[i];
    } else if (strcmp(a, "--quiet") == 0) {
      overrides[n_overrides++] = strdup("quiet=1");
    } else if (strcmp(a, "--no-trace") == 0) {
      overrides[n_overrides++] = strdup("trace=");
    } else if (strcmp(a, "--trace-attr") == 0 || strncmp(a, "--trace-attr=", 13) == 0) {
      const char *kv = a[12] == '=' ? a + 13 : (i + 1 < argc ? argv[++i] : NULL);
      char aerr[256];
      if (!kv) {
        rc = bad_input("option '%s' needs KEY=VALUE%s", a, "");
        break;
      }
      if (trace_check_user_attr(kv, aerr, sizeof aerr) != 0) {
        rc = bad_input("option '--trace-attr': %s%s", aerr, "");
        break;
      }
      size_t klen = (size_t)(strchr(kv, '=') - kv);
      for (int j = 0; j < n_user_attrs; j++)
        if (strncmp(user_attrs[j], kv, klen) == 0 && user_attrs[j][klen] == '=') {
          char key[65];
          memcpy(key, kv, klen);
          key[klen] = '\0';
          rc = bad_input("option '--trace-attr': key '%s' given twice%s", key, "");
          break;
        }
      user_attrs[n_user_attrs++] = kv;
    } else if (strcmp(a, "--set") == 0) {
      if (i + 1 >= argc) {
        rc = bad_input("option '%s' needs KEY=VALUE%s", a, "");
        break;
      }
      overrides[n_overrides++] = strdup(argv[++i]);
    } else if (strncmp(a, "--", 2) == 0) {
      /* --KEY=VALUE or --KEY VALUE for any knob; dashes in KEY mean underscores */
      char key[128];
      const char *eq = strchr(a, '=');
      size_t klen = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
      if (klen == 0 || klen >= sizeof key) {
        rc = bad_input("unknown option '%s' (see --help)%s", a, "");
        break;
      }
      memcpy(key, a + 2, klen);
      key[klen] = '\0';
      for (char *p = key; *p; p++)
        if (*p == '-')
          *p = '_';
      if (!mec_scenario_find_knob(key)) {
        rc = bad_input("unknown option '%s' (see --help, and --list-knobs for scenario knobs)%s", a, "");
        break;
      }
      const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
      if (!value) {
        rc = bad_input("option '%s' needs a value%s", a, "");
        break;
      }
      char *kv = malloc(strlen(key) + strlen(value) + 2);
      if (!kv) {
        rc = bad_input("out of memory%s%s", "", "");
        break;
      }
      sprintf(kv, "%s=%s", key, value);
      overrides[n_overrides++] = kv;
    } else if (a[0] == '-' && a[1] != '\0') {
      rc = bad_input("unknown option '%s' (see --help)%s", a, "");
    } else if (n_positional < 2) {
      positional[n_positional++] = a;
    } else {
      rc = bad_input("unexpected argument '%s': expected PLATFORM.xml DEPLOYMENT.xml%s", a, "");
    }
  }
  for (int i = 0; rc == 0 && i < n_overrides; i++) {
    char err[512];
    if (mec_scenario_set_kv(&probe, overrides[i], err, sizeof err) != 0)
      rc = bad_input("command line: %s%s", err, "");
  }
  if (rc == 0 && n_positional != 2) {
    usage(stderr);
    rc = 2;
  }
  for (int i = 0; rc == 0 && i < 2; i++) {
    struct stat st;
    if (access(positional[i], R_OK) != 0)
      rc = bad_input("cannot read %s file '%s'", i == 0 ? "platform" : "deployment", positional[i]);
    else if (stat(positional[i], &st) != 0 || !S_ISREG(st.st_mode))
      rc = bad_input("%s file '%s' is not a regular file", i == 0 ? "platform" : "deployment", positional[i]);
  }
  if (rc)
    goto done;

  /* SimGrid reports some input errors by aborting: from its option parsing
   * to the end of setup, stderr is captured, an abort becomes our one line,
   * and what SimGrid printed is shown only if the run starts. */
  char load_err[2048];
  mec_guard_install();
  mec_guard_capture_begin("command line: SimGrid option");
  int init_rc = mec_simgrid_init(&sg_argc, sg_argv, load_err, sizeof load_err);
  if (init_rc != 0) {
    mec_guard_capture_end(0);
    fprintf(stderr, "mecsim: command line: SimGrid option: %s\n", first_line(load_err));
    rc = 2;
    goto done;
  }
  sg_started = 1;
  mec_guard_engine_ready();
  mec_guard_install(); /* after simgrid_init: replaces SimGrid's SIGINT handler */
  char what[4200];
  snprintf(what, sizeof what, "platform %s", positional[0]);
  mec_guard_capture_begin(what);
  if (mec_load_platform(positional[0], load_err, sizeof load_err) != 0) {
    mec_guard_capture_end(0);
    fprintf(stderr, "mecsim: platform %s: %s\n", positional[0], first_line(load_err));
    rc = 2;
    goto done;
  }
  simgrid_register_function("mobile_device", mec_mobile_device);
  simgrid_register_function("edge_server", mec_edge_server);
  simgrid_register_function("base_station", mec_base_station);
  /* Hosts and functions of the deployment are checked first: SimGrid aborts on them. */
  if (mec_check_deployment(positional[1], load_err, sizeof load_err) != 0) {
    mec_guard_capture_end(0);
    fprintf(stderr, "mecsim: %s\n", load_err);
    rc = 2;
    goto done;
  }
  snprintf(what, sizeof what, "deployment %s", positional[1]);
  mec_guard_capture_begin(what);
  if (mec_load_deployment(positional[1], load_err, sizeof load_err) != 0) {
    mec_guard_capture_end(0);
    fprintf(stderr, "mecsim: deployment %s: %s\n", positional[1], first_line(load_err));
    rc = 2;
    goto done;
  }
  snprintf(what, sizeof what, "platform %s", positional[0]); /* setup asks SimGrid about the platform */
  mec_guard_capture_begin(what);

  mec_world_t *w = calloc(1, sizeof *w);
  if (!w) {
    mec_guard_capture_end(1);
    fprintf(stderr, "mecsim: out of memory\n");
    rc = 1;
    goto done;
  }
  mec_world = w;
  mec_setup_input_t in = {positional[0], positional[1], (const char *const *)overrides, n_overrides, command_line};
  char err[2048];
  int setup_rc = mec_setup(w, &in, err, sizeof err);
  mec_guard_capture_end(setup_rc == 0);
  if (setup_rc != 0) {
    fprintf(stderr, "mecsim: %s\n", err);
    if (w->trace)
      trace_close(w->trace, 0);
    mec_world_free(w);
    rc = 2;
    goto done;
  }
  /* --trace-attr: a key must not be an attribute set-up has just written */
  for (int j = 0; w->trace && j < n_user_attrs; j++) {
    const char *kv = user_attrs[j];
    char key[65];
    size_t klen = (size_t)(strchr(kv, '=') - kv);
    memcpy(key, kv, klen);
    key[klen] = '\0';
    int has = trace_has_attr(w->trace, key);
    if (has != 0 || trace_set_attr_string(w->trace, key, kv + klen + 1) != 0) {
      if (has > 0)
        fprintf(stderr, "mecsim: option '--trace-attr': '%s' is an attribute mecsim writes itself (docs/trace.md); "
                        "choose another key\n", key);
      else
        fprintf(stderr, "mecsim: option '--trace-attr': cannot write root attribute '%s' to the trace\n", key);
      trace_close(w->trace, 0);
      w->trace = NULL;
      mec_world_free(w);
      rc = 2;
      goto done;
    }
  }
  if (w->trace)
    mec_guard_set_temp(trace_tmp_path(w->trace));
  mec_on_deadlock(on_deadlock);
  w->progress = !w->sc.quiet && (w->sc.progress > 0 || isatty(STDERR_FILENO));
  w->progress_every = w->sc.progress;
  clock_gettime(CLOCK_MONOTONIC, &w->wall_start);
  w->wall_last = w->wall_start;

  if (w->sc.until > 0)
    simgrid_run_until(w->sc.until);
  else
    simgrid_run();
  mec_world_progress_final();

  if (!w->failed)
    account_for_tasks(w);
  if (sg_actor_count() > 0) {
    /* --until cut the run: end the actors still alive (tasks in flight, the
     * arrivals, the sampler) now, so that they free what they hold while the
     * world exists, rather than at exit. */
    double cut = simgrid_get_clock();
    sg_actor_kill_all();
    simgrid_run();
    if (simgrid_get_clock() > cut + 1e-9 && !w->failed) {
      w->failed = 1;
      w->fail_time = simgrid_get_clock();
      snprintf(w->error, sizeof w->error, "the simulation went on after --until (a bug: please report it)");
    }
  }
  if (w->failed) {
    fprintf(stderr, "mecsim: simulation failed at simulated time %.6f s: %s%s\n", w->fail_time, w->error,
            w->trace ? "; no trace was written" : "");
    rc = 1;
  }
  if (w->trace) {
    trace_set_attr_double(w->trace, "end_time_s", w->last_done);
    trace_set_attr_int(w->trace, "tasks_done", (int64_t)w->tasks_done);
    trace_set_attr_int(w->trace, "tasks_unfinished_at_until", (int64_t)w->tasks_unfinished);
    trace_set_attr_int(w->trace, "handovers", (int64_t)w->handovers);
    if (w->sampling_stopped_at > 0)
      trace_set_attr_double(w->trace, "servers_sampling_stopped_at_s", w->sampling_stopped_at);
    char terr[1024];
    if (trace_close_msg(w->trace, rc == 0, terr, sizeof terr) != 0) {
      fprintf(stderr, "mecsim: %s (run ended at simulated time %.6f s; no trace was written)\n", terr,
              simgrid_get_clock());
      rc = 1;
    }
    w->trace = NULL;
    mec_guard_set_temp(NULL);
  }
  if (rc == 0) {
    double n = (double)w->tasks_done;
    char unfinished[96] = "";
    if (w->tasks_unfinished)
      snprintf(unfinished, sizeof unfinished, " (%llu more still in flight at --until)",
               (unsigned long long)w->tasks_unfinished);
    printf("mecsim: %llu tasks%s in %.6g s simulated | mean delay %.6g s | mean MD energy %.6g J | deadline misses "
           "%llu | policy %s, %llu decisions\n",
           (unsigned long long)w->tasks_done, unfinished, w->last_done, n > 0 ? w->sum_delay / n : 0.0,
           n > 0 ? w->sum_energy / n : 0.0, (unsigned long long)w->tasks_missed, w->policy->name,
           (unsigned long long)w->decisions);
    if (w->n_bs > 1)
      printf("mecsim: %d base stations | %llu handovers\n", w->n_bs, (unsigned long long)w->handovers);
    if (w->sc.trace[0])
      printf("mecsim: trace written to %s (read it with: /usr/bin/python3 %s/analysis/mecsim_trace.py %s)\n",
             w->sc.trace, MECSIM_SOURCE_DIR, w->sc.trace);
  }
  mec_world_free(w);
done:
  /* After an input error, SimGrid's exit-time chatter (never-started actors
   * skipping their cleanups, plugins' reports) would follow our one line. */
  if (rc == 2 && sg_started)
    xbt_log_control_set("root.thres:critical");
  for (int i = 0; i < n_overrides; i++)
    free(overrides[i]);
  free(command_line);
  free(user_attrs);
  free(overrides);
  free(sg_argv);
  return rc;
}
