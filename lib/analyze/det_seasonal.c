/*
 * det_seasonal.c - 2. the seasonal aberration (Holt-Winters with Brutlag's band) on sources
 * per port and hour (docs/alerts.md).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "analyze/det.h"

/* 2. Seasonal aberration (Holt-Winters with Brutlag's confidence band) on
 * distinct sources per port and hour, season one day. The first season initialises,
 * the second trains; from the third on, an hour fails when it is above
 * prediction + delta * deviation by at least hw-min-excess, and an alarm
 * holds while hw-failures of the last hw-window hours failed. */
int vgi_det_seasonal(vg_alerts *a, unsigned pk, const double *y, size_t n, int64_t h0,
			   double *pred, double *band)
{
	const double *ak = a->site->ak;
	const double al_ = ak[VGI_AK_HW_ALPHA], be = ak[VGI_AK_HW_BETA], ga = ak[VGI_AK_HW_GAMMA];
	const double de = ak[VGI_AK_HW_DELTA], minx = ak[VGI_AK_HW_MIN_EXCESS];
	const size_t W = (size_t)ak[VGI_AK_HW_WINDOW], F = (size_t)ak[VGI_AK_HW_FAILURES];
	enum { M = 24 };
	double level = 0, trend = 0, seas[M], dev[M];
	uint8_t fail[1024];
	size_t i, j, nfail = 0, last_alarm = 0;
	uint8_t proto = vgi_code_proto(pk >> 16);
	int32_t port = (int32_t)(pk & 0xffff);
	vg_alert *cur = NULL;
	char ps[24];

	if (n < 3 * M)
		return VG_OK;
	vgi_port_text(proto, port, ps, sizeof ps);
	for (i = 0; i < M; i++)
		level += y[i] / M;
	for (i = 0; i < M; i++) {
		seas[i] = y[i] - level;
		dev[i] = fabs(y[i] - level);
		pred[i] = band[i] = NAN;
	}
	memset(fail, 0, sizeof fail);
	for (i = M; i < n; i++) {
		size_t si = i % M;
		double yhat = level + trend + seas[si], up = yhat + de * dev[si], old = level;
		int f = 0;
		pred[i] = yhat;
		band[i] = up;
		if (i >= 2 * M)
			f = y[i] > up && y[i] - yhat >= minx;
		/* the window: failures among the last W hours */
		nfail += (size_t)f;
		if (i >= 2 * M + W)
			nfail -= fail[(i - W) % 1024];
		fail[i % 1024] = (uint8_t)f;
		if (i >= 2 * M && nfail >= F) {
			int64_t t = (h0 + (int64_t)i) * 3600000000LL;
			if (!cur || i > last_alarm + W) {
				if (!(cur = vgi_new_alert(a)))
					return VG_ENOMEM;
				cur->detector = VG_DET_SEASONAL;
				cur->proto = proto;
				cur->port = port;
				cur->period_s = 3600;
				cur->time_us = t;
				cur->value = -HUGE_VAL;
				cur->severity = VG_SEV_LOW;
			}
			cur->last_us = t;
			cur->end_us = 0;
			last_alarm = i;
			if (y[i] > cur->value) {
				char ts[24];
				time_t tt = (time_t)(t / 1000000);
				struct tm tm;
				gmtime_r(&tt, &tm);
				strftime(ts, sizeof ts, "%Y-%m-%d %H:00", &tm);
				cur->value = y[i];
				cur->baseline = yhat;
				cur->threshold = up;
				if (y[i] >= 2 * up && y[i] >= 10)
					cur->severity = VG_SEV_MEDIUM;
				snprintf(cur->summary, sizeof cur->summary,
					 "%s: %.0f sources in the hour from %s UTC vs %.1f expected (band "
					 "%.1f); %zu of the last %zu hours above the band",
					 ps, y[i], ts, yhat, up, nfail, W);
			}
			j = i > 48 ? i - 48 : 0;
			if (vgi_set_evidence(cur, "sources per hour", h0 * 3600000000LL, 3600, y, band, j, i))
				return VG_ENOMEM;
		} else if (cur && i == last_alarm + 1) {
			cur->end_us = (h0 + (int64_t)i) * 3600000000LL;
		}
		/* Holt-Winters update (Brutlag 2000) */
		level = al_ * (y[i] - seas[si]) + (1 - al_) * (level + trend);
		trend = be * (level - old) + (1 - be) * trend;
		seas[si] = ga * (y[i] - level) + (1 - ga) * seas[si];
		dev[si] = ga * fabs(y[i] - yhat) + (1 - ga) * dev[si];
	}
	return VG_OK;
}

/* ------------------------------------------------------------ big single sources */
