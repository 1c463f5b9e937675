/* position_trace.c - reads and replays CSV position traces (see position_trace.h). */
#include "model/position_trace.h"
#include "model/text_util.h"
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { COL_TIME, COL_DEVICE, COL_X, COL_Y, N_COLS };
static const char *const col_names[N_COLS] = {"time", "device", "x", "y"};

typedef struct {
  int d;
  double t, x, y;
} row_t;

typedef struct {
  const char *path;
  long lineno;
  char *err;
  size_t errlen;
} ctx_t;

/* "position trace 'F' line N: ..." (line 0: no line part). Always -1. */
static int fail(const ctx_t *c, const char *fmt, ...)
{
  char what[384];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  if (c->lineno > 0)
    snprintf(c->err, c->errlen, "position trace '%s' line %ld: %s", c->path, c->lineno, what);
  else
    snprintf(c->err, c->errlen, "position trace '%s': %s", c->path, what);
  return -1;
}

/* Copies field [b, e) for a message: at most 40 bytes, anything that is not
 * printable ASCII shown as '?', so a message stays one readable line. */
static const char *shown(const char *b, const char *e, char *buf, size_t size)
{
  size_t n = 0;
  for (; b < e && n + 4 < size && n < 40; b++)
    buf[n++] = (*b >= 0x20 && *b < 0x7f) ? *b : '?';
  if (b < e && n + 4 < size) {
    memcpy(buf + n, "...", 3);
    n += 3;
  }
  buf[n] = '\0';
  return buf;
}

/* Field [b, e) without surrounding blanks. */
static void trim(const char **b, const char **e)
{
  while (*b < *e && (**b == ' ' || **b == '\t'))
    (*b)++;
  while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
    (*e)--;
}

/* Parses the whole field [b, e) as a finite double. */
static int parse_double(const char *b, const char *e, double *v)
{
  char buf[64];
  size_t n = (size_t)(e - b);
  if (n == 0 || n >= sizeof buf)
    return -1;
  memcpy(buf, b, n);
  buf[n] = '\0';
  char *end;
  *v = strtod(buf, &end);
  return (*end == '\0' && isfinite(*v)) ? 0 : -1;
}

/* Parses the whole field [b, e) as a decimal integer in [0, max]. */
static int parse_index(const char *b, const char *e, long max, long *v)
{
  char buf[32];
  size_t n = (size_t)(e - b);
  if (n == 0 || n >= sizeof buf)
    return -1;
  memcpy(buf, b, n);
  buf[n] = '\0';
  for (size_t i = 0; i < n; i++)
    if (buf[i] < '0' || buf[i] > '9')
      return -1; /* no sign, no blank, no hex: strtol alone would take " +0x1" */
  errno = 0;
  char *end;
  *v = strtol(buf, &end, 10);
  return (*end == '\0' && errno == 0 && *v <= max) ? 0 : -1;
}

/* Splits line [b, e) at commas into at most max fields (trimmed); returns
 * the number of fields, max + 1 when there are more. */
static int split(const char *b, const char *e, const char **fb, const char **fe, int max)
{
  int n = 0;
  for (;;) {
    const char *c = memchr(b, ',', (size_t)(e - b));
    const char *end = c ? c : e;
    if (n == max)
      return max + 1;
    fb[n] = b;
    fe[n] = end;
    trim(&fb[n], &fe[n]);
    n++;
    if (!c)
      return n;
    b = c + 1;
  }
}

/* Reads the header line into col[k] = index of the field holding column k. */
static int parse_header(const ctx_t *c, const char *b, const char *e, int *field_of)
{
  const char *fb[N_COLS + 1], *fe[N_COLS + 1];
  char buf[64];
  int n = split(b, e, fb, fe, N_COLS);
  double v;
  if (parse_double(fb[0], fe[0], &v) == 0)
    return fail(c, "expected the header time,device,x,y before the first row");
  for (int k = 0; k < N_COLS; k++)
    field_of[k] = -1;
  for (int f = 0; f < n && f < N_COLS; f++) {
    int k = 0;
    size_t len = (size_t)(fe[f] - fb[f]);
    while (k < N_COLS && !(strlen(col_names[k]) == len && memcmp(fb[f], col_names[k], len) == 0))
      k++;
    if (k == N_COLS)
      return fail(c, "header: unknown column '%s' (expected time, device, x, y)", shown(fb[f], fe[f], buf, sizeof buf));
    if (field_of[k] >= 0)
      return fail(c, "header: column '%s' appears twice", col_names[k]);
    field_of[k] = f;
  }
  if (n > N_COLS)
    return fail(c, "header: more than 4 columns (expected time, device, x, y)");
  for (int k = 0; k < N_COLS; k++)
    if (field_of[k] < 0)
      return fail(c, "header: column '%s' is missing (expected time, device, x, y)", col_names[k]);
  return 0;
}

static int parse_row(const ctx_t *c, const char *b, const char *e, const int *field_of, int n_md, row_t *r)
{
  const char *fb[N_COLS + 1], *fe[N_COLS + 1];
  char buf[64];
  int n = split(b, e, fb, fe, N_COLS);
  if (n != N_COLS)
    return fail(c, "expected 4 fields (time,device,x,y in the header's order), found %s%d",
                n > N_COLS ? "more than " : "", n > N_COLS ? N_COLS : n);
  int f = field_of[COL_TIME];
  if (parse_double(fb[f], fe[f], &r->t) != 0 || r->t < 0 || r->t > MEC_POSITION_TRACE_MAX_TIME)
    return fail(c, "time = '%s': expected a finite number of seconds in [0, %g]", shown(fb[f], fe[f], buf, sizeof buf),
                MEC_POSITION_TRACE_MAX_TIME);
  f = field_of[COL_DEVICE];
  long d;
  if (parse_index(fb[f], fe[f], (long)n_md - 1, &d) != 0)
    return fail(c, "device = '%s': expected a device index in 0..%d", shown(fb[f], fe[f], buf, sizeof buf), n_md - 1);
  r->d = (int)d;
  static const int xy[2] = {COL_X, COL_Y};
  for (int k = 0; k < 2; k++) {
    f = field_of[xy[k]];
    double v;
    if (parse_double(fb[f], fe[f], &v) != 0 || fabs(v) > MEC_POSITION_TRACE_MAX_COORD)
      return fail(c, "%s = '%s': expected a finite number of metres in [-%g, %g]", col_names[xy[k]],
                  shown(fb[f], fe[f], buf, sizeof buf), MEC_POSITION_TRACE_MAX_COORD, MEC_POSITION_TRACE_MAX_COORD);
    *(k ? &r->y : &r->x) = v;
  }
  return 0;
}

void mec_position_trace_free(mec_position_trace_t *tr)
{
  if (!tr)
    return;
  free(tr->first);
  free(tr->t);
  free(tr->x);
  free(tr->y);
  free(tr);
}

/* Groups the rows by device (a stable counting sort: the rows of one device
 * are already time-ordered) into a new trace. */
static mec_position_trace_t *build(const ctx_t *c, const row_t *rows, size_t n, int n_md, const size_t *count)
{
  mec_position_trace_t *tr = calloc(1, sizeof *tr);
  if (tr) {
    tr->first = malloc(((size_t)n_md + 1) * sizeof *tr->first);
    tr->t = malloc(n * sizeof *tr->t);
    tr->x = malloc(n * sizeof *tr->x);
    tr->y = malloc(n * sizeof *tr->y);
  }
  if (!tr || !tr->first || !tr->t || !tr->x || !tr->y) {
    mec_position_trace_free(tr);
    fail(c, "out of memory for %zu samples", n);
    return NULL;
  }
  tr->n_md = n_md;
  tr->n = n;
  tr->first[0] = 0;
  for (int d = 0; d < n_md; d++)
    tr->first[d + 1] = tr->first[d] + count[d];
  size_t *next = malloc((size_t)n_md * sizeof *next);
  if (!next) {
    mec_position_trace_free(tr);
    fail(c, "out of memory for %d devices", n_md);
    return NULL;
  }
  memcpy(next, tr->first, (size_t)n_md * sizeof *next);
  for (size_t i = 0; i < n; i++) {
    size_t j = next[rows[i].d]++;
    tr->t[j] = rows[i].t;
    tr->x[j] = rows[i].x;
    tr->y[j] = rows[i].y;
  }
  free(next);
  return tr;
}

mec_position_trace_t *mec_position_trace_parse(const char *text, size_t len, const char *path, int n_md, char *err,
                                               size_t errlen)
{
  ctx_t c = {path ? path : "(null)", 0, err, errlen};
  if (n_md < 1 || n_md > MEC_POSITION_TRACE_MAX_DEVICES) {
    fail(&c, "the world has %d devices: expected 1..%d", n_md, MEC_POSITION_TRACE_MAX_DEVICES);
    return NULL;
  }
  if (!text && len > 0) {
    fail(&c, "no text");
    return NULL;
  }
  if (!text)
    text = ""; /* NULL + 0 is undefined in C */
  /* Per device: samples so far, the last time and the line it came from. */
  size_t *count = calloc((size_t)n_md, sizeof *count);
  double *last_t = malloc((size_t)n_md * sizeof *last_t);
  long *last_line = malloc((size_t)n_md * sizeof *last_line);
  row_t *rows = NULL;
  size_t n = 0, cap = 0;
  int field_of[N_COLS], have_header = 0, rc = 0;
  mec_position_trace_t *tr = NULL;
  if (!count || !last_t || !last_line) {
    rc = fail(&c, "out of memory for %d devices", n_md);
    goto done;
  }
  const char *p = text, *end = text + len;
  if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
    p += 3; /* UTF-8 byte order mark, as spreadsheets write */
  while (rc == 0 && p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *b = p, *e = nl ? nl : end;
    p = nl ? nl + 1 : end;
    c.lineno++;
    if (e > b && e[-1] == '\r')
      e--; /* CRLF files */
    char buf[64];
    if ((size_t)(e - b) > MEC_POSITION_TRACE_MAX_LINE) {
      rc = fail(&c, "longer than %d characters", MEC_POSITION_TRACE_MAX_LINE);
      break;
    }
    const char *nul = memchr(b, '\0', (size_t)(e - b));
    if (nul) {
      rc = fail(&c, "NUL byte at column %ld (a text file was expected)", (long)(nul - b) + 1);
      break;
    }
    trim(&b, &e);
    if (b == e || *b == '#')
      continue; /* blank line or comment */
    if (!have_header) {
      rc = parse_header(&c, b, e, field_of);
      have_header = 1;
      continue;
    }
    row_t r;
    if ((rc = parse_row(&c, b, e, field_of, n_md, &r)) != 0)
      break;
    if (count[r.d] > 0 && !(r.t > last_t[r.d])) {
      const char *fb[N_COLS + 1], *fe[N_COLS + 1]; /* the row's time field, for the message */
      split(b, e, fb, fe, N_COLS);
      const char *tf = shown(fb[field_of[COL_TIME]], fe[field_of[COL_TIME]], buf, sizeof buf);
      if (r.t == last_t[r.d])
        rc = fail(&c, "device %d has a second sample at time %s (the first is on line %ld)", r.d, tf, last_line[r.d]);
      else
        rc = fail(&c, "device %d: time %s is before its previous sample (line %ld); a device's times must increase",
                  r.d, tf, last_line[r.d]);
      break;
    }
    if (n == cap) {
      size_t ncap = cap ? 2 * cap : 1024;
      row_t *g = realloc(rows, ncap * sizeof *rows);
      if (!g) {
        rc = fail(&c, "out of memory");
        break;
      }
      rows = g;
      cap = ncap;
    }
    rows[n++] = r;
    count[r.d]++;
    last_t[r.d] = r.t;
    last_line[r.d] = c.lineno;
  }
  if (rc != 0)
    goto done;
  c.lineno = 0; /* the remaining errors are about the whole file */
  if (!have_header) {
    rc = fail(&c, "empty (expected a header line time,device,x,y and one row per sample)");
    goto done;
  }
  if (n == 0) {
    rc = fail(&c, "no sample after the header");
    goto done;
  }
  int missing = 0, first_missing = -1;
  for (int d = 0; d < n_md; d++)
    if (count[d] == 0 && missing++ == 0)
      first_missing = d;
  if (missing) {
    rc = fail(&c, "device %d has no sample (%d of the %d devices have none; each of 0..%d needs at least one row)",
              first_missing, missing, n_md, n_md - 1);
    goto done;
  }
  tr = build(&c, rows, n, n_md, count);
done:
  free(count);
  free(last_t);
  free(last_line);
  free(rows);
  return rc == 0 ? tr : NULL;
}

mec_position_trace_t *mec_position_trace_load(const char *path, int n_md, char *err, size_t errlen)
{
  size_t len = 0;
  char *text = path ? mec_read_file(path, &len) : NULL;
  if (!text) {
    snprintf(err, errlen, "position trace '%s': cannot be read (%s)", path ? path : "(null)",
             path ? strerror(errno) : "no path");
    return NULL;
  }
  mec_position_trace_t *tr = mec_position_trace_parse(text, len, path, n_md, err, errlen);
  free(text);
  return tr;
}

void mec_position_trace_at(const mec_position_trace_t *tr, int d, double t, size_t *cursor, double *x, double *y,
                           double *vx, double *vy)
{
  size_t lo = tr->first[d], hi = tr->first[d + 1]; /* hi > lo: load checked it */
  size_t i = lo + *cursor;
  if (i >= hi)
    i = hi - 1;
  if (t < tr->t[i]) { /* earlier than the hint: the last sample at or before t, by bisection */
    size_t a = lo, b = i; /* invariant: t[b] > t; t[a] <= t unless a == lo */
    while (b - a > 1) {
      size_t m = a + (b - a) / 2;
      if (tr->t[m] <= t)
        a = m;
      else
        b = m;
    }
    i = a;
  } else {
    while (i + 1 < hi && tr->t[i + 1] <= t)
      i++;
  }
  *cursor = i - lo;
  double dx = 0, dy = 0;
  if (t < tr->t[i] || i + 1 == hi) { /* before the first or at/after the last sample: held */
    *x = tr->x[i];
    *y = tr->y[i];
  } else {
    double span = tr->t[i + 1] - tr->t[i], f = (t - tr->t[i]) / span;
    dx = tr->x[i + 1] - tr->x[i];
    dy = tr->y[i + 1] - tr->y[i];
    *x = tr->x[i] + dx * f;
    *y = tr->y[i] + dy * f;
    dx /= span;
    dy /= span;
  }
  if (vx)
    *vx = dx;
  if (vy)
    *vy = dy;
}
