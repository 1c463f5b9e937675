/* model.h - the trained networks of DTOMALB, DTOMA, DQN-TOLB (joint and
 * branching) and IDQL-TOLB that execution needs, their metadata, and their
 * HDF5 file.
 *
 * What each algorithm executes with (decentralized except the two DQN-TOLB):
 *   dtomalb, dtoma  N actors mu_n(o_n) -> logits over {local, server 1..M};
 *                   the action is the argmax (the critics are training only)
 *   idql-tolb       N Q-networks Q_n(o_n) -> M+1 values; argmax
 *   dqn-tolb        the paper's centralized DQN: one Q-network over the
 *                   global state s = [LD_1..LD_M, (task and device features
 *                   of MD n)_n] with one output per joint action, (M+1)^N
 *                   of them (indexing in joint.h; at most
 *                   DTOMALB_JOINT_MAX_ACTIONS); the joint action is the
 *                   argmax over all of them, decoded into a_0..a_{N-1}
 *   dqn-tolb-branch the same state with N output heads of M+1 values
 *                   ("action branching", for N beyond the joint limit);
 *                   a_n = argmax of head n (never represents the joint value)
 *
 * File (readable with h5py): root attributes format = "mecsim-dtomalb",
 * format_version (2; version 1 files are read too: their algo "dqn-tolb"
 * was the branching network and loads as dqn-tolb-branch), algo, n_md,
 * n_servers, obs_dim, n_actions, n_nets, hidden, the observation scales,
 * the training environment and seed; one group per
 * network, "net_000", ..., each laid out exactly as nn_net_save writes a
 * network file (the nets are saved with nn_net_save and copied in, and are
 * loaded back through nn_net_load_new_group).
 *
 * Loading treats the file as untrusted (docs/nn.md, "Model files: what is
 * checked on load"): integer attributes are read with their stored type's
 * size and sign and must lie within the limits below (n_md and n_nets in
 * 1..DTOMALB_MODEL_MAX_MD, n_servers in 1..DTOMALB_MAX_SERVERS, hidden in
 * 1..NN_IO_MAX_WIDTH, obs_dim = M + 4, n_actions = M + 1, episodes and
 * env_steps_per_episode within int, env_local_queue 0 or 1; for dqn-tolb
 * (M+1)^N <= DTOMALB_JOINT_MAX_ACTIONS) before anything is allocated from
 * them; float attributes and every weight must be finite; the training
 * environment must pass dtomalb_env_cfg_check; every network
 * must be the MLP n_in-hidden-hidden-n_out of the algorithm's shape; all
 * networks together hold at most DTOMALB_MODEL_MAX_PARAMS parameters.
 */
#ifndef MECSIM_DTOMALB_MODEL_H
#define MECSIM_DTOMALB_MODEL_H
#include "nn/nn.h"
#include "policies/dtomalb/env.h"
#include "policies/dtomalb/joint.h"
#include <stddef.h>
#include <stdint.h>

#define DTOMALB_MODEL_MAX_MD 1000000          /* n_md (and n_nets) of a model file */
#define DTOMALB_MODEL_MAX_PARAMS (1UL << 26)  /* parameters of all networks of a model (67 M) */

typedef enum {
  DTOMALB_ALGO_DTOMALB = 0, /* MADDPG, reward eq. (20) */
  DTOMALB_ALGO_DTOMA,       /* MADDPG, w2 = 0 (no load-balancing term) */
  DTOMALB_ALGO_DQN_TOLB,    /* centralized DQN over the joint action (the paper's) */
  DTOMALB_ALGO_IDQL_TOLB,   /* independent DQN per MD */
  DTOMALB_ALGO_DQN_TOLB_BRANCH, /* centralized DQN, one head per MD (action branching) */
  DTOMALB_ALGO_COUNT
} dtomalb_algo_t;

/* "dtomalb", "dtoma", "dqn-tolb", "idql-tolb", "dqn-tolb-branch" */
const char *dtomalb_algo_name(dtomalb_algo_t algo);
/* 0 and *algo set, or -1 for an unknown name. */
int dtomalb_algo_from_name(const char *name, dtomalb_algo_t *algo);
/* 1 for the two centralized DQN-TOLB variants (one network on the global
 * state deciding every MD's task), else 0. */
int dtomalb_algo_is_central(dtomalb_algo_t algo);

typedef struct dtomalb_model {
  dtomalb_algo_t algo;
  int n_md, n_servers;
  int obs_dim;       /* per-agent observation, dtomalb_obs_dim(M) */
  int n_actions;     /* M + 1 */
  int hidden;        /* width of the two hidden layers */
  dtomalb_obs_scale_t scale;
  dtomalb_env_cfg_t env; /* environment trained on (metadata) */
  uint64_t train_seed;
  int episodes;      /* training episodes behind the weights */
  int n_nets;
  nn_net_t **net;    /* [n_nets], owned */
  int file_version;  /* format_version of the file it was loaded from (0: built in memory) */
} dtomalb_model_t;

/* Input width of the centralized DQN-TOLB networks: M + 4 N. */
int dtomalb_state_dim(int n_md, int n_servers);
/* Global state from all agents' observations (obs_all: N x obs_dim): the
 * load factors once, then every MD's task and device features. */
void dtomalb_state_from_obs(int n_md, int n_servers, const double *obs_all, double *state);

/* New model with freshly initialized networks (two hidden ReLU layers of
 * `hidden` units), seeded. NULL with a reason in err (dqn-tolb: also when
 * (M+1)^N exceeds DTOMALB_JOINT_MAX_ACTIONS). Free with
 * dtomalb_model_free. */
dtomalb_model_t *dtomalb_model_new(dtomalb_algo_t algo, const dtomalb_env_cfg_t *env, int hidden, uint64_t seed,
                                   char *err, size_t errlen);
void dtomalb_model_free(dtomalb_model_t *m);

/* Greedy joint action from all observations (obs_all: N x obs_dim);
 * actions[n] in 0..M. Returns 0 or -1 (error in nn_last_error()). */
int dtomalb_model_act(dtomalb_model_t *m, const double *obs_all, int *actions);

/* Multiply-accumulates of the forward pass that decides one task: one
 * actor / Q-network for the decentralized algorithms, the whole centralized
 * network (which decides a whole slot at once) for both DQN-TOLB. */
uint64_t dtomalb_model_decision_macs(const dtomalb_model_t *m);
/* Parameters of the network used for one decision. */
size_t dtomalb_model_decision_params(const dtomalb_model_t *m);

/* Writes the model file (PATH.tmp, then renamed). 0 or -1 with err. */
int dtomalb_model_save(const dtomalb_model_t *m, const char *path, char *err, size_t errlen);
/* Reads a model file. NULL with a one-line reason in err, "model 'PATH':
 * ..." naming the attribute or dataset at fault (missing, not a DTOMALB
 * model, unknown algorithm, a value out of range or not finite, a joint
 * dqn-tolb above the joint-action limit, networks of the wrong shape). */
dtomalb_model_t *dtomalb_model_load(const char *path, char *err, size_t errlen);
#endif
