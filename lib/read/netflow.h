/*
 * netflow.h - the NetFlow v5 / v9 / IPFIX decoder behind `vigil collect`:
 * fed one UDP datagram at a time with the exporter's address, it keeps the
 * templates, system-init times and sequence numbers of every exporter and
 * hands back flows as vg_flow (one-way, as fmt_nfdump.c makes them).
 * Internal to libvigil and the collector; it does no I/O of its own.
 */
#ifndef VGI_NETFLOW_H
#define VGI_NETFLOW_H

#include <stddef.h>
#include <stdint.h>

#include "vigil.h"

/* Where a datagram came from. IPv4 is family 4 with the address as
 * vg_addr_from_ip4 stores it (IPv4-mapped IPv6 senders are folded to it). */
typedef struct vgi_nf_peer {
	vg_addr addr;
	uint16_t port;
	uint8_t family;     /* VG_FAM_IP4 or VG_FAM_IP6 */
} vgi_nf_peer;

/* Limits against hostile or broken exporters; 0 = the default. */
typedef struct vgi_nf_limits {
	size_t max_streams;        /* (exporter, version, domain) tracked; 1024 */
	size_t max_templates;      /* per stream; 256 */
	size_t max_fields;         /* per template; 128 */
	int64_t template_ttl_us;   /* a template not refreshed for this long is
				    * forgotten (UDP: RFC 7011 10.3.7); 30 min */
} vgi_nf_limits;

/*
 * One stream: an exporter address with one NetFlow version and one
 * observation domain (v9 source id, IPFIX observation domain id, v5
 * engine_type << 8 | engine_id). Templates, the system-init time and the
 * sequence number belong to it.
 */
typedef struct vgi_nf_stats {
	vgi_nf_peer peer;        /* the last sender address:port seen */
	unsigned version;        /* 5, 9, 10; 0 when no header could be read */
	uint32_t domain;
	uint64_t packets;        /* datagrams */
	uint64_t flows;          /* flow records handed out */
	uint64_t lost;           /* by the sequence numbers: flows (v5), export
				  * packets (v9), data records (IPFIX) */
	uint64_t late;           /* datagrams that came late (filled a gap) */
	uint64_t duplicates;     /* datagrams with a sequence number seen just before */
	uint64_t resyncs;        /* sequence jumps too large to be loss (restart) */
	uint64_t malformed;      /* datagrams with a decoding error */
	uint64_t unknown_sets;   /* data sets for a template we do not have */
	uint64_t template_recs;  /* template records received, refreshes included */
	uint64_t templates_refused; /* over the caps */
	uint64_t options_recs;   /* options data records read */
	uint64_t noflow_recs;    /* data records without addresses */
	uint64_t est_times;      /* IPFIX sets timed without systemInitTime (160) */
	size_t n_templates;      /* active now */
	int64_t first_us, last_us; /* first and last datagram, the caller's clock */
} vgi_nf_stats;

struct vgi_nf;

/* Returns a nonzero value to stop decoding; vgi_nf_feed then returns it. */
typedef int (*vgi_nf_flow_fn)(void *user, const vg_flow *f);

int vgi_nf_create(struct vgi_nf **dec, const vgi_nf_limits *lim);
void vgi_nf_free(struct vgi_nf *dec);

/*
 * Decodes one datagram from exporter, received at now_us (µs since 1970, the
 * collector's clock: used for template expiry and first/last seen). Flows
 * go to cb as they are decoded. Returns VG_OK; VG_ERECORD when the datagram
 * was malformed (flows before the bad spot were handed out; the message,
 * naming exporter and byte offset, is in vgi_nf_errmsg and the offset in
 * vgi_nf_erroff); VG_ENOMEM when the stream table is full and nothing could
 * be evicted (the datagram is counted in vgi_nf_dropped); or cb's value.
 */
int vgi_nf_feed(struct vgi_nf *dec, const vgi_nf_peer *exporter, const uint8_t *buf,
		size_t len, int64_t now_us, vgi_nf_flow_fn cb, void *user);

const char *vgi_nf_errmsg(const struct vgi_nf *dec);
size_t vgi_nf_erroff(const struct vgi_nf *dec);

/* Streams in order of first appearance. */
size_t vgi_nf_stream_count(const struct vgi_nf *dec);
void vgi_nf_stream_stats(const struct vgi_nf *dec, size_t i, vgi_nf_stats *st);
/* Datagrams dropped because the stream table was full. */
uint64_t vgi_nf_dropped(const struct vgi_nf *dec);

/* "192.0.2.1:2055", "[2001:db8::1]:2055"; returns the length (< 64). */
size_t vgi_nf_peer_format(const vgi_nf_peer *p, char out[64]);

#endif
