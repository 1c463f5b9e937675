/* setup.h - building the simulated world before the run (see setup.c). */
#ifndef MECSIM_SETUP_H
#define MECSIM_SETUP_H
#include "actors/world.h"
#include <stddef.h>

typedef struct mec_setup_input {
  const char *platform_path;
  const char *deployment_path;
  const char *const *overrides; /* "key=value" from the command line, applied last */
  int n_overrides;
  const char *command_line;     /* recorded in the trace */
} mec_setup_input_t;

/* Reads the deployed actors, the scenario knobs, the platform's hosts and
 * links; initializes the policy and opens the trace. Returns 0, or -1 with a
 * message naming the file and element at fault in err. */
int mec_setup(mec_world_t *w, const mec_setup_input_t *in, char *err, size_t errlen);

/* Frees everything mec_setup allocated (the trace is closed by the caller). */
void mec_world_free(mec_world_t *w);

/* Prints the final progress line, if progress is shown. */
void mec_world_progress_final(void);
#endif
