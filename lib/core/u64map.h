/*
 * u64map.h - an open-addressing hash map from 64-bit keys to 32-bit
 * counters, the workhorse of the analyses (source x day, source x port,
 * ...). Keys are packed integers; UINT64_MAX is reserved. The map has a
 * cap: once full, new keys are refused and counted in n_dropped, so that
 * hostile input (spoofed sources) cannot grow memory without bound.
 * A map made with vgi_u64set_init keeps no counters (8 bytes a slot): it
 * is a set, and get() says 1 for a member.
 */
#ifndef VGI_U64MAP_H
#define VGI_U64MAP_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

#define VGI_U64MAP_EMPTY UINT64_MAX

typedef struct vgi_u64map {
	uint64_t *keys;
	uint32_t *vals;
	size_t mask;       /* slots - 1 */
	size_t n;          /* keys held */
	size_t cap;        /* most keys it may hold */
	uint64_t n_dropped;/* adds refused because of cap */
	uint64_t seed;
	int is_set;        /* no counters */
} vgi_u64map;

int vgi_u64map_init(vgi_u64map *m, size_t cap);
int vgi_u64set_init(vgi_u64map *m, size_t cap);
void vgi_u64map_free(vgi_u64map *m);
/* Adds v to key's counter (creating it at 0). Returns 1 if the key is new,
 * 0 if it existed, -1 if refused (cap or memory). Counters saturate. */
int vgi_u64map_add(vgi_u64map *m, uint64_t key, uint32_t v);
/* Sets key's counter to v (creating it); -1 if refused. */
int vgi_u64map_put(vgi_u64map *m, uint64_t key, uint32_t v);
/* Starts loading key's slot into the cache (for a batch of adds: prefetch
 * them all, then add; the loads overlap instead of waiting one by one). */
static inline void vgi_u64map_prefetch(const vgi_u64map *m, uint64_t key)
{
	size_t s = (size_t)vgi_mix64(key ^ m->seed) & m->mask; /* as slot_of */
	__builtin_prefetch(&m->keys[s], 1);
	if (m->vals)
		__builtin_prefetch(&m->vals[s], 1);
}

/* The counter of key, or 0. */
uint32_t vgi_u64map_get(const vgi_u64map *m, uint64_t key);

/* Iterate: for (i = 0; vgi_u64map_next(m, &i, &k, &v); ) */
int vgi_u64map_next(const vgi_u64map *m, size_t *i, uint64_t *key, uint32_t *val);

#endif
