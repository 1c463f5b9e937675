/* test_io.c - HDF5 save/load: bit-identical outputs after a round trip
 * (MLP with batch norm, MoE), structure rebuilt from the file, clear errors
 * on mismatched or foreign files, the file opened by h5py, and corrupt files
 * (non-finite weights, out-of-range or mistyped integers, inconsistent
 * shapes, over-long strings) refused with the file and object named. */
#include "check.h"
#include "nn/gradcheck.h"
#include "nn/nn.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static nn_net_t *model(uint64_t seed) {
  nn_net_t *net = nn_net_new(6, "allocator");
  nn_net_add_dense(net, 8, NN_INIT_HE);
  nn_net_add_batchnorm(net, 0.1, 1e-5);
  nn_net_add_leaky_relu(net, 0.1);
  nn_net_add_moe(net, &(nn_moe_cfg_t){.n_experts = 4, .depth = 2, .units = 5, .k = 2, .noisy = 1});
  nn_net_add_dense(net, 3, NN_INIT_XAVIER);
  nn_net_add_act(net, NN_ACT_SOFTMAX);
  nn_net_finalize(net, seed);
  size_t n;
  double *p = nn_net_params(net, &n);
  gc_fill(p, n, -0.5, 0.5, seed); /* gating weights non-zero too */
  return net;
}

static void test_round_trip(void) {
  nn_net_t *a = model(1);
  double x[6 * 4];
  gc_fill(x, 24, -1, 1, 3);
  nn_net_forward(a, x, 4); /* training forward: running stats move */
  nn_net_set_training(a, 0);
  CHECK(nn_net_set_moe_size(a, 3, 1, 1) == 0);
  double ya[12];
  memcpy(ya, nn_net_forward(a, x, 4), sizeof ya);
  CHECK(nn_net_save(a, "nn_io_model.h5") == 0);
  CHECK(access("nn_io_model.h5.tmp", F_OK) != 0);

  nn_net_t *b = model(2);
  nn_net_set_training(b, 0);
  CHECK(nn_net_set_moe_size(b, 3, 1, 1) == 0);
  CHECK(nn_net_load(b, "nn_io_model.h5") == 0);
  const double *yb = nn_net_forward(b, x, 4);
  CHECK(memcmp(ya, yb, sizeof ya) == 0);

  nn_net_t *c = nn_net_load_new("nn_io_model.h5");
  CHECK(c != NULL);
  if (c) {
    CHECK(strcmp(nn_net_name(c), "allocator") == 0);
    nn_net_set_training(c, 0);
    const double *yc = nn_net_forward(c, x, 4); /* k and depth restored from the file */
    CHECK(memcmp(ya, yc, sizeof ya) == 0);
    CHECK(nn_net_macs(c, 1) == nn_net_macs(a, 1));
  }
  nn_net_free(a), nn_net_free(b), nn_net_free(c);
}

static void test_errors(void) {
  nn_net_t *other = nn_mlp_new(&(nn_mlp_cfg_t){.n_in = 6, .hidden = {8}, .n_out = 3}, 1);
  double *p = nn_net_params(other, NULL);
  const double p0 = p[0];
  CHECK(nn_net_load(other, "nn_io_model.h5") == NN_ERR_FORMAT);
  printf("mismatch: %s\n", nn_last_error());
  CHECK(strstr(nn_last_error(), "nn_io_model.h5") != NULL);
  CHECK(p[0] == p0);
  nn_net_t *wrong_width = model(1);
  nn_net_free(other);
  other = nn_mlp_new(&(nn_mlp_cfg_t){.n_in = 6, .hidden = {9, 9}, .n_out = 3}, 1);
  CHECK(nn_net_load(other, "nn_io_model.h5") == NN_ERR_FORMAT);
  CHECK(nn_net_load(wrong_width, "no_such_file.h5") == NN_ERR_IO);
  CHECK(strstr(nn_last_error(), "no_such_file.h5") != NULL);
  /* an HDF5 file that is not a model, and a model of a future version */
  hid_t f = H5Fcreate("nn_io_foreign.h5", H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  H5Fclose(f);
  CHECK(nn_net_load(wrong_width, "nn_io_foreign.h5") == NN_ERR_FORMAT);
  CHECK(strstr(nn_last_error(), "not a mecsim-nn model") != NULL);
  CHECK(nn_net_load_new("nn_io_foreign.h5") == NULL);
  CHECK(nn_net_save(wrong_width, "nn_io_v2.h5") == 0);
  f = H5Fopen("nn_io_v2.h5", H5F_ACC_RDWR, H5P_DEFAULT);
  hid_t a = H5Aopen(f, "format_version", H5P_DEFAULT);
  long long v = 2;
  H5Awrite(a, H5T_NATIVE_LLONG, &v);
  H5Aclose(a);
  H5Fclose(f);
  CHECK(nn_net_load(wrong_width, "nn_io_v2.h5") == NN_ERR_FORMAT);
  printf("version: %s\n", nn_last_error());
  CHECK(strstr(nn_last_error(), "format_version 2") != NULL);
  remove("nn_io_foreign.h5");
  remove("nn_io_v2.h5");
  nn_net_free(other), nn_net_free(wrong_width);
}

/* ------------------------------------------------------------ corrupt files
 * A valid file, copied and changed with the HDF5 C API the way an outside
 * fuzzer would; every load must fail with a message naming the file and the
 * attribute or dataset, and must leave the network unchanged. */

static int copy_file(const char *src, const char *dst) {
  FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
  int ok = in && out;
  char buf[8192];
  size_t n;
  while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0) ok = fwrite(buf, 1, n, out) == n;
  if (in) fclose(in);
  if (out) fclose(out);
  return ok ? 0 : -1;
}

/* Element `index` (row-major) of dataset `dset` := v. */
static int set_value(const char *file, const char *dset, size_t index, double v) {
  hid_t f = H5Fopen(file, H5F_ACC_RDWR, H5P_DEFAULT);
  hid_t d = H5Dopen2(f, dset, H5P_DEFAULT);
  hid_t fs = H5Dget_space(d), ms = H5Screate(H5S_SCALAR);
  hsize_t dims[2] = {0, 0}, coord[2];
  int rank = H5Sget_simple_extent_dims(fs, dims, NULL);
  if (rank == 2) coord[0] = index / dims[1], coord[1] = index % dims[1];
  else coord[0] = index;
  herr_t rc = H5Sselect_elements(fs, H5S_SELECT_SET, 1, coord);
  if (rc >= 0) rc = H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, &v);
  H5Sclose(ms), H5Sclose(fs), H5Dclose(d), H5Fclose(f);
  return rc < 0 ? -1 : 0;
}

/* (Re)writes attribute `name` of object `obj` with n values of file type ft. */
static int set_attr(const char *file, const char *obj, const char *name, hid_t ft, hid_t mt,
                    const void *v, hsize_t n) {
  hid_t f = H5Fopen(file, H5F_ACC_RDWR, H5P_DEFAULT);
  hid_t o = H5Oopen(f, obj, H5P_DEFAULT);
  if (H5Aexists(o, name) > 0) H5Adelete(o, name);
  hid_t sp = n == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, NULL);
  hid_t a = H5Acreate2(o, name, ft, sp, H5P_DEFAULT, H5P_DEFAULT);
  herr_t rc = a < 0 ? -1 : H5Awrite(a, mt, v);
  if (a >= 0) H5Aclose(a);
  H5Sclose(sp), H5Oclose(o), H5Fclose(f);
  return rc < 0 ? -1 : 0;
}
static int set_i64(const char *file, const char *obj, const char *name, long long v) {
  return set_attr(file, obj, name, H5T_STD_I64LE, H5T_NATIVE_LLONG, &v, 1);
}

/* Replaces dataset `dset` by a zero-filled rows x cols one. */
static int reshape(const char *file, const char *dset, hsize_t rows, hsize_t cols) {
  hid_t f = H5Fopen(file, H5F_ACC_RDWR, H5P_DEFAULT);
  H5Ldelete(f, dset, H5P_DEFAULT);
  hsize_t dims[2] = {rows, cols};
  hid_t s = H5Screate_simple(2, dims, NULL);
  hid_t d = H5Dcreate2(f, dset, H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  double *z = calloc(rows * cols, sizeof *z);
  herr_t rc = d < 0 ? -1 : H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, z);
  free(z);
  if (d >= 0) H5Dclose(d);
  H5Sclose(s), H5Fclose(f);
  return rc < 0 ? -1 : 0;
}

#define GOOD "nn_io_good.h5"
#define BAD "nn_io_bad.h5"

/* Both loaders refuse BAD with `code`, a message holding the file name and
 * every needle, and nn_net_load leaves the network's parameters alone. */
static void expect_refused(nn_net_t *net, int code, const char *needle, const char *needle2) {
  size_t n;
  const double *p = nn_net_params(net, &n);
  double *before = malloc(n * sizeof *before);
  memcpy(before, p, n * sizeof *before);
  int rc = nn_net_load(net, BAD);
  CHECK(rc == code);
  printf("  load:     %s\n", nn_last_error());
  CHECK(strstr(nn_last_error(), "model '" BAD "'") != NULL);
  CHECK(strstr(nn_last_error(), needle) != NULL);
  CHECK(!needle2 || strstr(nn_last_error(), needle2) != NULL);
  CHECK(memcmp(before, nn_net_params(net, NULL), n * sizeof *before) == 0);
  free(before);
  nn_net_t *m = nn_net_load_new(BAD);
  CHECK(m == NULL);
  printf("  load_new: %s\n", nn_last_error());
  CHECK(strstr(nn_last_error(), "model '" BAD "'") != NULL);
  CHECK(strstr(nn_last_error(), needle) != NULL);
  CHECK(!needle2 || strstr(nn_last_error(), needle2) != NULL);
  nn_net_free(m);
}

/* nn_net_load alone (nn_net_load_new may find another fault first). */
static void expect_refused_load(nn_net_t *net, int code, const char *needle) {
  CHECK(nn_net_load(net, BAD) == code);
  printf("  load:     %s\n", nn_last_error());
  CHECK(strstr(nn_last_error(), "model '" BAD "'") != NULL);
  CHECK(strstr(nn_last_error(), needle) != NULL);
}

/* Only nn_net_load_new reads the structure's settings. */
static void expect_refused_new(const char *needle, const char *needle2) {
  nn_net_t *m = nn_net_load_new(BAD);
  CHECK(m == NULL);
  printf("  load_new: %s\n", nn_last_error());
  CHECK(strstr(nn_last_error(), "model '" BAD "'") != NULL);
  CHECK(strstr(nn_last_error(), needle) != NULL);
  CHECK(!needle2 || strstr(nn_last_error(), needle2) != NULL);
  nn_net_free(m);
}

static void test_nonfinite_weights(void) {
  nn_net_t *a = model(1), *b = model(2);
  CHECK(nn_net_save(a, GOOD) == 0);
  /* layer_000/W is 6 x 8: index 17 is [2, 1] */
  CHECK(copy_file(GOOD, BAD) == 0 && set_value(BAD, "/layer_000/W", 17, NAN) == 0);
  expect_refused(b, NN_ERR_NONFINITE, "dataset '/layer_000/W': non-finite value (nan) at index 17 ([2, 1])", NULL);
  CHECK(copy_file(GOOD, BAD) == 0 && set_value(BAD, "/layer_003/expert_01/W1", 4, INFINITY) == 0);
  expect_refused(b, NN_ERR_NONFINITE, "dataset '/layer_003/expert_01/W1'", "(inf) at index 4");
  CHECK(copy_file(GOOD, BAD) == 0 && set_value(BAD, "/layer_004/b", 2, -INFINITY) == 0);
  expect_refused(b, NN_ERR_NONFINITE, "dataset '/layer_004/b'", "(-inf) at index 2");
  /* batch-norm statistics */
  CHECK(copy_file(GOOD, BAD) == 0 && set_value(BAD, "/layer_001/running_mean", 0, NAN) == 0);
  expect_refused(b, NN_ERR_NONFINITE, "dataset '/layer_001/running_mean'", "index 0");
  CHECK(copy_file(GOOD, BAD) == 0 && set_value(BAD, "/layer_001/running_var", 3, -1.0) == 0);
  expect_refused(b, NN_ERR_FORMAT, "dataset '/layer_001/running_var'", "negative variance");
  /* the valid file still loads, bit for bit */
  size_t n, nb;
  CHECK(nn_net_load(b, GOOD) == 0);
  CHECK(memcmp(nn_net_params(a, &n), nn_net_params(b, &nb), n * sizeof(double)) == 0 && n == nb);
  nn_net_t *c = nn_net_load_new(GOOD);
  CHECK(c != NULL);
  if (c) CHECK(memcmp(nn_net_params(a, &n), nn_net_params(c, &nb), n * sizeof(double)) == 0 && n == nb);
  nn_net_free(a), nn_net_free(b), nn_net_free(c);
}

static void test_bad_integers(void) {
  nn_net_t *b = model(2);
  /* 2^31 - 1 outputs: refused before anything is allocated */
  CHECK(copy_file(GOOD, BAD) == 0 && set_i64(BAD, "/layer_000", "n_out", 2147483647LL) == 0);
  expect_refused(b, NN_ERR_FORMAT, "attribute 'n_out' of '/layer_000' is 2147483647, outside 1..1000000", NULL);
  CHECK(copy_file(GOOD, BAD) == 0 && set_i64(BAD, "/", "n_layers", 2147483647LL) == 0);
  expect_refused(b, NN_ERR_FORMAT, "attribute 'n_layers' of '/' is 2147483647, outside 1..1024", NULL);
  /* 2^32 + 5 is not 5 */
  CHECK(copy_file(GOOD, BAD) == 0 && set_i64(BAD, "/layer_000", "n_out", 4294967301LL) == 0);
  expect_refused(b, NN_ERR_FORMAT, "attribute 'n_out' of '/layer_000' is 4294967301", NULL);
  unsigned long long big = 18446744073709551615ULL; /* 2^64 - 1, unsigned: not -1 */
  CHECK(copy_file(GOOD, BAD) == 0 &&
        set_attr(BAD, "/layer_001", "n_in", H5T_STD_U64LE, H5T_NATIVE_ULLONG, &big, 1) == 0);
  expect_refused(b, NN_ERR_FORMAT, "attribute 'n_in' of '/layer_001' is 18446744073709551615", NULL);
  /* negative width */
  CHECK(copy_file(GOOD, BAD) == 0 && set_i64(BAD, "/layer_004", "n_out", -3) == 0);
  expect_refused(b, NN_ERR_FORMAT, "attribute 'n_out' of '/layer_004' is -3, outside", NULL);
  /* not an integer, or not one value */
  double eight = 8.0;
  CHECK(copy_file(GOOD, BAD) == 0 &&
        set_attr(BAD, "/layer_000", "n_out", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &eight, 1) == 0);
  expect_refused(b, NN_ERR_FORMAT, "attribute 'n_out' of '/layer_000' is not an integer", NULL);
  long long two[2] = {8, 8};
  CHECK(copy_file(GOOD, BAD) == 0 &&
        set_attr(BAD, "/layer_000", "n_out", H5T_STD_I64LE, H5T_NATIVE_LLONG, two, 2) == 0);
  expect_refused(b, NN_ERR_FORMAT, "attribute 'n_out' of '/layer_000' holds 2 values, expected one", NULL);
  /* MoE settings (read by load_new) */
  CHECK(copy_file(GOOD, BAD) == 0 && set_i64(BAD, "/layer_003", "n_experts", 1000000) == 0);
  expect_refused(b, NN_ERR_FORMAT, "attribute 'n_experts' of '/layer_003' is 1000000, outside 1..1024", NULL);
  CHECK(copy_file(GOOD, BAD) == 0 && set_i64(BAD, "/layer_003", "k", 5) == 0);
  expect_refused_new("attribute 'k' of '/layer_003' is 5, outside 1..4", NULL);
  CHECK(copy_file(GOOD, BAD) == 0 && set_i64(BAD, "/layer_003", "active_depth", 0) == 0);
  expect_refused_new("attribute 'active_depth' of '/layer_003' is 0, outside 1..2", NULL);
  /* a 32-bit integer holding a valid value is fine */
  int n32 = 8;
  CHECK(copy_file(GOOD, BAD) == 0 &&
        set_attr(BAD, "/layer_000", "n_out", H5T_STD_I32BE, H5T_NATIVE_INT, &n32, 1) == 0);
  CHECK(nn_net_load(b, BAD) == 0);
  nn_net_free(b);
}

static void test_bad_shapes(void) {
  nn_net_t *b = model(2);
  /* widths that disagree with each other or with the datasets */
  CHECK(copy_file(GOOD, BAD) == 0 && set_i64(BAD, "/layer_000", "n_out", 9) == 0);
  expect_refused_load(b, NN_ERR_FORMAT, "attribute 'n_out' of '/layer_000' is 9 in the file but 8");
  expect_refused_new("attribute 'n_in' of '/layer_001' is 8, the previous layer gives 9", NULL);
  CHECK(copy_file(GOOD, BAD) == 0 && reshape(BAD, "/layer_000/W", 6, 9) == 0);
  expect_refused(b, NN_ERR_FORMAT, "dataset '/layer_000/W' has shape [6, 9] (rank 2), the network needs [6, 8]", NULL);
  CHECK(copy_file(GOOD, BAD) == 0 && set_i64(BAD, "/", "n_out", 4) == 0);
  expect_refused(b, NN_ERR_FORMAT, "attribute 'n_out' of '/' is 4 in the file but 3", NULL);
  /* within the width limit, but 10^12 parameters: refused before allocating */
  CHECK(copy_file(GOOD, BAD) == 0 && set_i64(BAD, "/", "n_in", 1000000) == 0 &&
        set_i64(BAD, "/layer_000", "n_in", 1000000) == 0 && set_i64(BAD, "/layer_000", "n_out", 1000000) == 0);
  expect_refused_new("parameters and buffers up to '/layer_000', more than the limit 16777216", NULL);
  /* an activation layer that changes the width, an unknown activation */
  CHECK(copy_file(GOOD, BAD) == 0 && set_i64(BAD, "/layer_002", "n_out", 7) == 0);
  expect_refused_new("'/layer_002' (act) has n_in = 8 but n_out = 7", NULL);
  const char *none = "none";
  hid_t vs = H5Tcopy(H5T_C_S1);
  H5Tset_size(vs, H5T_VARIABLE);
  CHECK(copy_file(GOOD, BAD) == 0 && set_attr(BAD, "/layer_005", "act", vs, vs, &none, 1) == 0);
  expect_refused_load(b, NN_ERR_FORMAT, "'/layer_005' is activation 'none' in the file");
  expect_refused_new("attribute 'act' of '/layer_005' is 'none', not a layer activation", NULL);
  /* strings: a name longer than NN_IO_MAX_NAME, a kind that is an array */
  char longname[300];
  memset(longname, 'x', sizeof longname - 1);
  longname[sizeof longname - 1] = 0;
  const char *ln = longname;
  CHECK(copy_file(GOOD, BAD) == 0 && set_attr(BAD, "/", "name", vs, vs, &ln, 1) == 0);
  expect_refused_new("attribute 'name' of '/' is 299 characters long, at most 127", NULL);
  const char *kinds[3] = {"dense", "dense", "dense"};
  CHECK(copy_file(GOOD, BAD) == 0 && set_attr(BAD, "/layer_000", "kind", vs, vs, kinds, 3) == 0);
  expect_refused(b, NN_ERR_FORMAT, "attribute 'kind' of '/layer_000' holds 3 values, expected one", NULL);
  H5Tclose(vs);
  /* a non-finite layer setting */
  double nan = NAN;
  CHECK(copy_file(GOOD, BAD) == 0 &&
        set_attr(BAD, "/layer_001", "eps", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &nan, 1) == 0);
  expect_refused_new("attribute 'eps' of '/layer_001' is not finite", NULL);
  remove(GOOD);
  remove(BAD);
  nn_net_free(b);
}

/* h5py (Debian's, via /usr/bin/python3) reads the tensors with the shapes
 * and values the library wrote. */
static void test_h5py(void) {
  if (system("/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1") != 0) {
    printf("SKIP test_h5py: /usr/bin/python3 cannot import h5py\n");
    return;
  }
  nn_net_t *a = model(1);
  CHECK(nn_net_save(a, "nn_io_h5py.h5") == 0);
  const double *w = nn_net_layer_params(a, 0, NULL);  /* dense 6 -> 8: W[0][1] */
  const double *moe = nn_net_layer_params(a, 3, NULL); /* W_gate[2][3] (K = 4) */
  char cmd[1024];
  snprintf(cmd, sizeof cmd,
           "/usr/bin/python3 -c 'import h5py, sys\n"
           "f = h5py.File(\"nn_io_h5py.h5\", \"r\")\n"
           "ok = f.attrs[\"format\"] == \"mecsim-nn\" and f.attrs[\"format_version\"] == %d\n"
           "ok = ok and f[\"layer_000/W\"].shape == (6, 8) and f[\"layer_000/b\"].shape == (8,)\n"
           "ok = ok and f[\"layer_000/W\"][0, 1] == %.17g and f[\"layer_000\"].attrs[\"kind\"] == \"dense\"\n"
           "ok = ok and f[\"layer_003/W_gate\"][2, 3] == %.17g and f[\"layer_003\"].attrs[\"n_experts\"] == 4\n"
           "ok = ok and f[\"layer_003/expert_03/W1\"].shape == (5, 5) and \"running_var\" in f[\"layer_001\"]\n"
           "sys.exit(0 if ok else 1)'",
           NN_FORMAT_VERSION, w[1], moe[2 * 4 + 3]);
  CHECK(system(cmd) == 0);
  remove("nn_io_h5py.h5");
  nn_net_free(a);
}

int main(void) {
  RUN(test_round_trip);
  RUN(test_errors);
  RUN(test_h5py);
  RUN(test_nonfinite_weights);
  RUN(test_bad_integers);
  RUN(test_bad_shapes);
  remove("nn_io_model.h5");
  return CHECK_DONE();
}
