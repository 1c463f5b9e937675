/* test_memtl_model.c - the MTFNN / MEMTL models (memtl_model.h): network
 * shapes and parameter counts; decoding a head's output; Algorithm 2 picks
 * the cheapest feasible head on hand-built heads and never looks at the
 * ground truth, the oracle picks the closest R; MAC counts; training lowers
 * the loss and beats the majority class on held-out samples; the backbone is
 * bit-identical through head training and Algorithm 1's heads; training is
 * reproducible from its seed; save/load round trip; corrupted model files are
 * refused with a one-line message naming the file. */
#include "check.h"
#include "policies/memtl/memtl_model.h"
#include "model/rng.h"
#include "nn/nn_h5attr.h"
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[256];
static memtl_dataset_t *ds; /* N = 2, "mtfnn-co" */
#define N_ALL 2000
#define N_TRAIN 1600
static size_t tr_idx[N_TRAIN], te_idx[N_ALL - N_TRAIN];

static double *params_copy(nn_net_t *net, size_t *n)
{
  double *p = nn_net_params(net, n);
  double *c = malloc(*n * sizeof *c);
  memcpy(c, p, *n * sizeof *c);
  return c;
}

static int params_same(nn_net_t *net, const double *ref, size_t n)
{
  size_t k = 0;
  double *p = nn_net_params(net, &k);
  return k == n && memcmp(p, ref, n * sizeof *p) == 0;
}

/* Field by field (the structs have padding). */
static int dec_same(const memtl_decision_t *a, const memtl_decision_t *b, size_t n)
{
  for (size_t k = 0; k < n; k++) {
    if (a[k].code != b[k].code || a[k].head != b[k].head || a[k].feasible != b[k].feasible ||
        memcmp(&a[k].cost, &b[k].cost, sizeof a[k].cost) != 0 || memcmp(a[k].d, b[k].d, sizeof a[k].d) != 0 ||
        memcmp(a[k].r, b[k].r, sizeof a[k].r) != 0)
      return 0;
  }
  return 1;
}

static int params_eq(const memtl_params_t *a, const memtl_params_t *b)
{
  return a->f_server == b->f_server && a->kappa == b->kappa && a->p_up == b->p_up && a->p_exec == b->p_exec &&
         a->p_down == b->p_down && a->bandwidth == b->bandwidth && a->noise_w == b->noise_w &&
         a->channel == b->channel;
}

/* ------------------------------------------------------------------------ */
static void test_shapes(void)
{
  for (size_t N = 1; N <= 4; N++)
    for (int kind = 0; kind <= 1; kind++) {
      size_t H = kind ? 3 : 1, B2 = kind ? 10 * N : 20, O = ((size_t)1 << N) + N;
      memtl_model_t *m = memtl_model_new((memtl_kind_t)kind, N, H, 5);
      CHECK(m != NULL);
      if (!m)
        continue;
      CHECK(m->n_in == 8 * N && m->n_codes == ((size_t)1 << N) && m->n_heads == H);
      CHECK(nn_net_n_in(m->backbone) == 8 * N && nn_net_n_out(m->backbone) == B2);
      size_t nb = 0, nh = 0;
      size_t tot = memtl_model_params(m, &nb, &nh);
      CHECK(nb == 8 * N * 60 + 60 + 60 * B2 + B2);
      CHECK(nh == B2 * 40 + 40 + 40 * O + O);
      CHECK(tot == nb + H * nh);
      for (size_t h = 0; h < H; h++)
        CHECK(nn_net_n_in(m->head[h]) == B2 && nn_net_n_out(m->head[h]) == O);
      CHECK(memtl_train_macs_per_sample(m, 1) == 3.0 * (double)(B2 * 40 + 40 * O));
      CHECK(memtl_train_macs_per_sample(m, 0) == 3.0 * (double)(B2 * 40 + 40 * O + 8 * N * 60 + 60 * B2));
      memtl_model_free(m);
    }
  /* the numbers of the issue for N = 2 */
  memtl_model_t *m = memtl_model_new(MEMTL_KIND_MEMTL, 2, 1, 1);
  size_t nb, nh;
  memtl_model_params(m, &nb, &nh);
  CHECK(nb == 16 * 60 + 60 + 60 * 20 + 20 && nh == 20 * 40 + 40 + 40 * 6 + 6);
  /* heads up to the limit, not beyond */
  while (m->n_heads < MEMTL_MAX_HEADS)
    CHECK(memtl_model_add_head(m, m->n_heads) == (int)m->n_heads - 1);
  CHECK(memtl_model_add_head(m, 99) < 0 && strlen(memtl_model_error()) > 0);
  CHECK(memtl_model_reset_head(m, MEMTL_MAX_HEADS, 1) < 0);
  memtl_model_free(m);
  CHECK(memtl_model_new(MEMTL_KIND_MTFNN, 2, 2, 1) == NULL);
  CHECK(memtl_model_new(MEMTL_KIND_MEMTL, 0, 2, 1) == NULL);
  CHECK(memtl_model_new(MEMTL_KIND_MEMTL, MEMTL_MAX_N + 1, 2, 1) == NULL);
  CHECK(memtl_model_new(MEMTL_KIND_MEMTL, 2, 0, 1) == NULL);
  CHECK(memtl_model_new(MEMTL_KIND_MEMTL, 2, MEMTL_MAX_HEADS + 1, 1) == NULL);
  CHECK(memtl_model_new((memtl_kind_t)7, 2, 1, 1) == NULL);
  memtl_model_t *f = memtl_model_new(MEMTL_KIND_MTFNN, 2, 1, 1);
  CHECK(memtl_model_add_head(f, 3) < 0);
  memtl_model_free(f);
  /* same seed, same weights; another seed, others */
  memtl_model_t *a = memtl_model_new(MEMTL_KIND_MEMTL, 3, 2, 42), *b = memtl_model_new(MEMTL_KIND_MEMTL, 3, 2, 42),
                *c = memtl_model_new(MEMTL_KIND_MEMTL, 3, 2, 43);
  size_t n;
  double *pa = params_copy(a->backbone, &n);
  CHECK(params_same(b->backbone, pa, n) && !params_same(c->backbone, pa, n));
  free(pa);
  pa = params_copy(a->head[1], &n);
  CHECK(params_same(b->head[1], pa, n) && !params_same(a->head[0], pa, n));
  free(pa);
  memtl_model_free(a);
  memtl_model_free(b);
  memtl_model_free(c);
}

/* ------------------------------------------------------------------------ */
static double sig(double z) { return 1 / (1 + exp(-z)); }

static void test_decode(void)
{
  memtl_decision_t d;
  /* N = 3: code 5 = 101b, MT 0 and 2 offload; R outputs large: sum > 1 -> scaled */
  double y[8 + 3] = {0.1, -1, 2, 0.3, 1.5, 2.5, 2.4, -3, /* R */ 4, 9, 4};
  memtl_head_decision(y, 3, &d);
  CHECK(d.code == 5 && d.d[0] == 1 && d.d[1] == 0 && d.d[2] == 1);
  CHECK(d.r[1] == 0);                         /* local MT: 0 whatever its output */
  CHECK_NEAR(d.r[0], 0.5, 1e-15);             /* sig(4) / (2 sig(4)) */
  CHECK_NEAR(d.r[0] + d.r[2], 1.0, 1e-15);
  CHECK(isnan(d.cost) && d.head == -1 && d.feasible == 0);
  /* code 7: every MT offloads (sum of R below 1: test_decode_sum_below_one) */
  double y2[8 + 3] = {0, 0, 0, 0, 0, 0, 0, 1, -1, 0.2, -2};
  memtl_head_decision(y2, 3, &d);
  CHECK(d.code == 7 && d.d[0] && d.d[1] && d.d[2]);
  double y3[4 + 2] = {0, 3, 0, 0, -1, -2}; /* N = 2: code 1 = 01b, MT 1 offloads */
  memtl_head_decision(y3, 2, &d);
  CHECK(d.code == 1 && d.d[0] == 0 && d.d[1] == 1);
  CHECK(d.r[0] == 0);
  CHECK_NEAR(d.r[1], sig(-2), 1e-15);         /* alone, below 1: unscaled */
  /* ties go to the lowest code */
  double y4[4 + 2] = {1, 2, 2, 2, 0, 0};
  memtl_head_decision(y4, 2, &d);
  CHECK(d.code == 1);
  /* floor at 1e-6 for offloaders */
  double y5[4 + 2] = {0, 0, 0, 5, -1000, 0};
  memtl_head_decision(y5, 2, &d);
  CHECK(d.code == 3 && d.r[0] == 1e-6 && d.r[1] == 0.5);
  /* N = 1: code 0 is local, R 0 */
  double y6[2 + 1] = {3, 1, 5};
  memtl_head_decision(y6, 1, &d);
  CHECK(d.code == 0 && d.d[0] == 0 && d.r[0] == 0);
}

/* the y2 sigmoids sum to 0.2689 + 0.5498 + 0.1192 = 0.938 < 1: kept as they are */
static void test_decode_sum_below_one(void)
{
  memtl_decision_t d;
  double y2[8 + 3] = {0, 0, 0, 0, 0, 0, 0, 1, -1, 0.2, -2};
  memtl_head_decision(y2, 3, &d);
  CHECK(sig(-1) + sig(0.2) + sig(-2) < 1);
  CHECK_NEAR(d.r[0], sig(-1), 1e-15);
  CHECK_NEAR(d.r[1], sig(0.2), 1e-15);
  CHECK_NEAR(d.r[2], sig(-2), 1e-15);
}

/* ------------------------------------------------------------------------ */
/* Sets head h's output to the constant y (zero weights, bias y). */
static void set_head_const(memtl_model_t *m, size_t h, const double *y)
{
  size_t n = 0, O = nn_net_n_out(m->head[h]);
  double *p = nn_net_layer_params(m->head[h], 2, &n);
  CHECK(n == 40 * O + O);
  memset(p, 0, 40 * O * sizeof *p);
  memcpy(p + 40 * O, y, O * sizeof *p);
}

static void random_mt(gsl_rng *r, memtl_mt_t *mt, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    memset(&mt[i], 0, sizeof mt[i]);
    mt[i].up_bits = 5e5 * gsl_rng_uniform(r);
    mt[i].cycles = 3e3 * mt[i].up_bits;
    mt[i].deadline = 1;
    mt[i].f_local = 1e9 * gsl_rng_uniform_pos(r);
    mt[i].h = gsl_rng_uniform(r);
    mt[i].alpha = gsl_rng_uniform(r);
  }
}

static void test_pick(void)
{
  const size_t N = 2, H = 4, B = 300;
  memtl_model_t *m = memtl_model_new(MEMTL_KIND_MEMTL, N, H, 3);
  /* head 0 all local; head 1 both offload at 0.5 each; head 2 both, 0.95 / 0.05;
   * head 3 only MT 1 offloads with R 0.9 */
  double y0[6] = {5, 0, 0, 0, 0, 0}, y1[6] = {0, 0, 0, 5, 0, 0}, y2[6] = {0, 0, 0, 5, log(19), -log(19)},
         y3[6] = {0, 5, 0, 0, 0, log(9)};
  set_head_const(m, 0, y0);
  set_head_const(m, 1, y1);
  set_head_const(m, 2, y2);
  set_head_const(m, 3, y3);
  gsl_rng *r = mec_rng_new(11, MEC_STREAM_TRAINING, 0);
  memtl_mt_t *mt = malloc(B * N * sizeof *mt);
  random_mt(r, mt, B * N);
  memtl_decision_t *out = malloc(B * sizeof *out), *out2 = malloc(B * sizeof *out2), *ref = malloc(H * sizeof *ref);
  double macs = 0;
  CHECK(memtl_model_decide(m, mt, B, MEMTL_PICK_COST, NULL, out, &macs) == 0);
  const double nb = 16 * 60 + 60 * 20, nh = 20 * 40 + 40 * 6;
  CHECK(macs == nb + H * nh + H * MEMTL_FLOPS_PER_MT_EVAL * N);
  int picked[4] = {0}, n_infeasible_best = 0, n_feasible_first = 0;
  for (size_t b = 0; b < B; b++) {
    memtl_pre_t pre[2];
    CHECK(memtl_precompute(&m->params, mt + b * N, N, pre) == 0);
    const double *ys[4] = {y0, y1, y2, y3};
    size_t best = 0;
    for (size_t h = 0; h < H; h++) {
      memtl_head_decision(ys[h], N, &ref[h]);
      ref[h].cost = memtl_total_cost(pre, N, ref[h].d, ref[h].r);
      ref[h].feasible = memtl_meets_deadlines(mt + b * N, pre, N, ref[h].d, ref[h].r);
      if (h && ((ref[h].feasible && !ref[best].feasible) ||
                (ref[h].feasible == ref[best].feasible && ref[h].cost < ref[best].cost)))
        best = h;
    }
    n_infeasible_best += !ref[best].feasible;
    size_t cheapest = 0;
    for (size_t h = 1; h < H; h++)
      if (ref[h].cost < ref[cheapest].cost)
        cheapest = h;
    n_feasible_first += ref[best].feasible && !ref[cheapest].feasible;
    CHECK(out[b].head == (int)best);
    CHECK(out[b].code == ref[best].code && out[b].cost == ref[best].cost && out[b].feasible == ref[best].feasible);
    CHECK(out[b].r[0] == ref[best].r[0] && out[b].r[1] == ref[best].r[1]);
    picked[best]++;
  }
  /* the case is not degenerate: several heads win somewhere */
  int winners = 0;
  for (size_t h = 0; h < H; h++)
    winners += picked[h] > 0;
  CHECK(winners >= 3);
  /* and the rule "feasible first" decided some of them */
  CHECK(n_feasible_first > 0);
  printf("  pick: head wins %d %d %d %d, no feasible head %d, feasible beat a cheaper infeasible %d\n", picked[0],
         picked[1], picked[2], picked[3], n_infeasible_best, n_feasible_first);
  /* the cost pick never uses the truth */
  double *truth = malloc(B * N * sizeof *truth);
  for (size_t i = 0; i < B * N; i++)
    truth[i] = gsl_rng_uniform(r);
  CHECK(memtl_model_decide(m, mt, B, MEMTL_PICK_COST, truth, out2, NULL) == 0);
  CHECK(dec_same(out, out2, B));
  /* single heads */
  CHECK(memtl_model_decide(m, mt, B, MEMTL_PICK_HEAD0 + 3, NULL, out2, &macs) == 0);
  CHECK(macs == nb + nh);
  int ok = 1;
  for (size_t b = 0; b < B; b++)
    ok &= out2[b].head == 3 && out2[b].code == 1 && out2[b].r[0] == 0 && fabs(out2[b].r[1] - 0.9) < 1e-12;
  CHECK(ok);
  /* oracle: the head whose R is closest to the truth */
  for (size_t b = 0; b < B; b++) {
    truth[b * N] = b % 3 == 0 ? 0.5 : b % 3 == 1 ? 0.94 : 0.01;
    truth[b * N + 1] = b % 3 == 0 ? 0.5 : b % 3 == 1 ? 0.06 : 0.85;
  }
  CHECK(memtl_model_decide(m, mt, B, MEMTL_PICK_ORACLE, truth, out2, &macs) == 0);
  CHECK(macs == nb + H * nh);
  ok = 1;
  for (size_t b = 0; b < B; b++)
    ok &= out2[b].head == (b % 3 == 0 ? 1 : b % 3 == 1 ? 2 : 3);
  CHECK(ok);
  CHECK(memtl_model_decide(m, mt, B, MEMTL_PICK_ORACLE, NULL, out2, NULL) < 0);
  CHECK(strstr(memtl_model_error(), "truth") != NULL);
  CHECK(memtl_model_decide(m, mt, B, (int)H, NULL, out2, NULL) < 0);
  CHECK(memtl_model_decide(m, mt, B, -3, NULL, out2, NULL) < 0);
  /* a bad input is refused, not decided */
  mt[5].alpha = 2;
  CHECK(memtl_model_decide(m, mt, B, MEMTL_PICK_COST, NULL, out2, NULL) < 0);
  /* one head: no comparison charged */
  memtl_model_t *f = memtl_model_new(MEMTL_KIND_MTFNN, N, 1, 3);
  CHECK(memtl_model_decide(f, mt, 1, MEMTL_PICK_COST, NULL, out2, &macs) == 0 && macs == nb + nh);
  memtl_model_free(f);
  free(truth);
  free(out);
  free(out2);
  free(ref);
  free(mt);
  gsl_rng_free(r);
  memtl_model_free(m);
}

/* ------------------------------------------------------------------------ */
/* Training                                                                 */
/* ------------------------------------------------------------------------ */
typedef struct {
  double first, last;
  size_t n;
  memtl_model_t *m;
  double *bb_ref; /* backbone after the last joint epoch */
  size_t bb_n;
  int head_epochs, bb_changed;
} curve_t;

static void curve_fn(void *ctx, const char *which, int head, size_t epoch, double loss)
{
  curve_t *c = ctx;
  (void)head;
  if (strcmp(which, "head") != 0) {
    if (epoch == 0)
      c->first = loss;
    c->last = loss;
    c->n++;
    if (c->m) { /* snapshot after every joint epoch: the last one is the final backbone */
      free(c->bb_ref);
      c->bb_ref = params_copy(c->m->backbone, &c->bb_n);
    }
  } else {
    c->head_epochs++;
    if (c->m && (!c->bb_ref || !params_same(c->m->backbone, c->bb_ref, c->bb_n)))
      c->bb_changed = 1;
  }
}

static void test_train_mtfnn(void)
{
  memtl_hyper_t h = memtl_hyper_default();
  CHECK(h.lr == 1e-3 && h.epochs == 30 && h.batch == 32 && h.w_ce == 1 && h.w_mse == 1);
  h.epochs = 12;
  memtl_model_t *m = memtl_model_new(MEMTL_KIND_MTFNN, 2, 1, 9);
  memtl_model_fit_norm(m, ds, tr_idx, N_TRAIN);
  CHECK(m->norm.dim == 16 && m->step == ds->step && params_eq(&m->params, &ds->params));
  { /* on every row it is memtl_norm_fit */
    memtl_model_t *a = memtl_model_new(MEMTL_KIND_MTFNN, 2, 1, 9);
    size_t all[N_ALL];
    for (size_t k = 0; k < N_ALL; k++)
      all[k] = N_ALL - 1 - k;
    memtl_model_fit_norm(a, ds, all, N_ALL);
    memtl_norm_t ref;
    memtl_norm_fit(ds, &ref);
    CHECK(ref.dim == a->norm.dim && memcmp(ref.lo, a->norm.lo, 16 * sizeof(double)) == 0 &&
          memcmp(ref.hi, a->norm.hi, 16 * sizeof(double)) == 0);
    memtl_model_free(a);
  }
  memtl_eval_t e0, e1;
  CHECK(memtl_evaluate(m, ds, te_idx, N_ALL - N_TRAIN, MEMTL_PICK_COST, &e0) == 0);
  curve_t c = {0};
  CHECK(memtl_train_joint(m, 0, ds, tr_idx, N_TRAIN, &h, 77, curve_fn, &c) == 0);
  CHECK(c.n == h.epochs);
  CHECK(c.last < 0.7 * c.first);
  CHECK(memtl_evaluate(m, ds, te_idx, N_ALL - N_TRAIN, MEMTL_PICK_COST, &e1) == 0);
  /* majority class of the training set, scored on the held-out samples */
  size_t cnt[4] = {0}, maj = 0, hit = 0;
  for (size_t k = 0; k < N_TRAIN; k++)
    cnt[ds->code[tr_idx[k]]]++;
  for (size_t cc = 1; cc < 4; cc++)
    if (cnt[cc] > cnt[maj])
      maj = cc;
  for (size_t k = 0; k < N_ALL - N_TRAIN; k++)
    hit += ds->code[te_idx[k]] == maj;
  double maj_acc = (double)hit / (double)(N_ALL - N_TRAIN);
  /* constant predictor of the training mean R */
  double mean_r[2] = {0, 0}, const_mse = 0;
  for (size_t k = 0; k < N_TRAIN; k++)
    for (size_t n = 0; n < 2; n++)
      mean_r[n] += ds->r[tr_idx[k] * 2 + n] / N_TRAIN;
  for (size_t k = 0; k < N_ALL - N_TRAIN; k++)
    for (size_t n = 0; n < 2; n++)
      const_mse += pow(ds->r[te_idx[k] * 2 + n] - mean_r[n], 2) / (2.0 * (N_ALL - N_TRAIN));
  printf("  mtfnn: loss %.4f -> %.4f; held-out accuracy %.3f (untrained %.3f, majority %.3f), mse %.4f (constant "
         "%.4f), cost ratio %.4f, feasible %.3f, %.2f us/sample\n",
         c.first, c.last, e1.accuracy, e0.accuracy, maj_acc, e1.mse, const_mse, e1.cost_ratio, e1.feasible,
         e1.us_per_sample);
  CHECK(e1.n == N_ALL - N_TRAIN);
  { /* the metrics as defined, recomputed from the decisions */
    const size_t n = N_ALL - N_TRAIN;
    memtl_mt_t *mt = malloc(n * 2 * sizeof *mt);
    memtl_decision_t *dec = malloc(n * sizeof *dec);
    for (size_t k = 0; k < n; k++)
      memcpy(mt + 2 * k, ds->mt + 2 * te_idx[k], 2 * sizeof *mt);
    CHECK(memtl_model_decide(m, mt, n, MEMTL_PICK_COST, NULL, dec, NULL) == 0);
    double se = 0, ratio = 0;
    size_t acc = 0, feas = 0, nr = 0;
    for (size_t k = 0; k < n; k++) {
      size_t i = te_idx[k];
      for (size_t q = 0; q < 2; q++)
        se += pow(dec[k].r[q] - ds->r[2 * i + q], 2);
      acc += dec[k].d[0] == ds->d[2 * i] && dec[k].d[1] == ds->d[2 * i + 1];
      feas += dec[k].feasible;
      if (isfinite(ds->cost[i]) && ds->cost[i] > 0) {
        ratio += dec[k].cost / ds->cost[i];
        nr++;
      }
    }
    CHECK_NEAR(e1.mse, se / (2.0 * n), 1e-12);
    CHECK_NEAR(e1.accuracy, (double)acc / n, 1e-12);
    CHECK_NEAR(e1.feasible, (double)feas / n, 1e-12);
    CHECK_REL(e1.cost_ratio, ratio / nr, 1e-12);
    free(mt);
    free(dec);
  }
  CHECK(e1.accuracy > maj_acc + 0.02);
  CHECK(e1.mse < const_mse);
  CHECK(isfinite(e1.cost_ratio) && e1.cost_ratio > 0.9 && e1.cost_ratio < e0.cost_ratio);
  CHECK(e1.pick_rate[0] == 1.0);
  CHECK(e1.us_per_sample > 0);

  /* reproducible: same seeds, bit-identical weights; another training seed, others */
  memtl_model_t *m2 = memtl_model_new(MEMTL_KIND_MTFNN, 2, 1, 9), *m3 = memtl_model_new(MEMTL_KIND_MTFNN, 2, 1, 9);
  memtl_model_fit_norm(m2, ds, tr_idx, N_TRAIN);
  memtl_model_fit_norm(m3, ds, tr_idx, N_TRAIN);
  CHECK(memtl_train_joint(m2, 0, ds, tr_idx, N_TRAIN, &h, 77, NULL, NULL) == 0);
  CHECK(memtl_train_joint(m3, 0, ds, tr_idx, N_TRAIN, &h, 78, NULL, NULL) == 0);
  size_t n;
  double *p = params_copy(m->backbone, &n);
  CHECK(params_same(m2->backbone, p, n) && !params_same(m3->backbone, p, n));
  free(p);
  p = params_copy(m->head[0], &n);
  CHECK(params_same(m2->head[0], p, n) && !params_same(m3->head[0], p, n));
  free(p);

  /* head-only training leaves the backbone bit-identical */
  p = params_copy(m->backbone, &n);
  double *h0 = params_copy(m->head[0], &(size_t){0});
  h.epochs = 2;
  CHECK(memtl_train_head(m, 0, ds, tr_idx, N_TRAIN, &h, 5, NULL, NULL) == 0);
  CHECK(params_same(m->backbone, p, n));
  CHECK(!params_same(m->head[0], h0, nn_net_n_out(m->backbone) * 40 + 40 + 40 * 6 + 6));
  free(h0);
  free(p);

  /* bad arguments */
  CHECK(memtl_train_joint(m, 1, ds, tr_idx, N_TRAIN, &h, 1, NULL, NULL) < 0);
  CHECK(memtl_train_algorithm1(m, ds, tr_idx, N_TRAIN, &h, 1, NULL, NULL) < 0); /* MTFNN */
  size_t bad = N_ALL;
  CHECK(memtl_train_head(m, 0, ds, &bad, 1, &h, 1, NULL, NULL) < 0 && strstr(memtl_model_error(), "row") != NULL);
  memtl_hyper_t hb = h;
  hb.lr = -1;
  CHECK(memtl_train_joint(m, 0, ds, tr_idx, N_TRAIN, &hb, 1, NULL, NULL) < 0);
  memtl_model_free(m);
  memtl_model_free(m2);
  memtl_model_free(m3);
}

static void test_algorithm1(void)
{
  memtl_hyper_t h = memtl_hyper_default();
  h.epochs = 4;
  const size_t H = 3;
  memtl_model_t *m = memtl_model_new(MEMTL_KIND_MEMTL, 2, H, 21);
  curve_t c = {0};
  c.m = m;
  CHECK(memtl_train_algorithm1(m, ds, tr_idx, N_TRAIN, &h, 55, curve_fn, &c) == 0);
  CHECK(c.n == h.epochs && c.head_epochs == (int)(H * h.epochs));
  CHECK(!c.bb_changed);                                   /* during every head's training */
  CHECK(c.bb_ref && params_same(m->backbone, c.bb_ref, c.bb_n)); /* and at the end */
  /* the joint phase is memtl_train_joint with the same seed */
  memtl_model_t *j = memtl_model_new(MEMTL_KIND_MEMTL, 2, 1, 21);
  memtl_model_fit_norm(j, ds, tr_idx, N_TRAIN);
  CHECK(memtl_train_joint(j, 0, ds, tr_idx, N_TRAIN, &h, 55, NULL, NULL) == 0);
  CHECK(params_same(m->backbone, nn_net_params(j->backbone, NULL), c.bb_n));
  /* head 0 was re-initialised and retrained: not the joint phase's head */
  size_t nh;
  double *jh = params_copy(j->head[0], &nh);
  CHECK(!params_same(m->head[0], jh, nh));
  free(jh);
  /* heads differ from each other (bootstrap sets, initial weights) */
  double *h1 = params_copy(m->head[1], &nh);
  CHECK(!params_same(m->head[2], h1, nh));
  free(h1);
  /* reproducible */
  memtl_model_t *m2 = memtl_model_new(MEMTL_KIND_MEMTL, 2, H, 21);
  CHECK(memtl_train_algorithm1(m2, ds, tr_idx, N_TRAIN, &h, 55, NULL, NULL) == 0);
  int same = params_same(m2->backbone, c.bb_ref, c.bb_n);
  for (size_t k = 0; k < H; k++) {
    double *p = params_copy(m->head[k], &nh);
    same &= params_same(m2->head[k], p, nh);
    free(p);
  }
  CHECK(same);
  /* Algorithm 2: the cost pick is at least as often feasible as any head,
   * and its pick rates sum to 1 */
  memtl_eval_t ec, eh;
  CHECK(memtl_evaluate(m, ds, te_idx, N_ALL - N_TRAIN, MEMTL_PICK_COST, &ec) == 0);
  double rate = 0;
  for (size_t k = 0; k < H; k++)
    rate += ec.pick_rate[k];
  CHECK_NEAR(rate, 1.0, 1e-12);
  for (size_t k = 0; k < H; k++) {
    CHECK(memtl_evaluate(m, ds, te_idx, N_ALL - N_TRAIN, MEMTL_PICK_HEAD0 + (int)k, &eh) == 0);
    CHECK(ec.feasible >= eh.feasible);
    CHECK(eh.pick_rate[k] == 1.0);
    printf("  memtl head %zu: accuracy %.3f, mse %.4f, cost ratio %.4f, feasible %.3f\n", k, eh.accuracy, eh.mse,
           eh.cost_ratio, eh.feasible);
  }
  memtl_eval_t eo;
  CHECK(memtl_evaluate(m, ds, te_idx, N_ALL - N_TRAIN, MEMTL_PICK_ORACLE, &eo) == 0);
  printf("  memtl cost pick: accuracy %.3f, mse %.4f, cost ratio %.4f, feasible %.3f, picks %.2f %.2f %.2f; oracle "
         "mse %.4f\n",
         ec.accuracy, ec.mse, ec.cost_ratio, ec.feasible, ec.pick_rate[0], ec.pick_rate[1], ec.pick_rate[2], eo.mse);
  CHECK(eo.mse <= ec.mse + 1e-12); /* the closest R per sample */
  free(c.bb_ref);
  memtl_model_free(m);
  memtl_model_free(m2);
  memtl_model_free(j);
}

/* ------------------------------------------------------------------------ */
/* Model files                                                              */
/* ------------------------------------------------------------------------ */
static void copy_file(const char *from, const char *to)
{
  FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
  char buf[65536];
  size_t n;
  while (a && b && (n = fread(buf, 1, sizeof buf, a)) > 0)
    fwrite(buf, 1, n, b);
  if (a)
    fclose(a);
  if (b)
    fclose(b);
}

static hid_t open_rw(const char *p) { return H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT); }

static void set_str(const char *p, const char *name, const char *v)
{
  hid_t f = open_rw(p);
  H5Adelete(f, name);
  CHECK(nn_h5attr_write_str(f, name, v) == 0);
  H5Fclose(f);
}

static void set_i64(const char *p, const char *name, int64_t v)
{
  hid_t f = open_rw(p);
  H5Adelete(f, name);
  CHECK(nn_h5attr_write_i64(f, name, v) == 0);
  H5Fclose(f);
}

static void set_f64(const char *p, const char *name, double v)
{
  hid_t f = open_rw(p);
  H5Adelete(f, name);
  CHECK(nn_h5attr_write_f64(f, name, v) == 0);
  H5Fclose(f);
}

/* Writes NaN into element k of dataset dset. */
static void poison(const char *p, const char *dset, size_t k)
{
  hid_t f = open_rw(p), d = H5Dopen2(f, dset, H5P_DEFAULT), s = H5Dget_space(d);
  hssize_t n = H5Sget_simple_extent_npoints(s);
  double *v = malloc((size_t)n * sizeof *v);
  CHECK(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
  v[k] = NAN;
  CHECK(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
  free(v);
  H5Sclose(s);
  H5Dclose(d);
  H5Fclose(f);
}

/* Replaces group g by a network of n_in -> 40 -> n_out. */
static void replace_net(const char *p, const char *g, size_t n_in, size_t n_out, int relu)
{
  nn_net_t *net = nn_net_new(n_in, "wrong");
  nn_net_add_dense(net, 40, NN_INIT_DEFAULT);
  nn_net_add_act(net, relu ? NN_ACT_RELU : NN_ACT_TANH);
  nn_net_add_dense(net, n_out, NN_INIT_DEFAULT);
  CHECK(nn_net_finalize(net, 1) == 0);
  hid_t f = open_rw(p);
  CHECK(H5Ldelete(f, g, H5P_DEFAULT) >= 0);
  CHECK(nn_net_save_group(net, f, g) == 0);
  H5Fclose(f);
  nn_net_free(net);
}

/* The file is refused with one line naming it and containing `what`. */
static void refused(const char *p, const char *what)
{
  memtl_model_t *m = memtl_model_load(p);
  const char *e = memtl_model_error();
  CHECK(m == NULL);
  if (getenv("VERBOSE"))
    printf("  refused: %s\n", e);
  CHECK(strstr(e, p) != NULL);
  CHECK(strchr(e, '\n') == NULL);
  if (!strstr(e, what)) {
    fprintf(stderr, "  expected '%s' in: %s\n", what, e);
    CHECK(strstr(e, what) != NULL);
  }
  memtl_model_free(m);
}

static void test_files(void)
{
  memtl_hyper_t h = memtl_hyper_default();
  h.epochs = 2;
  memtl_model_t *m = memtl_model_new(MEMTL_KIND_MEMTL, 2, 3, 4);
  CHECK(memtl_train_algorithm1(m, ds, tr_idx, N_TRAIN, &h, 8, NULL, NULL) == 0);
  char good[512], bad[512];
  snprintf(good, sizeof good, "%s/good.h5", dir);
  snprintf(bad, sizeof bad, "%s/bad.h5", dir);
  CHECK(memtl_model_save(m, good) == 0);
  char tmp[600];
  snprintf(tmp, sizeof tmp, "%s.tmp", good);
  CHECK(access(tmp, F_OK) != 0);
  memtl_model_t *l = memtl_model_load(good);
  CHECK(l != NULL);
  if (l) {
    CHECK(l->kind == m->kind && l->n_mt == m->n_mt && l->n_heads == m->n_heads && l->step == m->step);
    CHECK(params_eq(&l->params, &m->params));
    CHECK(memcmp(l->norm.lo, m->norm.lo, 16 * sizeof(double)) == 0 &&
          memcmp(l->norm.hi, m->norm.hi, 16 * sizeof(double)) == 0);
    const size_t n = N_ALL - N_TRAIN;
    memtl_mt_t *mt = malloc(n * 2 * sizeof *mt);
    for (size_t k = 0; k < n; k++)
      memcpy(mt + 2 * k, ds->mt + 2 * te_idx[k], 2 * sizeof *mt);
    memtl_decision_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    for (int pick = MEMTL_PICK_COST; pick < 3; pick++) {
      double ma = 0, mb = 0;
      CHECK(memtl_model_decide(m, mt, n, pick, NULL, a, &ma) == 0);
      CHECK(memtl_model_decide(l, mt, n, pick, NULL, b, &mb) == 0);
      CHECK(dec_same(a, b, n) && ma == mb);
    }
    free(a);
    free(b);
    free(mt);
    memtl_model_free(l);
  }
  /* an MTFNN round trip too */
  memtl_model_t *f = memtl_model_new(MEMTL_KIND_MTFNN, 3, 1, 4);
  char fp[512];
  snprintf(fp, sizeof fp, "%s/mtfnn.h5", dir);
  CHECK(memtl_model_save(f, fp) == 0);
  l = memtl_model_load(fp);
  CHECK(l && l->kind == MEMTL_KIND_MTFNN && l->n_heads == 1 && l->n_mt == 3);
  if (l) {
    size_t n;
    double *p = params_copy(f->head[0], &n);
    CHECK(params_same(l->head[0], p, n));
    free(p);
  }
  memtl_model_free(l);
  memtl_model_free(f);

  /* refusals */
  refused("/nonexistent/dir/model.h5", "cannot read");
  FILE *t = fopen(bad, "w");
  fputs("not hdf5\n", t);
  fclose(t);
  refused(bad, "not an HDF5 file");
  copy_file(good, bad);
  set_str(bad, "format", "mecsim-dynn-model");
  refused(bad, "format");
  copy_file(good, bad);
  set_i64(bad, "format_version", 2);
  refused(bad, "version");
  copy_file(good, bad);
  set_i64(bad, "n_heads", 0);
  refused(bad, "n_heads");
  copy_file(good, bad);
  set_i64(bad, "n_heads", 4);
  refused(bad, "head_03");
  copy_file(good, bad);
  set_i64(bad, "n_heads", 2);
  refused(bad, "head_02");
  copy_file(good, bad);
  set_i64(bad, "kind", 0);
  refused(bad, "MTFNN");
  copy_file(good, bad);
  set_i64(bad, "kind", 2);
  refused(bad, "kind");
  copy_file(good, bad);
  set_i64(bad, "n_mt", 11);
  refused(bad, "n_mt");
  copy_file(good, bad);
  set_i64(bad, "n_mt", 3);
  refused(bad, "norm_lo"); /* 16 values where 3 MTs need 24 */
  copy_file(good, bad);
  {
    hid_t fh = open_rw(bad);
    double lo[24] = {0}, hi[24];
    for (size_t j = 0; j < 24; j++)
      hi[j] = 1;
    H5Adelete(fh, "norm_lo");
    H5Adelete(fh, "norm_hi");
    CHECK(nn_h5attr_write(fh, "norm_lo", H5T_NATIVE_DOUBLE, lo, 24) == 0);
    CHECK(nn_h5attr_write(fh, "norm_hi", H5T_NATIVE_DOUBLE, hi, 24) == 0);
    H5Fclose(fh);
  }
  set_i64(bad, "n_mt", 3);
  refused(bad, "'/backbone' (the backbone) maps 16 -> 20 values, expected 24 -> 30");
  copy_file(good, bad);
  set_f64(bad, "step", 0.3);
  refused(bad, "step");
  copy_file(good, bad);
  set_f64(bad, "param_f_server", -1);
  refused(bad, "param_f_server");
  copy_file(good, bad);
  set_f64(bad, "param_kappa", NAN);
  refused(bad, "param_kappa");
  copy_file(good, bad);
  set_i64(bad, "param_channel", 3);
  refused(bad, "param_channel");
  copy_file(good, bad);
  {
    hid_t fh = open_rw(bad);
    H5Adelete(fh, "norm_hi");
    double hi[16];
    memcpy(hi, m->norm.hi, sizeof hi);
    hi[4] = m->norm.lo[4] - 1;
    CHECK(nn_h5attr_write(fh, "norm_hi", H5T_NATIVE_DOUBLE, hi, 16) == 0);
    H5Fclose(fh);
  }
  refused(bad, "norm_hi[4]");
  copy_file(good, bad);
  {
    hid_t fh = open_rw(bad);
    H5Adelete(fh, "norm_lo");
    double lo[15] = {0};
    CHECK(nn_h5attr_write(fh, "norm_lo", H5T_NATIVE_DOUBLE, lo, 15) == 0);
    H5Fclose(fh);
  }
  refused(bad, "norm_lo");
  copy_file(good, bad);
  poison(bad, "/head_01/layer_002/W", 17);
  refused(bad, "head_01");
  copy_file(good, bad);
  poison(bad, "/backbone/layer_000/b", 3);
  refused(bad, "backbone");
  copy_file(good, bad);
  replace_net(bad, "head_02", 20, 5, 1); /* head n_out 5, not 2^2 + 2 */
  refused(bad, "head_02");
  copy_file(good, bad);
  replace_net(bad, "head_00", 21, 6, 1); /* head n_in != backbone n_out */
  refused(bad, "head_00");
  copy_file(good, bad);
  replace_net(bad, "head_01", 20, 6, 0); /* right shapes, tanh instead of ReLU */
  refused(bad, "head_01");
  copy_file(good, bad);
  {
    hid_t fh = open_rw(bad);
    CHECK(H5Ldelete(fh, "backbone", H5P_DEFAULT) >= 0);
    H5Fclose(fh);
  }
  refused(bad, "backbone");
  /* saving where it cannot write leaves nothing behind and says why */
  CHECK(memtl_model_save(m, "/nonexistent/dir/m.h5") < 0 && strstr(memtl_model_error(), "/nonexistent") != NULL);
  unlink(bad);
  unlink(good);
  unlink(fp);
  memtl_model_free(m);
}

int main(void)
{
  nn_set_blas_threads(1);
  snprintf(dir, sizeof dir, "/tmp/test_memtl_model.XXXXXX");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  memtl_sampler_t s;
  memtl_params_t p = memtl_params_mtfnn_co();
  if (memtl_sampler_preset("mtfnn-co", &s) < 0 ||
      !(ds = memtl_dataset_generate(&p, &s, 2, N_ALL, 0.02, 2024, NULL, NULL, 0))) {
    fprintf(stderr, "cannot generate the dataset: %s\n", memtl_data_error());
    return 1;
  }
  for (size_t k = 0; k < N_ALL; k++) {
    if (k < N_TRAIN)
      tr_idx[k] = k;
    else
      te_idx[k - N_TRAIN] = k;
  }
  RUN(test_shapes);
  RUN(test_decode);
  RUN(test_decode_sum_below_one);
  RUN(test_pick);
  RUN(test_train_mtfnn);
  RUN(test_algorithm1);
  RUN(test_files);
  memtl_dataset_free(ds);
  rmdir(dir);
  return CHECK_DONE();
}
