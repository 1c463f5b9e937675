/* trainer.c - the training loop shared by the five algorithms: episodes of
 * the slot environment, behaviour actions, replay memory, update rounds and
 * target networks. The update rules are in maddpg.c and dqn.c. */
#include "model/rng.h"
#include "policies/dtomalb/train_internal.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

dtomalb_hyper_t dtomalb_hyper_default(dtomalb_algo_t algo)
{
  dtomalb_hyper_t h;
  memset(&h, 0, sizeof h);
  h.hidden = 64;
  h.gamma = 0.95;
  h.tau = 0.01;
  h.batch = 1024;
  h.buffer = 50000;
  h.warmup = 1024;
  h.gumbel_tau = 1.0;
  h.actor_reg = 1e-3;
  if (algo == DTOMALB_ALGO_DTOMALB || algo == DTOMALB_ALGO_DTOMA) {
    h.lr_actor = 1e-3;
    h.lr_critic = 1e-3;
    h.clip = 0.5;
    h.update_every = 10;
    /* The Gumbel samples already explore; a little uniform noise early on
     * makes sure every server is tried under every load. */
    h.eps_start = 0.1;
    h.eps_end = 0.0;
    h.eps_decay_frac = 0.5;
  } else {
    h.lr_actor = 1e-3;
    h.lr_critic = 1e-3;
    h.clip = 0.5;
    h.update_every = 10;
    h.eps_start = 1.0;
    h.eps_end = 0.05;
    h.eps_decay_frac = 0.5;
  }
  return h;
}

static int is_maddpg(dtomalb_algo_t a) { return a == DTOMALB_ALGO_DTOMALB || a == DTOMALB_ALGO_DTOMA; }

void dtomalb_hyper_explore_as(dtomalb_hyper_t *h, dtomalb_algo_t like)
{
  dtomalb_hyper_t d = dtomalb_hyper_default(like);
  h->eps_start = d.eps_start;
  h->eps_end = d.eps_end;
  h->eps_decay_frac = d.eps_decay_frac;
}

void dtomalb_trainer_free(dtomalb_trainer_t *t)
{
  if (!t)
    return;
  if (t->model) {
    for (int k = 0; t->target && k < t->model->n_nets; k++)
      nn_net_free(t->target[k]);
  }
  for (int i = 0; t->critic && i < t->N; i++)
    nn_net_free(t->critic[i]);
  for (int i = 0; t->target_critic && i < t->N; i++)
    nn_net_free(t->target_critic[i]);
  free(t->target);
  free(t->critic);
  free(t->target_critic);
  dtomalb_model_free(t->model);
  dtomalb_env_free(t->env);
  dtomalb_replay_free(t->replay);
  if (t->rng_sample)
    gsl_rng_free(t->rng_sample);
  if (t->rng_explore)
    gsl_rng_free(t->rng_explore);
  if (t->rng_update)
    gsl_rng_free(t->rng_update);
  free(t->row);
  free(t->obs);
  free(t->next_obs);
  free(t->actions);
  free(t->idx);
  free(t->X);
  free(t->Xn);
  free(t->R);
  free(t->act);
  free(t->cin);
  free(t->cin_next);
  free(t->obs_i);
  free(t->y);
  free(t->dy);
  free(t->logits);
  free(t->ysoft);
  free(t->yhard);
  free(t->dlogits);
  free(t->S);
  free(t->Sn);
  free(t->jact);
  free(t);
}

static int check_hyper(const dtomalb_hyper_t *h, char *err, size_t errlen)
{
  if (h->hidden < 1 || h->batch < 1 || h->buffer < 1 || h->update_every < 1 || h->warmup < 0 ||
      !(h->lr_actor > 0) || !(h->lr_critic > 0) || !(h->gamma >= 0 && h->gamma < 1) ||
      !(h->tau >= 0 && h->tau <= 1) || h->clip < 0 || !(h->gumbel_tau > 0) ||
      !(h->eps_start >= 0 && h->eps_start <= 1) || !(h->eps_end >= 0 && h->eps_end <= 1) ||
      !(h->eps_decay_frac > 0) || h->actor_reg < 0) {
    snprintf(err, errlen,
             "dtomalb train: bad hyper-parameters (need hidden, batch, buffer, update_every >= 1, lr > 0, "
             "0 <= gamma < 1, 0 <= tau <= 1, clip >= 0, gumbel_tau > 0, eps in [0,1], eps_decay_frac > 0)");
    return -1;
  }
  return 0;
}

dtomalb_trainer_t *dtomalb_trainer_new(dtomalb_algo_t algo, const dtomalb_env_cfg_t *env_cfg,
                                       const dtomalb_hyper_t *hyper, uint64_t seed, int total_episodes, char *err,
                                       size_t errlen)
{
  if (algo < 0 || algo >= DTOMALB_ALGO_COUNT) {
    snprintf(err, errlen, "dtomalb train: unknown algorithm %d", (int)algo);
    return NULL;
  }
  if (check_hyper(hyper, err, errlen) < 0)
    return NULL;
  dtomalb_trainer_t *t = calloc(1, sizeof *t);
  if (!t) {
    snprintf(err, errlen, "dtomalb train: out of memory");
    return NULL;
  }
  t->algo = algo;
  t->h = *hyper;
  t->env_cfg = *env_cfg;
  if (algo == DTOMALB_ALGO_DTOMA)
    t->env_cfg.w2 = 0.0; /* the paper's ablation: no load-balancing term */
  t->total_episodes = total_episodes > 0 ? total_episodes : 1;
  if (!(t->env = dtomalb_env_new(&t->env_cfg, seed, err, errlen)))
    goto fail;
  if (!(t->model = dtomalb_model_new(algo, &t->env_cfg, hyper->hidden, seed, err, errlen)))
    goto fail;
  t->model->train_seed = seed;
  int N = t->N = t->env_cfg.n_md, M = t->M = t->env_cfg.n_servers;
  int A = t->A = M + 1, d = t->d = dtomalb_obs_dim(M);
  t->K = algo == DTOMALB_ALGO_DQN_TOLB ? dtomalb_joint_count(N, M) : 0; /* the model checked the limit */
  size_t B = (size_t)hyper->batch;
  /* row = [obs_all | actions | rewards | next obs_all] */
  t->off_act = (size_t)N * d;
  t->off_rew = t->off_act + N;
  t->off_next = t->off_rew + N;
  t->row_len = t->off_next + (size_t)N * d;
  t->opt_actor = nn_adam(hyper->lr_actor);
  t->opt_actor.clip_norm = hyper->clip;
  t->opt_critic = nn_adam(hyper->lr_critic);
  t->opt_critic.clip_norm = hyper->clip;

  t->target = calloc((size_t)t->model->n_nets, sizeof *t->target);
  if (!t->target)
    goto nomem;
  for (int k = 0; k < t->model->n_nets; k++)
    if (!(t->target[k] = nn_net_clone(t->model->net[k], seed + (uint64_t)k)))
      goto nnfail;
  size_t cin_w = (size_t)N * d + (size_t)N * A;
  if (is_maddpg(algo)) {
    t->critic = calloc((size_t)N, sizeof *t->critic);
    t->target_critic = calloc((size_t)N, sizeof *t->target_critic);
    if (!t->critic || !t->target_critic)
      goto nomem;
    for (int i = 0; i < N; i++) {
      char name[64];
      snprintf(name, sizeof name, "%s_critic_%03d", dtomalb_algo_name(algo), i);
      nn_mlp_cfg_t c = {.n_in = cin_w, .hidden = {(size_t)hyper->hidden, (size_t)hyper->hidden}, .n_out = 1,
                        .hidden_act = NN_ACT_RELU, .out_act = NN_ACT_NONE, .name = name};
      if (!(t->critic[i] = nn_mlp_new(&c, seed * 1000003ULL + 500000ULL + (uint64_t)i)))
        goto nnfail;
      if (!(t->target_critic[i] = nn_net_clone(t->critic[i], seed + 500000ULL + (uint64_t)i)))
        goto nnfail;
    }
  }
  if (!(t->replay = dtomalb_replay_new((size_t)hyper->buffer, t->row_len)))
    goto nomem;
  t->rng_sample = mec_rng_new(seed, MEC_STREAM_TRAINING, 0);
  t->rng_explore = mec_rng_new(seed, MEC_STREAM_TRAINING, 1);
  t->rng_update = mec_rng_new(seed, MEC_STREAM_TRAINING, 2);
  if (!t->rng_sample || !t->rng_explore || !t->rng_update)
    goto nomem;
  size_t sd = (size_t)dtomalb_state_dim(N, M);
  size_t w = cin_w;
  if ((size_t)N * A > w)
    w = (size_t)N * A;
  if (t->K > w)
    w = t->K;
  t->scratch_width = w;
  t->row = malloc(sizeof(double) * t->row_len);
  t->obs = malloc(sizeof(double) * N * d);
  t->next_obs = malloc(sizeof(double) * N * d);
  t->actions = malloc(sizeof(int) * N);
  t->idx = malloc(sizeof(size_t) * B);
  t->X = malloc(sizeof(double) * B * N * d);
  t->Xn = malloc(sizeof(double) * B * N * d);
  t->R = malloc(sizeof(double) * B * N);
  t->act = malloc(sizeof(int) * B * N);
  t->cin = malloc(sizeof(double) * B * cin_w);
  t->cin_next = malloc(sizeof(double) * B * cin_w);
  t->obs_i = malloc(sizeof(double) * B * (sd > (size_t)d ? sd : (size_t)d));
  t->y = malloc(sizeof(double) * B * N);
  t->dy = malloc(sizeof(double) * B * w);
  t->logits = malloc(sizeof(double) * B * A);
  t->ysoft = malloc(sizeof(double) * B * A);
  t->yhard = malloc(sizeof(double) * B * A);
  t->dlogits = malloc(sizeof(double) * B * A);
  t->S = malloc(sizeof(double) * B * sd);
  t->Sn = malloc(sizeof(double) * B * sd);
  t->jact = malloc(sizeof(int) * B);
  if (!t->row || !t->obs || !t->next_obs || !t->actions || !t->idx || !t->X || !t->Xn || !t->R || !t->act ||
      !t->cin || !t->cin_next || !t->obs_i || !t->y || !t->dy || !t->logits || !t->ysoft || !t->yhard ||
      !t->dlogits || !t->S || !t->Sn || !t->jact)
    goto nomem;
  return t;
nnfail:
  snprintf(err, errlen, "dtomalb train: building networks: %s", nn_last_error());
  goto fail;
nomem:
  snprintf(err, errlen, "dtomalb train: out of memory");
fail:
  dtomalb_trainer_free(t);
  return NULL;
}

dtomalb_model_t *dtomalb_trainer_model(dtomalb_trainer_t *t) { return t->model; }
const dtomalb_env_cfg_t *dtomalb_trainer_env_cfg(const dtomalb_trainer_t *t) { return &t->env_cfg; }

nn_net_t *dtomalb_trainer_net(dtomalb_trainer_t *t, dtomalb_net_kind_t kind, int i)
{
  int n_nets = t->model->n_nets;
  switch (kind) {
  case DTOMALB_NET_ACTOR:
    return i >= 0 && i < n_nets ? t->model->net[i] : NULL;
  case DTOMALB_NET_TARGET_ACTOR:
    return i >= 0 && i < n_nets ? t->target[i] : NULL;
  case DTOMALB_NET_CRITIC:
    return t->critic && i >= 0 && i < t->N ? t->critic[i] : NULL;
  case DTOMALB_NET_TARGET_CRITIC:
    return t->target_critic && i >= 0 && i < t->N ? t->target_critic[i] : NULL;
  }
  return NULL;
}

int dtomalb_trainer_update_targets(dtomalb_trainer_t *t, double tau)
{
  for (int k = 0; k < t->model->n_nets; k++)
    if (nn_net_soft_update(t->target[k], t->model->net[k], tau) < 0)
      return -1;
  for (int i = 0; t->critic && i < t->N; i++)
    if (nn_net_soft_update(t->target_critic[i], t->critic[i], tau) < 0)
      return -1;
  return 0;
}

void dtomalb_trainer_sample(dtomalb_trainer_t *t)
{
  size_t B = (size_t)t->h.batch, Nd = (size_t)t->N * t->d, N = (size_t)t->N;
  dtomalb_replay_sample(t->replay, t->rng_sample, B, t->idx, NULL);
  for (size_t b = 0; b < B; b++) {
    const double *r = dtomalb_replay_row(t->replay, t->idx[b]);
    memcpy(t->X + b * Nd, r, sizeof(double) * Nd);
    memcpy(t->Xn + b * Nd, r + t->off_next, sizeof(double) * Nd);
    memcpy(t->R + b * N, r + t->off_rew, sizeof(double) * N);
    for (size_t n = 0; n < N; n++)
      t->act[b * N + n] = (int)r[t->off_act + n];
  }
}

static double epsilon_at(const dtomalb_trainer_t *t)
{
  double span = t->h.eps_decay_frac * t->total_episodes;
  double f = span > 0 ? t->episode / span : 1.0;
  if (f > 1.0)
    f = 1.0;
  return t->h.eps_start + (t->h.eps_end - t->h.eps_start) * f;
}

static int argmax(const double *v, int n)
{
  int b = 0;
  for (int i = 1; i < n; i++)
    if (v[i] > v[b])
      b = i;
  return b;
}

/* Behaviour actions for the current slot. MADDPG: Gumbel-max sample of the
 * actor's logits (a categorical draw from softmax(logits)); DQN: greedy.
 * Each MD's action is replaced by a uniform one with probability eps; for
 * the joint DQN-TOLB the whole joint action is, with probability eps
 * (eps-greedy over the joint actions; each MD's action is then random with
 * probability eps too, as in the others). */
static int behaviour_actions(dtomalb_trainer_t *t, double eps)
{
  int N = t->N, A = t->A;
  if (t->algo == DTOMALB_ALGO_DQN_TOLB) {
    if (dtomalb_model_act(t->model, t->obs, t->actions) < 0)
      return -1;
    if (eps > 0 && gsl_rng_uniform(t->rng_explore) < eps)
      for (int n = 0; n < N; n++)
        t->actions[n] = (int)gsl_rng_uniform_int(t->rng_explore, (unsigned long)A);
    return 0;
  }
  if (t->algo == DTOMALB_ALGO_DQN_TOLB_BRANCH) {
    if (dtomalb_model_act(t->model, t->obs, t->actions) < 0)
      return -1;
  } else {
    for (int n = 0; n < N; n++) {
      const double *z = nn_net_forward(t->model->net[n], t->obs + (size_t)n * t->d, 1);
      if (!z)
        return -1;
      if (is_maddpg(t->algo)) {
        double ys[DTOMALB_MAX_SERVERS + 1], yh[DTOMALB_MAX_SERVERS + 1];
        nn_gumbel_softmax(z, 1, (size_t)A, t->h.gumbel_tau, t->rng_explore, ys, yh);
        t->actions[n] = argmax(yh, A);
      } else {
        t->actions[n] = argmax(z, A);
      }
    }
  }
  for (int n = 0; n < N; n++)
    if (eps > 0 && gsl_rng_uniform(t->rng_explore) < eps)
      t->actions[n] = (int)gsl_rng_uniform_int(t->rng_explore, (unsigned long)A);
  return 0;
}

int dtomalb_trainer_episode(dtomalb_trainer_t *t, dtomalb_episode_stats_t *st, char *err, size_t errlen)
{
  int N = t->N;
  size_t Nd = (size_t)N * t->d;
  double eps = epsilon_at(t);
  double sum_r = 0, sum_d = 0, sum_v = 0, sum_la = 0, sum_lc = 0;
  int slots = 0, updates = 0;
  dtomalb_env_reset(t->env);
  dtomalb_step_info_t info;
  do {
    dtomalb_env_obs_all(t->env, t->obs);
    if (behaviour_actions(t, eps) < 0) {
      snprintf(err, errlen, "dtomalb train: acting: %s", nn_last_error());
      return -1;
    }
    if (dtomalb_env_step(t->env, t->actions, &info) < 0) {
      snprintf(err, errlen, "dtomalb train: the environment refused an action");
      return -1;
    }
    dtomalb_env_obs_all(t->env, t->next_obs);
    memcpy(t->row, t->obs, sizeof(double) * Nd);
    for (int n = 0; n < N; n++) {
      t->row[t->off_act + n] = t->actions[n];
      t->row[t->off_rew + n] = info.reward[n];
    }
    memcpy(t->row + t->off_next, t->next_obs, sizeof(double) * Nd);
    /* An episode ends only because training restarts it, not because the
     * system stops: no terminal flag, the next state is bootstrapped. */
    dtomalb_replay_push(t->replay, t->row);
    t->steps++;
    slots++;
    sum_r += info.mean_reward;
    sum_d += info.mean_delay_s;
    sum_v += info.load_var;
    /* warmup 0 still needs one stored transition, which is always there */
    if (dtomalb_replay_size(t->replay) >= (size_t)t->h.warmup && t->steps % t->h.update_every == 0) {
      int rc;
      double la = 0, lc = 0;
      if (is_maddpg(t->algo))
        rc = dtomalb_maddpg_update(t, &la, &lc);
      else if (t->algo == DTOMALB_ALGO_DQN_TOLB)
        rc = dtomalb_dqn_joint_update(t, &lc);
      else if (t->algo == DTOMALB_ALGO_DQN_TOLB_BRANCH)
        rc = dtomalb_dqn_branch_update(t, &lc);
      else
        rc = dtomalb_idql_update(t, &lc);
      if (rc < 0 || dtomalb_trainer_update_targets(t, t->h.tau) < 0) {
        snprintf(err, errlen, "dtomalb train: %s update at episode %d: %s", dtomalb_algo_name(t->algo),
                 t->episode, nn_last_error());
        return -1;
      }
      sum_la += la;
      sum_lc += lc;
      updates++;
    }
  } while (!info.done);
  st->episode = t->episode;
  st->steps = (int)t->steps;
  st->reward = sum_r / slots;
  st->mean_delay = sum_d / slots;
  st->load_var = sum_v / slots;
  st->loss_actor = updates && is_maddpg(t->algo) ? sum_la / updates : NAN;
  st->loss_critic = updates ? sum_lc / updates : NAN;
  st->epsilon = eps;
  st->updates = updates;
  t->episode++;
  t->model->episodes = t->episode;
  return 0;
}
