/*
 * meter.h - the flow meter: packets in, bidirectional flows out, the way an
 * Argus sensor builds them (initiator = source, per-direction counters, TCP
 * state from the flags, ICMP keyed by type/code and echo id, idle and active
 * timeouts). It knows link layers but not files: fmt_pcap.c feeds it from
 * capture files and from an interface (pcap_create, in fmt_pcap.c and the
 * reader's live source). See docs/pcap.md.
 */
#ifndef VGI_METER_H
#define VGI_METER_H

#include "core/core.h"

struct vgi_meter_opts {
	int active_s;   /* a flow reports at least this often (Argus status
			 * interval); 0 = default 60 */
	int idle_s;     /* a flow ends after this long without packets;
			 * 0 = default 60 */
	int v6_label;   /* 1: the IPv6 flow label is part of the key (argus) */
};

struct vgi_meter_stats {
	uint64_t packets;     /* packets given to the meter */
	uint64_t bytes;       /* their wire lengths */
	uint64_t metered;     /* packets counted in a flow */
	uint64_t non_ip;      /* link-layer types other than IPv4/IPv6/ARP */
	uint64_t truncated;   /* captured too short for an IP header: dropped */
	uint64_t partial;     /* transport header cut short: metered without
			       * ports */
	uint64_t malformed;   /* headers that contradict themselves */
	uint64_t fragments;   /* IP fragments (all of them) */
	uint64_t frag_orphans;/* later fragments whose first one was not seen */
	uint64_t flows;       /* flow records emitted */
	uint64_t active_max;  /* most flows in the table at once */
};

struct vgi_meter;

struct vgi_meter *vgi_meter_new(const struct vgi_meter_opts *o);
void vgi_meter_free(struct vgi_meter *m);

/* Link types (the pcap DLT_/LINKTYPE_ numbers this meter decodes). */
int vgi_meter_dlt_ok(int dlt);

/* Meters one packet: ts in µs, caplen bytes at p, wirelen on the wire. */
void vgi_meter_packet(struct vgi_meter *m, int dlt, int64_t ts_us,
		      const uint8_t *p, uint32_t caplen, uint32_t wirelen);
/* Advances the meter's clock without a packet (live capture), ending
 * flows that timed out. */
void vgi_meter_tick(struct vgi_meter *m, int64_t now_us);
/* Ends every flow (end of the input). */
void vgi_meter_flush(struct vgi_meter *m);
/* Moves up to cap finished flow records to out; returns how many. */
size_t vgi_meter_take(struct vgi_meter *m, vg_flow *out, size_t cap);
size_t vgi_meter_pending(const struct vgi_meter *m);
void vgi_meter_get_stats(const struct vgi_meter *m, struct vgi_meter_stats *st);

#endif
