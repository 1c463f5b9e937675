/* test_model_files.c - DTOMALB model files are untrusted input: a valid file,
 * copied and corrupted with the HDF5 C API (non-finite weights, scales and
 * environment values; n_md of 2^31 - 1 and 2^32 + 5; negative, mistyped and
 * inconsistent sizes; widths that disagree with the datasets), is refused by
 * dtomalb_model_load and by the policy's init with one message naming the
 * file and the attribute or dataset, quickly and without a large
 * allocation; the valid file still loads bit-identically. */
#include "check.h"
#include "policies/dtomalb/model.h"
#include "policies/policy.h"
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern const mec_policy_ops_t mec_policy_dtomalb;

#define N_MD 3
#define N_SRV 2

static char good[256], bad[256];
static dtomalb_model_t *orig;

static int copy_file(const char *src, const char *dst)
{
  FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
  int ok = in && out;
  char buf[8192];
  size_t n;
  while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
    ok = fwrite(buf, 1, n, out) == n;
  if (in)
    fclose(in);
  if (out)
    fclose(out);
  return ok ? 0 : -1;
}

/* Element `index` (row-major) of dataset `dset` := v. */
static int set_value(const char *file, const char *dset, size_t index, double v)
{
  hid_t f = H5Fopen(file, H5F_ACC_RDWR, H5P_DEFAULT);
  hid_t d = H5Dopen2(f, dset, H5P_DEFAULT);
  hid_t fs = H5Dget_space(d), ms = H5Screate(H5S_SCALAR);
  hsize_t dims[2] = {0, 0}, coord[2];
  int rank = H5Sget_simple_extent_dims(fs, dims, NULL);
  if (rank == 2)
    coord[0] = index / dims[1], coord[1] = index % dims[1];
  else
    coord[0] = index;
  herr_t rc = H5Sselect_elements(fs, H5S_SELECT_SET, 1, coord);
  if (rc >= 0)
    rc = H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, &v);
  H5Sclose(ms), H5Sclose(fs), H5Dclose(d), H5Fclose(f);
  return rc < 0 ? -1 : 0;
}

/* (Re)writes attribute `name` of object `obj` with n values of file type ft. */
static int set_attr(const char *file, const char *obj, const char *name, hid_t ft, hid_t mt, const void *v, hsize_t n)
{
  hid_t f = H5Fopen(file, H5F_ACC_RDWR, H5P_DEFAULT);
  hid_t o = H5Oopen(f, obj, H5P_DEFAULT);
  if (H5Aexists(o, name) > 0)
    H5Adelete(o, name);
  hid_t sp = n == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, NULL);
  hid_t a = H5Acreate2(o, name, ft, sp, H5P_DEFAULT, H5P_DEFAULT);
  herr_t rc = a < 0 ? -1 : H5Awrite(a, mt, v);
  if (a >= 0)
    H5Aclose(a);
  H5Sclose(sp), H5Oclose(o), H5Fclose(f);
  return rc < 0 ? -1 : 0;
}
static int set_i64(const char *file, const char *obj, const char *name, long long v)
{
  return set_attr(file, obj, name, H5T_STD_I64LE, H5T_NATIVE_LLONG, &v, 1);
}
static int set_f64(const char *file, const char *obj, const char *name, double v)
{
  return set_attr(file, obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v, 1);
}

static double now_s(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static mec_md_info_t mds[N_MD];
static mec_server_info_t srv[N_SRV];
static mec_system_t make_system(void)
{
  for (int n = 0; n < N_MD; n++)
    mds[n] = (mec_md_info_t){.cpu_hz = 3e8, .tx_power_w = 0.5, .up_rate_bps = 2e7};
  for (int s = 0; s < N_SRV; s++)
    srv[s] = (mec_server_info_t){.cpu_hz = 12e9, .cores = 1};
  mec_system_t s = {.n_md = N_MD, .n_servers = N_SRV, .md = mds, .server = srv, .bandwidth_hz = 20e6,
                    .noise_w_per_hz = 4e-21};
  return s;
}

/* `bad` is refused by dtomalb_model_load (within a second) and by the
 * policy, with a message "model 'bad': ..." holding both needles. */
static void expect_refused(const char *needle, const char *needle2)
{
  char err[1024] = "", want[300];
  snprintf(want, sizeof want, "model '%s': ", bad);
  double t0 = now_s();
  dtomalb_model_t *m = dtomalb_model_load(bad, err, sizeof err);
  double dt = now_s() - t0;
  CHECK(m == NULL);
  dtomalb_model_free(m);
  printf("  %s (%.3f s)\n", err, dt);
  CHECK(dt < 1.0);
  CHECK(strncmp(err, want, strlen(want)) == 0);
  CHECK(strstr(err, needle) != NULL);
  CHECK(!needle2 || strstr(err, needle2) != NULL);
  /* the policy reports the loader's line as is (mecsim adds "policy 'dtomalb': ") */
  mec_system_t sys = make_system();
  mec_policy_cfg_t cfg = {.seed = 1, .args = "", .model_in = bad};
  void *st = NULL;
  mec_policy_set_error("%s", "");
  CHECK(mec_policy_dtomalb.init(&st, &cfg, &sys) < 0);
  CHECK(st == NULL);
  CHECK(strncmp(mec_policy_error(), want, strlen(want)) == 0);
  CHECK(strstr(mec_policy_error(), needle) != NULL);
}

static void test_valid_file_loads_bit_identically(void)
{
  char err[1024] = "";
  dtomalb_model_t *m = dtomalb_model_load(good, err, sizeof err);
  CHECK(m != NULL);
  if (!m || !orig) {
    fprintf(stderr, "  %s\n", err);
    dtomalb_model_free(m);
    return;
  }
  CHECK(m->n_md == N_MD && m->n_servers == N_SRV && m->hidden == 8 && m->n_nets == N_MD);
  CHECK(m->train_seed == orig->train_seed && m->episodes == orig->episodes);
  CHECK(memcmp(&m->scale, &orig->scale, sizeof m->scale) == 0);
  for (int k = 0; k < N_MD; k++) {
    size_t a = 0, b = 0;
    const double *p = nn_net_params(orig->net[k], &a), *q = nn_net_params(m->net[k], &b);
    CHECK(a == b && a > 0 && memcmp(p, q, a * sizeof *p) == 0);
  }
  dtomalb_model_free(m);
}

static void test_nonfinite_weights(void)
{
  /* net_001 layer_004 is the output layer, W 8 x 3: index 17 is [5, 2] */
  CHECK(copy_file(good, bad) == 0 && set_value(bad, "/net_001/layer_004/W", 17, NAN) == 0);
  expect_refused("dataset '/net_001/layer_004/W': non-finite value (nan) at index 17 ([5, 2])", NULL);
  CHECK(copy_file(good, bad) == 0 && set_value(bad, "/net_002/layer_000/W", 0, INFINITY) == 0);
  expect_refused("dataset '/net_002/layer_000/W': non-finite value (inf) at index 0", NULL);
  CHECK(copy_file(good, bad) == 0 && set_value(bad, "/net_000/layer_002/b", 7, -INFINITY) == 0);
  expect_refused("dataset '/net_000/layer_002/b': non-finite value (-inf) at index 7", NULL);
}

static void test_nonfinite_attributes(void)
{
  CHECK(copy_file(good, bad) == 0 && set_f64(bad, "/", "scale_time_s", NAN) == 0);
  expect_refused("attribute 'scale_time_s' of '/': non-finite value", NULL);
  CHECK(copy_file(good, bad) == 0 && set_f64(bad, "/", "scale_bits", -1.0) == 0);
  expect_refused("attribute 'scale_bits' of '/' is -1, observation scales must be > 0", NULL);
  double hz[N_SRV] = {12e9, INFINITY};
  CHECK(copy_file(good, bad) == 0 &&
        set_attr(bad, "/", "env_server_hz", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, hz, N_SRV) == 0);
  expect_refused("attribute 'env_server_hz' of '/': non-finite value (inf) at index 1", NULL);
  CHECK(copy_file(good, bad) == 0 &&
        set_attr(bad, "/", "env_server_hz", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, hz, 1) == 0);
  expect_refused("attribute 'env_server_hz' of '/' holds 1 values, expected 2", NULL);
  CHECK(copy_file(good, bad) == 0 && set_f64(bad, "/", "env_slot_s", 0.0) == 0);
  expect_refused("training environment: ", "slot length");
}

static void test_bad_sizes(void)
{
  /* 2^31 - 1 MDs: refused at once, not after allocating for them */
  CHECK(copy_file(good, bad) == 0 && set_i64(bad, "/", "n_md", 2147483647LL) == 0);
  expect_refused("attribute 'n_md' of '/' is 2147483647, outside 1..1000000", NULL);
  CHECK(copy_file(good, bad) == 0 && set_i64(bad, "/", "n_md", 2147483647LL) == 0 &&
        set_i64(bad, "/", "n_nets", 2147483647LL) == 0);
  expect_refused("attribute 'n_md' of '/' is 2147483647", NULL);
  /* 2^32 + 5 stored in 64 bits is not 5 */
  CHECK(copy_file(good, bad) == 0 && set_i64(bad, "/", "n_md", 4294967301LL) == 0);
  expect_refused("attribute 'n_md' of '/' is 4294967301, outside 1..1000000", NULL);
  unsigned long long u = 4294967301ULL;
  CHECK(copy_file(good, bad) == 0 && set_attr(bad, "/", "n_md", H5T_STD_U64LE, H5T_NATIVE_ULLONG, &u, 1) == 0);
  expect_refused("attribute 'n_md' of '/' is 4294967301", NULL);
  /* negative or out-of-range sizes */
  CHECK(copy_file(good, bad) == 0 && set_i64(bad, "/", "n_servers", -1) == 0);
  expect_refused("attribute 'n_servers' of '/' is -1, outside 1..64", NULL);
  CHECK(copy_file(good, bad) == 0 && set_i64(bad, "/", "hidden", -8) == 0);
  expect_refused("attribute 'hidden' of '/' is -8, outside 1..1000000", NULL);
  CHECK(copy_file(good, bad) == 0 && set_i64(bad, "/", "episodes", 1LL << 40) == 0);
  expect_refused("attribute 'episodes' of '/' is 1099511627776, outside 0..2147483647", NULL);
  CHECK(copy_file(good, bad) == 0 && set_i64(bad, "/", "env_local_queue", 2) == 0);
  expect_refused("attribute 'env_local_queue' of '/' is 2, outside 0..1", NULL);
  /* mistyped: a float, an array */
  CHECK(copy_file(good, bad) == 0 && set_f64(bad, "/", "n_md", 3.0) == 0);
  expect_refused("attribute 'n_md' of '/' is not an integer", NULL);
  long long two[2] = {3, 3};
  CHECK(copy_file(good, bad) == 0 && set_attr(bad, "/", "n_md", H5T_STD_I64LE, H5T_NATIVE_LLONG, two, 2) == 0);
  expect_refused("attribute 'n_md' of '/' holds 2 values, expected 1", NULL);
  /* sizes that disagree with each other or with the networks */
  CHECK(copy_file(good, bad) == 0 && set_i64(bad, "/", "n_nets", 2) == 0);
  expect_refused("attribute 'n_nets' of '/' is 2, algorithm dtomalb with 3 MDs needs 3", NULL);
  CHECK(copy_file(good, bad) == 0 && set_i64(bad, "/", "obs_dim", 7) == 0);
  expect_refused("attribute 'obs_dim' of '/' is 7, 2 servers give 6", NULL);
  CHECK(copy_file(good, bad) == 0 && set_i64(bad, "/", "hidden", 9) == 0);
  expect_refused("network '/net_000' is not the MLP 6-9-9-3", NULL);
  CHECK(copy_file(good, bad) == 0 && set_i64(bad, "/", "n_servers", 3) == 0 && set_i64(bad, "/", "obs_dim", 7) == 0 &&
        set_i64(bad, "/", "n_actions", 4) == 0);
  expect_refused("attribute 'env_server_hz' of '/' holds 2 values, expected 3", NULL);
  double hz3[3] = {12e9, 16e9, 20e9};
  CHECK(set_attr(bad, "/", "env_server_hz", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, hz3, 3) == 0);
  expect_refused("network '/net_000' maps 6 -> 3 values, dtomalb with N=3, M=3 needs 7 -> 4", NULL);
  /* inside a network: a width that disagrees with the next layer and the datasets */
  CHECK(copy_file(good, bad) == 0 && set_i64(bad, "/net_001/layer_000", "n_out", 9) == 0);
  expect_refused("attribute 'n_in' of '/net_001/layer_001' is 8, the previous layer gives 9", NULL);
  CHECK(copy_file(good, bad) == 0 && set_i64(bad, "/net_001/layer_000", "n_out", 4294967304LL) == 0);
  expect_refused("attribute 'n_out' of '/net_001/layer_000' is 4294967304, outside 1..1000000", NULL);
  /* an over-long algorithm name */
  char longname[200];
  memset(longname, 'd', sizeof longname - 1);
  longname[sizeof longname - 1] = 0;
  hid_t st = H5Tcopy(H5T_C_S1);
  H5Tset_size(st, sizeof longname);
  CHECK(copy_file(good, bad) == 0 && set_attr(bad, "/", "algo", st, st, longname, 1) == 0);
  H5Tclose(st);
  expect_refused("attribute 'algo' of '/' is 199 characters long, at most 63", NULL);
}

int main(void)
{
  int pid = (int)getpid();
  snprintf(good, sizeof good, "test_model_files_%d_good.h5", pid);
  snprintf(bad, sizeof bad, "test_model_files_%d_bad.h5", pid);
  dtomalb_env_cfg_t env = dtomalb_env_cfg_default(N_MD, N_SRV);
  char err[512];
  orig = dtomalb_model_new(DTOMALB_ALGO_DTOMALB, &env, 8, 4, err, sizeof err);
  CHECK(orig != NULL);
  if (orig) {
    orig->train_seed = 0xfedcba9876543210ULL; /* above INT64_MAX: stored as a negative int64 */
    orig->episodes = 12;
    CHECK(dtomalb_model_save(orig, good, err, sizeof err) == 0);
  }
  RUN(test_valid_file_loads_bit_identically);
  RUN(test_nonfinite_weights);
  RUN(test_nonfinite_attributes);
  RUN(test_bad_sizes);
  dtomalb_model_free(orig);
  unlink(good);
  unlink(bad);
  return CHECK_DONE();
}
