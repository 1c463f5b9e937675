#include "policies/tpos/tpos_agent.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

double mec_tpos_msg_bits(mec_tpos_msg_kind_t kind, int H)
{
  switch (kind) {
  case MEC_TPOS_MSG_QUERY: return 32;                      /* MD index */
  case MEC_TPOS_MSG_AGGREGATE: return H * (64.0 + 32.0);   /* T_Sigma^h, occupancy */
  case MEC_TPOS_MSG_LOAD: return 32 + H * 64.0;            /* sender, load per slot */
  case MEC_TPOS_MSG_COMMIT: return 32 + 16 + H * (16.0 + 16.0 + 64.0) + 128; /* m*, groups, loads, cost, gamma */
  case MEC_TPOS_MSG_REPLY: return 8 + H;                   /* accepted, full-slot flags */
  }
  return 0;
}

double mec_tpos_msg_bits_carry(mec_tpos_msg_kind_t kind, int H, int carry)
{
  double bits = mec_tpos_msg_bits(kind, H);
  return carry && kind == MEC_TPOS_MSG_LOAD ? bits + H * 64.0 : bits; /* + server backlog per slot */
}

double mec_tpos_frame_msg_bits(mec_tpos_mode_t mode, int H)
{
  return 64 + (mode == MEC_TPOS_UAI ? H : 0); /* frame start; UAI: full-slot flags */
}

/* ---- Server ------------------------------------------------------------ */

struct mec_tpos_server {
  mec_tpos_params_t p;
  int n;
  mec_tpos_strategy_t *s;
  double *fixed, *gamma;
  double sum_fixed;
  double T_sigma[MEC_TPOS_MAX_SLOTS + 1];
  double W[MEC_TPOS_MAX_SLOTS + 1]; /* sum_n gamma_n x load_n^h */
  int occ[MEC_TPOS_MAX_SLOTS + 1];
  double carried_T[MEC_TPOS_MAX_SLOTS + 1]; /* continuous operation: earlier periods' work */
  int carried_occ[MEC_TPOS_MAX_SLOTS + 1];  /* ... and MDs, per slot of the frame */
};

mec_tpos_server_t *mec_tpos_server_new(const mec_tpos_params_t *p, int n_md)
{
  if (n_md < 1)
    return NULL;
  mec_tpos_server_t *s = calloc(1, sizeof(*s));
  if (!s)
    return NULL;
  s->p = *p;
  s->n = n_md;
  s->s = calloc((size_t)n_md, sizeof(*s->s));
  s->fixed = calloc((size_t)n_md, sizeof(double));
  s->gamma = calloc((size_t)n_md, sizeof(double));
  if (!s->s || !s->fixed || !s->gamma) {
    mec_tpos_server_free(s);
    return NULL;
  }
  return s;
}

void mec_tpos_server_free(mec_tpos_server_t *s)
{
  if (!s)
    return;
  free(s->s);
  free(s->fixed);
  free(s->gamma);
  free(s);
}

void mec_tpos_server_aggregate(const mec_tpos_server_t *s, mec_tpos_aggregate_msg_t *out)
{
  memset(out, 0, sizeof *out);
  for (int h = 1; h <= s->p.H && h <= MEC_TPOS_MAX_SLOTS; h++) {
    out->T_sigma[h] = s->T_sigma[h] + s->carried_T[h];
    out->occ[h] = s->occ[h] + s->carried_occ[h];
  }
}

void mec_tpos_server_set_carried(mec_tpos_server_t *s, const double *load, const int *occ)
{
  for (int h = 1; h <= s->p.H && h <= MEC_TPOS_MAX_SLOTS; h++) {
    s->carried_T[h] = load ? load[h] : 0.0;
    s->carried_occ[h] = occ ? occ[h] : 0;
  }
}

int mec_tpos_server_commit(mec_tpos_server_t *s, int md, const mec_tpos_commit_msg_t *msg, mec_tpos_reply_msg_t *reply)
{
  if (md < 0 || md >= s->n)
    return -1;
  mec_tpos_strategy_t *old = &s->s[md];
  const mec_tpos_strategy_t *new = &msg->strategy;
  memset(reply, 0, sizeof *reply);
  int ok = 1;
  for (int h = 1; h <= s->p.H && h <= MEC_TPOS_MAX_SLOTS; h++) {
    int others = s->occ[h] + s->carried_occ[h] - (old->first[h] ? 1 : 0);
    reply->full[h] = others >= s->p.B;
    if (new->first[h] && reply->full[h])
      ok = 0;
  }
  reply->accepted = ok;
  if (!ok)
    return 0;
  for (int h = 1; h <= s->p.H && h <= MEC_TPOS_MAX_SLOTS; h++) {
    double g_old = s->gamma[md], g_new = msg->gamma;
    s->occ[h] += (new->first[h] ? 1 : 0) - (old->first[h] ? 1 : 0);
    s->T_sigma[h] += new->load[h] - old->load[h];
    s->W[h] += g_new * new->load[h] - g_old * old->load[h];
    if (s->occ[h] == 0)
      s->T_sigma[h] = s->W[h] = 0.0; /* no rounding residue in an empty slot */
  }
  s->sum_fixed += msg->fixed_cost - s->fixed[md];
  s->fixed[md] = msg->fixed_cost;
  s->gamma[md] = msg->gamma;
  *old = *new;
  return 1;
}

double mec_tpos_server_average_cost(const mec_tpos_server_t *s)
{
  const mec_tpos_params_t *p = &s->p;
  double kappa = p->delta * p->f_s / p->price_unit_cycles;
  double total = s->sum_fixed;
  for (int h = 1; h <= p->H && h <= MEC_TPOS_MAX_SLOTS; h++)
    total += mec_tpos_slot_price(p, h, s->T_sigma[h] + s->carried_T[h]) * kappa * s->W[h];
  return total / s->n;
}

const mec_tpos_strategy_t *mec_tpos_server_strategy(const mec_tpos_server_t *s, int md)
{
  return md >= 0 && md < s->n ? &s->s[md] : NULL;
}

/* ---- Agent ------------------------------------------------------------- */

void mec_tpos_agent_init(mec_tpos_agent_t *a, int index, mec_tpos_mode_t mode, const mec_tpos_md_t *md,
                         const mec_tpos_params_t *p, mec_tpos_ws_t *ws)
{
  memset(a, 0, sizeof *a);
  a->index = index;
  a->mode = mode;
  a->md = *md;
  a->p = p;
  a->ws = ws;
  a->improve_rel = 1e-9;
  a->uai_step_exponent = 1.0;
  mec_tpos_strategy_local(md, &a->current);
  a->proposal = a->current;
  for (int h = 1; h <= p->H && h <= MEC_TPOS_MAX_SLOTS; h++)
    a->open[h] = 1;
}

void mec_tpos_agent_commit_of(const mec_tpos_agent_t *a, const mec_tpos_strategy_t *s, mec_tpos_commit_msg_t *c)
{
  mec_tpos_eval_t ev;
  mec_tpos_evaluate(&a->md, a->p, s, NULL, &ev);
  memset(c, 0, sizeof *c);
  c->strategy = *s;
  c->fixed_cost = ev.cost - a->md.gamma * ev.price;
  c->gamma = a->md.gamma;
}

void mec_tpos_agent_load_msg(const mec_tpos_agent_t *a, mec_tpos_load_msg_t *out)
{
  memset(out, 0, sizeof *out);
  for (int h = 1; h <= a->p->H && h <= MEC_TPOS_MAX_SLOTS; h++) {
    out->load[h] = a->current.load[h];
    out->carried[h] = a->carried[h];
  }
}

/* Random monotone packing of layers m*+1..M from a random open slot. */
static int random_packing(const mec_tpos_agent_t *a, gsl_rng *rng, const unsigned char *open, int m_star,
                          mec_tpos_strategy_t *s)
{
  const mec_tpos_params_t *p = a->p;
  const mec_tpos_dnn_t *d = a->md.dnn;
  double cap = p->T_d / p->H;
  int opens[MEC_TPOS_MAX_SLOTS], n_open = 0;
  for (int h = 1; h <= p->H && h <= MEC_TPOS_MAX_SLOTS; h++)
    if (!open || open[h])
      opens[n_open++] = h;
  if (!n_open)
    return -1;
  memset(s, 0, sizeof *s);
  s->m_star = (int16_t)m_star;
  int k = (int)gsl_rng_uniform_int(rng, (unsigned long)n_open);
  for (int m = m_star + 1; m <= d->M; m++) {
    if (d->t_se[m] > cap)
      return -1;
    int h = opens[k];
    int fits = s->load[h] + d->t_se[m] <= cap;
    /* stay in the slot while the layer fits, with some chance of moving on */
    if (s->first[h] && (!fits || gsl_rng_uniform(rng) < 0.3)) {
      if (++k >= n_open)
        return -1;
      h = opens[k];
    }
    if (!s->first[h])
      s->first[h] = (int16_t)m;
    s->last[h] = (int16_t)m;
    s->load[h] += d->t_se[m];
    s->h_last = (int16_t)h;
  }
  /* recompute loads from prefix sums, as every other code path does */
  for (int h = 1; h <= p->H && h <= MEC_TPOS_MAX_SLOTS; h++)
    if (s->first[h])
      s->load[h] = d->se_prefix[s->last[h]] - d->se_prefix[s->first[h] - 1];
  return 0;
}

void mec_tpos_agent_random_start(mec_tpos_agent_t *a, gsl_rng *rng, const unsigned char *slot_open,
                                 mec_tpos_commit_msg_t *commit)
{
  const mec_tpos_dnn_t *d = a->md.dnn;
  mec_tpos_strategy_t s;
  for (int attempt = 0; attempt < 64; attempt++) {
    int m_star = (int)gsl_rng_uniform_int(rng, (unsigned long)d->M + 1);
    if (m_star == d->M)
      mec_tpos_strategy_local(&a->md, &s);
    else if (random_packing(a, rng, slot_open, m_star, &s))
      continue;
    if (mec_tpos_check_strategy(&a->md, a->p, &s, 1, NULL, 0) == 0) {
      a->proposal = s;
      mec_tpos_agent_commit_of(a, &s, commit);
      return;
    }
  }
  mec_tpos_strategy_local(&a->md, &s);
  a->proposal = s;
  mec_tpos_agent_commit_of(a, &s, commit);
}

/* Best response against a->T_others / a->open; proposes it if it beats the
 * current strategy by more than the switching threshold. */
static int solve_and_compare(mec_tpos_agent_t *a, mec_tpos_commit_msg_t *commit)
{
  mec_tpos_strategy_t br;
  mec_tpos_eval_t ev_br, ev_cur;
  a->solves++;
  mec_tpos_best_response(a->ws, &a->md, a->p, a->T_others, a->open, &br, &ev_br);
  mec_tpos_evaluate(&a->md, a->p, &a->current, a->T_others, &ev_cur);
  double threshold = ev_cur.cost - a->improve_rel * fabs(ev_cur.cost);
  int better = ev_br.excess < ev_cur.excess - 1e-12 ||
               (ev_br.excess <= ev_cur.excess + 1e-12 && ev_br.cost < threshold);
  if (!better)
    return 0;
  a->proposal = br;
  mec_tpos_agent_commit_of(a, &br, commit);
  return 1;
}

int mec_tpos_agent_solve_cai(mec_tpos_agent_t *a, const mec_tpos_aggregate_msg_t *agg, mec_tpos_commit_msg_t *commit)
{
  const mec_tpos_params_t *p = a->p;
  a->k++;
  for (int h = 1; h <= p->H && h <= MEC_TPOS_MAX_SLOTS; h++) {
    int mine = a->current.first[h] ? 1 : 0;
    double others = agg->T_sigma[h] - a->current.load[h];
    a->T_others[h] = others > 0 ? others : 0.0;
    a->open[h] = agg->occ[h] - mine < p->B;
  }
  return solve_and_compare(a, commit);
}

int mec_tpos_agent_solve_uai(mec_tpos_agent_t *a, int n_md, const mec_tpos_load_msg_t *nbr, int n_nbr,
                             mec_tpos_commit_msg_t *commit)
{
  mec_tpos_load_msg_t sum;
  memset(&sum, 0, sizeof sum);
  for (int q = 0; q < n_nbr; q++)
    for (int h = 1; h <= a->p->H && h <= MEC_TPOS_MAX_SLOTS; h++) {
      sum.load[h] += nbr[q].load[h];
      sum.carried[h] += nbr[q].carried[h];
    }
  return mec_tpos_agent_solve_uai_sum(a, n_md, &sum, n_nbr, commit);
}

int mec_tpos_agent_solve_uai_sum(mec_tpos_agent_t *a, int n_md, const mec_tpos_load_msg_t *nbr_sum, int n_nbr,
                                 mec_tpos_commit_msg_t *commit)
{
  const mec_tpos_params_t *p = a->p;
  a->k++;
  double w = 1.0 / (1.0 + n_nbr);
  double cap = p->B * p->T_d / p->H;
  for (int h = 1; h <= p->H && h <= MEC_TPOS_MAX_SLOTS; h++) {
    /* with carry=1 the backlogs on the server (own and neighbours') are
     * part of the load eq. 29 extrapolates; zero otherwise */
    double sum = a->current.load[h] + nbr_sum->load[h] + (a->carried[h] + nbr_sum->carried[h]);
    double est = n_md * w * sum; /* eq. 29 */
    if (est > cap)
      est = cap;
    /* eq. 29 estimates T_Sigma^h, which includes this MD's own load */
    double others = est - a->current.load[h];
    others = others > 0 ? others : 0.0;
    /* stochastic-approximation average of the samples, step k^-p (p = 0:
     * eq. 29 as printed, the sample alone) */
    double step = a->uai_step_exponent > 0 ? pow((double)a->k, -a->uai_step_exponent) : 1.0;
    a->T_others[h] = a->k <= 1 ? others : (1 - step) * a->T_others[h] + step * others;
    /* occupancy: what the last server reply said (all open before any) */
    a->open[h] = (!a->known_full[h] || a->current.first[h] || a->k > a->known_full_until) && !a->carried_full[h];
  }
  return solve_and_compare(a, commit);
}

int mec_tpos_agent_on_reply(mec_tpos_agent_t *a, const mec_tpos_reply_msg_t *reply, mec_tpos_commit_msg_t *again)
{
  for (int h = 1; h <= a->p->H && h <= MEC_TPOS_MAX_SLOTS; h++)
    a->known_full[h] = reply->full[h];
  a->known_full_until = a->k + MEC_TPOS_FULL_MEMORY;
  if (reply->accepted) {
    a->current = a->proposal;
    a->changes++;
    return 0;
  }
  a->rejects++;
  int newly_closed = 0;
  for (int h = 1; h <= a->p->H && h <= MEC_TPOS_MAX_SLOTS; h++)
    if (reply->full[h] && a->open[h])
      a->open[h] = 0, newly_closed = 1;
  if (!newly_closed)
    return 0; /* nothing learnt: keep the current strategy */
  return solve_and_compare(a, again);
}
