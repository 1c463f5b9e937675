/* joint.c - index <-> per-MD actions of DQN-TOLB's joint action space and
 * its size limit; see joint.h. */
#include "policies/dtomalb/joint.h"
#include <math.h>
#include <stdio.h>

size_t dtomalb_joint_count(int n_md, int n_servers)
{
  if (n_md < 1 || n_servers < 1)
    return 0;
  size_t k = 1, base = (size_t)n_servers + 1;
  for (int n = 0; n < n_md; n++) {
    k *= base; /* stops before it can overflow: k <= 7776 and base <= INT_MAX + 1 */
    if (k > DTOMALB_JOINT_MAX_ACTIONS)
      return 0;
  }
  return k;
}

int dtomalb_joint_check(int n_md, int n_servers, char *err, size_t errlen)
{
  if (dtomalb_joint_count(n_md, n_servers) > 0)
    return 0;
  snprintf(err, errlen,
           "dqn-tolb (joint-action DQN) with N=%d MDs and M=%d servers needs (M+1)^N = %.4g outputs, more than "
           "the limit %d (N <= 5 at M = 5); use dqn-tolb-branch (one head per MD) for larger N",
           n_md, n_servers, pow((double)n_servers + 1.0, (double)n_md), DTOMALB_JOINT_MAX_ACTIONS);
  return -1;
}

size_t dtomalb_joint_encode(int n_md, int n_servers, const int *actions)
{
  size_t j = 0, base = (size_t)n_servers + 1;
  for (int n = n_md - 1; n >= 0; n--) /* Horner: MD N-1 is the most significant digit */
    j = j * base + (size_t)actions[n];
  return j;
}

void dtomalb_joint_decode(int n_md, int n_servers, size_t j, int *actions)
{
  size_t base = (size_t)n_servers + 1;
  for (int n = 0; n < n_md; n++) {
    actions[n] = (int)(j % base);
    j /= base;
  }
}

size_t dtomalb_joint_argmax(const double *q, size_t count)
{
  size_t b = 0;
  for (size_t i = 1; i < count; i++)
    if (q[i] > q[b])
      b = i;
  return b;
}
