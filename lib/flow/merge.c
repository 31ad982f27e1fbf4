/*
 * merge.c - joins the status reports of one flow into one connection, the
 * way racluster does with model "saddr daddr proto sport dport" status=0
 * idle=N: a report extends the open flow of its key unless the gap between
 * them is at least the idle timeout, in which case the open flow is finished
 * and the report starts a new one. It is not a sort: flows are finished as
 * input time moves past them, so memory holds only the flows active within
 * idle + reorder seconds, capped by max_flows (the oldest is then finished
 * early and counted).
 *
 * Table: open addressing with linear probing; a slot holds a node index
 * and 32 bits of the key's hash, so that probing past other keys does not
 * touch their nodes; backward-shift deletion (no tombstones). Nodes sit in
 * one array and on a doubly linked list in order of last update, the
 * eviction order.
 */
#include <stdlib.h>

#include "core/buf.h"
#include "core/core.h"
#include "flow/merge.h"
#include "flow/pair.h"

#define NIL 0u
/* With time_order, flows up to this long come out in start-time order */
#define TIME_ORDER_LONG (600 * 1000000LL)

struct node {
	vg_flow f;
	uint64_t hash;
	uint32_t prev, next; /* update-order list, NIL-terminated */
};

struct vg_merger {
	vg_merge_opts o;
	vg_merge_emit_fn emit;
	void *user;
	uint64_t seed;

	uint64_t *slots; /* SLOT(hash, node index); 0 = empty */
	size_t slot_mask;

	struct node *nodes; /* nodes[0] unused so that 0 means "none" */
	size_t n_nodes_cap;
	uint32_t free_head;
	size_t next_unused;

	uint32_t head, tail; /* oldest and newest update */
	int64_t watermark;   /* latest start time seen */
	vg_merge_stats st;
	vgi_pairer *pair;    /* for one-way flows (VG_RF_ONEWAY), made when one comes */
	/* One-way input (nfpcapd, NetFlow) comes out of time order by as much as
	 * the exporter's active timeout; what the pairer lets out is put back in
	 * start-time order through a heap that waits the largest lateness seen. */
	struct hkey { int64_t t; uint64_t tie; uint32_t i; } *heap; /* start time,
			      * a key hash for equal times, slot in hflows */
	size_t n_heap, cap_heap;
	vg_flow *hflows;     /* the flows in the heap; free slots chained by n_records */
	uint32_t hfree;      /* first free slot + 1, 0 = none */
	int64_t late_us;     /* the most a record came behind the watermark */
	int batch;           /* finishing several flows: drain the heap after */
};

static int hkey_less(const struct hkey *a, const struct hkey *b)
{
	return a->t < b->t || (a->t == b->t && a->tie < b->tie);
}

static void heap_down(struct hkey *h, size_t n, size_t i)
{
	struct hkey x = h[i];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = l;
		if (l >= n)
			break;
		if (r < n && hkey_less(&h[r], &h[l]))
			m = r;
		if (!hkey_less(&h[m], &x))
			break;
		h[i] = h[m];
		i = m;
	}
	h[i] = x;
}

/* Lets out the heap's flows that started before watermark - wait. */
static int heap_drain(vg_merger *m, int64_t wait)
{
	int rc;
	while (m->n_heap && (wait == INT64_MAX || m->heap[0].t <= m->watermark - wait)) {
		uint32_t i = m->heap[0].i;
		vg_flow f = m->hflows[i];
		m->heap[0] = m->heap[--m->n_heap];
		heap_down(m->heap, m->n_heap, 0);
		m->hflows[i].n_records = m->hfree;
		m->hfree = i + 1;
		if ((rc = m->emit(m->user, &f)) != 0)
			return rc;
	}
	return 0;
}

/* Orders flows that start in the same µs: a hash of the key that does not
 * change from run to run (the table's hash is seeded). */
static uint64_t order_hash(const vg_flow *f)
{
	uint64_t a0, a1, b0, b1;
	memcpy(&a0, f->saddr.a, 8);
	memcpy(&a1, f->saddr.a + 8, 8);
	memcpy(&b0, f->daddr.a, 8);
	memcpy(&b1, f->daddr.a + 8, 8);
	return vgi_mix64(vgi_mix64(a0 ^ a1) ^ vgi_mix64(b0 ^ b1 ^ 0x9e3779b97f4a7c15ULL) ^
			 ((uint64_t)f->sport | (uint64_t)f->dport << 16 |
			  (uint64_t)f->icmp_id << 32 | (uint64_t)f->proto << 48));
}

/* How long after its start a flow waits in the heap. Paired one-way flows
 * wait for both halves. A merged flow is finished idle + reorder after its
 * end, so waiting TIME_ORDER_LONG more puts every shorter flow in order. */
static int64_t heap_wait(const vg_merger *m)
{
	if (m->pair)
		return m->late_us + 2 * (m->o.idle_us + m->o.reorder_us);
	return m->o.idle_us + m->o.reorder_us + TIME_ORDER_LONG;
}

/* the pairer's output: into the heap */
static int to_heap(void *user, const vg_flow *f)
{
	vg_merger *m = user;
	size_t i;
	uint32_t slot;
	struct hkey x;
	if (m->n_heap == m->cap_heap) {
		size_t cap = m->cap_heap ? m->cap_heap * 2 : 1024, k;
		struct hkey *nh = realloc(m->heap, cap * sizeof *nh);
		vg_flow *nf;
		if (!nh)
			return m->emit(m->user, f); /* no memory: out of order */
		m->heap = nh;
		if (!(nf = realloc(m->hflows, cap * sizeof *nf)))
			return m->emit(m->user, f);
		m->hflows = nf;
		/* the new slots are free */
		for (k = cap; k > m->cap_heap; k--) {
			m->hflows[k - 1].n_records = m->hfree;
			m->hfree = (uint32_t)k;
		}
		m->cap_heap = cap;
	}
	slot = m->hfree - 1;
	m->hfree = m->hflows[slot].n_records;
	m->hflows[slot] = *f;
	x.t = f->stime_us;
	x.tie = order_hash(f);
	x.i = slot;
	i = m->n_heap++;
	while (i && hkey_less(&x, &m->heap[(i - 1) / 2])) {
		m->heap[i] = m->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	m->heap[i] = x;
	return m->batch ? 0 : heap_drain(m, heap_wait(m));
}

/* A finished flow goes out, through the pairer and the heap if it is
 * one-way. */
static int out(vg_merger *m, const vg_flow *f)
{
	if (!(f->rflags & VG_RF_ONEWAY))
		return m->o.time_order ? to_heap(m, f) : m->emit(m->user, f);
	if (!m->pair && vgi_pairer_create(&m->pair) != VG_OK)
		return m->emit(m->user, f);
	/* both directions are finished within idle + reorder of each other */
	return vgi_pairer_add(m->pair, f, m->watermark, 2 * (m->o.idle_us + m->o.reorder_us),
			      to_heap, m);
}

static uint64_t key_hash(const vg_merger *m, const vg_flow *f)
{
	uint64_t a0, a1, b0, b1, k;
	memcpy(&a0, f->saddr.a, 8);
	memcpy(&a1, f->saddr.a + 8, 8);
	memcpy(&b0, f->daddr.a, 8);
	memcpy(&b1, f->daddr.a + 8, 8);
	k = (uint64_t)f->sport | (uint64_t)f->dport << 16 |
	    (uint64_t)f->icmp_id << 32 | (uint64_t)f->proto << 48 |
	    (uint64_t)f->family << 56;
	return vgi_mix64(vgi_mix64(a0 ^ m->seed) ^ a1 ^
			 vgi_mix64(b0 + 0x9e3779b97f4a7c15ULL) ^
			 vgi_mix64(b1 ^ k));
}

int vg_merger_create(vg_merger **mp, const vg_merge_opts *opts,
		     vg_merge_emit_fn emit, void *user)
{
	vg_merger *m;
	size_t nslots = 1u << 12;

	*mp = NULL;
	if (!emit)
		return VG_EINVAL;
	if (!(m = calloc(1, sizeof *m)))
		return VG_ENOMEM;
	m->o.idle_us = 120 * 1000000LL;
	m->o.reorder_us = 300 * 1000000LL;
	m->o.max_flows = 16u << 20;
	if (opts) {
		if (opts->idle_us > 0)
			m->o.idle_us = opts->idle_us;
		if (opts->reorder_us > 0)
			m->o.reorder_us = opts->reorder_us;
		if (opts->max_flows > 0)
			m->o.max_flows = opts->max_flows;
		m->o.time_order = opts->time_order;
	}
	if (m->o.max_flows > (1u << 30))
		m->o.max_flows = 1u << 30;
	m->emit = emit;
	m->user = user;
	m->seed = vgi_random_seed();
	m->watermark = INT64_MIN;
	m->slots = calloc(nslots, sizeof *m->slots);
	m->n_nodes_cap = nslots / 2 + 1;
	m->nodes = malloc(m->n_nodes_cap * sizeof *m->nodes);
	if (!m->slots || !m->nodes) {
		vg_merger_free(m);
		return VG_ENOMEM;
	}
	m->slot_mask = nslots - 1;
	m->next_unused = 1;
	*mp = m;
	return VG_OK;
}

void vg_merger_free(vg_merger *m)
{
	if (!m)
		return;
	free(m->slots);
	free(m->nodes);
	vgi_pairer_free(m->pair);
	free(m->heap);
	free(m->hflows);
	free(m);
}

void vg_merger_get_stats(const vg_merger *m, vg_merge_stats *st)
{
	*st = m->st;
	st->n_out -= vgi_pairer_paired(m->pair); /* a pair goes out as one */
}

static void list_unlink(vg_merger *m, uint32_t i)
{
	struct node *n = &m->nodes[i];
	if (n->prev)
		m->nodes[n->prev].next = n->next;
	else
		m->head = n->next;
	if (n->next)
		m->nodes[n->next].prev = n->prev;
	else
		m->tail = n->prev;
	n->prev = n->next = NIL;
}

static void list_append(vg_merger *m, uint32_t i)
{
	struct node *n = &m->nodes[i];
	n->prev = m->tail;
	n->next = NIL;
	if (m->tail)
		m->nodes[m->tail].next = i;
	else
		m->head = i;
	m->tail = i;
}

/* a slot: the low 32 bits of the hash (which also give its home slot), then
 * the node index */
#define SLOT(h, i) ((h) << 32 | (uint64_t)(i))
#define SLOT_NODE(v) ((uint32_t)(v))
#define SLOT_HOME(v, mask) ((size_t)((v) >> 32) & (mask))

/* Finds the slot holding key f (returns 1) or the empty slot where it goes. */
static int find_slot(const vg_merger *m, const vg_flow *f, uint64_t h,
		     size_t *slot)
{
	size_t s = (size_t)h & m->slot_mask;
	uint64_t tag = h << 32;
	for (;;) {
		uint64_t v = m->slots[s];
		if (v == 0) {
			*slot = s;
			return 0;
		}
		if ((v >> 32 << 32) == tag && m->nodes[SLOT_NODE(v)].hash == h &&
		    vg_flow_same_key(&m->nodes[SLOT_NODE(v)].f, f)) {
			*slot = s;
			return 1;
		}
		s = (s + 1) & m->slot_mask;
	}
}

/* The slot that holds node i (whose hash is h). */
static size_t slot_of_node(const vg_merger *m, uint32_t i, uint64_t h)
{
	size_t s = (size_t)h & m->slot_mask;
	while (SLOT_NODE(m->slots[s]) != i)
		s = (s + 1) & m->slot_mask;
	return s;
}

/* Removes the entry at slot s, shifting later entries of the probe run back
 * so that lookups never need tombstones. */
static void slot_delete(vg_merger *m, size_t s)
{
	size_t i = s, j = s;
	for (;;) {
		size_t home;
		uint64_t v;
		j = (j + 1) & m->slot_mask;
		v = m->slots[j];
		if (v == 0)
			break;
		home = SLOT_HOME(v, m->slot_mask);
		/* move j back to i unless its home lies cyclically in (i, j] */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			m->slots[i] = v;
			i = j;
		}
	}
	m->slots[i] = 0;
}

static int grow(vg_merger *m)
{
	size_t nslots = (m->slot_mask + 1) * 2, i;
	uint64_t *ns = calloc(nslots, sizeof *ns);
	struct node *nn;
	size_t ncap = nslots / 2 + 1;
	if (!ns)
		return VG_ENOMEM;
	nn = realloc(m->nodes, ncap * sizeof *nn);
	if (!nn) {
		free(ns);
		return VG_ENOMEM;
	}
	m->nodes = nn;
	m->n_nodes_cap = ncap;
	for (i = 0; i <= m->slot_mask; i++) {
		uint64_t v = m->slots[i];
		size_t s;
		if (v == 0)
			continue;
		s = SLOT_HOME(v, nslots - 1);
		while (ns[s] != 0)
			s = (s + 1) & (nslots - 1);
		ns[s] = v;
	}
	free(m->slots);
	m->slots = ns;
	m->slot_mask = nslots - 1;
	return VG_OK;
}

/* Emits node i and removes it from the table and the list. */
static int finish(vg_merger *m, uint32_t i)
{
	struct node *n = &m->nodes[i];
	int rc;
	slot_delete(m, slot_of_node(m, i, n->hash));
	list_unlink(m, i);
	m->st.n_out++;
	m->st.n_open--;
	rc = out(m, &n->f);
	n->next = m->free_head;
	m->free_head = i;
	return rc;
}

static int expire(vg_merger *m)
{
	int rc = 0;
	/* the flows one jump of the watermark finishes enter the heap
	 * together, so that they leave it in order */
	m->batch = 1;
	while (m->head) {
		const vg_flow *f = &m->nodes[m->head].f;
		if (m->watermark - f->ltime_us < m->o.idle_us + m->o.reorder_us)
			break;
		if ((rc = finish(m, m->head)) != 0)
			break;
	}
	m->batch = 0;
	if (rc == 0 && m->n_heap)
		rc = heap_drain(m, heap_wait(m));
	return rc;
}

static int add_one(vg_merger *m, const vg_flow *f)
{
	uint64_t h = key_hash(m, f);
	size_t s;
	uint32_t i;
	int rc;

	if (f->stime_us > m->watermark) {
		m->watermark = f->stime_us;
		if ((rc = expire(m)) != 0)
			return rc;
	} else if ((f->rflags & VG_RF_ONEWAY) && m->watermark - f->stime_us > m->late_us) {
		m->late_us = m->watermark - f->stime_us;
	}
	m->st.n_in++;
	if (find_slot(m, f, h, &s)) {
		struct node *n;
		int64_t gap = 0;
		i = SLOT_NODE(m->slots[s]);
		n = &m->nodes[i];
		if (f->stime_us > n->f.ltime_us)
			gap = f->stime_us - n->f.ltime_us;
		else if (n->f.stime_us > f->ltime_us)
			gap = n->f.stime_us - f->ltime_us;
		if (gap >= m->o.idle_us) {
			/* a new connection on the same key: finish the old */
			m->st.n_out++;
			rc = out(m, &n->f);
			n->f = *f;
			if (n->f.n_records == 0)
				n->f.n_records = 1;
			if (rc != 0)
				return rc;
		} else {
			vg_flow_merge(&n->f, f);
		}
		list_unlink(m, i);
		list_append(m, i);
		return 0;
	}

	if (m->st.n_open >= m->o.max_flows) {
		m->st.n_forced++;
		if ((rc = finish(m, m->head)) != 0)
			return rc;
		(void)find_slot(m, f, h, &s); /* the deletion may move slots */
	}
	if ((m->st.n_open + 1) * 2 > m->slot_mask + 1) {
		if ((rc = grow(m)) != VG_OK)
			return rc;
		(void)find_slot(m, f, h, &s);
	}
	if (m->free_head) {
		i = m->free_head;
		m->free_head = m->nodes[i].next;
	} else {
		i = (uint32_t)m->next_unused++;
	}
	m->nodes[i].f = *f;
	if (m->nodes[i].f.n_records == 0)
		m->nodes[i].f.n_records = 1;
	m->nodes[i].hash = h;
	m->slots[s] = SLOT(h, i);
	list_append(m, i);
	m->st.n_open++;
	if (m->st.n_open > m->st.n_peak)
		m->st.n_peak = m->st.n_open;
	return 0;
}

#define LOOKAHEAD 8

int vg_merger_add(vg_merger *m, const vg_flow *flows, size_t n)
{
	size_t k;
	int rc;
	for (k = 0; k < n; k++) {
		/* the table is larger than the caches: fetch the slot of a
		 * record a few places ahead while this one is merged */
		if (k + LOOKAHEAD < n)
			__builtin_prefetch(&m->slots[(size_t)key_hash(m, &flows[k + LOOKAHEAD]) &
						     m->slot_mask]);
		if (flows[k].kind != VG_REC_FLOW)
			continue;
		if ((rc = add_one(m, &flows[k])) != 0)
			return rc;
	}
	return VG_OK;
}

int vg_merger_flush(vg_merger *m)
{
	int rc;
	m->batch = 1; /* everything goes to the heap, then out in order */
	while (m->head)
		if ((rc = finish(m, m->head)) != 0)
			return rc;
	if ((rc = vgi_pairer_flush(m->pair, to_heap, m)) != 0)
		return rc;
	m->batch = 0;
	return heap_drain(m, INT64_MAX);
}

/* ------------------------------------------------------------ saved state */

#define SAVE_MAGIC 0x3147524dU /* "MRG1" */

int vgi_merger_save(const vg_merger *m, struct vgi_buf *b)
{
	uint32_t i;
	size_t k;
	vgi_buf_u64(b, SAVE_MAGIC);
	vgi_buf_u64(b, (uint64_t)m->watermark);
	vgi_buf_u64(b, (uint64_t)m->late_us);
	vgi_buf_u64(b, m->st.n_open);
	for (i = m->head; i; i = m->nodes[i].next)
		vgi_buf_put(b, &m->nodes[i].f, sizeof m->nodes[i].f);
	vgi_buf_u64(b, m->n_heap);
	for (k = 0; k < m->n_heap; k++)
		vgi_buf_put(b, &m->hflows[m->heap[k].i], sizeof(vg_flow));
	vgi_pairer_save(m->pair, b);
	return b->bad ? VG_ENOMEM : VG_OK;
}

/* Puts a saved open flow back as the newest of the update list. */
static int restore_node(vg_merger *m, const vg_flow *f)
{
	uint64_t h = key_hash(m, f);
	size_t s;
	uint32_t i;
	if (find_slot(m, f, h, &s))
		return VG_EINVAL; /* the same key twice: not a state we saved */
	if ((m->st.n_open + 1) * 2 > m->slot_mask + 1) {
		if (grow(m) != VG_OK)
			return VG_ENOMEM;
		(void)find_slot(m, f, h, &s);
	}
	if (m->free_head) {
		i = m->free_head;
		m->free_head = m->nodes[i].next;
	} else {
		i = (uint32_t)m->next_unused++;
	}
	m->nodes[i].f = *f;
	m->nodes[i].hash = h;
	m->slots[s] = SLOT(h, i);
	list_append(m, i);
	m->st.n_open++;
	if (m->st.n_open > m->st.n_peak)
		m->st.n_peak = m->st.n_open;
	return VG_OK;
}

int vgi_merger_load(vg_merger *m, vgi_cur *c)
{
	uint64_t n, k, paired;
	vg_flow f;
	int rc;
	if (vgi_cur_h64(c) != SAVE_MAGIC || m->st.n_open || m->n_heap)
		return VG_EFORMAT;
	m->watermark = (int64_t)vgi_cur_h64(c);
	m->late_us = (int64_t)vgi_cur_h64(c);
	n = vgi_cur_h64(c);
	if (c->bad || n > vgi_cur_left(c) / sizeof f)
		return VG_EFORMAT;
	for (k = 0; k < n; k++) {
		vgi_cur_bytes(c, &f, sizeof f);
		if (c->bad)
			return VG_EFORMAT;
		if ((rc = restore_node(m, &f)) != VG_OK)
			return rc;
	}
	n = vgi_cur_h64(c);
	if (c->bad || n > vgi_cur_left(c) / sizeof f)
		return VG_EFORMAT;
	m->batch = 1; /* no draining while the heap is refilled */
	for (k = 0; k < n; k++) {
		vgi_cur_bytes(c, &f, sizeof f);
		if (c->bad)
			break;
		to_heap(m, &f);
	}
	m->batch = 0;
	n = vgi_cur_h64(c);
	paired = vgi_cur_h64(c);
	if (c->bad || n > vgi_cur_left(c) / sizeof f)
		return VG_EFORMAT;
	if (n && !m->pair && vgi_pairer_create(&m->pair) != VG_OK)
		return VG_ENOMEM;
	for (k = 0; k < n; k++) {
		int64_t dl;
		vgi_cur_bytes(c, &f, sizeof f);
		dl = (int64_t)vgi_cur_h64(c);
		if (c->bad)
			return VG_EFORMAT;
		if ((rc = vgi_pairer_restore(m->pair, &f, dl)) != VG_OK)
			return rc;
	}
	(void)paired;
	return c->bad ? VG_EFORMAT : VG_OK;
}
