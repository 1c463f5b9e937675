/* fuzz_dist.c - libFuzzer harness of the distribution parser (src/model/dist.c).
 *
 * The input is the distribution text. Checks: mec_dist_parse returns 0 or -1,
 * -1 comes with a message; what parses samples (16 draws, none NaN), has a
 * mean, and its canonical form (mec_dist_format) parses back to the same
 * distribution. */
#include "fuzz_common.h"
#include "model/dist.h"
#include "model/rng.h"
#include <math.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static gsl_rng *rng;
  if (!rng)
    rng = gsl_rng_alloc(mec_rng_type);
  char *text = fuzz_cstring(data, size);
  if (!text)
    return 0;
  mec_dist_t d;
  char err[512] = "";
  int rc = mec_dist_parse(text, &d, err, sizeof err);
  FUZZ_ASSERT(rc == 0 || rc == -1);
  if (rc != 0) {
    FUZZ_ASSERT(err[0] != '\0');
  } else {
    FUZZ_ASSERT(isfinite(d.a) && isfinite(d.b));
    gsl_rng_set(rng, 1 + size);
    for (int k = 0; k < 16; k++)
      FUZZ_ASSERT(!isnan(mec_dist_sample(&d, rng)));
    volatile double mean = mec_dist_mean(&d);
    (void)mean;
    char canon[256];
    mec_dist_t back;
    mec_dist_format(&d, canon, sizeof canon);
    FUZZ_ASSERT(mec_dist_parse(canon, &back, err, sizeof err) == 0);
    FUZZ_ASSERT(back.kind == d.kind && back.a == d.a && back.b == d.b);
  }
  free(text);
  return 0;
}
