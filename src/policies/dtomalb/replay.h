/* replay.h - experience replay memory D of DTOMALB (Table 1, lines 1, 13, 15)
 * and of the DQN baselines: a ring buffer of fixed-length rows of doubles.
 *
 * A row is whatever the trainer packs into it (observations, actions,
 * rewards, next observations). When full, a push overwrites the oldest row.
 * Sampling is uniform with replacement over the rows held, drawn from the
 * caller's GSL stream, so it is reproducible from the training seed. */
#ifndef MECSIM_DTOMALB_REPLAY_H
#define MECSIM_DTOMALB_REPLAY_H
#include <gsl/gsl_rng.h>
#include <stddef.h>

typedef struct dtomalb_replay dtomalb_replay_t;

/* New empty buffer of `capacity` rows of `row_len` doubles. NULL if either
 * is 0 or out of memory. Free with dtomalb_replay_free. */
dtomalb_replay_t *dtomalb_replay_new(size_t capacity, size_t row_len);
void dtomalb_replay_free(dtomalb_replay_t *rb);

/* Copies row_len doubles into the next slot (overwriting the oldest when
 * full). */
void dtomalb_replay_push(dtomalb_replay_t *rb, const double *row);

size_t dtomalb_replay_size(const dtomalb_replay_t *rb);     /* rows held, <= capacity */
size_t dtomalb_replay_capacity(const dtomalb_replay_t *rb);
size_t dtomalb_replay_row_len(const dtomalb_replay_t *rb);
size_t dtomalb_replay_pushed(const dtomalb_replay_t *rb);   /* rows ever pushed */

/* Row at storage index i (0 <= i < size); owned by the buffer, valid until
 * the next push. Storage index = (push number) mod capacity. */
const double *dtomalb_replay_row(const dtomalb_replay_t *rb, size_t i);

/* Draws `batch` storage indices uniformly (with replacement) into idx and
 * copies the rows into out (batch x row_len) if out != NULL. Returns 0, or
 * -1 when the buffer is empty. */
int dtomalb_replay_sample(const dtomalb_replay_t *rb, gsl_rng *rng, size_t batch, size_t *idx, double *out);
#endif
