/*
 * det_trend.c - 1. DShield's port trend: sqrt((S-s)^2/s + (T-t)^2/t) of the
 * day's sources S and targets T against their means s, t over the previous
 * alert-days (at least alert-min-history seen), above trend-threshold, with
 * S >= trend-ratio x s and S >= alert-min-sources.
 */
#include <math.h>
#include <stdio.h>

#include "analyze/det.h"

struct trend {
	struct run run;
};

static int step(struct det_ctx *c, void *state)
{
	struct trend *st = state;
	struct series *S = c->S;
	size_t i = c->i, k;
	double m, sd, mt, sdt, tr, t;
	vg_alert *al;
	int upd;

	k = vgi_det_history(S->src, NULL, c->lo, i, &m, &sd);
	vgi_det_history(S->dst, NULL, c->lo, i, &mt, &sdt);
	if (k < c->H)
		return VG_OK;
	tr = sqrt((S->src[i] - m) * (S->src[i] - m) / fmax(m, 1) +
		  (S->dst[i] - mt) * (S->dst[i] - mt) / fmax(mt, 1));
	t = c->ak[VGI_AK_TREND_THRESHOLD];
	S->exp1[i] = m;
	if (!(tr > t && S->src[i] >= c->ak[VGI_AK_TREND_RATIO] * m && S->src[i] >= c->minsrc)) {
		vgi_run_miss(c->a, &st->run, S, i);
		return VG_OK;
	}
	if (!(al = vgi_run_hold(c->a, &st->run, VG_DET_TREND, c->proto, c->port, S, i, tr, &upd)))
		return VG_ENOMEM;
	if (upd) {
		char now[200];
		al->value = tr;
		al->baseline = m;
		al->threshold = t;
		al->severity = tr >= 3 * t ? VG_SEV_HIGH : tr >= 1.5 * t ? VG_SEV_MEDIUM : VG_SEV_LOW;
		snprintf(now, sizeof now,
			 "%s: %.0f sources and %.0f targets on %s vs %.1f \u00b1 %.1f and "
			 "%.1f a day over %zu days (trend %.1f > %g)",
			 c->ps, S->src[i], S->dst[i], c->ds, m, sd, mt, k, tr, t);
		vgi_run_summary(&st->run, al, i, c->ds, now);
	}
	return vgi_set_evidence(al, "sources per day", c->t0, 86400, S->src, S->exp1,
				vgi_ev_from(&st->run, c->L), i);
}

const struct vgi_daily_det vgi_det_trend = {"trend", sizeof(struct trend), NULL, step};
