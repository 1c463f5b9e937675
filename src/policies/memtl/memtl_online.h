/* memtl_online.h - online adaptation of a deployed MEMTL or MTFNN model to a
 * drifting environment (beyond the paper, its motivation made real;
 * docs/memtl.md, "Online heads").
 *
 * The learner watches the decision instances it is asked about. An instance
 * is novel when one of its raw features lies outside the range seen so far
 * (the training set's, widened by `margin` of its width, then by every
 * window trained on). When at least half of the last `detect` instances are
 * novel, the environment is taken to have drifted and the next `window`
 * instances are collected. Then, in one background job:
 *  - every collected instance is labelled with the exact generator
 *    (memtl_label_exact), and
 *  - MEMTL trains one new head on them, backbone frozen (Algorithm 1 line 6
 *    on the new data), `epochs` epochs; MTFNN instead retrains its whole
 *    network (backbone and head, from its current weights) on the same
 *    data for the same epochs: the baseline the paper argues against.
 * The job's compute (labelling work x MEMTL_FLOPS_PER_MT_EVAL x N, plus
 * flops_per_mac x the training MACs) is reported so that the simulator runs
 * it on the server host; the result is computed at once but becomes active
 * only when memtl_online_done says the job ended in simulated time. Then
 * the detector's range takes in the window, so the same drift does not
 * trigger again. One job at a time; MEMTL stops adding heads at
 * MEMTL_MAX_HEADS.
 *
 * Plain C: no simulation needed (the unit tests drive it directly). */
#ifndef MECSIM_MEMTL_ONLINE_H
#define MECSIM_MEMTL_ONLINE_H
#include "policies/memtl/memtl_model.h"

/* Kinds of the background jobs in the trace's /background.kind. */
#define MEMTL_BG_NEW_HEAD 1 /* MEMTL: a new head on the frozen backbone */
#define MEMTL_BG_RETRAIN 2  /* MTFNN: the whole network retrained */

typedef struct memtl_online_cfg {
  size_t window;       /* instances labelled and trained on per job (default 256) */
  size_t detect;       /* instances the drift test looks back over (default 16) */
  size_t epochs;       /* training epochs per job (default 30, the paper's) */
  size_t batch;        /* minibatch (default 32) */
  double lr;           /* Adam (default 0.001) */
  double margin;       /* widening of the seen range, fraction of its width (default 0.05) */
  double step;         /* label grid (default: the model's) */
  double flops_per_mac;/* compute charged per MAC (default 2) */
  uint64_t seed;
} memtl_online_cfg_t;
memtl_online_cfg_t memtl_online_cfg_default(void);

typedef struct memtl_online memtl_online_t;

/* A learner for model m (not owned; it must outlive the learner). The
 * detector starts from the model's normaliser range (the training set's
 * minimum and maximum of every raw feature). NULL on bad config. */
memtl_online_t *memtl_online_new(memtl_model_t *m, const memtl_online_cfg_t *cfg);
void memtl_online_free(memtl_online_t *o);

/* A background job the caller must run. */
typedef struct memtl_online_job {
  uint64_t id;
  double flops;      /* labelling + training */
  double samples;    /* instances labelled and trained on */
  double label_work; /* memtl_label_t.work summed */
  double train_macs; /* MACs of the training */
} memtl_online_job_t;

/* Watches one instance (p: its common parameters; mt: its N MTs, raw).
 * Returns 1 when this instance completed a window and a job was prepared
 * (*job filled; the result waits for memtl_online_done), 0 otherwise, -1 on
 * failure (memtl_model_error()). */
int memtl_online_observe(memtl_online_t *o, const memtl_params_t *p, const memtl_mt_t *mt, memtl_online_job_t *job);

/* Job id ended: its head (MEMTL) or retrained network (MTFNN) becomes
 * active. 0, or -1 for an unknown id. */
int memtl_online_done(memtl_online_t *o, uint64_t id);

/* State for traces and tests. */
typedef struct memtl_online_stats {
  size_t observed, novel, jobs_started, jobs_done;
  int collecting, job_running;
} memtl_online_stats_t;
void memtl_online_stats(const memtl_online_t *o, memtl_online_stats_t *s);
#endif
