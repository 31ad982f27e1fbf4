/*
 * cmd_report.c - `vigil report`: the seed study of the inputs against a
 * site description: status records merged into connections, every
 * connection classified, the unsolicited ones analysed, then printed as a
 * terminal summary or JSON, and optionally as one CSV per table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "figures.h"

static void usage(FILE *fp)
{
	fputs("usage: vigil report [options] -r FILE... [filter]\n"
	      "       vigil report [options] --store DB [-t RANGE]\n"
	      "\n"
	      "The study of unsolicited traffic towards the monitored networks:\n"
	      "classes, overview (ICMP / no-ICMP sources), per day and host, ports and\n"
	      "their classes, hot ports, connections per source, days active, ICMP,\n"
	      "top sources, scan events - and the same without the scans; and the\n"
	      "alerts of the early-warning detectors (vigil alerts, docs/alerts.md).\n"
	      "\n"
	      "site (also as KEY = VALUE lines in a site file, see docs/site.md):\n", fp);
	print_options(fp, V_REPORT, GROUP(G_SITE));
	fputs("\n"
	      "input and output:\n", fp);
	print_options(fp, V_REPORT, GROUP(G_INPUT) | GROUP(G_OUTPUT));
	fputs("\n"
	      "A filter after the options restricts the input records (tcpdump style).\n", fp);
}

struct report_ctx {
	vg_pipeline *p;
	vg_study *st;
	vg_alerts *al;
};

static int consume(void *user, const vg_flow *flows, size_t n)
{
	struct report_ctx *c = user;
	return vg_pipeline_add(c->p, flows, n) != VG_OK;
}

/* --html FILE: written to a temporary name, renamed when complete, so that
 * a reader never sees half a page. */
static int write_html(vg_study *st, const struct opts *o, const char *store)
{
	vg_html_opts ho = {o->inputs, o->n_inputs, o->html_max_cells};
	const char *names[1] = {store};
	if (store && !o->n_inputs) {
		/* from a store: the page names the store */
		ho.inputs = names;
		ho.n_inputs = 1;
	}
	char *tmp = NULL;
	FILE *fp;
	int ok;

	if (strcmp(o->html_file, "-") == 0) {
		if (vg_study_write_html(st, stdout, &ho) != VG_OK ||
		    fflush(stdout) != 0) {
			warnx_("(stdout): %s", vg_study_errmsg(st)[0] ? vg_study_errmsg(st)
								   : "write error");
			return -1;
		}
		return 0;
	}
	if (asprintf(&tmp, "%s.tmp%ld", o->html_file, (long)getpid()) < 0) {
		warnx_("out of memory");
		return -1;
	}
	if (!(fp = fopen(tmp, "w"))) {
		warnx_("%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	ok = vg_study_write_html(st, fp, &ho) == VG_OK;
	ok = (fclose(fp) == 0) && ok;
	if (!ok || rename(tmp, o->html_file) != 0) {
		warnx_("%s: %s", o->html_file, ok ? strerror(errno)
				 : vg_study_errmsg(st)[0] ? vg_study_errmsg(st) : "write error");
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

/* --shared A.json B.json ...: the teams' shares merged (docs/share.md) */
static int report_shared(struct opts *o)
{
	vg_shared *sh = NULL;
	int rc, ec, fd;
	FILE *fp;
	if (o->n_inputs || o->config || o->csv_dir || o->figures_dir) {
		warnx_("report: --shared reads shares only (no -r, -c, --csv-dir or --figures)");
		return EXIT_USAGE;
	}
	if ((ec = open_shares(o, &sh)) != EXIT_OK)
		return ec;
	ec = EXIT_INTERNAL;
	if (o->html_file) {
		/* written whole, then renamed; "-" is standard output instead of the text */
		int to_stdout = strcmp(o->html_file, "-") == 0;
		char *tmp = to_stdout ? NULL : malloc(strlen(o->html_file) + 8);
		FILE *hf;
		if (!to_stdout && !tmp)
			goto out;
		if (tmp)
			sprintf(tmp, "%s.tmp", o->html_file);
		hf = to_stdout ? stdout : fopen(tmp, "w");
		rc = hf ? vg_shared_write_html(sh, hf) : VG_EIO;
		if (hf && hf != stdout && fclose(hf) != 0)
			rc = VG_EIO;
		if (rc != VG_OK || (tmp && rename(tmp, o->html_file) != 0)) {
			warnx_("report: %s: %s", o->html_file, hf ? vg_shared_errmsg(sh) : "cannot write");
			if (tmp)
				unlink(tmp);
			free(tmp);
			goto out;
		}
		free(tmp);
		if (to_stdout) {
			ec = EXIT_OK;
			goto out;
		}
	}
	if ((fd = open_output(o)) < 0)
		goto out;
	fp = fd == 1 ? stdout : fdopen(fd, "w");
	if (!fp || vg_shared_write(sh, fp, o->outfmt, 0) != VG_OK || fflush(fp) != 0) {
		warnx_("report: %s", fp ? vg_shared_errmsg(sh) : "write error");
		if (fp && fp != stdout)
			fclose(fp);
		goto out;
	}
	if (fp != stdout && fclose(fp) != 0)
		goto out;
	ec = EXIT_OK;
out:
	vg_shared_free(sh);
	return ec;
}

int cmd_report(int argc, char **argv)
{
	struct opts o;
	struct totals t;
	struct report_ctx *c = NULL;
	vg_site *site = NULL;
	vg_store *store = NULL;
	struct store_range range;
	char err[512];
	struct figures fig = {NULL, NULL};
	int stale, worst = 0;
	int ec, rc, fd = -1, html_stdout;
	FILE *fp = NULL;

	if (parse_opts(&o, argc, argv, &ec, usage)) {
		free_opts(&o);
		return ec;
	}
	if (o.html_file && strcmp(o.html_file, "-") == 0 && o.outfmt >= 0) {
		warnx_("report: --html - writes the page to standard output; -o has nowhere "
		       "to go (give --html FILE, or leave -o out)");
		free_opts(&o);
		return EXIT_USAGE;
	}
	if (o.outfmt < 0)
		o.outfmt = VG_OUT_TEXT;
	if (o.n_shared) {
		ec = report_shared(&o);
		free_opts(&o);
		return ec;
	}
	ec = EXIT_USAGE;
	if (o.figures_dir && figures_find(&fig) != 0)
		goto out;
	if (!(c = calloc(1, sizeof *c))) {
		warnx_("out of memory");
		ec = EXIT_INTERNAL;
		goto out;
	}
	if (!(site = load_site(&o)))
		goto out;
	ec = EXIT_INTERNAL;
	if (vg_study_create(&c->st, site, err, sizeof err) != VG_OK) {
		warnx_("%s", err);
		goto out;
	}
	vg_study_set_text_width(c->st, o.wide ? 0 : VG_TEXT_WIDTH);
	vg_study_set_time_format(c->st, o.time_fmt);
	if (o.without)
		vg_study_set_without(c->st, o.without);
	if (!o.no_alerts && vg_alerts_create(&c->al, site, err, sizeof err) != VG_OK) {
		warnx_("%s", err);
		goto out;
	}
	if (c->al)
		vg_alerts_keep_scans(c->al, 0); /* the report lists the scan events itself */
	{
		vg_pipeline_opts po;
		memset(&po, 0, sizeof po);
		po.study = c->st;
		po.alerts = c->al;
		po.threads = 1; /* reading and merging beside scan detection and the rest */
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
		if ((rc = vg_pipeline_load(c->p, store, range.day0, range.day1, range.day0)) != VG_OK) {
			warnx_("report: %s", vg_pipeline_errmsg(c->p));
			ec = rc == VG_ENOMEM ? EXIT_INTERNAL : EXIT_STORE;
			goto out;
		}
		t.n_matched = vg_pipeline_records(c->p);
		vg_study_set_partial(c->st, vg_store_partial(store));
		rc = 0;
	} else if (o.n_inputs == 0 && !o.iface) {
		warnx_("report: no input; give one with -r FILE, -R DIR, -i INTERFACE or --store DB");
		ec = EXIT_USAGE;
		goto out;
	} else {
		rc = run_inputs(&o, consume, c, &t);
	}
	if (vg_pipeline_finish(c->p) != VG_OK) {
		warnx_("report: %s", vg_pipeline_errmsg(c->p));
		goto out;
	}
	vg_study_set_records(c->st, t.n_matched);
	/* the alerts' detectors and the study's tables, side by side */
	if (vg_pipeline_finish_sinks(c->p) != VG_OK) {
		warnx_("report: %s", vg_pipeline_errmsg(c->p));
		goto out;
	}
	if (c->al && store && vg_alerts_use_store(c->al, store, 0) != VG_OK) {
		warnx_("report: %s", vg_store_errmsg(store));
		ec = EXIT_STORE;
		goto out;
	}
	if (c->al)
		vg_study_set_alerts(c->st, c->al);
	{
		const char *net;
		size_t k;
		for (k = 0; (net = vg_study_unreached(c->st, k)); k++)
			warnx_("report: monitored %s: no unsolicited connection reached it "
			       "(is it the right net?)", net);
	}
	stale = check_fresh(&o, site, store != NULL, store ? range.info.last_us : t.rs.last_us, c->st,
			    NULL);
	if (c->al && o.fail_on) {
		size_t k, n = vg_alerts_count(c->al);
		for (k = 0; k < n; k++)
			if (vg_alerts_get(c->al, k)->severity > worst)
				worst = vg_alerts_get(c->al, k)->severity;
	}
	html_stdout = o.html_file && strcmp(o.html_file, "-") == 0;
	if (html_stdout && o.outfile) {
		warnx_("report: --html - and -w both name the output; give one");
		ec = EXIT_USAGE;
		goto out;
	}
	if (!html_stdout) {
		if ((fd = open_output(&o)) < 0)
			goto out;
		fp = fd == 1 ? stdout : fdopen(fd, "w");
		if (!fp || vg_study_write(c->st, fp, o.outfmt) != VG_OK || fflush(fp) != 0) {
			warnx_("%s: %s", o.outfile ? o.outfile : "(stdout)",
			       fp && vg_study_errmsg(c->st)[0] ? vg_study_errmsg(c->st) : "write error");
			goto out;
		}
	}
	if (o.html_file && write_html(c->st, &o, store ? vg_store_name(store) : NULL) != 0)
		goto out;
	if (o.csv_dir && vg_study_write_csv(c->st, o.csv_dir, err, sizeof err) != VG_OK) {
		warnx_("%s", err);
		goto out;
	}
	if (o.figures_dir && figures_write(&fig, c->st, &o) != 0)
		goto out;
	ec = rc ? EXIT_INTERNAL : t.input_error ? EXIT_INPUT
	   : o.fail_on && stale ? EXIT_STALE
	   : o.fail_on && worst >= o.fail_on ? EXIT_ALERT : EXIT_OK;
out:
	if (fp && fp != stdout)
		fclose(fp);
	if (c) {
		vg_pipeline_free(c->p);
		vg_study_free(c->st);
		vg_alerts_free(c->al);
	}
	vg_store_close(store);
	free(c);
	vg_site_free(site);
	figures_free(&fig);
	free_opts(&o);
	return ec;
}
