/* replay.c - ring-buffer replay memory; see replay.h. */
#include "policies/dtomalb/replay.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct dtomalb_replay {
  size_t capacity, row_len;
  size_t size;    /* rows held */
  size_t pushed;  /* rows ever pushed; next slot = pushed % capacity */
  double *data;   /* capacity x row_len */
};

dtomalb_replay_t *dtomalb_replay_new(size_t capacity, size_t row_len)
{
  if (capacity == 0 || row_len == 0 || capacity > SIZE_MAX / row_len / sizeof(double))
    return NULL;
  dtomalb_replay_t *rb = calloc(1, sizeof *rb);
  if (!rb)
    return NULL;
  rb->data = malloc(capacity * row_len * sizeof(double));
  if (!rb->data) {
    free(rb);
    return NULL;
  }
  rb->capacity = capacity;
  rb->row_len = row_len;
  return rb;
}

void dtomalb_replay_free(dtomalb_replay_t *rb)
{
  if (!rb)
    return;
  free(rb->data);
  free(rb);
}

void dtomalb_replay_push(dtomalb_replay_t *rb, const double *row)
{
  size_t slot = rb->pushed % rb->capacity;
  memcpy(rb->data + slot * rb->row_len, row, rb->row_len * sizeof(double));
  rb->pushed++;
  if (rb->size < rb->capacity)
    rb->size++;
}

size_t dtomalb_replay_size(const dtomalb_replay_t *rb) { return rb->size; }
size_t dtomalb_replay_capacity(const dtomalb_replay_t *rb) { return rb->capacity; }
size_t dtomalb_replay_row_len(const dtomalb_replay_t *rb) { return rb->row_len; }
size_t dtomalb_replay_pushed(const dtomalb_replay_t *rb) { return rb->pushed; }

const double *dtomalb_replay_row(const dtomalb_replay_t *rb, size_t i)
{
  return i < rb->size ? rb->data + i * rb->row_len : NULL;
}

int dtomalb_replay_sample(const dtomalb_replay_t *rb, gsl_rng *rng, size_t batch, size_t *idx, double *out)
{
  if (rb->size == 0)
    return -1;
  for (size_t b = 0; b < batch; b++) {
    /* gsl_rng_uniform_int is exactly uniform on [0, n) (rejection), and
     * size fits in unsigned long on every platform we build on */
    size_t i = (size_t)gsl_rng_uniform_int(rng, (unsigned long)rb->size);
    idx[b] = i;
    if (out)
      memcpy(out + b * rb->row_len, rb->data + i * rb->row_len, rb->row_len * sizeof(double));
  }
  return 0;
}
