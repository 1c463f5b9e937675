/* test_rng.c - seeded streams: reproducible, distinct per (kind, index) and
 * per run seed; the stateless hash is uniform on [0, 1). */
#include "check.h"
#include "model/rng.h"

#include <stdlib.h>

static void test_splitmix_known_answer(void)
{
  /* SplitMix64 (Steele, Lea, Flood 2014) from state 0: first output */
  CHECK(mec_splitmix64(0) == 0xE220A8397B1DCDAFULL);
  CHECK(mec_splitmix64(1) != mec_splitmix64(2));
}

static void test_streams_reproducible(void)
{
  gsl_rng *a = mec_rng_new(123, MEC_STREAM_WORKLOAD, 17);
  gsl_rng *b = mec_rng_new(123, MEC_STREAM_WORKLOAD, 17);
  CHECK(a != NULL && b != NULL);
  int same = 1;
  for (int i = 0; i < 1000; i++)
    same &= gsl_rng_get(a) == gsl_rng_get(b);
  CHECK(same);
  CHECK(mec_stream_seed(123, MEC_STREAM_WORKLOAD, 17) == mec_stream_seed(123, MEC_STREAM_WORKLOAD, 17));
  CHECK(mec_stream_seed(123, MEC_STREAM_WORKLOAD, 17) != 0);
  gsl_rng_free(a);
  gsl_rng_free(b);
}

/* The first two 32-bit outputs of a stream, as one key: two streams that
 * share a key are (with overwhelming probability) the same stream, while two
 * distinct streams share it by chance with probability 2^-64. */
static uint64_t stream_key(uint64_t seed, mec_stream_kind_t kind, uint64_t index)
{
  gsl_rng *r = mec_rng_new(seed, kind, index);
  uint64_t hi = gsl_rng_get(r), lo = gsl_rng_get(r);
  gsl_rng_free(r);
  return hi << 32 | (lo & 0xFFFFFFFFULL);
}

static int cmp_u64(const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static size_t count_duplicates(uint64_t *v, size_t n)
{
  qsort(v, n, sizeof *v, cmp_u64);
  size_t dup = 0;
  for (size_t i = 1; i < n; i++)
    dup += v[i] == v[i - 1];
  return dup;
}

static void test_streams_distinct_per_kind_and_index(void)
{
  enum { KINDS = 5, PER_KIND = 2000 };
  uint64_t *keys = malloc(KINDS * PER_KIND * sizeof *keys);
  size_t n = 0;
  for (int k = 1; k <= KINDS; k++)
    for (uint64_t i = 0; i < PER_KIND; i++)
      keys[n++] = stream_key(99, (mec_stream_kind_t)k, i);
  CHECK(count_duplicates(keys, n) == 0);
  free(keys);
  /* the run seed changes every stream */
  int differ = 0;
  for (uint64_t i = 0; i < 100; i++)
    differ += stream_key(1, MEC_STREAM_FADING, i) != stream_key(2, MEC_STREAM_FADING, i);
  CHECK(differ == 100);
}

static void test_streams_distinct_at_scale(void)
{
  /* The design targets 10^5 devices, one workload stream each: no two may
   * draw the same workload. */
  enum { N = 100000 };
  uint64_t *keys = malloc(N * sizeof *keys);
  for (uint64_t i = 0; i < N; i++)
    keys[i] = stream_key(1, MEC_STREAM_WORKLOAD, i);
  size_t dup = count_duplicates(keys, N);
  if (dup)
    fprintf(stderr, "  %zu pairs of identical workload streams among %d devices (seed 1)\n", dup, N);
  CHECK(dup == 0);
  free(keys);
}

static void test_hash_u01(void)
{
  enum { N = 200000 };
  double sum = 0, lo = 1, hi = 0;
  int outside = 0, bins[10] = {0};
  for (uint64_t k = 0; k < N; k++) {
    double u = mec_hash_u01(2026, k);
    outside += !(u >= 0.0 && u < 1.0);
    if (u >= 0.0 && u < 1.0)
      bins[(int)(u * 10)]++;
    sum += u;
    lo = u < lo ? u : lo;
    hi = u > hi ? u : hi;
  }
  CHECK(outside == 0);
  CHECK_NEAR(sum / N, 0.5, 5 * 0.2887 / sqrt(N));
  CHECK(lo < 1e-4 && hi > 1 - 1e-4);
  for (int b = 0; b < 10; b++) /* 10% per decile, within 4 sigma */
    CHECK(fabs(bins[b] - N / 10.0) <= 4 * sqrt(N * 0.1 * 0.9));
  /* deterministic, and the seed matters */
  CHECK(mec_hash_u01(2026, 77) == mec_hash_u01(2026, 77));
  CHECK(mec_hash_u01(2026, 77) != mec_hash_u01(2027, 77));
  CHECK(mec_hash_u01(2026, 77) != mec_hash_u01(2026, 78));
}

int main(void)
{
  RUN(test_splitmix_known_answer);
  RUN(test_streams_reproducible);
  RUN(test_streams_distinct_per_kind_and_index);
  RUN(test_streams_distinct_at_scale);
  RUN(test_hash_u01);
  return CHECK_DONE();
}
