/*
 * vigil.c - the command-line front end: `vigil VERB [options] -r FILE...
 * [filter]`. Each verb lives in cmd_<verb>.c; this file only dispatches.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "common.h"

static const struct verb {
	const char *name;
	int (*fn)(int, char **);
	const char *doc;
} verbs[] = {
	{"dump", cmd_dump, "print flow records (like ra), optionally merged (like racluster)"},
	{"top", cmd_top, "the top sources, ports, networks ... by flows, packets, bytes (as nfdump -s)"},
	{"stats", cmd_stats, "count records, flows, protocols, time span and errors of inputs"},
	{"report", cmd_report, "the study: unsolicited traffic, sources, ports, days, hot ports"},
	{"scans", cmd_scans, "port scans and sweeps as events (TRW, windows, slow, campaigns)"},
	{"alerts", cmd_alerts, "early warning: surges, worms, new ports, big sources, backscatter"},
	{"ingest", cmd_ingest, "fold inputs into the site's store of day rollups (SQLite, ClickHouse)"},
	{"watch", cmd_watch, "keep the store up to date from a live feed; alerts as they are raised"},
	{"store", cmd_store, "make, check, describe or prune a store (init, info, prune)"},
	{"collect", cmd_collect, "NetFlow v5/v9/IPFIX collector: UDP in, rotating flow CSV files out"},
	{"export", cmd_export, "a share for other teams: per-port figures, scans, alerts, pseudonymised"},
	{"key", cmd_key, "keys for --anonymize (Crypto-PAn): make one, map addresses, map a site"},
};

static void usage(FILE *fp)
{
	size_t i;
	fprintf(fp,
		"usage: vigil VERB [options] -r FILE... [filter]\n"
		"\n"
		"vigil reads network-flow data (Argus 3 and 2, nfdump, NetFlow v5/v9/IPFIX,\n"
		"pcap and pcapng, flow CSV; gzip, bzip2, xz and zstd compressed) and turns\n"
		"it into an early-warning picture.\n"
		"\n"
		"verbs:\n");
	for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		fprintf(fp, "  %-8s %s\n", verbs[i].name, verbs[i].doc);
	fprintf(fp,
		"\n"
		"`vigil VERB --help` shows a verb's options; `man vigil` has the rest.\n"
		"exit codes: 0 ok, 1 alerts at or above --fail-on, 2 usage error, 3 input error,\n"
		"4 internal error, 5 the store cannot be used, 6 stale data (--fail-on, --max-age)\n");
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("vigil %s\n", vg_version());
		return EXIT_OK;
	}
	for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (strcmp(argv[1], verbs[i].name) == 0)
			return verbs[i].fn(argc - 1, argv + 1);
	warnx_("unknown verb '%s'", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
