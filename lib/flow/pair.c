/*
 * pair.c - one-way flows (NetFlow v5/v9, nfpcapd, nfdump CSV: request and
 * reply as two records) paired into connections, as the merger finishes
 * them. A finished one-way flow waits here until the flow of the other
 * direction comes (same protocol, addresses and ports swapped; an ICMP
 * echo/timestamp/information/mask reply to its request), or until input
 * time has moved a window on since it came; then it is emitted alone.
 *
 * The pair becomes one flow from the initiator: the side that sent a SYN
 * without ACK, or a SYN/ACK the other side reset (backscatter), or the ICMP
 * request, else the one that started first, else
 * (a tie at the exporter's resolution) the one sent to the lower port. The
 * other side's packets, bytes and flags become the d* counters.
 *
 * Table: open addressing over the pending entries, linear probing,
 * backward-shift deletion; entries are also kept in arrival order (a
 * queue; paired ones are skipped when they reach its head).
 */
#include <stdlib.h>

#include "core/buf.h"
#include "core/core.h"
#include "flow/pair.h"

struct pentry {
	vg_flow f;
	uint64_t h;
	int64_t deadline;    /* input time after which it goes out alone */
	uint32_t next;   /* arrival order; 0 = none (entries are 1-based) */
	uint8_t live;
};

struct vgi_pairer {
	struct pentry *e;    /* e[0] unused */
	size_t cap, next_unused;
	uint32_t free_head;
	uint32_t head, tail; /* arrival queue */
	uint32_t *slots;     /* entry index; 0 = empty */
	size_t mask, n;
	uint64_t seed;
	uint64_t n_paired;
};

/* The ICMP type a reply answers (and a request's own type): 0 for a type
 * that is neither. */
static int icmp_request_of(unsigned proto, unsigned type)
{
	if (proto == 1)
		switch (type) {
		case 8: case 0: return 8;
		case 13: case 14: return 13;
		case 15: case 16: return 15;
		case 17: case 18: return 17;
		}
	if (proto == 58)
		switch (type) {
		case 128: case 129: return 128;
		}
	return 0;
}

static int is_icmp_request(const vg_flow *f)
{
	return (f->proto == 1 || f->proto == 58) && icmp_request_of(f->proto, f->sport) == f->sport;
}

/* The direction-free key of a flow: its two endpoints in order. 0: a flow
 * that is never paired (ICMP errors, protocols without ports). */
static uint64_t ckey(const vgi_pairer *p, const vg_flow *f)
{
	uint64_t a0, a1, b0, b1, x, y;
	unsigned ps = f->sport, pd = f->dport;
	int c;
	if (f->proto == 1 || f->proto == 58) {
		int rq = icmp_request_of(f->proto, f->sport);
		if (!rq)
			return 0;
		ps = pd = (unsigned)rq;
	} else if (f->proto != 6 && f->proto != 17 && f->proto != 132) {
		return 0;
	}
	memcpy(&a0, f->saddr.a, 8);
	memcpy(&a1, f->saddr.a + 8, 8);
	memcpy(&b0, f->daddr.a, 8);
	memcpy(&b1, f->daddr.a + 8, 8);
	c = memcmp(&f->saddr, &f->daddr, sizeof f->saddr);
	if (c > 0 || (c == 0 && ps > pd)) {
		x = vgi_mix64(b0 ^ p->seed) ^ b1 ^ ((uint64_t)pd << 32);
		y = vgi_mix64(a0 + 0x9e3779b97f4a7c15ULL) ^ a1 ^ ((uint64_t)ps << 16);
	} else {
		x = vgi_mix64(a0 ^ p->seed) ^ a1 ^ ((uint64_t)ps << 32);
		y = vgi_mix64(b0 + 0x9e3779b97f4a7c15ULL) ^ b1 ^ ((uint64_t)pd << 16);
	}
	x = vgi_mix64(x ^ vgi_mix64(y ^ f->proto)) | 1; /* never 0 */
	return x;
}

/* a and b are the two directions of one connection */
static int reverse_of(const vg_flow *a, const vg_flow *b)
{
	if (a->proto != b->proto || a->family != b->family ||
	    memcmp(&a->saddr, &b->daddr, sizeof a->saddr) != 0 ||
	    memcmp(&a->daddr, &b->saddr, sizeof a->daddr) != 0)
		return 0;
	if (a->proto == 1 || a->proto == 58)
		return icmp_request_of(a->proto, a->sport) == icmp_request_of(b->proto, b->sport) &&
		       a->sport != b->sport;
	return a->sport == b->dport && a->dport == b->sport;
}

int vgi_pairer_create(vgi_pairer **pp)
{
	vgi_pairer *p = calloc(1, sizeof *p);
	*pp = NULL;
	if (!p)
		return VG_ENOMEM;
	p->seed = vgi_random_seed();
	p->mask = 1023;
	p->slots = calloc(p->mask + 1, sizeof *p->slots);
	p->cap = 512;
	p->e = malloc(p->cap * sizeof *p->e);
	p->next_unused = 1;
	if (!p->slots || !p->e) {
		vgi_pairer_free(p);
		return VG_ENOMEM;
	}
	*pp = p;
	return VG_OK;
}

void vgi_pairer_free(vgi_pairer *p)
{
	if (!p)
		return;
	free(p->e);
	free(p->slots);
	free(p);
}

uint64_t vgi_pairer_paired(const vgi_pairer *p)
{
	return p ? p->n_paired : 0;
}

static void slot_delete(vgi_pairer *p, size_t s)
{
	size_t j = s;
	for (;;) {
		size_t k;
		uint32_t v;
		j = (j + 1) & p->mask;
		if (!(v = p->slots[j]))
			break;
		k = (size_t)p->e[v].h & p->mask;
		/* the entry at j stays if its home k lies cyclically in (s, j] */
		if (s <= j ? (s < k && k <= j) : (s < k || k <= j))
			continue;
		p->slots[s] = v;
		s = j;
	}
	p->slots[s] = 0;
	p->n--;
}

static int grow_slots(vgi_pairer *p)
{
	size_t nm = (p->mask + 1) * 2 - 1, i;
	uint32_t *ns = calloc(nm + 1, sizeof *ns);
	if (!ns)
		return VG_ENOMEM;
	for (i = 0; i <= p->mask; i++) {
		uint32_t v = p->slots[i];
		size_t s;
		if (!v)
			continue;
		s = (size_t)p->e[v].h & nm;
		while (ns[s])
			s = (s + 1) & nm;
		ns[s] = v;
	}
	free(p->slots);
	p->slots = ns;
	p->mask = nm;
	return VG_OK;
}

/* Whether x sent a SYN/ACK that y answered with a reset, no SYN on
 * either side: a SYN/ACK nobody asked for (backscatter) and our reset. */
static int answered_synack(const vg_flow *x, const vg_flow *y)
{
	return x->proto == 6 && (x->sflags & (VG_TH_SYN | VG_TH_ACK)) == (VG_TH_SYN | VG_TH_ACK) &&
	       (y->sflags & VG_TH_RST) && !(y->sflags & VG_TH_SYN);
}

/* The combined flow of a pending entry and the other direction. */
static void combine(vg_flow *out, const vg_flow *a, const vg_flow *b)
{
	const vg_flow *ini = a, *rsp = b;
	int a_syn = a->proto == 6 && (a->sflags & VG_TH_SYN) && !(a->sflags & VG_TH_ACK);
	int b_syn = b->proto == 6 && (b->sflags & VG_TH_SYN) && !(b->sflags & VG_TH_ACK);
	if (a_syn != b_syn)
		ini = a_syn ? a : b;
	else if (!a_syn && answered_synack(a, b) != answered_synack(b, a))
		ini = answered_synack(a, b) ? a : b; /* backscatter: the SYN/ACK came first */
	else if (is_icmp_request(a) != is_icmp_request(b))
		ini = is_icmp_request(a) ? a : b;
	else if (a->stime_us != b->stime_us)
		ini = a->stime_us < b->stime_us ? a : b;
	else if (a->dport != b->dport)
		ini = a->dport < b->dport ? a : b;
	rsp = ini == a ? b : a;
	*out = *ini;
	out->stime_us = a->stime_us < b->stime_us ? a->stime_us : b->stime_us;
	out->ltime_us = a->ltime_us > b->ltime_us ? a->ltime_us : b->ltime_us;
	out->dpkts += rsp->spkts;
	out->dbytes += rsp->sbytes;
	out->dflags |= rsp->sflags;
	out->n_records += rsp->n_records;
	out->rflags &= (uint8_t)~VG_RF_ONEWAY;
	if (out->proto == 6) {
		uint32_t t = rsp->tcp_status;
		/* the responder's view, in the initiator's terms */
		if (t & VG_TCP_SAW_SYNACK)
			out->tcp_status |= VG_TCP_SAW_SYNACK;
		if (t & VG_TCP_ESTABLISHED)
			out->tcp_status |= VG_TCP_ESTABLISHED;
		if (t & VG_TCP_FIN)
			out->tcp_status |= VG_TCP_FIN_ACK;
		if (t & VG_TCP_SRC_RESET)
			out->tcp_status |= VG_TCP_DST_RESET;
		if ((out->tcp_status & VG_TCP_FIN) && (t & VG_TCP_FIN))
			out->tcp_status |= VG_TCP_NORMAL_CLOSE;
	}
	vg_flow_derive_state(out);
}

/* Emits the entries whose wait is over (still unpaired). Input time only
 * moves forward, so the queue is in deadline order. */
static int expire(vgi_pairer *p, int64_t now, vg_merge_emit_fn emit, void *user)
{
	while (p->head) {
		struct pentry *e = &p->e[p->head];
		uint32_t i = p->head;
		int rc;
		if (e->live && now < e->deadline)
			break;
		p->head = e->next;
		if (!p->head)
			p->tail = 0;
		if (e->live) {
			size_t s = (size_t)e->h & p->mask;
			while (p->slots[s] != i)
				s = (s + 1) & p->mask;
			slot_delete(p, s);
			e->live = 0;
			if ((rc = emit(user, &e->f)) != 0) {
				e->next = p->free_head;
				p->free_head = i;
				return rc;
			}
		}
		e->next = p->free_head;
		p->free_head = i;
	}
	return 0;
}

int vgi_pairer_add(vgi_pairer *p, const vg_flow *f, int64_t now, int64_t window,
		   vg_merge_emit_fn emit, void *user)
{
	uint64_t h = ckey(p, f);
	size_t s;
	uint32_t i;
	int rc;

	if ((rc = expire(p, now, emit, user)) != 0)
		return rc;
	if (!h)
		return emit(user, f);
	for (s = (size_t)h & p->mask; (i = p->slots[s]) != 0; s = (s + 1) & p->mask) {
		struct pentry *e = &p->e[i];
		if (e->h != h)
			continue;
		if (reverse_of(&e->f, f)) {
			vg_flow both;
			combine(&both, &e->f, f);
			slot_delete(p, s);
			e->live = 0; /* its queue place is freed when it reaches the head */
			p->n_paired++;
			return emit(user, &both);
		}
		/* the same direction again (a later connection): the waiting one
		 * goes out alone, the new one waits */
		if ((rc = emit(user, &e->f)) != 0)
			return rc;
		e->f = *f;
		return 0;
	}
	if ((p->n + 1) * 2 > p->mask + 1) {
		if ((rc = grow_slots(p)) != VG_OK)
			return rc;
		for (s = (size_t)h & p->mask; p->slots[s]; s = (s + 1) & p->mask)
			;
	}
	if (p->free_head) {
		i = p->free_head;
		p->free_head = p->e[i].next;
	} else {
		if (p->next_unused == p->cap) {
			struct pentry *ne = realloc(p->e, p->cap * 2 * sizeof *ne);
			if (!ne)
				return emit(user, f); /* no memory: unpaired */
			p->e = ne;
			p->cap *= 2;
		}
		i = (uint32_t)p->next_unused++;
	}
	p->e[i].f = *f;
	p->e[i].h = h;
	/* a flow waits `window` of input time from when it came here: records
	 * may arrive hours out of time order (nfpcapd exports flows late) */
	p->e[i].deadline = now > INT64_MAX - window ? INT64_MAX : now + window;
	p->e[i].next = 0;
	p->e[i].live = 1;
	if (p->tail)
		p->e[p->tail].next = i;
	else
		p->head = i;
	p->tail = i;
	p->slots[s] = i;
	p->n++;
	return 0;
}

int vgi_pairer_flush(vgi_pairer *p, vg_merge_emit_fn emit, void *user)
{
	return p ? expire(p, INT64_MAX, emit, user) : 0;
}

void vgi_pairer_save(const vgi_pairer *p, struct vgi_buf *b)
{
	uint64_t n = 0;
	uint32_t i;
	if (p)
		for (i = p->head; i; i = p->e[i].next)
			n += p->e[i].live;
	vgi_buf_u64(b, n);
	vgi_buf_u64(b, p ? p->n_paired : 0);
	if (!p)
		return;
	for (i = p->head; i; i = p->e[i].next)
		if (p->e[i].live) {
			vgi_buf_put(b, &p->e[i].f, sizeof p->e[i].f);
			vgi_buf_u64(b, (uint64_t)p->e[i].deadline);
		}
}

int vgi_pairer_restore(vgi_pairer *p, const vg_flow *f, int64_t deadline)
{
	uint64_t h = ckey(p, f);
	size_t s;
	uint32_t i;
	if (!h)
		return VG_EINVAL;
	if ((p->n + 1) * 2 > p->mask + 1 && grow_slots(p) != VG_OK)
		return VG_ENOMEM;
	for (s = (size_t)h & p->mask; p->slots[s]; s = (s + 1) & p->mask)
		;
	if (p->free_head) {
		i = p->free_head;
		p->free_head = p->e[i].next;
	} else {
		if (p->next_unused == p->cap) {
			struct pentry *ne = realloc(p->e, p->cap * 2 * sizeof *ne);
			if (!ne)
				return VG_ENOMEM;
			p->e = ne;
			p->cap *= 2;
		}
		i = (uint32_t)p->next_unused++;
	}
	p->e[i].f = *f;
	p->e[i].h = h;
	p->e[i].deadline = deadline;
	p->e[i].next = 0;
	p->e[i].live = 1;
	if (p->tail)
		p->e[p->tail].next = i;
	else
		p->head = i;
	p->tail = i;
	p->slots[s] = i;
	p->n++;
	return VG_OK;
}
