/*
 * fmt_argus2.c - Argus 2.x records (argus 2.0.x, ~2003), with no Argus
 * library. Reference: shared docs/FORMATS.md section 2 (from the V2 structs
 * of argus_out.h / argus_def.h and the clients' v2 -> v3 converter), checked
 * against what `ra` 3.0.8.2 prints for files built to that layout
 * (tests/data/argus2/make-v2.py); no 2.x sensor file was available.
 *
 * A file is a run of records, big-endian, no gaps, each with a 16-byte
 * header whose length counts bytes (not words, as in 3.x):
 *
 *   +0  u8  type     0x80 MAR; flow records have low nibble 0x01 (FAR),
 *                    maybe with 0x10 (from NetFlow), 0x20 (from 1.x) or
 *                    0x40 (RMON style); 0x02 DATASUP, 0x03 ARCHIVE, 0xA0
 *                    INDEX, 0xC0 EVENT are skipped
 *   +1  u8  cause    0x01 START, 0x04 STATUS, 0x08 STOP, 0x10 SHUTDOWN,
 *                    0x20 TIMEOUT, 0x40 ERROR
 *   +2  u16 length   bytes, header included (ra: 1..4098)
 *   +4  u32 status   low 16 bits = ethertype of the flow (0x0800 IPv4,
 *                    0x0806 ARP, 0x8035 RARP, anything else non-IP)
 *   +8  u32 argusid  the monitor id (initial MAR: the cookie 0xE5617ACB)
 *   +12 u32 seq      record sequence number (0 in the initial MAR)
 *
 * A MAR is 128 bytes. A FAR is the header, then a chain of DSRs
 * [type u8, length u8 in bytes, status u16]; the FAR body (type 0x01, 72
 * bytes) holds everything we need:
 *
 *   +4  u32 TransRefNum         +8  start sec, usec   +16 last sec, usec
 *   +24 16-byte flow key: IPv4 [src, dst, ip_p, tp_p, sport, dport, ip_id]
 *       (ICMP: type, code, id in the port slots), ARP [spa, tpa, hw addr]
 *   +40 soptions, doptions u16 (0x0008 = fragments), sttl, dttl, stos, dtos
 *   +48 src pkts, bytes, appbytes u32   +60 dst pkts, bytes, appbytes u32
 *
 * The FAR body's status word (+2) says whether an ICMP error was mapped onto
 * the flow (bits 0x0007). Of the optional DSRs only the TCP object is read
 * (0x11, 60 bytes: state u32 at +4 - the same bits as the 3.x TCP status -
 * and the per-direction TCP flags at +38 and +58); the rest (MAC, ICMP
 * object, VLAN, MPLS, jitter, AGR, ESP, RTP, user data, ...) are skipped by
 * length. There is no REVERSE bit: the source is the side that started the
 * flow.
 *
 * Quirks, as ra 3.0.8.2 (the reference for our output) handles them:
 * - The user-data DSRs 0x42/0x43 count their length in 4-byte words. The
 *   VLAN (0x2a) and MPLS (0x28) DSRs are taken as 8 and 12 bytes whatever
 *   their length byte says (ra's fix for early 2.0 sensors that wrote
 *   them wrong).
 * - ra prints the ICMP id of a 2.x key as the sensor meant it, but a 3.x
 *   id byte-swapped (argus 3.0.8 stores it little-endian). vigil's ra-style
 *   output prints icmp_id byte-swapped, which is right for 3.x, where
 *   icmp_id is the true id. So that 2.x rows print as ra prints them too,
 *   icmp_id holds the 2.x id bytes read little-endian, as fmt_argus.c reads
 *   them: for a 2.x flow that is the true id byte-swapped.
 * - ra names an ICMP flow's state after the ICMP object's type and code when
 *   there is one; we take the key's (we expect argus 2 wrote the same
 *   values in both, but have no sensor file to show it).
 * - ra's TCP direction correction applies to v2 records too (see
 *   vgi_argus_correct_direction in argus_common.c), and a fragment flow has no ports.
 * - ra gives a FAR with cause TIMEOUT, SHUTDOWN or ERROR the cause of the
 *   record it converted before (a stale buffer). We take the cause as
 *   written: TIMEOUT marks the flow timed out, the others set nothing.
 *
 * A bad record is reported and skipped: when its header is plausible we
 * step over its length, otherwise we scan forward to the next position
 * where a whole valid record starts (followed by a plausible header or the
 * end).
 */
#include <stdlib.h>

#include "read/read.h"

#define ARGUS_V2_COOKIE 0xE5617ACBu

#define HDR_LEN 16     /* record header */
#define MAR_LEN 128    /* a whole MAR */
#define FAR_LEN 72     /* the FAR body, the first DSR of a flow record */
#define MAX_LEN 4098   /* the longest record ra accepts */

#define T_MAR 0x80
#define T_INDEX 0xA0
#define T_EVENT 0xC0

#define C_START 0x01
#define C_STATUS 0x04
#define C_STOP 0x08
#define C_SHUTDOWN 0x10
#define C_TIMEOUT 0x20
#define C_ERROR 0x40

#define D_FAR 0x01
#define D_TCP 0x11
#define D_MPLS 0x28
#define D_VLAN 0x2a
#define D_SRCUSER 0x42
#define D_DSTUSER 0x43

#define ETH_IP 0x0800
#define ETH_ARP 0x0806
#define ETH_RARP 0x8035

#define FAR_ICMP_MAPPED 0x0007 /* FAR body status: an ICMP error was mapped */
#define ATTR_FRAGMENTS 0x0008  /* soptions / doptions: fragments seen */

enum res { R_FLOW, R_MAN, R_SKIP, R_BAD };

struct parse_out {
	int skip_reason;
	char what[200];
};

static int type_known(unsigned type)
{
	if (type & 0x80)
		return type == T_MAR || type == T_INDEX || type == T_EVENT;
	/* FAR / DATASUP / ARCHIVE, with the NetFlow, 1.x and RMON bits */
	return (type & 0x0F) >= 0x01 && (type & 0x0F) <= 0x03;
}

static int cause_known(unsigned cause)
{
	switch (cause) {
	case C_START: case C_STATUS: case C_STOP: case C_SHUTDOWN:
	case C_TIMEOUT: case C_ERROR:
		return 1;
	}
	return 0;
}

/* Good enough to step over by its length. */
static int header_plausible(const uint8_t *p)
{
	unsigned len = vgi_be16(p + 2);
	return type_known(p[0]) && len >= HDR_LEN && len <= MAX_LEN;
}

/* Time pair (sec, usec) -> µs, clamping usec like ra. */
static int64_t tv_us(uint32_t sec, uint32_t usec)
{
	if (usec > 999999)
		usec = 999999;
	return (int64_t)sec * 1000000 + usec;
}

static enum res parse_mar(const uint8_t *p, size_t len, vg_flow *f,
			  struct parse_out *po)
{
	unsigned cause = p[1];
	if (len != MAR_LEN) {
		snprintf(po->what, sizeof po->what,
			 "management record of %zu bytes (it is 128)", len);
		return R_BAD;
	}
	memset(f, 0, sizeof *f);
	f->kind = VG_REC_MAN;
	f->stime_us = tv_us(vgi_be32(p + 24), vgi_be32(p + 28)); /* now */
	f->ltime_us = tv_us(vgi_be32(p + 16), vgi_be32(p + 20)); /* startime */
	f->sensor = vgi_be32(p + 40);
	f->n_records = 1;
	if (cause == C_STOP || cause == C_SHUTDOWN)
		f->rflags = VG_RF_STOP;
	else if (cause == C_START)
		f->rflags = VG_RF_START;
	vg_flow_derive_state(f);
	return R_MAN;
}

/* The bytes a DSR takes, from its type and length byte. */
static size_t dsr_size(unsigned type, unsigned lenbyte)
{
	switch (type) {
	case D_SRCUSER:
	case D_DSTUSER:
		return (size_t)lenbyte * 4;
	case D_VLAN:
		return 8;
	case D_MPLS:
		return 12;
	}
	return lenbyte;
}

/* Fills the key of f from the FAR body's 16 key bytes at k. */
static enum res decode_key(const uint8_t *k, const uint8_t *attrs,
			   unsigned ether, vg_flow *f, struct parse_out *po)
{
	switch (ether) {
	case ETH_IP:
		f->family = VG_FAM_IP4;
		vg_addr_from_ip4(&f->saddr, vgi_be32(k));
		vg_addr_from_ip4(&f->daddr, vgi_be32(k + 4));
		f->proto = k[8];
		if ((vgi_be16(attrs) | vgi_be16(attrs + 2)) & ATTR_FRAGMENTS) {
			/* ra keys these as fragment flows: no ports */
			f->rflags |= VG_RF_FRAG;
		} else if (f->proto == 6 || f->proto == 17) {
			f->sport = vgi_be16(k + 10);
			f->dport = vgi_be16(k + 12);
		} else if (f->proto == 1) {
			f->sport = k[10];              /* type */
			f->dport = k[11];              /* code */
			f->icmp_id = vgi_le16(k + 12); /* see the quirks above */
		}
		return R_FLOW;
	case ETH_ARP:
		f->family = VG_FAM_ARP;
		vg_addr_from_ip4(&f->saddr, vgi_be32(k));     /* sender */
		vg_addr_from_ip4(&f->daddr, vgi_be32(k + 4)); /* target */
		return R_FLOW;
	case ETH_RARP:
		f->family = VG_FAM_RARP;
		vg_addr_from_ip4(&f->saddr, 0);
		vg_addr_from_ip4(&f->daddr, vgi_be32(k));
		return R_FLOW;
	}
	po->skip_reason = VG_SKIP_FLOWTYPE;
	snprintf(po->what, sizeof po->what,
		 "flow of ethertype 0x%04x (not IPv4 or ARP) not supported", ether);
	return R_SKIP;
}

/*
 * Parses the record p[0..len), whose header is plausible, into f. Returns
 * what it is; po says why for R_SKIP / R_BAD.
 */
static enum res parse_record(const uint8_t *p, size_t len, vg_flow *f,
			     struct parse_out *po)
{
	unsigned type = p[0], cause = p[1];
	unsigned ether = vgi_be32(p + 4) & 0xFFFFu;
	const uint8_t *far = NULL, *tcp = NULL;
	size_t far_len = 0, tcp_len = 0, off = HDR_LEN;
	enum res rs;

	if (type & 0x80) {
		if (type == T_MAR)
			return parse_mar(p, len, f, po);
		po->skip_reason = VG_SKIP_RECTYPE;
		snprintf(po->what, sizeof po->what, "record type 0x%02x (%s) skipped",
			 type, type == T_INDEX ? "index" : "event");
		return R_SKIP;
	}
	if ((type & 0x0F) != 0x01) {
		po->skip_reason = VG_SKIP_RECTYPE;
		snprintf(po->what, sizeof po->what, "record type 0x%02x skipped",
			 type);
		return R_SKIP;
	}
	while (off < len) {
		const uint8_t *d = p + off;
		size_t size;
		if (len - off < 4) {
			snprintf(po->what, sizeof po->what,
				 "DSR header at +%zu runs past the record end", off);
			return R_BAD;
		}
		size = dsr_size(d[0], d[1]);
		if (size < 4) {
			snprintf(po->what, sizeof po->what,
				 "DSR type 0x%02x at +%zu has length %zu", d[0], off,
				 size);
			return R_BAD;
		}
		if (size > len - off) {
			snprintf(po->what, sizeof po->what,
				 "DSR type 0x%02x at +%zu (%zu bytes) runs past the "
				 "record end (%zu bytes)", d[0], off, size, len);
			return R_BAD;
		}
		/* the first of each kind counts */
		if (d[0] == D_FAR && !far) {
			far = d;
			far_len = size;
		} else if (d[0] == D_TCP && !tcp) {
			tcp = d;
			tcp_len = size;
		}
		off += size;
	}
	if (!far) {
		po->skip_reason = VG_SKIP_NOFLOW;
		snprintf(po->what, sizeof po->what, "record without a FAR DSR");
		return R_SKIP;
	}
	if (far_len < FAR_LEN) {
		snprintf(po->what, sizeof po->what,
			 "FAR DSR of %zu bytes (it is %d)", far_len, FAR_LEN);
		return R_BAD;
	}
	memset(f, 0, sizeof *f);
	f->n_records = 1;
	f->sensor = vgi_be32(p + 8);
	if (cause == C_START || cause == C_STOP)
		f->rflags |= VG_RF_START; /* both have 3.x's START bit */
	else if (cause == C_TIMEOUT)
		f->rflags |= VG_RF_TIMEOUT;
	if (vgi_be16(far + 2) & FAR_ICMP_MAPPED)
		f->rflags |= VG_RF_ICMPMAP;
	if ((rs = decode_key(far + 24, far + 40, ether, f, po)) != R_FLOW)
		return rs;
	f->stime_us = tv_us(vgi_be32(far + 8), vgi_be32(far + 12));
	f->ltime_us = tv_us(vgi_be32(far + 16), vgi_be32(far + 20));
	if (f->ltime_us < f->stime_us) {
		int64_t t = f->stime_us;
		f->stime_us = f->ltime_us;
		f->ltime_us = t;
	}
	f->spkts = vgi_be32(far + 48);
	f->sbytes = vgi_be32(far + 52);
	f->dpkts = vgi_be32(far + 60);
	f->dbytes = vgi_be32(far + 64);
	if (f->family == VG_FAM_IP4 && f->proto == 6) {
		if (tcp && tcp_len >= 8)
			f->tcp_status = vgi_be32(tcp + 4);
		if (tcp && tcp_len >= 60) {
			f->sflags = tcp[38];
			f->dflags = tcp[58];
		}
		/* ra clears a direction's TCP flags when it has no packets */
		if (!f->spkts)
			f->sflags = 0;
		if (!f->dpkts)
			f->dflags = 0;
		vgi_argus_correct_direction(f, 0x05); /* ra makes every v2 TCP object a TCP_PERF */
	}
	vg_flow_derive_state(f);
	return R_FLOW;
}

/* ------------------------------------------------------------- reading */

static int sniff(const uint8_t *p, size_t n)
{
	/* the initial MAR, as ra recognises it */
	if (n >= 16 && (p[0] & 0x80) && vgi_be32(p + 8) == ARGUS_V2_COOKIE &&
	    vgi_be32(p + 12) == 0 && vgi_be16(p + 2) == MAR_LEN)
		return 100;
	/* a stream picked up after its first record: a flow record whose
	 * FAR body is where it belongs (whole and valid if it is all here) */
	if (n >= HDR_LEN + FAR_LEN && header_plausible(p) && !(p[0] & 0x80) &&
	    (p[0] & 0x0F) == 0x01 && cause_known(p[1]) && p[16] == D_FAR &&
	    p[17] == FAR_LEN) {
		size_t len = vgi_be16(p + 2);
		vg_flow f;
		struct parse_out po;
		if (len > n)
			return 40;
		if (parse_record(p, len, &f, &po) == R_FLOW)
			return 60;
	}
	return 0;
}

static int open_v2(vg_reader *r)
{
	(void)r;
	return VG_OK;
}

/* Is there a whole valid record at the window position (checking that the
 * next one looks plausible too)? Stricter than the normal path: the cause
 * must be one argus 2 writes. */
static int good_record_here(vg_reader *r)
{
	size_t have = vgi_need(r, HDR_LEN), len;
	const uint8_t *p;
	vg_flow f;
	struct parse_out po;
	enum res rs;

	if (have == (size_t)-1 || have < HDR_LEN)
		return 0;
	p = r->buf + r->pos;
	if (!header_plausible(p) || !cause_known(p[1]))
		return 0;
	len = vgi_be16(p + 2);
	have = vgi_need(r, len + HDR_LEN);
	if (have == (size_t)-1 || have < len)
		return 0;
	p = r->buf + r->pos;
	rs = parse_record(p, len, &f, &po);
	if (rs == R_BAD)
		return 0;
	if (rs == R_SKIP && po.skip_reason == VG_SKIP_RECTYPE)
		return 0; /* too weak a signal to resync on */
	return have == len ||
	       (have >= len + HDR_LEN && header_plausible(p + len));
}

/* Scans forward from a bad spot to the next good record; returns the
 * number of bytes skipped. */
static uint64_t resync(vg_reader *r)
{
	uint64_t skipped = 0;
	for (;;) {
		size_t have = vgi_need(r, 1);
		if (have == (size_t)-1 || have == 0)
			break;
		r->pos++;
		skipped++;
		if (good_record_here(r))
			break;
	}
	return skipped;
}

static int read_v2(vg_reader *r, vg_flow *out, size_t cap, size_t *n)
{
	struct parse_out po;
	size_t k = 0;
	int rc = VG_OK;

	while (k < cap) {
		size_t have = vgi_need(r, HDR_LEN), len;
		const uint8_t *p;
		uint64_t off = vgi_offset(r), rec = r->rec_no + 1;
		enum res rs;

		if (have == (size_t)-1) {
			rc = VG_EIO;
			break;
		}
		if (have == 0) {
			rc = VG_DONE;
			break;
		}
		r->rec_no++;
		r->st.n_records++;
		p = r->buf + r->pos;
		if (have < HDR_LEN) {
			vgi_rec_err(r, r->errmsg, rec, off,
				    "truncated: %zu bytes left, a record header needs %d",
				    have, HDR_LEN);
			r->st.skipped[VG_SKIP_TRUNCATED]++;
			r->pos += have;
			rc = VG_ETRUNC;
			break;
		}
		if (!header_plausible(p)) {
			unsigned type = p[0], blen = vgi_be16(p + 2);
			uint64_t skipped;
			r->st.skipped[VG_SKIP_MALFORMED]++;
			skipped = resync(r);
			r->st.skipped[VG_SKIP_GARBAGE] += skipped;
			if (r->pos < r->len || !r->eof)
				vgi_rec_err(r, r->errmsg, rec, off,
					    "bad record header (type 0x%02x, length %u bytes); "
					    "skipped %llu bytes to the next good record @0x%llx",
					    type, blen, (unsigned long long)skipped,
					    (unsigned long long)vgi_offset(r));
			else
				vgi_rec_err(r, r->errmsg, rec, off,
					    "bad record header (type 0x%02x, length %u bytes); "
					    "no good record in the %llu bytes to the end",
					    type, blen, (unsigned long long)skipped);
			rc = VG_ERECORD;
			break;
		}
		len = vgi_be16(p + 2);
		have = vgi_need(r, len);
		if (have == (size_t)-1) {
			rc = VG_EIO;
			break;
		}
		p = r->buf + r->pos;
		if (have < len) {
			vgi_rec_err(r, r->errmsg, rec, off,
				    "truncated: the record is %zu bytes, the input "
				    "ends after %zu", len, have);
			r->st.skipped[VG_SKIP_TRUNCATED]++;
			r->pos += have;
			rc = VG_ETRUNC;
			break;
		}
		rs = parse_record(p, len, &out[k], &po);
		r->pos += len;
		if (rs == R_FLOW) {
			r->st.n_flows++;
			vgi_note_times(r, &out[k]);
			k++;
			continue;
		}
		if (rs == R_MAN) {
			r->st.n_man++;
			if (r->o.keep_man)
				k++;
			continue;
		}
		if (rs == R_SKIP) {
			if (vgi_skip(r, po.skip_reason, rec, off, po.what)) {
				rc = VG_ERECORD;
				break;
			}
			continue;
		}
		r->st.skipped[VG_SKIP_MALFORMED]++;
		vgi_rec_err(r, r->errmsg, rec, off, "%s; record skipped", po.what);
		rc = VG_ERECORD;
		break;
	}
	*n = k;
	return rc;
}

const struct vgi_format vgi_fmt_argus2 = {
	.name = "argus2",
	.doc = "Argus 2.x records",
	.sniff = sniff,
	.open = open_v2,
	.read = read_v2,
};
