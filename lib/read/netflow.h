/*
 * netflow.h - what the NetFlow decoder (netflow.c) tells the pushed
 * reader (fmt_netflow.c) beyond vigil.h's per-exporter statistics.
 */
#ifndef VIGIL_READ_NETFLOW_H
#define VIGIL_READ_NETFLOW_H

#include <stdint.h>

#include "vigil.h"

/* Data records without addresses (not flows) over all exporters: the
 * reader counts them as skipped, VG_SKIP_NOFLOW. */
uint64_t vgi_nf_noflow(const struct vg_nf *d);

#endif
