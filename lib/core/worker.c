/*
 * worker.c - see worker.h. A ring of RING batches: the producer fills
 * ring[head % RING], the worker drains ring[tail % RING]; head and tail only
 * grow, under the mutex.
 */
#include <pthread.h>
#include <stdlib.h>

#include "core/worker.h"

#define RING 4
#define BATCH 2048

struct wbatch {
	vg_flow flows[BATCH];
	uint32_t ids[BATCH];
	size_t n;
	int has_ids;
};

struct vgi_worker {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t head, tail;  /* batches handed over, batches done */
	int stop, rc;
	vgi_work_fn fn;
	void *user;
	struct wbatch ring[RING];
};

static void *work_main(void *arg)
{
	struct vgi_worker *w = arg;
	for (;;) {
		struct wbatch *b;
		int rc;
		pthread_mutex_lock(&w->mu);
		while (w->tail == w->head && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->tail == w->head) {
			pthread_mutex_unlock(&w->mu);
			return NULL;
		}
		b = &w->ring[w->tail % RING];
		pthread_mutex_unlock(&w->mu);
		rc = w->fn(w->user, b->flows, b->has_ids ? b->ids : NULL, b->n);
		pthread_mutex_lock(&w->mu);
		if (rc != VG_OK && w->rc == VG_OK)
			w->rc = rc;
		w->tail++;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
	}
}

int vgi_worker_start(struct vgi_worker **wp, vgi_work_fn fn, void *user)
{
	struct vgi_worker *w = calloc(1, sizeof *w);
	*wp = NULL;
	if (!w)
		return VG_ENOMEM;
	w->fn = fn;
	w->user = user;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (pthread_create(&w->th, NULL, work_main, w) != 0) {
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
		free(w);
		return VG_ENOMEM;
	}
	*wp = w;
	return VG_OK;
}

/* hands the batch being filled to the worker, waiting for room */
static void push(struct vgi_worker *w)
{
	pthread_mutex_lock(&w->mu);
	w->head++;
	pthread_cond_broadcast(&w->cv);
	while (w->head - w->tail >= RING)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
	w->ring[w->head % RING].n = 0;
	w->ring[w->head % RING].has_ids = 0;
}

int vgi_worker_add(struct vgi_worker *w, const vg_flow *flows, const uint32_t *ids,
		   size_t n)
{
	while (n) {
		struct wbatch *b = &w->ring[w->head % RING];
		size_t k = VGI_MIN(n, BATCH - b->n), i;
		memcpy(b->flows + b->n, flows, k * sizeof *flows);
		if (ids) {
			if (!b->has_ids) {
				memset(b->ids, 0, b->n * sizeof *b->ids);
				b->has_ids = 1;
			}
			memcpy(b->ids + b->n, ids, k * sizeof *ids);
		} else if (b->has_ids) {
			for (i = 0; i < k; i++)
				b->ids[b->n + i] = 0;
		}
		b->n += k;
		flows += k;
		if (ids)
			ids += k;
		n -= k;
		if (b->n == BATCH)
			push(w);
	}
	return VG_OK; /* fn's errors come out of vgi_worker_stop */
}

int vgi_worker_stop(struct vgi_worker *w)
{
	int rc;
	if (!w)
		return VG_OK;
	if (w->ring[w->head % RING].n)
		push(w);
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	rc = w->rc;
	free(w);
	return rc;
}
