/*
 * det_cusum.c - 3. change point: a non-parametric CUSUM of new sources per
 * day, in units of the Poisson deviation of the baseline (days in alarm left
 * out of it). The change starts when the sum passes cusum-threshold (with at
 * least alert-min-sources new sources); it ends on the first day back at or
 * below baseline + drift deviations, and the sum starts again from 0.
 */
#include <math.h>
#include <stdio.h>

#include "analyze/det.h"

struct cusum {
	struct run run;
	double sum;
	int on;
};

static int step(struct det_ctx *c, void *state)
{
	struct cusum *st = state;
	struct series *S = c->S;
	size_t i = c->i, k;
	double m, sd, z, t;
	vg_alert *al;
	int upd;

	k = vgi_det_history(S->nw, S->alarm, c->lo, i, &m, &sd);
	if (k < c->H)
		return VG_OK;
	z = (S->nw[i] - m) / fmax(sqrt(m), 1);
	t = c->ak[VGI_AK_CUSUM_THRESHOLD];
	S->exp2[i] = m;
	st->sum = fmax(0, st->sum + z - c->ak[VGI_AK_CUSUM_DRIFT]);
	if (st->on && z <= c->ak[VGI_AK_CUSUM_DRIFT])
		st->sum = 0;
	if (!(st->on ? st->sum > 0 : st->sum > t && S->nw[i] >= c->minsrc)) {
		vgi_run_miss(c->a, &st->run, S, i);
		st->on = 0;
		return VG_OK;
	}
	S->alarm[i] = 1;
	if (!(al = vgi_run_hold(c->a, &st->run, VG_DET_CHANGE, c->proto, c->port, S, i, st->sum,
				&upd)))
		return VG_ENOMEM;
	st->on = 1;
	if (upd) {
		char now[200];
		al->value = st->sum;
		al->baseline = m;
		al->threshold = t;
		al->severity = S->nw[i] >= 4 * fmax(m, 1) && S->nw[i] >= 20 ? VG_SEV_HIGH
									  : VG_SEV_MEDIUM;
		snprintf(now, sizeof now,
			 "%s: %.0f new sources on %s vs %.1f \u00b1 %.1f a day over %zu "
			 "days (CUSUM %.1f > %g)", c->ps, S->nw[i], c->ds, m, sd, k, st->sum, t);
		vgi_run_summary(&st->run, al, i, c->ds, now);
	}
	return vgi_set_evidence(al, "new sources per day", c->t0, 86400, S->nw, S->exp2,
				vgi_ev_from(&st->run, c->L), i);
}

const struct vgi_daily_det vgi_det_cusum = {"change", sizeof(struct cusum), NULL, step};
