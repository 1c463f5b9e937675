/* test_position_trace.c - CSV position traces: linear interpolation, held
 * positions before the first and after the last sample, time-ordered and
 * backward queries, every parser error with its exact message, the file in
 * test/data/mobility, and a fuzz run of seeded mutants of a good trace. */
#include "check.h"
#include "model/position_trace.h"
#include "model/rng.h"

#include <stdlib.h>
#include <string.h>

static mec_position_trace_t *parse(const char *text, int n_md, char *err, size_t errlen)
{
  return mec_position_trace_parse(text, strlen(text), "t.csv", n_md, err, errlen);
}

static const char two_rows[] = "time,device,x,y\n"
                               "2,0,10,-5\n"
                               "6,0,30,15\n";

static void test_interpolation(void)
{
  char err[512] = "";
  mec_position_trace_t *tr = parse(two_rows, 1, err, sizeof err);
  CHECK(tr != NULL);
  if (!tr) {
    fprintf(stderr, "  %s\n", err);
    return;
  }
  CHECK(tr->n == 2 && tr->n_md == 1);
  size_t cur = 0;
  double x, y, vx, vy;
  /* constant velocity (5, 5) m/s between the samples */
  static const double ts[] = {2, 2.5, 3.1, 4, 5.999, 6};
  for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
    mec_position_trace_at(tr, 0, ts[i], &cur, &x, &y, &vx, &vy);
    CHECK_REL(x, 10 + 5 * (ts[i] - 2), 1e-9);
    CHECK_REL(y, -5 + 5 * (ts[i] - 2), 1e-9);
    if (ts[i] < 6) {
      CHECK_REL(vx, 5, 1e-12);
      CHECK_REL(vy, 5, 1e-12);
    }
  }
  /* exactly at the samples: the samples themselves */
  mec_position_trace_at(tr, 0, 2, &cur, &x, &y, NULL, NULL);
  CHECK(x == 10 && y == -5);
  mec_position_trace_at(tr, 0, 6, &cur, &x, &y, &vx, &vy);
  CHECK(x == 30 && y == 15);
  CHECK(vx == 0 && vy == 0); /* at the last sample: held from now on */
  /* before the first sample: held at the first, not extrapolated */
  cur = 0;
  mec_position_trace_at(tr, 0, 0, &cur, &x, &y, &vx, &vy);
  CHECK(x == 10 && y == -5 && vx == 0 && vy == 0);
  mec_position_trace_at(tr, 0, 1.999, &cur, &x, &y, NULL, NULL);
  CHECK(x == 10 && y == -5);
  /* after the last: held at the last */
  mec_position_trace_at(tr, 0, 1e9, &cur, &x, &y, &vx, &vy);
  CHECK(x == 30 && y == 15 && vx == 0 && vy == 0);
  /* and back in time from there: bisection gives the same answer */
  mec_position_trace_at(tr, 0, 4, &cur, &x, &y, NULL, NULL);
  CHECK_REL(x, 20, 1e-12);
  CHECK_REL(y, 5, 1e-12);
  mec_position_trace_free(tr);
}

/* Many samples, interleaved devices, columns in another order: time-ordered
 * walks of the cursor and random-order queries agree. */
static void test_many_samples_and_cursor(void)
{
  enum { D = 3, S = 200 };
  size_t cap = 64 * D * S + 64, n = 0;
  char *text = malloc(cap);
  n += (size_t)snprintf(text + n, cap - n, "x, y ,device,time\r\n# comment\r\n\r\n");
  for (int k = 0; k < S; k++)
    for (int d = 0; d < D; d++) /* device d at time 2k: x = k^2 + d, y = -k */
      n += (size_t)snprintf(text + n, cap - n, "  %d,%d,%d,%d\r\n", k * k + d, -k, d, 2 * k);
  char err[512] = "";
  mec_position_trace_t *tr = mec_position_trace_parse(text, n, "many.csv", D, err, sizeof err);
  free(text);
  CHECK(tr != NULL);
  if (!tr) {
    fprintf(stderr, "  %s\n", err);
    return;
  }
  CHECK(tr->n == (size_t)D * S);
  int bad = 0;
  for (int d = 0; d < D; d++) {
    size_t cur = 0, cur2 = 0;
    for (double t = 0; t <= 2 * S + 3; t += 0.37) {
      double x, y, x2, y2;
      mec_position_trace_at(tr, d, t, &cur, &x, &y, NULL, NULL);
      int k = (int)(t / 2);
      double ex, ey;
      if (k >= S - 1) {
        ex = (double)(S - 1) * (S - 1) + d, ey = -(S - 1);
      } else {
        double f = (t - 2 * k) / 2;
        ex = k * k + d + f * (2 * k + 1), ey = -k - f;
      }
      bad += fabs(x - ex) > 1e-9 * fmax(1, fabs(ex)) || fabs(y - ey) > 1e-9 * fmax(1, fabs(ey));
      /* a query from a stale cursor far ahead gives the same result */
      cur2 = tr->first[d + 1] - tr->first[d] - 1;
      mec_position_trace_at(tr, d, t, &cur2, &x2, &y2, NULL, NULL);
      bad += x2 != x || y2 != y || cur2 != cur;
    }
  }
  CHECK(bad == 0);
  mec_position_trace_free(tr);
}

/* Parses text with n_md devices; the load must fail with exactly `want`. */
static int rejected_exactly(const char *text, size_t len, int n_md, const char *want)
{
  char err[512] = "";
  mec_position_trace_t *tr = mec_position_trace_parse(text, len, "t.csv", n_md, err, sizeof err);
  if (tr) {
    fprintf(stderr, "  accepted: %s\n", text);
    mec_position_trace_free(tr);
    return 0;
  }
  if (strcmp(err, want) != 0) {
    fprintf(stderr, "  got:  %s\n  want: %s\n", err, want);
    return 0;
  }
  return 1;
}

#define REJECTS(text, n_md, want) CHECK(rejected_exactly(text, strlen(text), n_md, want))

static void test_parser_errors(void)
{
  REJECTS("", 3, "position trace 't.csv': empty (expected a header line time,device,x,y and one row per sample)");
  REJECTS("# only a comment\n\n  \n", 3,
          "position trace 't.csv': empty (expected a header line time,device,x,y and one row per sample)");
  REJECTS("time,device,x,y\n", 3, "position trace 't.csv': no sample after the header");
  REJECTS("0,0,1,2\n", 3, "position trace 't.csv' line 1: expected the header time,device,x,y before the first row");
  REJECTS("time,device,x,z\n0,0,1,2\n", 3,
          "position trace 't.csv' line 1: header: unknown column 'z' (expected time, device, x, y)");
  REJECTS("Time,device,x,y\n", 3,
          "position trace 't.csv' line 1: header: unknown column 'Time' (expected time, device, x, y)");
  REJECTS("time,device,x,x\n", 3, "position trace 't.csv' line 1: header: column 'x' appears twice");
  REJECTS("time,device,x\n", 3, "position trace 't.csv' line 1: header: column 'y' is missing (expected time, device, x, y)");
  REJECTS("time,device,x,y,x\n", 3, "position trace 't.csv' line 1: header: more than 4 columns (expected time, device, x, y)");
  REJECTS("time,device,x,y\n0,0,1\n", 3,
          "position trace 't.csv' line 2: expected 4 fields (time,device,x,y in the header's order), found 3");
  REJECTS("time,device,x,y\n0,0,1,2,3\n", 3,
          "position trace 't.csv' line 2: expected 4 fields (time,device,x,y in the header's order), found more than 4");
  REJECTS("time,device,x,y\nnan,0,1,2\n", 3,
          "position trace 't.csv' line 2: time = 'nan': expected a finite number of seconds in [0, 1e+12]");
  REJECTS("time,device,x,y\n-1,0,1,2\n", 3,
          "position trace 't.csv' line 2: time = '-1': expected a finite number of seconds in [0, 1e+12]");
  REJECTS("time,device,x,y\n2e12,0,1,2\n", 3,
          "position trace 't.csv' line 2: time = '2e12': expected a finite number of seconds in [0, 1e+12]");
  REJECTS("time,device,x,y\n,0,1,2\n", 3,
          "position trace 't.csv' line 2: time = '': expected a finite number of seconds in [0, 1e+12]");
  REJECTS("time,device,x,y\n0,0,inf,2\n", 3,
          "position trace 't.csv' line 2: x = 'inf': expected a finite number of metres in [-1e+09, 1e+09]");
  REJECTS("time,device,x,y\n0,0,1,1e300\n", 3,
          "position trace 't.csv' line 2: y = '1e300': expected a finite number of metres in [-1e+09, 1e+09]");
  REJECTS("time,device,x,y\n0,0,1,1e999\n", 3,
          "position trace 't.csv' line 2: y = '1e999': expected a finite number of metres in [-1e+09, 1e+09]");
  REJECTS("time,device,x,y\n0,0,1\x01x,2\n", 3,
          "position trace 't.csv' line 2: x = '1?x': expected a finite number of metres in [-1e+09, 1e+09]");
  REJECTS("time,device,x,y\n0,3,1,2\n", 3, "position trace 't.csv' line 2: device = '3': expected a device index in 0..2");
  REJECTS("time,device,x,y\n0,-1,1,2\n", 3, "position trace 't.csv' line 2: device = '-1': expected a device index in 0..2");
  REJECTS("time,device,x,y\n0,1.5,1,2\n", 3, "position trace 't.csv' line 2: device = '1.5': expected a device index in 0..2");
  REJECTS("time,device,x,y\n0,99999999999999999999999,1,2\n", 3,
          "position trace 't.csv' line 2: device = '99999999999999999999999': expected a device index in 0..2");
  REJECTS("time,device,x,y\n0,dev1,1,2\n", 3, "position trace 't.csv' line 2: device = 'dev1': expected a device index in 0..2");
  /* a duplicate row (same device, same time) and a time going back */
  REJECTS("time,device,x,y\n0,0,1,2\n0,1,1,2\n0,0,1,2\n", 2,
          "position trace 't.csv' line 4: device 0 has a second sample at time 0 (the first is on line 2)");
  REJECTS("time,device,x,y\n5,0,1,2\n# c\n3.5,0,1,2\n", 1,
          "position trace 't.csv' line 4: device 0: time 3.5 is before its previous sample (line 2); a device's times "
          "must increase");
  /* every device must appear */
  REJECTS("time,device,x,y\n0,0,1,2\n0,2,1,2\n", 4,
          "position trace 't.csv': device 1 has no sample (2 of the 4 devices have none; each of 0..3 needs at least one row)");
  REJECTS("time,device,x,y\n0,0,1,2\n", 0, "position trace 't.csv': the world has 0 devices: expected 1..10000000");
  /* binary content */
  static const char nul[] = "time,device,x,y\n0,0\0,1,2\n";
  CHECK(rejected_exactly(nul, sizeof nul - 1, 1,
                         "position trace 't.csv' line 2: NUL byte at column 4 (a text file was expected)"));
  /* a huge line */
  size_t big = 5000;
  char *text = malloc(big + 32);
  strcpy(text, "time,device,x,y\n0,0,1,");
  size_t n = strlen(text);
  memset(text + n, '7', big);
  text[n + big] = '\0';
  CHECK(rejected_exactly(text, n + big, 1, "position trace 't.csv' line 2: longer than 1023 characters"));
  /* a long but legal number field is a number error, not a crash */
  text[n + 40] = '\0';
  CHECK(rejected_exactly(text, n + 40, 1,
                         "position trace 't.csv' line 2: y = '7777777777777777777777777777777777777777': expected a "
                         "finite number of metres in [-1e+09, 1e+09]"));
  text[n + 60] = '\0';
  memset(text + n, '7', 60);
  CHECK(rejected_exactly(text, n + 60, 1,
                         "position trace 't.csv' line 2: y = '7777777777777777777777777777777777777777...': expected a "
                         "finite number of metres in [-1e+09, 1e+09]"));
  free(text);
}

static void test_accepts_variants(void)
{
  char err[512] = "";
  /* blanks around fields, CRLF, comments, no final newline, hex and exponents */
  const char *ok = "# positions\r\n time , device , x , y \r\n\t0 , 0 , 1e1 , -2.5 \r\n# mid\r\n0x10,0,0x1p2,3";
  mec_position_trace_t *tr = parse(ok, 1, err, sizeof err);
  CHECK(tr != NULL);
  if (tr) {
    CHECK(tr->n == 2 && tr->t[0] == 0 && tr->x[0] == 10 && tr->y[0] == -2.5);
    CHECK(tr->t[1] == 16 && tr->x[1] == 4 && tr->y[1] == 3);
    mec_position_trace_free(tr);
  } else {
    fprintf(stderr, "  %s\n", err);
  }
  /* a UTF-8 byte order mark before the header (spreadsheet exports) */
  tr = parse("\xEF\xBB\xBFtime,device,x,y\n1,0,2,3\n", 1, err, sizeof err);
  CHECK(tr != NULL && tr->n == 1 && tr->x[0] == 2);
  mec_position_trace_free(tr);
  /* but not in the middle of the file */
  REJECTS("time,device,x,y\n\xEF\xBB\xBF" "1,0,2,3\n", 1,
          "position trace 't.csv' line 2: time = '???1': expected a finite number of seconds in [0, 1e+12]");
  mec_position_trace_free(NULL); /* like free(NULL) */
}

/* The trace of test/data/mobility/walk.csv (found next to this source file). */
static void test_load_file(void)
{
  char path[1200], err[512] = "";
  snprintf(path, sizeof path, "%s", __FILE__);
  char *cut = strstr(path, "test/unit/model/");
  CHECK(cut != NULL);
  if (!cut)
    return;
  strcpy(cut, "test/data/mobility/walk.csv");
  mec_position_trace_t *tr = mec_position_trace_load(path, 3, err, sizeof err);
  CHECK(tr != NULL);
  if (!tr) {
    fprintf(stderr, "  %s\n", err);
    return;
  }
  size_t c[3] = {0, 0, 0};
  double x, y, vx, vy;
  /* device 0 around the square at 1 m/s */
  static const struct { double t, x, y; } walk[] = {{0, 0, 0},   {3, 3, 0},    {10, 10, 0}, {12.5, 10, 2.5},
                                                    {25, 5, 10}, {39, 0, 1},   {40, 0, 0},  {100, 0, 0}};
  for (size_t i = 0; i < sizeof walk / sizeof walk[0]; i++) {
    mec_position_trace_at(tr, 0, walk[i].t, &c[0], &x, &y, &vx, &vy);
    CHECK_NEAR(x, walk[i].x, 1e-12);
    CHECK_NEAR(y, walk[i].y, 1e-12);
  }
  mec_position_trace_at(tr, 1, 17, &c[1], &x, &y, &vx, &vy);
  CHECK(x == 25.5 && y == -4 && vx == 0 && vy == 0);
  mec_position_trace_at(tr, 2, 4, &c[2], &x, &y, &vx, &vy);
  CHECK_REL(x, -60, 1e-12);
  CHECK(y == 50 && vx == 10 && vy == 0);
  mec_position_trace_free(tr);
  /* one device more than the file holds */
  CHECK(mec_position_trace_load(path, 4, err, sizeof err) == NULL);
  CHECK(strstr(err, "device 3 has no sample") != NULL);
  CHECK(mec_position_trace_load("/nonexistent/walk.csv", 3, err, sizeof err) == NULL);
  CHECK(strcmp(err, "position trace '/nonexistent/walk.csv': cannot be read (No such file or directory)") == 0);
}

/* --------------------------------------------------------------- fuzzing */

typedef struct {
  uint64_t s;
} frng_t;

static uint64_t fnext(frng_t *r)
{
  r->s += 0x9E3779B97F4A7C15ULL;
  return mec_splitmix64(r->s);
}

static size_t fbelow(frng_t *r, size_t n)
{
  return n ? (size_t)(fnext(r) % n) : 0;
}

/* Start of the line holding position i, and of the next line. */
static void line_around(const char *b, size_t len, size_t i, size_t *s, size_t *e)
{
  *s = i;
  while (*s > 0 && b[*s - 1] != '\n')
    (*s)--;
  *e = i;
  while (*e < len && b[*e] != '\n')
    (*e)++;
  if (*e < len)
    (*e)++;
}

/* One random change of buf[0..*len) (capacity cap). */
static void mutate(frng_t *r, char *buf, size_t *len, size_t cap)
{
  static const char alphabet[] = "0123456789,.-+eE \t\n\r#xyntimedevicanfINF\0\x7f\xff";
  size_t n = *len, i = fbelow(r, n + 1);
  switch (fbelow(r, 7)) {
  case 0: /* flip bits of a byte */
    if (n)
      buf[fbelow(r, n)] ^= (char)(1 + fbelow(r, 255));
    break;
  case 1: /* set a byte to one from the CSV alphabet */
    if (n)
      buf[fbelow(r, n)] = alphabet[fbelow(r, sizeof alphabet - 1)];
    break;
  case 2: /* truncate */
    *len = i;
    break;
  case 3: { /* duplicate the line around i */
    if (!n)
      break;
    size_t s, e;
    line_around(buf, n, i < n ? i : n - 1, &s, &e);
    if (n + (e - s) <= cap) {
      memmove(buf + e + (e - s), buf + e, n - e);
      memcpy(buf + e, buf + s, e - s);
      *len = n + (e - s);
    }
    break;
  }
  case 4: { /* insert 1..20 garbage bytes */
    size_t k = 1 + fbelow(r, 20);
    if (n + k > cap)
      break;
    memmove(buf + i + k, buf + i, n - i);
    for (size_t j = 0; j < k; j++)
      buf[i + j] = fbelow(r, 2) ? (char)fnext(r) : alphabet[fbelow(r, sizeof alphabet - 1)];
    *len = n + k;
    break;
  }
  case 5: { /* delete a range */
    size_t k = fbelow(r, 40);
    if (i + k > n)
      k = n - i;
    memmove(buf + i, buf + i + k, n - i - k);
    *len = n - k;
    break;
  }
  default: { /* a long run of one character (a huge line or number) */
    size_t k = 500 + fbelow(r, 1500);
    if (n + k > cap)
      break;
    memmove(buf + i + k, buf + i, n - i);
    memset(buf + i, fbelow(r, 2) ? '9' : ' ', k);
    *len = n + k;
    break;
  }
  }
}

static void test_fuzz(void)
{
  const char *good = "# fuzz seed\ntime,device,x,y\n0,0,0,0\n0,1,5,5\n1.5,0,3,4\n2,1,-5,5\n"
                     "3,0,3,-4.25\n0,2,1e3,-1e3\n10,1,0,0\n4,0,0,0\n";
  enum { MUTANTS = 4000 };
  size_t glen = strlen(good), cap = 64 * 1024;
  char *work = malloc(cap);
  frng_t r = {2026};
  int accepted = 0, rejected = 0, bad_msg = 0, bad_pos = 0;
  for (int m = 0; m < MUTANTS; m++) {
    size_t len = glen;
    memcpy(work, good, glen);
    int changes = 1 + (int)fbelow(&r, 4);
    for (int c = 0; c < changes; c++)
      mutate(&r, work, &len, cap);
    /* an exact-size copy, so ASan sees any read past the end */
    char *text = malloc(len ? len : 1);
    memcpy(text, work, len);
    char err[512] = "";
    mec_position_trace_t *tr = mec_position_trace_parse(text, len, "fuzz.csv", 3, err, sizeof err);
    if (tr) {
      accepted++;
      for (int d = 0; d < 3; d++) {
        size_t cur = 0;
        for (double t = 0; t < 12; t += 0.7) {
          double x, y, vx, vy;
          mec_position_trace_at(tr, d, t, &cur, &x, &y, &vx, &vy);
          bad_pos += !isfinite(x) || !isfinite(y) || !isfinite(vx) || !isfinite(vy);
        }
      }
      mec_position_trace_free(tr);
    } else {
      rejected++;
      size_t el = strlen(err);
      int ok = el > 0 && el < sizeof err - 1 && strncmp(err, "position trace 'fuzz.csv'", 25) == 0;
      for (size_t j = 0; j < el; j++)
        ok &= err[j] >= 0x20 && err[j] < 0x7f; /* one printable line */
      if (!ok && bad_msg++ < 5)
        fprintf(stderr, "  bad message for mutant %d: '%s'\n", m, err);
    }
    free(text);
  }
  free(work);
  printf("fuzz: %d mutants, %d accepted, %d rejected\n", MUTANTS, accepted, rejected);
  CHECK(accepted + rejected == MUTANTS);
  CHECK(bad_msg == 0);
  CHECK(bad_pos == 0);
  CHECK(accepted > 100); /* both paths exercised */
  CHECK(rejected > 1000);
}

/* 10^5 devices, two samples each: loads, and a time-ordered sweep costs O(1)
 * per query (the cursors only move forward). */
static void test_large(void)
{
  enum { D = 100000 };
  size_t cap = (size_t)D * 2 * 40 + 64, n = 0;
  char *text = malloc(cap);
  n += (size_t)snprintf(text + n, cap - n, "time,device,x,y\n");
  for (int d = 0; d < D; d++)
    n += (size_t)snprintf(text + n, cap - n, "0,%d,%d,0\n", d, d);
  for (int d = 0; d < D; d++)
    n += (size_t)snprintf(text + n, cap - n, "100,%d,%d,100\n", d, d);
  char err[512] = "";
  mec_position_trace_t *tr = mec_position_trace_parse(text, n, "large.csv", D, err, sizeof err);
  free(text);
  CHECK(tr != NULL);
  if (!tr) {
    fprintf(stderr, "  %s\n", err);
    return;
  }
  size_t *cur = calloc(D, sizeof *cur);
  int bad = 0;
  for (double t = 0; t <= 120; t += 30)
    for (int d = 0; d < D; d++) {
      double x, y;
      mec_position_trace_at(tr, d, t, &cur[d], &x, &y, NULL, NULL);
      bad += x != d || y != fmin(t, 100);
    }
  CHECK(bad == 0);
  free(cur);
  mec_position_trace_free(tr);
}

int main(void)
{
  RUN(test_interpolation);
  RUN(test_many_samples_and_cursor);
  RUN(test_parser_errors);
  RUN(test_accepts_variants);
  RUN(test_load_file);
  RUN(test_fuzz);
  RUN(test_large);
  return CHECK_DONE();
}
