/* nn_internal.h - structures shared by the nn library's source files (not
 * part of the public API; include "nn/nn.h" from outside src/nn). */
#ifndef MECSIM_NN_INTERNAL_H
#define MECSIM_NN_INTERNAL_H
#include "nn/nn.h"

/* Record a failure message (printf format) and return `code`. */
int nn_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
