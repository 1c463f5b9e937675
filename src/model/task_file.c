/* task_file.c - reads and checks the CSV task trace (see task_file.h). */
#include "model/task_file.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

int mec_task_row_check(const mec_replay_row_t *r, int n_md, char *err, size_t errlen)
{
  static const struct { const char *name; size_t off; double max; } f[] = {
      {"arrival_s", offsetof(mec_replay_row_t, arrival), MEC_TASK_MAX_TIME},
      {"input_bits", offsetof(mec_replay_row_t, input_bits), MEC_TASK_MAX_BITS},
      {"cycles", offsetof(mec_replay_row_t, cycles), MEC_TASK_MAX_CYCLES},
      {"output_bits", offsetof(mec_replay_row_t, output_bits), MEC_TASK_MAX_BITS},
      {"deadline_s", offsetof(mec_replay_row_t, deadline), MEC_TASK_MAX_TIME},
  };
  if (r->md < 0 || r->md >= n_md) {
    snprintf(err, errlen, "md = %d: expected a device index in 0..%d", r->md, n_md - 1);
    return -1;
  }
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
    double v;
    memcpy(&v, (const char *)r + f[i].off, sizeof v);
    if (!isfinite(v) || v < 0 || v > f[i].max) {
      snprintf(err, errlen, "%s = %g: expected a finite number in [0, %g]", f[i].name, v, f[i].max);
      return -1;
    }
  }
  return 0;
}

/* Stable merge sort by (md, arrival): O(n log n) for large traces. */
static int row_before(const mec_replay_row_t *a, const mec_replay_row_t *b)
{
  return a->md < b->md || (a->md == b->md && a->arrival < b->arrival);
}

static void merge_sort(mec_replay_row_t *a, mec_replay_row_t *tmp, size_t n)
{
  if (n < 2)
    return;
  size_t h = n / 2;
  merge_sort(a, tmp, h);
  merge_sort(a + h, tmp, n - h);
  size_t i = 0, j = h, k = 0;
  while (i < h && j < n)
    tmp[k++] = row_before(&a[j], &a[i]) ? a[j++] : a[i++];
  while (i < h)
    tmp[k++] = a[i++];
  while (j < n)
    tmp[k++] = a[j++];
  memcpy(a, tmp, n * sizeof *a);
}

int mec_task_file_read(FILE *f, const char *path, int n_md, mec_replay_row_t **out, size_t *count, char *err,
                       size_t errlen)
{
  size_t cap = 0, n = 0;
  mec_replay_row_t *rows = NULL;
  char line[1024];
  long lineno = 0;
  *out = NULL;
  *count = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    size_t len = strlen(line);
    if (len == sizeof line - 1 && line[len - 1] != '\n' && !feof(f)) {
      snprintf(err, errlen, "task file '%s' line %ld: longer than %zu characters", path, lineno, sizeof line - 2);
      free(rows);
      return -1;
    }
    char *p = line;
    while (*p == ' ' || *p == '\t')
      p++;
    if (*p == '#' || *p == '\n' || *p == '\r' || *p == '\0' || (lineno == 1 && strncmp(p, "md", 2) == 0))
      continue; /* comment, blank line or header */
    mec_replay_row_t r;
    char extra;
    int got = sscanf(p, "%d,%lf,%lf,%lf,%lf,%lf %c", &r.md, &r.arrival, &r.input_bits, &r.cycles, &r.output_bits,
                     &r.deadline, &extra);
    char why[256];
    if (got != 6) {
      snprintf(err, errlen, "task file '%s' line %ld: expected md,arrival_s,input_bits,cycles,output_bits,deadline_s",
               path, lineno);
      free(rows);
      return -1;
    }
    if (mec_task_row_check(&r, n_md, why, sizeof why) != 0) {
      snprintf(err, errlen, "task file '%s' line %ld: %s", path, lineno, why);
      free(rows);
      return -1;
    }
    if (n == cap) {
      cap = cap ? 2 * cap : 1024;
      mec_replay_row_t *g = realloc(rows, cap * sizeof *rows);
      if (!g) {
        snprintf(err, errlen, "task file '%s': out of memory at line %ld", path, lineno);
        free(rows);
        return -1;
      }
      rows = g;
    }
    rows[n++] = r;
  }
  if (ferror(f)) {
    snprintf(err, errlen, "task file '%s': read error after line %ld", path, lineno);
    free(rows);
    return -1;
  }
  if (n > 1) {
    mec_replay_row_t *tmp = malloc(n * sizeof *tmp);
    if (!tmp) {
      snprintf(err, errlen, "task file '%s': out of memory", path);
      free(rows);
      return -1;
    }
    merge_sort(rows, tmp, n);
    free(tmp);
  }
  *out = rows;
  *count = n;
  return 0;
}
