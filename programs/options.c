/*
 * options.c - every option of the reading verbs, once: its letter, long
 * name, value, the verbs that take it, and its help. parse_opts (common.c)
 * reads the table to map letters, to know which options take a value and
 * to refuse an option a verb does not have; each verb's --help prints its
 * rows, so the help cannot drift from what is parsed. An option whose help
 * differs between verbs has one row per wording.
 *
 * Site keys (vg_site_is_key: --monitored, --scan-gap, ...) are taken by
 * every verb that has -c; the rows below only document the common ones.
 */
#include <string.h>

#include "common.h"

#define RD (V_DUMP | V_STATS | V_REPORT | V_SCANS | V_ALERTS | V_TOP) /* read and print */
#define AN (V_REPORT | V_SCANS | V_ALERTS)                      /* analyse; a store */
#define EX (AN | V_EXPORT)                                      /* read a store */
#define ALL (RD | V_INGEST | V_WATCH)
#define ST (EX | V_INGEST | V_WATCH | V_STORE)                  /* take a store */

static const struct optdef defs[] = {
	/* site */
	{'c', "config", "FILE", EX, G_SITE, "read the site file FILE first"},
	{'c', "config", "FILE", V_DUMP, G_SITE,
	 "the site file: its monitored networks, for\n--anon-monitored keep"},
	{'c', "config", "FILE", V_INGEST | V_WATCH | V_STORE, G_SITE,
	 "the site file; the store keeps the description it\n"
	 "was made with and refuses another"},
	{0, "monitored", "NETS", V_REPORT | V_INGEST | V_WATCH, G_SITE,
	 "addresses, prefixes, ranges the team protects\n"
	 "(repeatable; e.g. 192.0.2.0/28, 198.51.100.1-198.51.100.9)"},
	{0, "service", "SPEC", V_REPORT | V_INGEST | V_WATCH, G_SITE,
	 "ADDRS:PORTS[/PROTO] declared service (repeatable;\n"
	 "e.g. 192.0.2.1-192.0.2.5:80/tcp, 192.0.2.3:22)"},
	{0, "hot-ports", "LIST", V_REPORT | V_INGEST | V_WATCH, G_SITE,
	 "PORT/PROTO,... (default 135/tcp,137/udp,445/tcp)"},
	{0, "buckets", "DAYS", V_REPORT | V_INGEST | V_WATCH, G_SITE,
	 "activity buckets (default 1,10,100: 1 day,\n2-9, 10-99, >= 100 days)"},
	{0, "tz", "ZONE", V_REPORT | V_INGEST | V_WATCH, G_SITE,
	 "day boundaries: UTC (default), +HH:MM/-HH:MM, or a\nzone name like Europe/Berlin"},
	{0, "top", "N", V_REPORT | V_INGEST | V_WATCH, G_SITE, "size of the top lists (default 20)"},
	{0, "services-file", "FILE", V_REPORT | V_INGEST | V_WATCH, G_SITE,
	 "/etc/services-style names of the site's ports"},
	{0, "idle", "SECONDS", AN | V_INGEST | V_WATCH, G_SITE, "merge idle timeout (default 120)"},
	{0, NULL,
	 "--known-scanners FILE, --scan-window S, --scan-vertical N,\n"
	 "--scan-horizontal N, --scan-sweep-ports N, --scan-campaign-sources N,\n"
	 "--scan-gap S, --scan-sources N",
	 V_REPORT | V_INGEST | V_WATCH, G_SITE, "the scan detector (see vigil scans, docs/scans.md)"},

	/* input */
	{'r', "read", "FILE...", RD, G_INPUT, "input files (- = standard input); repeatable"},
	{'r', "read", "FILE...", V_INGEST, G_INPUT, "input files; repeatable"},
	{'S', "server", "HOST:PORT", RD, G_INPUT,
	 "read an Argus server (argus -P, radium) as ra -S\n"
	 "does, until it closes or SIGINT; repeatable (all at once)"},
	{'S', "server", "HOST:PORT", V_WATCH, G_INPUT,
	 "an Argus server (argus -P, radium), connected again\n"
	 "when it goes away (1, 2, 4 ... 60 s); repeatable"},
	{0, "reconnect", NULL, RD, G_INPUT,
	 "-S: connect again when a server closes or fails\n"
	 "(after 1, 2, 4 ... 60 s), until SIGINT"},
	{0, "store", "DB", EX, G_INPUT,
	 "read the site's store (vigil ingest, docs/store.md)\ninstead of input files"},
	{0, "store", "DB", V_INGEST | V_WATCH | V_STORE, G_INPUT,
	 "the store (also: store = DB in the site file): an SQLite\n"
	 "file, or clickhouse://[USER[:PASS]@]HOST:PORT/DATABASE"},
	{0, "store-auth", "FILE", ST, G_INPUT,
	 "ClickHouse user and password: one line USER:PASSWORD in\n"
	 "a file only its owner can read"},
	{0, "sensor", "NAME", V_INGEST | V_WATCH, G_INPUT,
	 "ClickHouse: the sensor these inputs come from (default:\n"
	 "\"default\"); one writer per sensor"},
	{0, "sensor", "LIST", EX, G_INPUT,
	 "ClickHouse: read the sensors of LIST (comma-separated;\n"
	 "default: all of them)"},
	{0, "raw", NULL, V_INGEST | V_WATCH, G_INPUT,
	 "ClickHouse: also keep every merged connection (table\n"
	 "conns, with its class and scan id) for your own queries"},
	{0, "partial", NULL, EX, G_INPUT,
	 "ClickHouse cluster: read on when a shard is down (said\n"
	 "on stderr and in the JSON)"},
	{0, "cluster", "NAME", V_STORE, G_INPUT,
	 "store init: spread the rollups over the cluster NAME of\n"
	 "the server's remote_servers (Distributed tables)"},
	{0, "shard", "HOST:PORT", V_STORE, G_INPUT,
	 "store init: a shard's HTTP address, one per shard of\n"
	 "--cluster, in its order (repeatable)"},
	{0, "before", "DAY", V_STORE, G_INPUT,
	 "store prune: drop the days before DAY (YYYY-MM-DD)"},
	{'t', "time", "RANGE", V_DUMP | V_STATS | V_INGEST, G_INPUT,
	 "only records that start in RANGE: 2024/03/09,\n"
	 "2024/03/09.12:00-2024/03/10 (UTC), or -24h, -7d"},
	{'t', "time", "RANGE", EX, G_INPUT,
	 "only what starts in RANGE: 2024/03/09, 2024/03/09.12,\n"
	 "2024/03/09.12:00-2024/03/10 (UTC), or -24h, -7d (the\n"
	 "last 24 h, 7 days of the data); whole days on a store"},
	{'R', "read-dir", "EXPR", RD | V_INGEST, G_INPUT,
	 "DIR, DIR/NAME (files beginning NAME) or DIR/FIRST:LAST,\nin name order, as nfdump -R"},
	{'l', "listen", "ADDR:PORT", V_WATCH, G_INPUT,
	 "receive NetFlow v5/v9/IPFIX on UDP ADDR:PORT (as vigil\n"
	 "collect); repeatable"},
	{'R', "read-dir", "DIR", V_WATCH, G_INPUT,
	 "follow DIR: each new file once it stands still, in\nname order"},
	{0, "format", "NAME", ALL, G_INPUT,
	 "input format instead of sniffing: argus, argus2, nfdump,\ncsv, pcap"},
	{'i', "interface", "IFACE", RD | V_WATCH, G_INPUT, "capture packets live (root) until SIGINT"},
	{0, "bpf", "EXPR", ALL, G_INPUT, "packets to meter (pcap, pcapng, -i), tcpdump syntax"},
	{0, "meter-active", "S", ALL, G_INPUT, "a flow reports every S s (default 60)"},
	{0, "meter-idle", "S", ALL, G_INPUT, "a flow ends after S s without packets (default 60)"},
	{0, "meter-v6-label", NULL, ALL, G_INPUT, "IPv6 flow label in the flow key (as argus)"},

	/* output */
	{'o', "output", "FMT", V_DUMP, G_OUTPUT,
	 "csv (default; as ra -n -u -p 6 -c ,), json (NDJSON), text"},
	{'o', "output", "FMT", V_STATS | V_REPORT, G_OUTPUT, "text (default) or json"},
	{'o', "output", "FMT", V_SCANS, G_OUTPUT, "text (default), json (one object per event), csv"},
	{'o', "output", "FMT", V_ALERTS, G_OUTPUT,
	 "text (default), json (NDJSON: one alert per line) or\ncsv"},
	{0, "fields", "LIST", V_DUMP, G_OUTPUT,
	 "columns, comma-separated; +LIST appends to the defaults\n"
	 "(stime,ltime,proto,saddr,sport,daddr,dport,spkts,dpkts,\n"
	 "sbytes,dbytes,state); also dur pkts bytes sflags dflags\n"
	 "icmpid sensor trans oneway"},
	{'o', "output", "FMT", V_TOP, G_OUTPUT, "text (default), csv, json (an array)"},
	{'c', "config", "FILE", V_TOP, G_SITE, "the site file (with --store: the store's site)"},
	{0, "store", "DB", V_TOP, G_INPUT,
	 "group the store's day rollups (its unsolicited\nconnections) instead of flow records"},
	{'t', "time", "RANGE", V_TOP, G_INPUT,
	 "only records that start in RANGE (as dump); with\n--store, the whole days of RANGE"},
	{'s', "stat", "KEYS", V_TOP, G_OUTPUT,
	 "what to group by (default srcip): fields srcip dstip\nsrcnet/N dstnet/N srcport dstport "
	 "proto, space-\nseparated; dstport/proto is dstport and proto;\na /ORDER suffix orders "
	 "(srcip/bytes)"},
	{'O', "order", "BY", V_TOP, G_OUTPUT,
	 "flows (default), packets, bytes, sources,\ndestinations or ports (distinct per group)"},
	{'n', "count", "N", V_TOP, G_OUTPUT, "the N first groups (default 10; 0: all)"},
	{'m', "merge", NULL, V_TOP, G_OUTPUT,
	 "merge the reports of each connection first (as\nracluster): flows are then connections"},
	{0, "idle", "SECONDS", V_TOP, G_OUTPUT,
	 "with --merge: a gap this long starts a new connection\n(default 120)"},
	{'m', "merge", NULL, V_DUMP, G_OUTPUT, "merge the reports of each connection (as racluster)"},
	{'m', "merge", NULL, V_STATS, G_OUTPUT,
	 "also merge status records into connections and count them"},
	{0, "idle", "SECONDS", V_DUMP | V_STATS, G_OUTPUT,
	 "with --merge: a gap this long starts a new connection\n(default 120)"},
	{0, "no-header", NULL, V_DUMP, G_OUTPUT, "no header line"},
	{0, "time-format", "FMT", V_DUMP | AN, G_OUTPUT,
	 "times in CSV and text: epoch (as ra -u), iso (ISO 8601,\n"
	 "as in JSON) or text (default: epoch for dump's CSV,\n"
	 "iso for the other CSV tables, text for text)"},
	{0, "wide", NULL, AN | V_TOP, G_OUTPUT,
	 "text lines as wide as they are (default: fit 100\ncolumns, long lines wrapped)"},
	{0, "stats", NULL, V_DUMP, G_OUTPUT, "print input statistics to stderr at the end"},
	{'w', "write", "FILE", RD, G_OUTPUT, "write to FILE instead of standard output"},
	{0, "csv-dir", "DIR", V_REPORT, G_OUTPUT, "also write one CSV per table into DIR"},
	{0, "html", "FILE", V_REPORT, G_OUTPUT,
	 "also write the report as one self-contained HTML\n"
	 "page with interactive charts (- = standard\n"
	 "output, instead of the text or JSON)"},
	{0, "figures", "DIR", V_REPORT, G_OUTPUT,
	 "also write every chart of the HTML page as an SVG\n"
	 "file into DIR (and PNG with rsvg-convert); needs\n"
	 "node (docs/report.md)"},
	{0, "no-alerts", NULL, V_REPORT, G_OUTPUT, "no early-warning detectors (vigil alerts)"},
	{0, "without", "WHAT", V_REPORT, G_OUTPUT,
	 "the figures \"without scans\" leave out the connections\n"
	 "of port-scans (default), sweeps, or all scan events"},
	{0, "since", "WHEN", V_ALERTS, G_OUTPUT,
	 "only alerts still holding at or after WHEN: a time\n"
	 "(2024-03-09, 2024-03-09T12:00, UTC), a span before\n"
	 "the end of the data (24h, 7d) or before now (now-24h)"},
	{0, "min-severity", "LEVEL", V_ALERTS, G_OUTPUT,
	 "print alerts at LEVEL or above: low, medium, high\n"
	 "(default: medium for text, with a count of the rest;\n"
	 "low, i.e. all, for JSON, IODEF, STIX and MISP)"},
	{0, "fail-on", "LEVEL", V_REPORT, G_OUTPUT,
	 "exit 1 when an alert is at LEVEL or above (low,\n"
	 "medium, high); exit 6 when the data is stale"},
	{0, "fail-on", "LEVEL", V_ALERTS, G_OUTPUT,
	 "exit with status 1 when an alert (after --since) is\n"
	 "at LEVEL or above: low, medium, high; with status 6\n"
	 "when the newest data is older than --max-age"},
	{0, "max-age", "DUR", V_REPORT, G_OUTPUT,
	 "newest data older than DUR (2d, 36h) against now is a\n"
	 "dead feed: said on stderr and in the JSON (checked\n"
	 "on a store always, on files when given; default 2d)"},
	{0, "max-age", "DUR", V_ALERTS, G_OUTPUT,
	 "newest data older than DUR (2d, 36h) against now is a\n"
	 "dead feed, said on stderr (checked on a store always,\n"
	 "on files when given; default 2d)"},
	{0, "max-age", "DUR", V_WATCH, G_OUTPUT,
	 "a feed silent for longer than DUR (30s, 10m, 2h;\n"
	 "default 2d) gives a {\"feed\":...} line"},
	{0, "iodef", "FILE", V_ALERTS, G_OUTPUT, "also write the alerts as IODEF v2 XML (RFC 7970)"},
	{0, "stix", "FILE", V_ALERTS | V_SCANS, G_OUTPUT,
	 "also write a STIX 2.1 bundle (docs/stix.md): the team,\n"
	 "indicators and sightings of the sources and ports"},
	{0, "misp", "FILE", V_ALERTS | V_SCANS, G_OUTPUT,
	 "also write one MISP event (docs/misp.md): ip-src and\n"
	 "port attributes with sightings, ecsirt and tlp tags"},
	{0, "anonymize", "KEY|/N", RD & ~V_STATS, G_OUTPUT,
	 "addresses as Crypto-PAn pseudonyms with the key file\nKEY (vigil key new), "
	 "or truncated: /N or /N,/M keeps\nN bits of IPv4, M (default 48) of IPv6; "
	 "raw inputs\nonly (docs/anonymize.md)"},
	{0, "anonymize", "KEY|/N", V_EXPORT, G_OUTPUT,
	 "the sources as Crypto-PAn pseudonyms with the key file\nKEY, or truncated "
	 "(/N or /N,/M); required"},
	{0, "share", "FILE", V_EXPORT, G_OUTPUT, "write the share (JSON, docs/share.md) to FILE"},
	{0, "shared", "FILE...", V_ALERTS, G_INPUT,
	 "the ports surging at several teams at once, from\ntheir shares (vigil export; docs/share.md)"},
	{0, "shared", "FILE...", V_REPORT, G_INPUT,
	 "one picture from teams' shares (vigil export;\ndocs/share.md): sums per day and "
	 "port, a column\nper team, ports alerted at several teams at once"},
	{0, "team", "NAME", V_EXPORT, G_OUTPUT, "the team's name in the share (default: site key csirt)"},
	{0, "description", "TEXT", V_EXPORT, G_OUTPUT, "the sensor's description in the share"},
	{0, "anon-monitored", "MODE", RD & ~V_STATS, G_OUTPUT,
	 "--anonymize and the monitored networks' addresses:\nreplace (the default), keep "
	 "them, or prefix: keep\ntheir network's prefix, pseudonymise the host bits\n"
	 "(keep and prefix need the site)"},
	{0, "html-max-cells", "N", V_REPORT, G_OUTPUT,
	 "a connection matrix of more cells is shown in\n"
	 "bins of sources and ports (default 250000)"},
	{0, "strict", NULL, ALL, G_OUTPUT, "stop at the first bad or skipped record"},
	{'q', "quiet", NULL, ALL | V_EXPORT, G_OUTPUT, "no progress display"},

	/* vigil watch */
	{0, "alerts", "FILE", V_WATCH, G_OUTPUT,
	 "append the alerts (NDJSON) to FILE instead of\nstandard output"},
	{0, "exec", "CMD", V_WATCH, G_OUTPUT,
	 "run CMD (sh -c) once per new alert, the alert as\nJSON on its standard input"},
	{0, "html", "FILE", V_WATCH, G_OUTPUT,
	 "rewrite the report as HTML (atomically) when a day\ncloses, and on SIGHUP"},
	{0, "status", "FILE", V_WATCH, G_OUTPUT,
	 "rewrite a JSON status record every 10 s (flows/s,\nmemory, last data, feed lag)"},
	{0, "commit-gap", "SECONDS", V_WATCH, G_OUTPUT,
	 "a stream commits each hour of data as it closes,\nbut at most once in SECONDS "
	 "(default 1: a\nbacklog read fast commits once a second; 0: every\nhour)"},
	{0, "commit-gap", "SECONDS", V_INGEST, G_OUTPUT,
	 "inputs read within SECONDS of the last commit\nshare the next one (default 1: many "
	 "small files\ncommit about once a second; 0: one commit per\ninput)"},

	/* vigil collect */
	{'l', "listen", "ADDR:PORT", V_COLLECT, G_INPUT,
	 "UDP address to listen on: 127.0.0.1:2055,\n"
	 "[::1]:2055, 0.0.0.0:2055, [::]:2055; repeatable"},
	{'w', "write", "DIR", V_COLLECT, G_OUTPUT,
	 "the output directory (made if missing);\n- = one CSV stream on standard output"},
	{0, "rotate", "SECONDS", V_COLLECT, G_OUTPUT, "a new file every SECONDS (default 300)"},
	{0, "duration", "SECONDS", V_COLLECT, G_OUTPUT, "stop after SECONDS"},
	{0, "count", "PACKETS", V_COLLECT, G_OUTPUT, "stop after PACKETS datagrams"},
	{'q', "quiet", NULL, V_COLLECT, G_OUTPUT, "no start message, no warnings on bad datagrams"},
};

unsigned verb_bit(const char *verb)
{
	static const char *const names[] = {"dump",   "stats",  "report", "scans",
					    "alerts", "ingest", "collect", "watch", "store",
					    "export", "top"};
	size_t i;
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(names[i], verb) == 0)
			return 1u << i;
	return 0;
}

const struct optdef *opt_find(unsigned verb, const char *name, char letter)
{
	size_t i;
	for (i = 0; i < sizeof defs / sizeof defs[0]; i++) {
		const struct optdef *d = &defs[i];
		if (!d->name || !(d->verbs & verb))
			continue;
		if (name ? strcmp(d->name, name) == 0 : d->letter == letter)
			return d;
	}
	return NULL;
}

const struct optdef *opt_find_any(const char *name, char letter)
{
	size_t i;
	for (i = 0; i < sizeof defs / sizeof defs[0]; i++) {
		const struct optdef *d = &defs[i];
		if (d->name && (name ? strcmp(d->name, name) == 0 : d->letter == letter))
			return d;
	}
	return NULL;
}

#define HELP_COL 27

/* "  -r, --read FILE...", then the help from column HELP_COL; lines of the
 * help after the first, and the help of a long left part, start there. */
static void print_one(FILE *fp, const struct optdef *d)
{
	char left[256];
	const char *h = d->help, *nl;
	int n;
	if (d->name)
		n = snprintf(left, sizeof left, "  %c%c%s--%s%s%s", d->letter ? '-' : ' ',
			     d->letter ? d->letter : ' ', d->letter ? ", " : "  ", d->name,
			     d->arg ? " " : "", d->arg ? d->arg : "");
	else
		n = 0;
	if (!d->name) {
		/* a line of names the table documents together */
		const char *a = d->arg;
		while ((nl = strchr(a, '\n')) != NULL) {
			fprintf(fp, "      %.*s\n", (int)(nl - a), a);
			a = nl + 1;
		}
		fprintf(fp, "      %s\n%*s", a, HELP_COL, "");
	} else if (n >= HELP_COL) {
		fprintf(fp, "%s\n%*s", left, HELP_COL, "");
	} else {
		fprintf(fp, "%-*s", HELP_COL, left);
	}
	while ((nl = strchr(h, '\n')) != NULL) {
		fprintf(fp, "%.*s\n%*s", (int)(nl - h), h, HELP_COL, "");
		h = nl + 1;
	}
	fprintf(fp, "%s\n", h);
}

void print_options(FILE *fp, unsigned verb, unsigned groups)
{
	size_t i;
	for (i = 0; i < sizeof defs / sizeof defs[0]; i++)
		if ((defs[i].verbs & verb) && (groups & (1u << defs[i].group)))
			print_one(fp, &defs[i]);
}
