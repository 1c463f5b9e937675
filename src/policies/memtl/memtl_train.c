/* memtl_train.c - offline training of MTFNN and MEMTL (Algorithm 1 of the
 * MEMTL paper): minibatch Adam on cross-entropy(code) + MSE(sigmoid R, R*);
 * see memtl_model.h. */
#include "policies/memtl/memtl_model.h"
#include "model/rng.h"
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define mfail memtl_model_fail

/* Random streams (kind MEC_STREAM_TRAINING, index): one per purpose, so the
 * joint phase, every head's shuffling and every head's bootstrap draw
 * independently of each other and of the number of heads. */
#define K_JOINT_SHUFFLE 1
#define K_HEAD_SHUFFLE 16   /* + head */
#define K_BOOTSTRAP 64      /* + head */
#define K_HEAD_REINIT 4096  /* + head: the re-initialised heads' weight seed */
#define FWD_CHUNK 4096      /* rows per backbone forward when precomputing */

memtl_hyper_t memtl_hyper_default(void)
{
  return (memtl_hyper_t){.lr = 1e-3, .epochs = 30, .batch = 32, .w_ce = 1, .w_mse = 1};
}

void memtl_model_fit_norm(memtl_model_t *m, const memtl_dataset_t *ds, const size_t *idx, size_t n_idx)
{
  if (!m || !ds || !idx || ds->n_mt != m->n_mt)
    return;
  /* min-max over the rows, as memtl_norm_fit does over a whole dataset; done
   * here on the rows directly so a (possibly large) subset is not copied */
  const size_t N = m->n_mt, D = m->n_in;
  double raw[MEMTL_MAX_N * MEMTL_FEATURES_PER_MT];
  size_t used = 0;
  for (size_t k = 0; k < n_idx; k++) {
    if (idx[k] >= ds->n)
      continue;
    memtl_features_raw(ds->mt + idx[k] * N, N, raw);
    for (size_t j = 0; j < D; j++) {
      if (!used || raw[j] < m->norm.lo[j])
        m->norm.lo[j] = raw[j];
      if (!used || raw[j] > m->norm.hi[j])
        m->norm.hi[j] = raw[j];
    }
    used++;
  }
  if (!used)
    return;
  m->norm.dim = D;
  /* the system and grid the model is being trained for */
  m->params = ds->params;
  m->step = ds->step;
}

/* ------------------------------------------------------------------------ */
/* Shared pieces                                                            */
/* ------------------------------------------------------------------------ */
static int check_args(const memtl_model_t *m, size_t head, const memtl_dataset_t *ds, const size_t *idx,
                      size_t n_idx, const memtl_hyper_t *h, const char *what)
{
  if (!m || !m->backbone || !ds || !h || (n_idx && !idx))
    return mfail("memtl %s: no model, dataset, rows or hyper-parameters given", what);
  if (head >= m->n_heads)
    return mfail("memtl %s: no head %zu (the model has %zu)", what, head, m->n_heads);
  if (ds->n_mt != m->n_mt)
    return mfail("memtl %s: the dataset has %zu MTs per sample, the model %zu", what, ds->n_mt, m->n_mt);
  if (n_idx == 0)
    return mfail("memtl %s: no training rows", what);
  if (!(isfinite(h->lr) && h->lr > 0) || h->batch < 1 || !(isfinite(h->w_ce) && h->w_ce >= 0) ||
      !(isfinite(h->w_mse) && h->w_mse >= 0))
    return mfail("memtl %s: bad hyper-parameters (lr %g > 0, batch %zu >= 1, w_ce %g and w_mse %g >= 0)", what,
                 h->lr, h->batch, h->w_ce, h->w_mse);
  for (size_t k = 0; k < n_idx; k++) {
    size_t i = idx[k];
    if (i >= ds->n)
      return mfail("memtl %s: row %zu is %zu, the dataset has %zu samples", what, k, i, ds->n);
    if (ds->code[i] >= m->n_codes)
      return mfail("memtl %s: sample %zu has code %u, outside 0..%zu", what, i, ds->code[i], m->n_codes - 1);
    for (size_t n = 0; n < m->n_mt; n++)
      if (!(ds->r[i * m->n_mt + n] >= 0 && ds->r[i * m->n_mt + n] <= 1))
        return mfail("memtl %s: sample %zu has R*[%zu] = %g, outside [0, 1]", what, i, n, ds->r[i * m->n_mt + n]);
  }
  return 0;
}

/* Normalised features of rows idx: row k of the result is sample idx[k]. */
static double *select_features(const memtl_model_t *m, const memtl_dataset_t *ds, const size_t *idx, size_t n_idx)
{
  double *all = memtl_features(ds, &m->norm);
  if (!all) {
    mfail("memtl training: %s", memtl_data_error());
    return NULL;
  }
  double *x = malloc(n_idx * m->n_in * sizeof *x);
  if (x)
    for (size_t k = 0; k < n_idx; k++)
      memcpy(x + k * m->n_in, all + idx[k] * m->n_in, m->n_in * sizeof *x);
  free(all);
  if (!x)
    mfail("memtl training: out of memory for the features of %zu samples", n_idx);
  return x;
}

static double sigmoid(double z)
{
  if (z >= 0)
    return 1 / (1 + exp(-z));
  double e = exp(z);
  return e / (1 + e);
}

/* Scratch of one minibatch. */
typedef struct {
  size_t C, N, B;        /* codes, MTs, batch capacity */
  double *in;            /* B x width of the network trained first (gathered rows) */
  int *code;             /* B */
  double *rt;            /* B x N, R* */
  double *logit, *dlogit;/* B x C */
  double *s, *ds;        /* B x N, sigmoid outputs and dL/ds */
  double *dy;            /* B x (C + N) */
} batch_t;

static void batch_free(batch_t *b)
{
  free(b->in);
  free(b->code);
  free(b->rt);
  free(b->logit);
  free(b->dlogit);
  free(b->s);
  free(b->ds);
  free(b->dy);
}

static int batch_alloc(batch_t *b, const memtl_model_t *m, size_t B, size_t width)
{
  memset(b, 0, sizeof *b);
  b->C = m->n_codes;
  b->N = m->n_mt;
  b->B = B;
  b->in = malloc(B * width * sizeof *b->in);
  b->code = malloc(B * sizeof *b->code);
  b->rt = malloc(B * b->N * sizeof *b->rt);
  b->logit = malloc(B * b->C * sizeof *b->logit);
  b->dlogit = malloc(B * b->C * sizeof *b->dlogit);
  b->s = malloc(B * b->N * sizeof *b->s);
  b->ds = malloc(B * b->N * sizeof *b->ds);
  b->dy = malloc(B * (b->C + b->N) * sizeof *b->dy);
  if (!b->in || !b->code || !b->rt || !b->logit || !b->dlogit || !b->s || !b->ds || !b->dy) {
    batch_free(b);
    return mfail("memtl training: out of memory for a batch of %zu", B);
  }
  return 0;
}

/* Gathers rows perm[0..nb) of X (width wide; row k is sample idx[k]) and
 * their labels. */
static void batch_fill(batch_t *b, const memtl_dataset_t *ds, const size_t *idx, const double *X, size_t width,
                       const size_t *perm, size_t nb)
{
  for (size_t j = 0; j < nb; j++) {
    size_t k = perm[j], i = idx[k];
    memcpy(b->in + j * width, X + k * width, width * sizeof *X);
    b->code[j] = (int)ds->code[i];
    memcpy(b->rt + j * b->N, ds->r + i * b->N, b->N * sizeof *b->rt);
  }
}

/* The head loss of nb outputs y (nb x (C + N)): w_ce * softmax cross-entropy
 * of the first C against the code + w_mse * MSE of sigmoid(last N) against
 * R* (mean over nb * N, the public code's K.mean); dL/dy into b->dy. */
static double head_loss(batch_t *b, const double *y, size_t nb, const memtl_hyper_t *h)
{
  const size_t C = b->C, N = b->N, W = C + N;
  for (size_t j = 0; j < nb; j++) {
    memcpy(b->logit + j * C, y + j * W, C * sizeof *y);
    for (size_t n = 0; n < N; n++)
      b->s[j * N + n] = sigmoid(y[j * W + C + n]);
  }
  double ce = nn_loss_cross_entropy(b->logit, b->code, nb, C, b->dlogit);
  double mse = nn_loss_mse(b->s, b->rt, nb, N, b->ds);
  for (size_t j = 0; j < nb; j++) {
    for (size_t c = 0; c < C; c++)
      b->dy[j * W + c] = h->w_ce * b->dlogit[j * C + c];
    for (size_t n = 0; n < N; n++) {
      double s = b->s[j * N + n];
      b->dy[j * W + C + n] = h->w_mse * b->ds[j * N + n] * s * (1 - s); /* d sigmoid = s (1 - s) */
    }
  }
  return h->w_ce * ce + h->w_mse * mse;
}

static size_t *identity_perm(size_t n)
{
  size_t *p = malloc(n * sizeof *p);
  if (p)
    for (size_t k = 0; k < n; k++)
      p[k] = k;
  return p;
}

/* ------------------------------------------------------------------------ */
/* Joint training (MTFNN; Algorithm 1 line 2)                               */
/* ------------------------------------------------------------------------ */
static int train_joint(memtl_model_t *m, size_t head, const memtl_dataset_t *ds, const size_t *idx, size_t n_idx,
                       const memtl_hyper_t *h, uint64_t seed, memtl_curve_fn curve, void *ctx, const char *which)
{
  if (check_args(m, head, ds, idx, n_idx, h, "joint training") < 0)
    return -1;
  nn_net_t *bb = m->backbone, *hd = m->head[head];
  const size_t NI = m->n_in, B = h->batch < n_idx ? h->batch : n_idx;
  batch_t b;
  double *X = select_features(m, ds, idx, n_idx);
  size_t *perm = identity_perm(n_idx);
  gsl_rng *rng = mec_rng_new(seed, MEC_STREAM_TRAINING, K_JOINT_SHUFFLE);
  int rc = 0, have_b = 0;
  if (!X || !perm || !rng) {
    rc = mfail("memtl joint training: out of memory for %zu samples", n_idx);
    goto out;
  }
  if (batch_alloc(&b, m, B, NI) < 0) {
    rc = -1;
    goto out;
  }
  have_b = 1;
  if (nn_net_freeze(bb, 0, nn_net_n_layers(bb), 0) < 0 || nn_net_freeze(hd, 0, nn_net_n_layers(hd), 0) < 0) {
    rc = mfail("memtl joint training: %s", nn_last_error());
    goto out;
  }
  const nn_opt_t opt = nn_adam(h->lr);
  for (size_t e = 0; e < h->epochs; e++) {
    gsl_ran_shuffle(rng, perm, n_idx, sizeof *perm);
    double sum = 0;
    for (size_t s = 0; s < n_idx; s += B) {
      size_t nb = n_idx - s < B ? n_idx - s : B;
      batch_fill(&b, ds, idx, X, NI, perm + s, nb);
      nn_net_zero_grad(bb);
      nn_net_zero_grad(hd);
      const double *z = nn_net_forward(bb, b.in, nb);
      const double *y = z ? nn_net_forward(hd, z, nb) : NULL;
      if (!y) {
        rc = mfail("memtl joint training: forward: %s", nn_last_error());
        goto out;
      }
      double loss = head_loss(&b, y, nb, h);
      const double *dz = NULL;
      /* the head's input gradient flows on into the backbone */
      if (!isfinite(loss) || nn_net_backward(hd, b.dy, &dz) < 0 || nn_net_backward(bb, dz, NULL) < 0) {
        rc = mfail("memtl joint training: epoch %zu: %s", e,
                   isfinite(loss) ? nn_last_error() : "the loss is not finite");
        goto out;
      }
      if (nn_net_step(hd, &opt) < 0 || nn_net_step(bb, &opt) < 0) {
        rc = mfail("memtl joint training: epoch %zu: %s", e, nn_last_error());
        goto out;
      }
      sum += loss * (double)nb;
    }
    if (curve)
      curve(ctx, which, (int)head, e, sum / (double)n_idx);
  }
out:
  if (have_b)
    batch_free(&b);
  free(X);
  free(perm);
  if (rng)
    gsl_rng_free(rng);
  return rc;
}

int memtl_train_joint(memtl_model_t *m, size_t head, const memtl_dataset_t *ds, const size_t *idx, size_t n_idx,
                      const memtl_hyper_t *h, uint64_t seed, memtl_curve_fn curve, void *ctx)
{
  return train_joint(m, head, ds, idx, n_idx, h, seed, curve, ctx, "mtfnn");
}

/* ------------------------------------------------------------------------ */
/* Head-only training (Algorithm 1 line 6)                                  */
/* ------------------------------------------------------------------------ */
int memtl_train_head(memtl_model_t *m, size_t head, const memtl_dataset_t *ds, const size_t *idx, size_t n_idx,
                     const memtl_hyper_t *h, uint64_t seed, memtl_curve_fn curve, void *ctx)
{
  if (check_args(m, head, ds, idx, n_idx, h, "head training") < 0)
    return -1;
  nn_net_t *bb = m->backbone, *hd = m->head[head];
  /* The backbone is frozen and never stepped: its outputs are the same all
   * along, so they are computed once (row k for sample idx[k]). */
  if (nn_net_freeze(bb, 0, nn_net_n_layers(bb), 1) < 0 || nn_net_freeze(hd, 0, nn_net_n_layers(hd), 0) < 0)
    return mfail("memtl head training: %s", nn_last_error());
  const size_t W = nn_net_n_out(bb), B = h->batch < n_idx ? h->batch : n_idx;
  batch_t b;
  double *X = select_features(m, ds, idx, n_idx);
  double *Z = malloc(n_idx * W * sizeof *Z);
  size_t *perm = identity_perm(n_idx);
  gsl_rng *rng = mec_rng_new(seed, MEC_STREAM_TRAINING, K_HEAD_SHUFFLE + head);
  int rc = 0, have_b = 0;
  if (!X || !Z || !perm || !rng) {
    rc = mfail("memtl head training: out of memory for %zu samples", n_idx);
    goto out;
  }
  for (size_t s = 0; s < n_idx; s += FWD_CHUNK) {
    size_t nb = n_idx - s < FWD_CHUNK ? n_idx - s : FWD_CHUNK;
    const double *z = nn_net_forward(bb, X + s * m->n_in, nb);
    if (!z) {
      rc = mfail("memtl head training: backbone: %s", nn_last_error());
      goto out;
    }
    memcpy(Z + s * W, z, nb * W * sizeof *Z);
  }
  if (batch_alloc(&b, m, B, W) < 0) {
    rc = -1;
    goto out;
  }
  have_b = 1;
  const nn_opt_t opt = nn_adam(h->lr);
  for (size_t e = 0; e < h->epochs; e++) {
    gsl_ran_shuffle(rng, perm, n_idx, sizeof *perm);
    double sum = 0;
    for (size_t s = 0; s < n_idx; s += B) {
      size_t nb = n_idx - s < B ? n_idx - s : B;
      batch_fill(&b, ds, idx, Z, W, perm + s, nb);
      nn_net_zero_grad(hd);
      const double *y = nn_net_forward(hd, b.in, nb);
      if (!y) {
        rc = mfail("memtl head training: forward: %s", nn_last_error());
        goto out;
      }
      double loss = head_loss(&b, y, nb, h);
      if (!isfinite(loss) || nn_net_backward(hd, b.dy, NULL) < 0 || nn_net_step(hd, &opt) < 0) {
        rc = mfail("memtl head training: head %zu, epoch %zu: %s", head, e,
                   isfinite(loss) ? nn_last_error() : "the loss is not finite");
        goto out;
      }
      sum += loss * (double)nb;
    }
    if (curve)
      curve(ctx, "head", (int)head, e, sum / (double)n_idx);
  }
out:
  if (have_b)
    batch_free(&b);
  free(X);
  free(Z);
  free(perm);
  if (rng)
    gsl_rng_free(rng);
  return rc;
}

/* ------------------------------------------------------------------------ */
/* Algorithm 1                                                              */
/* ------------------------------------------------------------------------ */
int memtl_train_algorithm1(memtl_model_t *m, const memtl_dataset_t *ds, const size_t *idx, size_t n_idx,
                           const memtl_hyper_t *h, uint64_t seed, memtl_curve_fn curve, void *ctx)
{
  if (!m || m->kind != MEMTL_KIND_MEMTL)
    return mfail("memtl algorithm 1: needs a MEMTL model (kind 1)");
  if (check_args(m, 0, ds, idx, n_idx, h, "algorithm 1") < 0)
    return -1;
  memtl_model_fit_norm(m, ds, idx, n_idx);
  /* line 2: backbone + head 0 on the whole training set (the same call, and
   * so the same backbone, as memtl_train_joint with this seed) */
  if (train_joint(m, 0, ds, idx, n_idx, h, seed, curve, ctx, "backbone") < 0)
    return -1;
  size_t *boot = malloc(n_idx * sizeof *boot);
  if (!boot)
    return mfail("memtl algorithm 1: out of memory for %zu samples", n_idx);
  int rc = 0;
  for (size_t k = 0; k < m->n_heads && rc == 0; k++) {
    /* line 3 for head 0 (and a fresh start for the others too): the heads
     * differ by their bootstrap set and their initial weights */
    rc = memtl_model_reset_head(m, k, mec_stream_seed(seed, MEC_STREAM_TRAINING, K_HEAD_REINIT + k));
    gsl_rng *rng = rc == 0 ? mec_rng_new(seed, MEC_STREAM_TRAINING, K_BOOTSTRAP + k) : NULL;
    if (rc == 0 && !rng)
      rc = mfail("memtl algorithm 1: out of memory");
    if (rc == 0) {
      memtl_bootstrap(idx, n_idx, rng, boot); /* line 1: its own resample, of the training set's size */
      rc = memtl_train_head(m, k, ds, boot, n_idx, h, seed, curve, ctx);
    }
    if (rng)
      gsl_rng_free(rng);
  }
  free(boot);
  return rc;
}

double memtl_train_macs_per_sample(const memtl_model_t *m, int head_only)
{
  if (!m || !m->backbone || m->n_heads < 1)
    return 0;
  double hd = (double)nn_net_macs(m->head[0], 1);
  return 3 * (head_only ? hd : hd + (double)nn_net_macs(m->backbone, 1));
}
