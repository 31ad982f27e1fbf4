/*
 * cmd_dump.c - `vigil dump`: prints flow records as CSV (byte for byte what
 * `ra -n -u -p 6 -c ,` prints), NDJSON or a text table; with --merge, the
 * status reports of each connection are merged first, as racluster does.
 */
#include <stdlib.h>
#include <unistd.h>

#include "common.h"

static void usage(FILE *fp)
{
	fputs("usage: vigil dump [options] -r FILE... [filter]\n"
	      "\n"
	      "Prints flow records. Management records are skipped.\n"
	      "\n", fp);
	print_options(fp, V_DUMP, GROUP(G_SITE) | GROUP(G_INPUT) | GROUP(G_OUTPUT));
	fputs("\n"
	      "filter: tcpdump-style, e.g. 'tcp and dst port 445', 'not src net 10.0.0.0/8'\n"
	      "(see vigil(1)). A lone - or -- ends the options.\n", fp);
}

struct dump_ctx {
	vg_writer *w;
	vg_merger *m;
	int write_failed;
};

static int emit(void *user, const vg_flow *f)
{
	struct dump_ctx *c = user;
	if (vg_writer_put(c->w, f) != VG_OK) {
		c->write_failed = 1;
		return 1;
	}
	return 0;
}

static int consume(void *user, const vg_flow *flows, size_t n)
{
	struct dump_ctx *c = user;
	size_t i;
	if (c->m)
		return vg_merger_add(c->m, flows, n);
	for (i = 0; i < n; i++)
		if (emit(c, &flows[i]))
			return 1;
	return 0;
}

void print_stats_text(FILE *fp, const struct totals *t, const vg_merge_stats *ms,
		      double idle_s);

int cmd_dump(int argc, char **argv)
{
	struct opts o;
	struct totals t;
	struct dump_ctx c = {0};
	vg_merge_stats ms = {0};
	vg_site *site = NULL;
	int ec, rc, fd;

	if (parse_opts(&o, argc, argv, &ec, usage)) {
		free_opts(&o);
		return ec;
	}
	/* --anon-monitored keep: the site says which addresses are kept */
	if ((o.anon_keep || o.config) && !(site = load_site(&o))) {
		free_opts(&o);
		return EXIT_USAGE;
	}
	if (o.outfmt < 0)
		o.outfmt = VG_OUT_CSV;
	if ((fd = open_output(&o)) < 0) {
		vg_site_free(site);
		free_opts(&o);
		return EXIT_INTERNAL;
	}
	if (vg_writer_open(&c.w, fd, o.outfmt, o.n_fields ? o.fields : NULL,
			   o.n_fields) != VG_OK) {
		warnx_("out of memory");
		vg_site_free(site);
		free_opts(&o);
		return EXIT_INTERNAL;
	}
	vg_writer_set_time_format(c.w, o.time_fmt);
	if (o.merge) {
		vg_merge_opts mo = {0};
		mo.idle_us = (int64_t)(o.idle_s * 1e6);
		if (vg_merger_create(&c.m, &mo, emit, &c) != VG_OK) {
			warnx_("out of memory");
			vg_writer_free(c.w);
			vg_site_free(site);
		free_opts(&o);
			return EXIT_INTERNAL;
		}
	}
	if (!o.no_header)
		vg_writer_header(c.w);
	rc = run_inputs(&o, consume, &c, &t);
	if (c.m && !c.write_failed) {
		vg_merger_flush(c.m);
		vg_merger_get_stats(c.m, &ms);
	}
	ec = EXIT_OK;
	if (c.write_failed || vg_writer_flush(c.w) != VG_OK) {
		warnx_("%s: %s", o.outfile ? o.outfile : "(stdout)",
		       vg_writer_errmsg(c.w));
		ec = EXIT_INTERNAL;
	} else if (rc) {
		ec = EXIT_INTERNAL;
	} else if (t.input_error) {
		ec = EXIT_INPUT;
	}
	if (o.stats)
		print_stats_text(stderr, &t, c.m ? &ms : NULL, o.idle_s);
	vg_merger_free(c.m);
	vg_writer_free(c.w);
	if (fd > 1)
		close(fd);
	vg_site_free(site);
	free_opts(&o);
	return ec;
}
