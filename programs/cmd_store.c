/*
 * cmd_store.c - `vigil store init|info|prune`: makes (or checks) a store,
 * says what it holds, drops old days (docs/store.md). For a ClickHouse
 * cluster, init is where the shards are named: the local tables are made
 * on each, the Distributed tables on the node of the URL.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"

static void usage(FILE *fp)
{
	fputs("usage: vigil store init  --store DB [site] [--cluster NAME --shard HOST:PORT...]\n"
	      "       vigil store info  --store DB [--sensor LIST]\n"
	      "       vigil store prune --store DB --before YYYY-MM-DD\n"
	      "\n"
	      "init makes the store DB for the site description (or checks that DB is one\n"
	      "made for it, of this vigil's schema version); ingest does the same for an\n"
	      "SQLite file or a one-node ClickHouse database, a cluster needs init. info\n"
	      "prints what the store holds. prune drops every day before DAY (ClickHouse:\n"
	      "its day partitions, on every shard); the inputs stay known as ingested.\n"
	      "\n", fp);
	print_options(fp, V_STORE, GROUP(G_SITE) | GROUP(G_INPUT) | GROUP(G_OUTPUT));
	fputs("\nExit: 0 ok, 2 usage error, 5 store error.\n", fp);
}

int cmd_store(int argc, char **argv)
{
	struct opts o;
	vg_site *site = NULL;
	vg_store *s = NULL;
	vg_store_opts so;
	vg_store_info info;
	const char *sub, *path;
	char **av;
	int ec = EXIT_USAGE, rc, i, mode;

	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
			usage(stdout);
			return EXIT_OK;
		}
		usage(stderr);
		return EXIT_USAGE;
	}
	sub = argv[1];
	if (strcmp(sub, "init") != 0 && strcmp(sub, "info") != 0 && strcmp(sub, "prune") != 0) {
		warnx_("store: unknown command '%s' (init, info, prune)", sub);
		return EXIT_USAGE;
	}
	/* the options after the command, parsed as the verb's */
	if (!(av = calloc((size_t)argc, sizeof *av)))
		return EXIT_INTERNAL;
	av[0] = argv[0];
	for (i = 2; i < argc; i++)
		av[i - 1] = argv[i];
	if (parse_opts(&o, argc - 1, av, &ec, usage)) {
		free(av);
		free_opts(&o);
		return ec;
	}
	ec = EXIT_USAGE;
	if (o.filter_expr) {
		warnx_("store: '%s' is not an option", o.filter_expr);
		goto out;
	}
	if ((o.cluster || o.n_shards) && strcmp(sub, "init") != 0) {
		warnx_("store %s: --cluster and --shard are for store init", sub);
		goto out;
	}
	if (!o.cluster != !o.n_shards) {
		warnx_("store init: --cluster NAME goes with --shard HOST:PORT, one per shard");
		goto out;
	}
	if (strcmp(sub, "prune") == 0 && !o.before) {
		warnx_("store prune: give the first day to keep with --before YYYY-MM-DD");
		goto out;
	}
	path = NULL;
	if (strcmp(sub, "info") == 0 && !o.config) {
		/* info needs no site: the store's own is read */
		for (i = 0; i < (int)o.n_site; i++)
			if (strcmp(o.site_key[i], "store") == 0)
				path = o.site_val[i];
	} else if (!(site = load_site(&o))) {
		goto out;
	} else {
		path = vg_site_store(site);
	}
	if (!path) {
		warnx_("store: no store; give one with --store DB (or store = DB in the site file)");
		goto out;
	}
	mode = strcmp(sub, "info") == 0 ? VG_STORE_READ : VG_STORE_WRITE;
	store_opts(&o, &so);
	if (mode == VG_STORE_WRITE)
		so.sensor = NULL;
	/* info reads whatever site made the store; init and prune check it */
	if ((rc = vg_store_open_ex(&s, path, mode, site, &so)) != VG_OK) {
		warnx_("%s", vg_store_errmsg(s));
		ec = rc == VG_ENOMEM ? EXIT_INTERNAL : EXIT_STORE;
		goto out;
	}
	ec = EXIT_STORE;
	if (strcmp(sub, "prune") == 0) {
		int y, m, d;
		uint32_t n = 0;
		struct tm tm;
		int32_t day;
		char end;
		if (sscanf(o.before, "%d-%d-%d%c", &y, &m, &d, &end) != 3 || m < 1 || m > 12 ||
		    d < 1 || d > 31) {
			warnx_("store prune: --before '%s' is not YYYY-MM-DD", o.before);
			ec = EXIT_USAGE;
			goto out;
		}
		memset(&tm, 0, sizeof tm);
		tm.tm_year = y - 1900;
		tm.tm_mon = m - 1;
		tm.tm_mday = d;
		day = (int32_t)(timegm(&tm) / 86400);
		if (vg_store_prune(s, day, &n) != VG_OK) {
			warnx_("%s", vg_store_errmsg(s));
			goto out;
		}
		printf("%s: %u day%s before %s dropped\n", vg_store_name(s), n, n == 1 ? "" : "s",
		       o.before);
		ec = EXIT_OK;
		goto out;
	}
	if (vg_store_summary(s, &info) != VG_OK) {
		warnx_("%s", vg_store_errmsg(s));
		goto out;
	}
	{
		char a[32], b[32], d0[16], d1[16];
		printf("%s: a vigil store (%s): %s input%s, %s records, %s scan event%s", vg_store_name(s),
		       vg_store_kind(s), vg_group_digits(info.n_inputs, a, sizeof a),
		       info.n_inputs == 1 ? "" : "s", vg_group_digits(info.records, b, sizeof b),
		       vg_group_digits(info.n_events, d0, sizeof d0), info.n_events == 1 ? "" : "s");
		if (info.n_days) {
			day_text(info.first_day, d0);
			day_text(info.last_day, d1);
			printf(", %u day%s %s .. %s", info.n_days, info.n_days == 1 ? "" : "s", d0, d1);
		}
		printf("\n");
	}
	ec = EXIT_OK;
out:
	vg_store_close(s);
	vg_site_free(site);
	free(av);
	free_opts(&o);
	return ec;
}
