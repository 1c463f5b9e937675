/* test_association.c - best-channel association with hysteresis. */
#include "check.h"
#include "model/association.h"
#include "model/radio.h"

#include <math.h>

static void test_first_association_is_best(void)
{
  double g[3] = {1e-9, 4e-9, 2e-9};
  CHECK(mec_associate(g, 3, -1, 3.0) == 1); /* no BS yet: the best, whatever the hysteresis */
  CHECK(mec_associate(g, 3, -1, 100.0) == 1);
  double tie[3] = {2e-9, 2e-9, 1e-9};
  CHECK(mec_associate(tie, 3, -1, 0.0) == 0); /* ties: the lowest index */
}

static void test_hysteresis(void)
{
  /* 3 dB = x 1.99526: a BS 1.9x better does not take the device, 2.1x does */
  double g[2] = {1e-9, 1.9e-9};
  CHECK(mec_associate(g, 2, 0, 3.0) == 0);
  g[1] = 2.1e-9;
  CHECK(mec_associate(g, 2, 0, 3.0) == 1);
  /* exactly at the margin: stays (strictly better is required) */
  g[1] = 1e-9 * pow(10.0, 0.3);
  CHECK(mec_associate(g, 2, 0, 3.0) == 0);
  /* 0 dB: any better BS takes it; an equal one does not */
  double e[2] = {1e-9, 1e-9};
  CHECK(mec_associate(e, 2, 0, 0.0) == 0);
  e[1] = 1.0000001e-9;
  CHECK(mec_associate(e, 2, 0, 0.0) == 1);
}

static void test_corridor_walk(void)
{
  /* Two BSs 200 m apart, h = 3, 3 dB: walking from BS 0 to BS 1 the device
   * hands over where (d0 / d1)^3 > 10^0.3, i.e. d0 / d1 > 1.2589, at
   * x = 200 * 1.2589 / 2.2589 = 111.46 m; walking back, at 200 - 111.46. */
  int cur = -1, changes = 0;
  double first_switch = NAN;
  for (double x = 1; x <= 199; x += 0.01) {
    double g[2] = {mec_path_gain(1e-3, 1, x, 3), mec_path_gain(1e-3, 1, 200 - x, 3)};
    int b = mec_associate(g, 2, cur, 3.0);
    if (cur >= 0 && b != cur) {
      changes++;
      first_switch = x;
    }
    cur = b;
  }
  CHECK(changes == 1);
  double r = pow(10.0, 0.3 / 3.0);
  CHECK_NEAR(first_switch, 200 * r / (1 + r), 0.011);
  int back = cur, back_changes = 0;
  double back_switch = NAN;
  for (double x = 199; x >= 1; x -= 0.01) {
    double g[2] = {mec_path_gain(1e-3, 1, x, 3), mec_path_gain(1e-3, 1, 200 - x, 3)};
    int b = mec_associate(g, 2, back, 3.0);
    if (b != back) {
      back_changes++;
      back_switch = x;
    }
    back = b;
  }
  CHECK(back_changes == 1 && back == 0);
  CHECK_NEAR(back_switch, 200 - 200 * r / (1 + r), 0.011);
}

static void test_degenerate(void)
{
  double g[2] = {0, -1};
  CHECK(mec_associate(g, 2, -1, 3.0) == -1);
  CHECK(mec_associate(g, 0, -1, 3.0) == -1);
  double h[2] = {NAN, 1e-9};
  CHECK(mec_associate(h, 2, 0, 3.0) == 1); /* a current BS without a gain is left */
  CHECK(mec_associate(h, 2, 5, 3.0) == 1); /* an out-of-range current BS too */
}

int main(void)
{
  RUN(test_first_association_is_best);
  RUN(test_hysteresis);
  RUN(test_corridor_walk);
  RUN(test_degenerate);
  return CHECK_DONE();
}
