/*
 * addrtab.h - addresses to dense indices 0, 1, 2, ... (open addressing over
 * index + 1 slots), with the addresses kept in index order. A cap bounds
 * memory against spoofed sources: past it, lookups of new addresses fail.
 * An index may be removed; a later new address reuses it (most recently
 * removed first), so a table of a bounded working set stays bounded.
 * Growth: the arrays and the slots double, up to the cap.
 */
#ifndef VGI_ADDRTAB_H
#define VGI_ADDRTAB_H

#include <stddef.h>
#include <stdint.h>

#include "vigil.h"

typedef struct vgi_addrtab {
	vg_addr *addr;
	uint8_t *family;
	size_t n, cap;       /* indices handed out (held or removed), allocated */
	size_t live;         /* held: n less the removed */
	size_t max;          /* most it may hold at once */
	uint32_t free_head;  /* a removed index + 1, 0 none; the list runs
			      * through the removed entries' addr */
	uint32_t *slots;     /* index + 1; 0 = empty */
	size_t mask;
	uint64_t seed;
	uint64_t n_refused;  /* lookups refused by max or memory */
} vgi_addrtab;

int vgi_addrtab_init(vgi_addrtab *t, size_t max);
void vgi_addrtab_free(vgi_addrtab *t);
/* The index of a, or -1 when it is not held. */
int64_t vgi_addrtab_find(const vgi_addrtab *t, const vg_addr *a);
/* The index of a (added if new); -1 if refused. */
int64_t vgi_addrtab_index(vgi_addrtab *t, const vg_addr *a, uint8_t family);

/* Forgets index i, which must be held. */
void vgi_addrtab_remove(vgi_addrtab *t, size_t i);

#endif
