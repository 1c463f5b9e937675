/* nn_h5attr.c - reading attributes of an untrusted HDF5 file; see
 * nn_h5attr.h. */
#include "nn/nn_h5attr.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int nn_h5attr_fail(const nn_h5attr_t *h, nn_h5attr_err_t err, const char *fmt, ...)
{
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  int rc = h->fail(h, err, msg);
  return rc < 0 ? rc : -1;
}

int nn_h5attr_exists(hid_t loc, const char *name) { return H5Aexists(loc, name) > 0; }

/* Opens attribute `name`, which must hold n values (h->shape). 0 with *a
 * open, 1 absent and optional, or the failure. */
static int attr_open(const nn_h5attr_t *h, hid_t loc, const char *name, size_t n, int optional, hid_t *a)
{
  if (H5Aexists(loc, name) <= 0)
    return optional ? 1 : nn_h5attr_fail(h, NN_H5ATTR_EFORMAT, "attribute '%s' of '%s' is missing", name, h->obj);
  if ((*a = H5Aopen(loc, name, H5P_DEFAULT)) < 0)
    return nn_h5attr_fail(h, NN_H5ATTR_EIO, "cannot open attribute '%s' of '%s'", name, h->obj);
  hid_t sp = H5Aget_space(*a);
  hssize_t np = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
  int scalar = sp >= 0 && H5Sget_simple_extent_type(sp) == H5S_SCALAR;
  if (sp >= 0)
    H5Sclose(sp);
  if (h->shape == NN_H5ATTR_SHAPE_SCALAR && n == 1) {
    if (np != 1 || !scalar) {
      H5Aclose(*a);
      return nn_h5attr_fail(h, NN_H5ATTR_EFORMAT, "attribute '%s' of '%s' is not a single value (%lld values)", name,
                            h->obj, (long long)np);
    }
  } else if (np < 0 || (size_t)np != n) {
    H5Aclose(*a);
    if (h->shape == NN_H5ATTR_SHAPE_ONE && n == 1)
      return nn_h5attr_fail(h, NN_H5ATTR_EFORMAT, "attribute '%s' of '%s' holds %lld values, expected one", name,
                            h->obj, (long long)np);
    return nn_h5attr_fail(h, NN_H5ATTR_EFORMAT, "attribute '%s' of '%s' holds %lld values, expected %lld", name, h->obj,
                          (long long)np, (long long)n);
  }
  return 0;
}

int nn_h5attr_int_raw(const nn_h5attr_t *h, hid_t loc, const char *name, int optional, uint64_t *u, int *is_signed)
{
  hid_t a = H5I_INVALID_HID;
  int rc = attr_open(h, loc, name, 1, optional, &a);
  if (rc != 0)
    return rc;
  hid_t t = H5Aget_type(a);
  H5T_class_t cl = t < 0 ? H5T_NO_CLASS : H5Tget_class(t);
  size_t size = t < 0 ? 0 : H5Tget_size(t);
  int sgn = t >= 0 && H5Tget_sign(t) != H5T_SGN_NONE;
  if (t >= 0)
    H5Tclose(t);
  uint64_t v = 0;
  if (cl != H5T_INTEGER)
    rc = nn_h5attr_fail(h, NN_H5ATTR_EFORMAT, "attribute '%s' of '%s' is not an integer", name, h->obj);
  else if (size == 0 || size > 8)
    rc = nn_h5attr_fail(h, NN_H5ATTR_EFORMAT, "attribute '%s' of '%s' is a %zu-bit integer, at most 64 bits are read",
                        name, h->obj, 8 * size);
  else if (sgn) {
    int64_t s = 0;
    if (H5Aread(a, H5T_NATIVE_INT64, &s) < 0)
      rc = nn_h5attr_fail(h, NN_H5ATTR_EIO, "cannot read attribute '%s' of '%s'", name, h->obj);
    v = (uint64_t)s;
  } else if (H5Aread(a, H5T_NATIVE_UINT64, &v) < 0)
    rc = nn_h5attr_fail(h, NN_H5ATTR_EIO, "cannot read attribute '%s' of '%s'", name, h->obj);
  H5Aclose(a);
  if (rc == 0) {
    *u = v;
    if (is_signed)
      *is_signed = sgn;
  }
  return rc;
}

int nn_h5attr_int(const nn_h5attr_t *h, hid_t loc, const char *name, int64_t lo, int64_t hi, int optional, int64_t *out)
{
  uint64_t u = 0;
  int sgn = 0;
  int rc = nn_h5attr_int_raw(h, loc, name, optional, &u, &sgn);
  if (rc != 0)
    return rc;
  if (!sgn && u > (uint64_t)INT64_MAX)
    return nn_h5attr_fail(h, NN_H5ATTR_EFORMAT, "attribute '%s' of '%s' is %llu, outside %lld..%lld", name, h->obj,
                          (unsigned long long)u, (long long)lo, (long long)hi);
  int64_t v = (int64_t)u;
  if (v < lo || v > hi)
    return nn_h5attr_fail(h, NN_H5ATTR_EFORMAT, "attribute '%s' of '%s' is %lld, outside %lld..%lld", name, h->obj,
                          (long long)v, (long long)lo, (long long)hi);
  *out = v;
  return 0;
}

/* n numbers into v (unchecked); 0, 1 absent and optional, or the failure. */
static int read_numbers(const nn_h5attr_t *h, hid_t loc, const char *name, size_t n, int optional, double *v)
{
  hid_t a = H5I_INVALID_HID;
  int rc = attr_open(h, loc, name, n, optional, &a);
  if (rc != 0)
    return rc;
  hid_t t = H5Aget_type(a);
  H5T_class_t cl = t < 0 ? H5T_NO_CLASS : H5Tget_class(t);
  if (t >= 0)
    H5Tclose(t);
  if (cl != H5T_FLOAT && cl != H5T_INTEGER)
    rc = nn_h5attr_fail(h, NN_H5ATTR_EFORMAT, "attribute '%s' of '%s' is not a number", name, h->obj);
  else if (H5Aread(a, H5T_NATIVE_DOUBLE, v) < 0)
    rc = nn_h5attr_fail(h, NN_H5ATTR_EIO, "cannot read attribute '%s' of '%s'", name, h->obj);
  H5Aclose(a);
  return rc;
}

int nn_h5attr_double(const nn_h5attr_t *h, hid_t loc, const char *name, int optional, double *out)
{
  double v = 0;
  int rc = read_numbers(h, loc, name, 1, optional, &v);
  if (rc == 0 && !isfinite(v))
    rc = nn_h5attr_fail(h, NN_H5ATTR_ENONFINITE, "attribute '%s' of '%s' is not finite (%g)", name, h->obj, v);
  if (rc == 0)
    *out = v;
  return rc;
}

int nn_h5attr_doubles(const nn_h5attr_t *h, hid_t loc, const char *name, size_t n, int optional, double *out)
{
  double one = 0;
  double *v = n == 1 ? &one : calloc(n ? n : 1, sizeof *v);
  if (!v)
    return nn_h5attr_fail(h, NN_H5ATTR_ENOMEM, "out of memory reading attribute '%s' of '%s'", name, h->obj);
  int rc = read_numbers(h, loc, name, n, optional, v);
  for (size_t i = 0; rc == 0 && i < n; i++)
    if (!isfinite(v[i]))
      rc = nn_h5attr_fail(h, NN_H5ATTR_ENONFINITE, "attribute '%s' of '%s': non-finite value (%g) at index %lld", name,
                          h->obj, v[i], (long long)i);
  if (rc == 0)
    memcpy(out, v, sizeof(double) * n);
  if (v != &one)
    free(v);
  return rc;
}

int nn_h5attr_str(const nn_h5attr_t *h, hid_t loc, const char *name, char *buf, size_t size)
{
  hid_t a = H5I_INVALID_HID;
  int rc = attr_open(h, loc, name, 1, 0, &a);
  if (rc != 0)
    return rc;
  hid_t ft = H5Aget_type(a);
  char *s = NULL;
  int vlen = 0;
  if (ft < 0 || H5Tget_class(ft) != H5T_STRING) {
    rc = nn_h5attr_fail(h, NN_H5ATTR_EFORMAT, "attribute '%s' of '%s' is not a string", name, h->obj);
  } else {
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_cset(mt, H5Tget_cset(ft)); /* no conversion between ASCII and UTF-8 */
    if ((vlen = H5Tis_variable_str(ft) > 0)) {
      H5Tset_size(mt, H5T_VARIABLE);
      if (H5Aread(a, mt, &s) < 0 || !s)
        rc = nn_h5attr_fail(h, NN_H5ATTR_EIO, "cannot read attribute '%s' of '%s'", name, h->obj);
    } else {
      size_t len = H5Tget_size(ft);
      if (len > NN_H5ATTR_MAX_STRING)
        rc = nn_h5attr_fail(h, NN_H5ATTR_EFORMAT,
                            "attribute '%s' of '%s' is a %zu-byte string, at most %d bytes are read", name, h->obj, len,
                            NN_H5ATTR_MAX_STRING);
      else if (!(s = calloc(len + 1, 1)))
        rc = nn_h5attr_fail(h, NN_H5ATTR_ENOMEM, "out of memory reading attribute '%s' of '%s'", name, h->obj);
      else if (H5Tset_size(mt, len + 1) < 0 || H5Aread(a, mt, s) < 0)
        rc = nn_h5attr_fail(h, NN_H5ATTR_EIO, "cannot read attribute '%s' of '%s'", name, h->obj);
    }
    H5Tclose(mt);
  }
  if (rc == 0) {
    size_t n = strlen(s);
    if (n >= size)
      rc = nn_h5attr_fail(h, NN_H5ATTR_EFORMAT, "attribute '%s' of '%s' is %zu characters long, at most %zu", name,
                          h->obj, n, size - 1);
    else
      memcpy(buf, s, n + 1);
  }
  if (s) {
    if (vlen)
      H5free_memory(s);
    else
      free(s);
  }
  if (ft >= 0)
    H5Tclose(ft);
  H5Aclose(a);
  return rc;
}

/* ---------------------------------------------------------------- writing */
int nn_h5attr_write(hid_t loc, const char *name, hid_t type, const void *v, hsize_t n)
{
  hid_t sp = n == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, NULL);
  if (sp < 0)
    return -1;
  hid_t a = H5Acreate2(loc, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
  int rc = a >= 0 && H5Awrite(a, type, v) >= 0 ? 0 : -1;
  if (a >= 0)
    H5Aclose(a);
  H5Sclose(sp);
  return rc;
}

int nn_h5attr_write_str(hid_t loc, const char *name, const char *v)
{
  hid_t t = H5Tcopy(H5T_C_S1);
  if (t < 0)
    return -1;
  H5Tset_size(t, strlen(v) + 1);
  int rc = nn_h5attr_write(loc, name, t, v, 1);
  H5Tclose(t);
  return rc;
}

int nn_h5attr_write_i64(hid_t loc, const char *name, int64_t v) { return nn_h5attr_write(loc, name, H5T_NATIVE_INT64, &v, 1); }
int nn_h5attr_write_u64(hid_t loc, const char *name, uint64_t v) { return nn_h5attr_write(loc, name, H5T_NATIVE_UINT64, &v, 1); }
int nn_h5attr_write_f64(hid_t loc, const char *name, double v) { return nn_h5attr_write(loc, name, H5T_NATIVE_DOUBLE, &v, 1); }

hid_t nn_h5attr_open_model(const nn_h5attr_t *h, const char *format, int64_t version, const char *kind)
{
  if (access(h->path, R_OK) != 0) {
    nn_h5attr_fail(h, NN_H5ATTR_EIO, "cannot read: %s", strerror(errno));
    return -1;
  }
  hid_t f = -1;
  H5E_BEGIN_TRY { f = H5Fopen(h->path, H5F_ACC_RDONLY, H5P_DEFAULT); }
  H5E_END_TRY;
  if (f < 0) {
    nn_h5attr_fail(h, NN_H5ATTR_EFORMAT, "not an HDF5 file");
    return -1;
  }
  char got[64] = "";
  int64_t ver = 0;
  int ok = 0;
  H5E_BEGIN_TRY
  {
    if (!nn_h5attr_exists(f, "format") || nn_h5attr_str(h, f, "format", got, sizeof got) < 0 ||
        strcmp(got, format) != 0)
      nn_h5attr_fail(h, NN_H5ATTR_EFORMAT, "not a %s (format attribute '%s', expected '%s')", kind, got, format);
    else if (nn_h5attr_int(h, f, "format_version", INT64_MIN, INT64_MAX, 0, &ver) < 0)
      ;
    else if (ver != version)
      nn_h5attr_fail(h, NN_H5ATTR_EFORMAT, "format version %" PRId64 ", this build reads %" PRId64, ver, version);
    else
      ok = 1;
  }
  H5E_END_TRY;
  if (!ok) {
    H5Fclose(f);
    return -1;
  }
  return f;
}

hid_t nn_h5attr_create_tmp(const char *path, char *tmp, size_t size, char *why, size_t whylen)
{
  int n = size ? snprintf(tmp, size, "%s.tmp", path) : -1;
  if (n < 0 || (size_t)n >= size) {
    if (size)
      tmp[0] = '\0';
    snprintf(why, whylen, "path '%s' is too long", path);
    return -1;
  }
  hid_t f = -1;
  H5E_BEGIN_TRY { f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT); }
  H5E_END_TRY;
  if (f < 0)
    snprintf(why, whylen, "cannot create '%s'", tmp);
  else if (whylen)
    why[0] = '\0';
  return f;
}

int nn_h5attr_finish_tmp(hid_t f, const char *tmp, const char *path, int ok, char *why, size_t whylen)
{
  int rc = ok ? 0 : -1;
  if (whylen)
    why[0] = '\0';
  herr_t closed = 0;
  if (f >= 0) {
    H5E_BEGIN_TRY { closed = H5Fclose(f); }
    H5E_END_TRY;
  }
  if (closed < 0 && rc == 0) {
    snprintf(why, whylen, "cannot close '%s'", tmp);
    rc = -1;
  }
  if (rc == 0 && rename(tmp, path) != 0) {
    int e = errno;
    snprintf(why, whylen, "cannot rename '%s' to '%s': %s", tmp, path, strerror(e));
    rc = -1;
  }
  if (rc != 0 && tmp[0])
    unlink(tmp);
  return rc;
}
