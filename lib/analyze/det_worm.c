/*
 * det_worm.c - 4. worm onset: the growth rate of new sources above the
 * baseline (the median of the previous days), estimated by a Kalman filter
 * (state: the daily log growth rate, a random walk; observation
 * ln((e_t + 1) / (e_t-1 + 1)) with variance 1/(e_t + 1) + 1/(e_t-1 + 1)). An
 * alert when the estimate less one standard deviation stays above worm-rate
 * for worm-days days with at least worm-min-new excess new sources (Zou et
 * al. 2005): a stable exponential rise, not a burst, not a linear ramp.
 */
#include <math.h>
#include <stdio.h>

#include "analyze/det.h"

#define KALMAN_Q 0.01 /* process noise of the growth rate, per day */

struct worm {
	struct run run;
	double r, P, prev_e;       /* the estimate, its variance, yesterday's excess */
	size_t days;               /* days in a row above the rate */
};

static void init(void *state)
{
	struct worm *st = state;
	st->P = 1;
	st->prev_e = -1;
}

static int step(struct det_ctx *c, void *state)
{
	struct worm *st = state;
	struct series *S = c->S;
	size_t i = c->i;
	double b, e, y, R, K;
	vg_alert *al;
	int upd;

	if (i - c->lo < c->H)
		return VG_OK;
	b = vgi_det_median(S->nw, c->lo, i, c->tmp);
	e = fmax(0, S->nw[i] - b);
	S->exp3[i] = b;
	if (st->prev_e < 0) {
		st->prev_e = e;
		return VG_OK;
	}
	y = log((e + 1) / (st->prev_e + 1));
	R = 1 / (e + 1) + 1 / (st->prev_e + 1);
	st->P += KALMAN_Q;
	K = st->P / (st->P + R);
	st->r += K * (y - st->r);
	st->P *= 1 - K;
	st->prev_e = e;
	if (st->r - sqrt(st->P) > c->ak[VGI_AK_WORM_RATE] && e >= c->ak[VGI_AK_WORM_MIN_NEW])
		st->days++;
	else
		st->days = 0;
	if (st->days < (size_t)c->ak[VGI_AK_WORM_DAYS]) {
		vgi_run_miss(c->a, &st->run, S, i);
		return VG_OK;
	}
	if (!(al = vgi_run_hold(c->a, &st->run, VG_DET_WORM, c->proto, c->port, S, i, st->r, &upd)))
		return VG_ENOMEM;
	if (upd) {
		char now[200];
		al->value = st->r;
		al->baseline = b;
		al->threshold = c->ak[VGI_AK_WORM_RATE];
		al->severity = VG_SEV_HIGH;
		snprintf(now, sizeof now,
			 "%s: new sources growing %.0f %%/day (rate %.2f \u00b1 "
			 "%.2f) for %zu days; %.0f on %s, baseline %.1f a day",
			 c->ps, 100 * (exp(st->r) - 1), st->r, sqrt(st->P), st->days, S->nw[i], c->ds,
			 b);
		vgi_run_summary(&st->run, al, i, c->ds, now);
	}
	return vgi_set_evidence(al, "new sources per day", c->t0, 86400, S->nw, S->exp3,
				vgi_ev_from(&st->run, c->L), i);
}

const struct vgi_daily_det vgi_det_worm = {"worm", sizeof(struct worm), init, step};
