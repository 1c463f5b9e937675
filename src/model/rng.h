/* rng.h - reproducible random streams.
 *
 * Every actor (and every purpose inside an actor) draws from its own stream,
 * derived from the run seed and a (kind, index) pair, so adding a device does
 * not change the draws of the others. Streams are xoshiro256++ generators
 * wrapped as a GSL rng type (mec_rng_type): 32 bytes of state, a full 64-bit
 * seed, so 10^5 streams neither collide nor cost much memory. */
#ifndef MECSIM_RNG_H
#define MECSIM_RNG_H
#include <gsl/gsl_rng.h>
#include <stdint.h>

/* Purposes of streams; the value is mixed into the derived seed. */
typedef enum {
  MEC_STREAM_WORKLOAD = 1, /* task arrivals and sizes, one per MD */
  MEC_STREAM_FADING = 2,   /* channel fading, one per MD */
  MEC_STREAM_PLACEMENT = 3,/* MD positions when the platform gives none */
  MEC_STREAM_POLICY = 4,   /* a policy's own randomness */
  MEC_STREAM_TRAINING = 5  /* training loops (replay sampling, exploration) */
} mec_stream_kind_t;

/* SplitMix64 step: a well-mixed 64-bit function of x. */
uint64_t mec_splitmix64(uint64_t x);

/* GSL generator type used for every stream. */
extern const gsl_rng_type *mec_rng_type;

/* 64-bit seed of stream (kind, index) for a run seed. Never returns 0. */
uint64_t mec_stream_seed(uint64_t run_seed, mec_stream_kind_t kind, uint64_t index);

/* New GSL generator for stream (kind, index); free with gsl_rng_free. NULL on
 * allocation failure. */
gsl_rng *mec_rng_new(uint64_t run_seed, mec_stream_kind_t kind, uint64_t index);

/* Uniform double in [0, 1) that depends only on (seed, key): stateless
 * randomness for per-task choices, independent of event order. */
double mec_hash_u01(uint64_t seed, uint64_t key);
#endif
