/* registry.c - the one table of policies the simulator can run, by name.
 *
 * To add a policy: define `const mec_policy_ops_t mec_policy_xxx = {...};` in
 * its own file under src/policies/ (the CMake glob picks it up), then add its
 * `extern` line below and its entry in `registry` (before the NULL). The order
 * of the table is the order of mec_policy_names() and of --help listings. */
#include "policies/policy.h"

#include <stdio.h>
#include <string.h>

/* Common baselines (src/policies/baselines/). */
extern const mec_policy_ops_t mec_policy_local;
extern const mec_policy_ops_t mec_policy_offload_nearest;
extern const mec_policy_ops_t mec_policy_random;
extern const mec_policy_ops_t mec_policy_greedy;
extern const mec_policy_ops_t mec_policy_least_loaded;
extern const mec_policy_ops_t mec_policy_round_robin;
extern const mec_policy_ops_t mec_policy_tdma_equal;
/* An agent in another process, over ZeroMQ (src/policies/external/). */
extern const mec_policy_ops_t mec_policy_external;
/* Paper policies: one extern per policy here, e.g.
 * extern const mec_policy_ops_t mec_policy_tpos_cai; */
extern const mec_policy_ops_t mec_policy_tpos_cai;
extern const mec_policy_ops_t mec_policy_tpos_uai;
extern const mec_policy_ops_t mec_policy_tpos_gtpos;
extern const mec_policy_ops_t mec_policy_tpos_full_offload;
extern const mec_policy_ops_t mec_policy_tpos_local;
extern const mec_policy_ops_t mec_policy_dtomalb;
extern const mec_policy_ops_t mec_policy_dtoma;
extern const mec_policy_ops_t mec_policy_dqn_tolb;
extern const mec_policy_ops_t mec_policy_dqn_tolb_branch;
extern const mec_policy_ops_t mec_policy_idql_tolb;
extern const mec_policy_ops_t mec_policy_dynn;
extern const mec_policy_ops_t mec_policy_dynn_ga;
extern const mec_policy_ops_t mec_policy_dynn_equal;
extern const mec_policy_ops_t mec_policy_memtl_exhaustive;
extern const mec_policy_ops_t mec_policy_memtl;
extern const mec_policy_ops_t mec_policy_mtfnn;
extern const mec_policy_ops_t mec_policy_bcos_opt;
extern const mec_policy_ops_t mec_policy_mcos;
extern const mec_policy_ops_t mec_policy_bcos;
extern const mec_policy_ops_t mec_policy_pcos;

static const mec_policy_ops_t *const registry[] = {
    &mec_policy_local,
    &mec_policy_offload_nearest,
    &mec_policy_random,
    &mec_policy_greedy,
    &mec_policy_least_loaded,
    &mec_policy_round_robin,
    &mec_policy_tdma_equal,
    &mec_policy_tpos_cai,
    &mec_policy_tpos_uai,
    &mec_policy_tpos_gtpos,
    &mec_policy_tpos_full_offload,
    &mec_policy_tpos_local,
    &mec_policy_dtomalb,
    &mec_policy_dtoma,
    &mec_policy_dqn_tolb,
    &mec_policy_dqn_tolb_branch,
    &mec_policy_idql_tolb,
    &mec_policy_dynn,
    &mec_policy_dynn_ga,
    &mec_policy_dynn_equal,
    &mec_policy_memtl_exhaustive,
    &mec_policy_memtl,
    &mec_policy_mtfnn,
    &mec_policy_bcos_opt,
    &mec_policy_mcos,
    &mec_policy_bcos,
    &mec_policy_pcos,
    &mec_policy_external,
    NULL,
};

size_t mec_policy_count(void)
{
  size_t n = 0;
  while (registry[n])
    n++;
  return n;
}

const mec_policy_ops_t *mec_policy_at(size_t i)
{
  return i < mec_policy_count() ? registry[i] : NULL;
}

const mec_policy_ops_t *mec_policy_find(const char *name)
{
  if (!name)
    return NULL;
  for (size_t i = 0; registry[i]; i++)
    if (strcmp(registry[i]->name, name) == 0)
      return registry[i];
  return NULL;
}

void mec_policy_names(char *buf, size_t size)
{
  if (!buf || size == 0)
    return;
  buf[0] = '\0';
  size_t used = 0;
  for (size_t i = 0; registry[i] && used < size; i++) {
    /* snprintf truncates safely; `used` may pass size, which ends the loop */
    int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", registry[i]->name);
    if (w < 0)
      break;
    used += (size_t)w;
  }
}
