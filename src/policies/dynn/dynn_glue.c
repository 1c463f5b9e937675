/* dynn_glue.c - see dynn_glue.h. */
#include "policies/dynn/dynn_glue.h"

#include <math.h>

int dynn_glue_users(const mec_system_t *sys, const mec_batch_t *batch, double lambda, int no_local,
                    dynn_params_t *p, dynn_user_t *users)
{
  if (sys->n_servers < 1) {
    mec_policy_set_error("DyNN policies need an edge server (the platform has none)");
    return -1;
  }
  if (!(sys->decider_hz > 0)) {
    mec_policy_set_error("DyNN policies run on the base station (decide_on=bs): its CPU speed is unknown");
    return -1;
  }
  *p = dynn_params_default();
  p->b_max = sys->bandwidth_hz;
  p->f_ser = sys->server[0].cpu_hz;
  p->f_infer = sys->decider_hz;
  p->lambda = lambda;
  p->n0 = sys->noise_w_per_hz;
  if (batch->n > 0 && sys->md[batch->task[0].md].kappa > 0)
    p->mu = sys->md[batch->task[0].md].kappa; /* eq. 6's constant: the simulator's kappa */
  /* One transmit power p for the cell (Table II), the first device's; a
   * device with another power has its gain scaled so that p x gain, which
   * is all eq. 1 needs, is its own (its eq. 5 energy uses p). */
  if (batch->n > 0)
    p->p_tx = sys->md[batch->task[0].md].tx_power_w;
  for (size_t i = 0; i < batch->n; i++) {
    const mec_task_t *t = &batch->task[i];
    const mec_md_info_t *md = &sys->md[t->md];
    dynn_user_t *u = &users[i];
    u->s = t->input_bits;
    u->c = t->input_bits > 0 ? t->cycles / t->input_bits : 0;
    u->d = t->deadline;
    u->l = md->distance_m;
    u->f_loc = no_local ? 0 : md->cpu_hz;
    u->gain = md->gain * (p->p_tx > 0 ? md->tx_power_w / p->p_tx : 1);
  }
  return 0;
}

static double share(double part, double whole)
{
  double s = whole > 0 ? part / whole : 0;
  if (!(s > 0))
    s = 1e-12; /* never 0: the simulator reads <= 0 as "no share" */
  return s < 1 ? s : 1;
}

void dynn_glue_decide(const dynn_params_t *p, size_t n, const int *x, const double *b, const double *f,
                      mec_decision_t *out)
{
  for (size_t i = 0; i < n; i++) {
    if (!x[i]) {
      out[i].target = 0;
      continue;
    }
    out[i].target = 1;
    out[i].bw_share = share(b[i], p->b_max);
    out[i].cpu_share = share(f[i], p->f_ser);
  }
}

void dynn_glue_equal_split(const dynn_params_t *p, size_t n, const int *x, double *b, double *f)
{
  size_t n_off = 0;
  for (size_t i = 0; i < n; i++)
    n_off += x[i] != 0;
  for (size_t i = 0; i < n; i++) {
    b[i] = x[i] ? p->b_max / (double)n_off : 0;
    f[i] = x[i] ? p->f_ser / (double)n_off : 0;
  }
}

int dynn_glue_common_args(const char *args, double *lambda, int *no_local)
{
  *lambda = 1.0;
  *no_local = 0;
  if (mec_policy_arg_double(args, "lambda", lambda) < 0 || mec_policy_arg_int(args, "no_local", no_local) < 0)
    return -1;
  if (!(*lambda > 0 && *lambda <= 1e6)) {
    mec_policy_set_error("lambda=%g: expected cycles per MAC in (0, 1e6]", *lambda);
    return -1;
  }
  if (*no_local != 0 && *no_local != 1) {
    mec_policy_set_error("no_local=%d: expected 0 or 1", *no_local);
    return -1;
  }
  return 0;
}
