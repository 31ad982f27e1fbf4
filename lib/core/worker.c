/*
 * worker.c - see worker.h. Jobs sit in a ring of MAX_DEPTH entries by
 * sequence number. Three counters only grow, under the mutex: posted (the
 * next number), begun (the next the thread takes), done (every job below it
 * is finished). A job taken by the caller is finished out of turn, so each
 * entry has its own finished flag and done advances over the flags.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/worker.h"

struct vgi_worker {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	vgi_job_fn fn;
	void *user;
	unsigned depth;
	uint64_t posted, begun, done;
	void *job[VGI_WORKER_MAX_DEPTH];
	uint8_t finished[VGI_WORKER_MAX_DEPTH];
	int stop, drop, rc;
};

/* Under the mutex: job seq ended with rc. */
static void finish(struct vgi_worker *w, uint64_t seq, int rc)
{
	if (rc != VG_OK && w->rc == VG_OK)
		w->rc = rc;
	w->finished[seq % VGI_WORKER_MAX_DEPTH] = 1;
	while (w->done < w->begun && w->finished[w->done % VGI_WORKER_MAX_DEPTH]) {
		w->finished[w->done % VGI_WORKER_MAX_DEPTH] = 0;
		w->done++;
	}
	pthread_cond_broadcast(&w->cv);
}

/* Under the mutex: takes job seq (the next not begun) and runs it with
 * the mutex released. */
static void run_job(struct vgi_worker *w, uint64_t seq)
{
	void *job = w->job[seq % VGI_WORKER_MAX_DEPTH];
	int rc;
	w->begun++;
	pthread_mutex_unlock(&w->mu);
	rc = w->fn(w->user, job);
	pthread_mutex_lock(&w->mu);
	finish(w, seq, rc);
}

static void *work_main(void *arg)
{
	struct vgi_worker *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->begun == w->posted && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->begun == w->posted || w->drop)
			break;
		run_job(w, w->begun);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int vgi_worker_start(struct vgi_worker **wp, vgi_job_fn fn, void *user, unsigned depth)
{
	struct vgi_worker *w = calloc(1, sizeof *w);
	*wp = NULL;
	if (!w)
		return VG_ENOMEM;
	w->fn = fn;
	w->user = user;
	w->depth = depth < 1 ? 1 : depth > VGI_WORKER_MAX_DEPTH ? VGI_WORKER_MAX_DEPTH : depth;
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

uint64_t vgi_worker_post(struct vgi_worker *w, void *job)
{
	uint64_t seq;
	pthread_mutex_lock(&w->mu);
	while (w->posted - w->done >= w->depth)
		pthread_cond_wait(&w->cv, &w->mu);
	seq = w->posted++;
	w->job[seq % VGI_WORKER_MAX_DEPTH] = job;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return seq;
}

int vgi_worker_take(struct vgi_worker *w, uint64_t seq)
{
	pthread_mutex_lock(&w->mu);
	if (w->begun != seq || seq >= w->posted) {
		pthread_mutex_unlock(&w->mu);
		return 0;
	}
	run_job(w, seq);
	pthread_mutex_unlock(&w->mu);
	return 1;
}

int vgi_worker_wait(struct vgi_worker *w, uint64_t seq)
{
	int rc;
	pthread_mutex_lock(&w->mu);
	while (w->done <= seq && seq < w->posted)
		pthread_cond_wait(&w->cv, &w->mu);
	rc = w->rc;
	pthread_mutex_unlock(&w->mu);
	return rc;
}

static int end(struct vgi_worker *w, int drop)
{
	int rc;
	if (!w)
		return VG_OK;
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	w->drop = drop;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	rc = w->rc;
	free(w);
	return rc;
}

int vgi_worker_stop(struct vgi_worker *w)
{
	return end(w, 0);
}

void vgi_worker_stop_now(struct vgi_worker *w)
{
	(void)end(w, 1);
}

/* ------------------------------------------------------------ flow queue */

#define RING 4
#define BATCH 2048

struct fbatch {
	vg_flow flows[BATCH];
	uint32_t ids[BATCH];
	size_t n;
	int has_ids;
};

struct vgi_flowq {
	struct vgi_worker *w;
	vgi_flows_fn fn;
	void *user;
	uint64_t head;        /* the batch being filled is ring[head % RING] */
	struct fbatch ring[RING];
};

static int run_batch(void *user, void *job)
{
	struct vgi_flowq *q = user;
	struct fbatch *b = job;
	return q->fn(q->user, b->flows, b->has_ids ? b->ids : NULL, b->n);
}

int vgi_flowq_start(struct vgi_flowq **qp, vgi_flows_fn fn, void *user)
{
	struct vgi_flowq *q = malloc(sizeof *q);
	*qp = NULL;
	if (!q)
		return VG_ENOMEM;
	q->fn = fn;
	q->user = user;
	q->head = 0;
	q->ring[0].n = 0;
	q->ring[0].has_ids = 0;
	/* RING - 1 outstanding: the batch being filled is never the thread's */
	if (vgi_worker_start(&q->w, run_batch, q, RING - 1) != VG_OK) {
		free(q);
		return VG_ENOMEM;
	}
	*qp = q;
	return VG_OK;
}

static void push(struct vgi_flowq *q)
{
	struct fbatch *b;
	vgi_worker_post(q->w, &q->ring[q->head % RING]);
	b = &q->ring[++q->head % RING];
	b->n = 0;
	b->has_ids = 0;
}

void vgi_flowq_add(struct vgi_flowq *q, const vg_flow *flows, const uint32_t *ids, size_t n)
{
	while (n) {
		struct fbatch *b = &q->ring[q->head % RING];
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
			push(q);
	}
}

int vgi_flowq_stop(struct vgi_flowq *q)
{
	int rc;
	if (!q)
		return VG_OK;
	if (q->ring[q->head % RING].n)
		push(q);
	rc = vgi_worker_stop(q->w);
	free(q);
	return rc;
}
