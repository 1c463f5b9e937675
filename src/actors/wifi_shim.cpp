/* wifi_shim.cpp - the three SimGrid calls mecsim needs that the 3.32 C API
 * lacks: a link's sharing policy and properties, and a station's Wi-Fi rate
 * level (without which the first transfer in a Wi-Fi zone aborts). */
#include "actors/wifi_shim.h"
#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/Link.hpp>

extern "C" int mec_link_is_wifi(sg_link_t link)
{
  return link->get_sharing_policy() == simgrid::s4u::Link::SharingPolicy::WIFI;
}

extern "C" const char* mec_link_property(sg_link_t link, const char* name)
{
  return link->get_property(name);
}

extern "C" void mec_wifi_set_rate(sg_link_t link, sg_host_t host, int level)
{
  link->set_host_wifi_rate(host, level);
}
