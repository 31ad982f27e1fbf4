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

struct jobs {
	int order[64];
	int n;
	int fail_at;
};

static int run_job(void *user, void *job)
{
	struct jobs *j = user;
	int k = *(int *)job;
	j->order[j->n++] = k; /* one job at a time: no lock needed */
	return k == j->fail_at ? VG_EFORMAT : VG_OK;
}

TEST(worker_order_and_error)
{
	struct vgi_worker *w;
	struct jobs j;
	int ids[64], k;
	memset(&j, 0, sizeof j);
	j.fail_at = 17;
	CHECK_EQ_INT(vgi_worker_start(&w, run_job, &j, 3), VG_OK);
	for (k = 0; k < 40; k++) {
		ids[k] = k;
		CHECK(vgi_worker_post(w, &ids[k]) == (uint64_t)k);
	}
	CHECK_EQ_INT(vgi_worker_wait(w, 39), VG_EFORMAT);
	CHECK_EQ_INT(j.n, 40);
	for (k = 0; k < 40; k++)
		CHECK_EQ_INT(j.order[k], k);
	CHECK_EQ_INT(vgi_worker_stop(w), VG_EFORMAT);
}

/* A job the caller takes over runs once, in the caller's thread. */
static int count_job(void *user, void *job)
{
	(void)user;
	__atomic_add_fetch((int *)job, 1, __ATOMIC_SEQ_CST);
	return VG_OK;
}

TEST(worker_take)
{
	struct vgi_worker *w;
	int cnt[32], k, taken = 0;
	memset(cnt, 0, sizeof cnt);
	CHECK_EQ_INT(vgi_worker_start(&w, count_job, NULL, 2), VG_OK);
	for (k = 0; k < 32; k++) {
		uint64_t seq = vgi_worker_post(w, &cnt[k]);
		taken += vgi_worker_take(w, seq);
		CHECK_EQ_INT(vgi_worker_wait(w, seq), VG_OK);
		CHECK_EQ_INT(__atomic_load_n(&cnt[k], __ATOMIC_SEQ_CST), 1);
	}
	CHECK_EQ_INT(vgi_worker_take(w, 99), 0); /* not posted */
	CHECK_EQ_INT(vgi_worker_stop(w), VG_OK);
	for (k = 0; k < 32; k++)
		CHECK_EQ_INT(cnt[k], 1);
	(void)taken;
}

static int flows_seen(void *user, const vg_flow *f, const uint32_t *ids, size_t n)
{
	uint64_t *sum = user;
	size_t i;
	for (i = 0; i < n; i++)
		*sum = *sum * 31 + (uint64_t)f[i].sport + (ids ? ids[i] : 0) * 7;
	return VG_OK;
}

/* The flow queue hands every flow over in order, with its id (0 without). */
TEST(flowq_in_order)
{
	static vg_flow f[5000];
	static uint32_t id[5000];
	struct vgi_flowq *q;
	uint64_t got = 0, want = 0;
	size_t i;
	for (i = 0; i < 5000; i++) {
		memset(&f[i], 0, sizeof f[i]);
		f[i].sport = (uint16_t)(i * 13);
		id[i] = (uint32_t)i % 5;
	}
	for (i = 0; i < 5000; i++)
		want = want * 31 + f[i].sport + (i >= 1000 && i < 3500 ? id[i] : 0) * 7;
	CHECK_EQ_INT(vgi_flowq_start(&q, flows_seen, &got), VG_OK);
	vgi_flowq_add(q, f, NULL, 1000);
	vgi_flowq_add(q, f + 1000, id + 1000, 2500);
	vgi_flowq_add(q, f + 3500, NULL, 1500);
	CHECK_EQ_INT(vgi_flowq_stop(q), VG_OK);
	CHECK(got == want);
}

/* vgi_grow doubles from its first size and stops at its cap. */
TEST(grow_doubling_cap)
{
	int *a = NULL;
	size_t cap = 0, n, seen[8], k = 0;
	for (n = 0; n < 100; n++) {
		if (vgi_grow(&a, &cap, n, sizeof *a, 4, 40)) {
			CHECK_EQ_INT((int)n, 40); /* refused exactly at the cap */
			break;
		}
		a[n] = (int)n;
		if (k == 0 || seen[k - 1] != cap)
			seen[k++] = cap;
	}
	CHECK_EQ_INT((int)k, 5);
	CHECK_EQ_INT((int)seen[0], 4);
	CHECK_EQ_INT((int)seen[1], 8);
	CHECK_EQ_INT((int)seen[3], 32);
	CHECK_EQ_INT((int)seen[4], 40); /* the last step is cut to the cap */
	for (n = 0; n < 40; n++)
		CHECK_EQ_INT(a[n], (int)n);
	free(a);
}
