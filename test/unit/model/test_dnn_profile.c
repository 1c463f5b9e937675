/* Tests of the DNN layer profiles: shapes, layer counts and MAC / parameter
 * totals against the architectures' published figures.
 *
 * Sources of the known numbers:
 *  - torchvision "Table of all available classification weights"
 *    (pytorch.org/vision/stable/models.html): num_params and "GFLOPS" (which
 *    are in fact GMACs, conv + fc): alexnet 61,100,840 / 0.71, vgg13
 *    133,047,848 / 11.31, vgg16 138,357,544 / 15.47.
 *  - Caffe bvlc_alexnet (grouped conv2/4/5, 227x227 input): 60,965,224
 *    parameters, 724M MACs (e.g. Sze et al., "Efficient Processing of Deep
 *    Neural Networks: A Tutorial and Survey", Proc. IEEE 2017, Table III:
 *    AlexNet 724M MACs, 61M weights).
 *  - LeNet-5 with full C3 connectivity: 117,600 (C1) + 240,000 (C3) + 48,000
 *    (C5) + 10,080 (F6) + 840 (output) = 416,520 MACs (~0.42 MMACs), worked out
 *    by hand from LeCun et al. 1998's layer sizes; Sze et al. Table III gives
 *    341k MACs for the original sparse C3 table.
 *  - Layer counts: the TPOS paper (Figs. 5-6: "ALEXNET with 21 layers";
 *    Fig. 10: VGG13 layers 1..31). */
#include "check.h"
#include "model/dnn_profile.h"

#include <string.h>

static void test_alexnet_caffe(void)
{
  mec_dnn_profile_t *p = mec_dnn_profile_new(MEC_DNN_ALEXNET, 32);
  CHECK(p != NULL);
  if (!p)
    return;
  CHECK(p->n_layers == 21);
  CHECK(p->total_macs == 724406816ULL);
  CHECK(p->total_params == 60965224ULL);
  CHECK(p->total_flops > 2 * p->total_macs); /* + relu, lrn, pool, softmax ops */
  /* conv1: 227x227x3 -> 55x55x96, 105,415,200 MACs */
  CHECK(p->layer[0].out_h == 55 && p->layer[0].out_w == 55 && p->layer[0].out_c == 96);
  CHECK(p->layer[0].macs == 105415200ULL);
  /* pool1 -> 27x27, conv2 (2 groups) keeps 27x27x256 */
  CHECK(p->layer[3].out_h == 27 && p->layer[3].type == MEC_LAYER_MAXPOOL);
  CHECK(p->layer[4].out_c == 256 && p->layer[4].out_h == 27 && p->layer[4].groups == 2);
  CHECK(p->layer[4].macs == 223948800ULL);
  /* pool5 output is 6x6x256 = 9216 features feeding fc6 */
  CHECK(p->layer[14].out_h == 6 && p->layer[14].out_c == 256);
  CHECK(p->layer[15].type == MEC_LAYER_FC && p->layer[15].macs == 9216ULL * 4096);
  CHECK(p->layer[20].type == MEC_LAYER_SOFTMAX && p->layer[20].out_c == 1000);
  /* sizes: 32-bit floats */
  CHECK_NEAR(p->input_bits, 227.0 * 227 * 3 * 32, 0);
  CHECK_NEAR(mec_dnn_output_bits(p, 0), p->input_bits, 0);
  CHECK_NEAR(mec_dnn_output_bits(p, 1), 55.0 * 55 * 96 * 32, 0);
  CHECK_NEAR(mec_dnn_output_bits(p, 21), 1000.0 * 32, 0);
  CHECK(mec_dnn_output_bits(p, 22) == 0);
  mec_dnn_profile_free(p);
}

/* The torchvision variant, built from its own spec: 224 input, no groups, no
 * LRN, channels 64-192-384-256-256 (plus an adaptive avg-pool that is the
 * identity at 224x224 input and is left out). */
static void test_alexnet_torchvision(void)
{
  const mec_dnn_layer_spec_t spec[] = {
      {MEC_LAYER_CONV, "conv1", 64, 11, 4, 2, 1, 0}, {MEC_LAYER_RELU, "r1", 0, 0, 0, 0, 0, 0},
      {MEC_LAYER_MAXPOOL, "p1", 0, 3, 2, 0, 0, 0},   {MEC_LAYER_CONV, "conv2", 192, 5, 1, 2, 1, 0},
      {MEC_LAYER_RELU, "r2", 0, 0, 0, 0, 0, 0},      {MEC_LAYER_MAXPOOL, "p2", 0, 3, 2, 0, 0, 0},
      {MEC_LAYER_CONV, "conv3", 384, 3, 1, 1, 1, 0}, {MEC_LAYER_RELU, "r3", 0, 0, 0, 0, 0, 0},
      {MEC_LAYER_CONV, "conv4", 256, 3, 1, 1, 1, 0}, {MEC_LAYER_RELU, "r4", 0, 0, 0, 0, 0, 0},
      {MEC_LAYER_CONV, "conv5", 256, 3, 1, 1, 1, 0}, {MEC_LAYER_RELU, "r5", 0, 0, 0, 0, 0, 0},
      {MEC_LAYER_MAXPOOL, "p5", 0, 3, 2, 0, 0, 0},   {MEC_LAYER_FC, "fc6", 4096, 0, 0, 0, 0, 0},
      {MEC_LAYER_RELU, "r6", 0, 0, 0, 0, 0, 0},      {MEC_LAYER_FC, "fc7", 4096, 0, 0, 0, 0, 0},
      {MEC_LAYER_RELU, "r7", 0, 0, 0, 0, 0, 0},      {MEC_LAYER_FC, "fc8", 1000, 0, 0, 0, 0, 0},
  };
  char err[128];
  mec_dnn_profile_t *p = mec_dnn_profile_build("alexnet-tv", 3, 224, 224, 32, spec, 18, err, sizeof err);
  CHECK(p != NULL);
  if (!p)
    return;
  CHECK(p->layer[12].out_h == 6);
  CHECK(p->total_macs == 714188480ULL);   /* 0.71 GMACs */
  CHECK(p->total_params == 61100840ULL);
  mec_dnn_profile_free(p);
}

static void test_vgg(void)
{
  mec_dnn_profile_t *v13 = mec_dnn_profile_new(MEC_DNN_VGG13, 32);
  mec_dnn_profile_t *v16 = mec_dnn_profile_new(MEC_DNN_VGG16, 32);
  CHECK(v13 && v16);
  if (!v13 || !v16)
    return;
  CHECK(v13->n_layers == 31);
  CHECK(v16->n_layers == 37);
  CHECK_REL((double)v13->total_macs, 11.31e9, 0.5e-3);
  CHECK_REL((double)v16->total_macs, 15.47e9, 0.5e-3);
  CHECK(v13->total_params == 133047848ULL);
  CHECK(v16->total_params == 138357544ULL);
  /* the last pooling layer outputs 7x7x512 = 25088 features */
  const mec_dnn_layer_t *pool5 = &v16->layer[30];
  CHECK(pool5->type == MEC_LAYER_MAXPOOL && pool5->out_h == 7 && pool5->out_c == 512);
  CHECK(v16->layer[31].macs == 25088ULL * 4096);
  /* the paper's Fig. 10: VGG13 layer 20 is a pooling layer ending block 4 */
  CHECK(v13->layer[19].type == MEC_LAYER_MAXPOOL && v13->layer[19].out_h == 14);
  mec_dnn_profile_free(v13);
  mec_dnn_profile_free(v16);
}

static void test_lenet(void)
{
  mec_dnn_profile_t *p = mec_dnn_profile_new(MEC_DNN_LENET, 32);
  CHECK(p != NULL);
  if (!p)
    return;
  CHECK(p->n_layers == 12);
  CHECK(p->layer[0].out_h == 28 && p->layer[0].out_c == 6);
  CHECK(p->layer[5].out_h == 5 && p->layer[5].out_c == 16);
  CHECK(p->layer[6].out_h == 1 && p->layer[6].out_c == 120);
  CHECK(p->total_macs == 416520ULL);
  CHECK_NEAR(p->input_bits, 32.0 * 32 * 32, 0);
  mec_dnn_profile_free(p);
}

static void test_names_and_errors(void)
{
  for (int k = 0; k < MEC_DNN_COUNT; k++)
    CHECK(mec_dnn_kind_parse(mec_dnn_kind_name(k)) == k);
  CHECK(mec_dnn_kind_parse("resnet") == MEC_DNN_NONE);
  CHECK(mec_dnn_profile_new(MEC_DNN_NONE, 32) == NULL);
  CHECK(mec_dnn_profile_new(MEC_DNN_LENET, 0) == NULL);
  char err[128] = "";
  const mec_dnn_layer_spec_t bad_groups[] = {{MEC_LAYER_CONV, "c", 8, 3, 1, 1, 3, 0}};
  CHECK(mec_dnn_profile_build("x", 4, 8, 8, 32, bad_groups, 1, err, sizeof err) == NULL);
  CHECK(strstr(err, "conv") != NULL);
  const mec_dnn_layer_spec_t too_big[] = {{MEC_LAYER_CONV, "c", 8, 11, 1, 0, 1, 0}};
  CHECK(mec_dnn_profile_build("x", 1, 8, 8, 32, too_big, 1, err, sizeof err) == NULL);
  const mec_dnn_layer_spec_t conv_after_fc[] = {{MEC_LAYER_FC, "f", 10, 0, 0, 0, 0, 0},
                                                {MEC_LAYER_CONV, "c", 8, 1, 1, 0, 1, 0}};
  CHECK(mec_dnn_profile_build("x", 1, 8, 8, 32, conv_after_fc, 2, err, sizeof err) == NULL);
  /* precision changes sizes, not compute */
  mec_dnn_profile_t *a = mec_dnn_profile_new(MEC_DNN_LENET, 8);
  mec_dnn_profile_t *b = mec_dnn_profile_new(MEC_DNN_LENET, 32);
  CHECK(a && b);
  if (a && b) {
    CHECK_NEAR(a->layer[0].out_bits * 4, b->layer[0].out_bits, 0);
    CHECK(a->total_macs == b->total_macs);
  }
  mec_dnn_profile_free(a);
  mec_dnn_profile_free(b);
}

int main(void)
{
  RUN(test_alexnet_caffe);
  RUN(test_alexnet_torchvision);
  RUN(test_vgg);
  RUN(test_lenet);
  RUN(test_names_and_errors);
  return CHECK_DONE();
}
