/*
 * hold.c - connections of open scan events, by event (hold.h).
 */
#include <stdlib.h>
#include <string.h>

#include "analyze/hold.h"

int vgi_hold_init(struct vgi_hold *h)
{
	memset(h, 0, sizeof *h);
	return vgi_u64map_init(&h->idx, 0) ? VG_ENOMEM : VG_OK;
}

void vgi_hold_free(struct vgi_hold *h)
{
	size_t i;
	for (i = 0; i < h->n_ev; i++)
		free(h->ev[i].f);
	free(h->ev);
	vgi_u64map_free(&h->idx);
	memset(h, 0, sizeof *h);
}

static struct vgi_held *event(struct vgi_hold *h, uint32_t id, int create)
{
	uint32_t i;
	/* an event's connections mostly come one after another */
	if (h->last_i && h->last_id == id)
		return &h->ev[h->last_i - 1];
	if ((i = vgi_u64map_get(&h->idx, id)) != 0) {
		h->last_id = id;
		h->last_i = i;
		return &h->ev[i - 1];
	}
	if (!create)
		return NULL;
	if (h->n_ev == h->cap_ev) {
		size_t cap = h->cap_ev ? h->cap_ev * 2 : 64;
		struct vgi_held *ne = realloc(h->ev, cap * sizeof *ne);
		if (!ne)
			return NULL;
		h->ev = ne;
		h->cap_ev = cap;
	}
	if (vgi_u64map_put(&h->idx, id, (uint32_t)(h->n_ev + 1)) < 0)
		return NULL;
	memset(&h->ev[h->n_ev], 0, sizeof h->ev[h->n_ev]);
	h->ev[h->n_ev].id = id;
	h->last_id = id;
	h->last_i = (uint32_t)(h->n_ev + 1);
	return &h->ev[h->n_ev++];
}

int vgi_hold_add(struct vgi_hold *h, uint32_t id, const vg_flow *f)
{
	struct vgi_held *e = event(h, id, 1);
	if (!e)
		return VG_ENOMEM;
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 16;
		vg_flow *nf = realloc(e->f, cap * sizeof *nf);
		if (!nf)
			return VG_ENOMEM;
		e->f = nf;
		e->cap = cap;
	}
	e->f[e->n++] = *f;
	h->n_flows++;
	return VG_OK;
}

vg_flow *vgi_hold_take(struct vgi_hold *h, uint32_t id, size_t *n)
{
	uint32_t i = vgi_u64map_get(&h->idx, id);
	struct vgi_held *e;
	vg_flow *f;
	*n = 0;
	if (!i)
		return NULL;
	e = &h->ev[i - 1];
	f = e->f;
	*n = e->n;
	h->n_flows -= e->n;
	h->last_i = 0; /* indexes move */
	vgi_u64map_put(&h->idx, id, 0);
	/* the last event moves into the gap */
	if (i - 1 != h->n_ev - 1) {
		*e = h->ev[h->n_ev - 1];
		vgi_u64map_put(&h->idx, e->id, i);
	}
	h->n_ev--;
	return f;
}

void vgi_hold_save(const struct vgi_hold *h, struct vgi_buf *b)
{
	size_t i;
	vgi_buf_u64(b, h->n_ev);
	for (i = 0; i < h->n_ev; i++) {
		vgi_buf_u64(b, h->ev[i].id);
		vgi_buf_u64(b, h->ev[i].n);
		vgi_buf_put(b, h->ev[i].f, h->ev[i].n * sizeof *h->ev[i].f);
	}
}

int vgi_hold_load(struct vgi_hold *h, vgi_cur *c)
{
	uint64_t n = vgi_cur_h64(c), k;
	if (c->bad || n > vgi_cur_left(c) / 16)
		return VG_EFORMAT;
	for (k = 0; k < n; k++) {
		uint64_t id = vgi_cur_h64(c), m = vgi_cur_h64(c), j;
		vg_flow f;
		if (c->bad || id == 0 || id > UINT32_MAX || m == 0 ||
		    m > vgi_cur_left(c) / sizeof f || vgi_u64map_get(&h->idx, id))
			return VG_EFORMAT;
		for (j = 0; j < m; j++) {
			vgi_cur_bytes(c, &f, sizeof f);
			if (vgi_hold_add(h, (uint32_t)id, &f) != VG_OK)
				return VG_ENOMEM;
		}
	}
	return c->bad ? VG_EFORMAT : VG_OK;
}
