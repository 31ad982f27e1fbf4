/*
 * prefetch.c - reading ahead in a thread (vg_reader_opts.prefetch): a
 * worker runs the sequential reader into a few batches while the caller
 * works on the previous ones; the caller gets exactly what a read in its
 * own thread would give, messages and statistics included.
 */
#include <stdlib.h>
#include <string.h>

#include "core/worker.h"
#include "read/read.h"

/* A worker reads ahead into PUMP_ITEMS items, one job per item, in order;
 * the caller hands out item seq's flows, then posts the item again. */
#define PUMP_ITEMS 4
#define PUMP_BATCH 4096

struct pump_item {
	vg_flow *flows;
	size_t n;
	int rc;
	char msg[VGI_ERRMSG_LEN];
	vg_reader_stats st;
};

struct vgi_pump {
	struct vgi_worker *w;
	struct pump_item items[PUMP_ITEMS];
	uint64_t head;       /* the item being handed out is job head */
	size_t taken;        /* flows of it handed out already */
};

static int read_job(void *user, void *job)
{
	vg_reader *r = user;
	struct pump_item *it = job;
	it->rc = vgi_read_sync(r, it->flows, PUMP_BATCH, &it->n);
	if (it->rc < 0)
		memcpy(it->msg, r->errmsg, sizeof it->msg);
	vgi_stats_now(r, &it->st);
	return VG_OK;
}

void vgi_prefetch_stop(vg_reader *r)
{
	struct vgi_pump *p = r->pump;
	size_t i;
	if (!p)
		return;
	vgi_worker_stop_now(p->w);
	for (i = 0; i < PUMP_ITEMS; i++)
		free(p->items[i].flows);
	free(p);
	r->pump = NULL;
}

/* Starts the prefetch thread; on any failure reading just stays in the
 * caller's thread. */
void vgi_prefetch_start(vg_reader *r)
{
	struct vgi_pump *p = calloc(1, sizeof *p);
	size_t i;
	if (!p)
		return;
	for (i = 0; i < PUMP_ITEMS; i++)
		if (!(p->items[i].flows = malloc(PUMP_BATCH * sizeof(vg_flow))))
			break;
	r->pub_st = r->st;
	if (i < PUMP_ITEMS || vgi_worker_start(&p->w, read_job, r, PUMP_ITEMS) != VG_OK) {
		while (i--)
			free(p->items[i].flows);
		free(p);
		return;
	}
	r->pump = p;
	for (i = 0; i < PUMP_ITEMS; i++)
		vgi_worker_post(p->w, &p->items[i]);
}

/* Hands out the flows of the item at the head (cap > 0). */
int vgi_prefetch_read(vg_reader *r, vg_flow *out, size_t cap, size_t *n)
{
	struct vgi_pump *p = r->pump;
	struct pump_item *it;
	size_t k;
	int rc;

	vgi_worker_wait(p->w, p->head);
	it = &p->items[p->head % PUMP_ITEMS];

	r->pub_st = it->st;
	if (it->rc == VG_DONE && it->n == 0)
		return VG_DONE; /* stays at the head: every later call ends too */
	if (it->rc < 0 && it->n == 0) {
		memcpy(r->pub_errmsg, it->msg, sizeof r->pub_errmsg);
		rc = it->rc;
		k = 0;
	} else {
		rc = VG_OK;
		k = VGI_MIN(cap, it->n - p->taken);
		memcpy(out, it->flows + p->taken, k * sizeof *out);
		p->taken += k;
		*n = k;
		if (p->taken < it->n)
			return VG_OK;
	}
	/* the item is used up: it reads the next batch but PUMP_ITEMS - 1 */
	p->taken = 0;
	p->head++;
	vgi_worker_post(p->w, it);
	return rc;
}
