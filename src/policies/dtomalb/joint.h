/* joint.h - the joint action space of the centralized DQN-TOLB: one index
 * per joint action (a_0, ..., a_{N-1}), a_n in 0..M (0 = local, m = server
 * m), in mixed radix M+1 with MD 0 the least significant digit:
 *
 *     j = a_0 + a_1 (M+1) + a_2 (M+1)^2 + ... + a_{N-1} (M+1)^{N-1}
 *
 * so j runs over 0 .. (M+1)^N - 1 and the Q-network has one output per j.
 * The output layer grows as (M+1)^N, hence a cap on the number of joint
 * actions: DTOMALB_JOINT_MAX_ACTIONS = 7,776 = 6^5, i.e. N <= 5 MDs with the
 * paper's M = 5 servers (N <= 6 with M = 3, N <= 12 with M = 1). Beyond it
 * use dqn-tolb-branch (one head of M+1 values per MD). */
#ifndef MECSIM_DTOMALB_JOINT_H
#define MECSIM_DTOMALB_JOINT_H
#include <stddef.h>

#define DTOMALB_JOINT_MAX_ACTIONS 7776 /* 6^5: N = 5 MDs, M = 5 servers */

/* (M+1)^N, or 0 when it exceeds DTOMALB_JOINT_MAX_ACTIONS or N, M < 1
 * (computed without overflow for any int N, M). */
size_t dtomalb_joint_count(int n_md, int n_servers);
/* 0 if the joint network fits, else -1 with a one-line reason in err naming
 * the limit and pointing to dqn-tolb-branch. */
int dtomalb_joint_check(int n_md, int n_servers, char *err, size_t errlen);
/* Index of the joint action actions[0..N-1] (each in 0..M). */
size_t dtomalb_joint_encode(int n_md, int n_servers, const int *actions);
/* The per-MD actions of joint index j (j < dtomalb_joint_count). */
void dtomalb_joint_decode(int n_md, int n_servers, size_t j, int *actions);
/* Index of the largest of q[0..count-1] (the first one on ties). */
size_t dtomalb_joint_argmax(const double *q, size_t count);
#endif
