/* association.c - best-channel association with hysteresis (association.h). */
#include "model/association.h"

#include <math.h>

int mec_associate(const double *gain, int n_bs, int current, double hysteresis_db)
{
  int best = -1;
  for (int b = 0; b < n_bs; b++)
    if (gain[b] > 0 && (best < 0 || gain[b] > gain[best]))
      best = b;
  if (best < 0)
    return -1;
  if (current < 0 || current >= n_bs || !(gain[current] > 0))
    return best;
  /* in dB: 10 log10(g_best / g_cur) > hysteresis */
  return gain[best] > gain[current] * pow(10.0, hysteresis_db / 10.0) ? best : current;
}
