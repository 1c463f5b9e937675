/* check.h - a minimal unit-test harness (header only).
 *
 * Each test file defines `static void test_xxx(void)` functions and a main
 * that runs them with RUN(test_xxx) and returns CHECK_DONE(). The closing
 * line "N passed, N failed" is what CI reads; the exit code is non-zero when
 * any check failed. */
#ifndef MECSIM_TEST_CHECK_H
#define MECSIM_TEST_CHECK_H
#include <math.h>
#include <stdio.h>

static int check_passed_ = 0, check_failed_ = 0;
static const char *check_current_ = "";

#define CHECK(cond)                                                                    \
  do {                                                                                 \
    if (cond) {                                                                        \
      check_passed_++;                                                                 \
    } else {                                                                           \
      check_failed_++;                                                                 \
      fprintf(stderr, "%s:%d: [%s] CHECK failed: %s\n", __FILE__, __LINE__,            \
              check_current_, #cond);                                                  \
    }                                                                                  \
  } while (0)

/* |a - b| <= tol, printing both values on failure. */
#define CHECK_NEAR(a, b, tol)                                                          \
  do {                                                                                 \
    double ca_ = (double)(a), cb_ = (double)(b), ct_ = (double)(tol);                  \
    if (fabs(ca_ - cb_) <= ct_) {                                                      \
      check_passed_++;                                                                 \
    } else {                                                                           \
      check_failed_++;                                                                 \
      fprintf(stderr, "%s:%d: [%s] CHECK_NEAR failed: %s = %.17g, %s = %.17g, tol %g\n", \
              __FILE__, __LINE__, check_current_, #a, ca_, #b, cb_, ct_);              \
    }                                                                                  \
  } while (0)

/* Relative error |a - b| / max(|a|, |b|, tiny) <= rtol. */
#define CHECK_REL(a, b, rtol)                                                          \
  do {                                                                                 \
    double ca_ = (double)(a), cb_ = (double)(b), cr_ = (double)(rtol);                 \
    double cd_ = fmax(fmax(fabs(ca_), fabs(cb_)), 1e-300);                             \
    if (fabs(ca_ - cb_) / cd_ <= cr_) {                                                \
      check_passed_++;                                                                 \
    } else {                                                                           \
      check_failed_++;                                                                 \
      fprintf(stderr, "%s:%d: [%s] CHECK_REL failed: %s = %.17g, %s = %.17g, rtol %g\n", \
              __FILE__, __LINE__, check_current_, #a, ca_, #b, cb_, cr_);              \
    }                                                                                  \
  } while (0)

#define RUN(fn)                                                                        \
  do {                                                                                 \
    check_current_ = #fn;                                                              \
    fn();                                                                              \
  } while (0)

#define CHECK_DONE()                                                                   \
  (printf("%d passed, %d failed\n", check_passed_, check_failed_), check_failed_ ? 1 : 0)

#endif
