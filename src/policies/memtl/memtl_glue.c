/* memtl_glue.c - see memtl_glue.h. */
#include "policies/memtl/memtl_glue.h"

#include "model/radio.h"

#include <math.h>

int memtl_glue_args(const char *args, memtl_glue_cfg_t *cfg)
{
  cfg->alpha = 0.5;
  cfg->p_exec = 0.1;
  cfg->p_down = 0.3;
  if (mec_policy_arg_double(args, "alpha", &cfg->alpha) < 0 || mec_policy_arg_double(args, "p_exec", &cfg->p_exec) < 0 ||
      mec_policy_arg_double(args, "p_down", &cfg->p_down) < 0)
    return -1;
  if (!(cfg->alpha >= 0 && cfg->alpha <= 1)) {
    mec_policy_set_error("alpha=%g: expected the weight of delay against energy in [0, 1]", cfg->alpha);
    return -1;
  }
  if (!(cfg->p_exec >= 0 && cfg->p_exec <= 1e3)) {
    mec_policy_set_error("p_exec=%g: expected the device's power while the server executes, W in [0, 1000]",
                         cfg->p_exec);
    return -1;
  }
  if (!(cfg->p_down >= 0 && cfg->p_down <= 1e3)) {
    mec_policy_set_error("p_down=%g: expected the device's receive power, W in [0, 1000]", cfg->p_down);
    return -1;
  }
  return 0;
}

int memtl_glue_check_system(const mec_system_t *sys)
{
  if (sys->n_servers < 1 || !(sys->server[0].cpu_hz > 0)) {
    mec_policy_set_error("MEMTL policies offload to server 1: the platform has no edge server with a CPU");
    return -1;
  }
  if (!(sys->bandwidth_hz > 0)) {
    mec_policy_set_error("MEMTL policies split the cell bandwidth into sub-bands: bandwidth is %g Hz",
                         sys->bandwidth_hz);
    return -1;
  }
  return 0;
}

size_t memtl_glue_n_cell(const mec_system_t *sys, const mec_batch_t *batch)
{
  size_t n_md = sys->n_md > 0 ? (size_t)sys->n_md : 1;
  return batch->n > n_md ? batch->n : n_md;
}

int memtl_glue_params(const mec_system_t *sys, const mec_batch_t *batch, const memtl_glue_cfg_t *cfg,
                      double server_frac, memtl_params_t *p)
{
  if (memtl_glue_check_system(sys) != 0)
    return -1;
  if (batch->n < 1) {
    mec_policy_set_error("empty batch");
    return -1;
  }
  const mec_md_info_t *md = &sys->md[batch->task[0].md];
  /* One kappa and one P_u per decision (the paper's are common to all MTs):
   * the first task's device's. A cell whose devices differ in them gets the
   * others' energies slightly wrong in the decision's cost; the simulator
   * still charges each device its own. */
  *p = (memtl_params_t){
      .f_server = sys->server[0].cpu_hz * server_frac,
      .kappa = md->kappa > 0 ? md->kappa : 0,
      .p_up = md->tx_power_w > 0 ? md->tx_power_w : 0,
      .p_exec = cfg->p_exec,
      .p_down = cfg->p_down,
      .bandwidth = sys->bandwidth_hz,
      .noise_w = sys->noise_w_per_hz > 0 ? sys->noise_w_per_hz * sys->bandwidth_hz : 0,
      .channel = MEMTL_CHANNEL_ORTHOGONAL,
  };
  return 0;
}

void memtl_glue_mts(const mec_system_t *sys, const mec_task_t *task, size_t n, size_t n_cell,
                    const memtl_glue_cfg_t *cfg, memtl_mt_t *mt)
{
  double band = sys->bandwidth_hz / (double)(n_cell > 0 ? n_cell : 1);
  for (size_t i = 0; i < n; i++) {
    const mec_task_t *t = &task[i];
    const mec_md_info_t *md = &sys->md[t->md];
    double g = md->gain > 0 ? md->gain : 0;
    /* The simulator's rates for bw_share = 1 / n_cell (world.c: share x W):
     * upload at the device's power, download at the BS's. A rate of 0 (no
     * channel) is kept as a tiny positive rate so that the model does not
     * fall back to its own channel formula: offloading is then ~infinitely
     * costly, as it really is. */
    double up = mec_shannon_bps(band, md->tx_power_w, g, sys->noise_w_per_hz);
    double down = mec_shannon_bps(band, sys->bs_tx_power_w, g, sys->noise_w_per_hz);
    mt[i] = (memtl_mt_t){
        .up_bits = t->input_bits > 0 ? t->input_bits : 0,
        .cycles = t->cycles > 0 ? t->cycles : 0,
        .down_bits = t->output_bits > 0 ? t->output_bits : 0,
        .deadline = t->deadline > 0 ? t->deadline : 0,
        .f_local = md->cpu_hz > 0 ? md->cpu_hz : 0,
        .h = sqrt(g),
        .alpha = cfg->alpha,
        .rate_up = up > 0 && isfinite(up) ? up : 1e-300,
        .rate_down = down > 0 && isfinite(down) ? down : 1e-300,
    };
  }
}

void memtl_glue_equiv_h(const memtl_params_t *mp, memtl_mt_t *mt, size_t n)
{
  if (n < 1 || !(mp->bandwidth > 0) || !(mp->p_up > 0) || !(mp->noise_w > 0))
    return; /* no channel to invert (without noise any h > 0 gives an infinite rate) */
  double B = mp->bandwidth, P = mp->p_up;
  if (mp->channel == MEMTL_CHANNEL_ORTHOGONAL) {
    /* u = (B/n) log2(1 + P h^2 / (N0/n))  ->  h^2 = (2^(u n / B) - 1) (N0/n) / P */
    double b = B / (double)n, n0 = mp->noise_w / (double)n;
    for (size_t i = 0; i < n; i++) {
      if (!(mt[i].rate_up > 1e-100))
        continue;
      double s = expm1(fmin(mt[i].rate_up / b, 1000.0) * 0.69314718055994530942);
      mt[i].h = sqrt(s * n0 / P);
    }
    return;
  }
  /* interference: s_n = 2^(u_n/B) - 1 = P g_n / (N0 + S), S = sum_j P g_j
   * -> sum(s) = S / (N0 + S) < 1, S = N0 sum(s) / (1 - sum(s)), g_n = s_n (N0 + S) / P */
  double s[MEMTL_MAX_N], sum = 0;
  size_t m = n < MEMTL_MAX_N ? n : MEMTL_MAX_N;
  for (size_t i = 0; i < m; i++) {
    s[i] = mt[i].rate_up > 1e-100 ? expm1(fmin(mt[i].rate_up / B, 1000.0) * 0.69314718055994530942) : 0;
    sum += s[i];
  }
  double S;
  if (sum < 1 - 1e-12) {
    S = mp->noise_w * sum / (1 - sum);
  } else {
    /* Rates no interference channel gives: keep their ratios s_n, and take
     * as total received power the mean of the public code's h ~ U[0, 1]
     * (E h^2 = 1/3 per MT). */
    S = P * (double)m / 3;
    double want = S / (mp->noise_w + S);
    for (size_t i = 0; i < m; i++)
      s[i] *= want / sum;
  }
  double total = mp->noise_w + S;
  for (size_t i = 0; i < m; i++)
    if (mt[i].rate_up > 1e-100)
      mt[i].h = sqrt(s[i] * total / P);
}

void memtl_glue_decide(size_t n, const int *d, const double *r, size_t n_cell, double server_frac,
                       mec_decision_t *out)
{
  double bw = 1.0 / (double)(n_cell > 0 ? n_cell : 1);
  for (size_t i = 0; i < n; i++) {
    if (!d[i]) {
      out[i].target = 0; /* local: uploads nothing, so no sub-band is used */
      continue;
    }
    double c = r[i] * server_frac;
    if (!(c > 0))
      c = 1e-12; /* never 0: the simulator reads <= 0 as "no share" */
    out[i].target = 1;
    out[i].bw_share = bw;
    out[i].cpu_share = c < 1 ? c : 1;
  }
}
