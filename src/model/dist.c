#include "model/dist.h"
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_num(const char *s, double *v)
{
  char *end;
  if (!s || !*s)
    return -1;
  *v = strtod(s, &end);
  return (*end == '\0' && isfinite(*v)) ? 0 : -1;
}

int mec_dist_parse(const char *text, mec_dist_t *out, char *err, size_t errlen)
{
  static const struct { const char *name; mec_dist_kind_t kind; int nparams; } kinds[] = {
      {"const", MEC_DIST_CONST, 1},   {"uniform", MEC_DIST_UNIFORM, 2},     {"exp", MEC_DIST_EXP, 1},
      {"normal", MEC_DIST_NORMAL, 2}, {"lognormal", MEC_DIST_LOGNORMAL, 2},
  };
  char buf[256];
  double p[2] = {0, 0};
  if (!text || strlen(text) >= sizeof buf) {
    snprintf(err, errlen, "distribution text missing or too long");
    return -1;
  }
  if (parse_num(text, &p[0]) == 0) { /* bare number */
    out->kind = MEC_DIST_CONST;
    out->a = p[0];
    out->b = 0;
    return 0;
  }
  strcpy(buf, text);
  char *rest = buf;
  char *name = strsep(&rest, ":"); /* strsep, unlike strtok, keeps empty fields */
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
    if (!name || strcmp(name, kinds[k].name) != 0)
      continue;
    int n = 0;
    char *tok;
    while ((tok = strsep(&rest, ":")) != NULL) {
      if (n >= kinds[k].nparams || parse_num(tok, &p[n]) != 0) {
        snprintf(err, errlen, "'%s': %s takes %d numeric parameter(s)", text, kinds[k].name, kinds[k].nparams);
        return -1;
      }
      n++;
    }
    if (n != kinds[k].nparams) {
      snprintf(err, errlen, "'%s': %s takes %d numeric parameter(s)", text, kinds[k].name, kinds[k].nparams);
      return -1;
    }
    out->kind = kinds[k].kind;
    out->a = p[0];
    out->b = p[1];
    if ((out->kind == MEC_DIST_UNIFORM && out->b < out->a) || (out->kind == MEC_DIST_EXP && out->a <= 0) ||
        ((out->kind == MEC_DIST_NORMAL || out->kind == MEC_DIST_LOGNORMAL) && out->b < 0)) {
      snprintf(err, errlen, "'%s': parameters out of range", text);
      return -1;
    }
    return 0;
  }
  snprintf(err, errlen, "'%s': expected a number or const:X, uniform:A:B, exp:MEAN, normal:MU:SIGMA, lognormal:MU:SIGMA",
           text);
  return -1;
}

double mec_dist_sample(const mec_dist_t *d, gsl_rng *rng)
{
  switch (d->kind) {
  case MEC_DIST_CONST:
    return d->a;
  case MEC_DIST_UNIFORM:
    return d->a + (d->b - d->a) * gsl_rng_uniform(rng);
  case MEC_DIST_EXP:
    return gsl_ran_exponential(rng, d->a);
  case MEC_DIST_NORMAL: {
    if (d->a <= 0 && d->b == 0)
      return 0.0;
    for (int tries = 0; tries < 1000; tries++) {
      double x = d->a + gsl_ran_gaussian(rng, d->b);
      if (x > 0)
        return x;
    }
    return d->a > 0 ? d->a : 0.0;
  }
  case MEC_DIST_LOGNORMAL:
    return gsl_ran_lognormal(rng, d->a, d->b);
  }
  return d->a;
}

double mec_dist_mean(const mec_dist_t *d)
{
  switch (d->kind) {
  case MEC_DIST_CONST:
    return d->a;
  case MEC_DIST_UNIFORM:
    return 0.5 * (d->a + d->b);
  case MEC_DIST_EXP:
    return d->a;
  case MEC_DIST_NORMAL:
    return d->a; /* ignores the truncation at 0, negligible when MU >> SIGMA */
  case MEC_DIST_LOGNORMAL:
    return exp(d->a + 0.5 * d->b * d->b);
  }
  return d->a;
}

double mec_dist_max(const mec_dist_t *d)
{
  switch (d->kind) {
  case MEC_DIST_CONST:
    return d->a;
  case MEC_DIST_UNIFORM:
    return d->b;
  case MEC_DIST_EXP:
    return 40.0 * d->a;
  case MEC_DIST_NORMAL:
    return d->a + 40.0 * d->b;
  case MEC_DIST_LOGNORMAL:
    return exp(d->a + 40.0 * d->b);
  }
  return d->a;
}

void mec_dist_format(const mec_dist_t *d, char *buf, size_t size)
{
  switch (d->kind) {
  case MEC_DIST_CONST:
    snprintf(buf, size, "const:%.17g", d->a);
    break;
  case MEC_DIST_UNIFORM:
    snprintf(buf, size, "uniform:%.17g:%.17g", d->a, d->b);
    break;
  case MEC_DIST_EXP:
    snprintf(buf, size, "exp:%.17g", d->a);
    break;
  case MEC_DIST_NORMAL:
    snprintf(buf, size, "normal:%.17g:%.17g", d->a, d->b);
    break;
  case MEC_DIST_LOGNORMAL:
    snprintf(buf, size, "lognormal:%.17g:%.17g", d->a, d->b);
    break;
  }
}
