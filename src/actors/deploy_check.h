/* deploy_check.h - checks a deployment file's <actor> elements against the
 * loaded platform before SimGrid reads it: SimGrid aborts (xbt_die) on an
 * actor whose host does not exist or whose function is not registered, so
 * mecsim finds those first and names the file and line. */
#ifndef MECSIM_DEPLOY_CHECK_H
#define MECSIM_DEPLOY_CHECK_H
#include <stddef.h>

/* Returns 0, or -1 with err ("deployment FILE line N: ..."). A file that is
 * not well-formed XML passes: SimGrid's parser reports it with its line. */
int mec_check_deployment(const char *path, char *err, size_t errlen);
#endif
