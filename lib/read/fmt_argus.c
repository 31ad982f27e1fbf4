/*
 * fmt_argus.c - Argus 3.x records (argus 3.0.8; 5.x records read the same
 * way), with no Argus library. Reference: shared docs/FORMATS.md section 1,
 * written from argus_out.h / ArgusGenerateRecord and checked on real files.
 *
 * A file or stream is a run of records, big-endian, no gaps:
 *
 *   +0 u8 type     high nibble = kind (0x80 MAR, 0x10 FAR, 0x30 NETFLOW,
 *                  0x40 EVENT, others skipped), low nibble = version (3..5)
 *   +1 u8 cause    high nibble: 0x10 START, 0x20 STATUS, 0x30 STOP,
 *                  0x40 TIMEOUT, ...
 *   +2 u16 len     in 32-bit words, header included (0 = corrupt)
 *   +4 ...         MAR: a 124-byte body; flows: a run of DSRs, each
 *                  [type, subtype, qualifier, len(words)] with the 16-bit
 *                  length form when (subtype & 0x80) and the 1-word form
 *                  when (type & 0x80).
 *
 * The first record of a file is a MAR whose word at +8 is the cookie
 * 0xE5712DCB. We decode FLOW (key, with the REVERSE bit that says the key
 * is stored swapped), TIME, METER, NETWORK (TCP state and flags),
 * TRANSPORT (sensor id) and the mapped-ICMP DSR; the rest are skipped by
 * length. Quirks of the 3.0.8 sensor that we tolerate: ICMP id stored in
 * host (little-endian) order; START cause on the first report even for
 * finished flows; ns time qualifiers; METER widths chosen per record.
 *
 * A bad record is reported and skipped: when its length is plausible we
 * step over it, otherwise we scan forward to the next position where a
 * whole valid record starts (followed by a plausible header or the end).
 */
#include <stdlib.h>

#include "read/read.h"

#define ARGUS_COOKIE 0xE5712DCBu
#define ARGUS_V2_COOKIE 0xE5617ACBu

#define K_MAR 0x80
#define K_FAR 0x10
#define K_NETFLOW 0x30
#define K_EVENT 0x40

#define DSR_TRANSPORT 0x01
#define DSR_FLOW 0x02
#define DSR_TIME 0x03
#define DSR_METER 0x10
#define DSR_NETWORK 0x30
#define DSR_ICMP 0x34

enum res { R_FLOW, R_MAN, R_SKIP, R_BAD };

struct parse_out {
	int skip_reason;
	int has_seq;      /* the TRANSPORT DSR had a sequence number: */
	uint32_t seq;     /* the sensor's record count (streams, vgi_argus_seq) */
	char what[200];
};

static int kind_known(unsigned kind)
{
	switch (kind) {
	case 0x10: case 0x20: case 0x30: case 0x40: case 0x50: case 0x60:
	case 0x70: case 0x80:
		return 1;
	}
	return 0;
}

static int header_plausible(const uint8_t *p)
{
	unsigned kind = p[0] & 0xF0, ver = p[0] & 0x0F;
	unsigned words = vgi_be16(p + 2);
	if (!kind_known(kind) || ver < 3 || ver > 5 || words == 0)
		return 0;
	if (kind == K_MAR && words < 32)
		return 0;
	return 1;
}

/* Time pair (sec, frac) -> µs; ns units when ns. */
static int64_t tv_us(uint32_t sec, uint32_t frac, int ns)
{
	if (ns)
		frac /= 1000;
	if (frac > 999999)
		frac = 999999;
	return (int64_t)sec * 1000000 + frac;
}

static enum res parse_mar(const uint8_t *p, size_t len, vg_flow *f,
			  struct parse_out *po)
{
	unsigned cause = p[1] & 0xF0;
	if (len < 128) {
		snprintf(po->what, sizeof po->what,
			 "management record of %zu bytes (needs 128)", len);
		return R_BAD;
	}
	memset(f, 0, sizeof *f);
	f->kind = VG_REC_MAN;
	f->stime_us = tv_us(vgi_be32(p + 32), vgi_be32(p + 36), 0);
	f->ltime_us = tv_us(vgi_be32(p + 24), vgi_be32(p + 28), 0);
	f->sensor = vgi_be32(p + 120);
	f->n_records = 1;
	if (cause == 0x30)
		f->rflags = VG_RF_STOP;
	else if (cause == 0x10)
		f->rflags = VG_RF_START;
	vg_flow_derive_state(f);
	return R_MAN;
}

static enum res decode_flow_key(const uint8_t *d, size_t dlen, vg_flow *f,
				struct parse_out *po)
{
	unsigned subtype = d[1], qual = d[2];
	unsigned keytype = subtype & 0x3F, atype = qual & 0x1F;
	int reverse = (subtype & 0x40) != 0;

	if (qual & 0x80)
		f->rflags |= VG_RF_FRAG;
	if ((keytype == 0x01 || keytype == 0x03) && atype == 0x01) {
		if (dlen < 20)
			goto short_key;
		f->family = VG_FAM_IP4;
		vg_addr_from_ip4(&f->saddr, vgi_be32(d + 4));
		vg_addr_from_ip4(&f->daddr, vgi_be32(d + 8));
		f->proto = d[12];
		if (keytype == 0x03) {
			/* layer-3 matrix: addresses only */
		} else if (f->proto == 1) {
			f->sport = d[14];          /* type */
			f->dport = d[15];          /* code */
			f->icmp_id = vgi_le16(d + 16); /* sensor host order */
		} else if (!(qual & 0x80)) {
			f->sport = vgi_be16(d + 14);
			f->dport = vgi_be16(d + 16);
		}
	} else if ((keytype == 0x01 || keytype == 0x03) && atype == 0x02) {
		if (dlen < (keytype == 0x03 ? 36u : 44u))
			goto short_key;
		f->family = VG_FAM_IP6;
		memcpy(f->saddr.a, d + 4, 16);
		memcpy(f->daddr.a, d + 20, 16);
		if (keytype == 0x01) {
			f->proto = d[36];
			if (f->proto == 58) {
				f->sport = d[40];
				f->dport = d[41];
				f->icmp_id = vgi_be16(d + 42);
			} else {
				f->sport = vgi_be16(d + 40);
				f->dport = vgi_be16(d + 42);
			}
		}
	} else if (keytype == 0x06 && (atype == 0x04 || atype == 0x05)) {
		if (dlen < 20)
			goto short_key;
		if (atype == 0x04) {
			f->family = VG_FAM_ARP;
			vg_addr_from_ip4(&f->saddr, vgi_be32(d + 12));
			vg_addr_from_ip4(&f->daddr, vgi_be32(d + 16));
		} else {
			f->family = VG_FAM_RARP;
			vg_addr_from_ip4(&f->saddr, 0);
			vg_addr_from_ip4(&f->daddr, vgi_be32(d + 12));
		}
		return R_FLOW; /* no ports, never reversed */
	} else {
		po->skip_reason = VG_SKIP_FLOWTYPE;
		snprintf(po->what, sizeof po->what,
			 "flow key type 0x%02x, address type 0x%02x not supported",
			 keytype, atype);
		return R_SKIP;
	}
	if (reverse) {
		vg_addr t = f->saddr;
		f->saddr = f->daddr;
		f->daddr = t;
		if (!((f->family == VG_FAM_IP4 && f->proto == 1) ||
		      (f->family == VG_FAM_IP6 && f->proto == 58))) {
			uint16_t tp = f->sport;
			f->sport = f->dport;
			f->dport = tp;
		}
	}
	return R_FLOW;
short_key:
	snprintf(po->what, sizeof po->what, "flow DSR of %zu bytes is too short "
		 "for its key type 0x%02x/0x%02x", dlen, keytype, atype);
	return R_BAD;
}

static int decode_time(const uint8_t *d, size_t dlen, vg_flow *f,
		       struct parse_out *po)
{
	unsigned subtype = d[1], qual = d[2];
	int ns = (qual & 0x01) != 0; /* 0x19 / 0x1B: nanoseconds */
	unsigned which = subtype & 0x78, count = 0, i;
	int64_t lo = INT64_MAX, hi = INT64_MIN, v;
	size_t words = dlen / 4;

	if (which == 0) {
		if (words >= 5) {
			f->stime_us = tv_us(vgi_be32(d + 4), vgi_be32(d + 8), ns);
			f->ltime_us = tv_us(vgi_be32(d + 12), vgi_be32(d + 16), ns);
		} else if (words >= 3) {
			f->stime_us = f->ltime_us =
				tv_us(vgi_be32(d + 4), vgi_be32(d + 8), ns);
		} else {
			goto bad;
		}
		if (f->ltime_us < f->stime_us) {
			int64_t t = f->stime_us;
			f->stime_us = f->ltime_us;
			f->ltime_us = t;
		}
		return 0;
	}
	for (i = 0x08; i <= 0x40; i <<= 1)
		if (which & i)
			count++;
	if (words - 1 >= 2 * count) {
		for (i = 0; i < count; i++) {
			v = tv_us(vgi_be32(d + 4 + 8 * i), vgi_be32(d + 8 + 8 * i), ns);
			lo = VGI_MIN(lo, v);
			hi = VGI_MAX(hi, v);
		}
	} else if (words - 1 == count + 1 && count >= 1) {
		/* relative form: a first timestamp, then signed µs offsets */
		int64_t first = tv_us(vgi_be32(d + 4), vgi_be32(d + 8), ns);
		lo = hi = first;
		for (i = 1; i < count; i++) {
			v = first + (int32_t)vgi_be32(d + 8 + 4 * i);
			lo = VGI_MIN(lo, v);
			hi = VGI_MAX(hi, v);
		}
	} else {
		goto bad;
	}
	f->stime_us = lo;
	f->ltime_us = hi;
	return 0;
bad:
	snprintf(po->what, sizeof po->what,
		 "time DSR subtype 0x%02x of %zu bytes is too short", subtype, dlen);
	return -1;
}

static int decode_meter(const uint8_t *d, size_t dlen, vg_flow *f,
			struct parse_out *po)
{
	unsigned subtype = d[1], qual = d[2] & 0x0F;
	unsigned k = (subtype == 0x04) ? 3 : 2; /* pkts, bytes [, appbytes] */
	unsigned width, sides; /* sides: 3 both, 1 src, 2 dst */
	uint64_t v[6] = {0};
	unsigned i, nvals;
	vgi_cur c;

	if (qual == 0 || qual > 12) {
		snprintf(po->what, sizeof po->what,
			 "metric DSR with unknown qualifier 0x%02x", d[2]);
		return -1;
	}
	width = 1u << ((qual - 1) % 4); /* 1, 2, 4, 8 bytes */
	sides = qual <= 4 ? 3 : qual <= 8 ? 1 : 2;
	nvals = (sides == 3 ? 2 : 1) * k;
	c = vgi_cur_make(d + 4, dlen - 4);
	for (i = 0; i < nvals; i++) {
		switch (width) {
		case 1: v[i] = vgi_cur_u8(&c); break;
		case 2: v[i] = vgi_cur_be16(&c); break;
		case 4: v[i] = vgi_cur_be32(&c); break;
		default: v[i] = vgi_cur_be64(&c); break;
		}
	}
	if (c.bad) {
		snprintf(po->what, sizeof po->what,
			 "metric DSR of %zu bytes is too short for qualifier 0x%02x",
			 dlen, d[2]);
		return -1;
	}
	if (sides == 3) {
		f->spkts = v[0];
		f->sbytes = v[1];
		f->dpkts = v[k];
		f->dbytes = v[k + 1];
	} else if (sides == 1) {
		f->spkts = v[0];
		f->sbytes = v[1];
	} else {
		f->dpkts = v[0];
		f->dbytes = v[1];
	}
	return 0;
}

/* Returns the TCP DSR subtype decoded (0x03, 0x04, 0x05), else 0. */
static unsigned decode_network(const uint8_t *d, size_t dlen, vg_flow *f)
{
	unsigned subtype = d[1];
	if (f->proto != 6 || (f->family != VG_FAM_IP4 && f->family != VG_FAM_IP6))
		return 0;
	switch (subtype) {
	case 0x05: /* TCP_PERF: status, state, options, synack, ackdata, src, dst */
		if (dlen < 8)
			return 0;
		f->tcp_status = vgi_be32(d + 4);
		if (dlen >= 24 + 48) {
			size_t msz = (dlen - 24) / 2;
			if (msz < 48)
				msz = 48;
			f->sflags = d[24 + 46];
			if (dlen >= 24 + msz + 47)
				f->dflags = d[24 + msz + 46];
		}
		break;
	case 0x04: /* TCP_STATUS */
		if (dlen < 10)
			return 0;
		f->tcp_status = vgi_be32(d + 4);
		f->sflags = d[8];
		f->dflags = d[9];
		break;
	case 0x03: /* TCP_INIT */
		if (dlen < 8)
			return 0;
		f->tcp_status = vgi_be32(d + 4);
		if (dlen >= 19)
			f->sflags = d[18];
		break;
	default:
		return 0;
	}
	return subtype;
}

/* DSR type -> slot in parse_record's table; 0 = not decoded. */
static const uint8_t dsr_slot[128] = {
	[DSR_FLOW] = 1, [DSR_TIME] = 2, [DSR_METER] = 3, [DSR_NETWORK] = 4,
	[DSR_TRANSPORT] = 5, [DSR_ICMP] = 6,
};

/*
 * Parses the record p[0..len), whose header is plausible, into f. Returns
 * what it is; po says why for R_SKIP / R_BAD.
 */
static enum res parse_record(const uint8_t *p, size_t len, vg_flow *f,
			     struct parse_out *po)
{
	unsigned kind = p[0] & 0xF0, cause = p[1] & 0xF0;
	/* DSRs by slot (see dsr_slot); slot 0 collects the ones we skip */
	const uint8_t *dsr[7] = {NULL};
	size_t dlen[7] = {0};
	const uint8_t *flow, *tim, *met, *net, *trn;
	size_t flow_len, tim_len, met_len, net_len, trn_len;
	size_t off = 4;
	unsigned net_subtype = 0;
	int icmpmap;
	enum res rs;

	if (kind == K_MAR)
		return parse_mar(p, len, f, po);
	if (kind != K_FAR && kind != K_NETFLOW && kind != K_EVENT) {
		po->skip_reason = VG_SKIP_RECTYPE;
		snprintf(po->what, sizeof po->what, "record type 0x%02x skipped",
			 p[0]);
		return R_SKIP;
	}
	while (off < len) {
		const uint8_t *d = p + off;
		unsigned t = d[0], words, slot;
		if (VGI_UNLIKELY(len - off < 4)) {
			snprintf(po->what, sizeof po->what,
				 "DSR header at +%zu runs past the record end", off);
			return R_BAD;
		}
		if (t & 0x80)
			words = 1;
		else if (d[1] & 0x80)
			words = vgi_be16(d + 2);
		else
			words = d[3];
		if (VGI_UNLIKELY(words == 0)) {
			snprintf(po->what, sizeof po->what,
				 "DSR type 0x%02x at +%zu has length 0", t, off);
			return R_BAD;
		}
		if (VGI_UNLIKELY((size_t)words * 4 > len - off)) {
			snprintf(po->what, sizeof po->what,
				 "DSR type 0x%02x at +%zu (%u words) runs past the "
				 "record end (%zu bytes)", t, off, words, len);
			return R_BAD;
		}
		/* a table instead of a switch: the DSR mix changes from record
		 * to record and an indirect jump mispredicts too often */
		slot = dsr_slot[t & 0x7F];
		dsr[slot] = d;
		dlen[slot] = (size_t)words * 4;
		off += (size_t)words * 4;
	}
	flow = dsr[1], flow_len = dlen[1];
	tim = dsr[2], tim_len = dlen[2];
	met = dsr[3], met_len = dlen[3];
	net = dsr[4], net_len = dlen[4];
	trn = dsr[5], trn_len = dlen[5];
	icmpmap = dsr[6] != NULL;
	if (!flow) {
		po->skip_reason = VG_SKIP_NOFLOW;
		snprintf(po->what, sizeof po->what, "record without a flow DSR");
		return R_SKIP;
	}
	memset(f, 0, sizeof *f);
	f->n_records = 1;
	if (cause & 0x10)
		f->rflags |= VG_RF_START; /* START, STOP, FLUSH, CLOSED */
	if (cause == 0x40)
		f->rflags |= VG_RF_TIMEOUT;
	if (icmpmap)
		f->rflags |= VG_RF_ICMPMAP;
	if ((rs = decode_flow_key(flow, flow_len, f, po)) != R_FLOW)
		return rs;
	if (tim && decode_time(tim, tim_len, f, po))
		return R_BAD;
	if (met && decode_meter(met, met_len, f, po))
		return R_BAD;
	if (net)
		net_subtype = decode_network(net, net_len, f);
	if (trn && (trn[1] & 0x01) && trn_len >= 8)
		f->sensor = vgi_be32(trn + 4);
	/* the sequence number is the DSR's last word (after a 4- or, in 5.x,
	 * a 16-byte id) */
	po->has_seq = trn && (trn[1] & 0x02) && trn_len >= 8;
	if (po->has_seq)
		po->seq = vgi_be32(trn + trn_len - 4);
	/* ra clears a direction's TCP flags when it has no packets */
	if (!f->spkts)
		f->sflags = 0;
	if (!f->dpkts)
		f->dflags = 0;
	if (f->family == VG_FAM_IP4 && f->proto == 6 && !(flow[2] & 0x20))
		vgi_argus_correct_direction(f, net_subtype);
	else if ((f->family == VG_FAM_ARP || f->family == VG_FAM_RARP) &&
		 (flow[1] & 0x40))
		vgi_flow_swap_sides(f, 0); /* ra turns the counters, keeps the key */
	vg_flow_derive_state(f);
	return R_FLOW;
}

/* ------------------------------------------------------------- reading */

static int sniff(const uint8_t *p, size_t n)
{
	if (n >= 16 && (p[0] & 0xF0) == K_MAR && (p[0] & 0x0F) >= 3 &&
	    (p[0] & 0x0F) <= 5 && vgi_be32(p + 8) == ARGUS_COOKIE)
		return 100;
	/* a stream picked up after its first record: a whole valid FAR */
	if (n >= 8 && header_plausible(p) && (p[0] & 0xF0) == K_FAR) {
		size_t len = (size_t)vgi_be16(p + 2) * 4;
		vg_flow f;
		struct parse_out po;
		if (len <= n && parse_record(p, len, &f, &po) == R_FLOW)
			return 60;
	}
	return 0;
}

static int open_v3(vg_reader *r)
{
	const uint8_t *p = r->buf + r->pos;
	size_t have = r->len - r->pos;
	if (have >= 12 && (p[0] & 0x80) && vgi_le32(p + 8) == ARGUS_COOKIE) {
		vgi_errf(r->errmsg, "%s: @0x0: an Argus file in little-endian "
			 "byte order, which vigil does not read", r->name);
		return VG_EUNSUP;
	}
	return VG_OK;
}

/* Is there a whole valid record at p[0..have) (have < len + 4 only at the
 * end of the input), followed by a plausible header or the end? */
static int good_record_at(const uint8_t *p, size_t have)
{
	size_t len;
	vg_flow f;
	struct parse_out po;
	enum res rs;

	if (have < 4 || !header_plausible(p))
		return 0;
	len = (size_t)vgi_be16(p + 2) * 4;
	if (have < len)
		return 0;
	rs = parse_record(p, len, &f, &po);
	if (rs == R_BAD)
		return 0;
	if (rs == R_SKIP && po.skip_reason == VG_SKIP_RECTYPE)
		return 0; /* too weak a signal to resync on */
	return have == len || (have >= len + 4 && header_plausible(p + len));
}

static int good_record_here(vg_reader *r)
{
	size_t have = vgi_need(r, 4), len;
	if (have == (size_t)-1 || have < 4)
		return 0;
	len = (size_t)vgi_be16(r->buf + r->pos + 2) * 4;
	have = vgi_need(r, len + 4);
	if (have == (size_t)-1)
		return 0;
	return good_record_at(r->buf + r->pos, have);
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

static int read_v3(vg_reader *r, vg_flow *out, size_t cap, size_t *n)
{
	struct parse_out po;
	size_t k = 0;
	int rc = VG_OK;

	while (k < cap) {
		size_t have, len;
		const uint8_t *p;
		uint64_t off = vgi_offset(r), rec = r->rec_no + 1;
		enum res rs;

		if (off >= r->stop_at) {
			rc = VG_DONE;
			break;
		}
		have = vgi_need(r, 4);

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
		if (have < 4) {
			vgi_rec_err(r, r->errmsg, rec, off,
				    "truncated: %zu bytes left, a record header needs 4",
				    have);
			r->st.skipped[VG_SKIP_TRUNCATED]++;
			r->pos += have;
			rc = VG_ETRUNC;
			break;
		}
		if (!header_plausible(p)) {
			unsigned type = p[0], words = vgi_be16(p + 2);
			uint64_t skipped;
			r->st.skipped[VG_SKIP_MALFORMED]++;
			skipped = resync(r);
			r->st.skipped[VG_SKIP_GARBAGE] += skipped;
			if (r->pos < r->len || !r->eof)
				vgi_rec_err(r, r->errmsg, rec, off,
					    "bad record header (type 0x%02x, length %u words); "
					    "skipped %llu bytes to the next good record @0x%llx",
					    type, words, (unsigned long long)skipped,
					    (unsigned long long)vgi_offset(r));
			else
				vgi_rec_err(r, r->errmsg, rec, off,
					    "bad record header (type 0x%02x, length %u words); "
					    "no good record in the %llu bytes to the end",
					    type, words, (unsigned long long)skipped);
			rc = VG_ERECORD;
			break;
		}
		len = (size_t)vgi_be16(p + 2) * 4;
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
		/* the window is streamed once: fetch ahead so that parsing
		 * does not wait on memory at every new cache line */
		if (VGI_LIKELY(r->len - r->pos > len + 4352)) {
			__builtin_prefetch(p + len + 4096);
			__builtin_prefetch(p + len + 4160);
			__builtin_prefetch(p + len + 4224);
		}
		rs = parse_record(p, len, &out[k], &po);
		r->pos += len;
		if (rs == R_FLOW && r->fmt_state && po.has_seq &&
		    vgi_argus_seq_repeat(r->fmt_state, out[k].sensor, po.seq))
			continue; /* a stream sent it again after a reconnect */
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

/* ------------------------------------------------------- parallel chunks */

static size_t chunk_start(const uint8_t *p, size_t avail, int at_eof, size_t from,
			  size_t limit)
{
	size_t q;
	for (q = from; q < limit && q + 4 <= avail; q++) {
		size_t have = avail - q;
		/* without the end of the file in view, a record must be
		 * followed by a visible header to count */
		if (!at_eof && have < 8)
			break;
		if (good_record_at(p + q, have))
			return q;
	}
	return (size_t)-1;
}

static int chunk_add(struct vgi_chunk *c)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 4096;
		vg_flow *nf = realloc(c->flows, cap * sizeof *nf);
		if (!nf)
			return -1;
		c->flows = nf;
		c->cap = cap;
	}
	return 0;
}

static int chunk_parse(const vg_reader_opts *o, const uint8_t *p, size_t avail,
		       int at_eof, size_t pos, size_t limit, struct vgi_chunk *c)
{
	struct parse_out po;
	while (pos < limit) {
		size_t len;
		enum res rs;
		if (avail - pos < 4) {
			if (avail == pos && at_eof)
				break;
			return -1;
		}
		if (!header_plausible(p + pos))
			return -1;
		len = (size_t)vgi_be16(p + pos + 2) * 4;
		if (len > avail - pos)
			return -1; /* truncated at the end of the file */
		if (chunk_add(c))
			return -1;
		if (VGI_LIKELY(avail - pos > len + 4352)) {
			__builtin_prefetch(p + pos + len + 4096);
			__builtin_prefetch(p + pos + len + 4160);
			__builtin_prefetch(p + pos + len + 4224);
		}
		rs = parse_record(p + pos, len, &c->flows[c->n], &po);
		if (rs == R_FLOW) {
			const vg_flow *f = &c->flows[c->n++];
			c->n_flows++;
			if (f->stime_us < c->first_us)
				c->first_us = f->stime_us;
			if (f->ltime_us > c->last_us)
				c->last_us = f->ltime_us;
		} else if (rs == R_MAN) {
			c->n_man++;
			if (o->keep_man)
				c->n++;
		} else if (rs == R_SKIP && !o->strict) {
			c->skipped[po.skip_reason]++;
		} else {
			return -1;
		}
		c->n_records++;
		pos += len;
	}
	c->end = pos;
	return 0;
}

const struct vgi_format vgi_fmt_argus = {
	.name = "argus",
	.doc = "Argus 3.x records (files and streams)",
	.sniff = sniff,
	.open = open_v3,
	.read = read_v3,
	.chunk = chunk_parse,
	.chunk_start = chunk_start,
};
