/* dnn_profile.h - per-layer profiles of the DNNs that TPOS partitions.
 *
 * A profile lists, for every layer of a network, its type, input and output
 * shapes, multiply-accumulates (MACs), floating-point operations and the size
 * of its output in bits. Everything is DERIVED by code from the architecture
 * (kernel sizes, strides, padding, channels, groups) in mec_dnn_profile_build;
 * no totals are typed in.
 *
 * Layer counting follows the TPOS paper (Gao et al.): Caffe deploy networks
 * WITHOUT dropout layers (identity at inference), WITH activations, LRN,
 * pooling and the final softmax as layers of their own. That gives exactly the
 * paper's 21 layers for AlexNet and 31 for VGG13 (its Fig. 10); VGG16 has 37
 * and LeNet-5 12.
 *
 * Conventions:
 *   - conv / fc MACs = out_h * out_w * out_c * (k * k * in_c / groups); bias
 *     additions are not counted (the usual convention of published totals).
 *   - FLOPs = 2 * MACs for conv / fc; other layers count one FLOP per
 *     elementary operation: ReLU 1 per output element, pooling k*k per output
 *     element, LRN (2 * local_size + 3) per element (square-sum, scale, pow,
 *     divide), softmax 3 per element (exp, sum, divide).
 *   - Output sizes are out_c * out_h * out_w elements of `bits_per_element`
 *     bits (32 = IEEE single-precision floats, Caffe's default).
 *
 * Ownership: mec_dnn_profile_new / mec_dnn_profile_build return a profile the
 * caller frees with mec_dnn_profile_free. */
#ifndef MECSIM_DNN_PROFILE_H
#define MECSIM_DNN_PROFILE_H
#include <stdint.h>
#include <stddef.h>

#include "policies/policy.h" /* mec_dnn_kind_t */

#define MEC_DNN_MAX_LAYERS 64

typedef enum {
  MEC_LAYER_CONV,
  MEC_LAYER_RELU,
  MEC_LAYER_LRN,
  MEC_LAYER_MAXPOOL,
  MEC_LAYER_AVGPOOL,
  MEC_LAYER_FC,
  MEC_LAYER_SOFTMAX
} mec_layer_type_t;

/* Architecture description of one layer: what the builder needs. Fields a
 * layer type does not use are ignored (out_c for relu, ...). */
typedef struct mec_dnn_layer_spec {
  mec_layer_type_t type;
  const char *name;
  int out_c;  /* conv: output channels; fc: output features */
  int kernel; /* conv / pool window side; lrn: local_size */
  int stride; /* conv / pool */
  int pad;    /* conv / pool, symmetric */
  int groups; /* conv; 0 or 1 = ungrouped */
  int ceil_mode; /* pool: Caffe rounds pooled sizes up (1), PyTorch down (0) */
} mec_dnn_layer_spec_t;

/* One layer of a built profile. */
typedef struct mec_dnn_layer {
  mec_layer_type_t type;
  char name[16];
  int in_c, in_h, in_w;
  int out_c, out_h, out_w;
  int kernel, stride, pad, groups;
  uint64_t macs;    /* multiply-accumulates */
  uint64_t flops;   /* floating-point operations (see conventions above) */
  uint64_t params;  /* weights + biases */
  double out_bits;  /* output size, bits */
} mec_dnn_layer_t;

typedef struct mec_dnn_profile {
  int kind; /* mec_dnn_kind_t, or MEC_DNN_NONE for a custom build */
  char name[32];
  int in_c, in_h, in_w; /* input image */
  int bits_per_element;
  double input_bits;    /* size of the input image, bits */
  int n_layers;
  mec_dnn_layer_t layer[MEC_DNN_MAX_LAYERS]; /* layer[0] is layer 1 of the paper */
  uint64_t total_macs, total_flops, total_params;
} mec_dnn_profile_t;

/* Builds the profile of a network from its layer specs. Returns NULL (and
 * writes a reason into err when err != NULL) on an invalid spec: a shape that
 * becomes non-positive, channels not divisible by groups, more than
 * MEC_DNN_MAX_LAYERS layers, a conv after an fc. */
mec_dnn_profile_t *mec_dnn_profile_build(const char *name, int in_c, int in_h, int in_w, int bits_per_element,
                                         const mec_dnn_layer_spec_t *spec, int n_spec, char *err, size_t errlen);

/* The four networks of the paper:
 *   MEC_DNN_ALEXNET  Caffe bvlc_alexnet (the paper uses Caffe): 227x227x3
 *                    input, grouped conv2/4/5, LRN; 21 layers, 724,406,816 MACs.
 *   MEC_DNN_VGG13    VGG "B" (Simonyan & Zisserman), 224x224x3; 31 layers.
 *   MEC_DNN_VGG16    VGG "D", 224x224x3; 37 layers.
 *   MEC_DNN_LENET    LeNet-5 on 32x32x1 with full C3 connectivity, ReLU and
 *                    max pooling (the modern form); 12 layers.
 * Returns NULL for an unknown kind or bits_per_element <= 0. */
mec_dnn_profile_t *mec_dnn_profile_new(int kind, int bits_per_element);
void mec_dnn_profile_free(mec_dnn_profile_t *p);

/* Layer specs of a built-in network (static storage; NULL for unknown kind). */
const mec_dnn_layer_spec_t *mec_dnn_spec(int kind, int *n_spec, int *in_c, int *in_h, int *in_w);

const char *mec_dnn_kind_name(int kind);   /* "alexnet", "vgg13", "vgg16", "lenet" or "?" */
int mec_dnn_kind_parse(const char *name);  /* inverse; -1 (MEC_DNN_NONE) if unknown */
const char *mec_layer_type_name(mec_layer_type_t t);

/* Output size of layer m in bits, m in 0..n_layers; m = 0 is the input image
 * (what a full offload uploads, partition point m* = 0). */
double mec_dnn_output_bits(const mec_dnn_profile_t *p, int m);
#endif
