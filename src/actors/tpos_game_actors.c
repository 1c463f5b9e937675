/* tpos_game_actors.c - TPOS-CAI (Algorithm 1) and TPOS-UAI (Algorithm 2) as
 * message exchanges between actors in simulated time.
 *
 * Players are the task-flow actors of one period's tasks (one per MD, on the
 * MD host); the server side is the coordinator actor on edge server 1's host.
 * The coordinator closes a period `gather` after a slot boundary and runs
 * rounds of length `round` (policy argument): at each round every player
 * wakes up with probability `wake` at a random time in the round's first half
 * (seeded, stateless draws), and an awake player
 *   CAI: sends a query to the server, gets the aggregate back,
 *   UAI: gets a load message from each active neighbour,
 * computes its best response (its flops executed on the MD host), and if it
 * changes strategy sends a commit and gets the server's reply (admission
 * control on eq. 27), re-committing after a rejection. After the round the
 * server reads the average cost (step 11) and applies the stopping rule of
 * tpos_game.h (every player awake once while the cost moved <= epsilon); it
 * then sends every player a stop message and the tasks run with the
 * converged strategies. Every message is a SimGrid transfer over a radio
 * (and the fiber to server 1 when it is not on the BS), sized by
 * mec_tpos_msg_bits, and recorded in /messages.
 *
 * With carry=1 (continuous operation, docs/tpos.md) a period plays in a
 * common frame of absolute slots: the server announces it (frame message),
 * the aggregate and admission include what earlier periods booked, each
 * MD's eq. 24 includes its CPU and uplink backlogs (tpos_carry.c), and at
 * the end late strategies are repaired and the admission rule drops the
 * tasks predicted too late.
 *
 * The server's own processing of a message (O(H) bookkeeping) takes no
 * simulated time; the players' state machines and the server's are exactly
 * those of tpos_agent.h, so the pure-C driver and this file play the same
 * game, only the interleaving in time differs. */
#include "actors/radio_link.h"
#include "actors/tpos_sim.h"
#include "model/rng.h"
#include "policies/tpos/tpos_policy.h"

#include <math.h>
#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <xbt/log.h>

XBT_LOG_NEW_DEFAULT_SUBCATEGORY(mec_tpos, mecsim, "TPOS game between actors");

/* Trace kind of the server's stop message (after mec_tpos_msg_kind_t). */
#define TPOS_MSG_STOP 5
#define TPOS_STOP_BITS 40.0 /* flag + round number */
/* Trace kind of the server's frame message (continuous operation, carry=1). */
#define TPOS_MSG_FRAME 6

typedef struct tpos_period tpos_period_t;

/* One player: lives on its task actor's stack while it plays. */
typedef struct tpos_player {
  mec_task_ctx_t *ctx;
  int index;        /* in the period */
  tpos_period_t *P; /* valid until stop is set */
  int stop;         /* set by the coordinator with the outputs below */
  long rounds;
  mec_tpos_sim_choice_t choice;
  struct tpos_player *next;
} tpos_player_t;

struct tpos_period {
  long k; /* period index */
  int n;
  const mec_tpos_params_t *p;
  const mec_tpos_game_cfg_t *cfg;
  tpos_player_t **pl;
  mec_tpos_md_t *md;
  mec_tpos_agent_t *agent;
  mec_tpos_server_t *server;
  mec_tpos_ws_t *ws;
  unsigned char *active, *woke;
  double *wake_at;
  int *nbr_off, *nbr_idx; /* UAI by radius or listed (CSR) */
  int listed;             /* neighbour lists from the devices' `neighbours` props */
  sg_sem_t done;
  long round;
  /* counters of the whole period and of the current round */
  long wakeups, messages, changes, rejects, round_wakeups, round_messages;
  double bits, flops;
  /* continuous operation (carry=1): the period's common frame */
  int carry;
  long j0;            /* its first absolute slot */
  double t_ref;       /* decision time the game assumes (period close + lead) */
  long repairs, drops;
};

/* carry=1 without a `lead`: the last game's length stands for this one's */
static double g_last_game_s;

static struct {
  tpos_player_t *head, *tail;
  int count;
} g_pending;

/* ---- messages ------------------------------------------------------------ */

static void fiber_to_server(double bits, int reverse)
{
  const mec_server_state_t *st = &mec_world->srv[0];
  for (int h = 0; h + 1 < st->path_len; h++) {
    int a = reverse ? st->path_len - 1 - h : h;
    int b = reverse ? a - 1 : a + 1;
    sg_host_sendto(st->path[a], st->path[b], bits / 8.0);
  }
}

static int record(double sent, int src, int dst, int kind, long round, double bits)
{
  mec_world_t *w = mec_world;
  if (!w->trace)
    return 0;
  trace_message_rec_t r = {sent, simgrid_get_clock(), src, dst, kind, (int32_t)round, bits};
  if (trace_add_message(w->trace, &r) != 0) {
    mec_world_fail("trace: %s", trace_error(w->trace));
    return -1;
  }
  return 0;
}

/* A message between MD `md` (global index) and the server (to_server: up),
 * or from MD `md` to MD `dst` (dst >= 0, over md's radio: the D2D link is
 * charged at md's uplink rate). */
static void send_msg(tpos_period_t *P, int md, int dst, int to_server, int kind, double bits)
{
  double sent = simgrid_get_clock();
  if (dst >= 0 || to_server) {
    mec_radio_transfer(md, bits, mec_world_up_spec(md, 0, 0), 1);
    if (to_server)
      fiber_to_server(bits, 0);
  } else {
    fiber_to_server(bits, 1);
    mec_radio_transfer(md, bits, mec_world_down_spec(md, 0), 0);
  }
  P->messages++, P->round_messages++;
  P->bits += bits;
  record(sent, to_server ? md : (dst >= 0 ? md : -1), to_server ? -1 : (dst >= 0 ? dst : md), kind, P->round, bits);
}

static double msg_bits(const tpos_period_t *P, mec_tpos_msg_kind_t kind)
{
  return mec_tpos_msg_bits_carry(kind, P->p->H, P->carry);
}

static uint64_t draw_key(long k, long round, int gmd, int purpose)
{
  uint64_t x = mec_splitmix64((uint64_t)k * 0x9E3779B97F4A7C15ull + (uint64_t)round);
  return mec_splitmix64(x ^ ((uint64_t)gmd << 2 | (uint64_t)purpose));
}

/* The best response's compute (DP steps) runs on the MD host. */
static void charge(tpos_period_t *P, uint64_t steps0)
{
  double flops = (double)(mec_tpos_ws_steps(P->ws) - steps0) * MEC_TPOS_FLOPS_PER_STEP;
  P->flops += flops;
  if (flops > 0)
    sg_actor_execute(flops);
}

static void commit_loop(tpos_period_t *P, int i, mec_tpos_commit_msg_t *c)
{
  int gi = P->pl[i]->ctx->task.md;
  mec_tpos_agent_t *a = &P->agent[i];
  for (int r = 0; r <= P->p->H; r++) {
    send_msg(P, gi, -1, 1, MEC_TPOS_MSG_COMMIT, msg_bits(P, MEC_TPOS_MSG_COMMIT));
    mec_tpos_reply_msg_t reply;
    mec_tpos_server_commit(P->server, i, c, &reply);
    if (reply.accepted)
      P->changes++;
    else
      P->rejects++;
    send_msg(P, gi, -1, 0, MEC_TPOS_MSG_REPLY, msg_bits(P, MEC_TPOS_MSG_REPLY));
    uint64_t s0 = mec_tpos_ws_steps(P->ws);
    int again = mec_tpos_agent_on_reply(a, &reply, c);
    charge(P, s0);
    if (!again)
      return;
  }
}

/* Steps 3-4: the MD learns the slot occupancy, commits a random strategy
 * meeting (28b) in the open slots, and if a slot filled up meanwhile (the
 * others start at the same time) commits all-local instead, which is always
 * accepted: afterwards the server holds every MD's strategy and cost. */
static void start(tpos_period_t *P, int i)
{
  int gi = P->pl[i]->ctx->task.md;
  mec_tpos_agent_t *a = &P->agent[i];
  mec_tpos_commit_msg_t c;
  mec_tpos_reply_msg_t reply;
  mec_tpos_aggregate_msg_t agg;
  if (P->carry) /* the server announces the frame (and, to UAI, its full slots) */
    send_msg(P, gi, -1, 0, TPOS_MSG_FRAME, mec_tpos_frame_msg_bits(P->cfg->mode, P->p->H));
  send_msg(P, gi, -1, 1, MEC_TPOS_MSG_QUERY, msg_bits(P, MEC_TPOS_MSG_QUERY));
  mec_tpos_server_aggregate(P->server, &agg);
  send_msg(P, gi, -1, 0, MEC_TPOS_MSG_AGGREGATE, msg_bits(P, MEC_TPOS_MSG_AGGREGATE));
  unsigned char open[MEC_TPOS_MAX_SLOTS + 1] = {0};
  for (int h = 1; h <= P->p->H; h++)
    open[h] = agg.occ[h] < P->p->B;
  gsl_rng *rng = mec_rng_new(P->cfg->seed, MEC_STREAM_POLICY, draw_key(P->k, 0, gi, 2));
  if (!rng) {
    mec_world_fail("TPOS: out of memory");
    return;
  }
  mec_tpos_agent_random_start(a, rng, open, &c);
  gsl_rng_free(rng);
  for (int attempt = 0; attempt < 2; attempt++) {
    send_msg(P, gi, -1, 1, MEC_TPOS_MSG_COMMIT, msg_bits(P, MEC_TPOS_MSG_COMMIT));
    mec_tpos_server_commit(P->server, i, &c, &reply);
    send_msg(P, gi, -1, 0, MEC_TPOS_MSG_REPLY, msg_bits(P, MEC_TPOS_MSG_REPLY));
    if (reply.accepted) {
      P->changes++;
      mec_tpos_agent_on_reply(a, &reply, &c); /* current = the proposal */
      return;
    }
    P->rejects++;
    mec_tpos_strategy_t local;
    mec_tpos_strategy_local(&a->md, &local);
    a->proposal = local;
    mec_tpos_agent_commit_of(a, &local, &c);
  }
}

static void wake_up(tpos_period_t *P, int i)
{
  int gi = P->pl[i]->ctx->task.md;
  mec_tpos_agent_t *a = &P->agent[i];
  mec_tpos_commit_msg_t c;
  int wants;
  if (P->round == 0) {
    start(P, i);
    return;
  }
  P->woke[i] = 1;
  P->wakeups++, P->round_wakeups++;
  if (P->cfg->mode == MEC_TPOS_CAI) {
    send_msg(P, gi, -1, 1, MEC_TPOS_MSG_QUERY, msg_bits(P, MEC_TPOS_MSG_QUERY));
    mec_tpos_aggregate_msg_t agg;
    mec_tpos_server_aggregate(P->server, &agg); /* as the query reaches the server */
    send_msg(P, gi, -1, 0, MEC_TPOS_MSG_AGGREGATE, msg_bits(P, MEC_TPOS_MSG_AGGREGATE));
    uint64_t s0 = mec_tpos_ws_steps(P->ws);
    wants = mec_tpos_agent_solve_cai(a, &agg, &c);
    charge(P, s0);
  } else {
    /* eq. 29: a load message from every active neighbour, read when it is sent */
    mec_tpos_load_msg_t sum;
    memset(&sum, 0, sizeof sum);
    int k = 0;
    int all = P->cfg->all_neighbours && !P->listed;
    int e0 = all ? 0 : P->nbr_off[i], e1 = all ? P->n : P->nbr_off[i + 1];
    for (int e = e0; e < e1; e++) {
      int q = all ? e : P->nbr_idx[e];
      if (q == i || !P->active[q])
        continue;
      mec_tpos_load_msg_t lm;
      mec_tpos_agent_load_msg(&P->agent[q], &lm);
      send_msg(P, P->pl[q]->ctx->task.md, gi, 0, MEC_TPOS_MSG_LOAD, msg_bits(P, MEC_TPOS_MSG_LOAD));
      for (int h = 1; h <= P->p->H; h++) {
        sum.load[h] += lm.load[h];
        sum.carried[h] += lm.carried[h];
      }
      k++;
    }
    uint64_t s0 = mec_tpos_ws_steps(P->ws);
    wants = mec_tpos_agent_solve_uai_sum(a, P->n, &sum, k, &c);
    charge(P, s0);
  }
  if (wants)
    commit_loop(P, i, &c);
}

/* ---- player (task flow side) ---------------------------------------------- */

int mec_tpos_play(mec_task_ctx_t *ctx, mec_tpos_sim_choice_t *out)
{
  mec_world_t *w = mec_world;
  tpos_player_t me;
  memset(&me, 0, sizeof me);
  me.ctx = ctx;
  if (g_pending.tail)
    g_pending.tail->next = &me;
  else
    g_pending.head = &me;
  g_pending.tail = &me;
  g_pending.count++;
  for (;;) {
    sg_sem_acquire(ctx->wake);
    if (w->failed)
      return -1;
    if (me.stop)
      break;
    tpos_period_t *P = me.P;
    if (P->active[me.index]) {
      if (simgrid_get_clock() < P->wake_at[me.index])
        sg_actor_sleep_until(P->wake_at[me.index]); /* the MD's own random wake-up time */
      wake_up(P, me.index);
    }
    sg_sem_release(P->done);
  }
  /* The server's stop message; the strategy was accepted by its last reply. */
  double sent = simgrid_get_clock();
  fiber_to_server(TPOS_STOP_BITS, 1);
  mec_radio_transfer(ctx->task.md, TPOS_STOP_BITS, mec_world_down_spec(ctx->task.md, 0), 0);
  if (record(sent, -1, ctx->task.md, TPOS_MSG_STOP, me.rounds, TPOS_STOP_BITS))
    return -1;
  *out = me.choice;
  return 0;
}

/* ---- coordinator (server side) --------------------------------------------- */

static void period_free(tpos_period_t *P)
{
  if (!P)
    return;
  free(P->pl);
  free(P->md);
  free(P->agent);
  mec_tpos_server_free(P->server);
  mec_tpos_ws_free(P->ws);
  free(P->active);
  free(P->woke);
  free(P->wake_at);
  free(P->nbr_off);
  free(P->nbr_idx);
  if (P->done)
    sg_sem_destroy(P->done);
  free(P);
}

/* Position in the plane: the MD's distance to the BS at a seeded angle. */
static void place(mec_tpos_md_t *md, int gmd)
{
  mec_world_t *w = mec_world;
  double th = 2 * M_PI * mec_hash_u01(w->sc.seed, 0x7900000000ull + (uint64_t)gmd);
  double d = w->md_info[gmd].distance_m;
  md->x = d * cos(th);
  md->y = d * sin(th);
}

/* UAI neighbour lists from the devices' `neighbours` properties: player i
 * hears the players of this period whose device is in its device's list. */
static int build_listed_neighbours(tpos_period_t *P)
{
  mec_world_t *w = mec_world;
  int n = P->n;
  int *player_of = malloc((size_t)w->n_md * sizeof(int)); /* device -> player, -1 if absent */
  size_t total = 0;
  for (int i = 0; i < n; i++)
    total += (size_t)w->md[P->pl[i]->ctx->task.md].n_neighbours;
  P->nbr_off = calloc((size_t)n + 1, sizeof(int));
  P->nbr_idx = malloc((total ? total : 1) * sizeof(int));
  if (!player_of || !P->nbr_off || !P->nbr_idx) {
    free(player_of);
    return -1;
  }
  for (int d = 0; d < w->n_md; d++)
    player_of[d] = -1;
  for (int i = 0; i < n; i++)
    player_of[P->pl[i]->ctx->task.md] = i;
  size_t used = 0;
  for (int i = 0; i < n; i++) {
    const mec_md_state_t *m = &w->md[P->pl[i]->ctx->task.md];
    P->nbr_off[i] = (int)used;
    for (int e = 0; e < m->n_neighbours; e++)
      if (player_of[m->neighbours[e]] >= 0)
        P->nbr_idx[used++] = player_of[m->neighbours[e]];
  }
  P->nbr_off[n] = (int)used;
  free(player_of);
  return 0;
}

/* UAI neighbour lists: every player within radius_m (O(n^2), once a period). */
static int build_neighbours(tpos_period_t *P)
{
  int n = P->n;
  double r2 = P->cfg->radius_m * P->cfg->radius_m;
  P->nbr_off = calloc((size_t)n + 1, sizeof(int));
  size_t cap = 16, used = 0;
  P->nbr_idx = malloc(cap * sizeof(int));
  if (!P->nbr_off || !P->nbr_idx)
    return -1;
  for (int i = 0; i < n; i++) {
    P->nbr_off[i] = (int)used;
    for (int j = 0; j < n; j++) {
      double dx = P->md[i].x - P->md[j].x, dy = P->md[i].y - P->md[j].y;
      if (j == i || dx * dx + dy * dy > r2)
        continue;
      if (used == cap) {
        int *b = realloc(P->nbr_idx, 2 * cap * sizeof(int));
        if (!b)
          return -1;
        P->nbr_idx = b, cap *= 2;
      }
      P->nbr_idx[used++] = j;
    }
  }
  P->nbr_off[n] = (int)used;
  return 0;
}

/* Continuous operation: the period's common frame, the work earlier periods
 * left in it (server: aggregate and admission; UAI: slots already full) and
 * every MD's backlogs, as of the decision time the game assumes. */
static void carry_setup(tpos_period_t *P)
{
  const mec_tpos_carry_cfg_t *c = mec_tpos_policy_carry(mec_world->policy_state);
  P->carry = 1;
  P->t_ref = simgrid_get_clock() + (c->lead_s > 0 ? c->lead_s : g_last_game_s);
  P->j0 = mec_tpos_carry_frame_index(P->t_ref);
  double load[MEC_TPOS_MAX_SLOTS + 1] = {0};
  int occ[MEC_TPOS_MAX_SLOTS + 1] = {0};
  mec_tpos_carry_leftover(P->j0, load, occ);
  mec_tpos_server_set_carried(P->server, load, occ);
  for (int i = 0; i < P->n; i++) {
    mec_tpos_agent_t *a = &P->agent[i];
    mec_tpos_carry_md_view(P->pl[i]->ctx->task.md, P->j0, P->t_ref, &P->md[i], a->carried);
    a->md = P->md[i];
    for (int h = 1; h <= P->p->H; h++)
      a->carried_full[h] = P->cfg->mode == MEC_TPOS_UAI && occ[h] >= P->p->B;
  }
}

static tpos_period_t *period_new(long k, tpos_player_t *list, int n)
{
  mec_world_t *w = mec_world;
  const void *ps = w->policy_state;
  tpos_period_t *P = calloc(1, sizeof *P);
  if (!P)
    return NULL;
  P->k = k;
  P->n = n;
  P->p = mec_tpos_policy_params(ps);
  P->cfg = mec_tpos_policy_game_cfg(ps);
  P->pl = malloc((size_t)n * sizeof *P->pl);
  P->md = calloc((size_t)n, sizeof *P->md);
  P->agent = calloc((size_t)n, sizeof *P->agent);
  P->active = calloc((size_t)n, 1);
  P->woke = calloc((size_t)n, 1);
  P->wake_at = calloc((size_t)n, sizeof(double));
  P->server = mec_tpos_server_new(P->p, n);
  if (!P->pl || !P->md || !P->agent || !P->active || !P->woke || !P->wake_at || !P->server)
    goto oom;
  mec_world_refresh(); /* current channel for the rates the MDs assume */
  int max_layers = 1;
  for (int i = 0; i < n; i++, list = list->next) {
    P->pl[i] = list;
    list->index = i;
    list->P = P;
    if (mec_tpos_policy_md(ps, &w->sys, &list->ctx->task, &P->md[i]) != 0) {
      mec_world_fail("%s", mec_policy_error());
      period_free(P);
      return NULL;
    }
    place(&P->md[i], list->ctx->task.md);
    if (P->md[i].dnn->M > max_layers)
      max_layers = P->md[i].dnn->M;
  }
  P->ws = mec_tpos_ws_new(max_layers);
  if (!P->ws)
    goto oom;
  /* Step 3: every MD starts all-local, a strategy meeting (15)-(17) and (27)
   * that the server already holds (no start-up messages). */
  for (int i = 0; i < n; i++) {
    mec_tpos_agent_init(&P->agent[i], i, P->cfg->mode, &P->md[i], P->p, P->ws);
    P->agent[i].improve_rel = P->cfg->improve_rel;
    P->agent[i].uai_step_exponent = P->cfg->uai_step_exponent;
  }
  if (mec_tpos_carry_on())
    carry_setup(P);
  /* neighbour lists from the deployment win over the policy's radius */
  P->listed = mec_world->explicit_neighbours;
  if (P->cfg->mode == MEC_TPOS_UAI && P->listed && build_listed_neighbours(P) != 0)
    goto oom;
  if (P->cfg->mode == MEC_TPOS_UAI && !P->listed && !P->cfg->all_neighbours && build_neighbours(P) != 0)
    goto oom;
  P->done = sg_sem_init(0);
  return P;
oom:
  mec_world_fail("TPOS: out of memory for a period of %d players", n);
  period_free(P);
  return NULL;
}

/* Mean eq. 24 delay and T_Sigma variance of the committed strategies, for /training. */
static void round_stats(tpos_period_t *P, double *mean_delay, double *load_var)
{
  mec_tpos_aggregate_msg_t agg;
  mec_tpos_server_aggregate(P->server, &agg);
  double sum = 0;
  for (int i = 0; i < P->n; i++) {
    double others[MEC_TPOS_MAX_SLOTS + 1] = {0};
    const mec_tpos_strategy_t *s = &P->agent[i].current;
    for (int h = 1; h <= P->p->H; h++)
      others[h] = fmax(0.0, agg.T_sigma[h] - s->load[h]);
    mec_tpos_eval_t ev;
    mec_tpos_evaluate(&P->md[i], P->p, s, others, &ev);
    sum += ev.delay;
  }
  *mean_delay = sum / P->n;
  double m = 0, v = 0;
  for (int h = 1; h <= P->p->H; h++)
    m += agg.T_sigma[h] / P->p->H;
  for (int h = 1; h <= P->p->H; h++)
    v += (agg.T_sigma[h] - m) * (agg.T_sigma[h] - m) / P->p->H;
  *load_var = v;
}

/* Continuous operation at the game's end (now): each MD's strategy is
 * re-evaluated with its backlogs as of now. One whose data can no longer
 * reach its first slot (the game outlasted its lead) is repaired by a best
 * response against what is booked; then the admission rule drops a task
 * whose predicted delay exceeds admit x tau, and the kept ones are booked. */
static void carry_finish(tpos_period_t *P, unsigned char *dropped)
{
  const mec_tpos_params_t *p = P->p;
  double admit = mec_tpos_policy_carry(mec_world->policy_state)->admit;
  double now = simgrid_get_clock();
  unsigned char *repair = calloc((size_t)P->n, 1);
  if (!repair) {
    mec_world_fail("TPOS: out of memory");
    return;
  }
  for (int pass = 0; pass < 2; pass++) {
    for (int i = 0; i < P->n; i++) {
      if (pass == 1 && !repair[i])
        continue;
      int gmd = P->pl[i]->ctx->task.md;
      mec_tpos_agent_t *a = &P->agent[i];
      double carried[MEC_TPOS_MAX_SLOTS + 1];
      mec_tpos_carry_md_view(gmd, P->j0, now, &P->md[i], carried);
      mec_tpos_strategy_t *s = &a->current;
      double booked[MEC_TPOS_MAX_SLOTS + 1] = {0};
      int occ[MEC_TPOS_MAX_SLOTS + 1] = {0};
      if (pass == 0) {
        int h_first = 1;
        while (h_first < s->h_last && !s->first[h_first])
          h_first++;
        if (s->h_last > 0 && mec_tpos_carry_first_slot(&P->md[i], p, s->m_star) > h_first) {
          repair[i] = 1; /* decided after booking the others */
          continue;
        }
      } else {
        /* best response against everything booked so far (this period's
         * kept MDs included), in the slots not yet full */
        unsigned char open[MEC_TPOS_MAX_SLOTS + 1] = {0};
        mec_tpos_carry_leftover(P->j0, booked, occ);
        for (int h = 1; h <= p->H; h++)
          open[h] = occ[h] < p->B;
        uint64_t s0 = mec_tpos_ws_steps(P->ws);
        mec_tpos_best_response(P->ws, &P->md[i], p, booked, open, s, NULL);
        P->flops += (double)(mec_tpos_ws_steps(P->ws) - s0) * MEC_TPOS_FLOPS_PER_STEP;
        P->repairs++;
      }
      mec_tpos_eval_t ev;
      mec_tpos_evaluate(&P->md[i], p, s, NULL, &ev);
      if (!mec_tpos_carry_admit(ev.delay, P->md[i].tau, admit)) {
        dropped[i] = 1;
        P->drops++;
      } else if (mec_tpos_carry_book_server(gmd, P->j0, s) != 0) {
        break;
      }
    }
  }
  free(repair);
}

static void finish_players(tpos_period_t *P)
{
  unsigned char *dropped = P->carry ? calloc((size_t)P->n, 1) : NULL;
  if (P->carry) {
    if (!dropped) {
      mec_world_fail("TPOS: out of memory");
      return;
    }
    carry_finish(P, dropped);
  }
  mec_tpos_aggregate_msg_t agg;
  mec_tpos_server_aggregate(P->server, &agg);
  for (int i = 0; i < P->n; i++) {
    tpos_player_t *pl = P->pl[i];
    const mec_tpos_strategy_t *s = &P->agent[i].current;
    double others[MEC_TPOS_MAX_SLOTS + 1] = {0};
    for (int h = 1; h <= P->p->H; h++)
      others[h] = fmax(0.0, agg.T_sigma[h] - s->load[h]);
    mec_tpos_eval_t ev;
    mec_tpos_evaluate(&P->md[i], P->p, s, others, &ev);
    int offload = s->m_star < P->md[i].dnn->M;
    mec_decision_t *d = &pl->ctx->decision;
    *d = mec_decision_default();
    d->target = offload ? 1 : 0;
    d->partition = s->m_star;
    d->slot = offload && s->h_last > 0 ? s->h_last : -1;
    d->price = ev.price;
    pl->choice.strategy = *s;
    pl->choice.predicted_delay = ev.delay;
    pl->choice.rounds = P->round;
    if (P->carry) {
      const mec_tpos_md_t *md = &P->md[i];
      pl->choice.dropped = dropped[i];
      pl->choice.frame_start = mec_tpos_carry_slot_start(P->j0);
      pl->choice.own_local_s = md->dnn->lo_prefix[s->m_star] * md->lo_scale;
      pl->choice.own_up_s = offload ? md->dnn->out_bits[s->m_star] / md->up_bps : 0.0;
      pl->choice.down_s = offload ? md->dnn->out_bits[md->dnn->M] / md->down_bps : 0.0;
      if (dropped[i])
        d->target = 0, d->partition = -1, d->slot = -1, d->price = 0;
    }
    pl->rounds = P->round;
    pl->P = NULL;
    pl->stop = 1;
  }
  free(dropped);
}

static int run_period(long k, tpos_player_t *list, int n)
{
  mec_world_t *w = mec_world;
  double t_start = simgrid_get_clock();
  tpos_period_t *P = period_new(k, list, n);
  if (!P)
    return -1;
  double round_s = mec_tpos_policy_round(w->policy_state);
  const mec_tpos_game_cfg_t *cfg = P->cfg;
  unsigned char *seen = calloc((size_t)n, 1);
  if (!seen) {
    mec_world_fail("TPOS: out of memory");
    period_free(P);
    return -1;
  }
  int n_seen = 0, converged = 0;
  double prev = NAN;
  for (P->round = 0; P->round <= cfg->max_ticks && !converged; P->round++) {
    double r0 = simgrid_get_clock();
    P->round_wakeups = P->round_messages = 0;
    for (int i = 0; i < n; i++) {
      int g = P->pl[i]->ctx->task.md;
      /* round 0 is the start (steps 3-4): every MD commits its first strategy */
      P->active[i] = P->round == 0 || mec_hash_u01(cfg->seed, draw_key(k, P->round, g, 0)) < cfg->wake_prob;
      P->wake_at[i] = r0 + 0.5 * round_s * mec_hash_u01(cfg->seed, draw_key(k, P->round, g, 1));
      P->woke[i] = 0;
    }
    for (int i = 0; i < n; i++)
      sg_sem_release(P->pl[i]->ctx->wake);
    sg_actor_sleep_until(r0 + round_s); /* the round's end (frame clock) */
    for (int i = 0; i < n; i++)
      sg_sem_acquire(P->done); /* every player reports (a long wake-up stretches the round) */
    if (w->failed) {
      free(seen);
      period_free(P);
      return -1;
    }
    /* step 11-12 at the server */
    double now = mec_tpos_server_average_cost(P->server);
    if (P->round == 0 || fabs(now - prev) > cfg->epsilon) {
      memset(seen, 0, (size_t)n);
      n_seen = 0;
    }
    for (int i = 0; i < n; i++)
      if (P->woke[i] && !seen[i])
        seen[i] = 1, n_seen++;
    if (w->trace) {
      double md_delay, load_var;
      round_stats(P, &md_delay, &load_var);
      trace_training_rec_t tr = {(int32_t)k, (int32_t)P->round, -now, (double)P->round_wakeups,
                                 (double)P->round_messages, md_delay, load_var,
                                 P->round == 0 ? NAN : fabs(now - prev)};
      if (trace_add_training(w->trace, &tr) != 0) {
        mec_world_fail("trace: %s", trace_error(w->trace));
        free(seen);
        period_free(P);
        return -1;
      }
    }
    prev = now;
    converged = n_seen == n;
  }
  free(seen);
  P->round--; /* rounds of the game proper (round 0 was the start) */
  if (!converged)
    XBT_WARN("TPOS period %ld: no convergence after %ld rounds (max_ticks)", k, P->round);
  XBT_VERB("TPOS period %ld: %d players, %ld rounds, %ld wake-ups, %ld messages, avg cost %g", k, n, P->round,
           P->wakeups, P->messages + n, prev);
  finish_players(P);
  if (P->carry)
    XBT_VERB("TPOS period %ld (carry): frame from %.6f s, %ld repaired, %ld dropped", k,
             mec_tpos_carry_slot_start(P->j0), P->repairs, P->drops);
  long wakeups = P->wakeups, messages = P->messages + n; /* + the stop messages */
  double flops = P->flops;
  g_last_game_s = simgrid_get_clock() - t_start;
  period_free(P); /* the players no longer touch it */
  w->decisions++;
  if (w->trace) {
    double t_done = simgrid_get_clock();
    trace_decision_rec_t r = {t_start, t_done, n, 1, flops, (double)wakeups, 0, (double)messages, t_done, 0, 0, 0, 0};
    if (trace_add_decision(w->trace, &r) != 0) {
      mec_world_fail("trace: %s", trace_error(w->trace));
      return -1;
    }
  }
  return 0;
}

void mec_tpos_coordinator(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  mec_world_t *w = mec_world;
  sg_actor_daemonize(sg_actor_self());
  for (long k = 0;; k++) {
    /* Period boundaries are exogenous (the frame clock), like the per-slot controller's. */
    double t = k * w->sc.slot + w->sc.gather;
    if (simgrid_get_clock() < t)
      sg_actor_sleep_until(t);
    if (g_pending.count == 0)
      continue;
    tpos_player_t *list = g_pending.head;
    int n = g_pending.count;
    g_pending.head = g_pending.tail = NULL;
    g_pending.count = 0;
    /* the coordinator releases the players itself once the period is freed */
    tpos_player_t **order = malloc((size_t)n * sizeof *order);
    if (!order) {
      mec_world_fail("TPOS: out of memory");
      return;
    }
    tpos_player_t *it = list;
    for (int i = 0; i < n; i++, it = it->next)
      order[i] = it;
    if (run_period(k, list, n) != 0) {
      free(order);
      return;
    }
    for (int i = 0; i < n; i++)
      sg_sem_release(order[i]->ctx->wake);
    free(order);
  }
}
