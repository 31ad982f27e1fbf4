/*
 * worker.h - the one thread mechanism of the library. A worker is a thread
 * that runs the jobs posted to it, one at a time, in the order posted; the
 * poster waits only when too many are outstanding. Every thread of vigil is
 * one of these: the reader's prefetch and its parallel chunks, the flow
 * queues of the study, the scans, the alerts and the rollup counter, and
 * the pipeline's two rollup sinks.
 *
 * A job is the caller's pointer; the caller keeps the memory it points to
 * until the job is done (vgi_worker_wait). If a worker cannot be started,
 * the caller runs its jobs itself (every user below does so).
 */
#ifndef VGI_WORKER_H
#define VGI_WORKER_H

#include "core/core.h"

#define VGI_WORKER_MAX_DEPTH 8

typedef int (*vgi_job_fn)(void *user, void *job);

struct vgi_worker;

/* VG_OK with *w set, or VG_ENOMEM. At most depth (1..MAX_DEPTH) jobs may be
 * outstanding (posted and not done). */
int vgi_worker_start(struct vgi_worker **w, vgi_job_fn fn, void *user, unsigned depth);
/* Queues job, first waiting while depth jobs are outstanding. Returns its
 * sequence number (0, 1, 2, ...). */
uint64_t vgi_worker_post(struct vgi_worker *w, void *job);
/* Runs job seq in the caller's thread if the worker has not begun it yet
 * (it then skips it): 1 if it ran here, 0 if it is the worker's. For jobs
 * that do not depend on each other (the parallel chunks). */
int vgi_worker_take(struct vgi_worker *w, uint64_t seq);
/* Waits until job seq and every job before it are done. Returns the first
 * error a job returned so far. */
int vgi_worker_wait(struct vgi_worker *w, uint64_t seq);
/* Waits for every job, ends the thread, frees w; the first error. */
int vgi_worker_stop(struct vgi_worker *w);
/* Ends the thread after the job it runs now (jobs not begun are dropped:
 * a reader closed early reads no further), frees w. */
void vgi_worker_stop_now(struct vgi_worker *w);

/*
 * A flow queue: batches of flows (with scan event ids) for a consumer on a
 * worker. The producer's flows are copied into a ring of batches and it goes
 * on; fn gets each batch in order. Without a thread (vgi_flowq_start
 * failed), the caller calls its consumer itself.
 */
typedef int (*vgi_flows_fn)(void *user, const vg_flow *flows, const uint32_t *ids,
			    size_t n);

struct vgi_flowq;

int vgi_flowq_start(struct vgi_flowq **q, vgi_flows_fn fn, void *user);
/* Queues n flows (ids may be NULL). */
void vgi_flowq_add(struct vgi_flowq *q, const vg_flow *flows, const uint32_t *ids,
		   size_t n);
/* Hands over what is queued, waits for it, ends the thread, frees q; the
 * first error fn returned. */
int vgi_flowq_stop(struct vgi_flowq *q);

#endif
