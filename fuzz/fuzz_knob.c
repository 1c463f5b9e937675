/* fuzz_knob.c - libFuzzer harness of the scenario knobs (src/model/scenario.c).
 *
 * The input is "key=value" lines, applied in order with mec_scenario_set_kv
 * to a defaults scenario (so cross-knob checks see combinations), then
 * mec_scenario_validate and mec_scenario_dump. Checks: every call returns 0
 * or -1, -1 with a message; the dump names every knob; every knob's current
 * value (mec_scenario_get) is accepted back by mec_scenario_set and reads
 * back the same (what a trace records can be replayed). */
#include "fuzz_common.h"
#include "model/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text = fuzz_cstring(data, size);
  if (!text)
    return 0;
  mec_scenario_t *sc = malloc(sizeof *sc), *again = malloc(sizeof *again);
  mec_scenario_defaults(sc);
  char err[1024];
  for (char *rest = text, *line; (line = strsep(&rest, "\n")) != NULL;) {
    err[0] = '\0';
    int rc = mec_scenario_set_kv(sc, line, err, sizeof err);
    FUZZ_ASSERT(rc == 0 || (rc == -1 && err[0] != '\0'));
  }
  err[0] = '\0';
  int rc = mec_scenario_validate(sc, err, sizeof err);
  FUZZ_ASSERT(rc == 0 || (rc == -1 && err[0] != '\0'));
  char *dump = mec_scenario_dump(sc);
  FUZZ_ASSERT(dump != NULL);
  mec_scenario_defaults(again);
  for (const mec_knob_t *k = mec_scenario_knobs(); k->name; k++) {
    FUZZ_ASSERT(strstr(dump, k->name) != NULL);
    char v1[MEC_STR + 64], v2[MEC_STR + 64];
    mec_scenario_get(sc, k, v1, sizeof v1);
    if (mec_scenario_set(again, k->name, v1, err, sizeof err) != 0) {
      fprintf(stderr, "knob %s: its value '%s' is rejected: %s\n", k->name, v1, err);
      FUZZ_ASSERT(!"a knob's value reads back");
    }
    mec_scenario_get(again, k, v2, sizeof v2);
    FUZZ_ASSERT(strcmp(v1, v2) == 0);
  }
  free(dump);
  free(sc);
  free(again);
  free(text);
  return 0;
}
