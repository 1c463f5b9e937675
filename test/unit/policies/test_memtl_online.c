/* Online adaptation (memtl_online.c): in-distribution instances never
 * trigger a job; a drift (upload sizes x 3, outside the training range) is
 * detected after `detect` instances, a window is collected, and one job is
 * prepared whose flops are exactly the labelling work plus 2 x the training
 * MACs; the new MEMTL head stays out of the decisions until the job is done,
 * then joins them, the backbone bit-identical throughout; the same drift
 * does not trigger again; an unknown job id is refused. For MTFNN the job
 * retrains the whole network: after it, the backbone has changed and there
 * is still one head. */
#include "check.h"
#include "model/rng.h"
#include "policies/memtl/memtl_online.h"

#include <gsl/gsl_rng.h>
#include <stdlib.h>
#include <string.h>

#define N 2

static memtl_model_t *small_model(memtl_kind_t kind, memtl_dataset_t **ds_out)
{
  memtl_sampler_t smp;
  CHECK(memtl_sampler_preset("mtfnn-co", &smp) == 0);
  memtl_params_t p = memtl_params_mtfnn_co();
  memtl_dataset_t *ds = memtl_dataset_generate(&p, &smp, N, 400, 0.05, 11, NULL, NULL, 0);
  CHECK(ds != NULL);
  memtl_model_t *m = memtl_model_new(kind, N, kind == MEMTL_KIND_MEMTL ? 2 : 1, 5);
  CHECK(m != NULL);
  size_t idx[400];
  for (size_t i = 0; i < 400; i++)
    idx[i] = i;
  memtl_hyper_t h = memtl_hyper_default();
  h.epochs = 2;
  if (kind == MEMTL_KIND_MEMTL)
    CHECK(memtl_train_algorithm1(m, ds, idx, 400, &h, 3, NULL, NULL) == 0);
  else {
    memtl_model_fit_norm(m, ds, idx, 400);
    CHECK(memtl_train_joint(m, 0, ds, idx, 400, &h, 3, NULL, NULL) == 0);
  }
  *ds_out = ds;
  return m;
}

/* One instance drawn from the training distribution, sizes x `scale`. */
static void instance(const memtl_sampler_t *s, gsl_rng *rng, double scale, memtl_mt_t *mt)
{
  for (size_t i = 0; i < N; i++) {
    memtl_sample_mt(s, rng, &mt[i]);
    mt[i].up_bits *= scale;
    mt[i].cycles *= scale;
  }
}

static double *copy_params(memtl_model_t *m, size_t *n)
{
  double *p = nn_net_params(m->backbone, n);
  double *c = malloc(*n * sizeof *c);
  memcpy(c, p, *n * sizeof *c);
  return c;
}

static void run(memtl_kind_t kind)
{
  memtl_dataset_t *ds;
  memtl_model_t *m = small_model(kind, &ds);
  memtl_online_cfg_t cfg = memtl_online_cfg_default();
  cfg.window = 24;
  cfg.detect = 8;
  cfg.epochs = 3;
  memtl_online_t *o = memtl_online_new(m, &cfg);
  CHECK(o != NULL);
  memtl_sampler_t smp;
  memtl_sampler_preset("mtfnn-co", &smp);
  memtl_params_t p = memtl_params_mtfnn_co();
  gsl_rng *rng = mec_rng_new(99, MEC_STREAM_TRAINING, 7);
  memtl_mt_t mt[N];
  memtl_online_job_t job;
  size_t nb;
  double *before = copy_params(m, &nb);
  size_t heads0 = m->n_heads;
  int started = 0;
  for (int i = 0; i < 200; i++) { /* the training distribution: nothing to learn */
    instance(&smp, rng, 1.0, mt);
    started += memtl_online_observe(o, &p, mt, &job) == 1;
  }
  memtl_online_stats_t st;
  memtl_online_stats(o, &st);
  CHECK(started == 0 && st.jobs_started == 0 && !st.collecting);
  CHECK(st.novel * 10 < st.observed); /* a few edge draws at most */
  int at = -1;
  for (int i = 0; i < 200 && at < 0; i++) { /* drift: three times larger tasks */
    instance(&smp, rng, 3.0, mt);
    int rc = memtl_online_observe(o, &p, mt, &job);
    CHECK(rc >= 0);
    if (rc == 1)
      at = i;
  }
  /* detection after `detect` novel instances (a few in-range draws may delay it), then a window */
  CHECK(at >= (int)(cfg.detect + cfg.window) - 1 && at < (int)(cfg.detect + cfg.window) + 20);
  CHECK(job.samples == (double)cfg.window);
  CHECK(job.label_work > 0 && job.train_macs > 0);
  CHECK_REL(job.flops, job.label_work * MEMTL_FLOPS_PER_MT_EVAL * N + 2 * job.train_macs, 1e-12);
  CHECK_REL(job.train_macs,
            memtl_train_macs_per_sample(m, kind == MEMTL_KIND_MEMTL) * (double)cfg.window * (double)cfg.epochs,
            1e-12);
  CHECK(m->n_heads == heads0); /* not active before the job ends */
  memtl_online_stats(o, &st);
  CHECK(st.job_running == 1 && st.jobs_started == 1);
  for (int i = 0; i < 50; i++) { /* while it runs nothing else starts */
    instance(&smp, rng, 3.0, mt);
    CHECK(memtl_online_observe(o, &p, mt, &job) == 0);
  }
  CHECK(memtl_online_done(o, job.id + 1) < 0);
  CHECK(memtl_online_done(o, job.id) == 0);
  CHECK(memtl_online_done(o, job.id) < 0); /* only once */
  size_t na;
  double *after = nn_net_params(m->backbone, &na);
  if (kind == MEMTL_KIND_MEMTL) {
    CHECK(m->n_heads == heads0 + 1);
    CHECK(na == nb && memcmp(before, after, nb * sizeof *after) == 0);
  } else {
    CHECK(m->n_heads == 1);
    CHECK(na == nb && memcmp(before, after, nb * sizeof *after) != 0);
  }
  /* the drifted environment is known ground now: no new job */
  started = 0;
  for (int i = 0; i < 200; i++) {
    instance(&smp, rng, 3.0, mt);
    started += memtl_online_observe(o, &p, mt, &job) == 1;
  }
  CHECK(started == 0);
  /* decisions still work with the new model */
  memtl_decision_t dec;
  double macs;
  CHECK(memtl_model_decide(m, mt, 1, kind == MEMTL_KIND_MEMTL ? MEMTL_PICK_COST : MEMTL_PICK_HEAD0, NULL, &dec,
                           &macs) == 0);
  CHECK(macs > 0);
  free(before);
  gsl_rng_free(rng);
  memtl_online_free(o);
  memtl_model_free(m);
  memtl_dataset_free(ds);
}

static void test_memtl(void) { run(MEMTL_KIND_MEMTL); }
static void test_mtfnn(void) { run(MEMTL_KIND_MTFNN); }

static void test_bad_config(void)
{
  memtl_dataset_t *ds;
  memtl_model_t *m = small_model(MEMTL_KIND_MEMTL, &ds);
  memtl_online_cfg_t cfg = memtl_online_cfg_default();
  cfg.window = 0;
  CHECK(memtl_online_new(m, &cfg) == NULL);
  cfg = memtl_online_cfg_default();
  cfg.step = 0.03;
  CHECK(memtl_online_new(m, &cfg) == NULL);
  CHECK(strstr(memtl_model_error(), "online") != NULL);
  memtl_model_free(m);
  memtl_dataset_free(ds);
}

int main(void)
{
  RUN(test_memtl);
  RUN(test_mtfnn);
  RUN(test_bad_config);
  return CHECK_DONE();
}
