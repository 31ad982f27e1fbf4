/*
 * fmt_netflow.c - NetFlow v5, v9 and IPFIX as a pushed format of the
 * reader (vg_reader_open_push "netflow"): each datagram the caller pushes
 * goes through the decoder (netflow.c, vg_nf_*), and the flows it yields
 * wait in a queue for the next vg_reader_read calls. The reader's
 * statistics count them, and data records without addresses as skipped
 * (no flow key); a malformed datagram is the reader's error, with the
 * decoder's message (exporter and byte offset).
 */
#include <stdlib.h>
#include <string.h>

#include "read/netflow.h"
#include "read/read.h"

#define QUEUE_MAX ((size_t)1 << 20) /* flows waiting; a datagram holds far fewer */

struct nf_push {
	vg_nf *dec;
	vg_flow *q;
	size_t n, head, cap;
	uint64_t dropped;        /* flows past QUEUE_MAX (the caller did not read) */
};

static int open_push(vg_reader *r)
{
	struct nf_push *st = calloc(1, sizeof *st);
	if (!st || vg_nf_create(&st->dec, NULL) != VG_OK) {
		free(st);
		vgi_errf(r->errmsg, "%s: out of memory", r->name);
		return VG_ENOMEM;
	}
	r->fmt_state = st;
	return VG_OK;
}

static int queue_flow(void *user, const vg_flow *f)
{
	vg_reader *r = user;
	struct nf_push *st = r->fmt_state;
	r->st.n_records++;
	if (vgi_grow(&st->q, &st->cap, st->n, sizeof *st->q, 256, QUEUE_MAX)) {
		st->dropped++;
		r->st.skipped[VG_SKIP_TRUNCATED]++;
		return 0;
	}
	st->q[st->n++] = *f;
	r->st.n_flows++;
	vgi_note_times(r, f);
	return 0;
}

static int push(vg_reader *r, const void *p, size_t len, const vg_nf_peer *from,
		int64_t now_us)
{
	struct nf_push *st = r->fmt_state;
	uint64_t noflow = vgi_nf_noflow(st->dec);
	int rc = vg_nf_feed(st->dec, from, p, len, now_us, queue_flow, r);
	/* data records without addresses are no flows: skipped, counted */
	noflow = vgi_nf_noflow(st->dec) - noflow;
	r->st.n_records += noflow;
	r->st.skipped[VG_SKIP_NOFLOW] += noflow;
	r->base += len; /* bytes_decoded: the datagrams' bytes */
	if (rc == VG_ERECORD || rc == VG_ELIMIT)
		vgi_errf(r->errmsg, "%s: %s", r->name, vg_nf_errmsg(st->dec));
	return rc;
}

static int read_push(vg_reader *r, vg_flow *out, size_t cap, size_t *n)
{
	struct nf_push *st = r->fmt_state;
	size_t k = VGI_MIN(cap, st->n - st->head);
	if (k) /* none queued yet: q may be NULL */
		memcpy(out, st->q + st->head, k * sizeof *out);
	st->head += k;
	if (st->head == st->n)
		st->head = st->n = 0;
	*n = k;
	return VG_OK;
}

static void close_push(vg_reader *r)
{
	struct nf_push *st = r->fmt_state;
	if (!st)
		return;
	vg_nf_free(st->dec);
	free(st->q);
	free(st);
	r->fmt_state = NULL;
}

const vg_nf *vg_reader_netflow(const vg_reader *r)
{
	if (r && r->fmt == &vgi_fmt_listen)
		return vgi_listen_decoder(r);
	return r && r->fmt == &vgi_fmt_netflow && r->fmt_state
		       ? ((const struct nf_push *)r->fmt_state)->dec
		       : NULL;
}

const struct vgi_format vgi_fmt_netflow = {
	.name = "netflow",
	.doc = "NetFlow v5, v9 and IPFIX datagrams, pushed by a collector (vg_reader_push)",
	.open = open_push,
	.read = read_push,
	.close = close_push,
	.push = push,
};
