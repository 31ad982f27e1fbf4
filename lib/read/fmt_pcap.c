/*
 * fmt_pcap.c - packet captures in, flows out, through the meter (meter.c).
 *
 * Classic pcap files are read here, record by record from the reader's
 * window (mapped or decompressed: capture.pcap.gz works), because that is
 * what lets a damaged file be reported at its exact byte offset and read on
 * after the damage: libpcap stops at the first bad record header. pcapng
 * files and live interfaces go through libpcap; pcapng is fed to it from the
 * same window through a stdio cookie, so compressed pcapng works too. A BPF
 * filter (opts.bpf) selects packets in every case.
 *
 * Classic layout (libpcap's sf-pcap.c; either byte order, the magic says
 * which and whether the fraction is in µs or ns): a 24-byte file header
 * (magic, version, zone, sigfigs, snaplen at 16, link type at 20, FCS bits
 * above bit 26), then records of a 16-byte header (seconds, fraction,
 * captured length, wire length) and the captured bytes. libpcap takes any
 * record whose captured length is at most 256 KiB, hands over no more than
 * the snap length of it, and looks at nothing else: not the time (merged,
 * clock-stepped and fuzzed captures jump days and years back and forth),
 * not the fraction (tcpdump's timestamp_invalid_*.pcap), not the wire
 * length. Damage is therefore judged on structure only (plausible(),
 * next_classic()).
 */
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>

#include "read/meter.h"
#include "read/read.h"

#define PCAP_HDR 24
#define REC_HDR 16
#define CAPLEN_MAX (256u << 10)   /* larger records are damage */
#define RESYNC_MAX (8u << 20)     /* bytes searched for the next record */

enum kind { K_PCAP, K_PCAPNG, K_LIVE };

struct pc_state {
	enum kind kind;
	struct vgi_meter *m;
	int swap, nsec;
	unsigned linktype;
	uint32_t snaplen;          /* as in the file header */
	uint32_t snap_max;         /* what libpcap hands over of a record */
	int64_t last_sec;          /* of the last record taken, or -1 */
	uint64_t bad_time;         /* pcapng packets with an impossible time */
	pcap_t *pc;                /* pcapng and live */
	FILE *cookie;
	uint64_t cookie_off;       /* bytes handed to libpcap so far */
	struct bpf_program prog;
	int have_prog;
	int ended;                 /* no more packets: flush done */
	int end_rc;                /* error to return once the flows are out */
	char end_msg[VGI_ERRMSG_LEN];
	volatile sig_atomic_t stop;
};

static int sniff(const uint8_t *p, size_t n)
{
	uint32_t m;
	if (n < 4)
		return 0;
	m = vgi_le32(p);
	if (m == 0xa1b2c3d4 || m == 0xa1b23c4d || m == 0xd4c3b2a1 || m == 0x4d3cb2a1)
		return 100;
	if (m == 0x0a0d0d0a && n >= 12 &&
	    (vgi_le32(p + 8) == 0x1a2b3c4d || vgi_be32(p + 8) == 0x1a2b3c4d))
		return 100;
	return 0;
}

static uint32_t rd32(const struct pc_state *st, const uint8_t *p)
{
	return st->swap ? vgi_be32(p) : vgi_le32(p);
}

static int set_filter(vg_reader *r, struct pc_state *st)
{
	pcap_t *dead;
	if (!r->o.bpf || !*r->o.bpf)
		return VG_OK;
	if (st->kind != K_PCAP) {
		if (pcap_compile(st->pc, &st->prog, r->o.bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
			vgi_errf(r->errmsg, "%s: BPF filter: %s", r->name, pcap_geterr(st->pc));
			return VG_EINVAL;
		}
		st->have_prog = 1;
		if (st->kind == K_LIVE && pcap_setfilter(st->pc, &st->prog) != 0) {
			vgi_errf(r->errmsg, "%s: BPF filter: %s", r->name, pcap_geterr(st->pc));
			return VG_EINVAL;
		}
		return VG_OK;
	}
	dead = pcap_open_dead((int)st->linktype, (int)VGI_MAX(st->snaplen, 65535u));
	if (!dead)
		return VG_ENOMEM;
	if (pcap_compile(dead, &st->prog, r->o.bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		vgi_errf(r->errmsg, "%s: BPF filter: %s", r->name, pcap_geterr(dead));
		pcap_close(dead);
		return VG_EINVAL;
	}
	pcap_close(dead);
	st->have_prog = 1;
	return VG_OK;
}

static struct pc_state *state_new(vg_reader *r, enum kind kind)
{
	struct pc_state *st = calloc(1, sizeof *st);
	struct vgi_meter_opts mo;
	if (!st)
		return NULL;
	memset(&mo, 0, sizeof mo);
	mo.active_s = r->o.meter_active_s;
	mo.idle_s = r->o.meter_idle_s;
	mo.v6_label = r->o.meter_v6_label;
	st->kind = kind;
	if (!(st->m = vgi_meter_new(&mo))) {
		free(st);
		return NULL;
	}
	r->fmt_state = st;
	return st;
}

/* ------------------------------------------------------------ pcapng */

/* libpcap reads the pcapng file from the reader's window through this. */
static ssize_t cookie_read(void *arg, char *buf, size_t len)
{
	vg_reader *r = arg;
	struct pc_state *st = r->fmt_state;
	size_t have = vgi_need(r, VGI_MIN(len, (size_t)1 << 16));
	if (have == (size_t)-1)
		return -1;
	have = VGI_MIN(have, len);
	memcpy(buf, r->buf + r->pos, have);
	r->pos += have;
	st->cookie_off += have;
	return (ssize_t)have;
}

static int open_ng(vg_reader *r, struct pc_state *st)
{
	char eb[PCAP_ERRBUF_SIZE];
	cookie_io_functions_t io = {cookie_read, NULL, NULL, NULL};
	if (!(st->cookie = fopencookie(r, "r", io)))
		return VG_ENOMEM;
	st->pc = pcap_fopen_offline_with_tstamp_precision(st->cookie,
			PCAP_TSTAMP_PRECISION_MICRO, eb);
	if (!st->pc) {
		vgi_errf(r->errmsg, "%s: @0x0: pcapng: %s", r->name, eb);
		return VG_EFORMAT;
	}
	st->cookie = NULL; /* libpcap closes it */
	st->linktype = (unsigned)pcap_datalink(st->pc);
	return VG_OK;
}

/* ------------------------------------------------------------ open */

static int open_pcap(vg_reader *r)
{
	struct pc_state *st;
	const uint8_t *p;
	size_t have = vgi_need(r, PCAP_HDR);
	uint32_t magic;
	int rc;

	if (have == (size_t)-1)
		return VG_EIO;
	p = r->buf + r->pos;
	if (have < 4) {
		vgi_errf(r->errmsg, "%s: @0x0: the capture ends inside its header", r->name);
		return VG_ETRUNC;
	}
	magic = vgi_le32(p);
	if (!(st = state_new(r, magic == 0x0a0d0d0a ? K_PCAPNG : K_PCAP)))
		return VG_ENOMEM;
	if (st->kind == K_PCAPNG) {
		if ((rc = open_ng(r, st)) != VG_OK)
			return rc;
	} else {
		if (have < PCAP_HDR) {
			vgi_errf(r->errmsg, "%s: @0x0: the capture ends inside its header",
				 r->name);
			return VG_ETRUNC;
		}
		st->swap = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
		st->nsec = magic == 0xa1b23c4d || magic == 0x4d3cb2a1;
		st->snaplen = rd32(st, p + 16);
		/* libpcap: a snap length of 0 or over its maximum is the maximum */
		st->snap_max = st->snaplen && st->snaplen <= CAPLEN_MAX
			? st->snaplen : CAPLEN_MAX;
		st->linktype = rd32(st, p + 20) & 0x03ffffffu; /* FCS bits above */
		st->last_sec = -1;
		r->pos += PCAP_HDR;
	}
	if (!vgi_meter_dlt_ok((int)st->linktype)) {
		vgi_errf(r->errmsg, "%s: @0x14: link type %u (%s) is not one vigil meters "
			 "(Ethernet, Linux cooked, raw IP, loopback, PPP)", r->name,
			 st->linktype,
			 pcap_datalink_val_to_name((int)st->linktype)
				 ? pcap_datalink_val_to_name((int)st->linktype) : "unknown");
		return VG_EUNSUP;
	}
	return set_filter(r, st);
}

static void close_pcap(vg_reader *r)
{
	struct pc_state *st = r->fmt_state;
	if (!st)
		return;
	if (st->have_prog)
		pcap_freecode(&st->prog);
	if (st->pc)
		pcap_close(st->pc);
	if (st->cookie)
		fclose(st->cookie);
	vgi_meter_free(st->m);
	free(st);
	r->fmt_state = NULL;
}

/* ------------------------------------------------------------ records */

/* Whether a classic record header at p looks like one a capture tool
 * wrote: a fraction of a second in range, a wire length, a captured length
 * within it, the snap length (when the file gives a real one) and 256 KiB.
 * The time is not looked at. */
static int plausible(const struct pc_state *st, const uint8_t *p)
{
	uint32_t frac = rd32(st, p + 4);
	uint32_t cap = rd32(st, p + 8), len = rd32(st, p + 12);
	if (frac >= (st->nsec ? 1000000000u : 1000000u))
		return 0;
	if (cap > CAPLEN_MAX || len > CAPLEN_MAX || cap > len || len == 0)
		return 0;
	if (st->snaplen >= 64 && cap > st->snaplen)
		return 0;
	return 1;
}

/* Whether the record header at the window position is out of the ordinary
 * though libpcap would take it: not plausible, or dated more than a day
 * before or a year after the record before it. Such a record is taken when
 * the next header is where its length says (odd_ok()). */
static int odd(const struct pc_state *st, const uint8_t *p)
{
	int64_t sec = rd32(st, p);
	if (!plausible(st, p))
		return 1;
	return st->last_sec >= 0 &&
	       (sec < st->last_sec - 86400 || sec > st->last_sec + 366 * 86400LL);
}

/* For an odd record of cap bytes at the window position: whether the input
 * ends right after it or a header follows that is plausible, or that
 * libpcap would read and whose bytes are all there. Moves the window;
 * -1 on a read error. */
static int odd_ok(vg_reader *r, const struct pc_state *st, uint32_t cap)
{
	size_t next = REC_HDR + (size_t)cap, have = vgi_need(r, next + REC_HDR);
	uint32_t ncap;
	if (have == (size_t)-1)
		return -1;
	if (have < next + REC_HDR)
		return have == next; /* the end of the input (vgi_need) */
	if (plausible(st, r->buf + r->pos + next))
		return 1;
	ncap = rd32(st, r->buf + r->pos + next + 8);
	if (ncap > CAPLEN_MAX)
		return 0;
	have = vgi_need(r, next + REC_HDR + ncap);
	if (have == (size_t)-1)
		return -1;
	return have >= next + REC_HDR + ncap;
}

/* After a bad record header at the window position: the next position
 * where a plausible header is followed by another one (or the end).
 * Returns the bytes to skip, or 0 if none was found. */
static size_t resync(vg_reader *r, struct pc_state *st)
{
	size_t have = vgi_need(r, RESYNC_MAX), i;
	const uint8_t *p = r->buf + r->pos;
	if (have == (size_t)-1)
		return 0;
	for (i = 1; i + REC_HDR <= have; i++) {
		size_t next;
		if (!plausible(st, p + i))
			continue;
		next = i + REC_HDR + rd32(st, p + i + 8);
		if (next == have && r->eof)
			return i;
		if (next + REC_HDR <= have && plausible(st, p + next))
			return i;
	}
	return 0;
}

static int offline_ok(const struct pc_state *st, const struct pcap_pkthdr *h,
		      const uint8_t *data)
{
	return !st->have_prog || pcap_offline_filter(&st->prog, h, data);
}

/* One classic record. Returns 1 (metered or filtered), 0 at the end, or an
 * error code with the message in r->errmsg. */
static int next_classic(vg_reader *r, struct pc_state *st)
{
	size_t have = vgi_need(r, REC_HDR);
	const uint8_t *p;
	uint32_t sec, frac, cap, len;
	uint64_t off = vgi_offset(r), rec;
	struct pcap_pkthdr h;
	int64_t ts;
	int ok = 0;

	if (have == (size_t)-1)
		return VG_EIO;
	if (have == 0)
		return 0;
	rec = ++r->rec_no;
	r->st.n_records++;
	if (have < REC_HDR) {
		vgi_rec_err(r, r->errmsg, rec, off, "the capture ends inside a packet "
			    "header (%zu of 16 bytes)", have);
		r->pos += have;
		return VG_ETRUNC;
	}
	p = r->buf + r->pos;
	cap = rd32(st, p + 8);
	len = rd32(st, p + 12);
	if (cap > CAPLEN_MAX || (odd(st, p) && (ok = odd_ok(r, st, cap)) != 1)) {
		size_t skip;
		if (ok < 0)
			return VG_EIO;
		skip = resync(r, st);
		p = r->buf + r->pos;
		r->st.skipped[VG_SKIP_GARBAGE]++;
		if (!skip) {
			vgi_rec_err(r, r->errmsg, rec, off, "bad packet header (captured %u of "
				    "%u bytes, snaplen %u) and no good packet after it",
				    cap, len, st->snaplen);
			r->pos = r->len;
			return VG_ERECORD;
		}
		vgi_rec_err(r, r->errmsg, rec, off, "bad packet header (captured %u of %u "
			    "bytes, snaplen %u); %zu bytes skipped to the next packet",
			    cap, len, st->snaplen, skip);
		r->pos += skip;
		return VG_ERECORD;
	}
	p = r->buf + r->pos; /* odd_ok() may have moved the window */
	sec = rd32(st, p);
	frac = rd32(st, p + 4);
	cap = rd32(st, p + 8);
	len = rd32(st, p + 12);
	have = vgi_need(r, REC_HDR + (size_t)cap);
	if (have == (size_t)-1)
		return VG_EIO;
	p = r->buf + r->pos;
	if (have < REC_HDR + (size_t)cap) {
		vgi_rec_err(r, r->errmsg, rec, off, "the capture ends inside a packet "
			    "(%zu of %u bytes)", have - REC_HDR, cap);
		r->st.skipped[VG_SKIP_TRUNCATED]++;
		r->pos += have;
		return VG_ETRUNC;
	}
	r->pos += REC_HDR + (size_t)cap;
	st->last_sec = sec;
	/* a fraction of a second over 1 s (fuzzed files) carries into the
	 * seconds */
	ts = (int64_t)sec * 1000000 + (st->nsec ? frac / 1000 : frac);
	h.ts.tv_sec = (time_t)(ts / 1000000);
	h.ts.tv_usec = (suseconds_t)(ts % 1000000);
	/* what libpcap hands over: no more than the snap length */
	h.caplen = VGI_MIN(cap, st->snap_max);
	h.len = len;
	if (offline_ok(st, &h, p + REC_HDR))
		vgi_meter_packet(st->m, (int)st->linktype, ts, p + REC_HDR,
				 h.caplen, len);
	return 1;
}

static int next_libpcap(vg_reader *r, struct pc_state *st)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;

	if (st->stop)
		return 0;
	rc = pcap_next_ex(st->pc, &h, &data);
	if (rc == 1) {
		int64_t ts;
		r->rec_no++;
		r->st.n_records++;
		/* pcapng times are 64-bit: past year 9999 is damage */
		if (h->ts.tv_sec < 0 || h->ts.tv_sec > 253402300799 ||
		    h->ts.tv_usec < 0 || h->ts.tv_usec >= 1000000) {
			st->bad_time++;
			if (vgi_skip(r, VG_SKIP_MALFORMED, r->rec_no, st->cookie_off,
				     "packet time out of range"))
				return VG_ERECORD;
			return 1;
		}
		ts = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
		if (st->kind == K_PCAPNG && !offline_ok(st, h, data))
			return 1;
		vgi_meter_packet(st->m, (int)st->linktype, ts, data, h->caplen, h->len);
		return 1;
	}
	if (rc == 0) {
		/* live: the read timed out; flows still age by the clock */
		struct timeval tv;
		gettimeofday(&tv, NULL);
		vgi_meter_tick(st->m, (int64_t)tv.tv_sec * 1000000 + tv.tv_usec);
		return 1;
	}
	if (rc == PCAP_ERROR_BREAK)
		return 0; /* the end of the file, or vg_reader_interrupt */
	if (st->kind == K_LIVE)
		vgi_errf(r->errmsg, "%s: capture: %s", r->name, pcap_geterr(st->pc));
	else
		vgi_rec_err(r, r->errmsg, r->rec_no + 1, st->cookie_off,
			    "pcapng: %s (the offset is how far libpcap had read)",
			    pcap_geterr(st->pc));
	return VG_ETRUNC;
}

static void sync_stats(vg_reader *r, struct pc_state *st)
{
	struct vgi_meter_stats ms;
	vgi_meter_get_stats(st->m, &ms);
	r->st.skipped[VG_SKIP_RECTYPE] = ms.non_ip;
	r->st.skipped[VG_SKIP_MALFORMED] = ms.malformed + st->bad_time;
	r->st.skipped[VG_SKIP_NOFLOW] = ms.truncated;
}

static int read_pcap(vg_reader *r, vg_flow *out, size_t cap, size_t *nout)
{
	struct pc_state *st = r->fmt_state;
	size_t k = 0, i;
	int rc = VG_OK;

	for (;;) {
		size_t got = vgi_meter_take(st->m, out + k, cap - k);
		for (i = k; i < k + got; i++)
			vgi_note_times(r, &out[i]);
		k += got;
		r->st.n_flows += got;
		if (k == cap)
			break;
		if (st->ended) {
			if (st->end_rc) {
				rc = st->end_rc;
				st->end_rc = 0;
				memcpy(r->errmsg, st->end_msg, sizeof r->errmsg);
			} else {
				rc = VG_DONE;
			}
			break;
		}
		rc = st->kind == K_PCAP ? next_classic(r, st) : next_libpcap(r, st);
		if (rc == 1) {
			rc = VG_OK;
			if (st->kind == K_LIVE && k > 0 && !vgi_meter_pending(st->m))
				break; /* hand live flows out as they end */
			continue;
		}
		if (rc == VG_ERECORD) {
			if (r->o.strict)
				goto fatal;
			/* the good packets after it are read on the next call */
			break;
		}
		if (rc < 0) {
fatal:
			/* the flows so far still count: out first, the error last */
			st->end_rc = rc;
			memcpy(st->end_msg, r->errmsg, sizeof st->end_msg);
		}
		vgi_meter_flush(st->m);
		st->ended = 1;
		rc = VG_OK;
	}
	sync_stats(r, st);
	*nout = k;
	if (rc == VG_DONE && k)
		return VG_OK;
	return rc;
}


int vg_bpf_check(const char *expr, char *err, size_t errlen)
{
	struct bpf_program prog;
	pcap_t *dead = pcap_open_dead(1 /* Ethernet */, 65535);
	int rc = VG_OK;
	if (!dead)
		return VG_ENOMEM;
	if (pcap_compile(dead, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "bad BPF filter '%s': %s", expr, pcap_geterr(dead));
		rc = VG_EINVAL;
	} else {
		pcap_freecode(&prog);
	}
	pcap_close(dead);
	return rc;
}

/* ------------------------------------------------------------ live */

static int open_live(vg_reader *r, const char *iface)
{
	char eb[PCAP_ERRBUF_SIZE];
	struct pc_state *st;
	int rc;

	if (!(st = state_new(r, K_LIVE)))
		return VG_ENOMEM;
	r->fmt = &vgi_fmt_pcap;
	eb[0] = '\0';
	if (!(st->pc = pcap_create(iface, eb))) {
		vgi_errf(r->errmsg, "%s: %s", r->name, eb);
		return VG_EIO;
	}
	pcap_set_snaplen(st->pc, 256);
	pcap_set_promisc(st->pc, 1);
	pcap_set_timeout(st->pc, 250);
	pcap_set_buffer_size(st->pc, 32 << 20);
	if ((rc = pcap_activate(st->pc)) < 0) {
		vgi_errf(r->errmsg, "%s: cannot capture: %s%s", r->name,
			 pcap_statustostr(rc),
			 rc == PCAP_ERROR_PERM_DENIED ? " (run as root or give the "
							"program CAP_NET_RAW)" : "");
		return VG_EIO;
	}
	st->linktype = (unsigned)pcap_datalink(st->pc);
	if (!vgi_meter_dlt_ok((int)st->linktype)) {
		vgi_errf(r->errmsg, "%s: link type %s is not one vigil meters", r->name,
			 pcap_datalink_val_to_name((int)st->linktype)
				 ? pcap_datalink_val_to_name((int)st->linktype) : "?");
		return VG_EUNSUP;
	}
	return set_filter(r, st);
}

static void interrupt(vg_reader *r)
{
	struct pc_state *st = r->fmt_state;
	if (!st || st->kind != K_LIVE)
		return;
	st->stop = 1;
	pcap_breakloop(st->pc);
}

const struct vgi_format vgi_fmt_pcap = {
	.name = "pcap",
	.doc = "packet captures (pcap, pcapng), metered into flows",
	.sniff = sniff,
	.open = open_pcap,
	.read = read_pcap,
	.close = close_pcap,
	.open_live = open_live,
	.interrupt = interrupt,
};
