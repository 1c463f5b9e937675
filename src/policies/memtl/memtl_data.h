/* memtl_data.h - labelled datasets for MEMTL/MTFNN: sampling inputs,
 * labelling them (memtl_label.h), features and their normalisation, the
 * paper's "new environment" split, bootstrap resamples, and the two file
 * formats: our HDF5 dataset and the CSV layout of the paper's public code
 * (github qiyu3816/MTFNN-CO). docs/memtl.md, "Datasets".
 *
 * Errors: functions returning int give 0 or -1, pointers NULL, with one
 * sentence in memtl_data_error() naming the file, the line or dataset and
 * what was expected. Files are untrusted input. */
#ifndef MECSIM_MEMTL_DATA_H
#define MECSIM_MEMTL_DATA_H
#include "policies/memtl/memtl_label.h"
#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

const char *memtl_data_error(void);

/* ------------------------------------------------------------------------ */
/* Sampling inputs                                                           */
/* ------------------------------------------------------------------------ */
typedef enum {
  MEMTL_DIST_CONST = 0,   /* lo */
  MEMTL_DIST_UNIFORM,     /* U[lo, hi] */
  MEMTL_DIST_TRUNC_NORMAL,/* N(mu, sigma) redrawn until in [lo, hi] (the public code's range_random);
                             after 10^6 redraws the last draw is clamped to [lo, hi] */
  MEMTL_DIST_LOG_UNIFORM  /* exp(U[ln lo, ln hi]), lo > 0 */
} memtl_dist_kind_t;

typedef struct memtl_dist {
  memtl_dist_kind_t kind;
  double lo, hi, mu, sigma;
} memtl_dist_t;

/* How one MT's inputs are drawn. cycles = cycles_per_bit * up_bits and
 * down_bits = down_ratio * up_bits. */
typedef struct memtl_sampler {
  memtl_dist_t up_bits, f_local, h, alpha, deadline;
  double cycles_per_bit; /* the public code: 3e3 */
  double down_ratio;     /* 0: no download (the public code) */
} memtl_sampler_t;

/* Presets:
 *  "mtfnn-co"      the public code's README (its datasets): up_bits U[0, 5e5], f_local U[0, 1e9],
 *                  h U[0, 1], alpha U[0, 1], deadline 1 s, 3e3 cycles/bit, no download;
 *  "mtfnn-co-2024" its CONV_CO_MINLP_GEN (2024): up_bits N(2.5e5, 5e4) in [0, 5e5],
 *                  f_local N(5e8, 2e8) in [0, 1e9], the rest as "mtfnn-co".
 * 0, or -1 for an unknown name (message lists the names). */
int memtl_sampler_preset(const char *name, memtl_sampler_t *out);

/* Sets one field from text, "up_bits=uniform:1e4:2.5e5" (also const:X,
 * trunc_normal:MU:SIGMA:LO:HI, log_uniform:LO:HI; cycles_per_bit=X,
 * down_ratio=X). 0, or -1 with the reason (s unchanged). */
int memtl_sampler_set(memtl_sampler_t *s, const char *kv);

/* Draws one value / one MT. An invalid distribution (log-uniform with
 * lo <= 0, an unknown kind) draws NaN; memtl_dataset_generate checks first. */
double memtl_dist_draw(const memtl_dist_t *d, gsl_rng *rng);
void memtl_sample_mt(const memtl_sampler_t *s, gsl_rng *rng, memtl_mt_t *mt);

/* ------------------------------------------------------------------------ */
/* Datasets                                                                  */
/* ------------------------------------------------------------------------ */
typedef struct memtl_dataset {
  size_t n;               /* samples */
  size_t n_mt;            /* N, MTs per sample (1..MEMTL_MAX_N) */
  memtl_params_t params;  /* common to every sample */
  double step;            /* grid step of the labels */
  memtl_mt_t *mt;         /* [n * n_mt] inputs, sample-major */
  int *d;                 /* [n * n_mt] D* */
  double *r;              /* [n * n_mt] R* (0 for local MTs) */
  uint32_t *code;         /* [n] class code of D* (memtl_code) */
  double *cost;           /* [n] C_total of (D*, R*) */
  int *feasible;          /* [n] 1 if (D*, R*) meets every deadline */
  /* provenance, written as attributes */
  char generator[64];     /* "mecsim exact" (memtl_label_exact), "csv" (imported labels), ... */
  char sampler_name[32];  /* preset name or "custom"; "" if unknown (imported) */
  memtl_sampler_t sampler;
  uint64_t seed;
} memtl_dataset_t;

/* Zeroed dataset with arrays for n samples of n_mt MTs; NULL on bad sizes or
 * memory. Free with memtl_dataset_free (NULL is fine). */
memtl_dataset_t *memtl_dataset_new(size_t n, size_t n_mt);
void memtl_dataset_free(memtl_dataset_t *ds);

/* Writes sample i's label from lab. */
void memtl_dataset_set_label(memtl_dataset_t *ds, size_t i, const memtl_label_t *lab);

/* Draws n samples from sampler s (stream mec_rng_new(seed, MEC_STREAM_TRAINING, 0))
 * and labels each with memtl_label_exact at `step`. progress (may be NULL) is
 * called every `every` samples and at the end with (done, n). NULL on error. */
typedef void (*memtl_progress_fn)(void *ctx, size_t done, size_t total);
memtl_dataset_t *memtl_dataset_generate(const memtl_params_t *p, const memtl_sampler_t *s, size_t n_mt,
                                        size_t n, double step, uint64_t seed, memtl_progress_fn progress,
                                        void *ctx, size_t every);

/* Replaces every label of ds by what memtl_label_exact gives at `step`
 * (the --relabel mode); generator becomes "mecsim exact". */
int memtl_dataset_relabel(memtl_dataset_t *ds, double step, memtl_progress_fn progress, void *ctx, size_t every);

/* The rows idx[0..m) of ds as a new dataset (repeats allowed). */
memtl_dataset_t *memtl_dataset_subset(const memtl_dataset_t *ds, const size_t *idx, size_t m);

/* HDF5 file (docs/memtl.md, "Dataset file"): root attributes format =
 * "mecsim-memtl-dataset", format_version, n, n_mt, step, channel, the
 * params, generator, sampler (name and every distribution), seed; datasets
 * /inputs [n, n_mt, 7] (up_bits, cycles, down_bits, deadline, f_local, h,
 * alpha), /d [n, n_mt] (int8), /r [n, n_mt], /code [n] (uint32), /cost [n],
 * /feasible [n] (int8). Written to path.tmp, then renamed. */
int memtl_dataset_save(const memtl_dataset_t *ds, const char *path);
/* Loads and validates everything (finite, in range, d/code consistent,
 * sizes within limits) before returning. A cost may be +inf (a sample with
 * no decision of finite cost). Save refuses datasets that load would refuse,
 * and MTs carrying their own rates (rate_up, rate_down), which the file does
 * not hold. */
memtl_dataset_t *memtl_dataset_load(const char *path);

/* CSV of the public code (one header line of column indices 0..7N as pandas
 * writes it, then one row per sample): per MT its 6 features (s, c, f_local,
 * h, alpha, beta = 1 - alpha), then the class code of D, then the N
 * allocation fractions. Import takes the common parameters from p (the
 * public preset: memtl_params_mtfnn_co()), every MT's deadline from the
 * argument (down_bits 0, no own rates); the labels are kept as the file's
 * (generator "csv") and their cost and feasibility recomputed with our
 * model. n_mt = (columns - 1) / 7. */
memtl_dataset_t *memtl_csv_import(const char *path, const memtl_params_t *p, double deadline, double step);
/* Export drops down_bits and deadline (the layout has no column for them;
 * import sets the deadline argument and down_bits 0) and refuses what save
 * refuses. */
int memtl_csv_export(const memtl_dataset_t *ds, const char *path);

/* ------------------------------------------------------------------------ */
/* Features                                                                  */
/* ------------------------------------------------------------------------ */
/* Per MT: up_bits, cycles, down_bits, deadline, f_local, h, alpha,
 * 1 - alpha. (The public code's 6 are the same minus down_bits and
 * deadline, constant there.) */
#define MEMTL_FEATURES_PER_MT 8
void memtl_features_raw(const memtl_mt_t *mt, size_t n_mt, double *x); /* x[n_mt * 8] */

/* Min-max scaling to [0, 1] per feature column, fitted on a set of samples
 * (a column with max == min maps to 0). Values outside the fitted range map
 * outside [0, 1] (a new environment). */
typedef struct memtl_norm {
  size_t dim;
  double lo[MEMTL_MAX_N * MEMTL_FEATURES_PER_MT];
  double hi[MEMTL_MAX_N * MEMTL_FEATURES_PER_MT];
} memtl_norm_t;
void memtl_norm_fit(const memtl_dataset_t *ds, memtl_norm_t *nm);
void memtl_norm_apply(const memtl_norm_t *nm, const double *raw, double *x);
/* The normalised feature matrix of ds (ds->n x dim), malloc'd. */
double *memtl_features(const memtl_dataset_t *ds, const memtl_norm_t *nm);

/* ------------------------------------------------------------------------ */
/* Splits                                                                    */
/* ------------------------------------------------------------------------ */
/* The paper's "new environment" split (and the public code's
 * split_dataset2subsets_train): features scaled to [0, 1] over the whole
 * set, samples sorted by the mean over MTs of the sum of their squared
 * scaled features; the n_test samples with the largest values are the test
 * set, the rest the training set. train_idx gets n - n_test indices, test_idx
 * n_test, both in sorted order; *threshold the smallest test value (every
 * training value is <= it). Ties are broken by sample index. */
int memtl_split_new_env(const memtl_dataset_t *ds, size_t n_test, size_t *train_idx, size_t *test_idx,
                        double *threshold);
/* A random split (the public code's train_test_split, "same environment"). */
int memtl_split_random(const memtl_dataset_t *ds, size_t n_test, gsl_rng *rng, size_t *train_idx,
                       size_t *test_idx);

/* Bootstrap: out[0..m) drawn uniformly with replacement from idx[0..m)
 * (Algorithm 1 line 1: each head's set has the size of the training set). */
void memtl_bootstrap(const size_t *idx, size_t m, gsl_rng *rng, size_t *out);
#endif
