#include "policies/tpos/tpos_game.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/rng.h"

struct mec_tpos_game {
  mec_tpos_params_t p;
  mec_tpos_game_cfg_t cfg;
  int n;
  mec_tpos_md_t *md;
  mec_tpos_agent_t *agent;
  mec_tpos_ws_t *ws;
  mec_tpos_server_t *server;
  gsl_rng *rng;
  int *nbr_off, *nbr_idx; /* owned CSR copy (UAI) */
  int max_degree;
  mec_tpos_load_msg_t *nbr_msgs; /* [max_degree] */
  unsigned char *active;
  int *order;
  double *hist;
  int hist_len, hist_cap;
  int started;
  /* all_neighbours: summed loads and count of the MDs active this tick */
  double act_load[MEC_TPOS_MAX_SLOTS + 1];
  int n_active;
  mec_tpos_game_result_t res; /* running counters */
};

mec_tpos_game_cfg_t mec_tpos_game_cfg_default(mec_tpos_mode_t mode)
{
  mec_tpos_game_cfg_t c;
  memset(&c, 0, sizeof c);
  c.mode = mode;
  c.wake_prob = 0.5;
  c.epsilon = 1e-6;
  c.max_ticks = 10000;
  c.seed = 1;
  c.improve_rel = 1e-9;
  c.uai_step_exponent = 1.0;
  c.radius_m = 50.0;
  c.nash_check = 1;
  return c;
}

/* ---- Neighbour sets by distance: bucket MDs into square cells of side r,
 * then look in the 3x3 cells around each MD. O(N x degree). */
typedef struct {
  long long cx, cy;
  int i;
} cell_item_t;

static int cell_cmp(const void *a, const void *b)
{
  const cell_item_t *x = a, *y = b;
  if (x->cx != y->cx)
    return x->cx < y->cx ? -1 : 1;
  if (x->cy != y->cy)
    return x->cy < y->cy ? -1 : 1;
  return x->i - y->i;
}

static size_t cell_lower(const cell_item_t *it, size_t n, long long cx, long long cy)
{
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (it[mid].cx < cx || (it[mid].cx == cx && it[mid].cy < cy))
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

static int build_neighbours_by_radius(mec_tpos_game_t *g, double r)
{
  int n = g->n;
  cell_item_t *it = malloc((size_t)n * sizeof(*it));
  g->nbr_off = calloc((size_t)n + 1, sizeof(int));
  if (!it || !g->nbr_off) {
    free(it);
    return -1;
  }
  for (int i = 0; i < n; i++) {
    it[i].cx = (long long)floor(g->md[i].x / r);
    it[i].cy = (long long)floor(g->md[i].y / r);
    it[i].i = i;
  }
  qsort(it, (size_t)n, sizeof(*it), cell_cmp);
  size_t cap = 1024, used = 0;
  int *idx = malloc(cap * sizeof(int));
  if (!idx) {
    free(it);
    return -1;
  }
  for (int i = 0; i < n; i++) {
    g->nbr_off[i] = (int)used;
    long long cx = (long long)floor(g->md[i].x / r), cy = (long long)floor(g->md[i].y / r);
    for (long long dx = -1; dx <= 1; dx++)
      for (long long dy = -1; dy <= 1; dy++) {
        for (size_t k = cell_lower(it, (size_t)n, cx + dx, cy + dy);
             k < (size_t)n && it[k].cx == cx + dx && it[k].cy == cy + dy; k++) {
          int j = it[k].i;
          double ddx = g->md[i].x - g->md[j].x, ddy = g->md[i].y - g->md[j].y;
          if (j == i || ddx * ddx + ddy * ddy > r * r)
            continue;
          if (used == cap) {
            int *bigger = realloc(idx, 2 * cap * sizeof(int));
            if (!bigger) {
              free(idx);
              free(it);
              return -1;
            }
            idx = bigger, cap *= 2;
          }
          idx[used++] = j;
        }
      }
  }
  g->nbr_off[n] = (int)used;
  g->nbr_idx = idx;
  free(it);
  return 0;
}

static int copy_neighbours(mec_tpos_game_t *g, const int *off, const int *idx)
{
  int n = g->n, total = off[n];
  g->nbr_off = malloc(((size_t)n + 1) * sizeof(int));
  g->nbr_idx = malloc(((size_t)total + 1) * sizeof(int));
  if (!g->nbr_off || !g->nbr_idx)
    return -1;
  memcpy(g->nbr_off, off, ((size_t)n + 1) * sizeof(int));
  memcpy(g->nbr_idx, idx, (size_t)total * sizeof(int));
  for (int k = 0; k < total; k++)
    if (idx[k] < 0 || idx[k] >= n)
      return -2;
  return 0;
}

mec_tpos_game_t *mec_tpos_game_new(const mec_tpos_params_t *p, const mec_tpos_md_t *mds, int n,
                                   const mec_tpos_game_cfg_t *cfg, char *err, size_t errlen)
{
  if (mec_tpos_params_check(p, err, errlen))
    return NULL;
  if (n < 1 || !mds || !cfg || !(cfg->wake_prob > 0 && cfg->wake_prob <= 1) || cfg->max_ticks < 1 ||
      cfg->epsilon < 0) {
    if (err && errlen)
      snprintf(err, errlen, "tpos game: need n >= 1, wake_prob in (0, 1], max_ticks >= 1, epsilon >= 0");
    return NULL;
  }
  int max_layers = 0;
  for (int i = 0; i < n; i++) {
    if (!mds[i].dnn || mds[i].dnn->M < 1) {
      if (err && errlen)
        snprintf(err, errlen, "tpos game: MD %d has no DNN table", i);
      return NULL;
    }
    if (mds[i].dnn->M > max_layers)
      max_layers = mds[i].dnn->M;
  }
  mec_tpos_game_t *g = calloc(1, sizeof(*g));
  if (!g)
    goto oom;
  g->p = *p;
  g->cfg = *cfg;
  g->cfg.nbr_offset = g->cfg.nbr_index = NULL; /* our own copy below */
  g->n = n;
  g->md = malloc((size_t)n * sizeof(*g->md));
  g->agent = calloc((size_t)n, sizeof(*g->agent));
  g->active = calloc((size_t)n, 1);
  g->order = malloc((size_t)n * sizeof(int));
  g->ws = mec_tpos_ws_new(max_layers);
  g->server = mec_tpos_server_new(&g->p, n);
  g->rng = mec_rng_new(cfg->seed, MEC_STREAM_POLICY, 0x7905);
  if (!g->md || !g->agent || !g->active || !g->order || !g->ws || !g->server || !g->rng)
    goto oom;
  memcpy(g->md, mds, (size_t)n * sizeof(*g->md));
  for (int i = 0; i < n; i++) {
    mec_tpos_agent_init(&g->agent[i], i, cfg->mode, &g->md[i], &g->p, g->ws);
    g->agent[i].improve_rel = cfg->improve_rel;
    g->agent[i].uai_step_exponent = cfg->uai_step_exponent;
  }
  if (cfg->mode == MEC_TPOS_UAI && !cfg->all_neighbours) {
    int rc;
    if (cfg->nbr_offset && cfg->nbr_index)
      rc = copy_neighbours(g, cfg->nbr_offset, cfg->nbr_index);
    else if (cfg->radius_m > 0)
      rc = build_neighbours_by_radius(g, cfg->radius_m);
    else
      rc = -3;
    if (rc == -1)
      goto oom;
    if (rc) {
      if (err && errlen)
        snprintf(err, errlen, rc == -2 ? "tpos game: neighbour index out of range" : "tpos game: UAI needs neighbour lists or radius_m > 0");
      mec_tpos_game_free(g);
      return NULL;
    }
    for (int i = 0; i < n; i++)
      if (g->nbr_off[i + 1] - g->nbr_off[i] > g->max_degree)
        g->max_degree = g->nbr_off[i + 1] - g->nbr_off[i];
    g->nbr_msgs = malloc(((size_t)g->max_degree + 1) * sizeof(*g->nbr_msgs));
    if (!g->nbr_msgs)
      goto oom;
  }
  return g;
oom:
  if (err && errlen)
    snprintf(err, errlen, "tpos game: out of memory");
  mec_tpos_game_free(g);
  return NULL;
}

void mec_tpos_game_free(mec_tpos_game_t *g)
{
  if (!g)
    return;
  free(g->md);
  free(g->agent);
  free(g->active);
  free(g->order);
  mec_tpos_ws_free(g->ws);
  mec_tpos_server_free(g->server);
  if (g->rng)
    gsl_rng_free(g->rng);
  free(g->nbr_off);
  free(g->nbr_idx);
  free(g->nbr_msgs);
  free(g->hist);
  free(g);
}

static void count_msg(mec_tpos_game_t *g, mec_tpos_msg_kind_t kind, long k)
{
  g->res.messages += k;
  g->res.message_bits += k * mec_tpos_msg_bits(kind, g->p.H);
}

/* Commit, reply, and re-commits after rejections (bounded by H: every
 * rejection closes at least one more slot). */
static void commit_loop(mec_tpos_game_t *g, mec_tpos_agent_t *a, mec_tpos_commit_msg_t *c)
{
  for (int round = 0; round <= g->p.H; round++) {
    mec_tpos_reply_msg_t reply;
    count_msg(g, MEC_TPOS_MSG_COMMIT, 1);
    mec_tpos_server_commit(g->server, a->index, c, &reply);
    count_msg(g, MEC_TPOS_MSG_REPLY, 1);
    if (!reply.accepted)
      g->res.rejects++;
    else
      g->res.changes++;
    if (!mec_tpos_agent_on_reply(a, &reply, c))
      return;
  }
}

int mec_tpos_game_start(mec_tpos_game_t *g)
{
  if (g->started)
    return 0;
  /* Steps 1-4: every MD commits a random strategy meeting (28b); each one
   * sees the occupancy of those before it so that (27) holds. */
  for (int i = 0; i < g->n; i++) {
    mec_tpos_aggregate_msg_t agg;
    unsigned char open[MEC_TPOS_MAX_SLOTS + 1] = {0};
    mec_tpos_server_aggregate(g->server, &agg);
    for (int h = 1; h <= g->p.H; h++)
      open[h] = agg.occ[h] < g->p.B;
    mec_tpos_commit_msg_t c;
    mec_tpos_agent_random_start(&g->agent[i], g->rng, open, &c);
    mec_tpos_reply_msg_t reply;
    count_msg(g, MEC_TPOS_MSG_COMMIT, 1);
    count_msg(g, MEC_TPOS_MSG_REPLY, 1);
    if (mec_tpos_server_commit(g->server, i, &c, &reply) != 1)
      return -1; /* cannot happen: the start honours the occupancy */
    mec_tpos_agent_on_reply(&g->agent[i], &reply, &c);
  }
  g->started = 1;
  return 0;
}

static void wake_up(mec_tpos_game_t *g, int i)
{
  mec_tpos_agent_t *a = &g->agent[i];
  mec_tpos_commit_msg_t c;
  int wants;
  uint64_t steps0 = mec_tpos_ws_steps(g->ws);
  g->res.wakeups++;
  if (g->cfg.mode == MEC_TPOS_CAI) {
    mec_tpos_aggregate_msg_t agg;
    count_msg(g, MEC_TPOS_MSG_QUERY, 1);
    mec_tpos_server_aggregate(g->server, &agg);
    count_msg(g, MEC_TPOS_MSG_AGGREGATE, 1);
    wants = mec_tpos_agent_solve_cai(a, &agg, &c);
  } else if (g->cfg.all_neighbours) {
    /* the other active MDs' loads, summed into one message-equivalent */
    mec_tpos_load_msg_t sum;
    memset(&sum, 0, sizeof sum);
    for (int h = 1; h <= g->p.H; h++)
      sum.load[h] = fmax(0.0, g->act_load[h] - a->current.load[h]);
    int k = g->n_active - 1;
    count_msg(g, MEC_TPOS_MSG_LOAD, k);
    /* eq. 29 with equal weights over self + k neighbours = N x mean */
    mec_tpos_strategy_t before = a->current;
    wants = mec_tpos_agent_solve_uai_sum(a, g->n, &sum, k, &c);
    if (wants)
      commit_loop(g, a, &c);
    for (int h = 1; h <= g->p.H; h++)
      g->act_load[h] += a->current.load[h] - before.load[h];
    g->res.flops += (double)(mec_tpos_ws_steps(g->ws) - steps0) * MEC_TPOS_FLOPS_PER_STEP;
    return;
  } else {
    int k = 0;
    for (int e = g->nbr_off[i]; e < g->nbr_off[i + 1]; e++) {
      int q = g->nbr_idx[e];
      if (g->active[q])
        mec_tpos_agent_load_msg(&g->agent[q], &g->nbr_msgs[k++]);
    }
    count_msg(g, MEC_TPOS_MSG_LOAD, k);
    wants = mec_tpos_agent_solve_uai(a, g->n, g->nbr_msgs, k, &c);
  }
  if (wants)
    commit_loop(g, a, &c);
  g->res.flops += (double)(mec_tpos_ws_steps(g->ws) - steps0) * MEC_TPOS_FLOPS_PER_STEP;
}

int mec_tpos_game_tick(mec_tpos_game_t *g)
{
  int k = 0;
  for (int i = 0; i < g->n; i++) {
    g->active[i] = gsl_rng_uniform(g->rng) < g->cfg.wake_prob;
    if (g->active[i])
      g->order[k++] = i;
  }
  if (k > 1)
    gsl_ran_shuffle(g->rng, g->order, (size_t)k, sizeof(int));
  if (g->cfg.mode == MEC_TPOS_UAI && g->cfg.all_neighbours) {
    memset(g->act_load, 0, sizeof g->act_load);
    for (int j = 0; j < k; j++)
      for (int h = 1; h <= g->p.H; h++)
        g->act_load[h] += g->agent[g->order[j]].current.load[h];
    g->n_active = k;
  }
  for (int j = 0; j < k; j++)
    wake_up(g, g->order[j]);
  g->res.ticks++;
  if (g->cfg.keep_history) {
    if (g->hist_len == g->hist_cap) {
      int cap = g->hist_cap ? 2 * g->hist_cap : 256;
      double *h = realloc(g->hist, (size_t)cap * sizeof(double));
      if (h)
        g->hist = h, g->hist_cap = cap;
    }
    if (g->hist_len < g->hist_cap)
      g->hist[g->hist_len++] = mec_tpos_game_average_cost(g);
  }
  return k;
}

double mec_tpos_game_average_cost(const mec_tpos_game_t *g)
{
  return mec_tpos_server_average_cost(g->server);
}

const mec_tpos_strategy_t *mec_tpos_game_strategy(const mec_tpos_game_t *g, int md)
{
  return md >= 0 && md < g->n ? &g->agent[md].current : NULL;
}

const double *mec_tpos_game_history(const mec_tpos_game_t *g, int *len)
{
  if (len)
    *len = g->hist_len;
  return g->hist;
}

void mec_tpos_game_evaluate(const mec_tpos_game_t *g, int md, mec_tpos_eval_t *ev)
{
  mec_tpos_aggregate_msg_t agg;
  double others[MEC_TPOS_MAX_SLOTS + 1] = {0};
  const mec_tpos_strategy_t *s = &g->agent[md].current;
  mec_tpos_server_aggregate(g->server, &agg);
  for (int h = 1; h <= g->p.H; h++)
    others[h] = fmax(0.0, agg.T_sigma[h] - s->load[h]);
  mec_tpos_evaluate(&g->md[md], &g->p, s, others, ev);
}

int mec_tpos_game_check(const mec_tpos_game_t *g, char *why, size_t whylen)
{
  mec_tpos_strategy_t *s = malloc((size_t)g->n * sizeof(*s));
  if (!s)
    return -1;
  for (int i = 0; i < g->n; i++)
    s[i] = g->agent[i].current;
  int rc = mec_tpos_check_joint(g->md, &g->p, s, g->n, why, whylen);
  free(s);
  return rc;
}

/* Largest gain any MD could still get by deviating (true aggregate). */
static double nash_gap(mec_tpos_game_t *g)
{
  double gap = 0.0;
  mec_tpos_aggregate_msg_t agg;
  mec_tpos_server_aggregate(g->server, &agg);
  for (int i = 0; i < g->n; i++) {
    const mec_tpos_strategy_t *cur = &g->agent[i].current;
    double others[MEC_TPOS_MAX_SLOTS + 1] = {0};
    unsigned char open[MEC_TPOS_MAX_SLOTS + 1] = {0};
    for (int h = 1; h <= g->p.H; h++) {
      others[h] = fmax(0.0, agg.T_sigma[h] - cur->load[h]);
      open[h] = agg.occ[h] - (cur->first[h] ? 1 : 0) < g->p.B;
    }
    mec_tpos_strategy_t br;
    mec_tpos_eval_t eb, ec;
    mec_tpos_best_response(g->ws, &g->md[i], &g->p, others, open, &br, &eb);
    mec_tpos_evaluate(&g->md[i], &g->p, cur, others, &ec);
    if (mec_tpos_better(eb.excess, eb.cost, ec.excess, ec.cost) && ec.cost - eb.cost > gap)
      gap = ec.cost - eb.cost;
  }
  return gap;
}

int mec_tpos_game_run(mec_tpos_game_t *g, mec_tpos_game_result_t *res)
{
  if (mec_tpos_game_start(g))
    return -1;
  unsigned char *seen = calloc((size_t)g->n, 1);
  if (!seen)
    return -1;
  int n_seen = 0;
  double prev = mec_tpos_game_average_cost(g);
  while (g->res.ticks < g->cfg.max_ticks) {
    mec_tpos_game_tick(g);
    double now = mec_tpos_game_average_cost(g);
    if (fabs(now - prev) > g->cfg.epsilon) {
      memset(seen, 0, (size_t)g->n); /* the window restarts */
      n_seen = 0;
    }
    for (int i = 0; i < g->n; i++)
      if (g->active[i] && !seen[i])
        seen[i] = 1, n_seen++;
    prev = now;
    if (n_seen == g->n) {
      g->res.converged = 1;
      break;
    }
  }
  free(seen);

  mec_tpos_game_result_t *r = &g->res;
  r->avg_cost = r->avg_delay = r->avg_energy = r->avg_price = 0;
  r->n_offloading = 0;
  r->solves = 0;
  for (int i = 0; i < g->n; i++) {
    mec_tpos_eval_t ev;
    mec_tpos_game_evaluate(g, i, &ev);
    r->avg_cost += ev.cost / g->n;
    r->avg_delay += ev.delay / g->n;
    r->avg_energy += ev.energy / g->n;
    r->avg_price += ev.price / g->n;
    r->n_offloading += g->agent[i].current.m_star < g->md[i].dnn->M;
    r->solves += g->agent[i].solves;
  }
  r->nash_gap = g->cfg.nash_check ? nash_gap(g) : NAN;
  if (res)
    *res = *r;
  return 0;
}
