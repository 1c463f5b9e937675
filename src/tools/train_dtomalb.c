/* train_dtomalb.c - mecsim-train-dtomalb: trains DTOMALB, DTOMA, DQN-TOLB
 * (joint action, N <= 5 at M = 5), DQN-TOLB-branch or IDQL-TOLB on the
 * analytic slot environment, writes the model (HDF5, for
 * the policies of the same names) and the training curve (a trace's
 * /training), and optionally evaluates on held-out seeds against baselines.
 *
 *   mecsim-train-dtomalb --algo dtomalb --episodes 1500 --seed 1 \
 *       --out dtomalb.h5 --trace dtomalb-train.h5 [--eval-episodes 20]
 *   mecsim-train-dtomalb --eval-model dtomalb.h5 --eval-episodes 20
 *
 * Reproducible from --seed (single thread: run with OPENBLAS_NUM_THREADS=1
 * for bit-identical results across machines). See docs/dtomalb.md. */
#include "policies/dtomalb/model.h"
#include "policies/dtomalb/train.h"
#include "trace/trace.h"
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void usage(FILE *f)
{
  fprintf(f,
          "usage: mecsim-train-dtomalb --algo dtomalb|dtoma|dqn-tolb|dqn-tolb-branch|idql-tolb [options]\n"
          "       mecsim-train-dtomalb --eval-model MODEL.h5 [--eval-episodes K] [scenario overrides]\n"
          "training:\n"
          "  --algo NAME          algorithm to train (required unless --eval-model); dqn-tolb is the joint-action\n"
          "                       DQN, (M+1)^N <= %d outputs (N <= 5 at M = 5); dqn-tolb-branch has a head per MD\n"
          "  --episodes E         training episodes (default 1500)\n"
          "  --seed S             seed of everything random (default 1)\n"
          "  --out PATH           model file to write (HDF5)\n"
          "  --trace PATH         trace file to write (training curve in /training)\n"
          "  --progress K         a progress line on stderr every K episodes (default 50; 0 = none)\n"
          "scenario (defaults: the paper's Table 2 and docs/dtomalb.md):\n"
          "  --n-md N --n-servers M --steps T (slots per episode, 50) --slot S (s, 0.25)\n"
          "  --w1 X --w2 X (reward weights, 1 and 10) --fiber-bps X (1e8) --local-queue 0|1\n"
          "  --scenario-seed S    seed of the MD speeds and distances (1)\n"
          "hyper-parameters (defaults per algorithm, see docs/dtomalb.md):\n"
          "  --hidden H --batch B --buffer C --lr-actor X --lr-critic X --gamma X --tau X\n"
          "  --update-every K --warmup K --clip X --eps-start X --eps-end X --eps-decay X\n"
          "  --explore-schedule own|maddpg|dqn  exploration schedule (eps-start, eps-end, eps-decay) of the\n"
          "                       algorithm itself (own, default), of MADDPG (0.1 -> 0 over the first half, on\n"
          "                       top of its Gumbel sampling) or of the DQNs (1 -> 0.05 over the first half);\n"
          "                       --eps-* given as well override it\n"
          "evaluation on held-out seeds (tasks from seeds eval-seed, eval-seed+1, ...):\n"
          "  --eval-episodes K    after training (or for --eval-model), K episodes per chooser\n"
          "  --eval-seed S        first held-out seed (default 1000000)\n"
          "  --eval-model PATH    evaluate this model instead of training\n",
          DTOMALB_JOINT_MAX_ACTIONS);
}

static int parse_double(const char *opt, const char *s, double *v)
{
  char *end;
  errno = 0;
  double x = strtod(s, &end);
  if (!*s || *end || errno || !isfinite(x)) {
    fprintf(stderr, "mecsim-train-dtomalb: %s: '%s' is not a number\n", opt, s);
    return -1;
  }
  *v = x;
  return 0;
}

static int parse_int(const char *opt, const char *s, long *v)
{
  char *end;
  errno = 0;
  long x = strtol(s, &end, 10);
  if (!*s || *end || errno) {
    fprintf(stderr, "mecsim-train-dtomalb: %s: '%s' is not an integer\n", opt, s);
    return -1;
  }
  *v = x;
  return 0;
}

/* Prints one evaluation row. */
static void print_eval(const char *who, const dtomalb_eval_t *e, int M)
{
  printf("%-22s %10.4f %10.4f %10.5f %7.3f  ", who, e->reward, e->mean_delay, e->load_var, e->frac_local);
  for (int m = 0; m < M; m++)
    printf("%s%.3f", m ? "/" : "", e->server_share[m]);
  printf("  ");
  for (int m = 0; m < M; m++)
    printf("%s%.3f", m ? "/" : "", e->server_load[m]);
  printf("\n");
}

static int evaluate_all(const dtomalb_env_cfg_t *cfg, dtomalb_model_t *trained, dtomalb_algo_t algo, int hidden,
                        uint64_t seed, uint64_t eval_seed, int episodes)
{
  char err[512];
  dtomalb_eval_t e;
  printf("# held-out evaluation: %d episodes x %d slots, seeds %llu.., N=%d M=%d, w1=%g w2=%g\n", episodes,
         cfg->steps_per_episode, (unsigned long long)eval_seed, cfg->n_md, cfg->n_servers, cfg->w1, cfg->w2);
  printf("%-22s %10s %10s %10s %7s  %s  %s\n", "chooser", "utility", "delay_s", "var_LD", "local",
         "task share per server", "mean LD_m after the action (s)");
  /* every chooser sees the same tasks: the same seeds */
  if (trained) {
    if (dtomalb_evaluate(cfg, eval_seed, episodes, DTOMALB_CHOOSE_MODEL, trained, &e, err, sizeof err) < 0)
      goto fail;
    char name[64];
    snprintf(name, sizeof name, "%s (trained)", dtomalb_algo_name(trained->algo));
    print_eval(name, &e, cfg->n_servers);
    algo = trained->algo;
    hidden = trained->hidden;
  }
  dtomalb_model_t *fresh = dtomalb_model_new(algo, cfg, hidden, seed, err, sizeof err);
  if (!fresh)
    goto fail;
  int rc = dtomalb_evaluate(cfg, eval_seed, episodes, DTOMALB_CHOOSE_MODEL, fresh, &e, err, sizeof err);
  dtomalb_model_free(fresh);
  if (rc < 0)
    goto fail;
  char name[64];
  snprintf(name, sizeof name, "%s (untrained)", dtomalb_algo_name(algo));
  print_eval(name, &e, cfg->n_servers);
  for (int c = DTOMALB_CHOOSE_RANDOM; c < DTOMALB_CHOOSE_COUNT; c++) {
    if (dtomalb_evaluate(cfg, eval_seed, episodes, (dtomalb_chooser_t)c, NULL, &e, err, sizeof err) < 0)
      goto fail;
    print_eval(dtomalb_chooser_name((dtomalb_chooser_t)c), &e, cfg->n_servers);
  }
  return 0;
fail:
  fprintf(stderr, "mecsim-train-dtomalb: evaluation: %s\n", err);
  return -1;
}

enum {
  OPT_ALGO = 256, OPT_EPISODES, OPT_SEED, OPT_OUT, OPT_TRACE, OPT_PROGRESS, OPT_N_MD, OPT_N_SERVERS, OPT_STEPS,
  OPT_SLOT, OPT_W1, OPT_W2, OPT_FIBER, OPT_LOCAL_QUEUE, OPT_SCENARIO_SEED, OPT_HIDDEN, OPT_BATCH, OPT_BUFFER,
  OPT_LR_ACTOR, OPT_LR_CRITIC, OPT_GAMMA, OPT_TAU, OPT_UPDATE_EVERY, OPT_WARMUP, OPT_CLIP, OPT_EPS_START,
  OPT_EPS_END, OPT_EPS_DECAY, OPT_EVAL_EPISODES, OPT_EVAL_SEED, OPT_EVAL_MODEL, OPT_EXPLORE, OPT_HELP
};

int main(int argc, char **argv)
{
  static const struct option opts[] = {
      {"algo", required_argument, 0, OPT_ALGO},           {"episodes", required_argument, 0, OPT_EPISODES},
      {"seed", required_argument, 0, OPT_SEED},           {"out", required_argument, 0, OPT_OUT},
      {"trace", required_argument, 0, OPT_TRACE},         {"progress", required_argument, 0, OPT_PROGRESS},
      {"n-md", required_argument, 0, OPT_N_MD},           {"n-servers", required_argument, 0, OPT_N_SERVERS},
      {"steps", required_argument, 0, OPT_STEPS},         {"slot", required_argument, 0, OPT_SLOT},
      {"w1", required_argument, 0, OPT_W1},               {"w2", required_argument, 0, OPT_W2},
      {"fiber-bps", required_argument, 0, OPT_FIBER},     {"local-queue", required_argument, 0, OPT_LOCAL_QUEUE},
      {"scenario-seed", required_argument, 0, OPT_SCENARIO_SEED},
      {"hidden", required_argument, 0, OPT_HIDDEN},       {"batch", required_argument, 0, OPT_BATCH},
      {"buffer", required_argument, 0, OPT_BUFFER},       {"lr-actor", required_argument, 0, OPT_LR_ACTOR},
      {"lr-critic", required_argument, 0, OPT_LR_CRITIC}, {"gamma", required_argument, 0, OPT_GAMMA},
      {"tau", required_argument, 0, OPT_TAU},             {"update-every", required_argument, 0, OPT_UPDATE_EVERY},
      {"warmup", required_argument, 0, OPT_WARMUP},       {"clip", required_argument, 0, OPT_CLIP},
      {"eps-start", required_argument, 0, OPT_EPS_START}, {"eps-end", required_argument, 0, OPT_EPS_END},
      {"eps-decay", required_argument, 0, OPT_EPS_DECAY}, {"eval-episodes", required_argument, 0, OPT_EVAL_EPISODES},
      {"eval-seed", required_argument, 0, OPT_EVAL_SEED}, {"eval-model", required_argument, 0, OPT_EVAL_MODEL},
      {"explore-schedule", required_argument, 0, OPT_EXPLORE},
      {"help", no_argument, 0, OPT_HELP},                 {0, 0, 0, 0}};

  const char *algo_s = NULL, *out = NULL, *trace_path = NULL, *eval_model = NULL, *explore = "own";
  long episodes = 1500, seed = 1, progress = 50, n_md = 10, n_srv = 5, eval_episodes = 0, eval_seed = 1000000;
  /* scenario and hyper-parameter overrides are applied after the defaults
   * of the chosen algorithm are known: keep them as "set / value" pairs */
  struct { int set; double v; } ov[OPT_HELP + 1];
  memset(ov, 0, sizeof ov);
  int c;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    long l;
    double d;
    switch (c) {
    case OPT_ALGO: algo_s = optarg; break;
    case OPT_OUT: out = optarg; break;
    case OPT_TRACE: trace_path = optarg; break;
    case OPT_EVAL_MODEL: eval_model = optarg; break;
    case OPT_EXPLORE: explore = optarg; break;
    case OPT_EPISODES: if (parse_int("--episodes", optarg, &episodes)) return 2; break;
    case OPT_SEED: if (parse_int("--seed", optarg, &seed)) return 2; break;
    case OPT_PROGRESS: if (parse_int("--progress", optarg, &progress)) return 2; break;
    case OPT_N_MD: if (parse_int("--n-md", optarg, &n_md)) return 2; break;
    case OPT_N_SERVERS: if (parse_int("--n-servers", optarg, &n_srv)) return 2; break;
    case OPT_EVAL_EPISODES: if (parse_int("--eval-episodes", optarg, &eval_episodes)) return 2; break;
    case OPT_EVAL_SEED: if (parse_int("--eval-seed", optarg, &eval_seed)) return 2; break;
    case OPT_STEPS: case OPT_LOCAL_QUEUE: case OPT_SCENARIO_SEED: case OPT_HIDDEN: case OPT_BATCH:
    case OPT_BUFFER: case OPT_UPDATE_EVERY: case OPT_WARMUP:
      if (parse_int(opts[c - OPT_ALGO].name, optarg, &l)) return 2;
      ov[c].set = 1, ov[c].v = (double)l;
      break;
    case OPT_HELP: case 'h': usage(stdout); return 0;
    default:
      if (c >= OPT_ALGO && c < OPT_HELP) {
        if (parse_double(opts[c - OPT_ALGO].name, optarg, &d)) return 2;
        ov[c].set = 1, ov[c].v = d;
        break;
      }
      usage(stderr);
      return 2;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "mecsim-train-dtomalb: unexpected argument '%s'\n", argv[optind]);
    return 2;
  }
  if (n_md < 1 || n_srv < 1 || n_srv > DTOMALB_MAX_SERVERS || episodes < 0 || eval_episodes < 0) {
    fprintf(stderr, "mecsim-train-dtomalb: need --n-md >= 1, 1 <= --n-servers <= %d, --episodes >= 0\n",
            DTOMALB_MAX_SERVERS);
    return 2;
  }

  char err[512];
  dtomalb_model_t *eval_m = NULL;
  dtomalb_env_cfg_t cfg = dtomalb_env_cfg_default((int)n_md, (int)n_srv);
  if (eval_model) {
    eval_m = dtomalb_model_load(eval_model, err, sizeof err);
    if (!eval_m) {
      fprintf(stderr, "mecsim-train-dtomalb: %s\n", err);
      return 2; /* bad input, as mecsim itself */
    }
    /* the scenario the model was trained in, scored with the default (or
     * given) reward weights: a DTOMA model records w2 = 0 */
    double w1 = cfg.w1, w2 = cfg.w2;
    cfg = eval_m->env;
    cfg.w1 = w1, cfg.w2 = w2;
  }
#define OV(opt, field, type) if (ov[opt].set) cfg.field = (type)ov[opt].v
  OV(OPT_STEPS, steps_per_episode, int);
  OV(OPT_SLOT, slot_s, double);
  OV(OPT_W1, w1, double);
  OV(OPT_W2, w2, double);
  OV(OPT_FIBER, fiber_bps, double);
  OV(OPT_LOCAL_QUEUE, local_queue, int);
  OV(OPT_SCENARIO_SEED, scenario_seed, uint64_t);
#undef OV
  if (dtomalb_env_cfg_check(&cfg, err, sizeof err) < 0) {
    fprintf(stderr, "mecsim-train-dtomalb: %s\n", err);
    dtomalb_model_free(eval_m);
    return 2;
  }

  if (eval_m) {
    int rc = evaluate_all(&cfg, eval_m, eval_m->algo, eval_m->hidden, eval_m->train_seed, (uint64_t)eval_seed,
                          eval_episodes > 0 ? (int)eval_episodes : 20);
    dtomalb_model_free(eval_m);
    return rc < 0 ? 1 : 0;
  }

  dtomalb_algo_t algo;
  if (!algo_s || dtomalb_algo_from_name(algo_s, &algo) < 0) {
    fprintf(stderr,
            "mecsim-train-dtomalb: --algo must be one of dtomalb, dtoma, dqn-tolb, dqn-tolb-branch, idql-tolb "
            "(got '%s')\n",
            algo_s ? algo_s : "");
    return 2;
  }
  dtomalb_hyper_t h = dtomalb_hyper_default(algo);
  /* a shared exploration schedule, so that MADDPG and the DQNs can be
   * compared without their different defaults in the way */
  if (strcmp(explore, "maddpg") == 0)
    dtomalb_hyper_explore_as(&h, DTOMALB_ALGO_DTOMALB);
  else if (strcmp(explore, "dqn") == 0)
    dtomalb_hyper_explore_as(&h, DTOMALB_ALGO_DQN_TOLB);
  else if (strcmp(explore, "own") != 0) {
    fprintf(stderr, "mecsim-train-dtomalb: --explore-schedule must be own, maddpg or dqn (got '%s')\n", explore);
    return 2;
  }
#define OVH(opt, field, type) if (ov[opt].set) h.field = (type)ov[opt].v
  OVH(OPT_HIDDEN, hidden, int);
  OVH(OPT_BATCH, batch, int);
  OVH(OPT_BUFFER, buffer, int);
  OVH(OPT_LR_ACTOR, lr_actor, double);
  OVH(OPT_LR_CRITIC, lr_critic, double);
  OVH(OPT_GAMMA, gamma, double);
  OVH(OPT_TAU, tau, double);
  OVH(OPT_UPDATE_EVERY, update_every, int);
  OVH(OPT_WARMUP, warmup, int);
  OVH(OPT_CLIP, clip, double);
  OVH(OPT_EPS_START, eps_start, double);
  OVH(OPT_EPS_END, eps_end, double);
  OVH(OPT_EPS_DECAY, eps_decay_frac, double);
#undef OVH

  dtomalb_trainer_t *t = dtomalb_trainer_new(algo, &cfg, &h, (uint64_t)seed, (int)episodes, err, sizeof err);
  if (!t) {
    fprintf(stderr, "mecsim-train-dtomalb: %s\n", err);
    return 2;
  }
  trace_t *tr = NULL;
  if (trace_path) {
    tr = trace_open(trace_path, 0, err, sizeof err);
    if (!tr) {
      fprintf(stderr, "mecsim-train-dtomalb: %s\n", err);
      dtomalb_trainer_free(t);
      return 1;
    }
    char cmd[2048] = "";
    for (int i = 0, used = 0; i < argc && used < (int)sizeof cmd - 1; i++)
      used += snprintf(cmd + used, sizeof cmd - used, "%s%s", i ? " " : "", argv[i]);
    trace_set_attr_string(tr, "tool", "mecsim-train-dtomalb");
    trace_set_attr_string(tr, "command_line", cmd);
    trace_set_attr_string(tr, "algo", dtomalb_algo_name(algo));
    trace_set_attr_int(tr, "seed", seed);
    trace_set_attr_int(tr, "n_md", cfg.n_md);
    trace_set_attr_int(tr, "n_servers", cfg.n_servers);
    trace_set_attr_int(tr, "steps_per_episode", cfg.steps_per_episode);
    trace_set_attr_double(tr, "slot_s", cfg.slot_s);
    trace_set_attr_double(tr, "w1", cfg.w1);
    trace_set_attr_double(tr, "w2", dtomalb_trainer_env_cfg(t)->w2);
    trace_set_attr_int(tr, "hidden", h.hidden);
    trace_set_attr_int(tr, "batch", h.batch);
    trace_set_attr_double(tr, "gamma", h.gamma);
    trace_set_attr_double(tr, "tau", h.tau);
    trace_set_attr_double(tr, "lr_actor", h.lr_actor);
    trace_set_attr_double(tr, "lr_critic", h.lr_critic);
    trace_set_attr_string(tr, "explore_schedule", explore);
    trace_set_attr_double(tr, "eps_start", h.eps_start);
    trace_set_attr_double(tr, "eps_end", h.eps_end);
    trace_set_attr_double(tr, "eps_decay_frac", h.eps_decay_frac);
    trace_set_attr_string(tr, "training_reward",
                          "mean over agents and slots of R_n = -w1 t_n - w2 var(LD) (eq. 20)");
  }

  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int rc = 0;
  double win_r = 0, win_d = 0, win_la = 0, win_lc = 0;
  int win = 0, win_l = 0;
  for (long ep = 0; ep < episodes; ep++) {
    dtomalb_episode_stats_t st;
    if (dtomalb_trainer_episode(t, &st, err, sizeof err) < 0) {
      fprintf(stderr, "mecsim-train-dtomalb: %s\n", err);
      rc = 1;
      break;
    }
    if (tr) {
      trace_training_rec_t r = {.episode = st.episode, .step = st.steps, .reward = st.reward,
                                .loss_actor = st.loss_actor, .loss_critic = st.loss_critic,
                                .mean_delay = st.mean_delay, .load_var = st.load_var, .epsilon = st.epsilon};
      if (trace_add_training(tr, &r) < 0) {
        fprintf(stderr, "mecsim-train-dtomalb: trace: %s\n", trace_error(tr));
        rc = 1;
        break;
      }
    }
    win_r += st.reward, win_d += st.mean_delay, win++;
    if (st.updates) {
      win_lc += st.loss_critic, win_l++;
      if (!isnan(st.loss_actor))
        win_la += st.loss_actor;
    }
    if (progress > 0 && ((ep + 1) % progress == 0 || ep + 1 == episodes)) {
      clock_gettime(CLOCK_MONOTONIC, &t1);
      double el = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
      fprintf(stderr,
              "%s episode %ld/%ld  reward %.4f  delay %.4f s  loss_actor %.4g  loss_critic %.4g  eps %.3f  "
              "%.1f ep/s\n",
              dtomalb_algo_name(algo), ep + 1, episodes, win_r / win, win_d / win,
              win_l && (algo == DTOMALB_ALGO_DTOMALB || algo == DTOMALB_ALGO_DTOMA) ? win_la / win_l : NAN,
              win_l ? win_lc / win_l : NAN, st.epsilon, (ep + 1) / el);
      win_r = win_d = win_la = win_lc = 0;
      win = win_l = 0;
    }
  }
  if (rc == 0 && out && dtomalb_model_save(dtomalb_trainer_model(t), out, err, sizeof err) < 0) {
    fprintf(stderr, "mecsim-train-dtomalb: %s\n", err);
    rc = 1;
  }
  if (tr && trace_close(tr, rc == 0) < 0) {
    fprintf(stderr, "mecsim-train-dtomalb: closing the trace '%s' failed\n", trace_path);
    rc = 1;
  }
  if (rc == 0 && eval_episodes > 0)
    rc = evaluate_all(&cfg, dtomalb_trainer_model(t), algo, h.hidden, (uint64_t)seed, (uint64_t)eval_seed,
                      (int)eval_episodes) < 0;
  dtomalb_trainer_free(t);
  return rc;
}
