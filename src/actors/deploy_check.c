/* deploy_check.c - see deploy_check.h. */
#include "actors/deploy_check.h"
#include "model/text_util.h"
#include "model/xml_scan.h"

#include <errno.h>
#include <simgrid/host.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const functions[] = {"base_station", "edge_server", "mobile_device"};

typedef struct check_ctx {
  const char *path;
  char *err;
  size_t errlen;
} check_ctx_t;

/* The platform host closest to `name`, for "did you mean". */
static const char *closest_host(const char *name)
{
  size_t n = sg_host_count();
  if (n == 0)
    return NULL; /* sg_host_list aborts on a platform without hosts */
  sg_host_t *hosts = sg_host_list();
  const char **names = malloc(n * sizeof *names);
  const char *best = NULL;
  if (hosts && names) {
    for (size_t i = 0; i < n; i++)
      names[i] = sg_host_get_name(hosts[i]);
    best = mec_closest(name, names, n, 3);
  }
  free(names);
  free(hosts);
  return best;
}

static int check_tag(const mec_xml_tag_t *tag, void *ud)
{
  check_ctx_t *c = ud;
  /* <process> is the old name of <actor>; SimGrid reads both */
  if (strcmp(tag->name, "actor") != 0 && strcmp(tag->name, "process") != 0)
    return 0;
  const char *host = mec_xml_attr(tag, "host");
  const char *fn = mec_xml_attr(tag, "function");
  if (!host || !fn)
    return 0; /* SimGrid's DTD check names the missing attribute */
  int known = 0;
  for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++)
    known |= strcmp(fn, functions[i]) == 0;
  if (!known) {
    const char *near = mec_closest(fn, functions, sizeof functions / sizeof functions[0], 4);
    char hint[128] = "";
    if (near)
      snprintf(hint, sizeof hint, "did you mean '%s'? ", near);
    snprintf(c->err, c->errlen,
             "deployment %s line %d: <%s function=\"%s\">: unknown actor function (%sexpected base_station, "
             "edge_server or mobile_device)",
             c->path, tag->line, tag->name, fn, hint);
    return 1;
  }
  static const char *const refused[] = {"start_time", "kill_time", "on_failure"};
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
    if (mec_xml_attr(tag, refused[i])) {
      snprintf(c->err, c->errlen,
               "deployment %s line %d: actor '%s' on host '%s': attribute '%s' is not supported (mecsim starts and "
               "ends its actors itself; use the knobs until and the arrivals for timing)",
               c->path, tag->line, fn, host, refused[i]);
      return 1;
    }
  if (!sg_host_by_name(host)) {
    const char *near = closest_host(host);
    char hint[512] = "";
    if (near)
      snprintf(hint, sizeof hint, " (did you mean '%s'?)", near);
    snprintf(c->err, c->errlen, "deployment %s line %d: actor '%s' on host '%s': the platform has no such host%s",
             c->path, tag->line, fn, host, hint);
    return 1;
  }
  return 0;
}

int mec_check_deployment(const char *path, char *err, size_t errlen)
{
  size_t len;
  char *text = mec_read_file(path, &len);
  if (!text) {
    snprintf(err, errlen, "cannot read deployment file '%s': %s", path, strerror(errno));
    return -1;
  }
  check_ctx_t c = {path, err, errlen};
  char scan_err[256];
  int rc = mec_xml_scan(text, len, check_tag, &c, scan_err, sizeof scan_err);
  free(text);
  return rc > 0 ? -1 : 0; /* rc < 0: not well-formed; SimGrid's parser reports it */
}
