/* wifi_shim.h - C declarations of the C++ shim in wifi_shim.cpp. */
#ifndef MECSIM_WIFI_SHIM_H
#define MECSIM_WIFI_SHIM_H
#include <simgrid/forward.h>
#ifdef __cplusplus
extern "C" {
#endif
/* 1 if the link's sharing policy is WIFI. */
int mec_link_is_wifi(sg_link_t link);
/* A <prop> of the link, or NULL. The string belongs to SimGrid. */
const char *mec_link_property(sg_link_t link, const char *name);
/* Sets the rate level (index into the link's bandwidth list) of a station. */
void mec_wifi_set_rate(sg_link_t link, sg_host_t host, int level);
#ifdef __cplusplus
}
#endif
#endif
