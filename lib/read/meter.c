/*
 * meter.c - the flow meter. Every packet is decoded down to its flow key,
 * the key is put in a canonical order (the lower address and port first) so
 * that both directions find the same entry, and the entry remembers which
 * side started the flow. Three intrusive lists order the entries by time:
 * open flows by last packet (idle timeout), closed TCP flows by last packet
 * (a short linger for the last ACKs), and flows with packets in their
 * current report by report start (the active timeout, Argus's status
 * interval). Timeouts run on packet time, so reading a capture gives the
 * same flows however fast it is read.
 *
 * What it copies from Argus, so that `vigil dump --merge -r x.pcap` matches
 * racluster on the argus file of the same capture (docs/pcap.md lists what
 * is left):
 *   - bytes are the packet's wire length from where argus starts counting:
 *     the whole frame on Ethernet and raw IP, the IP header on Linux cooked
 *     (after its 16 or 20 bytes), BSD null/loopback (4) and PPP (its
 *     address, control and protocol fields);
 *   - times as argus keeps them: per direction the first and the last
 *     packet of the report in file order, the report from the earliest to
 *     the latest of these (a capture whose time goes back, as one with
 *     every packet twice, keeps one record);
 *   - the first packet's sender is the source, whatever its flags (ra's
 *     direction rules then apply, as when it prints an argus record);
 *   - ICMPv4 echo (and the other query types) is keyed on id and sequence
 *     and the reply counts for the destination; ICMPv6 echo is keyed on the
 *     id only and counted by address, as argus 3.0.8 does; ICMPv6 answers
 *     are keyed as their requests;
 *   - an ICMP error is a flow of its own keyed on type, code and what
 *     argus takes from the quote (icmp4_error_id), and marks the flow it
 *     quotes (ICMPMAP; a quoted echo takes the error as its state);
 *   - IPv4 UDP to or from port 53 is keyed on the DNS transaction id;
 *   - IGMP is keyed on the group, type, code and IP id (igmp4), SCTP on
 *     the addresses only;
 *   - a new SYN on a closed TCP flow starts a new flow (and is the old
 *     one's last time); a refused SYN (RST/ACK back) does not close it.
 */
#include <stdlib.h>

#include "read/meter.h"
#include "read/read.h"

#define NIL 0u
#define LINGER_US (5 * 1000000LL) /* closed TCP flows wait for last ACKs */
#define FRAG_SLOTS 4096u
#define FRAG_TTL_US (30 * 1000000LL)
#define MAX_ENTRIES (64u << 20)

enum { SIDE_A = 0, SIDE_B = 1 };

/* The canonical key: side a <= side b (address, then port). 48 bytes with
 * no holes, hashed and compared as words. */
struct mkey {
	uint8_t a[16], b[16];
	uint16_t pa, pb;
	uint32_t x;        /* ICMP id/sequence or quoted port */
	uint32_t label;    /* IPv6 flow label, with opts.v6_label */
	uint8_t proto, fam;
	uint8_t pad[2];
};

struct link {
	uint32_t prev, next;
};

struct ment {
	struct mkey k;
	vg_flow f;          /* the current report; saddr = initiator */
	int64_t last_us;    /* last packet of the flow (any report), the
			     * latest time */
	int64_t rep_us;     /* first packet of the current report (file
			     * order): its active timeout runs from here */
	int64_t t0[2], t1[2]; /* per direction (0 initiator, 1 responder):
			     * first and last packet of the report in file
			     * order (argus's start and end), valid when
			     * tset[d] */
	uint8_t tset[2];
	uint32_t hnext;     /* hash chain, or free list */
	struct link il;     /* open or closed list */
	struct link al;     /* active list (while the report has packets) */
	uint8_t init_side;  /* SIDE_A or SIDE_B */
	uint8_t closed;     /* 1: in the closed list */
	uint8_t in_active;
	uint8_t fin;        /* bit 0: initiator sent FIN, bit 1: responder */
	uint8_t started;    /* a report was emitted already */
	uint8_t tcp_seen;   /* a TCP header was seen (argus's first-packet
			     * rules are behind) */
	uint8_t map_type, map_code; /* an ICMP flow an ICMP error quoted: the
			     * error's type and code give the report's state */
};

struct list {
	uint32_t head, tail;
};

struct frag {
	vg_addr src, dst;
	uint32_t id;
	uint8_t proto, valid;
	int64_t ts;
	struct mkey k;      /* the flow of the first fragment */
	uint8_t side;       /* the sender's side in k */
};

struct vgi_meter {
	struct vgi_meter_opts o;
	int64_t active_us, idle_us;
	struct ment *e;     /* e[0] is the nil entry */
	uint32_t n_e, cap_e, free_e, n_live;
	uint32_t *bucket;
	uint32_t n_bucket;  /* power of two */
	struct list open, closed, active;
	int64_t now;
	vg_flow *q;         /* finished reports, q[qh..qn) */
	size_t qh, qn, qcap;
	struct frag *frags;
	struct vgi_meter_stats st;
	int oom;
};

/* ------------------------------------------------------------- lists */

static struct link *lk(struct vgi_meter *m, uint32_t i, size_t off)
{
	return (struct link *)((char *)&m->e[i] + off);
}

static void list_push(struct vgi_meter *m, struct list *l, uint32_t i,
		      size_t off)
{
	struct link *x = lk(m, i, off);
	x->prev = l->tail;
	x->next = NIL;
	if (l->tail)
		lk(m, l->tail, off)->next = i;
	else
		l->head = i;
	l->tail = i;
}

static void list_del(struct vgi_meter *m, struct list *l, uint32_t i,
		     size_t off)
{
	struct link *x = lk(m, i, off);
	if (x->prev)
		lk(m, x->prev, off)->next = x->next;
	else
		l->head = x->next;
	if (x->next)
		lk(m, x->next, off)->prev = x->prev;
	else
		l->tail = x->prev;
	x->prev = x->next = NIL;
}

#define IL offsetof(struct ment, il)
#define AL offsetof(struct ment, al)

/* ------------------------------------------------------------- table */

static uint64_t key_hash(const struct mkey *k)
{
	uint64_t w[6], h = 0x9e3779b97f4a7c15ull;
	size_t i;
	memcpy(w, k, sizeof w);
	for (i = 0; i < 6; i++) {
		h ^= w[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return h;
}

static int key_eq(const struct mkey *x, const struct mkey *y)
{
	return memcmp(x, y, sizeof *x) == 0;
}

static int grow_buckets(struct vgi_meter *m)
{
	uint32_t nb = m->n_bucket ? m->n_bucket * 2 : 1024, i;
	uint32_t *b = calloc(nb, sizeof *b);
	if (!b)
		return -1;
	free(m->bucket);
	m->bucket = b;
	m->n_bucket = nb;
	for (i = 1; i < m->n_e; i++) {
		struct ment *x = &m->e[i];
		uint32_t h;
		if (!x->f.n_records)
			continue; /* free */
		h = (uint32_t)key_hash(&x->k) & (nb - 1);
		x->hnext = b[h];
		b[h] = i;
	}
	return 0;
}

static uint32_t lookup(struct vgi_meter *m, const struct mkey *k, uint64_t h)
{
	uint32_t i = m->bucket[h & (m->n_bucket - 1)];
	while (i && !key_eq(&m->e[i].k, k))
		i = m->e[i].hnext;
	return i;
}

static uint32_t insert(struct vgi_meter *m, const struct mkey *k, uint64_t h)
{
	uint32_t i, b;
	if (m->n_live + 1 > m->n_bucket && m->n_e < MAX_ENTRIES &&
	    grow_buckets(m) != 0)
		return NIL;
	if (m->free_e) {
		i = m->free_e;
		m->free_e = m->e[i].hnext;
	} else {
		if (m->n_e == m->cap_e) {
			uint32_t nc = m->cap_e * 2;
			struct ment *ne;
			if (nc > MAX_ENTRIES)
				return NIL;
			ne = realloc(m->e, (size_t)nc * sizeof *ne);
			if (!ne)
				return NIL;
			m->e = ne;
			m->cap_e = nc;
		}
		i = m->n_e++;
	}
	memset(&m->e[i], 0, sizeof m->e[i]);
	m->e[i].k = *k;
	b = (uint32_t)h & (m->n_bucket - 1);
	m->e[i].hnext = m->bucket[b];
	m->bucket[b] = i;
	if (++m->n_live > m->st.active_max)
		m->st.active_max = m->n_live;
	return i;
}

static void unlink_hash(struct vgi_meter *m, uint32_t i)
{
	uint32_t b = (uint32_t)key_hash(&m->e[i].k) & (m->n_bucket - 1);
	uint32_t *pp = &m->bucket[b];
	while (*pp && *pp != i)
		pp = &m->e[*pp].hnext;
	if (*pp)
		*pp = m->e[i].hnext;
}

/* ------------------------------------------------------------- reports */

static void enqueue(struct vgi_meter *m, const vg_flow *f)
{
	if (m->qn == m->qcap) {
		if (m->qh > 0) {
			memmove(m->q, m->q + m->qh, (m->qn - m->qh) * sizeof *m->q);
			m->qn -= m->qh;
			m->qh = 0;
		}
		if (m->qn == m->qcap) {
			size_t nc = m->qcap ? m->qcap * 2 : 256;
			vg_flow *nq = realloc(m->q, nc * sizeof *nq);
			if (!nq) {
				m->oom = 1;
				return;
			}
			m->q = nq;
			m->qcap = nc;
		}
	}
	m->q[m->qn++] = *f;
	m->st.flows++;
}

static int icmp4_query(unsigned t);

/* Emits the entry's current report (if it has packets) and clears its
 * counters; the key, the initiator and the TCP state stay. */
static void report(struct vgi_meter *m, struct ment *x)
{
	vg_flow r;
	if (!x->f.spkts && !x->f.dpkts)
		return;
	r = x->f;
	r.n_records = 1;
	if (!x->started)
		r.rflags |= VG_RF_START;
	x->started = 1;
	if (r.proto == 6 && (r.family == VG_FAM_IP4 || r.family == VG_FAM_IP6))
		vgi_argus_correct_direction(&r, 0);
	if (r.proto == 1 && r.family == VG_FAM_IP4 && icmp4_query(r.sport) &&
	    !(r.sport & 1) && r.sport != 8) {
		/* a query flow of answers only: as ra shows it, from the
		 * asker, the answers counted for the destination */
		vg_addr a = r.saddr;
		r.saddr = r.daddr;
		r.daddr = a;
		vgi_flow_swap_sides(&r, 0);
	}
	vg_flow_derive_state(&r);
	if (x->map_type) {
		/* argus copies the error that quoted the flow into its ICMP
		 * part, whose type and code ra shows as the state */
		vg_flow e = r;
		e.sport = x->map_type;
		e.dport = x->map_code;
		vg_flow_derive_state(&e);
		r.state = e.state;
	}
	enqueue(m, &r);
	x->f.spkts = x->f.dpkts = x->f.sbytes = x->f.dbytes = 0;
	x->f.sflags = x->f.dflags = 0;
	x->f.rflags &= (uint8_t)~(VG_RF_FRAG | VG_RF_ICMPMAP);
	x->map_type = x->map_code = 0;
}

static void finish(struct vgi_meter *m, uint32_t i)
{
	struct ment *x = &m->e[i];
	report(m, x);
	list_del(m, x->closed ? &m->closed : &m->open, i, IL);
	if (x->in_active)
		list_del(m, &m->active, i, AL);
	unlink_hash(m, i);
	x->f.n_records = 0;
	x->hnext = m->free_e;
	m->free_e = i;
	m->n_live--;
}

static void expire(struct vgi_meter *m)
{
	int64_t now = m->now;
	while (m->closed.head && m->e[m->closed.head].last_us + LINGER_US <= now)
		finish(m, m->closed.head);
	while (m->open.head && m->e[m->open.head].last_us + m->idle_us <= now)
		finish(m, m->open.head);
	while (m->active.head &&
	       m->e[m->active.head].rep_us + m->active_us <= now) {
		uint32_t i = m->active.head;
		report(m, &m->e[i]);
		list_del(m, &m->active, i, AL);
		m->e[i].in_active = 0;
	}
}

/* Moves the clock to a packet's time, ending what timed out before it -
 * except the idle end of the packet's own flow `own` (or NIL): argus finds
 * a packet's flow before its timeout scan runs, so a flow whose idle time
 * ran out while no other packet came goes on (a UDP flow with packets 60 s
 * apart, an ACK 20 s after the FINs) and only a scan triggered by another
 * packet ends it. Its status report is still due. */
static void advance(struct vgi_meter *m, int64_t ts_us, uint32_t own)
{
	struct ment *x;
	struct list *l;
	if (ts_us <= m->now)
		return;
	m->now = ts_us;
	if (own == NIL) {
		expire(m);
		return;
	}
	x = &m->e[own];
	l = x->closed ? &m->closed : &m->open;
	list_del(m, l, own, IL);
	expire(m);
	list_push(m, l, own, IL);
}

/* ------------------------------------------------------------- decoding */

struct pkt {
	vg_addr src, dst;
	uint16_t sp, dp;      /* ports; ICMP: type<<8|code in both */
	uint32_t x, label;
	uint16_t icmp_id;
	uint8_t fam, proto;
	uint8_t tflags;
	uint8_t icmp_type, icmp_code;
	uint8_t is_icmp;      /* 1 v4, 2 v6 */
	uint8_t reply;        /* an ICMPv4 query answer: counts for the responder */
	uint8_t frag;         /* 0 none, 1 first fragment, 2 a later one */
	uint32_t frag_id;
	/* an ICMP error: the flow it quotes */
	uint8_t has_quote;
	vg_addr q_src, q_dst;
	uint16_t q_sp, q_dp;
	uint8_t q_proto;
	uint8_t q_icmp;       /* the quote is an ICMPv4 query: q_x its key */
	uint32_t q_x;
};

static int icmp4_query(unsigned t)
{
	return t == 8 || t == 0 || t == 13 || t == 14 || t == 15 || t == 16 ||
	       t == 17 || t == 18;
}

static unsigned icmp6_request(unsigned t)
{
	switch (t) {
	case 129: return 128;
	case 131: case 132: return 130;
	case 134: return 133;
	case 136: return 135;
	}
	return t;
}

static int icmp4_error(unsigned t)
{
	return t == 3 || t == 4 || t == 5 || t == 11 || t == 12;
}

/* The quoted datagram of an ICMP error: addresses and ports of the packet
 * that drew it. */
static void quote4(struct pkt *k, const uint8_t *p, size_t n)
{
	unsigned ihl;
	if (n < 20 || p[0] >> 4 != 4 || (ihl = (p[0] & 15u) * 4) < 20 || n < ihl)
		return;
	vg_addr_from_ip4(&k->q_src, vgi_be32(p + 12));
	vg_addr_from_ip4(&k->q_dst, vgi_be32(p + 16));
	k->q_proto = p[9];
	k->has_quote = 1;
	if (n >= ihl + 4 && (p[9] == 6 || p[9] == 17)) {
		k->q_sp = vgi_be16(p + ihl);
		k->q_dp = vgi_be16(p + ihl + 2);
	} else if (p[9] == 1 && n >= ihl + 8 && icmp4_query(p[ihl])) {
		/* a quoted echo (or other query): the key its flow has */
		unsigned t = p[ihl], req = (t == 8 || t == 0) ? 8 : (t & 1) ? t : t - 1u;
		k->q_icmp = 1;
		k->q_sp = k->q_dp = (uint16_t)(req << 8);
		k->q_x = (uint32_t)vgi_be16(p + ihl + 4) << 16 | vgi_be16(p + ihl + 6);
	}
}

static void quote6(struct pkt *k, const uint8_t *p, size_t n)
{
	if (n < 40 || p[0] >> 4 != 6)
		return;
	memcpy(k->q_src.a, p + 8, 16);
	memcpy(k->q_dst.a, p + 24, 16);
	k->q_proto = p[6];
	k->has_quote = 1;
	if (n >= 44 && (p[6] == 6 || p[6] == 17)) {
		k->q_sp = vgi_be16(p + 40);
		k->q_dp = vgi_be16(p + 42);
	}
}

/* What argus keys an ICMPv4 error on besides type and code, from the
 * datagram q it quotes (quote4 has read it): for unreachable net or host
 * and redirect net or host the first two bytes of the quoted destination
 * (as a little-endian number, as argus on x86 copies them), for protocol
 * unreachable the quoted protocol, for port unreachable the quoted
 * protocol and destination port, for redirect by TOS the quoted TOS; for
 * the others (time exceeded, source quench, parameter problem, the other
 * unreachable codes) nothing, so that all of them from one router to one
 * host are one flow. The low 16 bits are the id printed as the port. */
static uint32_t icmp4_error_id(unsigned type, unsigned code, const struct pkt *k,
			       const uint8_t *q)
{
	if ((type == 3 || type == 5) && code <= 1)
		return (uint32_t)q[16] | (uint32_t)q[17] << 8;
	if (type == 3 && code == 2)
		return k->q_proto;
	if (type == 3 && code == 3)
		return (uint32_t)k->q_proto << 16 | k->q_dp;
	if (type == 5)
		return (uint32_t)q[1] << 16;
	return 0;
}

/* The transport header at p[0..n) of protocol k->proto. Returns 0, or -1
 * when it is cut short (the flow is keyed without ports). */
static int transport(struct pkt *k, const uint8_t *p, size_t n)
{
	switch (k->proto) {
	case 6:
		if (n < 14)
			return -1;
		k->sp = vgi_be16(p);
		k->dp = vgi_be16(p + 2);
		k->tflags = p[13];
		return 0;
	case 132:
		/* argus 3.0.8 keys SCTP on the addresses only (ra shows no
		 * ports): every association between two hosts is one flow */
		return 0;
	case 17: case 136: case 33:
		if (n < 4)
			return -1;
		k->sp = vgi_be16(p);
		k->dp = vgi_be16(p + 2);
		/* argus keys IPv4 DNS on the transaction id (the two bytes
		 * after the UDP header): each query and its answer is a flow.
		 * Without room for one argus reads past the packet; here such
		 * packets share one key of their own (not id 0). */
		if (k->proto == 17 && k->fam == VG_FAM_IP4 && (k->sp == 53 || k->dp == 53))
			k->x = n >= 10 ? vgi_be16(p + 8) : 0x10000u;
		return 0;
	case 1:
		if (n < 2)
			return -1;
		k->is_icmp = 1;
		k->icmp_type = p[0];
		k->icmp_code = p[1];
		if (icmp4_query(p[0])) {
			unsigned req;
			if (n < 8)
				return -1;
			/* echo is 8/0; the others are odd requests, even answers */
			if (p[0] == 8 || p[0] == 0)
				req = 8;
			else
				req = (p[0] & 1) ? p[0] : p[0] - 1u;
			k->reply = p[0] != req;
			if (req == 8) /* argus keeps the id of echo only */
				k->icmp_id = vgi_be16(p + 4);
			k->x = (uint32_t)vgi_be16(p + 4) << 16 | vgi_be16(p + 6);
			k->sp = k->dp = (uint16_t)(req << 8);
		} else {
			k->sp = k->dp = (uint16_t)(p[0] << 8 | p[1]);
			if (icmp4_error(p[0]) && n >= 8) {
				quote4(k, p + 8, n - 8);
				if (k->has_quote)
					k->x = icmp4_error_id(p[0], p[1], k, p + 8);
				k->icmp_id = (uint16_t)k->x;
			}
		}
		return 0;
	case 58:
		if (n < 2)
			return -1;
		k->is_icmp = 2;
		k->icmp_type = p[0];
		k->icmp_code = p[1];
		/* argus keys (and shows) an answer as its request: echo reply
		 * as echo, router and neighbour advertisement as solicitation,
		 * MLD report and done as query (argus 3.0.8 leaves the home agent
		 * discovery reply, 145, as it is) */
		k->icmp_type = (uint8_t)icmp6_request(p[0]);
		if (p[0] == 128 || p[0] == 129) {
			k->sp = k->dp = 128 << 8;
			if (n >= 6)
				k->x = vgi_be16(p + 4);
		} else if (k->icmp_type != p[0]) {
			k->sp = k->dp = (uint16_t)(k->icmp_type << 8 | p[1]);
		} else {
			k->sp = k->dp = (uint16_t)(p[0] << 8 | p[1]);
			if (p[0] < 128 && n >= 8)
				quote6(k, p + 8, n - 8);
		}
		return 0;
	default:
		return 0;
	}
}

/* IGMP as argus keys it (ArgusIgmp.c): the destination is the group the
 * message is about (a query's only when it names one), and type, code
 * (the maximum response time) and the IP id are in the key - two general
 * queries are two flows, a leave is not the group's report. */
static void igmp4(struct pkt *k, const uint8_t *ip, const uint8_t *g)
{
	uint32_t group = vgi_be32(g + 4);
	if (g[0] != 0x11 || group != 0)
		vg_addr_from_ip4(&k->dst, group);
	k->x = (uint32_t)g[0] << 24 | (uint32_t)g[1] << 16 | vgi_be16(ip + 4);
}

/* Decodes an IPv4 packet. Returns 0 (k filled), 1 (not meterable but
 * counted elsewhere), -1 truncated, -2 malformed. */
static int ip4(struct vgi_meter *m, struct pkt *k, const uint8_t *p, size_t n)
{
	unsigned ihl, tot, off;
	if (n < 20)
		return -1;
	ihl = (p[0] & 15u) * 4;
	tot = vgi_be16(p + 2);
	if (ihl < 20 || tot < ihl)
		return -2;
	if (n < ihl)
		return -1;
	if (tot < n)
		n = tot; /* Ethernet padding */
	k->fam = VG_FAM_IP4;
	k->proto = p[9];
	vg_addr_from_ip4(&k->src, vgi_be32(p + 12));
	vg_addr_from_ip4(&k->dst, vgi_be32(p + 16));
	off = vgi_be16(p + 6) & 0x1fffu;
	if (off || (p[6] & 0x20)) {
		m->st.fragments++;
		k->frag = off ? 2 : 1;
		k->frag_id = vgi_be16(p + 4);
		if (off)
			return 0;
	}
	if (transport(k, p + ihl, n - ihl) != 0)
		m->st.partial++;
	else if (k->proto == 2 && n - ihl >= 8)
		igmp4(k, p, p + ihl);
	return 0;
}

static int ip6(struct vgi_meter *m, struct pkt *k, const uint8_t *p, size_t n)
{
	unsigned nh, hops = 0;
	size_t off = 40;
	if (n < 40)
		return -1;
	if (40u + vgi_be16(p + 4) < n && vgi_be16(p + 4))
		n = 40u + vgi_be16(p + 4);
	k->fam = VG_FAM_IP6;
	memcpy(k->src.a, p + 8, 16);
	memcpy(k->dst.a, p + 24, 16);
	if (m->o.v6_label)
		k->label = vgi_be32(p) & 0xfffffu;
	nh = p[6];
	/* extension headers, a bounded number of them */
	while (hops++ < 8) {
		if (nh == 0 || nh == 43 || nh == 60) {
			if (n < off + 2)
				goto cut;
			nh = p[off];
			off += ((size_t)p[off + 1] + 1) * 8;
		} else if (nh == 51) {
			if (n < off + 2)
				goto cut;
			nh = p[off];
			off += ((size_t)p[off + 1] + 2) * 4;
		} else if (nh == 44) {
			unsigned fo;
			if (n < off + 8)
				goto cut;
			m->st.fragments++;
			fo = vgi_be16(p + off + 2) & 0xfff8u;
			k->frag = fo ? 2 : 1;
			k->frag_id = vgi_be32(p + off + 4);
			nh = p[off];
			off += 8;
			if (fo) {
				k->proto = (uint8_t)nh;
				return 0;
			}
		} else {
			break;
		}
	}
	k->proto = (uint8_t)nh;
	if (off > n)
		goto cut;
	if (transport(k, p + off, n - off) != 0)
		m->st.partial++;
	if (k->is_icmp)
		k->label = 0; /* argus keys ICMPv6 without the label */
	return 0;
cut:
	k->proto = (uint8_t)nh;
	m->st.partial++;
	return 0;
}

static int arp(struct pkt *k, const uint8_t *p, size_t n, int rarp)
{
	unsigned hl, pl;
	if (n < 8)
		return -1;
	hl = p[4];
	pl = p[5];
	if (vgi_be16(p + 2) != 0x0800 || pl != 4)
		return 1;
	if (n < 8 + 2 * (size_t)hl + 8)
		return -1;
	k->fam = rarp ? VG_FAM_RARP : VG_FAM_ARP;
	k->proto = 0;
	vg_addr_from_ip4(&k->src, vgi_be32(p + 8 + hl));
	vg_addr_from_ip4(&k->dst, vgi_be32(p + 8 + 2 * hl + 4));
	k->reply = vgi_be16(p + 6) == 2 || vgi_be16(p + 6) == 4;
	return 0;
}

/* By EtherType (or PPP/SLL protocol mapped to one). */
static int by_ethertype(struct vgi_meter *m, struct pkt *k, unsigned et,
			const uint8_t *p, size_t n)
{
	int depth = 0;
	for (;;) {
		if (et == 0x0800)
			return ip4(m, k, p, n);
		if (et == 0x86dd)
			return ip6(m, k, p, n);
		if (et == 0x0806 || et == 0x8035)
			return arp(k, p, n, et == 0x8035);
		if (++depth > 8)
			return -2;
		if (et == 0x8100 || et == 0x88a8 || et == 0x9100) {
			if (n < 4)
				return -1;
			et = vgi_be16(p + 2);
			p += 4;
			n -= 4;
		} else if (et == 0x8847 || et == 0x8848) {
			/* MPLS: pop to the bottom of the stack, then guess */
			while (n >= 4 && !(p[2] & 1)) {
				p += 4;
				n -= 4;
			}
			if (n < 5)
				return -1;
			p += 4;
			n -= 4;
			et = (p[0] >> 4) == 6 ? 0x86dd : (p[0] >> 4) == 4 ? 0x0800 : 0;
			if (!et)
				return 1;
		} else if (et == 0x8864) {
			/* PPPoE session: 6 bytes, then the PPP protocol */
			unsigned pp;
			if (n < 8)
				return -1;
			pp = vgi_be16(p + 6);
			p += 8;
			n -= 8;
			et = pp == 0x21 ? 0x0800 : pp == 0x57 ? 0x86dd : 0;
			if (!et)
				return 1;
		} else {
			return 1;
		}
	}
}

static int by_version(struct vgi_meter *m, struct pkt *k, const uint8_t *p,
		      size_t n)
{
	if (n < 1)
		return -1;
	if ((p[0] >> 4) == 4)
		return ip4(m, k, p, n);
	if ((p[0] >> 4) == 6)
		return ip6(m, k, p, n);
	return 1;
}

int vgi_meter_dlt_ok(int dlt)
{
	switch (dlt) {
	case 0: case 1: case 9: case 12: case 14: case 101: case 108:
	case 113: case 228: case 229: case 276:
		return 1;
	default:
		return 0;
	}
}

/* A BSD null/loopback header: the address family, in the byte order of
 * the capturing host (DLT_NULL) or in network order (DLT_LOOP). argus
 * takes IPv4 (2) and IPv6 as the BSDs number it (24, 28, 30). */
static int bsd_af_ip(const uint8_t *p)
{
	uint32_t af = vgi_le32(p);
	if (af & 0xffff0000u)
		af = vgi_be32(p);
	return af == 2 || af == 24 || af == 28 || af == 30;
}

/* Decodes the packet of link type dlt at p[0..n) into k; *l2 is the
 * length of the link header argus does not count in the flow's bytes. */
static int decode(struct vgi_meter *m, struct pkt *k, int dlt,
		  const uint8_t *p, size_t n, uint32_t *l2)
{
	*l2 = 0;
	switch (dlt) {
	case 1: /* Ethernet: argus counts the frame */
		if (n < 14)
			return -1;
		return by_ethertype(m, k, vgi_be16(p + 12), p + 14, n - 14);
	case 0: case 108: /* BSD loopback: a 4-byte address family */
		*l2 = 4;
		if (n < 4)
			return -1;
		if (!bsd_af_ip(p))
			return 1;
		return by_version(m, k, p + 4, n - 4);
	case 12: case 14: case 101: case 228: case 229: /* raw IP */
		return by_version(m, k, p, n);
	case 113: /* Linux cooked v1: argus counts from the network header */
		*l2 = 16;
		if (n < 16)
			return -1;
		return by_ethertype(m, k, vgi_be16(p + 14), p + 16, n - 16);
	case 276: /* Linux cooked v2 (argus 3.0.8 has no reader for it) */
		*l2 = 20;
		if (n < 20)
			return -1;
		return by_ethertype(m, k, vgi_be16(p), p + 20, n - 20);
	case 9: /* PPP: address and control (often), protocol */
		if (n >= 2 && p[0] == 0xff && p[1] == 0x03) {
			p += 2;
			n -= 2;
			*l2 = 2;
		}
		*l2 += 2;
		if (n < 2)
			return -1;
		if (vgi_be16(p) == 0x21)
			return ip4(m, k, p + 2, n - 2);
		if (vgi_be16(p) == 0x57)
			return ip6(m, k, p + 2, n - 2);
		return 1;
	default:
		return 1;
	}
}

/* ------------------------------------------------------------- metering */

/* Puts the packet's key in canonical order; returns the packet sender's
 * side. */
static int make_key(struct mkey *mk, const struct pkt *k)
{
	int c;
	memset(mk, 0, sizeof *mk);
	mk->proto = k->proto;
	mk->fam = k->fam;
	mk->x = k->x;
	mk->label = k->label;
	c = memcmp(k->src.a, k->dst.a, 16);
	if (c == 0)
		c = (k->sp > k->dp) - (k->sp < k->dp);
	if (c <= 0) {
		memcpy(mk->a, k->src.a, 16);
		memcpy(mk->b, k->dst.a, 16);
		mk->pa = k->sp;
		mk->pb = k->dp;
		return SIDE_A;
	}
	memcpy(mk->a, k->dst.a, 16);
	memcpy(mk->b, k->src.a, 16);
	mk->pa = k->dp;
	mk->pb = k->sp;
	return SIDE_B;
}

static struct frag *frag_slot(struct vgi_meter *m, const struct pkt *k)
{
	uint64_t h = k->frag_id * 0x9e3779b97f4a7c15ull;
	h ^= vgi_be32(k->src.a + 12) * 0xff51afd7ed558ccdull;
	h ^= vgi_be32(k->dst.a + 12) + k->proto;
	return &m->frags[(h >> 20) & (FRAG_SLOTS - 1)];
}

static int frag_match(const struct frag *s, const struct pkt *k)
{
	return s->valid && s->id == k->frag_id && s->proto == k->proto &&
	       memcmp(&s->src, &k->src, sizeof s->src) == 0 &&
	       memcmp(&s->dst, &k->dst, sizeof s->dst) == 0;
}

static void new_flow(struct ment *x, const struct pkt *k, int side, int64_t ts)
{
	vg_flow *f = &x->f;
	int init_other = 0;
	/* (a SYN+ACK seen first stays the source, as in argus: ra's
	 * direction rules, applied in report(), decide) */
	if (k->fam == VG_FAM_ARP && k->reply)
		init_other = 1;
	x->init_side = (uint8_t)(init_other ? !side : side);
	f->kind = VG_REC_FLOW;
	f->family = k->fam;
	f->proto = k->proto;
	if (!init_other) {
		f->saddr = k->src;
		f->daddr = k->dst;
		f->sport = k->sp;
		f->dport = k->dp;
	} else {
		f->saddr = k->dst;
		f->daddr = k->src;
		f->sport = k->dp;
		f->dport = k->sp;
	}
	if (k->is_icmp) {
		f->sport = k->icmp_type;
		f->dport = k->icmp_code;
		f->icmp_id = k->is_icmp == 1 ? k->icmp_id : 0;
		/* argus keeps no code for ICMPv4 queries (nmap's echo code 9
		 * shows as 0) */
		if (k->is_icmp == 1 && icmp4_query(k->icmp_type))
			f->dport = 0;
	}
	if (k->fam == VG_FAM_ARP || k->fam == VG_FAM_RARP)
		f->sport = f->dport = 0;
	f->stime_us = f->ltime_us = ts;
	f->n_records = 1;
}

/* argus's state for the first TCP packet of a flow, by its flags without
 * RST, ECE and CWR: a SYN, a SYN/ACK (with PSH, URG) and a FIN (alone, or
 * with ACK and PSH, URG) are what they say; any other combination (ACK,
 * PSH, URG, none at all, SYN+FIN, FIN+PSH+URG ...) is taken as a
 * connection already established. 1: established. */
static int first_established(unsigned fl)
{
	const unsigned S = VG_TH_SYN, A = VG_TH_ACK, F = VG_TH_FIN, P = VG_TH_PSH,
		       U = VG_TH_URG;
	unsigned m = fl & (S | A | F | P | U);
	if (fl & VG_TH_RST)
		return 0;
	if (m == S || m == (S | A) || m == (S | A | P) || m == (S | A | P | U))
		return 0;
	if (m == F || m == (F | A) || m == (F | A | U) || m == (F | A | P) ||
	    m == (F | A | P | U))
		return 0;
	return 1;
}

static void tcp_update(struct ment *x, int from_init, unsigned fl)
{
	vg_flow *f = &x->f;
	uint32_t st = f->tcp_status;
	int syn = (fl & VG_TH_SYN) != 0, ack = (fl & VG_TH_ACK) != 0;
	if (!x->tcp_seen) {
		x->tcp_seen = 1;
		if (first_established(fl)) {
			/* and nothing else of the packet's flags counts */
			f->tcp_status = st | VG_TCP_ESTABLISHED;
			if (from_init)
				f->sflags |= (uint8_t)fl;
			else
				f->dflags |= (uint8_t)fl;
			return;
		}
	}
	if (from_init) {
		f->sflags |= (uint8_t)fl;
		if (syn && !ack)
			st |= VG_TCP_SAW_SYN;
		/* argus notes a SYN/ACK from either side: one seen first keeps
		 * its sender the source (backscatter) */
		if (syn && ack)
			st |= VG_TCP_SAW_SYNACK;
		if (fl & VG_TH_RST)
			st |= VG_TCP_SRC_RESET;
	} else {
		f->dflags |= (uint8_t)fl;
		if (syn && ack)
			st |= VG_TCP_SAW_SYNACK;
		if (fl & VG_TH_RST)
			st |= VG_TCP_DST_RESET;
	}
	/* argus: an ACK after a SYN or a SYN/ACK, from either side, makes the
	 * connection established (a SYN answered only by the client's own
	 * ACKs, the server unseen, too) */
	if (ack && !syn && !(fl & VG_TH_RST))
		st |= VG_TCP_ESTABLISHED;
	if (fl & VG_TH_FIN) {
		x->fin |= from_init ? 1 : 2;
		st |= x->fin == 3 ? VG_TCP_FIN_ACK : VG_TCP_FIN;
	}
	f->tcp_status = st;
}

/* The report's first and last time from the directions' start and end, as
 * argus's record encoder makes them: the last is the latest of the four,
 * the first is the earliest by the second only - argus compares the
 * microseconds of two times in the same second wrongly (the seconds twice),
 * so there the first one in the order source start, source end,
 * destination start, destination end wins. Both only matter when the
 * capture's time goes back. */
static void report_times(struct ment *x)
{
	int64_t v[4], lo = 0, hi = 0;
	int n = 0, d, j;
	for (d = 0; d < 2; d++) {
		if (x->tset[d]) {
			v[n++] = x->t0[d];
			v[n++] = x->t1[d];
		}
	}
	for (j = 0; j < n; j++) {
		if (j == 0 || v[j] / 1000000 < lo / 1000000)
			lo = v[j];
		if (j == 0 || v[j] > hi)
			hi = v[j];
	}
	if (n) {
		x->f.stime_us = lo;
		x->f.ltime_us = hi;
	}
}

/* Notes a packet (or an ICMP error quoting the flow) at ts in direction d:
 * the first sets the start, every one the end. */
static void dir_time(struct ment *x, int d, int64_t ts)
{
	if (!x->tset[d]) {
		x->t0[d] = ts;
		x->tset[d] = 1;
	}
	x->t1[d] = ts;
	report_times(x);
}

/* A reset with ACK from the responder to a SYN that had no answer yet: a
 * refused connection. argus keeps such a flow in SYN_SENT (it is not
 * closed), so a retried SYN continues the same report, and a SYN/ACK after
 * it too; any other reset closes the flow. */
static int refused(const struct ment *x, int from_init, unsigned fl)
{
	uint32_t st = x->f.tcp_status;
	return !from_init && (fl & VG_TH_ACK) && (st & VG_TCP_SAW_SYN) &&
	       !(st & (VG_TCP_SAW_SYNACK | VG_TCP_ESTABLISHED)) && !x->fin;
}

static void count(struct vgi_meter *m, uint32_t i, int from_init,
		  const struct pkt *k, int64_t ts, uint32_t bytes)
{
	struct ment *x = &m->e[i];
	vg_flow *f = &x->f;
	if (!f->spkts && !f->dpkts) {
		x->rep_us = ts;
		x->tset[0] = x->tset[1] = 0;
		if (!x->in_active) {
			list_push(m, &m->active, i, AL);
			x->in_active = 1;
		}
	}
	dir_time(x, from_init ? 0 : 1, ts);
	if (from_init) {
		f->spkts++;
		f->sbytes += bytes;
	} else {
		f->dpkts++;
		f->dbytes += bytes;
	}
	if (k->frag)
		f->rflags |= VG_RF_FRAG;
	if (ts > x->last_us)
		x->last_us = ts;
	/* keep the idle lists in last-packet order */
	list_del(m, x->closed ? &m->closed : &m->open, i, IL);
	list_push(m, x->closed ? &m->closed : &m->open, i, IL);
	m->st.metered++;
}

static void mark_quoted(struct vgi_meter *m, const struct pkt *k, int64_t ts)
{
	struct pkt q;
	struct mkey mk;
	uint32_t i;
	memset(&q, 0, sizeof q);
	q.src = k->q_src;
	q.dst = k->q_dst;
	q.sp = k->q_sp;
	q.dp = k->q_dp;
	q.proto = k->q_proto;
	q.fam = k->fam;
	q.x = k->q_icmp ? k->q_x : 0;
	make_key(&mk, &q);
	if ((i = lookup(m, &mk, key_hash(&mk))) != NIL) {
		/* argus: the error is the end of the flow's source time, not
		 * in its counts */
		struct ment *x = &m->e[i];
		x->f.rflags |= VG_RF_ICMPMAP;
		if (x->f.spkts || x->f.dpkts)
			dir_time(x, 0, ts);
		if (k->q_icmp) {
			x->map_type = k->icmp_type;
			x->map_code = k->icmp_code;
		}
	}
}

void vgi_meter_packet(struct vgi_meter *m, int dlt, int64_t ts_us,
		      const uint8_t *p, uint32_t caplen, uint32_t wirelen)
{
	struct pkt k;
	struct mkey mk;
	uint64_t h;
	uint32_t i, l2, bytes;
	int side, from_init, rc;

	m->st.packets++;
	m->st.bytes += wirelen;
	memset(&k, 0, sizeof k);
	rc = decode(m, &k, dlt, p, caplen, &l2);
	/* argus takes the wire length as it is (under the captured length
	 * too) and drops a packet whose wire length has no room for the link
	 * header (Ethernet: 14 bytes) */
	if (rc == 0 && wirelen < (dlt == 1 ? 14u : l2))
		rc = -1;
	if (rc != 0) {
		if (rc == 1)
			m->st.non_ip++;
		else if (rc == -1)
			m->st.truncated++;
		else
			m->st.malformed++;
		advance(m, ts_us, NIL);
		return;
	}
	bytes = wirelen - l2;
	if (k.frag == 2) {
		/* a later fragment: the flow of its first fragment, if seen */
		struct frag *s = frag_slot(m, &k);
		if (frag_match(s, &k) && s->ts + FRAG_TTL_US > ts_us) {
			h = key_hash(&s->k);
			if ((i = lookup(m, &s->k, h)) != NIL) {
				advance(m, ts_us, i);
				from_init = s->side == m->e[i].init_side;
				count(m, i, from_init, &k, ts_us, bytes);
				return;
			}
		}
		m->st.frag_orphans++;
	}
	side = make_key(&mk, &k);
	h = key_hash(&mk);
	i = lookup(m, &mk, h);
	advance(m, ts_us, i);
	if (i != NIL && k.proto == 6 && m->e[i].closed &&
	    (k.tflags & (VG_TH_SYN | VG_TH_ACK)) == VG_TH_SYN) {
		/* the port pair is used again: as in argus, the SYN ends the
		 * old report (its time, not its counts) and starts a new one */
		struct ment *x = &m->e[i];
		if (x->f.spkts || x->f.dpkts)
			dir_time(x, side == x->init_side ? 0 : 1, ts_us);
		finish(m, i);
		i = NIL;
	}
	if (i == NIL) {
		if (!m->n_bucket && grow_buckets(m) != 0) {
			m->oom = 1;
			return;
		}
		if ((i = insert(m, &mk, h)) == NIL) {
			m->oom = 1;
			return;
		}
		new_flow(&m->e[i], &k, side, ts_us);
		list_push(m, &m->open, i, IL);
	}
	from_init = side == m->e[i].init_side;
	if (k.is_icmp == 1 && k.reply && memcmp(&k.src, &k.dst, sizeof k.src) == 0)
		from_init = m->e[i].f.sport == k.icmp_type; /* to itself */
	/* argus shows a query flow's type as that of the report's first
	 * packet, and as the request once one is seen */
	if (k.is_icmp == 1 && icmp4_query(k.icmp_type) &&
	    (!k.reply || (!m->e[i].f.spkts && !m->e[i].f.dpkts)))
		m->e[i].f.sport = k.icmp_type;
	count(m, i, from_init, &k, ts_us, bytes);
	if (k.proto == 6 && k.frag != 2) {
		struct ment *x = &m->e[i];
		tcp_update(x, from_init, k.tflags);
		if (!x->closed && (x->fin == 3 || ((k.tflags & VG_TH_RST) &&
						  !refused(x, from_init, k.tflags)))) {
			list_del(m, &m->open, i, IL);
			x->closed = 1;
			list_push(m, &m->closed, i, IL);
		}
	}
	if (k.frag == 1) {
		struct frag *s = frag_slot(m, &k);
		s->valid = 1;
		s->src = k.src;
		s->dst = k.dst;
		s->id = k.frag_id;
		s->proto = k.proto;
		s->ts = ts_us;
		s->k = mk;
		s->side = (uint8_t)side;
	}
	/* argus maps ICMPv4 unreachable, redirect and time exceeded only, and
	 * does not find DNS flows from the quote (its DNS key needs more than
	 * the 8 quoted bytes) */
	if (k.has_quote && k.is_icmp == 1 &&
	    (k.icmp_type == 3 || k.icmp_type == 5 || k.icmp_type == 11) &&
	    !(k.q_proto == 17 && (k.q_sp == 53 || k.q_dp == 53)))
		mark_quoted(m, &k, ts_us);
}

void vgi_meter_tick(struct vgi_meter *m, int64_t now_us)
{
	if (now_us > m->now) {
		m->now = now_us;
		expire(m);
	}
}

void vgi_meter_flush(struct vgi_meter *m)
{
	/* in report-start order, so that the last reports come out sorted */
	while (m->active.head)
		finish(m, m->active.head);
	while (m->open.head)
		finish(m, m->open.head);
	while (m->closed.head)
		finish(m, m->closed.head);
}

size_t vgi_meter_take(struct vgi_meter *m, vg_flow *out, size_t cap)
{
	size_t k = VGI_MIN(cap, m->qn - m->qh);
	if (k == 0)
		return 0;
	memcpy(out, m->q + m->qh, k * sizeof *out);
	m->qh += k;
	if (m->qh == m->qn)
		m->qh = m->qn = 0;
	return k;
}

size_t vgi_meter_pending(const struct vgi_meter *m)
{
	return m->qn - m->qh;
}

void vgi_meter_get_stats(const struct vgi_meter *m, struct vgi_meter_stats *st)
{
	*st = m->st;
}

struct vgi_meter *vgi_meter_new(const struct vgi_meter_opts *o)
{
	struct vgi_meter *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	if (o)
		m->o = *o;
	m->active_us = (int64_t)(m->o.active_s > 0 ? m->o.active_s : 60) * 1000000;
	m->idle_us = (int64_t)(m->o.idle_s > 0 ? m->o.idle_s : 60) * 1000000;
	m->cap_e = 1024;
	m->n_e = 1;
	m->e = calloc(m->cap_e, sizeof *m->e);
	m->frags = calloc(FRAG_SLOTS, sizeof *m->frags);
	m->now = INT64_MIN;
	if (!m->e || !m->frags || grow_buckets(m) != 0) {
		vgi_meter_free(m);
		return NULL;
	}
	return m;
}

void vgi_meter_free(struct vgi_meter *m)
{
	if (!m)
		return;
	free(m->e);
	free(m->bucket);
	free(m->q);
	free(m->frags);
	free(m);
}
