/* train_internal.h - the trainer's state, shared by trainer.c (episode loop,
 * replay, exploration), maddpg.c and dqn.c (update rules). Not part of the
 * public API: include "policies/dtomalb/train.h" from outside. */
#ifndef MECSIM_DTOMALB_TRAIN_INTERNAL_H
#define MECSIM_DTOMALB_TRAIN_INTERNAL_H
#include "policies/dtomalb/replay.h"
#include "policies/dtomalb/train.h"
#include <gsl/gsl_rng.h>

struct dtomalb_trainer {
  dtomalb_algo_t algo;
  dtomalb_hyper_t h;
  dtomalb_env_cfg_t env_cfg; /* as trained (w2 = 0 for DTOMA) */
  dtomalb_env_t *env;
  dtomalb_model_t *model;    /* actors (MADDPG) or Q-networks (DQN) */
  nn_net_t **target;         /* [model->n_nets] targets of the model's nets */
  nn_net_t **critic;         /* [N] MADDPG only */
  nn_net_t **target_critic;  /* [N] MADDPG only */
  nn_opt_t opt_actor, opt_critic;
  dtomalb_replay_t *replay;
  gsl_rng *rng_sample;       /* minibatch indices */
  gsl_rng *rng_explore;      /* behaviour actions (Gumbel noise, eps) */
  gsl_rng *rng_update;       /* Gumbel noise inside the actor update */
  int total_episodes, episode;
  long steps;                /* slots played */
  /* layout of a replay row */
  int N, M, A, d;            /* agents, servers, actions, obs_dim */
  size_t K;                  /* joint actions (M+1)^N (joint DQN-TOLB only, else 0) */
  size_t off_act, off_rew, off_next, row_len;
  /* scratch, sized for one minibatch */
  double *row;               /* one row */
  double *obs, *next_obs;    /* N*d each: current / next observations */
  int *actions;              /* N */
  size_t *idx;               /* batch */
  double *X, *Xn, *R;        /* batch x N*d, batch x N*d, batch x N */
  int *act;                  /* batch x N */
  double *cin, *cin_next;    /* batch x (N*d + N*A): critic inputs */
  double *obs_i, *y, *dy;    /* batch x max(d, state), batch, batch x max(A*N, ...) */
  double *logits, *ysoft, *yhard, *dlogits; /* batch x A */
  double *S, *Sn;            /* batch x state_dim (DQN-TOLB) */
  int *jact;                 /* batch: joint action indices (joint DQN-TOLB) */
  size_t scratch_width;
};

/* One update round; adds the round's mean losses to *la / *lc. 0 or -1
 * (message in nn_last_error()). */
int dtomalb_maddpg_update(dtomalb_trainer_t *t, double *la, double *lc);
int dtomalb_dqn_joint_update(dtomalb_trainer_t *t, double *lc);
int dtomalb_dqn_branch_update(dtomalb_trainer_t *t, double *lc);
int dtomalb_idql_update(dtomalb_trainer_t *t, double *lc);

/* Fills t->X, t->Xn, t->R, t->act from a fresh minibatch. */
void dtomalb_trainer_sample(dtomalb_trainer_t *t);
#endif
