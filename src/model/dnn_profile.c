#include "model/dnn_profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONV(n, c, k, s, p, g) {MEC_LAYER_CONV, n, c, k, s, p, g, 0}
#define RELU(n) {MEC_LAYER_RELU, n, 0, 0, 0, 0, 0, 0}
#define LRN(n, size) {MEC_LAYER_LRN, n, 0, size, 1, 0, 0, 0}
#define MAXPOOL(n, k, s) {MEC_LAYER_MAXPOOL, n, 0, k, s, 0, 0, 1}
#define FC(n, c) {MEC_LAYER_FC, n, c, 0, 0, 0, 0, 0}
#define SOFTMAX(n) {MEC_LAYER_SOFTMAX, n, 0, 0, 0, 0, 0, 0}

/* Caffe models/bvlc_alexnet/deploy.prototxt, dropout layers removed. */
static const mec_dnn_layer_spec_t alexnet_spec[] = {
    CONV("conv1", 96, 11, 4, 0, 1), RELU("relu1"), LRN("norm1", 5), MAXPOOL("pool1", 3, 2),
    CONV("conv2", 256, 5, 1, 2, 2), RELU("relu2"), LRN("norm2", 5), MAXPOOL("pool2", 3, 2),
    CONV("conv3", 384, 3, 1, 1, 1), RELU("relu3"),
    CONV("conv4", 384, 3, 1, 1, 2), RELU("relu4"),
    CONV("conv5", 256, 3, 1, 1, 2), RELU("relu5"), MAXPOOL("pool5", 3, 2),
    FC("fc6", 4096), RELU("relu6"), FC("fc7", 4096), RELU("relu7"), FC("fc8", 1000), SOFTMAX("prob"),
};

/* VGG configuration "B" (13 weight layers). */
static const mec_dnn_layer_spec_t vgg13_spec[] = {
    CONV("conv1_1", 64, 3, 1, 1, 1), RELU("relu1_1"), CONV("conv1_2", 64, 3, 1, 1, 1), RELU("relu1_2"),
    MAXPOOL("pool1", 2, 2),
    CONV("conv2_1", 128, 3, 1, 1, 1), RELU("relu2_1"), CONV("conv2_2", 128, 3, 1, 1, 1), RELU("relu2_2"),
    MAXPOOL("pool2", 2, 2),
    CONV("conv3_1", 256, 3, 1, 1, 1), RELU("relu3_1"), CONV("conv3_2", 256, 3, 1, 1, 1), RELU("relu3_2"),
    MAXPOOL("pool3", 2, 2),
    CONV("conv4_1", 512, 3, 1, 1, 1), RELU("relu4_1"), CONV("conv4_2", 512, 3, 1, 1, 1), RELU("relu4_2"),
    MAXPOOL("pool4", 2, 2),
    CONV("conv5_1", 512, 3, 1, 1, 1), RELU("relu5_1"), CONV("conv5_2", 512, 3, 1, 1, 1), RELU("relu5_2"),
    MAXPOOL("pool5", 2, 2),
    FC("fc6", 4096), RELU("relu6"), FC("fc7", 4096), RELU("relu7"), FC("fc8", 1000), SOFTMAX("prob"),
};

/* VGG configuration "D" (16 weight layers). */
static const mec_dnn_layer_spec_t vgg16_spec[] = {
    CONV("conv1_1", 64, 3, 1, 1, 1), RELU("relu1_1"), CONV("conv1_2", 64, 3, 1, 1, 1), RELU("relu1_2"),
    MAXPOOL("pool1", 2, 2),
    CONV("conv2_1", 128, 3, 1, 1, 1), RELU("relu2_1"), CONV("conv2_2", 128, 3, 1, 1, 1), RELU("relu2_2"),
    MAXPOOL("pool2", 2, 2),
    CONV("conv3_1", 256, 3, 1, 1, 1), RELU("relu3_1"), CONV("conv3_2", 256, 3, 1, 1, 1), RELU("relu3_2"),
    CONV("conv3_3", 256, 3, 1, 1, 1), RELU("relu3_3"), MAXPOOL("pool3", 2, 2),
    CONV("conv4_1", 512, 3, 1, 1, 1), RELU("relu4_1"), CONV("conv4_2", 512, 3, 1, 1, 1), RELU("relu4_2"),
    CONV("conv4_3", 512, 3, 1, 1, 1), RELU("relu4_3"), MAXPOOL("pool4", 2, 2),
    CONV("conv5_1", 512, 3, 1, 1, 1), RELU("relu5_1"), CONV("conv5_2", 512, 3, 1, 1, 1), RELU("relu5_2"),
    CONV("conv5_3", 512, 3, 1, 1, 1), RELU("relu5_3"), MAXPOOL("pool5", 2, 2),
    FC("fc6", 4096), RELU("relu6"), FC("fc7", 4096), RELU("relu7"), FC("fc8", 1000), SOFTMAX("prob"),
};

/* LeNet-5 (LeCun et al. 1998) on a 32x32 grey image: C1, S2, C3 (fully
 * connected to S2's 6 maps, not the original sparse table), S4, C5, F6,
 * output; ReLU and max pooling replace the original squashing / subsampling. */
static const mec_dnn_layer_spec_t lenet_spec[] = {
    CONV("c1", 6, 5, 1, 0, 1), RELU("relu1"), MAXPOOL("s2", 2, 2),
    CONV("c3", 16, 5, 1, 0, 1), RELU("relu3"), MAXPOOL("s4", 2, 2),
    CONV("c5", 120, 5, 1, 0, 1), RELU("relu5"),
    FC("f6", 84), RELU("relu6"), FC("output", 10), SOFTMAX("prob"),
};

#define N_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

const mec_dnn_layer_spec_t *mec_dnn_spec(int kind, int *n_spec, int *in_c, int *in_h, int *in_w)
{
  const mec_dnn_layer_spec_t *s = NULL;
  int n = 0, c = 3, h = 224;
  switch (kind) {
  case MEC_DNN_ALEXNET: s = alexnet_spec; n = N_OF(alexnet_spec); h = 227; break;
  case MEC_DNN_VGG13: s = vgg13_spec; n = N_OF(vgg13_spec); break;
  case MEC_DNN_VGG16: s = vgg16_spec; n = N_OF(vgg16_spec); break;
  case MEC_DNN_LENET: s = lenet_spec; n = N_OF(lenet_spec); c = 1; h = 32; break;
  default: return NULL;
  }
  if (n_spec) *n_spec = n;
  if (in_c) *in_c = c;
  if (in_h) *in_h = h;
  if (in_w) *in_w = h;
  return s;
}

const char *mec_dnn_kind_name(int kind)
{
  switch (kind) {
  case MEC_DNN_ALEXNET: return "alexnet";
  case MEC_DNN_VGG13: return "vgg13";
  case MEC_DNN_VGG16: return "vgg16";
  case MEC_DNN_LENET: return "lenet";
  default: return "?";
  }
}

int mec_dnn_kind_parse(const char *name)
{
  for (int k = 0; k < MEC_DNN_COUNT; k++)
    if (name && strcmp(name, mec_dnn_kind_name(k)) == 0)
      return k;
  return MEC_DNN_NONE;
}

const char *mec_layer_type_name(mec_layer_type_t t)
{
  static const char *names[] = {"conv", "relu", "lrn", "maxpool", "avgpool", "fc", "softmax"};
  return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

/* Output side of a window sweep; Caffe rounds pooled sizes up. */
static int window_out(int in, int k, int s, int pad, int ceil_mode)
{
  int span = in + 2 * pad - k;
  if (span < 0 || s <= 0)
    return 0;
  int out = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
  /* Caffe: the last pooling window must start inside the (unpadded) image */
  if (ceil_mode && pad > 0 && (out - 1) * s >= in + pad)
    out--;
  return out;
}

static void set_err(char *err, size_t errlen, const char *fmt, const char *name, int idx)
{
  if (err && errlen)
    snprintf(err, errlen, fmt, name ? name : "?", idx);
}

mec_dnn_profile_t *mec_dnn_profile_build(const char *name, int in_c, int in_h, int in_w, int bits_per_element,
                                         const mec_dnn_layer_spec_t *spec, int n_spec, char *err, size_t errlen)
{
  if (!spec || n_spec <= 0 || n_spec > MEC_DNN_MAX_LAYERS) {
    set_err(err, errlen, "dnn %s: need 1..64 layers, got %d", name, n_spec);
    return NULL;
  }
  if (in_c <= 0 || in_h <= 0 || in_w <= 0 || bits_per_element <= 0) {
    set_err(err, errlen, "dnn %s: input shape and bits per element must be positive (%d)", name, 0);
    return NULL;
  }
  mec_dnn_profile_t *p = calloc(1, sizeof(*p));
  if (!p) {
    set_err(err, errlen, "dnn %s: out of memory (%d)", name, 0);
    return NULL;
  }
  p->kind = MEC_DNN_NONE;
  snprintf(p->name, sizeof(p->name), "%s", name ? name : "custom");
  p->in_c = in_c, p->in_h = in_h, p->in_w = in_w;
  p->bits_per_element = bits_per_element;
  p->input_bits = (double)in_c * in_h * in_w * bits_per_element;
  p->n_layers = n_spec;

  int c = in_c, h = in_h, w = in_w;
  int flat = 0; /* after the first fc the data is a vector */
  for (int i = 0; i < n_spec; i++) {
    const mec_dnn_layer_spec_t *s = &spec[i];
    mec_dnn_layer_t *L = &p->layer[i];
    snprintf(L->name, sizeof(L->name), "%s", s->name ? s->name : "layer");
    L->type = s->type;
    L->in_c = c, L->in_h = h, L->in_w = w;
    L->kernel = s->kernel, L->stride = s->stride, L->pad = s->pad;
    L->groups = s->groups > 1 ? s->groups : 1;
    uint64_t in_elems = (uint64_t)c * h * w;
    switch (s->type) {
    case MEC_LAYER_CONV: {
      if (flat || s->out_c <= 0 || s->kernel <= 0 || s->stride <= 0 || c % L->groups || s->out_c % L->groups) {
        set_err(err, errlen, "dnn %s: invalid conv layer %d", name, i + 1);
        free(p);
        return NULL;
      }
      L->out_c = s->out_c;
      L->out_h = window_out(h, s->kernel, s->stride, s->pad, 0);
      L->out_w = window_out(w, s->kernel, s->stride, s->pad, 0);
      uint64_t per_out = (uint64_t)s->kernel * s->kernel * (uint64_t)(c / L->groups);
      L->macs = (uint64_t)L->out_h * L->out_w * L->out_c * per_out;
      L->flops = 2 * L->macs;
      L->params = (uint64_t)L->out_c * per_out + (uint64_t)L->out_c;
      break;
    }
    case MEC_LAYER_FC:
      if (s->out_c <= 0) {
        set_err(err, errlen, "dnn %s: invalid fc layer %d", name, i + 1);
        free(p);
        return NULL;
      }
      flat = 1;
      L->out_c = s->out_c, L->out_h = 1, L->out_w = 1;
      L->kernel = 1, L->stride = 1;
      L->macs = in_elems * (uint64_t)s->out_c;
      L->flops = 2 * L->macs;
      L->params = L->macs + (uint64_t)s->out_c;
      break;
    case MEC_LAYER_MAXPOOL:
    case MEC_LAYER_AVGPOOL:
      if (flat || s->kernel <= 0 || s->stride <= 0) {
        set_err(err, errlen, "dnn %s: invalid pooling layer %d", name, i + 1);
        free(p);
        return NULL;
      }
      L->out_c = c;
      L->out_h = window_out(h, s->kernel, s->stride, s->pad, s->ceil_mode);
      L->out_w = window_out(w, s->kernel, s->stride, s->pad, s->ceil_mode);
      L->flops = (uint64_t)L->out_c * L->out_h * L->out_w * (uint64_t)s->kernel * s->kernel;
      break;
    case MEC_LAYER_LRN:
      L->out_c = c, L->out_h = h, L->out_w = w;
      L->flops = in_elems * (uint64_t)(2 * s->kernel + 3);
      break;
    case MEC_LAYER_RELU:
      L->out_c = c, L->out_h = h, L->out_w = w;
      L->flops = in_elems;
      break;
    case MEC_LAYER_SOFTMAX:
      L->out_c = c, L->out_h = h, L->out_w = w;
      L->flops = 3 * in_elems;
      break;
    default:
      set_err(err, errlen, "dnn %s: unknown layer type at %d", name, i + 1);
      free(p);
      return NULL;
    }
    if (L->out_c <= 0 || L->out_h <= 0 || L->out_w <= 0) {
      set_err(err, errlen, "dnn %s: layer %d has an empty output", name, i + 1);
      free(p);
      return NULL;
    }
    L->out_bits = (double)L->out_c * L->out_h * L->out_w * bits_per_element;
    c = L->out_c, h = L->out_h, w = L->out_w;
    p->total_macs += L->macs;
    p->total_flops += L->flops;
    p->total_params += L->params;
  }
  return p;
}

mec_dnn_profile_t *mec_dnn_profile_new(int kind, int bits_per_element)
{
  int n, c, h, w;
  const mec_dnn_layer_spec_t *s = mec_dnn_spec(kind, &n, &c, &h, &w);
  if (!s || bits_per_element <= 0)
    return NULL;
  mec_dnn_profile_t *p = mec_dnn_profile_build(mec_dnn_kind_name(kind), c, h, w, bits_per_element, s, n, NULL, 0);
  if (p)
    p->kind = kind;
  return p;
}

void mec_dnn_profile_free(mec_dnn_profile_t *p)
{
  free(p);
}

double mec_dnn_output_bits(const mec_dnn_profile_t *p, int m)
{
  if (!p || m < 0 || m > p->n_layers)
    return 0.0;
  return m == 0 ? p->input_bits : p->layer[m - 1].out_bits;
}
