/* sg_options.h - checks the SimGrid options (--cfg=, --log=) mecsim passes
 * through, before SimGrid sees them: values that SimGrid accepts but that
 * crash or hang a run (a stack too small for an actor, a negative
 * precision, worker threads racing on mecsim's unlocked state) are rejected
 * with a message saying what is allowed. */
#ifndef MECSIM_SG_OPTIONS_H
#define MECSIM_SG_OPTIONS_H
#include <stddef.h>

/* arg is the whole option ("--cfg=contexts/stack-size:8"). Returns 0, or -1
 * with err. Unknown keys and malformed values are left to SimGrid, whose
 * exception mecsim reports (load_shim.cpp). */
int mec_check_sg_option(const char *arg, char *err, size_t errlen);
#endif
