/*
 * cmd_alerts.c - `vigil alerts`: the early-warning detectors over the
 * inputs (docs/alerts.md), as NDJSON or a table, optionally as IODEF, with
 * an exit status for cron and CI (--fail-on).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"

static void usage(FILE *fp)
{
	fputs("usage: vigil alerts [site] [options] -r FILE... [filter]\n"
	      "       vigil alerts [site] [options] --store DB [-t RANGE]\n"
	      "\n"
	      "Early warning on unsolicited traffic towards the monitored networks:\n"
	      "  trend     DShield port trend: sources and targets today vs the look-back mean\n"
	      "  seasonal  Holt-Winters aberration (Brutlag) on sources per port and hour\n"
	      "  change    CUSUM on new sources per port and day (start and end)\n"
	      "  worm      stably positive growth of new sources on a port (Kalman filter)\n"
	      "  big       one source with a large share of a day's connections\n"
	      "  newport   several sources on a port silent in the look-back period\n"
	      "  scan      the scan events (as vigil scans finds them)\n"
	      "  backscatter  a new victim: >= --backscatter-packets (200) packets of\n"
	      "            backscatter a day from an address that sent none before\n"
	      "An ongoing condition is one alert, from its first period to its end.\n"
	      "\n"
	      "site: the options and site file of vigil report (-c, --monitored, --service,\n"
	      "...), and the detectors' parameters as site keys or options, e.g.\n"
	      "--alert-days 30 --trend-threshold 8 --cusum-threshold 5 --scan-alerts off\n"
	      "(all of them in docs/alerts.md).\n"
	      "\n", fp);
	print_options(fp, V_ALERTS, GROUP(G_SITE) | GROUP(G_INPUT) | GROUP(G_OUTPUT));
}

struct alerts_ctx {
	vg_pipeline *p;
	vg_alerts *al;
};

static int consume(void *user, const vg_flow *flows, size_t n)
{
	struct alerts_ctx *c = user;
	return vg_pipeline_add(c->p, flows, n) != VG_OK;
}

/* --since: an absolute UTC time, a span before the end of the data (24h)
 * or before now (now-24h). Returns 0 and *us (and what it is relative to
 * in *rel: 0 absolute, 1 the data, 2 now), or -1. */
static int parse_since(const char *s, int64_t data_end_us, int64_t *us, int *rel)
{
	struct tm tm;
	char *end;
	const char *p;
	int from_now = strncmp(s, "now-", 4) == 0;
	double v = strtod(s + (from_now ? 4 : 0), &end);
	if (end != s + (from_now ? 4 : 0) && (strcmp(end, "h") == 0 || strcmp(end, "d") == 0) &&
	    v >= 0 && v < 1e6) {
		int64_t span = (int64_t)(v * (*end == 'h' ? 3600e6 : 86400e6));
		/* the end of the data is the start of its last hour */
		*us = from_now ? (int64_t)time(NULL) * 1000000 - span
			       : data_end_us + 3600000000LL - span;
		*rel = from_now ? 2 : 1;
		return 0;
	}
	*rel = 0;
	if (from_now)
		return -1;
	memset(&tm, 0, sizeof tm);
	p = strptime(s, "%Y-%m-%d", &tm);
	if (p && (*p == 'T' || *p == ' ')) {
		p = strptime(p + 1, "%H:%M", &tm);
		if (p && *p == ':')
			p = strptime(p + 1, "%S", &tm);
	}
	if (p && *p == 'Z')
		p++;
	if (!p || *p)
		return -1;
	*us = (int64_t)timegm(&tm) * 1000000;
	return 0;
}

/* --shared A.json B.json ...: the ports surging at several teams at once */
static int alerts_shared(struct opts *o)
{
	vg_shared *sh = NULL;
	int ec, fd, worst = 0;
	FILE *fp;
	if (o->n_inputs || o->config) {
		warnx_("alerts: --shared reads shares only (no -r or -c)");
		return EXIT_USAGE;
	}
	if ((ec = open_shares(o, &sh)) != EXIT_OK)
		return ec;
	ec = EXIT_INTERNAL;
	if ((fd = open_output(o)) < 0)
		goto out;
	fp = fd == 1 ? stdout : fdopen(fd, "w");
	if (!fp || vg_shared_write_alerts(sh, fp, o->outfmt, &worst) != VG_OK || fflush(fp) != 0) {
		warnx_("alerts: %s", fp ? vg_shared_errmsg(sh) : "write error");
		if (fp && fp != stdout)
			fclose(fp);
		goto out;
	}
	if (fp != stdout && fclose(fp) != 0)
		goto out;
	ec = o->fail_on && worst >= o->fail_on ? EXIT_ALERT : EXIT_OK;
out:
	vg_shared_free(sh);
	return ec;
}

int cmd_alerts(int argc, char **argv)
{
	struct opts o;
	struct totals t;
	struct alerts_ctx *c = NULL;
	vg_site *site = NULL;
	vg_store *store = NULL;
	struct store_range range;
	char err[512];
	int stale;
	int64_t since = INT64_MIN;
	int since_rel = 0;
	size_t i, n;
	int ec, rc, fd = -1, worst = 0;
	FILE *fp = NULL;

	if (parse_opts(&o, argc, argv, &ec, usage)) {
		free_opts(&o);
		return ec;
	}
	if (o.outfmt < 0)
		o.outfmt = VG_OUT_TEXT;
	if (o.n_shared) {
		ec = alerts_shared(&o);
		free_opts(&o);
		return ec;
	}
	ec = EXIT_USAGE;
	if (o.since && parse_since(o.since, 0, &since, &since_rel)) {
		warnx_("alerts: --since takes a time (2024-03-09, 2024-03-09T12:00), a span "
		       "before the end of the data (24h, 7d) or before now (now-24h), not '%s'",
		       o.since);
		goto out;
	}
	if (!(site = load_site(&o)))
		goto out;
	ec = EXIT_INTERNAL;
	if (!(c = calloc(1, sizeof *c))) {
		warnx_("out of memory");
		goto out;
	}
	if (vg_alerts_create(&c->al, site, err, sizeof err) != VG_OK) {
		warnx_("%s", err);
		goto out;
	}
	{
		vg_pipeline_opts po;
		memset(&po, 0, sizeof po);
		po.alerts = c->al;
		po.threads = 1;
		if ((rc = vg_pipeline_create(&c->p, site, &po)) != VG_OK) {
			warnx_("%s", vg_pipeline_errmsg(c->p));
			ec = rc == VG_ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
			goto out;
		}
	}
	memset(&t, 0, sizeof t);
	if (vg_site_store(site) && o.n_inputs == 0 && !o.iface) {
		int sec = open_store_range(&o, site, &store, &range);
		if (sec != EXIT_OK) {
			ec = sec;
			goto out;
		}
		/* the baselines need the days before the range */
		if ((rc = vg_pipeline_load(c->p, store, range.day0, range.day1,
					   range.day0 - vg_site_alert_days(site))) != VG_OK) {
			warnx_("alerts: %s", vg_pipeline_errmsg(c->p));
			ec = rc == VG_ENOMEM ? EXIT_INTERNAL : EXIT_STORE;
			goto out;
		}
		if (o.time_spec && !o.since)
			since = vg_site_day_start(site, range.day0);
		rc = 0;
	} else if (o.n_inputs == 0 && !o.iface) {
		warnx_("alerts: no input; give one with -r FILE, -R DIR, -i INTERFACE or --store DB");
		ec = EXIT_USAGE;
		goto out;
	} else {
		rc = run_inputs(&o, consume, c, &t);
	}
	if (vg_pipeline_finish(c->p) != VG_OK) {
		warnx_("alerts: %s", vg_pipeline_errmsg(c->p));
		goto out;
	}
	if (vg_alerts_finish(c->al) != VG_OK) {
		warnx_("alerts: %s", vg_alerts_errmsg(c->al));
		goto out;
	}
	if (store) {
		/* an alert raised by an earlier run keeps its id: a writable
		 * store remembers the new ones */
		vg_store *w = NULL;
		vg_store_opts so;
		int rec;
		store_opts(&o, &so);
		so.sensor = NULL; /* alert ids are the store's, not a sensor's */
		rec = vg_store_open_ex(&w, vg_site_store(site), VG_STORE_WRITE, site, &so) == VG_OK;
		if (vg_alerts_use_store(c->al, rec ? w : store, rec) != VG_OK) {
			warnx_("alerts: %s", vg_store_errmsg(rec ? w : store));
			vg_store_close(w);
			ec = EXIT_STORE;
			goto out;
		}
		vg_store_close(w);
	}
	if (o.since)
		parse_since(o.since, vg_alerts_data_end(c->al), &since, &since_rel);
	vg_alerts_set_text_width(c->al, o.wide ? 0 : VG_TEXT_WIDTH);
	vg_alerts_set_time_format(c->al, o.time_fmt);
	/* the text is for people: medium and up unless asked */
	vg_alerts_set_min_severity(c->al, o.min_sev ? o.min_sev
					 : o.outfmt == VG_OUT_TEXT ? VG_SEV_MEDIUM : 0);
	/* before the output: the JSON ends with the freshness line */
	stale = check_fresh(&o, site, store != NULL, store ? range.info.last_us : t.rs.last_us, NULL,
			    c->al);
	if ((fd = open_output(&o)) < 0)
		goto out;
	fp = fd == 1 ? stdout : fdopen(fd, "w");
	if (fp && o.since && o.outfmt == VG_OUT_TEXT) {
		char when[32];
		time_t ts = (time_t)(since / 1000000);
		struct tm tm;
		gmtime_r(&ts, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
		fprintf(fp, "alerts holding at or after %s UTC%s\n", when,
			since_rel == 1 ? " (--since: before the end of the data)"
			: since_rel == 2 ? " (--since: before now)" : "");
	}
	if (!fp || vg_alerts_write(c->al, fp, o.outfmt, since) != VG_OK || fflush(fp) != 0) {
		warnx_("%s: %s", o.outfile ? o.outfile : "(stdout)",
		       fp && vg_alerts_errmsg(c->al)[0] ? vg_alerts_errmsg(c->al) : "write error");
		goto out;
	}
	/* IODEF, STIX and MISP are for programs: all alerts unless asked */
	vg_alerts_set_min_severity(c->al, o.min_sev);
	if (o.iodef_file) {
		FILE *xf = fopen(o.iodef_file, "w");
		int ok = xf && vg_alerts_write_iodef(c->al, xf, since, NULL, NULL) == VG_OK;
		if (!xf || fclose(xf) != 0 || !ok) {
			warnx_("%s: cannot write", o.iodef_file);
			goto out;
		}
	}
	if (o.stix_file || o.misp_file) {
		int k;
		for (k = 0; k < 2; k++) {
			const char *path = k ? o.misp_file : o.stix_file;
			FILE *xf = path ? fopen(path, "w") : NULL;
			int ok;
			if (!path)
				continue;
			ok = xf && (k ? vg_misp_write(xf, site, NULL, 0, c->al, since)
				      : vg_stix_write(xf, site, NULL, 0, c->al, since)) == VG_OK;
			if (!xf || fclose(xf) != 0 || !ok) {
				warnx_("%s: cannot write", path);
				goto out;
			}
		}
	}
	n = vg_alerts_count(c->al);
	for (i = 0; i < n; i++) {
		const vg_alert *a = vg_alerts_get(c->al, i);
		if (a->last_us >= since && a->severity > worst)
			worst = a->severity;
	}
	ec = rc ? EXIT_INTERNAL : t.input_error ? EXIT_INPUT
	   : o.fail_on && stale ? EXIT_STALE
	   : o.fail_on && worst >= o.fail_on ? EXIT_ALERT : EXIT_OK;
out:
	if (fp && fp != stdout)
		fclose(fp);
	if (c) {
		vg_pipeline_free(c->p);
		vg_alerts_free(c->al);
	}
	vg_store_close(store);
	free(c);
	vg_site_free(site);
	free_opts(&o);
	return ec;
}
