#include "policies/tpos/tpos_br.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HS (MEC_TPOS_MAX_SLOTS + 2)

struct mec_tpos_ws {
  int max_layers;
  double *g;   /* g[i][h]: cheapest placement of layers i..M, a group starting at i in slot h */
  int *gj;     /* last layer of that group */
  double *gs;  /* gs[i][h] = min over h' in h..h_last of g[i][h'] */
  int *gsh;    /* its argmin h' */
  uint64_t steps;
};

mec_tpos_ws_t *mec_tpos_ws_new(int max_layers)
{
  if (max_layers < 1)
    return NULL;
  mec_tpos_ws_t *ws = calloc(1, sizeof(*ws));
  if (!ws)
    return NULL;
  size_t n = (size_t)(max_layers + 2) * HS;
  ws->max_layers = max_layers;
  ws->g = malloc(n * sizeof(double));
  ws->gs = malloc(n * sizeof(double));
  ws->gj = malloc(n * sizeof(int));
  ws->gsh = malloc(n * sizeof(int));
  if (!ws->g || !ws->gs || !ws->gj || !ws->gsh) {
    mec_tpos_ws_free(ws);
    return NULL;
  }
  return ws;
}

void mec_tpos_ws_free(mec_tpos_ws_t *ws)
{
  if (!ws)
    return;
  free(ws->g);
  free(ws->gs);
  free(ws->gj);
  free(ws->gsh);
  free(ws);
}

uint64_t mec_tpos_ws_steps(const mec_tpos_ws_t *ws)
{
  return ws ? ws->steps : 0;
}

/* gamma x p_h x S_{n,h}: the weighted price of putting `load` seconds of this
 * MD's subtasks in slot h (eqs. 19-23). Quadratic in load because the MD's
 * own load raises the slot's price. */
static inline double group_price(const mec_tpos_params_t *p, double gamma, const double *T_others, int h, double load)
{
  double other = T_others ? T_others[h] : 0.0;
  double kappa = p->delta * p->f_s / p->price_unit_cycles; /* price units per second of server time */
  double price = p->a[h] + p->b[h] / h * kappa * (other + load);
  return gamma * price * kappa * load;
}

/* Backward DP for one h_last. Fills gs[i][1] for i = 1..M+1 (gs[M+1][.] =
 * INF: an empty suffix is not an offload). */
static void dp_for_last_slot(mec_tpos_ws_t *ws, const mec_tpos_md_t *md, const mec_tpos_params_t *p,
                             const double *T_others, const unsigned char *open, int hl)
{
  const mec_tpos_dnn_t *d = md->dnn;
  const int M = d->M;
  const double cap = p->T_d / p->H * (1 + 1e-9);
#define IDX(i, h) ((size_t)(i) * HS + (size_t)(h))
  for (int h = 0; h < HS; h++) {
    ws->gs[IDX(M + 1, h)] = INFINITY;
    ws->gsh[IDX(M + 1, h)] = 0;
  }
  for (int i = M; i >= 1; i--) {
    ws->gs[IDX(i, hl + 1)] = INFINITY;
    ws->gsh[IDX(i, hl + 1)] = 0;
    for (int h = hl; h >= 1; h--) {
      double best = INFINITY;
      int bj = 0;
      if (!open || open[h]) {
        double load = 0.0;
        for (int j = i; j <= M; j++) {
          load += d->t_se[j];
          ws->steps++;
          if (load > cap)
            break;
          double tail = j == M ? (h == hl ? 0.0 : INFINITY) : ws->gs[IDX(j + 1, h + 1)];
          if (tail == INFINITY)
            continue;
          double v = group_price(p, md->gamma, T_others, h, load) + tail;
          if (v < best)
            best = v, bj = j;
        }
      }
      ws->g[IDX(i, h)] = best;
      ws->gj[IDX(i, h)] = bj;
      /* suffix minimum over slots h..hl; ties prefer the earlier slot */
      double above = ws->gs[IDX(i, h + 1)];
      if (best <= above) {
        ws->gs[IDX(i, h)] = best;
        ws->gsh[IDX(i, h)] = h;
      } else {
        ws->gs[IDX(i, h)] = above;
        ws->gsh[IDX(i, h)] = ws->gsh[IDX(i, h + 1)];
      }
    }
  }
}

int mec_tpos_best_response(mec_tpos_ws_t *ws, const mec_tpos_md_t *md, const mec_tpos_params_t *p,
                           const double *T_others, const unsigned char *slot_open, mec_tpos_strategy_t *out,
                           mec_tpos_eval_t *ev)
{
  const mec_tpos_dnn_t *d = md->dnn;
  const int M = d->M;
  if (M > ws->max_layers)
    return -1;

  /* Candidate 0: everything local (m* = M). With carry, the local delay
   * waits for the MD's CPU backlog (its energy does not). */
  double lo_total = d->lo_prefix[M] * md->lo_scale;
  double lo_delay = md->carry ? md->cpu_backlog + lo_total : lo_total;
  double best_cost = md->alpha * md->c_t * lo_delay + md->beta * md->c_e * md->p_lo * lo_total;
  double best_excess = lo_delay > md->tau ? lo_delay - md->tau : 0.0;
  int best_m = M, best_hl = 0, best_h1 = 1;

  if (md->up_bps > 0 && md->down_bps > 0) {
    double t_down = d->out_bits[M] / md->down_bps;
    for (int hl = 1; hl <= p->H; hl++) {
      if (slot_open && !slot_open[hl])
        continue;
      dp_for_last_slot(ws, md, p, T_others, slot_open, hl);
      double t_slots = (double)hl / p->H * p->T_d;
      for (int m = 0; m < M; m++) {
        /* carry: the first group may only use a slot its data reaches in
         * time, and the delay counts from the common frame (tpos_model.h) */
        int h1 = md->carry ? mec_tpos_carry_first_slot(md, p, m) : 1;
        if (h1 > hl)
          continue;
        double price = ws->gs[IDX(m + 1, h1)];
        if (price == INFINITY)
          continue;
        double t_local = d->lo_prefix[m] * md->lo_scale;
        double t_up = d->out_bits[m] / md->up_bps;
        double delay = md->carry ? md->frame_wait + t_slots + t_down : t_local + t_up + t_slots + t_down;
        double energy = md->p_lo * t_local + md->p_up * t_up;
        double cost = md->alpha * md->c_t * delay + md->beta * md->c_e * energy + price;
        double excess = delay > md->tau ? delay - md->tau : 0.0;
        if (mec_tpos_better(excess, cost, best_excess, best_cost)) {
          best_excess = excess, best_cost = cost;
          best_m = m, best_hl = hl, best_h1 = h1;
        }
      }
    }
  }

  /* Rebuild the winner's groups from the DP of its h_last. */
  memset(out, 0, sizeof *out);
  out->m_star = (int16_t)best_m;
  if (best_m < M) {
    dp_for_last_slot(ws, md, p, T_others, slot_open, best_hl);
    int i = best_m + 1, h = ws->gsh[IDX(i, best_h1)];
    while (1) {
      int j = ws->gj[IDX(i, h)];
      out->first[h] = (int16_t)i;
      out->last[h] = (int16_t)j;
      out->load[h] = d->se_prefix[j] - d->se_prefix[i - 1];
      out->h_last = (int16_t)h;
      if (j == M)
        break;
      i = j + 1;
      h = ws->gsh[IDX(i, h + 1)];
    }
  }
#undef IDX
  if (ev)
    mec_tpos_evaluate(md, p, out, T_others, ev);
  return 0;
}
