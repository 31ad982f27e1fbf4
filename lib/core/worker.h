/*
 * worker.h - a thread that consumes batches of flows (with scan event ids)
 * beside the thread that produces them: the producer copies into a small
 * ring and goes on; the worker calls fn on each batch in order. Used to run
 * the study beside the reading, merging and scan detection.
 */
#ifndef VGI_WORKER_H
#define VGI_WORKER_H

#include "core/core.h"

typedef int (*vgi_work_fn)(void *user, const vg_flow *flows, const uint32_t *ids,
			   size_t n);

struct vgi_worker;

/* VG_OK with *w set, or an error (then the caller stays synchronous). */
int vgi_worker_start(struct vgi_worker **w, vgi_work_fn fn, void *user);
/* Queues n flows (ids may be NULL), waiting while the ring is full. */
int vgi_worker_add(struct vgi_worker *w, const vg_flow *flows, const uint32_t *ids,
		   size_t n);
/* Hands over what is queued, waits for the worker to finish it and ends
 * the thread. Returns the first error fn returned. Frees w. */
int vgi_worker_stop(struct vgi_worker *w);

#endif
