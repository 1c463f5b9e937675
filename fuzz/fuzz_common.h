/* fuzz_common.h - helpers shared by the libFuzzer harnesses. */
#ifndef MECSIM_FUZZ_COMMON_H
#define MECSIM_FUZZ_COMMON_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A contract violation that is not a memory error: print it and abort, so
 * libFuzzer records the input as a crash. */
#define FUZZ_ASSERT(cond)                                                                   \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      fprintf(stderr, "%s:%d: contract violated: %s\n", __FILE__, __LINE__, #cond);         \
      abort();                                                                              \
    }                                                                                       \
  } while (0)

/* The input as a NUL-terminated heap string, of exactly size + 1 bytes (so
 * ASan sees a read past the end). NULL when the input holds a NUL byte: C
 * strings cannot carry one, and the parsers take C strings. */
static inline char *fuzz_cstring(const uint8_t *data, size_t size)
{
  if (memchr(data, '\0', size))
    return NULL;
  char *s = malloc(size + 1);
  if (!s)
    return NULL;
  memcpy(s, data, size);
  s[size] = '\0';
  return s;
}
#endif
