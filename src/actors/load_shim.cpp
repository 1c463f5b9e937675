/* load_shim.cpp - SimGrid calls that report bad input by throwing C++
 * exceptions (which would abort a C caller): the option parsing of
 * simgrid_init and the loading of the platform and deployment files. Each
 * becomes an error message and a return code. */
#include "actors/load_shim.h"
#include <cstdio>
#include <exception>
#include <simgrid/engine.h>
#include <simgrid/s4u/Engine.hpp>

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

/* Loads the platform and seals it at once: SimGrid checks some zones (a
 * Wi-Fi zone's access point) only when sealing, which would otherwise happen
 * at the start of the run, after mecsim has stopped catching its aborts. */
static void load_and_seal(const char* path)
{
  simgrid_load_platform(path);
  const auto* e = simgrid::s4u::Engine::get_instance();
  if (e->get_netzone_root() != nullptr && e->get_host_count() > 0) /* sealing nothing crashes SimGrid */
    e->seal_platform();
}

extern "C" int mec_load_platform(const char* path, char* err, size_t errlen)
{
  return guarded(load_and_seal, path, err, errlen);
}

extern "C" int mec_load_deployment(const char* path, char* err, size_t errlen)
{
  return guarded(simgrid_load_deployment, path, err, errlen);
}

extern "C" int mec_simgrid_init(int* argc, char** argv, char* err, size_t errlen)
{
  try {
    simgrid_init(argc, argv);
    return 0;
  } catch (const std::exception& e) {
    std::snprintf(err, errlen, "%s", e.what());
  } catch (...) {
    std::snprintf(err, errlen, "SimGrid rejected its options");
  }
  return -1;
}

extern "C" void mec_on_deadlock(void (*cb)(void))
{
  simgrid::s4u::Engine::on_deadlock_cb([cb]() { cb(); });
}
