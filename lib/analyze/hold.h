/*
 * hold.h - the unsolicited connections of scan events that are still open,
 * held until the event ends: only then is it known whether the event is a
 * port scan or a sweep (vg_scan_event.kind), and each connection is counted
 * into the day rollups once, with that kind. Saved in the open tail.
 */
#ifndef VGI_HOLD_H
#define VGI_HOLD_H

#include "core/buf.h"
#include "core/u64map.h"

struct vgi_held {
	uint32_t id;
	size_t n, cap;
	vg_flow *f;
};

struct vgi_hold {
	vgi_u64map idx;          /* event id -> index + 1 into ev */
	struct vgi_held *ev;
	size_t n_ev, cap_ev;
	uint64_t n_flows;        /* held now, all events */
	uint32_t last_id, last_i; /* the event added to last (index + 1) */
};

int vgi_hold_init(struct vgi_hold *h);
void vgi_hold_free(struct vgi_hold *h);
/* Holds a copy of f for event id; VG_ENOMEM if it could not. */
int vgi_hold_add(struct vgi_hold *h, uint32_t id, const vg_flow *f);
/* Takes the flows held for id: *n of them (0: none), the caller frees the
 * array; the event is forgotten. */
vg_flow *vgi_hold_take(struct vgi_hold *h, uint32_t id, size_t *n);
void vgi_hold_save(const struct vgi_hold *h, struct vgi_buf *b);
/* VG_EFORMAT if the cursor does not hold a saved hold. */
int vgi_hold_load(struct vgi_hold *h, vgi_cur *c);

#endif
