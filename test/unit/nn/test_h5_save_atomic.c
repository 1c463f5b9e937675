/* test_h5_save_atomic.c - writing a model file under PATH.tmp and renaming
 * it (nn_h5attr_create_tmp, nn_h5attr_finish_tmp): success leaves PATH and
 * no temporary; a failed rename, close or write removes the temporary,
 * leaves PATH as it was and says why; a path too long for the buffer is an
 * error, never a truncated name. */
#include "check.h"
#include "nn/nn_h5attr.h"

#include <errno.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static int exists(const char *p) { return access(p, F_OK) == 0; }

static int is_dir(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void put_file(const char *p, const char *text) {
  FILE *fp = fopen(p, "w");
  if (fp) {
    fputs(text, fp);
    fclose(fp);
  }
}

/* The file's content (up to 63 bytes), "" when unreadable. */
static const char *file_text(const char *p) {
  static char buf[64];
  buf[0] = '\0';
  FILE *fp = fopen(p, "r");
  if (fp) {
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
  }
  return buf;
}

/* The int64 attribute "v" of HDF5 file p, or -1. */
static int64_t read_v(const char *p) {
  int64_t v = -1;
  hid_t f = -1;
  H5E_BEGIN_TRY { f = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT); }
  H5E_END_TRY;
  if (f < 0) return -1;
  hid_t a = H5Aopen(f, "v", H5P_DEFAULT);
  if (a < 0 || H5Aread(a, H5T_NATIVE_INT64, &v) < 0) v = -1;
  if (a >= 0) H5Aclose(a);
  H5Fclose(f);
  return v;
}

static void test_success(void) {
  char path[128], want_tmp[160], tmp[NN_H5ATTR_TMP_MAX], why[NN_H5ATTR_WHY_MAX];
  snprintf(path, sizeof path, "%s/ok.h5", dir);
  snprintf(want_tmp, sizeof want_tmp, "%s.tmp", path);
  put_file(path, "previous"); /* replaced by the new file */
  strcpy(why, "stale");
  hid_t f = nn_h5attr_create_tmp(path, tmp, sizeof tmp, why, sizeof why);
  CHECK(f >= 0);
  CHECK(strcmp(tmp, want_tmp) == 0);
  CHECK(strcmp(why, "") == 0);
  CHECK(exists(want_tmp));
  CHECK(strcmp(file_text(path), "previous") == 0); /* untouched while writing */
  CHECK(f >= 0 && nn_h5attr_write_i64(f, "v", 42) == 0);
  strcpy(why, "stale");
  CHECK(nn_h5attr_finish_tmp(f, tmp, path, 1, why, sizeof why) == 0);
  CHECK(strcmp(why, "") == 0);
  CHECK(read_v(path) == 42);
  CHECK(!exists(want_tmp));
  unlink(path);
}

static void test_rename_fails(void) {
  char path[128], tmp[NN_H5ATTR_TMP_MAX], why[NN_H5ATTR_WHY_MAX], want[512];
  snprintf(path, sizeof path, "%s/isdir.h5", dir);
  CHECK(mkdir(path, 0700) == 0); /* a file cannot be renamed onto a directory */
  hid_t f = nn_h5attr_create_tmp(path, tmp, sizeof tmp, why, sizeof why);
  CHECK(f >= 0);
  CHECK(f >= 0 && nn_h5attr_write_i64(f, "v", 7) == 0);
  CHECK(exists(tmp));
  CHECK(nn_h5attr_finish_tmp(f, tmp, path, 1, why, sizeof why) == -1);
  snprintf(want, sizeof want, "cannot rename '%s.tmp' to '%s': %s", path, path, strerror(EISDIR));
  CHECK(strcmp(why, want) == 0);
  if (strcmp(why, want) != 0) fprintf(stderr, "  why: %s\n  want: %s\n", why, want);
  CHECK(tmp[0] != '\0' && !exists(tmp));
  CHECK(is_dir(path));
  rmdir(path);
}

static void test_not_ok(void) {
  char path[128], tmp[NN_H5ATTR_TMP_MAX], why[NN_H5ATTR_WHY_MAX];
  snprintf(path, sizeof path, "%s/keep.h5", dir);
  put_file(path, "previous");
  hid_t f = nn_h5attr_create_tmp(path, tmp, sizeof tmp, why, sizeof why);
  CHECK(f >= 0);
  CHECK(exists(tmp));
  strcpy(why, "stale");
  CHECK(nn_h5attr_finish_tmp(f, tmp, path, 0, why, sizeof why) == -1);
  CHECK(strcmp(why, "") == 0); /* the caller has its own reason */
  CHECK(tmp[0] != '\0' && !exists(tmp));
  CHECK(strcmp(file_text(path), "previous") == 0);
  CHECK(H5Iis_valid(f) <= 0); /* closed */
  unlink(path);
}

static void test_close_fails(void) {
  char path[128], tmp[NN_H5ATTR_TMP_MAX], why[NN_H5ATTR_WHY_MAX], want[512];
  snprintf(path, sizeof path, "%s/close.h5", dir);
  hid_t f = nn_h5attr_create_tmp(path, tmp, sizeof tmp, why, sizeof why);
  CHECK(f >= 0);
  CHECK(f >= 0 && H5Fclose(f) >= 0); /* f is no longer a valid file: closing it again fails */
  CHECK(nn_h5attr_finish_tmp(f, tmp, path, 1, why, sizeof why) == -1);
  snprintf(want, sizeof want, "cannot close '%s.tmp'", path);
  CHECK(strcmp(why, want) == 0);
  CHECK(tmp[0] != '\0' && !exists(tmp));
  CHECK(!exists(path));
}

static void test_create_fails(void) {
  char path[128], tmp[NN_H5ATTR_TMP_MAX], why[NN_H5ATTR_WHY_MAX], want[512];
  snprintf(path, sizeof path, "%s/missing/x.h5", dir);
  CHECK(nn_h5attr_create_tmp(path, tmp, sizeof tmp, why, sizeof why) == -1);
  snprintf(want, sizeof want, "cannot create '%s.tmp'", path);
  CHECK(strcmp(why, want) == 0);
  snprintf(want, sizeof want, "%s.tmp", path);
  CHECK(strcmp(tmp, want) == 0);
  CHECK(nn_h5attr_finish_tmp(-1, tmp, path, 0, why, sizeof why) == -1);
  CHECK(!exists(tmp) && !exists(path));
}

static void test_too_long(void) {
  /* a name that fits exactly (".tmp" and the NUL included) is kept whole; one
   * character more is refused, not truncated */
  char path[100], tmp[40], why[256];
  snprintf(path, sizeof path, "%s/", dir);
  size_t d = strlen(path);
  memset(path + d, 'b', sizeof tmp - 5 - d);
  path[sizeof tmp - 5] = '\0'; /* strlen + 4 == sizeof tmp - 1 */
  char want[128];
  snprintf(want, sizeof want, "%s.tmp", path);
  hid_t f = nn_h5attr_create_tmp(path, tmp, sizeof tmp, why, sizeof why);
  CHECK(f >= 0);
  CHECK(strcmp(tmp, want) == 0);
  CHECK(nn_h5attr_finish_tmp(f, tmp, path, 0, why, sizeof why) == -1);
  CHECK(!exists(want) && !exists(path));

  strcat(path, "c"); /* one too many */
  snprintf(want, sizeof want, "%s.tmp", path);
  strcpy(tmp, "stale");
  CHECK(nn_h5attr_create_tmp(path, tmp, sizeof tmp, why, sizeof why) == -1);
  CHECK(strcmp(tmp, "") == 0);
  char reason[160];
  snprintf(reason, sizeof reason, "path '%s' is too long", path);
  CHECK(strcmp(why, reason) == 0);
  CHECK(!exists(want));
  /* finishing with the empty name touches nothing */
  put_file(path, "previous");
  CHECK(nn_h5attr_finish_tmp(-1, tmp, path, 0, why, sizeof why) == -1);
  CHECK(strcmp(file_text(path), "previous") == 0);
  unlink(path);
  /* the real buffer: a path of NN_H5ATTR_TMP_MAX - 5 characters fits (and
   * fails to be created, its name being too long for the system), one more
   * does not */
  char *lp = malloc(NN_H5ATTR_TMP_MAX), *ltmp = malloc(NN_H5ATTR_TMP_MAX);
  char *lwhy = malloc(NN_H5ATTR_WHY_MAX), *lwant = malloc(NN_H5ATTR_WHY_MAX);
  CHECK(lp && ltmp && lwhy && lwant);
  if (lp && ltmp && lwhy && lwant) {
    snprintf(lp, NN_H5ATTR_TMP_MAX, "%s/", dir);
    d = strlen(lp);
    memset(lp + d, 'x', NN_H5ATTR_TMP_MAX - 5 - d);
    lp[NN_H5ATTR_TMP_MAX - 5] = '\0';
    CHECK(nn_h5attr_create_tmp(lp, ltmp, NN_H5ATTR_TMP_MAX, lwhy, NN_H5ATTR_WHY_MAX) == -1);
    snprintf(lwant, NN_H5ATTR_WHY_MAX, "cannot create '%s.tmp'", lp);
    CHECK(strcmp(lwhy, lwant) == 0);
    CHECK(strlen(ltmp) == NN_H5ATTR_TMP_MAX - 1 && strncmp(ltmp, lp, strlen(lp)) == 0);
    strcat(lp, "x");
    CHECK(nn_h5attr_create_tmp(lp, ltmp, NN_H5ATTR_TMP_MAX, lwhy, NN_H5ATTR_WHY_MAX) == -1);
    snprintf(lwant, NN_H5ATTR_WHY_MAX, "path '%s' is too long", lp);
    CHECK(strcmp(lwhy, lwant) == 0);
    CHECK(ltmp[0] == '\0');
  }
  free(lwant);
  free(lp);
  free(ltmp);
  free(lwhy);
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/nn_h5_atomic_XXXXXX");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  RUN(test_success);
  RUN(test_rename_fails);
  RUN(test_not_ok);
  RUN(test_close_fails);
  RUN(test_create_fails);
  RUN(test_too_long);
  rmdir(dir); /* fails, leaving the directory to look at, if a test left a file */
  CHECK(!exists(dir));
  return CHECK_DONE();
}
