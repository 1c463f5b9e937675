/* load_shim.cpp - loads the platform and deployment files, turning the
 * exceptions SimGrid throws on bad XML (which would abort a C caller) into
 * an error message and a return code. */
#include "actors/load_shim.h"
#include <cstdio>
#include <exception>
#include <simgrid/engine.h>

static int guarded(void (*load)(const char*), const char* path, char* err, size_t errlen)
{
  try {
    load(path);
    return 0;
  } catch (const std::exception& e) {
    std::snprintf(err, errlen, "%s", e.what());
  } catch (...) {
    std::snprintf(err, errlen, "unknown error while loading '%s'", path);
  }
  return -1;
}

extern "C" int mec_load_platform(const char* path, char* err, size_t errlen)
{
  return guarded(simgrid_load_platform, path, err, errlen);
}

extern "C" int mec_load_deployment(const char* path, char* err, size_t errlen)
{
  return guarded(simgrid_load_deployment, path, err, errlen);
}
