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
  return s ? s : 1;
}

/* xoshiro256++ (Blackman & Vigna) as a GSL generator type: 32 bytes of state
 * seeded from the full 64-bit stream seed. GSL's own small generators (taus2)
 * keep only 32 bits of the seed, so 10^5 streams would collide by the
 * birthday bound; mt19937 would cost 5 KB per device. */
typedef struct {
  uint64_t s[4];
} xoshiro_state_t;

static inline uint64_t rotl(uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

static void xoshiro_set(void *vstate, unsigned long seed)
{
  xoshiro_state_t *st = vstate;
  uint64_t x = (uint64_t)seed;
  for (int i = 0; i < 4; i++) {
    x += 0x9E3779B97F4A7C15ULL;
    st->s[i] = mec_splitmix64(x);
  }
}

static inline uint64_t xoshiro_next(xoshiro_state_t *st)
{
  uint64_t *s = st->s;
  uint64_t result = rotl(s[0] + s[3], 23) + s[0];
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

static unsigned long xoshiro_get(void *vstate)
{
  return (unsigned long)(xoshiro_next(vstate) >> 32); /* GSL integers: 32 bits, max below */
}

static double xoshiro_get_double(void *vstate)
{
  return (double)(xoshiro_next(vstate) >> 11) * 0x1.0p-53; /* [0, 1) */
}

static const gsl_rng_type xoshiro_type = {"mec_xoshiro256pp", 0xFFFFFFFFUL, 0, sizeof(xoshiro_state_t),
                                          xoshiro_set, xoshiro_get, xoshiro_get_double};
const gsl_rng_type *mec_rng_type = &xoshiro_type;

gsl_rng *mec_rng_new(uint64_t run_seed, mec_stream_kind_t kind, uint64_t index)
{
  gsl_rng *r = gsl_rng_alloc(mec_rng_type);
  if (r)
    gsl_rng_set(r, (unsigned long)mec_stream_seed(run_seed, kind, index));
  return r;
}

double mec_hash_u01(uint64_t seed, uint64_t key)
{
  uint64_t h = mec_splitmix64(mec_splitmix64(seed) ^ key);
  return (double)(h >> 11) * 0x1.0p-53;
}
