/* nn_error.c - the thread-local "last error" message of the nn library. */
#include "nn/nn_internal.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char nn_error_msg[1024];

const char *nn_last_error(void) { return nn_error_msg; }

int nn_fail(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(nn_error_msg, sizeof nn_error_msg, fmt, ap);
  va_end(ap);
  return code;
}
