/* addrtab.c - see addrtab.h. */
#include <stdlib.h>
#include <string.h>

#include "core/addrtab.h"
#include "core/core.h"

#define REMOVED 0xff /* the family of a removed index */

static uint64_t hash(const vgi_addrtab *t, const vg_addr *a)
{
	uint64_t x, y;
	memcpy(&x, a->a, 8);
	memcpy(&y, a->a + 8, 8);
	return vgi_mix64(vgi_mix64(x ^ t->seed) ^ y);
}

int vgi_addrtab_init(vgi_addrtab *t, size_t max)
{
	memset(t, 0, sizeof *t);
	t->max = max;
	t->seed = vgi_random_seed();
	if (!(t->slots = calloc(1024, sizeof *t->slots)))
		return VG_ENOMEM;
	t->mask = 1023;
	return VG_OK;
}

void vgi_addrtab_free(vgi_addrtab *t)
{
	free(t->addr);
	free(t->family);
	free(t->slots);
	memset(t, 0, sizeof *t);
}

static int grow_slots(vgi_addrtab *t)
{
	size_t nm = (t->mask + 1) * 2 - 1, i;
	uint32_t *ns = calloc(nm + 1, sizeof *ns);
	if (!ns)
		return -1;
	for (i = 0; i < t->n; i++) {
		size_t s;
		if (t->family[i] == REMOVED)
			continue;
		s = (size_t)hash(t, &t->addr[i]) & nm;
		while (ns[s])
			s = (s + 1) & nm;
		ns[s] = (uint32_t)(i + 1);
	}
	free(t->slots);
	t->slots = ns;
	t->mask = nm;
	return 0;
}

int64_t vgi_addrtab_find(const vgi_addrtab *t, const vg_addr *a)
{
	size_t s = (size_t)hash(t, a) & t->mask;
	uint32_t v;
	while ((v = t->slots[s]) != 0) {
		if (memcmp(&t->addr[v - 1], a, sizeof *a) == 0)
			return v - 1;
		s = (s + 1) & t->mask;
	}
	return -1;
}

int64_t vgi_addrtab_index(vgi_addrtab *t, const vg_addr *a, uint8_t family)
{
	size_t s = (size_t)hash(t, a) & t->mask, i;
	uint32_t v;
	while ((v = t->slots[s]) != 0) {
		if (memcmp(&t->addr[v - 1], a, sizeof *a) == 0)
			return v - 1;
		s = (s + 1) & t->mask;
	}
	if (t->live >= t->max || (!t->free_head && t->n >= UINT32_MAX - 1)) {
		t->n_refused++;
		return -1;
	}
	if (!t->free_head && t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		vg_addr *na = realloc(t->addr, cap * sizeof *na);
		uint8_t *nf;
		if (!na) {
			t->n_refused++;
			return -1;
		}
		t->addr = na;
		if (!(nf = realloc(t->family, cap))) {
			t->n_refused++;
			return -1;
		}
		t->family = nf;
		t->cap = cap;
	}
	if ((t->live + 1) * 2 > t->mask + 1) {
		if (grow_slots(t)) {
			t->n_refused++;
			return -1;
		}
		s = (size_t)hash(t, a) & t->mask;
		while (t->slots[s])
			s = (s + 1) & t->mask;
	}
	if (t->free_head) {
		i = t->free_head - 1;
		memcpy(&t->free_head, &t->addr[i], sizeof t->free_head);
	} else {
		i = t->n++;
	}
	t->addr[i] = *a;
	t->family[i] = family;
	t->slots[s] = (uint32_t)(i + 1);
	t->live++;
	return (int64_t)i;
}

/* Backward-shift deletion: the entries after the hole that could live in
 * it move back, so no probe sequence is broken and no tombstone is left. */
void vgi_addrtab_remove(vgi_addrtab *t, size_t i)
{
	size_t s = (size_t)hash(t, &t->addr[i]) & t->mask, j;
	while (t->slots[s] != i + 1) {
		if (!t->slots[s])
			return; /* not held */
		s = (s + 1) & t->mask;
	}
	for (j = s;;) {
		size_t home;
		uint32_t v;
		j = (j + 1) & t->mask;
		if (!(v = t->slots[j]))
			break;
		home = (size_t)hash(t, &t->addr[v - 1]) & t->mask;
		if ((j > s && (home <= s || home > j)) || (j < s && home <= s && home > j)) {
			t->slots[s] = v;
			s = j;
		}
	}
	t->slots[s] = 0;
	memset(&t->addr[i], 0, sizeof t->addr[i]);
	memcpy(&t->addr[i], &t->free_head, sizeof t->free_head);
	t->family[i] = REMOVED;
	t->free_head = (uint32_t)(i + 1);
	t->live--;
}
