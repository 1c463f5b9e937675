/* test_scenario_mobility.c - the mobility knobs (scenario.c): the model
 * mec_scenario_mobility builds from them (default area around the BS, an
 * explicit area, every parameter carried over), and the validation messages,
 * each naming the knob at fault (mec_mobility_check's message after it). */
#include "check.h"
#include "model/mobility.h"
#include "model/scenario.h"

#include <stdlib.h>
#include <string.h>

static int set(mec_scenario_t *sc, const char *kv)
{
  char err[512];
  int rc = mec_scenario_set_kv(sc, kv, err, sizeof err);
  if (rc)
    fprintf(stderr, "  set %s: %s\n", kv, err);
  return rc;
}

/* Validates sc; returns 1 if it is refused with a message containing `want`. */
static int refused_with(const mec_scenario_t *sc, const char *want)
{
  char err[1024] = "";
  int rc = mec_scenario_validate(sc, err, sizeof err);
  if (rc == 0 || !strstr(err, want)) {
    fprintf(stderr, "  expected a refusal with \"%s\", got rc %d: %s\n", want, rc, err);
    return 0;
  }
  return strchr(err, '\n') == NULL; /* one line */
}

static void test_static_default(void)
{
  mec_scenario_t sc;
  mec_scenario_defaults(&sc);
  CHECK(strcmp(sc.mobility, "static") == 0);
  char err[512];
  CHECK(mec_scenario_validate(&sc, err, sizeof err) == 0);
  mec_mobility_t m;
  CHECK(mec_scenario_mobility(&sc, &m, err, sizeof err) == 0 && m.kind == MEC_MOBILITY_STATIC);
  /* static ignores the other models' parameters */
  CHECK(set(&sc, "gm_alpha=7") == 0 && set(&sc, "rwp_speed=exp:1") == 0);
  CHECK(mec_scenario_validate(&sc, err, sizeof err) == 0);
}

static void test_model_built(void)
{
  mec_scenario_t sc;
  mec_scenario_defaults(&sc);
  char err[512];
  mec_mobility_t m;
  CHECK(set(&sc, "mobility=rwp") == 0 && set(&sc, "cell_radius=250") == 0 && set(&sc, "bs_x=10") == 0 &&
        set(&sc, "bs_y=-20") == 0 && set(&sc, "rwp_speed=uniform:10:20") == 0 && set(&sc, "rwp_pause=exp:5") == 0 &&
        set(&sc, "rwp_start=uniform") == 0);
  CHECK(mec_scenario_validate(&sc, err, sizeof err) == 0);
  CHECK(mec_scenario_mobility(&sc, &m, err, sizeof err) == 0);
  CHECK(m.kind == MEC_MOBILITY_RWP && m.start == MEC_RWP_START_UNIFORM);
  CHECK(m.xmin == -240 && m.xmax == 260 && m.ymin == -270 && m.ymax == 230); /* square of half-side R around the BS */
  CHECK(m.speed.kind == MEC_DIST_UNIFORM && m.speed.a == 10 && m.speed.b == 20);
  CHECK(m.pause.kind == MEC_DIST_EXP && m.pause.a == 5);
  CHECK(set(&sc, "mobility_area= -5, 0 ,5,1e3") == 0);
  CHECK(mec_scenario_mobility(&sc, &m, err, sizeof err) == 0);
  CHECK(m.xmin == -5 && m.ymin == 0 && m.xmax == 5 && m.ymax == 1e3);
  CHECK(set(&sc, "mobility=gauss-markov") == 0 && set(&sc, "gm_alpha=0.9") == 0 && set(&sc, "gm_mean_speed=3") == 0 &&
        set(&sc, "gm_speed_sd=0.5") == 0 && set(&sc, "gm_mean_dir=1.5") == 0 && set(&sc, "gm_dir_sd=0.2") == 0 &&
        set(&sc, "gm_step=0.25") == 0 && set(&sc, "gm_edge=2") == 0);
  CHECK(mec_scenario_mobility(&sc, &m, err, sizeof err) == 0);
  CHECK(m.kind == MEC_MOBILITY_GAUSS_MARKOV && m.alpha == 0.9 && m.mean_speed == 3 && m.speed_sd == 0.5 &&
        m.mean_dir == 1.5 && m.dir_sd == 0.2 && m.step == 0.25 && m.edge == 2);
  CHECK(mec_mobility_check(&m, err, sizeof err) == 0);
  CHECK(set(&sc, "mobility=trace") == 0 && set(&sc, "mobility_file=pos.csv") == 0);
  CHECK(mec_scenario_validate(&sc, err, sizeof err) == 0); /* the file is loaded at set-up */
}

static void test_refusals(void)
{
  static const struct {
    const char *model, *kv, *want;
  } cases[] = {
      {"rwp", "rwp_speed=const:-1", "knob 'rwp_speed': mobility rwp: speed 'const:-1' m/s: expected speeds in (0, 10000]"},
      {"rwp", "rwp_speed=uniform:0:2", "knob 'rwp_speed': "},
      {"rwp", "rwp_speed=exp:2", "knob 'rwp_speed': mobility rwp: speed 'exp:2': a speed distribution with density at 0"},
      {"rwp", "rwp_pause=const:-3", "knob 'rwp_pause': "},
      {"rwp", "rwp_pause=normal:1:1", "knob 'rwp_pause': "},
      {"rwp", "mobility_area=0,0,0,1", "knob 'mobility_area': mobility rwp: area [0, 0] x [0, 1] m"},
      {"rwp", "mobility_area=0,0,1", "knob 'mobility_area' = '0,0,1': expected XMIN,YMIN,XMAX,YMAX"},
      {"rwp", "mobility_area=0,0,1,1,", "knob 'mobility_area' = '0,0,1,1,'"},
      {"rwp", "mobility_area=-2e9,0,1,1", "knob 'mobility_area': mobility rwp: xmin = -2e+09 m"},
      {"gauss-markov", "gm_alpha=1.5", "knob 'gm_alpha': mobility gauss-markov: alpha = 1.5: expected a finite number in [0, 1]"},
      {"gauss-markov", "gm_mean_speed=-1", "knob 'gm_mean_speed': "},
      {"gauss-markov", "gm_speed_sd=2e4", "knob 'gm_speed_sd': "},
      {"gauss-markov", "gm_mean_dir=1e4", "knob 'gm_mean_dir': "},
      {"gauss-markov", "gm_dir_sd=-1", "knob 'gm_dir_sd': "},
      {"gauss-markov", "gm_step=0", "knob 'gm_step': "},
      {"gauss-markov", "gm_edge=100", "knob 'gm_edge': mobility gauss-markov: edge = 100 m"},
      {"trace", "mobility_file=", "mobility=trace needs knob 'mobility_file'"},
      {"rwp", "mobility_update=-1", "knob 'mobility_update' = -1"},
      {"rwp", "mobility_update=0.0005", "knob 'mobility_update' = 0.0005"},
      {"static", "mobility_update=1e13", "knob 'mobility_update' = 1e+13"},
      {"static", "bs_x=2e9", "knob 'bs_x' = 2e+09"},
      {"static", "mobility_samples_max=-5", "knob 'mobility_samples_max' = -5"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    mec_scenario_t sc;
    mec_scenario_defaults(&sc);
    char kv[64];
    snprintf(kv, sizeof kv, "mobility=%s", cases[i].model);
    CHECK(set(&sc, kv) == 0 && set(&sc, cases[i].kv) == 0);
    CHECK(refused_with(&sc, cases[i].want));
  }
  mec_scenario_t sc;
  mec_scenario_defaults(&sc);
  char err[512];
  CHECK(mec_scenario_set_kv(&sc, "mobility=walk", err, sizeof err) == -1 &&
        strstr(err, "knob 'mobility': expected one of static|rwp|gauss-markov|trace, got 'walk'"));
  CHECK(mec_scenario_set_kv(&sc, "rwp_start=random", err, sizeof err) == -1 && strstr(err, "knob 'rwp_start'"));
  CHECK(mec_scenario_set_kv(&sc, "gm_alpha=x", err, sizeof err) == -1 && strstr(err, "knob 'gm_alpha'"));
  /* mobility_update 0 (start only) and the documented bounds are accepted */
  CHECK(set(&sc, "mobility=rwp") == 0 && set(&sc, "mobility_update=0") == 0);
  CHECK(mec_scenario_validate(&sc, err, sizeof err) == 0);
  CHECK(set(&sc, "mobility_update=0.001") == 0 && mec_scenario_validate(&sc, err, sizeof err) == 0);
}

int main(void)
{
  RUN(test_static_default);
  RUN(test_model_built);
  RUN(test_refusals);
  return CHECK_DONE();
}
