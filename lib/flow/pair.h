/*
 * pair.h - one-way flows paired into connections (pair.c), for the merger.
 */
#ifndef VGI_PAIR_H
#define VGI_PAIR_H

#include "vigil.h"

typedef struct vgi_pairer vgi_pairer;

int vgi_pairer_create(vgi_pairer **p);
void vgi_pairer_free(vgi_pairer *p);
/* A finished one-way flow at input time now: paired with its other
 * direction if that waits here, else kept until input time reaches now +
 * window; what goes out goes to emit. */
int vgi_pairer_add(vgi_pairer *p, const vg_flow *f, int64_t now, int64_t window,
		   vg_merge_emit_fn emit, void *user);
/* Emits everything still waiting. */
int vgi_pairer_flush(vgi_pairer *p, vg_merge_emit_fn emit, void *user);
uint64_t vgi_pairer_paired(const vgi_pairer *p);

struct vgi_buf;
/* The waiting flows and their deadlines, in arrival order (saved state). */
void vgi_pairer_save(const vgi_pairer *p, struct vgi_buf *b);
/* Puts a saved flow back at the end of the queue, unpaired. */
int vgi_pairer_restore(vgi_pairer *p, const vg_flow *f, int64_t deadline);

#endif
