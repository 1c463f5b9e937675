/* nn_kernels.c - the matrix products of dense layers.
 *
 * The networks here are small (widths 3-150) and often run one sample at a
 * time, where a BLAS call's fixed cost (argument checks, dispatch, packing)
 * exceeds the arithmetic. Below NN_BLAS_MIN_MACS multiply-adds we use plain
 * loops written so the compiler vectorizes the inner loop (an axpy over the
 * output row, no reductions); above it OpenBLAS's dgemm. The loops are built
 * twice (AVX2+FMA and baseline x86-64) and picked at load time, since the
 * project compiles for baseline x86-64. The threshold was measured with
 * bench/bench_nn.c, see docs/performance.md. */
#include "nn/nn_internal.h"

#include <cblas.h>
#include <string.h>

#ifndef NN_BLAS_MIN_MACS
#define NN_BLAS_MIN_MACS 16384
#endif


/* Output columns in blocks of 16 (then 4, then 1) held in registers across
 * the whole input loop, so each multiply-add loads one weight and nothing
 * else; a plain axpy per input would reload and store y every time. */
#define FWD_BLOCK(NB)                                                                  \
  for (; o0 + (NB) <= out; o0 += (NB)) {                                               \
    double acc[NB];                                                                    \
    for (size_t q = 0; q < (NB); q++) acc[q] = b ? b[o0 + q] : 0.0;                    \
    for (size_t i = 0; i < in; i++) {                                                  \
      const double xi = x[i];                                                          \
      if (xi == 0.0) continue; /* ReLU outputs are often exactly zero */               \
      const double *w = W + i * out + o0;                                              \
      for (size_t q = 0; q < (NB); q++) acc[q] += xi * w[q];                           \
    }                                                                                  \
    for (size_t q = 0; q < (NB); q++) y[o0 + q] = acc[q];                              \
  }

NN_MULTIVERSION
static void fwd_loops(const double *restrict X, const double *restrict W,
                      const double *restrict b, double *restrict Y, size_t B, size_t in,
                      size_t out) {
  for (size_t r = 0; r < B; r++) {
    const double *x = X + r * in;
    double *y = Y + r * out;
    size_t o0 = 0;
    FWD_BLOCK(16)
    FWD_BLOCK(4)
    FWD_BLOCK(1)
  }
}

NN_MULTIVERSION
static void dx_loops(const double *restrict dY, const double *restrict W, double *restrict dX,
                     size_t B, size_t in, size_t out, bool accumulate) {
  for (size_t r = 0; r < B; r++) {
    const double *dy = dY + r * out;
    double *dx = dX + r * in;
    for (size_t i = 0; i < in; i++) {
      const double *w = W + i * out;
      /* four partial sums so the reduction can use vector lanes */
      double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      size_t o = 0;
      for (; o + 4 <= out; o += 4) {
        s0 += dy[o] * w[o];
        s1 += dy[o + 1] * w[o + 1];
        s2 += dy[o + 2] * w[o + 2];
        s3 += dy[o + 3] * w[o + 3];
      }
      for (; o < out; o++) s0 += dy[o] * w[o];
      const double s = (s0 + s1) + (s2 + s3);
      dx[i] = accumulate ? dx[i] + s : s;
    }
  }
}

NN_MULTIVERSION
static void dw_loops(const double *restrict X, const double *restrict dY, double *restrict dW,
                     double *restrict db, size_t B, size_t in, size_t out) {
  for (size_t r = 0; r < B; r++) {
    const double *x = X + r * in;
    const double *dy = dY + r * out;
    for (size_t i = 0; i < in; i++) {
      const double xi = x[i];
      if (xi == 0.0) continue;
      double *dw = dW + i * out;
      for (size_t o = 0; o < out; o++) dw[o] += xi * dy[o];
    }
    if (db)
      for (size_t o = 0; o < out; o++) db[o] += dy[o];
  }
}

void nn_gemm_fwd(const double *X, const double *W, const double *b, double *Y, size_t B,
                 size_t in, size_t out) {
  if (B * in * out < NN_BLAS_MIN_MACS || B == 1) {
    fwd_loops(X, W, b, Y, B, in, out);
    return;
  }
  if (b) {
    for (size_t r = 0; r < B; r++) memcpy(Y + r * out, b, out * sizeof *Y);
  }
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)out, (int)in, 1.0, X,
              (int)in, W, (int)out, b ? 1.0 : 0.0, Y, (int)out);
}

void nn_gemm_dx(const double *dY, const double *W, double *dX, size_t B, size_t in, size_t out,
                bool accumulate) {
  if (B * in * out < NN_BLAS_MIN_MACS || B == 1) {
    dx_loops(dY, W, dX, B, in, out, accumulate);
    return;
  }
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)in, (int)out, 1.0, dY,
              (int)out, W, (int)out, accumulate ? 1.0 : 0.0, dX, (int)in);
}

void nn_gemm_dw(const double *X, const double *dY, double *dW, double *db, size_t B, size_t in,
                size_t out) {
  if (B * in * out < NN_BLAS_MIN_MACS) {
    dw_loops(X, dY, dW, db, B, in, out);
    return;
  }
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)in, (int)out, (int)B, 1.0, X,
              (int)in, dY, (int)out, 1.0, dW, (int)out);
  if (db)
    for (size_t r = 0; r < B; r++) {
      const double *dy = dY + r * out;
      for (size_t o = 0; o < out; o++) db[o] += dy[o];
    }
}

void nn_set_blas_threads(int n) { openblas_set_num_threads(n > 0 ? n : 1); }
