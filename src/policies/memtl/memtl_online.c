/* memtl_online.c - drift detection, labelling and online training of a new
 * head (MEMTL) or of the whole network (MTFNN); see memtl_online.h. */
#include "policies/memtl/memtl_online.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DIM_MAX (MEMTL_MAX_N * MEMTL_FEATURES_PER_MT)

struct memtl_online {
  memtl_model_t *m;
  memtl_online_cfg_t cfg;
  size_t dim;
  double lo[DIM_MAX], hi[DIM_MAX]; /* raw feature range seen so far */
  unsigned char *recent;           /* novelty flags of the last cfg.detect instances (ring) */
  size_t recent_at, recent_n;
  /* the window being collected */
  memtl_mt_t *win_mt;              /* [window * N] */
  memtl_params_t *win_p;           /* [window] */
  size_t win_n;
  int collecting;
  /* the job prepared and waiting for its end in simulated time */
  int job_running;
  uint64_t job_id;
  nn_net_t *pending_head;                      /* MEMTL: the new head */
  nn_net_t *pending_backbone, *pending_head0;  /* MTFNN: the retrained network */
  memtl_online_stats_t st;
};

memtl_online_cfg_t memtl_online_cfg_default(void)
{
  return (memtl_online_cfg_t){.window = 256, .detect = 16, .epochs = 30, .batch = 32, .lr = 1e-3, .margin = 0.05,
                              .step = 0, .flops_per_mac = 2, .seed = 1};
}

memtl_online_t *memtl_online_new(memtl_model_t *m, const memtl_online_cfg_t *cfg)
{
  if (!m || !cfg || cfg->window < 1 || cfg->window > 1000000 || cfg->detect < 1 || cfg->detect > 100000 ||
      cfg->epochs < 1 || cfg->batch < 1 || !(cfg->lr > 0) || !(cfg->margin >= 0) || !(cfg->flops_per_mac >= 0) ||
      (cfg->step != 0 && !memtl_grid_units(cfg->step))) {
    memtl_model_fail("online learning: bad configuration (window 1..10^6, detect 1..10^5, epochs and batch >= 1, "
                     "lr > 0, margin >= 0, step a grid)");
    return NULL;
  }
  memtl_online_t *o = calloc(1, sizeof *o);
  if (!o)
    return NULL;
  o->m = m;
  o->cfg = *cfg;
  if (o->cfg.step == 0)
    o->cfg.step = m->step;
  o->dim = m->n_in;
  memcpy(o->lo, m->norm.lo, o->dim * sizeof *o->lo);
  memcpy(o->hi, m->norm.hi, o->dim * sizeof *o->hi);
  o->recent = calloc(cfg->detect, 1);
  o->win_mt = calloc(cfg->window * m->n_mt, sizeof *o->win_mt);
  o->win_p = calloc(cfg->window, sizeof *o->win_p);
  if (!o->recent || !o->win_mt || !o->win_p) {
    memtl_online_free(o);
    return NULL;
  }
  return o;
}

void memtl_online_free(memtl_online_t *o)
{
  if (!o)
    return;
  nn_net_free(o->pending_head);
  nn_net_free(o->pending_backbone);
  nn_net_free(o->pending_head0);
  free(o->recent);
  free(o->win_mt);
  free(o->win_p);
  free(o);
}

/* Outside the range seen so far, widened by margin x its width (a constant
 * feature: any other value). */
static int novel(const memtl_online_t *o, const double *x)
{
  for (size_t j = 0; j < o->dim; j++) {
    double w = o->hi[j] - o->lo[j], pad = w > 0 ? o->cfg.margin * w : 1e-9 * fabs(o->lo[j]);
    if (x[j] < o->lo[j] - pad || x[j] > o->hi[j] + pad)
      return 1;
  }
  return 0;
}

static void widen(memtl_online_t *o, const double *x)
{
  for (size_t j = 0; j < o->dim; j++) {
    if (x[j] < o->lo[j])
      o->lo[j] = x[j];
    if (x[j] > o->hi[j])
      o->hi[j] = x[j];
  }
}

/* Deep copy of a network for the MTFNN retraining (weights and buffers). */
static nn_net_t *copy_net(const nn_net_t *n, uint64_t seed)
{
  nn_net_t *c = nn_net_clone(n, seed);
  if (!c)
    memtl_model_fail("online learning: cannot copy network '%s': %s", nn_net_name(n), nn_last_error());
  return c;
}

/* Labels the window and trains on it; the result goes to pending_*. */
static int prepare_job(memtl_online_t *o, memtl_online_job_t *job)
{
  memtl_model_t *m = o->m;
  const size_t N = m->n_mt, W = o->win_n;
  memtl_dataset_t *ds = memtl_dataset_new(W, N);
  size_t *idx = malloc(W * sizeof *idx);
  if (!ds || !idx) {
    memtl_dataset_free(ds);
    free(idx);
    return memtl_model_fail("online learning: out of memory for a window of %zu instances", W);
  }
  ds->params = o->win_p[W - 1];
  ds->step = o->cfg.step;
  snprintf(ds->generator, sizeof ds->generator, "mecsim exact (online)");
  double work = 0;
  int rc = 0;
  for (size_t i = 0; i < W && rc == 0; i++) {
    memtl_label_t lab = {.work = 0};
    memcpy(ds->mt + i * N, o->win_mt + i * N, N * sizeof *ds->mt);
    if (memtl_label_exact(&o->win_p[i], ds->mt + i * N, N, o->cfg.step, &lab) < 0)
      rc = memtl_model_fail("online learning: instance %zu of the window cannot be labelled (bad inputs)", i);
    else
      memtl_dataset_set_label(ds, i, &lab);
    work += (double)lab.work;
    idx[i] = i;
  }
  memtl_hyper_t h = memtl_hyper_default();
  h.epochs = o->cfg.epochs;
  h.batch = o->cfg.batch;
  h.lr = o->cfg.lr;
  uint64_t seed = o->cfg.seed + 7919 * (o->st.jobs_started + 1);
  int head_only = m->kind == MEMTL_KIND_MEMTL;
  if (rc == 0 && head_only) {
    int hi = memtl_model_add_head(m, seed);
    if (hi < 0)
      rc = -1;
    else {
      rc = memtl_train_head(m, (size_t)hi, ds, idx, W, &h, seed, NULL, NULL);
      /* keep the head out of the decisions until the job ends in simulated time */
      o->pending_head = rc == 0 ? m->head[hi] : NULL;
      if (rc < 0)
        nn_net_free(m->head[hi]);
      m->head[hi] = NULL;
      m->n_heads--;
    }
  } else if (rc == 0) {
    memtl_model_t tmp = *m; /* the same model, trained on copies of its networks */
    tmp.backbone = copy_net(m->backbone, seed);
    tmp.head[0] = tmp.backbone ? copy_net(m->head[0], seed + 1) : NULL;
    rc = tmp.head[0] ? memtl_train_joint(&tmp, 0, ds, idx, W, &h, seed, NULL, NULL) : -1;
    if (rc == 0) {
      o->pending_backbone = tmp.backbone;
      o->pending_head0 = tmp.head[0];
    } else {
      nn_net_free(tmp.backbone);
      nn_net_free(tmp.head[0]);
    }
  }
  if (rc == 0) {
    double macs = memtl_train_macs_per_sample(m, head_only) * (double)W * (double)h.epochs;
    o->job_id++;
    *job = (memtl_online_job_t){.id = o->job_id,
                                .flops = work * MEMTL_FLOPS_PER_MT_EVAL * (double)N + o->cfg.flops_per_mac * macs,
                                .samples = (double)W,
                                .label_work = work,
                                .train_macs = macs};
    o->job_running = 1;
    o->st.jobs_started++;
  }
  memtl_dataset_free(ds);
  free(idx);
  return rc;
}

int memtl_online_observe(memtl_online_t *o, const memtl_params_t *p, const memtl_mt_t *mt, memtl_online_job_t *job)
{
  if (!o || !p || !mt || !job)
    return -1;
  const size_t N = o->m->n_mt;
  double x[DIM_MAX];
  memtl_features_raw(mt, N, x);
  int is_novel = novel(o, x);
  o->st.observed++;
  o->st.novel += (size_t)is_novel;
  if (o->job_running)
    return 0;
  if (o->collecting) {
    memcpy(o->win_mt + o->win_n * N, mt, N * sizeof *mt);
    o->win_p[o->win_n++] = *p;
    if (o->win_n < o->cfg.window)
      return 0;
    o->collecting = 0;
    for (size_t i = 0; i < o->win_n; i++) { /* the window is known ground from now on */
      memtl_features_raw(o->win_mt + i * N, N, x);
      widen(o, x);
    }
    memset(o->recent, 0, o->cfg.detect);
    o->recent_n = 0;
    int rc = prepare_job(o, job);
    o->win_n = 0;
    return rc < 0 ? -1 : 1;
  }
  o->recent[o->recent_at] = (unsigned char)is_novel;
  o->recent_at = (o->recent_at + 1) % o->cfg.detect;
  if (o->recent_n < o->cfg.detect)
    o->recent_n++;
  size_t k = 0;
  for (size_t i = 0; i < o->recent_n; i++)
    k += o->recent[i];
  if (o->recent_n == o->cfg.detect && 2 * k >= o->cfg.detect &&
      !(o->m->kind == MEMTL_KIND_MEMTL && o->m->n_heads >= MEMTL_MAX_HEADS)) {
    o->collecting = 1;
    o->win_n = 0;
  }
  return 0;
}

int memtl_online_done(memtl_online_t *o, uint64_t id)
{
  if (!o || !o->job_running || id != o->job_id)
    return memtl_model_fail("online learning: no background job %llu is running", (unsigned long long)id);
  memtl_model_t *m = o->m;
  if (o->pending_head) {
    m->head[m->n_heads++] = o->pending_head;
    o->pending_head = NULL;
  } else if (o->pending_backbone) {
    nn_net_free(m->backbone);
    nn_net_free(m->head[0]);
    m->backbone = o->pending_backbone;
    m->head[0] = o->pending_head0;
    o->pending_backbone = o->pending_head0 = NULL;
  }
  o->job_running = 0;
  o->st.jobs_done++;
  return 0;
}

void memtl_online_stats(const memtl_online_t *o, memtl_online_stats_t *s)
{
  *s = o->st;
  s->collecting = o->collecting;
  s->job_running = o->job_running;
}
