/* eval.c - plays the slot environment with a trained model or a simple
 * baseline and averages the paper's figures (utility, delay, var(LD)). */
#include "model/rng.h"
#include "policies/dtomalb/train.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const chooser_names[DTOMALB_CHOOSE_COUNT] = {
    "model", "random", "random-offload", "least-loaded", "least-loaded-batch", "greedy-batch"};

const char *dtomalb_chooser_name(dtomalb_chooser_t c)
{
  return c >= 0 && c < DTOMALB_CHOOSE_COUNT ? chooser_names[c] : "?";
}

/* Centralized baselines: the MDs choose one after the other, each seeing
 * the cycles the earlier ones added this slot (like the batch-aware
 * least-loaded and greedy policies of src/policies/baselines). */
static void batch_choose(const dtomalb_env_t *env, int greedy, double *work_s, int *actions)
{
  const dtomalb_env_cfg_t *c = dtomalb_env_cfg(env);
  int M = c->n_servers;
  for (int m = 0; m < M; m++)
    work_s[m] = dtomalb_env_backlog_s(env, m);
  for (int n = 0; n < c->n_md; n++) {
    double L = dtomalb_env_task_bits(env, n), C = dtomalb_env_task_cycles(env, n);
    int best = 1;
    double best_v = 0;
    if (greedy) {
      /* expected delay, eqs. (6)-(11) with the work queued so far */
      best = 0;
      best_v = C / dtomalb_env_local_hz(env, n);
      double up = L / dtomalb_env_up_rate(env, n);
      for (int m = 0; m < M; m++) {
        double v = up + (m > 0 ? L / c->fiber_bps : 0.0) + work_s[m] + C / c->server_hz[m];
        if (v < best_v) {
          best_v = v;
          best = m + 1;
        }
      }
    } else {
      best_v = work_s[0];
      for (int m = 1; m < M; m++)
        if (work_s[m] < best_v) {
          best_v = work_s[m];
          best = m + 1;
        }
    }
    actions[n] = best;
    if (best > 0)
      work_s[best - 1] += C / c->server_hz[best - 1];
  }
}

int dtomalb_evaluate(const dtomalb_env_cfg_t *cfg, uint64_t seed, int episodes, dtomalb_chooser_t who,
                     dtomalb_model_t *model, dtomalb_eval_t *out, char *err, size_t errlen)
{
  memset(out, 0, sizeof *out);
  if (who < 0 || who >= DTOMALB_CHOOSE_COUNT || episodes < 1) {
    snprintf(err, errlen, "dtomalb eval: bad chooser %d or episodes %d", (int)who, episodes);
    return -1;
  }
  if (who == DTOMALB_CHOOSE_MODEL &&
      (!model || model->n_md != cfg->n_md || model->n_servers != cfg->n_servers)) {
    snprintf(err, errlen, "dtomalb eval: the model does not match the environment (N=%d, M=%d)", cfg->n_md,
             cfg->n_servers);
    return -1;
  }
  dtomalb_env_t *env = dtomalb_env_new(cfg, seed, err, errlen);
  if (!env)
    return -1;
  int N = cfg->n_md, M = cfg->n_servers;
  double *obs = malloc(sizeof(double) * N * dtomalb_obs_dim(M));
  int *a = malloc(sizeof(int) * N);
  double *work = malloc(sizeof(double) * M);
  gsl_rng *rng = mec_rng_new(seed, MEC_STREAM_POLICY, 0);
  int rc = -1;
  long tasks = 0, local = 0, per_server[DTOMALB_MAX_SERVERS] = {0};
  if (!obs || !a || !work || !rng) {
    snprintf(err, errlen, "dtomalb eval: out of memory");
    goto out;
  }
  for (int ep = 0; ep < episodes; ep++) {
    dtomalb_env_reset(env);
    dtomalb_step_info_t info;
    do {
      switch (who) {
      case DTOMALB_CHOOSE_MODEL:
        dtomalb_env_obs_all(env, obs);
        if (dtomalb_model_act(model, obs, a) < 0) {
          snprintf(err, errlen, "dtomalb eval: %s", nn_last_error());
          goto out;
        }
        break;
      case DTOMALB_CHOOSE_RANDOM:
        for (int n = 0; n < N; n++)
          a[n] = dtomalb_env_random_action(env, gsl_rng_uniform(rng));
        break;
      case DTOMALB_CHOOSE_RANDOM_OFFLOAD:
        for (int n = 0; n < N; n++)
          a[n] = 1 + (int)gsl_rng_uniform_int(rng, (unsigned long)M);
        break;
      case DTOMALB_CHOOSE_LEAST_LOADED:
        for (int n = 0; n < N; n++)
          a[n] = dtomalb_env_least_loaded(env);
        break;
      case DTOMALB_CHOOSE_LEAST_LOADED_BATCH:
        batch_choose(env, 0, work, a);
        break;
      case DTOMALB_CHOOSE_GREEDY_BATCH:
        batch_choose(env, 1, work, a);
        break;
      default:
        break;
      }
      if (dtomalb_env_step(env, a, &info) < 0) {
        snprintf(err, errlen, "dtomalb eval: action out of range");
        goto out;
      }
      out->slots++;
      out->reward += info.mean_reward;
      out->mean_delay += info.mean_delay_s;
      out->load_var += info.load_var;
      for (int m = 0; m < M; m++)
        out->server_load[m] += info.load_s[m];
      for (int n = 0; n < N; n++) {
        tasks++;
        if (a[n] == 0)
          local++;
        else
          per_server[a[n] - 1]++;
      }
    } while (!info.done);
  }
  out->reward /= out->slots;
  out->mean_delay /= out->slots;
  out->load_var /= out->slots;
  out->frac_local = (double)local / tasks;
  for (int m = 0; m < M; m++) {
    out->server_share[m] = (double)per_server[m] / tasks;
    out->server_load[m] /= out->slots;
  }
  rc = 0;
out:
  free(obs);
  free(a);
  free(work);
  if (rng)
    gsl_rng_free(rng);
  dtomalb_env_free(env);
  return rc;
}
