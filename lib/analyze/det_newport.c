/*
 * det_newport.c - 6. a new port: at least newport-sources sources on a port
 * without traffic in the previous newport-days days (of which at least
 * alert-min-history seen). Each such day is an alert of its own.
 */
#include <stdio.h>

#include "analyze/det.h"

struct newport {
	struct run run;
};

static int step(struct det_ctx *c, void *state)
{
	struct newport *st = state;
	struct series *S = c->S;
	size_t i = c->i, nl = (size_t)c->ak[VGI_AK_NEWPORT_DAYS], lo2 = i > nl ? i - nl : 0, j;
	int quiet = i >= c->H, upd;
	vg_alert *al;

	for (j = lo2; quiet && j < i; j++)
		quiet = S->conn[j] == 0;
	if (!quiet || S->src[i] < c->ak[VGI_AK_NEWPORT_SOURCES])
		return VG_OK;
	st->run.al = NULL;
	if (!(al = vgi_run_hold(c->a, &st->run, VG_DET_NEWPORT, c->proto, c->port, S, i, S->src[i],
				&upd)))
		return VG_ENOMEM;
	al->value = S->src[i];
	al->baseline = 0;
	al->threshold = c->ak[VGI_AK_NEWPORT_SOURCES];
	al->severity = VG_SEV_MEDIUM;
	al->end_us = i + 1 < S->n ? vgi_day_start_us(vgi_alerts_site(c->a), S->d0 + (int32_t)i + 1) : 0;
	snprintf(al->summary, sizeof al->summary,
		 "%s: %.0f sources and %.0f connections on %s after %zu days "
		 "without traffic", c->ps, S->src[i], S->conn[i], c->ds, i - lo2);
	return vgi_set_evidence(al, "sources per day", c->t0, 86400, S->src, NULL, lo2, i);
}

const struct vgi_daily_det vgi_det_newport = {"newport", sizeof(struct newport), NULL, step};
