/* nn_h5attr.h - reading attributes of an untrusted HDF5 file (a model file
 * that may come from elsewhere or be damaged), each refused with one clear
 * line (docs/nn.md, "Model files: what is checked on load"), and writing the
 * attributes and bundled networks of such files, under a temporary name
 * renamed when complete. Used by the nn loader (nn_io.c) and the DTOMALB,
 * DyNN, MEMTL and BCOS model files.
 *
 * Every reader checks the attribute's presence, number of values and stored
 * type before reading it: integers are read with the stored type's own size
 * and sign (never truncated or clamped) and range-checked, numbers must be
 * finite, strings are bounded. A failure is described in one message that
 * names the attribute and its object ("attribute 'n_in' of '/layer_000' is
 * -3, outside 1..1000000"), not the file; the caller's `fail` callback adds
 * its own prefix (file name, policy...) and records it.
 *
 * Return values: 0 read (the output is written), 1 absent and `optional`
 * (the output is untouched), or the negative value `fail` returned (the
 * output is untouched). */
#ifndef MECSIM_NN_H5ATTR_H
#define MECSIM_NN_H5ATTR_H
#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

/* Longest fixed-length string read, in bytes (longer ones are refused before
 * they are read). */
#define NN_H5ATTR_MAX_STRING 4096

/* What went wrong, for callers that map failures to error codes. */
typedef enum {
  NN_H5ATTR_EFORMAT = 1, /* missing, or wrong number of values, type, size, range or length */
  NN_H5ATTR_EIO,         /* an HDF5 call failed (opening or reading the attribute) */
  NN_H5ATTR_ENONFINITE,  /* a NaN or infinite number */
  NN_H5ATTR_ENOMEM       /* out of memory */
} nn_h5attr_err_t;

/* How the number of values is checked, and the message when it is wrong. */
typedef enum {
  NN_H5ATTR_SHAPE_ONE,   /* n values, n = 1 for single values: "holds 2 values, expected one" (or "expected 3") */
  NN_H5ATTR_SHAPE_COUNT, /* n values: "holds 2 values, expected 1" */
  NN_H5ATTR_SHAPE_SCALAR /* a scalar dataspace (single values only): "is not a single value (2 values)" */
} nn_h5attr_shape_t;

typedef struct nn_h5attr nn_h5attr_t;

/* Reports `msg` (no trailing newline); must return a negative value, which
 * the reader returns. */
typedef int (*nn_h5attr_fail_fn)(const nn_h5attr_t *h, nn_h5attr_err_t err, const char *msg);

/* Where the attributes are read from, and how failures are reported. */
struct nn_h5attr {
  const char *path;        /* the file, for the callback's messages */
  const char *obj;         /* HDF5 path of the object holding the attributes, in messages ("/", "/layer_000") */
  nn_h5attr_shape_t shape; /* number-of-values check and message */
  nn_h5attr_fail_fn fail;  /* required */
  const void *ud;          /* the callback's own data */
};

/* Reports a failure found by the caller (printf format) through h->fail,
 * like the readers' own; returns fail's negative value. */
int nn_h5attr_fail(const nn_h5attr_t *h, nn_h5attr_err_t err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Opens h->path read-only as an untrusted model file of kind `kind`
 * ("MEMTL/MTFNN model"): readable, HDF5, root attribute format == `format`
 * and format_version == `version`. Returns the file (close it with
 * H5Fclose), or -1 after h->fail with "cannot read: REASON", "not an HDF5
 * file", "not a KIND (format attribute 'X', expected 'FORMAT')" or "format
 * version V, this build reads VERSION". HDF5's own error printing is off
 * while it looks. */
hid_t nn_h5attr_open_model(const nn_h5attr_t *h, const char *format, int64_t version, const char *kind);

/* Attribute `name` of loc exists (a failed query counts as absent). */
int nn_h5attr_exists(hid_t loc, const char *name);

/* Integer in [lo, hi]: the stored type must be an integer of at most 64
 * bits, read with its own sign; out-of-range values are refused, not
 * clamped. */
int nn_h5attr_int(const nn_h5attr_t *h, hid_t loc, const char *name, int64_t lo, int64_t hi, int optional,
                  int64_t *out);

/* Any integer of at most 64 bits, as stored: *u holds the value (two's
 * complement when signed), *is_signed (if not NULL) whether the stored type
 * is signed. */
int nn_h5attr_int_raw(const nn_h5attr_t *h, hid_t loc, const char *name, int optional, uint64_t *u,
                      int *is_signed);

/* A finite number, stored as a float or an integer ("is not finite (nan)"). */
int nn_h5attr_double(const nn_h5attr_t *h, hid_t loc, const char *name, int optional, double *out);

/* n >= 1 finite numbers into out[0..n-1] ("non-finite value (inf) at index
 * 1", also when n = 1). */
int nn_h5attr_doubles(const nn_h5attr_t *h, hid_t loc, const char *name, size_t n, int optional, double *out);

/* A single string (fixed or variable length, no character set conversion)
 * of at most size - 1 characters, into buf (NUL-terminated). Not optional:
 * test nn_h5attr_exists first. */
int nn_h5attr_str(const nn_h5attr_t *h, hid_t loc, const char *name, char *buf, size_t size);

/* ------------------------------------------------------------------------ */
/* Writing the model files that the readers above check (DTOMALB, DyNN).    */
/* Each returns 0 or -1; the caller names what failed.                       */
/* ------------------------------------------------------------------------ */
/* n values of a native type (a scalar when n == 1). */
int nn_h5attr_write(hid_t loc, const char *name, hid_t type, const void *v, hsize_t n);
int nn_h5attr_write_str(hid_t loc, const char *name, const char *v);  /* fixed length */
int nn_h5attr_write_i64(hid_t loc, const char *name, int64_t v);
int nn_h5attr_write_u64(hid_t loc, const char *name, uint64_t v);
int nn_h5attr_write_f64(hid_t loc, const char *name, double v);

/* ------------------------------------------------------------------------ */
/* Writing a model file under a temporary name, renamed when complete:      */
/* a failed save leaves no temporary and the previous PATH untouched.       */
/*                                                                          */
/*   char tmp[NN_H5ATTR_TMP_MAX], why[NN_H5ATTR_WHY_MAX];                   */
/*   hid_t f = nn_h5attr_create_tmp(path, tmp, sizeof tmp, why, sizeof why);*/
/*   int rc = f < 0 ? fail("PREFIX: %s", why) : write_all(f); (0 or -1)     */
/*   if (nn_h5attr_finish_tmp(f, tmp, path, rc == 0, why, sizeof why) < 0   */
/*       && rc == 0)                                                        */
/*     rc = fail("PREFIX: %s", why);                                        */
/* ------------------------------------------------------------------------ */
/* Size of a temporary-name buffer: the longest path the system accepts
 * (PATH_MAX on Linux), NUL included. */
#define NN_H5ATTR_TMP_MAX 4096
/* Size of a reason buffer: room for any reason below, never truncated. */
#define NN_H5ATTR_WHY_MAX (2 * NN_H5ATTR_TMP_MAX + 256)

/* Writes "<path>.tmp" into tmp (size bytes) and creates it as an HDF5 file
 * (H5F_ACC_TRUNC; HDF5's error printing off). Returns the file, or -1 with
 * a one-line reason in why (whylen bytes): "path 'PATH' is too long" when
 * the name does not fit in tmp (tmp is then "" and nothing is created; the
 * name is never truncated), or "cannot create 'TMP'" (tmp holds the name). */
hid_t nn_h5attr_create_tmp(const char *path, char *tmp, size_t size, char *why, size_t whylen);

/* Ends the write of tmp begun by nn_h5attr_create_tmp: closes f when it is
 * open (f >= 0; HDF5's error printing off; -1 for a file already closed, or
 * not HDF5, written under tmp = "<path>.tmp"), then, if ok (the caller wrote
 * everything) and the close succeeded, renames tmp to path; otherwise, or
 * when the rename fails, removes tmp (an empty tmp is left alone). Returns
 * 0 (path is the new file, tmp is gone) or -1 (tmp is gone, path as it
 * was). why (whylen bytes) is "" unless the failure was found here: "cannot
 * close 'TMP'" or "cannot rename 'TMP' to 'PATH': strerror(errno)" (the
 * caller adds its own prefix). */
int nn_h5attr_finish_tmp(hid_t f, const char *tmp, const char *path, int ok, char *why, size_t whylen);

/* A network written into a new group `group` of loc, laid out as
 * nn_net_save lays out a network file's root, so nn_net_load_new_group reads
 * it back: how a model file bundles several networks. 0 or a negative
 * nn_err_t (message in nn_last_error). Defined in nn_io.c. */
struct nn_net;
int nn_net_save_group(const struct nn_net *net, hid_t loc, const char *group);

/* Reads network group `group` of the open file f (h->path) into `ref`, the
 * network the model's attributes describe, refusing through h->fail: a
 * missing group ("group '/G' (WHAT) is missing"), a file network that does
 * not load (nn's reason), other input/output sizes (WHY says what they
 * should be), other layers, or another function on probe inputs in
 * evaluation mode (which catches a different activation). On success the
 * weights are in ref, which is left in evaluation mode. 0 or the negative
 * value h->fail returned. Defined in nn_io.c. */
int nn_h5attr_load_net_into(const nn_h5attr_t *h, hid_t f, const char *group, struct nn_net *ref, const char *what,
                            const char *why);

#endif
