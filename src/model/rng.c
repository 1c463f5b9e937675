#include "model/rng.h"

uint64_t mec_splitmix64(uint64_t x)
{
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

uint64_t mec_stream_seed(uint64_t run_seed, mec_stream_kind_t kind, uint64_t index)
{
  uint64_t s = mec_splitmix64(mec_splitmix64(run_seed) ^ mec_splitmix64(((uint64_t)kind << 56) ^ index));
  /* taus2 seeds are unsigned long; keep 32 significant bits mixed in, and avoid 0 */
  s ^= s >> 32;
  return s ? s : 1;
}

gsl_rng *mec_rng_new(uint64_t run_seed, mec_stream_kind_t kind, uint64_t index)
{
  gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
  if (r)
    gsl_rng_set(r, (unsigned long)mec_stream_seed(run_seed, kind, index));
  return r;
}

double mec_hash_u01(uint64_t seed, uint64_t key)
{
  uint64_t h = mec_splitmix64(mec_splitmix64(seed) ^ key);
  return (double)(h >> 11) * 0x1.0p-53;
}
