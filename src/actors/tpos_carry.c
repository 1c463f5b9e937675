/* tpos_carry.c - the ledger of TPOS continuous operation (policy argument
 * carry=1 of tpos-cai / tpos-uai; docs/tpos.md, "Continuous operation").
 *
 * What earlier periods committed, as the game predicts it:
 *  - per slot of the common frame (slots of T_d/H aligned in absolute time),
 *    the server work and the number of MDs booked there (eq. 27 across
 *    periods);
 *  - per MD, when its CPU will have run the local layers of its earlier
 *    tasks and when its radio will have sent their uploads (local work and
 *    uploads of one MD queue in order), and its own groups per slot (UAI
 *    load messages carry them).
 * Nothing here makes time pass: the tasks' executions and transfers do. */
#include "actors/tpos_sim.h"
#include "policies/tpos/tpos_policy.h"

#include <math.h>
#include <simgrid/semaphore.h>
#include <stdlib.h>
#include <string.h>

typedef struct carried_group {
  long j;      /* absolute slot */
  double load; /* server time, s */
} carried_group_t;

typedef struct md_ledger {
  double cpu_free; /* predicted end of the MD's committed local work */
  double up_free;  /* predicted end of its committed uploads */
  carried_group_t *g;
  int n, cap;
  sg_sem_t cpu; /* one local execution at a time, FIFO */
} md_ledger_t;

static struct {
  int n_md;
  md_ledger_t *md;
  double *busy; /* [n_slots] server work booked in absolute slot j */
  int *occ;     /* [n_slots] MDs booked in slot j */
  long n_slots;
} g_carry;

static double slot_len(void)
{
  const mec_tpos_params_t *p = mec_tpos_sim_params();
  return p->T_d / p->H;
}

int mec_tpos_carry_on(void)
{
  if (mec_tpos_sim_role() != MEC_TPOS_SIM_GAME)
    return 0;
  const mec_tpos_carry_cfg_t *c = mec_tpos_policy_carry(mec_world->policy_state);
  return c && c->on;
}

static md_ledger_t *ledger(int gmd)
{
  if (!g_carry.md) {
    int n = mec_world->n_md;
    g_carry.md = calloc((size_t)n, sizeof *g_carry.md);
    if (!g_carry.md) {
      mec_world_fail("TPOS carry: out of memory for %d devices", n);
      return NULL;
    }
    g_carry.n_md = n;
    for (int i = 0; i < n; i++)
      g_carry.md[i].cpu = sg_sem_init(1);
  }
  return gmd >= 0 && gmd < g_carry.n_md ? &g_carry.md[gmd] : NULL;
}

/* Makes slot j addressable; -1 when out of memory. */
static int grow_slots(long j)
{
  if (j < g_carry.n_slots)
    return 0;
  long n = g_carry.n_slots ? g_carry.n_slots : 64;
  while (n <= j)
    n *= 2;
  double *b = realloc(g_carry.busy, (size_t)n * sizeof *b);
  if (b)
    g_carry.busy = b;
  int *o = b ? realloc(g_carry.occ, (size_t)n * sizeof *o) : NULL;
  if (!b || !o) {
    mec_world_fail("TPOS carry: out of memory for %ld slots", n);
    return -1;
  }
  g_carry.occ = o;
  memset(b + g_carry.n_slots, 0, (size_t)(n - g_carry.n_slots) * sizeof *b);
  memset(o + g_carry.n_slots, 0, (size_t)(n - g_carry.n_slots) * sizeof *o);
  g_carry.n_slots = n;
  return 0;
}

long mec_tpos_carry_frame_index(double t_ref)
{
  /* the tolerance keeps a t_ref exactly on a boundary in that slot */
  double k = ceil(t_ref / slot_len() - 1e-9);
  return k > 0 ? (long)k : 0;
}

double mec_tpos_carry_slot_start(long j)
{
  return (double)j * slot_len();
}

void mec_tpos_carry_leftover(long j0, double *load, int *occ)
{
  const mec_tpos_params_t *p = mec_tpos_sim_params();
  for (int h = 1; h <= p->H; h++) {
    long j = j0 + h - 1;
    load[h] = j < g_carry.n_slots ? g_carry.busy[j] : 0.0;
    occ[h] = j < g_carry.n_slots ? g_carry.occ[j] : 0;
  }
}

void mec_tpos_carry_md_view(int gmd, long j0, double t_ref, mec_tpos_md_t *md, double *carried)
{
  const mec_tpos_params_t *p = mec_tpos_sim_params();
  md_ledger_t *L = ledger(gmd);
  md->carry = 1;
  md->frame_wait = mec_tpos_carry_slot_start(j0) - t_ref;
  md->cpu_backlog = L && L->cpu_free > t_ref ? L->cpu_free - t_ref : 0.0;
  md->up_backlog = L && L->up_free > t_ref ? L->up_free - t_ref : 0.0;
  for (int h = 0; h <= MEC_TPOS_MAX_SLOTS; h++)
    carried[h] = 0.0;
  if (!L)
    return;
  int keep = 0;
  for (int e = 0; e < L->n; e++) {
    long j = L->g[e].j;
    if (j < j0)
      continue; /* its slot is over before any later frame: forget it */
    if (j < j0 + p->H)
      carried[j - j0 + 1] += L->g[e].load;
    L->g[keep++] = L->g[e];
  }
  L->n = keep;
}

int mec_tpos_carry_book_server(int gmd, long j0, const mec_tpos_strategy_t *s)
{
  const mec_tpos_params_t *p = mec_tpos_sim_params();
  md_ledger_t *L = ledger(gmd);
  if (!L)
    return -1;
  for (int h = 1; h <= p->H; h++) {
    if (!s->first[h])
      continue;
    long j = j0 + h - 1;
    if (grow_slots(j) != 0)
      return -1;
    g_carry.busy[j] += s->load[h];
    g_carry.occ[j]++;
    if (L->n == L->cap) {
      int cap = L->cap ? 2 * L->cap : 8;
      carried_group_t *g = realloc(L->g, (size_t)cap * sizeof *g);
      if (!g) {
        mec_world_fail("TPOS carry: out of memory");
        return -1;
      }
      L->g = g, L->cap = cap;
    }
    L->g[L->n++] = (carried_group_t){j, s->load[h]};
  }
  return 0;
}

double mec_tpos_carry_book_md(int gmd, const mec_tpos_sim_choice_t *c, double now)
{
  md_ledger_t *L = ledger(gmd);
  if (!L || c->dropped)
    return 0.0;
  double local_end = now; /* m* = 0: nothing local, the upload can start at once */
  if (c->own_local_s > 0) {
    local_end = (L->cpu_free > now ? L->cpu_free : now) + c->own_local_s;
    L->cpu_free = local_end;
  }
  if (c->strategy.h_last <= 0)
    return local_end - now; /* all local */
  double arrival = (L->up_free > local_end ? L->up_free : local_end) + c->own_up_s;
  L->up_free = arrival;
  int h_first = 1;
  while (h_first < c->strategy.h_last && !c->strategy.first[h_first])
    h_first++;
  double first_start = c->frame_start + (h_first - 1) * slot_len();
  double late = arrival > first_start ? arrival - first_start : 0.0; /* as mec_tpos_evaluate */
  return c->frame_start + c->strategy.h_last * slot_len() + late + c->down_s - now;
}

void mec_tpos_carry_cpu_take(int gmd)
{
  md_ledger_t *L = ledger(gmd);
  if (L)
    sg_sem_acquire(L->cpu);
}

void mec_tpos_carry_cpu_give(int gmd)
{
  md_ledger_t *L = ledger(gmd);
  if (L)
    sg_sem_release(L->cpu);
}

void mec_tpos_carry_free(void)
{
  for (int i = 0; i < g_carry.n_md; i++) {
    free(g_carry.md[i].g);
    if (g_carry.md[i].cpu)
      sg_sem_destroy(g_carry.md[i].cpu);
  }
  free(g_carry.md);
  free(g_carry.busy);
  free(g_carry.occ);
  memset(&g_carry, 0, sizeof g_carry);
}
