/*
 * merge.h - what the library adds to the public vg_merger: its open state
 * saved and put back (the pipeline's open tail between two ingests).
 */
#ifndef VGI_MERGE_H
#define VGI_MERGE_H

#include "vigil.h"
#include "core/buf.h"

/* Appends the open flows, the flows waiting to go out in time order and
 * the unpaired one-way flows to b. */
int vgi_merger_save(const vg_merger *m, struct vgi_buf *b);
/* Puts saved state back into a new merger; VG_EFORMAT if c is not one. */
int vgi_merger_load(vg_merger *m, vgi_cur *c);

#endif
