/*
 * u64map.c - see u64map.h. Linear probing over a power-of-two table kept
 * at most 70 % full; keys and counters in two arrays (12 bytes a slot, 8
 * for a set).
 */
#include <stdlib.h>

#include "core/core.h"
#include "core/u64map.h"

static int alloc_table(vgi_u64map *m, size_t slots)
{
	size_t i;
	m->keys = malloc(slots * sizeof *m->keys);
	m->vals = m->is_set ? NULL : calloc(slots, sizeof *m->vals);
	if (!m->keys || (!m->is_set && !m->vals)) {
		free(m->keys);
		free(m->vals);
		m->keys = NULL;
		m->vals = NULL;
		return VG_ENOMEM;
	}
	for (i = 0; i < slots; i++)
		m->keys[i] = VGI_U64MAP_EMPTY;
	m->mask = slots - 1;
	return VG_OK;
}

static int init(vgi_u64map *m, size_t cap, int is_set)
{
	memset(m, 0, sizeof *m);
	m->is_set = is_set;
	m->cap = cap ? cap : (size_t)1 << 30;
	m->seed = vgi_random_seed();
	return alloc_table(m, 1024);
}

int vgi_u64map_init(vgi_u64map *m, size_t cap)
{
	return init(m, cap, 0);
}

int vgi_u64set_init(vgi_u64map *m, size_t cap)
{
	return init(m, cap, 1);
}

void vgi_u64map_free(vgi_u64map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}

static inline size_t slot_of(const vgi_u64map *m, uint64_t key)
{
	return (size_t)vgi_mix64(key ^ m->seed) & m->mask;
}

static int grow(vgi_u64map *m)
{
	vgi_u64map old = *m;
	size_t i;
	if (alloc_table(m, (old.mask + 1) * 2) != VG_OK) {
		*m = old;
		return VG_ENOMEM;
	}
	for (i = 0; i <= old.mask; i++) {
		size_t s;
		if (old.keys[i] == VGI_U64MAP_EMPTY)
			continue;
		s = slot_of(m, old.keys[i]);
		while (m->keys[s] != VGI_U64MAP_EMPTY)
			s = (s + 1) & m->mask;
		m->keys[s] = old.keys[i];
		if (!m->is_set)
			m->vals[s] = old.vals[i];
	}
	free(old.keys);
	free(old.vals);
	return VG_OK;
}

int vgi_u64map_add(vgi_u64map *m, uint64_t key, uint32_t v)
{
	size_t s = slot_of(m, key);
	for (;;) {
		uint64_t k = m->keys[s];
		if (k == key) {
			uint32_t old;
			if (m->is_set)
				return 0;
			old = m->vals[s];
			m->vals[s] = old + v < old ? UINT32_MAX : old + v;
			return 0;
		}
		if (k == VGI_U64MAP_EMPTY)
			break;
		s = (s + 1) & m->mask;
	}
	if (m->n >= m->cap) {
		m->n_dropped++;
		return -1;
	}
	if ((m->n + 1) * 10 > (m->mask + 1) * 7) {
		if (grow(m) != VG_OK) {
			m->n_dropped++;
			return -1;
		}
		s = slot_of(m, key);
		while (m->keys[s] != VGI_U64MAP_EMPTY)
			s = (s + 1) & m->mask;
	}
	m->keys[s] = key;
	if (!m->is_set)
		m->vals[s] = v;
	m->n++;
	return 1;
}

int vgi_u64map_put(vgi_u64map *m, uint64_t key, uint32_t v)
{
	int rc = vgi_u64map_add(m, key, 0);
	size_t s;
	if (rc < 0 || m->is_set)
		return rc;
	s = slot_of(m, key);
	while (m->keys[s] != key)
		s = (s + 1) & m->mask;
	m->vals[s] = v;
	return rc;
}

uint32_t vgi_u64map_get(const vgi_u64map *m, uint64_t key)
{
	size_t s = slot_of(m, key);
	for (;;) {
		uint64_t k = m->keys[s];
		if (k == key)
			return m->is_set ? 1 : m->vals[s];
		if (k == VGI_U64MAP_EMPTY)
			return 0;
		s = (s + 1) & m->mask;
	}
}

int vgi_u64map_next(const vgi_u64map *m, size_t *i, uint64_t *key, uint32_t *val)
{
	while (*i <= m->mask) {
		size_t s = (*i)++;
		if (m->keys[s] != VGI_U64MAP_EMPTY) {
			*key = m->keys[s];
			*val = m->is_set ? 1 : m->vals[s];
			return 1;
		}
	}
	return 0;
}
