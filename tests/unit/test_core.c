/*
 * test_core.c - the core containers and mechanisms against plain models:
 * vgi_addrtab (adds, finds, removes and index reuse, checked after every
 * step against a linear list) and vgi_worker (jobs run in order, in another
 * thread, and the first error comes back).
 */
#include <stdlib.h>
#include <string.h>

#include "core/addrtab.h"
#include "core/worker.h"
#include "harness.h"

#define SPACE 5000 /* addresses drawn from 10.0.0.0 + [0, SPACE) */

static uint64_t rnd_state = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint32_t)(rnd_state >> 11);
}

/* The model: model[a] = index + 1 of address a, 0 when not held. */
TEST(addrtab_model)
{
	static uint32_t model[SPACE];
	static uint8_t used[1u << 16];
	vgi_addrtab t;
	size_t live = 0, high = 0, step, a; /* held, indices handed out */
	int bad = 0;
	memset(model, 0, sizeof model);
	memset(used, 0, sizeof used);
	CHECK_EQ_INT(vgi_addrtab_init(&t, SIZE_MAX), VG_OK);
	for (step = 0; step < 200000 && !bad; step++) {
		uint32_t r = rnd(), x = r % SPACE;
		vg_addr ad;
		int64_t i;
		vg_addr_from_ip4(&ad, 0x0a000000u + x);
		if ((r >> 20) % 3 == 0 && model[x]) {
			/* remove */
			vgi_addrtab_remove(&t, model[x] - 1);
			used[model[x] - 1] = 0;
			model[x] = 0;
			live--;
		} else {
			int64_t f = vgi_addrtab_find(&t, &ad);
			if (f != (int64_t)model[x] - 1) {
				CHECK(f == (int64_t)model[x] - 1);
				bad = 1;
			}
			i = vgi_addrtab_index(&t, &ad, VG_FAM_IP4);
			if (model[x]) {
				if (i != (int64_t)model[x] - 1)
					bad = 1;
			} else {
				/* a new index: not in use; a removed one while any is
				 * left, else the next one */
				if (i < 0 || i >= 65536 || used[i] ||
				    (size_t)i != (high == live ? high : (size_t)i) || (size_t)i > high)
					bad = 1;
				else {
					used[i] = 1;
					model[x] = (uint32_t)i + 1;
					live++;
					if ((size_t)i == high)
						high++;
				}
			}
			CHECK(!bad);
		}
		CHECK_EQ_INT((int)t.live, (int)live);
	}
	/* every held address is found at its index, with its family */
	for (a = 0; a < SPACE; a++) {
		vg_addr ad;
		vg_addr_from_ip4(&ad, 0x0a000000u + (uint32_t)a);
		CHECK(vgi_addrtab_find(&t, &ad) == (int64_t)model[a] - 1);
		if (model[a]) {
			CHECK(memcmp(&t.addr[model[a] - 1], &ad, sizeof ad) == 0);
			CHECK(t.family[model[a] - 1] == VG_FAM_IP4);
		}
	}
	CHECK_EQ_INT((int)t.n, (int)high);
	CHECK(t.n <= SPACE); /* indices are reused: never more than were held at once */
	vgi_addrtab_free(&t);
}

TEST(addrtab_cap)
{
	vgi_addrtab t;
	vg_addr ad;
	uint32_t k;
	CHECK_EQ_INT(vgi_addrtab_init(&t, 100), VG_OK);
	for (k = 0; k < 150; k++) {
		vg_addr_from_ip4(&ad, 0xc0000200u + k);
		CHECK((vgi_addrtab_index(&t, &ad, VG_FAM_IP4) < 0) == (k >= 100));
	}
	CHECK_EQ_INT((int)t.n_refused, 50);
	/* a removed index makes room for one more */
	vgi_addrtab_remove(&t, 7);
	vg_addr_from_ip4(&ad, 0xc0000200u + 120);
	CHECK(vgi_addrtab_index(&t, &ad, VG_FAM_IP4) == 7);
	vg_addr_from_ip4(&ad, 0xc0000200u + 121);
	CHECK(vgi_addrtab_index(&t, &ad, VG_FAM_IP4) < 0);
	vgi_addrtab_free(&t);
}
