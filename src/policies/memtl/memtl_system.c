/* memtl_system.c - eqs. (4)-(7b) of the MEMTL paper (memtl_system.h). */
#include "policies/memtl/memtl_system.h"

#include <math.h>

memtl_params_t memtl_params_mtfnn_co(void)
{
  return (memtl_params_t){.f_server = 2.5e9,
                          .kappa = 1e-28,
                          .p_up = 0.3,
                          .p_exec = 0.1,
                          .p_down = 0.3,
                          .bandwidth = 1e6,
                          .noise_w = 7.96159e-13,
                          .channel = MEMTL_CHANNEL_INTERFERENCE};
}

static int nonneg(double x) { return isfinite(x) && x >= 0; }

/* Time to move `bits` at `rate`: 0 for nothing to move, +inf at rate 0. */
static double xfer(double bits, double rate)
{
  if (bits <= 0)
    return 0;
  return rate > 0 ? bits / rate : INFINITY;
}

int memtl_precompute(const memtl_params_t *p, const memtl_mt_t *mt, size_t n, memtl_pre_t *pre)
{
  if (!p || !mt || !pre || n < 1 || n > MEMTL_MAX_N)
    return -1;
  if (!nonneg(p->f_server) || !nonneg(p->kappa) || !nonneg(p->p_up) || !nonneg(p->p_exec) ||
      !nonneg(p->p_down) || !nonneg(p->bandwidth) || !nonneg(p->noise_w) ||
      (p->channel != MEMTL_CHANNEL_ORTHOGONAL && p->channel != MEMTL_CHANNEL_INTERFERENCE))
    return -1;
  double interf = p->noise_w;
  for (size_t i = 0; i < n; i++) {
    const memtl_mt_t *m = &mt[i];
    if (!nonneg(m->up_bits) || !nonneg(m->cycles) || !nonneg(m->down_bits) || !isfinite(m->deadline) ||
        !nonneg(m->f_local) || !nonneg(m->h) || !(m->alpha >= 0 && m->alpha <= 1) || !nonneg(m->rate_up) ||
        !nonneg(m->rate_down))
      return -1;
    interf += p->p_up * m->h * m->h;
  }
  for (size_t i = 0; i < n; i++) {
    const memtl_mt_t *m = &mt[i];
    memtl_pre_t *q = &pre[i];
    double g = m->h * m->h;
    if (p->channel == MEMTL_CHANNEL_ORTHOGONAL) {
      double b = p->bandwidth / (double)n, n0 = p->noise_w / (double)n;
      q->up_rate = n0 > 0 ? b * log2(1 + p->p_up * g / n0) : (g > 0 ? INFINITY : 0);
    } else {
      q->up_rate = interf > 0 ? p->bandwidth * log2(1 + p->p_up * g / interf) : 0;
    }
    q->down_rate = q->up_rate; /* the public code: r_d = r_u */
    if (m->rate_up > 0)
      q->up_rate = m->rate_up;
    if (m->rate_down > 0)
      q->down_rate = m->rate_down;
    double a = m->alpha;
    q->delay_local = m->cycles > 0 ? (m->f_local > 0 ? m->cycles / m->f_local : INFINITY) : 0;
    q->cost_local = (1 - a) * p->kappa * m->f_local * m->f_local * m->cycles + a * q->delay_local;
    double tu = xfer(m->up_bits, q->up_rate), td = xfer(m->down_bits, q->down_rate);
    q->tx_delay = tu + td;
    q->tx_cost = (1 - a) * (p->p_up * tu + p->p_down * td) + a * q->tx_delay;
    q->exec_delay = m->cycles > 0 ? (p->f_server > 0 ? m->cycles / p->f_server : INFINITY) : 0;
    q->exec_weight = ((1 - a) * p->p_exec + a) * q->exec_delay;
  }
  return 0;
}

double memtl_offload_cost(const memtl_pre_t *pre, double r)
{
  if (!(r > 0))
    return INFINITY;
  return pre->tx_cost + pre->exec_weight / r;
}

double memtl_offload_delay(const memtl_pre_t *pre, double r)
{
  if (!(r > 0))
    return INFINITY;
  return pre->tx_delay + pre->exec_delay / r;
}

double memtl_total_cost(const memtl_pre_t *pre, size_t n, const int *d, const double *r)
{
  double c = 0;
  for (size_t i = 0; i < n; i++)
    c += d[i] ? memtl_offload_cost(&pre[i], r[i]) : pre[i].cost_local;
  return c;
}

int memtl_meets_deadlines(const memtl_mt_t *mt, const memtl_pre_t *pre, size_t n, const int *d, const double *r)
{
  for (size_t i = 0; i < n; i++) {
    if (mt[i].deadline <= 0)
      continue;
    double t = d[i] ? memtl_offload_delay(&pre[i], r[i]) : pre[i].delay_local;
    if (!(t < mt[i].deadline))
      return 0;
  }
  return 1;
}

uint32_t memtl_code(const int *d, size_t n)
{
  uint32_t c = 0;
  for (size_t i = 0; i < n; i++)
    c = (c << 1) | (d[i] ? 1u : 0u);
  return c;
}

void memtl_decode(uint32_t code, size_t n, int *d)
{
  for (size_t i = 0; i < n; i++)
    d[i] = (int)((code >> (n - 1 - i)) & 1u);
}
