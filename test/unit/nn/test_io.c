/* test_io.c - HDF5 save/load: bit-identical outputs after a round trip
 * (MLP with batch norm, MoE), structure rebuilt from the file, clear errors
 * on mismatched or foreign files, and the file opened by h5py. */
#include "check.h"
#include "nn/gradcheck.h"
#include "nn/nn.h"

#include <hdf5.h>
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
  remove("nn_io_model.h5");
  return CHECK_DONE();
}
