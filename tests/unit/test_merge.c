/*
 * test_merge.c - merging status reports into connections: the idle-gap
 * rule at its edges, keys, limits, and a randomised comparison with a
 * plain quadratic reference of the same rule.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vigil.h"

#define S 1000000LL

struct sink {
	vg_flow out[20000];
	size_t n;
};

static int collect(void *user, const vg_flow *f)
{
	struct sink *s = user;
	if (s->n < 20000)
		s->out[s->n++] = *f;
	return 0;
}

static vg_flow rec(unsigned src, unsigned sport, int64_t t0, int64_t t1)
{
	vg_flow f;
	memset(&f, 0, sizeof f);
	f.family = VG_FAM_IP4;
	f.proto = 6;
	vg_addr_from_ip4(&f.saddr, 0x0a000000u + src);
	vg_addr_from_ip4(&f.daddr, 0xc0000201u);
	f.sport = (uint16_t)sport;
	f.dport = 445;
	f.stime_us = t0;
	f.ltime_us = t1;
	f.spkts = 1;
	f.sbytes = 60;
	f.n_records = 1;
	f.tcp_status = VG_TCP_SAW_SYN;
	return f;
}

static struct sink *run(const vg_flow *in, size_t n, const vg_merge_opts *o)
{
	struct sink *s = calloc(1, sizeof *s);
	vg_merger *m = NULL;
	CHECK_EQ_INT(vg_merger_create(&m, o, collect, s), VG_OK);
	CHECK_EQ_INT(vg_merger_add(m, in, n), VG_OK);
	CHECK_EQ_INT(vg_merger_flush(m), VG_OK);
	vg_merger_free(m);
	return s;
}

TEST(merge_idle_gap_edges)
{
	vg_flow in[4];
	struct sink *s;
	in[0] = rec(1, 1000, 0, 10 * S);
	in[1] = rec(1, 1000, 10 * S + 120 * S - 1, 131 * S); /* gap 119.999999 s: same */
	in[2] = rec(1, 1000, 131 * S + 120 * S, 252 * S);    /* gap exactly 120 s: new */
	in[3] = rec(1, 1001, 5 * S, 6 * S);                  /* other port: other key */
	s = run(in, 4, NULL);
	CHECK_EQ_INT(s->n, 3);
	if (s->n == 3) {
		size_t i, found = 0;
		for (i = 0; i < 3; i++) {
			if (s->out[i].sport == 1000 && s->out[i].stime_us == 0) {
				CHECK_EQ_INT(s->out[i].ltime_us, 131 * S);
				CHECK_EQ_INT(s->out[i].spkts, 2);
				CHECK_EQ_INT(s->out[i].n_records, 2);
				found++;
			}
			if (s->out[i].sport == 1000 && s->out[i].stime_us == 251 * S) {
				CHECK_EQ_INT(s->out[i].n_records, 1);
				found++;
			}
		}
		CHECK_EQ_INT(found, 2);
	}
	free(s);
}

TEST(merge_out_of_order_and_icmp_ids)
{
	vg_flow in[4];
	struct sink *s;
	in[0] = rec(2, 80, 100 * S, 110 * S);
	in[1] = rec(2, 80, 30 * S, 40 * S); /* earlier, gap 60 s: merges */
	in[2] = rec(3, 8, 0, 0);
	in[2].proto = 1;
	in[2].icmp_id = 7;
	in[3] = in[2];
	in[3].icmp_id = 8; /* another echo id: another connection */
	s = run(in, 4, NULL);
	CHECK_EQ_INT(s->n, 3);
	if (s->n >= 1) {
		size_t i;
		for (i = 0; i < s->n; i++)
			if (s->out[i].proto == 6) {
				CHECK_EQ_INT(s->out[i].stime_us, 30 * S);
				CHECK_EQ_INT(s->out[i].ltime_us, 110 * S);
			}
	}
	free(s);
}

TEST(merge_caps_and_expiry)
{
	vg_flow in[3];
	vg_merge_opts o = {0};
	vg_merge_stats st;
	vg_merger *m = NULL;
	struct sink *s = calloc(1, sizeof *s);
	in[0] = rec(1, 1, 0, S);
	in[1] = rec(2, 1, S, 2 * S);
	in[2] = rec(3, 1, 2 * S, 3 * S);
	o.max_flows = 2;
	CHECK_EQ_INT(vg_merger_create(&m, &o, collect, s), VG_OK);
	vg_merger_add(m, in, 3);
	vg_merger_get_stats(m, &st);
	CHECK_EQ_INT(st.n_forced, 1);
	CHECK_EQ_INT(st.n_open, 2);
	CHECK_EQ_INT(s->n, 1);
	vg_merger_flush(m);
	CHECK_EQ_INT(s->n, 3);
	vg_merger_free(m);

	/* a flow idle for idle + reorder is finished before the flush */
	memset(&o, 0, sizeof o);
	o.idle_us = 10 * S;
	o.reorder_us = 5 * S;
	s->n = 0;
	CHECK_EQ_INT(vg_merger_create(&m, &o, collect, s), VG_OK);
	in[1] = rec(2, 1, 100 * S, 100 * S);
	vg_merger_add(m, in, 2);
	CHECK_EQ_INT(s->n, 1);
	vg_merger_get_stats(m, &st);
	CHECK_EQ_INT(st.n_open, 1);
	CHECK_EQ_INT(st.n_peak, 1);
	vg_merger_free(m);
	free(s);
}

/* The same rule, written the slow obvious way. */
static size_t reference(const vg_flow *in, size_t n, int64_t idle, vg_flow *out)
{
	size_t i, j, k = 0;
	vg_flow *open = calloc(n, sizeof *open);
	size_t n_open = 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < n_open; j++)
			if (vg_flow_same_key(&open[j], &in[i]))
				break;
		if (j == n_open) {
			open[n_open++] = in[i];
			continue;
		}
		{
			int64_t gap = 0;
			if (in[i].stime_us > open[j].ltime_us)
				gap = in[i].stime_us - open[j].ltime_us;
			else if (open[j].stime_us > in[i].ltime_us)
				gap = open[j].stime_us - in[i].ltime_us;
			if (gap >= idle) {
				out[k++] = open[j];
				open[j] = in[i];
			} else {
				vg_flow_merge(&open[j], &in[i]);
			}
		}
	}
	for (j = 0; j < n_open; j++)
		out[k++] = open[j];
	free(open);
	return k;
}

static int cmp_flow(const void *a, const void *b)
{
	const vg_flow *x = a, *y = b;
	int c = memcmp(&x->saddr, &y->saddr, sizeof x->saddr);
	if (c)
		return c;
	if (x->sport != y->sport)
		return x->sport < y->sport ? -1 : 1;
	if (x->stime_us != y->stime_us)
		return x->stime_us < y->stime_us ? -1 : 1;
	return 0;
}

TEST(merge_random_matches_reference)
{
	enum { N = 6000 };
	vg_flow *in = calloc(N, sizeof *in), *ref = calloc(N, sizeof *ref);
	struct sink *s;
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	int64_t t = 0;
	size_t i, nref;
	int round;
	for (round = 0; round < 3; round++) {
		vg_merge_opts o = {0};
		o.idle_us = (round + 1) * 60 * S;
		for (i = 0; i < N; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			t += (int64_t)(x % (90 * S)); /* in time order, gaps 0..90 s */
			in[i] = rec((unsigned)(x >> 20) % 7, (unsigned)(x >> 40) % 5,
				    t, t + (int64_t)((x >> 8) % (30 * S)));
			in[i].spkts = 1 + (x >> 50) % 9;
		}
		nref = reference(in, N, o.idle_us, ref);
		s = run(in, N, &o);
		CHECK_EQ_INT(s->n, nref);
		if (s->n == nref) {
			qsort(ref, nref, sizeof *ref, cmp_flow);
			qsort(s->out, s->n, sizeof *s->out, cmp_flow);
			for (i = 0; i < nref; i++)
				if (memcmp(&ref[i], &s->out[i], sizeof *ref) != 0) {
					vgt_fail(__FILE__, __LINE__, "round %d flow %zu differs", round, i);
					break;
				}
		}
		free(s);
	}
	free(in);
	free(ref);
}
