/* test_dtomalb_replay.c - the replay memory D of DTOMALB: capacity,
 * wrap-around, uniform sampling reproducible from the seed. */
#include "check.h"
#include "model/rng.h"
#include "policies/dtomalb/replay.h"
#include <string.h>

static void test_capacity_and_wraparound(void)
{
  CHECK(dtomalb_replay_new(0, 3) == NULL);
  CHECK(dtomalb_replay_new(5, 0) == NULL);
  dtomalb_replay_t *rb = dtomalb_replay_new(5, 3);
  CHECK(rb != NULL);
  if (!rb)
    return;
  CHECK(dtomalb_replay_size(rb) == 0);
  CHECK(dtomalb_replay_capacity(rb) == 5);
  CHECK(dtomalb_replay_row_len(rb) == 3);
  CHECK(dtomalb_replay_row(rb, 0) == NULL);
  for (int r = 0; r < 7; r++) {
    double row[3] = {r * 10.0, r * 10.0 + 1, r * 10.0 + 2};
    dtomalb_replay_push(rb, row);
    CHECK(dtomalb_replay_size(rb) == (size_t)(r + 1 < 5 ? r + 1 : 5));
  }
  CHECK(dtomalb_replay_pushed(rb) == 7);
  /* rows 5 and 6 overwrote the oldest, rows 0 and 1; 2..4 stay in place */
  const double *r0 = dtomalb_replay_row(rb, 0), *r1 = dtomalb_replay_row(rb, 1), *r2 = dtomalb_replay_row(rb, 2);
  CHECK(r0 && r0[0] == 50.0 && r0[2] == 52.0);
  CHECK(r1 && r1[0] == 60.0 && r1[1] == 61.0);
  CHECK(r2 && r2[0] == 20.0);
  CHECK(dtomalb_replay_row(rb, 4)[0] == 40.0);
  CHECK(dtomalb_replay_row(rb, 5) == NULL);
  /* the pushed row is copied: changing the caller's array changes nothing */
  double row[3] = {70, 71, 72};
  dtomalb_replay_push(rb, row);
  row[0] = -1;
  CHECK(dtomalb_replay_row(rb, 2)[0] == 70.0);
  dtomalb_replay_free(rb);
}

static void test_sampling(void)
{
  dtomalb_replay_t *rb = dtomalb_replay_new(8, 2);
  CHECK(rb != NULL);
  if (!rb)
    return;
  gsl_rng *g1 = mec_rng_new(11, MEC_STREAM_TRAINING, 0);
  gsl_rng *g2 = mec_rng_new(11, MEC_STREAM_TRAINING, 0);
  gsl_rng *g3 = mec_rng_new(12, MEC_STREAM_TRAINING, 0);
  size_t idx[64], idx2[64], idx3[64];
  double out[64 * 2];
  CHECK(dtomalb_replay_sample(rb, g1, 4, idx, out) == -1); /* empty */
  for (int r = 0; r < 5; r++) {
    double v[2] = {r, -r};
    dtomalb_replay_push(rb, v);
  }
  CHECK(dtomalb_replay_sample(rb, g1, 64, idx, out) == 0);
  CHECK(dtomalb_replay_sample(rb, g2, 64, idx2, NULL) == 0);
  CHECK(dtomalb_replay_sample(rb, g3, 64, idx3, NULL) == 0);
  CHECK(memcmp(idx, idx2, sizeof idx) == 0); /* same seed, same minibatch */
  CHECK(memcmp(idx, idx3, sizeof idx) != 0); /* another seed, another one */
  int in_range = 1, copied = 1;
  for (int b = 0; b < 64; b++) {
    in_range &= idx[b] < 5; /* only rows held: 3 slots are still empty */
    copied &= out[2 * b] == (double)idx[b] && out[2 * b + 1] == -(double)idx[b];
  }
  CHECK(in_range);
  CHECK(copied);

  /* uniform: 50000 draws over 5 rows; chi-square with 4 degrees of freedom
   * stays below 18.47 (p = 0.001) for a uniform sampler */
  long count[5] = {0};
  for (int k = 0; k < 50000 / 64 + 1; k++) {
    dtomalb_replay_sample(rb, g1, 64, idx, NULL);
    for (int b = 0; b < 64; b++)
      count[idx[b]]++;
  }
  double total = 0, chi2 = 0;
  for (int i = 0; i < 5; i++)
    total += count[i];
  for (int i = 0; i < 5; i++)
    chi2 += (count[i] - total / 5) * (count[i] - total / 5) / (total / 5);
  CHECK(chi2 < 18.47);
  gsl_rng_free(g1);
  gsl_rng_free(g2);
  gsl_rng_free(g3);
  dtomalb_replay_free(rb);
}

int main(void)
{
  RUN(test_capacity_and_wraparound);
  RUN(test_sampling);
  return CHECK_DONE();
}
