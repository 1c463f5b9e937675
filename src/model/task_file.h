/* task_file.h - the CSV task trace that arrivals=file replays (plain C).
 *
 * One task per line: md,arrival_s,input_bits,cycles,output_bits,deadline_s.
 * Blank lines and lines starting with '#' are skipped, and so is a first line
 * starting with "md" (a header). Every number must be finite and within the
 * limits below; md must name a device (0..n_md-1). */
#ifndef MECSIM_TASK_FILE_H
#define MECSIM_TASK_FILE_H
#include <stddef.h>
#include <stdio.h>

/* Largest values a task may carry: beyond them SimGrid's activities lose
 * their precision (or overflow to infinity) and a run cannot end cleanly. */
#define MEC_TASK_MAX_BITS 1e15    /* bit (125 TB) */
#define MEC_TASK_MAX_CYCLES 1e18  /* cycle */
#define MEC_TASK_MAX_TIME 1e12    /* s, arrival times and deadlines (31,700 years) */

typedef struct mec_replay_row {
  int md;
  double arrival, input_bits, cycles, output_bits, deadline;
} mec_replay_row_t;

/* Reads the tasks of `f` (named `path` in messages) for a world of n_md
 * devices, sorted by (md, arrival), stable. Returns 0 with a malloc'ed array
 * (NULL when the file holds no task), or -1 with err naming the file and line. */
int mec_task_file_read(FILE *f, const char *path, int n_md, mec_replay_row_t **rows, size_t *count, char *err,
                       size_t errlen);

/* Checks one row; returns 0, or -1 with err saying which field is wrong. */
int mec_task_row_check(const mec_replay_row_t *r, int n_md, char *err, size_t errlen);
#endif
