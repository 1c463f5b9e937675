/* fuzz_task_file.c - libFuzzer harness of the CSV task-trace reader
 * (src/model/task_file.c).
 *
 * The first byte is n_md (0..255), the rest is the file, read through
 * fmemopen. Checks: 0 or -1; -1 leaves no rows and names the file; 0 gives
 * rows that each pass mec_task_row_check, sorted by (md, arrival). */
#include "fuzz_common.h"
#include "model/task_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 2)
    return 0; /* fmemopen needs a non-empty buffer */
  int n_md = data[0];
  size_t len = size - 1;
  char *buf = malloc(len);
  memcpy(buf, data + 1, len);
  FILE *f = fmemopen(buf, len, "r");
  if (!f) {
    free(buf);
    return 0;
  }
  mec_replay_row_t *rows = (mec_replay_row_t *)1;
  size_t count = 99;
  char err[1024] = "";
  int rc = mec_task_file_read(f, "fuzz.csv", n_md, &rows, &count, err, sizeof err);
  fclose(f);
  if (rc != 0) {
    FUZZ_ASSERT(rc == -1 && rows == NULL && count == 0);
    FUZZ_ASSERT(strncmp(err, "task file 'fuzz.csv'", 20) == 0);
  } else {
    FUZZ_ASSERT((rows == NULL) == (count == 0));
    FUZZ_ASSERT(count <= len / 11 + 1); /* "0,0,0,0,0,0" is the shortest row */
    for (size_t i = 0; i < count; i++) {
      FUZZ_ASSERT(mec_task_row_check(&rows[i], n_md, err, sizeof err) == 0);
      if (i > 0)
        FUZZ_ASSERT(rows[i - 1].md < rows[i].md ||
                    (rows[i - 1].md == rows[i].md && rows[i - 1].arrival <= rows[i].arrival));
    }
    free(rows);
  }
  free(buf);
  return 0;
}
