/* dist.h - random distributions given as short strings on the command line
 * or in deployment files.
 *
 *   "const:X"          always X
 *   "uniform:A:B"      uniform on [A, B)
 *   "exp:MEAN"         exponential with the given mean
 *   "normal:MU:SIGMA"  normal, redrawn until positive (sizes cannot be negative)
 *   "lognormal:MU:SIGMA"  exp(N(MU, SIGMA))
 *   "X"                a bare number is "const:X"
 */
#ifndef MECSIM_DIST_H
#define MECSIM_DIST_H
#include <gsl/gsl_rng.h>
#include <stddef.h>

typedef enum { MEC_DIST_CONST, MEC_DIST_UNIFORM, MEC_DIST_EXP, MEC_DIST_NORMAL, MEC_DIST_LOGNORMAL } mec_dist_kind_t;

typedef struct mec_dist {
  mec_dist_kind_t kind;
  double a, b;
} mec_dist_t;

/* Parses `text`. Returns 0 on success; -1 with a reason in err otherwise
 * (unknown kind, wrong number of parameters, non-numeric, or a parameter that
 * makes no sense such as a negative mean or B < A). */
int mec_dist_parse(const char *text, mec_dist_t *out, char *err, size_t errlen);

/* Draws one value. */
double mec_dist_sample(const mec_dist_t *d, gsl_rng *rng);

/* Mean of the distribution (used by policies that predict). */
double mec_dist_mean(const mec_dist_t *d);

/* A bound no draw exceeds in practice: the support's upper end, or for the
 * unbounded kinds the value 40 scale units above the location (GSL's
 * exponential and Gaussian draws stay within ~37 and ~13 units). May be
 * +inf: the parameters then overflow doubles. */
double mec_dist_max(const mec_dist_t *d);

/* Writes the canonical text form ("uniform:1:2") into buf. */
void mec_dist_format(const mec_dist_t *d, char *buf, size_t size);
#endif
