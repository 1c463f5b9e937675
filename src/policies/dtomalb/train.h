/* train.h - training of DTOMALB / DTOMA (MADDPG, Table 1 of the paper) and
 * of the DQN-TOLB (joint and branching) / IDQL-TOLB baselines on the
 * analytic slot environment, plus evaluation against simple baselines.
 *
 * DTOMALB (MADDPG with centralized critics, decentralized actors):
 *   actor mu_i(o_i) -> logits over {local, server 1..M}; behaviour action =
 *   Gumbel-max sample of the logits (the Gumbel noise is the exploration
 *   noise N_t of Table 1, line 10), replaced by a uniform action with
 *   probability eps; critic Q_i(x, a_1..a_N) sees every observation and
 *   every one-hot action. Per update round (every `update_every` slots) one
 *   minibatch is drawn from D and each agent i
 *     y = r_i + gamma Q'_i(x', a'_1..a'_N), a'_j = one-hot argmax mu'_j(o'_j)
 *     critic: minimize (1/S) sum (y - Q_i(x, a))^2                    eq. (35)
 *     actor:  maximize Q_i(x, a_1..a_i = g(mu_i(o_i))..a_N) with g the
 *             straight-through Gumbel-softmax, other agents' actions from
 *             D, plus actor_reg * mean(logits^2) (as in Lowe et al.)  eq. (34)
 *   then every target network moves by tau (Table 1, line 20).
 * DTOMA: the same with w2 = 0 in the reward.
 * DQN-TOLB (the paper's centralized DQN): one Q-network over the global
 *   state with one output per joint action, (M+1)^N (joint.h); the joint
 *   action taken learns y = mean_n r_n + gamma max_{a'} Q'(s', a'), the max
 *   over all joint actions; eps-greedy over joint actions (with probability
 *   eps the whole joint action is uniform). Only up to
 *   DTOMALB_JOINT_MAX_ACTIONS joint actions.
 * DQN-TOLB-branch: the same state with N heads of M+1 values (action
 *   branching); head n learns y = mean_n r_n + gamma max_a Q'_n(s', a) for
 *   the action MD n took; eps-greedy per MD. Both optimize the same system
 *   utility mean_n r_n.
 * IDQL-TOLB (Tampuu et al.): N independent DQNs, Q_n(o_n), reward r_n,
 *   eps-greedy.
 * All: Adam, gradient-norm clipping, soft target updates, replay memory.
 *
 * Reproducible: same algorithm, configuration, hyper-parameters and seed ->
 * bit-identical weights and curves (single thread).
 */
#ifndef MECSIM_DTOMALB_TRAIN_H
#define MECSIM_DTOMALB_TRAIN_H
#include "nn/nn.h"
#include "policies/dtomalb/env.h"
#include "policies/dtomalb/model.h"
#include <stddef.h>
#include <stdint.h>

typedef struct dtomalb_hyper {
  int hidden;            /* units of both hidden layers */
  double lr_actor;       /* actor (MADDPG) or Q-network (DQN) learning rate */
  double lr_critic;      /* critic learning rate (MADDPG) */
  double gamma;          /* discount */
  double tau;            /* soft target update rate */
  int batch;             /* minibatch S */
  int buffer;            /* replay capacity, transitions */
  int update_every;      /* slots between update rounds */
  int warmup;            /* transitions stored before the first update */
  double clip;           /* gradient-norm clip (0 = none) */
  double gumbel_tau;     /* Gumbel-softmax temperature (MADDPG) */
  double eps_start, eps_end; /* probability of a uniform random action ... */
  double eps_decay_frac; /* ... decaying linearly over this fraction of the episodes */
  double actor_reg;      /* weight of mean(logits^2) in the actor loss (MADDPG) */
} dtomalb_hyper_t;

/* The usual settings (MADDPG: 64x64, Adam, gamma 0.95, tau 0.01, batch
 * 1024, clip 0.5) with the choices documented in docs/dtomalb.md. */
dtomalb_hyper_t dtomalb_hyper_default(dtomalb_algo_t algo);
/* Gives h the exploration schedule (eps_start, eps_end, eps_decay_frac) that
 * algorithm `like` has by default: MADDPG's (uniform action with probability
 * 0.1 -> 0 over the first half, on top of the Gumbel sampling) or the DQNs'
 * (eps-greedy 1 -> 0.05 over the first half). The rest of h is kept. */
void dtomalb_hyper_explore_as(dtomalb_hyper_t *h, dtomalb_algo_t like);

/* One episode's figures (one row of the trace's /training). */
typedef struct dtomalb_episode_stats {
  int episode;         /* 0-based */
  int steps;           /* slots played so far in the whole training */
  double reward;       /* mean R_n over the agents and slots of the episode
                          (with the training reward: w2 = 0 for DTOMA) */
  double mean_delay;   /* mean t_n, s */
  double load_var;     /* mean var(LD), s^2 */
  double loss_actor;   /* mean actor loss of the episode's updates (NaN if none) */
  double loss_critic;  /* mean critic / TD loss (NaN if none) */
  double epsilon;      /* random-action probability used */
  int updates;         /* update rounds in the episode */
} dtomalb_episode_stats_t;

typedef struct dtomalb_trainer dtomalb_trainer_t;

/* New trainer with its own environment built from env_cfg (for DTOMA, w2 is
 * forced to 0) and seeded from `seed` (tasks, network weights, sampling,
 * exploration). total_episodes sets the exploration schedule. NULL with a
 * reason in err. Free with dtomalb_trainer_free. */
dtomalb_trainer_t *dtomalb_trainer_new(dtomalb_algo_t algo, const dtomalb_env_cfg_t *env_cfg,
                                       const dtomalb_hyper_t *hyper, uint64_t seed, int total_episodes, char *err,
                                       size_t errlen);
void dtomalb_trainer_free(dtomalb_trainer_t *t);

/* Plays and learns one episode. 0, or -1 with a reason in err (a network
 * diverged: NaN/Inf). */
int dtomalb_trainer_episode(dtomalb_trainer_t *t, dtomalb_episode_stats_t *stats, char *err, size_t errlen);

/* The model being trained (borrowed: valid until dtomalb_trainer_free; its
 * `episodes` counts the episodes trained). */
dtomalb_model_t *dtomalb_trainer_model(dtomalb_trainer_t *t);
const dtomalb_env_cfg_t *dtomalb_trainer_env_cfg(const dtomalb_trainer_t *t);

/* Networks, for tests and inspection (borrowed; NULL if the algorithm has
 * none of that kind or i is out of range). */
typedef enum {
  DTOMALB_NET_ACTOR,         /* MADDPG actor / DQN Q-network i (the model's) */
  DTOMALB_NET_CRITIC,        /* MADDPG critic i */
  DTOMALB_NET_TARGET_ACTOR,  /* target of ACTOR i */
  DTOMALB_NET_TARGET_CRITIC  /* target of CRITIC i */
} dtomalb_net_kind_t;
nn_net_t *dtomalb_trainer_net(dtomalb_trainer_t *t, dtomalb_net_kind_t kind, int i);

/* TD targets of the joint DQN-TOLB for B transitions: y_b = mean_n
 * reward[b*N + n] + gamma max over all (M+1)^N joint actions a' of the
 * target network's Q'(next_state_b, a'); next_state is B x
 * dtomalb_state_dim. The update uses exactly this. 0 or -1. */
int dtomalb_dqn_joint_targets(dtomalb_trainer_t *t, const double *next_state, const double *reward, size_t B,
                              double *y);

/* Moves every target network by tau: theta' = tau theta + (1 - tau) theta'. */
int dtomalb_trainer_update_targets(dtomalb_trainer_t *t, double tau);

/* d(mean_b Q(x_b))/d(a_agent) for a MADDPG critic on `batch` inputs laid out
 * [obs_all (n_md*obs_dim) | one-hot actions (n_md*n_actions)]: grad is
 * batch x n_actions. Parameter gradients are left untouched. 0 or -1. */
int dtomalb_critic_action_grad(nn_net_t *critic, const double *input, size_t batch, int n_md, int obs_dim,
                               int n_actions, int agent, double *grad);

/* ------------------------------------------------------------------------ */
/* Evaluation                                                               */
/* ------------------------------------------------------------------------ */
typedef enum {
  DTOMALB_CHOOSE_MODEL = 0,        /* the model's greedy actions */
  DTOMALB_CHOOSE_RANDOM,           /* uniform over {local, 1..M} */
  DTOMALB_CHOOSE_RANDOM_OFFLOAD,   /* uniform over the servers */
  DTOMALB_CHOOSE_LEAST_LOADED,     /* each MD alone: smallest LD_m (all MDs agree) */
  DTOMALB_CHOOSE_LEAST_LOADED_BATCH, /* MDs in turn, each adding its cycles (central) */
  DTOMALB_CHOOSE_GREEDY_BATCH,     /* MDs in turn, min expected delay (central) */
  DTOMALB_CHOOSE_COUNT
} dtomalb_chooser_t;
const char *dtomalb_chooser_name(dtomalb_chooser_t c);

typedef struct dtomalb_eval {
  int slots;
  double reward;       /* mean R_n per slot (system utility), with cfg's w1, w2 */
  double mean_delay;   /* mean t_n, s */
  double load_var;     /* mean var(LD), s^2 */
  double frac_local;   /* share of tasks run locally */
  double server_share[DTOMALB_MAX_SERVERS]; /* share of tasks per server */
  double server_load[DTOMALB_MAX_SERVERS];  /* mean LD_m after the joint action, s */
} dtomalb_eval_t;

/* Plays `episodes` episodes of the environment (cfg, seed) with the chooser
 * (model must match cfg's N and M for DTOMALB_CHOOSE_MODEL). 0, or -1 with
 * err. */
int dtomalb_evaluate(const dtomalb_env_cfg_t *cfg, uint64_t seed, int episodes, dtomalb_chooser_t who,
                     dtomalb_model_t *model, dtomalb_eval_t *out, char *err, size_t errlen);
#endif
