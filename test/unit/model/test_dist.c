/* test_dist.c - distribution strings: every accepted form, rejection of
 * malformed text with a message, sample means and the canonical format. */
#include "check.h"
#include "model/dist.h"
#include "model/rng.h"

#include <string.h>

static void test_accepts_each_form(void)
{
  mec_dist_t d;
  char err[256];
  CHECK(mec_dist_parse("const:3", &d, err, sizeof err) == 0);
  CHECK(d.kind == MEC_DIST_CONST && d.a == 3);
  CHECK(mec_dist_parse("2.5e6", &d, err, sizeof err) == 0); /* bare number */
  CHECK(d.kind == MEC_DIST_CONST && d.a == 2.5e6);
  CHECK(mec_dist_parse("uniform:800e6:1200e6", &d, err, sizeof err) == 0);
  CHECK(d.kind == MEC_DIST_UNIFORM && d.a == 800e6 && d.b == 1200e6);
  CHECK(mec_dist_parse("exp:0.5", &d, err, sizeof err) == 0);
  CHECK(d.kind == MEC_DIST_EXP && d.a == 0.5);
  CHECK(mec_dist_parse("normal:10:2", &d, err, sizeof err) == 0);
  CHECK(d.kind == MEC_DIST_NORMAL && d.a == 10 && d.b == 2);
  CHECK(mec_dist_parse("lognormal:0:0.5", &d, err, sizeof err) == 0);
  CHECK(d.kind == MEC_DIST_LOGNORMAL && d.a == 0 && d.b == 0.5);
  CHECK(mec_dist_parse("uniform:1:1", &d, err, sizeof err) == 0); /* degenerate but valid */
}

/* Parses `text`, expecting failure with a non-empty message containing
 * `needle`. */
static int rejected(const char *text, const char *needle)
{
  mec_dist_t d;
  char err[256] = "";
  int rc = mec_dist_parse(text, &d, err, sizeof err);
  if (rc == 0)
    fprintf(stderr, "  accepted malformed '%s'\n", text ? text : "(null)");
  return rc == -1 && err[0] != '\0' && strstr(err, needle) != NULL;
}

static void test_rejects_malformed(void)
{
  CHECK(rejected("gamma:1:2", "expected a number or"));
  CHECK(rejected("", "expected a number or"));
  CHECK(rejected("const", "const takes 1"));
  CHECK(rejected("const:abc", "const takes 1"));
  CHECK(rejected("const:1:2", "const takes 1"));
  CHECK(rejected("uniform:1", "uniform takes 2"));
  CHECK(rejected("uniform:1:2:3", "uniform takes 2"));
  CHECK(rejected("uniform:1:x", "uniform takes 2"));
  CHECK(rejected("uniform:1:inf", "uniform takes 2"));
  CHECK(rejected("exp:nan", "exp takes 1"));
  CHECK(rejected("uniform:2:1", "out of range")); /* B < A */
  CHECK(rejected("exp:0", "out of range"));
  CHECK(rejected("exp:-1", "out of range"));
  CHECK(rejected("normal:1:-1", "out of range"));
  CHECK(rejected("lognormal:0:-0.1", "out of range"));
  CHECK(rejected(NULL, "missing"));
  char longtext[400];
  memset(longtext, '1', sizeof longtext - 1);
  longtext[sizeof longtext - 1] = '\0';
  CHECK(rejected(longtext, "too long"));
  /* Empty fields are malformed too: a stray colon must not be skipped. */
  CHECK(rejected("uniform:1::2", "uniform"));
  CHECK(rejected("uniform:1:2:", "uniform"));
  CHECK(rejected("exp:1:", "exp"));
  CHECK(rejected(":exp:1", "exp"));
}

/* Mean of n draws. */
static double sample_mean(const char *text, int n, uint64_t index)
{
  mec_dist_t d;
  char err[256];
  if (mec_dist_parse(text, &d, err, sizeof err) != 0)
    return NAN;
  gsl_rng *rng = mec_rng_new(11, MEC_STREAM_WORKLOAD, index);
  double s = 0;
  for (int i = 0; i < n; i++)
    s += mec_dist_sample(&d, rng);
  gsl_rng_free(rng);
  return s / n;
}

static void test_sample_means(void)
{
  enum { N = 100000 };
  /* tolerances are about 5 standard errors (sd / sqrt(N)) */
  CHECK(sample_mean("const:4.25", 10, 0) == 4.25);
  CHECK_NEAR(sample_mean("uniform:1:3", N, 1), 2.0, 5 * 0.577 / sqrt(N));
  CHECK_NEAR(sample_mean("exp:0.5", N, 2), 0.5, 5 * 0.5 / sqrt(N));
  CHECK_NEAR(sample_mean("normal:10:2", N, 3), 10.0, 5 * 2.0 / sqrt(N));
  /* lognormal(0, 0.5): mean e^{0.125} = 1.1331, sd 1.1331 sqrt(e^{0.25} - 1) = 0.6039 */
  CHECK_NEAR(sample_mean("lognormal:0:0.5", N, 4), exp(0.125), 5 * 0.6039 / sqrt(N));
}

static void test_normal_is_positive(void)
{
  /* normal:1:1 has 16% of its mass below 0; draws are redrawn until positive */
  mec_dist_t d;
  char err[64];
  CHECK(mec_dist_parse("normal:1:1", &d, err, sizeof err) == 0);
  gsl_rng *rng = mec_rng_new(5, MEC_STREAM_WORKLOAD, 9);
  int nonpositive = 0;
  for (int i = 0; i < 20000; i++)
    nonpositive += mec_dist_sample(&d, rng) <= 0;
  gsl_rng_free(rng);
  CHECK(nonpositive == 0);
}

static void test_uniform_range(void)
{
  mec_dist_t d;
  char err[64];
  CHECK(mec_dist_parse("uniform:5:6", &d, err, sizeof err) == 0);
  gsl_rng *rng = mec_rng_new(5, MEC_STREAM_WORKLOAD, 10);
  int outside = 0;
  for (int i = 0; i < 20000; i++) {
    double x = mec_dist_sample(&d, rng);
    outside += x < 5 || x >= 6;
  }
  gsl_rng_free(rng);
  CHECK(outside == 0);
}

static void test_analytic_means(void)
{
  mec_dist_t d = {MEC_DIST_UNIFORM, 2, 4};
  CHECK(mec_dist_mean(&d) == 3);
  d = (mec_dist_t){MEC_DIST_EXP, 0.25, 0};
  CHECK(mec_dist_mean(&d) == 0.25);
  d = (mec_dist_t){MEC_DIST_LOGNORMAL, 1, 0.5};
  CHECK_REL(mec_dist_mean(&d), exp(1.125), 1e-12);
  d = (mec_dist_t){MEC_DIST_CONST, 7, 0};
  CHECK(mec_dist_mean(&d) == 7);
}

static void test_format_round_trip(void)
{
  const char *texts[] = {"const:0.1", "uniform:1e6:3.3e6", "exp:0.7", "normal:5:0.25", "lognormal:-1:2"};
  for (int i = 0; i < 5; i++) {
    mec_dist_t a, b;
    char err[128], buf[128];
    CHECK(mec_dist_parse(texts[i], &a, err, sizeof err) == 0);
    mec_dist_format(&a, buf, sizeof buf);
    CHECK(mec_dist_parse(buf, &b, err, sizeof err) == 0);
    CHECK(a.kind == b.kind && a.a == b.a && a.b == b.b);
    CHECK(strncmp(buf, texts[i], strchr(texts[i], ':') - texts[i] + 1) == 0); /* same kind name */
  }
}

int main(void)
{
  RUN(test_accepts_each_form);
  RUN(test_rejects_malformed);
  RUN(test_sample_means);
  RUN(test_normal_is_positive);
  RUN(test_uniform_range);
  RUN(test_analytic_means);
  RUN(test_format_round_trip);
  return CHECK_DONE();
}
